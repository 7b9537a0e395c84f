//! Turning names from a spec or a mapping into Rust identifiers.
//!
//! Order matters and is fixed: characters that cannot appear in an identifier become
//! `_`, the name is cased with heck, an empty name or a leading digit gets a prefix,
//! keywords become raw identifiers (or get a `_` suffix where raw is not allowed), and
//! finally [`Namer`] makes names unique in a scope, deterministically.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// Rust keywords, strict and reserved, 2015 to 2024.
const KEYWORDS: [&str; 52] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: [&str; 5] = ["crate", "self", "Self", "super", "_"];

fn clean(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        let ok = if i == 0 {
            unicode_ident::is_xid_start(c) || c == '_' || c.is_ascii_digit()
        } else {
            unicode_ident::is_xid_continue(c)
        };
        // Non-ASCII letters are valid identifiers but hard to type and review; keep ASCII.
        out.push(if ok && c.is_ascii() { c } else { '_' });
    }
    out
}

fn finish(mut s: String, prefix: &str) -> String {
    if s.is_empty() || s.chars().all(|c| c == '_') {
        s = format!("{prefix}value");
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("{prefix}{s}");
    }
    if NOT_RAW.contains(&s.as_str()) {
        s.push('_');
    } else if KEYWORDS.contains(&s.as_str()) {
        s = format!("r#{s}");
    }
    s
}

/// The identifier for an already valid name, raw when it is a keyword (`type` → `r#type`).
pub fn raw_if_keyword(name: &str) -> String {
    if KEYWORDS.contains(&name) && !NOT_RAW.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// A field, function or module name: `snake_case`.
pub fn snake(name: &str) -> String {
    let cased = clean(name).to_snake_case();
    finish(cased, "n")
}

/// A type or variant name: `UpperCamelCase`.
pub fn camel(name: &str) -> String {
    let cased = clean(name).to_upper_camel_case();
    // `Self` cannot be raw, and `Self_` is not camel case (a warning under deny(warnings)).
    if cased == "Self" {
        return "SelfType".to_string();
    }
    finish(cased, "N")
}

/// Hands out unique names in one scope: the second `id` becomes `id_2`.
#[derive(Debug, Default)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// A namer in whose scope `names` are already taken.
    pub fn with_reserved(names: &[&str]) -> Namer {
        Namer {
            taken: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Claims `base`, or the first free `base_N`.
    pub fn claim(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_string()) {
            return base.to_string();
        }
        let stem = base.trim_start_matches("r#");
        let sep = if stem.chars().next().is_some_and(char::is_uppercase) || stem.ends_with('_') {
            ""
        } else {
            "_"
        };
        (2..)
            .map(|n| format!("{stem}{sep}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_else(|| base.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases = [
            ("amount_received", "amount_received", "AmountReceived"),
            ("payment-intent", "payment_intent", "PaymentIntent"),
            ("type", "r#type", "Type"),
            ("self", "self_", "SelfType"),
            ("Self", "self_", "SelfType"),
            ("crate", "crate_", "Crate"),
            ("super", "super_", "Super"),
            ("3ds", "n3ds", "N3ds"),
            ("", "nvalue", "Nvalue"),
            ("*/", "nvalue", "Nvalue"),
            ("x-ratelimit-reset", "x_ratelimit_reset", "XRatelimitReset"),
            ("metadata[key]", "metadata_key", "MetadataKey"),
            ("müll", "m_ll", "MLl"),
            ("#[cfg]", "cfg", "Cfg"),
            ("async", "r#async", "Async"),
            ("gen", "r#gen", "Gen"),
        ];
        for (input, s, c) in cases {
            assert_eq!(snake(input), s, "snake({input:?})");
            assert_eq!(camel(input), c, "camel({input:?})");
        }
    }

    #[test]
    fn every_keyword_becomes_a_valid_identifier() {
        for k in KEYWORDS {
            let s = snake(k);
            let parsed = syn::parse_str::<syn::Ident>(&s).or_else(|_| {
                syn::parse_str::<syn::Ident>(s.trim_start_matches("r#")).map(|_| {
                    syn::Ident::new_raw(s.trim_start_matches("r#"), proc_macro2::Span::call_site())
                })
            });
            assert!(parsed.is_ok(), "{k} -> {s}");
            let c = camel(k);
            assert!(
                syn::parse_str::<syn::Ident>(c.trim_start_matches("r#")).is_ok()
                    || c.starts_with("r#"),
                "{k} -> {c}"
            );
        }
    }

    #[test]
    fn namer_is_deterministic() {
        let mut n = Namer::default();
        assert_eq!(n.claim("id"), "id");
        assert_eq!(n.claim("id"), "id_2");
        assert_eq!(n.claim("id"), "id_3");
        assert_eq!(n.claim("Thing"), "Thing");
        assert_eq!(n.claim("Thing"), "Thing2");
        let mut reserved = Namer::with_reserved(&["Option"]);
        assert!(reserved.is_taken("Option") && !reserved.is_taken("Thing"));
        assert_eq!(reserved.claim("Option"), "Option2");
    }
}

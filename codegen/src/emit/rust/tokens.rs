//! Token helpers every section uses: identifiers (raw when a keyword), checked paths
//! and types, readable literals, and the imports a module's code needs.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;
use std::collections::BTreeSet;
use std::time::Duration;

/// An identifier that may be raw (`r#type`).
pub(super) fn ident(s: &str) -> Ident {
    let s = crate::ident::raw_if_keyword(s);
    let valid = |t: &str| {
        t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match s.strip_prefix("r#") {
        Some(raw) if valid(raw) => Ident::new_raw(raw, Span::call_site()),
        None if syn::parse_str::<Ident>(&s).is_ok() => Ident::new(&s, Span::call_site()),
        // The planner only hands out valid names; should one slip through, sanitise it
        // rather than panic inside a build script.
        _ => {
            let clean = crate::ident::snake(&s);
            match clean.strip_prefix("r#") {
                Some(raw) => Ident::new_raw(raw, Span::call_site()),
                None => Ident::new(&clean, Span::call_site()),
            }
        }
    }
}

/// A path the planner has already checked.
pub(super) fn path(s: &str) -> TokenStream {
    match syn::parse_str::<syn::Path>(s) {
        Ok(p) => quote!(#p),
        Err(_) => {
            let msg = format!("portcullis: invalid path {s:?}");
            quote!(compile_error!(#msg))
        }
    }
}

pub(super) fn ty(s: &str) -> TokenStream {
    match syn::parse_str::<syn::Type>(s) {
        Ok(t) => quote!(#t),
        Err(_) => {
            let msg = format!("portcullis: invalid type {s:?}");
            quote!(compile_error!(#msg))
        }
    }
}

/// An integer literal without a suffix (the type is inferred where it is used), its
/// digits grouped by three from five digits on: `86_400`, `1_000_000`.
pub(super) fn int(n: impl Into<i128>) -> TokenStream {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let text = if digits.len() < 5 {
        digits
    } else {
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push('_');
            }
            out.push(c);
        }
        out
    };
    let lit = syn::LitInt::new(&text, Span::call_site());
    if n < 0 { quote!(-#lit) } else { quote!(#lit) }
}

/// A float literal without a suffix.
pub(super) fn float(x: f64) -> TokenStream {
    let lit = proc_macro2::Literal::f64_unsuffixed(x);
    quote!(#lit)
}

/// `Duration::from_secs(86_400)`, or the finest unit the value needs (`from_millis(250)`).
pub(super) fn duration(d: Duration) -> TokenStream {
    let nanos = d.as_nanos();
    let (unit, n) = if nanos % 1_000_000_000 == 0 {
        (quote!(from_secs), nanos / 1_000_000_000)
    } else if nanos % 1_000_000 == 0 {
        (quote!(from_millis), nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        (quote!(from_micros), nanos / 1_000)
    } else {
        (quote!(from_nanos), nanos)
    };
    let n = int(i128::try_from(n).unwrap_or(i128::MAX));
    quote!(Duration::#unit(#n))
}

pub(super) fn opt_duration(d: Option<Duration>) -> TokenStream {
    match d {
        Some(d) => {
            let d = duration(d);
            quote!(Some(#d))
        }
        None => quote!(None),
    }
}

/// The first segments of the paths in `tokens` (`rt` of `rt::Error`, `Duration` of
/// `Duration::from_secs`): what a module must import for its code to resolve.
pub(super) fn path_roots(tokens: &TokenStream) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_roots(tokens.clone(), &mut out);
    out
}

fn collect_roots(tokens: TokenStream, out: &mut BTreeSet<String>) {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let colon =
        |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == ':');
    for (i, t) in tts.iter().enumerate() {
        match t {
            TokenTree::Group(g) => collect_roots(g.stream(), out),
            TokenTree::Ident(id) => {
                let followed = colon(tts.get(i + 1)) && colon(tts.get(i + 2));
                let preceded = i >= 2 && colon(tts.get(i - 1)) && colon(tts.get(i - 2));
                if followed && !preceded {
                    out.insert(id.to_string());
                }
            }
            _ => {}
        }
    }
}

/// The `use` items a module of ours needs for `code`: the runtime (as `rt`, and its
/// `serde_json`), `Arc` and `Duration` from std, and its sibling modules; only those the
/// code names (an unused import is a warning).
pub(super) fn module_uses(code: &TokenStream) -> TokenStream {
    let roots = path_roots(code);
    let has = |r: &str| roots.contains(r);
    let runtime = match (has("rt"), has("serde_json")) {
        (true, true) => quote!(
            use ::portcullis_runtime::{self as rt, serde_json};
        ),
        (true, false) => quote!(
            use ::portcullis_runtime as rt;
        ),
        (false, true) => quote!(
            use ::portcullis_runtime::serde_json;
        ),
        (false, false) => quote!(),
    };
    let arc = has("Arc").then(|| {
        quote!(
            use std::sync::Arc;
        )
    });
    let duration = has("Duration").then(|| {
        quote!(
            use std::time::Duration;
        )
    });
    let siblings = match (has("translate"), has("vendor")) {
        (true, true) => quote!(
            use super::{translate, vendor};
        ),
        (true, false) => quote!(
            use super::translate;
        ),
        (false, true) => quote!(
            use super::vendor;
        ),
        (false, false) => quote!(),
    };
    // std, then the runtime, then ours, as rustfmt's `StdExternalCrate` groups them.
    quote!(#arc #duration #runtime #siblings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: TokenStream) -> String {
        t.to_string().replace(' ', "")
    }

    #[test]
    fn literals_read_as_a_person_writes_them() {
        assert_eq!(text(int(3u32)), "3");
        assert_eq!(text(int(5000u64)), "5000");
        assert_eq!(text(int(86_400u64)), "86_400");
        assert_eq!(text(int(1_000_000u64)), "1_000_000");
        assert_eq!(text(int(-12_345i64)), "-12_345");
        assert_eq!(text(float(0.5)), "0.5");
        assert_eq!(
            text(duration(Duration::from_secs(86_400))),
            "Duration::from_secs(86_400)"
        );
        assert_eq!(
            text(duration(Duration::from_millis(5_000))),
            "Duration::from_secs(5)"
        );
        assert_eq!(
            text(duration(Duration::from_millis(250))),
            "Duration::from_millis(250)"
        );
        assert_eq!(
            text(duration(Duration::from_micros(1_500))),
            "Duration::from_micros(1500)"
        );
    }

    #[test]
    fn path_roots_are_first_segments_only() {
        let code = quote! {
            fn f(e: rt::Error) -> Duration { let x = vendor::Money { amount: wire.rt }; ::std::time::Duration::ZERO }
        };
        let roots: Vec<String> = path_roots(&code).into_iter().collect();
        assert_eq!(roots, ["rt", "vendor"]);
    }
}

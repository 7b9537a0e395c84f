//! A spec that tries to inject code through its names, descriptions, enum values,
//! defaults and title (tests/fixtures/hostile.openapi.json). The adapter generated from
//! it compiles under deny(warnings) (it is part of this crate), and no spec text became code.

use proc_macro2::{TokenStream, TokenTree};

const ADAPTER: &str = include_str!(concat!(env!("OUT_DIR"), "/hostile_adapter.rs"));
const PORT: &str = include_str!(concat!(env!("OUT_DIR"), "/hostile_domain.rs"));

/// Every identifier in a token stream, recursively (literals and doc strings are not identifiers).
fn idents(ts: TokenStream, out: &mut Vec<String>) {
    for t in ts {
        match t {
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Group(g) => idents(g.stream(), out),
            _ => {}
        }
    }
}

#[test]
fn no_spec_text_becomes_code() {
    for (name, source) in [("adapter", ADAPTER), ("port", PORT)] {
        let tokens: TokenStream = source
            .parse()
            .unwrap_or_else(|e| panic!("the {name} is not Rust: {e}"));
        let mut ids = Vec::new();
        idents(tokens, &mut ids);
        // The payloads sit in descriptions, enum values, defaults, the title: they may
        // only survive as string literals.
        for forbidden in ["pwned", "exit", "process"] {
            assert!(
                !ids.iter().any(|i| i == forbidden),
                "the {name} has an identifier `{forbidden}`"
            );
        }
        assert!(
            !source.contains("fn pwned"),
            "the {name} defines a function from spec text"
        );
        assert!(
            !source.contains("#[cfg(pwned)]"),
            "the {name} has an attribute from spec text"
        );
    }
}

#[test]
fn awkward_names_become_valid_identifiers() {
    // Keywords, `*/`, `#[...]`, unicode, leading digits and a 2,000-character name.
    assert!(PORT.contains("pub r#type: Option<String>"), "{PORT}");
    assert!(PORT.contains("pub self_: Option<i64>"));
    assert!(PORT.contains("pub r#fn: Option<bool>"));
    assert!(PORT.contains("pub n123abc: Option<String>"));
    assert!(PORT.contains(&format!("pub {}:", "a".repeat(2000))));
    // Path parameters named ref, type and trait, a header with `*/` in its name.
    assert!(ADAPTER.contains(r#".path_param("ref""#));
    assert!(ADAPTER.contains("req.r#trait") && ADAPTER.contains("req.r#type"));
    assert!(ADAPTER.contains(r#""X-*/-injected""#));
    // The wire name survives as a string: `#[serde(rename = "#[cfg(test)]")]`.
    assert!(ADAPTER.contains(r##"rename = "#[cfg(test)]""##));
}

#[test]
fn deep_required_bodies_and_huge_enums_are_planned() {
    // The 7-level required body is flattened into the request struct.
    assert!(
        PORT.contains("level7_level6_level5_level4_level3_level2_level1_leaf"),
        "{PORT}"
    );
    // The 5,000-value enum stays a string on the wire: no 5,000-arm match in the adapter.
    assert!(
        ADAPTER.lines().count() < 2_000,
        "{} lines",
        ADAPTER.lines().count()
    );
}

#[test]
fn spec_text_in_doc_comments_forms_no_links_or_tags() {
    let title = ADAPTER
        .lines()
        .find(|l| l.contains("on top of"))
        .expect("the adapter's doc line");
    assert!(title.contains(r"\[pwned\]"), "title not escaped: {title}");
    for line in ADAPTER
        .lines()
        .filter(|l| l.trim_start().starts_with("///"))
    {
        // The generator's own intra-doc links are the only brackets left unescaped.
        let own = line
            .replace("[`Self::config`]", "")
            .replace("[`Self::new`]", "");
        let bytes = own.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if matches!(b, b'[' | b']' | b'<') {
                assert!(
                    *b != b'<' && i > 0 && bytes[i - 1] == b'\\',
                    "unescaped {:?} in a generated doc line: {line}",
                    *b as char
                );
            }
        }
    }
}

#[test]
fn schemas_named_like_the_prelude_get_other_wire_type_names() {
    // `mod vendor` names `Option`, `String`, `Vec` and `Box` (and the serde derives)
    // unqualified, so no wire type may take those names; other names are kept. The
    // adapter compiles beside a user's items with all of these names (tests/src/lib.rs).
    for taken in ["Option", "String", "Vec", "Box"] {
        assert!(
            !ADAPTER.contains(&format!("struct {taken} ")),
            "a wire type is named {taken}"
        );
        assert!(
            ADAPTER.contains(&format!("struct {taken}2 ")),
            "no wire type for the schema {taken}"
        );
    }
    for kept in ["Result", "Some", "None", "Ok", "Err", "Rt", "Serde"] {
        assert!(
            ADAPTER.contains(&format!("struct {kept} ")),
            "no wire type {kept}"
        );
    }
    // `Vec` and `Ok` are written and read with the same fields: one type each, under
    // the name the response gave it.
    for merged in ["Vec2", "Ok"] {
        assert!(
            ADAPTER.contains(&format!("#[derive(Debug, Clone, Serialize, Deserialize)]\n    #[serde(crate = \"::portcullis_runtime::__private::serde\")]\n    pub(super) struct {merged} ")),
            "{merged} is not one type deriving both:\n{ADAPTER}"
        );
    }
    assert!(
        !ADAPTER.contains("struct PutVecRequest ") && !ADAPTER.contains("struct PutOkRequest ")
    );
    // The top level, where the user's items are in scope, names everything in full.
    let top_level: Vec<&str> = ADAPTER
        .lines()
        .take_while(|l| !l.starts_with("mod "))
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    for line in top_level {
        for word in ["Option<", "Some(", "Result<", "rt::", " Duration"] {
            assert!(
                !line.contains(word) || line.contains(&format!("::{word}")),
                "an unqualified {word} at the top level: {line}"
            );
        }
    }
}

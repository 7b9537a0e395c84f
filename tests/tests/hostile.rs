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
    // `Vec` and `Ok` are written with a required `value` and read into the synthesized
    // domain's `Option`, so each is two types (merging is unit-tested in plan::merge);
    // neither takes a prelude name.
    for (read, written) in [("Vec2", "PutVecRequest"), ("Ok", "PutOkRequest")] {
        assert!(
            ADAPTER.contains(&format!("pub(super) struct {read} "))
                && ADAPTER.contains(&format!("pub(super) struct {written} ")),
            "{read} and {written}:\n{ADAPTER}"
        );
    }
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

// Inputs built to crash or exhaust the generator (issue 17, point 1): each is refused
// with a diagnostic naming the file and the place, quickly, without a panic.

mod exhaustion {
    use portcullis_codegen::error::{Error, Span};
    use portcullis_codegen::load::limits::{Limits, MAX_DEPTH};
    use portcullis_codegen::load::mapping::Mapping;
    use portcullis_codegen::load::openapi::Spec;
    use portcullis_codegen::load::port::Port;
    use portcullis_codegen::load::yaml;
    use std::path::Path;
    use std::time::{Duration, Instant};

    /// Loads a spec, which must be refused within `secs` (generous: a busy 2-core
    /// machine; the point is "not billions of nodes"), and returns the one diagnostic.
    fn refused(name: &str, text: &str, secs: u64) -> portcullis_codegen::error::Diagnostic {
        let start = Instant::now();
        let e = Spec::from_bytes(Path::new(name), text.as_bytes()).expect_err("refused");
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "took {:?}",
            start.elapsed()
        );
        let d = e.diagnostics().first().expect("a diagnostic").clone();
        assert_eq!(d.file, Path::new(name));
        assert!(d.help.is_some(), "no help: {d}");
        d
    }

    fn spec_with_paths(paths: &str) -> String {
        format!(r#"{{"openapi":"3.0.0","info":{{"title":"x","version":"1"}},"paths":{paths}}}"#)
    }

    #[test]
    fn refs_of_every_shape_never_panic() {
        for r in [
            "#/paths/%a€",
            "#/paths/%€",
            "#/paths/%",
            "#/paths/%%",
            "#/paths/%C3%28",
            "#/paths/~",
            "#/paths/~2",
            "#/paths/€/%ff/🦀",
            "#/paths",
            "#/paths/",
            "#",
            "",
            "€",
            "#/components/schemas/€",
            "#/components/schemas/%a€",
            "#/components/parameters/",
            "https://example.com/€#/x",
            "#/paths/~1a/get/parameters/0",
            "#/paths/~1a/get/parameters/99999999999999999999",
        ] {
            let escaped = r.replace('"', "\\\"");
            let text = spec_with_paths(&format!(
                r#"{{"/a":{{"get":{{"operationId":"é€","parameters":[{{"$ref":"{escaped}"}}],"requestBody":{{"$ref":"{escaped}"}},"responses":{{"200":{{"$ref":"{escaped}"}},"201":{{"description":"ok","content":{{"application/json":{{"schema":{{"$ref":"{escaped}"}}}}}}}}}}}}}}}}"#
            ));
            // Loading may succeed or be refused; planning every operation must not panic.
            let dir = std::env::temp_dir().join(format!("portcullis-refs-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("dir");
            let file = dir.join("spec.json");
            std::fs::write(&file, &text).expect("write");
            let r2 = portcullis_codegen::corpus::run_spec(&dir, &file);
            assert!(r2.panic.is_none(), "$ref {r:?} panicked: {:?}", r2.panic);
        }
    }

    #[test]
    fn eight_self_references_into_paths_are_refused() {
        // ~360 bytes; each copy of #/paths holds the eight references again: 8^16 values
        // if followed.
        let refs = [r##"{"$ref":"#/paths"}"##; 8].join(",");
        let text = spec_with_paths(&format!(
            r#"{{"/a":{{"get":{{"parameters":[{refs}],"responses":{{"200":{{"description":"ok"}}}}}}}}}}"#
        ));
        assert!(text.len() < 400, "{}", text.len());
        let d = refused("selfref.json", &text, 60);
        assert!(d.message.contains("expand to more than"), "{d}");
        assert!(d.message.contains("#/paths/~1a/get/parameters/"), "{d}");
        assert!(
            d.help
                .as_deref()
                .is_some_and(|h| h.contains("PORTCULLIS_MAX_SPEC_NODES")),
            "{d}"
        );
    }

    #[test]
    fn a_ref_to_another_paths_parameter_still_inlines() {
        let text = spec_with_paths(
            r##"{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}},
                "/b/{id}":{"get":{"parameters":[{"$ref":"#/paths/~1a~1%7Bid%7D/get/parameters/0"}],"responses":{"200":{"description":"ok"}}}}}"##,
        );
        let spec = Spec::from_bytes(Path::new("reuse.json"), text.as_bytes()).expect("loads");
        assert_eq!(spec.operations.len(), 2);
    }

    /// Nine levels of ten aliases each: 10^9 values if expanded.
    fn laughs(prefix: &str, indent: &str) -> String {
        let mut text =
            format!("{prefix}{indent}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "{indent}l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
            ));
        }
        text
    }

    #[test]
    fn billion_laughs_spec_is_refused_at_the_alias() {
        let text = laughs(
            "openapi: 3.0.0\ninfo: {title: x, version: \"1\"}\npaths: {}\nx-laughs:\n",
            "  ",
        );
        let d = refused("laughs.yaml", &text, 60);
        assert!(d.message.contains("aliases"), "{d}");
        let span = d.span.expect("a place");
        assert!((5..=13).contains(&span.line), "{span:?}");
        assert!(
            d.help
                .as_deref()
                .is_some_and(|h| h.contains("billion laughs")),
            "{d}"
        );
    }

    #[test]
    fn billion_laughs_mapping_is_refused_at_the_alias() {
        let text = laughs("version: 1\nx:\n", "  ");
        let start = Instant::now();
        let e =
            Mapping::from_bytes(Path::new("laughs.yaml"), text.as_bytes()).expect_err("refused");
        assert!(start.elapsed() < Duration::from_secs(30));
        let d = &e.diagnostics()[0];
        assert!(
            d.message.starts_with("the mapping expands YAML aliases"),
            "{d}"
        );
        assert!(d.span.is_some_and(|s| s.line > 2), "{d}");
    }

    #[test]
    fn aliases_within_bounds_still_expand() {
        let n = yaml::parse("a: &x {k: [1, 2]}\nb: *x\nc: *x\n").expect("parses");
        assert_eq!(n.to_json()["c"], serde_json::json!({"k": [1, 2]}));
        let small = Limits {
            max_depth: 128,
            max_nodes: 10,
            max_alias_nodes: 1_000,
        };
        let e =
            yaml::parse_with("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", &small).expect_err("too many");
        assert!(e.message.contains("more than 10 values"), "{}", e.message);
        assert_eq!(e.span, Span { line: 1, col: 29 }, "the 11th value, `10`");
    }

    #[test]
    fn deep_json_is_refused_with_its_place() {
        let n = 100_000;
        let text = format!(
            r#"{{"openapi":"3.0.0","info":{{"title":"x","version":"1"}},"paths":{{}},"x":{}{}}}"#,
            "[".repeat(n),
            "]".repeat(n)
        );
        let d = refused("deep.json", &text, 30);
        assert!(
            d.message
                .contains(&format!("deeper than {MAX_DEPTH} levels")),
            "{d}"
        );
        assert_eq!(d.span.map(|s| s.line), Some(1));
    }

    #[test]
    fn deep_yaml_is_refused_with_its_place_block_flow_and_alias() {
        let head = "openapi: 3.0.0\ninfo: {title: x, version: \"1\"}\npaths: {}\nx:\n";
        let block = format!("{head}{}x\n", "- ".repeat(50_000));
        let flow = format!("{head}  {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
        let nested_maps: String = (0..2_000)
            .map(|i| format!("{}k:\n", " ".repeat(i + 2)))
            .collect();
        let maps = format!("{head}{nested_maps}");
        // Each alias stays within the depth, the place it is copied to does not.
        let aliased = format!(
            "{head}  a: &a {}1{}\n  b: {}*a{}\n",
            "[".repeat(100),
            "]".repeat(100),
            "[".repeat(100),
            "]".repeat(100)
        );
        for (name, text) in [
            ("block", block),
            ("flow", flow),
            ("maps", maps),
            ("alias", aliased),
        ] {
            let d = refused(&format!("{name}.yaml"), &text, 30);
            assert!(
                d.message.contains("deeper than") || d.message.contains("recursion limit"),
                "{name}: {d}"
            );
            assert!(d.span.is_some_and(|s| s.line >= 4), "{name}: {d}");
        }
        let mapping = format!("version: 1\nx: {}\n", "[".repeat(200));
        let e =
            Mapping::from_bytes(Path::new("deep.yaml"), mapping.as_bytes()).expect_err("refused");
        assert!(e.diagnostics()[0].span.is_some(), "{e}");
    }

    #[test]
    fn non_ascii_everywhere_loads_and_plans_without_panic() {
        let text = r##"{"openapi":"3.0.0","info":{"title":"Ünïcødé ✓ 🦀","version":"1"},
          "servers":[{"url":"https://ä.example/€"}],
          "paths":{"/ñ/{ид}/€":{"parameters":[{"name":"ид","in":"path","required":true,"schema":{"type":"string","pattern":"^[α-ω]+$","maxLength":3}}],
            "post":{"operationId":"créer_𝔭","parameters":[{"name":"X-Ключ","in":"header","schema":{"type":"string"}},{"name":"q€","in":"query","required":true,"schema":{"type":"string","enum":["ä","ö","🦀"]}}],
              "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Ωmega"}}}},
              "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Ωmega"}}}},"4ü":{"description":"x"}}}}},
          "components":{"schemas":{"Ωmega":{"type":"object","required":["名前"],"properties":{"名前":{"type":"string","example":"太郎"},"😀":{"$ref":"#/components/schemas/Ωmega"},"∂":{"type":"number"}}}}}}"##;
        let dir = std::env::temp_dir().join(format!("portcullis-unicode-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("ünï.json");
        std::fs::write(&file, text).expect("write");
        let r = portcullis_codegen::corpus::run_spec(&dir, &file);
        assert!(r.panic.is_none(), "{:?}", r.panic);
        assert!(r.loaded, "{:?}", r.load_error);
        assert_eq!(r.ops_generated, 1, "{:?}", r.left_out);
    }

    fn port(text: &str) -> Result<Port, Error> {
        Port::parse(
            Path::new("domain.rs"),
            text,
            "Api",
            (Path::new("m.yaml"), Span { line: 1, col: 1 }),
        )
    }

    #[test]
    fn port_source_that_would_overflow_syn_is_refused_with_its_place() {
        let n = 100_000;
        let cases = [
            (
                "parens",
                format!("pub struct A {{ x: {}u8{} }}", "(".repeat(n), ")".repeat(n)),
            ),
            ("refs", format!("pub struct A {{ x: {}u8 }}", "&".repeat(n))),
            (
                "fn chain",
                format!("pub struct A {{ x: {}u8 }}", "fn() -> ".repeat(n)),
            ),
            (
                "generics",
                format!(
                    "pub struct A {{ x: {}u8{} }}",
                    "Vec<".repeat(n),
                    ">".repeat(n)
                ),
            ),
            ("unary", format!("const A: i8 = {}1;", "- ".repeat(n))),
        ];
        for (name, text) in cases {
            let e = port(&text).expect_err(name);
            let d = &e.diagnostics()[0];
            assert_eq!(d.file, Path::new("domain.rs"), "{name}");
            assert!(d.span.is_some() && d.help.is_some(), "{name}: {d}");
        }
        // Size alone is no bound (memory grows with it linearly): the corpus runner's
        // synthesised port for Microsoft Graph is over 4 MB.
        let long = format!(
            "pub struct A {{ {} }}\npub trait Api {{}}",
            "pub x: u8,".repeat(500_000)
        );
        if let Err(e) = port(&long) {
            panic!("a long but shallow port is refused: {e}");
        }
    }

    #[test]
    fn non_ascii_port_source_is_read_or_refused_without_panic() {
        for text in [
            "pub trait Api { async fn é(&self) -> Result<(), String>; }",
            "pub struct Ä { pub 名前: String }\npub trait Api {}",
            "/* € */ pub trait Api { fn x(&self, ä: &str) -> Result<u8, ()>; }",
            "pub trait Api { fn \u{202e}x(&self); }",
            "€€€",
            "pub trait Api { async fn x(&self) -> Result<\"é\", ()>; }",
        ] {
            let _ = port(text);
        }
    }
}

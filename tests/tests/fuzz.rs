//! Property tests over hostile input: no input, however broken, makes the generator or
//! the runtime's parsers panic. Bounded case counts keep this in the default run;
//! `PROPTEST_CASES=100000 cargo test -p portcullis-tests --test fuzz` (or `scripts/fuzz`)
//! fuzzes longer.

use portcullis_codegen::load::mapping::Mapping;
use portcullis_codegen::load::openapi::Spec;
use portcullis_codegen::load::port::Port;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `n` cases in the default run; `PROPTEST_CASES` overrides it (an explicit `cases` in a
/// config would otherwise ignore the variable).
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stripe_spec_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        std::fs::read_to_string(root().join("specs/stripe/payments.json")).expect("spec")
    })
}

fn stripe_mapping_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping")
    })
}

fn port() -> &'static Port {
    static PORT: OnceLock<Port> = OnceLock::new();
    PORT.get_or_init(|| {
        let p = root().join("examples/checkout/src/domain.rs");
        Port::load(
            &p,
            "PaymentGateway",
            (
                Path::new("m.yaml"),
                portcullis_codegen::error::Span { line: 1, col: 1 },
            ),
        )
        .expect("port")
    })
}

/// A text with a few random edits: deletions, insertions of syntax characters, duplications.
fn mutate(text: &str, edits: &[(usize, usize, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    const NOISE: &[u8] = b"{}[]:,\"'\\- \n\t#&*!|>%@`0123456789ytrnul.";
    for &(at, len, pick) in edits {
        if bytes.is_empty() {
            break;
        }
        let at = at % bytes.len();
        match pick % 3 {
            0 => {
                let end = (at + len % 64).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => bytes.insert(at, NOISE[pick as usize % NOISE.len()]),
            _ => {
                let end = (at + len % 64).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn edits() -> impl Strategy<Value = Vec<(usize, usize, u8)>> {
    prop::collection::vec((any::<usize>(), any::<usize>(), any::<u8>()), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    #[test]
    fn spec_loading_never_panics_on_arbitrary_text(text in ".{0,400}") {
        let _ = Spec::from_bytes(Path::new("fuzz.json"), text.as_bytes());
        let _ = Spec::from_bytes(Path::new("fuzz.yaml"), format!("openapi: 3.0.0\n{text}").as_bytes());
    }

    #[test]
    fn a_mutated_real_spec_never_panics_the_loader_or_the_planner(e in edits()) {
        let text = mutate(stripe_spec_text(), &e);
        if let Ok(spec) = Spec::from_bytes(Path::new("stripe.json"), text.as_bytes()) {
            let mapping = Mapping::from_bytes(&root().join("mappings/stripe.yaml"), stripe_mapping_text().as_bytes()).expect("mapping");
            if let Ok(plan) = portcullis_codegen::plan::build(&spec, &mapping, port()) {
                prop_assert!(portcullis_codegen::emit::rust::render(&plan).is_ok());
            }
        }
    }

    #[test]
    fn a_mutated_mapping_never_panics_and_errors_have_a_place(e in edits()) {
        let text = mutate(stripe_mapping_text(), &e);
        let spec = Spec::from_bytes(Path::new("stripe.json"), stripe_spec_text().as_bytes()).expect("spec");
        match Mapping::from_bytes(&root().join("mappings/stripe.yaml"), text.as_bytes()) {
            Ok(mapping) => {
                if let Err(err) = portcullis_codegen::plan::build(&spec, &mapping, port()) {
                    prop_assert!(!err.diagnostics().is_empty());
                }
            }
            Err(err) => prop_assert!(err.diagnostics().iter().all(|d| !d.message.is_empty())),
        }
    }

    #[test]
    fn mapping_parsing_never_panics_on_arbitrary_yaml(text in "[a-z_:{}\\[\\],\\-\\n \"'0-9.&*!|>#]{0,300}") {
        let _ = Mapping::from_bytes(Path::new("fuzz.yaml"), text.as_bytes());
    }

    #[test]
    fn retry_after_parsing_never_panics(value in ".{0,64}", secs in any::<u64>()) {
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs % 4_000_000_000);
        let _ = portcullis_runtime::retry::retry_after::parse_retry_after(&value, now);
    }

    #[test]
    fn rate_limit_headers_never_panic(
        values in prop::collection::vec(("(retry-after|x-ratelimit-remaining|x-ratelimit-reset|x-ratelimit-limit|ratelimit|ratelimit-policy|ratelimit-reset)", "[ -~]{0,40}"), 0..6),
        secs in any::<u64>(),
    ) {
        let mut headers = portcullis_runtime::http::HeaderMap::new();
        for (name, value) in values {
            if let (Ok(n), Ok(v)) = (
                portcullis_runtime::http::HeaderName::from_bytes(name.as_bytes()),
                portcullis_runtime::http::HeaderValue::from_str(&value),
            ) {
                headers.append(n, v);
            }
        }
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs % 4_000_000_000);
        let _ = portcullis_runtime::retry::retry_after::from_headers(&headers, now);
    }

    #[test]
    fn response_decoding_never_panics(body in prop::collection::vec(any::<u8>(), 0..512), status in 100u16..600) {
        let response = portcullis_runtime::Response::new(status, portcullis_runtime::http::HeaderMap::new(), body);
        let _ = response.decode_json::<serde_json::Value>("fuzz");
        let _ = portcullis_runtime::Error::from_vendor_response("fuzz", &response, None, None);
    }
}

// Structure-aware generation (issue 17, point 2): specs built from arbitrary Unicode
// names, `$ref` graphs with cycles and references into `#/paths`, deep nesting, and YAML
// anchors and aliases; mappings and port sources with the same. Every case must finish
// without a panic, in bounded time, the whole pipeline included (corpus::run_spec
// synthesises a port and mapping for every operation, plans and emits).

/// Generous on a busy 2-core machine: the point is "not exponential".
const BOUNDED: std::time::Duration = std::time::Duration::from_secs(20);

/// Where a generated `$ref` points: another schema (cycles included), a path, or nowhere.
fn reference(n_schemas: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0..n_schemas.max(1)).prop_map(|i| format!("#/components/schemas/S{i}")),
        1 => Just("#/paths".to_string()),
        1 => Just("#/paths/~1p0/get".to_string()),
        1 => Just("#/paths/~1p0/get/parameters/0".to_string()),
        1 => ".{0,12}".prop_map(|s| format!("#/{s}")),
        1 => "[%€a-f0-9~/]{0,10}".prop_map(|s| format!("#/paths/{s}")),
    ]
}

/// A schema: leaves, objects, lists, compositions and references, nested.
fn schema(n_schemas: usize) -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    let leaf = prop_oneof![
        Just(json!({"type": "string"})),
        Just(json!({"type": "integer", "format": "int64"})),
        ".{0,8}".prop_map(|p| json!({"type": "string", "pattern": p, "maxLength": 3})),
        prop::collection::vec(".{0,6}", 0..4).prop_map(|e| json!({"type": "string", "enum": e})),
        reference(n_schemas).prop_map(|r| json!({"$ref": r})),
        Just(json!({})),
    ];
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            prop::collection::vec((".{1,8}", inner.clone(), any::<bool>()), 0..4).prop_map(|props| {
                let required: Vec<_> = props.iter().filter(|p| p.2).map(|p| p.0.clone()).collect();
                let properties: serde_json::Map<String, serde_json::Value> =
                    props.into_iter().map(|(k, v, _)| (k, v)).collect();
                serde_json::json!({"type": "object", "required": required, "properties": properties})
            }),
            inner.clone().prop_map(|i| serde_json::json!({"type": "array", "items": i})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| serde_json::json!({"oneOf": v})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| serde_json::json!({"allOf": v})),
            inner.prop_map(|i| serde_json::json!({"type": "object", "additionalProperties": i})),
        ]
    })
}

/// A whole spec: schemas S0..Sn, operations on paths with parameters and bodies referring
/// to them, everything named in arbitrary Unicode.
fn spec_value() -> impl Strategy<Value = serde_json::Value> {
    (1usize..6).prop_flat_map(|n| {
        (
            prop::collection::vec(schema(n), n),
            prop::collection::vec(
                (
                    ".{0,10}",
                    prop::sample::select(vec!["get", "post", "put", "delete", "patch"]),
                    ".{0,8}",
                    schema(n),
                    schema(n),
                    reference(n),
                ),
                1..5,
            ),
            ".{0,10}",
        )
            .prop_map(|(schemas, ops, title)| {
                use serde_json::json;
                let schemas: serde_json::Map<_, _> = schemas
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| (format!("S{i}"), s))
                    .collect();
                let mut paths = serde_json::Map::new();
                for (i, (seg, method, op_id, body, response, r)) in ops.into_iter().enumerate() {
                    let path = if i == 0 { "/p0".to_string() } else { format!("/{seg}/{{id}}") };
                    let op = json!({
                        "operationId": op_id,
                        "parameters": [
                            {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                            {"$ref": r},
                            {"name": seg, "in": "query", "schema": {"type": "string"}}
                        ],
                        "requestBody": {"content": {"application/json": {"schema": body}}},
                        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": response}}}}
                    });
                    let item = paths.entry(path).or_insert_with(|| json!({}));
                    item[method] = op;
                }
                json!({
                    "openapi": "3.0.3",
                    "info": {"title": title, "version": "1"},
                    "paths": paths,
                    "components": {"schemas": schemas}
                })
            })
    })
}

/// Runs the whole corpus pipeline on one spec text, timed.
fn run_whole_pipeline(name: &str, text: &str) -> portcullis_codegen::corpus::SpecResult {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write");
    let start = std::time::Instant::now();
    let r = portcullis_codegen::corpus::run_spec(&dir, &file);
    assert!(start.elapsed() < BOUNDED, "took {:?}", start.elapsed());
    r
}

/// YAML with anchors and aliases of random fan-out and depth (a bounded "laughs").
fn aliased_yaml() -> impl Strategy<Value = String> {
    (1usize..12, 1usize..12, ".{0,6}").prop_map(|(levels, fan, word)| {
        let word = serde_json::to_string(&word).expect("string");
        let mut text =
            String::from("openapi: 3.0.0\ninfo: {title: t, version: \"1\"}\npaths: {}\nx-a:\n");
        text.push_str(&format!(
            "  l0: &l0 [{}]\n",
            vec![word.as_str(); fan].join(", ")
        ));
        for i in 1..levels {
            let alias = format!("*l{}", i - 1);
            text.push_str(&format!(
                "  l{i}: &l{i} [{}]\n",
                vec![alias.as_str(); fan].join(", ")
            ));
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn generated_specs_never_panic_the_pipeline(spec in spec_value()) {
        let json = serde_json::to_string(&spec).expect("json");
        let r = run_whole_pipeline("spec.json", &json);
        prop_assert!(r.panic.is_none(), "panic: {:?}\n{json}", r.panic);
    }

    #[test]
    fn generated_specs_as_deep_yaml_never_panic(depth in 0usize..300, spec in spec_value()) {
        // The spec nested under `depth` levels of an extension key, written as flow YAML.
        let mut v = serde_json::json!("leaf");
        for _ in 0..depth {
            v = serde_json::json!([v]);
        }
        let mut spec = spec;
        spec["x-deep"] = v;
        let yaml = serde_json::to_string(&spec).expect("json");
        let r = run_whole_pipeline("spec.yaml", &format!("# yaml\n{yaml}"));
        prop_assert!(r.panic.is_none(), "panic: {:?}", r.panic);
        if depth > 130 {
            prop_assert!(!r.loaded, "a spec {depth} deep loaded");
        }
    }

    #[test]
    fn aliases_expand_or_are_refused_in_bounded_time(text in aliased_yaml()) {
        let start = std::time::Instant::now();
        let _ = Spec::from_bytes(Path::new("a.yaml"), text.as_bytes());
        prop_assert!(start.elapsed() < BOUNDED);
        let start = std::time::Instant::now();
        let _ = Mapping::from_bytes(Path::new("a.yaml"), text.as_bytes());
        prop_assert!(start.elapsed() < BOUNDED);
    }

    #[test]
    fn mapping_text_with_unicode_never_panics(e in edits(), insert in ".{0,40}", at in any::<usize>()) {
        let mut text = mutate(stripe_mapping_text(), &e);
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.insert_str(at, &insert);
        let start = std::time::Instant::now();
        let _ = Mapping::from_bytes(Path::new("m.yaml"), text.as_bytes());
        prop_assert!(start.elapsed() < BOUNDED);
    }

    #[test]
    fn port_source_never_panics(e in edits(), insert in ".{0,40}", nest in 0usize..400, at in any::<usize>()) {
        let source = std::fs::read_to_string(root().join("examples/checkout/src/domain.rs")).expect("port");
        let mut text = mutate(&source, &e);
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.insert_str(at, &format!("{insert}{}", "(".repeat(nest)));
        let start = std::time::Instant::now();
        let _ = Port::parse(Path::new("domain.rs"), &text, "PaymentGateway", (Path::new("m.yaml"), portcullis_codegen::error::Span { line: 1, col: 1 }));
        prop_assert!(start.elapsed() < BOUNDED);
    }
}

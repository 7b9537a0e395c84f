//! Property tests over hostile input: no input, however broken, makes the generator or
//! the runtime's parsers panic. Bounded case counts keep this in the default run;
//! `PROPTEST_CASES=100000 cargo test -p portcullis-tests --test tests fuzz` fuzzes longer.

use portcullis_codegen::load::mapping::Mapping;
use portcullis_codegen::load::openapi::Spec;
use portcullis_codegen::load::port::Port;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

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

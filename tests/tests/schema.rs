//! `portcullis schema`: every mapping in the repository validates against the JSON Schema
//! editors use, and the schema refuses the mistakes the decoder refuses.

use portcullis_codegen::load::mapping::{Mapping, schema::json_schema};
use portcullis_codegen::load::yaml;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&json_schema()).expect("the schema is valid draft-07")
}

/// What an editor sees of a YAML file: its JSON value.
fn as_json(text: &str) -> serde_json::Value {
    yaml::parse(text).expect("YAML").to_json()
}

/// The mapping files of the repository: every `.yaml` with a top-level `adapter:` under
/// mappings/ and tests/fixtures/ (specs and alert rules have none).
fn repository_mappings() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root().join("mappings"), root().join("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml")
                && std::fs::read_to_string(&path)
                    .is_ok_and(|t| t.lines().any(|l| l.starts_with("adapter:")))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_mapping_in_the_repository_validates_against_the_schema() {
    let validator = validator();
    let mappings = repository_mappings();
    assert!(mappings.len() >= 10, "{mappings:?}");
    let mut failures = Vec::new();
    for path in &mappings {
        let text = std::fs::read_to_string(path).expect("read");
        let value = as_json(&text);
        for error in validator.iter_errors(&value) {
            failures.push(format!(
                "{}: {} at {}",
                path.display(),
                error,
                error.instance_path()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Mistakes the decoder refuses with a line and column: an editor holding the schema
/// underlines the same ones as they are typed.
#[test]
fn the_schema_refuses_what_the_decoder_refuses() {
    let good = std::fs::read_to_string(root().join("tests/fixtures/tracker.yaml")).expect("read");
    let validator = validator();
    assert!(
        validator.is_valid(&as_json(&good)),
        "the base case is valid"
    );
    let cases = [
        (
            "an unknown top-level key",
            "adapter: TrackerAdapter",
            "adaptor: TrackerAdapter",
        ),
        (
            "an unknown operation key",
            "    call: createIssue",
            "    call: createIssue\n    retries: 3",
        ),
        (
            "a duration without a unit",
            "attempt_timeout: 2s",
            "attempt_timeout: 2",
        ),
        (
            "a key the pagination style does not take",
            "paginate: { style: link, max_pages: 3 }",
            "paginate: { style: link, max_pages: 3, cursor: next }",
        ),
        (
            "an unknown pagination style",
            "style: offset",
            "style: offsets",
        ),
        (
            "an error rule that is not a status, class or kind",
            "    _: TrackerError::Failed",
            "    oops: TrackerError::Failed",
        ),
        ("zero attempts", "attempts: 2", "attempts: 0"),
    ];
    for (what, from, to) in cases {
        assert!(good.contains(from), "{what}: the fixture has no {from:?}");
        let bad = good.replacen(from, to, 1);
        let path = root().join("tests/fixtures/tracker.yaml");
        assert!(
            Mapping::from_bytes(&path, bad.as_bytes()).is_err(),
            "{what}: the decoder accepts it"
        );
        assert!(
            !validator.is_valid(&as_json(&bad)),
            "{what}: the schema accepts it"
        );
    }
}

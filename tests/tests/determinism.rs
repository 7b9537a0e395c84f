//! Generated code is stable: byte-identical across runs and equal to the reviewed golden.

use std::path::Path;

fn mapping() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings/stripe.yaml")
}

#[test]
fn generating_twice_gives_identical_bytes() {
    let a = portcullis_codegen::generate_one(&mapping()).expect("generates");
    let b = portcullis_codegen::generate_one(&mapping()).expect("generates");
    assert_eq!(a.code, b.code);
    assert!(a.code.contains(&format!("sha256 {}", a.plan.spec_sha256)));
    assert!(
        a.code
            .contains(&format!("sha256 {}", a.plan.mapping_sha256))
    );
}

/// Run with `PORTCULLIS_BLESS=1` to accept a change to the generated code after review.
#[test]
fn stripe_adapter_matches_the_golden_file() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/stripe_gateway.rs");
    let code = portcullis_codegen::generate_one(&mapping())
        .expect("generates")
        .code;
    if std::env::var_os("PORTCULLIS_BLESS").is_some() {
        std::fs::write(&golden, &code).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert!(
        expected == code,
        "generated code differs from {}; review the diff and rerun with PORTCULLIS_BLESS=1 to accept it",
        golden.display()
    );
}

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

/// Every shipped adapter (each mapping in mappings/) equals its reviewed golden file in
/// tests/golden/.
/// Run with `PORTCULLIS_BLESS=1` to accept a change to the generated code after review.
#[test]
fn every_adapter_matches_its_golden_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut mismatched = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(root.join("../mappings"))
        .expect("mappings/")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".yaml")?;
            (!stem.ends_with(".alerts")).then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let generated =
            portcullis_codegen::generate_one(&root.join(format!("../mappings/{name}.yaml")))
                .expect("generates");
        let golden = root.join("golden").join(&generated.file_name);
        if std::env::var_os("PORTCULLIS_BLESS").is_some() {
            std::fs::write(&golden, &generated.code).expect("bless");
            continue;
        }
        if std::fs::read_to_string(&golden).unwrap_or_default() != generated.code {
            mismatched.push(golden.display().to_string());
        }
    }
    assert!(
        mismatched.is_empty(),
        "generated code differs from {mismatched:?}; review the diff and rerun with PORTCULLIS_BLESS=1 to accept it"
    );
}

/// The checkout's dispatcher over the four payment adapters equals its golden file,
/// and comes out the same twice. `PORTCULLIS_BLESS=1` accepts a reviewed change.
#[test]
fn the_dispatcher_matches_its_golden_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let render = || {
        let adapters: Vec<(String, portcullis_codegen::Generated)> =
            ["stripe", "square", "adyen", "govuk_pay"]
                .into_iter()
                .map(|name| {
                    let g = portcullis_codegen::generate_one(
                        &root.join(format!("../mappings/{name}.yaml")),
                    )
                    .expect("generates");
                    (name.to_owned(), g)
                })
                .collect();
        let named: Vec<(String, &portcullis_codegen::Generated)> =
            adapters.iter().map(|(n, g)| (n.clone(), g)).collect();
        portcullis_codegen::builder::render_dispatcher("PaymentProvider", &named).expect("renders")
    };
    let (file, code) = render();
    assert_eq!(file, "payment_provider.rs");
    assert_eq!(render().1, code, "stable across runs");
    let golden = root.join("golden").join(&file);
    if std::env::var_os("PORTCULLIS_BLESS").is_some() {
        std::fs::write(&golden, &code).expect("bless");
        return;
    }
    assert!(
        std::fs::read_to_string(&golden).unwrap_or_default() == code,
        "the dispatcher differs from {}; review the diff and rerun with PORTCULLIS_BLESS=1 to accept it",
        golden.display()
    );
}

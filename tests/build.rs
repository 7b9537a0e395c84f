//! Generates every mapping in `mappings/`, as a user's build.rs would.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings");
    let mut mappings: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        // Generated alert rules are checked in beside their mapping; they are not mappings.
        .filter(|p| !p.to_string_lossy().ends_with(".alerts.yaml"))
        .collect();
    // Fixtures exercise what the shipped mappings do not (JSON bodies, YAML specs, async fn ports).
    mappings.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ledger.yaml"));
    mappings.sort();
    let mut builder = portcullis_codegen::Builder::new();
    // Contract tests run with this crate's unit tests; cassettes live in tests/cassettes.
    builder.cassettes("cassettes");
    for m in &mappings {
        builder.mapping(m);
    }
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=fixtures");
    builder.generate()?;
    Ok(())
}

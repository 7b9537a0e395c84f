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
    mappings
        .push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ledger_oauth.yaml"));
    // Degradation and limits: static, caller and cache fallbacks; a named bucket; critical.
    mappings.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/catalog.yaml"));
    // Settings, static headers, error codes from an undeclared error body.
    mappings.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shapes.yaml"));
    // Lists and pagination, and shapes rustc once refused (issue 15).
    mappings.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tracker.yaml"));
    // Request shapes: lists from single values, unions, integers of any width (issue 15).
    mappings.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/requests.yaml"));
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
    hostile()?;
    Ok(())
}

/// The hostile fixture: a spec whose names, descriptions, enums and defaults try to
/// inject code. Its port and mapping are synthesized (as the corpus runner does), the
/// adapter is generated, and the crate compiles it under `deny(warnings)`.
fn hostile() -> Result<(), Box<dyn std::error::Error>> {
    use portcullis_codegen::load::{mapping::Mapping, openapi::Spec, port::Port};
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec_path = manifest.join("fixtures/hostile.openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let spec = Spec::load(&spec_path)?;
    let synth = portcullis_codegen::corpus::synth::synthesize(&spec);
    if !synth.left_out.is_empty() {
        return Err(format!(
            "the hostile fixture left out operations: {:?}",
            synth.left_out
        )
        .into());
    }
    let text = synth.mapping(
        &spec_path.display().to_string(),
        "hostile_domain.rs",
        &|_| true,
    );
    let text = text.replace("crate::domain", "crate::hostile_domain");
    let mapping = Mapping::from_bytes(std::path::Path::new("hostile.yaml"), text.as_bytes())?;
    let at = (
        std::path::Path::new("hostile.yaml"),
        portcullis_codegen::error::Span { line: 1, col: 1 },
    );
    let port = Port::parse(
        std::path::Path::new("hostile_domain.rs"),
        &synth.port,
        "Api",
        at,
    )?;
    let plan = portcullis_codegen::plan::build(&spec, &mapping, &port)?;
    let code = portcullis_codegen::emit::rust::render(&plan)?;
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    // `include!` takes items only: the port's inner `#![allow]` moves onto the module.
    let port_items: String = synth
        .port
        .lines()
        .filter(|l| !l.starts_with("#!["))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(out.join("hostile_domain.rs"), port_items)?;
    std::fs::write(out.join("hostile_adapter.rs"), &code)?;
    Ok(())
}

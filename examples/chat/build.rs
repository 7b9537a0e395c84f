//! Generates the chat adapter, with contract tests from the spec's examples.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    portcullis_codegen::Builder::new()
        .mapping("../../mappings/slack.yaml")
        .contract_tests(true)
        .generate()?;
    Ok(())
}

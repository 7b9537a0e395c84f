//! Generates the payment adapters this service can use, from the repository's mappings.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    portcullis_codegen::Builder::new()
        .mapping("../../mappings/stripe.yaml")
        .mapping("../../mappings/square.yaml")
        .mapping("../../mappings/adyen.yaml")
        .generate()?;
    Ok(())
}

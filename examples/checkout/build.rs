//! Generates the payment adapters this service can use, from the repository's mappings,
//! and the `PaymentProvider` dispatcher that chooses one at start-up: adding a provider
//! is one `.mapping(..)` line here.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    portcullis_codegen::Builder::new()
        .mapping("../../mappings/stripe.yaml")
        .mapping("../../mappings/square.yaml")
        .mapping("../../mappings/adyen.yaml")
        .mapping("../../mappings/govuk_pay.yaml")
        .dispatcher("PaymentProvider")
        .generate()?;
    Ok(())
}

//! `portcullis scaffold`: every non-gap line is already valid, so filling in the marked
//! gaps is all it takes to pass `check`.

use portcullis_codegen::load::mapping::GAP;
use portcullis_codegen::load::openapi::Spec;
use portcullis_codegen::load::port::Port;
use portcullis_codegen::scaffold::{Request, scaffold};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scaffold_square(dir: &Path) -> String {
    let spec = Spec::load(&root().join("specs/square/payments.json")).expect("spec");
    let port_path = root().join("examples/checkout/src/domain.rs");
    let at = (
        port_path.as_path(),
        portcullis_codegen::error::Span { line: 1, col: 1 },
    );
    let port = Port::load(&port_path, "PaymentGateway", at).expect("port");
    let ops = [
        "create_payment=CreatePayment".to_string(),
        "GetPayment".into(),
        "refund=RefundPayment".into(),
    ];
    let spec_ref = root()
        .join("specs/square/payments.json")
        .display()
        .to_string();
    let port_ref = port_path.display().to_string();
    let _ = dir;
    scaffold(&Request {
        spec: &spec,
        spec_ref: &spec_ref,
        port_ref: &port_ref,
        port: &port,
        operations: &ops,
        adapter: "SquareGateway",
        module: "crate::domain",
    })
    .expect("scaffolds")
}

fn check(dir: &Path, text: &str) -> Result<(), Vec<portcullis_codegen::Diagnostic>> {
    let path = dir.join("scaffolded.yaml");
    std::fs::write(&path, text).expect("write");
    portcullis_codegen::check(&path)
        .map(|_| ())
        .map_err(|e| e.diagnostics().to_vec())
}

#[test]
fn gaps_are_the_only_problems_and_filling_them_passes_check() {
    let dir = std::env::temp_dir().join(format!("portcullis-scaffold-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let text = scaffold_square(&dir);

    // Decided from names: the envelope, the key in the body, matching fields and params.
    assert!(text.contains("    unwrap: payment\n"), "{text}");
    assert!(
        text.contains("    idempotency: { body: idempotency_key }\n"),
        "{text}"
    );
    assert!(
        text.contains("      payment_id: req.payment_id\n"),
        "{text}"
    );
    assert!(
        text.contains("      id: { from: id, required: true }\n"),
        "{text}"
    );

    let gaps = check(&dir, &text).expect_err("gaps are reported");
    // Payment.degraded, the checkout's degradation mark, is one of them: no vendor sends it.
    assert_eq!(gaps.len(), 8, "{gaps:#?}");
    assert!(
        gaps.iter()
            .all(|d| d.message.starts_with("a gap left by `portcullis scaffold`")),
        "{gaps:#?}"
    );
    assert_eq!(text.matches(&format!("\"{GAP}(")).count(), 8);

    // What a user types into the gaps.
    let money_request = "amount_money.amount: req.amount.minor_units\n      amount_money.currency: { from: req.amount.currency, via: crate::convert::currency_upper }";
    let money_field = "{ from: [amount_money.amount, amount_money.currency], via: crate::convert::money, required: true }";
    let filled = text
        .replace("amount_money: \"FIXME(amount_money is an object: set its fields as amount_money.field)\"", money_request)
        .replace("source_id: \"FIXME(argument for source_id)\"", "source_id: req.payment_method")
        .replace("payment_id: \"FIXME(argument for payment_id)\"", "payment_id: id")
        .replace("\"FIXME(vendor field for Payment.amount)\"", money_field)
        .replace("\"FIXME(vendor field for Refund.amount)\"", money_field)
        .replace("\"FIXME(vendor field for Payment.order_id)\"", "reference_id")
        .replace("\"FIXME(vendor field for Payment.degraded)\"", "{ mark: true }");
    assert!(
        !filled.contains(&format!("\"{GAP}(")),
        "every gap filled:\n{filled}"
    );
    let result = check(&dir, &filled);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(result, Ok(()), "{filled}");
}

//! Mapping mistakes: each is reported against the mapping with a place and a fix,
//! before any code is generated (never as a rustc error in generated code).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shipped Stripe mapping with one edit, checked from a scratch directory.
fn check_edited(from: &str, to: &str) -> Vec<portcullis_codegen::Diagnostic> {
    let original = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
    assert!(
        original.contains(from),
        "the fixture edit must apply: {from:?}"
    );
    let edited = original.replacen(from, to, 1);
    let dir = std::env::temp_dir().join(format!(
        "portcullis-diag-{}-{}",
        std::process::id(),
        fastrand_name(from)
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let text = edited
        .replace("../specs/", &format!("{}/specs/", root().display()))
        .replace("../examples/", &format!("{}/examples/", root().display()));
    let path = dir.join("stripe.yaml");
    std::fs::write(&path, text).expect("write mapping");
    let result = portcullis_codegen::check(&path);
    std::fs::remove_dir_all(&dir).ok();
    match result {
        Ok(_) => panic!("the edit {from:?} -> {to:?} should be refused"),
        Err(e) => e.diagnostics().to_vec(),
    }
}

fn fastrand_name(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603_u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    })
}

/// Asserts one diagnostic has this message (exactly) and, when given, this help.
fn expect(
    diags: &[portcullis_codegen::Diagnostic],
    message: &str,
    help: Option<&str>,
) -> (usize, usize) {
    let d = diags
        .iter()
        .find(|d| d.message == message)
        .unwrap_or_else(|| panic!("no diagnostic {message:?} in:\n{diags:#?}"));
    if let Some(h) = help {
        assert_eq!(d.help.as_deref(), Some(h), "help of {message:?}");
    }
    assert!(
        d.file.ends_with("stripe.yaml"),
        "points at the mapping: {}",
        d.file.display()
    );
    let span = d.span.expect("a line and column");
    (span.line, span.col)
}

#[test]
fn unknown_top_level_key() {
    let d = check_edited("base_url:", "base_ur1:");
    let at = expect(
        &d,
        "unknown key 'base_ur1' in the mapping file",
        Some("did you mean 'base_url'?"),
    );
    assert_eq!(at, (10, 1));
}

#[test]
fn unknown_vendor_operation() {
    let d = check_edited("call: PostPaymentIntents", "call: PostPaymentIntent");
    expect(
        &d,
        "operation 'PostPaymentIntent' is not in the spec",
        Some("did you mean 'PostPaymentIntents'?"),
    );
}

#[test]
fn port_method_not_mapped() {
    let d = check_edited(
        "  refund:\n    call: PostRefunds",
        "  refund_later:\n    call: PostRefunds",
    );
    expect(
        &d,
        "port method 'refund' of PaymentGateway is not mapped",
        None,
    );
    expect(
        &d,
        "'refund_later' is not a method of PaymentGateway",
        Some("did you mean 'refund'?"),
    );
}

#[test]
fn unknown_vendor_field_in_a_type() {
    let d = check_edited(
        "        from: status\n        values:\n          requires_payment_method",
        "        from: statuss\n        values:\n          requires_payment_method",
    );
    expect(
        &d,
        "unknown field 'statuss' in payment_intent",
        Some("did you mean 'status'?"),
    );
}

#[test]
fn unknown_request_field() {
    let d = check_edited(
        "      currency: req.amount.currency",
        "      curency: req.amount.currency",
    );
    expect(
        &d,
        "unknown field 'curency' in request",
        Some("did you mean 'currency'?"),
    );
    expect(
        &d,
        "field 'currency' of request is required by the vendor but not mapped",
        Some("add `currency: <expression>` under `request:`"),
    );
}

#[test]
fn unknown_argument_and_domain_field() {
    let d = check_edited("key: req.order_id", "key: request.order_id");
    expect(
        &d,
        "'request' is not an argument of create_payment",
        Some("did you mean 'req'?"),
    );
    let d = check_edited(
        "amount: req.amount.minor_units",
        "amount: req.amount.minor_unit",
    );
    expect(
        &d,
        "unknown field 'minor_unit' in Money",
        Some("did you mean 'minor_units'?"),
    );
}

#[test]
fn domain_enum_variant_does_not_exist() {
    let d = check_edited("succeeded: Paid", "succeeded: Payed");
    expect(
        &d,
        "PaymentStatus has no variant 'Payed'",
        Some("did you mean 'Paid'?"),
    );
}

#[test]
fn vendor_enum_value_does_not_exist() {
    let d = check_edited("succeeded: Paid", "succeded: Paid");
    expect(
        &d,
        "'succeded' is not a value the vendor sends for Payment.status",
        Some("did you mean 'succeeded'?"),
    );
}

#[test]
fn unmapped_vendor_values_need_a_catch_all() {
    let d = check_edited("          canceled: Canceled\n          _: Unknown", "");
    expect(
        &d,
        "Payment.status: vendor values canceled are not mapped and there is no catch-all",
        Some("add `_: Unknown` so a new vendor value does not fail the call"),
    );
}

#[test]
fn optional_vendor_field_into_required_domain_field() {
    let d = check_edited("        default: Pending\n", "");
    expect(
        &d,
        "'status' may be absent or null in the vendor's response, but Refund.status is required",
        None,
    );
}

#[test]
fn domain_field_not_produced_and_unknown_domain_field() {
    let d = check_edited(
        "      order_id: metadata.order_id",
        "      order: metadata.order_id",
    );
    expect(&d, "field 'order_id' of Payment is not produced", None);
    expect(
        &d,
        "Payment has no field 'order'",
        Some("did you mean 'order_id'?"),
    );
}

#[test]
fn error_variant_does_not_exist() {
    let d = check_edited("PaymentError::Declined", "PaymentError::Decline");
    expect(
        &d,
        "PaymentError has no variant 'Decline'",
        Some("did you mean 'Declined'?"),
    );
}

#[test]
fn errors_need_a_catch_all() {
    let d = check_edited("    _: PaymentError::Provider\n", "");
    expect(
        &d,
        "errors of create_payment are not all mapped: there is no catch-all",
        None,
    );
}

#[test]
fn bad_duration() {
    let d = check_edited("budget: 20s", "budget: 20 seconds");
    expect(
        &d,
        "budget should be a duration, found '20 seconds'",
        Some("write a number with a unit: ms, s, m, h or d (for example 250ms, 5s, 1d)"),
    );
}

#[test]
fn unknown_security_scheme() {
    let d = check_edited("scheme: bearerAuth", "scheme: bearer");
    expect(
        &d,
        "security scheme 'bearer' is not in the spec",
        Some("did you mean 'bearerAuth'?"),
    );
}

#[test]
fn types_do_not_line_up() {
    let d = check_edited(
        "amount: req.amount.minor_units",
        "amount: req.amount.currency",
    );
    expect(
        &d,
        "request.amount is an integer in the spec, but 'req.amount.currency' is String",
        Some("convert it with `{ from: …, via: path::to::function }`"),
    );
}

#[test]
fn unknown_and_missing_parameters() {
    let d = check_edited("params: { intent: id }", "params: { intnet: id }");
    expect(
        &d,
        "'intnet' is not a parameter of GetPaymentIntentsIntent",
        Some("did you mean 'intent'?"),
    );
    expect(
        &d,
        "path parameter 'intent' of GetPaymentIntentsIntent is required but not mapped",
        None,
    );
}

#[test]
fn a_via_must_be_a_path_not_code() {
    let d = check_edited(
        "via: crate::convert::money",
        "via: \"crate::convert::money(0); std::process::exit(1)\"",
    );
    expect(
        &d,
        "'crate::convert::money(0); std::process::exit(1)' is not a Rust function path",
        None,
    );
}

#[test]
fn unknown_port_trait() {
    let d = check_edited("port: PaymentGateway", "port: PaymentGatway");
    expect(
        &d,
        "trait 'PaymentGatway' is not defined in ../examples/checkout/src/domain.rs"
            .replace("../", &format!("{}/", root().display()))
            .as_str(),
        Some("did you mean 'PaymentGateway'?"),
    );
}

#[test]
fn yaml_syntax_errors_have_a_place() {
    let d = check_edited("defaults:\n", "defaults: [\n");
    let first = d.first().expect("one diagnostic");
    assert!(
        first.message.starts_with("the mapping is not valid YAML"),
        "{first}"
    );
    assert!(first.span.is_some());
}

#[test]
fn all_mistakes_are_reported_together() {
    let original = "succeeded: Paid";
    let d = check_edited(original, "succeeded: Payed");
    let n = d.len();
    let d2 = {
        let text = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
        assert!(text.contains("scheme: bearerAuth"));
        check_edited("succeeded: Paid\n", "succeeded: Payed\n")
    };
    assert_eq!(n, d2.len());
    let two = {
        let text = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
        let edited = text
            .replacen("succeeded: Paid", "succeeded: Payed", 1)
            .replacen("scheme: bearerAuth", "scheme: bearer", 1);
        let dir = std::env::temp_dir().join(format!("portcullis-diag-both-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let edited = edited
            .replace("../specs/", &format!("{}/specs/", root().display()))
            .replace("../examples/", &format!("{}/examples/", root().display()));
        let p = dir.join("stripe.yaml");
        std::fs::write(&p, edited).expect("write");
        let r = portcullis_codegen::check(&p);
        std::fs::remove_dir_all(&dir).ok();
        r.expect_err("two mistakes").diagnostics().to_vec()
    };
    assert!(two.iter().any(|d| d.message.contains("Payed")));
    assert!(two.iter().any(|d| d.message.contains("'bearer'")));
}

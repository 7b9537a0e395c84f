//! Mapping mistakes: each is reported against the mapping with a place and a fix,
//! before any code is generated (never as a rustc error in generated code).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shipped Stripe mapping with one edit, checked from a scratch directory.
fn check_edited(from: &str, to: &str) -> Vec<portcullis_codegen::Diagnostic> {
    check_edits(&[(from, to)])
}

/// The shipped Stripe mapping with several edits, checked from a scratch directory.
fn check_edits(edits: &[(&str, &str)]) -> Vec<portcullis_codegen::Diagnostic> {
    let original = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
    let mut edited = original;
    for (from, to) in edits {
        assert!(
            edited.contains(from),
            "the fixture edit must apply: {from:?}"
        );
        edited = edited.replacen(from, to, 1);
    }
    let from = edits
        .iter()
        .map(|(f, t)| format!("{f}{t}"))
        .collect::<String>();
    let from = from.as_str();
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
        Ok(_) => panic!("the edits {edits:?} should be refused"),
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

/// The create_payment operation of the Stripe mapping with `fields:` added, checked.
fn check_given(fields: &str) -> Vec<portcullis_codegen::Diagnostic> {
    check_edited(
        "    response: Payment\n    errors:",
        &format!("    fields: {fields}\n    response: Payment\n    errors:"),
    )
}

/// The line `fields:` is written on in `check_given`: the shipped line of
/// create_payment's `response: Payment`.
fn given_line() -> usize {
    let text = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
    let at = text
        .find("    response: Payment\n    errors:")
        .expect("create_payment's response line");
    text[..at].lines().count() + 1
}

#[test]
fn a_result_field_from_an_argument_path_that_does_not_exist() {
    let d = check_given("{ order_id: req.ordr_id }");
    let at = expect(
        &d,
        "unknown field 'ordr_id' in NewPayment",
        Some("did you mean 'order_id'?"),
    );
    assert_eq!(at, (given_line(), 25), "points at the argument path");
    let d = check_given("{ amount: { from: request.amount } }");
    let at = expect(
        &d,
        "'request' is not an argument of create_payment",
        Some("did you mean 'req'?"),
    );
    assert_eq!(at, (given_line(), 31));
}

#[test]
fn a_result_field_from_an_argument_of_another_type() {
    let d = check_given("{ order_id: req.description }");
    let at = expect(
        &d,
        "'req.description' is Option<String>, but Payment.order_id is Option<OrderId>",
        Some("name an argument value of the field's type"),
    );
    assert_eq!(at, (given_line(), 25));
}

#[test]
fn a_result_field_the_domain_type_does_not_have() {
    let d = check_given("{ ordr_id: req.order_id }");
    let at = expect(
        &d,
        "Payment has no field 'ordr_id'",
        Some("did you mean 'order_id'?"),
    );
    assert_eq!(at, (given_line(), 15), "points at the field");
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
        Some(
            "convert it with `{ from: …, via: path::to::function }`, a `fn(&str) -> i64` (or `Result<i64, E>`, E: Display, to refuse a value before sending)",
        ),
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
        "via: crate::convert::money }",
        "via: \"crate::convert::money(0); std::process::exit(1)\" }",
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

// ---------- limits and fallbacks ----------

const CACHE: &str = "fallback: { cache: { ttl: 60s, stale_if_error: 10m }, mark: degraded }";

#[test]
fn unknown_rate_limit_bucket() {
    let d = check_edits(&[
        (
            "  rate: { requests: 100, per: 1s }",
            "  rate: { requests: 100, per: 1s }\n  buckets: { reads: { requests: 25, per: 1s } }",
        ),
        (
            "    budget: 10s\n",
            "    budget: 10s\n    rate_limit: { bucket: raeds }\n",
        ),
    ]);
    let at = expect(
        &d,
        "bucket 'raeds' is not declared in `limits.buckets`",
        Some("did you mean 'reads'?"),
    );
    assert_eq!(at.1, 27, "points at the bucket's name");
}

#[test]
fn critical_without_any_reserve() {
    let d = check_edited(
        "    budget: 10s\n",
        "    budget: 10s\n    rate_limit: { critical: true }\n",
    );
    expect(
        &d,
        "operation 'get_payment' is critical, but no reserve is declared: the reserve critical calls may use is 0, so they wait and fail like any other",
        Some("add `reserve: 0.2` to `limits.rate` or `limits.quota`, or drop `critical: true`"),
    );
}

#[test]
fn fallback_without_a_mark() {
    let d = check_edited(
        CACHE,
        "fallback: { cache: { ttl: 60s, stale_if_error: 10m } }",
    );
    let msg = "the fallback of 'get_payment' has no `mark:`";
    expect(&d, msg, None);
    let help = d
        .iter()
        .find(|x| x.message == msg)
        .and_then(|x| x.help.clone())
        .unwrap_or_default();
    assert!(help.contains("must be visible to the caller"), "{help}");
    assert!(help.contains("`Option<std::time::Duration>`"), "{help}");
}

#[test]
fn mark_field_of_the_wrong_type() {
    let d = check_edited("mark: degraded", "mark: order_id");
    let msg = "mark field 'order_id' of Payment is Option<OrderId>, which cannot say an answer is degraded";
    expect(&d, msg, None);
    let help = d
        .iter()
        .find(|x| x.message == msg)
        .and_then(|x| x.help.clone())
        .unwrap_or_default();
    assert!(
        help.starts_with("make it `bool` (true when degraded), `Option<String>` (the reason) or `Option<std::time::Duration>` (the data's age) in "),
        "{help}"
    );
    assert!(help.contains("domain.rs"), "names the port file: {help}");
}

#[test]
fn mark_field_that_does_not_exist() {
    let d = check_edited("mark: degraded", "mark: degarded");
    let msg = "Payment has no field 'degarded' to mark a degraded answer";
    expect(&d, msg, None);
    let help = d
        .iter()
        .find(|x| x.message == msg)
        .and_then(|x| x.help.clone())
        .unwrap_or_default();
    assert!(help.starts_with("did you mean 'degraded'?"), "{help}");
}

#[test]
fn cache_fallback_on_a_post() {
    let d = check_edited(
        "    response: Payment\n    errors:\n      \"402/card_declined\"",
        "    response: Payment\n    fallback: { cache: { ttl: 60s }, mark: degraded }\n    errors:\n      \"402/card_declined\"",
    );
    expect(
        &d,
        "'create_payment' is a POST, and a cache fallback would answer it with an earlier call's response",
        Some(
            "a write's answer must never stand in for a write: remove the fallback (a `caller` fallback can decide in code), or mark the operation `read: true` if it changes nothing",
        ),
    );
}

#[test]
fn default_body_that_does_not_match_the_response_schema() {
    let d = check_edited(
        CACHE,
        "fallback: { default: { id: pi_0, object: payment_intent, status: exploded }, mark: degraded }",
    );
    let d = d
        .iter()
        .find(|x| x.message.starts_with("the default body of 'get_payment' does not match GetPaymentIntentsIntent's 200 response: $"))
        .unwrap_or_else(|| panic!("no default-body diagnostic in {d:#?}"));
    assert!(d.file.ends_with("stripe.yaml"));
    assert!(d.span.is_some());
    assert_eq!(
        d.help.as_deref(),
        Some("write the body exactly as the vendor would send it (the spec's success response)")
    );
}

#[test]
fn a_declared_contract_mismatch_must_name_an_example() {
    let d = check_edited(
        "    params: { intent: id }\n",
        "    params: { intent: id }\n    contract:\n      mismatches:\n        \"200 Redirect\": the checkout waits for the shopper\n",
    );
    let at = expect(
        &d,
        "'200 Redirect' is not an example of GetPaymentIntentsIntent's responses",
        None,
    );
    assert_eq!(at.0, 58, "the key's line");
}

#[test]
fn a_declared_contract_mismatch_must_give_a_reason() {
    let d = check_edited(
        "    params: { intent: id }\n",
        "    params: { intent: id }\n    contract:\n      mismatches:\n        \"200 synthesised\": \"\"\n",
    );
    expect(&d, "the mismatch '200 synthesised' gives no reason", None);
}

/// A declared mismatch turns the example's contract test around: it expects the
/// contract error, says why in its doc comment, and fails once the example decodes.
#[test]
fn a_declared_contract_mismatch_becomes_a_test_expecting_the_contract_error() {
    let original = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
    let edited = original
        .replacen(
            "    params: { intent: id }\n",
            "    params: { intent: id }\n    contract:\n      mismatches:\n        \"200 synthesised\": our checkout cannot take it yet\n",
            1,
        )
        .replace("../specs/", &format!("{}/specs/", root().display()))
        .replace("../examples/", &format!("{}/examples/", root().display()));
    let dir = std::env::temp_dir().join(format!("portcullis-mismatch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join("stripe.yaml");
    std::fs::write(&path, edited).expect("write mapping");
    let generated = portcullis_codegen::builder::generate_with_contract_tests(
        &path,
        &portcullis_codegen::emit::contract::ContractOptions::default(),
    );
    std::fs::remove_dir_all(&dir).ok();
    let code = generated
        .expect("a declared mismatch that names an example is valid")
        .code;
    let module = code
        .split("mod get_payment {")
        .nth(1)
        .expect("get_payment's contract tests");
    assert!(
        module.contains("Declared in `contract.mismatches`: our checkout cannot take it yet"),
        "{module}"
    );
    assert!(
        module.contains("super::expect_mismatch(outcome, OP, \"200 synthesised\")"),
        "{module}"
    );
}

#[test]
fn contract_args_must_name_an_argument_value() {
    let d = check_edited(
        "    params: { intent: id }\n",
        "    params: { intent: id }\n    contract:\n      args: { reqq.amount: 5 }\n",
    );
    expect(&d, "'reqq' is not an argument of get_payment", None);
}

#[test]
fn contract_args_must_fit_the_argument_type() {
    let d = check_edited(
        "    params: { intent: id }\n",
        "    params: { intent: id }\n    contract:\n      args: { id.0: 5 }\n",
    );
    expect(
        &d,
        "contract.args: 'id.0' is String, which does not take 5",
        None,
    );
}

/// The contract tests call the method with the values `contract.args` gives, where the
/// synthesised ones would be refused by the mapping's own checks.
#[test]
fn contract_args_become_the_contract_tests_arguments() {
    let original = std::fs::read_to_string(root().join("mappings/stripe.yaml")).expect("mapping");
    let edited = original
        .replacen(
            "    params: { intent: id }\n",
            "    params: { intent: id }\n    contract:\n      args: { id.0: pi_from_the_mapping }\n",
            1,
        )
        .replace("../specs/", &format!("{}/specs/", root().display()))
        .replace("../examples/", &format!("{}/examples/", root().display()));
    let dir = std::env::temp_dir().join(format!("portcullis-args-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join("stripe.yaml");
    std::fs::write(&path, edited).expect("write mapping");
    let generated = portcullis_codegen::builder::generate_with_contract_tests(
        &path,
        &portcullis_codegen::emit::contract::ContractOptions::default(),
    );
    std::fs::remove_dir_all(&dir).ok();
    let code = generated.expect("valid contract.args").code;
    let module = code
        .split("mod get_payment {")
        .nth(1)
        .expect("get_payment's contract tests");
    assert!(
        module.contains("String::from(\"pi_from_the_mapping\")"),
        "{module}"
    );
    assert!(!module.contains("String::from(\"id-1\")"), "{module}");
}

/// An overlay file written to a scratch place, for a mapping to name by absolute path.
fn overlay_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-overlay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write overlay");
    path
}

#[test]
fn an_overlay_that_cannot_be_read_is_named_where_the_mapping_lists_it() {
    let d = check_edited("base_url:", "overlays: [missing.overlay.yaml]\nbase_url:");
    let found = d
        .iter()
        .find(|d| d.message.starts_with("cannot read the overlay"))
        .unwrap_or_else(|| panic!("{d:#?}"));
    assert!(
        found.message.contains("missing.overlay.yaml"),
        "{}",
        found.message
    );
    assert!(found.file.ends_with("stripe.yaml"));
    assert_eq!(found.span.map(|s| s.line), Some(10));
}

#[test]
fn an_overlay_applies_before_the_mapping_is_checked() {
    // Removing a field the mapping reads makes the mapping wrong: the overlay was applied.
    let overlay = overlay_file(
        "drop-status.overlay.yaml",
        "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - target: $.components.schemas.payment_intent.properties.status\n    remove: true\n",
    );
    let d = check_edited(
        "base_url:",
        &format!("overlays: [{}]\nbase_url:", overlay.display()),
    );
    assert!(
        d.iter().any(|d| d.message.contains("'status'")),
        "the mapping reads status, which the overlay removed: {d:#?}"
    );

    // A target that selects nothing is the overlay's error, at its line.
    let stale = overlay_file(
        "stale.overlay.yaml",
        "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - target: $.components.schemas.no_such_schema\n    remove: true\n",
    );
    let d = check_edited(
        "base_url:",
        &format!("overlays: [{}]\nbase_url:", stale.display()),
    );
    let found = d
        .iter()
        .find(|d| d.message.contains("selects nothing"))
        .unwrap_or_else(|| panic!("{d:#?}"));
    assert!(found.file.ends_with("stale.overlay.yaml"));
    assert_eq!(found.span.map(|s| s.line), Some(4));
}

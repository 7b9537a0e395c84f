//! The dispatcher the Builder emits over several adapters of one port: what it refuses
//! to build, and how the generated type chooses (it is compiled in examples/checkout,
//! whose tests run the checkout through it).

use portcullis_codegen::Generated;
use portcullis_codegen::builder::render_dispatcher;
use std::path::Path;

fn generated(mapping: &str) -> Generated {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    portcullis_codegen::generate_one(&root.join(mapping)).expect("generates")
}

/// Square's mapping with its `webhooks:` section cut off: an adapter of the same port
/// that has no webhook decoder. Written to a temporary directory, its relative paths
/// made absolute.
fn without_webhooks(mapping: &str) -> Generated {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(mapping);
    let text = std::fs::read_to_string(&path).expect("mapping");
    let at = text
        .find("\nwebhooks:")
        .expect("the mapping has a webhooks section");
    let base = path.parent().expect("mapping dir").display().to_string();
    let cut = text[..at].replace("../", &format!("{base}/../"));
    let dir = std::env::temp_dir().join(format!("portcullis-dispatch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let copy = dir.join("square.yaml");
    std::fs::write(&copy, cut).expect("write mapping");
    let generated = portcullis_codegen::generate_one(&copy).expect("generates");
    let _ = std::fs::remove_dir_all(&dir);
    generated
}

fn refusal(type_name: &str, adapters: &[(&str, &Generated)]) -> String {
    let named: Vec<(String, &Generated)> =
        adapters.iter().map(|(n, g)| (n.to_string(), *g)).collect();
    match render_dispatcher(type_name, &named) {
        Ok(_) => panic!(
            "a dispatcher {type_name} over {:?} was rendered",
            adapters.iter().map(|a| a.0).collect::<Vec<_>>()
        ),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_dispatcher_forwards_every_port_method_to_each_adapter() {
    let stripe = generated("../mappings/stripe.yaml");
    let square = without_webhooks("../mappings/square.yaml");
    let (_, code) = render_dispatcher(
        "PaymentProvider",
        &[("stripe".into(), &stripe), ("square".into(), &square)],
    )
    .expect("renders");
    for method in ["create_payment", "get_payment", "refund"] {
        assert!(code.contains(&format!("async fn {method}(")), "{method}");
        for adapter in ["stripe::StripeGateway", "square::SquareGateway"] {
            assert!(
                code.contains(&format!(
                    "<{adapter} as crate::domain::PaymentGateway>::{method}("
                )),
                "{adapter} {method}"
            );
        }
    }
    assert!(code.contains(r#"pub const ENV: &'static str = "PAYMENT_PROVIDER";"#));
    assert!(code.contains(r#"include!("stripe_gateway.rs");"#));
    // Stripe has webhooks, this Square mapping none: asking for its decoder is an error.
    assert!(code.contains("pub enum PaymentProviderEvents"));
    assert!(code.contains("ChoiceError::Absent"), "{code}");
    assert!(code.contains(r#"what: "webhook decoder""#), "{code}");
}

#[test]
fn adapters_of_different_ports_are_refused() {
    let stripe = generated("../mappings/stripe.yaml");
    let ledger = generated("fixtures/ledger.yaml");
    let e = refusal("Anything", &[("stripe", &stripe), ("ledger", &ledger)]);
    assert!(e.contains("a dispatcher holds adapters of one port"), "{e}");
    assert!(e.contains("crate::domain::PaymentGateway"), "{e}");
}

#[test]
fn two_adapters_with_one_name_are_refused() {
    let stripe = generated("../mappings/stripe.yaml");
    let square = generated("../mappings/square.yaml");
    let e = refusal("PaymentProvider", &[("pay", &stripe), ("pay", &square)]);
    assert!(e.contains("are both called 'pay'"), "{e}");
}

#[test]
fn a_type_name_that_is_not_upper_camel_case_is_refused_with_the_fix() {
    let stripe = generated("../mappings/stripe.yaml");
    let e = refusal("payment_provider", &[("stripe", &stripe)]);
    assert!(e.contains("UpperCamelCase"), "{e}");
    let e = refusal("PaymentProvider", &[]);
    assert!(e.contains(".mapping(..)"), "{e}");
}

#[test]
fn a_stream_method_is_forwarded_boxed_with_the_ports_bounds() {
    let github = generated("../mappings/github.yaml");
    let (_, code) = render_dispatcher("Tracker", &[("github".into(), &github)]).expect("renders");
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    // The port declares `+ Send + '_`: the dispatcher promises exactly that.
    assert!(
        flat.contains("fn recently_updated( &self, at_most: usize, ) -> impl ::portcullis_runtime::paginate::Stream< Item = ::core::result::Result<crate::domain::Issue, crate::domain::TrackerError>, > + Send + '_ {"),
        "{code}"
    );
    assert!(
        flat.contains("Self::Github(a) => { ::std::boxed::Box::pin( <github::GitHubIssues as crate::domain::IssueTracker>::recently_updated( a, at_most, ), ) }"),
        "{code}"
    );
    assert!(flat.contains("async fn open_issues("), "{code}");
}

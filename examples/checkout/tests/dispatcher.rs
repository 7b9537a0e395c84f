//! The generated `PaymentProvider` dispatcher: chosen by name, each adapter with its own
//! configuration, its declarations forwarded, and configuration mistakes reported at
//! start-up with the names that would work.

use checkout::Checkout;
use checkout::providers::{PaymentProvider, PaymentProviderEvents};
use portcullis_runtime::choice::{ChoiceError, Offers};
use portcullis_runtime::testing::{MockVendor, Reply};
use serde_json::json;

#[test]
fn the_names_are_the_mapping_files_in_the_build_scripts_order() {
    assert_eq!(
        PaymentProvider::NAMES,
        ["stripe", "square", "adyen", "govuk_pay"]
    );
    assert_eq!(PaymentProvider::ENV, "PAYMENT_PROVIDER");
    assert_eq!(PaymentProviderEvents::NAMES, ["stripe", "square", "adyen"]);
}

#[test]
fn each_name_builds_its_own_adapter_and_forwards_its_declarations() {
    for name in PaymentProvider::NAMES {
        // A missing secret fails construction; this test is about the choice.
        let p = PaymentProvider::from_name(&name.to_uppercase(), |c| {
            c.auth(portcullis_runtime::AuthConfig::Bearer {
                token: portcullis_runtime::SecretSource::literal("test"),
            })
        })
        .expect("builds");
        assert_eq!(p.name(), *name);
        // Only Adyen's mapping declares `get_payment: { unsupported: … }`.
        assert_eq!(p.offers("get_payment"), *name != "adyen", "{name}");
        assert!(p.offers("refund"), "{name}");
    }
}

#[test]
fn an_unknown_name_lists_the_known_ones() {
    let e = match PaymentProvider::from_name("klarna", |c| c) {
        Err(e) => e,
        Ok(p) => panic!("'klarna' chose {}", p.name()),
    };
    assert!(matches!(e, ChoiceError::Unknown { .. }));
    assert_eq!(
        e.to_string(),
        "unknown payment provider 'klarna' (known: stripe, square, adyen, govuk_pay)"
    );
}

#[test]
fn every_provider_with_webhooks_has_a_decoder_and_the_others_none() {
    for name in PaymentProviderEvents::NAMES {
        // Square's notification URL is configuration this test does not set: a
        // configuration error is fine, a missing decoder is not.
        match PaymentProviderEvents::from_name(name) {
            Ok(_) | Err(ChoiceError::Config { .. }) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
    let e = match PaymentProviderEvents::from_name("govuk_pay") {
        Err(e) => e,
        Ok(_) => panic!("govuk_pay's mapping has no webhooks section, yet a decoder was built"),
    };
    assert!(matches!(e, ChoiceError::Absent { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "govuk_pay has no webhook decoder: its mapping has no `webhooks:` section"
    );
    let e = match PaymentProviderEvents::from_name("klarna") {
        Err(e) => e,
        Ok(_) => panic!("a decoder was built for an unknown provider"),
    };
    assert!(matches!(e, ChoiceError::Unknown { .. }), "{e}");
}

#[test]
fn an_invalid_configuration_names_the_provider() {
    let e = match PaymentProvider::from_name("square", |c| c.base_url("ftp://nowhere")) {
        Err(e) => e,
        Ok(_) => panic!("an ftp base URL was accepted"),
    };
    assert!(
        matches!(e, ChoiceError::Config { name: "square", .. }),
        "{e}"
    );
}

#[tokio::test]
async fn the_checkout_pays_through_the_dispatcher_with_the_configure_hook_applied() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v2/payments",
        vec![Reply::json(
            200,
            json!({"payment": {"id": "sq_1", "amount_money": {"amount": 1250, "currency": "EUR"},
                   "status": "COMPLETED", "reference_id": "ord_1"}}),
        )],
    );
    let url = vendor.url();
    let gateway = PaymentProvider::from_name("square", |c| {
        c.base_url(url)
            .allow_insecure_http(true)
            .auth(portcullis_runtime::AuthConfig::Bearer {
                token: portcullis_runtime::SecretSource::literal("sq_test"),
            })
    })
    .expect("builds");
    let paid = Checkout::new(gateway)
        .pay("ord_1", 1250, "eur", "cnon:card-nonce-ok")
        .await
        .expect("pays");
    assert_eq!(paid.id.0, "sq_1");
    assert_eq!(vendor.received().len(), 1);
    assert_eq!(
        vendor.received()[0].header("authorization"),
        Some("Bearer sq_test")
    );
}

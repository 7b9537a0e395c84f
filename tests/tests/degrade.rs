//! Degradation end to end, through generated adapters and a mock vendor on loopback:
//! the Stripe adapter's cache fallback (mappings/stripe.yaml), and the catalog fixture's
//! static default, caller fallback, named bucket and critical write
//! (tests/fixtures/catalog.yaml). A degraded answer is always marked in the result.
//! Also the catalog's success statuses: a code and the `2XX` range of its class.

use portcullis_runtime as rt;
use portcullis_tests::catalog::CatalogAdapter;
use portcullis_tests::catalog_domain::{self as cat, Catalog as _};
use portcullis_tests::domain::*;
use portcullis_tests::stripe::StripeGateway;
use rt::testing::{MockVendor, Reply};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const INTENT: &str = "/v1/payment_intents/{intent}";

fn intent(status: &str) -> serde_json::Value {
    json!({"id": "pi_1", "object": "payment_intent", "amount": 2000, "currency": "eur",
           "status": status, "metadata": {"order_id": "ord_1"}})
}

fn fast(config: &mut rt::AdapterConfig) {
    let d = config.defaults_mut();
    d.retry = Some(rt::RetryPolicy {
        attempts: 2,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
        ..Default::default()
    });
    d.breaker = Some(rt::BreakerPolicy::disabled());
}

/// The generated Stripe adapter; `ttl` shortens the mapping's 60 s freshness for a test.
fn stripe(vendor: &MockVendor, ttl: Option<Duration>) -> StripeGateway {
    let mut config = StripeGateway::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("sk_test_degrade"),
        });
    // What the mapping says, as the generated configuration hands it to the runtime.
    assert_eq!(
        config.effective_policy("get_payment").fallback,
        Some(rt::Fallback::Cache {
            ttl: Duration::from_secs(60),
            stale_if_error: Duration::from_secs(600),
        })
    );
    if let Some(ttl) = ttl {
        config.policy_mut("get_payment").fallback = Some(rt::Fallback::Cache {
            ttl,
            stale_if_error: Duration::from_secs(600),
        });
    }
    fast(&mut config);
    StripeGateway::new(config).expect("config")
}

fn id() -> PaymentId {
    PaymentId("pi_1".into())
}

fn gets(vendor: &MockVendor) -> usize {
    vendor
        .received()
        .iter()
        .filter(|r| r.method == "GET")
        .count()
}

#[tokio::test]
async fn a_second_get_payment_within_the_ttl_does_not_reach_the_vendor() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", INTENT, vec![Reply::json(200, intent("succeeded"))]);
    let gw = stripe(&vendor, None);

    let first = gw.get_payment(&id()).await.expect("first");
    assert_eq!(first.status, PaymentStatus::Paid);
    assert_eq!(first.degraded, None, "the vendor just sent it");
    let second = gw.get_payment(&id()).await.expect("second");
    assert_eq!(second, first);
    assert_eq!(gets(&vendor), 1, "the second read came from the cache");
}

#[tokio::test]
async fn after_the_ttl_a_503_is_answered_by_the_cached_payment_marked_degraded() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", INTENT, vec![Reply::json(200, intent("processing"))]);
    let gw = stripe(&vendor, Some(Duration::from_millis(50)));
    let fresh = gw.get_payment(&id()).await.expect("fresh");
    assert_eq!(fresh.degraded, None);

    tokio::time::sleep(Duration::from_millis(80)).await;
    vendor.route(
        "GET",
        INTENT,
        vec![Reply::json(
            503,
            json!({"error": {"type": "api_error", "message": "try later"}}),
        )],
    );
    let stale = gw.get_payment(&id()).await.expect("the cache answers");
    assert!(gets(&vendor) >= 2, "the vendor was asked first");
    assert_eq!(stale.id, fresh.id);
    assert_eq!(stale.status, PaymentStatus::Pending);
    let reason = stale.degraded.expect("a degraded answer is marked");
    assert!(reason.contains("503"), "{reason}");
}

#[tokio::test]
async fn a_404_is_not_degraded() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", INTENT, vec![Reply::json(200, intent("succeeded"))]);
    let gw = stripe(&vendor, Some(Duration::from_millis(50)));
    gw.get_payment(&id()).await.expect("cached");

    tokio::time::sleep(Duration::from_millis(80)).await;
    vendor.route(
        "GET",
        INTENT,
        vec![Reply::json(
            404,
            json!({"error": {"code": "resource_missing", "message": "No such payment_intent"}}),
        )],
    );
    // Our mistake, not the vendor's: the error surfaces, the cached copy does not.
    assert_eq!(gw.get_payment(&id()).await, Err(PaymentError::NotFound));
}

#[tokio::test]
async fn create_payment_and_refund_are_never_cached() {
    let vendor = MockVendor::start().await;
    let gw = stripe(&vendor, None);
    let config = StripeGateway::config();
    assert_eq!(config.effective_policy("create_payment").fallback, None);
    assert_eq!(config.effective_policy("refund").fallback, None);

    vendor.route(
        "POST",
        "/v1/payment_intents",
        vec![Reply::json(200, intent("succeeded"))],
    );
    vendor.route(
        "POST",
        "/v1/refunds",
        vec![Reply::json(
            200,
            json!({"id": "re_1", "object": "refund", "amount": 500, "currency": "eur",
                   "status": "succeeded", "payment_intent": "pi_1"}),
        )],
    );
    let new = |order: &str| NewPayment {
        order_id: OrderId(order.into()),
        amount: Money {
            minor_units: 2000,
            currency: "eur".into(),
        },
        description: None,
        payment_method: "pm_card_visa".into(),
    };
    let refund = || NewRefund {
        payment_id: id(),
        amount: Money {
            minor_units: 500,
            currency: "eur".into(),
        },
    };
    for _ in 0..2 {
        gw.create_payment(new("ord_1")).await.expect("created");
        gw.refund(refund()).await.expect("refunded");
    }
    let posts = |path: &str| {
        vendor
            .received()
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .count()
    };
    assert_eq!(
        posts("/v1/payment_intents"),
        2,
        "every write reaches the vendor"
    );
    assert_eq!(posts("/v1/refunds"), 2);

    let down = vec![Reply::json(503, json!({"error": {"message": "down"}}))];
    vendor.route("POST", "/v1/payment_intents", down.clone());
    vendor.route("POST", "/v1/refunds", down);
    assert!(matches!(
        gw.create_payment(new("ord_2")).await,
        Err(PaymentError::Unavailable(_))
    ));
    assert!(matches!(
        gw.refund(refund()).await,
        Err(PaymentError::Unavailable(_))
    ));
}

// ---------- the catalog fixture: static, caller, cache with age; limits ----------

/// The spec lists the API key and the tenant key together: the generated configuration
/// sends both, each from its own secret source.
#[test]
fn the_generated_config_sends_every_scheme_the_spec_lists_together() {
    let debug = format!("{:?}", CatalogAdapter::config());
    for part in [
        "All([ApiKey",
        "X-Api-Key",
        "CATALOG_KEY",
        "X-Tenant-Key",
        "/run/secrets/catalog_tenant",
    ] {
        assert!(debug.contains(part), "{part} in {debug}");
    }
}

fn catalog_config(vendor: &MockVendor) -> rt::AdapterConfig {
    let mut config = CatalogAdapter::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Header,
            name: "X-Api-Key".into(),
            secret: rt::SecretSource::literal("key"),
        });
    fast(&mut config);
    config
}

fn down() -> Vec<Reply> {
    vec![Reply::json(
        503,
        json!({"code": "unavailable", "message": "maintenance"}),
    )]
}

fn missing() -> Vec<Reply> {
    vec![Reply::json(
        404,
        json!({"code": "not_found", "message": "no such article"}),
    )]
}

#[tokio::test]
async fn the_static_default_answers_a_failed_read_and_marks_it() {
    let vendor = MockVendor::start().await;
    let catalog = CatalogAdapter::new(catalog_config(&vendor)).expect("config");

    vendor.route(
        "GET",
        "/status",
        vec![Reply::json(200, json!({"state": "ok"}))],
    );
    assert_eq!(
        catalog.status().await,
        Ok(cat::Status {
            state: cat::State::Ok,
            message: None,
            stale: false,
        })
    );

    vendor.route("GET", "/status", down());
    assert_eq!(
        catalog.status().await,
        Ok(cat::Status {
            state: cat::State::Degraded,
            message: Some("the status page is unreachable".into()),
            stale: true,
        })
    );

    vendor.route("GET", "/status", missing());
    assert_eq!(catalog.status().await, Err(cat::CatalogError::NotFound));
}

#[tokio::test]
async fn the_caller_fallback_answers_only_vendor_failures_and_marks_the_result() {
    let vendor = MockVendor::start().await;
    let sku = cat::Sku("sku_1".into());

    // Without a registered function the error surfaces.
    let plain = CatalogAdapter::new(catalog_config(&vendor)).expect("config");
    vendor.route("GET", "/stock/{sku}", down());
    assert!(matches!(
        plain.stock(&sku).await,
        Err(cat::CatalogError::Unavailable(_))
    ));

    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let catalog = CatalogAdapter::new(catalog_config(&vendor))
        .expect("config")
        .with_stock_fallback(move |sku, error| {
            counter.fetch_add(1, Ordering::SeqCst);
            assert!(rt::Degraded::applies_to(error), "{error}");
            Some(cat::Stock {
                sku: sku.0.clone(),
                available: 0,
                degraded: None,
            })
        });
    let stock = catalog.stock(&sku).await.expect("the caller answers");
    assert_eq!(stock.sku, "sku_1");
    assert_eq!(stock.available, 0);
    let reason = stock.degraded.expect("marked");
    assert!(reason.contains("503"), "{reason}");
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    vendor.route("GET", "/stock/{sku}", missing());
    assert_eq!(catalog.stock(&sku).await, Err(cat::CatalogError::NotFound));
    assert_eq!(asked.load(Ordering::SeqCst), 1, "a 404 is ours to handle");

    vendor.route(
        "GET",
        "/stock/{sku}",
        vec![Reply::json(200, json!({"sku": "sku_1", "available": 7}))],
    );
    let fresh = catalog.stock(&sku).await.expect("fresh");
    assert_eq!((fresh.available, fresh.degraded), (7, None));
}

#[tokio::test]
async fn a_stale_cached_page_carries_its_age() {
    let vendor = MockVendor::start().await;
    let mut config = catalog_config(&vendor);
    config.policy_mut("search").fallback = Some(rt::Fallback::Cache {
        ttl: Duration::from_millis(50),
        stale_if_error: Duration::from_secs(60),
    });
    let catalog = CatalogAdapter::new(config).expect("config");
    vendor.route(
        "GET",
        "/search",
        vec![Reply::json(200, json!({"total": 3}))],
    );
    let fresh = catalog.search("lamp".into()).await.expect("fresh");
    assert_eq!((fresh.total, fresh.age), (3, None));

    tokio::time::sleep(Duration::from_millis(80)).await;
    vendor.route("GET", "/search", down());
    let stale = catalog.search("lamp".into()).await.expect("cached");
    assert_eq!(stale.total, 3);
    let age = stale.age.expect("marked with its age");
    assert!(age >= Duration::from_millis(50), "{age:?}");
}

/// `placeOrder` declares `200`, `201` and `2XX`: each code is matched before the range
/// (generated in the other order, the `201` arm was unreachable and failed the build).
#[tokio::test]
async fn success_codes_are_matched_before_the_2xx_range() {
    let vendor = MockVendor::start().await;
    let catalog = CatalogAdapter::new(catalog_config(&vendor)).expect("config");
    for status in [200, 201, 202] {
        vendor.route(
            "POST",
            "/orders",
            vec![Reply::json(
                status,
                json!({"id": format!("o_{status}"), "sku": "lamp"}),
            )],
        );
        let order = catalog
            .place_order(cat::Sku("lamp".into()))
            .await
            .unwrap_or_else(|e| panic!("{status}: {e:?}"));
        assert_eq!(order.id, format!("o_{status}"));
    }
}

#[test]
fn the_generated_config_carries_buckets_critical_and_quota() {
    let config = CatalogAdapter::config();
    let search = config.effective_policy("search");
    assert_eq!(search.bucket.as_deref(), Some("search"));
    assert_eq!(search.critical, Some(false));
    let order = config.effective_policy("place_order");
    assert_eq!(order.critical, Some(true));
    assert_eq!(order.bucket, None, "the adapter's bucket");
    assert_eq!(order.fallback, None);
    assert!(matches!(
        config.effective_policy("status").fallback,
        Some(rt::Fallback::Static { status: 200, ref body })
            if body.as_ref() == br#"{"state":"degraded","message":"the status page is unreachable"}"#
    ));
    // The caller's function lives on the adapter, not in the runtime's policy.
    assert_eq!(config.effective_policy("stock").fallback, None);

    let debug = format!("{config:?}");
    for want in [
        "rate: Some(RateLimit { requests: 50, per: 1s, reserve: 0.2, burst: 5,",
        "reset: EpochSeconds",
        "buckets: {\"search\": RateLimit { requests: 30, per: 60s, reserve: 0.1, burst: 3,",
        "quota: Some(QuotaPolicy { requests: 10000, per: 86400s, warn_at: [0.9], reserve: 0.1 })",
    ] {
        assert!(debug.contains(want), "config lacks {want:?}:\n{debug}");
    }
}

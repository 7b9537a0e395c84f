mod auth;
mod auth_rejection;
mod chaos;
mod hostile;
mod idempotency;
mod limits;
mod mock_vendor;
mod multipart;
mod observe;
mod paginate;
mod pipeline;
mod redis;
mod replicas;
mod settings;
mod validate;
mod webhook;
mod webhook_http;
mod webhook_redis;

use std::time::Duration;

use portcullis_runtime as rt;

/// Serialises the tests that assert on wall-clock time, so the 500-call chaos run
/// does not steal their CPU (the machine may have two cores).
pub async fn timing_sensitive() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// A pipeline against `url` with small, test-friendly limits and no breaker unless
/// a test turns one on.
pub fn pipeline_with(url: &str, defaults: rt::Policy) -> rt::Pipeline {
    let cfg = rt::AdapterConfig::new("TestGateway", url)
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("sk_test_secret"),
        })
        .defaults(defaults.or(&fast_policy()));
    rt::Pipeline::new(cfg).expect("valid config")
}

pub fn fast_policy() -> rt::Policy {
    rt::Policy {
        attempt_timeout: Some(Duration::from_millis(500)),
        budget: Some(Duration::from_secs(2)),
        retry: Some(rt::RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
            ..Default::default()
        }),
        breaker: Some(rt::BreakerPolicy::disabled()),
        ..Default::default()
    }
}

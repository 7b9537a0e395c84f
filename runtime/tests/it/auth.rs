//! Auth against mock vendors and a mock OAuth2 token endpoint, all on 127.0.0.1:
//! token lifecycle, single flight, 401 renew-and-replay, file rotation under load,
//! redirects, and a trace-level log capture that must not contain any secret.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

const CLIENT_SECRET: &str = "cs-SECRET-7d1f";
const TOKEN_PREFIX: &str = "tok-SECRET-";

/// A token endpoint that counts requests and issues `tok-SECRET-<n>`, living
/// `lifetime(n)` seconds; `status(n)` other than 200 fails the request. Every request
/// after the first is answered `later_delay` late.
async fn token_endpoint(
    lifetime: impl Fn(u64) -> u64 + Send + Sync + 'static,
    status: impl Fn(u64) -> u16 + Send + Sync + 'static,
    later_delay: Duration,
) -> (MockVendor, Arc<AtomicU64>) {
    let idp = MockVendor::start().await;
    let issued = Arc::new(AtomicU64::new(0));
    let count = issued.clone();
    idp.route_fn("POST", "/oauth/token", move |req, _| {
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        assert_eq!(req.body_field("grant_type").as_deref(), Some("client_credentials"));
        let s = status(n);
        let reply = if s == 200 {
            Reply::json(
                200,
                json!({"access_token": format!("{TOKEN_PREFIX}{n}"), "token_type": "Bearer", "expires_in": lifetime(n)}),
            )
        } else {
            Reply::json(s, json!({"error": "invalid_client", "error_description": "bad client"}))
        };
        if n > 1 {
            reply.with_delay(later_delay)
        } else {
            reply
        }
    });
    (idp, issued)
}

fn oauth_pipeline(vendor: &MockVendor, idp: &MockVendor) -> rt::Pipeline {
    oauth_pipeline_with(vendor, idp, super::fast_policy())
}

fn oauth_pipeline_with(vendor: &MockVendor, idp: &MockVendor, policy: rt::Policy) -> rt::Pipeline {
    let flow = rt::OAuth2ClientCredentials::new(
        format!("{}/oauth/token", idp.url()),
        rt::SecretSource::literal("client-1"),
        rt::SecretSource::literal(CLIENT_SECRET),
    )
    .scopes(["payments:read"]);
    let cfg = rt::AdapterConfig::new("OAuthGateway", vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::OAuth2ClientCredentials(flow))
        .defaults(policy);
    rt::Pipeline::new(cfg).expect("config")
}

fn get(op: &'static str) -> rt::Request {
    rt::Request::new(op, rt::Method::GET, "/v1/things")
}

/// A vendor that answers 200 to any bearer token from the mock endpoint.
async fn bearer_vendor() -> MockVendor {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/v1/things", |req, _| {
        match req.header("authorization") {
            Some(a) if a.starts_with(&format!("Bearer {TOKEN_PREFIX}")) => {
                Reply::json(200, json!({"ok": true}))
            }
            _ => Reply::json(401, json!({"error": "unauthorized"})),
        }
    });
    vendor
}

fn last_token(vendor: &MockVendor) -> String {
    vendor
        .received()
        .last()
        .and_then(|r| r.header("authorization").map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_single_flight_at_expiry() {
    let _serial = super::timing_sensitive().await;
    // The first token lives 1 s; later ones an hour, so no proactive refresh muddles
    // the count.
    let (idp, issued) =
        token_endpoint(|n| if n == 1 { 1 } else { 3600 }, |_| 200, Duration::ZERO).await;
    let vendor = bearer_vendor().await;
    // 1,000 calls at once on a loopback vendor that shares the CPU with them (and,
    // on a busy machine, with other processes): timeouts that only a hung call can
    // reach, since what is measured here is how many tokens were fetched.
    let patient = rt::Policy {
        attempt_timeout: Some(Duration::from_secs(60)),
        budget: Some(Duration::from_secs(120)),
        ..super::fast_policy()
    };
    let p = oauth_pipeline_with(&vendor, &idp, patient);
    assert_eq!(
        issued.load(Ordering::SeqCst),
        0,
        "fetched on first use, not before"
    );
    let resp = p.send(get("list")).await.expect("first call");
    assert_eq!(resp.status(), 200);
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    let scope = idp.received()[0].body_field("scope");
    assert_eq!(scope.as_deref(), Some("payments:read"));

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let calls = (0..1000).map(|_| {
        let p = p.clone();
        tokio::spawn(async move { p.send(get("list")).await })
    });
    for c in futures_join(calls).await {
        assert_eq!(c.expect("join").expect("call").status(), 200);
    }
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "one token request for 1,000 callers"
    );
    assert_eq!(last_token(&vendor), format!("Bearer {TOKEN_PREFIX}2"));
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await);
    }
    out
}

#[tokio::test]
async fn oauth2_refreshes_before_expiry_without_making_callers_wait() {
    let _serial = super::timing_sensitive().await;
    // Token 1 lives 2 s (refresh from 1.6 s); token 2 is slow to come.
    let (idp, issued) = token_endpoint(
        |n| if n == 1 { 2 } else { 3600 },
        |_| 200,
        Duration::from_millis(300),
    )
    .await;
    let vendor = bearer_vendor().await;
    let p = oauth_pipeline(&vendor, &idp);
    p.send(get("list")).await.expect("first call");
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let started = Instant::now();
    p.send(get("list")).await.expect("in the refresh window");
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "the caller waited on the refresh: {:?}",
        started.elapsed()
    );
    assert_eq!(last_token(&vendor), format!("Bearer {TOKEN_PREFIX}1"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    p.send(get("list")).await.expect("after the refresh");
    assert_eq!(last_token(&vendor), format!("Bearer {TOKEN_PREFIX}2"));
}

#[tokio::test]
async fn failing_token_endpoint_is_an_auth_error_with_its_cause() {
    let (idp, issued) = token_endpoint(|_| 3600, |_| 401, Duration::ZERO).await;
    let vendor = bearer_vendor().await;
    let p = oauth_pipeline(&vendor, &idp);
    let err = p.send(get("list")).await.expect_err("no token");
    // Right after a failure, callers get its error without asking again.
    let again = p.send(get("list")).await.expect_err("still no token");
    assert_eq!(again.kind(), rt::ErrorKind::Auth);
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    assert_eq!(err.kind(), rt::ErrorKind::Auth);
    assert!(!err.is_retryable());
    let cause = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<rt::auth::TokenError>())
        .expect("TokenError cause");
    assert_eq!(cause.status, Some(401));
    assert!(err.to_string().contains("invalid_client"), "{err}");
    assert!(!format!("{err} {err:?}").contains(CLIENT_SECRET));
    assert!(vendor.received().is_empty(), "no call without a token");
}

#[tokio::test]
async fn a_401_renews_the_token_and_replays_once() {
    let (idp, issued) = token_endpoint(|_| 3600, |_| 200, Duration::ZERO).await;
    // The vendor revoked token 1 early: only token 2 works.
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/v1/things", |req, _| {
        if req.header("authorization") == Some(&format!("Bearer {TOKEN_PREFIX}2")) {
            Reply::json(200, json!({"ok": true}))
        } else {
            Reply::json(401, json!({"error": "expired"}))
        }
    });
    let p = oauth_pipeline(&vendor, &idp);
    let resp = p.send(get("list")).await.expect("replayed");
    assert_eq!(resp.status(), 200);
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(vendor.received().len(), 2);

    // A vendor that rejects every token: one renewal, one replay, then Error::Auth.
    let (idp, issued) = token_endpoint(|_| 3600, |_| 200, Duration::ZERO).await;
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things", vec![Reply::json(401, json!({}))]);
    let p = oauth_pipeline(&vendor, &idp);
    let err = p.send(get("list")).await.expect_err("rejected");
    assert_eq!((err.kind(), err.status()), (rt::ErrorKind::Auth, Some(401)));
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(vendor.received().len(), 2);
}

#[tokio::test]
async fn anonymous_operations_carry_no_credential() {
    let (idp, issued) = token_endpoint(|_| 3600, |_| 200, Duration::ZERO).await;
    let vendor = bearer_vendor().await;
    vendor.route("GET", "/health", vec![Reply::json(200, json!({}))]);
    let p = oauth_pipeline(&vendor, &idp);
    let req = rt::Request::new("health", rt::Method::GET, "/health").without_auth();
    p.send(req).await.expect("public");
    assert_eq!(issued.load(Ordering::SeqCst), 0);
    assert_eq!(vendor.received()[0].header("authorization"), None);
}

#[test]
fn plain_http_token_url_is_refused_unless_allowed() {
    let flow = rt::OAuth2ClientCredentials::new(
        "http://auth.example.com/token",
        rt::SecretSource::literal("id"),
        rt::SecretSource::literal(CLIENT_SECRET),
    );
    let err = rt::Pipeline::new(
        rt::AdapterConfig::new("G", "https://api.example.com")
            .auth(rt::AuthConfig::OAuth2ClientCredentials(flow)),
    )
    .expect_err("http token URL");
    assert_eq!(err.kind(), rt::ErrorKind::Config);
    let err = rt::Pipeline::new(rt::AdapterConfig::new("G", "http://api.example.com").auth(
        rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("k"),
        },
    ))
    .expect_err("http base URL");
    assert!(err.to_string().contains("allow_insecure_http"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_key_file_takes_effect_and_no_call_fails() {
    let _serial = super::timing_sensitive().await;
    let dir = std::env::temp_dir().join(format!("portcullis-rotate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let path = dir.join("api-key");
    std::fs::write(&path, "key-old\n").expect("write");
    // The vendor revokes the old key the moment the new one is issued.
    let rotated = Arc::new(AtomicBool::new(false));
    let vendor = MockVendor::start().await;
    let flag = rotated.clone();
    vendor.route_fn("GET", "/v1/things", move |req, _| {
        let want = if flag.load(Ordering::SeqCst) {
            "key-new"
        } else {
            "key-old"
        };
        if req.header("x-api-key") == Some(want) {
            Reply::json(200, json!({"ok": true})).with_delay(Duration::from_millis(20))
        } else {
            Reply::json(401, json!({"error": "bad key"}))
        }
    });
    let cfg = rt::AdapterConfig::new("KeyGateway", vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Header,
            name: "X-API-Key".into(),
            secret: rt::SecretSource::file(&path),
        })
        .defaults(super::fast_policy());
    let p = rt::Pipeline::new(cfg).expect("config");
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let p = p.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(i * 3)).await;
                p.send(get("list")).await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(120)).await;
    // Written in place, as an operator might: a reader may see it empty or half done.
    let mut f = std::fs::File::create(&path).expect("truncate");
    f.write_all(b"key-new\n").expect("write");
    drop(f);
    rotated.store(true, Ordering::SeqCst);
    for c in calls {
        let resp = c.await.expect("join").expect("no call fails");
        assert_eq!(resp.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = vendor.received().len();
    p.send(get("list")).await.expect("later call");
    let later = &vendor.received()[before..];
    assert_eq!(later.len(), 1, "the new key is used without a 401 first");
    assert_eq!(later[0].header("x-api-key"), Some("key-new"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let elsewhere = MockVendor::start().await;
    elsewhere.route("GET", "/steal", vec![Reply::json(200, json!({}))]);
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/v1/things",
        vec![
            Reply::json(302, json!({}))
                .with_header("location", format!("{}/steal", elsewhere.url())),
        ],
    );
    vendor.route(
        "GET",
        "/v1/old",
        vec![Reply::json(301, json!({})).with_header("location", "/v1/new")],
    );
    vendor.route("GET", "/v1/new", vec![Reply::json(200, json!({}))]);
    let cfg = rt::AdapterConfig::new("KeyGateway", vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Header,
            name: "X-API-Key".into(),
            secret: rt::SecretSource::literal("key-1"),
        })
        .defaults(super::fast_policy());
    let p = rt::Pipeline::new(cfg).expect("config");
    let resp = p.send(get("list")).await.expect("answer");
    assert_eq!(
        resp.status(),
        302,
        "the cross-origin redirect is not followed"
    );
    assert!(elsewhere.received().is_empty());
    let resp = p
        .send(rt::Request::new("old", rt::Method::GET, "/v1/old"))
        .await
        .expect("followed");
    assert_eq!(resp.status(), 200);
    let new = vendor.received();
    assert_eq!(
        new.last().and_then(|r| r.header("x-api-key")),
        Some("key-1")
    );
}

#[tokio::test]
async fn cassettes_redact_query_api_keys() {
    let vendor = MockVendor::start().await;
    vendor.route("GET", "/v1/things", vec![Reply::json(200, json!({}))]);
    let file =
        std::env::temp_dir().join(format!("portcullis-cassette-{}.json", std::process::id()));
    let proxy = rt::testing::RecordingProxy::start(&vendor.url(), &file, Default::default())
        .await
        .expect("proxy");
    let cfg = rt::AdapterConfig::new("KeyGateway", proxy.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::ApiKey {
            location: rt::ApiKeyLocation::Query,
            name: "api_key".into(),
            secret: rt::SecretSource::literal("qk-SECRET-99"),
        });
    let p = rt::Pipeline::new(cfg).expect("config");
    p.send(get("list").query("limit", 3)).await.expect("call");
    let text = proxy.cassette().to_json();
    assert!(!text.contains("qk-SECRET-99"), "{text}");
    assert!(text.contains("limit=3"), "{text}");
    let _ = std::fs::remove_file(file);
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
pub(super) struct Buffer(pub(super) Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_in_any_trace_output() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buffer.clone())
        .with_ansi(false)
        .finish();
    // Current-thread runtime: the default subscriber sees every task of this test.
    let _guard = tracing::subscriber::set_default(subscriber);

    let (idp, _) = token_endpoint(|_| 3600, |_| 200, Duration::ZERO).await;
    // Token 1 is rejected (401 → renew → replay); token 2 works.
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/v1/things", |req, _| {
        if req.header("authorization") == Some(&format!("Bearer {TOKEN_PREFIX}2")) {
            Reply::json(200, json!({"ok": true}))
        } else {
            Reply::json(401, json!({}))
        }
    });
    let p = oauth_pipeline(&vendor, &idp);
    tracing::info!(pipeline = ?p, "pipeline built");
    p.send(get("list")).await.expect("replayed");
    // A failing token endpoint and a rejected API key, with their errors logged.
    let (bad_idp, _) = token_endpoint(|_| 3600, |_| 500, Duration::ZERO).await;
    let err = oauth_pipeline(&vendor, &bad_idp)
        .send(get("list"))
        .await
        .expect_err("no token");
    tracing::error!(error = %err, debug = ?err, "call failed");
    let keyed = rt::Pipeline::new(
        rt::AdapterConfig::new("KeyGateway", vendor.url())
            .allow_insecure_http(true)
            .auth(rt::AuthConfig::ApiKey {
                location: rt::ApiKeyLocation::Query,
                name: "api_key".into(),
                secret: rt::SecretSource::literal("qk-SECRET-99"),
            }),
    )
    .expect("config");
    tracing::info!(pipeline = ?keyed, "keyed pipeline");
    let err = keyed.send(get("list")).await.expect_err("401");
    tracing::error!(error = %err, debug = ?err, "call failed");

    let text =
        String::from_utf8_lossy(&buffer.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(
        text.contains("OAuth2 token fetched"),
        "capture works: {text}"
    );
    assert!(
        text.contains("error_kind=\"auth\""),
        "auth failures are tagged: {text}"
    );
    for secret in [CLIENT_SECRET, TOKEN_PREFIX, "qk-SECRET-99", "Y2xpZW50LTE6"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the logs:\n{text}"
        );
    }
}

/// A vault stand-in: the current value, and how often it was asked.
#[derive(Debug, Default)]
struct Vault {
    value: Mutex<String>,
    reads: AtomicU64,
}

impl rt::SecretProvider for Vault {
    fn describe(&self) -> String {
        "test vault kv/ledger".to_owned()
    }
    fn fetch(&self) -> rt::auth::SecretFuture<'_> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let value = self.value.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Box::pin(async move { Ok(rt::secrecy::SecretString::from(value)) })
    }
}

#[tokio::test]
async fn a_vault_secret_is_read_once_a_second_and_rotates() {
    let vault = Arc::new(Vault::default());
    *vault.value.lock().unwrap_or_else(|e| e.into_inner()) = "vault-1".into();
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/v1/things", |_, _| Reply::json(200, json!({})));
    let cfg = rt::AdapterConfig::new("VaultGateway", vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::custom(vault.clone()),
        });
    let p = rt::Pipeline::new(cfg).expect("config");
    for _ in 0..20 {
        p.send(get("list")).await.expect("call");
    }
    assert_eq!(
        vault.reads.load(Ordering::SeqCst),
        1,
        "cached between reads"
    );
    *vault.value.lock().unwrap_or_else(|e| e.into_inner()) = "vault-2".into();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    p.send(get("list")).await.expect("call");
    assert_eq!(last_token(&vendor), "Bearer vault-2");
    assert_eq!(vault.reads.load(Ordering::SeqCst), 2);
}

//! Auth additions end to end: prefixed keys on the wire, secrets checked when the
//! pipeline is built, and the vendor's own words (masked) in auth errors.

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

const KEY: &str = "ghp_SECRET_0123456789";

fn pipeline(url: &str, auth: rt::AuthConfig) -> Result<rt::Pipeline, rt::Error> {
    rt::Pipeline::new(
        rt::AdapterConfig::new("GitHubIssues", url)
            .allow_insecure_http(true)
            .auth(auth)
            .defaults(super::fast_policy()),
    )
}

fn github_auth() -> rt::AuthConfig {
    rt::AuthConfig::PrefixedApiKey {
        location: rt::ApiKeyLocation::Header,
        name: "Authorization".into(),
        prefix: "token ".into(),
        secret: rt::SecretSource::literal(KEY),
    }
}

fn get() -> rt::Request {
    rt::Request::new("get_issue", rt::Method::GET, "/repos/o/r/issues/1")
}

#[tokio::test]
async fn a_prefixed_key_is_sent_after_its_prefix() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/repos/o/r/issues/1",
        vec![Reply::json(200, json!({}))],
    );
    let p = pipeline(&vendor.url(), github_auth()).expect("valid");
    p.send(get()).await.expect("sent");
    assert_eq!(
        vendor.received()[0].header("authorization"),
        Some(format!("token {KEY}").as_str())
    );
}

#[test]
fn missing_or_empty_secrets_fail_construction_naming_their_source() {
    let unset = rt::AuthConfig::Bearer {
        token: rt::SecretSource::env("PORTCULLIS_TEST_NEVER_SET_TOKEN"),
    };
    let err = pipeline("http://127.0.0.1:9", unset).expect_err("unset");
    assert_eq!(err.kind(), rt::ErrorKind::Config);
    assert!(
        err.to_string()
            .contains("environment variable PORTCULLIS_TEST_NEVER_SET_TOKEN"),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("portcullis-empty-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let path = dir.join("key");
    std::fs::write(&path, "\n").expect("write");
    let empty = rt::AuthConfig::ApiKey {
        location: rt::ApiKeyLocation::Header,
        name: "X-API-Key".into(),
        secret: rt::SecretSource::file(&path),
    };
    let err = pipeline("http://127.0.0.1:9", empty).expect_err("empty file");
    assert!(
        err.to_string()
            .contains(&format!("secret file {} is empty", path.display())),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_401_keeps_the_vendors_message_with_the_echoed_key_masked() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/repos/o/r/issues/1",
        vec![Reply::json(
            401,
            json!({"message": format!("Bad credentials: {KEY} was revoked"), "documentation_url": "https://docs.github.com"}),
        )],
    );
    let p = pipeline(&vendor.url(), github_auth()).expect("valid");
    let err = p.send(get()).await.expect_err("rejected");
    assert_eq!(err.kind(), rt::ErrorKind::Auth);
    let text = err.to_string();
    assert_eq!(
        text,
        "get_issue: authentication failed (HTTP 401): credentials rejected and no newer credential \
         is available (vendor: Bad credentials: [REDACTED] was revoked)"
    );
}

#[tokio::test]
async fn a_403_through_vendor_error_keeps_the_message_masked() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/repos/o/r/issues/1",
        vec![Reply::json(
            403,
            json!({"message": format!("Resource not accessible by token token {KEY}")}),
        )],
    );
    let p = pipeline(&vendor.url(), github_auth()).expect("valid");
    let resp = p.send(get()).await.expect("a final answer");
    assert_eq!(resp.status(), 403);
    let err = p.vendor_error("get_issue", &resp, None, None);
    assert_eq!(err.kind(), rt::ErrorKind::Auth);
    assert_eq!(
        err.to_string(),
        "get_issue: access denied (HTTP 403): credentials not allowed to do this \
         (vendor: Resource not accessible by token [REDACTED])"
    );
    // What the adapter parsed from the spec's error schema wins over the guess.
    let err = p.vendor_error("get_issue", &resp, Some("forbidden".into()), None);
    assert!(err.to_string().ends_with("(vendor: forbidden)"), "{err}");
}

/// Klarna declines a credit check with 403 and code `REJECTED`: a rule naming that code
/// makes it the vendor's error, counted `vendor`; a 403 with another code stays an auth
/// failure, counted `auth`.
#[tokio::test]
async fn a_403_whose_code_a_rule_names_is_the_vendors_error_counted_vendor() {
    use metrics_util::MetricKind;
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/repos/o/r/issues/1",
        vec![
            Reply::json(
                403,
                json!({"error_code": "REJECTED", "error_messages": ["declined"]}),
            ),
            Reply::json(403, json!({"error_code": "FORBIDDEN"})),
        ],
    );
    let p = pipeline(&vendor.url(), github_auth()).expect("valid");
    let named = [(403, "REJECTED")];
    let classify = |resp: &rt::Response, code: &str| -> Result<(), rt::Error> {
        Err(p.vendor_error_by_rules("get_issue", resp, Some(code.into()), None, &named))
    };
    let resp = p.send(get()).await.expect("answered");
    let e = resp
        .conclude(|| classify(&resp, "REJECTED"))
        .expect_err("declined");
    assert_eq!(
        (e.kind(), e.code()),
        (rt::ErrorKind::Vendor, Some("REJECTED"))
    );
    drop(resp);
    let resp = p.send(get()).await.expect("answered");
    let e = resp
        .conclude(|| classify(&resp, "FORBIDDEN"))
        .expect_err("refused");
    assert_eq!(
        e.kind(),
        rt::ErrorKind::Auth,
        "a code no rule names is an auth failure"
    );
    drop(resp);
    let snapshot = snapshotter.snapshot().into_vec();
    let calls = |outcome: &str| {
        snapshot.iter().find_map(|(k, _, _, v)| {
            let key = k.key();
            let labels: Vec<(&str, &str)> = key.labels().map(|l| (l.key(), l.value())).collect();
            (k.kind() == MetricKind::Counter
                && key.name() == "portcullis_calls_total"
                && labels.contains(&("operation", "get_issue"))
                && labels.contains(&("outcome", outcome)))
            .then_some(v)
        })
    };
    assert!(
        matches!(calls("vendor"), Some(DebugValue::Counter(1))),
        "{:?}",
        calls("vendor")
    );
    assert!(
        matches!(calls("auth"), Some(DebugValue::Counter(1))),
        "{:?}",
        calls("auth")
    );
}

/// Slack's spec lists `token` as a required header of every method besides its OAuth
/// scheme: the credential of each attempt goes out in both places, its scheme dropped.
#[tokio::test]
async fn the_credential_is_repeated_in_the_parameter_the_spec_lists() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/chat.postMessage",
        vec![Reply::json(200, json!({"ok": true}))],
    );
    vendor.route(
        "GET",
        "/conversations.list",
        vec![Reply::json(200, json!({"ok": true}))],
    );
    let bearer = rt::AuthConfig::Bearer {
        token: rt::SecretSource::literal("xoxb-1"),
    };
    let p = pipeline(&vendor.url(), bearer).expect("valid");
    let post = rt::Request::new("post", rt::Method::POST, "/chat.postMessage")
        .credential_param(rt::CredentialIn::Header, "token");
    p.send(post).await.expect("sent");
    let list = rt::Request::new("list", rt::Method::GET, "/conversations.list")
        .query("limit", 2)
        .credential_param(rt::CredentialIn::Query, "token");
    p.send(list).await.expect("sent");
    let received = vendor.received();
    assert_eq!(received[0].header("authorization"), Some("Bearer xoxb-1"));
    assert_eq!(received[0].header("token"), Some("xoxb-1"));
    assert_eq!(received[1].query.as_deref(), Some("limit=2&token=xoxb-1"));

    // Basic auth has no token to repeat; anonymous requests carry none.
    let basic = rt::AuthConfig::Basic {
        username: rt::SecretSource::literal("user"),
        password: Some(rt::SecretSource::literal("pw")),
    };
    let p = pipeline(&vendor.url(), basic).expect("valid");
    let post = rt::Request::new("post", rt::Method::POST, "/chat.postMessage")
        .credential_param(rt::CredentialIn::Header, "token");
    p.send(post).await.expect("sent");
    assert_eq!(vendor.received()[2].header("token"), None);
}

/// Plaid answers 429 with `TRANSACTIONS_LIMIT` when one item asked too often: a rule
/// naming that code makes the final answer (after the retries the policy allows) the
/// vendor's error, with its code; a 429 with another code stays rate limited.
#[tokio::test]
async fn a_429_whose_code_a_rule_names_is_the_vendors_error_after_the_retries() {
    let vendor = MockVendor::start().await;
    let limited = Reply::json(
        429,
        json!({"error_type": "RATE_LIMIT_EXCEEDED", "error_code": "TRANSACTIONS_LIMIT"}),
    );
    vendor.route(
        "GET",
        "/repos/o/r/issues/1",
        [
            vec![limited; 3],
            vec![Reply::json(429, json!({"error_code": "RATE_LIMIT"})); 3],
        ]
        .concat(),
    );
    let p = rt::Pipeline::new(
        rt::AdapterConfig::new("Plaid", vendor.url())
            .allow_insecure_http(true)
            .auth(github_auth())
            .defaults(super::fast_policy()),
    )
    .expect("valid");
    let named = [(429, "TRANSACTIONS_LIMIT")];
    // What the generated adapter does with a final answer: its code, then the rules.
    let classify = |resp: &rt::Response| {
        p.vendor_error_by_rules(
            "get_issue",
            resp,
            resp.json_text(&["error_code"]),
            None,
            &named,
        )
    };
    let resp = p.send(get()).await.expect("answered");
    let e = classify(&resp);
    assert_eq!(
        (e.kind(), e.status(), e.code()),
        (rt::ErrorKind::Vendor, Some(429), Some("TRANSACTIONS_LIMIT"))
    );
    assert_eq!(
        vendor.received().len(),
        3,
        "retried before it was classified"
    );
    drop(resp);
    let resp = p.send(get()).await.expect("answered");
    assert_eq!(
        classify(&resp).kind(),
        rt::ErrorKind::RateLimited,
        "a code no rule names"
    );
}

/// Plaid's requirement lists its client id and secret headers together, Trello's its
/// key and token parameters: every part goes out on every call, and each secret is
/// masked when the vendor echoes it.
#[tokio::test]
async fn credentials_listed_together_all_go_out_and_all_are_masked() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/repos/o/r/issues/1",
        vec![
            Reply::json(200, json!({})),
            Reply::json(
                401,
                json!({"message": "bad client cl1ent-0123 with secret s3cret-abcdef"}),
            ),
        ],
    );
    let part = |location, name: &str, value: &str| rt::AuthConfig::ApiKey {
        location,
        name: name.into(),
        secret: rt::SecretSource::literal(value),
    };
    let p = pipeline(
        &vendor.url(),
        rt::AuthConfig::All(vec![
            part(rt::ApiKeyLocation::Header, "PLAID-SECRET", "s3cret-abcdef"),
            part(rt::ApiKeyLocation::Header, "PLAID-CLIENT-ID", "cl1ent-0123"),
            part(rt::ApiKeyLocation::Query, "token", "tok3n-xyz"),
        ]),
    )
    .expect("valid");
    p.send(get()).await.expect("sent");
    let sent = &vendor.received()[0];
    assert_eq!(sent.header("plaid-secret"), Some("s3cret-abcdef"));
    assert_eq!(sent.header("plaid-client-id"), Some("cl1ent-0123"));
    assert_eq!(sent.query.as_deref(), Some("token=tok3n-xyz"));
    let err = p
        .send(get())
        .await
        .expect_err("a 401 with no newer credential");
    assert_eq!(err.kind(), rt::ErrorKind::Auth);
    let text = err.to_string();
    assert!(!text.contains("s3cret-abcdef"), "{text}");
    assert!(!text.contains("cl1ent-0123"), "{text}");
    assert!(text.contains("[REDACTED]"), "{text}");
}

#[test]
fn credentials_listed_together_are_plain_ones() {
    let oauth = rt::AuthConfig::All(vec![
        rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("t0ken-123456"),
        },
        rt::AuthConfig::None,
    ]);
    let err = pipeline("http://127.0.0.1:9", oauth).expect_err("None inside All");
    assert!(err.to_string().contains("not None"), "{err}");
    let err = pipeline("http://127.0.0.1:9", rt::AuthConfig::All(vec![])).expect_err("empty");
    assert!(err.to_string().contains("no credential"), "{err}");
}

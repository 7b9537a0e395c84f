//! The bot's adapter end to end against a mock of Slack on 127.0.0.1: the exact request
//! (form body, bearer token and the `token` header the spec lists), every channel across
//! pages by `response_metadata.next_cursor`, and Slack's failures, which arrive as HTTP
//! 200 with `"ok": false`.

use chat::domain::{Channel, ChannelId, Chat, ChatError, Post, Posted};
use chat::slack::SlackChat;
use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::{Value, json};

fn adapter(vendor: &MockVendor) -> SlackChat {
    let config = SlackChat::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("xoxb-test"),
        });
    SlackChat::new(config).expect("config")
}

fn post(thread: Option<&str>) -> Post {
    Post {
        channel: ChannelId("C1H9RESGL".into()),
        text: "Deploy 42 finished".into(),
        thread: thread.map(str::to_owned),
    }
}

fn posted() -> Value {
    json!({
        "ok": true,
        "channel": "C1H9RESGL",
        "ts": "1503435956.000247",
        "message": {"type": "message", "text": "Deploy 42 finished", "ts": "1503435956.000247", "bot_id": "B19LU7CSY"}
    })
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn posting_sends_a_form_with_the_token_as_bearer_and_in_the_header_the_spec_lists() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/chat.postMessage",
        vec![Reply::json(200, posted())],
    );
    let got = adapter(&vendor).post(post(None)).await.expect("posted");
    assert_eq!(
        got,
        Posted {
            channel: ChannelId("C1H9RESGL".into()),
            timestamp: "1503435956.000247".into(),
            text: "Deploy 42 finished".into(),
        }
    );
    let r = &vendor.received()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/chat.postMessage")
    );
    assert_eq!(r.header("authorization"), Some("Bearer xoxb-test"));
    assert_eq!(r.header("token"), Some("xoxb-test"));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        form(&r.body),
        [
            ("channel".to_string(), "C1H9RESGL".to_string()),
            ("text".to_string(), "Deploy 42 finished".to_string()),
        ]
    );
}

#[tokio::test]
async fn a_threaded_reply_names_its_parent() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/chat.postMessage",
        vec![Reply::json(200, posted())],
    );
    adapter(&vendor)
        .post(post(Some("1503435956.000100")))
        .await
        .expect("posted");
    let fields = form(&vendor.received()[0].body);
    assert!(
        fields.contains(&("thread_ts".to_string(), "1503435956.000100".to_string())),
        "{fields:?}"
    );
}

/// Slack's failures come as 200 with `ok: false`; each becomes the domain error its
/// code names, with the code in the message, and none is retried.
#[tokio::test]
async fn ok_false_answers_become_the_errors_their_codes_name() {
    type Expected = fn(&ChatError) -> bool;
    let cases: [(&str, Expected); 5] = [
        ("channel_not_found", |e| {
            matches!(e, ChatError::ChannelNotFound(_))
        }),
        ("not_in_channel", |e| {
            matches!(e, ChatError::NotInChannel(_))
        }),
        ("invalid_auth", |e| matches!(e, ChatError::Unauthorized(_))),
        ("msg_too_long", |e| matches!(e, ChatError::Rejected(_))),
        ("team_added_to_org", |e| matches!(e, ChatError::Failed(_))),
    ];
    for (code, expected) in cases {
        let vendor = MockVendor::start().await;
        vendor.route(
            "POST",
            "/chat.postMessage",
            vec![Reply::json(200, json!({"ok": false, "error": code}))],
        );
        let err = adapter(&vendor).post(post(None)).await.expect_err(code);
        assert!(expected(&err), "{code}: {err:?}");
        let text = format!("{err:?}");
        assert!(text.contains(code), "{code}: the code is kept: {text}");
        assert!(!text.contains("xoxb-test"), "{text}");
        assert_eq!(vendor.received().len(), 1, "{code}: not retried");
    }
}

/// Slack's per-method rate tiers answer 429 with Retry-After; a post is not repeated
/// (the Web API takes no idempotency key, so a retry could post twice).
#[tokio::test]
async fn a_rate_limited_post_is_reported_not_repeated() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/chat.postMessage",
        vec![
            Reply::json(429, json!({"ok": false, "error": "ratelimited"}))
                .with_header("Retry-After", "1"),
        ],
    );
    let err = adapter(&vendor)
        .post(post(None))
        .await
        .expect_err("limited");
    assert!(matches!(err, ChatError::RateLimited(_)), "{err:?}");
    assert_eq!(vendor.received().len(), 1);
}

#[tokio::test]
async fn an_answer_that_is_neither_success_nor_failure_is_a_contract_error() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/chat.postMessage",
        vec![Reply::json(
            200,
            json!({"ok": true, "channel": "C1H9RESGL"}),
        )],
    );
    let err = adapter(&vendor)
        .post(post(None))
        .await
        .expect_err("drifted");
    assert!(matches!(err, ChatError::Contract(_)), "{err:?}");
}

/// A channel as conversations.list answers it, with the fields the bot does not read.
fn channel(id: &str, name: &str, members: Option<u32>) -> Value {
    let mut c = json!({
        "id": id,
        "name": name,
        "is_channel": true,
        "is_group": false,
        "is_im": false,
        "is_mpim": false,
        "is_private": false,
        "created": 1449252889,
        "creator": "U012A3CDE",
        "is_archived": false,
        "is_general": false,
        "is_shared": false,
        "is_org_shared": false,
        "is_member": true,
        "name_normalized": name,
        "topic": { "value": "", "creator": "", "last_set": 0 },
        "purpose": { "value": "", "creator": "", "last_set": 0 },
        "previous_names": [],
    });
    if let Some(n) = members {
        c["num_members"] = json!(n);
    }
    c
}

#[tokio::test]
async fn every_channel_is_listed_across_pages_by_the_next_cursor() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/conversations.list",
        vec![
            Reply::json(
                200,
                json!({
                    "ok": true,
                    "channels": [channel("C012AB3CD", "general", Some(4)), channel("C061EG9T2", "random", None)],
                    "response_metadata": { "next_cursor": "dGVhbTpDMDYxRkE1UEI=" },
                }),
            ),
            Reply::json(
                200,
                json!({
                    "ok": true,
                    "channels": [{
                        "id": "G0AKFJBEU", "name": "incidents", "is_private": true, "is_archived": true,
                        "created": 1449252889, "topic": { "value": "Sev1 only", "creator": "U1", "last_set": 1 },
                    }],
                    // Slack marks the last page with an empty cursor.
                    "response_metadata": { "next_cursor": "" },
                }),
            ),
        ],
    );
    let channels = adapter(&vendor).channels().await.expect("every page");
    assert_eq!(
        channels,
        vec![
            Channel {
                id: ChannelId("C012AB3CD".into()),
                name: "general".into(),
                private: false,
                archived: false,
                members: Some(4),
                topic: Some(String::new()),
            },
            Channel {
                id: ChannelId("C061EG9T2".into()),
                name: "random".into(),
                private: false,
                archived: false,
                members: None,
                topic: Some(String::new()),
            },
            Channel {
                id: ChannelId("G0AKFJBEU".into()),
                name: "incidents".into(),
                private: true,
                archived: true,
                members: None,
                topic: Some("Sev1 only".into()),
            },
        ]
    );
    let received = vendor.received();
    let asked: Vec<Option<&str>> = received.iter().map(|r| r.query.as_deref()).collect();
    assert_eq!(
        asked,
        [
            Some("types=public_channel%2Cprivate_channel&limit=200"),
            Some("types=public_channel%2Cprivate_channel&limit=200&cursor=dGVhbTpDMDYxRkE1UEI%3D"),
        ]
    );
    for r in &received {
        assert_eq!(r.header("authorization"), Some("Bearer xoxb-test"));
    }
}

#[tokio::test]
async fn an_ok_false_page_ends_the_list_with_the_error_its_code_names() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/conversations.list",
        vec![
            Reply::json(
                200,
                json!({
                    "ok": true,
                    "channels": [channel("C012AB3CD", "general", None)],
                    "response_metadata": { "next_cursor": "next" },
                }),
            ),
            Reply::json(200, json!({"ok": false, "error": "invalid_auth"})),
        ],
    );
    let err = adapter(&vendor).channels().await.expect_err("refused");
    assert!(
        matches!(&err, ChatError::Unauthorized(m) if m.contains("invalid_auth")),
        "{err:?}"
    );
    assert_eq!(vendor.received().len(), 2);
}

#[tokio::test]
async fn a_cursor_slack_repeats_ends_the_list_with_a_contract_error() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/conversations.list", |_, _| {
        Reply::json(
            200,
            json!({
                "ok": true,
                "channels": [channel("C012AB3CD", "general", None)],
                "response_metadata": { "next_cursor": "same" },
            }),
        )
    });
    let err = adapter(&vendor).channels().await.expect_err("a loop");
    assert!(matches!(err, ChatError::Contract(_)), "{err:?}");
    assert_eq!(
        vendor.received().len(),
        2,
        "the repeat is seen on the second page"
    );
}

#[tokio::test]
async fn a_channel_without_the_fields_the_overlay_requires_is_a_contract_error() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/conversations.list",
        vec![Reply::json(
            200,
            json!({"ok": true, "channels": [{"id": "C012AB3CD", "is_private": false, "is_archived": false}]}),
        )],
    );
    let err = adapter(&vendor).channels().await.expect_err("no name");
    let ChatError::Contract(message) = err else {
        panic!("Contract: {err:?}");
    };
    assert!(message.contains("name"), "{message}");
}

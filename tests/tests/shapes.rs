//! Values from configuration, static headers, and vendor errors whose body the spec
//! does not declare (tests/fixtures/shapes.yaml), against the mock vendor.

use portcullis_runtime as rt;
use portcullis_tests::shapes::MessagesAdapter;
use portcullis_tests::shapes_domain::*;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

/// The adapter as an application builds it: the account from code, the rest from the
/// mapping's sources (the API version from its default).
fn adapter(vendor: &MockVendor) -> MessagesAdapter {
    let config = MessagesAdapter::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Basic {
            username: rt::SecretSource::literal("AC_user"),
            password: Some(rt::SecretSource::literal("s3cret-token")),
        })
        .setting_value("account_sid", "AC123");
    MessagesAdapter::new(config).expect("config")
}

fn new_message(to: &str) -> NewMessage {
    NewMessage {
        to: to.into(),
        from: "+15550001".into(),
        text: "hello".into(),
    }
}

#[tokio::test]
async fn settings_fill_the_path_and_a_body_field_and_static_headers_are_sent() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![Reply::json(201, json!({"sid": "SM1", "status": "queued"}))],
    );
    let sent = adapter(&vendor)
        .send(new_message("+15550002"))
        .await
        .expect("sent");
    assert_eq!(
        sent,
        Message {
            id: MessageId("SM1".into()),
            status: "queued".into(),
            to: Some("+15550002".into()),
            priority: None,
            sender: None,
        },
        "the recipient comes from the call, since the answer does not echo it"
    );
    let r = &vendor.received()[0];
    assert_eq!(r.path, "/Accounts/AC123/Messages.json");
    assert_eq!(r.header("x-api-version"), Some("2010-04-01"));
    assert_eq!(r.header("x-client"), Some("portcullis-tests"));
    assert_eq!(
        r.header("x-trace"),
        None,
        "an operation's header stays on it"
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let body = std::str::from_utf8(&r.body).expect("text");
    let mut fields: Vec<&str> = body.split('&').collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "Body=hello",
            "From=%2B15550001",
            "StatusCallback=https%3A%2F%2Fexample.com%2Fstatus",
            "To=%2B15550002"
        ]
    );
}

#[tokio::test]
async fn a_field_the_call_gives_is_taken_from_it_and_a_read_takes_the_vendors() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![Reply::json(
            201,
            json!({"sid": "SM1", "status": "queued", "to": "+1999"}),
        )],
    );
    vendor.route(
        "GET",
        "/Accounts/AC123/Messages/SM1",
        vec![Reply::json(200, json!({"sid": "SM1", "status": "sent"}))],
    );
    let gw = adapter(&vendor);
    let sent = gw.send(new_message("+15550002")).await.expect("sent");
    assert_eq!(
        sent.to.as_deref(),
        Some("+15550002"),
        "`fields:` wins over what the vendor may send"
    );
    let read = gw.get(&MessageId("SM1".into())).await.expect("read");
    assert_eq!(
        read.to, None,
        "a read has no call value: the vendor's (absent) field"
    );
}

#[tokio::test]
async fn an_operation_sends_its_own_headers_too() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/Accounts/AC123/Messages/SM1",
        vec![Reply::json(200, json!({"sid": "SM1", "status": "sent"}))],
    );
    adapter(&vendor)
        .get(&MessageId("SM1".into()))
        .await
        .expect("read");
    let r = &vendor.received()[0];
    assert_eq!(r.header("x-trace"), Some("on"));
    assert_eq!(r.header("x-client"), Some("portcullis-tests"));
}

#[test]
fn a_missing_setting_fails_construction_naming_it_and_its_source() {
    // SHAPES_ACCOUNT_SID is set nowhere in the test environment.
    let config = MessagesAdapter::config().auth(rt::AuthConfig::None);
    let Err(e) = MessagesAdapter::new(config) else {
        panic!("an adapter without its account must not build");
    };
    assert_eq!(e.kind(), rt::ErrorKind::Config);
    let text = e.to_string();
    assert!(text.contains("account_sid"), "{text}");
    assert!(text.contains("SHAPES_ACCOUNT_SID"), "{text}");
}

#[tokio::test]
async fn a_code_rule_matches_an_error_body_the_spec_does_not_declare() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![Reply::json(
            400,
            json!({"code": 21211, "message": "The 'To' number 12 is not a valid phone number.", "status": 400}),
        )],
    );
    let e = adapter(&vendor)
        .send(new_message("12"))
        .await
        .expect_err("the vendor refused");
    assert_eq!(e, MessageError::InvalidNumber);
}

#[tokio::test]
async fn another_code_keeps_the_vendors_code_and_message() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![Reply::json(
            400,
            json!({"code": 21602, "message": "Message body is required."}),
        )],
    );
    let MessageError::Failed(text) = adapter(&vendor)
        .send(new_message("+1"))
        .await
        .expect_err("the vendor refused")
    else {
        panic!("an unmapped code goes to the catch-all");
    };
    assert!(text.contains("21602"), "{text}");
    assert!(text.contains("Message body is required."), "{text}");
}

/// A message the vendor sends as a list of strings (Jira's `errorMessages`) keeps every
/// one, joined, rather than a JSON array.
#[tokio::test]
async fn a_message_that_is_a_list_of_strings_keeps_them_all() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![Reply::json(
            400,
            json!({"code": 21602, "message": ["Body is required.", "To is required."]}),
        )],
    );
    let MessageError::Failed(text) = adapter(&vendor)
        .send(new_message("+1"))
        .await
        .expect_err("the vendor refused")
    else {
        panic!("an unmapped code goes to the catch-all");
    };
    assert!(
        text.contains("Body is required.; To is required."),
        "{text}"
    );
    assert!(!text.contains("[\""), "not a JSON array: {text}");
}

#[tokio::test]
async fn the_vendors_message_is_kept_on_401_and_403_and_secrets_are_masked() {
    for status in [401, 403] {
        let vendor = MockVendor::start().await;
        vendor.route(
            "GET",
            "/Accounts/AC123/Messages/SM1",
            vec![Reply::json(
                status,
                json!({"code": 20003, "message": "Authenticate: token s3cret-token is not valid"}),
            )],
        );
        let MessageError::Rejected(text) = adapter(&vendor)
            .get(&MessageId("SM1".into()))
            .await
            .expect_err("the vendor refused")
        else {
            panic!("{status} is an auth error");
        };
        assert!(
            text.contains("credentials"),
            "{status}: ours is kept: {text}"
        );
        assert!(
            text.contains("Authenticate: token"),
            "{status}: the vendor's message: {text}"
        );
        assert!(
            !text.contains("s3cret-token"),
            "{status}: the secret is masked: {text}"
        );
    }
}

/// The mapping first: a 403 whose code a rule names is that vendor error, not an auth
/// failure; a 403 with any other code still is one.
#[tokio::test]
async fn a_403_with_a_code_the_mapping_names_is_that_error_not_auth() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![
            Reply::json(
                403,
                json!({"code": 21610, "message": "Attempt to send to unsubscribed recipient"}),
            ),
            Reply::json(403, json!({"code": 20003, "message": "Permission denied"})),
        ],
    );
    let gw = adapter(&vendor);
    assert_eq!(
        gw.send(new_message("+15550002")).await,
        Err(MessageError::Failed(
            "send: vendor error HTTP 403 [21610]: Attempt to send to unsubscribed recipient".into()
        ))
    );
    match gw.send(new_message("+15550002")).await {
        Err(MessageError::Rejected(text)) => assert!(text.contains("credentials"), "{text}"),
        other => panic!("a code no rule names is an auth failure: {other:?}"),
    }
}

/// The mapping first on 429 too: the sender's own daily limit (code 14107) is that
/// vendor error with its code; a 429 with another code is rate limited.
#[tokio::test]
async fn a_429_with_a_code_the_mapping_names_is_that_error_not_rate_limited() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![
            Reply::json(
                429,
                json!({"code": 14107, "message": "Message rate limit exceeded"}),
            ),
            Reply::json(429, json!({"code": 20429, "message": "Too Many Requests"})),
        ],
    );
    let gw = adapter(&vendor);
    assert_eq!(
        gw.send(new_message("+15550002")).await,
        Err(MessageError::Failed(
            "send: vendor error HTTP 429 [14107]: Message rate limit exceeded".into()
        ))
    );
    match gw.send(new_message("+15550002")).await {
        Err(MessageError::Failed(text)) => assert!(text.contains("rate limited"), "{text}"),
        other => panic!("a code no rule names is rate limited: {other:?}"),
    }
}

/// An envelope whose field the spec leaves optional: the message inside it, or, when a
/// 200 carries the vendor's error instead, that error with its code (the error paths
/// of `errors:` read from the same body; this once did not compile).
#[tokio::test]
async fn an_optional_envelope_answers_the_message_or_the_vendors_error() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages/SM1/Cancel",
        vec![
            Reply::json(200, json!({"data": {"sid": "SM1", "status": "canceled"}})),
            Reply::json(200, json!({"code": 30001, "message": "queue overflow"})),
        ],
    );
    let adapter = adapter(&vendor);
    let id = MessageId("SM1".into());
    let canceled = adapter.cancel(&id).await.expect("canceled");
    assert_eq!(canceled.status, "canceled");
    match adapter.cancel(&id).await {
        Err(MessageError::Failed(text)) => {
            assert!(text.contains("30001"), "{text}");
            assert!(text.contains("queue overflow"), "{text}");
        }
        other => panic!("expected the vendor's error, got {other:?}"),
    }
}

/// A method returning `Option<Message>`: the message when there is one, `None` on the
/// vendor's 404, and any other failure is the error it maps to.
#[tokio::test]
async fn a_get_returning_an_option_answers_none_on_404() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/Accounts/AC123/Messages/{Sid}",
        vec![
            Reply::json(200, json!({"sid": "SM1", "status": "sent"})),
            Reply::json(404, json!({"code": 20404, "message": "not found"})),
            Reply::json(400, json!({"code": 21211, "message": "bad number"})),
        ],
    );
    let adapter = adapter(&vendor);
    let id = MessageId("SM1".into());
    let found = adapter.find(&id).await.expect("found");
    assert_eq!(found.map(|m| m.status), Some("sent".to_string()));
    assert_eq!(adapter.find(&id).await, Ok(None), "a 404 is None");
    assert_eq!(
        adapter.find(&id).await,
        Err(MessageError::InvalidNumber),
        "another failure is still its error"
    );
}

/// A list body the spec says may be `null` (3.1's `type: [array, "null"]`): `null` is
/// no messages, not a broken contract.
#[tokio::test]
async fn a_nullable_list_answered_null_is_empty() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/Accounts/AC123/Messages.json",
        vec![
            Reply::json(200, serde_json::Value::Null),
            Reply::json(200, json!([{"sid": "SM1", "status": "sent"}])),
        ],
    );
    let adapter = adapter(&vendor);
    assert_eq!(adapter.recent().await, Ok(Vec::new()));
    let one = adapter.recent().await.expect("a list");
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].id, MessageId("SM1".into()));
}

/// A union read through its object form takes only an object: an array whose items
/// would fill the object's fields in order (serde's untagged enums take it) is the
/// union's other form, so the field is absent rather than the array's first item.
#[tokio::test]
async fn a_union_reads_its_object_form_only_from_an_object() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/Accounts/AC123/Messages/{Sid}",
        vec![
            Reply::json(200, json!({"sid": "SM1", "status": "sent", "sender": {"number": "+1555", "name": "Shop"}})),
            Reply::json(200, json!({"sid": "SM1", "status": "sent", "sender": ["+1555"]})),
            Reply::json(200, json!({"sid": "SM1", "status": "sent", "sender": "+1555"})),
        ],
    );
    let adapter = adapter(&vendor);
    let id = MessageId("SM1".into());
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(adapter.get(&id).await.expect("read").sender);
    }
    assert_eq!(seen, vec![Some("+1555".to_string()), None, None]);
}

/// A field the vendor sends as an integer code maps to a domain enum by `values:`; a
/// code the spec does not list lands in the catch-all with its decimal text.
#[tokio::test]
async fn integer_codes_map_to_enum_variants() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/Accounts/AC123/Messages/{Sid}",
        vec![
            Reply::json(200, json!({"sid": "SM1", "status": "sent", "priority": 2})),
            Reply::json(200, json!({"sid": "SM1", "status": "sent", "priority": 0})),
            Reply::json(200, json!({"sid": "SM1", "status": "sent", "priority": 7})),
            Reply::json(200, json!({"sid": "SM1", "status": "sent"})),
        ],
    );
    let adapter = adapter(&vendor);
    let id = MessageId("SM1".into());
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(adapter.get(&id).await.expect("read").priority);
    }
    assert_eq!(
        seen,
        vec![
            Some(Priority::High),
            Some(Priority::Low),
            Some(Priority::Other("7".into())),
            None
        ]
    );
}

/// A list whose items are one of two objects (Box's folder entries: a file, a folder or
/// a link) is read as one object with the fields of both: each item gives what it has,
/// and a field they share tells them apart. A value neither shape lists is a contract
/// error naming the item.
#[tokio::test]
async fn items_of_either_shape_are_read_field_by_field() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/Accounts/AC123/Events.json",
        vec![
            Reply::json(
                200,
                json!({"events": [
                    {"kind": "delivered", "sid": "SM1", "at": "2026-03-01T12:00:00Z"},
                    {"kind": "failed", "sid": "SM2", "code": 30003, "detail": {"reason": "unreachable"}}
                ]}),
            ),
            Reply::json(200, json!({"events": [{"kind": "bounced", "sid": "SM3"}]})),
        ],
    );
    let adapter = adapter(&vendor);
    let events = adapter.events().await.expect("listed");
    assert_eq!(
        events,
        vec![
            Event {
                message: "SM1".into(),
                kind: EventKind::Delivered,
                code: None,
                detail: None,
            },
            Event {
                message: "SM2".into(),
                kind: EventKind::Failed,
                code: Some(30003),
                detail: Some(Detail {
                    carrier: None,
                    reason: Some("unreachable".into())
                }),
            },
        ]
    );
    let err = adapter.events().await.expect_err("an unknown kind");
    let MessageError::Failed(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("$.events[0].kind"), "{message}");
}

/// A signature header that carries its own timestamp (Mux's `t=<unix>,v1=<hex>`,
/// `timestamp_piece: "t="`), end to end through the generated receiver config: the
/// timestamp is signed, held to the tolerance, and moving it breaks the signature.
mod webhooks {
    use super::*;
    use hmac::{Hmac, Mac};
    use portcullis_tests::shapes::MessagesAdapterEvents;
    use rt::webhook::{Outcome, Receiver};
    use std::sync::{Arc, Mutex};

    const SECRET: &str = "messages-webhook-secret";

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
    }

    /// `X-Messages-Signature: t=<signed>,v1=<hex of HMAC over "<t>.<body>">`, with the
    /// header's `t=` given apart so a test can move it.
    fn signed(body: &str, timestamp: u64, shown: u64) -> rt::http::HeaderMap {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
        mac.update(format!("{timestamp}.{body}").as_bytes());
        let sig = hex::encode(mac.finalize().into_bytes());
        let mut h = rt::http::HeaderMap::new();
        h.insert(
            "x-messages-signature",
            format!("t={shown},v1={sig}").parse().expect("header value"),
        );
        h
    }

    #[tokio::test]
    async fn a_timestamp_inside_the_signature_header_is_verified() {
        let mut config = MessagesAdapterEvents::config().expect("config");
        config.secrets = vec![rt::SecretSource::literal(SECRET)];
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let receiver = Receiver::new(config, MessagesAdapterEvents, move |e: MessageEvent| {
            sink.lock().expect("lock").push(e);
            std::future::ready(Ok::<(), String>(()))
        })
        .expect("valid");
        let body = r#"{"id":"evt_1","type":"message.delivered","data":{"sid":"SM1","status":"delivered"}}"#;
        let t = now();
        let r = receiver.receive(&signed(body, t, t), body.as_bytes()).await;
        assert_eq!(r.outcome, Outcome::Processed);
        assert_eq!(
            *seen.lock().expect("lock"),
            [MessageEvent::Delivered { id: "SM1".into() }]
        );
        // The header shows another time than was signed: a forgery.
        let r = receiver
            .receive(&signed(body, t, t - 1), body.as_bytes())
            .await;
        assert_eq!(r.outcome, Outcome::RejectedSignature);
        // Signed an hour ago: stale, though the signature holds.
        let old = t - 3600;
        let r = receiver
            .receive(&signed(body, old, old), body.as_bytes())
            .await;
        assert_eq!(r.outcome, Outcome::RejectedStale);
        assert_eq!(seen.lock().expect("lock").len(), 1);
    }
}

/// Arguments named like the generated code's own values (`body`, `response`) and one
/// named like the body field it fills (`to`): the request and the `fields:` read the
/// arguments, not the generated values (it did not compile), and the generated code
/// passes clippy (`to: to` was redundant_field_names).
#[tokio::test]
async fn arguments_named_like_generated_values_are_read_as_the_arguments() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/Accounts/AC123/Messages.json",
        vec![Reply::json(201, json!({"sid": "SM1", "status": "queued"}))],
    );
    let gw = adapter(&vendor);
    let mut message = new_message("+15550002");
    message.text = "AC123".into();
    let again = gw.resend(message).await.expect("resent");
    assert_eq!(again.to.as_deref(), Some("+15550002"));
    let forwarded = gw
        .forward("+15550009".into(), new_message("+15550003"))
        .await
        .expect("forwarded");
    assert_eq!(forwarded.to.as_deref(), Some("+15550003"));
    let received = vendor.received();
    let forms: Vec<String> = received
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert!(forms[0].contains("To=%2B15550002"), "{}", forms[0]);
    assert!(forms[1].contains("To=%2B15550009"), "{}", forms[1]);
}

//! The notifier's adapter end to end against a mock of Twilio on 127.0.0.1: the exact
//! requests (the account from configuration in every path, basic auth, form bodies),
//! every text across pages by `next_page_uri`, and Twilio's error codes.

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use serde_json::{Value, json};
use sms::domain::{Delivery, OutgoingText, Text, TextError, TextId, TextMessages};
use sms::texts::TwilioMessages;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const MESSAGES: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json";

fn sid(n: u32) -> String {
    format!("SM{n:032x}")
}

fn message_path(n: u32) -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{}.json", sid(n))
}

/// The adapter as the notifier builds it: the account and token from configuration.
fn adapter(vendor: &MockVendor) -> TwilioMessages {
    let config = TwilioMessages::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Basic {
            username: rt::SecretSource::literal(ACCOUNT),
            password: Some(rt::SecretSource::literal("auth-token")),
        })
        .setting_value("account_sid", ACCOUNT);
    TwilioMessages::new(config).expect("config")
}

/// A Message resource as Twilio answers it.
fn message(n: u32, status: &str) -> Value {
    json!({
        "account_sid": ACCOUNT,
        "api_version": "2010-04-01",
        "body": "Your code is 123456",
        "date_created": "Thu, 03 Dec 2026 10:00:00 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": "+15017122661",
        "num_segments": "1",
        "price": null,
        "sid": sid(n),
        "status": status,
        "to": "+15558675310",
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT}/Messages/{}.json", sid(n)),
    })
}

fn page(ids: &[u32], next: Option<String>) -> Value {
    json!({
        "messages": ids.iter().map(|n| message(*n, "delivered")).collect::<Vec<_>>(),
        "next_page_uri": next,
        "page": 0,
        "page_size": 50,
        "uri": MESSAGES,
    })
}

fn text() -> OutgoingText {
    OutgoingText {
        to: "+15558675310".into(),
        from: "+15017122661".into(),
        body: "Your code is 123456".into(),
    }
}

/// A form body as sorted, decoded pairs.
fn form(body: &[u8]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn sending_posts_a_form_to_the_configured_account_with_basic_auth() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        MESSAGES,
        vec![Reply::json(201, message(1, "queued"))],
    );
    let sent = adapter(&vendor).send(text()).await.expect("sent");
    assert_eq!(
        sent,
        Text {
            id: TextId(sid(1)),
            delivery: Delivery::Pending,
            to: Some("+15558675310".into()),
            from: Some("+15017122661".into()),
            body: Some("Your code is 123456".into()),
            error_code: None,
        }
    );
    let r = &vendor.received()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", MESSAGES));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:auth-token"))
    );
    assert_eq!(r.header("authorization"), Some(basic.as_str()));
    assert_eq!(
        form(&r.body),
        [
            ("Body".to_string(), "Your code is 123456".to_string()),
            ("From".to_string(), "+15017122661".to_string()),
            ("To".to_string(), "+15558675310".to_string()),
        ]
    );
}

#[tokio::test]
async fn undelivered_and_failed_texts_are_failures_not_deliveries() {
    let vendor = MockVendor::start().await;
    for (n, status) in [
        (1, "undelivered"),
        (2, "failed"),
        (3, "canceled"),
        (4, "read"),
    ] {
        let mut m = message(n, status);
        if status != "read" {
            m["error_code"] = json!(30003);
        }
        vendor.route("GET", &message_path(n), vec![Reply::json(200, m)]);
    }
    let a = adapter(&vendor);
    for n in 1..=3 {
        let got = a.get(&TextId(sid(n))).await.expect("text");
        assert_eq!(got.delivery, Delivery::Failed, "text {n}");
        assert_eq!(got.error_code, Some(30003));
    }
    let read = a.get(&TextId(sid(4))).await.expect("text");
    assert_eq!(read.delivery, Delivery::Delivered);
}

#[tokio::test]
async fn a_status_twilio_adds_later_is_kept_not_refused() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        &message_path(5),
        vec![Reply::json(200, message(5, "held_for_review"))],
    );
    let got = adapter(&vendor).get(&TextId(sid(5))).await.expect("text");
    assert_eq!(got.delivery, Delivery::Other("held_for_review".into()));
}

#[tokio::test]
async fn an_id_that_is_not_a_message_sid_is_refused_before_sending() {
    let vendor = MockVendor::start().await;
    let err = adapter(&vendor)
        .get(&TextId("not-a-sid".into()))
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, TextError::Invalid(m) if m.contains("Sid")),
        "{err:?}"
    );
    assert!(vendor.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn every_text_to_a_number_is_listed_across_pages_by_next_page_uri() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", MESSAGES, |req, _| {
        let query = req.query.clone().unwrap_or_default();
        if query.contains("PageToken=PA2") {
            Reply::json(200, page(&[5], None))
        } else if query.contains("PageToken=PA1") {
            Reply::json(
                200,
                page(
                    &[3, 4],
                    Some(format!(
                        "{MESSAGES}?To=%2B15558675310&PageSize=50&Page=2&PageToken=PA2"
                    )),
                ),
            )
        } else {
            Reply::json(
                200,
                page(
                    &[1, 2],
                    Some(format!(
                        "{MESSAGES}?To=%2B15558675310&PageSize=50&Page=1&PageToken=PA1"
                    )),
                ),
            )
        }
    });
    let texts = adapter(&vendor)
        .sent_to("+15558675310")
        .await
        .expect("all pages");
    let ids: Vec<String> = texts.iter().map(|t| t.id.0.clone()).collect();
    assert_eq!(ids, [sid(1), sid(2), sid(3), sid(4), sid(5)]);
    let queries: Vec<String> = vendor
        .received()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        queries,
        [
            "To=%2B15558675310&PageSize=50",
            "To=%2B15558675310&PageSize=50&Page=1&PageToken=PA1",
            "To=%2B15558675310&PageSize=50&Page=2&PageToken=PA2",
        ]
    );
    for r in vendor.received() {
        assert_eq!(r.path, MESSAGES);
        assert!(
            r.header("authorization")
                .is_some_and(|a| a.starts_with("Basic "))
        );
    }
}

#[tokio::test]
async fn a_repeated_next_page_uri_ends_the_list_with_a_contract_error() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", MESSAGES, |_, _| {
        Reply::json(
            200,
            page(
                &[1],
                Some(format!("{MESSAGES}?PageSize=50&Page=1&PageToken=PA1")),
            ),
        )
    });
    let err = adapter(&vendor)
        .sent_to("+15558675310")
        .await
        .expect_err("a loop");
    assert!(matches!(err, TextError::Contract(_)), "{err:?}");
    assert!(vendor.received().len() <= 3, "stopped at once");
}

#[tokio::test]
async fn an_invalid_number_is_its_own_error_with_twilios_message() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        MESSAGES,
        vec![Reply::json(
            400,
            json!({
                "code": 21211,
                "message": "The 'To' number +1555 is not a valid phone number.",
                "more_info": "https://www.twilio.com/docs/errors/21211",
                "status": 400
            }),
        )],
    );
    let err = adapter(&vendor).send(text()).await.expect_err("refused");
    let TextError::InvalidNumber(message) = err else {
        panic!("InvalidNumber: {err:?}");
    };
    assert!(message.contains("is not a valid phone number"), "{message}");
    assert_eq!(vendor.received().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn another_400_is_not_an_invalid_number() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        MESSAGES,
        vec![Reply::json(
            400,
            json!({"code": 21602, "message": "Message body is required.", "status": 400}),
        )],
    );
    let err = adapter(&vendor).send(text()).await.expect_err("refused");
    assert!(
        matches!(&err, TextError::Failed(m) if m.contains("Message body is required")),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_credentials_keep_twilios_message_and_never_show_the_token() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        &message_path(1),
        vec![Reply::json(
            401,
            json!({"code": 20003, "message": "Authenticate", "status": 401}),
        )],
    );
    let err = adapter(&vendor)
        .get(&TextId(sid(1)))
        .await
        .expect_err("refused");
    let TextError::Unauthorized(message) = err else {
        panic!("Unauthorized: {err:?}");
    };
    assert!(message.contains("Authenticate"), "{message}");
    assert!(!message.contains("auth-token"), "{message}");
}

/// A 429 on a read is retried after Retry-After; a send is not repeated, since Twilio's
/// Messages API takes no idempotency key and a second POST would send a second text.
#[tokio::test]
async fn too_many_requests_retries_reads_and_never_resends_a_text() {
    let vendor = MockVendor::start().await;
    let busy = || {
        Reply::json(
            429,
            json!({"code": 20429, "message": "Too Many Requests", "status": 429}),
        )
        .with_header("Retry-After", "0")
    };
    vendor.route(
        "GET",
        &message_path(1),
        vec![busy(), Reply::json(200, message(1, "sent"))],
    );
    vendor.route("POST", MESSAGES, vec![busy()]);
    let a = adapter(&vendor);
    let got = a.get(&TextId(sid(1))).await.expect("after a retry");
    assert_eq!(got.delivery, Delivery::Sent);
    let err = a.send(text()).await.expect_err("busy");
    assert!(matches!(err, TextError::RateLimited(_)), "{err:?}");
    let posts = vendor
        .received()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
}

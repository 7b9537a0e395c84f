//! Request shapes without untyped escapes (tests/fixtures/requests.yaml): a list written
//! in the mapping from single values, union fields and lists of unions from plain
//! domain values, and integers of any width, checked before sending.

use portcullis_runtime as rt;
use portcullis_tests::requests::RequestsAdapter;
use portcullis_tests::requests_domain::*;
use rt::testing::{MockVendor, Reply};
use serde_json::json;

fn adapter(vendor: &MockVendor) -> RequestsAdapter {
    let config = RequestsAdapter::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("t0ken"),
        });
    RequestsAdapter::new(config).expect("config")
}

fn mail(to_name: Option<&str>, send_at: Option<u64>) -> Mail {
    Mail {
        to: "ada@example.com".into(),
        to_name: to_name.map(str::to_owned),
        from: "shop@example.com".into(),
        subject: "Your order".into(),
        text: "It has shipped.".into(),
        send_at,
    }
}

fn edit(weight: Option<u64>, points: Vec<usize>) -> IssueEdit {
    IssueEdit {
        title: "Checkout fails on Safari".into(),
        milestone: Some(7),
        labels: vec!["bug".into(), "ui".into()],
        weight,
        points,
    }
}

fn body(vendor: &MockVendor) -> serde_json::Value {
    serde_json::from_slice(&vendor.received()[0].body).expect("a JSON body")
}

#[tokio::test]
async fn a_list_written_from_single_values_is_sent_as_the_spec_describes() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/mail/send",
        vec![Reply::json(200, json!({"id": "m-1"}))],
    );
    let sent = adapter(&vendor)
        .send(mail(Some("Ada Lovelace"), Some(1_767_225_600)))
        .await
        .expect("sent");
    assert_eq!(sent, Sent { id: "m-1".into() });
    assert_eq!(
        body(&vendor),
        json!({
            "personalizations": [{ "to": [{ "email": "ada@example.com", "name": "Ada Lovelace" }] }],
            "from": { "email": "shop@example.com" },
            "subject": "Your order",
            "content": [{ "type": "text/plain", "value": "It has shipped." }],
            "send_at": 1_767_225_600_i64,
        })
    );
}

#[tokio::test]
async fn an_absent_optional_value_is_left_out_of_its_list_item() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/mail/send",
        vec![Reply::json(200, json!({"id": "m-2"}))],
    );
    adapter(&vendor).send(mail(None, None)).await.expect("sent");
    let sent = body(&vendor);
    assert_eq!(
        sent["personalizations"],
        json!([{ "to": [{ "email": "ada@example.com" }] }]),
        "no `name: null`"
    );
    assert!(sent.get("send_at").is_none(), "{sent}");
}

#[tokio::test]
async fn unions_and_lists_of_unions_take_plain_domain_values() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PATCH",
        "/issues/{number}",
        vec![Reply::json(
            200,
            json!({"number": 42, "title": "Checkout fails on Safari"}),
        )],
    );
    let issue = adapter(&vendor)
        .edit(42, edit(Some(3), vec![1, 2]))
        .await
        .expect("edited");
    assert_eq!(
        issue,
        Issue {
            number: 42,
            title: "Checkout fails on Safari".into()
        }
    );
    assert_eq!(
        vendor.received()[0].path,
        "/issues/42",
        "a u64 path parameter"
    );
    assert_eq!(
        body(&vendor),
        json!({
            "title": "Checkout fails on Safari",
            "milestone": 7,
            "labels": ["bug", "ui"],
            "weight": 3,
            "points": [1, 2],
        })
    );
}

/// A `u64` or `usize` the wire's `int64` cannot hold fails before anything is sent,
/// naming where it was going; nothing wraps around.
#[tokio::test]
async fn integers_that_do_not_fit_the_wire_are_refused_before_sending() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PATCH",
        "/issues/{number}",
        vec![Reply::json(200, json!({"number": 1, "title": "t"}))],
    );
    let a = adapter(&vendor);
    let too_big = u64::MAX;
    for (what, result, field) in [
        (
            "the path parameter",
            a.edit(too_big, edit(None, vec![])).await,
            "number",
        ),
        (
            "an optional body field",
            a.edit(1, edit(Some(too_big), vec![])).await,
            "weight",
        ),
        (
            "an item of a list",
            a.edit(1, edit(None, vec![1, usize::MAX])).await,
            "points",
        ),
    ] {
        match result {
            Err(RequestError::Invalid(message)) => {
                assert!(message.contains(field), "{what}: {message}")
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    assert!(vendor.received().is_empty(), "nothing was sent");
}

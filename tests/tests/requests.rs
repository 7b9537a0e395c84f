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
        reply_to: None,
    }
}

fn edit(weight: Option<u64>, points: Vec<usize>) -> IssueEdit {
    IssueEdit {
        title: "Checkout fails on Safari".into(),
        milestone: Some(7),
        labels: vec!["bug".into(), "ui".into()],
        weight,
        points,
        due: None,
        state: None,
        assignees: Vec::new(),
        watch: Vec::new(),
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
            "custom_args": { "campaign": { "name": "Your order", "at": 1_767_225_600_i64 } },
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
    assert!(
        sent.get("reply_to").is_none(),
        "no `reply_to: null`: {sent}"
    );
    assert_eq!(
        sent["custom_args"],
        json!({ "campaign": { "name": "Your order" } }),
        "fields under a free-form object, a `None` left out"
    );
}

/// An optional nested object from an `Option` of a domain struct (`each:` into an
/// object): sent whole when `Some`, its own optional fields left out when `None`, and
/// its fields checked against the spec before sending.
#[tokio::test]
async fn an_optional_object_is_built_from_an_option_of_a_struct() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/mail/send",
        vec![
            Reply::json(200, json!({"id": "m-3"})),
            Reply::json(200, json!({"id": "m-4"})),
        ],
    );
    let adapter = adapter(&vendor);
    let mut m = mail(None, None);
    m.reply_to = Some(Contact {
        email: "help@example.com".into(),
        name: Some("Help desk".into()),
    });
    adapter.send(m.clone()).await.expect("sent");
    m.reply_to = Some(Contact {
        email: "help@example.com".into(),
        name: None,
    });
    adapter.send(m.clone()).await.expect("sent");
    let received = vendor.received();
    let bodies: Vec<serde_json::Value> = received
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON"))
        .collect();
    assert_eq!(
        bodies[0]["reply_to"],
        json!({ "email": "help@example.com", "name": "Help desk" })
    );
    assert_eq!(
        bodies[1]["reply_to"],
        json!({ "email": "help@example.com" })
    );
    m.reply_to = Some(Contact {
        email: "x".repeat(255),
        name: None,
    });
    match adapter.send(m).await {
        Err(RequestError::Invalid(text)) => assert!(text.contains("reply_to.email"), "{text}"),
        other => panic!("a 255-character address is refused before sending: {other:?}"),
    }
    assert_eq!(
        vendor.received().len(),
        2,
        "nothing sent for the refused call"
    );
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
    // `explode: false` arrays are one parameter each, the items joined as the style says
    // (the separators percent-encoded like any value, which servers decode first).
    assert_eq!(
        vendor.received()[0].query.as_deref(),
        Some("include=author%7Ccomments&notify=bug%2Cui")
    );
    assert_eq!(
        body(&vendor),
        json!({
            "title": "Checkout fails on Safari",
            "milestone": 7,
            "labels": ["bug", "ui"],
            "weight": 3,
            "points": [1, 2],
            "assignees": [],
            "watch": [],
        })
    );
}

/// `format: date` is checked before sending: a date the vendor would refuse fails the
/// call at once, naming the field; a real one is sent.
#[tokio::test]
async fn a_date_field_takes_only_real_dates() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PATCH",
        "/issues/{number}",
        vec![Reply::json(200, json!({"number": 42, "title": "t"}))],
    );
    let with_due = |due: &str| IssueEdit {
        due: Some(due.into()),
        ..edit(None, vec![])
    };
    for bad in ["2026-3-1", "2026-02-30", "tomorrow"] {
        let e = adapter(&vendor)
            .edit(42, with_due(bad))
            .await
            .expect_err("refused before sending");
        assert!(
            matches!(&e, RequestError::Invalid(m) if m.contains("$.due_on") && m.contains("format date")),
            "{bad}: {e:?}"
        );
    }
    assert!(vendor.received().is_empty(), "nothing was sent");
    adapter(&vendor)
        .edit(42, with_due("2026-03-01"))
        .await
        .expect("a real date is sent");
    assert_eq!(body(&vendor)["due_on"], "2026-03-01");
    // The same value under nested objects the vendor does not require: sent inside
    // them when given (the test above sends none, and no `plan` goes out).
    assert_eq!(body(&vendor)["plan"], json!({"due": {"on": "2026-03-01"}}));
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

fn document(pages: Option<u32>) -> Document {
    Document {
        name: "q3-report.pdf".into(),
        media_type: "application/pdf".into(),
        bytes: b"%PDF-1.7\r\n\x00\x01binary".to_vec(),
        pages,
    }
}

/// The parts of a multipart body: (name, headers, content), in order.
fn parts(r: &rt::testing::ReceivedRequest) -> Vec<(String, String, Vec<u8>)> {
    let ct = r.header("content-type").expect("content type");
    let boundary = ct
        .split("boundary=")
        .nth(1)
        .expect("boundary")
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let body = &r.body;
    let mut out = Vec::new();
    let mut starts: Vec<usize> = body
        .windows(delimiter.len())
        .enumerate()
        .filter(|(_, w)| *w == delimiter.as_bytes())
        .map(|(i, _)| i)
        .collect();
    let end = starts.pop().expect("closing delimiter");
    assert_eq!(
        &body[end + delimiter.len()..end + delimiter.len() + 2],
        b"--"
    );
    starts.push(end);
    for pair in starts.windows(2) {
        let part = &body[pair[0] + delimiter.len() + 2..pair[1] - 2];
        let split = part
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("head");
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let name = head
            .split("name=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("name")
            .to_owned();
        out.push((name, head, part[split + 4..].to_vec()));
    }
    out
}

#[tokio::test]
async fn a_multipart_body_sends_the_file_and_text_parts_the_mapping_names() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/files",
        vec![Reply::json(200, json!({"id": "f-1"}))],
    );
    let stored = adapter(&vendor)
        .upload(document(Some(12)))
        .await
        .expect("stored");
    assert_eq!(stored, Sent { id: "f-1".into() });
    let r = &vendor.received()[0];
    assert!(
        r.header("content-type")
            .is_some_and(|ct| ct.starts_with("multipart/form-data; boundary=")),
        "{r:?}"
    );
    let got = parts(r);
    let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["file", "purpose", "pages"]);
    let (_, head, bytes) = &got[0];
    assert!(head.contains("filename=\"q3-report.pdf\""), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/pdf"),
        "{head}"
    );
    assert_eq!(bytes, &document(None).bytes, "the bytes, unchanged");
    assert_eq!(got[1].2, b"report");
    assert_eq!(got[2].2, b"12");
}

#[tokio::test]
async fn an_absent_optional_part_is_left_out_and_the_spec_gives_the_content_type() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/files",
        vec![Reply::json(200, json!({"id": "f-2"}))],
    );
    let a = adapter(&vendor);
    a.upload(document(None)).await.expect("stored");
    let names: Vec<String> = parts(&vendor.received()[0])
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(names, ["file", "purpose"], "no `pages` part");
    a.upload_pdf(document(None)).await.expect("stored");
    let got = parts(&vendor.received()[1]);
    let head = got[0].1.to_ascii_lowercase();
    assert!(
        head.contains("filename=\"file\""),
        "the part's name: {head}"
    );
    assert!(
        head.contains("content-type: application/pdf"),
        "the spec's encoding: {head}"
    );
    assert_eq!(
        got[2],
        (
            "kind".to_string(),
            got[2].1.clone(),
            b"q3-report.pdf".to_vec()
        )
    );
}

/// A body that is a JSON array is built item by item from a `Vec` (it failed rustc once:
/// the list had no type to collect into), each item's `via:` applied (a `via:` returning
/// `Result` in an item failed rustc once too).
#[tokio::test]
async fn a_whole_body_that_is_a_list_is_sent_as_a_json_array() {
    let vendor = MockVendor::start().await;
    vendor.route("POST", "/tags/batch", vec![Reply::text(204, "")]);
    adapter(&vendor)
        .tag_many(vec![
            Tag {
                name: "bug".into(),
                color: Some("#D73A4A".into()),
            },
            Tag {
                name: "triage".into(),
                color: None,
            },
        ])
        .await
        .expect("tagged");
    let r = &vendor.received()[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    assert_eq!(
        body,
        json!([{"name": "bug", "color": "d73a4a"}, {"name": "triage"}])
    );

    // Each item is checked against the spec before sending.
    let err = adapter(&vendor)
        .tag_many(vec![Tag {
            name: "x".repeat(51),
            color: None,
        }])
        .await
        .expect_err("too long");
    assert!(matches!(err, RequestError::Invalid(_)), "{err:?}");
    assert_eq!(vendor.received().len(), 1, "nothing more sent");

    // An item's `via:` that returns an `Err` refuses the whole list before sending, and
    // says which function refused which value.
    let err = adapter(&vendor)
        .tag_many(vec![
            Tag {
                name: "ok".into(),
                color: Some("#00ff00".into()),
            },
            Tag {
                name: "bad".into(),
                color: Some("green".into()),
            },
        ])
        .await
        .expect_err("not a colour");
    let RequestError::Invalid(reason) = &err else {
        panic!("{err:?}");
    };
    assert!(
        reason.contains("hex_color") && reason.contains("\"green\""),
        "{reason}"
    );
    assert_eq!(vendor.received().len(), 1, "nothing more sent");
}

/// A `via:` over an `Option` into an optional field or parameter: the function sees the
/// value inside, and `None` is left out of both (Hetzner's user saw `"labels": null`).
#[tokio::test]
async fn an_optional_value_through_via_is_sent_when_given_and_left_out_when_none() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PATCH",
        "/issues/{number}",
        vec![Reply::json(200, json!({"number": 42, "title": "t"}))],
    );
    let closing = IssueEdit {
        state: Some(IssueState::Closed),
        ..edit(None, vec![])
    };
    adapter(&vendor).edit(42, closing).await.expect("edited");
    adapter(&vendor)
        .edit(42, edit(None, vec![]))
        .await
        .expect("edited");
    let received = vendor.received();
    let bodies: Vec<serde_json::Value> = received
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON"))
        .collect();
    assert_eq!(bodies[0]["state"], json!("closed"));
    assert!(
        received[0]
            .query
            .as_deref()
            .is_some_and(|q| q.contains("reason=closed")),
        "{:?}",
        received[0].query
    );
    assert!(bodies[1].get("state").is_none(), "{}", bodies[1]);
    assert!(
        !received[1]
            .query
            .as_deref()
            .unwrap_or("")
            .contains("reason"),
        "{:?}",
        received[1].query
    );
}

/// Domain enums go as the vendor's words without a `via:`: `state` by the spec value of
/// each variant's name, `watch` by the mapping's `values:` (in the body item by item, and
/// joined in the `explode: false` query parameter). A variant's own text is checked
/// against the spec's values before anything is sent.
#[tokio::test]
async fn domain_enums_go_as_the_vendors_words() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PATCH",
        "/issues/{number}",
        vec![Reply::json(200, json!({"number": 42, "title": "t"}))],
    );
    let reopening = IssueEdit {
        state: Some(IssueState::Open),
        watch: vec![
            Watch::Everything,
            Watch::Assigned,
            Watch::Other("MENTIONED".into()),
        ],
        ..edit(None, vec![])
    };
    adapter(&vendor).edit(42, reopening).await.expect("edited");
    let received = vendor.received();
    let sent: serde_json::Value = serde_json::from_slice(&received[0].body).expect("JSON");
    assert_eq!(sent["state"], json!("open"));
    assert_eq!(
        sent["watch"],
        json!(["ALL_ACTIVITY", "ASSIGNED", "MENTIONED"])
    );
    let query = received[0].query.as_deref().unwrap_or("");
    assert!(
        query.contains("notify_on=ALL_ACTIVITY%2CASSIGNED%2CMENTIONED")
            || query.contains("notify_on=ALL_ACTIVITY,ASSIGNED,MENTIONED"),
        "{query}"
    );

    let unknown = IssueEdit {
        watch: vec![Watch::Other("EVERYTHING".into())],
        ..edit(None, vec![])
    };
    let err = adapter(&vendor)
        .edit(42, unknown)
        .await
        .expect_err("not a value of the spec");
    let RequestError::Invalid(message) = &err else {
        panic!("{err:?}");
    };
    assert!(
        message.contains("watch") || message.contains("notify_on"),
        "{message}"
    );
    assert_eq!(vendor.received().len(), 1, "nothing more sent");
}

/// A list argument is checked before sending: its length against `maxItems`, each item
/// against the item schema's pattern; a list that fits is sent.
#[tokio::test]
async fn a_list_is_checked_by_its_length_and_its_items_before_sending() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PATCH",
        "/issues/{number}",
        vec![Reply::json(200, json!({"number": 42, "title": "t"}))],
    );
    let with = |logins: &[&str]| IssueEdit {
        assignees: logins.iter().map(|l| l.to_string()).collect(),
        ..edit(None, vec![])
    };
    let a = adapter(&vendor);
    let too_many = a.edit(42, with(&["ann", "bob", "cy"])).await;
    assert!(
        matches!(&too_many, Err(RequestError::Invalid(m)) if m.contains("maxItems 2")),
        "{too_many:?}"
    );
    let bad_item = a.edit(42, with(&["ann", "Bob"])).await;
    assert!(
        matches!(&bad_item, Err(RequestError::Invalid(m)) if m.contains("$.assignees[]") && m.contains("pattern")),
        "{bad_item:?}"
    );
    assert!(vendor.received().is_empty(), "nothing was sent");
    a.edit(42, with(&["ann", "bob"])).await.expect("sent");
    assert_eq!(body(&vendor)["assignees"], json!(["ann", "bob"]));
}

/// `read: true`: the search is a POST, and a 503 is retried as for a GET (an unmarked
/// POST without an idempotency key would end on it).
#[tokio::test]
async fn a_post_marked_read_is_retried_like_a_get() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/issues/search",
        vec![
            Reply::json(503, json!({"message": "busy"})),
            Reply::json(
                200,
                json!({"number": 7, "title": "Checkout fails on Safari"}),
            ),
        ],
    );
    let found = adapter(&vendor)
        .best_match("safari")
        .await
        .expect("retried");
    assert_eq!(found.number, 7);
    let sent = vendor.received();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].body_str(), r#"{"query":"safari"}"#);
}

fn new_invoice(lines: Vec<InvoiceLine>) -> NewInvoice {
    NewInvoice {
        kind: InvoiceKind::Sales,
        contact: "430fa14a-f945-44d3-9f97-5df5e28441b8".into(),
        lines,
        sequence: None,
    }
}

/// Xero's shape: the invoice goes as a list of one whose lines come from a `Vec`
/// (`each:` inside a list written in the mapping), and the answer's one invoice is read
/// with `unwrap: Invoices.0`.
#[tokio::test]
async fn one_object_in_a_list_of_one_goes_out_and_comes_back() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PUT",
        "/Invoices",
        vec![Reply::json(
            200,
            json!({"Invoices": [{"InvoiceID": "ed255415-e141-4150-aab7-89c3bbbb851c", "Total": 40.0}]}),
        )],
    );
    let made = adapter(&vendor)
        .invoice(new_invoice(vec![
            InvoiceLine {
                text: "Tires".into(),
                quantity: 2.0,
            },
            InvoiceLine {
                text: "Fitting".into(),
                quantity: 1.0,
            },
        ]))
        .await
        .expect("made");
    assert_eq!(
        made,
        Invoice {
            id: "ed255415-e141-4150-aab7-89c3bbbb851c".into(),
            total: Some(40.0),
            lines: Vec::new(),
            sequence: None,
        }
    );
    assert_eq!(
        body(&vendor),
        json!({"Invoices": [{
            "Type": "ACCREC",
            "Contact": {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8"},
            "LineItems": [
                {"Description": "Tires", "Quantity": 2.0},
                {"Description": "Fitting", "Quantity": 1.0}
            ]
        }]})
    );
}

/// Each line is checked before sending, as a line of a body built field by field is.
#[tokio::test]
async fn a_line_inside_a_list_of_one_is_checked_before_sending() {
    let vendor = MockVendor::start().await;
    let err = adapter(&vendor)
        .invoice(new_invoice(vec![InvoiceLine {
            text: "x".repeat(41),
            quantity: 1.0,
        }]))
        .await
        .expect_err("longer than maxLength 40");
    let RequestError::Invalid(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("Description"), "{message}");
    assert!(vendor.received().is_empty(), "nothing sent");
}

/// An empty list where the one object should be is a contract error naming the place,
/// never a default value.
#[tokio::test]
async fn an_empty_list_of_one_is_a_contract_error() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/Invoices/{InvoiceID}",
        vec![
            Reply::json(
                200,
                json!({"Invoices": [{"InvoiceID": "a", "Total": 1.5, "LineItems": [{"Description": "Tires"}, {}]}, {"InvoiceID": "b"}]}),
            ),
            Reply::json(200, json!({"Invoices": []})),
        ],
    );
    let first = adapter(&vendor)
        .get_invoice("ed255415-e141-4150-aab7-89c3bbbb851c")
        .await
        .expect("the first item");
    assert_eq!(first.id, "a");
    assert_eq!(
        first.lines,
        [
            Line {
                text: Some("Tires".into())
            },
            Line { text: None }
        ]
    );
    let err = adapter(&vendor)
        .get_invoice("ed255415-e141-4150-aab7-89c3bbbb851c")
        .await
        .expect_err("no invoice");
    let RequestError::Failed(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("$.Invoices.0"), "{message}");
}

/// A 64-bit integer the spec holds as decimal text (`type: string, format: int64`, as
/// Google and Mux write them) goes out as that text and is parsed back, past 2^53
/// without loss; text that is no integer is a contract error naming the field.
#[tokio::test]
async fn an_integer_held_as_decimal_text_goes_out_and_comes_back_as_one() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PUT",
        "/Invoices",
        vec![Reply::json(
            200,
            json!({"Invoices": [{"InvoiceID": "a", "Sequence": "9007199254740993"}]}),
        )],
    );
    vendor.route(
        "GET",
        "/Invoices/{InvoiceID}",
        vec![Reply::json(
            200,
            json!({"Invoices": [{"InvoiceID": "a", "Sequence": "12th"}]}),
        )],
    );
    let made = adapter(&vendor)
        .invoice(NewInvoice {
            sequence: Some(18_446_744_073_709_551_615),
            ..new_invoice(Vec::new())
        })
        .await
        .expect("made");
    assert_eq!(made.sequence, Some(9_007_199_254_740_993));
    assert_eq!(
        body(&vendor)["Invoices"][0]["Sequence"],
        json!("18446744073709551615")
    );
    let err = adapter(&vendor)
        .get_invoice("ed255415-e141-4150-aab7-89c3bbbb851c")
        .await
        .expect_err("not an integer");
    let RequestError::Failed(message) = &err else {
        panic!("{err:?}");
    };
    assert!(
        message.contains("Sequence") && message.contains("\"12th\" is not a decimal integer"),
        "{message}"
    );
}

//! Lists and pagination end to end (tests/fixtures/tracker.yaml) against a mock vendor
//! serving several pages, one style per port method.

use portcullis_runtime as rt;
use portcullis_tests::tracker::TrackerAdapter;
use portcullis_tests::tracker_domain::*;
use rt::testing::{MockVendor, ReceivedRequest, Reply};
use serde_json::{Value, json};

/// The adapter with the auth its mapping declares (the spec has none), only the
/// secret's source replaced.
fn adapter(vendor: &MockVendor) -> TrackerAdapter {
    let mut config = TrackerAdapter::config()
        .base_url(vendor.url())
        .allow_insecure_http(true);
    match config.auth_mut() {
        rt::AuthConfig::PrefixedApiKey {
            location: rt::ApiKeyLocation::Header,
            name,
            prefix,
            secret,
        } if name == "Authorization" && prefix == "token " => {
            *secret = rt::SecretSource::literal("tok_1");
        }
        other => panic!("the mapping declares a prefixed key in Authorization, got {other:?}"),
    }
    TrackerAdapter::new(config).expect("config")
}

fn entries(ids: &[&str]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| json!({"id": id, "name": format!("n-{id}")}))
            .collect(),
    )
}

fn ids(list: &[Entry]) -> Vec<&str> {
    list.iter().map(|e| e.id.as_str()).collect()
}

fn queries(vendor: &MockVendor) -> Vec<String> {
    vendor
        .received()
        .iter()
        .map(|r: &ReceivedRequest| r.query.clone().unwrap_or_default())
        .collect()
}

fn issue(n: u32) -> Value {
    json!({"id": format!("i{n}"), "number": n, "title": format!("t{n}"), "labels": ["bug"]})
}

#[tokio::test]
async fn a_top_level_list_follows_the_link_header_with_auth_on_every_page() {
    let vendor = MockVendor::start().await;
    let base = vendor.url();
    vendor.route_fn("GET", "/issues", move |req, _| {
        let query = req.query.clone().unwrap_or_default();
        if query.ends_with("&page=2") {
            Reply::json(200, json!([issue(3)]))
        } else {
            Reply::json(200, json!([issue(1), issue(2)])).with_header(
                "Link",
                format!("<{base}/issues?state=open&per_page=2&page=2>; rel=\"next\", <{base}/issues?page=1>; rel=\"first\""),
            )
        }
    });
    let issues = adapter(&vendor)
        .list_issues(&"open".to_string())
        .await
        .expect("all issues");
    let numbers: Vec<u32> = issues.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(issues[0].labels, ["bug"]);
    assert_eq!(
        queries(&vendor),
        ["state=open&per_page=2", "state=open&per_page=2&page=2"]
    );
    for r in vendor.received() {
        assert_eq!(
            r.header("authorization"),
            Some("token tok_1"),
            "the auth the mapping declares, with its prefix"
        );
    }
}

#[tokio::test]
async fn a_page_limit_reached_is_a_config_error() {
    let vendor = MockVendor::start().await;
    let base = vendor.url();
    vendor.route_fn("GET", "/issues", move |_, n| {
        Reply::json(200, json!([issue(n as u32 + 1)])).with_header(
            "Link",
            format!("<{base}/issues?page={}>; rel=\"next\"", n + 2),
        )
    });
    let err = adapter(&vendor)
        .list_issues(&"open".to_string())
        .await
        .expect_err("too long");
    let TrackerError::Config(message) = err else {
        panic!("a Config error: {err:?}");
    };
    assert!(message.contains("max_pages"), "{message}");
    // max_pages: 3 in the mapping: three pages fetched, no fourth.
    assert_eq!(vendor.received().len(), 3);
}

/// An item the adapter cannot convert names where it sits in the page, not in the item.
#[tokio::test]
async fn a_bad_item_is_named_by_its_place_in_the_page() {
    let vendor = MockVendor::start().await;
    let mut bad = issue(2);
    bad["number"] = json!(-2);
    vendor.route(
        "GET",
        "/issues",
        vec![Reply::json(200, json!([issue(1), bad]))],
    );
    let err = adapter(&vendor)
        .list_issues(&"open".to_string())
        .await
        .expect_err("a negative number is no u32");
    let TrackerError::Contract(message) = err else {
        panic!("a Contract error: {err:?}");
    };
    assert!(message.contains("$[1].number"), "{message}");
}

#[tokio::test]
async fn after_last_sends_the_last_id_until_has_more_is_false() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/events",
        vec![
            Reply::json(
                200,
                json!({"data": entries(&["e1", "e2"]), "has_more": true}),
            ),
            Reply::json(200, json!({"data": entries(&["e3"]), "has_more": false})),
        ],
    );
    let events = adapter(&vendor).events().await.expect("events");
    assert_eq!(ids(&events), ["e1", "e2", "e3"]);
    assert_eq!(events[2].name, "n-e3");
    assert_eq!(queries(&vendor), ["limit=2", "limit=2&starting_after=e2"]);
}

#[tokio::test]
async fn max_items_stops_without_fetching_further_pages() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/events", |_, n| {
        let a = format!("e{}", 2 * n + 1);
        let b = format!("e{}", 2 * n + 2);
        Reply::json(200, json!({"data": entries(&[&a, &b]), "has_more": true}))
    });
    let events = adapter(&vendor).recent_events().await.expect("events");
    assert_eq!(ids(&events), ["e1", "e2", "e3", "e4", "e5"]);
    assert_eq!(vendor.received().len(), 3);
}

#[tokio::test]
async fn a_body_cursor_is_sent_back_until_it_is_empty() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/channels",
        vec![
            Reply::json(
                200,
                json!({"channels": entries(&["c1"]), "response_metadata": {"next_cursor": "abc"}}),
            ),
            Reply::json(
                200,
                json!({"channels": entries(&["c2"]), "response_metadata": {"next_cursor": ""}}),
            ),
        ],
    );
    let channels = adapter(&vendor).channels().await.expect("channels");
    assert_eq!(ids(&channels), ["c1", "c2"]);
    assert_eq!(queries(&vendor), ["", "cursor=abc"]);
}

/// A stream whose first request cannot fail reads page after page like the list.
#[tokio::test]
async fn a_stream_of_a_cursor_list_reads_every_page() {
    use futures_util::StreamExt;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/channels",
        vec![
            Reply::json(
                200,
                json!({"channels": entries(&["c1", "c2"]), "response_metadata": {"next_cursor": "abc"}}),
            ),
            Reply::json(200, json!({"channels": entries(&["c3"])})),
        ],
    );
    let a = adapter(&vendor);
    let read: Vec<Entry> = a
        .channel_stream()
        .map(|e| e.expect("an entry"))
        .collect()
        .await;
    assert_eq!(ids(&read), ["c1", "c2", "c3"]);
    assert_eq!(queries(&vendor), ["", "cursor=abc"]);
}

/// Vercel's cursor is a millisecond timestamp, a number: sent back as its text, and a
/// last page that sends null (though the spec requires a number) or leaves it out ends
/// the list.
#[tokio::test]
async fn a_numeric_cursor_is_sent_as_its_text_until_it_is_null() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/deployments",
        vec![
            Reply::json(
                200,
                json!({"deployments": entries(&["d1"]), "pagination": {"next": 1_700_000_000_000_i64}}),
            ),
            Reply::json(
                200,
                json!({"deployments": entries(&["d2"]), "pagination": {"next": 1_699_999_999_000.0}}),
            ),
            Reply::json(
                200,
                json!({"deployments": entries(&["d3"]), "pagination": {"next": null}}),
            ),
        ],
    );
    let deployments = adapter(&vendor).deployments().await.expect("deployments");
    assert_eq!(ids(&deployments), ["d1", "d2", "d3"]);
    assert_eq!(
        queries(&vendor),
        ["", "until=1700000000000", "until=1699999999000"]
    );

    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/deployments",
        vec![
            Reply::json(
                200,
                json!({"deployments": entries(&["d1"]), "pagination": {"next": 5}}),
            ),
            Reply::json(
                200,
                json!({"deployments": entries(&["d2"]), "pagination": {}}),
            ),
        ],
    );
    let deployments = adapter(&vendor).deployments().await.expect("deployments");
    assert_eq!(ids(&deployments), ["d1", "d2"]);
    assert_eq!(queries(&vendor), ["", "until=5"]);
}

/// `unwrap:` into a union of an object and an array reads the object form, which the
/// method returns; the array form is a contract error at its path, not a wrong value.
#[tokio::test]
async fn unwrap_reads_the_object_form_of_a_union_and_refuses_the_other() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/variables",
        vec![
            Reply::json(201, json!({"created": {"id": "v1", "name": "TOKEN"}})),
            Reply::json(201, json!({"created": entries(&["v1", "v2"])})),
        ],
    );
    let a = adapter(&vendor);
    let created = a.create_variable("TOKEN").await.expect("one object");
    assert_eq!(
        (created.id.as_str(), created.name.as_str()),
        ("v1", "TOKEN")
    );
    let err = a.create_variable("TOKEN").await.expect_err("an array");
    let TrackerError::Contract(message) = err else {
        panic!("a Contract error: {err:?}");
    };
    assert!(message.contains("$.created"), "{message}");
}

/// RPC style (Plaid's `/transactions/sync`): the next page is the same POST with the
/// vendor's cursor set in its JSON body, beside the fields the mapping sends.
#[tokio::test]
async fn a_cursor_goes_back_in_the_body_of_a_post() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/transactions/sync",
        vec![
            Reply::json(
                200,
                json!({"added": entries(&["t1", "t2"]), "next_cursor": "c2", "has_more": true}),
            ),
            Reply::json(
                200,
                json!({"added": entries(&["t3"]), "next_cursor": "", "has_more": false}),
            ),
        ],
    );
    let got = adapter(&vendor)
        .transactions("acc_1")
        .await
        .expect("transactions");
    assert_eq!(ids(&got), ["t1", "t2", "t3"]);
    let bodies: Vec<Value> = vendor
        .received()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"account": "acc_1", "count": 2}),
            json!({"account": "acc_1", "count": 2, "cursor": "c2"}),
        ]
    );
    assert_eq!(queries(&vendor), ["", ""], "nothing in the query");
}

#[tokio::test]
async fn a_repeated_cursor_is_a_contract_error_not_a_loop() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/channels",
        vec![Reply::json(
            200,
            json!({"channels": entries(&["c1"]), "response_metadata": {"next_cursor": "same"}}),
        )],
    );
    let err = adapter(&vendor).channels().await.expect_err("a loop");
    let TrackerError::Contract(message) = err else {
        panic!("a Contract error: {err:?}");
    };
    assert!(message.contains("same"), "{message}");
    assert_eq!(vendor.received().len(), 2);
}

#[tokio::test]
async fn a_next_page_path_in_the_body_is_followed() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/messages",
        vec![
            Reply::json(200, json!({"messages": entries(&["m1", "m2"]), "next_page_uri": "/messages?PageSize=2&Page=1&PageToken=PAm2"})),
            Reply::json(200, json!({"messages": entries(&["m3"]), "next_page_uri": null})),
        ],
    );
    let messages = adapter(&vendor).messages().await.expect("messages");
    assert_eq!(ids(&messages), ["m1", "m2", "m3"]);
    assert_eq!(
        queries(&vendor),
        ["PageSize=2", "PageSize=2&Page=1&PageToken=PAm2"]
    );
}

#[tokio::test]
async fn page_numbers_stop_at_the_total() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/tasks",
        vec![
            Reply::json(200, json!({"items": entries(&["t1", "t2"]), "total": 4})),
            Reply::json(200, json!({"items": entries(&["t3", "t4"]), "total": 4})),
        ],
    );
    let tasks = adapter(&vendor).tasks().await.expect("tasks");
    assert_eq!(ids(&tasks), ["t1", "t2", "t3", "t4"]);
    assert_eq!(queries(&vendor), ["per_page=2&page=1", "per_page=2&page=2"]);
}

#[tokio::test]
async fn offsets_stop_at_a_short_page() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/notes",
        vec![
            Reply::json(200, entries(&["n1", "n2"])),
            Reply::json(200, entries(&["n3"])),
        ],
    );
    let notes = adapter(&vendor).notes().await.expect("notes");
    assert_eq!(ids(&notes), ["n1", "n2", "n3"]);
    assert_eq!(queries(&vendor), ["limit=2&offset=0", "limit=2&offset=2"]);
}

/// Gitea serves fewer items than the `limit` asked for and says how many there are in
/// `X-Total-Count` only: the short pages do not end the list before the total.
#[tokio::test]
async fn a_capped_page_goes_on_to_the_total_the_headers_state() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/notes",
        vec![
            Reply::json(200, entries(&["n1"])).with_header("X-Total-Count", "3"),
            Reply::json(200, entries(&["n2"])).with_header("X-Total-Count", "3"),
            Reply::json(200, entries(&["n3"])).with_header("X-Total-Count", "3"),
        ],
    );
    let notes = adapter(&vendor).notes().await.expect("notes");
    assert_eq!(ids(&notes), ["n1", "n2", "n3"]);
    assert_eq!(
        queries(&vendor),
        ["limit=2&offset=0", "limit=2&offset=1", "limit=2&offset=2"]
    );
}

/// A bare array paged by the last item's id without a flag (Discord's `before`): each
/// page asks before the last id of the one before, and a short page is the last.
#[tokio::test]
async fn after_the_last_id_without_a_flag_stops_at_a_short_page() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/notes",
        vec![
            Reply::json(200, entries(&["n9", "n8"])),
            Reply::json(200, entries(&["n7", "n6"])),
            Reply::json(200, entries(&["n5"])),
        ],
    );
    let notes = adapter(&vendor).older_notes().await.expect("notes");
    assert_eq!(ids(&notes), ["n9", "n8", "n7", "n6", "n5"]);
    assert_eq!(
        queries(&vendor),
        ["limit=2", "limit=2&before=n8", "limit=2&before=n6"]
    );
}

#[tokio::test]
async fn regressions_a_str_into_an_optional_field_and_required_lists_compile_and_work() {
    let vendor = MockVendor::start().await;
    vendor.route("POST", "/issues", vec![Reply::json(201, issue(7))]);
    vendor.route(
        "GET",
        "/boards/{board}",
        vec![Reply::json(
            200,
            json!({"id": "board-from-the-vendor", "issues": [issue(1), issue(2)], "tags": ["x", "y"]}),
        )],
    );
    let a = adapter(&vendor);
    let opened = a.open("Broken", "It broke").await.expect("opened");
    assert_eq!(opened.number, 7);
    let body: Value = serde_json::from_slice(&vendor.received()[0].body).expect("json");
    assert_eq!(body, json!({"title": "Broken", "body": "It broke"}));
    let board = a.board("b1").await.expect("board");
    assert_eq!(board.id, "b1", "`fields:` takes the &str argument, owned");
    assert_eq!(board.issues.len(), 2);
    assert_eq!(board.tags, ["x", "y"]);
    assert_eq!(board.titles, ["t1", "t2"], "`each: title` of every issue");
    assert_eq!(board.lead, "t1");
    assert_eq!(board.first_tag.as_deref(), Some("x"));
}

/// The mapping's `scheme: hmac` webhooks, end to end: the generated config and decoder
/// in the runtime's receiver, deliveries signed as the mapping describes.
mod webhooks {
    use super::*;
    use hmac::{Hmac, Mac};
    use portcullis_tests::tracker::TrackerAdapterEvents;
    use rt::webhook::{Outcome, Receiver};
    use std::sync::{Arc, Mutex};

    const SECRET: &str = "tracker-webhook-secret";

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
    }

    /// `X-Tracker-Signature: v1=<hex>` over `<timestamp>.<body>`, as the mapping says.
    fn signed(body: &str, timestamp: u64, delivery: &str) -> rt::http::HeaderMap {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
        mac.update(format!("{timestamp}.{body}").as_bytes());
        let sig = hex::encode(mac.finalize().into_bytes());
        let mut h = rt::http::HeaderMap::new();
        for (name, value) in [
            ("X-Tracker-Signature", format!("v1={sig}")),
            ("X-Tracker-Timestamp", timestamp.to_string()),
            ("X-Tracker-Delivery", delivery.to_owned()),
        ] {
            h.insert(
                rt::http::HeaderName::from_static(Box::leak(
                    name.to_ascii_lowercase().into_boxed_str(),
                )),
                value.parse().expect("header value"),
            );
        }
        h
    }

    #[tokio::test]
    async fn signed_deliveries_become_events_and_the_rest_is_refused() {
        let mut config = TrackerAdapterEvents::config().expect("config");
        assert_eq!(config.scheme.name(), "hmac");
        config.secrets = vec![rt::SecretSource::literal(SECRET)];
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let receiver = Receiver::new(config, TrackerAdapterEvents, move |e: TrackerEvent| {
            sink.lock().expect("lock").push(e);
            std::future::ready(Ok::<(), String>(()))
        })
        .expect("valid");

        let opened = r#"{"id":"evt_1","type":"issue.opened","issue":{"id":"is_9","number":9,"title":"Broken login","labels":[]}}"#;
        let r = receiver
            .receive(&signed(opened, now(), "dl-1"), opened.as_bytes())
            .await;
        assert_eq!(
            r.events.iter().map(|e| e.outcome).collect::<Vec<_>>(),
            [Outcome::Processed]
        );
        assert_eq!(
            r.correlation_id.as_str(),
            "dl-1",
            "the delivery header correlates"
        );

        let closed = r#"{"id":"evt_2","type":"issue.closed","issue":{}}"#;
        let r = receiver
            .receive(&signed(closed, now(), "dl-2"), closed.as_bytes())
            .await;
        assert_eq!(
            r.events.iter().map(|e| e.outcome).collect::<Vec<_>>(),
            [Outcome::Processed]
        );

        // The spec requires a title: a payload without one is refused, naming it.
        let untitled = r#"{"id":"evt_3","type":"issue.opened","issue":{"id":"is_10","number":10,"labels":[]}}"#;
        let r = receiver
            .receive(&signed(untitled, now(), "dl-3"), untitled.as_bytes())
            .await;
        assert_eq!(
            r.events.iter().map(|e| e.outcome).collect::<Vec<_>>(),
            [Outcome::RejectedMalformed]
        );

        let mut forged = signed(opened, now(), "dl-4");
        forged.insert(
            "x-tracker-timestamp",
            (now() - 1).to_string().parse().expect("value"),
        );
        assert_eq!(
            receiver.receive(&forged, opened.as_bytes()).await.outcome,
            Outcome::RejectedSignature
        );
        let old = now() - 3600;
        assert_eq!(
            receiver
                .receive(&signed(opened, old, "dl-5"), opened.as_bytes())
                .await
                .outcome,
            Outcome::RejectedStale
        );
        assert_eq!(
            *seen.lock().expect("lock"),
            [
                TrackerEvent::IssueOpened {
                    id: "is_9".into(),
                    title: "Broken login".into()
                },
                TrackerEvent::Other("issue.closed".into()),
            ]
        );
    }
}

/// An error message the vendor sends as a list of strings where its spec says a string
/// (Jira's `errorMessages` shape) keeps every one, joined, rather than a JSON array.
#[tokio::test]
async fn an_error_message_sent_as_a_list_of_strings_is_joined() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/issues",
        vec![Reply::json(
            422,
            json!({"message": ["Title is required.", "Body is too long."]}),
        )],
    );
    let err = adapter(&vendor)
        .open("", "x")
        .await
        .expect_err("the vendor refused");
    let text = format!("{err:?}");
    assert!(
        text.contains("Title is required.; Body is too long."),
        "{text}"
    );
}

/// An empty list where the message belongs (Jira's `errorMessages: []`, the reason in
/// `errors`) is no message: the error keeps the vendor's own words instead of `[]`.
#[tokio::test]
async fn an_empty_error_message_list_keeps_the_vendors_words() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/issues",
        vec![Reply::json(
            400,
            json!({"message": [], "errors": {"summary": "Summary is required."}}),
        )],
    );
    let err = adapter(&vendor)
        .open("", "x")
        .await
        .expect_err("the vendor refused");
    let text = format!("{err:?}");
    assert!(text.contains("Summary is required."), "{text}");
    assert!(!text.contains(": []"), "{text}");
}

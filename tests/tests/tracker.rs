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
        .list_issues("open")
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
        .list_issues("open")
        .await
        .expect_err("too long");
    let TrackerError::Config(message) = err else {
        panic!("a Config error: {err:?}");
    };
    assert!(message.contains("max_pages"), "{message}");
    // max_pages: 3 in the mapping: three pages fetched, no fourth.
    assert_eq!(vendor.received().len(), 3);
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

#[tokio::test]
async fn regressions_a_str_into_an_optional_field_and_required_lists_compile_and_work() {
    let vendor = MockVendor::start().await;
    vendor.route("POST", "/issues", vec![Reply::json(201, issue(7))]);
    vendor.route(
        "GET",
        "/boards/{board}",
        vec![Reply::json(
            200,
            json!({"id": "b1", "issues": [issue(1), issue(2)], "tags": ["x", "y"]}),
        )],
    );
    let a = adapter(&vendor);
    let opened = a.open("Broken", "It broke").await.expect("opened");
    assert_eq!(opened.number, 7);
    let body: Value = serde_json::from_slice(&vendor.received()[0].body).expect("json");
    assert_eq!(body, json!({"title": "Broken", "body": "It broke"}));
    let board = a.board("b1").await.expect("board");
    assert_eq!(board.issues.len(), 2);
    assert_eq!(board.tags, ["x", "y"]);
    assert_eq!(board.lead, "t1");
    assert_eq!(board.first_tag.as_deref(), Some("x"));
}

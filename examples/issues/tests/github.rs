//! The issue desk's adapter end to end against a mock of GitHub on 127.0.0.1: the exact
//! requests (repository from configuration, bearer token, API version header, JSON
//! bodies), every open issue across pages by the `Link` header, and GitHub's failures.

use issues::domain::{Issue, IssueState, IssueTracker, NewIssue, TrackerError};
use issues::tracker::GitHubIssues;
use portcullis_runtime as rt;
use rt::testing::{MockVendor, ReceivedRequest, Reply};
use serde_json::{Value, json};

/// The adapter as the desk builds it: the repository and token from configuration.
fn adapter(vendor: &MockVendor) -> GitHubIssues {
    let config = GitHubIssues::config()
        .base_url(vendor.url())
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("ghp_test"),
        })
        .setting_value("owner", "acme")
        .setting_value("repo", "desk");
    GitHubIssues::new(config).expect("config")
}

/// An issue as GitHub answers it: labels as objects, the author under `user`.
fn issue(number: u64, state: &str) -> Value {
    json!({
        "id": 1000 + number,
        "node_id": "I_1",
        "number": number,
        "title": format!("Issue {number}"),
        "body": "Steps to reproduce",
        "state": state,
        "locked": false,
        "labels": [{"id": 1, "name": "bug", "color": "f29513"}, "triage"],
        "user": {"login": "octocat", "id": 1},
        "assignee": null,
        "milestone": null,
        "comments": 0,
        "closed_at": null,
        "created_at": "2026-12-01T10:00:00Z",
        "updated_at": "2026-12-01T10:00:00Z",
        "author_association": "OWNER",
        "html_url": format!("https://github.com/acme/desk/issues/{number}"),
        "url": format!("https://api.github.com/repos/acme/desk/issues/{number}"),
        "repository_url": "https://api.github.com/repos/acme/desk",
        "labels_url": "https://api.github.com/repos/acme/desk/issues/1/labels{/name}",
        "comments_url": "https://api.github.com/repos/acme/desk/issues/1/comments",
        "events_url": "https://api.github.com/repos/acme/desk/issues/1/events",
    })
}

/// Every request GitHub requires, whatever the call.
fn assert_github_headers(r: &ReceivedRequest) {
    assert_eq!(r.header("authorization"), Some("Bearer ghp_test"));
    assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
}

#[tokio::test]
async fn opening_an_issue_posts_its_fields_to_the_configured_repository() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/repos/acme/desk/issues",
        vec![Reply::json(201, issue(7, "open"))],
    );
    let opened = adapter(&vendor)
        .open(NewIssue {
            title: "Checkout fails on Safari".into(),
            body: Some("Steps to reproduce".into()),
            labels: vec!["bug".into()],
        })
        .await
        .expect("opened");
    assert_eq!(
        opened,
        Issue {
            number: 7,
            title: "Issue 7".into(),
            body: Some("Steps to reproduce".into()),
            state: IssueState::Open,
            labels: vec!["bug".into(), "triage".into()],
            author: Some("octocat".into()),
            url: "https://github.com/acme/desk/issues/7".into(),
        }
    );
    let received = vendor.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/repos/acme/desk/issues")
    );
    assert_github_headers(r);
    let body: Value = serde_json::from_slice(&r.body).expect("JSON");
    assert_eq!(
        body,
        json!({"title": "Checkout fails on Safari", "body": "Steps to reproduce", "labels": ["bug"]})
    );
}

#[tokio::test]
async fn an_issue_without_a_body_is_opened_without_one() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/repos/acme/desk/issues",
        vec![Reply::json(201, issue(8, "open"))],
    );
    adapter(&vendor)
        .open(NewIssue {
            title: "Typo".into(),
            body: None,
            labels: vec![],
        })
        .await
        .expect("opened");
    let body: Value = serde_json::from_slice(&vendor.received()[0].body).expect("JSON");
    assert_eq!(body, json!({"title": "Typo", "labels": []}));
}

#[tokio::test]
async fn an_issue_is_read_by_its_number() {
    let vendor = MockVendor::start().await;
    let mut gone_author = issue(1347, "closed");
    gone_author["user"] = Value::Null;
    gone_author["body"] = Value::Null;
    vendor.route(
        "GET",
        "/repos/acme/desk/issues/1347",
        vec![Reply::json(200, gone_author)],
    );
    let got = adapter(&vendor).get(1347).await.expect("issue");
    assert_eq!(got.state, IssueState::Closed);
    assert_eq!(got.author, None, "a deleted account");
    assert_eq!(got.body, None);
    let r = &vendor.received()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/repos/acme/desk/issues/1347")
    );
    assert_github_headers(r);
}

#[tokio::test]
async fn every_open_issue_is_listed_across_pages_by_the_link_header() {
    let vendor = MockVendor::start().await;
    let base = vendor.url();
    vendor.route_fn("GET", "/repos/acme/desk/issues", move |_, _| {
        Reply::json(200, json!([issue(1, "open"), issue(2, "open")])).with_header(
            "Link",
            format!(
                "<{base}/repositories/42/issues?state=open&per_page=100&page=2>; rel=\"next\", \
                 <{base}/repositories/42/issues?state=open&per_page=100&page=3>; rel=\"last\""
            ),
        )
    });
    let base = vendor.url();
    vendor.route_fn("GET", "/repositories/42/issues", move |req, _| {
        let query = req.query.clone().unwrap_or_default();
        if query.ends_with("page=2") {
            Reply::json(200, json!([issue(3, "open"), issue(4, "open")])).with_header(
                "Link",
                format!(
                    "<{base}/repositories/42/issues?state=open&per_page=100&page=3>; rel=\"next\", \
                     <{base}/repositories/42/issues?state=open&per_page=100&page=1>; rel=\"prev\""
                ),
            )
        } else {
            Reply::json(200, json!([issue(5, "open")]))
        }
    });
    let open = adapter(&vendor).open_issues().await.expect("all pages");
    let numbers: Vec<u64> = open.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    let received = vendor.received();
    let asked: Vec<(String, String)> = received
        .iter()
        .map(|r| (r.path.clone(), r.query.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        asked,
        [
            (
                "/repos/acme/desk/issues".to_string(),
                "state=open&per_page=100".to_string()
            ),
            (
                "/repositories/42/issues".to_string(),
                "state=open&per_page=100&page=2".to_string()
            ),
            (
                "/repositories/42/issues".to_string(),
                "state=open&per_page=100&page=3".to_string()
            ),
        ]
    );
    received.iter().for_each(assert_github_headers);
}

/// A repository whose open issues never end: page `n` holds issues `10n+1..=10n+10`
/// and links to page `n+1`.
fn endless_pages(vendor: &MockVendor) {
    let base = vendor.url();
    vendor.route_fn("GET", "/repos/acme/desk/issues", move |req, _| {
        let query = req.query.clone().unwrap_or_default();
        let page: u64 = query
            .rsplit_once("&page=")
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0);
        let items: Vec<Value> = (1..=10).map(|i| issue(page * 10 + i, "open")).collect();
        Reply::json(200, Value::Array(items)).with_header(
            "Link",
            format!(
                "<{base}/repos/acme/desk/issues?state=open&sort=updated&direction=desc&per_page=100&page={}>; rel=\"next\"",
                page + 1
            ),
        )
    });
}

#[tokio::test]
async fn a_stream_reader_that_stops_early_fetches_no_further_page() {
    use futures_util::StreamExt;
    let vendor = MockVendor::start().await;
    endless_pages(&vendor);
    let tracker = adapter(&vendor);
    let mut stream = std::pin::pin!(tracker.recently_updated(1000));
    let mut seen = Vec::new();
    while let Some(issue) = stream.next().await {
        let issue = issue.expect("an issue");
        seen.push(issue.number);
        // The desk stops at the first issue it already knows.
        if issue.number == 14 {
            break;
        }
    }
    assert_eq!(seen, (1..=14).collect::<Vec<_>>());
    let received = vendor.received();
    assert_eq!(received.len(), 2, "two pages read, no third fetched");
    assert_eq!(
        received[0].query.as_deref(),
        Some("state=open&sort=updated&direction=desc&per_page=100")
    );
    received.iter().for_each(assert_github_headers);
}

#[tokio::test]
async fn the_callers_limit_bounds_a_stream_and_its_pages() {
    let vendor = MockVendor::start().await;
    endless_pages(&vendor);
    let tracker = adapter(&vendor);
    let all = rt::paginate::try_collect(tracker.recently_updated(25))
        .await
        .expect("within the limit");
    assert_eq!(
        all.iter().map(|i| i.number).collect::<Vec<_>>(),
        (1..=25).collect::<Vec<_>>(),
        "at_most: 25 items, then the stream ends"
    );
    assert_eq!(vendor.received().len(), 3, "no page past the 25th item");

    // Asked for more than 50 pages hold, the mapping's max_pages ends the stream with
    // an error after its last item, never a silently short list.
    let vendor = MockVendor::start().await;
    endless_pages(&vendor);
    let tracker = adapter(&vendor);
    let err = rt::paginate::try_collect(tracker.recently_updated(10_000))
        .await
        .expect_err("more than 50 pages");
    assert!(
        matches!(err, TrackerError::Config(ref m) if m.contains("max_pages")),
        "{err:?}"
    );
    assert_eq!(vendor.received().len(), 50);
}

#[tokio::test]
async fn asking_for_no_items_sends_nothing() {
    let vendor = MockVendor::start().await;
    endless_pages(&vendor);
    let none = rt::paginate::try_collect(adapter(&vendor).recently_updated(0))
        .await
        .expect("an empty list");
    assert!(none.is_empty());
    assert!(vendor.received().is_empty());
}

#[tokio::test]
async fn a_next_link_that_repeats_ends_the_list_with_a_contract_error() {
    let vendor = MockVendor::start().await;
    let base = vendor.url();
    vendor.route_fn("GET", "/repos/acme/desk/issues", move |_, _| {
        Reply::json(200, json!([issue(1, "open")])).with_header(
            "Link",
            format!("<{base}/repos/acme/desk/issues?state=open&per_page=100&page=2>; rel=\"next\""),
        )
    });
    let err = adapter(&vendor).open_issues().await.expect_err("a loop");
    assert!(matches!(err, TrackerError::Contract(_)), "{err:?}");
    assert!(
        vendor.received().len() <= 3,
        "stopped at once, not after 50 pages"
    );
}

#[tokio::test]
async fn the_page_limit_ends_an_endless_list_with_a_config_error() {
    let vendor = MockVendor::start().await;
    let base = vendor.url();
    vendor.route_fn("GET", "/repos/acme/desk/issues", move |_, n| {
        Reply::json(200, json!([issue(n + 1, "open")])).with_header(
            "Link",
            format!(
                "<{base}/repos/acme/desk/issues?page={}>; rel=\"next\"",
                n + 2
            ),
        )
    });
    let err = adapter(&vendor).open_issues().await.expect_err("too long");
    let TrackerError::Config(message) = err else {
        panic!("a Config error: {err:?}");
    };
    assert!(message.contains("max_pages"), "{message}");
    assert_eq!(vendor.received().len(), 50, "max_pages: 50 in the mapping");
}

#[tokio::test]
async fn closing_an_issue_patches_its_state() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PATCH",
        "/repos/acme/desk/issues/7",
        vec![Reply::json(200, issue(7, "closed"))],
    );
    let closed = adapter(&vendor).close(7).await.expect("closed");
    assert_eq!(closed.state, IssueState::Closed);
    let r = &vendor.received()[0];
    assert_github_headers(r);
    let body: Value = serde_json::from_slice(&r.body).expect("JSON");
    assert_eq!(body, json!({"state": "closed"}));
}

#[tokio::test]
async fn a_missing_issue_is_not_found_with_githubs_message() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/repos/acme/desk/issues/9",
        vec![Reply::json(
            404,
            json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
        )],
    );
    let err = adapter(&vendor).get(9).await.expect_err("missing");
    let TrackerError::NotFound(message) = err else {
        panic!("NotFound: {err:?}");
    };
    assert!(message.contains("Not Found"), "{message}");
    assert_eq!(vendor.received().len(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn refused_credentials_keep_githubs_message() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/repos/acme/desk/issues/9",
        vec![Reply::json(
            401,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
        )],
    );
    let err = adapter(&vendor).get(9).await.expect_err("refused");
    let TrackerError::Unauthorized(message) = err else {
        panic!("Unauthorized: {err:?}");
    };
    assert!(message.contains("Bad credentials"), "{message}");
    assert!(
        !message.contains("ghp_test"),
        "the token never shows: {message}"
    );
}

#[tokio::test]
async fn a_validation_failure_is_rejected_and_not_retried() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/repos/acme/desk/issues",
        vec![Reply::json(
            422,
            json!({"message": "Validation Failed", "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]}),
        )],
    );
    let err = adapter(&vendor)
        .open(NewIssue {
            title: "x".into(),
            body: None,
            labels: vec![],
        })
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, TrackerError::Rejected(m) if m.contains("Validation Failed")),
        "{err:?}"
    );
    assert_eq!(vendor.received().len(), 1);
}

/// GitHub answers an exhausted rate limit with 403 and `x-ratelimit-remaining: 0`; a
/// read waits for the reset and is tried again, an issue is never opened twice.
#[tokio::test]
async fn a_rate_limit_answered_with_403_is_waited_out_for_reads_only() {
    let vendor = MockVendor::start().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let limited = || {
        Reply::json(
            403,
            json!({"message": "API rate limit exceeded for user ID 1."}),
        )
        .with_header("x-ratelimit-limit", "5000")
        .with_header("x-ratelimit-remaining", "0")
        .with_header("x-ratelimit-reset", now.to_string())
    };
    vendor.route(
        "GET",
        "/repos/acme/desk/issues/7",
        vec![limited(), Reply::json(200, issue(7, "open"))],
    );
    vendor.route("POST", "/repos/acme/desk/issues", vec![limited()]);
    let a = adapter(&vendor);
    let got = a.get(7).await.expect("read after the reset");
    assert_eq!(got.number, 7);
    let err = a
        .open(NewIssue {
            title: "x".into(),
            body: None,
            labels: vec![],
        })
        .await
        .expect_err("limited");
    assert!(
        matches!(&err, TrackerError::RateLimited(m) if m.contains("rate limit")),
        "{err:?}"
    );
    let posts = vendor
        .received()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(
        posts, 1,
        "a create without an idempotency key is never retried"
    );
}

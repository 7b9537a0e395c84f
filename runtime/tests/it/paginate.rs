//! Lists against MockVendor: each vendor's pagination style, every page through the
//! pipeline, one budget, and the answers that must not be followed.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use portcullis_runtime as rt;
use rt::paginate::{Next, Page, PageLimits, Paginator};
use rt::testing::{MockVendor, Reply};
use serde::Deserialize;
use serde_json::json;

use super::fast_policy;

fn pipeline(url: &str) -> rt::Pipeline {
    let cfg = rt::AdapterConfig::new("Lister", url)
        .allow_insecure_http(true)
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("tok_secret_1"),
        })
        .header("X-Api-Version", "2022-11-28")
        .defaults(fast_policy());
    rt::Pipeline::new(cfg).expect("valid")
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: String,
}

fn items(ids: &[&str]) -> serde_json::Value {
    json!(ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>())
}

#[tokio::test]
async fn github_link_headers_across_pages_with_a_retry() {
    let vendor = MockVendor::start().await;
    let base = vendor.url();
    let root = base.clone();
    let link = move |page: u32, last: u32| {
        let base = &root;
        format!(
            r#"<{base}/repositories/7/issues?state=open&per_page=2&page={page}>; rel="next", <{base}/repositories/7/issues?state=open&per_page=2&page={last}>; rel="last""#
        )
    };
    vendor.route(
        "GET",
        "/repos/{owner}/{repo}/issues",
        vec![Reply::json(200, items(&["1", "2"])).with_header("Link", link(2, 3))],
    );
    vendor.route_fn("GET", "/repositories/7/issues", move |req, n| {
        match (req.query.as_deref(), n) {
            // Page 2's first attempt fails: the pipeline retries it.
            (_, 0) => Reply::json(503, json!({"message": "try again"})),
            (Some(q), _) if q.ends_with("&page=2") => {
                Reply::json(200, items(&["3", "4"])).with_header("Link", link(3, 3))
            }
            _ => Reply::json(200, items(&["5"])),
        }
    });
    let p = pipeline(&base);
    let op = "list_open_issues";
    let got: Vec<Item> = Paginator::new(&p, op)
        .collect(|page| {
            let first = rt::Request::new(op, rt::Method::GET, "/repos/{owner}/{repo}/issues")
                .path_param("owner", "o")
                .path_param("repo", "r")
                .query("state", "open")
                .query("per_page", 2);
            let req = page.request(first);
            let p = &p;
            async move {
                let resp = p.send(req).await?;
                let items: Vec<Item> = resp.decode_json(op)?;
                Ok(Page::new(items, Next::link(&resp)))
            }
        })
        .await
        .expect("all pages");
    let ids: Vec<&str> = got.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    let sent = vendor.received();
    let targets: Vec<String> = sent
        .iter()
        .map(|r| format!("{}?{}", r.path, r.query.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        targets,
        [
            "/repos/o/r/issues?state=open&per_page=2",
            "/repositories/7/issues?state=open&per_page=2&page=2",
            "/repositories/7/issues?state=open&per_page=2&page=2",
            "/repositories/7/issues?state=open&per_page=2&page=3",
        ]
    );
    for r in &sent {
        assert_eq!(r.header("authorization"), Some("Bearer tok_secret_1"));
        assert_eq!(r.header("x-api-version"), Some("2022-11-28"));
    }
}

#[tokio::test]
async fn stripe_has_more_and_starting_after() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/v1/customers", |req, _| {
        let after = req
            .query
            .as_deref()
            .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("starting_after=")));
        match after {
            None => Reply::json(
                200,
                json!({"object": "list", "data": items(&["cus_1", "cus_2"]), "has_more": true}),
            ),
            Some("cus_2") => Reply::json(
                200,
                json!({"object": "list", "data": items(&["cus_3"]), "has_more": false}),
            ),
            Some(other) => Reply::json(
                400,
                json!({"error": {"message": format!("unexpected cursor {other}")}}),
            ),
        }
    });
    #[derive(Deserialize)]
    struct List {
        data: Vec<Item>,
        has_more: bool,
    }
    let p = pipeline(&vendor.url());
    let op = "list_customers";
    let got: Vec<Item> = Paginator::new(&p, op)
        .collect(|page| {
            let mut first =
                rt::Request::new(op, rt::Method::GET, "/v1/customers").query("limit", 2);
            if let Some(after) = page.cursor() {
                first = first.query("starting_after", after);
            }
            let req = page.request(first);
            let p = &p;
            async move {
                let list: List = p.send(req).await?.decode_json(op)?;
                let last = list.data.last().map(|i| i.id.clone());
                Ok(Page::new(
                    list.data,
                    Next::after_last(list.has_more, last, "$.has_more"),
                ))
            }
        })
        .await
        .expect("two pages");
    assert_eq!(got.len(), 3);
    assert_eq!(
        vendor.received()[1].query.as_deref(),
        Some("limit=2&starting_after=cus_2")
    );
}

/// Twilio: a root-relative `next_page_uri` carrying the account and page token.
async fn twilio(p: &rt::Pipeline) -> Result<Vec<Item>, rt::Error> {
    #[derive(Deserialize)]
    struct List {
        messages: Vec<Item>,
        next_page_uri: Option<String>,
    }
    let op = "list_messages";
    Paginator::new(p, op)
        .collect(|page| {
            let first = rt::Request::new(
                op,
                rt::Method::GET,
                "/2010-04-01/Accounts/{AccountSid}/Messages.json",
            )
            .path_param("AccountSid", "AC1")
            .query("PageSize", 2);
            let req = page.request(first);
            async move {
                let list: List = p.send(req).await?.decode_json(op)?;
                Ok(Page::new(
                    list.messages,
                    Next::url(list.next_page_uri, "$.next_page_uri"),
                ))
            }
        })
        .await
}

#[tokio::test]
async fn twilio_next_page_uri() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/2010-04-01/Accounts/AC1/Messages.json", |req, _| {
        if req.query.as_deref().is_some_and(|q| q.contains("PageToken=PASM2")) {
            Reply::json(200, json!({"messages": items(&["SM3"]), "next_page_uri": null}))
        } else {
            Reply::json(
                200,
                json!({"messages": items(&["SM1", "SM2"]), "next_page_uri": "/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&Page=1&PageToken=PASM2"}),
            )
        }
    });
    let p = pipeline(&vendor.url());
    let got = twilio(&p).await.expect("two pages");
    assert_eq!(got.len(), 3);
    assert_eq!(
        vendor.received()[1].query.as_deref(),
        Some("PageSize=2&Page=1&PageToken=PASM2")
    );
}

#[tokio::test]
async fn a_next_page_on_another_origin_is_refused() {
    let elsewhere = MockVendor::start().await;
    elsewhere.route_fn("GET", "/{any}", |_, _| {
        Reply::json(200, json!({"messages": []}))
    });
    let vendor = MockVendor::start().await;
    let foreign = format!("{}/steal?PageToken=x", elsewhere.url());
    vendor.route(
        "GET",
        "/2010-04-01/Accounts/AC1/Messages.json",
        vec![Reply::json(
            200,
            json!({"messages": items(&["SM1"]), "next_page_uri": foreign}),
        )],
    );
    let p = pipeline(&vendor.url());
    let err = twilio(&p).await.expect_err("refused");
    assert_eq!(err.kind(), rt::ErrorKind::Contract);
    let text = err.to_string();
    assert!(text.contains("$.next_page_uri"), "{text}");
    assert!(text.contains(&elsewhere.url()), "{text}");
    assert!(
        elsewhere.received().is_empty(),
        "no credential left the origin"
    );
}

#[tokio::test]
async fn slack_cursors_end_on_an_empty_string_and_a_repeat_is_an_error() {
    #[derive(Deserialize)]
    struct Meta {
        next_cursor: String,
    }
    #[derive(Deserialize)]
    struct List {
        channels: Vec<Item>,
        response_metadata: Option<Meta>,
    }
    async fn list(p: &rt::Pipeline) -> Result<Vec<Item>, rt::Error> {
        let op = "list_channels";
        Paginator::new(p, op)
            .collect(|page| {
                let mut first = rt::Request::new(op, rt::Method::GET, "/api/conversations.list");
                if let Some(c) = page.cursor() {
                    first = first.query("cursor", c);
                }
                let req = page.request(first);
                async move {
                    let list: List = p.send(req).await?.decode_json(op)?;
                    let next = list.response_metadata.map(|m| m.next_cursor);
                    Ok(Page::new(
                        list.channels,
                        Next::cursor(next, "$.response_metadata.next_cursor"),
                    ))
                }
            })
            .await
    }
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/api/conversations.list",
        vec![
            Reply::json(200, json!({"ok": true, "channels": items(&["C1"]), "response_metadata": {"next_cursor": "dGVhbTpDMDYx"}})),
            Reply::json(200, json!({"ok": true, "channels": items(&["C2"]), "response_metadata": {"next_cursor": ""}})),
        ],
    );
    let p = pipeline(&vendor.url());
    assert_eq!(list(&p).await.expect("two pages").len(), 2);

    let looping = MockVendor::start().await;
    looping.route(
        "GET",
        "/api/conversations.list",
        vec![Reply::json(200, json!({"ok": true, "channels": items(&["C1"]), "response_metadata": {"next_cursor": "dGVhbTpDMDYx"}}))],
    );
    let p = pipeline(&looping.url());
    let err = list(&p).await.expect_err("loops");
    assert_eq!(err.kind(), rt::ErrorKind::Contract);
    assert!(
        err.to_string()
            .contains("repeated the cursor \"dGVhbTpDMDYx\""),
        "{err}"
    );
    assert_eq!(looping.received().len(), 2, "stopped at the first repeat");
}

#[tokio::test]
async fn a_stream_stopped_early_fetches_no_further_page() {
    let vendor = MockVendor::start().await;
    vendor.route_fn("GET", "/items", |req, _| {
        let page: u64 = req
            .query
            .as_deref()
            .and_then(|q| q.strip_prefix("page="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let ids: Vec<String> = (0..10).map(|i| format!("{page}-{i}")).collect();
        Reply::json(
            200,
            json!(ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()),
        )
    });
    let p = pipeline(&vendor.url());
    let op = "list_items";
    let stream = Paginator::new(&p, op)
        .page_numbers(1, Some(10))
        .stream(|page| {
            let req = page.request(
                rt::Request::new(op, rt::Method::GET, "/items")
                    .query("page", page.number().unwrap_or(1)),
            );
            let p = &p;
            async move {
                let items: Vec<Item> = p.send(req).await?.decode_json(op)?;
                Ok(Page::new(items, Next::more()))
            }
        });
    let first: Vec<Item> = stream.take(12).map(|r| r.expect("item")).collect().await;
    assert_eq!(first.len(), 12);
    assert_eq!(first[11].id, "2-1");
    assert_eq!(
        vendor.received().len(),
        2,
        "a third page was never asked for"
    );
}

#[tokio::test]
async fn the_method_has_one_budget() {
    let _serial = super::timing_sensitive().await;
    let vendor = MockVendor::start().await;
    vendor.route(
        "GET",
        "/items",
        vec![
            Reply::json(
                200,
                json!({"items": items(&["a"]), "next": "/items?page=2"}),
            ),
            // Slower than what is left of the method's budget.
            Reply::json(200, json!({"items": [], "next": null}))
                .with_delay(Duration::from_secs(10)),
        ],
    );
    #[derive(Deserialize)]
    struct List {
        items: Vec<Item>,
        next: Option<String>,
    }
    let cfg = rt::AdapterConfig::new("Lister", vendor.url())
        .allow_insecure_http(true)
        .defaults(rt::Policy {
            attempt_timeout: Some(Duration::from_secs(20)),
            budget: Some(Duration::from_secs(20)),
            ..fast_policy()
        });
    let p = rt::Pipeline::new(cfg).expect("valid");
    let op = "list_items";
    let started = Instant::now();
    let err = Paginator::new(&p, op)
        .limits(PageLimits {
            budget: Some(Duration::from_millis(500)),
            ..PageLimits::default()
        })
        .collect(|page| {
            let req = page.request(rt::Request::new(op, rt::Method::GET, "/items"));
            let p = &p;
            async move {
                let list: List = p.send(req).await?.decode_json(op)?;
                Ok(Page::new(list.items, Next::url(list.next, "$.next")))
            }
        })
        .await
        .expect_err("out of budget");
    // The pipeline's own deadline ended the page: a Timeout of the budget.
    assert_eq!(err.kind(), rt::ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("call budget"), "{err}");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the 10 s page was cut at the 0.5 s method budget, took {took:?}"
    );
}

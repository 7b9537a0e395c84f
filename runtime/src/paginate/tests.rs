//! The engine's rules on synthetic pages (no network): limits, loops, counted
//! styles, the budget on a paused clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::StreamExt;

use super::*;
use crate::{AdapterConfig, ErrorKind, Method, Policy, Request};

fn pipeline(budget: Duration) -> Pipeline {
    let cfg = AdapterConfig::new("Lister", "https://api.example.com/v1").defaults(Policy {
        budget: Some(budget),
        ..Policy::default()
    });
    Pipeline::new(cfg).expect("valid")
}

/// A vendor of `total` numbered items, `size` per page, following cursors.
fn cursor_pages(
    total: u32,
    size: u32,
    fetched: Arc<AtomicU32>,
) -> impl FnMut(PageAt) -> std::future::Ready<Result<Page<u32>, Error>> {
    move |at: PageAt| {
        fetched.fetch_add(1, Ordering::SeqCst);
        let start: u32 = at.cursor().map_or(0, |c| c.parse().expect("ours"));
        let end = (start + size).min(total);
        let next = Next::cursor((end < total).then(|| end.to_string()), "$.cursor");
        std::future::ready(Ok(Page::new((start..end).collect(), next)))
    }
}

#[tokio::test]
async fn collects_every_page_in_order() {
    let fetched = Arc::new(AtomicU32::new(0));
    let all = Paginator::new(&pipeline(Duration::from_secs(30)), "list")
        .collect(cursor_pages(25, 10, fetched.clone()))
        .await
        .expect("three pages");
    assert_eq!(all, (0..25).collect::<Vec<_>>());
    assert_eq!(fetched.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn max_items_stops_and_returns_what_was_asked_for() {
    let fetched = Arc::new(AtomicU32::new(0));
    let some = Paginator::new(&pipeline(Duration::from_secs(30)), "list")
        .limits(PageLimits {
            max_items: Some(15),
            ..PageLimits::default()
        })
        .collect(cursor_pages(100, 10, fetched.clone()))
        .await
        .expect("within limits");
    assert_eq!(some, (0..15).collect::<Vec<_>>());
    assert_eq!(
        fetched.load(Ordering::SeqCst),
        2,
        "no page after the last needed"
    );

    let fetched = Arc::new(AtomicU32::new(0));
    let exact = Paginator::new(&pipeline(Duration::from_secs(30)), "list")
        .limits(PageLimits {
            max_items: Some(20),
            ..PageLimits::default()
        })
        .collect(cursor_pages(100, 10, fetched.clone()))
        .await
        .expect("within limits");
    assert_eq!(exact.len(), 20);
    assert_eq!(fetched.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn more_pages_than_max_pages_is_an_error_not_a_short_list() {
    let fetched = Arc::new(AtomicU32::new(0));
    let err = Paginator::new(&pipeline(Duration::from_secs(30)), "list_everything")
        .limits(PageLimits {
            max_pages: 3,
            ..PageLimits::default()
        })
        .collect(cursor_pages(100, 10, fetched.clone()))
        .await
        .expect_err("too long");
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string()
            .contains("list_everything: the list has more than 3 pages (max_pages)"),
        "{err}"
    );
    assert_eq!(
        fetched.load(Ordering::SeqCst),
        3,
        "the fourth page is never fetched"
    );
    // Exactly max_pages pages is fine.
    let all = Paginator::new(&pipeline(Duration::from_secs(30)), "list")
        .limits(PageLimits {
            max_pages: 3,
            ..PageLimits::default()
        })
        .collect(cursor_pages(30, 10, Arc::default()))
        .await
        .expect("three pages");
    assert_eq!(all.len(), 30);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_list() {
    let err = Paginator::new(&pipeline(Duration::from_secs(30)), "list_channels")
        .collect(|at: PageAt| {
            // Page 3 points back at page 2's cursor.
            let next = match at.index() {
                0 => "dXNlcjpVMEc5V0ZYTlo=",
                1 => "dXNlcjpVMEc5V0ZYTlp=",
                _ => "dXNlcjpVMEc5V0ZYTlo=",
            };
            std::future::ready(Ok(Page::new(
                vec![at.index()],
                Next::cursor(Some(next.to_owned()), "$.response_metadata.next_cursor"),
            )))
        })
        .await
        .expect_err("loop");
    assert_eq!(err.kind(), ErrorKind::Contract);
    assert_eq!(
        err.to_string(),
        "list_channels: response does not match the contract at $.response_metadata.next_cursor: \
         the vendor repeated the cursor \"dXNlcjpVMEc5V0ZYTlo=\" (page 3); stopping instead of fetching it again"
    );
}

#[tokio::test]
async fn has_more_without_an_item_cannot_continue() {
    let err = Paginator::new(&pipeline(Duration::from_secs(30)), "list_charges")
        .collect(|_| {
            std::future::ready(Ok(Page::<u32>::new(
                Vec::new(),
                Next::after_last(true, None, "$.has_more"),
            )))
        })
        .await
        .expect_err("stuck");
    assert_eq!(err.kind(), ErrorKind::Contract);
    assert!(
        err.to_string()
            .contains("but the page has no item id to continue after"),
        "{err}"
    );
}

#[tokio::test]
async fn page_numbers_stop_on_an_empty_or_short_page_or_the_total() {
    let numbered = |total: u64, size: u64| {
        move |at: PageAt| {
            let n = at.number().expect("numbered");
            let start = (n - 1) * size;
            let items: Vec<u64> = (start..(start + size).min(total)).collect();
            std::future::ready(Ok(Page::new(items, Next::more())))
        }
    };
    let p = pipeline(Duration::from_secs(30));
    // Empty page: 20 items in pages of 10, no size known: three requests.
    let all = Paginator::new(&p, "list")
        .page_numbers(1, None)
        .collect(numbered(20, 10))
        .await
        .expect("ok");
    assert_eq!(all.len(), 20);
    // Short page: 25 items, size known: stops after page 3 (5 items).
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let inner = numbered(25, 10);
    let all = Paginator::new(&p, "list")
        .page_numbers(1, Some(10))
        .collect(move |at| {
            c.fetch_add(1, Ordering::SeqCst);
            inner(at)
        })
        .await
        .expect("ok");
    assert_eq!((all.len(), calls.load(Ordering::SeqCst)), (25, 3));
    // Total: 20 items, size unknown: stops after page 2 without an empty page.
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let all = Paginator::new(&p, "list")
        .offsets(None)
        .collect(move |at: PageAt| {
            c.fetch_add(1, Ordering::SeqCst);
            let start = at.offset().expect("offsets");
            let items: Vec<u64> = (start..(start + 10).min(20)).collect();
            std::future::ready(Ok(Page::new(items, Next::total(20))))
        })
        .await
        .expect("ok");
    assert_eq!(all, (0..20).collect::<Vec<_>>());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // `more` without a counting style is a mistake of the generated code.
    let err = Paginator::new(&p, "list")
        .collect(|_| std::future::ready(Ok(Page::new(vec![1], Next::more()))))
        .await
        .expect_err("no style");
    assert_eq!(err.kind(), ErrorKind::Config);
}

/// Jira answers `maxResults=100` with pages of 50 and says `total`: a page shorter than
/// the size asked for does not end a list whose total is not reached (it would be
/// shortened without a word); offsets advance by what each page held.
#[tokio::test]
async fn a_stated_total_outlasts_pages_shorter_than_asked() {
    let p = pipeline(Duration::from_secs(30));
    let offsets = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = offsets.clone();
    let all = Paginator::new(&p, "search")
        .offsets(Some(100))
        .collect(move |at: PageAt| {
            let start = at.offset().expect("offsets");
            seen.lock().expect("lock").push(start);
            let items: Vec<u64> = (start..(start + 2).min(5)).collect();
            std::future::ready(Ok(Page::new(items, Next::total(5))))
        })
        .await
        .expect("ok");
    assert_eq!(all, (0..5).collect::<Vec<_>>());
    assert_eq!(*offsets.lock().expect("lock"), [0, 2, 4]);
    // Page numbers likewise: the vendor's pages of 2 are numbered as it counts them.
    let all = Paginator::new(&p, "search")
        .page_numbers(1, Some(100))
        .collect(|at: PageAt| {
            let n = at.number().expect("numbered");
            let start = (n - 1) * 2;
            let items: Vec<u64> = (start..(start + 2).min(5)).collect();
            std::future::ready(Ok(Page::new(items, Next::total(5))))
        })
        .await
        .expect("ok");
    assert_eq!(all.len(), 5);
}

#[tokio::test(start_paused = true)]
async fn one_budget_for_every_page() {
    let p = pipeline(Duration::from_secs(10));
    let started = tokio::time::Instant::now();
    let deadlines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = deadlines.clone();
    let err = Paginator::new(&p, "list_slowly")
        .collect(move |at: PageAt| {
            seen.lock().expect("lock").push(at.deadline());
            let req = at.request(Request::new("list_slowly", Method::GET, "/things"));
            async move {
                assert_eq!(
                    req.deadline_at(),
                    at.deadline(),
                    "the page's request carries it"
                );
                tokio::time::sleep(Duration::from_secs(4)).await;
                Ok(Page::new(
                    vec![at.index()],
                    Next::cursor(Some(format!("c{}", at.index())), "$.c"),
                ))
            }
        })
        .await
        .expect_err("out of budget");
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(
        tokio::time::Instant::now() - started,
        Duration::from_secs(10),
        "the third page is cut at the method's deadline"
    );
    let deadlines = deadlines.lock().expect("lock");
    assert_eq!(deadlines.len(), 3);
    assert!(
        deadlines
            .iter()
            .all(|d| *d == Some(started + Duration::from_secs(10)))
    );
}

/// A stream's reader may take its time between items: the budget is the vendor's
/// (time spent fetching pages), not the reader's. A reader that dawdles 2 s per item
/// over a 10 s budget still reads every page; pages that take 4 s each still run out.
#[tokio::test(start_paused = true)]
async fn a_streams_budget_counts_the_vendors_time_not_the_readers() {
    let p = pipeline(Duration::from_secs(10));
    let fast = |at: PageAt| async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let i = at.index();
        Ok(Page::new(
            vec![i],
            Next::cursor((i < 19).then(|| format!("c{i}")), "$.c"),
        ))
    };
    let started = tokio::time::Instant::now();
    let mut stream = std::pin::pin!(Paginator::new(&p, "list_commits").stream(fast));
    let mut read = Vec::new();
    while let Some(item) = stream.next().await {
        read.push(item.expect("the vendor answered within the budget"));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    assert_eq!(read, (0..20).collect::<Vec<_>>());
    assert!(tokio::time::Instant::now() - started >= Duration::from_secs(40));

    let slow = |at: PageAt| async move {
        tokio::time::sleep(Duration::from_secs(4)).await;
        Ok(Page::new(
            vec![at.index()],
            Next::cursor(Some(format!("c{}", at.index())), "$.c"),
        ))
    };
    let items: Vec<Result<u32, Error>> = Paginator::new(&p, "list_commits")
        .stream(slow)
        .collect()
        .await;
    assert_eq!(items.len(), 3, "two pages, then the budget: {items:?}");
    assert!(matches!(&items[2], Err(e) if e.kind() == ErrorKind::Timeout));
}

#[tokio::test]
async fn a_stream_fetches_only_what_is_read() {
    let fetched = Arc::new(AtomicU32::new(0));
    let stream = Paginator::new(&pipeline(Duration::from_secs(30)), "list").stream(cursor_pages(
        1000,
        10,
        fetched.clone(),
    ));
    let first: Vec<u32> = stream.take(15).map(|r| r.expect("item")).collect().await;
    assert_eq!(first, (0..15).collect::<Vec<_>>());
    assert_eq!(fetched.load(Ordering::SeqCst), 2);

    let all: Vec<Result<u32, Error>> = Paginator::new(&pipeline(Duration::from_secs(30)), "list")
        .limits(PageLimits {
            max_pages: 2,
            ..PageLimits::default()
        })
        .stream(cursor_pages(100, 10, Arc::default()))
        .collect()
        .await;
    assert_eq!(all.len(), 21, "two pages, then the error");
    assert!(all[..20].iter().all(Result::is_ok));
    assert_eq!(
        all[20].as_ref().map_err(Error::kind).err(),
        Some(ErrorKind::Config)
    );
}

#[tokio::test]
async fn a_refused_first_request_is_the_streams_one_error_and_nothing_is_fetched() {
    type Fetch = fn(PageAt) -> std::future::Ready<Result<Page<u32>, Error>>;
    let refused: Result<Fetch, Error> = Err(Error::config("the setting LISTER_ACCOUNT is not set"));
    let all: Vec<Result<u32, Error>> = Paginator::new(&pipeline(Duration::from_secs(30)), "list")
        .try_stream(refused)
        .collect()
        .await;
    assert_eq!(all.len(), 1, "the error, then the end");
    assert_eq!(
        all[0].as_ref().map_err(Error::kind).err(),
        Some(ErrorKind::Config)
    );

    let fetched = Arc::new(AtomicU32::new(0));
    let mapped = try_collect(map_errors(
        Paginator::new(&pipeline(Duration::from_secs(30)), "list").stream(cursor_pages(
            25,
            10,
            fetched.clone(),
        )),
        |e| e.kind(),
    ))
    .await;
    assert_eq!(mapped, Ok((0..25).collect::<Vec<_>>()));
    assert_eq!(fetched.load(Ordering::SeqCst), 3);
}

/// Generated port methods are `Send` futures and streams: so must these be, for a
/// fetch that sends through the pipeline. (Compiled, not run.)
#[allow(dead_code)]
fn lists_are_send(p: &Pipeline) {
    fn send<T: Send>(_: T) {}
    let fetch = |page: PageAt| {
        let req = page.request(Request::new("list", Method::GET, "/things"));
        async move {
            let resp = p.send(req).await?;
            let items: Vec<String> = resp.decode_json("list")?;
            Ok(Page::new(items, Next::link(&resp)))
        }
    };
    send(Paginator::new(p, "list").collect(fetch));
    send(Paginator::new(p, "list").stream(fetch));
    send(Paginator::new(p, "list").try_stream(Ok(fetch)));
    send(map_errors(Paginator::new(p, "list").stream(fetch), |e| {
        e.kind()
    }));
}

/// Gitea caps its pages below the `limit` asked for and says how many there are in
/// headers only: a short page then does not end the list. 45 issues, 50 asked for,
/// 30 served per page.
#[tokio::test]
async fn a_capped_page_goes_on_when_the_headers_say_there_is_more() {
    let served = |headers: fn(u64) -> http::HeaderMap| {
        move |at: PageAt| {
            let n = at.number().expect("numbered");
            let start = (n - 1) * 30;
            let items: Vec<u64> = (start..(start + 30).min(45)).collect();
            let resp = crate::Response::new(200, headers(n), bytes::Bytes::new());
            std::future::ready(Ok(Page::new(items, Next::counted(&resp))))
        }
    };
    let p = pipeline(Duration::from_secs(30));
    let total = |_: u64| {
        let mut h = http::HeaderMap::new();
        h.insert("x-total-count", http::HeaderValue::from_static("45"));
        h
    };
    let all = Paginator::new(&p, "list")
        .page_numbers(1, Some(50))
        .collect(served(total))
        .await
        .expect("ok");
    assert_eq!(all, (0..45).collect::<Vec<_>>());
    let linked = |n: u64| {
        let mut h = http::HeaderMap::new();
        if n == 1 {
            h.insert(
                http::header::LINK,
                http::HeaderValue::from_static("<https://git.example/issues?page=2>; rel=\"next\""),
            );
        }
        h
    };
    let all = Paginator::new(&p, "list")
        .page_numbers(1, Some(50))
        .collect(served(linked))
        .await
        .expect("ok");
    assert_eq!(
        all.len(),
        45,
        "page 2 is asked for, and ends the list by its size"
    );
    // Without either header, a short page is the last: what the body alone says.
    let all = Paginator::new(&p, "list")
        .page_numbers(1, Some(50))
        .collect(served(|_| http::HeaderMap::new()))
        .await
        .expect("ok");
    assert_eq!(all.len(), 30);
}

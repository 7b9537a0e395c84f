//! The mock vendor server: routes, recording, the ledger.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::http1::{self, RawRequest};
use super::ledger::{Ledger, LedgerEntry};
use super::rate::{self, TokenBucket};
use super::reply::{Fault, Reply};

/// A request the mock vendor received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// Method, upper-case.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The raw query string (after `?`), if any.
    pub query: Option<String>,
    /// Headers, names lower-case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A top-level field of a form-encoded or JSON body.
    pub fn body_field(&self, name: &str) -> Option<String> {
        http1::body_field(&self.body, name)
    }

    /// The idempotency key: the `Idempotency-Key` header, else an `idempotency_key`
    /// body field (Square's style).
    pub fn idempotency_key(&self) -> Option<String> {
        self.header("idempotency-key")
            .map(str::to_owned)
            .or_else(|| self.body_field("idempotency_key"))
    }
}

type ReplyFn = dyn Fn(&ReceivedRequest, u64) -> Reply + Send + Sync;

enum Responder {
    Script(Vec<Reply>),
    Fn(Arc<ReplyFn>),
}

struct Route {
    method: String,
    pattern: String,
    segments: Vec<Segment>,
    responder: Responder,
    calls: u64,
}

impl Route {
    fn matches(&self, method: &str, path: &str) -> bool {
        if !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        parts.len() == self.segments.len()
            && self
                .segments
                .iter()
                .zip(&parts)
                .all(|(seg, part)| seg.matches(part))
    }
}

/// One segment of a route's path pattern: a literal, or a `{param}` with the literal
/// text around it in the segment (`{Sid}.json`, `v{version}`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param { prefix: String, suffix: String },
}

impl Segment {
    fn matches(&self, part: &str) -> bool {
        match self {
            Segment::Literal(lit) => lit == part,
            Segment::Param { prefix, suffix } => {
                part.len() > prefix.len() + suffix.len()
                    && part.starts_with(prefix.as_str())
                    && part.ends_with(suffix.as_str())
            }
        }
    }
}

fn parse_pattern(pattern: &str) -> Vec<Segment> {
    pattern
        .trim_start_matches('/')
        .split('/')
        .map(|s| match (s.find('{'), s.rfind('}')) {
            (Some(open), Some(close)) if open < close => Segment::Param {
                prefix: s[..open].to_owned(),
                suffix: s[close + 1..].to_owned(),
            },
            _ => Segment::Literal(s.to_owned()),
        })
        .collect()
}

#[derive(Default)]
struct State {
    routes: Mutex<Vec<Route>>,
    received: Mutex<Vec<ReceivedRequest>>,
    ledger: Mutex<Vec<LedgerEntry>>,
    not_recording: AtomicBool,
    /// The vendor's own rate limit, when [`MockVendor::limit_rate`] set one.
    rate: Mutex<Option<TokenBucket>>,
    /// 429s the rate limit sent.
    rate_limited: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fault-injecting vendor on `127.0.0.1` (see the [module docs](super)).
///
/// The server stops when the `MockVendor` is dropped.
pub struct MockVendor {
    addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl fmt::Debug for MockVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockVendor")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockVendor {
    /// Starts a vendor on `127.0.0.1` with an ephemeral port.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound; use [`MockVendor::try_start`] to handle that.
    pub async fn start() -> MockVendor {
        match Self::try_start().await {
            Ok(v) => v,
            Err(e) => panic!("MockVendor: cannot bind 127.0.0.1:0: {e}"),
        }
    }

    /// Starts a vendor on `127.0.0.1` with an ephemeral port.
    pub async fn try_start() -> io::Result<MockVendor> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let accept_state = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = accept_state.clone();
                tokio::spawn(async move {
                    // A connection error is the client's doing (or our injected fault).
                    let _ = serve(stream, state).await;
                });
            }
        });
        Ok(MockVendor {
            addr,
            state,
            accept,
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers `method path` with `replies` in order; the last one repeats. `path`
    /// may hold `{param}` placeholders, each matching the non-empty rest of one segment
    /// (`/Messages/{Sid}.json` matches `/Messages/SM1.json`). Routing
    /// the same method and pattern again replaces the script.
    pub fn route(&self, method: &str, path: &str, replies: Vec<Reply>) {
        let replies = if replies.is_empty() {
            vec![Reply::json(
                500,
                serde_json::json!({"error": "route scripted with no replies"}),
            )]
        } else {
            replies
        };
        self.add_route(method, path, Responder::Script(replies));
    }

    /// Answers `method path` with whatever `reply` returns for the request and its
    /// 0-based index among this route's requests (for random faults, outages).
    pub fn route_fn(
        &self,
        method: &str,
        path: &str,
        reply: impl Fn(&ReceivedRequest, u64) -> Reply + Send + Sync + 'static,
    ) {
        self.add_route(method, path, Responder::Fn(Arc::new(reply)));
    }

    fn add_route(&self, method: &str, path: &str, responder: Responder) {
        let mut routes = lock(&self.state.routes);
        let route = Route {
            method: method.to_ascii_uppercase(),
            pattern: path.to_owned(),
            segments: parse_pattern(path),
            responder,
            calls: 0,
        };
        match routes
            .iter_mut()
            .find(|r| r.method == route.method && r.pattern == route.pattern)
        {
            Some(existing) => *existing = route,
            None => routes.push(route),
        }
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        lock(&self.state.received).clone()
    }

    /// Stops (or resumes) recording requests, for load runs where the list would
    /// only cost memory and lock time.
    pub fn set_recording(&self, on: bool) {
        self.state.not_recording.store(!on, Ordering::Relaxed);
    }

    /// Enforces a rate, as a real vendor does: a token bucket holding up to `burst`
    /// tokens (full at first), refilled at `requests` per `per`, shared by every route
    /// and connection of this vendor. Calling it again replaces the bucket with a full
    /// one; zeros are raised to one request, one token and one nanosecond.
    ///
    /// Each request takes a token on arrival. One that finds none is answered `429`
    /// with `Retry-After` (whole seconds until the next token, rounded up, at least 1)
    /// and never reaches its route: no script advances, no closure runs, nothing is
    /// added to the [`ledger`](Self::ledger). It is still in
    /// [`received`](Self::received) (unless recording is off) and counted by
    /// [`rate_limited`](Self::rate_limited).
    ///
    /// Every response, 200s included, then carries the bucket's state as most vendors
    /// report theirs, replacing any such header a route scripted:
    /// `X-RateLimit-Limit` (the capacity, `burst`), `X-RateLimit-Remaining` (whole
    /// tokens left) and `X-RateLimit-Reset` (seconds until the bucket is full, rounded
    /// up; 0 when it is).
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use std::time::Duration;
    /// use portcullis_runtime::testing::MockVendor;
    ///
    /// let vendor = MockVendor::start().await;
    /// // 5 a second, at most 5 back to back.
    /// vendor.limit_rate(5, Duration::from_secs(1), 5);
    /// # }
    /// ```
    pub fn limit_rate(&self, requests: u64, per: Duration, burst: u64) {
        let bucket = TokenBucket::new(requests, per, burst, tokio::time::Instant::now());
        *lock(&self.state.rate) = Some(bucket);
    }

    /// How many requests the [`limit_rate`](Self::limit_rate) bucket refused with a 429
    /// (scripted 429s are not counted).
    pub fn rate_limited(&self) -> usize {
        self.state.rate_limited.load(Ordering::Relaxed)
    }

    /// The side effects applied so far.
    pub fn ledger(&self) -> Ledger {
        Ledger {
            entries: lock(&self.state.ledger).clone(),
        }
    }
}

impl Drop for MockVendor {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) -> io::Result<()> {
    let mut buf = Vec::new();
    while let Some(raw) = http1::read_request(&mut stream, &mut buf).await? {
        let close = raw
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let req = received(raw);
        let reply = limited_answer(&state, &req);
        if !state.not_recording.load(Ordering::Relaxed) {
            lock(&state.received).push(req);
        }
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        match reply.fault {
            Fault::Reset => {
                // SO_LINGER 0 makes close send RST, which is what a crashed vendor does.
                let _ = stream.set_zero_linger();
                return Ok(());
            }
            Fault::Truncated => {
                stream
                    .write_all(&http1::response_head(
                        reply.status,
                        &reply.headers,
                        reply.body.len(),
                    ))
                    .await?;
                stream
                    .write_all(&reply.body[..reply.body.len() / 2])
                    .await?;
                stream.flush().await?;
                let _ = stream.set_zero_linger();
                return Ok(());
            }
            Fault::None => {
                let mut out = http1::response_head(reply.status, &reply.headers, reply.body.len());
                out.extend_from_slice(&reply.body);
                stream.write_all(&out).await?;
            }
        }
        if close {
            return Ok(());
        }
    }
    Ok(())
}

fn received(raw: RawRequest) -> ReceivedRequest {
    let (path, query) = match raw.target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (raw.target, None),
    };
    ReceivedRequest {
        method: raw.method,
        path,
        query,
        headers: raw.headers,
        body: raw.body,
    }
}

/// Answers through the vendor's rate limit, when it has one: a request without a
/// token gets a 429 and never reaches [`answer`]; every answer reports the bucket.
fn limited_answer(state: &State, req: &ReceivedRequest) -> Reply {
    let taken = lock(&state.rate)
        .as_mut()
        .map(|b| (b.capacity, b.take(tokio::time::Instant::now())));
    let Some((capacity, taken)) = taken else {
        return answer(state, req);
    };
    let reply = if taken.allowed {
        answer(state, req)
    } else {
        state.rate_limited.fetch_add(1, Ordering::Relaxed);
        Reply::json(
            429,
            serde_json::json!({"error": {
                "type": "rate_limit_error",
                "message": "MockVendor: too many requests",
            }}),
        )
        .with_header(
            "retry-after",
            rate::ceil_secs(taken.next_in).max(1).to_string(),
        )
    };
    let mut reply = reply;
    reply.headers.retain(|(n, _)| {
        !matches!(
            n.as_str(),
            "x-ratelimit-limit" | "x-ratelimit-remaining" | "x-ratelimit-reset"
        )
    });
    reply
        .with_header("x-ratelimit-limit", capacity.to_string())
        .with_header("x-ratelimit-remaining", taken.remaining.to_string())
        .with_header(
            "x-ratelimit-reset",
            rate::ceil_secs(taken.full_in).to_string(),
        )
}

/// Picks the scripted reply and applies its side effect, replaying an earlier effect
/// for a key already seen, as Stripe does.
fn answer(state: &State, req: &ReceivedRequest) -> Reply {
    let scripted = {
        let mut routes = lock(&state.routes);
        let Some(route) = routes
            .iter_mut()
            .find(|r| r.matches(&req.method, &req.path))
        else {
            return Reply::json(
                404,
                serde_json::json!({"error": {
                    "type": "invalid_request_error",
                    "message": format!("MockVendor: no route for {} {}", req.method, req.path),
                }}),
            );
        };
        let n = route.calls;
        route.calls += 1;
        match &route.responder {
            Responder::Script(replies) => {
                let i = usize::try_from(n)
                    .unwrap_or(usize::MAX)
                    .min(replies.len() - 1);
                replies[i].clone()
            }
            Responder::Fn(f) => {
                let f = f.clone();
                // Run the closure without the routes lock so it may inspect the vendor.
                drop(routes);
                f(req, n)
            }
        }
    };
    if !scripted.applies_effect(&req.method) {
        return scripted;
    }
    let key = req.idempotency_key();
    let mut ledger = lock(&state.ledger);
    if let Some(k) = &key {
        if let Some(entry) = ledger
            .iter_mut()
            .find(|e| e.key.as_deref() == Some(k.as_str()))
        {
            if std::time::Instant::now() < entry.ready_at {
                // The original is still being processed (its reply is delayed): answer
                // as Stripe and the IETF Idempotency-Key draft do.
                entry.conflicts += 1;
                return Reply::json(
                    409,
                    serde_json::json!({"error": {
                        "type": "idempotency_error",
                        "code": "idempotency_key_in_use",
                        "message": "a request with this idempotency key is still in progress",
                    }}),
                );
            }
            entry.replays += 1;
            // Answered from the record: the scripted fault still applies (the network
            // is as bad as before), the scripted processing delay does not.
            return Reply {
                status: entry.status,
                body: entry.response.clone(),
                delay: std::time::Duration::ZERO,
                ..scripted
            }
            .with_header("idempotent-replayed", "true");
        }
    }
    ledger.push(LedgerEntry {
        key,
        method: req.method.clone(),
        path: req.path.clone(),
        body: req.body.clone(),
        status: scripted.status,
        replays: 0,
        conflicts: 0,
        response: scripted.body.clone(),
        ready_at: {
            let now = std::time::Instant::now();
            now.checked_add(scripted.delay).unwrap_or(now)
        },
    });
    scripted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::{RateLimitInfo, ResetStyle};

    #[test]
    fn a_placeholder_matches_the_rest_of_its_segment_around_literal_text() {
        let route = |pattern: &str| Route {
            method: "GET".into(),
            pattern: pattern.into(),
            segments: parse_pattern(pattern),
            responder: Responder::Script(Vec::new()),
            calls: 0,
        };
        let twilio = route("/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json");
        assert!(twilio.matches("GET", "/2010-04-01/Accounts/AC1/Messages/SM1.json"));
        assert!(!twilio.matches("GET", "/2010-04-01/Accounts/AC1/Messages/.json"));
        assert!(!twilio.matches("GET", "/2010-04-01/Accounts/AC1/Messages/SM1.xml"));
        assert!(!twilio.matches("GET", "/2010-04-01/Accounts/AC1/Messages.json"));
        let plain = route("/issues/{number}");
        assert!(plain.matches("GET", "/issues/42"));
        assert!(!plain.matches("GET", "/issues/"));
        assert!(!plain.matches("POST", "/issues/42"));
    }

    fn number(resp: &reqwest::Response, name: &str) -> Option<u64> {
        resp.headers().get(name)?.to_str().ok()?.parse().ok()
    }

    #[tokio::test]
    async fn limit_rate_refuses_requests_without_a_token() {
        let vendor = MockVendor::start().await;
        // The route says which of its own calls this is: refused requests never count.
        vendor.route_fn("POST", "/v1/charges", |_, n| {
            Reply::json(201, serde_json::json!({ "call": n }))
                .with_header("x-ratelimit-remaining", "999")
        });
        // 5 per 10 s, burst 5: a token every 2 s, so 20 back-to-back requests on
        // loopback see no refill however slow the machine is.
        vendor.limit_rate(5, Duration::from_secs(10), 5);
        let client = reqwest::Client::new();
        let post = |i: u64| {
            client
                .post(format!("{}/v1/charges", vendor.url()))
                .header("idempotency-key", format!("key-{i}"))
                .body("amount=100")
                .send()
        };
        let (mut ok, mut limited) = (0, 0);
        for i in 0..20 {
            let resp = post(i).await.expect("send");
            assert_eq!(number(&resp, "x-ratelimit-limit"), Some(5));
            let reset = number(&resp, "x-ratelimit-reset").expect("reset");
            assert!((1..=10).contains(&reset), "reset {reset}");
            let info = RateLimitInfo::parse(
                resp.headers(),
                std::time::SystemTime::now(),
                ResetStyle::DeltaSeconds,
            );
            match resp.status().as_u16() {
                201 => {
                    ok += 1;
                    // The bucket's header replaces the route's.
                    assert_eq!(number(&resp, "x-ratelimit-remaining"), Some(4 - i));
                    assert!(resp.headers().get("retry-after").is_none());
                    let body: serde_json::Value =
                        serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
                    assert_eq!(body["call"], i);
                }
                429 => {
                    limited += 1;
                    assert_eq!(number(&resp, "x-ratelimit-remaining"), Some(0));
                    let wait = number(&resp, "retry-after").expect("retry-after");
                    assert!((1..=2).contains(&wait), "retry-after {wait}");
                    assert!(info.exhausted());
                    assert_eq!(info.retry_after, Some(Duration::from_secs(wait)));
                }
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!((ok, limited), (5, 15));
        assert_eq!(vendor.rate_limited(), 15);
        assert_eq!(vendor.received().len(), 20, "refused requests are recorded");
        assert_eq!(vendor.ledger().len(), 5, "refused requests have no effect");

        // One token drips in every 2 s.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let resp = post(20).await.expect("send");
        assert_eq!(resp.status().as_u16(), 201);
        assert_eq!(number(&resp, "x-ratelimit-remaining"), Some(0));
        let body: serde_json::Value =
            serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
        assert_eq!(body["call"], 5);
        assert_eq!(post(21).await.expect("send").status().as_u16(), 429);
        assert_eq!(vendor.rate_limited(), 16);
        assert_eq!(vendor.ledger().len(), 6);
    }

    #[tokio::test]
    async fn without_a_rate_limit_no_headers_are_added() {
        let vendor = MockVendor::start().await;
        vendor.route("GET", "/v1/ping", vec![Reply::text(200, "pong")]);
        let resp = reqwest::get(format!("{}/v1/ping", vendor.url()))
            .await
            .expect("send");
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.headers().get("x-ratelimit-limit").is_none());
        assert_eq!(vendor.rate_limited(), 0);
    }
}

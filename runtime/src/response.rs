//! A final vendor response, fully read, and what it means: decoded against the
//! contract ([`Response::decode_json`]) or classified into the error taxonomy
//! ([`Error::from_vendor_response`]).
//!
//! The classification sits here rather than in `error.rs` so that the taxonomy does
//! not depend on the response type: `error.rs` imports nothing from this file.
//!
//! A response the pipeline returns also carries its call's `PendingCount`: the call is
//! counted in the metrics only once the adapter is done with the response, because
//! only decoding it tells a good answer from one that no longer matches the spec
//! (counted as `contract`, not `ok`). Who counts is a `CallCounter`: the operation's
//! observer, which this file does not know.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde::de::DeserializeOwned;
use tracing::Span;

use crate::error::{Error, ErrorKind, LimitedBy};
use crate::fallback::Degraded;
use crate::observe::CorrelationId;
use crate::retry::retry_after;
use crate::strict_json::Strict;

/// The final HTTP exchange of a call (after retries), body fully read.
#[derive(Clone)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    attempts: u32,
    /// What few calls have: boxed, so the response every call moves through the
    /// pipeline's layers stays small.
    rare: Option<Box<Rare>>,
    /// Counts the call in the metrics when the adapter is done with the response.
    count: CountSlot,
}

#[derive(Clone, Default)]
struct Rare {
    earlier_unknown: bool,
    /// Set when a fallback answered instead of the vendor.
    degraded: Option<Degraded>,
    /// Age of a response served fresh from the fallback cache.
    cached_age: Option<Duration>,
    /// Time the call waited for rate-limit slots.
    rate_wait: Duration,
}

impl Response {
    /// A response (for cassettes and tests; the pipeline builds its own).
    pub fn new(status: u16, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
            attempts: 1,
            rare: None,
            count: CountSlot(None),
        }
    }

    /// Defers counting the call to when the adapter drops this response.
    pub(crate) fn with_count(mut self, count: PendingCount) -> Self {
        self.count = CountSlot(Some(Box::new(count)));
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    pub(crate) fn with_earlier_unknown(mut self, unknown: bool) -> Self {
        if unknown {
            self.rare_mut().earlier_unknown = true;
        }
        self
    }

    /// Marks a response served from the fallback cache with the age of its data.
    pub(crate) fn with_cached_age(mut self, age: Duration) -> Self {
        self.rare_mut().cached_age = Some(age);
        self
    }

    pub(crate) fn with_rate_wait(mut self, wait: Duration) -> Self {
        if !wait.is_zero() {
            self.rare_mut().rate_wait = wait;
        }
        self
    }

    /// How long the call waited for the client-side rate limiter, over all attempts
    /// (zero when it never had to wait).
    pub fn rate_limit_wait(&self) -> Duration {
        self.rare.as_ref().map_or(Duration::ZERO, |r| r.rate_wait)
    }

    pub(crate) fn with_degraded(mut self, degraded: Degraded) -> Self {
        self.rare_mut().degraded = Some(degraded);
        self
    }

    /// Set when this is not the vendor's answer to this call but a fallback's: a stale
    /// cached response or the mapping's static default, standing in for the failure
    /// it names. Generated adapters copy it into the domain's marker field.
    pub fn degraded(&self) -> Option<&Degraded> {
        self.rare.as_ref().and_then(|r| r.degraded.as_ref())
    }

    /// The age of the data when the response came from the fallback cache (fresh or
    /// stale), `None` when the vendor just sent it.
    pub fn cached_age(&self) -> Option<Duration> {
        self.rare.as_ref().and_then(|r| r.cached_age)
    }

    /// Whether an earlier attempt of this call may have been applied without its answer
    /// being seen (it timed out or its connection broke). A non-2xx final answer then
    /// does not prove the call had no effect: the pipeline keeps its idempotency key
    /// in the store so the caller's replay reuses it.
    pub fn earlier_attempt_unknown(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| r.earlier_unknown)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// How many attempts the call took.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The text at `path` of a JSON body, for error bodies the spec does not describe
    /// (Twilio's `{"code": 21211, "message": "…"}`): a string as it is, a number or a
    /// boolean as written, a list of them joined with `; ` (Jira's `errorMessages`);
    /// `None` when the body is not JSON or has nothing there. A segment that is a
    /// number indexes a list.
    ///
    /// ```
    /// use portcullis_runtime::Response;
    ///
    /// let r = Response::new(400, Default::default(), r#"{"code":21211,"errors":[{"message":"bad"}]}"#);
    /// assert_eq!(r.json_text(&["code"]).as_deref(), Some("21211"));
    /// assert_eq!(r.json_text(&["errors", "0", "message"]).as_deref(), Some("bad"));
    /// assert_eq!(r.json_text(&["detail"]), None);
    /// let jira = Response::new(400, Default::default(), r#"{"errorMessages":["no project","no type"]}"#);
    /// assert_eq!(jira.json_text(&["errorMessages"]).as_deref(), Some("no project; no type"));
    /// ```
    pub fn json_text(&self, path: &[&str]) -> Option<String> {
        let json: serde_json::Value = serde_json::from_slice(without_bom(&self.body)).ok()?;
        let mut at = &json;
        for seg in path {
            at = match (at, seg.parse::<usize>()) {
                (serde_json::Value::Array(items), Ok(i)) => items.get(i)?,
                (serde_json::Value::Object(fields), _) => fields.get(*seg)?,
                _ => return None,
            };
        }
        fn scalar(v: &serde_json::Value) -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        match at {
            serde_json::Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(scalar)
                .collect::<Option<Vec<_>>>()
                .map(|texts| texts.join("; ")),
            other => scalar(other),
        }
    }

    /// What the status (and, for a 403, the rate-limit headers) says the answer is,
    /// before the adapter reads the body: `None` for a success.
    pub(crate) fn status_kind(&self) -> Option<ErrorKind> {
        match self.status {
            200..=299 => None,
            429 => Some(ErrorKind::RateLimited),
            // GitHub throttles with 403: "remaining 0" for the primary limit, a
            // `Retry-After` for its secondary (abuse) limit while remaining is still high.
            403 if retry_after::rate_limit_exhausted(&self.headers)
                || self.headers.contains_key(http::header::RETRY_AFTER) =>
            {
                Some(ErrorKind::RateLimited)
            }
            401 | 403 => Some(ErrorKind::Auth),
            _ => Some(ErrorKind::Vendor),
        }
    }

    /// Decodes the body as JSON into `T`.
    ///
    /// A body that is not JSON, or not the shape `T` expects, is an [`Error::Contract`]
    /// naming `operation` and the JSON path of the first mismatch (`$.data[0].status`):
    /// the vendor no longer sends what its spec promised. A struct is read only from a
    /// JSON object, at every depth: serde alone would also take an array, field by
    /// field in order, a silently wrong answer.
    pub fn decode_json<T: DeserializeOwned>(&self, operation: &str) -> Result<T, Error> {
        self.decode_success(operation, |_| None)
    }

    /// Decodes a success body as JSON into `T`, like [`Response::decode_json`]; when it
    /// does not decode, `vendor_error` may say it is the vendor's error instead (a 2xx
    /// carrying `{"error": {…}}`): that error is returned, with the vendor's code and
    /// message, and counted as what it is rather than as a contract failure.
    ///
    /// ```
    /// use portcullis_runtime::{Error, ErrorKind, Response};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Payment { id: String }
    ///
    /// let r = Response::new(200, Default::default(), r#"{"error":{"message":"card declined"}}"#);
    /// let err = r
    ///     .decode_success::<Payment>("create_payment", |r| {
    ///         let message = r.json_text(&["error", "message"])?;
    ///         Some(Error::from_vendor_response("create_payment", r, None, Some(message)))
    ///     })
    ///     .err()
    ///     .expect("not a payment");
    /// assert_eq!(err.kind(), ErrorKind::Vendor);
    /// assert!(err.to_string().contains("card declined"));
    /// ```
    pub fn decode_success<T: DeserializeOwned>(
        &self,
        operation: &str,
        vendor_error: impl FnOnce(&Response) -> Option<Error>,
    ) -> Result<T, Error> {
        let de = &mut serde_json::Deserializer::from_slice(without_bom(&self.body));
        serde_path_to_error::deserialize(Strict(de)).map_err(|e| {
            if let Some(vendor) = vendor_error(self) {
                return vendor;
            }
            let path = json_path(&e.path().to_string());
            let inner = e.into_inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                format!(
                    "response body is not valid JSON ({inner}; HTTP {})",
                    self.status
                )
            } else {
                shortened(inner.to_string())
            };
            self.count.contract_broken(&path, &message);
            Error::contract(operation, path, message)
        })
    }

    /// Runs the adapter's decoding of this response and counts the call as what the
    /// caller gets: an error of any kind (a missing field, a value out of range, an
    /// undeclared status, the vendor's error) is counted under that kind, so the metric
    /// never says `ok` for a call that failed. Generated code wraps its `match` on the
    /// status in it.
    ///
    /// ```
    /// use portcullis_runtime::{Error, Response};
    ///
    /// let r = Response::new(200, Default::default(), "{}");
    /// let got: Result<u32, Error> = r.conclude(|| Err(Error::contract("get", "$.id", "missing")));
    /// assert!(got.is_err());
    /// ```
    pub fn conclude<T>(&self, decode: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let result = decode();
        if let Err(e) = &result {
            self.count.classified(e.kind());
        }
        result
    }

    /// The body as `T` if it decodes, with no other effect: for looking at a body that
    /// may be one of several shapes.
    pub fn peek_json<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(without_bom(&self.body)).ok()
    }

    /// [`Response::peek_json`] for a body that must be a JSON object: `None` for any
    /// other body. A derived struct also decodes from an array, field by field in
    /// order, so a list page with a drifted item would otherwise read as a vendor's
    /// error object whose first field is that item.
    ///
    /// ```
    /// use portcullis_runtime::Response;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct VendorError { message: Option<serde_json::Value> }
    ///
    /// let page = Response::new(200, Default::default(), r#"[{"id": 1}]"#);
    /// assert!(page.peek_json::<VendorError>().is_some(), "serde reads an array as a struct");
    /// assert!(page.peek_json_object::<VendorError>().is_none());
    /// ```
    pub fn peek_json_object<T: DeserializeOwned>(&self) -> Option<T> {
        let body = without_bom(&self.body);
        let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
        if *first != b'{' {
            return None;
        }
        T::deserialize(Strict(&mut serde_json::Deserializer::from_slice(body))).ok()
    }
}

/// A JSON body without the UTF-8 byte order mark some servers put first (RFC 8259
/// section 8.1: a parser may ignore it rather than fail the whole body on it).
pub(crate) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

impl Error {
    /// Classifies a final vendor response that the adapter did not map to success.
    ///
    /// 401 and 403 are [`Error::Auth`] (except a 403 that carries exhausted rate-limit
    /// headers, GitHub's way of throttling), whose message keeps the vendor's code and
    /// message after ours; [`crate::Pipeline::vendor_error`] also reads them from the
    /// body when none were parsed, and masks any secret the vendor echoed. 429 is
    /// [`Error::RateLimited`] with the wait from `Retry-After` or `X-RateLimit-Reset`; anything else is
    /// [`Error::Vendor`] with the code and message the adapter parsed from the body.
    pub fn from_vendor_response(
        operation: &str,
        resp: &Response,
        code: Option<String>,
        message: Option<String>,
    ) -> Error {
        let error = Self::classify_vendor_response(operation, resp, code, message);
        // The call is counted under the kind its caller sees, whatever the body held.
        resp.count.classified(error.kind());
        error
    }

    /// A 401 or 403 whose code the adapter's mapping names by rule: the vendor's error,
    /// counted `vendor` (see `Pipeline::vendor_error_by_rules`).
    pub(crate) fn vendor_by_rule(
        operation: &str,
        resp: &Response,
        code: Option<String>,
        message: Option<String>,
    ) -> Error {
        resp.count.classified(ErrorKind::Vendor);
        Error::Vendor {
            operation: operation.to_owned(),
            status: resp.status(),
            code,
            message,
        }
    }

    fn classify_vendor_response(
        operation: &str,
        resp: &Response,
        code: Option<String>,
        message: Option<String>,
    ) -> Error {
        let status = resp.status();
        if resp.status_kind() == Some(ErrorKind::RateLimited) {
            return Error::RateLimited {
                operation: operation.to_owned(),
                status,
                retry_after: retry_after::from_response(resp, std::time::SystemTime::now()),
                by: LimitedBy::Vendor,
                message,
            };
        }
        if status == 401 || status == 403 {
            // Ours says what it means for the caller; the vendor's says why.
            let ours = if status == 401 {
                "credentials rejected"
            } else {
                "credentials not allowed to do this"
            };
            let message = match (code, message) {
                (Some(c), Some(m)) => format!("{ours} (vendor: [{c}] {m})"),
                (Some(c), None) | (None, Some(c)) => format!("{ours} (vendor: {c})"),
                (None, None) => ours.to_owned(),
            };
            return Error::Auth {
                operation: operation.to_owned(),
                status: Some(status),
                message,
                source: None,
            };
        }
        Error::Vendor {
            operation: operation.to_owned(),
            status,
            code,
            message,
        }
    }
}

/// Counts the calls of one operation once their responses are done with (the
/// operation's observer, `observe/call.rs`).
pub(crate) trait CallCounter: Send + Sync {
    /// The call's response did not decode: say so now, with the call's id.
    fn contract_broken(&self, call: &PendingCount, path: &str, message: &str);
    /// The adapter dropped the response: count the call, as `contract` if
    /// [`PendingCount::contract_broken`].
    fn count(&self, call: &PendingCount);
}

/// When a call ended and how long it took.
#[derive(Clone, Copy)]
pub(crate) struct CallTime {
    /// When the answer arrived: the health window counts the call then.
    pub(crate) ended: tokio::time::Instant,
    pub(crate) latency: Duration,
}

/// A call answered with a response and not yet counted: what its [`CallCounter`] needs
/// to count it. Counted when dropped.
pub(crate) struct PendingCount {
    counter: Arc<dyn CallCounter>,
    pub(crate) id: CorrelationId,
    pub(crate) status: u16,
    /// How the final response classifies by its status, before any decoding.
    pub(crate) kind: Option<ErrorKind>,
    pub(crate) time: CallTime,
    pub(crate) attempts: u32,
    /// The call's span: its outcome is recorded, and its closing line logged, only
    /// once the adapter has decoded the response.
    pub(crate) span: Span,
    contract: AtomicBool,
    /// The kind [`Error::from_vendor_response`] gave the caller, if the adapter asked.
    classified: Mutex<Option<ErrorKind>>,
}

impl PendingCount {
    pub(crate) fn new(
        counter: Arc<dyn CallCounter>,
        id: CorrelationId,
        status: u16,
        kind: Option<ErrorKind>,
        time: CallTime,
        attempts: u32,
        span: Span,
    ) -> Self {
        Self {
            counter,
            id,
            status,
            kind,
            time,
            attempts,
            span,
            contract: AtomicBool::new(false),
            classified: Mutex::new(None),
        }
    }

    /// The outcome the call counts as: what the caller was told when the adapter
    /// classified the response as an error; `contract` when a success status did not
    /// decode; otherwise what the status says.
    pub(crate) fn outcome(&self) -> Option<ErrorKind> {
        let classified = *self.classified.lock().unwrap_or_else(|e| e.into_inner());
        match classified {
            Some(kind) => Some(kind),
            None if self.contract.load(Ordering::Relaxed) => Some(ErrorKind::Contract),
            None => self.kind,
        }
    }
}

impl Drop for PendingCount {
    fn drop(&mut self) {
        self.counter.count(self);
    }
}

/// Where a [`Response`] keeps its [`PendingCount`]. A clone carries none, so a call is
/// counted once however often its response is copied. Boxed: a response is moved
/// through the pipeline's layers about ten times per call, and inline the count would
/// double the bytes each move copies.
struct CountSlot(Option<Box<PendingCount>>);

impl Clone for CountSlot {
    fn clone(&self) -> Self {
        CountSlot(None)
    }
}

impl CountSlot {
    /// The response did not match the spec. Only a success status makes the call a
    /// `contract` failure: an error answer whose body is not in the vendor's error
    /// format is still the error its status says (a 429 stays `rate_limited`).
    fn contract_broken(&self, path: &str, message: &str) {
        if let Some(call) = &self.0 {
            if call.kind.is_none() {
                call.contract.store(true, Ordering::Relaxed);
            }
            call.counter.contract_broken(call, path, message);
        }
    }

    /// The adapter turned the response into an error of `kind`.
    fn classified(&self, kind: ErrorKind) {
        if let Some(call) = &self.0 {
            *call.classified.lock().unwrap_or_else(|e| e.into_inner()) = Some(kind);
        }
    }
}

/// serde_path_to_error writes `.` for the root and `a.b[0]` below it.
/// A decode message without the bulk of the value it quotes: serde names the wrong
/// value (`invalid type: string "…"`), which may be a whole body the vendor sent as
/// text, or something hostile; the start and the end (where serde says the line and
/// column) are what a reader needs.
fn shortened(message: String) -> String {
    const HEAD: usize = 200;
    const TAIL: usize = 120;
    if message.len() <= HEAD + TAIL + 40 {
        return message;
    }
    let head_end = (0..=HEAD)
        .rev()
        .find(|i| message.is_char_boundary(*i))
        .unwrap_or(0);
    let tail_start = (message.len() - TAIL..message.len())
        .find(|i| message.is_char_boundary(*i))
        .unwrap_or(message.len());
    format!(
        "{} … ({} bytes left out) … {}",
        &message[..head_end],
        tail_start - head_end,
        &message[tail_start..]
    )
}

fn json_path(path: &str) -> String {
    // `?` is serde_path_to_error's segment for a key it never read (a body cut off or
    // broken inside an object): the place is the object that holds it.
    let known: Vec<&str> = path.split('.').filter(|s| *s != "?").collect();
    let path = &known.join(".");
    if path == "." || path.is_empty() {
        "$".to_owned()
    } else if path.starts_with('[') {
        format!("${path}")
    } else {
        format!("$.{path}")
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        status: Status,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Status {
        Succeeded,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct List {
        data: Vec<Item>,
    }

    fn resp(body: &str) -> Response {
        Response::new(200, HeaderMap::new(), body.to_owned())
    }

    /// A body cut off inside an object is placed at the object, not at serde's `?`.
    #[test]
    fn a_truncated_body_names_a_place_that_exists() {
        let err = resp("{\"data\":[{\"status\":\"succ")
            .decode_json::<List>("op")
            .expect_err("cut off");
        let text = err.to_string();
        assert!(text.contains("not valid JSON"), "{text}");
        assert!(!text.contains('?'), "{text}");
        let err = resp("{\"da")
            .decode_json::<List>("op")
            .expect_err("cut off");
        assert!(err.to_string().contains("at $:"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_before_json_is_ignored() {
        let r = resp("\u{feff}{\"data\":[{\"status\":\"succeeded\"}],\"code\":7}");
        let list: List = r.decode_json("op").expect("decodes past the mark");
        assert_eq!(list.data.len(), 1);
        assert_eq!(r.json_text(&["code"]).as_deref(), Some("7"));
        assert!(r.peek_json::<serde_json::Value>().is_some());
        // Only a leading mark: one inside the text is not whitespace.
        let err = resp("{\"data\":\u{feff}[]}")
            .decode_json::<List>("op")
            .expect_err("a mark inside the body");
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    /// A vendor's 429 keeps its words (Bitbucket's "Rate limit for this resource has
    /// been exceeded"), and `Retry-After: 0` reads as "at once", not "0ns".
    #[test]
    fn a_429_keeps_the_vendors_message_and_a_zero_wait_reads_plainly() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", http::HeaderValue::from_static("0"));
        let r = Response::new(429, headers, String::new());
        let err = Error::from_vendor_response(
            "get_repository",
            &r,
            None,
            Some("Rate limit for this resource has been exceeded".into()),
        );
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert_eq!(
            err.to_string(),
            "get_repository: rate limited by vendor (HTTP 429), retry at once: Rate limit for this resource has been exceeded"
        );
    }

    #[test]
    fn decode_errors_name_operation_and_path() {
        let err = resp(r#"{"data":[{"status":"succeeded"},{"status":"exploded"}]}"#)
            .decode_json::<List>("list_payments")
            .expect_err("unknown variant");
        match &err {
            Error::Contract {
                operation,
                path,
                message,
            } => {
                assert_eq!(operation, "list_payments");
                assert_eq!(path, "$.data[1].status");
                assert!(message.contains("exploded"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let err = resp(r#"{"data":[{"stat"#)
            .decode_json::<List>("op")
            .expect_err("truncated");
        assert!(err.to_string().contains("not valid JSON"), "{err}");
        let err = resp(r#"[]"#)
            .decode_json::<List>("op")
            .expect_err("wrong shape");
        assert!(
            matches!(err, Error::Contract { ref path, .. } if path == "$"),
            "{err}"
        );
    }

    /// serde alone reads these two bodies as a `List` (an array fills a struct's
    /// fields in order): an answer of another shape that happens to fit.
    #[test]
    fn an_array_where_an_object_belongs_is_a_contract_error() {
        for (body, at) in [
            (r#"[[{"status":"succeeded"}]]"#, "$"),
            (
                r#"{"data":[{"status":"succeeded"},["succeeded"]]}"#,
                "$.data[1]",
            ),
        ] {
            assert!(serde_json::from_str::<List>(body).is_ok(), "{body}");
            let err = resp(body).decode_json::<List>("op").expect_err(body);
            let Error::Contract { path, message, .. } = &err else {
                panic!("{err:?}");
            };
            assert_eq!(path, at, "{body}");
            assert!(message.contains("invalid type: sequence"), "{message}");
        }
    }

    /// A body sent as one long string where an object belongs (Jira's examples, or a
    /// hostile vendor): the message keeps its start and its end, not the whole value.
    #[test]
    fn a_decode_message_does_not_quote_a_huge_value_whole() {
        let long = "é".repeat(5_000);
        let body = serde_json::to_vec(&serde_json::json!({ "data": long })).expect("json");
        let err = Response::new(200, Default::default(), body)
            .decode_json::<List>("op")
            .expect_err("a string is no list");
        let Error::Contract { message, path, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, "$.data");
        assert!(message.len() < 500, "{} bytes", message.len());
        assert!(message.starts_with("invalid type: string"), "{message}");
        assert!(message.contains("bytes left out"), "{message}");
        assert!(
            message.contains("expected a sequence at line 1 column"),
            "{message}"
        );
    }

    #[test]
    fn vendor_responses_are_classified() {
        use http::{HeaderMap, HeaderValue};
        let resp = |status: u16, headers: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in headers {
                h.insert(*k, HeaderValue::from_static(v));
            }
            Response::new(status, h, Vec::new())
        };
        let e = Error::from_vendor_response("op", &resp(401, &[]), None, None);
        assert_eq!((e.kind(), e.status()), (ErrorKind::Auth, Some(401)));
        let e = Error::from_vendor_response("op", &resp(403, &[]), Some("forbidden".into()), None);
        assert_eq!(e.kind(), ErrorKind::Auth);
        let github = resp(
            403,
            &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "30")],
        );
        let e = Error::from_vendor_response("op", &github, None, None);
        assert_eq!(
            (e.kind(), e.retry_after()),
            (ErrorKind::RateLimited, Some(Duration::from_secs(30)))
        );
        // GitHub's secondary limit: 403 with Retry-After while the primary has room.
        let secondary = resp(
            403,
            &[("retry-after", "60"), ("x-ratelimit-remaining", "4999")],
        );
        let e = Error::from_vendor_response("op", &secondary, None, None);
        assert_eq!(
            (e.kind(), e.retry_after()),
            (ErrorKind::RateLimited, Some(Duration::from_secs(60)))
        );
        let e = Error::from_vendor_response("op", &resp(429, &[("retry-after", "2")]), None, None);
        assert_eq!(
            (e.kind(), e.retry_after()),
            (ErrorKind::RateLimited, Some(Duration::from_secs(2)))
        );
        assert!(e.is_retryable());
        let e = Error::from_vendor_response(
            "create_payment",
            &resp(402, &[]),
            Some("card_declined".into()),
            Some("Your card was declined.".into()),
        );
        assert_eq!(
            (e.kind(), e.status(), e.code()),
            (ErrorKind::Vendor, Some(402), Some("card_declined"))
        );
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            "create_payment: vendor error HTTP 402 [card_declined]: Your card was declined."
        );
    }

    #[test]
    fn decodes() {
        let list: List = resp(r#"{"data":[{"status":"succeeded"}]}"#)
            .decode_json("op")
            .expect("ok");
        assert_eq!(list.data.len(), 1);
    }
}

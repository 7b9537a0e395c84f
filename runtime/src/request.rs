//! One vendor call as generated code describes it, before the pipeline sends it.
//!
//! Building never fails except for the body (serialisation); invalid header names or
//! values and missing path parameters are reported by [`crate::Pipeline::send`] as
//! [`Error::Config`], never as a panic.

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method};
use serde::Serialize;

use crate::error::Error;
use crate::form;
use crate::idempotency::{IdempotencyKey, KeyPlacement};
use crate::multipart::{self, Multipart};

mod path;

/// A request body in one buffer, with its content type.
#[derive(Clone)]
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

/// What few requests have, boxed so the request every call moves stays as small as
/// it was without them.
#[derive(Clone, Default)]
pub(crate) struct Rare {
    /// The caller's deadline: the call ends by then even if its budget would last
    /// longer (a paginated method's one budget for all its pages).
    deadline: Option<tokio::time::Instant>,
    /// Where the vendor said the next page is: an encoded path and query from the
    /// origin's root, sent instead of the template's (which stays the request's name
    /// in spans and metrics).
    target: Option<Box<str>>,
    /// A `multipart/form-data` body, encoded once and streamed segment by segment.
    multipart: Option<Arc<multipart::Encoded>>,
    /// A parameter that carries the credential again, as the spec lists it.
    credential_param: Option<(CredentialIn, Cow<'static, str>)>,
    /// The caller vouches that this request changes nothing ([`Request::read_only`]).
    read_only: bool,
}

/// Where [`Request::credential_param`] puts the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialIn {
    /// A header of that name.
    Header,
    /// A query parameter of that name.
    Query,
}

/// One vendor call, described by generated code.
#[derive(Clone)]
pub struct Request {
    pub(crate) operation: Cow<'static, str>,
    pub(crate) method: Method,
    pub(crate) path: Cow<'static, str>,
    /// The path parameters, filled into the template as they are given.
    pub(crate) params: path::Path,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) idempotency: Option<(IdempotencyKey, KeyPlacement)>,
    /// Sent without credentials (the spec's `security: []` for this operation).
    pub(crate) anonymous: bool,
    pub(crate) rare: Option<Box<Rare>>,
}

impl Request {
    /// A request for `operation` (the adapter method name, used in errors, logs and
    /// policy lookup) to `path`, a template relative to the base URL whose `{name}`
    /// placeholders are filled by [`Request::path_param`].
    pub fn new(
        operation: impl Into<Cow<'static, str>>,
        method: Method,
        path: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            operation: operation.into(),
            method,
            path: path.into(),
            params: path::Path::default(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotency: None,
            anonymous: false,
            rare: None,
        }
    }

    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Where a next page is, if the request was sent there.
    pub(crate) fn target(&self) -> Option<&str> {
        self.rare.as_ref().and_then(|r| r.target.as_deref())
    }

    /// The `Content-Type` and the body of one attempt: the same bytes every time
    /// (shared, not copied).
    pub(crate) fn wire_body(&self) -> Option<(HeaderValue, reqwest::Body)> {
        if let Some(m) = self.rare.as_ref().and_then(|r| r.multipart.as_ref()) {
            return Some((m.content_type.clone(), m.body()));
        }
        let body = self.body.as_ref()?;
        Some((
            HeaderValue::from_static(body.content_type),
            reqwest::Body::from(body.bytes.clone()),
        ))
    }

    fn set_body(&mut self, body: Body) {
        if let Some(r) = &mut self.rare {
            r.multipart = None;
        }
        self.body = Some(body);
    }

    /// Ends the call by `deadline` at the latest: each attempt, backoff and wait
    /// spends from `min(the operation's budget, deadline)`, and a call whose deadline
    /// has passed ends with [`Error::Timeout`] (limit `Budget`) before sending.
    /// [`crate::paginate`] gives every page of a list the method's one deadline this
    /// way.
    ///
    /// ```
    /// use std::time::Duration;
    /// use portcullis_runtime::{Method, Request};
    ///
    /// let by = tokio::time::Instant::now() + Duration::from_secs(5);
    /// let req = Request::new("list", Method::GET, "/v1/things").deadline(by);
    /// assert_eq!(req.deadline_at(), Some(by));
    /// ```
    pub fn deadline(mut self, deadline: tokio::time::Instant) -> Self {
        self.rare_mut().deadline = Some(deadline);
        self
    }

    /// The caller's deadline, if [`Request::deadline`] set one.
    pub fn deadline_at(&self) -> Option<tokio::time::Instant> {
        self.rare.as_ref().and_then(|r| r.deadline)
    }

    /// Sends this request to `url` (a next page's, already checked to be on the
    /// adapter's origin) instead of the template's path and query: the vendor's URL
    /// is complete (GitHub's and Twilio's carry the page size and filters again).
    pub(crate) fn at(mut self, url: &reqwest::Url) -> Self {
        self.query.clear();
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        self.rare_mut().target = Some(target.into_boxed_str());
        self
    }

    /// Sends this request without credentials, for an operation whose spec says
    /// `security: []` (a public endpoint must not receive the adapter's secret).
    ///
    /// # Examples
    ///
    /// ```
    /// use portcullis_runtime::{Method, Request};
    ///
    /// let req = Request::new("health", Method::GET, "/health").without_auth();
    /// assert!(req.is_anonymous());
    /// ```
    pub fn without_auth(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Whether the request is sent without credentials.
    pub fn is_anonymous(&self) -> bool {
        self.anonymous
    }

    /// Fills the `{name}` placeholder with `value`, percent-encoded as one path segment.
    pub fn path_param(mut self, name: impl Into<Cow<'static, str>>, value: impl Display) -> Self {
        self.params.fill(&self.path, &name.into(), &value);
        self
    }

    /// Adds a query parameter; repeatable. Names and values are percent-encoded (square
    /// brackets in names stay literal, as in `expand[]`).
    pub fn query(mut self, name: impl Into<String>, value: impl Display) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Adds a header; validated when sent.
    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl Display) -> Self {
        self.headers.push((name.into(), value.to_string()));
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body, encoded as [`crate::form`]
    /// describes.
    pub fn form_body<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let value = serde_json::to_value(body).map_err(|e| {
            Error::config(format!(
                "{}: form body cannot be serialised: {e}",
                self.operation
            ))
        })?;
        let encoded =
            form::encode(&value).map_err(|e| Error::config(format!("{}: {e}", self.operation)))?;
        self.set_body(Body {
            content_type: "application/x-www-form-urlencoded",
            bytes: Bytes::from(encoded),
        });
        Ok(self)
    }

    /// Sets an `application/json` body.
    pub fn json_body<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::config(format!(
                "{}: JSON body cannot be serialised: {e}",
                self.operation
            ))
        })?;
        self.set_body(Body {
            content_type: "application/json",
            bytes: Bytes::from(bytes),
        });
        Ok(self)
    }

    /// Sets the top-level field `name` of the JSON object body to `value`, adding it or
    /// replacing it: a next page's cursor or offset, where an RPC-style vendor takes it
    /// in the body (Notion's `start_cursor`, Plaid's `cursor` and `offset`). A request
    /// without a JSON object body is a configuration error, naming the field.
    ///
    /// ```
    /// use portcullis_runtime::{Method, Request};
    /// use serde_json::json;
    ///
    /// let first = Request::new("query", Method::POST, "/v1/databases/d/query")
    ///     .json_body(&json!({"page_size": 100}))?;
    /// let next = first.json_field("start_cursor", "c_2")?;
    /// assert_eq!(next.body_bytes(), Some(&br#"{"page_size":100,"start_cursor":"c_2"}"#[..]));
    /// # Ok::<(), portcullis_runtime::Error>(())
    /// ```
    pub fn json_field<T: Serialize + ?Sized>(self, name: &str, value: &T) -> Result<Self, Error> {
        let refused = |why: &str| {
            Error::config(format!(
                "{}: cannot set body field '{name}' for the next page: {why}",
                self.operation
            ))
        };
        let object = match &self.body {
            Some(b) if b.content_type == "application/json" => {
                serde_json::from_slice::<serde_json::Value>(&b.bytes)
                    .map_err(|_| refused("the body is not JSON"))?
            }
            Some(_) => return Err(refused("the body is not JSON")),
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        let serde_json::Value::Object(mut object) = object else {
            return Err(refused("the body is not a JSON object"));
        };
        let value = serde_json::to_value(value).map_err(|e| refused(&e.to_string()))?;
        object.insert(name.to_owned(), value);
        self.json_body(&object)
    }

    /// Sets a body sent as it is (a file, a text, an XML document), with the content type
    /// the spec declares; `*/*` is sent as `application/octet-stream`.
    pub fn raw_body(mut self, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        let content_type = if content_type.contains('*') {
            "application/octet-stream"
        } else {
            content_type
        };
        self.set_body(Body {
            content_type,
            bytes: bytes.into(),
        });
        self
    }

    /// Sets a `multipart/form-data` body (see [`crate::multipart`]): encoded now,
    /// streamed to the wire on each attempt, the same bytes every time. A part with
    /// an empty name or an invalid content type, or a given boundary that a part
    /// contains, is an [`Error::Config`].
    ///
    /// ```
    /// use portcullis_runtime::multipart::Multipart;
    /// use portcullis_runtime::{Method, Request};
    ///
    /// let form = Multipart::new()
    ///     .text("purpose", "identity_document")
    ///     .file("file", "passport.png", "image/png", vec![0x89, b'P', b'N', b'G']);
    /// let req = Request::new("upload_file", Method::POST, "/v1/files").multipart(form)?;
    /// assert_eq!(req.body_bytes(), None, "streamed, not one buffer");
    /// # Ok::<(), portcullis_runtime::Error>(())
    /// ```
    pub fn multipart(mut self, form: Multipart) -> Result<Self, Error> {
        let encoded = form.encode(&self.operation)?;
        self.body = None;
        self.rare_mut().multipart = Some(Arc::new(encoded));
        Ok(self)
    }

    /// Also sends the call's credential, without its scheme (`Bearer `), in the header
    /// or query parameter `name`: for specs that list the token as a required
    /// parameter of every operation (Slack's `token`) besides their security scheme.
    /// It is the credential of each attempt, so a renewed token goes out in both
    /// places; a request sent without credentials sends none here either.
    ///
    /// ```
    /// use portcullis_runtime::{CredentialIn, Method, Request};
    /// let req = Request::new("post", Method::POST, "/chat.postMessage")
    ///     .credential_param(CredentialIn::Header, "token");
    /// assert_eq!(req.credential_param_name(), Some((CredentialIn::Header, "token")));
    /// ```
    pub fn credential_param(
        mut self,
        at: CredentialIn,
        name: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.rare_mut().credential_param = Some((at, name.into()));
        self
    }

    /// Where [`Request::credential_param`] asked for the credential to go again.
    pub fn credential_param_name(&self) -> Option<(CredentialIn, &str)> {
        self.rare
            .as_ref()
            .and_then(|r| r.credential_param.as_ref())
            .map(|(at, name)| (*at, name.as_ref()))
    }

    /// Marks a request whose method is not a read's as one: a POST that only searches
    /// or fetches (Plaid's `/accounts/get`, Elasticsearch's `_search`, a GraphQL
    /// query). It is then retried on any failure, as a GET is, and a cache fallback
    /// may answer it (keyed by its body too). Only for requests that change nothing:
    /// a retried write without an idempotency key may be applied twice.
    ///
    /// ```
    /// use portcullis_runtime::{Method, Request};
    ///
    /// let req = Request::new("accounts", Method::POST, "/accounts/get").read_only();
    /// assert!(req.is_read());
    /// assert!(!Request::new("pay", Method::POST, "/payments").is_read());
    /// ```
    pub fn read_only(mut self) -> Self {
        self.rare_mut().read_only = true;
        self
    }

    /// Whether the request changes nothing: a GET, HEAD or OPTIONS, or one marked
    /// [`Request::read_only`].
    pub fn is_read(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS) || self.marked_read()
    }

    /// Whether the request was marked [`Request::read_only`] (its method aside).
    pub(crate) fn marked_read(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| r.read_only)
    }

    /// Whether the body is streamed in parts rather than held as one value.
    pub(crate) fn is_multipart(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| r.multipart.is_some())
    }

    /// Attaches the call's idempotency key. This marks the call safe to retry, so
    /// every retry carries the same key.
    pub fn idempotency(mut self, key: &IdempotencyKey, placement: KeyPlacement) -> Self {
        self.idempotency = Some((key.clone(), placement));
        self
    }

    /// The operation name.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The body bytes, if the body is one buffer (`None` for no body and for a
    /// multipart body, which is streamed in segments).
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_ref().map(|b| &b.bytes[..])
    }

    /// The path with placeholders filled and encoded, plus the encoded query string.
    #[cfg(test)]
    pub(crate) fn render_path(&self) -> Result<String, Error> {
        let mut out = self
            .params
            .finished(&self.path, &self.operation)?
            .to_owned();
        let mut query = String::new();
        self.write_query(&mut query);
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query);
        }
        Ok(out)
    }

    /// The path to send under the base URL's `base_path` (or a next page's path, which
    /// is from the origin's root); borrowed when the base URL has no path of its own.
    pub(crate) fn full_path<'a>(&'a self, base_path: &str) -> Result<Cow<'a, str>, Error> {
        if let Some(target) = self.target() {
            return Ok(Cow::Borrowed(
                target.split_once('?').map_or(target, |(p, _)| p),
            ));
        }
        let path = self.params.finished(&self.path, &self.operation)?;
        let base = base_path.trim_end_matches('/');
        if base.is_empty() && path.starts_with('/') {
            return Ok(Cow::Borrowed(path));
        }
        let mut out = String::with_capacity(base.len() + path.len() + 1);
        out.push_str(base);
        if !path.starts_with('/') {
            out.push('/');
        }
        out.push_str(path);
        Ok(Cow::Owned(out))
    }

    /// Appends the encoded query string (without `?`): a next page's own query, or
    /// the parameters added to the request.
    pub(crate) fn write_query(&self, out: &mut String) {
        if let Some((_, query)) = self.target().and_then(|t| t.split_once('?')) {
            out.push_str(query);
        }
        for (name, value) in &self.query {
            if !out.is_empty() {
                out.push('&');
            }
            push_query_pair(out, name, value);
        }
    }
}

/// Appends `name=value` to a URL query: like form encoding, but brackets in the name
/// stay literal and space is `%20`, which every server decodes the same way.
pub(crate) fn push_query_pair(out: &mut String, name: &str, value: &str) {
    let name = form::encode_component(name)
        .replace("%5B", "[")
        .replace("%5D", "]")
        .replace('+', "%20");
    out.push_str(&name);
    out.push('=');
    out.push_str(&form::encode_component(value).replace('+', "%20"));
}

impl Request {
    fn body_len(&self) -> Option<u64> {
        match self.rare.as_ref().and_then(|r| r.multipart.as_ref()) {
            Some(m) => Some(m.len()),
            None => self.body.as_ref().map(|b| b.bytes.len() as u64),
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and bodies may hold personal data; show their shape only.
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query.len())
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body_len())
            .field("idempotency", &self.idempotency)
            .field("deadline", &self.deadline_at())
            .field("next_page", &self.target().is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_params_are_one_encoded_segment() {
        let r = Request::new("get", Method::GET, "/v1/payment_intents/{intent}/x/{n}")
            .path_param("intent", "pi_1/../admin?x=1#f")
            .path_param("n", 7);
        assert_eq!(
            r.render_path().expect("render"),
            "/v1/payment_intents/pi_1%2F..%2Fadmin%3Fx%3D1%23f/x/7"
        );
    }

    #[test]
    fn query_is_encoded_and_repeatable() {
        let r = Request::new("get", Method::GET, "/v1/x")
            .query("expand[]", "latest_charge")
            .query("expand[]", "customer")
            .query("q", "a b&c");
        assert_eq!(
            r.render_path().expect("render"),
            "/v1/x?expand[]=latest_charge&expand[]=customer&q=a%20b%26c"
        );
    }

    #[test]
    fn a_missing_param_is_config_and_an_empty_one_invalid() {
        let missing = Request::new("get", Method::GET, "/v1/{id}").render_path();
        assert!(matches!(missing, Err(Error::Config { .. })));
        // The caller's empty argument, refused before sending like any bad value.
        let empty = Request::new("get", Method::GET, "/v1/{id}")
            .path_param("id", "")
            .render_path();
        assert!(matches!(empty, Err(Error::InvalidRequest { .. })));
        let unclosed = Request::new("get", Method::GET, "/v1/{id")
            .path_param("id", "x")
            .render_path();
        assert!(matches!(unclosed, Err(Error::Config { .. })));
    }

    #[test]
    fn a_next_page_replaces_path_and_query() {
        let url =
            reqwest::Url::parse("https://api.example.com/v3/repos/1/issues?page=2&per_page=100")
                .expect("url");
        let r = Request::new("list", Method::GET, "/repos/{owner}/issues")
            .path_param("owner", "o")
            .query("state", "open")
            .at(&url);
        let path = r.full_path("/v3").expect("path");
        assert_eq!(path, "/v3/repos/1/issues", "from the origin's root");
        let mut query = String::new();
        r.write_query(&mut query);
        assert_eq!(query, "page=2&per_page=100", "the vendor's query, whole");
        assert_eq!(
            r.path, "/repos/{owner}/issues",
            "the template names it still"
        );
    }

    #[test]
    fn bodies_set_content_type() {
        let r = Request::new("create", Method::POST, "/v1/x")
            .form_body(&json!({"amount": 1, "metadata": {"k": "v"}}))
            .expect("form");
        let (content_type, _) = r.wire_body().expect("body");
        assert_eq!(content_type, "application/x-www-form-urlencoded");
        assert_eq!(r.body_bytes(), Some(&b"amount=1&metadata[k]=v"[..]));
        let r = r.json_body(&json!({"a": 1})).expect("json");
        assert_eq!(r.body_bytes(), Some(&br#"{"a":1}"#[..]));
        // The last body set wins, multipart or not.
        let r = r
            .multipart(multipart::Multipart::new().text("a", "1"))
            .expect("form");
        assert_eq!(r.body_bytes(), None);
        let (ct, _) = r.wire_body().expect("body");
        assert!(
            ct.to_str()
                .expect("ascii")
                .starts_with("multipart/form-data; boundary=")
        );
        let r = r.json_body(&json!({"b": 2})).expect("json");
        assert_eq!(
            r.wire_body().map(|(ct, _)| ct),
            Some(HeaderValue::from_static("application/json"))
        );
        // A plain request stays small (272 bytes on 64-bit before these features, one
        // pointer more now): a deadline, a next page and a multipart body are boxed.
        assert!(
            std::mem::size_of::<Request>() <= 280,
            "{}",
            std::mem::size_of::<Request>()
        );
        assert!(
            Request::new("create", Method::POST, "/")
                .form_body(&json!([1]))
                .is_err()
        );
    }
}

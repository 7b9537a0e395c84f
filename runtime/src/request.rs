//! One vendor call as generated code describes it, before the pipeline sends it.
//!
//! Building never fails except for the body (serialisation); invalid header names or
//! values and missing path parameters are reported by [`crate::Pipeline::send`] as
//! [`Error::Config`], never as a panic.

use std::borrow::Cow;
use std::fmt::{self, Display};

use bytes::Bytes;
use http::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use crate::error::Error;
use crate::form;
use crate::idempotency::{IdempotencyKey, KeyPlacement};

/// Everything but RFC 3986 unreserved characters is encoded in a path segment, so a
/// `/`, `?` or `#` inside a value cannot change which resource is addressed.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A request body with its content type.
#[derive(Clone)]
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

/// One vendor call, described by generated code.
#[derive(Clone)]
pub struct Request {
    pub(crate) operation: Cow<'static, str>,
    pub(crate) method: Method,
    pub(crate) path: Cow<'static, str>,
    pub(crate) path_params: Vec<(Cow<'static, str>, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) idempotency: Option<(IdempotencyKey, KeyPlacement)>,
    /// Sent without credentials (the spec's `security: []` for this operation).
    pub(crate) anonymous: bool,
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
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotency: None,
            anonymous: false,
        }
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
        self.path_params.push((name.into(), value.to_string()));
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
        self.body = Some(Body {
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
        self.body = Some(Body {
            content_type: "application/json",
            bytes: Bytes::from(bytes),
        });
        Ok(self)
    }

    /// Sets a body sent as it is (a file, a text, an XML document), with the content type
    /// the spec declares; `*/*` is sent as `application/octet-stream`.
    pub fn raw_body(mut self, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        let content_type = if content_type.contains('*') {
            "application/octet-stream"
        } else {
            content_type
        };
        self.body = Some(Body {
            content_type,
            bytes: bytes.into(),
        });
        self
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

    /// The body bytes, if any.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_ref().map(|b| &b.bytes[..])
    }

    /// The bytes that identify this call for idempotency: the method, the path template
    /// with its parameters, the query and the body, each part closed by a zero byte so
    /// that no two different requests run together into the same bytes. Headers are
    /// left out: correlation ids and auth differ between replays of one call.
    pub(crate) fn fingerprint(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut part = |bytes: &[u8]| {
            out.extend_from_slice(bytes);
            out.push(0);
        };
        part(self.method.as_str().as_bytes());
        part(self.path.as_bytes());
        for (name, value) in &self.path_params {
            part(name.as_bytes());
            part(value.as_bytes());
        }
        for (name, value) in &self.query {
            part(name.as_bytes());
            part(value.as_bytes());
        }
        if let Some(body) = &self.body {
            part(body.content_type.as_bytes());
            part(&body.bytes);
        }
        out
    }

    /// The path with placeholders filled and encoded, plus the encoded query string.
    #[cfg(test)]
    pub(crate) fn render_path(&self) -> Result<String, Error> {
        let mut out = String::new();
        self.write_path(&mut out)?;
        let mut query = String::new();
        self.write_query(&mut query);
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query);
        }
        Ok(out)
    }

    /// Appends the path with its placeholders filled, each value encoded as one segment.
    pub(crate) fn write_path(&self, out: &mut String) -> Result<(), Error> {
        let mut rest: &str = &self.path;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or_else(|| {
                Error::config(format!(
                    "{}: unclosed '{{' in path template {}",
                    self.operation, self.path
                ))
            })?;
            let name = &after[..close];
            let value = self
                .path_params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    Error::config(format!(
                        "{}: path parameter {{{name}}} has no value",
                        self.operation
                    ))
                })?;
            if value.is_empty() {
                // An empty segment would silently address the parent resource.
                return Err(Error::config(format!(
                    "{}: path parameter {{{name}}} is empty",
                    self.operation
                )));
            }
            out.extend(utf8_percent_encode(value, PATH_SEGMENT));
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(())
    }

    /// Appends the encoded query string (without `?`).
    pub(crate) fn write_query(&self, out: &mut String) {
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
            .field("body_len", &self.body.as_ref().map(|b| b.bytes.len()))
            .field("idempotency", &self.idempotency)
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
    fn the_fingerprint_covers_what_is_sent_but_not_headers() {
        let base = || {
            Request::new("refund", Method::POST, "/v1/payments/{id}/refunds")
                .path_param("id", "pi_1")
                .query("expand", "charge")
                .json_body(&json!({"amount": 5}))
                .expect("json")
        };
        assert_eq!(base().fingerprint(), base().fingerprint());
        // Headers vary between replays of one call (correlation ids); they do not count.
        assert_eq!(
            base().header("X-Correlation-Id", "c-1").fingerprint(),
            base().fingerprint()
        );
        let other_param = Request::new("refund", Method::POST, "/v1/payments/{id}/refunds")
            .path_param("id", "pi_2")
            .query("expand", "charge")
            .json_body(&json!({"amount": 5}))
            .expect("json");
        let other_body = Request::new("refund", Method::POST, "/v1/payments/{id}/refunds")
            .path_param("id", "pi_1")
            .query("expand", "charge")
            .json_body(&json!({"amount": 6}))
            .expect("json");
        let other_query = base().query("expand", "customer");
        for other in [other_param, other_body, other_query] {
            assert_ne!(other.fingerprint(), base().fingerprint());
        }
        // Parts are delimited: moving a byte from one value to the next changes it.
        let a = Request::new("get", Method::GET, "/x").query("ab", "c");
        let b = Request::new("get", Method::GET, "/x").query("a", "bc");
        assert_ne!(a.fingerprint(), b.fingerprint());
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
    fn missing_or_empty_params_are_config_errors() {
        let missing = Request::new("get", Method::GET, "/v1/{id}").render_path();
        assert!(matches!(missing, Err(Error::Config { .. })));
        let empty = Request::new("get", Method::GET, "/v1/{id}")
            .path_param("id", "")
            .render_path();
        assert!(matches!(empty, Err(Error::Config { .. })));
        let unclosed = Request::new("get", Method::GET, "/v1/{id")
            .path_param("id", "x")
            .render_path();
        assert!(matches!(unclosed, Err(Error::Config { .. })));
    }

    #[test]
    fn bodies_set_content_type() {
        let r = Request::new("create", Method::POST, "/v1/x")
            .form_body(&json!({"amount": 1, "metadata": {"k": "v"}}))
            .expect("form");
        let body = r.body.as_ref().expect("body");
        assert_eq!(body.content_type, "application/x-www-form-urlencoded");
        assert_eq!(&body.bytes[..], b"amount=1&metadata[k]=v");
        let r = r.json_body(&json!({"a": 1})).expect("json");
        assert_eq!(r.body_bytes(), Some(&br#"{"a":1}"#[..]));
        assert!(
            Request::new("create", Method::POST, "/")
                .form_body(&json!([1]))
                .is_err()
        );
    }
}

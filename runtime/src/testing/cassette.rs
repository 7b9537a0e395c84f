//! Cassettes: a vendor's real answers, recorded once and replayed in tests.
//!
//! * [`RecordingProxy`] listens on `127.0.0.1`; point an adapter's `base_url` at it and
//!   it forwards every request to the upstream (a vendor sandbox), answers with what
//!   the upstream said, and writes each exchange to a cassette file. The pipeline is
//!   untouched: the proxy is just another base URL.
//! * [`ReplayServer`] serves a cassette: a request that matches a recorded one (method,
//!   path, query and body, after redaction) gets the recorded answer; any other request
//!   gets a 501 naming the cassette and the request, and is listed by
//!   [`ReplayServer::unmatched`] so a test can fail with that sentence.
//!
//! Cassettes are JSON with sorted keys, pretty-printed, so a re-recording reviews as a
//! diff. Before anything is written, [`Redactions`] replace secrets (`Authorization`,
//! API-key headers, cookies, and any field the user names) with `<redacted>`, and
//! normalise idempotency keys to `<idempotency-key>`, since they are random per call.
//! Headers that change on every call (`date`, `user-agent`, request ids) are dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::http1::{self, RawRequest};

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "<redacted>";
/// What every idempotency key is normalised to.
pub const IDEMPOTENCY_KEY: &str = "<idempotency-key>";

/// A cassette that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteError {
    /// The file could not be read or written.
    #[error("cassette {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The file is not a cassette.
    #[error("cassette {path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What is removed or normalised before an exchange is written or compared.
#[derive(Debug, Clone)]
pub struct Redactions {
    headers: Vec<String>,
    drop_headers: Vec<String>,
    fields: Vec<String>,
    key_headers: Vec<String>,
    key_fields: Vec<String>,
    query_params: Vec<String>,
    /// Body fields exempt from the name-based default ([`Redactions::keep_field`]).
    keep_fields: Vec<String>,
}

impl Default for Redactions {
    /// Secrets in `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`,
    /// `X-Api-Key`, `Api-Key` and any header whose name holds `secret` or `token`; API
    /// keys in the query (`api_key`, `key`, `access_token`, names with `secret`/`token`);
    /// body fields, at any depth of requests and responses, whose name has a word such
    /// as `secret`, `token`, `password`, `key` or `authorization` (`client_secret`,
    /// `accessToken`, `api_key`; see [`Redactions::keep_field`] to keep one);
    /// idempotency keys in the `Idempotency-Key` header and `idempotency_key` fields;
    /// per-call headers dropped.
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect();
        Redactions {
            headers: s(&[
                "authorization",
                "proxy-authorization",
                "cookie",
                "set-cookie",
                "x-api-key",
                "api-key",
            ]),
            drop_headers: s(&[
                "host",
                "content-length",
                "connection",
                "keep-alive",
                "transfer-encoding",
                "date",
                "user-agent",
                "accept",
                "accept-encoding",
                "server",
                "request-id",
                "x-request-id",
                "x-correlation-id",
                "traceparent",
                "tracestate",
            ]),
            fields: Vec::new(),
            keep_fields: Vec::new(),
            key_headers: s(&["idempotency-key"]),
            key_fields: s(&["idempotency_key"]),
            // API keys sent in the query (`?api_key=`, `?key=`); names holding
            // `secret` or `token` are redacted too.
            query_params: s(&[
                "api_key",
                "apikey",
                "api-key",
                "key",
                "access_token",
                "client_secret",
                "password",
                "signature",
                "sig",
            ]),
        }
    }
}

impl Redactions {
    /// Also replaces this header's value with `<redacted>` (case-insensitive).
    pub fn header(mut self, name: &str) -> Self {
        self.headers.push(name.to_ascii_lowercase());
        self
    }

    /// Also replaces every body field with this name, at any depth, in requests and
    /// responses (`client_secret`, `card_number`).
    pub fn field(mut self, name: &str) -> Self {
        self.fields.push(name.to_owned());
        self
    }

    /// Keeps this body field although its name looks secret (`lookup_key`, say): the
    /// default hides every field named like a credential.
    pub fn keep_field(mut self, name: &str) -> Self {
        self.keep_fields.push(name.to_owned());
        self
    }

    /// Whether a form field is hidden: named by [`Redactions::field`], or named like a
    /// secret and not kept.
    fn hides(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f == name)
            || (secret_like(name) && !self.keep_fields.iter().any(|f| f == name))
    }

    /// Also replaces this query parameter's value with `<redacted>` (case-insensitive).
    pub fn query_param(mut self, name: &str) -> Self {
        self.query_params.push(name.to_ascii_lowercase());
        self
    }

    /// A query string with secret parameters' values replaced.
    fn query(&self, raw: &str) -> String {
        raw.split('&')
            .map(|pair| {
                let (k, _) = pair.split_once('=').unwrap_or((pair, ""));
                let name = k.to_ascii_lowercase();
                if self.query_params.contains(&name)
                    || name.contains("secret")
                    || name.contains("token")
                {
                    format!("{k}={REDACTED}")
                } else {
                    pair.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Also drops this header, for values that change on every call.
    pub fn drop_header(mut self, name: &str) -> Self {
        self.drop_headers.push(name.to_ascii_lowercase());
        self
    }

    /// Also treats this header as an idempotency key (normalised, not redacted).
    pub fn idempotency_header(mut self, name: &str) -> Self {
        self.key_headers.push(name.to_ascii_lowercase());
        self
    }

    /// Also treats this body field as an idempotency key (normalised, not redacted).
    pub fn idempotency_field(mut self, name: &str) -> Self {
        self.key_fields.push(name.to_owned());
        self
    }

    fn headers(&self, raw: &[(String, String)]) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in raw {
            let name = name.to_ascii_lowercase();
            if self.drop_headers.contains(&name) {
                continue;
            }
            let value = if self.key_headers.contains(&name) {
                IDEMPOTENCY_KEY.to_owned()
            } else if self.headers.contains(&name)
                || name.contains("secret")
                || name.contains("token")
            {
                REDACTED.to_owned()
            } else {
                value.clone()
            };
            out.entry(name)
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        out
    }

    fn json(&self, v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if self.key_fields.contains(k) {
                        *x = Value::from(IDEMPOTENCY_KEY);
                    } else if self.fields.contains(k)
                        || (x.is_string() && secret_like(k) && !self.keep_fields.contains(k))
                    {
                        // A name-based guess hides strings only: a credential is one,
                        // and a `token` object still decodes when replayed.
                        *x = Value::from(REDACTED);
                    } else {
                        self.json(x);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|x| self.json(x)),
            _ => {}
        }
    }

    /// A body as a cassette holds it: sorted, redacted JSON; a redacted form as text;
    /// other text as it is; `null` when empty.
    fn body(&self, bytes: &[u8], content_type: Option<&str>) -> Value {
        if bytes.is_empty() {
            return Value::Null;
        }
        if let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
            self.json(&mut v);
            return sorted(v);
        }
        let text = String::from_utf8_lossy(bytes).into_owned();
        if content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
            let pairs: Vec<String> = text
                .split('&')
                .map(|pair| {
                    let (k, _) = pair.split_once('=').unwrap_or((pair, ""));
                    // The innermost bracketed name: `metadata[card_number]` is `card_number`.
                    let leaf = k.rsplit('[').next().unwrap_or(k).trim_end_matches(']');
                    if self.key_fields.iter().any(|f| f == leaf) {
                        format!("{k}={IDEMPOTENCY_KEY}")
                    } else if self.hides(leaf) {
                        format!("{k}={REDACTED}")
                    } else {
                        pair.to_owned()
                    }
                })
                .collect();
            return Value::String(pairs.join("&"));
        }
        Value::String(text)
    }
}

/// Whether a field name has a word that names a credential: `client_secret`,
/// `accessToken`, `api-key`, `Password`. Words split at `_`, `-`, `.` and lower-upper
/// case changes, so `monkey` and `tokenizer` are not secrets but `key` and `token` are.
fn secret_like(name: &str) -> bool {
    const WORDS: [&str; 12] = [
        "secret",
        "token",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "key",
        "apikey",
        "authorization",
        "credential",
        "credentials",
        "cvc",
    ];
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut word));
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    words.push(word);
    words.iter().any(|w| WORDS.contains(&w.as_str()))
}

/// Recursively sorts object keys (serde_json keeps insertion order in this workspace).
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// A request as a cassette holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// Upper-case method.
    pub method: String,
    /// The path, as the adapter sent it to the proxy.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers after redaction, names lower-case.
    pub headers: BTreeMap<String, String>,
    /// The body after redaction (JSON, text, or `null`).
    pub body: Value,
}

/// A response as a cassette holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedResponse {
    /// The status.
    pub status: u16,
    /// Headers after redaction, names lower-case.
    pub headers: BTreeMap<String, String>,
    /// The body after redaction (JSON, text, or `null`).
    pub body: Value,
}

/// One recorded exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// What the adapter sent.
    pub request: RecordedRequest,
    /// What the vendor answered.
    pub response: RecordedResponse,
}

/// A list of recorded exchanges, in the order they happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cassette {
    /// The exchanges.
    pub interactions: Vec<Interaction>,
}

fn headers_json(h: &BTreeMap<String, String>) -> Value {
    Value::Object(
        h.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect(),
    )
}

fn headers_from(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

impl Cassette {
    /// The cassette as written to disk: pretty JSON, keys sorted, ending in a newline.
    pub fn to_json(&self) -> String {
        let interactions: Vec<Value> = self
            .interactions
            .iter()
            .map(|i| {
                json!({
                    "request": {
                        "method": i.request.method,
                        "path": i.request.path,
                        "query": i.request.query,
                        "headers": headers_json(&i.request.headers),
                        "body": i.request.body,
                    },
                    "response": {
                        "status": i.response.status,
                        "headers": headers_json(&i.response.headers),
                        "body": i.response.body,
                    },
                })
            })
            .collect();
        let doc = sorted(json!({ "portcullis_cassette": 1, "interactions": interactions }));
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses a cassette written by [`Cassette::to_json`].
    pub fn from_json(text: &str) -> Result<Cassette, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if doc["portcullis_cassette"] != json!(1) {
            return Err("not a portcullis cassette (portcullis_cassette: 1 is missing)".into());
        }
        let list = doc["interactions"]
            .as_array()
            .ok_or("`interactions` is not a list")?;
        let mut interactions = Vec::new();
        for (n, i) in list.iter().enumerate() {
            let (req, resp) = (&i["request"], &i["response"]);
            let status = resp["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| format!("interaction {n}: response.status is not a status"))?;
            interactions.push(Interaction {
                request: RecordedRequest {
                    method: req["method"].as_str().unwrap_or("GET").to_owned(),
                    path: req["path"].as_str().unwrap_or("/").to_owned(),
                    query: req["query"].as_str().map(str::to_owned),
                    headers: headers_from(&req["headers"]),
                    body: req["body"].clone(),
                },
                response: RecordedResponse {
                    status,
                    headers: headers_from(&resp["headers"]),
                    body: resp["body"].clone(),
                },
            });
        }
        Ok(Cassette { interactions })
    }

    /// Reads a cassette file.
    pub fn load(path: &Path) -> Result<Cassette, CassetteError> {
        let text = std::fs::read_to_string(path).map_err(|source| CassetteError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Cassette::from_json(&text).map_err(|message| CassetteError::Format {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Writes the cassette, creating its directory.
    pub fn save(&self, path: &Path) -> Result<(), CassetteError> {
        let io = |source| CassetteError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, self.to_json()).map_err(io)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn split_target(target: &str) -> (String, Option<String>) {
    match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    }
}

fn recorded_request(raw: &RawRequest, redactions: &Redactions) -> RecordedRequest {
    let (path, query) = split_target(&raw.target);
    RecordedRequest {
        method: raw.method.to_ascii_uppercase(),
        path,
        query: query.map(|q| redactions.query(&q)),
        headers: redactions.headers(&raw.headers),
        body: redactions.body(&raw.body, raw.header("content-type")),
    }
}

/// The bytes a recorded body is served as.
fn body_bytes(body: &Value) -> Vec<u8> {
    match body {
        Value::Null => Vec::new(),
        Value::String(s) => s.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    }
}

async fn write_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> io::Result<()> {
    let mut out = http1::response_head(status, headers, body.len());
    out.extend_from_slice(body);
    stream.write_all(&out).await
}

/// Accepts connections on `127.0.0.1` and hands each request to `handle`.
async fn bind<S, F, Fut>(state: Arc<S>, handle: F) -> io::Result<(SocketAddr, JoinHandle<()>)>
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, RawRequest) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = (u16, Vec<(String, String)>, Vec<u8>)> + Send,
{
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let accept = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Ok(Some(raw)) = http1::read_request(&mut stream, &mut buf).await {
                    let (status, headers, body) = handle(state.clone(), raw).await;
                    if write_response(&mut stream, status, &headers, &body)
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok((addr, accept))
}

struct ProxyState {
    upstream: String,
    file: PathBuf,
    redactions: Redactions,
    client: reqwest::Client,
    cassette: Mutex<Cassette>,
    errors: Mutex<Vec<String>>,
}

/// A recording proxy on `127.0.0.1` in front of a real or sandbox vendor (see the
/// [module docs](self)). It stops when dropped.
pub struct RecordingProxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
    accept: JoinHandle<()>,
}

impl fmt::Debug for RecordingProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingProxy")
            .field("addr", &self.addr)
            .field("upstream", &self.state.upstream)
            .field("file", &self.state.file)
            .finish_non_exhaustive()
    }
}

impl RecordingProxy {
    /// Starts a proxy forwarding to `upstream` (the vendor's base URL, path prefix
    /// included) and writing every exchange to `file`, replacing what it held.
    pub async fn start(
        upstream: &str,
        file: impl Into<PathBuf>,
        redactions: Redactions,
    ) -> io::Result<RecordingProxy> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(io::Error::other)?;
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            file: file.into(),
            redactions,
            client,
            cassette: Mutex::new(Cassette::default()),
            errors: Mutex::new(Vec::new()),
        });
        let (addr, accept) = bind(state.clone(), forward).await?;
        Ok(RecordingProxy {
            addr,
            state,
            accept,
        })
    }

    /// The base URL to give the adapter, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What was recorded so far.
    pub fn cassette(&self) -> Cassette {
        lock(&self.state.cassette).clone()
    }

    /// Upstream or file errors met so far (the adapter saw a 502 for each).
    pub fn errors(&self) -> Vec<String> {
        lock(&self.state.errors).clone()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn forward(state: Arc<ProxyState>, raw: RawRequest) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let fail = |state: &ProxyState, message: String| {
        lock(&state.errors).push(message.clone());
        (
            502,
            vec![("content-type".to_owned(), "text/plain".to_owned())],
            format!("RecordingProxy: {message}").into_bytes(),
        )
    };
    let Ok(method) = reqwest::Method::from_bytes(raw.method.as_bytes()) else {
        return fail(&state, format!("unsupported method {}", raw.method));
    };
    let url = format!("{}{}", state.upstream, raw.target);
    let mut req = state.client.request(method, &url);
    for (name, value) in &raw.headers {
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding" | "keep-alive"
        ) {
            req = req.header(name.as_str(), value.as_str());
        }
    }
    let resp = match req.body(raw.body.clone()).send().await {
        Ok(r) => r,
        // Without the URL: an API key may sit in the query.
        Err(e) => return fail(&state, format!("upstream unreachable: {}", e.without_url())),
    };
    let status = resp.status().as_u16();
    let headers: Vec<(String, String)> = resp
        .headers()
        .iter()
        .filter(|(n, _)| {
            !matches!(
                n.as_str(),
                "content-length" | "connection" | "transfer-encoding" | "keep-alive"
            )
        })
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match resp.bytes().await {
        Ok(b) => b.to_vec(),
        Err(e) => return fail(&state, format!("upstream body: {}", e.without_url())),
    };
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str());
    let interaction = Interaction {
        request: recorded_request(&raw, &state.redactions),
        response: RecordedResponse {
            status,
            headers: state.redactions.headers(&headers),
            body: state.redactions.body(&body, content_type),
        },
    };
    let snapshot = {
        let mut c = lock(&state.cassette);
        c.interactions.push(interaction);
        c.clone()
    };
    if let Err(e) = snapshot.save(&state.file) {
        lock(&state.errors).push(e.to_string());
    }
    (status, headers, body)
}

struct ReplayState {
    name: String,
    cassette: Cassette,
    redactions: Redactions,
    used: Mutex<Vec<bool>>,
    unmatched: Mutex<Vec<String>>,
}

/// Serves a cassette on `127.0.0.1` (see the [module docs](self)). It stops when dropped.
pub struct ReplayServer {
    addr: SocketAddr,
    state: Arc<ReplayState>,
    accept: JoinHandle<()>,
}

impl fmt::Debug for ReplayServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayServer")
            .field("addr", &self.addr)
            .field("cassette", &self.state.name)
            .finish_non_exhaustive()
    }
}

impl ReplayServer {
    /// Serves `cassette`; `name` (its file, say) appears in mismatch messages.
    pub async fn start(
        name: &str,
        cassette: Cassette,
        redactions: Redactions,
    ) -> io::Result<ReplayServer> {
        let state = Arc::new(ReplayState {
            name: name.to_owned(),
            used: Mutex::new(vec![false; cassette.interactions.len()]),
            cassette,
            redactions,
            unmatched: Mutex::new(Vec::new()),
        });
        let (addr, accept) = bind(state.clone(), replay).await?;
        Ok(ReplayServer {
            addr,
            state,
            accept,
        })
    }

    /// Reads `path` and serves it.
    pub async fn from_file(
        path: &Path,
        redactions: Redactions,
    ) -> Result<ReplayServer, CassetteError> {
        let cassette = Cassette::load(path)?;
        ReplayServer::start(&path.display().to_string(), cassette, redactions)
            .await
            .map_err(|source| CassetteError::Io {
                path: path.to_path_buf(),
                source,
            })
    }

    /// The base URL to give the adapter.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// One sentence per request that matched nothing in the cassette.
    pub fn unmatched(&self) -> Vec<String> {
        lock(&self.state.unmatched).clone()
    }

    /// How many recorded interactions were never requested.
    pub fn unused(&self) -> usize {
        lock(&self.state.used).iter().filter(|u| !**u).count()
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn replay(state: Arc<ReplayState>, raw: RawRequest) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let got = recorded_request(&raw, &state.redactions);
    let same = |r: &RecordedRequest| {
        r.method == got.method && r.path == got.path && r.query == got.query && r.body == got.body
    };
    let found = {
        let mut used = lock(&state.used);
        let all = &state.cassette.interactions;
        // The first unused match, else a used one: a retry of a recorded call.
        let pick = (0..all.len())
            .find(|&i| !used[i] && same(&all[i].request))
            .or_else(|| (0..all.len()).find(|&i| same(&all[i].request)));
        if let Some(i) = pick {
            used[i] = true;
        }
        pick.map(|i| all[i].response.clone())
    };
    match found {
        Some(resp) => {
            let headers = resp.headers.into_iter().collect();
            (resp.status, headers, body_bytes(&resp.body))
        }
        None => {
            let query = got
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let message = format!(
                "cassette {}: no recorded interaction matches {} {}{query} with body {}; re-record the cassette if the request changed on purpose",
                state.name, got.method, got.path, got.body
            );
            lock(&state.unmatched).push(message.clone());
            let body = json!({"error": {"code": "cassette_mismatch", "message": message}});
            (
                501,
                vec![("content-type".to_owned(), "application/json".to_owned())],
                body.to_string().into_bytes(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_are_words_of_the_field_name() {
        for secret in [
            "client_secret",
            "accessToken",
            "api-key",
            "key",
            "Password",
            "webhook_signing_secret",
            "refresh_token",
            "AUTHORIZATION",
        ] {
            assert!(secret_like(secret), "{secret}");
        }
        for plain in [
            "monkey",
            "tokenizer",
            "keyboard_layout",
            "amount",
            "passage",
            "id",
        ] {
            assert!(!secret_like(plain), "{plain}");
        }
    }

    #[test]
    fn secret_like_body_fields_are_hidden_by_default_unless_kept() {
        let body = br#"{"id":"pi_1","client_secret":"pi_1_secret_abc","card":{"token":"tok_1","last4":"4242"},"lookup_key":"gold","token":{"id":"tok_2"},"count":3}"#;
        let hidden = Redactions::default().body(body, Some("application/json"));
        assert_eq!(hidden["client_secret"], REDACTED);
        assert_eq!(hidden["card"]["token"], REDACTED);
        assert_eq!(hidden["card"]["last4"], "4242");
        assert_eq!(hidden["lookup_key"], REDACTED);
        // An object under a secret-like name keeps its shape (it must still decode).
        assert_eq!(hidden["token"]["id"], "tok_2");
        assert_eq!(hidden["id"], "pi_1");

        let kept = Redactions::default()
            .keep_field("lookup_key")
            .body(body, Some("application/json"));
        assert_eq!(kept["lookup_key"], "gold");
        assert_eq!(kept["client_secret"], REDACTED);

        let form = Redactions::default().body(
            b"amount=100&payment_method_data[card][cvc]=123&metadata[api_key]=k",
            Some("application/x-www-form-urlencoded"),
        );
        assert_eq!(
            form,
            format!(
                "amount=100&payment_method_data[card][cvc]={REDACTED}&metadata[api_key]={REDACTED}"
            )
        );
    }
}

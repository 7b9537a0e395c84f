//! The mapping file: how a domain port is implemented on top of a vendor.
//!
//! The file is YAML (format described key by key in `docs/mapping.md`). It is decoded by
//! hand from the spanned tree of `yaml.rs`, so that every mistake, including an unknown
//! key, can point at its line and column and suggest the nearest valid key. Decoding
//! keeps going after a mistake and reports all of them.

use crate::error::{Diagnostic, Error, Sink, Span, suggest};
use crate::load::openapi::sha256_hex;
use crate::load::yaml::{self, Node, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A decoded mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The file it came from.
    pub path: PathBuf,
    /// sha256 of its bytes.
    pub sha256: String,
    /// Name of the generated adapter struct, e.g. `StripeGateway`.
    pub adapter: Spanned<String>,
    /// The domain port it implements.
    pub implements: Implements,
    /// The vendor spec, relative to the mapping file.
    pub spec: Spanned<String>,
    /// The vendor's base URL (overridable at runtime).
    pub base_url: Spanned<String>,
    /// How calls authenticate.
    pub auth: Option<Auth>,
    /// Documented vendor limits.
    pub limits: Limits,
    /// Thresholds of the in-process health monitor.
    pub health: Option<Health>,
    /// Policies for every operation unless it overrides them.
    pub defaults: Policies,
    /// Where the vendor puts error codes and messages, and adapter-wide error rules.
    pub errors: Errors,
    /// One entry per port method the vendor serves.
    pub operations: Vec<OperationMap>,
    /// Port methods the vendor cannot serve (`unsupported:` instead of `call:`).
    pub unsupported: Vec<Unsupported>,
    /// How domain types are built from vendor schemas.
    pub types: Vec<TypeMap>,
}

/// `implements:`
#[derive(Debug, Clone)]
pub struct Implements {
    /// The trait's name.
    pub port: Spanned<String>,
    /// The Rust file that defines it, relative to the mapping file.
    pub source: Spanned<String>,
    /// The Rust path of that file's module in the crate that includes the generated code.
    pub module: Spanned<String>,
}

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SecretRef {
    /// An environment variable.
    Env(Spanned<String>),
    /// A file, re-read when it changes.
    File(Spanned<String>),
}

/// `auth:`
#[derive(Debug, Clone)]
pub struct Auth {
    /// Name of a security scheme in the spec.
    pub scheme: Spanned<String>,
    /// The secret (bearer token, API key, or basic-auth user name).
    pub secret: Option<SecretRef>,
    /// The basic-auth password, when there is one.
    pub password: Option<SecretRef>,
    /// OAuth2 client credentials: the client id.
    pub client_id: Option<SecretRef>,
    /// OAuth2 client credentials: the client secret.
    pub client_secret: Option<SecretRef>,
    /// OAuth2 scopes to ask for; `None` takes the spec's flow scopes.
    pub scopes: Option<Vec<Spanned<String>>>,
    /// OAuth2 token URL overriding the spec's.
    pub token_url: Option<Spanned<String>>,
    /// Where the `auth:` key is.
    pub span: Span,
}

/// `limits:`
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// The vendor's documented request rate.
    pub rate: Option<Rate>,
    /// The vendor's quota.
    pub quota: Option<Quota>,
    /// Named buckets with their own rate (GitHub's search limit), for the operations
    /// whose `rate_limit.bucket` names them; in the mapping's order.
    pub buckets: Vec<Bucket>,
}

/// How the vendor's `X-RateLimit-Reset` header counts (`limits.rate.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// Epoch seconds when the value is large, else seconds from now.
    Auto,
    /// Seconds since the Unix epoch (GitHub).
    Epoch,
    /// Seconds from now.
    Delta,
}

/// `limits.buckets.<name>`: a rate of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// The bucket's name, as operations name it.
    pub name: Spanned<String>,
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Share kept for critical operations.
    pub reserve: f64,
    /// Requests that may go back to back after a quiet period.
    pub burst: Option<u32>,
}

/// `health:` thresholds of the runtime's health monitor; absent keys keep its defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    /// The rolling window.
    pub window: Option<Duration>,
    /// Calls the window must hold before it judges.
    pub min_calls: Option<u32>,
    /// Share of failed calls that raises the alert.
    pub error_rate: Option<f64>,
    /// p95 latency that raises the alert.
    pub p95: Option<Duration>,
    /// p99 latency that raises the alert.
    pub p99: Option<Duration>,
    /// `enabled: false` turns the monitor off.
    pub enabled: Option<bool>,
}

/// `limits.rate`
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Share of the rate reserved for critical operations.
    pub reserve: f64,
    /// Requests that may go back to back after a quiet period (runtime default 1).
    pub burst: Option<u32>,
    /// How the vendor's reset header counts (runtime default: auto).
    pub reset: Option<Reset>,
}

/// `limits.quota`
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Usage shares that raise an alert.
    pub warn_at: Vec<f64>,
    /// Share of the quota only critical operations may use.
    pub reserve: f64,
}

/// Resilience policies; every field is optional so per-operation values override defaults one by one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policies {
    /// Timeout of one attempt.
    pub attempt_timeout: Option<Duration>,
    /// Overall budget of a call, all attempts and waits included.
    pub budget: Option<Duration>,
    /// Retries.
    pub retry: Option<Retry>,
    /// Circuit breaker.
    pub breaker: Option<Breaker>,
    /// Rate-limit treatment of the operation.
    pub rate_limit: Option<OpRateLimit>,
    /// What to serve when the vendor fails.
    pub fallback: Option<FallbackMap>,
}

/// `retry:`
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// Attempts in all, the first included (1 = no retry).
    pub attempts: u32,
    /// Backoff base.
    pub base: Duration,
    /// Backoff cap.
    pub cap: Duration,
    /// HTTP statuses that are retried.
    pub on: Option<Vec<u16>>,
}

/// `breaker:`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Breaker {
    /// Failure share over the window that opens the breaker.
    pub failure_rate: Option<f64>,
    /// Length of the sliding window the failure rate is computed over.
    pub window: Option<Duration>,
    /// Share of slow calls that opens the breaker.
    pub slow_call_rate: Option<f64>,
    /// `enabled: false` turns the breaker off.
    pub enabled: Option<bool>,
    /// Calls needed before the rate counts.
    pub min_calls: Option<u32>,
    /// A call slower than this counts as slow.
    pub slow_call: Option<Duration>,
    /// How long the breaker stays open.
    pub open_for: Option<Duration>,
    /// Probe calls let through while half-open.
    pub half_open_probes: Option<u32>,
    /// `per_operation: true` gives the operation its own breaker.
    pub per_operation: bool,
}

/// `rate_limit:` on an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OpRateLimit {
    /// Served from the reserved share.
    pub critical: bool,
    /// Named bucket (a key of `limits.buckets`); operations share the adapter's bucket by default.
    pub bucket: Option<Spanned<String>>,
    /// Where `rate_limit:` is.
    pub span: Span,
}

/// `fallback:` with the domain field that marks a degraded answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackMap {
    /// What answers when the vendor cannot.
    pub strategy: Fallback,
    /// The field of the operation's result set when the answer is degraded
    /// (`bool`, `Option<String>` or `Option<std::time::Duration>`).
    pub mark: Option<Spanned<String>>,
    /// Where the fallback is written.
    pub span: Span,
}

/// A `fallback:` strategy.
#[derive(Debug, Clone, PartialEq)]
pub enum Fallback {
    /// Serve the last good response.
    Cache {
        /// How long a response is fresh.
        ttl: Duration,
        /// How long a stale response may be served when the vendor fails.
        stale_if_error: Duration,
    },
    /// A static value: the vendor's JSON body, as the vendor would send it.
    Default(Spanned<serde_json::Value>),
    /// A fallback function the caller registers at runtime.
    Caller,
}

/// `errors:` at the top level.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    /// The component schema of the vendor's error bodies, when the spec does not declare one.
    pub schema: Option<Spanned<String>>,
    /// Path of the vendor's error code in its error body, e.g. `error.code`.
    pub code: Option<Spanned<String>>,
    /// Path of the vendor's error message in its error body.
    pub message: Option<Spanned<String>>,
    /// Adapter-wide rules.
    pub rules: Vec<ErrorRule>,
}

/// What an error rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKey {
    /// A vendor status, e.g. `"404"`.
    Status(u16),
    /// A vendor status and error code, e.g. `"402/card_declined"`.
    StatusCode(u16, String),
    /// A class of vendor statuses, e.g. `"5xx"` (the digit is kept: 5).
    StatusClass(u16),
    /// A kind of the runtime's taxonomy: auth, rate_limited, timeout, unavailable, vendor, contract, transport, config.
    Kind(String),
    /// `_`: everything else.
    CatchAll,
}

/// The kinds an error rule may name.
pub const ERROR_KINDS: [&str; 8] = [
    "auth",
    "rate_limited",
    "timeout",
    "unavailable",
    "vendor",
    "contract",
    "transport",
    "config",
];

/// One `"402/card_declined": PaymentError::Declined` line.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRule {
    /// What it matches.
    pub key: Spanned<ErrorKey>,
    /// The domain error variant, e.g. `PaymentError::Declined`.
    pub target: Spanned<String>,
}

/// How an idempotency key is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyPlacement {
    /// In a header of this name.
    Header(Spanned<String>),
    /// In a request body field at this path.
    Body(Spanned<String>),
}

/// `idempotency:`
#[derive(Debug, Clone, PartialEq)]
pub struct Idempotency {
    /// Where the key goes.
    pub placement: KeyPlacement,
    /// The domain value the key is derived from; a UUIDv4 when absent.
    pub key: Option<Spanned<String>>,
}

/// A value sent to the vendor.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSpec {
    /// An expression over the method's arguments, e.g. `req.amount.minor_units`, optionally through a function.
    Expr {
        /// The expression.
        from: Spanned<String>,
        /// A conversion function applied to it.
        via: Option<Spanned<String>>,
    },
    /// A constant.
    Const(Spanned<serde_json::Value>),
    /// A list of objects built from a `Vec`: `{ from: req.items, each: { price: item.price_id } }`,
    /// each item's fields mapped from `item`.
    Each {
        /// The list expression.
        from: Spanned<String>,
        /// The item's fields by dotted path; expressions start at `item`.
        each: Vec<(Spanned<String>, ValueSpec)>,
    },
}

/// One operation of the mapping.
#[derive(Debug, Clone)]
pub struct OperationMap {
    /// The port method.
    pub method: Spanned<String>,
    /// The vendor operation: an operationId or `METHOD /path`.
    pub call: Spanned<String>,
    /// Per-operation policies.
    pub policies: Policies,
    /// Idempotency key for writes.
    pub idempotency: Option<Idempotency>,
    /// Path, query and header parameters.
    pub params: Vec<(Spanned<String>, ValueSpec)>,
    /// Request body fields, by dotted path.
    pub request: Vec<(Spanned<String>, ValueSpec)>,
    /// The whole request body from one value (bytes or text), for non-JSON media types.
    pub body: Option<ValueSpec>,
    /// The success statuses the result is built from (`status: 200`); other 2xx answers
    /// are contract errors. All documented 2xx statuses when absent.
    pub status: Option<Vec<Spanned<u16>>>,
    /// The domain type the response becomes.
    pub response: Option<Spanned<String>>,
    /// Error rules for this operation, tried before the adapter-wide ones.
    pub errors: Vec<ErrorRule>,
    /// Where the domain object sits in the response body, e.g. `payment` (Square wraps it).
    pub unwrap: Option<Spanned<String>>,
    /// A success response that is really a refusal (Adyen's `resultCode: Refused`).
    pub reject: Option<Reject>,
}

/// A port method the vendor has no operation for: it fails at once with a domain error.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported {
    /// The port method.
    pub method: Spanned<String>,
    /// The domain error variant it returns, e.g. `PaymentError::Unsupported`.
    pub error: Spanned<String>,
}

/// `reject:` a 2xx response whose field says the request was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// The response field, e.g. `resultCode`.
    pub field: Spanned<String>,
    /// The values that mean "refused".
    pub values: Vec<Spanned<String>>,
    /// A response field with the vendor's reason, used as the error message.
    pub message: Option<Spanned<String>>,
}

/// How one domain type is built.
#[derive(Debug, Clone)]
pub struct TypeMap {
    /// The domain type.
    pub name: Spanned<String>,
    /// The vendor schema it is built from (a check; optional).
    pub from: Option<Spanned<String>>,
    /// One entry per domain field.
    pub fields: Vec<FieldMap>,
}

/// How one domain field is produced.
#[derive(Debug, Clone)]
pub struct FieldMap {
    /// The domain field.
    pub name: Spanned<String>,
    /// Vendor field paths, e.g. `metadata.order_id`; several when `via` takes several arguments.
    pub from: Vec<Spanned<String>>,
    /// A conversion function.
    pub via: Option<Spanned<String>>,
    /// Vendor value → domain enum variant; `_` is the catch-all.
    pub values: Option<Vec<(Spanned<String>, Spanned<String>)>>,
    /// Value used when the vendor leaves the field out.
    pub default: Option<Spanned<serde_json::Value>>,
    /// `required: true` makes a missing optional vendor field a contract error.
    pub required: bool,
    /// `{ mark: true }`: a degradation mark, filled with its fresh value (`false`, `None`)
    /// by the translation and set by operations whose fallback answered.
    pub mark: bool,
}

const TOP_KEYS: [&str; 12] = [
    "version",
    "adapter",
    "implements",
    "spec",
    "base_url",
    "auth",
    "limits",
    "health",
    "defaults",
    "errors",
    "operations",
    "types",
];
const POLICY_KEYS: [&str; 6] = [
    "attempt_timeout",
    "budget",
    "retry",
    "breaker",
    "rate_limit",
    "fallback",
];

impl Mapping {
    /// Reads and decodes a mapping file.
    pub fn load(path: &Path) -> Result<Mapping, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Mapping::from_bytes(path, &bytes)
    }

    /// Decodes a mapping from bytes; `path` is used in diagnostics and to resolve relative paths.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Mapping, Error> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::one(
                Diagnostic::new(path, None, format!("the mapping is not UTF-8 text ({e})"))
                    .help("save it as UTF-8"),
            )
        })?;
        let root = yaml::parse(text).map_err(|e| {
            Error::one(
                Diagnostic::new(
                    path,
                    Some(e.span),
                    format!("the mapping is not valid YAML: {}", e.message),
                )
                .help("fix the YAML syntax at that place"),
            )
        })?;
        let mut d = Decoder {
            file: path,
            sink: Sink::default(),
        };
        // Gaps left by `portcullis scaffold` are reported alone: the rest would only be noise.
        d.gaps(&root);
        if !d.sink.is_empty() {
            return Err(d.sink.fail());
        }
        let m = d.mapping(&root, sha256_hex(bytes));
        match m {
            Some(m) => d.sink.finish(m),
            None => {
                if d.sink.is_empty() {
                    d.sink.push(
                        Diagnostic::new(
                            path,
                            Some(root.span),
                            "the mapping file is empty or not a mapping",
                        )
                        .help("start from `portcullis scaffold` or docs/mapping.md"),
                    );
                }
                Err(d.sink.fail())
            }
        }
    }

    /// The directory relative paths in the mapping are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }
}

struct Decoder<'a> {
    file: &'a Path,
    sink: Sink,
}

/// The marker `portcullis scaffold` leaves where it could not decide.
pub const GAP: &str = "FIXME";

impl Decoder<'_> {
    fn gaps(&mut self, node: &Node) {
        match &node.value {
            Value::Scalar { text, .. } if text.starts_with(GAP) => {
                let hint = text
                    .trim_start_matches(GAP)
                    .trim_matches(|c| c == '(' || c == ')' || c == ' ');
                let help = if hint.is_empty() {
                    "fill it in".to_string()
                } else {
                    format!("fill in: {hint}")
                };
                self.err(
                    node.span,
                    format!("a gap left by `portcullis scaffold`: {text}"),
                    help,
                );
            }
            Value::Seq(items) => items.iter().for_each(|i| self.gaps(i)),
            Value::Map(entries) => {
                for (k, v) in entries {
                    self.gaps(k);
                    self.gaps(v);
                }
            }
            _ => {}
        }
    }

    fn err(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.sink
            .push(Diagnostic::new(self.file, Some(span), msg).help(help));
    }

    /// The entries of a mapping node, reporting keys not in `allowed` (when given).
    fn entries<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: Option<&[&str]>,
    ) -> Vec<(Spanned<String>, &'n Node)> {
        let Some(entries) = node.as_map() else {
            if !matches!(node.value, Value::Null) {
                self.err(
                    node.span,
                    format!("{what} should be a mapping, found {}", node.kind()),
                    "write it as `key: value` lines",
                );
            }
            return Vec::new();
        };
        let mut out: Vec<(Spanned<String>, &Node)> = Vec::new();
        for (k, v) in entries {
            let Some(key) = k.as_str() else {
                self.err(
                    k.span,
                    format!("a key in {what} is {} instead of a name", k.kind()),
                    "use a plain name as the key",
                );
                continue;
            };
            if let Some(allowed) = allowed {
                if !allowed.contains(&key) {
                    self.err(
                        k.span,
                        format!("unknown key '{key}' in {what}"),
                        suggest(key, allowed.iter().copied()),
                    );
                    continue;
                }
            }
            if out.iter().any(|(seen, _)| seen.value == key) {
                self.err(
                    k.span,
                    format!("key '{key}' appears twice in {what}"),
                    "keep one of them",
                );
                continue;
            }
            out.push((Spanned::new(key.to_string(), k.span), v));
        }
        out
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match node.as_str() {
            Some(s) => Some(Spanned::new(s.to_string(), node.span)),
            None => {
                self.err(
                    node.span,
                    format!("{what} should be a string, found {}", node.kind()),
                    "write a single value",
                );
                None
            }
        }
    }

    fn number<T: std::str::FromStr>(&mut self, node: &Node, what: &str) -> Option<T> {
        match node.as_str().map(|s| s.parse::<T>()) {
            Some(Ok(n)) => Some(n),
            _ => {
                self.err(
                    node.span,
                    format!("{what} should be a number, found {}", describe(node)),
                    "write a number such as 3",
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.as_str() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => {
                self.err(
                    node.span,
                    format!("{what} should be true or false, found {}", describe(node)),
                    "write true or false",
                );
                None
            }
        }
    }

    fn duration(&mut self, node: &Node, what: &str) -> Option<Duration> {
        let text = node.as_str().unwrap_or_default();
        match parse_duration(text) {
            Some(d) => Some(d),
            None => {
                self.err(
                    node.span,
                    format!("{what} should be a duration, found {}", describe(node)),
                    "write a number with a unit: ms, s, m, h or d (for example 250ms, 5s, 1d)",
                );
                None
            }
        }
    }

    fn required<'n>(
        &mut self,
        entries: &[(Spanned<String>, &'n Node)],
        key: &str,
        at: Span,
        what: &str,
    ) -> Option<&'n Node> {
        let found = entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| *v);
        if found.is_none() {
            self.err(
                at,
                format!("{what} is missing the required key '{key}'"),
                format!("add `{key}: …`"),
            );
        }
        found
    }

    fn mapping(&mut self, root: &Node, sha256: String) -> Option<Mapping> {
        let top = self.entries(root, "the mapping file", Some(&TOP_KEYS));
        root.as_map()?;
        let get = |k: &str| top.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        if let Some(v) = get("version") {
            if v.as_str() != Some("1") {
                self.err(
                    v.span,
                    format!("unsupported mapping format version {}", describe(v)),
                    "this Portcullis reads `version: 1`",
                );
            }
        }
        let adapter = self
            .required(&top, "adapter", root.span, "the mapping")
            .and_then(|n| self.string(n, "adapter"));
        let implements = self
            .required(&top, "implements", root.span, "the mapping")
            .and_then(|n| self.implements(n));
        let spec = self
            .required(&top, "spec", root.span, "the mapping")
            .and_then(|n| self.string(n, "spec"));
        let base_url = self
            .required(&top, "base_url", root.span, "the mapping")
            .and_then(|n| self.string(n, "base_url"));
        if let Some(b) = &base_url {
            if !(b.value.starts_with("https://") || b.value.starts_with("http://")) {
                self.err(
                    b.span,
                    format!("base_url '{}' is not an http(s) URL", b.value),
                    "write it as https://host[/prefix]",
                );
            }
        }
        let auth = get("auth").and_then(|n| self.auth(n));
        let limits = get("limits").map(|n| self.limits(n)).unwrap_or_default();
        let health = get("health").map(|n| self.health(n));
        let defaults = get("defaults")
            .map(|n| self.policies(n, "defaults", &[]))
            .unwrap_or_default();
        let errors = get("errors").map(|n| self.errors(n)).unwrap_or_default();
        let (operations, unsupported) = match get("operations") {
            Some(n) => self.operations(n),
            None => {
                self.err(
                    root.span,
                    "the mapping has no `operations:`",
                    "map each method of the port under `operations:`",
                );
                (Vec::new(), Vec::new())
            }
        };
        let types = get("types").map(|n| self.types(n)).unwrap_or_default();
        Some(Mapping {
            path: self.file.to_path_buf(),
            sha256,
            adapter: adapter?,
            implements: implements?,
            spec: spec?,
            base_url: base_url?,
            auth,
            limits,
            health,
            defaults,
            errors,
            operations,
            unsupported,
            types,
        })
    }

    fn implements(&mut self, node: &Node) -> Option<Implements> {
        let e = self.entries(node, "implements", Some(&["port", "source", "module"]));
        let port = self
            .required(&e, "port", node.span, "implements")
            .and_then(|n| self.string(n, "implements.port"));
        let source = self
            .required(&e, "source", node.span, "implements")
            .and_then(|n| self.string(n, "implements.source"));
        let module = match e.iter().find(|(k, _)| k.value == "module") {
            Some((_, n)) => self.string(n, "implements.module"),
            None => Some(Spanned::new("crate::domain".to_string(), node.span)),
        };
        Some(Implements {
            port: port?,
            source: source?,
            module: module?,
        })
    }

    fn secret(&mut self, node: &Node, what: &str) -> Option<SecretRef> {
        let e = self.entries(node, what, Some(&["env", "file"]));
        match e.as_slice() {
            [(k, v)] if k.value == "env" => self.string(v, what).map(SecretRef::Env),
            [(k, v)] if k.value == "file" => self.string(v, what).map(SecretRef::File),
            _ => {
                self.err(
                    node.span,
                    format!("{what} should name one source"),
                    "write `{ env: VAR }` or `{ file: path }`",
                );
                None
            }
        }
    }

    fn auth(&mut self, node: &Node) -> Option<Auth> {
        let e = self.entries(
            node,
            "auth",
            Some(&[
                "scheme",
                "secret",
                "password",
                "client_id",
                "client_secret",
                "scopes",
                "token_url",
            ]),
        );
        let scheme = self
            .required(&e, "scheme", node.span, "auth")
            .and_then(|n| self.string(n, "auth.scheme"))?;
        let secret = e
            .iter()
            .find(|(k, _)| k.value == "secret")
            .and_then(|(_, n)| self.secret(n, "auth.secret"));
        let password = e
            .iter()
            .find(|(k, _)| k.value == "password")
            .and_then(|(_, n)| self.secret(n, "auth.password"));
        let field = |name: &str| e.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
        let client_id = field("client_id").and_then(|n| self.secret(n, "auth.client_id"));
        let client_secret =
            field("client_secret").and_then(|n| self.secret(n, "auth.client_secret"));
        let token_url = field("token_url").and_then(|n| self.string(n, "auth.token_url"));
        let scopes = field("scopes").map(|n| match n.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|i| self.string(i, "auth.scopes"))
                .collect(),
            None => {
                self.err(
                    n.span,
                    "auth.scopes should be a list of scope names",
                    "write for example [payments:read, payments:write]",
                );
                Vec::new()
            }
        });
        Some(Auth {
            scheme,
            secret,
            password,
            client_id,
            client_secret,
            scopes,
            token_url,
            span: node.span,
        })
    }

    fn limits(&mut self, node: &Node) -> Limits {
        let e = self.entries(node, "limits", Some(&["rate", "quota", "buckets"]));
        let mut out = Limits::default();
        for (k, v) in e {
            match k.value.as_str() {
                "rate" => out.rate = self.rate(v),
                "quota" => out.quota = self.quota(v),
                _ => {
                    for (name, b) in self.entries(v, "limits.buckets", None) {
                        let what = format!("limits.buckets.{}", name.value);
                        let f =
                            self.entries(b, &what, Some(&["requests", "per", "reserve", "burst"]));
                        let (requests, per) = self.requests_per(&f, b.span, &what);
                        let field = |n: &str| f.iter().find(|(k, _)| k.value == n).map(|(_, v)| *v);
                        let reserve = field("reserve")
                            .and_then(|n| self.reserve(n))
                            .unwrap_or(0.0);
                        let burst = field("burst").and_then(|n| self.burst(n));
                        if let (Some(requests), Some(per)) = (requests, per) {
                            out.buckets.push(Bucket {
                                name,
                                requests,
                                per,
                                reserve,
                                burst,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn requests_per(
        &mut self,
        f: &[(Spanned<String>, &Node)],
        at: Span,
        what: &str,
    ) -> (Option<u64>, Option<Duration>) {
        let requests = self
            .required(f, "requests", at, what)
            .and_then(|n| self.number::<u64>(n, "requests"));
        let per = self
            .required(f, "per", at, what)
            .and_then(|n| self.duration(n, "per"));
        if let (Some(0), Some(n)) = (requests, f.iter().find(|(k, _)| k.value == "requests")) {
            self.err(
                n.1.span,
                format!("{what}.requests is 0, which would refuse every call"),
                "write the vendor's documented number of requests",
            );
        }
        if per.is_some_and(|p| p.is_zero()) {
            self.err(
                at,
                format!("{what}.per is zero"),
                "write a window such as 1s or 1d",
            );
        }
        (requests, per)
    }

    /// A reserve share: the runtime keeps at most 90 % for critical operations.
    fn reserve(&mut self, node: &Node) -> Option<f64> {
        let r = self.share(node, "reserve")?;
        if r > 0.9 {
            self.err(
                node.span,
                format!("reserve {r} leaves less than 10% for ordinary calls"),
                "write at most 0.9",
            );
            return None;
        }
        Some(r)
    }

    fn burst(&mut self, node: &Node) -> Option<u32> {
        match self.number::<u32>(node, "burst")? {
            0 => {
                self.err(
                    node.span,
                    "burst is the number of requests that may go back to back, at least 1",
                    "write 1 for evenly spaced requests",
                );
                None
            }
            n => Some(n),
        }
    }

    fn rate(&mut self, v: &Node) -> Option<Rate> {
        let what = "limits.rate";
        let f = self.entries(
            v,
            what,
            Some(&["requests", "per", "reserve", "burst", "reset"]),
        );
        let (requests, per) = self.requests_per(&f, v.span, what);
        let field = |name: &str| f.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
        let reserve = field("reserve")
            .and_then(|n| self.reserve(n))
            .unwrap_or(0.0);
        let burst = field("burst").and_then(|n| self.burst(n));
        let reset = field("reset").and_then(|n| match n.as_str() {
            Some("auto") => Some(Reset::Auto),
            Some("epoch") => Some(Reset::Epoch),
            Some("delta") => Some(Reset::Delta),
            _ => {
                let help = match n.as_str() {
                    Some(s) => suggest(s, ["auto", "epoch", "delta"]),
                    None => "write auto, epoch or delta".to_string(),
                };
                self.err(
                    n.span,
                    format!(
                        "limits.rate.reset should be auto, epoch (seconds since 1970, GitHub) or delta (seconds from now), found {}",
                        describe(n)
                    ),
                    help,
                );
                None
            }
        });
        Some(Rate {
            requests: requests?,
            per: per?,
            reserve,
            burst,
            reset,
        })
    }

    fn quota(&mut self, v: &Node) -> Option<Quota> {
        let what = "limits.quota";
        let f = self.entries(v, what, Some(&["requests", "per", "reserve", "warn_at"]));
        let (requests, per) = self.requests_per(&f, v.span, what);
        let field = |name: &str| f.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
        let reserve = field("reserve")
            .and_then(|n| self.reserve(n))
            .unwrap_or(0.0);
        let warn_at = match field("warn_at") {
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(|i| self.share(i, "warn_at"))
                    .collect(),
                None => {
                    self.err(
                        n.span,
                        "warn_at should be a list of shares",
                        "write for example [0.8, 0.95]",
                    );
                    Vec::new()
                }
            },
            None => vec![0.8, 0.95],
        };
        Some(Quota {
            requests: requests?,
            per: per?,
            warn_at,
            reserve,
        })
    }

    fn health(&mut self, node: &Node) -> Health {
        let keys = ["enabled", "window", "min_calls", "error_rate", "p95", "p99"];
        let mut h = Health::default();
        for (k, v) in self.entries(node, "health", Some(&keys)) {
            match k.value.as_str() {
                "enabled" => h.enabled = self.boolean(v, "health.enabled"),
                "window" => h.window = self.duration(v, "health.window"),
                "min_calls" => h.min_calls = self.number(v, "health.min_calls"),
                "error_rate" => h.error_rate = self.share(v, "health.error_rate"),
                "p95" => h.p95 = self.duration(v, "health.p95"),
                _ => h.p99 = self.duration(v, "health.p99"),
            }
        }
        h
    }

    fn share(&mut self, node: &Node, what: &str) -> Option<f64> {
        let n: f64 = self.number(node, what)?;
        if (0.0..=1.0).contains(&n) {
            Some(n)
        } else {
            self.err(
                node.span,
                format!("{what} should be a share between 0 and 1, found {n}"),
                "write for example 0.8",
            );
            None
        }
    }

    fn policies(&mut self, node: &Node, what: &str, extra: &[&str]) -> Policies {
        let allowed: Vec<&str> = POLICY_KEYS.iter().chain(extra).copied().collect();
        let e = self.entries(node, what, Some(&allowed));
        self.policies_from(&e)
    }

    fn policies_from(&mut self, e: &[(Spanned<String>, &Node)]) -> Policies {
        let mut p = Policies::default();
        for (k, v) in e {
            match k.value.as_str() {
                "attempt_timeout" => p.attempt_timeout = self.duration(v, "attempt_timeout"),
                "budget" => p.budget = self.duration(v, "budget"),
                "retry" => p.retry = self.retry(v),
                "breaker" => p.breaker = self.breaker(v),
                "rate_limit" => {
                    let f = self.entries(v, "rate_limit", Some(&["critical", "bucket"]));
                    let mut r = OpRateLimit {
                        critical: false,
                        bucket: None,
                        span: k.span,
                    };
                    for (k, v) in f {
                        match k.value.as_str() {
                            "critical" => {
                                r.critical = self.boolean(v, "rate_limit.critical").unwrap_or(false)
                            }
                            _ => r.bucket = self.string(v, "rate_limit.bucket"),
                        }
                    }
                    p.rate_limit = Some(r);
                }
                "fallback" => p.fallback = self.fallback(v),
                _ => {}
            }
        }
        p
    }

    fn retry(&mut self, node: &Node) -> Option<Retry> {
        if node.as_str() == Some("none") || node.as_str() == Some("false") {
            return Some(Retry {
                attempts: 1,
                base: Duration::ZERO,
                cap: Duration::ZERO,
                on: None,
            });
        }
        let e = self.entries(node, "retry", Some(&["attempts", "base", "cap", "on"]));
        let mut r = Retry {
            attempts: 3,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(5),
            on: None,
        };
        for (k, v) in e {
            match k.value.as_str() {
                "attempts" => match self.number::<u32>(v, "retry.attempts") {
                    Some(0) => self.err(
                        v.span,
                        "retry.attempts counts the first attempt too, so it must be at least 1",
                        "write 1 for no retries",
                    ),
                    Some(n) => r.attempts = n,
                    None => {}
                },
                "base" => r.base = self.duration(v, "retry.base").unwrap_or(r.base),
                "cap" => r.cap = self.duration(v, "retry.cap").unwrap_or(r.cap),
                _ => match v.as_seq() {
                    Some(items) => {
                        let codes: Vec<u16> = items.iter().filter_map(|i| self.status(i)).collect();
                        r.on = Some(codes);
                    }
                    None => self.err(
                        v.span,
                        "retry.on should be a list of HTTP statuses",
                        "write for example [429, 503]",
                    ),
                },
            }
        }
        Some(r)
    }

    fn status(&mut self, node: &Node) -> Option<u16> {
        match node.as_str().and_then(|s| s.parse::<u16>().ok()) {
            Some(s) if (100..=599).contains(&s) => Some(s),
            _ => {
                self.err(
                    node.span,
                    format!("{} is not an HTTP status", describe(node)),
                    "use a number from 100 to 599",
                );
                None
            }
        }
    }

    fn breaker(&mut self, node: &Node) -> Option<Breaker> {
        if node.as_str() == Some("off") || node.as_str() == Some("false") {
            return Some(Breaker {
                enabled: Some(false),
                ..Breaker::default()
            });
        }
        let keys = [
            "enabled",
            "failure_rate",
            "window",
            "min_calls",
            "slow_call",
            "slow_call_rate",
            "open_for",
            "half_open_probes",
            "per_operation",
        ];
        let e = self.entries(node, "breaker", Some(&keys));
        let mut b = Breaker::default();
        for (k, v) in e {
            match k.value.as_str() {
                "failure_rate" => b.failure_rate = self.share(v, "breaker.failure_rate"),
                "window" => b.window = self.duration(v, "breaker.window"),
                "min_calls" => b.min_calls = self.number(v, "breaker.min_calls"),
                "slow_call" => b.slow_call = self.duration(v, "breaker.slow_call"),
                "slow_call_rate" => b.slow_call_rate = self.share(v, "breaker.slow_call_rate"),
                "enabled" => b.enabled = self.boolean(v, "breaker.enabled"),
                "open_for" => b.open_for = self.duration(v, "breaker.open_for"),
                "half_open_probes" => {
                    b.half_open_probes = self.number(v, "breaker.half_open_probes")
                }
                _ => b.per_operation = self.boolean(v, "breaker.per_operation").unwrap_or(false),
            }
        }
        Some(b)
    }

    fn fallback(&mut self, node: &Node) -> Option<FallbackMap> {
        if node.as_str() == Some("caller") {
            return Some(FallbackMap {
                strategy: Fallback::Caller,
                mark: None,
                span: node.span,
            });
        }
        let e = self.entries(
            node,
            "fallback",
            Some(&["cache", "default", "caller", "mark"]),
        );
        let mark = e
            .iter()
            .find(|(k, _)| k.value == "mark")
            .and_then(|(_, n)| self.string(n, "fallback.mark"));
        let strategies: Vec<&(Spanned<String>, &Node)> =
            e.iter().filter(|(k, _)| k.value != "mark").collect();
        let strategy = match strategies.as_slice() {
            [(k, v)] if k.value == "cache" => {
                let f = self.entries(v, "fallback.cache", Some(&["ttl", "stale_if_error"]));
                let ttl = self
                    .required(&f, "ttl", v.span, "fallback.cache")
                    .and_then(|n| self.duration(n, "ttl"));
                let stale = match f.iter().find(|(k, _)| k.value == "stale_if_error") {
                    Some((_, n)) => self.duration(n, "stale_if_error"),
                    None => Some(Duration::ZERO),
                };
                Fallback::Cache {
                    ttl: ttl?,
                    stale_if_error: stale?,
                }
            }
            [(k, v)] if k.value == "default" => {
                Fallback::Default(Spanned::new(v.to_json(), v.span))
            }
            [(k, v)] if k.value == "caller" => {
                if self.boolean(v, "fallback.caller") != Some(true) {
                    return None;
                }
                Fallback::Caller
            }
            _ => {
                self.err(
                    node.span,
                    "fallback should name one strategy",
                    "write `{ cache: { ttl: 60s, stale_if_error: 10m }, mark: stale }`, `{ default: <vendor body>, mark: stale }` or `{ caller: true, mark: stale }`",
                );
                return None;
            }
        };
        Some(FallbackMap {
            strategy,
            mark,
            span: node.span,
        })
    }

    fn errors(&mut self, node: &Node) -> Errors {
        let e = self.entries(node, "errors", Some(&["schema", "code", "message", "map"]));
        let mut out = Errors::default();
        for (k, v) in e {
            match k.value.as_str() {
                "schema" => out.schema = self.string(v, "errors.schema"),
                "code" => out.code = self.string(v, "errors.code"),
                "message" => out.message = self.string(v, "errors.message"),
                _ => out.rules = self.error_rules(v, "errors.map"),
            }
        }
        out
    }

    fn error_rules(&mut self, node: &Node, what: &str) -> Vec<ErrorRule> {
        let e = self.entries(node, what, None);
        let mut out = Vec::new();
        for (k, v) in e {
            let key = match parse_error_key(&k.value) {
                Ok(key) => key,
                Err(help) => {
                    self.err(
                        k.span,
                        format!("'{}' is not an error to match", k.value),
                        help,
                    );
                    continue;
                }
            };
            if let Some(target) = self.string(v, "an error rule's target") {
                out.push(ErrorRule {
                    key: Spanned::new(key, k.span),
                    target,
                });
            }
        }
        out
    }

    fn value_spec(&mut self, node: &Node, what: &str) -> Option<ValueSpec> {
        match &node.value {
            Value::Scalar {
                text,
                quoted: false,
            } if looks_like_expr(text) => Some(ValueSpec::Expr {
                from: Spanned::new(text.clone(), node.span),
                via: None,
            }),
            Value::Map(_) => {
                let e = self.entries(node, what, Some(&["from", "via", "const", "each"]));
                let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
                if let Some(c) = get("const") {
                    return Some(ValueSpec::Const(Spanned::new(c.to_json(), c.span)));
                }
                if let Some(items) = get("each") {
                    let from = self
                        .required(&e, "from", node.span, what)
                        .and_then(|n| self.string(n, "from"))?;
                    let mut each = Vec::new();
                    for (k, v) in self.entries(items, "each", None) {
                        if let Some(spec) = self.value_spec(v, &format!("item field '{}'", k.value))
                        {
                            each.push((k, spec));
                        }
                    }
                    return Some(ValueSpec::Each { from, each });
                }
                let from = self
                    .required(&e, "from", node.span, what)
                    .and_then(|n| self.string(n, "from"))?;
                let via = get("via").and_then(|n| self.string(n, "via"));
                Some(ValueSpec::Expr { from, via })
            }
            _ => Some(ValueSpec::Const(Spanned::new(node.to_json(), node.span))),
        }
    }

    fn operations(&mut self, node: &Node) -> (Vec<OperationMap>, Vec<Unsupported>) {
        let ops = self.entries(node, "operations", None);
        let mut out = Vec::new();
        let mut unsupported = Vec::new();
        let extra = [
            "call",
            "idempotency",
            "params",
            "request",
            "response",
            "errors",
            "unwrap",
            "reject",
            "unsupported",
            "body",
            "status",
        ];
        for (method, body) in ops {
            let what = format!("operation '{}'", method.value);
            let allowed: Vec<&str> = POLICY_KEYS.iter().chain(extra.iter()).copied().collect();
            let e = self.entries(body, &what, Some(&allowed));
            if let Some((_, n)) = e.iter().find(|(k, _)| k.value == "unsupported") {
                if e.len() > 1 {
                    self.err(
                        method.span,
                        format!("{what} is `unsupported`, so it takes no other keys"),
                        "remove the other keys, or map it with `call:`",
                    );
                }
                if let Some(error) = self.string(n, "unsupported") {
                    unsupported.push(Unsupported { method, error });
                }
                continue;
            }
            let Some(call) = self
                .required(&e, "call", method.span, &what)
                .and_then(|n| self.string(n, "call"))
            else {
                continue;
            };
            let policies = self.policies_from(&e);
            let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
            let idempotency = get("idempotency").and_then(|n| self.idempotency(n));
            let mut params = Vec::new();
            if let Some(p) = get("params") {
                for (k, v) in self.entries(p, "params", None) {
                    if let Some(spec) = self.value_spec(v, &format!("param '{}'", k.value)) {
                        params.push((k, spec));
                    }
                }
            }
            let mut request = Vec::new();
            if let Some(p) = get("request") {
                for (k, v) in self.entries(p, "request", None) {
                    if let Some(spec) = self.value_spec(v, &format!("request field '{}'", k.value))
                    {
                        request.push((k, spec));
                    }
                }
            }
            let response = get("response").and_then(|n| self.string(n, "response"));
            let errors = get("errors")
                .map(|n| self.error_rules(n, "errors"))
                .unwrap_or_default();
            let unwrap = get("unwrap").and_then(|n| self.string(n, "unwrap"));
            let body = get("body").and_then(|n| self.value_spec(n, "body"));
            let status = get("status").map(|n| {
                let items: Vec<&Node> = match n.as_seq() {
                    Some(items) => items.iter().collect(),
                    None => vec![n],
                };
                items
                    .into_iter()
                    .filter_map(|i| self.status(i).map(|s| Spanned::new(s, i.span)))
                    .collect()
            });
            let reject = get("reject").and_then(|n| self.reject(n));
            out.push(OperationMap {
                method,
                call,
                policies,
                idempotency,
                params,
                request,
                response,
                errors,
                unwrap,
                reject,
                body,
                status,
            });
        }
        (out, unsupported)
    }

    fn reject(&mut self, node: &Node) -> Option<Reject> {
        let e = self.entries(node, "reject", Some(&["field", "values", "message"]));
        let field = self
            .required(&e, "field", node.span, "reject")
            .and_then(|n| self.string(n, "reject.field"));
        let values = match self.required(&e, "values", node.span, "reject") {
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(|i| self.string(i, "a reject value"))
                    .collect(),
                None => {
                    self.err(
                        n.span,
                        "reject.values should be a list",
                        "write for example [Refused, Error]",
                    );
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let message = e
            .iter()
            .find(|(k, _)| k.value == "message")
            .and_then(|(_, n)| self.string(n, "reject.message"));
        Some(Reject {
            field: field?,
            values,
            message,
        })
    }

    fn idempotency(&mut self, node: &Node) -> Option<Idempotency> {
        let e = self.entries(node, "idempotency", Some(&["header", "body", "key"]));
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        let placement = match (get("header"), get("body")) {
            (Some(h), None) => KeyPlacement::Header(self.string(h, "idempotency.header")?),
            (None, Some(b)) => KeyPlacement::Body(self.string(b, "idempotency.body")?),
            _ => {
                self.err(
                    node.span,
                    "idempotency needs exactly one of `header` or `body`",
                    "write `header: Idempotency-Key` or `body: idempotency_key`",
                );
                return None;
            }
        };
        let key = get("key").and_then(|n| self.string(n, "idempotency.key"));
        Some(Idempotency { placement, key })
    }

    fn types(&mut self, node: &Node) -> Vec<TypeMap> {
        let mut out = Vec::new();
        for (name, body) in self.entries(node, "types", None) {
            let what = format!("type '{}'", name.value);
            let e = self.entries(body, &what, Some(&["from", "fields"]));
            let from = e
                .iter()
                .find(|(k, _)| k.value == "from")
                .and_then(|(_, n)| self.string(n, "from"));
            let mut fields = Vec::new();
            if let Some((_, f)) = e.iter().find(|(k, _)| k.value == "fields") {
                for (fname, spec) in self.entries(f, &format!("{what} fields"), None) {
                    if let Some(fm) = self.field(fname, spec) {
                        fields.push(fm);
                    }
                }
            }
            out.push(TypeMap { name, from, fields });
        }
        out
    }

    fn field(&mut self, name: Spanned<String>, node: &Node) -> Option<FieldMap> {
        let mut fm = FieldMap {
            name,
            from: Vec::new(),
            via: None,
            values: None,
            default: None,
            required: false,
            mark: false,
        };
        if let Some(s) = node.as_str() {
            fm.from.push(Spanned::new(s.to_string(), node.span));
            return Some(fm);
        }
        let what = format!("field '{}'", fm.name.value);
        let e = self.entries(
            node,
            &what,
            Some(&["from", "via", "values", "default", "required", "mark"]),
        );
        for (k, v) in &e {
            match k.value.as_str() {
                "from" => match &v.value {
                    Value::Seq(items) => {
                        fm.from = items
                            .iter()
                            .filter_map(|i| self.string(i, "from"))
                            .collect()
                    }
                    _ => fm.from = self.string(v, "from").into_iter().collect(),
                },
                "via" => fm.via = self.string(v, "via"),
                "values" => {
                    let mut pairs = Vec::new();
                    for (wire, variant) in self.entries(v, "values", None) {
                        if let Some(variant) = self.string(variant, "a variant name") {
                            pairs.push((wire, variant));
                        }
                    }
                    fm.values = Some(pairs);
                }
                "default" => fm.default = Some(Spanned::new(v.to_json(), v.span)),
                "mark" => fm.mark = self.boolean(v, "mark").unwrap_or(false),
                _ => fm.required = self.boolean(v, "required").unwrap_or(false),
            }
        }
        if fm.mark {
            if e.len() > 1 {
                self.err(
                    fm.name.span,
                    format!("{what} is a degradation mark, so it reads no vendor field"),
                    "write only `{ mark: true }`",
                );
            }
            return Some(fm);
        }
        if fm.from.is_empty() {
            self.err(
                fm.name.span,
                format!("{what} needs `from:` (the vendor field path)"),
                "write `from: vendor_field`",
            );
            return None;
        }
        Some(fm)
    }
}

fn describe(node: &Node) -> String {
    match node.as_str() {
        Some(s) => format!("'{s}'"),
        None => node.kind().to_string(),
    }
}

fn looks_like_expr(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !matches!(text, "true" | "false")
}

fn parse_error_key(text: &str) -> Result<ErrorKey, String> {
    if text == "_" {
        return Ok(ErrorKey::CatchAll);
    }
    let status = |s: &str| s.parse::<u16>().ok().filter(|n| (100..=599).contains(n));
    if let Some((s, code)) = text.split_once('/') {
        return match status(s) {
            Some(n) if !code.is_empty() => Ok(ErrorKey::StatusCode(n, code.to_string())),
            _ => Err("write `STATUS/code`, e.g. \"402/card_declined\"".to_string()),
        };
    }
    if let Some(n) = status(text) {
        return Ok(ErrorKey::Status(n));
    }
    if let [d @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] = text.as_bytes() {
        return Ok(ErrorKey::StatusClass(u16::from(*d - b'0')));
    }
    if ERROR_KINDS.contains(&text) {
        return Ok(ErrorKey::Kind(text.to_string()));
    }
    Err(format!(
        "use an HTTP status (\"404\"), a class (\"5xx\"), a status and vendor code (\"402/card_declined\"), `_`, or one of: {}; {}",
        ERROR_KINDS.join(", "),
        suggest(text, ERROR_KINDS)
    ))
}

/// Splits a field path at its dots; a segment in brackets is taken literally, so a vendor
/// field whose name has a dot is written `[@odata.type]`.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut bracket = false;
    for c in path.chars() {
        match c {
            '[' if !bracket && cur.is_empty() => bracket = true,
            ']' if bracket => bracket = false,
            '.' if !bracket => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// One path segment as a mapping writes it: bracketed when the name has a dot.
pub fn path_segment(name: &str) -> String {
    if name.contains('.') || name.starts_with('[') {
        format!("[{name}]")
    } else {
        name.to_string()
    }
}

/// Parses `250ms`, `5s`, `1m`, `2h`, `1d`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = text.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return None,
    };
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<Mapping, Error> {
        Mapping::from_bytes(Path::new("m.yaml"), text.as_bytes())
    }

    const GOOD: &str = r#"
adapter: StripeGateway
implements: { port: PaymentGateway, source: domain.rs }
spec: stripe.json
base_url: https://api.stripe.com
auth: { scheme: bearerAuth, secret: { env: STRIPE_API_KEY } }
limits:
  rate: { requests: 100, per: 1s }
  quota: { requests: 1000000, per: 1d, warn_at: [0.8, 0.95] }
defaults: { attempt_timeout: 5s, budget: 20s, retry: { attempts: 3, base: 100ms, cap: 5s } }
errors: { code: error.code, message: error.message, map: { _: PaymentError::Upstream } }
operations:
  create_payment:
    call: PostPaymentIntents
    idempotency: { header: Idempotency-Key, key: req.order_id }
    request: { amount: req.amount.minor_units, confirm: true, "metadata.kind": "web" }
    errors: { "402/card_declined": PaymentError::Declined, rate_limited: PaymentError::Busy }
  get_payment:
    call: GetPaymentIntentsIntent
    params: { intent: id }
    fallback: { cache: { ttl: 60s, stale_if_error: 10m } }
types:
  Payment:
    from: payment_intent
    fields:
      id: id
      amount: { from: [amount, currency], via: crate::convert::money }
      status: { from: status, values: { succeeded: Paid, _: Unknown } }
"#;

    #[test]
    fn a_full_mapping_decodes() {
        let m = decode(GOOD).expect("decodes");
        assert_eq!(m.adapter.value, "StripeGateway");
        assert_eq!(m.implements.module.value, "crate::domain");
        assert_eq!(m.defaults.budget, Some(Duration::from_secs(20)));
        assert_eq!(
            m.limits.quota.as_ref().map(|q| q.warn_at.clone()),
            Some(vec![0.8, 0.95])
        );
        let create = &m.operations[0];
        assert_eq!(create.request.len(), 3);
        assert!(
            matches!(&create.request[1].1, ValueSpec::Const(c) if c.value == serde_json::json!(true))
        );
        assert!(
            matches!(&create.request[2].1, ValueSpec::Const(c) if c.value == serde_json::json!("web"))
        );
        assert_eq!(
            create.errors[0].key.value,
            ErrorKey::StatusCode(402, "card_declined".into())
        );
        assert_eq!(
            create.errors[1].key.value,
            ErrorKey::Kind("rate_limited".into())
        );
        assert!(matches!(
            m.operations[1].policies.fallback,
            Some(FallbackMap {
                strategy: Fallback::Cache { .. },
                ..
            })
        ));
        assert_eq!(m.types[0].fields[1].from.len(), 2);
        assert_eq!(m.types[0].fields[2].values.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn unknown_keys_are_reported_with_place_and_suggestion() {
        let e = decode(&GOOD.replace("base_url:", "base_ur1:")).expect_err("typo");
        let d = e
            .diagnostics()
            .iter()
            .find(|d| d.message.starts_with("unknown key"))
            .expect("an unknown-key diagnostic");
        assert_eq!(d.message, "unknown key 'base_ur1' in the mapping file");
        assert_eq!(d.span, Some(Span { line: 5, col: 1 }));
        assert_eq!(d.help.as_deref(), Some("did you mean 'base_url'?"));
    }

    #[test]
    fn all_mistakes_are_collected() {
        let bad = GOOD
            .replace("budget: 20s", "budget: soon")
            .replace("attempts: 3", "attempts: 0");
        let e = decode(&bad).expect_err("bad");
        let msgs: Vec<&str> = e.diagnostics().iter().map(|d| d.message.as_str()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("budget should be a duration, found 'soon'")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("retry.attempts counts the first attempt")),
            "{msgs:?}"
        );
    }

    #[test]
    fn limits_buckets_and_fallback_marks_decode() {
        let text = GOOD
            .replace(
                "rate: { requests: 100, per: 1s }",
                "rate: { requests: 100, per: 1s, burst: 10, reset: epoch }\n  buckets: { search: { requests: 30, per: 1m, reserve: 0.1 } }",
            )
            .replace("warn_at: [0.8, 0.95] }", "warn_at: [0.8, 0.95], reserve: 0.05 }")
            .replace(
                "stale_if_error: 10m } }",
                "stale_if_error: 10m }, mark: stale }\n    rate_limit: { critical: true, bucket: search }",
            );
        let m = decode(&text).expect("decodes");
        let rate = m.limits.rate.as_ref().expect("rate");
        assert_eq!((rate.burst, rate.reset), (Some(10), Some(Reset::Epoch)));
        assert_eq!(m.limits.quota.as_ref().map(|q| q.reserve), Some(0.05));
        assert_eq!(m.limits.buckets[0].name.value, "search");
        assert_eq!(m.limits.buckets[0].per, Duration::from_secs(60));
        let get = &m.operations[1].policies;
        assert_eq!(
            get.fallback
                .as_ref()
                .and_then(|f| f.mark.as_ref())
                .map(|m| m.value.as_str()),
            Some("stale")
        );
        let rl = get.rate_limit.as_ref().expect("rate_limit");
        assert!(rl.critical);
        assert_eq!(rl.bucket.as_ref().map(|b| b.value.as_str()), Some("search"));

        let e = decode(&text.replace("reset: epoch", "reset: epoc")).expect_err("typo");
        assert_eq!(
            e.diagnostics()[0].help.as_deref(),
            Some("did you mean 'epoch'?")
        );
    }

    #[test]
    fn paths_split_at_dots_outside_brackets() {
        assert_eq!(split_path("a.b"), vec!["a", "b"]);
        assert_eq!(
            split_path("value.[@odata.type].x"),
            vec!["value", "@odata.type", "x"]
        );
        assert_eq!(path_segment("@odata.type"), "[@odata.type]");
        assert_eq!(
            split_path(&path_segment("@odata.type")),
            vec!["@odata.type"]
        );
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
    }

    #[test]
    fn bad_error_keys_explain_the_forms() {
        let e = decode(&GOOD.replace("rate_limited:", "rate_limted:")).expect_err("typo");
        let d = &e.diagnostics()[0];
        assert!(
            d.help
                .as_deref()
                .unwrap_or_default()
                .contains("did you mean 'rate_limited'?"),
            "{d}"
        );
    }
}

//! The mapping's model: plain data, each value with the place it was written.
//!
//! What the YAML says, not yet checked against the spec or the port: the planner does
//! that. Everything that points at a mistake carries a [`Span`].

use crate::error::Span;
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
    pub(crate) fn new(value: T, span: Span) -> Self {
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
    /// `overlays:` OpenAPI Overlay files applied to the spec in order before it is
    /// read, relative to the mapping file: corrections to the vendor's document.
    pub overlays: Vec<Spanned<String>>,
    /// The vendor's base URL (overridable at runtime).
    pub base_url: Spanned<String>,
    /// How calls authenticate.
    pub auth: Option<Auth>,
    /// Named values of the adapter's configuration (`settings:`), in the mapping's order.
    pub settings: Vec<Setting>,
    /// Headers sent on every call (`headers:`), in the mapping's order.
    pub headers: Vec<StaticHeader>,
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
    /// Inbound events (`webhooks:`), when the vendor's deliveries are received.
    pub webhooks: Option<super::webhooks::Webhooks>,
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

/// One entry of `settings:`: a value that belongs to the account (Twilio's
/// `AccountSid`), read once when the adapter is built.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The setting's name, as `{ setting: name }` refers to it.
    pub name: Spanned<String>,
    /// Where its value is looked for, in order.
    pub sources: Vec<SettingOrigin>,
}

/// One place a setting's value is looked for.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingOrigin {
    /// An environment variable (`env:`).
    Env(Spanned<String>),
    /// A file (`file:`), trailing newlines trimmed.
    File(Spanned<String>),
    /// The value used when the others have none (`default:`).
    Default(Spanned<String>),
}

/// A header sent with a fixed or configured value (`headers:` at the top level or on an
/// operation).
#[derive(Debug, Clone, PartialEq)]
pub struct StaticHeader {
    /// The header's name.
    pub name: Spanned<String>,
    /// Its value.
    pub value: HeaderValue,
}

/// The value of a static header.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderValue {
    /// This text.
    Literal(Spanned<String>),
    /// The value of a setting (`{ setting: name }`).
    Setting(Spanned<String>),
}

/// `auth:`
#[derive(Debug, Clone)]
pub struct Auth {
    /// Name of a security scheme in the spec; `None` when the mapping declares the
    /// scheme itself (`type:`), for a spec without `securitySchemes`.
    pub scheme: Option<Spanned<String>>,
    /// `type:` a scheme the mapping declares: `bearer`, `basic` or `api_key`.
    pub kind: Option<Spanned<String>>,
    /// `in:` where a declared API key goes: `header` (default) or `query`.
    pub location: Option<Spanned<String>>,
    /// `name:` the header or query parameter of a declared API key.
    pub name: Option<Spanned<String>>,
    /// `prefix:` sent before an API key, as written (`"token "`, `"Bearer "`).
    pub prefix: Option<Spanned<String>>,
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
    /// `also:` schemes the spec's security requirement lists together with this one
    /// (Plaid's client id beside its secret), sent on every call too.
    pub also: Vec<Auth>,
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
    /// A kind of the runtime's taxonomy: auth, rate_limited, timeout, unavailable, vendor, contract, transport, config, invalid.
    Kind(String),
    /// `_`: everything else.
    CatchAll,
}

/// The kinds an error rule may name.
pub const ERROR_KINDS: [&str; 9] = [
    "auth",
    "rate_limited",
    "timeout",
    "unavailable",
    "vendor",
    "contract",
    "transport",
    "config",
    "invalid",
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
        /// Vendor value → variant of the domain enum the expression gives
        /// (`values: { open: Open }`); without it, variants map to the spec's enum
        /// values of the same name.
        values: Option<Vec<(Spanned<String>, Spanned<String>)>>,
    },
    /// A constant.
    Const(Spanned<serde_json::Value>),
    /// The value of a setting of the adapter's configuration (`{ setting: account_sid }`).
    Setting(Spanned<String>),
    /// The call's credential again (`{ credential: true }`), for a parameter the spec
    /// lists besides its security scheme (Slack's `token`).
    Credential(crate::error::Span),
    /// A file part of a `multipart/form-data` body: the bytes, and optionally its file
    /// name and content type (each a value: an argument path or a quoted constant).
    File {
        /// The bytes (`Vec<u8>` or `bytes::Bytes`).
        from: Spanned<String>,
        /// The part's file name.
        file_name: Option<Box<ValueSpec>>,
        /// The part's content type.
        content_type: Option<Box<ValueSpec>>,
    },
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
    /// `read: true`: a POST (or other write method) that only reads, retried and cached
    /// as a GET is.
    pub read: Option<Spanned<bool>>,
    /// Path, query and header parameters.
    pub params: Vec<(Spanned<String>, ValueSpec)>,
    /// Headers this operation sends besides the adapter's (`headers:`).
    pub headers: Vec<StaticHeader>,
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
    /// How the vendor splits the list the method returns into pages.
    pub paginate: Option<Paginate>,
    /// `fields:` domain fields of the result taken from the call's own arguments
    /// (`amount: req.amount`), for what the vendor does not echo: (field, argument path).
    pub given: Vec<(Spanned<String>, Spanned<String>)>,
    /// `contract.mismatches`: response examples of the spec the mapping knowingly does
    /// not turn into a domain value (`"200 RedirectShopper"`), each with the reason.
    pub mismatches: Vec<(Spanned<String>, Spanned<String>)>,
    /// `contract.args`: argument values the generated contract tests call the method
    /// with, by argument path (`req.amount.currency: gbp`), where the synthesised ones
    /// would be refused by the mapping's own `via:` checks.
    pub contract_args: Vec<(Spanned<String>, Spanned<serde_json::Value>)>,
}

/// `paginate:` how a list operation's pages follow one another.
#[derive(Debug, Clone, PartialEq)]
pub struct Paginate {
    /// The style, with what it reads and sends.
    pub style: PageStyle,
    /// The most items the method returns (`max_items:`); none by default.
    pub max_items: Option<Spanned<Limit>>,
    /// The most pages it fetches (`max_pages:`), a longer list being an error.
    pub max_pages: Option<Spanned<Limit>>,
    /// Where `paginate:` is.
    pub span: Span,
}

/// `paginate.max_items` / `max_pages`: a number, or an argument that sets it per call.
#[derive(Debug, Clone, PartialEq)]
pub enum Limit {
    /// `max_items: 500`
    Fixed(u64),
    /// `max_items: limit`: an argument path of the method.
    Arg(String),
}

/// `paginate.style` and its keys.
#[derive(Debug, Clone, PartialEq)]
pub enum PageStyle {
    /// `link`: the `Link` header's `rel="next"` URL (RFC 8288).
    Link,
    /// `cursor`: a cursor in the body (`cursor:` its path), sent back as the query
    /// parameter `param:`; an empty or absent cursor ends the list.
    Cursor {
        /// Path of the next cursor in the body.
        cursor: Spanned<String>,
        /// The query parameter that takes it.
        param: Spanned<String>,
    },
    /// `after_last`: the next page starts after the last item's id (`id:`, default
    /// `id`), sent as `param:` (Stripe's `starting_after`, Discord's `before`). The list
    /// ends when the `has_more` flag in the body is false, or, without one, at a page
    /// shorter than the constant of the `size:` parameter.
    AfterLast {
        /// Path of the flag in the body.
        has_more: Option<Spanned<String>>,
        /// The query parameter of the page size, when there is no flag.
        size: Option<Spanned<String>>,
        /// The query parameter that takes the last id.
        param: Spanned<String>,
        /// Path of the id in an item.
        id: Spanned<String>,
    },
    /// `next_url`: the next page's URL or path in the body (`path:`); absent at the end.
    NextUrl {
        /// Path of the URL in the body.
        path: Spanned<String>,
    },
    /// `page` / `offset`: a page number (from `first:`, default 1) or an item offset
    /// sent as `param:`; the list ends at an empty page, a page shorter than the
    /// constant of the `size:` parameter, or once `total:` items were read.
    Counted {
        /// Page numbers (`page`) or offsets (`offset`).
        offsets: bool,
        /// The query parameter of the number or offset.
        param: Spanned<String>,
        /// The first page's number.
        first: u64,
        /// The query parameter of the page size; its `const:` value is the page size.
        size: Option<Spanned<String>>,
        /// Path of the item total in the body.
        total: Option<Spanned<String>>,
    },
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
    /// `each: name`: `from` is a list of objects and the domain `Vec` takes this path
    /// of every item (GitHub's label names out of its label objects).
    pub each: Option<Spanned<String>>,
    /// Value used when the vendor leaves the field out.
    pub default: Option<Spanned<serde_json::Value>>,
    /// `required: true` makes a missing optional vendor field a contract error.
    pub required: bool,
    /// `reason:` why `required: true` overrides the spec (which says the field may be
    /// absent); without it the override is refused.
    pub reason: Option<Spanned<String>>,
    /// `{ mark: true }`: a degradation mark, filled with its fresh value (`false`, `None`)
    /// by the translation and set by operations whose fallback answered.
    pub mark: bool,
}

impl Mapping {
    /// The `overlays:` files, resolved against the mapping's directory.
    pub fn overlay_paths(&self) -> Vec<PathBuf> {
        self.overlays
            .iter()
            .map(|o| self.dir().join(&o.value))
            .collect()
    }

    /// The directory relative paths in the mapping are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }
}

/// The marker `portcullis scaffold` leaves where it could not decide.
pub const GAP: &str = "FIXME";

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

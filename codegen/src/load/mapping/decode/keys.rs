//! Every key the mapping format accepts, section by section: the one list the decoder
//! checks a file against and `portcullis schema` describes, so the two cannot drift
//! (a key added here without a description fails the schema's unit test, and the
//! decoder takes no key list from anywhere else; see `schema.rs`).

/// The top level of a mapping file.
pub(crate) const TOP: &[&str] = &[
    "version",
    "adapter",
    "implements",
    "spec",
    "overlays",
    "base_url",
    "auth",
    "settings",
    "headers",
    "limits",
    "health",
    "defaults",
    "errors",
    "operations",
    "types",
    "webhooks",
];
/// `implements:`
pub(crate) const IMPLEMENTS: &[&str] = &["port", "source", "module"];
/// `auth:`
pub(crate) const AUTH: &[&str] = &[
    "scheme",
    "type",
    "in",
    "name",
    "prefix",
    "secret",
    "password",
    "client_id",
    "client_secret",
    "scopes",
    "token_url",
    "also",
];
/// A secret's source (`{ env: VAR }` or `{ file: path }`).
pub(crate) const SECRET: &[&str] = &["env", "file"];
/// A setting's sources (`settings: { name: { env, file, default } }`).
pub(crate) const SETTING: &[&str] = &["env", "file", "default"];
/// A header whose value comes from a setting.
pub(crate) const HEADER_FROM_SETTING: &[&str] = &["setting"];
/// `limits:`
pub(crate) const LIMITS: &[&str] = &["rate", "quota", "buckets"];
/// `limits.rate`
pub(crate) const RATE: &[&str] = &["requests", "per", "reserve", "burst", "reset"];
/// `limits.quota`
pub(crate) const QUOTA: &[&str] = &["requests", "per", "reserve", "warn_at"];
/// One of `limits.buckets`.
pub(crate) const BUCKET: &[&str] = &["requests", "per", "reserve", "burst"];
/// `health:`
pub(crate) const HEALTH: &[&str] = &["enabled", "window", "min_calls", "error_rate", "p95", "p99"];
/// The policies `defaults:` and every operation take.
pub(crate) const POLICIES: &[&str] = &[
    "attempt_timeout",
    "budget",
    "retry",
    "breaker",
    "rate_limit",
    "fallback",
];
/// `retry:`
pub(crate) const RETRY: &[&str] = &["attempts", "base", "cap", "on"];
/// `breaker:`
pub(crate) const BREAKER: &[&str] = &[
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
/// `rate_limit:` of an operation.
pub(crate) const OP_RATE_LIMIT: &[&str] = &["critical", "bucket"];
/// `fallback:`
pub(crate) const FALLBACK: &[&str] = &["cache", "default", "caller", "mark"];
/// `fallback.cache`
pub(crate) const FALLBACK_CACHE: &[&str] = &["ttl", "stale_if_error"];
/// `errors:` (adapter-wide).
pub(crate) const ERRORS: &[&str] = &["schema", "code", "message", "map"];
/// An operation, besides [`POLICIES`].
pub(crate) const OPERATION: &[&str] = &[
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
    "headers",
    "paginate",
    "fields",
    "contract",
    "read",
];
/// A value written as a map (`{ from: …, via: … }`, `{ const: … }`, …).
pub(crate) const VALUE: &[&str] = &[
    "from",
    "via",
    "values",
    "const",
    "each",
    "setting",
    "credential",
    "file_name",
    "content_type",
];
/// An operation's `fields:` entry written as a map.
pub(crate) const GIVEN: &[&str] = &["from"];
/// `contract:`
pub(crate) const CONTRACT: &[&str] = &["mismatches", "args"];
/// `reject:`
pub(crate) const REJECT: &[&str] = &["field", "values", "message"];
/// `idempotency:`
pub(crate) const IDEMPOTENCY: &[&str] = &["header", "body", "key"];
/// `paginate:` keys every style takes.
pub(crate) const PAGINATE_COMMON: &[&str] = &["style", "max_items", "max_pages"];
/// The pagination styles.
pub(crate) const PAGINATE_STYLES: &[&str] =
    &["link", "cursor", "after_last", "next_url", "page", "offset"];

/// The keys a pagination style takes besides [`PAGINATE_COMMON`].
pub(crate) fn paginate_style(style: &str) -> &'static [&'static str] {
    match style {
        "cursor" => &["cursor", "param"],
        "after_last" => &["has_more", "param", "id", "size"],
        "next_url" => &["path"],
        "page" => &["param", "first", "size", "total"],
        "offset" => &["param", "size", "total"],
        _ => &[],
    }
}

/// A type of `types:`.
pub(crate) const TYPE: &[&str] = &["from", "fields"];
/// A field of a type (or of a webhook event) written as a map.
pub(crate) const FIELD: &[&str] = &[
    "from", "via", "values", "each", "default", "required", "reason", "mark",
];
/// `webhooks:`
pub(crate) const WEBHOOKS: &[&str] = &[
    "spec",
    "scheme",
    "signature",
    "secret",
    "secrets",
    "notification_url",
    "tolerance",
    "max_body",
    "event",
    "envelope",
    "events",
    "unknown",
];
/// `webhooks.signature`
pub(crate) const SIGNATURE: &[&str] = &[
    "header",
    "prefix",
    "signed",
    "timestamp",
    "timestamp_piece",
    "id",
    "algorithm",
    "encoding",
    "key",
];
/// `webhooks.envelope`
pub(crate) const ENVELOPE: &[&str] = &["schema", "items", "item", "id", "type", "object"];
/// One of `webhooks.events`.
pub(crate) const EVENT: &[&str] = &["variant", "from", "object", "fields"];

/// The values of `auth.type`.
pub(crate) const AUTH_TYPES: &[&str] = &["bearer", "basic", "api_key"];
/// The values of `limits.rate.reset`.
pub(crate) const RATE_RESETS: &[&str] = &["auto", "epoch", "delta"];

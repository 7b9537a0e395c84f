//! The one error taxonomy every adapter call ends in.
//!
//! Policies have small leaf facts (which limit elapsed, whether the outcome is known);
//! they are gathered here in one classified enum so a domain error can be mapped from
//! a [`ErrorKind`] without knowing which policy produced it.
//!
//! A final vendor response is classified into it by [`Error::from_vendor_response`],
//! which lives with the response (`response.rs`): this file depends on no other type
//! of the crate.

use std::fmt;
use std::time::Duration;

/// Which time limit ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutLimit {
    /// One attempt took longer than the policy's `attempt_timeout`, and no retry followed.
    Attempt,
    /// The call's overall `budget` ran out (attempts, backoff sleeps and waits included).
    Budget,
}

impl fmt::Display for TimeoutLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutLimit::Attempt => "attempt timeout",
            TimeoutLimit::Budget => "call budget",
        })
    }
}

/// Whether the caller can know what the vendor did with a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// No attempt may have been applied without the caller seeing the answer:
    /// nothing was sent, or every answer received said "not done".
    Known,
    /// At least one attempt may have reached the vendor and been applied (a timeout or
    /// a dropped connection after the request was written). Replaying a write is safe
    /// only with the same idempotency key, which the error carries.
    Unknown,
}

/// Who refused a call with [`Error::RateLimited`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitedBy {
    /// The vendor answered 429 (or a throttling 403).
    Vendor,
    /// The client-side rate limiter: no slot within the call's budget, or its queue is
    /// full. The vendor was not contacted.
    RateLimiter,
    /// The quota for the current window is used up. The vendor was not contacted.
    Quota,
}

impl fmt::Display for LimitedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitedBy::Vendor => "vendor",
            LimitedBy::RateLimiter => "client-side rate limiter",
            LimitedBy::Quota => "quota",
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Known => "outcome known",
            Outcome::Unknown => "outcome unknown",
        })
    }
}

/// The class of an [`Error`], for mapping onto domain errors and metrics labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Credentials missing, rejected or expired (401/403).
    Auth,
    /// The vendor asked us to slow down (429).
    RateLimited,
    /// An attempt timeout or the call budget elapsed.
    Timeout,
    /// The circuit breaker is open: the vendor was not contacted.
    Unavailable,
    /// The vendor answered with an error status.
    Vendor,
    /// The response does not match the spec the adapter was generated from.
    Contract,
    /// The connection failed (refused, reset, TLS, truncated body).
    Transport,
    /// The adapter is misconfigured (bad URL, header, missing secret).
    Config,
    /// The request breaks a constraint the vendor's spec states (a length, pattern,
    /// enum, range, or a number that does not fit the wire type): it was not sent.
    InvalidRequest,
}

/// Every way an adapter call can fail.
///
/// `Display` never contains a secret: URLs are stripped from transport errors (an API
/// key may sit in the query string) and secrets never enter any variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vendor rejected our credentials, or they could not be presented.
    #[error("{operation}: {}: {message}", fmt_auth(*.status))]
    Auth {
        /// The adapter operation.
        operation: String,
        /// The HTTP status, when the vendor answered.
        status: Option<u16>,
        /// What went wrong, without the secret.
        message: String,
        /// The cause, when the credential could not be had (the token endpoint's
        /// [`crate::auth::TokenError`]).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The vendor throttled the call, or the client-side limiter or quota refused it
    /// before it reached the vendor.
    #[error("{operation}: rate limited by {by} (HTTP {status}){}{}", fmt_retry_after(*.retry_after), fmt_message(.message.as_deref()))]
    RateLimited {
        /// The adapter operation.
        operation: String,
        /// HTTP status (429, or 403 when the vendor signals limits that way); 429 when
        /// refused client-side.
        status: u16,
        /// How long to wait: from `Retry-After` or rate-limit headers, or until the
        /// limiter's next free slot or the quota window's reset.
        retry_after: Option<Duration>,
        /// Who refused the call.
        by: LimitedBy,
        /// The vendor's own words, from its error body (Bitbucket's "Rate limit for
        /// this resource has been exceeded"), when it sent any.
        message: Option<String>,
    },
    /// A time limit elapsed.
    #[error("{operation}: {limit} elapsed after {attempts} attempt(s), {outcome}{}", fmt_key(.idempotency_key.as_deref()))]
    Timeout {
        /// The adapter operation.
        operation: String,
        /// Which limit.
        limit: TimeoutLimit,
        /// Whether the vendor may have applied the call.
        outcome: Outcome,
        /// How many attempts were started.
        attempts: u32,
        /// The key to replay the call with, for a keyed call whose outcome is unknown.
        idempotency_key: Option<String>,
    },
    /// The circuit breaker is open; the vendor was not contacted.
    #[error("{operation}: vendor unavailable (circuit open{})", fmt_retry_in(*.retry_in))]
    Unavailable {
        /// The adapter operation.
        operation: String,
        /// When the breaker will next let a probe through, if known.
        retry_in: Option<Duration>,
    },
    /// The vendor answered with an error status that is not auth or rate limiting.
    #[error("{operation}: vendor error HTTP {status}{}{}", fmt_code(.code.as_deref()), fmt_message(.message.as_deref()))]
    Vendor {
        /// The adapter operation.
        operation: String,
        /// HTTP status.
        status: u16,
        /// Vendor error code parsed from the spec's error schema (`card_declined`).
        code: Option<String>,
        /// Vendor's human-readable message.
        message: Option<String>,
    },
    /// The response does not match the spec: the vendor changed something.
    #[error("{operation}: response does not match the contract at {path}: {message}")]
    Contract {
        /// The adapter operation.
        operation: String,
        /// JSON path of the offending value (`$.data[0].status`).
        path: String,
        /// What did not match.
        message: String,
    },
    /// The connection failed or the response could not be read.
    #[error("{operation}: transport error after {attempts} attempt(s), {outcome}: {message}{}", fmt_key(.idempotency_key.as_deref()))]
    Transport {
        /// The adapter operation.
        operation: String,
        /// Whether the vendor may have applied the call.
        outcome: Outcome,
        /// How many attempts were started.
        attempts: u32,
        /// The key to replay the call with, for a keyed call whose outcome is unknown.
        idempotency_key: Option<String>,
        /// What failed (the underlying error, URL stripped).
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The adapter or the request is misconfigured.
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong; never contains a secret value.
        message: String,
    },
    /// The request breaks a constraint of the vendor's spec (checked before sending,
    /// see [`crate::validate`]), so the vendor would refuse it: it was not sent, and
    /// retrying it cannot help. The message never contains the offending string value
    /// (it may be personal data); numbers are shown.
    #[error("{operation}: request {} {field} breaks {constraint}: {message} (not sent)", field_or_parameter(.field))]
    InvalidRequest {
        /// The adapter operation.
        operation: String,
        /// JSON path of the field in the request (`$.idempotency_key`, `$.items[2].sku`),
        /// or the parameter (`query per_page`).
        field: String,
        /// The spec's constraint, as the spec words it (`maxLength 45`, `pattern ^[A-Z]+$`).
        constraint: String,
        /// What is wrong with the value (`61 characters`).
        message: String,
    },
}

/// A 403 is a refusal of what the credentials may do, not of who they are: a caller
/// that maps it to `NotFound` (a private repository) should not read "authentication".
fn fmt_auth(status: Option<u16>) -> String {
    match status {
        Some(403) => "access denied (HTTP 403)".to_string(),
        other => format!("authentication failed{}", fmt_status(other)),
    }
}

fn fmt_status(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

fn fmt_retry_after(d: Option<Duration>) -> String {
    match d {
        // `Retry-After: 0`: "retry after 0ns" read as a figure of our own.
        Some(d) if d.is_zero() => ", retry at once".to_string(),
        Some(d) => format!(", retry after {d:?}"),
        None => String::new(),
    }
}

fn fmt_retry_in(d: Option<Duration>) -> String {
    d.map(|d| format!(", next probe in {d:?}"))
        .unwrap_or_default()
}

fn fmt_key(key: Option<&str>) -> String {
    key.map(|k| format!(" (replay with idempotency key {k})"))
        .unwrap_or_default()
}

fn fmt_code(code: Option<&str>) -> String {
    code.map(|c| format!(" [{c}]")).unwrap_or_default()
}

fn fmt_message(message: Option<&str>) -> String {
    message.map(|m| format!(": {m}")).unwrap_or_default()
}

impl Error {
    /// A contract violation found while decoding or validating a response: `path` is
    /// the JSON path of the value (`$.amount`), `message` what is wrong with it.
    pub fn contract(operation: &str, path: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Contract {
            operation: operation.to_owned(),
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error, with a contract error's path read from `prefix` down: a value
    /// converted after it was taken out of `$.data`, or out of a list, names where it sits
    /// in the whole body (`$.id` within `$.data[3]` is `$.data[3].id`). Other errors are
    /// returned as they are.
    ///
    /// ```
    /// use portcullis_runtime::Error;
    ///
    /// let e = Error::contract("list_tasks", "$.gid", "missing").within("$.data[3]");
    /// assert!(e.to_string().contains("$.data[3].gid"));
    /// ```
    #[must_use]
    pub fn within(self, prefix: &str) -> Error {
        match self {
            Error::Contract {
                operation,
                path,
                message,
            } => {
                let rest = path.strip_prefix('$').unwrap_or(&path);
                Error::Contract {
                    operation,
                    path: format!("{prefix}{rest}"),
                    message,
                }
            }
            other => other,
        }
    }

    /// A failure of a shared-state store (Redis unreachable, a script error). Stores
    /// return it; the pipeline never fails a call with it, it falls back to local state.
    pub fn store(message: impl Into<String>) -> Error {
        Error::Transport {
            operation: "shared_state".to_owned(),
            outcome: Outcome::Known,
            attempts: 0,
            idempotency_key: None,
            message: message.into(),
            source: None,
        }
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Error {
        Error::Config {
            message: message.into(),
        }
    }

    /// A request that breaks the spec's `constraint` at `field`, found before sending.
    pub fn invalid_request(
        operation: &str,
        field: &str,
        constraint: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::InvalidRequest {
            operation: operation.to_owned(),
            field: field.to_owned(),
            constraint: constraint.into(),
            message: message.into(),
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Auth { .. } => ErrorKind::Auth,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Unavailable { .. } => ErrorKind::Unavailable,
            Error::Vendor { .. } => ErrorKind::Vendor,
            Error::Contract { .. } => ErrorKind::Contract,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Config { .. } => ErrorKind::Config,
            Error::InvalidRequest { .. } => ErrorKind::InvalidRequest,
        }
    }

    /// Whether the same logical call may succeed if tried again later.
    ///
    /// This says the failure is transient, not that a blind replay is safe: a write
    /// whose outcome is [`Outcome::Unknown`] must be replayed with
    /// [`Error::idempotency_key`] ([`crate::idempotency::replay`]), or within the same
    /// [`crate::idempotency::logical_call`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. }
            | Error::Timeout { .. }
            | Error::Unavailable { .. }
            | Error::Transport { .. } => true,
            Error::Vendor { status, .. } => {
                matches!(*status, 408 | 409 | 425 | 500 | 502 | 503 | 504)
            }
            Error::Auth { .. }
            | Error::Contract { .. }
            | Error::Config { .. }
            | Error::InvalidRequest { .. } => false,
        }
    }

    /// The idempotency key to replay a keyed call whose outcome is unknown.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Error::Timeout {
                idempotency_key, ..
            }
            | Error::Transport {
                idempotency_key, ..
            } => idempotency_key.as_deref(),
            _ => None,
        }
    }

    /// Whether the vendor may have applied the call without the caller seeing it.
    pub fn outcome(&self) -> Outcome {
        match self {
            Error::Timeout { outcome, .. } | Error::Transport { outcome, .. } => *outcome,
            _ => Outcome::Known,
        }
    }

    /// The vendor's HTTP status, when the vendor answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. } => *status,
            Error::RateLimited { status, .. } | Error::Vendor { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The vendor's error code, when its error body carried one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Vendor { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The adapter operation that failed (`None` for configuration errors).
    pub fn operation(&self) -> Option<&str> {
        match self {
            Error::Auth { operation, .. }
            | Error::RateLimited { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Unavailable { operation, .. }
            | Error::Vendor { operation, .. }
            | Error::Contract { operation, .. }
            | Error::Transport { operation, .. }
            | Error::InvalidRequest { operation, .. } => Some(operation),
            Error::Config { .. } => None,
        }
    }

    /// How long the vendor or the breaker asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            Error::Unavailable { retry_in, .. } => *retry_in,
            _ => None,
        }
    }
}

/// What a request constraint's `field` names: a body field is a JSON path (`$.a`),
/// anything else a parameter (`query per_page`, `build_num`).
fn field_or_parameter(field: &str) -> &'static str {
    if field.starts_with('$') {
        "field"
    } else {
        "parameter"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parameter is called one: CircleCI's `build_num` path parameter was called a
    /// "request field", which sent readers looking in the body.
    #[test]
    fn a_refused_request_names_a_field_or_a_parameter() {
        let refused = |field: &str| Error::InvalidRequest {
            operation: "get_build".into(),
            field: field.into(),
            constraint: "the range of i64".into(),
            message: "18446744073709551615 does not fit".into(),
        };
        assert_eq!(
            refused("build_num").to_string(),
            "get_build: request parameter build_num breaks the range of i64: 18446744073709551615 does not fit (not sent)"
        );
        assert!(
            refused("$.items[0].n")
                .to_string()
                .starts_with("get_build: request field $.items[0].n breaks")
        );
    }

    #[test]
    fn classification_is_total_and_consistent() {
        let cases = [
            (Error::config("x"), ErrorKind::Config, false),
            (
                Error::invalid_request("op", "$.key", "maxLength 45", "61 characters"),
                ErrorKind::InvalidRequest,
                false,
            ),
            (
                Error::contract("op", "$.a", "bad"),
                ErrorKind::Contract,
                false,
            ),
            (
                Error::Vendor {
                    operation: "op".into(),
                    status: 402,
                    code: Some("card_declined".into()),
                    message: None,
                },
                ErrorKind::Vendor,
                false,
            ),
            (
                Error::Vendor {
                    operation: "op".into(),
                    status: 503,
                    code: None,
                    message: None,
                },
                ErrorKind::Vendor,
                true,
            ),
            (
                Error::Unavailable {
                    operation: "op".into(),
                    retry_in: None,
                },
                ErrorKind::Unavailable,
                true,
            ),
        ];
        for (e, kind, retryable) in cases {
            assert_eq!(e.kind(), kind, "{e}");
            assert_eq!(e.is_retryable(), retryable, "{e}");
        }
    }

    #[test]
    fn timeout_carries_key_and_says_so() {
        let e = Error::Timeout {
            operation: "create_payment".into(),
            limit: TimeoutLimit::Budget,
            outcome: Outcome::Unknown,
            attempts: 2,
            idempotency_key: Some("k-1".into()),
        };
        assert_eq!(e.idempotency_key(), Some("k-1"));
        assert_eq!(e.outcome(), Outcome::Unknown);
        let text = e.to_string();
        assert!(text.contains("call budget"), "{text}");
        assert!(text.contains("k-1"), "{text}");
    }
}

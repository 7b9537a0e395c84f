//! The report's other tables: the error rules per error type, the default policy, and
//! how calls authenticate.

use super::super::text::{Short, code, fmt_duration, fmt_share};
use super::call::limit_text;
use super::{Defaults, ErrorTable, Setting};
use crate::plan::response::is_success;
use crate::plan::{
    AuthPlan, ErrorKind, ErrorMatch, Plan, PolicyPlan, RUNTIME, RejectPlan, Secret, Source,
};
use std::time::Duration;

pub(super) fn error_key_text(k: &ErrorMatch, reject: Option<&RejectPlan>) -> String {
    match k {
        // A code on a success status comes from the `reject:` check, not an error body.
        ErrorMatch::StatusCode(s, c) if is_success(*s) && reject.is_some() => {
            let field = reject
                .map(|r| r.field.json_path.trim_start_matches("$.").to_string())
                .unwrap_or_default();
            format!("HTTP {s} whose {} is {} (a refusal)", code(&field), code(c))
        }
        ErrorMatch::Status(s) => format!("HTTP {s}"),
        ErrorMatch::StatusClass(c) => format!("any HTTP {c}xx"),
        ErrorMatch::StatusCode(s, c) => format!("HTTP {s} with code {}", code(c)),
        ErrorMatch::Kind(kind) => match kind {
            ErrorKind::Auth => "credentials rejected (401, or 403 without rate-limit headers)",
            ErrorKind::RateLimited => "rate limited (429) after the runtime's waits",
            ErrorKind::Timeout => "timed out (attempt timeout or budget)",
            ErrorKind::Unavailable => "circuit breaker open (the vendor was not called)",
            ErrorKind::Vendor => "any other vendor error status",
            ErrorKind::Contract => "response does not match the spec",
            ErrorKind::Transport => "connection failed (refused, reset, cut short)",
            ErrorKind::Config => "configuration error (base URL, unreadable secret)",
            ErrorKind::InvalidRequest => {
                "the request breaks the spec's constraints (refused, never sent)"
            }
        }
        .into(),
        ErrorMatch::CatchAll => "anything else".into(),
    }
}

/// The adapter-wide rules, once per error type, with the operations that use them.
pub(super) fn error_tables(plan: &Plan, short: &Short) -> Vec<ErrorTable> {
    let mut tables: Vec<ErrorTable> = Vec::new();
    for op in &plan.operations {
        let rules: Vec<(String, String)> = op
            .error_rules
            .iter()
            .filter(|r| !r.operation_level)
            .map(|r| (error_key_text(&r.key, None), code(&short.of(&r.target))))
            .collect();
        match tables
            .iter_mut()
            .find(|t| t.err_type == short.of(&op.err_type) && t.rules == rules)
        {
            Some(t) => t.operations.push(op.method.clone()),
            None => tables.push(ErrorTable {
                err_type: short.of(&op.err_type),
                operations: vec![op.method.clone()],
                rules,
            }),
        }
    }
    tables
}

pub(super) fn defaults(plan: &Plan, e: &PolicyPlan) -> Defaults {
    let d = |v: Duration, s: Source| Setting::new(limit_text(v), s);
    let r = &e.retry;
    let b = &e.breaker;
    let rt = Source::Runtime;
    let mut statuses =
        r.on.iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
    if statuses.is_empty() {
        statuses = "none".into();
    }
    Defaults {
        attempt_timeout: d(e.attempt_timeout.value, e.attempt_timeout.source),
        budget: d(e.budget.value, e.budget.source),
        retry_attempts: Setting::new(r.attempts.to_string(), r.source),
        backoff: Setting::new(
            format!("{} → {}", fmt_duration(r.base), fmt_duration(r.cap)),
            r.source,
        ),
        retry_on: Setting::new(statuses, r.on_source),
        max_retry_after: Setting::new(fmt_duration(RUNTIME.max_retry_after), rt),
        retry_budget: Setting::new(
            format!(
                "{} tokens; a retry costs {}, {} after a timeout",
                RUNTIME.retry_budget_capacity, RUNTIME.retry_cost, RUNTIME.timeout_retry_cost
            ),
            rt,
        ),
        breaker_enabled: Setting::new(if b.enabled.value { "on" } else { "off" }, b.enabled.source),
        breaker_scope: Setting::new(
            if b.per_operation {
                "one per operation"
            } else {
                "one for the whole adapter"
            },
            // `per_operation: false` is also what the decoder assumes when the key is
            // left out, and it is the runtime's default: call it that.
            if b.per_operation { b.source } else { rt },
        ),
        breaker_window: Setting::new(fmt_duration(b.window.value), b.window.source),
        breaker_min_calls: Setting::new(b.min_calls.value.to_string(), b.min_calls.source),
        breaker_failure_rate: Setting::new(fmt_share(b.failure_rate.value), b.failure_rate.source),
        breaker_slow_call: Setting::new(fmt_duration(b.slow_call.value), b.slow_call.source),
        breaker_slow_call_rate: Setting::new(
            fmt_share(b.slow_call_rate.value),
            b.slow_call_rate.source,
        ),
        breaker_open_for: Setting::new(fmt_duration(b.open_for.value), b.open_for.source),
        breaker_half_open_probes: Setting::new(
            b.half_open_probes.value.to_string(),
            b.half_open_probes.source,
        ),
        rate_limit: match (&e.rate_limit, &plan.limits.rate) {
            (Some(r), _) => Setting::new(
                format!(
                    "{}{}",
                    r.value
                        .bucket
                        .as_ref()
                        .map(|b| format!("bucket {}", code(b)))
                        .unwrap_or_else(|| "adapter bucket".into()),
                    if r.value.critical { ", critical" } else { "" }
                ),
                r.source,
            ),
            (None, Some(_)) => Setting::new("adapter bucket", rt),
            (None, None) => Setting::new("none (no `limits.rate`)", rt),
        },
        // `defaults:` cannot hold a fallback: each is an operation's own.
        fallback: Setting::new("none: the error reaches the caller", rt),
    }
}

pub(super) fn auth_text(a: &AuthPlan) -> String {
    fn from(s: &Secret) -> String {
        match s {
            Secret::Env(v) => format!("the environment variable {}", code(v)),
            Secret::File(v) => format!("the file {}", code(v)),
        }
    }
    match a {
        AuthPlan::None => "no authentication".into(),
        AuthPlan::All(parts) => {
            let parts: Vec<String> = parts.iter().map(auth_text).collect();
            format!("{}, sent together on every call", parts.join("; and "))
        }
        AuthPlan::Bearer(s) => format!("an HTTP bearer token from {}", from(s)),
        AuthPlan::Basic(u, p) => match p {
            Some(p) => format!(
                "HTTP basic authentication, the user name from {} and the password from {}",
                from(u),
                from(p)
            ),
            None => format!("HTTP basic authentication, the user name from {}", from(u)),
        },
        AuthPlan::ApiKey {
            location,
            name,
            secret,
            prefix,
        } => {
            let place = match location.as_str() {
                "query" => "query parameter",
                "cookie" => "cookie",
                _ => "header",
            };
            let after = if prefix.is_empty() {
                String::new()
            } else {
                format!(" after the prefix {}", code(prefix))
            };
            format!(
                "an API key in the {} {place}{after}, from {}",
                code(name),
                from(secret)
            )
        }
        AuthPlan::OAuth2ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scopes,
        } => format!(
            "an OAuth2 client-credentials token from {} (scopes: {}), refreshed before expiry; the client id from {} and the client secret from {}",
            code(token_url),
            if scopes.is_empty() {
                "none".to_owned()
            } else {
                scopes
                    .iter()
                    .map(|s| code(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            from(client_id),
            from(client_secret)
        ),
    }
}

//! One row of the report's table of calls: what each policy does for one operation, in
//! words, each value marked with where it comes from.

use super::super::text::{Short, code, fmt_count, fmt_duration, fmt_per, fmt_share};
use super::tables::error_key_text;
use super::{Call, Setting};
use crate::plan::{
    BodyNode, FallbackPlan, FallbackStrategy, OperationPlan, Plan, RejectPlan, Source, WireKind,
};
use std::time::Duration;

pub(super) fn call(plan: &Plan, op: &OperationPlan, short: &Short) -> Call {
    let eff = &op.policies;
    let safe = idempotent_method(&op.http_method) || op.idempotency.is_some() || op.read_only;
    let r = &eff.retry;
    let retries = if r.attempts <= 1 {
        mark("none (1 attempt)", r.source)
    } else if safe {
        let statuses =
            r.on.iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ");
        format!(
            "{} on {}, attempt timeouts and broken connections; backoff {}",
            mark(&format!("{} attempts", r.attempts), r.source),
            mark(&statuses, r.on_source),
            mark(
                &format!("{} → {}", fmt_duration(r.base), fmt_duration(r.cap)),
                r.source
            ),
        )
    } else {
        format!(
            "{}, but only when the request never left this machine (refused connection, DNS); \
             no idempotency key, so no status or timeout is retried",
            mark(&format!("{} attempts", r.attempts), r.source)
        )
    };

    let idempotency = match &op.idempotency {
        Some(i) => {
            let place = match &i.header {
                Some(h) => format!("header {}", code(h)),
                None => match op.body.as_ref().and_then(|b| key_field(plan, &b.root)) {
                    Some(f) => format!("body field {}", code(&f)),
                    None => "request body".to_string(),
                },
            };
            match &i.from {
                Some(_) => format!(
                    "{place}, from {} (prefixed with the operation name)",
                    code(&i.source)
                ),
                None => format!(
                    "{place}, a fresh UUIDv4 per call (or the caller's replay / logical-call id), the same on every retry"
                ),
            }
        }
        None if op.is_write && !idempotent_method(&op.http_method) => "**none**".to_string(),
        None if op.read_only => format!(
            "not needed (a {} marked `read: true`: it changes nothing)",
            op.http_method
        ),
        None => format!("not needed ({} is idempotent)", op.http_method),
    };

    let bucket = eff
        .rate_limit
        .as_ref()
        .and_then(|r| r.value.bucket.as_ref())
        .and_then(|n| plan.limits.buckets.iter().find(|b| b.name == *n));
    let rate_limit = match (&plan.limits.rate, bucket, eff.rate_limit.as_ref()) {
        (None, None, None) => "none declared".to_string(),
        (rate, bucket, rl) => {
            let (what, reserve) = match (bucket, rate) {
                (Some(b), _) => (
                    format!(
                        "bucket {} ({} per {})",
                        code(&b.name),
                        fmt_count(b.requests),
                        fmt_per(b.per)
                    ),
                    b.reserve,
                ),
                (None, Some(rate)) => (
                    format!(
                        "shared adapter bucket ({} per {})",
                        fmt_count(rate.requests),
                        fmt_per(rate.per)
                    ),
                    rate.reserve,
                ),
                (None, None) => ("no client-side rate limit".to_string(), 0.0),
            };
            let critical = if rl.is_some_and(|r| r.value.critical) {
                format!(", critical (may use the reserved {})", fmt_share(reserve))
            } else {
                String::new()
            };
            match rl {
                Some(r) => mark(&format!("{what}{critical}"), r.source),
                None => what,
            }
        }
    };

    let b = &eff.breaker;
    let breaker = if !b.enabled.value {
        mark("off", b.enabled.source)
    } else {
        let scope = if b.per_operation {
            "own breaker"
        } else {
            "shared by all operations"
        };
        match b.source {
            Source::Operation => mark(
                &format!(
                    "{scope}: opens at {} failures of ≥ {} attempts in {}, open {}",
                    fmt_share(b.failure_rate.value),
                    b.min_calls.value,
                    fmt_duration(b.window.value),
                    fmt_duration(b.open_for.value)
                ),
                Source::Operation,
            ),
            _ => format!("{scope} (settings below)"),
        }
    };

    // A fallback is always the operation's own: `defaults:` cannot hold one.
    let fallback = match &op.fallback {
        None => "none: the error reaches the caller".to_string(),
        Some(f) => mark(&fallback_text(f), Source::Operation),
    };

    // A method returning an `Option` answers a 404 with `None` before any rule.
    let none = op
        .none_on_404
        .then(|| format!("HTTP 404 → {}", code("None")));
    let own: Vec<String> = none
        .into_iter()
        .chain(
            op.error_rules
                .iter()
                .filter(|r| r.operation_level)
                .map(|r| {
                    format!(
                        "{} → {}",
                        error_key_text(&r.key, reject(op)),
                        code(&short.of(&r.target))
                    )
                }),
        )
        .collect();
    let err_type = code(&short.of(&op.err_type));
    let errors = if own.is_empty() {
        format!("the rules for {err_type} below")
    } else {
        format!("{}; then the rules for {err_type} below", own.join("; "))
    };

    Call {
        method: op.method.clone(),
        http: format!("{} {}", op.http_method, op.path),
        operation_id: op.operation_id.clone(),
        kind: if op.is_write { "write" } else { "read" },
        attempt_timeout: Setting::new(
            limit_text(eff.attempt_timeout.value),
            eff.attempt_timeout.source,
        ),
        budget: Setting::new(limit_text(eff.budget.value), eff.budget.source),
        retries,
        idempotency,
        rate_limit,
        breaker,
        fallback,
        errors,
    }
}

/// The runtime's safe-to-retry rule for methods: these may be repeated without a key.
pub(super) fn idempotent_method(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE"
    )
}

/// `value` marked with its source, as in a [`Setting`]'s cell.
pub(super) fn mark(value: &str, source: Source) -> String {
    Setting::new(value, source).cell
}

pub(super) fn limit_text(d: Duration) -> String {
    // The runtime reads a zero limit as "no limit" rather than failing every call.
    if d.is_zero() {
        "no limit".into()
    } else {
        fmt_duration(d)
    }
}

pub(super) fn fallback_text(f: &FallbackPlan) -> String {
    format!(
        "{}; marked in {}",
        strategy_text(&f.strategy),
        code(&f.mark.field)
    )
}

pub(super) fn strategy_text(f: &FallbackStrategy) -> String {
    match f {
        FallbackStrategy::Cache {
            ttl,
            stale_if_error,
        } if stale_if_error.is_zero() => {
            format!("cached answer, fresh for {}", fmt_duration(*ttl))
        }
        FallbackStrategy::Cache {
            ttl,
            stale_if_error,
        } => format!(
            "cached answer, fresh for {}; up to {} old when the vendor fails",
            fmt_duration(*ttl),
            fmt_duration(*stale_if_error)
        ),
        FallbackStrategy::Static { body, .. } => format!(
            "the mapping's fixed answer {} when the vendor fails",
            code(body)
        ),
        FallbackStrategy::Caller => {
            "the caller's function (`with_<method>_fallback`) when the vendor fails".to_string()
        }
    }
}

/// The wire path of the body field that carries the idempotency key.
pub(super) fn key_field(plan: &Plan, node: &BodyNode) -> Option<String> {
    let BodyNode::Struct { wire_type, fields } = node else {
        return None;
    };
    let wire_name = |rust: &str| {
        plan.wire
            .iter()
            .find(|w| &w.name == wire_type)
            .and_then(|w| match &w.kind {
                WireKind::Struct(fs) => fs.iter().find(|f| f.rust_name == rust),
                WireKind::Union { .. } => None,
            })
            .map(|f| f.wire_name.clone())
            .unwrap_or_else(|| rust.to_string())
    };
    fields.iter().find_map(|(name, child, _)| match child {
        BodyNode::IdempotencyKey => Some(wire_name(name)),
        BodyNode::Struct { .. } => {
            key_field(plan, child).map(|f| format!("{}.{f}", wire_name(name)))
        }
        BodyNode::Leaf(_) | BodyNode::List { .. } | BodyNode::Template(_) | BodyNode::Parts(_) => {
            None
        }
    })
}

/// The operation's refusal check on successful answers, if it has one.
pub(super) fn reject(op: &OperationPlan) -> Option<&RejectPlan> {
    op.responses.iter().find_map(|r| r.reject.as_ref())
}

/// How a paged method reads its pages, for the report: where the next page comes
/// from, its limits, and the one budget all its pages share.
pub(super) fn list_text(op: &OperationPlan) -> Option<String> {
    use crate::plan::{LimitPlan, NextPlan};
    let pg = op.paginate.as_ref()?;
    let next = match &pg.next {
        NextPlan::Link => "the `Link` header's `rel=\"next\"` URL".to_string(),
        NextPlan::Cursor { read, param, .. } => {
            format!(
                "the cursor at {} sent back as {}",
                code(&read.json_path),
                code(param)
            )
        }
        NextPlan::AfterLast { param, .. } => {
            format!("the last item's id sent as {}", code(param))
        }
        NextPlan::Url { read } => format!("the URL or path at {}", code(&read.json_path)),
        NextPlan::Counted {
            offsets: true,
            param,
            ..
        } => {
            format!("the offset of the next item in {}", code(param))
        }
        NextPlan::Counted { param, .. } => format!("the next page number in {}", code(param)),
    };
    let limit = |l: &Option<LimitPlan>| match l {
        Some(LimitPlan::Fixed(n)) => Some(n.to_string()),
        Some(LimitPlan::Arg { access, .. }) => {
            Some(format!("the argument {}", code(&access.join("."))))
        }
        None => None,
    };
    let pages = match limit(&pg.max_pages) {
        Some(n) => format!("at most {n} pages"),
        None => format!(
            "at most {} pages (the runtime default)",
            crate::plan::defaults::RUNTIME.max_pages
        ),
    };
    let items = limit(&pg.max_items)
        .map(|n| format!("; it stops once it holds {n} items and fetches no further page"))
        .unwrap_or_default();
    let how = if op.style.is_stream() {
        "a stream: a page is fetched only when the caller reads past the last one, and the budget counts the time spent fetching, not the caller's between items"
    } else {
        "every page before it returns"
    };
    Some(format!(
        "reads {how}; the next page by {next}; {pages}, and a longer list is a `config` error, never a shortened one{items}. Every page is a call of its own (auth, rate limit, retries) under the method's one budget of {}.",
        limit_text(op.policies.budget.value)
    ))
}

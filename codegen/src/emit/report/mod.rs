//! The integration report: one Markdown page per adapter, for a reviewer who should not
//! have to read generated Rust to know what happens when the vendor misbehaves.
//!
//! Rendered from the plan alone with `templates/integration.md.j2`. Every policy value
//! says where it comes from (the operation, the mapping's `defaults:`, or the runtime's
//! built-in default), because what applies when the mapping says nothing is exactly
//! what a reader of the mapping cannot see.

use serde::Serialize;

mod call;
mod tables;

use super::alerts;
use super::template::{SourceFiles, render_template};
use super::text::{Short, and_list, code, fmt_count, fmt_duration, fmt_per, fmt_share};
use crate::Error;
use crate::plan::{
    AuthPlan, BucketPlan, FallbackPlan, FallbackStrategy, OperationPlan, Plan, QuotaPlan, RUNTIME,
    RatePlan, ResetStyle, Source,
};
use call::{call, idempotent_method};
use tables::{auth_text, defaults, error_tables};

const TEMPLATE: &str = include_str!("../../../templates/integration.md.j2");

/// A value and where it comes from, ready for a table cell.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Setting {
    /// The value alone, e.g. `5 s`.
    value: String,
    /// Where it comes from.
    source: Source,
    /// The value marked with its source when that is not the mapping's `defaults:`.
    cell: String,
}

impl Setting {
    fn new(value: impl Into<String>, source: Source) -> Self {
        let value = value.into();
        let cell = match source {
            Source::Mapping => value.clone(),
            Source::Operation => format!("**{value}** (this operation)"),
            Source::Runtime => format!("{value} (runtime default)"),
        };
        Setting {
            value,
            source,
            cell,
        }
    }
}

// ---------- template data ----------

#[derive(Debug, Serialize)]
struct Report {
    adapter: String,
    port: String,
    port_trait: String,
    vendor: String,
    base_url: String,
    source: SourceFiles,
    reads: Vec<String>,
    writes: Vec<String>,
    keyed_from_value: Vec<(String, String)>,
    keyed_random: Vec<String>,
    unkeyed_writes: Vec<String>,
    idempotent_writes: Vec<(String, String)>,
    auth: String,
    auth_is_none: bool,
    auth_declared: bool,
    longest_budget: String,
    longest_budget_ops: Vec<String>,
    breaker_summary: Option<String>,
    stale_fallbacks: Vec<(String, String, String)>,
    has_fallback: bool,
    unsupported: Vec<(String, String)>,
    /// Each paged method and how it reads its pages, in words.
    lists: Vec<(String, String)>,
    types_module: String,
    limits: Option<String>,
    methods: Vec<Method>,
    calls: Vec<Call>,
    error_tables: Vec<ErrorTable>,
    defaults: Defaults,
    rate: Option<RateView>,
    buckets: Vec<BucketView>,
    quota: Option<QuotaView>,
    critical: Vec<String>,
    alerts: alerts::AlertPlan,
    webhooks: Option<Webhooks>,
}

/// The inbound side: how deliveries are verified and what each event type becomes.
#[derive(Debug, Serialize)]
struct Webhooks {
    decoder: String,
    scheme: String,
    secrets: String,
    tolerance: String,
    max_body: String,
    events: Vec<EventRow>,
    unknown: String,
}

#[derive(Debug, Serialize)]
struct EventRow {
    event_type: String,
    variant: String,
    object: String,
    schema: String,
}

/// Whether the scheme signs a timestamp the receiver holds to its tolerance.
fn signs_time(scheme: &crate::plan::SchemePlan) -> bool {
    use crate::plan::SchemePlan;
    match scheme {
        SchemePlan::Stripe | SchemePlan::Standard => true,
        SchemePlan::Hmac(h) => h.timestamp.is_some() || h.timestamp_piece.is_some(),
        _ => false,
    }
}

fn webhooks_view(w: &crate::plan::WebhooksPlan) -> Webhooks {
    use crate::plan::{SchemePlan, Secret, UnknownPlan};
    let source = |s: &Secret| match s {
        Secret::Env(v) => format!("`{v}` (environment)"),
        Secret::File(f) => format!("`{f}` (file)"),
    };
    let scheme = match &w.scheme {
        SchemePlan::Stripe => {
            "Stripe (`Stripe-Signature`: HMAC-SHA256 over `t.body`, timestamp checked)".to_string()
        }
        SchemePlan::Square(u) => format!(
            "Square (`x-square-hmacsha256-signature`: HMAC-SHA256 over the notification URL, from {}, and the body)",
            source(u)
        ),
        SchemePlan::Adyen => {
            "Adyen (each item's `hmacSignature`, HMAC-SHA256 with the hex key)".to_string()
        }
        SchemePlan::GitHub => {
            "GitHub (`X-Hub-Signature-256`: HMAC-SHA256 over the body)".to_string()
        }
        SchemePlan::Standard => {
            "Standard Webhooks (`webhook-signature`, timestamp checked)".to_string()
        }
        SchemePlan::Hmac(h) => {
            let hash = match h.algorithm {
                "Sha1" => "HMAC-SHA1",
                "Sha512" => "HMAC-SHA512",
                _ => "HMAC-SHA256",
            };
            let written = match (h.encoding, &h.prefix) {
                ("Base64", Some(p)) => format!("base64 after `{p}`"),
                ("Base64", None) => "base64".to_string(),
                (_, Some(p)) => format!("hex after `{p}`"),
                (_, None) => "hex".to_string(),
            };
            let timestamp = match (&h.timestamp, &h.timestamp_piece) {
                (Some(t), _) => format!(", timestamp `{t}` checked"),
                (None, Some(p)) => format!(", timestamp `{p}` in `{}` checked", h.header),
                (None, None) => String::new(),
            };
            format!(
                "described (`{}`: {hash}, {written}, over `{}`{timestamp})",
                h.header, h.signed
            )
        }
    };
    let short = |p: &str| {
        p.rsplit("::")
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("::")
    };
    Webhooks {
        decoder: w.decoder.clone(),
        scheme,
        secrets: and_list(w.secrets.iter().map(source).collect()),
        tolerance: match (signs_time(&w.scheme), w.tolerance) {
            (true, Some(t)) => fmt_duration(t),
            (true, None) => "the runtime's default (5m)".to_string(),
            (false, _) => "none (the scheme signs no timestamp)".to_string(),
        },
        max_body: w.max_body.map_or_else(
            || "the runtime's default (1 MiB)".to_string(),
            |b| format!("{b} bytes"),
        ),
        events: w
            .events
            .iter()
            .map(|e| EventRow {
                event_type: e.event_type.clone(),
                variant: short(&e.variant),
                object: if e.object_text == "$" {
                    "the event".to_string()
                } else {
                    e.object_text.clone()
                },
                schema: e.schema.clone(),
            })
            .collect(),
        unknown: match &w.unknown {
            UnknownPlan::Ignore => {
                "are acknowledged (2xx) and ignored: counted as `ignored`, never handled"
                    .to_string()
            }
            UnknownPlan::Variant(v) => format!("become `{}(type)` and are handled", short(v)),
        },
    }
}

#[derive(Debug, Serialize)]
struct Method {
    name: String,
    args: String,
    /// What the method returns, as the port declares it.
    returns: String,
}

#[derive(Debug, Serialize)]
struct Call {
    method: String,
    http: String,
    operation_id: String,
    kind: &'static str,
    attempt_timeout: Setting,
    budget: Setting,
    retries: String,
    idempotency: String,
    rate_limit: String,
    breaker: String,
    fallback: String,
    errors: String,
}

#[derive(Debug, Serialize)]
struct ErrorTable {
    err_type: String,
    operations: Vec<String>,
    rules: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
struct Defaults {
    attempt_timeout: Setting,
    budget: Setting,
    retry_attempts: Setting,
    backoff: Setting,
    retry_on: Setting,
    max_retry_after: Setting,
    retry_budget: Setting,
    breaker_enabled: Setting,
    breaker_scope: Setting,
    breaker_window: Setting,
    breaker_min_calls: Setting,
    breaker_failure_rate: Setting,
    breaker_slow_call: Setting,
    breaker_slow_call_rate: Setting,
    breaker_open_for: Setting,
    breaker_half_open_probes: Setting,
    rate_limit: Setting,
    fallback: Setting,
}

#[derive(Debug, Serialize)]
struct RateView {
    limit: String,
    reserve: Option<String>,
    burst: Option<u32>,
    reset: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct BucketView {
    name: String,
    limit: String,
    reserve: Option<String>,
    burst: Option<u32>,
    operations: Vec<String>,
}

#[derive(Debug, Serialize)]
struct QuotaView {
    limit: String,
    warn_at: String,
    reserve: Option<String>,
}

/// Renders the adapter's INTEGRATION.md.
pub fn render(plan: &Plan) -> Result<String, Error> {
    let report = report(plan);
    render_template(
        "integration.md.j2",
        TEMPLATE,
        minijinja::context! { r => report },
    )
}

fn report(plan: &Plan) -> Report {
    let (types_module, port) = plan
        .port_trait
        .rsplit_once("::")
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .unwrap_or_else(|| (String::new(), plan.port_trait.clone()));
    let short = Short::new(&types_module);
    let writes: Vec<&OperationPlan> = plan.operations.iter().filter(|o| o.is_write).collect();
    let mut keyed_from_value = Vec::new();
    let mut keyed_random = Vec::new();
    let mut unkeyed_writes = Vec::new();
    let mut idempotent_writes = Vec::new();
    for w in &writes {
        match &w.idempotency {
            None if idempotent_method(&w.http_method) => {
                idempotent_writes.push((w.method.clone(), w.http_method.clone()))
            }
            Some(i) if i.from.is_some() => {
                keyed_from_value.push((w.method.clone(), i.source.clone()))
            }
            Some(_) => keyed_random.push(w.method.clone()),
            None => unkeyed_writes.push(w.method.clone()),
        }
    }

    let longest = plan
        .operations
        .iter()
        .map(|o| o.policies.budget.value)
        .max()
        .unwrap_or(RUNTIME.budget);
    let longest_budget_ops = plan
        .operations
        .iter()
        .filter(|o| o.policies.budget.value == longest)
        .map(|o| o.method.clone())
        .collect();

    let breaker_summary = {
        let b = &plan.defaults.breaker;
        let overridden = plan
            .operations
            .iter()
            .any(|o| o.policies.breaker.source == Source::Operation);
        (b.enabled.value && !overridden).then(|| {
            format!(
                "{} fails calls at once, without calling the vendor, for {} at a time",
                if b.per_operation {
                    "each operation's circuit breaker"
                } else {
                    "the circuit breaker, shared by all operations,"
                },
                fmt_duration(b.open_for.value)
            )
        })
    };
    let stale_fallbacks = plan
        .operations
        .iter()
        .filter_map(|o| match &o.fallback {
            Some(FallbackPlan {
                strategy: FallbackStrategy::Cache { stale_if_error, .. },
                mark,
            }) if !stale_if_error.is_zero() => Some((
                o.method.clone(),
                fmt_duration(*stale_if_error),
                mark.field.clone(),
            )),
            _ => None,
        })
        .collect();

    let limits = match (&plan.limits.rate, &plan.limits.quota) {
        (None, None) => None,
        (r, q) => {
            let parts: Vec<String> = r
                .iter()
                .map(rate_text)
                .chain(q.iter().map(|q| format!("a quota of {}", quota_text(q))))
                .collect();
            Some(parts.join(" and "))
        }
    };
    let critical = plan
        .operations
        .iter()
        .filter(|o| {
            o.policies
                .rate_limit
                .as_ref()
                .is_some_and(|r| r.value.critical)
        })
        .map(|o| o.method.clone())
        .collect();
    let buckets = plan
        .limits
        .buckets
        .iter()
        .map(|b: &BucketPlan| BucketView {
            name: b.name.clone(),
            limit: format!("{} requests per {}", fmt_count(b.requests), fmt_per(b.per)),
            reserve: (b.reserve > 0.0).then(|| fmt_share(b.reserve)),
            burst: b.burst.filter(|n| *n > 1),
            operations: plan
                .operations
                .iter()
                .filter(|o| {
                    o.policies
                        .rate_limit
                        .as_ref()
                        .and_then(|r| r.value.bucket.as_ref())
                        .is_some_and(|n| *n == b.name)
                })
                .map(|o| o.method.clone())
                .collect(),
        })
        .collect();

    let method = |name: &str,
                  args: &[(String, String)],
                  ok: &str,
                  err: &str,
                  style: crate::plan::MethodStyle| {
        let (ok, err) = (short.of(ok), short.of(err));
        let returns = match ok.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
            Some(item) if style.is_stream() => format!("Stream<Item = Result<{item}, {err}>>"),
            _ => format!("Result<{ok}, {err}>"),
        };
        Method {
            name: name.to_string(),
            args: args
                .iter()
                .map(|(n, t)| format!("{n}: {}", short.of(t)))
                .collect::<Vec<_>>()
                .join(", "),
            returns,
        }
    };
    let mut methods: Vec<Method> = plan
        .operations
        .iter()
        .map(|o| method(&o.method, &o.args, &o.ok_type, &o.err_type, o.style))
        .collect();
    methods.extend(
        plan.unsupported
            .iter()
            .map(|u| method(&u.method, &u.args, &u.ok_type, &u.err_type, u.style)),
    );
    let unsupported = plan
        .unsupported
        .iter()
        .map(|u| (u.method.clone(), code(&short.of(&u.target))))
        .collect();

    let calls = plan
        .operations
        .iter()
        .map(|op| call(plan, op, &short))
        .collect();

    Report {
        adapter: plan.adapter.clone(),
        port,
        port_trait: plan.port_trait.clone(),
        // "on top of the Stripe API", but not "the The Jira Cloud platform REST API".
        vendor: match plan.vendor_title.get(..4) {
            Some(the) if the.eq_ignore_ascii_case("the ") => plan.vendor_title.clone(),
            _ => format!("the {}", plan.vendor_title),
        },
        base_url: plan.base_url.clone(),
        source: SourceFiles::of(plan),
        reads: plan
            .operations
            .iter()
            .filter(|o| !o.is_write)
            .map(|o| o.method.clone())
            .collect(),
        writes: writes.iter().map(|o| o.method.clone()).collect(),
        keyed_from_value,
        keyed_random,
        unkeyed_writes,
        idempotent_writes,
        auth: auth_text(&plan.auth),
        auth_is_none: plan.auth == AuthPlan::None,
        auth_declared: plan.auth_declared,
        longest_budget: fmt_duration(longest),
        longest_budget_ops,
        breaker_summary,
        stale_fallbacks,
        has_fallback: plan.operations.iter().any(|o| o.fallback.is_some()),
        unsupported,
        lists: plan
            .operations
            .iter()
            .filter_map(|o| Some((o.method.clone(), call::list_text(o)?)))
            .collect(),
        types_module,
        limits,
        methods,
        calls,
        error_tables: error_tables(plan, &short),
        webhooks: plan.webhooks.as_ref().map(webhooks_view),
        defaults: defaults(plan, &plan.defaults),
        rate: plan.limits.rate.as_ref().map(|r| RateView {
            limit: format!("{} requests per {}", fmt_count(r.requests), fmt_per(r.per)),
            reserve: (r.reserve > 0.0).then(|| fmt_share(r.reserve)),
            burst: r.burst.filter(|n| *n > 1),
            reset: r.reset.map(|x| match x {
                ResetStyle::Auto => "epoch seconds when large, else seconds from now",
                ResetStyle::Epoch => "epoch seconds",
                ResetStyle::Delta => "seconds from now",
            }),
        }),
        buckets,
        quota: plan.limits.quota.as_ref().map(|q| QuotaView {
            limit: quota_text(q),
            warn_at: and_list(q.warn_at.iter().map(|s| fmt_share(*s)).collect()),
            reserve: (q.reserve > 0.0).then(|| fmt_share(q.reserve)),
        }),
        critical,
        alerts: alerts::alert_plan(plan),
    }
}

fn rate_text(r: &RatePlan) -> String {
    format!(
        "a rate limit of {} requests per {}",
        fmt_count(r.requests),
        fmt_per(r.per)
    )
}

fn quota_text(q: &QuotaPlan) -> String {
    format!("{} requests per {}", fmt_count(q.requests), fmt_per(q.per))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::stripe_plan;
    use crate::plan::Sourced;
    use std::path::Path;
    use std::time::Duration;

    fn repo_file(rel: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The copy in [`RUNTIME`] against the tables of docs/runtime.md.
    #[test]
    fn runtime_defaults_match_docs_runtime_md() {
        let doc = repo_file("docs/runtime.md");
        let cell = |key: &str| -> String {
            let prefix = format!("| {key} |");
            let line = doc
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("docs/runtime.md has no row {prefix}"));
            line[prefix.len()..]
                .split('|')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let r = RUNTIME;
        let starts = |key: &str, want: String| {
            let got = cell(key);
            assert!(
                got.replace(' ', "").starts_with(&want.replace(' ', "")),
                "docs/runtime.md says {key} = {got:?}, plan/defaults.rs RUNTIME says {want:?}"
            );
        };
        starts("`attempt_timeout`", fmt_duration(r.attempt_timeout));
        starts("`budget`", fmt_duration(r.budget));
        starts("`attempts`", r.retry_attempts.to_string());
        starts(
            "`base`, `cap`",
            format!(
                "{}, {}",
                fmt_duration(r.retry_base),
                fmt_duration(r.retry_cap)
            ),
        );
        let on: Vec<String> = r.retry_on.iter().map(u16::to_string).collect();
        starts("`retry_on`", on.join(", "));
        starts("`max_retry_after`", fmt_duration(r.max_retry_after));
        starts("`capacity`", format!("{} tokens", r.retry_budget_capacity));
        starts("`retry_cost`", r.retry_cost.to_string());
        starts("`timeout_retry_cost`", r.timeout_retry_cost.to_string());
        starts("`window`", fmt_duration(r.breaker_window));
        starts("`min_calls`", r.breaker_min_calls.to_string());
        starts("`failure_rate`", fmt_share(r.breaker_failure_rate));
        starts(
            "`slow_call`, `slow_call_rate`",
            format!(
                "{}, {}",
                fmt_duration(r.breaker_slow_call),
                fmt_share(r.breaker_slow_call_rate)
            ),
        );
        starts("`open_for`", fmt_duration(r.breaker_open_for));
        starts("`half_open_probes`", r.breaker_half_open_probes.to_string());
        starts("`max_pages`", r.max_pages.to_string());
    }

    /// The copy in [`RUNTIME`] against the runtime's `Default` impls and baseline.
    #[test]
    fn runtime_defaults_match_the_runtime_source() {
        fn rust(d: Duration) -> String {
            if d.subsec_millis() == 0 {
                format!("Duration::from_secs({})", d.as_secs())
            } else {
                format!("Duration::from_millis({})", d.as_millis())
            }
        }
        let r = RUNTIME;
        let on: Vec<String> = r.retry_on.iter().map(u16::to_string).collect();
        let expect = [
            (
                "runtime/src/policy.rs",
                format!("attempt_timeout: Some({})", rust(r.attempt_timeout)),
            ),
            (
                "runtime/src/policy.rs",
                format!("budget: Some({})", rust(r.budget)),
            ),
            (
                "runtime/src/retry/policy.rs",
                format!("attempts: {},", r.retry_attempts),
            ),
            (
                "runtime/src/retry/policy.rs",
                format!("base: {},", rust(r.retry_base)),
            ),
            (
                "runtime/src/retry/policy.rs",
                format!("cap: {},", rust(r.retry_cap)),
            ),
            (
                "runtime/src/retry/policy.rs",
                format!("retry_on: vec![{}],", on.join(", ")),
            ),
            (
                "runtime/src/retry/policy.rs",
                format!("max_retry_after: {},", rust(r.max_retry_after)),
            ),
            (
                "runtime/src/retry/budget.rs",
                format!("capacity: {},", r.retry_budget_capacity),
            ),
            (
                "runtime/src/retry/budget.rs",
                format!("retry_cost: {},", r.retry_cost),
            ),
            (
                "runtime/src/retry/budget.rs",
                format!("timeout_retry_cost: {},", r.timeout_retry_cost),
            ),
            (
                "runtime/src/breaker/policy.rs",
                format!("window: {},", rust(r.breaker_window)),
            ),
            (
                "runtime/src/paginate/mod.rs",
                format!("pub const MAX_PAGES: u32 = {};", r.max_pages),
            ),
            (
                "runtime/src/breaker/policy.rs",
                format!("min_calls: {},", r.breaker_min_calls),
            ),
            (
                "runtime/src/breaker/policy.rs",
                format!("failure_rate: {},", r.breaker_failure_rate),
            ),
            (
                "runtime/src/breaker/policy.rs",
                format!("slow_call: {},", rust(r.breaker_slow_call)),
            ),
            (
                "runtime/src/breaker/policy.rs",
                format!("slow_call_rate: {},", r.breaker_slow_call_rate),
            ),
            (
                "runtime/src/breaker/policy.rs",
                format!("open_for: {},", rust(r.breaker_open_for)),
            ),
            (
                "runtime/src/breaker/policy.rs",
                format!("half_open_probes: {},", r.breaker_half_open_probes),
            ),
        ];
        for (file, snippet) in expect {
            assert!(
                repo_file(file).contains(&snippet),
                "{file} no longer contains `{snippet}`: update RUNTIME in plan/defaults.rs (and the docs)"
            );
        }
    }

    /// The limits and the fallback the report describes as enforced are in the generated
    /// configuration, and the report no longer calls anything "not enforced".
    #[test]
    fn enforced_policies_are_emitted() {
        let plan = stripe_plan();
        let code = crate::emit::rust::render(&plan).expect("renders");
        for want in [
            ".rate_limit(",
            ".quota(",
            "Fallback::Cache",
            "response.degraded()",
        ] {
            assert!(code.contains(want), "generated code lacks `{want}`");
        }
        let report = render(&plan).expect("renders");
        assert!(!report.to_lowercase().contains("not enforced"), "{report}");
    }

    #[test]
    fn effective_policy_names_its_sources() {
        let plan = stripe_plan();
        let get = plan
            .operations
            .iter()
            .find(|o| o.method == "get_payment")
            .expect("get_payment");
        let e = &get.policies;
        let sourced = |value, source| Sourced { value, source };
        assert_eq!(
            e.budget,
            sourced(Duration::from_secs(10), Source::Operation)
        );
        assert_eq!(
            e.attempt_timeout,
            sourced(Duration::from_secs(5), Source::Mapping)
        );
        assert_eq!(e.retry.on_source, Source::Runtime);
        assert_eq!(
            e.breaker.slow_call,
            sourced(RUNTIME.breaker_slow_call, Source::Runtime)
        );
        assert_eq!(
            e.breaker.window,
            sourced(Duration::from_secs(30), Source::Mapping)
        );
    }

    #[test]
    fn render_is_deterministic() {
        let plan = stripe_plan();
        let a = render(&plan).expect("renders");
        assert_eq!(a, render(&plan).expect("renders"));
        assert!(a.contains(&plan.mapping_sha256));
    }

    /// A title that has its own article (Jira's "The Jira Cloud platform REST API") is
    /// not given another.
    #[test]
    fn a_vendor_title_with_its_article_gets_no_second_one() {
        let mut plan = stripe_plan();
        let stripe = render(&plan).expect("renders");
        assert!(stripe.contains(&format!("on top of the {} at", plan.vendor_title)));
        plan.vendor_title = "The Jira Cloud platform REST API".into();
        let jira = render(&plan).expect("renders");
        assert!(
            jira.contains("on top of The Jira Cloud platform REST API at"),
            "{jira}"
        );
    }
}

//! Prometheus alerting rules for one adapter, rendered from `templates/alerts.yaml.j2`.
//!
//! The rules read the metrics the runtime exports (listed in docs/runtime.md, *Alerts
//! and the integration report*), filtered to this adapter's `vendor` label. Thresholds
//! are fixed defaults chosen here, except where the plan knows better: latency is
//! judged against each operation's own attempt timeout, and quota alerts fire at the
//! mapping's `limits.quota.warn_at` shares. The integration report lists the same
//! alerts from the same data, so the two never disagree.

use serde::Serialize;

use super::template::{SourceFiles, render_template};
use super::text::{fmt_duration, fmt_share};
use crate::Error;
use crate::plan::{Plan, RUNTIME};

const TEMPLATE: &str = include_str!("../../templates/alerts.yaml.j2");

/// The window every rate and quantile is computed over, for PromQL and for people.
const WINDOW: (&str, &str) = ("5m", "5 minutes");
/// Fewer calls than this in the window make a rate too noisy to page on.
const MIN_CALLS: u32 = 10;
/// Share of failed calls that warns. `vendor` outcomes include business answers such
/// as a declined card or an unknown id, so a few percent of them is normal.
const ERROR_RATE_WARNING: f64 = 0.10;
/// Share of failed calls that pages: users are clearly affected.
const ERROR_RATE_CRITICAL: f64 = 0.30;
/// Share of calls that end rate limited (after the runtime's own waiting) that warns.
const RATE_LIMITED_WARNING: f64 = 0.01;
/// p95 above this share of the attempt timeout means many calls are near a timeout.
const P95_OF_ATTEMPT_TIMEOUT: f64 = 0.5;
/// p99 above the attempt timeout itself means calls are timing out and being retried.
const P99_OF_ATTEMPT_TIMEOUT: f64 = 1.0;
/// Webhook deliveries refused for their signature in the window before the alert may
/// fire: a stray probe or two is internet noise, not a page.
const SIGNATURE_REJECTIONS_MIN: u32 = 5;
/// Share of deliveries refused for their signature that pages: a secret rotated at the
/// vendor but not here refuses every event (missed payments), and a sender forging
/// deliveries shows up the same way.
const SIGNATURE_REJECTIONS_SHARE: f64 = 0.25;

/// What the alert rules of one adapter are built from; also read by the report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AlertPlan {
    /// The `vendor` label value: the adapter's name.
    pub(crate) vendor: String,
    /// The Prometheus rule group's name.
    pub(crate) group: String,
    /// Rate and quantile window, as a PromQL duration.
    pub(crate) window: String,
    /// The same window, for people.
    pub(crate) window_text: String,
    /// Calls needed in the window before a rate alert may fire.
    pub(crate) min_calls: u32,
    /// Error-rate thresholds.
    pub(crate) error_rate: ErrorRate,
    /// Rate-limited share that warns.
    pub(crate) rate_limited: Threshold,
    /// One latency pair per operation, in the port's order.
    pub(crate) latency: Vec<Latency>,
    /// One rule per quota warning share, ascending; empty without a declared quota.
    pub(crate) quota: Vec<QuotaLevel>,
    /// The webhook receiver's rule, when the mapping has `webhooks:`.
    pub(crate) webhooks: Option<WebhookAlert>,
}

/// When a spike of signature rejections fires.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WebhookAlert {
    /// Rejections needed in the window.
    pub(crate) min_rejections: u32,
    /// Share of the deliveries rejected.
    pub(crate) share: Threshold,
}

/// Error-rate thresholds.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorRate {
    pub(crate) warning: Threshold,
    pub(crate) critical: Threshold,
}

/// A share, as PromQL reads it and as people do.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Threshold {
    /// For PromQL, e.g. `0.1`.
    pub(crate) value: String,
    /// For people, e.g. `10%`.
    pub(crate) percent: String,
}

impl Threshold {
    fn share(share: f64) -> Self {
        Threshold {
            value: prom_number(share),
            percent: fmt_share(share),
        }
    }
}

/// Latency thresholds of one operation.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Latency {
    /// The port method (the `operation` label).
    pub(crate) operation: String,
    /// p95 threshold in seconds, for PromQL.
    pub(crate) p95_seconds: String,
    /// The same, for people.
    pub(crate) p95: String,
    /// p99 threshold in seconds, for PromQL.
    pub(crate) p99_seconds: String,
    /// The same, for people.
    pub(crate) p99: String,
    /// The attempt timeout the thresholds derive from, for people.
    pub(crate) attempt_timeout: String,
}

/// One quota warning level.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct QuotaLevel {
    /// The share of the quota used.
    pub(crate) threshold: Threshold,
    /// `warning`, or `critical` for the highest level.
    pub(crate) severity: &'static str,
}

/// The alert data of a plan.
pub(crate) fn alert_plan(plan: &Plan) -> AlertPlan {
    let latency = plan
        .operations
        .iter()
        .map(|op| {
            let p = &op.policies;
            // Without an attempt limit, the budget is the next bound a caller feels.
            let limit = [p.attempt_timeout.value, p.budget.value, RUNTIME.budget]
                .into_iter()
                .find(|d| !d.is_zero())
                .unwrap_or(RUNTIME.budget);
            let p95 = limit.mul_f64(P95_OF_ATTEMPT_TIMEOUT);
            let p99 = limit.mul_f64(P99_OF_ATTEMPT_TIMEOUT);
            Latency {
                operation: op.method.clone(),
                p95_seconds: prom_number(p95.as_secs_f64()),
                p95: fmt_duration(p95),
                p99_seconds: prom_number(p99.as_secs_f64()),
                p99: fmt_duration(p99),
                attempt_timeout: fmt_duration(limit),
            }
        })
        .collect();
    let mut shares: Vec<f64> = plan
        .limits
        .quota
        .as_ref()
        .map(|q| q.warn_at.clone())
        .unwrap_or_default();
    shares.sort_by(f64::total_cmp);
    shares.dedup();
    let last = shares.len().saturating_sub(1);
    let quota = shares
        .iter()
        .enumerate()
        .map(|(i, s)| QuotaLevel {
            threshold: Threshold::share(*s),
            severity: if i == last { "critical" } else { "warning" },
        })
        .collect();
    AlertPlan {
        vendor: plan.adapter.clone(),
        group: format!("portcullis.{}", plan.adapter),
        window: WINDOW.0.to_string(),
        window_text: WINDOW.1.to_string(),
        min_calls: MIN_CALLS,
        error_rate: ErrorRate {
            warning: Threshold::share(ERROR_RATE_WARNING),
            critical: Threshold::share(ERROR_RATE_CRITICAL),
        },
        rate_limited: Threshold::share(RATE_LIMITED_WARNING),
        latency,
        quota,
        webhooks: plan.webhooks.as_ref().map(|_| WebhookAlert {
            min_rejections: SIGNATURE_REJECTIONS_MIN,
            share: Threshold::share(SIGNATURE_REJECTIONS_SHARE),
        }),
    }
}

/// Renders the adapter's Prometheus alerting rules (a rule file for `rule_files:`).
pub fn render(plan: &Plan) -> Result<String, Error> {
    let data = alert_plan(plan);
    let source = SourceFiles::of(plan);
    render_template(
        "alerts.yaml.j2",
        TEMPLATE,
        minijinja::context! { a => data, source => source },
    )
}

/// A number as PromQL reads it, without float noise (`0.1`, `2.5`, `5`).
fn prom_number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prom_numbers_have_no_float_noise() {
        assert_eq!(prom_number(0.1), "0.1");
        assert_eq!(prom_number(2.5), "2.5");
        assert_eq!(prom_number(5.0), "5");
        assert_eq!(prom_number(0.95), "0.95");
    }

    #[test]
    fn stripe_rules_follow_the_plan() {
        let plan = crate::emit::stripe_plan();
        let a = alert_plan(&plan);
        assert_eq!(a.vendor, "StripeGateway");
        let get = a
            .latency
            .iter()
            .find(|l| l.operation == "get_payment")
            .expect("get_payment");
        assert_eq!(
            (get.p95_seconds.as_str(), get.p99_seconds.as_str()),
            ("2.5", "5")
        );
        let levels: Vec<_> = a
            .quota
            .iter()
            .map(|q| (q.threshold.value.as_str(), q.severity))
            .collect();
        assert_eq!(levels, [("0.8", "warning"), ("0.95", "critical")]);
        let yaml = render(&plan).expect("renders");
        assert!(yaml.contains(r#"portcullis_quota_used_ratio{vendor="StripeGateway"}) >= 0.95"#));
        assert!(!yaml.contains('\t'), "YAML must not contain tabs");
    }

    #[test]
    fn a_receiver_gets_the_signature_spike_rule_and_only_then() {
        let mut plan = crate::emit::stripe_plan();
        let w = plan
            .webhooks
            .take()
            .expect("the Stripe mapping has webhooks");
        let without = render(&plan).expect("renders");
        assert!(!without.contains("PortcullisWebhookSignatureRejections"));
        plan.webhooks = Some(w);
        let with = render(&plan).expect("renders");
        assert!(with.contains("- alert: PortcullisWebhookSignatureRejections"));
        assert!(with.contains(
            r#"portcullis_webhook_deliveries_total{vendor="StripeGateway",outcome="rejected_signature"}[5m])) >= 5)"#
        ));
        assert!(with.contains(
            r#"increase(portcullis_webhook_deliveries_total{vendor="StripeGateway"}[5m])) >= 0.25)"#
        ));
    }
}

//! The vendor's documented limits as the mapping declares them: the rate, the quota
//! and named buckets, checked so that every bucket an operation names exists and a
//! critical operation has a reserve to draw from.

use super::planner::Planner;
use crate::error::suggest;
use crate::load::mapping::{Limits, Reset};
use std::time::Duration;

/// The vendor's documented limits, enforced by the runtime and described by the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LimitsPlan {
    /// The adapter's request rate.
    pub rate: Option<RatePlan>,
    /// The vendor's quota.
    pub quota: Option<QuotaPlan>,
    /// Named buckets with their own rate, in the mapping's order.
    pub buckets: Vec<BucketPlan>,
}

/// `limits.rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct RatePlan {
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Share reserved for critical operations.
    pub reserve: f64,
    /// Requests that may go back to back after a quiet period (runtime default 1).
    pub burst: Option<u32>,
    /// How the vendor's reset header counts (runtime default: auto).
    pub reset: Option<ResetStyle>,
}

/// How the vendor's `X-RateLimit-Reset` header counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetStyle {
    /// Epoch seconds when the value is large, else seconds from now.
    Auto,
    /// Seconds since the Unix epoch.
    Epoch,
    /// Seconds from now.
    Delta,
}

/// `limits.buckets.<name>`: a rate of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketPlan {
    /// The name operations use.
    pub name: String,
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Share reserved for critical operations.
    pub reserve: f64,
    /// Requests that may go back to back after a quiet period.
    pub burst: Option<u32>,
}

/// `limits.quota`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaPlan {
    /// Requests per window.
    pub requests: u64,
    /// The window.
    pub per: Duration,
    /// Usage shares that raise an alert.
    pub warn_at: Vec<f64>,
    /// Share only critical operations may use.
    pub reserve: f64,
}

/// The mapping's limits as plan data.
pub(super) fn limits(l: &Limits) -> LimitsPlan {
    LimitsPlan {
        rate: l.rate.as_ref().map(|r| RatePlan {
            requests: r.requests,
            per: r.per,
            reserve: r.reserve,
            burst: r.burst,
            reset: r.reset.map(|x| match x {
                Reset::Auto => ResetStyle::Auto,
                Reset::Epoch => ResetStyle::Epoch,
                Reset::Delta => ResetStyle::Delta,
            }),
        }),
        quota: l.quota.as_ref().map(|q| QuotaPlan {
            requests: q.requests,
            per: q.per,
            warn_at: q.warn_at.clone(),
            reserve: q.reserve,
        }),
        buckets: l
            .buckets
            .iter()
            .map(|b| BucketPlan {
                name: b.name.value.clone(),
                requests: b.requests,
                per: b.per,
                reserve: b.reserve,
                burst: b.burst,
            })
            .collect(),
    }
}

impl<'a> Planner<'a> {
    /// Every `rate_limit.bucket` names a declared bucket, and a critical operation has a
    /// reserve to draw from.
    pub(super) fn limit_checks(&mut self) {
        let m = self.mapping;
        let limits = &m.limits;
        let default_bucket = m
            .defaults
            .rate_limit
            .as_ref()
            .and_then(|r| r.bucket.as_ref());
        let mut all = Vec::new();
        if let Some(r) = &m.defaults.rate_limit {
            all.push(("`defaults:`".to_string(), r));
        }
        for om in &m.operations {
            if let Some(r) = &om.policies.rate_limit {
                all.push((format!("operation '{}'", om.method.value), r));
            }
        }
        for (who, rl) in all {
            let bucket = match rl.bucket.as_ref().or(default_bucket) {
                None => None,
                Some(name) => match limits.buckets.iter().find(|b| b.name.value == name.value) {
                    Some(b) => Some(b),
                    None => {
                        let help = if limits.buckets.is_empty() {
                            format!(
                                "declare it under `limits:`: `buckets: {{ {}: {{ requests: 30, per: 1m }} }}`",
                                name.value
                            )
                        } else {
                            suggest(
                                &name.value,
                                limits.buckets.iter().map(|b| b.name.value.as_str()),
                            )
                        };
                        self.err(
                            name.span,
                            format!(
                                "bucket '{}' is not declared in `limits.buckets`",
                                name.value
                            ),
                            help,
                        );
                        continue;
                    }
                },
            };
            if !rl.critical {
                continue;
            }
            let rate_reserve = match bucket {
                Some(b) => b.reserve,
                None => limits.rate.as_ref().map(|r| r.reserve).unwrap_or(0.0),
            };
            let quota_reserve = limits.quota.as_ref().map(|q| q.reserve).unwrap_or(0.0);
            if rate_reserve == 0.0 && quota_reserve == 0.0 {
                let place = match bucket {
                    Some(b) => format!("`limits.buckets.{}`", b.name.value),
                    None => "`limits.rate`".to_string(),
                };
                self.err(
                    rl.span,
                    format!(
                        "{who} is critical, but no reserve is declared: the reserve critical calls may use is 0, so they wait and fail like any other"
                    ),
                    format!(
                        "add `reserve: 0.2` to {place} or `limits.quota`, or drop `critical: true`"
                    ),
                );
            }
        }
        if let Some(fb) = &m.defaults.fallback {
            self.err(
                fb.span,
                "a fallback cannot be a default: each one marks a field of its operation's result, and a write must not have one",
                "move `fallback:` under the read operations that should degrade",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn limits_become_plan_data() {
        let plan = Fixture::default()
            .mapping("operations:\n", "limits:\n  rate: { requests: 100, per: 1s, burst: 5, reset: epoch }\n  quota: { requests: 1000, per: 1d }\n  buckets: { search: { requests: 30, per: 1m, reserve: 0.1 } }\noperations:\n")
            .plan();
        let rate = plan.limits.rate.clone().expect("rate");
        assert_eq!(
            (rate.requests, rate.burst, rate.reset),
            (100, Some(5), Some(ResetStyle::Epoch))
        );
        let quota = plan.limits.quota.clone().expect("quota");
        assert_eq!(quota.warn_at, [0.8, 0.95]);
        assert_eq!(
            plan.limits.buckets,
            [BucketPlan {
                name: "search".into(),
                requests: 30,
                per: Duration::from_secs(60),
                reserve: 0.1,
                burst: None
            }]
        );
    }

    #[test]
    fn a_bucket_must_be_declared() {
        Fixture::default()
            .mapping(
                "    params: { id: id }\n",
                "    params: { id: id }\n    rate_limit: { bucket: search }\n",
            )
            .refused_with("bucket 'search' is not declared in `limits.buckets`");
        Fixture::default()
            .mapping(
                "    params: { id: id }\n",
                "    params: { id: id }\n    rate_limit: { bucket: search }\n",
            )
            .mapping(
                "operations:\n",
                "limits: { buckets: { search: { requests: 30, per: 1m } } }\noperations:\n",
            )
            .plan();
    }

    #[test]
    fn a_critical_operation_needs_a_reserve() {
        let critical = Fixture::default()
            .mapping(
                "    params: { id: id }\n",
                "    params: { id: id }\n    rate_limit: { critical: true }\n",
            )
            .mapping(
                "operations:\n",
                "limits: { rate: { requests: 10, per: 1s } }\noperations:\n",
            );
        critical
            .clone()
            .refused_with("operation 'get' is critical, but no reserve is declared");
        critical
            .mapping(
                "requests: 10, per: 1s",
                "requests: 10, per: 1s, reserve: 0.2",
            )
            .plan();
    }

    #[test]
    fn a_fallback_is_never_a_default() {
        Fixture::default()
            .mapping(
                "operations:\n",
                "defaults: { fallback: caller }\noperations:\n",
            )
            .refused_with("a fallback cannot be a default");
    }
}

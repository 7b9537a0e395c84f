//! The vendor's documented limits as the mapping declares them: named buckets exist,
//! and a critical operation has a reserve to draw from.

use super::planner::Planner;
use crate::error::suggest;

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

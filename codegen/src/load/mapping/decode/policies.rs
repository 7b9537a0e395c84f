//! Policies, under `defaults:` and under each operation: time limits, `retry:`,
//! `breaker:`, `rate_limit:`, `fallback:`.

use super::{Decoder, keys};
use crate::load::mapping::model::*;
use crate::load::yaml::Node;
use std::time::Duration;

impl Decoder<'_> {
    pub(super) fn policies(&mut self, node: &Node, what: &str, extra: &[&str]) -> Policies {
        let allowed: Vec<&str> = keys::POLICIES.iter().chain(extra).copied().collect();
        let e = self.entries(node, what, Some(&allowed));
        self.policies_from(&e)
    }

    pub(super) fn policies_from(&mut self, e: &[(Spanned<String>, &Node)]) -> Policies {
        let mut p = Policies::default();
        for (k, v) in e {
            match k.value.as_str() {
                "attempt_timeout" => p.attempt_timeout = self.duration(v, "attempt_timeout"),
                "budget" => p.budget = self.duration(v, "budget"),
                "retry" => p.retry = self.retry(v),
                "breaker" => p.breaker = self.breaker(v),
                "rate_limit" => {
                    let f = self.entries(v, "rate_limit", Some(keys::OP_RATE_LIMIT));
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
        let e = self.entries(node, "retry", Some(keys::RETRY));
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

    fn breaker(&mut self, node: &Node) -> Option<Breaker> {
        if node.as_str() == Some("off") || node.as_str() == Some("false") {
            return Some(Breaker {
                enabled: Some(false),
                ..Breaker::default()
            });
        }
        let e = self.entries(node, "breaker", Some(keys::BREAKER));
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
        let e = self.entries(node, "fallback", Some(keys::FALLBACK));
        let mark = e
            .iter()
            .find(|(k, _)| k.value == "mark")
            .and_then(|(_, n)| self.string(n, "fallback.mark"));
        let strategies: Vec<&(Spanned<String>, &Node)> =
            e.iter().filter(|(k, _)| k.value != "mark").collect();
        let strategy = match strategies.as_slice() {
            [(k, v)] if k.value == "cache" => {
                let f = self.entries(v, "fallback.cache", Some(keys::FALLBACK_CACHE));
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
}

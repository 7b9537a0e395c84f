//! `limits:` (rate, quota, named buckets) and `health:`.

use super::{Decoder, describe, keys};
use crate::error::{Span, suggest};
use crate::load::mapping::model::*;
use crate::load::yaml::Node;
use std::time::Duration;

impl Decoder<'_> {
    pub(super) fn limits(&mut self, node: &Node) -> Limits {
        let e = self.entries(node, "limits", Some(keys::LIMITS));
        let mut out = Limits::default();
        for (k, v) in e {
            match k.value.as_str() {
                "rate" => out.rate = self.rate(v),
                "quota" => out.quota = self.quota(v),
                _ => {
                    for (name, b) in self.entries(v, "limits.buckets", None) {
                        let what = format!("limits.buckets.{}", name.value);
                        let f = self.entries(b, &what, Some(keys::BUCKET));
                        let (requests, per) = self.requests_per(&f, b.span, &what);
                        let field = |n: &str| f.iter().find(|(k, _)| k.value == n).map(|(_, v)| *v);
                        let reserve = field("reserve")
                            .and_then(|n| self.reserve(n))
                            .unwrap_or(0.0);
                        let burst = field("burst").and_then(|n| self.burst(n));
                        if let (Some(requests), Some(per)) = (requests, per) {
                            out.buckets.push(Bucket {
                                name,
                                requests,
                                per,
                                reserve,
                                burst,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn requests_per(
        &mut self,
        f: &[(Spanned<String>, &Node)],
        at: Span,
        what: &str,
    ) -> (Option<u64>, Option<Duration>) {
        let requests = self
            .required(f, "requests", at, what)
            .and_then(|n| self.number::<u64>(n, "requests"));
        let per = self
            .required(f, "per", at, what)
            .and_then(|n| self.duration(n, "per"));
        if let (Some(0), Some(n)) = (requests, f.iter().find(|(k, _)| k.value == "requests")) {
            self.err(
                n.1.span,
                format!("{what}.requests is 0, which would refuse every call"),
                "write the vendor's documented number of requests",
            );
        }
        if per.is_some_and(|p| p.is_zero()) {
            self.err(
                at,
                format!("{what}.per is zero"),
                "write a window such as 1s or 1d",
            );
        }
        (requests, per)
    }

    /// A reserve share: the runtime keeps at most 90 % for critical operations.
    fn reserve(&mut self, node: &Node) -> Option<f64> {
        let r = self.share(node, "reserve")?;
        if r > 0.9 {
            self.err(
                node.span,
                format!("reserve {r} leaves less than 10% for ordinary calls"),
                "write at most 0.9",
            );
            return None;
        }
        Some(r)
    }

    fn burst(&mut self, node: &Node) -> Option<u32> {
        match self.number::<u32>(node, "burst")? {
            0 => {
                self.err(
                    node.span,
                    "burst is the number of requests that may go back to back, at least 1",
                    "write 1 for evenly spaced requests",
                );
                None
            }
            n => Some(n),
        }
    }

    fn rate(&mut self, v: &Node) -> Option<Rate> {
        let what = "limits.rate";
        let f = self.entries(v, what, Some(keys::RATE));
        let (requests, per) = self.requests_per(&f, v.span, what);
        let field = |name: &str| f.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
        let reserve = field("reserve")
            .and_then(|n| self.reserve(n))
            .unwrap_or(0.0);
        let burst = field("burst").and_then(|n| self.burst(n));
        let reset = field("reset").and_then(|n| match n.as_str() {
            Some("auto") => Some(Reset::Auto),
            Some("epoch") => Some(Reset::Epoch),
            Some("delta") => Some(Reset::Delta),
            _ => {
                let help = match n.as_str() {
                    Some(s) => suggest(s, keys::RATE_RESETS.iter().copied()),
                    None => "write auto, epoch or delta".to_string(),
                };
                self.err(
                    n.span,
                    format!(
                        "limits.rate.reset should be auto, epoch (seconds since 1970, GitHub) or delta (seconds from now), found {}",
                        describe(n)
                    ),
                    help,
                );
                None
            }
        });
        Some(Rate {
            requests: requests?,
            per: per?,
            reserve,
            burst,
            reset,
        })
    }

    fn quota(&mut self, v: &Node) -> Option<Quota> {
        let what = "limits.quota";
        let f = self.entries(v, what, Some(keys::QUOTA));
        let (requests, per) = self.requests_per(&f, v.span, what);
        let field = |name: &str| f.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
        let reserve = field("reserve")
            .and_then(|n| self.reserve(n))
            .unwrap_or(0.0);
        let warn_at = match field("warn_at") {
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(|i| self.share(i, "warn_at"))
                    .collect(),
                None => {
                    self.err(
                        n.span,
                        "warn_at should be a list of shares",
                        "write for example [0.8, 0.95]",
                    );
                    Vec::new()
                }
            },
            None => vec![0.8, 0.95],
        };
        Some(Quota {
            requests: requests?,
            per: per?,
            warn_at,
            reserve,
        })
    }

    pub(super) fn health(&mut self, node: &Node) -> Health {
        let mut h = Health::default();
        for (k, v) in self.entries(node, "health", Some(keys::HEALTH)) {
            match k.value.as_str() {
                "enabled" => h.enabled = self.boolean(v, "health.enabled"),
                "window" => h.window = self.duration(v, "health.window"),
                "min_calls" => h.min_calls = self.number(v, "health.min_calls"),
                "error_rate" => h.error_rate = self.share(v, "health.error_rate"),
                "p95" => h.p95 = self.duration(v, "health.p95"),
                _ => h.p99 = self.duration(v, "health.p99"),
            }
        }
        h
    }
}

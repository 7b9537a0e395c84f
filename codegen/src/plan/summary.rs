//! The plan in a few lines, as `portcullis generate` and `check` print it.

use super::{Plan, Source, Sourced, UnknownPlan};
use std::time::Duration;

impl Plan {
    /// A short human summary: operations, types, policies.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        // What the mapping leaves to the runtime is named as such, not by its value.
        let dur = |d: Sourced<Duration>| match d.source {
            Source::Runtime => "runtime default".to_string(),
            _ => format!("{:?}", d.value),
        };
        s.push_str(&format!(
            "adapter {} implements {} over {} ({})\n",
            self.adapter, self.port_trait, self.vendor_title, self.spec_file
        ));
        s.push_str(&format!("operations: {}\n", self.operations.len()));
        // The column is as wide as the longest method name, at least 16 (a shorter
        // table reads the same as before), so a long name does not push its line out.
        let width = self
            .operations
            .iter()
            .map(|o| o.method.len())
            .chain(self.unsupported.iter().map(|u| u.method.len()))
            .max()
            .unwrap_or(0)
            .max(16);
        for op in &self.operations {
            let idem = op
                .idempotency
                .as_ref()
                .map(|i| format!(", idempotency key from {}", i.source))
                .unwrap_or_else(|| {
                    if op.read_only {
                        ", a read (read: true)".to_string()
                    } else {
                        String::new()
                    }
                });
            let pages = op
                .paginate
                .as_ref()
                .map(|pg| pages(pg, op.style.is_stream()))
                .unwrap_or_default();
            let named = op
                .vendor_name()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            s.push_str(&format!(
                "  {:<width$} {} {}{named}{}{}\n",
                op.method, op.http_method, op.path, idem, pages
            ));
        }
        for u in &self.unsupported {
            s.push_str(&format!(
                "  {:<width$} not offered by the vendor: returns {}\n",
                u.method, u.target
            ));
        }
        s.push_str(&format!(
            "types: {} vendor wire types, {} domain converters\n",
            self.wire.len(),
            self.converters.len()
        ));
        let r = &self.defaults.retry;
        let retry = match r.source {
            Source::Runtime => "runtime default".to_string(),
            _ => format!("{} attempts, backoff {:?}..{:?}", r.attempts, r.base, r.cap),
        };
        s.push_str(&format!(
            "policies: attempt timeout {}, budget {}, retry {}\n",
            dur(self.defaults.attempt_timeout),
            dur(self.defaults.budget),
            retry
        ));
        if let Some(rate) = &self.limits.rate {
            s.push_str(&format!(
                "limits: {} requests per {:?}\n",
                rate.requests, rate.per
            ));
        }
        if let Some(w) = &self.webhooks {
            let unknown = match &w.unknown {
                UnknownPlan::Ignore => "acknowledged and ignored".to_string(),
                UnknownPlan::Variant(v) => format!("become {v}"),
            };
            s.push_str(&format!(
                "webhooks: {} ({} scheme), {} event types mapped into {}; others {}\n",
                w.decoder,
                w.scheme.name(),
                w.events.len(),
                w.event_enum,
                unknown
            ));
        }
        s
    }
}

/// How a list is read, e.g. `, a stream of pages by the Link header, at most at_most items`.
fn pages(pg: &super::PaginatePlan, stream: bool) -> String {
    use super::{LimitPlan, NextPlan};
    let how = match &pg.next {
        NextPlan::Link => "by the Link header".to_string(),
        NextPlan::Cursor { read, .. } => format!("by the cursor at {}", read.json_path),
        NextPlan::AfterLast { param, .. } => format!("by {param} after the last id"),
        NextPlan::Url { read } => format!("by the next page at {}", read.json_path),
        NextPlan::Counted { offsets: true, .. } => "by offset".to_string(),
        NextPlan::Counted { .. } => "by page number".to_string(),
    };
    let limit = |l: &Option<LimitPlan>, what: &str| match l {
        Some(LimitPlan::Fixed(n)) => format!(", at most {n} {what}"),
        Some(LimitPlan::Arg { access, .. }) => format!(", at most {} {what}", access.join(".")),
        None => String::new(),
    };
    format!(
        ", {} {how}{}{}",
        if stream {
            "a stream of pages"
        } else {
            "every page"
        },
        limit(&pg.max_items, "items"),
        limit(&pg.max_pages, "pages")
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;

    #[test]
    fn the_summary_names_operations_types_and_policies() {
        let summary = Fixture::default()
            .mapping("operations:\n", "defaults: { attempt_timeout: 2s }\nlimits: { rate: { requests: 5, per: 1s } }\noperations:\n")
            .plan()
            .summary();
        for line in [
            "adapter ThingsAdapter implements crate::domain::Things over Things (things.yaml)",
            "operations: 2",
            "  create           POST /things (createThing), idempotency key from req.order",
            "types: 4 vendor wire types, 1 domain converters",
            "policies: attempt timeout 2s, budget runtime default, retry runtime default",
            "limits: 5 requests per 1s",
        ] {
            assert!(summary.contains(line), "{line:?} not in:\n{summary}");
        }
    }

    /// Bitbucket's `list_pull_requests_for_review` is longer than the usual column:
    /// every line's column widens with it.
    #[test]
    fn a_long_method_name_widens_the_column_for_every_line() {
        let summary =
            Fixture::listing("{ type: array, items: { $ref: \"#/components/schemas/Thing\" } }")
                .port("async fn list(", "async fn list_every_thing_for_review(")
                .mapping("  list:\n", "  list_every_thing_for_review:\n")
                .plan()
                .summary();
        for line in [
            "  list_every_thing_for_review GET /things (listThings)\n",
            "  create                      POST /things (createThing)",
        ] {
            assert!(summary.contains(line), "{line:?} not in:\n{summary}");
        }
    }

    #[test]
    fn a_post_marked_read_is_said_to_be_one() {
        let summary = Fixture::default()
            .mapping(
                "    idempotency: { header: Idempotency-Key, key: req.order }\n",
                "    read: true\n",
            )
            .plan()
            .summary();
        assert!(
            summary
                .contains("  create           POST /things (createThing), a read (read: true)\n"),
            "{summary}"
        );
    }
}

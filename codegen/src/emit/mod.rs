//! Emitters: each reads only the plan.
//!
//! * [`rust`]: the adapter itself (with `quote`, formatted by `prettyplease`).
//! * [`contract`]: the adapter's contract tests, appended on request (the harness in
//!   `mod.rs`, one module per operation in `operation.rs`, drifted responses in `drift.rs`).
//! * [`report`]: the INTEGRATION.md page for reviewers (the table of calls in `call.rs`,
//!   the other tables in `tables.rs`); [`alerts`]: Prometheus rules.
//! * `text.rs` and `template.rs`: the wording and the template environment they share.

pub mod alerts;
pub mod contract;
pub mod report;
pub mod rust;
mod template;
pub(crate) mod text;

#[cfg(test)]
pub(crate) fn stripe_plan() -> crate::plan::Plan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings/stripe.yaml");
    crate::builder::check(&path)
        .expect("the Stripe mapping is valid")
        .0
}

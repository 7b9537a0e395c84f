//! One test binary (fast to link): end to end, diagnostics, determinism, compile-fail.

mod auth;
mod build_script;
mod chaos;
mod compile_fail;
mod compile_property;
mod contract;
mod degrade;
mod determinism;
mod diagnostics;
mod diff;
mod fuzz;
mod hostile;
mod ledger;
mod providers;
mod report;
mod scaffold;
mod shapes;
mod spec_corpus;
mod stripe;
mod tracker;

/// Held by the tests that run cargo (they keep both cores busy for minutes) and by the
/// timing-sensitive ones, so that a chaos run's budgets are not measured against a build.
pub(crate) static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

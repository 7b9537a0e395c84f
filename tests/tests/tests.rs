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

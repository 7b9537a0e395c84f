//! The compile property (issue 15, point 1): whatever `check` accepts compiles under
//! `#![deny(warnings)]`, tried with domain-shaped ports (`&str` and newtype arguments,
//! integers of every width, defaults, enums with a catch-all, lists, nested structs) over
//! operations of real specs from the corpus. This is the CI sample;
//! `scripts/compile-property` runs a larger one and BENCHMARKS.md has its figures.

use portcullis_codegen::corpus::{self, property};
use std::path::{Path, PathBuf};

#[test]
fn every_domain_shaped_mapping_check_accepts_compiles() {
    let _heavy = crate::HEAVY.blocking_lock();
    let dir = crate::corpus("api/stripe.com.json").join("api");
    let all = corpus::list_specs(&dir);
    let specs: Vec<PathBuf> = corpus::sample(&all, 16)
        .into_iter()
        .map(|i| all[i].clone())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ws = root.join("target/compile-property-ci");
    let _ = std::fs::remove_dir_all(ws.join("crates"));
    let p = property::run(&specs, 3, 15, &ws, &root.join("runtime")).expect("workspace");
    println!("{p}");
    assert!(
        p.accepted >= 20,
        "the sample should exercise the generator: {p}"
    );
    assert!(
        p.failed.is_empty(),
        "{p}\naccepted but did not compile (seed 15; crate, port and mapping kept):\n{}",
        p.failed
            .iter()
            .map(|(s, op, dir)| format!("  {s} {op}: {}", dir.display()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

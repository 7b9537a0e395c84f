//! The `portcullis` binary's exit codes, which CI relies on: `diff` exits 1 when a vendor
//! change breaks the mapping, 0 when nothing does, 2 when it cannot compare.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/diff")
}

fn diff(old: &str, new: &str, extra: &[&str]) -> Output {
    let f = fixtures();
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("diff")
        .arg("--mapping")
        .arg(f.join("shop.yaml"))
        .arg("--old")
        .arg(f.join(old))
        .arg("--new")
        .arg(f.join(new))
        .args(extra)
        .output()
        .expect("portcullis runs")
}

#[test]
fn diff_exits_1_on_a_breaking_change_and_says_where() {
    let out = diff("shop.v1.yaml", "shop.v2.yaml", &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("shop.yaml:17:7: create_order: request field 'coupon' was removed"),
        "{text}"
    );
    assert!(
        text.contains("mapped surface: 13 breaking, 5 review, 3 safe"),
        "{text}"
    );
}

#[test]
fn diff_exits_0_when_nothing_breaks() {
    let out = diff("shop.v1.yaml", "shop.v1.yaml", &[]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn diff_exits_2_when_it_cannot_compare() {
    let out = diff("shop.v1.yaml", "no-such-spec.yaml", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-spec.yaml"), "{err}");
}

#[test]
fn diff_json_is_one_document_for_tooling() {
    let out = diff("shop.v1.yaml", "shop.v2.yaml", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["breaking"], 13);
    assert_eq!(v["findings"][0]["change"], "rejected");
    assert_eq!(v["outside"]["operations"]["added"], 2);
}

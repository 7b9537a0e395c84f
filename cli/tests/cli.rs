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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn portcullis(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .output()
        .expect("portcullis runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// The catalog test mapping with its spec and port in `dir`, the mapping edited by `edit`.
fn catalog_in(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let f = root().join("tests/fixtures");
    for file in ["catalog.openapi.yaml", "catalog_domain.rs"] {
        std::fs::copy(f.join(file), dir.join(file)).expect("copy");
    }
    let text = std::fs::read_to_string(f.join("catalog.yaml")).expect("mapping");
    let path = dir.join("catalog.yaml");
    std::fs::write(&path, edit(text)).expect("write");
    path
}

#[test]
fn trim_refuses_a_mapping_check_rejects_with_the_same_diagnostics() {
    let dir = temp_dir("trim");
    let mapping = catalog_in(&dir, |t| {
        t.replace("ok: Ok,", "ok: Okay,")
            .replace("params: { q: query }", "params: { q: querry }")
            .replace("      available: available", "      available: availabel")
    });
    let spec = dir.join("catalog.openapi.yaml");
    let out = dir.join("trimmed.json");
    let check = portcullis(&["check".as_ref(), mapping.as_os_str()]);
    let trim = portcullis(&[
        "trim".as_ref(),
        "--mapping".as_ref(),
        mapping.as_os_str(),
        "--spec".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let written = out.exists();
    std::fs::remove_dir_all(&dir).ok();
    let check_err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{check_err}");
    assert!(check_err.contains("4 errors found"), "{check_err}");
    assert_eq!(trim.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&trim.stderr), check_err);
    assert!(
        !written,
        "no trimmed spec for a mapping that does not check"
    );
}

#[test]
fn trim_writes_the_spec_of_a_mapping_that_checks() {
    let dir = temp_dir("trim-ok");
    let mapping = catalog_in(&dir, |t| t);
    let spec = dir.join("catalog.openapi.yaml");
    let out = dir.join("trimmed.json");
    let trim = portcullis(&[
        "trim".as_ref(),
        "--mapping".as_ref(),
        mapping.as_os_str(),
        "--spec".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        trim.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&trim.stderr)
    );
    assert!(text.contains("\"x-portcullis-origin\""), "{text}");
}

#[test]
fn scaffold_prints_the_count_check_reports() {
    let dir = temp_dir("scaffold");
    let out = dir.join("square.yaml");
    let spec = root().join("specs/square/payments.json");
    let port = root().join("examples/checkout/src/domain.rs");
    let scaffold = portcullis(&[
        "scaffold".as_ref(),
        "--spec".as_ref(),
        spec.as_os_str(),
        "--port".as_ref(),
        port.as_os_str(),
        "--operations".as_ref(),
        "create_payment=CreatePayment,GetPayment,refund=RefundPayment".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let check = portcullis(&["check".as_ref(), out.as_os_str()]);
    std::fs::remove_dir_all(&dir).ok();
    let said = String::from_utf8_lossy(&scaffold.stdout);
    assert_eq!(scaffold.status.code(), Some(0), "{said}");
    let count: usize = said
        .split(" with ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {said:?}"));
    assert!(
        said.contains(&format!("with {count} FIXME lines to decide")),
        "{said}"
    );
    let reported = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        reported.ends_with(&format!("\n{count} errors found\n")),
        "{count}:\n{reported}"
    );
    assert_eq!(reported.matches("an unresolved FIXME").count(), count);
}

/// `portcullis schema` prints the schema the library derives from the decoder's keys,
/// and writes the same bytes with `--out`.
#[test]
fn schema_prints_the_mapping_formats_json_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("schema")
        .output()
        .expect("portcullis runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        printed,
        portcullis_codegen::load::mapping::schema::json_schema()
    );
    assert_eq!(
        printed["$schema"],
        "http://json-schema.org/draft-07/schema#"
    );

    let dir = std::env::temp_dir().join(format!("portcullis-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("mapping.schema.json");
    let status = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["schema", "--out"])
        .arg(&file)
        .status()
        .expect("portcullis runs");
    assert!(status.success());
    assert_eq!(std::fs::read(&file).expect("written"), out.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

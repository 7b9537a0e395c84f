//! The integration report and alert rules: checked in beside the mapping, equal to what
//! the generator renders now, and saying what a reviewer needs to know.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stripe_documents() -> portcullis_codegen::builder::Documents {
    let g =
        portcullis_codegen::generate_one(&root().join("mappings/stripe.yaml")).expect("generates");
    portcullis_codegen::builder::documents(&g.plan).expect("renders")
}

/// Compares `rendered` with the checked-in `file`; `PORTCULLIS_BLESS=1` accepts a change.
fn golden(file: &str, rendered: &str) {
    let path = root().join(file);
    if std::env::var_os("PORTCULLIS_BLESS").is_some() {
        std::fs::write(&path, rendered).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == rendered,
        "{} differs from what the generator renders now; review the diff and rerun with PORTCULLIS_BLESS=1 to accept it",
        path.display()
    );
}

#[test]
fn stripe_report_is_checked_in_and_current() {
    golden("mappings/stripe.INTEGRATION.md", &stripe_documents().report);
}

#[test]
fn stripe_alerts_are_checked_in_and_current() {
    golden("mappings/stripe.alerts.yaml", &stripe_documents().alerts);
}

/// Every mapping in mappings/ has both documents checked in beside it, and current.
#[test]
fn every_mappings_documents_are_checked_in_and_current() {
    for name in shipped_mappings() {
        let g = portcullis_codegen::generate_one(&root().join(format!("mappings/{name}.yaml")))
            .expect("generates");
        let docs = portcullis_codegen::builder::documents(&g.plan).expect("renders");
        golden(&format!("mappings/{name}.INTEGRATION.md"), &docs.report);
        golden(&format!("mappings/{name}.alerts.yaml"), &docs.alerts);
    }
}

/// The row of a port method in the report's table of external calls (its last table).
fn row<'a>(report: &'a str, method: &str) -> &'a str {
    let start = format!("| `{method}` |");
    report
        .lines()
        .rfind(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("no row for {method} in\n{report}"))
}

#[test]
fn create_payment_row_shows_a_keyed_retried_write() {
    let report = stripe_documents().report;
    let row = row(&report, "create_payment");
    for want in [
        "`POST /v1/payment_intents`",
        "| write |",
        "| 5 s |",
        "| 20 s |",
        "3 attempts on 408, 429, 502, 503, 504 (runtime default)",
        "header `Idempotency-Key`, from `req.order_id`",
        "shared by all operations",
        "none: the error reaches the caller",
        "HTTP 402 with code `card_declined` → `PaymentError::Declined`",
    ] {
        assert!(
            row.contains(want),
            "create_payment row lacks {want:?}:\n{row}"
        );
    }
}

#[test]
fn get_payment_row_shows_its_budget_override_and_cache_fallback() {
    let report = stripe_documents().report;
    let row = row(&report, "get_payment");
    for want in [
        "`GET /v1/payment_intents/{intent}`",
        "| read |",
        "**10 s** (this operation)",
        "not needed (GET is idempotent)",
        "cached answer, fresh for 1 min; up to 10 min old when the vendor fails",
    ] {
        assert!(row.contains(want), "get_payment row lacks {want:?}:\n{row}");
    }
}

#[test]
fn refund_row_shows_a_fresh_key_per_call_and_how_to_replay() {
    let report = stripe_documents().report;
    let refund = row(&report, "refund");
    assert!(refund.contains("a fresh UUIDv4 per call"), "{refund}");
    assert!(refund.contains("replay / logical-call id"), "{refund}");
}

#[test]
fn every_default_is_called_out() {
    let report = stripe_documents().report;
    // The mapping leaves these out, so the report must name the runtime's values.
    for (setting, value) in [
        ("retried statuses", "408, 429, 502, 503, 504"),
        ("slow attempt", "5 s"),
        ("breaker probes", "3"),
        ("longest `Retry-After` waited", "30 s"),
    ] {
        let line = report
            .lines()
            .find(|l| l.starts_with(&format!("| {setting} |")))
            .unwrap_or_else(|| panic!("no row for {setting}"));
        assert!(
            line.contains(&format!("| {value} | **runtime default** |")),
            "{setting}: {line}"
        );
    }
    // And these come from the mapping's defaults.
    assert!(report.contains("| breaker window | `breaker.window` | 30 s | mapping `defaults:` |"));
}

#[test]
fn alerts_cover_the_adapter() {
    let alerts = stripe_documents().alerts;
    for want in [
        "alert: PortcullisErrorRateHigh",
        "alert: PortcullisLatencyHigh",
        "alert: PortcullisCircuitOpen",
        "alert: PortcullisAuthFailures",
        "alert: PortcullisQuotaNearlyUsed",
        r#"portcullis_quota_used_ratio{vendor="StripeGateway"}) >= 0.8"#,
        r#"portcullis_quota_used_ratio{vendor="StripeGateway"}) >= 0.95"#,
        r#"operation="get_payment"}[5m]))) > 2.5"#,
    ] {
        assert!(alerts.contains(want), "alerts lack {want:?}");
    }
}

/// Every shipped mapping renders both documents, not only the one checked in.
#[test]
fn every_mapping_renders_its_documents() {
    let mut mappings: Vec<_> = std::fs::read_dir(root().join("mappings"))
        .expect("mappings/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".yaml") && !name.ends_with(".alerts.yaml")
        })
        .collect();
    mappings.sort();
    assert!(!mappings.is_empty());
    for m in mappings {
        let g = portcullis_codegen::generate_one(&m).expect("generates");
        let docs = portcullis_codegen::builder::documents(&g.plan).expect("renders");
        let stem = g.file_name.trim_end_matches(".rs");
        assert_eq!(docs.report_file, format!("{stem}.INTEGRATION.md"));
        assert_eq!(docs.alerts_file, format!("{stem}.alerts.yaml"));
        assert!(
            docs.report
                .contains(&format!("# {}: integration report", g.plan.adapter)),
            "{}",
            m.display()
        );
        assert!(
            docs.alerts
                .contains(&format!("vendor=\"{}\"", g.plan.adapter)),
            "{}",
            m.display()
        );
    }
}

/// The stems of the shipped mappings (`mappings/<stem>.yaml`), sorted.
fn shipped_mappings() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("mappings"))
        .expect("mappings/")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".yaml")?;
            (!stem.ends_with(".alerts")).then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    names
}

fn report_of(mapping: &Path) -> String {
    let g = portcullis_codegen::generate_one(mapping).expect("generates");
    portcullis_codegen::builder::documents(&g.plan)
        .expect("renders")
        .report
}

#[test]
fn auth_the_mapping_declares_is_in_the_report() {
    let report = report_of(&root().join("tests/fixtures/tracker.yaml"));
    assert!(
        report.contains(
            "Calls authenticate with an API key in the `Authorization` header after the prefix `token `, from the environment variable `TRACKER_TOKEN`"
        ),
        "{report}"
    );
    assert!(
        report.contains("The spec declares no security scheme: this one is declared in the mapping (`auth.type`)."),
        "{report}"
    );
}

#[test]
fn auth_left_to_code_is_called_set_in_code_not_absent() {
    let original =
        std::fs::read_to_string(root().join("tests/fixtures/tracker.yaml")).expect("mapping");
    let line = original
        .lines()
        .find(|l| l.starts_with("auth:"))
        .expect("an auth line");
    let dir = std::env::temp_dir().join(format!("portcullis-report-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let fixtures = root().join("tests/fixtures");
    let text = original
        .replace(&format!("{line}\n"), "")
        .replace(
            "spec: tracker",
            &format!("spec: {}/tracker", fixtures.display()),
        )
        .replace(
            "source: tracker",
            &format!("source: {}/tracker", fixtures.display()),
        );
    let path = dir.join("tracker.yaml");
    std::fs::write(&path, text).expect("write mapping");
    let report = report_of(&path);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        report.contains("Credentials: **set in code**, if at all."),
        "{report}"
    );
    assert!(!report.contains("carry no credentials"), "{report}");
}

/// A method returning an `Option` says in its row that a 404 is `None`, ahead of its rules.
#[test]
fn a_method_returning_an_option_says_a_404_is_none() {
    let g = portcullis_codegen::generate_one(&root().join("tests/fixtures/shapes.yaml"))
        .expect("generates");
    let report = portcullis_codegen::builder::documents(&g.plan)
        .expect("renders")
        .report;
    let row = report
        .lines()
        .find(|l| l.contains("`find`") && l.contains("HTTP 404"))
        .unwrap_or_else(|| panic!("no row of find says what a 404 is:\n{report}"));
    assert!(row.contains("HTTP 404 → `None`"), "{row}");
}

/// A paged method says how it reads its pages: where the next one comes from, the page
/// limit and what happens past it, the item limit, and the one budget.
#[test]
fn a_paged_method_says_how_it_reads_its_pages() {
    let g =
        portcullis_codegen::generate_one(&root().join("mappings/github.yaml")).expect("generates");
    let report = portcullis_codegen::builder::documents(&g.plan)
        .expect("renders")
        .report;
    let lists = &report[report.find("## Lists").expect("a Lists section")..];
    let line = |m: &str| {
        lists
            .lines()
            .find(|l| l.starts_with(&format!("* `{m}`")))
            .unwrap_or_else(|| panic!("{m} in:\n{lists}"))
    };
    let every = line("open_issues");
    assert!(
        every.contains("reads every page before it returns"),
        "{every}"
    );
    assert!(every.contains("`Link` header"), "{every}");
    assert!(
        every.contains("a longer list is a `config` error"),
        "{every}"
    );
    let stream = line("recently_updated");
    assert!(stream.contains("reads a stream"), "{stream}");
    assert!(
        stream.contains("holds the argument `at_most` items"),
        "{stream}"
    );
    assert!(!report.contains("* `get` reads"), "get is not paged");
}

//! The corpus runner's results table and summary.

use super::SpecResult;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// One TSV row per spec: loaded, operations generated of total, compiled, diagnostics by category.
pub fn table(results: &[SpecResult]) -> String {
    let mut s =
        String::from("spec\tloaded\tops_generated\tops_total\tcompiled\tpanic\tdiagnostics\n");
    for r in results {
        let compiled = match r.compiled {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        let diags: Vec<String> = r
            .categories
            .iter()
            .map(|(k, n)| format!("{n}× {k}"))
            .collect();
        let _ = writeln!(
            s,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.name,
            if r.loaded { "yes" } else { "no" },
            r.ops_generated,
            r.ops_total,
            compiled,
            r.panic.as_deref().unwrap_or("").replace(['\t', '\n'], " "),
            if diags.is_empty() {
                r.load_error.clone().unwrap_or_default()
            } else {
                diags.join("; ")
            }
            .replace(['\t', '\n'], " ")
        );
    }
    s
}

/// One TSV row per left-out operation: spec, operation, construct, JSON pointer.
pub fn left_out(results: &[SpecResult]) -> String {
    let mut s = String::from("spec\toperation\tconstruct\tpointer\n");
    for r in results {
        for (op, construct, pointer) in &r.left_out {
            let clean = |t: &str| t.replace(['\t', '\n'], " ");
            let _ = writeln!(
                s,
                "{}\t{}\t{}\t{}",
                r.name,
                clean(op),
                clean(construct),
                clean(pointer)
            );
        }
    }
    s
}

/// Totals over a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Specs run.
    pub specs: usize,
    /// Specs that loaded.
    pub loaded: usize,
    /// Panics caught.
    pub panics: usize,
    /// Operations in loaded specs.
    pub ops_total: usize,
    /// Operations generated.
    pub ops_generated: usize,
    /// Adapters in the compile sample.
    pub compiled_sample: usize,
    /// Of those, compiled.
    pub compiled_ok: usize,
    /// Left-out operations by construct category.
    pub categories: BTreeMap<String, usize>,
    /// Load failures by first line.
    pub load_errors: BTreeMap<String, usize>,
}

impl Summary {
    /// Adds up the results.
    pub fn of(results: &[SpecResult]) -> Summary {
        let mut s = Summary {
            specs: results.len(),
            ..Summary::default()
        };
        for r in results {
            s.loaded += usize::from(r.loaded);
            s.panics += usize::from(r.panic.is_some());
            s.ops_total += r.ops_total;
            s.ops_generated += r.ops_generated;
            if let Some(c) = r.compiled {
                s.compiled_sample += 1;
                s.compiled_ok += usize::from(c);
            }
            for (k, n) in &r.categories {
                *s.categories.entry(k.clone()).or_default() += n;
            }
            if !r.loaded {
                if let Some(e) = &r.load_error {
                    let e = super::category(
                        e.split(": ")
                            .skip(1)
                            .collect::<Vec<_>>()
                            .join(": ")
                            .as_str(),
                    );
                    *s.load_errors
                        .entry(e.chars().take(100).collect())
                        .or_default() += 1;
                }
            }
        }
        s
    }

    fn pct(a: usize, b: usize) -> f64 {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    }

    /// Zero panics, 99% of specs load, `min_ops`% of operations generate (99 over the
    /// whole corpus), 95% of the sample compiles.
    pub fn meets_targets(&self, min_ops: f64) -> bool {
        self.panics == 0
            && Self::pct(self.loaded, self.specs) >= 99.0
            && Self::pct(self.ops_generated, self.ops_total) >= min_ops
            && Self::pct(self.compiled_ok, self.compiled_sample) >= 95.0
    }

    /// A readable summary, judged against `min_ops`% of operations.
    pub fn text(&self, elapsed: Duration, min_ops: f64) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "specs:      {} run, {} loaded ({:.1}%), {} panics",
            self.specs,
            self.loaded,
            Self::pct(self.loaded, self.specs),
            self.panics
        );
        let _ = writeln!(
            s,
            "operations: {} of {} generated ({:.2}%)",
            self.ops_generated,
            self.ops_total,
            Self::pct(self.ops_generated, self.ops_total)
        );
        if self.compiled_sample > 0 {
            let _ = writeln!(
                s,
                "compiled:   {} of {} sampled adapters under deny(warnings) ({:.1}%)",
                self.compiled_ok,
                self.compiled_sample,
                Self::pct(self.compiled_ok, self.compiled_sample)
            );
        }
        let mut cats: Vec<(&String, &usize)> = self.categories.iter().collect();
        cats.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        if !cats.is_empty() {
            let _ = writeln!(s, "left out, by construct:");
            for (k, n) in cats.iter().take(15) {
                let _ = writeln!(s, "  {n:>6}  {k}");
            }
        }
        if !self.load_errors.is_empty() {
            let _ = writeln!(s, "not loaded:");
            for (k, n) in &self.load_errors {
                let _ = writeln!(s, "  {n:>6}  {k}");
            }
        }
        let _ = writeln!(s, "time:       {:.1?}", elapsed);
        let _ = writeln!(
            s,
            "targets:    {}",
            if self.meets_targets(min_ops) {
                "met"
            } else {
                "NOT met"
            }
        );
        s
    }
}

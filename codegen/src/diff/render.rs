//! The report as text (for people, in the style of `portcullis check`) and as JSON (for
//! tooling). Both list findings in mapping order, so the same inputs give the same bytes.

use super::{Class, Finding, Report, SpecInfo, Tally};
use serde_json::json;

impl Report {
    /// The report for people: one entry per finding, `class: file:line:col: method: what`,
    /// a `help:` line when there is advice, then the totals.
    ///
    /// ```no_run
    /// use portcullis_codegen::{diff, load::mapping::Mapping};
    /// use std::path::Path;
    ///
    /// let mapping = Mapping::load(Path::new("mappings/adyen.yaml"))?;
    /// let report = diff::diff(&mapping, Path::new("old.json"), Path::new("new.json"))?;
    /// print!("{}", report.text());
    /// # Ok::<(), portcullis_codegen::Error>(())
    /// ```
    pub fn text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "portcullis diff: {} → {} against {}\n",
            version(&self.old),
            version(&self.new),
            self.mapping.display()
        ));
        s.push_str(&format!(
            "  old: {}\n  new: {}\n",
            self.old.path.display(),
            self.new.path.display()
        ));
        for f in &self.findings {
            s.push('\n');
            s.push_str(&self.entry(f));
        }
        if !self.findings.is_empty() {
            s.push('\n');
        }
        s.push_str(&format!(
            "\nmapped surface: {} breaking, {} review, {} safe\n",
            self.count(Class::Breaking),
            self.count(Class::Review),
            self.count(Class::Safe)
        ));
        let o = &self.outside;
        s.push_str(&format!(
            "outside the mapped surface: {} other change{} (operations: {}; schemas: {})\n",
            o.total(),
            if o.total() == 1 { "" } else { "s" },
            tally(&o.operations),
            tally(&o.schemas)
        ));
        s
    }

    fn entry(&self, f: &Finding) -> String {
        let mut s = format!(
            "{}: {}:{}:{}: {}{}",
            f.class.as_str(),
            self.mapping.display(),
            f.span.line,
            f.span.col,
            if f.operation.is_empty() {
                String::new()
            } else {
                format!("{}: ", f.operation)
            },
            f.message
        );
        if let Some(h) = &f.help {
            s.push_str(&format!("\n  help: {h}"));
        }
        s
    }

    /// The report as one JSON document, for tooling:
    ///
    /// ```json
    /// { "mapping": "...", "old": { "path", "title", "version", "sha256" }, "new": { ... },
    ///   "summary": { "breaking": 1, "review": 2, "safe": 0 },
    ///   "findings": [ { "class": "breaking", "change": "field-removed", "line": 40, "column": 7,
    ///                   "operation": "donate", "message": "...", "help": "..." } ],
    ///   "outside": { "total": 4, "operations": { "added": 0, "removed": 0, "changed": 1 },
    ///                "schemas": { "added": 0, "removed": 0, "changed": 3 } } }
    /// ```
    pub fn json(&self) -> serde_json::Value {
        let spec = |i: &SpecInfo| {
            json!({
                "path": i.path.display().to_string(),
                "title": i.title,
                "version": i.version,
                "sha256": i.sha256,
            })
        };
        let t = |t: &Tally| json!({ "added": t.added, "removed": t.removed, "changed": t.changed });
        json!({
            "mapping": self.mapping.display().to_string(),
            "old": spec(&self.old),
            "new": spec(&self.new),
            "summary": {
                "breaking": self.count(Class::Breaking),
                "review": self.count(Class::Review),
                "safe": self.count(Class::Safe),
            },
            "findings": self.findings.iter().map(|f| json!({
                "class": f.class.as_str(),
                "change": f.change.as_str(),
                "line": f.span.line,
                "column": f.span.col,
                "operation": f.operation,
                "message": f.message,
                "help": f.help,
            })).collect::<Vec<_>>(),
            "outside": {
                "total": self.outside.total(),
                "operations": t(&self.outside.operations),
                "schemas": t(&self.outside.schemas),
            },
        })
    }
}

fn version(i: &SpecInfo) -> String {
    format!("{} {}", i.title, i.version)
}

fn tally(t: &Tally) -> String {
    format!(
        "{} added, {} removed, {} changed",
        t.added, t.removed, t.changed
    )
}

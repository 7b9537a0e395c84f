//! The planner's verdict on the new spec, folded into the findings.

use super::{Change, Class, Finding};
use crate::error::Diagnostic;
use crate::load::mapping::Mapping;

/// Folds the planner's verdict on the new spec into the findings: a diagnostic on the
/// place of a finding confirms it (and makes it breaking, except for a dead enum arm,
/// which only stops compiling once the spec is updated); any other one is a finding of
/// its own, so nothing the planner refuses is reported as safe.
pub(crate) fn absorb_planner(
    findings: &mut Vec<Finding>,
    mapping: &Mapping,
    rejected: &[Diagnostic],
) {
    for d in rejected {
        let span = d.span.unwrap_or_default();
        let on_mapping = d.file == mapping.path;
        let exact: Vec<usize> = (0..findings.len())
            .filter(|&i| on_mapping && findings[i].span == span)
            .collect();
        let hits = if exact.is_empty() {
            (0..findings.len())
                .filter(|&i| on_mapping && findings[i].span.line == span.line)
                .collect()
        } else {
            exact
        };
        if hits.is_empty() {
            // The operation whose entry holds the line; none for a line of a `types:`
            // entry after it (read by every operation that builds that type).
            let operation = mapping
                .operations
                .iter()
                .rfind(|o| on_mapping && o.method.span.line <= span.line)
                .filter(|o| {
                    !mapping.types.iter().any(|t| {
                        t.name.span.line > o.method.span.line && t.name.span.line <= span.line
                    })
                })
                .map(|o| o.method.value.clone())
                .unwrap_or_default();
            let message = if on_mapping {
                d.message.clone()
            } else {
                format!("{}: {}", d.file.display(), d.message)
            };
            findings.push(Finding {
                class: Class::Breaking,
                change: Change::Rejected,
                span,
                operation,
                message,
                help: d.help.clone(),
            });
            continue;
        }
        if hits.iter().any(|&i| findings[i].class == Class::Breaking) {
            // Already explained by a breaking finding at that place.
            continue;
        }
        for i in hits {
            let f = &mut findings[i];
            if f.class != Class::Breaking && f.change != Change::EnumArmDead {
                f.class = Class::Breaking;
                f.help = Some(format!(
                    "against the new spec, portcullis check says: {}",
                    d.message
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Span;

    /// A refusal on a line of a `types:` entry belongs to no one operation: it was once
    /// put on the last operation of the file (Hetzner's `list_actions`), which never
    /// read the type.
    #[test]
    fn a_refusal_in_types_is_not_put_on_the_last_operation() {
        let dir = std::env::temp_dir().join(format!("portcullis-verdict-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("m.yaml");
        std::fs::write(
            &path,
            "adapter: A\nimplements: { port: P, source: p.rs }\nspec: s.yaml\nbase_url: https://x.example\noperations:\n  get:\n    call: getThing\n  list_other:\n    call: listOther\ntypes:\n  Thing:\n    fields:\n      id: id\n",
        )
        .expect("mapping");
        let mapping = Mapping::load(&path).expect("loads");
        let at = |line| Diagnostic::new(&path, Some(Span { line, col: 7 }), "refused");
        let mut findings = Vec::new();
        absorb_planner(&mut findings, &mapping, &[at(13), at(9)]);
        let ops: Vec<&str> = findings.iter().map(|f| f.operation.as_str()).collect();
        assert_eq!(ops, ["", "list_other"]);
        std::fs::remove_dir_all(&dir).ok();
    }
}

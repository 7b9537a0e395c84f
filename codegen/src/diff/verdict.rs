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
            let operation = mapping
                .operations
                .iter()
                .rfind(|o| on_mapping && o.method.span.line <= span.line)
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
            if f.class != Class::Breaking && f.change != Change::EnumValueRemoved {
                f.class = Class::Breaking;
                f.help = Some(format!(
                    "against the new spec, portcullis check says: {}",
                    d.message
                ));
            }
        }
    }
}

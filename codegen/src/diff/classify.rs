//! Lines two surfaces up and says what each difference means for the deployed adapter.

use super::surface::{Leaf, Level, OpFacts, OpSurface, Reach, Side, Slot, Surface, display_path};
use super::{Change, Class, Finding};
use crate::error::{Span, nearest};
use crate::load::openapi::Spec;
use crate::spec::responses::Status;
use std::collections::BTreeSet;

/// Findings from comparing the surface of the old spec with the surface of the new one.
pub(crate) fn compare(before: &Surface, after: &Surface, new_spec: &Spec) -> Vec<Finding> {
    let mut out = Vec::new();
    for (b, a) in before.ops.iter().zip(&after.ops) {
        let Some(old) = &b.found else {
            continue;
        };
        let mut f = Out {
            op: &b.method,
            out: &mut out,
            renamed_to: BTreeSet::new(),
        };
        match &a.found {
            None => operation_gone(&mut f, b, old, new_spec),
            Some(new) => {
                statuses(&mut f, b, old, new);
                for (key, slot) in &old.slots {
                    if let Some(n) = new.slots.get(key) {
                        slot_changes(&mut f, slot, n);
                    }
                }
                new_members(&mut f, b, old, new);
            }
        }
    }
    out
}

pub(crate) struct Out<'a> {
    op: &'a str,
    out: &'a mut Vec<Finding>,
    /// Paths a removed field was probably renamed to: not reported again as new fields.
    renamed_to: BTreeSet<String>,
}

impl Out<'_> {
    pub(crate) fn push(
        &mut self,
        class: Class,
        change: Change,
        span: Span,
        message: String,
        help: Option<String>,
    ) {
        self.out.push(Finding {
            class,
            change,
            span,
            operation: self.op.to_string(),
            message,
            help,
        });
    }
}

fn operation_gone(f: &mut Out<'_>, b: &OpSurface, old: &OpFacts, new_spec: &Spec) {
    let (path, method) = &old.key;
    let same_endpoint = new_spec
        .operations
        .iter()
        .find(|(_, r)| &r.path == path && &r.method == method);
    if let Some((id, _)) = same_endpoint {
        f.push(
            Class::Breaking,
            Change::OperationRenamed,
            b.call_span,
            format!("operation '{}' ({}) is now called '{id}'", b.call, old.http),
            Some(format!("write `call: {id}`")),
        );
        return;
    }
    let guess = nearest(&b.call, new_spec.operations.keys().map(String::as_str));
    let message = match guess {
        Some(g) => format!(
            "operation '{}' ({}) was removed; renamed to '{g}'?",
            b.call, old.http
        ),
        None => format!("operation '{}' ({}) was removed", b.call, old.http),
    };
    f.push(
        Class::Breaking,
        Change::OperationRemoved,
        b.call_span,
        message,
        Some("map the port method to another operation of the new spec".into()),
    );
}

fn statuses(f: &mut Out<'_>, b: &OpSurface, old: &OpFacts, new: &OpFacts) {
    let success = |s: &&String| Status::parse(s).is_some_and(Status::is_success);
    for s in old.statuses.difference(&new.statuses).filter(success) {
        f.push(
            Class::Breaking,
            Change::StatusRemoved,
            b.call_span,
            format!("success status {s} of {} was removed", old.http),
            Some(format!(
                "the adapter decodes the success statuses of the old spec; the vendor now answers {}",
                list(new.statuses.iter().filter(success))
            )),
        );
    }
    for s in new.statuses.difference(&old.statuses).filter(success) {
        f.push(
            Class::Review,
            Change::StatusAdded,
            b.call_span,
            format!("{} has a new success status {s}", old.http),
            Some("check what the vendor sends with it; the adapter only knows the old success statuses until it is regenerated".into()),
        );
    }
    let errors: Vec<&String> = new
        .statuses
        .difference(&old.statuses)
        .filter(|s| !Status::parse(s).is_some_and(Status::is_success))
        .collect();
    if !errors.is_empty() {
        f.push(
            Class::Safe,
            Change::StatusAdded,
            b.call_span,
            format!(
                "{} has new error statuses: {}",
                old.http,
                list(errors.into_iter())
            ),
            Some("they go through the mapping's error rules like any other failure".into()),
        );
    }
}

fn slot_changes(f: &mut Out<'_>, old: &Slot, new: &Slot) {
    let Reach::Leaf(o) = &old.reach else {
        return;
    };
    match &new.reach {
        Reach::Leaf(n) => leaf_changes(f, old, o, n),
        Reach::Missing { at, parent } => removed(f, old, o, *at, parent),
        Reach::NotObject { at, shape } => f.push(
            Class::Breaking,
            Change::TypeChanged,
            old.span,
            format!(
                "{}: '{}' is now {shape}, so it has no field '{}'",
                old.label,
                display_path(&old.path[..*at]),
                old.path[*at]
            ),
            None,
        ),
    }
}

fn removed(f: &mut Out<'_>, slot: &Slot, o: &Leaf, at: usize, parent: &Level) {
    let seg = &slot.path[at];
    let before = o.trail.get(at);
    let was = before.and_then(|l| l.props.get(seg));
    // A rename: a member the old object did not have, of the same type, with a similar name.
    let candidates = parent
        .props
        .iter()
        .filter(|(name, shape)| {
            before.is_some_and(|l| !l.props.contains_key(*name)) && Some(*shape) == was
        })
        .map(|(name, _)| name.as_str());
    let renamed = similar(seg, candidates);
    let whole = display_path(&slot.path[..=at]);
    let what = if slot.side == Side::Param {
        format!("parameter '{seg}'")
    } else if at + 1 == slot.path.len() {
        slot.label.clone()
    } else {
        format!("{} ('{whole}' is gone)", slot.label)
    };
    match renamed {
        Some(r) => {
            let mut to = slot.path.clone();
            to[at] = r.to_string();
            f.renamed_to.insert(to[..=at].join("."));
            f.push(
                Class::Breaking,
                Change::FieldRenamed,
                slot.span,
                format!("{what} was removed; renamed to '{r}'?"),
                Some(format!("map '{}' instead", display_path(&to))),
            );
        }
        None => f.push(
            Class::Breaking,
            Change::FieldRemoved,
            slot.span,
            format!("{what} was removed"),
            Some(match slot.side {
                Side::Response => "read the value from another field, or stop producing it".into(),
                _ => "stop sending it, or send it under its new name".into(),
            }),
        ),
    }
}

/// The most similar name, ignoring case and `_`/`-`, when it is similar enough to say so.
fn similar<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_lowercase().replace(['_', '-'], "");
    let w = norm(wanted);
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let n = norm(c);
        let score = if n == w || n.contains(&w) || w.contains(&n) {
            1.0
        } else {
            strsim::jaro_winkler(&w, &n)
        };
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

fn leaf_changes(f: &mut Out<'_>, slot: &Slot, o: &Leaf, n: &Leaf) {
    if o.shape.kind != n.shape.kind {
        f.push(
            Class::Breaking,
            Change::TypeChanged,
            slot.span,
            format!("{} changed type: {} → {}", slot.label, o.shape, n.shape),
            Some("convert it with `via:`, or map a field of the old type".into()),
        );
        return;
    }
    if o.shape.format != n.shape.format {
        f.push(
            Class::Review,
            Change::FormatChanged,
            slot.span,
            format!("{} changed format: {} → {}", slot.label, o.shape, n.shape),
            Some(match slot.side {
                Side::Response => "the value keeps its type; check that the domain reads the new format".into(),
                _ => "the vendor may now reject values the adapter sends; check what the domain provides".into(),
            }),
        );
    }
    // What the adapter checks before sending changed: the domain's values may now be
    // refused (tighter) or the check is looser than before.
    if matches!(slot.side, Side::Request | Side::Param) && slot.constant.is_none() {
        let keys: std::collections::BTreeSet<&&str> =
            o.limits.keys().chain(n.limits.keys()).collect();
        for k in keys {
            let (was, now) = (o.limits.get(*k), n.limits.get(*k));
            if was == now {
                continue;
            }
            let text = |v: Option<&String>| v.map_or_else(|| "none".to_string(), String::clone);
            f.push(
                Class::Review,
                Change::ConstraintChanged,
                slot.span,
                format!("{} {k}: {} → {}", slot.label, text(was), text(now)),
                Some("the adapter checks it before sending: check that the values the domain sends still fit".into()),
            );
        }
    }
    match slot.side {
        Side::Request | Side::Param if !o.required && n.required => f.push(
            Class::Safe,
            Change::BecameRequired,
            slot.span,
            format!("{} is now required; the mapping sends it", slot.label),
            None,
        ),
        Side::Response if (o.required && !o.nullable) && (!n.required || n.nullable) => f.push(
            Class::Review,
            Change::BecameOptional,
            slot.span,
            format!(
                "{} may now be {}",
                slot.label,
                if n.nullable { "null" } else { "absent" }
            ),
            Some("a missing value becomes None, the field's default, or a contract error with `required: true`".into()),
        ),
        _ => {}
    }
    super::enums::changes(f, slot, o, n);
}

fn new_members(f: &mut Out<'_>, b: &OpSurface, old: &OpFacts, new: &OpFacts) {
    let mapped: BTreeSet<String> = old
        .slots
        .values()
        .filter(|s| s.side != Side::Response)
        .map(|s| s.path.join("."))
        .collect();
    let mut levels: Vec<(&str, &str, &Level, &Level)> = old
        .levels
        .iter()
        .filter_map(|(p, l)| {
            new.levels
                .get(p)
                .map(|n| ("request field", p.as_str(), l, n))
        })
        .collect();
    levels.push(("parameter", "", &old.params, &new.params));
    for (noun, prefix, o, n) in levels {
        for (name, _) in n.props.iter().filter(|(k, _)| !o.props.contains_key(*k)) {
            let full = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if f.renamed_to.contains(&full) {
                continue;
            }
            if n.required.contains(name) {
                f.push(
                    Class::Breaking,
                    Change::FieldAdded,
                    b.method_span,
                    format!(
                        "{} has a new required {noun} '{full}' that the mapping does not send",
                        old.http
                    ),
                    Some(format!("map it: `{full}: <expression>`")),
                );
            } else {
                f.push(
                    Class::Safe,
                    Change::FieldAdded,
                    b.method_span,
                    format!("{} has a new optional {noun} '{full}'", old.http),
                    None,
                );
            }
        }
        for name in n.required.difference(&o.required) {
            let full = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if o.props.contains_key(name) && !mapped.contains(&full) {
                f.push(
                    Class::Breaking,
                    Change::BecameRequired,
                    b.method_span,
                    format!(
                        "{noun} '{full}' of {} is now required and the mapping does not send it",
                        old.http
                    ),
                    Some(format!("map it: `{full}: <expression>`")),
                );
            }
        }
    }
}

pub(crate) fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.map(String::as_str).collect();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

pub(crate) fn summary(added: &[&String], gone: &[&String]) -> String {
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", list(added.iter().copied())));
    }
    if !gone.is_empty() {
        parts.push(format!("removed {}", list(gone.iter().copied())));
    }
    parts.join("; ")
}

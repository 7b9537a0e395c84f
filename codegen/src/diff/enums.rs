//! Enum values of mapped fields: where a new vendor value lands, which arm went dead,
//! which constant the vendor no longer accepts.

use super::classify::{Out, list, summary};
use super::surface::{Leaf, Side, Slot, display_path};
use super::{Change, Class};

pub(crate) fn changes(f: &mut Out<'_>, slot: &Slot, o: &Leaf, n: &Leaf) {
    if o.values.is_empty() || o.values == n.values {
        return;
    }
    let added: Vec<&String> = n.values.iter().filter(|v| !o.values.contains(v)).collect();
    let gone: Vec<&String> = o.values.iter().filter(|v| !n.values.contains(v)).collect();
    let field = display_path(&slot.path);
    if n.values.is_empty() {
        f.push(
            Class::Review,
            Change::EnumValueRemoved,
            slot.span,
            format!("{} is no longer an enum: any string may come", slot.label),
            None,
        );
        return;
    }
    match (&slot.side, &slot.mapped) {
        (Side::Response, Some(m)) => {
            for v in &added {
                match &m.catch_all {
                    Some((variant, span)) => f.push(
                        Class::Review,
                        Change::EnumValueAdded,
                        *span,
                        format!("new vendor value '{v}' of '{field}' lands in {}::{variant}", m.domain_enum),
                        Some(format!("map it to a variant of its own if it deserves one: `{v}: <Variant>`")),
                    ),
                    None => f.push(
                        Class::Breaking,
                        Change::EnumValueAdded,
                        slot.span,
                        format!("new vendor value '{v}' of '{field}' is not mapped and {} has no catch-all: reading it fails the call", m.domain_enum),
                        Some(format!("map it (`{v}: <Variant>`) or add a catch-all (`_: Unknown`)")),
                    ),
                }
            }
            for v in &gone {
                match m.arms.iter().find(|(w, _, _)| w == *v) {
                    Some((_, variant, span)) => f.push(
                        Class::Review,
                        Change::EnumArmDead,
                        *span,
                        format!("vendor value '{v}' of '{field}' was removed: the arm `{v}: {variant}` can no longer match"),
                        Some("remove the arm when you move to the new spec (portcullis check asks for it)".into()),
                    ),
                    None => f.push(
                        Class::Safe,
                        Change::EnumValueRemoved,
                        slot.span,
                        format!("vendor value '{v}' of '{field}' was removed; it was left to the catch-all"),
                        None,
                    ),
                }
            }
        }
        (Side::Response, None) => f.push(
            Class::Safe,
            Change::EnumValueAdded,
            slot.span,
            format!(
                "the values of '{field}' changed ({}); the mapping reads it as a plain value",
                summary(&added, &gone)
            ),
            None,
        ),
        (Side::Request | Side::Param, _) => {
            for v in &gone {
                match &slot.constant {
                    Some((c, span)) if c == *v => f.push(
                        Class::Breaking,
                        Change::EnumValueRemoved,
                        *span,
                        format!(
                            "{} no longer accepts '{v}', which the mapping sends",
                            slot.label
                        ),
                        Some(format!("send one of {}", list(n.values.iter()))),
                    ),
                    Some(_) => {}
                    None => f.push(
                        Class::Review,
                        Change::EnumValueRemoved,
                        slot.span,
                        format!("{} no longer accepts '{v}'", slot.label),
                        Some("check that the domain never sends it".into()),
                    ),
                }
            }
            if !added.is_empty() {
                f.push(
                    Class::Safe,
                    Change::EnumValueAdded,
                    slot.span,
                    format!(
                        "{} accepts new values: {}",
                        slot.label,
                        list(added.into_iter())
                    ),
                    None,
                );
            }
        }
    }
}

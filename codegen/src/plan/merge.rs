//! One wire type per schema and shape.
//!
//! Wire types are created where they are first needed: a request body's `amount_money`
//! is named after its operation (`CreatePaymentRequestAmountMoney`), a response's after
//! its schema (`Money`). When types of one component schema end up with the same fields
//! (names, types, optionality), they are the same JSON and become one type, named after
//! the schema and deriving `Serialize` and `Deserialize` as its uses need. Types of one
//! schema with different fields stay apart, each with only what its use reads or writes.
//! Merging repeats until nothing changes, so types that only differed in the names of
//! their (now merged) field types merge too. Last, the one type of a schema is named
//! after it when that name is free (`CardDetails`, not `PostPaymentsRequestPaymentMethod`).

use super::wire::RESERVED;
use super::*;
use crate::ident::camel;
use std::collections::BTreeMap;

/// Merges the plan's wire types of one schema and shape, and renames every use.
pub(super) fn merge(plan: &mut Plan) {
    while let Some(renames) = round(&plan.wire) {
        apply(plan, &renames);
    }
    let renames = schema_names(&plan.wire);
    if !renames.is_empty() {
        apply(plan, &renames);
    }
}

/// Each type that is its schema's only one, to the schema's name when that is free.
fn schema_names(wire: &[WireType]) -> BTreeMap<String, String> {
    let mut per_schema: BTreeMap<&str, Vec<&WireType>> = BTreeMap::new();
    for w in wire {
        if let (Some(s), WireKind::Struct(_)) = (&w.schema, &w.kind) {
            per_schema.entry(s).or_default().push(w);
        }
    }
    let mut renames = BTreeMap::new();
    for (schema, types) in per_schema {
        let [only] = types[..] else {
            continue;
        };
        let own = camel(schema);
        let free = !RESERVED.contains(&own.as_str())
            && !wire.iter().any(|w| w.name == own)
            && !renames.values().any(|n| n == &own);
        if free {
            renames.insert(only.name.clone(), own);
        }
    }
    renames
}

/// The identity of a struct type for merging: its schema and its fields in name order.
type Shape = (String, Vec<(String, String, WireTy, bool)>);

fn shape(w: &WireType) -> Option<Shape> {
    let (Some(schema), WireKind::Struct(fields)) = (&w.schema, &w.kind) else {
        return None;
    };
    let mut fs: Vec<(String, String, WireTy, bool)> = fields
        .iter()
        .map(|f| {
            (
                f.rust_name.clone(),
                f.wire_name.clone(),
                f.ty.clone(),
                f.optional,
            )
        })
        .collect();
    fs.sort();
    Some((schema.clone(), fs))
}

/// One round: the old name → the merged type's name, or `None` when nothing merges.
fn round(wire: &[WireType]) -> Option<BTreeMap<String, String>> {
    let mut groups: BTreeMap<Shape, Vec<&WireType>> = BTreeMap::new();
    for w in wire {
        if let Some(s) = shape(w) {
            groups.entry(s).or_default().push(w);
        }
    }
    let mut renames = BTreeMap::new();
    for ((schema, _), members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        // The schema's own name when a member has it or nothing else does; else a
        // response type's (converters are named after it), else the first member's.
        let own = camel(&schema);
        let free = !RESERVED.contains(&own.as_str()) && !wire.iter().any(|w| w.name == own);
        let name = if members.iter().any(|m| m.name == own) || free {
            own
        } else {
            members
                .iter()
                .find(|m| m.deserialize)
                .unwrap_or(&members[0])
                .name
                .clone()
        };
        for m in members {
            renames.insert(m.name.clone(), name.clone());
        }
    }
    (!renames.is_empty()).then_some(renames)
}

fn apply(plan: &mut Plan, renames: &BTreeMap<String, String>) {
    let mut merged: BTreeMap<String, WireType> = BTreeMap::new();
    let mut kept = Vec::new();
    for w in std::mem::take(&mut plan.wire) {
        let Some(name) = renames.get(&w.name) else {
            kept.push(w);
            continue;
        };
        match merged.get_mut(name) {
            None => {
                merged.insert(
                    name.clone(),
                    WireType {
                        name: name.clone(),
                        ..w
                    },
                );
            }
            Some(m) => {
                if m.origin != w.origin {
                    m.origin = Origin::Schema(m.schema.clone().unwrap_or_default());
                }
                // A request body's field order, so the bytes sent do not change.
                if w.serialize && !m.serialize {
                    m.kind = w.kind;
                }
                m.serialize |= w.serialize;
                m.deserialize |= w.deserialize;
            }
        }
    }
    kept.extend(merged.into_values());
    let rename = |n: &mut String| {
        if let Some(new) = renames.get(n.as_str()) {
            n.clone_from(new);
        }
    };
    for w in &mut kept {
        match &mut w.kind {
            WireKind::Struct(fields) => {
                for f in fields {
                    rename_ty(&mut f.ty, &rename);
                }
            }
            WireKind::Union { variant } => rename_ty(&mut variant.1, &rename),
        }
    }
    kept.sort_by(|a, b| a.name.cmp(&b.name));
    plan.wire = kept;
    for op in &mut plan.operations {
        if let Some(b) = &mut op.body {
            rename_node(&mut b.root, &rename);
        }
        for r in &mut op.responses {
            if let Some((w, _)) = &mut r.decode {
                rename(w);
            }
        }
        if let Some(e) = &mut op.error_body {
            rename(&mut e.wire_type);
        }
    }
    for c in &mut plan.converters {
        rename(&mut c.wire_type);
    }
}

fn rename_ty(t: &mut WireTy, rename: &impl Fn(&mut String)) {
    match t {
        WireTy::Named(n) | WireTy::Boxed(n) => rename(n),
        WireTy::Vec(inner) => rename_ty(inner, rename),
        WireTy::String | WireTy::I64 | WireTy::F64 | WireTy::Bool | WireTy::Json => {}
    }
}

fn rename_node(n: &mut BodyNode, rename: &impl Fn(&mut String)) {
    match n {
        BodyNode::Struct { wire_type, fields } => {
            rename(wire_type);
            for (_, child, _) in fields {
                rename_node(child, rename);
            }
        }
        BodyNode::List { item, .. } => rename_node(item, rename),
        BodyNode::Leaf(_)
        | BodyNode::IdempotencyKey
        | BodyNode::Template(_)
        | BodyNode::Parts(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::*;

    /// The fixture with a `Money` schema written by `create` and read from `Thing`.
    fn with_money(thing_fields: &str) -> Fixture {
        Fixture::default()
            .spec(
                "        amount: { type: integer }\n",
                "        amount: { type: integer }\n        price: { $ref: \"#/components/schemas/Money\" }\n",
            )
            .spec(
                "    Error:\n",
                "    Money:\n      type: object\n      properties:\n        value: { type: integer }\n        currency: { type: string }\n    Error:\n",
            )
            .spec(
                "                memo: { type: string }\n",
                "                memo: { type: string }\n                price: { $ref: \"#/components/schemas/Money\" }\n",
            )
            .port(
                "pub amount: Option<i64> }",
                "pub amount: Option<i64>, pub value: Option<i64>, pub currency: Option<String> }",
            )
            .mapping("      amount: amount\n", thing_fields)
    }

    fn names(plan: &Plan) -> Vec<&str> {
        plan.wire.iter().map(|w| w.name.as_str()).collect()
    }

    #[test]
    fn a_schema_written_and_read_with_the_same_fields_is_one_type_deriving_both() {
        let plan = with_money(
            "      amount: amount\n      value: price.value\n      currency: price.currency\n",
        )
        .mapping(
            "memo: req.memo }",
            "memo: req.memo, price.value: req.order, price.currency: req.memo }",
        )
        .port("pub order: String }", "pub order: i64 }")
        .plan();
        assert_eq!(
            names(&plan),
            [
                "CreateThingRequest",
                "Error",
                "ErrorError",
                "Money",
                "Thing"
            ]
        );
        let money = plan.wire.iter().find(|w| w.name == "Money").expect("Money");
        assert!(money.serialize && money.deserialize);
        assert_eq!(money.origin, Origin::Schema("Money".into()));
        // Every use names the merged type.
        let Some(BodyNode::Struct { fields, .. }) =
            op(&plan, "create").body.as_ref().map(|b| &b.root)
        else {
            panic!("a struct body");
        };
        let (_, price, _) = fields.iter().find(|(n, _, _)| n == "price").expect("price");
        assert!(matches!(price, BodyNode::Struct { wire_type, .. } if wire_type == "Money"));
        let thing = plan.wire.iter().find(|w| w.name == "Thing").expect("Thing");
        let WireKind::Struct(fs) = &thing.kind else {
            panic!("a struct");
        };
        assert!(fs.iter().any(|f| f.ty == WireTy::Named("Money".into())));
    }

    #[test]
    fn a_schema_used_with_different_fields_stays_two_types() {
        let plan = with_money(
            "      amount: amount\n      value: price.value\n      currency: price.currency\n",
        )
        .mapping(
            "memo: req.memo }",
            "memo: req.memo, price.value: req.order }",
        )
        .port("pub order: String }", "pub order: i64 }")
        .plan();
        assert_eq!(
            names(&plan),
            [
                "CreateThingRequest",
                "CreateThingRequestPrice",
                "Error",
                "ErrorError",
                "Money",
                "Thing"
            ]
        );
    }
}

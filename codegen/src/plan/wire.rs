//! The private vendor wire types: created on first use, one per schema and side, with
//! only the fields the mapping reads or writes; fields that close a cycle are boxed.
//! Types of one schema that end up with the same fields are then merged (`merge.rs`).

use super::planner::Planner;
use crate::ident::{Namer, camel, snake};
use crate::spec::view::{Kind, View};
use std::collections::BTreeSet;

/// A private vendor type.
#[derive(Debug, Clone, PartialEq)]
pub struct WireType {
    /// Its name.
    pub name: String,
    /// The spec schema it comes from, for its doc comment.
    pub origin: Origin,
    /// The component schema it is a form of, when it is one.
    pub schema: Option<String>,
    /// Written in a request body: derives `Serialize`.
    pub serialize: bool,
    /// Read from a response: derives `Deserialize`.
    pub deserialize: bool,
    /// Its shape.
    pub kind: WireKind,
}

/// Where a wire type's shape is in the spec, for its doc comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A component schema, by name.
    Schema(String),
    /// An inline schema, at this path from a named one (`payment_intent.metadata`) or
    /// from the request body (`request.metadata`).
    Inline(String),
    /// The request body of this operation.
    RequestBody(String),
    /// An inline schema in the request body of an operation, at this path in it.
    InRequest(String, String),
}

/// The shape of a wire type.
#[derive(Debug, Clone, PartialEq)]
pub enum WireKind {
    /// A struct of the used properties.
    Struct(Vec<WireField>),
    /// An untagged union: the variant we read, or anything else.
    Union {
        /// The variant's name and type.
        variant: (String, WireTy),
    },
}

/// A field of a wire struct.
#[derive(Debug, Clone, PartialEq)]
pub struct WireField {
    /// The Rust name.
    pub rust_name: String,
    /// The name on the wire.
    pub wire_name: String,
    /// Its type.
    pub ty: WireTy,
    /// `Option<..>`: not required, or nullable.
    pub optional: bool,
}

/// The type of a wire value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum WireTy {
    /// `String`
    String,
    /// `i64`
    I64,
    /// `f64`
    F64,
    /// `bool`
    Bool,
    /// `serde_json::Value`
    Json,
    /// Another wire type.
    Named(String),
    /// A boxed wire type (recursion).
    Boxed(String),
    /// `Vec<T>`
    Vec(Box<WireTy>),
}

/// Names the generated `mod vendor` uses unqualified: no wire type may take them (a
/// schema called `Option` becomes `Option2`), or the module's own code would mean the
/// wire type.
pub(super) const RESERVED: [&str; 6] =
    ["Option", "String", "Vec", "Box", "Serialize", "Deserialize"];

impl<'a> Planner<'a> {
    pub(super) fn namer_for(&mut self, base: &str, kind: &str, v: &View<'_>) -> String {
        let id = (false, format!("{kind}:{base}:{}", v.name.unwrap_or("")));
        if let Some(n) = self.wire_ids.get(&id) {
            return n.clone();
        }
        let n = self.namer.claim(&camel(base));
        self.wire_ids.insert(id, n.clone());
        n
    }

    /// The response-side wire struct for an object view (created empty on first use).
    pub(super) fn wire_struct(
        &mut self,
        v: &View<'_>,
        base: &str,
        tolerant: bool,
    ) -> Option<String> {
        let prefix = if tolerant { "error:" } else { "" };
        let id = (false, format!("{prefix}{}", ident_of(v, base)));
        if let Some(n) = self.wire_ids.get(&id) {
            return Some(n.clone());
        }
        // An error body read from a schema the successes read too is a second, lenient
        // type: `CreatePaymentResponseError` beside `CreatePaymentResponse`.
        let plain = camel(v.name.unwrap_or(base));
        let name = if tolerant && self.namer.is_taken(&plain) {
            self.namer.claim(&format!("{plain}Error"))
        } else {
            self.namer.claim(&plain)
        };
        self.wire_ids.insert(id, name.clone());
        self.wire.insert(
            name.clone(),
            WireType {
                name: name.clone(),
                origin: origin_of(v, base),
                schema: v.name.map(str::to_string),
                serialize: false,
                deserialize: true,
                kind: WireKind::Struct(Vec::new()),
            },
        );
        Some(name)
    }

    pub(super) fn add_field(&mut self, wire_type: &str, wire_name: &str, optional: bool) -> String {
        let Some(WireType {
            kind: WireKind::Struct(fields),
            ..
        }) = self.wire.get_mut(wire_type)
        else {
            return snake(wire_name);
        };
        if let Some(f) = fields.iter_mut().find(|f| f.wire_name == wire_name) {
            f.optional |= optional;
            return f.rust_name.clone();
        }
        let mut names = Namer::default();
        for f in fields.iter() {
            names.claim(&f.rust_name);
        }
        let rust = names.claim(&snake(wire_name));
        fields.push(WireField {
            rust_name: rust.clone(),
            wire_name: wire_name.to_string(),
            ty: WireTy::Json,
            optional,
        });
        rust
    }

    pub(super) fn set_field_ty(&mut self, wire_type: &str, wire_name: &str, ty: WireTy) {
        if let Some(WireType {
            kind: WireKind::Struct(fields),
            ..
        }) = self.wire.get_mut(wire_type)
        {
            if let Some(f) = fields.iter_mut().find(|f| f.wire_name == wire_name) {
                if f.ty == WireTy::Json || f.ty == ty {
                    f.ty = ty;
                }
            }
        }
    }

    /// Boxes by-value wire fields that close a cycle, so every type has a finite size.
    pub(super) fn box_cycles(&mut self) {
        let names: Vec<String> = self.wire.keys().cloned().collect();
        for name in names {
            let targets: Vec<(String, String)> = match self.wire.get(&name) {
                Some(WireType {
                    kind: WireKind::Struct(fields),
                    ..
                }) => fields
                    .iter()
                    .filter_map(|f| match &f.ty {
                        WireTy::Named(t) => Some((f.rust_name.clone(), t.clone())),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (field, target) in targets {
                if self.reaches(&target, &name, &mut BTreeSet::new()) {
                    if let Some(WireType {
                        kind: WireKind::Struct(fields),
                        ..
                    }) = self.wire.get_mut(&name)
                    {
                        if let Some(f) = fields.iter_mut().find(|f| f.rust_name == field) {
                            f.ty = WireTy::Boxed(target.clone());
                        }
                    }
                }
            }
        }
    }

    pub(super) fn reaches(&self, from: &str, to: &str, seen: &mut BTreeSet<String>) -> bool {
        if from == to {
            return true;
        }
        if !seen.insert(from.to_string()) {
            return false;
        }
        match self.wire.get(from) {
            Some(WireType {
                kind: WireKind::Struct(fields),
                ..
            }) => fields.iter().any(|f| match &f.ty {
                WireTy::Named(t) => self.reaches(t, to, seen),
                _ => false,
            }),
            _ => false,
        }
    }
}

/// Where a wire type comes from, for its doc comment.
pub(super) fn origin_of(v: &View<'_>, path: &str) -> Origin {
    match v.name {
        Some(n) => Origin::Schema(n.to_string()),
        None => Origin::Inline(path.to_string()),
    }
}

pub(super) fn ident_of(v: &View<'_>, base: &str) -> String {
    match v.name {
        Some(n) => format!("schema:{n}"),
        None => format!("inline:{base}"),
    }
}

pub(super) fn scalar_wire(k: &Kind<'_>) -> WireTy {
    match k {
        Kind::Str { .. } => WireTy::String,
        Kind::Int { .. } => WireTy::I64,
        Kind::Num => WireTy::F64,
        Kind::Bool => WireTy::Bool,
        _ => WireTy::Json,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn only_the_fields_the_mapping_uses_sorted_by_type_name() {
        let plan = Fixture::default().plan();
        let names: Vec<&str> = plan.wire.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            ["CreateThingRequest", "Error", "ErrorError", "Thing"]
        );
        let thing = plan.wire.iter().find(|w| w.name == "Thing").expect("Thing");
        assert!(!thing.serialize && thing.deserialize);
        assert_eq!(thing.schema.as_deref(), Some("Thing"));
        assert_eq!(thing.origin, Origin::Schema("Thing".into()));
        let WireKind::Struct(fields) = &thing.kind else {
            panic!("a struct");
        };
        let fields: Vec<(&str, &WireTy, bool)> = fields
            .iter()
            .map(|f| (f.wire_name.as_str(), &f.ty, f.optional))
            .collect();
        assert_eq!(
            fields,
            [
                ("id", &WireTy::String, false),
                ("status", &WireTy::String, false),
                ("amount", &WireTy::I64, true)
            ]
        );
    }

    #[test]
    fn a_field_that_closes_a_cycle_is_boxed() {
        let plan = Fixture::default()
            .spec(
                "        owner: { $ref: \"#/components/schemas/Owner\" }\n",
                "        owner: { $ref: \"#/components/schemas/Owner\" }\n        parent: { $ref: \"#/components/schemas/Thing\" }\n",
            )
            .port("pub amount: Option<i64> }", "pub amount: Option<i64>, pub parent: Option<String> }")
            .mapping("      amount: amount\n", "      amount: amount\n      parent: parent.id\n")
            .plan();
        let thing = plan.wire.iter().find(|w| w.name == "Thing").expect("Thing");
        let WireKind::Struct(fields) = &thing.kind else {
            panic!("a struct");
        };
        let parent = fields
            .iter()
            .find(|f| f.wire_name == "parent")
            .expect("parent");
        assert_eq!(parent.ty, WireTy::Boxed("Thing".into()));
    }
}

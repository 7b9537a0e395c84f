//! Values from the method's arguments (`req.amount.minor_units`) or written in the
//! mapping (`const:`), checked against the wire slot they fill.

use super::planner::Planner;
use crate::error::suggest;
use crate::load::mapping::{Spanned, ValueSpec};
use crate::load::port::{DomainStruct, PortMethod, Ty};
use crate::spec::view::{Kind, View};

/// A value taken from the method's arguments or written in the mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum ValuePlan {
    /// An access path over the arguments.
    Expr {
        /// Segments: an argument, then fields (`0` for a newtype's inside).
        access: Vec<String>,
        /// The value needs `.clone()` (not `Copy`).
        clone: bool,
        /// The value is an `Option`.
        optional: bool,
        /// Converted into this type with `From`: a small integer widened to i64/f64, a
        /// borrowed `&str` made a `String` (`.clone()` of a `&str` is still a `&str`).
        widen: Option<String>,
        /// A conversion function, called with a reference to the value.
        via: Option<String>,
    },
    /// A constant.
    Const(serde_json::Value),
    /// The value of a setting of the adapter's configuration (text).
    Setting(String),
}

impl<'a> Planner<'a> {
    /// Resolves `req.amount.minor_units` to an access path and its type.
    pub(super) fn expr(
        &mut self,
        pm: &PortMethod,
        text: &Spanned<String>,
    ) -> Option<(Vec<String>, Ty)> {
        let mut segs = text.value.split('.');
        let first = segs.next().unwrap_or_default();
        let Some((_, arg_ty)) = pm.args.iter().find(|(n, _)| n == first) else {
            let help = suggest(first, pm.args.iter().map(|(n, _)| n.as_str()));
            self.err(
                text.span,
                format!("'{first}' is not an argument of {}", pm.name),
                help,
            );
            return None;
        };
        self.used_args.insert(first.to_string());
        let mut access = vec![first.to_string()];
        let mut ty = arg_ty.without_refs().clone();
        for seg in segs {
            let Ty::Named(tname) = &ty else {
                self.err(
                    text.span,
                    format!(
                        "'{}' has no field '{seg}': its type is {ty}",
                        access.join(".")
                    ),
                    "remove the extra field",
                );
                return None;
            };
            match self.port.structs.get(tname) {
                Some(DomainStruct::Named(fields)) => match fields.iter().find(|f| f.name == seg) {
                    Some(f) => {
                        access.push(seg.to_string());
                        ty = f.ty.without_refs().clone();
                    }
                    None => {
                        let help = suggest(seg, fields.iter().map(|f| f.name.as_str()));
                        self.err(text.span, format!("unknown field '{seg}' in {tname}"), help);
                        return None;
                    }
                },
                Some(DomainStruct::Newtype(inner)) if seg == "0" => {
                    access.push("0".into());
                    ty = inner.without_refs().clone();
                }
                _ => {
                    self.err(
                        text.span,
                        format!(
                            "'{}' has no field '{seg}': {tname} is not a struct with named fields",
                            access.join(".")
                        ),
                        "point at a field of a struct in the port source",
                    );
                    return None;
                }
            }
        }
        Some((access, ty))
    }

    /// Plans a value for a wire slot of the given schema view.
    pub(super) fn value(
        &mut self,
        pm: &PortMethod,
        spec: &ValueSpec,
        target: &View<'_>,
        wire_required: bool,
        what: &str,
    ) -> Option<ValuePlan> {
        match spec {
            ValueSpec::Const(c) => {
                // Objects and lists are written as JSON constants (`const: {}`, `const: [a, b]`).
                let ok = matches!(
                    (&target.kind, &c.value),
                    (Kind::Str { .. }, serde_json::Value::String(_))
                        | (Kind::Int, serde_json::Value::Number(_))
                        | (Kind::Num, serde_json::Value::Number(_))
                        | (Kind::Bool, serde_json::Value::Bool(_))
                        | (
                            Kind::Object { .. } | Kind::Any,
                            serde_json::Value::Object(_)
                        )
                        | (Kind::Array(_) | Kind::Any, serde_json::Value::Array(_))
                );
                let int_ok = !matches!(target.kind, Kind::Int) || c.value.as_i64().is_some();
                if !ok || !int_ok {
                    self.err(
                        c.span,
                        format!(
                            "{what} is {} in the spec, but the mapping gives {}",
                            target.describe(),
                            c.value
                        ),
                        "write a constant of the spec's type",
                    );
                    return None;
                }
                if let Kind::Str { values } = &target.kind {
                    let s = c.value.as_str().unwrap_or_default();
                    if !values.is_empty() && !values.iter().any(|v| v == s) {
                        let help = suggest(s, values.iter().map(String::as_str));
                        self.err(c.span, format!("'{s}' is not a value of {what}"), help);
                        return None;
                    }
                }
                Some(ValuePlan::Const(c.value.clone()))
            }
            ValueSpec::Setting(name) => self.setting_value(name, target, what),
            ValueSpec::Each { from, .. } => {
                self.err(from.span, format!("{what} is not a list of objects in a request body, so `each:` does not apply"), "map the value with `from:`");
                None
            }
            ValueSpec::Expr { from, via } => {
                let (mut access, ty) = self.expr(pm, from)?;
                if let Some(via) = via {
                    if !self.check_path(via) {
                        return None;
                    }
                    return Some(ValuePlan::Expr {
                        access,
                        clone: false,
                        optional: false,
                        widen: None,
                        via: Some(via.value.clone()),
                    });
                }
                let (optional, ty) = match ty {
                    Ty::Option(inner) => (true, inner.without_refs().clone()),
                    t => (false, t),
                };
                if optional && wire_required {
                    self.err(
                        from.span,
                        format!(
                            "{what} is required by the vendor, but '{}' is an Option",
                            from.value
                        ),
                        "map a value that is always present, or give a `const:`",
                    );
                    return None;
                }
                let ty = self.unwrap_newtype(ty, &mut access);
                let name = match &ty {
                    Ty::Named(n) => n.as_str(),
                    Ty::Vec(inner) => match (&target.kind, inner.without_refs()) {
                        (Kind::Array(_), Ty::Named(n)) if SCALARS.contains(&n.as_str()) => {
                            return Some(ValuePlan::Expr {
                                access,
                                clone: true,
                                optional,
                                widen: None,
                                via: None,
                            });
                        }
                        _ => "",
                    },
                    _ => "",
                };
                let (fits, widen) = match (&target.kind, name) {
                    (Kind::Str { .. }, "String") => (true, None),
                    (Kind::Str { .. }, "str") => (true, Some("String".to_string())),
                    (Kind::Int, "i64") => (true, None),
                    (Kind::Int, "i8" | "i16" | "i32" | "u8" | "u16" | "u32") => {
                        (true, Some("i64".to_string()))
                    }
                    (Kind::Num, "f64") => (true, None),
                    (Kind::Num, "f32" | "i8" | "i16" | "i32" | "u8" | "u16" | "u32") => {
                        (true, Some("f64".to_string()))
                    }
                    (Kind::Bool, "bool") => (true, None),
                    (Kind::Any, _) => (false, None),
                    _ => (false, None),
                };
                if !fits {
                    self.err(
                        from.span,
                        format!(
                            "{what} is {} in the spec, but '{}' is {ty}",
                            target.describe(),
                            from.value
                        ),
                        "convert it with `{ from: …, via: path::to::function }`",
                    );
                    return None;
                }
                let clone = name == "String";
                Some(ValuePlan::Expr {
                    access,
                    clone,
                    optional,
                    widen,
                    via: None,
                })
            }
        }
    }

    /// A `via:` must be a plain Rust path; anything else would be code injected from the mapping.
    pub(super) fn check_path(&mut self, p: &Spanned<String>) -> bool {
        let ok = syn::parse_str::<syn::Path>(&p.value).is_ok_and(|path| {
            path.segments
                .iter()
                .all(|s| matches!(s.arguments, syn::PathArguments::None))
        });
        if !ok {
            self.err(
                p.span,
                format!("'{}' is not a Rust function path", p.value),
                "write a path such as `crate::convert::money`",
            );
        }
        ok
    }

    pub(super) fn unwrap_newtype(&self, mut ty: Ty, access: &mut Vec<String>) -> Ty {
        for _ in 0..4 {
            let Ty::Named(n) = &ty else { break };
            match self.port.structs.get(n) {
                Some(DomainStruct::Newtype(inner)) => {
                    access.push("0".into());
                    ty = inner.without_refs().clone();
                }
                _ => break,
            }
        }
        ty
    }
}

pub(super) const SCALARS: [&str; 13] = [
    "String", "str", "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "f32", "f64", "u64",
];

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::super::{BodyNode, BodyPlan};
    use super::*;

    /// The value planned for a top-level field of `create`'s request body.
    fn body_value(plan: &super::super::Plan, field: &str) -> ValuePlan {
        let Some(BodyPlan {
            root: BodyNode::Struct { fields, .. },
            ..
        }) = &op(plan, "create").body
        else {
            panic!("create has a struct body");
        };
        match fields.iter().find(|(n, _, _)| n == field) {
            Some((_, BodyNode::Leaf(v), _)) => v.clone(),
            other => panic!("{field}: {other:?}"),
        }
    }

    #[test]
    fn small_integers_widen_and_strings_are_cloned() {
        let plan = Fixture::default().plan();
        assert_eq!(
            body_value(&plan, "amount"),
            ValuePlan::Expr {
                access: vec!["req".into(), "amount".into()],
                clone: false,
                optional: false,
                widen: Some("i64".into()),
                via: None
            }
        );
        assert!(matches!(
            body_value(&plan, "memo"),
            ValuePlan::Expr {
                clone: true,
                optional: true,
                ..
            }
        ));
    }

    #[test]
    fn a_borrowed_str_into_an_optional_string_field_is_made_a_string() {
        // Issue 15: `.clone()` of a `&str` is a `&str`, which rustc refused for a String field.
        let plan = Fixture::default()
            .port(
                "async fn create(&self, req: NewThing)",
                "async fn create(&self, req: NewThing, memo: &str)",
            )
            .mapping("memo: req.memo", "memo: memo")
            .plan();
        assert_eq!(
            body_value(&plan, "memo"),
            ValuePlan::Expr {
                access: vec!["memo".into()],
                clone: false,
                optional: false,
                widen: Some("String".into()),
                via: None
            }
        );
    }

    #[test]
    fn constants_and_conversions_are_checked() {
        let plan = Fixture::default()
            .mapping("memo: req.memo", "memo: { const: web }")
            .plan();
        assert_eq!(body_value(&plan, "memo"), ValuePlan::Const("web".into()));
        Fixture::default()
            .mapping("amount: req.amount,", "amount: { const: lots },")
            .refused_with(
                "request.amount is an integer in the spec, but the mapping gives \"lots\"",
            );
        Fixture::default()
            .mapping(
                "amount: req.amount,",
                "amount: { from: req.order, via: \"crate::x()\" },",
            )
            .refused_with("'crate::x()' is not a Rust function path");
    }

    #[test]
    fn wrong_arguments_fields_and_types_are_named() {
        Fixture::default()
            .mapping("amount: req.amount,", "amount: rq.amount,")
            .refused_with("'rq' is not an argument of create");
        Fixture::default()
            .mapping("amount: req.amount,", "amount: req.amont,")
            .refused_with("unknown field 'amont' in NewThing");
        Fixture::default()
            .mapping("amount: req.amount,", "amount: req.order,")
            .refused_with("request.amount is an integer in the spec, but 'req.order' is String");
        Fixture::default()
            .mapping("amount: req.amount,", "amount: req.memo,")
            .refused_with("request.amount is required by the vendor, but 'req.memo' is an Option");
    }
}

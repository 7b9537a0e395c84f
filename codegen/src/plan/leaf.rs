//! The conversion of one present vendor value into a domain value: as it is, narrowed,
//! wrapped in a newtype, mapped to an enum variant, nested, or item by item.

use super::planner::Planner;
use super::*;
use crate::error::{Span, suggest};
use crate::ident::camel;
use crate::load::mapping::{FieldMap, Spanned};
use crate::load::port::{DomainStruct, Ty, VariantShape};
use crate::spec::view::{Kind, SRef, View, view};

/// The conversion of a present wire value.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    /// Taken as it is.
    Same,
    /// An integer narrowed with `TryFrom` into this type.
    Narrow(String),
    /// Wrapped in a newtype.
    Newtype(String, Box<Leaf>),
    /// A vendor string to a domain enum.
    Enum {
        /// The enum, rendered.
        domain_enum: String,
        /// Wire value → variant.
        arms: Vec<(String, String)>,
        /// The catch-all variant and whether it carries the raw value.
        catch_all: Option<(String, bool)>,
    },
    /// Another converter.
    Nested(String),
    /// Each item of a list.
    Each(Box<Leaf>),
    /// Present values wrapped in `Some` (domain `Option`).
    Some(Box<Leaf>),
}

impl<'a> Planner<'a> {
    pub(super) fn leaf(
        &mut self,
        ty: &Ty,
        v: &View<'a>,
        r: SRef<'a>,
        fm: &FieldMap,
        what: &str,
        wire: &str,
    ) -> Option<(Leaf, WireTy)> {
        let span = fm.from.first().map(|f| f.span).unwrap_or(fm.name.span);
        if let Some(values) = &fm.values {
            return self.enum_leaf(ty, v, values, what, span);
        }
        match ty {
            Ty::Named(n) => {
                if let Some(DomainStruct::Newtype(inner)) = self.port.structs.get(n).cloned() {
                    let (l, w) = self.leaf(inner.without_refs(), v, r, fm, what, wire)?;
                    return Some((Leaf::Newtype(self.domain(n), Box::new(l)), w));
                }
                if let Some(DomainStruct::Named(_)) = self.port.structs.get(n) {
                    let Kind::Object { .. } = &v.kind else {
                        self.err(
                            span,
                            format!(
                                "{what} is the struct {n}, but the vendor field is {}",
                                v.describe()
                            ),
                            "map a vendor object, or convert with `via:`",
                        );
                        return None;
                    };
                    let base = format!(
                        "{}{}",
                        camel(wire),
                        camel(fm.from[0].value.rsplit('.').next().unwrap_or(""))
                    );
                    let sub = self.wire_struct(v, &base, false)?;
                    let conv = self.converter(n, v, r, &sub, span)?;
                    return Some((Leaf::Nested(conv), WireTy::Named(sub)));
                }
                if self.port.enums.contains_key(n) {
                    self.err(
                        span,
                        format!(
                            "{what} is the enum {n}; say how vendor values map to its variants"
                        ),
                        "add `values: { vendor_value: Variant, _: CatchAll }`",
                    );
                    return None;
                }
                let fits = match (n.as_str(), &v.kind) {
                    ("String", Kind::Str { .. }) => Some((Leaf::Same, WireTy::String)),
                    ("i64", Kind::Int) => Some((Leaf::Same, WireTy::I64)),
                    ("i8" | "i16" | "i32" | "u8" | "u16" | "u32" | "u64" | "usize", Kind::Int) => {
                        Some((Leaf::Narrow(n.clone()), WireTy::I64))
                    }
                    ("f64", Kind::Num | Kind::Int) => Some((Leaf::Same, WireTy::F64)),
                    ("bool", Kind::Bool) => Some((Leaf::Same, WireTy::Bool)),
                    ("String", Kind::Union(parts)) => {
                        // An id-or-object field (Stripe's expandable fields): read the string form.
                        let has_string = parts.iter().any(|p| {
                            matches!(view(self.spec, *p).map(|v| v.kind), Ok(Kind::Str { .. }))
                        });
                        if has_string {
                            // Documented by its path from the schema the converter reads.
                            let root = self
                                .wire
                                .get(wire)
                                .and_then(|w| w.schema.clone())
                                .unwrap_or_else(|| wire.to_string());
                            let union = self.namer_for(
                                &format!(
                                    "{}{}",
                                    camel(wire),
                                    camel(fm.from[0].value.rsplit('.').next().unwrap_or(""))
                                ),
                                "union-str",
                                v,
                            );
                            self.wire.entry(union.clone()).or_insert_with(|| WireType {
                                name: union.clone(),
                                origin: Origin::Inline(format!("{root}.{}", fm.from[0].value)),
                                schema: None,
                                serialize: false,
                                deserialize: true,
                                kind: WireKind::Union {
                                    variant: ("Id".into(), WireTy::String),
                                },
                            });
                            Some((Leaf::Same, WireTy::Named(union)))
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                match fits {
                    Some(f) => Some(f),
                    None => {
                        self.err(
                            span,
                            format!("{what} is {n}, but the vendor field is {}", v.describe()),
                            "convert it with `via: path::to::function`",
                        );
                        None
                    }
                }
            }
            Ty::Vec(inner) => {
                let Kind::Array(Some(item)) = &v.kind else {
                    self.err(
                        span,
                        format!("{what} is a Vec, but the vendor field is {}", v.describe()),
                        "map a vendor array",
                    );
                    return None;
                };
                let iv = view(self.spec, *item).ok()?;
                if let Kind::Union(_) = &iv.kind {
                    // A string-or-object item cannot be read as a plain String; reading only
                    // the string form would drop the objects silently.
                    self.err(
                        span,
                        format!(
                            "{what} is {ty}, but the vendor's items are {}: some items may not be a {}",
                            iv.describe(),
                            inner.without_refs()
                        ),
                        "convert the list with `via: path::to::function`, a `fn(Vec<serde_json::Value>) -> Result<Vec<_>, E>` (`Option<Vec<serde_json::Value>>` when the field may be absent), E: Display",
                    );
                    return None;
                }
                let (l, w) = self.leaf(inner.without_refs(), &iv, *item, fm, what, wire)?;
                Some((Leaf::Each(Box::new(l)), WireTy::Vec(Box::new(w))))
            }
            other => {
                self.err(
                    span,
                    format!("{what} has type {other}, which a mapping cannot build directly"),
                    "convert it with `via: path::to::function`",
                );
                None
            }
        }
    }

    pub(super) fn enum_leaf(
        &mut self,
        ty: &Ty,
        v: &View<'a>,
        values: &[(Spanned<String>, Spanned<String>)],
        what: &str,
        span: Span,
    ) -> Option<(Leaf, WireTy)> {
        let Ty::Named(n) = ty else {
            self.err(
                span,
                format!("{what} has `values:` but its type {ty} is not an enum"),
                "remove `values:` or use an enum",
            );
            return None;
        };
        let Some(variants) = self.port.enums.get(n).cloned() else {
            self.err(
                span,
                format!("{what} has `values:` but {n} is not an enum of the port"),
                "remove `values:` or use an enum",
            );
            return None;
        };
        let Kind::Str {
            values: wire_values,
        } = &v.kind
        else {
            self.err(
                span,
                format!(
                    "{what} maps values, but the vendor field is {}",
                    v.describe()
                ),
                "map a string field",
            );
            return None;
        };
        let mut arms = Vec::new();
        let mut catch_all = None;
        let mut ok = true;
        for (wire_value, variant) in values {
            let Some((_, shape)) = variants.iter().find(|(vn, _)| *vn == variant.value) else {
                let help = suggest(&variant.value, variants.iter().map(|(vn, _)| vn.as_str()));
                self.err(
                    variant.span,
                    format!("{n} has no variant '{}'", variant.value),
                    help,
                );
                ok = false;
                continue;
            };
            if wire_value.value == "_" {
                match shape {
                    VariantShape::Unit => catch_all = Some((variant.value.clone(), false)),
                    VariantShape::Tuple(t)
                        if t.len() == 1 && t[0] == Ty::Named("String".into()) =>
                    {
                        catch_all = Some((variant.value.clone(), true))
                    }
                    _ => {
                        self.err(
                            variant.span,
                            format!(
                                "the catch-all {n}::{} must be a unit variant or carry one String",
                                variant.value
                            ),
                            "declare it as `Unknown(String)` to keep the vendor's value",
                        );
                        ok = false;
                    }
                }
                continue;
            }
            if !wire_values.is_empty() && !wire_values.contains(&wire_value.value) {
                let help = suggest(&wire_value.value, wire_values.iter().map(String::as_str));
                self.err(
                    wire_value.span,
                    format!(
                        "'{}' is not a value the vendor sends for {what}",
                        wire_value.value
                    ),
                    help,
                );
                ok = false;
                continue;
            }
            if shape != &VariantShape::Unit {
                self.err(
                    variant.span,
                    format!(
                        "{n}::{} carries data; only the catch-all may",
                        variant.value
                    ),
                    "map the vendor value to a unit variant",
                );
                ok = false;
                continue;
            }
            arms.push((wire_value.value.clone(), variant.value.clone()));
        }
        if catch_all.is_none() {
            let unmapped: Vec<&str> = wire_values
                .iter()
                .filter(|w| !arms.iter().any(|(a, _)| a == *w))
                .map(String::as_str)
                .collect();
            if wire_values.is_empty() || !unmapped.is_empty() {
                let list = if unmapped.is_empty() {
                    "any value".to_string()
                } else {
                    unmapped.join(", ")
                };
                self.err(
                    span,
                    format!(
                        "{what}: vendor values {list} are not mapped and there is no catch-all"
                    ),
                    "add `_: Unknown` so a new vendor value does not fail the call",
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some((
            Leaf::Enum {
                domain_enum: self.domain(n),
                arms,
                catch_all,
            },
            WireTy::String,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    fn leaf_of(plan: &Plan, name: &str) -> Leaf {
        match plan.converters[0]
            .fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| &f.value)
        {
            Some(ConvValue::Read { leaf, .. }) => leaf.clone(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn vendor_values_map_to_variants_with_a_catch_all() {
        let plan = Fixture::default().plan();
        assert_eq!(
            leaf_of(&plan, "status"),
            Leaf::Enum {
                domain_enum: "crate::domain::Status".into(),
                arms: vec![
                    ("active".into(), "Active".into()),
                    ("gone".into(), "Gone".into())
                ],
                catch_all: Some(("Unknown".into(), true)),
            }
        );
    }

    #[test]
    fn enum_mistakes_are_named() {
        Fixture::default()
            .mapping("values: { active: Active,", "values: { activ: Active,")
            .refused_with("'activ' is not a value the vendor sends for Thing.status");
        Fixture::default()
            .mapping("gone: Gone, _: Unknown }", "gone: Gon, _: Unknown }")
            .refused_with("Status has no variant 'Gon'");
        Fixture::default()
            .mapping(", _: Unknown }", " }")
            .port("Gone, Unknown(String) }", "Gone, Unknown(String), Lost }")
            .spec("enum: [active, gone]", "enum: [active, gone, lost]")
            .refused_with(
                "Thing.status: vendor values lost are not mapped and there is no catch-all",
            );
        Fixture::default()
            .mapping(
                "status: { from: status, values: { active: Active, gone: Gone, _: Unknown } }",
                "status: status",
            )
            .refused_with(
                "Thing.status is the enum Status; say how vendor values map to its variants",
            );
    }

    #[test]
    fn integers_narrow_and_newtypes_wrap() {
        let plan = Fixture::default()
            .port("pub amount: Option<i64> }", "pub amount: Option<u32> }")
            .plan();
        assert_eq!(
            leaf_of(&plan, "amount"),
            Leaf::Some(Box::new(Leaf::Narrow("u32".into())))
        );
        let plan = Fixture::default()
            .port(
                "pub struct Thing { pub id: String,",
                "pub struct ThingId(pub String);\npub struct Thing { pub id: ThingId,",
            )
            .plan();
        assert_eq!(
            leaf_of(&plan, "id"),
            Leaf::Newtype("crate::domain::ThingId".into(), Box::new(Leaf::Same))
        );
        Fixture::default()
            .port("pub amount: Option<i64> }", "pub amount: Option<bool> }")
            .refused_with("Thing.amount is bool, but the vendor field is an integer");
    }

    #[test]
    fn a_list_of_string_or_object_items_into_strings_asks_for_a_function() {
        // Issue 15: this passed `check` and then failed rustc (a Vec of unions is no Vec<String>).
        let fixture = Fixture::default()
            .spec(
                "        owner: { $ref: \"#/components/schemas/Owner\" }\n",
                "        owner: { $ref: \"#/components/schemas/Owner\" }\n        refs: { type: array, items: { oneOf: [{ type: string }, { $ref: \"#/components/schemas/Owner\" }] } }\n",
            )
            .port("pub amount: Option<i64> }", "pub amount: Option<i64>, pub refs: Vec<String> }")
            .mapping("      amount: amount\n", "      amount: amount\n      refs: { from: refs, default: [] }\n");
        fixture.refused_with("Thing.refs is Vec<String>, but the vendor's items are a union");
        let help: Vec<String> = match fixture.build() {
            Err(e) => e
                .diagnostics()
                .iter()
                .filter_map(|d| d.help.clone())
                .collect(),
            Ok(_) => panic!("refused"),
        };
        assert!(
            help.iter().any(|h| h.contains("Vec<serde_json::Value>")),
            "the help names the function's type: {help:?}"
        );
    }
}

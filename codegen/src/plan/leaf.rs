//! The conversion of one present vendor value into a domain value: as it is, narrowed,
//! wrapped in a newtype, mapped to an enum variant, nested, or item by item.

use super::planner::Planner;
use super::*;
use crate::error::{Span, suggest_value};
use crate::ident::camel;
use crate::load::mapping::{FieldMap, Spanned};
use crate::load::port::{DomainStruct, INTEGERS, Ty, VariantShape};
use crate::spec::view::{Kind, SRef, View, view};

/// The conversion of a present wire value.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    /// Taken as it is.
    Same,
    /// An integer narrowed with `TryFrom` into this type.
    Narrow(String),
    /// Decimal text (`type: string, format: int64`) parsed into this integer type.
    Parse(String),
    /// Wrapped in a newtype.
    Newtype(String, Box<Leaf>),
    /// A vendor string (or integer code) to a domain enum.
    Enum {
        /// The enum, rendered.
        domain_enum: String,
        /// Wire value → variant (an integer code as its decimal text).
        arms: Vec<(String, String)>,
        /// Whether the vendor sends integer codes rather than strings.
        integer: bool,
        /// The catch-all variant and whether it carries the raw value.
        catch_all: Option<(String, bool)>,
    },
    /// Another converter.
    Nested(String),
    /// Each item of a list.
    Each(Box<Leaf>),
    /// One path read out of an object (an item of a list, under `each:`).
    Pluck(Box<super::pluck::Pluck>),
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
        // A domain type read from several operations' schemas: the one that disagrees
        // is named, so an overlay can fix the right one.
        let from_wire = match what.split_once('.') {
            Some((type_name, _)) if type_name != wire => format!(" (in {wire})"),
            _ => String::new(),
        };
        if let Some(values) = &fm.values {
            return self.enum_leaf(ty, v, values, what, span);
        }
        match ty {
            Ty::Named(n) => {
                if let Some(DomainStruct::Newtype(inner)) = self.port.structs.get(n).cloned() {
                    // Named in what is said about the inside: "Repository.created
                    // (Timestamp) is i64", not a bare i64 the user never wrote there.
                    let what = format!("{what} ({n})");
                    let (l, w) = self.leaf(inner.without_refs(), v, r, fm, &what, wire)?;
                    return Some((Leaf::Newtype(self.domain(n), Box::new(l)), w));
                }
                if let Some(DomainStruct::Named(_)) = self.port.structs.get(n) {
                    // One of several objects: read with the fields of every variant.
                    let merged = match &v.kind {
                        Kind::Union(parts) => crate::spec::view::merged_objects(self.spec, parts),
                        _ => None,
                    };
                    let v = merged.as_ref().unwrap_or(v);
                    let Kind::Object { .. } = &v.kind else {
                        self.err(
                            span,
                            format!(
                                "{what} is the struct {n}, but the vendor field is {}{from_wire}",
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
                    // Decimal text (`format: int64`) is parsed into any integer.
                    (int, Kind::Str { .. }) if v.integer_text && INTEGERS.contains(&int) => {
                        Some((Leaf::Parse(n.clone()), WireTy::String))
                    }
                    ("String", Kind::Str { .. }) => Some((Leaf::Same, WireTy::String)),
                    ("i64", Kind::Int { .. }) => Some((Leaf::Same, WireTy::I64)),
                    (
                        "i8" | "i16" | "i32" | "u8" | "u16" | "u32" | "u64" | "usize",
                        Kind::Int { .. },
                    ) => Some((Leaf::Narrow(n.clone()), WireTy::I64)),
                    ("f64", Kind::Num | Kind::Int { .. }) => Some((Leaf::Same, WireTy::F64)),
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
                            format!(
                                "{what} is {n}, but the vendor field is {}{from_wire}",
                                v.describe()
                            ),
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
                        format!(
                            "{what} is a Vec, but the vendor field is {}{from_wire}",
                            v.describe()
                        ),
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
        // Integer codes (Discord's channel types, Zoom's meeting types) map like
        // strings, each code written as a YAML number.
        let (wire_values, integer) = match &v.kind {
            Kind::Str { values } => (values.clone(), false),
            Kind::Int { values } => (values.iter().map(i64::to_string).collect(), true),
            _ => {
                self.err(
                    span,
                    format!(
                        "{what} maps values, but the vendor field is {}",
                        v.describe()
                    ),
                    "map a string or integer field, or convert it with `via:`",
                );
                return None;
            }
        };
        let mut arms = Vec::new();
        let mut catch_all = None;
        let mut ok = true;
        for (wire_value, variant) in values {
            let Some(shape) = self.variant_shape(n, &variants, variant) else {
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
            // An integer code as the generated match writes it (`+2` and `02` are 2).
            let key = match wire_value.value.parse::<i64>() {
                Ok(code) if integer => code.to_string(),
                _ => wire_value.value.clone(),
            };
            if integer && wire_value.value.parse::<i64>().is_err() {
                self.err(
                    wire_value.span,
                    format!(
                        "'{}' is not an integer, but the vendor sends integer codes for {what}",
                        wire_value.value
                    ),
                    "write each code as a number: `values: { 0: Text, 2: Voice, _: Other }`",
                );
                ok = false;
                continue;
            }
            if !wire_values.is_empty() && !wire_values.contains(&key) {
                let help = suggest_value(&wire_value.value, &wire_values, integer);
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
            arms.push((key, variant.value.clone()));
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
                integer,
                catch_all,
            },
            if integer { WireTy::I64 } else { WireTy::String },
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
                integer: false,
                catch_all: Some(("Unknown".into(), true)),
            }
        );
    }

    /// A field that is one of several objects (a person or a team) builds a nested
    /// domain struct from the fields of every variant.
    #[test]
    fn a_union_of_objects_builds_a_nested_struct() {
        let plan = Fixture::default()
            .spec(
                "owner: { $ref: \"#/components/schemas/Owner\" }",
                "owner: { oneOf: [ { $ref: \"#/components/schemas/Owner\" }, { type: object, properties: { team: { type: string }, name: { type: string } } } ] }",
            )
            .port(
                "pub amount: Option<i64> }",
                "pub amount: Option<i64>, pub owner: Option<Holder> }\npub struct Holder { pub name: Option<String>, pub team: Option<String> }",
            )
            .mapping("      amount: amount\n", "      amount: amount\n      owner: owner\n  Holder:\n    fields: { name: name, team: team }\n")
            .plan();
        let owner = plan
            .converters
            .iter()
            .flat_map(|c| c.fields.iter())
            .find(|f| f.field == "owner")
            .expect("owner is read");
        assert!(
            matches!(&owner.value, ConvValue::Read { leaf: Leaf::Some(l), .. } if matches!(**l, Leaf::Nested(_))),
            "{:?}",
            owner.value
        );
    }

    /// A field the variants type differently is read as the first has it: `check`
    /// warns, since an answer of the other shape fails the call.
    #[test]
    fn a_field_typed_differently_by_the_variants_is_warned_of() {
        let warnings = Fixture::default()
            .spec(
                "owner: { $ref: \"#/components/schemas/Owner\" }",
                "owner: { oneOf: [ { $ref: \"#/components/schemas/Owner\" }, { type: object, properties: { name: { type: integer } } } ] }",
            )
            .port(
                "pub amount: Option<i64> }",
                "pub amount: Option<i64>, pub owner: Option<Holder> }\npub struct Holder { pub name: Option<String> }",
            )
            .mapping("      amount: amount\n", "      amount: amount\n      owner: owner\n  Holder:\n    fields: { name: name }\n")
            .warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("'name' is a string in one variant of")
                    && w.contains("and an integer in another")),
            "{warnings:?}"
        );
    }

    /// Integer codes (Discord's channel types), written as YAML numbers.
    fn coded() -> Fixture {
        Fixture::default()
            .spec(
                "status: { type: string, enum: [active, gone] }",
                "status: { type: integer, enum: [0, 2, 4] }",
            )
            .mapping(
                "values: { active: Active, gone: Gone, _: Unknown }",
                "values: { 0: Active, 2: Gone, 4: Gone, _: Unknown }",
            )
    }

    #[test]
    fn integer_codes_map_to_variants() {
        let plan = coded().plan();
        assert_eq!(
            leaf_of(&plan, "status"),
            Leaf::Enum {
                domain_enum: "crate::domain::Status".into(),
                arms: vec![
                    ("0".into(), "Active".into()),
                    ("2".into(), "Gone".into()),
                    ("4".into(), "Gone".into())
                ],
                integer: true,
                catch_all: Some(("Unknown".into(), true)),
            }
        );
    }

    #[test]
    fn integer_code_mistakes_are_named() {
        coded()
            .mapping("{ 0: Active,", "{ zero: Active,")
            .refused_with(
                "'zero' is not an integer, but the vendor sends integer codes for Thing.status",
            );
        let unlisted = coded().mapping("{ 0: Active,", "{ 1: Active,");
        unlisted.refused_with("'1' is not a value the vendor sends for Thing.status");
        unlisted.helped_with("the spec lists 0, 2, 4");
        coded()
            .mapping("2: Gone, 4: Gone, _: Unknown }", "2: Gone }")
            .refused_with("Thing.status: vendor values 4 are not mapped and there is no catch-all");
        coded()
            .spec("enum: [0, 2, 4]", "format: int32")
            .mapping(", 4: Gone, _: Unknown }", " }")
            .refused_with(
                "Thing.status: vendor values any value are not mapped and there is no catch-all",
            );
        Fixture::default()
            .spec(
                "status: { type: string, enum: [active, gone] }",
                "status: { type: boolean }",
            )
            .refused_with("Thing.status maps values, but the vendor field is a boolean");
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
        // A newtype is named, not only what it holds (Bitbucket's `Timestamp(i64)`).
        Fixture::default()
            .port(
                "pub struct Thing { pub id: String,",
                "pub struct ThingId(pub i64);\npub struct Thing { pub id: ThingId,",
            )
            .refused_with("Thing.id (ThingId) is i64, but the vendor field is a string");
    }

    /// `type: string, format: int64` is an integer as decimal text: parsed into any
    /// integer type, and an integer is sent into it as its text; without the format a
    /// string stays no integer.
    #[test]
    fn decimal_text_reads_into_and_is_sent_from_integers() {
        let text = "amount: { type: integer }\n        note:";
        let int64 = "amount: { type: string, format: int64 }\n        note:";
        let plan = Fixture::default()
            .spec(text, int64)
            .port("pub amount: Option<i64> }", "pub amount: Option<u64> }")
            .plan();
        assert_eq!(
            leaf_of(&plan, "amount"),
            Leaf::Some(Box::new(Leaf::Parse("u64".into())))
        );
        Fixture::default()
            .spec(text, "amount: { type: string }\n        note:")
            .refused_with("Thing.amount is i64, but the vendor field is a string");
        // Read from a schema named otherwise (an operation's own), the message names it.
        Fixture::default()
            .spec(text, "amount: { type: string }\n        note:")
            .spec("schemas:\n    Thing:", "schemas:\n    ThingV2:")
            .spec(
                "#/components/schemas/Thing\"",
                "#/components/schemas/ThingV2\"",
            )
            .mapping("from: Thing\n", "from: ThingV2\n")
            .refused_with("Thing.amount is i64, but the vendor field is a string (in ThingV2)");
        let body = "amount: { type: integer }\n                memo";
        let plan = Fixture::default()
            .spec(
                body,
                "amount: { type: string, format: int64 }\n                memo",
            )
            .plan();
        let create = plan
            .operations
            .iter()
            .find(|o| o.method == "create")
            .expect("create");
        let sent = format!("{:?}", create.body);
        assert!(sent.contains("convert: Some(Text)"), "{sent}");
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

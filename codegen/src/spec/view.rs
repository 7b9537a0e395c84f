//! A view of a spec schema that hides `$ref`s, `allOf` merging and one-variant unions:
//! what the planner, the corpus runner and `scaffold` read schemas through.

use crate::load::openapi::Spec;
use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};
use std::collections::BTreeSet;

/// A schema reference of either flavour openapiv3 uses.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SRef<'a> {
    Plain(&'a ReferenceOr<Schema>),
    Boxed(&'a ReferenceOr<Box<Schema>>),
    /// A component schema found by its name (the mapping's `errors.schema`): it keeps
    /// that name, as a `$ref` to it would.
    Component(&'a str, &'a ReferenceOr<Schema>),
}

impl<'a> SRef<'a> {
    /// The schema this points at, through `$ref`s, with the last component name passed
    /// (a `Component`'s own name is left to the caller).
    pub(crate) fn resolve(self, spec: &'a Spec) -> Result<(&'a Schema, Option<&'a str>), String> {
        match self {
            SRef::Plain(r) | SRef::Component(_, r) => spec.resolve_schema(r),
            SRef::Boxed(r) => spec.resolve_boxed(r),
        }
    }
}

/// What a schema is, after resolution.
#[derive(Debug, Clone)]
pub(crate) enum Kind<'a> {
    Object {
        props: Vec<(&'a str, SRef<'a>)>,
        required: BTreeSet<&'a str>,
        additional: Option<SRef<'a>>,
        /// `additionalProperties: false`: no key beyond `props` is taken.
        closed: bool,
    },
    Str {
        values: Vec<String>,
    },
    Int {
        values: Vec<i64>,
    },
    Num,
    Bool,
    Array(Option<SRef<'a>>),
    Union(Vec<SRef<'a>>),
    Any,
}

/// A resolved schema.
#[derive(Debug, Clone)]
pub(crate) struct View<'a> {
    /// The last component name passed through, if any.
    pub name: Option<&'a str>,
    /// `nullable: true` somewhere on the way.
    pub nullable: bool,
    pub kind: Kind<'a>,
    /// A string that holds an integer as decimal text (`format: int64`): Google's APIs
    /// and Mux send 64-bit numbers so, since JSON readers in other languages lose
    /// precision past 2^53.
    pub integer_text: bool,
}

impl Kind<'_> {
    /// An object the spec lists no fields of (CircleCI's `build_parameters: { type:
    /// object }`): it takes any key, as an untyped value does.
    pub(crate) fn is_open_object(&self) -> bool {
        matches!(self, Kind::Object { props, additional: None, closed: false, .. } if props.is_empty())
    }
}

impl View<'_> {
    pub(crate) fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Object { .. } => "an object",
            Kind::Str { .. } => "a string",
            Kind::Int { .. } => "an integer",
            Kind::Num => "a number",
            Kind::Bool => "a boolean",
            Kind::Array(_) => "an array",
            Kind::Union(_) => "a union (anyOf/oneOf)",
            Kind::Any => "an untyped value",
        }
    }
}

/// The object variant of a union's `parts` that has a property `field`, and its schema:
/// the variant a path through the union (or `unwrap:` into a union body) reads.
pub(crate) fn variant_with<'a>(
    spec: &'a Spec,
    parts: &[SRef<'a>],
    field: &str,
) -> Option<(View<'a>, SRef<'a>)> {
    parts.iter().find_map(|p| {
        let pv = view(spec, *p).ok()?;
        match &pv.kind {
            Kind::Object { props, .. } if props.iter().any(|(n, _)| *n == field) => Some((pv, *p)),
            _ => None,
        }
    })
}

/// A union whose variants are all objects, read as one object: every property of any
/// variant (the first variant's schema where several have it), required where every
/// variant requires it. Box lists a folder's entries as a file, a folder or a link;
/// the mapping reads the fields it needs from whichever came, and tells them apart by
/// a field they all have (`type`). `None` when a variant is not an object.
pub(crate) fn merged_objects<'a>(spec: &'a Spec, parts: &[SRef<'a>]) -> Option<View<'a>> {
    let mut props: Vec<(&'a str, SRef<'a>)> = Vec::new();
    let mut required: Option<BTreeSet<&'a str>> = None;
    for p in parts {
        let Kind::Object {
            props: own,
            required: own_required,
            ..
        } = view(spec, *p).ok()?.kind
        else {
            return None;
        };
        for (n, s) in own {
            if !props.iter().any(|(m, _)| *m == n) {
                props.push((n, s));
            }
        }
        required = Some(match required {
            None => own_required,
            Some(r) => r.intersection(&own_required).copied().collect(),
        });
    }
    Some(View {
        name: None,
        nullable: false,
        integer_text: false,
        kind: Kind::Object {
            props,
            required: required.unwrap_or_default(),
            additional: None,
            closed: false,
        },
    })
}

/// The property `name` of a union read as one object ([`merged_objects`]): a string or
/// an integer takes the values of every variant's (Box's `type` is `file` in one,
/// `folder` in another), and any value when one variant leaves it free.
pub(crate) fn merged_property<'a>(
    spec: &'a Spec,
    parts: &[SRef<'a>],
    name: &str,
) -> Option<View<'a>> {
    let mut merged: Option<View<'a>> = None;
    for p in parts {
        let Ok(View {
            kind: Kind::Object { props, .. },
            ..
        }) = view(spec, *p)
        else {
            continue;
        };
        let Some((_, s)) = props.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let Ok(v) = view(spec, *s) else { continue };
        merged = Some(match merged {
            None => v,
            Some(mut m) => {
                m.nullable |= v.nullable;
                match (&mut m.kind, &v.kind) {
                    (Kind::Str { values: all }, Kind::Str { values }) => union_of(all, values),
                    (Kind::Int { values: all }, Kind::Int { values }) => union_of(all, values),
                    _ => {}
                }
                m
            }
        });
    }
    merged
}

/// The values a merged property takes: every variant's, or any when one leaves it free
/// (an empty list).
fn union_of<T: Clone + PartialEq>(all: &mut Vec<T>, values: &[T]) {
    if all.is_empty() || values.is_empty() {
        all.clear();
    } else {
        for value in values {
            if !all.contains(value) {
                all.push(value.clone());
            }
        }
    }
}

/// Two different kinds the property `name` has in the variants of a union read as one
/// object, if it has more than one (an `id` that is a string in one and an integer in
/// another): the first variant's is read, and a value of the other kind fails.
pub(crate) fn merged_conflict(
    spec: &Spec,
    parts: &[SRef<'_>],
    name: &str,
) -> Option<(&'static str, &'static str)> {
    let mut kinds = parts.iter().filter_map(|p| {
        let Ok(View {
            kind: Kind::Object { props, .. },
            ..
        }) = view(spec, *p)
        else {
            return None;
        };
        let (_, s) = props.iter().find(|(n, _)| *n == name)?;
        view(spec, *s).ok().map(|v| v.describe())
    });
    let first = kinds.next()?;
    kinds.find(|k| *k != first).map(|other| (first, other))
}

/// The properties of an object schema: name, required, enum values when it has any, and
/// whether it is a scalar (string, number, boolean).
pub fn object_fields(
    spec: &Spec,
    s: &ReferenceOr<Schema>,
) -> Vec<(String, bool, Vec<String>, bool)> {
    let Ok(v) = view(spec, SRef::Plain(s)) else {
        return Vec::new();
    };
    let Kind::Object {
        props, required, ..
    } = &v.kind
    else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let kind = view(spec, *p).map(|v| v.kind);
            let scalar = matches!(
                kind,
                Ok(Kind::Str { .. } | Kind::Int { .. } | Kind::Num | Kind::Bool)
            );
            let values = match kind {
                Ok(Kind::Str { values }) => values,
                _ => Vec::new(),
            };
            (name.to_string(), required.contains(name), values, scalar)
        })
        .collect()
}

/// The properties of an object schema that refer to a component schema: name and component.
pub fn object_refs(spec: &Spec, s: &ReferenceOr<Schema>) -> Vec<(String, String)> {
    let Ok(v) = view(spec, SRef::Plain(s)) else {
        return Vec::new();
    };
    let Kind::Object { props, .. } = &v.kind else {
        return Vec::new();
    };
    props
        .iter()
        .filter_map(|(name, p)| {
            let target = view(spec, *p).ok()?.name?;
            Some((name.to_string(), target.to_string()))
        })
        .collect()
}

const MAX_DEPTH: usize = 32;

pub(crate) fn view<'a>(spec: &'a Spec, r: SRef<'a>) -> Result<View<'a>, String> {
    view_at(spec, r, 0)
}

fn view_at<'a>(spec: &'a Spec, r: SRef<'a>, depth: usize) -> Result<View<'a>, String> {
    if depth > MAX_DEPTH {
        return Err("schemas nest through allOf/anyOf deeper than 32 levels".to_string());
    }
    let (schema, name) = match r {
        SRef::Plain(r) => spec.resolve_schema(r)?,
        SRef::Boxed(r) => spec.resolve_boxed(r)?,
        SRef::Component(n, r) => {
            let (s, inner) = spec.resolve_schema(r)?;
            (s, inner.or(Some(n)))
        }
    };
    let nullable = schema.schema_data.nullable;
    let mut v = match &schema.schema_kind {
        SchemaKind::Type(t) => View {
            name,
            nullable,
            kind: kind_of_type(t),
            integer_text: matches!(t, Type::String(s) if matches!(
                &s.format,
                openapiv3::VariantOrUnknownOrEmpty::Unknown(f)
                    if matches!(f.as_str(), "int64" | "int32" | "uint64" | "uint32" | "integer")
            )),
        },
        // `allOf: [$ref]` is how 3.0 gives a reference siblings (a description, `nullable`):
        // it is that schema, under its own name unless this one has a name.
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
            let mut inner = view_at(spec, SRef::Plain(&all_of[0]), depth + 1)?;
            inner.nullable |= nullable;
            inner.name = name.or(inner.name);
            return Ok(inner);
        }
        SchemaKind::AllOf { all_of } => {
            let mut props = Vec::new();
            let mut required = BTreeSet::new();
            let mut additional = None;
            // Closed only when every part is: `additionalProperties: false` beside other
            // parts' properties is a common spec mistake, not a promise of an empty object.
            let mut closed = true;
            let mut nullable_all = nullable;
            let mut other = None;
            let mut listed: Vec<&str> = Vec::new();
            for part in all_of {
                let pv = view_at(spec, SRef::Plain(part), depth + 1)?;
                nullable_all |= pv.nullable;
                match pv.kind {
                    Kind::Object {
                        props: p,
                        required: r,
                        additional: a,
                        closed: c,
                    } => {
                        closed &= c;
                        for (k, s) in p {
                            if !props.iter().any(|(n, _): &(&str, SRef)| *n == k) {
                                props.push((k, s));
                            }
                        }
                        required.extend(r);
                        additional = additional.or(a);
                    }
                    Kind::Any => {
                        closed = false;
                        // A part that only lists what is required (DigitalOcean's
                        // `{ required: [type, name, data] }` beside the properties).
                        if let Ok((
                            Schema {
                                schema_kind: SchemaKind::Any(a),
                                ..
                            },
                            _,
                        )) = spec.resolve_schema(part)
                        {
                            listed.extend(a.required.iter().map(String::as_str));
                        }
                    }
                    k => other = Some(k),
                }
            }
            // Of the bare lists, the names some part declares.
            required.extend(
                listed
                    .into_iter()
                    .filter(|n| props.iter().any(|(p, _): &(&str, SRef)| p == n)),
            );
            let kind = match other {
                Some(k) if props.is_empty() => k,
                _ => Kind::Object {
                    props,
                    required,
                    additional,
                    closed,
                },
            };
            View {
                name,
                nullable: nullable_all,
                kind,
                integer_text: false,
            }
        }
        SchemaKind::AnyOf { any_of: parts } | SchemaKind::OneOf { one_of: parts } => {
            if parts.len() == 1 {
                let mut inner = view_at(spec, SRef::Plain(&parts[0]), depth + 1)?;
                inner.nullable |= nullable;
                return Ok(inner);
            }
            View {
                name,
                nullable,
                kind: Kind::Union(parts.iter().map(SRef::Plain).collect()),
                integer_text: false,
            }
        }
        SchemaKind::Not { .. } | SchemaKind::Any(_) => View {
            name,
            nullable,
            integer_text: false,
            kind: any_kind(schema),
        },
    };
    if v.name.is_none() {
        v.name = name;
    }
    Ok(v)
}

/// openapiv3 puts schemas with no `type` but with `properties` into `Any`.
fn any_kind(schema: &Schema) -> Kind<'_> {
    if let SchemaKind::Any(a) = &schema.schema_kind {
        if !a.properties.is_empty() {
            return Kind::Object {
                props: a
                    .properties
                    .iter()
                    .map(|(k, v)| (k.as_str(), SRef::Boxed(v)))
                    .collect(),
                required: a.required.iter().map(String::as_str).collect(),
                additional: match &a.additional_properties {
                    Some(openapiv3::AdditionalProperties::Schema(s)) => Some(SRef::Plain(s)),
                    _ => None,
                },
                closed: matches!(
                    a.additional_properties,
                    Some(openapiv3::AdditionalProperties::Any(false))
                ),
            };
        }
        if let Some(items) = &a.items {
            return Kind::Array(Some(SRef::Boxed(items)));
        }
        if !a.one_of.is_empty() {
            return Kind::Union(a.one_of.iter().map(SRef::Plain).collect());
        }
        if !a.any_of.is_empty() {
            return Kind::Union(a.any_of.iter().map(SRef::Plain).collect());
        }
        // An `enum` says what its values are even without a `type` (Vercel's
        // `items: { enum: [production, preview] }`); a null among them is nullability.
        let listed: Vec<&serde_json::Value> =
            a.enumeration.iter().filter(|v| !v.is_null()).collect();
        let texts: Option<Vec<String>> = listed
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect();
        let codes: Option<Vec<i64>> = listed.iter().map(|v| v.as_i64()).collect();
        match a.typ.as_deref() {
            Some("string") => {
                return Kind::Str {
                    values: texts.unwrap_or_default(),
                };
            }
            Some("integer") => {
                return Kind::Int {
                    values: codes.unwrap_or_default(),
                };
            }
            Some("number") => return Kind::Num,
            Some("boolean") => return Kind::Bool,
            Some(_) => {}
            None if listed.is_empty() => {}
            None => {
                if let Some(values) = texts {
                    return Kind::Str { values };
                }
                if let Some(values) = codes {
                    return Kind::Int { values };
                }
                if listed.iter().all(|v| v.is_boolean()) {
                    return Kind::Bool;
                }
                if listed.iter().all(|v| v.is_number()) {
                    return Kind::Num;
                }
            }
        }
    }
    Kind::Any
}

fn kind_of_type(t: &Type) -> Kind<'_> {
    match t {
        Type::String(s) => Kind::Str {
            values: s.enumeration.iter().flatten().cloned().collect(),
        },
        Type::Integer(i) => Kind::Int {
            values: i.enumeration.iter().flatten().copied().collect(),
        },
        Type::Number(_) => Kind::Num,
        Type::Boolean(_) => Kind::Bool,
        Type::Array(a) => Kind::Array(a.items.as_ref().map(SRef::Boxed)),
        Type::Object(o) => Kind::Object {
            props: o
                .properties
                .iter()
                .map(|(k, v)| (k.as_str(), SRef::Boxed(v)))
                .collect(),
            required: o.required.iter().map(String::as_str).collect(),
            additional: match &o.additional_properties {
                Some(openapiv3::AdditionalProperties::Schema(s)) => Some(SRef::Plain(s)),
                _ => None,
            },
            closed: matches!(
                o.additional_properties,
                Some(openapiv3::AdditionalProperties::Any(false))
            ),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;

    pub(crate) fn spec(schemas: &str) -> Spec {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{ title: T, version: \"1\" }}\npaths: {{}}\ncomponents:\n  schemas:\n{schemas}"
        );
        Spec::from_bytes(Path::new("t.yaml"), text.as_bytes()).expect("spec")
    }

    /// Box's entries: a file, a folder or a link, read as one object.
    #[test]
    fn a_union_of_objects_reads_as_one_object_with_merged_values() {
        let s = spec(
            "    File: { type: object, required: [id, type], properties: { id: { type: string }, type: { type: string, enum: [file] }, sha1: { type: string } } }\n    Folder: { type: object, required: [id, type], properties: { id: { type: string }, type: { type: string, enum: [folder] }, name: { type: string } } }\n    Free: { type: object, required: [type], properties: { type: { type: string } } }\n    Numbered: { type: object, properties: { id: { type: integer } } }\n    Entry: { oneOf: [ { $ref: \"#/components/schemas/File\" }, { $ref: \"#/components/schemas/Folder\" } ] }\n    Mixed: { oneOf: [ { $ref: \"#/components/schemas/File\" }, { type: string } ] }\n",
        );
        let parts = |name: &str| {
            let v = view(&s, SRef::Plain(s.schema_named(name).expect("schema"))).expect("view");
            let Kind::Union(parts) = v.kind else {
                panic!("{name} is a union");
            };
            parts
        };
        let entry = parts("Entry");
        let merged = merged_objects(&s, &entry).expect("objects");
        let Kind::Object {
            props, required, ..
        } = &merged.kind
        else {
            panic!("an object");
        };
        let names: Vec<&str> = props.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["id", "type", "sha1", "name"]);
        assert_eq!(required.iter().copied().collect::<Vec<_>>(), ["id", "type"]);
        let Some(View {
            kind: Kind::Str { values },
            ..
        }) = merged_property(&s, &entry, "type")
        else {
            panic!("a string");
        };
        assert_eq!(values, ["file", "folder"]);
        assert!(
            merged_objects(&s, &parts("Mixed")).is_none(),
            "a string variant"
        );
        assert_eq!(merged_conflict(&s, &entry, "type"), None);
        let numbered = [
            entry[0],
            SRef::Plain(s.schema_named("Numbered").expect("Numbered")),
        ];
        assert_eq!(
            merged_conflict(&s, &numbered, "id"),
            Some(("a string", "an integer"))
        );
        // A variant that takes any text leaves the merged field free.
        let free = [entry[0], SRef::Plain(s.schema_named("Free").expect("Free"))];
        assert!(matches!(
            merged_property(&s, &free, "type").map(|v| v.kind),
            Some(Kind::Str { values }) if values.is_empty()
        ));
    }

    /// Integer codes merge as strings do: a variant's kind code each (`kind: 1` for a
    /// user, `kind: 2` for a bot), any code when one variant leaves it free.
    #[test]
    fn a_union_of_objects_merges_integer_codes() {
        let s = spec(
            "    User: { type: object, properties: { kind: { type: integer, enum: [1] } } }\n    Bot: { type: object, properties: { kind: { type: integer, enum: [2, 3] } } }\n    Any: { type: object, properties: { kind: { type: integer } } }\n",
        );
        let part = |name: &str| SRef::Plain(s.schema_named(name).expect("schema"));
        assert!(matches!(
            merged_property(&s, &[part("User"), part("Bot")], "kind").map(|v| v.kind),
            Some(Kind::Int { values }) if values == [1, 2, 3]
        ));
        assert!(matches!(
            merged_property(&s, &[part("User"), part("Any")], "kind").map(|v| v.kind),
            Some(Kind::Int { values }) if values.is_empty()
        ));
    }

    /// Vercel's env targets: `items: { enum: [...] }` with no `type` are strings.
    #[test]
    fn an_enum_without_a_type_has_the_kind_of_its_values() {
        let s = spec(
            "    Target: { enum: [production, preview, null] }\n    Code: { enum: [1, 2, 8] }\n    Flag: { enum: [true] }\n    Ratio: { enum: [0.5, 1] }\n    Mixed: { enum: [a, 1] }\n",
        );
        let kind = |name: &str| {
            view(&s, SRef::Plain(s.schema_named(name).expect("schema")))
                .expect("view")
                .kind
        };
        assert!(
            matches!(kind("Target"), Kind::Str { values } if values == ["production", "preview"])
        );
        assert!(matches!(kind("Code"), Kind::Int { values } if values == [1, 2, 8]));
        assert!(matches!(kind("Flag"), Kind::Bool));
        assert!(matches!(kind("Ratio"), Kind::Num));
        assert!(matches!(kind("Mixed"), Kind::Any));
    }

    #[test]
    fn all_of_merges_and_one_variant_unions_unwrap() {
        let s = spec(
            "    Base: { type: object, required: [id], properties: { id: { type: string } } }\n    Full:\n      allOf:\n        - $ref: \"#/components/schemas/Base\"\n        - { type: object, properties: { n: { type: integer } } }\n    One: { oneOf: [ { $ref: \"#/components/schemas/Base\" } ], nullable: true }\n",
        );
        let full = view(&s, SRef::Plain(s.schema_named("Full").expect("Full"))).expect("view");
        let Kind::Object {
            props, required, ..
        } = &full.kind
        else {
            panic!("an object: {}", full.describe());
        };
        let names: Vec<&str> = props.iter().map(|(n, _)| *n).collect();
        assert_eq!((names, required.contains("id")), (vec!["id", "n"], true));
        let one = view(&s, SRef::Plain(s.schema_named("One").expect("One"))).expect("view");
        assert_eq!((one.name, one.nullable), (Some("Base"), true));
        // `allOf` of one `$ref` is that schema: it keeps the name of the schema it refers to.
        let wrapped = spec(
            "    Base: { type: object, properties: { id: { type: string } } }\n    Holder:\n      type: object\n      properties:\n        base: { allOf: [ { $ref: \"#/components/schemas/Base\" } ], nullable: true }\n",
        );
        let holder = view(
            &wrapped,
            SRef::Plain(wrapped.schema_named("Holder").expect("Holder")),
        )
        .expect("view");
        let Kind::Object { props, .. } = &holder.kind else {
            panic!("an object");
        };
        let base = view(&wrapped, props[0].1).expect("view");
        assert_eq!((base.name, base.nullable), (Some("Base"), true));
        let named = view(
            &wrapped,
            SRef::Component("Base", wrapped.schema_named("Base").expect("Base")),
        )
        .expect("view");
        assert_eq!(named.name, Some("Base"));
        assert_eq!(
            object_fields(&s, s.schema_named("Base").expect("Base"))[0].0,
            "id"
        );
    }
}

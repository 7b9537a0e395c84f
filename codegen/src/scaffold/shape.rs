//! What a vendor value is (for hints that name its real shape) and whether a domain
//! type fits it exactly, in the direction a request sends and a response reads. The
//! rules are the planner's (`plan/args.rs`, `plan/leaf.rs`), minus everything that
//! needs a `via:`: scaffold writes a line only when the planner takes it as it is.

use crate::load::openapi::Spec;
use crate::load::port::{DomainStruct, INTEGERS, Port, Ty, VariantShape};
use crate::plan::variants::folded;
use crate::spec::view::{Kind, View, view};

/// Names compared the way a person would: `orderId`, `OrderID` and `order_id` are one name.
pub(super) fn norm(name: &str) -> String {
    heck::ToSnakeCase::to_snake_case(name)
}

/// The shape of a vendor value, for a hint: "a string", "an array of objects",
/// "a union (oneOf/anyOf) of string, object", "an object with fields a, b".
pub(super) fn describe(spec: &Spec, v: &View<'_>) -> String {
    match &v.kind {
        Kind::Object { props, .. } if !props.is_empty() => {
            let names: Vec<&str> = props.iter().map(|(n, _)| *n).collect();
            format!("an object with fields {}", list(&names, 8))
        }
        Kind::Object { .. } => "an object".to_string(),
        Kind::Str { values } if !values.is_empty() => {
            let vs: Vec<&str> = values.iter().map(String::as_str).collect();
            format!("a string, one of {}", list(&vs, 8))
        }
        Kind::Array(Some(item)) => match view(spec, *item) {
            Ok(iv) => format!("an array of {}", plural(&iv.kind)),
            Err(_) => "an array".to_string(),
        },
        Kind::Union(parts) => {
            let mut names: Vec<&str> = parts
                .iter()
                .map(|p| match view(spec, *p) {
                    Ok(pv) => pv.name.unwrap_or(word(&pv.kind)),
                    Err(_) => "?",
                })
                .collect();
            names.dedup();
            format!("a union (oneOf/anyOf) of {}", names.join(", "))
        }
        _ => v.describe().to_string(),
    }
}

fn word(k: &Kind<'_>) -> &'static str {
    match k {
        Kind::Object { .. } => "object",
        Kind::Str { .. } => "string",
        Kind::Int { .. } => "integer",
        Kind::Num => "number",
        Kind::Bool => "boolean",
        Kind::Array(_) => "array",
        Kind::Union(_) => "union",
        Kind::Any => "untyped value",
    }
}

fn plural(k: &Kind<'_>) -> &'static str {
    match k {
        Kind::Object { .. } => "objects",
        Kind::Str { .. } => "strings",
        Kind::Int { .. } => "integers",
        Kind::Num => "numbers",
        Kind::Bool => "booleans",
        Kind::Array(_) => "arrays",
        Kind::Union(_) => "unions",
        Kind::Any => "untyped values",
    }
}

/// `a, b, c` or `a, b, c, … (12 in all)`.
pub(super) fn list(names: &[&str], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!("{}, … ({} in all)", names[..max].join(", "), names.len())
    }
}

/// How a domain type reads in a hint: `RepoRef (a struct)`, `Option<String>`.
pub(super) fn domain_word(port: &Port, ty: &Ty) -> String {
    let ty = ty.without_refs();
    match ty {
        Ty::Named(n) if port.enums.contains_key(n) => format!("{n} (an enum)"),
        Ty::Named(n) => match port.structs.get(n) {
            Some(DomainStruct::Named(_)) => format!("{n} (a struct)"),
            Some(DomainStruct::Newtype(inner)) => format!("{n} (a newtype of {inner})"),
            _ => n.clone(),
        },
        other => other.to_string(),
    }
}

/// Newtypes unwrapped, as the planner does when the vendor wants the inside.
fn inside<'t>(port: &'t Port, mut ty: &'t Ty) -> &'t Ty {
    for _ in 0..4 {
        match ty.without_refs() {
            Ty::Named(n) => match port.structs.get(n) {
                Some(DomainStruct::Newtype(inner)) => ty = inner,
                _ => break,
            },
            _ => break,
        }
    }
    ty.without_refs()
}

fn scalar_sends(name: &str, kind: &Kind<'_>) -> bool {
    matches!(
        (kind, name),
        (Kind::Str { .. }, "String" | "str")
            | (
                Kind::Int { .. },
                "i64"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "usize"
                    | "isize"
                    | "i128"
                    | "u128"
            )
            | (
                Kind::Num,
                "f64" | "f32" | "i8" | "i16" | "i32" | "u8" | "u16" | "u32"
            )
            | (Kind::Bool, "bool")
    )
}

/// Whether the domain enum `name` goes into a string slot by its variants' names alone
/// (the planner's rule: each unit variant named like exactly one of the spec's values,
/// a variant carrying one `String` sending its text).
fn enum_sends(port: &Port, name: &str, kind: &Kind<'_>) -> bool {
    let (Some(variants), Kind::Str { values }) = (port.enums.get(name), kind) else {
        return false;
    };
    !values.is_empty()
        && variants.iter().all(|(variant, shape)| match shape {
            VariantShape::Unit => {
                values
                    .iter()
                    .filter(|v| folded(v) == folded(variant))
                    .count()
                    == 1
            }
            VariantShape::Tuple(t) => t.len() == 1 && t[0] == Ty::Named("String".into()),
            VariantShape::Struct => false,
        })
}

/// Whether a domain value of type `ty` can be sent as it is into a wire slot of view
/// `v` (`wire_required`: the vendor requires the slot); otherwise what the type is, in
/// words, for "…, but the argument is {it}".
pub(super) fn sends(
    spec: &Spec,
    port: &Port,
    ty: &Ty,
    v: &View<'_>,
    wire_required: bool,
) -> Result<(), String> {
    let (optional, inner) = match inside(port, ty) {
        Ty::Option(inner) => (true, inside(port, inner)),
        t => (false, t),
    };
    if optional && wire_required {
        return Err(format!(
            "{}, which may be None where the vendor requires a value",
            domain_word(port, ty)
        ));
    }
    let fits = match (inner, &v.kind) {
        // A union takes a scalar that fits one of its variants (Vercel's `idOrName`,
        // a string or a boolean, takes a `&str`), as the planner sends it.
        (Ty::Named(n), Kind::Union(parts)) => parts.iter().any(|p| {
            view(spec, *p)
                .is_ok_and(|pv| !matches!(pv.kind, Kind::Union(_)) && scalar_sends(n, &pv.kind))
        }),
        // An untyped slot takes any plain value.
        (Ty::Named(n), Kind::Any) => crate::plan::args::JSON_SCALARS.contains(&n.as_str()),
        (Ty::Named(n), k) => {
            scalar_sends(n, k)
                || enum_sends(port, n, k)
                || (v.integer_text && INTEGERS.contains(&n.as_str()))
        }
        // Items as they are: the planner reads a newtype through only as a value of
        // its own, not inside a list (a Vec<LabelId> goes through `via:`).
        (Ty::Vec(item), Kind::Array(Some(wire_item))) => {
            match (item.without_refs(), view(spec, *wire_item)) {
                (Ty::Named(n), Ok(iv)) => {
                    scalar_sends(n, &iv.kind) || enum_sends(port, n, &iv.kind)
                }
                _ => false,
            }
        }
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(domain_word(port, ty))
    }
}

/// How a vendor value becomes a domain field, when it can without a `via:`.
#[derive(Debug)]
pub(super) enum Reads<'a> {
    /// As it is (scalars, newtypes of them, lists of them).
    Plain,
    /// Into a domain enum, through `values:`; the vendor's listed values.
    Enum(String, Vec<String>),
    /// Into a domain struct with its own `types:` entry, built from these vendor views.
    Nested(String, View<'a>),
}

fn scalar_reads(name: &str, kind: &Kind<'_>) -> bool {
    matches!(
        (name, kind),
        ("String", Kind::Str { .. })
            | (
                "i64" | "i8" | "i16" | "i32" | "u8" | "u16" | "u32" | "u64" | "usize",
                Kind::Int { .. }
            )
            | ("f64", Kind::Num | Kind::Int { .. })
            | ("bool", Kind::Bool)
    )
}

/// Whether the vendor value of view `v` reads into the domain type `ty` as it is (an
/// `Option` is taken off first by the caller); the reason it does not otherwise.
pub(super) fn reads<'a>(
    spec: &'a Spec,
    port: &Port,
    ty: &Ty,
    v: &View<'a>,
) -> Result<Reads<'a>, String> {
    let no = || {
        format!(
            "the vendor sends {}, which is not {}",
            describe(spec, v),
            domain_word(port, ty)
        )
    };
    match inside(port, ty) {
        Ty::Named(n) if port.enums.contains_key(n) => match &v.kind {
            Kind::Str { values } => Ok(Reads::Enum(n.clone(), values.clone())),
            _ => Err(no()),
        },
        Ty::Named(n) => match (port.structs.get(n), &v.kind) {
            (Some(DomainStruct::Named(_)), Kind::Object { .. }) => {
                Ok(Reads::Nested(n.clone(), v.clone()))
            }
            (None, k) if scalar_reads(n, k) => Ok(Reads::Plain),
            // Decimal text (`format: int64`) is parsed into any integer.
            (None, Kind::Str { .. }) if v.integer_text && INTEGERS.contains(&n.as_str()) => {
                Ok(Reads::Plain)
            }
            _ => Err(no()),
        },
        Ty::Vec(item) => match &v.kind {
            Kind::Array(Some(wire_item)) => {
                let iv = view(spec, *wire_item).map_err(|_| no())?;
                let each = reads(spec, port, item, &iv).map_err(|_| {
                    format!(
                        "the vendor sends {} (each {}), which is not {}",
                        describe(spec, v),
                        describe(spec, &iv),
                        domain_word(port, ty)
                    )
                })?;
                match each {
                    Reads::Plain => Ok(Reads::Plain),
                    Reads::Nested(n, iv) => Ok(Reads::Nested(n, iv)),
                    // An enum per item needs `values:` on a list, which the planner reads item by item.
                    Reads::Enum(..) => Err(no()),
                }
            }
            _ => Err(no()),
        },
        _ => Err(no()),
    }
}

/// The catch-all of a domain enum: its one variant that carries a `String`, else a unit
/// variant named for what is not known.
pub(super) fn catch_all(variants: &[(String, VariantShape)]) -> Option<&str> {
    let carrying: Vec<&str> = variants
        .iter()
        .filter(|(_, s)| matches!(s, VariantShape::Tuple(t) if t.len() == 1 && t[0] == Ty::Named("String".into())))
        .map(|(n, _)| n.as_str())
        .collect();
    if let [one] = carrying.as_slice() {
        return Some(one);
    }
    variants
        .iter()
        .find(|(n, s)| *s == VariantShape::Unit && matches!(n.as_str(), "Unknown" | "Other"))
        .map(|(n, _)| n.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::view::SRef;
    use crate::spec::view::tests::spec;

    /// Hetzner's ids are integers and its user's `ServerId(u64)`: check sends every
    /// integer type into an integer slot (wider ones checked), so scaffold must not
    /// mark it.
    #[test]
    fn every_integer_type_is_sent_into_an_integer_as_check_sends_it() {
        for name in [
            "i8", "i16", "i32", "i64", "isize", "i128", "u8", "u16", "u32", "u64", "usize", "u128",
        ] {
            assert!(scalar_sends(name, &Kind::Int { values: vec![] }), "{name}");
        }
        assert!(!scalar_sends("String", &Kind::Int { values: vec![] }));
    }

    #[test]
    fn hints_name_arrays_unions_and_objects() {
        let s = spec(
            "    T:\n      type: object\n      properties:\n        labels: { type: array, items: { type: object, properties: { name: { type: string } } } }\n        title: { oneOf: [ { type: string }, { type: integer } ] }\n        owner: { type: object, properties: { login: { type: string }, id: { type: integer } } }\n        state: { type: string, enum: [open, closed] }\n",
        );
        let t = view(&s, SRef::Plain(s.schema_named("T").expect("T"))).expect("view");
        let Kind::Object { props, .. } = &t.kind else {
            panic!("an object");
        };
        let said: Vec<String> = props
            .iter()
            .map(|(_, p)| describe(&s, &view(&s, *p).expect("view")))
            .collect();
        assert_eq!(
            said,
            [
                "an array of objects",
                "a union (oneOf/anyOf) of string, integer",
                "an object with fields login, id",
                "a string, one of open, closed",
            ]
        );
    }

    #[test]
    fn a_catch_all_is_the_variant_that_keeps_the_value_or_is_named_unknown() {
        let unit = |n: &str| (n.to_string(), VariantShape::Unit);
        let keeps = |n: &str| {
            (
                n.to_string(),
                VariantShape::Tuple(vec![Ty::Named("String".into())]),
            )
        };
        assert_eq!(catch_all(&[unit("Paid"), keeps("Vendor")]), Some("Vendor"));
        assert_eq!(catch_all(&[unit("Paid"), unit("Unknown")]), Some("Unknown"));
        assert_eq!(catch_all(&[unit("Paid"), unit("Failed")]), None);
        assert_eq!(catch_all(&[keeps("A"), keeps("B")]), None);
    }
}

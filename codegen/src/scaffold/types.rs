//! The `types:` entries: each domain struct a response becomes, field by field, from
//! every vendor schema it is built from (a type returned by two operations, or nested
//! in another, must read the same way from each).

use super::Request;
use super::out::{Out, PLACEHOLDER, yaml_key};
use super::shape::{Reads, catch_all, describe, domain_word, list, norm, reads};
use crate::load::port::{DomainStruct, Field, Ty, VariantShape};
use crate::spec::view::{Kind, View, view};
use heck::ToUpperCamelCase;
use std::collections::BTreeSet;

/// The vendor schemas each domain struct is built from, in the order they were met.
#[derive(Debug, Default)]
pub(super) struct Uses<'a> {
    types: Vec<(String, Vec<Use<'a>>)>,
}

#[derive(Debug)]
struct Use<'a> {
    /// Where the schema was met, for messages and to tell inline schemas apart.
    origin: String,
    view: View<'a>,
}

impl<'a> Uses<'a> {
    /// Records that `ty` is built from `v` (met at `origin`); false when already known.
    pub(super) fn add(&mut self, ty: &str, v: View<'a>, origin: &str) -> bool {
        let key = |u: &Use<'_>| u.view.name.map(str::to_string).unwrap_or(u.origin.clone());
        let new = Use {
            origin: origin.to_string(),
            view: v,
        };
        let k = key(&new);
        match self.types.iter_mut().find(|(t, _)| t == ty) {
            Some((_, list)) if list.iter().any(|u| key(u) == k) => false,
            Some((_, list)) => {
                list.push(new);
                true
            }
            None => {
                self.types.push((ty.to_string(), vec![new]));
                true
            }
        }
    }
}

/// What one domain field is read from, decided over every schema of its type.
enum Plan<'a> {
    /// A field of the same name that reads as it is; `absent`: it may be missing or null.
    Read {
        wire: String,
        // Boxed: a nested struct's view is large, and `Gap` is the common answer.
        reads: Box<Reads<'a>>,
        absent: bool,
        /// The `default` every response's schema states for the field: what its absence
        /// means, by the vendor's own word.
        spec_default: Option<serde_json::Value>,
    },
    /// One field of every object of a list (`{ from: labels, each: name }`).
    Each {
        wire: String,
        each: String,
        absent: bool,
    },
    /// No certain source: why, for the FIXME.
    Gap(String),
}

/// Writes `types:`, after finding the nested structs every entry needs.
pub(super) fn write<'a>(r: &Request<'a>, mut uses: Uses<'a>, out: &mut Out) {
    // Nested domain structs get entries of their own: find them all first, since a
    // schema found later may add to an entry that would already be written.
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    loop {
        let next = uses.types.iter().enumerate().find_map(|(t, (_, list))| {
            (0..list.len())
                .find(|u| !seen.contains(&(t, *u)))
                .map(|u| (t, u))
        });
        let Some((t, u)) = next else { break };
        seen.insert((t, u));
        let name = uses.types[t].0.clone();
        let Some(DomainStruct::Named(fields)) = r.port.structs.get(&name) else {
            continue;
        };
        let one = &uses.types[t].1[u];
        let (origin, v) = (one.origin.clone(), one.view.clone());
        let mut found = Vec::new();
        for f in fields {
            if let Plan::Read { wire, reads, .. } = plan(r, f, std::slice::from_ref(&v)) {
                if let Reads::Nested(n, iv) = *reads {
                    found.push((n, iv, format!("{origin}.{wire}")));
                }
            }
        }
        for (n, iv, at) in found {
            uses.add(&n, iv, &at);
        }
    }
    if uses.types.is_empty() {
        return;
    }
    out.line("types:");
    for (name, list) in &uses.types {
        let Some(DomainStruct::Named(fields)) = r.port.structs.get(name) else {
            continue;
        };
        let views: Vec<View<'a>> = list.iter().map(|u| u.view.clone()).collect();
        out.line(&format!("  {name}:"));
        let names: BTreeSet<Option<&str>> = views.iter().map(|v| v.name).collect();
        if let [Some(from)] = names.into_iter().collect::<Vec<_>>().as_slice() {
            out.line(&format!("    from: {}", yaml_key(from)));
        }
        out.line("    fields:");
        for f in fields {
            field(r, name, f, &views, out);
        }
    }
}

/// Words vendors use for the person who made a thing, where the domain says another
/// (Gitea's `user.login` for an issue's `author`).
const PERSON: &[&str] = &[
    "author",
    "user",
    "creator",
    "created_by",
    "owner",
    "reporter",
    "submitter",
    "sender",
    "poster",
];

/// Whether two snake-case names both say who made the thing.
fn same_person(a: &str, b: &str) -> bool {
    a != b && PERSON.contains(&a) && PERSON.contains(&b)
}

fn plan<'a>(r: &Request<'a>, f: &Field, views: &[View<'a>]) -> Plan<'a> {
    let inner = match f.ty.without_refs() {
        Ty::Option(i) => i.without_refs().clone(),
        t => t.clone(),
    };
    let optional = matches!(f.ty.without_refs(), Ty::Option(_));
    let mut wire: Option<&str> = None;
    let mut absent = false;
    let mut result: Option<Reads<'a>> = None;
    let mut enum_values: Vec<String> = Vec::new();
    // `Some(None)` once a response states no default.
    let mut spec_default: Option<Option<serde_json::Value>> = None;
    for v in views {
        let Kind::Object {
            props, required, ..
        } = &v.kind
        else {
            return Plan::Gap(format!(
                "the vendor sends {}, which has no fields",
                describe(r.spec, v)
            ));
        };
        let exact: Vec<&str> = props
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| *n == f.name)
            .collect();
        let same: Vec<&str> = props
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| norm(n) == norm(&f.name))
            .collect();
        let name = match (exact.as_slice(), same.as_slice()) {
            ([e], _) => *e,
            ([], [one]) => *one,
            ([], []) => {
                let mut fitting: Vec<&str> = props
                    .iter()
                    .filter(|(_, p)| {
                        view(r.spec, *p).is_ok_and(|pv| reads(r.spec, r.port, &inner, &pv).is_ok())
                    })
                    .map(|(n, _)| *n)
                    .collect();
                // Names that hold the field's own come first, the closest first
                // (Vercel's `uid` for `id`, before `connectConfigurationId`): the list
                // is cut at eight, and the likely one must not be cut off.
                let own = norm(&f.name);
                fitting.sort_by_key(|n| {
                    let n = norm(n);
                    (!n.contains(&own), n.contains(&own).then_some(n.len()))
                });
                let of = v.name.unwrap_or("the vendor's object");
                // An envelope: the object the type is, one level down (`{ "customer": {…} }`).
                // Or a nested object's field (`server_type.cores`): the path reads it.
                let wrapped: Vec<(&str, &str)> = props
                    .iter()
                    .filter_map(|(n, p)| {
                        let pv = view(r.spec, *p).ok()?;
                        let Kind::Object { props, .. } = &pv.kind else {
                            return None;
                        };
                        let (inner, _) = props.iter().find(|(i, _)| norm(i) == norm(&f.name))?;
                        Some((*n, *inner))
                    })
                    .collect();
                if let [(one, inner)] = wrapped.as_slice() {
                    return Plan::Gap(format!(
                        "{of} has no field named {}, but its object {one} has: read it as `{}: {one}.{inner}` (or, if the whole answer wraps the object, add `unwrap: {one}` to the operation)",
                        f.name, f.name
                    ));
                }
                // Inside an object named like the field (CircleCI's
                // `previous_successful_build.build_num` for `previous_success`): its
                // fields that fit, as paths.
                let nested: Vec<String> = props
                    .iter()
                    .filter(|(n, _)| {
                        let n = norm(n);
                        n.contains(&own) || own.contains(&n) || same_person(&n, &own)
                    })
                    .filter_map(|(n, p)| {
                        let pv = view(r.spec, *p).ok()?;
                        let Kind::Object { props, .. } = &pv.kind else {
                            return None;
                        };
                        Some(
                            props
                                .iter()
                                .filter(|(_, ip)| {
                                    view(r.spec, *ip)
                                        .is_ok_and(|iv| reads(r.spec, r.port, &inner, &iv).is_ok())
                                })
                                .map(|(i, _)| format!("{n}.{i}"))
                                .collect::<Vec<_>>(),
                        )
                    })
                    .flatten()
                    .collect();
                return Plan::Gap(if !nested.is_empty() {
                    let nested: Vec<&str> = nested.iter().map(String::as_str).collect();
                    let here = if fitting.is_empty() {
                        String::new()
                    } else {
                        format!("; beside it: {}", list(&fitting, 8))
                    };
                    format!(
                        "{of} has no field named {}; inside the object named like it, fields that fit: {}{here}",
                        f.name,
                        list(&nested, 8)
                    )
                } else if fitting.is_empty() {
                    format!(
                        "{of} has no field named {}, and none reads into {} as it is: combine fields with {{ from: [a, b], via: path::to::fn }}",
                        f.name,
                        domain_word(r.port, &f.ty)
                    )
                } else {
                    format!(
                        "{of} has no field named {}; fields that fit: {}",
                        f.name,
                        list(&fitting, 8)
                    )
                });
            }
            _ => {
                return Plan::Gap(format!(
                    "several vendor fields are named like {}: {}",
                    f.name,
                    same.join(", ")
                ));
            }
        };
        if wire.is_some_and(|w| w != name) {
            return Plan::Gap(format!(
                "the vendor calls {} differently in different responses ({}, {name})",
                f.name,
                wire.unwrap_or_default()
            ));
        }
        wire = Some(name);
        let Some((_, p)) = props.iter().find(|(n, _)| *n == name) else {
            return Plan::Gap(format!("{name} cannot be read"));
        };
        let Ok(pv) = view(r.spec, *p) else {
            return Plan::Gap(format!("the schema of {name} cannot be read"));
        };
        absent |= !required.contains(name) || pv.nullable;
        let stated = stated_default(r, *p);
        spec_default = match spec_default {
            None => Some(stated),
            Some(prev) if prev == stated => Some(prev),
            Some(_) => Some(None),
        };
        let read = match (&pv.kind, &inner) {
            // Integer codes into an enum: the codes to map, as `values:` writes them.
            (Kind::Int { values: codes }, Ty::Named(n)) if r.port.enums.contains_key(n) => {
                if codes.is_empty() {
                    reads(r.spec, r.port, &inner, &pv)
                } else {
                    Ok(Reads::Enum(
                        n.clone(),
                        codes.iter().map(i64::to_string).collect(),
                    ))
                }
            }
            _ => reads(r.spec, r.port, &inner, &pv),
        };
        match read {
            Ok(Reads::Enum(n, values)) => {
                for value in values {
                    if !enum_values.contains(&value) {
                        enum_values.push(value);
                    }
                }
                result = Some(Reads::Enum(n, Vec::new()));
            }
            Ok(other) => {
                if let Some(prev) = &result {
                    if std::mem::discriminant(prev) != std::mem::discriminant(&other) {
                        return Plan::Gap(format!(
                            "{name} has different shapes in different responses"
                        ));
                    }
                }
                result = Some(other);
            }
            Err(why) => {
                // A list of objects into a Vec of plain values: one field of each item.
                match each_field(r, &inner, name, &pv) {
                    Some(Ok(each)) => {
                        return Plan::Each {
                            wire: name.to_string(),
                            each: each.to_string(),
                            absent: absent && !optional,
                        };
                    }
                    Some(Err(way)) => return Plan::Gap(format!("{name}: {why}: {way}")),
                    None => {}
                }
                // An object with exactly one field that reads as the domain field
                // (Spotify's `tracks: { href, total }` into a count): name that path.
                let inside: Vec<&str> = match &pv.kind {
                    Kind::Object { props, .. } => props
                        .iter()
                        .filter(|(_, s)| {
                            view(r.spec, *s).is_ok_and(|v| {
                                matches!(reads(r.spec, r.port, &inner, &v), Ok(Reads::Plain))
                            })
                        })
                        .map(|(n, _)| *n)
                        .collect(),
                    _ => Vec::new(),
                };
                let way = match inside.as_slice() {
                    [one] => format!(
                        "read its field with `{name}.{}`, or convert it with {{ from: {name}, via: path::to::fn }}",
                        yaml_key(one)
                    ),
                    _ => format!("convert it with {{ from: {name}, via: path::to::fn }}"),
                };
                return Plan::Gap(format!("{name}: {why}: {way}"));
            }
        }
    }
    let (Some(wire), Some(reads)) = (wire, result) else {
        return Plan::Gap(format!("no vendor field for {}", f.name));
    };
    let reads = match reads {
        Reads::Enum(n, _) => Reads::Enum(n, enum_values),
        other => other,
    };
    Plan::Read {
        wire: wire.to_string(),
        reads: Box::new(reads),
        absent: absent && !optional,
        spec_default: spec_default.flatten(),
    }
}

/// For a domain `Vec` of plain values (`inner`, without its `Option`) and a vendor list
/// of objects: the item field every item has that reads into the Vec's items, when one
/// is certain (the only one, or the one named like an item's name or id), else the
/// FIXME's way forward; `None` when the shapes are something else.
fn each_field<'a>(
    r: &Request<'a>,
    inner: &Ty,
    wire: &str,
    vendor: &View<'a>,
) -> Option<Result<&'a str, String>> {
    // Names that say "this is what the item is called", in the order they are taken.
    const NAMES: &[&str] = &[
        "name",
        "login",
        "username",
        "slug",
        "key",
        "title",
        "display_name",
        "full_name",
        "nickname",
        "email",
        "id",
        "uuid",
        "account_id",
    ];
    // Fields that say what sort of thing every item is, the same for all of them
    // (Bitbucket's user `type: "user"`): never the one value to keep of each.
    const SORTS: &[&str] = &["type", "kind", "object", "resource_type"];
    let Ty::Vec(item_ty) = inner.without_refs() else {
        return None;
    };
    let Kind::Array(Some(item)) = &vendor.kind else {
        return None;
    };
    let iv = view(r.spec, *item).ok()?;
    let Kind::Object {
        props, required, ..
    } = &iv.kind
    else {
        return None;
    };
    // A Vec of Options takes items without the field as `None`.
    let (item_ty, options) = match item_ty.without_refs() {
        Ty::Option(t) => (t.without_refs(), true),
        t => (t, false),
    };
    let fitting: Vec<(&'a str, bool)> = props
        .iter()
        .filter_map(|(n, p)| {
            let pv = view(r.spec, *p).ok()?;
            matches!(reads(r.spec, r.port, item_ty, &pv), Ok(Reads::Plain))
                .then(|| (*n, options || (required.contains(n) && !pv.nullable)))
        })
        .collect();
    let always: Vec<&'a str> = fitting
        .iter()
        .filter(|(n, a)| *a && !SORTS.contains(n))
        .map(|(n, _)| *n)
        .collect();
    // The first of `candidates` that says what the item is called.
    let preferred = |candidates: &[&'a str]| {
        NAMES
            .iter()
            .find_map(|w| candidates.iter().find(|n| **n == *w).copied())
    };
    let named = preferred(&always);
    match (always.as_slice(), named) {
        (_, Some(n)) => Some(Ok(n)),
        ([n], None) => Some(Ok(*n)),
        ([], None) if fitting.is_empty() => None,
        ([], None) => {
            let names: Vec<&str> = fitting.iter().map(|(n, _)| *n).collect();
            // The suggestion is the item's name where it has one (Gitea's label `name`,
            // not `color`, which comes first), never its sort.
            let likely = preferred(&names)
                .or_else(|| names.iter().find(|n| !SORTS.contains(n)).copied())
                .unwrap_or(names[0]);
            Some(Err(format!(
                "its items' fields that fit ({}) may be absent: take one of every item with `{{ from: {wire}, each: {likely} }}` into a Vec of Options, or convert the list with `via:`",
                list(&names, 8),
            )))
        }
        (several, None) => Some(Err(format!(
            "read one field of every item with `each:` (`{{ from: {wire}, each: {} }}`); fields that fit: {}",
            several[0],
            list(several, 8)
        ))),
    }
}

/// The `default` the schema at `p` states (through references), if any.
fn stated_default(r: &Request<'_>, p: crate::spec::view::SRef<'_>) -> Option<serde_json::Value> {
    p.resolve(r.spec).ok()?.0.schema_data.default.clone()
}

/// The `default:` value for a domain scalar of type `ty` from the spec's stated default,
/// written as YAML, when the value is of that type.
fn scalar_default(ty: &Ty, value: &serde_json::Value) -> Option<String> {
    let Ty::Named(n) = ty.without_refs() else {
        return match (ty.without_refs(), value) {
            (Ty::Vec(_), serde_json::Value::Array(items)) if items.is_empty() => {
                Some("[]".to_string())
            }
            _ => None,
        };
    };
    match (n.as_str(), value) {
        ("String", serde_json::Value::String(s)) => Some(super::out::yaml_value(s)),
        ("bool", serde_json::Value::Bool(b)) => Some(b.to_string()),
        ("f64", serde_json::Value::Number(x)) => Some(x.to_string()),
        (int, serde_json::Value::Number(x)) => {
            // Only a value the type holds: a scaffolded line is one `check` takes.
            let v = x
                .as_i64()
                .map(i128::from)
                .or_else(|| x.as_u64().map(i128::from))?;
            let fits = match int {
                "i64" => true,
                "i32" => i32::try_from(v).is_ok(),
                "i16" => i16::try_from(v).is_ok(),
                "i8" => i8::try_from(v).is_ok(),
                "u32" => u32::try_from(v).is_ok(),
                "u16" => u16::try_from(v).is_ok(),
                "u8" => u8::try_from(v).is_ok(),
                "u64" | "usize" => u64::try_from(v).is_ok(),
                _ => false,
            };
            fits.then(|| x.to_string())
        }
        _ => None,
    }
}

fn field(r: &Request<'_>, ty: &str, f: &Field, views: &[View<'_>], out: &mut Out) {
    // The override's reason, for the person deciding the FIXME to replace or to
    // replace the override with.
    const REASON: &str = "\"unverified: the spec says it may be absent\"";
    let key = yaml_key(&f.name);
    let (wire, reads, absent, spec_default) = match plan(r, f, views) {
        Plan::Gap(why) => {
            out.fixme(&format!("      {key}: {PLACEHOLDER}"), &why);
            return;
        }
        Plan::Each { wire, each, absent } => {
            let path = yaml_key(&path_of(&wire));
            let each = yaml_key(&each);
            match absent {
                true => out.fixme(
                    &format!("      {key}: {{ from: {path}, each: {each}, required: true, reason: {REASON} }}"),
                    &format!("{wire} may be absent or null in the vendor's response, but {ty}.{} is required: make it an Option, give `default: []`, or keep `required: true` (failing the call when it is absent) and write in `reason:` why the vendor always sends it", f.name),
                ),
                false => out.line(&format!("      {key}: {{ from: {path}, each: {each} }}")),
            }
            return;
        }
        Plan::Read {
            wire,
            reads,
            absent,
            spec_default,
        } => (wire, *reads, absent, spec_default),
    };
    let path = yaml_key(&path_of(&wire));
    let may_be_absent = format!(
        "{wire} may be absent or null in the vendor's response, but {ty}.{} is required: make it an Option, give a `default:`, or keep `required: true` (failing the call when it is absent) and write in `reason:` why the vendor always sends it",
        f.name
    );
    let inner_ty = match f.ty.without_refs() {
        Ty::Option(i) => i.without_refs(),
        t => t,
    };
    let Reads::Enum(enum_name, values) = reads else {
        // Absent means the default the spec states: that is the vendor's word, certain.
        let stated = spec_default
            .as_ref()
            .filter(|_| absent)
            .and_then(|d| scalar_default(inner_ty, d));
        if let Some(d) = stated {
            out.line(&format!("      {key}: {{ from: {path}, default: {d} }}"));
            return;
        }
        match absent {
            true => out.fixme(
                &format!("      {key}: {{ from: {path}, required: true, reason: {REASON} }}"),
                &may_be_absent,
            ),
            false => out.line(&format!("      {key}: {path}")),
        }
        return;
    };
    let variants = r.port.enums.get(&enum_name).cloned().unwrap_or_default();
    // The spec's default, when it is a listed value a unit variant is named like.
    let default_variant = spec_default
        .as_ref()
        .filter(|_| absent)
        .and_then(serde_json::Value::as_str)
        .filter(|d| values.iter().any(|v| v == d))
        .and_then(|d| {
            let named = d.to_upper_camel_case();
            variants
                .iter()
                .find(|(n, s)| *n == named && *s == VariantShape::Unit)
                .map(|(n, _)| n.clone())
        });
    out.line(&format!("      {key}:"));
    match (absent, &default_variant) {
        (true, Some(v)) => {
            out.line(&format!("        from: {path}"));
            out.line(&format!("        default: {v}"));
        }
        (true, None) => {
            out.fixme(&format!("        from: {path}"), &may_be_absent);
            out.line("        required: true");
            out.line(&format!("        reason: {REASON}"));
        }
        (false, _) => out.line(&format!("        from: {path}")),
    }
    out.line("        values:");
    let mut unmatched = Vec::new();
    for v in &values {
        let named = v.to_upper_camel_case();
        let hit = variants
            .iter()
            .find(|(n, s)| *n == named && *s == VariantShape::Unit);
        match hit {
            Some((n, _)) => out.line(&format!("          {}: {n}", yaml_key(v))),
            None => unmatched.push(v.as_str()),
        }
    }
    let fallback = catch_all(&variants);
    let free = values.is_empty();
    // Integer codes never match a variant's name: each is the user's to map.
    let codes = !free && values.iter().all(|v| v.parse::<i64>().is_ok());
    match fallback {
        Some(c) => {
            if free {
                out.note(10, &format!("the spec lists no values for {wire} (a free string): map the values the vendor documents; any other reaches {c}"));
            } else if codes {
                out.note(
                    10,
                    &format!(
                        "the vendor sends integer codes {}: write `{}: <{enum_name} variant>` for each the domain tells apart; the rest reach {c}",
                        list(&unmatched, 12),
                        unmatched[0]
                    ),
                );
            } else if !unmatched.is_empty() {
                out.note(
                    10,
                    &format!(
                        "no {enum_name} variant is named like {}: they reach {c} until you map them",
                        list(&unmatched, 12)
                    ),
                );
            }
            out.line(&format!("          _: {c}"));
        }
        None if free || !unmatched.is_empty() => {
            let what = if free {
                format!("the spec lists no values for {wire} (a free string)")
            } else {
                format!(
                    "no {enum_name} variant is named like {}",
                    list(&unmatched, 12)
                )
            };
            out.fixme(
                &format!("          _: {PLACEHOLDER}"),
                &format!("{what}, and {enum_name} has no catch-all (a variant carrying a String, such as Unknown(String)): add one, or map every value"),
            );
        }
        None => {}
    }
}

/// A vendor name as a mapping path: a name with a dot goes in brackets.
fn path_of(name: &str) -> String {
    if name.contains('.') {
        format!("[{name}]")
    } else {
        name.to_string()
    }
}

//! Reading one vendor value: a dotted path walked from a response body, adding the
//! fields it passes to the wire structs.

use super::planner::Planner;
use super::*;
use crate::error::{Span, suggest};
use crate::ident::camel;
use crate::spec::view::{
    Kind, SRef, View, merged_conflict, merged_objects, merged_property, variant_with, view,
};

/// A step into a wire value.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The Rust field.
    pub field: String,
    /// The field is an `Option`.
    pub optional: bool,
    /// The field is a union: the union type and the variant to take.
    pub pick: Option<(String, String)>,
    /// The field is boxed.
    pub boxed: bool,
    /// Not a field but an index into the list the previous step read (`errors.0.code`).
    pub index: Option<usize>,
}

/// A read of one vendor value.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// The steps from the root.
    pub steps: Vec<Step>,
    /// `$.a.b` for messages.
    pub json_path: String,
}

impl Read {
    /// True when any step can be absent.
    pub fn may_be_absent(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.optional || s.pick.is_some() || s.index.is_some())
    }
}

impl Plan {
    /// The field `rust_name` of the wire struct `wire`; `None` when there is no such
    /// struct or field (or `wire` is a union).
    pub fn wire_field(&self, wire: &str, rust_name: &str) -> Option<&WireField> {
        match &self.wire.iter().find(|w| w.name == wire)?.kind {
            WireKind::Struct(fields) => fields.iter().find(|f| f.rust_name == rust_name),
            WireKind::Union { .. } => None,
        }
    }

    /// The wire type of the value after each step of `steps`, starting from the wire
    /// struct `root` (a union's variant type where a step picks one); `None` when a step
    /// names no field of the plan's wire types.
    pub fn wire_tys(&self, root: &str, steps: &[Step]) -> Option<Vec<WireTy>> {
        let find = |n: &str| self.wire.iter().find(|w| w.name == n);
        let mut cur = WireTy::Named(root.to_owned());
        let mut out = Vec::with_capacity(steps.len());
        for s in steps {
            if s.index.is_some() {
                cur = match cur {
                    WireTy::Vec(inner) => *inner,
                    _ => return None,
                };
                out.push(cur.clone());
                continue;
            }
            let (WireTy::Named(n) | WireTy::Boxed(n)) = &cur else {
                return None;
            };
            cur = self.wire_field(n, &s.field)?.ty.clone();
            if let Some((u, _)) = &s.pick {
                if let WireKind::Union { variant: (_, t) } = &find(u)?.kind {
                    cur = t.clone();
                }
            }
            out.push(cur.clone());
        }
        Some(out)
    }

    /// Whether the wire field of each step of `steps` is an `Option`, as the wire types
    /// finally are: another read may have loosened a field after this read was planned.
    pub fn wire_optionals(&self, root: &str, steps: &[Step]) -> Vec<bool> {
        let find = |n: &str| self.wire.iter().find(|w| w.name == n);
        let mut cur = WireTy::Named(root.to_owned());
        let mut out = Vec::with_capacity(steps.len());
        for s in steps {
            if s.index.is_some() {
                if let WireTy::Vec(inner) = cur {
                    cur = *inner;
                }
                out.push(s.optional);
                continue;
            }
            let field = match &cur {
                WireTy::Named(n) | WireTy::Boxed(n) => self.wire_field(n, &s.field),
                _ => None,
            };
            out.push(s.optional || field.is_some_and(|f| f.optional));
            cur = match field {
                Some(f) => f.ty.clone(),
                None => WireTy::Json,
            };
            if let Some((u, _)) = &s.pick {
                if let Some(WireKind::Union { variant: (_, t) }) = find(u).map(|w| &w.kind) {
                    cur = t.clone();
                }
            }
        }
        out
    }

    /// The wire type at the end of `steps`, starting from the wire struct `root`.
    pub fn wire_ty_at(&self, root: &str, steps: &[Step]) -> Option<WireTy> {
        match self.wire_tys(root, steps)?.pop() {
            Some(t) => Some(t),
            None => Some(WireTy::Named(root.to_owned())),
        }
    }
}

impl<'a> Planner<'a> {
    /// Walks `a.b.c` from `root`, adding the fields to wire structs. Returns the read and the leaf's view.
    pub(super) fn read(
        &mut self,
        root: SRef<'a>,
        path: &str,
        span: Span,
        tolerant: bool,
        base: &str,
    ) -> Option<(Read, View<'a>, SRef<'a>)> {
        self.read_with(root, path, span, tolerant, false, base)
    }

    /// [`Self::read`], with every field along the path an `Option` on the wire when
    /// `absent_ok` (the domain takes the value's absence, so a vendor that leaves out a
    /// field the spec requires gives `None` rather than a failed call).
    pub(super) fn read_with(
        &mut self,
        root: SRef<'a>,
        path: &str,
        span: Span,
        tolerant: bool,
        absent_ok: bool,
        base: &str,
    ) -> Option<(Read, View<'a>, SRef<'a>)> {
        let mut cur = root;
        let mut cur_view = match view(self.spec, root) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, e, "fix the spec");
                return None;
            }
        };
        let mut cur_type = self.wire_struct(&cur_view, base, tolerant);
        let mut steps = Vec::new();
        let mut where_ = cur_view.name.unwrap_or(base).to_string();
        let owned = crate::load::mapping::split_path(path);
        let segs: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut skip_next = false;
        for (i, seg) in segs.iter().enumerate() {
            if skip_next {
                skip_next = false;
                continue;
            }
            if seg.parse::<usize>().is_ok() {
                self.err(span, format!("'{path}' indexes something that is not a list of objects, or ends in an index"), "index only lists of objects, then name a field: `errors.0.code`");
                return None;
            }
            // A union of objects at this level is read as one object, its properties
            // those of every variant (Box's folder entries).
            let mut merged_from = None;
            if let Kind::Union(parts) = &cur_view.kind {
                let Some(merged) = merged_objects(self.spec, parts) else {
                    self.err(span, format!("{where_} is a union (anyOf/oneOf) whose variants are not all objects, which is not supported here"), "map an operation whose response is an object, or correct the spec with an overlay (`overlays:` in docs/mapping.md)");
                    return None;
                };
                merged_from = Some(parts.clone());
                cur_view = merged;
            }
            let Kind::Object {
                props,
                required,
                additional,
                ..
            } = &cur_view.kind
            else {
                self.err(
                    span,
                    format!(
                        "'{}' goes into {where_}, which is {} and has no fields",
                        segs[..=i].join("."),
                        cur_view.describe()
                    ),
                    "stop the path at the value itself",
                );
                return None;
            };
            let (child, is_req) = match props.iter().find(|(n, _)| n == seg) {
                Some((_, s)) => (*s, required.contains(seg)),
                None => match additional {
                    Some(a) => (*a, false),
                    None => {
                        let help = suggest(seg, props.iter().map(|(n, _)| *n));
                        self.err(span, format!("unknown field '{seg}' in {where_}"), help);
                        return None;
                    }
                },
            };
            if child
                .resolve(self.spec)
                .is_ok_and(|(s, _)| s.schema_data.write_only)
            {
                // DigitalOcean's `ip_address` in a domain: sent when creating it, never
                // answered, so a read of it is always absent (unless the spec is wrong).
                self.warn(
                    span,
                    format!("'{seg}' is writeOnly in {where_}: a vendor that honours it never sends it in an answer"),
                    "read another field; if the vendor does send it, correct the spec with an overlay (`overlays:`) to silence this",
                );
            }
            if let Some((read, other)) = merged_from
                .as_deref()
                .and_then(|parts| merged_conflict(self.spec, parts, seg))
            {
                self.warn(
                    span,
                    format!("'{seg}' is {read} in one variant of {where_} and {other} in another: it is read as {read}, and an answer with the other fails the call"),
                    "read it with `via:` from a serde_json::Value, or correct the spec with an overlay (`overlays:` in docs/mapping.md)",
                );
            }
            let child_view = match merged_from
                .as_deref()
                .and_then(|parts| merged_property(self.spec, parts, seg))
            {
                Some(v) => v,
                None => match view(self.spec, child) {
                    Ok(v) => v,
                    Err(e) => {
                        self.err(span, format!("{where_}.{seg}: {e}"), "fix the spec");
                        return None;
                    }
                },
            };
            let optional = tolerant || absent_ok || !is_req || child_view.nullable;
            let parent = cur_type.clone().unwrap_or_default();
            let rust = self.add_field(&parent, seg, optional);
            steps.push(Step {
                field: rust,
                optional,
                pick: None,
                boxed: false,
                index: None,
            });
            let last = i + 1 == segs.len();
            where_ = format!("{where_}.{seg}");
            cur = child;
            cur_view = child_view;
            if !last {
                // Descending: the field's type is a struct (or a union picked below).
                let child_name = format!("{parent}{}", camel(seg));
                match &cur_view.kind {
                    Kind::Union(parts) => {
                        let next = segs[i + 1];
                        let Some((pv, _)) = variant_with(self.spec, parts, next) else {
                            let names: Vec<&str> = parts
                                .iter()
                                .filter_map(|p| match view(self.spec, *p).ok()?.kind {
                                    Kind::Object { props, .. } => {
                                        Some(props.iter().map(|(n, _)| *n).collect::<Vec<_>>())
                                    }
                                    _ => None,
                                })
                                .flatten()
                                .collect();
                            self.err(
                                span,
                                format!("no variant of {where_} has a field '{next}'"),
                                suggest(next, names),
                            );
                            return None;
                        };
                        let union_name = self.namer_for(&child_name, "union", &cur_view);
                        let variant_type = self
                            .wire_struct(&pv, &format!("{child_name}Object"), tolerant)
                            .unwrap_or_default();
                        self.inline_origin(&variant_type, &where_);
                        self.wire
                            .entry(union_name.clone())
                            .or_insert_with(|| WireType {
                                name: union_name.clone(),
                                origin: Origin::Inline(where_.clone()),
                                schema: None,
                                serialize: false,
                                deserialize: true,
                                kind: WireKind::Union {
                                    variant: ("Object".into(), WireTy::Boxed(variant_type.clone())),
                                },
                            });
                        self.set_field_ty(&parent, seg, WireTy::Named(union_name.clone()));
                        if let Some(s) = steps.last_mut() {
                            s.pick = Some((union_name, "Object".into()));
                            s.boxed = true;
                        }
                        cur_view = pv;
                        cur_type = Some(variant_type);
                    }
                    Kind::Object { .. } => {
                        let t = self.wire_struct(&cur_view, &child_name, tolerant);
                        if let Some(t) = &t {
                            self.set_field_ty(&parent, seg, WireTy::Named(t.clone()));
                            self.inline_origin(t, &where_);
                        }
                        cur_type = t;
                    }
                    Kind::Array(Some(item))
                        if i + 2 < segs.len() && segs[i + 1].parse::<usize>().is_ok() =>
                    {
                        // `errors.0.code`: the first item of a list of objects.
                        let index = segs[i + 1].parse::<usize>().unwrap_or(0);
                        let item_view = match view(self.spec, *item) {
                            Ok(
                                v @ View {
                                    kind: Kind::Object { .. },
                                    ..
                                },
                            ) => v,
                            _ => {
                                self.err(
                                    span,
                                    format!("the items of {where_} are not objects"),
                                    "index only lists of objects",
                                );
                                return None;
                            }
                        };
                        let t =
                            self.wire_struct(&item_view, &format!("{child_name}Item"), tolerant);
                        if let Some(t) = &t {
                            self.inline_origin(t, &format!("{where_}[]"));
                            self.set_field_ty(
                                &parent,
                                seg,
                                WireTy::Vec(Box::new(WireTy::Named(t.clone()))),
                            );
                        }
                        steps.push(Step {
                            field: String::new(),
                            optional: true,
                            pick: None,
                            boxed: false,
                            index: Some(index),
                        });
                        where_ = format!("{where_}.{index}");
                        cur_view = item_view;
                        cur_type = t;
                        skip_next = true;
                    }
                    Kind::Array(_) if segs[i + 1].parse::<usize>().is_ok() => {
                        self.err(
                            span,
                            format!(
                                "'{}' indexes the list {where_}, and only a field of an object item may follow an index (`errors.0.code`)",
                                segs[..=i + 1].join("."),
                            ),
                            format!(
                                "stop the path at the list (`{}`): an error code or message read from a list of strings joins its items",
                                segs[..=i].join(".")
                            ),
                        );
                        return None;
                    }
                    _ => {
                        self.err(
                            span,
                            format!(
                                "'{}' is {} and has no field '{}'",
                                where_,
                                cur_view.describe(),
                                segs[i + 1]
                            ),
                            "stop the path here",
                        );
                        return None;
                    }
                }
            }
        }
        let _ = cur;
        Some((
            Read {
                steps,
                json_path: format!("$.{path}"),
            },
            cur_view,
            cur,
        ))
    }

    /// An inline schema's wire type is documented by its path from a named one.
    fn inline_origin(&mut self, wire_type: &str, path: &str) {
        if let Some(w) = self.wire.get_mut(wire_type) {
            if let Origin::Inline(p) = &mut w.origin {
                *p = path.to_string();
            }
        }
    }

    /// The leaf field's wire type is set once its conversion is known.
    pub(super) fn set_leaf_ty(&mut self, read: &Read, root_wire: &str, ty: WireTy) {
        // A read that ends in an index (`unwrap: Invoices.0`) reads an item of its last
        // field, which holds a list of them.
        let (steps, ty) = match read.steps.split_last() {
            Some((last, rest)) if last.index.is_some() => (rest, WireTy::Vec(Box::new(ty))),
            _ => (read.steps.as_slice(), ty),
        };
        // Follow the steps through the wire structs to the parent of the leaf.
        let mut cur = root_wire.to_string();
        for (i, s) in steps.iter().enumerate() {
            if s.index.is_some() {
                continue;
            }
            if i + 1 == steps.len() {
                self.set_field_ty(&cur, &self.wire_name_of(&cur, &s.field), ty);
                return;
            }
            let next = match self.wire.get(&cur) {
                Some(WireType {
                    kind: WireKind::Struct(fields),
                    ..
                }) => fields
                    .iter()
                    .find(|f| f.rust_name == s.field)
                    .map(|f| f.ty.clone()),
                _ => None,
            };
            cur = match (next, &s.pick) {
                (_, Some((union, _))) => match self.wire.get(union) {
                    Some(WireType {
                        kind:
                            WireKind::Union {
                                variant: (_, WireTy::Boxed(t)),
                            },
                        ..
                    }) => t.clone(),
                    _ => return,
                },
                (Some(WireTy::Named(t)), None) | (Some(WireTy::Boxed(t)), None) => t,
                (Some(WireTy::Vec(inner)), None) => match *inner {
                    WireTy::Named(t) | WireTy::Boxed(t) => t,
                    _ => return,
                },
                _ => return,
            };
        }
    }

    pub(super) fn wire_name_of(&self, wire_type: &str, rust: &str) -> String {
        match self.wire.get(wire_type) {
            Some(WireType {
                kind: WireKind::Struct(fields),
                ..
            }) => fields
                .iter()
                .find(|f| f.rust_name == rust)
                .map(|f| f.wire_name.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn a_nested_read_adds_the_fields_it_passes() {
        let plan = Fixture::default()
            .port(
                "pub amount: Option<i64> }",
                "pub amount: Option<i64>, pub owner: Option<String> }",
            )
            .mapping(
                "      amount: amount\n",
                "      amount: amount\n      owner: owner.name\n",
            )
            .plan();
        let owner = plan.converters[0]
            .fields
            .iter()
            .find(|f| f.field == "owner")
            .expect("owner");
        let ConvValue::Read { read, .. } = &owner.value else {
            panic!("a read: {owner:?}");
        };
        assert_eq!(read.json_path, "$.owner.name");
        let steps: Vec<(&str, bool)> = read
            .steps
            .iter()
            .map(|s| (s.field.as_str(), s.optional))
            .collect();
        assert_eq!(steps, [("owner", true), ("name", true)]);
        assert!(read.may_be_absent());
        let owner_wire = plan
            .wire
            .iter()
            .find(|w| w.name == "Owner")
            .expect("Owner wire type");
        assert_eq!(
            owner_wire.kind,
            WireKind::Struct(vec![WireField {
                rust_name: "name".into(),
                wire_name: "name".into(),
                ty: WireTy::String,
                optional: true
            }])
        );
    }

    #[test]
    fn paths_into_unknown_fields_or_scalars_are_named() {
        Fixture::default()
            .mapping("      id: id\n", "      id: idd\n")
            .refused_with("unknown field 'idd' in Thing");
        Fixture::default()
            .mapping("      id: id\n", "      id: id.value\n")
            .refused_with("'Thing.id' is a string and has no field 'value'");
        Fixture::default()
            .mapping("      id: id\n", "      id: owner.0.name\n")
            .refused_with("'owner.0.name' indexes something that is not a list of objects");
    }
}

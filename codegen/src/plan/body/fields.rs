//! A body built from mapped fields: a tree of wire structs whose leaves are values, and
//! lists of objects built item by item (`each:`).

use super::planner::Planner;
use super::*;
use crate::error::{Span, suggest};
use crate::ident::{Namer, camel, snake};
use crate::load::mapping::{Spanned, ValueSpec};
use crate::load::port::{PortMethod, Ty};
use crate::plan::body::Entry;
use crate::plan::body::PathTree;
use crate::plan::wire::origin_of;
use crate::plan::wire::scalar_wire;
use crate::spec::view::{Kind, SRef, View, view};

impl<'a> Planner<'a> {
    /// `{ from: req.items, each: { … } }`: a list of objects, one per item of a `Vec`;
    /// into an object, one object from an `Option` of a struct, left out when `None`.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::plan) fn list(
        &mut self,
        pm: &PortMethod,
        from: &Spanned<String>,
        each: &[(Spanned<String>, ValueSpec)],
        target: &View<'a>,
        target_schema: SRef<'a>,
        wire_required: bool,
        type_name: &str,
        at: &str,
    ) -> Option<(BodyNode, WireTy)> {
        if let Kind::Object { .. } = &target.kind {
            return self.present(pm, from, each, target_schema, wire_required, type_name, at);
        }
        let item_schema = self.each_target(from, target, at)?;
        let (access, ty) = self.expr(pm, from)?;
        let (optional, ty) = match ty {
            Ty::Option(inner) => (true, inner.without_refs().clone()),
            t => (false, t),
        };
        let Ty::Vec(item_ty) = ty else {
            self.err(
                from.span,
                format!("`each:` needs a Vec, but '{}' is {ty}", from.value),
                "point `from:` at a Vec of the method's arguments",
            );
            return None;
        };
        if optional && wire_required {
            self.err(
                from.span,
                format!(
                    "{at} is required by the vendor, but '{}' is an Option",
                    from.value
                ),
                "map a Vec that is always present",
            );
            return None;
        }
        let item = self.each_item(pm, item_ty, each, (&access, optional), |p, m, tree| {
            p.body_node(
                m,
                item_schema,
                tree,
                &format!("{type_name}Item"),
                &format!("{at}[]"),
                from.span,
            )
        })?;
        let BodyNode::Struct { wire_type, .. } = &item else {
            return None;
        };
        let ty = WireTy::Vec(Box::new(WireTy::Named(wire_type.clone())));
        Some((
            BodyNode::List {
                source: access,
                optional,
                single: false,
                item: Box::new(item),
            },
            ty,
        ))
    }

    /// The item schema of the list `each:` builds at `at`, or `None` (reported) when the
    /// spec's value there is no list.
    pub(in crate::plan) fn each_target(
        &mut self,
        from: &Spanned<String>,
        target: &View<'a>,
        at: &str,
    ) -> Option<SRef<'a>> {
        if let Kind::Array(Some(item)) = &target.kind {
            return Some(*item);
        }
        self.err(
            from.span,
            format!(
                "{at} is {} in the spec, not a list to build with `each:`",
                target.describe()
            ),
            "map it without `each:`",
        );
        None
    }

    /// The item of a list built with `each:`, planned by `plan`: its expressions start
    /// at `item`, an argument of a method of one element, and the checks of its values
    /// run once per item of the `Vec` at `source` (an `Option` of one when `optional`).
    pub(in crate::plan) fn each_item<T>(
        &mut self,
        pm: &PortMethod,
        item_ty: Box<Ty>,
        each: &[(Spanned<String>, ValueSpec)],
        (source, optional): (&[String], bool),
        plan: impl FnOnce(&mut Self, &PortMethod, &PathTree) -> Option<T>,
    ) -> Option<T> {
        let item_method = PortMethod {
            args: vec![("item".to_string(), Ty::Ref(item_ty))],
            ..pm.clone()
        };
        let mut tree = PathTree::default();
        for (k, v) in each {
            tree.insert(&k.value, Entry::Value(k.clone(), v.clone()));
        }
        if !self.refuse_overlaps(&tree) {
            return None;
        }
        let checks_before = self.checks.len();
        let item = plan(self, &item_method, &tree)?;
        for c in &mut self.checks[checks_before..] {
            c.each.insert(0, (source.to_vec(), optional));
        }
        Some(item)
    }

    /// `{ from: req.billing, each: { … } }` into an object: built from an `Option` of a
    /// struct when it is `Some`, left out when it is `None` (a nested object the domain
    /// may not have, which dotted paths cannot express: each of them would be sent or
    /// left out on its own).
    #[allow(clippy::too_many_arguments)]
    fn present(
        &mut self,
        pm: &PortMethod,
        from: &Spanned<String>,
        each: &[(Spanned<String>, ValueSpec)],
        target_schema: SRef<'a>,
        wire_required: bool,
        type_name: &str,
        at: &str,
    ) -> Option<(BodyNode, WireTy)> {
        let (access, ty) = self.expr(pm, from)?;
        let Ty::Option(inner) = ty else {
            self.err(
                from.span,
                format!(
                    "{at} is an object in the spec; `each:` builds it from an Option of a struct, but '{}' is {ty}",
                    from.value
                ),
                "map its fields as a nested map (`{at}: { name: req.x.name }`), or point `from:` at an Option",
            );
            return None;
        };
        if wire_required {
            self.err(
                from.span,
                format!(
                    "{at} is required by the vendor, but '{}' is an Option",
                    from.value
                ),
                "map its fields as a nested map from a value that is always present",
            );
            return None;
        }
        let mut tree = PathTree::default();
        for (k, v) in each {
            tree.insert(&k.value, Entry::Value(k.clone(), v.clone()));
        }
        if !self.refuse_overlaps(&tree) {
            return None;
        }
        // Expressions start at `item`, the struct inside the Option.
        let item_method = PortMethod {
            args: vec![(
                "item".to_string(),
                Ty::Ref(Box::new(inner.without_refs().clone())),
            )],
            ..pm.clone()
        };
        let checks_before = self.checks.len();
        let item = self.body_node(&item_method, target_schema, &tree, type_name, at, from.span)?;
        // The checks read `item`: they run when the Option is `Some` (iterating it).
        for c in &mut self.checks[checks_before..] {
            c.each.insert(0, (access.clone(), false));
        }
        let BodyNode::Struct { wire_type, .. } = &item else {
            return None;
        };
        let ty = WireTy::Named(wire_type.clone());
        Some((
            BodyNode::List {
                source: access,
                optional: true,
                single: true,
                item: Box::new(item),
            },
            ty,
        ))
    }

    pub(in crate::plan) fn body_node(
        &mut self,
        pm: &PortMethod,
        schema: SRef<'a>,
        tree: &PathTree,
        type_name: &str,
        at: &str,
        span: Span,
    ) -> Option<BodyNode> {
        let v = match view(self.spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, format!("{at}: {e}"), "fix the spec");
                return None;
            }
        };
        // A oneOf/anyOf body (Adyen's paymentMethod): the first variant with every mapped field.
        let v = match &v.kind {
            Kind::Union(parts) => {
                let keys: Vec<&str> = tree.children.keys().map(String::as_str).collect();
                let spec = self.spec;
                // A constant must also be one of the variant's values: `type: scheme` picks the card variant.
                let fits = |props: &[(&str, SRef<'a>)], key: &str, child: &PathTree| -> bool {
                    let Some(Entry::Value(_, ValueSpec::Const(c))) = &child.entry else {
                        return true;
                    };
                    let Some((_, prop)) = props.iter().find(|(n, _)| *n == key) else {
                        return true;
                    };
                    match (view(spec, *prop).map(|v| v.kind), c.value.as_str()) {
                        (Ok(Kind::Str { values }), Some(c)) => {
                            values.is_empty() || values.iter().any(|v| v == c)
                        }
                        _ => true,
                    }
                };
                let chosen = parts.iter().find_map(|p| {
                    let pv = view(self.spec, *p).ok()?;
                    match &pv.kind {
                        Kind::Object {
                            props, additional, ..
                        } if keys
                            .iter()
                            .all(|k| additional.is_some() || props.iter().any(|(n, _)| n == k))
                            && tree.children.iter().all(|(k, c)| fits(props, k, c)) =>
                        {
                            Some(pv)
                        }
                        _ => None,
                    }
                });
                match chosen {
                    Some(pv) => pv,
                    None => {
                        self.err(
                            span,
                            format!(
                                "no variant of {at} (anyOf/oneOf) has all of the fields {}",
                                keys.join(", ")
                            ),
                            "map only fields of one variant",
                        );
                        return None;
                    }
                }
            }
            _ => v,
        };
        let Kind::Object {
            props,
            required,
            additional,
            ..
        } = &v.kind
        else {
            self.err(
                span,
                format!(
                    "{at} is {} in the spec, so it has no fields to set",
                    v.describe()
                ),
                "map the value itself",
            );
            return None;
        };
        let name = self.namer.claim(&camel(type_name));
        let mut fields = Vec::new();
        let mut wire_fields = Vec::new();
        let mut names = Namer::default();
        for (key, child) in &tree.children {
            let (prop_schema, is_required) = match props.iter().find(|(n, _)| n == key) {
                Some((_, s)) => (*s, required.contains(key.as_str())),
                None => match additional {
                    Some(a) => (*a, false),
                    None => {
                        let span = child.span().unwrap_or(span);
                        let help = if props.is_empty() {
                            format!(
                                "the spec closes {at} with `additionalProperties: false` and lists no fields: send it empty (`{{ const: {{}} }}`), or correct the spec with an overlay"
                            )
                        } else {
                            suggest(key, props.iter().map(|(n, _)| *n))
                        };
                        self.err(span, format!("unknown field '{key}' in {at}"), help);
                        continue;
                    }
                },
            };
            if prop_schema
                .resolve(self.spec)
                .is_ok_and(|(s, _)| s.schema_data.read_only)
            {
                // The vendor ignores it in a request (DigitalOcean's record `id`), unless
                // the spec is wrong: GOV.UK Pay marks every field of its create body so.
                self.warn(
                    child.span().unwrap_or(span),
                    format!("{at}.{key} is readOnly in the spec: a vendor that honours it ignores the value in a request"),
                    "leave it out; if the vendor does take it, correct the spec with an overlay (`overlays:`) to silence this",
                );
            }
            let rust = names.claim(&snake(key));
            let child_at = format!("{at}.{key}");
            let pv = match view(self.spec, prop_schema) {
                Ok(v) => v,
                Err(e) => {
                    self.err(span, format!("{child_at}: {e}"), "fix the spec");
                    continue;
                }
            };
            let optional = !is_required;
            let (node, ty) = match child {
                PathTree {
                    entry: Some(Entry::Key(_)),
                    ..
                } => {
                    if !matches!(pv.kind, Kind::Str { .. }) {
                        self.err(span, format!("{child_at} is {} in the spec, not a string for the idempotency key", pv.describe()), "name a string field");
                        continue;
                    }
                    (BodyNode::IdempotencyKey, WireTy::String)
                }
                PathTree {
                    entry: Some(Entry::Value(_, ValueSpec::Each { from, each })),
                    ..
                } => {
                    let Some((node, ty)) = self.list(
                        pm,
                        from,
                        each,
                        &pv,
                        prop_schema,
                        is_required,
                        &format!("{name}{}", camel(key)),
                        &child_at,
                    ) else {
                        continue;
                    };
                    (node, ty)
                }
                PathTree {
                    entry: Some(Entry::Value(k, spec)),
                    ..
                } => {
                    let Some(val) = self.value(pm, spec, &pv, is_required, &child_at) else {
                        continue;
                    };
                    self.check(pm, spec, prop_schema, super::checks::body_field(&child_at));
                    let _ = k;
                    let ty = match (&pv.kind, &val) {
                        (
                            _,
                            ValuePlan::Const(
                                serde_json::Value::Object(_) | serde_json::Value::Array(_),
                            ),
                        ) => WireTy::Json,
                        (Kind::Array(Some(item)), _) => {
                            let it = view(self.spec, *item)
                                .ok()
                                .map(|iv| scalar_wire(&iv.kind))
                                .unwrap_or(WireTy::Json);
                            WireTy::Vec(Box::new(it))
                        }
                        (k, _) => scalar_wire(k),
                    };
                    if let Some(wire) = super::super::via::rust_text(&ty) {
                        self.request_via_returns(spec, super::super::via::Sent::Field(&wire));
                    }
                    (BodyNode::Leaf(val), ty)
                }
                // A list written in the mapping, or fields under a value the spec leaves
                // untyped (Jira's `fields.project.key` under `additionalProperties: {}`):
                // JSON built from the mapping.
                // So does an object that lists no fields (`Kind::is_open_object`).
                sub if matches!(&pv.kind, Kind::Array(_) | Kind::Any)
                    || pv.kind.is_open_object() =>
                {
                    let Some(t) = self.template(pm, prop_schema, sub, &child_at, span) else {
                        continue;
                    };
                    (BodyNode::Template(t), WireTy::Json)
                }
                sub => {
                    let sub_name = format!("{}{}", name, camel(key));
                    let Some(node) =
                        self.body_node(pm, prop_schema, sub, &sub_name, &child_at, span)
                    else {
                        continue;
                    };
                    let BodyNode::Struct { wire_type, .. } = &node else {
                        continue;
                    };
                    let ty = WireTy::Named(wire_type.clone());
                    (node, ty)
                }
            };
            let leaf_optional = matches!(
                &node,
                BodyNode::Leaf(ValuePlan::Expr { optional: true, .. })
                    | BodyNode::List { optional: true, .. }
            );
            fields.push((rust.clone(), node, optional && !leaf_optional));
            wire_fields.push(WireField {
                rust_name: rust,
                wire_name: key.clone(),
                ty,
                optional,
            });
        }
        for r in required {
            if !tree.children.contains_key(*r) {
                self.err(
                    span,
                    format!("field '{r}' of {at} is required by the vendor but not mapped"),
                    format!(
                        "add `{}: <expression>` under `request:`",
                        if at == "request" {
                            r.to_string()
                        } else {
                            format!("{}.{r}", at.trim_start_matches("request."))
                        }
                    ),
                );
            }
        }
        self.wire.insert(
            name.clone(),
            WireType {
                name: name.clone(),
                origin: origin_of(&v, at),
                schema: v.name.map(str::to_string),
                serialize: true,
                deserialize: false,
                kind: WireKind::Struct(wire_fields),
            },
        );
        Some(BodyNode::Struct {
            wire_type: name,
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::fixture::{Fixture, op};
    use crate::plan::{BodyNode, WireTy};

    fn with_lines() -> Fixture {
        Fixture::default()
            .spec(
                "                memo: { type: string }\n",
                "                memo: { type: string }\n                lines: { type: array, items: { type: object, required: [sku], properties: { sku: { type: string }, qty: { type: integer } } } }\n",
            )
            .port("pub order: String }", "pub order: String, pub lines: Vec<Line> }\npub struct Line { pub sku: String, pub qty: u8 }")
    }

    /// Found by the corpus run: a constrained field inside `each:` items was checked
    /// once, outside the items, so the generated code read an `item` that was not there.
    #[test]
    fn checks_of_a_list_items_fields_run_for_every_item() {
        let plan = with_lines()
            .spec("sku: { type: string }", "sku: { type: string, maxLength: 12 }")
            .mapping("memo: req.memo }", "memo: req.memo, lines: { from: req.lines, each: { sku: item.sku, qty: item.qty } } }")
            .plan();
        let c = op(&plan, "create")
            .checks
            .iter()
            .find(|c| c.field == "$.lines[].sku")
            .expect("the item's sku is checked");
        assert_eq!(c.access, ["item", "sku"]);
        assert_eq!(
            c.each,
            [(vec!["req".to_string(), "lines".to_string()], false)]
        );
    }

    #[test]
    fn a_list_of_objects_is_built_item_by_item() {
        let plan = with_lines()
            .mapping("memo: req.memo }", "memo: req.memo, lines: { from: req.lines, each: { sku: item.sku, qty: item.qty } } }")
            .plan();
        let Some(BodyNode::Struct { fields, .. }) =
            op(&plan, "create").body.as_ref().map(|b| &b.root)
        else {
            panic!("a struct body");
        };
        let (_, lines, wrapped) = fields.iter().find(|(n, _, _)| n == "lines").expect("lines");
        assert!(*wrapped, "optional on the wire");
        let BodyNode::List {
            source,
            optional,
            item,
            ..
        } = lines
        else {
            panic!("a list: {lines:?}");
        };
        assert_eq!(
            (source.as_slice(), *optional),
            (&["req".to_string(), "lines".to_string()][..], false)
        );
        assert!(
            matches!(&**item, BodyNode::Struct { wire_type, .. } if wire_type == "CreateThingRequestLinesItem")
        );
        let request = plan
            .wire
            .iter()
            .find(|w| w.name == "CreateThingRequest")
            .expect("wire");
        let crate::plan::WireKind::Struct(wf) = &request.kind else {
            panic!("a struct");
        };
        let ty = wf
            .iter()
            .find(|f| f.wire_name == "lines")
            .map(|f| f.ty.clone());
        assert_eq!(
            ty,
            Some(WireTy::Vec(Box::new(WireTy::Named(
                "CreateThingRequestLinesItem".into()
            ))))
        );
    }

    #[test]
    fn unknown_fields_and_each_on_a_scalar_are_named() {
        Fixture::default()
            .mapping("memo: req.memo }", "memoo: req.memo }")
            .refused_with("unknown field 'memoo' in request");
        with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.lines, each: { sku: item.sku } } }",
            )
            .refused_with("request.memo is a string in the spec, not a list to build with `each:`");
        with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: { from: req.lines, each: { sku: item.skuu } } }",
            )
            .refused_with("unknown field 'skuu' in Line");
    }

    /// A nested object from an `Option` of a struct: one optional object whose fields
    /// read `item`; from a plain struct, or into an object the vendor requires, refused.
    #[test]
    fn each_into_an_object_takes_an_option_of_a_struct() {
        let f = || {
            Fixture::default()
                .port(
                    "pub struct NewThing { pub amount: u32,",
                    "pub struct Ship { pub order: String }\npub struct NewThing { pub ship: Option<Ship>, pub plain: Ship, pub amount: u32,",
                )
                .mapping(
                    "memo: req.memo }",
                    "memo: req.memo, meta: { from: req.ship, each: { order: item.order } } }",
                )
        };
        let plan = f().plan();
        let Some(BodyNode::Struct { fields, .. }) =
            op(&plan, "create").body.as_ref().map(|b| &b.root)
        else {
            panic!("a struct body");
        };
        let (_, meta, wrapped) = fields.iter().find(|(n, _, _)| n == "meta").expect("meta");
        assert!(!*wrapped, "the node itself gives the Option");
        assert!(
            matches!(meta, BodyNode::List { single: true, optional: true, source, .. } if source == &["req".to_string(), "ship".to_string()]),
            "{meta:?}"
        );
        f().mapping("from: req.ship, each:", "from: req.plain, each:")
            .refused_with("request.meta is an object in the spec; `each:` builds it from an Option of a struct, but 'req.plain' is Ship");
        f().spec("required: [amount]", "required: [amount, meta]")
            .refused_with("request.meta is required by the vendor, but 'req.ship' is an Option");
    }
}

//! Lists written in the mapping from single values: `personalizations: [{ to: [{ email:
//! mail.to }] }]`, or the same as index paths (`personalizations.0.to.0.email: mail.to`).
//! Each value is planned against the spec's schema at its place, as any other field is,
//! and the list is sent as the JSON the spec describes.

use super::planner::Planner;
use super::*;
use crate::error::{Span, suggest};
use crate::load::mapping::{Spanned, ValueSpec};
use crate::load::port::{PortMethod, Ty};
use crate::spec::view::{Kind, SRef, View, view};

/// A JSON value built from the mapping's template.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// A list, item by item.
    Array(Vec<Template>),
    /// An object: wire name, value, and whether the value is an `Option` (left out when
    /// `None`).
    Object(Vec<(String, Template, bool)>),
    /// A value.
    Leaf(ValuePlan),
    /// A list built from a `Vec` of the method's arguments, item by item (`each:`).
    List {
        /// The access path of the `Vec`.
        source: Vec<String>,
        /// The item, whose expressions start at `item`.
        item: Box<Template>,
    },
}

impl Template {
    /// Every value of the template, those of a list's item (which read `item`) too.
    pub fn leaves(&self) -> Vec<&ValuePlan> {
        match self {
            Template::Leaf(v) => vec![v],
            Template::Array(items) => items.iter().flat_map(Template::leaves).collect(),
            Template::Object(fields) => fields.iter().flat_map(|(_, t, _)| t.leaves()).collect(),
            Template::List { item, .. } => item.leaves(),
        }
    }

    /// What the template reads of the method's arguments: its values' access paths and
    /// its lists' sources.
    pub fn accesses(&self) -> Vec<&[String]> {
        let mut out: Vec<&[String]> = self
            .leaves()
            .into_iter()
            .filter_map(|v| match v {
                ValuePlan::Expr { access, .. } => Some(access.as_slice()),
                _ => None,
            })
            .collect();
        self.sources(&mut out);
        out
    }

    fn sources<'t>(&'t self, out: &mut Vec<&'t [String]>) {
        match self {
            Template::Leaf(_) => {}
            Template::Array(items) => items.iter().for_each(|t| t.sources(out)),
            Template::Object(fields) => fields.iter().for_each(|(_, t, _)| t.sources(out)),
            Template::List { source, item } => {
                out.push(source);
                item.sources(out);
            }
        }
    }
}

impl<'a> Planner<'a> {
    /// The template at `tree` (a subtree whose keys are list indexes or object fields),
    /// for a slot of schema `schema` at JSON path `at`.
    pub(in crate::plan) fn template(
        &mut self,
        pm: &PortMethod,
        schema: SRef<'a>,
        tree: &PathTree,
        at: &str,
        span: Span,
    ) -> Option<Template> {
        let v = match view(self.spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, format!("{at}: {e}"), "fix the spec");
                return None;
            }
        };
        let v = if v.kind.is_open_object() {
            crate::spec::view::View {
                kind: Kind::Any,
                ..v
            }
        } else {
            v
        };
        let span = tree.span().unwrap_or(span);
        if let Some(Entry::Value(_, spec)) = &tree.entry {
            if !tree.children.is_empty() {
                self.err(
                    span,
                    format!("{at} is given a value and fields of its own"),
                    "give either the value or its fields",
                );
                return None;
            }
            if let ValueSpec::Each { from, each } = spec {
                return self.template_list(pm, from, each, &v, at);
            }
            let value = self.value(pm, spec, &v, true, at)?;
            self.check(pm, spec, schema, super::checks::body_field(at));
            return Some(Template::Leaf(value));
        }
        match &v.kind {
            Kind::Array(Some(item)) => {
                let mut indexed: Vec<(usize, &PathTree)> = Vec::new();
                for (key, child) in &tree.children {
                    match key.parse::<usize>() {
                        Ok(i) => indexed.push((i, child)),
                        Err(_) => {
                            self.err(
                                child.span().unwrap_or(span),
                                format!(
                                    "{at} is a list in the spec, so '{key}' is not one of its items"
                                ),
                                "write the items as a list (`[{ … }]`) or by index (`.0`, `.1`)",
                            );
                            return None;
                        }
                    }
                }
                indexed.sort_by_key(|(i, _)| *i);
                let mut items = Vec::new();
                for (expected, (i, child)) in indexed.into_iter().enumerate() {
                    if i != expected {
                        self.err(
                            child.span().unwrap_or(span),
                            format!("{at} has item {i} but no item {expected}"),
                            "number the items from 0 without gaps",
                        );
                        return None;
                    }
                    items.push(self.template(pm, *item, child, &format!("{at}[{i}]"), span)?);
                }
                Some(Template::Array(items))
            }
            Kind::Object {
                props,
                required,
                additional,
                ..
            } => {
                let mut fields = Vec::new();
                for (key, child) in &tree.children {
                    let (prop, is_required) = match props.iter().find(|(n, _)| n == key) {
                        Some((_, s)) => (*s, required.contains(key.as_str())),
                        None => match additional {
                            Some(a) => (*a, false),
                            None => {
                                // A dotted key inside an item is one name (`@odata.type`),
                                // not a path as at the top of `request:`.
                                let nested = key
                                    .split_once('.')
                                    .filter(|(first, _)| props.iter().any(|(n, _)| n == first));
                                let help = match nested {
                                    Some((first, rest)) => format!(
                                        "a key inside an item is one field name; write the nested field as `{first}: {{ {rest}: … }}`"
                                    ),
                                    None => suggest(key, props.iter().map(|(n, _)| *n)),
                                };
                                self.err(
                                    child.span().unwrap_or(span),
                                    format!("unknown field '{key}' in {at}"),
                                    help,
                                );
                                continue;
                            }
                        },
                    };
                    let child_at = format!("{at}.{key}");
                    let value = match &child.entry {
                        Some(Entry::Value(_, ValueSpec::Each { from, each }))
                            if child.children.is_empty() =>
                        {
                            let Ok(pv) = view(self.spec, prop) else {
                                continue;
                            };
                            match self.template_list(pm, from, each, &pv, &child_at) {
                                Some(t) => t,
                                None => continue,
                            }
                        }
                        Some(Entry::Value(_, spec)) if child.children.is_empty() => {
                            let Ok(pv) = view(self.spec, prop) else {
                                continue;
                            };
                            let Some(value) = self.value(pm, spec, &pv, is_required, &child_at)
                            else {
                                continue;
                            };
                            self.check(pm, spec, prop, super::checks::body_field(&child_at));
                            Template::Leaf(value)
                        }
                        _ => match self.template(pm, prop, child, &child_at, span) {
                            Some(t) => t,
                            None => continue,
                        },
                    };
                    let optional = matches!(
                        &value,
                        Template::Leaf(ValuePlan::Expr { optional: true, .. })
                    );
                    fields.push((key.clone(), value, optional));
                }
                for r in required {
                    if !tree.children.contains_key(*r) {
                        self.err(
                            span,
                            format!("field '{r}' of {at} is required by the vendor but not mapped"),
                            format!("give `{r}:` in the item"),
                        );
                    }
                }
                Some(Template::Object(fields))
            }
            // Untyped (`{}`, a free-form object's values): the mapping's keys are the
            // object's, each value anything an untyped slot takes.
            Kind::Any => {
                let mut fields = Vec::new();
                for (key, child) in &tree.children {
                    let child_at = format!("{at}.{key}");
                    let value = match &child.entry {
                        // No key of a free-form object is required: an `Option` may fill it.
                        Some(Entry::Value(_, spec)) if child.children.is_empty() => {
                            Template::Leaf(self.value(pm, spec, &v, false, &child_at)?)
                        }
                        _ => self.template(pm, schema, child, &child_at, span)?,
                    };
                    let optional = matches!(
                        &value,
                        Template::Leaf(ValuePlan::Expr { optional: true, .. })
                    );
                    fields.push((key.clone(), value, optional));
                }
                Some(Template::Object(fields))
            }
            _ => {
                self.err(
                    span,
                    format!(
                        "{at} is {} in the spec, so it has no items or fields to write",
                        v.describe()
                    ),
                    "map the value itself",
                );
                None
            }
        }
    }
}

impl<'a> Planner<'a> {
    /// `{ from: invoice.lines, each: { … } }` inside a template: a list of `target`'s
    /// items, one per item of the `Vec`, each a template whose expressions start at
    /// `item`.
    fn template_list(
        &mut self,
        pm: &PortMethod,
        from: &Spanned<String>,
        each: &[(Spanned<String>, ValueSpec)],
        target: &View<'a>,
        at: &str,
    ) -> Option<Template> {
        let item_schema = self.each_target(from, target, at)?;
        let (access, ty) = self.expr(pm, from)?;
        let Ty::Vec(item_ty) = ty else {
            self.err(
                from.span,
                format!(
                    "`each:` in a list written in the mapping needs a Vec, but '{}' is {ty}",
                    from.value
                ),
                "point `from:` at a Vec of the method's arguments (an Option of one is not taken here)",
            );
            return None;
        };
        let item = self.each_item(pm, item_ty, each, (&access, false), |p, m, tree| {
            p.template(m, item_schema, tree, &format!("{at}[]"), from.span)
        })?;
        Some(Template::List {
            source: access,
            item: Box::new(item),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixture::{Fixture, op};

    /// The items of the list the mapping writes for `lines` in `create`'s body.
    fn lines_items(plan: &crate::plan::Plan) -> &[Template] {
        let Some(BodyPlan {
            root: BodyNode::Struct { fields, .. },
            ..
        }) = &op(plan, "create").body
        else {
            panic!("a struct body");
        };
        let Some((_, BodyNode::Template(Template::Array(items)), _)) =
            fields.iter().find(|(n, _, _)| n == "lines")
        else {
            panic!("lines is a template: {fields:?}");
        };
        items
    }

    /// The fixture with `lines`, a list of objects with a required `sku`.
    fn with_lines() -> Fixture {
        Fixture::default().spec(
            "memo: { type: string }",
            "memo: { type: string }\n                lines: { type: array, items: { type: object, required: [sku], properties: { sku: { type: string }, qty: { type: integer } } } }",
        )
    }

    #[test]
    fn a_list_written_in_the_mapping_is_planned_against_the_item_schema() {
        let plan = with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ sku: req.order, qty: req.amount }, { sku: \"gift-wrap\" }] }",
            )
            .plan();
        let items = lines_items(&plan);
        assert_eq!(items.len(), 2);
        let Template::Object(first) = &items[0] else {
            panic!("an object item");
        };
        let keys: Vec<&str> = first.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(keys, ["qty", "sku"]);
        assert!(matches!(
            &items[1],
            Template::Object(f) if matches!(&f[0].1, Template::Leaf(ValuePlan::Const(c)) if c == "gift-wrap")
        ));
    }

    #[test]
    fn index_paths_are_the_same_list() {
        let plan = with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines.0.sku: req.order }",
            )
            .plan();
        assert!(op(&plan, "create").body.is_some());
    }

    #[test]
    fn items_are_numbered_from_0_without_gaps() {
        with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines.1.sku: req.order }",
            )
            .refused_with("request.lines has item 1 but no item 0");
    }

    #[test]
    fn an_item_names_only_fields_of_the_items_schema_and_all_it_requires() {
        with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ skew: req.order }] }",
            )
            .refused_with("unknown field 'skew' in request.lines[0]");
        with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ qty: req.amount }] }",
            )
            .refused_with(
                "field 'sku' of request.lines[0] is required by the vendor but not mapped",
            );
    }

    /// Xero's `Contact.ContactID` written as a key inside an item: the help writes it
    /// nested, which is how an item names a field of a field.
    #[test]
    fn a_dotted_key_in_an_item_is_told_to_nest() {
        Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { type: string }\n                lines: { type: array, items: { type: object, properties: { contact: { type: object, properties: { id: { type: string } } } } } }",
            )
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ contact.id: req.order }] }",
            )
            .helped_with("write the nested field as `contact: { id: … }`");
    }

    #[test]
    fn a_value_in_an_item_is_checked_like_any_other() {
        with_lines()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ sku: req.amount }] }",
            )
            .refused_with("request.lines[0].sku is a string in the spec, but 'req.amount' is u32");
    }

    /// The fixture with `lines` whose items hold a list of `parts`, and `req.parts`.
    fn with_parts() -> Fixture {
        Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { type: string }\n                lines: { type: array, items: { type: object, properties: { sku: { type: string }, parts: { type: array, items: { type: object, properties: { name: { type: string, maxLength: 8 } } } } } } }",
            )
            .port("pub order: String }", "pub order: String, pub parts: Vec<Part> }\npub struct Part { pub name: String }")
    }

    /// Xero's invoice: a list of one object, one of whose fields is a list built from
    /// a `Vec` item by item; the item's values start at `item` and are checked per item.
    #[test]
    fn each_builds_a_list_inside_an_item() {
        let plan = with_parts()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ sku: req.order, parts: { from: req.parts, each: { name: item.name } } }] }",
            )
            .plan();
        let create = op(&plan, "create");
        let items = lines_items(&plan);
        let Template::Object(first) = &items[0] else {
            panic!("an object item");
        };
        let Some((_, Template::List { source, item }, _)) =
            first.iter().find(|(k, _, _)| k == "parts")
        else {
            panic!("parts is a list: {first:?}");
        };
        assert_eq!(source, &["req".to_string(), "parts".to_string()]);
        assert!(matches!(
            &**item,
            Template::Object(f) if matches!(&f[0].1, Template::Leaf(ValuePlan::Expr { access, .. }) if access == &["item", "name"])
        ));
        let check = create
            .checks
            .iter()
            .find(|c| c.access == ["item", "name"])
            .expect("the part's name is checked");
        assert_eq!(
            check.each,
            [(vec!["req".to_string(), "parts".to_string()], false)]
        );
    }

    #[test]
    fn each_inside_an_item_needs_a_vec_and_a_list() {
        with_parts()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ parts: { from: req.order, each: { name: item.name } } }] }",
            )
            .refused_with("`each:` in a list written in the mapping needs a Vec, but 'req.order' is String");
        with_parts()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, lines: [{ sku: { from: req.parts, each: { name: item.name } } }] }",
            )
            .refused_with("request.lines[0].sku is a string in the spec, not a list to build with `each:`");
    }

    /// Jira's `fields`: a free-form object (`additionalProperties: {}`) whose values the
    /// spec leaves untyped; fields under one are written as JSON, none of them required.
    #[test]
    fn fields_under_an_untyped_value_are_written_as_json() {
        let plan = Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { type: string }\n                fields: { type: object, additionalProperties: {} }",
            )
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, fields.project.key: req.order, fields.summary: req.memo }",
            )
            .plan();
        let Some(BodyPlan {
            root: BodyNode::Struct { fields, .. },
            ..
        }) = &op(&plan, "create").body
        else {
            panic!("a struct body");
        };
        let Some((_, BodyNode::Struct { fields: inner, .. }, _)) =
            fields.iter().find(|(n, _, _)| n == "fields")
        else {
            panic!("fields: {fields:?}");
        };
        let Some((_, BodyNode::Template(Template::Object(project)), _)) =
            inner.iter().find(|(n, _, _)| n == "project")
        else {
            panic!("project: {inner:?}");
        };
        assert_eq!(project.len(), 1);
        assert_eq!(project[0].0, "key");
    }
}

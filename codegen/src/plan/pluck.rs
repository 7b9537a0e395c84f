//! `each:` on a domain field: a `Vec` that takes one field of every object of a vendor
//! list (GitHub's label names out of its label objects), so the domain needs no struct
//! for what is, to it, a list of names.

use super::planner::Planner;
use super::*;
use crate::ident::camel;
use crate::load::mapping::{FieldMap, Spanned};
use crate::load::port::Ty;
use crate::spec::view::{Kind, View, merged_objects, view};

/// Reading `each:`'s path out of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Pluck {
    /// The item's wire struct, which holds what the path passes.
    pub wire: String,
    /// The path inside the item; its `json_path` names the list (`$.labels[*].name`).
    pub read: Read,
    /// The conversion of the value read.
    pub leaf: Leaf,
    /// An item without the value: `None` into an `Option` item, else a contract error.
    pub missing: Missing,
}

impl Pluck {
    /// Whether an item without the value fails the call: the path may be absent (by the
    /// item's wire struct as it finally is, which another read may have loosened) and
    /// the items are not `Option`s.
    pub fn fails_when_absent(&self, plan: &Plan) -> bool {
        self.missing == Missing::Error
            && (self.read.may_be_absent()
                || plan
                    .wire_optionals(&self.wire, &self.read.steps)
                    .into_iter()
                    .any(|optional| optional))
    }
}

impl<'a> Planner<'a> {
    /// The item-by-item conversion of the list `list` (read at `list_path`) into the
    /// domain `Vec` `ty`, each item giving the value at `each`, and the list's wire type.
    pub(super) fn pluck(
        &mut self,
        ty: &Ty,
        list: &View<'a>,
        each: &Spanned<String>,
        fm: &FieldMap,
        what: &str,
        list_path: &str,
    ) -> Option<(Leaf, WireTy)> {
        let Ty::Vec(item_ty) = ty else {
            self.err(
                each.span,
                format!("`each:` builds a Vec, but {what} is {ty}"),
                "declare the field as a Vec (an Option of one when the list may be absent), or remove `each:`",
            );
            return None;
        };
        let item_ref = match &list.kind {
            Kind::Array(Some(item)) => *item,
            _ => {
                self.err(
                    each.span,
                    format!(
                        "`each:` reads a field of every item, but the vendor field is {}",
                        list.describe()
                    ),
                    "point `from:` at a list of objects, or remove `each:`",
                );
                return None;
            }
        };
        let item = view(self.spec, item_ref).ok()?;
        let merged = match &item.kind {
            Kind::Union(parts) => merged_objects(self.spec, parts),
            _ => None,
        };
        let Kind::Object { .. } = &merged.as_ref().unwrap_or(&item).kind else {
            // A string-or-object item (GitHub's labels) has no field to read when it is
            // the string, and what the string stands for is the vendor's to say.
            let help = match &item.kind {
                Kind::Union(_) => {
                    "convert the list with `via: path::to::function`, a `fn(Vec<serde_json::Value>) -> Result<Vec<_>, E>` (`Option<Vec<serde_json::Value>>` when the list may be absent), E: Display"
                }
                _ => "remove `each:`: a list of plain values maps to a Vec as it is",
            };
            self.err(
                each.span,
                format!(
                    "`each:` reads a field of every item, but the vendor's items are {}",
                    item.describe()
                ),
                help,
            );
            return None;
        };
        let (elem_optional, elem_ty) = match item_ty.without_refs() {
            Ty::Option(inner) => (true, inner.without_refs().clone()),
            t => (false, t.clone()),
        };
        let base = format!(
            "{}Item",
            camel(fm.from[0].value.rsplit('.').next().unwrap_or("list"))
        );
        let (mut read, leaf_view, leaf_ref) = self.read_with(
            item_ref,
            &each.value,
            each.span,
            false,
            elem_optional,
            &base,
        )?;
        let item_wire = self.wire_struct(merged.as_ref().unwrap_or(&item), &base, false)?;
        read.json_path = format!("{list_path}[*]{}", read.json_path.trim_start_matches('$'));
        let (leaf, wt) = self.leaf(&elem_ty, &leaf_view, leaf_ref, fm, what, &item_wire)?;
        self.set_leaf_ty(&read, &item_wire, wt);
        let (leaf, missing) = if elem_optional {
            (Leaf::Some(Box::new(leaf)), Missing::None)
        } else if read.may_be_absent() {
            self.err(
                each.span,
                format!(
                    "'{}' may be absent or null in an item of '{}', but {what} takes a value from every item",
                    each.value, fm.from[0].value
                ),
                "make the items Options (`Vec<Option<_>>`), or convert the list with `via:`",
            );
            return None;
        } else {
            (leaf, Missing::Error)
        };
        let pluck = Pluck {
            wire: item_wire.clone(),
            read,
            leaf,
            missing,
        };
        Some((
            Leaf::Each(Box::new(Leaf::Pluck(Box::new(pluck)))),
            WireTy::Vec(Box::new(WireTy::Named(item_wire))),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    /// Things carry labels, objects with a name (always sent) and a colour (not always).
    fn labelled() -> Fixture {
        Fixture::default()
            .spec(
                "        owner: { $ref: \"#/components/schemas/Owner\" }\n",
                "        owner: { $ref: \"#/components/schemas/Owner\" }\n        labels:\n          type: array\n          items:\n            type: object\n            required: [name]\n            properties:\n              name: { type: string }\n              colour: { type: string }\n",
            )
            .port(
                "pub amount: Option<i64> }",
                "pub amount: Option<i64>, pub labels: Option<Vec<String>> }",
            )
            .mapping(
                "      amount: amount\n",
                "      amount: amount\n      labels: { from: labels, each: name }\n",
            )
    }

    fn labels(plan: &Plan) -> (Leaf, Missing) {
        plan.converters[0]
            .fields
            .iter()
            .find_map(|f| match &f.value {
                ConvValue::Read { leaf, missing, .. } if f.field == "labels" => {
                    Some((leaf.clone(), missing.clone()))
                }
                _ => None,
            })
            .expect("a read for labels")
    }

    /// The item's own wire struct holds the field read; the list is item by item, and
    /// a failure inside an item names the list (`$.labels[*].name`).
    #[test]
    fn a_vec_takes_one_field_of_every_item() {
        let plan = labelled().plan();
        let (leaf, missing) = labels(&plan);
        assert_eq!(missing, Missing::None, "the list itself may be absent");
        let Leaf::Some(each) = leaf else {
            panic!("{leaf:?}")
        };
        let Leaf::Each(pluck) = *each else {
            panic!("{each:?}")
        };
        let Leaf::Pluck(p) = *pluck else {
            panic!("{pluck:?}")
        };
        assert_eq!(p.read.json_path, "$.labels[*].name");
        assert_eq!(
            (p.leaf.clone(), p.missing.clone()),
            (Leaf::Same, Missing::Error)
        );
        assert!(
            !p.fails_when_absent(&plan),
            "name is required in every item"
        );
        let item = plan
            .wire
            .iter()
            .find(|w| w.name == p.wire)
            .expect("item wire struct");
        let WireKind::Struct(fields) = &item.kind else {
            panic!("{item:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.rust_name.as_str()).collect();
        assert_eq!(names, ["name"], "only what is read goes on the wire");
    }

    #[test]
    fn an_item_field_that_may_be_absent_needs_option_items() {
        let colours = labelled().mapping("each: name", "each: colour");
        colours.refused_with(
            "'colour' may be absent or null in an item of 'labels', but Thing.labels takes a value from every item",
        );
        let plan = colours
            .port("Option<Vec<String>>", "Option<Vec<Option<String>>>")
            .plan();
        let (Leaf::Some(each), _) = labels(&plan) else {
            panic!()
        };
        let Leaf::Each(pluck) = *each else { panic!() };
        let Leaf::Pluck(p) = *pluck else { panic!() };
        assert_eq!(p.missing, Missing::None);
        assert!(matches!(p.leaf, Leaf::Some(_)));
    }

    /// `values:` maps the value read out of every item, as on a plain field.
    #[test]
    fn values_apply_to_the_value_of_every_item() {
        let plan = labelled()
            .spec(
                "              colour: { type: string }\n",
                "              colour: { type: string }\n              state: { type: string, enum: [active, gone] }\n",
            )
            .spec("required: [name]", "required: [name, state]")
            .port("Option<Vec<String>>", "Vec<Status>")
            .mapping(
                "{ from: labels, each: name }",
                "{ from: labels, each: state, default: [], values: { active: Active, gone: Gone, _: Unknown } }",
            )
            .plan();
        let (Leaf::Each(pluck), Missing::Default(d)) = labels(&plan) else {
            panic!("{:?}", labels(&plan))
        };
        assert_eq!(d, "Vec::new()");
        let Leaf::Pluck(p) = *pluck else { panic!() };
        assert!(
            matches!(&p.leaf, Leaf::Enum { domain_enum, .. } if domain_enum == "crate::domain::Status"),
            "{:?}",
            p.leaf
        );
    }

    #[test]
    fn each_needs_a_vec_a_list_of_objects_and_no_via() {
        labelled()
            .port("Option<Vec<String>>", "Option<String>")
            .refused_with("`each:` builds a Vec, but Thing.labels is String");
        labelled()
            .mapping("from: labels, each: name", "from: id, each: name")
            .refused_with("`each:` reads a field of every item, but the vendor field is");
        labelled()
            .mapping("each: name", "each: name, via: crate::convert::names")
            .refused_with("'labels' has both `each:` and `via:`");
        labelled()
            .mapping("each: name", "each: nmae")
            .refused_with("nmae");
        // GitHub's labels: a name or a label object.
        let either = labelled().spec(
            "          items:\n            type: object\n            required: [name]\n            properties:\n              name: { type: string }\n              colour: { type: string }\n",
            "          items:\n            oneOf:\n              - type: string\n              - { type: object, required: [name], properties: { name: { type: string } } }\n",
        );
        either.refused_with("but the vendor's items are a union");
        either.helped_with("convert the list with `via: path::to::function`");
    }
}

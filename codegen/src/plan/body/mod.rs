//! The request body: mapped fields built into wire structs (`fields.rs`), or the whole
//! body from one value (`whole.rs`). The body's types live here.

mod fields;
mod multipart;
mod template;
mod whole;

pub use multipart::{PartPlan, PartValue};
pub use template::Template;

use super::planner::Planner;
use super::*;
use crate::error::Span;
use crate::load::mapping::{KeyPlacement, OperationMap, Spanned, ValueSpec};
use crate::load::openapi::Spec;
use crate::load::port::PortMethod;
use crate::spec::media;
use crate::spec::view::SRef;
use std::collections::BTreeMap;

/// How a body is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json`
    Json,
    /// `application/x-www-form-urlencoded`, deepObject style.
    Form,
    /// The whole body from one value, sent with this content type.
    Raw(String),
    /// `multipart/form-data`: text and file parts.
    Multipart,
}

/// A request body: a tree of wire structs whose leaves are values.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyPlan {
    /// The encoding.
    pub encoding: BodyEncoding,
    /// The root.
    pub root: BodyNode,
}

/// A node of a request body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyNode {
    /// A wire struct and its fields: rust name, node, wrapped in `Some` (optional on the wire).
    Struct {
        /// The wire type.
        wire_type: String,
        /// Fields.
        fields: Vec<(String, BodyNode, bool)>,
    },
    /// A value.
    Leaf(ValuePlan),
    /// A list of objects built from a `Vec` of the method's arguments, item by item; or,
    /// `single`, one optional object built from an `Option` of a struct.
    List {
        /// The access path of the `Vec` (an argument, then fields).
        source: Vec<String>,
        /// The node gives an `Option`: an `Option<Vec<_>>`, or `single`.
        optional: bool,
        /// The source is an `Option` of one struct, and the node one object, left out
        /// when it is `None`.
        single: bool,
        /// The item, whose expressions start at `item`.
        item: Box<BodyNode>,
    },
    /// The idempotency key itself.
    IdempotencyKey,
    /// A list written in the mapping from single values, sent as JSON.
    Template(Template),
    /// The parts of a `multipart/form-data` body.
    Parts(Vec<PartPlan>),
}

impl<'a> Planner<'a> {
    pub(super) fn body(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        op: &'a openapiv3::Operation,
        op_id: &str,
    ) -> Option<BodyPlan> {
        let key_field = om.idempotency.as_ref().and_then(|i| match &i.placement {
            KeyPlacement::Body(p) => Some(p.clone()),
            KeyPlacement::Header(_) => None,
        });
        let Some(rb) = &op.request_body else {
            if let Some((k, _)) = om.request.first() {
                self.err(
                    k.span,
                    format!("{} takes no request body in the spec", om.call.value),
                    "remove `request:`, or, where the vendor does take one the spec leaves out, add its `requestBody` with an overlay (`overlays:` in docs/mapping.md)",
                );
            }
            return None;
        };
        let spec: &'a Spec = self.spec;
        let rb = match spec.resolve_request_body(rb) {
            Ok(rb) => rb,
            Err(e) => {
                self.err(
                    om.call.span,
                    format!("the request body of {}: {e}", om.call.value),
                    "fix the spec",
                );
                return None;
            }
        };
        if let Some(raw) = &om.body {
            return self.raw_body(om, pm, rb, raw);
        }
        if om.request.is_empty() && key_field.is_none() && !rb.required {
            return None;
        }
        let (encoding, media) = if let Some((_, m)) = media::find_json(&rb.content) {
            (BodyEncoding::Json, m)
        } else if let Some((_, m)) = media::find_form(&rb.content) {
            (BodyEncoding::Form, m)
        } else if let Some(m) = rb
            .content
            .iter()
            .find(|(k, _)| media::essence(k) == "multipart/form-data")
            .map(|(_, m)| m)
        {
            if let Some(k) = &key_field {
                self.err(
                    k.span,
                    "an idempotency key in a multipart body is not supported",
                    "send the key in a header (`idempotency: { header: … }`)",
                );
            }
            return self.multipart_body(om, pm, m);
        } else {
            let types: Vec<&str> = rb.content.keys().map(String::as_str).collect();
            self.err(
                om.call.span,
                format!(
                    "{} sends {}, which is not built from fields",
                    om.call.value,
                    types.join(", ")
                ),
                "map the whole body from bytes or text with `body: <expression>`",
            );
            return None;
        };
        let Some(schema) = &media.schema else {
            self.err(
                om.call.span,
                format!("the request body of {} has no schema", om.call.value),
                "fix the spec",
            );
            return None;
        };
        // A tree of dotted paths: "metadata.order_id" → metadata → order_id.
        let mut tree = PathTree::default();
        for (k, v) in &om.request {
            tree.insert(&k.value, Entry::Value(k.clone(), v.clone()));
        }
        if !self.refuse_overlaps(&tree) {
            return None;
        }
        if let Some(k) = &key_field {
            if k.value.contains('.') {
                self.err(
                    k.span,
                    "an idempotency key in the body must be a top-level field",
                    "name a field of the body itself",
                );
            } else {
                tree.insert(&k.value, Entry::Key(k.clone()));
            }
        }
        let root = self.body_node(
            pm,
            SRef::Plain(schema),
            &tree,
            &format!("{op_id}Request"),
            "request",
            om.method.span,
        )?;
        if let BodyNode::Struct { wire_type, .. } = &root {
            if let Some(w) = self.wire.get_mut(wire_type) {
                w.origin = Origin::RequestBody(op_id.to_string());
            }
        }
        self.request_origins(&root, op_id);
        Some(BodyPlan { encoding, root })
    }

    /// Inline schemas inside a request body are documented as part of its operation's.
    fn request_origins(&mut self, node: &BodyNode, op_id: &str) {
        let children: Vec<&BodyNode> = match node {
            BodyNode::Struct { fields, .. } => fields.iter().map(|(_, n, _)| n).collect(),
            BodyNode::List { item, .. } => vec![item],
            BodyNode::Leaf(_)
            | BodyNode::IdempotencyKey
            | BodyNode::Template(_)
            | BodyNode::Parts(_) => Vec::new(),
        };
        for child in children {
            if let BodyNode::Struct { wire_type, .. } = child {
                if let Some(w) = self.wire.get_mut(wire_type) {
                    if let Origin::Inline(path) = &w.origin {
                        let path = path.trim_start_matches("request.").to_string();
                        w.origin = Origin::InRequest(op_id.to_string(), path);
                    }
                }
            }
            self.request_origins(child, op_id);
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Entry {
    Value(Spanned<String>, ValueSpec),
    Key(Spanned<String>),
}

#[derive(Debug, Clone, Default)]
pub(super) struct PathTree {
    entry: Option<Entry>,
    children: BTreeMap<String, PathTree>,
}

impl PathTree {
    pub(super) fn insert(&mut self, path: &str, entry: Entry) {
        let mut cur = self;
        for seg in crate::load::mapping::split_path(path) {
            cur = cur.children.entry(seg).or_default();
        }
        cur.entry = Some(entry);
    }

    pub(super) fn span(&self) -> Option<Span> {
        match &self.entry {
            Some(Entry::Value(k, _)) | Some(Entry::Key(k)) => Some(k.span),
            None => self.children.values().find_map(PathTree::span),
        }
    }

    /// Keys that set a field inside a value another key gives whole
    /// (`build_parameters` from a `via:` beside `build_parameters.RUN_EXTRA_TESTS`):
    /// the whole value would be sent and the field lost. Each as (whole, part).
    pub(super) fn overlaps(&self) -> Vec<(Spanned<String>, Spanned<String>)> {
        let mut out = Vec::new();
        self.collect_overlaps(None, &mut out);
        out
    }

    fn collect_overlaps(
        &self,
        whole: Option<&Spanned<String>>,
        out: &mut Vec<(Spanned<String>, Spanned<String>)>,
    ) {
        let own = match &self.entry {
            Some(Entry::Value(k, _)) | Some(Entry::Key(k)) => Some(k),
            None => None,
        };
        if let (Some(w), Some(k)) = (whole, own) {
            out.push((w.clone(), k.clone()));
        }
        let whole = whole.or(own);
        for child in self.children.values() {
            child.collect_overlaps(whole, out);
        }
    }
}

impl Planner<'_> {
    /// Refuses each key of `tree` that sets a field inside a value given whole.
    pub(super) fn refuse_overlaps(&mut self, tree: &PathTree) -> bool {
        let overlaps = tree.overlaps();
        for (whole, part) in &overlaps {
            self.err(
                part.span,
                format!(
                    "'{}' sets a field inside '{}', which line {} gives whole: the whole value would be sent and this field lost",
                    part.value, whole.value, whole.span.line
                ),
                format!(
                    "give '{}' in one place: build the field into the value the whole one sends (its `via:` function), or map each of its fields on its own line",
                    whole.value
                ),
            );
        }
        overlaps.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixture::{Fixture, op};

    /// CircleCI's `build_parameters` given whole and one of its keys beside it: the
    /// whole value was sent and the key silently lost.
    #[test]
    fn a_field_inside_a_value_given_whole_is_refused() {
        Fixture::default()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, meta: { const: {} }, \"meta.order\": req.order }",
            )
            .refused_with("'meta.order' sets a field inside 'meta', which line");
    }

    /// An object the spec lists no fields of takes any key (CircleCI's
    /// `build_parameters: { type: object }`): JSON built from the mapping.
    #[test]
    fn keys_under_an_object_without_properties_are_sent_as_json() {
        let plan = Fixture::default()
            .spec(
                "meta: { type: object, properties: { order: { type: string } } }",
                "meta: { type: object }",
            )
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, \"meta.RUN_EXTRA_TESTS\": req.order }",
            )
            .plan();
        let body = op(&plan, "create").body.clone().expect("body");
        let BodyNode::Struct { fields, .. } = &body.root else {
            panic!("a struct body: {body:?}");
        };
        assert!(
            fields
                .iter()
                .any(|(n, node, _)| n == "meta" && matches!(node, BodyNode::Template(_))),
            "{fields:?}"
        );
    }

    /// DigitalOcean's record body: the properties in one `allOf` part, and what is
    /// required in another that says nothing else. Its list counts, so an unmapped
    /// required field is refused at check, not by the vendor with a 422.
    #[test]
    fn a_required_list_in_its_own_all_of_part_is_honoured() {
        let body = "schema:\n              allOf:\n                - type: object\n                  required: [amount]\n                  properties:\n                    amount: { type: integer }\n                    memo: { type: string }\n                    meta: { type: object, properties: { order: { type: string } } }\n                - required: [amount, meta, ghost]\n      responses:";
        let f = Fixture::default().spec(
            "schema:\n              type: object\n              required: [amount]\n              properties:\n                amount: { type: integer }\n                memo: { type: string }\n                meta: { type: object, properties: { order: { type: string } } }\n      responses:",
            body,
        );
        f.clone()
            .refused_with("'meta' of request is required by the vendor but not mapped");
        // A name the list requires that no part declares is left out of the check.
        f.mapping(
            "memo: req.memo }",
            "memo: req.memo, \"meta.order\": req.order }",
        )
        .plan();
    }

    /// `readOnly` and `writeOnly` (DigitalOcean): a request field the spec marks
    /// read-only, and an answer's field it marks write-only, are warned about at their
    /// line; the spec may be wrong (GOV.UK Pay's create body), so they still plan.
    #[test]
    fn read_only_sent_and_write_only_read_are_warned_about() {
        let f = Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { type: string, readOnly: true }",
            )
            .spec(
                "amount: { type: integer }\n        note:",
                "amount: { type: integer, writeOnly: true }\n        note:",
            );
        let warnings = f.warnings();
        assert!(
            warnings.iter().any(|w| w == "request.memo is readOnly in the spec: a vendor that honours it ignores the value in a request"),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("'amount' is writeOnly in")
                    && w.ends_with("a vendor that honours it never sends it in an answer")),
            "{warnings:?}"
        );
        assert!(Fixture::default().warnings().is_empty());
    }

    /// One that also says `additionalProperties: false` takes no key at all: a field
    /// under it is refused at check, not by the vendor.
    #[test]
    fn keys_under_a_closed_object_without_properties_are_refused() {
        Fixture::default()
            .spec(
                "meta: { type: object, properties: { order: { type: string } } }",
                "meta: { type: object, additionalProperties: false }",
            )
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, \"meta.RUN_EXTRA_TESTS\": req.order }",
            )
            .refused_with("unknown field 'RUN_EXTRA_TESTS' in request.meta");
    }

    #[test]
    fn a_json_body_of_mapped_fields_and_dotted_paths() {
        let plan = Fixture::default()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, \"meta.order\": req.order }",
            )
            .plan();
        let body = op(&plan, "create").body.clone().expect("body");
        assert_eq!(body.encoding, BodyEncoding::Json);
        let BodyNode::Struct { wire_type, fields } = &body.root else {
            panic!("a struct body: {body:?}");
        };
        assert_eq!(wire_type, "CreateThingRequest");
        let names: Vec<(&str, bool)> = fields.iter().map(|(n, _, w)| (n.as_str(), *w)).collect();
        // `memo` is optional on the wire but already an Option: not wrapped in Some.
        assert_eq!(names, [("amount", false), ("memo", false), ("meta", true)]);
        assert!(matches!(
            &fields[2].1,
            BodyNode::Struct { wire_type, .. } if wire_type == "CreateThingRequestMeta"
        ));
        let wire = plan
            .wire
            .iter()
            .find(|w| w.name == "CreateThingRequest")
            .expect("wire");
        assert!(wire.serialize && !wire.deserialize);
        assert_eq!(wire.origin, Origin::RequestBody("createThing".into()));
    }

    #[test]
    fn a_form_body_is_encoded_as_a_form() {
        let plan = Fixture::default()
            .spec("          application/json:\n            schema:\n              type: object\n              required: [amount]", "          application/x-www-form-urlencoded:\n            schema:\n              type: object\n              required: [amount]")
            .plan();
        assert_eq!(
            op(&plan, "create").body.as_ref().map(|b| &b.encoding),
            Some(&BodyEncoding::Form)
        );
    }

    #[test]
    fn bodies_where_there_are_none_and_required_fields_left_out() {
        Fixture::default()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    request: { amount: id }",
            )
            .refused_with("getThing takes no request body");
        Fixture::default()
            .mapping(
                "request: { amount: req.amount, memo: req.memo }",
                "request: { memo: req.memo }",
            )
            .refused_with("field 'amount' of request is required by the vendor but not mapped");
        Fixture::default()
            .mapping(
                "idempotency: { header: Idempotency-Key, key: req.order }",
                "idempotency: { body: meta.key }",
            )
            .refused_with("an idempotency key in the body must be a top-level field");
    }
}

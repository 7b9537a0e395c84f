//! The mapped surface of one spec: every place of the vendor document that the mapping
//! reads or writes, and what the document says there. Two surfaces (old spec, new spec)
//! built from the same mapping line up key by key, which is what `classify.rs` compares.

use super::raw::{self, Shape};
use crate::error::Span;
use crate::load::mapping::{KeyPlacement, Mapping, OperationMap, ValueSpec};
use crate::load::openapi::Spec;
use crate::load::port::{Port, Ty};
use crate::spec::media;
use crate::spec::refs;
use crate::spec::responses::Status;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Surface {
    /// One per mapped operation, in mapping order.
    pub ops: Vec<OpSurface>,
}

pub(crate) struct OpSurface {
    /// The port method.
    pub method: String,
    pub method_span: Span,
    /// The mapping's `call:`.
    pub call: String,
    pub call_span: Span,
    /// `None` when the spec has no such operation.
    pub found: Option<OpFacts>,
}

pub(crate) struct OpFacts {
    /// `POST /payments`
    pub http: String,
    /// (path, lower-case method), to leave mapped operations out of the counts.
    pub key: (String, String),
    /// Every response key: `200`, `2XX`, `default`.
    pub statuses: BTreeSet<String>,
    /// All parameters, by name.
    pub params: Level,
    /// Request objects the mapping writes into, by dotted prefix (`""` is the body).
    pub levels: BTreeMap<String, Level>,
    /// Mapped places, by a key that is the same in both specs.
    pub slots: BTreeMap<String, Slot>,
}

/// The members of one object (or the parameters of an operation).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Level {
    pub props: BTreeMap<String, Shape>,
    pub required: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Request,
    Param,
    Response,
}

pub(crate) struct Slot {
    pub side: Side,
    /// `request field 'amount.value'`
    pub label: String,
    pub span: Span,
    pub path: Vec<String>,
    pub reach: Reach,
    /// The `values:` of a response field.
    pub mapped: Option<Values>,
    /// A string constant the mapping sends.
    pub constant: Option<(String, Span)>,
}

pub(crate) struct Values {
    pub domain_enum: String,
    /// Vendor value, variant, span of the arm.
    pub arms: Vec<(String, String, Span)>,
    /// The catch-all variant and the span of its arm.
    pub catch_all: Option<(String, Span)>,
}

pub(crate) enum Reach {
    /// The path leads to a value.
    Leaf(Leaf),
    /// `path[at]` is not a member of the object it should be in.
    Missing { at: usize, parent: Level },
    /// `path[..at]` is no longer an object (or a list).
    NotObject { at: usize, shape: Shape },
}

pub(crate) struct Leaf {
    pub shape: Shape,
    pub required: bool,
    pub nullable: bool,
    pub values: Vec<String>,
    /// The constraints checked before sending, by keyword.
    pub limits: BTreeMap<&'static str, String>,
    /// `trail[i]` is the object that holds `path[i]`.
    pub trail: Vec<Level>,
}

impl Surface {
    pub(crate) fn of(spec: &Spec, mapping: &Mapping, port: &Port) -> Surface {
        let ops = mapping
            .operations
            .iter()
            .map(|om| OpSurface {
                method: om.method.value.clone(),
                method_span: om.method.span,
                call: om.call.value.clone(),
                call_span: om.call.span,
                found: op_facts(spec, mapping, port, om),
            })
            .collect();
        Surface { ops }
    }

    /// (path, method) of every mapped operation found in this spec.
    pub(crate) fn operation_keys(&self) -> BTreeSet<(String, String)> {
        self.ops
            .iter()
            .filter_map(|o| o.found.as_ref().map(|f| f.key.clone()))
            .collect()
    }
}

fn op_facts(spec: &Spec, mapping: &Mapping, port: &Port, om: &OperationMap) -> Option<OpFacts> {
    let doc = &spec.raw;
    let (oref, _) = spec.operation(&om.call.value)?;
    let raw_op = doc.get("paths")?.get(&oref.path)?.get(&oref.method)?;
    let mut facts = OpFacts {
        http: format!("{} {}", oref.method.to_ascii_uppercase(), oref.path),
        key: (oref.path.clone(), oref.method.clone()),
        statuses: raw_op
            .get("responses")
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default(),
        params: Level::default(),
        levels: BTreeMap::new(),
        slots: BTreeMap::new(),
    };
    params(doc, &oref.path, raw_op, om, &mut facts);
    request(doc, raw_op, om, &mut facts);
    let ok = port.method(&om.method.value).map(|m| m.ok.clone());
    // What the answer is built of: a struct (or `Option` of one), or a list of them
    // (`Vec<T>`, a stream's items), read where `unwrap:` points, as the planner reads it.
    let (inner, list) = match ok.as_ref().map(Ty::without_refs) {
        Some(Ty::Vec(inner)) => (Some(inner.without_refs()), true),
        Some(Ty::Option(inner)) => (Some(inner.without_refs()), false),
        other => (other, false),
    };
    let built = match inner {
        Some(Ty::Named(t)) => Some((t.clone(), list)),
        _ => None,
    };
    let mut prefix: Vec<String> = om
        .unwrap
        .as_ref()
        .filter(|u| u.value != "$")
        .map(|u| crate::load::mapping::split_path(&u.value))
        .unwrap_or_default();
    if let Some((_, true)) = &built {
        prefix.push("[]".into());
    }
    if let Some((t, _)) = built {
        if let Some(tm) = mapping.types.iter().find(|tm| tm.name.value == t) {
            let mut success: Vec<&String> = facts
                .statuses
                .iter()
                .filter(|s| Status::parse(s).is_some_and(Status::is_success))
                .collect();
            success.sort();
            for status in success {
                let Some(schema) = super::response::schema(doc, raw_op, status) else {
                    continue;
                };
                let ctx = super::response::Ctx { doc, mapping, port };
                ctx.slots(tm, schema, &prefix, &t, 0, &mut facts.slots);
            }
        }
    }
    Some(facts)
}

fn params(doc: &Value, path: &str, raw_op: &Value, om: &OperationMap, facts: &mut OpFacts) {
    let item_level = doc
        .get("paths")
        .and_then(|p| p.get(path))
        .and_then(|i| i.get("parameters"));
    let all = item_level
        .into_iter()
        .chain(raw_op.get("parameters"))
        .filter_map(Value::as_array)
        .flatten();
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut limits: BTreeMap<String, BTreeMap<&'static str, String>> = BTreeMap::new();
    for p in all {
        let p = refs::target(doc, p);
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let is_path = p.get("in").and_then(Value::as_str) == Some("path");
        let schema = p.get("schema").unwrap_or(&Value::Null);
        facts
            .params
            .props
            .insert(name.to_string(), raw::shape(doc, schema));
        if is_path || p.get("required").and_then(Value::as_bool) == Some(true) {
            facts.params.required.insert(name.to_string());
        } else {
            facts.params.required.remove(name);
        }
        values.insert(name.to_string(), raw::enum_values(doc, schema));
        limits.insert(name.to_string(), raw::limits(doc, schema));
    }
    for (name, spec) in &om.params {
        let reach = match facts.params.props.get(&name.value) {
            Some(shape) => Reach::Leaf(Leaf {
                shape: shape.clone(),
                required: facts.params.required.contains(&name.value),
                nullable: false,
                values: values.remove(&name.value).unwrap_or_default(),
                limits: limits.remove(&name.value).unwrap_or_default(),
                trail: vec![facts.params.clone()],
            }),
            None => Reach::Missing {
                at: 0,
                parent: facts.params.clone(),
            },
        };
        facts.slots.insert(
            format!("param {}", name.value),
            Slot {
                side: Side::Param,
                label: format!("parameter '{}'", name.value),
                span: name.span,
                path: vec![name.value.clone()],
                reach,
                mapped: None,
                constant: constant(spec),
            },
        );
    }
}

fn constant(spec: &ValueSpec) -> Option<(String, Span)> {
    match spec {
        ValueSpec::Const(c) => c.value.as_str().map(|s| (s.to_string(), c.span)),
        ValueSpec::Expr { .. }
        | ValueSpec::Each { .. }
        | ValueSpec::Setting(_)
        | ValueSpec::Credential(_)
        | ValueSpec::File { .. } => None,
    }
}

fn request(doc: &Value, raw_op: &Value, om: &OperationMap, facts: &mut OpFacts) {
    let Some(body) = raw_op.get("requestBody") else {
        return;
    };
    let body = refs::target(doc, body);
    let content = body.get("content").and_then(Value::as_object);
    let media = content.and_then(|c| {
        c.iter()
            .find(|(k, _)| media::is_json(k))
            .or_else(|| c.iter().find(|(k, _)| media::is_form(k)))
    });
    let Some(schema) = media.and_then(|(_, m)| m.get("schema")) else {
        return;
    };
    // The members written at each level, so a union resolves to the variant the planner picks.
    let mut wanted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, _) in &om.request {
        let owned = crate::load::mapping::split_path(&k.value);
        let segs: Vec<&str> = owned.iter().map(String::as_str).collect();
        for i in 0..segs.len() {
            wanted
                .entry(segs[..i].join("."))
                .or_default()
                .push(segs[i].to_string());
        }
    }
    let top: Vec<&str> = wanted
        .get("")
        .map(|w| w.iter().map(String::as_str).collect())
        .unwrap_or_default();
    if let Some(root) = raw::object(doc, schema, &top) {
        facts.levels.insert(String::new(), level(doc, &root));
    }
    // The body fields the mapping writes: key, its span, and a string constant it sends.
    type Written = (String, Span, Option<(String, Span)>);
    let mut written: Vec<Written> = om
        .request
        .iter()
        .map(|(k, v)| (k.value.clone(), k.span, constant(v)))
        .collect();
    if let Some(KeyPlacement::Body(k)) = om.idempotency.as_ref().map(|i| &i.placement) {
        written.push((k.value.clone(), k.span, None));
    }
    for (key, span, constant) in written {
        let path: Vec<String> = crate::load::mapping::split_path(&key);
        let reach = walk(doc, schema, &path, &wanted);
        if let Reach::Leaf(leaf) = &reach {
            for (i, l) in leaf.trail.iter().enumerate() {
                facts.levels.insert(path[..i].join("."), l.clone());
            }
        }
        facts.slots.insert(
            format!("request {key}"),
            Slot {
                side: Side::Request,
                label: format!("request field '{key}'"),
                span,
                path,
                reach,
                mapped: None,
                constant,
            },
        );
    }
}

/// `lines[].amount` for a path that goes through a list.
pub(crate) fn display_path(path: &[String]) -> String {
    path.join(".").replace(".[]", "[]")
}

fn is_index(seg: &str) -> bool {
    seg == "[]" || seg.parse::<usize>().is_ok()
}

fn level(doc: &Value, o: &raw::Object<'_>) -> Level {
    Level {
        props: o
            .props
            .iter()
            .map(|(k, v)| (k.clone(), raw::shape(doc, v)))
            .collect(),
        required: o.required.clone(),
    }
}

/// Follows `path` from `root` the way the planner does; `wanted` lists, by dotted prefix,
/// the members the mapping uses at each level.
pub(crate) fn walk(
    doc: &Value,
    root: &Value,
    path: &[String],
    wanted: &BTreeMap<String, Vec<String>>,
) -> Reach {
    let mut cur = root;
    let mut trail = Vec::new();
    let mut required = true;
    for (i, seg) in path.iter().enumerate() {
        if is_index(seg) {
            match raw::items(doc, cur) {
                Some(item) => {
                    trail.push(Level::default());
                    cur = item;
                    continue;
                }
                None => {
                    return Reach::NotObject {
                        at: i,
                        shape: raw::shape(doc, cur),
                    };
                }
            }
        }
        let here_wanted: Vec<&str> = match wanted.get(&path[..i].join(".")) {
            Some(w) => w.iter().map(String::as_str).collect(),
            None => vec![seg.as_str()],
        };
        let Some(obj) = raw::object(doc, cur, &here_wanted) else {
            return Reach::NotObject {
                at: i,
                shape: raw::shape(doc, cur),
            };
        };
        let here = level(doc, &obj);
        match (obj.props.get(seg.as_str()), obj.additional) {
            (Some(child), _) => {
                required = obj.required.contains(seg.as_str());
                cur = child;
            }
            (None, Some(extra)) => {
                required = false;
                cur = extra;
            }
            (None, None) => {
                return Reach::Missing {
                    at: i,
                    parent: here,
                };
            }
        }
        trail.push(here);
    }
    Reach::Leaf(Leaf {
        shape: raw::shape(doc, cur),
        required,
        nullable: raw::nullable(doc, cur),
        values: raw::enum_values(doc, cur),
        limits: raw::limits(doc, cur),
        trail,
    })
}

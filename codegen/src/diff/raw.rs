//! Reading schemas straight from the document tree (`Spec::raw`, already in the 3.0
//! shape), the way the planner reads them: `$ref`s followed, `allOf` parts merged, the
//! object variant of an `anyOf`/`oneOf` taken when a path goes through it.
//!
//! The raw tree rather than `openapiv3` types, because the same walk also serves the
//! counting of changes outside the mapped surface, which compares whole subtrees.
//! References are followed by [`crate::spec::refs`], like everywhere else.

use crate::spec::refs::target;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The type of a schema, split so a format change can be told from a type change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Shape {
    /// `string`, `integer`, `object`, `array of string`, `union`, `any`.
    pub kind: String,
    /// `date-time`, `int64`, …
    pub format: Option<String>,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.format {
            Some(fmt) => write!(f, "{} ({fmt})", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

/// The properties of an object schema, `allOf` parts merged.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Object<'a> {
    pub props: BTreeMap<String, &'a Value>,
    pub required: BTreeSet<String>,
    pub additional: Option<&'a Value>,
}

fn union_parts(v: &Value) -> Option<&Vec<Value>> {
    v.get("oneOf")
        .or_else(|| v.get("anyOf"))
        .and_then(Value::as_array)
}

/// The object a path step goes into: the schema itself, its `allOf` merged, or, like the
/// planner, the first `anyOf`/`oneOf` variant that has every `wanted` member (else the
/// first that has the first of them, else the first object variant).
pub(crate) fn object<'a>(doc: &'a Value, v: &'a Value, wanted: &[&str]) -> Option<Object<'a>> {
    object_depth(doc, v, wanted, 0)
}

fn object_depth<'a>(
    doc: &'a Value,
    v: &'a Value,
    wanted: &[&str],
    depth: usize,
) -> Option<Object<'a>> {
    if depth > 16 {
        return None;
    }
    let v = target(doc, v);
    let mut out = Object::default();
    let mut is_object =
        v.get("type").and_then(Value::as_str) == Some("object") || v.get("properties").is_some();
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        for (k, s) in props {
            out.props.insert(k.clone(), s);
        }
    }
    if let Some(req) = v.get("required").and_then(Value::as_array) {
        out.required
            .extend(req.iter().filter_map(Value::as_str).map(String::from));
    }
    match v.get("additionalProperties") {
        Some(a @ Value::Object(_)) => out.additional = Some(a),
        Some(a @ Value::Bool(true)) => out.additional = Some(a),
        _ => {}
    }
    if let Some(parts) = v.get("allOf").and_then(Value::as_array) {
        for p in parts {
            if let Some(o) = object_depth(doc, p, wanted, depth + 1) {
                is_object = true;
                out.props.extend(o.props);
                out.required.extend(o.required);
                out.additional = out.additional.or(o.additional);
            }
        }
    }
    if !is_object {
        let parts = union_parts(v)?;
        let objects: Vec<Object<'a>> = parts
            .iter()
            .filter_map(|p| object_depth(doc, p, wanted, depth + 1))
            .collect();
        let chosen = objects
            .iter()
            .position(|o| wanted.iter().all(|w| o.props.contains_key(*w)))
            .or_else(|| {
                let first = wanted.first()?;
                objects.iter().position(|o| o.props.contains_key(*first))
            })
            .unwrap_or(0);
        return objects.into_iter().nth(chosen);
    }
    Some(out)
}

/// The item schema of an array.
pub(crate) fn items<'a>(doc: &'a Value, v: &'a Value) -> Option<&'a Value> {
    let v = target(doc, v);
    v.get("items")
}

/// The shape of a schema.
pub(crate) fn shape(doc: &Value, v: &Value) -> Shape {
    shape_depth(doc, v, 0)
}

fn shape_depth(doc: &Value, v: &Value, depth: usize) -> Shape {
    let v = target(doc, v);
    let format = v.get("format").and_then(Value::as_str).map(String::from);
    let kind = match v.get("type").and_then(Value::as_str) {
        Some("array") if depth < 4 => {
            let item = v
                .get("items")
                .map(|i| shape_depth(doc, i, depth + 1))
                .map(|s| s.to_string())
                .unwrap_or_else(|| "any".into());
            format!("array of {item}")
        }
        Some(t) => t.to_string(),
        None if v.get("properties").is_some() || v.get("allOf").is_some() => "object".into(),
        None if union_parts(v).is_some() => "union".into(),
        None if v.get("enum").is_some() => "string".into(),
        None => "any".into(),
    };
    Shape { kind, format }
}

/// `nullable: true` on the schema (3.1 `type: [x, "null"]` is normalised into it).
pub(crate) fn nullable(doc: &Value, v: &Value) -> bool {
    let r = target(doc, v);
    v.get("nullable").and_then(Value::as_bool).unwrap_or(false)
        || r.get("nullable").and_then(Value::as_bool).unwrap_or(false)
}

/// The constraints a request value is checked against before sending (`maxLength`,
/// `pattern`, bounds, `maxItems`, ...), by keyword, as the spec writes them; a one-part
/// composition (3.1's nullable reference) is looked through.
pub(crate) fn limits(doc: &Value, v: &Value) -> BTreeMap<&'static str, String> {
    const KEYWORDS: [&str; 9] = [
        "maxLength",
        "minLength",
        "pattern",
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "maxItems",
        "minItems",
    ];
    let mut t = target(doc, v);
    for _ in 0..8 {
        let one = ["allOf", "oneOf", "anyOf"].iter().find_map(|k| {
            t.get(*k)
                .and_then(Value::as_array)
                .filter(|parts| parts.len() == 1)
                .map(|parts| &parts[0])
        });
        match one {
            Some(part) => t = target(doc, part),
            None => break,
        }
    }
    KEYWORDS
        .iter()
        .filter_map(|k| t.get(*k).map(|x| (*k, x.to_string())))
        .collect()
}

/// The values of `enum`, in document order: strings as they are, integer codes as
/// their decimal text (how a mapping's `values:` names both).
pub(crate) fn enum_values(doc: &Value, v: &Value) -> Vec<String> {
    let v = target(doc, v);
    v.get("enum")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A copy of a subtree without prose and examples, so that only contract changes count.
pub(crate) fn contract(v: &Value) -> Value {
    const PROSE: [&str; 6] = [
        "description",
        "summary",
        "externalDocs",
        "example",
        "examples",
        "title",
    ];
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !PROSE.contains(&k.as_str()) && !k.starts_with("x-"))
                .map(|(k, v)| (k.clone(), contract(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(contract).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_of_parts_merge_and_unions_pick_the_variant_with_the_field() {
        let doc = json!({"components": {"schemas": {
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
            "Card": {"type": "object", "properties": {"number": {"type": "string"}}},
            "Bank": {"type": "object", "properties": {"iban": {"type": "string"}}}
        }}});
        let s = json!({"allOf": [{"$ref": "#/components/schemas/Base"},
            {"properties": {"method": {"oneOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Bank"}]}}}]});
        let o = object(&doc, &s, &["id"]).expect("object");
        assert!(o.required.contains("id"));
        let method = o.props["method"];
        let bank = object(&doc, method, &["iban"]).expect("variant");
        assert!(bank.props.contains_key("iban"));
        assert_eq!(shape(&doc, method).kind, "union");
    }

    #[test]
    fn shapes_keep_formats_apart_and_prose_is_not_contract() {
        let doc = json!({});
        let s = json!({"type": "array", "items": {"type": "string", "format": "date-time"}});
        assert_eq!(shape(&doc, &s).to_string(), "array of string (date-time)");
        let a = json!({"type": "string", "description": "a", "x-addedInVersion": "70"});
        let b = json!({"type": "string", "description": "b"});
        assert_eq!(contract(&a), contract(&b));
    }
}

//! Examples from the spec, and deterministic samples where the spec has none.
//!
//! Contract tests serve the vendor's own examples: a media type's `example`, its named
//! `examples` (following `$ref`s into `components/examples`), or the schema's `example`.
//! Stripe's spec has none, so [`sample`] synthesises a value from the schema alone:
//! the same schema always gives the same bytes.
//!
//! Sample rules, in order: a schema's own `example`; an `enum`'s first value (or the
//! name hint's value when the enum holds it); `allOf` merged; the first `anyOf` /
//! `oneOf` variant; then by type. Objects carry their required properties, their
//! optional ones down to depth 3, and at any depth the ones on a path the mapping reads
//! ([`sample_reading`]: Bitbucket's `values[].source.branch.name`), so a mapped optional
//! field is exercised too; a
//! `$ref` cycle or depth past 8 ends in `null`, which an optional property omits.
//! Strings follow `format` (`date-time`, `date`, `uuid`, `email`, `uri`, `int64`) and a name
//! hint (a property called `currency` is `USD`, so a `via:` money conversion accepts
//! it); otherwise `sample-<name>`, cut to `maxLength` and padded to `minLength`.
//! Numbers take `minimum` when it is above 1, else 1, capped by `maximum`.

use crate::spec::refs::target;
use serde_json::{Map, Value};

/// How deep `$ref`s are followed before a sample or an inlined schema stops.
const MAX_DEPTH: usize = 8;

/// The schema with every `$ref` replaced by what it points at, cut to `{}` (anything)
/// at a cycle or past `MAX_DEPTH` levels, so a validator needs no document around it.
pub fn inline(root: &Value, schema: &Value) -> Value {
    inline_at(root, schema, &mut Vec::new())
}

fn inline_at(root: &Value, v: &Value, stack: &mut Vec<String>) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                if stack.iter().any(|s| s == r) || stack.len() >= MAX_DEPTH {
                    return Value::Object(Map::new());
                }
                stack.push(r.to_owned());
                let target = target(root, v);
                let out = inline_at(root, target, stack);
                stack.pop();
                return out;
            }
            Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), inline_at(root, x, stack)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|x| inline_at(root, x, stack)).collect())
        }
        other => other.clone(),
    }
}

/// A named example of a request or response body.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Where it comes from: the example's name, `example`, `schema example` or `synthesised`.
    pub name: String,
    /// The value.
    pub value: Value,
}

/// The examples of a media type object (`content["application/json"]`), in document
/// order; the schema's own `example` when the media type has none; a sample
/// synthesised carrying the paths `synthesise` holds ([`sample_reading`]) when it is
/// `Some` and there is nothing else.
pub fn examples(root: &Value, media: &Value, synthesise: Option<&[Vec<String>]>) -> Vec<Example> {
    let mut out = Vec::new();
    let schema = target(root, &media["schema"]);
    if let Some(v) = media.get("example") {
        out.push(Example {
            name: "example".into(),
            value: as_json(schema, v),
        });
    }
    if let Some(map) = media.get("examples").and_then(Value::as_object) {
        for (name, ex) in map {
            if let Some(v) = target(root, ex).get("value") {
                out.push(Example {
                    name: name.clone(),
                    value: as_json(schema, v),
                });
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    if let Some(v) = schema.get("example") {
        return vec![Example {
            name: "schema example".into(),
            value: v.clone(),
        }];
    }
    if let Some(reads) = synthesise.filter(|_| !schema.is_null()) {
        out.push(Example {
            name: "synthesised".into(),
            value: sample_reading(root, &media["schema"], reads),
        });
    }
    out
}

/// An example as the body it shows. Jira writes 585 of its 603 response examples as
/// the JSON text in a string: where the schema is not a string and the text is a JSON
/// object or list, the example is that value, not a string the contract refuses.
fn as_json(schema: &Value, v: &Value) -> Value {
    let Value::String(text) = v else {
        return v.clone();
    };
    let is_text = schema.get("type").and_then(Value::as_str) == Some("string");
    let looks_json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    if is_text || !looks_json {
        return v.clone();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(parsed @ (Value::Object(_) | Value::Array(_))) => parsed,
        _ => v.clone(),
    }
}

/// A deterministic value that satisfies `schema` (see the module docs for the rules).
pub fn sample(root: &Value, schema: &Value) -> Value {
    sample_reading(root, schema, &[])
}

/// [`sample`], carrying every optional property on the paths `reads` names however deep
/// (`["values", "0", "source", "branch", "name"]`; an index steps into an array's
/// item, and an array is also stepped through without one).
pub fn sample_reading(root: &Value, schema: &Value, reads: &[Vec<String>]) -> Value {
    let reads: Vec<&[String]> = reads.iter().map(Vec::as_slice).collect();
    sample_at(root, schema, "value", 0, &reads, &mut Vec::new())
}

fn sample_at(
    root: &Value,
    v: &Value,
    name: &str,
    depth: usize,
    reads: &[&[String]],
    stack: &mut Vec<String>,
) -> Value {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        if stack.iter().any(|s| s == r) || stack.len() >= MAX_DEPTH {
            return Value::Null;
        }
        stack.push(r.to_owned());
        let out = sample_at(root, target(root, v), name, depth, reads, stack);
        stack.pop();
        return out;
    }
    let Some(s) = v.as_object() else {
        return Value::Null;
    };
    if let Some(ex) = s.get("example") {
        return ex.clone();
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let hint = hint(name).map(Value::from);
        return match hint {
            Some(h) if values.contains(&h) => h,
            _ => values
                .iter()
                .find(|x| !x.is_null())
                .cloned()
                .unwrap_or(Value::Null),
        };
    }
    if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for p in parts {
            match sample_at(root, p, name, depth, reads, stack) {
                Value::Object(m) => merged.extend(m),
                other if merged.is_empty() && parts.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|v| v.first()) {
            return sample_at(root, first, name, depth, reads, stack);
        }
    }
    let ty = s
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(if s.contains_key("properties") {
            "object"
        } else if s.contains_key("items") {
            "array"
        } else {
            ""
        });
    match ty {
        "object" => {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            for (k, p) in s
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let req = required.contains(&k.as_str());
                let inside: Vec<&[String]> = reads
                    .iter()
                    .filter_map(|r| r.split_first().filter(|(first, _)| *first == k))
                    .map(|(_, rest)| rest)
                    .collect();
                if !req && depth >= 3 && inside.is_empty() {
                    continue;
                }
                let x = sample_at(root, p, k, depth + 1, &inside, stack);
                if !x.is_null() || req {
                    out.insert(k.clone(), x);
                }
            }
            Value::Object(out)
        }
        "array" => {
            let inside: Vec<&[String]> = reads
                .iter()
                .map(|r| match r.split_first() {
                    Some((index, rest)) if index.parse::<usize>().is_ok() => rest,
                    _ => r,
                })
                .collect();
            let item = sample_at(
                root,
                s.get("items").unwrap_or(&Value::Null),
                name,
                depth + 1,
                &inside,
                stack,
            );
            Value::Array(if item.is_null() { vec![] } else { vec![item] })
        }
        "integer" => {
            let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(1).max(1);
            let max = s.get("maximum").and_then(Value::as_i64).unwrap_or(i64::MAX);
            Value::from(min.min(max))
        }
        "number" => {
            let min = s
                .get("minimum")
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .max(1.0);
            let max = s.get("maximum").and_then(Value::as_f64).unwrap_or(f64::MAX);
            Value::from(min.min(max))
        }
        "boolean" => Value::Bool(true),
        "string" => Value::String(string(s, name)),
        _ => Value::Null,
    }
}

/// The value a field's name suggests, where a generic string would be refused.
fn hint(name: &str) -> Option<&'static str> {
    name.to_ascii_lowercase()
        .ends_with("currency")
        .then_some("USD")
}

fn string(s: &Map<String, Value>, name: &str) -> String {
    let by_format = match s.get("format").and_then(Value::as_str) {
        Some("date-time") => Some("2024-01-02T03:04:05Z"),
        Some("date") => Some("2024-01-02"),
        Some("uuid") => Some("00000000-0000-4000-8000-000000000001"),
        Some("email") => Some("customer@example.com"),
        Some("uri" | "url") => Some("https://example.com/"),
        // An integer sent as decimal text (Google's and Mux's int64s).
        Some("int64" | "int32" | "uint64" | "uint32" | "integer") => Some("1"),
        _ => None,
    };
    let pattern = s
        .get("pattern")
        .and_then(Value::as_str)
        .and_then(from_pattern);
    let mut text = match by_format.or_else(|| hint(name)) {
        Some(t) => t.to_owned(),
        None => match pattern {
            Some(p) => return p,
            None => format!("sample-{name}"),
        },
    };
    if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
        text = text
            .chars()
            .take(usize::try_from(max).unwrap_or(usize::MAX))
            .collect();
    }
    if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
        while (text.chars().count() as u64) < min {
            text.push('x');
        }
    }
    text
}

/// A short text that `pattern` (ECMA-262 source, as specs write it) matches: each
/// repetition its fewest times, each alternation its first branch, each class its first
/// character. `None` when the pattern does not parse, asks for more than 256
/// characters, or the text would not match after all (a lookaround, a backreference).
///
/// ```
/// use portcullis_codegen::plan::samples::from_pattern;
/// assert_eq!(from_pattern("^AC[0-9a-fA-F]{4}$").as_deref(), Some("AC0000"));
/// assert_eq!(from_pattern("^(SM|MM)[a-f]+$").as_deref(), Some("SMa"));
/// ```
pub fn from_pattern(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(h: &Hir, out: &mut String) -> Option<()> {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(std::str::from_utf8(&l.0).ok()?),
            HirKind::Class(Class::Unicode(c)) => out.push(c.ranges().first()?.start()),
            HirKind::Class(Class::Bytes(c)) => out.push(char::from(c.ranges().first()?.start())),
            HirKind::Repetition(r) => {
                for _ in 0..r.min {
                    walk(&r.sub, out)?;
                    if out.len() > 256 {
                        return None;
                    }
                }
            }
            HirKind::Capture(c) => walk(&c.sub, out)?,
            HirKind::Concat(parts) => {
                for p in parts {
                    walk(p, out)?;
                }
            }
            HirKind::Alternation(branches) => walk(branches.first()?, out)?,
        }
        Some(())
    }
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut out = String::new();
    walk(&hir, &mut out)?;
    let re = regex::Regex::new(pattern).ok()?;
    re.is_match(&out).then_some(out)
}

/// A text for a value whose slot states `c`, starting from `base`: its first allowed
/// value, a UUID, a match of its pattern, or `base` fitted to its lengths.
pub fn fitting_text(c: &super::constraints::Constraints, base: &str) -> String {
    if let Some(v) = c.values.first() {
        return v.clone();
    }
    if c.uuid {
        return "00000000-0000-4000-8000-000000000001".to_owned();
    }
    match c.format {
        Some(super::constraints::TextFormat::Date) => return "2026-03-01".to_owned(),
        Some(super::constraints::TextFormat::DateTime) => {
            return "2026-03-01T12:00:00Z".to_owned();
        }
        Some(super::constraints::TextFormat::Email) => return "someone@example.com".to_owned(),
        Some(super::constraints::TextFormat::Uri) => return "https://example.com/".to_owned(),
        None => {}
    }
    let fits = |t: &str| {
        let n = t.chars().count();
        c.min_length.is_none_or(|m| n >= m) && c.max_length.is_none_or(|m| n <= m)
    };
    if let Some(p) = c.pattern.as_deref().and_then(from_pattern) {
        if fits(&p) {
            return p;
        }
    }
    let mut text: String = base
        .chars()
        .take(c.max_length.unwrap_or(usize::MAX))
        .collect();
    while c.min_length.is_some_and(|m| text.chars().count() < m) {
        text.push('x');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jira's examples: the JSON text of the body in a string. Read as the body where
    /// the schema is an object; kept as text where the schema is a string.
    #[test]
    fn an_example_written_as_json_text_is_the_body_it_shows() {
        let root = serde_json::json!({});
        let media = serde_json::json!({
            "schema": { "type": "object", "properties": { "id": { "type": "string" } } },
            "example": "{\"id\":\"10002\"}"
        });
        let got = examples(&root, &media, None);
        assert_eq!(got[0].value, serde_json::json!({ "id": "10002" }));
        let text = serde_json::json!({ "schema": { "type": "string" }, "example": "{\"id\":1}" });
        assert_eq!(
            examples(&root, &text, None)[0].value,
            serde_json::json!("{\"id\":1}")
        );
        let broken = serde_json::json!({ "schema": { "type": "object" }, "example": "{not json" });
        assert_eq!(
            examples(&root, &broken, None)[0].value,
            serde_json::json!("{not json")
        );
    }

    /// Bitbucket's pull requests: `values[].source.branch.name`, all optional, is past
    /// the depth a sample carries optional fields to; a path the mapping reads is
    /// carried however deep, and nothing else grows.
    #[test]
    fn a_sample_carries_the_paths_the_mapping_reads_however_deep() {
        let root = serde_json::json!({});
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "values": { "type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "source": { "type": "object", "properties": {
                            "branch": { "type": "object", "properties": {
                                "name": { "type": "string" },
                                "links": { "type": "object", "properties": { "self": { "type": "string" } } }
                            } },
                            "commit": { "type": "object", "properties": { "hash": { "type": "string" } } }
                        } }
                    }
                } }
            }
        });
        let plain = sample(&root, &schema);
        assert_eq!(
            plain["values"][0]["source"],
            serde_json::json!({}),
            "{plain}"
        );
        let path = |p: &str| p.split('.').map(str::to_owned).collect::<Vec<_>>();
        let read = sample_reading(&root, &schema, &[path("values.0.source.branch.name")]);
        assert_eq!(
            read["values"][0]["source"],
            serde_json::json!({ "branch": { "name": "sample-name" } }),
            "{read}"
        );
        let without_index = sample_reading(&root, &schema, &[path("values.source.commit.hash")]);
        assert_eq!(
            without_index["values"][0]["source"]["commit"]["hash"],
            "sample-hash"
        );
    }

    #[test]
    fn texts_fit_the_pattern_lengths_and_values_a_slot_states() {
        use super::super::constraints::Constraints;
        let sid = Constraints {
            pattern: Some("^AC[0-9a-fA-F]{32}$".into()),
            min_length: Some(34),
            max_length: Some(34),
            ..Default::default()
        };
        let text = fitting_text(&sid, "test_account_sid");
        assert_eq!(text.len(), 34);
        assert!(text.starts_with("AC"), "{text}");
        let short = Constraints {
            max_length: Some(4),
            ..Default::default()
        };
        assert_eq!(fitting_text(&short, "order-1"), "orde");
        let long = Constraints {
            min_length: Some(9),
            ..Default::default()
        };
        assert_eq!(fitting_text(&long, "order-1"), "order-1xx");
        let one_of = Constraints {
            values: vec!["gbp".into()],
            ..Default::default()
        };
        assert_eq!(fitting_text(&one_of, "currency-1"), "gbp");
        // A lookahead the regex crate cannot compile: the base text, fitted to lengths.
        let unsupported = Constraints {
            pattern: Some("^(?=a)b$".into()),
            ..Default::default()
        };
        assert_eq!(fitting_text(&unsupported, "x-1"), "x-1");
    }
    use serde_json::json;

    #[test]
    fn samples_follow_required_enums_formats_and_refs() {
        let root = json!({"components": {"schemas": {
            "Money": {"type": "object", "required": ["amount", "currency"],
                      "properties": {"amount": {"type": "integer", "minimum": 0},
                                     "currency": {"type": "string", "enum": ["EUR", "USD"]}}},
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
        }}});
        let schema = json!({"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string", "maxLength": 4},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "created": {"type": "string", "format": "date-time"},
            "money": {"$ref": "#/components/schemas/Money"},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 12}},
            "node": {"$ref": "#/components/schemas/Node"},
            "flag": {"type": "boolean"},
            "given": {"type": "string", "example": "from the spec"}
        }});
        let s = sample(&root, &schema);
        assert_eq!(
            s,
            json!({"id": "samp", "status": "open", "created": "2024-01-02T03:04:05Z",
                   "money": {"amount": 1, "currency": "USD"}, "tags": ["sample-tagsx"],
                   "node": {}, "flag": true, "given": "from the spec"})
        );
        assert_eq!(sample(&root, &schema), s, "deterministic");
    }

    #[test]
    fn examples_prefer_named_then_schema_then_synthesised() {
        let root = json!({"components": {"examples": {"ok": {"value": {"id": "x"}}}}});
        let named = json!({"examples": {"ok": {"$ref": "#/components/examples/ok"}}, "schema": {"type": "object"}});
        assert_eq!(
            examples(&root, &named, Some(&[]))[0].value,
            json!({"id": "x"})
        );
        let schema_level = json!({"schema": {"type": "object", "example": {"id": "s"}}});
        assert_eq!(
            examples(&root, &schema_level, Some(&[]))[0].name,
            "schema example"
        );
        let bare = json!({"schema": {"type": "object", "properties": {"id": {"type": "string"}}}});
        assert_eq!(examples(&root, &bare, None), vec![]);
        assert_eq!(
            examples(&root, &bare, Some(&[]))[0].value,
            json!({"id": "sample-id"})
        );
    }

    #[test]
    fn inlining_cuts_cycles() {
        let root = json!({"components": {"schemas": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}}});
        let v = inline(&root, &json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(v, json!({"type": "object", "properties": {"next": {}}}));
    }
}

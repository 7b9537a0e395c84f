//! OpenAPI 3.1 documents rewritten into the 3.0 shape `openapiv3` reads.
//!
//! 3.1 adopted JSON Schema 2020-12. The differences that matter to decoding are few and
//! local, so they are rewritten in the raw tree before typed decoding:
//!
//! | 3.1 | becomes |
//! |---|---|
//! | `type: [string, "null"]` | `type: string, nullable: true` |
//! | `type: [string, integer]` | no `type` (any value) |
//! | `type: "null"` | `nullable: true`, no type |
//! | `const: x` | `enum: [x]` |
//! | `exclusiveMinimum: 5` (a number) | `minimum: 5, exclusiveMinimum: true` (same for maximum) |
//! | `examples: [a, b]` in a schema | `example: a` |
//! | `$ref` with sibling keys | `allOf: [{$ref}]` plus the siblings |
//! | a boolean schema `true` / `false` | `{}` / `{not: {}}` |
//! | top-level `webhooks`, `jsonSchemaDialect`; `paths` missing | dropped (each webhook's payload kept as the component schema `webhook:<name>`, see [`hoist_event_payloads`]); `paths: {}` |
//!
//! Only keys in schema positions are touched: `examples` as a *map* (media types,
//! parameters) is left alone, and property *names* are never rewritten.

use crate::load::limits::Limits;
use serde_json::{Map, Value};

/// Makes the payload of every event the document describes outside `paths`
/// addressable as a component schema, so a mapping's `webhooks.events.*.from` can name
/// it: a 3.1 top-level webhook `name` becomes `webhook:name`, a callback `name` of
/// operation `id` becomes `callback:id.name` (its JSON request body's schema, a `$ref`
/// kept as a `$ref`). A name the document already uses is left alone. Runs before the
/// 3.1 rewrite, which drops `webhooks` and rewrites the hoisted schemas with the rest.
pub fn hoist_event_payloads(doc: &mut Value) {
    fn payload(path_item: &Value) -> Option<&Value> {
        let ops = path_item.as_object()?;
        ["post", "put", "patch"].iter().find_map(|m| {
            let content = ops
                .get(*m)?
                .get("requestBody")?
                .get("content")?
                .as_object()?;
            content
                .iter()
                .find(|(media, _)| {
                    media.starts_with("application/json") || media.ends_with("+json")
                })
                .and_then(|(_, m)| m.get("schema"))
        })
    }
    let mut found: Vec<(String, Value)> = Vec::new();
    if let Some(hooks) = doc.get("webhooks").and_then(Value::as_object) {
        for (name, item) in hooks {
            if let Some(schema) = payload(item) {
                found.push((format!("webhook:{name}"), schema.clone()));
            }
        }
    }
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values().filter_map(Value::as_object) {
            for op in item.values().filter_map(Value::as_object) {
                let (Some(id), Some(callbacks)) = (
                    op.get("operationId").and_then(Value::as_str),
                    op.get("callbacks").and_then(Value::as_object),
                ) else {
                    continue;
                };
                for (name, callback) in callbacks {
                    let first = callback.as_object().and_then(|c| c.values().next());
                    if let Some(schema) = first.and_then(payload) {
                        found.push((format!("callback:{id}.{name}"), schema.clone()));
                    }
                }
            }
        }
    }
    if found.is_empty() {
        return;
    }
    let Value::Object(root) = doc else { return };
    let components = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(components) = components else {
        return;
    };
    let schemas = components
        .entry("schemas")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(schemas) = schemas {
        for (name, schema) in found {
            schemas.entry(name).or_insert(schema);
        }
    }
}

/// Rewrites a 3.1 document in place.
pub fn openapi_31_to_30(doc: &mut Value) {
    let Value::Object(root) = doc else { return };
    root.remove("webhooks");
    root.remove("jsonSchemaDialect");
    root.entry("paths")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(Value::Object(info)) = root.get_mut("info") {
        if let Some(Value::Object(license)) = info.get_mut("license") {
            license.remove("identifier");
            license
                .entry("name")
                .or_insert_with(|| Value::String(String::new()));
        }
    }
    walk(doc, false, true);
}

/// The rewrites a 3.0 document needs too: a composition (`allOf`/`oneOf`/`anyOf`) with a
/// sibling `type: object` (and `properties`) is read as the composition, not as an empty
/// object (Discord's `ErrorResponse` is `type: object` beside its `allOf`).
pub fn openapi_30_fixups(doc: &mut Value) {
    walk(doc, false, false);
}

/// Replaces `$ref`s that point into `#/paths/…` (some specs reuse another operation's
/// parameter that way), or inside a component (Linode's pages reference
/// `#/components/schemas/PaginationEnvelope/properties/page`), with a copy of their
/// target, so every remaining `$ref` names a component, which is what the typed model
/// resolves.
///
/// A reference may point at an ancestor of itself (`#/paths`), so copies contain
/// references again: a chain is followed at most 16 deep, the copies together may add at
/// most `limits.max_alias_nodes` values, and the result may nest at most
/// `limits.max_depth` deep. Past a bound, the error names the `$ref` where it stopped.
pub fn inline_path_refs(doc: &mut Value, limits: &Limits) -> Result<(), InlineError> {
    let source = doc.clone();
    let mut state = Inline {
        source: &source,
        limits,
        added: 0,
        path: Vec::new(),
    };
    state.at(doc, 0)
}

/// Why [`inline_path_refs`] stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlineError {
    /// The copies would add more values than allowed; the `$ref`'s JSON pointer.
    TooLarge(String),
    /// The copies nest deeper than allowed; the `$ref`'s JSON pointer.
    TooDeep(String),
}

struct Inline<'a> {
    source: &'a Value,
    limits: &'a Limits,
    added: usize,
    /// JSON pointer tokens from the root to the value being visited.
    path: Vec<String>,
}

impl Inline<'_> {
    fn pointer(&self) -> String {
        format!("#/{}", self.path.join("/"))
    }

    fn at(&mut self, v: &mut Value, hops: usize) -> Result<(), InlineError> {
        if self.path.len() > self.limits.max_depth {
            return Err(InlineError::TooDeep(self.pointer()));
        }
        match v {
            Value::Object(m) => {
                let target = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix('#'))
                    .and_then(|r| {
                        let t = self.source.pointer(&percent_decode(r))?;
                        match r.starts_with("/paths/") || r == "/paths" {
                            true => Some(t),
                            // Only a schema is copied into a schema's place: Codat's
                            // `definitions` hold some that OpenAPI 3.0 cannot read, and a
                            // copy would make the whole document fail to load, where a
                            // reference left as it is fails only the mapping that uses it.
                            false => (inside_component(r) && is_schema(t)).then_some(t),
                        }
                    });
                if let (Some(t), true) = (target, hops < 16) {
                    let budget = Limits {
                        max_nodes: self.limits.max_alias_nodes - self.added,
                        ..*self.limits
                    };
                    let n = crate::load::limits::measure(t, &budget)
                        .map_err(|_| InlineError::TooLarge(self.pointer()))?;
                    self.added += n;
                    *v = t.clone();
                    return self.at(v, hops + 1);
                }
                for (k, c) in m.iter_mut() {
                    self.path.push(crate::spec::refs::escape_pointer(k));
                    let r = self.at(c, hops);
                    self.path.pop();
                    r?;
                }
            }
            Value::Array(items) => {
                for (i, c) in items.iter_mut().enumerate() {
                    self.path.push(i.to_string());
                    let r = self.at(c, hops);
                    self.path.pop();
                    r?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Whether `v` reads as an OpenAPI 3.0 schema (or a reference to one).
fn is_schema(v: &Value) -> bool {
    serde_json::from_value::<openapiv3::ReferenceOr<openapiv3::Schema>>(v.clone()).is_ok()
}

/// Whether a reference's pointer goes past a component (`/components/schemas/A/properties/b`)
/// rather than naming one.
fn inside_component(pointer: &str) -> bool {
    pointer
        .strip_prefix("/components/")
        .is_some_and(|rest| rest.split('/').count() > 2)
}

/// `%7B` → `{`: JSON pointers in URI fragments are percent-encoded. Works on bytes, so a
/// `%` before a multi-byte character (`%a€`) is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Keys whose value is a schema.
const SCHEMA_KEYS: [&str; 6] = [
    "schema",
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
];
/// Keys whose value is a list of schemas.
const SCHEMA_LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keys whose value is a map of name → schema.
const SCHEMA_MAPS: [&str; 3] = ["properties", "schemas", "patternProperties"];

fn walk(v: &mut Value, is_schema: bool, v31: bool) {
    // 3.0's `additionalProperties: false` is a boolean, not a schema: left as it is.
    if is_schema && v31 {
        match v {
            Value::Bool(true) => *v = Value::Object(Map::new()),
            Value::Bool(false) => {
                let mut m = Map::new();
                m.insert("not".into(), Value::Object(Map::new()));
                *v = Value::Object(m);
            }
            _ => {}
        }
    }
    match v {
        Value::Object(m) => {
            if is_schema {
                if v31 {
                    schema_rewrite(m);
                }
                composition_siblings(m);
            }
            for (k, child) in m.iter_mut() {
                let k = k.as_str();
                if SCHEMA_KEYS.contains(&k) {
                    walk(child, true, v31);
                } else if SCHEMA_LISTS.contains(&k) {
                    if let Value::Array(items) = child {
                        items.iter_mut().for_each(|i| walk(i, true, v31));
                    }
                } else if SCHEMA_MAPS.contains(&k) {
                    if let Value::Object(entries) = child {
                        entries.values_mut().for_each(|s| walk(s, true, v31));
                    }
                } else if !is_schema || k == "components" {
                    walk(child, false, v31);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| walk(i, false, v31)),
        _ => {}
    }
}

/// `type: object` (with its `properties`) beside `allOf`, `oneOf` or `anyOf`: the
/// composition is what the schema is. The sibling object's own properties become one
/// more `allOf` part, so none is lost; beside a union, `type: object` is dropped (each
/// variant says what it is). A `required` list alone beside `allOf` is the same idiom
/// (Linode's create bodies: `allOf: [Domain], required: [domain, type]`): without the
/// rewrite openapiv3 reads such a schema as untyped, and the fields it requires as absent.
fn composition_siblings(m: &mut Map<String, Value>) {
    let object = m.get("type").is_some_and(|t| t == "object");
    if m.contains_key("allOf")
        && (object || m.contains_key("properties") || m.contains_key("required"))
    {
        let mut own = Map::new();
        for key in ["type", "properties", "required", "additionalProperties"] {
            if let Some(v) = m.remove(key) {
                own.insert(key.into(), v);
            }
        }
        if own.contains_key("properties") || own.contains_key("required") {
            own.entry("type")
                .or_insert_with(|| Value::String("object".into()));
            if let Some(Value::Array(parts)) = m.get_mut("allOf") {
                parts.push(Value::Object(own));
            }
        }
    } else if object
        && (m.contains_key("oneOf") || m.contains_key("anyOf"))
        && !m.contains_key("properties")
    {
        m.remove("type");
    }
}

/// A `oneOf`/`anyOf` variant that is only `null` (`type: "null"`, `const: null`).
fn is_null_variant(v: &Value) -> bool {
    let Some(o) = v.as_object() else {
        return false;
    };
    let only_null = |key: &str| match o.get(key) {
        Some(Value::String(t)) => key == "type" && t == "null",
        Some(Value::Array(ts)) => {
            (key == "type" && ts.iter().all(|t| t == "null"))
                || (key == "enum" && ts.iter().all(Value::is_null))
        }
        Some(Value::Null) => key == "const",
        _ => false,
    };
    (only_null("type") || only_null("const") || only_null("enum"))
        && o.keys().all(|k| {
            matches!(
                k.as_str(),
                "type" | "const" | "enum" | "title" | "description"
            )
        })
}

/// 3.1's ways of writing what 3.0 says with `nullable` and `enum`: a union with a `null`
/// variant is the other variants, nullable (`oneOf: [{type: "null"}, {$ref: Id}]`); a
/// union of constants is an enum (`oneOf: [{const: a}, {const: b}]`, Discord's enums).
fn union_rewrite(m: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(parts)) = m.get_mut(key) else {
            continue;
        };
        let before = parts.len();
        parts.retain(|p| !is_null_variant(p));
        if parts.len() != before {
            m.insert("nullable".into(), Value::Bool(true));
        }
        let Some(Value::Array(parts)) = m.get(key) else {
            continue;
        };
        let consts: Option<Vec<Value>> = parts
            .iter()
            .map(|p| {
                let o = p.as_object()?;
                let c = o
                    .get("const")
                    .filter(|c| !c.is_null() && !c.is_object() && !c.is_array())?;
                o.keys()
                    .all(|k| {
                        matches!(
                            k.as_str(),
                            "const" | "type" | "title" | "description" | "deprecated"
                        ) || k.starts_with("x-")
                    })
                    .then(|| c.clone())
            })
            .collect();
        let Some(consts) = consts.filter(|c| !c.is_empty()) else {
            continue;
        };
        let kind = if consts.iter().all(Value::is_string) {
            "string"
        } else if consts.iter().all(|c| c.is_i64() || c.is_u64()) {
            "integer"
        } else if consts.iter().all(Value::is_number) {
            "number"
        } else if consts.iter().all(Value::is_boolean) {
            "boolean"
        } else {
            continue;
        };
        m.remove(key);
        m.insert("type".into(), Value::String(kind.into()));
        m.insert("enum".into(), Value::Array(consts));
    }
}

fn schema_rewrite(m: &mut Map<String, Value>) {
    union_rewrite(m);
    if m.contains_key("$ref") && m.len() > 1 {
        let siblings: Vec<String> = m
            .keys()
            .filter(|k| !matches!(k.as_str(), "$ref" | "description" | "summary"))
            .cloned()
            .collect();
        if siblings.is_empty() {
            m.retain(|k, _| k == "$ref");
        } else {
            let r = m.remove("$ref").unwrap_or(Value::Null);
            let mut only_ref = Map::new();
            only_ref.insert("$ref".into(), r);
            let mut all_of = vec![Value::Object(only_ref)];
            if let Some(Value::Array(existing)) = m.remove("allOf") {
                all_of.extend(existing);
            }
            m.insert("allOf".into(), Value::Array(all_of));
        }
    }
    match m.get("type").cloned() {
        Some(Value::Array(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            let non_null: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
            if names.len() != non_null.len() {
                m.insert("nullable".into(), Value::Bool(true));
            }
            match non_null.as_slice() {
                [one] => {
                    m.insert("type".into(), Value::String((*one).to_string()));
                }
                _ => {
                    m.remove("type");
                }
            }
        }
        Some(Value::String(t)) if t == "null" => {
            m.remove("type");
            m.insert("nullable".into(), Value::Bool(true));
        }
        _ => {}
    }
    if let Some(c) = m.remove("const") {
        m.insert("enum".into(), Value::Array(vec![c]));
    }
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n @ Value::Number(_)) = m.get(exclusive).cloned() {
            m.insert(inclusive.into(), n);
            m.insert(exclusive.into(), Value::Bool(true));
        }
    }
    if let Some(Value::Array(examples)) = m.get("examples").cloned() {
        m.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            m.entry("example").or_insert(first);
        }
    }
    // openapiv3 reads `enum` per type; a null among string values is spelled by `nullable`.
    let typed = m.get("type").is_some_and(|t| t != "null");
    let mut had_null = false;
    if let Some(Value::Array(values)) = m.get_mut("enum") {
        if typed && values.iter().any(Value::is_null) {
            values.retain(|v| !v.is_null());
            had_null = true;
        }
    }
    if had_null {
        m.insert("nullable".into(), Value::Bool(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_and_callback_payloads_become_component_schemas() {
        let mut doc = serde_json::json!({
            "openapi": "3.1.0",
            "webhooks": {
                "paymentSucceeded": { "post": { "requestBody": { "content": { "application/json": {
                    "schema": { "type": "object", "properties": { "id": { "type": "string" } } }
                } } } } },
                "refunded": { "post": { "requestBody": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Refund" }
                } } } } }
            },
            "paths": { "/subscriptions": { "post": {
                "operationId": "subscribe",
                "callbacks": { "onEvent": { "{$request.body#/url}": { "post": { "requestBody": {
                    "content": { "application/cloudevents+json": { "schema": { "type": "object" } } }
                } } } } }
            } } },
            "components": { "schemas": { "Refund": { "type": "object" } } }
        });
        hoist_event_payloads(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["webhook:paymentSucceeded"]["properties"]["id"]["type"],
            "string"
        );
        assert_eq!(
            schemas["webhook:refunded"]["$ref"],
            "#/components/schemas/Refund"
        );
        assert_eq!(schemas["callback:subscribe.onEvent"]["type"], "object");
        assert_eq!(
            schemas["Refund"]["type"], "object",
            "existing schemas untouched"
        );
    }
    use serde_json::json;

    #[test]
    fn refs_into_paths_are_inlined() {
        let mut doc = json!({
            "paths": {
                "/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true}]}},
                "/b": {"get": {"parameters": [{"$ref": "#/paths/~1a~1%7Bid%7D/get/parameters/0"}]}}
            }
        });
        inline_path_refs(&mut doc, &Limits::spec()).expect("inlined");
        assert_eq!(
            doc["paths"]["/b"]["get"]["parameters"][0]["name"],
            json!("id")
        );
        assert_eq!(percent_decode("%7Bx%7D%"), "{x}%");

        // A reference into a component's property is a copy of that property; one that
        // names a component stays a reference.
        let mut doc = json!({
            "components": {"schemas": {
                "Envelope": {"type": "object", "properties": {"pages": {"type": "integer", "minimum": 1}}},
                "List": {"type": "object", "properties": {
                    "pages": {"$ref": "#/components/schemas/Envelope/properties/pages"},
                    "envelope": {"$ref": "#/components/schemas/Envelope"}
                }}
            }}
        });
        inline_path_refs(&mut doc, &Limits::spec()).expect("inlined");
        let list = &doc["components"]["schemas"]["List"]["properties"];
        assert_eq!(list["pages"], json!({"type": "integer", "minimum": 1}));
        assert_eq!(
            list["envelope"],
            json!({"$ref": "#/components/schemas/Envelope"})
        );

        // A target that is no schema OpenAPI 3.0 reads stays a reference.
        let broken = json!({"$ref": "#/components/schemas/Item/definitions/kind"});
        let mut doc = json!({"components": {"schemas": {
            "Item": {"definitions": {"kind": {"type": {"enum": ["a"]}}}},
            "Holder": {"type": "object", "properties": {"kind": broken.clone()}}
        }}});
        inline_path_refs(&mut doc, &Limits::spec()).expect("inlined");
        assert_eq!(
            doc["components"]["schemas"]["Holder"]["properties"]["kind"],
            broken
        );
        assert_eq!(percent_decode("%a€%€%7b%"), "%a€%€{%");
        assert_eq!(percent_decode("%7B%7"), "{%7");
    }

    /// Discord's 3.1 idioms: a union with a `null` variant (a nullable id), a union of
    /// constants (its enums), and `type: object` beside `allOf` (its error body).
    #[test]
    fn null_variants_const_unions_and_composition_siblings() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "components": {"schemas": {
                "Id": {"type": "string", "pattern": "^[0-9]+$"},
                "N": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Id"}]},
                "E": {"type": "integer", "oneOf": [
                    {"title": "DEFAULT", "const": 0}, {"title": "REPLY", "const": 19}
                ]},
                "S": {"oneOf": [{"const": "roles"}, {"const": "users"}]},
                "U": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "Err": {"type": "object", "allOf": [{"$ref": "#/components/schemas/Id"}],
                        "properties": {"retry_after": {"type": "number"}}, "required": ["retry_after"]}
            }}
        });
        openapi_31_to_30(&mut doc);
        let s = &doc["components"]["schemas"];
        assert_eq!(
            s["N"],
            json!({"oneOf": [{"$ref": "#/components/schemas/Id"}], "nullable": true})
        );
        assert_eq!(s["E"], json!({"type": "integer", "enum": [0, 19]}));
        assert_eq!(
            s["S"],
            json!({"type": "string", "enum": ["roles", "users"]})
        );
        assert_eq!(
            s["U"]["oneOf"].as_array().map(Vec::len),
            Some(2),
            "a real union stays"
        );
        assert_eq!(
            s["Err"],
            json!({"allOf": [
                {"$ref": "#/components/schemas/Id"},
                {"type": "object", "properties": {"retry_after": {"type": "number"}}, "required": ["retry_after"]}
            ]})
        );
        // 3.0 documents get the composition rewrite alone.
        let mut doc30 = json!({"openapi": "3.0.3", "components": {"schemas": {
            "Err": {"type": "object", "allOf": [{"$ref": "#/components/schemas/Id"}]},
            "Create": {"allOf": [{"$ref": "#/components/schemas/Id"}], "required": ["domain"]},
            "Closed": {"type": "object", "additionalProperties": false}
        }}});
        openapi_30_fixups(&mut doc30);
        assert_eq!(
            doc30["components"]["schemas"]["Err"],
            json!({"allOf": [{"$ref": "#/components/schemas/Id"}]})
        );
        assert_eq!(
            doc30["components"]["schemas"]["Create"],
            json!({"allOf": [
                {"$ref": "#/components/schemas/Id"},
                {"type": "object", "required": ["domain"]}
            ]}),
            "a required list beside allOf is one more part, not an untyped schema"
        );
        assert_eq!(
            doc30["components"]["schemas"]["Closed"]["additionalProperties"],
            json!(false),
            "a 3.0 boolean is not a schema"
        );
    }

    #[test]
    fn type_arrays_const_exclusive_bounds_examples_and_ref_siblings() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1", "license": {"name": "MIT", "identifier": "MIT"}},
            "webhooks": {"x": {}},
            "components": {"schemas": {
                "A": {"type": ["string", "null"], "examples": ["a", "b"]},
                "B": {"type": "object", "properties": {
                    "n": {"type": "integer", "exclusiveMinimum": 0},
                    "k": {"const": "fixed"},
                    "r": {"$ref": "#/components/schemas/A", "description": "d", "nullable": true},
                    "examples": {"type": "string"},
                    "any": true
                }},
                "C": {"type": ["string", "integer"]}
            }}
        });
        openapi_31_to_30(&mut doc);
        let s = &doc["components"]["schemas"];
        assert_eq!(
            s["A"],
            json!({"type": "string", "nullable": true, "example": "a"})
        );
        assert_eq!(
            s["B"]["properties"]["n"],
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(s["B"]["properties"]["k"], json!({"enum": ["fixed"]}));
        assert_eq!(
            s["B"]["properties"]["r"]["allOf"],
            json!([{"$ref": "#/components/schemas/A"}])
        );
        assert_eq!(
            s["B"]["properties"]["examples"],
            json!({"type": "string"}),
            "a property named examples is kept"
        );
        assert_eq!(s["B"]["properties"]["any"], json!({}));
        assert_eq!(s["C"], json!({}));
        assert!(doc.get("webhooks").is_none());
        assert_eq!(doc["paths"], json!({}));
    }
}

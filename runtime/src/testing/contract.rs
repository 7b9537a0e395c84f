//! Support for contract tests: checking a request against the spec, and drifting a
//! response the way a vendor's change would.
//!
//! Generated contract tests (`Builder::contract_tests`) embed, for each operation, the
//! spec's parameters and request body schema as JSON with every `$ref` inlined, and
//! check each request the adapter sent with [`validate_request`]. The checks cover what
//! an OpenAPI 3.0 schema says cheaply: required fields, types (with form and query
//! strings read as the schema's scalar type), enums, lengths, bounds, a few formats,
//! `additionalProperties: false`, `allOf` / `anyOf` / `oneOf` and `nullable`.
//!
//! The drift helpers ([`remove`], [`rename`], [`replace`], [`add_unknown_fields`])
//! edit a response body at a `$.a.b.0.c` path, the form the plan's reads use.

use std::future::Future;

use serde_json::{Map, Value};

use super::ReceivedRequest;

/// A request that does not match what the spec accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: the request does not match the spec:\n  {}", problems.join("\n  "))]
pub struct RequestViolation {
    /// The operation, as the embedded spec names it.
    pub operation: String,
    /// One line per problem, each starting with where it is (`body $.amount`, `query expand`).
    pub problems: Vec<String>,
}

/// Runs a future to completion on a fresh current-thread runtime, so generated tests
/// need no test macro from the user's dev-dependencies.
///
/// # Panics
///
/// When the runtime cannot be built (no timer or I/O driver on this platform).
pub fn block_on<F: Future>(future: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(future),
        Err(e) => panic!("contract test: cannot build a tokio runtime: {e}"),
    }
}

/// Checks `request` against `spec`: a JSON object with `operation`, `path` (the
/// template), `parameters` (`[{name, in, required, schema}]`) and an optional `body`
/// (`{required, content: {media type: schema}}`), as generated contract tests embed it.
pub fn validate_request(spec: &str, request: &ReceivedRequest) -> Result<(), RequestViolation> {
    let spec: Value = serde_json::from_str(spec).map_err(|e| RequestViolation {
        operation: "?".into(),
        problems: vec![format!("the embedded spec is not JSON: {e}")],
    })?;
    let operation = spec["operation"].as_str().unwrap_or("?").to_owned();
    let mut problems = Vec::new();
    let template = spec["path"].as_str().unwrap_or("");
    let path_values = match_path(template, &request.path);
    if path_values.is_none() {
        problems.push(format!(
            "path {} does not match the template {template}",
            request.path
        ));
    }
    let query = parse_pairs(request.query.as_deref().unwrap_or(""));
    for p in spec["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or("");
        let location = p["in"].as_str().unwrap_or("");
        let required = p["required"].as_bool().unwrap_or(false);
        let schema = &p["schema"];
        let value: Option<Value> = match location {
            "path" => path_values
                .as_ref()
                .and_then(|v| v.iter().find(|(n, _)| n == name))
                .map(|(_, v)| Value::String(v.clone())),
            "query" => {
                let separator = joined_by(p);
                let items: Vec<Value> = query
                    .iter()
                    .filter(|(k, _)| k == name || k.strip_suffix("[]") == Some(name))
                    .flat_map(|(_, v)| match separator {
                        Some(sep) if schema["type"] == "array" => {
                            v.split(sep).map(|s| Value::String(s.to_owned())).collect()
                        }
                        _ => vec![Value::String(v.clone())],
                    })
                    .collect();
                match (items.len(), schema["type"].as_str()) {
                    (0, _) => None,
                    (_, Some("array")) => Some(Value::Array(items)),
                    _ => items.into_iter().next(),
                }
            }
            "header" => request.header(name).map(|v| Value::String(v.to_owned())),
            // Cookies are the auth layer's business in the adapters we generate.
            _ => continue,
        };
        match value {
            None if required => problems.push(format!(
                "{location} parameter '{name}' is required but was not sent"
            )),
            None => {}
            Some(v) => check(
                schema,
                &v,
                &format!("{location} parameter '{name}'"),
                true,
                &mut problems,
            ),
        }
    }
    check_body(&spec["body"], request, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RequestViolation {
            operation,
            problems,
        })
    }
}

fn check_body(body: &Value, request: &ReceivedRequest, problems: &mut Vec<String>) {
    if body.is_null() {
        if !request.body.is_empty() {
            problems.push("a body was sent but the spec declares none".into());
        }
        return;
    }
    if request.body.is_empty() {
        if body["required"].as_bool().unwrap_or(false) {
            problems.push("the body is required but none was sent".into());
        }
        return;
    }
    let sent = request
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some(schema) = body["content"]
        .as_object()
        .and_then(|c| c.iter().find(|(k, _)| k.to_ascii_lowercase() == sent))
        .map(|(_, s)| s)
    else {
        problems.push(format!(
            "content type '{sent}' is not one the spec accepts for this body"
        ));
        return;
    };
    if sent == "application/x-www-form-urlencoded" {
        let value = form_to_json(&parse_pairs(&String::from_utf8_lossy(&request.body)));
        check(schema, &value, "body $", true, problems);
    } else if sent == "multipart/form-data" {
        match multipart_to_json(request) {
            Ok(value) => check(schema, &value, "body $", true, problems),
            Err(e) => problems.push(format!("the multipart body does not parse: {e}")),
        }
    } else {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(value) => check(schema, &value, "body $", false, problems),
            Err(e) => problems.push(format!("the body is not JSON: {e}")),
        }
    }
}

/// A `multipart/form-data` body as an object of its parts by name, each part's content
/// as text (a file's bytes read lossily: the schema says only that it is a string).
fn multipart_to_json(request: &ReceivedRequest) -> Result<Value, String> {
    let content_type = request.header("content-type").unwrap_or("");
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"'))
        .ok_or("no boundary in the content type")?;
    let body = String::from_utf8_lossy(&request.body);
    let delimiter = format!("--{boundary}");
    let mut out = serde_json::Map::new();
    let mut closed = false;
    for chunk in body.split(delimiter.as_str()).skip(1) {
        if chunk.starts_with("--") {
            closed = true;
            break;
        }
        let chunk = chunk
            .strip_prefix("\r\n")
            .ok_or("a part does not start on a new line")?;
        let (head, content) = chunk
            .split_once("\r\n\r\n")
            .ok_or("a part has no blank line after its headers")?;
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let name = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .and_then(|l| l.split(';').find_map(|p| p.trim().strip_prefix("name=")))
            .map(|n| n.trim_matches('"').to_owned())
            .ok_or("a part has no name")?;
        out.insert(name, Value::String(content.to_owned()));
    }
    if !closed {
        return Err("the closing boundary is missing".to_owned());
    }
    Ok(Value::Object(out))
}

/// Matches a path against a template, returning the decoded parameter values.
fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut out = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        // A parameter may share its segment with literal text: `{Sid}.json`.
        match (ts.find('{'), ts.rfind('}')) {
            (Some(open), Some(close)) if open < close => {
                let (prefix, suffix) = (&ts[..open], &ts[close + 1..]);
                let value = ps.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() {
                    return None;
                }
                out.push((ts[open + 1..close].to_owned(), decode(value)));
            }
            _ if ts == ps => {}
            _ => return None,
        }
    }
    Some(out)
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// What joins an array query parameter's items into one value, as its `style` and
/// `explode` say (`explode` defaults to true for `form` only); `None`: one pair per item.
fn joined_by(param: &Value) -> Option<char> {
    let style = param["style"].as_str().unwrap_or("form");
    let explode = param["explode"].as_bool().unwrap_or(style == "form");
    match (style, explode) {
        (_, true) => None,
        ("form", false) => Some(','),
        ("spaceDelimited", false) => Some(' '),
        ("pipeDelimited", false) => Some('|'),
        _ => None,
    }
}

/// `a=1&b[c]=2` as decoded pairs (`+` is a space, as forms and query strings write it).
fn parse_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Rebuilds the JSON a deepObject form body encodes: `a[b]=1` nests, `a[]=1` appends,
/// `a[0][b]=1` indexes. Leaves stay strings; [`check`] reads them as the schema says.
fn form_to_json(pairs: &[(String, String)]) -> Value {
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        let mut segs: Vec<String> = Vec::new();
        let (head, rest) = key
            .split_once('[')
            .map_or((key.as_str(), ""), |(h, r)| (h, r));
        segs.push(head.to_owned());
        for part in rest.split('[') {
            segs.push(part.trim_end_matches(']').to_owned());
        }
        if rest.is_empty() {
            segs.truncate(1);
        }
        insert(&mut root, &segs, Value::String(value.clone()));
    }
    root
}

fn insert(node: &mut Value, segs: &[String], leaf: Value) {
    let Some((first, rest)) = segs.split_first() else {
        *node = leaf;
        return;
    };
    if first.is_empty() || first.parse::<usize>().is_ok() {
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        if let Value::Array(items) = node {
            let index = match first.parse::<usize>() {
                Ok(i) => i,
                Err(_) => items.len(),
            };
            while items.len() <= index {
                items.push(Value::Null);
            }
            insert(&mut items[index], rest, leaf);
        }
        return;
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Value::Object(map) = node {
        insert(map.entry(first.clone()).or_insert(Value::Null), rest, leaf);
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `schema` with every `#/components/schemas/` `$ref` replaced by its target from
/// `spec` (a whole OpenAPI document), followed `depth` references deep (deeper ones
/// become `{}`, which accepts anything): the inlined form [`check`] expects, for a mock
/// that validates requests against a vendor's full published spec.
///
/// ```
/// use portcullis_runtime::testing::contract::{check, inline_refs};
/// use serde_json::json;
///
/// let spec = json!({"components": {"schemas": {
///     "Key": {"type": "string", "maxLength": 5},
///     "Body": {"type": "object", "properties": {"key": {"$ref": "#/components/schemas/Key"}}}
/// }}});
/// let schema = inline_refs(&spec, &json!({"$ref": "#/components/schemas/Body"}), 4);
/// let mut problems = Vec::new();
/// check(&schema, &json!({"key": "too long"}), "$", false, &mut problems);
/// assert_eq!(problems.len(), 1, "{problems:?}");
/// ```
pub fn inline_refs(spec: &Value, schema: &Value, depth: usize) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let name = r.trim_start_matches("#/components/schemas/");
                return if depth == 0 {
                    Value::Object(Map::new())
                } else {
                    inline_refs(spec, &spec["components"]["schemas"][name], depth - 1)
                };
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline_refs(spec, v, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| inline_refs(spec, v, depth)).collect())
        }
        other => other.clone(),
    }
}

/// Checks `value` against an (inlined) OpenAPI 3.0 schema. `coerce` reads string
/// leaves as the scalar the schema wants, since forms and query strings carry only text.
pub fn check(schema: &Value, value: &Value, at: &str, coerce: bool, out: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        return;
    };
    if value.is_null() {
        let nullable = s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if !nullable && s.contains_key("type") {
            out.push(format!("{at}: null is not allowed"));
        }
        return;
    }
    for sub in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(sub, value, at, coerce, out);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(variants) = s.get(key).and_then(Value::as_array) {
            let fits = variants.iter().any(|v| {
                let mut tmp = Vec::new();
                check(v, value, at, coerce, &mut tmp);
                tmp.is_empty()
            });
            if !fits && !variants.is_empty() {
                out.push(format!("{at}: matches none of the {key} variants"));
            }
        }
    }
    let scalar = coerced(s.get("type").and_then(Value::as_str), value, coerce);
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        let actual = type_name(&scalar);
        let ok = actual == t || (t == "number" && actual == "integer");
        if !ok {
            out.push(format!("{at}: expected {t}, got {actual} {value}"));
            return;
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        if !values.contains(&scalar) && !values.is_empty() {
            let list: Vec<String> = values.iter().map(Value::to_string).collect();
            out.push(format!(
                "{at}: {value} is not one of the spec's values [{}]",
                list.join(", ")
            ));
        }
    }
    match &scalar {
        Value::String(text) => check_string(s, text, at, out),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
                if x < min {
                    out.push(format!("{at}: {x} is below the minimum {min}"));
                }
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
                if x > max {
                    out.push(format!("{at}: {x} is above the maximum {max}"));
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = s.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(item, v, &format!("{at}[{i}]"), coerce, out);
                }
            }
        }
        Value::Object(map) => check_object(s, map, at, coerce, out),
        _ => {}
    }
}

/// A string leaf read as the scalar type the schema names, when `coerce` allows it.
fn coerced(ty: Option<&str>, value: &Value, coerce: bool) -> Value {
    let (Some(ty), Value::String(text), true) = (ty, value, coerce) else {
        return value.clone();
    };
    let parsed = match ty {
        "integer" => text.parse::<i64>().ok().map(Value::from),
        "number" => text.parse::<f64>().ok().map(Value::from),
        "boolean" => text.parse::<bool>().ok().map(Value::from),
        // A single query or form value where the spec wants a list.
        "array" => Some(Value::Array(vec![value.clone()])),
        _ => None,
    };
    parsed.unwrap_or_else(|| value.clone())
}

fn check_string(s: &Map<String, Value>, text: &str, at: &str, out: &mut Vec<String>) {
    let len = text.chars().count() as u64;
    if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
        if len < min {
            out.push(format!("{at}: shorter than minLength {min}"));
        }
    }
    if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
        if len > max {
            out.push(format!("{at}: longer than maxLength {max}"));
        }
    }
    let bytes = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| bytes[r].iter().all(u8::is_ascii_digit);
    let well_formed = match s.get("format").and_then(Value::as_str) {
        Some("date") => bytes.len() == 10 && digits(0..4) && bytes[4] == b'-' && digits(5..7),
        Some("date-time") => {
            bytes.len() >= 20 && digits(0..4) && bytes[4] == b'-' && bytes[10] == b'T'
        }
        Some("uuid") => {
            bytes.len() == 36
                && text
                    .chars()
                    .enumerate()
                    .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'))
        }
        Some("email") => text.contains('@'),
        _ => true,
    };
    if !well_formed {
        let format = s.get("format").and_then(Value::as_str).unwrap_or("");
        out.push(format!("{at}: '{text}' is not a valid {format}"));
    }
}

fn check_object(
    s: &Map<String, Value>,
    map: &Map<String, Value>,
    at: &str,
    coerce: bool,
    out: &mut Vec<String>,
) {
    let props = s.get("properties").and_then(Value::as_object);
    for r in s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = r.as_str() {
            if !map.contains_key(name) {
                out.push(format!("{at}.{name}: required but missing"));
            }
        }
    }
    for (k, v) in map {
        let child = format!("{at}.{k}");
        match props.and_then(|p| p.get(k)) {
            Some(ps) => check(ps, v, &child, coerce, out),
            None => match s.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    out.push(format!("{child}: not a property the spec declares"))
                }
                Some(extra @ Value::Object(_)) => check(extra, v, &child, coerce, out),
                _ => {}
            },
        }
    }
}

/// The segments of a `$.a.b.0` path.
fn segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('$')
        .split('.')
        .filter(|s| !s.is_empty())
        .collect()
}

fn parent_of<'v>(root: &'v mut Value, segs: &[&str]) -> Option<&'v mut Value> {
    let mut cur = root;
    for seg in segs {
        cur = match cur {
            Value::Object(m) => m.get_mut(*seg)?,
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Removes the value at `path`, returning it; `None` when nothing is there.
pub fn remove(root: &mut Value, path: &str) -> Option<Value> {
    let segs = segments(path);
    let (last, parents) = segs.split_last()?;
    match parent_of(root, parents)? {
        Value::Object(m) => m.shift_remove(*last),
        _ => None,
    }
}

/// Moves the value at `path` to a sibling key `new_name`, as a vendor's rename does.
pub fn rename(root: &mut Value, path: &str, new_name: &str) -> bool {
    let segs = segments(path);
    let Some((last, parents)) = segs.split_last() else {
        return false;
    };
    match parent_of(root, parents) {
        Some(Value::Object(m)) => match m.shift_remove(*last) {
            Some(v) => {
                m.insert(new_name.to_owned(), v);
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// Replaces the value at `path`; false when nothing is there.
pub fn replace(root: &mut Value, path: &str, new: Value) -> bool {
    match parent_of(root, &segments(path)) {
        Some(slot) => {
            *slot = new;
            true
        }
        None => false,
    }
}

/// A value of another JSON type than `v`, for "the vendor changed a field's type".
pub fn other_type(v: &Value) -> Value {
    match v {
        Value::String(_) => Value::from(12345),
        _ => Value::from("portcullis-drift-type"),
    }
}

/// Adds an unknown field to every object in `root`, as a vendor's additive change does.
pub fn add_unknown_fields(root: &mut Value) {
    match root {
        Value::Object(m) => {
            for v in m.values_mut() {
                add_unknown_fields(v);
            }
            m.insert(
                "portcullis_unknown_field".into(),
                serde_json::json!({"added": "by the vendor"}),
            );
        }
        Value::Array(items) => items.iter_mut().for_each(add_unknown_fields),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_are_checked_part_by_part() {
        let spec = json!({
            "operation": "upload", "path": "/files", "parameters": [],
            "body": { "required": true, "content": { "multipart/form-data": {
                "type": "object", "required": ["file", "purpose"],
                "properties": { "file": { "type": "string", "format": "binary" },
                                "purpose": { "type": "string", "enum": ["report"] } }
            } } }
        })
        .to_string();
        let ct = "multipart/form-data; boundary=XyZ";
        let good = "--XyZ\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\ncontent-type: application/pdf\r\n\r\n%PDF\r\n--XyZ\r\ncontent-disposition: form-data; name=\"purpose\"\r\n\r\nreport\r\n--XyZ--\r\n";
        assert!(validate_request(&spec, &request("POST", "/files", ct, good)).is_ok());
        let wrong = good.replace("\r\n\r\nreport", "\r\n\r\nselfie");
        let e = validate_request(&spec, &request("POST", "/files", ct, &wrong)).expect_err("enum");
        assert!(e.to_string().contains("purpose"), "{e}");
        let truncated = &good[..good.len() - 9];
        let e =
            validate_request(&spec, &request("POST", "/files", ct, truncated)).expect_err("cut");
        assert!(e.to_string().contains("closing boundary"), "{e}");
    }

    #[test]
    fn a_path_parameter_may_share_its_segment_with_literal_text() {
        let t = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json";
        assert_eq!(
            match_path(t, "/2010-04-01/Accounts/AC1/Messages/SM%201.json"),
            Some(vec![
                ("AccountSid".to_owned(), "AC1".to_owned()),
                ("Sid".to_owned(), "SM 1".to_owned())
            ])
        );
        assert_eq!(
            match_path(t, "/2010-04-01/Accounts/AC1/Messages/.json"),
            None
        );
        assert_eq!(
            match_path(t, "/2010-04-01/Accounts/AC1/Messages/SM1.xml"),
            None
        );
    }
    use serde_json::json;

    fn request(method: &str, target: &str, ct: &str, body: &str) -> ReceivedRequest {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (target.to_owned(), None),
        };
        ReceivedRequest {
            method: method.into(),
            path,
            query,
            headers: vec![("content-type".into(), ct.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn joined_arrays_are_read_back_by_their_style() {
        let spec = |style: Value| {
            let mut p = json!({"name": "include", "in": "query",
                "schema": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}});
            if let (Some(p), Some(extra)) = (p.as_object_mut(), style.as_object()) {
                p.extend(extra.clone());
            }
            json!({"operation": "Get", "path": "/x", "parameters": [p]}).to_string()
        };
        let get = |query: &str| request("GET", &format!("/x?{query}"), "", "");
        let joined = spec(json!({"explode": false}));
        assert!(validate_request(&joined, &get("include=a%2Cb")).is_ok());
        assert!(
            validate_request(&joined, &get("include=a%2Cc")).is_err(),
            "c is no value"
        );
        let piped = spec(json!({"style": "pipeDelimited"}));
        assert!(validate_request(&piped, &get("include=a%7Cb")).is_ok());
        // Exploded (the default): one pair per item, and a joined value is one bad item.
        let exploded = spec(json!({}));
        assert!(validate_request(&exploded, &get("include=a&include=b")).is_ok());
        assert!(validate_request(&exploded, &get("include=a%2Cb")).is_err());
    }

    fn spec() -> String {
        json!({
            "operation": "PostThings",
            "path": "/v1/things/{id}",
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 5}},
                {"name": "expand", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
            ],
            "body": {"required": true, "content": {"application/x-www-form-urlencoded": {
                "type": "object", "required": ["amount"], "additionalProperties": false,
                "properties": {
                    "amount": {"type": "integer", "minimum": 1},
                    "mode": {"type": "string", "enum": ["a", "b"]},
                    "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                    "tags": {"type": "array", "items": {"type": "string"}}
                }
            }}}
        })
        .to_string()
    }

    #[test]
    fn a_valid_form_request_passes() {
        let r = request(
            "POST",
            "/v1/things/ab?expand[]=x",
            "application/x-www-form-urlencoded",
            "amount=5&mode=a&metadata[order_id]=o+1&tags[]=t",
        );
        assert_eq!(validate_request(&spec(), &r), Ok(()));
    }

    #[test]
    fn every_problem_is_listed_with_where_it_is() {
        let r = request(
            "POST",
            "/v1/things/toolong",
            "application/x-www-form-urlencoded",
            "mode=c&amount=x&extra=1",
        );
        let e = validate_request(&spec(), &r).expect_err("invalid");
        assert_eq!(
            e.problems,
            vec![
                "path parameter 'id': longer than maxLength 5",
                "body $.mode: \"c\" is not one of the spec's values [\"a\", \"b\"]",
                "body $.amount: expected integer, got string \"x\"",
                "body $.extra: not a property the spec declares",
            ]
        );
        assert!(e.to_string().starts_with("PostThings: the request"));
    }

    #[test]
    fn json_bodies_are_not_coerced_and_required_fields_are_checked() {
        let spec = json!({"operation": "op", "path": "/x", "parameters": [],
            "body": {"required": true, "content": {"application/json": {
                "type": "object", "required": ["a", "b"],
                "properties": {"a": {"type": "integer"}, "b": {"nullable": true, "type": "string"},
                               "c": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
                               "d": {"type": "string", "format": "date-time"}}}}}})
        .to_string();
        let r = request(
            "POST",
            "/x",
            "application/json",
            r#"{"a":"1","c":"s","d":"yesterday"}"#,
        );
        let e = validate_request(&spec, &r).expect_err("invalid");
        assert_eq!(
            e.problems,
            vec![
                "body $.b: required but missing",
                "body $.a: expected integer, got string \"1\"",
                "body $.c: matches none of the oneOf variants",
                "body $.d: 'yesterday' is not a valid date-time",
            ]
        );
    }

    #[test]
    fn drift_edits_reach_nested_fields_and_list_items() {
        let mut v = json!({"payment": {"id": "p", "amount_money": {"amount": 1}}, "errors": [{"code": "X"}]});
        assert_eq!(remove(&mut v, "$.payment.id"), Some(json!("p")));
        assert!(rename(&mut v, "$.payment.amount_money", "money"));
        assert!(replace(&mut v, "$.errors.0.code", json!(7)));
        assert_eq!(
            v,
            json!({"payment": {"money": {"amount": 1}}, "errors": [{"code": 7}]})
        );
        assert_eq!(remove(&mut v, "$.nothing.here"), None);
        add_unknown_fields(&mut v);
        assert!(v["payment"]["money"]["portcullis_unknown_field"].is_object());
        assert!(v["errors"][0]["portcullis_unknown_field"].is_object());
    }
}

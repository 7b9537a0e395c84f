//! Loading a vendor's OpenAPI document.
//!
//! The document is read as JSON or YAML into a `serde_json::Value` first: that gives
//! us the version check before typed decoding (so a Swagger 2.0 or 3.1 document gets a
//! sentence, not a serde dump), JSON pointers for diagnostics, and the raw tree that
//! `trim` rewrites. OpenAPI 3.1 documents are rewritten into the 3.0 shape first
//! (`normalize.rs`). Then `openapiv3` decodes it. Questions about the loaded document
//! (`$ref`s, media types, success responses, schema views) are answered in
//! [`crate::spec`].

use crate::error::{Diagnostic, Error, Span};
use crate::load::limits::{self, Excess, Limits, MAX_DEPTH};
use crate::load::normalize::InlineError;
use crate::load::yaml;
use crate::spec::refs::escape_pointer;
use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A loaded vendor spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Where it was read from.
    pub path: PathBuf,
    /// The document as read.
    pub raw: serde_json::Value,
    /// The typed document.
    pub api: OpenAPI,
    /// sha256 of the file's bytes, hex.
    pub sha256: String,
    /// Operations by operationId (or `METHOD /path` when an operation has none).
    pub operations: BTreeMap<String, OperationRef>,
}

/// Where an operation lives in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRef {
    /// The path template, e.g. `/v1/payment_intents/{intent}`.
    pub path: String,
    /// Lower-case HTTP method.
    pub method: String,
}

/// HTTP methods an OpenAPI path item can hold, in document order.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// sha256 of some bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Spec {
    /// Reads and decodes a spec file.
    pub fn load(path: &Path) -> Result<Spec, Error> {
        Spec::load_with_overlays(path, &[])
    }

    /// Reads a spec file and applies the OpenAPI Overlays at `overlays` to it, in
    /// order, before anything else reads it (see [`crate::load::overlay`]). The
    /// sha256 stays the vendor file's.
    pub fn load_with_overlays(path: &Path, overlays: &[PathBuf]) -> Result<Spec, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Spec::decode(path, &bytes, overlays)
    }

    /// Decodes a spec from bytes; `path` is used in diagnostics.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Spec, Error> {
        Spec::decode(path, bytes, &[])
    }

    fn decode(path: &Path, bytes: &[u8], overlays: &[PathBuf]) -> Result<Spec, Error> {
        let fail = |span: Option<Span>, msg: String, help: &str| {
            Error::one(Diagnostic::new(path, span, msg).help(help.to_string()))
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            fail(
                None,
                format!("the spec is not UTF-8 text ({e})"),
                "save the spec as UTF-8",
            )
        })?;
        let limits = Limits::spec();
        let mut raw = parse_document(path, text, &limits)?;
        for overlay in overlays {
            crate::load::overlay::apply(overlay, &mut raw)?;
        }
        check_version(path, &raw)?;
        crate::load::normalize::hoist_event_payloads(&mut raw);
        if is_31(&raw) {
            crate::load::normalize::openapi_31_to_30(&mut raw);
        } else {
            crate::load::normalize::openapi_30_fixups(&mut raw);
        }
        // A cheap look at the text first: most specs have no such refs.
        if text.contains("#/paths") || has_refs_inside_components(text) {
            crate::load::normalize::inline_path_refs(&mut raw, &limits)
                .map_err(|e| inline_error(path, &limits, e))?;
        }
        check_size(path, &raw, &limits)?;
        let api: OpenAPI = serde_path_to_error::deserialize(&raw).map_err(|e| {
            let pointer = json_pointer_of(e.path());
            fail(
                None,
                format!("the spec does not follow OpenAPI 3.0 at {pointer}: {}", e.inner()),
                "fix the document at that JSON pointer, or report the construct if the vendor really publishes it",
            )
        })?;
        let operations = index_operations(&api);
        Ok(Spec {
            path: path.to_path_buf(),
            raw,
            api,
            sha256: sha256_hex(bytes),
            operations,
        })
    }

    /// This spec with the component schemas of `other` added (a vendor's webhook
    /// document beside its API's spec). A name both define alike is kept once; one
    /// `other` defines differently is added as `<Name>Webhook` (then `…Webhook2`, …)
    /// with `other`'s references to it rewritten, so neither document's meaning changes.
    /// Path, operations and sha256 stay this spec's.
    pub fn with_schemas_of(&self, other: &Spec) -> Result<Spec, Error> {
        let empty = serde_json::Map::new();
        let theirs = other
            .raw
            .pointer("/components/schemas")
            .and_then(serde_json::Value::as_object)
            .unwrap_or(&empty);
        let ours = self
            .raw
            .pointer("/components/schemas")
            .and_then(serde_json::Value::as_object)
            .unwrap_or(&empty);
        let mut renames: BTreeMap<String, String> = BTreeMap::new();
        for (name, schema) in theirs {
            match ours.get(name) {
                Some(mine) if mine != schema => {
                    let mut n = 1;
                    let fresh = loop {
                        let candidate = if n == 1 {
                            format!("{name}Webhook")
                        } else {
                            format!("{name}Webhook{n}")
                        };
                        if !ours.contains_key(&candidate) && !theirs.contains_key(&candidate) {
                            break candidate;
                        }
                        n += 1;
                    };
                    renames.insert(name.clone(), fresh);
                }
                _ => {}
            }
        }
        let mut added = serde_json::Map::new();
        for (name, schema) in theirs {
            if ours.get(name) == Some(schema) {
                continue;
            }
            let mut schema = schema.clone();
            rename_refs(&mut schema, &renames);
            added.insert(renames.get(name).unwrap_or(name).clone(), schema);
        }
        let mut raw = self.raw.clone();
        if let serde_json::Value::Object(doc) = &mut raw {
            let components = doc
                .entry("components")
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let serde_json::Value::Object(c) = components {
                let schemas = c
                    .entry("schemas")
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                if let serde_json::Value::Object(s) = schemas {
                    s.extend(added);
                }
            }
        }
        let api: OpenAPI = serde_path_to_error::deserialize(&raw).map_err(|e| {
            Error::one(
                Diagnostic::new(
                    &other.path,
                    None,
                    format!(
                        "its schemas do not join the API's spec at {}: {}",
                        json_pointer_of(e.path()),
                        e.inner()
                    ),
                )
                .help("give `webhooks.spec` an OpenAPI document whose component schemas are valid"),
            )
        })?;
        Ok(Spec {
            path: self.path.clone(),
            raw,
            api,
            sha256: self.sha256.clone(),
            operations: self.operations.clone(),
        })
    }

    /// Finds an operation by operationId or by `METHOD /path`.
    pub fn operation(&self, name: &str) -> Option<(&OperationRef, &Operation)> {
        let r = self.operations.get(name).or_else(|| {
            let (m, p) = name.split_once(' ')?;
            let m = m.to_ascii_lowercase();
            self.operations
                .values()
                .find(|r| r.method == m && r.path == p.trim())
        })?;
        let item = match self.api.paths.paths.get(&r.path)? {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => return None,
        };
        let op = match r.method.as_str() {
            "get" => item.get.as_ref(),
            "put" => item.put.as_ref(),
            "post" => item.post.as_ref(),
            "delete" => item.delete.as_ref(),
            "options" => item.options.as_ref(),
            "head" => item.head.as_ref(),
            "patch" => item.patch.as_ref(),
            "trace" => item.trace.as_ref(),
            _ => None,
        }?;
        Some((r, op))
    }

    /// Parameters of an operation, path-level ones first, overridden by operation-level ones.
    pub fn parameters(&self, r: &OperationRef, op: &Operation) -> Result<Vec<Parameter>, String> {
        let mut out: Vec<Parameter> = Vec::new();
        let path_level = match self.api.paths.paths.get(&r.path) {
            Some(ReferenceOr::Item(item)) => item.parameters.clone(),
            _ => Vec::new(),
        };
        for p in path_level.iter().chain(op.parameters.iter()) {
            let p = self.resolve_parameter(p)?.clone();
            let key = (p.parameter_data_ref().name.clone(), location(&p));
            out.retain(|q| (q.parameter_data_ref().name.clone(), location(q)) != key);
            out.push(p);
        }
        Ok(out)
    }
}

/// Where an API key goes, as the word OpenAPI uses for a parameter's place.
pub fn key_location(l: &openapiv3::APIKeyLocation) -> &'static str {
    match l {
        openapiv3::APIKeyLocation::Header => "header",
        openapiv3::APIKeyLocation::Query => "query",
        openapiv3::APIKeyLocation::Cookie => "cookie",
    }
}

/// Whether the parameter `name` at `location` is the one at (`at`, `named`): header
/// names are not case-sensitive (RFC 9110), others are.
pub fn same_parameter(location: &str, name: &str, at: &str, named: &str) -> bool {
    location == at && (name == named || (location == "header" && name.eq_ignore_ascii_case(named)))
}

/// Where a parameter goes, as the word OpenAPI uses.
pub fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn index_operations(api: &OpenAPI) -> BTreeMap<String, OperationRef> {
    let mut out = BTreeMap::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let r = OperationRef {
                path: path.clone(),
                method: method.to_string(),
            };
            let key = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {}", method.to_ascii_uppercase(), path));
            out.entry(key).or_insert(r);
        }
    }
    out
}

fn parse_document(path: &Path, text: &str, limits: &Limits) -> Result<serde_json::Value, Error> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        serde_json::from_str(trimmed).map_err(|e| {
            let span = Some(Span {
                line: e.line(),
                col: e.column(),
            });
            // serde_json stops at 128 levels by itself (limits::MAX_DEPTH is the same).
            let d = if e.to_string().starts_with("recursion limit exceeded") {
                Diagnostic::new(
                    path,
                    span,
                    format!(
                        "the spec nests objects and lists deeper than {MAX_DEPTH} levels here"
                    ),
                )
                .help("flatten the document (no OpenAPI document needs this depth; it is most likely generated wrongly or built to overflow the stack)")
            } else {
                Diagnostic::new(path, span, format!("the spec is not valid JSON: {e}")).help(
                    "fix the JSON syntax at that place (a truncated download looks like this too)",
                )
            };
            Error::one(d)
        })
    } else {
        let node = yaml::parse_with(trimmed, limits)
            .map_err(|e| Error::one(e.diagnostic(path, "the spec")))?;
        Ok(node.to_json())
    }
}

fn inline_error(path: &Path, limits: &Limits, e: InlineError) -> Error {
    let d = match e {
        InlineError::TooLarge(at) => Diagnostic::new(
            path,
            None,
            format!(
                "the `$ref`s into #/paths expand to more than {} copied values (stopped at the $ref at {at})",
                limits.max_alias_nodes
            ),
        )
        .help(format!(
            "point `$ref`s at #/components/… instead of at other paths, and never at an ancestor of the $ref itself; {}",
            limits::spec_nodes_help(limits.max_nodes)
        )),
        InlineError::TooDeep(at) => Diagnostic::new(
            path,
            None,
            format!(
                "the `$ref`s into #/paths nest the document deeper than {} levels (stopped at {at})",
                limits.max_depth
            ),
        )
        .help("point `$ref`s at #/components/… instead of at other paths, and never at an ancestor of the $ref itself"),
    };
    Error::one(d)
}

/// The whole document, expanded, within the bounds (YAML was bounded while parsing; this
/// covers JSON and what rewriting added).
fn check_size(path: &Path, raw: &serde_json::Value, limits: &Limits) -> Result<(), Error> {
    match limits::measure(raw, limits) {
        Ok(_) => Ok(()),
        Err(Excess::Nodes) => Err(Error::one(
            Diagnostic::new(
                path,
                None,
                format!("the spec holds more than {} values", limits.max_nodes),
            )
            .help(limits::spec_nodes_help(limits.max_nodes)),
        )),
        Err(Excess::Depth(at)) => Err(Error::one(
            Diagnostic::new(
                path,
                None,
                format!(
                    "the spec nests objects and lists deeper than {} levels at {at}",
                    limits.max_depth
                ),
            )
            .help("flatten the document (no OpenAPI document needs this depth)"),
        )),
    }
}

fn check_version(path: &Path, raw: &serde_json::Value) -> Result<(), Error> {
    let d = |msg: String, help: &str| {
        Error::one(Diagnostic::new(path, None, msg).help(help.to_string()))
    };
    if !raw.is_object() {
        return Err(d(
            "the spec is not an OpenAPI document: its top level is not an object".to_string(),
            "point `spec:` at the vendor's OpenAPI JSON or YAML file",
        ));
    }
    if let Some(v) = raw.get("swagger") {
        return Err(d(
            format!(
                "this is a Swagger {} document; Portcullis reads OpenAPI 3.0 and 3.1",
                v.as_str().unwrap_or("2.x")
            ),
            "convert it to OpenAPI 3.0 first (for example with swagger2openapi), or use the vendor's OpenAPI 3 spec",
        ));
    }
    match raw.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("3.0") || v.starts_with("3.1") => Ok(()),
        Some(v) => Err(d(
            format!("unsupported OpenAPI version '{v}'"),
            "Portcullis reads OpenAPI 3.0.x and 3.1.x documents",
        )),
        None => Err(d(
            "the document has no `openapi` version field, so it is not an OpenAPI 3 document"
                .to_string(),
            "point `spec:` at the vendor's OpenAPI 3.0 document",
        )),
    }
}

fn is_31(raw: &serde_json::Value) -> bool {
    raw.get("openapi")
        .and_then(|v| v.as_str())
        .is_some_and(|v| v.starts_with("3.1"))
}

/// Formats a serde path as a JSON pointer (`#/paths/~1v1~1x/get`).
fn json_pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("#");
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push_str(&escape_pointer(key))
            }
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// Rewrites `#/components/schemas/<old>` references under `v` to their new names.
fn rename_refs(v: &mut serde_json::Value, renames: &BTreeMap<String, String>) {
    if renames.is_empty() {
        return;
    }
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "$ref" {
                    if let serde_json::Value::String(r) = x {
                        if let Some(new) = r
                            .strip_prefix("#/components/schemas/")
                            .and_then(|old| renames.get(old))
                        {
                            *r = format!("#/components/schemas/{new}");
                        }
                    }
                } else {
                    rename_refs(x, renames);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|x| rename_refs(x, renames)),
        _ => {}
    }
}

/// Whether the text holds a reference past a component's name
/// (`#/components/schemas/A/properties/b`), read from the text as written.
fn has_refs_inside_components(text: &str) -> bool {
    text.match_indices("#/components/").any(|(at, _)| {
        text[at..]
            .split(|c: char| c == '"' || c == '\'' || c.is_whitespace())
            .next()
            .is_some_and(|r| r.matches('/').count() > 3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Spec, Error> {
        Spec::from_bytes(Path::new("vendor.yaml"), text.as_bytes())
    }

    const MINI: &str = r##"
openapi: 3.0.3
info: { title: Mini, version: "1" }
paths:
  /things/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
    get:
      operationId: getThing
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Thing" }
components:
  schemas:
    Thing:
      type: object
      properties:
        child: { $ref: "#/components/schemas/Thing" }
        a: { $ref: "#/components/schemas/A" }
    A: { $ref: "#/components/schemas/B" }
    B: { $ref: "#/components/schemas/A" }
"##;

    #[test]
    fn yaml_spec_loads_and_indexes_operations() {
        let s = load(MINI).expect("loads");
        let (r, op) = s.operation("getThing").expect("found");
        assert_eq!(r.path, "/things/{id}");
        assert_eq!(s.parameters(r, op).expect("params").len(), 1);
        assert!(s.operation("GET /things/{id}").is_some());
    }

    #[test]
    fn recursive_schemas_resolve_and_ref_cycles_are_reported() {
        let s = load(MINI).expect("loads");
        let (thing, name) = s
            .resolve_schema(s.schema_named("Thing").expect("Thing"))
            .expect("resolves");
        assert_eq!(name, None);
        assert!(matches!(thing.schema_kind, openapiv3::SchemaKind::Type(_)));
        let err = s
            .resolve_schema(s.schema_named("A").expect("A"))
            .expect_err("cycle");
        assert!(err.contains("cycle"), "{err}");
    }

    #[test]
    fn swagger_2_is_named() {
        let e = load("swagger: \"2.0\"\ninfo: {title: x, version: \"1\"}\npaths: {}\n")
            .expect_err("refused");
        let msg = e.to_string();
        assert!(msg.contains("Swagger 2.0"), "{msg}");
    }

    #[test]
    fn openapi_31_loads_and_other_versions_are_named() {
        let s = load("{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"x\", \"version\": \"1\"}, \"webhooks\": {}}").expect("3.1 loads");
        assert!(s.operations.is_empty());
        let e = load("{\"openapi\": \"4.0.0\", \"info\": {\"title\": \"x\", \"version\": \"1\"}, \"paths\": {}}").expect_err("refused");
        assert!(
            e.to_string()
                .contains("unsupported OpenAPI version '4.0.0'"),
            "{e}"
        );
    }

    #[test]
    fn truncated_json_has_a_place() {
        let e = load("{\"openapi\": \"3.0.0\", \"info\": {").expect_err("truncated");
        let d = &e.diagnostics()[0];
        assert!(d.span.is_some());
        assert!(d.message.contains("not valid JSON"), "{}", d.message);
    }

    #[test]
    fn shape_errors_name_the_pointer() {
        let e = load("openapi: 3.0.0\ninfo: {title: x, version: \"1\"}\npaths:\n  /a:\n    get:\n      responses: 7\n").expect_err("bad");
        let msg = e.to_string();
        // openapiv3 flattens path items, so the pointer stops at the paths object.
        assert!(msg.contains("at #/paths"), "{msg}");
        assert!(msg.contains("expected struct Responses"), "{msg}");
    }
}

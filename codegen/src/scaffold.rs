//! `portcullis scaffold`: a starting mapping for a port and a spec.
//!
//! It writes what it can decide from names (parameters that match arguments, vendor
//! fields that match domain fields, enum values that match variants, the security
//! scheme, the base URL) and leaves a `FIXME(hint)` gap for everything else. `portcullis
//! check` lists the gaps with their lines until every one is filled in; after that the
//! mapping gets the full validation.

use crate::error::{Diagnostic, Error, nearest};
use crate::load::mapping::GAP;
use crate::load::openapi::Spec;
use crate::load::port::{DomainStruct, Port, PortMethod, Ty};
use crate::spec::media;
use crate::spec::responses::success_component;
use crate::spec::view::{object_fields, object_refs};
use heck::ToShoutySnakeCase;
use std::fmt::Write as _;
use std::path::Path;

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The loaded spec.
    pub spec: &'a Spec,
    /// The spec's path as the mapping should spell it (relative to the mapping).
    pub spec_ref: &'a str,
    /// The port file as the mapping should spell it.
    pub port_ref: &'a str,
    /// The parsed port.
    pub port: &'a Port,
    /// `method=operationId` pairs, or bare operationIds matched to methods by name.
    pub operations: &'a [String],
    /// The adapter's name.
    pub adapter: &'a str,
    /// The port file's module path.
    pub module: &'a str,
}

/// Writes the mapping text.
pub fn scaffold(r: &Request<'_>) -> Result<String, Error> {
    let pairs = pair_operations(r)?;
    let mut y = String::new();
    let vendor = r.spec.api.info.title.clone();
    let _ = writeln!(
        y,
        "# Scaffolded by `portcullis scaffold` for {vendor}. Fill in every FIXME, then run `portcullis check`."
    );
    let _ = writeln!(y, "# The format, key by key: docs/mapping.md");
    let _ = writeln!(y, "version: 1");
    let _ = writeln!(y, "adapter: {}", r.adapter);
    let _ = writeln!(
        y,
        "implements:\n  port: {}\n  source: {}\n  module: {}",
        r.port.trait_name, r.port_ref, r.module
    );
    let _ = writeln!(y, "spec: {}", r.spec_ref);
    let base = r
        .spec
        .api
        .servers
        .first()
        .map(|s| s.url.clone())
        .filter(|u| u.starts_with("http"));
    let _ = writeln!(
        y,
        "base_url: {}",
        base.unwrap_or_else(|| gap("the vendor's https:// base URL"))
    );
    if let Some(components) = &r.spec.api.components {
        if let Some(name) = components.security_schemes.keys().next() {
            let env = format!("{}_SECRET", r.adapter.to_shouty_snake_case());
            let _ = writeln!(y, "auth: {{ scheme: {name}, secret: {{ env: {env} }} }}");
        }
    }
    let _ = writeln!(
        y,
        "\ndefaults:\n  attempt_timeout: 5s\n  budget: 20s\n  retry: {{ attempts: 3, base: 100ms, cap: 5s }}"
    );
    y.push_str("\nerrors:\n  map:\n");
    let mut error_types: Vec<String> = Vec::new();
    for (pm, _) in &pairs {
        if let Ty::Named(n) = &pm.err {
            if !error_types.contains(n) {
                error_types.push(n.clone());
            }
        }
    }
    for e in &error_types {
        // Only a variant named for "anything else" is a safe catch-all guess.
        let variant = r.port.enums.get(e).and_then(|vs| {
            vs.iter()
                .find(|(name, _)| {
                    matches!(
                        name.as_str(),
                        "Provider" | "Other" | "Upstream" | "Unknown" | "Vendor" | "Internal"
                    )
                })
                .map(|(n, _)| n.clone())
        });
        let target = variant
            .map(|v| format!("{e}::{v}"))
            .unwrap_or_else(|| gap(&format!("{e} variant for any other error")));
        let _ = writeln!(y, "    _: {target}");
    }
    y.push_str("\noperations:\n");
    let mut types: Vec<(String, String)> = Vec::new();
    for (pm, op_id) in &pairs {
        operation(r, pm, op_id, &mut y, &mut types);
    }
    if !types.is_empty() {
        y.push_str("\ntypes:\n");
        let mut done = Vec::new();
        for (t, schema) in types {
            if done.contains(&t) {
                continue;
            }
            done.push(t.clone());
            type_entry(r, &t, &schema, &mut y);
        }
    }
    Ok(y)
}

fn pair_operations<'p>(r: &Request<'p>) -> Result<Vec<(&'p PortMethod, String)>, Error> {
    let fail = |msg: String, help: &str| {
        Error::one(Diagnostic::new(Path::new("--operations"), None, msg).help(help.to_string()))
    };
    let mut out = Vec::new();
    for item in r.operations {
        let (method, op) = match item.split_once('=') {
            Some((m, o)) => (Some(m.trim()), o.trim()),
            None => (None, item.trim()),
        };
        if r.spec.operation(op).is_none() {
            let help = crate::error::suggest(op, r.spec.operations.keys().map(String::as_str));
            return Err(fail(format!("operation '{op}' is not in the spec"), &help));
        }
        let name = match method {
            Some(m) => m.to_string(),
            None => {
                let snake = crate::ident::snake(op);
                let candidates: Vec<&str> =
                    r.port.methods.iter().map(|m| m.name.as_str()).collect();
                match nearest(&snake, candidates.iter().copied()) {
                    Some(n) => n.to_string(),
                    None => {
                        return Err(fail(
                            format!("no method of {} looks like '{op}'", r.port.trait_name),
                            "write it as method=operationId",
                        ));
                    }
                }
            }
        };
        let Some(pm) = r.port.method(&name) else {
            let help = crate::error::suggest(&name, r.port.methods.iter().map(|m| m.name.as_str()));
            return Err(fail(
                format!("'{name}' is not a method of {}", r.port.trait_name),
                &help,
            ));
        };
        out.push((pm, op.to_string()));
    }
    Ok(out)
}

/// Names an argument path can take: `id`, `req.order_id`, …
fn argument_paths(r: &Request<'_>, pm: &PortMethod) -> Vec<String> {
    let mut out = Vec::new();
    for (name, ty) in &pm.args {
        out.push(name.clone());
        if let Ty::Named(t) = ty.without_refs() {
            if let Some(DomainStruct::Named(fields)) = r.port.structs.get(t) {
                for f in fields {
                    out.push(format!("{name}.{}", f.name));
                }
            }
        }
    }
    out
}

/// A name that matches closely enough to write down instead of leaving a gap: a wrong
/// guess costs a reviewer more than a gap does.
fn close(wanted: &str, candidates: &[&str]) -> Option<usize> {
    let wanted = crate::ident::snake(wanted);
    if let Some(i) = candidates
        .iter()
        .position(|c| crate::ident::snake(c) == wanted)
    {
        return Some(i);
    }
    let mut best: Option<(f64, usize)> = None;
    for (i, c) in candidates.iter().enumerate() {
        let score = strsim::jaro_winkler(&wanted, &crate::ident::snake(c));
        if score >= 0.93 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, i));
        }
    }
    best.map(|(_, i)| i)
}

/// The argument path whose last segment matches a vendor name.
fn guess(paths: &[String], wire: &str) -> Option<String> {
    let lasts: Vec<&str> = paths
        .iter()
        .map(|p| p.rsplit('.').next().unwrap_or(p))
        .collect();
    close(wire, &lasts).map(|i| paths[i].clone())
}

fn operation(
    r: &Request<'_>,
    pm: &PortMethod,
    op_id: &str,
    y: &mut String,
    types: &mut Vec<(String, String)>,
) {
    let _ = writeln!(y, "  {}:\n    call: {op_id}", pm.name);
    let Some((oref, op)) = r.spec.operation(op_id) else {
        return;
    };
    let paths = argument_paths(r, pm);
    let params = r.spec.parameters(oref, op).unwrap_or_default();
    let required: Vec<&openapiv3::Parameter> = params
        .iter()
        .filter(|p| {
            p.parameter_data_ref().required || matches!(p, openapiv3::Parameter::Path { .. })
        })
        .collect();
    let is_write = !matches!(oref.method.as_str(), "get" | "head" | "options");
    let header_key = params.iter().any(|p| {
        p.parameter_data_ref()
            .name
            .eq_ignore_ascii_case("idempotency-key")
    });
    if is_write && header_key {
        let _ = writeln!(y, "    idempotency: {{ header: Idempotency-Key }}");
    }
    if !required.is_empty() {
        y.push_str("    params:\n");
        for p in required {
            let name = &p.parameter_data_ref().name;
            let value = guess(&paths, name).unwrap_or_else(|| gap(&format!("argument for {name}")));
            let _ = writeln!(y, "      {}: {value}", yaml_key(name));
        }
    }
    let body_fields = op
        .request_body
        .as_ref()
        .and_then(|b| r.spec.resolve_request_body(b).ok())
        .and_then(|b| {
            b.content
                .iter()
                .find(|(k, _)| media::is_json(k) || media::is_form(k))
                .map(|(_, m)| m.clone())
        })
        .and_then(|m| m.schema)
        .map(|s| object_fields(r.spec, &s))
        .unwrap_or_default();
    let required_body: Vec<&Field> = body_fields.iter().filter(|(_, req, _, _)| *req).collect();
    let body_key = body_fields
        .iter()
        .any(|(n, _, _, _)| n == "idempotency_key");
    if is_write && body_key && !header_key {
        let _ = writeln!(y, "    idempotency: {{ body: idempotency_key }}");
    }
    let to_map: Vec<&&Field> = required_body
        .iter()
        .filter(|(n, _, _, _)| n != "idempotency_key")
        .collect();
    if !to_map.is_empty() {
        y.push_str("    request:\n");
        for (name, _, _, scalar) in to_map {
            let value = match guess(&paths, name) {
                Some(g) if *scalar => g,
                _ if !*scalar => gap(&format!(
                    "{name} is an object: set its fields as {name}.field"
                )),
                _ => gap(&format!("argument for {name}")),
            };
            let _ = writeln!(y, "      {}: {value}", yaml_key(name));
        }
    }
    if let Ty::Named(ok) = &pm.ok {
        if r.port.structs.contains_key(ok) {
            if let Some(schema) = success_component(r.spec, op) {
                // An envelope (`{ "payment": {...}, "errors": [...] }`) around an object named like the result.
                let wrapped = r
                    .spec
                    .schema_named(&schema)
                    .and_then(|s| envelope(r.spec, s, ok));
                let schema = match wrapped {
                    Some((field, inner)) => {
                        let _ = writeln!(y, "    unwrap: {field}");
                        inner
                    }
                    None => schema,
                };
                let _ = writeln!(y, "    response: {ok}");
                types.push((ok.clone(), schema));
            }
        }
    }
    y.push('\n');
}

fn type_entry(r: &Request<'_>, t: &str, schema: &str, y: &mut String) {
    let Some(DomainStruct::Named(fields)) = r.port.structs.get(t) else {
        return;
    };
    let vendor_fields = r
        .spec
        .schema_named(schema)
        .map(|s| object_fields(r.spec, s))
        .unwrap_or_default();
    let names: Vec<&str> = vendor_fields
        .iter()
        .map(|(n, _, _, _)| n.as_str())
        .collect();
    let _ = writeln!(y, "  {t}:\n    from: {schema}\n    fields:");
    for f in fields {
        let hit = close(&f.name, &names).map(|i| names[i]);
        // A required domain field from an optional vendor field fails the call when absent:
        // the loud default, which the user may relax with `default:`.
        let wire_optional = hit
            .and_then(|h| vendor_fields.iter().find(|(n, _, _, _)| n == h))
            .is_some_and(|(_, req, _, _)| !*req);
        let required = if wire_optional && !matches!(f.ty, Ty::Option(_)) {
            ", required: true"
        } else {
            ""
        };
        let scalar = hit
            .and_then(|h| vendor_fields.iter().find(|(n, _, _, _)| n == h))
            .is_some_and(|(_, _, _, scalar)| *scalar);
        let from = match hit {
            Some(h)
                if scalar || matches!(f.ty, Ty::Named(ref n) if r.port.structs.contains_key(n)) =>
            {
                h.to_string()
            }
            Some(h) => gap(&format!(
                "{h} is an object: name its fields, e.g. {{ from: [{h}.a, {h}.b], via: path::to::fn }}"
            )),
            None => gap(&format!("vendor field for {t}.{}", f.name)),
        };
        let inner = match &f.ty {
            Ty::Option(i) => i.without_refs().clone(),
            other => other.clone(),
        };
        let enum_variants = match &inner {
            Ty::Named(n) => r.port.enums.get(n).cloned(),
            _ => None,
        };
        match enum_variants {
            Some(variants) => {
                if !required.is_empty() {
                    let _ = writeln!(
                        y,
                        "      {}:\n        from: {from}\n        required: true\n        values:",
                        f.name
                    );
                } else {
                    let _ = writeln!(
                        y,
                        "      {}:\n        from: {from}\n        values:",
                        f.name
                    );
                }
                let values = hit
                    .and_then(|h| vendor_fields.iter().find(|(n, _, _, _)| n == h))
                    .map(|(_, _, v, _)| v.clone())
                    .unwrap_or_default();
                let variant_names: Vec<&str> = variants.iter().map(|(n, _)| n.as_str()).collect();
                for v in &values {
                    let target = nearest(
                        &heck::ToUpperCamelCase::to_upper_camel_case(v.as_str()),
                        variant_names.iter().copied(),
                    )
                    .map(str::to_string)
                    .unwrap_or_else(|| gap(&format!("variant for {v}")));
                    let _ = writeln!(y, "          {}: {target}", yaml_key(v));
                }
                let catch_all = variants
                    .iter()
                    .find(|(_, s)| matches!(s, crate::load::port::VariantShape::Tuple(t) if t.len() == 1))
                    .map(|(n, _)| n.clone())
                    .unwrap_or_else(|| gap("catch-all variant"));
                let _ = writeln!(y, "          _: {catch_all}");
            }
            None if !required.is_empty() && !from.contains(GAP) => {
                let _ = writeln!(y, "      {}: {{ from: {from}{required} }}", f.name);
            }
            None => {
                let _ = writeln!(y, "      {}: {from}", f.name);
            }
        }
    }
}

type Field = (String, bool, Vec<String>, bool);

/// A gap as a quoted YAML scalar, so a hint with `:` or braces cannot break the file.
fn gap(hint: &str) -> String {
    format!("{:?}", format!("{GAP}({hint})"))
}

/// The field and component schema of an envelope's one object property named like `ok`.
fn envelope(
    spec: &Spec,
    s: &openapiv3::ReferenceOr<openapiv3::Schema>,
    ok: &str,
) -> Option<(String, String)> {
    let props = object_refs(spec, s);
    let wanted = crate::ident::snake(ok);
    props.into_iter().find(|(name, target)| {
        crate::ident::snake(name) == wanted || crate::ident::snake(target) == wanted
    })
}

/// Quotes keys YAML would misread (numbers, booleans, punctuation).
fn yaml_key(k: &str) -> String {
    let plain = k
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !k.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !matches!(
            k,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "_"
        );
    if plain {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

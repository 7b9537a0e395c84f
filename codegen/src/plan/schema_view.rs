//! Small schema questions asked outside planning (by `scaffold`).

use super::schema::{Kind, SRef, view};
use crate::load::openapi::Spec;
use openapiv3::{ReferenceOr, Schema};

/// The properties of an object schema: name, required, enum values when it has any, and
/// whether it is a scalar (string, number, boolean).
pub fn object_fields(
    spec: &Spec,
    s: &ReferenceOr<Schema>,
) -> Vec<(String, bool, Vec<String>, bool)> {
    let Ok(v) = view(spec, SRef::Plain(s)) else {
        return Vec::new();
    };
    let Kind::Object {
        props, required, ..
    } = &v.kind
    else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let kind = view(spec, *p).map(|v| v.kind);
            let scalar = matches!(
                kind,
                Ok(Kind::Str { .. } | Kind::Int | Kind::Num | Kind::Bool)
            );
            let values = match kind {
                Ok(Kind::Str { values }) => values,
                _ => Vec::new(),
            };
            (name.to_string(), required.contains(name), values, scalar)
        })
        .collect()
}

/// The properties of an object schema that refer to a component schema: name and component.
pub fn object_refs(spec: &Spec, s: &ReferenceOr<Schema>) -> Vec<(String, String)> {
    let Ok(v) = view(spec, SRef::Plain(s)) else {
        return Vec::new();
    };
    let Kind::Object { props, .. } = &v.kind else {
        return Vec::new();
    };
    props
        .iter()
        .filter_map(|(name, p)| {
            let target = view(spec, *p).ok()?.name?;
            Some((name.to_string(), target.to_string()))
        })
        .collect()
}

/// The component name of the first JSON 2xx response schema of an operation.
pub fn response_schema(spec: &Spec, op: &openapiv3::Operation) -> Option<String> {
    let mut entries: Vec<_> = op.responses.responses.iter().collect();
    entries.sort_by_key(|(s, _)| s.to_string());
    for (status, r) in entries {
        let ok = match status {
            openapiv3::StatusCode::Code(c) => (200..300).contains(c),
            openapiv3::StatusCode::Range(r) => *r == 2,
        };
        if !ok {
            continue;
        }
        let r = spec.resolve_response(r).ok()?;
        let schema = r
            .content
            .iter()
            .find(|(k, _)| k.contains("json"))
            .and_then(|(_, m)| m.schema.as_ref())?;
        if let ReferenceOr::Reference { reference } = schema {
            return reference
                .strip_prefix("#/components/schemas/")
                .map(str::to_string);
        }
    }
    None
}

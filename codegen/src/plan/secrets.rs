//! Body fields the spec marks as secret (`format: password` or `writeOnly: true`):
//! the generated contract tests hide them in every cassette they record, on top of the
//! runtime's name-based defaults (`Redactions::default`).

use std::collections::BTreeSet;

use openapiv3::{
    AdditionalProperties, OpenAPI, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

/// How deep inline schemas are followed. Named schemas are walked from the top, so
/// only inline nesting counts; a spec nested deeper has no secrets worth the stack.
const MAX_DEPTH: usize = 64;

/// The names of every property the spec marks as secret, sorted.
pub fn secret_fields(api: &OpenAPI) -> Vec<String> {
    let mut out = BTreeSet::new();
    if let Some(components) = &api.components {
        for schema in components.schemas.values() {
            if let ReferenceOr::Item(s) = schema {
                walk(s, &mut out, 0);
            }
        }
    }
    for (_, _, op) in api.operations() {
        if let Some(ReferenceOr::Item(body)) = &op.request_body {
            for media in body.content.values() {
                if let Some(ReferenceOr::Item(s)) = &media.schema {
                    walk(s, &mut out, 0);
                }
            }
        }
        for response in op.responses.responses.values().chain(&op.responses.default) {
            if let ReferenceOr::Item(r) = response {
                for media in r.content.values() {
                    if let Some(ReferenceOr::Item(s)) = &media.schema {
                        walk(s, &mut out, 0);
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

fn is_secret(s: &Schema) -> bool {
    s.schema_data.write_only
        || match &s.schema_kind {
            SchemaKind::Type(Type::String(t)) => {
                matches!(
                    t.format,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Password)
                )
            }
            SchemaKind::Any(a) => a.format.as_deref() == Some("password"),
            _ => false,
        }
}

fn walk(s: &Schema, out: &mut BTreeSet<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            for (name, p) in &o.properties {
                property(name, p, out, depth);
            }
            if let Some(AdditionalProperties::Schema(extra)) = &o.additional_properties {
                if let ReferenceOr::Item(extra) = extra.as_ref() {
                    walk(extra, out, depth + 1);
                }
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(ReferenceOr::Item(items)) = &a.items {
                walk(items, out, depth + 1);
            }
        }
        SchemaKind::OneOf { one_of: l }
        | SchemaKind::AllOf { all_of: l }
        | SchemaKind::AnyOf { any_of: l } => each(l, out, depth),
        SchemaKind::Any(a) => {
            for (name, p) in &a.properties {
                property(name, p, out, depth);
            }
            if let Some(ReferenceOr::Item(items)) = &a.items {
                walk(items, out, depth + 1);
            }
            each(&a.one_of, out, depth);
            each(&a.all_of, out, depth);
            each(&a.any_of, out, depth);
        }
        _ => {}
    }
}

fn property(name: &str, p: &ReferenceOr<Box<Schema>>, out: &mut BTreeSet<String>, depth: usize) {
    if let ReferenceOr::Item(p) = p {
        if is_secret(p) {
            out.insert(name.to_owned());
        }
        walk(p, out, depth + 1);
    }
}

fn each(list: &[ReferenceOr<Schema>], out: &mut BTreeSet<String>, depth: usize) {
    for item in list {
        if let ReferenceOr::Item(s) = item {
            walk(s, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_and_write_only_properties_are_secret_at_any_depth() {
        let api: OpenAPI = serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/login": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "user": {"type": "string"},
                        "pass": {"type": "string", "format": "password"}
                    }
                }}}},
                "responses": {"200": {"description": "ok"}}
            }}},
            "components": {"schemas": {"Account": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "keys": {"type": "array", "items": {
                        "type": "object",
                        "properties": {"pin": {"type": "string", "writeOnly": true}}
                    }}
                }
            }}}
        }))
        .expect("spec");
        assert_eq!(secret_fields(&api), ["pass", "pin"]);
    }
}

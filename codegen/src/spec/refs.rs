//! `$ref`s: the one place that knows what a reference points at.
//!
//! A spec is held twice (see [`crate::load::openapi`]): as the raw JSON tree, which
//! contract-test samples, `diff` and `trim` walk, and as `openapiv3` types, which the
//! planner reads. Both follow references here, with the same rules: only references
//! inside the document (`#/…`), at most [`MAX_HOPS`] in a chain, and a reference that
//! points at nothing is a dangling reference, never a panic.

use crate::load::openapi::Spec;
use openapiv3::{Components, Parameter, ReferenceOr, RequestBody, Response, Schema};
use serde_json::Value;

/// The longest chain of references followed before it counts as a cycle.
pub const MAX_HOPS: usize = 64;

/// Escapes one JSON pointer token (RFC 6901): `/v1/x` becomes `~1v1~1x`.
pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// What a reference inside the document (`#/components/schemas/X`) points at in the raw
/// tree. References in the wild are sometimes percent-encoded (`%7Bid%7D`); the decoded
/// form is tried once.
pub fn pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let p = reference.strip_prefix('#')?;
    doc.pointer(p).or_else(|| {
        let decoded = p.replace("%7B", "{").replace("%7D", "}");
        doc.pointer(&decoded)
    })
}

/// Follows `$ref`s from a raw node until one without: the node itself when it is not a
/// reference, `null` when a reference dangles or the chain never ends.
pub fn target<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..MAX_HOPS {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        match pointer(doc, r) {
            Some(next) => v = next,
            None => return &Value::Null,
        }
    }
    &Value::Null
}

/// The name a reference to a component of one kind carries: `X` of
/// `#/components/schemas/X` when `prefix` is `#/components/schemas/`.
pub fn component<'a>(reference: &'a str, prefix: &str) -> Result<&'a str, String> {
    reference.strip_prefix(prefix).ok_or_else(|| {
        if reference.starts_with('#') {
            format!("$ref '{reference}' should start with '{prefix}'")
        } else {
            format!("$ref '{reference}' points outside this document; bundle the spec into one file first")
        }
    })
}

/// Typed lookups: the same rules over the `openapiv3` components.
impl Spec {
    /// Follows a parameter `$ref`.
    pub fn resolve_parameter<'a>(
        &'a self,
        r: &'a ReferenceOr<Parameter>,
    ) -> Result<&'a Parameter, String> {
        self.follow(r, "#/components/parameters/", "parameters", |c, n| {
            c.parameters.get(n)
        })
    }

    /// Follows a request body `$ref`.
    pub fn resolve_request_body<'a>(
        &'a self,
        r: &'a ReferenceOr<RequestBody>,
    ) -> Result<&'a RequestBody, String> {
        self.follow(
            r,
            "#/components/requestBodies/",
            "request bodies",
            |c, n| c.request_bodies.get(n),
        )
    }

    /// Follows a response `$ref`.
    pub fn resolve_response<'a>(
        &'a self,
        r: &'a ReferenceOr<Response>,
    ) -> Result<&'a Response, String> {
        self.follow(r, "#/components/responses/", "responses", |c, n| {
            c.responses.get(n)
        })
    }

    /// Follows a schema `$ref`; returns the schema and the name of the last component it went through.
    pub fn resolve_schema<'a>(
        &'a self,
        r: &'a ReferenceOr<Schema>,
    ) -> Result<(&'a Schema, Option<&'a str>), String> {
        let mut cur = r;
        let mut name = None;
        for _ in 0..MAX_HOPS {
            match cur {
                ReferenceOr::Item(s) => return Ok((s, name)),
                ReferenceOr::Reference { reference } => {
                    let n = component(reference, "#/components/schemas/")?;
                    name = Some(n);
                    cur = self.components_get(|c| c.schemas.get(n), reference)?;
                }
            }
        }
        let text = match r {
            ReferenceOr::Reference { reference } => reference.as_str(),
            ReferenceOr::Item(_) => "inline",
        };
        Err(format!(
            "a cycle of $refs that never reaches a schema ({text})"
        ))
    }

    /// Follows a boxed schema `$ref`.
    pub fn resolve_boxed<'a>(
        &'a self,
        r: &'a ReferenceOr<Box<Schema>>,
    ) -> Result<(&'a Schema, Option<&'a str>), String> {
        match r {
            ReferenceOr::Item(s) => Ok((s, None)),
            ReferenceOr::Reference { reference } => {
                let n = component(reference, "#/components/schemas/")?;
                let target = self.components_get(|c| c.schemas.get(n), reference)?;
                let (s, inner) = self.resolve_schema(target)?;
                Ok((s, inner.or(Some(n))))
            }
        }
    }

    /// A component schema by name.
    pub fn schema_named(&self, name: &str) -> Option<&ReferenceOr<Schema>> {
        self.api.components.as_ref()?.schemas.get(name)
    }

    /// A component schema by name, with the name as the spec spells it.
    pub fn component_schema(&self, name: &str) -> Option<(&str, &ReferenceOr<Schema>)> {
        let (n, s) = self.api.components.as_ref()?.schemas.get_key_value(name)?;
        Some((n.as_str(), s))
    }

    /// Follows a chain of references to components of one kind.
    fn follow<'a, T>(
        &'a self,
        r: &'a ReferenceOr<T>,
        prefix: &str,
        kind: &str,
        get: impl Fn(&'a Components, &str) -> Option<&'a ReferenceOr<T>>,
    ) -> Result<&'a T, String> {
        let mut cur = r;
        for _ in 0..MAX_HOPS {
            match cur {
                ReferenceOr::Item(x) => return Ok(x),
                ReferenceOr::Reference { reference } => {
                    let name = component(reference, prefix)?;
                    cur = self.components_get(|c| get(c, name), reference)?;
                }
            }
        }
        Err(format!("a cycle of $refs between {kind}"))
    }

    fn components_get<'a, T>(
        &'a self,
        get: impl Fn(&'a Components) -> Option<&'a T>,
        reference: &str,
    ) -> Result<&'a T, String> {
        self.api
            .components
            .as_ref()
            .and_then(get)
            .ok_or_else(|| format!("$ref '{reference}' points at nothing in this document"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn raw_references_follow_chains_and_percent_encoding() {
        let doc = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"},
            "C": {"$ref": "#/components/schemas/D"},
            "D": {"$ref": "#/components/schemas/C"}
        }}, "paths": {"/x/{id}": {"get": {}}}});
        assert_eq!(
            target(&doc, &json!({"$ref": "#/components/schemas/A"})),
            &json!({"type": "string"})
        );
        assert_eq!(target(&doc, &json!({"type": "integer"}))["type"], "integer");
        assert!(target(&doc, &json!({"$ref": "#/components/schemas/Gone"})).is_null());
        assert!(target(&doc, &json!({"$ref": "#/components/schemas/C"})).is_null());
        assert!(pointer(&doc, "#/paths/~1x~1%7Bid%7D/get").is_some());
        assert!(pointer(&doc, "other.json#/x").is_none());
    }

    #[test]
    fn component_names_and_their_mistakes() {
        assert_eq!(
            component("#/components/schemas/Money", "#/components/schemas/"),
            Ok("Money")
        );
        let wrong =
            component("#/definitions/Money", "#/components/schemas/").expect_err("wrong kind");
        assert!(wrong.contains("should start with"), "{wrong}");
        let outside = component("money.json", "#/components/schemas/").expect_err("outside");
        assert!(outside.contains("bundle the spec"), "{outside}");
        assert_eq!(escape_pointer("/v1/a~b"), "~1v1~1a~0b");
    }
}

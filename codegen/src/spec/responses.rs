//! Response statuses, and the success responses of an operation.
//!
//! A success is a `2xx` code or the `2XX` range. Responses sort by status, a range after
//! every code of its class, since OpenAPI gives a code precedence over its range:
//! `200`, `201`, `2XX`, `404`. Generated code matches statuses in this order.

use super::media;
use crate::load::openapi::Spec;
use openapiv3::{Operation, ReferenceOr, Response, Schema, StatusCode};

/// A response key as OpenAPI writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// One status, e.g. `404`.
    Code(u16),
    /// A class of statuses by its first digit, e.g. `2XX` is `Range(2)`.
    Range(u16),
}

impl Status {
    /// Reads a key of a raw `responses` object; `None` for `default` and anything else.
    pub fn parse(key: &str) -> Option<Status> {
        if let [d @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] = key.as_bytes() {
            return Some(Status::Range(u16::from(*d - b'0')));
        }
        key.parse::<u16>().ok().map(Status::Code)
    }

    /// The status of a typed response key.
    pub fn of(code: &StatusCode) -> Status {
        match code {
            StatusCode::Code(c) => Status::Code(*c),
            StatusCode::Range(r) => Status::Range(*r),
        }
    }

    /// A `2xx` code or the `2XX` range.
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(c) => is_success(c),
            Status::Range(r) => r == 2,
        }
    }

    /// The sort key: by class, codes before the range of their class (`200`, `201`,
    /// `2XX`, `404`): a code takes precedence over its range, so a `match` in this order
    /// has no unreachable arm.
    pub fn order(self) -> (u16, u16, u16) {
        match self {
            Status::Code(c) => (c / 100, 0, c),
            Status::Range(r) => (r, 1, 0),
        }
    }
}

/// Whether an HTTP status is a success (`200..=299`).
pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The declared responses of an operation (without `default`), in status order.
pub fn sorted(op: &Operation) -> Vec<(Status, &ReferenceOr<Response>)> {
    let mut entries: Vec<(Status, &ReferenceOr<Response>)> = op
        .responses
        .responses
        .iter()
        .map(|(s, r)| (Status::of(s), r))
        .collect();
    entries.sort_by_key(|(s, _)| s.order());
    entries
}

/// The success responses of an operation, in status order.
pub fn successes(op: &Operation) -> Vec<(Status, &ReferenceOr<Response>)> {
    let mut entries = sorted(op);
    entries.retain(|(s, _)| s.is_success());
    entries
}

/// The schema of a response's JSON content, when it has one.
pub fn json_schema(response: &Response) -> Option<&ReferenceOr<Schema>> {
    media::find_json(&response.content).and_then(|(_, m)| m.schema.as_ref())
}

/// The component name of the first JSON success response schema of an operation, when
/// that schema is a `$ref` (what `scaffold` names a result type after).
pub fn success_component(spec: &Spec, op: &Operation) -> Option<String> {
    for (_, r) in successes(op) {
        let r = spec.resolve_response(r).ok()?;
        let schema = json_schema(r)?;
        if let ReferenceOr::Reference { reference } = schema {
            return reference
                .strip_prefix("#/components/schemas/")
                .map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_ranges_sort_after_every_code_of_their_class() {
        assert_eq!(Status::parse("2XX"), Some(Status::Range(2)));
        assert_eq!(Status::parse("4xx"), Some(Status::Range(4)));
        assert_eq!(Status::parse("201"), Some(Status::Code(201)));
        assert_eq!(Status::parse("default"), None);
        assert!(Status::parse("2XX").is_some_and(Status::is_success));
        assert!(!Status::Code(302).is_success());
        let mut s = [
            Status::Range(4),
            Status::Range(2),
            Status::Code(404),
            Status::Code(299),
            Status::Code(201),
            Status::Code(200),
        ];
        s.sort_by_key(|s| s.order());
        assert_eq!(
            s,
            [
                Status::Code(200),
                Status::Code(201),
                Status::Code(299),
                Status::Range(2),
                Status::Code(404),
                Status::Range(4)
            ]
        );
    }

    #[test]
    fn successes_of_an_operation_skip_errors_and_default() {
        let op: Operation = serde_json::from_value(serde_json::json!({
            "responses": {
                "default": {"description": "error"},
                "404": {"description": "missing"},
                "2XX": {"description": "any", "content": {"application/json": {"schema": {"type": "object"}}}},
                "201": {"description": "created", "content": {"text/plain": {"schema": {"type": "string"}}}}
            }
        }))
        .expect("operation");
        let statuses: Vec<Status> = successes(&op).into_iter().map(|(s, _)| s).collect();
        assert_eq!(statuses, [Status::Code(201), Status::Range(2)]);
        let json: Vec<bool> = successes(&op)
            .into_iter()
            .map(|(_, r)| match r {
                ReferenceOr::Item(r) => json_schema(r).is_some(),
                ReferenceOr::Reference { .. } => false,
            })
            .collect();
        assert_eq!(json, [false, true]);
    }
}

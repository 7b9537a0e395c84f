//! The cheap constraints a spec states for one value (length, pattern, format, enum,
//! range): what the generated code checks before sending, and the shape an
//! idempotency key must fit.

use crate::load::openapi::Spec;
use crate::spec::view::SRef;
use openapiv3::{SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

/// The constraints of one value, as the spec words them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// `maxLength`.
    pub max_length: Option<usize>,
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `pattern` (ECMA-262 source).
    pub pattern: Option<String>,
    /// `format: uuid`.
    pub uuid: bool,
    /// `enum` of a string.
    pub values: Vec<String>,
    /// `minimum` (integers and numbers), and whether it is exclusive.
    pub minimum: Option<(f64, bool)>,
    /// `maximum`, and whether it is exclusive.
    pub maximum: Option<(f64, bool)>,
    /// `format: date` or `format: date-time` of a string.
    pub format: Option<TextFormat>,
    /// `maxItems` of an array.
    pub max_items: Option<usize>,
    /// `minItems` of an array.
    pub min_items: Option<usize>,
}

/// A string format checked before sending (RFC 3339, as JSON Schema defines them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// `format: date`: `2026-03-01`.
    Date,
    /// `format: date-time`: `2026-03-01T12:00:00Z`.
    DateTime,
    /// `format: email`: not checked before sending (vendors accept different subsets),
    /// but a contract test's sample must be one.
    Email,
    /// `format: uri` (or `url`): likewise, sampled, not checked.
    Uri,
}

impl TextFormat {
    /// Whether the runtime checks it before sending (RFC 3339 dates are the same for
    /// every vendor; email and URI syntax are not).
    pub fn checked(self) -> bool {
        matches!(self, TextFormat::Date | TextFormat::DateTime)
    }
}

impl Constraints {
    /// No constraint at all.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// The constraints of `schema`, following `$ref`s and single-item `allOf`s; empty for
/// a schema that cannot be resolved (the planner reports that elsewhere).
pub(crate) fn of(spec: &Spec, schema: SRef<'_>) -> Constraints {
    of_at(spec, schema, 0)
}

fn of_at(spec: &Spec, schema: SRef<'_>, depth: usize) -> Constraints {
    let resolved = schema.resolve(spec);
    let Ok((s, _)) = resolved else {
        return Constraints::default();
    };
    let mut c = Constraints::default();
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            c.max_length = t.max_length;
            c.min_length = t.min_length;
            c.pattern = t.pattern.clone();
            c.uuid = matches!(&t.format, VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid");
            c.values = t.enumeration.iter().flatten().cloned().collect();
            c.format = match &t.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some(TextFormat::Date),
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some(TextFormat::DateTime),
                VariantOrUnknownOrEmpty::Unknown(f) if f == "email" => Some(TextFormat::Email),
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uri" || f == "url" => {
                    Some(TextFormat::Uri)
                }
                _ => None,
            };
        }
        SchemaKind::Type(Type::Integer(t)) => {
            c.minimum = t.minimum.map(|m| (m as f64, t.exclusive_minimum));
            c.maximum = t.maximum.map(|m| (m as f64, t.exclusive_maximum));
        }
        SchemaKind::Type(Type::Number(t)) => {
            c.minimum = t.minimum.map(|m| (m, t.exclusive_minimum));
            c.maximum = t.maximum.map(|m| (m, t.exclusive_maximum));
        }
        SchemaKind::Type(Type::Array(t)) => {
            c.max_items = t.max_items;
            c.min_items = t.min_items.filter(|m| *m > 0);
        }
        // One part: that part (3.1's `oneOf: [{type: "null"}, {$ref}]` is one once the
        // `null` is read as `nullable`).
        SchemaKind::AllOf { all_of: parts }
        | SchemaKind::OneOf { one_of: parts }
        | SchemaKind::AnyOf { any_of: parts }
            if parts.len() == 1 && depth < 32 =>
        {
            return of_at(spec, SRef::Plain(&parts[0]), depth + 1);
        }
        _ => {}
    }
    c
}

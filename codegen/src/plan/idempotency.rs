//! The idempotency key of a write: where it goes, what it is derived from, and the
//! shape the spec allows it.

use super::args::SCALARS;
use super::constraints::{self, Constraints};
use super::planner::Planner;
use super::*;
use crate::load::mapping::{KeyPlacement, OperationMap};
use crate::load::openapi::{OperationRef, Spec};
use crate::load::port::{PortMethod, Ty};
use crate::spec::media;
use crate::spec::view::{Kind, SRef, view};
use openapiv3::{Parameter, ParameterSchemaOrContent};

/// Where the idempotency key goes and what it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyPlan {
    /// `Some(header)` for a header, `None` when it is a body field.
    pub header: Option<String>,
    /// The domain value it is derived from, else a UUIDv4.
    pub from: Option<ValuePlan>,
    /// Description for reports (`req.order_id` or `uuid v4`).
    pub source: String,
    /// What the spec allows in the header or body field the key goes into
    /// (`maxLength`, `minLength`, `pattern`, `format: uuid`); the runtime fits every
    /// key to it.
    pub shape: Constraints,
}

impl<'a> Planner<'a> {
    pub(super) fn idempotency(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        i: &crate::load::mapping::Idempotency,
        oref: &OperationRef,
        op: &'a openapiv3::Operation,
    ) -> Option<IdempotencyPlan> {
        let from = match &i.key {
            Some(k) => {
                let (mut access, ty) = self.expr(pm, k)?;
                let ty = self.unwrap_newtype(ty, &mut access);
                match &ty {
                    Ty::Named(n) if SCALARS.contains(&n.as_str()) => {}
                    other => {
                        self.err(k.span, format!("an idempotency key must come from a string or number, but '{}' is {other}", k.value), "point at an id field");
                        return None;
                    }
                }
                Some(ValuePlan::Expr {
                    access,
                    clone: false,
                    optional: false,
                    convert: None,
                    via: None,
                })
            }
            None => None,
        };
        let header = match &i.placement {
            KeyPlacement::Header(h) => {
                if h.value.is_empty()
                    || !h
                        .value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    self.err(
                        h.span,
                        format!("'{}' is not a valid header name", h.value),
                        "use letters, digits and '-'",
                    );
                }
                Some(h.value.clone())
            }
            KeyPlacement::Body(_) => None,
        };
        let (span, shape) = match &i.placement {
            KeyPlacement::Header(h) => (h.span, self.header_shape(om, oref, op, &h.value)),
            KeyPlacement::Body(b) => (b.span, self.body_field_shape(op, &b.value)),
        };
        if let Err(why) = feasible(&shape) {
            self.err(
                span,
                format!("no idempotency key can fit the spec here: {why}"),
                "correct the spec's constraints (trim or patch it), or put the key in another header or field",
            );
        }
        Some(IdempotencyPlan {
            header,
            from,
            source: i
                .key
                .as_ref()
                .map(|k| k.value.clone())
                .unwrap_or_else(|| "a UUIDv4 per logical call".into()),
            shape,
        })
    }

    /// The constraints of the header the key goes into, when the spec declares it.
    fn header_shape(
        &mut self,
        om: &OperationMap,
        oref: &OperationRef,
        op: &openapiv3::Operation,
        name: &str,
    ) -> Constraints {
        let Ok(params) = self.spec.parameters(oref, op) else {
            // The parameters' own planning reports this.
            let _ = om;
            return Constraints::default();
        };
        params
            .iter()
            .find_map(|p| match p {
                Parameter::Header { parameter_data, .. }
                    if parameter_data.name.eq_ignore_ascii_case(name) =>
                {
                    match &parameter_data.format {
                        ParameterSchemaOrContent::Schema(s) => {
                            Some(constraints::of(self.spec, SRef::Plain(s)))
                        }
                        ParameterSchemaOrContent::Content(_) => None,
                    }
                }
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The constraints of the top-level body field the key goes into.
    fn body_field_shape(&self, op: &'a openapiv3::Operation, field: &str) -> Constraints {
        let spec: &'a Spec = self.spec;
        let schema = op
            .request_body
            .as_ref()
            .and_then(|rb| spec.resolve_request_body(rb).ok())
            .and_then(|rb| {
                media::find_json(&rb.content)
                    .or_else(|| media::find_form(&rb.content))
                    .and_then(|(_, m)| m.schema.as_ref())
            });
        let Some(schema) = schema else {
            return Constraints::default();
        };
        match view(spec, SRef::Plain(schema)).map(|v| v.kind) {
            Ok(Kind::Object { props, .. }) => props
                .iter()
                .find(|(n, _)| *n == field)
                .map(|(_, s)| constraints::of(spec, *s))
                .unwrap_or_default(),
            _ => Constraints::default(),
        }
    }
}

/// The fewest bits of a key that keeps the keys of different values apart: at 64 bits
/// the chance that any two of a million keys collide is below 10⁻⁷.
const MIN_BITS: f64 = 64.0;

/// The alphabets the runtime writes shortened keys in (runtime `idempotency/shape.rs`).
const ALPHABETS: [&str; 7] = [
    "0123456789abcdef",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789ABCDEF",
    "0123456789",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
];

/// Whether the runtime can make keys of this shape that keep at least [`MIN_BITS`];
/// `Err` says why not. Decided as the runtime decides: a UUID for `format: uuid`, else
/// characters of one of its alphabets, as many as the lengths allow.
pub(crate) fn feasible(shape: &Constraints) -> Result<(), String> {
    let max = shape.max_length;
    let min = shape.min_length.unwrap_or(0);
    if max.is_some_and(|m| m < min) {
        return Err(format!(
            "maxLength {} is below minLength {min}",
            max.unwrap_or(0)
        ));
    }
    let pattern = match &shape.pattern {
        Some(p) => match regex::Regex::new(p) {
            Ok(r) => Some(r),
            Err(_) => {
                return Err(format!(
                    "the pattern {p} uses syntax the runtime cannot check (look-around or back-references)"
                ));
            }
        },
        None => None,
    };
    let accepts = |key: &str| pattern.as_ref().is_none_or(|p| p.is_match(key));
    if shape.uuid {
        let uuid = "0b5d3c9e-5f7a-4c1e-9a0e-1f2d3c4b5a69";
        if max.is_some_and(|m| m < 36) || min > 36 {
            return Err("format uuid, but the lengths do not allow 36 characters".into());
        }
        if !accepts(uuid) && !accepts(&uuid.to_ascii_uppercase()) {
            return Err("format uuid, but the pattern accepts no UUID".into());
        }
        return Ok(());
    }
    let mut best = 0.0_f64;
    for alphabet in ALPHABETS {
        let chars: Vec<char> = alphabet.chars().collect();
        let per_char = (chars.len() as f64).log2();
        let natural = (256.0 / per_char).ceil() as usize;
        let n = natural.max(min).min(max.unwrap_or(natural));
        if n == 0 {
            continue;
        }
        // A spread of the alphabet's characters stands for a digest written in it.
        let key: String = (0..n).map(|i| chars[(i * 7 + 3) % chars.len()]).collect();
        if accepts(&key) {
            best = best.max(n as f64 * per_char);
        }
    }
    if best == 0.0 {
        return Err(format!(
            "the pattern {} accepts no key of {}",
            shape.pattern.as_deref().unwrap_or(""),
            match max {
                Some(m) => format!("{min} to {m} letters, digits, '-' or '_'"),
                None => "letters, digits, '-' or '_'".into(),
            }
        ));
    }
    if best < MIN_BITS {
        return Err(format!(
            "the longest key it allows keeps {best:.0} bits, fewer than the {MIN_BITS:.0} that keep different values' keys apart"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};

    #[test]
    fn a_key_from_a_domain_value_or_a_uuid() {
        let plan = Fixture::default().plan();
        let key = op(&plan, "create").idempotency.clone().expect("key");
        assert_eq!(key.header.as_deref(), Some("Idempotency-Key"));
        assert_eq!(key.source, "req.order");
        assert!(key.from.is_some());
        let plan = Fixture::default()
            .mapping(", key: req.order }", " }")
            .plan();
        let key = op(&plan, "create").idempotency.clone().expect("key");
        assert_eq!(
            (key.from, key.source.as_str()),
            (None, "a UUIDv4 per logical call")
        );
    }

    #[test]
    fn keys_come_from_scalars_under_valid_names() {
        Fixture::default()
            .mapping("key: req.order", "key: req")
            .refused_with(
                "an idempotency key must come from a string or number, but 'req' is NewThing",
            );
        Fixture::default()
            .mapping("header: Idempotency-Key", "header: \"Idempotency Key\"")
            .refused_with("'Idempotency Key' is not a valid header name");
    }

    #[test]
    fn the_key_takes_the_shape_of_its_body_field_or_header() {
        let body_key = Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { type: string }\n                key: { type: string, maxLength: 45, pattern: \"^[A-Za-z0-9:_-]+$\" }",
            )
            .mapping("header: Idempotency-Key, key: req.order", "body: key, key: req.order");
        let key = op(&body_key.plan(), "create")
            .idempotency
            .clone()
            .expect("key");
        assert_eq!(key.shape.max_length, Some(45));
        assert_eq!(key.shape.pattern.as_deref(), Some("^[A-Za-z0-9:_-]+$"));

        let header = Fixture::default().spec(
            "      operationId: createThing\n",
            "      operationId: createThing\n      parameters:\n        - { name: idempotency-key, in: header, schema: { type: string, format: uuid } }\n",
        );
        let key = op(&header.plan(), "create")
            .idempotency
            .clone()
            .expect("key");
        assert!(key.shape.uuid, "{:?}", key.shape);
    }

    #[test]
    fn check_refuses_a_shape_no_key_fits() {
        let with = |schema: &str| {
            Fixture::default()
                .spec(
                    "memo: { type: string }",
                    &format!("memo: {{ type: string }}\n                key: {schema}"),
                )
                .mapping(
                    "header: Idempotency-Key, key: req.order",
                    "body: key, key: req.order",
                )
        };
        with("{ type: string, maxLength: 6 }").refused_with(
            "no idempotency key can fit the spec here: the longest key it allows keeps 36 bits",
        );
        with("{ type: string, pattern: \"^[.]+$\" }")
            .refused_with("the pattern ^[.]+$ accepts no key");
        with("{ type: string, format: uuid, maxLength: 20 }")
            .refused_with("format uuid, but the lengths do not allow 36 characters");
        with("{ type: string, maxLength: 45 }").plan();
    }
}

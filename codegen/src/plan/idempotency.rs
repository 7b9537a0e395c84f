//! The idempotency key of a write: where it goes and what it is derived from.

use super::args::SCALARS;
use super::planner::Planner;
use super::*;
use crate::load::mapping::{KeyPlacement, OperationMap};
use crate::load::port::{PortMethod, Ty};

/// Where the idempotency key goes and what it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyPlan {
    /// `Some(header)` for a header, `None` when it is a body field.
    pub header: Option<String>,
    /// The domain value it is derived from, else a UUIDv4.
    pub from: Option<ValuePlan>,
    /// Description for reports (`req.order_id` or `uuid v4`).
    pub source: String,
}

impl<'a> Planner<'a> {
    pub(super) fn idempotency(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        i: &crate::load::mapping::Idempotency,
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
                    widen: None,
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
        let _ = om;
        Some(IdempotencyPlan {
            header,
            from,
            source: i
                .key
                .as_ref()
                .map(|k| k.value.clone())
                .unwrap_or_else(|| "a UUIDv4 per logical call".into()),
        })
    }
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
}

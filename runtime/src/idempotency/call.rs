//! The key of one call as generated code asks for it: from a domain value or drawn at
//! random, in the shape the vendor's spec allows.

use crate::error::Error;
use crate::pipeline::Pipeline;

use super::key::IdempotencyKey;
use super::scope::{CallKey, current as current_scope};
use super::shape::KeyShape;

/// Where the idempotency key of a call comes from.
#[derive(Debug, Clone, Copy)]
pub enum KeySource<'a> {
    /// A domain value (the mapping's `key: req.order_id`); `field` names it in errors.
    Domain {
        /// Where the value comes from, for errors (`req.order_id`).
        field: &'a str,
        /// The value.
        value: &'a str,
    },
    /// No domain value: the caller's scope decides ([`super::replay`] sends the key
    /// given there, [`super::logical_call`] derives one from its id), else a fresh
    /// random key per call.
    PerCall,
}

impl Pipeline {
    /// The idempotency key of one logical call of `operation`, fitted to `shape` (the
    /// constraints of the body field or header it goes into; see [`KeyShape`]).
    ///
    /// An empty or blank domain value is [`Error::InvalidRequest`], counted by
    /// [`Pipeline::refused`]: every such call would share one key. A shape no key can
    /// fit is [`Error::Config`]. A key the store remembered that no longer fits the
    /// shape (the spec changed between deploys) is replaced by a fresh one, with a
    /// warning.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use portcullis_runtime as rt;
    ///
    /// static KEY: rt::KeyShape = rt::KeyShape::new().max_length(45);
    ///
    /// # async fn demo(pipeline: &rt::Pipeline, order_id: &str) -> Result<(), rt::Error> {
    /// let source = rt::KeySource::Domain { field: "req.order_id", value: order_id };
    /// let key = pipeline.idempotency_key_for("create_payment", source, &KEY).await?;
    /// let body = serde_json::json!({ "idempotency_key": key.as_str(), "amount_money": { "amount": 100 } });
    /// let req = rt::Request::new("create_payment", rt::Method::POST, "/v2/payments")
    ///     .json_body(&body)?
    ///     .idempotency(&key, rt::KeyPlacement::Body);
    /// # let _ = req; Ok(()) }
    /// ```
    pub async fn idempotency_key_for(
        &self,
        operation: &str,
        source: KeySource<'_>,
        shape: &KeyShape,
    ) -> Result<IdempotencyKey, Error> {
        match source {
            KeySource::Domain { field, value } => {
                IdempotencyKey::derive_shaped(operation, field, value, shape)
                    .map_err(|e| self.refused(e))
            }
            KeySource::PerCall => match current_scope() {
                Some(CallKey::Replay(key)) => {
                    if shape.accepts(&key).map_err(|e| self.refused(e))? {
                        Ok(IdempotencyKey::replayed(key))
                    } else {
                        Err(self.refused(Error::invalid_request(
                            operation,
                            "the replayed idempotency key",
                            shape.to_string(),
                            format!("{key:?} does not fit; replay with the key the error carried"),
                        )))
                    }
                }
                Some(CallKey::Logical(id)) => {
                    IdempotencyKey::derive_shaped(operation, "the logical call id", &id, shape)
                        .map_err(|e| self.refused(e))
                }
                None => IdempotencyKey::random_shaped(shape).map_err(|e| self.refused(e)),
            },
        }
    }
}

//! Checks of a request against the constraints its spec states, made before sending.
//!
//! The vendor would answer a request that breaks its spec with a 400 or 422; checking
//! first fails the call at once, names the field and the constraint, and never sends
//! or retries it. Only cheap checks live here: a length, a pattern, enum membership, a
//! numeric range, an item count. Each returns `Err(`[`Error::InvalidRequest`]`)`
//! naming the operation, the field (a JSON path such as `$.items[0].sku`, or
//! `query per_page`) and the constraint as the spec words it; the message never
//! repeats a string value, which may be personal data.
//!
//! Generated code calls them while building a request and hands a failure to
//! [`crate::Pipeline::refused`], which counts it (`outcome="invalid"`) and logs it:
//!
//! ```
//! use portcullis_runtime::validate::{self, Pattern};
//!
//! static CURRENCY: Pattern = Pattern::new("^[A-Z]{3}$");
//!
//! # fn main() -> Result<(), portcullis_runtime::Error> {
//! let op = "create_payment";
//! validate::max_length(op, "$.reference", "order-42", 80)?;
//! validate::pattern(op, "$.amount.currency", "EUR", &CURRENCY)?;
//! validate::one_of(op, "$.capture_method", "manual", &["automatic", "manual"])?;
//! validate::minimum(op, "$.amount.value", 2000_i64, 0)?;
//! let err = validate::pattern(op, "$.amount.currency", "eur", &CURRENCY).expect_err("refused");
//! assert_eq!(err.kind(), portcullis_runtime::ErrorKind::InvalidRequest);
//! # Ok(()) }
//! ```
//!
//! | file | checks |
//! |---|---|
//! | `length.rs` | `maxLength` / `minLength` (in characters, as JSON Schema counts them), `maxItems` / `minItems` |
//! | `pattern.rs` | `pattern` (ECMA-262, run with the `regex` crate; [`pattern_supported`] for generators) |
//! | `choice.rs` | `enum` |
//! | `range.rs` | `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` |
//! | `format.rs` | `format: date` and `format: date-time` (RFC 3339) |
//!
//! Integer conversions to and from the wire type are in [`crate::convert`].
//!
//! [`Error::InvalidRequest`]: crate::Error::InvalidRequest

mod choice;
mod format;
mod length;
mod pattern;
mod range;

pub use choice::one_of;
pub use format::{date, date_time, is_date, is_date_time, unix_seconds};
pub use length::{max_items, max_length, min_items, min_length};
pub use pattern::{Pattern, pattern, pattern_supported};
pub use range::{exclusive_maximum, exclusive_minimum, maximum, minimum};

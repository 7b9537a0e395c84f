//! Checked conversions between domain and wire types.
//!
//! A domain `u64` quantity sent as the spec's `int32`, or a wire `int64` read into a
//! domain `u32`, may not fit. Generated code converts with these instead of `as`
//! (which would wrap silently): a request value that does not fit fails before
//! sending with [`Error::InvalidRequest`]; a response value that does not fit is an
//! [`Error::Contract`] naming its JSON path, like any other answer the domain cannot
//! take.
//!
//! ```
//! use portcullis_runtime::{convert, ErrorKind};
//!
//! let quantity: u64 = 3;
//! let wire: i32 = convert::to_wire("create_order", "$.quantity", quantity)?;
//! assert_eq!(wire, 3);
//! let too_big = convert::to_wire::<i32, _>("create_order", "$.quantity", 5_000_000_000_u64);
//! assert_eq!(too_big.expect_err("refused").kind(), ErrorKind::InvalidRequest);
//! let back = convert::from_wire::<u32, _>("get_order", "$.quantity", -1_i64);
//! assert_eq!(back.expect_err("refused").kind(), ErrorKind::Contract);
//! # Ok::<(), portcullis_runtime::Error>(())
//! ```

use std::fmt::Display;

use crate::error::Error;

/// The value of request field `field` as the wire type `W`, or
/// [`Error::InvalidRequest`] (never sent) when it does not fit.
pub fn to_wire<W, V>(operation: &str, field: &str, value: V) -> Result<W, Error>
where
    W: TryFrom<V>,
    V: Display + Copy,
{
    W::try_from(value).map_err(|_| {
        Error::invalid_request(
            operation,
            field,
            format!("the range of {}", type_name::<W>()),
            format!("{value} does not fit"),
        )
    })
}

/// The value of response field `path` as the domain type `D`, or
/// [`Error::Contract`] when it does not fit (the vendor sent more than the domain
/// takes).
pub fn from_wire<D, W>(operation: &str, path: &str, value: W) -> Result<D, Error>
where
    D: TryFrom<W>,
    W: Display + Copy,
{
    D::try_from(value).map_err(|_| {
        Error::contract(
            operation,
            path.to_owned(),
            format!("{value} does not fit in {}", type_name::<D>()),
        )
    })
}

/// `i32` rather than `core::primitive::i32`, and the last segment of anything else.
fn type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    match full.rfind("::") {
        Some(at) if !full.contains('<') => &full[at + 2..],
        _ => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_values_that_do_not_fit_are_refused_before_sending() {
        assert!(matches!(to_wire::<i32, u64>("op", "$.n", 7), Ok(7)));
        let err = to_wire::<i32, u64>("create_order", "$.items[0].quantity", 1 << 40)
            .expect_err("refused");
        assert_eq!(
            err.to_string(),
            "create_order: request field $.items[0].quantity breaks the range of i32: 1099511627776 does not fit (not sent)"
        );
        assert!(!err.is_retryable());
        let err = to_wire::<u32, i64>("op", "$.n", -1).expect_err("refused");
        assert!(err.to_string().contains("the range of u32: -1"), "{err}");
        assert!(matches!(to_wire::<i64, usize>("op", "$.n", 1 << 40), Ok(v) if v == 1 << 40));
    }

    #[test]
    fn response_values_that_do_not_fit_are_contract_errors() {
        let err = from_wire::<u8, i64>("get", "$.count", 300).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "get: response does not match the contract at $.count: 300 does not fit in u8"
        );
        assert!(matches!(
            from_wire::<u8, i64>("get", "$.count", 255),
            Ok(255)
        ));
    }
}

/// What a request `via:` function returns: the vendor's value itself, or a `Result`
/// whose `Err` refuses the call before anything is sent (a currency the vendor does not
/// take, a value the domain allows and this vendor does not).
///
/// ```
/// use portcullis_runtime::{convert, ErrorKind};
///
/// fn pence_gbp(amount: &(i64, &str)) -> Result<i64, String> {
///     match amount.1 {
///         "gbp" => Ok(amount.0),
///         other => Err(format!("{other} is not GBP; this vendor takes pounds only")),
///     }
/// }
/// let sent = convert::via("create_payment", "$.amount", "pence_gbp", pence_gbp(&(2000, "gbp")))?;
/// assert_eq!(sent, 2000);
/// let refused = convert::via("create_payment", "$.amount", "pence_gbp", pence_gbp(&(2000, "eur")));
/// assert_eq!(refused.expect_err("refused").kind(), ErrorKind::InvalidRequest);
/// // A function that cannot fail returns the value itself.
/// assert_eq!(convert::via("create_payment", "$.currency", "upper", "GBP".to_owned())?, "GBP");
/// # Ok::<(), portcullis_runtime::Error>(())
/// ```
pub trait ViaOutput {
    /// The value sent.
    type Value;

    /// The value, or why the call must not be made.
    fn into_value(self) -> Result<Self::Value, String>;
}

macro_rules! via_value {
    ($($t:ty),*) => {$(
        impl ViaOutput for $t {
            type Value = $t;
            fn into_value(self) -> Result<$t, String> {
                Ok(self)
            }
        }
    )*};
}

via_value!(
    String,
    &'static str,
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    serde_json::Value
);

impl<T> ViaOutput for Option<T> {
    type Value = Option<T>;
    fn into_value(self) -> Result<Option<T>, String> {
        Ok(self)
    }
}

impl<T> ViaOutput for Vec<T> {
    type Value = Vec<T>;
    fn into_value(self) -> Result<Vec<T>, String> {
        Ok(self)
    }
}

impl<T, E: Display> ViaOutput for Result<T, E> {
    type Value = T;
    fn into_value(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// The form of a union field the mapping reads, if `value` is that form: generated
/// union types decode through this, so a struct variant is taken only from a JSON
/// object (serde's untagged enums would also fill it from an array, field by field).
///
/// ```
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Label { name: String }
///
/// let object = serde_json::json!({"name": "bug"});
/// assert_eq!(portcullis_runtime::convert::union_variant::<Label>(&object), Some(Label { name: "bug".into() }));
/// assert_eq!(portcullis_runtime::convert::union_variant::<Label>(&serde_json::json!(["bug"])), None);
/// ```
pub fn union_variant<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Option<T> {
    T::deserialize(crate::strict_json::Strict(value)).ok()
}

/// `Some(value)`, or `None` when it serializes to an empty object: a request's nested
/// object whose every field came from a `None` is left out, not sent as `{}` (a vendor
/// may read `"destination": {}` as a destination without a branch).
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Branch {
///     #[serde(skip_serializing_if = "Option::is_none")]
///     name: Option<String>,
/// }
///
/// use portcullis_runtime::convert::unless_empty;
/// assert!(unless_empty(Branch { name: None }).is_none());
/// assert!(unless_empty(Branch { name: Some("main".into()) }).is_some());
/// ```
pub fn unless_empty<T: serde::Serialize>(value: T) -> Option<T> {
    match serde_json::to_value(&value) {
        Ok(serde_json::Value::Object(fields)) if fields.is_empty() => None,
        _ => Some(value),
    }
}

/// The value the request `via:` function `function` gave for `field`, or
/// [`Error::InvalidRequest`] (never sent) with the function's reason when it returned
/// an `Err`.
pub fn via<V: ViaOutput>(
    operation: &str,
    field: &str,
    function: &str,
    value: V,
) -> Result<V::Value, Error> {
    value
        .into_value()
        .map_err(|reason| Error::invalid_request(operation, field, function, reason))
}

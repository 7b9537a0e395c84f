//! Numeric bounds: `minimum`, `maximum` and their exclusive forms.
//!
//! Generic over the field's own type, so an `i64` amount is compared with an `i64`
//! bound and a float with a float; a NaN fails every bound.

use std::cmp::Ordering;
use std::fmt::Display;

use crate::error::Error;

fn check<T: PartialOrd + Display>(
    operation: &str,
    field: &str,
    value: T,
    bound: T,
    keyword: &str,
    allowed: &[Ordering],
    relation: &str,
) -> Result<(), Error> {
    match value.partial_cmp(&bound) {
        Some(o) if allowed.contains(&o) => Ok(()),
        _ => Err(Error::invalid_request(
            operation,
            field,
            format!("{keyword} {bound}"),
            format!("{value} is not {relation} {bound}"),
        )),
    }
}

/// `minimum`: `value >= min`.
pub fn minimum<T: PartialOrd + Display>(
    operation: &str,
    field: &str,
    value: T,
    min: T,
) -> Result<(), Error> {
    check(
        operation,
        field,
        value,
        min,
        "minimum",
        &[Ordering::Greater, Ordering::Equal],
        "at least",
    )
}

/// `maximum`: `value <= max`.
pub fn maximum<T: PartialOrd + Display>(
    operation: &str,
    field: &str,
    value: T,
    max: T,
) -> Result<(), Error> {
    check(
        operation,
        field,
        value,
        max,
        "maximum",
        &[Ordering::Less, Ordering::Equal],
        "at most",
    )
}

/// `exclusiveMinimum` (the OpenAPI 3.1 number, or 3.0's `minimum` with
/// `exclusiveMinimum: true`): `value > min`.
pub fn exclusive_minimum<T: PartialOrd + Display>(
    operation: &str,
    field: &str,
    value: T,
    min: T,
) -> Result<(), Error> {
    check(
        operation,
        field,
        value,
        min,
        "exclusiveMinimum",
        &[Ordering::Greater],
        "greater than",
    )
}

/// `exclusiveMaximum`: `value < max`.
pub fn exclusive_maximum<T: PartialOrd + Display>(
    operation: &str,
    field: &str,
    value: T,
    max: T,
) -> Result<(), Error> {
    check(
        operation,
        field,
        value,
        max,
        "exclusiveMaximum",
        &[Ordering::Less],
        "less than",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_and_exclusive_bounds() {
        assert!(minimum("op", "$.n", 0_i64, 0).is_ok());
        assert!(exclusive_minimum("op", "$.n", 0_i64, 0).is_err());
        assert!(exclusive_minimum("op", "$.n", 1_i64, 0).is_ok());
        assert!(maximum("op", "$.n", 100_u32, 100).is_ok());
        assert!(exclusive_maximum("op", "$.n", 100_u32, 100).is_err());
        assert!(exclusive_maximum("op", "$.n", 99_u32, 100).is_ok());
        let err = minimum("op", "$.amount", -5_i64, 0).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "op: request field $.amount breaks minimum 0: -5 is not at least 0 (not sent)"
        );
        let err = exclusive_maximum("op", "$.rate", 1.5_f64, 1.0).expect_err("refused");
        assert!(err.to_string().contains("exclusiveMaximum 1"), "{err}");
    }

    #[test]
    fn nan_fails_every_bound() {
        assert!(minimum("op", "$.x", f64::NAN, 0.0).is_err());
        assert!(maximum("op", "$.x", f64::NAN, 0.0).is_err());
        assert!(exclusive_minimum("op", "$.x", f64::NAN, 0.0).is_err());
        assert!(exclusive_maximum("op", "$.x", f64::NAN, 0.0).is_err());
    }
}

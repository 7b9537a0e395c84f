//! Conversions the mappings name with `via:`; rustc type-checks them against the
//! generated code.

use crate::domain::Money;

/// Builds [`Money`] from a vendor's amount in minor units and its currency code.
pub fn money(minor_units: i64, currency: String) -> Result<Money, String> {
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(format!("'{currency}' is not an ISO 4217 currency code"));
    }
    Ok(Money {
        minor_units,
        currency: currency.to_ascii_lowercase(),
    })
}

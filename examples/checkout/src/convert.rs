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

/// A currency code as providers that want upper case (Square, Adyen) spell it.
pub fn currency_upper(currency: &str) -> String {
    currency.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_checks_and_lowercases_the_currency() {
        assert_eq!(
            money(5, "EUR".into()),
            Ok(Money {
                minor_units: 5,
                currency: "eur".into()
            })
        );
        assert!(money(5, "euro".into()).is_err());
        assert_eq!(currency_upper("eur"), "EUR");
    }
}

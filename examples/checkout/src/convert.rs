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

/// [`money`] into the `Option` that [`Payment::amount`](crate::domain::Payment::amount)
/// is, for vendors whose payment always carries its amount.
pub fn money_given(minor_units: i64, currency: String) -> Result<Option<Money>, String> {
    money(minor_units, currency).map(Some)
}

/// [`money`] for an answer that may leave the amount out: `None` when both
/// parts are absent, an error when only one is.
pub fn money_if_given(
    minor_units: Option<i64>,
    currency: Option<String>,
) -> Result<Option<Money>, String> {
    match (minor_units, currency) {
        (Some(m), Some(c)) => money(m, c).map(Some),
        (None, None) => Ok(None),
        (Some(_), None) => Err("an amount without a currency".into()),
        (None, Some(_)) => Err("a currency without an amount".into()),
    }
}

/// A currency code as providers that want upper case spell it.
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
        assert_eq!(money_if_given(None, None), Ok(None));
        assert!(money_if_given(Some(5), None).is_err());
        assert_eq!(
            money_if_given(Some(5), Some("EUR".into())).map(|m| m.map(|m| m.currency)),
            Ok(Some("eur".into()))
        );
        assert_eq!(currency_upper("eur"), "EUR");
    }
}

//! Conversions the mappings name with `via:`; rustc type-checks them against the
//! generated code.

use crate::domain::{Money, NewPayment};

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

/// An amount in pence for a vendor that takes pounds sterling only: any other
/// currency is refused before the call is made.
pub fn pence_gbp(amount: &Money) -> Result<i64, String> {
    if amount.currency.eq_ignore_ascii_case("gbp") {
        Ok(amount.minor_units)
    } else {
        Err(format!(
            "this provider takes GBP only, not '{}'",
            amount.currency
        ))
    }
}

/// An amount in pence, as a vendor that deals in pounds sterling only answers it
/// (no currency in the answer); `None` when the answer leaves it out.
pub fn money_gbp_if_given(pence: Option<i64>) -> Result<Option<Money>, String> {
    Ok(pence.map(|minor_units| Money {
        minor_units,
        currency: "gbp".into(),
    }))
}

/// The text shown to the payer, for vendors that require one: the payment's own
/// description, or its order when it has none.
pub fn description_or_order(payment: &NewPayment) -> String {
    match payment.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => d.to_owned(),
        _ => format!("Order {}", payment.order_id.0),
    }
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

    #[test]
    fn sterling_only_vendors_get_pence_or_a_refusal() {
        let gbp = Money {
            minor_units: 2000,
            currency: "GBP".into(),
        };
        assert_eq!(pence_gbp(&gbp), Ok(2000));
        let eur = Money {
            minor_units: 2000,
            currency: "eur".into(),
        };
        assert!(pence_gbp(&eur).expect_err("euros").contains("'eur'"));
        assert_eq!(
            money_gbp_if_given(Some(5)),
            Ok(Some(Money {
                minor_units: 5,
                currency: "gbp".into()
            }))
        );
        assert_eq!(money_gbp_if_given(None), Ok(None));
    }

    #[test]
    fn the_description_falls_back_to_the_order() {
        let mut p = NewPayment {
            order_id: crate::domain::OrderId("ord_9".into()),
            amount: Money {
                minor_units: 1,
                currency: "gbp".into(),
            },
            description: Some("  ".into()),
            payment_method: String::new(),
        };
        assert_eq!(description_or_order(&p), "Order ord_9");
        p.description = Some("Tea".into());
        assert_eq!(description_or_order(&p), "Tea");
    }
}

//! Adyen: each notification item carries its own signature,
//! `additionalData.hmacSignature` = base64 HMAC-SHA256, keyed with the hex HMAC key
//! from the Customer Area, over eight fields joined by `:`:
//!
//! ```text
//! pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success
//! ```
//!
//! where `value` and `currency` are the item's `amount`, and an absent field is the
//! empty string (Adyen's "Verify HMAC signatures" guide, and its libraries'
//! `HMACValidator`). The signature sits inside the JSON, so the body is parsed first,
//! but only into those eight strings per item; nothing else reads it before every item
//! is verified. A delivery is accepted only when every item's signature holds.

use base64::Engine as _;
use secrecy::SecretSlice;
use serde::Deserialize;
use serde_json::Value;

use super::{Rejection, Verified, any_matches};

#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "notificationItems")]
    items: Vec<Wrapper>,
}

#[derive(Deserialize)]
struct Wrapper {
    #[serde(rename = "NotificationRequestItem")]
    item: Item,
}

/// The signed fields. Kept as JSON values: `value` is a number and `success` a string
/// in Adyen's payloads, and either is signed as its text.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Item {
    psp_reference: Value,
    original_reference: Value,
    merchant_account_code: Value,
    merchant_reference: Value,
    amount: Amount,
    event_code: Value,
    success: Value,
    additional_data: AdditionalData,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Amount {
    value: Value,
    currency: Value,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct AdditionalData {
    hmac_signature: Option<String>,
}

pub(super) fn verify(keys: &[SecretSlice<u8>], body: &[u8]) -> Result<Verified, Rejection> {
    let notification: Notification = serde_json::from_slice(crate::response::without_bom(body))
        .map_err(|e| Rejection::Malformed(format!("expected notificationItems: {e}")))?;
    if notification.items.is_empty() {
        return Err(Rejection::Malformed("notificationItems is empty".into()));
    }
    for (index, Wrapper { item }) in notification.items.iter().enumerate() {
        let signed = signed_content(item).ok_or_else(|| {
            Rejection::Malformed(format!(
                "notificationItems[{index}]: a signed field is not a string or number"
            ))
        })?;
        let sig = item
            .additional_data
            .hmac_signature
            .as_deref()
            .and_then(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .ok()
            })
            .ok_or(Rejection::UnsignedItem { index })?;
        if !any_matches(keys, &[signed.as_bytes()], &[sig]) {
            return Err(Rejection::NoMatch);
        }
    }
    Ok(Verified::default())
}

/// The eight fields joined by `:`; `None` when one is an object or array.
fn signed_content(item: &Item) -> Option<String> {
    let fields = [
        &item.psp_reference,
        &item.original_reference,
        &item.merchant_account_code,
        &item.merchant_reference,
        &item.amount.value,
        &item.amount.currency,
        &item.event_code,
        &item.success,
    ];
    let mut out = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        match field {
            Value::Null => {}
            Value::String(s) => out.push_str(s),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Array(_) | Value::Object(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{keys, mac};
    use super::super::{KeyFormat, Scheme};
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    // Adyen's own vectors: Adyen/adyen-php-api-library,
    // tests/Adyen/Util/HmacSignatureTest.php (testNotificationRequestItemHmac and
    // testHmacSignatureForRefundWithZeroValue). No originalReference: signed as "".
    const KEY_1: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";
    const SIG_1: &str = "Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I=";
    const KEY_2: &str = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
    const SIG_2: &str = "J7HhsgZo5KwqdB7LFZJV6rfQgp+RqC2kuYyw/3x3w+8=";

    fn item(value: i64, event: &str, sig: &str) -> Value {
        json!({"NotificationRequestItem": {
            "pspReference": "7914073381342284",
            "merchantAccountCode": "TestMerchant",
            "merchantReference": "TestPayment-1407325143704",
            "amount": {"value": value, "currency": "EUR"},
            "eventCode": event,
            "success": "true",
            "eventDate": "2019-05-06T17:15:34.121+02:00",
            "additionalData": {"hmacSignature": sig}
        }})
    }

    fn check(secrets: &[&str], body: &Value) -> Result<Verified, Rejection> {
        let body = serde_json::to_vec(body).expect("json");
        Scheme::Adyen.verify(
            &keys(KeyFormat::Hex, secrets),
            &http::HeaderMap::new(),
            &body,
            0,
            Duration::ZERO,
        )
    }

    #[test]
    fn adyens_published_vectors() {
        let one =
            json!({"live": "false", "notificationItems": [item(1130, "AUTHORISATION", SIG_1)]});
        assert_eq!(check(&[KEY_1], &one), Ok(Verified::default()));
        let zero = json!({"live": "false", "notificationItems": [item(0, "REFUND", SIG_2)]});
        assert_eq!(check(&[KEY_2], &zero), Ok(Verified::default()));
        // A batch: every item verified; rotation: either key may sign an item.
        let batch = json!({"notificationItems": [item(1130, "AUTHORISATION", SIG_1), item(0, "REFUND", SIG_2)]});
        assert_eq!(check(&[KEY_1, KEY_2], &batch), Ok(Verified::default()));
        assert_eq!(
            check(&[KEY_1], &batch),
            Err(Rejection::NoMatch),
            "one item signed with an unknown key"
        );
    }

    #[test]
    fn absent_fields_are_empty_and_booleans_are_their_text() {
        let key = hex::decode(KEY_1).expect("hex");
        let sig = base64::engine::general_purpose::STANDARD
            .encode(mac(&key, &[b"psp1:orig:M:ref::::true"]));
        let body = json!({"notificationItems": [{"NotificationRequestItem": {
            "pspReference": "psp1", "originalReference": "orig", "merchantAccountCode": "M",
            "merchantReference": "ref", "success": true, "additionalData": {"hmacSignature": sig}
        }}]});
        assert_eq!(check(&[KEY_1], &body), Ok(Verified::default()));
    }

    #[test]
    fn tampered_unsigned_and_malformed_items_are_refused() {
        let mut tampered = item(1131, "AUTHORISATION", SIG_1);
        assert_eq!(
            check(&[KEY_1], &json!({"notificationItems": [tampered.clone()]})),
            Err(Rejection::NoMatch)
        );
        tampered["NotificationRequestItem"]["additionalData"] = json!({});
        assert_eq!(
            check(&[KEY_1], &json!({"notificationItems": [tampered]})),
            Err(Rejection::UnsignedItem { index: 0 })
        );
        assert_eq!(
            check(
                &[KEY_2],
                &json!({"notificationItems": [item(1130, "AUTHORISATION", SIG_1)]})
            ),
            Err(Rejection::NoMatch)
        );
        let mut nested = item(1130, "AUTHORISATION", SIG_1);
        nested["NotificationRequestItem"]["pspReference"] = json!({"a": 1});
        assert!(matches!(
            check(&[KEY_1], &json!({"notificationItems": [nested]})),
            Err(Rejection::Malformed(_))
        ));
        for body in [
            json!({}),
            json!({"notificationItems": []}),
            json!([1, 2]),
            json!({"notificationItems": [{"x": 1}]}),
        ] {
            assert!(
                matches!(check(&[KEY_1], &body), Err(Rejection::Malformed(_))),
                "{body}"
            );
        }
        let raw = Scheme::Adyen.verify(
            &keys(KeyFormat::Hex, &[KEY_1]),
            &http::HeaderMap::new(),
            b"\xff\xfe not json",
            0,
            Duration::ZERO,
        );
        assert!(matches!(raw, Err(Rejection::Malformed(_))));
    }
}

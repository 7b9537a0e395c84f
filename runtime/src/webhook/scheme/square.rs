//! Square: `x-square-hmacsha256-signature: <base64>`, HMAC-SHA256 with the
//! subscription's signature key over the notification URL followed by the body.
//!
//! The URL must be byte for byte the one registered with Square: behind a proxy the
//! URL this process sees may differ, which is why it is configuration, not read from
//! the request. Square signs no timestamp; redeliveries carry the same `event_id`.

use base64::Engine as _;
use http::HeaderMap;
use secrecy::SecretSlice;

use super::{Rejection, Verified, any_matches, header};

const SIGNATURE: &str = "x-square-hmacsha256-signature";

pub(super) fn verify(
    keys: &[SecretSlice<u8>],
    headers: &HeaderMap,
    body: &[u8],
    notification_url: &str,
) -> Result<Verified, Rejection> {
    let value = header(headers, SIGNATURE)?;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| Rejection::BadHeader(SIGNATURE))?;
    if !any_matches(keys, &[notification_url.as_bytes(), body], &[sig]) {
        return Err(Rejection::NoMatch);
    }
    Ok(Verified::default())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{headers, keys};
    use super::super::{KeyFormat, Scheme};
    use super::*;
    use std::time::Duration;

    // Square's own test vector: square/square-python-sdk,
    // tests/utilities/test_webhooks_helper.py (the same vector is in Square's other SDKs).
    const BODY: &str = r#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#;
    const SIG: &str = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=";
    const KEY: &str = "Ibxx_5AKakO-3qeNVR61Dw";
    const URL: &str = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9";

    fn check(key: &str, url: &str, sig: &str, body: &str) -> Result<Verified, Rejection> {
        let scheme = Scheme::Square {
            notification_url: url.into(),
        };
        scheme.verify(
            &keys(KeyFormat::Raw, &[key]),
            &headers(&[(SIGNATURE, sig)]),
            body.as_bytes(),
            0,
            Duration::ZERO,
        )
    }

    #[test]
    fn squares_published_vector() {
        assert_eq!(check(KEY, URL, SIG, BODY), Ok(Verified::default()));
    }

    #[test]
    fn url_key_body_and_header_must_all_match() {
        // Each case from the same SDK test file.
        let other_url = "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9";
        assert_eq!(check(KEY, other_url, SIG, BODY), Err(Rejection::NoMatch));
        assert_eq!(
            check("MCmhFRxGX82xMwg5FsaoQA", URL, SIG, BODY),
            Err(Rejection::NoMatch)
        );
        assert_eq!(
            check(KEY, URL, "1z2n3DEJJiUPKcPzQo1ftvbxGdw=", BODY),
            Err(Rejection::NoMatch)
        );
        let tampered = BODY.replace("2022-07-13", "2022-06-13");
        assert_eq!(check(KEY, URL, SIG, &tampered), Err(Rejection::NoMatch));
        // Re-serialised JSON is not the signed bytes.
        let reformatted = BODY.replace(',', ", ");
        assert_eq!(check(KEY, URL, SIG, &reformatted), Err(Rejection::NoMatch));
        assert_eq!(
            check(KEY, URL, "not base64!", BODY),
            Err(Rejection::BadHeader(SIGNATURE))
        );
        let scheme = Scheme::Square {
            notification_url: URL.into(),
        };
        let missing = scheme.verify(
            &keys(KeyFormat::Raw, &[KEY]),
            &headers(&[]),
            BODY.as_bytes(),
            0,
            Duration::ZERO,
        );
        assert_eq!(missing, Err(Rejection::MissingHeader(SIGNATURE)));
    }
}

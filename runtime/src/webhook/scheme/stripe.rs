//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 over
//! `{t}.{body}` with the endpoint secret (`whsec_…`) as it is.
//!
//! While a secret rolls, Stripe signs with both and sends one `v1` per secret. Other
//! entries (`v0`, the test-mode scheme, or anything later) are ignored, as Stripe's own
//! libraries do.

use http::HeaderMap;
use secrecy::SecretSlice;

use super::{MAX_SIGNATURES, Rejection, Verified, any_matches, header, parse_unix};

const SIGNATURE: &str = "stripe-signature";

pub(super) fn verify(
    keys: &[SecretSlice<u8>],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, Rejection> {
    let parsed = parse(header(headers, SIGNATURE)?)?;
    if !any_matches(keys, &[parsed.t.as_bytes(), b".", body], &parsed.v1) {
        return Err(Rejection::NoMatch);
    }
    Ok(Verified {
        delivery_id: None,
        timestamp: Some(parsed.timestamp),
    })
}

#[derive(Debug, PartialEq, Eq)]
struct Parsed<'h> {
    /// The timestamp as sent: it is signed as text.
    t: &'h str,
    timestamp: u64,
    /// Decoded `v1` signatures; entries that are not 64 hex digits cannot match and
    /// are left out.
    v1: Vec<Vec<u8>>,
}

/// `t` must appear exactly once and be plain digits; without a `v1` nothing can match.
fn parse(value: &str) -> Result<Parsed<'_>, Rejection> {
    let bad = Rejection::BadHeader(SIGNATURE);
    let mut t = None;
    let mut v1 = Vec::new();
    for item in value.split(',') {
        let Some((key, val)) = item.trim().split_once('=') else {
            return Err(bad);
        };
        match key {
            "t" if t.is_none() => t = Some(val),
            "t" => return Err(bad),
            "v1" if v1.len() < MAX_SIGNATURES => {
                if let Ok(sig) = hex::decode(val) {
                    v1.push(sig);
                }
            }
            _ => {}
        }
    }
    let t = t.ok_or(bad.clone())?;
    let timestamp = parse_unix(t).ok_or(bad)?;
    if v1.is_empty() {
        return Err(Rejection::NoMatch);
    }
    Ok(Parsed { t, timestamp, v1 })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{headers, keys, mac};
    use super::super::{KeyFormat, Scheme};
    use super::*;
    use std::time::Duration;

    const TOL: Duration = Duration::from_secs(300);
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

    /// Stripe publishes no fixed vector; this one was computed with Python's `hmac`
    /// module (`hmac.new(b"whsec_test", b"1614265330." + body, sha256).hexdigest()`),
    /// independently of this code, following Stripe's "Verify signatures manually"
    /// guide (docs.stripe.com/webhooks#verify-manually).
    const VECTOR: &str = "2122e932c5908c40674d0d1984958294dc77107819bfeb565e6986058d78fa56";

    fn sign(secret: &str, t: u64, body: &[u8]) -> String {
        hex::encode(mac(
            secret.as_bytes(),
            &[t.to_string().as_bytes(), b".", body],
        ))
    }

    fn check(secrets: &[&str], value: &str, body: &[u8], now: u64) -> Result<Verified, Rejection> {
        let h = headers(&[("stripe-signature", value)]);
        Scheme::Stripe.verify(&keys(KeyFormat::Raw, secrets), &h, body, now, TOL)
    }

    #[test]
    fn independent_vector() {
        assert_eq!(sign("whsec_test", 1_614_265_330, BODY), VECTOR);
        let got = check(
            &["whsec_test"],
            &format!("t=1614265330,v1={VECTOR}"),
            BODY,
            1_614_265_330,
        );
        assert_eq!(
            got,
            Ok(Verified {
                delivery_id: None,
                timestamp: Some(1_614_265_330)
            })
        );
    }

    #[test]
    fn several_v1_and_unknown_schemes_are_handled_as_stripe_does() {
        let now = 1_700_000_000;
        let good = sign("whsec_new", now, BODY);
        let other = sign("whsec_retired", now, BODY);
        let value = format!("t={now},v0=deadbeef,v1={other},v1={good},v2=zz,v1=nothex");
        assert!(check(&["whsec_new"], &value, BODY, now).is_ok());
        // Rotation: the endpoint holds two secrets, the delivery is signed by one.
        assert!(
            check(
                &["whsec_old", "whsec_new"],
                &format!("t={now},v1={good}"),
                BODY,
                now
            )
            .is_ok()
        );
        // Only v0: nothing to check against.
        assert_eq!(
            check(&["whsec_new"], &format!("t={now},v0={good}"), BODY, now),
            Err(Rejection::NoMatch)
        );
    }

    #[test]
    fn tampering_wrong_secrets_and_bad_headers_are_refused() {
        let now = 1_700_000_000;
        let sig = sign("whsec_a", now, BODY);
        let value = format!("t={now},v1={sig}");
        assert_eq!(
            check(&["whsec_a"], &value, b"{\"id\":\"evt_2\"}", now),
            Err(Rejection::NoMatch)
        );
        assert_eq!(
            check(&["whsec_b"], &value, BODY, now),
            Err(Rejection::NoMatch)
        );
        // The timestamp is signed: moving it breaks the signature.
        assert_eq!(
            check(&["whsec_a"], &format!("t={},v1={sig}", now + 1), BODY, now),
            Err(Rejection::NoMatch)
        );
        let bad = Err(Rejection::BadHeader("stripe-signature"));
        for garbled in [
            format!("v1={sig}"),
            format!("t=1e20,v1={sig}"),
            format!("t=-5,v1={sig}"),
            format!("t={now},t={now},v1={sig}"),
            format!("t={now};v1={sig}"),
            String::new(),
        ] {
            assert_eq!(check(&["whsec_a"], &garbled, BODY, now), bad, "{garbled}");
        }
        let none = Scheme::Stripe.verify(
            &keys(KeyFormat::Raw, &["whsec_a"]),
            &headers(&[]),
            BODY,
            now,
            TOL,
        );
        assert_eq!(none, Err(Rejection::MissingHeader("stripe-signature")));
    }

    #[test]
    fn stale_and_future_timestamps_are_refused_after_the_signature_holds() {
        let now = 1_700_000_000;
        for (t, future) in [(now - 301, false), (now + 301, true)] {
            let value = format!("t={t},v1={}", sign("whsec_a", t, BODY));
            let got = check(&["whsec_a"], &value, BODY, now);
            assert_eq!(
                got,
                Err(Rejection::Stale {
                    skew_secs: 301,
                    future,
                    tolerance_secs: 300
                })
            );
        }
        let t = now - 300;
        assert!(
            check(
                &["whsec_a"],
                &format!("t={t},v1={}", sign("whsec_a", t, BODY)),
                BODY,
                now
            )
            .is_ok()
        );
    }

    #[test]
    fn many_signatures_are_bounded() {
        let now = 1_700_000_000;
        let junk = format!(",v1={}", "ab".repeat(32)).repeat(MAX_SIGNATURES);
        let good = sign("whsec_a", now, BODY);
        // The valid one comes after the cap: not looked at.
        assert_eq!(
            check(&["whsec_a"], &format!("t={now}{junk},v1={good}"), BODY, now),
            Err(Rejection::NoMatch)
        );
    }
}

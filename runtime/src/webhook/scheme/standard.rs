//! Standard Webhooks (<https://www.standardwebhooks.com>, used by Svix and others):
//! `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64> v1,<base64>…`,
//! HMAC-SHA256 over `{id}.{timestamp}.{body}` with the base64 key after `whsec_`.
//!
//! Several signatures are space-separated (one per active secret); versions other
//! than `v1` (`v1a`, asymmetric) are ignored.

use base64::Engine as _;
use http::HeaderMap;
use secrecy::SecretSlice;

use super::{MAX_SIGNATURES, Rejection, Verified, any_matches, header, parse_unix};

/// The message id: the same on every retry of one message.
pub(super) const ID: &str = "webhook-id";
const TIMESTAMP: &str = "webhook-timestamp";
const SIGNATURE: &str = "webhook-signature";

pub(super) fn verify(
    keys: &[SecretSlice<u8>],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, Rejection> {
    let id = header(headers, ID)?;
    let ts_text = header(headers, TIMESTAMP)?;
    let timestamp = parse_unix(ts_text).ok_or(Rejection::BadHeader(TIMESTAMP))?;
    let candidates = signatures(header(headers, SIGNATURE)?);
    if candidates.is_empty() {
        return Err(Rejection::BadHeader(SIGNATURE));
    }
    let parts: [&[u8]; 5] = [id.as_bytes(), b".", ts_text.as_bytes(), b".", body];
    if !any_matches(keys, &parts, &candidates) {
        return Err(Rejection::NoMatch);
    }
    Ok(Verified {
        delivery_id: Some(id.to_owned()),
        timestamp: Some(timestamp),
    })
}

/// The decoded `v1` signatures of the header, at most [`MAX_SIGNATURES`].
fn signatures(value: &str) -> Vec<Vec<u8>> {
    value
        .split(' ')
        .filter_map(|item| item.strip_prefix("v1,"))
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .filter(|sig| !sig.is_empty())
        .take(MAX_SIGNATURES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{headers, keys, mac};
    use super::super::{KeyFormat, Scheme};
    use super::*;
    use std::time::Duration;

    // The specification's reference vector: standard-webhooks/standard-webhooks,
    // libraries/javascript/src/webhook.test.ts, test "sign function works".
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: u64 = 1_614_265_330;
    const PAYLOAD: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const TOL: Duration = Duration::from_secs(300);

    fn check(
        secrets: &[&str],
        id: &str,
        ts: &str,
        sig: &str,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, Rejection> {
        let h = headers(&[(ID, id), (TIMESTAMP, ts), (SIGNATURE, sig)]);
        Scheme::StandardWebhooks.verify(
            &keys(KeyFormat::StandardWebhooks, secrets),
            &h,
            body,
            now,
            TOL,
        )
    }

    fn sign(secret_b64: &str, id: &str, ts: u64, body: &[u8]) -> String {
        let key = KeyFormat::StandardWebhooks.decode(secret_b64).expect("key");
        use secrecy::ExposeSecret as _;
        let sig = mac(
            key.expose_secret(),
            &[id.as_bytes(), b".", ts.to_string().as_bytes(), b".", body],
        );
        format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(sig)
        )
    }

    #[test]
    fn the_specifications_vector_with_and_without_the_prefix() {
        let want = Ok(Verified {
            delivery_id: Some(MSG_ID.into()),
            timestamp: Some(TS),
        });
        assert_eq!(
            check(&[SECRET], MSG_ID, "1614265330", SIG, PAYLOAD, TS),
            want
        );
        assert_eq!(
            check(
                &["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
                MSG_ID,
                "1614265330",
                SIG,
                PAYLOAD,
                TS
            ),
            want
        );
        assert_eq!(sign(SECRET, MSG_ID, TS, PAYLOAD), SIG);
    }

    #[test]
    fn several_signatures_and_versions_as_the_reference_tests_send_them() {
        // Mirrors "multi sig payload is valid": bogus v1, a v2, the valid one, bogus v1.
        let bogus = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
        let header =
            format!("{bogus} v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {SIG} {bogus}");
        assert!(check(&[SECRET], MSG_ID, "1614265330", &header, PAYLOAD, TS).is_ok());
        // Rotation: a second active secret.
        assert!(
            check(
                &["whsec_AAAA", SECRET],
                MSG_ID,
                "1614265330",
                SIG,
                PAYLOAD,
                TS
            )
            .is_ok()
        );
    }

    #[test]
    fn refused_like_the_reference_tests_refuse() {
        let ts = "1614265330";
        assert_eq!(
            check(&[SECRET], MSG_ID, ts, SIG, br#"{"test": 2432232315}"#, TS),
            Err(Rejection::NoMatch)
        );
        assert_eq!(
            check(&[SECRET], "msg_other", ts, SIG, PAYLOAD, TS),
            Err(Rejection::NoMatch)
        );
        assert_eq!(
            check(&["whsec_AAAA"], MSG_ID, ts, SIG, PAYLOAD, TS),
            Err(Rejection::NoMatch)
        );
        assert_eq!(
            check(
                &[SECRET],
                MSG_ID,
                ts,
                "v1,dawfeoifkpqwoekfpqoekf",
                PAYLOAD,
                TS
            ),
            Err(Rejection::BadHeader(SIGNATURE))
        );
        // "partial signature throws error": cut short, or nothing after the version.
        assert_eq!(
            check(&[SECRET], MSG_ID, ts, &SIG[..8], PAYLOAD, TS),
            Err(Rejection::BadHeader(SIGNATURE))
        );
        assert_eq!(
            check(&[SECRET], MSG_ID, ts, "v1,", PAYLOAD, TS),
            Err(Rejection::BadHeader(SIGNATURE))
        );
        assert_eq!(
            check(&[SECRET], MSG_ID, "hello", SIG, PAYLOAD, TS),
            Err(Rejection::BadHeader(TIMESTAMP))
        );
        assert_eq!(
            check(&[SECRET], MSG_ID, "1e20", SIG, PAYLOAD, TS),
            Err(Rejection::BadHeader(TIMESTAMP))
        );
        for missing in [ID, TIMESTAMP, SIGNATURE] {
            let mut h = headers(&[(ID, MSG_ID), (TIMESTAMP, ts), (SIGNATURE, SIG)]);
            h.remove(missing);
            let got = Scheme::StandardWebhooks.verify(
                &keys(KeyFormat::StandardWebhooks, &[SECRET]),
                &h,
                PAYLOAD,
                TS,
                TOL,
            );
            assert_eq!(got, Err(Rejection::MissingHeader(missing)));
        }
    }

    #[test]
    fn old_and_new_timestamps_fail() {
        for (ts, future) in [(TS - 301, false), (TS + 301, true)] {
            let sig = sign(SECRET, MSG_ID, ts, PAYLOAD);
            let got = check(&[SECRET], MSG_ID, &ts.to_string(), &sig, PAYLOAD, TS);
            assert_eq!(
                got,
                Err(Rejection::Stale {
                    skew_secs: 301,
                    future,
                    tolerance_secs: 300
                })
            );
        }
    }
}

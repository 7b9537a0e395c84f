//! GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body; the delivery's id is
//! `X-GitHub-Delivery` (a GUID, the same on a redelivery) and its type
//! `X-GitHub-Event`. GitHub signs no timestamp, so replays are caught by the dedupe
//! store alone.

use http::HeaderMap;
use secrecy::SecretSlice;

use super::{Rejection, Verified, any_matches, header};

const SIGNATURE: &str = "x-hub-signature-256";
/// The delivery's GUID.
pub(super) const DELIVERY: &str = "x-github-delivery";

pub(super) fn verify(
    keys: &[SecretSlice<u8>],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, Rejection> {
    let value = header(headers, SIGNATURE)?;
    let hex_sig = value
        .strip_prefix("sha256=")
        .ok_or(Rejection::BadHeader(SIGNATURE))?;
    let sig = hex::decode(hex_sig).map_err(|_| Rejection::BadHeader(SIGNATURE))?;
    if !any_matches(keys, &[body], &[sig]) {
        return Err(Rejection::NoMatch);
    }
    let delivery_id = match headers.get(DELIVERY) {
        Some(_) => Some(header(headers, DELIVERY)?.to_owned()),
        None => None,
    };
    Ok(Verified {
        delivery_id,
        timestamp: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{headers, keys};
    use super::super::{KeyFormat, Scheme};
    use super::*;
    use std::time::Duration;

    /// GitHub's published example: docs.github.com, "Validating webhook deliveries",
    /// section "Testing the webhook payload validation".
    const SECRET: &str = "It's a Secret to Everybody";
    const PAYLOAD: &[u8] = b"Hello, World!";
    const SIGNATURE_256: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    fn check(
        secrets: &[&str],
        pairs: &[(&'static str, &str)],
        body: &[u8],
    ) -> Result<Verified, Rejection> {
        Scheme::GitHub.verify(
            &keys(KeyFormat::Raw, secrets),
            &headers(pairs),
            body,
            0,
            Duration::ZERO,
        )
    }

    #[test]
    fn githubs_published_vector() {
        let got = check(
            &[SECRET],
            &[
                (SIGNATURE, SIGNATURE_256),
                (DELIVERY, "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            ],
            PAYLOAD,
        );
        assert_eq!(
            got,
            Ok(Verified {
                delivery_id: Some("72d3162e-cc78-11e3-81ab-4c9367dc0958".into()),
                timestamp: None
            })
        );
        // Upper-case hex is the same signature.
        assert!(
            check(
                &[SECRET],
                &[(
                    SIGNATURE,
                    &SIGNATURE_256.to_uppercase().replace("SHA256", "sha256")
                )],
                PAYLOAD
            )
            .is_ok()
        );
        // Rotation: the old secret is still listed.
        assert!(
            check(
                &["old secret", SECRET],
                &[(SIGNATURE, SIGNATURE_256)],
                PAYLOAD
            )
            .is_ok()
        );
    }

    #[test]
    fn tampered_wrong_secret_and_garbled_headers() {
        assert_eq!(
            check(&[SECRET], &[(SIGNATURE, SIGNATURE_256)], b"Hello, World?"),
            Err(Rejection::NoMatch)
        );
        assert_eq!(
            check(&["It's no secret"], &[(SIGNATURE, SIGNATURE_256)], PAYLOAD),
            Err(Rejection::NoMatch)
        );
        assert_eq!(
            check(&[SECRET], &[], PAYLOAD),
            Err(Rejection::MissingHeader(SIGNATURE))
        );
        for bad in [
            "757107ea0eb2509fc211221cce984b8a",
            "sha1=757107ea",
            "sha256=xyz",
            "sha256=",
        ] {
            let got = check(&[SECRET], &[(SIGNATURE, bad)], PAYLOAD);
            assert!(
                matches!(got, Err(Rejection::BadHeader(_)) | Err(Rejection::NoMatch)),
                "{bad}: {got:?}"
            );
        }
        // A truncated signature is valid hex but cannot match.
        assert_eq!(
            check(&[SECRET], &[(SIGNATURE, &SIGNATURE_256[..21])], PAYLOAD),
            Err(Rejection::NoMatch)
        );
    }
}

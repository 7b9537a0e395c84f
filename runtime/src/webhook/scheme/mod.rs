//! Signature schemes: how a vendor proves a delivery is its own.
//!
//! Every scheme is an HMAC (SHA-256, except where [`HmacScheme`] says SHA-1 or SHA-512) over the raw body bytes (plus, depending on the
//! vendor, a timestamp, a message id or the notification URL), checked against each
//! active key with [`hmac::Mac::verify_slice`], a constant-time comparison. The
//! payload is never parsed before its signature holds, except for Adyen, whose
//! signatures sit inside the payload (its items are parsed into a fixed shape of
//! strings and checked before anything reads them).
//!
//! | scheme | signature | signed content | timestamp | delivery id |
//! |---|---|---|---|---|
//! | [`Scheme::Stripe`] | `Stripe-Signature: t=…,v1=<hex>[,v1=…]` | `{t}.{body}` | `t`, tolerance | none (the event's `id`) |
//! | [`Scheme::Square`] | `x-square-hmacsha256-signature: <base64>` | notification URL + body | none | none (the event's `event_id`) |
//! | [`Scheme::Adyen`] | each item's `additionalData.hmacSignature` (base64), hex key | `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success` | none | none (per item) |
//! | [`Scheme::GitHub`] | `X-Hub-Signature-256: sha256=<hex>` | body | none | `X-GitHub-Delivery` |
//! | [`Scheme::StandardWebhooks`] | `webhook-signature: v1,<base64> …`, `whsec_` key | `{webhook-id}.{webhook-timestamp}.{body}` | `webhook-timestamp`, tolerance | `webhook-id` |
//! | [`Scheme::Hmac`] | one header, hex or base64, with or without a prefix | a template over the body, a timestamp and other headers | a named header, tolerance | a named header |

use std::time::Duration;

use hmac::{Hmac, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

mod adyen;
mod github;
mod hmac_scheme;
mod square;
mod standard;
mod stripe;

pub use self::hmac_scheme::{HmacAlgorithm, HmacScheme, KeyEncoding, SignatureEncoding};

/// Which signature scheme a vendor's deliveries carry: generated code picks one from
/// the mapping's `webhooks:` section.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>`; several `v1` while a secret
    /// rolls; other schemes (`v0`) are ignored. Secrets are the endpoint's `whsec_…`
    /// strings, used as they are.
    Stripe,
    /// Square: `x-square-hmacsha256-signature`, base64 over the notification URL
    /// followed by the body. The URL is the one registered with Square, exactly as
    /// registered (scheme, host, path, query).
    Square {
        /// The subscription's notification URL.
        notification_url: String,
    },
    /// Adyen: every notification item is signed on its own, with the HMAC key given
    /// as hex; the answer to an accepted delivery is the body `[accepted]`.
    Adyen,
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body.
    GitHub,
    /// Standard Webhooks (<https://www.standardwebhooks.com>): `webhook-id`,
    /// `webhook-timestamp`, `webhook-signature: v1,<base64> …`; secrets are
    /// `whsec_<base64>` (the prefix is optional).
    StandardWebhooks,
    /// Any other vendor that signs with one HMAC in one header (Slack, Shopify, Zoom,
    /// Linear, PagerDuty, Intercom, Twitch…), described by an [`HmacScheme`].
    Hmac(HmacScheme),
}

impl Scheme {
    /// The scheme's name, as logs and the span's `scheme` field show it.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Stripe => "stripe",
            Scheme::Square { .. } => "square",
            Scheme::Adyen => "adyen",
            Scheme::GitHub => "github",
            Scheme::StandardWebhooks => "standard_webhooks",
            Scheme::Hmac(_) => "hmac",
        }
    }

    /// Whether the scheme signs a timestamp, so stale and future deliveries can be told.
    pub fn has_timestamp(&self) -> bool {
        match self {
            Scheme::Stripe | Scheme::StandardWebhooks => true,
            Scheme::Hmac(h) => h.has_timestamp(),
            _ => false,
        }
    }

    /// The header that carries an id of the delivery, usable as its correlation id.
    pub(crate) fn delivery_id_header(&self) -> Option<&'static str> {
        match self {
            Scheme::GitHub => Some(github::DELIVERY),
            Scheme::StandardWebhooks => Some(standard::ID),
            Scheme::Hmac(h) => h.delivery_id(),
            _ => None,
        }
    }

    /// How a secret's text becomes key bytes.
    pub(crate) fn key_format(&self) -> KeyFormat {
        match self {
            Scheme::Adyen => KeyFormat::Hex,
            Scheme::StandardWebhooks => KeyFormat::StandardWebhooks,
            Scheme::Hmac(h) => h.key_format(),
            _ => KeyFormat::Raw,
        }
    }

    /// Checks a delivery's signature (and timestamp, where the scheme has one) against
    /// every key; any one valid signature under any key accepts it.
    pub(crate) fn verify(
        &self,
        keys: &[SecretSlice<u8>],
        headers: &HeaderMap,
        body: &[u8],
        now_unix: u64,
        tolerance: Duration,
    ) -> Result<Verified, Rejection> {
        let verified = match self {
            Scheme::Stripe => stripe::verify(keys, headers, body)?,
            Scheme::Square { notification_url } => {
                square::verify(keys, headers, body, notification_url)?
            }
            Scheme::Adyen => adyen::verify(keys, body)?,
            Scheme::GitHub => github::verify(keys, headers, body)?,
            Scheme::StandardWebhooks => standard::verify(keys, headers, body)?,
            Scheme::Hmac(h) => h.verify(keys, headers, body)?,
        };
        if let Some(t) = verified.timestamp {
            check_tolerance(t, now_unix, tolerance)?;
        }
        Ok(verified)
    }
}

/// What a valid signature established about a delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Verified {
    /// The id the scheme's headers give the delivery (`webhook-id`, `X-GitHub-Delivery`).
    pub(crate) delivery_id: Option<String>,
    /// The signed timestamp, Unix seconds.
    pub(crate) timestamp: Option<u64>,
}

/// Why a delivery was refused before its payload was read.
///
/// `Display` names the header or field at fault, never a secret or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is longer than [`super::WebhookConfig::max_body`].
    #[error("body of {size} bytes is over the limit of {limit} bytes")]
    TooLarge {
        /// The body's length (or its declared `Content-Length`).
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// A header the scheme needs is absent.
    #[error("header {0} is missing")]
    MissingHeader(&'static str),
    /// A header the scheme needs cannot be read (not ASCII, too long, bad syntax).
    #[error("header {0} is malformed")]
    BadHeader(&'static str),
    /// An Adyen notification item carries no readable `additionalData.hmacSignature`.
    #[error("notification item {index} carries no hmacSignature")]
    UnsignedItem {
        /// The item's position in `notificationItems`.
        index: usize,
    },
    /// No signature matches any active key.
    #[error("no signature matches an active secret")]
    NoMatch,
    /// The signature is valid but its timestamp is outside the tolerance: a replay of
    /// an old delivery, or a clock far off.
    #[error("signed timestamp is {skew_secs} s {direction} now, over the tolerance of {tolerance_secs} s", direction = if *.future { "ahead of" } else { "behind" })]
    Stale {
        /// How far from now, in seconds.
        skew_secs: u64,
        /// Whether the timestamp lies in the future.
        future: bool,
        /// The configured tolerance.
        tolerance_secs: u64,
    },
    /// The body cannot be read as the scheme's envelope (Adyen: no
    /// `notificationItems`), so there is nothing to verify.
    #[error("body is not a notification: {0}")]
    Malformed(String),
}

/// How a secret's text becomes HMAC key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFormat {
    /// The secret's UTF-8 bytes (Stripe's `whsec_…`, Square's signature key, GitHub's secret).
    Raw,
    /// Hex digits (Adyen's HMAC key).
    Hex,
    /// `whsec_` followed by base64 (Standard Webhooks); the prefix is optional.
    StandardWebhooks,
    /// Standard base64.
    Base64,
}

impl KeyFormat {
    /// The key bytes of `secret`, or what is wrong with it (never the secret itself).
    pub(crate) fn decode(self, secret: &str) -> Result<SecretSlice<u8>, &'static str> {
        let secret = secret.trim();
        let bytes = match self {
            KeyFormat::Raw => secret.as_bytes().to_vec(),
            KeyFormat::Hex => hex::decode(secret).map_err(|_| "is not hex")?,
            KeyFormat::StandardWebhooks => {
                use base64::Engine as _;
                let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|_| "is not whsec_ followed by base64")?
            }
            KeyFormat::Base64 => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(secret)
                    .map_err(|_| "is not base64")?
            }
        };
        if bytes.is_empty() {
            return Err("is empty");
        }
        Ok(SecretSlice::from(bytes))
    }
}

/// Longest signature header read; past it the header is refused unread, so a
/// hostile header costs nothing but its bytes.
pub(crate) const MAX_SIGNATURE_HEADER: usize = 8 * 1024;

/// Most candidate signatures tried from one header (rotation needs two or three).
pub(crate) const MAX_SIGNATURES: usize = 16;

/// The value of header `name` as text: `MissingHeader` when absent, `BadHeader` when
/// not visible ASCII or longer than [`MAX_SIGNATURE_HEADER`].
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, Rejection> {
    let value = headers.get(name).ok_or(Rejection::MissingHeader(name))?;
    if value.len() > MAX_SIGNATURE_HEADER {
        return Err(Rejection::BadHeader(name));
    }
    value.to_str().map_err(|_| Rejection::BadHeader(name))
}

/// Whether any of `candidates` is the HMAC-SHA256 of the concatenated `parts` under
/// any of `keys`. Each key's MAC is computed once; each comparison is constant time.
pub(crate) fn any_matches(
    keys: &[SecretSlice<u8>],
    parts: &[&[u8]],
    candidates: &[Vec<u8>],
) -> bool {
    any_matches_with::<Hmac<Sha256>>(keys, parts, candidates)
}

/// [`any_matches`] with the MAC `M` (HMAC over another hash).
pub(crate) fn any_matches_with<M: Mac + hmac::digest::KeyInit + Clone>(
    keys: &[SecretSlice<u8>],
    parts: &[&[u8]],
    candidates: &[Vec<u8>],
) -> bool {
    keys.iter().any(|key| {
        let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(key.expose_secret()) else {
            return false;
        };
        for part in parts {
            mac.update(part);
        }
        candidates
            .iter()
            .any(|candidate| mac.clone().verify_slice(candidate).is_ok())
    })
}

/// A Unix timestamp in seconds: ASCII digits only (no sign, no exponent), at most 19
/// of them, so it fits a `u64` and `1e20` or `-5` are refused rather than misread.
pub(crate) fn parse_unix(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Stale and future timestamps are both refused: a future one is as much a sign of a
/// forged or replayed delivery (or a broken clock) as an old one.
fn check_tolerance(timestamp: u64, now: u64, tolerance: Duration) -> Result<(), Rejection> {
    let skew = now.abs_diff(timestamp);
    if skew > tolerance.as_secs() {
        return Err(Rejection::Stale {
            skew_secs: skew,
            future: timestamp > now,
            tolerance_secs: tolerance.as_secs(),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Keys as a scheme sees them, from secret texts in `format`.
    pub(crate) fn keys(format: KeyFormat, secrets: &[&str]) -> Vec<SecretSlice<u8>> {
        secrets
            .iter()
            .map(|s| format.decode(s).expect("valid test key"))
            .collect()
    }

    /// Headers from name/value pairs.
    pub(crate) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                *name,
                http::HeaderValue::from_str(value).expect("valid test header"),
            );
        }
        map
    }

    /// HMAC-SHA256 of the concatenated parts (for signing test deliveries).
    pub(crate) fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_plain_digits_that_fit() {
        assert_eq!(parse_unix("1614265330"), Some(1_614_265_330));
        assert_eq!(parse_unix("0"), Some(0));
        for bad in [
            "",
            "1e20",
            "-5",
            "+5",
            " 5",
            "5 ",
            "99999999999999999999",
            "١٢",
        ] {
            assert_eq!(parse_unix(bad), None, "{bad:?}");
        }
        // Every 19-digit number fits a u64; 20 digits are refused unparsed.
        assert_eq!(
            parse_unix("9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_unix("18446744073709551615"), None);
    }

    #[test]
    fn tolerance_refuses_stale_and_future_alike() {
        let tol = Duration::from_secs(300);
        assert!(check_tolerance(1000, 1000, tol).is_ok());
        assert!(check_tolerance(700, 1000, tol).is_ok());
        assert!(check_tolerance(1300, 1000, tol).is_ok());
        assert_eq!(
            check_tolerance(699, 1000, tol),
            Err(Rejection::Stale {
                skew_secs: 301,
                future: false,
                tolerance_secs: 300
            })
        );
        let future = check_tolerance(1301, 1000, tol).expect_err("future");
        assert!(future.to_string().contains("ahead of"), "{future}");
        assert!(check_tolerance(u64::MAX, 0, tol).is_err());
    }

    #[test]
    fn keys_decode_per_format_and_errors_hide_the_secret() {
        assert_eq!(
            KeyFormat::Raw
                .decode("abc")
                .map(|k| k.expose_secret().to_vec()),
            Ok(b"abc".to_vec())
        );
        assert_eq!(
            KeyFormat::Hex
                .decode("0aFF")
                .map(|k| k.expose_secret().to_vec()),
            Ok(vec![0x0a, 0xff])
        );
        assert_eq!(
            KeyFormat::Hex.decode("xyz-secret").err(),
            Some("is not hex")
        );
        let sw = KeyFormat::StandardWebhooks;
        assert_eq!(
            sw.decode("whsec_AQI=").map(|k| k.expose_secret().to_vec()),
            Ok(vec![1, 2])
        );
        assert_eq!(
            sw.decode("AQI=").map(|k| k.expose_secret().to_vec()),
            Ok(vec![1, 2])
        );
        assert!(sw.decode("whsec_***").is_err());
        assert_eq!(KeyFormat::Raw.decode("  ").err(), Some("is empty"));
    }

    #[test]
    fn headers_over_the_limit_or_not_ascii_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-sig",
            http::HeaderValue::from_bytes(b"caf\xe9").expect("obs-text is allowed"),
        );
        assert_eq!(header(&h, "x-sig"), Err(Rejection::BadHeader("x-sig")));
        h.insert(
            "x-sig",
            http::HeaderValue::from_str(&"a".repeat(MAX_SIGNATURE_HEADER + 1)).expect("ascii"),
        );
        assert_eq!(header(&h, "x-sig"), Err(Rejection::BadHeader("x-sig")));
        assert_eq!(
            header(&h, "x-other"),
            Err(Rejection::MissingHeader("x-other"))
        );
    }
}

/// Property tests of the header parsers: hostile headers and bodies never panic, and
/// a valid signature is found among any junk a header may carry around it.
#[cfg(test)]
mod props {
    use super::test_support::{headers, keys, mac};
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000;
    const TOL: Duration = Duration::from_secs(300);

    fn all_schemes() -> Vec<Scheme> {
        vec![
            Scheme::Stripe,
            Scheme::Square {
                notification_url: "https://example.com/hook".into(),
            },
            Scheme::Adyen,
            Scheme::GitHub,
            Scheme::StandardWebhooks,
        ]
    }

    /// Header values as a client could send them: any bytes a `HeaderValue` admits.
    fn header_value() -> impl Strategy<Value = http::HeaderValue> {
        // Control bytes are moved up into the visible range (a HeaderValue refuses them),
        // and `,` `=` ` ` are made common, since the parsers split on them.
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|bytes| {
            let visible: Vec<u8> = bytes
                .into_iter()
                .map(|b| match b {
                    0..=2 => b',',
                    3..=5 => b'=',
                    6..=8 => b' ',
                    9..=31 => b + 32,
                    127 => b'~',
                    b => b,
                })
                .collect();
            http::HeaderValue::from_bytes(&visible)
                .unwrap_or_else(|_| http::HeaderValue::from_static(""))
        })
    }

    proptest! {
        #[test]
        fn hostile_headers_and_bodies_never_panic(
            values in prop::collection::vec(header_value(), 5),
            body in prop::collection::vec(any::<u8>(), 0..512),
        ) {
            let names = ["stripe-signature", "x-square-hmacsha256-signature", "x-hub-signature-256", "webhook-signature", "webhook-timestamp"];
            let mut h = HeaderMap::new();
            for (name, value) in names.into_iter().zip(values) {
                h.insert(name, value);
            }
            h.insert("webhook-id", http::HeaderValue::from_static("msg_1"));
            for scheme in all_schemes() {
                let k = keys(scheme.key_format(), &["00aa"]);
                prop_assert!(scheme.verify(&k, &h, &body, NOW, TOL).is_err());
            }
        }

        #[test]
        fn timestamps_parse_exactly_when_they_are_plain_digits(s in "[0-9+e. -]{0,22}") {
            let want = (!s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u64>().ok())
                .flatten();
            prop_assert_eq!(parse_unix(&s), want);
        }

        #[test]
        fn a_stripe_signature_is_found_among_junk_entries(
            body in prop::collection::vec(any::<u8>(), 0..256),
            junk in prop::collection::vec(("(v0|v1|v2|x|scheme)", "[0-9a-zA-Z]{0,70}"), 0..(MAX_SIGNATURES - 1)),
            at in 0usize..MAX_SIGNATURES,
            skew in 0u64..=300,
        ) {
            let t = NOW - skew;
            let sig = hex::encode(mac(b"whsec_p", &[t.to_string().as_bytes(), b".", &body]));
            let mut entries: Vec<String> = junk.iter().map(|(k, v)| format!("{k}={v}")).collect();
            entries.insert(at.min(entries.len()), format!("v1={sig}"));
            entries.insert(0, format!("t={t}"));
            let h = headers(&[("stripe-signature", &entries.join(","))]);
            let k = keys(KeyFormat::Raw, &["whsec_p"]);
            prop_assert!(Scheme::Stripe.verify(&k, &h, &body, NOW, TOL).is_ok());
            // Any change to the body breaks it.
            let mut tampered = body.clone();
            tampered.push(b'!');
            prop_assert_eq!(Scheme::Stripe.verify(&k, &h, &tampered, NOW, TOL), Err(Rejection::NoMatch));
        }

        #[test]
        fn a_standard_signature_is_found_among_other_versions(
            body in prop::collection::vec(any::<u8>(), 0..256),
            junk in prop::collection::vec("(v1|v1a|v2),[A-Za-z0-9+/]{0,44}={0,2}", 0..(MAX_SIGNATURES - 1)),
            at in 0usize..MAX_SIGNATURES,
        ) {
            let key = [7u8; 24];
            let ts = NOW.to_string();
            let sig = base64::engine::general_purpose::STANDARD
                .encode(mac(&key, &[b"msg_p.", ts.as_bytes(), b".", &body]));
            let mut items = junk.clone();
            items.insert(at.min(items.len()), format!("v1,{sig}"));
            let secret = format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(key));
            let h = headers(&[("webhook-id", "msg_p"), ("webhook-timestamp", &ts), ("webhook-signature", &items.join(" "))]);
            let k = keys(KeyFormat::StandardWebhooks, &[&secret]);
            prop_assert!(Scheme::StandardWebhooks.verify(&k, &h, &body, NOW, TOL).is_ok());
        }
    }
}

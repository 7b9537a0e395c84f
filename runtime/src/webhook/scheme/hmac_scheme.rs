//! Any vendor that signs a delivery with one HMAC in one header, described rather than
//! built in: Slack (`X-Slack-Signature: v0=<hex>` over `v0:{timestamp}:{body}`),
//! Shopify (`X-Shopify-Hmac-Sha256: <base64>` over the body), Zoom, Linear, PagerDuty
//! (`v1=<hex>,v1=<hex>` while a secret rolls), Intercom (SHA-1), Twitch (a message id
//! and a timestamp header before the body), and the like.
//!
//! The header's value may hold several signatures, separated by commas or spaces;
//! with a prefix, only the pieces that carry it are signatures (`t=…,v1=…` keeps the
//! `v1=` ones). A timestamp, when named, is held to the receiver's tolerance: a header
//! of its own (Slack), or a piece of the signature header (Mux's
//! `Mux-Signature: t=<unix>,v1=<hex>`).

use base64::Engine as _;
use hmac::Hmac;
use http::HeaderMap;
use secrecy::SecretSlice;

use super::{KeyFormat, MAX_SIGNATURES, Rejection, Verified, any_matches_with, header, parse_unix};
use crate::error::Error;

/// The hash of the HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HmacAlgorithm {
    /// HMAC-SHA256, what most vendors use.
    #[default]
    Sha256,
    /// HMAC-SHA1 (Intercom's `X-Hub-Signature`, older GitHub-style hooks).
    Sha1,
    /// HMAC-SHA512.
    Sha512,
}

/// How the signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// Hex digits, either case.
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// How the signing secret's text becomes the HMAC key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyEncoding {
    /// The secret's bytes as they are (Slack's signing secret, Shopify's).
    #[default]
    Raw,
    /// Hex digits.
    Hex,
    /// Standard base64.
    Base64,
}

/// A vendor's HMAC signature, described: which header carries it, how it is written
/// and what it signs. For [`super::Scheme::Hmac`].
///
/// ```
/// use portcullis_runtime::webhook::{HmacScheme, Scheme};
///
/// // Slack: `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>`.
/// let slack = Scheme::Hmac(
///     HmacScheme::new("x-slack-signature")
///         .prefix("v0=")
///         .timestamp_header("x-slack-request-timestamp")
///         .signed("v0:{timestamp}:{body}"),
/// );
/// assert_eq!(slack.name(), "hmac");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacScheme {
    header: &'static str,
    prefix: Option<&'static str>,
    signed: &'static str,
    timestamp: Option<&'static str>,
    timestamp_piece: Option<&'static str>,
    delivery_id: Option<&'static str>,
    algorithm: HmacAlgorithm,
    encoding: SignatureEncoding,
    key: KeyEncoding,
}

/// One piece of the signed content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part<'t> {
    Body,
    Timestamp,
    Header(&'t str),
    Text(&'t str),
}

impl HmacScheme {
    /// A hex HMAC-SHA256 of the body alone in header `header`, keyed by the secret's
    /// bytes: the common case, which the other methods change.
    pub fn new(header: &'static str) -> Self {
        HmacScheme {
            header,
            prefix: None,
            signed: "{body}",
            timestamp: None,
            timestamp_piece: None,
            delivery_id: None,
            algorithm: HmacAlgorithm::Sha256,
            encoding: SignatureEncoding::Hex,
            key: KeyEncoding::Raw,
        }
    }

    /// Text before each signature in the header (`v0=`, `sha256=`); pieces without it
    /// are not signatures.
    pub fn prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// What is signed: text with `{body}` (exactly once), and optionally
    /// `{timestamp}` (the [`HmacScheme::timestamp_header`]'s value) and
    /// `{header:Name}` (another header's value); everything else is signed as written.
    /// Checked by [`crate::webhook::Receiver::new`].
    pub fn signed(mut self, template: &'static str) -> Self {
        self.signed = template;
        self
    }

    /// The header holding the signed Unix timestamp (seconds), held to the receiver's
    /// tolerance.
    pub fn timestamp_header(mut self, name: &'static str) -> Self {
        self.timestamp = Some(name);
        self
    }

    /// The signed Unix timestamp is the piece of the signature header after `prefix`
    /// (Mux: `Mux-Signature: t=<unix>,v1=<hex>` is `.prefix("v1=").timestamp_piece("t=")`),
    /// held to the receiver's tolerance. Instead of [`HmacScheme::timestamp_header`].
    ///
    /// ```
    /// use portcullis_runtime::webhook::{HmacScheme, Scheme};
    ///
    /// let mux = Scheme::Hmac(
    ///     HmacScheme::new("mux-signature")
    ///         .prefix("v1=")
    ///         .timestamp_piece("t=")
    ///         .signed("{timestamp}.{body}"),
    /// );
    /// assert_eq!(mux.name(), "hmac");
    /// ```
    pub fn timestamp_piece(mut self, prefix: &'static str) -> Self {
        self.timestamp_piece = Some(prefix);
        self
    }

    /// A header with the delivery's id, used as its correlation id.
    pub fn delivery_id_header(mut self, name: &'static str) -> Self {
        self.delivery_id = Some(name);
        self
    }

    /// The hash (default SHA-256).
    pub fn algorithm(mut self, algorithm: HmacAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// How the signature is written (default hex).
    pub fn encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// How the secret becomes the key (default its bytes as they are).
    pub fn key(mut self, key: KeyEncoding) -> Self {
        self.key = key;
        self
    }

    pub(super) fn has_timestamp(&self) -> bool {
        self.timestamp.is_some() || self.timestamp_piece.is_some()
    }

    pub(super) fn delivery_id(&self) -> Option<&'static str> {
        self.delivery_id
    }

    pub(super) fn key_format(&self) -> KeyFormat {
        match self.key {
            KeyEncoding::Raw => KeyFormat::Raw,
            KeyEncoding::Hex => KeyFormat::Hex,
            KeyEncoding::Base64 => KeyFormat::Base64,
        }
    }

    /// What is wrong with the description, for `vendor`'s receiver: a header name that
    /// is not one, or a `signed` template that does not parse.
    pub(crate) fn validate(&self, vendor: &str) -> Result<(), Error> {
        let names = [Some(self.header), self.timestamp, self.delivery_id];
        for name in names.into_iter().flatten() {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(Error::config(format!(
                    "webhook receiver {vendor}: {name:?} is not a header name"
                )));
            }
        }
        let parts = parse(self.signed).map_err(|problem| {
            Error::config(format!(
                "webhook receiver {vendor}: signed content {:?}: {problem}",
                self.signed
            ))
        })?;
        if self.timestamp.is_some() && self.timestamp_piece.is_some() {
            return Err(Error::config(format!(
                "webhook receiver {vendor}: the timestamp is named twice, as a header and as a piece of the signature header; keep one"
            )));
        }
        if self.timestamp_piece.is_some_and(str::is_empty) {
            return Err(Error::config(format!(
                "webhook receiver {vendor}: the timestamp piece's prefix is empty"
            )));
        }
        if parts.contains(&Part::Timestamp) && !self.has_timestamp() {
            return Err(Error::config(format!(
                "webhook receiver {vendor}: signed content {:?} has {{timestamp}} but no timestamp header is named",
                self.signed
            )));
        }
        Ok(())
    }

    pub(super) fn verify(
        &self,
        keys: &[SecretSlice<u8>],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Verified, Rejection> {
        let value = header(headers, self.header)?;
        let signatures = self.signatures(value)?;
        let stamp = match (self.timestamp, self.timestamp_piece) {
            (Some(name), _) => {
                let text = header(headers, name)?.trim();
                // Unix seconds (Slack), or an RFC 3339 date-time (Box's
                // `box-delivery-timestamp`); the text is signed as it came.
                let seconds = parse_unix(text).or_else(|| crate::validate::unix_seconds(text));
                Some((text, seconds.ok_or(Rejection::BadHeader(name))?))
            }
            (None, Some(prefix)) => {
                let bad = Rejection::BadHeader(self.header);
                let text = value
                    .split([',', ' '])
                    .find_map(|piece| piece.strip_prefix(prefix))
                    .ok_or_else(|| bad.clone())?;
                Some((text, parse_unix(text).ok_or(bad)?))
            }
            (None, None) => None,
        };
        // Checked when the receiver was made; a template that no longer parses
        // verifies nothing.
        let parts = parse(self.signed).map_err(|_| Rejection::NoMatch)?;
        let mut signed: Vec<&[u8]> = Vec::with_capacity(parts.len());
        for part in parts {
            signed.push(match part {
                Part::Body => body,
                Part::Timestamp => stamp.map_or(&[][..], |(text, _)| text.as_bytes()),
                Part::Text(text) => text.as_bytes(),
                Part::Header(name) => header(headers, name)?.as_bytes(),
            });
        }
        let matched = match self.algorithm {
            HmacAlgorithm::Sha256 => {
                any_matches_with::<Hmac<sha2::Sha256>>(keys, &signed, &signatures)
            }
            HmacAlgorithm::Sha1 => any_matches_with::<Hmac<sha1::Sha1>>(keys, &signed, &signatures),
            HmacAlgorithm::Sha512 => {
                any_matches_with::<Hmac<sha2::Sha512>>(keys, &signed, &signatures)
            }
        };
        if !matched {
            return Err(Rejection::NoMatch);
        }
        let delivery_id = match self.delivery_id {
            Some(name) if headers.contains_key(name) => Some(header(headers, name)?.to_owned()),
            _ => None,
        };
        Ok(Verified {
            delivery_id,
            timestamp: stamp.map(|(_, t)| t),
        })
    }

    /// The signatures in the header's value: the pieces with the prefix (all pieces
    /// without one), decoded; `BadHeader` when none is there or one does not decode.
    fn signatures(&self, value: &str) -> Result<Vec<Vec<u8>>, Rejection> {
        let bad = Rejection::BadHeader(self.header);
        let mut out = Vec::new();
        for piece in value.split([',', ' ']).filter(|p| !p.is_empty()) {
            let text = match self.prefix {
                Some(prefix) => match piece.strip_prefix(prefix) {
                    Some(rest) => rest,
                    None => continue,
                },
                None => piece,
            };
            if out.len() == MAX_SIGNATURES {
                break;
            }
            if text.is_empty() {
                return Err(bad);
            }
            let decoded = match self.encoding {
                SignatureEncoding::Hex => hex::decode(text).ok(),
                SignatureEncoding::Base64 => {
                    base64::engine::general_purpose::STANDARD.decode(text).ok()
                }
            };
            out.push(decoded.ok_or_else(|| bad.clone())?);
        }
        if out.is_empty() {
            return Err(bad);
        }
        Ok(out)
    }
}

/// The template's parts, or what is wrong with it.
fn parse(template: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| {
            format!(
                "'{{' at {} is not closed",
                template.len() - rest.len() + open
            )
        })?;
        let name = &after[..close];
        parts.push(match name {
            "body" => Part::Body,
            "timestamp" => Part::Timestamp,
            _ => match name.strip_prefix("header:") {
                Some(h) if http::HeaderName::from_bytes(h.as_bytes()).is_ok() => Part::Header(h),
                Some(h) => return Err(format!("{h:?} is not a header name")),
                None => {
                    return Err(format!(
                        "{{{name}}} is not a placeholder (write {{body}}, {{timestamp}} or {{header:Name}})"
                    ));
                }
            },
        });
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    match parts.iter().filter(|p| **p == Part::Body).count() {
        1 => Ok(parts),
        0 => Err(
            "{body} is missing: a signature that does not cover the body proves nothing about it"
                .into(),
        ),
        _ => Err("{body} appears more than once".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::test_support::{headers, keys, mac};
    use super::*;
    use std::time::Duration;

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    fn check(
        scheme: &HmacScheme,
        secrets: &[&str],
        pairs: &[(&'static str, &str)],
        body: &[u8],
        now: u64,
    ) -> Result<Verified, Rejection> {
        Scheme::Hmac(scheme.clone()).verify(
            &keys(scheme.key_format(), secrets),
            &headers(pairs),
            body,
            now,
            FIVE_MINUTES,
        )
    }

    // Slack's published example: api.slack.com, "Verifying requests from Slack".
    const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const SLACK_TS: &str = "1531420618";
    const SLACK_BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SLACK_SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn slack() -> HmacScheme {
        HmacScheme::new("x-slack-signature")
            .prefix("v0=")
            .timestamp_header("x-slack-request-timestamp")
            .signed("v0:{timestamp}:{body}")
    }

    fn slack_headers(sig: &str) -> Vec<(&'static str, String)> {
        vec![
            ("x-slack-signature", sig.to_owned()),
            ("x-slack-request-timestamp", SLACK_TS.to_owned()),
        ]
    }

    fn pairs<'v>(v: &'v [(&'static str, String)]) -> Vec<(&'static str, &'v str)> {
        v.iter().map(|(n, s)| (*n, s.as_str())).collect()
    }

    #[test]
    fn slacks_published_example_verifies_and_its_timestamp_is_held_to_the_tolerance() {
        let ts: u64 = SLACK_TS.parse().expect("digits");
        let h = slack_headers(SLACK_SIG);
        let ok = check(&slack(), &[SLACK_SECRET], &pairs(&h), SLACK_BODY, ts + 10)
            .expect("Slack's example");
        assert_eq!(ok.timestamp, Some(ts));
        assert_eq!(
            check(&slack(), &[SLACK_SECRET], &pairs(&h), b"token=changed", ts),
            Err(Rejection::NoMatch)
        );
        assert!(matches!(
            check(&slack(), &[SLACK_SECRET], &pairs(&h), SLACK_BODY, ts + 3600),
            Err(Rejection::Stale { future: false, .. })
        ));
        // A rotated secret: either key verifies.
        assert!(
            check(
                &slack(),
                &["new-secret", SLACK_SECRET],
                &pairs(&h),
                SLACK_BODY,
                ts
            )
            .is_ok()
        );
        let no_ts = [("x-slack-signature", SLACK_SIG)];
        assert_eq!(
            check(&slack(), &[SLACK_SECRET], &no_ts, SLACK_BODY, ts),
            Err(Rejection::MissingHeader("x-slack-request-timestamp"))
        );
    }

    // The expected signatures below were computed with Python's `hmac` module, not
    // with this code.
    #[test]
    fn base64_sha1_and_sha512_signatures_verify() {
        let shopify = HmacScheme::new("x-shopify-hmac-sha256").encoding(SignatureEncoding::Base64);
        let body = br#"{"id":820982911946154508}"#;
        let sig = "qBvrsZF7RfB1iS6BX6IHqJTp5L911P7intnPeTPsH0I=";
        assert!(
            check(
                &shopify,
                &["hush"],
                &[("x-shopify-hmac-sha256", sig)],
                body,
                0
            )
            .is_ok()
        );
        assert_eq!(
            check(
                &shopify,
                &["other"],
                &[("x-shopify-hmac-sha256", sig)],
                body,
                0
            ),
            Err(Rejection::NoMatch)
        );

        let intercom = HmacScheme::new("x-hub-signature")
            .prefix("sha1=")
            .algorithm(HmacAlgorithm::Sha1);
        let sig = "sha1=4a384a1b1c2d49ec0ec2739020b34487615e02b4";
        let body = br#"{"type":"notification_event"}"#;
        assert!(
            check(
                &intercom,
                &["intercom-secret"],
                &[("x-hub-signature", sig)],
                body,
                0
            )
            .is_ok()
        );

        let long = HmacScheme::new("x-signature").algorithm(HmacAlgorithm::Sha512);
        let sig = "02ad7df2854d1ef1a6cba8cf501a8b974367e311a82591dedaad8083698205394cb7ef3eee67edcb42c8705f1c7035c509ff65a2038517a0995905dd86efb136";
        assert!(check(&long, &["k512"], &[("x-signature", sig)], br#"{"a":1}"#, 0).is_ok());
        // The same MAC under the wrong hash is no match, not an error.
        let short = HmacScheme::new("x-signature");
        assert_eq!(
            check(&short, &["k512"], &[("x-signature", sig)], br#"{"a":1}"#, 0),
            Err(Rejection::NoMatch)
        );
    }

    /// Box signs the body followed by `box-delivery-timestamp`, an RFC 3339 date-time
    /// (not Unix seconds): it is signed as it came and held to the tolerance by the
    /// instant it names. The signature was computed with Python's `hmac` module.
    #[test]
    fn an_rfc_3339_timestamp_is_signed_as_sent_and_held_to_the_tolerance() {
        let boxed = HmacScheme::new("box-signature-primary")
            .encoding(SignatureEncoding::Base64)
            .timestamp_header("box-delivery-timestamp")
            .signed("{body}{timestamp}");
        let body = br#"{"type":"webhook_event","trigger":"FILE.UPLOADED"}"#;
        let stamp = "2026-03-01T04:00:00-08:00";
        let pairs = [
            (
                "box-signature-primary",
                "wxNBq6S6EYFzPmFQOi0vOLYFO0Y4R/mPereCfQpAJZA=",
            ),
            ("box-delivery-timestamp", stamp),
        ];
        let at = 1_772_366_400; // 2026-03-01T12:00:00Z, the same instant
        let ok = check(&boxed, &["SamplePrimaryKey"], &pairs, body, at + 60).expect("Box's scheme");
        assert_eq!(ok.timestamp, Some(at));
        assert!(matches!(
            check(&boxed, &["SamplePrimaryKey"], &pairs, body, at + 3600),
            Err(Rejection::Stale { future: false, .. })
        ));
        let garbled = [pairs[0], ("box-delivery-timestamp", "1 March 2026")];
        assert_eq!(
            check(&boxed, &["SamplePrimaryKey"], &garbled, body, at),
            Err(Rejection::BadHeader("box-delivery-timestamp"))
        );
    }

    #[test]
    fn other_headers_can_be_signed_and_name_the_delivery() {
        let twitch = HmacScheme::new("twitch-eventsub-message-signature")
            .prefix("sha256=")
            .signed("{header:twitch-eventsub-message-id}{header:twitch-eventsub-message-timestamp}{body}")
            .delivery_id_header("twitch-eventsub-message-id");
        let sig = "sha256=a0ada911db1bb5b7a0b24bfb5491cb8f2cb8d18ce666ed2aa13051973a73ca86";
        let body = br#"{"challenge":"x"}"#;
        let all = [
            ("twitch-eventsub-message-signature", sig),
            ("twitch-eventsub-message-id", "msg-1"),
            ("twitch-eventsub-message-timestamp", "2026-12-04T10:00:00Z"),
        ];
        let ok = check(&twitch, &["twitch-secret"], &all, body, 0).expect("signed headers");
        assert_eq!(ok.delivery_id.as_deref(), Some("msg-1"));
        assert_eq!(ok.timestamp, None);
        assert_eq!(
            check(&twitch, &["twitch-secret"], &all[..2], body, 0),
            Err(Rejection::MissingHeader(
                "twitch-eventsub-message-timestamp"
            ))
        );
    }

    #[test]
    fn the_header_may_carry_several_signatures_and_other_pieces() {
        let scheme = HmacScheme::new("x-pagerduty-signature").prefix("v1=");
        let body = br#"{"a":1}"#;
        let good = hex::encode(super::super::test_support::mac(b"pd", &[body]));
        let value = format!("t=1700000000,v1={},v1={good}", "0".repeat(64));
        assert!(
            check(
                &scheme,
                &["pd"],
                &[("x-pagerduty-signature", &value)],
                body,
                0
            )
            .is_ok()
        );
        let spaced = format!("v1={} v1={good}", "ab".repeat(32));
        assert!(
            check(
                &scheme,
                &["pd"],
                &[("x-pagerduty-signature", &spaced)],
                body,
                0
            )
            .is_ok()
        );
        for bad in ["t=1700000000", "v1=not-hex", "", "v1="] {
            assert_eq!(
                check(&scheme, &["pd"], &[("x-pagerduty-signature", bad)], body, 0),
                Err(Rejection::BadHeader("x-pagerduty-signature")),
                "{bad:?}"
            );
        }
        assert_eq!(
            check(&scheme, &["pd"], &[], body, 0),
            Err(Rejection::MissingHeader("x-pagerduty-signature"))
        );
        // Hex or base64 keys decode before use.
        let hex_key = scheme.clone().key(KeyEncoding::Hex);
        assert!(
            check(
                &hex_key,
                &[&hex::encode("pd")],
                &[("x-pagerduty-signature", &value)],
                body,
                0
            )
            .is_ok()
        );
        let b64_key = scheme.key(KeyEncoding::Base64);
        assert!(
            check(
                &b64_key,
                &["cGQ="],
                &[("x-pagerduty-signature", &value)],
                body,
                0
            )
            .is_ok()
        );
    }

    fn mux() -> HmacScheme {
        HmacScheme::new("mux-signature")
            .prefix("v1=")
            .timestamp_piece("t=")
            .signed("{timestamp}.{body}")
    }

    /// Mux (`Mux-Signature: t=<unix>,v1=<hex>` over `<t>.<body>`): the timestamp is a
    /// piece of the signature header, signed and held to the tolerance like a header's.
    #[test]
    fn a_timestamp_inside_the_signature_header_is_signed_and_held_to_the_tolerance() {
        let secret = "mux-signing-secret";
        let body = br#"{"type":"video.asset.ready","id":"e1"}"#;
        let t: u64 = 1_565_220_904;
        let sig = hex::encode(mac(
            secret.as_bytes(),
            &[t.to_string().as_bytes(), b".", body],
        ));
        let value = format!("t={t},v1={sig}");
        let h = [("mux-signature", value.as_str())];
        let ok = check(&mux(), &[secret], &h, body, t + 30).expect("signed");
        assert_eq!(ok.timestamp, Some(t));
        assert_eq!(
            check(&mux(), &[secret], &h, b"{}", t),
            Err(Rejection::NoMatch)
        );
        assert!(matches!(
            check(&mux(), &[secret], &h, body, t + 3600),
            Err(Rejection::Stale { future: false, .. })
        ));
        // Another timestamp than the one signed breaks the signature.
        let moved = format!("t={},v1={sig}", t + 1);
        assert_eq!(
            check(
                &mux(),
                &[secret],
                &[("mux-signature", moved.as_str())],
                body,
                t
            ),
            Err(Rejection::NoMatch)
        );
        // No `t=`, or one that is no Unix time: the header is malformed.
        for value in [format!("v1={sig}"), format!("t=soon,v1={sig}")] {
            assert_eq!(
                check(
                    &mux(),
                    &[secret],
                    &[("mux-signature", value.as_str())],
                    body,
                    t
                ),
                Err(Rejection::BadHeader("mux-signature"))
            );
        }
    }

    #[test]
    fn a_description_that_cannot_verify_is_refused_when_the_receiver_is_made() {
        let cases = [
            (
                HmacScheme::new("x-sig").signed("{timestamp}"),
                "{body} is missing",
            ),
            (
                HmacScheme::new("x-sig").signed("{body}{body}"),
                "more than once",
            ),
            (
                HmacScheme::new("x-sig").signed("{bdy}"),
                "{bdy} is not a placeholder",
            ),
            (HmacScheme::new("x-sig").signed("v0:{body"), "is not closed"),
            (
                HmacScheme::new("x-sig").signed("{header:bad name}{body}"),
                "is not a header name",
            ),
            (
                HmacScheme::new("x-sig").signed("{timestamp}.{body}"),
                "no timestamp header",
            ),
            (HmacScheme::new("bad header"), "is not a header name"),
            (
                HmacScheme::new("x-sig")
                    .timestamp_header("x-ts")
                    .timestamp_piece("t="),
                "named twice",
            ),
            (
                HmacScheme::new("x-sig").timestamp_piece(""),
                "prefix is empty",
            ),
        ];
        for (scheme, expected) in cases {
            let err = scheme.validate("Slack").expect_err(expected).to_string();
            assert!(err.contains("Slack") && err.contains(expected), "{err}");
        }
        assert!(slack().validate("Slack").is_ok());
        assert!(
            HmacScheme::new("X-Shopify-Hmac-Sha256")
                .validate("Shopify")
                .is_ok()
        );
    }
}

//! Reading "wait before trying again" out of vendor response headers.
//!
//! Vendors disagree on the format, so every form seen in the wild is accepted:
//! `Retry-After` as delay-seconds or HTTP-date (RFC 9110 §10.2.3), `X-RateLimit-Reset`
//! as epoch seconds (GitHub) or a delta, and the IETF draft `RateLimit` structured
//! field (`"default";r=0;t=30`) or its older `RateLimit-Reset` header. These functions
//! are thin views of [`RateLimitInfo::parse`], the one parser the rate limiter reads
//! too, so a retry's wait and the limiter's pause always agree.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

use crate::limit::headers::{self, RateLimitInfo, ResetStyle};

/// Parses `Retry-After`: delay-seconds (fractional ones too) or an HTTP-date. A date
/// in the past is zero; anything else is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    headers::retry_after_value(value, now)
}

/// Whether the rate-limit headers say the quota is used up (remaining is zero), in
/// any family [`RateLimitInfo::parse`] reads; the most restrictive window counts.
pub fn rate_limit_exhausted(headers: &HeaderMap) -> bool {
    // `now` only shapes reset times, which this answer does not look at.
    RateLimitInfo::parse(headers, SystemTime::now(), ResetStyle::Auto).exhausted()
}

/// How long the vendor asked us to wait, from whichever header it used.
///
/// `Retry-After` wins; reset headers count only when they say the quota is exhausted,
/// since a reset time alone is not a request to wait. Reset values are read with
/// [`ResetStyle::Auto`] (epoch or delta by size).
pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    RateLimitInfo::parse(headers, now, ResetStyle::Auto).wait()
}

/// How long a response asked us to wait: its headers ([`from_headers`]), or, for a 429
/// without them, a `retry_after` number of seconds at the top of its JSON body or under
/// `error` (Discord's `{"retry_after": 2.5, ...}`, Dropbox's `error.retry_after`).
pub fn from_response(response: &crate::response::Response, now: SystemTime) -> Option<Duration> {
    from_headers(response.headers(), now).or_else(|| {
        (response.status() == 429)
            .then(|| from_body(response.body()))
            .flatten()
    })
}

/// The `retry_after` seconds of a JSON body, if it has them (bodies over 64 KiB are not
/// read for it: a wait is a small answer).
fn from_body(body: &[u8]) -> Option<Duration> {
    let text = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    if text.len() > 64 * 1024 || !text.trim_ascii_start().starts_with(b"{") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(text).ok()?;
    let seconds = value
        .get("retry_after")
        .or_else(|| value.get("error").and_then(|e| e.get("retry_after")))?
        .as_f64()?;
    (0.0..1e9)
        .contains(&seconds)
        .then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::time::UNIX_EPOCH;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("test header"));
        }
        h
    }

    #[test]
    fn a_429_body_may_say_how_long_to_wait() {
        assert_eq!(
            from_body(br#"{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}"#),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(
            from_body(br#"{"error": {"retry_after": 3}}"#),
            Some(Duration::from_secs(3))
        );
        assert_eq!(from_body(br#"{"retry_after": -1}"#), None);
        assert_eq!(from_body(br#"{"retry_after": "soon"}"#), None);
        assert_eq!(from_body(b"not json"), None);
        assert_eq!(from_body(br#"[1, 2]"#), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let cases: &[(&str, Option<Duration>)] = &[
            ("0", Some(Duration::ZERO)),
            ("7", Some(Duration::from_secs(7))),
            (" 2 ", Some(Duration::from_secs(2))),
            ("1.5", Some(Duration::from_millis(1500))),
            ("-1", None),
            ("soon", None),
            // 2023-11-14T22:13:20Z is `now`; ten seconds later:
            (
                "Tue, 14 Nov 2023 22:13:30 GMT",
                Some(Duration::from_secs(10)),
            ),
            // In the past: wait nothing.
            ("Tue, 14 Nov 2023 22:00:00 GMT", Some(Duration::ZERO)),
        ];
        for (value, want) in cases {
            assert_eq!(parse_retry_after(value, now), *want, "{value}");
        }
    }

    #[test]
    fn reset_headers_only_when_exhausted() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let github = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000042"),
        ]);
        assert_eq!(from_headers(&github, now), Some(Duration::from_secs(42)));
        assert!(rate_limit_exhausted(&github));

        let delta = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "5")]);
        assert_eq!(from_headers(&delta, now), Some(Duration::from_secs(5)));

        let not_exhausted = headers(&[("x-ratelimit-remaining", "3"), ("x-ratelimit-reset", "5")]);
        assert_eq!(from_headers(&not_exhausted, now), None);

        let ietf = headers(&[("ratelimit", "\"default\";r=0;t=30")]);
        assert_eq!(from_headers(&ietf, now), Some(Duration::from_secs(30)));

        let both = headers(&[
            ("retry-after", "3"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "9"),
        ]);
        assert_eq!(from_headers(&both, now), Some(Duration::from_secs(3)));
    }
}

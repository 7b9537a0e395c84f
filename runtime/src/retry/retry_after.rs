//! Reading "wait before trying again" out of vendor response headers.
//!
//! Vendors disagree on the format, so every form seen in the wild is accepted:
//! `Retry-After` as delay-seconds or HTTP-date (RFC 9110 §10.2.3), `X-RateLimit-Reset`
//! as epoch seconds (GitHub) or a delta, and the IETF draft `RateLimit` structured
//! field (`"default";r=0;t=30`) or its older `RateLimit-Reset` header. The rate limiter
//! (a later issue) reads the same functions, so the wait feeds it too.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// Values above this are epoch seconds, below it deltas: no vendor asks for a wait of
/// 30 years, and no reset epoch lies before 2001.
const EPOCH_THRESHOLD: u64 = 1_000_000_000;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date. A date in the past is zero.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // Some vendors send fractional seconds even though the RFC does not allow it.
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A reset value that is an epoch (GitHub) or a delta (most others).
fn parse_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let secs = value.trim().parse::<u64>().ok()?;
    if secs >= EPOCH_THRESHOLD {
        let when = UNIX_EPOCH + Duration::from_secs(secs);
        Some(when.duration_since(now).unwrap_or(Duration::ZERO))
    } else {
        Some(Duration::from_secs(secs))
    }
}

/// Parameters of the first item of an IETF `RateLimit` structured field:
/// `"default";r=50;t=30` gives `(Some(50), Some(30))`.
fn ietf_rate_limit(value: &str) -> (Option<u64>, Option<u64>) {
    let first = value.split(',').next().unwrap_or_default();
    let mut remaining = None;
    let mut reset = None;
    for param in first.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        match k.trim() {
            "r" => remaining = v.trim().parse().ok(),
            "t" => reset = v.trim().parse().ok(),
            _ => {}
        }
    }
    (remaining, reset)
}

/// Whether the rate-limit headers say the quota is used up (remaining is zero).
pub fn rate_limit_exhausted(headers: &HeaderMap) -> bool {
    if let Some(r) =
        header(headers, "x-ratelimit-remaining").or(header(headers, "ratelimit-remaining"))
    {
        return r.parse::<u64>() == Ok(0);
    }
    if let Some(v) = header(headers, "ratelimit") {
        return ietf_rate_limit(v).0 == Some(0);
    }
    false
}

/// How long the vendor asked us to wait, from whichever header it used.
///
/// `Retry-After` wins; reset headers count only when they say the quota is exhausted,
/// since a reset time alone is not a request to wait.
pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(d) = header(headers, "retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some(d);
    }
    if !rate_limit_exhausted(headers) {
        return None;
    }
    if let Some(d) = header(headers, "x-ratelimit-reset")
        .or(header(headers, "ratelimit-reset"))
        .and_then(|v| parse_reset(v, now))
    {
        return Some(d);
    }
    header(headers, "ratelimit")
        .and_then(|v| ietf_rate_limit(v).1)
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("test header"));
        }
        h
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

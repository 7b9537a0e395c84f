//! Reading the vendor's rate-limit headers, every family seen in the wild.
//!
//! One parser, [`RateLimitInfo::parse`], reads them all; the retry helpers in
//! [`crate::retry::retry_after`] delegate to it, so a 429's wait, the limiter's pause
//! and an error's `retry_after` always agree.
//!
//! | Family | Headers | Reset counts |
//! |---|---|---|
//! | `Retry-After` (RFC 9110 §10.2.3) | delay-seconds, fractional seconds, HTTP-date | a date in the past is zero |
//! | `X-RateLimit-*` (most vendors, GitHub) | `-Limit`, `-Remaining`, `-Reset`, `-Used`, `-Resource`, Discord's `-Reset-After` | [`ResetStyle`] |
//! | `X-Rate-Limit-*` (Twitter/X) | `-Limit`, `-Remaining`, `-Reset` | [`ResetStyle`] |
//! | IETF draft, separate headers (drafts 00–06) | `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, `RateLimit-Policy: 100;w=60` | delta seconds |
//! | IETF draft-07 dictionary | `RateLimit: limit=100, remaining=50, reset=30` | delta seconds |
//! | IETF structured fields (draft-08 on) | `RateLimit: "default";r=50;t=30`, `RateLimit-Policy: "default";q=100;w=60` | delta seconds |
//! | Shopify REST | `X-Shopify-Shop-Api-Call-Limit: 32/40` (used/limit) | none |
//!
//! **Reset values.** [`ResetStyle::Auto`] reads a value below 10⁹ as seconds from now,
//! from 10⁹ (2001) as epoch seconds, and from 10¹² as epoch *milliseconds*: some
//! vendors send `Date.now()`, and as epoch seconds 10¹² is the year 33658, so no
//! reading of it as seconds is plausible. [`ResetStyle::EpochSeconds`] makes the same
//! millisecond call for the same reason; [`ResetStyle::DeltaSeconds`] takes the value
//! literally. The IETF headers are deltas by specification, but a value that can only
//! be an epoch is read as one ([`ResetStyle::Auto`]), since a 31-year wait is never
//! what a vendor meant. A reset in the past is zero.
//!
//! **Several limits at once.** A response may carry several windows: several IETF
//! policies, comma-separated lists in `X-RateLimit-*`, or two families at once. The
//! most restrictive one wins: the lowest `remaining`, and among equals the longest
//! reset. Its fields are reported together, never mixed with another window's.
//!
//! **Malformed values** (not a number, negative, overflowing, not UTF-8, longer than
//! [`MAX_VALUE_LEN`] bytes, garbage) are skipped: never an error, never a panic. Each
//! one is logged at debug level; the first per header name in the process is also a
//! warning, so a vendor that always sends garbage is noticed once, not on every call.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// Reset values from here on are epoch seconds under [`ResetStyle::Auto`]: no vendor
/// asks for a wait of 30 years, and no reset epoch lies before 2001.
const EPOCH_THRESHOLD: u64 = 1_000_000_000;
/// Reset values from here on are epoch milliseconds (as seconds: the year 33658).
const EPOCH_MS_THRESHOLD: u64 = 1_000_000_000_000;
/// Longest header value read, in bytes. The longest real value (a handful of IETF
/// policies) is well under this; anything longer is garbage not worth scanning.
pub const MAX_VALUE_LEN: usize = 1024;
/// Most windows read from one header, so a long list cannot cost much work.
const MAX_ITEMS: usize = 32;
/// Longest resource or policy name kept.
const MAX_NAME_LEN: usize = 64;

/// How a vendor's `X-RateLimit-Reset` counts (see the [module docs](self) for the
/// millisecond rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResetStyle {
    /// Epoch seconds when the value is past 2001 (GitHub, Twitter), epoch milliseconds
    /// from 10¹², else a delta (most others).
    #[default]
    Auto,
    /// Seconds since the Unix epoch (milliseconds from 10¹²).
    EpochSeconds,
    /// Seconds from now, whatever the size.
    DeltaSeconds,
}

/// What one response's headers say about the vendor's limits. Every field is optional:
/// vendors send some, none or all of them.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use http::{HeaderMap, HeaderValue};
/// use portcullis_runtime::{RateLimitInfo, ResetStyle};
///
/// let mut h = HeaderMap::new();
/// h.insert("ratelimit", HeaderValue::from_static(r#""default";r=0;t=30"#));
/// h.insert("ratelimit-policy", HeaderValue::from_static(r#""default";q=100;w=60"#));
/// let info = RateLimitInfo::parse(&h, SystemTime::now(), ResetStyle::Auto);
/// assert_eq!(info.limit, Some(100));
/// assert_eq!(info.window, Some(Duration::from_secs(60)));
/// assert_eq!(info.wait(), Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateLimitInfo {
    /// Requests allowed in the window.
    pub limit: Option<u64>,
    /// Requests left in the window (derived as `limit - used` when a vendor sends only
    /// those two).
    pub remaining: Option<u64>,
    /// Requests used in the window (GitHub's `x-ratelimit-used`, Shopify's call limit).
    pub used: Option<u64>,
    /// Time until the window resets.
    pub reset: Option<Duration>,
    /// The window's length (`RateLimit-Policy: 100;w=60`).
    pub window: Option<Duration>,
    /// `Retry-After`, as a wait from now (the longest, if a vendor sends several).
    pub retry_after: Option<Duration>,
    /// Which limit this is: GitHub's `x-ratelimit-resource` (core, search, ...) or the
    /// IETF policy name (`"default"` gives `default`).
    pub resource: Option<String>,
}

impl RateLimitInfo {
    /// Parses every rate-limit header family in `headers` (see the
    /// [module docs](self)). Malformed values are ignored (and logged), never an error.
    pub fn parse(headers: &HeaderMap, now: SystemTime, style: ResetStyle) -> Self {
        if headers.is_empty() {
            return Self::default();
        }
        let mut windows = Vec::new();
        x_family(headers, &X_RATELIMIT, now, style, &mut windows);
        x_family(headers, &X_RATE_LIMIT, now, style, &mut windows);
        ietf(headers, now, &mut windows);
        shopify(headers, &mut windows);
        let best = windows
            .into_iter()
            .filter(|w| !w.is_empty())
            .reduce(|a, b| if b.more_restrictive_than(&a) { b } else { a })
            .unwrap_or_default();
        Self {
            limit: best.limit,
            remaining: best
                .remaining
                .or_else(|| Some(best.limit?.saturating_sub(best.used?))),
            used: best.used,
            reset: best.reset,
            window: best.window,
            retry_after: retry_after(headers, now),
            resource: best.name,
        }
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the window is used up (`remaining` is zero).
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// How long the vendor asked us to wait: `Retry-After`, else the reset of an
    /// exhausted window.
    pub fn wait(&self) -> Option<Duration> {
        self.retry_after
            .or_else(|| self.exhausted().then_some(self.reset).flatten())
    }
}

/// One window a response describes, before the most restrictive one is picked.
#[derive(Debug, Clone, Default)]
struct Window {
    limit: Option<u64>,
    remaining: Option<u64>,
    used: Option<u64>,
    reset: Option<Duration>,
    window: Option<Duration>,
    name: Option<String>,
}

impl Window {
    fn is_empty(&self) -> bool {
        self.limit.is_none()
            && self.remaining.is_none()
            && self.used.is_none()
            && self.reset.is_none()
            && self.window.is_none()
    }

    /// Lower remaining first (a window that says nothing about it last), then the
    /// longer reset: that is the one that stops us first and longest.
    fn more_restrictive_than(&self, other: &Window) -> bool {
        match (self.remaining, other.remaining) {
            (Some(a), Some(b)) if a != b => a < b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            _ => self.reset.unwrap_or_default() > other.reset.unwrap_or_default(),
        }
    }
}

// ---------------------------------------------------------------------------------
// Malformed values: log, warn once per header name.

/// Logs a skipped value: debug every time, a warning the first time for `name`.
fn malformed(name: &'static str, value: &[u8], why: &'static str) {
    let shown = preview(value);
    tracing::debug!(header = name, value = %shown, why, "ignoring a malformed rate-limit header");
    if first_warning(name) {
        tracing::warn!(
            header = name,
            value = %shown,
            why,
            "vendor sent a malformed rate-limit header; it is ignored (later ones are logged at debug level only)"
        );
    }
}

/// Whether this is the first malformed `name` in the process. Names are the parser's
/// own constants, so the set stays as small as the list of families.
fn first_warning(name: &'static str) -> bool {
    static WARNED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if warned.contains(&name) {
        false
    } else {
        warned.push(name);
        true
    }
}

/// A short, printable rendering of a value for the logs: a garbage header can be long
/// or binary, and neither belongs in a log line.
fn preview(value: &[u8]) -> String {
    const SHOWN: usize = 64;
    let head = &value[..value.len().min(SHOWN)];
    let mut out: String = String::from_utf8_lossy(head).escape_debug().collect();
    if value.len() > SHOWN {
        out.push_str(&format!("... ({} bytes)", value.len()));
    }
    out
}

/// The text of every field line of `name`, skipping (and logging) lines that are not
/// visible ASCII or are absurdly long.
fn lines<'a>(headers: &'a HeaderMap, name: &'static str) -> Vec<&'a str> {
    let mut out = Vec::new();
    for value in headers.get_all(name) {
        let bytes = value.as_bytes();
        if bytes.len() > MAX_VALUE_LEN {
            malformed(name, bytes, "too long");
        } else if let Ok(text) = value.to_str() {
            out.push(text);
        } else {
            malformed(name, bytes, "not text");
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// Numbers.

/// A non-negative integer: ASCII digits only (no sign, no exponent), no overflow.
fn int(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A non-negative decimal, `digits[.digits]`, as whole seconds and nanoseconds
/// (digits past the ninth decimal are dropped). Parsed by hand: `f64` parsing accepts
/// `inf`, `NaN` and `1e400`, and loses precision on epochs.
fn decimal(s: &str) -> Option<(u64, u32)> {
    let s = s.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let whole = int(whole)?;
    let nanos = match frac {
        None => 0,
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => return None,
        Some(f) => f
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(9)
            .fold(0u32, |n, b| n * 10 + u32::from(b - b'0')),
    };
    Some((whole, nanos))
}

/// A reset value as a wait from `now`, per `style` (see the module docs).
fn reset_from(secs: u64, nanos: u32, style: ResetStyle, now: SystemTime) -> Option<Duration> {
    let epoch = match style {
        ResetStyle::DeltaSeconds => return Some(Duration::new(secs, nanos)),
        ResetStyle::Auto if secs < EPOCH_THRESHOLD => return Some(Duration::new(secs, nanos)),
        _ if secs >= EPOCH_MS_THRESHOLD => Duration::from_millis(secs),
        _ => Duration::new(secs, nanos),
    };
    // An epoch past what the platform's clock can hold is garbage, not a wait.
    let when = UNIX_EPOCH.checked_add(epoch)?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses one `Retry-After` value: delay-seconds (fractional ones too, which some
/// vendors send although RFC 9110 does not allow them) or an HTTP-date; a date in the
/// past is zero. `None` when it is neither.
pub(crate) fn retry_after_value(value: &str, now: SystemTime) -> Option<Duration> {
    if let Some((secs, nanos)) = decimal(value) {
        return Some(Duration::new(secs, nanos));
    }
    let when = httpdate::parse_http_date(value.trim()).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `Retry-After`; the longest wait when a vendor sends several.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    const NAME: &str = "retry-after";
    // Not split on commas: an HTTP-date has one.
    lines(headers, NAME)
        .into_iter()
        .filter_map(|v| {
            let d = retry_after_value(v, now);
            if d.is_none() {
                malformed(NAME, v.as_bytes(), "neither seconds nor an HTTP-date");
            }
            d
        })
        .max()
}

/// Each comma-separated element of every field line of `name`, parsed by `parse`;
/// an element that does not parse is logged and kept as `None`, so positions in
/// parallel lists (`X-RateLimit-Limit: 10, 100`) still line up.
fn list<T>(
    headers: &HeaderMap,
    name: &'static str,
    why: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<Option<T>> {
    let mut out = Vec::new();
    for line in lines(headers, name) {
        for element in line.split(',').take(MAX_ITEMS) {
            let v = parse(element);
            if v.is_none() {
                malformed(name, element.as_bytes(), why);
            }
            out.push(v);
        }
    }
    out.truncate(MAX_ITEMS);
    out
}

/// A resource or policy name worth keeping: short, visible ASCII, no separators.
fn name_token(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= MAX_NAME_LEN
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
    ok.then(|| s.to_owned())
}

// ---------------------------------------------------------------------------------
// X-RateLimit-* and X-Rate-Limit-*.

/// The header names of one `X-`-prefixed family.
struct XNames {
    limit: &'static str,
    remaining: &'static str,
    reset: &'static str,
    used: Option<&'static str>,
    resource: Option<&'static str>,
    /// Discord's delta twin of the reset, which wins when both are sent.
    reset_after: Option<&'static str>,
}

const X_RATELIMIT: XNames = XNames {
    limit: "x-ratelimit-limit",
    remaining: "x-ratelimit-remaining",
    reset: "x-ratelimit-reset",
    used: Some("x-ratelimit-used"),
    resource: Some("x-ratelimit-resource"),
    reset_after: Some("x-ratelimit-reset-after"),
};

const X_RATE_LIMIT: XNames = XNames {
    limit: "x-rate-limit-limit",
    remaining: "x-rate-limit-remaining",
    reset: "x-rate-limit-reset",
    used: None,
    resource: None,
    reset_after: None,
};

/// One `X-` family: parallel comma lists, element `i` of each describing window `i`.
fn x_family(
    headers: &HeaderMap,
    names: &XNames,
    now: SystemTime,
    style: ResetStyle,
    out: &mut Vec<Window>,
) {
    const NOT_INT: &str = "not a non-negative integer";
    let limit = list(headers, names.limit, NOT_INT, int);
    let remaining = list(headers, names.remaining, NOT_INT, int);
    let used = names
        .used
        .map_or_else(Vec::new, |n| list(headers, n, NOT_INT, int));
    let reset = list(headers, names.reset, "not a reset time", |v| {
        decimal(v).and_then(|(s, n)| reset_from(s, n, style, now))
    });
    let reset_after = names.reset_after.map_or_else(Vec::new, |n| {
        list(headers, n, "not seconds", |v| {
            decimal(v).map(|(s, n)| Duration::new(s, n))
        })
    });
    let resource = names.resource.and_then(|n| {
        let line = lines(headers, n).into_iter().next()?;
        let name = name_token(line);
        if name.is_none() {
            malformed(n, line.as_bytes(), "not a resource name");
        }
        name
    });
    let count = [
        limit.len(),
        remaining.len(),
        used.len(),
        reset.len(),
        reset_after.len(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let at = |v: &Vec<Option<u64>>, i: usize| v.get(i).copied().flatten();
    for i in 0..count {
        out.push(Window {
            limit: at(&limit, i),
            remaining: at(&remaining, i),
            used: at(&used, i),
            reset: reset_after
                .get(i)
                .copied()
                .flatten()
                .or(reset.get(i).copied().flatten()),
            window: None,
            name: resource.clone(),
        });
    }
}

// ---------------------------------------------------------------------------------
// IETF drafts.

/// One member of a (leniently parsed) structured-field list or dictionary:
/// `key=value;p=1;q=2`, or `value;p=1` when it has no key.
#[derive(Debug)]
struct Member<'a> {
    key: Option<&'a str>,
    value: &'a str,
    params: Vec<(&'a str, &'a str)>,
}

impl Member<'_> {
    fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// The bare item as a name: a quoted string without its quotes, or a token.
    fn name(&self) -> Option<String> {
        let v = self.value.trim();
        let inner = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(v);
        name_token(inner)
    }
}

/// Splits `s` on `sep` outside double quotes (a policy name may hold a comma).
fn split_unquoted(s: &str, sep: u8) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            _ if b == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The members of every field line of `name`, lenient about whitespace.
fn members<'a>(headers: &'a HeaderMap, name: &'static str) -> Vec<Member<'a>> {
    let mut out = Vec::new();
    for line in lines(headers, name) {
        for member in split_unquoted(line, b',').into_iter().take(MAX_ITEMS) {
            let mut parts = split_unquoted(member, b';').into_iter();
            let head = parts.next().unwrap_or_default().trim();
            if head.is_empty() {
                malformed(name, member.as_bytes(), "empty list member");
                continue;
            }
            let (key, value) = match head.split_once('=') {
                Some((k, v)) if !head.starts_with('"') => (Some(k.trim()), v.trim()),
                _ => (None, head),
            };
            let params = parts
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.trim(), v.trim()),
                    None => (p.trim(), ""),
                })
                .collect();
            out.push(Member { key, value, params });
        }
    }
    out.truncate(MAX_ITEMS);
    out
}

/// An integer from a header `name`, logging it when present and malformed.
fn logged_int(name: &'static str, v: Option<&str>) -> Option<u64> {
    let v = v?;
    let n = int(v);
    if n.is_none() {
        malformed(name, v.as_bytes(), "not a non-negative integer");
    }
    n
}

/// A delta-seconds reset (IETF), logging it when present and malformed.
fn logged_reset(name: &'static str, v: Option<&str>, now: SystemTime) -> Option<Duration> {
    let v = v?;
    let d = decimal(v).and_then(|(s, n)| reset_from(s, n, ResetStyle::Auto, now));
    if d.is_none() {
        malformed(name, v.as_bytes(), "not a reset time");
    }
    d
}

/// A policy from `RateLimit-Policy` (or the quota list of an old `RateLimit-Limit`).
#[derive(Debug)]
struct Policy {
    name: Option<String>,
    quota: Option<u64>,
    window: Option<Duration>,
}

const POLICY: &str = "ratelimit-policy";
const RATELIMIT: &str = "ratelimit";
const RL_LIMIT: &str = "ratelimit-limit";
const RL_REMAINING: &str = "ratelimit-remaining";
const RL_RESET: &str = "ratelimit-reset";

/// `"default";q=100;w=60` (draft-08 on) or `100;w=60` (earlier drafts).
fn policies(headers: &HeaderMap) -> Vec<Policy> {
    members(headers, POLICY)
        .into_iter()
        .filter_map(|m| {
            if m.key.is_some() {
                malformed(POLICY, m.value.as_bytes(), "not a policy");
                return None;
            }
            let window = logged_int(POLICY, m.param("w")).map(Duration::from_secs);
            let policy = match int(m.value) {
                Some(quota) => Policy {
                    name: None,
                    quota: Some(quota),
                    window,
                },
                None => Policy {
                    name: m.name(),
                    quota: logged_int(POLICY, m.param("q")),
                    window,
                },
            };
            Some(policy)
        })
        .collect()
}

/// Fills `w`'s limit and window from the policy it refers to: by name, else by the
/// quota equal to its limit, else the only policy there is.
fn attach(w: &mut Window, policies: &[Policy]) {
    let by_name = w
        .name
        .as_ref()
        .and_then(|n| policies.iter().find(|p| p.name.as_ref() == Some(n)));
    let by_quota = || {
        w.limit
            .and_then(|l| policies.iter().find(|p| p.quota == Some(l)))
    };
    let only = || policies.first().filter(|_| policies.len() == 1);
    if let Some(p) = by_name.or_else(by_quota).or_else(only) {
        w.limit = w.limit.or(p.quota);
        w.window = w.window.or(p.window);
    }
}

/// Every IETF form: the separate headers, the draft-07 dictionary, and the
/// structured-field list joined with its policies.
fn ietf(headers: &HeaderMap, now: SystemTime, out: &mut Vec<Window>) {
    let policies = policies(headers);
    let mut found = Vec::new();

    // Drafts 00-06: separate headers; an old RateLimit-Limit may list quota policies
    // after the current limit (`10, 10;w=1, 1000;w=3600`), of which the first counts.
    let limit = members(headers, RL_LIMIT)
        .first()
        .and_then(|m| logged_int(RL_LIMIT, Some(m.value)));
    let remaining = lines(headers, RL_REMAINING)
        .into_iter()
        .next()
        .and_then(|v| logged_int(RL_REMAINING, Some(v)));
    let reset = lines(headers, RL_RESET)
        .into_iter()
        .next()
        .and_then(|v| logged_reset(RL_RESET, Some(v), now));
    let separate = Window {
        limit,
        remaining,
        reset,
        ..Window::default()
    };
    if !separate.is_empty() {
        found.push(separate);
    }

    let items = members(headers, RATELIMIT);
    if items.iter().any(|m| m.key.is_some()) {
        // Draft-07: `limit=100, remaining=50, reset=30`.
        let get = |key: &str| items.iter().find(|m| m.key == Some(key)).map(|m| m.value);
        found.push(Window {
            limit: logged_int(RATELIMIT, get("limit")),
            remaining: logged_int(RATELIMIT, get("remaining")),
            reset: logged_reset(RATELIMIT, get("reset"), now),
            ..Window::default()
        });
    } else {
        // Draft-08 on: `"default";r=50;t=30`, one item per policy.
        for m in &items {
            found.push(Window {
                remaining: logged_int(RATELIMIT, m.param("r")),
                reset: logged_reset(RATELIMIT, m.param("t"), now),
                name: m.name(),
                ..Window::default()
            });
        }
    }

    if found.is_empty() {
        // Only the policies: what the limits are, not where we stand.
        out.extend(policies.into_iter().map(|p| Window {
            limit: p.quota,
            window: p.window,
            name: p.name,
            ..Window::default()
        }));
        return;
    }
    for mut w in found {
        attach(&mut w, &policies);
        out.push(w);
    }
}

// ---------------------------------------------------------------------------------
// Shopify.

/// `X-Shopify-Shop-Api-Call-Limit: 32/40`: requests used of the bucket's size.
fn shopify(headers: &HeaderMap, out: &mut Vec<Window>) {
    const NAME: &str = "x-shopify-shop-api-call-limit";
    let Some(line) = lines(headers, NAME).into_iter().next() else {
        return;
    };
    let parsed = line
        .split_once('/')
        .and_then(|(used, limit)| Some((int(used)?, int(limit)?)));
    match parsed {
        Some((used, limit)) => out.push(Window {
            limit: Some(limit),
            used: Some(used),
            remaining: Some(limit.saturating_sub(used)),
            ..Window::default()
        }),
        None => malformed(NAME, line.as_bytes(), "not used/limit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    /// 2023-11-14T22:13:20Z.
    const NOW_SECS: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW_SECS)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("test header"));
        }
        h
    }

    fn parse(pairs: &[(&'static str, &str)]) -> RateLimitInfo {
        RateLimitInfo::parse(&headers(pairs), now(), ResetStyle::Auto)
    }

    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }

    /// The `portcullis_ratelimit_remaining` gauge shows this field (it had its own
    /// reader before): the IETF field alone, and `X-RateLimit-Remaining` beside it.
    #[test]
    fn remaining_for_the_gauge() {
        assert_eq!(parse(&[]).remaining, None);
        let ietf = ("ratelimit", "\"default\";r=42;t=30");
        assert_eq!(parse(&[ietf]).remaining, Some(42));
        assert_eq!(
            parse(&[ietf, ("x-ratelimit-remaining", "7")]).remaining,
            Some(7)
        );
    }

    #[test]
    fn github_rest_core() {
        // As api.github.com sends them on GET /repos/{owner}/{repo}.
        let info = parse(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4987"),
            ("x-ratelimit-reset", "1700003600"),
            ("x-ratelimit-used", "13"),
            ("x-ratelimit-resource", "core"),
        ]);
        assert_eq!(
            info,
            RateLimitInfo {
                limit: Some(5000),
                remaining: Some(4987),
                used: Some(13),
                reset: secs(3600),
                resource: Some("core".into()),
                ..RateLimitInfo::default()
            }
        );
        assert!(!info.exhausted());
        assert_eq!(info.wait(), None);
    }

    #[test]
    fn github_search_exhausted() {
        let info = parse(&[
            ("x-ratelimit-limit", "30"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000042"),
            ("x-ratelimit-used", "30"),
            ("x-ratelimit-resource", "search"),
        ]);
        assert_eq!(info.limit, Some(30));
        assert_eq!(info.resource.as_deref(), Some("search"));
        assert!(info.exhausted());
        assert_eq!(info.wait(), secs(42));
    }

    #[test]
    fn github_secondary_rate_limit_403() {
        // A 403 for the secondary (abuse) limit: Retry-After, primary quota not spent.
        let info = parse(&[
            ("retry-after", "60"),
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4991"),
            ("x-ratelimit-reset", "1700001000"),
            ("x-ratelimit-used", "9"),
            ("x-ratelimit-resource", "core"),
        ]);
        assert_eq!(info.retry_after, secs(60));
        assert!(!info.exhausted());
        assert_eq!(info.wait(), secs(60));
    }

    #[test]
    fn ietf_structured_fields_with_policy() {
        let info = parse(&[
            ("ratelimit", r#""default";r=50;t=30"#),
            ("ratelimit-policy", r#""default";q=100;w=60"#),
        ]);
        assert_eq!(
            info,
            RateLimitInfo {
                limit: Some(100),
                remaining: Some(50),
                reset: secs(30),
                window: secs(60),
                resource: Some("default".into()),
                ..RateLimitInfo::default()
            }
        );
    }

    #[test]
    fn ietf_several_policies_take_the_lowest_remaining() {
        let info = parse(&[
            ("ratelimit", r#""burst";r=40;t=1, "daily";r=3;t=7200"#),
            (
                "ratelimit-policy",
                r#""burst";q=50;w=1, "daily";q=1000;w=86400"#,
            ),
        ]);
        assert_eq!(info.resource.as_deref(), Some("daily"));
        assert_eq!(info.limit, Some(1000));
        assert_eq!(info.remaining, Some(3));
        assert_eq!(info.reset, secs(7200));
        assert_eq!(info.window, secs(86400));
        // Separate field lines are one list.
        let split = parse(&[
            ("ratelimit", r#""burst";r=0;t=1"#),
            ("ratelimit", r#""daily";r=3;t=7200"#),
        ]);
        assert_eq!(split.resource.as_deref(), Some("burst"));
        assert!(split.exhausted());
    }

    #[test]
    fn ietf_draft_07_dictionary() {
        let info = parse(&[
            ("ratelimit", "limit=100, remaining=50, reset=30"),
            ("ratelimit-policy", "100;w=60"),
        ]);
        assert_eq!(info.limit, Some(100));
        assert_eq!(info.remaining, Some(50));
        assert_eq!(info.reset, secs(30));
        assert_eq!(info.window, secs(60));
    }

    #[test]
    fn ietf_separate_headers() {
        // As express-rate-limit's `draft-6` mode sends them.
        let info = parse(&[
            ("ratelimit-policy", "100;w=900"),
            ("ratelimit-limit", "100"),
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "811"),
        ]);
        assert_eq!(info.limit, Some(100));
        assert_eq!(info.window, secs(900));
        assert_eq!(info.wait(), secs(811));
        // Draft-00's quota list after the current limit.
        let old = parse(&[
            ("ratelimit-limit", "10, 10;w=1, 1000;w=3600"),
            ("ratelimit-remaining", "9"),
        ]);
        assert_eq!((old.limit, old.remaining), (Some(10), Some(9)));
    }

    #[test]
    fn policy_alone_says_what_the_limit_is() {
        let info = parse(&[("ratelimit-policy", r#""default";q=100;w=60"#)]);
        assert_eq!((info.limit, info.window), (Some(100), secs(60)));
        assert_eq!(info.remaining, None);
    }

    #[test]
    fn twitter_x_rate_limit() {
        let info = parse(&[
            ("x-rate-limit-limit", "900"),
            ("x-rate-limit-remaining", "899"),
            ("x-rate-limit-reset", "1700000900"),
        ]);
        assert_eq!(info.limit, Some(900));
        assert_eq!(info.remaining, Some(899));
        assert_eq!(info.reset, secs(900));
    }

    #[test]
    fn http_date_retry_after_on_a_503() {
        let info = parse(&[
            ("content-type", "text/html"),
            ("retry-after", "Tue, 14 Nov 2023 22:15:20 GMT"),
        ]);
        assert_eq!(info.retry_after, secs(120));
        assert_eq!(info.wait(), secs(120));
        let past = parse(&[("retry-after", "Tue, 14 Nov 2023 22:00:00 GMT")]);
        assert_eq!(past.retry_after, Some(Duration::ZERO));
        // RFC 850 and asctime, which RFC 9110 still asks recipients to accept.
        let rfc850 = parse(&[("retry-after", "Tuesday, 14-Nov-23 22:13:30 GMT")]);
        assert_eq!(rfc850.retry_after, secs(10));
        let asctime = parse(&[("retry-after", "Tue Nov 14 22:13:30 2023")]);
        assert_eq!(asctime.retry_after, secs(10));
    }

    #[test]
    fn shopify_without_the_header_is_empty() {
        // A Shopify GraphQL answer: its cost is in the body, no rate-limit header.
        let info = parse(&[
            ("content-type", "application/json; charset=utf-8"),
            ("x-request-id", "0b8c9d1e-2f3a-4b5c-6d7e-8f9a0b1c2d3e"),
            ("x-shopify-api-version", "2024-01"),
        ]);
        assert!(info.is_empty(), "{info:?}");
        assert!(RateLimitInfo::parse(&HeaderMap::new(), now(), ResetStyle::Auto).is_empty());
        // REST: used/limit of the leaky bucket.
        let rest = parse(&[("x-shopify-shop-api-call-limit", "32/40")]);
        assert_eq!(
            (rest.used, rest.limit, rest.remaining),
            (Some(32), Some(40), Some(8))
        );
    }

    #[test]
    fn discord_fractional_resets() {
        let info = parse(&[
            ("x-ratelimit-limit", "5"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000001.5"),
            ("x-ratelimit-reset-after", "1.25"),
        ]);
        assert_eq!(info.reset, Some(Duration::from_millis(1250)));
        let epoch_only = parse(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000001.5"),
        ]);
        assert_eq!(epoch_only.reset, Some(Duration::from_millis(1500)));
    }

    #[test]
    fn reset_styles() {
        let h = |v: &str| headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", v)]);
        let reset = |v: &str, style| RateLimitInfo::parse(&h(v), now(), style).reset;
        assert_eq!(reset("30", ResetStyle::Auto), secs(30));
        assert_eq!(reset("1700000030", ResetStyle::Auto), secs(30));
        assert_eq!(reset("1700000030000", ResetStyle::Auto), secs(30));
        assert_eq!(reset("1700000030000", ResetStyle::EpochSeconds), secs(30));
        assert_eq!(reset("1700000030", ResetStyle::EpochSeconds), secs(30));
        // An epoch style taken at its word: 30 s after 1970 is long past.
        assert_eq!(reset("30", ResetStyle::EpochSeconds), Some(Duration::ZERO));
        assert_eq!(
            reset("1700000030", ResetStyle::DeltaSeconds),
            secs(1_700_000_030)
        );
        // In the past: no wait.
        assert_eq!(reset("1600000000", ResetStyle::Auto), Some(Duration::ZERO));
    }

    #[test]
    fn x_ratelimit_lists_take_the_most_restrictive_window() {
        let info = parse(&[
            ("x-ratelimit-limit", "10, 1000"),
            ("x-ratelimit-remaining", "7, 2"),
            ("x-ratelimit-reset", "1, 3600"),
        ]);
        assert_eq!(
            (info.limit, info.remaining, info.reset),
            (Some(1000), Some(2), secs(3600))
        );
        // Across families too.
        let both = parse(&[
            ("x-ratelimit-remaining", "5"),
            ("ratelimit", r#""default";r=0;t=9"#),
        ]);
        assert_eq!((both.remaining, both.reset), (Some(0), secs(9)));
    }

    #[test]
    fn malformed_values_are_ignored() {
        let info = parse(&[
            ("x-ratelimit-limit", "lots"),
            ("x-ratelimit-remaining", "-1"),
            ("x-ratelimit-reset", "99999999999999999999999"),
            ("x-ratelimit-used", "1e3"),
            ("x-ratelimit-resource", "a b"),
            ("retry-after", "soon"),
            ("ratelimit", r#""default";r=-5;t=abc"#),
            ("ratelimit-policy", r#""default";q=NaN;w=inf"#),
            ("x-shopify-shop-api-call-limit", "40"),
        ]);
        assert_eq!(info.limit, None);
        assert_eq!(info.remaining, None);
        assert_eq!(info.used, None);
        assert_eq!(info.reset, None);
        assert_eq!(info.retry_after, None);
        assert_eq!(info.window, None);

        // Malformed elements do not hide the good ones.
        let partly = parse(&[
            ("x-ratelimit-remaining", "x"),
            ("x-ratelimit-limit", "60"),
            ("retry-after", "never"),
            ("retry-after", "3"),
        ]);
        assert_eq!(partly.limit, Some(60));
        assert_eq!(partly.retry_after, secs(3));

        let mut h = HeaderMap::new();
        h.insert(
            "x-ratelimit-remaining",
            HeaderValue::from_bytes(b"\xff\xfe5").expect("obs-text is allowed"),
        );
        h.insert(
            "ratelimit",
            HeaderValue::from_str(&format!("\"d\";r={}", "9".repeat(5000))).expect("ascii"),
        );
        assert!(RateLimitInfo::parse(&h, now(), ResetStyle::Auto).is_empty());
    }

    #[test]
    fn an_epoch_past_the_clock_is_ignored_not_a_panic() {
        let info = parse(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &u64::MAX.to_string()),
            ("retry-after", &u64::MAX.to_string()),
        ]);
        assert_eq!(info.retry_after, secs(u64::MAX));
        let _ = info.reset;
    }

    #[test]
    fn warns_once_per_header_name() {
        assert!(first_warning("x-test-only-header"));
        assert!(!first_warning("x-test-only-header"));
        assert!(!first_warning("x-test-only-header"));
    }

    /// A `MakeWriter` into a shared buffer, to count log lines.
    #[derive(Clone, Default)]
    struct Buffer(std::sync::Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn garbage_is_logged_at_debug_every_time_and_warned_at_most_once() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(buffer.clone())
            .with_ansi(false)
            .finish();
        // Thread-local: other tests running in parallel do not write here.
        tracing::subscriber::with_default(subscriber, || {
            for _ in 0..3 {
                let info = parse(&[("x-rate-limit-remaining", "plenty")]);
                assert!(info.is_empty());
            }
            let long = "7".repeat(2000);
            assert!(parse(&[("x-rate-limit-limit", &long)]).is_empty());
        });
        let text = String::from_utf8_lossy(&buffer.0.lock().expect("buffer")).into_owned();
        let lines = |level: &str, name: &str| {
            text.lines()
                .filter(|l| l.contains(level) && l.contains(name))
                .count()
        };
        assert_eq!(lines("DEBUG", "x-rate-limit-remaining"), 3, "{text}");
        // The warning is per process: another test may have had it already.
        assert!(lines("WARN", "x-rate-limit-remaining") <= 1, "{text}");
        // A long value is cut short in the log.
        assert!(text.contains("(2000 bytes)"), "{text}");
        assert!(!text.contains(&long_digits()), "{text}");
    }

    fn long_digits() -> String {
        "7".repeat(200)
    }

    /// Header names the parser reads, and some it does not.
    fn header_name() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "retry-after",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-used",
            "x-ratelimit-resource",
            "x-ratelimit-reset-after",
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
            "ratelimit",
            "ratelimit-policy",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "x-shopify-shop-api-call-limit",
            "content-type",
        ])
    }

    /// Arbitrary bytes, and text built from the characters the parsers care about.
    fn header_value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            "[0-9a-z\"=;,./ \\-\\\\]{0,40}".prop_map(String::into_bytes),
            "[0-9]{0,30}(\\.[0-9]{0,12})?".prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 1000..1100),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics(
            pairs in prop::collection::vec((header_name(), header_value()), 0..8),
            now_secs in any::<u32>(),
            style in prop::sample::select(vec![
                ResetStyle::Auto, ResetStyle::EpochSeconds, ResetStyle::DeltaSeconds,
            ]),
        ) {
            let mut h = HeaderMap::new();
            for (name, value) in pairs {
                if let Ok(v) = HeaderValue::from_bytes(&value) {
                    h.append(name, v);
                }
            }
            let now = UNIX_EPOCH + Duration::from_secs(u64::from(now_secs));
            let info = RateLimitInfo::parse(&h, now, style);
            let _ = info.wait();
        }

        #[test]
        fn well_formed_values_round_trip(
            limit in any::<u64>(),
            remaining in any::<u64>(),
            reset in 0..EPOCH_THRESHOLD,
            window in any::<u32>(),
            retry_ms in any::<u32>(),
            family in 0..5u8,
        ) {
            let (l, r, t, w) = (limit.to_string(), remaining.to_string(), reset.to_string(), window.to_string());
            let ra = format!("{}.{:03}", retry_ms / 1000, retry_ms % 1000);
            let mut pairs: Vec<(&'static str, String)> = vec![("retry-after", ra)];
            let mut want_window = None;
            match family {
                0 => pairs.extend([("x-ratelimit-limit", l), ("x-ratelimit-remaining", r), ("x-ratelimit-reset", t)]),
                1 => pairs.extend([("x-rate-limit-limit", l), ("x-rate-limit-remaining", r), ("x-rate-limit-reset", t)]),
                2 => {
                    pairs.extend([
                        ("ratelimit-limit", l.clone()),
                        ("ratelimit-remaining", r),
                        ("ratelimit-reset", t),
                        ("ratelimit-policy", format!("{l};w={w}")),
                    ]);
                    want_window = Some(Duration::from_secs(u64::from(window)));
                }
                3 => {
                    pairs.extend([
                        ("ratelimit", format!("limit={l}, remaining={r}, reset={t}")),
                        ("ratelimit-policy", format!("{l};w={w}")),
                    ]);
                    want_window = Some(Duration::from_secs(u64::from(window)));
                }
                _ => {
                    pairs.extend([
                        ("ratelimit", format!("\"p\";r={r};t={t}")),
                        ("ratelimit-policy", format!("\"p\";q={l};w={w}")),
                    ]);
                    want_window = Some(Duration::from_secs(u64::from(window)));
                }
            }
            let mut h = HeaderMap::new();
            for (k, v) in &pairs {
                h.append(*k, HeaderValue::from_str(v).expect("digits"));
            }
            let info = RateLimitInfo::parse(&h, now(), ResetStyle::Auto);
            prop_assert_eq!(info.limit, Some(limit));
            prop_assert_eq!(info.remaining, Some(remaining));
            prop_assert_eq!(info.reset, Some(Duration::from_secs(reset)));
            prop_assert_eq!(info.window, want_window);
            prop_assert_eq!(info.retry_after, Some(Duration::from_millis(u64::from(retry_ms))));
        }

        #[test]
        fn auto_reset_classifies_epoch_and_delta(
            delta in 0..EPOCH_THRESHOLD,
            ahead in 0..10_000_000u64,
            ms in 0..1000u64,
            behind in 0..(NOW_SECS - EPOCH_THRESHOLD),
        ) {
            let reset = |v: String| {
                let h = headers(&[("x-ratelimit-reset", &v)]);
                RateLimitInfo::parse(&h, now(), ResetStyle::Auto).reset
            };
            // Below 10^9: seconds from now.
            prop_assert_eq!(reset(delta.to_string()), Some(Duration::from_secs(delta)));
            // Epoch seconds: the time left until then.
            prop_assert_eq!(reset((NOW_SECS + ahead).to_string()), Some(Duration::from_secs(ahead)));
            // Epoch milliseconds.
            let at_ms = (NOW_SECS + ahead) * 1000 + ms;
            prop_assert_eq!(
                reset(at_ms.to_string()),
                Some(Duration::from_secs(ahead) + Duration::from_millis(ms))
            );
            // A past epoch is no wait at all.
            prop_assert_eq!(reset((NOW_SECS - behind).to_string()), Some(Duration::ZERO));
        }
    }
}

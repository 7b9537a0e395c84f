//! What the vendor's spec allows an idempotency key to look like, and keys that fit
//! (the rules are on [`KeyShape`]).

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::validate::Pattern;

use super::key::{IdempotencyKey, hex};

/// The bits a shortened key keeps whenever the maximum length allows.
const TARGET_BITS: f64 = 128.0;

/// The constraints of the body field or header an idempotency key goes into, from the
/// spec (`maxLength`, `minLength`, `pattern`, `format: uuid`). Built in `const`
/// context, so generated code declares one `static` per operation.
///
/// Square's `idempotency_key` is at most 45 characters; another vendor wants a UUID or
/// a key matching a pattern. A key that does not fit earns a 400 or 422 on every call,
/// so the key is made to fit:
///
/// 1. **Verbatim** when it fits: `create_payment:order-42`, as [`IdempotencyKey::derive`]
///    has always made it (so keys already in flight across an upgrade do not change).
/// 2. Else the older digest form `create_payment:sha256:<64 hex>`, if that fits.
/// 3. Else a **shortened** key: SHA-256 of the operation and the value, written in the
///    first alphabet the shape accepts (lowercase hex, base62, lowercase or uppercase
///    base36, uppercase hex, digits, base64url), with the `operation:` prefix while it
///    still leaves room for 128 bits, cut to the maximum length. With `format: uuid`, a
///    UUID whose 122 free bits come from the digest.
///
/// The same operation and value give the same key in every process, on every retry and
/// replay. Two different values share a shortened key only if their digests agree on
/// every character kept: with `b` bits kept (128 whenever the maximum length allows:
/// 22 base62 or 32 hex characters), the chance that any two of `n` keys collide is
/// below `n² / 2^(b+1)`; for a trillion keys and 128 bits, about 10⁻¹⁵. When the
/// maximum length is too short for 128 bits, the key keeps as many as fit.
///
/// Random keys (UUIDv4, for calls without a domain value) are reshaped the same way
/// from random bytes when a UUID does not fit.
///
/// # Examples
///
/// ```
/// use portcullis_runtime::{IdempotencyKey, KeyShape};
/// use portcullis_runtime::validate::Pattern;
///
/// static SQUARE: KeyShape = KeyShape::new().max_length(45).min_length(1);
/// let short = IdempotencyKey::derive_shaped("create_payment", "req.order_id", "ord_42", &SQUARE)?;
/// assert_eq!(short.as_str(), "create_payment:ord_42");
/// let uuid = "0b5d3c9e-5f7a-4c1e-9a0e-1f2d3c4b5a69";
/// let long = IdempotencyKey::derive_shaped("create_payment", "req.order_id", uuid, &SQUARE)?;
/// assert!(long.as_str().len() <= 45);
/// assert_eq!(long, IdempotencyKey::derive_shaped("create_payment", "req.order_id", uuid, &SQUARE)?);
///
/// static ALNUM: Pattern = Pattern::new("^[A-Za-z0-9]{16,32}$");
/// static STRICT: KeyShape = KeyShape::new().max_length(32).pattern(&ALNUM);
/// let key = IdempotencyKey::derive_shaped("refund", "req.refund_id", "ORD#1001", &STRICT)?;
/// assert_eq!(ALNUM.is_match(key.as_str()), Ok(true));
/// # Ok::<(), portcullis_runtime::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct KeyShape {
    max_length: Option<usize>,
    min_length: usize,
    pattern: Option<&'static Pattern>,
    uuid: bool,
}

impl KeyShape {
    /// No constraint: keys as [`IdempotencyKey::derive`] and
    /// [`IdempotencyKey::random`] make them.
    pub const fn new() -> Self {
        Self {
            max_length: None,
            min_length: 0,
            pattern: None,
            uuid: false,
        }
    }

    /// The spec's `maxLength`.
    pub const fn max_length(mut self, max: usize) -> Self {
        self.max_length = Some(max);
        self
    }

    /// The spec's `minLength`.
    pub const fn min_length(mut self, min: usize) -> Self {
        self.min_length = min;
        self
    }

    /// The spec's `pattern` (a `static`, compiled once).
    pub const fn pattern(mut self, pattern: &'static Pattern) -> Self {
        self.pattern = Some(pattern);
        self
    }

    /// The spec's `format: uuid`: keys are hyphenated UUIDs.
    pub const fn uuid(mut self) -> Self {
        self.uuid = true;
        self
    }

    /// Whether `key` fits. `Err` when the shape's pattern cannot be compiled.
    pub fn accepts(&self, key: &str) -> Result<bool, Error> {
        let len = key.chars().count();
        if len < self.min_length || self.max_length.is_some_and(|m| len > m) {
            return Ok(false);
        }
        if self.uuid && !(len == 36 && uuid::Uuid::try_parse(key).is_ok()) {
            return Ok(false);
        }
        match self.pattern {
            None => Ok(true),
            Some(p) => p
                .is_match(key)
                .map_err(|e| Error::config(format!("idempotency key shape: {e}"))),
        }
    }

    /// Whether keys of this shape can be made at all, for generators to call at
    /// generation time: `Err` names why not (a maximum length of 3, a pattern no
    /// alphabet satisfies, a UUID that cannot be 36 characters long).
    pub fn check(&self) -> Result<(), Error> {
        IdempotencyKey::derive_shaped(
            "operation",
            "key",
            "a domain value / that needs hashing",
            self,
        )?;
        IdempotencyKey::random_shaped(self).map(|_| ())
    }
}

impl Default for KeyShape {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for KeyShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyShape({self})")
    }
}

impl fmt::Display for KeyShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(m) = self.max_length {
            parts.push(format!("maxLength {m}"));
        }
        if self.min_length > 0 {
            parts.push(format!("minLength {}", self.min_length));
        }
        if let Some(p) = self.pattern {
            parts.push(format!("pattern {}", p.source()));
        }
        if self.uuid {
            parts.push("format uuid".to_owned());
        }
        if parts.is_empty() {
            f.write_str("any")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

impl IdempotencyKey {
    /// The key of one logical call of `operation`, derived from a domain value (the
    /// mapping's `key: req.order_id`; `field` names it in errors), fitted to `shape`
    /// (see [`KeyShape`] for how, and the collision bound).
    ///
    /// An empty or blank value is [`Error::InvalidRequest`]: every such call would
    /// share one key, and the vendor would answer the second with the first's result.
    /// A shape no key can fit is [`Error::Config`].
    pub fn derive_shaped(
        operation: &str,
        field: &str,
        value: &str,
        shape: &KeyShape,
    ) -> Result<Self, Error> {
        if value.trim().is_empty() {
            return Err(Error::invalid_request(
                operation,
                field,
                "a non-empty idempotency key",
                "the value is empty or blank",
            ));
        }
        let legacy = IdempotencyKey::derive(operation, value);
        if shape.accepts(legacy.as_str())? {
            return Ok(legacy);
        }
        // `derive` hashed a value it would not send verbatim; the older digest form
        // is tried as well, since it is what such values used to get.
        let digest_form = format!(
            "{operation}:sha256:{}",
            hex(&Sha256::digest(value.as_bytes()))
        );
        if shape.accepts(&digest_form)? {
            return Ok(IdempotencyKey::from_value(digest_form));
        }
        let mut seed = Sha256::new();
        seed.update(operation.as_bytes());
        seed.update([0]);
        seed.update(value.as_bytes());
        let source = || Bytes::digest(seed.clone().finalize().into());
        fit(shape, Some(operation), source)
            .ok_or_else(|| impossible(operation, shape))
            .map(IdempotencyKey::from_value)
    }

    /// A fresh random key that fits `shape`: a UUIDv4 when that fits, else random
    /// characters in an alphabet the shape accepts.
    pub fn random_shaped(shape: &KeyShape) -> Result<Self, Error> {
        let uuid = IdempotencyKey::random();
        if shape.accepts(uuid.as_str())? {
            return Ok(uuid);
        }
        fit(shape, None, || Bytes::Random)
            .ok_or_else(|| impossible("random key", shape))
            .map(IdempotencyKey::from_value)
    }
}

fn impossible(operation: &str, shape: &KeyShape) -> Error {
    Error::config(format!(
        "{operation}: no idempotency key can fit the spec's shape ({shape}); \
         correct the spec or map the key to another field"
    ))
}

/// Where a shortened key's characters come from.
enum Bytes {
    /// SHA-256(seed ‖ block number), block after block: stable.
    Digest {
        seed: [u8; 32],
        block: u32,
        buf: [u8; 32],
        at: usize,
    },
    Random,
}

impl Bytes {
    fn digest(seed: [u8; 32]) -> Self {
        Bytes::Digest {
            seed,
            block: 0,
            buf: [0; 32],
            at: 32,
        }
    }

    fn next(&mut self) -> u8 {
        match self {
            Bytes::Random => rand::random(),
            Bytes::Digest {
                seed,
                block,
                buf,
                at,
            } => {
                if *at == buf.len() {
                    let mut h = Sha256::new();
                    h.update(*seed);
                    h.update(block.to_be_bytes());
                    *buf = h.finalize().into();
                    *block += 1;
                    *at = 0;
                }
                *at += 1;
                buf[*at - 1]
            }
        }
    }

    fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            *b = self.next();
        }
    }
}

/// The alphabets a shortened key may be written in, most readable first.
const ALPHABETS: [&[u8]; 7] = [
    b"0123456789abcdef",
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    b"0123456789abcdefghijklmnopqrstuvwxyz",
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    b"0123456789ABCDEF",
    b"0123456789",
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
];

/// `n` characters of `alphabet`, each drawn uniformly (bytes beyond the largest
/// multiple of the alphabet's size are skipped).
fn encode(alphabet: &[u8], bytes: &mut Bytes, n: usize) -> String {
    let size = alphabet.len();
    let limit = 256 - 256 % size;
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let b = usize::from(bytes.next());
        if b < limit {
            out.push(char::from(alphabet[b % size]));
        }
    }
    out
}

/// The first key of the shape, trying prefixes and alphabets in order; 128 bits
/// when any candidate keeps them, else the candidate that keeps the most.
fn fit(shape: &KeyShape, operation: Option<&str>, source: impl Fn() -> Bytes) -> Option<String> {
    if shape.uuid {
        let mut raw = [0u8; 16];
        source().fill(&mut raw);
        let uuid = uuid::Builder::from_random_bytes(raw).into_uuid();
        let lower = uuid.hyphenated().to_string();
        let upper = lower.to_ascii_uppercase();
        return [lower, upper]
            .into_iter()
            .find(|k| shape.accepts(k).unwrap_or(false));
    }
    let prefix = operation.map(|op| format!("{op}:"));
    let prefixes: Vec<&str> = prefix.iter().map(String::as_str).chain([""]).collect();
    let mut best: Option<(f64, String)> = None;
    for prefix in prefixes {
        for alphabet in ALPHABETS {
            let per_char = (alphabet.len() as f64).log2();
            let natural = (256.0 / per_char).ceil() as usize;
            let room = shape
                .max_length
                .map_or(natural, |m| m.saturating_sub(prefix.len()));
            let n = natural
                .max(shape.min_length.saturating_sub(prefix.len()))
                .min(room);
            if n == 0 {
                continue;
            }
            let key = format!("{prefix}{}", encode(alphabet, &mut source(), n));
            if !shape.accepts(&key).unwrap_or(false) {
                continue;
            }
            let bits = n as f64 * per_char;
            if bits >= TARGET_BITS {
                return Some(key);
            }
            if best.as_ref().is_none_or(|(b, _)| bits > *b) {
                best = Some((bits, key));
            }
        }
    }
    best.map(|(_, key)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: KeyShape = KeyShape::new().max_length(45);

    #[test]
    fn verbatim_when_it_fits_and_the_old_forms_are_kept() {
        let any = KeyShape::new();
        for value in ["ord_42", "ORD#1001", "x".repeat(300).as_str()] {
            assert_eq!(
                IdempotencyKey::derive_shaped("create_payment", "req.order_id", value, &any)
                    .expect("fits"),
                IdempotencyKey::derive("create_payment", value),
                "an unconstrained shape changes no key"
            );
        }
        let key =
            IdempotencyKey::derive_shaped("create_payment", "f", "ord_42", &SQUARE).expect("fits");
        assert_eq!(key.as_str(), "create_payment:ord_42");
    }

    #[test]
    fn square_keys_fit_45_characters_with_128_bits() {
        let uuid = "0b5d3c9e-5f7a-4c1e-9a0e-1f2d3c4b5a69";
        for value in [uuid, "ORD#1001", &"long-order-id-".repeat(10)] {
            let key =
                IdempotencyKey::derive_shaped("create_payment", "f", value, &SQUARE).expect("fits");
            let k = key.as_str();
            assert!(k.len() <= 45, "{k}");
            let digest = k.strip_prefix("create_payment:").expect("prefix kept");
            // 30 hex characters would be 120 bits: with the prefix, base62 keeps 128.
            assert!(digest.len() >= 22, "{k}");
            assert!(digest.bytes().all(|b| b.is_ascii_alphanumeric()), "{k}");
            assert_eq!(
                key,
                IdempotencyKey::derive_shaped("create_payment", "f", value, &SQUARE).expect("fits"),
                "stable"
            );
        }
        let a = IdempotencyKey::derive_shaped("create_payment", "f", uuid, &SQUARE).expect("a");
        let b = IdempotencyKey::derive_shaped("refund", "f", uuid, &SQUARE).expect("b");
        assert_ne!(
            a.as_str().rsplit(':').next(),
            b.as_str().rsplit(':').next(),
            "the digest covers the operation"
        );
    }

    #[test]
    fn the_first_accepted_alphabet_is_used() {
        static DIGITS: Pattern = Pattern::new("^[0-9]+$");
        const SHAPE: KeyShape = KeyShape::new().max_length(40).pattern(&DIGITS);
        let key = IdempotencyKey::derive_shaped("op", "f", "v", &SHAPE).expect("fits");
        assert_eq!(key.as_str().len(), 40);
        assert!(key.as_str().bytes().all(|b| b.is_ascii_digit()), "{key}");

        static UPPER: Pattern = Pattern::new("^[A-Z0-9]{10,20}$");
        const SHORT: KeyShape = KeyShape::new().max_length(20).pattern(&UPPER);
        let key = IdempotencyKey::derive_shaped("op", "f", "v", &SHORT).expect("fits");
        // 20 base36 characters is the most this shape can hold (103 bits).
        assert_eq!(key.as_str().len(), 20, "{key}");
        assert!(
            key.as_str().bytes().any(|b| b.is_ascii_uppercase()),
            "{key}"
        );
    }

    #[test]
    fn min_length_is_met_with_more_digest() {
        const LONG: KeyShape = KeyShape::new().min_length(100).max_length(120);
        let key = IdempotencyKey::derive_shaped("op", "f", "v", &LONG).expect("fits");
        assert!((100..=120).contains(&key.as_str().len()), "{key}");
        let again = IdempotencyKey::derive_shaped("op", "f", "v", &LONG).expect("fits");
        assert_eq!(key, again);
    }

    #[test]
    fn uuid_shapes_get_uuids() {
        const UUID: KeyShape = KeyShape::new().uuid();
        let key = IdempotencyKey::derive_shaped("op", "f", "order-1", &UUID).expect("fits");
        let parsed = uuid::Uuid::try_parse(key.as_str()).expect("a uuid");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(
            key,
            IdempotencyKey::derive_shaped("op", "f", "order-1", &UUID).expect("fits")
        );
        assert_ne!(
            key,
            IdempotencyKey::derive_shaped("op", "f", "order-2", &UUID).expect("fits")
        );
        let random = IdempotencyKey::random_shaped(&UUID).expect("fits");
        assert!(UUID.accepts(random.as_str()).expect("no pattern"));
    }

    #[test]
    fn random_keys_fit_too() {
        const SHORT: KeyShape = KeyShape::new().max_length(24);
        let a = IdempotencyKey::random_shaped(&SHORT).expect("fits");
        let b = IdempotencyKey::random_shaped(&SHORT).expect("fits");
        assert!(a.as_str().len() <= 24 && b.as_str().len() <= 24);
        assert_ne!(a, b);
        assert_eq!(
            IdempotencyKey::random_shaped(&KeyShape::new())
                .expect("uuid")
                .as_str()
                .len(),
            36
        );
    }

    #[test]
    fn empty_values_and_impossible_shapes_are_errors() {
        for blank in ["", "   ", "\t\n"] {
            let err =
                IdempotencyKey::derive_shaped("create_payment", "req.order_id", blank, &SQUARE)
                    .expect_err("blank");
            assert_eq!(err.kind(), crate::ErrorKind::InvalidRequest);
            assert!(err.to_string().contains("req.order_id"), "{err}");
        }
        static NONE: Pattern = Pattern::new("^#+$");
        let err = KeyShape::new()
            .pattern(&NONE)
            .check()
            .expect_err("no alphabet");
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.to_string().contains("pattern ^#+$"), "{err}");
        assert!(KeyShape::new().uuid().max_length(32).check().is_err());
        assert!(SQUARE.check().is_ok());
        assert!(
            KeyShape::new().max_length(8).check().is_ok(),
            "short, but possible"
        );
    }
}

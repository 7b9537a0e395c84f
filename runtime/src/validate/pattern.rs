//! `pattern`: ECMA-262 regular expressions, as OpenAPI and JSON Schema define them,
//! run with the `regex` crate.
//!
//! JSON Schema patterns are not anchored: a value matches when the expression matches
//! anywhere in it (a spec that means the whole value writes `^...$`). The `regex`
//! crate has no backtracking, so look-around and back-references are not supported:
//! [`pattern_supported`] lets a generator find that out at generation time.
//!
//! Where the two dialects read the same syntax differently, the ECMA meaning is kept
//! by rewriting before compiling: `\d`, `\w` and their negations are ASCII in ECMA
//! (Unicode in `regex`), and `[` inside a class is a literal in ECMA (a nested class
//! in `regex`), as are `&` and `~` (set operators in `regex`). `\b` stays Unicode-aware;
//! it differs only next to non-ASCII letters.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

use crate::error::Error;

/// A spec's pattern, compiled the first time it is used, then shared: declare it as
/// a `static` so each pattern is compiled once per process.
///
/// # Examples
///
/// ```
/// use portcullis_runtime::validate::Pattern;
///
/// static SKU: Pattern = Pattern::new(r"^[A-Z]{3}-\d{4}$");
/// assert_eq!(SKU.is_match("ABC-1234"), Ok(true));
/// assert_eq!(SKU.is_match("ABC-12345"), Ok(false));
/// // Not anchored unless the spec anchors it, as JSON Schema says.
/// static DIGIT: Pattern = Pattern::new(r"\d");
/// assert_eq!(DIGIT.is_match("order 7"), Ok(true));
/// // ECMA's \d is ASCII only.
/// assert_eq!(DIGIT.is_match("٣"), Ok(false));
/// ```
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Result<Regex, String>>,
}

impl Pattern {
    /// The spec's `pattern`, not yet compiled.
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern as the spec wrote it.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches (anywhere in it). `Err` names why the pattern cannot
    /// be compiled (a look-around, a back-reference): [`pattern_supported`] is false
    /// for it, and a generator should not have emitted it.
    pub fn is_match(&self, value: &str) -> Result<bool, String> {
        match self.compiled.get_or_init(|| compile(self.source)) {
            Ok(re) => Ok(re.is_match(value)),
            Err(e) => Err(e.clone()),
        }
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// Whether the runtime can check `pattern` (an ECMA-262 expression from a spec).
/// Generators call this at generation time and leave out (with a diagnostic) the
/// patterns it cannot run rather than emit a check that fails every call.
///
/// ```
/// use portcullis_runtime::validate::pattern_supported;
///
/// assert!(pattern_supported(r"^[a-zA-Z0-9_\-]{1,45}$"));
/// assert!(!pattern_supported(r"^(?!test_).+$"));   // look-ahead
/// assert!(!pattern_supported(r"^(a)\1$"));         // back-reference
/// ```
pub fn pattern_supported(pattern: &str) -> bool {
    compile(pattern).is_ok()
}

/// `pattern`: `value` matches `pattern`. A pattern that cannot be compiled is a
/// [`Error::Config`] (the adapter was generated with a check it cannot run).
pub fn pattern(operation: &str, field: &str, value: &str, pattern: &Pattern) -> Result<(), Error> {
    match pattern.is_match(value) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::invalid_request(
            operation,
            field,
            format!("pattern {}", pattern.source),
            "the value does not match",
        )),
        Err(e) => Err(Error::config(format!(
            "{operation}: the pattern of {field} cannot be checked ({e}); regenerate the adapter"
        ))),
    }
}

fn compile(ecma: &str) -> Result<Regex, String> {
    Regex::new(&translate(ecma)).map_err(|e| match e {
        regex::Error::Syntax(s) => format!(
            "pattern {ecma:?} is not supported: {}",
            s.lines().last().unwrap_or_default()
        ),
        other => format!("pattern {ecma:?} is not supported: {other}"),
    })
}

/// Rewrites the ECMA-262 constructs that the `regex` crate reads differently.
fn translate(ecma: &str) -> String {
    let mut out = String::with_capacity(ecma.len() + 8);
    let mut in_class = false;
    let mut chars = ecma.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') if in_class => out.push_str("0-9"),
                Some('d') => out.push_str("[0-9]"),
                Some('D') => out.push_str("[^0-9]"),
                Some('w') if in_class => out.push_str("0-9A-Za-z_"),
                Some('w') => out.push_str("[0-9A-Za-z_]"),
                Some('W') => out.push_str("[^0-9A-Za-z_]"),
                // ECMA lets any punctuation be escaped, `regex` nearly all; `\/`
                // (from a regex literal) is just a slash.
                Some('/') => out.push('/'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if in_class => out.push_str("\\["),
            '[' => {
                let negated = chars.next_if_eq(&'^').is_some();
                if chars.next_if_eq(&']').is_some() {
                    // ECMA's `[]` matches nothing and `[^]` any character; `regex`
                    // would read the `]` as a literal.
                    out.push_str(if negated {
                        r"[\x{0}-\x{10FFFF}]"
                    } else {
                        r"[^\x{0}-\x{10FFFF}]"
                    });
                    continue;
                }
                in_class = true;
                out.push_str(if negated { "[^" } else { "[" });
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecma_semantics_are_kept() {
        let cases: &[(&str, &str, bool)] = &[
            (r"^\d+$", "123", true),
            (r"^\d+$", "١٢٣", false),
            (r"^\w+$", "abc_9", true),
            (r"^\w+$", "äbc", false),
            (r"^\W$", "ä", true),
            (r"^[\d.]+$", "1.5", true),
            (r"^[\w-]+$", "a-b_c", true),
            (r"^[^\d]+$", "abc", true),
            (r"^[[]$", "[", true),
            (r"^[a&]$", "&", true),
            (r"^[\D]$", "x", true),
            (r"^a[]$", "a", false),
            (r"^a[^]$", "a\n", true),
            (r"^a\/b$", "a/b", true),
            (r"^\u00e9$", "é", true),
            // Not anchored unless written so.
            (r"[0-9]", "abc1", true),
            (r"^[A-Z]{3}$", "EURO", false),
        ];
        for (pattern, value, want) in cases {
            let p = Pattern {
                source: pattern,
                compiled: OnceLock::new(),
            };
            assert_eq!(p.is_match(value), Ok(*want), "{pattern} on {value:?}");
        }
    }

    #[test]
    fn unsupported_patterns_say_so() {
        assert!(!pattern_supported(r"(?=x)"));
        assert!(!pattern_supported(r"(?<!x)y"));
        assert!(!pattern_supported(r"(a)\1"));
        assert!(!pattern_supported(r"[unclosed"));
        static LOOKAHEAD: Pattern = Pattern::new(r"^(?!x)");
        let err = pattern("op", "$.a", "y", &LOOKAHEAD).expect_err("refused");
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.to_string().contains("(?!x)"), "{err}");
    }

    #[test]
    fn a_mismatch_names_field_and_pattern_not_the_value() {
        static CURRENCY: Pattern = Pattern::new("^[A-Z]{3}$");
        assert!(pattern("op", "$.currency", "EUR", &CURRENCY).is_ok());
        let err = pattern("op", "$.currency", "secret-value", &CURRENCY).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "op: request field $.currency breaks pattern ^[A-Z]{3}$: the value does not match (not sent)"
        );
    }

    #[test]
    fn compiled_once() {
        static P: Pattern = Pattern::new("^a+$");
        assert_eq!(P.is_match("aaa"), Ok(true));
        let first = P
            .compiled
            .get()
            .map(|r| r.as_ref().map(|re| re as *const Regex).ok());
        assert_eq!(P.is_match("b"), Ok(false));
        let second = P
            .compiled
            .get()
            .map(|r| r.as_ref().map(|re| re as *const Regex).ok());
        assert_eq!(first, second);
    }
}

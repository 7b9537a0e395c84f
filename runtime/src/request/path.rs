//! The request path: the template's `{name}` placeholders filled as the parameters
//! arrive, so sending reads one finished string.
//!
//! Filling at [`Request::path_param`](super::Request::path_param) rather than at send
//! time keeps no list of parameters: the path is one buffer (made with the first value,
//! remade with each further one), a value short enough is formatted on the stack, and
//! the filled path is sent as it is.

use std::borrow::Cow;
use std::fmt::{self, Display, Write as _};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::Error;

/// Everything but RFC 3986 unreserved characters is encoded in a path segment, so a
/// `/`, `?` or `#` inside a value cannot change which resource is addressed, and a `{`
/// inside one can never be taken for a placeholder.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A template and what has been filled in so far.
#[derive(Clone, Default)]
pub(crate) struct Path {
    /// The template with the placeholders filled so far; `None` until the first value.
    filled: Option<String>,
    /// Parameters given an empty value: their placeholders stay, and sending names
    /// them (an empty segment would silently address the parent resource).
    empty: Vec<Box<str>>,
}

impl Path {
    /// Fills every `{name}` of `template` (as filled so far) with `value`, encoded as
    /// one segment. The first value given for a name is the one sent.
    ///
    /// One out-of-line copy for every call site and value type: generated adapters
    /// call this once per path parameter of every method.
    #[inline(never)]
    pub(crate) fn fill(&mut self, template: &str, name: &str, value: &dyn Display) {
        if self.empty.iter().any(|e| &**e == name) {
            return;
        }
        let mut text = ShortText::default();
        // Display into a buffer cannot fail but for a Display impl that errs, which
        // leaves what it wrote: the value is then what the caller's type produced.
        let _ = write!(text, "{value}");
        let value = text.as_str();
        if value.is_empty() {
            self.empty.push(name.into());
            return;
        }
        let encoded: Cow<'_, str> = utf8_percent_encode(value, PATH_SEGMENT).into();
        let current = self.filled.as_deref().unwrap_or(template);
        let Some(mut at) = find_placeholder(current, name) else {
            return;
        };
        // Rebuilt rather than edited in place: one allocation (the first value's is the
        // one the buffer needed anyway), and straight-line code.
        let mut out = String::with_capacity(current.len() + encoded.len());
        let mut rest = current;
        loop {
            out.push_str(&rest[..at]);
            out.push_str(&encoded);
            rest = &rest[at + name.len() + 2..];
            match find_placeholder(rest, name) {
                Some(next) => at = next,
                None => break,
            }
        }
        out.push_str(rest);
        self.filled = Some(out);
    }

    /// The path to send, or the placeholder still without a value.
    pub(crate) fn finished<'a>(
        &'a self,
        template: &'a str,
        operation: &str,
    ) -> Result<&'a str, Error> {
        let path = self.as_filled(template);
        // A byte search: `{` is ASCII, and `str::find` runs the generic character
        // searcher on every call's path.
        match path.bytes().position(|b| b == b'{') {
            None => Ok(path),
            Some(open) => Err(self.unfilled(&path[open + 1..], template, operation)),
        }
    }

    /// Why the placeholder starting before `after` has no value.
    #[cold]
    #[inline(never)]
    fn unfilled(&self, after: &str, template: &str, operation: &str) -> Error {
        let Some(close) = after.find('}') else {
            return Error::config(format!(
                "{operation}: unclosed '{{' in path template {template}"
            ));
        };
        let name = &after[..close];
        if self.empty.iter().any(|e| &**e == name) {
            // The caller's argument, not the adapter's setup: an empty segment would
            // send the request to another resource (`/repos//pulls`), so it is refused
            // like any value the vendor would refuse.
            return Error::invalid_request(
                operation,
                &format!("path {{{name}}}"),
                "a path segment, which cannot be empty",
                "empty",
            );
        }
        Error::config(format!(
            "{operation}: path parameter {{{name}}} has no value"
        ))
    }

    /// The filled path, for keys that must tell two requests apart (the fallback
    /// cache's): the template with every value given so far.
    pub(crate) fn as_filled<'a>(&'a self, template: &'a str) -> &'a str {
        self.filled.as_deref().unwrap_or(template)
    }
}

/// Where `{name}` starts in `hay`.
fn find_placeholder(hay: &str, name: &str) -> Option<usize> {
    // Bytes, not `str::find`: a template is a few dozen ASCII bytes, and the generic
    // character searcher is a lot of code for every call to run through. `{` is ASCII,
    // so every position found is a character boundary.
    let bytes = hay.as_bytes();
    let name = name.as_bytes();
    (0..bytes.len()).find(|&at| {
        bytes[at] == b'{'
            && bytes[at + 1..].starts_with(name)
            && bytes.get(at + 1 + name.len()) == Some(&b'}')
    })
}

/// A value's text: on the stack up to 64 bytes (ids, numbers), on the heap beyond.
struct ShortText {
    stack: [u8; 64],
    len: usize,
    heap: Option<String>,
}

impl Default for ShortText {
    fn default() -> Self {
        ShortText {
            stack: [0; 64],
            len: 0,
            heap: None,
        }
    }
}

impl ShortText {
    fn as_str(&self) -> &str {
        match &self.heap {
            Some(s) => s,
            // Only whole `&str`s are copied in, so the bytes are UTF-8.
            None => std::str::from_utf8(&self.stack[..self.len]).unwrap_or_default(),
        }
    }
}

impl fmt::Write for ShortText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(heap) = &mut self.heap {
            heap.push_str(s);
        } else if self.len + s.len() <= self.stack.len() {
            self.stack[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
        } else {
            let mut heap = String::with_capacity(self.len + s.len());
            heap.push_str(self.as_str());
            heap.push_str(s);
            self.heap = Some(heap);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(template: &str, params: &[(&str, &str)]) -> Result<String, Error> {
        let mut p = Path::default();
        for (n, v) in params {
            p.fill(template, n, v);
        }
        p.finished(template, "op").map(str::to_owned)
    }

    #[test]
    fn values_fill_their_placeholders_in_any_order() {
        assert_eq!(
            filled("/a/{x}/b/{y}", &[("y", "2"), ("x", "1")]).expect("filled"),
            "/a/1/b/2"
        );
        assert_eq!(
            filled("/a/{x}/b/{x}", &[("x", "7")]).expect("every occurrence"),
            "/a/7/b/7"
        );
        assert_eq!(filled("/plain", &[]).expect("no placeholder"), "/plain");
    }

    #[test]
    fn the_first_value_wins_and_a_brace_in_a_value_is_never_a_placeholder() {
        assert_eq!(
            filled("/a/{x}/{y}", &[("x", "{y}"), ("x", "2"), ("y", "3")]).expect("filled"),
            "/a/%7By%7D/3"
        );
    }

    #[test]
    fn long_values_are_formatted_on_the_heap() {
        let long = "é".repeat(50);
        let mut p = Path::default();
        p.fill("/a/{x}", "x", &long);
        let path = p.finished("/a/{x}", "op").expect("filled");
        assert_eq!(path, format!("/a/{}", "%C3%A9".repeat(50)));
    }

    #[test]
    fn missing_empty_and_unclosed_placeholders_are_named() {
        let missing = filled("/v1/{id}", &[("other", "1")]).expect_err("missing");
        assert!(
            missing.to_string().contains("{id} has no value"),
            "{missing}"
        );
        let empty = filled("/v1/{id}", &[("id", ""), ("id", "late")]).expect_err("empty");
        assert_eq!(empty.kind(), crate::ErrorKind::InvalidRequest);
        assert_eq!(
            empty.to_string(),
            "op: request parameter path {id} breaks a path segment, which cannot be empty: empty (not sent)"
        );
        let unclosed = filled("/v1/{id", &[("id", "x")]).expect_err("unclosed");
        assert!(unclosed.to_string().contains("unclosed"), "{unclosed}");
    }
}

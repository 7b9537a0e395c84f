//! The `Link` header (RFC 8288), as GitHub and many others paginate with it:
//! `<https://api.github.com/repositories/1/issues?page=2>; rel="next", <…>; rel="last"`.
//!
//! Parsed by the RFC's grammar rather than by splitting on commas: a URI may hold
//! commas (inside `<>`), a quoted parameter may hold commas, semicolons and escaped
//! quotes, `rel` may be a token or a quoted list of relation types
//! (`rel="next last"`), names and relation types compare case-insensitively, only the
//! first `rel` of a link counts, and a response may carry several `Link` fields. A
//! malformed link is skipped, not an error: the others may still be good.

use http::HeaderMap;

/// The target of the first link whose relation types include `rel` (ASCII
/// case-insensitive), across every `Link` field of `headers`, as written (resolve it
/// against the request URL yourself; [`crate::paginate::Next::link`] does).
///
/// ```
/// use portcullis_runtime::http::{HeaderMap, HeaderValue};
/// use portcullis_runtime::paginate::link;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("link", HeaderValue::from_static(
///     r#"<https://api.github.com/repositories/1/issues?page=1>; rel="prev first", <https://api.github.com/repositories/1/issues?page=3>; rel="next""#,
/// ));
/// assert_eq!(
///     link::find(&headers, "next").as_deref(),
///     Some("https://api.github.com/repositories/1/issues?page=3")
/// );
/// assert_eq!(link::find(&headers, "last"), None);
/// ```
pub fn find(headers: &HeaderMap, rel: &str) -> Option<String> {
    headers
        .get_all(http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse)
        .find(|link| {
            link.rel.as_deref().is_some_and(|r| {
                r.split_ascii_whitespace()
                    .any(|t| t.eq_ignore_ascii_case(rel))
            })
        })
        .map(|link| link.target)
}

/// One link-value: its target and the value of its first `rel` parameter.
#[derive(Debug, PartialEq)]
struct Link {
    target: String,
    rel: Option<String>,
}

/// Every well-formed link-value of one field, in order.
fn parse(field: &str) -> Vec<Link> {
    let mut links = Vec::new();
    let mut p = Parser {
        s: field.as_bytes(),
        at: 0,
    };
    loop {
        p.skip(|b| b == b',' || is_ws(b));
        if p.done() {
            return links;
        }
        match p.link_value() {
            Some(link) => links.push(link),
            None => p.skip_to_next_value(),
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip(&mut self, what: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&what) {
            self.at += 1;
        }
    }

    fn text(&self, from: usize) -> String {
        String::from_utf8_lossy(&self.s[from..self.at]).into_owned()
    }

    /// `"<" URI-Reference ">" *( OWS ";" OWS link-param )`, up to the `,` or end.
    fn link_value(&mut self) -> Option<Link> {
        if self.peek() != Some(b'<') {
            return None;
        }
        self.at += 1;
        let from = self.at;
        self.skip(|b| b != b'>');
        if self.done() {
            return None;
        }
        let target = self.text(from).trim().to_owned();
        self.at += 1;
        let mut rel = None;
        loop {
            self.skip(is_ws);
            match self.peek() {
                None | Some(b',') => return Some(Link { target, rel }),
                Some(b';') => {
                    self.at += 1;
                    self.skip(is_ws);
                    let (name, value) = self.param()?;
                    if rel.is_none() && name.eq_ignore_ascii_case("rel") {
                        rel = Some(value.unwrap_or_default());
                    }
                }
                Some(_) => return None,
            }
        }
    }

    /// `token BWS [ "=" BWS ( token / quoted-string ) ]`.
    fn param(&mut self) -> Option<(String, Option<String>)> {
        let from = self.at;
        self.skip(is_tchar);
        if self.at == from {
            return None;
        }
        let name = self.text(from);
        self.skip(is_ws);
        if self.peek() != Some(b'=') {
            return Some((name, None));
        }
        self.at += 1;
        self.skip(is_ws);
        if self.peek() == Some(b'"') {
            self.at += 1;
            let mut value = Vec::new();
            loop {
                match self.peek()? {
                    b'"' => {
                        self.at += 1;
                        break;
                    }
                    b'\\' => {
                        self.at += 1;
                        value.push(self.peek()?);
                        self.at += 1;
                    }
                    b => {
                        value.push(b);
                        self.at += 1;
                    }
                }
            }
            return Some((name, Some(String::from_utf8_lossy(&value).into_owned())));
        }
        let from = self.at;
        self.skip(is_tchar);
        Some((name, Some(self.text(from))))
    }

    /// After a malformed link-value: past the next `,` outside `<>` and quotes.
    fn skip_to_next_value(&mut self) {
        let (mut in_uri, mut in_quotes) = (false, false);
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'\\' if in_quotes => self.at += 1,
                b'"' if !in_uri => in_quotes = !in_quotes,
                b'<' if !in_quotes => in_uri = true,
                b'>' if !in_quotes => in_uri = false,
                b',' if !in_uri && !in_quotes => return,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn next(fields: &[&str]) -> Option<String> {
        let mut headers = HeaderMap::new();
        for f in fields {
            headers.append(http::header::LINK, HeaderValue::from_str(f).expect("ascii"));
        }
        find(&headers, "next")
    }

    #[test]
    fn github() {
        assert_eq!(
            next(&[
                r#"<https://api.github.com/repositories/1300192/issues?page=2>; rel="next", <https://api.github.com/repositories/1300192/issues?page=4>; rel="last""#
            ])
            .as_deref(),
            Some("https://api.github.com/repositories/1300192/issues?page=2")
        );
    }

    #[test]
    fn the_grammar_not_a_split_on_commas() {
        let cases: &[(&[&str], Option<&str>)] = &[
            // A comma in the URI and in a quoted parameter.
            (
                &[r#"<https://x.example/a?ids=1,2>; title="a, b; c"; rel=next"#],
                Some("https://x.example/a?ids=1,2"),
            ),
            // Relation types are a space-separated list, case-insensitive.
            (
                &[r#"<https://x.example/3>; rel="last NEXT""#],
                Some("https://x.example/3"),
            ),
            // Only the first rel counts.
            (&[r#"<https://x.example/1>; rel="prev"; rel="next""#], None),
            // Escaped quote inside a quoted string.
            (
                &[r#"<https://x.example/q>; title="say \"hi\", ok"; rel="next""#],
                Some("https://x.example/q"),
            ),
            // Several fields; whitespace everywhere.
            (
                &[
                    r#"<https://x.example/p>;rel="prev""#,
                    r#"  <https://x.example/n> ; rel = "next" "#,
                ],
                Some("https://x.example/n"),
            ),
            // A malformed link is skipped, the next one read.
            (
                &[r#"https://x.example/bad; rel="next", <https://x.example/good>; rel="next""#],
                Some("https://x.example/good"),
            ),
            (&[r#"<https://x.example/unclosed; rel="next""#], None),
            // `rel` without a value, and other parameters without values.
            (&[r#"<https://x.example/a>; rel; anchor"#], None),
            // Other relations only.
            (&[r#"<https://x.example/a>; rel="nextpage""#], None),
            (&[""], None),
        ];
        for (fields, want) in cases {
            assert_eq!(next(fields).as_deref(), *want, "{fields:?}");
        }
    }

    #[test]
    fn parse_reads_every_link() {
        let links = parse(r#"<a>; rel="x", <b>, <c>; rel=y; type="text/html""#);
        let got: Vec<(&str, Option<&str>)> = links
            .iter()
            .map(|l| (l.target.as_str(), l.rel.as_deref()))
            .collect();
        assert_eq!(got, [("a", Some("x")), ("b", None), ("c", Some("y"))]);
    }
}

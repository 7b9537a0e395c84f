//! Emitters: each reads only the plan.

pub mod alerts;
pub mod contract;
pub mod report;
pub mod rust;

/// Text from the spec or the mapping made safe for a generated `///` line: one line,
/// and no Markdown that rustdoc would read as a link or an HTML tag (a vendor title
/// such as `Pay [beta] <v2>` would otherwise be a broken intra-doc link warning in the
/// user's `cargo doc`).
pub(crate) fn doc_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '[' | ']' | '`' | '\\' | '*' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text from the spec for a code span in a generated `///` line: one line, and no
/// backtick that would end the span early.
pub(crate) fn doc_code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_text_neutralises_links_tags_and_line_breaks() {
        assert_eq!(
            doc_text("Pay [beta] <v2>\n*/ `x`"),
            "Pay \\[beta\\] &lt;v2&gt; \\*/ \\`x\\`"
        );
        assert_eq!(doc_code("a`b\nc"), "a'b c");
    }
}

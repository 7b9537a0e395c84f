//! Text for generated files: Markdown cells, durations and shares as docs/runtime.md
//! writes them, and spec text made safe for generated doc comments. Shared by every
//! emitter, so the report, the alert rules and the adapter's docs say things one way.

use std::time::Duration;

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

/// Drops the port's module from type paths: the report names it once, and
/// `crate::domain::PaymentError::Declined` in every cell only hides the variant.
pub(crate) struct Short {
    prefix: String,
}

impl Short {
    pub(crate) fn new(module: &str) -> Self {
        Short {
            prefix: if module.is_empty() {
                String::new()
            } else {
                format!("{module}::")
            },
        }
    }

    pub(crate) fn of(&self, ty: &str) -> String {
        if self.prefix.is_empty() {
            ty.to_string()
        } else {
            ty.replace(&self.prefix, "")
        }
    }
}

/// A duration the way docs/runtime.md writes them: `100 ms`, `5 s`, `10 min`, `24 h`.
pub(crate) fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0 s".into();
    }
    if ms % 1000 != 0 {
        return if ms < 1000 {
            format!("{ms} ms")
        } else {
            format!("{} s", trim_float(d.as_secs_f64()))
        };
    }
    let s = d.as_secs();
    // `24 h` reads better than `1 d`, and is how docs/runtime.md writes it.
    if s % 86_400 == 0 && s > 86_400 {
        format!("{} d", s / 86_400)
    } else if s % 3600 == 0 {
        format!("{} h", s / 3600)
    } else if s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// `per second`, `per day`, or `per 10 s`.
pub(crate) fn fmt_per(d: Duration) -> String {
    match d.as_millis() {
        1_000 => "second".into(),
        60_000 => "minute".into(),
        3_600_000 => "hour".into(),
        86_400_000 => "day".into(),
        _ => fmt_duration(d),
    }
}

/// A share as a percentage: `50%`, `2.5%`.
pub(crate) fn fmt_share(x: f64) -> String {
    format!("{}%", trim_float(x * 100.0))
}

fn trim_float(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `1,000,000`.
pub(crate) fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Inline code that survives a Markdown table: `|` is escaped, and a value holding a
/// backtick gets a longer fence.
pub(crate) fn code(s: &str) -> String {
    let s = s.replace('|', "\\|");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: Vec<String>) -> String {
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
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

    #[test]
    fn formats() {
        assert_eq!(fmt_duration(Duration::from_millis(100)), "100 ms");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(fmt_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(fmt_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(fmt_duration(Duration::from_secs(86_400)), "24 h");
        assert_eq!(fmt_duration(Duration::from_secs(2 * 86_400)), "2 d");
        assert_eq!(fmt_share(0.5), "50%");
        assert_eq!(fmt_share(0.025), "2.5%");
        assert_eq!(fmt_count(1_000_000), "1,000,000");
        assert_eq!(fmt_count(100), "100");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(
            and_list(vec!["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}

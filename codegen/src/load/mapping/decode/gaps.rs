//! Gaps: the lines a mapping marks as undecided, `# FIXME: reason` comments (what
//! `portcullis scaffold` writes) or a `FIXME(hint)` value (what it wrote before).
//!
//! A gap is one diagnostic at its line, whatever else is wrong there: the placeholder
//! on that line is expected not to check, so what validation says about it is noise.
//! Diagnostics at other lines are kept, so a user who fills in half the gaps sees what
//! is wrong with the half they filled.

use crate::error::{Diagnostic, Span};
use crate::load::mapping::GAP;
use crate::load::yaml::{Node, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// One diagnostic per line that holds a `# FIXME` comment or a `FIXME…` value.
pub(super) fn find(file: &Path, text: &str, root: &Node) -> Vec<Diagnostic> {
    let mut by_line: BTreeMap<usize, Diagnostic> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(col) = comment_start(line) else {
            continue;
        };
        let Some(rest) = line[col + 1..].trim_start().strip_prefix(GAP) else {
            continue;
        };
        // `FIXME(hint)` closes its parenthesis; a `FIXME: reason` keeps its own.
        let rest = rest.trim_end();
        let reason = match rest.strip_prefix('(') {
            Some(hint) => hint.strip_suffix(')').unwrap_or(hint),
            None => rest,
        }
        .trim_start_matches([':', ' '])
        .trim_end();
        let message = if reason.is_empty() {
            "an unresolved FIXME".to_string()
        } else {
            format!("an unresolved FIXME: {reason}")
        };
        let span = Span {
            line: i + 1,
            col: line[..col].chars().count() + 1,
        };
        let help = if line.trim_start().starts_with("_:") {
            CATCH_ALL_HELP
        } else {
            "decide, write the line, then delete the `# FIXME` comment"
        };
        by_line.insert(
            span.line,
            Diagnostic::new(file, Some(span), message).help(help),
        );
    }
    let mut values = Vec::new();
    scalar_gaps(root, &mut values);
    for (span, text) in values {
        let hint = text
            .trim_start_matches(GAP)
            .trim_matches(|c| c == '(' || c == ')' || c == ' ');
        let help = if hint.is_empty() {
            "fill it in".to_string()
        } else {
            format!("fill in: {hint}")
        };
        by_line.entry(span.line).or_insert_with(|| {
            Diagnostic::new(
                file,
                Some(span),
                format!("a gap left by `portcullis scaffold`: {text}"),
            )
            .help(help)
        });
    }
    by_line.into_values().collect()
}

/// The help of a gap on a catch-all (`_:`) line: an operation's "no catch-all" error
/// is that same gap, so it is folded into it.
const CATCH_ALL_HELP: &str =
    "decide which variant takes every other error, write it, then delete the `# FIXME` comment";

/// `found` with the diagnostics at a gap's line folded into that gap, plus the gaps.
pub(crate) fn fold(gaps: &[Diagnostic], found: &[Diagnostic]) -> Vec<Diagnostic> {
    let at_gap = |d: &Diagnostic| {
        gaps.iter().any(|g| {
            g.file == d.file && g.span.map(|s| s.line) == d.span.map(|s| s.line) && g.span.is_some()
        })
    };
    // An argument left unused while lines are unfinished is what a gap says already
    // (scaffold writes "not sent to the vendor: …" as a FIXME).
    let unused_argument = |d: &Diagnostic| d.message.ends_with("is not used by this mapping");
    let catch_all_gap = gaps
        .iter()
        .any(|g| g.help.as_deref() == Some(CATCH_ALL_HELP));
    let no_catch_all =
        |d: &Diagnostic| catch_all_gap && d.message.ends_with("there is no catch-all");
    let mut out: Vec<Diagnostic> = gaps.to_vec();
    out.extend(
        found
            .iter()
            .filter(|d| !at_gap(d) && !unused_argument(d) && !no_catch_all(d))
            .cloned(),
    );
    out.sort_by(|a, b| (&a.file, a.span).cmp(&(&b.file, b.span)));
    out.dedup();
    out
}

fn scalar_gaps(node: &Node, out: &mut Vec<(Span, String)>) {
    match &node.value {
        Value::Scalar { text, .. } if text.starts_with(GAP) => out.push((node.span, text.clone())),
        Value::Seq(items) => items.iter().for_each(|i| scalar_gaps(i, out)),
        Value::Map(entries) => {
            for (k, v) in entries {
                scalar_gaps(k, out);
                scalar_gaps(v, out);
            }
        }
        _ => {}
    }
}

/// The byte offset of the `#` that starts a comment on this line, if any: a `#` at the
/// start or after a space, outside quotes. A quoted scalar that runs over several lines
/// is rare in a mapping and is read line by line; a `#` inside its later lines would
/// count as a comment only if it starts with FIXME.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some('"') => match c {
                '\\' => {
                    chars.next();
                }
                '"' => quote = None,
                _ => {}
            },
            Some(_) => {
                if c == '\'' {
                    // `''` is an escaped quote inside a single-quoted scalar.
                    if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
            }
            None => {
                if c == '#' && prev.is_whitespace() {
                    return Some(i);
                }
                if (c == '"' || c == '\'') && (prev.is_whitespace() || "[{,:-?".contains(prev)) {
                    quote = Some(c);
                }
            }
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_start_outside_quotes_after_a_space() {
        assert_eq!(comment_start("# FIXME: x"), Some(0));
        assert_eq!(comment_start("  a: b  # FIXME: x"), Some(8));
        assert_eq!(comment_start("a: b#c"), None);
        assert_eq!(comment_start("a: \"b # c\""), None);
        assert_eq!(comment_start("a: 'it''s # no' # yes"), Some(16));
        assert_eq!(comment_start("a: \"q\\\" # no\" # yes"), Some(14));
        assert_eq!(comment_start("a: don't # yes"), Some(9));
        assert_eq!(comment_start("a: [x, 'y # no'] # yes"), Some(17));
    }

    #[test]
    fn one_gap_per_line_whichever_form() {
        let text =
            "a: \"FIXME(x)\"  # FIXME: the reason\nb: c  # not a gap\n# FIXME\nd: FIXME(y)\n";
        let root = crate::load::yaml::parse(text).expect("yaml");
        let gaps = find(Path::new("m.yaml"), text, &root);
        let lines: Vec<(usize, &str)> = gaps
            .iter()
            .map(|d| (d.span.map(|s| s.line).unwrap_or(0), d.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (1, "an unresolved FIXME: the reason"),
                (3, "an unresolved FIXME"),
                (4, "a gap left by `portcullis scaffold`: FIXME(y)"),
            ]
        );
    }

    #[test]
    fn what_is_wrong_at_a_gap_is_folded_into_it() {
        let at = |line| {
            Diagnostic::new(
                "m.yaml",
                Some(Span { line, col: 3 }),
                format!("line {line}"),
            )
        };
        let mut gap = at(2);
        gap.message = "the gap".into();
        let folded = fold(&[gap], &[at(5), at(2), at(1)]);
        let lines: Vec<&str> = folded.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(lines, ["line 1", "the gap", "line 5"]);
    }

    #[test]
    fn a_reason_keeps_its_closing_parenthesis() {
        let text = "a: \"?\"  # FIXME: E has A, B (or C)\nb: FIXME(hint)  # FIXME(the hint)\n";
        let root = crate::load::yaml::parse(text).expect("yaml");
        let gaps = find(Path::new("m.yaml"), text, &root);
        let messages: Vec<&str> = gaps.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "an unresolved FIXME: E has A, B (or C)",
                "an unresolved FIXME: the hint"
            ]
        );
    }

    #[test]
    fn a_catch_all_gap_takes_in_the_operations_missing_catch_all() {
        let text = "errors:\n  map:\n    _: \"?\"  # FIXME: which variant?\n";
        let root = crate::load::yaml::parse(text).expect("yaml");
        let gaps = find(Path::new("m.yaml"), text, &root);
        let missing = Diagnostic::new(
            "m.yaml",
            Some(Span { line: 9, col: 3 }),
            "errors of get are not all mapped: there is no catch-all",
        );
        let folded = fold(&gaps, std::slice::from_ref(&missing));
        assert_eq!(folded.len(), 1, "{folded:?}");
        // Without a gap on the catch-all, the missing catch-all is reported.
        assert_eq!(fold(&[], &[missing]).len(), 1);
    }
}

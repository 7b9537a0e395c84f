//! The mapping text as it is written: line by line, each line either certain or marked
//! `# FIXME: reason`, with the marked lines counted as they are written.

use crate::load::mapping::GAP;

/// The value written where scaffold has nothing certain to write: quoted, so that YAML
/// reads it as a string, and no valid name, so that `check` fails on that line alone.
pub(super) const PLACEHOLDER: &str = "\"?\"";

/// A line `portcullis scaffold` could not decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixme {
    /// Its 1-based line in the mapping.
    pub line: usize,
    /// Why it is undecided, and what to decide.
    pub reason: String,
}

/// The mapping being written.
#[derive(Debug, Default)]
pub(super) struct Out {
    text: String,
    lines: usize,
    fixmes: Vec<Fixme>,
}

impl Out {
    /// A certain line.
    pub(super) fn line(&mut self, text: &str) {
        if text.is_empty() {
            self.text.push('\n');
            self.lines += 1;
        }
        for l in text.lines() {
            self.text.push_str(l.trim_end());
            self.text.push('\n');
            self.lines += 1;
        }
    }

    /// A line that needs a decision: `text  # FIXME: reason`.
    pub(super) fn fixme(&mut self, text: &str, reason: &str) {
        let reason = one_line(reason);
        self.lines += 1;
        self.text.push_str(text.trim_end());
        self.text.push_str(&format!("  # {GAP}: {reason}\n"));
        self.fixmes.push(Fixme {
            line: self.lines,
            reason,
        });
    }

    /// A line that holds only a `# FIXME: reason` comment, indented by `indent`.
    pub(super) fn note(&mut self, indent: usize, reason: &str) {
        let reason = one_line(reason);
        self.lines += 1;
        self.text
            .push_str(&format!("{:indent$}# {GAP}: {reason}\n", ""));
        self.fixmes.push(Fixme {
            line: self.lines,
            reason,
        });
    }

    /// `key: value` at `indent`, marked when `reason` is given.
    pub(super) fn entry(&mut self, indent: usize, key: &str, value: &str, reason: Option<&str>) {
        let text = format!("{:indent$}{}: {value}", "", yaml_key(key));
        match reason {
            Some(r) => self.fixme(&text, r),
            None => self.line(&text),
        }
    }

    /// Lines written separately (parameters before their heading is known), appended.
    pub(super) fn append(&mut self, other: Out) {
        self.text.push_str(&other.text);
        for f in other.fixmes {
            self.fixmes.push(Fixme {
                line: f.line + self.lines,
                reason: f.reason,
            });
        }
        self.lines += other.lines;
    }

    /// Whether nothing was written.
    pub(super) fn is_empty(&self) -> bool {
        self.lines == 0
    }

    pub(super) fn finish(self) -> (String, Vec<Fixme>) {
        (self.text, self.fixmes)
    }
}

fn one_line(reason: &str) -> String {
    reason.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quotes a key or value YAML would misread (numbers, booleans, punctuation).
pub(super) fn yaml_key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !k.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
        );
    if plain {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// Quotes a value YAML would misread; URLs, paths and names stay plain.
pub(super) fn yaml_value(v: &str) -> String {
    let plain = v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '@' | '+'))
        && v.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '_' | '/' | '.'))
        && !v.ends_with(':')
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | ".nan"
        );
    if plain {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_lines_are_counted_where_they_are_written() {
        let mut out = Out::default();
        out.line("a: 1\nb:");
        out.entry(2, "c", PLACEHOLDER, Some("no argument\n is named c"));
        out.note(2, "d is not sent");
        out.entry(2, "yes", "x", None);
        let (text, fixmes) = out.finish();
        assert_eq!(
            text,
            "a: 1\nb:\n  c: \"?\"  # FIXME: no argument is named c\n  # FIXME: d is not sent\n  \"yes\": x\n"
        );
        let lines: Vec<usize> = fixmes.iter().map(|f| f.line).collect();
        assert_eq!(lines, [3, 4]);
    }

    #[test]
    fn keys_yaml_would_misread_are_quoted() {
        for (k, want) in [
            ("amount", "amount"),
            ("Idempotency-Key", "Idempotency-Key"),
            ("200", "\"200\""),
            ("No", "\"No\""),
            ("_", "_"),
            ("a b", "\"a b\""),
            ("-x", "\"-x\""),
        ] {
            assert_eq!(yaml_key(k), want);
        }
        for (v, want) in [
            ("https://api.example.com/v1", "https://api.example.com/v1"),
            ("../specs/x.json", "../specs/x.json"),
            (".inf", "\".inf\""),
            ("specs/x.json", "specs/x.json"),
            ("on", "\"on\""),
            ("a b", "\"a b\""),
        ] {
            assert_eq!(yaml_value(v), want);
        }
    }
}

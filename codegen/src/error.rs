//! Diagnostics for everything a user can get wrong, and the crate's error type.
//!
//! A [`Diagnostic`] points at a place in a user's file (the mapping, the spec, the
//! domain source) in rustc's style: `file:line:col: message`, then a `help:` line.
//! Validation collects every diagnostic it can find before failing, so a user fixes
//! a whole mapping in one round instead of one mistake per run.

use std::fmt;
use std::path::PathBuf;

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// One problem found in the user's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// Where in that file, when known.
    pub span: Option<Span>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `span` in `file`.
    pub fn new(file: impl Into<PathBuf>, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            span,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl Diagnostic {
    /// The diagnostic as `warning: file:line:col: …` (its `Display` says `error:`).
    pub fn as_warning(&self) -> String {
        let text = self.to_string();
        match text.strip_prefix("error: ") {
            Some(rest) => format!("warning: {rest}"),
            None => text,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.file.display())?;
        if let Some(span) = self.span {
            write!(f, ":{}:{}", span.line, span.col)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// A non-empty list of diagnostics, printed one after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "\n{n} error{} found", if n == 1 { "" } else { "s" })
    }
}

/// Everything that can stop generation.
///
/// `Debug` prints what `Display` does, so a build script whose `main` returns this error
/// (`fn main() -> Result<(), Box<dyn std::error::Error>>`, which prints `Error: {:?}`)
/// shows the diagnostics as `portcullis check` prints them; the parts stay reachable
/// through [`Error::diagnostics`] and the variants.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The inputs have mistakes; each diagnostic names its file and place.
    #[error("{0}")]
    Invalid(Diagnostics),
    /// The emitter produced something that is not Rust: a bug in Portcullis, please report it.
    #[error(
        "internal error: generated code does not parse ({0}); please report this with the mapping"
    )]
    Emit(String),
    /// A report or alert template failed to render: a bug in Portcullis, please report it.
    #[error(
        "internal error: template {template} failed to render ({message}); please report this with the mapping"
    )]
    Template {
        /// The template file.
        template: String,
        /// What minijinja said.
        message: String,
    },
    /// The builder was used without a required setting.
    #[error("builder: {0}")]
    Builder(String),
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // After `Error: `, the diagnostics start on lines of their own, as rustc's do.
            Error::Invalid(d) => write!(f, "the adapter was not generated\n{d}"),
            other => fmt::Display::fmt(other, f),
        }
    }
}

impl Error {
    /// One diagnostic as an error.
    pub fn one(d: Diagnostic) -> Self {
        Error::Invalid(Diagnostics(vec![d]))
    }

    /// The diagnostics behind this error, if it is a validation error.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Invalid(d) => &d.0,
            _ => &[],
        }
    }
}

/// Collects diagnostics while a phase keeps going.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) items: Vec<Diagnostic>,
}

impl Sink {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, Error> {
        if self.items.is_empty() {
            Ok(value)
        } else {
            Err(self.fail())
        }
    }

    /// The collected diagnostics as an error, sorted by place (callers know there is one).
    pub(crate) fn fail(self) -> Error {
        let mut items = self.items;
        items.sort_by(|a, b| (&a.file, a.span).cmp(&(&b.file, b.span)));
        items.dedup();
        Error::Invalid(Diagnostics(items))
    }
}

/// The closest name to `wanted` among `candidates`, for "did you mean" help.
pub(crate) fn nearest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&wanted.to_lowercase(), &c.to_lowercase());
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean 'x'?` or a list of what is valid.
pub(crate) fn suggest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match nearest(wanted, candidates.clone()) {
        Some(n) => format!("did you mean '{n}'?"),
        None => {
            let mut all: Vec<&str> = candidates.into_iter().collect();
            all.sort_unstable();
            all.dedup();
            if all.is_empty() {
                "there is nothing to choose from here".to_string()
            } else if all.len() > 12 {
                format!("valid names include: {}, …", all[..12].join(", "))
            } else {
                format!("valid names: {}", all.join(", "))
            }
        }
    }
}

/// The help for a value the spec does not list: the nearest text for strings, and
/// every code for integers (the nearest of `3` among `1, 2, 4` is a guess, not a
/// spelling fix).
pub(crate) fn suggest_value(wanted: &str, listed: &[String], integer: bool) -> String {
    if integer {
        format!("the spec lists {}", listed.join(", "))
    } else {
        suggest(wanted, listed.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_the_diagnostics_as_check_does() {
        let e = Error::Invalid(Diagnostics(vec![
            Diagnostic::new(
                "m.yaml",
                Some(Span { line: 3, col: 7 }),
                "no variant 'Payed'",
            )
            .help("did you mean 'Paid'?"),
        ]));
        // What `main` returning this error prints.
        let printed = format!("Error: {e:?}");
        assert_eq!(
            printed,
            "Error: the adapter was not generated\nerror: m.yaml:3:7: no variant 'Payed'\n  help: did you mean 'Paid'?\n1 error found"
        );
        assert!(format!("{e:?}").ends_with(&e.to_string()));
        let io = Error::Io {
            path: "x.yaml".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        };
        assert_eq!(format!("{io:?}"), "x.yaml: gone");
    }
}

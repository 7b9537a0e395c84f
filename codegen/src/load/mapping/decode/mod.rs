//! Decoding a mapping file from the spanned YAML tree of `yaml.rs`, by hand, so that
//! every mistake, an unknown key included, points at its line and column and suggests
//! the nearest valid key. Decoding keeps going after a mistake and reports all of them.
//!
//! One file per section of the file: `auth`, `limits` (with `health`), `policies`,
//! `operations` (with `errors`), `types`. This file holds the top level and the
//! scalar readers every section shares.

mod auth;
pub(crate) mod gaps;
pub(crate) mod keys;
mod limits;
mod operations;
mod paginate;
mod policies;
mod settings;
mod types;
mod webhooks;

use super::model::*;
use crate::error::{Diagnostic, Error, Sink, Span, suggest};
use crate::load::openapi::sha256_hex;
use crate::load::yaml::{self, Node, Value};
use std::path::Path;
use std::time::Duration;

impl Mapping {
    /// Reads and decodes a mapping file.
    pub fn load(path: &Path) -> Result<Mapping, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Mapping::from_bytes(path, &bytes)
    }

    /// Decodes a mapping from bytes; `path` is used in diagnostics and to resolve relative paths.
    ///
    /// A mapping with gaps (`# FIXME` lines) is refused; [`Mapping::from_bytes_with_gaps`]
    /// returns it with its gaps, for `check` to validate the rest.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Mapping, Error> {
        let (m, gaps) = Mapping::from_bytes_with_gaps(path, bytes)?;
        if gaps.is_empty() {
            Ok(m)
        } else {
            Err(Error::Invalid(crate::error::Diagnostics(gaps)))
        }
    }

    /// Reads a mapping file that may still have gaps: see [`Mapping::from_bytes_with_gaps`].
    pub fn load_with_gaps(path: &Path) -> Result<(Mapping, Vec<Diagnostic>), Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Mapping::from_bytes_with_gaps(path, &bytes)
    }

    /// Decodes a mapping and lists its gaps, one diagnostic per `# FIXME` line. A
    /// decoding mistake fails with the gaps and the mistakes at other lines.
    pub fn from_bytes_with_gaps(
        path: &Path,
        bytes: &[u8],
    ) -> Result<(Mapping, Vec<Diagnostic>), Error> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::one(
                Diagnostic::new(path, None, format!("the mapping is not UTF-8 text ({e})"))
                    .help("save it as UTF-8"),
            )
        })?;
        let root = yaml::parse(text).map_err(|e| Error::one(e.diagnostic(path, "the mapping")))?;
        let mut d = Decoder {
            file: path,
            sink: Sink::default(),
        };
        let gaps = gaps::find(path, text, &root);
        let m = d.mapping(&root, sha256_hex(bytes));
        match m {
            Some(m) if d.sink.is_empty() => Ok((m, gaps)),
            _ => {
                if d.sink.is_empty() {
                    d.sink.push(
                        Diagnostic::new(
                            path,
                            Some(root.span),
                            "the mapping file is empty or not a mapping",
                        )
                        .help("start from `portcullis scaffold` or docs/mapping.md"),
                    );
                }
                let found = d.sink.items;
                Err(Error::Invalid(crate::error::Diagnostics(gaps::fold(
                    &gaps, &found,
                ))))
            }
        }
    }
}

pub(super) struct Decoder<'a> {
    file: &'a Path,
    sink: Sink,
}

impl Decoder<'_> {
    fn err(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.sink
            .push(Diagnostic::new(self.file, Some(span), msg).help(help));
    }

    /// The entries of a mapping node, reporting keys not in `allowed` (when given).
    fn entries<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: Option<&[&str]>,
    ) -> Vec<(Spanned<String>, &'n Node)> {
        let Some(entries) = node.as_map() else {
            if !matches!(node.value, Value::Null) {
                self.err(
                    node.span,
                    format!("{what} should be a mapping, found {}", node.kind()),
                    "write it as `key: value` lines",
                );
            }
            return Vec::new();
        };
        let mut out: Vec<(Spanned<String>, &Node)> = Vec::new();
        for (k, v) in entries {
            let Some(key) = k.as_str() else {
                self.err(
                    k.span,
                    format!("a key in {what} is {} instead of a name", k.kind()),
                    "use a plain name as the key",
                );
                continue;
            };
            if let Some(allowed) = allowed {
                if !allowed.contains(&key) {
                    self.err(
                        k.span,
                        format!("unknown key '{key}' in {what}"),
                        suggest(key, allowed.iter().copied()),
                    );
                    continue;
                }
            }
            if out.iter().any(|(seen, _)| seen.value == key) {
                self.err(
                    k.span,
                    format!("key '{key}' appears twice in {what}"),
                    "keep one of them",
                );
                continue;
            }
            out.push((Spanned::new(key.to_string(), k.span), v));
        }
        out
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match node.as_str() {
            Some(s) => Some(Spanned::new(s.to_string(), node.span)),
            None => {
                self.err(
                    node.span,
                    format!("{what} should be a string, found {}", node.kind()),
                    "write a single value",
                );
                None
            }
        }
    }

    fn number<T: std::str::FromStr>(&mut self, node: &Node, what: &str) -> Option<T> {
        match node.as_str().map(|s| s.parse::<T>()) {
            Some(Ok(n)) => Some(n),
            _ => {
                self.err(
                    node.span,
                    format!("{what} should be a number, found {}", describe(node)),
                    "write a number such as 3",
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.as_str() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => {
                self.err(
                    node.span,
                    format!("{what} should be true or false, found {}", describe(node)),
                    "write true or false",
                );
                None
            }
        }
    }

    fn duration(&mut self, node: &Node, what: &str) -> Option<Duration> {
        let text = node.as_str().unwrap_or_default();
        match parse_duration(text) {
            Some(d) => Some(d),
            None => {
                self.err(
                    node.span,
                    format!("{what} should be a duration, found {}", describe(node)),
                    "write a number with a unit: ms, s, m, h or d (for example 250ms, 5s, 1d)",
                );
                None
            }
        }
    }

    fn required<'n>(
        &mut self,
        entries: &[(Spanned<String>, &'n Node)],
        key: &str,
        at: Span,
        what: &str,
    ) -> Option<&'n Node> {
        let found = entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| *v);
        if found.is_none() {
            self.err(
                at,
                format!("{what} is missing the required key '{key}'"),
                format!("add `{key}: …`"),
            );
        }
        found
    }

    fn share(&mut self, node: &Node, what: &str) -> Option<f64> {
        let n: f64 = self.number(node, what)?;
        if (0.0..=1.0).contains(&n) {
            Some(n)
        } else {
            self.err(
                node.span,
                format!("{what} should be a share between 0 and 1, found {n}"),
                "write for example 0.8",
            );
            None
        }
    }

    fn status(&mut self, node: &Node) -> Option<u16> {
        match node.as_str().and_then(|s| s.parse::<u16>().ok()) {
            Some(s) if (100..=599).contains(&s) => Some(s),
            _ => {
                self.err(
                    node.span,
                    format!("{} is not an HTTP status", describe(node)),
                    "use a number from 100 to 599",
                );
                None
            }
        }
    }

    fn mapping(&mut self, root: &Node, sha256: String) -> Option<Mapping> {
        // A spec given where the mapping goes: one clear error, not one per key.
        let spec_key = root.as_map().and_then(|m| {
            m.iter()
                .map(|(k, _)| k)
                .find(|k| matches!(k.as_str(), Some("openapi" | "swagger")))
        });
        if let Some(k) = spec_key {
            self.err(
                k.span,
                "this is an OpenAPI spec, not a mapping file",
                "give the mapping (the YAML file with `adapter:`, `spec:` and `operations:`); it names its spec under `spec:`",
            );
            return None;
        }
        let top = self.entries(root, "the mapping file", Some(keys::TOP));
        root.as_map()?;
        let get = |k: &str| top.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        if let Some(v) = get("version") {
            if v.as_str() != Some("1") {
                self.err(
                    v.span,
                    format!("unsupported mapping format version {}", describe(v)),
                    "this Portcullis reads `version: 1`",
                );
            }
        }
        let adapter = self
            .required(&top, "adapter", root.span, "the mapping")
            .and_then(|n| self.string(n, "adapter"));
        let implements = self
            .required(&top, "implements", root.span, "the mapping")
            .and_then(|n| self.implements(n));
        let spec = self
            .required(&top, "spec", root.span, "the mapping")
            .and_then(|n| self.string(n, "spec"));
        let overlays = match get("overlays") {
            None => Vec::new(),
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(|i| self.string(i, "overlays"))
                    .collect(),
                None => self.string(n, "overlays").into_iter().collect(),
            },
        };
        let base_url = self
            .required(&top, "base_url", root.span, "the mapping")
            .and_then(|n| self.string(n, "base_url"));
        if let Some(b) = &base_url {
            if !(b.value.starts_with("https://") || b.value.starts_with("http://")) {
                self.err(
                    b.span,
                    format!("base_url '{}' is not an http(s) URL", b.value),
                    "write it as https://host[/prefix]",
                );
            }
        }
        let auth = get("auth").and_then(|n| self.auth(n));
        let settings = get("settings")
            .map(|n| self.settings(n))
            .unwrap_or_default();
        let headers = get("headers")
            .map(|n| self.headers(n, "headers"))
            .unwrap_or_default();
        let limits = get("limits").map(|n| self.limits(n)).unwrap_or_default();
        let health = get("health").map(|n| self.health(n));
        let defaults = get("defaults")
            .map(|n| self.policies(n, "defaults", &[]))
            .unwrap_or_default();
        let errors = get("errors").map(|n| self.errors(n)).unwrap_or_default();
        let (operations, unsupported) = match get("operations") {
            Some(n) => self.operations(n),
            None => {
                self.err(
                    root.span,
                    "the mapping has no `operations:`",
                    "map each method of the port under `operations:`",
                );
                (Vec::new(), Vec::new())
            }
        };
        let types = get("types").map(|n| self.types(n)).unwrap_or_default();
        let webhooks = get("webhooks").and_then(|n| self.webhooks(n));
        Some(Mapping {
            path: self.file.to_path_buf(),
            sha256,
            adapter: adapter?,
            implements: implements?,
            spec: spec?,
            overlays,
            base_url: base_url?,
            auth,
            settings,
            headers,
            limits,
            health,
            defaults,
            errors,
            operations,
            unsupported,
            types,
            webhooks,
        })
    }

    fn implements(&mut self, node: &Node) -> Option<Implements> {
        let e = self.entries(node, "implements", Some(keys::IMPLEMENTS));
        let port = self
            .required(&e, "port", node.span, "implements")
            .and_then(|n| self.string(n, "implements.port"));
        let source = self
            .required(&e, "source", node.span, "implements")
            .and_then(|n| self.string(n, "implements.source"));
        let module = match e.iter().find(|(k, _)| k.value == "module") {
            Some((_, n)) => self.string(n, "implements.module"),
            None => Some(Spanned::new("crate::domain".to_string(), node.span)),
        };
        Some(Implements {
            port: port?,
            source: source?,
            module: module?,
        })
    }
}

fn describe(node: &Node) -> String {
    match node.as_str() {
        Some(s) => format!("'{s}'"),
        None => node.kind().to_string(),
    }
}

/// Parses `250ms`, `5s`, `1m`, `2h`, `1d`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = text.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return None,
    };
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests;

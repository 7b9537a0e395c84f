//! A YAML tree that remembers where every node came from.
//!
//! Mapping diagnostics must point at a line and column, which serde-based YAML crates
//! throw away; so the mapping is read into this tree from yaml-rust2's marked events,
//! and decoded by hand in `mapping.rs`. Specs written in YAML go through the same tree
//! and are turned into `serde_json::Value`.

use crate::error::{Diagnostic, Span};
use crate::load::limits::Limits;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub span: Span,
    /// The value.
    pub value: Value,
}

/// The shapes a YAML node can take.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar; `quoted` is true when it was written in quotes (so `"1"` stays a string).
    Scalar {
        /// The text.
        text: String,
        /// Written in quotes.
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
    /// `~`, `null` or an empty value.
    Null,
}

impl Node {
    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// A short name of the node's shape, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Null => "nothing",
        }
    }

    /// Converts to JSON with YAML 1.2 core-schema typing of plain scalars.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Scalar { text, quoted: true } => J::String(text.clone()),
            Value::Scalar {
                text,
                quoted: false,
            } => plain_scalar(text),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    let key = k
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| k.to_json().to_string());
                    m.insert(key, v.to_json());
                }
                J::Object(m)
            }
        }
    }
}

fn plain_scalar(text: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match text {
        "true" | "True" | "TRUE" => return J::Bool(true),
        "false" | "False" | "FALSE" => return J::Bool(false),
        "null" | "Null" | "NULL" | "~" | "" => return J::Null,
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return J::from(i);
    }
    if text.chars().any(|c| c.is_ascii_digit())
        && !text
            .chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        if let Ok(f) = text.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return J::Number(n);
            }
        }
    }
    J::String(text.to_owned())
}

/// A YAML syntax error, or a bound of [`Limits`] reached, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub span: Span,
    /// What it said.
    pub message: String,
    /// For a bound reached (the text may be valid YAML): how to get past it.
    pub limit_help: Option<String>,
}

impl SyntaxError {
    /// The diagnostic for this error in `file`, which holds `what` ("the spec", "the mapping").
    pub fn diagnostic(&self, file: &std::path::Path, what: &str) -> Diagnostic {
        match &self.limit_help {
            Some(help) => {
                Diagnostic::new(file, Some(self.span), format!("{what} {}", self.message))
                    .help(help.clone())
            }
            None => Diagnostic::new(
                file,
                Some(self.span),
                format!("{what} is not valid YAML: {}", self.message),
            )
            .help("fix the YAML syntax at that place"),
        }
    }
}

/// Parses one YAML document under the bounds of a mapping ([`Limits::MAPPING`]). An
/// empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    parse_with(text, &Limits::MAPPING)
}

/// Parses one YAML document (the first, if the text holds several), refusing one that
/// nests deeper, or expands (aliases included) to more values, than `limits` allow.
///
/// ```
/// use portcullis_codegen::load::{limits::Limits, yaml};
/// let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
///               c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
/// let small = Limits { max_depth: 128, max_nodes: 100_000, max_alias_nodes: 1_000 };
/// let e = yaml::parse_with(laughs, &small).expect_err("refused");
/// assert!(e.message.contains("aliases"), "{}", e.message);
/// ```
pub fn parse_with(text: &str, limits: &Limits) -> Result<Node, SyntaxError> {
    let mut builder = TreeBuilder::new(*limits);
    let mut parser = Parser::new_from_str(text);
    // Events are pulled one by one (yaml-rust2's `load` recurses once per nesting level,
    // before any bound could stop it) and the tree is built on an explicit stack.
    loop {
        let (ev, mark) = parser.next_token().map_err(|e| SyntaxError {
            span: span_of(e.marker()),
            message: e.info().to_string(),
            limit_help: None,
        })?;
        match ev {
            Event::StreamEnd => break,
            // The first document only, as yaml-rust2's `load(_, false)` reads.
            Event::DocumentEnd if builder.root.is_some() => break,
            ev => builder.on_event(ev, mark)?,
        }
    }
    Ok(builder.root.unwrap_or(Node {
        span: Span { line: 1, col: 1 },
        value: Value::Null,
    }))
}

fn span_of(m: &Marker) -> Span {
    Span {
        line: m.line().max(1),
        col: m.col() + 1,
    }
}

/// How big a node is: its values (itself included) and its nesting of collections.
#[derive(Debug, Clone, Copy)]
struct Weight {
    nodes: usize,
    height: usize,
}

enum Frame {
    Seq(Span, Vec<Node>),
    Map(Span, Vec<(Node, Node)>, Option<Node>),
}

struct TreeBuilder {
    limits: Limits,
    /// Open collections, each with its anchor and its weight so far.
    stack: Vec<(Frame, usize, Weight)>,
    anchors: Vec<(usize, Node, Weight)>,
    root: Option<Node>,
    /// Values in the tree so far, aliases expanded.
    nodes: usize,
    /// Values copied by aliases so far.
    alias_nodes: usize,
}

impl TreeBuilder {
    fn new(limits: Limits) -> Self {
        TreeBuilder {
            limits,
            stack: Vec::new(),
            anchors: Vec::new(),
            root: None,
            nodes: 0,
            alias_nodes: 0,
        }
    }

    fn complete(&mut self, node: Node, anchor: usize, w: Weight) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone(), w));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some((frame, _, parent)) => {
                parent.nodes += w.nodes;
                parent.height = parent.height.max(w.height + 1);
                match frame {
                    Frame::Seq(_, items) => items.push(node),
                    Frame::Map(_, entries, pending) => match pending.take() {
                        None => *pending = Some(node),
                        Some(key) => entries.push((key, node)),
                    },
                }
            }
        }
    }

    /// Counts `w` more values at `span`, refusing what goes past the bounds.
    fn grow(&mut self, span: Span, w: Weight, alias: bool) -> Result<(), SyntaxError> {
        let limit = |message: String, help: String| SyntaxError {
            span,
            message,
            limit_help: Some(help),
        };
        if self.stack.len() + w.height > self.limits.max_depth {
            return Err(limit(
                format!(
                    "nests mappings and lists deeper than {} levels here",
                    self.limits.max_depth
                ),
                "flatten the document (no OpenAPI document or mapping needs this depth;                  it is most likely generated wrongly or built to overflow the stack)"
                    .to_string(),
            ));
        }
        self.nodes = self.nodes.saturating_add(w.nodes);
        if alias {
            self.alias_nodes = self.alias_nodes.saturating_add(w.nodes);
            if self.alias_nodes > self.limits.max_alias_nodes {
                return Err(limit(
                    format!(
                        "expands YAML aliases to more than {} copied values by this alias",
                        self.limits.max_alias_nodes
                    ),
                    format!(
                        "write the repeated parts out, or use fewer nested aliases (anchors that                          alias other anchors multiply: a \"billion laughs\" document looks like this);                          for a spec, {} raises the bound to a tenth of its value",
                        crate::load::limits::MAX_SPEC_NODES_ENV
                    ),
                ));
            }
        }
        if self.nodes > self.limits.max_nodes {
            return Err(limit(
                format!(
                    "holds more than {} values (aliases expanded) by this place",
                    self.limits.max_nodes
                ),
                crate::load::limits::spec_nodes_help(self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    fn on_event(&mut self, ev: Event, mark: Marker) -> Result<(), SyntaxError> {
        let span = span_of(&mark);
        let leaf = Weight {
            nodes: 1,
            height: 0,
        };
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                self.grow(span, leaf, false)?;
                let quoted = !matches!(style, TScalarStyle::Plain);
                let value =
                    if !quoted && matches!(text.as_str(), "~" | "null" | "Null" | "NULL" | "") {
                        Value::Null
                    } else {
                        Value::Scalar { text, quoted }
                    };
                self.complete(Node { span, value }, anchor, leaf);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let open = Weight {
                    nodes: 1,
                    height: 1,
                };
                self.grow(span, open, false)?;
                let frame = if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq(span, Vec::new())
                } else {
                    Frame::Map(span, Vec::new(), None)
                };
                self.stack.push((frame, anchor, open));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((frame, anchor, w)) = self.stack.pop() else {
                    return Ok(());
                };
                let node = match frame {
                    Frame::Seq(span, items) => Node {
                        span,
                        value: Value::Seq(items),
                    },
                    Frame::Map(span, entries, _) => Node {
                        span,
                        value: Value::Map(entries),
                    },
                };
                self.complete(node, anchor, w);
            }
            Event::Alias(id) => {
                let Some(at) = self.anchors.iter().rposition(|(a, _, _)| *a == id) else {
                    return Err(SyntaxError {
                        span,
                        message: "alias refers to an unknown anchor".to_string(),
                        limit_help: None,
                    });
                };
                // Counted before copying, so a refused alias costs nothing.
                let w = self.anchors[at].2;
                self.grow(span, w, true)?;
                let node = self.anchors[at].1.clone();
                self.complete(node, 0, w);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart => {}
            Event::DocumentEnd => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_and_values() {
        let n = parse("a: 1\nb:\n  c: [x, \"y\"]\n").expect("parses");
        let m = n.as_map().expect("map");
        assert_eq!(m[1].0.span, Span { line: 2, col: 1 });
        let inner = m[1].1.as_map().expect("inner map");
        assert_eq!(inner[0].0.span, Span { line: 3, col: 3 });
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": 1, "b": {"c": ["x", "y"]}})
        );
    }

    #[test]
    fn quoted_numbers_stay_strings() {
        let n = parse("\"402\": x\n402: y\n").expect("parses");
        assert_eq!(n.to_json(), serde_json::json!({"402": "y"}));
        let m = n.as_map().expect("map");
        assert_eq!(
            m[0].0.value,
            Value::Scalar {
                text: "402".into(),
                quoted: true
            }
        );
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let e = parse("a: [1, 2\nb: 3\n").expect_err("unclosed list");
        assert!(e.span.line >= 1);
        assert!(!e.message.is_empty());
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let n = parse("a: &x {k: 1}\nb: *x\n").expect("parses");
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": {"k": 1}, "b": {"k": 1}})
        );
    }
}

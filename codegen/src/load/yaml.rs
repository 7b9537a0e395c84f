//! A YAML tree that remembers where every node came from.
//!
//! Mapping diagnostics must point at a line and column, which serde-based YAML crates
//! throw away; so the mapping is read into this tree from yaml-rust2's marked events,
//! and decoded by hand in `mapping.rs`. Specs written in YAML go through the same tree
//! and are turned into `serde_json::Value`.

use crate::error::Span;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
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

/// A YAML syntax error with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub span: Span,
    /// What it said.
    pub message: String,
}

/// Parses one YAML document. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut builder = TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| SyntaxError {
        span: span_of(e.marker()),
        message: e.info().to_string(),
    })?;
    if let Some(message) = builder.error {
        return Err(SyntaxError {
            span: builder.error_span,
            message,
        });
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

enum Frame {
    Seq(Span, Vec<Node>),
    Map(Span, Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    anchor_of_frame: Vec<usize>,
    root: Option<Node>,
    error: Option<String>,
    error_span: Span,
}

impl TreeBuilder {
    fn complete(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let span = span_of(&mark);
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let quoted = !matches!(style, TScalarStyle::Plain);
                let value =
                    if !quoted && matches!(text.as_str(), "~" | "null" | "Null" | "NULL" | "") {
                        Value::Null
                    } else {
                        Value::Scalar { text, quoted }
                    };
                self.complete(Node { span, value }, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                self.anchor_of_frame.push(anchor);
                self.stack.push(Frame::Seq(span, Vec::new()));
            }
            Event::MappingStart(anchor, _) => {
                self.anchor_of_frame.push(anchor);
                self.stack.push(Frame::Map(span, Vec::new(), None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let anchor = self.anchor_of_frame.pop().unwrap_or(0);
                let node = match self.stack.pop() {
                    Some(Frame::Seq(span, items)) => Node {
                        span,
                        value: Value::Seq(items),
                    },
                    Some(Frame::Map(span, entries, _)) => Node {
                        span,
                        value: Value::Map(entries),
                    },
                    None => return,
                };
                self.complete(node, anchor);
            }
            Event::Alias(id) => match self.anchors.iter().rev().find(|(a, _)| *a == id) {
                Some((_, node)) => {
                    let node = node.clone();
                    self.complete(node, 0);
                }
                None => {
                    if self.error.is_none() {
                        self.error = Some("alias refers to an unknown anchor".to_string());
                        self.error_span = span;
                    }
                }
            },
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
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

//! Bounds on what reading an input may cost: nesting depth, the size of the tree once
//! YAML aliases and `#/paths/` references are expanded, and the port source's shape.
//!
//! Text a few hundred bytes long can describe a tree of billions of nodes (eight
//! references that each expand to the whole `paths` object, or nested YAML aliases), or
//! nest deeply enough to overflow the stack of any recursive reader. Every reader stops at
//! these bounds with a diagnostic that names the file, the place and the bound, instead
//! of exhausting memory or aborting the build.
//!
//! The node bound of a spec can be raised with the environment variable
//! [`MAX_SPEC_NODES_ENV`] (a count of JSON values, keys included); the public spec
//! corpus's largest document (Microsoft Graph beta, 102 MB) has 2.7 million.

use serde_json::Value;

/// The deepest nesting of objects and lists any input may have. serde_json refuses
/// deeper JSON on its own (its recursion limit is the same 128); YAML, the mapping and the
/// expanded spec are held to it here.
pub const MAX_DEPTH: usize = 128;

/// Default bound on the values of a spec once expanded.
pub const DEFAULT_MAX_SPEC_NODES: usize = 10_000_000;

/// The environment variable that raises (or lowers) [`DEFAULT_MAX_SPEC_NODES`].
pub const MAX_SPEC_NODES_ENV: &str = "PORTCULLIS_MAX_SPEC_NODES";

/// The most tokens between two `,` or `;` at one nesting level of the port source. syn
/// reads some chains (`fn() -> fn() -> …`, `&&&…`, `Vec<Vec<…>>`) by recursion, one
/// level per few tokens; no port's item comes near this.
pub const MAX_PORT_RUN: usize = 2_000;

/// Bounds for one YAML or JSON input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of mappings and lists.
    pub max_depth: usize,
    /// Most values in the tree, aliases expanded, keys included.
    pub max_nodes: usize,
    /// Most values that YAML aliases may add by copying what their anchor names.
    pub max_alias_nodes: usize,
}

impl Limits {
    /// A mapping file is short and hand-written.
    pub const MAPPING: Limits = Limits {
        max_depth: MAX_DEPTH,
        max_nodes: 1_000_000,
        max_alias_nodes: 100_000,
    };

    /// A vendor's spec: [`DEFAULT_MAX_SPEC_NODES`] unless [`MAX_SPEC_NODES_ENV`] says
    /// otherwise; aliases may add a tenth of that.
    ///
    /// ```
    /// let limits = portcullis_codegen::load::limits::Limits::spec();
    /// assert!(limits.max_alias_nodes <= limits.max_nodes);
    /// ```
    pub fn spec() -> Limits {
        let max_nodes = std::env::var(MAX_SPEC_NODES_ENV)
            .ok()
            .and_then(|v| v.trim().replace('_', "").parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_MAX_SPEC_NODES);
        Limits {
            max_depth: MAX_DEPTH,
            max_nodes,
            max_alias_nodes: (max_nodes / 10).max(1),
        }
    }
}

/// The help line of a diagnostic for a spec over its node bound.
pub fn spec_nodes_help(max: usize) -> String {
    format!(
        "the bound is {max} values; a spec this large is most likely built to exhaust memory \
         (self-referencing `$ref`s or YAML aliases). If it is genuine, raise the bound with \
         {MAX_SPEC_NODES_ENV}=<count>"
    )
}

/// What [`measure`] found out about a JSON tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excess {
    /// Nested deeper than allowed; the JSON pointer of the first too-deep value.
    Depth(String),
    /// More values than allowed.
    Nodes,
}

/// Checks a tree against `limits` without recursion (so a tree too deep for recursive
/// code is measured safely).
pub fn measure(v: &Value, limits: &Limits) -> Result<usize, Excess> {
    /// A value's place in its parent, formatted only for a diagnostic.
    enum Key<'a> {
        Root,
        Name(&'a str),
        Index(usize),
    }
    // (value, depth of its collection nesting, its key in the parent)
    let mut stack: Vec<(&Value, usize, Key)> = vec![(v, 0, Key::Root)];
    let mut path: Vec<Key> = Vec::new();
    let mut nodes = 0usize;
    while let Some((v, depth, key)) = stack.pop() {
        nodes += 1;
        if nodes > limits.max_nodes {
            return Err(Excess::Nodes);
        }
        if !matches!(v, Value::Object(_) | Value::Array(_)) {
            continue;
        }
        path.truncate(depth.saturating_sub(1));
        if depth > 0 {
            path.push(key);
        }
        if depth + 1 > limits.max_depth {
            let tokens: Vec<String> = path
                .iter()
                .map(|k| match k {
                    Key::Root => String::new(),
                    Key::Name(n) => crate::spec::refs::escape_pointer(n),
                    Key::Index(i) => i.to_string(),
                })
                .collect();
            return Err(Excess::Depth(format!("#/{}", tokens.join("/"))));
        }
        match v {
            Value::Object(m) => {
                nodes += m.len();
                stack.extend(m.iter().map(|(k, c)| (c, depth + 1, Key::Name(k))));
            }
            Value::Array(items) => {
                stack.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c, depth + 1, Key::Index(i))),
                );
            }
            _ => {}
        }
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn measure_counts_values_and_names_the_deep_place() {
        let limits = Limits {
            max_depth: 3,
            max_nodes: 100,
            max_alias_nodes: 10,
        };
        assert_eq!(measure(&json!({"a": [1, 2]}), &limits), Ok(5));
        assert_eq!(
            measure(&json!({"a": {"b/c": {"d": {}}}}), &limits),
            Err(Excess::Depth("#/a/b~1c/d".into()))
        );
        let wide = Value::Array(vec![Value::Null; 200]);
        assert_eq!(measure(&wide, &limits), Err(Excess::Nodes));
    }
}

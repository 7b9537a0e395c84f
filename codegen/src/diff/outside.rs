//! Changes outside the mapped surface are counted, not listed: a reviewer needs to know
//! the size of the vendor's update, not read it. Prose (descriptions, summaries,
//! examples, `x-` extensions) is left out, so a documentation-only release counts zero.

use super::raw::contract;
use crate::load::openapi::{METHODS, Spec};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Added, removed and changed items of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// In the new spec only.
    pub added: usize,
    /// In the old spec only.
    pub removed: usize,
    /// In both, with a different contract.
    pub changed: usize,
}

impl Tally {
    /// All three together.
    ///
    /// ```
    /// let t = portcullis_codegen::diff::Tally { added: 4, removed: 2, changed: 57 };
    /// assert_eq!(t.total(), 63);
    /// ```
    pub fn total(&self) -> usize {
        self.added + self.removed + self.changed
    }
}

/// Changes the mapping does not use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outside {
    /// Operations that are not mapped.
    pub operations: Tally,
    /// Component schemas. A schema that also holds a mapped field counts here when
    /// something else in it changed, since that change does not reach the mapping.
    pub schemas: Tally,
}

impl Outside {
    /// Every counted change.
    ///
    /// ```
    /// use portcullis_codegen::diff::{Outside, Tally};
    /// let o = Outside {
    ///     operations: Tally { added: 4, removed: 2, changed: 0 },
    ///     schemas: Tally { added: 0, removed: 0, changed: 57 },
    /// };
    /// assert_eq!(o.total(), 63);
    /// ```
    pub fn total(&self) -> usize {
        self.operations.total() + self.schemas.total()
    }
}

pub(crate) fn count(
    old: &Spec,
    new: &Spec,
    mapped_old: &BTreeSet<(String, String)>,
    mapped_new: &BTreeSet<(String, String)>,
) -> Outside {
    let skip = |k: &(String, String)| mapped_old.contains(k) || mapped_new.contains(k);
    let a: BTreeMap<_, _> = operations(&old.raw)
        .into_iter()
        .filter(|(k, _)| !skip(k))
        .collect();
    let b: BTreeMap<_, _> = operations(&new.raw)
        .into_iter()
        .filter(|(k, _)| !skip(k))
        .collect();
    Outside {
        operations: tally(&a, &b),
        schemas: tally(&schemas(&old.raw), &schemas(&new.raw)),
    }
}

fn tally<K: Ord>(a: &BTreeMap<K, Value>, b: &BTreeMap<K, Value>) -> Tally {
    Tally {
        added: b.keys().filter(|k| !a.contains_key(*k)).count(),
        removed: a.keys().filter(|k| !b.contains_key(*k)).count(),
        changed: a
            .iter()
            .filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v))
            .count(),
    }
}

/// Every operation's contract, with the parameters its path item gives it.
fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let shared = item.get("parameters").map(contract);
        for m in METHODS {
            if let Some(op) = item.get(m) {
                let mut c = contract(op);
                if let (Some(shared), Value::Object(map)) = (&shared, &mut c) {
                    map.insert("x-path-parameters".into(), shared.clone());
                }
                out.insert((path.clone(), m.to_string()), c);
            }
        }
    }
    out
}

fn schemas(doc: &Value) -> BTreeMap<String, Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), contract(v))).collect())
        .unwrap_or_default()
}

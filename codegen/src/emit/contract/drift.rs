//! Drifted responses: every vendor value a converter reads, with what the adapter must
//! do when it is missing, renamed, retyped or out of its enum, and the edits that make
//! such a response from a good one. Paths are the plan's `$.a.0.b` JSON paths.

use crate::plan::*;
use serde_json::{Value, json};

/// The value at a `$.a.0.b` path.
pub(super) fn at<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = root;
    for seg in path
        .trim_start_matches('$')
        .split('.')
        .filter(|s| !s.is_empty())
    {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

pub(super) fn text_at(root: &Value, path: &str) -> Option<String> {
    at(root, path).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// A value no arm of a `values:` field names.
fn unlisted(integer: bool, arms: &[(String, String)]) -> serde_json::Value {
    if !integer {
        return serde_json::json!("portcullis_unknown_value");
    }
    let named = |code: i64| arms.iter().any(|(wire, _)| *wire == code.to_string());
    let code = (987_654_321i64..).find(|c| !named(*c)).unwrap_or(i64::MIN);
    serde_json::json!(code)
}

/// What a drifted response must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// A contract error naming the field.
    Contract,
    /// A domain value: the mapping declares this case.
    Value,
    /// Up to a user function (`via:` with optional inputs): not asserted.
    Skip,
}

#[derive(Debug, Clone)]
pub(super) struct DriftField {
    pub(super) path: String,
    /// The optional object a nested converter reads this from: the value is only
    /// required when that object is there.
    pub(super) under: Option<String>,
    pub(super) absent: Expect,
    pub(super) retyped: Expect,
    /// For a `values:` field: whether it has a catch-all, and a value the mapping does
    /// not name (text, or an integer code for an integer field).
    pub(super) enum_catch_all: Option<(bool, serde_json::Value)>,
    /// The wire's type of the value, when the converter reads it straight.
    pub(super) wire: Option<WireTy>,
}

impl DriftField {
    /// The wire reads a string here: a retyped value must then be a number, even where
    /// the spec's example is `null` and says nothing of the type.
    pub(super) fn text(&self) -> bool {
        self.wire == Some(WireTy::String)
    }

    /// The wire keeps the value as JSON (a map, a free-form object): a key added there is
    /// an entry the converter reads, not a field it may ignore.
    pub(super) fn free(&self) -> bool {
        self.wire == Some(WireTy::Json)
    }
}

pub(super) fn join(prefix: &str, json_path: &str) -> String {
    format!("{prefix}{}", json_path.trim_start_matches('$'))
}

/// Every vendor value the converter `name` reads, with absolute paths under `prefix`.
pub(super) fn drift_fields(
    plan: &Plan,
    name: &str,
    prefix: &str,
    under: Option<&str>,
    depth: usize,
    out: &mut Vec<DriftField>,
) {
    let Some(conv) = plan.converters.iter().find(|c| c.name == name) else {
        return;
    };
    if depth > 4 {
        return;
    }
    let retyped = |read: &Read, wire: &Option<WireTy>, absent: Expect| {
        let union = read.steps.iter().any(|s| s.pick.is_some());
        match wire {
            Some(WireTy::Json) | None => Expect::Skip,
            // A value of another shape is "some other form" of the union: absent.
            _ if union => absent,
            _ => Expect::Contract,
        }
    };
    for f in &conv.fields {
        match &f.value {
            ConvValue::Read {
                read,
                leaf,
                missing,
            } => {
                let path = join(prefix, &read.json_path);
                let absent = if !read.may_be_absent() || *missing == Missing::Error {
                    Expect::Contract
                } else {
                    Expect::Value
                };
                let mut inner = leaf;
                while let Leaf::Some(l) | Leaf::Newtype(_, l) = inner {
                    inner = l;
                }
                let enum_catch_all = match inner {
                    Leaf::Enum {
                        catch_all,
                        integer,
                        arms,
                        ..
                    } => Some((catch_all.is_some(), unlisted(*integer, arms))),
                    _ => None,
                };
                if let Leaf::Nested(c) = inner {
                    let nested_under = if absent == Expect::Value {
                        Some(path.as_str())
                    } else {
                        under
                    };
                    drift_fields(plan, c, &path, nested_under, depth + 1, out);
                }
                let wire = plan.wire_ty_at(&conv.wire_type, &read.steps);
                out.push(DriftField {
                    under: under.map(str::to_owned),
                    retyped: retyped(read, &wire, absent),
                    wire,
                    path,
                    absent,
                    enum_catch_all,
                });
            }
            ConvValue::Via {
                reads, required, ..
            } => {
                for read in reads {
                    let absent = if !read.may_be_absent() || *required {
                        Expect::Contract
                    } else {
                        Expect::Skip
                    };
                    let wire = plan.wire_ty_at(&conv.wire_type, &read.steps);
                    out.push(DriftField {
                        under: under.map(str::to_owned),
                        path: join(prefix, &read.json_path),
                        retyped: retyped(read, &wire, absent),
                        wire,
                        absent,
                        enum_catch_all: None,
                    });
                }
            }
            // A mark reads nothing from the vendor.
            ConvValue::Fresh(_) | ConvValue::Given(_) => {}
        }
    }
}

/// Every value a response's converter reads, with paths from the body's root. For a
/// list (`list`), the converter is the items': its values are read in the first item.
pub(super) fn response_fields(plan: &Plan, r: &ResponsePlan, list: bool) -> Vec<DriftField> {
    let mut fields = Vec::new();
    let mut list_path = None;
    let mut unwrapped_list = None;
    if let Some((_, conv)) = &r.decode {
        let mut prefix = r
            .unwrap
            .as_ref()
            .map_or("$".to_owned(), |u| u.json_path.clone());
        if list {
            list_path = Some(prefix.clone());
            prefix = format!("{prefix}.0");
        }
        if let Some(u) = &r.unwrap {
            // `unwrap: Invoices.0` reads the first item of a list: the list is what
            // goes missing or is renamed (an item has no name to drift).
            let path = match u.steps.last() {
                Some(s) if s.index.is_some() => {
                    let list = u.json_path.rsplit_once('.').map_or("$", |(list, _)| list);
                    unwrapped_list = Some(list.to_owned());
                    list.to_owned()
                }
                _ => u.json_path.clone(),
            };
            fields.push(DriftField {
                under: None,
                path,
                absent: Expect::Contract,
                retyped: Expect::Skip,
                enum_catch_all: None,
                wire: None,
            });
        }
        drift_fields(plan, conv, &prefix, None, 0, &mut fields);
    }
    // A value read through a list index (`issues.0.title`) of a list another field
    // decodes whole (`issues: Vec<Issue>`): whether its absence breaks the call depends on
    // the item type, not on this read, so no expectation is generated for it.
    // The list itself is read whole by design: its first item's values are the fields
    // (so is the list `unwrap:` takes one item of).
    let paths: Vec<String> = fields
        .iter()
        .map(|f| f.path.clone())
        .filter(|p| Some(p) != list_path.as_ref() && Some(p) != unwrapped_list.as_ref())
        .collect();
    for f in &mut fields {
        let inside_read_list = paths.iter().any(|p| {
            f.path.strip_prefix(p.as_str()).is_some_and(|rest| {
                rest.strip_prefix('.')
                    .and_then(|r| r.split('.').next())
                    .is_some_and(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()))
            })
        });
        if inside_read_list {
            f.absent = Expect::Skip;
            f.retyped = Expect::Skip;
        }
    }
    fields
}

/// The first value the mapping requires that `body` lacks (absent or null).
pub(super) fn lacking(plan: &Plan, r: &ResponsePlan, body: &Value) -> Option<String> {
    response_fields(plan, r, false)
        .into_iter()
        .filter(|f| f.absent == Expect::Contract)
        .filter(|f| {
            f.under
                .as_ref()
                .is_none_or(|u| at(body, u).is_some_and(|v| !v.is_null()))
        })
        .find(|f| at(body, &f.path).is_none_or(Value::is_null))
        .map(|f| f.path)
}

/// The field name a message must contain: the path's last named segment.
pub(super) fn field_name(path: &str) -> &str {
    path.rsplit('.')
        .find(|s| s.parse::<usize>().is_err())
        .unwrap_or(path)
}

pub(super) fn slug(s: &str) -> String {
    let mut out: String = s
        .trim_start_matches('$')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    out.trim_matches('_').to_owned()
}

/// Removes the value at `path`, or moves it to the sibling `rename`.
pub(super) fn drift_remove(root: &mut Value, path: &str, rename: Option<&str>) {
    let segs: Vec<&str> = path
        .trim_start_matches('$')
        .split('.')
        .filter(|s| !s.is_empty())
        .collect();
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    let mut cur = root;
    for seg in parents {
        cur = match cur {
            Value::Object(m) => match m.get_mut(*seg) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    if let Value::Object(m) = cur {
        if let Some(v) = m.shift_remove(*last) {
            if let Some(new) = rename {
                m.insert(new.to_owned(), v);
            }
        }
    }
}

pub(super) fn drift_replace(root: &mut Value, path: &str, new: Value) {
    let mut cur = root;
    for seg in path
        .trim_start_matches('$')
        .split('.')
        .filter(|s| !s.is_empty())
    {
        cur = match cur {
            Value::Object(m) => match m.get_mut(seg) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    *cur = new;
}

/// A value of another JSON type than `old` for a "changed type" test. The example's
/// `null` (a nullable field) says nothing of the type; `text` (the wire reads a
/// string there) does.
pub(super) fn retyped_value(old: &Value, text: bool) -> Value {
    match old {
        Value::String(_) => json!(12345),
        Value::Null if text => json!(12345),
        _ => json!("portcullis-drift-type"),
    }
}

/// Adds an unknown field to every object of `v` (at `path`), but inside none of the
/// values at `free` (maps and free-form objects, whose keys are entries).
pub(super) fn add_unknown(v: &mut Value, path: &str, free: &[&str]) {
    if free.contains(&path) {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                add_unknown(child, &format!("{path}.{k}"), free);
            }
            m.insert(
                "portcullis_unknown_field".into(),
                json!({"added": "by the vendor"}),
            );
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                add_unknown(child, &format!("{path}.{i}"), free);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hetzner's `server.labels` is a map of strings: a key added there is a label that
    /// is not a string, not an unknown field; every other object still gets one.
    #[test]
    fn unknown_fields_stay_out_of_maps() {
        let mut v = json!({"server": {"id": 1, "labels": {"env": "prod"}, "net": {"ip": "x"}}, "list": [{"a": 1}]});
        add_unknown(&mut v, "$", &["$.server.labels"]);
        assert_eq!(v["server"]["labels"], json!({"env": "prod"}));
        assert!(v["server"]["portcullis_unknown_field"].is_object());
        assert!(v["server"]["net"]["portcullis_unknown_field"].is_object());
        assert!(v["list"][0]["portcullis_unknown_field"].is_object());
        assert!(v["portcullis_unknown_field"].is_object());
    }

    /// Hetzner's examples have `"finished": null` on a nullable string: the changed
    /// type must be a number, or the test sends a string and expects a refusal.
    #[test]
    fn a_null_example_is_retyped_by_the_wire_type() {
        assert_eq!(retyped_value(&Value::Null, true), json!(12345));
        assert_eq!(
            retyped_value(&Value::Null, false),
            json!("portcullis-drift-type")
        );
        assert_eq!(retyped_value(&json!("x"), true), json!(12345));
        assert_eq!(
            retyped_value(&json!(3), false),
            json!("portcullis-drift-type")
        );
    }

    #[test]
    fn slugs_and_field_names() {
        assert_eq!(
            slug("$.payment.amount_money.amount"),
            "payment_amount_money_amount"
        );
        assert_eq!(field_name("$.errors.0"), "errors");
        assert_eq!(join("$.payment", "$.id"), "$.payment.id");
    }
}

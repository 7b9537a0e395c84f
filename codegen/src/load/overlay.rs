//! OpenAPI Overlays: corrections to a vendor's spec, kept beside the mapping.
//!
//! Vendors publish specs with mistakes (Slack declares a conversation as
//! `{items: {anyOf: [...]}}`, without `type: object`, so no field of a channel can be
//! read). Editing the vendor's file loses the fix at the next download; an overlay
//! (the OpenAPI Initiative's Overlay Specification 1.0) states it apart, as actions on
//! the published document, and every regeneration applies it again:
//!
//! ```yaml
//! overlay: 1.0.0
//! info: { title: Slack spec fixes, version: 1.0.0 }
//! actions:
//!   - target: $.components.schemas.objs_conversation.items
//!     remove: true
//!   - target: $.components.schemas.objs_conversation
//!     update: { type: object, properties: { id: { type: string } } }
//! ```
//!
//! `target` is a JSONPath (RFC 9535, by `serde_json_path`). `update` merges into every
//! node it selects: objects key by key (recursively), arrays by appending, anything
//! else replaced. `remove: true` deletes every node it selects. Unlike the
//! specification, which lets a target select nothing, a target that selects nothing
//! is an error here: it means the vendor's spec changed under the fix, and a fix that
//! silently stops applying is a silent wrong result.

use crate::error::{Diagnostic, Error, Span};
use crate::load::limits::Limits;
use crate::load::yaml::{self, Node};
use serde_json::Value;
use serde_json_path::JsonPath;
use std::path::Path;

/// The most nodes one action may select.
const MAX_SELECTED: usize = 10_000;

/// One action of an overlay.
#[derive(Debug, Clone)]
struct Action {
    target: JsonPath,
    target_text: String,
    edit: Edit,
    span: Span,
}

#[derive(Debug, Clone)]
enum Edit {
    Update(Value),
    Remove,
}

/// Applies the overlay file at `path` to the spec document `doc` (as read, before
/// any normalisation), action by action in order.
pub fn apply(path: &Path, doc: &mut Value) -> Result<(), Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let actions = parse(path, &text)?;
    for action in &actions {
        apply_one(path, doc, action)?;
    }
    Ok(())
}

fn problem(path: &Path, span: Option<Span>, message: String, help: &str) -> Error {
    Error::one(Diagnostic::new(path, span, message).help(help.to_string()))
}

fn parse(path: &Path, text: &str) -> Result<Vec<Action>, Error> {
    let root = yaml::parse_with(text, &Limits::spec())
        .map_err(|e| Error::one(e.diagnostic(path, "the overlay")))?;
    let entries = root.as_map().ok_or_else(|| {
        problem(
            path,
            Some(root.span),
            format!("an overlay is a mapping, found {}", root.kind()),
            "start the file with `overlay: 1.0.0`, `info:` and `actions:`",
        )
    })?;
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    };
    match get("overlay").and_then(Node::as_str) {
        Some(v) if v.starts_with("1.") => {}
        Some(v) => {
            return Err(problem(
                path,
                get("overlay").map(|n| n.span),
                format!("overlay version {v} is not supported"),
                "write `overlay: 1.0.0` (Overlay Specification 1.0)",
            ));
        }
        None => {
            return Err(problem(
                path,
                Some(root.span),
                "the file has no `overlay:` version, so it is not an OpenAPI Overlay".into(),
                "start the file with `overlay: 1.0.0`",
            ));
        }
    }
    let Some(list) = get("actions") else {
        return Err(problem(
            path,
            Some(root.span),
            "the overlay has no `actions:`".into(),
            "list the corrections under `actions:`, each with `target:` and `update:` or `remove: true`",
        ));
    };
    let items = list.as_seq().ok_or_else(|| {
        problem(
            path,
            Some(list.span),
            format!("`actions:` is a list, found {}", list.kind()),
            "write each action as a list item (`- target: …`)",
        )
    })?;
    items.iter().map(|item| action(path, item)).collect()
}

fn action(path: &Path, item: &Node) -> Result<Action, Error> {
    let fields = item.as_map().ok_or_else(|| {
        problem(
            path,
            Some(item.span),
            format!("an action is a mapping, found {}", item.kind()),
            "write `- target: <JSONPath>` with `update:` or `remove: true`",
        )
    })?;
    let mut target = None;
    let mut update = None;
    let mut remove = None;
    for (k, v) in fields {
        match k.as_str() {
            Some("target") => target = Some(v),
            Some("update") => update = Some(v),
            Some("remove") => remove = Some(v),
            Some("description") => {}
            Some(x) if x.starts_with("x-") => {}
            other => {
                return Err(problem(
                    path,
                    Some(k.span),
                    format!("an action has no key '{}'", other.unwrap_or("?")),
                    "an action takes `target`, `update`, `remove` and `description`",
                ));
            }
        }
    }
    let Some(target) = target else {
        return Err(problem(
            path,
            Some(item.span),
            "the action has no `target:`".into(),
            "name what it changes with a JSONPath, e.g. `target: $.components.schemas.Channel`",
        ));
    };
    let target_text = target.as_str().unwrap_or_default().to_string();
    let parsed = JsonPath::parse(&target_text).map_err(|e| {
        problem(
            path,
            Some(target.span),
            format!("`{target_text}` is not a JSONPath: {e}"),
            "write an RFC 9535 JSONPath starting with `$`, e.g. `$.paths['/conversations.list'].get`",
        )
    })?;
    let removes = match remove.map(|r| r.as_str()) {
        None => false,
        Some(Some("true")) => true,
        Some(Some("false")) => false,
        Some(_) => {
            return Err(problem(
                path,
                remove.map(|r| r.span),
                "`remove:` is true or false".into(),
                "write `remove: true` to delete what the target selects",
            ));
        }
    };
    let edit = match (update, removes) {
        (Some(_), true) => {
            return Err(problem(
                path,
                Some(item.span),
                "the action both updates and removes".into(),
                "split it into two actions, the removal first",
            ));
        }
        (Some(u), false) => Edit::Update(u.to_json()),
        (None, true) => Edit::Remove,
        (None, false) => {
            return Err(problem(
                path,
                Some(item.span),
                format!("the action on `{target_text}` neither updates nor removes"),
                "add `update: { … }` or `remove: true`",
            ));
        }
    };
    Ok(Action {
        target: parsed,
        target_text,
        edit,
        span: target.span,
    })
}

fn apply_one(path: &Path, doc: &mut Value, action: &Action) -> Result<(), Error> {
    let pointers: Vec<String> = action
        .target
        .query_located(doc)
        .locations()
        .map(|p| p.to_json_pointer())
        .collect();
    if pointers.is_empty() {
        return Err(problem(
            path,
            Some(action.span),
            format!(
                "the target `{}` selects nothing in the spec",
                action.target_text
            ),
            "the vendor's spec may have changed: check whether the fix is still needed, then correct or remove the action",
        ));
    }
    // A corrections file edits a few schemas; one action rewriting the whole document
    // (`$..*` with an update) would multiply it, so the count is bounded.
    if pointers.len() > MAX_SELECTED {
        return Err(problem(
            path,
            Some(action.span),
            format!(
                "the target `{}` selects {} nodes; an overlay action edits at most {MAX_SELECTED}",
                action.target_text,
                pointers.len()
            ),
            "narrow the JSONPath to the schemas or operations the fix is about",
        ));
    }
    // Deepest and last first: removing one node does not move another still to come.
    for pointer in pointers.iter().rev() {
        match &action.edit {
            Edit::Update(value) => {
                if let Some(node) = doc.pointer_mut(pointer) {
                    merge(node, value);
                }
            }
            Edit::Remove => remove_at(doc, pointer),
        }
    }
    Ok(())
}

/// Overlay 1.0 `update`: objects merge key by key, arrays take the update appended
/// (an array update's items, or the value itself), anything else is replaced.
fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(t), Value::Object(u)) => {
            for (k, v) in u {
                match t.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(u)) => t.extend(u.iter().cloned()),
        (Value::Array(t), u) => t.push(u.clone()),
        (t, u) => *t = u.clone(),
    }
}

fn remove_at(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(overlay: &str, mut doc: Value) -> Result<Value, String> {
        let dir = std::env::temp_dir().join(format!(
            "portcullis-overlay-{}-{}",
            std::process::id(),
            crate::load::openapi::sha256_hex(overlay.as_bytes())
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join("fix.overlay.yaml");
        std::fs::write(&path, overlay).map_err(|e| e.to_string())?;
        let outcome = apply(&path, &mut doc).map_err(|e| e.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        outcome.map(|()| doc)
    }

    fn slack_like() -> Value {
        json!({
            "openapi": "3.0.0",
            "components": { "schemas": {
                "objs_conversation": { "items": { "anyOf": [ { "type": "object" } ] } },
                "objs_user": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } }
            } }
        })
    }

    #[test]
    fn remove_then_update_retypes_a_schema() {
        let doc = run(
            "overlay: 1.0.0\ninfo: { title: fixes, version: 1.0.0 }\nactions:\n  - target: $.components.schemas.objs_conversation.items\n    remove: true\n  - target: $.components.schemas.objs_conversation\n    update: { type: object, required: [id], properties: { id: { type: string }, num_members: { type: integer } } }\n",
            slack_like(),
        )
        .expect("applies");
        assert_eq!(
            doc["components"]["schemas"]["objs_conversation"],
            json!({ "type": "object", "required": ["id"], "properties": { "id": { "type": "string" }, "num_members": { "type": "integer" } } })
        );
    }

    #[test]
    fn update_merges_objects_appends_to_arrays_and_replaces_scalars() {
        let doc = run(
            "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - target: $.components.schemas.objs_user\n    update: { required: [name], properties: { name: { type: string } }, type: object }\n  - target: $.components.schemas[*].type\n    update: object\n",
            slack_like(),
        )
        .expect("applies");
        let user = &doc["components"]["schemas"]["objs_user"];
        assert_eq!(user["required"], json!(["id", "name"]));
        assert_eq!(user["properties"]["id"], json!({ "type": "string" }));
        assert_eq!(user["properties"]["name"], json!({ "type": "string" }));
    }

    #[test]
    fn a_wildcard_removes_every_node_it_selects() {
        let doc = run(
            "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - target: $.components.schemas.objs_user.required[*]\n    remove: true\n",
            json!({ "components": { "schemas": { "objs_user": { "required": ["a", "b", "c"] } } } }),
        )
        .expect("applies");
        assert_eq!(
            doc["components"]["schemas"]["objs_user"]["required"],
            json!([])
        );
    }

    #[test]
    fn an_action_that_selects_the_whole_document_is_refused() {
        let big: Vec<Value> = (0..MAX_SELECTED + 1).map(|i| json!(i)).collect();
        let e = run(
            "overlay: 1.0.0\nactions:\n  - target: $.list[*]\n    update: { a: 1 }\n",
            json!({ "list": big }),
        )
        .expect_err("too many");
        assert!(e.contains("selects 10001 nodes"), "{e}");
    }

    #[test]
    fn mistakes_name_the_file_the_place_and_the_fix() {
        let cases = [
            (
                "overlay: 1.0.0\nactions:\n  - target: $.components.schemas.objs_channel\n    remove: true\n",
                "fix.overlay.yaml:3:13: the target `$.components.schemas.objs_channel` selects nothing in the spec",
            ),
            (
                "overlay: 1.0.0\nactions:\n  - target: components.schemas\n    remove: true\n",
                "`components.schemas` is not a JSONPath",
            ),
            (
                "overlay: 2.0.0\nactions: []\n",
                "overlay version 2.0.0 is not supported",
            ),
            (
                "openapi: 3.0.0\nactions: []\n",
                "the file has no `overlay:` version",
            ),
            (
                "overlay: 1.0.0\nactions:\n  - target: $.components\n",
                "neither updates nor removes",
            ),
            (
                "overlay: 1.0.0\nactions:\n  - target: $.components\n    remove: true\n    update: {}\n",
                "the action both updates and removes",
            ),
            (
                "overlay: 1.0.0\nactions:\n  - target: $.components\n    replace: {}\n",
                "an action has no key 'replace'",
            ),
        ];
        for (overlay, expected) in cases {
            let e = run(overlay, slack_like()).expect_err(overlay);
            assert!(e.contains(expected), "{overlay}\n{e}");
        }
    }
}

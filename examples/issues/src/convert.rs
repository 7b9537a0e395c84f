//! The one conversion the mapping cannot say by itself.

use portcullis_runtime::serde_json::Value;

/// Label names from the tracker's `labels`, whose items are either a name or a label
/// object with a `name` (the spec's `oneOf[string, object]`). An item that is neither
/// is a contract error rather than a label silently dropped.
///
/// ```
/// use portcullis_runtime::serde_json::json;
/// let names = issues::convert::label_names(vec![json!("bug"), json!({"id": 1, "name": "ui"})]);
/// assert_eq!(names, Ok(vec!["bug".to_string(), "ui".to_string()]));
/// assert!(issues::convert::label_names(vec![json!(7)]).is_err());
/// ```
pub fn label_names(labels: Vec<Value>) -> Result<Vec<String>, String> {
    labels
        .into_iter()
        .map(|label| match label {
            Value::String(name) => Ok(name),
            Value::Object(mut fields) => match fields.remove("name") {
                Some(Value::String(name)) => Ok(name),
                _ => Err("a label object without a name".to_string()),
            },
            other => Err(format!(
                "a label that is neither a name nor an object: {other}"
            )),
        })
        .collect()
}

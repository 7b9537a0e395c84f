//! Whether a JSON value written in the mapping (a fallback's `default:` body) is what the
//! spec says the vendor sends, so a static answer decodes like a real one.

use super::view::{Kind, SRef, view};
use crate::load::openapi::Spec;
use serde_json::Value;

const MAX_DEPTH: usize = 64;

/// The first place where `value` does not fit `schema`: its JSON path and what is wrong.
pub(crate) fn mismatch(spec: &Spec, schema: SRef<'_>, value: &Value) -> Option<(String, String)> {
    check(spec, schema, value, "$", 0).err()
}

fn check(
    spec: &Spec,
    schema: SRef<'_>,
    value: &Value,
    path: &str,
    depth: usize,
) -> Result<(), (String, String)> {
    let fail = |msg: String| Err((path.to_string(), msg));
    if depth > MAX_DEPTH {
        return fail("nested too deeply".to_string());
    }
    let v = match view(spec, schema) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    if value.is_null() {
        return match v.kind {
            Kind::Any => Ok(()),
            _ if v.nullable => Ok(()),
            _ => fail(format!("is null, but the spec says {}", v.describe())),
        };
    }
    match &v.kind {
        Kind::Any => Ok(()),
        Kind::Str { values } => match value.as_str() {
            Some(s) if values.is_empty() || values.iter().any(|x| x == s) => Ok(()),
            Some(s) => fail(format!(
                "'{s}' is not one of the values the spec allows: {}",
                values.join(", ")
            )),
            None => fail(format!("should be a string, found {value}")),
        },
        Kind::Int { .. } if value.is_i64() || value.is_u64() => Ok(()),
        Kind::Int { .. } => fail(format!("should be an integer, found {value}")),
        Kind::Num if value.is_number() => Ok(()),
        Kind::Num => fail(format!("should be a number, found {value}")),
        Kind::Bool if value.is_boolean() => Ok(()),
        Kind::Bool => fail(format!("should be true or false, found {value}")),
        Kind::Array(item) => {
            let Some(items) = value.as_array() else {
                return fail(format!("should be a list, found {value}"));
            };
            if let Some(item) = item {
                for (i, x) in items.iter().enumerate() {
                    check(spec, *item, x, &format!("{path}[{i}]"), depth + 1)?;
                }
            }
            Ok(())
        }
        Kind::Object {
            props,
            required,
            additional,
            ..
        } => {
            let Some(obj) = value.as_object() else {
                return fail(format!("should be an object, found {value}"));
            };
            for r in required {
                if !obj.contains_key(*r) {
                    return fail(format!("lacks the required field '{r}'"));
                }
            }
            for (k, x) in obj {
                let sub = format!("{path}.{k}");
                match props.iter().find(|(n, _)| n == k) {
                    Some((_, s)) => check(spec, *s, x, &sub, depth + 1)?,
                    None => {
                        if let Some(a) = additional {
                            check(spec, *a, x, &sub, depth + 1)?;
                        }
                    }
                }
            }
            Ok(())
        }
        Kind::Union(parts) => {
            let mut first = None;
            for p in parts {
                match check(spec, *p, value, path, depth + 1) {
                    Ok(()) => return Ok(()),
                    Err(e) => {
                        first.get_or_insert(e);
                    }
                }
            }
            Err(first.unwrap_or_else(|| (path.to_string(), "matches no variant".to_string())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::view::tests::spec;
    use serde_json::json;

    #[test]
    fn the_first_mismatch_names_its_path() {
        let s = spec(
            "    Thing: { type: object, required: [id], properties: { id: { type: string }, tags: { type: array, items: { type: integer } } } }\n",
        );
        let thing = SRef::Plain(s.schema_named("Thing").expect("Thing"));
        assert_eq!(
            mismatch(&s, thing, &json!({"id": "a", "tags": [1, 2]})),
            None
        );
        assert_eq!(
            mismatch(&s, thing, &json!({"id": "a", "tags": [1, "x"]})),
            Some((
                "$.tags[1]".into(),
                "should be an integer, found \"x\"".into()
            ))
        );
        assert_eq!(
            mismatch(&s, thing, &json!({"tags": []})),
            Some(("$".into(), "lacks the required field 'id'".into()))
        );
    }
}

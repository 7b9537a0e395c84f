//! `application/x-www-form-urlencoded` bodies in the nested style Stripe and OpenAPI
//! `deepObject` use.
//!
//! * objects nest with brackets: `metadata[order_id]=42`, `a[b][c]=x`;
//! * arrays of scalars repeat an empty bracket: `expand[]=a&expand[]=b`;
//! * arrays holding any object or array are indexed: `items[0][price]=x`;
//! * `null`, empty arrays and empty objects are omitted (there is nothing to send);
//! * booleans are `true` / `false`, numbers as JSON writes them;
//! * order is the value's field order (serde_json's `preserve_order`), so output is
//!   deterministic.
//!
//! Encoding: structural brackets are written literally, as Stripe's own libraries do,
//! so bodies stay readable in logs and tests. Everything inside a key segment or a value
//! is percent-encoded by the WHATWG urlencoded rules (all but `A-Za-z0-9*-._`, space as
//! `+`), so a `[` inside a metadata key name is `%5B` and cannot be mistaken for nesting.

use std::fmt::Write;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::error::Error;

/// Bytes that stay literal in a form component (space is handled separately).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b' ');

/// Percent-encodes one form component (space as `+`).
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, FORM).to_string().replace(' ', "+")
}

/// Encodes a JSON object as a form body.
///
/// Fails with [`Error::Config`] when `value` is not an object (a form body is a list
/// of named fields).
pub fn encode(value: &Value) -> Result<String, Error> {
    let Value::Object(map) = value else {
        return Err(Error::config("a form body must be a JSON object"));
    };
    let mut out = String::new();
    for (k, v) in map {
        write_value(&mut out, &encode_component(k), v);
    }
    Ok(out)
}

fn write_value(out: &mut String, key: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(b) => push_pair(out, key, if *b { "true" } else { "false" }),
        Value::Number(n) => push_pair(out, key, &n.to_string()),
        Value::String(s) => push_pair(out, key, &encode_component(s)),
        Value::Object(map) => {
            for (k, v) in map {
                write_value(out, &format!("{key}[{}]", encode_component(k)), v);
            }
        }
        Value::Array(items) => {
            let nested = items.iter().any(|v| v.is_object() || v.is_array());
            for (i, v) in items.iter().enumerate() {
                let sub = if nested {
                    format!("{key}[{i}]")
                } else {
                    format!("{key}[]")
                };
                write_value(out, &sub, v);
            }
        }
    }
}

fn push_pair(out: &mut String, key: &str, encoded_value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    // Writing to a String cannot fail.
    let _ = write!(out, "{key}={encoded_value}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_stripe_style() {
        let cases = [
            (
                json!({"amount": 2000, "currency": "eur"}),
                "amount=2000&currency=eur",
            ),
            (
                json!({"metadata": {"order_id": "42"}}),
                "metadata[order_id]=42",
            ),
            (json!({"a": {"b": {"c": "x"}}}), "a[b][c]=x"),
            (json!({"expand": ["a", "b"]}), "expand[]=a&expand[]=b"),
            (
                json!({"items": [{"price": "p1", "qty": 2}, {"price": "p2"}]}),
                "items[0][price]=p1&items[0][qty]=2&items[1][price]=p2",
            ),
            (
                json!({"confirm": true, "off": false}),
                "confirm=true&off=false",
            ),
            (
                json!({"gone": null, "kept": "k", "none": [], "empty": {}}),
                "kept=k",
            ),
            (json!({"desc": "a b&c=d+é"}), "desc=a+b%26c%3Dd%2B%C3%A9"),
            (
                json!({"metadata": {"we[ird] key": "v/1"}}),
                "metadata[we%5Bird%5D+key]=v%2F1",
            ),
            (json!({"amount": 12.5}), "amount=12.5"),
            (json!({}), ""),
        ];
        for (value, want) in cases {
            assert_eq!(encode(&value).expect("object"), want, "{value}");
        }
    }

    #[test]
    fn field_order_is_preserved() {
        let v: Value = serde_json::from_str(r#"{"z": 1, "a": 2, "m": 3}"#).expect("json");
        assert_eq!(encode(&v).expect("object"), "z=1&a=2&m=3");
    }

    #[test]
    fn non_objects_are_config_errors() {
        assert!(encode(&json!([1, 2])).is_err());
        assert!(encode(&json!("x")).is_err());
    }
}

//! A list or object written in the mapping (`personalizations: [{ to: … }]`, fields
//! under an untyped value), built as the JSON value it sends.

use super::{access, json, setting, value};
use crate::plan::body::Template;
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// A list or object written in the mapping, built as the JSON value it sends; a value
/// that is `None` is left out of its object, as in any other body.
pub(super) fn template(t: &Template, moves: &BTreeSet<Vec<String>>, at: &str) -> TokenStream {
    match t {
        Template::Leaf(ValuePlan::Const(serde_json::Value::String(s))) => {
            quote!(serde_json::Value::from(#s))
        }
        Template::Leaf(ValuePlan::Const(c)) => {
            let j = json(c);
            quote!(serde_json::json!(#j))
        }
        Template::Leaf(ValuePlan::Setting(name)) => {
            let s = setting(name);
            quote!(serde_json::Value::from(#s))
        }
        // Already the JSON value of an untyped or union slot.
        Template::Leaf(
            v @ ValuePlan::Expr {
                convert: Some(Convert::From(w)),
                optional: false,
                ..
            },
        ) if w == "serde_json::Value" => value(v, moves, None, Some(at)),
        Template::Leaf(v) => {
            let v = value(v, moves, None, Some(at));
            quote!(serde_json::Value::from(#v))
        }
        // A loop rather than a closure: a checked value inside may refuse the call (`?`).
        Template::List { source, item } => {
            let src = access(source);
            let item = template(item, moves, &format!("{at}[]"));
            quote!({
                let mut items = Vec::new();
                for item in #src.iter() {
                    items.push(#item);
                }
                serde_json::Value::Array(items)
            })
        }
        Template::Array(items) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| template(item, moves, &format!("{at}[{i}]")));
            quote!(serde_json::Value::Array(Vec::from([#(#items),*])))
        }
        Template::Object(fields) => {
            let inserts = fields.iter().map(|(key, value, optional)| {
                let inner = format!("{at}.{key}");
                match (optional, value) {
                    (true, Template::Leaf(leaf)) => {
                        let v = self::value(leaf, moves, None, Some(&inner));
                        let json = matches!(
                            leaf,
                            ValuePlan::Expr { convert: Some(Convert::From(w)), .. } if w == "serde_json::Value"
                        );
                        let item = if json {
                            quote!(v)
                        } else {
                            quote!(serde_json::Value::from(v))
                        };
                        quote! {
                            if let Some(v) = #v {
                                object.insert(#key.to_owned(), #item);
                            }
                        }
                    }
                    (_, value) => {
                        let v = template(value, moves, &inner);
                        quote!(object.insert(#key.to_owned(), #v);)
                    }
                }
            });
            quote!({
                let mut object = serde_json::Map::new();
                #(#inserts)*
                serde_json::Value::Object(object)
            })
        }
    }
}

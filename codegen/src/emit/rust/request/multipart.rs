//! A `multipart/form-data` body: one part per `request:` entry, files and text.

use super::{setting, value};
use crate::plan::body::{PartPlan, PartValue};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// Every value a multipart body reads.
pub(super) fn part_values(p: &PartPlan) -> Vec<&ValuePlan> {
    match &p.value {
        PartValue::Text(v) => vec![v],
        PartValue::File {
            bytes,
            file_name,
            content_type,
        } => [Some(bytes), file_name.as_ref(), Some(content_type)]
            .into_iter()
            .flatten()
            .collect(),
    }
}

/// A `multipart/form-data` body, part by part; a part whose value is `None` is left out.
pub(super) fn multipart(parts: &[PartPlan], moves: &BTreeSet<Vec<String>>) -> TokenStream {
    // A text for `file_name`/`content_type`: a constant as the literal (an `.into()`
    // would leave the target type open), anything else as its value.
    let text = |v: &ValuePlan, at: &str| match v {
        ValuePlan::Const(serde_json::Value::String(s)) => quote!(#s),
        other => value(other, moves, None, Some(at)),
    };
    let adds = parts.iter().map(|p| {
        let name = &p.name;
        let at = format!("$.{name}");
        match &p.value {
            PartValue::Text(v) => {
                let optional = matches!(v, ValuePlan::Expr { optional: true, .. });
                let v = match v {
                    ValuePlan::Const(c) => {
                        let t = c.as_str().map_or_else(|| c.to_string(), str::to_owned);
                        quote!(#t)
                    }
                    ValuePlan::Setting(s) => setting(s),
                    other => value(other, moves, None, Some(&at)),
                };
                if optional {
                    quote!(if let Some(v) = #v { form = form.text(#name, v.to_string()); })
                } else {
                    quote!(form = form.text(#name, #v.to_string());)
                }
            }
            PartValue::File {
                bytes,
                file_name,
                content_type,
            } => {
                let optional = matches!(bytes, ValuePlan::Expr { optional: true, .. });
                let b = value(bytes, moves, None, Some(&at));
                let file_name = match file_name {
                    Some(f) => text(f, &format!("{at}.file_name")),
                    None => quote!(#name),
                };
                let content_type = text(content_type, &format!("{at}.content_type"));
                let part = |b: TokenStream| {
                    quote!(rt::multipart::Part::bytes(#name, #b).file_name(#file_name).content_type(#content_type))
                };
                if optional {
                    let part = part(quote!(v));
                    quote!(if let Some(v) = #b { form = form.part(#part); })
                } else {
                    let part = part(b);
                    quote!(form = form.part(#part);)
                }
            }
        }
    });
    quote!({
        let mut form = rt::multipart::Multipart::new();
        #(#adds)*
        form
    })
}

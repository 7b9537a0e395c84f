//! `mod vendor`: the private wire types, with only the fields the mapping reads or writes.
//!
//! The module names `Option`, `String`, `Vec`, `Box`, `Serialize` and `Deserialize`
//! unqualified; the planner gives no wire type those names (`plan::wire::RESERVED`).

use super::tokens::ident;
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn wire_ty(t: &WireTy) -> TokenStream {
    match t {
        WireTy::String => quote!(String),
        WireTy::I64 => quote!(i64),
        WireTy::F64 => quote!(f64),
        WireTy::Bool => quote!(bool),
        WireTy::Json => quote!(serde_json::Value),
        WireTy::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
        WireTy::Boxed(n) => {
            let n = ident(n);
            quote!(Box<#n>)
        }
        WireTy::Vec(inner) => {
            let i = wire_ty(inner);
            quote!(Vec<#i>)
        }
    }
}

pub(super) fn wire_type(w: &WireType) -> TokenStream {
    let name = ident(&w.name);
    let code = crate::emit::text::doc_code;
    let doc = match &w.origin {
        Origin::Schema(n) => format!(" Wire form of `#/components/schemas/{}`.", code(n)),
        Origin::Inline(p) => format!(" Wire form of the inline schema at `{}`.", code(p)),
        Origin::RequestBody(op) => match &w.schema {
            Some(s) => format!(
                " The request body of `{}`: `#/components/schemas/{}`.",
                code(op),
                code(s)
            ),
            None => format!(" The request body of `{}`.", code(op)),
        },
        Origin::InRequest(op, p) => format!(
            " Wire form of the inline schema at `{}` in the request body of `{}`.",
            code(p),
            code(op)
        ),
    };
    let mut derives = vec![quote!(Debug), quote!(Clone)];
    if w.serialize {
        derives.push(quote!(Serialize));
    }
    if w.deserialize {
        derives.push(quote!(Deserialize));
    }
    let derive = quote!(#[derive(#(#derives),*)]);
    match &w.kind {
        WireKind::Struct(fields) => {
            let fs = fields.iter().map(|f| {
                let n = ident(&f.rust_name);
                let t = wire_ty(&f.ty);
                let t = if f.optional { quote!(Option<#t>) } else { t };
                let wire = &f.wire_name;
                let mut serde = Vec::new();
                if f.rust_name.trim_start_matches("r#") != f.wire_name {
                    serde.push(quote!(rename = #wire));
                }
                if f.optional && w.deserialize {
                    serde.push(quote!(default));
                }
                if f.optional && w.serialize {
                    serde.push(quote!(skip_serializing_if = "Option::is_none"));
                }
                let attr = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
                quote!(#attr pub(super) #n: #t,)
            });
            quote! {
                #[doc = #doc]
                #derive
                #[serde(crate = "::portcullis_runtime::__private::serde")]
                pub(super) struct #name { #(#fs)* }
            }
        }
        WireKind::Union { variant: (v, t) } => {
            let v = ident(v);
            let strict = w.deserialize && holds_struct(t);
            let t = wire_ty(t);
            if !strict {
                return quote! {
                    #[doc = #doc]
                    #derive
                    #[serde(crate = "::portcullis_runtime::__private::serde", untagged)]
                    pub(super) enum #name {
                        /// The form the mapping reads.
                        #v(#t),
                        /// Any other form the vendor sends (kept for `Debug`, never read).
                        Other(#[allow(dead_code)] serde_json::Value),
                    }
                };
            }
            // serde tries an untagged enum's variants on its own buffer, where a struct
            // also fills from an array, field by field: decoded from the JSON value
            // instead, a struct is read only from an object.
            let untagged = w.serialize.then(|| quote!(untagged,));
            quote! {
                #[doc = #doc]
                #derive
                #[serde(crate = "::portcullis_runtime::__private::serde", #untagged from = "serde_json::Value")]
                pub(super) enum #name {
                    /// The form the mapping reads.
                    #v(#t),
                    /// Any other form the vendor sends (kept for `Debug`, never read).
                    Other(#[allow(dead_code)] serde_json::Value),
                }

                impl From<serde_json::Value> for #name {
                    fn from(value: serde_json::Value) -> Self {
                        match ::portcullis_runtime::convert::union_variant(&value) {
                            Some(read) => Self::#v(read),
                            None => Self::Other(value),
                        }
                    }
                }
            }
        }
    }
}

/// Whether a union's variant is (or holds) a wire struct, which serde alone would also
/// fill from an array.
fn holds_struct(t: &WireTy) -> bool {
    match t {
        WireTy::Named(_) | WireTy::Boxed(_) => true,
        WireTy::Vec(inner) => holds_struct(inner),
        WireTy::String | WireTy::I64 | WireTy::F64 | WireTy::Bool | WireTy::Json => false,
    }
}

/// The imports `mod vendor` needs: the serde derives its types use, and `serde_json`
/// when a field or a union holds any JSON value.
pub(super) fn imports(plan: &Plan) -> TokenStream {
    let ser = plan.wire.iter().any(|w| w.serialize);
    let de = plan.wire.iter().any(|w| w.deserialize);
    let derives = match (ser, de) {
        (true, true) => quote!(
            use ::portcullis_runtime::__private::serde::{Deserialize, Serialize};
        ),
        (true, false) => quote!(
            use ::portcullis_runtime::__private::serde::Serialize;
        ),
        (false, true) => quote!(
            use ::portcullis_runtime::__private::serde::Deserialize;
        ),
        (false, false) => quote!(),
    };
    fn json(t: &WireTy) -> bool {
        match t {
            WireTy::Json => true,
            WireTy::Vec(inner) => json(inner),
            _ => false,
        }
    }
    let uses_json = plan.wire.iter().any(|w| match &w.kind {
        WireKind::Struct(fields) => fields.iter().any(|f| json(&f.ty)),
        WireKind::Union { .. } => true,
    });
    let json = uses_json.then(|| {
        quote!(
            use ::portcullis_runtime::serde_json;
        )
    });
    quote!(#derives #json)
}

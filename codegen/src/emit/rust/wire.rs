//! `mod vendor`: the private wire types, with only the fields the mapping reads or writes.

use super::tokens::ident;
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn wire_ty(t: &WireTy) -> TokenStream {
    match t {
        WireTy::String => quote!(::std::string::String),
        WireTy::I64 => quote!(i64),
        WireTy::F64 => quote!(f64),
        WireTy::Bool => quote!(bool),
        WireTy::Json => quote!(::portcullis_runtime::__private::serde_json::Value),
        WireTy::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
        WireTy::Boxed(n) => {
            let n = ident(n);
            quote!(::std::boxed::Box<#n>)
        }
        WireTy::Vec(inner) => {
            let i = wire_ty(inner);
            quote!(::std::vec::Vec<#i>)
        }
    }
}

pub(super) fn wire_type(w: &WireType) -> TokenStream {
    let name = ident(&w.name);
    let doc = format!(
        " Wire form of `{}`.",
        crate::emit::text::doc_code(&w.origin)
    );
    let derive = if w.serialize {
        quote!(#[derive(Debug, Clone, ::portcullis_runtime::__private::serde::Serialize)])
    } else {
        quote!(#[derive(Debug, Clone, ::portcullis_runtime::__private::serde::Deserialize)])
    };
    match &w.kind {
        WireKind::Struct(fields) => {
            let fs = fields.iter().map(|f| {
                let n = ident(&f.rust_name);
                let t = wire_ty(&f.ty);
                let t = if f.optional {
                    quote!(::core::option::Option<#t>)
                } else {
                    t
                };
                let wire = &f.wire_name;
                let rename = if f.rust_name.trim_start_matches("r#") != f.wire_name {
                    quote!(#[serde(rename = #wire)])
                } else {
                    quote!()
                };
                let skip = match (f.optional, w.serialize) {
                    (true, true) => quote!(#[serde(skip_serializing_if = "Option::is_none")]),
                    (true, false) => quote!(#[serde(default)]),
                    _ => quote!(),
                };
                quote!(#rename #skip pub(super) #n: #t,)
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
            let t = wire_ty(t);
            quote! {
                #[doc = #doc]
                #derive
                #[serde(crate = "::portcullis_runtime::__private::serde", untagged)]
                pub(super) enum #name {
                    /// The form the mapping reads.
                    #v(#t),
                    /// Any other form the vendor sends (kept for `Debug`, never read).
                    Other(#[allow(dead_code)] ::portcullis_runtime::__private::serde_json::Value),
                }
            }
        }
    }
}

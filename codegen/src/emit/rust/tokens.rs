//! Token helpers every section uses: identifiers (raw when a keyword), checked paths
//! and types, durations.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::time::Duration;

/// An identifier that may be raw (`r#type`).
pub(super) fn ident(s: &str) -> Ident {
    let s = crate::ident::raw_if_keyword(s);
    let valid = |t: &str| {
        t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match s.strip_prefix("r#") {
        Some(raw) if valid(raw) => Ident::new_raw(raw, Span::call_site()),
        None if syn::parse_str::<Ident>(&s).is_ok() => Ident::new(&s, Span::call_site()),
        // The planner only hands out valid names; should one slip through, sanitise it
        // rather than panic inside a build script.
        _ => {
            let clean = crate::ident::snake(&s);
            match clean.strip_prefix("r#") {
                Some(raw) => Ident::new_raw(raw, Span::call_site()),
                None => Ident::new(&clean, Span::call_site()),
            }
        }
    }
}

/// A path the planner has already checked.
pub(super) fn path(s: &str) -> TokenStream {
    match syn::parse_str::<syn::Path>(s) {
        Ok(p) => quote!(#p),
        Err(_) => {
            let msg = format!("portcullis: invalid path {s:?}");
            quote!(compile_error!(#msg))
        }
    }
}

pub(super) fn ty(s: &str) -> TokenStream {
    match syn::parse_str::<syn::Type>(s) {
        Ok(t) => quote!(#t),
        Err(_) => {
            let msg = format!("portcullis: invalid type {s:?}");
            quote!(compile_error!(#msg))
        }
    }
}

pub(super) fn duration(d: Duration) -> TokenStream {
    let ms = d.as_millis() as u64;
    quote!(::core::time::Duration::from_millis(#ms))
}

pub(super) fn opt_duration(d: Option<Duration>) -> TokenStream {
    match d {
        Some(d) => {
            let d = duration(d);
            quote!(::core::option::Option::Some(#d))
        }
        None => quote!(::core::option::Option::None),
    }
}

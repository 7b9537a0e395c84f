//! `mod webhooks`: the generated [`Decoder`] of the vendor's deliveries and the
//! receiver's configuration from the mapping's `webhooks:` section.
//!
//! The decoder reads the envelope as JSON (the id, the type, where the object is),
//! then reads the object of a mapped type into the same private wire type a response
//! would use and builds the domain variant with the same converter; a payload that
//! does not fit is one malformed event naming the field, never a panic.
//!
//! [`Decoder`]: https://docs.rs/portcullis-runtime (`webhook::Decoder`)

use super::Ctx;
use super::config::secret;
use super::tokens::{ident, module_uses, path};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;

fn segments(p: &[String]) -> TokenStream {
    quote!(&[#(#p),*])
}

fn dotted(prefix_free: &[String]) -> String {
    prefix_free.join(".")
}

/// `Scheme::Hmac(HmacScheme::new(..)...)`, each setting the mapping gives (defaults
/// are left to the runtime).
fn hmac_scheme(h: &HmacPlan) -> TokenStream {
    let header = &h.header;
    let mut calls = Vec::new();
    if let Some(p) = &h.prefix {
        calls.push(quote!(.prefix(#p)));
    }
    if h.signed != "{body}" {
        let s = &h.signed;
        calls.push(quote!(.signed(#s)));
    }
    if let Some(t) = &h.timestamp {
        calls.push(quote!(.timestamp_header(#t)));
    }
    if let Some(p) = &h.timestamp_piece {
        calls.push(quote!(.timestamp_piece(#p)));
    }
    if let Some(i) = &h.id {
        calls.push(quote!(.delivery_id_header(#i)));
    }
    if h.algorithm != "Sha256" {
        let a = ident(h.algorithm);
        calls.push(quote!(.algorithm(rt::webhook::HmacAlgorithm::#a)));
    }
    if h.encoding != "Hex" {
        let e = ident(h.encoding);
        calls.push(quote!(.encoding(rt::webhook::SignatureEncoding::#e)));
    }
    if h.key != "Raw" {
        let k = ident(h.key);
        calls.push(quote!(.key(rt::webhook::KeyEncoding::#k)));
    }
    quote!(rt::webhook::Scheme::Hmac(rt::webhook::HmacScheme::new(#header) #(#calls)*))
}

/// The decoder struct, its `config()` and its `Decoder` impl, at the adapter's level.
pub(super) fn webhooks(ctx: &Ctx, adapter: &str, w: &WebhooksPlan) -> TokenStream {
    let name = ident(&w.decoder);
    let event = path(&w.event_enum);
    let doc = format!(
        " Decodes {adapter}'s webhook deliveries into `{}`: generated from the mapping's `webhooks:` section.",
        w.event_enum
    );
    let types: Vec<&str> = w.events.iter().map(|e| e.event_type.as_str()).collect();
    let secrets = w.secrets.iter().map(secret);
    let (scheme, url) = match &w.scheme {
        SchemePlan::Stripe => (quote!(rt::webhook::Scheme::Stripe), quote!()),
        SchemePlan::Adyen => (quote!(rt::webhook::Scheme::Adyen), quote!()),
        SchemePlan::GitHub => (quote!(rt::webhook::Scheme::GitHub), quote!()),
        SchemePlan::Standard => (quote!(rt::webhook::Scheme::StandardWebhooks), quote!()),
        SchemePlan::Hmac(h) => (hmac_scheme(h), quote!()),
        SchemePlan::Square(u) => {
            let src = secret(u);
            (
                quote!(rt::webhook::Scheme::Square { notification_url }),
                quote! {
                    let notification_url = {
                        use rt::secrecy::ExposeSecret as _;
                        #src.resolve()?.expose_secret().trim().to_owned()
                    };
                },
            )
        }
    };
    let tolerance = w.tolerance.map(|t| {
        let ms = u64::try_from(t.as_millis()).unwrap_or(u64::MAX);
        quote!(config.tolerance = ::std::time::Duration::from_millis(#ms);)
    });
    let max_body = w.max_body.map(|m| {
        let m = usize::try_from(m).unwrap_or(usize::MAX);
        quote!(config.max_body = #m;)
    });
    let mutable = if tolerance.is_some() || max_body.is_some() {
        quote!(mut)
    } else {
        quote!()
    };
    let arms = w.events.iter().map(arm);
    let mut seen = std::collections::BTreeSet::new();
    let builders: Vec<TokenStream> = w
        .events
        .iter()
        .filter(|e| seen.insert(builder_name(e)))
        .map(|e| builder(ctx, e))
        .collect();
    let fallback = match &w.unknown {
        UnknownPlan::Ignore => quote!(_ => rt::webhook::Decoded::Ignored,),
        UnknownPlan::Variant(v) => {
            let v = path(v);
            quote!(_ => rt::webhook::Decoded::Event(#v(event_type.clone())),)
        }
    };
    let ids = w.id.iter().map(|p| {
        let s = segments(p);
        let d = dotted(p);
        quote!(text(event, #s, prefix, #d)?)
    });
    let ty = segments(&w.event_type);
    let ty_text = dotted(&w.event_type);
    let decode = match &w.items {
        None => {
            if w.item.is_empty() {
                quote!(Ok(vec![event_of(&body, "")?]))
            } else {
                let item = segments(&w.item);
                let item_text = dotted(&w.item);
                quote! {
                    let event = value_at(&body, #item).ok_or_else(|| rt::webhook::Malformed::missing(#item_text))?;
                    Ok(vec![event_of(event, #item_text)?])
                }
            }
        }
        Some(items) => {
            let list = segments(items);
            let list_text = dotted(items);
            let item = segments(&w.item);
            let item_text = if w.item.is_empty() {
                String::new()
            } else {
                format!(".{}", dotted(&w.item))
            };
            quote! {
                let Some(list) = value_at(&body, #list).and_then(serde_json::Value::as_array) else {
                    return Err(rt::webhook::Malformed::new(#list_text, "missing or not a list"));
                };
                let mut out = Vec::with_capacity(list.len());
                for (i, element) in list.iter().enumerate() {
                    let prefix = format!("{}[{i}]{}", #list_text, #item_text);
                    let event = value_at(element, #item)
                        .ok_or_else(|| rt::webhook::Malformed::missing(prefix.clone()))?;
                    out.push(event_of(event, &prefix)?);
                }
                Ok(out)
            }
        }
    };
    let code = quote! {
        impl super::#name {
            /// The receiver's configuration as the mapping says: scheme, signing secrets
            /// (any one of them verifies a delivery, for rotation) and limits; the
            /// rest are the runtime's defaults.
            pub fn config() -> Result<rt::webhook::WebhookConfig, rt::Error> {
                #url
                let #mutable config = rt::webhook::WebhookConfig::new(#adapter, #scheme, [#(#secrets),*]);
                #tolerance
                #max_body
                Ok(config)
            }
        }

        impl rt::webhook::Decoder for super::#name {
            type Event = #event;

            fn event_types(&self) -> &[&'static str] {
                &[#(#types),*]
            }

            fn decode(&self, delivery: &rt::webhook::Delivery<'_>) -> Result<Vec<rt::webhook::Incoming<#event>>, rt::webhook::Malformed> {
                let body: serde_json::Value = delivery.json()?;
                #decode
            }
        }

        /// The value at `path` under `value`.
        fn value_at<'v>(value: &'v serde_json::Value, path: &[&str]) -> Option<&'v serde_json::Value> {
            path.iter().try_fold(value, |v, key| v.get(*key))
        }

        /// A field of the envelope as text (an id may be a string or a number).
        fn text(value: &serde_json::Value, path: &[&str], prefix: &str, field: &str) -> Result<String, rt::webhook::Malformed> {
            let at = || if prefix.is_empty() { field.to_owned() } else { format!("{prefix}.{field}") };
            match value_at(value, path) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
                Some(serde_json::Value::Bool(b)) => Ok(b.to_string()),
                Some(_) => Err(rt::webhook::Malformed::new(at(), "not a string")),
                None => Err(rt::webhook::Malformed::missing(at())),
            }
        }

        /// One event: its id, its type and what it becomes.
        fn event_of(event: &serde_json::Value, prefix: &str) -> Result<rt::webhook::Incoming<#event>, rt::webhook::Malformed> {
            let id = [#(#ids),*].join(":");
            let event_type = text(event, #ty, prefix, #ty_text)?;
            let decoded = match event_type.as_str() {
                #(#arms)*
                #fallback
            };
            Ok(rt::webhook::Incoming { id, event_type, decoded })
        }

        #(#builders)*
    };
    let uses = module_uses(&code);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct #name;

        /// The webhook decoder and its configuration.
        mod webhooks {
            #uses
            #code
        }
    }
}

/// The name of the function that builds one event's variant from its object.
fn builder_name(e: &EventPlan) -> String {
    let object = e.object.join("_").to_lowercase();
    let object: String = object
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if object.is_empty() {
        format!("event_{}", e.converter)
    } else {
        format!("event_{}_at_{object}", e.converter)
    }
}

/// One function per converter and object path: the mapped types that share them
/// share it, each passing its own type for messages.
fn builder(ctx: &Ctx, e: &EventPlan) -> TokenStream {
    let name = ident(&builder_name(e));
    let object = segments(&e.object);
    let wire = ident(&e.wire_type);
    let conv = ident(&e.converter);
    let doc = format!(
        " Builds the variant from the event's `{}` (the vendor's `{}`).",
        e.object_text, e.schema
    );
    let build = if ctx.fallible(&e.converter) {
        quote! {
            match super::translate::#conv(wire, event_type) {
                Ok(event) => rt::webhook::Decoded::Event(event),
                Err(why) => rt::webhook::Decoded::Malformed(rt::webhook::Malformed::new(at, why.to_string())),
            }
        }
    } else {
        quote!({
            let _ = event_type;
            rt::webhook::Decoded::Event(super::translate::#conv(wire))
        })
    };
    let at = if e.object.is_empty() {
        quote!(prefix.to_owned())
    } else {
        let fmt = format!(
            "{{prefix}}.{}",
            e.object_text.replace('{', "{{").replace('}', "}}")
        );
        let text = &e.object_text;
        quote!(if prefix.is_empty() { #text.to_owned() } else { format!(#fmt) })
    };
    // The variant's enum: the variant path without its last segment.
    let enum_path = path(
        e.variant
            .rsplit_once("::")
            .map_or(e.variant.as_str(), |(p, _)| p),
    );
    quote! {
        #[doc = #doc]
        fn #name(event: &serde_json::Value, prefix: &str, event_type: &'static str) -> rt::webhook::Decoded<#enum_path> {
            let at = #at;
            match value_at(event, #object) {
                None => rt::webhook::Decoded::Malformed(rt::webhook::Malformed::missing(at)),
                Some(object) => match rt::webhook::from_value::<super::vendor::#wire>(object.clone(), &at) {
                    Err(why) => rt::webhook::Decoded::Malformed(why),
                    Ok(wire) => #build,
                },
            }
        }
    }
}

fn arm(e: &EventPlan) -> TokenStream {
    let ty = &e.event_type;
    let name = ident(&builder_name(e));
    quote!(#ty => #name(event, prefix, #ty),)
}

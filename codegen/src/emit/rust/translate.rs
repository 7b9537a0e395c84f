//! `mod translate`: vendor → domain converters, the classification of vendor error
//! bodies, and the mapping's error rules as functions from the runtime's error.

use super::tokens::{ident, path, ty};
use crate::plan::*;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// An `Option<&T>` chain for a read that may be absent, or a plain `&T` place.
pub(super) fn read_expr(r: &Read) -> (TokenStream, bool) {
    if !r.may_be_absent() {
        let fs = r.steps.iter().map(|s| ident(&s.field));
        return (quote!(&wire #(.#fs)*), false);
    }
    (
        read_chain(r, quote!(::core::option::Option::Some(wire))),
        true,
    )
}

/// The `Option<&T>` chain of a read, starting from an `Option<&Root>` expression.
pub(super) fn read_chain(r: &Read, start: TokenStream) -> TokenStream {
    let mut e = start;
    for s in &r.steps {
        if let Some(i) = s.index {
            e = if i == 0 {
                quote!(#e.and_then(|v| v.first()))
            } else {
                quote!(#e.and_then(|v| v.get(#i)))
            };
            continue;
        }
        let f = ident(&s.field);
        e = if s.optional {
            quote!(#e.and_then(|v| v.#f.as_ref()))
        } else {
            quote!(#e.map(|v| &v.#f))
        };
        if let Some((u, variant)) = &s.pick {
            let u = ident(u);
            let variant = ident(variant);
            e = quote!(#e.and_then(|v| match v { super::vendor::#u::#variant(x) => ::core::option::Option::Some(x), _ => ::core::option::Option::None }));
        }
    }
    e
}

/// Converts a present wire value (`x` is a reference) to its domain value.
pub(super) fn leaf(l: &Leaf, x: TokenStream, json_path: &str) -> TokenStream {
    match l {
        Leaf::Same => quote!(::core::clone::Clone::clone(#x)),
        Leaf::Narrow(t) => {
            let tt = ident(t);
            quote!(<#tt>::try_from(::core::clone::Clone::clone(#x)).map_err(|_| rt::Error::contract(op, ::std::string::String::from(#json_path), ::std::format!("{} does not fit in {}", #x, #t)))?)
        }
        Leaf::Newtype(p, inner) => {
            let p = path(p);
            let inner = leaf(inner, x, json_path);
            quote!(#p(#inner))
        }
        Leaf::Enum {
            domain_enum,
            arms,
            catch_all,
        } => {
            let e = path(domain_enum);
            let arms = arms.iter().map(|(w, v)| {
                let v = ident(v);
                quote!(#w => #e::#v,)
            });
            let last = match catch_all {
                Some((v, true)) => {
                    let v = ident(v);
                    quote!(other => #e::#v(::std::string::String::from(other)),)
                }
                Some((v, false)) => {
                    let v = ident(v);
                    quote!(_ => #e::#v,)
                }
                None => quote!(other => return ::core::result::Result::Err(rt::Error::contract(
                    op, ::std::string::String::from(#json_path), ::std::format!("unknown value '{other}' and the mapping has no catch-all")
                )),),
            };
            quote!(match ::core::convert::AsRef::<str>::as_ref(#x) { #(#arms)* #last })
        }
        Leaf::Nested(c) => {
            let c = ident(c);
            quote!(#c(#x, op)?)
        }
        Leaf::Each(inner) => {
            let inner = leaf(inner, quote!(item), json_path);
            quote!(#x.iter().map(|item| ::core::result::Result::Ok::<_, rt::Error>(#inner)).collect::<::core::result::Result<::std::vec::Vec<_>, _>>()?)
        }
        Leaf::Some(inner) => {
            let inner = leaf(inner, x, json_path);
            quote!(::core::option::Option::Some(#inner))
        }
    }
}

/// Whether converting a present wire value can neither fail nor return early.
pub(super) fn infallible(l: &Leaf) -> bool {
    match l {
        Leaf::Same => true,
        Leaf::Newtype(_, inner) | Leaf::Some(inner) => infallible(inner),
        Leaf::Enum { catch_all, .. } => catch_all.is_some(),
        Leaf::Narrow(_) | Leaf::Nested(_) | Leaf::Each(_) => false,
    }
}

pub(super) fn field_value(v: &ConvValue) -> TokenStream {
    match v {
        ConvValue::Fresh(MarkKind::Flag) => quote!(false),
        ConvValue::Fresh(_) => quote!(::core::option::Option::None),
        ConvValue::Read {
            read,
            leaf: l,
            missing,
        } => {
            let (e, absent) = read_expr(read);
            let json_path = &read.json_path;
            if !absent {
                return leaf(l, e, json_path);
            }
            // An optional domain field read through a conversion that cannot fail is a
            // plain `map` (clippy's `manual_map` flags the match).
            if let (Missing::None, Leaf::Some(inner)) = (missing, l) {
                if matches!(**inner, Leaf::Same) {
                    return quote!(#e.cloned());
                }
                if infallible(inner) {
                    let inner = leaf(inner, quote!(x), json_path);
                    return quote!(#e.map(|x| #inner));
                }
            }
            let present = leaf(l, quote!(x), json_path);
            let none = match missing {
                Missing::None => quote!(::core::option::Option::None),
                Missing::Default(d) => match syn::parse_str::<syn::Expr>(d) {
                    Ok(d) => quote!(#d),
                    Err(_) => quote!(::core::default::Default::default()),
                },
                Missing::Error => quote!(return ::core::result::Result::Err(rt::Error::contract(
                    op, ::std::string::String::from(#json_path), ::std::string::String::from("missing or null in the vendor's response")
                ))),
            };
            quote!(match #e { ::core::option::Option::Some(x) => #present, ::core::option::Option::None => #none })
        }
        ConvValue::Via {
            function,
            reads,
            json_path,
            required,
        } => {
            let f = path(function);
            let args = reads.iter().map(|r| {
                let (e, absent) = read_expr(r);
                let p = &r.json_path;
                if absent && *required {
                    quote!(#e.cloned().ok_or_else(|| rt::Error::contract(
                        op, ::std::string::String::from(#p), ::std::string::String::from("missing or null in the vendor's response")
                    ))?)
                } else if absent {
                    quote!(#e.cloned())
                } else {
                    quote!(::core::clone::Clone::clone(#e))
                }
            });
            quote!(#f(#(#args),*).map_err(|e| rt::Error::contract(op, ::std::string::String::from(#json_path), ::std::string::ToString::to_string(&e)))?)
        }
    }
}

pub(super) fn converter(c: &Converter) -> TokenStream {
    let name = ident(&c.name);
    let domain = path(&c.domain_type);
    let wire = ident(&c.wire_type);
    let doc = format!(
        " Builds `{}` from the vendor's `{}`.",
        c.domain_type, c.wire_type
    );
    let fields = c.fields.iter().map(|f| {
        let n = ident(&f.field);
        let v = field_value(&f.value);
        quote!(#n: #v,)
    });
    quote! {
        #[doc = #doc]
        #[allow(unused_variables)]
        pub(super) fn #name(wire: &super::vendor::#wire, op: &'static str) -> ::core::result::Result<#domain, rt::Error> {
            ::core::result::Result::Ok(#domain { #(#fields)* })
        }
    }
}

pub(super) fn vendor_error_fn(e: &ErrorBodyPlan) -> TokenStream {
    let f = format_ident!(
        "classify_{}",
        crate::ident::snake(&e.wire_type).trim_start_matches("r#")
    );
    let w = ident(&e.wire_type);
    let get = |p: &Option<Read>| match p {
        Some(read) => {
            // Error bodies are read tolerantly: every step is optional.
            let chain = read_chain(read, quote!(body.as_ref()));
            quote!(#chain.map(|v| match v {
                ::portcullis_runtime::__private::serde_json::Value::String(s) => ::core::clone::Clone::clone(s),
                other => ::std::string::ToString::to_string(other),
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let code = get(&e.code);
    let message = get(&e.message);
    quote! {
        /// Classifies a vendor error response, reading its code and message when the body has them.
        pub(super) fn #f(op: &'static str, response: &rt::Response) -> rt::Error {
            let body: ::core::option::Option<super::vendor::#w> = response.decode_json(op).ok();
            rt::Error::from_vendor_response(op, response, #code, #message)
        }
    }
}

/// The name of the function holding the top-level error rules for one error type.
pub(super) fn shared_error_fn(err_type: &str) -> Ident {
    let last = err_type.rsplit("::").next().unwrap_or(err_type);
    format_ident!(
        "{}_from_runtime",
        crate::ident::snake(last).trim_start_matches("r#")
    )
}

/// `if` chains for the rules; the catch-all, if any, as the final expression.
pub(super) fn rule_chain(rules: &[&ErrorRulePlan]) -> (Vec<TokenStream>, Option<TokenStream>) {
    let build = |r: &ErrorRulePlan| {
        let t = path(&r.target);
        match r.build {
            VariantBuild::Unit => quote!(#t),
            VariantBuild::Message => quote!(#t(::std::string::ToString::to_string(&e))),
        }
    };
    let mut out = Vec::new();
    let mut fallback = None;
    for r in rules {
        let v = build(r);
        match &r.key {
            ErrorMatch::StatusCode(s, c) => out.push(quote!(if e.status() == ::core::option::Option::Some(#s) && e.code() == ::core::option::Option::Some(#c) { return #v; })),
            ErrorMatch::Status(s) => out.push(quote!(if e.status() == ::core::option::Option::Some(#s) { return #v; })),
            ErrorMatch::StatusClass(c) => out.push(quote!(if e.status().is_some_and(|s| s / 100 == #c) { return #v; })),
            ErrorMatch::Kind(k) => {
                let variant = format_ident!("{}", k.variant());
                out.push(quote!(if ::core::matches!(e.kind(), rt::ErrorKind::#variant) { return #v; }));
            }
            ErrorMatch::CatchAll => {
                if fallback.is_none() {
                    fallback = Some(v);
                }
            }
        }
    }
    (out, fallback)
}

/// The top-level `errors:` rules, once per error type.
pub(super) fn shared_error_fns(plan: &Plan) -> Vec<TokenStream> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for op in &plan.operations {
        if !seen.insert(op.err_type.clone()) {
            continue;
        }
        let rules: Vec<&ErrorRulePlan> = op
            .error_rules
            .iter()
            .filter(|r| !r.operation_level)
            .collect();
        // Emitted only when some operation falls through to it (an unused fn is a warning).
        let used = plan.operations.iter().any(|o| {
            o.err_type == op.err_type
                && !o
                    .error_rules
                    .iter()
                    .any(|r| r.operation_level && r.key == ErrorMatch::CatchAll)
        });
        if rules.is_empty() || !used {
            continue;
        }
        let f = shared_error_fn(&op.err_type);
        let err = ty(&op.err_type);
        let (chain, fallback) = rule_chain(&rules);
        let last = fallback
            .unwrap_or_else(|| quote!(::core::unreachable!("the planner requires a catch-all")));
        let doc = format!(
            " The mapping's top-level error rules for `{}`.",
            op.err_type
        );
        out.push(quote! {
            #[doc = #doc]
            fn #f(e: rt::Error) -> #err {
                #(#chain)*
                #last
            }
        });
    }
    out
}

pub(super) fn error_fn(op: &OperationPlan) -> TokenStream {
    let f = format_ident!(
        "{}_error",
        op.method.trim_start_matches("r#").trim_end_matches('_')
    );
    let err = ty(&op.err_type);
    let doc = format!(
        " Maps runtime errors of `{}` to the port's error type.",
        op.method
    );
    let own: Vec<&ErrorRulePlan> = op
        .error_rules
        .iter()
        .filter(|r| r.operation_level)
        .collect();
    let (chain, fallback) = rule_chain(&own);
    let shared = shared_error_fn(&op.err_type);
    let last = fallback.unwrap_or_else(|| quote!(#shared(e)));
    quote! {
        #[doc = #doc]
        pub(super) fn #f(e: rt::Error) -> #err {
            #(#chain)*
            #last
        }
    }
}

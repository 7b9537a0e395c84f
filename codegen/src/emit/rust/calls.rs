//! The `call_*` functions: each builds its request from the method's arguments, sends
//! it through the pipeline and decodes the answer by status.

use super::fallback::{caller_field, mark_assign};
use super::tokens::{ident, path, ty};
use super::translate::read_expr;
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) fn access(a: &[String]) -> TokenStream {
    let mut it = a.iter();
    let first = ident(it.next().map(String::as_str).unwrap_or("_"));
    let mut t = quote!(#first);
    for seg in it {
        if let Ok(i) = seg.parse::<usize>() {
            let idx = syn::Index::from(i);
            t = quote!(#t.#idx);
        } else {
            let f = ident(seg);
            t = quote!(#t.#f);
        }
    }
    t
}

/// An owned wire value.
pub(super) fn value(v: &ValuePlan) -> TokenStream {
    match v {
        ValuePlan::Const(c) => match c {
            serde_json::Value::String(s) => quote!(::std::string::String::from(#s)),
            serde_json::Value::Bool(b) => quote!(#b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => quote!(#i),
                (None, Some(f)) => quote!(#f),
                _ => quote!(0),
            },
            // Objects and lists: parsed from their JSON text, which the planner produced.
            other => {
                let text = other.to_string();
                quote!(::portcullis_runtime::__private::serde_json::from_str::<::portcullis_runtime::__private::serde_json::Value>(#text).unwrap_or_default())
            }
        },
        ValuePlan::Expr {
            access: a,
            clone,
            optional,
            widen,
            via,
        } => {
            let a = access(a);
            if let Some(via) = via {
                let f = path(via);
                return quote!(#f(&#a));
            }
            match (widen, optional) {
                (Some(w), false) => {
                    let w = ident(w);
                    quote!(#w::from(#a))
                }
                (Some(w), true) => {
                    let w = ident(w);
                    quote!(#a.map(#w::from))
                }
                (None, _) if *clone => quote!(#a.clone()),
                (None, _) => quote!(#a),
            }
        }
    }
}

pub(super) fn body_node(n: &BodyNode) -> TokenStream {
    match n {
        BodyNode::Leaf(v) => value(v),
        BodyNode::IdempotencyKey => quote!(::std::string::String::new()),
        BodyNode::List {
            source,
            optional,
            item,
        } => {
            let src = access(source);
            // An item built from constants only does not read `item`.
            let binder = if reads_item(item) {
                quote!(item)
            } else {
                quote!(_)
            };
            let item = body_node(item);
            if *optional {
                quote!(#src.as_ref().map(|items| items.iter().map(|#binder| #item).collect::<::std::vec::Vec<_>>()))
            } else {
                quote!(#src.iter().map(|#binder| #item).collect::<::std::vec::Vec<_>>())
            }
        }
        BodyNode::Struct { wire_type, fields } => {
            let t = ident(wire_type);
            let fs = fields.iter().map(|(name, node, wrap)| {
                let f = ident(name);
                let v = body_node(node);
                if *wrap {
                    quote!(#f: ::core::option::Option::Some(#v))
                } else {
                    quote!(#f: #v)
                }
            });
            quote!(vendor::#t { #(#fs),* })
        }
    }
}

/// Whether a list item's node reads the `item` binding.
pub(super) fn reads_item(n: &BodyNode) -> bool {
    match n {
        BodyNode::Leaf(ValuePlan::Expr { access, .. }) => {
            access.first().is_some_and(|a| a == "item")
        }
        BodyNode::Leaf(ValuePlan::Const(_)) | BodyNode::IdempotencyKey => false,
        BodyNode::Struct { fields, .. } => fields.iter().any(|(_, f, _)| reads_item(f)),
        BodyNode::List { source, .. } => source.first().is_some_and(|a| a == "item"),
    }
}

/// The top-level body field that holds the idempotency key, if any.
pub(super) fn key_field(n: &BodyNode) -> Option<(String, bool)> {
    match n {
        BodyNode::Struct { fields, .. } => fields
            .iter()
            .find(|(_, node, _)| matches!(node, BodyNode::IdempotencyKey))
            .map(|(name, _, wrap)| (name.clone(), *wrap)),
        _ => None,
    }
}

pub(super) fn call_fn(op: &OperationPlan) -> TokenStream {
    let fname = format_ident!("call_{}", op.method.trim_start_matches("r#"));
    let args = op.args.iter().map(|(n, t)| {
        let n = ident(n);
        let t = ty(t);
        quote!(#n: #t)
    });
    let ok = ty(&op.ok_type);
    let opname = &op.method;
    let method = format_ident!("{}", op.http_method);
    let template = &op.path;
    let doc = format!(
        " `{} {}` ({}).",
        op.http_method,
        crate::emit::text::doc_code(&op.path),
        crate::emit::text::doc_text(&op.operation_id)
    );

    let mut stmts = Vec::new();
    if let Some(b) = &op.body {
        let body = body_node(&b.root);
        // `mut` only when the idempotency key is written into the body afterwards.
        if op.idempotency.is_some() && key_field(&b.root).is_some() {
            stmts.push(quote!(let mut body = #body;));
        } else {
            stmts.push(quote!(let body = #body;));
        }
    }
    // Idempotency key: derived from the domain value or remembered by the store for replays.
    if let Some(i) = &op.idempotency {
        let from = match &i.from {
            Some(ValuePlan::Expr { access: a, .. }) => {
                let a = access(a);
                quote!(::core::option::Option::Some(::std::string::ToString::to_string(&#a)))
            }
            _ => quote!(::core::option::Option::None),
        };
        let path_values = op.params.iter().filter(|p| p.location == ParamLocation::Path).map(|p| {
            let v = value(&p.value);
            quote!(fingerprint.extend_from_slice(::std::string::ToString::to_string(&#v).as_bytes()); fingerprint.push(0);)
        });
        let body_fp = if op.body.is_some() {
            quote!(fingerprint.extend(::portcullis_runtime::__private::serde_json::to_vec(&body).unwrap_or_default());)
        } else {
            quote!()
        };
        stmts.push(quote! {
            let mut fingerprint: ::std::vec::Vec<u8> = ::std::vec::Vec::new();
            #(#path_values)*
            #body_fp
            let key = self.pipeline.idempotency_key(OP, #from, &fingerprint).await;
        });
        if let Some((field, wrap)) = op.body.as_ref().and_then(|b| key_field(&b.root)) {
            let f = ident(&field);
            if wrap {
                stmts.push(quote!(body.#f = ::core::option::Option::Some(::std::string::ToString::to_string(&key));));
            } else {
                stmts.push(quote!(body.#f = ::std::string::ToString::to_string(&key);));
            }
        }
    }
    // `mut` only when something is added to the request (an unused `mut` is a warning).
    let adds = !op.params.is_empty() || op.body.is_some() || op.idempotency.is_some();
    let mut init = quote!(::portcullis_runtime::Request::new(OP, ::portcullis_runtime::Method::#method, #template));
    if op.anonymous {
        // The spec says `security: []`: a public endpoint never sees the secret.
        init = quote!(#init.without_auth());
    }
    if adds {
        stmts.push(quote!(let mut request = #init;));
    } else {
        stmts.push(quote!(let request = #init;));
    }
    for p in &op.params {
        let name = &p.wire_name;
        let v = value(&p.value);
        let optional = matches!(
            &p.value,
            ValuePlan::Expr {
                optional: true,
                via: None,
                ..
            }
        );
        let add = |val: TokenStream| match p.location {
            ParamLocation::Path => {
                quote!(request = request.path_param(#name, ::std::string::ToString::to_string(&#val));)
            }
            ParamLocation::Query => match &p.array_item_name {
                Some(item) => quote!(for item in #val { request = request.query(#item, item); }),
                None => quote!(request = request.query(#name, #val);),
            },
            ParamLocation::Header => quote!(request = request.header(#name, #val);),
        };
        if optional {
            let inner = add(quote!(v));
            stmts.push(quote!(if let ::core::option::Option::Some(v) = #v { #inner }));
        } else {
            stmts.push(add(v));
        }
    }
    if let Some(b) = &op.body {
        match &b.encoding {
            BodyEncoding::Json => stmts.push(quote!(request = request.json_body(&body)?;)),
            BodyEncoding::Form => stmts.push(quote!(request = request.form_body(&body)?;)),
            BodyEncoding::Raw(ct) => stmts.push(quote!(request = request.raw_body(#ct, body);)),
        }
    }
    if let Some(i) = &op.idempotency {
        let placement = match &i.header {
            Some(h) => quote!(::portcullis_runtime::KeyPlacement::Header(#h)),
            None => quote!(::portcullis_runtime::KeyPlacement::Body),
        };
        stmts.push(quote!(request = request.idempotency(&key, #placement);));
    }
    let caller = matches!(
        op.fallback,
        Some(FallbackPlan {
            strategy: FallbackStrategy::Caller,
            ..
        })
    );
    // A cache or static answer comes back as a response the runtime marked degraded.
    let runtime_mark = op
        .fallback
        .as_ref()
        .filter(|f| !matches!(f.strategy, FallbackStrategy::Caller))
        .map(|f| &f.mark);

    let mut arms = Vec::new();
    let mut has_range = false;
    for r in &op.responses {
        let outcome = match &r.decode {
            Some((wire, conv)) => {
                let w = ident(wire);
                let c = ident(conv);
                let reject = r.reject.as_ref().map(reject_check);
                let inner = match &r.unwrap {
                    None => quote!(translate::#c(wire, OP)),
                    Some(read) => {
                        let (e, absent) = read_expr(read);
                        let p = &read.json_path;
                        if absent {
                            quote!({
                                let inner = #e.ok_or_else(|| ::portcullis_runtime::Error::contract(
                                    OP, ::std::string::String::from(#p), ::std::string::String::from("missing or null in the vendor's response")
                                ))?;
                                translate::#c(inner, OP)
                            })
                        } else {
                            quote!(translate::#c(#e, OP))
                        }
                    }
                };
                quote!({
                    let wire: &vendor::#w = &response.decode_json(OP)?;
                    #reject
                    #inner
                })
            }
            None if op.ok_type == "()" => quote!(::core::result::Result::Ok(())),
            None => quote!(::core::result::Result::Err(
                ::portcullis_runtime::Error::contract(
                    OP,
                    ::std::string::String::from("$"),
                    ::std::format!(
                        "status {} has no body to build the result from",
                        response.status()
                    )
                )
            )),
        };
        match r.status {
            Some(s) => arms.push(quote!(#s => #outcome,)),
            None => {
                has_range = true;
                arms.push(quote!(200..=299 => #outcome,));
            }
        }
    }
    if !has_range {
        arms.push(quote!(status @ 200..=299 => ::core::result::Result::Err(translate::unexpected_status(OP, status)),));
    }
    let failure = match &op.error_body {
        Some(e) => {
            let f = format_ident!(
                "classify_{}",
                crate::ident::snake(&e.wire_type).trim_start_matches("r#")
            );
            quote!(translate::#f(OP, &response))
        }
        None => quote!(::portcullis_runtime::Error::from_vendor_response(
            OP,
            &response,
            ::core::option::Option::None,
            ::core::option::Option::None
        )),
    };
    arms.push(quote!(_ => ::core::result::Result::Err(#failure),));

    let send = quote!(let response = self.pipeline.send(request).await?;);
    let decode = match runtime_mark {
        None => quote! {
            #send
            match response.status() {
                #(#arms)*
            }
        },
        Some(m) => {
            let set = match m.kind {
                MarkKind::Flag => {
                    let f = ident(&m.field);
                    quote!(if response.degraded().is_some() { value.#f = true; })
                }
                _ => {
                    let set = mark_assign(m);
                    quote!(if let ::core::option::Option::Some(degraded) = response.degraded() { #set })
                }
            };
            quote! {
                #send
                let mut value = match response.status() {
                    #(#arms)*
                }?;
                // Degradation is never silent: the result says so.
                #set
                ::core::result::Result::Ok(value)
            }
        }
    };
    let body = match (&op.fallback, caller) {
        (Some(fb), true) => {
            let field = caller_field(op);
            let set = mark_assign(&fb.mark);
            let inputs = op.args.iter().map(|(n, t)| {
                let n = ident(n);
                if t.starts_with('&') {
                    quote!(#n)
                } else {
                    quote!(&#n)
                }
            });
            quote! {
                let outcome: ::core::result::Result<#ok, ::portcullis_runtime::Error> = async {
                    #decode
                }
                .await;
                match outcome {
                    // Only when the vendor is at fault; our own mistakes always surface.
                    ::core::result::Result::Err(e) if ::portcullis_runtime::Degraded::applies_to(&e) => {
                        let ::core::option::Option::Some(f) = &self.#field else {
                            return ::core::result::Result::Err(e);
                        };
                        match f(#(#inputs,)* &e) {
                            ::core::option::Option::Some(mut value) => {
                                let degraded = ::portcullis_runtime::Degraded::new(
                                    ::portcullis_runtime::DegradedSource::Caller,
                                    ::core::option::Option::None,
                                    &e,
                                );
                                self.pipeline.record_degraded(OP, &degraded);
                                #set
                                ::core::result::Result::Ok(value)
                            }
                            ::core::option::Option::None => ::core::result::Result::Err(e),
                        }
                    }
                    other => other,
                }
            }
        }
        _ => decode,
    };
    quote! {
        #[doc = #doc]
        async fn #fname(&self, #(#args),*) -> ::core::result::Result<#ok, ::portcullis_runtime::Error> {
            const OP: &str = #opname;
            #(#stmts)*
            #body
        }
    }
}

/// A 2xx body that says "refused" becomes a vendor error whose code is the refusal value.
pub(super) fn reject_check(r: &RejectPlan) -> TokenStream {
    let (field, absent) = read_expr(&r.field);
    let field = if absent {
        field
    } else {
        quote!(::core::option::Option::Some(#field))
    };
    let values = &r.values;
    let message = match &r.message {
        Some(m) => {
            let (e, absent) = read_expr(m);
            if absent {
                quote!(#e.cloned())
            } else {
                quote!(::core::option::Option::Some(::core::clone::Clone::clone(#e)))
            }
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        if let ::core::option::Option::Some(value) =
            #field.filter(|value| [#(#values),*].contains(&value.as_str()))
        {
            return ::core::result::Result::Err(::portcullis_runtime::Error::Vendor {
                operation: ::std::string::String::from(OP),
                status: response.status(),
                code: ::core::option::Option::Some(::core::clone::Clone::clone(value)),
                message: #message,
            });
        }
    }
}

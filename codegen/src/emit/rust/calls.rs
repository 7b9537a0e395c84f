//! The `call_*` functions: each builds its request (`request.rs`), sends it through the
//! pipeline and decodes the answer by status, with the operation's fallback around it.

use super::Ctx;
use super::errors::classify_fn;
use super::fallback::{caller_field, mark_assign};
use super::read::{Got, Take, read};
use super::request::{is_caller, request};
use super::tokens::{ident, int, ty};
use super::translate::missing;
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// What one success response becomes.
fn outcome(ctx: &Ctx, op: &OperationPlan, r: &ResponsePlan) -> TokenStream {
    let Some((wire, conv)) = &r.decode else {
        return if op.ok_type == "()" {
            quote!(Ok(()))
        } else {
            quote!(Err(rt::Error::contract(
                OP,
                "$",
                format!(
                    "status {} has no body to build the result from",
                    response.status()
                )
            )))
        };
    };
    if let Some(pg) = &op.paginate {
        let reject = r.reject.as_ref().map(|rj| reject_check(ctx, wire, rj));
        return super::paginate::page_outcome(ctx, pg, r, wire, conv, reject);
    }
    let w = ident(wire);
    let c = ident(conv);
    let convert = |v: TokenStream| {
        if ctx.fallible(conv) {
            quote!(translate::#c(#v, OP))
        } else {
            quote!(Ok(translate::#c(#v)))
        }
    };
    // A list is converted item by item: the items' converter is the same as for one.
    let convert_list = |v: TokenStream| {
        if ctx.fallible(conv) {
            quote!(#v.into_iter().map(|item| translate::#c(item, OP)).collect::<Result<Vec<_>, _>>())
        } else {
            quote!(Ok(#v.into_iter().map(translate::#c).collect()))
        }
    };
    let convert = |v: TokenStream| {
        if r.list { convert_list(v) } else { convert(v) }
    };
    if r.list && r.unwrap.is_none() {
        return convert_list(quote!(response.decode_json::<Vec<vendor::#w>>(OP)?));
    }
    if r.reject.is_none() && r.unwrap.is_none() {
        return convert(quote!(response.decode_json(OP)?));
    }
    let reject = r.reject.as_ref().map(|rj| reject_check(ctx, wire, rj));
    let inner = match &r.unwrap {
        None => convert(quote!(wire)),
        Some(u) => match read(ctx.plan, wire, quote!(wire), u, Take::Move) {
            Got::Opt(e) => {
                let m = missing(ctx, quote!(OP), &u.json_path, true);
                let call = convert(quote!(inner));
                quote!(let inner = #e.ok_or_else(|| #m)?; #call)
            }
            got => convert(got.value()),
        },
    };
    quote!({
        let wire: vendor::#w = response.decode_json(OP)?;
        #reject
        #inner
    })
}

/// The `match` on the response's status, specific codes before the range (the plan's
/// order); identical arms merged, and left to the range when it does the same.
fn decode(ctx: &Ctx, op: &OperationPlan) -> TokenStream {
    let mut arms: Vec<(Vec<TokenStream>, TokenStream)> = Vec::new();
    let mut range = None;
    for r in &op.responses {
        let out = outcome(ctx, op, r);
        match r.status {
            Some(s) => {
                let s = int(s);
                match arms
                    .iter_mut()
                    .find(|(_, o)| o.to_string() == out.to_string())
                {
                    Some((pats, _)) => pats.push(s),
                    None => arms.push((vec![s], out)),
                }
            }
            None => range = Some(out),
        }
    }
    if let Some(r) = &range {
        arms.retain(|(_, out)| out.to_string() != r.to_string());
    }
    let arms = arms.iter().map(|(pats, out)| quote!(#(#pats)|* => #out,));
    let range = match range {
        Some(out) => quote!(200..=299 => #out,),
        None => quote!(status @ 200..=299 => Err(translate::unexpected_status(OP, status)),),
    };
    let failure = match &op.error_body {
        Some(e) => {
            let f = classify_fn(&e.wire_type);
            quote!(translate::#f(OP, &response))
        }
        None => quote!(rt::Error::from_vendor_response(OP, &response, None, None)),
    };
    quote! {
        match response.status() {
            #(#arms)*
            #range
            _ => Err(#failure),
        }
    }
}

pub(super) fn call_fn(ctx: &Ctx, op: &OperationPlan) -> TokenStream {
    let fname = format_ident!("call_{}", op.method.trim_start_matches("r#"));
    let args = op.args.iter().map(|(n, t)| {
        let n = ident(n);
        let t = ty(t);
        quote!(#n: #t)
    });
    let ok = ty(&op.ok_type);
    let opname = &op.method;
    let doc = format!(
        " `{} {}` ({}).",
        op.http_method,
        crate::emit::text::doc_code(&op.path),
        crate::emit::text::doc_text(&op.operation_id)
    );
    let stmts = request(ctx, op);
    let matched = decode(ctx, op);
    let send = quote!(let response = self.pipeline.send(request).await?;);
    // A cache or static answer comes back as a response the runtime marked degraded.
    let runtime_mark = op
        .fallback
        .as_ref()
        .filter(|f| !matches!(f.strategy, FallbackStrategy::Caller))
        .map(|f| &f.mark);
    let decode = match runtime_mark {
        None => quote!(#send #matched),
        Some(m) => {
            let set = match m.kind {
                MarkKind::Flag => {
                    let f = ident(&m.field);
                    quote!(if response.degraded().is_some() { value.#f = true; })
                }
                _ => {
                    let set = mark_assign(m, false);
                    quote!(if let Some(degraded) = response.degraded() { #set })
                }
            };
            quote! {
                #send
                let mut value = #matched?;
                // Degradation is never silent: the result says so.
                #set
                Ok(value)
            }
        }
    };
    let body = match &op.fallback {
        _ if op.paginate.is_some() => match &op.paginate {
            Some(pg) => super::paginate::body(op, pg, &stmts, matched),
            None => quote!(),
        },
        Some(fb) if is_caller(op) => {
            let field = caller_field(op);
            let set = mark_assign(&fb.mark, true);
            let inputs = op.args.iter().map(|(n, t)| {
                let n = ident(n);
                if t.starts_with('&') {
                    quote!(#n)
                } else {
                    quote!(&#n)
                }
            });
            quote! {
                #(#stmts)*
                let outcome: Result<#ok, rt::Error> = async {
                    #decode
                }
                .await;
                match outcome {
                    // Only when the vendor is at fault; our own mistakes always surface.
                    Err(e) if rt::Degraded::applies_to(&e) => {
                        let Some(f) = &self.#field else {
                            return Err(e);
                        };
                        match f(#(#inputs,)* &e) {
                            Some(mut value) => {
                                let degraded = rt::Degraded::new(rt::DegradedSource::Caller, None, &e);
                                self.pipeline.record_degraded(OP, &degraded);
                                #set
                                Ok(value)
                            }
                            None => Err(e),
                        }
                    }
                    other => other,
                }
            }
        }
        _ => quote!(#(#stmts)* #decode),
    };
    quote! {
        #[doc = #doc]
        pub(super) async fn #fname(&self, #(#args),*) -> Result<#ok, rt::Error> {
            const OP: &str = #opname;
            #body
        }
    }
}

/// A 2xx body that says "refused" becomes a vendor error whose code is the refusal value.
fn reject_check(ctx: &Ctx, wire: &str, r: &RejectPlan) -> TokenStream {
    let code = match read(ctx.plan, wire, quote!(wire), &r.field, Take::Borrow) {
        Got::Opt(e) => e,
        got => {
            let v = got.value();
            quote!(Some(#v))
        }
    };
    let values = &r.values;
    let message = match &r.message {
        Some(m) => match read(ctx.plan, wire, quote!(wire), m, Take::Clone) {
            Got::Opt(e) => e,
            got => {
                let v = got.value();
                quote!(Some(#v))
            }
        },
        None => quote!(None),
    };
    quote! {
        if let Some(code) = #code.filter(|code| matches!(code.as_str(), #(#values)|*)) {
            return Err(rt::Error::Vendor {
                operation: OP.into(),
                status: response.status(),
                code: Some(code.clone()),
                message: #message,
            });
        }
    }
}

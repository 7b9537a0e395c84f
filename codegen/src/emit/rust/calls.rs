//! The `call_*` functions: each builds its request (`request/`), sends it through the
//! pipeline and decodes the answer by status, with the operation's fallback around it.

use super::Ctx;
use super::errors::{classify_fn, in_success_fn};
use super::fallback::{caller_field, mark_assign};
use super::read::{Got, Take, read};
use super::request::{is_caller, request};
use super::tokens::{ident, int, ty};
use super::translate::{convert_items, missing};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// What one success response becomes.
fn outcome(ctx: &Ctx, op: &OperationPlan, r: &ResponsePlan) -> TokenStream {
    let Some((wire, conv)) = &r.decode else {
        return if op.call_ok_type() == "()" {
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
    let w = ident(wire);
    let c = ident(conv);
    // A 2xx body that is not the promised success may be the vendor's error: then the
    // caller gets that error with its code and message, not a contract failure.
    // `recv` is the response as a method receiver, `r` as an argument: `&response` for
    // both would read `&response.json_text(..)`, a reference to the text.
    let vendor_of = |recv: TokenStream, r: TokenStream| match (&op.error_body, &op.error_paths) {
        _ if !op.error_in_success.any() => None,
        (Some(e), _) => {
            let g = in_success_fn(&e.wire_type, op.error_in_success);
            Some(quote!(translate::#g(&self.pipeline, OP, #r)))
        }
        (None, Some(p)) if p.code.is_some() || p.message.is_some() => {
            let text = |path: &Option<Vec<String>>| match path {
                Some(segs) => quote!(#recv.json_text(&[#(#segs),*])),
                None => quote!(None),
            };
            let (code, message) = (text(&p.code), text(&p.message));
            let signal = op.error_in_success;
            let test = match (signal.code, signal.message) {
                (true, false) => quote!(code.is_some()),
                (false, true) => quote!(message.is_some()),
                _ => quote!(code.is_some() || message.is_some()),
            };
            Some(quote!({
                let (code, message) = (#code, #message);
                (#test).then(|| self.pipeline.vendor_error(OP, #r, code, message))
            }))
        }
        _ => None,
    };
    let vendor = vendor_of(quote!(r), quote!(r)).map(|v| quote!(|r| #v));
    // A success whose required part is missing may be the vendor's error too (Square
    // answers `{"errors": [...]}` in the success envelope).
    let vendor_now = vendor_of(quote!(response), quote!(&response));
    // The type is named only where inference cannot find it (a list).
    let decode = |ty: TokenStream| {
        let turbofish = (!ty.is_empty()).then(|| quote!(::<#ty>));
        match &vendor {
            Some(v) => quote!(response.decode_success #turbofish (OP, #v)?),
            None => quote!(response.decode_json #turbofish (OP)?),
        }
    };
    if let Some(pg) = &op.paginate {
        // A page that is the vendor's error (Slack's `ok: false` lacks `channels`) is
        // that error, as for a single answer.
        let reject = r.reject.as_ref().map(|rj| reject_check(ctx, wire, rj));
        let decoded = match r.unwrap {
            None => decode(quote!(Vec<vendor::#w>)),
            Some(_) => decode(quote!(vendor::#w)),
        };
        return super::paginate::page_outcome(ctx, pg, r, wire, conv, reject, decoded);
    }
    // Values of the call's arguments (`fields:`), kept before the request consumed them;
    // cloned, since a status match may name the converter in more than one arm.
    let given: Vec<TokenStream> = op
        .given
        .iter()
        .map(|g| {
            let p = ident(&g.param);
            quote!(, #p.clone())
        })
        .collect();
    // A converter names paths from the value it converts; one taken out of `unwrap:`'s
    // place, or a list's item, has its errors name where it sits in the whole body.
    let base = r.unwrap.as_ref().map_or("$", |u| u.json_path.as_str());
    let convert = |v: TokenStream| match (ctx.fallible(conv), base) {
        (true, "$") => quote!(translate::#c(#v, OP #(#given)*)),
        (true, _) => quote!(translate::#c(#v, OP #(#given)*).map_err(|e| e.within(#base))),
        (false, _) => quote!(Ok(translate::#c(#v #(#given)*))),
    };
    // A list is converted item by item: the items' converter is the same as for one.
    let convert_list = |v: TokenStream| {
        if ctx.fallible(conv) {
            convert_items(conv, v, base)
        } else {
            quote!(Ok(#v.into_iter().map(translate::#c).collect()))
        }
    };
    let convert = |v: TokenStream| {
        if r.list { convert_list(v) } else { convert(v) }
    };
    if r.list && r.unwrap.is_none() && r.null_is_empty {
        let items = decode(quote!(Option<Vec<vendor::#w>>));
        return convert_list(quote!((#items).unwrap_or_default()));
    }
    if r.list && r.unwrap.is_none() {
        return convert_list(decode(quote!(Vec<vendor::#w>)));
    }
    if r.reject.is_none() && r.unwrap.is_none() {
        return convert(decode(quote!()));
    }
    let reject = r.reject.as_ref().map(|rj| reject_check(ctx, wire, rj));
    let inner = match &r.unwrap {
        None => convert(quote!(wire)),
        Some(u) => match read(ctx.plan, wire, quote!(wire), u, Take::Move) {
            Got::Opt(e) => {
                let m = missing(ctx, quote!(OP), &u.json_path, true);
                let m = match &vendor_now {
                    Some(v) => quote!(#v.unwrap_or_else(|| #m)),
                    None => m,
                };
                let call = convert(quote!(inner));
                quote!(let inner = #e.ok_or_else(|| #m)?; #call)
            }
            got => convert(got.value()),
        },
    };
    let wire_value = decode(quote!());
    quote!({
        let wire: vendor::#w = #wire_value;
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
    // Through the pipeline: it keeps the vendor's message on 401 and 403 and masks any
    // secret the vendor echoes.
    // The mapping first: a 401 or 403 whose code a rule names is that vendor error.
    let named: Vec<TokenStream> = op
        .error_rules
        .iter()
        .filter_map(|r| match &r.key {
            ErrorMatch::StatusCode(s @ (401 | 403 | 429), c) => {
                let s = int(*s);
                Some(quote!((#s, #c)))
            }
            _ => None,
        })
        .collect();
    let failure = match (&op.error_body, &op.error_paths) {
        (Some(e), _) => {
            let f = classify_fn(&e.wire_type);
            quote!(translate::#f(&self.pipeline, OP, &response, &[#(#named),*]))
        }
        (None, Some(p)) => {
            let text = |path: &Option<Vec<String>>| match path {
                Some(segs) => quote!(response.json_text(&[#(#segs),*])),
                None => quote!(None),
            };
            let (code, message) = (text(&p.code), text(&p.message));
            if named.is_empty() {
                quote!(self.pipeline.vendor_error(OP, &response, #code, #message))
            } else {
                quote!(self.pipeline.vendor_error_by_rules(OP, &response, #code, #message, &[#(#named),*]))
            }
        }
        (None, None) => quote!(self.pipeline.vendor_error(OP, &response, None, None)),
    };
    // Inside `conclude`, so the call is counted as the error the caller gets, whichever
    // arm or conversion produced it.
    quote! {
        response.conclude(|| match response.status() {
            #(#arms)*
            #range
            _ => Err(#failure),
        })
    }
}

pub(super) fn call_fn(ctx: &Ctx, op: &OperationPlan) -> TokenStream {
    let fname = format_ident!("call_{}", op.method.trim_start_matches("r#"));
    let args = op.args.iter().map(|(n, t)| {
        let n = super::request::arg_ident(n);
        let t = ty(t);
        quote!(#n: #t)
    });
    let ok = ty(op.call_ok_type());
    let opname = &op.method;
    let doc = format!(
        " `{} {}`{}.",
        op.http_method,
        crate::emit::text::doc_code(&op.path),
        op.vendor_name()
            .map(|n| format!(" ({})", crate::emit::text::doc_text(n)))
            .unwrap_or_default()
    );
    let stmts = request(ctx, op);
    let matched = decode(ctx, op);
    let given = op.given.iter().map(|g| {
        let p = ident(&g.param);
        let a = super::request::access(&g.access);
        let value = if g.to_owned {
            quote!(#a.to_owned())
        } else {
            quote!(#a.clone())
        };
        if g.some {
            quote!(let #p = Some(#value);)
        } else {
            quote!(let #p = #value;)
        }
    });
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
                let n = super::request::arg_ident(n);
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
    if op.style.is_stream() {
        let item = super::port::stream_item(&op.ok_type);
        return quote! {
            #[doc = #doc]
            pub(super) fn #fname(&self, #(#args),*) -> impl rt::paginate::Stream<Item = Result<#item, rt::Error>> + Send + '_ {
                const OP: &str = #opname;
                #(#given)*
                #body
            }
        };
    }
    quote! {
        #[doc = #doc]
        pub(super) async fn #fname(&self, #(#args),*) -> Result<#ok, rt::Error> {
            const OP: &str = #opname;
            #(#given)*
            #body
        }
    }
}

/// A 2xx body that says "refused" becomes a vendor error whose code is the refusal value.
fn reject_check(ctx: &Ctx, wire: &str, r: &RejectPlan) -> TokenStream {
    if let Some(flag) = &r.flag {
        let refused = flag.refused;
        let test = match read(ctx.plan, wire, quote!(wire), &r.field, Take::Clone) {
            Got::Opt(e) => quote!(#e == Some(#refused)),
            got => {
                let v = got.value();
                if refused { quote!(#v) } else { quote!(!#v) }
            }
        };
        let raw = |path: &Option<Vec<String>>| match path {
            Some(segs) => quote!(response.json_text(&[#(#segs),*])),
            None => quote!(None),
        };
        let (code, message) = (raw(&flag.code), raw(&flag.message));
        return quote! {
            if #test {
                return Err(self.pipeline.vendor_error(OP, &response, #code, #message));
            }
        };
    }
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

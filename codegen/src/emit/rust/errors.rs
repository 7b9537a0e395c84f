//! The error half of `mod translate`: reading a vendor's error body for its code and
//! message, and the mapping's error rules as functions from the runtime's error to the
//! port's.

use super::Ctx;
use super::read::{Got, Take, read, takes};
use super::tokens::{ident, int, path, ty};
use crate::plan::*;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The name of the function classifying an error body of wire type `wire_type`.
pub(super) fn classify_fn(wire_type: &str) -> Ident {
    format_ident!(
        "classify_{}",
        crate::ident::snake(wire_type).trim_start_matches("r#")
    )
}

/// The name of the function finding the vendor's error of wire type `wire_type` in a
/// 2xx body that is not the promised success, by what `signal` looks at.
pub(super) fn in_success_fn(wire_type: &str, signal: ErrorSignal) -> Ident {
    let by = match (signal.code, signal.message) {
        (true, false) => "_code",
        (false, true) => "_message",
        _ => "",
    };
    format_ident!(
        "{}{by}_in_success",
        crate::ident::snake(wire_type).trim_start_matches("r#")
    )
}

/// The expressions reading the code and the message from `body`, an error body of
/// `e`'s wire type.
fn code_and_message(ctx: &Ctx, e: &ErrorBodyPlan) -> (TokenStream, TokenStream) {
    let reads: Vec<&Read> = e.code.iter().chain(&e.message).collect();
    let mut order = takes(ctx.plan, &e.wire_type, &reads).into_iter();
    let mut get = |p: &Option<Read>| match p {
        Some(r) => {
            let take = order.next().unwrap_or(Take::Clone);
            let got = read(ctx.plan, &e.wire_type, quote!(body), r, take);
            let text = match ctx.plan.wire_ty_at(&e.wire_type, &r.steps) {
                Some(WireTy::String) => quote!(),
                Some(WireTy::Json) | None => {
                    ctx.text.set(true);
                    quote!(.and_then(text))
                }
                Some(_) => quote!(.map(|v| v.to_string())),
            };
            match got {
                Got::Opt(e) => quote!(#e #text),
                got => {
                    let v = got.value();
                    quote!(Some(#v) #text)
                }
            }
        }
        None => quote!(None),
    };
    let code = get(&e.code);
    let message = get(&e.message);
    (code, message)
}

/// The error body's classifying function, and one function per signal the operations
/// sharing this error body look at in a 2xx that is not the promised success.
pub(super) fn vendor_error_fn(
    ctx: &Ctx,
    e: &ErrorBodyPlan,
    signals: &[ErrorSignal],
) -> TokenStream {
    let f = classify_fn(&e.wire_type);
    let w = ident(&e.wire_type);
    let (code, message) = code_and_message(ctx, e);
    let in_success = signals.iter().map(|signal| {
        let g = in_success_fn(&e.wire_type, *signal);
        // Read again: the reads move out of `body`.
        let (code, message) = code_and_message(ctx, e);
        let (doc, test) = match (signal.code, signal.message) {
            (true, false) => (
                " The vendor's error in a 2xx body that is not the success the spec promises (a\n code where the error schema puts it), if it is one.",
                quote!(code.is_some()),
            ),
            (false, true) => (
                " The vendor's error in a 2xx body that is not the success the spec promises (a\n message where the error schema puts it), if it is one.",
                quote!(message.is_some()),
            ),
            _ => (
                " The vendor's error in a 2xx body that is not the success the spec promises (a\n code or a message where the error schema puts them), if it is one.",
                quote!(code.is_some() || message.is_some()),
            ),
        };
        quote! {
            #[doc = #doc]
            pub(super) fn #g(pipeline: &rt::Pipeline, op: &'static str, response: &rt::Response) -> Option<rt::Error> {
                let body = response.peek_json_object::<vendor::#w>()?;
                let (code, message) = (#code, #message);
                (#test).then(|| pipeline.vendor_error(op, response, code, message))
            }
        }
    });
    quote! {
        /// Classifies a vendor error response, reading its code and message when the body has
        /// them; a 401, 403 or 429 with a code of `named` (the operation's rules) is the vendor's error.
        pub(super) fn #f(pipeline: &rt::Pipeline, op: &'static str, response: &rt::Response, named: &[(u16, &str)]) -> rt::Error {
            let (code, message) = match response.decode_json::<vendor::#w>(op) {
                Ok(body) => (#code, #message),
                Err(_) => (None, None),
            };
            pipeline.vendor_error_by_rules(op, response, code, message, named)
        }

        #(#in_success)*
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

/// The function the port's method maps the runtime's errors with: the operation's own
/// rules when it has some, else the top-level rules of its error type.
pub(super) fn error_fn_name(op: &OperationPlan) -> Ident {
    if op.error_rules.iter().any(|r| r.operation_level) {
        format_ident!(
            "{}_error",
            op.method.trim_start_matches("r#").trim_end_matches('_')
        )
    } else {
        shared_error_fn(&op.err_type)
    }
}

/// The columns a rule matches on: the status, the vendor's code, the error's kind.
type Pattern = [Option<Vec<TokenStream>>; 3];

/// A rule's pattern, column by column: `None` matches anything; the alternatives of the
/// status and the code go inside one `Some(..)`.
fn pattern(key: &ErrorMatch) -> Pattern {
    match key {
        ErrorMatch::Status(s) => [Some(vec![int(*s)]), None, None],
        ErrorMatch::StatusClass(c) => {
            let (lo, hi) = (int(c * 100), int(c * 100 + 99));
            [Some(vec![quote!(#lo..=#hi)]), None, None]
        }
        ErrorMatch::StatusCode(s, code) => [Some(vec![int(*s)]), Some(vec![quote!(#code)]), None],
        ErrorMatch::Kind(k) => {
            let k = format_ident!("{}", k.variant());
            [None, None, Some(vec![quote!(rt::ErrorKind::#k)])]
        }
        ErrorMatch::CatchAll => [None, None, None],
    }
}

/// Folds `p` into `into` when they differ in one column only: `Some(400 | 402)`.
fn fold(into: &mut Pattern, p: &Pattern) -> bool {
    let same = |a: &Option<Vec<TokenStream>>, b: &Option<Vec<TokenStream>>| {
        a.as_ref().map(|v| quote!(#(#v)|*).to_string())
            == b.as_ref().map(|v| quote!(#(#v)|*).to_string())
    };
    let differ: Vec<usize> = (0..3).filter(|&i| !same(&into[i], &p[i])).collect();
    match differ[..] {
        [i] => match (&mut into[i], &p[i]) {
            (Some(alts), Some(more)) => {
                alts.extend(more.iter().cloned());
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// The rules as one `match` on the columns they use, in their order (the first that
/// matches wins), consecutive rules with one target in one arm; `fallback` for what
/// none of them matches.
fn rule_match(rules: &[&ErrorRulePlan], fallback: TokenStream) -> TokenStream {
    let build = |r: &ErrorRulePlan| {
        let t = path(&r.target);
        match r.build {
            VariantBuild::Unit => quote!(#t),
            VariantBuild::Message => quote!(#t(e.to_string())),
        }
    };
    let mut arms: Vec<(Vec<Pattern>, &ErrorRulePlan)> = Vec::new();
    let mut last = None;
    for r in rules {
        // The catch-all answers last, wherever the mapping writes it.
        if r.key == ErrorMatch::CatchAll {
            last = last.or_else(|| Some(build(r)));
            continue;
        }
        let p = pattern(&r.key);
        match arms.last_mut() {
            Some((pats, first)) if first.target == r.target && first.build == r.build => {
                let folded = pats.last_mut().is_some_and(|q| fold(q, &p));
                if !folded {
                    pats.push(p);
                }
            }
            _ => arms.push((vec![p], r)),
        }
    }
    let last = last.unwrap_or(fallback);
    if arms.is_empty() {
        return last;
    }
    let used: Vec<usize> = (0..3)
        .filter(|&i| arms.iter().any(|(ps, _)| ps.iter().any(|p| p[i].is_some())))
        .collect();
    let columns = [quote!(e.status()), quote!(e.code()), quote!(e.kind())];
    let scrutinee = used.iter().map(|&i| &columns[i]);
    let scrutinee = if used.len() == 1 {
        quote!(#(#scrutinee)*)
    } else {
        quote!((#(#scrutinee),*))
    };
    let arms = arms.iter().map(|(pats, r)| {
        let pats = pats.iter().map(|p| {
            let cols = used.iter().map(|&i| match &p[i] {
                Some(alts) if i < 2 => quote!(Some(#(#alts)|*)),
                Some(alts) => quote!(#(#alts)|*),
                None => quote!(_),
            });
            if used.len() == 1 {
                quote!(#(#cols)*)
            } else {
                quote!((#(#cols),*))
            }
        });
        let v = build(r);
        quote!(#(#pats)|* => #v,)
    });
    quote! {
        match #scrutinee {
            #(#arms)*
            _ => #last,
        }
    }
}

/// The top-level `errors:` rules, once per error type that some operation falls through to.
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
        let body = rule_match(
            &rules,
            quote!(unreachable!("the planner requires a catch-all")),
        );
        let doc = format!(
            " The mapping's top-level error rules for `{}`.",
            op.err_type
        );
        out.push(quote! {
            #[doc = #doc]
            pub(super) fn #f(e: rt::Error) -> #err {
                #body
            }
        });
    }
    out
}

/// An operation's own error rules, before its error type's top-level ones; nothing when
/// it has none (its port method maps with the top-level function directly).
pub(super) fn error_fn(op: &OperationPlan) -> TokenStream {
    let own: Vec<&ErrorRulePlan> = op
        .error_rules
        .iter()
        .filter(|r| r.operation_level)
        .collect();
    if own.is_empty() {
        return quote!();
    }
    let f = error_fn_name(op);
    let err = ty(&op.err_type);
    let doc = format!(
        " Maps runtime errors of `{}` to the port's error type.",
        op.method
    );
    let shared = shared_error_fn(&op.err_type);
    let body = rule_match(&own, quote!(#shared(e)));
    quote! {
        #[doc = #doc]
        pub(super) fn #f(e: rt::Error) -> #err {
            #body
        }
    }
}

//! Caller fallbacks (`fallback: caller`): the adapter's field holding the function, its
//! type, its setter, and the mark set on a degraded answer.

use super::tokens::{ident, ty};
use crate::plan::*;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// Sets the mark field of `value` from `degraded` (owned, or a reference the response
/// keeps).
pub(super) fn mark_assign(m: &MarkPlan, owned: bool) -> TokenStream {
    let f = ident(&m.field);
    match m.kind {
        MarkKind::Flag => quote!(value.#f = true;),
        MarkKind::Reason if owned => quote!(value.#f = Some(degraded.reason);),
        MarkKind::Reason => quote!(value.#f = Some(degraded.reason.clone());),
        MarkKind::Age => quote!(value.#f = Some(degraded.age.unwrap_or_default());),
    }
}

/// The name of a caller fallback's function type (a type alias keeps the field readable).
pub(super) fn caller_fn_alias(op: &OperationPlan) -> Ident {
    format_ident!(
        "{}Fallback",
        crate::ident::camel(op.method.trim_start_matches("r#"))
    )
}

/// The adapter's field holding an operation's caller fallback.
pub(super) fn caller_field(op: &OperationPlan) -> Ident {
    format_ident!("{}_fallback", op.method.trim_start_matches("r#"))
}

/// The fallback's inputs: the call's arguments, by reference.
fn inputs(op: &OperationPlan) -> Vec<TokenStream> {
    op.args
        .iter()
        .map(|(_, t)| {
            let t = ty(t.trim_start_matches('&'));
            quote!(&#t)
        })
        .collect()
}

/// `type StockFallback = dyn Fn(&inputs.., &rt::Error) -> Option<Ok> + Send + Sync;`,
/// in `mod calls`.
pub(super) fn caller_fn_type(op: &OperationPlan) -> TokenStream {
    let alias = caller_fn_alias(op);
    let inputs = inputs(op);
    let ok = ty(op.call_ok_type());
    let doc = format!(
        " The function `with_{}_fallback` registers.",
        op.method.trim_start_matches("r#")
    );
    quote! {
        #[doc = #doc]
        pub(super) type #alias = dyn Fn(#(#inputs,)* &rt::Error) -> Option<#ok> + Send + Sync;
    }
}

pub(super) fn caller_setter(op: &OperationPlan) -> TokenStream {
    let method = op.method.trim_start_matches("r#");
    let name = format_ident!("with_{}_fallback", method);
    let field = caller_field(op);
    let inputs = inputs(op);
    let ok = ty(op.call_ok_type());
    let mark = op
        .fallback
        .as_ref()
        .map(|f| f.mark.field.clone())
        .unwrap_or_default();
    let doc1 = format!(
        " What `{method}` answers when the vendor cannot (the mapping's `fallback: caller`)."
    );
    let doc2 = format!(
        " `f` gets the call's inputs and the error, only when the vendor is at fault (rate limited, timed out, unreachable, breaker open, 5xx: `Degraded::applies_to`); `None` lets the error through. An answer has its `{mark}` field set and is counted in `portcullis_degraded_total`."
    );
    quote! {
        #[doc = #doc1]
        #[doc = ""]
        #[doc = #doc2]
        pub fn #name(mut self, f: impl Fn(#(#inputs,)* &rt::Error) -> Option<#ok> + Send + Sync + 'static) -> Self {
            self.#field = Some(Arc::new(f));
            self
        }
    }
}

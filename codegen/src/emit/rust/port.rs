//! The `impl Port for Adapter` methods: each calls its `call_*` function and maps the
//! runtime's error to the port's, or fails at once when the vendor cannot serve it.

use super::errors::error_fn_name;
use super::tokens::{ident, path, ty};
use crate::plan::*;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

pub(super) fn unsupported_fn(u: &UnsupportedPlan, vendor: &str) -> TokenStream {
    let m = ident(&u.method);
    // Unused arguments are named with a leading `_`: the vendor has nothing to send them to.
    let args = u.args.iter().map(|(n, t)| {
        let n = format_ident!("_{}", n.trim_start_matches("r#"));
        let t = ty(t);
        quote!(#n: #t)
    });
    let ok = ty(&u.ok_type);
    let err = ty(&u.err_type);
    let target = path(&u.target);
    let message = format!("{} is not offered by {vendor}", u.method);
    let value = match u.build {
        VariantBuild::Unit => quote!(#target),
        VariantBuild::Message => quote!(#target(#message.into())),
    };
    let doc = format!(
        " Not offered by {}: fails at once, without a call.",
        crate::emit::text::doc_text(vendor)
    );
    match u.style {
        MethodStyle::Async => quote! {
            #[doc = #doc]
            async fn #m(&self, #(#args),*) -> Result<#ok, #err> {
                Err(#value)
            }
        },
        // A ready future borrows none of the arguments, so it is `Send` whatever they are.
        MethodStyle::ImplFuture => quote! {
            #[doc = #doc]
            fn #m(&self, #(#args),*) -> impl std::future::Future<Output = Result<#ok, #err>> + Send {
                std::future::ready(Err(#value))
            }
        },
        MethodStyle::Stream { unpin, .. } => {
            let ret = adapter_stream_type(&u.ok_type, &err, u.style);
            let stream = pinned(quote!(rt::paginate::failed(#value)), unpin);
            quote! {
                #[doc = #doc]
                fn #m(&self, #(#args),*) -> #ret {
                    #stream
                }
            }
        }
    }
}

/// The item type of a streamed method, whose plan type is `Vec<T>`.
pub(super) fn stream_item(ok_type: &str) -> TokenStream {
    let item = ok_type
        .strip_prefix("Vec<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ok_type);
    ty(item)
}

/// `impl Stream<Item = #item>` (the trait at `stream`) with the bounds the port
/// declares, so an impl promises exactly what the trait does.
pub(super) fn stream_type(
    stream: TokenStream,
    item: TokenStream,
    style: MethodStyle,
) -> TokenStream {
    let MethodStyle::Stream {
        send,
        unpin,
        elided,
    } = style
    else {
        return quote!();
    };
    let send = send.then(|| quote!(+ Send));
    let unpin = unpin.then(|| quote!(+ Unpin));
    let elided = elided.then(|| quote!(+ '_));
    quote!(impl #stream<Item = #item> #send #unpin #elided)
}

/// [`stream_type`] of a port method, in an adapter's own module.
fn adapter_stream_type(ok_type: &str, err: &TokenStream, style: MethodStyle) -> TokenStream {
    let item = stream_item(ok_type);
    stream_type(
        quote!(rt::paginate::Stream),
        quote!(Result<#item, #err>),
        style,
    )
}

/// A stream boxed and pinned when the port asks for `Unpin`.
fn pinned(stream: TokenStream, unpin: bool) -> TokenStream {
    if unpin {
        quote!(Box::pin(#stream))
    } else {
        stream
    }
}

/// One port method. The port may promise `impl Future + Send`; an `async fn` keeps that
/// promise (the compiler checks the future is `Send`) and reads like the rest.
pub(super) fn port_fn(op: &OperationPlan) -> TokenStream {
    let m = ident(&op.method);
    let call = format_ident!("call_{}", op.method.trim_start_matches("r#"));
    let err_fn = error_fn_name(op);
    let args: Vec<TokenStream> = op
        .args
        .iter()
        .map(|(n, t)| {
            let n = ident(n);
            let t = ty(t);
            quote!(#n: #t)
        })
        .collect();
    let names: Vec<Ident> = op.args.iter().map(|(n, _)| ident(n)).collect();
    let ok = ty(&op.ok_type);
    let err = ty(&op.err_type);
    if let MethodStyle::Stream { unpin, .. } = op.style {
        let ret = adapter_stream_type(&op.ok_type, &err, op.style);
        let stream = pinned(
            quote!(rt::paginate::map_errors(self.#call(#(#names),*), translate::#err_fn)),
            unpin,
        );
        return quote! {
            fn #m(&self, #(#args),*) -> #ret {
                #stream
            }
        };
    }
    if op.none_on_404 {
        // A get that may find nothing: the vendor's 404 is `None`, not an error.
        return quote! {
            async fn #m(&self, #(#args),*) -> Result<#ok, #err> {
                match self.#call(#(#names),*).await {
                    Ok(found) => Ok(Some(found)),
                    Err(e) if e.status() == Some(404) => Ok(None),
                    Err(e) => Err(translate::#err_fn(e)),
                }
            }
        };
    }
    quote! {
        async fn #m(&self, #(#args),*) -> Result<#ok, #err> {
            self.#call(#(#names),*).await.map_err(translate::#err_fn)
        }
    }
}

//! A paginated `call_*` function: the first page's request as for any call, then the
//! runtime's `Paginator` walks the list, asking this code for one page at a time; each
//! page goes through the pipeline and is decoded by status like any answer.

use super::Ctx;
use super::read::{Got, Take, read};
use super::tokens::{ident, int};
use super::translate::{convert_items, missing};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;

/// The body of a paginated call: `stmts` build `request`, the first page's; `matched`
/// turns a page's `response` into a `Result<Page<T>, rt::Error>`.
pub(super) fn body(
    op: &OperationPlan,
    pg: &PaginatePlan,
    stmts: &[TokenStream],
    matched: TokenStream,
) -> TokenStream {
    // Read before the request is built, which may move argument values.
    let (read_limits, limits) = match limits(pg) {
        Some(l) => (
            Some(quote!(let limits = #l;)),
            Some(quote!(.limits(limits))),
        ),
        None => (None, None),
    };
    // A query parameter, or (RPC-style vendors) a top-level field of the JSON body, set
    // inside the page's future where a failure can be its error.
    let set = |param: &String, value: TokenStream| {
        if pg.in_body {
            quote!(request.json_field(#param, &#value)?)
        } else {
            quote!(request.query(#param, #value))
        }
    };
    let (style, add) = match &pg.next {
        NextPlan::Link | NextPlan::Url { .. } => (None, None),
        NextPlan::Cursor { param, .. } | NextPlan::AfterLast { param, .. } => {
            let cursor_set = set(param, quote!(cursor));
            (
                None,
                Some(quote!(if let Some(cursor) = page.cursor() {
                    request = #cursor_set;
                })),
            )
        }
        NextPlan::Counted {
            offsets: false,
            param,
            first,
            size,
            ..
        } => {
            let first = int(*first);
            let size = size_tokens(*size);
            let number_set = set(param, quote!(number));
            (
                Some(quote!(.page_numbers(#first, #size))),
                Some(quote!(if let Some(number) = page.number() {
                    request = #number_set;
                })),
            )
        }
        NextPlan::Counted {
            offsets: true,
            param,
            size,
            ..
        } => {
            let size = size_tokens(*size);
            let offset_set = set(param, quote!(offset));
            (
                Some(quote!(.offsets(#size))),
                Some(quote!(if let Some(offset) = page.offset() {
                    request = #offset_set;
                })),
            )
        }
    };
    // In the body, the field is set inside the page's future (`?` makes a body that is
    // not a JSON object the page's error), after the page was read for its value.
    let (request, in_future) = match add {
        Some(add) if pg.in_body => (
            quote!(let mut request = page.request(first.clone());),
            Some(add),
        ),
        Some(add) => (
            quote!(let mut request = page.request(first.clone()); #add),
            None,
        ),
        None => (quote!(let request = page.request(first.clone());), None),
    };
    if op.style.is_stream() {
        // Building the first request may fail (an argument the spec refuses): the
        // stream then yields that error, so every error of the method is the stream's.
        // A closure only where a `?` needs one: called at once without one, it is a
        // lint (clippy's redundant_closure_call) in the user's crate.
        let build = if stmts.iter().any(asks) {
            quote! {
                let first = (|| -> Result<rt::Request, rt::Error> {
                    #(#stmts)*
                    Ok(request)
                })();
            }
        } else {
            quote! {
                let first: Result<rt::Request, rt::Error> = {
                    #(#stmts)*
                    Ok(request)
                };
            }
        };
        return quote! {
            #read_limits
            #build
            // Every page is asked for from the first page's request.
            let fetch = first.map(|first| move |page: rt::paginate::PageAt| {
                #request
                async move {
                    #in_future
                    let response = self.pipeline.send(request).await?;
                    #matched
                }
            });
            rt::paginate::Paginator::new(&self.pipeline, OP)
                #limits
                #style
                .try_stream(fetch)
        };
    }
    quote! {
        #read_limits
        #(#stmts)*
        // Every page is asked for from the first page's request.
        let first = request;
        rt::paginate::Paginator::new(&self.pipeline, OP)
            #limits
            #style
            .collect(|page| {
                #request
                async move {
                    #in_future
                    let response = self.pipeline.send(request).await?;
                    #matched
                }
            })
            .await
    }
}

/// The `PageLimits` when the mapping sets any: numbers in the literal, arguments
/// through its setters.
fn limits(pg: &PaginatePlan) -> Option<TokenStream> {
    if pg.max_items.is_none() && pg.max_pages.is_none() {
        return None;
    }
    let fixed = |l: &Option<LimitPlan>| match l {
        Some(LimitPlan::Fixed(n)) => Some(int(*n)),
        _ => None,
    };
    let items = fixed(&pg.max_items).map(|n| quote!(max_items: Some(#n),));
    let pages = fixed(&pg.max_pages).map(|n| quote!(max_pages: #n,));
    let arg = |l: &Option<LimitPlan>, setter: TokenStream| match l {
        Some(LimitPlan::Arg {
            access,
            optional,
            deref,
        }) => {
            let a = super::request::access(access);
            let a = if *deref { quote!(*#a) } else { a };
            let v = if *optional { a } else { quote!(Some(#a)) };
            Some(quote!(.#setter(#v)))
        }
        _ => None,
    };
    let set_items = arg(&pg.max_items, quote!(items));
    let set_pages = arg(&pg.max_pages, quote!(pages));
    Some(quote!(rt::paginate::PageLimits {
        #items
        #pages
        ..rt::paginate::PageLimits::default()
    } #set_items #set_pages))
}

fn size_tokens(size: Option<u64>) -> TokenStream {
    match size {
        Some(n) => {
            let n = int(n);
            quote!(Some(#n))
        }
        None => quote!(None),
    }
}

/// One decoded page: its items and what it says about the next page.
pub(super) fn page_outcome(
    ctx: &Ctx,
    pg: &PaginatePlan,
    r: &ResponsePlan,
    wire: &str,
    conv: &str,
    reject: Option<TokenStream>,
    decoded: TokenStream,
) -> TokenStream {
    let w = ident(wire);
    let c = ident(conv);
    // An item's errors name where it sits in the page (`$.data[3].id`).
    let base = r.unwrap.as_ref().map_or("$", |u| u.json_path.as_str());
    let items = |v: TokenStream| {
        if ctx.fallible(conv) {
            let converted = convert_items(conv, v, base);
            quote!(let items = #converted?;)
        } else {
            quote!(let items: Vec<_> = #v.into_iter().map(translate::#c).collect();)
        }
    };
    let Some(u) = &r.unwrap else {
        // The body is the list: the headers, the count, or its last item say what
        // comes next.
        let next = next_tokens(ctx, pg, r, wire);
        if let NextPlan::AfterLast { .. } = &pg.next {
            let items = items(quote!(wire));
            return quote!({
                let wire: Vec<_> = #decoded;
                let next = #next;
                #items
                Ok(rt::paginate::Page::new(items, next))
            });
        }
        let items = items(decoded);
        return quote!({
            let next = #next;
            #items
            Ok(rt::paginate::Page::new(items, next))
        });
    };
    let next = next_tokens(ctx, pg, r, wire);
    let list = match read(ctx.plan, wire, quote!(wire), u, Take::Move) {
        Got::Opt(e) => {
            let m = missing(ctx, quote!(OP), &u.json_path, true);
            quote!(#e.ok_or_else(|| #m)?)
        }
        got => got.value(),
    };
    let items = items(list);
    quote!({
        let wire: vendor::#w = #decoded;
        #reject
        let next = #next;
        #items
        Ok(rt::paginate::Page::new(items, next))
    })
}

/// An `Option<String>` read of a string (cloned out of `wire`).
fn opt_string(ctx: &Ctx, root: &str, at: TokenStream, r: &Read) -> TokenStream {
    match read(ctx.plan, root, at, r, Take::Clone) {
        Got::Opt(e) => e,
        got => {
            let v = got.value();
            quote!(Some(#v))
        }
    }
}

/// What the page says about the next one, read from `wire` (borrowed) or the headers.
fn next_tokens(ctx: &Ctx, pg: &PaginatePlan, r: &ResponsePlan, wire: &str) -> TokenStream {
    match &pg.next {
        NextPlan::Link => quote!(rt::paginate::Next::link(&response)),
        NextPlan::Cursor {
            read: c, numeric, ..
        } => {
            let v = opt_string(ctx, wire, quote!(wire), c);
            let v = if *numeric {
                quote!(#v.map(|n| n.to_string()))
            } else {
                v
            };
            let at = &c.json_path;
            quote!(rt::paginate::Next::cursor(#v, #at))
        }
        NextPlan::Url { read: u } => {
            let v = opt_string(ctx, wire, quote!(wire), u);
            let at = &u.json_path;
            quote!(rt::paginate::Next::url(#v, #at))
        }
        NextPlan::AfterLast {
            has_more,
            size,
            id,
            item_wire,
            id_is_int,
            ..
        } => {
            // The page's items: in the body at `unwrap:`, or the body itself, bound as
            // `wire` by the caller.
            let (last, len) = match r
                .unwrap
                .as_ref()
                .map(|u| read(ctx.plan, wire, quote!(wire), u, Take::Borrow))
            {
                Some(Got::Opt(e)) => (
                    quote!(#e.and_then(|items| items.last())),
                    quote!(#e.map_or(0, |items| items.len())),
                ),
                Some(Got::Place { expr, .. }) => (quote!(#expr.last()), quote!(#expr.len())),
                None => (quote!(wire.last()), quote!(wire.len())),
            };
            let more = match (has_more, size) {
                (Some(has_more), _) => {
                    match read(ctx.plan, wire, quote!(wire), has_more, Take::Clone) {
                        Got::Opt(e) => quote!(#e.unwrap_or(false)),
                        got => got.value(),
                    }
                }
                // A full page may have a next; a shorter one is the last.
                (None, Some(size)) => {
                    let size = proc_macro2::Literal::u64_unsuffixed(*size);
                    quote!(u64::try_from(#len).is_ok_and(|n| n >= #size))
                }
                (None, None) => quote!(true),
            };
            let text = |v: TokenStream| {
                if *id_is_int {
                    quote!(#v.to_string())
                } else {
                    v
                }
            };
            let id = match read(ctx.plan, item_wire, quote!(item), id, Take::Clone) {
                Got::Opt(e) if *id_is_int => quote!(and_then(|item| #e.map(|id| id.to_string()))),
                Got::Opt(e) => quote!(and_then(|item| #e)),
                got => {
                    let v = text(got.value());
                    quote!(map(|item| #v))
                }
            };
            let at = r
                .unwrap
                .as_ref()
                .map(|u| u.json_path.clone())
                .unwrap_or_else(|| "$".into());
            quote!(rt::paginate::Next::after_last(#more, #last.#id, #at))
        }
        // No total in the body: the headers may state one (see `Next::counted`).
        NextPlan::Counted { total: None, .. } => quote!(rt::paginate::Next::counted(&response)),
        NextPlan::Counted { total: Some(t), .. } => {
            let at = &t.json_path;
            let count = |v: TokenStream| quote!(rt::paginate::Next::total(u64::try_from(#v).map_err(|_| rt::Error::contract(OP, #at, format!("{} is not a count of items", #v)))?));
            match read(ctx.plan, wire, quote!(wire), t, Take::Clone) {
                Got::Opt(e) => {
                    let some = count(quote!(total));
                    quote!(match #e { Some(total) => #some, None => rt::paginate::Next::more() })
                }
                got => count(got.value()),
            }
        }
    }
}

/// Whether `tokens` hold a `?` (anywhere, nested closures included: a `?` keeps the
/// closure, which is then never redundant).
fn asks(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Punct(p) => p.as_char() == '?',
        proc_macro2::TokenTree::Group(g) => asks(&g.stream()),
        _ => false,
    })
}

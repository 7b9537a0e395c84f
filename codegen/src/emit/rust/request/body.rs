//! The body as the vendor's wire structs: a node per field, built from the arguments,
//! lists item by item, objects made only of `None`s left out, and the refusals (a
//! checked conversion, a `via:` returning `Err`) that stop the call before sending.

use super::super::Ctx;
use super::super::tokens::ident;
use super::{access, multipart, node_accesses, part_values, template, unique, value};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// How the item of a list (or of an optional object) is bound: `item`, or `_` when it
/// is built from constants only; whether the source is the call's own (a list is then
/// consumed, an option taken), and so which of the item's fields move too.
fn item_binding(
    source: &Vec<String>,
    item: &BodyNode,
    moves: &BTreeSet<Vec<String>>,
) -> (TokenStream, bool, BTreeSet<Vec<String>>) {
    let binder = if reads_item(item) {
        quote!(item)
    } else {
        quote!(_)
    };
    if moves.contains(source) {
        let mut inside = Vec::new();
        node_accesses(item, &mut inside);
        (binder, true, unique(&inside, |r| r == "item"))
    } else {
        (binder, false, BTreeSet::new())
    }
}

/// The body (or the part of it at JSON path `at`; `None` inside a list item's closure).
pub(super) fn body_node(
    ctx: &Ctx,
    n: &BodyNode,
    moves: &BTreeSet<Vec<String>>,
    wire: Option<&WireTy>,
    at: Option<&str>,
) -> TokenStream {
    match n {
        BodyNode::Leaf(v) => value(v, moves, wire, at),
        BodyNode::IdempotencyKey => quote!(String::new()),
        BodyNode::Template(t) => template(t, moves, at.unwrap_or("$")),
        BodyNode::Parts(parts) => multipart(parts, moves),
        BodyNode::List {
            source,
            single: true,
            item,
            ..
        } => {
            // One object from an `Option` of a struct: built when it is `Some`.
            let src = access(source);
            let (binder, owned, item_moves) = item_binding(source, item, moves);
            let src = if owned { src } else { quote!(#src.as_ref()) };
            if fallible(item) {
                let item = body_node(ctx, item, &item_moves, None, at);
                quote!(#src.map(|#binder| Ok::<_, rt::Error>(#item)).transpose().map_err(|e| self.pipeline.refused(e))?)
            } else {
                let item = body_node(ctx, item, &item_moves, None, None);
                quote!(#src.map(|#binder| #item))
            }
        }
        BodyNode::List {
            source,
            optional,
            item,
            ..
        } => {
            let src = access(source);
            let (binder, owned, item_moves) = item_binding(source, item, moves);
            let iter = if owned {
                quote!(into_iter)
            } else {
                quote!(iter)
            };
            let items = if *optional {
                quote!(items)
            } else {
                src.clone()
            };
            let items = if moves.contains(source) {
                quote!(#items.#iter())
            } else if *optional {
                quote!(items.iter())
            } else {
                quote!(#items.iter())
            };
            // An item with a conversion that can fail is built in a closure that returns
            // the refusal, so the whole list is refused before sending.
            let collected = if fallible(item) {
                let item_at = format!("{}[]", at.unwrap_or("request"));
                let item = body_node(ctx, item, &item_moves, None, Some(&item_at));
                quote!(#items.map(|#binder| Ok::<_, rt::Error>(#item)).collect::<Result<Vec<_>, rt::Error>>())
            } else {
                let item = body_node(ctx, item, &item_moves, None, None);
                quote!(#items.map(|#binder| #item).collect::<Vec<_>>())
            };
            let refused = quote!(.map_err(|e| self.pipeline.refused(e))?);
            match (*optional, fallible(item), moves.contains(source)) {
                (false, false, _) => collected,
                (false, true, _) => quote!(#collected #refused),
                (true, false, true) => quote!(#src.map(|items| #collected)),
                (true, false, false) => quote!(#src.as_ref().map(|items| #collected)),
                (true, true, true) => quote!(#src.map(|items| #collected).transpose() #refused),
                (true, true, false) => {
                    quote!(#src.as_ref().map(|items| #collected).transpose() #refused)
                }
            }
        }
        BodyNode::Struct { wire_type, fields } => {
            let t = ident(wire_type);
            let fs = fields.iter().map(|(name, node, wrap)| {
                let f = ident(name);
                let wire_field = ctx.plan.wire_field(wire_type, name);
                let inner = at.map(|at| {
                    let key = wire_field.map_or(name.as_str(), |w| w.wire_name.as_str());
                    format!("{at}.{key}")
                });
                let v = body_node(
                    ctx,
                    node,
                    moves,
                    wire_field.map(|w| &w.ty),
                    inner.as_deref(),
                );
                if *wrap && may_be_empty(ctx, node) {
                    // Every field inside may be `None` (`destination.branch.name` from an
                    // `Option`): then the object is left out, not sent as `{}`.
                    quote!(#f: rt::convert::unless_empty(#v))
                } else if *wrap {
                    quote!(#f: Some(#v))
                } else if f == v.to_string() {
                    // An argument named like the field: the shorthand, or clippy's
                    // redundant_field_names in the user's crate.
                    quote!(#f)
                } else {
                    quote!(#f: #v)
                }
            });
            quote!(vendor::#t { #(#fs),* })
        }
    }
}

/// Whether an object node may come out with no field at all: each of its fields is
/// optional on the wire and filled from an `Option` (or is such an object itself).
fn may_be_empty(ctx: &Ctx, n: &BodyNode) -> bool {
    let BodyNode::Struct { wire_type, fields } = n else {
        return false;
    };
    !fields.is_empty()
        && fields.iter().all(|(name, node, wrap)| {
            let optional = ctx
                .plan
                .wire_field(wire_type, name)
                .is_some_and(|f| f.optional);
            optional
                && match node {
                    BodyNode::Leaf(ValuePlan::Expr { optional, .. }) => *optional && !wrap,
                    BodyNode::List {
                        single, optional, ..
                    } => (*single || *optional) && !wrap,
                    BodyNode::Struct { .. } => *wrap && may_be_empty(ctx, node),
                    _ => false,
                }
        })
}

/// Whether building a node can refuse the call: a checked conversion somewhere in it,
/// or a request `via:`, whose function may return a `Result` (the check reads only the
/// value it sends).
fn fallible(n: &BodyNode) -> bool {
    match n {
        BodyNode::Leaf(v) => refuses(v),
        BodyNode::IdempotencyKey => false,
        BodyNode::Struct { fields, .. } => fields.iter().any(|(_, f, _)| fallible(f)),
        BodyNode::List { item, .. } => fallible(item),
        BodyNode::Template(t) => t.leaves().into_iter().any(refuses),
        BodyNode::Parts(parts) => parts.iter().flat_map(part_values).any(refuses),
    }
}

/// Whether building one value can refuse the call.
fn refuses(v: &ValuePlan) -> bool {
    match v {
        ValuePlan::Expr { via: Some(_), .. } => true,
        ValuePlan::Expr {
            convert: Some(c), ..
        } => c.fallible(),
        _ => false,
    }
}

/// Whether a list item's node reads the `item` binding.
fn reads_item(n: &BodyNode) -> bool {
    match n {
        BodyNode::Leaf(ValuePlan::Expr { access, .. }) => {
            access.first().is_some_and(|a| a == "item")
        }
        BodyNode::Leaf(ValuePlan::Const(_) | ValuePlan::Setting(_) | ValuePlan::Credential)
        | BodyNode::IdempotencyKey => false,
        BodyNode::Struct { fields, .. } => fields.iter().any(|(_, f, _)| reads_item(f)),
        BodyNode::List { source, .. } => source.first().is_some_and(|a| a == "item"),
        BodyNode::Template(t) => t.leaves().iter().any(|v| {
            matches!(v, ValuePlan::Expr { access, .. } if access.first().is_some_and(|a| a == "item"))
        }),
        BodyNode::Parts(_) => false,
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

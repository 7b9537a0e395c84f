//! Building a call's request from the method's arguments: the body (wire structs whose
//! leaves are the arguments' values), the parameters, and the idempotency key the
//! runtime hands out for the request as it will be sent.
//!
//! An owned argument's field is moved into the body when nothing else in the call reads
//! it; it is cloned only when something does (the idempotency key's domain value, a
//! caller fallback that gets the arguments back). Parameters are sent by reference.

use super::Ctx;
use super::tokens::{float, ident, int, path};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

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

/// A JSON constant as the `json!` macro writes it; keys and strings stay literals.
fn json(v: &serde_json::Value) -> TokenStream {
    match v {
        serde_json::Value::Null => quote!(null),
        serde_json::Value::Bool(b) => quote!(#b),
        serde_json::Value::Number(n) => number(n, None),
        serde_json::Value::String(s) => quote!(#s),
        serde_json::Value::Array(items) => {
            let items = items.iter().map(json);
            quote!([#(#items),*])
        }
        serde_json::Value::Object(m) => {
            let entries = m.iter().map(|(k, v)| {
                let v = json(v);
                quote!(#k: #v)
            });
            quote!({ #(#entries),* })
        }
    }
}

/// A number constant, as a float where the wire field is one.
fn number(n: &serde_json::Number, wire: Option<&WireTy>) -> TokenStream {
    match (n.as_i64(), n.as_f64()) {
        (Some(i), _) if wire != Some(&WireTy::F64) => int(i),
        (_, Some(f)) => float(f),
        _ => quote!(0),
    }
}

/// The accesses a body node reads; a list's items are its own scope (their `item` is
/// another binding), so only its source counts.
fn node_accesses<'a>(n: &'a BodyNode, out: &mut Vec<&'a [String]>) {
    match n {
        BodyNode::Leaf(ValuePlan::Expr { access, .. }) => out.push(access),
        BodyNode::Struct { fields, .. } => {
            fields.iter().for_each(|(_, f, _)| node_accesses(f, out))
        }
        BodyNode::List { source, .. } => out.push(source),
        BodyNode::Leaf(ValuePlan::Const(_)) | BodyNode::IdempotencyKey => {}
    }
}

/// The accesses an operation's code reads, in the body, the parameters and the key.
fn accesses(op: &OperationPlan) -> Vec<&[String]> {
    let mut out = Vec::new();
    if let Some(b) = &op.body {
        node_accesses(&b.root, &mut out);
    }
    for p in &op.params {
        if let ValuePlan::Expr { access, .. } = &p.value {
            out.push(access);
        }
    }
    if let Some(ValuePlan::Expr { access, .. }) =
        op.idempotency.as_ref().and_then(|i| i.from.as_ref())
    {
        out.push(access);
    }
    out
}

/// The accesses of `all` rooted at an owned value that nothing else in `all` reads.
fn unique(all: &[&[String]], owned: impl Fn(&str) -> bool) -> BTreeSet<Vec<String>> {
    all.iter()
        .filter(|a| a.first().is_some_and(|f| owned(f)))
        .filter(|a| {
            all.iter()
                .filter(|b| a.starts_with(b) || b.starts_with(a))
                .count()
                == 1
        })
        .map(|a| a.to_vec())
        .collect()
}

/// The accesses whose value can move into the body: of an owned argument, read nowhere
/// else in the call, and no caller fallback gets the arguments back afterwards.
fn movable(op: &OperationPlan) -> BTreeSet<Vec<String>> {
    if is_caller(op) {
        return BTreeSet::new();
    }
    let owned = |arg: &str| op.args.iter().any(|(n, t)| n == arg && !t.starts_with('&'));
    unique(&accesses(op), owned)
}

pub(super) fn is_caller(op: &OperationPlan) -> bool {
    matches!(
        op.fallback,
        Some(FallbackPlan {
            strategy: FallbackStrategy::Caller,
            ..
        })
    )
}

/// An owned wire value for a body field of type `wire`.
fn value(v: &ValuePlan, moves: &BTreeSet<Vec<String>>, wire: Option<&WireTy>) -> TokenStream {
    match v {
        ValuePlan::Const(c) => match c {
            serde_json::Value::String(s) => quote!(#s.into()),
            serde_json::Value::Bool(b) => quote!(#b),
            serde_json::Value::Number(n) => number(n, wire),
            other => {
                let j = json(other);
                quote!(serde_json::json!(#j))
            }
        },
        ValuePlan::Expr {
            access: a,
            clone,
            optional,
            widen,
            via,
        } => {
            let moved = moves.contains(a);
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
                (None, _) if *clone && !moved => quote!(#a.clone()),
                (None, _) => quote!(#a),
            }
        }
    }
}

/// A parameter's value, which the request displays: moved or copied when nothing else
/// reads it, else by reference.
fn param_value(v: &ValuePlan, moves: &BTreeSet<Vec<String>>) -> TokenStream {
    match v {
        ValuePlan::Const(serde_json::Value::String(s)) => quote!(#s),
        ValuePlan::Const(serde_json::Value::Bool(b)) => quote!(#b),
        ValuePlan::Const(serde_json::Value::Number(n)) => number(n, None),
        ValuePlan::Const(other) => {
            let text = other.to_string();
            quote!(#text)
        }
        ValuePlan::Expr {
            access: a,
            via,
            clone,
            ..
        } => {
            let by_value = !clone || moves.contains(a);
            let a = access(a);
            match via {
                Some(via) => {
                    let f = path(via);
                    quote!(#f(&#a))
                }
                None if by_value => a,
                None => quote!(&#a),
            }
        }
    }
}

fn body_node(
    ctx: &Ctx,
    n: &BodyNode,
    moves: &BTreeSet<Vec<String>>,
    wire: Option<&WireTy>,
) -> TokenStream {
    match n {
        BodyNode::Leaf(v) => value(v, moves, wire),
        BodyNode::IdempotencyKey => quote!(String::new()),
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
            // A list the call owns is consumed, and its items' fields move too.
            if moves.contains(source) {
                let mut inside = Vec::new();
                node_accesses(item, &mut inside);
                let item = body_node(ctx, item, &unique(&inside, |r| r == "item"), None);
                return if *optional {
                    quote!(#src.map(|items| items.into_iter().map(|#binder| #item).collect()))
                } else {
                    quote!(#src.into_iter().map(|#binder| #item).collect())
                };
            }
            let item = body_node(ctx, item, &BTreeSet::new(), None);
            if *optional {
                quote!(#src.as_ref().map(|items| items.iter().map(|#binder| #item).collect()))
            } else {
                quote!(#src.iter().map(|#binder| #item).collect())
            }
        }
        BodyNode::Struct { wire_type, fields } => {
            let t = ident(wire_type);
            let field_ty = |name: &str| {
                ctx.plan
                    .wire
                    .iter()
                    .find(|w| &w.name == wire_type)
                    .and_then(|w| match &w.kind {
                        WireKind::Struct(fs) => {
                            fs.iter().find(|f| f.rust_name == name).map(|f| &f.ty)
                        }
                        WireKind::Union { .. } => None,
                    })
            };
            let fs = fields.iter().map(|(name, node, wrap)| {
                let f = ident(name);
                let v = body_node(ctx, node, moves, field_ty(name));
                if *wrap {
                    quote!(#f: Some(#v))
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

/// The `KEY_SHAPE` static of a call's idempotency key (and the `KEY_PATTERN` it
/// names): the spec's constraints on the header or body field the key goes into.
fn key_shape(shape: &Constraints) -> Vec<TokenStream> {
    let mut stmts = Vec::new();
    let mut chain = quote!(rt::KeyShape::new());
    if let Some(m) = shape.max_length {
        let m = proc_macro2::Literal::usize_unsuffixed(m);
        chain = quote!(#chain.max_length(#m));
    }
    if let Some(m) = shape.min_length.filter(|m| *m > 0) {
        let m = proc_macro2::Literal::usize_unsuffixed(m);
        chain = quote!(#chain.min_length(#m));
    }
    if let Some(p) = &shape.pattern {
        stmts.push(
            quote!(static KEY_PATTERN: rt::validate::Pattern = rt::validate::Pattern::new(#p);),
        );
        chain = quote!(#chain.pattern(&KEY_PATTERN));
    }
    if shape.uuid {
        chain = quote!(#chain.uuid());
    }
    stmts.push(quote!(static KEY_SHAPE: rt::KeyShape = #chain;));
    stmts
}

/// The statements that build `request` (and `body`, and the idempotency `key`).
pub(super) fn request(ctx: &Ctx, op: &OperationPlan) -> Vec<TokenStream> {
    let moves = movable(op);
    let mut stmts = Vec::new();
    let key_in_body = op
        .body
        .as_ref()
        .and_then(|b| key_field(&b.root))
        .filter(|_| op.idempotency.is_some());
    let mut raw = None;
    if let Some(b) = &op.body {
        let body = body_node(ctx, &b.root, &moves, None);
        // `mut` only when the idempotency key is written into the body afterwards.
        if let BodyEncoding::Raw(_) = b.encoding {
            raw = Some(body);
        } else if key_in_body.is_some() {
            stmts.push(quote!(let mut body = #body;));
        } else {
            stmts.push(quote!(let body = #body;));
        }
    }
    let method = format_ident!("{}", op.http_method);
    let template = &op.path;
    let mut chain = quote!(rt::Request::new(OP, rt::Method::#method, #template));
    if op.anonymous {
        // The spec says `security: []`: a public endpoint never sees the secret.
        chain = quote!(#chain.without_auth());
    }
    let mut conditional = Vec::new();
    for p in &op.params {
        let name = &p.wire_name;
        let v = param_value(&p.value, &moves);
        let optional = matches!(
            &p.value,
            ValuePlan::Expr {
                optional: true,
                via: None,
                ..
            }
        );
        let call = |val: TokenStream| match p.location {
            ParamLocation::Path => quote!(.path_param(#name, #val)),
            ParamLocation::Query => quote!(.query(#name, #val)),
            ParamLocation::Header => quote!(.header(#name, #val)),
        };
        match (&p.array_item_name, optional) {
            (Some(item), false) => {
                conditional.push(quote!(for item in #v { request = request.query(#item, item); }));
            }
            (Some(item), true) => conditional.push(
                quote!(if let Some(items) = #v { for item in items { request = request.query(#item, item); } }),
            ),
            (None, true) => {
                let c = call(quote!(v));
                conditional.push(quote!(if let Some(v) = #v { request = request #c; }));
            }
            (None, false) => {
                let c = call(v);
                chain = quote!(#chain #c);
            }
        }
    }
    let encode = op.body.as_ref().map(|b| match &b.encoding {
        BodyEncoding::Json => quote!(.json_body(&body)?),
        BodyEncoding::Form => quote!(.form_body(&body)?),
        BodyEncoding::Raw(ct) => quote!(.raw_body(#ct, #raw)),
    });
    if conditional.is_empty() {
        stmts.push(quote!(let request = #chain #encode;));
    } else {
        stmts.push(quote!(let mut request = #chain #encode;));
        stmts.extend(conditional);
    }
    // The key: derived from the domain value, or remembered by the store for a replay
    // of this very request (the runtime fingerprints what it is about to send).
    if let Some(i) = &op.idempotency {
        stmts.extend(key_shape(&i.shape));
        let source = &i.source;
        let source = match &i.from {
            Some(ValuePlan::Expr { access: a, .. }) => {
                let a = access(a);
                stmts.push(quote!(let key_value = #a.to_string();));
                quote!(rt::KeySource::Domain { field: #source, value: &key_value })
            }
            _ => quote!(rt::KeySource::Fingerprint(&request.fingerprint())),
        };
        stmts.push(
            quote!(let key = self.pipeline.idempotency_key_for(OP, #source, &KEY_SHAPE).await?;),
        );
        match (&i.header, &key_in_body) {
            (Some(h), _) => stmts.push(
                quote!(let request = request.idempotency(&key, rt::KeyPlacement::Header(#h));),
            ),
            (None, Some((field, wrap))) => {
                let f = ident(field);
                if *wrap {
                    stmts.push(quote!(body.#f = Some(key.to_string());));
                } else {
                    stmts.push(quote!(body.#f = key.to_string();));
                }
                stmts.push(
                    quote!(let request = request #encode .idempotency(&key, rt::KeyPlacement::Body);),
                );
            }
            (None, None) => {
                stmts.push(quote!(let request = request.idempotency(&key, rt::KeyPlacement::Body);))
            }
        }
    }
    stmts
}

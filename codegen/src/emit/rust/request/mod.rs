//! Building a call's request from the method's arguments: the body (wire structs whose
//! leaves are the arguments' values), the parameters, and the idempotency key the
//! runtime hands out for the request as it will be sent.
//!
//! An owned argument's field is moved into the body when nothing else in the call reads
//! it; it is cloned only when something does (the idempotency key's domain value, a
//! caller fallback that gets the arguments back). Parameters are sent by reference.

use super::Ctx;
use super::tokens::{float, ident, int, path};
use crate::plan::variants::{EnumValues, VariantValue};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

mod body;
mod multipart;
mod template;

use body::{body_node, key_field};
use multipart::{multipart, part_values};
use template::template;

/// The names a call function gives its own values (`let body = …`, `let request =
/// …`, the response, the idempotency key, a list's pages). An argument of the same
/// name would be hidden by them where it is read after (an argument `body` whose
/// fields go into path parameters), so such an argument is bound as `arg_<name>`
/// inside the call function.
const CALL_LOCALS: [&str; 9] = [
    "body",
    "request",
    "response",
    "key",
    "key_value",
    "limits",
    "first",
    "page",
    "fetch",
];

/// A method argument as the call function names it (see [`CALL_LOCALS`]).
pub(in crate::emit::rust) fn arg_ident(name: &str) -> proc_macro2::Ident {
    if CALL_LOCALS.contains(&name) {
        format_ident!("arg_{}", name)
    } else {
        ident(name)
    }
}

pub(super) fn access(a: &[String]) -> TokenStream {
    let mut it = a.iter();
    let first = arg_ident(it.next().map(String::as_str).unwrap_or("_"));
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
        BodyNode::Template(t) => out.extend(t.accesses()),
        BodyNode::Parts(parts) => {
            for v in parts.iter().flat_map(part_values) {
                if let ValuePlan::Expr { access, .. } = v {
                    out.push(access.as_slice());
                }
            }
        }
        BodyNode::Leaf(ValuePlan::Const(_) | ValuePlan::Setting(_) | ValuePlan::Credential)
        | BodyNode::IdempotencyKey => {}
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

/// A request `via:` function's value for `field`: refused before sending when the
/// function returns an `Err` (`at` is the field's JSON path, `None` inside a list
/// item's closure, where only a function that cannot fail fits).
fn via_call(via: &str, arg: TokenStream, at: Option<&str>, optional: bool) -> TokenStream {
    let f = path(via);
    match (at, optional) {
        (Some(field), false) => quote! {
            rt::convert::via(OP, #field, #via, #f(&#arg)).map_err(|e| self.pipeline.refused(e))?
        },
        (None, false) => quote!(#f(&#arg)),
        // An `Option` into an optional slot: the function sees the value, `None` is
        // left out.
        (Some(field), true) => quote! {
            #arg.as_ref()
                .map(|v| rt::convert::via(OP, #field, #via, #f(v)))
                .transpose()
                .map_err(|e| self.pipeline.refused(e))?
        },
        (None, true) => quote!(#arg.as_ref().map(|v| #f(v))),
    }
}

/// An owned wire value for a body field of type `wire` at `at` (see [`via_call`]).
fn value(
    v: &ValuePlan,
    moves: &BTreeSet<Vec<String>>,
    wire: Option<&WireTy>,
    at: Option<&str>,
) -> TokenStream {
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
        ValuePlan::Setting(name) => {
            let s = setting(name);
            quote!(#s.into())
        }
        // The planner gives the credential to header and query parameters only, which
        // `request` sends with `credential_param`; a body never holds it.
        ValuePlan::Credential => quote!(::std::string::String::new()),
        ValuePlan::Expr {
            access: a,
            clone,
            optional,
            convert,
            via,
        } => {
            let moved = moves.contains(a);
            let a = access(a);
            if let Some(via) = via {
                return via_call(via, a, at, *optional);
            }
            let owned = if *clone && !moved {
                quote!(#a.clone())
            } else {
                quote!(#a)
            };
            match convert {
                Some(c) => converted(c, owned, *optional, at),
                None => owned,
            }
        }
    }
}

/// `v` (an `Option` when `optional`) converted by `c` into the wire's type; a checked
/// conversion that does not fit refuses the call before sending, naming `at`.
fn converted(c: &Convert, v: TokenStream, optional: bool, at: Option<&str>) -> TokenStream {
    let field = at.unwrap_or("request");
    let refused = quote!(.map_err(|e| self.pipeline.refused(e))?);
    match (c, optional) {
        (Convert::From(w), false) => {
            let w = path(w);
            quote!(#w::from(#v))
        }
        (Convert::From(w), true) => {
            let w = path(w);
            quote!(#v.map(#w::from))
        }
        (Convert::Text, false) => quote!(#v.to_string()),
        (Convert::Text, true) => quote!(#v.map(|v| v.to_string())),
        (Convert::Checked(w), false) => {
            let w = path(w);
            quote!(rt::convert::to_wire::<#w, _>(OP, #field, #v) #refused)
        }
        (Convert::Checked(w), true) => {
            let w = path(w);
            quote!(#v.map(|v| rt::convert::to_wire::<#w, _>(OP, #field, v)).transpose() #refused)
        }
        (Convert::Enum(_), false) => {
            let m = enum_match(c, quote!(&#v), field);
            if c.fallible() { quote!(#m #refused) } else { m }
        }
        (Convert::Enum(_), true) => {
            let m = enum_match(c, quote!(v), field);
            if c.fallible() {
                quote!(#v.as_ref().map(|v| #m).transpose() #refused)
            } else {
                quote!(#v.as_ref().map(|v| #m))
            }
        }
        (Convert::Each(inner), optional) => {
            let items = if optional { quote!(items) } else { v.clone() };
            let collected = match inner.as_ref() {
                Convert::From(w) => {
                    let w = path(w);
                    quote!(#items.into_iter().map(#w::from).collect::<Vec<_>>())
                }
                Convert::Text => {
                    quote!(#items.into_iter().map(|v| v.to_string()).collect::<Vec<_>>())
                }
                Convert::Checked(w) => {
                    let w = path(w);
                    quote! {
                        #items.into_iter()
                            .map(|v| rt::convert::to_wire::<#w, _>(OP, #field, v))
                            .collect::<Result<Vec<_>, _>>()
                    }
                }
                Convert::Enum(_) => {
                    let one = enum_match(inner, quote!(&v), field);
                    if inner.fallible() {
                        quote!(#items.into_iter().map(|v| #one).collect::<Result<Vec<_>, _>>())
                    } else {
                        quote!(#items.into_iter().map(|v| #one).collect::<Vec<_>>())
                    }
                }
                Convert::Each(_) => {
                    let one = converted(inner, quote!(v), false, at);
                    quote!(#items.into_iter().map(|v| #one).collect::<Vec<_>>())
                }
            };
            match (optional, inner.fallible()) {
                (false, false) => collected,
                (false, true) => quote!(#collected #refused),
                (true, false) => quote!(#v.map(|items| #collected)),
                (true, true) => quote!(#v.map(|items| #collected).transpose() #refused),
            }
        }
    }
}

/// A domain enum's wire value: `match <scrutinee> { Enum::Open => "open", .. }` (a
/// reference), as a `String` or an `i64` code; when a variant's carried text is checked
/// against the spec's values, every arm is a `Result` instead.
fn enum_match(c: &Convert, scrutinee: TokenStream, field: &str) -> TokenStream {
    let Convert::Enum(values) = c else {
        return quote!(compile_error!("portcullis: not an enum conversion"));
    };
    let EnumValues {
        domain_enum,
        arms,
        integer,
    } = &**values;
    let e = path(domain_enum);
    let checked = c.fallible();
    let arms = arms.iter().map(|(variant, value)| {
        let v = ident(variant);
        match value {
            VariantValue::Fixed(code) if *integer => {
                // Codes were checked to be integers when planned.
                let n = proc_macro2::Literal::i64_unsuffixed(code.parse::<i64>().unwrap_or_default());
                if checked { quote!(#e::#v => Ok(#n),) } else { quote!(#e::#v => #n,) }
            }
            VariantValue::Fixed(text) => {
                if checked {
                    quote!(#e::#v => Ok(#text.to_owned()),)
                } else {
                    quote!(#e::#v => #text,)
                }
            }
            VariantValue::Carried { allowed } if allowed.is_empty() => {
                if checked {
                    quote!(#e::#v(text) => Ok(text.clone()),)
                } else {
                    quote!(#e::#v(text) => text.as_str(),)
                }
            }
            VariantValue::Carried { allowed } => quote! {
                #e::#v(text) => rt::validate::one_of(OP, #field, text, &[#(#allowed),*]).map(|()| text.clone()),
            },
        }
    });
    match (checked, integer) {
        (false, false) => quote!(match #scrutinee { #(#arms)* }.to_owned()),
        _ => quote!(match #scrutinee { #(#arms)* }),
    }
}

/// The value of a setting, resolved when the adapter was built (a missing one failed
/// `new`, so the `?` only guards a hand-edited configuration).
fn setting(name: &str) -> TokenStream {
    quote!(self.pipeline.setting(#name)?)
}

/// A header sent with a fixed or configured value.
fn static_header(h: &HeaderPlan) -> TokenStream {
    let name = &h.name;
    match &h.value {
        HeaderValuePlan::Literal(v) => quote!(.header(#name, #v)),
        HeaderValuePlan::Setting(s) => {
            let v = setting(s);
            quote!(.header(#name, #v))
        }
    }
}

/// A parameter's value, which the request displays: moved or copied when nothing else
/// reads it, else by reference.
fn param_value(v: &ValuePlan, moves: &BTreeSet<Vec<String>>, name: &str) -> TokenStream {
    match v {
        ValuePlan::Const(serde_json::Value::String(s)) => quote!(#s),
        ValuePlan::Const(serde_json::Value::Bool(b)) => quote!(#b),
        ValuePlan::Const(serde_json::Value::Number(n)) => number(n, None),
        ValuePlan::Const(other) => {
            let text = other.to_string();
            quote!(#text)
        }
        ValuePlan::Setting(name) => setting(name),
        ValuePlan::Credential => quote!(""),
        ValuePlan::Expr {
            access: a,
            via,
            clone,
            convert,
            optional,
        } => {
            let by_value = !clone || moves.contains(a);
            let a = access(a);
            match (via, convert) {
                (Some(via), _) => via_call(via, a, Some(name), *optional),
                // A parameter is displayed, so only a conversion that can fail or
                // changes the text matters.
                (None, Some(c)) if c.changes_text() => converted(c, a, *optional, Some(name)),
                (None, _) if by_value => a,
                (None, _) => quote!(&#a),
            }
        }
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
    let mut stmts = super::checks::checks(op);
    let key_in_body = op
        .body
        .as_ref()
        .and_then(|b| key_field(&b.root))
        .filter(|_| op.idempotency.is_some());
    let mut raw = None;
    if let Some(b) = &op.body {
        let body = body_node(ctx, &b.root, &moves, None, Some("$"));
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
    if op.read_only {
        // `read: true`: retried and cached as a GET is.
        chain = quote!(#chain.read_only());
    }
    for h in &op.headers {
        let h = static_header(h);
        chain = quote!(#chain #h);
    }
    // A parameter is displayed, and an argument that is already a reference (`tag:
    // &String`) is displayed as it is: `&tag` is clippy's needless_borrows_for_generic_args.
    let mut param_moves = moves.clone();
    param_moves.extend(
        op.args
            .iter()
            .filter(|(_, ty)| ty.starts_with('&'))
            .map(|(name, _)| vec![name.clone()]),
    );
    let mut conditional = Vec::new();
    for p in &op.params {
        let name = &p.wire_name;
        if p.value == ValuePlan::Credential {
            // The pipeline adds the credential of each attempt.
            let at = match p.location {
                ParamLocation::Query => quote!(rt::CredentialIn::Query),
                _ => quote!(rt::CredentialIn::Header),
            };
            chain = quote!(#chain.credential_param(#at, #name));
            continue;
        }
        if let (Some(item), ValuePlan::Const(serde_json::Value::Array(items))) =
            (&p.array_item_name, &p.value)
        {
            // A list of constants: its text is known now.
            let texts: Vec<String> = items
                .iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            match p.array_separator {
                Some(sep) if !texts.is_empty() => {
                    let joined = texts.join(sep);
                    chain = quote!(#chain .query(#name, #joined));
                }
                Some(_) => {}
                None => {
                    for t in texts {
                        chain = quote!(#chain .query(#item, #t));
                    }
                }
            }
            continue;
        }
        let v = param_value(&p.value, &param_moves, &p.wire_name);
        let optional = matches!(&p.value, ValuePlan::Expr { optional: true, .. });
        let call = |val: TokenStream| match p.location {
            ParamLocation::Path => quote!(.path_param(#name, #val)),
            ParamLocation::Query => quote!(.query(#name, #val)),
            ParamLocation::Header => quote!(.header(#name, #val)),
        };
        if let (Some(_), Some(sep)) = (&p.array_item_name, p.array_separator) {
            // `explode: false`: one parameter, the items joined; an empty list sends
            // nothing, as an exploded one does.
            let join = quote! {
                let joined = items.iter().map(|item| item.to_string()).collect::<Vec<_>>().join(#sep);
                request = request.query(#name, joined);
            };
            // One `if` for both conditions: nested, clippy's `collapsible_if` asks for a
            // let chain, which a crate of edition 2021 cannot write.
            conditional.push(if optional {
                quote!({
                    let items = &#v;
                    if let Some(items) = items.as_ref().filter(|items| !items.is_empty()) { #join }
                })
            } else {
                quote!({ let items = &#v; if !items.is_empty() { #join } })
            });
            continue;
        }
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
        BodyEncoding::Multipart => quote!(.multipart(body)?),
    });
    if conditional.is_empty() {
        stmts.push(quote!(let request = #chain #encode;));
    } else {
        stmts.push(quote!(let mut request = #chain #encode;));
        stmts.extend(conditional);
    }
    // The key: derived from the domain value, or per call (a fresh one, or what the
    // caller's `idempotency::replay` / `logical_call` scope says).
    if let Some(i) = &op.idempotency {
        stmts.extend(key_shape(&i.shape));
        let source = &i.source;
        let source = match &i.from {
            Some(ValuePlan::Expr { access: a, .. }) => {
                let a = access(a);
                stmts.push(quote!(let key_value = #a.to_string();));
                quote!(rt::KeySource::Domain { field: #source, value: &key_value })
            }
            _ => quote!(rt::KeySource::PerCall),
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

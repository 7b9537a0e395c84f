//! `mod translate`: vendor → domain converters, and the helpers every part of the
//! module shares (the error bodies and error rules are in `errors.rs`).
//!
//! A converter takes the decoded wire value by value and moves its fields into the
//! domain value; it takes `op` and returns a `Result` only when something in it can
//! fail (an absent required value, a number too large, an unknown enum value).

use super::Ctx;
use super::read::{Got, Take, read, takes};
use super::tokens::{ident, path};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;

/// An owned value bound to a name (`x` in a match arm, `item` in a closure).
fn bound(name: TokenStream) -> Got {
    Got::Place {
        expr: name,
        take: Take::Move,
        copy: false,
        boxed: false,
    }
}

/// Whether converting a present value can neither fail nor return early.
pub(super) fn infallible(ctx: &Ctx, l: &Leaf) -> bool {
    match l {
        Leaf::Same => true,
        Leaf::Newtype(_, inner) | Leaf::Some(inner) | Leaf::Each(inner) => infallible(ctx, inner),
        Leaf::Enum { catch_all, .. } => catch_all.is_some(),
        Leaf::Nested(c) => !ctx.fallible(c),
        Leaf::Pluck(p) => !p.fails_when_absent(ctx.plan) && infallible(ctx, &p.leaf),
        Leaf::Narrow(_) | Leaf::Parse(_) => false,
    }
}

/// Whether the conversion gives its input back as it is (`Vec<T>` item by item too).
fn identity(l: &Leaf) -> bool {
    match l {
        Leaf::Same => true,
        Leaf::Each(inner) => matches!(**inner, Leaf::Same),
        _ => false,
    }
}

/// Whether the conversion names its input once, so the input may be any expression.
fn uses_once(l: &Leaf) -> bool {
    match l {
        Leaf::Same | Leaf::Nested(_) | Leaf::Each(_) | Leaf::Pluck(_) => true,
        Leaf::Newtype(_, inner) | Leaf::Some(inner) => uses_once(inner),
        Leaf::Narrow(_) | Leaf::Parse(_) | Leaf::Enum { .. } => false,
    }
}

/// Converts a present wire value to its domain value.
fn leaf(ctx: &Ctx, l: &Leaf, x: &Got, json_path: &str) -> TokenStream {
    match l {
        Leaf::Same => x.value(),
        // Both name the vendor's value when it does not fit.
        Leaf::Narrow(t) | Leaf::Parse(t) => {
            let v = x.value();
            let tt = ident(t);
            let t = t.replace('{', "{{").replace('}', "}}");
            let (convert, msg) = match l {
                Leaf::Narrow(_) => (
                    quote!(#tt::try_from(#v)),
                    format!("{{}} does not fit in {t}"),
                ),
                _ => (
                    quote!(#v.parse::<#tt>()),
                    format!("{{:?}} is not a decimal integer that fits in {t}"),
                ),
            };
            quote!(#convert.map_err(|_| rt::Error::contract(op, #json_path, format!(#msg, #v)))?)
        }
        Leaf::Newtype(p, inner) => {
            let p = path(p);
            let inner = leaf(ctx, inner, x, json_path);
            quote!(#p(#inner))
        }
        Leaf::Enum {
            domain_enum,
            arms,
            integer,
            catch_all,
        } => {
            let e = path(domain_enum);
            // One arm per variant, its wire values in the mapping's order.
            let mut merged: Vec<(&str, Vec<&str>)> = Vec::new();
            for (wire, variant) in arms {
                match merged.iter_mut().find(|(v, _)| v == variant) {
                    Some((_, values)) => values.push(wire),
                    None => merged.push((variant, vec![wire])),
                }
            }
            let arms = merged.iter().map(|(variant, values)| {
                let v = ident(variant);
                if *integer {
                    // Codes were checked to be integers when planned.
                    let codes = values
                        .iter()
                        .filter_map(|c| c.parse::<i64>().ok())
                        .map(proc_macro2::Literal::i64_unsuffixed);
                    quote!(#(#codes)|* => #e::#v,)
                } else {
                    quote!(#(#values)|* => #e::#v,)
                }
            });
            let Got::Place { expr, .. } = x else {
                return quote!(compile_error!("portcullis: an enum read from an Option"));
            };
            if *integer {
                let last = match catch_all {
                    Some((v, true)) => {
                        let v = ident(v);
                        quote!(other => #e::#v(other.to_string()),)
                    }
                    Some((v, false)) => {
                        let v = ident(v);
                        quote!(_ => #e::#v,)
                    }
                    None => quote!(other => return Err(rt::Error::contract(
                        op, #json_path, format!("unknown value {other} and the mapping has no catch-all")
                    )),),
                };
                return quote!(match #expr { #(#arms)* #last });
            }
            let last = match catch_all {
                Some((v, true)) if x.movable() => {
                    let v = ident(v);
                    let owned = x.value();
                    quote!(_ => #e::#v(#owned),)
                }
                Some((v, true)) => {
                    let v = ident(v);
                    quote!(other => #e::#v(other.to_owned()),)
                }
                Some((v, false)) => {
                    let v = ident(v);
                    quote!(_ => #e::#v,)
                }
                None => quote!(other => return Err(rt::Error::contract(
                    op, #json_path, format!("unknown value '{other}' and the mapping has no catch-all")
                )),),
            };
            quote!(match #expr.as_str() { #(#arms)* #last })
        }
        Leaf::Nested(c) => {
            let v = x.value();
            let c = ident(c);
            if ctx.fallible(&c.to_string()) {
                quote!(#c(#v, op)?)
            } else {
                quote!(#c(#v))
            }
        }
        Leaf::Each(inner) => {
            if matches!(**inner, Leaf::Same) {
                return x.value();
            }
            let src = match x {
                Got::Place { expr, .. } if !x.movable() => quote!(#expr.iter().cloned()),
                _ => {
                    let v = x.value();
                    quote!(#v.into_iter())
                }
            };
            match &**inner {
                // The converter itself, not a closure that only calls it (clippy's
                // `redundant_closure`).
                Leaf::Nested(c) if !ctx.fallible(c) => {
                    let c = ident(c);
                    quote!(#src.map(#c).collect())
                }
                i if infallible(ctx, i) => {
                    let i = leaf(ctx, i, &bound(quote!(item)), json_path);
                    quote!(#src.map(|item| #i).collect())
                }
                Leaf::Nested(c) => {
                    let c = ident(c);
                    quote!(#src.map(|item| #c(item, op)).collect::<Result<Vec<_>, _>>()?)
                }
                // `each:` of a field every item must have: the closure is the check
                // itself, not `Ok(..?)` around it (clippy's `needless_question_mark`).
                Leaf::Pluck(p) if identity(&p.leaf) && p.missing == Missing::Error => {
                    let got = read(ctx.plan, &p.wire, quote!(item), &p.read, Take::Move);
                    let checked = match got {
                        Got::Opt(e) => {
                            let m = missing(ctx, quote!(op), &p.read.json_path, false);
                            quote!(#e.ok_or_else(|| #m))
                        }
                        got => {
                            let v = got.value();
                            quote!(Ok::<_, rt::Error>(#v))
                        }
                    };
                    quote!(#src.map(|item| #checked).collect::<Result<Vec<_>, _>>()?)
                }
                i => {
                    let i = leaf(ctx, i, &bound(quote!(item)), json_path);
                    quote!(#src.map(|item| -> Result<_, rt::Error> { Ok(#i) }).collect::<Result<Vec<_>, _>>()?)
                }
            }
        }
        Leaf::Some(inner) => {
            let inner = leaf(ctx, inner, x, json_path);
            quote!(Some(#inner))
        }
        Leaf::Pluck(p) => {
            let item = x.value();
            match read(ctx.plan, &p.wire, item, &p.read, Take::Move) {
                Got::Opt(e) => absent(ctx, e, &p.leaf, &p.missing, &p.read.json_path),
                got => leaf(ctx, &p.leaf, &got, &p.read.json_path),
            }
        }
    }
}

/// `translate::missing(op, "$.a")` (or `missing(..)` inside `translate`).
pub(super) fn missing(ctx: &Ctx, op: TokenStream, json_path: &str, qualified: bool) -> TokenStream {
    ctx.missing.set(true);
    if qualified {
        quote!(translate::missing(#op, #json_path))
    } else {
        quote!(missing(#op, #json_path))
    }
}

/// The items of list `v` through fallible converter `conv`, one by one, as a
/// `Result<Vec<_>, _>`: a failure names the item's place under `base` (`$.data[3].id`),
/// not its path inside the item.
pub(super) fn convert_items(conv: &str, v: TokenStream, base: &str) -> TokenStream {
    let c = ident(conv);
    quote! {
        #v.into_iter()
            .enumerate()
            .map(|(i, item)| translate::#c(item, OP).map_err(|e| e.within(&format!("{}[{i}]", #base))))
            .collect::<Result<Vec<_>, _>>()
    }
}

/// A value read through an `Option` (`e`, owned), converted, with its absence handled.
fn absent(ctx: &Ctx, e: TokenStream, l: &Leaf, miss: &Missing, json_path: &str) -> TokenStream {
    let x = bound(quote!(x));
    match (miss, l) {
        (Missing::None, Leaf::Some(inner)) => match &**inner {
            i if identity(i) => e,
            Leaf::Newtype(p, same) if matches!(**same, Leaf::Same) => {
                let p = path(p);
                quote!(#e.map(#p))
            }
            // The converter itself, not a closure that only calls it (clippy's
            // `redundant_closure`, which users run on generated code too).
            Leaf::Nested(c) if !ctx.fallible(c) => {
                let c = ident(c);
                quote!(#e.map(#c))
            }
            i if infallible(ctx, i) => {
                let i = leaf(ctx, i, &x, json_path);
                quote!(#e.map(|x| #i))
            }
            _ => {
                let some = leaf(ctx, l, &x, json_path);
                quote!(match #e { Some(x) => #some, None => None })
            }
        },
        (Missing::Error, l) if uses_once(l) => {
            let m = missing(ctx, quote!(op), json_path, false);
            let present = bound(quote!(#e.ok_or_else(|| #m)?));
            leaf(ctx, l, &present, json_path)
        }
        (Missing::Error, l) => {
            let m = missing(ctx, quote!(op), json_path, false);
            let present = leaf(ctx, l, &x, json_path);
            quote!(match #e { Some(x) => #present, None => return Err(#m) })
        }
        (Missing::Default(d), l) => {
            let d = match syn::parse_str::<syn::Expr>(d) {
                Ok(d) => d,
                Err(_) => syn::parse_quote!(Default::default()),
            };
            match l {
                l if identity(l) => match &d {
                    syn::Expr::Lit(_) | syn::Expr::Path(_) | syn::Expr::Unary(_) => {
                        quote!(#e.unwrap_or(#d))
                    }
                    syn::Expr::Call(c) if c.args.is_empty() => quote!(#e.unwrap_or_default()),
                    _ => quote!(#e.unwrap_or_else(|| #d)),
                },
                l => {
                    let present = leaf(ctx, l, &x, json_path);
                    quote!(match #e { Some(x) => #present, None => #d })
                }
            }
        }
        (Missing::None, l) => {
            let present = leaf(ctx, l, &x, json_path);
            quote!(match #e { Some(x) => #present, None => None })
        }
    }
}

/// One domain field's value; `takes` yields how each read takes its value, in order.
fn field_value(
    ctx: &Ctx,
    c: &Converter,
    v: &ConvValue,
    takes: &mut impl Iterator<Item = Take>,
) -> TokenStream {
    let mut next = || takes.next().unwrap_or(Take::Clone);
    match v {
        ConvValue::Fresh(MarkKind::Flag) => quote!(false),
        ConvValue::Fresh(_) => quote!(None),
        ConvValue::Given(param) => {
            let p = ident(param);
            quote!(#p)
        }
        ConvValue::Read {
            read: r,
            leaf: l,
            missing: miss,
        } => match read(ctx.plan, &c.wire_type, quote!(wire), r, next()) {
            Got::Opt(e) => absent(ctx, e, l, miss, &r.json_path),
            got => leaf(ctx, l, &got, &r.json_path),
        },
        ConvValue::Via {
            function,
            reads,
            json_path,
            required,
            ..
        } => {
            let f = path(function);
            let args: Vec<TokenStream> = reads
                .iter()
                .map(
                    |r| match read(ctx.plan, &c.wire_type, quote!(wire), r, next()) {
                        Got::Opt(e) if *required => {
                            let m = missing(ctx, quote!(op), &r.json_path, false);
                            quote!(#e.ok_or_else(|| #m)?)
                        }
                        got => got.value(),
                    },
                )
                .collect();
            // Named, so a refusal reads as the domain's function failing on the value,
            // not as the vendor's drift.
            let refused = format!("{function} refused the vendor's value: {{e}}");
            quote!(#f(#(#args),*).map_err(|e| rt::Error::contract(op, #json_path, ::std::format!(#refused)))?)
        }
    }
}

pub(super) fn converter(ctx: &Ctx, c: &Converter) -> TokenStream {
    let name = ident(&c.name);
    let domain = path(&c.domain_type);
    let returns = path(&c.returns);
    let wire = ident(&c.wire_type);
    let doc = format!(
        " Builds `{}` from the vendor's `{}`.",
        c.domain_type, c.wire_type
    );
    let reads: Vec<&Read> = c
        .fields
        .iter()
        .flat_map(|f| match &f.value {
            ConvValue::Read { read, .. } => vec![read],
            ConvValue::Via { reads, .. } => reads.iter().collect(),
            ConvValue::Fresh(_) | ConvValue::Given(_) => Vec::new(),
        })
        .collect();
    let mut order = takes(ctx.plan, &c.wire_type, &reads).into_iter();
    let fields: Vec<TokenStream> = c
        .fields
        .iter()
        .map(|f| {
            let n = ident(&f.field);
            let v = field_value(ctx, c, &f.value, &mut order);
            quote!(#n: #v,)
        })
        .collect();
    // A domain type made of marks only reads nothing from the vendor.
    let wire_arg = if reads.is_empty() {
        quote!(_wire)
    } else {
        quote!(wire)
    };
    let params = c.params.iter().map(|(n, t)| {
        let n = ident(n);
        let t = super::tokens::ty(t);
        quote!(, #n: #t)
    });
    if ctx.fallible(&c.name) {
        quote! {
            #[doc = #doc]
            pub(super) fn #name(#wire_arg: vendor::#wire, op: &'static str #(#params)*) -> Result<#returns, rt::Error> {
                Ok(#domain { #(#fields)* })
            }
        }
    } else {
        quote! {
            #[doc = #doc]
            pub(super) fn #name(#wire_arg: vendor::#wire #(#params)*) -> #returns {
                #domain { #(#fields)* }
            }
        }
    }
}

/// The helpers the rest of `translate` and the calls use, each only when used.
pub(super) fn helpers(ctx: &Ctx) -> TokenStream {
    let plan = ctx.plan;
    let missing = ctx.missing.get().then(|| {
        quote! {
            /// A value the mapping reads is missing or null in the vendor's response.
            pub(super) fn missing(op: &'static str, json_path: &str) -> rt::Error {
                rt::Error::contract(op, json_path, "missing or null in the vendor's response")
            }
        }
    });
    // Only operations without a `2XX` range answer undeclared statuses this way.
    let unexpected = plan
        .operations
        .iter()
        .any(|op| op.responses.iter().all(|r| r.status.is_some()))
        .then(|| {
            quote! {
                /// A success status the spec does not declare for the operation: the vendor changed.
                pub(super) fn unexpected_status(op: &'static str, status: u16) -> rt::Error {
                    rt::Error::contract(
                        op,
                        "$",
                        format!("unexpected success status {status}; the spec does not declare it"),
                    )
                }
            }
        });
    let text = ctx.text.get().then(|| {
        quote! {
            /// A vendor's error code or message as text: a JSON string as it is, a list of
            /// strings joined with `; ` (Jira's `errorMessages`), anything else as JSON;
            /// none for `null` or an empty list (Jira says why elsewhere then, and the
            /// error keeps the vendor's words).
            fn text(value: serde_json::Value) -> Option<String> {
                match value {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s),
                    serde_json::Value::Array(items) if items.is_empty() => None,
                    serde_json::Value::Array(items) if items.iter().all(serde_json::Value::is_string) => {
                        Some(
                            items
                                .iter()
                                .filter_map(serde_json::Value::as_str)
                                .collect::<Vec<_>>()
                                .join("; "),
                        )
                    }
                    other => Some(other.to_string()),
                }
            }
        }
    });
    quote!(#missing #unexpected #text)
}

//! Pre-send checks: argument values tested against the spec's constraints (length,
//! pattern, enum, bounds) while the request is built, inside `each:` items once per item.

use super::request::access;
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;

/// The checks of argument values against the spec's constraints, made before anything
/// is built: a failure is counted by the pipeline (`refused`) and nothing is sent.
pub(super) fn checks(op: &OperationPlan) -> Vec<TokenStream> {
    op.checks
        .iter()
        .filter(|c| !c.sample_only())
        .map(|c| {
            // An argument that is a reference itself (`id: &str`) is checked as it is:
            // borrowing it again is what clippy's `needless_borrow` refuses.
            let by_ref = matches!(c.access.as_slice(), [arg] if arg == "item"
                || op.args.iter().any(|(n, t)| n == arg && t.starts_with('&')));
            check(c, by_ref)
        })
        .collect()
}

fn check(c: &CheckPlan, by_ref: bool) -> TokenStream {
    let a = access(&c.access);
    let field = &c.field;
    let k = &c.constraints;
    let refused = quote!(.map_err(|e| self.pipeline.refused(e))?;);
    let mut body = Vec::new();
    let usize_lit = proc_macro2::Literal::usize_unsuffixed;
    if let Some(m) = k.max_length {
        let m = usize_lit(m);
        body.push(quote!(rt::validate::max_length(OP, #field, value, #m) #refused));
    }
    if let Some(m) = k.min_length {
        let m = usize_lit(m);
        body.push(quote!(rt::validate::min_length(OP, #field, value, #m) #refused));
    }
    if let Some(p) = &k.pattern {
        body.push(quote! {
            static PATTERN: rt::validate::Pattern = rt::validate::Pattern::new(#p);
            rt::validate::pattern(OP, #field, value, &PATTERN) #refused
        });
    }
    match k.format {
        Some(TextFormat::Date) => body.push(quote!(rt::validate::date(OP, #field, value) #refused)),
        Some(TextFormat::DateTime) => {
            body.push(quote!(rt::validate::date_time(OP, #field, value) #refused));
        }
        // Sampled by contract tests, left to the vendor (see `TextFormat::checked`).
        Some(TextFormat::Email | TextFormat::Uri) | None => {}
    }
    if let Some(m) = k.max_items {
        let m = usize_lit(m);
        body.push(quote!(rt::validate::max_items(OP, #field, value, #m) #refused));
    }
    if let Some(m) = k.min_items {
        let m = usize_lit(m);
        body.push(quote!(rt::validate::min_items(OP, #field, value, #m) #refused));
    }
    if !k.values.is_empty() {
        let values = &k.values;
        body.push(quote!(rt::validate::one_of(OP, #field, value, &[#(#values),*]) #refused));
    }
    let bound = |b: f64| match c.value {
        CheckedValue::Number | CheckedValue::Float32 => {
            let l = proc_macro2::Literal::f64_unsuffixed(b);
            quote!(#l)
        }
        _ => int_literal(b),
    };
    let limits = [
        (k.minimum, quote!(minimum), quote!(exclusive_minimum)),
        (k.maximum, quote!(maximum), quote!(exclusive_maximum)),
    ];
    for (limit, inclusive, exclusive) in limits {
        if let Some((m, is_exclusive)) = limit {
            let m = bound(m);
            let f = if is_exclusive { exclusive } else { inclusive };
            body.push(quote!(rt::validate::#f(OP, #field, value, #m) #refused));
        }
    }
    // A list's item is already a reference, as is an argument declared as one.
    let one = match (c.value, c.optional) {
        (CheckedValue::Text, false) if by_ref => quote!({
            let value: &str = #a;
            #(#body)*
        }),
        (CheckedValue::Text, false) => quote!({
            let value: &str = &#a;
            #(#body)*
        }),
        (CheckedValue::Text, true) => quote!(if let Some(value) = &#a {
            let value: &str = value;
            #(#body)*
        }),
        (CheckedValue::Integer, false) => quote!({
            let value = #a as i128;
            #(#body)*
        }),
        (CheckedValue::Integer, true) => quote!(if let Some(value) = #a {
            let value = value as i128;
            #(#body)*
        }),
        // An `f64` is compared as it is (`f64::from` of one is clippy's
        // `useless_conversion`); an `f32` is widened first.
        (CheckedValue::Number, false) => quote!({
            let value = #a;
            #(#body)*
        }),
        (CheckedValue::Number, true) => quote!(if let Some(value) = #a {
            #(#body)*
        }),
        (CheckedValue::Float32, false) => quote!({
            let value = f64::from(#a);
            #(#body)*
        }),
        (CheckedValue::Float32, true) => quote!(if let Some(value) = #a {
            let value = f64::from(value);
            #(#body)*
        }),
        (CheckedValue::List, false) if by_ref => quote!({
            let value = #a;
            #(#body)*
        }),
        (CheckedValue::List, false) => quote!({
            let value = &#a;
            #(#body)*
        }),
        (CheckedValue::List, true) => quote!(if let Some(value) = &#a {
            #(#body)*
        }),
    };
    // Inside `each:` items: once per item, innermost list last.
    c.each.iter().rev().fold(one, |inner, (source, optional)| {
        let src = access(source);
        if *optional {
            quote!(for item in #src.iter().flatten() { #inner })
        } else {
            quote!(for item in #src.iter() { #inner })
        }
    })
}

/// An integer bound of the spec (kept as `f64` in the plan) as a literal.
fn int_literal(b: f64) -> TokenStream {
    let l = proc_macro2::Literal::i128_unsuffixed(b as i128);
    if b < 0.0 {
        let abs = proc_macro2::Literal::i128_unsuffixed((b as i128).abs());
        quote!(-#abs)
    } else {
        quote!(#l)
    }
}

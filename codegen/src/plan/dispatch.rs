//! The dispatcher's plan: one type implementing a port over every adapter of it that a
//! build generates, chosen by name at start-up. Built from the adapters' own plans,
//! so it only holds what they already agree on.

use super::Plan;
use crate::error::Error;
use crate::ident::{camel, snake};

/// One type implementing the port by holding any one of its adapters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchPlan {
    /// The enum's name (`PaymentProvider`).
    pub type_name: String,
    /// The environment variable naming the adapter (`PAYMENT_PROVIDER`).
    pub env: String,
    /// What is chosen, in words (`payment provider`), for messages.
    pub what: String,
    /// The port trait, fully qualified.
    pub port_trait: String,
    /// The port's methods, in the first adapter's order.
    pub methods: Vec<MethodSig>,
    /// The adapters, in the builder's order.
    pub members: Vec<Member>,
    /// The domain event enum, when the adapters decode webhooks.
    pub event_enum: Option<String>,
}

/// One port method as the trait declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodSig {
    /// The method's name.
    pub method: String,
    /// Arguments after `&self`: name and rendered type.
    pub args: Vec<(String, String)>,
    /// The `Ok` type, rendered.
    pub ok_type: String,
    /// The `Err` type, rendered.
    pub err_type: String,
    /// How the port declares it (a stream is forwarded boxed).
    pub style: super::MethodStyle,
}

/// One adapter the dispatcher can hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The name configuration uses (`stripe`, the mapping file's stem).
    pub name: String,
    /// The enum variant (`Stripe`).
    pub variant: String,
    /// The generated adapter struct (`StripeGateway`).
    pub adapter: String,
    /// The generated file it lives in (`stripe_gateway.rs`).
    pub file_name: String,
    /// The mapping it was generated from.
    pub mapping_file: String,
    /// The vendor's API title.
    pub vendor: String,
    /// Its webhook decoder, when its mapping has `webhooks:`.
    pub decoder: Option<String>,
}

/// The dispatcher `type_name` over `adapters` (each: the name configuration uses, its
/// plan and its generated file name). Fails when they implement different ports,
/// two share a name, or their webhooks decode into different event types.
pub fn build(type_name: &str, adapters: &[(String, &Plan, String)]) -> Result<DispatchPlan, Error> {
    let fail = |why: String| Err(Error::Builder(format!("dispatcher {type_name}: {why}")));
    if syn::parse_str::<syn::Ident>(type_name).is_err() || camel(type_name) != type_name {
        return fail(format!(
            "'{type_name}' is not a type name; write it in UpperCamelCase, e.g. \"PaymentProvider\""
        ));
    }
    let Some((_, first, _)) = adapters.first() else {
        return fail("no mappings; add them with `.mapping(..)` before `.dispatcher(..)`".into());
    };
    let methods = signatures(first);
    let mut members: Vec<Member> = Vec::new();
    let mut event_enum: Option<(String, String)> = None;
    for (name, plan, file_name) in adapters {
        if plan.port_trait != first.port_trait {
            return fail(format!(
                "{} implements {}, {} implements {}; a dispatcher holds adapters of one port",
                first.mapping_file, first.port_trait, plan.mapping_file, plan.port_trait
            ));
        }
        let mut mine: Vec<String> = signatures(plan).into_iter().map(|m| m.method).collect();
        let mut theirs: Vec<String> = methods.iter().map(|m| m.method.clone()).collect();
        mine.sort();
        theirs.sort();
        if mine != theirs {
            return fail(format!(
                "{} and {} map different methods of {} ({mine:?} and {theirs:?})",
                plan.mapping_file, first.mapping_file, plan.port_trait
            ));
        }
        let name = snake(name).trim_start_matches("r#").to_owned();
        if name.is_empty() {
            return fail(format!("{} gives no usable name", plan.mapping_file));
        }
        if let Some(other) = members.iter().find(|m| m.name == name) {
            return fail(format!(
                "{} and {} are both called '{name}' (names come from the mapping file names); rename one file",
                other.mapping_file, plan.mapping_file
            ));
        }
        if let Some(w) = &plan.webhooks {
            match &event_enum {
                Some((e, from)) if *e != w.event_enum => {
                    return fail(format!(
                        "{from} decodes webhooks into {e}, {} into {}; a dispatcher's decoders share one event type",
                        plan.mapping_file, w.event_enum
                    ));
                }
                Some(_) => {}
                None => event_enum = Some((w.event_enum.clone(), plan.mapping_file.clone())),
            }
        }
        members.push(Member {
            variant: camel(&name),
            name,
            adapter: plan.adapter.clone(),
            file_name: file_name.clone(),
            mapping_file: plan.mapping_file.clone(),
            vendor: plan.vendor_title.clone(),
            decoder: plan.webhooks.as_ref().map(|w| w.decoder.clone()),
        });
    }
    Ok(DispatchPlan {
        type_name: type_name.to_owned(),
        env: snake(type_name)
            .trim_start_matches("r#")
            .to_ascii_uppercase(),
        what: snake(type_name).trim_start_matches("r#").replace('_', " "),
        port_trait: first.port_trait.clone(),
        methods,
        members,
        event_enum: event_enum.map(|(e, _)| e),
    })
}

/// The port's methods as one adapter's plan renders them: mapped ones, then the
/// unsupported ones.
fn signatures(plan: &Plan) -> Vec<MethodSig> {
    let mapped = plan.operations.iter().map(|o| MethodSig {
        method: o.method.clone(),
        args: o.args.clone(),
        ok_type: o.ok_type.clone(),
        err_type: o.err_type.clone(),
        style: o.style,
    });
    let unsupported = plan.unsupported.iter().map(|u| MethodSig {
        method: u.method.clone(),
        args: u.args.clone(),
        ok_type: u.ok_type.clone(),
        err_type: u.err_type.clone(),
        style: u.style,
    });
    mapped.chain(unsupported).collect()
}

//! Contract tests for a generated adapter: the vendor's examples served by a mock,
//! the requests checked against the spec, and drifted responses that must fail loudly.
//!
//! The tests are emitted as `#[cfg(test)] mod contract_tests` at the end of the
//! adapter's file (see [`crate::Builder::contract_tests`]), so they run with the user's
//! own `cargo test` and can reach the private `call_*` functions that return the
//! runtime's error with its JSON path. Per mapped operation, in `contract_tests::<op>`:
//!
//! * `example_*`: for every example of the operation's responses (named, media-type or
//!   schema-level; synthesised from the schema when the spec has none), a mock vendor
//!   serves it; a 2xx must become a domain value, an error (or a refused 2xx) must
//!   become the domain error the mapping's rules choose. Every request the adapter
//!   sent is validated against the spec's parameters and body schema.
//! * `drift_*`: a mapped field removed or renamed, its type changed, an unknown enum
//!   value, unknown fields added. The adapter must answer with a contract error that
//!   names the field and the operation, or take the path the mapping declares (an
//!   `Option`, a `default:`, a catch-all variant). Never a panic, never a silent value.
//! * `cassette` replays `<cassettes>/<adapter>/<op>.json` when it exists, and `record`
//!   (ignored unless run by name) records it through a proxy to
//!   `PORTCULLIS_RECORD_BASE_URL`.
//!
//! This emitter reads the [`Plan`] plus the [`ContractPlan`] built beside it
//! ([`crate::plan::contract`]): the spec's examples and request schemas, and sample
//! domain arguments built from the port's types.

mod drift;
mod operation;

use crate::error::Error;
use crate::plan::contract::ContractPlan;
use crate::plan::*;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// Options for the emitted tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractOptions {
    /// The cassette directory, relative to the including crate's `CARGO_MANIFEST_DIR`;
    /// `None` emits no cassette tests.
    pub cassettes: Option<String>,
}

pub(super) fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

pub(super) fn parse<T: syn::parse::Parse + quote::ToTokens>(s: &str) -> TokenStream {
    match syn::parse_str::<T>(s) {
        Ok(t) => quote!(#t),
        Err(_) => {
            let msg = format!("portcullis: cannot parse {s:?}");
            quote!(compile_error!(#msg))
        }
    }
}

/// Renders the `contract_tests` module, formatted, to append to the adapter's file.
pub fn render(plan: &Plan, cp: &ContractPlan, options: &ContractOptions) -> Result<String, Error> {
    let tokens = module(plan, cp, options);
    // A failure here is a bug in this emitter, never in the user's input.
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Emit(e.to_string()))?;
    Ok(prettyplease::unparse(&file))
}

/// The credentials contract tests send: fixed values in the places `auth` puts them.
fn test_auth(auth: &AuthPlan) -> TokenStream {
    match auth {
        AuthPlan::All(parts) => {
            let parts = parts.iter().map(test_auth);
            quote!(rt::AuthConfig::All(::std::vec![#(#parts),*]))
        }
        AuthPlan::None => quote!(rt::AuthConfig::None),
        // Contract tests check the request's shape, not the token flow: a fixed
        // token stands in for the one the token endpoint would issue.
        AuthPlan::Bearer(_) | AuthPlan::OAuth2ClientCredentials { .. } => {
            quote!(rt::AuthConfig::Bearer {
                token: rt::SecretSource::literal("contract-test-token")
            })
        }
        AuthPlan::Basic(..) => quote!(rt::AuthConfig::Basic {
            username: rt::SecretSource::literal("contract-test-user"),
            password: ::core::option::Option::Some(rt::SecretSource::literal(
                "contract-test-password"
            )),
        }),
        AuthPlan::ApiKey {
            location,
            name,
            prefix,
            ..
        } => {
            let loc = format_ident!(
                "{}",
                match location.as_str() {
                    "query" => "Query",
                    "cookie" => "Cookie",
                    _ => "Header",
                }
            );
            if prefix.is_empty() {
                quote!(rt::AuthConfig::ApiKey {
                    location: rt::ApiKeyLocation::#loc,
                    name: ::std::string::String::from(#name),
                    secret: rt::SecretSource::literal("contract-test-key"),
                })
            } else {
                quote!(rt::AuthConfig::PrefixedApiKey {
                    location: rt::ApiKeyLocation::#loc,
                    name: ::std::string::String::from(#name),
                    prefix: ::std::string::String::from(#prefix),
                    secret: rt::SecretSource::literal("contract-test-key"),
                })
            }
        }
    }
}

fn module(plan: &Plan, cp: &ContractPlan, options: &ContractOptions) -> TokenStream {
    let adapter = ident(&plan.adapter);
    let auth = test_auth(&plan.auth);
    let mut redact = Vec::new();
    for part in plan.auth.parts() {
        if let AuthPlan::ApiKey { location, name, .. } = part {
            if location == "header" {
                redact.push(quote!(.header(#name)));
            }
        }
    }
    for field in &plan.secret_fields {
        redact.push(quote!(.field(#field)));
    }
    for op in &plan.operations {
        if let Some(i) = &op.idempotency {
            match &i.header {
                Some(h) => redact.push(quote!(.idempotency_header(#h))),
                None => {
                    if let Some(field) = body_key_wire_name(plan, op) {
                        redact.push(quote!(.idempotency_field(#field)));
                    }
                }
            }
        }
    }
    let ops = plan
        .operations
        .iter()
        .zip(&cp.operations)
        .map(|(op, c)| operation::operation(plan, op, c, cp, options));
    let op_names: Vec<&str> = plan.operations.iter().map(|o| o.method.as_str()).collect();
    let n_ops = op_names.len();
    let doc = format!(
        " Contract tests for `{}` against the spec `{}` (generated; see docs/contract-tests.md).",
        plan.adapter,
        crate::emit::text::doc_code(&plan.spec_file)
    );
    // Settings get test values, so the tests never depend on the environment.
    let settings = cp
        .settings
        .iter()
        .map(|(name, value)| quote!(.setting_value(#name, #value)));
    let events = cp
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| event_test(plan, i, e));
    quote! {
        #[doc = #doc]
        #[cfg(test)]
        mod contract_tests {
            #(#events)*

            use ::portcullis_runtime as rt;

            /// The adapter pointed at `url`, with test credentials and no retries (one request per call).
            fn adapter(url: &str) -> super::#adapter {
                let mut config = super::#adapter::config()
                    .base_url(url)
                    .allow_insecure_http(true)
                    .auth(#auth)
                    #(#settings)*;
                config.defaults_mut().retry = ::core::option::Option::Some(rt::RetryPolicy { attempts: 1, ..::core::default::Default::default() });
                let operations: [&str; #n_ops] = [#(#op_names),*];
                for op in operations {
                    config.policy_mut(op).retry = ::core::option::Option::Some(rt::RetryPolicy { attempts: 1, ..::core::default::Default::default() });
                }
                match super::#adapter::new(config) {
                    ::core::result::Result::Ok(a) => a,
                    ::core::result::Result::Err(e) => ::core::panic!("the mapping's configuration is invalid: {e}"),
                }
            }

            /// What cassettes hide: credentials, the fields the spec marks as secret, and idempotency keys.
            #[allow(dead_code)]
            fn redactions() -> rt::testing::Redactions {
                rt::testing::Redactions::default() #(#redact)*
            }

            /// A mock vendor answering `method template` with `body`.
            #[allow(dead_code)]
            async fn vendor(method: &str, template: &str, status: u16, body: &str) -> rt::testing::MockVendor {
                let vendor = rt::testing::MockVendor::start().await;
                let body: rt::serde_json::Value = match rt::serde_json::from_str(body) {
                    ::core::result::Result::Ok(v) => v,
                    ::core::result::Result::Err(e) => ::core::panic!("embedded example is not JSON: {e}"),
                };
                vendor.route(method, template, ::std::vec![rt::testing::Reply::json(status, body)]);
                vendor
            }

            /// A mock vendor answering `method template` with the page `first`, then
            /// with `then` (an empty page: numbered pages end there).
            #[allow(dead_code)]
            async fn vendor_pages(method: &str, template: &str, status: u16, first: &str, then: &str) -> rt::testing::MockVendor {
                let vendor = rt::testing::MockVendor::start().await;
                let json = |body: &str| -> rt::serde_json::Value {
                    match rt::serde_json::from_str(body) {
                        ::core::result::Result::Ok(v) => v,
                        ::core::result::Result::Err(e) => ::core::panic!("embedded example is not JSON: {e}"),
                    }
                };
                vendor.route(method, template, ::std::vec![
                    rt::testing::Reply::json(status, json(first)),
                    rt::testing::Reply::json(status, json(then)),
                ]);
                vendor
            }

            /// Every request the vendor received must match the spec.
            #[allow(dead_code)]
            fn check_requests(spec: &str, vendor: &rt::testing::MockVendor) {
                for r in vendor.received() {
                    if let ::core::result::Result::Err(e) = rt::testing::contract::validate_request(spec, &r) {
                        ::core::panic!("{e}");
                    }
                }
            }

            /// A drifted response must fail as a contract error naming `field` and the operation.
            #[allow(dead_code)]
            fn expect_contract_error<T>(outcome: ::core::result::Result<T, rt::Error>, op: &str, field: &str, drift: &str) {
                match outcome {
                    ::core::result::Result::Ok(_) => ::core::panic!("{op}: {drift}: the adapter returned a domain value instead of a contract error"),
                    ::core::result::Result::Err(e) => {
                        let message = ::std::string::ToString::to_string(&e);
                        ::core::assert!(::core::matches!(e.kind(), rt::ErrorKind::Contract), "{op}: {drift}: expected a contract error, got: {message}");
                        ::core::assert!(message.contains(field) && message.contains(op), "{op}: {drift}: the contract error does not name '{field}': {message}");
                    }
                }
            }

            /// An example the mapping declares as a known mismatch (`contract.mismatches`) must fail as a contract error.
            #[allow(dead_code)]
            fn expect_mismatch<T>(outcome: ::core::result::Result<T, rt::Error>, op: &str, label: &str) {
                match outcome {
                    ::core::result::Result::Ok(_) => ::core::panic!("{op}: example {label} is declared in contract.mismatches, but it becomes a domain value: remove the declaration"),
                    ::core::result::Result::Err(e) => ::core::assert!(::core::matches!(e.kind(), rt::ErrorKind::Contract), "{op}: example {label}: expected the declared contract error, got: {e}"),
                }
            }

            /// A response the mapping declares a path for (an `Option`, a default, a catch-all) must still succeed.
            #[allow(dead_code)]
            fn expect_domain_value<T>(outcome: ::core::result::Result<T, rt::Error>, op: &str, drift: &str) {
                if let ::core::result::Result::Err(e) = outcome {
                    ::core::panic!("{op}: {drift}: the mapping declares what to do here, but the adapter failed: {e}");
                }
            }

            #(#ops)*
        }
    }
}

/// The wire name of the body field that carries the idempotency key (Square's style).
fn body_key_wire_name(plan: &Plan, op: &OperationPlan) -> Option<String> {
    let BodyNode::Struct { wire_type, fields } = &op.body.as_ref()?.root else {
        return None;
    };
    let (rust, _, _) = fields
        .iter()
        .find(|(_, n, _)| matches!(n, BodyNode::IdempotencyKey))?;
    let wire = plan.wire.iter().find(|w| &w.name == wire_type)?;
    match &wire.kind {
        WireKind::Struct(fs) => fs
            .iter()
            .find(|f| &f.rust_name == rust)
            .map(|f| f.wire_name.clone()),
        WireKind::Union { .. } => None,
    }
}

/// `webhook_<type>`: the synthesised delivery of a mapped event type decodes into its
/// variant.
fn event_test(plan: &Plan, i: usize, e: &crate::plan::contract::EventContract) -> TokenStream {
    let Some(w) = &plan.webhooks else {
        return TokenStream::new();
    };
    let decoder = ident(&w.decoder);
    let clean: String = e
        .event_type
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let name = format_ident!("webhook_{}_{}", i, clean.trim_matches('_'));
    let variant = parse::<syn::Path>(&e.variant);
    let body = e.body.to_string();
    let ty = &e.event_type;
    let short = e.variant.rsplit("::").next().unwrap_or(&e.variant);
    let doc = format!(" A synthesised `{ty}` delivery becomes `{short}`.");
    let drift = e.drifted.as_ref().map(|d| {
        let name = format_ident!("{}_drift", name);
        let body = d.to_string();
        let field = &e.object_field;
        let doc = format!(" A `{ty}` delivery whose `{field}` no longer fits is refused, naming it.");
        quote! {
            #[doc = #doc]
            #[test]
            fn #name() {
                let headers = rt::http::HeaderMap::new();
                let body: &str = #body;
                let delivery = rt::webhook::Delivery::new(&headers, body.as_bytes(), ::core::option::Option::None);
                let events = match rt::webhook::Decoder::decode(&super::#decoder, &delivery) {
                    ::core::result::Result::Ok(events) => events,
                    ::core::result::Result::Err(e) => ::core::panic!("{}: the envelope was refused: {e}", #ty),
                };
                match &events[0].decoded {
                    rt::webhook::Decoded::Malformed(m) => ::core::assert!(m.field.starts_with(#field), "{}: the refusal names {:?}, not {}", #ty, m.field, #field),
                    _ => ::core::panic!("{}: a drifted payload was not refused", #ty),
                }
            }
        }
    });
    quote! {
        #drift

        #[doc = #doc]
        #[test]
        fn #name() {
            let headers = rt::http::HeaderMap::new();
            let body: &str = #body;
            let delivery = rt::webhook::Delivery::new(&headers, body.as_bytes(), ::core::option::Option::None);
            let events = match rt::webhook::Decoder::decode(&super::#decoder, &delivery) {
                ::core::result::Result::Ok(events) => events,
                ::core::result::Result::Err(e) => ::core::panic!("{}: the envelope was refused: {e}", #ty),
            };
            ::core::assert_eq!(events.len(), 1, "{}: one event per delivery", #ty);
            ::core::assert_eq!(events[0].event_type, #ty);
            match &events[0].decoded {
                rt::webhook::Decoded::Event(#variant { .. }) => {}
                rt::webhook::Decoded::Malformed(m) => ::core::panic!("{}: the sample did not decode: {m}", #ty),
                _ => ::core::panic!("{}: decoded into another variant than {}", #ty, #short),
            }
        }
    }
}

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

use crate::error::Error;
use crate::plan::contract::{ContractPlan, OperationContract};
use crate::plan::response::is_success;
use crate::plan::*;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Options for the emitted tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractOptions {
    /// The cassette directory, relative to the including crate's `CARGO_MANIFEST_DIR`;
    /// `None` emits no cassette tests.
    pub cassettes: Option<String>,
}

// ---------- rendering ----------

fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

fn parse<T: syn::parse::Parse + quote::ToTokens>(s: &str) -> TokenStream {
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

fn module(plan: &Plan, cp: &ContractPlan, options: &ContractOptions) -> TokenStream {
    let adapter = ident(&plan.adapter);
    let auth = match &plan.auth {
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
        AuthPlan::ApiKey { location, name, .. } => {
            let loc = format_ident!(
                "{}",
                match location.as_str() {
                    "query" => "Query",
                    "cookie" => "Cookie",
                    _ => "Header",
                }
            );
            quote!(rt::AuthConfig::ApiKey {
                location: rt::ApiKeyLocation::#loc,
                name: ::std::string::String::from(#name),
                secret: rt::SecretSource::literal("contract-test-key"),
            })
        }
    };
    let mut redact = Vec::new();
    if let AuthPlan::ApiKey { location, name, .. } = &plan.auth {
        if location == "header" {
            redact.push(quote!(.header(#name)));
        }
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
        .map(|(op, c)| operation(plan, op, c, cp, options));
    let op_names: Vec<&str> = plan.operations.iter().map(|o| o.method.as_str()).collect();
    let n_ops = op_names.len();
    let doc = format!(
        " Contract tests for `{}` against the spec `{}` (generated; see docs/contract-tests.md).",
        plan.adapter,
        super::text::doc_code(&plan.spec_file)
    );
    quote! {
        #[doc = #doc]
        #[cfg(test)]
        mod contract_tests {
            use ::portcullis_runtime as rt;

            /// The adapter pointed at `url`, with test credentials and no retries (one request per call).
            fn adapter(url: &str) -> super::#adapter {
                let mut config = super::#adapter::config()
                    .base_url(url)
                    .allow_insecure_http(true)
                    .auth(#auth);
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

            /// What cassettes hide: credentials and idempotency keys.
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

/// The value at a `$.a.0.b` path.
fn at<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = root;
    for seg in path
        .trim_start_matches('$')
        .split('.')
        .filter(|s| !s.is_empty())
    {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn text_at(root: &Value, path: &str) -> Option<String> {
    at(root, path).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// The rule the generated error mapping picks for a vendor answer, mirroring the
/// runtime's classification (429 rate limited, 401/403 auth, else a vendor error that
/// carries the body's code).
fn expected_rule<'p>(
    op: &'p OperationPlan,
    status: u16,
    code: Option<&str>,
) -> Option<&'p ErrorRulePlan> {
    let kind = match status {
        429 => ErrorKind::RateLimited,
        401 | 403 => ErrorKind::Auth,
        _ => ErrorKind::Vendor,
    };
    let code = if kind == ErrorKind::Vendor {
        code
    } else {
        None
    };
    let matches = |r: &&ErrorRulePlan| match &r.key {
        ErrorMatch::StatusCode(s, c) => *s == status && Some(c.as_str()) == code,
        ErrorMatch::Status(s) => *s == status,
        ErrorMatch::StatusClass(c) => status / 100 == *c,
        ErrorMatch::Kind(k) => *k == kind,
        ErrorMatch::CatchAll => false,
    };
    let catch_all = |r: &&ErrorRulePlan| r.key == ErrorMatch::CatchAll;
    let own = || op.error_rules.iter().filter(|r| r.operation_level);
    let shared = || op.error_rules.iter().filter(|r| !r.operation_level);
    own()
        .find(matches)
        .or_else(|| own().find(catch_all))
        .or_else(|| shared().find(matches))
        .or_else(|| shared().find(catch_all))
}

/// What a drifted response must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A contract error naming the field.
    Contract,
    /// A domain value: the mapping declares this case.
    Value,
    /// Up to a user function (`via:` with optional inputs): not asserted.
    Skip,
}

#[derive(Debug, Clone)]
struct DriftField {
    path: String,
    /// The optional object a nested converter reads this from: the value is only
    /// required when that object is there.
    under: Option<String>,
    absent: Expect,
    retyped: Expect,
    enum_catch_all: Option<bool>,
}

fn join(prefix: &str, json_path: &str) -> String {
    format!("{prefix}{}", json_path.trim_start_matches('$'))
}

/// The wire type at the end of `steps`, starting from the wire struct `root`.
fn leaf_ty(plan: &Plan, root: &str, steps: &[Step]) -> Option<WireTy> {
    let find = |n: &str| plan.wire.iter().find(|w| w.name == n);
    let mut cur = WireTy::Named(root.to_owned());
    for s in steps {
        if s.index.is_some() {
            cur = match cur {
                WireTy::Vec(inner) => *inner,
                _ => return None,
            };
            continue;
        }
        let (WireTy::Named(n) | WireTy::Boxed(n)) = &cur else {
            return None;
        };
        cur = match &find(n)?.kind {
            WireKind::Struct(fields) => fields.iter().find(|f| f.rust_name == s.field)?.ty.clone(),
            WireKind::Union { .. } => return None,
        };
        if let Some((u, _)) = &s.pick {
            if let WireKind::Union { variant: (_, t) } = &find(u)?.kind {
                cur = t.clone();
            }
        }
    }
    Some(cur)
}

/// Every vendor value the converter `name` reads, with absolute paths under `prefix`.
fn drift_fields(
    plan: &Plan,
    name: &str,
    prefix: &str,
    under: Option<&str>,
    depth: usize,
    out: &mut Vec<DriftField>,
) {
    let Some(conv) = plan.converters.iter().find(|c| c.name == name) else {
        return;
    };
    if depth > 4 {
        return;
    }
    let retyped = |read: &Read, absent: Expect| {
        let union = read.steps.iter().any(|s| s.pick.is_some());
        match leaf_ty(plan, &conv.wire_type, &read.steps) {
            Some(WireTy::Json) | None => Expect::Skip,
            // A value of another shape is "some other form" of the union: absent.
            _ if union => absent,
            _ => Expect::Contract,
        }
    };
    for f in &conv.fields {
        match &f.value {
            ConvValue::Read {
                read,
                leaf,
                missing,
            } => {
                let path = join(prefix, &read.json_path);
                let absent = if !read.may_be_absent() || *missing == Missing::Error {
                    Expect::Contract
                } else {
                    Expect::Value
                };
                let mut inner = leaf;
                while let Leaf::Some(l) | Leaf::Newtype(_, l) = inner {
                    inner = l;
                }
                let enum_catch_all = match inner {
                    Leaf::Enum { catch_all, .. } => Some(catch_all.is_some()),
                    _ => None,
                };
                if let Leaf::Nested(c) = inner {
                    let nested_under = if absent == Expect::Value {
                        Some(path.as_str())
                    } else {
                        under
                    };
                    drift_fields(plan, c, &path, nested_under, depth + 1, out);
                }
                out.push(DriftField {
                    under: under.map(str::to_owned),
                    retyped: retyped(read, absent),
                    path,
                    absent,
                    enum_catch_all,
                });
            }
            ConvValue::Via {
                reads, required, ..
            } => {
                for read in reads {
                    let absent = if !read.may_be_absent() || *required {
                        Expect::Contract
                    } else {
                        Expect::Skip
                    };
                    out.push(DriftField {
                        under: under.map(str::to_owned),
                        path: join(prefix, &read.json_path),
                        retyped: retyped(read, absent),
                        absent,
                        enum_catch_all: None,
                    });
                }
            }
            // A mark reads nothing from the vendor.
            ConvValue::Fresh(_) => {}
        }
    }
}

/// Every value a response's converter reads, with paths from the body's root.
fn response_fields(plan: &Plan, r: &ResponsePlan) -> Vec<DriftField> {
    let mut fields = Vec::new();
    if let Some((_, conv)) = &r.decode {
        let prefix = r
            .unwrap
            .as_ref()
            .map_or("$".to_owned(), |u| u.json_path.clone());
        if let Some(u) = &r.unwrap {
            fields.push(DriftField {
                under: None,
                path: u.json_path.clone(),
                absent: Expect::Contract,
                retyped: Expect::Skip,
                enum_catch_all: None,
            });
        }
        drift_fields(plan, conv, &prefix, None, 0, &mut fields);
    }
    fields
}

/// The first value the mapping requires that `body` lacks (absent or null).
fn lacking(plan: &Plan, r: &ResponsePlan, body: &Value) -> Option<String> {
    response_fields(plan, r)
        .into_iter()
        .filter(|f| f.absent == Expect::Contract)
        .filter(|f| {
            f.under
                .as_ref()
                .is_none_or(|u| at(body, u).is_some_and(|v| !v.is_null()))
        })
        .find(|f| at(body, &f.path).is_none_or(Value::is_null))
        .map(|f| f.path)
}

/// The field name a message must contain: the path's last named segment.
fn field_name(path: &str) -> &str {
    path.rsplit('.')
        .find(|s| s.parse::<usize>().is_err())
        .unwrap_or(path)
}

fn slug(s: &str) -> String {
    let mut out: String = s
        .trim_start_matches('$')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    out.trim_matches('_').to_owned()
}

/// The response plan that handles `status`.
fn response_for(op: &OperationPlan, status: u16) -> Option<&ResponsePlan> {
    op.responses
        .iter()
        .find(|r| r.status == Some(status))
        .or_else(|| {
            is_success(status)
                .then(|| op.responses.iter().find(|r| r.status.is_none()))
                .flatten()
        })
}

/// The refusal value when a 2xx example is one the mapping's `reject:` turns into an error.
fn refusal(r: &ResponsePlan, body: &Value) -> Option<String> {
    let reject = r.reject.as_ref()?;
    let prefix = r
        .unwrap
        .as_ref()
        .map_or("$".to_owned(), |u| u.json_path.clone());
    let value = text_at(body, &join(&prefix, &reject.field.json_path))?;
    reject.values.contains(&value).then_some(value)
}

fn operation(
    plan: &Plan,
    op: &OperationPlan,
    c: &OperationContract,
    cp: &ContractPlan,
    options: &ContractOptions,
) -> TokenStream {
    let m = ident(&op.method);
    let bare = op.method.trim_start_matches("r#");
    let args = match &c.args {
        Ok(a) => a.iter().map(|s| parse::<syn::Expr>(s)).collect::<Vec<_>>(),
        Err(reason) => {
            // No placeholder test: an ignored empty test would look like coverage. The
            // module says in review why this operation has no contract tests.
            let reason = format!(
                " No contract tests: they need sample arguments, and the generator {}.",
                super::text::doc_text(reason)
            );
            return quote! {
                #[doc = #reason]
                mod #m {}
            };
        }
    };
    let adapter = ident(&plan.adapter);
    let call_fn = format_ident!("call_{}", bare);
    let ok = parse::<syn::Type>(&op.ok_type);
    let err = parse::<syn::Type>(&op.err_type);
    let port = parse::<syn::Path>(&plan.port_trait);
    let opname = &op.method;
    let request = c.request_spec.to_string();
    let http = &op.http_method;
    let template = &op.path;

    let mut tests = Vec::new();
    let mut names = BTreeSet::new();
    let mut unique = |base: String| {
        let mut name = base.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        format_ident!("{}", name)
    };
    let mut drift_base: Option<(u16, Value)> = None;
    for (status, ex) in &c.responses {
        let label = format!("{status} {}", ex.name);
        let body = ex.value.to_string();
        let name = unique(format!("example_{status}_{}", slug(&ex.name)));
        let expected = if is_success(*status) {
            let Some(r) = response_for(op, *status) else {
                continue;
            };
            if let Some(path) = lacking(plan, r, &ex.value) {
                // The spec lets this example omit a value the mapping requires: the
                // adapter must refuse it loudly, naming the value.
                let field = field_name(&path);
                let drift = format!("example {label} has no {path}, which the mapping requires");
                tests.push(quote! {
                    #[test]
                    fn #name() {
                        rt::testing::contract::block_on(async {
                            let vendor = super::vendor(#http, #template, #status, #body).await;
                            let outcome = call(&vendor.url()).await;
                            super::check_requests(REQUEST, &vendor);
                            super::expect_contract_error(outcome, OP, #field, #drift);
                        })
                    }
                });
                continue;
            }
            match refusal(r, &ex.value) {
                Some(code) => expected_rule(op, *status, Some(&code)),
                None => {
                    if drift_base.is_none() && r.decode.is_some() && ex.value.is_object() {
                        drift_base = Some((*status, ex.value.clone()));
                    }
                    tests.push(quote! {
                        #[test]
                        fn #name() {
                            rt::testing::contract::block_on(async {
                                if let ::core::result::Result::Err(m) = domain_value(#status, #body, #label).await {
                                    ::core::panic!("{m}");
                                }
                            })
                        }
                    });
                    continue;
                }
            }
        } else {
            let code = op
                .error_body
                .as_ref()
                .and_then(|e| e.code.as_ref())
                .and_then(|r| text_at(&ex.value, &r.json_path));
            expected_rule(op, *status, code.as_deref())
        };
        let Some(rule) = expected else {
            continue;
        };
        let target = parse::<syn::Path>(&rule.target);
        let pattern = match rule.build {
            VariantBuild::Unit => quote!(#target),
            VariantBuild::Message => quote!(#target(_)),
        };
        let want = &rule.target;
        tests.push(quote! {
            #[test]
            #[allow(unreachable_patterns)]
            fn #name() {
                rt::testing::contract::block_on(async {
                    let vendor = super::vendor(#http, #template, #status, #body).await;
                    let outcome = port(&vendor.url()).await;
                    super::check_requests(REQUEST, &vendor);
                    match outcome {
                        ::core::result::Result::Err(#pattern) => {}
                        ::core::result::Result::Err(_) => {
                            let got = call(&vendor.url()).await.err().map(|e| ::std::string::ToString::to_string(&e)).unwrap_or_default();
                            ::core::panic!("{OP}: example {}: the mapping's error rules give {}, but the adapter returned another error (runtime error: {got})", #label, #want);
                        }
                        ::core::result::Result::Ok(_) => ::core::panic!("{OP}: example {}: expected {}, got a domain value", #label, #want),
                    }
                })
            }
        });
    }

    if drift_base.is_none() {
        drift_base = c.samples.iter().find_map(|(status, v)| {
            let r = response_for(op, *status)?;
            (r.decode.is_some() && lacking(plan, r, v).is_none() && refusal(r, v).is_none())
                .then(|| (*status, v.clone()))
        });
    }
    if let Some((status, base)) = &drift_base {
        let mut fields = response_for(op, *status)
            .map(|r| response_fields(plan, r))
            .unwrap_or_default();
        let mut seen = BTreeSet::new();
        fields.retain(|f| seen.insert(f.path.clone()) && at(base, &f.path).is_some());
        let drift_test = |name: Ident, drift: String, body: Value, expect: Expect, field: &str| {
            let body = body.to_string();
            match expect {
                Expect::Contract => Some(quote! {
                    #[test]
                    fn #name() {
                        rt::testing::contract::block_on(async {
                            let vendor = super::vendor(#http, #template, #status, #body).await;
                            super::expect_contract_error(call(&vendor.url()).await, OP, #field, #drift);
                            // The example test's own logic fails on this response, naming the field.
                            let failure = domain_value(#status, #body, #drift).await.err().unwrap_or_default();
                            ::core::assert!(failure.contains(#field), "{OP}: {}: the contract test's failure does not name '{}': {failure}", #drift, #field);
                        })
                    }
                }),
                Expect::Value => Some(quote! {
                    #[test]
                    fn #name() {
                        rt::testing::contract::block_on(async {
                            let vendor = super::vendor(#http, #template, #status, #body).await;
                            super::expect_domain_value(call(&vendor.url()).await, OP, #drift);
                        })
                    }
                }),
                Expect::Skip => None,
            }
        };
        for f in &fields {
            let s = slug(&f.path);
            let name = field_name(&f.path);
            let mut body = base.clone();
            drift_remove(&mut body, &f.path, None);
            tests.extend(drift_test(
                unique(format!("drift_missing_{s}")),
                format!("{} removed from the response", f.path),
                body,
                f.absent,
                name,
            ));
            let mut body = base.clone();
            let renamed = format!("{name}_renamed");
            drift_remove(&mut body, &f.path, Some(&renamed));
            tests.extend(drift_test(
                unique(format!("drift_renamed_{s}")),
                format!("{} renamed to {renamed}", f.path),
                body,
                f.absent,
                name,
            ));
            if let Some(old) = at(base, &f.path) {
                let other = match old {
                    Value::String(_) => json!(12345),
                    _ => json!("portcullis-drift-type"),
                };
                let mut body = base.clone();
                drift_replace(&mut body, &f.path, other);
                tests.extend(drift_test(
                    unique(format!("drift_retyped_{s}")),
                    format!("{} changed type", f.path),
                    body,
                    f.retyped,
                    name,
                ));
            }
            if let Some(catch_all) = f.enum_catch_all {
                let mut body = base.clone();
                drift_replace(&mut body, &f.path, json!("portcullis_unknown_value"));
                tests.extend(drift_test(
                    unique(format!("drift_unknown_value_{s}")),
                    format!("{} has a value the spec does not list", f.path),
                    body,
                    if catch_all {
                        Expect::Value
                    } else {
                        Expect::Contract
                    },
                    name,
                ));
            }
        }
        let mut body = base.clone();
        add_unknown(&mut body);
        tests.extend(drift_test(
            unique("drift_unknown_fields".into()),
            "every object gains an unknown field".into(),
            body,
            Expect::Value,
            "",
        ));
    }

    if let Some(dir) = &options.cassettes {
        let file = format!("/{dir}/{}/{bare}.json", cp.stem);
        let hint = format!(
            "records {dir}/{}/{bare}.json: PORTCULLIS_RECORD_BASE_URL=<sandbox base URL> cargo test {bare}::record -- --ignored",
            cp.stem
        );
        tests.push(quote! {
            /// Replays the recorded vendor when a cassette exists for this operation.
            #[test]
            fn cassette() {
                let file = ::std::path::Path::new(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #file));
                if !file.exists() {
                    return;
                }
                rt::testing::contract::block_on(async {
                    let server = match rt::testing::ReplayServer::from_file(file, super::redactions()).await {
                        ::core::result::Result::Ok(s) => s,
                        ::core::result::Result::Err(e) => ::core::panic!("{e}"),
                    };
                    let outcome = call(&server.url()).await;
                    let unmatched = server.unmatched();
                    ::core::assert!(unmatched.is_empty(), "{}", unmatched.join("\n"));
                    if let ::core::result::Result::Err(e) = outcome {
                        ::core::assert!(!::core::matches!(e.kind(), rt::ErrorKind::Contract), "{OP}: the recorded vendor answer breaks the contract: {e}");
                    }
                })
            }

            /// Records this operation's cassette through a proxy to the vendor's sandbox.
            #[test]
            #[ignore = #hint]
            fn record() {
                let file = ::std::path::Path::new(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #file));
                let upstream = match ::std::env::var("PORTCULLIS_RECORD_BASE_URL") {
                    ::core::result::Result::Ok(u) => u,
                    ::core::result::Result::Err(_) => ::core::panic!("set PORTCULLIS_RECORD_BASE_URL to the vendor's sandbox base URL"),
                };
                rt::testing::contract::block_on(async {
                    let proxy = match rt::testing::RecordingProxy::start(&upstream, file, super::redactions()).await {
                        ::core::result::Result::Ok(p) => p,
                        ::core::result::Result::Err(e) => ::core::panic!("cannot start the recording proxy: {e}"),
                    };
                    // The mapping's own credentials (from its env or file) reach the sandbox; the cassette keeps none.
                    let config = super::super::#adapter::config().base_url(proxy.url()).allow_insecure_http(true);
                    let adapter = match super::super::#adapter::new(config) {
                        ::core::result::Result::Ok(a) => a,
                        ::core::result::Result::Err(e) => ::core::panic!("{e}"),
                    };
                    let outcome = adapter.#call_fn(#(#args),*).await;
                    let errors = proxy.errors();
                    ::core::assert!(errors.is_empty(), "{}", errors.join("\n"));
                    if let ::core::result::Result::Err(e) = outcome {
                        ::core::assert!(!::core::matches!(e.kind(), rt::ErrorKind::Contract), "{OP}: the vendor's answer breaks the contract: {e}");
                    }
                })
            }
        });
    }

    quote! {
        mod #m {
            use ::portcullis_runtime as rt;

            const OP: &str = #opname;
            /// The spec's parameters and request body for this operation, `$ref`s inlined.
            const REQUEST: &str = #request;

            /// Calls the adapter's operation with sample arguments.
            async fn call(url: &str) -> ::core::result::Result<#ok, rt::Error> {
                super::adapter(url).#call_fn(#(#args),*).await
            }

            /// Calls the port method, as the domain does.
            #[allow(dead_code)]
            async fn port(url: &str) -> ::core::result::Result<#ok, #err> {
                let adapter = super::adapter(url);
                <super::super::#adapter as #port>::#m(&adapter, #(#args),*).await
            }

            /// The example test's logic: serve `body`, expect a domain value and valid requests.
            #[allow(dead_code)]
            async fn domain_value(status: u16, body: &str, label: &str) -> ::core::result::Result<(), ::std::string::String> {
                let vendor = super::vendor(#http, #template, status, body).await;
                let outcome = call(&vendor.url()).await;
                for r in vendor.received() {
                    rt::testing::contract::validate_request(REQUEST, &r).map_err(|e| ::std::string::ToString::to_string(&e))?;
                }
                outcome.map(|_| ()).map_err(|e| ::std::format!("{OP}: {label}: the adapter did not return a domain value: {e}"))
            }

            #(#tests)*
        }
    }
}

/// Removes the value at `path`, or moves it to the sibling `rename`.
fn drift_remove(root: &mut Value, path: &str, rename: Option<&str>) {
    let segs: Vec<&str> = path
        .trim_start_matches('$')
        .split('.')
        .filter(|s| !s.is_empty())
        .collect();
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    let mut cur = root;
    for seg in parents {
        cur = match cur {
            Value::Object(m) => match m.get_mut(*seg) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    if let Value::Object(m) = cur {
        if let Some(v) = m.shift_remove(*last) {
            if let Some(new) = rename {
                m.insert(new.to_owned(), v);
            }
        }
    }
}

fn drift_replace(root: &mut Value, path: &str, new: Value) {
    let mut cur = root;
    for seg in path
        .trim_start_matches('$')
        .split('.')
        .filter(|s| !s.is_empty())
    {
        cur = match cur {
            Value::Object(m) => match m.get_mut(seg) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    *cur = new;
}

fn add_unknown(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.values_mut().for_each(add_unknown);
            m.insert(
                "portcullis_unknown_field".into(),
                json!({"added": "by the vendor"}),
            );
        }
        Value::Array(items) => items.iter_mut().for_each(add_unknown),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_field_names() {
        assert_eq!(
            slug("$.payment.amount_money.amount"),
            "payment_amount_money_amount"
        );
        assert_eq!(field_name("$.errors.0"), "errors");
        assert_eq!(join("$.payment", "$.id"), "$.payment.id");
    }
}

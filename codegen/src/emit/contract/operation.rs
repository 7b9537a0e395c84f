//! One operation's contract tests: an example test per response example of the spec,
//! drift tests from the example (or sample) a domain value is built from, and the
//! cassette replay and recording.

use super::drift::{
    Expect, add_unknown, at, drift_remove, drift_replace, field_name, join, lacking,
    response_fields, retyped_value, slug, text_at,
};
use super::{ContractOptions, ident, parse};
use crate::plan::contract::{ContractPlan, OperationContract};
use crate::plan::response::is_success;
use crate::plan::*;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The rule the generated error mapping picks for a vendor answer, mirroring the
/// runtime's classification (429 rate limited, 401/403 auth, else a vendor error that
/// carries the body's code).
pub(super) fn expected_rule<'p>(
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

/// The response plan that handles `status`.
pub(super) fn response_for(op: &OperationPlan, status: u16) -> Option<&ResponsePlan> {
    op.responses
        .iter()
        .find(|r| r.status == Some(status))
        .or_else(|| {
            is_success(status)
                .then(|| op.responses.iter().find(|r| r.status.is_none()))
                .flatten()
        })
}

/// The example as the mock serves it: for a paged operation, without its next-page
/// marker, so the adapter reads one page.
fn served(op: &OperationPlan, example: &Value) -> Value {
    let mut v = example.clone();
    match op.paginate.as_ref().map(|p| &p.next) {
        // An empty cursor is how Slack and Square mark the last page, and it keeps a
        // cursor field the spec requires (Slack's `next_cursor`) in place.
        Some(NextPlan::Cursor {
            read,
            numeric: false,
            ..
        }) => {
            drift_replace(&mut v, &read.json_path, Value::String(String::new()));
        }
        // A number has no empty value: the last page sends null.
        Some(NextPlan::Cursor { read, .. }) => {
            drift_replace(&mut v, &read.json_path, Value::Null);
        }
        Some(NextPlan::Url { read }) => {
            drift_remove(&mut v, &read.json_path, None);
        }
        Some(NextPlan::AfterLast {
            has_more: Some(has_more),
            ..
        }) => {
            drift_replace(&mut v, &has_more.json_path, Value::Bool(false));
        }
        _ => {}
    }
    v
}

/// For numbered pages (and pages after the last id without a flag), the page served
/// after the example: its items emptied and its total (if the mapping reads one) set to
/// the example's item count, so the adapter stops there whichever end it watches.
fn empty_page(op: &OperationPlan, r: &ResponsePlan, example: &Value) -> Option<Value> {
    let total = match &op.paginate {
        Some(PaginatePlan {
            next: NextPlan::Counted { total, .. },
            ..
        }) => total,
        Some(PaginatePlan {
            next: NextPlan::AfterLast { has_more: None, .. },
            ..
        }) => &None,
        _ => return None,
    };
    let items_path = r.unwrap.as_ref().map_or("$", |u| u.json_path.as_str());
    let count = at(example, items_path)
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut empty = match r.unwrap.as_ref() {
        Some(u) => {
            let mut v = example.clone();
            drift_replace(&mut v, &u.json_path, json!([]));
            v
        }
        None => json!([]),
    };
    if let Some(t) = total {
        drift_replace(&mut empty, &t.json_path, json!(count));
    }
    Some(empty)
}

/// The refusal value when a 2xx example is one the mapping's `reject:` turns into an error.
pub(super) fn refusal(r: &ResponsePlan, body: &Value) -> Option<String> {
    let reject = r.reject.as_ref()?;
    let prefix = r
        .unwrap
        .as_ref()
        .map_or("$".to_owned(), |u| u.json_path.clone());
    let value = text_at(body, &join(&prefix, &reject.field.json_path))?;
    reject.values.contains(&value).then_some(value)
}

pub(super) fn operation(
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
                crate::emit::text::doc_text(reason)
            );
            return quote! {
                #[doc = #reason]
                mod #m {}
            };
        }
    };
    // Lists and pages: each example is served with its next-page marker taken out (a
    // numbered page is followed by an empty one), so the adapter reads one page and
    // must turn it into domain values; the drift tests change the first item.
    let paged = op.paginate.is_some() || op.responses.iter().any(|r| r.list);
    let adapter = ident(&plan.adapter);
    let call_fn = format_ident!("call_{}", bare);
    let ok = parse::<syn::Type>(op.call_ok_type());
    let port_ok = parse::<syn::Type>(&op.ok_type);
    let err = parse::<syn::Type>(&op.err_type);
    let port = parse::<syn::Path>(&plan.port_trait);
    let opname = &op.method;
    let request = c.request_spec.to_string();
    let http = &op.http_method;
    let template = &op.path;

    // A streamed list is read to its end, as a caller that wants every item would.
    let call_fns = if op.style.is_stream() {
        quote! {
            /// Calls the adapter's operation with sample arguments, reading the whole stream.
            async fn call(url: &str) -> ::core::result::Result<#ok, rt::Error> {
                let adapter = super::adapter(url);
                rt::paginate::try_collect(adapter.#call_fn(#(#args),*)).await
            }

            /// Calls the port method, as the domain does, reading the whole stream.
            #[allow(dead_code)]
            async fn port(url: &str) -> ::core::result::Result<#ok, #err> {
                let adapter = super::adapter(url);
                rt::paginate::try_collect(<super::super::#adapter as #port>::#m(&adapter, #(#args),*)).await
            }
        }
    } else {
        quote! {
            /// Calls the adapter's operation with sample arguments.
            async fn call(url: &str) -> ::core::result::Result<#ok, rt::Error> {
                super::adapter(url).#call_fn(#(#args),*).await
            }

            /// Calls the port method, as the domain does.
            #[allow(dead_code)]
            async fn port(url: &str) -> ::core::result::Result<#port_ok, #err> {
                let adapter = super::adapter(url);
                <super::super::#adapter as #port>::#m(&adapter, #(#args),*).await
            }
        }
    };
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
        let declared = op.mismatches.iter().find(|(k, _)| *k == label);
        let expected = if is_success(*status) {
            let Some(r) = response_for(op, *status) else {
                continue;
            };
            if let Some((_, reason)) = declared {
                // The mapping says why this example is not a domain value: it must
                // fail as a contract error, and stop failing is news too.
                let served = served(op, &ex.value).to_string();
                let doc = format!(" Declared in `contract.mismatches`: {reason}");
                // Where the missing value is known, the error must name it.
                let expect = match lacking(plan, r, &ex.value).filter(|_| !paged) {
                    Some(path) => {
                        let field = field_name(&path);
                        let drift =
                            format!("example {label} has no {path}, which the mapping requires");
                        quote!(super::expect_contract_error(outcome, OP, #field, #drift);)
                    }
                    None => quote!(super::expect_mismatch(outcome, OP, #label);),
                };
                tests.push(quote! {
                    #[doc = #doc]
                    #[test]
                    fn #name() {
                        rt::testing::contract::block_on(async {
                            let vendor = super::vendor(#http, #template, #status, #served).await;
                            let outcome = call(&vendor.url()).await;
                            super::check_requests(REQUEST, &vendor);
                            #expect
                        })
                    }
                });
                continue;
            }
            if paged {
                let page = served(op, &ex.value);
                let first_item = format!(
                    "{}.0",
                    r.unwrap.as_ref().map_or("$", |u| u.json_path.as_str())
                );
                if drift_base.is_none() && r.decode.is_some() && at(&page, &first_item).is_some() {
                    drift_base = Some((*status, page.clone()));
                }
                let served = page.to_string();
                let check = match empty_page(op, r, &ex.value) {
                    Some(then) => {
                        let then = then.to_string();
                        quote! {
                            let vendor = super::vendor_pages(#http, #template, #status, #served, #then).await;
                            let outcome = call(&vendor.url()).await;
                            super::check_requests(REQUEST, &vendor);
                            if let ::core::result::Result::Err(e) = outcome {
                                ::core::panic!("{OP}: example {}: the adapter did not return a domain value: {e}", #label);
                            }
                        }
                    }
                    None => quote! {
                        if let ::core::result::Result::Err(m) = domain_value(#status, #served, #label).await {
                            ::core::panic!("{m}");
                        }
                    },
                };
                tests.push(quote! {
                    #[test]
                    fn #name() {
                        rt::testing::contract::block_on(async {
                            #check
                        })
                    }
                });
                continue;
            }
            if lacking(plan, r, &ex.value).is_some() {
                // The spec lets this example omit a value the mapping requires, and the
                // mapping does not declare it: the example test fails, naming the value,
                // until the mapping takes it (an `Option`, a `default:`) or declares it.
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
        if op.none_on_404 && *status == 404 {
            // The port answers "not found" as `None`, whatever the error rules say.
            tests.push(quote! {
                #[test]
                fn #name() {
                    rt::testing::contract::block_on(async {
                        let vendor = super::vendor(#http, #template, #status, #body).await;
                        let outcome = port(&vendor.url()).await;
                        super::check_requests(REQUEST, &vendor);
                        ::core::assert!(
                            ::core::matches!(outcome, ::core::result::Result::Ok(::core::option::Option::None)),
                            "{OP}: example {}: a 404 is None",
                            #label
                        );
                    })
                }
            });
            continue;
        }
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

    if drift_base.is_none() && !paged {
        drift_base = c.samples.iter().find_map(|(status, v)| {
            let r = response_for(op, *status)?;
            (r.decode.is_some() && lacking(plan, r, v).is_none() && refusal(r, v).is_none())
                .then(|| (*status, v.clone()))
        });
    }
    if let Some((status, base)) = &drift_base {
        let drift_response = response_for(op, *status);
        let mut fields = drift_response
            .map(|r| response_fields(plan, r, paged))
            .unwrap_or_default();
        let mut seen = BTreeSet::new();
        fields.retain(|f| seen.insert(f.path.clone()) && at(base, &f.path).is_some());
        let drift_test = |name: Ident, drift: String, body: Value, expect: Expect, field: &str| {
            // Numbered pages end at an empty one, served after the drifted page.
            let then = drift_response.and_then(|r| empty_page(op, r, &body));
            let body = body.to_string();
            let vendor = match then {
                Some(then) => {
                    let then = then.to_string();
                    quote!(super::vendor_pages(#http, #template, #status, #body, #then).await)
                }
                None => quote!(super::vendor(#http, #template, #status, #body).await),
            };
            match expect {
                Expect::Contract => Some(quote! {
                    #[test]
                    fn #name() {
                        rt::testing::contract::block_on(async {
                            let vendor = #vendor;
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
                            let vendor = #vendor;
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
                let other = retyped_value(old, f.text());
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
            if let Some((catch_all, unknown)) = &f.enum_catch_all {
                let mut body = base.clone();
                drift_replace(&mut body, &f.path, unknown.clone());
                tests.extend(drift_test(
                    unique(format!("drift_unknown_value_{s}")),
                    format!("{} has a value the spec does not list", f.path),
                    body,
                    if *catch_all {
                        Expect::Value
                    } else {
                        Expect::Contract
                    },
                    name,
                ));
            }
        }
        let mut body = base.clone();
        let free: Vec<&str> = fields
            .iter()
            .filter(|f| f.free())
            .map(|f| f.path.as_str())
            .collect();
        add_unknown(&mut body, "$", &free);
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
        // The recording reads a stream to its end, as `call` does.
        let outcome = if op.style.is_stream() {
            quote!(rt::paginate::try_collect(adapter.#call_fn(#(#args),*)).await)
        } else {
            quote!(adapter.#call_fn(#(#args),*).await)
        };
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
                    let outcome = #outcome;
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

            #call_fns

            /// The example test's logic: serve `body`, expect a domain value and valid requests.
            #[allow(dead_code)]
            async fn domain_value(status: u16, body: &str, label: &str) -> ::core::result::Result<(), ::std::string::String> {
                let vendor = super::vendor(#http, #template, status, body).await;
                let outcome = call(&vendor.url()).await;
                for r in vendor.received() {
                    rt::testing::contract::validate_request(REQUEST, &r).map_err(|e| ::std::string::ToString::to_string(&e))?;
                }
                outcome.map(|_| ()).map_err(|e| ::std::format!("{OP}: example {label}: the adapter did not return a domain value: {e} (if your mapping knowingly refuses this example of the spec, declare it: `contract: {{ mismatches: {{ \"{label}\": <reason> }} }}`)"))
            }

            #(#tests)*
        }
    }
}

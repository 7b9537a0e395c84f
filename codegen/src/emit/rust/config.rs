//! `config()`: the adapter's configuration as the mapping describes it (base URL, auth,
//! limits, health, the default policy and each operation's), in the runtime's types.

use super::tokens::{duration, float, int, opt_duration};
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::time::Duration;

pub(super) fn secret(s: &Secret) -> TokenStream {
    match s {
        Secret::Env(v) => quote!(rt::SecretSource::env(#v)),
        Secret::File(v) => quote!(rt::SecretSource::file(#v)),
    }
}

/// The retry block written at `level`: the statuses only when written there too.
pub(super) fn retry(r: &RetryPlan, level: Source) -> TokenStream {
    let attempts = int(r.attempts);
    let base = duration(r.base);
    let cap = duration(r.cap);
    let on = if r.on_source == level {
        let codes = r.on.iter().map(|c| int(*c));
        quote!(retry_on: vec![#(#codes),*],)
    } else {
        quote!()
    };
    quote!(rt::RetryPolicy { attempts: #attempts, base: #base, cap: #cap, #on ..Default::default() })
}

/// The breaker block written at `level`: the fields written there, the runtime's
/// defaults for the rest.
pub(super) fn breaker(b: &BreakerPlan, level: Source) -> TokenStream {
    let at = |source: Source| source == level;
    let mut fields = Vec::new();
    if at(b.failure_rate.source) {
        let x = float(b.failure_rate.value);
        fields.push(quote!(failure_rate: #x,));
    }
    if at(b.enabled.source) {
        let x = b.enabled.value;
        fields.push(quote!(enabled: #x,));
    }
    if at(b.window.source) {
        let d = duration(b.window.value);
        fields.push(quote!(window: #d,));
    }
    if at(b.slow_call_rate.source) {
        let x = float(b.slow_call_rate.value);
        fields.push(quote!(slow_call_rate: #x,));
    }
    if b.per_operation {
        fields.push(quote!(scope: rt::BreakerScope::Operation,));
    }
    if at(b.min_calls.source) {
        let x = int(b.min_calls.value);
        fields.push(quote!(min_calls: #x,));
    }
    if at(b.slow_call.source) {
        let d = duration(b.slow_call.value);
        fields.push(quote!(slow_call: #d,));
    }
    if at(b.open_for.source) {
        let d = duration(b.open_for.value);
        fields.push(quote!(open_for: #d,));
    }
    if at(b.half_open_probes.source) {
        let x = int(b.half_open_probes.value);
        fields.push(quote!(half_open_probes: #x,));
    }
    quote!(rt::BreakerPolicy { #(#fields)* ..Default::default() })
}

/// A `Policy` with the values written at `level` (the mapping's `defaults:` for the
/// adapter, the operation for an operation); the runtime fills in the rest, so the
/// generated configuration says no more than the mapping does (a field left out is
/// `None`: the adapter's default, or the runtime's).
pub(super) fn policy(
    p: &PolicyPlan,
    level: Source,
    fallback: Option<&FallbackPlan>,
) -> TokenStream {
    let written = |d: Sourced<Duration>| (d.source == level).then_some(d.value);
    let attempt = written(p.attempt_timeout).map(|d| {
        let d = opt_duration(Some(d));
        quote!(attempt_timeout: #d,)
    });
    let budget = written(p.budget).map(|d| {
        let d = opt_duration(Some(d));
        quote!(budget: #d,)
    });
    let retry = (p.retry.source == level).then(|| {
        let r = retry(&p.retry, level);
        quote!(retry: Some(#r),)
    });
    let breaker = (p.breaker.source == level).then(|| {
        let b = breaker(&p.breaker, level);
        quote!(breaker: Some(#b),)
    });
    let mut limits = Vec::new();
    if let Some(rl) = p.rate_limit.as_ref().filter(|r| r.source == level) {
        let critical = rl.value.critical;
        limits.push(quote!(critical: Some(#critical),));
        if let Some(b) = &rl.value.bucket {
            limits.push(quote!(bucket: Some(#b.into()),));
        }
    }
    let fallback = match fallback.map(|f| &f.strategy) {
        Some(FallbackStrategy::Cache {
            ttl,
            stale_if_error,
        }) => {
            let (ttl, stale) = (duration(*ttl), duration(*stale_if_error));
            quote!(fallback: Some(rt::Fallback::Cache { ttl: #ttl, stale_if_error: #stale }),)
        }
        Some(FallbackStrategy::Static { status, body }) => {
            let body = proc_macro2::Literal::byte_string(body.as_bytes());
            let status = int(*status);
            quote!(fallback: Some(rt::Fallback::Static {
                status: #status,
                body: rt::bytes::Bytes::from_static(#body),
            }),)
        }
        // The caller's function is the adapter's business, not the runtime's.
        Some(FallbackStrategy::Caller) | None => quote!(),
    };
    quote! {
        rt::Policy {
            #attempt
            #budget
            #retry
            #breaker
            #(#limits)*
            #fallback
            ..Default::default()
        }
    }
}

/// A `RateLimit` expression.
pub(super) fn rate_limit(
    requests: u64,
    per: Duration,
    reserve: f64,
    burst: Option<u32>,
    reset: Option<ResetStyle>,
) -> TokenStream {
    let per = duration(per);
    let requests = int(requests);
    let mut t = quote!(rt::RateLimit::new(#requests, #per));
    if reserve > 0.0 {
        let reserve = float(reserve);
        t = quote!(#t.reserve(#reserve));
    }
    if let Some(b) = burst {
        let b = int(b);
        t = quote!(#t.burst(#b));
    }
    match reset {
        None => t,
        Some(r) => {
            let style = format_ident!(
                "{}",
                match r {
                    ResetStyle::Auto => "Auto",
                    ResetStyle::Epoch => "EpochSeconds",
                    ResetStyle::Delta => "DeltaSeconds",
                }
            );
            quote!(rt::RateLimit { reset: rt::ResetStyle::#style, ..#t })
        }
    }
}

/// `.rate_limit(..)`, `.bucket(..)` and `.quota(..)` of the mapping's `limits:`.
pub(super) fn limits(plan: &Plan) -> TokenStream {
    let l = &plan.limits;
    let rate = l.rate.as_ref().map(|r| {
        let r = rate_limit(r.requests, r.per, r.reserve, r.burst, r.reset);
        quote!(.rate_limit(Some(#r)))
    });
    let buckets = l.buckets.iter().map(|b| {
        let name = &b.name;
        let r = rate_limit(b.requests, b.per, b.reserve, b.burst, None);
        quote!(.bucket(#name, #r))
    });
    let quota = l.quota.as_ref().map(|q| {
        let requests = int(q.requests);
        let per = duration(q.per);
        let warn_at = q.warn_at.iter().map(|w| float(*w));
        let reserve = (q.reserve > 0.0).then(|| {
            let r = float(q.reserve);
            quote!(reserve: #r,)
        });
        quote!(.quota(Some(rt::QuotaPolicy {
            warn_at: vec![#(#warn_at),*],
            #reserve
            ..rt::QuotaPolicy::new(#requests, #per)
        })))
    });
    quote!(#rate #(#buckets)* #quota)
}

/// The runtime's `AuthConfig` for `auth`.
fn auth_config(auth: &AuthPlan) -> TokenStream {
    match auth {
        AuthPlan::All(parts) => {
            let parts = parts.iter().map(auth_config);
            quote!(rt::AuthConfig::All(vec![#(#parts),*]))
        }
        AuthPlan::None => quote!(rt::AuthConfig::None),
        AuthPlan::Bearer(s) => {
            let s = secret(s);
            quote!(rt::AuthConfig::Bearer { token: #s })
        }
        AuthPlan::Basic(u, p) => {
            let u = secret(u);
            let p = match p {
                Some(p) => {
                    let p = secret(p);
                    quote!(Some(#p))
                }
                None => quote!(None),
            };
            quote!(rt::AuthConfig::Basic { username: #u, password: #p })
        }
        AuthPlan::ApiKey {
            location,
            name,
            secret: s,
            prefix,
        } => {
            let s = secret(s);
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
                    name: #name.into(),
                    secret: #s,
                })
            } else {
                quote!(rt::AuthConfig::PrefixedApiKey {
                    location: rt::ApiKeyLocation::#loc,
                    name: #name.into(),
                    prefix: #prefix.into(),
                    secret: #s,
                })
            }
        }
        AuthPlan::OAuth2ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scopes,
        } => {
            let (id, cs) = (secret(client_id), secret(client_secret));
            quote!(rt::AuthConfig::OAuth2ClientCredentials(
                rt::OAuth2ClientCredentials::new(#token_url, #id, #cs)
                    .scopes::<&str>([#(#scopes),*])
            ))
        }
    }
}

pub(super) fn config(plan: &Plan) -> TokenStream {
    let name = &plan.adapter;
    let base = &plan.base_url;
    let auth = auth_config(&plan.auth);
    let defaults = policy(&plan.defaults, Source::Mapping, None);
    let limits = limits(plan);
    let health = match &plan.health {
        Some(h) => {
            let mut fields = Vec::new();
            if let Some(x) = h.enabled {
                fields.push(quote!(enabled: #x,));
            }
            if let Some(x) = h.window {
                let d = duration(x);
                fields.push(quote!(window: #d,));
            }
            if let Some(x) = h.min_calls {
                let x = int(x);
                fields.push(quote!(min_calls: #x,));
            }
            if let Some(x) = h.error_rate {
                let x = float(x);
                fields.push(quote!(error_rate: #x,));
            }
            if let Some(x) = h.p95 {
                let d = opt_duration(Some(x));
                fields.push(quote!(p95: #d,));
            }
            if let Some(x) = h.p99 {
                let d = opt_duration(Some(x));
                fields.push(quote!(p99: #d,));
            }
            quote!(.health(rt::HealthPolicy { #(#fields)* ..Default::default() }))
        }
        None => quote!(),
    };
    let ops = plan
        .operations
        .iter()
        // A caller fallback is the adapter's business: it alone leaves the runtime nothing to set.
        .filter(|o| {
            o.policies.set_at(Source::Operation)
                || o.fallback
                    .as_ref()
                    .is_some_and(|f| f.strategy != FallbackStrategy::Caller)
        })
        .map(|o| {
            let m = &o.method;
            let p = policy(&o.policies, Source::Operation, o.fallback.as_ref());
            quote!(.operation(#m, #p))
        });
    let settings = plan.settings.iter().map(|s| {
        let name = &s.name;
        let mut sources = s.sources.iter().map(|o| match o {
            SettingSourcePlan::Env(v) => quote!(rt::SettingSource::env(#v)),
            SettingSourcePlan::File(v) => quote!(rt::SettingSource::file(#v)),
            SettingSourcePlan::Default(v) => quote!(rt::SettingSource::literal(#v)),
        });
        let first = sources
            .next()
            .unwrap_or_else(|| quote!(rt::SettingSource::env("")));
        quote!(.setting(#name, #first #(.or(#sources))*))
    });
    let headers = plan.headers.iter().map(|h| {
        let name = &h.name;
        match &h.value {
            HeaderValuePlan::Literal(v) => quote!(.header(#name, #v)),
            HeaderValuePlan::Setting(s) => quote!(.header(#name, rt::ConfigValue::setting(#s))),
        }
    });
    quote! {
        /// The configuration the mapping describes: base URL, auth, limits and policies.
        ///
        /// Change anything at runtime before calling [`Self::new`], e.g. `.base_url(..)` for a sandbox.
        pub fn config() -> rt::AdapterConfig {
            rt::AdapterConfig::new(#name, #base)
                .auth(#auth)
                #(#settings)*
                #(#headers)*
                .defaults(#defaults)
                #limits
                #health
                #(#ops)*
        }
    }
}

//! `portcullis scaffold`: a starting mapping for a port and a spec, which never guesses.
//!
//! Every line it writes is either certain (names match exactly and the domain type fits
//! the vendor's as it is, the way `check` will read it) or marked `# FIXME: reason`
//! with a placeholder, naming the vendor's real shape (array, union, object) and the
//! arguments or fields that would fit. Enum values without a variant of the same name
//! go to the catch-all, listed in a FIXME, never to a near word. `portcullis check`
//! reports each FIXME line as one error, and anything wrong elsewhere besides, so the
//! count scaffold prints is the count `check` reports on the fresh file.
//!
//! * `out.rs`: the text, line by line, counting the marked lines.
//! * `shape.rs`: the vendor's shapes in words, and which domain types fit them.
//! * `operation/`: one `operations:` entry (params, body, idempotency, response); `list.rs`
//!   there, a list answer: where its items are and what says it comes in pages.
//! * `types.rs`: the `types:` entries, enum values included.

mod operation;
mod out;
mod shape;
mod types;

pub use out::Fixme;

use crate::error::{Diagnostic, Error, suggest};
use crate::load::openapi::Spec;
use crate::load::port::{Port, PortMethod, Ty, VariantShape};
use heck::ToShoutySnakeCase;
use openapiv3::{ReferenceOr, SecurityScheme};
use out::{Out, PLACEHOLDER};
use shape::norm;
use std::path::Path;

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The loaded spec.
    pub spec: &'a Spec,
    /// The spec's path as the mapping should spell it (relative to the mapping).
    pub spec_ref: &'a str,
    /// The port file as the mapping should spell it.
    pub port_ref: &'a str,
    /// The parsed port.
    pub port: &'a Port,
    /// `method=operationId` pairs, or bare operationIds whose snake_case is a method's name.
    pub operations: &'a [String],
    /// The adapter's name.
    pub adapter: &'a str,
    /// The port file's module path.
    pub module: &'a str,
}

/// A scaffolded mapping.
#[derive(Debug, Clone)]
pub struct Scaffold {
    /// The mapping's text.
    pub text: String,
    /// The lines that need a decision, in order: `portcullis check` reports each one.
    pub fixmes: Vec<Fixme>,
}

/// Writes the mapping.
///
/// ```no_run
/// use portcullis_codegen::load::{openapi::Spec, port::Port};
/// use portcullis_codegen::scaffold::{Request, scaffold};
/// let spec = Spec::load("vendor.json".as_ref())?;
/// let port = Port::load("src/domain.rs".as_ref(), "Messaging", ("src/domain.rs".as_ref(), Default::default()))?;
/// let s = scaffold(&Request {
///     spec: &spec,
///     spec_ref: "../vendor.json",
///     port_ref: "../src/domain.rs",
///     port: &port,
///     operations: &["send=CreateMessage".to_string()],
///     adapter: "VendorMessaging",
///     module: "crate::domain",
/// })?;
/// for f in &s.fixmes {
///     println!("line {}: {}", f.line, f.reason);
/// }
/// # Ok::<(), portcullis_codegen::Error>(())
/// ```
pub fn scaffold(r: &Request<'_>) -> Result<Scaffold, Error> {
    let pairs = pair_operations(r)?;
    let mut out = Out::default();
    out.line(&format!(
        "# Scaffolded by `portcullis scaffold` from {}.",
        r.spec.api.info.title.replace('\n', " ")
    ));
    out.line("# Lines marked FIXME need a decision: `portcullis check` lists them until they are resolved.");
    out.line("# The format, key by key: docs/mapping.md");
    out.line("version: 1");
    out.line(&format!("adapter: {}", r.adapter));
    out.line(&format!(
        "implements:\n  port: {}\n  source: {}\n  module: {}",
        r.port.trait_name,
        out::yaml_value(r.port_ref),
        r.module
    ));
    out.line(&format!("spec: {}", out::yaml_value(r.spec_ref)));
    base_url(r, &mut out);
    let auth_params = auth(r, &pairs, &mut out);
    out.line("\ndefaults:\n  attempt_timeout: 5s\n  budget: 20s\n  retry: { attempts: 3, base: 100ms, cap: 5s }");
    // One error enum for every method: one catch-all at the top; else one per operation.
    let shared_errors = pairs.windows(2).all(|w| w[0].0.err == w[1].0.err);
    if shared_errors {
        if let Some((pm, _)) = pairs.first() {
            out.line("\nerrors:\n  map:");
            error_catch_all(r, pm, 4, &mut out);
        }
    }
    out.line("\noperations:");
    let mut uses = types::Uses::default();
    for (pm, op_id) in &pairs {
        operation::write(
            r,
            pm,
            op_id.as_deref(),
            !shared_errors,
            &auth_params,
            &mut out,
            &mut uses,
        );
    }
    types::write(r, uses, &mut out);
    let (text, fixmes) = out.finish();
    Ok(Scaffold { text, fixmes })
}

/// Every method of the port, with the operation given for it (`None`: not given).
fn pair_operations<'p>(r: &Request<'p>) -> Result<Vec<(&'p PortMethod, Option<String>)>, Error> {
    let fail = |msg: String, help: String| {
        Error::one(Diagnostic::new(Path::new("--operations"), None, msg).help(help))
    };
    let mut given: Vec<(String, String)> = Vec::new();
    for item in r.operations {
        let (method, op) = match item.split_once('=') {
            Some((m, o)) => (Some(m.trim()), o.trim()),
            None => (None, item.trim()),
        };
        if r.spec.operation(op).is_none() {
            let help = suggest(op, r.spec.operations.keys().map(String::as_str));
            return Err(fail(format!("operation '{op}' is not in the spec"), help));
        }
        let name = match method {
            Some(m) => m.to_string(),
            None => norm(op),
        };
        if r.port.method(&name).is_none() {
            let help = suggest(&name, r.port.methods.iter().map(|m| m.name.as_str()));
            let help = if method.is_none() {
                format!("{help} (write it as method=operationId)")
            } else {
                help
            };
            return Err(fail(
                format!("'{name}' is not a method of {}", r.port.trait_name),
                help,
            ));
        }
        if given.iter().any(|(m, _)| *m == name) {
            return Err(fail(
                format!("{name} is given two operations"),
                "give each method one operation".to_string(),
            ));
        }
        given.push((name, op.to_string()));
    }
    Ok(r.port
        .methods
        .iter()
        .map(|pm| {
            let op = given
                .iter()
                .find(|(m, _)| *m == pm.name)
                .map(|(_, o)| o.clone());
            (pm, op)
        })
        .collect())
}

/// `base_url:` from the spec's first server, marked unless it is one absolute https URL.
fn base_url(r: &Request<'_>, out: &mut Out) {
    let servers = &r.spec.api.servers;
    let Some(first) = servers.first() else {
        out.entry(
            0,
            "base_url",
            PLACEHOLDER,
            Some("the spec names no server: write the vendor's https:// URL"),
        );
        return;
    };
    let mut url = first.url.clone();
    let mut reasons = Vec::new();
    let mut filled = Vec::new();
    for (name, var) in first.variables.iter().flatten() {
        let hole = format!("{{{name}}}");
        if url.contains(&hole) {
            url = url.replace(&hole, &var.default);
            filled.push(name.as_str());
        }
    }
    if !filled.is_empty() {
        reasons.push(format!(
            "the server URL has variables ({}), filled with the spec's defaults: check them",
            filled.join(", ")
        ));
    }
    if url.starts_with("http://") {
        reasons.push(
            "the spec's server is plain http://: use the vendor's https:// URL, or keep http:// only for a vendor on a private network"
                .to_string(),
        );
    } else if !url.starts_with("https://") || url.contains('{') {
        out.entry(
            0,
            "base_url",
            PLACEHOLDER,
            Some(&format!(
                "the spec's server '{}' is not an absolute URL: write the vendor's https:// URL",
                first.url
            )),
        );
        return;
    }
    if servers.len() > 1 {
        let others: Vec<&str> = servers[1..].iter().map(|s| s.url.as_str()).collect();
        reasons.push(format!(
            "the spec lists other servers too ({}): keep the production one (config().base_url(..) overrides it at runtime)",
            shape::list(&others, 4)
        ));
    }
    let reason = reasons.join("; ");
    out.entry(
        0,
        "base_url",
        &out::yaml_value(&url),
        (!reason.is_empty()).then_some(reason.as_str()),
    );
}

/// `auth:` with the one security scheme every mapped operation accepts; for an API key,
/// where it goes (location, name), since a parameter there is the credential.
fn auth<'s>(
    r: &Request<'s>,
    pairs: &[(&PortMethod, Option<String>)],
    out: &mut Out,
) -> Vec<(&'static str, &'s String)> {
    let schemes = r.spec.api.components.as_ref().map(|c| &c.security_schemes);
    let all: Vec<&str> = schemes
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if all.is_empty() {
        out.note(
            0,
            "the spec declares no security scheme, so calls carry no credentials: delete this line if the vendor wants none",
        );
        return Vec::new();
    }
    // The schemes every mapped operation that asks for credentials accepts.
    let mut candidates: Vec<&str> = all.clone();
    for (_, op_id) in pairs {
        let Some((_, op)) = op_id.as_deref().and_then(|o| r.spec.operation(o)) else {
            continue;
        };
        let Some(reqs) = op.security.as_ref().or(r.spec.api.security.as_ref()) else {
            continue;
        };
        if reqs.is_empty() || reqs.iter().any(|q| q.is_empty()) {
            continue;
        }
        candidates.retain(|c| reqs.iter().any(|q| q.contains_key(*c)));
    }
    // Schemes one requirement lists together are all wanted at once (Plaid's
    // `{clientId, secret, plaidVersion}`): `auth:` carries one, the secret-like one.
    let mut together: Vec<&str> = Vec::new();
    for (_, op_id) in pairs {
        let Some((_, op)) = op_id.as_deref().and_then(|o| r.spec.operation(o)) else {
            continue;
        };
        let reqs = op.security.as_ref().or(r.spec.api.security.as_ref());
        for q in reqs.into_iter().flatten().filter(|q| q.len() > 1) {
            for k in q.keys() {
                if candidates.contains(&k.as_str()) && !together.contains(&k.as_str()) {
                    together.push(k);
                }
            }
        }
    }
    if together.len() > 1 {
        let secret_like = |n: &str| {
            let n = n.to_ascii_lowercase();
            ["secret", "token", "key"].iter().any(|w| n.contains(w))
        };
        candidates.retain(|c| together.contains(c));
        candidates.sort_by_key(|c| !secret_like(c));
    }
    let Some(&chosen) = candidates.first() else {
        out.note(
            0,
            &format!(
                "no security scheme is accepted by every mapped operation (the spec has {}): one adapter authenticates one way",
                all.join(", ")
            ),
        );
        return Vec::new();
    };
    let env = |suffix: &str| format!("{}_{suffix}", r.adapter.to_shouty_snake_case());
    if together.len() > 1 {
        if let Some(at) = together_auth(r, &candidates, out) {
            return at;
        }
    }
    let several = (candidates.len() > 1).then(|| {
        if together.len() > 1 {
            let others: Vec<&str> = candidates[1..].to_vec();
            format!(
                "the vendor wants {} with {chosen} on every call: `auth:` sends {chosen}; send each other one as a header from a setting (`settings:` and `headers:`, docs/mapping.md)",
                others.join(", ")
            )
        } else {
            format!(
                "the spec offers {}: keep the one your account uses",
                candidates.join(", ")
            )
        }
    });
    let scheme = schemes.and_then(|s| s.get(chosen));
    let key = out::yaml_key(chosen);
    let mut key_at = None;
    let line = match scheme {
        Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. }))
            if scheme.eq_ignore_ascii_case("bearer") =>
        {
            format!(
                "auth: {{ scheme: {key}, secret: {{ env: {} }} }}",
                env("TOKEN")
            )
        }
        Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. }))
            if scheme.eq_ignore_ascii_case("basic") =>
        {
            format!(
                "auth: {{ scheme: {key}, secret: {{ env: {} }}, password: {{ env: {} }} }}",
                env("USER"),
                env("PASSWORD")
            )
        }
        Some(ReferenceOr::Item(SecurityScheme::APIKey { location, name, .. })) => {
            // A cookie is no parameter the spec lists beside it.
            key_at = Some((crate::load::openapi::key_location(location), name))
                .filter(|(at, _)| *at != "cookie");
            format!(
                "auth: {{ scheme: {key}, secret: {{ env: {} }} }}",
                env("API_KEY")
            )
        }
        Some(ReferenceOr::Item(SecurityScheme::OAuth2 { flows, .. }))
            if flows.client_credentials.is_some() =>
        {
            out.line("auth:");
            out.entry(2, "scheme", &key, several.as_deref());
            out.line(&format!(
                "  client_id: {{ env: {} }}\n  client_secret: {{ env: {} }}",
                env("CLIENT_ID"),
                env("CLIENT_SECRET")
            ));
            return Vec::new();
        }
        Some(ReferenceOr::Item(
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. },
        )) => format!(
            "auth: {{ scheme: {key}, secret: {{ env: {} }} }}",
            env("ACCESS_TOKEN")
        ),
        Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) => {
            out.fixme(
                &format!("auth: {{ scheme: {key}, secret: {{ env: {} }} }}", env("SECRET")),
                &format!("{chosen} is http {scheme}, which the runtime does not support: choose another scheme, or authenticate in code"),
            );
            return Vec::new();
        }
        _ => {
            out.fixme(
                &format!("auth: {{ scheme: {key}, secret: {{ env: {} }} }}", env("SECRET")),
                &format!("{chosen} is a $ref or a kind the runtime does not support: choose another scheme"),
            );
            return Vec::new();
        }
    };
    match several {
        Some(reason) => out.fixme(&line, &reason),
        None => out.line(&line),
    }
    key_at.into_iter().collect()
}

/// `auth:` with `also:` for schemes the spec wants together (`candidates`, the
/// secret-like one first), each from its own environment variable; `None` (nothing
/// written) when one of them is not a plain bearer, basic or API-key scheme.
fn together_auth<'s>(
    r: &Request<'s>,
    candidates: &[&str],
    out: &mut Out,
) -> Option<Vec<(&'static str, &'s String)>> {
    let schemes = r
        .spec
        .api
        .components
        .as_ref()
        .map(|c| &c.security_schemes)?;
    let mut entries = Vec::new();
    let mut key_at = Vec::new();
    for &name in candidates {
        let env = format!(
            "{}_{}",
            r.adapter.to_shouty_snake_case(),
            name.to_shouty_snake_case()
        );
        let key = out::yaml_key(name);
        let entry = match schemes.get(name)? {
            ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })
                if scheme.eq_ignore_ascii_case("bearer") =>
            {
                format!("scheme: {key}, secret: {{ env: {env} }}")
            }
            ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })
                if scheme.eq_ignore_ascii_case("basic") =>
            {
                format!(
                    "scheme: {key}, secret: {{ env: {env}_USER }}, password: {{ env: {env}_PASSWORD }}"
                )
            }
            ReferenceOr::Item(SecurityScheme::APIKey { location, name, .. }) => {
                let at = crate::load::openapi::key_location(location);
                if at != "cookie" {
                    key_at.push((at, name));
                }
                format!("scheme: {key}, secret: {{ env: {env} }}")
            }
            _ => return None,
        };
        entries.push(entry);
    }
    let (main, rest) = entries.split_first()?;
    out.line("auth:");
    for part in main.split(", ") {
        out.line(&format!("  {part}"));
    }
    out.line(&format!(
        "  also:                              # the spec wants these with {} on every call",
        candidates[0]
    ));
    for entry in rest {
        out.line(&format!("    - {{ {entry} }}"));
    }
    Some(key_at)
}

/// Rule keys, each with the error variant names that say that failure and nothing else.
const KIND_VARIANTS: [(&str, &[&str]); 10] = [
    ("\"404\"", &["NotFound", "Missing", "NoSuchResource"]),
    (
        "auth",
        &[
            "Unauthorized",
            "Unauthenticated",
            "Auth",
            "AuthFailed",
            "Forbidden",
        ],
    ),
    (
        "rate_limited",
        &["RateLimited", "TooManyRequests", "Throttled"],
    ),
    (
        "\"5xx\"",
        &["Unavailable", "ServiceUnavailable", "VendorDown"],
    ),
    (
        "unavailable",
        &["Unavailable", "ServiceUnavailable", "VendorDown"],
    ),
    ("timeout", &["Timeout", "TimedOut", "Unavailable"]),
    (
        "transport",
        &["Transport", "Network", "Connection", "Unavailable"],
    ),
    (
        "contract",
        &["Contract", "BadResponse", "UnexpectedResponse"],
    ),
    ("invalid", &["Invalid", "InvalidRequest", "Validation"]),
    ("config", &["Config", "Configuration", "Misconfigured"]),
];

/// The rules for the kinds of failure `pm`'s error enum has variants named for
/// ([`KIND_VARIANTS`]), then `_: Error::Variant`, the variant named for any other failure.
fn error_catch_all(r: &Request<'_>, pm: &PortMethod, indent: usize, out: &mut Out) {
    let Ty::Named(e) = &pm.err else {
        out.entry(indent, "_", PLACEHOLDER, Some(&format!("{} returns errors of type {}, not an enum of the port: declare one next to the trait", pm.name, pm.err)));
        return;
    };
    let Some(variants) = r.port.enums.get(e) else {
        out.entry(
            indent,
            "_",
            PLACEHOLDER,
            Some(&format!(
                "{e} is not an enum of the port: declare it next to the trait"
            )),
        );
        return;
    };
    let fits = |s: &VariantShape| match s {
        VariantShape::Unit => true,
        VariantShape::Tuple(t) => t.len() == 1 && t[0] == Ty::Named("String".into()),
        VariantShape::Struct => false,
    };
    // The kinds of failure a variant is named for, before the catch-all: a port that
    // names `RateLimited` wants the 429s there, not in `Failed`.
    for (key, names) in KIND_VARIANTS {
        // By the names' order: `Timeout` before `Unavailable` for `timeout`.
        let hit = names
            .iter()
            .find_map(|name| variants.iter().find(|(n, s)| n == name && fits(s)));
        if let Some((n, _)) = hit {
            out.line(&format!("{:indent$}{key}: {e}::{n}", ""));
        }
    }
    let named: Vec<&str> = variants
        .iter()
        .filter(|(n, s)| {
            fits(s)
                && matches!(
                    n.as_str(),
                    "Provider"
                        | "Other"
                        | "Upstream"
                        | "Unknown"
                        | "Vendor"
                        | "Internal"
                        | "Failed"
                        | "Unexpected"
                )
        })
        .map(|(n, _)| n.as_str())
        .collect();
    match named.as_slice() {
        [one] => out.line(&format!("{:indent$}_: {e}::{one}", "")),
        _ => out.entry(
            indent,
            "_",
            PLACEHOLDER,
            Some(&format!(
                "which {e} variant is any other error? (a unit variant, or one carrying a String for the message; {e} has {})",
                variants.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
            )),
        ),
    }
}

//! Validation and planning in one pass: every check that can fail reports a diagnostic
//! against the mapping and keeps going, so the user sees every mistake at once.

use super::*;
use crate::error::{Diagnostic, Error, Sink, Span, suggest};
use crate::ident::{Namer, camel, snake};
use crate::load::mapping::{
    Auth, ErrorKey, ErrorRule, Fallback, FieldMap, KeyPlacement, Mapping, OperationMap, Spanned,
    TypeMap, ValueSpec,
};
use crate::load::openapi::{Spec, location};
use crate::load::port::{DomainStruct, Port, PortMethod, Ty, VariantShape};
use crate::spec::media;
use crate::spec::responses::{self, Status};
use crate::spec::view::{Kind, SRef, View, view};
use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Checks the mapping against the spec and the port, and plans the adapter.
pub fn build(spec: &Spec, mapping: &Mapping, port: &Port) -> Result<Plan, Error> {
    let mut b = Planner {
        spec,
        mapping,
        port,
        module: mapping.implements.module.value.clone(),
        sink: Sink::default(),
        wire: BTreeMap::new(),
        wire_ids: HashMap::new(),
        namer: Namer::default(),
        converters: BTreeMap::new(),
        conv_ids: HashMap::new(),
        marks: BTreeMap::new(),
    };
    let plan = b.plan();
    b.sink.finish(plan)
}

struct Planner<'a> {
    spec: &'a Spec,
    mapping: &'a Mapping,
    port: &'a Port,
    module: String,
    sink: Sink,
    wire: BTreeMap<String, WireType>,
    /// (request side?, schema identity) → wire type name.
    wire_ids: HashMap<(bool, String), String>,
    namer: Namer,
    converters: BTreeMap<String, Converter>,
    /// (domain type, schema identity) → converter name.
    conv_ids: HashMap<(String, String), String>,
    /// Domain type → its fields that mark a degraded answer (a fallback's `mark:`).
    marks: BTreeMap<String, BTreeMap<String, MarkKind>>,
}

const SCALARS: [&str; 13] = [
    "String", "str", "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "f32", "f64", "u64",
];

impl<'a> Planner<'a> {
    fn err(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.sink
            .push(Diagnostic::new(&self.mapping.path, Some(span), msg).help(help));
    }

    fn domain(&self, name: &str) -> String {
        format!("{}::{}", self.module, name)
    }

    fn plan(&mut self) -> Plan {
        let m = self.mapping;
        // Every port method is mapped, and every mapped method exists.
        for pm in &self.port.methods {
            let unsupported = m.unsupported.iter().any(|u| u.method.value == pm.name);
            if !unsupported && !m.operations.iter().any(|o| o.method.value == pm.name) {
                self.err(
                    m.implements.port.span,
                    format!(
                        "port method '{}' of {} is not mapped",
                        pm.name, self.port.trait_name
                    ),
                    format!(
                        "add `{}: {{ call: <operationId> }}` under `operations:`",
                        pm.name
                    ),
                );
            }
        }
        let auth = self.auth();
        self.limit_checks();
        self.fallback_marks();
        let mut operations = Vec::new();
        for om in &m.operations {
            if let Some(pm) = self.port_method(&om.method) {
                operations.extend(self.operation(om, pm));
            }
        }
        let mut unsupported = Vec::new();
        for u in &m.unsupported {
            if let Some(pm) = self.port_method(&u.method) {
                unsupported.extend(self.unsupported(u, pm));
            }
        }
        for t in &m.types {
            if !self.port.structs.contains_key(&t.name.value) {
                let help = suggest(&t.name.value, self.port.structs.keys().map(String::as_str));
                self.err(
                    t.name.span,
                    format!("type '{}' is not a struct in the port source", t.name.value),
                    help,
                );
            }
        }
        self.box_cycles();
        Plan {
            adapter: m.adapter.value.clone(),
            port_trait: self.domain(&self.port.trait_name),
            vendor_title: self.spec.api.info.title.clone(),
            spec_file: m.spec.value.clone(),
            spec_sha256: self.spec.sha256.clone(),
            mapping_file: m
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            mapping_sha256: m.sha256.clone(),
            base_url: m.base_url.value.clone(),
            auth,
            limits: m.limits.clone(),
            health: m.health.clone(),
            defaults: m.defaults.clone(),
            operations,
            unsupported,
            wire: std::mem::take(&mut self.wire).into_values().collect(),
            converters: std::mem::take(&mut self.converters).into_values().collect(),
        }
    }

    /// The port method a mapping entry names, or a diagnostic with the nearest name.
    fn port_method(&mut self, name: &Spanned<String>) -> Option<&'a PortMethod> {
        let port: &'a Port = self.port;
        let found = port.method(&name.value);
        if found.is_none() {
            let help = suggest(&name.value, port.methods.iter().map(|m| m.name.as_str()));
            self.err(
                name.span,
                format!("'{}' is not a method of {}", name.value, port.trait_name),
                help,
            );
        }
        found
    }

    fn auth(&mut self) -> AuthPlan {
        let Some(auth) = &self.mapping.auth else {
            return AuthPlan::None;
        };
        let schemes = self
            .spec
            .api
            .components
            .as_ref()
            .map(|c| c.security_schemes.clone())
            .unwrap_or_default();
        let Some(scheme) = schemes.get(&auth.scheme.value) else {
            let help = suggest(&auth.scheme.value, schemes.keys().map(String::as_str));
            self.err(
                auth.scheme.span,
                format!("security scheme '{}' is not in the spec", auth.scheme.value),
                help,
            );
            return AuthPlan::None;
        };
        let ReferenceOr::Item(scheme) = scheme else {
            self.err(
                auth.scheme.span,
                "the security scheme is a $ref",
                "inline it in the spec",
            );
            return AuthPlan::None;
        };
        use openapiv3::{APIKeyLocation, SecurityScheme};
        if let SecurityScheme::OAuth2 { flows, .. } = scheme {
            if auth.secret.is_none() {
                return self.oauth2_client_credentials(auth, flows);
            }
        }
        self.no_oauth2_keys(auth);
        let Some(secret) = self.secret(auth) else {
            return AuthPlan::None;
        };
        match scheme {
            SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                AuthPlan::Bearer(secret)
            }
            SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                AuthPlan::Basic(secret, auth.password.clone())
            }
            SecurityScheme::APIKey { location, name, .. } => AuthPlan::ApiKey {
                location: match location {
                    APIKeyLocation::Header => "header",
                    APIKeyLocation::Query => "query",
                    APIKeyLocation::Cookie => "cookie",
                }
                .to_string(),
                name: name.clone(),
                secret,
            },
            // An access token issued out of band (Square's personal access tokens, tokens
            // from an authorization-code flow) is sent as a bearer token.
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
                AuthPlan::Bearer(secret)
            }
            other => {
                let kind = match other {
                    SecurityScheme::HTTP { scheme, .. } => scheme.as_str(),
                    _ => "this",
                };
                self.err(
                    auth.scheme.span,
                    format!(
                        "security scheme '{}' is {kind}, which this version does not support yet",
                        auth.scheme.value
                    ),
                    "use a bearer, basic, apiKey or oauth2 scheme of the spec",
                );
                AuthPlan::None
            }
        }
    }

    /// An OAuth2 scheme without `secret:`: the client-credentials flow, its token URL
    /// and scopes from the spec unless the mapping overrides them.
    fn oauth2_client_credentials(
        &mut self,
        auth: &Auth,
        flows: &openapiv3::OAuth2Flows,
    ) -> AuthPlan {
        let Some(flow) = &flows.client_credentials else {
            self.err(
                auth.scheme.span,
                format!(
                    "security scheme '{}' has no clientCredentials flow",
                    auth.scheme.value
                ),
                "give `secret:` with an access token issued out of band (sent as a bearer token)",
            );
            return AuthPlan::None;
        };
        let (Some(client_id), Some(client_secret)) = (&auth.client_id, &auth.client_secret) else {
            self.err(
                auth.span,
                "OAuth2 client credentials need `client_id:` and `client_secret:`",
                "add `client_id: { env: VAR }` and `client_secret: { env: VAR }` (or `{ file: path }`), or `secret:` for a pre-issued access token",
            );
            return AuthPlan::None;
        };
        let mut scopes: Vec<String> = match &auth.scopes {
            Some(given) => {
                for s in given {
                    if !flow.scopes.contains_key(&s.value) {
                        let help = suggest(&s.value, flow.scopes.keys().map(String::as_str));
                        self.err(
                            s.span,
                            format!("scope '{}' is not declared by the flow", s.value),
                            help,
                        );
                    }
                }
                given.iter().map(|s| s.value.clone()).collect()
            }
            None => self.required_scopes(&auth.scheme.value),
        };
        scopes.sort();
        scopes.dedup();
        AuthPlan::OAuth2ClientCredentials {
            token_url: auth
                .token_url
                .as_ref()
                .map_or_else(|| flow.token_url.clone(), |u| u.value.clone()),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            scopes,
        }
    }

    /// The scopes the mapped operations' security requirements ask of `scheme`.
    fn required_scopes(&self, scheme: &str) -> Vec<String> {
        let global = self.spec.api.security.as_ref();
        self.mapping
            .operations
            .iter()
            .filter_map(|om| self.spec.operation(&om.call.value))
            .filter_map(|(_, op)| op.security.as_ref().or(global))
            .flatten()
            .filter_map(|req| req.get(scheme))
            .flatten()
            .cloned()
            .collect()
    }

    /// `client_id:` and friends belong to OAuth2 client credentials only.
    fn no_oauth2_keys(&mut self, auth: &Auth) {
        if auth.client_id.is_some()
            || auth.client_secret.is_some()
            || auth.scopes.is_some()
            || auth.token_url.is_some()
        {
            self.err(
                auth.span,
                format!(
                    "client_id, client_secret, scopes and token_url apply to an OAuth2 client-credentials scheme, not '{}' with `secret:`",
                    auth.scheme.value
                ),
                "remove them, or remove `secret:` to use the scheme's clientCredentials flow",
            );
        }
    }

    /// Whether the spec sends `op` without credentials (`security: []`, on the
    /// operation or globally); a requirement that excludes the mapping's scheme is an
    /// error, since the vendor would reject every call.
    fn anonymous(&mut self, om: &OperationMap, op: &openapiv3::Operation) -> bool {
        let Some(reqs) = op.security.as_ref().or(self.spec.api.security.as_ref()) else {
            return false;
        };
        if reqs.is_empty() {
            return true;
        }
        let Some(auth) = &self.mapping.auth else {
            return false;
        };
        // `{}` among the alternatives makes credentials optional: send them.
        if reqs
            .iter()
            .any(|r| r.is_empty() || r.contains_key(&auth.scheme.value))
        {
            return false;
        }
        let mut accepted: Vec<&str> = reqs
            .iter()
            .flat_map(|r| r.keys())
            .map(String::as_str)
            .collect();
        accepted.sort();
        accepted.dedup();
        self.err(
            om.call.span,
            format!(
                "operation '{}' accepts security scheme(s) {}, not the mapping's '{}'",
                om.call.value,
                accepted.join(", "),
                auth.scheme.value
            ),
            "choose one of them in `auth.scheme`",
        );
        false
    }

    fn secret(&mut self, auth: &Auth) -> Option<crate::load::mapping::SecretRef> {
        if auth.secret.is_none() {
            self.err(
                auth.span,
                "auth has no `secret:`",
                "add `secret: { env: VAR }` or `secret: { file: path }`",
            );
        }
        auth.secret.clone()
    }

    fn operation(&mut self, om: &OperationMap, pm: &PortMethod) -> Option<OperationPlan> {
        let spec: &'a Spec = self.spec;
        let Some((oref, op)) = spec.operation(&om.call.value) else {
            let help = suggest(
                &om.call.value,
                self.spec.operations.keys().map(String::as_str),
            );
            self.err(
                om.call.span,
                format!("operation '{}' is not in the spec", om.call.value),
                help,
            );
            return None;
        };
        let op_id = op
            .operation_id
            .clone()
            .unwrap_or_else(|| om.call.value.clone());
        let http_method = oref.method.to_ascii_uppercase();
        let is_write = !matches!(oref.method.as_str(), "get" | "head" | "options");
        let params = self.params(om, pm, oref, op);
        let idem = om
            .idempotency
            .as_ref()
            .and_then(|i| self.idempotency(om, pm, i));
        let body = self.body(om, pm, op, &op_id);
        if let Some(i) = &om.idempotency {
            if let KeyPlacement::Body(path) = &i.placement {
                if body.is_none() {
                    self.err(
                        path.span,
                        "the idempotency key goes in the body, but this operation sends none",
                        "use `header:` instead",
                    );
                }
            }
        }
        let (responses, error_body) = self.responses(om, pm, op, &op_id);
        let error_rules = self.error_rules(om, pm, error_body.is_some());
        let fallback = self.fallback_plan(om, pm, op, &http_method);
        Some(OperationPlan {
            method: pm.name.clone(),
            style: pm.style,
            args: pm
                .args
                .iter()
                .map(|(n, t)| (n.clone(), t.render(self.port, &self.module)))
                .collect(),
            ok_type: pm.ok.render(self.port, &self.module),
            err_type: pm.err.render(self.port, &self.module),
            operation_id: op_id,
            http_method,
            path: oref.path.clone(),
            is_write,
            params,
            body,
            idempotency: idem,
            responses,
            error_body,
            error_rules,
            policies: om.policies.clone(),
            anonymous: self.anonymous(om, op),
            fallback,
        })
    }

    // ---------- limits and fallbacks ----------

    /// Every `rate_limit.bucket` names a declared bucket, and a critical operation has a
    /// reserve to draw from.
    fn limit_checks(&mut self) {
        let m = self.mapping;
        let limits = &m.limits;
        let default_bucket = m
            .defaults
            .rate_limit
            .as_ref()
            .and_then(|r| r.bucket.as_ref());
        let mut all = Vec::new();
        if let Some(r) = &m.defaults.rate_limit {
            all.push(("`defaults:`".to_string(), r));
        }
        for om in &m.operations {
            if let Some(r) = &om.policies.rate_limit {
                all.push((format!("operation '{}'", om.method.value), r));
            }
        }
        for (who, rl) in all {
            let bucket = match rl.bucket.as_ref().or(default_bucket) {
                None => None,
                Some(name) => match limits.buckets.iter().find(|b| b.name.value == name.value) {
                    Some(b) => Some(b),
                    None => {
                        let help = if limits.buckets.is_empty() {
                            format!(
                                "declare it under `limits:`: `buckets: {{ {}: {{ requests: 30, per: 1m }} }}`",
                                name.value
                            )
                        } else {
                            suggest(
                                &name.value,
                                limits.buckets.iter().map(|b| b.name.value.as_str()),
                            )
                        };
                        self.err(
                            name.span,
                            format!(
                                "bucket '{}' is not declared in `limits.buckets`",
                                name.value
                            ),
                            help,
                        );
                        continue;
                    }
                },
            };
            if !rl.critical {
                continue;
            }
            let rate_reserve = match bucket {
                Some(b) => b.reserve,
                None => limits.rate.as_ref().map(|r| r.reserve).unwrap_or(0.0),
            };
            let quota_reserve = limits.quota.as_ref().map(|q| q.reserve).unwrap_or(0.0);
            if rate_reserve == 0.0 && quota_reserve == 0.0 {
                let place = match bucket {
                    Some(b) => format!("`limits.buckets.{}`", b.name.value),
                    None => "`limits.rate`".to_string(),
                };
                self.err(
                    rl.span,
                    format!(
                        "{who} is critical, but no reserve is declared: the reserve critical calls may use is 0, so they wait and fail like any other"
                    ),
                    format!(
                        "add `reserve: 0.2` to {place} or `limits.quota`, or drop `critical: true`"
                    ),
                );
            }
        }
        if let Some(fb) = &m.defaults.fallback {
            self.err(
                fb.span,
                "a fallback cannot be a default: each one marks a field of its operation's result, and a write must not have one",
                "move `fallback:` under the read operations that should degrade",
            );
        }
    }

    /// Checks each fallback's `mark:` against the port and records the mark fields, so
    /// the translation fills them with their fresh value.
    fn fallback_marks(&mut self) {
        let m = self.mapping;
        let port: &'a Port = self.port;
        for om in &m.operations {
            let Some(fb) = &om.policies.fallback else {
                continue;
            };
            let Some(pm) = port.method(&om.method.value) else {
                continue;
            };
            let ok = pm.ok.without_refs();
            let Some(mark) = &fb.mark else {
                self.err(
                    fb.span,
                    format!("the fallback of '{}' has no `mark:`", om.method.value),
                    format!(
                        "a degraded answer must be visible to the caller, never silently stale or made up: add `mark: <field>` naming a field of {ok} that is `bool` (true when degraded), `Option<String>` (the reason) or `Option<std::time::Duration>` (the data's age)"
                    ),
                );
                continue;
            };
            let fields = match ok {
                Ty::Named(t) => match port.structs.get(t) {
                    Some(DomainStruct::Named(fields)) => Some((t.clone(), fields)),
                    _ => None,
                },
                _ => None,
            };
            let Some((t, fields)) = fields else {
                self.err(
                    mark.span,
                    format!(
                        "{} returns {ok}, which has no field to mark a degraded answer",
                        om.method.value
                    ),
                    "return a struct with a mark field, or remove the fallback",
                );
                continue;
            };
            let Some(f) = fields.iter().find(|f| f.name == mark.value) else {
                let near = suggest(&mark.value, fields.iter().map(|f| f.name.as_str()));
                self.err(
                    mark.span,
                    format!(
                        "{t} has no field '{}' to mark a degraded answer",
                        mark.value
                    ),
                    format!(
                        "{near}; or add `pub {}: bool` to {t} in {}",
                        mark.value,
                        port.path.display()
                    ),
                );
                continue;
            };
            match mark_kind(&f.ty) {
                None => self.err(
                    mark.span,
                    format!(
                        "mark field '{}' of {t} is {}, which cannot say an answer is degraded",
                        mark.value, f.ty
                    ),
                    format!(
                        "make it `bool` (true when degraded), `Option<String>` (the reason) or `Option<std::time::Duration>` (the data's age) in {}, or name another field",
                        port.path.display()
                    ),
                ),
                Some(MarkKind::Age) if !matches!(fb.strategy, Fallback::Cache { .. }) => self.err(
                    mark.span,
                    format!(
                        "mark field '{}' of {t} holds the data's age, but a {} fallback has no age to give",
                        mark.value,
                        if matches!(fb.strategy, Fallback::Caller) { "caller" } else { "default" }
                    ),
                    "mark it with a `bool` or an `Option<String>` (the reason) field instead",
                ),
                Some(kind) => {
                    self.marks
                        .entry(t)
                        .or_default()
                        .insert(mark.value.clone(), kind);
                }
            }
        }
    }

    /// The operation's fallback, checked against its method and success response.
    fn fallback_plan(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        op: &'a openapiv3::Operation,
        http_method: &str,
    ) -> Option<FallbackPlan> {
        let fb = om.policies.fallback.as_ref()?;
        let strategy = match &fb.strategy {
            Fallback::Cache {
                ttl,
                stale_if_error,
            } => {
                if http_method != "GET" {
                    self.err(
                        fb.span,
                        format!(
                            "'{}' is a {http_method}, and a cache fallback would answer it with an earlier call's response",
                            om.method.value
                        ),
                        "a write's answer must never stand in for a write: remove the fallback (a `caller` fallback can decide in code)",
                    );
                    return None;
                }
                FallbackStrategy::Cache {
                    ttl: *ttl,
                    stale_if_error: *stale_if_error,
                }
            }
            Fallback::Default(body) => {
                if http_method != "GET" {
                    self.err(
                        fb.span,
                        format!(
                            "'{}' is a {http_method}, and a fixed answer would claim a write happened",
                            om.method.value
                        ),
                        "remove the fallback (a `caller` fallback can decide in code)",
                    );
                    return None;
                }
                let Some((status, schema)) = success_schema(om, op, self.spec) else {
                    self.err(
                        body.span,
                        format!(
                            "{} has no JSON success response for a default body to stand in for",
                            om.call.value
                        ),
                        "remove the fallback",
                    );
                    return None;
                };
                if let Some((path, msg)) =
                    crate::spec::conform::mismatch(self.spec, SRef::Plain(schema), &body.value)
                {
                    self.err(
                        body.span,
                        format!(
                            "the default body of '{}' does not match {}'s {status} response: {path} {msg}",
                            om.method.value, om.call.value
                        ),
                        "write the body exactly as the vendor would send it (the spec's success response)",
                    );
                    return None;
                }
                FallbackStrategy::Static {
                    status,
                    body: body.value.to_string(),
                }
            }
            Fallback::Caller => FallbackStrategy::Caller,
        };
        let mark = fb.mark.as_ref()?;
        let Ty::Named(t) = pm.ok.without_refs() else {
            return None;
        };
        let kind = *self.marks.get(t)?.get(&mark.value)?;
        Some(FallbackPlan {
            strategy,
            mark: MarkPlan {
                field: mark.value.clone(),
                kind,
            },
        })
    }

    // ---------- values from the method's arguments ----------

    /// Resolves `req.amount.minor_units` to an access path and its type.
    fn expr(&mut self, pm: &PortMethod, text: &Spanned<String>) -> Option<(Vec<String>, Ty)> {
        let mut segs = text.value.split('.');
        let first = segs.next().unwrap_or_default();
        let Some((_, arg_ty)) = pm.args.iter().find(|(n, _)| n == first) else {
            let help = suggest(first, pm.args.iter().map(|(n, _)| n.as_str()));
            self.err(
                text.span,
                format!("'{first}' is not an argument of {}", pm.name),
                help,
            );
            return None;
        };
        let mut access = vec![first.to_string()];
        let mut ty = arg_ty.without_refs().clone();
        for seg in segs {
            let Ty::Named(tname) = &ty else {
                self.err(
                    text.span,
                    format!(
                        "'{}' has no field '{seg}': its type is {ty}",
                        access.join(".")
                    ),
                    "remove the extra field",
                );
                return None;
            };
            match self.port.structs.get(tname) {
                Some(DomainStruct::Named(fields)) => match fields.iter().find(|f| f.name == seg) {
                    Some(f) => {
                        access.push(seg.to_string());
                        ty = f.ty.without_refs().clone();
                    }
                    None => {
                        let help = suggest(seg, fields.iter().map(|f| f.name.as_str()));
                        self.err(text.span, format!("unknown field '{seg}' in {tname}"), help);
                        return None;
                    }
                },
                Some(DomainStruct::Newtype(inner)) if seg == "0" => {
                    access.push("0".into());
                    ty = inner.without_refs().clone();
                }
                _ => {
                    self.err(
                        text.span,
                        format!(
                            "'{}' has no field '{seg}': {tname} is not a struct with named fields",
                            access.join(".")
                        ),
                        "point at a field of a struct in the port source",
                    );
                    return None;
                }
            }
        }
        Some((access, ty))
    }

    /// Plans a value for a wire slot of the given schema view.
    fn value(
        &mut self,
        pm: &PortMethod,
        spec: &ValueSpec,
        target: &View<'_>,
        wire_required: bool,
        what: &str,
    ) -> Option<ValuePlan> {
        match spec {
            ValueSpec::Const(c) => {
                // Objects and lists are written as JSON constants (`const: {}`, `const: [a, b]`).
                let ok = matches!(
                    (&target.kind, &c.value),
                    (Kind::Str { .. }, serde_json::Value::String(_))
                        | (Kind::Int, serde_json::Value::Number(_))
                        | (Kind::Num, serde_json::Value::Number(_))
                        | (Kind::Bool, serde_json::Value::Bool(_))
                        | (
                            Kind::Object { .. } | Kind::Any,
                            serde_json::Value::Object(_)
                        )
                        | (Kind::Array(_) | Kind::Any, serde_json::Value::Array(_))
                );
                let int_ok = !matches!(target.kind, Kind::Int) || c.value.as_i64().is_some();
                if !ok || !int_ok {
                    self.err(
                        c.span,
                        format!(
                            "{what} is {} in the spec, but the mapping gives {}",
                            target.describe(),
                            c.value
                        ),
                        "write a constant of the spec's type",
                    );
                    return None;
                }
                if let Kind::Str { values } = &target.kind {
                    let s = c.value.as_str().unwrap_or_default();
                    if !values.is_empty() && !values.iter().any(|v| v == s) {
                        let help = suggest(s, values.iter().map(String::as_str));
                        self.err(c.span, format!("'{s}' is not a value of {what}"), help);
                        return None;
                    }
                }
                Some(ValuePlan::Const(c.value.clone()))
            }
            ValueSpec::Each { from, .. } => {
                self.err(from.span, format!("{what} is not a list of objects in a request body, so `each:` does not apply"), "map the value with `from:`");
                None
            }
            ValueSpec::Expr { from, via } => {
                let (mut access, ty) = self.expr(pm, from)?;
                if let Some(via) = via {
                    if !self.check_path(via) {
                        return None;
                    }
                    return Some(ValuePlan::Expr {
                        access,
                        clone: false,
                        optional: false,
                        widen: None,
                        via: Some(via.value.clone()),
                    });
                }
                let (optional, ty) = match ty {
                    Ty::Option(inner) => (true, inner.without_refs().clone()),
                    t => (false, t),
                };
                if optional && wire_required {
                    self.err(
                        from.span,
                        format!(
                            "{what} is required by the vendor, but '{}' is an Option",
                            from.value
                        ),
                        "map a value that is always present, or give a `const:`",
                    );
                    return None;
                }
                let ty = self.unwrap_newtype(ty, &mut access);
                let name = match &ty {
                    Ty::Named(n) => n.as_str(),
                    Ty::Vec(inner) => match (&target.kind, inner.without_refs()) {
                        (Kind::Array(_), Ty::Named(n)) if SCALARS.contains(&n.as_str()) => {
                            return Some(ValuePlan::Expr {
                                access,
                                clone: true,
                                optional,
                                widen: None,
                                via: None,
                            });
                        }
                        _ => "",
                    },
                    _ => "",
                };
                let (fits, widen) = match (&target.kind, name) {
                    (Kind::Str { .. }, "String" | "str") => (true, None),
                    (Kind::Int, "i64") => (true, None),
                    (Kind::Int, "i8" | "i16" | "i32" | "u8" | "u16" | "u32") => {
                        (true, Some("i64".to_string()))
                    }
                    (Kind::Num, "f64") => (true, None),
                    (Kind::Num, "f32" | "i8" | "i16" | "i32" | "u8" | "u16" | "u32") => {
                        (true, Some("f64".to_string()))
                    }
                    (Kind::Bool, "bool") => (true, None),
                    (Kind::Any, _) => (false, None),
                    _ => (false, None),
                };
                if !fits {
                    self.err(
                        from.span,
                        format!(
                            "{what} is {} in the spec, but '{}' is {ty}",
                            target.describe(),
                            from.value
                        ),
                        "convert it with `{ from: …, via: path::to::function }`",
                    );
                    return None;
                }
                let clone = matches!(name, "String" | "str");
                Some(ValuePlan::Expr {
                    access,
                    clone,
                    optional,
                    widen,
                    via: None,
                })
            }
        }
    }

    /// A `via:` must be a plain Rust path; anything else would be code injected from the mapping.
    fn check_path(&mut self, p: &Spanned<String>) -> bool {
        let ok = syn::parse_str::<syn::Path>(&p.value).is_ok_and(|path| {
            path.segments
                .iter()
                .all(|s| matches!(s.arguments, syn::PathArguments::None))
        });
        if !ok {
            self.err(
                p.span,
                format!("'{}' is not a Rust function path", p.value),
                "write a path such as `crate::convert::money`",
            );
        }
        ok
    }

    fn unwrap_newtype(&self, mut ty: Ty, access: &mut Vec<String>) -> Ty {
        for _ in 0..4 {
            let Ty::Named(n) = &ty else { break };
            match self.port.structs.get(n) {
                Some(DomainStruct::Newtype(inner)) => {
                    access.push("0".into());
                    ty = inner.without_refs().clone();
                }
                _ => break,
            }
        }
        ty
    }

    fn params(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        oref: &crate::load::openapi::OperationRef,
        op: &openapiv3::Operation,
    ) -> Vec<ParamPlan> {
        let spec_params = match self.spec.parameters(oref, op) {
            Ok(p) => p,
            Err(e) => {
                self.err(
                    om.call.span,
                    format!("the parameters of '{}' cannot be read: {e}", om.call.value),
                    "fix the spec",
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (name, spec) in &om.params {
            let Some(p) = spec_params
                .iter()
                .find(|p| p.parameter_data_ref().name == name.value)
            else {
                let help = suggest(
                    &name.value,
                    spec_params
                        .iter()
                        .map(|p| p.parameter_data_ref().name.as_str()),
                );
                self.err(
                    name.span,
                    format!("'{}' is not a parameter of {}", name.value, om.call.value),
                    help,
                );
                continue;
            };
            let data = p.parameter_data_ref();
            let loc = match p {
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => {
                    self.err(
                        name.span,
                        format!(
                            "'{}' is a cookie parameter, which is not supported",
                            name.value
                        ),
                        "ask the vendor for a header or query alternative",
                    );
                    continue;
                }
            };
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                self.err(
                    name.span,
                    format!(
                        "parameter '{}' is described by content, not a schema",
                        name.value
                    ),
                    "not supported yet",
                );
                continue;
            };
            let v = match view(self.spec, SRef::Plain(schema)) {
                Ok(v) => v,
                Err(e) => {
                    self.err(
                        name.span,
                        format!("parameter '{}': {e}", name.value),
                        "fix the spec",
                    );
                    continue;
                }
            };
            let (target, array_item_name) = match &v.kind {
                Kind::Array(Some(item)) if loc == ParamLocation::Query => {
                    let deep = matches!(
                        p,
                        Parameter::Query {
                            style: openapiv3::QueryStyle::DeepObject,
                            ..
                        }
                    );
                    let item_name = if deep {
                        format!("{}[]", data.name)
                    } else {
                        data.name.clone()
                    };
                    match view(self.spec, *item) {
                        Ok(iv) => (iv, Some(item_name)),
                        Err(_) => continue,
                    }
                }
                _ => (v.clone(), None),
            };
            let required = data.required || loc == ParamLocation::Path;
            let what = format!("parameter '{}'", data.name);
            let value = if array_item_name.is_some() {
                // Arrays are checked item by item: the expression must be a Vec of the item type.
                match spec {
                    ValueSpec::Expr { from, via: None } => match self.expr(pm, from) {
                        Some((access, Ty::Vec(_))) => ValuePlan::Expr {
                            access,
                            clone: true,
                            optional: false,
                            widen: None,
                            via: None,
                        },
                        Some((access, Ty::Option(inner)))
                            if !required && matches!(*inner, Ty::Vec(_)) =>
                        {
                            ValuePlan::Expr {
                                access,
                                clone: true,
                                optional: true,
                                widen: None,
                                via: None,
                            }
                        }
                        Some((_, t)) => {
                            self.err(
                                from.span,
                                format!("{what} is an array, but '{}' is {t}", from.value),
                                "map a Vec",
                            );
                            continue;
                        }
                        None => continue,
                    },
                    other => match self.value(pm, other, &target, required, &what) {
                        Some(v) => v,
                        None => continue,
                    },
                }
            } else {
                match self.value(pm, spec, &target, required, &what) {
                    Some(v) => v,
                    None => continue,
                }
            };
            out.push(ParamPlan {
                wire_name: data.name.clone(),
                location: loc,
                value,
                array_item_name,
            });
        }
        for p in &spec_params {
            let data = p.parameter_data_ref();
            let required = data.required || matches!(p, Parameter::Path { .. });
            if required && !om.params.iter().any(|(n, _)| n.value == data.name) {
                self.err(
                    om.method.span,
                    format!(
                        "{} parameter '{}' of {} is required but not mapped",
                        location(p),
                        data.name,
                        om.call.value
                    ),
                    format!("add `params: {{ {}: <argument> }}`", data.name),
                );
            }
        }
        out
    }

    fn idempotency(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        i: &crate::load::mapping::Idempotency,
    ) -> Option<IdempotencyPlan> {
        let from = match &i.key {
            Some(k) => {
                let (mut access, ty) = self.expr(pm, k)?;
                let ty = self.unwrap_newtype(ty, &mut access);
                match &ty {
                    Ty::Named(n) if SCALARS.contains(&n.as_str()) => {}
                    other => {
                        self.err(k.span, format!("an idempotency key must come from a string or number, but '{}' is {other}", k.value), "point at an id field");
                        return None;
                    }
                }
                Some(ValuePlan::Expr {
                    access,
                    clone: false,
                    optional: false,
                    widen: None,
                    via: None,
                })
            }
            None => None,
        };
        let header = match &i.placement {
            KeyPlacement::Header(h) => {
                if h.value.is_empty()
                    || !h
                        .value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    self.err(
                        h.span,
                        format!("'{}' is not a valid header name", h.value),
                        "use letters, digits and '-'",
                    );
                }
                Some(h.value.clone())
            }
            KeyPlacement::Body(_) => None,
        };
        let _ = om;
        Some(IdempotencyPlan {
            header,
            from,
            source: i
                .key
                .as_ref()
                .map(|k| k.value.clone())
                .unwrap_or_else(|| "a UUIDv4 per logical call".into()),
        })
    }

    // ---------- request body ----------

    fn body(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        op: &'a openapiv3::Operation,
        op_id: &str,
    ) -> Option<BodyPlan> {
        let key_field = om.idempotency.as_ref().and_then(|i| match &i.placement {
            KeyPlacement::Body(p) => Some(p.clone()),
            KeyPlacement::Header(_) => None,
        });
        let Some(rb) = &op.request_body else {
            if let Some((k, _)) = om.request.first() {
                self.err(
                    k.span,
                    format!("{} takes no request body", om.call.value),
                    "remove `request:`",
                );
            }
            return None;
        };
        let spec: &'a Spec = self.spec;
        let rb = match spec.resolve_request_body(rb) {
            Ok(rb) => rb,
            Err(e) => {
                self.err(
                    om.call.span,
                    format!("the request body of {}: {e}", om.call.value),
                    "fix the spec",
                );
                return None;
            }
        };
        if let Some(raw) = &om.body {
            return self.raw_body(om, pm, rb, raw);
        }
        if om.request.is_empty() && key_field.is_none() && !rb.required {
            return None;
        }
        let (encoding, media) = if let Some((_, m)) = media::find_json(&rb.content) {
            (BodyEncoding::Json, m)
        } else if let Some((_, m)) = media::find_form(&rb.content) {
            (BodyEncoding::Form, m)
        } else {
            let types: Vec<&str> = rb.content.keys().map(String::as_str).collect();
            self.err(
                om.call.span,
                format!(
                    "{} sends {}, which is not built from fields",
                    om.call.value,
                    types.join(", ")
                ),
                "map the whole body from bytes or text with `body: <expression>`",
            );
            return None;
        };
        let Some(schema) = &media.schema else {
            self.err(
                om.call.span,
                format!("the request body of {} has no schema", om.call.value),
                "fix the spec",
            );
            return None;
        };
        // A tree of dotted paths: "metadata.order_id" → metadata → order_id.
        let mut tree = PathTree::default();
        for (k, v) in &om.request {
            tree.insert(&k.value, Entry::Value(k.clone(), v.clone()));
        }
        if let Some(k) = &key_field {
            if k.value.contains('.') {
                self.err(
                    k.span,
                    "an idempotency key in the body must be a top-level field",
                    "name a field of the body itself",
                );
            } else {
                tree.insert(&k.value, Entry::Key(k.clone()));
            }
        }
        let root = self.body_node(
            pm,
            SRef::Plain(schema),
            &tree,
            &format!("{op_id}Request"),
            "request",
            om.method.span,
        )?;
        if let BodyNode::Struct { wire_type, .. } = &root {
            if let Some(w) = self.wire.get_mut(wire_type) {
                w.origin = format!("the request body of {op_id}");
            }
        }
        Some(BodyPlan { encoding, root })
    }

    /// `body: req.file`: the whole body from bytes or text, for files, texts and XML.
    fn raw_body(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        rb: &'a openapiv3::RequestBody,
        raw: &ValueSpec,
    ) -> Option<BodyPlan> {
        let span = match raw {
            ValueSpec::Expr { from, .. } | ValueSpec::Each { from, .. } => from.span,
            ValueSpec::Const(c) => c.span,
        };
        if let Some((k, _)) = om.request.first() {
            self.err(
                k.span,
                "an operation maps either `request:` fields or the whole `body:`, not both",
                "keep one of them",
            );
            return None;
        }
        // The declared media type that is not JSON or a form; else the first one.
        let Some(content_type) = rb
            .content
            .keys()
            .find(|k| !media::is_json(k) && !media::is_form(k))
            .or_else(|| rb.content.keys().next())
            .cloned()
        else {
            self.err(
                span,
                format!("{} declares no media type for its body", om.call.value),
                "fix the spec",
            );
            return None;
        };
        if media::is_json(&content_type) {
            return self.json_root_body(om, pm, rb, &content_type, raw, span);
        }
        if media::is_multipart(&content_type) {
            self.err(
                span,
                format!(
                    "{} sends {content_type}, which Portcullis does not encode yet",
                    om.call.value
                ),
                "multipart bodies are not supported; leave this operation out for now",
            );
            return None;
        }
        let value = match raw {
            ValueSpec::Expr { from, via: None } => {
                let (mut access, ty) = self.expr(pm, from)?;
                let ty = self.unwrap_newtype(ty, &mut access);
                let fits = match &ty {
                    Ty::Named(n) => matches!(n.as_str(), "String" | "str"),
                    Ty::Vec(inner) => **inner == Ty::Named("u8".into()),
                    _ => false,
                };
                if !fits {
                    self.err(
                        from.span,
                        format!("the body is sent as it is, so it must be bytes or text, but '{}' is {ty}", from.value),
                        "map a Vec<u8> or a String (or convert with `via:`)",
                    );
                    return None;
                }
                ValuePlan::Expr {
                    access,
                    clone: true,
                    optional: false,
                    widen: None,
                    via: None,
                }
            }
            ValueSpec::Expr {
                from,
                via: Some(via),
            } => {
                if !self.check_path(via) {
                    return None;
                }
                let (access, _) = self.expr(pm, from)?;
                ValuePlan::Expr {
                    access,
                    clone: false,
                    optional: false,
                    widen: None,
                    via: Some(via.value.clone()),
                }
            }
            ValueSpec::Const(c) => match &c.value {
                serde_json::Value::String(_) => ValuePlan::Const(c.value.clone()),
                _ => {
                    self.err(
                        c.span,
                        "a constant body must be a text",
                        "write the body as a string",
                    );
                    return None;
                }
            },
            ValueSpec::Each { from, .. } => {
                self.err(
                    from.span,
                    "the whole body cannot be built with `each:`",
                    "map a Vec<u8> or a String",
                );
                return None;
            }
        };
        Some(BodyPlan {
            encoding: BodyEncoding::Raw(content_type),
            root: BodyNode::Leaf(value),
        })
    }

    /// `body:` for a JSON body that is not an object: a list (`each:` for objects) or a scalar.
    fn json_root_body(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        rb: &'a openapiv3::RequestBody,
        content_type: &str,
        raw: &ValueSpec,
        span: Span,
    ) -> Option<BodyPlan> {
        let Some(schema) = rb.content.get(content_type).and_then(|m| m.schema.as_ref()) else {
            self.err(
                span,
                format!("the {content_type} body of {} has no schema", om.call.value),
                "fix the spec",
            );
            return None;
        };
        let target = match view(self.spec, SRef::Plain(schema)) {
            Ok(v) => v,
            Err(e) => {
                self.err(
                    span,
                    format!("the request body of {}: {e}", om.call.value),
                    "fix the spec",
                );
                return None;
            }
        };
        let root = match raw {
            ValueSpec::Each { from, each } => {
                let name = format!("{}Request", camel(&om.call.value));
                self.list(pm, from, each, &target, true, &name, "request")?
                    .0
            }
            other => BodyNode::Leaf(self.value(pm, other, &target, true, "the request body")?),
        };
        Some(BodyPlan {
            encoding: BodyEncoding::Json,
            root,
        })
    }

    /// `{ from: req.items, each: { … } }`: a list of objects, one per item of a `Vec`.
    #[allow(clippy::too_many_arguments)]
    fn list(
        &mut self,
        pm: &PortMethod,
        from: &Spanned<String>,
        each: &[(Spanned<String>, ValueSpec)],
        target: &View<'a>,
        wire_required: bool,
        type_name: &str,
        at: &str,
    ) -> Option<(BodyNode, WireTy)> {
        let Kind::Array(Some(item_schema)) = &target.kind else {
            self.err(
                from.span,
                format!(
                    "{at} is {} in the spec, not a list to build with `each:`",
                    target.describe()
                ),
                "map it without `each:`",
            );
            return None;
        };
        let (access, ty) = self.expr(pm, from)?;
        let (optional, ty) = match ty {
            Ty::Option(inner) => (true, inner.without_refs().clone()),
            t => (false, t),
        };
        let Ty::Vec(item_ty) = ty else {
            self.err(
                from.span,
                format!("`each:` needs a Vec, but '{}' is {ty}", from.value),
                "point `from:` at a Vec of the method's arguments",
            );
            return None;
        };
        if optional && wire_required {
            self.err(
                from.span,
                format!(
                    "{at} is required by the vendor, but '{}' is an Option",
                    from.value
                ),
                "map a Vec that is always present",
            );
            return None;
        }
        // Item expressions start at `item`, an argument of a method of one element.
        let item_method = PortMethod {
            args: vec![("item".to_string(), Ty::Ref(item_ty))],
            ..pm.clone()
        };
        let mut tree = PathTree::default();
        for (k, v) in each {
            tree.insert(&k.value, Entry::Value(k.clone(), v.clone()));
        }
        let item = self.body_node(
            &item_method,
            *item_schema,
            &tree,
            &format!("{type_name}Item"),
            &format!("{at}[]"),
            from.span,
        )?;
        let BodyNode::Struct { wire_type, .. } = &item else {
            return None;
        };
        let ty = WireTy::Vec(Box::new(WireTy::Named(wire_type.clone())));
        Some((
            BodyNode::List {
                source: access,
                optional,
                item: Box::new(item),
            },
            ty,
        ))
    }

    fn body_node(
        &mut self,
        pm: &PortMethod,
        schema: SRef<'a>,
        tree: &PathTree,
        type_name: &str,
        at: &str,
        span: Span,
    ) -> Option<BodyNode> {
        let v = match view(self.spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, format!("{at}: {e}"), "fix the spec");
                return None;
            }
        };
        // A oneOf/anyOf body (Adyen's paymentMethod): the first variant with every mapped field.
        let v = match &v.kind {
            Kind::Union(parts) => {
                let keys: Vec<&str> = tree.children.keys().map(String::as_str).collect();
                let spec = self.spec;
                // A constant must also be one of the variant's values: `type: scheme` picks the card variant.
                let fits = |props: &[(&str, SRef<'a>)], key: &str, child: &PathTree| -> bool {
                    let Some(Entry::Value(_, ValueSpec::Const(c))) = &child.entry else {
                        return true;
                    };
                    let Some((_, prop)) = props.iter().find(|(n, _)| *n == key) else {
                        return true;
                    };
                    match (view(spec, *prop).map(|v| v.kind), c.value.as_str()) {
                        (Ok(Kind::Str { values }), Some(c)) => {
                            values.is_empty() || values.iter().any(|v| v == c)
                        }
                        _ => true,
                    }
                };
                let chosen = parts.iter().find_map(|p| {
                    let pv = view(self.spec, *p).ok()?;
                    match &pv.kind {
                        Kind::Object {
                            props, additional, ..
                        } if keys
                            .iter()
                            .all(|k| additional.is_some() || props.iter().any(|(n, _)| n == k))
                            && tree.children.iter().all(|(k, c)| fits(props, k, c)) =>
                        {
                            Some(pv)
                        }
                        _ => None,
                    }
                });
                match chosen {
                    Some(pv) => pv,
                    None => {
                        self.err(
                            span,
                            format!(
                                "no variant of {at} (anyOf/oneOf) has all of the fields {}",
                                keys.join(", ")
                            ),
                            "map only fields of one variant",
                        );
                        return None;
                    }
                }
            }
            _ => v,
        };
        let Kind::Object {
            props,
            required,
            additional,
        } = &v.kind
        else {
            self.err(
                span,
                format!(
                    "{at} is {} in the spec, so it has no fields to set",
                    v.describe()
                ),
                "map the value itself",
            );
            return None;
        };
        let name = self.namer.claim(&camel(type_name));
        let mut fields = Vec::new();
        let mut wire_fields = Vec::new();
        let mut names = Namer::default();
        for (key, child) in &tree.children {
            let (prop_schema, is_required) = match props.iter().find(|(n, _)| n == key) {
                Some((_, s)) => (*s, required.contains(key.as_str())),
                None => match additional {
                    Some(a) => (*a, false),
                    None => {
                        let span = child.span().unwrap_or(span);
                        let help = suggest(key, props.iter().map(|(n, _)| *n));
                        self.err(span, format!("unknown field '{key}' in {at}"), help);
                        continue;
                    }
                },
            };
            let rust = names.claim(&snake(key));
            let child_at = format!("{at}.{key}");
            let pv = match view(self.spec, prop_schema) {
                Ok(v) => v,
                Err(e) => {
                    self.err(span, format!("{child_at}: {e}"), "fix the spec");
                    continue;
                }
            };
            let optional = !is_required;
            let (node, ty) = match child {
                PathTree {
                    entry: Some(Entry::Key(_)),
                    ..
                } => {
                    if !matches!(pv.kind, Kind::Str { .. }) {
                        self.err(span, format!("{child_at} is {} in the spec, not a string for the idempotency key", pv.describe()), "name a string field");
                        continue;
                    }
                    (BodyNode::IdempotencyKey, WireTy::String)
                }
                PathTree {
                    entry: Some(Entry::Value(_, ValueSpec::Each { from, each })),
                    ..
                } => {
                    let Some((node, ty)) = self.list(
                        pm,
                        from,
                        each,
                        &pv,
                        is_required,
                        &format!("{name}{}", camel(key)),
                        &child_at,
                    ) else {
                        continue;
                    };
                    (node, ty)
                }
                PathTree {
                    entry: Some(Entry::Value(k, spec)),
                    ..
                } => {
                    let Some(val) = self.value(pm, spec, &pv, is_required, &child_at) else {
                        continue;
                    };
                    let _ = k;
                    let ty = match (&pv.kind, &val) {
                        (
                            _,
                            ValuePlan::Const(
                                serde_json::Value::Object(_) | serde_json::Value::Array(_),
                            ),
                        ) => WireTy::Json,
                        (Kind::Array(Some(item)), _) => {
                            let it = view(self.spec, *item)
                                .ok()
                                .map(|iv| scalar_wire(&iv.kind))
                                .unwrap_or(WireTy::Json);
                            WireTy::Vec(Box::new(it))
                        }
                        (k, _) => scalar_wire(k),
                    };
                    (BodyNode::Leaf(val), ty)
                }
                sub => {
                    let sub_name = format!("{}{}", name, camel(key));
                    let Some(node) =
                        self.body_node(pm, prop_schema, sub, &sub_name, &child_at, span)
                    else {
                        continue;
                    };
                    let BodyNode::Struct { wire_type, .. } = &node else {
                        continue;
                    };
                    let ty = WireTy::Named(wire_type.clone());
                    (node, ty)
                }
            };
            let leaf_optional = matches!(
                &node,
                BodyNode::Leaf(ValuePlan::Expr { optional: true, .. })
                    | BodyNode::List { optional: true, .. }
            );
            fields.push((rust.clone(), node, optional && !leaf_optional));
            wire_fields.push(WireField {
                rust_name: rust,
                wire_name: key.clone(),
                ty,
                optional,
            });
        }
        for r in required {
            if !tree.children.contains_key(*r) {
                self.err(
                    span,
                    format!("field '{r}' of {at} is required by the vendor but not mapped"),
                    format!(
                        "add `{}: <expression>` under `request:`",
                        if at == "request" {
                            r.to_string()
                        } else {
                            format!("{}.{r}", at.trim_start_matches("request."))
                        }
                    ),
                );
            }
        }
        self.wire.insert(
            name.clone(),
            WireType {
                name: name.clone(),
                origin: origin_of(&v, at),
                serialize: true,
                kind: WireKind::Struct(wire_fields),
            },
        );
        Some(BodyNode::Struct {
            wire_type: name,
            fields,
        })
    }

    // ---------- responses ----------

    fn responses(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        op: &'a openapiv3::Operation,
        op_id: &str,
    ) -> (Vec<ResponsePlan>, Option<ErrorBodyPlan>) {
        let mut out = Vec::new();
        let mut error_schema = None;
        if let Some(r) = &om.response {
            let ok_name = match &pm.ok {
                Ty::Named(n) => n.clone(),
                other => other.to_string(),
            };
            if r.value != ok_name {
                self.err(
                    r.span,
                    format!("{} returns {}, not {}", pm.name, ok_name, r.value),
                    format!("write `response: {ok_name}` or leave it out"),
                );
            }
        }
        for (status, resp) in responses::sorted(op) {
            let success = status.is_success();
            let code = match status {
                Status::Code(c) => Some(c),
                Status::Range(_) => None,
            };
            let spec: &'a Spec = self.spec;
            let Ok(resp) = spec.resolve_response(resp) else {
                continue;
            };
            let schema = responses::json_schema(resp);
            let chosen = match (&om.status, code) {
                (Some(list), Some(c)) => list.iter().any(|s| s.value == c),
                (Some(_), None) => false,
                (None, _) => true,
            };
            if success && !chosen {
                // A 2xx the mapping does not build from: the emitter answers it with a contract error.
                out.push(ResponsePlan {
                    status: code,
                    decode: None,
                    unwrap: None,
                    reject: None,
                });
                continue;
            }
            if success {
                let decode = match (&pm.ok, schema) {
                    (Ty::Unit, _) => None,
                    (_, None) => None,
                    (ok, Some(s)) => {
                        let what = format!(
                            "{op_id} response {}",
                            code.map(|c| c.to_string()).unwrap_or_else(|| "2XX".into())
                        );
                        let span = om
                            .response
                            .as_ref()
                            .map(|r| r.span)
                            .unwrap_or(om.method.span);
                        match self.success_decode(om, ok, SRef::Plain(s), &what, span) {
                            Some(d) => Some(d),
                            None => continue,
                        }
                    }
                };
                let (decode, unwrap, reject) = match decode {
                    Some((d, u, r)) => (Some(d), u, r),
                    None => (None, None, None),
                };
                out.push(ResponsePlan {
                    status: code,
                    decode,
                    unwrap,
                    reject,
                });
            } else if error_schema.is_none() {
                error_schema = schema;
            }
        }
        for s in om.status.iter().flatten() {
            let declared = op
                .responses
                .responses
                .keys()
                .any(|k| Status::of(k) == Status::Code(s.value));
            if !declared || !responses::is_success(s.value) {
                let codes: Vec<String> = op
                    .responses
                    .responses
                    .keys()
                    .map(ToString::to_string)
                    .collect();
                self.err(
                    s.span,
                    format!("{} declares no success status {}", om.call.value, s.value),
                    format!("declared: {}", codes.join(", ")),
                );
            }
        }
        if let Some(default) = &op.responses.default {
            if error_schema.is_none() {
                let spec: &'a Spec = self.spec;
                if let Ok(resp) = spec.resolve_response(default) {
                    error_schema = responses::json_schema(resp);
                }
            }
        }
        if pm.ok != Ty::Unit && !out.iter().any(|r| r.decode.is_some()) {
            self.err(
                om.call.span,
                format!(
                    "{} has no JSON success response to build {} from",
                    om.call.value, pm.ok
                ),
                "map an operation that returns a body, or make the port method return ()",
            );
        }
        let spec: &'a Spec = self.spec;
        if let Some(name) = &self.mapping.errors.schema {
            match spec.schema_named(&name.value) {
                Some(s) => error_schema = Some(s),
                None => {
                    let names = spec
                        .api
                        .components
                        .as_ref()
                        .map(|c| c.schemas.keys().map(String::as_str).collect::<Vec<_>>())
                        .unwrap_or_default();
                    let help = suggest(&name.value, names.iter().copied());
                    self.err(
                        name.span,
                        format!("schema '{}' is not in the spec's components", name.value),
                        help,
                    );
                }
            }
        }
        let error_body = error_schema.and_then(|s| self.error_body(SRef::Plain(s), op_id));
        (out, error_body)
    }

    /// The wire type and converter of a success body, through `unwrap:` and with `reject:`.
    #[allow(clippy::type_complexity)]
    fn success_decode(
        &mut self,
        om: &OperationMap,
        ok: &Ty,
        schema: SRef<'a>,
        what: &str,
        span: Span,
    ) -> Option<((String, String), Option<Read>, Option<RejectPlan>)> {
        let root_view = match view(self.spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, format!("{what}: {e}"), "fix the spec");
                return None;
            }
        };
        let base = format!("{}Response", camel(what.split(' ').next().unwrap_or(what)));
        let root_wire = self.wire_struct(&root_view, &base, false)?;
        let reject = match &om.reject {
            Some(r) => Some(self.reject_plan(r, schema, &root_wire)?),
            None => None,
        };
        let Some(path) = &om.unwrap else {
            let d = self.converter_for(ok, schema, what, span)?;
            return Some((d, None, reject));
        };
        let (read, _, inner) = self.read(schema, &path.value, path.span, false, &root_wire)?;
        let (inner_wire, conv) = self.converter_for(ok, inner, what, path.span)?;
        self.set_leaf_ty(&read, &root_wire, WireTy::Named(inner_wire));
        Some(((root_wire, conv), Some(read), reject))
    }

    fn reject_plan(
        &mut self,
        r: &crate::load::mapping::Reject,
        schema: SRef<'a>,
        root_wire: &str,
    ) -> Option<RejectPlan> {
        let (field, leaf, _) = self.read(schema, &r.field.value, r.field.span, false, root_wire)?;
        let Kind::Str { values: known } = &leaf.kind else {
            self.err(
                r.field.span,
                format!(
                    "reject.field '{}' is {}, not a string",
                    r.field.value,
                    leaf.describe()
                ),
                "name a string field such as a result code",
            );
            return None;
        };
        for v in &r.values {
            if !known.is_empty() && !known.contains(&v.value) {
                let help = suggest(&v.value, known.iter().map(String::as_str));
                self.err(
                    v.span,
                    format!("'{}' is not a value of {}", v.value, r.field.value),
                    help,
                );
            }
        }
        self.set_leaf_ty(&field, root_wire, WireTy::String);
        let message = match &r.message {
            Some(m) => {
                let (read, leaf, _) = self.read(schema, &m.value, m.span, false, root_wire)?;
                self.set_leaf_ty(&read, root_wire, scalar_wire(&leaf.kind));
                if !matches!(leaf.kind, Kind::Str { .. }) {
                    self.err(
                        m.span,
                        format!(
                            "reject.message '{}' is {}, not a string",
                            m.value,
                            leaf.describe()
                        ),
                        "name a string field",
                    );
                    return None;
                }
                Some(read)
            }
            None => None,
        };
        Some(RejectPlan {
            field,
            values: r.values.iter().map(|v| v.value.clone()).collect(),
            message,
        })
    }

    fn error_body(&mut self, schema: SRef<'a>, op_id: &str) -> Option<ErrorBodyPlan> {
        let errors = &self.mapping.errors;
        let v = view(self.spec, schema).ok()?;
        let base = v
            .name
            .map(camel)
            .unwrap_or_else(|| format!("{}Error", camel(op_id)));
        let code = match &errors.code {
            Some(p) => Some(p.clone()),
            None => guess_path(self.spec, &v, "code"),
        };
        let message = match &errors.message {
            Some(p) => Some(p.clone()),
            None => guess_path(self.spec, &v, "message"),
        };
        let read = |planner: &mut Self, p: &Spanned<String>| -> Option<Read> {
            Some(planner.read(schema, &p.value, p.span, true, &base)?.0)
        };
        let code = code.and_then(|p| read(self, &p));
        let message = message.and_then(|p| read(self, &p));
        let wire_type = self
            .wire_ids
            .get(&(false, format!("error:{}", ident_of(&v, &base))))
            .cloned()?;
        Some(ErrorBodyPlan {
            wire_type,
            code,
            message,
        })
    }

    fn error_rules(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        has_error_body: bool,
    ) -> Vec<ErrorRulePlan> {
        let rules: Vec<(&ErrorRule, bool)> = om
            .errors
            .iter()
            .map(|r| (r, true))
            .chain(self.mapping.errors.rules.iter().map(|r| (r, false)))
            .collect();
        let err_name = match &pm.err {
            Ty::Named(n) => n.clone(),
            other => {
                self.err(
                    pm_span(om),
                    format!(
                        "{} returns errors of type {other}, which is not an enum of the port",
                        pm.name
                    ),
                    "use a domain error enum",
                );
                return Vec::new();
            }
        };
        let Some(variants) = self.port.enums.get(&err_name).cloned() else {
            self.err(
                om.method.span,
                format!(
                    "{}'s error type {err_name} is not an enum in the port source",
                    pm.name
                ),
                "declare the error enum next to the trait",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (rule, operation_level) in rules {
            let Some((target, build)) = self.error_target(pm, &err_name, &variants, &rule.target)
            else {
                continue;
            };
            if let ErrorKey::StatusCode(..) = &rule.key.value {
                if !has_error_body {
                    self.err(
                        rule.key.span,
                        format!("{} has no error body with a code to match", om.call.value),
                        "match on the status alone",
                    );
                }
            }
            out.push(ErrorRulePlan {
                key: rule.key.value.clone(),
                target,
                build,
                operation_level,
            });
        }
        out.sort_by_key(|r| {
            let specificity = match r.key {
                ErrorKey::StatusCode(..) => 0,
                ErrorKey::Status(_) => 1,
                ErrorKey::StatusClass(_) => 2,
                ErrorKey::Kind(_) => 3,
                ErrorKey::CatchAll => 4,
            };
            (!r.operation_level, specificity)
        });
        if !out.iter().any(|r| r.key == ErrorKey::CatchAll) {
            self.err(
                om.method.span,
                format!("errors of {} are not all mapped: there is no catch-all", pm.name),
                format!("add `_: {err_name}::<Variant>` under the top-level `errors: {{ map: … }}` or the operation's `errors:`"),
            );
        }
        out
    }

    /// Checks `PaymentError::Declined` against the method's error enum: the rendered path and how it is built.
    fn error_target(
        &mut self,
        pm: &PortMethod,
        err_name: &str,
        variants: &[(String, VariantShape)],
        target: &Spanned<String>,
    ) -> Option<(String, VariantBuild)> {
        let (ty, variant) = match target.value.rsplit_once("::") {
            Some((t, v)) => (t.rsplit("::").next().unwrap_or(t), v),
            None => (err_name, target.value.as_str()),
        };
        if ty != err_name {
            self.err(
                target.span,
                format!(
                    "'{}' is not a variant of {err_name}, the error type of {}",
                    target.value, pm.name
                ),
                format!("write `{err_name}::<Variant>`"),
            );
            return None;
        }
        let Some((_, shape)) = variants.iter().find(|(n, _)| n == variant) else {
            let help = suggest(variant, variants.iter().map(|(n, _)| n.as_str()));
            self.err(
                target.span,
                format!("{err_name} has no variant '{variant}'"),
                help,
            );
            return None;
        };
        let build = match shape {
            VariantShape::Unit => VariantBuild::Unit,
            VariantShape::Tuple(t) if t.len() == 1 && t[0] == Ty::Named("String".into()) => {
                VariantBuild::Message
            }
            _ => {
                self.err(
                    target.span,
                    format!("{err_name}::{variant} must be a unit variant or carry one String"),
                    "the String receives the error's message",
                );
                return None;
            }
        };
        Some((format!("{}::{variant}", self.domain(err_name)), build))
    }

    /// A port method the vendor cannot serve.
    fn unsupported(
        &mut self,
        u: &crate::load::mapping::Unsupported,
        pm: &PortMethod,
    ) -> Option<UnsupportedPlan> {
        let Ty::Named(err_name) = &pm.err else {
            self.err(
                u.method.span,
                format!(
                    "{}'s error type {} is not an enum of the port",
                    pm.name, pm.err
                ),
                "use a domain error enum",
            );
            return None;
        };
        let Some(variants) = self.port.enums.get(err_name).cloned() else {
            self.err(
                u.method.span,
                format!(
                    "{}'s error type {err_name} is not an enum in the port source",
                    pm.name
                ),
                "declare the error enum next to the trait",
            );
            return None;
        };
        let (target, build) = self.error_target(pm, err_name, &variants, &u.error)?;
        Some(UnsupportedPlan {
            method: pm.name.clone(),
            style: pm.style,
            args: pm
                .args
                .iter()
                .map(|(n, t)| (n.clone(), t.render(self.port, &self.module)))
                .collect(),
            ok_type: pm.ok.render(self.port, &self.module),
            err_type: pm.err.render(self.port, &self.module),
            target,
            build,
        })
    }

    // ---------- reading vendor values ----------

    /// Walks `a.b.c` from `root`, adding the fields to wire structs. Returns the read and the leaf's view.
    fn read(
        &mut self,
        root: SRef<'a>,
        path: &str,
        span: Span,
        tolerant: bool,
        base: &str,
    ) -> Option<(Read, View<'a>, SRef<'a>)> {
        let mut cur = root;
        let mut cur_view = match view(self.spec, root) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, e, "fix the spec");
                return None;
            }
        };
        let mut cur_type = self.wire_struct(&cur_view, base, tolerant);
        let mut steps = Vec::new();
        let mut where_ = cur_view.name.unwrap_or(base).to_string();
        let owned = crate::load::mapping::split_path(path);
        let segs: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut skip_next = false;
        for (i, seg) in segs.iter().enumerate() {
            if skip_next {
                skip_next = false;
                continue;
            }
            if seg.parse::<usize>().is_ok() {
                self.err(span, format!("'{path}' indexes something that is not a list of objects, or ends in an index"), "index only lists of objects, then name a field: `errors.0.code`");
                return None;
            }
            if let Kind::Union(_) = &cur_view.kind {
                self.err(span, format!("{where_} is a union (anyOf/oneOf) at the top level, which is not supported yet"), "map an operation whose response is an object");
                return None;
            }
            let Kind::Object {
                props,
                required,
                additional,
            } = &cur_view.kind
            else {
                self.err(
                    span,
                    format!(
                        "'{}' goes into {where_}, which is {} and has no fields",
                        segs[..=i].join("."),
                        cur_view.describe()
                    ),
                    "stop the path at the value itself",
                );
                return None;
            };
            let (child, is_req) = match props.iter().find(|(n, _)| n == seg) {
                Some((_, s)) => (*s, required.contains(seg)),
                None => match additional {
                    Some(a) => (*a, false),
                    None => {
                        let help = suggest(seg, props.iter().map(|(n, _)| *n));
                        self.err(span, format!("unknown field '{seg}' in {where_}"), help);
                        return None;
                    }
                },
            };
            let child_view = match view(self.spec, child) {
                Ok(v) => v,
                Err(e) => {
                    self.err(span, format!("{where_}.{seg}: {e}"), "fix the spec");
                    return None;
                }
            };
            let optional = tolerant || !is_req || child_view.nullable;
            let parent = cur_type.clone().unwrap_or_default();
            let rust = self.add_field(&parent, seg, optional);
            steps.push(Step {
                field: rust,
                optional,
                pick: None,
                boxed: false,
                index: None,
            });
            let last = i + 1 == segs.len();
            where_ = format!("{where_}.{seg}");
            cur = child;
            cur_view = child_view;
            if !last {
                // Descending: the field's type is a struct (or a union picked below).
                let child_name = format!("{parent}{}", camel(seg));
                match &cur_view.kind {
                    Kind::Union(parts) => {
                        let next = segs[i + 1];
                        let obj = parts.iter().find_map(|p| {
                            let pv = view(self.spec, *p).ok()?;
                            match &pv.kind {
                                Kind::Object { props, .. }
                                    if props.iter().any(|(n, _)| *n == next) =>
                                {
                                    Some(pv)
                                }
                                _ => None,
                            }
                        });
                        let Some(pv) = obj else {
                            self.err(
                                span,
                                format!("no variant of {where_} has a field '{next}'"),
                                "check the vendor schema",
                            );
                            return None;
                        };
                        let union_name = self.namer_for(&child_name, "union", &cur_view);
                        let variant_type = self
                            .wire_struct(&pv, &format!("{child_name}Object"), tolerant)
                            .unwrap_or_default();
                        self.wire
                            .entry(union_name.clone())
                            .or_insert_with(|| WireType {
                                name: union_name.clone(),
                                origin: where_.clone(),
                                serialize: false,
                                kind: WireKind::Union {
                                    variant: ("Object".into(), WireTy::Boxed(variant_type.clone())),
                                },
                            });
                        self.set_field_ty(&parent, seg, WireTy::Named(union_name.clone()));
                        if let Some(s) = steps.last_mut() {
                            s.pick = Some((union_name, "Object".into()));
                            s.boxed = true;
                        }
                        cur_view = pv;
                        cur_type = Some(variant_type);
                    }
                    Kind::Object { .. } => {
                        let t = self.wire_struct(&cur_view, &child_name, tolerant);
                        if let Some(t) = &t {
                            self.set_field_ty(&parent, seg, WireTy::Named(t.clone()));
                        }
                        cur_type = t;
                    }
                    Kind::Array(Some(item))
                        if i + 2 < segs.len() && segs[i + 1].parse::<usize>().is_ok() =>
                    {
                        // `errors.0.code`: the first item of a list of objects.
                        let index = segs[i + 1].parse::<usize>().unwrap_or(0);
                        let item_view = match view(self.spec, *item) {
                            Ok(
                                v @ View {
                                    kind: Kind::Object { .. },
                                    ..
                                },
                            ) => v,
                            _ => {
                                self.err(
                                    span,
                                    format!("the items of {where_} are not objects"),
                                    "index only lists of objects",
                                );
                                return None;
                            }
                        };
                        let t =
                            self.wire_struct(&item_view, &format!("{child_name}Item"), tolerant);
                        if let Some(t) = &t {
                            self.set_field_ty(
                                &parent,
                                seg,
                                WireTy::Vec(Box::new(WireTy::Named(t.clone()))),
                            );
                        }
                        steps.push(Step {
                            field: String::new(),
                            optional: true,
                            pick: None,
                            boxed: false,
                            index: Some(index),
                        });
                        where_ = format!("{where_}.{index}");
                        cur_view = item_view;
                        cur_type = t;
                        skip_next = true;
                    }
                    _ => {
                        self.err(
                            span,
                            format!(
                                "'{}' is {} and has no field '{}'",
                                where_,
                                cur_view.describe(),
                                segs[i + 1]
                            ),
                            "stop the path here",
                        );
                        return None;
                    }
                }
            }
        }
        let _ = cur;
        Some((
            Read {
                steps,
                json_path: format!("$.{path}"),
            },
            cur_view,
            cur,
        ))
    }

    fn namer_for(&mut self, base: &str, kind: &str, v: &View<'_>) -> String {
        let id = (false, format!("{kind}:{base}:{}", v.name.unwrap_or("")));
        if let Some(n) = self.wire_ids.get(&id) {
            return n.clone();
        }
        let n = self.namer.claim(&camel(base));
        self.wire_ids.insert(id, n.clone());
        n
    }

    /// The response-side wire struct for an object view (created empty on first use).
    fn wire_struct(&mut self, v: &View<'_>, base: &str, tolerant: bool) -> Option<String> {
        let prefix = if tolerant { "error:" } else { "" };
        let id = (false, format!("{prefix}{}", ident_of(v, base)));
        if let Some(n) = self.wire_ids.get(&id) {
            return Some(n.clone());
        }
        let name = self.namer.claim(&camel(v.name.unwrap_or(base)));
        self.wire_ids.insert(id, name.clone());
        self.wire.insert(
            name.clone(),
            WireType {
                name: name.clone(),
                origin: origin_of(v, base),
                serialize: false,
                kind: WireKind::Struct(Vec::new()),
            },
        );
        Some(name)
    }

    fn add_field(&mut self, wire_type: &str, wire_name: &str, optional: bool) -> String {
        let Some(WireType {
            kind: WireKind::Struct(fields),
            ..
        }) = self.wire.get_mut(wire_type)
        else {
            return snake(wire_name);
        };
        if let Some(f) = fields.iter_mut().find(|f| f.wire_name == wire_name) {
            f.optional |= optional;
            return f.rust_name.clone();
        }
        let mut names = Namer::default();
        for f in fields.iter() {
            names.claim(&f.rust_name);
        }
        let rust = names.claim(&snake(wire_name));
        fields.push(WireField {
            rust_name: rust.clone(),
            wire_name: wire_name.to_string(),
            ty: WireTy::Json,
            optional,
        });
        rust
    }

    fn set_field_ty(&mut self, wire_type: &str, wire_name: &str, ty: WireTy) {
        if let Some(WireType {
            kind: WireKind::Struct(fields),
            ..
        }) = self.wire.get_mut(wire_type)
        {
            if let Some(f) = fields.iter_mut().find(|f| f.wire_name == wire_name) {
                if f.ty == WireTy::Json || f.ty == ty {
                    f.ty = ty;
                }
            }
        }
    }

    /// A converter from the wire type of `schema` to domain type `ty`.
    fn converter_for(
        &mut self,
        ty: &Ty,
        schema: SRef<'a>,
        what: &str,
        span: Span,
    ) -> Option<(String, String)> {
        let Ty::Named(tname) = ty.without_refs() else {
            self.err(span, format!("{what}: the port returns {ty}; only a domain struct can be built from a response"), "return a struct of the port");
            return None;
        };
        let v = match view(self.spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, format!("{what}: {e}"), "fix the spec");
                return None;
            }
        };
        let wire = self.wire_struct(
            &v,
            &format!("{}Response", camel(what.split(' ').next().unwrap_or(what))),
            false,
        )?;
        let conv = self.converter(tname, &v, schema, &wire, span)?;
        Some((wire, conv))
    }

    fn converter(
        &mut self,
        tname: &str,
        v: &View<'a>,
        schema: SRef<'a>,
        wire: &str,
        span: Span,
    ) -> Option<String> {
        let key = (tname.to_string(), wire.to_string());
        if let Some(n) = self.conv_ids.get(&key) {
            return Some(n.clone());
        }
        let Some(tm) = self.mapping.types.iter().find(|t| t.name.value == tname) else {
            self.err(
                span,
                format!(
                    "there is no `types: {tname}:` entry to build {tname} from the vendor response"
                ),
                format!("add `types: {{ {tname}: {{ fields: {{ … }} }} }}`"),
            );
            return None;
        };
        let Some(DomainStruct::Named(fields)) = self.port.structs.get(tname).cloned() else {
            self.err(
                tm.name.span,
                format!("{tname} is not a struct with named fields"),
                "map a struct with named fields",
            );
            return None;
        };
        if let Some(from) = &tm.from {
            if v.name != Some(from.value.as_str()) {
                self.err(
                    from.span,
                    format!(
                        "{tname} is built from {}, not '{}'",
                        v.name.unwrap_or("an inline schema"),
                        from.value
                    ),
                    format!("write `from: {}`", v.name.unwrap_or("…")),
                );
            }
        }
        // Composed from two names, so neither may keep its own `r#`.
        let name = format!(
            "{}_from_{}",
            snake(tname).trim_start_matches("r#"),
            snake(wire).trim_start_matches("r#")
        );
        self.conv_ids.insert(key, name.clone());
        let mut convs = Vec::new();
        for fm in &tm.fields {
            if !fields.iter().any(|f| f.name == fm.name.value) {
                let help = suggest(&fm.name.value, fields.iter().map(|f| f.name.as_str()));
                self.err(
                    fm.name.span,
                    format!("{tname} has no field '{}'", fm.name.value),
                    help,
                );
            }
        }
        for f in &fields {
            let marked = self.marks.get(tname).and_then(|m| m.get(&f.name)).copied();
            let entry = tm.fields.iter().find(|m| m.name.value == f.name);
            match (entry, marked) {
                (Some(fm), _) if fm.mark => {
                    match mark_kind(&f.ty) {
                        Some(k) => convs.push(FieldConv {
                            field: f.name.clone(),
                            value: ConvValue::Fresh(k),
                        }),
                        None => self.err(
                            fm.name.span,
                            format!(
                                "mark field '{}' of {tname} is {}, which cannot say an answer is degraded",
                                f.name, f.ty
                            ),
                            "make it `bool`, `Option<String>` or `Option<std::time::Duration>`, or map it from a vendor field",
                        ),
                    }
                    continue;
                }
                (Some(fm), Some(_)) => {
                    self.err(
                        fm.name.span,
                        format!(
                            "field '{}' of {tname} is a fallback's mark: the adapter fills it, so it reads no vendor field",
                            f.name
                        ),
                        "remove this line (or write `{ mark: true }`)",
                    );
                    continue;
                }
                (None, Some(k)) => {
                    convs.push(FieldConv {
                        field: f.name.clone(),
                        value: ConvValue::Fresh(k),
                    });
                    continue;
                }
                _ => {}
            }
            let Some(fm) = entry else {
                self.err(
                    tm.name.span,
                    format!("field '{}' of {tname} is not produced", f.name),
                    format!(
                        "add `{}: <vendor field>` under `types: {tname}: fields:`",
                        f.name
                    ),
                );
                continue;
            };
            if let Some(c) = self.field(tm, fm, &f.ty, schema, wire) {
                convs.push(FieldConv {
                    field: f.name.clone(),
                    value: c,
                });
            }
        }
        self.converters.insert(
            name.clone(),
            Converter {
                name: name.clone(),
                domain_type: self.domain(tname),
                wire_type: wire.to_string(),
                fields: convs,
            },
        );
        Some(name)
    }

    fn field(
        &mut self,
        tm: &TypeMap,
        fm: &FieldMap,
        ty: &Ty,
        schema: SRef<'a>,
        wire: &str,
    ) -> Option<ConvValue> {
        if let Some(via) = &fm.via {
            if !self.check_path(via) {
                return None;
            }
            let mut reads = Vec::new();
            for p in &fm.from {
                let (read, leaf_view, _) = self.read(schema, &p.value, p.span, false, wire)?;
                let wt = match &leaf_view.kind {
                    Kind::Array(Some(item)) => WireTy::Vec(Box::new(
                        view(self.spec, *item)
                            .map(|v| scalar_wire(&v.kind))
                            .unwrap_or(WireTy::Json),
                    )),
                    k => scalar_wire(k),
                };
                self.set_leaf_ty(&read, wire, wt);
                reads.push(read);
            }
            let json_path = reads
                .first()
                .map(|r| r.json_path.clone())
                .unwrap_or_default();
            return Some(ConvValue::Via {
                function: via.value.clone(),
                reads,
                json_path,
                required: fm.required,
            });
        }
        if fm.from.len() != 1 {
            self.err(
                fm.name.span,
                format!(
                    "field '{}' reads {} vendor fields but has no `via:` to combine them",
                    fm.name.value,
                    fm.from.len()
                ),
                "add `via: path::to::function`",
            );
            return None;
        }
        let p = &fm.from[0];
        let (read, leaf_view, leaf_ref) = self.read(schema, &p.value, p.span, false, wire)?;
        let (domain_optional, inner_ty) = match ty.without_refs() {
            Ty::Option(inner) => (true, inner.without_refs().clone()),
            t => (false, t.clone()),
        };
        let what = format!("{}.{}", tm.name.value, fm.name.value);
        let (leaf, wt) = self.leaf(&inner_ty, &leaf_view, leaf_ref, fm, &what, wire)?;
        let mut read = read;
        if let WireTy::Named(u) = &wt {
            if let Some(WireType {
                kind:
                    WireKind::Union {
                        variant: (v, WireTy::String),
                    },
                ..
            }) = self.wire.get(u)
            {
                if let Some(last) = read.steps.last_mut() {
                    last.pick = Some((u.clone(), v.clone()));
                }
            }
        }
        self.set_leaf_ty(&read, wire, wt);
        let absent = read.may_be_absent();
        let missing = if domain_optional {
            Missing::None
        } else if let Some(d) = &fm.default {
            match default_expr(&inner_ty, &d.value, &leaf) {
                Some(e) => Missing::Default(e),
                None => {
                    self.err(
                        d.span,
                        format!(
                            "default {} does not fit {what}, which is {inner_ty}",
                            d.value
                        ),
                        "give a value of the domain field's type",
                    );
                    return None;
                }
            }
        } else if fm.required || !absent {
            Missing::Error
        } else {
            self.err(
                p.span,
                format!("'{}' may be absent or null in the vendor's response, but {what} is required", p.value),
                "make the domain field an Option, add `default: …`, or add `required: true` to fail the call when it is absent",
            );
            return None;
        };
        let leaf = if domain_optional {
            Leaf::Some(Box::new(leaf))
        } else {
            leaf
        };
        Some(ConvValue::Read {
            read,
            leaf,
            missing,
        })
    }

    /// The leaf field's wire type is set once its conversion is known.
    fn set_leaf_ty(&mut self, read: &Read, root_wire: &str, ty: WireTy) {
        // Follow the steps through the wire structs to the parent of the leaf.
        let mut cur = root_wire.to_string();
        for (i, s) in read.steps.iter().enumerate() {
            if s.index.is_some() {
                continue;
            }
            if i + 1 == read.steps.len() {
                self.set_field_ty(&cur, &self.wire_name_of(&cur, &s.field), ty);
                return;
            }
            let next = match self.wire.get(&cur) {
                Some(WireType {
                    kind: WireKind::Struct(fields),
                    ..
                }) => fields
                    .iter()
                    .find(|f| f.rust_name == s.field)
                    .map(|f| f.ty.clone()),
                _ => None,
            };
            cur = match (next, &s.pick) {
                (_, Some((union, _))) => match self.wire.get(union) {
                    Some(WireType {
                        kind:
                            WireKind::Union {
                                variant: (_, WireTy::Boxed(t)),
                            },
                        ..
                    }) => t.clone(),
                    _ => return,
                },
                (Some(WireTy::Named(t)), None) | (Some(WireTy::Boxed(t)), None) => t,
                (Some(WireTy::Vec(inner)), None) => match *inner {
                    WireTy::Named(t) | WireTy::Boxed(t) => t,
                    _ => return,
                },
                _ => return,
            };
        }
    }

    fn wire_name_of(&self, wire_type: &str, rust: &str) -> String {
        match self.wire.get(wire_type) {
            Some(WireType {
                kind: WireKind::Struct(fields),
                ..
            }) => fields
                .iter()
                .find(|f| f.rust_name == rust)
                .map(|f| f.wire_name.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn leaf(
        &mut self,
        ty: &Ty,
        v: &View<'a>,
        r: SRef<'a>,
        fm: &FieldMap,
        what: &str,
        wire: &str,
    ) -> Option<(Leaf, WireTy)> {
        let span = fm.from.first().map(|f| f.span).unwrap_or(fm.name.span);
        if let Some(values) = &fm.values {
            return self.enum_leaf(ty, v, values, what, span);
        }
        match ty {
            Ty::Named(n) => {
                if let Some(DomainStruct::Newtype(inner)) = self.port.structs.get(n).cloned() {
                    let (l, w) = self.leaf(inner.without_refs(), v, r, fm, what, wire)?;
                    return Some((Leaf::Newtype(self.domain(n), Box::new(l)), w));
                }
                if let Some(DomainStruct::Named(_)) = self.port.structs.get(n) {
                    let Kind::Object { .. } = &v.kind else {
                        self.err(
                            span,
                            format!(
                                "{what} is the struct {n}, but the vendor field is {}",
                                v.describe()
                            ),
                            "map a vendor object, or convert with `via:`",
                        );
                        return None;
                    };
                    let base = format!(
                        "{}{}",
                        camel(wire),
                        camel(fm.from[0].value.rsplit('.').next().unwrap_or(""))
                    );
                    let sub = self.wire_struct(v, &base, false)?;
                    let conv = self.converter(n, v, r, &sub, span)?;
                    return Some((Leaf::Nested(conv), WireTy::Named(sub)));
                }
                if self.port.enums.contains_key(n) {
                    self.err(
                        span,
                        format!(
                            "{what} is the enum {n}; say how vendor values map to its variants"
                        ),
                        "add `values: { vendor_value: Variant, _: CatchAll }`",
                    );
                    return None;
                }
                let fits = match (n.as_str(), &v.kind) {
                    ("String", Kind::Str { .. }) => Some((Leaf::Same, WireTy::String)),
                    ("i64", Kind::Int) => Some((Leaf::Same, WireTy::I64)),
                    ("i8" | "i16" | "i32" | "u8" | "u16" | "u32" | "u64" | "usize", Kind::Int) => {
                        Some((Leaf::Narrow(n.clone()), WireTy::I64))
                    }
                    ("f64", Kind::Num | Kind::Int) => Some((Leaf::Same, WireTy::F64)),
                    ("bool", Kind::Bool) => Some((Leaf::Same, WireTy::Bool)),
                    ("String", Kind::Union(parts)) => {
                        // An id-or-object field (Stripe's expandable fields): read the string form.
                        let has_string = parts.iter().any(|p| {
                            matches!(view(self.spec, *p).map(|v| v.kind), Ok(Kind::Str { .. }))
                        });
                        if has_string {
                            let union = self.namer_for(
                                &format!(
                                    "{}{}",
                                    camel(wire),
                                    camel(fm.from[0].value.rsplit('.').next().unwrap_or(""))
                                ),
                                "union-str",
                                v,
                            );
                            self.wire.entry(union.clone()).or_insert_with(|| WireType {
                                name: union.clone(),
                                origin: fm.from[0].value.clone(),
                                serialize: false,
                                kind: WireKind::Union {
                                    variant: ("Id".into(), WireTy::String),
                                },
                            });
                            Some((Leaf::Same, WireTy::Named(union)))
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                match fits {
                    Some(f) => Some(f),
                    None => {
                        self.err(
                            span,
                            format!("{what} is {n}, but the vendor field is {}", v.describe()),
                            "convert it with `via: path::to::function`",
                        );
                        None
                    }
                }
            }
            Ty::Vec(inner) => {
                let Kind::Array(Some(item)) = &v.kind else {
                    self.err(
                        span,
                        format!("{what} is a Vec, but the vendor field is {}", v.describe()),
                        "map a vendor array",
                    );
                    return None;
                };
                let iv = view(self.spec, *item).ok()?;
                let (l, w) = self.leaf(inner.without_refs(), &iv, *item, fm, what, wire)?;
                Some((Leaf::Each(Box::new(l)), WireTy::Vec(Box::new(w))))
            }
            other => {
                self.err(
                    span,
                    format!("{what} has type {other}, which a mapping cannot build directly"),
                    "convert it with `via: path::to::function`",
                );
                None
            }
        }
    }

    fn enum_leaf(
        &mut self,
        ty: &Ty,
        v: &View<'a>,
        values: &[(Spanned<String>, Spanned<String>)],
        what: &str,
        span: Span,
    ) -> Option<(Leaf, WireTy)> {
        let Ty::Named(n) = ty else {
            self.err(
                span,
                format!("{what} has `values:` but its type {ty} is not an enum"),
                "remove `values:` or use an enum",
            );
            return None;
        };
        let Some(variants) = self.port.enums.get(n).cloned() else {
            self.err(
                span,
                format!("{what} has `values:` but {n} is not an enum of the port"),
                "remove `values:` or use an enum",
            );
            return None;
        };
        let Kind::Str {
            values: wire_values,
        } = &v.kind
        else {
            self.err(
                span,
                format!(
                    "{what} maps values, but the vendor field is {}",
                    v.describe()
                ),
                "map a string field",
            );
            return None;
        };
        let mut arms = Vec::new();
        let mut catch_all = None;
        let mut ok = true;
        for (wire_value, variant) in values {
            let Some((_, shape)) = variants.iter().find(|(vn, _)| *vn == variant.value) else {
                let help = suggest(&variant.value, variants.iter().map(|(vn, _)| vn.as_str()));
                self.err(
                    variant.span,
                    format!("{n} has no variant '{}'", variant.value),
                    help,
                );
                ok = false;
                continue;
            };
            if wire_value.value == "_" {
                match shape {
                    VariantShape::Unit => catch_all = Some((variant.value.clone(), false)),
                    VariantShape::Tuple(t)
                        if t.len() == 1 && t[0] == Ty::Named("String".into()) =>
                    {
                        catch_all = Some((variant.value.clone(), true))
                    }
                    _ => {
                        self.err(
                            variant.span,
                            format!(
                                "the catch-all {n}::{} must be a unit variant or carry one String",
                                variant.value
                            ),
                            "declare it as `Unknown(String)` to keep the vendor's value",
                        );
                        ok = false;
                    }
                }
                continue;
            }
            if !wire_values.is_empty() && !wire_values.contains(&wire_value.value) {
                let help = suggest(&wire_value.value, wire_values.iter().map(String::as_str));
                self.err(
                    wire_value.span,
                    format!(
                        "'{}' is not a value the vendor sends for {what}",
                        wire_value.value
                    ),
                    help,
                );
                ok = false;
                continue;
            }
            if shape != &VariantShape::Unit {
                self.err(
                    variant.span,
                    format!(
                        "{n}::{} carries data; only the catch-all may",
                        variant.value
                    ),
                    "map the vendor value to a unit variant",
                );
                ok = false;
                continue;
            }
            arms.push((wire_value.value.clone(), variant.value.clone()));
        }
        if catch_all.is_none() {
            let unmapped: Vec<&str> = wire_values
                .iter()
                .filter(|w| !arms.iter().any(|(a, _)| a == *w))
                .map(String::as_str)
                .collect();
            if wire_values.is_empty() || !unmapped.is_empty() {
                let list = if unmapped.is_empty() {
                    "any value".to_string()
                } else {
                    unmapped.join(", ")
                };
                self.err(
                    span,
                    format!(
                        "{what}: vendor values {list} are not mapped and there is no catch-all"
                    ),
                    "add `_: Unknown` so a new vendor value does not fail the call",
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some((
            Leaf::Enum {
                domain_enum: self.domain(n),
                arms,
                catch_all,
            },
            WireTy::String,
        ))
    }

    /// Boxes by-value wire fields that close a cycle, so every type has a finite size.
    fn box_cycles(&mut self) {
        let names: Vec<String> = self.wire.keys().cloned().collect();
        for name in names {
            let targets: Vec<(String, String)> = match self.wire.get(&name) {
                Some(WireType {
                    kind: WireKind::Struct(fields),
                    ..
                }) => fields
                    .iter()
                    .filter_map(|f| match &f.ty {
                        WireTy::Named(t) => Some((f.rust_name.clone(), t.clone())),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (field, target) in targets {
                if self.reaches(&target, &name, &mut BTreeSet::new()) {
                    if let Some(WireType {
                        kind: WireKind::Struct(fields),
                        ..
                    }) = self.wire.get_mut(&name)
                    {
                        if let Some(f) = fields.iter_mut().find(|f| f.rust_name == field) {
                            f.ty = WireTy::Boxed(target.clone());
                        }
                    }
                }
            }
        }
    }

    fn reaches(&self, from: &str, to: &str, seen: &mut BTreeSet<String>) -> bool {
        if from == to {
            return true;
        }
        if !seen.insert(from.to_string()) {
            return false;
        }
        match self.wire.get(from) {
            Some(WireType {
                kind: WireKind::Struct(fields),
                ..
            }) => fields.iter().any(|f| match &f.ty {
                WireTy::Named(t) => self.reaches(t, to, seen),
                _ => false,
            }),
            _ => false,
        }
    }
}

/// Where a wire type comes from, for its doc comment.
fn origin_of(v: &View<'_>, fallback: &str) -> String {
    v.name
        .map(|n| format!("#/components/schemas/{n}"))
        .unwrap_or_else(|| fallback.to_string())
}

/// The kind of mark a domain field of this type can be.
fn mark_kind(ty: &Ty) -> Option<MarkKind> {
    match ty {
        Ty::Named(n) if n == "bool" => Some(MarkKind::Flag),
        Ty::Option(inner) => match inner.as_ref() {
            Ty::Named(n) if n == "String" => Some(MarkKind::Reason),
            Ty::Named(n) if n == "Duration" => Some(MarkKind::Age),
            _ => None,
        },
        _ => None,
    }
}

/// The first success response the mapping builds from, with its JSON schema.
fn success_schema<'a>(
    om: &OperationMap,
    op: &'a openapiv3::Operation,
    spec: &'a Spec,
) -> Option<(u16, &'a ReferenceOr<openapiv3::Schema>)> {
    responses::successes(op)
        .into_iter()
        .find_map(|(status, resp)| {
            let code = match status {
                Status::Code(c) => c,
                Status::Range(_) => 200,
            };
            if let Some(list) = &om.status {
                if !list.iter().any(|s| s.value == code) {
                    return None;
                }
            }
            let resp = spec.resolve_response(resp).ok()?;
            let schema = responses::json_schema(resp)?;
            Some((code, schema))
        })
}

fn pm_span(om: &OperationMap) -> Span {
    om.method.span
}

fn ident_of(v: &View<'_>, base: &str) -> String {
    match v.name {
        Some(n) => format!("schema:{n}"),
        None => format!("inline:{base}"),
    }
}

fn scalar_wire(k: &Kind<'_>) -> WireTy {
    match k {
        Kind::Str { .. } => WireTy::String,
        Kind::Int => WireTy::I64,
        Kind::Num => WireTy::F64,
        Kind::Bool => WireTy::Bool,
        _ => WireTy::Json,
    }
}

/// `code` at the top level, or under a top-level `error` object.
fn guess_path(spec: &Spec, v: &View<'_>, field: &str) -> Option<Spanned<String>> {
    let Kind::Object { props, .. } = &v.kind else {
        return None;
    };
    if props.iter().any(|(n, _)| *n == field) {
        return Some(Spanned {
            value: field.to_string(),
            span: Span::default(),
        });
    }
    for (n, s) in props {
        if *n == "error" || *n == "errors" {
            if let Ok(inner) = view(spec, *s) {
                if let Kind::Object { props, .. } = &inner.kind {
                    if props.iter().any(|(p, _)| *p == field) {
                        return Some(Spanned {
                            value: format!("{n}.{field}"),
                            span: Span::default(),
                        });
                    }
                }
            }
        }
    }
    None
}

fn default_expr(ty: &Ty, value: &serde_json::Value, leaf: &Leaf) -> Option<String> {
    if let (Ty::Vec(_), serde_json::Value::Array(items)) = (ty, value) {
        return items
            .is_empty()
            .then(|| "::std::vec::Vec::new()".to_string());
    }
    let Ty::Named(n) = ty else { return None };
    let lit = match (n.as_str(), value) {
        ("String", serde_json::Value::String(s)) => format!("{s:?}.to_string()"),
        ("bool", serde_json::Value::Bool(b)) => b.to_string(),
        (
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize",
            serde_json::Value::Number(x),
        ) if x.is_i64() || x.is_u64() => {
            format!("{x}_{n}")
        }
        ("f64", serde_json::Value::Number(x)) => format!("{:?}_f64", x.as_f64()?),
        _ => match (leaf, value) {
            (Leaf::Enum { domain_enum, .. }, serde_json::Value::String(variant)) => {
                format!("{domain_enum}::{variant}")
            }
            _ => return None,
        },
    };
    Some(lit)
}

#[derive(Debug, Clone)]
enum Entry {
    Value(Spanned<String>, ValueSpec),
    Key(Spanned<String>),
}

#[derive(Debug, Clone, Default)]
struct PathTree {
    entry: Option<Entry>,
    children: BTreeMap<String, PathTree>,
}

impl PathTree {
    fn insert(&mut self, path: &str, entry: Entry) {
        let mut cur = self;
        for seg in crate::load::mapping::split_path(path) {
            cur = cur.children.entry(seg).or_default();
        }
        cur.entry = Some(entry);
    }

    fn span(&self) -> Option<Span> {
        match &self.entry {
            Some(Entry::Value(k, _)) | Some(Entry::Key(k)) => Some(k.span),
            None => self.children.values().find_map(PathTree::span),
        }
    }
}

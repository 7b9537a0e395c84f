//! How calls authenticate: the mapping's `auth:` against the spec's security schemes,
//! and which operations the spec sends without credentials.

use super::planner::Planner;
use crate::error::suggest;
use crate::load::mapping::{Auth, OperationMap, SecretRef};
use openapiv3::ReferenceOr;

/// How calls authenticate.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthPlan {
    /// No authentication.
    None,
    /// `Authorization: Bearer <secret>`.
    Bearer(Secret),
    /// `Authorization: Basic`, user name and optional password.
    Basic(Secret, Option<Secret>),
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// `header`, `query` or `cookie`.
        location: String,
        /// The header, parameter or cookie name.
        name: String,
        /// The key.
        secret: Secret,
        /// Sent before the key, as written (`"token "`); empty for none.
        prefix: String,
    },
    /// A bearer token from an OAuth2 client-credentials flow, fetched and refreshed by
    /// the runtime.
    OAuth2ClientCredentials {
        /// The token endpoint (the spec's, or the mapping's override).
        token_url: String,
        /// The client id.
        client_id: Secret,
        /// The client secret.
        client_secret: Secret,
        /// Scopes asked for, sorted.
        scopes: Vec<String>,
    },
    /// Several bearer, basic or API-key credentials sent together (`auth.also`), for
    /// a security requirement that lists schemes together; the main one first.
    All(Vec<AuthPlan>),
}

impl AuthPlan {
    /// The single credentials this plan sends: itself, or the parts of `All`.
    pub fn parts(&self) -> &[AuthPlan] {
        match self {
            AuthPlan::All(parts) => parts,
            one => std::slice::from_ref(one),
        }
    }
}

/// Where a secret comes from; the runtime reads it, the generated code only names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// An environment variable.
    Env(String),
    /// A file, re-read when it changes.
    File(String),
}

impl From<&SecretRef> for Secret {
    fn from(s: &SecretRef) -> Self {
        match s {
            SecretRef::Env(v) => Secret::Env(v.value.clone()),
            SecretRef::File(v) => Secret::File(v.value.clone()),
        }
    }
}

/// Where a plain credential goes on the wire: (`header`/`query`/`cookie`, lower-cased
/// name); `None` for none or a fetched token.
fn place(plan: &AuthPlan) -> Option<(String, String)> {
    match plan {
        AuthPlan::ApiKey { location, name, .. } => {
            Some((location.clone(), name.to_ascii_lowercase()))
        }
        AuthPlan::Bearer(_) | AuthPlan::Basic(..) => {
            Some(("header".to_string(), "authorization".to_string()))
        }
        _ => None,
    }
}

impl<'a> Planner<'a> {
    pub(super) fn auth(&mut self) -> AuthPlan {
        let Some(auth) = &self.mapping.auth else {
            return AuthPlan::None;
        };
        let main = self.one_auth(auth);
        if auth.also.is_empty() {
            return main;
        }
        if let AuthPlan::OAuth2ClientCredentials { .. } = main {
            self.err(
                auth.span,
                "auth.also cannot go with a client-credentials flow: the runtime sends the token it fetches alone",
                "send the other schemes' values as `headers:` from settings, or give `secret:` with a token issued out of band",
            );
            return main;
        }
        // Two parts in one place would overwrite each other on the wire.
        let mut places: Vec<(String, String)> = place(&main).into_iter().collect();
        let mut parts = vec![main];
        for extra in &auth.also {
            match self.one_auth(extra) {
                AuthPlan::None => {}
                AuthPlan::OAuth2ClientCredentials { .. } => self.err(
                    extra.span,
                    "auth.also takes bearer, basic and API-key schemes; this one fetches OAuth2 tokens",
                    "give it `secret:` with a token issued out of band, or make it the main `auth:`",
                ),
                plan => {
                    if let Some(at) = place(&plan) {
                        if places.contains(&at) {
                            self.err(
                                extra.span,
                                format!(
                                    "auth.also: two schemes send their secret in the {} {}",
                                    at.0, at.1
                                ),
                                "keep one of them: a request carries one value there",
                            );
                        }
                        places.push(at);
                    }
                    parts.push(plan);
                }
            }
        }
        AuthPlan::All(parts)
    }

    /// One `auth:` entry (the main one or one of `also`) against the spec's schemes.
    fn one_auth(&mut self, auth: &Auth) -> AuthPlan {
        let Some(scheme_name) = &auth.scheme else {
            return self.declared_auth(auth);
        };
        for (key, v) in [("in", &auth.location), ("name", &auth.name)] {
            if let Some(v) = v {
                self.err(
                    v.span,
                    format!("auth.{key} belongs to a scheme the mapping declares (`type: api_key`); '{}' is the spec's", scheme_name.value),
                    "remove it: the spec's scheme says where the key goes",
                );
            }
        }
        let schemes = self
            .spec
            .api
            .components
            .as_ref()
            .map(|c| c.security_schemes.clone())
            .unwrap_or_default();
        let Some(scheme) = schemes.get(&scheme_name.value) else {
            let help = if schemes.is_empty() {
                "the spec declares no security scheme: declare one in the mapping with `type: bearer`, `type: basic` or `type: api_key` instead of `scheme:`".to_string()
            } else {
                suggest(&scheme_name.value, schemes.keys().map(String::as_str))
            };
            self.err(
                scheme_name.span,
                format!("security scheme '{}' is not in the spec", scheme_name.value),
                help,
            );
            return AuthPlan::None;
        };
        let ReferenceOr::Item(scheme) = scheme else {
            self.err(
                scheme_name.span,
                "the security scheme is a $ref",
                "inline it in the spec",
            );
            return AuthPlan::None;
        };
        use openapiv3::SecurityScheme;
        if let (Some(p), false) = (
            &auth.prefix,
            matches!(scheme, SecurityScheme::APIKey { .. }),
        ) {
            self.err(
                p.span,
                format!(
                    "auth.prefix applies to an API key; '{}' is not an apiKey scheme",
                    scheme_name.value
                ),
                "remove `prefix:`",
            );
        }
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
                AuthPlan::Basic(secret, auth.password.as_ref().map(Secret::from))
            }
            SecurityScheme::APIKey { location, name, .. } => AuthPlan::ApiKey {
                location: crate::load::openapi::key_location(location).to_string(),
                name: name.clone(),
                secret,
                prefix: auth
                    .prefix
                    .as_ref()
                    .map(|p| p.value.clone())
                    .unwrap_or_default(),
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
                    scheme_name.span,
                    format!(
                        "security scheme '{}' is {kind}, which this version does not support yet",
                        scheme_name.value
                    ),
                    "use a bearer, basic, apiKey or oauth2 scheme of the spec",
                );
                AuthPlan::None
            }
        }
    }

    /// An OAuth2 scheme without `secret:`: the client-credentials flow, its token URL
    /// and scopes from the spec unless the mapping overrides them.
    pub(super) fn oauth2_client_credentials(
        &mut self,
        auth: &Auth,
        flows: &openapiv3::OAuth2Flows,
    ) -> AuthPlan {
        let scheme_name = auth
            .scheme
            .clone()
            .unwrap_or_else(|| crate::load::mapping::Spanned::new("oauth2".to_string(), auth.span));
        let Some(flow) = &flows.client_credentials else {
            self.err(
                scheme_name.span,
                format!(
                    "security scheme '{}' has no clientCredentials flow",
                    scheme_name.value
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
            None => self.required_scopes(&scheme_name.value),
        };
        scopes.sort();
        scopes.dedup();
        AuthPlan::OAuth2ClientCredentials {
            token_url: auth
                .token_url
                .as_ref()
                .map_or_else(|| flow.token_url.clone(), |u| u.value.clone()),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes,
        }
    }

    /// The scopes the mapped operations' security requirements ask of `scheme`.
    pub(super) fn required_scopes(&self, scheme: &str) -> Vec<String> {
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
    pub(super) fn no_oauth2_keys(&mut self, auth: &Auth) {
        if auth.client_id.is_some()
            || auth.client_secret.is_some()
            || auth.scopes.is_some()
            || auth.token_url.is_some()
        {
            let what = auth
                .scheme
                .as_ref()
                .or(auth.kind.as_ref())
                .map(|s| s.value.as_str())
                .unwrap_or_default();
            self.err(
                auth.span,
                format!(
                    "client_id, client_secret, scopes and token_url apply to an OAuth2 client-credentials scheme, not '{what}' with `secret:`"
                ),
                "remove them, or remove `secret:` to use the scheme's clientCredentials flow",
            );
        }
    }

    /// Whether the spec sends `op` without credentials (`security: []`, on the
    /// operation or globally); a requirement that excludes the mapping's scheme is an
    /// error, since the vendor would reject every call.
    pub(super) fn anonymous(&mut self, om: &OperationMap, op: &openapiv3::Operation) -> bool {
        let Some(reqs) = op.security.as_ref().or(self.spec.api.security.as_ref()) else {
            return false;
        };
        if reqs.is_empty() {
            return true;
        }
        let Some(scheme) = self.mapping.auth.as_ref().and_then(|a| a.scheme.as_ref()) else {
            // No auth, or one the mapping declares: the spec's requirements cannot name it.
            return false;
        };
        // What the mapping sends: its schemes, and API keys it writes as headers or
        // parameters itself.
        let auth = self.mapping.auth.as_ref();
        let sent = |name: &str| {
            name == scheme.value
                || auth.is_some_and(|a| {
                    a.also
                        .iter()
                        .any(|x| x.scheme.as_ref().is_some_and(|s| s.value == name))
                })
                || self.sent_as_written(om, name)
        };
        // `{}` among the alternatives makes credentials optional: send them. Every
        // scheme a requirement lists goes on the same request.
        if reqs
            .iter()
            .any(|r| r.is_empty() || (r.contains_key(&scheme.value) && r.keys().all(|k| sent(k))))
        {
            return false;
        }
        if let Some(together) = reqs.iter().find(|r| r.contains_key(&scheme.value)) {
            let missing: Vec<&str> = together
                .keys()
                .map(String::as_str)
                .filter(|k| !sent(k))
                .collect();
            let example = missing.first().copied().unwrap_or_default();
            self.err(
                om.call.span,
                format!(
                    "operation '{}' requires security scheme(s) {} together with '{}'; the mapping sends '{}' only, so the vendor would reject every call",
                    om.call.value,
                    missing.join(", "),
                    scheme.value,
                    scheme.value
                ),
                format!(
                    "add each to `auth.also:`, with its secret: `also: [{{ scheme: {example}, secret: {{ env: {} }} }}]`",
                    crate::ident::snake(example).trim_start_matches("r#").to_ascii_uppercase()
                ),
            );
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
                scheme.value
            ),
            "choose one of them in `auth.scheme`",
        );
        false
    }

    /// Whether the mapping itself sends the API key of scheme `name`: a header of that
    /// name under `headers:` (the adapter's or `om`'s) or a parameter under `params:`.
    fn sent_as_written(&self, om: &OperationMap, name: &str) -> bool {
        let Some(ReferenceOr::Item(openapiv3::SecurityScheme::APIKey {
            location,
            name: key,
            ..
        })) = self
            .spec
            .api
            .components
            .as_ref()
            .and_then(|c| c.security_schemes.get(name))
        else {
            return false;
        };
        let at = crate::load::openapi::key_location(location);
        let same = |name: &str| crate::load::openapi::same_parameter(at, name, at, key);
        match at {
            "header" => self
                .mapping
                .headers
                .iter()
                .chain(&om.headers)
                .any(|h| same(&h.name.value)),
            "query" => om.params.iter().any(|(p, _)| same(&p.value)),
            _ => false,
        }
    }

    /// `type:` instead of `scheme:`: a scheme the mapping declares, for a spec that
    /// declares none (GitHub's, Klarna's).
    fn declared_auth(&mut self, auth: &Auth) -> AuthPlan {
        let Some(kind) = &auth.kind else {
            return AuthPlan::None;
        };
        let schemes: Vec<String> = self
            .spec
            .api
            .components
            .as_ref()
            .map(|c| c.security_schemes.keys().cloned().collect())
            .unwrap_or_default();
        if !schemes.is_empty() {
            self.err(
                kind.span,
                format!(
                    "the spec declares security scheme(s) {}, so the mapping names one instead of declaring its own",
                    schemes.join(", ")
                ),
                format!("write `scheme: {}` in place of `type:`", schemes[0]),
            );
            return AuthPlan::None;
        }
        self.no_oauth2_keys(auth);
        let api_key = kind.value == "api_key";
        if !api_key {
            for (key, v) in [
                ("in", &auth.location),
                ("name", &auth.name),
                ("prefix", &auth.prefix),
            ] {
                if let Some(v) = v {
                    self.err(
                        v.span,
                        format!(
                            "auth.{key} applies to `type: api_key`, not `type: {}`",
                            kind.value
                        ),
                        format!("remove `{key}:`"),
                    );
                }
            }
        }
        if kind.value != "basic" {
            if let Some(p) = &auth.password {
                let span = match p {
                    SecretRef::Env(v) | SecretRef::File(v) => v.span,
                };
                self.err(
                    span,
                    format!(
                        "auth.password applies to `type: basic`, not `type: {}`",
                        kind.value
                    ),
                    "remove `password:`",
                );
            }
        }
        let plan = match kind.value.as_str() {
            "bearer" => self.secret(auth).map(AuthPlan::Bearer),
            "basic" => self
                .secret(auth)
                .map(|u| AuthPlan::Basic(u, auth.password.as_ref().map(Secret::from))),
            "api_key" => {
                let location = match auth.location.as_ref().map(|l| l.value.as_str()) {
                    None | Some("header") => "header",
                    Some("query") => "query",
                    Some(other) => {
                        let span = auth.location.as_ref().map_or(kind.span, |l| l.span);
                        self.err(
                            span,
                            format!(
                                "an API key goes in a header or a query parameter, not '{other}'"
                            ),
                            "write `in: header` or `in: query`",
                        );
                        return AuthPlan::None;
                    }
                };
                let Some(name) = &auth.name else {
                    self.err(
                        kind.span,
                        "`type: api_key` needs `name:`, the header or query parameter the key goes in",
                        "add for example `name: Authorization` (with `prefix: \"token \"` when the vendor wants one)",
                    );
                    return AuthPlan::None;
                };
                self.secret(auth).map(|secret| AuthPlan::ApiKey {
                    location: location.to_string(),
                    name: name.value.clone(),
                    secret,
                    prefix: auth
                        .prefix
                        .as_ref()
                        .map(|p| p.value.clone())
                        .unwrap_or_default(),
                })
            }
            other => {
                let help = suggest(other, ["bearer", "basic", "api_key"]);
                self.err(
                    kind.span,
                    format!("auth type '{other}' is not one the mapping can declare (bearer, basic, api_key)"),
                    help,
                );
                None
            }
        };
        plan.unwrap_or(AuthPlan::None)
    }

    pub(super) fn secret(&mut self, auth: &Auth) -> Option<Secret> {
        if auth.secret.is_none() {
            self.err(
                auth.span,
                "auth has no `secret:`",
                "add `secret: { env: VAR }` or `secret: { file: path }`",
            );
        }
        auth.secret.as_ref().map(Secret::from)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::*;

    #[test]
    fn bearer_and_api_key_schemes_take_the_mapping_secret() {
        let plan = Fixture::default().plan();
        assert!(
            matches!(&plan.auth, AuthPlan::Bearer(Secret::Env(v)) if v == "THINGS_TOKEN"),
            "{:?}",
            plan.auth
        );
        let plan = Fixture::default()
            .mapping("scheme: bearer", "scheme: key")
            .plan();
        match plan.auth {
            AuthPlan::ApiKey { location, name, .. } => {
                assert_eq!((location.as_str(), name.as_str()), ("header", "X-Api-Key"));
            }
            other => panic!("expected an API key, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_scheme_is_named_with_the_nearest_one() {
        Fixture::default()
            .mapping("scheme: bearer", "scheme: bearr")
            .refused_with("security scheme 'bearr' is not in the spec");
        Fixture::default()
            .mapping(
                "secret: { env: THINGS_TOKEN } }",
                "client_id: { env: ID }, secret: { env: T } }",
            )
            .refused_with("client_id, client_secret, scopes and token_url apply to an OAuth2");
    }

    /// The Things spec, its requirement listing the bearer token and the API key together
    /// (as Plaid's lists its client id and secret).
    fn together() -> Fixture {
        Fixture::default().spec(
            "info: { title: Things, version: \"1\" }",
            "info: { title: Things, version: \"1\" }\nsecurity: [{ bearer: [], key: [] }]",
        )
    }

    #[test]
    fn schemes_a_requirement_lists_together_must_all_be_sent() {
        together().refused_with(
            "operation 'getThing' requires security scheme(s) key together with 'bearer'; the mapping sends 'bearer' only",
        );
        together().helped_with("`also: [{ scheme: key, secret: { env: KEY } }]`");
        let plan = together()
            .mapping(
                "secret: { env: THINGS_TOKEN } }",
                "secret: { env: THINGS_TOKEN }, also: [{ scheme: key, secret: { env: THINGS_KEY } }] }",
            )
            .plan();
        match &plan.auth {
            AuthPlan::All(parts) => {
                assert!(
                    matches!(&parts[0], AuthPlan::Bearer(Secret::Env(v)) if v == "THINGS_TOKEN")
                );
                assert!(
                    matches!(&parts[1], AuthPlan::ApiKey { name, secret: Secret::Env(v), .. } if name == "X-Api-Key" && v == "THINGS_KEY"),
                    "{parts:?}"
                );
            }
            other => panic!("both credentials, got {other:?}"),
        }
        // A key the mapping writes as a header itself is sent too.
        together()
            .mapping(
                "auth: { scheme: bearer, secret: { env: THINGS_TOKEN } }",
                "auth: { scheme: bearer, secret: { env: THINGS_TOKEN } }\nsettings: { key: { env: K } }\nheaders: { x-api-key: { setting: key } }",
            )
            .plan();
    }

    #[test]
    fn also_takes_plain_schemes_in_distinct_places() {
        together()
            .mapping(
                "secret: { env: THINGS_TOKEN } }",
                "secret: { env: THINGS_TOKEN }, also: [{ scheme: key, secret: { env: A } }, { scheme: key, secret: { env: B } }] }",
            )
            .refused_with("auth.also: two schemes send their secret in the header x-api-key");
        together()
            .mapping(
                "secret: { env: THINGS_TOKEN } }",
                "secret: { env: THINGS_TOKEN }, also: [{ scheme: key, secret: { env: A }, also: [] }] }",
            )
            .refused_with("auth.also[0].also: `also:` lists schemes beside the main one and does not nest");
    }

    /// The fixture with a spec that declares no security scheme and this `auth:`.
    fn declared(auth: &str) -> Fixture {
        Fixture::default()
            .spec(
                "  securitySchemes:\n    bearer: { type: http, scheme: bearer }\n    key: { type: apiKey, in: header, name: X-Api-Key }\n",
                "",
            )
            .mapping("auth: { scheme: bearer, secret: { env: THINGS_TOKEN } }", auth)
    }

    #[test]
    fn a_mapping_declares_auth_when_the_spec_has_no_scheme() {
        let plan = declared("auth: { type: bearer, secret: { env: T } }").plan();
        assert_eq!(plan.auth, AuthPlan::Bearer(Secret::Env("T".into())));
        assert!(plan.auth_declared);
        let plan =
            declared("auth: { type: basic, secret: { env: U }, password: { file: /run/pw } }")
                .plan();
        assert_eq!(
            plan.auth,
            AuthPlan::Basic(
                Secret::Env("U".into()),
                Some(Secret::File("/run/pw".into()))
            )
        );
        let plan = declared(
            "auth: { type: api_key, name: Authorization, prefix: \"token \", secret: { env: GH } }",
        )
        .plan();
        assert_eq!(
            plan.auth,
            AuthPlan::ApiKey {
                location: "header".into(),
                name: "Authorization".into(),
                secret: Secret::Env("GH".into()),
                prefix: "token ".into(),
            }
        );
        let plan =
            declared("auth: { type: api_key, in: query, name: key, secret: { env: K } }").plan();
        assert!(
            matches!(&plan.auth, AuthPlan::ApiKey { location, prefix, .. } if location == "query" && prefix.is_empty()),
            "{:?}",
            plan.auth
        );
        assert!(
            !Fixture::default().plan().auth_declared,
            "the spec's scheme is not declared by the mapping"
        );
    }

    #[test]
    fn a_declared_auth_is_checked() {
        declared("auth: { type: api_key, secret: { env: K } }")
            .refused_with("`type: api_key` needs `name:`");
        declared("auth: { type: api_key, in: cookie, name: k, secret: { env: K } }")
            .refused_with("an API key goes in a header or a query parameter, not 'cookie'");
        declared("auth: { type: bearr, secret: { env: K } }")
            .refused_with("auth type 'bearr' is not one the mapping can declare");
        declared("auth: { type: bearer, prefix: \"x \", secret: { env: K } }")
            .refused_with("auth.prefix applies to `type: api_key`, not `type: bearer`");
        declared("auth: { type: bearer, password: { env: P }, secret: { env: K } }")
            .refused_with("auth.password applies to `type: basic`");
        declared("auth: { scheme: bearer, secret: { env: K } }")
            .refused_with("security scheme 'bearer' is not in the spec");
        declared("auth: { secret: { env: K } }").refused_with("auth needs `scheme:`");
        Fixture::default()
            .mapping("scheme: bearer,", "type: bearer,")
            .refused_with(
                "the spec declares security scheme(s) bearer, key, so the mapping names one",
            );
        Fixture::default()
            .mapping("scheme: bearer,", "scheme: bearer, type: bearer,")
            .refused_with("auth has both `scheme:` and `type:`");
        Fixture::default()
            .mapping("scheme: bearer,", "scheme: bearer, prefix: \"x \",")
            .refused_with("auth.prefix applies to an API key; 'bearer' is not an apiKey scheme");
        let plan = Fixture::default()
            .mapping("scheme: bearer,", "scheme: key, prefix: \"Bearer \",")
            .plan();
        assert!(
            matches!(&plan.auth, AuthPlan::ApiKey { prefix, .. } if prefix == "Bearer "),
            "a spec's apiKey scheme takes a prefix too: {:?}",
            plan.auth
        );
    }

    #[test]
    fn an_operation_without_security_goes_without_credentials() {
        let plan = Fixture::default()
            .spec(
                "      operationId: getThing\n",
                "      operationId: getThing\n      security: []\n",
            )
            .plan();
        assert!(op(&plan, "get").anonymous);
        assert!(!op(&plan, "create").anonymous);
        Fixture::default()
            .spec(
                "      operationId: getThing\n",
                "      operationId: getThing\n      security: [{ key: [] }]\n",
            )
            .refused_with(
                "operation 'getThing' accepts security scheme(s) key, not the mapping's 'bearer'",
            );
    }
}

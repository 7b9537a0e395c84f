//! Adapter configuration: what a generated adapter builds from its mapping, and what
//! the user may override at runtime before building the [`crate::Pipeline`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::AuthConfig;
use crate::limit::{QuotaCallback, QuotaEvent, QuotaPolicy, RateLimit};
use crate::observe::{DEFAULT_CORRELATION_HEADER, HealthCallback, HealthEvent, HealthPolicy};
use crate::policy::Policy;
use crate::retry::RetryBudgetPolicy;
use crate::settings::{ConfigValue, SettingSource};
use crate::shared::{FallbackCache, SharedState};

/// Everything a [`crate::Pipeline`] needs to know about one adapter.
///
/// Setters take and return `self` so a generated default reads as one expression and
/// a user override is one more call.
#[derive(Clone)]
pub struct AdapterConfig {
    pub(crate) name: String,
    pub(crate) base_url: String,
    pub(crate) auth: AuthConfig,
    pub(crate) defaults: Policy,
    pub(crate) operations: BTreeMap<String, Policy>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) retry_budget: Option<RetryBudgetPolicy>,
    pub(crate) client: Option<reqwest::Client>,
    pub(crate) user_agent: String,
    pub(crate) correlation_header: Option<String>,
    pub(crate) traceparent: bool,
    pub(crate) health: HealthPolicy,
    pub(crate) on_health: Option<HealthCallback>,
    pub(crate) rate: Option<RateLimit>,
    pub(crate) buckets: BTreeMap<String, RateLimit>,
    pub(crate) quota: Option<QuotaPolicy>,
    pub(crate) on_quota: Option<QuotaCallback>,
    pub(crate) shared_state: SharedState,
    pub(crate) fallback_cache: Option<Arc<dyn FallbackCache>>,
    pub(crate) settings: BTreeMap<String, SettingSource>,
    pub(crate) setting_values: BTreeMap<String, String>,
    pub(crate) headers: Vec<(String, ConfigValue)>,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_token_response_bytes: usize,
    pub(crate) max_vendor_pause: Duration,
}

impl AdapterConfig {
    /// A configuration for adapter `name` (used in logs and errors) calling `base_url`.
    pub fn new(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            auth: AuthConfig::None,
            defaults: Policy::default(),
            operations: BTreeMap::new(),
            allow_insecure_http: false,
            retry_budget: Some(RetryBudgetPolicy::default()),
            // Stripe keeps keys for at least 24 h; remembering ours longer is useless.
            client: None,
            user_agent: concat!("portcullis/", env!("CARGO_PKG_VERSION")).to_owned(),
            correlation_header: Some(DEFAULT_CORRELATION_HEADER.to_owned()),
            traceparent: true,
            health: HealthPolicy::default(),
            on_health: None,
            rate: None,
            buckets: BTreeMap::new(),
            quota: None,
            on_quota: None,
            shared_state: SharedState::Local,
            fallback_cache: None,
            settings: BTreeMap::new(),
            setting_values: BTreeMap::new(),
            headers: Vec::new(),
            max_response_bytes: crate::body_limit::DEFAULT_MAX_RESPONSE_BYTES,
            max_token_response_bytes: crate::body_limit::DEFAULT_MAX_TOKEN_BYTES,
            max_vendor_pause: crate::limit::DEFAULT_MAX_VENDOR_PAUSE,
        }
    }

    /// The largest vendor response body read (default
    /// [`crate::body_limit::DEFAULT_MAX_RESPONSE_BYTES`], 8 MiB). A longer answer ends
    /// the call with [`crate::Error::Contract`] at path `$`, without reading the rest.
    ///
    /// ```
    /// let cfg = portcullis_runtime::AdapterConfig::new("Reports", "https://api.example.com")
    ///     .max_response_bytes(64 * 1024 * 1024);
    /// # let _ = cfg;
    /// ```
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The largest OAuth2 token endpoint response read (default
    /// [`crate::body_limit::DEFAULT_MAX_TOKEN_BYTES`], 64 KiB). A longer one fails the
    /// token request ([`crate::Error::Auth`]).
    ///
    /// ```
    /// let cfg = portcullis_runtime::AdapterConfig::new("Vendor", "https://api.example.com")
    ///     .max_token_response_bytes(256 * 1024);
    /// # let _ = cfg;
    /// ```
    pub fn max_token_response_bytes(mut self, limit: usize) -> Self {
        self.max_token_response_bytes = limit;
        self
    }

    /// The longest a vendor's `Retry-After` or rate-limit reset may pause a rate-limit
    /// bucket or an operation (default [`crate::limit::DEFAULT_MAX_VENDOR_PAUSE`],
    /// 15 minutes): a `Retry-After: 86400` on one 429 must not stop an adapter for a
    /// day. Longer asks are cut to this, counted in
    /// `portcullis_ratelimit_pause_capped_total` and logged.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cfg = portcullis_runtime::AdapterConfig::new("GitHub", "https://api.github.com")
    ///     .max_vendor_pause(Duration::from_secs(3600));
    /// # let _ = cfg;
    /// ```
    pub fn max_vendor_pause(mut self, cap: Duration) -> Self {
        self.max_vendor_pause = cap;
        self
    }

    /// How requests authenticate.
    pub fn auth(mut self, auth: AuthConfig) -> Self {
        self.auth = auth;
        self
    }

    /// The authentication a generated adapter configured, to adjust one part of it
    /// (a sandbox token endpoint, another secret source) without restating the rest.
    ///
    /// ```
    /// use portcullis_runtime as rt;
    /// let creds = rt::OAuth2ClientCredentials::new(
    ///     "https://vendor.example/oauth/token",
    ///     rt::SecretSource::env("CLIENT_ID"),
    ///     rt::SecretSource::env("CLIENT_SECRET"),
    /// );
    /// let mut cfg = rt::AdapterConfig::new("Vendor", "https://vendor.example")
    ///     .auth(rt::AuthConfig::OAuth2ClientCredentials(creds));
    /// if let rt::AuthConfig::OAuth2ClientCredentials(c) = cfg.auth_mut() {
    ///     c.token_url = "https://sandbox.vendor.example/oauth/token".into();
    /// }
    /// ```
    pub fn auth_mut(&mut self) -> &mut AuthConfig {
        &mut self.auth
    }

    /// The adapter-wide policy, under every operation's override.
    pub fn defaults(mut self, policy: Policy) -> Self {
        self.defaults = policy;
        self
    }

    /// Sets the override of one operation (replacing any earlier one); its set fields
    /// win over the defaults, field by field.
    pub fn operation(mut self, operation: impl Into<String>, policy: Policy) -> Self {
        self.operations.insert(operation.into(), policy);
        self
    }

    /// Allows an `http://` base URL (local mocks). Off by default: credentials must not
    /// cross the network in clear text by accident.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Replaces the base URL (a sandbox, a proxy, a mock).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets the retry token bucket, or `None` to retry without one.
    pub fn retry_budget(mut self, budget: Option<RetryBudgetPolicy>) -> Self {
        self.retry_budget = budget;
        self
    }

    /// Uses this HTTP client (proxies, TLS roots, connection pool settings). Its own
    /// timeouts, if any, apply under the pipeline's.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The `User-Agent` header sent with every request.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The header each request carries the call's [`crate::CorrelationId`] in
    /// (default `X-Correlation-Id`), or `None` to send none.
    ///
    /// ```
    /// let cfg = portcullis_runtime::AdapterConfig::new("StripeGateway", "https://api.stripe.com")
    ///     .correlation_header(Some("X-Request-Id"));
    /// # let _ = cfg;
    /// ```
    pub fn correlation_header(mut self, name: Option<&str>) -> Self {
        self.correlation_header = name.map(str::to_owned);
        self
    }

    /// Whether each request carries a W3C `traceparent` header (default true).
    pub fn traceparent(mut self, send: bool) -> Self {
        self.traceparent = send;
        self
    }

    /// The health monitor's thresholds (see [`HealthPolicy`] for the defaults).
    pub fn health(mut self, policy: HealthPolicy) -> Self {
        self.health = policy;
        self
    }

    /// Called when an operation degrades and again when it recovers (a log line is
    /// written either way).
    ///
    /// ```
    /// use portcullis_runtime::{AdapterConfig, HealthState};
    ///
    /// let cfg = AdapterConfig::new("StripeGateway", "https://api.stripe.com")
    ///     .on_health_event(|e| {
    ///         if e.state == HealthState::Degraded {
    ///             eprintln!("page someone: {} {} is degraded", e.vendor, e.operation);
    ///         }
    ///     });
    /// # let _ = cfg;
    /// ```
    pub fn on_health_event(
        mut self,
        callback: impl Fn(&HealthEvent) + Send + Sync + 'static,
    ) -> Self {
        self.on_health = Some(std::sync::Arc::new(callback));
        self
    }

    /// The vendor's documented rate for the whole adapter, or `None` for no
    /// client-side limit. Operations with a `bucket` use that bucket instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// use portcullis_runtime::{AdapterConfig, RateLimit};
    ///
    /// let cfg = AdapterConfig::new("StripeGateway", "https://api.stripe.com")
    ///     .rate_limit(Some(RateLimit::new(100, Duration::from_secs(1)).reserve(0.2)));
    /// # let _ = cfg;
    /// ```
    pub fn rate_limit(mut self, rate: Option<RateLimit>) -> Self {
        self.rate = rate;
        self
    }

    /// A named bucket with its own rate (GitHub's search limit, say), for the
    /// operations whose policy names it in [`Policy::bucket`].
    pub fn bucket(mut self, name: impl Into<String>, rate: RateLimit) -> Self {
        self.buckets.insert(name.into(), rate);
        self
    }

    /// The vendor's quota, or `None` to count nothing.
    pub fn quota(mut self, quota: Option<QuotaPolicy>) -> Self {
        self.quota = quota;
        self
    }

    /// Called when quota usage crosses a `warn_at` threshold, before the quota runs
    /// out: the place to page someone.
    ///
    /// ```
    /// use portcullis_runtime::AdapterConfig;
    ///
    /// let cfg = AdapterConfig::new("StripeGateway", "https://api.stripe.com")
    ///     .on_quota_event(|e| eprintln!("{}: {:.0}% of the quota used", e.vendor, e.threshold * 100.0));
    /// # let _ = cfg;
    /// ```
    pub fn on_quota_event(
        mut self,
        callback: impl Fn(&QuotaEvent) + Send + Sync + 'static,
    ) -> Self {
        self.on_quota = Some(Arc::new(callback));
        self
    }

    /// Where the limiter, quota counters and fallback cache live (default: in this
    /// process). An explicit [`Self::fallback_cache`] wins over it.
    ///
    /// ```
    /// use portcullis_runtime::{AdapterConfig, RedisConfig, SharedState};
    ///
    /// let cfg = AdapterConfig::new("StripeGateway", "https://api.stripe.com")
    ///     .shared_state(SharedState::Redis(RedisConfig { replicas: 4, ..RedisConfig::new("redis://127.0.0.1:6379") }));
    /// # let _ = cfg;
    /// ```
    pub fn shared_state(mut self, state: SharedState) -> Self {
        self.shared_state = state;
        self
    }

    /// Where the `cache` fallback keeps responses (default: per [`Self::shared_state`]).
    pub fn fallback_cache(mut self, cache: Arc<dyn FallbackCache>) -> Self {
        self.fallback_cache = Some(cache);
        self
    }

    /// Declares setting `name`, a value that belongs to the account (Twilio's
    /// `AccountSid`, an API version), read from `source` when the pipeline is built.
    /// A missing or empty value fails [`crate::Pipeline::new`] with a
    /// [`crate::Error::Config`] naming the setting and every place it was looked for.
    /// Generated code reads it with [`crate::Pipeline::setting`]. See
    /// [`crate::settings`].
    ///
    /// ```
    /// use portcullis_runtime::{AdapterConfig, SettingSource};
    ///
    /// let cfg = AdapterConfig::new("TwilioMessages", "https://api.twilio.com")
    ///     .setting("account_sid", SettingSource::env("TWILIO_ACCOUNT_SID"));
    /// # let _ = cfg;
    /// ```
    pub fn setting(mut self, name: impl Into<String>, source: SettingSource) -> Self {
        self.settings.insert(name.into(), source);
        self
    }

    /// Sets the value of declared setting `name` in code, over its source. Naming a
    /// setting the adapter does not declare fails [`crate::Pipeline::new`] (a typo
    /// would otherwise be ignored).
    ///
    /// ```
    /// use portcullis_runtime::{AdapterConfig, SettingSource};
    ///
    /// let cfg = AdapterConfig::new("TwilioMessages", "https://api.twilio.com")
    ///     .setting("account_sid", SettingSource::env("TWILIO_ACCOUNT_SID"))
    ///     .setting_value("account_sid", "AC0123456789abcdef");
    /// # let _ = cfg;
    /// ```
    pub fn setting_value(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.setting_values.insert(name.into(), value.into());
        self
    }

    /// A header every request of the adapter carries (GitHub's
    /// `X-GitHub-Api-Version`), a literal or the value of a setting; validated when
    /// the pipeline is built. A header the request sets itself (per operation) wins.
    /// Repeatable; setting the same name twice keeps the later value.
    ///
    /// ```
    /// use portcullis_runtime::{AdapterConfig, ConfigValue, SettingSource};
    ///
    /// let cfg = AdapterConfig::new("GitHubIssues", "https://api.github.com")
    ///     .setting("api_version", SettingSource::literal("2022-11-28"))
    ///     .header("X-GitHub-Api-Version", ConfigValue::setting("api_version"))
    ///     .header("Accept", "application/vnd.github+json");
    /// # let _ = cfg;
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<ConfigValue>) -> Self {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// The override of `operation`, created empty if absent, for editing in place.
    pub fn policy_mut(&mut self, operation: &str) -> &mut Policy {
        self.operations.entry(operation.to_owned()).or_default()
    }

    /// The adapter-wide defaults, for editing in place.
    pub fn defaults_mut(&mut self) -> &mut Policy {
        &mut self.defaults
    }

    /// The policy `operation` runs under: its override, then the defaults, then
    /// [`Policy::baseline`]; every field is set.
    pub fn effective_policy(&self, operation: &str) -> Policy {
        self.operations
            .get(operation)
            .cloned()
            .unwrap_or_default()
            .or(&self.defaults)
            .or(&Policy::baseline())
    }

    /// The adapter name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base URL.
    pub fn base_url_str(&self) -> &str {
        &self.base_url
    }
}

impl fmt::Debug for AdapterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterConfig")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("defaults", &self.defaults)
            .field("operations", &self.operations)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("retry_budget", &self.retry_budget)
            .field("correlation_header", &self.correlation_header)
            .field("traceparent", &self.traceparent)
            .field("health", &self.health)
            .field("rate", &self.rate)
            .field("buckets", &self.buckets)
            .field("quota", &self.quota)
            .field("shared_state", &self.shared_state)
            .field("settings", &self.settings)
            .field("setting_values", &self.setting_values)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_policy_layers_override_defaults_baseline() {
        let mut cfg = AdapterConfig::new("StripeGateway", "https://api.stripe.com")
            .defaults(Policy {
                attempt_timeout: Some(Duration::from_secs(5)),
                ..Policy::default()
            })
            .operation(
                "create_payment",
                Policy {
                    budget: Some(Duration::from_secs(45)),
                    ..Policy::default()
                },
            );
        cfg.policy_mut("get_payment").attempt_timeout = Some(Duration::from_secs(2));
        let create = cfg.effective_policy("create_payment");
        assert_eq!(create.attempt_timeout, Some(Duration::from_secs(5)));
        assert_eq!(create.budget, Some(Duration::from_secs(45)));
        let get = cfg.effective_policy("get_payment");
        assert_eq!(get.attempt_timeout, Some(Duration::from_secs(2)));
        assert_eq!(get.budget, Policy::baseline().budget);
        assert!(cfg.effective_policy("anything").retry.is_some());
    }
}

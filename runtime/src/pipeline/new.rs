//! Building a pipeline: the base URL checked, the client, policies resolved per
//! operation, and the state each policy keeps (limiter, quota, stores).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use http::HeaderValue;

use crate::auth::Authenticator;
use crate::breaker::CircuitBreaker;
use crate::config::AdapterConfig;
use crate::error::Error;
use crate::fallback::Fallbacks;
use crate::limit::{Limiter, QuotaTracker, RateLimit};
use crate::observe::Observer;
use crate::policy::Resolved;
use crate::retry::RetryBudget;
use crate::shared::{InMemoryFallbackCache, RedisState, SharedState, StoreGuard};

use super::{Inner, Pipeline};

impl Pipeline {
    /// Validates `config` and builds the pipeline: the base URL must parse, and be
    /// `https` unless [`AdapterConfig::allow_insecure_http`] was set.
    pub fn new(config: AdapterConfig) -> Result<Pipeline, Error> {
        // Messages name the host at most: a URL can carry credentials.
        let name = &config.name;
        let base = reqwest::Url::parse(&config.base_url)
            .map_err(|e| Error::config(format!("{name}: base URL is invalid: {e}")))?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::config(format!(
                "{name}: base URL must not carry credentials; use AdapterConfig::auth"
            )));
        }
        let host = base.host_str().unwrap_or_default();
        match base.scheme() {
            "https" => {}
            "http" if config.allow_insecure_http => {}
            "http" => {
                return Err(Error::config(format!(
                    "{name}: base URL for {host} is plain http; call allow_insecure_http(true) for local mocks"
                )));
            }
            other => {
                return Err(Error::config(format!(
                    "{name}: unsupported URL scheme {other}"
                )));
            }
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::config(format!(
                "{name}: base URL must not have a query or fragment"
            )));
        }
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| Error::config(format!("{}: invalid User-Agent", config.name)))?;
        let client_has_defaults = config.client.is_none();
        let client = match config.client.clone() {
            Some(c) => c,
            None => {
                let mut defaults = http::HeaderMap::new();
                defaults.insert(http::header::USER_AGENT, user_agent.clone());
                defaults.insert(
                    http::header::ACCEPT,
                    HeaderValue::from_static("application/json"),
                );
                reqwest::Client::builder()
                    .default_headers(defaults)
                    .redirect(crate::auth::same_origin_redirects())
                    .build()
                    .map_err(|e| Error::config(format!("{}: HTTP client: {e}", config.name)))?
            }
        };
        let defaults = Resolved::from_policy(config.defaults.clone());
        let configured = config
            .operations
            .keys()
            .map(|op| {
                (
                    op.clone(),
                    Resolved::from_policy(config.effective_policy(op)),
                )
            })
            .collect();
        let redis = match &config.shared_state {
            SharedState::Local => None,
            SharedState::Redis(rc) => Some(RedisState::new(rc.clone())?),
        };
        let shared = redis.as_ref().map(|r| {
            let c = r.config();
            Arc::new(StoreGuard::new(name, c.timeout, c.retry_after))
        });
        let replicas = redis.as_ref().map_or(1, |r| r.config().replicas);
        let cache = config
            .fallback_cache
            .clone()
            .or_else(|| redis.as_ref().map(RedisState::fallback_cache))
            .unwrap_or_else(|| Arc::new(InMemoryFallbackCache::default()));
        let limiter = limiter_for(
            &config,
            &configured,
            &defaults,
            redis.as_ref(),
            &shared,
            replicas,
        )?;
        let quota = match &config.quota {
            None => None,
            Some(q) => Some(QuotaTracker::new(
                name,
                q.clone(),
                redis
                    .as_ref()
                    .zip(shared.as_ref())
                    .map(|(r, g)| (r.quota_store(), g.clone())),
                replicas,
                config.on_quota.clone(),
            )?),
        };
        let auth = Authenticator::new(config.auth.clone(), config.allow_insecure_http)?
            .token_body_limit(config.max_token_response_bytes);
        let fallbacks = Fallbacks::new(name, auth.account(), cache, shared);
        Ok(Pipeline {
            inner: Arc::new(Inner {
                base: base.clone(),
                name: config.name.clone(),
                client,
                auth,
                user_agent,
                client_has_defaults,
                adapter_breaker: Arc::new(CircuitBreaker::new(defaults.breaker.clone())),
                defaults,
                configured,
                ops: RwLock::new(crate::FastMap::default()),
                retry_budget: config.retry_budget.map(RetryBudget::new),
                observe: Observer::new(&config, &base)?,
                limiter,
                quota,
                fallbacks,
                redis,
                settings: crate::settings::Resolved::resolve(&config)?,
                max_response_bytes: config.max_response_bytes,
            }),
        })
    }
}

/// The limiter for the configured buckets. Without a declared adapter rate, the
/// adapter's bucket is pause-only: a vendor's 429 and `Retry-After` (or an exhausted
/// window) still hold this process's later calls, which would otherwise walk into the
/// same refusal.
fn limiter_for(
    config: &AdapterConfig,
    configured: &crate::FastMap<String, Resolved>,
    defaults: &Resolved,
    redis: Option<&RedisState>,
    shared: &Option<Arc<StoreGuard>>,
    replicas: u32,
) -> Result<Option<Limiter>, Error> {
    let mut buckets: HashMap<String, RateLimit> = config
        .buckets
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (op, policy) in configured
        .iter()
        .chain([(&String::from("defaults"), defaults)])
    {
        if !policy.bucket.is_empty() && !buckets.contains_key(&policy.bucket) {
            return Err(Error::config(format!(
                "{}: {op} uses rate-limit bucket {:?}, which no AdapterConfig::bucket defines",
                config.name, policy.bucket
            )));
        }
    }
    let (rate, pause_only) = match &config.rate {
        Some(rate) => (rate.clone(), None),
        None => (
            crate::limit::pause_only_rate(),
            Some(crate::limit::ADAPTER_BUCKET),
        ),
    };
    buckets.insert(crate::limit::ADAPTER_BUCKET.to_owned(), rate);
    let store = redis
        .zip(shared.as_ref())
        .map(|(r, g)| (r.rate_store(), g.clone()));
    Limiter::new(&config.name, &buckets, pause_only, store, replicas)
        .map(|l| Some(l.with_max_pause(config.max_vendor_pause)))
}

//! Everything one call of an operation reads, resolved on the operation's first call:
//! its policy, its breaker, its limiter bucket, its metric handles and health window. A call looks the
//! operation up once and reads the rest through one pointer, so it touches a few
//! cache lines instead of a map and a lock per policy.

use std::fmt;
use std::sync::Arc;

use crate::breaker::{BreakerScope, CircuitBreaker};
use crate::limit::Bucket;
use crate::observe::OpObserver;
use crate::policy::Resolved;
use crate::response::{CallCounter, PendingCount};

use super::Inner;

/// One operation's resolved state, shared by all its calls.
pub(crate) struct Operation {
    pub(crate) policy: Resolved,
    /// The adapter's breaker, or the operation's own under [`BreakerScope::Operation`].
    pub(crate) breaker: Arc<CircuitBreaker>,
    /// The limiter bucket its calls draw from (`None`: not rate limited).
    pub(crate) bucket: Option<Arc<Bucket>>,
    pub(crate) obs: OpObserver,
}

impl Inner {
    /// The state of `operation`, made on its first call. Never removed: an adapter
    /// has as many operations as its mapping names.
    pub(super) fn operation(&self, operation: &str) -> Arc<Operation> {
        if let Some(op) = self
            .ops
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(operation)
        {
            return op.clone();
        }
        let mut ops = self.ops.write().unwrap_or_else(|e| e.into_inner());
        ops.entry(operation.into())
            .or_insert_with(|| {
                let policy = self.policy(operation).clone();
                let breaker = if policy.breaker.scope == BreakerScope::Adapter {
                    self.adapter_breaker.clone()
                } else {
                    Arc::new(CircuitBreaker::new(policy.breaker.clone()))
                };
                let bucket = self.limiter.as_ref().and_then(|l| l.bucket(&policy.bucket));
                Arc::new(Operation {
                    obs: self.observe.op_observer(operation, &policy),
                    breaker,
                    bucket,
                    policy,
                })
            })
            .clone()
    }

    /// The policy configured for `operation`, or the adapter's defaults.
    pub(super) fn policy(&self, operation: &str) -> &Resolved {
        if self.configured.is_empty() {
            return &self.defaults;
        }
        self.configured.get(operation).unwrap_or(&self.defaults)
    }
}

/// A response's deferred count goes to its operation's observer.
impl CallCounter for Operation {
    fn contract_broken(&self, call: &PendingCount, path: &str, message: &str) {
        self.obs.contract_broken(call, path, message);
    }

    fn count(&self, call: &PendingCount) {
        self.obs.count(call);
    }
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("operation", &self.obs.operation)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

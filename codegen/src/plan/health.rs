//! The runtime's health monitor, as the mapping tunes it (`health:`).

use crate::load::mapping::Health;
use std::time::Duration;

/// Thresholds of the health monitor; a value left out keeps the runtime's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthPlan {
    /// The rolling window.
    pub window: Option<Duration>,
    /// Calls the window must hold before it judges.
    pub min_calls: Option<u32>,
    /// Share of failed calls that raises the alert.
    pub error_rate: Option<f64>,
    /// p95 latency that raises the alert.
    pub p95: Option<Duration>,
    /// p99 latency that raises the alert.
    pub p99: Option<Duration>,
    /// `Some(false)` turns the monitor off.
    pub enabled: Option<bool>,
}

impl From<&Health> for HealthPlan {
    fn from(h: &Health) -> Self {
        HealthPlan {
            window: h.window,
            min_calls: h.min_calls,
            error_rate: h.error_rate,
            p95: h.p95,
            p99: h.p99,
            enabled: h.enabled,
        }
    }
}

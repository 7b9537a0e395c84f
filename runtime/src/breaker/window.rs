//! A sliding time window of attempt outcomes, kept in ten buckets.
//!
//! Buckets instead of one entry per call keep memory and time constant at any call
//! rate; the cost is that the window slides in steps of a tenth of its length.

use std::time::Duration;

use tokio::time::Instant;

const BUCKETS: usize = 10;

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    index: u64,
    calls: u32,
    failures: u32,
    slow: u32,
}

/// Sums over the live buckets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub(crate) calls: u32,
    pub(crate) failures: u32,
    pub(crate) slow: u32,
}

#[derive(Debug)]
pub(crate) struct Window {
    origin: Instant,
    /// Bucket width in nanoseconds (u64: a 128-bit division per call is measurable).
    width_nanos: u64,
    buckets: [Bucket; BUCKETS],
}

impl Window {
    pub(crate) fn new(length: Duration) -> Self {
        let width = (length / BUCKETS as u32).max(Duration::from_millis(1));
        Self {
            origin: Instant::now(),
            width_nanos: u64::try_from(width.as_nanos()).unwrap_or(u64::MAX),
            // Index 0 would count as live at the start; u64::MAX never does.
            buckets: [Bucket {
                index: u64::MAX,
                ..Bucket::default()
            }; BUCKETS],
        }
    }

    fn index(&self, now: Instant) -> u64 {
        // u64 nanoseconds cover 584 years of process uptime.
        let since = u64::try_from(now.saturating_duration_since(self.origin).as_nanos())
            .unwrap_or(u64::MAX - 1);
        (since / self.width_nanos).min(u64::MAX - 1)
    }

    pub(crate) fn record(&mut self, now: Instant, failure: bool, slow: bool) {
        let index = self.index(now);
        let b = &mut self.buckets[(index % BUCKETS as u64) as usize];
        if b.index != index {
            *b = Bucket {
                index,
                ..Bucket::default()
            };
        }
        b.calls += 1;
        b.failures += u32::from(failure);
        b.slow += u32::from(slow);
    }

    pub(crate) fn totals(&self, now: Instant) -> Totals {
        let index = self.index(now);
        let oldest = index.saturating_sub(BUCKETS as u64 - 1);
        self.buckets
            .iter()
            .filter(|b| b.index != u64::MAX && b.index >= oldest && b.index <= index)
            .fold(Totals::default(), |t, b| Totals {
                calls: t.calls + b.calls,
                failures: t.failures + b.failures,
                slow: t.slow + b.slow,
            })
    }

    pub(crate) fn clear(&mut self) {
        for b in &mut self.buckets {
            b.index = u64::MAX;
        }
    }
}

//! The client-side rate limiter: buckets of GCRA lanes, adjusted by vendor headers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderMap;
use tokio::time::Instant;

use crate::error::Error;
use crate::limit::RateLimit;
use crate::limit::gcra::{self, LaneState};
use crate::limit::headers::{RateLimitInfo, ResetStyle};
use crate::shared::{Admission, Lane, RateStore, StoreGuard};

/// Longest pause a vendor header can impose unless [`crate::AdapterConfig::max_vendor_pause`]
/// says otherwise: a reset further away still refuses calls at once (the call's budget
/// cannot fit it), but a nonsense or hostile value (`Retry-After: 86400`) cannot wedge
/// the adapter for a day.
pub const DEFAULT_MAX_VENDOR_PAUSE: Duration = Duration::from_secs(15 * 60);
/// How far a run of 429s can slow a bucket: a call costs at most this many cells.
const MAX_SLOWDOWN: u32 = 8;

/// The adapter's buckets and where their state lives.
/// `portcullis_ratelimit_wait_seconds`: how long calls that had to wait for a slot
/// waited: `vendor`.
pub const RATELIMIT_WAIT_SECONDS: &str = "portcullis_ratelimit_wait_seconds";
/// `portcullis_ratelimit_refused_total`: calls refused by the client-side limiter
/// (no slot within their budget, or the queue full): `vendor`.
pub const RATELIMIT_REFUSED_TOTAL: &str = "portcullis_ratelimit_refused_total";
/// Longest throttling wait (or the bucket's window, if longer) that pauses the whole
/// bucket: the usual account-wide 429 asks for seconds. A longer one is about something
/// narrower (one endpoint's daily limit), or hostile, and pauses its operation only.
pub const BUCKET_WIDE_WAIT: Duration = Duration::from_secs(60);

/// `portcullis_ratelimit_long_pause_total`: vendor waits longer than a bucket's window
/// (paused for the operation that got them only, see [`BUCKET_WIDE_WAIT`]) or than the cap (cut to it):
/// `vendor`, `operation`, `capped` (`true` when cut to the cap).
pub const RATELIMIT_LONG_PAUSE_TOTAL: &str = "portcullis_ratelimit_long_pause_total";

#[derive(Debug)]
pub(crate) struct Limiter {
    /// Shared with the operations that draw from them ([`Limiter::bucket`]), so a call
    /// reaches its bucket without a lookup.
    buckets: crate::FastMap<String, Arc<Bucket>>,
    waits: metrics::Histogram,
    refused: metrics::Counter,
    shared: Option<(Arc<dyn RateStore>, Arc<StoreGuard>)>,
    /// The zero of the local TATs ([`Bucket::tats`]), in nanoseconds.
    epoch: Instant,
    /// Longest pause a vendor answer can impose.
    max_pause: Duration,
    /// Operations paused on their own by a long vendor wait, until when.
    op_pauses: Mutex<crate::FastMap<String, Instant>>,
    /// Whether `op_pauses` may hold a pause: read without the lock by every call.
    any_op_paused: AtomicBool,
    vendor: String,
}

/// What [`Limiter::acquire_now`] decided without waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Admitted at once.
    Now,
    /// No slot within the call's wait: free again after this long.
    Refused(Duration),
    /// A slot is reserved this far ahead: [`Limiter::wait_reserved`] waits for it.
    Reserved(Duration),
    /// Only [`Limiter::acquire_for`] can tell (a shared store, an operation pause).
    Ask,
}

/// One bucket's lanes and state.
#[derive(Debug)]
pub(crate) struct Bucket {
    /// The name logs give it (`adapter` for the adapter's own).
    label: String,
    rate: RateLimit,
    /// Whole rate, then (with a reserve) the non-critical share.
    lanes: Vec<Lane>,
    /// The same lanes at `1 / replicas` of the rate, used while Redis is away.
    local_lanes: Vec<Lane>,
    queued: AtomicUsize,
    slowdown: Mutex<Slowdown>,
    /// Whether the bucket only holds calls while a vendor's pause lasts (no rate was
    /// declared). Each process keeps it alone: asking a shared store for every call
    /// would cost a round trip to learn what is almost always "go".
    pause_only: bool,
    /// This process's TATs of the bucket's lanes, by lane: `lanes` without a shared
    /// store, `local_lanes` while it is away (the same lanes at a lower rate). Kept
    /// here rather than in an `InMemoryRateStore` keyed by lane name: a reservation
    /// then hashes no key and locks only its own bucket.
    tats: Mutex<Vec<u64>>,
}

#[derive(Debug)]
struct Slowdown {
    /// Cells one call costs: 1 normally, doubled by each 429 up to [`MAX_SLOWDOWN`].
    cost: u32,
    since: Instant,
}

/// Name of the adapter-wide bucket in [`Limiter::new`]'s map.
pub(crate) const ADAPTER_BUCKET: &str = "";

/// The rate of a pause-only bucket ([`Limiter::new`]'s `pause_only`): never spaces
/// calls (a cell a nanosecond, with a burst of four seconds' worth, so calls that
/// arrive in the same nanosecond are not queued behind each other). Only a wait the
/// vendor states holds it ([`Limiter::observe_now`]).
pub(crate) fn pause_only_rate() -> RateLimit {
    RateLimit::new(u64::MAX, Duration::from_secs(1)).burst(u32::MAX)
}

impl Limiter {
    /// `buckets` maps a bucket name ([`ADAPTER_BUCKET`] for the adapter's own) to its
    /// rate; `key_prefix` makes lane keys unique per adapter in a shared store. The
    /// bucket named `pause_only`, if any, is kept by this process alone and only holds
    /// calls while a vendor's pause lasts ([`pause_only_rate`]).
    pub(crate) fn new(
        key_prefix: &str,
        buckets: &HashMap<String, RateLimit>,
        pause_only: Option<&str>,
        shared: Option<(Arc<dyn RateStore>, Arc<StoreGuard>)>,
        replicas: u32,
    ) -> Result<Self, Error> {
        let mut out = crate::FastMap::default();
        for (name, rate) in buckets {
            let label = if name.is_empty() {
                "adapter"
            } else {
                name.as_str()
            };
            if rate.requests == 0 || rate.per.is_zero() {
                return Err(Error::config(format!(
                    "{key_prefix}: rate limit of bucket {label} must allow at least one request per non-zero window"
                )));
            }
            if !(0.0..=0.9).contains(&rate.reserve) {
                return Err(Error::config(format!(
                    "{key_prefix}: reserve of bucket {label} is {}; use a share from 0 to 0.9",
                    rate.reserve
                )));
            }
            let whole = lanes(key_prefix, label, rate, 1);
            out.insert(
                name.clone(),
                Arc::new(Bucket {
                    label: label.to_owned(),
                    rate: rate.clone(),
                    tats: Mutex::new(vec![0; whole.len()]),
                    lanes: whole,
                    local_lanes: lanes(key_prefix, label, rate, replicas.max(1)),
                    queued: AtomicUsize::new(0),
                    pause_only: pause_only == Some(name.as_str()),
                    slowdown: Mutex::new(Slowdown {
                        cost: 1,
                        since: Instant::now(),
                    }),
                }),
            );
        }
        Ok(Self {
            buckets: out,
            waits: metrics::histogram!(RATELIMIT_WAIT_SECONDS, "vendor" => key_prefix.to_owned()),
            refused: metrics::counter!(RATELIMIT_REFUSED_TOTAL, "vendor" => key_prefix.to_owned()),
            shared,
            epoch: Instant::now(),
            max_pause: DEFAULT_MAX_VENDOR_PAUSE,
            op_pauses: Mutex::new(crate::FastMap::default()),
            any_op_paused: AtomicBool::new(false),
            vendor: key_prefix.to_owned(),
        })
    }

    /// Caps every pause a vendor answer imposes at `cap`.
    pub(crate) fn with_max_pause(mut self, cap: Duration) -> Self {
        self.max_pause = cap;
        self
    }

    /// The bucket named `name`, for an operation to keep (`None`: no such bucket, so
    /// the operation is not limited).
    pub(crate) fn bucket(&self, name: &str) -> Option<Arc<Bucket>> {
        self.buckets.get(name).cloned()
    }

    /// A slot in `bucket` when deciding needs no wait: this process keeps the state (no
    /// shared store) and no operation is paused on its own. A slot further than
    /// `max_wait` is refused at once, as [`Limiter::acquire`] does. `now` is the
    /// caller's own clock reading, taken just before (the pipeline reads the clock once
    /// per attempt start, and every limit is computed from that reading).
    pub(crate) fn acquire_now(
        &self,
        bucket: &Bucket,
        critical: bool,
        max_wait: Duration,
        now: Instant,
    ) -> Slot {
        if self.shared_for(bucket).is_some() || self.any_op_paused.load(Ordering::Relaxed) {
            return Slot::Ask;
        }
        let max_wait = bucket.max_wait(max_wait);
        let at = self.since_epoch(now);
        match self.reserve_here(bucket, critical, bucket.cost(), max_wait, at) {
            Admission::Go { wait } if wait.is_zero() => Slot::Now,
            Admission::Go { wait } => Slot::Reserved(wait),
            Admission::Refused { retry_after } => {
                self.refused.increment(1);
                Slot::Refused(retry_after)
            }
        }
    }

    /// Waits `wait` for a slot already reserved in `bucket`, unless too many calls of
    /// this process already wait there: `Err` with the wait then.
    pub(crate) async fn wait_reserved(
        &self,
        bucket: &Bucket,
        wait: Duration,
    ) -> Result<Duration, Duration> {
        // The slot is already ours; the queue bound is on how many of this process's
        // calls sleep at once.
        if bucket.queued.fetch_add(1, Ordering::Relaxed) >= bucket.rate.max_queued {
            bucket.queued.fetch_sub(1, Ordering::Relaxed);
            self.refused.increment(1);
            return Err(wait);
        }
        let _left = QueueSlot(&bucket.queued);
        tokio::time::sleep(wait).await;
        self.waits.record(wait.as_secs_f64());
        Ok(wait)
    }

    /// [`Limiter::acquire`] for `operation`: first waits out (or, beyond `max_wait`,
    /// refuses on) a pause a long vendor wait put on the operation alone.
    pub(crate) async fn acquire_for(
        &self,
        operation: &str,
        bucket: &str,
        critical: bool,
        max_wait: Duration,
    ) -> Result<Duration, Duration> {
        let mut waited = Duration::ZERO;
        if let Some(left) = self.operation_paused(operation) {
            if left > max_wait {
                self.refused.increment(1);
                return Err(left);
            }
            tokio::time::sleep(left).await;
            waited = left;
        }
        self.acquire(bucket, critical, max_wait.saturating_sub(waited))
            .await
            .map(|w| w + waited)
    }

    /// How long `operation` stays paused on its own, if it is.
    fn operation_paused(&self, operation: &str) -> Option<Duration> {
        let mut pauses = self.op_pauses.lock().unwrap_or_else(|e| e.into_inner());
        if pauses.is_empty() {
            return None;
        }
        // Every expired pause goes, not only this operation's: until the map is empty
        // again, every call of the adapter takes the slower path through here.
        let now = Instant::now();
        pauses.retain(|_, until| *until > now);
        if pauses.is_empty() {
            self.any_op_paused.store(false, Ordering::Relaxed);
        }
        let until = *pauses.get(operation)?;
        Some(until.saturating_duration_since(now))
    }

    /// Waits for a slot in `bucket`, at most `max_wait`. `Ok` with the time waited, or
    /// `Err` with when a slot would be free (nothing reserved, no time spent).
    pub(crate) async fn acquire(
        &self,
        bucket: &str,
        critical: bool,
        max_wait: Duration,
    ) -> Result<Duration, Duration> {
        let Some(b) = self.buckets.get(bucket) else {
            return Ok(Duration::ZERO);
        };
        let max_wait = b.max_wait(max_wait);
        let cost = b.cost();
        let admission = match self.shared_for(b) {
            Some((store, guard)) => {
                let lanes = &b.lanes[..lane_count(&b.lanes, critical)];
                guard
                    .ask("rate", store.reserve(lanes, cost, max_wait))
                    .await
            }
            None => None,
        };
        let admission =
            admission.unwrap_or_else(|| self.reserve_here(b, critical, cost, max_wait, self.now()));
        match admission {
            Admission::Go { wait } if wait.is_zero() => Ok(wait),
            Admission::Go { wait } => self.wait_reserved(b, wait).await,
            Admission::Refused { retry_after } => {
                self.refused.increment(1);
                Err(retry_after)
            }
        }
    }

    /// Whether `headers` may hold something [`RateLimitInfo::parse`] reads: `Retry-After`,
    /// or a name with `limit` in it, which every family it knows has (`X-RateLimit-*`,
    /// `X-Rate-Limit-*`, `RateLimit*`, Shopify's call limit). Deliberately broad, so a
    /// family added to the parser is very likely still seen; a false positive only costs
    /// the parse. The pipeline also uses it to skip the remaining-requests gauge, whose
    /// headers all have `limit` in their names.
    pub(crate) fn may_carry_limits(headers: &HeaderMap) -> bool {
        headers.keys().any(|name| {
            let name = name.as_str().as_bytes();
            // Compared only where an `l` starts: every answer's names are scanned, and
            // comparing a window at every byte was a measurable share of a call.
            name == b"retry-after"
                || name
                    .iter()
                    .enumerate()
                    .any(|(i, &b)| b == b'l' && name[i..].starts_with(b"limit"))
        })
    }

    /// [`Limiter::observe_now`] and [`Limiter::pause_shared`] for the bucket named
    /// `bucket`, as the pipeline runs them.
    #[cfg(test)]
    pub(crate) async fn observe(
        &self,
        operation: &str,
        bucket: &str,
        status: u16,
        info: &RateLimitInfo,
    ) {
        let Some(b) = self.buckets.get(bucket) else {
            return;
        };
        if let Some(pause) = self.observe_now(operation, b, status, info) {
            self.pause_shared(b, pause).await;
        }
    }

    /// Learns from one vendor answer in bucket `b`, its rate-limit headers parsed once by
    /// the pipeline (with [`Bucket::reset_style`]): a 429 pauses the bucket for the
    /// wait the vendor asked for and slows it; an exhausted window pauses it until the
    /// reset.
    ///
    /// A throttling answer's wait longer than [`BUCKET_WIDE_WAIT`] (or the bucket's
    /// window) is not about the bucket's rate (a daily limit of one endpoint, a hostile
    /// `Retry-After: 86400`): it pauses `operation` only; the bucket is only slowed.
    /// Every pause is capped at [`crate::AdapterConfig::max_vendor_pause`].
    ///
    /// What this process keeps is done here, without waiting; `Some(pause)` when the
    /// pause must also go to the shared store ([`Limiter::pause_shared`]).
    pub(crate) fn observe_now(
        &self,
        operation: &str,
        b: &Bucket,
        status: u16,
        info: &RateLimitInfo,
    ) -> Option<Duration> {
        // GitHub's secondary limit answers 403 with a Retry-After.
        let throttled = status == 429 || (status == 403 && info.retry_after.is_some());
        let pause = if throttled && b.pause_only {
            // No window is known to wait out: only the vendor's own wait holds the
            // bucket; without one, the call's retry backoff is all the slowing there is.
            info.wait()
        } else if throttled {
            b.slow_down();
            // No header: wait one window, the vendor's unit of accounting.
            Some(info.wait().unwrap_or(b.rate.per))
        } else if info.exhausted() {
            info.reset.or(info.retry_after)
        } else {
            None
        };
        let pause = pause.filter(|p| !p.is_zero())?;
        let capped = pause > self.max_pause;
        let pause = pause.min(self.max_pause);
        let op_scoped = throttled && pause > b.rate.per.max(BUCKET_WIDE_WAIT);
        if capped || op_scoped {
            metrics::counter!(RATELIMIT_LONG_PAUSE_TOTAL, "vendor" => self.vendor.clone(), "operation" => operation.to_owned(), "capped" => if capped { "true" } else { "false" }).increment(1);
        }
        if op_scoped {
            if let Some(until) = Instant::now().checked_add(pause) {
                let mut pauses = self.op_pauses.lock().unwrap_or_else(|e| e.into_inner());
                pauses.insert(operation.to_owned(), until);
                self.any_op_paused.store(true, Ordering::Relaxed);
            }
            tracing::warn!(vendor = %self.vendor, operation, status, ?pause, capped, "vendor asked for a long wait; pausing this operation only");
            return None;
        }
        if capped {
            tracing::warn!(vendor = %self.vendor, operation, status, ?pause, "vendor asked for a wait longer than max_vendor_pause; pausing the bucket for the cap");
        }
        tracing::info!(bucket = %b.label, status, ?pause, "vendor limit reached; pausing the bucket");
        if self.shared_for(b).is_some() {
            b.pause_local(&b.local_lanes, self.now(), pause);
            Some(pause)
        } else {
            b.pause_local(&b.lanes, self.now(), pause);
            None
        }
    }

    /// Writes a pause [`Limiter::observe_now`] decided to the shared store, so every
    /// replica holds the bucket.
    pub(crate) async fn pause_shared(&self, b: &Bucket, pause: Duration) {
        if let Some((store, guard)) = self.shared_for(b) {
            guard.ask("rate", store.pause(&b.lanes, pause)).await;
        }
    }
}

impl Limiter {
    /// The store that keeps `b`'s lanes for every replica, if one does.
    fn shared_for(&self, b: &Bucket) -> Option<&(Arc<dyn RateStore>, Arc<StoreGuard>)> {
        self.shared.as_ref().filter(|_| !b.pause_only)
    }

    /// Nanoseconds since `epoch`, the clock of the local TATs.
    fn now(&self) -> u64 {
        nanos(self.epoch.elapsed())
    }

    /// `at` in the limiter's time: nanoseconds since its epoch.
    fn since_epoch(&self, at: Instant) -> u64 {
        nanos(at.saturating_duration_since(self.epoch))
    }

    /// Reserves `cost` cells in this process's lanes of `b` at `now` (the limiter's
    /// time): the bucket's own without a shared store, this replica's share of them
    /// while the store is away.
    fn reserve_here(
        &self,
        b: &Bucket,
        critical: bool,
        cost: u32,
        max_wait: Duration,
        now: u64,
    ) -> Admission {
        let lanes = if self.shared_for(b).is_some() {
            &b.local_lanes
        } else {
            &b.lanes
        };
        b.reserve_local(&lanes[..lane_count(lanes, critical)], now, cost, max_wait)
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Bucket {
    /// The longest a call may wait for a slot: its own limit, within the bucket's.
    fn max_wait(&self, call_may_wait: Duration) -> Duration {
        self.rate
            .max_wait
            .map_or(call_may_wait, |cap| cap.min(call_may_wait))
    }

    /// How this bucket's vendor counts `X-RateLimit-Reset`.
    pub(crate) fn reset_style(&self) -> ResetStyle {
        self.rate.reset
    }

    /// GCRA in this process (the math of `InMemoryRateStore` and the Redis script):
    /// reserves `cost` cells in every one of `lanes` (a prefix of the bucket's) at the
    /// earliest slot, unless it is more than `max_wait` away.
    fn reserve_local(&self, lanes: &[Lane], now: u64, cost: u32, max_wait: Duration) -> Admission {
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        let state = |(lane, tat): (&Lane, &u64)| LaneState {
            tat: *tat,
            interval: nanos(lane.interval),
            burst: lane.burst,
        };
        let at = gcra::slot_at(now, lanes.iter().zip(tats.iter()).map(state), cost);
        let wait = Duration::from_nanos(at - now);
        if wait > max_wait {
            return Admission::Refused { retry_after: wait };
        }
        for (lane, tat) in lanes.iter().zip(tats.iter_mut()) {
            *tat = gcra::tat_after(&state((lane, tat)), at, cost);
        }
        Admission::Go { wait }
    }

    /// Holds every lane until `pause` from `now`.
    fn pause_local(&self, lanes: &[Lane], now: u64, pause: Duration) {
        let until = now.saturating_add(nanos(pause));
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        for (lane, tat) in lanes.iter().zip(tats.iter_mut()) {
            // The first cell after the pause may go exactly at its end.
            let tolerance = nanos(lane.interval).saturating_mul(u64::from(lane.burst.max(1) - 1));
            *tat = (*tat).max(until.saturating_add(tolerance));
        }
    }

    /// The cost of one call now: recovers one halving per window without a 429.
    fn cost(&self) -> u32 {
        let mut s = self.slowdown.lock().unwrap_or_else(|e| e.into_inner());
        let recover_after = self.rate.per.max(Duration::from_secs(1));
        while s.cost > 1 && s.since.elapsed() >= recover_after {
            s.cost /= 2;
            s.since += recover_after;
        }
        s.cost
    }

    fn slow_down(&self) {
        let mut s = self.slowdown.lock().unwrap_or_else(|e| e.into_inner());
        s.cost = (s.cost * 2).min(MAX_SLOWDOWN);
        s.since = Instant::now();
    }
}

/// How many of `lanes` a call takes: critical calls skip the lane that keeps the
/// reserve free.
fn lane_count(lanes: &[Lane], critical: bool) -> usize {
    if critical { 1 } else { lanes.len() }
}

struct QueueSlot<'a>(&'a AtomicUsize);

impl Drop for QueueSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The lanes of a bucket at `1 / divide` of its rate.
fn lanes(prefix: &str, label: &str, rate: &RateLimit, divide: u32) -> Vec<Lane> {
    let interval = rate.interval().saturating_mul(divide);
    let burst = rate.burst.max(1);
    let mut lanes = vec![Lane {
        key: format!("{{{prefix}:rate:{label}}}:all"),
        interval,
        burst,
    }];
    if rate.reserve > 0.0 {
        lanes.push(Lane {
            key: format!("{{{prefix}:rate:{label}}}:normal"),
            interval: interval.div_f64(1.0 - rate.reserve),
            burst,
        });
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer's headers as the pipeline hands them to the limiter.
    fn seen(h: &HeaderMap) -> RateLimitInfo {
        RateLimitInfo::parse(h, std::time::SystemTime::now(), ResetStyle::Auto)
    }

    fn limiter(rate: RateLimit) -> Limiter {
        let buckets = HashMap::from([(ADAPTER_BUCKET.to_owned(), rate)]);
        Limiter::new("t", &buckets, None, None, 1).expect("valid")
    }

    /// A store that fails the test if asked: a pause-only bucket must never reach it.
    #[derive(Debug)]
    struct Untouchable;

    impl RateStore for Untouchable {
        fn reserve<'a>(
            &'a self,
            _: &'a [Lane],
            _: u32,
            _: Duration,
        ) -> crate::shared::StoreFuture<'a, Admission> {
            panic!("a pause-only bucket asked the shared store for a slot")
        }

        fn pause<'a>(&'a self, _: &'a [Lane], _: Duration) -> crate::shared::StoreFuture<'a, ()> {
            panic!("a pause-only bucket wrote its pause to the shared store")
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_only_bucket_never_spaces_and_holds_for_the_vendor_in_this_process() {
        let buckets = HashMap::from([(ADAPTER_BUCKET.to_owned(), pause_only_rate())]);
        let guard = Arc::new(StoreGuard::new(
            "t",
            Duration::from_secs(1),
            Duration::from_secs(1),
        ));
        let store: Arc<dyn RateStore> = Arc::new(Untouchable);
        let l = Limiter::new("t", &buckets, Some(ADAPTER_BUCKET), Some((store, guard)), 3)
            .expect("valid");
        let b = l.bucket(ADAPTER_BUCKET).expect("the adapter's bucket");
        for _ in 0..10_000 {
            assert_eq!(
                l.acquire_now(&b, false, Duration::ZERO, Instant::now()),
                Slot::Now
            );
        }
        let mut h = HeaderMap::new();
        h.insert("retry-after", "2".parse().expect("header"));
        assert_eq!(l.observe_now("op", &b, 429, &seen(&h)), None, "kept here");
        match l.acquire_now(&b, false, Duration::from_secs(5), Instant::now()) {
            Slot::Reserved(wait) => assert!(wait > Duration::from_millis(1990), "{wait:?}"),
            other => panic!("held for the vendor's wait, got {other:?}"),
        }
        match l.acquire("", false, Duration::from_millis(10)).await {
            Err(wait) => assert!(
                wait >= Duration::from_secs(2) && wait < Duration::from_millis(2001),
                "{wait:?}"
            ),
            Ok(w) => panic!("a call that cannot wait out the pause went after {w:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_and_refuses_what_cannot_wait() {
        let l = limiter(RateLimit::new(10, Duration::from_secs(1)));
        assert_eq!(
            l.acquire("", false, Duration::from_secs(1)).await,
            Ok(Duration::ZERO)
        );
        let waited = l
            .acquire("", false, Duration::from_secs(1))
            .await
            .expect("slot");
        assert_eq!(waited, Duration::from_millis(100));
        let refused = l.acquire("", false, Duration::from_millis(50)).await;
        assert_eq!(refused, Err(Duration::from_millis(100)));
    }

    #[tokio::test(start_paused = true)]
    async fn reserve_is_left_to_critical_calls() {
        // 10/s with half reserved: normal calls get 5/s, critical ones the rest.
        let l = limiter(RateLimit::new(10, Duration::from_secs(1)).reserve(0.5));
        assert!(l.acquire("", false, Duration::ZERO).await.is_ok());
        // The normal lane needs 200 ms; the whole-rate lane only 100 ms.
        assert_eq!(
            l.acquire("", false, Duration::ZERO).await,
            Err(Duration::from_millis(200))
        );
        assert_eq!(
            l.acquire("", true, Duration::from_secs(1)).await,
            Ok(Duration::from_millis(100))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_and_slows_the_bucket() {
        let l = limiter(RateLimit::new(10, Duration::from_secs(1)));
        let mut h = HeaderMap::new();
        h.insert("retry-after", http::HeaderValue::from_static("2"));
        l.observe("op", "", 429, &seen(&h)).await;
        let refused = l.acquire("", false, Duration::from_secs(1)).await;
        assert!(
            refused.is_err_and(|d| d >= Duration::from_millis(1900)),
            "{refused:?}"
        );
        let waited = l
            .acquire("", false, Duration::from_secs(3))
            .await
            .expect("slot");
        assert!(waited >= Duration::from_millis(1900), "{waited:?}");
        // Slowed: the next call costs two cells, 200 ms instead of 100 ms.
        let next = l
            .acquire("", false, Duration::from_secs(3))
            .await
            .expect("slot");
        assert_eq!(next, Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn remaining_zero_holds_until_the_reset() {
        let l = limiter(RateLimit::new(100, Duration::from_secs(1)));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", http::HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", http::HeaderValue::from_static("3"));
        l.observe("op", "", 200, &seen(&h)).await;
        let refused = l.acquire("", false, Duration::from_secs(1)).await;
        assert!(
            refused.is_err_and(|d| d >= Duration::from_millis(2900)),
            "{refused:?}"
        );
    }

    #[test]
    fn every_header_the_parser_reads_is_looked_at() {
        let names = [
            "retry-after",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-used",
            "x-ratelimit-resource",
            "x-ratelimit-reset-after",
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
            "ratelimit",
            "ratelimit-policy",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "x-shopify-shop-api-call-limit",
        ];
        for name in names {
            let mut h = HeaderMap::new();
            h.insert("content-type", http::HeaderValue::from_static("text/plain"));
            h.insert(name, http::HeaderValue::from_static("0"));
            assert!(Limiter::may_carry_limits(&h), "{name}");
        }
        let mut plain = HeaderMap::new();
        plain.insert("content-type", http::HeaderValue::from_static("text/plain"));
        plain.insert("content-length", http::HeaderValue::from_static("2"));
        // An `l` at the end, or `limi` cut short, is no `limit`.
        plain.insert("x-call", http::HeaderValue::from_static("1"));
        plain.insert("x-limi", http::HeaderValue::from_static("1"));
        assert!(!Limiter::may_carry_limits(&plain));
        let mut first = HeaderMap::new();
        first.insert("limit", http::HeaderValue::from_static("1"));
        assert!(Limiter::may_carry_limits(&first), "at the start");
        assert!(!Limiter::may_carry_limits(&HeaderMap::new()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_without_headers_still_pauses_for_a_window() {
        let l = limiter(RateLimit::new(10, Duration::from_secs(1)));
        l.observe("op", "", 429, &RateLimitInfo::default()).await;
        let refused = l.acquire("", false, Duration::from_millis(500)).await;
        assert!(
            refused.is_err_and(|d| d >= Duration::from_millis(900)),
            "{refused:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn calls_decide_in_place_again_once_an_operation_pause_is_over() {
        let l = limiter(RateLimit::new(1000, Duration::from_secs(1)).burst(100));
        let bucket = l.bucket(ADAPTER_BUCKET).expect("the adapter's bucket");
        assert_eq!(
            l.acquire_now(&bucket, false, Duration::from_secs(1), Instant::now()),
            Slot::Now
        );
        // A long Retry-After pauses the operation that got it, not the bucket.
        let mut h = HeaderMap::new();
        h.insert("retry-after", "120".parse().expect("value"));
        assert_eq!(l.observe_now("report", &bucket, 429, &seen(&h)), None);
        assert_eq!(
            l.acquire_now(&bucket, false, Duration::from_secs(1), Instant::now()),
            Slot::Ask,
            "a pause is only seen on the slow path"
        );
        assert!(
            l.acquire_for("report", "", false, Duration::from_secs(1))
                .await
                .is_err_and(|left| left > Duration::from_secs(100)),
            "the paused operation waits or is refused"
        );
        assert!(
            l.acquire_for("other", "", false, Duration::from_secs(1))
                .await
                .is_ok(),
            "another operation goes"
        );
        tokio::time::advance(Duration::from_secs(121)).await;
        // Any operation's call clears the expired pause, so calls stop taking the
        // slow path even if the paused operation is never called again.
        assert!(
            l.acquire_for("other", "", false, Duration::from_secs(1))
                .await
                .is_ok()
        );
        assert_eq!(
            l.acquire_now(&bucket, false, Duration::from_secs(1), Instant::now()),
            Slot::Now
        );
    }

    #[test]
    fn bad_rates_are_config_errors() {
        for rate in [
            RateLimit::new(0, Duration::from_secs(1)),
            RateLimit::new(1, Duration::ZERO),
            RateLimit::new(1, Duration::from_secs(1)).reserve(0.95),
        ] {
            let buckets = HashMap::from([(ADAPTER_BUCKET.to_owned(), rate)]);
            let err = Limiter::new("Vendor", &buckets, None, None, 1).expect_err("invalid");
            assert!(err.to_string().contains("bucket adapter"), "{err}");
        }
    }
}

//! The generic cell rate algorithm, with reservations.
//!
//! Each lane keeps one number, its theoretical arrival time (TAT): when the next cell
//! would be due if traffic ran exactly at the rate. A cell may go at `t` when
//! `t >= tat - (burst - 1) * interval`; sending it moves the TAT one interval on.
//! Reserving means the same step taken for a future `t`: the caller is told its slot
//! and sleeps until it, so waiting callers are served in arrival order without polling.
//!
//! Times are nanoseconds on a clock every user of a lane shares (a process's monotonic
//! clock here; Redis's `TIME` in `shared/redis/gcra.lua`, which repeats this math).

/// The reservation `reserve` computed for a set of lanes.
// The whole step in one value, as the tests (and `shared/redis/gcra.lua`) state it; the
// in-memory store uses `slot_at` and `tat_after` to update its lanes in place.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    /// When the cells may go (`>= now`).
    pub(crate) at: u64,
    /// The lanes' TATs after the reservation, in the order given.
    pub(crate) tats: Vec<u64>,
}

/// One lane as the algorithm sees it: current TAT, emission interval, burst.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneState {
    pub(crate) tat: u64,
    pub(crate) interval: u64,
    pub(crate) burst: u32,
}

/// The earliest slot at which every lane admits `cost` cells, and the TATs after
/// taking it. Never fails: whether the slot is acceptable is the caller's decision.
#[cfg(test)]
pub(crate) fn reserve(now: u64, lanes: &[LaneState], cost: u32) -> Slot {
    let at = slot_at(now, lanes.iter().copied(), cost);
    let tats = lanes.iter().map(|l| tat_after(l, at, cost)).collect();
    Slot { at, tats }
}

/// The slot [`reserve`] would give, without collecting the TATs: the in-memory store
/// reads and writes its lanes in place, allocation-free on every call.
pub(crate) fn slot_at(now: u64, lanes: impl IntoIterator<Item = LaneState>, cost: u32) -> u64 {
    let cost = u64::from(cost.max(1));
    lanes
        .into_iter()
        .map(|l| {
            let tolerance = l.interval.saturating_mul(u64::from(l.burst.max(1) - 1));
            // The last of `cost` cells must fit: the first goes `cost - 1` intervals
            // before the TAT the reservation leaves behind.
            let extra = l.interval.saturating_mul(cost - 1);
            l.tat
                .saturating_add(extra)
                .saturating_sub(tolerance)
                .max(now)
        })
        .max()
        .unwrap_or(now)
}

/// A lane's TAT after `cost` cells were reserved at `at` (from [`slot_at`]).
pub(crate) fn tat_after(lane: &LaneState, at: u64, cost: u32) -> u64 {
    let cost = u64::from(cost.max(1));
    lane.tat
        .max(at)
        .saturating_add(lane.interval.saturating_mul(cost))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn lane(tat: u64, interval_ms: u64, burst: u32) -> LaneState {
        LaneState {
            tat,
            interval: interval_ms * MS,
            burst,
        }
    }

    #[test]
    fn spaces_cells_one_interval_apart() {
        let mut l = lane(0, 10, 1);
        let mut slots = vec![];
        for _ in 0..4 {
            let s = reserve(0, &[l], 1);
            slots.push(s.at / MS);
            l.tat = s.tats[0];
        }
        assert_eq!(slots, vec![0, 10, 20, 30]);
    }

    #[test]
    fn burst_goes_at_once_then_spaces() {
        let mut l = lane(0, 10, 3);
        let mut slots = vec![];
        for _ in 0..5 {
            let s = reserve(100 * MS, &[l], 1);
            slots.push(s.at / MS);
            l.tat = s.tats[0];
        }
        assert_eq!(slots, vec![100, 100, 100, 110, 120]);
    }

    #[test]
    fn slowest_lane_decides_and_every_lane_is_charged() {
        let fast = lane(0, 10, 1);
        let slow = lane(50 * MS, 20, 1);
        let s = reserve(0, &[fast, slow], 1);
        assert_eq!(s.at, 50 * MS);
        assert_eq!(s.tats, vec![60 * MS, 70 * MS]);
    }

    /// governor is the well-kept GCRA crate; it cannot reserve future slots or keep its
    /// state in Redis (docs/decisions.md), but for "may this cell go now" our math must
    /// agree with it exactly, on any arrival pattern.
    #[test]
    fn admits_exactly_what_governor_admits() {
        use governor::clock::FakeRelativeClock;
        use governor::{Quota, RateLimiter};
        use proptest::prelude::*;
        use std::num::NonZeroU32;
        use std::time::Duration;

        let strategy = (
            1u64..50,
            1u32..5,
            proptest::collection::vec(0u64..40, 1..200),
        );
        proptest!(ProptestConfig::with_cases(200), |((interval_ms, burst, gaps) in strategy)| {
            let clock = FakeRelativeClock::default();
            let quota = Quota::with_period(Duration::from_millis(interval_ms))
                .expect("non-zero period")
                .allow_burst(NonZeroU32::new(burst).expect("non-zero burst"));
            let governor = RateLimiter::direct_with_clock(quota, clock.clone());
            let mut ours = lane(0, interval_ms, burst);
            // Start well past zero: governor's clock starts at its own origin.
            let mut now = 1_000 * MS;
            clock.advance(Duration::from_millis(1_000));
            for gap in gaps {
                now += gap * MS;
                clock.advance(Duration::from_millis(gap));
                let slot = reserve(now, &[ours], 1);
                let we_admit = slot.at == now;
                if we_admit {
                    ours.tat = slot.tats[0];
                }
                prop_assert_eq!(we_admit, governor.check().is_ok(), "at {} ms", now / MS);
            }
        });
    }

    #[test]
    fn a_cost_of_two_takes_two_intervals() {
        let l = lane(0, 10, 1);
        let s = reserve(0, &[l], 2);
        assert_eq!(s.at, 10 * MS, "the second cell needs one interval");
        assert_eq!(s.tats[0], 30 * MS);
    }
}

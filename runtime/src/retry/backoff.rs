//! Exponential backoff with full jitter.
//!
//! Full jitter (`rand(0, min(cap, base * 2^n))`, as in the AWS SDKs' standard mode)
//! spreads the retries of many clients that failed together, which is exactly the
//! situation after a vendor blip; plain exponential backoff would bring them back in
//! lock-step.

use std::time::Duration;

use rand::Rng;

/// The ceiling of the `retry`-th wait (0-based): `min(cap, base * 2^retry)`.
pub fn ceiling(base: Duration, cap: Duration, retry: u32) -> Duration {
    // Past 2^31 the product saturates long before the cap matters.
    let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(cap)
}

/// A uniformly random wait in `[0, ceiling(base, cap, retry)]`.
pub fn full_jitter(base: Duration, cap: Duration, retry: u32, rng: &mut impl Rng) -> Duration {
    let max = ceiling(base, cap, retry);
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(rng.random_range(0..=nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn ceiling_doubles_then_caps() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        let got: Vec<u128> = (0..6).map(|n| ceiling(base, cap, n).as_millis()).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(ceiling(base, cap, 1000), cap);
    }

    #[test]
    fn jitter_stays_within_ceiling_and_spreads() {
        let mut rng = StdRng::seed_from_u64(7);
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        let waits: Vec<Duration> = (0..1000)
            .map(|_| full_jitter(base, cap, 2, &mut rng))
            .collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(400)));
        let mean = waits.iter().sum::<Duration>() / 1000;
        // Uniform on [0, 400ms]: the mean is near 200ms.
        assert!(
            mean > Duration::from_millis(170) && mean < Duration::from_millis(230),
            "{mean:?}"
        );
        assert_eq!(
            full_jitter(Duration::ZERO, cap, 3, &mut rng),
            Duration::ZERO
        );
    }
}

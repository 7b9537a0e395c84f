use super::*;

fn policy() -> BreakerPolicy {
    BreakerPolicy {
        min_calls: 4,
        open_for: Duration::from_secs(10),
        half_open_probes: 2,
        ..BreakerPolicy::default()
    }
}

fn run(b: &CircuitBreaker, outcome: CallOutcome) {
    b.try_acquire()
        .expect("admitted")
        .record(outcome, Duration::from_millis(10));
}

#[tokio::test(start_paused = true)]
async fn opens_on_failure_rate_only_after_min_calls() {
    let b = CircuitBreaker::new(policy());
    for _ in 0..3 {
        run(&b, CallOutcome::Failure);
    }
    assert_eq!(b.state(), BreakerState::Closed, "3 calls < min_calls");
    run(&b, CallOutcome::Failure);
    assert_eq!(b.state(), BreakerState::Open);
    let retry_in = b.try_acquire().expect_err("open");
    assert_eq!(retry_in, Some(Duration::from_secs(10)));
}

#[tokio::test(start_paused = true)]
async fn client_errors_and_throttling_do_not_trip() {
    let b = CircuitBreaker::new(policy());
    for _ in 0..10 {
        run(&b, CallOutcome::Success);
        run(&b, CallOutcome::Ignored);
    }
    run(&b, CallOutcome::Failure);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn old_failures_slide_out_of_the_window() {
    let b = CircuitBreaker::new(policy());
    for _ in 0..3 {
        run(&b, CallOutcome::Failure);
    }
    tokio::time::advance(Duration::from_secs(11)).await;
    run(&b, CallOutcome::Failure);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn slow_calls_open_it() {
    let b = CircuitBreaker::new(policy());
    for _ in 0..4 {
        b.try_acquire()
            .expect("closed")
            .record(CallOutcome::Success, Duration::from_secs(6));
    }
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn half_open_limits_probes_and_closes_when_they_succeed() {
    let b = CircuitBreaker::new(policy());
    for _ in 0..4 {
        run(&b, CallOutcome::Failure);
    }
    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(b.state(), BreakerState::HalfOpen);
    let p1 = b.try_acquire().expect("probe 1");
    let p2 = b.try_acquire().expect("probe 2");
    assert!(b.try_acquire().is_err(), "only two probes");
    p1.record(CallOutcome::Success, Duration::from_millis(5));
    assert_eq!(b.state(), BreakerState::HalfOpen);
    p2.record(CallOutcome::Success, Duration::from_millis(5));
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_failed_probe_reopens_and_a_cancelled_one_frees_its_slot() {
    let b = CircuitBreaker::new(policy());
    for _ in 0..4 {
        run(&b, CallOutcome::Failure);
    }
    tokio::time::advance(Duration::from_secs(10)).await;
    {
        let _cancelled = b.try_acquire().expect("probe");
        let _cancelled2 = b.try_acquire().expect("probe");
    }
    let p = b.try_acquire().expect("slot freed by drop");
    p.record(CallOutcome::Failure, Duration::from_millis(5));
    assert_eq!(b.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn disabled_breaker_never_opens() {
    let b = CircuitBreaker::new(BreakerPolicy::disabled());
    for _ in 0..100 {
        run(&b, CallOutcome::Failure);
    }
    assert_eq!(b.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn an_absurd_open_duration_does_not_panic() {
    let b = CircuitBreaker::new(BreakerPolicy {
        open_for: Duration::MAX,
        ..policy()
    });
    for _ in 0..4 {
        run(&b, CallOutcome::Failure);
    }
    assert_eq!(b.state(), BreakerState::Open);
}

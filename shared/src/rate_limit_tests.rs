use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::testing::utc;

const LIMIT: Limit = Limit {
    per_second: 10,
    burst: 5,
};

#[test]
fn a_full_bucket_admits_its_burst_then_one_per_interval() {
    let now = 1_000_000;
    let mut tat = None;
    for i in 0..5 {
        tat = Some(gcra(tat, now, LIMIT).unwrap_or_else(|w| panic!("request {i} refused ({w}s)")));
    }
    assert_eq!(gcra(tat, now, LIMIT), Err(1), "the sixth waits");
    // 100 ms later one more token is back, and only one.
    let later = now + 100;
    tat = Some(gcra(tat, later, LIMIT).unwrap());
    assert!(gcra(tat, later, LIMIT).is_err());
    // An idle bucket refills to its burst, never beyond it.
    let idle = later + 3_600_000;
    let mut tat2 = tat;
    for _ in 0..5 {
        tat2 = Some(gcra(tat2, idle, LIMIT).unwrap());
    }
    assert!(gcra(tat2, idle, LIMIT).is_err());
}

#[test]
fn shards_share_the_limit() {
    let l = Limit::PRACTICE_API.per_shard(4);
    assert_eq!((l.per_second, l.burst), (5, 10));
    let tiny = Limit {
        per_second: 1,
        burst: 1,
    }
    .per_shard(8);
    assert_eq!((tiny.per_second, tiny.burst), (1, 1));
}

#[tokio::test]
async fn one_practice_over_its_limit_leaves_another_untouched() {
    let limiter = MemoryRateLimiter::new(LIMIT);
    let a = PracticeId::parse("prc_a").unwrap();
    let b = PracticeId::parse("prc_b").unwrap();
    let now = utc("2026-03-01T10:00:00Z");
    for _ in 0..5 {
        assert_eq!(limiter.take(&a, now).await.unwrap(), Verdict::Allowed);
    }
    assert!(matches!(
        limiter.take(&a, now).await.unwrap(),
        Verdict::Limited {
            retry_after_secs: 1
        }
    ));
    assert_eq!(limiter.take(&b, now).await.unwrap(), Verdict::Allowed);
    let later = now + Duration::milliseconds(100);
    assert_eq!(limiter.take(&a, later).await.unwrap(), Verdict::Allowed);
}

proptest! {
    /// Over any sequence of requests, admitted ones never exceed the burst plus what the
    /// rate refills over the elapsed time; and a request is refused only when the bucket
    /// really is empty (a burst of requests at an idle moment is always admitted).
    #[test]
    fn never_more_than_burst_plus_rate(
        per_second in 1u32..50,
        burst in 1u32..20,
        steps in proptest::collection::vec(0i64..400, 1..200),
    ) {
        let limit = Limit { per_second, burst };
        let start = 10_000_000i64;
        let mut now = start;
        let mut tat = None;
        let mut admitted = 0u64;
        for step in steps {
            now += step;
            if let Ok(next) = gcra(tat, now, limit) {
                tat = Some(next);
                admitted += 1;
            }
            let elapsed = (now - start) as u64;
            let cap = u64::from(burst) + elapsed / limit.interval_ms() as u64;
            prop_assert!(admitted <= cap, "{admitted} admitted, cap {cap}");
        }
        let idle = now + 1_000_000;
        for _ in 0..burst {
            let next = gcra(tat, idle, limit);
            prop_assert!(next.is_ok());
            tat = next.ok();
        }
    }
}

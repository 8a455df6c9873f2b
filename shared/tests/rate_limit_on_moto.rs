//! The per-practice token bucket on the real DynamoDB adapter (moto, a table made from
//! template.yaml): one practice over its limit is refused with a retry time while another
//! is unaffected, the bucket refills with time, concurrent requests never over-admit, and
//! sharded buckets keep the total.

use std::sync::Arc;

use chrono::Duration;
use frontdesk::domain::PracticeId;
use frontdesk::rate_limit::{DynamoRateLimiter, Limit, RateLimiter, Verdict};
use futures_util::future::join_all;
use local_stack::Moto;

async fn limiter(limit: Limit) -> DynamoRateLimiter {
    let moto = Moto::shared().await.expect("moto starts (make venv)");
    let table = moto.fresh_table().await.expect("a fresh table");
    DynamoRateLimiter::new(
        aws_sdk_dynamodb::Client::new(&moto.sdk_config()),
        table,
        limit,
    )
}

fn practice(id: &str) -> PracticeId {
    PracticeId::parse(id).unwrap()
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().into()
}

#[tokio::test]
async fn a_tenant_over_its_limit_is_refused_and_another_is_not() {
    let l = limiter(Limit {
        per_second: 2,
        burst: 3,
    })
    .await;
    let (busy, quiet) = (practice("prc_busy"), practice("prc_quiet"));
    let now = at("2026-03-01T10:00:00Z");
    for _ in 0..3 {
        assert_eq!(l.take(&busy, now).await.unwrap(), Verdict::Allowed);
    }
    assert_eq!(
        l.take(&busy, now).await.unwrap(),
        Verdict::Limited {
            retry_after_secs: 1
        }
    );
    assert_eq!(l.take(&quiet, now).await.unwrap(), Verdict::Allowed);
    // Half a second later (2 rps) one token is back.
    let later = now + Duration::milliseconds(500);
    assert_eq!(l.take(&busy, later).await.unwrap(), Verdict::Allowed);
    assert!(matches!(
        l.take(&busy, later).await.unwrap(),
        Verdict::Limited { .. }
    ));
    // After an idle hour: the full burst again, no more.
    let idle = now + Duration::hours(1);
    for _ in 0..3 {
        assert_eq!(l.take(&busy, idle).await.unwrap(), Verdict::Allowed);
    }
    assert!(matches!(
        l.take(&busy, idle).await.unwrap(),
        Verdict::Limited { .. }
    ));
}

#[tokio::test]
async fn concurrent_requests_never_take_more_than_the_bucket_holds() {
    let l = Arc::new(
        limiter(Limit {
            per_second: 1,
            burst: 10,
        })
        .await,
    );
    let p = practice("prc_race");
    let now = at("2026-03-01T10:00:00Z");
    let verdicts = join_all((0..40).map(|_| {
        let (l, p) = (l.clone(), p.clone());
        tokio::spawn(async move { l.take(&p, now).await.unwrap() })
    }))
    .await;
    let allowed = verdicts
        .iter()
        .filter(|v| matches!(v, Ok(Verdict::Allowed)))
        .count();
    assert!(allowed <= 10, "{allowed} admitted from a bucket of 10");
    assert!(
        allowed >= 5,
        "contention refused nearly everything: {allowed}"
    );
    // Whatever the race admitted, the bucket is now empty at `now`.
    assert!(matches!(
        l.take(&p, now).await.unwrap(),
        Verdict::Limited { .. }
    ));
}

#[tokio::test]
async fn sharded_buckets_keep_the_total_and_the_tenant_apart() {
    let l = limiter(Limit {
        per_second: 4,
        burst: 8,
    })
    .await
    .with_shards(4);
    let p = practice("prc_sharded");
    let now = at("2026-03-01T10:00:00Z");
    let mut allowed = 0;
    for _ in 0..40 {
        if l.take(&p, now).await.unwrap() == Verdict::Allowed {
            allowed += 1;
        }
    }
    assert!(allowed <= 8, "{allowed} admitted with a total burst of 8");
    assert_eq!(
        l.take(&practice("prc_other"), now).await.unwrap(),
        Verdict::Allowed
    );
}

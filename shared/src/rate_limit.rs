//! The per-practice request limit of the Practice API: a token bucket kept in the table
//! as GCRA (the generic cell rate algorithm, the token bucket stated as one number: the
//! "theoretical arrival time" `tat` of the next request). A request at `now` is allowed
//! while `tat - now <= burst_window`; it moves `tat` to `max(tat, now) + interval`.
//!
//! DynamoDB cannot compute `max` in an update, so the adapter sends one conditional
//! `UpdateItem` for the case it expects and learns the stored `tat` from the failed
//! condition (`ReturnValuesOnConditionCheckFailure`): a busy bucket (`tat >= now`) is
//! `SET tat = tat + interval`, an idle or new one `SET tat = now + interval`. A refusal is
//! always one request; an allowed request is one, or two when the guess was wrong (after
//! an idle period). Concurrent requests cannot over-admit: every admit is a conditional
//! write on the value it was computed from.
//!
//! Keys: `PK = RATE#<practice>#<shard>`, `SK = RATE` (`type = rate_bucket`, `tat_ms`,
//! `expires_at_epoch` a day after the last request), so no practice shares a bucket and a
//! busy practice spreads over `shards` partitions (each with `1/shards` of the rate).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

use crate::domain::PracticeId;
use crate::{Error, Result};

/// Requests per second a practice may sustain, and how many it may send at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub per_second: u32,
    pub burst: u32,
}

impl Limit {
    /// The Practice API's default: well under the stage's default route limit (50 rps),
    /// so no single practice can take it all.
    pub const PRACTICE_API: Limit = Limit {
        per_second: 20,
        burst: 40,
    };

    /// One shard's share (at least one request per second and a burst of one).
    fn per_shard(self, shards: u32) -> Limit {
        let shards = shards.max(1);
        Limit {
            per_second: (self.per_second / shards).max(1),
            burst: (self.burst / shards).max(1),
        }
    }

    fn interval_ms(self) -> i64 {
        (1000 / i64::from(self.per_second.max(1))).max(1)
    }

    /// How far ahead of `now` the next arrival time may be and still admit a request.
    fn window_ms(self) -> i64 {
        self.interval_ms() * i64::from(self.burst.max(1) - 1)
    }
}

/// The bucket's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit: the earliest moment a retry can succeed, in whole seconds (>= 1).
    Limited {
        retry_after_secs: u64,
    },
}

/// The pure rule: the new arrival time if a request at `now_ms` is admitted, else how
/// long to wait.
pub fn gcra(tat_ms: Option<i64>, now_ms: i64, limit: Limit) -> std::result::Result<i64, u64> {
    let tat = tat_ms.unwrap_or(now_ms).max(now_ms);
    let allowed_from = tat - limit.window_ms();
    if now_ms < allowed_from {
        let wait_ms = allowed_from - now_ms;
        return Err(((wait_ms + 999) / 1000).max(1) as u64);
    }
    Ok(tat + limit.interval_ms())
}

#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Takes one token of `practice`'s bucket at `now`.
    async fn take(&self, practice: &PracticeId, now: DateTime<Utc>) -> Result<Verdict>;
}

/// The bucket in memory (unit tests, the local gateway's default is the table).
#[derive(Debug)]
pub struct MemoryRateLimiter {
    limit: Limit,
    tats: Mutex<HashMap<String, i64>>,
}

impl MemoryRateLimiter {
    pub fn new(limit: Limit) -> Self {
        Self {
            limit,
            tats: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn take(&self, practice: &PracticeId, now: DateTime<Utc>) -> Result<Verdict> {
        let mut tats = self
            .tats
            .lock()
            .map_err(|_| Error::Storage("rate limiter poisoned".into()))?;
        let key = practice.as_str().to_string();
        match gcra(tats.get(&key).copied(), now.timestamp_millis(), self.limit) {
            Ok(next) => {
                tats.insert(key, next);
                Ok(Verdict::Allowed)
            }
            Err(retry_after_secs) => Ok(Verdict::Limited { retry_after_secs }),
        }
    }
}

/// The bucket in the DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoRateLimiter {
    client: aws_sdk_dynamodb::Client,
    table: String,
    limit: Limit,
    shards: u32,
}

/// What one conditional update found.
enum Attempt {
    Done(Verdict),
    /// The condition failed on this stored arrival time (`None`: no item).
    Stored(Option<i64>),
}

impl DynamoRateLimiter {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>, limit: Limit) -> Self {
        Self {
            client,
            table: table.into(),
            limit,
            shards: 1,
        }
    }

    /// Spreads each practice over `shards` items (partitions), each with its share.
    pub fn with_shards(mut self, shards: u32) -> Self {
        self.shards = shards.max(1);
        self
    }

    fn pk(practice: &PracticeId, shard: u32) -> String {
        format!("RATE#{}#{shard}", practice.as_str())
    }

    /// `busy`: expect `tat >= now` (add an interval); else expect an idle or new bucket.
    async fn attempt(&self, pk: &str, now_ms: i64, limit: Limit, busy: bool) -> Result<Attempt> {
        let num = |n: i64| AttributeValue::N(n.to_string());
        let req = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", AttributeValue::S(pk.to_string()))
            .key("SK", AttributeValue::S("RATE".into()))
            .expression_attribute_names("#t", "type")
            .expression_attribute_values(":type", AttributeValue::S("rate_bucket".into()))
            .expression_attribute_values(":now", num(now_ms))
            .expression_attribute_values(":exp", num(now_ms / 1000 + 86_400))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let req = if busy {
            req.update_expression("SET tat_ms = tat_ms + :i, #t = :type, expires_at_epoch = :exp")
                .condition_expression("tat_ms BETWEEN :now AND :latest")
                .expression_attribute_values(":i", num(limit.interval_ms()))
                .expression_attribute_values(":latest", num(now_ms + limit.window_ms()))
        } else {
            req.update_expression("SET tat_ms = :next, #t = :type, expires_at_epoch = :exp")
                .condition_expression("attribute_not_exists(tat_ms) OR tat_ms < :now")
                .expression_attribute_values(":next", num(now_ms + limit.interval_ms()))
        };
        match req.send().await {
            Ok(_) => Ok(Attempt::Done(Verdict::Allowed)),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(c) => {
                    let stored = c
                        .item()
                        .and_then(|i| i.get("tat_ms"))
                        .and_then(|v| v.as_n().ok())
                        .and_then(|n| n.parse::<i64>().ok());
                    Ok(Attempt::Stored(stored))
                }
                other => Err(Error::Storage(format!(
                    "rate bucket update failed: {}",
                    aws_smithy_types::error::display::DisplayErrorContext(&other)
                ))),
            },
        }
    }
}

/// Tries per request before giving up on a bucket under heavy contention (then the
/// request is refused for a second rather than admitted unchecked).
const MAX_ATTEMPTS: usize = 4;

#[async_trait]
impl RateLimiter for DynamoRateLimiter {
    async fn take(&self, practice: &PracticeId, now: DateTime<Utc>) -> Result<Verdict> {
        let shard = if self.shards > 1 {
            rand::random::<u32>() % self.shards
        } else {
            0
        };
        let pk = Self::pk(practice, shard);
        let limit = self.limit.per_shard(self.shards);
        let now_ms = now.timestamp_millis();
        // Under load the bucket is busy: guess that first.
        let mut busy = true;
        for _ in 0..MAX_ATTEMPTS {
            match self.attempt(&pk, now_ms, limit, busy).await? {
                Attempt::Done(v) => return Ok(v),
                Attempt::Stored(stored) => match gcra(stored, now_ms, limit) {
                    Err(retry_after_secs) => return Ok(Verdict::Limited { retry_after_secs }),
                    // Admissible on what is stored: retry the matching case.
                    Ok(_) => busy = stored.is_some_and(|t| t >= now_ms),
                },
            }
        }
        Ok(Verdict::Limited {
            retry_after_secs: 1,
        })
    }
}

#[cfg(test)]
#[path = "rate_limit_tests.rs"]
mod tests;

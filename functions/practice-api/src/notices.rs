//! Batched notices of urgent tasks: every urgent task that is not an emergency (a
//! new-patient red flag, a wellbeing call, an urgent channel problem) is opened with a
//! notice due (`Write::open_task`, GSI1 `DUE#notices#<shard>`). The answer sweep
//! (`answer_sla::run`, every 5 minutes, "now" from the event time) collects them here:
//!
//! 1. One Query per shard (`Store::notices_due`), read with the answer index's.
//! 2. Per practice: a claim for this 5-minute bucket (`notices#<bucket>`), so an
//!    overlapping run or a retry at the same moment does nothing more.
//! 3. The notices removed conditionally in one transaction (one by one if an overlapping
//!    run at another moment took some first): each task is counted by one run only.
//! 4. ONE message to the on-call contact with counts by kind and no patient data. If it
//!    cannot go, the notices are put back and the next run tries again.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{bucket_of, Practice, PracticeId, TaskKind, UrgentNotice};
use frontdesk::ports::{Store, Write};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use crate::answer_sla::AnswerFailure;

/// Notices read per shard per run; the rest wait for the next run.
pub const PAGE: usize = 500;
/// Practices handled at once.
const CONCURRENCY: usize = 8;
/// Removals per transaction (DynamoDB's limit).
const REMOVE_BATCH: usize = 100;

/// What the notices part of one run did. Counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NoticeReport {
    /// Notices read from the index.
    pub found: usize,
    /// Notices this run took and counted in a message.
    pub counted: usize,
    /// Taken by an overlapping run.
    pub skipped: usize,
    /// Practices told, and practices with notices but no on-call contact set.
    pub notified: usize,
    pub no_contact: usize,
}

/// What `collect` hands back to the run: its report, failures, and how many practices
/// had notices and how many of those failed.
pub(crate) struct Collected {
    pub report: NoticeReport,
    pub failures: Vec<AnswerFailure>,
    pub tried: usize,
    pub errored: usize,
}

/// Handles the notices due read at `now`, `practices` read with the run's other work.
pub(crate) async fn collect(
    store: &dyn Store,
    senders: &Senders,
    practices: &HashMap<PracticeId, Practice>,
    due: Vec<UrgentNotice>,
    now: DateTime<Utc>,
) -> Collected {
    let mut out = Collected {
        report: NoticeReport {
            found: due.len(),
            ..NoticeReport::default()
        },
        failures: vec![],
        tried: 0,
        errored: 0,
    };
    let mut by_practice: BTreeMap<PracticeId, Vec<UrgentNotice>> = BTreeMap::new();
    for n in due {
        by_practice
            .entry(n.practice_id.clone())
            .or_default()
            .push(n);
    }
    let results: Vec<(PracticeId, frontdesk::Result<NoticeReport>)> = stream::iter(by_practice)
        .map(|(practice_id, notices)| {
            let practice = practices.get(&practice_id);
            async move {
                let r = match practice {
                    Some(p) => practice_notices(store, senders, p, notices, now).await,
                    // The practice is gone: nothing to tell anyone.
                    None => Ok(NoticeReport::default()),
                };
                (practice_id, r)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    out.tried = results.len();
    for (practice_id, r) in results {
        match r {
            Ok(part) => {
                let report = &mut out.report;
                report.counted += part.counted;
                report.skipped += part.skipped;
                report.notified += part.notified;
                report.no_contact += part.no_contact;
            }
            Err(e) => {
                out.errored += 1;
                out.failures.push(AnswerFailure {
                    practice_id: practice_id.to_string(),
                    error: format!("urgent-task notices: {e}"),
                });
            }
        }
    }
    out
}

/// The claim that makes a practice's notices one run's work at this moment.
fn run_claim(practice_id: &PracticeId, now: DateTime<Utc>) -> Write {
    Write::Claim {
        practice_id: practice_id.clone(),
        key: format!("notices#{}", frontdesk::keys::sortable_time(bucket_of(now))),
        expires_at: now + Duration::days(1),
    }
}

async fn practice_notices(
    store: &dyn Store,
    senders: &Senders,
    practice: &Practice,
    notices: Vec<UrgentNotice>,
    now: DateTime<Utc>,
) -> frontdesk::Result<NoticeReport> {
    let mut report = NoticeReport::default();
    match store
        .write(vec![run_claim(&practice.practice_id, now)])
        .await
    {
        Ok(()) => {}
        Err(frontdesk::Error::Conflict) => {
            report.skipped = notices.len();
            return Ok(report);
        }
        Err(e) => return Err(e),
    }
    let mut taken = Vec::with_capacity(notices.len());
    for chunk in notices.chunks(REMOVE_BATCH) {
        let removals = chunk
            .iter()
            .map(|n| Write::RemoveNotice(Box::new(n.clone())))
            .collect();
        match store.write(removals).await {
            Ok(()) => taken.extend_from_slice(chunk),
            // An overlapping run at another moment took some: one by one.
            Err(frontdesk::Error::Conflict) => {
                for n in chunk {
                    match store
                        .write(vec![Write::RemoveNotice(Box::new(n.clone()))])
                        .await
                    {
                        Ok(()) => taken.push(n.clone()),
                        Err(frontdesk::Error::Conflict) => report.skipped += 1,
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    if taken.is_empty() {
        return Ok(report);
    }
    let text = notice_text(&practice.settings.name, &counts(&taken));
    let subject = "Frontdesk: urgent tasks";
    match crate::on_call::tell(senders, practice, subject, text).await {
        Ok(true) => report.notified = 1,
        Ok(false) => {
            tracing::warn!(practice_id = %practice.practice_id, tasks = taken.len(), "urgent tasks but no on-call contact to tell");
            report.no_contact = 1;
        }
        Err(e) => {
            // Not told: the notices go back for the next run (a later bucket).
            let back: Vec<Write> = taken
                .into_iter()
                .map(|n| Write::Notice(Box::new(n)))
                .collect();
            for chunk in back.chunks(REMOVE_BATCH) {
                store.write(chunk.to_vec()).await?;
            }
            return Err(frontdesk::Error::SendRejected(format!(
                "the on-call contact could not be told ({e}); the notices wait for the next run"
            )));
        }
    }
    report.counted = taken.len();
    Ok(report)
}

/// Tasks by kind, in a fixed order.
pub fn counts(notices: &[UrgentNotice]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for n in notices {
        *out.entry(kind_label(n.kind)).or_default() += 1;
    }
    out
}

fn kind_label(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::WellbeingCall => "wellbeing call",
        TaskKind::CallPatient => "patient call",
        TaskKind::ChannelUnusable => "contact problem",
        TaskKind::Emergency => "possible emergency",
        TaskKind::UnconfirmedAppointment => "unconfirmed appointment",
        TaskKind::RescheduleRequest => "reschedule request",
        TaskKind::CancelRequest => "cancellation request",
        TaskKind::InboxMessage => "message",
        TaskKind::UnknownSender => "message from an unknown number",
        TaskKind::ChannelSwitchRequest => "channel change request",
        TaskKind::FeedbackFollowUp => "feedback follow-up",
        TaskKind::SendFailed => "failed send",
        TaskKind::WaitlistBooking => "waitlist booking",
    }
}

/// "Frontdesk: 3 new urgent tasks at A Dental (2 unconfirmed appointment, 1 wellbeing
/// call). Please open the task list." The practice's name and counts only.
pub fn notice_text(practice_name: &str, counts: &BTreeMap<&'static str, usize>) -> String {
    let total: usize = counts.values().sum();
    let what = if total == 1 {
        "1 new urgent task".to_string()
    } else {
        format!("{total} new urgent tasks")
    };
    let kinds: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!(
        "Frontdesk: {what} at {} ({}). Please open the staff task list.",
        practice_name.trim(),
        kinds.join(", ")
    )
}

#[cfg(test)]
#[path = "notices_tests.rs"]
mod tests;

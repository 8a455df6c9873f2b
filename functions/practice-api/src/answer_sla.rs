//! The answer-deadline sweep ("never unanswered"): an inbox entry still unanswered when
//! the time the automatic reply promised has passed (`policy::answer_deadline`: the next
//! opening, or the message itself while open, plus `answer_grace_minutes`) raises its
//! thread's task to urgent and the practice's on-call contact is told, once, in one
//! message per practice per run that gives a count and no patient data.
//!
//! The same run also sends the batched notices of other urgent tasks (`crate::notices`).
//!
//! EventBridge invokes it every 5 minutes (`src/bin/answer-sla.rs`); "now" is the event's
//! `time`, so any moment can be replayed.
//!
//! 1. One Query per shard of the answer-deadline index (`Store::answers_due`): entries not
//!    escalated whose deadline (or, until worked out, `since`) is at or before now.
//! 2. The practices in one batch read; each practice handled with bounded concurrency.
//! 3. An entry not yet overdue is re-indexed at its real deadline (`Write::UpdateWaiting`).
//! 4. Overdue entries: the practice is claimed for this run's 5-minute bucket (an overlap
//!    at the same moment, a retry, does nothing more), then each entry is escalated with a
//!    conditional write (exists, not escalated) in the same transaction as its raised
//!    task, so an entry answered meanwhile, or escalated by an overlapping run at another
//!    moment, is left alone. One notification counts the threads this run escalated.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{bucket_of, Practice, PracticeId, Priority, ThreadId, Waiting};
use frontdesk::policy::answer_deadline;

use crate::overdue_task::{overdue_task, raised, thread_task};
use frontdesk::ports::{Item, Key, Store, Write};
use frontdesk::sweep::{event_time, Deps, SweepError};
use futures_util::stream::{self, StreamExt};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;

/// Entries read per shard per run; the rest wait for the next run.
pub const PAGE: usize = 500;
/// Practices handled at once.
const CONCURRENCY: usize = 8;
/// Open tasks read per practice to find each thread's task.
const TASK_PAGE: usize = 100;

/// What one run did. Counts and ids only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AnswerReport {
    /// Entries read from the deadline index.
    pub found: usize,
    /// Entries not overdue yet, moved to their deadline.
    pub rescheduled: usize,
    /// Entries escalated by this run.
    pub escalated: usize,
    /// Threads escalated (an unknown sender may have several entries).
    pub threads: usize,
    /// Tasks raised to urgent, and tasks created for threads that had none open.
    pub tasks_raised: usize,
    pub tasks_created: usize,
    /// Answered meanwhile, or taken by an overlapping run.
    pub skipped: usize,
    /// Practices told, and practices with overdue threads but no on-call contact set.
    pub notified: usize,
    pub no_contact: usize,
    /// The batched notices of other urgent tasks (`notices`).
    pub notices: crate::notices::NoticeReport,
    pub failures: Vec<AnswerFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerFailure {
    pub practice_id: String,
    pub error: String,
}

/// The Lambda entry point: one run at the event's `time`.
pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Diagnostic> {
    let result = match event_time(&event.payload) {
        Ok(now) => run(deps, now).await,
        Err(e) => Err(SweepError::BadEvent(e)),
    };
    result
        .and_then(|r| serde_json::to_value(r).map_err(|e| SweepError::Report(e.to_string())))
        .map_err(diagnostic)
}

fn diagnostic(e: SweepError) -> Diagnostic {
    let what = match &e {
        SweepError::BadEvent(_) => "BadEvent",
        SweepError::Sweep(_) => "SweepFailed",
        SweepError::Coordinate(_) => "CoordinateFailed",
        SweepError::AllFailed { .. } => "AllFailed",
        SweepError::Report(_) => "Report",
    };
    Diagnostic {
        error_type: format!("AnswerSla.{what}"),
        error_message: e.to_string(),
    }
}

/// One run at `now`. `Err` when the index cannot be read, or when every practice with
/// work failed; partial failures are in the report.
pub async fn run(deps: &Deps, now: DateTime<Utc>) -> Result<AnswerReport, SweepError> {
    let store = deps.store.as_ref();
    let due = store
        .answers_due(now, PAGE)
        .await
        .map_err(SweepError::Sweep)?;
    let notices = store
        .notices_due(now, crate::notices::PAGE)
        .await
        .map_err(SweepError::Sweep)?;
    let mut report = AnswerReport {
        found: due.len(),
        ..AnswerReport::default()
    };
    let mut by_practice: BTreeMap<PracticeId, Vec<Waiting>> = BTreeMap::new();
    for w in due {
        by_practice
            .entry(w.practice_id.clone())
            .or_default()
            .push(w);
    }
    // One batch read for the practices of both parts.
    let ids: BTreeSet<&PracticeId> = by_practice
        .keys()
        .chain(notices.iter().map(|n| &n.practice_id))
        .collect();
    let practices = read_practices(store, ids.into_iter()).await;
    let practices = match practices {
        Ok(p) => p,
        Err(e) => return Err(SweepError::Sweep(e)),
    };
    let senders = &deps.senders;
    let results: Vec<(PracticeId, frontdesk::Result<AnswerReport>)> = stream::iter(by_practice)
        .map(|(practice_id, entries)| {
            let practice = practices.get(&practice_id);
            async move {
                let r = match practice {
                    Some(p) => practice_run(store, senders, p, entries, now).await,
                    // The practice is gone: nothing to tell anyone.
                    None => Ok(AnswerReport::default()),
                };
                (practice_id, r)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let noticed = crate::notices::collect(store, senders, &practices, notices, now).await;
    report.notices = noticed.report;
    report.failures.extend(noticed.failures);
    let tried = results.len() + noticed.tried;
    let mut errored = noticed.errored;
    for (practice_id, r) in results {
        match r {
            Ok(part) => report.add(part),
            Err(e) => {
                errored += 1;
                report.failures.push(AnswerFailure {
                    practice_id: practice_id.to_string(),
                    error: e.to_string(),
                });
            }
        }
    }
    for f in &report.failures {
        tracing::error!(practice_id = %f.practice_id, error = %f.error, "answer deadlines of a practice failed; the next run tries again");
    }
    tracing::info!(
        found = report.found,
        escalated = report.escalated,
        notified = report.notified,
        notices = report.notices.counted,
        notices_sent = report.notices.notified,
        failures = report.failures.len(),
        "answer deadlines swept"
    );
    // Every practice with work failed: the invocation fails, so alarms see it. (A notice
    // that could not go is a failure in the report; its escalations stand.)
    if tried > 0 && errored == tried {
        return Err(SweepError::AllFailed {
            failures: tried,
            first: report.failures[0].error.clone(),
        });
    }
    Ok(report)
}

impl AnswerReport {
    fn add(&mut self, o: AnswerReport) {
        self.rescheduled += o.rescheduled;
        self.escalated += o.escalated;
        self.threads += o.threads;
        self.tasks_raised += o.tasks_raised;
        self.tasks_created += o.tasks_created;
        self.skipped += o.skipped;
        self.notified += o.notified;
        self.no_contact += o.no_contact;
        self.failures.extend(o.failures);
    }
}

async fn read_practices<'a>(
    store: &dyn Store,
    ids: impl Iterator<Item = &'a PracticeId>,
) -> frontdesk::Result<HashMap<PracticeId, Practice>> {
    let keys: Vec<(PracticeId, Key)> = ids.map(|p| (p.clone(), Key::Practice)).collect();
    let mut out = HashMap::new();
    for chunk in keys.chunks(100) {
        for item in store.get_across(chunk).await? {
            if let Item::Practice(p) = item {
                out.insert(p.practice_id.clone(), *p);
            }
        }
    }
    Ok(out)
}

/// The claim that makes a practice's overdue entries one run's work at this moment.
fn run_claim(practice_id: &PracticeId, now: DateTime<Utc>) -> Write {
    Write::Claim {
        practice_id: practice_id.clone(),
        key: format!(
            "answer-sla#{}",
            frontdesk::keys::sortable_time(bucket_of(now))
        ),
        expires_at: now + Duration::days(1),
    }
}

async fn practice_run(
    store: &dyn Store,
    senders: &Senders,
    practice: &Practice,
    entries: Vec<Waiting>,
    now: DateTime<Utc>,
) -> frontdesk::Result<AnswerReport> {
    let settings = &practice.settings;
    let mut report = AnswerReport::default();
    let mut overdue = Vec::new();
    for mut w in entries {
        let deadline = answer_deadline(settings, w.since);
        if deadline <= now {
            overdue.push((w, deadline));
            continue;
        }
        w.answer_by = Some(deadline);
        match store.write(vec![Write::UpdateWaiting(Box::new(w))]).await {
            Ok(()) => report.rescheduled += 1,
            Err(frontdesk::Error::Conflict) => report.skipped += 1,
            Err(e) => return Err(e),
        }
    }
    if overdue.is_empty() {
        return Ok(report);
    }
    match store
        .write(vec![run_claim(&practice.practice_id, now)])
        .await
    {
        Ok(()) => {}
        Err(frontdesk::Error::Conflict) => {
            report.skipped += overdue.len();
            return Ok(report);
        }
        Err(e) => return Err(e),
    }
    let mut tasks = store
        .open_tasks(&practice.practice_id, None, TASK_PAGE)
        .await?
        .items;
    let mut threads: BTreeSet<ThreadId> = BTreeSet::new();
    for (w, deadline) in overdue {
        let (task, created) = match thread_task(&tasks, &w.thread_id) {
            Some(t) if t.priority == Priority::Urgent => (None, false),
            Some(t) => (Some(raised(t.clone(), now)), false),
            None if threads.contains(&w.thread_id) => (None, false),
            None => (Some(overdue_task(practice, &w, deadline, now)), true),
        };
        let mut escalated = w.clone();
        escalated.answer_by = Some(deadline);
        escalated.escalated_at = Some(now);
        let mut writes = vec![Write::UpdateWaiting(Box::new(escalated))];
        writes.extend(task.iter().map(|t| Write::Task(Box::new(t.clone()))));
        match store.write(writes).await {
            Ok(()) => {}
            Err(frontdesk::Error::Conflict) => {
                report.skipped += 1;
                continue;
            }
            Err(e) => return Err(e),
        }
        report.escalated += 1;
        threads.insert(w.thread_id.clone());
        if let Some(t) = task {
            if created {
                report.tasks_created += 1;
            } else {
                report.tasks_raised += 1;
            }
            tasks.retain(|o| o.task_id != t.task_id);
            tasks.insert(0, t);
        }
    }
    report.threads = threads.len();
    if report.threads > 0 {
        match notify(senders, practice, report.threads).await {
            Ok(true) => report.notified += 1,
            Ok(false) => report.no_contact += 1,
            Err(e) => report.failures.push(AnswerFailure {
                practice_id: practice.practice_id.to_string(),
                error: format!("the on-call contact could not be told: {e}"),
            }),
        }
    }
    Ok(report)
}

/// The one message of this run to the practice's on-call contact: a count, no patient
/// data. `Ok(false)` when the practice set no contact (the tasks are urgent either way).
async fn notify(senders: &Senders, practice: &Practice, threads: usize) -> frontdesk::Result<bool> {
    let text = notice_text(&practice.settings.name, threads);
    let subject = "Frontdesk: conversations waiting past their answer time";
    let told = crate::on_call::tell(senders, practice, subject, text).await?;
    if !told {
        tracing::warn!(practice_id = %practice.practice_id, threads, "overdue conversations but no on-call contact to tell");
    }
    Ok(told)
}

/// "Frontdesk: 3 conversations at A Dental are waiting past the answer time we
/// promised…". The practice's name and a count only.
pub fn notice_text(practice_name: &str, threads: usize) -> String {
    let what = if threads == 1 {
        "1 conversation is".to_string()
    } else {
        format!("{threads} conversations are")
    };
    format!(
        "Frontdesk: {what} waiting past the answer time we promised at {}. They are now \
         urgent tasks; please reply from the staff inbox.",
        practice_name.trim()
    )
}

#[cfg(test)]
#[path = "answer_sla_tests.rs"]
pub(crate) mod tests;

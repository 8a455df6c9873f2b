//! Index backfill: rewrites one practice's patients and appointments exactly as they are
//! (and puts its tasks into their patients' task index, GSI4),
//! so every index attribute the current code writes (the day schedule in GSI1, the change
//! feed in GSI3, the email index in GSI4, and any added later) is set on items stored
//! before it existed. An operator tool (`cargo run -p practice-api --bin backfill`), not a
//! request path: it pages through the practice's own partition by key (R19, R20), never a
//! Scan, and writes each item with its version as the condition and the version unchanged,
//! so a concurrent change wins (that write sets the attributes itself) and nothing else
//! notices the rewrite.

use serde::Serialize;

use crate::domain::PracticeId;
use crate::ports::{Expect, Store, Write};
use crate::{Error, Result};

/// Items read per page, and written per transaction (a patient is two operations).
pub const PAGE: usize = 40;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub patients: usize,
    pub appointments: usize,
    /// Tasks about a patient put into that patient's task index (GSI4, erasure's lookup).
    #[serde(default)]
    pub tasks: usize,
    /// Changed meanwhile by someone else (whose write set the attributes): left alone.
    pub changed_meanwhile: usize,
}

/// Rewrites every patient and appointment of the practice (see the module documentation).
pub async fn practice(store: &dyn Store, practice_id: &PracticeId) -> Result<Report> {
    let mut report = Report::default();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .patients_page(practice_id, cursor.as_deref(), PAGE)
            .await?;
        let writes: Vec<Write> = page
            .items
            .into_iter()
            .map(|p| {
                let version = p.version;
                Write::Patient {
                    patient: Box::new(p),
                    expect: Expect::Version(version),
                    previous_phone: None,
                }
            })
            .collect();
        let (done, changed) = rewrite(store, writes).await?;
        report.patients += done;
        report.changed_meanwhile += changed;
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    cursor = None;
    loop {
        let page = store
            .appointments_page(practice_id, cursor.as_deref(), PAGE)
            .await?;
        let writes: Vec<Write> = page
            .items
            .into_iter()
            .map(|a| {
                let version = a.version;
                Write::Appointment {
                    appointment: Box::new(a),
                    expect: Expect::Version(version),
                }
            })
            .collect();
        let (done, changed) = rewrite(store, writes).await?;
        report.appointments += done;
        report.changed_meanwhile += changed;
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    report.tasks = index_tasks(store, practice_id).await?;
    Ok(report)
}

/// Puts every task about a patient, open and resolved, into the patient's task index: an
/// UpdateItem of the index attributes only, while the task exists (`Write::IndexTask`), so
/// a concurrent change to the task is never undone. Pages the practice's task lists once:
/// an operator run, not a request path.
async fn index_tasks(store: &dyn Store, practice_id: &PracticeId) -> Result<usize> {
    let mut indexed = 0;
    for open in [true, false] {
        let mut cursor: Option<String> = None;
        loop {
            let page = if open {
                store
                    .open_tasks(practice_id, cursor.as_deref(), PAGE)
                    .await?
            } else {
                store
                    .resolved_tasks(practice_id, cursor.as_deref(), PAGE)
                    .await?
            };
            let writes: Vec<Write> = page
                .items
                .into_iter()
                .filter(|t| t.patient_id.is_some())
                .map(|t| Write::IndexTask(Box::new(t)))
                .collect();
            indexed += writes.len();
            if !writes.is_empty() {
                store.write(writes).await?;
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(indexed)
}

/// One transaction for the page; if an item changed meanwhile, each alone.
async fn rewrite(store: &dyn Store, writes: Vec<Write>) -> Result<(usize, usize)> {
    if writes.is_empty() {
        return Ok((0, 0));
    }
    let n = writes.len();
    match store.write(writes.clone()).await {
        Ok(()) => return Ok((n, 0)),
        Err(Error::Conflict) => {}
        Err(e) => return Err(e),
    }
    let (mut done, mut changed) = (0, 0);
    for w in writes {
        match store.write(vec![w]).await {
            Ok(()) => done += 1,
            Err(Error::Conflict) => changed += 1,
            Err(e) => return Err(e),
        }
    }
    Ok((done, changed))
}

//! An in-memory work-unit queue with SQS's visible/in-flight split: received messages
//! stay until deleted, and [`MemoryQueue::redeliver`] makes the undeleted ones visible
//! again (a visibility timeout passing). Delays are ignored (the tests drive time).

use std::sync::Mutex;

use async_trait::async_trait;

use crate::sweep::fanout::{Queued, Received, UnitQueue};
use crate::Result;

#[derive(Default)]
pub struct MemoryQueue {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    visible: Vec<(String, String)>,
    in_flight: Vec<(String, String)>,
    /// Enqueue calls to refuse from now on.
    refuse: usize,
}

impl MemoryQueue {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Messages received and not deleted become visible again.
    pub fn redeliver(&self) {
        let mut i = self.lock();
        let back = std::mem::take(&mut i.in_flight);
        i.visible.extend(back);
    }

    /// Visible and in-flight messages.
    pub fn len(&self) -> usize {
        let i = self.lock();
        i.visible.len() + i.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next `n` enqueue calls fail.
    pub fn refuse_enqueues(&self, n: usize) {
        self.lock().refuse = n;
    }

    /// A copy of a visible message (a duplicate delivery, as SQS may make).
    pub fn duplicate(&self, index: usize) {
        let mut i = self.lock();
        if let Some((_, body)) = i.visible.get(index).cloned() {
            i.next += 1;
            let id = format!("m{}", i.next);
            i.visible.push((id, body));
        }
    }

    /// The visible messages' count.
    pub fn visible(&self) -> usize {
        self.lock().visible.len()
    }
}

#[async_trait]
impl UnitQueue for MemoryQueue {
    async fn enqueue(&self, units: Vec<Queued>) -> Result<()> {
        let mut i = self.lock();
        if i.refuse > 0 {
            i.refuse -= 1;
            return Err(crate::Error::Storage("queue refused (test)".into()));
        }
        for q in units {
            i.next += 1;
            let id = format!("m{}", i.next);
            i.visible.push((id, q.unit.body()));
        }
        Ok(())
    }

    async fn receive(&self, max: usize) -> Result<Vec<Received>> {
        let mut i = self.lock();
        let n = max.min(i.visible.len());
        let taken: Vec<(String, String)> = i.visible.drain(..n).collect();
        i.in_flight.extend(taken.iter().cloned());
        Ok(taken
            .into_iter()
            .map(|(id, body)| Received {
                receipt: id.clone(),
                id,
                body,
            })
            .collect())
    }

    async fn delete(&self, receipt: &str) -> Result<()> {
        self.lock().in_flight.retain(|(id, _)| id != receipt);
        Ok(())
    }
}

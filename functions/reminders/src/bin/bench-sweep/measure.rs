//! What the bench measures: the bare calls a sweep must make, the sweep itself, and the
//! clocks, memory and request counts of each.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    bucket_of, Channel, Decision, Direction, Message, MessageId, Purpose, Sweep, BUCKET_MINUTES,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{DuePartition, Email, EmailSender, Sms, SmsSender, Store, Write};
use frontdesk::sweep::{Governor, SweepOptions, SweepReport};
use frontdesk::testing::MemoryStore;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use reminders::Deps;

use super::seed::{phone, reminder, Shape};
use super::BoxError;

/// A store whose round trips the bench counts.
pub trait BenchStore: Store + Clone + 'static {
    fn requests(&self) -> usize;
    fn reset_requests(&self);
}

impl BenchStore for DynamoStore {
    fn requests(&self) -> usize {
        DynamoStore::requests(self)
    }
    fn reset_requests(&self) {
        DynamoStore::reset_requests(self)
    }
}

impl BenchStore for MemoryStore {
    fn requests(&self) -> usize {
        MemoryStore::requests(self)
    }
    fn reset_requests(&self) {
        MemoryStore::reset_requests(self)
    }
}

/// CPU seconds (user + system) a process has used, from /proc/<pid>/stat (USER_HZ = 100).
fn cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Wall time, and CPU time of moto (if any) and of this process, over one phase.
#[derive(Clone, Copy)]
pub struct Clocks {
    wall: Instant,
    moto_cpu: Option<f64>,
    own_cpu: Option<f64>,
}

#[derive(Clone, Copy)]
pub struct Spent {
    pub wall: f64,
    pub moto_cpu: Option<f64>,
    pub own_cpu: Option<f64>,
}

impl Clocks {
    pub fn start(moto_pid: Option<u32>) -> Self {
        Self {
            wall: Instant::now(),
            moto_cpu: moto_pid.and_then(|p| cpu_secs(&p.to_string())),
            own_cpu: cpu_secs("self"),
        }
    }

    pub fn stop(self, moto_pid: Option<u32>) -> Spent {
        let moto = moto_pid.and_then(|p| cpu_secs(&p.to_string()));
        Spent {
            wall: self.wall.elapsed().as_secs_f64(),
            moto_cpu: self.moto_cpu.zip(moto).map(|(a, b)| b - a),
            own_cpu: self.own_cpu.zip(cpu_secs("self")).map(|(a, b)| b - a),
        }
    }
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    rss_field("VmHWM:")
}

/// Resident memory now (VmRSS), in MiB.
pub fn rss_mib() -> Option<f64> {
    rss_field("VmRSS:")
}

fn rss_field(name: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(name))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Resets VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Sends nothing and answers at once: the sweep's own cost without a provider's latency.
pub struct InstantSms(pub AtomicUsize);

#[async_trait]
impl SmsSender for InstantSms {
    async fn send_sms(&self, _sms: &Sms) -> frontdesk::Result<String> {
        Ok(format!(
            "instant-{}",
            self.0.fetch_add(1, Ordering::Relaxed)
        ))
    }
}

/// The bench sends no email; a sweep that tried would fail its run.
pub struct NoEmail;

#[async_trait]
impl EmailSender for NoEmail {
    async fn send_email(&self, _email: &Email) -> frontdesk::Result<String> {
        Err(frontdesk::Error::SendUnavailable(
            "the bench sends no email".into(),
        ))
    }
}

/// The bare minimum: the pages of the same partitions over the same time (the engine's
/// first-run lookback to now), then per item a claim and one transaction of the same shape
/// the sweep writes. Returns the items finished.
pub async fn baseline<S: BenchStore>(
    store: &S,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Result<usize, BoxError> {
    let from = bucket_of(now - opts.first_run_lookback);
    let mut partitions: Vec<(DuePartition, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut day = from.date_naive();
    while day <= now.date_naive() {
        let start = day.and_time(NaiveTime::MIN).and_utc();
        let (lo, hi) = (
            from.max(start),
            now.min(start + Duration::days(1) - Duration::milliseconds(1)),
        );
        partitions.extend(DuePartition::shards(day).map(|p| (p, lo, hi)));
        day = day.succ_opt().ok_or("no next day")?;
    }
    let mut bucket = from;
    while bucket <= bucket_of(now) {
        partitions.push((DuePartition::Unsharded { bucket }, bucket, now));
        bucket += Duration::minutes(BUCKET_MINUTES);
    }
    let mut done = 0;
    for (partition, lo, hi) in partitions {
        let mut cursor: Option<String> = None;
        loop {
            let page = store
                .due_page(
                    Sweep::Reminders,
                    partition,
                    lo,
                    hi,
                    cursor.as_deref(),
                    opts.chunk,
                )
                .await?;
            let finished: Vec<bool> = stream::iter(page.items)
                .map(|due| bare_item(store, due, now, opts))
                .buffer_unordered(opts.concurrency)
                .try_collect()
                .await?;
            done += finished.into_iter().filter(|f| *f).count();
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(done)
}

async fn bare_item<S: BenchStore>(
    store: &S,
    due: frontdesk::domain::DueWork,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Result<bool, BoxError> {
    let Some(claimed) = store.claim_due(&due, now + opts.lease).await? else {
        return Ok(false);
    };
    let message = Message::new(
        claimed.practice_id.clone(),
        now,
        Channel::Sms,
        Direction::Outbound,
        Purpose::Reminder,
        "Bench Dental 0000: Hi Pat, your visit is Thu, Mar 12 at 10:00 AM. \
         Reply C to confirm or R to reschedule. Reply STOP to opt out.",
        Decision::Sent {
            provider_message_id: Some(MessageId::generate().to_string()),
        },
    )
    .for_patient(&claimed.patient_id)
    .on_appointment(&claimed.appointment_id);
    let (patient_id, practice_id) = (claimed.patient_id.clone(), claimed.practice_id.clone());
    let i: usize = patient_id.as_str().trim_start_matches("pt").parse()?;
    store
        .write(vec![
            Write::Message(Box::new(message)),
            Write::NoteAutomatedSend {
                practice_id,
                patient_id,
                phone: Some(phone(i)?),
                at: now,
            },
            Write::DoneDue {
                claimed: Box::new(claimed),
            },
        ])
        .await?;
    Ok(true)
}

/// The batch reads the sweep makes (the engine's `read_batch`, a page at a time), alone:
/// in moto a BatchGetItem of 100 keys costs about as much server time as a hundred
/// single-item requests; in DynamoDB it is one round trip.
pub async fn batch_reads<S: BenchStore>(
    store: &S,
    shape: Shape,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Result<(), BoxError> {
    let mut due = Vec::with_capacity(opts.chunk);
    for i in 0..shape.reminders {
        due.push(reminder(i, shape, now)?.2);
        if due.len() == opts.chunk || i + 1 == shape.reminders {
            let page = frontdesk::sweep::fair_order(std::mem::take(&mut due));
            frontdesk::sweep::read_batch(store, &page).await?;
        }
    }
    Ok(())
}

pub struct Measured {
    pub spent: Spent,
    pub requests: usize,
    pub report: SweepReport,
    /// Peak RSS during the sweep, and how far above the RSS before it.
    pub peak_mib: Option<f64>,
    pub growth_mib: Option<f64>,
}

/// One reminders sweep (`reminders::run`, the real handler) at `now`, through `sms`.
pub async fn sweep<S: BenchStore>(
    store: &S,
    sms: Arc<dyn SmsSender>,
    email: Arc<dyn EmailSender>,
    opts: &SweepOptions,
    now: DateTime<Utc>,
    n: usize,
    moto_pid: Option<u32>,
) -> Result<Measured, BoxError> {
    let deps = Deps {
        store: Arc::new(store.clone()),
        senders: Senders { sms, email },
        options: opts.clone(),
        // The bench measures the sweep, not the providers' rates.
        governor: Governor::unlimited(),
    };
    if !reset_peak_rss() {
        println!("note: VmHWM could not be reset; peaks below are the whole process's");
    }
    let before = rss_mib();
    store.reset_requests();
    let clocks = Clocks::start(moto_pid);
    let report = reminders::run(&deps, now).await?;
    let spent = clocks.stop(moto_pid);
    let requests = store.requests();
    println!("sweep done: {:.1} s, {requests} requests", spent.wall);
    let sent = report.outcomes.get("reminder_sent").copied().unwrap_or(0);
    if sent != n || !report.failures.is_empty() {
        return Err(format!(
            "the sweep sent {sent} of {n} ({} failures; first: {:?})",
            report.failures.len(),
            report.failures.first()
        )
        .into());
    }
    let peak = peak_rss_mib();
    Ok(Measured {
        spent,
        requests,
        report,
        peak_mib: peak,
        growth_mib: peak.zip(before).map(|(p, b)| p - b),
    })
}

//! Benchmark: one reminders sweep over 10,000 due reminders in moto, against the bare
//! DynamoDB calls such a sweep must make.
//!
//! ```text
//! cargo run --release -p reminders --features bench --bin bench-sweep \
//!     [-- --reminders 10000 --concurrency 16 --order bare-first|sweeps-first]
//! ```
//!
//! 1. Seeds three fresh tables with the same N reminders (20 practices, one SMS patient and
//!    one appointment per reminder, due over the last hour), with Store writes of at most
//!    100 item operations each, sent concurrently. No BatchWriteItem.
//! 2. Baseline on table B: the same bucket queries, then per item only a claim and one
//!    transaction of the same shape the sweep writes (timeline message, cap note, finish),
//!    at the same concurrency. No reads, no rendering, no sending.
//!    Then, on the same table, the sweep's batch reads alone (the engine's `read_batch`),
//!    since in moto one BatchGetItem of 100 keys costs as much server time as ~20 writes.
//! 3. The sweep (`reminders::run`, the real handler) on table A with an SMS sender that
//!    answers at once: the sweep's own cost over the bare calls.
//! 4. The sweep on table C sending through SNS in moto. moto serves SNS and DynamoDB on
//!    one server, one request at a time, so here each publish also waits for DynamoDB calls
//!    (in AWS they are separate services and overlap).
//! 5. Prints DynamoDB requests per reminder (`DynamoStore::requests()`), the peak memory
//!    of each sweep (VmHWM from /proc/self/status, reset before each), and the ratio of
//!    each sweep's time to the baseline's.
//!
//! moto is far slower than DynamoDB; the ratio and the request count are what carry over.
//!
//! The bench starts its own moto, `bench/moto_bench.py`: stock moto with the local stack's
//! one-request-at-a-time lock, and with TransactWriteItems rolling back only the items it
//! touched. Stock moto deep-copies the whole table for every operation of every
//! transaction, which makes a 10,000-reminder table take hours (see that file). Set
//! `FRONTDESK_MOTO_ENDPOINT` to run against another server instead.

use std::error::Error;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;

use chrono::{DateTime, Duration, DurationRound, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    bucket_of, Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents,
    Decision, Direction, DueKind, DueWork, Message, MessageId, MessageKind, Patient, PatientId,
    PhoneNumber, Practice, PracticeId, PracticeSettings, Purpose, ReminderOffset, Sweep,
    BUCKET_MINUTES,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Expect, Sms, SmsSender, Store, Write};
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use frontdesk::sweep::{SweepOptions, SweepReport};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use local_stack::Moto;
use reminders::Deps;

type BoxError = Box<dyn Error + Send + Sync>;

const PRACTICES: usize = 20;
/// Reminders per seeding transaction: 4 item operations each (patient, its phone-index
/// copy, appointment, due work), so 100 operations.
const PER_SEED_WRITE: usize = 25;
const SEED_CONCURRENCY: usize = 8;
/// The sweep's "now": 10:00 in New York, outside quiet hours.
const NOW: &str = "2026-03-10T14:00:00Z";

struct Args {
    reminders: usize,
    concurrency: usize,
    /// Run the two sweeps before the bare calls (moto slows as its heap grows, so whatever
    /// runs later pays a little more; run both orders to see it).
    sweeps_first: bool,
}

fn args() -> Result<Args, BoxError> {
    let mut out = Args {
        reminders: 10_000,
        concurrency: SweepOptions::default().concurrency,
        sweeps_first: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--reminders" => out.reminders = value.parse()?,
            "--concurrency" => out.concurrency = value.parse()?,
            "--order" => {
                out.sweeps_first = match value.as_str() {
                    "bare-first" => false,
                    "sweeps-first" => true,
                    _ => return Err("--order is bare-first or sweeps-first".into()),
                }
            }
            other => {
                return Err(format!(
                    "unknown flag {other}; use --reminders N --concurrency N --order bare-first|sweeps-first"
                )
                .into())
            }
        }
    }
    if out.reminders == 0 || out.reminders > 99_999 || out.concurrency == 0 {
        return Err("--reminders must be 1..=99999 and --concurrency at least 1".into());
    }
    Ok(out)
}

fn practice_id(i: usize) -> Result<PracticeId, BoxError> {
    Ok(PracticeId::parse(format!("bench-{i:02}"))?)
}

fn practice(i: usize, now: DateTime<Utc>) -> Result<Practice, BoxError> {
    Ok(Practice {
        practice_id: practice_id(i)?,
        settings: PracticeSettings {
            name: format!("Bench Dental {i:02}"),
            time_zone: chrono_tz::America::New_York,
            sms_number: Some(PhoneNumber::parse_e164(&format!("+1212555{:04}", 100 + i))?),
            reminder_offsets: vec![ReminderOffset::Before { minutes: 2880 }],
            ..Default::default()
        },
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: now,
        updated_at: now,
    })
}

/// The i-th reminder: its patient, appointment and due work.
fn reminder(i: usize, now: DateTime<Utc>) -> Result<(Patient, Appointment, DueWork), BoxError> {
    let practice_id = practice_id(i % PRACTICES)?;
    let patient_id = PatientId::parse(format!("pt{i:05}"))?;
    let appointment_id = AppointmentId::parse(format!("a{i:05}"))?;
    let mut consents = Consents::default();
    consents.set(
        Channel::Sms,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        now,
    );
    // Due over the last hour (12 buckets), seconds apart within a bucket.
    let step = i64::try_from(i)?;
    let due_at =
        now - Duration::minutes(BUCKET_MINUTES * (step % 12)) - Duration::seconds(step % 240);
    let starts_at = due_at + Duration::minutes(2880);
    let patient = Patient {
        phone: Some(PhoneNumber::parse_e164(&format!(
            "+1646{:07}",
            2_000_000 + i
        ))?),
        consents,
        ..Patient::new(
            practice_id.clone(),
            patient_id.clone(),
            "Pat",
            "Bench",
            Channel::Sms,
            now,
        )
    };
    let kind = DueKind::Reminder {
        offset: ReminderOffset::Before { minutes: 2880 },
    };
    let due = DueWork {
        practice_id: practice_id.clone(),
        appointment_id: appointment_id.clone(),
        patient_id: patient_id.clone(),
        kind: kind.clone(),
        due_at,
        planned_for: starts_at,
        attempts: 0,
    };
    let appointment = Appointment {
        practice_id,
        appointment_id: appointment_id.clone(),
        patient_id,
        starts_at,
        duration_minutes: 30,
        provider: None,
        kind: Some("cleaning".into()),
        status: AppointmentStatus::Scheduled,
        confirmation: None,
        planned_due: vec![frontdesk::keys::due_sk(&appointment_id, &kind.label())],
        tasks: vec![],
        created_at: now,
        updated_at: now,
        version: 1,
    };
    Ok((patient, appointment, due))
}

async fn seed(store: &DynamoStore, n: usize, now: DateTime<Utc>) -> Result<(), BoxError> {
    let mut writes = Vec::with_capacity(PRACTICES);
    for i in 0..PRACTICES {
        writes.push(Write::Practice {
            practice: Box::new(practice(i, now)?),
            expect_absent: false,
        });
    }
    store.write(writes).await?;
    let batches: Vec<Vec<usize>> = (0..n)
        .collect::<Vec<_>>()
        .chunks(PER_SEED_WRITE)
        .map(<[usize]>::to_vec)
        .collect();
    stream::iter(batches)
        .map(|batch| async move {
            let mut writes = Vec::with_capacity(batch.len() * 3);
            for i in batch {
                let (patient, appointment, due) = reminder(i, now)?;
                writes.push(Write::Patient {
                    patient: Box::new(patient),
                    expect: Expect::Any,
                    previous_phone: None,
                });
                writes.push(Write::Appointment {
                    appointment: Box::new(appointment),
                    expect: Expect::Any,
                });
                writes.push(Write::Due(Box::new(due)));
            }
            store.write(writes).await.map_err(BoxError::from)
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// The buckets a first sweep at `now` reads (the engine's first-run lookback).
fn buckets(now: DateTime<Utc>, opts: &SweepOptions) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut b = bucket_of(now - opts.first_run_lookback);
    while b <= bucket_of(now) {
        out.push(b);
        b += Duration::minutes(BUCKET_MINUTES);
    }
    out
}

/// The bare minimum: find the work, then per item a claim and one transaction of the same
/// shape the sweep writes. Returns the items finished.
async fn baseline(
    store: &DynamoStore,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Result<usize, BoxError> {
    let mut done = 0;
    for bucket in buckets(now, opts) {
        let items = store.due_in_bucket(Sweep::Reminders, bucket, now).await?;
        let finished: Vec<bool> = stream::iter(items)
            .map(|due| async move {
                let Some(claimed) = store.claim_due(&due, now + opts.lease).await? else {
                    return Ok::<bool, BoxError>(false);
                };
                let message = Message {
                    practice_id: claimed.practice_id.clone(),
                    patient_id: Some(claimed.patient_id.clone()),
                    unknown_sender: None,
                    message_id: MessageId::generate(),
                    at: now,
                    channel: Channel::Sms,
                    direction: Direction::Outbound,
                    purpose: Purpose::Reminder,
                    body: "Bench Dental 00: Hi Pat, your visit is Thu, Mar 12 at 10:00 AM. \
                           Reply C to confirm or R to reschedule. Reply STOP to opt out."
                        .into(),
                    decision: Decision::Sent {
                        provider_message_id: Some(MessageId::generate().to_string()),
                    },
                    appointment_id: Some(claimed.appointment_id.clone()),
                    actor: None,
                };
                let (patient_id, practice_id) =
                    (claimed.patient_id.clone(), claimed.practice_id.clone());
                let i: usize = patient_id.as_str().trim_start_matches("pt").parse()?;
                store
                    .write(vec![
                        Write::Message(Box::new(message)),
                        Write::NoteAutomatedSend {
                            practice_id,
                            patient_id,
                            phone: Some(PhoneNumber::parse_e164(&format!(
                                "+1646{:07}",
                                2_000_000 + i
                            ))?),
                            at: now,
                        },
                        Write::DoneDue {
                            claimed: Box::new(claimed),
                        },
                    ])
                    .await?;
                Ok(true)
            })
            .buffer_unordered(opts.concurrency)
            .try_collect()
            .await?;
        done += finished.into_iter().filter(|f| *f).count();
    }
    Ok(done)
}

/// The batch reads the sweep makes (the engine's `read_batch`, per bucket in chunks of
/// `opts.chunk` items), alone: in moto a BatchGetItem of 100 keys costs about as much
/// server time as a hundred single-item requests; in DynamoDB it is one round trip.
async fn batch_reads(
    store: &DynamoStore,
    n: usize,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Result<(), BoxError> {
    for bucket in 0..12 {
        let mut due = Vec::new();
        for i in (bucket..n).step_by(12) {
            due.push(reminder(i, now)?.2);
        }
        for chunk in frontdesk::sweep::fair_order(due).chunks(opts.chunk.max(1)) {
            frontdesk::sweep::read_batch(store, chunk).await?;
        }
    }
    Ok(())
}

/// CPU seconds (user + system) a process has used, from /proc/<pid>/stat (USER_HZ = 100).
fn cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Wall time, and CPU time of moto and of this process, over one phase. moto's CPU time is
/// the server work a phase caused, whatever else the machine was doing meanwhile.
#[derive(Clone, Copy)]
struct Clocks {
    wall: Instant,
    moto_cpu: Option<f64>,
    own_cpu: Option<f64>,
}

#[derive(Clone, Copy)]
struct Spent {
    wall: f64,
    moto_cpu: Option<f64>,
    own_cpu: Option<f64>,
}

impl Clocks {
    fn start(moto_pid: Option<u32>) -> Self {
        Self {
            wall: Instant::now(),
            moto_cpu: moto_pid.and_then(|p| cpu_secs(&p.to_string())),
            own_cpu: cpu_secs("self"),
        }
    }

    fn stop(self, moto_pid: Option<u32>) -> Spent {
        let moto = moto_pid.and_then(|p| cpu_secs(&p.to_string()));
        Spent {
            wall: secs(self.wall.elapsed()),
            moto_cpu: self.moto_cpu.zip(moto).map(|(a, b)| b - a),
            own_cpu: self.own_cpu.zip(cpu_secs("self")).map(|(a, b)| b - a),
        }
    }
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Resets VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn secs(d: StdDuration) -> f64 {
    d.as_secs_f64()
}

/// The bench's own moto server, killed when the bench ends.
struct BenchMoto(Child);

impl Drop for BenchMoto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bench/moto_bench.py` on a free loopback port and waits until it accepts
/// connections.
fn start_bench_moto() -> Result<(Moto, BenchMoto), BoxError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let venv = match std::env::var_os(local_stack::VENV_ENV) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => root.join("../../.venv"),
    };
    let python = venv.join("bin/python");
    if !python.is_file() {
        return Err(format!("{} not found: run `make venv` first", python.display()).into());
    }
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    let log = std::env::temp_dir().join(format!("frontdesk-bench-moto-{port}.log"));
    let out = std::fs::File::create(&log)?;
    let child = Command::new(python)
        .arg(root.join("bench/moto_bench.py"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()?;
    let guard = BenchMoto(child);
    let started = Instant::now();
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if started.elapsed() > StdDuration::from_secs(30) {
            return Err(format!("the bench moto did not start; see {}", log.display()).into());
        }
        std::thread::sleep(StdDuration::from_millis(100));
    }
    Ok((
        Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
        },
        guard,
    ))
}

fn main() -> Result<(), BoxError> {
    let args = args()?;
    let (moto, guard) = match std::env::var(local_stack::ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.trim().is_empty() => (
            Moto {
                endpoint: endpoint.trim().trim_end_matches('/').to_string(),
            },
            None,
        ),
        _ => {
            let (moto, guard) = start_bench_moto()?;
            (moto, Some(guard))
        }
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(args, moto, guard.as_ref().map(|g| g.0.id())))
}

/// Sends nothing and answers at once: the sweep's own cost without a provider's latency.
struct InstantSms(AtomicUsize);

#[async_trait]
impl SmsSender for InstantSms {
    async fn send_sms(&self, _sms: &Sms) -> frontdesk::Result<String> {
        Ok(format!(
            "instant-{}",
            self.0.fetch_add(1, Ordering::Relaxed)
        ))
    }
}

struct Measured {
    spent: Spent,
    requests: usize,
    report: SweepReport,
    peak_mib: Option<f64>,
}

/// The bare DynamoDB calls; then, on the same table (reads change nothing), the sweep's
/// batch reads alone.
async fn bare_phases(
    store: &DynamoStore,
    n: usize,
    now: DateTime<Utc>,
    opts: &SweepOptions,
    moto_pid: Option<u32>,
) -> Result<(Spent, usize, Spent, usize), BoxError> {
    store.reset_requests();
    let clocks = Clocks::start(moto_pid);
    let done = baseline(store, now, opts).await?;
    let bare = clocks.stop(moto_pid);
    let bare_requests = store.requests();
    if done != n {
        return Err(format!("the baseline finished {done} of {n} items").into());
    }
    store.reset_requests();
    let clocks = Clocks::start(moto_pid);
    batch_reads(store, n, now, opts).await?;
    let reads = clocks.stop(moto_pid);
    Ok((bare, bare_requests, reads, store.requests()))
}

async fn measure_sweep(
    store: &DynamoStore,
    sms: Arc<dyn SmsSender>,
    email: SesEmail,
    opts: &SweepOptions,
    now: DateTime<Utc>,
    n: usize,
    moto_pid: Option<u32>,
) -> Result<Measured, BoxError> {
    let deps = Deps {
        store: Arc::new(store.clone()),
        senders: Senders {
            sms,
            email: Arc::new(email),
        },
        options: opts.clone(),
    };
    if !reset_peak_rss() {
        println!("note: VmHWM could not be reset; peaks below are the whole process's");
    }
    store.reset_requests();
    let clocks = Clocks::start(moto_pid);
    let report = reminders::run(&deps, now).await?;
    let spent = clocks.stop(moto_pid);
    let requests = store.requests();
    let sent = report.outcomes.get("reminder_sent").copied().unwrap_or(0);
    if sent != n || !report.failures.is_empty() {
        return Err(format!(
            "the sweep sent {sent} of {n} ({} failures; first: {:?})",
            report.failures.len(),
            report.failures.first()
        )
        .into());
    }
    Ok(Measured {
        spent,
        requests,
        report,
        peak_mib: peak_rss_mib(),
    })
}

async fn bench(args: Args, moto: Moto, moto_pid: Option<u32>) -> Result<(), BoxError> {
    let n = args.reminders;
    let now = DateTime::parse_from_rfc3339(NOW)?.to_utc();
    let now = now.duration_trunc(Duration::seconds(1))?;
    let config = moto.sdk_config();
    let table = || async {
        Ok::<_, BoxError>(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            moto.fresh_table().await?,
        ))
    };
    let (base_store, instant_store, sns_store) = (table().await?, table().await?, table().await?);
    let opts = SweepOptions {
        concurrency: args.concurrency,
        ..SweepOptions::default()
    };
    println!(
        "moto at {}; {n} reminders across {PRACTICES} practices; concurrency {}",
        moto.endpoint, opts.concurrency
    );

    let started = Instant::now();
    for store in [&base_store, &instant_store, &sns_store] {
        seed(store, n, now).await?;
    }
    let seed_requests = base_store.requests() + instant_store.requests() + sns_store.requests();
    println!("seeded 3 tables × {n} reminders in {:.1} s ({seed_requests} Store writes, none over 100 items)", secs(started.elapsed()));
    let rss_after_seeding = peak_rss_mib();

    let bare = || bare_phases(&base_store, n, now, &opts, moto_pid);
    let instant = || {
        measure_sweep(
            &instant_store,
            Arc::new(InstantSms(AtomicUsize::new(0))),
            SesEmail::from_conf(&config, None),
            &opts,
            now,
            n,
            moto_pid,
        )
    };
    let sns = || {
        measure_sweep(
            &sns_store,
            Arc::new(SnsSms::from_conf(&config)),
            SesEmail::from_conf(&config, None),
            &opts,
            now,
            n,
            moto_pid,
        )
    };
    let ((base, base_requests, reads, read_requests), instant, sns) = if args.sweeps_first {
        println!("order: the SNS sweep, the instant sweep, then the bare calls");
        let sns = sns().await?;
        let instant = instant().await?;
        (bare().await?, instant, sns)
    } else {
        println!("order: the bare calls, the instant sweep, then the SNS sweep");
        let bare = bare().await?;
        let instant = instant().await?;
        (bare, instant, sns().await?)
    };

    let per = |requests: usize| requests as f64 / n as f64;
    let mib = |m: Option<f64>| m.map_or("n/a".to_string(), |m| format!("{m:.1} MiB"));
    let cpu = |c: Option<f64>| c.map_or("n/a".to_string(), |c| format!("{c:.1} s"));
    let vs = |a: Option<f64>, b: Option<f64>| {
        a.zip(b)
            .map_or("n/a".to_string(), |(a, b)| format!("{:.2}", a / b))
    };
    println!();
    println!(
        "| {:<48} | {:>8} | {:>7} | {:>9} | {:>7} | {:>8} | {:>8} | {:>8} | {:>10} |",
        "run",
        "wall",
        "vs bare",
        "moto CPU",
        "vs bare",
        "own CPU",
        "requests",
        "per rem.",
        "peak RSS"
    );
    println!(
        "|{:-<50}|{:-<10}|{:-<9}|{:-<11}|{:-<9}|{:-<10}|{:-<10}|{:-<10}|{:-<12}|",
        "", "", "", "", "", "", "", "", ""
    );
    println!(
        "| {:<48} | {:>6.1} s | {:>7} | {:>9} | {:>7} | {:>8} | {:>8} | {:>8.3} | {:>10} |",
        "bare DynamoDB: bucket queries + claim + 1 write",
        base.wall,
        "1.00",
        cpu(base.moto_cpu),
        "1.00",
        cpu(base.own_cpu),
        base_requests,
        per(base_requests),
        "-"
    );
    let with_reads = Spent {
        wall: base.wall + reads.wall,
        moto_cpu: base.moto_cpu.zip(reads.moto_cpu).map(|(a, b)| a + b),
        own_cpu: base.own_cpu.zip(reads.own_cpu).map(|(a, b)| a + b),
    };
    println!(
        "| {:<48} | {:>6.1} s | {:>7.2} | {:>9} | {:>7} | {:>8} | {:>8} | {:>8.3} | {:>10} |",
        "  + the sweep's batch reads (timed alone)",
        with_reads.wall,
        with_reads.wall / base.wall,
        cpu(with_reads.moto_cpu),
        vs(with_reads.moto_cpu, base.moto_cpu),
        cpu(with_reads.own_cpu),
        base_requests + read_requests,
        per(base_requests + read_requests),
        "-"
    );
    for (name, m) in [
        ("reminders sweep, sender answering at once", &instant),
        ("reminders sweep, sending through SNS (moto)", &sns),
    ] {
        println!(
            "| {:<48} | {:>6.1} s | {:>7.2} | {:>9} | {:>7} | {:>8} | {:>8} | {:>8.3} | {:>10} |",
            name,
            m.spent.wall,
            m.spent.wall / base.wall,
            cpu(m.spent.moto_cpu),
            vs(m.spent.moto_cpu, base.moto_cpu),
            cpu(m.spent.own_cpu),
            m.requests,
            per(m.requests),
            mib(m.peak_mib)
        );
    }
    println!();
    println!(
        "sweep / (bare + batch reads): {:.2} wall, {} moto CPU with the instant sender; {:.2} wall, {} moto CPU through SNS",
        instant.spent.wall / with_reads.wall,
        vs(instant.spent.moto_cpu, with_reads.moto_cpu),
        sns.spent.wall / with_reads.wall,
        vs(sns.spent.moto_cpu, with_reads.moto_cpu),
    );
    let r = &sns.report;
    println!();
    println!(
        "DynamoDB requests per reminder: {:.4} = 2 (claim + transaction) + {} bucket queries, {} batch reads (100 keys each), cursor read and write, over {n}",
        per(sns.requests),
        r.buckets,
        sns.requests.saturating_sub(r.buckets + 2 + 2 * n)
    );
    println!(
        "peak RSS after seeding, before the sweeps: {}",
        mib(rss_after_seeding)
    );
    println!("outcomes: {:?}", r.outcomes);
    Ok(())
}

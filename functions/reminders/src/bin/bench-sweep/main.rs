//! Benchmark: one reminders sweep over many due reminders across many practices, through
//! the real sweep code (`reminders::run`), against the bare store calls such a sweep must
//! make.
//!
//! ```text
//! cargo run --release -p reminders --features bench --bin bench-sweep -- \
//!     [--store memory|moto|none] [--reminders 100000] [--practices 2000] [--buckets 1]
//!     [--concurrency 16] [--order bare-first|sweeps-first] [--sns yes|no]
//!     [--phases sequential|parallel]
//! ```
//!
//! - `--store memory` (the default): `MemoryStore`, the in-memory store the store contract
//!   proves equal to the DynamoDB adapter, round trips included (it counts requests as the
//!   adapter does). 100,000 reminders take about 3 minutes here: the figures are the
//!   sweep's own cost and its round trips, not DynamoDB latency.
//! - `--store none`: only the due-index load of step 4, computed from the keys (seconds).
//! - `--store moto`: `DynamoStore` on the bench's own moto (`bench/moto_bench.py`, see
//!   there): one moto server per table (moto serves one request at a time, so each phase
//!   has a server of its own, none holding another phase's table), seeded at once, plus a
//!   sweep that publishes through SNS in moto unless `--sns no`. moto spends about 11 ms of
//!   one core per request, so 100,000 reminders take about an hour per phase.
//!   `--phases parallel` runs the bare calls and the sweep at the same time, each against
//!   its own server on its own core: the two see the same machine at the same moments (a
//!   paired measurement; the moto CPU ratio printed beside it does not depend on load).
//!
//! 1. Seeds fresh stores with the same N reminders (one SMS patient and appointment each,
//!    all due in `--buckets` 5-minute buckets: 1 is the 08:00 pile-up of one time zone),
//!    with Store writes of at most 100 item operations each.
//! 2. Baseline: the same pages of the same partitions, then per item only a claim and one
//!    transaction of the shape the sweep writes. Then the sweep's batch reads alone.
//! 3. The sweep with an SMS sender that answers at once (and, on moto, through SNS).
//! 4. Prints wall time, items per second, requests per item, peak RSS and its growth over
//!    the sweep (VmHWM, reset before each), and the largest share of a bucket's index writes
//!    on one GSI1 key.

mod measure;
mod moto;
mod report;
mod seed;

use std::error::Error;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, DurationRound, Utc};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use frontdesk::sweep::SweepOptions;
use frontdesk::testing::MemoryStore;
use futures_util::future::{try_join, try_join3};

use measure::{BenchStore, Clocks, InstantSms, NoEmail};
use report::Bare;
use seed::Shape;

type BoxError = Box<dyn Error + Send + Sync>;

/// The sweep's "now": 10:00 in New York, outside quiet hours.
const NOW: &str = "2026-03-10T14:00:00Z";

/// What the sweep runs against (`--store`).
#[derive(Clone, Copy, PartialEq)]
enum StoreKind {
    Memory,
    Moto,
    /// No store: only the due-index load.
    None,
}

struct Args {
    store: StoreKind,
    shape: Shape,
    concurrency: usize,
    sweeps_first: bool,
    /// On moto, also a sweep that publishes through SNS (a third seeded table).
    sns: bool,
    /// On moto, the bare calls and the instant sweep at the same time.
    parallel: bool,
}

fn args() -> Result<Args, BoxError> {
    let mut out = Args {
        store: StoreKind::Memory,
        shape: Shape {
            reminders: 100_000,
            practices: 2_000,
            buckets: 1,
        },
        concurrency: SweepOptions::default().concurrency,
        sweeps_first: false,
        sns: true,
        parallel: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--store" => {
                out.store = match value.as_str() {
                    "memory" => StoreKind::Memory,
                    "moto" => StoreKind::Moto,
                    "none" => StoreKind::None,
                    _ => return Err("--store is memory, moto or none".into()),
                }
            }
            "--reminders" => out.shape.reminders = value.parse()?,
            "--practices" => out.shape.practices = value.parse()?,
            "--buckets" => out.shape.buckets = value.parse()?,
            "--concurrency" => out.concurrency = value.parse()?,
            "--order" => {
                out.sweeps_first = match value.as_str() {
                    "bare-first" => false,
                    "sweeps-first" => true,
                    _ => return Err("--order is bare-first or sweeps-first".into()),
                }
            }
            "--sns" => {
                out.sns = match value.as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err("--sns is yes or no".into()),
                }
            }
            "--phases" => {
                out.parallel = match value.as_str() {
                    "sequential" => false,
                    "parallel" => true,
                    _ => return Err("--phases is sequential or parallel".into()),
                }
            }
            other => {
                return Err(format!("unknown flag {other}; see the bench's doc comment").into())
            }
        }
    }
    let s = out.shape;
    if s.reminders == 0 || s.reminders > 999_999 || s.practices == 0 || s.practices > 9_999 {
        return Err("--reminders must be 1..=999999 and --practices 1..=9999".into());
    }
    if s.buckets == 0 || s.buckets > 60 || out.concurrency == 0 {
        return Err("--buckets must be 1..=60 and --concurrency at least 1".into());
    }
    Ok(out)
}

fn main() -> Result<(), BoxError> {
    let args = args()?;
    if args.store == StoreKind::None {
        return report::partition_load(args.shape, now()?);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.store == StoreKind::Moto {
        // One server per seeded table (the bare calls, the instant sweep, the SNS sweep).
        let servers = (0..2 + usize::from(args.sns))
            .map(|_| moto::moto())
            .collect::<Result<Vec<_>, _>>()?;
        runtime.block_on(on_moto(&args, &servers))
    } else {
        runtime.block_on(in_memory(&args))
    }
}

fn now() -> Result<DateTime<Utc>, BoxError> {
    let now = DateTime::parse_from_rfc3339(NOW)?.to_utc();
    Ok(now.duration_trunc(Duration::seconds(1))?)
}

fn options(args: &Args) -> SweepOptions {
    SweepOptions {
        concurrency: args.concurrency,
        ..SweepOptions::default()
    }
}

async fn bare<S: BenchStore>(
    store: &S,
    args: &Args,
    moto_pid: Option<u32>,
) -> Result<Bare, BoxError> {
    let (now, opts, n) = (now()?, options(args), args.shape.reminders);
    store.reset_requests();
    let clocks = Clocks::start(moto_pid);
    let done = measure::baseline(store, now, &opts).await?;
    let calls = clocks.stop(moto_pid);
    let calls_requests = store.requests();
    println!(
        "bare calls done: {:.1} s, {calls_requests} requests",
        calls.wall
    );
    if done != n {
        return Err(format!("the baseline finished {done} of {n} items").into());
    }
    store.reset_requests();
    let clocks = Clocks::start(moto_pid);
    measure::batch_reads(store, args.shape, now, &opts).await?;
    Ok(Bare {
        calls,
        calls_requests,
        reads: clocks.stop(moto_pid),
        reads_requests: store.requests(),
    })
}

async fn seeded<S: BenchStore>(store: S, shape: Shape) -> Result<S, BoxError> {
    let started = Instant::now();
    seed::seed(&store, shape, now()?).await?;
    println!(
        "seeded {} reminders across {} practices in {:.1} s",
        shape.reminders,
        shape.practices,
        started.elapsed().as_secs_f64()
    );
    Ok(store)
}

async fn in_memory(args: &Args) -> Result<(), BoxError> {
    let (now, opts, n) = (now()?, options(args), args.shape.reminders);
    println!("MemoryStore; concurrency {}", opts.concurrency);
    let sweep = || async {
        let store = seeded(MemoryStore::new(), args.shape).await?;
        let sms = Arc::new(InstantSms(AtomicUsize::new(0)));
        measure::sweep(&store, sms, Arc::new(NoEmail), &opts, now, n, None).await
    };
    let base = || async { bare(&seeded(MemoryStore::new(), args.shape).await?, args, None).await };
    let (base, instant) = if args.sweeps_first {
        let instant = sweep().await?;
        (base().await?, instant)
    } else {
        let base = base().await?;
        (base, sweep().await?)
    };
    report::table(
        n,
        &base,
        &[("reminders sweep, sender answering at once", &instant)],
    );
    report::partition_load(args.shape, now)
}

/// A fresh table on `moto`, seeded.
async fn moto_table(moto: &local_stack::Moto, shape: Shape) -> Result<DynamoStore, BoxError> {
    let config = moto.sdk_config();
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        moto.fresh_table().await?,
    );
    seeded(store, shape).await
}

async fn on_moto(args: &Args, servers: &[moto::Server]) -> Result<(), BoxError> {
    let (now, opts, n) = (now()?, options(args), args.shape.reminders);
    let pid = |i: usize| {
        servers
            .get(i)
            .and_then(|(_, g)| g.as_ref())
            .map(|g| g.0.id())
    };
    for (moto, _) in servers {
        println!("moto at {}", moto.endpoint);
    }
    println!("concurrency {}", opts.concurrency);
    let (base_store, instant_store, sns_store) = try_join3(
        moto_table(&servers[0].0, args.shape),
        moto_table(&servers[1].0, args.shape),
        async {
            match servers.get(2) {
                Some((moto, _)) => Ok::<_, BoxError>(Some(moto_table(moto, args.shape).await?)),
                None => Ok(None),
            }
        },
    )
    .await?;
    let config = |i: usize| servers[i].0.sdk_config();
    let email = |i: usize| Arc::new(SesEmail::from_conf(&config(i), None));
    let instant = || {
        let sms = Arc::new(InstantSms(AtomicUsize::new(0)));
        measure::sweep(&instant_store, sms, email(1), &opts, now, n, pid(1))
    };
    let sns = || async {
        let Some(store) = &sns_store else {
            return Ok(None);
        };
        let sms = Arc::new(SnsSms::from_conf(&config(2)));
        let measured = measure::sweep(store, sms, email(2), &opts, now, n, pid(2)).await?;
        Ok::<_, BoxError>(Some(measured))
    };
    let (base, instant, sns) = if args.parallel {
        let (base, instant) = try_join(bare(&base_store, args, pid(0)), instant()).await?;
        (base, instant, sns().await?)
    } else if args.sweeps_first {
        let sns = sns().await?;
        let instant = instant().await?;
        (bare(&base_store, args, pid(0)).await?, instant, sns)
    } else {
        let base = bare(&base_store, args, pid(0)).await?;
        let instant = instant().await?;
        (base, instant, sns().await?)
    };
    let mut rows = vec![("reminders sweep, sender answering at once", &instant)];
    if let Some(sns) = &sns {
        rows.push(("reminders sweep, sending through SNS (moto)", sns));
    }
    report::table(n, &base, &rows);
    report::partition_load(args.shape, now)
}

//! The bench's printed results: the phases side by side, and where the index writes land.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use frontdesk::domain::{bucket_of, Sweep};
use frontdesk::keys;

use super::measure::{Measured, Spent};
use super::seed::{reminder, Shape};
use super::BoxError;

fn cpu(c: Option<f64>) -> String {
    c.map_or("n/a".to_string(), |c| format!("{c:.1} s"))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    a.zip(b)
        .map_or("n/a".to_string(), |(a, b)| format!("{:.2}", a / b))
}

fn mib(m: Option<f64>) -> String {
    m.map_or("n/a".to_string(), |m| format!("{m:.1} MiB"))
}

pub struct Bare {
    pub calls: Spent,
    pub calls_requests: usize,
    pub reads: Spent,
    pub reads_requests: usize,
}

pub fn table(n: usize, bare: &Bare, sweeps: &[(&str, &Measured)]) {
    let per = |requests: usize| requests as f64 / n as f64;
    let with_reads = Spent {
        wall: bare.calls.wall + bare.reads.wall,
        moto_cpu: bare
            .calls
            .moto_cpu
            .zip(bare.reads.moto_cpu)
            .map(|(a, b)| a + b),
        own_cpu: bare
            .calls
            .own_cpu
            .zip(bare.reads.own_cpu)
            .map(|(a, b)| a + b),
    };
    println!();
    println!("| run | wall | items/s | vs bare | moto CPU | own CPU | requests | per item | peak RSS (growth) |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| bare: pages + claim + 1 write per item | {:.1} s | {:.0} | 1.00 | {} | {} | {} | {:.3} | - |",
        bare.calls.wall,
        n as f64 / bare.calls.wall,
        cpu(bare.calls.moto_cpu),
        cpu(bare.calls.own_cpu),
        bare.calls_requests,
        per(bare.calls_requests)
    );
    println!(
        "| + the sweep's batch reads (timed alone) | {:.1} s | {:.0} | {:.2} | {} | {} | {} | {:.3} | - |",
        with_reads.wall,
        n as f64 / with_reads.wall,
        with_reads.wall / bare.calls.wall,
        cpu(with_reads.moto_cpu),
        cpu(with_reads.own_cpu),
        bare.calls_requests + bare.reads_requests,
        per(bare.calls_requests + bare.reads_requests)
    );
    for (name, m) in sweeps {
        println!(
            "| {name} | {:.1} s | {:.0} | {:.2} | {} | {} | {} | {:.3} | {} ({}) |",
            m.spent.wall,
            n as f64 / m.spent.wall,
            m.spent.wall / with_reads.wall,
            cpu(m.spent.moto_cpu),
            cpu(m.spent.own_cpu),
            m.requests,
            per(m.requests),
            mib(m.peak_mib),
            mib(m.growth_mib)
        );
    }
    println!();
    for (name, m) in sweeps {
        println!(
            "{name}: sweep / (bare + batch reads) = {:.2} wall, {} moto CPU",
            m.spent.wall / with_reads.wall,
            ratio(m.spent.moto_cpu, with_reads.moto_cpu)
        );
        let r = &m.report;
        let fixed = 2 * n;
        println!(
            "  requests: {} = 2 per item (claim with the patient lease + one transaction) = {fixed}, \
             + {} pages ({} buckets: 32 shards per day touched + 1 unsharded per bucket), batch reads \
             (100 keys), lease releases (100 a batch), cursor: {}",
            m.requests,
            r.pages,
            r.buckets,
            m.requests.saturating_sub(fixed)
        );
        println!("  outcomes: {:?}", r.outcomes);
    }
}

/// The busiest group of index writes (grouped by their due time) and its busiest key.
struct Busiest {
    at: DateTime<Utc>,
    writes: usize,
    key: String,
    on_key: usize,
}

impl Busiest {
    fn share(&self) -> f64 {
        self.on_key as f64 / self.writes.max(1) as f64
    }
}

fn busiest(
    writes: &[(DateTime<Utc>, String)],
    group: impl Fn(DateTime<Utc>) -> Result<DateTime<Utc>, BoxError>,
) -> Result<Option<Busiest>, BoxError> {
    let mut per: HashMap<DateTime<Utc>, HashMap<&str, usize>> = HashMap::new();
    for (at, key) in writes {
        *per.entry(group(*at)?).or_default().entry(key).or_default() += 1;
    }
    Ok(per
        .into_iter()
        .max_by_key(|(_, keys)| keys.values().sum::<usize>())
        .and_then(|(at, keys)| {
            let writes = keys.values().sum();
            let (key, on_key) = keys.into_iter().max_by_key(|(_, n)| *n)?;
            Some(Busiest {
                at,
                writes,
                key: key.to_string(),
                on_key,
            })
        }))
}

/// Where the due-index writes of the seeded work land: its puts (planning) and the claims
/// that move it (one write each to the shard it keeps). The largest share of the busiest
/// bucket's writes, and of the busiest minute's, on one GSI1 key; before sharding one key
/// took them all.
pub fn partition_load(shape: Shape, now: DateTime<Utc>) -> Result<(), BoxError> {
    let writes = (0..shape.reminders)
        .map(|i| {
            let due = reminder(i, shape, now)?.2;
            Ok((due.due_at, keys::due_partition_of(&due)))
        })
        .collect::<Result<Vec<_>, BoxError>>()?;
    let fair = 1.0 / f64::from(keys::DUE_SHARDS);
    println!();
    if let Some(b) = busiest(&writes, |at| Ok(bucket_of(at)))? {
        println!(
            "due-index writes: {} items, the busiest bucket {} holding {}; its busiest key {} \
             takes {} = {:.2}% of them (1/S = {:.2}%, target <= {:.2}%); unsharded, one key \
             took 100%",
            shape.reminders,
            keys::due_bucket_pk(Sweep::Reminders, b.at),
            b.writes,
            b.key,
            b.on_key,
            b.share() * 100.0,
            fair * 100.0,
            fair * 110.0
        );
    }
    if let Some(m) = busiest(&writes, |at| Ok(at.duration_trunc(Duration::minutes(1))?))? {
        println!(
            "the busiest minute, {}, took {} writes; its busiest key {} = {:.2}% of them",
            m.at,
            m.writes,
            m.on_key,
            m.share() * 100.0
        );
    }
    Ok(())
}

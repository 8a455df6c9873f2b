//! Fault injection over a simulated clinic day (see `e2e_tests::faults`). The same day is
//! replayed twice on the shared moto server: once clean (what should go out), once with
//! 20% of the SDK's calls failed by the loopback proxy (DynamoDB throughput exceeded,
//! throttling and 500s, some after the write applied; SNS throttling; SES too many
//! requests) and 20% of the fake providers' sends answered 429 or 5xx, from a fixed seed.
//! Every message of the clean run must go out exactly once in the faulty run, or be a
//! staff task there; none lost, none twice. The counts are printed (docs/benchmarks.md).
//!
//! `FRONTDESK_FAULT_SEED` (default 16) and `FRONTDESK_FAULT_TICK_MINUTES` (default 5)
//! vary the run; `FRONTDESK_FAULT_MODES` = `retries` or `bare` runs one faulty replay
//! (default both: with the SDK's standard retries, and with one attempt per call).
//!
//!   make faults    # cargo test -p e2e-tests --test fault_injection -- --ignored --nocapture

use chrono::Duration;
use e2e_tests::faults::{Day, FaultProxy, Outcome};
use e2e_tests::{spawn_app_on, TestApp};
use local_stack::Moto;
use serde_json::json;

const RATE: f64 = 0.2;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn set_provider_faults(app: &TestApp, rate: f64, seed: u64) {
    let base = app
        .fake_providers
        .clone()
        .expect("the gateway serves the fake providers");
    let r = app
        .http
        .post(format!("{base}/_fake/fault_rate"))
        .json(&json!({"rate": rate, "seed": seed}))
        .send()
        .await
        .expect("fake providers answer");
    assert_eq!(r.status().as_u16(), 204);
}

/// One replay of the day; `faults` is (rate, seed).
async fn run(moto: &Moto, day: Day, faults: Option<(f64, u64)>) -> (Outcome, FaultProxy) {
    let (rate, seed) = faults.unwrap_or((0.0, 0));
    let proxy = FaultProxy::start(&moto.endpoint, rate, seed).await;
    let app = spawn_app_on(Moto::at(&proxy.endpoint)).await;
    let practices = day.seed(&app).await;
    let mut outcome = Outcome::default();
    let (from, until) = day.window();
    proxy.set_enabled(true);
    set_provider_faults(&app, rate, seed.wrapping_add(1)).await;
    day.replay(&app, &practices, from, until, &mut outcome)
        .await;
    // The schedules keep running; the faults stop (the drain shows what the day left).
    proxy.set_enabled(false);
    set_provider_faults(&app, 0.0, 0).await;
    day.replay(
        &app,
        &practices,
        until,
        until + Duration::hours(3),
        &mut outcome,
    )
    .await;
    day.collect(&app, &practices, &mut outcome).await;
    (outcome, proxy)
}

#[derive(Debug, Default)]
struct Figure {
    expected: u32,
    exactly_once: u32,
    became_task: u32,
    lost: u32,
    sent_twice: u32,
    unexpected: u32,
}

fn compare(clean: &Outcome, faulty: &Outcome) -> Figure {
    let mut fig = Figure::default();
    let tasks_of = |o: &Outcome, p: usize, i: usize| -> u32 {
        o.tasks
            .iter()
            .filter(|((tp, ti, _), _)| *tp == p && *ti == i)
            .map(|(_, n)| n)
            .sum()
    };
    let mut spare_tasks = std::collections::BTreeMap::new();
    for (key, &want) in &clean.sent {
        let got = faulty.sent.get(key).copied().unwrap_or(0);
        fig.expected += want;
        fig.exactly_once += got.min(want);
        fig.sent_twice += got.saturating_sub(want);
        if got > want {
            eprintln!("SENT TWICE: {key:?} x{got}, {want} expected");
        }
        let missing = want.saturating_sub(got);
        if missing > 0 {
            let (p, i, _) = key;
            let spare = spare_tasks.entry((*p, *i)).or_insert_with(|| {
                tasks_of(faulty, *p, *i).saturating_sub(tasks_of(clean, *p, *i))
            });
            let covered = missing.min(*spare);
            *spare -= covered;
            fig.became_task += covered;
            fig.lost += missing - covered;
            if missing > covered {
                eprintln!("LOST: {key:?}");
            }
        }
    }
    for (key, &got) in &faulty.sent {
        if !clean.sent.contains_key(key) {
            fig.unexpected += got;
            eprintln!("UNEXPECTED: {key:?} x{got}");
        }
    }
    fig
}

fn report(label: &str, clean: &Outcome, faulty: &Outcome, proxy: &FaultProxy) -> Figure {
    let fig = compare(clean, faulty);
    println!("{label}:");
    println!("  SDK calls while faulty: {:?}", proxy.calls());
    println!("  faults injected: {:?}", proxy.injected());
    println!(
        "  provider sends: {}, answered 429/5xx: {}",
        faulty.provider_calls, faulty.provider_faults
    );
    println!(
        "  schedule runs failed (fired again next tick): {}; inbound redelivered: {}; PMS calls retried: {}",
        faulty.failed_runs, faulty.redelivered, faulty.pms_retries
    );
    println!(
        "  messages expected {}: sent exactly once {}, became a staff task {}, lost {}, sent twice {}, unexpected {}",
        fig.expected, fig.exactly_once, fig.became_task, fig.lost, fig.sent_twice, fig.unexpected
    );
    let clean_tasks: u32 = clean.tasks.values().sum();
    let faulty_tasks: u32 = faulty.tasks.values().sum();
    println!("  staff tasks: clean {clean_tasks}, faulty {faulty_tasks}");
    assert!(
        proxy.injected().values().sum::<u64>() > 0,
        "no fault was injected"
    );
    fig
}

// About 10 minutes per replay on moto: not part of `cargo test --workspace` (CI's budget);
// `make faults` runs it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a simulated day on moto, ~30 min: run with `make faults`"]
async fn a_day_at_twenty_percent_faults_sends_every_message_once_or_tells_staff() {
    let moto = Moto::shared()
        .await
        .expect("moto starts (make venv)")
        .clone();
    let seed = env_or("FRONTDESK_FAULT_SEED", 16);
    let tick = env_or("FRONTDESK_FAULT_TICK_MINUTES", 5) as i64;
    let date = (chrono::Utc::now() + Duration::days(9)).date_naive();
    let started = std::time::Instant::now();
    let modes = std::env::var("FRONTDESK_FAULT_MODES").unwrap_or_else(|_| "both".into());
    let (clean, _) = run(&moto, Day { run: 1, date, tick }, None).await;
    println!("fault injection: seed {seed}, rate {RATE}, tick {tick} min");
    let mut figures = vec![];
    if modes != "bare" {
        // As deployed: the SDK's standard retries (three attempts) absorb most faults.
        let (retried, proxy) = run(&moto, Day { run: 2, date, tick }, Some((RATE, seed))).await;
        figures.push(report(
            "with the SDK's standard retries",
            &clean,
            &retried,
            &proxy,
        ));
    }
    if modes != "retries" {
        // Every fault reaches the code: one attempt per SDK call.
        std::env::set_var(local_stack::MAX_ATTEMPTS_ENV, "1");
        let (bare, proxy) = run(&moto, Day { run: 3, date, tick }, Some((RATE, seed))).await;
        std::env::remove_var(local_stack::MAX_ATTEMPTS_ENV);
        let label = "with no SDK retries (every fault reaches the code)";
        figures.push(report(label, &clean, &bare, &proxy));
    }
    println!("({:.0} s in all)", started.elapsed().as_secs_f64());

    assert!(
        clean.sent.values().sum::<u32>() > 0,
        "the clean day sent nothing: {clean:?}"
    );
    for fig in figures {
        assert_eq!(fig.lost, 0, "{fig:?}");
        assert_eq!(fig.sent_twice, 0, "{fig:?}");
        assert_eq!(fig.unexpected, 0, "{fig:?}");
    }
}

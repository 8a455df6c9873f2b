//! Cold start of each function's release binary against the floor, a hello-world
//! `lambda_runtime` binary built in the same run (`infra/cold-start.sh` builds both and
//! runs this). A loopback stub of the Lambda Runtime API ([`stub`]) times process start to
//! the first `GET /2018-06-01/runtime/invocation/next` (init) and to the first result
//! posted; the binaries run interleaved, `--runs` times each, and the medians are printed
//! with their ratio to the floor's.
//!
//!   cold-start [--runs N] --floor PATH NAME=PATH...
//!
//! Each NAME runs with `FRONTDESK_FUNCTION=NAME`, so PATH may be the multi-call
//! `frontdesk` binary for every function.
//!
//! The functions get the environment this process has (`infra/cold-start.sh` points them
//! at moto) plus the runtime's own variables; each gets an event of its kind (API Gateway
//! v2 for the HTTP functions, SNS for the notification-driven ones, an EventBridge
//! scheduled event for the sweeps).

mod stub;

use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(60);

struct Target {
    name: String,
    path: String,
    init: Vec<Duration>,
    first: Vec<Duration>,
    results: Vec<&'static str>,
}

fn event_for(name: &str) -> Value {
    let now = chrono_like_now();
    match name {
        "practice-api" | "staff-console" | "inbound-sms" => json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/v1/practice",
            "rawQueryString": "", "headers": {"accept": "application/json"},
            "requestContext": {
                "accountId": "000000000000", "apiId": "coldstart", "domainName": "localhost",
                "domainPrefix": "localhost", "requestId": "cold-start", "routeKey": "$default",
                "stage": "$default", "time": "02/Dec/2026:00:00:00 +0000", "timeEpoch": 0,
                "http": {"method": "GET", "path": "/v1/practice", "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "cold-start"}
            },
            "isBase64Encoded": false
        }),
        "delivery-events" | "inbound-email" => json!({"Records": [{
            "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:cold-start:1",
            "Sns": {"Type": "Notification", "MessageId": "cold-start", "TopicArn": "arn:aws:sns:us-east-1:000000000000:cold-start",
                    "Subject": null, "Message": "{}", "Timestamp": now, "SignatureVersion": "1",
                    "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "", "MessageAttributes": {}}
        }]}),
        _ => json!({
            "version": "0", "id": "cold-start", "detail-type": "Scheduled Event",
            "source": "aws.scheduler", "account": "000000000000", "time": now,
            "region": "us-east-1", "resources": [], "detail": {}
        }),
    }
}

/// RFC 3339 UTC now, without a date crate.
fn chrono_like_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

async fn once(stub: &stub::Stub, api: &str, t: &mut Target) -> Result<(), String> {
    stub.arm(event_for(&t.name));
    let start = Instant::now();
    let mut child = tokio::process::Command::new(&t.path)
        .env("AWS_LAMBDA_RUNTIME_API", api)
        .env("AWS_LAMBDA_FUNCTION_NAME", &t.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("_HANDLER", "bootstrap")
        // The multi-call binary runs the function it is named for (ignored by the floor).
        .env("FRONTDESK_FUNCTION", &t.name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", t.path))?;
    // Read as it comes, so a chatty function never blocks on a full pipe.
    let stderr = child.stderr.take();
    let printed = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut text = String::new();
        if let Some(mut err) = stderr {
            let _ = err.read_to_string(&mut text).await;
        }
        text
    });
    // A function that exits before posting a result (bad configuration, a panic) fails the
    // run at once, with what it printed, rather than after the timeout.
    let exited = tokio::select! {
        waited = tokio::time::timeout(TIMEOUT, stub.finished()) => {
            waited.map_err(|_| format!("{}: no result within {TIMEOUT:?}", t.name))?;
            None
        }
        status = child.wait() => Some(status),
    };
    let _ = child.kill().await;
    if let Some(status) = exited {
        let printed = printed.await.unwrap_or_default();
        return Err(format!(
            "{}: exited ({status:?}) before posting a result: {}",
            t.name,
            printed.trim()
        ));
    }
    let seen = stub.seen();
    if seen.init_error {
        return Err(format!("{}: init error (check its environment)", t.name));
    }
    let (Some(next), Some(done), Some(kind)) = (seen.next_at, seen.result_at, seen.result) else {
        return Err(format!("{}: incomplete run {seen:?}", t.name));
    };
    t.init.push(next - start);
    t.first.push(done - start);
    t.results.push(kind);
    Ok(())
}

fn median(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    s.get(s.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let mut runs = 11usize;
    let mut targets: Vec<Target> = vec![];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (name, path) = match a.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(runs)
                    .max(1);
                continue;
            }
            "--floor" => ("floor".to_string(), args.next().unwrap_or_default()),
            other => match other.split_once('=') {
                Some((n, p)) => (n.to_string(), p.to_string()),
                None => {
                    eprintln!("usage: cold-start [--runs N] --floor PATH NAME=PATH...");
                    return ExitCode::from(2);
                }
            },
        };
        let t = Target {
            name,
            path,
            init: vec![],
            first: vec![],
            results: vec![],
        };
        if t.name == "floor" {
            targets.insert(0, t);
        } else {
            targets.push(t);
        }
    }
    if targets.first().is_none_or(|t| t.name != "floor") {
        eprintln!("--floor PATH (the hello-world binary) is required");
        return ExitCode::from(2);
    }
    let stub = stub::Stub::default();
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        eprintln!("no loopback port");
        return ExitCode::FAILURE;
    };
    let api = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let router = stub.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    for run in 0..runs {
        // Interleaved, and the order rotated each run, so load drifts hit everyone alike.
        let n = targets.len();
        for k in 0..n {
            let t = &mut targets[(k + run) % n];
            if let Err(e) = once(&stub, &api, t).await {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let floor_init = median(&targets[0].init);
    let floor_first = median(&targets[0].first);
    println!("cold start, median of {runs} (interleaved), process start to:");
    println!(
        "  {:<18} {:>10} {:>7}  {:>13} {:>7}  {:>10}  result",
        "binary", "init ms", "ratio", "1st result ms", "ratio", "bytes"
    );
    let mut worst = 0.0f64;
    for t in &targets {
        let (init, first) = (median(&t.init), median(&t.first));
        let r_init = ms(init) / ms(floor_init).max(1e-6);
        let r_first = ms(first) / ms(floor_first).max(1e-6);
        worst = worst.max(r_init);
        let bytes = std::fs::metadata(&t.path)
            .map(|m| m.len())
            .unwrap_or_default();
        println!(
            "  {:<18} {:>10.2} {:>6.2}x  {:>13.2} {:>6.2}x  {:>10}  {}",
            t.name,
            ms(init),
            r_init,
            ms(first),
            r_first,
            bytes,
            t.results.first().copied().unwrap_or("-")
        );
    }
    println!("worst init ratio to the floor: {worst:.2}x (target at most 2x)");
    ExitCode::SUCCESS
}

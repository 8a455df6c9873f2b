//! Starting (or reusing) a moto server on loopback, and pointing the SDK at it.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use tokio::sync::OnceCell;

use crate::{outbox, repo_root, Error};

/// Reuse the moto server at this URL instead of starting one.
pub const ENDPOINT_ENV: &str = "FRONTDESK_MOTO_ENDPOINT";
/// The venv holding `bin/moto_server` (default `<repo>/.venv`).
pub const VENV_ENV: &str = "FRONTDESK_VENV";
/// Attempts per SDK call for local clients (tests); unset: the SDK's standard three.
pub const MAX_ATTEMPTS_ENV: &str = "FRONTDESK_SDK_MAX_ATTEMPTS";
/// The region every local client uses.
pub const REGION: &str = "us-east-1";

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_EVERY: Duration = Duration::from_millis(100);

/// Runs moto under a watchdog: the shell starts moto, then polls the parent pid ($2) every
/// second and kills moto once the parent is gone (or on TERM/INT/HUP). $0 is the venv's
/// python, $1 the port, $3 `infra/moto_serial.py` (moto_server applying one request at a
/// time, as DynamoDB serialises writes to an item; see that file).
const WATCHDOG: &str = r#"
"$0" "$3" -H 127.0.0.1 -p "$1" &
m=$!
trap 'kill "$m" 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$2" 2>/dev/null && kill -0 "$m" 2>/dev/null; do sleep 1; done
kill "$m" 2>/dev/null
wait "$m"
"#;

/// A moto server on loopback: DynamoDB, SNS and SESv2 on one port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moto {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub endpoint: String,
}

static SHARED: OnceCell<Moto> = OnceCell::const_new();

impl Moto {
    /// If env `FRONTDESK_MOTO_ENDPOINT` is set, reuses that server (after checking it
    /// answers). Otherwise spawns `<venv>/bin/moto_server -H 127.0.0.1 -p <port>` on `port`
    /// or a free port, waits (up to 30 s) until it answers, and leaves a watchdog that
    /// kills it when this process exits.
    pub async fn start(port: Option<u16>) -> Result<Moto, Error> {
        if let Some(endpoint) = endpoint_from_env() {
            wait_ready(&endpoint, None).await?;
            tracing::info!(endpoint = %endpoint, "reusing the moto server from FRONTDESK_MOTO_ENDPOINT");
            return Ok(Moto { endpoint });
        }
        let bin = venv_dir().join("bin").join("python");
        if !venv_dir().join("bin").join("moto_server").is_file() {
            return Err(Error::VenvMissing { bin });
        }
        if !bin.is_file() {
            return Err(Error::VenvMissing { bin });
        }
        let port = match port {
            Some(p) if port_is_free(p) => p,
            Some(p) => return Err(Error::PortInUse { port: p }),
            None => free_port()?,
        };
        let endpoint = format!("http://127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!("frontdesk-moto-{port}.log"));
        let mut child = spawn_watched(&bin, port, &log)?;
        wait_ready(&endpoint, Some((&mut child, &log))).await?;
        tracing::info!(endpoint = %endpoint, log = %log.display(), "moto started");
        Ok(Moto { endpoint })
    }

    /// A server already running at `endpoint` (not checked). No I/O.
    pub fn at(endpoint: &str) -> Moto {
        Moto {
            endpoint: endpoint.trim_end_matches('/').to_string(),
        }
    }

    /// One server per process, started on first use and shared by every test after.
    pub async fn shared() -> Result<&'static Moto, Error> {
        SHARED.get_or_try_init(|| Moto::start(None)).await
    }

    /// SDK configuration for this server: dummy static credentials, `us-east-1`, latest
    /// behavior version, the SDK's standard retries (or `FRONTDESK_SDK_MAX_ATTEMPTS`
    /// attempts: 1 lets every injected fault reach the code). No I/O.
    pub fn sdk_config(&self) -> SdkConfig {
        let attempts = std::env::var(MAX_ATTEMPTS_ENV)
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|n| *n > 0);
        let builder = SdkConfig::builder();
        let builder = match attempts {
            Some(n) => builder.retry_config(RetryConfig::standard().with_max_attempts(n)),
            None => builder,
        };
        builder
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .http_client(https_client())
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "local-stack",
                "local-stack",
                None,
                None,
                "local-stack",
            )))
            .build()
    }

    /// Creates a table with a unique name (`frontdesk-test-<ulid>`) from template.yaml's
    /// `Table`, so tests never share data. Returns its name.
    pub async fn fresh_table(&self) -> Result<String, Error> {
        let name = format!(
            "frontdesk-test-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let client = aws_sdk_dynamodb::Client::new(&self.sdk_config());
        crate::create_table_from_template(&client, &crate::template_path(), &name).await?;
        Ok(name)
    }

    /// What moto recorded as sent, normalised:
    /// `{"sms": [{message_id, to, from, body}], "email": [{message_id, from, to, subject, body}]}`.
    /// moto 5.2.5 does not record an SMS's origination number, so `from` is always null
    /// for SMS; assert on it at the request instead.
    pub async fn outbox(&self) -> Result<serde_json::Value, Error> {
        let url = format!("{}/moto-api/data.json", self.endpoint);
        let http = |source| Error::Http {
            url: url.clone(),
            source,
        };
        let data: serde_json::Value = reqwest::get(&url)
            .await
            .and_then(|r| r.error_for_status())
            .map_err(http)?
            .json()
            .await
            .map_err(http)?;
        let mut out = outbox::normalise(&data)?;
        // The SendEmail requests as sent (infra/moto_serial.py keeps them): their headers.
        let sent_url = format!("{}/_frontdesk/ses/sent", self.endpoint);
        let sent = match reqwest::get(&sent_url).await {
            Ok(r) if r.status().is_success() => r.json::<serde_json::Value>().await.ok(),
            _ => None,
        };
        if let Some(sent) = sent {
            outbox::attach_headers(&mut out, &sent);
        }
        Ok(out)
    }
}

fn endpoint_from_env() -> Option<String> {
    std::env::var(ENDPOINT_ENV)
        .ok()
        .map(|v| v.trim().trim_end_matches('/').to_string())
        .filter(|v| !v.is_empty())
}

/// The project venv (`FRONTDESK_VENV`, else `<repo>/.venv`): moto, and the OpenAPI checker.
pub fn venv_dir() -> PathBuf {
    match std::env::var_os(VENV_ENV) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => repo_root().join(".venv"),
    }
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(Error::NoFreePort)?;
    let port = listener.local_addr().map_err(Error::NoFreePort)?.port();
    Ok(port)
}

fn spawn_watched(bin: &Path, port: u16, log: &Path) -> Result<Child, Error> {
    let spawn_err = |source| Error::Spawn {
        bin: bin.to_path_buf(),
        source,
    };
    let out = File::create(log).map_err(spawn_err)?;
    let err = out.try_clone().map_err(spawn_err)?;
    Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg(bin)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .arg(serial_script())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(spawn_err)
}

/// Polls until the server answers any HTTP request, the child exits, or time runs out.
async fn wait_ready(
    endpoint: &str,
    mut child: Option<(&mut Child, &PathBuf)>,
) -> Result<(), Error> {
    let started = Instant::now();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|source| Error::Http {
            url: endpoint.to_string(),
            source,
        })?;
    let url = format!("{endpoint}/");
    loop {
        if http.get(&url).send().await.is_ok() {
            return Ok(());
        }
        if let Some((c, log)) = child.as_mut() {
            if let Ok(Some(status)) = c.try_wait() {
                return Err(Error::Exited {
                    status: status.to_string(),
                    log: log.to_path_buf(),
                });
            }
        }
        if started.elapsed() >= READY_TIMEOUT {
            let hint = match &child {
                Some((_, log)) => format!("see its log at {}", log.display()),
                None => format!("check that {ENDPOINT_ENV} points at a running moto server, or unset it to start one"),
            };
            return Err(Error::NotReady {
                endpoint: endpoint.to_string(),
                waited_secs: READY_TIMEOUT.as_secs(),
                hint,
            });
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// `infra/moto_serial.py`, beside this crate.
fn serial_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("moto_serial.py")
}

/// The SDK's HTTP client for local configurations: the functions' own choice (hyper,
/// rustls on `ring`; the SDK crates are built without a default client).
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

//! The bench's own moto server (`bench/moto_bench.py`), killed when the bench ends.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use local_stack::Moto;

use super::BoxError;

pub struct BenchMoto(pub Child);

/// A moto endpoint, and the server the bench started for it (None: one given).
pub type Server = (Moto, Option<BenchMoto>);

impl Drop for BenchMoto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `FRONTDESK_MOTO_ENDPOINT` if set, else `bench/moto_bench.py` started on a free loopback
/// port (waited for until it accepts connections).
pub fn moto() -> Result<Server, BoxError> {
    match std::env::var(local_stack::ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.trim().is_empty() => Ok((
            Moto {
                endpoint: endpoint.trim().trim_end_matches('/').to_string(),
            },
            None,
        )),
        _ => start().map(|(m, g)| (m, Some(g))),
    }
}

fn start() -> Result<(Moto, BenchMoto), BoxError> {
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
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("the bench moto did not start; see {}", log.display()).into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((
        Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
        },
        guard,
    ))
}

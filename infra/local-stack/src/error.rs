//! The one error type of the local stack. Every message says what to do next.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// The project venv (with moto) is not there.
    #[error(
        "moto is not installed: {bin} does not exist. Run `make venv` (which runs infra/venv.sh), \
         or set FRONTDESK_VENV to a venv that has moto[server]==5.2.5, \
         or set FRONTDESK_MOTO_ENDPOINT to a running moto server"
    )]
    VenvMissing { bin: PathBuf },

    /// The requested port already has a listener, so a new moto could not bind it.
    #[error(
        "port {port} on 127.0.0.1 is already in use: stop what runs there, choose another port \
         (MOTO_PORT), or reuse a running moto with FRONTDESK_MOTO_ENDPOINT=http://127.0.0.1:{port}"
    )]
    PortInUse { port: u16 },

    /// No free loopback port could be found or probed.
    #[error("could not find a free port on 127.0.0.1 ({0}); pass an explicit port")]
    NoFreePort(#[source] std::io::Error),

    /// `sh` or moto_server could not be started.
    #[error("could not start moto ({bin}): {source}. Check that `sh` is on PATH and that the venv is intact (re-run `make venv`)")]
    Spawn {
        bin: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// moto started but exited before it answered.
    #[error("moto exited before it was ready ({status}); see its log at {log}")]
    Exited { status: String, log: PathBuf },

    /// moto did not answer in time.
    #[error("moto at {endpoint} did not answer within {waited_secs}s; {hint}")]
    NotReady {
        endpoint: String,
        waited_secs: u64,
        hint: String,
    },

    /// The SAM template could not be read or does not describe the table as expected.
    #[error("template {path}: {reason}")]
    Template { path: PathBuf, reason: String },

    /// An AWS call to moto failed.
    #[error("{operation} against moto failed: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },

    /// A plain HTTP call to moto failed (e.g. `/moto-api/data.json`).
    #[error("GET {url} failed: {source}. Is moto still running?")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },

    /// moto's recorded data did not have the shape this crate knows (moto 5.2.5).
    #[error("unexpected /moto-api/data.json shape: {0}. Is the venv on moto 5.2.5 (re-run `make venv`)?")]
    Outbox(String),
}

impl Error {
    /// Wraps an SDK error with its full context (local tooling only: no production data).
    pub(crate) fn aws(operation: &'static str, err: impl std::error::Error) -> Self {
        Error::Aws {
            operation,
            message: aws_sdk_dynamodb::error::DisplayErrorContext(err).to_string(),
        }
    }
}

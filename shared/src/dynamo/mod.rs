//! DynamoDB adapter: the `Store` port over one single table.
//!
//! Every access pattern, with its key, call and round trips, is documented in
//! `docs/data-model.md`. Keys come from [`crate::keys`] only. There is no Scan anywhere:
//! every read is a GetItem, a BatchGetItem or a Query on a known partition.
//! Every write is one request: a PutItem, DeleteItem or UpdateItem, or one
//! TransactWriteItems for a batch.
//!
//! - `codec`: items (`serde_dynamo` + key attributes + `type`), and writes as operations.
//! - `reads` / `writes`: the `Store` calls.
//! - `cursor`: opaque, tenant-checked page cursors.
//! - `rules`: the decisions made before any request (batch refusals, claims, page sizes,
//!   read costs), shared with `testing::MemoryStore`.
//! - `counter`: an SDK interceptor counting real HTTP requests.
//! - `sealing`: the secrets of practice and webhook items, envelope-encrypted on write and
//!   opened on read when the store has an [`Envelope`] (`with_envelope`).

pub(crate) mod change_reads;
mod codec;
mod consent_log;
mod counter;
pub(crate) mod cursor;
mod errors;
pub(crate) mod list_reads;
mod paging;
mod reads;
pub(crate) mod rules;
mod sealing;
mod store_impl;
mod writes;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::envelope::Envelope;

use counter::RequestCounter;

/// The `Store` over DynamoDB. Cheap to clone; build it once per container.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    requests: RequestCounter,
    /// Seals per-practice secrets on write; `None`: they are written as they are.
    envelope: Option<Arc<Envelope>>,
}

impl DynamoStore {
    /// Wraps a client (adding the request counter to its configuration) and a table name.
    /// No I/O.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let requests = RequestCounter::default();
        let config = client
            .config()
            .to_builder()
            .interceptor(requests.clone())
            .build();
        Self {
            client: Client::from_conf(config),
            table: table.into(),
            requests,
            envelope: None,
        }
    }

    /// Seals the secrets of practice and webhook items with `envelope` on every write, and
    /// opens sealed ones on read (items written before stay readable, and are sealed on
    /// their next write). No I/O.
    pub fn with_envelope(mut self, envelope: Arc<Envelope>) -> Self {
        self.envelope = Some(envelope);
        self
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// HTTP requests sent to DynamoDB so far by this store (and its clones), retries
    /// included: the honest round-trip count.
    pub fn requests(&self) -> usize {
        self.requests.get()
    }

    pub fn reset_requests(&self) {
        self.requests.reset();
    }
}

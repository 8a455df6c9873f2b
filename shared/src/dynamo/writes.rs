//! Writes: a batch of port writes becomes table operations, sent as one PutItem,
//! DeleteItem or UpdateItem when it is a single operation, else as one TransactWriteItems
//! (all or nothing). A failed condition is `Error::Conflict`. Claiming due work is one
//! conditional UpdateItem of its own.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use super::codec::{self, kind, Action, Op};
use super::errors::{build, storage};
use super::rules;
use super::DynamoStore;
use crate::domain::DueWork;
use crate::ports::{LeasedClaim, PatientLease, Write};
use crate::{Error, Result};

/// How often a batch is re-sent after dropping lenient operations whose condition failed.
const LENIENT_RESENDS: usize = 2;
const CONDITIONAL_CHECK_FAILED: &str = "ConditionalCheckFailed";

/// Why a round trip did not apply.
enum Failure {
    /// These operations' conditions failed (indexes into the batch).
    Conditions(Vec<usize>),
    Other(Error),
}

impl DynamoStore {
    pub(super) async fn apply(&self, writes: Vec<Write>) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        // Every batch carries the outbox items of its tasks' news (task.created/resolved).
        let writes = crate::webhooks::derive::with_task_events(writes);
        let mut ops = rules::operations(writes)?;
        self.seal_puts(&mut ops).await?;
        for _ in 0..=LENIENT_RESENDS {
            let outcome = match ops.as_slice() {
                [op] => self.single(op).await,
                _ => self.transact(&ops).await,
            };
            let failed = match outcome {
                Ok(()) => return Ok(()),
                Err(Failure::Other(e)) => return Err(e),
                Err(Failure::Conditions(failed)) => failed,
            };
            let only_lenient = !failed.is_empty()
                && failed
                    .iter()
                    .all(|&i| ops.get(i).is_some_and(|op| op.lenient));
            if !only_lenient {
                tracing::debug!(operations = ops.len(), "conditional write lost");
                return Err(Error::Conflict);
            }
            // Only "remove if still ours" operations failed: there is nothing for them to
            // do, so send the rest again (their conditions are evaluated afresh).
            let mut index = 0;
            ops.retain(|_| {
                let keep = !failed.contains(&index);
                index += 1;
                keep
            });
            if ops.is_empty() {
                return Ok(());
            }
        }
        Err(Error::Conflict)
    }

    /// Seals the secrets of the practice and webhook items put (see `sealing`), before
    /// anything is sent: a KMS failure writes nothing.
    async fn seal_puts(&self, ops: &mut [Op]) -> Result<()> {
        let Some(envelope) = self.envelope.as_deref() else {
            return Ok(());
        };
        for op in ops.iter_mut() {
            if let Action::Put(item) = &mut op.action {
                super::sealing::seal(envelope, op.item_type, item).await?;
            }
        }
        Ok(())
    }

    /// One PutItem, DeleteItem or UpdateItem.
    async fn single(&self, op: &Op) -> Result<(), Failure> {
        let result = match &op.action {
            Action::Put(item) => self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .set_condition_expression(op.condition.as_ref().map(|c| c.expression.into()))
                .set_expression_attribute_names(op.names())
                .set_expression_attribute_values(op.values())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    let lost = e
                        .as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception());
                    failure("PutItem", &e, lost)
                }),
            Action::Delete => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(op.key()))
                .set_condition_expression(op.condition.as_ref().map(|c| c.expression.into()))
                .set_expression_attribute_names(op.names())
                .set_expression_attribute_values(op.values())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    let lost = e
                        .as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception());
                    failure("DeleteItem", &e, lost)
                }),
            Action::Update(_) => self.update(op, ReturnValue::None).await.map(|_| ()),
        };
        if result.is_ok() {
            tracing::debug!(item_type = op.item_type, "item written");
        }
        result
    }

    /// One UpdateItem, returning the attributes `returns` asks for.
    async fn update(&self, op: &Op, returns: ReturnValue) -> Result<Option<codec::Attrs>, Failure> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(op.key()))
            .set_update_expression(op.update_expression())
            .set_condition_expression(op.condition.as_ref().map(|c| c.expression.into()))
            .set_expression_attribute_names(op.names())
            .set_expression_attribute_values(op.values())
            .return_values(returns)
            .send()
            .await
            .map(|out| out.attributes)
            .map_err(|e| {
                let lost = e
                    .as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception());
                failure("UpdateItem", &e, lost)
            })
    }

    /// Claims due work with one conditional UpdateItem (see `codec::claim_op`), returning
    /// the stored item as it is now; `None` when it is no longer as seen.
    pub(super) async fn claim(
        &self,
        seen: &DueWork,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DueWork>> {
        let claimed = rules::claimed(seen, lease_until)?;
        let op = codec::claim_op(seen, &claimed)?;
        match self.update(&op, ReturnValue::AllNew).await {
            Ok(Some(item)) => {
                tracing::debug!(sweep = seen.kind.sweep().as_str(), "due work claimed");
                codec::decode(item, kind::DUE).map(Some)
            }
            Ok(None) => Err(Error::Storage(
                "DynamoDB UpdateItem: no attributes returned for a claim".into(),
            )),
            Err(Failure::Conditions(_)) => {
                tracing::debug!(
                    sweep = seen.kind.sweep().as_str(),
                    "due work already claimed, replanned or done"
                );
                Ok(None)
            }
            Err(Failure::Other(e)) => Err(e),
        }
    }

    /// Claims due work and takes the patient's lease in one TransactWriteItems; which
    /// condition failed says whether the work is gone or the patient busy.
    pub(super) async fn claim_leased(
        &self,
        seen: &DueWork,
        lease_until: DateTime<Utc>,
        lease: &PatientLease,
    ) -> Result<LeasedClaim> {
        let claimed = rules::claimed(seen, lease_until)?;
        let ops = [
            codec::claim_op(seen, &claimed)?,
            codec::lease_op(seen, lease)?,
        ];
        match self.transact(&ops).await {
            Ok(()) => Ok(LeasedClaim::Claimed(claimed)),
            // The claim's own condition first: work that is gone is not ours whatever the
            // lease says.
            Err(Failure::Conditions(failed)) if failed.contains(&0) => Ok(LeasedClaim::Gone),
            Err(Failure::Conditions(_)) => {
                tracing::debug!(
                    sweep = seen.kind.sweep().as_str(),
                    "patient busy in another run"
                );
                Ok(LeasedClaim::PatientBusy)
            }
            Err(Failure::Other(e)) => Err(e),
        }
    }

    /// One TransactWriteItems.
    async fn transact(&self, ops: &[Op]) -> Result<(), Failure> {
        let mut items = Vec::with_capacity(ops.len());
        for op in ops {
            items.push(self.transact_item(op).map_err(Failure::Other)?);
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            // Makes the SDK's own retries of this call idempotent.
            .client_request_token(ulid::Ulid::new().to_string())
            .send()
            .await;
        let err = match result {
            Ok(_) => {
                tracing::debug!(operations = ops.len(), "transaction written");
                return Ok(());
            }
            Err(e) => e,
        };
        let Some(cancelled) = err
            .as_service_error()
            .and_then(|s| match s {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => Some(c),
                _ => None,
            })
        else {
            return Err(Failure::Other(storage("TransactWriteItems", &err)));
        };
        let reasons = cancelled.cancellation_reasons();
        let failed: Vec<usize> = reasons
            .iter()
            .enumerate()
            .filter(|(_, r)| r.code() == Some(CONDITIONAL_CHECK_FAILED))
            .map(|(i, _)| i)
            .collect();
        if !failed.is_empty() {
            return Err(Failure::Conditions(failed));
        }
        let mut codes: Vec<&str> = reasons
            .iter()
            .filter_map(|r| r.code())
            .filter(|c| *c != "None")
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let codes = if codes.is_empty() {
            "no reason given".to_string()
        } else {
            codes.join(", ")
        };
        tracing::warn!(reasons = %codes, "dynamodb transaction cancelled");
        Err(Failure::Other(Error::Storage(format!(
            "DynamoDB TransactWriteItems: cancelled ({codes}); retry"
        ))))
    }

    fn transact_item(&self, op: &Op) -> Result<TransactWriteItem> {
        let cond = op.condition.as_ref().map(|c| c.expression.to_string());
        let item = match &op.action {
            Action::Put(item) => TransactWriteItem::builder().put(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item.clone()))
                    .set_condition_expression(cond)
                    .set_expression_attribute_names(op.names())
                    .set_expression_attribute_values(op.values())
                    .build()
                    .map_err(|e| build("TransactWriteItems", e))?,
            ),
            Action::Delete => TransactWriteItem::builder().delete(
                Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(op.key()))
                    .set_condition_expression(cond)
                    .set_expression_attribute_names(op.names())
                    .set_expression_attribute_values(op.values())
                    .build()
                    .map_err(|e| build("TransactWriteItems", e))?,
            ),
            Action::Update(_) => TransactWriteItem::builder().update(
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(op.key()))
                    .set_update_expression(op.update_expression())
                    .set_condition_expression(cond)
                    .set_expression_attribute_names(op.names())
                    .set_expression_attribute_values(op.values())
                    .build()
                    .map_err(|e| build("TransactWriteItems", e))?,
            ),
        };
        Ok(item.build())
    }
}

/// A failed single-item write: its condition lost, or another failure.
fn failure<E, R>(operation: &'static str, err: &SdkError<E, R>, condition_failed: bool) -> Failure
where
    E: ProvideErrorMetadata,
{
    if condition_failed {
        Failure::Conditions(vec![0])
    } else {
        Failure::Other(storage(operation, err))
    }
}

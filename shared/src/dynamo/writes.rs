//! Writes: a batch of port writes becomes table operations, sent as one PutItem or
//! DeleteItem when it is a single operation, else as one TransactWriteItems (all or
//! nothing). A failed condition is `Error::Conflict`.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::codec::{self, Action, Op};
use super::errors::{build, storage};
use super::DynamoStore;
use crate::ports::Write;
use crate::{Error, Result};

/// Operations one TransactWriteItems may hold.
const TRANSACTION_MAX: usize = 100;
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
        let mut ops = Vec::with_capacity(writes.len() + 2);
        for w in writes {
            codec::expand(w, &mut ops)?;
        }
        let mut ops = codec::collapse(ops);
        if ops.len() > TRANSACTION_MAX {
            return Err(Error::Storage(format!(
                "a batch of {} item writes exceeds DynamoDB's {TRANSACTION_MAX} per transaction; split it",
                ops.len()
            )));
        }
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

    /// One PutItem or DeleteItem.
    async fn single(&self, op: &Op) -> Result<(), Failure> {
        let cond = op.condition.as_ref();
        let result = match &op.action {
            Action::Put(item) => self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .set_condition_expression(cond.map(|c| c.expression.to_string()))
                .set_expression_attribute_names(cond.and_then(|c| c.names()))
                .set_expression_attribute_values(cond.and_then(|c| c.values()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception())
                    {
                        Failure::Conditions(vec![0])
                    } else {
                        Failure::Other(storage("PutItem", &e))
                    }
                }),
            Action::Delete => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(op.key()))
                .set_condition_expression(cond.map(|c| c.expression.to_string()))
                .set_expression_attribute_names(cond.and_then(|c| c.names()))
                .set_expression_attribute_values(cond.and_then(|c| c.values()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception())
                    {
                        Failure::Conditions(vec![0])
                    } else {
                        Failure::Other(storage("DeleteItem", &e))
                    }
                }),
        };
        if result.is_ok() {
            tracing::debug!(item_type = op.item_type, "item written");
        }
        result
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
        let cond = op.condition.as_ref();
        let item = match &op.action {
            Action::Put(item) => TransactWriteItem::builder().put(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item.clone()))
                    .set_condition_expression(cond.map(|c| c.expression.to_string()))
                    .set_expression_attribute_names(cond.and_then(|c| c.names()))
                    .set_expression_attribute_values(cond.and_then(|c| c.values()))
                    .build()
                    .map_err(|e| build("TransactWriteItems", e))?,
            ),
            Action::Delete => TransactWriteItem::builder().delete(
                Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(op.key()))
                    .set_condition_expression(cond.map(|c| c.expression.to_string()))
                    .set_expression_attribute_names(cond.and_then(|c| c.names()))
                    .set_expression_attribute_values(cond.and_then(|c| c.values()))
                    .build()
                    .map_err(|e| build("TransactWriteItems", e))?,
            ),
        };
        Ok(item.build())
    }
}

//! The store contract: one set of behaviour cases, run against both `MemoryStore` (the
//! fake every handler test uses) and `DynamoStore` on moto, so the fake cannot drift from
//! the real adapter. Each case is a generic `async fn case<S: ContractStore>(store: S)` in
//! one of the case modules; `contract!` turns it into `memory::case` and `dynamo::case`.
//! What only DynamoDB itself can show (the TTL attribute, corrupt raw items, an unreachable
//! table, retries that cost round trips) is in `dynamo_only`.

mod answers;
mod backfill;
mod broadcasts;
mod canned;
mod claims;
mod delivery;
mod due;
mod due_pages;
mod dynamo_only;
mod emails;
mod erasure;
mod fixtures;
mod listings;
mod notices;
mod patients;
mod practice_lists;
mod reply_intents;
mod task_events;
mod waitlist;
mod webhooks;

use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::Store;
use frontdesk::testing::MemoryStore;
use local_stack::Moto;

/// A store under contract: the `Store` port plus its round-trip counter. Clones share the
/// data and the counter (two sweeps racing through one store).
pub trait ContractStore: Store + Clone + 'static {
    /// Round trips so far.
    fn requests(&self) -> usize;
    fn reset_requests(&self);
}

impl ContractStore for MemoryStore {
    fn requests(&self) -> usize {
        MemoryStore::requests(self)
    }
    fn reset_requests(&self) {
        MemoryStore::reset_requests(self)
    }
}

impl ContractStore for DynamoStore {
    fn requests(&self) -> usize {
        DynamoStore::requests(self)
    }
    fn reset_requests(&self) {
        DynamoStore::reset_requests(self)
    }
}

pub fn memory_store() -> MemoryStore {
    MemoryStore::new()
}

/// A `DynamoStore` on its own fresh table of the shared moto.
pub async fn dynamo_store() -> DynamoStore {
    let moto = Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("table is created");
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), table)
}

/// Runs every listed case against both stores: `memory::<case>` and `dynamo::<case>`.
macro_rules! contract {
    ($($module:ident::$case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $case() {
                    crate::$module::$case(crate::memory_store()).await
                }
            )*
        }
        mod dynamo {
            $(
                #[tokio::test]
                async fn $case() {
                    crate::$module::$case(crate::dynamo_store().await).await
                }
            )*
        }
    };
}

contract! {
    broadcasts::a_broadcast_is_created_once_and_moved_on_by_version,
    broadcasts::a_recipient_is_created_once_and_its_outcome_rewritten,
    claims::a_claim_can_be_made_only_once,
    claims::creating_a_patient_that_already_exists_conflicts,
    claims::a_stale_version_conflicts_and_the_current_version_wins,
    claims::a_number_route_belongs_to_one_practice,
    claims::a_transaction_with_a_failed_condition_writes_nothing,
    claims::every_batch_of_writes_is_one_request,
    claims::a_batch_of_more_than_100_item_writes_is_refused_and_writes_nothing,
    patients::a_patient_is_found_by_phone_within_its_practice_and_not_from_another,
    patients::changing_a_phone_removes_the_old_index_entry,
    patients::get_many_reads_three_items_in_one_request,
    emails::a_patient_is_found_by_email_within_its_practice_only,
    emails::a_changed_or_removed_email_moves_the_index_with_it,
    patients::get_across_reads_items_of_two_practices_in_one_request,
    patients::noting_an_automated_send_updates_both_copies_and_the_version,
    patients::an_upsert_and_a_noted_send_in_one_batch_apply_in_order,
    listings::the_timeline_pages_in_time_order_across_pages,
    listings::a_foreign_or_garbage_timeline_cursor_is_rejected,
    listings::open_tasks_come_most_urgent_then_newest_and_resolved_tasks_leave_the_list,
    listings::a_foreign_or_garbage_open_tasks_cursor_is_rejected,
    listings::a_patients_appointments_are_listed_soonest_first_from_a_time_and_only_theirs,
    listings::a_zero_limit_still_returns_one_item,
    listings::a_sweep_cursor_round_trips,
    due::due_in_bucket_returns_only_work_of_that_sweep_due_by_then,
    due::due_work_is_claimed_once_even_by_overlapping_sweeps,
    due::a_claimed_item_moves_from_its_bucket_to_the_lease_bucket,
    due::finishing_due_work_needs_the_current_claim,
    due::releasing_due_work_moves_it_to_its_next_bucket,
    due::releasing_due_work_as_other_work_is_refused,
    due::due_work_is_due_by_the_millisecond_as_the_index_keeps_it,
    due_pages::due_pages_stream_each_shard_in_due_order_a_bounded_page_at_a_time,
    due_pages::a_due_cursor_from_another_partition_is_rejected,
    due_pages::a_claim_takes_the_patients_lease_and_another_run_waits_for_it,
    due_pages::racing_runs_never_both_hold_one_patient,
    due_pages::a_lease_is_ended_only_by_its_holder,
    delivery::a_sent_message_is_found_by_provider_id_only_in_its_practice,
    delivery::a_delivery_report_applies_once_and_never_backwards,
    delivery::a_channel_is_marked_once_with_its_task_and_healed_on_both_copies,
    delivery::marking_a_missing_patient_conflicts_and_healing_it_does_nothing,
    delivery::recent_messages_are_the_patients_newest_first_in_one_request,
    answers::entries_are_due_by_since_then_by_their_deadline_until_escalated,
    answers::an_answered_entry_is_not_brought_back_by_the_sweep,
    answers::the_deadline_index_is_read_a_bounded_page_per_shard,
    notices::urgent_tasks_are_due_as_notices_until_removed_once,
    notices::the_notices_index_is_read_a_bounded_page_per_shard,
    canned::canned_replies_are_saved_listed_edited_and_removed_per_practice,
    waitlist::waitlist_entries_are_listed_per_practice_oldest_first_and_removed,
    waitlist::a_freed_slot_is_written_once_and_claimed_only_at_the_version_seen,
    practice_lists::patients_page_in_id_order_and_only_this_practices,
    practice_lists::appointments_page_in_id_order,
    practice_lists::appointments_of_a_range_come_soonest_first_from_each_day_touched,
    practice_lists::an_idempotency_record_is_claimed_once_then_replaced_and_removed,
    practice_lists::erasure_removes_the_patient_its_phone_entry_and_its_messages,
    practice_lists::changes_come_in_change_order_from_since_across_days_and_pages,
    webhooks::webhook_endpoints_are_created_once_listed_per_practice_and_removed,
    webhooks::outbox_items_are_due_across_practices_claimed_by_version_and_finished,
    erasure::an_erased_message_takes_its_sent_copy_and_deferred_reply_with_it,
    erasure::a_patients_tasks_are_found_by_key_whatever_the_other_patients_tasks,
    task_events::every_task_write_carries_its_created_and_resolved_events,
    reply_intents::a_committed_intent_is_not_due_until_it_goes_stale,
    reply_intents::a_reply_sent_right_after_the_commit_is_settled_and_never_sent_again,
    reply_intents::a_lost_commit_answer_is_completed_once_by_the_sweep,
    reply_intents::a_failed_send_is_retried_then_handed_to_staff,
    reply_intents::a_failed_send_that_recovers_goes_out_once,
    reply_intents::a_send_refused_for_good_becomes_a_task_at_once,
    reply_intents::a_crash_between_send_and_settle_becomes_a_task_not_a_second_send,
    reply_intents::two_completers_at_once_send_once,
    reply_intents::two_completers_of_an_interrupted_send_open_one_task,
}

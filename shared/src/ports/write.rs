//! The writes of the storage port: each a typed operation with its condition; a batch of
//! them is applied atomically (see `Store::write`).

use chrono::{DateTime, Utc};

use crate::domain::{
    Appointment, Channel, ConsentEvent, DueWork, EmailAddress, Message, Patient, PatientId,
    PhoneNumber, Practice, PracticeId, StaffId, StaffMember, Sweep, Task, ThreadId, Unhealthy,
    UnknownThread, UrgentNotice, Waiting,
};

/// The condition on a write of a versioned item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The item must not exist yet.
    Absent,
    /// The stored item must have this version.
    Version(u64),
    /// Unconditional.
    Any,
}

/// One write of an atomic batch. If any condition fails, nothing is written and
/// `write` returns `Error::Conflict`.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Practice {
        practice: Box<Practice>,
        expect_absent: bool,
    },
    /// Routes inbound AWS two-way SMS for a practice's number to the practice.
    NumberRoute {
        number: PhoneNumber,
        practice_id: PracticeId,
    },
    RemoveNumberRoute {
        number: PhoneNumber,
        practice_id: PracticeId,
    },
    /// Claims an email sender for a practice: succeeds when nobody owns it yet or this
    /// practice already does; another practice's sender conflicts.
    SenderRoute {
        address: EmailAddress,
        practice_id: PracticeId,
    },
    /// Gives up a sender; only its owner can (lenient otherwise, like `RemoveNumberRoute`).
    RemoveSenderRoute {
        address: EmailAddress,
        practice_id: PracticeId,
    },
    /// Writes the patient and keeps its phone index in step: when the phone changed,
    /// pass the old one so its index entry is removed.
    Patient {
        patient: Box<Patient>,
        expect: Expect,
        previous_phone: Option<PhoneNumber>,
    },
    Appointment {
        appointment: Box<Appointment>,
        expect: Expect,
    },
    Message(Box<Message>),
    Task(Box<Task>),
    /// Puts a stored task about a patient into that patient's task index, only while it
    /// exists, changing nothing else (the index backfill; a task gone meanwhile is nothing
    /// to do). Tasks written since the index exists are in it already.
    IndexTask(Box<Task>),
    /// Puts a notice due of an urgent task (`UrgentNotice`): pair it with the task's
    /// write, as `Write::open_task` does.
    Notice(Box<UrgentNotice>),
    /// Takes a notice due out, only while it still exists: an overlapping run that took
    /// it first makes this a conflict.
    RemoveNotice(Box<UrgentNotice>),
    /// Creates a marker that must not exist yet (idempotency key, dedupe, claim).
    /// Kept until `expires_at` (DynamoDB TTL).
    Claim {
        practice_id: PracticeId,
        key: String,
        expires_at: DateTime<Utc>,
    },
    /// Saves a broadcast (`Expect::Absent` to create it, `Version` to move it on).
    Broadcast {
        broadcast: Box<crate::domain::Broadcast>,
        expect: Expect,
    },
    /// A broadcast recipient: `create` is the keyed send intent (conflicts if the patient is
    /// already a recipient); otherwise its outcome, rewritten.
    BroadcastRecipient {
        recipient: Box<crate::domain::Recipient>,
        create: bool,
    },
    /// Plans due work (replacing any with the same appointment and kind).
    Due(Box<DueWork>),
    /// Removes planned due work by its key (see `Appointment::planned_due`).
    RemoveDue {
        practice_id: PracticeId,
        due_key: String,
    },
    /// Finishes claimed due work: deletes it, only while the claim is still ours (same
    /// `due_at` and `attempts` as returned by `claim_due`).
    DoneDue {
        claimed: Box<DueWork>,
    },
    /// Gives claimed due work back with a new time (a deferral or a retry), only while the
    /// claim is still ours.
    ReleaseDue {
        claimed: Box<DueWork>,
        next: Box<DueWork>,
    },
    /// Records an automated send on the patient (and its phone-index copy) for the caps,
    /// and bumps the patient's version so a concurrent stale upsert cannot erase it.
    NoteAutomatedSend {
        practice_id: PracticeId,
        patient_id: PatientId,
        phone: Option<PhoneNumber>,
        at: DateTime<Utc>,
    },
    /// Trims a patient's `recent_automated` (and its phone copy's) to `keep`, only if the
    /// patient is still at `seen_version` (no send was noted since it was read; noting a
    /// send bumps the version). Never a conflict: when the patient moved on, or a copy is
    /// gone, there is nothing to do (the next send trims). Does not bump the version, so a
    /// client's ETag stays valid. See `policy::caps::history_to_keep`.
    TrimAutomatedSends {
        practice_id: PracticeId,
        patient_id: PatientId,
        phone: Option<PhoneNumber>,
        seen_version: u64,
        keep: Vec<DateTime<Utc>>,
    },
    /// Ends a patient's sending lease (`Store::claim_due_leased`) if `holder` still holds
    /// it; nothing when it does not (it ended and another run took it). A sweep run ends
    /// the leases of a page's patients once their work is settled, many in one batch.
    ReleasePatientLease {
        practice_id: PracticeId,
        patient_id: PatientId,
        holder: String,
    },
    /// Where a sweep should start next time (the earliest bucket that may hold work).
    SweepCursor {
        sweep: Sweep,
        bucket: DateTime<Utc>,
    },
    /// Appends one consent change to the patient's history (never overwritten).
    ConsentEvent(Box<ConsentEvent>),
    /// Remembers a POST under its key (24 h, DynamoDB TTL): `first` only if no record is
    /// stored (a conflict means another request holds the key); otherwise it replaces it.
    Idempotency {
        record: Box<crate::domain::IdempotentRequest>,
        first: bool,
    },
    /// Forgets a key (its first request failed with a server error, so a retry may run).
    RemoveIdempotency {
        practice_id: PracticeId,
        key_hash: String,
    },
    /// Erasure: deletes the patient item and its phone-index entry (nothing when absent).
    RemovePatient {
        practice_id: PracticeId,
        patient_id: PatientId,
        phone: Option<PhoneNumber>,
    },
    /// Erasure: deletes one timeline entry, its body with it, and its copies: the
    /// delivery-report lookup (`SENT#<provider id>`) and, for a deferred reply, the
    /// deferred item (`DEFER#<message>`, so the staff-replies sweep never sends it).
    RemoveMessage(Box<Message>),
    /// Puts a thread in the practice's inbox (waiting for a human answer).
    Waiting(Box<Waiting>),
    /// Rewrites an inbox entry the answer-deadline sweep read (its `answer_by` worked out,
    /// or `escalated_at` set), only while it still exists and is not escalated: an entry a
    /// staff reply removed meanwhile is not brought back, and an overlapping sweep that
    /// escalated it first makes this a conflict.
    UpdateWaiting(Box<Waiting>),
    /// Takes an inbox entry out (a staff member answered).
    RemoveWaiting {
        practice_id: PracticeId,
        thread_id: ThreadId,
        since: DateTime<Utc>,
    },
    /// An unknown sender texted at `at`: creates or updates their thread item in place
    /// (the number, the last inbound time and, when `waiting`, one more inbox entry `at`),
    /// with no read first. `opted_out` records an opt-out (`Some(true)`) or opt-in
    /// (`Some(false)`) word. Pair a waiting one with `Write::Waiting(Waiting::unknown(..))`.
    UnknownInbound {
        practice_id: PracticeId,
        number: PhoneNumber,
        at: DateTime<Utc>,
        waiting: bool,
        opted_out: Option<bool>,
    },
    /// Rewrites an unknown sender's thread item as read (a staff reply clears `waits`),
    /// only while it still has `seen_waits` inbox entries: a text that arrived meanwhile
    /// conflicts instead of being lost.
    UnknownThread {
        thread: Box<UnknownThread>,
        seen_waits: usize,
    },
    /// A staff member (`expect_absent` on creation).
    Staff {
        member: Box<StaffMember>,
        expect_absent: bool,
    },
    /// Claims an email for one staff member of the practice: conflicts if it is taken.
    StaffEmail {
        practice_id: PracticeId,
        email: EmailAddress,
        staff_id: StaffId,
    },
    /// Removes a staff member and their email claim (every session with them).
    RemoveStaff {
        practice_id: PracticeId,
        staff_id: StaffId,
        email: EmailAddress,
    },
    /// Saves a canned reply: a new one (`create`, conflicts if the id exists) or an edit
    /// of one that still exists (conflicts if it was deleted meanwhile).
    CannedReply {
        reply: Box<crate::domain::CannedReply>,
        create: bool,
    },
    RemoveCannedReply {
        practice_id: PracticeId,
        reply_id: crate::domain::CannedReplyId,
    },
    /// A pending invitation, by token hash, kept until it expires (DynamoDB TTL).
    Invitation(Box<crate::domain::Invitation>),
    /// A staff reply deferred past quiet hours (its decision is `Deferred { until }`),
    /// found by the staff-replies sweep when it comes due.
    DeferReply(Box<Message>),
    /// Takes a deferred reply out of the sweep, only while it is still there: the claim
    /// that makes two overlapping sweeps send it once.
    DoneDeferReply {
        practice_id: PracticeId,
        message_id: crate::domain::MessageId,
    },
    /// An automatic reply's send intent: created (`expect: None`, conflicts if it exists)
    /// or claimed/released (`Some(v)`: only while its version is still `v`).
    ReplyIntent {
        intent: Box<crate::ports::ReplyIntent>,
        expect: Option<u64>,
    },
    /// Settles an intent (sent, or handed to staff): deletes it, only while its version is
    /// still `version`.
    SettleReplyIntent {
        practice_id: PracticeId,
        message_id: crate::domain::MessageId,
        version: u64,
    },
    /// Claims an email for sign-in across practices (`LOGIN#<email>`): conflicts if any
    /// practice's staff member already uses it. Written with `StaffEmail`.
    StaffLogin {
        email: EmailAddress,
        practice_id: PracticeId,
        staff_id: StaffId,
    },
    /// Gives up the sign-in email (with `RemoveStaff`).
    RemoveStaffLogin {
        email: EmailAddress,
    },
    /// Uses an invitation up: deletes it, only while it is still there (single use).
    ConsumeInvitation {
        practice_id: PracticeId,
        token_hash: String,
    },
    /// Starts or refreshes a console session, kept until its idle deadline (TTL).
    Session(Box<crate::domain::Session>),
    /// Refreshes a session's idle deadline, only while it still exists (a session ended
    /// meanwhile conflicts instead of coming back).
    TouchSession(Box<crate::domain::Session>),
    /// Ends a session (sign-out, or revoked from the sessions page).
    RemoveSession {
        practice_id: PracticeId,
        token_hash: String,
    },
    /// The failed sign-ins of one scope (key: `SignInScope::key`), kept for the window.
    SignInFailures {
        scope_key: String,
        failures: crate::domain::Failures,
    },
    /// Clears a scope's failed sign-ins (after a success).
    ClearSignInFailures {
        scope_key: String,
    },
    /// Marks a patient's channel unhealthy (`Some`), only while it is healthy: a channel
    /// already marked conflicts, so one failure raises exactly one "fix the contact" task
    /// (write that task in the same batch). `None` heals it (nothing to do if healthy).
    /// Also updates the phone-index copy, and bumps the version like `NoteAutomatedSend`.
    ChannelHealth {
        practice_id: PracticeId,
        patient_id: PatientId,
        phone: Option<PhoneNumber>,
        channel: Channel,
        unhealthy: Option<Box<Unhealthy>>,
    },
    /// Puts a patient on the waitlist (a new entry: conflicts if the id exists).
    WaitlistEntry(Box<crate::domain::WaitlistEntry>),
    /// Takes an entry off the waitlist (nothing to do if it is gone).
    RemoveWaitlistEntry {
        practice_id: PracticeId,
        entry_id: crate::domain::WaitlistEntryId,
    },
    /// Writes a freed slot: `Absent` when it is freed, `Version(seen)` for every later
    /// change, so the first "YES" claims it exactly once and a batch of offers never
    /// overwrites a claim.
    Slot {
        slot: Box<crate::domain::FreedSlot>,
        expect: Expect,
    },
    /// Records a provider's delivery report: the sent message (as `sent_message` found it)
    /// with its new decision (`Delivered` or `Undelivered`), only while the stored one is
    /// still `Sent`. A second or late report conflicts and changes nothing.
    DeliveryReport(Box<Message>),
    /// A webhook subscription: a new one (`create`, conflicts if the id exists) or a
    /// rewrite of one that still exists (its state; a deleted one is not brought back).
    WebhookEndpoint {
        endpoint: Box<crate::webhooks::WebhookEndpoint>,
        create: bool,
    },
    RemoveWebhookEndpoint {
        practice_id: PracticeId,
        webhook_id: String,
    },
    /// An outbox item. `expect_version: None` writes it as it is (a new event, written with
    /// the change that causes it); `Some(v)` only while the stored one has version `v` (the
    /// webhooks job claiming or updating it: an overlapping run conflicts).
    WebhookEvent {
        event: Box<crate::webhooks::OutboxEvent>,
        expect_version: Option<u64>,
    },
    /// Deletes a delivered outbox item, only while it still has version `version`.
    DoneWebhookEvent {
        practice_id: PracticeId,
        event_id: String,
        version: u64,
    },
}

impl Write {
    /// The writes that open (or rewrite) a task: the task, and for an urgent one that is
    /// not an emergency its notice due, so on-call hears of it in the next batched notice.
    /// Use it where a task is first opened, not where one is rewritten.
    pub fn open_task(task: Task) -> Vec<Write> {
        let notice = UrgentNotice::for_task(&task);
        let mut out = vec![Write::Task(Box::new(task))];
        out.extend(notice.map(|n| Write::Notice(Box::new(n))));
        out
    }
}

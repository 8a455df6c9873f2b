//! The answer-deadline sweep: conversations still unanswered past the time the automatic
//! reply promised become urgent and the practice's on-call contact is told, batched
//! (`practice_api::answer_sla`). EventBridge invokes it every 5 minutes; "now" is the
//! event's `time`. Wiring only, like the other functions.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    practice_api::serve::answer_sla().await
}

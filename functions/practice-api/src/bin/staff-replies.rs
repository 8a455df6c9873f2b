//! The staff-replies sweep: sends staff replies that were deferred past a patient's quiet
//! hours once they come due (`frontdesk::staff_replies`). EventBridge invokes it every
//! 5 minutes; "now" is the event's `time`. Wiring only, like the other functions.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    practice_api::serve::staff_replies().await
}

//! The cold-start floor: lambda_runtime's hello world (the same tracing set-up as the
//! functions), answering every event with `{"ok": true}`.

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| async {
        Ok::<_, Error>(serde_json::json!({"ok": true}))
    }))
    .await
}

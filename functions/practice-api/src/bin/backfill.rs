//! Operator tool, never deployed: sets the current index attributes on one practice's
//! existing patients and appointments (`frontdesk::backfill`), after a release adds an
//! index. Run it with the stack's credentials and table:
//!
//! ```sh
//! TABLE_NAME=frontdesk-prod-Table-… cargo run -p practice-api --bin backfill -- prc_01…
//! ```
//!
//! It pages through that practice's partition by key (no Scan) and prints what it did.

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::domain::PracticeId;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ids: Vec<String> = std::env::args().skip(1).collect();
    if ids.is_empty() {
        return Err("name the practices to backfill: backfill <practice_id>...".into());
    }
    let config = Config::from_env()?;
    let clients = Clients::from_env().await;
    let store = clients.store(&config);
    for id in ids {
        let practice_id = PracticeId::parse(id.as_str())?;
        let report = frontdesk::backfill::practice(&store, &practice_id).await?;
        println!("{practice_id}: {}", serde_json::to_string(&report)?);
    }
    Ok(())
}

//! The local stack against a real moto server (spawned, or FRONTDESK_MOTO_ENDPOINT).

use aws_sdk_dynamodb::types::TimeToLiveStatus;
use local_stack::{create_table_from_template, template_path, verify_sender, Moto};

#[tokio::test]
async fn fresh_tables_are_distinct_and_follow_the_template() {
    let moto = Moto::shared().await.unwrap();
    let a = moto.fresh_table().await.unwrap();
    let b = moto.fresh_table().await.unwrap();
    assert_ne!(a, b);
    assert!(a.starts_with("frontdesk-test-"));

    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
    let table = client.describe_table().table_name(&a).send().await.unwrap();
    let table = table.table().unwrap();
    let mut gsis: Vec<_> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|g| g.index_name())
        .collect();
    gsis.sort();
    assert_eq!(gsis, ["GSI1", "GSI2", "GSI3", "GSI4"]);
    let ttl = client
        .describe_time_to_live()
        .table_name(&a)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("expires_at_epoch"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}

#[tokio::test]
async fn creating_an_existing_table_again_is_fine() {
    let moto = Moto::shared().await.unwrap();
    let name = moto.fresh_table().await.unwrap();
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
    create_table_from_template(&client, &template_path(), &name)
        .await
        .unwrap();
}

#[tokio::test]
async fn verifying_a_sender_twice_is_fine_and_the_outbox_is_readable() {
    let moto = Moto::shared().await.unwrap();
    let config = moto.sdk_config();
    verify_sender(&config, "twice@example.com").await.unwrap();
    verify_sender(&config, "twice@example.com").await.unwrap();
    let outbox = moto.outbox().await.unwrap();
    assert!(outbox["sms"].is_array());
    assert!(outbox["email"].is_array());
}

#[tokio::test]
async fn an_explicit_port_that_is_taken_is_refused_with_advice() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    if std::env::var_os(local_stack::ENDPOINT_ENV).is_some() {
        return; // reuse mode never binds a port
    }
    let err = Moto::start(Some(port)).await.unwrap_err().to_string();
    assert!(err.contains("FRONTDESK_MOTO_ENDPOINT"), "{err}");
}

//! One contract for SES email identities, run against the SESv2 adapter on moto (real SDK
//! client) and the in-memory `FakeIdentities` the handler tests use: a practice's sender
//! is created as an identity tagged with the practice, creating it again reads the same
//! identity, and an address never created has no identity.

use frontdesk::domain::{EmailAddress, PracticeId};
use frontdesk::ports::{EmailIdentities, IdentityStatus};
use frontdesk::ses_identities::{SesIdentities, PRACTICE_TAG};
use frontdesk::testing::FakeIdentities;
use local_stack::Moto;

fn unique(prefix: &str) -> EmailAddress {
    let n = ulid::Ulid::new().to_string().to_lowercase();
    EmailAddress::parse(&format!("{prefix}-{n}@identities.example")).unwrap()
}

async fn contract(identities: &dyn EmailIdentities) {
    let practice = PracticeId::parse("prc_identities").unwrap();
    let sender = unique("desk");
    assert_eq!(identities.status(&sender).await.unwrap(), None);
    let first = identities.ensure(&practice, &sender).await.unwrap();
    // moto verifies at once, as SES does for an address under a DKIM-verified domain.
    assert_eq!(first, IdentityStatus::Verified);
    assert_eq!(identities.ensure(&practice, &sender).await.unwrap(), first);
    assert_eq!(identities.status(&sender).await.unwrap(), Some(first));
    assert_eq!(identities.status(&unique("never")).await.unwrap(), None);
}

#[tokio::test]
async fn the_sesv2_adapter_on_moto() {
    let moto = Moto::shared().await.expect("moto starts (make venv)");
    let client = aws_sdk_sesv2::Client::new(&moto.sdk_config());
    contract(&SesIdentities::new(client.clone())).await;

    // The identity carries the practice it was created for.
    let practice = PracticeId::parse("prc_tagged").unwrap();
    let sender = unique("tagged");
    SesIdentities::new(client.clone())
        .ensure(&practice, &sender)
        .await
        .unwrap();
    let got = client
        .get_email_identity()
        .email_identity(sender.as_str())
        .send()
        .await
        .unwrap();
    let tags = got.tags();
    assert!(
        tags.iter()
            .any(|t| t.key() == PRACTICE_TAG && t.value() == "prc_tagged"),
        "{tags:?}"
    );
}

#[tokio::test]
async fn the_in_memory_fake() {
    contract(&FakeIdentities::default()).await;
}

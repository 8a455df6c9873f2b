//! Staff items against moto: a member, the one-per-email claim, the invitation by token
//! hash with its TTL, listing and removal, per practice.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use frontdesk::domain::{EmailAddress, Invitation, PracticeId, StaffMember, StaffRole};
use frontdesk::dynamo::DynamoStore;
use frontdesk::keys;
use frontdesk::ports::{Store, Write};
use frontdesk::Error;
use local_stack::Moto;

#[tokio::test]
async fn staff_members_are_unique_per_email_listed_removed_and_invited_by_token_hash() {
    let moto = Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("table is created");
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
    let store = DynamoStore::new(client.clone(), table.clone());
    let a = PracticeId::parse("prc_a").unwrap();
    let b = PracticeId::parse("prc_b").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
    let email = EmailAddress::parse("ana@example.com").unwrap();
    let invite = |m: &StaffMember| {
        let (inv, token) = Invitation::issue(m, now);
        (
            vec![
                Write::Staff {
                    member: Box::new(m.clone()),
                    expect_absent: true,
                },
                Write::StaffEmail {
                    practice_id: m.practice_id.clone(),
                    email: m.email.clone(),
                    staff_id: m.staff_id.clone(),
                },
                Write::Invitation(Box::new(inv.clone())),
            ],
            inv,
            token,
        )
    };
    let ana = StaffMember::invite(&a, "Ana", email.clone(), StaffRole::Admin, now).unwrap();
    let (writes, inv, token) = invite(&ana);
    store.write(writes).await.unwrap();
    let again = StaffMember::invite(&a, "Ana 2", email.clone(), StaffRole::Staff, now).unwrap();
    assert!(matches!(
        store.write(invite(&again).0).await,
        Err(Error::Conflict)
    ));
    let elsewhere = StaffMember::invite(&b, "Ana", email.clone(), StaffRole::Staff, now).unwrap();
    store.write(invite(&elsewhere).0).await.unwrap();

    assert_eq!(store.staff_members(&a).await.unwrap(), vec![ana.clone()]);
    assert_eq!(
        store.staff_member(&a, &ana.staff_id).await.unwrap(),
        Some(ana.clone())
    );
    assert_eq!(store.staff_member(&b, &ana.staff_id).await.unwrap(), None);

    let item = client
        .get_item()
        .table_name(&table)
        .key(keys::PK, AttributeValue::S(keys::practice_pk(&a)))
        .key(
            keys::SK,
            AttributeValue::S(keys::invitation_sk(&inv.token_hash)),
        )
        .send()
        .await
        .unwrap()
        .item
        .expect("the invitation is stored by token hash");
    assert_eq!(
        item.get(keys::TTL),
        Some(&AttributeValue::N(inv.expires_at.timestamp().to_string()))
    );
    assert!(
        !format!("{item:?}").contains(&token),
        "never the token itself"
    );

    store
        .write(vec![Write::RemoveStaff {
            practice_id: a.clone(),
            staff_id: ana.staff_id.clone(),
            email: email.clone(),
        }])
        .await
        .unwrap();
    assert!(store.staff_members(&a).await.unwrap().is_empty());
    assert_eq!(store.staff_members(&b).await.unwrap().len(), 1);
    store.write(invite(&again).0).await.unwrap();
}

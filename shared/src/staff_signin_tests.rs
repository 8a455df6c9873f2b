use chrono::Duration;

use super::*;
use crate::domain::{cookie_value, Invitation, StaffRole, SESSION_IDLE};
use crate::testing::MemoryStore;

const PASSWORD: &str = "correct horse battery";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T15:00:00Z")
        .unwrap()
        .to_utc()
}

/// Invites a member as practice-api does; returns them and their invitation code.
async fn invite(store: &MemoryStore, practice: &str, email: &str) -> (StaffMember, String) {
    let p = PracticeId::parse(practice).unwrap();
    let email = EmailAddress::parse(email).unwrap();
    let m = StaffMember::invite(&p, "Ana Ruiz", email.clone(), StaffRole::Staff, t0()).unwrap();
    let (inv, token) = Invitation::issue(&m, t0());
    store
        .write(vec![
            Write::Staff {
                member: Box::new(m.clone()),
                expect_absent: true,
            },
            Write::StaffEmail {
                practice_id: p.clone(),
                email: email.clone(),
                staff_id: m.staff_id.clone(),
            },
            Write::StaffLogin {
                email,
                practice_id: p.clone(),
                staff_id: m.staff_id.clone(),
            },
            Write::Invitation(Box::new(inv)),
        ])
        .await
        .unwrap();
    (m, cookie_value(&p, &token))
}

#[tokio::test]
async fn an_invitation_sets_the_password_once_and_signs_in() {
    let store = MemoryStore::new();
    let (m, code) = invite(&store, "prc_a", "ana@example.com").await;
    assert_eq!(
        accept_invitation(&store, &code, "short", t0())
            .await
            .unwrap()
            .unwrap_err(),
        Refused::Password("must be at least 12 characters (and at most 256 bytes)".into())
    );
    let s = accept_invitation(&store, &code, PASSWORD, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.member.staff_id, m.staff_id);
    assert_eq!(s.member.status, StaffStatus::Active);
    let stored = store
        .staff_member(&m.practice_id, &m.staff_id)
        .await
        .unwrap()
        .unwrap();
    assert!(verify_password(
        PASSWORD,
        stored.password_hash.as_deref().unwrap()
    ));
    assert_eq!(
        accept_invitation(&store, &code, PASSWORD, t0())
            .await
            .unwrap()
            .unwrap_err(),
        Refused::Invitation,
        "single use"
    );
    let cookie = cookie_value(&m.practice_id, &s.token);
    let again = authenticate(&store, &cookie, t0()).await.unwrap().unwrap();
    assert_eq!(again.member.staff_id, m.staff_id);
}

#[tokio::test]
async fn an_invitation_expires_after_72_hours_and_codes_are_checked() {
    let store = MemoryStore::new();
    let (_, code) = invite(&store, "prc_a", "ana@example.com").await;
    let late = t0() + Duration::hours(72);
    assert_eq!(
        accept_invitation(&store, &code, PASSWORD, late)
            .await
            .unwrap()
            .unwrap_err(),
        Refused::Invitation
    );
    for bad in [
        "",
        "prc_a",
        "prc_b.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ] {
        assert_eq!(
            accept_invitation(&store, bad, PASSWORD, t0())
                .await
                .unwrap()
                .unwrap_err(),
            Refused::Invitation
        );
    }
    // Another practice's id with this token finds nothing.
    let token = code.rsplit_once('.').unwrap().1;
    let other = format!("prc_b.{token}");
    assert_eq!(
        accept_invitation(&store, &other, PASSWORD, t0())
            .await
            .unwrap()
            .unwrap_err(),
        Refused::Invitation
    );
}

#[tokio::test]
async fn sign_in_refuses_alike_and_backs_off_per_account_and_address() {
    let store = MemoryStore::new();
    let (_, code) = invite(&store, "prc_a", "ana@example.com").await;
    accept_invitation(&store, &code, PASSWORD, t0())
        .await
        .unwrap()
        .unwrap();
    let ok = sign_in(&store, "Ana@Example.com", PASSWORD, "10.0.0.1", t0())
        .await
        .unwrap();
    assert!(ok.is_ok());
    let wrong = sign_in(
        &store,
        "ana@example.com",
        "nope nope nope",
        "10.0.0.1",
        t0(),
    )
    .await;
    let unknown = sign_in(&store, "bob@example.com", PASSWORD, "10.0.0.1", t0()).await;
    assert_eq!(wrong.unwrap().unwrap_err(), Refused::Credentials);
    assert_eq!(
        unknown.unwrap().unwrap_err(),
        Refused::Credentials,
        "no hint"
    );
    // Per account: four more wrong passwords from other addresses lock the account.
    for i in 0..4 {
        let r = sign_in(&store, "ana@example.com", "x", &format!("10.0.1.{i}"), t0()).await;
        assert_eq!(r.unwrap().unwrap_err(), Refused::Credentials);
    }
    let locked = sign_in(&store, "ana@example.com", PASSWORD, "10.9.9.9", t0()).await;
    assert!(matches!(locked.unwrap(), Err(Refused::Locked { .. })));
    // Later, the right password works and clears the counter.
    let later = t0() + Duration::minutes(1);
    assert!(
        sign_in(&store, "ana@example.com", PASSWORD, "10.9.9.9", later)
            .await
            .unwrap()
            .is_ok()
    );
    // Per address: one address trying many emails is slowed too.
    for i in 0..5 {
        let e = format!("guess{i}@example.com");
        let _ = sign_in(&store, &e, "x", "10.6.6.6", later).await.unwrap();
    }
    let r = sign_in(&store, "ana@example.com", PASSWORD, "10.6.6.6", later).await;
    assert!(matches!(r.unwrap(), Err(Refused::Locked { .. })));
}

#[tokio::test]
async fn sessions_idle_out_are_revoked_with_the_member_and_can_be_ended() {
    let store = MemoryStore::new();
    let (m, code) = invite(&store, "prc_a", "ana@example.com").await;
    let first = accept_invitation(&store, &code, PASSWORD, t0())
        .await
        .unwrap()
        .unwrap();
    let cookie = cookie_value(&m.practice_id, &first.token);
    // Used every 20 minutes it stays alive; left 30 minutes it ends and is deleted.
    let t20 = t0() + Duration::minutes(20);
    assert!(authenticate(&store, &cookie, t20).await.unwrap().is_some());
    assert!(authenticate(&store, &cookie, t20 + Duration::minutes(20))
        .await
        .unwrap()
        .is_some());
    // A refresh racing a sign-out does not bring the session back.
    let racing = authenticate(&store, &cookie, t20 + Duration::minutes(20))
        .await
        .unwrap()
        .unwrap();
    let again = racing.session.touched(t20 + Duration::minutes(25)).unwrap();
    store
        .write(vec![Write::RemoveSession {
            practice_id: m.practice_id.clone(),
            token_hash: again.token_hash.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .write(vec![Write::TouchSession(Box::new(again))])
            .await,
        Err(Error::Conflict)
    );
    assert!(store.sessions(&m.practice_id).await.unwrap().is_empty());
    let idle = t20 + Duration::minutes(20) + SESSION_IDLE;
    assert!(authenticate(&store, &cookie, idle).await.unwrap().is_none());
    assert!(store.sessions(&m.practice_id).await.unwrap().is_empty());

    let s = sign_in(&store, "ana@example.com", PASSWORD, "10.0.0.1", t0())
        .await
        .unwrap()
        .unwrap();
    let listed = sessions_of(&store, &s.member, t0()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        !format!("{listed:?}").contains(&s.token),
        "only the hash is stored"
    );
    // Another practice's member cannot end it; its owner can.
    let (other, code_b) = invite(&store, "prc_b", "bob@example.com").await;
    let b = accept_invitation(&store, &code_b, PASSWORD, t0())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !end_session(&store, &b.member, &m.practice_id, &s.session.token_hash)
            .await
            .unwrap()
    );
    assert!(
        end_session(&store, &s.member, &m.practice_id, &s.session.token_hash)
            .await
            .unwrap()
    );
    let cookie = cookie_value(&m.practice_id, &s.token);
    assert!(authenticate(&store, &cookie, t0()).await.unwrap().is_none());
    // A cookie naming another practice finds nothing there.
    let forged = cookie_value(&m.practice_id, &b.token);
    assert!(authenticate(&store, &forged, t0()).await.unwrap().is_none());
    assert!(
        authenticate(&store, &cookie_value(&other.practice_id, &b.token), t0())
            .await
            .unwrap()
            .is_some()
    );
    // Removing the member ends every session at once.
    store
        .write(vec![Write::RemoveStaff {
            practice_id: other.practice_id.clone(),
            staff_id: other.staff_id.clone(),
            email: other.email.clone(),
        }])
        .await
        .unwrap();
    assert!(
        authenticate(&store, &cookie_value(&other.practice_id, &b.token), t0())
            .await
            .unwrap()
            .is_none()
    );
}

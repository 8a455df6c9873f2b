use super::*;
use crate::domain::EmailAddress;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T15:00:00Z")
        .unwrap()
        .to_utc()
}

fn active() -> StaffMember {
    let mut m = StaffMember::invite(
        &PracticeId::parse("prc_1").unwrap(),
        "Ana Ruiz",
        EmailAddress::parse("ana@example.com").unwrap(),
        StaffRole::Staff,
        t0(),
    )
    .unwrap();
    m.status = StaffStatus::Active;
    m
}

#[test]
fn a_session_stores_only_its_token_hash_and_idles_out() {
    let m = active();
    let (s, token) = Session::start(&m, t0());
    assert_eq!(s.token_hash, token_hash(&token));
    assert!(!s.token_hash.contains(&token));
    assert_eq!(s.check(Some(&m), t0() + Duration::minutes(29)), Ok(()));
    assert_eq!(
        s.check(Some(&m), t0() + SESSION_IDLE),
        Err(SessionEnd::Expired)
    );
    // Used again: the idle deadline moves, but never past the absolute one.
    let mut used = s.clone();
    for h in 1..=12 {
        used = used
            .touched(t0() + Duration::hours(h) - Duration::minutes(1))
            .unwrap();
    }
    assert_eq!(used.expires_at(), t0() + SESSION_MAX);
    assert_eq!(
        used.check(Some(&m), t0() + SESSION_MAX),
        Err(SessionEnd::Expired)
    );
    assert!(
        s.touched(t0() + Duration::seconds(10)).is_none(),
        "not every request writes"
    );
}

#[test]
fn removed_inactive_or_revoked_members_lose_their_sessions() {
    let m = active();
    let (s, _) = Session::start(&m, t0());
    assert_eq!(s.check(None, t0()), Err(SessionEnd::Revoked));
    let mut invited = m.clone();
    invited.status = StaffStatus::Invited;
    assert_eq!(s.check(Some(&invited), t0()), Err(SessionEnd::Revoked));
    let mut revoked = m.clone();
    revoked.sessions_revoked_at = Some(t0() + Duration::seconds(1));
    assert_eq!(s.check(Some(&revoked), t0()), Err(SessionEnd::Revoked));
    let (later, _) = Session::start(&m, t0() + Duration::seconds(2));
    assert_eq!(
        later.check(Some(&revoked), t0() + Duration::seconds(3)),
        Ok(())
    );
    let mut other = active();
    other.staff_id = StaffId::generate();
    assert_eq!(s.check(Some(&other), t0()), Err(SessionEnd::Revoked));
}

#[test]
fn cookies_carry_the_practice_and_are_secure_except_on_loopback() {
    let p = PracticeId::parse("prc_1").unwrap();
    let (_, token) = Session::start(&active(), t0());
    let v = cookie_value(&p, &token);
    assert_eq!(parse_cookie_value(&v), Some((p.clone(), token.clone())));
    assert_eq!(parse_cookie_value("prc_1.short"), None);
    assert_eq!(parse_cookie_value(&format!("bad#id.{token}")), None);
    assert_eq!(parse_cookie_value(&token), None);
    let local = session_cookie(&v, "127.0.0.1:3000");
    assert!(local.contains("HttpOnly") && local.contains("SameSite=Lax"));
    assert!(!local.contains("Secure"));
    let prod = session_cookie(&v, "console.example.com");
    assert!(prod.ends_with("; Secure"));
    assert!(clear_session_cookie("example.com").contains("Max-Age=0"));
    assert!(is_loopback_host("localhost:3000") && !is_loopback_host("127x.example.com:1"));
}

#[test]
fn csrf_tokens_are_bound_to_the_session() {
    let (_, a) = Session::start(&active(), t0());
    let (_, b) = Session::start(&active(), t0());
    assert!(csrf_matches(&a, &csrf_token(&a)));
    assert!(!csrf_matches(&a, &csrf_token(&b)));
    assert!(!csrf_matches(&a, ""));
    assert!(!csrf_token(&a).contains(&a));
    assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
}

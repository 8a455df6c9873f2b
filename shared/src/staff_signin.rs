//! Staff sign-in over the store: accepting an invitation (set a password, single use),
//! signing in with email and password (with backoff), reading a session from its cookie
//! (idle timeout, revocation), listing and ending sessions. The rules are the pure ones in
//! `domain::{staff_session, sign_in_backoff}`; this module only sequences reads and writes.
//!
//! Nothing here logs an email, a password, a token or an address. A refusal never tells
//! which emails exist: an unknown email costs one Argon2 verification (against a fixed
//! hash) and counts a failure, exactly like a wrong password.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use crate::domain::{
    hash_password, parse_cookie_value, sign_in_locked_until, token_hash, verify_password,
    EmailAddress, Failures, PracticeId, Session, SessionEnd, SignInScope, StaffId, StaffMember,
    StaffStatus,
};
use crate::ports::{Store, Write};
use crate::{Error, Result};

/// Why a sign-in step was refused (what the page may say; never which part was wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Wrong email or password (or an account that cannot sign in).
    Credentials,
    /// Too many failures: try again at `until`.
    Locked { until: DateTime<Utc> },
    /// The invitation code is unknown, used or expired.
    Invitation,
    /// The new password does not meet the rule; the reason says how.
    Password(String),
}

/// A session that may be used, with its member and its secret token (for the CSRF token).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub member: StaffMember,
    pub token: String,
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("frontdesk-no-such-account").unwrap_or_default())
}

/// Sets the password of an invited member from their invitation code
/// (`<practice id>.<token>`) and signs them in. The invitation is used up in the same
/// transaction (a second use conflicts and is refused).
pub async fn accept_invitation(
    store: &dyn Store,
    code: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<SignedIn, Refused>> {
    let Some((practice_id, token)) = parse_cookie_value(code) else {
        return Ok(Err(Refused::Invitation));
    };
    let hash = token_hash(&token);
    let Some(invitation) = store.invitation(&practice_id, &hash).await? else {
        return Ok(Err(Refused::Invitation));
    };
    if !invitation.is_valid_at(now) {
        return Ok(Err(Refused::Invitation));
    }
    let Some(mut member) = store
        .staff_member(&practice_id, &invitation.staff_id)
        .await?
    else {
        return Ok(Err(Refused::Invitation));
    };
    let password_hash = match hash_password(password) {
        Ok(h) => h,
        Err(Error::Invalid { reason, .. }) => return Ok(Err(Refused::Password(reason))),
        Err(e) => return Err(e),
    };
    member.password_hash = Some(password_hash);
    member.status = StaffStatus::Active;
    let (session, token) = Session::start(&member, now);
    let writes = vec![
        Write::ConsumeInvitation {
            practice_id: practice_id.clone(),
            token_hash: hash,
        },
        Write::Staff {
            member: Box::new(member.clone()),
            expect_absent: false,
        },
        Write::Session(Box::new(session.clone())),
    ];
    match store.write(writes).await {
        Ok(()) => {}
        Err(Error::Conflict) => return Ok(Err(Refused::Invitation)),
        Err(e) => return Err(e),
    }
    tracing::info!(practice_id = %practice_id, staff_id = %member.staff_id, "invitation accepted");
    Ok(Ok(SignedIn {
        session,
        member,
        token,
    }))
}

/// Signs in with email and password from `client_addr`. Failures back off per email and
/// per address; a success clears the email's counter.
pub async fn sign_in(
    store: &dyn Store,
    email: &str,
    password: &str,
    client_addr: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<SignedIn, Refused>> {
    let address_key = SignInScope::Address(client_addr.to_string()).key();
    let email = EmailAddress::parse(email).ok();
    let account_key = email.clone().map(|e| SignInScope::Account(e).key());
    let by_address = store.sign_in_failures(&address_key).await?;
    let by_account = match &account_key {
        Some(k) => store.sign_in_failures(k).await?,
        None => None,
    };
    if let Some(until) = sign_in_locked_until(&[by_address, by_account], now) {
        return Ok(Err(Refused::Locked { until }));
    }
    let member = match &email {
        Some(e) => match store.staff_login(e).await? {
            Some((practice_id, staff_id)) => store.staff_member(&practice_id, &staff_id).await?,
            None => None,
        },
        None => None,
    };
    let stored = member
        .as_ref()
        .filter(|m| m.status == StaffStatus::Active)
        .and_then(|m| m.password_hash.as_deref());
    let ok = verify_password(password, stored.unwrap_or(dummy_hash())) && stored.is_some();
    let member = match (ok, member) {
        (true, Some(m)) => m,
        _ => {
            let mut writes = vec![Write::SignInFailures {
                scope_key: address_key,
                failures: Failures::after_failure(by_address, now),
            }];
            if let Some(k) = account_key {
                writes.push(Write::SignInFailures {
                    scope_key: k,
                    failures: Failures::after_failure(by_account, now),
                });
            }
            store.write(writes).await?;
            tracing::info!("a sign-in was refused");
            return Ok(Err(Refused::Credentials));
        }
    };
    let (session, token) = Session::start(&member, now);
    let mut writes = vec![Write::Session(Box::new(session.clone()))];
    if let Some(k) = account_key.filter(|_| by_account.is_some()) {
        writes.push(Write::ClearSignInFailures { scope_key: k });
    }
    store.write(writes).await?;
    tracing::info!(practice_id = %member.practice_id, staff_id = %member.staff_id, "signed in");
    Ok(Ok(SignedIn {
        session,
        member,
        token,
    }))
}

/// The session a cookie value names, if it may be used at `now`. Refreshes its idle
/// deadline at most once a minute (only while it still exists, so a session ended by a
/// concurrent sign-out never comes back); an expired or revoked one is deleted.
pub async fn authenticate(
    store: &dyn Store,
    cookie: &str,
    now: DateTime<Utc>,
) -> Result<Option<SignedIn>> {
    let Some((practice_id, token)) = parse_cookie_value(cookie) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let Some((session, member)) = store.session(&practice_id, &hash).await? else {
        return Ok(None);
    };
    match session.check(member.as_ref(), now) {
        Ok(()) => {}
        Err(SessionEnd::Expired | SessionEnd::Revoked) => {
            store
                .write(vec![Write::RemoveSession {
                    practice_id,
                    token_hash: hash,
                }])
                .await?;
            return Ok(None);
        }
    }
    let Some(member) = member else {
        return Ok(None);
    };
    let session = match session.touched(now) {
        Some(t) => match store
            .write(vec![Write::TouchSession(Box::new(t.clone()))])
            .await
        {
            Ok(()) => t,
            // Ended meanwhile (signed out elsewhere): it stays ended.
            Err(Error::Conflict) => return Ok(None),
            Err(e) => return Err(e),
        },
        None => session,
    };
    Ok(Some(SignedIn {
        session,
        member,
        token,
    }))
}

/// A member's own live sessions, newest first.
pub async fn sessions_of(
    store: &dyn Store,
    member: &StaffMember,
    now: DateTime<Utc>,
) -> Result<Vec<Session>> {
    let mut own: Vec<Session> = store
        .sessions(&member.practice_id)
        .await?
        .into_iter()
        .filter(|s| s.staff_id == member.staff_id && s.check(Some(member), now).is_ok())
        .collect();
    own.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    Ok(own)
}

/// Ends one session of the practice: the member's own (an admin may end anyone's in the
/// practice). `false` when there is no such session for them.
pub async fn end_session(
    store: &dyn Store,
    actor: &StaffMember,
    practice_id: &PracticeId,
    token_hash: &str,
) -> Result<bool> {
    if practice_id != &actor.practice_id {
        return Ok(false);
    }
    let Some((session, _)) = store.session(practice_id, token_hash).await? else {
        return Ok(false);
    };
    let allowed =
        session.staff_id == actor.staff_id || actor.role == crate::domain::StaffRole::Admin;
    if !allowed {
        return Ok(false);
    }
    store
        .write(vec![Write::RemoveSession {
            practice_id: practice_id.clone(),
            token_hash: token_hash.to_string(),
        }])
        .await?;
    tracing::info!(practice_id = %practice_id, staff_id = %actor.staff_id, "a session was ended");
    Ok(true)
}

/// The staff id an action is recorded with.
pub fn actor_of(signed_in: &SignedIn) -> crate::domain::Actor {
    crate::domain::Actor::Staff {
        staff_id: StaffId::clone(&signed_in.member.staff_id),
    }
}

#[cfg(test)]
#[path = "staff_signin_tests.rs"]
mod tests;

//! Sign in, set a password from an invitation, sign out, and the session list.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::domain::{clear_session_cookie, cookie_value, session_cookie, token_hash};
use frontdesk::staff_signin::{self, Refused, SignedIn};
use frontdesk::time::staff_time;
use minijinja::context;
use serde::Serialize;

use crate::error::ConsoleError;
use crate::handler::Ctx;
use crate::http_io::{html, redirect, Request};
use crate::pages::render;
use crate::Deps;

pub fn sign_in_form(
    error: Option<String>,
    email: &str,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let status = if error.is_some() { 401 } else { 200 };
    Ok(html(
        status,
        render("sign_in.html", context! { error, email })?,
    ))
}

pub fn invite_form(error: Option<String>) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let status = if error.is_some() { 400 } else { 200 };
    Ok(html(status, render("invite.html", context! { error })?))
}

fn started(req: &Request, s: &SignedIn) -> ApiGatewayV2httpResponse {
    let value = cookie_value(&s.member.practice_id, &s.token);
    redirect("/console/inbox", vec![session_cookie(&value, &req.host)])
}

/// Why a sign-in was refused. A lockout says how long in minutes: before signing in the
/// practice (and so its clock) is unknown, and naming it would confirm the account.
fn refusal(r: &Refused, now: DateTime<Utc>) -> String {
    match r {
        Refused::Credentials => "That email and password do not match an account.".into(),
        Refused::Locked { until } => {
            let minutes = ((*until - now).num_seconds().max(1) + 59) / 60;
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            format!("Too many attempts. Try again in {minutes} {unit}.")
        }
        Refused::Invitation => {
            "This invitation is not valid: it was used already, has expired, or the code is \
             incomplete. Ask your practice admin for a new one."
                .into()
        }
        Refused::Password(reason) => format!("Password {reason}."),
    }
}

pub async fn sign_in(deps: &Deps, req: &Request) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let now = deps.clock().now();
    let email = req.field("email");
    let out = staff_signin::sign_in(
        deps.store().as_ref(),
        email,
        req.field("password"),
        &req.source_ip,
        now,
    )
    .await?;
    match out {
        Ok(s) => Ok(started(req, &s)),
        Err(r) => sign_in_form(Some(refusal(&r, now)), email),
    }
}

pub async fn accept(deps: &Deps, req: &Request) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let now = deps.clock().now();
    let out = staff_signin::accept_invitation(
        deps.store().as_ref(),
        req.field("code"),
        req.field("password"),
        now,
    )
    .await?;
    match out {
        Ok(s) => Ok(started(req, &s)),
        Err(r) => invite_form(Some(refusal(&r, now))),
    }
}

pub async fn sign_out(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let s = &ctx.signed_in;
    staff_signin::end_session(
        deps.store().as_ref(),
        &s.member,
        &s.member.practice_id,
        &s.session.token_hash,
    )
    .await?;
    Ok(redirect(
        "/console/sign-in",
        vec![clear_session_cookie(&req.host)],
    ))
}

#[derive(Serialize)]
struct SessionRow {
    /// The session's token hash: identifies it without being usable as a cookie.
    id: String,
    created_at: String,
    last_seen_at: String,
    current: bool,
}

pub async fn sessions(
    deps: &Deps,
    ctx: &Ctx,
    notice: Option<&str>,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let now = deps.clock().now();
    let own = staff_signin::sessions_of(deps.store().as_ref(), &ctx.signed_in.member, now).await?;
    let current = token_hash(&ctx.signed_in.token);
    let zone = ctx.zone(deps).await?;
    let rows: Vec<SessionRow> = own
        .into_iter()
        .map(|s| SessionRow {
            current: s.token_hash == current,
            id: s.token_hash,
            created_at: staff_time(s.created_at, zone),
            last_seen_at: staff_time(s.last_seen_at, zone),
        })
        .collect();
    Ok(html(
        200,
        render(
            "sessions.html",
            context! { me => &ctx.me, csrf => &ctx.csrf, sessions => rows, notice },
        )?,
    ))
}

pub async fn end(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let id = req.field("session");
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ConsoleError::NotFound);
    }
    let m = &ctx.signed_in.member;
    let ended = staff_signin::end_session(deps.store().as_ref(), m, &m.practice_id, id).await?;
    if !ended {
        return Err(ConsoleError::NotFound);
    }
    if id == token_hash(&ctx.signed_in.token) {
        return Ok(redirect(
            "/console/sign-in",
            vec![clear_session_cookie(&req.host)],
        ));
    }
    sessions(deps, ctx, Some("The session was ended.")).await
}

//! One API Gateway v2 event in, one page out. Routing, the session gate and the CSRF
//! check live here; each page is a function in `signin_pages`, `inbox_page` or `work_pages`.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use frontdesk::domain::{csrf_matches, csrf_token, StaffRole, SESSION_COOKIE};
use frontdesk::http_edge::Miss;
use frontdesk::staff_signin::{self, SignedIn};
use http::Method;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;

use crate::error::ConsoleError;
use crate::http_io::{asset, html, redirect, Request};
use crate::pages::{render, CSS, INVITE_JS};
use crate::routes::{routes, Page};
use crate::{inbox_page, link_page, signin_pages, work_pages, Deps};

pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> Result<ApiGatewayV2httpResponse, Diagnostic> {
    Ok(respond(deps, event.payload).await)
}

/// The signed-in staff member as every page shows them.
#[derive(Debug, Serialize)]
pub struct Me {
    pub name: String,
    pub admin: bool,
}

/// A signed-in request: the session, what the layout needs, and the CSRF token.
pub struct Ctx {
    pub signed_in: SignedIn,
    pub me: Me,
    pub csrf: String,
}

impl Ctx {
    /// The practice's time zone: staff see every time on the practice's clock. One read.
    pub async fn zone(&self, deps: &Deps) -> Result<chrono_tz::Tz, ConsoleError> {
        let practice = deps
            .store()
            .get_practice(&self.signed_in.member.practice_id)
            .await?;
        Ok(practice.map_or(chrono_tz::UTC, |p| p.settings.time_zone))
    }

    pub fn principal(&self) -> practice_api::as_staff::StaffPrincipal {
        let m = &self.signed_in.member;
        practice_api::as_staff::StaffPrincipal {
            practice_id: m.practice_id.clone(),
            staff_id: m.staff_id.clone(),
            role: m.role,
        }
    }
}

/// Answers one request. Also called in-process by the local gateway.
pub async fn respond(deps: &Deps, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let result = match Request::from_event(event) {
        Ok(req) => route(deps, &req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => {
            tracing::info!(status = r.status_code, "console page served");
            r
        }
        Err(e) => error_page(&e),
    }
}

fn error_page(e: &ConsoleError) -> ApiGatewayV2httpResponse {
    let (status, title) = match e {
        ConsoleError::NotFound => (404, None),
        ConsoleError::MethodNotAllowed(_) => (405, None),
        ConsoleError::Csrf => (
            403,
            Some("This form expired. Go back, reload the page and try again."),
        ),
        ConsoleError::BadRequest(_) => (400, Some("That request could not be read.")),
        ConsoleError::Store(_) | ConsoleError::Template(_) => {
            (500, Some("Something went wrong. Try again in a moment."))
        }
    };
    match e {
        ConsoleError::Store(_) | ConsoleError::Template(_) => {
            tracing::error!(status, cause = %e, "console page failed")
        }
        _ => tracing::info!(status, "console request refused"),
    }
    let body = render("not_found.html", minijinja::context! { error => title })
        .unwrap_or_else(|_| "<!doctype html><title>Error</title><h1>Error</h1>".into());
    let mut resp = html(status, body);
    if let ConsoleError::MethodNotAllowed(allow) = e {
        if let Ok(v) = http::HeaderValue::from_str(allow) {
            resp.headers.insert(http::header::ALLOW, v);
        }
    }
    resp
}

async fn signed_in(deps: &Deps, req: &Request) -> Result<Option<Ctx>, ConsoleError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = deps.clock().now();
    let Some(s) = staff_signin::authenticate(deps.store().as_ref(), cookie, now).await? else {
        return Ok(None);
    };
    Ok(Some(Ctx {
        me: Me {
            name: s.member.name.clone(),
            admin: s.member.role == StaffRole::Admin,
        },
        csrf: csrf_token(&s.token),
        signed_in: s,
    }))
}

async fn route(deps: &Deps, req: &Request) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let matched = routes().at(&req.method, &req.path);
    // Pages and assets anyone may load.
    if let Ok((page, _)) = &matched {
        match page {
            Page::Css => return Ok(asset("text/css", CSS)),
            Page::InviteJs => return Ok(asset("text/javascript", INVITE_JS)),
            Page::SignInForm => return signin_pages::sign_in_form(None, ""),
            Page::SignIn => return signin_pages::sign_in(deps, req).await,
            Page::InviteForm => return signin_pages::invite_form(None),
            Page::AcceptInvite => return signin_pages::accept(deps, req).await,
            _ => {}
        }
    }
    let Some(ctx) = signed_in(deps, req).await? else {
        return Ok(redirect("/console/sign-in", vec![]));
    };
    if req.method == Method::POST && !csrf_matches(&ctx.signed_in.token, req.field("csrf")) {
        return Err(ConsoleError::Csrf);
    }
    let (page, params) = matched.map_err(|miss| match miss {
        Miss::NotFound => ConsoleError::NotFound,
        Miss::MethodNotAllowed(allow) => ConsoleError::MethodNotAllowed(allow),
    })?;
    let id = params.get("id").unwrap_or_default();
    match page {
        Page::Home => Ok(redirect("/console/inbox", vec![])),
        Page::SignOut => signin_pages::sign_out(deps, req, &ctx).await,
        Page::Sessions => signin_pages::sessions(deps, &ctx, None).await,
        Page::EndSession => signin_pages::end(deps, req, &ctx).await,
        Page::Inbox => inbox_page::inbox(deps, &ctx).await,
        Page::Thread => work_pages::thread(deps, req, &ctx, id, None).await,
        Page::Reply => work_pages::reply(deps, req, &ctx, id).await,
        Page::LinkThread => link_page::link(deps, req, &ctx, id).await,
        Page::Tasks => work_pages::tasks(deps, req, &ctx, None).await,
        Page::TaskAction => {
            let action = params.get("action").unwrap_or_default();
            work_pages::task_action(deps, req, &ctx, id, action).await
        }
        Page::Patient => work_pages::patient(deps, &ctx, id).await,
        Page::Staff if ctx.me.admin => work_pages::staff(deps, &ctx, None).await,
        Page::InviteStaff if ctx.me.admin => work_pages::invite(deps, req, &ctx).await,
        Page::Staff
        | Page::InviteStaff
        | Page::Css
        | Page::InviteJs
        | Page::SignInForm
        | Page::SignIn
        | Page::InviteForm
        | Page::AcceptInvite => Err(ConsoleError::NotFound),
    }
}

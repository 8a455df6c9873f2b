//! Staff accounts: `POST /v1/staff` (invite), `GET /v1/staff`, `DELETE /v1/staff/{id}`.
//!
//! The API key acts as the practice admin; in the console (`as_staff`) only admins may. An invitation is
//! a random token whose SHA-256 alone is stored (single use, 72 h); the link carries the
//! token in its fragment (`#token=`), which browsers never send to a server, so it cannot
//! land in access logs. The email leaves from the practice's own sender.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::domain::{
    EmailAddress, Invitation, Practice, StaffId, StaffMember, StaffRole, StaffStatus,
};
use frontdesk::ports::{Email, Write};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffIn {
    name: String,
    email: String,
    role: String,
}

/// A staff member as the API shows them: never the password hash.
#[derive(Debug, Serialize)]
struct StaffOut<'a> {
    staff_id: &'a str,
    name: &'a str,
    email: &'a str,
    role: StaffRole,
    status: StaffStatus,
    created_at: DateTime<Utc>,
}

impl<'a> From<&'a StaffMember> for StaffOut<'a> {
    fn from(m: &'a StaffMember) -> Self {
        Self {
            staff_id: m.staff_id.as_str(),
            name: &m.name,
            email: m.email.as_str(),
            role: m.role,
            status: m.status,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
struct InvitedOut<'a> {
    staff_id: &'a str,
    invite_url: String,
    /// Whether the invitation email went out (the practice needs an `email_from`).
    invitation_emailed: bool,
    staff: StaffOut<'a>,
}

/// Where the console is: this API's own host (http only on loopback). The fragment holds
/// the invitation code `<practice id>.<token>` (the console's invite page takes it).
fn invite_url(req: &Request, token: &str) -> String {
    let base = match req.header("host") {
        Some(h) if h.starts_with("127.0.0.1") || h.starts_with("localhost") => {
            format!("http://{h}")
        }
        Some(h)
            if h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b)) =>
        {
            format!("https://{h}")
        }
        _ => String::new(),
    };
    format!("{base}/console/invite#code={token}")
}

pub async fn create(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let input: StaffIn = req.json()?;
    let role = match input.role.as_str() {
        "admin" => StaffRole::Admin,
        "staff" => StaffRole::Staff,
        _ => return Err(ApiError::invalid("role", "must be admin or staff")),
    };
    let email = EmailAddress::parse(&input.email)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let now = deps.clock.now();
    let member = StaffMember::invite(&practice.practice_id, &input.name, email, role, now)?;
    let (invitation, token) = Invitation::issue(&member, now);
    let writes = vec![
        Write::Staff {
            member: Box::new(member.clone()),
            expect_absent: true,
        },
        Write::StaffEmail {
            practice_id: practice.practice_id.clone(),
            email: member.email.clone(),
            staff_id: member.staff_id.clone(),
        },
        Write::StaffLogin {
            email: member.email.clone(),
            practice_id: practice.practice_id.clone(),
            staff_id: member.staff_id.clone(),
        },
        Write::Invitation(Box::new(invitation)),
    ];
    match deps.store.write(writes).await {
        Ok(()) => {}
        Err(frontdesk::Error::Conflict) => {
            return Err(ApiError::Conflict(
                "a staff member with this email already exists (here or at another practice); \
                 remove them first, or use another email"
                    .into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let url = invite_url(
        req,
        &frontdesk::domain::cookie_value(&practice.practice_id, &token),
    );
    let emailed = send_invitation(deps, &practice, &member, &url).await;
    Ok(json_response(
        StatusCode::CREATED,
        &InvitedOut {
            staff_id: member.staff_id.as_str(),
            invite_url: url.clone(),
            invitation_emailed: emailed,
            staff: StaffOut::from(&member),
        },
    ))
}

async fn send_invitation(
    deps: &Deps,
    practice: &Practice,
    member: &StaffMember,
    url: &str,
) -> bool {
    let Some(from) = practice.settings.email_from.clone() else {
        return false;
    };
    let email = Email {
        practice_id: practice.practice_id.clone(),
        from,
        to: member.email.clone(),
        subject: format!("You're invited to {} on Frontdesk", practice.settings.name),
        text: format!(
            "Hello {},\n\nYou have been invited to answer patients for {} on Frontdesk. \
             Open this link to set your password (it works once, for 72 hours):\n\n{url}\n\n\
             If you did not expect this, ignore this email.",
            member.name, practice.settings.name
        ),
        patient: None,
    };
    match deps.senders.email.send_email(&email).await {
        Ok(_) => true,
        Err(e) => {
            // The provider's message may hold the address: only whether it was transient.
            let transient = matches!(e, frontdesk::Error::SendUnavailable(_));
            tracing::warn!(practice_id = %practice.practice_id, transient, "the staff invitation email could not be sent");
            false
        }
    }
}

#[derive(Debug, Serialize)]
struct ListOut<'a> {
    items: Vec<StaffOut<'a>>,
}

pub async fn list(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let mut members = deps.store.staff_members(&practice.practice_id).await?;
    members.sort_by_key(|m| m.created_at);
    Ok(json_response(
        StatusCode::OK,
        &ListOut {
            items: members.iter().map(StaffOut::from).collect(),
        },
    ))
}

/// Removes a staff member, and with them every session (sessions read the staff item).
pub async fn delete(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let staff_id = StaffId::parse(id).map_err(|_| ApiError::NotFound("staff member"))?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let member = deps
        .store
        .staff_member(&practice.practice_id, &staff_id)
        .await?
        .ok_or(ApiError::NotFound("staff member"))?;
    deps.store
        .write(vec![
            Write::RemoveStaff {
                practice_id: practice.practice_id.clone(),
                staff_id: staff_id.clone(),
                email: member.email.clone(),
            },
            Write::RemoveStaffLogin {
                email: member.email.clone(),
            },
        ])
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({"staff_id": staff_id.as_str(), "removed": true}),
    ))
}

//! The public, unauthenticated email routes every automated email links to (RFC 8058):
//!
//! - `POST /public/email/preferences?token=…` with `List-Unsubscribe=One-Click`: opts the
//!   patient out of that kind of email at once (consent source "patient, one-click").
//! - `GET` the same URL: a small preference page (the kinds of email, the preferred
//!   channel); its form `POST`s back, and every change is recorded with its source
//!   (`preference_page`) and time, in the consent history and on the timeline.
//!
//! The token (see `frontdesk::email_links`) is signed, expiring and names the practice, the
//! patient and the kind; a bad or expired one gets a plain error page and changes nothing.
//! Nothing here reads another practice's partition: the practice comes from the token.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use chrono::{DateTime, Utc};
use frontdesk::domain::{
    consent_changes, Channel, ConsentChangeSource, ConsentEvent, ConsentSource, Decision,
    Direction, Message, MessageKind, Patient, Practice, Purpose,
};
use frontdesk::email_links::{TokenError, Unsubscribe};
use frontdesk::ports::{Expect, Key, Write};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::deps::Deps;
use crate::error::ApiResult;
use crate::http_io::Request;

pub const PATH: &str = frontdesk::email_links::UNSUBSCRIBE_PATH;

fn page(status: StatusCode, title: &str, inner: &str) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ),
    );
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}\
         fieldset{{margin:1rem 0}}button{{padding:.5rem 1rem}}</style></head><body>{inner}</body></html>",
        esc(title)
    );
    let mut resp = ApiGatewayV2httpResponse::default();
    resp.status_code = i64::from(status.as_u16());
    resp.headers = headers;
    resp.body = Some(Body::Text(body));
    resp.is_base64_encoded = false;
    resp
}

/// HTML-escapes text (names, practice names).
fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

fn invalid() -> ApiGatewayV2httpResponse {
    page(
        StatusCode::BAD_REQUEST,
        "Link not valid",
        "<h1>This link is not valid</h1><p>The link is incomplete or has expired, so nothing \
         was changed. Use the link in a more recent email, or contact the practice and they \
         will update your preferences.</p>",
    )
}

fn kind_label(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Care => "Appointment reminders and follow-ups",
        MessageKind::Reviews => "Requests to review your visit",
        MessageKind::Marketing => "News and offers",
    }
}

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Sms => "Text message",
        Channel::Email => "Email",
        Channel::Voice => "Phone call from our team",
    }
}

/// The practice and patient a valid token names, or the error page.
async fn load(
    deps: &Deps,
    req: &Request,
    now: DateTime<Utc>,
) -> ApiResult<Result<(Unsubscribe, Practice, Patient), ApiGatewayV2httpResponse>> {
    let Some(links) = &deps.email_links else {
        return Ok(Err(invalid()));
    };
    let token = req.query("token").unwrap_or_default();
    let t = match links.verify(token, now) {
        Ok(t) => t,
        Err(e) => {
            let why = match e {
                TokenError::Malformed => "malformed",
                TokenError::BadSignature => "bad_signature",
                TokenError::Expired => "expired",
            };
            tracing::info!(reason = why, "an email preferences token was refused");
            return Ok(Err(invalid()));
        }
    };
    let fetched = deps
        .store
        .get_many(
            &t.practice_id,
            &[Key::Practice, Key::Patient(t.patient_id.clone())],
        )
        .await?;
    match (
        fetched.practice().cloned(),
        fetched.patient(&t.patient_id).cloned(),
    ) {
        (Some(practice), Some(patient)) => Ok(Ok((t, practice, patient))),
        _ => Ok(Err(invalid())),
    }
}

/// `GET`: the preference page.
pub async fn get(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let now = deps.clock.now();
    Ok(match load(deps, req, now).await? {
        Ok((_, practice, patient)) => render(
            &practice,
            &patient,
            req.query("token").unwrap_or_default(),
            None,
        ),
        Err(page) => page,
    })
}

fn render(
    practice: &Practice,
    p: &Patient,
    token: &str,
    notice: Option<&str>,
) -> ApiGatewayV2httpResponse {
    let mut kinds = String::new();
    for k in MessageKind::ALL {
        let on = p.consents.allows(Channel::Email, k);
        kinds.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"{}\"{}> {}</label><br>",
            k.as_str(),
            if on { " checked" } else { "" },
            kind_label(k)
        ));
    }
    let mut channels = String::new();
    for c in Channel::ALL {
        channels.push_str(&format!(
            "<label><input type=\"radio\" name=\"channel\" value=\"{}\"{}> {}</label><br>",
            c.as_str(),
            if p.preferred_channel == c {
                " checked"
            } else {
                ""
            },
            channel_label(c)
        ));
    }
    let notice = notice
        .map(|n| format!("<p role=\"status\"><strong>{}</strong></p>", esc(n)))
        .unwrap_or_default();
    let inner = format!(
        "<h1>Your preferences</h1><p>{} · for {}</p>{notice}\
         <form method=\"post\" action=\"{PATH}?token={}\">\
         <fieldset><legend>Emails you get from us</legend>{kinds}</fieldset>\
         <fieldset><legend>How we contact you</legend>{channels}</fieldset>\
         <button type=\"submit\">Save</button></form>",
        esc(&practice.settings.name),
        esc(&p.first_name),
        esc(token),
    );
    page(StatusCode::OK, "Your preferences", &inner)
}

/// `POST`: the one-click unsubscribe, or the preference form.
pub async fn post(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let now = deps.clock.now();
    let (t, practice, patient) = match load(deps, req, now).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&req.body).unwrap_or_default();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut next = patient.clone();
    let (source, note, notice) = if field("List-Unsubscribe") == Some("One-Click") {
        next.consents.set(
            Channel::Email,
            t.kind,
            false,
            ConsentSource::PatientForm,
            now,
        );
        (
            ConsentChangeSource::OneClick,
            format!(
                "The patient unsubscribed from {} emails with one click.",
                t.kind.as_str()
            ),
            "You're unsubscribed.",
        )
    } else {
        for k in MessageKind::ALL {
            let want = field(k.as_str()).is_some();
            if want != next.consents.allows(Channel::Email, k) {
                next.consents
                    .set(Channel::Email, k, want, ConsentSource::PatientForm, now);
            }
        }
        if let Some(c) =
            field("channel").and_then(|c| Channel::ALL.into_iter().find(|x| x.as_str() == c))
        {
            if c != next.preferred_channel {
                if !next.has_address(c) {
                    return Ok(render(&practice, &patient, req.query("token").unwrap_or_default(),
                        Some("We don't have a phone number for you; call the practice to add one. Nothing was changed.")));
                }
                // Choosing a channel here is the patient's own request for care messages on it.
                if !next.consents.allows(c, MessageKind::Care) && !next.consents.is_opted_out(c) {
                    next.consents
                        .set(c, MessageKind::Care, true, ConsentSource::PatientForm, now);
                }
                next.preferred_channel = c;
            }
        }
        (
            ConsentChangeSource::PreferencePage,
            String::new(),
            "Your preferences are saved.",
        )
    };
    let changes = consent_changes(Some(&patient.consents), &next.consents);
    let channel_changed = next.preferred_channel != patient.preferred_channel;
    if changes.is_empty() && !channel_changed {
        return Ok(done(&practice, &next, req, notice, &source));
    }
    let mut summary: Vec<String> = changes
        .iter()
        .map(|(c, k, g)| {
            format!(
                "{} {} {}",
                c.as_str(),
                k.map_or("all", |k| k.as_str()),
                if *g { "on" } else { "off" }
            )
        })
        .collect();
    if channel_changed {
        summary.push(format!(
            "preferred channel {} → {}",
            patient.preferred_channel, next.preferred_channel
        ));
    }
    let body = if note.is_empty() {
        format!(
            "The patient changed their preferences on the preference page: {}.",
            summary.join(", ")
        )
    } else {
        note
    };
    let mut writes: Vec<Write> = ConsentEvent::record(
        &practice.practice_id,
        &patient.patient_id,
        &changes,
        &source,
        now,
    )
    .into_iter()
    .map(|e| Write::ConsentEvent(Box::new(e)))
    .collect();
    writes.push(Write::Message(Box::new(
        Message::new(
            practice.practice_id.clone(),
            now,
            Channel::Email,
            Direction::Internal,
            Purpose::PreferenceChange,
            body,
            Decision::Received,
        )
        .for_patient(&patient.patient_id),
    )));
    next.version = patient.version.saturating_add(1);
    next.updated_at = now;
    writes.push(Write::Patient {
        patient: Box::new(next.clone()),
        expect: Expect::Version(patient.version),
        previous_phone: None,
    });
    match deps
        .store
        .write(frontdesk::webhooks::with_events(writes, now))
        .await
    {
        Ok(()) => {}
        Err(frontdesk::Error::Conflict) => {
            return Ok(page(StatusCode::CONFLICT, "Try again",
                "<h1>Please try again</h1><p>Your record changed while you were saving. Nothing was changed; reload the page and save again.</p>"));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(practice_id = %practice.practice_id, changes = changes.len(), channel_changed, "email preferences changed");
    Ok(done(&practice, &next, req, notice, &source))
}

fn done(
    practice: &Practice,
    p: &Patient,
    req: &Request,
    notice: &str,
    source: &ConsentChangeSource,
) -> ApiGatewayV2httpResponse {
    match source {
        ConsentChangeSource::OneClick => page(
            StatusCode::OK,
            "Unsubscribed",
            &format!(
                "<h1>You're unsubscribed</h1><p>{} will not send you these emails again.</p>",
                esc(&practice.settings.name)
            ),
        ),
        _ => render(
            practice,
            p,
            req.query("token").unwrap_or_default(),
            Some(notice),
        ),
    }
}

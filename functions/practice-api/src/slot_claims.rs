//! `POST /v1/waitlist/slots/{appointment_id}/claim` (body `patient_id`, optional
//! `staff_id`): staff took a waitlist patient's acceptance by phone (the console's
//! "Accepted by phone" on the offer's call task). The same claim rule as a texted or
//! emailed yes (`frontdesk::waitlist::claim`): one write of the slot conditioned on the
//! version read, so of a phone claim and a patient's yes at once exactly one wins. The
//! batch also takes the patient off the waitlist, opens the booking task, drops the
//! patient's open offer of the slot (a later text is then not told "taken"), records the
//! action on the patient's timeline and enqueues `waitlist.slot_claimed`.
//!
//! 404 for a slot of another practice (or none); 409 `slot_taken`, `slot_closed`,
//! `slot_started` or `not_offered`; claiming it again for the same patient answers 200
//! with `claimed: "already"`. Round trips: R2 (practice, slot, patient), one write.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::domain::{AppointmentId, Channel, FreedSlot, Message, PatientId};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::time::staff_time;
use frontdesk::waitlist::claim;
use http::StatusCode;
use serde::Deserialize;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

const MAX_ATTEMPTS: usize = 3;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimIn {
    patient_id: String,
    #[serde(default)]
    staff_id: Option<String>,
}

fn answer(status: StatusCode, slot: &FreedSlot, claimed: &str) -> ApiGatewayV2httpResponse {
    json_response(
        status,
        &serde_json::json!({
            "appointment_id": slot.appointment_id,
            "starts_at": slot.starts_at,
            "state": slot.state,
            "claimed": claimed,
        }),
    )
}

pub async fn claim(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let appointment_id =
        AppointmentId::parse(id).map_err(|_| ApiError::NotFound("waitlist slot"))?;
    let input: ClaimIn = req.json()?;
    let patient_id = PatientId::parse(input.patient_id.as_str())?;
    let actor = crate::task_actions::actor(input.staff_id)?;
    let keys = vec![
        Key::Slot(appointment_id.clone()),
        Key::Patient(patient_id.clone()),
    ];
    let (practice, mut fetched) = authenticate(deps, req, keys.clone()).await?;
    let settings = &practice.settings;
    for _ in 0..MAX_ATTEMPTS {
        let slot = fetched
            .slot(&appointment_id)
            .ok_or(ApiError::NotFound("waitlist slot"))?;
        let patient = fetched
            .patient(&patient_id)
            .ok_or_else(|| ApiError::invalid("patient_id", "no such patient in this practice"))?;
        let now = deps.clock.now();
        let entry_id = match claim::claimable(slot, &patient_id, now) {
            Ok(Some(entry_id)) => entry_id,
            Ok(None) => return Ok(answer(StatusCode::OK, slot, "already")),
            Err(refusal) => {
                return Err(ApiError::Refused {
                    code: refusal.code(),
                    message: refusal.message().into(),
                })
            }
        };
        let mut writes = claim::claim_writes(
            slot,
            &patient_id,
            &entry_id,
            Channel::Voice,
            settings,
            "",
            now,
        );
        let booking = writes.iter().find_map(|w| match w {
            Write::Task(t) => Some(t.task_id.clone()),
            _ => None,
        });
        if let Some(task_id) = booking {
            let when = staff_time(slot.starts_at, settings.time_zone);
            writes.push(Write::Message(Box::new(Message::staff_action(
                &practice.practice_id,
                &patient_id,
                patient.preferred_channel,
                &task_id,
                format!("Took the patient's yes by phone to the freed appointment on {when}"),
                actor.clone(),
                now,
            ))));
        }
        if patient
            .slot_offers
            .iter()
            .any(|o| o.appointment_id == appointment_id)
        {
            let mut p = patient.clone();
            p.slot_offers
                .retain(|o| o.appointment_id != appointment_id && o.is_live(now));
            p.version = patient.version.saturating_add(1);
            p.updated_at = now;
            writes.push(Write::Patient {
                patient: Box::new(p),
                expect: Expect::Version(patient.version),
                previous_phone: None,
            });
        }
        let claimed = match &writes[0] {
            Write::Slot { slot, .. } => (**slot).clone(),
            _ => slot.clone(),
        };
        match deps
            .store
            .write(frontdesk::webhooks::with_events(writes, now))
            .await
        {
            Ok(()) => return Ok(answer(StatusCode::OK, &claimed, "claimed")),
            // A yes (or another claim) won meanwhile, or the patient changed: read again
            // and decide on the fresh slot.
            Err(frontdesk::Error::Conflict) => {
                fetched = deps.store.get_many(&practice.practice_id, &keys).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(
        "the slot or the patient kept changing meanwhile; retry".into(),
    ))
}

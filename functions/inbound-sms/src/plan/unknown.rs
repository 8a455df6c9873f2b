//! A text from a number that matches no patient of the practice.

use chrono::{DateTime, Utc};
use frontdesk::domain::{Priority, Purpose, TaskKind, Waiting};
use frontdesk::policy;
use frontdesk::policy::templates::Reply;
use frontdesk::policy::{templates, ReplyContext};
use frontdesk::ports::Write;

use super::draft::{staff_due, Draft, Gate, TaskSpec};
use super::emergency::{daily_opt_out_marker, emergency_plan, hourly_marker};
use super::{Action, Input, Plan};

pub(super) fn plan_unknown(input: &Input<'_>) -> frontdesk::Result<Plan> {
    let settings = &input.practice.settings;
    let now = input.now;
    let action = input.action;
    let mut d = Draft::new(input, None);
    let from = input.inbound.from.clone();
    let last4 = from.last_four().to_string();
    let ctx = ReplyContext::new(settings, None, now)?;
    let mut rate_marker = false;
    let mut emergency = None;

    d.claim(input.inbound.claim_key(), input.inbound.claim_expires(now));
    d.inbound(None);
    // The unknown sender's thread (opaque id, no read) and, unless the text is answered
    // automatically, an inbox entry.
    let waiting = policy::awaits_staff(action.thread_intent());
    d.writes.push(Write::UnknownInbound {
        practice_id: input.practice.practice_id.clone(),
        number: from.clone(),
        at: now,
        waiting,
        opted_out: match action {
            Action::OptOut => Some(true),
            Action::OptIn => Some(false),
            _ => None,
        },
    });
    if waiting {
        d.writes.push(Write::Waiting(Box::new(Waiting::unknown(
            &input.practice.practice_id,
            &from,
            now,
        ))));
    }

    let mut gated = |d: &mut Draft<'_>, marker: (String, DateTime<Utc>)| {
        if input.unknown_reply_allowed {
            d.claim(marker.0, marker.1);
            rate_marker = true;
            Gate::Send
        } else {
            Gate::Suppress("auto-reply limit reached for this number".into())
        }
    };

    if action == Action::Emergency {
        emergency = Some(emergency_plan(&mut d, None, &ctx, Gate::Send)?);
    } else {
        let (asked, reply, marker) = match action {
            Action::OptOut => (
                " They asked to stop texts (confirmed once).",
                Reply::OptOutConfirmation,
                daily_opt_out_marker(&from, now),
            ),
            Action::Help => ("", Reply::Help, hourly_marker(&from, now)),
            _ => (
                "",
                templates::acknowledgement(settings, now),
                hourly_marker(&from, now),
            ),
        };
        d.task(TaskSpec {
            kind: TaskKind::UnknownSender,
            priority: Priority::Normal,
            title: format!("Text from unknown number ending {last4}"),
            detail: format!(
                "A text came from a number ending {last4} that matches no patient.{asked} \
                 Read it in the unknown-sender thread, then add the number to the right \
                 patient or call back."
            ),
            due_at: staff_due(settings, now),
            appointment_id: None,
        });
        let purpose = if action == Action::OptOut {
            Purpose::OptOutConfirmation
        } else {
            Purpose::Reply
        };
        let g = gated(&mut d, marker);
        d.reply(templates::reply(&ctx, reply)?, purpose, g);
    }

    Ok(Plan {
        action,
        writes: d.writes,
        sends: d.sends,
        versions: Vec::new(),
        rate_marker,
        emergency,
        suppressed: d.suppressed,
    })
}

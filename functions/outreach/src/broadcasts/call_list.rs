//! The one call-list task of a broadcast: every patient who prefers a phone call, with the
//! message as the script. Rewritten as each page of the audience adds callers (inside the
//! page's version-checked transaction, so no caller is lost).

use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Broadcast, MessageKind, Patient, Practice, Priority, Task, TaskId, TaskKind,
};

use super::content;

/// Callers listed by name in the task; beyond, a count.
pub const LISTED: usize = 300;

const MARKER: &str = "\nCall list:\n";

pub fn task(
    practice: &Practice,
    b: &Broadcast,
    id: TaskId,
    previous: Option<Task>,
    callers: &[&Patient],
    now: DateTime<Utc>,
) -> Task {
    let mut lines: Vec<String> = previous
        .as_ref()
        .and_then(|t| t.detail.split_once(MARKER).map(|(_, l)| l.to_string()))
        .map(|l| {
            l.lines()
                .filter(|l| l.starts_with("- "))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    for p in callers {
        if lines.len() < LISTED {
            lines.push(format!(
                "- {} {} ({})",
                p.first_name, p.last_name, p.patient_id
            ));
        }
    }
    let more = (b.call_list as usize).saturating_sub(lines.len());
    let mut detail = format!(
        "{} patients prefer a phone call for this broadcast. Call each with the script.{MARKER}{}",
        b.call_list,
        lines.join("\n")
    );
    if more > 0 {
        detail.push_str(&format!(
            "\n…and {more} more: see the broadcast's recipients."
        ));
    }
    let priority = match b.kind {
        MessageKind::Care => Priority::High,
        _ => Priority::Low,
    };
    let mut values = content::values(&practice.settings, None);
    values.insert("first_name", "[the patient's first name]".into());
    let script = content::render(b, &values).unwrap_or_else(|_| b.body.clone());
    match previous {
        Some(t) => Task {
            detail,
            script: Some(script),
            ..t
        },
        None => Task {
            script: Some(script),
            due_at: b.send_at,
            ..Task::open(
                b.practice_id.clone(),
                id,
                TaskKind::CallPatient,
                priority,
                "Broadcast: call the patients who prefer a phone call",
                detail,
                now,
            )
        },
    }
}

//! One simulated clinic day, replayed through event time: four practices (AWS SNS + SES,
//! Twilio, Telnyx, Vonage), each with patients on SMS, email and voice; day-of, two-day
//! and seven-day reminders; patients texting "C" and questions; check-ins; no-shows and
//! their next-morning follow-ups. The schedules fire as template.yaml's would (every tick
//! of `Day::tick` for reminders and no-shows), from midnight before the day to the next
//! noon, then a drain with the faults off. A failed run is simply fired again next tick
//! (as EventBridge would); a failed inbound SNS delivery is redelivered (Lambda's two
//! async retries, then the DLQ redrive); a failed PMS call is retried (as a PMS does).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Chicago;
use serde_json::{json, Value};

use crate::TestApp;

/// One run's numbers: every phone number carries the run's digit, so two runs on the
/// shared moto server never see each other's messages.
#[derive(Debug, Clone, Copy)]
pub struct Day {
    pub run: u8,
    /// The day of the visits (local, America/Chicago).
    pub date: NaiveDate,
    /// Minutes between schedule fires.
    pub tick: i64,
}

/// What a patient does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// Texts "C" at this local time of the day.
    Confirm(u32, u32),
    /// Texts a question at this local time.
    Ask(u32, u32),
    /// Is checked in at this local time.
    CheckIn(u32, u32),
}

struct Patient {
    channel: &'static str,
    /// The visit: days after the day, local hour and minute.
    visit: (i64, u32, u32),
    acts: &'static [Act],
}

const PATIENTS: &[Patient] = &[
    Patient {
        channel: "sms",
        visit: (0, 10, 0),
        acts: &[Act::Confirm(8, 30), Act::CheckIn(9, 55)],
    },
    Patient {
        channel: "sms",
        visit: (0, 14, 0),
        acts: &[],
    },
    Patient {
        channel: "sms",
        visit: (2, 11, 0),
        acts: &[Act::Confirm(12, 5)],
    },
    Patient {
        channel: "sms",
        visit: (7, 9, 30),
        acts: &[Act::Ask(10, 10)],
    },
    Patient {
        channel: "email",
        visit: (2, 15, 0),
        acts: &[],
    },
    Patient {
        channel: "voice",
        visit: (2, 10, 0),
        acts: &[],
    },
    Patient {
        channel: "sms",
        visit: (0, 16, 0),
        acts: &[Act::CheckIn(15, 50)],
    },
    Patient {
        channel: "sms",
        visit: (1, 9, 0),
        acts: &[Act::Confirm(17, 40)],
    },
    Patient {
        channel: "sms",
        visit: (0, 11, 30),
        acts: &[Act::Ask(9, 15)],
    },
    Patient {
        channel: "email",
        visit: (7, 13, 0),
        acts: &[],
    },
];

const PROVIDERS: [&str; 4] = ["aws", "twilio", "telnyx", "vonage"];

/// A practice of the run.
pub struct Practice {
    pub key: String,
    pub number: String,
    provider: &'static str,
}

/// What one run left behind, keyed so two runs compare: (practice, patient, what).
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Messages accepted by SNS, SES or a provider, by (practice, patient, channel + body).
    pub sent: BTreeMap<(usize, usize, String), u32>,
    /// Staff tasks by (practice, patient, kind).
    pub tasks: BTreeMap<(usize, usize, String), u32>,
    /// Schedule runs that failed (fired again next tick).
    pub failed_runs: u32,
    /// Inbound deliveries that failed and were redelivered.
    pub redelivered: u32,
    /// PMS calls answered 5xx and retried.
    pub pms_retries: u32,
    /// Sends the fake providers answered 429 or 5xx.
    pub provider_faults: u32,
    /// Sends the fake providers were asked for.
    pub provider_calls: u32,
}

impl Day {
    fn phone(&self, practice: usize, patient: usize) -> String {
        format!("+1312555{}{}{:02}", self.run, practice, patient)
    }

    fn practice_number(&self, practice: usize) -> String {
        format!("+1312555{}9{:02}", self.run, practice)
    }

    fn email(&self, practice: usize, patient: usize) -> String {
        format!("p{practice}-{patient}.run{}@patients.example", self.run)
    }

    fn local(&self, days: i64, h: u32, m: u32) -> DateTime<Utc> {
        let d = self.date + Duration::days(days);
        let naive = d.and_hms_opt(h, m, 0).unwrap_or_default();
        Chicago
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    /// Onboards the practices and their patients and visits (with the faults off).
    pub async fn seed(&self, app: &TestApp) -> Vec<Practice> {
        let mut out = vec![];
        for (p, provider) in PROVIDERS.iter().enumerate() {
            let from = format!("desk{p}.run{}@clinic{p}.example", self.run);
            local_stack::verify_sender(&app.moto.sdk_config(), &from)
                .await
                .expect("sender verified");
            let number = self.practice_number(p);
            let (s, b) = app
                .call(
                    "POST",
                    "/v1/practices",
                    Some(crate::OPERATOR_SECRET),
                    Some(
                        json!({"name": format!("Clinic {p}"), "time_zone": "America/Chicago",
                                "sms_number": number, "email_from": from}),
                    ),
                )
                .await;
            assert_eq!(s, 201, "onboarding: {b}");
            let key = b["api_key"].as_str().unwrap_or_default().to_string();
            let (s, b) = app
                .call(
                    "PATCH",
                    "/v1/practice",
                    Some(&key),
                    Some(json!({"sms_provider": provider_body(provider)})),
                )
                .await;
            assert_eq!(s, 200, "provider: {b}");
            for (i, pt) in PATIENTS.iter().enumerate() {
                let body = json!({
                    "first_name": "Pat", "last_name": format!("Number{i}"),
                    "phone": self.phone(p, i), "email": self.email(p, i),
                    "preferred_channel": pt.channel,
                    "consents": {"sms": {"care": true}, "email": {"care": true}, "voice": {"care": true}}
                });
                let (s, b) = app
                    .call(
                        "PUT",
                        &format!("/v1/patients/pt-{i}"),
                        Some(&key),
                        Some(body),
                    )
                    .await;
                assert_eq!(s, 201, "patient: {b}");
                let (days, h, m) = pt.visit;
                let starts = self.local(days, h, m);
                let body = json!({"patient_id": format!("pt-{i}"), "starts_at": starts.to_rfc3339(), "duration_minutes": 30});
                let (s, b) = app
                    .call(
                        "PUT",
                        &format!("/v1/appointments/ap-{i}"),
                        Some(&key),
                        Some(body),
                    )
                    .await;
                assert_eq!(s, 201, "appointment: {b}");
            }
            out.push(Practice {
                key,
                number,
                provider,
            });
        }
        out
    }

    /// Replays the day (midnight to the next noon) then, with `drain` (faults off by the
    /// caller), three more hours of ticks. Returns the runs that failed and redeliveries.
    pub async fn replay(
        &self,
        app: &TestApp,
        practices: &[Practice],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        outcome: &mut Outcome,
    ) {
        let mut acts: Vec<(DateTime<Utc>, usize, usize, Act)> = vec![];
        for p in 0..practices.len() {
            for (i, pt) in PATIENTS.iter().enumerate() {
                for act in pt.acts {
                    let (h, m) = match *act {
                        Act::Confirm(h, m) | Act::Ask(h, m) | Act::CheckIn(h, m) => (h, m),
                    };
                    let at = self.local(0, h, m);
                    if at >= from && at < until {
                        acts.push((at, p, i, *act));
                    }
                }
            }
        }
        acts.sort_by_key(|a| a.0);
        let mut next_act = 0;
        let mut now = from;
        while now < until {
            while next_act < acts.len() && acts[next_act].0 <= now {
                let (_, p, i, act) = acts[next_act];
                self.act(app, &practices[p], p, i, act, outcome).await;
                next_act += 1;
            }
            for function in ["reminders", "no-shows", "staff-replies"] {
                let time = now.to_rfc3339().replace('+', "%2B");
                let (s, _) = app
                    .call(
                        "POST",
                        &format!("/_local/schedules/{function}?time={time}"),
                        None,
                        None,
                    )
                    .await;
                if s != 200 {
                    outcome.failed_runs += 1;
                }
            }
            now += Duration::minutes(self.tick);
        }
    }

    /// The day's window: local midnight before the visits to the next noon.
    pub fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.local(0, 0, 0), self.local(1, 12, 0))
    }

    async fn act(
        &self,
        app: &TestApp,
        practice: &Practice,
        p: usize,
        i: usize,
        act: Act,
        outcome: &mut Outcome,
    ) {
        match act {
            Act::Confirm(..) | Act::Ask(..) => {
                let text = if matches!(act, Act::Confirm(..)) {
                    "C"
                } else {
                    "Do I need to bring my insurance card?"
                };
                let id = format!("run{}-p{p}-i{i}-{text:.1}", self.run);
                self.inbound(app, practice, p, i, text, &id, outcome).await;
            }
            Act::CheckIn(..) => {
                let path = format!("/v1/appointments/ap-{i}/check-in");
                for _ in 0..20 {
                    let (s, _) = app.call("POST", &path, Some(&practice.key), None).await;
                    if s < 500 {
                        return;
                    }
                    outcome.pms_retries += 1;
                }
                panic!("check-in kept failing");
            }
        }
    }

    /// A patient's text, as its provider delivers it (SNS for AWS numbers; the provider's
    /// webhook would be retried the same way), redelivered until it is taken.
    #[allow(clippy::too_many_arguments)]
    async fn inbound(
        &self,
        app: &TestApp,
        practice: &Practice,
        p: usize,
        i: usize,
        text: &str,
        id: &str,
        outcome: &mut Outcome,
    ) {
        let _ = practice.provider;
        let body = json!({
            "originationNumber": self.phone(p, i), "destinationNumber": practice.number,
            "messageBody": text, "inboundMessageId": id
        });
        for _ in 0..20 {
            let (s, _) = app
                .call("POST", "/_local/sns/inbound-sms", None, Some(body.clone()))
                .await;
            if s == 200 {
                return;
            }
            outcome.redelivered += 1;
        }
        panic!("inbound {id} kept failing");
    }

    /// Reads what went out and the staff tasks (with the faults off).
    pub async fn collect(&self, app: &TestApp, practices: &[Practice], outcome: &mut Outcome) {
        let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
        let mut who = BTreeMap::new();
        for p in 0..practices.len() {
            for i in 0..PATIENTS.len() {
                who.insert(self.phone(p, i), (p, i));
                who.insert(self.phone(p, i).trim_start_matches('+').to_string(), (p, i));
                who.insert(self.email(p, i), (p, i));
            }
        }
        // The run's digit in the practices' numbers (a callback number in a body) is not
        // part of what was said.
        let run_digit = format!("555-{}9", self.run);
        let mut add = |to: &str, what: String| {
            let what = what.replace(&run_digit, "555-R9");
            if let Some(&(p, i)) = who.get(to) {
                *outcome.sent.entry((p, i, what)).or_default() += 1;
            }
        };
        for m in outbox["sms"].as_array().into_iter().flatten() {
            add(str_of(&m["to"]), format!("sms: {}", str_of(&m["body"])));
        }
        for m in outbox["email"].as_array().into_iter().flatten() {
            let to = match &m["to"] {
                Value::Array(a) => a.first().map(str_of).unwrap_or_default().to_string(),
                v => str_of(v).to_string(),
            };
            add(&to, format!("email: {}", str_of(&m["subject"])));
        }
        for r in outbox["providers"].as_array().into_iter().flatten() {
            outcome.provider_calls += 1;
            let status = r["status"].as_u64().unwrap_or_default();
            if status == 429 || status >= 500 {
                outcome.provider_faults += 1;
            }
            if r["message_id"].is_null() {
                continue;
            }
            let f = &r["fields"];
            let to = [&f["To"], &f["to"]]
                .into_iter()
                .map(str_of)
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let body = [&f["Body"], &f["text"]]
                .into_iter()
                .map(str_of)
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            add(to, format!("sms: {body}"));
        }
        for (p, practice) in practices.iter().enumerate() {
            for status in ["open", "resolved"] {
                let (_, b) = app
                    .call(
                        "GET",
                        &format!("/v1/tasks?status={status}&limit=100"),
                        Some(&practice.key),
                        None,
                    )
                    .await;
                for t in b["items"].as_array().into_iter().flatten() {
                    let Some(i) = str_of(&t["patient_id"])
                        .strip_prefix("pt-")
                        .and_then(|n| n.parse().ok())
                    else {
                        continue;
                    };
                    *outcome
                        .tasks
                        .entry((p, i, str_of(&t["kind"]).to_string()))
                        .or_default() += 1;
                }
            }
        }
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn provider_body(provider: &str) -> Value {
    match provider {
        "twilio" => {
            json!({"provider": "twilio", "twilio_account_sid": fake_providers::DEMO_TWILIO_SID, "twilio_auth_token": fake_providers::DEMO_TWILIO_TOKEN})
        }
        "telnyx" => {
            json!({"provider": "telnyx", "telnyx_api_key": fake_providers::DEMO_TELNYX_KEY})
        }
        "vonage" => {
            json!({"provider": "vonage", "vonage_api_key": fake_providers::DEMO_VONAGE_KEY, "vonage_api_secret": fake_providers::DEMO_VONAGE_SECRET})
        }
        _ => json!({"provider": "aws"}),
    }
}

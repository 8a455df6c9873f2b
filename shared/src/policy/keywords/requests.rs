//! What a patient asks of the practice: a rating, a reschedule, a cancellation, a call,
//! another channel.

use super::*;

pub(super) fn rating(text: &str, n: &Normalized) -> Option<u8> {
    let digit = |t: &str| -> Option<u8> {
        match t {
            "1" => Some(1),
            "2" => Some(2),
            "3" => Some(3),
            "4" => Some(4),
            "5" => Some(5),
            _ => None,
        }
    };
    let tokens: Vec<&str> = n.tokens.iter().map(String::as_str).collect();
    match tokens.as_slice() {
        [d] => digit(d),
        [d, "star" | "stars"] => digit(d),
        [d, "5"] if text.contains('/') => digit(d),
        [d, "out", "of", "5"] => digit(d),
        _ => None,
    }
}

pub(super) fn wants_reschedule(n: &Normalized) -> bool {
    const WORDS: &[&str] = &[
        "reschedule",
        "rescheduling",
        "resched",
        "rebook",
        "rebooking",
        "postpone",
        "postponing",
    ];
    const MOVERS: &[&str] = &[
        "move", "moving", "change", "changing", "switch", "push", "shift", "bump",
    ];
    const APPOINTMENT_NOUNS: &[&str] = &[
        "appointment",
        "appt",
        "appts",
        "visit",
        "it",
        "time",
        "day",
        "date",
        "booking",
        "cleaning",
        "slot",
        "checkup",
        "me",
    ];
    const OTHER: &[&str] = &["different", "another", "new", "later", "earlier", "other"];
    const WHEN: &[&str] = &["time", "day", "date", "slot", "appointment"];

    if n.has_any(WORDS) {
        return true;
    }
    // "R", "R please".
    let start = after_lead_in(&n.tokens);
    if n.tokens.get(start).is_some_and(|t| t == "r")
        && n.tokens[start + 1..]
            .iter()
            .all(|t| FILLER.contains(&t.as_str()))
    {
        return true;
    }
    n.tokens.iter().enumerate().any(|(i, t)| {
        let next = &n.tokens[i + 1..(i + 4).min(n.tokens.len())];
        (MOVERS.contains(&t.as_str())
            && next.iter().any(|w| APPOINTMENT_NOUNS.contains(&w.as_str())))
            || (OTHER.contains(&t.as_str())
                && n.tokens
                    .get(i + 1)
                    .is_some_and(|w| WHEN.contains(&w.as_str())))
    })
}

pub(super) fn mentions_cancel(n: &Normalized) -> bool {
    n.has_any(&[
        "cancel",
        "cancelled",
        "canceled",
        "canceling",
        "cancelling",
        "cancellation",
        "cancelation",
        "cxl",
    ])
}

pub(super) fn cannot_make_it(n: &Normalized) -> bool {
    const PHRASES: &[&[&str]] = &[
        &["cant", "make", "it"],
        &["cannot", "make", "it"],
        &["can", "not", "make", "it"],
        &["wont", "make", "it"],
        &["not", "make", "it"],
        &["not", "going", "to", "make", "it"],
        &["be", "able", "to", "make"],
        &["be", "able", "to", "come"],
        &["be", "able", "to", "attend"],
        &["unable", "to", "make"],
        &["unable", "to", "come"],
        &["unable", "to", "attend"],
        &["cant", "come"],
        &["cannot", "come"],
        &["cant", "attend"],
        &["cannot", "attend"],
        &["cant", "do"],
        &["something", "came", "up"],
        &["wont", "be", "there"],
        &["not", "be", "there"],
    ];
    PHRASES.iter().any(|p| {
        let Some(i) = n.find_phrase(p) else {
            return false;
        };
        // "be able to make it" only counts when negated just before ("won't be able …").
        if p[0] == "be" {
            return n.tokens[i.saturating_sub(3)..i]
                .iter()
                .any(|t| ["wont", "not", "never", "cant"].contains(&t.as_str()));
        }
        true
    })
}

pub(super) fn wants_call(n: &Normalized) -> bool {
    const PHRASES: &[&[&str]] = &[
        &["call", "me"],
        &["call", "us"],
        &["callme"],
        &["give", "me", "a", "call"],
        &["give", "me", "a", "ring"],
        &["give", "us", "a", "call"],
        &["phone", "me"],
        &["ring", "me"],
        &["please", "call"],
        &["pls", "call"],
        &["plz", "call"],
        &["can", "you", "call"],
        &["could", "you", "call"],
        &["can", "someone", "call"],
        &["could", "someone", "call"],
        &["have", "someone", "call"],
        &["speak", "to", "someone"],
        &["speak", "with", "someone"],
        &["talk", "to", "someone"],
        &["talk", "with", "someone"],
        &["speak", "to", "a", "person"],
        &["talk", "to", "a", "person"],
        &["speak", "to", "a", "human"],
        &["talk", "to", "a", "human"],
        &["like", "a", "call"],
        &["want", "a", "call"],
        &["need", "a", "call"],
        &["prefer", "a", "call"],
        &["prefer", "calls"],
        &["prefer", "phone"],
        &["phone", "call"],
        &["phone", "calls"],
    ];
    const NEGATORS: &[&str] = &["dont", "not", "never", "stop", "no", "without"];
    let tokens: Vec<&str> = n.tokens.iter().map(String::as_str).collect();
    if matches!(
        tokens.as_slice(),
        ["call"] | ["call", "please" | "pls" | "plz" | "asap" | "now"]
    ) {
        return true;
    }
    PHRASES.iter().any(|p| {
        n.find_phrase(p).is_some_and(|i| {
            !n.tokens[i.saturating_sub(2)..i]
                .iter()
                .any(|t| NEGATORS.contains(&t.as_str()))
        })
    })
}

pub(super) fn channel_word(t: &str) -> Option<Channel> {
    match t {
        "email" | "emails" | "emailed" | "emailing" => Some(Channel::Email),
        "text" | "texts" | "texting" | "texted" | "txt" | "sms" => Some(Channel::Sms),
        _ => None,
    }
}

/// The single channel a short preference message asks for, if it is one.
pub(super) fn switch_channel(n: &Normalized) -> Option<Channel> {
    const VOCAB: &[&str] = &[
        "me",
        "instead",
        "please",
        "pls",
        "plz",
        "thanks",
        "thank",
        "you",
        "u",
        "only",
        "from",
        "now",
        "on",
        "going",
        "forward",
        "rather",
        "prefer",
        "preferred",
        "i",
        "id",
        "would",
        "like",
        "to",
        "be",
        "contacted",
        "reached",
        "by",
        "via",
        "through",
        "over",
        "than",
        "contact",
        "reach",
        "use",
        "my",
        "the",
        "can",
        "could",
        "just",
        "send",
        "it",
        "them",
        "all",
        "future",
        "switch",
        "change",
        "of",
        "not",
        "no",
        "more",
        "do",
        "dont",
        "an",
        "a",
        "is",
        "better",
        "best",
        "works",
        "ok",
        "okay",
        "reminders",
        "and",
        "also",
        "messages",
        "stuff",
    ];
    const NEGATORS: &[&str] = &["no", "not", "than", "of", "dont", "stop", "never"];
    if n.len() > 12 {
        return None;
    }
    let mut found: Option<Channel> = None;
    for (i, t) in n.tokens.iter().enumerate() {
        if let Some(channel) = channel_word(t) {
            let negated = n.tokens[i.saturating_sub(2)..i]
                .iter()
                .any(|p| NEGATORS.contains(&p.as_str()));
            if negated {
                continue;
            }
            match found {
                Some(f) if f != channel => return None,
                _ => found = Some(channel),
            }
        } else if !VOCAB.contains(&t.as_str()) {
            return None;
        }
    }
    found
}

//! Opt-out, opt-in and HELP: the carrier keywords alone or leading a message, a standalone
//! opt-out clause, a refusal of texts; and emergency keywords.

use super::*;

pub(super) fn is_opt_out_key(key: &str) -> bool {
    OPT_OUT_KEYS.contains(&key)
}

/// Whole words or phrases, on tokens before `opt out`-style merging, so a keyword is found
/// wherever its words appear in order.
pub(super) fn matches_emergency(n: &Normalized, keywords: &[String]) -> bool {
    keywords.iter().any(|k| {
        let phrase = tokenize_words(k);
        !phrase.is_empty()
            && phrase.len() <= n.words.len()
            && n.words
                .windows(phrase.len())
                .any(|w| w == phrase.as_slice())
    })
}

/// Index of the first token after a short polite lead-in.
pub(super) fn after_lead_in(tokens: &[String]) -> usize {
    tokens
        .iter()
        .take(MAX_LEAD_IN)
        .take_while(|t| LEAD_IN.contains(&t.as_str()))
        .count()
}

pub(super) fn leading_opt_out(n: &Normalized) -> bool {
    let start = after_lead_in(&n.tokens);
    let Some(first) = n.tokens.get(start) else {
        return false;
    };
    if !is_opt_out_key(first) {
        return false;
    }
    let tail = &n.tokens[start + 1..];

    // Keyword + words about our messages.
    let about_messages = tail.iter().all(|t| {
        let t = t.as_str();
        FILLER.contains(&t)
            || CONNECTORS.contains(&t)
            || MESSAGE_OBJECTS.contains(&t)
            || is_opt_out_key(t)
    });
    let has_object = tail.iter().any(|t| {
        MESSAGE_OBJECTS.contains(&t.as_str()) || (first == "remove" && (t == "me" || t == "us"))
    });
    if tail.len() <= MAX_SHORT_TAIL
        && about_messages
        && (UNAMBIGUOUS_OPT_OUT.contains(&first.as_str()) || has_object)
    {
        return true;
    }

    // "stop texting me …", whatever follows.
    n.len() <= MAX_TEXTING_VERB_MESSAGE
        && (first == "stop" || first == "quit")
        && tail
            .first()
            .is_some_and(|t| TEXTING_VERBS.contains(&t.as_str()))
}

/// A clause (between . ! ? , ; : or a line break) that is only an unambiguous opt-out
/// word, after an optional lead-in: "Stop! Who is this?", "Thanks. STOP".
pub(super) fn standalone_opt_out_clause(text: &str, n: &Normalized) -> bool {
    if n.len() > MAX_CLAUSE_MESSAGE {
        return false;
    }
    text.split(['.', '!', '?', ',', ';', ':', '\n'])
        .map(Normalized::new)
        .any(|clause| {
            let start = after_lead_in(&clause.tokens);
            clause.tokens.len() == start + 1
                && clause
                    .tokens
                    .get(start)
                    .is_some_and(|w| UNAMBIGUOUS_OPT_OUT.contains(&w.as_str()))
        })
}

/// "don't text me", "do not message me", "no more texts", "never text me again", "opt me
/// out", "take me off your list".
pub(super) fn refuses_texts(n: &Normalized) -> bool {
    const TEXT_WORDS: &[&str] = &[
        "text", "texts", "txt", "texting", "message", "messages", "msg", "msgs", "sms",
    ];
    const PHRASES: &[&[&str]] = &[
        &["opt", "me", "out"],
        &["opt", "us", "out"],
        &["take", "me", "off"],
        &["take", "us", "off"],
        &["take", "my", "number", "off"],
    ];
    if n.len() > 12 {
        return false;
    }
    if PHRASES.iter().any(|p| n.find_phrase(p).is_some()) {
        return true;
    }
    n.tokens.iter().enumerate().any(|(i, t)| {
        if !TEXT_WORDS.contains(&t.as_str()) {
            return false;
        }
        let before: Vec<&str> = n.tokens[i.saturating_sub(2)..i]
            .iter()
            .map(String::as_str)
            .collect();
        matches!(
            before.as_slice(),
            [.., "dont" | "never"] | ["do", "not"] | ["no", "more"]
        )
    })
}

pub(super) fn leading_opt_in_or_help(n: &Normalized) -> Option<Intent> {
    let start = after_lead_in(&n.tokens);
    let first = n.tokens.get(start)?;
    let tail = &n.tokens[start + 1..];
    if tail.len() > MAX_SHORT_TAIL {
        return None;
    }
    if OPT_IN_KEYS.contains(&first.as_str()) {
        let ok = tail.iter().all(|t| {
            let t = t.as_str();
            FILLER.contains(&t)
                || CONNECTORS.contains(&t)
                || MESSAGE_OBJECTS.contains(&t)
                || ["again", "back", "up", "resume", "receiving", "getting"].contains(&t)
        });
        return ok.then_some(Intent::OptIn);
    }
    if HELP_KEYS.contains(&first.as_str()) {
        let ok = tail
            .iter()
            .all(|t| ["please", "pls", "plz", "thanks", "thank", "you"].contains(&t.as_str()));
        return ok.then_some(Intent::Help);
    }
    None
}

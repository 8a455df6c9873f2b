//! Confirmations, in words or emoji: a bare yes confirms only when nothing else is said.

use super::*;

pub(super) fn confirms(text: &str, n: &Normalized) -> bool {
    const WORDS: &[&str] = &[
        "c",
        "y",
        "yes",
        "yep",
        "yup",
        "yeah",
        "ya",
        "yea",
        "yess",
        "confirm",
        "confirmed",
        "confirming",
        "absolutely",
        "definitely",
    ];
    const TAIL: &[&str] = &[
        "i",
        "ill",
        "im",
        "will",
        "be",
        "there",
        "we",
        "well",
        "see",
        "you",
        "u",
        "then",
        "soon",
        "thanks",
        "thank",
        "thx",
        "ty",
        "please",
        "pls",
        "great",
        "perfect",
        "sounds",
        "good",
        "confirm",
        "confirmed",
        "yes",
        "y",
        "c",
        "yep",
        "yeah",
        "my",
        "the",
        "appointment",
        "appt",
        "for",
        "tomorrow",
        "today",
        "it",
        "is",
        "that",
        "works",
        "fine",
        "ok",
        "okay",
        "sure",
        "of",
        "course",
        "absolutely",
        "definitely",
        "and",
        "so",
        "much",
        "very",
        "coming",
        "attending",
        "on",
        "time",
        "all",
        "set",
        "appreciated",
        "have",
        "a",
        "nice",
        "day",
        "lovely",
        "wonderful",
        "awesome",
        "cool",
        "thing",
        "do",
        "dr",
        "doctor",
        "at",
        "again",
        "bye",
    ];
    const PHRASES: &[&[&str]] = &[
        &["see", "you", "then"],
        &["see", "you", "tomorrow"],
        &["see", "you", "soon"],
        &["see", "you", "there"],
        &["see", "you", "today"],
        &["see", "you", "on"],
        &["see", "u", "then"],
        &["see", "u", "tomorrow"],
        &["ill", "be", "there"],
        &["will", "be", "there"],
        &["well", "be", "there"],
        &["count", "me", "in"],
        &["im", "coming"],
        &["i", "am", "coming"],
        &["ill", "come"],
        &["i", "will", "come"],
        &["ill", "attend"],
        &["i", "will", "attend"],
        &["confirmed"],
        &["confirm"],
    ];
    const NEGATIONS: &[&str] = &[
        "not", "cant", "cannot", "wont", "dont", "unable", "never", "nope", "isnt", "arent",
        "wasnt", "couldnt", "wouldnt", "shouldnt", "didnt", "doesnt", "but", "late",
    ];

    // A confirm word leading, then only pleasantries.
    if n.tokens
        .first()
        .is_some_and(|t| WORDS.contains(&t.as_str()))
        && n.len() <= 13
        && n.tokens[1..].iter().all(|t| TAIL.contains(&t.as_str()))
    {
        return true;
    }
    // A confirming phrase, unnegated, not a question.
    // "can't wait" is keen, not negative.
    let negated = n.tokens.iter().enumerate().any(|(i, t)| {
        NEGATIONS.contains(&t.as_str())
            && !(t == "cant" && n.tokens.get(i + 1).is_some_and(|w| w == "wait"))
    }) || n.tokens.iter().enumerate().any(|(i, t)| {
        t == "no"
            && !n
                .tokens
                .get(i + 1)
                .is_some_and(|w| w == "problem" || w == "worries")
    });
    !negated
        && !text.contains('?')
        && n.len() <= 15
        && PHRASES.iter().any(|p| n.find_phrase(p).is_some())
}

/// Messages made only of emoji: thumbs up (any skin tone) or a check mark confirm; one to
/// five stars rate.
pub(super) fn emoji_intent(text: &str) -> Option<Intent> {
    let symbols: Vec<char> = text
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    *c,
                    '\u{FE0F}' | '\u{FE0E}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}'
                )
        })
        .collect();
    if symbols.is_empty() {
        return None;
    }
    if symbols
        .iter()
        .all(|c| matches!(c, '\u{1F44D}' | '\u{2705}' | '\u{2714}'))
    {
        return Some(Intent::Confirm);
    }
    if symbols
        .iter()
        .all(|c| matches!(c, '\u{2B50}' | '\u{1F31F}'))
    {
        return u8::try_from(symbols.len())
            .ok()
            .filter(|n| (1..=5).contains(n))
            .map(Intent::Rating);
    }
    None
}

//! Whether free text sent after a review request reads as a complaint. Deliberately
//! simple and biased towards "negative": a false alarm costs a staff member one look, a
//! missed complaint costs a patient.

/// Words and phrases that mark a complaint (lower-case, matched on whole words).
const NEGATIVE: &[&str] = &[
    "angry",
    "annoyed",
    "awful",
    "bad",
    "complain",
    "complaint",
    "dirty",
    "disappointed",
    "disappointing",
    "disgusted",
    "dissatisfied",
    "frustrated",
    "horrible",
    "hurt",
    "incompetent",
    "mistake",
    "overcharged",
    "painful",
    "poor",
    "refund",
    "rude",
    "terrible",
    "unacceptable",
    "unhappy",
    "unprofessional",
    "upset",
    "worst",
    "never again",
    "long wait",
    "waited",
    "waiting forever",
    "not happy",
    "not good",
    "not great",
    "not satisfied",
    "not impressed",
    "not recommend",
    "wouldnt recommend",
    "would not recommend",
    "dont recommend",
    "do not recommend",
    "👎",
    "😡",
    "😠",
];

fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let c = if c == '\u{2019}' { '\'' } else { c };
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if c == '\'' {
            // "wouldn't" → "wouldnt"
        } else {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            if !c.is_whitespace() && !c.is_ascii_punctuation() {
                out.push(c.to_string());
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether `text` reads as negative feedback.
pub fn is_negative(text: &str) -> bool {
    let words = words(text);
    NEGATIVE.iter().any(|phrase| {
        let p: Vec<&str> = phrase.split(' ').collect();
        words
            .windows(p.len())
            .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complaints_are_recognised() {
        for t in [
            "The receptionist was rude",
            "Waited 45 minutes, not happy.",
            "I wouldn't recommend you",
            "Worst cleaning ever 👎",
            "UNPROFESSIONAL",
        ] {
            assert!(is_negative(t), "{t}");
        }
    }

    #[test]
    fn praise_and_questions_are_not_complaints() {
        for t in [
            "Great visit, thanks!",
            "Everyone was lovely",
            "What time is my next appointment?",
            "badge",
            "",
        ] {
            assert!(!is_negative(t), "{t}");
        }
    }
}

//! Normalising inbound text for keyword matching.
//!
//! Text is lower-cased, curly apostrophes are straightened and common Latin accents are
//! folded (`ARRÊT` → `arret`). It is then split into word tokens on anything that is not a
//! letter, a digit or an apostrophe; apostrophes are then dropped inside tokens, so
//! `can't`, `can’t` and `cant` are one token. `opt out` / `opt-out` become `optout`, and
//! `e-mail` becomes `email`.

/// A message, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Normalized {
    /// Word tokens, lower-case, in order, with `opt out` → `optout` merged.
    pub tokens: Vec<String>,
    /// The same words before merging, for matching free phrases such as emergency keywords.
    pub words: Vec<String>,
    /// The tokens run together: `"Stop all!"` and `"STOPALL"` both give `stopall`.
    pub key: String,
}

impl Normalized {
    pub fn new(text: &str) -> Self {
        let words = tokenize_words(text);
        let tokens = merge_pairs(words.clone());
        let key = tokens.concat();
        Self { tokens, words, key }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn has_any(&self, words: &[&str]) -> bool {
        self.tokens.iter().any(|t| words.contains(&t.as_str()))
    }

    /// Where `phrase` (already-normalised tokens) occurs as consecutive whole tokens.
    pub fn find_phrase<S: AsRef<str>>(&self, phrase: &[S]) -> Option<usize> {
        if phrase.is_empty() || phrase.len() > self.tokens.len() {
            return None;
        }
        self.tokens
            .windows(phrase.len())
            .position(|w| w.iter().zip(phrase).all(|(a, b)| a.as_str() == b.as_ref()))
    }
}

/// Splits `text` into normalised tokens (see the module documentation).
#[cfg(test)]
pub(crate) fn tokenize(text: &str) -> Vec<String> {
    merge_pairs(tokenize_words(text))
}

/// Splits `text` into normalised words, without merging pairs.
pub(crate) fn tokenize_words(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let c = straighten(c);
        if c.is_alphanumeric() || c == '\'' {
            for lower in c.to_lowercase() {
                current.push(fold_accent(lower));
            }
        } else if !current.is_empty() {
            push_token(&mut tokens, std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        push_token(&mut tokens, current);
    }
    tokens
}

fn push_token(tokens: &mut Vec<String>, raw: String) {
    let word: String = raw.chars().filter(|c| *c != '\'').collect();
    if !word.is_empty() {
        tokens.push(word);
    }
}

/// `opt out` → `optout`, `opt in` → `optin`, `e mail` → `email`.
fn merge_pairs(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    for t in tokens {
        let merged = match (out.last().map(String::as_str), t.as_str()) {
            (Some("opt"), "out") => Some("optout"),
            (Some("opt"), "in") => Some("optin"),
            (Some("e"), "mail") => Some("email"),
            (Some("e"), "mails") => Some("emails"),
            _ => None,
        };
        match merged {
            Some(m) => {
                out.pop();
                out.push(m.to_string());
            }
            None => out.push(t),
        }
    }
    out
}

fn straighten(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}' => '\'',
        _ => c,
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_case_and_apostrophes_are_normalised() {
        assert_eq!(
            tokenize("  I CAN’T breathe!!  "),
            vec!["i", "cant", "breathe"]
        );
        assert_eq!(tokenize("Opt-Out"), vec!["optout"]);
        assert_eq!(tokenize("E-mail me"), vec!["email", "me"]);
        assert_eq!(tokenize("ARRÊT"), vec!["arret"]);
        assert_eq!(Normalized::new("Stop all.").key, "stopall");
        assert!(tokenize("👍🏽 ... !!").is_empty());
    }

    #[test]
    fn phrases_match_whole_tokens_only() {
        let n = Normalized::new("My gums are bleeding badly");
        assert_eq!(n.find_phrase(&["bleeding"]), Some(3));
        assert_eq!(n.find_phrase(&["bleed"]), None);
        assert_eq!(n.find_phrase(&["are", "bleeding"]), Some(2));
        assert_eq!(n.find_phrase::<&str>(&[]), None);
    }
}

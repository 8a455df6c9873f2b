//! Tests of [`classify`]: real-world phrasings, table-driven, plus property tests.

use proptest::prelude::*;

use crate::domain::{Channel, PracticeSettings};
use crate::policy::keywords::{
    classify, is_cancel_visit, is_opt_out_word, Intent, HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS,
};
use crate::policy::text_normalize::Normalized;

fn keywords() -> Vec<String> {
    PracticeSettings::default().emergency_keywords
}

fn check(cases: &[(&str, Intent)]) {
    let kw = keywords();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = classify(text, &kw);
            (got != *want).then(|| format!("{text:?}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn carrier_opt_out_words_alone_opt_out_whatever_their_case_or_punctuation() {
    use Intent::OptOut;
    check(&[
        ("STOP", OptOut),
        ("stop", OptOut),
        ("Stop.", OptOut),
        ("  STOP!!!  ", OptOut),
        ("\"stop\"", OptOut),
        ("StopAll", OptOut),
        ("STOP ALL", OptOut),
        ("Unsubscribe", OptOut),
        ("END", OptOut),
        ("quit", OptOut),
        ("Revoke", OptOut),
        ("OPTOUT", OptOut),
        ("opt-out", OptOut),
        ("Opt out", OptOut),
        ("REMOVE", OptOut),
        ("Cancel", OptOut),
        ("CANCEL!", OptOut),
        ("ARRET", OptOut),
        ("Arrêt", OptOut),
        ("TD", OptOut),
        ("STOP 😡", OptOut),
        ("stop\n", OptOut),
    ]);
}

#[test]
fn an_opt_out_word_leading_a_short_message_opts_out() {
    use Intent::OptOut;
    check(&[
        ("STOP please", OptOut),
        ("Stop texting me", OptOut),
        ("stop texting me!!", OptOut),
        ("Please stop", OptOut),
        ("please stop texting me", OptOut),
        ("Stop sending me these messages", OptOut),
        ("stop it", OptOut),
        ("STOP STOP STOP", OptOut),
        ("Stop now thanks", OptOut),
        ("Unsubscribe me", OptOut),
        ("unsubscribe me from this list", OptOut),
        ("Can you unsubscribe me please", OptOut),
        ("I want to opt out", OptOut),
        ("I'd like to unsubscribe", OptOut),
        ("Remove me", OptOut),
        ("remove me from your list please", OptOut),
        ("Remove my number", OptOut),
        ("Cancel all texts", OptOut),
        ("cancel my subscription", OptOut),
        ("Cancel these reminders", OptOut),
        ("End texts", OptOut),
        ("quit messaging me", OptOut),
        (
            "Stop texting me, I already confirmed with the front desk",
            OptOut,
        ),
        ("Stop contacting me", OptOut),
        ("Stop! Who is this?", OptOut),
        ("Thanks. STOP", OptOut),
        ("Who is this? Stop.", OptOut),
        ("Don't text me", OptOut),
        ("Do not text me anymore", OptOut),
        ("No more texts please", OptOut),
        ("never message me again", OptOut),
        ("opt me out", OptOut),
        ("Please take me off your list", OptOut),
        ("STOP ALL", OptOut),
        ("Unsubscribe from all", OptOut),
    ]);
}

#[test]
fn cancelling_an_appointment_is_not_an_opt_out() {
    use Intent::CancelAppointment;
    check(&[
        ("cancel my appointment", CancelAppointment),
        ("Cancel my appt", CancelAppointment),
        ("I need to cancel my appt", CancelAppointment),
        ("I need to cancel my appointment please", CancelAppointment),
        ("can I cancel tomorrow's visit", CancelAppointment),
        ("Can I cancel tomorrow’s visit?", CancelAppointment),
        ("Please cancel", CancelAppointment),
        ("cancel please", CancelAppointment),
        ("cancel it", CancelAppointment),
        ("Cancel the cleaning on Friday", CancelAppointment),
        ("I have to cancel, sorry", CancelAppointment),
        ("CANCEL VISIT", CancelAppointment),
        ("cancel visit", CancelAppointment),
        ("I'd like to cancel", CancelAppointment),
        ("Need to cancel for Tuesday", CancelAppointment),
        ("cancellation", CancelAppointment),
        ("I can't make it, please cancel", CancelAppointment),
    ]);
}

#[test]
fn ambiguous_opt_out_words_inside_ordinary_sentences_are_not_opt_outs() {
    check(&[
        ("End of day works for me", Intent::FreeText),
        ("Stop by after lunch?", Intent::FreeText),
        ("Can I stop by to drop off forms?", Intent::FreeText),
        ("Start time?", Intent::FreeText),
        ("What time does it end", Intent::FreeText),
        (
            "remove the old insurance card from my file",
            Intent::FreeText,
        ),
        ("I stopped taking the antibiotics", Intent::FreeText),
        ("Stop calling me", Intent::FreeText),
        ("stop emailing me", Intent::FreeText),
    ]);
}

#[test]
fn opt_in_and_help_keywords_are_recognised() {
    check(&[
        ("START", Intent::OptIn),
        ("start", Intent::OptIn),
        ("Unstop", Intent::OptIn),
        ("Start again please", Intent::OptIn),
        ("start texting me again", Intent::OptIn),
        ("HELP", Intent::Help),
        ("help?", Intent::Help),
        ("Info", Intent::Help),
        ("info please", Intent::Help),
        ("help me", Intent::FreeText),
        ("YES", Intent::Confirm),
    ]);
}

#[test]
fn confirmations_in_many_phrasings_confirm() {
    use Intent::Confirm;
    check(&[
        ("C", Confirm),
        ("c", Confirm),
        ("C.", Confirm),
        ("C thanks", Confirm),
        ("Y", Confirm),
        ("yes", Confirm),
        ("YES!!", Confirm),
        ("Yes.", Confirm),
        ("Yep", Confirm),
        ("yup", Confirm),
        ("Yeah", Confirm),
        ("Confirm", Confirm),
        ("CONFIRMED", Confirm),
        ("Confirmed, thank you!", Confirm),
        ("👍", Confirm),
        ("👍🏻", Confirm),
        ("👍🏼", Confirm),
        ("👍🏽", Confirm),
        ("👍🏾", Confirm),
        ("👍🏿", Confirm),
        ("👍👍", Confirm),
        (" 👍️ ", Confirm),
        ("✅", Confirm),
        ("Yes 👍", Confirm),
        ("yes I'll be there", Confirm),
        ("Yes I’ll be there", Confirm),
        ("Yes, I will be there. Thanks!", Confirm),
        ("yes we will be there", Confirm),
        ("see you then", Confirm),
        ("See you then!", Confirm),
        ("Great, see you tomorrow", Confirm),
        ("Thanks, see you then 👍", Confirm),
        ("I'll be there", Confirm),
        ("I will be there on time", Confirm),
        ("Yes please", Confirm),
        ("Yes thank you so much", Confirm),
        ("yes confirmed", Confirm),
        ("Count me in", Confirm),
        ("I confirm", Confirm),
        ("Can't wait, see you then", Confirm),
        ("OK see you then", Confirm),
    ]);
}

#[test]
fn things_that_look_like_confirmations_but_are_not() {
    check(&[
        ("I won't be there", Intent::Reschedule),
        ("I will not be there", Intent::Reschedule),
        ("Yes but I'll be 10 minutes late", Intent::FreeText),
        ("I'll be there but running late", Intent::FreeText),
        ("Will you be there?", Intent::FreeText),
        ("ok", Intent::FreeText),
        ("Ok thanks", Intent::FreeText),
        ("sounds good", Intent::FreeText),
        ("Thanks!", Intent::FreeText),
        ("👎", Intent::FreeText),
        ("Yes stop", Intent::FreeText),
        ("Is my appointment confirmed?", Intent::FreeText),
    ]);
}

#[test]
fn reschedule_requests_in_many_phrasings_reschedule() {
    use Intent::Reschedule;
    check(&[
        ("R", Reschedule),
        ("r", Reschedule),
        ("R please", Reschedule),
        ("RESCHEDULE", Reschedule),
        ("I need to reschedule", Reschedule),
        ("can we move it", Reschedule),
        ("Can we move it to Friday?", Reschedule),
        ("Could I move my appointment to next week", Reschedule),
        ("need to change my appt", Reschedule),
        ("can we change the time", Reschedule),
        ("Is there a different time available", Reschedule),
        ("Another day would be better", Reschedule),
        ("Can you move me to next week", Reschedule),
        ("can I reschedule?", Reschedule),
        ("Yes please reschedule", Reschedule),
        ("Can you push it back an hour", Reschedule),
        ("I'd like to rebook", Reschedule),
        ("postpone please", Reschedule),
        ("I can't make it tomorrow", Reschedule),
        ("Cant make it", Reschedule),
        ("I won't be able to make it", Reschedule),
        ("Something came up, sorry", Reschedule),
        ("Cancel and rebook for next month please", Reschedule),
        ("Can you call me to reschedule", Reschedule),
    ]);
}

#[test]
fn channel_switch_requests_name_the_channel() {
    check(&[
        ("EMAIL", Intent::SwitchChannel(Channel::Email)),
        ("email me instead", Intent::SwitchChannel(Channel::Email)),
        (
            "E-mail me instead please",
            Intent::SwitchChannel(Channel::Email),
        ),
        (
            "Can you email me instead",
            Intent::SwitchChannel(Channel::Email),
        ),
        ("I prefer email", Intent::SwitchChannel(Channel::Email)),
        (
            "please send reminders by email",
            Intent::SwitchChannel(Channel::Email),
        ),
        (
            "No more texts, email only",
            Intent::SwitchChannel(Channel::Email),
        ),
        (
            "Don't text me, email me",
            Intent::SwitchChannel(Channel::Email),
        ),
        (
            "email rather than text",
            Intent::SwitchChannel(Channel::Email),
        ),
        ("text me", Intent::SwitchChannel(Channel::Sms)),
        ("Text me instead", Intent::SwitchChannel(Channel::Sms)),
        ("SMS", Intent::SwitchChannel(Channel::Sms)),
        ("sms please", Intent::SwitchChannel(Channel::Sms)),
        ("text, not email", Intent::SwitchChannel(Channel::Sms)),
        (
            "I'd rather be contacted by text",
            Intent::SwitchChannel(Channel::Sms),
        ),
        ("email me the forms", Intent::FreeText),
        ("Can you text me the address", Intent::FreeText),
        ("email or text", Intent::FreeText),
        ("text me when the doctor is ready", Intent::FreeText),
    ]);
}

#[test]
fn call_requests_are_call_me_and_refusals_are_not() {
    check(&[
        ("CALL ME", Intent::CallMe),
        ("call me", Intent::CallMe),
        ("Call me please", Intent::CallMe),
        ("please call", Intent::CallMe),
        ("Please call me back", Intent::CallMe),
        ("can you call me", Intent::CallMe),
        ("Can you call me when you get a chance?", Intent::CallMe),
        ("could someone call me", Intent::CallMe),
        ("Give me a call", Intent::CallMe),
        ("call", Intent::CallMe),
        ("I'd like to speak to someone", Intent::CallMe),
        ("I prefer phone calls", Intent::CallMe),
        ("Please call instead of texting", Intent::CallMe),
        ("Don't call me", Intent::FreeText),
        ("please do not call me", Intent::FreeText),
        ("I'll call you tomorrow", Intent::FreeText),
    ]);
}

#[test]
fn emergency_keywords_win_over_everything_but_a_bare_opt_out_word() {
    use Intent::Emergency;
    check(&[
        ("My face is swelling", Emergency),
        ("SWELLING", Emergency),
        ("it won't stop bleeding", Emergency),
        ("Stop, I'm bleeding", Emergency),
        ("STOP texting me, this is an emergency", Emergency),
        ("I have severe pain", Emergency),
        ("Severe   PAIN!!", Emergency),
        ("I can't breathe", Emergency),
        ("I can’t breathe", Emergency),
        ("I cant breathe", Emergency),
        ("Is this an emergency? Cancel my appointment", Emergency),
        ("yes 👍 but chest pain since this morning", Emergency),
        ("not an emergency, just checking", Emergency),
        ("Emergency!", Emergency),
        // No negation handling: a person looks.
        ("I'm not bleeding anymore, see you then", Emergency),
        // Whole words only.
        ("bleed", Intent::FreeText),
        ("painful swellings", Intent::FreeText),
        ("severe", Intent::FreeText),
    ]);
}

#[test]
fn the_practices_own_emergency_list_is_used() {
    let kw = vec!["Knocked out".to_string(), "ABSCESS".to_string()];
    assert_eq!(classify("tooth got knocked-out!", &kw), Intent::Emergency);
    assert_eq!(classify("I think it's an abscess", &kw), Intent::Emergency);
    assert_eq!(classify("my face is swelling", &kw), Intent::FreeText);
    assert_eq!(classify("swelling", &[]), Intent::FreeText);
    let odd = vec!["   ".to_string(), "!!".to_string(), String::new()];
    assert_eq!(classify("hello", &odd), Intent::FreeText);
}

#[test]
fn a_bare_opt_out_word_beats_an_emergency_keyword_that_is_the_same_word() {
    let kw = vec!["stop".to_string(), "end".to_string()];
    assert_eq!(classify("STOP", &kw), Intent::OptOut);
    assert_eq!(classify("End.", &kw), Intent::OptOut);
    assert_eq!(classify("I can't stop shaking", &kw), Intent::Emergency);
}

#[test]
fn a_lone_digit_from_one_to_five_is_a_rating() {
    check(&[
        ("1", Intent::Rating(1)),
        ("2", Intent::Rating(2)),
        ("3.", Intent::Rating(3)),
        (" 4 ", Intent::Rating(4)),
        ("5!", Intent::Rating(5)),
        ("5 stars", Intent::Rating(5)),
        ("4/5", Intent::Rating(4)),
        ("3 out of 5", Intent::Rating(3)),
        ("⭐⭐⭐⭐⭐", Intent::Rating(5)),
        ("⭐", Intent::Rating(1)),
        ("0", Intent::FreeText),
        ("6", Intent::FreeText),
        ("10", Intent::FreeText),
        ("4.5", Intent::FreeText),
        ("⭐⭐⭐⭐⭐⭐", Intent::FreeText),
        ("55", Intent::FreeText),
    ]);
}

#[test]
fn everything_else_is_free_text_for_staff() {
    check(&[
        ("", Intent::FreeText),
        ("   ", Intent::FreeText),
        ("...", Intent::FreeText),
        ("What should I bring?", Intent::FreeText),
        ("Do you take Delta Dental?", Intent::FreeText),
        ("Running 10 min late", Intent::FreeText),
        ("Who is this", Intent::FreeText),
        ("My tooth hurts a little", Intent::FreeText),
        ("🦷", Intent::FreeText),
    ]);
}

#[test]
fn the_cancel_visit_answer_is_recognised_so_the_clarification_is_sent_once() {
    for yes in [
        "CANCEL VISIT",
        "cancel visit please",
        "Cancel my appointment",
        "cancel appt",
    ] {
        assert!(is_cancel_visit(yes), "{yes:?}");
    }
    for no in ["CANCEL", "STOP", "cancel please", "cancel my subscription"] {
        assert!(!is_cancel_visit(no), "{no:?}");
    }
}

#[test]
fn the_exported_word_lists_match_what_is_matched() {
    let kw = keywords();
    for w in OPT_OUT_WORDS {
        assert!(is_opt_out_word(w), "{w}");
        assert_eq!(classify(w, &kw), Intent::OptOut, "{w}");
        assert_eq!(classify(&w.to_lowercase(), &kw), Intent::OptOut, "{w}");
    }
    for w in OPT_IN_WORDS {
        assert_eq!(classify(w, &kw), Intent::OptIn, "{w}");
    }
    for w in HELP_WORDS {
        assert_eq!(classify(w, &kw), Intent::Help, "{w}");
    }
    assert!(!is_opt_out_word("YES"));
    assert!(!is_opt_out_word("START"));
    assert!(!is_opt_out_word(""));
}

#[test]
fn intents_have_stable_labels() {
    assert_eq!(Intent::OptOut.as_str(), "opt_out");
    assert_eq!(
        Intent::SwitchChannel(Channel::Email).as_str(),
        "switch_channel"
    );
    assert_eq!(
        serde_json::to_value(Intent::Rating(4)).unwrap(),
        serde_json::json!({"intent": "rating", "value": 4})
    );
    assert_eq!(Normalized::new("Opt-Out").key, "optout");
}

/// Random case for every character of `word`.
fn random_case(word: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<bool>(), word.len()).prop_map(move |upper| {
        word.chars()
            .zip(upper)
            .map(|(c, u)| {
                if u {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

fn padding() -> impl Strategy<Value = String> {
    "[ \\t\\n.,!?;:\"'()*~-]{0,6}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_opt_out_word_in_any_case_with_any_surrounding_punctuation_opts_out(
        word in prop::sample::select(OPT_OUT_WORDS.to_vec()).prop_flat_map(random_case),
        before in padding(),
        after in padding(),
        extra_keywords in prop::collection::vec("[a-z ]{1,12}", 0..4),
    ) {
        let mut kw = keywords();
        kw.extend(extra_keywords);
        let text = format!("{before}{word}{after}");
        prop_assert_eq!(classify(&text, &kw), Intent::OptOut, "{:?}", text);
    }

    #[test]
    fn any_opt_out_word_leading_a_polite_request_opts_out(
        word in prop::sample::select(
            vec!["STOP", "STOPALL", "UNSUBSCRIBE", "QUIT", "REVOKE", "OPT-OUT", "ARRET"],
        )
        .prop_flat_map(random_case),
        tail in prop::sample::subsequence(
            vec!["please", "now", "thanks", "texting", "me", "all", "messages"],
            0..4,
        ),
    ) {
        let text = format!("{word} {}", tail.join(" "));
        prop_assert_eq!(classify(&text, &keywords()), Intent::OptOut, "{:?}", text);
    }

    #[test]
    fn classifying_random_text_never_panics(
        text in any::<String>(),
        kw in prop::collection::vec(any::<String>(), 0..5),
    ) {
        let _ = classify(&text, &kw);
        let _ = is_cancel_visit(&text);
        let _ = is_opt_out_word(&text);
    }

    #[test]
    fn classifying_random_words_never_panics(
        words in prop::collection::vec("[A-Za-z0-9'’!?., 👍🏽⭐-]{0,12}", 0..20),
    ) {
        let _ = classify(&words.join(" "), &keywords());
    }

    #[test]
    fn a_message_containing_an_emergency_keyword_is_an_emergency_unless_it_is_a_bare_opt_out_word(
        keyword in prop_oneof![
            prop::sample::select(keywords()),
            "[a-z]{3,10}( [a-z]{3,10})?",
            prop::sample::select(
                ["stop", "cancel", "help", "yes"].map(String::from).to_vec(),
            ),
        ],
        before in prop::collection::vec("[A-Za-z']{1,10}", 0..6),
        after in prop::collection::vec("[A-Za-z']{1,10}", 0..6),
        sep in "[ ,.!?\\n]{1,3}",
        shout in any::<bool>(),
    ) {
        let keyword = if shout { keyword.to_uppercase() } else { keyword };
        let mut parts = before;
        parts.push(keyword.clone());
        parts.extend(after);
        let text = parts.join(&sep);
        let kw = vec![keyword.to_lowercase()];
        let want = if is_opt_out_word(&text) { Intent::OptOut } else { Intent::Emergency };
        prop_assert_eq!(classify(&text, &kw), want, "{:?} with {:?}", text, kw);
    }

    #[test]
    fn a_lone_digit_is_a_rating_exactly_when_it_is_one_to_five(d in 0u8..10, pad in padding()) {
        let got = classify(&format!("{pad}{d}{pad}"), &keywords());
        let want = if (1..=5).contains(&d) { Intent::Rating(d) } else { Intent::FreeText };
        prop_assert_eq!(got, want);
    }

    #[test]
    fn a_thumbs_up_with_any_skin_tone_confirms(
        tones in prop::collection::vec(prop::option::of(0x1F3FBu32..=0x1F3FF), 1..4),
        pad in "[ ]{0,3}",
    ) {
        let text: String = tones
            .iter()
            .map(|t| {
                let mut s = String::from('\u{1F44D}');
                if let Some(c) = t.and_then(char::from_u32) {
                    s.push(c);
                }
                s
            })
            .collect();
        prop_assert_eq!(classify(&format!("{pad}{text}{pad}"), &keywords()), Intent::Confirm);
    }
}

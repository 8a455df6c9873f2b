//! The message templates (minijinja), compiled once by [`super::templates`].
//!
//! Writing rules, checked by the tests:
//! - Patient texts start with the practice name, so the patient knows who is writing.
//! - Only plain ASCII in the fixed wording, so an SMS stays in the GSM-7 alphabet
//!   (160 characters a segment rather than 70).
//! - One text, one segment: every care SMS fits 160 GSM-7 characters with a 25-character
//!   practice name and a 12-character first name in its longest context; a review request
//!   fits 2 segments. `segments_tests.rs` renders every SMS template to prove it.
//! - Minimum necessary: the templates only ever see the details the context constructors
//!   allowed (see [`super::template_context`]). No template names a procedure unless it
//!   was handed one.
//! - Automated texts to patients end with how to opt out. Reminders ask for C or R and
//!   never suggest replying CANCEL (a carrier opt-out word).

/// Every template: (name, source). Names end in `.txt`, so nothing is HTML-escaped.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    (REMINDER_SMS, REMINDER_SMS_SRC),
    (
        REMINDER_EMAIL_SUBJECT,
        "Reminder: your appointment at {{ practice }} on {{ when }}",
    ),
    (REMINDER_EMAIL_TEXT, REMINDER_EMAIL_TEXT_SRC),
    (REMINDER_CALL_SCRIPT, REMINDER_CALL_SCRIPT_SRC),
    (REMINDER_VOICEMAIL, REMINDER_VOICEMAIL_SRC),
    (DAY_OF_SMS, DAY_OF_SMS_SRC),
    (
        DAY_OF_EMAIL_SUBJECT,
        "See you today at {{ time }} - {{ practice }}",
    ),
    (DAY_OF_EMAIL_TEXT, DAY_OF_EMAIL_TEXT_SRC),
    (NO_SHOW_CALL_SCRIPT, NO_SHOW_CALL_SCRIPT_SRC),
    (NO_SHOW_VOICEMAIL, NO_SHOW_VOICEMAIL_SRC),
    (NO_SHOW_SMS, NO_SHOW_SMS_SRC),
    (NO_SHOW_EMAIL_SUBJECT, "We missed you, {{ first_name }}"),
    (NO_SHOW_EMAIL_TEXT, NO_SHOW_EMAIL_TEXT_SRC),
    (REVIEW_SMS, REVIEW_SMS_SRC),
    (
        REVIEW_EMAIL_SUBJECT,
        "How was your visit to {{ practice }}?",
    ),
    (REVIEW_EMAIL_TEXT, REVIEW_EMAIL_TEXT_SRC),
    (REPLY_OFFICE_HOURS_ACK, REPLY_OFFICE_HOURS_ACK_SRC),
    (REPLY_AFTER_HOURS, REPLY_AFTER_HOURS_SRC),
    (REPLY_HELP, REPLY_HELP_SRC),
    (REPLY_OPT_OUT, REPLY_OPT_OUT_SRC),
    (REPLY_OPT_IN, REPLY_OPT_IN_SRC),
    (REPLY_CANCEL_CLARIFY, REPLY_CANCEL_CLARIFY_SRC),
    (REPLY_CONFIRM_THANKS, REPLY_CONFIRM_THANKS_SRC),
    (REPLY_RESCHEDULE_ACK, REPLY_RESCHEDULE_ACK_SRC),
    (REPLY_EMERGENCY, REPLY_EMERGENCY_SRC),
    (REPLY_CALL_SUGGESTION, REPLY_CALL_SUGGESTION_SRC),
    (REPLY_CHANNEL_SWITCH, REPLY_CHANNEL_SWITCH_SRC),
    (REPLY_CALL_REQUEST, REPLY_CALL_REQUEST_SRC),
    (REPLY_RATING_THANKS, REPLY_RATING_THANKS_SRC),
    (EMERGENCY_FORWARD_SMS, EMERGENCY_FORWARD_SMS_SRC),
    (
        EMERGENCY_FORWARD_EMAIL_SUBJECT,
        "URGENT patient message - {{ practice }}",
    ),
    (
        EMERGENCY_FORWARD_EMAIL_TEXT,
        EMERGENCY_FORWARD_EMAIL_TEXT_SRC,
    ),
];

pub(crate) const REMINDER_SMS: &str = "reminder_sms.txt";
pub(crate) const REMINDER_EMAIL_SUBJECT: &str = "reminder_email_subject.txt";
pub(crate) const REMINDER_EMAIL_TEXT: &str = "reminder_email_text.txt";
pub(crate) const REMINDER_CALL_SCRIPT: &str = "reminder_call_script.txt";
pub(crate) const REMINDER_VOICEMAIL: &str = "reminder_voicemail.txt";
pub(crate) const DAY_OF_SMS: &str = "day_of_sms.txt";
pub(crate) const DAY_OF_EMAIL_SUBJECT: &str = "day_of_email_subject.txt";
pub(crate) const DAY_OF_EMAIL_TEXT: &str = "day_of_email_text.txt";
pub(crate) const NO_SHOW_CALL_SCRIPT: &str = "no_show_call_script.txt";
pub(crate) const NO_SHOW_VOICEMAIL: &str = "no_show_voicemail.txt";
pub(crate) const NO_SHOW_SMS: &str = "no_show_sms.txt";
pub(crate) const NO_SHOW_EMAIL_SUBJECT: &str = "no_show_email_subject.txt";
pub(crate) const NO_SHOW_EMAIL_TEXT: &str = "no_show_email_text.txt";
pub(crate) const REVIEW_SMS: &str = "review_sms.txt";
pub(crate) const REVIEW_EMAIL_SUBJECT: &str = "review_email_subject.txt";
pub(crate) const REVIEW_EMAIL_TEXT: &str = "review_email_text.txt";
pub(crate) const REPLY_OFFICE_HOURS_ACK: &str = "reply_office_hours_ack.txt";
pub(crate) const REPLY_AFTER_HOURS: &str = "reply_after_hours.txt";
pub(crate) const REPLY_HELP: &str = "reply_help.txt";
pub(crate) const REPLY_OPT_OUT: &str = "reply_opt_out.txt";
pub(crate) const REPLY_OPT_IN: &str = "reply_opt_in.txt";
pub(crate) const REPLY_CANCEL_CLARIFY: &str = "reply_cancel_clarify.txt";
pub(crate) const REPLY_CONFIRM_THANKS: &str = "reply_confirm_thanks.txt";
pub(crate) const REPLY_RESCHEDULE_ACK: &str = "reply_reschedule_ack.txt";
pub(crate) const REPLY_EMERGENCY: &str = "reply_emergency.txt";
pub(crate) const REPLY_CALL_SUGGESTION: &str = "reply_call_suggestion.txt";
pub(crate) const REPLY_CHANNEL_SWITCH: &str = "reply_channel_switch.txt";
pub(crate) const REPLY_CALL_REQUEST: &str = "reply_call_request.txt";
pub(crate) const REPLY_RATING_THANKS: &str = "reply_rating_thanks.txt";
pub(crate) const EMERGENCY_FORWARD_SMS: &str = "emergency_forward_sms.txt";
pub(crate) const EMERGENCY_FORWARD_EMAIL_SUBJECT: &str = "emergency_forward_email_subject.txt";
pub(crate) const EMERGENCY_FORWARD_EMAIL_TEXT: &str = "emergency_forward_email_text.txt";

// --- Reminders -------------------------------------------------------------------------

const REMINDER_SMS_SRC: &str = "{{ practice }}: Hi {{ first_name }}, your \
{% if procedure %}{{ procedure }} {% endif %}visit is {{ when }}. \
Reply C to confirm or R to reschedule. Reply STOP to opt out.";

const REMINDER_EMAIL_TEXT_SRC: &str = "\
Hi {{ first_name }},

This is a reminder from {{ practice }} of your {% if procedure %}{{ procedure }} {% endif %}\
appointment on {{ when }}.

Reply C to confirm or R to reschedule{% if callback %}, or call us at {{ callback }}{% endif %}.

{{ practice }}

Reply STOP to opt out of these emails.
";

const REMINDER_CALL_SCRIPT_SRC: &str = "\
Reminder call to {{ patient_name }} at {{ patient_phone }} about their appointment on {{ when }}\
{% if staff_provider %} with {{ staff_provider }}{% endif %}.{% if staff_procedure %}
For your reference only, do not leave on voicemail: {{ staff_procedure }}.{% endif %}

1. Say: \"Hello, this is [your name] from {{ practice }}. May I speak with {{ first_name }}?\"
2. Only once you are speaking with {{ first_name }}: \"I'm calling to remind you of your \
appointment on {{ when }}. Can we count on seeing you?\"
3. If yes, mark the appointment confirmed. If they need another time, offer options and \
reschedule. If they want to cancel, cancel it and offer to rebook.
4. If you reach voicemail, leave only the voicemail message and nothing else.
";

const REMINDER_VOICEMAIL_SRC: &str = "Hello, this message is for {{ first_name }} from \
{{ practice }}. We're calling about your {% if voicemail_procedure %}{{ voicemail_procedure }} \
{% endif %}appointment on {{ when }}. Please call us back{% if callback %} at {{ callback }}\
{% endif %}. Thank you.";

const DAY_OF_SMS_SRC: &str = "{{ practice }}: Hi {{ first_name }}, see you today at \
{{ time }}. Reply R if you need to reschedule. Reply STOP to opt out.";

const DAY_OF_EMAIL_TEXT_SRC: &str = "\
Hi {{ first_name }},

Thanks for confirming. We'll see you today at {{ time }}.

If you need to reschedule, reply R{% if callback %} or call us at {{ callback }}{% endif %}.

{{ practice }}

Reply STOP to opt out of these emails.
";

// --- No-shows --------------------------------------------------------------------------

const NO_SHOW_CALL_SCRIPT_SRC: &str = "\
Wellbeing call to {{ patient_name }} at {{ patient_phone }}: they missed their appointment \
{{ missed_day }} at {{ missed_time }}. This is a caring call, not a reprimand.\
{% if staff_procedure %}
For your reference only, do not leave on voicemail: {{ staff_procedure }}.{% endif %}

1. Say: \"Hello, this is [your name] from {{ practice }}. May I speak with {{ first_name }}?\"
2. Only once you are speaking with {{ first_name }}: \"We missed you {{ missed_day }} and \
hope you're alright. Is everything OK?\"
3. Listen first. If they are unwell or something has happened, help and note it on the task.
4. Offer to rebook: \"We're holding options to rebook soon. Would one of those suit you?\"
5. If you reach voicemail, leave only the voicemail message and nothing else.
";

const NO_SHOW_VOICEMAIL_SRC: &str = "Hello, this is {{ practice }} calling for \
{{ first_name }}. We missed you {{ missed_day }}{% if voicemail_procedure %} at your \
{{ voicemail_procedure }} appointment{% endif %} and hope you're alright. Please call us \
back{% if callback %} directly at {{ callback }}{% endif %}: we're holding options to rebook \
soon. Thank you.";

const NO_SHOW_SMS_SRC: &str = "{{ practice }}: Hi {{ first_name }}, we missed you \
{{ missed_day }} and hope you're OK. Reply R to rebook\
{% if callback %} or call {{ callback }}{% endif %}. Reply STOP to opt out.";

const NO_SHOW_EMAIL_TEXT_SRC: &str = "\
Hi {{ first_name }},

We missed you {{ missed_day }} at {{ practice }} and hope you're alright.

We're holding options to rebook soon. Reply R to this email\
{% if callback %} or call us at {{ callback }}{% endif %} and we'll find a time that suits you.

{{ practice }}

Reply STOP to opt out of these emails.
";

// --- Reviews ---------------------------------------------------------------------------

const REVIEW_SMS_SRC: &str = "{{ practice }}: Thanks for visiting, {{ first_name }}! \
If you have a moment, please review us: {{ review_url }}
Anything we could do better? {% if feedback_url %}Tell us privately: {{ feedback_url }}\
{% else %}Just reply to this message, it comes straight to our team.{% endif %}
Reply STOP to opt out.";

const REVIEW_EMAIL_TEXT_SRC: &str = "\
Hi {{ first_name }},

Thank you for visiting {{ practice }}. If you have a moment, we'd be grateful for a review:
{{ review_url }}

Anything we could do better? {% if feedback_url %}Tell us privately: {{ feedback_url }}\
{% else %}Just reply to this email, it comes straight to our team.{% endif %}

{{ practice }}

Reply STOP to opt out of these emails.
";

// --- Replies to inbound texts ----------------------------------------------------------

const REPLY_OFFICE_HOURS_ACK_SRC: &str = "{{ practice }}: Thanks\
{% if first_name %}, {{ first_name }}{% endif %}, we got your message. Someone from our \
team will get back to you shortly.";

const REPLY_AFTER_HOURS_SRC: &str = "{{ practice }}: Thanks for your message. We're \
closed; we'll reply {% if next_opening %}when we open {{ next_opening }}\
{% else %}as soon as we can{% endif %}. If it's life-threatening, call \
{{ emergency_number }}.";

const REPLY_HELP_SRC: &str = "{{ practice }}: appointment reminders and messages.\
{% if callback %} For help, call {{ callback }}.{% endif %} Reply STOP to opt out. \
Msg & data rates may apply.";

const REPLY_OPT_OUT_SRC: &str = "{{ practice }}: You're unsubscribed and will get no more \
texts from us. Reply START to resubscribe.";

const REPLY_OPT_IN_SRC: &str = "{{ practice }}: You're subscribed to appointment texts \
again. Reply HELP for help, STOP to opt out. Msg & data rates may apply.";

const REPLY_CANCEL_CLARIFY_SRC: &str = "{{ practice }}: Did you mean your appointment or our \
texts? Reply CANCEL VISIT to cancel your appointment, or STOP to stop texts.";

const REPLY_CONFIRM_THANKS_SRC: &str = "{{ practice }}: Thanks\
{% if first_name %}, {{ first_name }}{% endif %}! {% if when %}You're confirmed for \
{{ when }}. See you then.{% else %}We've noted your reply.{% endif %}";

const REPLY_RESCHEDULE_ACK_SRC: &str = "{{ practice }}: Thanks\
{% if first_name %}, {{ first_name }}{% endif %}. We'll be in touch \
{% if office_open %}shortly{% elif next_opening %}when we open {{ next_opening }}\
{% else %}soon{% endif %} to find a new time{% if callback %}, or call us at \
{{ callback }}{% endif %}.";

const REPLY_EMERGENCY_SRC: &str = "{{ practice }}: If this is life-threatening, call \
{{ emergency_number }} now. {% if on_call_alerted %}We've alerted our on-call team and \
someone will contact you as soon as possible.{% else %}We've marked your message urgent \
for our team{% if callback %}; you can also call {{ callback }}{% endif %}.{% endif %}";

const REPLY_CALL_SUGGESTION_SRC: &str = "{{ practice }}: This might be easier by phone. \
{% if callback %}Call us at {{ callback }}, or reply{% else %}Reply{% endif %} CALL ME and \
we'll call you.";

const REPLY_CHANNEL_SWITCH_SRC: &str = "{{ practice }}: Done. We'll contact you by \
{{ channel_name }} from now on.{% if not address_on_file %} We don't have your \
{{ address_name }} yet; please send it{% if callback %} or call {{ callback }}\
{% endif %}.{% endif %}";

const REPLY_CALL_REQUEST_SRC: &str = "{{ practice }}: Thanks. Someone from our team will \
call you {% if office_open %}shortly{% elif next_opening %}when we open {{ next_opening }}\
{% else %}soon{% endif %}.";

const REPLY_RATING_THANKS_SRC: &str = "{{ practice }}: Thank you for your rating\
{% if first_name %}, {{ first_name }}{% endif %}.{% if low %} We're sorry we fell short. \
Someone from our team will reach out to make it right.{% endif %}";

// --- To the on-call team ---------------------------------------------------------------

const EMERGENCY_FORWARD_SMS_SRC: &str = "{{ practice }} URGENT: emergency text from \
{{ patient_label }} at {{ received }}. Call back {{ reply_phone }}. Details in the task \
list.";

const EMERGENCY_FORWARD_EMAIL_TEXT_SRC: &str = "\
A patient message matched an emergency keyword at {{ received }}.

Patient: {{ patient_label }}
Call back: {{ reply_phone }}

The message and the patient's record are in the Frontdesk task list. This email carries no \
more than is needed to call back.

{{ practice }}
";

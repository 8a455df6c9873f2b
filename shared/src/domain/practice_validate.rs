//! Checking a practice's settings as a whole, on every write, with errors that name the
//! field and say what is allowed.

use super::{DomainError, PracticeSettings, ReminderOffset};

fn invalid(field: &'static str, reason: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn check_url(field: &'static str, v: &Option<String>) -> Result<(), DomainError> {
    if let Some(u) = v {
        let ok = (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() <= 500
            && !u.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(invalid(
                field,
                "must be an http(s) URL of at most 500 characters",
            ));
        }
    }
    Ok(())
}

impl PracticeSettings {
    /// Checks the whole settings object; called on every write.
    pub fn validate(&self) -> Result<(), DomainError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid("name", "must be 1 to 100 characters"));
        }
        self.quiet_hours.validate()?;
        self.office_hours.validate()?;
        if self.reminder_offsets.len() > 6 {
            return Err(invalid(
                "reminder_offsets",
                "at most 6 reminders per appointment",
            ));
        }
        for o in &self.reminder_offsets {
            if let ReminderOffset::Before { minutes } = o {
                if *minutes == 0 || *minutes > 60 * 24 * 60 {
                    return Err(invalid(
                        "reminder_offsets",
                        "minutes must be between 1 and 86400 (60 days)",
                    ));
                }
            }
        }
        check_url("review_url", &self.review_url)?;
        check_url("feedback_url", &self.feedback_url)?;
        if self.emergency_keywords.len() > 50
            || self
                .emergency_keywords
                .iter()
                .any(|k| k.trim().is_empty() || k.chars().count() > 40)
        {
            return Err(invalid(
                "emergency_keywords",
                "at most 50 keywords of 1 to 40 characters",
            ));
        }
        let n = self.emergency_number.trim();
        if n.is_empty() || n.len() > 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "emergency_number",
                "must be a short dialling code such as 911",
            ));
        }
        if self.message_caps.per_day == 0 || self.message_caps.per_week < self.message_caps.per_day
        {
            return Err(invalid(
                "message_caps",
                "per_day must be at least 1 and per_week at least per_day",
            ));
        }
        if self.no_show_grace_minutes > 240 {
            return Err(invalid("no_show_grace_minutes", "must be at most 240"));
        }
        if self.review_delay_minutes > 7 * 24 * 60 {
            return Err(invalid(
                "review_delay_minutes",
                "must be at most 10080 (a week)",
            ));
        }
        if self.review_cap_days == 0 || self.review_cap_days > 3650 {
            return Err(invalid("review_cap_days", "must be between 1 and 3650"));
        }
        if self.escalate_after_exchanges == 0 || self.escalate_after_exchanges > 50 {
            return Err(invalid(
                "escalate_after_exchanges",
                "must be between 1 and 50",
            ));
        }
        if self.auto_replies_per_hour == 0 || self.auto_replies_per_hour > 20 {
            return Err(invalid("auto_replies_per_hour", "must be between 1 and 20"));
        }
        if self.stalled_thread_days == 0 || self.stalled_thread_days > 30 {
            return Err(invalid("stalled_thread_days", "must be between 1 and 30"));
        }
        if self.answer_grace_minutes > 24 * 60 {
            return Err(invalid(
                "answer_grace_minutes",
                "must be at most 1440 (a day)",
            ));
        }
        if self.red_flag_minutes_before_close > 720 {
            return Err(invalid(
                "red_flag_minutes_before_close",
                "must be at most 720 (12 hours)",
            ));
        }
        if self.new_patient_red_flag_extra_minutes > 720 {
            return Err(invalid(
                "new_patient_red_flag_extra_minutes",
                "must be at most 720 (12 hours)",
            ));
        }
        if self.spread_minutes > crate::policy::MAX_SPREAD_MINUTES {
            return Err(invalid("spread_minutes", "must be at most 120 (two hours)"));
        }
        if self.waitlist_batch_size == 0 || self.waitlist_batch_size > 50 {
            return Err(invalid("waitlist_batch_size", "must be between 1 and 50"));
        }
        if self.waitlist_batch_minutes < 5 || self.waitlist_batch_minutes > 1440 {
            return Err(invalid(
                "waitlist_batch_minutes",
                "must be between 5 and 1440 (the sweep runs every 5 minutes)",
            ));
        }
        if self.recall_lead_weeks > 26 {
            return Err(invalid("recall_lead_weeks", "must be at most 26"));
        }
        if self.recall_every_weeks == 0 || self.recall_every_weeks > 52 {
            return Err(invalid("recall_every_weeks", "must be between 1 and 52"));
        }
        if self.recall_max_invitations > 10 {
            return Err(invalid(
                "recall_max_invitations",
                "must be at most 10 (0 turns recall off)",
            ));
        }
        let mut kinds: Vec<String> = Vec::new();
        for r in &self.recall {
            let kind = r.kind.trim().to_lowercase();
            if kind.is_empty() || kind.chars().count() > 100 || kind.chars().any(char::is_control) {
                return Err(invalid(
                    "recall",
                    "each kind must be 1 to 100 characters (an appointment kind, e.g. hygiene)",
                ));
            }
            if !(1..=36).contains(&r.every_months) {
                return Err(invalid("recall", "every_months must be between 1 and 36"));
            }
            if kinds.contains(&kind) {
                return Err(invalid(
                    "recall",
                    format!("the kind {kind:?} is listed twice; give each kind one interval"),
                ));
            }
            kinds.push(kind);
        }
        if let Some(offer) = &self.birthday_offer {
            let t = offer.trim();
            if t.is_empty()
                || t.chars().count() > 300
                || t.chars().any(char::is_control)
                || t.contains("{{")
                || t.contains("{%")
            {
                return Err(invalid(
                    "birthday_offer",
                    "must be 1 to 300 characters with no control characters and no placeholders (or null for none)",
                ));
            }
        }
        Ok(())
    }
}

//! The `Store` port over the in-memory table: each read and write as the DynamoDB adapter
//! does it, with the same keys, conditions, page cursors and request counts.

use super::*;

#[async_trait]
impl Store for MemoryStore {
    async fn get_many(&self, practice_id: &PracticeId, wanted: &[Key]) -> Result<Fetched> {
        self.read_keys(wanted.iter().map(|k| key_of(practice_id, k)))
            .map(Fetched)
    }

    async fn patients_by_phone(
        &self,
        practice_id: &PracticeId,
        phone: &PhoneNumber,
    ) -> Result<Vec<Patient>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::phone_prefix(phone);
        let t = self.lock()?;
        Ok(t.iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|(_, v)| match v {
                Stored::PhoneIndex(p) => Some((**p).clone()),
                _ => None,
            })
            .collect())
    }

    async fn patients_by_email(
        &self,
        practice_id: &PracticeId,
        email: &EmailAddress,
    ) -> Result<Vec<Patient>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let want = email.as_str().to_lowercase();
        let t = self.lock()?;
        Ok(t.iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with("PATIENT#"))
            .filter_map(|(_, v)| match v {
                Stored::Patient(p)
                    if p.email.as_ref().map(|e| e.as_str().to_lowercase())
                        == Some(want.clone()) =>
                {
                    Some((**p).clone())
                }
                _ => None,
            })
            .collect())
    }

    async fn practice_for_number(&self, number: &PhoneNumber) -> Result<Option<PracticeId>> {
        self.count(1);
        let t = self.lock()?;
        let k = (
            keys::number_route_pk(number),
            keys::NUMBER_ROUTE_SK.to_string(),
        );
        Ok(match t.get(&k) {
            Some(Stored::Route(p)) => Some(p.clone()),
            _ => None,
        })
    }

    async fn timeline(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::thread_prefix(Some(patient_id), None),
            cursor,
            limit,
            |v| match v {
                Stored::Message(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    async fn recent_messages(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        limit: usize,
    ) -> Result<Vec<Message>> {
        self.newest_messages(practice_id, patient_id, limit)
    }

    async fn sent_message(
        &self,
        practice_id: &PracticeId,
        provider_message_id: &str,
    ) -> Result<Option<Message>> {
        self.count(1);
        let t = self.lock()?;
        let k = (
            keys::practice_pk(practice_id),
            keys::sent_sk(provider_message_id),
        );
        Ok(match t.get(&k) {
            Some(Stored::Sent(m)) => Some((**m).clone()),
            _ => None,
        })
    }

    async fn patients_page(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Patient>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::PATIENT_PREFIX.into(),
            cursor,
            limit,
            |v| match v {
                Stored::Patient(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    async fn broadcast_recipients(
        &self,
        practice_id: &PracticeId,
        broadcast: &crate::domain::BroadcastId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Recipient>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::recipient_prefix(broadcast),
            cursor,
            limit,
            |v| match v {
                Stored::Recipient(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    async fn appointments_page(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Appointment>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::APPOINTMENT_PREFIX.into(),
            cursor,
            limit,
            |v| match v {
                Stored::Appointment(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    async fn changed_since(
        &self,
        practice_id: &PracticeId,
        what: crate::ports::ChangeKind,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Item>> {
        let pk = keys::practice_pk(practice_id);
        let entries: Vec<(chrono::NaiveDate, String, Item)> = {
            let t = self.lock()?;
            t.iter()
                .filter(|((p, _), _)| p == &pk)
                .filter_map(|(_, v)| match (what, v) {
                    (crate::ports::ChangeKind::Patients, Stored::Patient(x)) => Some((
                        x.updated_at.date_naive(),
                        keys::change_sort(x.updated_at, x.patient_id.as_str()),
                        Item::Patient(x.clone()),
                    )),
                    (crate::ports::ChangeKind::Appointments, Stored::Appointment(x)) => Some((
                        x.updated_at.date_naive(),
                        keys::change_sort(x.updated_at, x.appointment_id.as_str()),
                        Item::Appointment(x.clone()),
                    )),
                    _ => None,
                })
                .collect()
        };
        let entries = &entries;
        crate::dynamo::change_reads::page_days(since, until, cursor, limit, |day, after, n| {
            self.count(1);
            let mut found: Vec<(String, Item)> = entries
                .iter()
                .filter(|(d, sk, _)| *d == day && *sk > after)
                .map(|(_, sk, i)| (sk.clone(), i.clone()))
                .collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            found.truncate(n);
            async move { Ok(found) }
        })
        .await
    }

    async fn appointments_starting(
        &self,
        practice_id: &PracticeId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        let days = crate::dynamo::list_reads::range_days(from, to)?;
        self.count(days.len());
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut found: Vec<Appointment> = t
            .iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(keys::APPOINTMENT_PREFIX))
            .filter_map(|(_, v)| match v {
                Stored::Appointment(a) if a.starts_at >= from && a.starts_at < to => {
                    Some((**a).clone())
                }
                _ => None,
            })
            .collect();
        found.sort_by(|a, b| {
            (a.starts_at, a.appointment_id.as_str()).cmp(&(b.starts_at, b.appointment_id.as_str()))
        });
        found.truncate(crate::dynamo::list_reads::RANGE_MAX);
        Ok(found)
    }

    async fn sender_owner(
        &self,
        address: &crate::domain::EmailAddress,
    ) -> Result<Option<PracticeId>> {
        self.count(1);
        let t = self.lock()?;
        let k = (keys::sender_pk(address), keys::SENDER_SK.to_string());
        Ok(match t.get(&k) {
            Some(Stored::Route(p)) => Some(p.clone()),
            _ => None,
        })
    }

    async fn consent_history(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::ConsentEvent>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::consent_prefix(patient_id),
            cursor,
            limit,
            |v| match v {
                Stored::Consent(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    async fn open_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        let after = start_at(
            cursor,
            &cursor::open_tasks_rules(practice_id),
            keys::GSI2_SK,
        )?;
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut items: Vec<(String, Task)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.status == TaskStatus::Open => Some((
                    keys::open_task_sort(x.priority, x.created_at, &x.task_id),
                    (**x).clone(),
                )),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        paginate(items, after, limit, |sort, task| {
            vec![
                (keys::PK, pk.clone()),
                (keys::SK, keys::task_sk(&task.task_id)),
                (keys::GSI2_PK, keys::open_tasks_pk(practice_id)),
                (keys::GSI2_SK, sort.to_string()),
            ]
        })
    }

    /// As the GSI1 Query: one partition (work stored here is always indexed under its
    /// shard, so the unsharded partitions are empty), sort keys from `from` to `until` at
    /// millisecond precision, in sort-key order, one page.
    async fn due_page(
        &self,
        sweep: Sweep,
        partition: DuePartition,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<DueWork>> {
        let wanted = partition;
        let partition = partition.key(sweep);
        let rules = cursor::due_rules(&partition);
        let after = super::start_at(cursor, &rules, keys::GSI1_SK)?;
        self.count(1);
        // The sort key starts with the due time at millisecond precision, so comparing
        // milliseconds is comparing sort keys; cheap checks first (benchmarks page through
        // 100,000 items).
        let (from_ms, until_ms) = (from.timestamp_millis(), until.timestamp_millis());
        let t = self.lock()?;
        let mut out: Vec<(String, DueWork)> = t
            .values()
            .filter_map(|v| match v {
                Stored::Due(d) => Some(d),
                _ => None,
            })
            .filter(|d| d.kind.sweep() == sweep)
            .filter(|d| (from_ms..=until_ms).contains(&d.due_at.timestamp_millis()))
            .filter(|d| DuePartition::of(d) == wanted)
            .map(|d| (keys::due_sort(d), d))
            .filter(|(sort, _)| after.as_ref().is_none_or(|a| sort > a))
            .map(|(sort, d)| (sort, (**d).clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        super::paginate(out, after, limit, |sort, d| {
            vec![
                (keys::PK, keys::practice_pk(&d.practice_id)),
                (keys::SK, keys::due_key_of(d)),
                (keys::GSI1_PK, partition.clone()),
                (keys::GSI1_SK, sort.to_string()),
            ]
        })
    }

    /// As the GSI2 Query: start-time sort keys from `from` at millisecond precision.
    async fn appointments_for_patient(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let from = keys::sortable_time(from);
        let t = self.lock()?;
        let mut out: Vec<(String, Appointment)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Appointment(a) if &a.patient_id == patient_id => Some((
                    keys::patient_appointment_sort(a.starts_at, &a.appointment_id),
                    (**a).clone(),
                )),
                _ => None,
            })
            .filter(|(sort, _)| sort >= &from)
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.truncate(rules::page_limit(limit));
        Ok(out.into_iter().map(|(_, a)| a).collect())
    }

    async fn get_across(&self, wanted: &[(PracticeId, Key)]) -> Result<Vec<Item>> {
        self.read_keys(wanted.iter().map(|(p, k)| key_of(p, k)))
    }

    async fn claim_due(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DueWork>> {
        // Refused before any request, as the adapter refuses it.
        rules::claimed(due, lease_until)?;
        self.count(1);
        let mut t = self.lock()?;
        let k = (keys::practice_pk(&due.practice_id), keys::due_key_of(due));
        match t.get(&k) {
            Some(Stored::Due(stored)) if rules::still_held(stored, due) => {
                // The stored item as it is now (UpdateItem's ALL_NEW).
                let claimed = rules::claimed(stored, lease_until)?;
                t.insert(k, Stored::Due(Box::new(claimed.clone())));
                Ok(Some(claimed))
            }
            _ => Ok(None),
        }
    }

    /// As the adapter's transaction: the claim's condition first, then the lease's; both
    /// change, or nothing does.
    async fn claim_due_leased(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
        lease: &PatientLease,
    ) -> Result<LeasedClaim> {
        rules::claimed(due, lease_until)?;
        self.count(1);
        let mut t = self.lock()?;
        let pk = keys::practice_pk(&due.practice_id);
        let k = (pk.clone(), keys::due_key_of(due));
        let claimed = match t.get(&k) {
            Some(Stored::Due(stored)) if rules::still_held(stored, due) => {
                rules::claimed(due, lease_until)?
            }
            _ => return Ok(LeasedClaim::Gone),
        };
        let lk = (pk, keys::patient_lease_sk(&due.patient_id));
        let free = match t.get(&lk) {
            Some(Stored::Lease(holder, until)) => {
                keys::sortable_time(*until) < keys::sortable_time(lease.now)
                    || holder == &lease.holder
            }
            _ => true,
        };
        if !free {
            return Ok(LeasedClaim::PatientBusy);
        }
        t.insert(k, Stored::Due(Box::new(claimed.clone())));
        t.insert(lk, Stored::Lease(lease.holder.clone(), lease.until));
        Ok(LeasedClaim::Claimed(claimed))
    }

    async fn sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>> {
        self.count(1);
        let t = self.lock()?;
        let k = (
            keys::sweep_cursor_pk(sweep),
            keys::SWEEP_CURSOR_SK.to_string(),
        );
        Ok(match t.get(&k) {
            Some(Stored::Cursor(c)) => Some(*c),
            _ => None,
        })
    }

    /// All or nothing, as one transaction: refused as the adapter refuses before sending,
    /// then every write applied in order to a copy that replaces the table only if every
    /// condition held.
    async fn waiting(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Waiting>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::WAITING_PREFIX.to_string(),
            cursor,
            limit,
            |v| match v {
                Stored::Waiting(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    async fn resolved_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        let pk = keys::practice_pk(practice_id);
        let resolved_pk = keys::resolved_tasks_pk(practice_id);
        let rules = [
            (keys::PK, cursor::Rule::Equals(pk.clone())),
            (keys::SK, cursor::Rule::StartsWith("TASK#".into())),
            (keys::GSI2_PK, cursor::Rule::Equals(resolved_pk.clone())),
            (keys::GSI2_SK, cursor::Rule::StartsWith(String::new())),
        ];
        let after = start_at(cursor, &rules, keys::GSI2_SK)?;
        self.count(1);
        let t = self.lock()?;
        let mut items: Vec<(String, Task)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.status == TaskStatus::Resolved => Some((
                    keys::resolved_task_sort(x.resolved_at.unwrap_or(x.created_at), &x.task_id),
                    (**x).clone(),
                )),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        paginate(items, after, limit, |sort, task| {
            vec![
                (keys::PK, pk.clone()),
                (keys::SK, keys::task_sk(&task.task_id)),
                (keys::GSI2_PK, resolved_pk.clone()),
                (keys::GSI2_SK, sort.to_string()),
            ]
        })
    }

    async fn canned_replies(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::CannedReply>> {
        self.count(1);
        Ok(staff::canned_replies(&*self.lock()?, practice_id))
    }

    async fn waitlist(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::WaitlistEntry>> {
        self.count(1);
        Ok(super::waitlist::entries(&*self.lock()?, practice_id))
    }

    async fn answers_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::Waiting>> {
        self.count(crate::keys::ANSWER_SHARDS as usize);
        Ok(super::threads::answers_due(&*self.lock()?, until, limit))
    }

    async fn notices_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::UrgentNotice>> {
        self.count(crate::keys::NOTICE_SHARDS as usize);
        Ok(super::threads::notices_due(&*self.lock()?, until, limit))
    }

    async fn deferred_replies(&self, until: DateTime<Utc>) -> Result<Vec<Message>> {
        self.count(1);
        Ok(staff::deferred_replies(&*self.lock()?, until))
    }

    async fn reply_intents_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::ports::ReplyIntent>> {
        self.count(crate::keys::REPLY_INTENT_SHARDS as usize);
        Ok(super::reply_intents::due(&*self.lock()?, until, limit))
    }

    async fn webhook_endpoints(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::webhooks::WebhookEndpoint>> {
        self.count(1);
        Ok(super::webhooks::endpoints(&*self.lock()?, practice_id))
    }

    /// As the GSI4 Query: one round trip, the patient's tasks in task-id order.
    async fn patient_tasks(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
    ) -> Result<Vec<Task>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut out: Vec<Task> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.patient_id.as_ref() == Some(patient_id) => Some((**x).clone()),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.task_id.as_str().cmp(b.task_id.as_str()));
        Ok(out)
    }

    async fn webhook_events_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::webhooks::OutboxEvent>> {
        self.count(crate::keys::WEBHOOK_SHARDS as usize);
        Ok(super::webhooks::events_due(&*self.lock()?, until, limit))
    }

    async fn staff_member(
        &self,
        practice_id: &PracticeId,
        staff_id: &crate::domain::StaffId,
    ) -> Result<Option<crate::domain::StaffMember>> {
        self.count(1);
        Ok(staff::member(&*self.lock()?, practice_id, staff_id))
    }

    async fn staff_members(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::StaffMember>> {
        self.count(1);
        Ok(staff::members(&*self.lock()?, practice_id))
    }

    async fn staff_login(
        &self,
        email: &crate::domain::EmailAddress,
    ) -> Result<Option<(PracticeId, crate::domain::StaffId)>> {
        self.count(1);
        Ok(sessions::login(&*self.lock()?, email))
    }

    async fn invitation(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<crate::domain::Invitation>> {
        self.count(1);
        Ok(sessions::invitation(
            &*self.lock()?,
            practice_id,
            token_hash,
        ))
    }

    async fn session(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<(crate::domain::Session, Option<crate::domain::StaffMember>)>> {
        self.count(2);
        let t = self.lock()?;
        Ok(sessions::session(&t, practice_id, token_hash).map(|s| {
            let m = staff::member(&t, practice_id, &s.staff_id);
            (s, m)
        }))
    }

    async fn sessions(&self, practice_id: &PracticeId) -> Result<Vec<crate::domain::Session>> {
        self.count(1);
        Ok(sessions::sessions(&*self.lock()?, practice_id))
    }

    async fn sign_in_failures(&self, scope_key: &str) -> Result<Option<crate::domain::Failures>> {
        self.count(1);
        Ok(sessions::failures(&*self.lock()?, scope_key))
    }

    async fn unknown_thread(
        &self,
        practice_id: &PracticeId,
        thread_id: &crate::domain::ThreadId,
    ) -> Result<Option<crate::domain::UnknownThread>> {
        self.count(1);
        Ok(threads::unknown_thread(
            &*self.lock()?,
            practice_id,
            thread_id,
        ))
    }

    async fn unknown_timeline(
        &self,
        practice_id: &PracticeId,
        number: &PhoneNumber,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::thread_prefix(None, Some(number)),
            cursor,
            limit,
            |v| match v {
                Stored::Message(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    async fn write(&self, writes: Vec<Write>) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        // As the DynamoDB adapter: the outbox items of the batch's tasks' news.
        let writes = crate::webhooks::derive::with_task_events(writes);
        rules::check_batch(&writes)?;
        self.count(1);
        let mut t = self.lock()?;
        let mut staged = t.clone();
        for w in writes {
            apply::apply(&mut staged, w)?;
        }
        *t = staged;
        Ok(())
    }
}

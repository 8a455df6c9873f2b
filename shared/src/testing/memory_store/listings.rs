//! The in-memory store's listings, due-work claims and task reads, as the DynamoDB
//! adapter answers them (same keys, conditions, cursors and request counts); the `Store`
//! impl in `store.rs` forwards to them.

use super::*;

impl MemoryStore {
    pub(super) async fn read_patients_page(
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

    pub(super) async fn read_broadcast_recipients(
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

    pub(super) async fn read_appointments_page(
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

    pub(super) async fn read_changed_since(
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

    pub(super) async fn read_appointments_starting(
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

    pub(super) async fn read_sender_owner(
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

    pub(super) async fn read_consent_history(
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

    pub(super) async fn read_open_tasks(
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

    pub(super) async fn read_due_page(
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

    pub(super) async fn read_appointments_for_patient(
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

    pub(super) async fn read_claim_due(
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

    pub(super) async fn read_claim_due_leased(
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

    pub(super) async fn read_sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>> {
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

    pub(super) async fn read_waiting(
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

    pub(super) async fn read_resolved_tasks(
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
}

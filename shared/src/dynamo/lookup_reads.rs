//! Lookups by what a message or a send names: the patients of a phone number or an email
//! address, the practice owning a number or a sender, and a sent message by provider id.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::super::codec::{self, kind, s, Attrs, Route};
use super::super::errors::storage;
use super::super::DynamoStore;
use crate::domain::{EmailAddress, Message, Patient, PatientId, PhoneNumber, PracticeId, Task};
use crate::keys;
use crate::Result;

impl DynamoStore {
    /// Every page of `query`, each item decoded as `kind`.
    async fn query_all<T: serde::de::DeserializeOwned>(
        &self,
        query: QueryFluentBuilder,
        kind: &'static str,
    ) -> Result<Vec<T>> {
        let mut patients = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| storage("Query", &e))?;
            for item in out.items.unwrap_or_default() {
                patients.push(codec::decode(item, kind)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(patients);
            }
        }
    }

    /// One consistent GetItem of `(pk, sk)`.
    async fn get_consistent(&self, pk: String, sk: String) -> Result<Option<Attrs>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| storage("GetItem", &e))?;
        Ok(out.item)
    }

    /// One Query on `begins_with(SK, PHONE#<phone>#)` in the practice's partition.
    pub(in crate::dynamo) async fn read_patients_by_phone(
        &self,
        practice_id: &PracticeId,
        phone: &PhoneNumber,
    ) -> Result<Vec<Patient>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_names("#sk", keys::SK)
            .expression_attribute_values(":pk", s(keys::practice_pk(practice_id)))
            .expression_attribute_values(":prefix", s(keys::phone_prefix(phone)))
            .consistent_read(true);
        self.query_all(query, kind::PATIENT_PHONE).await
    }

    /// One Query on GSI4 (the patients with this email in the practice; eventually
    /// consistent, like every index read).
    pub(in crate::dynamo) async fn read_patients_by_email(
        &self,
        practice_id: &PracticeId,
        email: &EmailAddress,
    ) -> Result<Vec<Patient>> {
        let query = self.gsi4_query(keys::patient_email_pk(practice_id, email));
        self.query_all(query, kind::PATIENT).await
    }

    /// Every task about one patient, open and resolved: Queries on GSI4's
    /// `P#<practice>#PT#<patient>#TASKS` (one per 1 MB page), never the practice's task
    /// list, so the cost does not grow with other patients' tasks.
    pub(in crate::dynamo) async fn read_patient_tasks(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
    ) -> Result<Vec<Task>> {
        let query = self.gsi4_query(keys::patient_tasks_pk(practice_id, patient_id));
        self.query_all(query, kind::TASK).await
    }

    /// A Query of one GSI4 partition (a practice's patients by email, a patient's tasks).
    fn gsi4_query(
        &self,
        pk: String,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI4)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::GSI4_PK)
            .expression_attribute_values(":pk", s(pk))
    }

    /// One GetItem on `NUMBER#<number>` / `ROUTE`.
    pub(in crate::dynamo) async fn read_number_route(
        &self,
        number: &PhoneNumber,
    ) -> Result<Option<PracticeId>> {
        let item = self
            .get_consistent(keys::number_route_pk(number), keys::NUMBER_ROUTE_SK.into())
            .await?;
        item.map(|i| Ok(codec::decode::<Route>(i, kind::NUMBER_ROUTE)?.practice_id))
            .transpose()
    }

    /// One GetItem on `SENDER#<address>`.
    pub(in crate::dynamo) async fn read_sender_owner(
        &self,
        address: &EmailAddress,
    ) -> Result<Option<PracticeId>> {
        let item = self
            .get_consistent(keys::sender_pk(address), keys::SENDER_SK.into())
            .await?;
        item.map(|i| Ok(codec::decode::<Route>(i, kind::SENDER_ROUTE)?.practice_id))
            .transpose()
    }

    /// One GetItem of `SENT#<provider id>` in the practice's partition.
    pub(in crate::dynamo) async fn read_sent_message(
        &self,
        practice_id: &PracticeId,
        provider_message_id: &str,
    ) -> Result<Option<Message>> {
        if provider_message_id.is_empty() || provider_message_id.len() > 256 {
            return Ok(None);
        }
        let item = self
            .get_consistent(
                keys::practice_pk(practice_id),
                keys::sent_sk(provider_message_id),
            )
            .await?;
        item.map(|i| codec::decode(i, kind::SENT_MESSAGE))
            .transpose()
    }
}

//! Pages of a Query: one item more than asked for tells whether another page follows, and
//! the cursor is the last item's key (or DynamoDB's own, for a page cut short at 1 MB).

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use chrono::{DateTime, Utc};

use super::codec::{self, s, Attrs};
use super::cursor;
use crate::ports::Page;
use crate::Result;

/// Asks for one item more than the page, to know whether another page follows without
/// returning an empty last page.
pub(in crate::dynamo) fn page_request_limit(limit: usize) -> i32 {
    i32::try_from(limit + 1).unwrap_or(i32::MAX)
}

/// Builds a page: the first `limit` items, and a cursor when more may follow.
pub(in crate::dynamo) fn page<T: serde::de::DeserializeOwned>(
    mut items: Vec<Attrs>,
    limit: usize,
    last_evaluated: Option<Attrs>,
    key_names: &[&str],
    ty: &'static str,
) -> Result<Page<T>> {
    let next = if items.len() > limit {
        items.truncate(limit);
        match items.last() {
            Some(last) => Some(cursor::encode(&pick(last, key_names, ty)?)?),
            None => None,
        }
    } else {
        // A page cut short by DynamoDB's 1 MB limit: continue from where it stopped.
        last_evaluated.as_ref().map(cursor::encode).transpose()?
    };
    let items = items
        .into_iter()
        .map(|i| codec::decode(i, ty))
        .collect::<Result<Vec<T>>>()?;
    Ok(Page { items, next })
}

fn pick(item: &Attrs, names: &[&str], ty: &'static str) -> Result<Attrs> {
    names
        .iter()
        .map(|n| {
            item.get(*n)
                .map(|v| (n.to_string(), v.clone()))
                .ok_or_else(|| codec::corrupt(ty, "a key attribute is missing"))
        })
        .collect()
}

impl super::DynamoStore {
    /// One page of a consistent, ascending Query on `begins_with(SK, prefix)` in partition
    /// `pk`. A cursor from another partition or range is `Invalid`.
    pub(in crate::dynamo) async fn query_prefix_page<T: serde::de::DeserializeOwned>(
        &self,
        pk: String,
        prefix: String,
        cursor: Option<&str>,
        limit: usize,
        ty: &'static str,
    ) -> Result<Page<T>> {
        let start = cursor
            .map(|c| cursor::decode(c, &cursor::timeline_rules(&pk, &prefix)))
            .transpose()?;
        let limit = super::rules::page_limit(limit);
        let out = self
            .prefix_query(pk, prefix)
            .limit(page_request_limit(limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| super::errors::storage("Query", &e))?;
        page(
            out.items.unwrap_or_default(),
            limit,
            out.last_evaluated_key,
            &cursor::TIMELINE_KEYS,
            ty,
        )
    }

    /// The newest `limit` items of a consistent, descending Query on `begins_with(SK,
    /// prefix)` in `pk`: one request (a timeline's latest messages).
    pub(in crate::dynamo) async fn query_prefix_newest<T: serde::de::DeserializeOwned>(
        &self,
        pk: String,
        prefix: String,
        limit: usize,
        ty: &'static str,
    ) -> Result<Vec<T>> {
        let out = self
            .prefix_query(pk, prefix)
            .scan_index_forward(false)
            .limit(i32::try_from(limit.clamp(1, 100)).unwrap_or(100))
            .send()
            .await
            .map_err(|e| super::errors::storage("Query", &e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| codec::decode(i, ty))
            .collect()
    }

    /// Every item of a consistent, ascending Query on `begins_with(SK, prefix)` in `pk`
    /// (a practice's staff or sessions: tens, not thousands).
    pub(in crate::dynamo) async fn query_prefix_all<T: serde::de::DeserializeOwned>(
        &self,
        pk: String,
        prefix: &str,
        ty: &'static str,
    ) -> Result<Vec<T>> {
        self.every_page(self.prefix_query(pk, prefix.to_string()), ty)
            .await
    }

    /// Follows every page of `query`, decoding each item as `ty`.
    pub(in crate::dynamo) async fn every_page<T: serde::de::DeserializeOwned>(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        ty: &'static str,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| super::errors::storage("Query", &e))?;
            for mut item in out.items.unwrap_or_default() {
                self.open_sealed(&mut item).await?;
                items.push(codec::decode(item, ty)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    fn prefix_query(
        &self,
        pk: String,
        prefix: String,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", crate::keys::PK)
            .expression_attribute_names("#sk", crate::keys::SK)
            .expression_attribute_values(":pk", codec::s(pk))
            .expression_attribute_values(":prefix", codec::s(prefix))
            .consistent_read(true)
            .scan_index_forward(true)
    }

    /// A Query on the GSI1 partition `pk` for what is due at or before `until`, oldest
    /// first.
    pub(in crate::dynamo) fn due_query(
        &self,
        pk: String,
        until: DateTime<Utc>,
    ) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(crate::keys::GSI1)
            .key_condition_expression("#pk = :pk AND #sk <= :until")
            .expression_attribute_names("#pk", crate::keys::GSI1_PK)
            .expression_attribute_names("#sk", crate::keys::GSI1_SK)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":until", s(crate::keys::due_sort_until(until)))
            .scan_index_forward(true)
    }

    /// One [`Self::due_query`] per shard partition in `shard_pks`, at most `limit` items
    /// each (a sweep takes the rest on its next run). One round trip per shard.
    pub(in crate::dynamo) async fn due_in_shards<T: serde::de::DeserializeOwned>(
        &self,
        shard_pks: impl IntoIterator<Item = String>,
        until: DateTime<Utc>,
        limit: usize,
        ty: &'static str,
    ) -> Result<Vec<T>> {
        let limit = i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000);
        let mut out = Vec::new();
        for pk in shard_pks {
            let page = self
                .due_query(pk, until)
                .limit(limit)
                .send()
                .await
                .map_err(|e| super::errors::storage("Query", &e))?;
            for item in page.items.unwrap_or_default() {
                out.push(codec::decode(item, ty)?);
            }
        }
        Ok(out)
    }
}

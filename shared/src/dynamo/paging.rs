//! Pages of a Query: one item more than asked for tells whether another page follows, and
//! the cursor is the last item's key (or DynamoDB's own, for a page cut short at 1 MB).

use super::codec::{self, Attrs};
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

//! Unwrapped data keys by (context, wrapped key), each for a bounded time, at most a
//! bounded number: pure, with "now" passed in so tests replay moments.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::Context;

type Slot = (Zeroizing<Vec<u8>>, Instant);

pub(super) struct KeyCache {
    max: usize,
    entries: HashMap<(Context, Vec<u8>), Slot>,
}

impl KeyCache {
    pub(super) fn new(max: usize) -> Self {
        Self {
            max,
            entries: HashMap::new(),
        }
    }

    /// The key while it is younger than `ttl`; an expired one is dropped.
    pub(super) fn get(
        &mut self,
        context: &Context,
        wrapped: &[u8],
        now: Instant,
        ttl: Duration,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let id = (context.clone(), wrapped.to_vec());
        match self.entries.get(&id) {
            Some((key, at)) if now.saturating_duration_since(*at) < ttl => Some(key.clone()),
            Some(_) => {
                self.entries.remove(&id);
                None
            }
            None => None,
        }
    }

    /// Keeps `key` from `now`. When full, expired entries go first, then the oldest.
    pub(super) fn put(
        &mut self,
        context: &Context,
        wrapped: &[u8],
        key: Zeroizing<Vec<u8>>,
        now: Instant,
        ttl: Duration,
    ) {
        if self.max == 0 {
            return;
        }
        let id = (context.clone(), wrapped.to_vec());
        if !self.entries.contains_key(&id) && self.entries.len() >= self.max {
            self.entries
                .retain(|_, (_, at)| now.saturating_duration_since(*at) < ttl);
            while self.entries.len() >= self.max {
                let oldest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => self.entries.remove(&k),
                    None => break,
                };
            }
        }
        self.entries.insert(id, (key, now));
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

//! A write batch's view of the table: every change goes straight to the table and into an
//! undo journal, so a refused batch leaves the table as it was (all or nothing, as a
//! TransactWriteItems), at the cost of the items the batch touched rather than a copy of
//! the whole table (which made a 10,000-reminder benchmark quadratic).

use std::ops::Deref;

use super::{Stored, Table};

type K = (String, String);

pub(super) struct Staged<'a> {
    table: &'a mut Table,
    /// Each touched key's value before the change, oldest first.
    undo: Vec<(K, Option<Stored>)>,
}

impl<'a> Staged<'a> {
    pub(super) fn new(table: &'a mut Table) -> Self {
        Self {
            table,
            undo: Vec::new(),
        }
    }

    pub(super) fn insert(&mut self, k: K, v: Stored) {
        let old = self.table.insert(k.clone(), v);
        self.undo.push((k, old));
    }

    /// Removes `k`; whether it was there.
    pub(super) fn remove(&mut self, k: &K) -> bool {
        let old = self.table.remove(k);
        let was = old.is_some();
        if was {
            self.undo.push((k.clone(), old));
        }
        was
    }

    pub(super) fn get_mut(&mut self, k: &K) -> Option<&mut Stored> {
        let old = self.table.get(k).cloned();
        if old.is_some() {
            self.undo.push((k.clone(), old));
        }
        self.table.get_mut(k)
    }

    /// Puts back every value the batch changed, newest change first.
    pub(super) fn rollback(self) {
        for (k, old) in self.undo.into_iter().rev() {
            match old {
                Some(v) => self.table.insert(k, v),
                None => self.table.remove(&k),
            };
        }
    }
}

impl Deref for Staged<'_> {
    type Target = Table;

    fn deref(&self) -> &Table {
        self.table
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn k(s: &str) -> K {
        ("P".into(), s.into())
    }

    fn at(minute: u32) -> Stored {
        Stored::Cursor(Utc.with_ymd_and_hms(2026, 1, 1, 0, minute, 0).unwrap())
    }

    #[test]
    fn a_rollback_puts_back_every_change_however_often_a_key_was_touched() {
        let mut table = Table::new();
        for (key, minute) in [("a", 1), ("c", 3), ("d", 4)] {
            table.insert(k(key), at(minute));
        }
        let before = format!("{table:?}");
        let mut staged = Staged::new(&mut table);
        staged.insert(k("a"), at(10));
        staged.insert(k("a"), at(11));
        staged.insert(k("b"), at(12));
        staged.remove(&k("b"));
        staged.remove(&k("c"));
        staged.remove(&k("missing"));
        if let Some(v) = staged.get_mut(&k("d")) {
            *v = at(13);
        }
        staged.insert(k("c"), at(14));
        assert_eq!(staged.len(), 3, "reads see the batch's own writes");
        staged.rollback();
        assert_eq!(format!("{table:?}"), before);
    }

    #[test]
    fn without_a_rollback_the_changes_stay() {
        let mut table = Table::new();
        let mut staged = Staged::new(&mut table);
        staged.insert(k("a"), at(1));
        drop(staged);
        assert_eq!(table.len(), 1);
    }
}

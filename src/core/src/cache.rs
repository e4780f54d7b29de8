//! A small, bounded time-to-live cache: host → application resolutions in
//! the front Worker's isolate, and what a `TenantApp` keeps in memory
//! (clients, users, upstream documents). Bounded in size (oldest insertion
//! evicted) and in age (entries expire after `ttl`), so a deleted or changed
//! record is never served from here for longer than `ttl`; whatever changes
//! a record also drops or replaces it here at once, and a copy loaded while
//! that happened is not kept (`insert_since`).

use crate::time::UnixMillis;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

#[derive(Debug)]
pub struct TtlCache<K, V> {
    ttl_ms: i64,
    capacity: usize,
    entries: HashMap<K, (UnixMillis, V)>,
    order: VecDeque<K>,
    /// How many drops were asked for (`remove`, `remove_where`,
    /// `replace_where`, `clear`: what entries copy changed), whether or not
    /// they found an entry; not by age or size. See [`Self::insert_since`].
    drops: u64,
}

/// A moment in a cache's history of drops ([`TtlCache::epoch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    #[must_use]
    pub fn new(ttl_ms: i64, capacity: usize) -> Self {
        Self { ttl_ms, capacity: capacity.max(1), entries: HashMap::new(), order: VecDeque::new(), drops: 0 }
    }

    /// The value for `key` if it was stored less than `ttl` before `now`.
    pub fn get(&mut self, key: &K, now: UnixMillis) -> Option<V> {
        self.get_until(key, now).map(|(v, _)| v)
    }

    /// [`Self::get`], with the moment the entry expires: what is made from
    /// the value is good no longer than it.
    pub fn get_until(&mut self, key: &K, now: UnixMillis) -> Option<(V, UnixMillis)> {
        match self.entries.get(key) {
            Some((stored, v)) if now.0.saturating_sub(stored.0) < self.ttl_ms => Some((v.clone(), self.expiry(*stored))),
            Some(_) => {
                self.evict(key);
                None
            }
            None => None,
        }
    }

    /// When an entry stored at `stored` expires.
    #[must_use]
    pub fn expiry(&self, stored: UnixMillis) -> UnixMillis {
        UnixMillis(stored.0.saturating_add(self.ttl_ms))
    }

    /// Now, in the cache's history of drops: read it before loading what
    /// is missing, and store that with [`Self::insert_since`].
    #[must_use]
    pub fn epoch(&self) -> Epoch {
        Epoch(self.drops)
    }

    /// Stores `value` loaded since `since`, unless something was dropped
    /// meanwhile: a load that began before a change may hold what the
    /// change dropped (a request reading a client from the database while
    /// another disables it), and kept, it would outlive the change by the
    /// cache's whole time-to-live. When the stored copy expires, or `None`
    /// if it was not stored (then what is made from it is good for the
    /// request that loaded it only).
    pub fn insert_since(&mut self, key: K, value: V, now: UnixMillis, since: Epoch) -> Option<UnixMillis> {
        if since != self.epoch() {
            return None;
        }
        self.insert(key, value, now);
        Some(self.expiry(now))
    }

    /// Stores `value`, computed from nothing that could have changed since
    /// the cache was read; after a wait (a database read, a fetch), use
    /// [`Self::insert_since`].
    pub fn insert(&mut self, key: K, value: V, now: UnixMillis) {
        if self.entries.insert(key.clone(), (now, value)).is_none() {
            self.order.push_back(key);
        }
        while self.entries.len() > self.capacity {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.entries.remove(&oldest);
                }
                None => break,
            }
        }
    }

    /// Drops the entry for `key` (what it copies changed).
    pub fn remove(&mut self, key: &K) {
        self.drops += 1;
        self.evict(key);
    }

    /// Drops the entry for `key` by age: nothing it copies changed.
    fn evict(&mut self, key: &K) {
        if self.entries.remove(key).is_some() {
            self.order.retain(|k| k != key);
        }
    }

    /// Drops every entry whose value matches `pred` (an application that was
    /// deleted, under all the hosts it was cached for).
    pub fn remove_where(&mut self, pred: impl Fn(&V) -> bool) {
        self.drops += 1;
        self.entries.retain(|_, (_, v)| !pred(v));
        let entries = &self.entries;
        self.order.retain(|k| entries.contains_key(k));
    }

    /// Replaces the value of every entry whose value matches `pred` (an
    /// application changed, under all the hosts it was cached for). The
    /// entries keep their age: they expire when they would have.
    pub fn replace_where(&mut self, pred: impl Fn(&V) -> bool, value: &V) {
        self.drops += 1;
        for (_, v) in self.entries.values_mut() {
            if pred(v) {
                *v = value.clone();
            }
        }
    }

    pub fn clear(&mut self) {
        self.drops += 1;
        self.entries.clear();
        self.order.clear();
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_ttl() {
        let mut c = TtlCache::new(1_000, 10);
        c.insert("a", 1, UnixMillis(0));
        assert_eq!(c.get(&"a", UnixMillis(999)), Some(1));
        assert_eq!(c.get_until(&"a", UnixMillis(999)), Some((1, UnixMillis(1_000))));
        assert_eq!(c.get(&"a", UnixMillis(1_000)), None);
        assert!(c.is_empty());
    }

    #[test]
    fn a_load_that_a_drop_overtook_is_not_kept() {
        let mut c = TtlCache::new(1_000, 10);
        c.insert("other", 0, UnixMillis(0));
        // A load begins, then the client it reads is disabled.
        let since = c.epoch();
        c.remove(&"client_1");
        assert_eq!(c.insert_since("client_1", 1, UnixMillis(1), since), None);
        assert_eq!(c.get(&"client_1", UnixMillis(2)), None);
        for change in [
            |c: &mut TtlCache<&str, i32>| c.clear(),
            |c: &mut TtlCache<&str, i32>| c.remove_where(|_| false),
            |c: &mut TtlCache<&str, i32>| c.replace_where(|_| false, &0),
        ] {
            let since = c.epoch();
            change(&mut c);
            assert_eq!(c.insert_since("client_1", 1, UnixMillis(1), since), None);
        }
        // Nothing dropped meanwhile: kept. Age and size are no drop.
        let since = c.epoch();
        c.insert("old", 0, UnixMillis(0));
        assert_eq!(c.get(&"old", UnixMillis(5_000)), None);
        assert_eq!(c.insert_since("client_1", 1, UnixMillis(5_000), since), Some(UnixMillis(6_000)));
        assert_eq!(c.get(&"client_1", UnixMillis(5_001)), Some(1));
        let mut small = TtlCache::new(1_000, 1);
        let since = small.epoch();
        small.insert("a", 1, UnixMillis(0));
        small.insert("b", 2, UnixMillis(0));
        assert_eq!(small.get(&"a", UnixMillis(1)), None, "evicted by size");
        assert_eq!(small.insert_since("c", 3, UnixMillis(1), since), Some(UnixMillis(1_001)));
    }

    #[test]
    fn size_is_bounded_oldest_first() {
        let mut c = TtlCache::new(1_000, 2);
        c.insert("a", 1, UnixMillis(0));
        c.insert("b", 2, UnixMillis(0));
        c.insert("c", 3, UnixMillis(0));
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&"a", UnixMillis(1)), None);
        assert_eq!(c.get(&"c", UnixMillis(1)), Some(3));
    }

    #[test]
    fn remove_where_drops_every_alias() {
        let mut c = TtlCache::new(1_000, 10);
        c.insert("myapp.localhost", "app_1", UnixMillis(0));
        c.insert("auth.example.com", "app_1", UnixMillis(0));
        c.insert("other.localhost", "app_2", UnixMillis(0));
        c.remove_where(|v| *v == "app_1");
        assert_eq!(c.len(), 1);
        assert_eq!(c.get(&"other.localhost", UnixMillis(1)), Some("app_2"));
    }

    #[test]
    fn replace_where_updates_every_alias_without_renewing_it() {
        let mut c = TtlCache::new(1_000, 10);
        c.insert("myapp.localhost", ("app_1", 1), UnixMillis(0));
        c.insert("auth.example.com", ("app_1", 1), UnixMillis(500));
        c.insert("other.localhost", ("app_2", 1), UnixMillis(0));
        c.replace_where(|v| v.0 == "app_1", &("app_1", 2));
        assert_eq!(c.get(&"auth.example.com", UnixMillis(999)), Some(("app_1", 2)));
        assert_eq!(c.get(&"other.localhost", UnixMillis(999)), Some(("app_2", 1)));
        assert_eq!(c.get_until(&"auth.example.com", UnixMillis(999)), Some((("app_1", 2), UnixMillis(1_500))));
        assert_eq!(c.get(&"myapp.localhost", UnixMillis(1_000)), None, "expires when it would have");
        c.clear();
        assert!(c.is_empty());
    }
}

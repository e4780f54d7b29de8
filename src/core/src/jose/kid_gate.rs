//! When the OP verifies one of its own tokens, an unknown `kid` may mean
//! its cached key set is stale (a key was just published), or that someone
//! made the token up. The gate decides, per application, whether to ask the
//! signer again: a stale set is fetched at most once per [`KEY_SET_TTL_MS`],
//! and an unknown kid causes at most one extra fetch per
//! [`REFETCH_INTERVAL_MS`]; kids found unknown are remembered as misses.
//! So unauthenticated traffic, whatever kids it makes up, cannot make an
//! application's object call the one signer all applications share more
//! than about twice a minute.
//!
//! Keys are published an hour before they sign and a rotation through the
//! management API drops the cache at once, so a genuine token never waits
//! on this gate.

use crate::cache::TtlCache;
use crate::time::UnixMillis;

/// How long a fetched key set is used before it is fetched again.
pub const KEY_SET_TTL_MS: i64 = 60_000;
/// The least time between two fetches caused by unknown kids.
pub const REFETCH_INTERVAL_MS: i64 = 30_000;
const MISSES_KEPT: usize = 1_024;

/// What to do for a token naming `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The cached set is fresh and has the kid.
    Cached,
    /// Fetch the set from the signer, then look again.
    Fetch,
    /// Treat the kid as unknown without asking.
    Miss,
}

#[derive(Debug)]
pub struct KidGate {
    fetched_at: Option<UnixMillis>,
    misses: TtlCache<String, ()>,
    fetches: u64,
}

impl Default for KidGate {
    fn default() -> Self {
        Self { fetched_at: None, misses: TtlCache::new(REFETCH_INTERVAL_MS, MISSES_KEPT), fetches: 0 }
    }
}

/// Our kids are RFC 7638 thumbprints: 43 base64url characters.
fn plausible(kid: &str) -> bool {
    kid.len() == 43 && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl KidGate {
    /// `known`: whether the cached set has `kid`.
    pub fn decide(&mut self, kid: &str, known: bool, now: UnixMillis) -> Lookup {
        let age = self.fetched_at.map(|at| now.0.saturating_sub(at.0));
        if age.is_none_or(|a| a >= KEY_SET_TTL_MS) {
            return Lookup::Fetch;
        }
        if known {
            return Lookup::Cached;
        }
        if !plausible(kid) || self.misses.get(&kid.to_owned(), now).is_some() {
            return Lookup::Miss;
        }
        if age.is_some_and(|a| a < REFETCH_INTERVAL_MS) {
            self.misses.insert(kid.to_owned(), (), now);
            return Lookup::Miss;
        }
        Lookup::Fetch
    }

    /// A fetch happened at `now`.
    pub fn fetched(&mut self, now: UnixMillis) {
        self.fetched_at = Some(now);
        self.fetches += 1;
    }

    /// After a fetch, `kid` is still unknown.
    pub fn missed(&mut self, kid: &str, now: UnixMillis) {
        if plausible(kid) {
            self.misses.insert(kid.to_owned(), (), now);
        }
    }

    /// Fetches so far (the operator's health view shows it).
    #[must_use]
    pub fn fetches(&self) -> u64 {
        self.fetches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: UnixMillis = UnixMillis(1_700_000_000_000);
    const KID: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    const OTHER: &str = "AzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    fn at(ms: i64) -> UnixMillis {
        UnixMillis(T0.0 + ms)
    }

    #[test]
    fn the_first_use_and_a_stale_set_fetch() {
        let mut g = KidGate::default();
        assert_eq!(g.decide(KID, false, T0), Lookup::Fetch);
        g.fetched(T0);
        assert_eq!(g.decide(KID, true, at(59_999)), Lookup::Cached);
        assert_eq!(g.decide(KID, true, at(60_000)), Lookup::Fetch);
    }

    #[test]
    fn unknown_kids_fetch_at_most_once_per_interval_and_are_remembered() {
        let mut g = KidGate::default();
        g.fetched(T0);
        assert_eq!(g.decide(KID, false, at(1_000)), Lookup::Miss, "fetched a moment ago");
        assert_eq!(g.decide(OTHER, false, at(30_000)), Lookup::Fetch);
        g.fetched(at(30_000));
        g.missed(OTHER, at(30_000));
        assert_eq!(g.decide(OTHER, false, at(45_000)), Lookup::Miss);
        assert_eq!(g.decide(KID, false, at(40_000)), Lookup::Miss, "the last fetch was 10 s ago");
        assert_eq!(g.fetches(), 2);
    }

    #[test]
    fn kids_that_are_not_thumbprints_never_fetch() {
        let mut g = KidGate::default();
        g.fetched(T0);
        assert_eq!(g.decide("kid-1", false, at(50_000)), Lookup::Miss);
        assert_eq!(g.decide(&"a".repeat(44), false, at(50_000)), Lookup::Miss);
    }
}

//! Account lockout, as an explicit state machine (model: Kanidm's
//! `softlock`). Keyed by the sign-in identifier (the normalised email),
//! whether or not an account has it, so a lock reveals nothing about which
//! emails exist.
//!
//! ```text
//!            failure (n < max in window)            unlock (expiry,
//!   Open ───────────────────────────────► Open      password reset, operator)
//!    │  failure (n = max within window)              ▲
//!    └──────────────────────────────────► Locked ───┘
//!                         until = now + base × 2^level (capped), level += 1
//! ```
//! The caller reads, applies `begin_attempt` and writes back in one
//! synchronous step of the application's object: no await in between, so
//! no two requests see the same count (the read-modify-write race a limit
//! split across an await would have). It does so *before* the password is
//! checked, so once the limit is reached no password is checked at all;
//! a success gives the attempt back (`succeeded`). `level` only returns to
//! 0 after a success or an explicit unlock, so repeated lockouts grow longer.

use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    /// Failures within `window_ms` that lock the account.
    pub max_failures: u32,
    pub window_ms: i64,
    /// First lock's length; each repeat doubles it, up to `max_lock_ms`.
    pub base_lock_ms: i64,
    pub max_lock_ms: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { max_failures: 5, window_ms: 15 * 60_000, base_lock_ms: 5 * 60_000, max_lock_ms: 24 * 3_600_000 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Lockout {
    /// Attempts counted in the current window (failures and attempts in flight).
    pub attempts: u32,
    pub window_start: UnixMillis,
    /// While set and in the future, every attempt is refused.
    pub locked_until: Option<UnixMillis>,
    /// Locks so far without a success in between.
    pub level: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead and check the password; the attempt is already counted.
    Proceed,
    /// Refused without checking anything, until this time.
    Locked { until: UnixMillis },
}

impl Lockout {
    /// Whether the account is locked at `now`, and until when.
    #[must_use]
    pub fn locked(&self, now: UnixMillis) -> Option<UnixMillis> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Counts an attempt before its password is checked. The attempt that
    /// reaches `max_failures` is itself refused and locks the account.
    pub fn begin_attempt(&mut self, now: UnixMillis, policy: &LockoutPolicy) -> Attempt {
        if let Some(until) = self.locked(now) {
            return Attempt::Locked { until };
        }
        let window_over = now.0.saturating_sub(self.window_start.0) >= policy.window_ms;
        if self.locked_until.is_some() || self.attempts == 0 || window_over {
            // A lock that ran out, or a window that closed: start counting afresh.
            self.locked_until = None;
            self.attempts = 0;
            self.window_start = now;
        }
        if self.attempts >= policy.max_failures {
            return self.lock(now, policy);
        }
        self.attempts += 1;
        Attempt::Proceed
    }

    fn lock(&mut self, now: UnixMillis, policy: &LockoutPolicy) -> Attempt {
        let factor = 1_i64.checked_shl(self.level.min(30)).unwrap_or(i64::MAX);
        let length = policy.base_lock_ms.saturating_mul(factor).min(policy.max_lock_ms);
        let until = now.plus_millis(length);
        self.locked_until = Some(until);
        self.level = self.level.saturating_add(1);
        Attempt::Locked { until }
    }

    /// The password was right: the attempt is given back and the history
    /// forgotten.
    pub fn succeeded(&mut self) {
        *self = Lockout::default();
    }

    /// Password reset or operator: open at once, history forgotten.
    pub fn unlock(&mut self) {
        *self = Lockout::default();
    }

    /// When this record no longer matters and may be swept.
    #[must_use]
    pub fn expires_at(&self, policy: &LockoutPolicy) -> UnixMillis {
        let window_end = self.window_start.plus_millis(policy.window_ms);
        // Keep the level long enough for the next lock to grow from it.
        let lock_end = self.locked_until.map_or(window_end, |u| u.plus_millis(policy.max_lock_ms));
        window_end.max(lock_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: LockoutPolicy = LockoutPolicy { max_failures: 3, window_ms: 1_000, base_lock_ms: 10_000, max_lock_ms: 25_000 };

    fn t(ms: i64) -> UnixMillis {
        UnixMillis(ms)
    }

    #[test]
    fn exactly_max_attempts_proceed_then_the_account_locks() {
        let mut l = Lockout::default();
        let results: Vec<Attempt> = (0..6).map(|_| l.begin_attempt(t(100), &P)).collect();
        assert_eq!(&results[..3], &[Attempt::Proceed; 3]);
        assert_eq!(results[3], Attempt::Locked { until: t(10_100) });
        assert_eq!(results[5], Attempt::Locked { until: t(10_100) }, "refusals while locked do not extend it");
        assert_eq!(l.level, 1);
    }

    #[test]
    fn a_success_gives_the_attempt_back_and_forgets_history() {
        let mut l = Lockout::default();
        l.begin_attempt(t(0), &P);
        l.begin_attempt(t(0), &P);
        l.succeeded();
        assert_eq!(l, Lockout::default());
        for _ in 0..3 {
            assert_eq!(l.begin_attempt(t(1), &P), Attempt::Proceed);
        }
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let mut l = Lockout::default();
        l.begin_attempt(t(0), &P);
        l.begin_attempt(t(0), &P);
        l.begin_attempt(t(0), &P);
        assert_eq!(l.begin_attempt(t(1_000), &P), Attempt::Proceed, "a new window");
    }

    #[test]
    fn repeat_locks_grow_and_are_capped() {
        let mut l = Lockout::default();
        let lock_at = |l: &mut Lockout, now: i64| {
            for _ in 0..3 {
                assert_eq!(l.begin_attempt(t(now), &P), Attempt::Proceed);
            }
            l.begin_attempt(t(now), &P)
        };
        assert_eq!(lock_at(&mut l, 0), Attempt::Locked { until: t(10_000) });
        assert_eq!(lock_at(&mut l, 10_000), Attempt::Locked { until: t(30_000) }, "doubled");
        assert_eq!(lock_at(&mut l, 30_000), Attempt::Locked { until: t(55_000) }, "capped at 25 s");
        assert!(l.expires_at(&P) >= t(80_000));
    }

    #[test]
    fn unlock_opens_at_once() {
        let mut l = Lockout::default();
        for _ in 0..4 {
            l.begin_attempt(t(0), &P);
        }
        assert!(l.locked(t(1)).is_some());
        l.unlock();
        assert_eq!(l.begin_attempt(t(1), &P), Attempt::Proceed);
    }
}

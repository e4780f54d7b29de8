//! Refresh-token rotation with reuse detection (RFC 9700 §4.14.2) and a
//! retry leeway for answers that were lost on the way.
//!
//! ```text
//!   live ──present──────────────────────────────────► rotated (successor S)
//!   rotated, within the leeway, S never presented ──► rotated (successor S'; S replaced)
//!   rotated, S presented or the leeway passed ──────► reuse: the family is revoked
//!   replaced ──present──────────────────────────────► reuse: the family is revoked
//! ```
//!
//! The leeway exists because a rotation commits before its answer reaches
//! the client: if the connection drops (or the runtime is restarted) the
//! client still holds only the old token, and without a leeway its retry
//! would look exactly like theft. Within the leeway the retry gets a fresh
//! successor and the unused one is replaced; presenting a replaced token
//! is theft again (only someone else could hold it), so a thief who races
//! the client is caught as soon as the client presents what it was given.

use crate::time::UnixMillis;

/// What is known of a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presented {
    /// When it was rotated, if it was.
    pub rotated_at: Option<UnixMillis>,
    /// Whether a retry replaced it (it was an unused successor).
    pub replaced: bool,
    /// Whether its successor has been presented in turn.
    pub successor_used: bool,
    pub expires_at: UnixMillis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// First use: a successor is issued.
    Rotate,
    /// A retry within the leeway: a new successor replaces the unused one.
    Replace,
    /// A copy in someone else's hands: the whole family is revoked.
    Reuse,
    Expired,
}

#[must_use]
pub fn decide(p: &Presented, now: UnixMillis, leeway_ms: i64) -> Rotation {
    if p.replaced {
        return Rotation::Reuse;
    }
    match p.rotated_at {
        Some(at) if p.successor_used || now.0.saturating_sub(at.0) >= leeway_ms => Rotation::Reuse,
        _ if p.expires_at <= now => Rotation::Expired,
        Some(_) => Rotation::Replace,
        None => Rotation::Rotate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixMillis = UnixMillis(1_700_000_000_000);
    const LATER: UnixMillis = UnixMillis(1_800_000_000_000);

    fn token() -> Presented {
        Presented { rotated_at: None, replaced: false, successor_used: false, expires_at: LATER }
    }

    #[test]
    fn a_fresh_token_rotates_until_it_expires() {
        assert_eq!(decide(&token(), NOW, 10_000), Rotation::Rotate);
        assert_eq!(decide(&Presented { expires_at: NOW, ..token() }, NOW, 10_000), Rotation::Expired);
    }

    #[test]
    fn a_retry_within_the_leeway_replaces_the_unused_successor() {
        let rotated = Presented { rotated_at: Some(UnixMillis(NOW.0 - 9_999)), ..token() };
        assert_eq!(decide(&rotated, NOW, 10_000), Rotation::Replace);
        assert_eq!(decide(&Presented { rotated_at: Some(UnixMillis(NOW.0 - 10_000)), ..rotated }, NOW, 10_000), Rotation::Reuse);
        assert_eq!(decide(&Presented { successor_used: true, ..rotated }, NOW, 10_000), Rotation::Reuse);
        assert_eq!(decide(&rotated, NOW, 0), Rotation::Reuse, "a leeway of 0 turns retries off");
    }

    #[test]
    fn a_replaced_token_is_always_reuse() {
        let replaced = Presented { replaced: true, ..token() };
        assert_eq!(decide(&replaced, NOW, 10_000), Rotation::Reuse);
        let expired_rotated = Presented { rotated_at: Some(UnixMillis(NOW.0 - 60_000)), expires_at: NOW, ..token() };
        assert_eq!(decide(&expired_rotated, NOW, 10_000), Rotation::Reuse, "reuse is reported before expiry");
    }
}

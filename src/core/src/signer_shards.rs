//! Which `JwksSigner` object holds an application's keys.
//!
//! The signer is sharded by application, never by request: each
//! application's key set lives in exactly one shard, which is its single
//! authority (generation, rotation, retirement, its JWKS). A deployment has
//! `JWKS_SIGNER_SHARDS` shards (default 1: the design's singleton); a new
//! application goes to the shard its id hashes to, and stays there.
//!
//! Moving an application to another shard is a rotation whose new keys are
//! generated in the other object:
//!
//! ```text
//!   move ──► the new shard publishes pending keys; both shards' keys are published
//!   switch_at (move + lead): the new shard's keys sign; the old shard retires its own
//!   until (switch_at + retire grace): the old shard's keys leave the JWKS
//! ```
//! [`Placement`] is the record of it, kept with the application: which shard
//! signs at a given time ([`Placement::signing_shard`]) and which shards'
//! keys are published ([`Placement::published_shards`]).

use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The most shards a deployment may name: far past what any token rate
/// needs (`docs/signing.md`), and few enough to stay a small setting.
pub const MAX_SHARDS: u32 = 64;
/// The Worker variable naming the number of shards.
pub const SHARDS_VAR: &str = "JWKS_SIGNER_SHARDS";

/// The number of shards from the Worker variable: 1 when unset.
///
/// # Errors
/// A value that is not a whole number from 1 to [`MAX_SHARDS`].
pub fn parse_shards(var: Option<&str>) -> Result<u32, String> {
    let Some(v) = var.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(1) };
    v.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_SHARDS).contains(n))
        .ok_or_else(|| format!("{SHARDS_VAR} must be a whole number from 1 to {MAX_SHARDS}, not {v:?}"))
}

/// The shard a new application goes to: its id hashed, modulo `shards`.
#[must_use]
pub fn shard_for(app_id: &str, shards: u32) -> u32 {
    let digest = Sha256::digest(app_id.as_bytes());
    let mut first = [0u8; 4];
    first.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
    u32::from_be_bytes(first) % shards.max(1)
}

/// The Durable Object name of shard `n`. Shard 0 keeps the singleton's
/// name, so a deployment that had one signer keeps its keys where they are.
#[must_use]
pub fn object_name(shard: u32) -> String {
    if shard == 0 {
        "global".to_owned()
    } else {
        format!("global-{shard}")
    }
}

/// Where an application's keys live, and a move under way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub shard: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Previous>,
}

/// The shard an application is moving away from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Previous {
    pub shard: u32,
    /// From this time the new shard signs and the old one retires its keys.
    pub switch_at: UnixMillis,
    /// From this time no key of the old shard is published.
    pub until: UnixMillis,
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefused {
    /// The shard is not one of the deployment's.
    NoSuchShard { shards: u32 },
    /// The application's keys are there already.
    AlreadyThere,
    /// An earlier move has not finished (its old keys are still published).
    Moving { until: UnixMillis },
}

impl Placement {
    /// As the management API shows it (`SigningKeys.signer`).
    #[must_use]
    pub fn shown(&self, shards: u32, now: UnixMillis) -> serde_json::Value {
        let moving = self.moving(now).map(|p| serde_json::json!({ "from": p.shard, "switch_at": p.switch_at.0, "until": p.until.0 }));
        serde_json::json!({ "shard": self.shard, "shards": shards, "moving": moving })
    }

    /// A new application's placement.
    #[must_use]
    pub fn new_application(app_id: &str, shards: u32) -> Self {
        Self { shard: shard_for(app_id, shards), previous: None }
    }

    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The move still under way at `now`, if any.
    #[must_use]
    pub fn moving(&self, now: UnixMillis) -> Option<&Previous> {
        self.previous.as_ref().filter(|p| now < p.until)
    }

    /// The shard whose keys sign at `now`.
    #[must_use]
    pub fn signing_shard(&self, now: UnixMillis) -> u32 {
        match &self.previous {
            Some(p) if now < p.switch_at => p.shard,
            _ => self.shard,
        }
    }

    /// The shards whose keys are published at `now`: the signing one first.
    #[must_use]
    pub fn published_shards(&self, now: UnixMillis) -> Vec<u32> {
        match self.moving(now) {
            Some(p) if now < p.switch_at => vec![p.shard, self.shard],
            Some(p) => vec![self.shard, p.shard],
            None => vec![self.shard],
        }
    }

    /// The placement after a move to `to` decided at `now`: the new shard
    /// signs after `lead_ms` (its keys published meanwhile), and the old
    /// shard's keys stay published `grace_ms` more.
    ///
    /// # Errors
    /// See [`MoveRefused`].
    pub fn move_to(&self, to: u32, shards: u32, now: UnixMillis, lead_ms: i64, grace_ms: i64) -> Result<Self, MoveRefused> {
        if to >= shards {
            return Err(MoveRefused::NoSuchShard { shards });
        }
        if let Some(p) = self.moving(now) {
            return Err(MoveRefused::Moving { until: p.until });
        }
        if to == self.shard {
            return Err(MoveRefused::AlreadyThere);
        }
        let switch_at = now.plus_millis(lead_ms.max(0));
        Ok(Self { shard: to, previous: Some(Previous { shard: self.shard, switch_at, until: switch_at.plus_millis(grace_ms.max(0)) }) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_defaults_to_the_singleton() {
        assert_eq!(parse_shards(None), Ok(1));
        assert_eq!(parse_shards(Some(" ")), Ok(1));
        assert_eq!(parse_shards(Some("4")), Ok(4));
        for bad in ["0", "65", "-1", "two", "1.5"] {
            assert!(parse_shards(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn applications_spread_over_the_shards_and_one_shard_is_the_singleton() {
        let ids: Vec<String> = (0..400).map(|i| format!("app_{i:04}")).collect();
        for id in &ids {
            assert_eq!(shard_for(id, 1), 0);
            assert_eq!(shard_for(id, 4), shard_for(id, 4), "stable");
        }
        let mut counts = [0u32; 4];
        for id in &ids {
            counts[shard_for(id, 4) as usize] += 1;
        }
        assert!(counts.iter().all(|&n| (60..=140).contains(&n)), "{counts:?}");
        assert_eq!(object_name(0), "global");
        assert_eq!(object_name(3), "global-3");
    }

    #[test]
    fn a_move_signs_with_the_old_shard_until_the_switch_and_publishes_both_until_the_end() {
        let at = |ms| UnixMillis(ms);
        let start = Placement { shard: 1, previous: None };
        assert_eq!(start.published_shards(at(0)), vec![1]);
        let moved = start.move_to(3, 4, at(1_000), 500, 2_000).unwrap();
        assert_eq!(moved.previous, Some(Previous { shard: 1, switch_at: at(1_500), until: at(3_500) }));
        assert_eq!(moved.signing_shard(at(1_499)), 1);
        assert_eq!(moved.published_shards(at(1_499)), vec![1, 3]);
        assert_eq!(moved.signing_shard(at(1_500)), 3);
        assert_eq!(moved.published_shards(at(1_500)), vec![3, 1]);
        assert_eq!(moved.published_shards(at(3_500)), vec![3]);
        assert_eq!(moved.moving(at(3_499)).map(|p| p.shard), Some(1));
        assert!(moved.moving(at(3_500)).is_none());
    }

    #[test]
    fn a_move_is_refused_while_one_is_under_way_to_the_same_shard_or_past_the_last() {
        let at = |ms| UnixMillis(ms);
        let p = Placement { shard: 0, previous: None };
        assert_eq!(p.move_to(0, 2, at(0), 0, 0), Err(MoveRefused::AlreadyThere));
        assert_eq!(p.move_to(2, 2, at(0), 0, 0), Err(MoveRefused::NoSuchShard { shards: 2 }));
        let moved = p.move_to(1, 2, at(0), 10, 10).unwrap();
        assert_eq!(moved.move_to(0, 2, at(19), 10, 10), Err(MoveRefused::Moving { until: at(20) }));
        // Once the old keys are gone, it may move back.
        assert_eq!(moved.move_to(0, 2, at(20), 10, 10).map(|m| m.shard), Ok(0));
    }
}

//! The lifecycle of an application's signing keys, as a pure plan.
//!
//! ```text
//!            publish_lead                 rotation              retire_grace
//! pending ───────────────► active ─────────────────► retired ───────────────► deleted
//! (in JWKS, not signing)   (signs)   (next key promoted)  (in JWKS, not signing)
//! ```
//! A new key is published before it signs, so relying parties that cache the
//! JWKS already know it; an old key stays published until every token it
//! signed has expired (`retire_grace` ≥ the longest token lifetime). One
//! active key per algorithm. `JwksSigner` stores the records and carries out
//! the [`Step`]s that [`plan`] returns.

use crate::jose::alg::Alg;
use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Pending,
    Active,
    Retired,
}

impl KeyStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Pending => "pending",
            KeyStatus::Active => "active",
            KeyStatus::Retired => "retired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub kid: String,
    pub alg: Alg,
    pub status: KeyStatus,
    pub created_at: UnixMillis,
    pub activates_at: UnixMillis,
    pub expires_at: Option<UnixMillis>,
}

impl KeyRecord {
    /// What the management API shows of a key: never key material.
    #[must_use]
    pub fn shown(&self) -> serde_json::Value {
        serde_json::json!({
            "kid": self.kid,
            "alg": self.alg.as_str(),
            "status": self.status.as_str(),
            "created_at": self.created_at.0,
            "activates_at": self.activates_at.0,
            "expires_at": self.expires_at.map(|t| t.0),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPolicy {
    /// How long a new key is published before it signs: at least the JWKS
    /// cache lifetime we announce.
    pub publish_lead_ms: i64,
    /// Age at which an active key is replaced on schedule.
    pub rotation_period_ms: i64,
    /// How long a retired key stays published: the longest token lifetime.
    pub retire_grace_ms: i64,
}

/// What to do to the stored keys, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Make a key of `alg` that signs from `activates_at` on.
    Generate { alg: Alg, activates_at: UnixMillis },
    Promote { kid: String },
    Retire { kid: String, expires_at: UnixMillis },
    Delete { kid: String },
}

pub const ALGS: [Alg; 2] = [Alg::RS256, Alg::ES256];

/// The steps that bring `keys` (one application's) up to date at `now`.
#[must_use]
pub fn plan(keys: &[KeyRecord], now: UnixMillis, policy: &KeyPolicy) -> Vec<Step> {
    let mut steps = Vec::new();
    for alg in ALGS {
        let active = keys.iter().find(|k| k.alg == alg && k.status == KeyStatus::Active);
        let due = keys
            .iter()
            .filter(|k| k.alg == alg && k.status == KeyStatus::Pending && k.activates_at <= now)
            .max_by_key(|k| k.activates_at);
        let waiting = keys.iter().any(|k| k.alg == alg && k.status == KeyStatus::Pending && k.activates_at > now);
        match (active, due) {
            (_, Some(next)) => {
                if let Some(old) = active {
                    steps.push(Step::Retire { kid: old.kid.clone(), expires_at: now.plus_millis(policy.retire_grace_ms) });
                }
                steps.push(Step::Promote { kid: next.kid.clone() });
            }
            // No key yet: nothing can have been signed or cached, so the
            // first key signs at once.
            (None, None) if !waiting => steps.push(Step::Generate { alg, activates_at: now }),
            (Some(a), None) if !waiting && a.activates_at.plus_millis(policy.rotation_period_ms) <= now => {
                steps.push(Step::Generate { alg, activates_at: now.plus_millis(policy.publish_lead_ms) });
            }
            _ => {}
        }
    }
    for k in keys {
        if k.status == KeyStatus::Retired && k.expires_at.is_some_and(|e| e <= now) {
            steps.push(Step::Delete { kid: k.kid.clone() });
        }
    }
    steps
}

/// On-demand rotation: a pending key per algorithm, published now and
/// signing after `lead_ms`, unless one is already waiting.
#[must_use]
pub fn rotate(keys: &[KeyRecord], now: UnixMillis, lead_ms: i64) -> Vec<Step> {
    ALGS.into_iter()
        .filter(|alg| !keys.iter().any(|k| k.alg == *alg && k.status == KeyStatus::Pending))
        .map(|alg| Step::Generate { alg, activates_at: now.plus_millis(lead_ms) })
        .collect()
}

/// The plan for an application whose keys are moving to another shard
/// (`crate::signer_shards`), in the shard it leaves: until `handover_at`
/// its keys go on as before but no new key is made here; from then on
/// its active keys retire (published `retire_grace` more), a pending one
/// is dropped (it never signed), and nothing is ever generated again.
#[must_use]
pub fn plan_handing_over(keys: &[KeyRecord], now: UnixMillis, handover_at: UnixMillis, policy: &KeyPolicy) -> Vec<Step> {
    if now < handover_at {
        return plan(keys, now, policy).into_iter().filter(|s| !matches!(s, Step::Generate { .. })).collect();
    }
    let mut steps = Vec::new();
    for k in keys {
        match k.status {
            KeyStatus::Active => steps.push(Step::Retire { kid: k.kid.clone(), expires_at: now.plus_millis(policy.retire_grace_ms) }),
            KeyStatus::Pending => steps.push(Step::Delete { kid: k.kid.clone() }),
            KeyStatus::Retired if k.expires_at.is_some_and(|e| e <= now) => steps.push(Step::Delete { kid: k.kid.clone() }),
            KeyStatus::Retired => {}
        }
    }
    steps
}

/// When `plan` will next have something to do.
#[must_use]
pub fn next_event(keys: &[KeyRecord], policy: &KeyPolicy) -> Option<UnixMillis> {
    keys.iter()
        .filter_map(|k| match k.status {
            KeyStatus::Pending => Some(k.activates_at),
            KeyStatus::Active => Some(k.activates_at.plus_millis(policy.rotation_period_ms)),
            KeyStatus::Retired => k.expires_at,
        })
        .min()
}

/// The key that signs `alg` tokens now.
#[must_use]
pub fn signing_key(keys: &[KeyRecord], alg: Alg) -> Option<&KeyRecord> {
    keys.iter().find(|k| k.alg == alg && k.status == KeyStatus::Active)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: KeyPolicy = KeyPolicy { publish_lead_ms: 600_000, rotation_period_ms: 1_000_000, retire_grace_ms: 300_000 };

    fn key(kid: &str, alg: Alg, status: KeyStatus, activates_at: i64, expires_at: Option<i64>) -> KeyRecord {
        KeyRecord {
            kid: kid.into(),
            alg,
            status,
            created_at: UnixMillis(0),
            activates_at: UnixMillis(activates_at),
            expires_at: expires_at.map(UnixMillis),
        }
    }

    /// Applies steps the way JwksSigner does, naming generated keys g0, g1…
    fn apply(keys: &mut Vec<KeyRecord>, steps: Vec<Step>, now: i64) {
        for s in steps {
            match s {
                Step::Generate { alg, activates_at } => {
                    let kid = format!("g{}", keys.len());
                    let status = if activates_at.0 <= now { KeyStatus::Active } else { KeyStatus::Pending };
                    keys.push(key(&kid, alg, status, activates_at.0, None));
                }
                Step::Promote { kid } => keys.iter_mut().filter(|k| k.kid == kid).for_each(|k| k.status = KeyStatus::Active),
                Step::Retire { kid, expires_at } => keys.iter_mut().filter(|k| k.kid == kid).for_each(|k| {
                    k.status = KeyStatus::Retired;
                    k.expires_at = Some(expires_at);
                }),
                Step::Delete { kid } => keys.retain(|k| k.kid != kid),
            }
        }
    }

    #[test]
    fn a_shard_handing_over_makes_no_key_and_retires_its_own_at_the_handover() {
        let keys = vec![
            key("a", Alg::ES256, KeyStatus::Active, 0, None),
            key("p", Alg::RS256, KeyStatus::Pending, 5_000_000, None),
            key("r", Alg::RS256, KeyStatus::Retired, 0, Some(10)),
        ];
        // Before the handover: the usual plan (the expired key goes), but
        // no key is generated, though RS256 has no active key and ES256 is
        // past its rotation period.
        let before = plan_handing_over(&keys, UnixMillis(2_000_000), UnixMillis(3_000_000), &POLICY);
        assert_eq!(before, vec![Step::Delete { kid: "r".into() }]);
        let after = plan_handing_over(&keys, UnixMillis(3_000_000), UnixMillis(3_000_000), &POLICY);
        assert_eq!(
            after,
            vec![
                Step::Retire { kid: "a".into(), expires_at: UnixMillis(3_300_000) },
                Step::Delete { kid: "p".into() },
                Step::Delete { kid: "r".into() },
            ]
        );
        // Nothing is ever made again there.
        assert!(plan_handing_over(&[], UnixMillis(9_000_000), UnixMillis(3_000_000), &POLICY).is_empty());
    }

    #[test]
    fn a_new_application_gets_one_active_key_per_algorithm() {
        let steps = plan(&[], UnixMillis(5), &POLICY);
        assert_eq!(
            steps,
            vec![
                Step::Generate { alg: Alg::RS256, activates_at: UnixMillis(5) },
                Step::Generate { alg: Alg::ES256, activates_at: UnixMillis(5) }
            ]
        );
        let mut keys = vec![];
        apply(&mut keys, steps, 5);
        assert!(plan(&keys, UnixMillis(6), &POLICY).is_empty());
        assert_eq!(signing_key(&keys, Alg::ES256).map(|k| k.kid.as_str()), Some("g1"));
    }

    #[test]
    fn scheduled_rotation_publishes_before_signing_and_keeps_the_old_key_until_its_tokens_expire() {
        let mut keys = vec![];
        apply(&mut keys, plan(&[], UnixMillis(0), &POLICY), 0);
        // At the rotation period: a pending key appears, the old one still signs.
        let t1 = POLICY.rotation_period_ms;
        assert_eq!(next_event(&keys, &POLICY), Some(UnixMillis(t1)));
        let steps = plan(&keys, UnixMillis(t1), &POLICY);
        apply(&mut keys, steps, t1);
        assert_eq!(keys.iter().filter(|k| k.status == KeyStatus::Pending).count(), 2);
        assert_eq!(signing_key(&keys, Alg::RS256).map(|k| k.kid.as_str()), Some("g0"));
        // Nothing more until the lead has passed.
        assert!(plan(&keys, UnixMillis(t1 + POLICY.publish_lead_ms - 1), &POLICY).is_empty());
        let t2 = t1 + POLICY.publish_lead_ms;
        let steps = plan(&keys, UnixMillis(t2), &POLICY);
        apply(&mut keys, steps, t2);
        assert_eq!(signing_key(&keys, Alg::RS256).map(|k| k.kid.as_str()), Some("g2"));
        let old = keys.iter().find(|k| k.kid == "g0").unwrap();
        assert_eq!((old.status, old.expires_at), (KeyStatus::Retired, Some(UnixMillis(t2 + POLICY.retire_grace_ms))));
        // Deleted only once its grace is over.
        assert!(!plan(&keys, UnixMillis(t2 + POLICY.retire_grace_ms - 1), &POLICY).iter().any(|s| matches!(s, Step::Delete { .. })));
        let t3 = t2 + POLICY.retire_grace_ms;
        let steps = plan(&keys, UnixMillis(t3), &POLICY);
        apply(&mut keys, steps, t3);
        assert!(keys.iter().all(|k| k.kid != "g0" && k.kid != "g1"));
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn on_demand_rotation_adds_one_pending_key_per_algorithm_once() {
        let mut keys = vec![];
        apply(&mut keys, plan(&[], UnixMillis(0), &POLICY), 0);
        let steps = rotate(&keys, UnixMillis(10), 1_000);
        assert_eq!(steps.len(), 2);
        apply(&mut keys, steps, 10);
        assert!(rotate(&keys, UnixMillis(11), 1_000).is_empty(), "already rotating");
        assert_eq!(next_event(&keys, &POLICY), Some(UnixMillis(1_010)));
    }
}

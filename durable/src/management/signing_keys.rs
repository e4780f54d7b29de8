//! `/applications/{id}/signing-keys/rotate`: on-demand key rotation. The
//! new keys (one per algorithm) are published at once and sign after
//! `activate_after_seconds`: by default an hour, so relying parties' JWKS
//! caches hold them before any token does; 0 for an emergency such as a
//! suspected key compromise (tokens signed by the old key then fail at
//! relying parties that have not refetched the JWKS).
//!
//! Also the calls the application lifecycle makes to the JwksSigner:
//! `/ensure` on creation (keys generated ahead of need, so the first token
//! request does not wait ~1 s for RSA key generation) and `/forget` on
//! deletion.

use super::{body, Ctx, Outcome};
use crate::tenant_command::Command;
use crate::{respond, signer_call};
use aero2_core::application::Application;
use aero2_core::json_body::reject_unknown;
use aero2_core::error::ApiError;
use crate::{db, now};
use aero2_core::signer_shards::MoveRefused;
use aero2_core::time::UnixMillis;
use serde_json::{json, Value};
use worker::{Env, Request};

const LEAD: &str = "activate_after_seconds";
const SHARD: &str = "shard";
const DEFAULT_LEAD_SECS: u64 = 3_600;
/// A week: longer would leave the current key signing well past any
/// reason to rotate now.
const MAX_LEAD_SECS: u64 = 7 * 86_400;

/// Every key of the application: pending (published, not yet signing),
/// active, retired (published until the tokens it signed expire), from
/// each shard that publishes them, and where they live.
pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let t = now();
    let mut keys = Vec::new();
    for shard in app.signer.published_shards(t) {
        let part = signer_call::keys(ctx.env, shard, &app.id).await?;
        for mut key in part.get("keys").and_then(Value::as_array).cloned().unwrap_or_default() {
            if let Some(obj) = key.as_object_mut() {
                obj.insert("shard".into(), shard.into());
            }
            keys.push(key);
        }
    }
    let shards = crate::forward::signer_shards(ctx.env)?;
    Ok(respond::json(200, &json!({ "keys": keys, "signer": app.signer.shown(shards, t) }))?)
}

pub async fn rotate(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let lead = parse_lead(body::optional_json(req).await?.as_ref(), &[LEAD])?;
    let t = now();
    // Before a move's switch the old shard signs, and it is handing over:
    // a rotation there would be dropped. From the switch on, the new shard
    // signs and rotates like any other.
    if let Some(moving) = app.signer.moving(t).filter(|m| t < m.switch_at) {
        let message = format!("are moving to another signer shard until {}", moving.switch_at.0);
        return Err(ApiError::Conflict { field: "signing_keys", message }.into());
    }
    let jwks = signer_call::rotate(ctx.env, app.signer.signing_shard(t), &app.id, lead).await?;
    Command::KeysChanged.send(ctx.env, app).await?;
    Ok(crate::forward::forgetting(respond::json(200, &jwks)?, &app.id)?)
}

/// Moves the application's keys to another shard, as a rotation
/// (`aero2_core::signer_shards`): the new shard publishes its keys first,
/// the old one hands over at the switch; the record in D1 says which signs.
pub async fn move_to(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let body = body::json(req).await?;
    let lead = parse_lead(Some(&body), &[LEAD, SHARD])?;
    let to = body
        .get(SHARD)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| ApiError::invalid(SHARD, "must be a shard number"))?;
    let shards = crate::forward::signer_shards(ctx.env)?;
    let t = now();
    let placement = app.signer.move_to(to, shards, t, lead, crate::jwks_signer::POLICY.retire_grace_ms).map_err(|refused| match refused {
        MoveRefused::NoSuchShard { shards } => ApiError::invalid(SHARD, format!("must be from 0 to {}", shards - 1)),
        MoveRefused::AlreadyThere => ApiError::Conflict { field: SHARD, message: "is the one the keys are on".into() },
        MoveRefused::Moving { until } => {
            ApiError::Conflict { field: SHARD, message: format!("cannot change before the move under way ends at {}", until.0) }
        }
    })?;
    let from = app.signer.shard;
    let switch_at = placement.previous.as_ref().map_or(t, |p| p.switch_at);
    // 1. The new keys, published at once, active a moment before the
    //    switch (the new shard's clock and the tenant's may differ by
    //    that much; both shards' keys are published, so either may sign).
    let activates_at = UnixMillis(switch_at.0.saturating_sub(ACTIVATION_MARGIN_MS).max(t.0));
    signer_call::move_in(ctx.env, to, &app.id, activates_at).await?;
    // 2. The record, only if nothing changed the application meanwhile:
    //    from here on the tenant signs where it says.
    let mut moved = app.clone();
    moved.signer = placement;
    moved.updated_at = now().0.max(app.updated_at + 1);
    if !db::update_app_signer(&ctx.db, &moved, app).await? {
        // Undo step 1: the new shard drops its pending keys and makes none.
        signer_call::hand_over(ctx.env, to, &app.id, t).await?;
        return Err(ApiError::Conflict { field: SHARD, message: "changed while the keys were being moved; try again".into() }.into());
    }
    // 3. The old shard retires its keys at the switch and makes none after.
    //    Should this fail, the tenant still signs with the new shard from
    //    the switch on; the old keys leave the JWKS at `until`.
    signer_call::hand_over(ctx.env, from, &app.id, switch_at).await?;
    let stored = db::app_by_id(&ctx.db, &app.id).await?.unwrap_or(moved);
    Command::ApplicationChanged { application: Box::new(stored.clone()) }.send(ctx.env, app).await?;
    Command::KeysChanged.send(ctx.env, app).await?;
    let resp = list(ctx, &stored).await?;
    Ok(crate::forward::forgetting(resp, &app.id)?)
}

/// How much earlier than the switch the new shard's keys may sign.
const ACTIVATION_MARGIN_MS: i64 = 1_000;

/// `activate_after_seconds` (0..=604800, default 3600) of a body of
/// `fields` (or no body at all), in milliseconds.
fn parse_lead(body: Option<&Value>, fields: &[&str]) -> Result<i64, ApiError> {
    let Some(body) = body else { return Ok(millis(DEFAULT_LEAD_SECS)) };
    let obj = body.as_object().ok_or_else(|| ApiError::InvalidBody("body must be a JSON object".into()))?;
    reject_unknown(obj, fields)?;
    let secs = match obj.get(LEAD) {
        None => DEFAULT_LEAD_SECS,
        Some(n) => n
            .as_u64()
            .filter(|n| *n <= MAX_LEAD_SECS)
            .ok_or_else(|| ApiError::invalid(LEAD, format!("must be an integer from 0 to {MAX_LEAD_SECS}")))?,
    };
    Ok(millis(secs))
}

/// Has the application's signer shard generate its keys now.
pub async fn ensure(env: &Env, app: &Application) -> worker::Result<()> {
    signer_call::ensure(env, app.signer.shard, &app.id).await
}

/// Has every shard delete a deleted application's keys and never make one
/// again: any shard may hold some (moves, a move that failed half-way),
/// and there are at most 64.
pub async fn forget(env: &Env, app: &Application) -> worker::Result<()> {
    let configured = crate::forward::signer_shards(env)?;
    let named = app.signer.previous.as_ref().map_or(app.signer.shard, |p| p.shard.max(app.signer.shard)) + 1;
    for shard in 0..configured.max(named) {
        signer_call::forget(env, shard, &app.id).await?;
    }
    Ok(())
}

fn millis(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

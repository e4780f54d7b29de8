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
use serde_json::Value;
use worker::{Env, Request};

const FIELD: &str = "activate_after_seconds";
const DEFAULT_LEAD_SECS: u64 = 3_600;
/// A week: longer would leave the current key signing well past any
/// reason to rotate now.
const MAX_LEAD_SECS: u64 = 7 * 86_400;

/// Every key of the application: pending (published, not yet signing),
/// active, retired (published until the tokens it signed expire).
pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    Ok(respond::json(200, &signer_call::keys(ctx.env, &app.id).await?)?)
}

pub async fn rotate(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let lead = parse_lead(body::optional_json(req).await?.as_ref())?;
    let activate_after_ms = lead.saturating_mul(1000);
    let jwks = signer_call::rotate(ctx.env, &app.id, i64::try_from(activate_after_ms).unwrap_or(i64::MAX)).await?;
    Command::KeysChanged.send(ctx.env, &app.id).await?;
    Ok(crate::forward::forgetting(respond::json(200, &jwks)?, &app.id)?)
}

/// `{"activate_after_seconds"?: 0..=604800}`, or no body at all.
fn parse_lead(body: Option<&Value>) -> Result<u64, ApiError> {
    let Some(body) = body else { return Ok(DEFAULT_LEAD_SECS) };
    let obj = body.as_object().ok_or_else(|| ApiError::InvalidBody("body must be a JSON object".into()))?;
    reject_unknown(obj, &[FIELD])?;
    match obj.get(FIELD) {
        None => Ok(DEFAULT_LEAD_SECS),
        Some(n) => n
            .as_u64()
            .filter(|n| *n <= MAX_LEAD_SECS)
            .ok_or_else(|| ApiError::invalid(FIELD, format!("must be an integer from 0 to {MAX_LEAD_SECS}"))),
    }
}

/// Has the JwksSigner generate an application's keys now.
pub async fn ensure(env: &Env, app_id: &str) -> worker::Result<()> {
    signer_call::ensure(env, app_id).await
}

/// Has the JwksSigner delete every key of a deleted application.
pub async fn forget(env: &Env, app_id: &str) -> worker::Result<()> {
    signer_call::forget(env, app_id).await
}

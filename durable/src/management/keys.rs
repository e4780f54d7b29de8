//! `/applications/{id}/keys`: mint, list and revoke API keys.

use super::{body, Ctx, Outcome};
use crate::db::{self, ApiKeyRow};
use crate::{now, respond, rng};
use aero2_core::api_key::mint;
use aero2_core::application::{Application, NewApiKey};
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, new_id, IdKind};
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let keys = db::list_keys(&ctx.db, &app.id).await?;
    Ok(respond::json(200, &json!({ "keys": keys }))?)
}

/// The full key is in this response and nowhere else, ever.
pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let new = NewApiKey::from_json(&body::json(req).await?)?;
    let minted = mint(new.kind, rng::bytes()?);
    let row = ApiKeyRow {
        id: new_id(IdKind::ApiKey, rng::bytes()?),
        app_id: app.id.clone(),
        kind: new.kind.as_str().to_owned(),
        name: new.name,
        prefix: minted.public_prefix.clone(),
        secret_hash: minted.secret_hash.clone(),
        created_at: now().0,
        last_used_at: None,
        revoked_at: None,
    };
    db::insert_key(&ctx.db, &row).await?;
    let mut shown = serde_json::to_value(&row)?;
    if let Some(obj) = shown.as_object_mut() {
        obj.insert("key".into(), minted.key.secret().into());
    }
    Ok(respond::json(201, &shown)?)
}

/// Revocation is immediate and idempotent.
pub async fn revoke(ctx: &Ctx<'_>, app: &Application, key_id: &str) -> Outcome {
    if !is_id(IdKind::ApiKey, key_id) || db::key_by_id(&ctx.db, &app.id, key_id).await?.is_none() {
        return Err(ApiError::NotFound.into());
    }
    db::revoke_key(&ctx.db, &app.id, key_id, now()).await?;
    Ok(respond::no_content()?)
}

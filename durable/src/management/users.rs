//! `/applications/{id}/users`: an application's user pool.

use super::{body, Ctx, Outcome};
use crate::tenant_command::Command;
use crate::{directory, now, respond};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, IdKind};
use aero2_core::password::{NewUser, UserPatch};
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let users = directory::list_users(&ctx.db, &app.id).await?;
    Ok(Ok(respond::json(200, &json!({ "users": users }))?))
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let new = match body::json(req).await?.and_then(|b| NewUser::from_json(&b)) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    match directory::create_user(&ctx.db, &app.id, new, now()).await? {
        Some(user) => Ok(Ok(respond::json(201, &user)?)),
        None => Ok(Err(ApiError::Conflict { field: "email", message: "is already registered in this application".into() })),
    }
}

pub async fn get(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    if !is_id(IdKind::User, user_id) {
        return Ok(Err(ApiError::NotFound));
    }
    match directory::user_by_id(&ctx.db, &app.id, user_id).await? {
        Some(u) => Ok(Ok(respond::json(200, &u)?)),
        None => Ok(Err(ApiError::NotFound)),
    }
}

/// Opens a locked-out account at once (the operator's override). The lock
/// is keyed by the sign-in identifier, the user's email.
pub async fn unlock(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    if !is_id(IdKind::User, user_id) {
        return Ok(Err(ApiError::NotFound));
    }
    let Some(user) = directory::user_by_id(&ctx.db, &app.id, user_id).await? else {
        return Ok(Err(ApiError::NotFound));
    };
    if let Some(email) = &user.email {
        Command::Unlock { identifier: email.clone() }.send(ctx.env, &app.id).await?;
    }
    Ok(Ok(respond::no_content()?))
}

/// Renames or disables a user. Disabling ends every session, grant, refresh
/// token and grant-bound access token of the user at once (in the
/// application's object); enabling only lets them sign in again.
pub async fn update(req: Request, ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    if !is_id(IdKind::User, user_id) {
        return Ok(Err(ApiError::NotFound));
    }
    let Some(mut user) = directory::user_by_id(&ctx.db, &app.id, user_id).await? else {
        return Ok(Err(ApiError::NotFound));
    };
    let patch = match body::json(req).await?.and_then(|b| UserPatch::from_json(&b)) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(name) = patch.name {
        user.name = Some(name);
    }
    if let Some(disabled) = patch.disabled {
        user.disabled = disabled;
    }
    user.updated_at = now().0;
    directory::update_user(&ctx.db, &user).await?;
    if user.disabled {
        Command::UserDisabled { user_id: user.id.clone() }.send(ctx.env, &app.id).await?;
    } else {
        Command::UsersChanged.send(ctx.env, &app.id).await?;
    }
    Ok(Ok(respond::json(200, &user)?))
}

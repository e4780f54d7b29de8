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
    Ok(respond::json(200, &json!({ "users": users }))?)
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let new = NewUser::from_json(&body::json(req).await?)?;
    match directory::create_user(&ctx.db, &app.id, new, now()).await? {
        Some(user) => Ok(respond::json(201, &user)?),
        None => Err(ApiError::Conflict { field: "email", message: "is already registered in this application".into() }.into()),
    }
}

pub async fn get(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    if !is_id(IdKind::User, user_id) {
        return Err(ApiError::NotFound.into());
    }
    match directory::user_by_id(&ctx.db, &app.id, user_id).await? {
        Some(u) => Ok(respond::json(200, &u)?),
        None => Err(ApiError::NotFound.into()),
    }
}

/// Opens a locked-out account at once (the operator's override). The lock
/// is keyed by the sign-in identifier, the user's email.
pub async fn unlock(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    if !is_id(IdKind::User, user_id) {
        return Err(ApiError::NotFound.into());
    }
    let Some(user) = directory::user_by_id(&ctx.db, &app.id, user_id).await? else {
        return Err(ApiError::NotFound.into());
    };
    if let Some(email) = &user.email {
        Command::Unlock { identifier: email.clone() }.send(ctx.env, &app.id).await?;
    }
    Ok(respond::no_content()?)
}

/// Renames or disables a user. Disabling ends every session, grant, refresh
/// token and grant-bound access token of the user at once (in the
/// application's object); enabling only lets them sign in again.
pub async fn update(req: Request, ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    if !is_id(IdKind::User, user_id) {
        return Err(ApiError::NotFound.into());
    }
    let Some(mut user) = directory::user_by_id(&ctx.db, &app.id, user_id).await? else {
        return Err(ApiError::NotFound.into());
    };
    let patch = UserPatch::from_json(&body::json(req).await?)?;
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
    Ok(respond::json(200, &user)?)
}

/// The user's second factors (never their secrets) and recovery codes left.
pub async fn factors(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    let user = existing(ctx, app, user_id).await?;
    let list = crate::factors::list(&ctx.db, &app.id, &user.id).await?;
    let left = crate::factors::recovery_codes_left(&ctx.db, &app.id, &user.id).await?;
    Ok(respond::json(200, &json!({ "factors": list, "recovery_codes_left": left }))?)
}

/// Removes every second factor and recovery code of the user (a lost
/// phone): their next sign-in asks for a new one if the application
/// requires it. The second-factor lockout is lifted too.
pub async fn reset_factors(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    let user = existing(ctx, app, user_id).await?;
    crate::factors::remove_all(&ctx.db, &app.id, &user.id).await?;
    Command::FactorsReset { user_id: user.id.clone() }.send(ctx.env, &app.id).await?;
    Ok(respond::no_content()?)
}

async fn existing(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> crate::fail::ApiResult<crate::directory::User> {
    if !is_id(IdKind::User, user_id) {
        return Err(ApiError::NotFound.into());
    }
    Ok(directory::user_by_id(&ctx.db, &app.id, user_id).await?.ok_or(ApiError::NotFound)?)
}

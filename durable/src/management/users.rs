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

/// One page, oldest first: `?email=` (part of the address), `limit`,
/// `after` (the previous page's `next_after`: where it ended).
pub async fn list(req: &Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let query = aero2_core::user_list::Query::from_query(&body::query(req)?)?;
    let mut users = directory::list_users(&ctx.db, &app.id, &query).await?;
    let next_after = aero2_core::paging::cut(&mut users, query.limit, |u| aero2_core::user_list::Cursor::of(u.created_at, &u.id).to_string());
    Ok(respond::json(200, &json!({ "users": users, "next_after": next_after }))?)
}

/// Deletes the account and everything that is only its: identities,
/// second factors, roles, memberships; its sessions and tokens end at
/// once; invitations they sent as an organization's admin are revoked.
/// The audit log keeps its history. A Dashboard developer is refused
/// (409: disable them; their teams would be left without an owner).
pub async fn delete(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    let user = existing(ctx, app, user_id).await?;
    if app.id == aero2_core::application::DASHBOARD_APP_ID {
        return Err(ApiError::Conflict { field: "user_id", message: "is a Dashboard developer: disable them instead (their teams keep an owner)".into() }.into());
    }
    directory::delete_user(&ctx.db, &app.id, &user.id, now()).await?;
    Command::UserDeleted { user_id: user.id.clone() }.send(ctx.env, app).await?;
    Ok(respond::no_content()?)
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
        Command::Unlock { identifier: email.clone() }.send(ctx.env, app).await?;
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
    if let Some(metadata) = patch.metadata {
        user.metadata = metadata;
    }
    user.updated_at = now().0;
    directory::update_user(&ctx.db, &user).await?;
    if user.disabled {
        Command::UserDisabled { user_id: user.id.clone() }.send(ctx.env, app).await?;
    } else {
        Command::UsersChanged.send(ctx.env, app).await?;
    }
    Ok(respond::json(200, &user)?)
}

/// The user's signed-in browsers (`{"sessions": [{"id", "created_at",
/// "last_seen_at", "user_agent", "ip"}]}`), from the application's object.
pub async fn sessions(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    let user = existing(ctx, app, user_id).await?;
    let list = Command::UserSessions { user_id: user.id.clone() }.ask(ctx.env, &app.id, 0).await?;
    Ok(respond::json(200, &list)?)
}

/// Signs the user out everywhere: every session, grant and refresh token
/// (and the access tokens bound to them) ends at once.
pub async fn end_sessions(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    let user = existing(ctx, app, user_id).await?;
    Command::EndSessions { user_id: user.id.clone() }.send(ctx.env, app).await?;
    Ok(respond::no_content()?)
}

/// The upstream identities linked to the user (never their tokens).
pub async fn identities(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    let user = existing(ctx, app, user_id).await?;
    let providers = crate::idps::list(&ctx.db, ctx.env, &app.id, &app.slug).await?;
    let list: Vec<serde_json::Value> =
        crate::idps::identities_of(&ctx.db, &app.id, &user.id).await?.iter().map(|i| crate::idps::identity_json(i, &providers)).collect();
    Ok(respond::json(200, &json!({ "identities": list, "has_password": user.password_hash.is_some() }))?)
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
    Command::FactorsReset { user_id: user.id.clone() }.send(ctx.env, app).await?;
    Ok(respond::no_content()?)
}

async fn existing(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> crate::fail::ApiResult<crate::directory::User> {
    if !is_id(IdKind::User, user_id) {
        return Err(ApiError::NotFound.into());
    }
    Ok(directory::user_by_id(&ctx.db, &app.id, user_id).await?.ok_or(ApiError::NotFound)?)
}

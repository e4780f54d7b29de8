//! `/applications/{id}/users`: an application's user pool.

use super::{body, Ctx, Outcome};
use crate::{directory, now, respond};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, IdKind};
use aero2_core::password::NewUser;
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
        crate::tenant_app::unlock_sign_in(ctx.env, &app.id, email).await?;
    }
    Ok(Ok(respond::no_content()?))
}

//! `/applications/{id}/invitations`: who may sign up when sign-up is
//! invite-only. The operator (or the application's key) invites an address;
//! the person signs up on the hosted page with it.

use super::{body, Ctx, Outcome};
use crate::fail::Fail;
use crate::{directory, now, respond};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::json_body::{object, reject_unknown};
use aero2_core::password::normalize_email;
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let invitations = directory::list_invitations(&ctx.db, &app.id).await?;
    Ok(respond::json(200, &json!({ "invitations": invitations }))?)
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let b = body::json(req).await?;
    let obj = object(&b)?;
    reject_unknown(obj, &["email"])?;
    let email = normalize_email(obj.get("email").and_then(|e| e.as_str()).ok_or_else(|| ApiError::invalid("email", "is required"))?)?;
    directory::invite(&ctx.db, &app.id, &email, now()).await?;
    match directory::invitation(&ctx.db, &app.id, &email).await? {
        Some(i) => Ok(respond::json(201, &i)?),
        None => Err(Fail::Internal("invitation vanished".into())),
    }
}

pub async fn delete(ctx: &Ctx<'_>, app: &Application, email: &str) -> Outcome {
    let Ok(email) = normalize_email(email) else { return Err(ApiError::NotFound.into()) };
    if directory::invitation(&ctx.db, &app.id, &email).await?.is_none() {
        return Err(ApiError::NotFound.into());
    }
    directory::delete_invitation(&ctx.db, &app.id, &email).await?;
    Ok(respond::no_content()?)
}

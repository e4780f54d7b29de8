//! `/applications/{id}/invitations`: who may sign up when sign-up is
//! invite-only. The operator (or the application's key) invites an address;
//! the person signs up on the hosted page with it.

use super::{body, Ctx, Outcome};
use crate::{directory, now, respond};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::json_body::{object, reject_unknown};
use aero2_core::password::normalize_email;
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let invitations = directory::list_invitations(&ctx.db, &app.id).await?;
    Ok(Ok(respond::json(200, &json!({ "invitations": invitations }))?))
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let email = match body::json(req).await?.and_then(|b| {
        let obj = object(&b)?;
        reject_unknown(obj, &["email"])?;
        let raw = obj.get("email").and_then(|e| e.as_str()).ok_or_else(|| ApiError::invalid("email", "is required"))?;
        normalize_email(raw)
    }) {
        Ok(e) => e,
        Err(e) => return Ok(Err(e)),
    };
    directory::invite(&ctx.db, &app.id, &email, now()).await?;
    match directory::invitation(&ctx.db, &app.id, &email).await? {
        Some(i) => Ok(Ok(respond::json(201, &i)?)),
        None => Err(worker::Error::RustError("invitation vanished".into())),
    }
}

pub async fn delete(ctx: &Ctx<'_>, app: &Application, email: &str) -> Outcome {
    let Ok(email) = normalize_email(email) else { return Ok(Err(ApiError::NotFound)) };
    if directory::invitation(&ctx.db, &app.id, &email).await?.is_none() {
        return Ok(Err(ApiError::NotFound));
    }
    directory::delete_invitation(&ctx.db, &app.id, &email).await?;
    Ok(Ok(respond::no_content()?))
}

//! `/applications` and `/applications/{id}`.

use super::{body, signing_keys, Ctx, Outcome};
use crate::tenant_command::Command;
use crate::{db, now, respond, rng};
use aero2_core::application::{Application, ApplicationPatch, NewApplication};
use aero2_core::error::ApiError;
use aero2_core::ids::{new_id, IdKind};
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>) -> Outcome {
    let apps: Vec<Application> =
        db::list_apps(&ctx.db).await?.into_iter().filter(|a| ctx.caller.may_act_on(&a.id)).collect();
    Ok(Ok(respond::json(200, &json!({ "applications": apps }))?))
}

pub async fn create(req: Request, ctx: &Ctx<'_>) -> Outcome {
    if !ctx.caller.is_operator() {
        return Ok(Err(ApiError::Forbidden("only the operator may create applications")));
    }
    let new = match body::json(req).await?.and_then(|b| NewApplication::from_json(&b)) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let t = now();
    let app = Application {
        id: new_id(IdKind::Application, rng::bytes()?),
        slug: new.slug.as_str().to_owned(),
        name: new.name,
        settings: new.settings,
        created_at: t.0,
        updated_at: t.0,
    };
    if let Err(e) = db::insert_app(&ctx.db, &app).await {
        if db::is_unique_violation(&e) {
            return Ok(Err(ApiError::Conflict { field: "slug", message: "is already taken".into() }));
        }
        return Err(e);
    }
    signing_keys::ensure(ctx.env, &app.id).await?;
    Ok(Ok(respond::json(201, &app)?))
}

pub fn get(app: &Application) -> Outcome {
    Ok(Ok(respond::json(200, app)?))
}

pub async fn update(req: Request, ctx: &Ctx<'_>, mut app: Application) -> Outcome {
    let patch = match body::json(req).await?.and_then(|b| ApplicationPatch::from_json(&b)) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(name) = patch.name {
        app.name = name;
    }
    if let Some(settings) = patch.settings {
        app.settings = settings;
    }
    app.updated_at = now().0;
    db::update_app(&ctx.db, &app).await?;
    Command::ApplicationChanged { application: app.clone() }.send(ctx.env, &app.id).await?;
    Ok(Ok(respond::json(200, &app)?))
}

/// Deletes the rows first, then tombstones the object: from that moment the
/// subdomain answers `unknown_application` from every isolate.
pub async fn delete(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    if app.is_dashboard() {
        return Ok(Err(ApiError::Forbidden("the dashboard application cannot be deleted")));
    }
    db::delete_app(&ctx.db, &app.id).await?;
    Command::Tombstone.send(ctx.env, &app.id).await?;
    signing_keys::forget(ctx.env, &app.id).await?;
    Ok(Ok(respond::no_content()?))
}


//! `/applications` and `/applications/{id}`.

use super::{body, signing_keys, Ctx, Outcome};
use crate::tenant_command::Command;
use crate::{db, now, respond, rng};
use aero2_core::application::{Application, ApplicationPatch, NewApplication};
use super::auth::Caller;
use aero2_core::error::ApiError;
use aero2_core::ids::{new_id, IdKind};
use serde_json::json;
use worker::Request;

/// What the caller may act on: everything (the operator), its own
/// application (a key), the applications a Dashboard user owns.
pub async fn list(ctx: &Ctx<'_>) -> Outcome {
    let owned = match &ctx.caller {
        Caller::User { user_id, .. } if !ctx.caller.sees_everything() => db::owned_apps(&ctx.db, user_id).await?,
        _ => Vec::new(),
    };
    let me = owned_by(&ctx.caller);
    let apps: Vec<Application> = db::list_apps(&ctx.db)
        .await?
        .into_iter()
        .filter(|a| ctx.caller.may_act_on(&a.id, me.filter(|_| owned.contains(&a.id))))
        .collect();
    Ok(respond::json(200, &json!({ "applications": apps }))?)
}

/// The user a Dashboard caller is (the owner of what they create).
fn owned_by(caller: &Caller) -> Option<&str> {
    match caller {
        Caller::User { user_id, .. } => Some(user_id),
        _ => None,
    }
}

/// Who may is decided before (`Caller::may`); a Dashboard user owns what
/// they create.
pub async fn create(req: Request, ctx: &Ctx<'_>) -> Outcome {
    let new = NewApplication::from_json(&body::json(req).await?)?;
    let t = now();
    let app = Application {
        id: new_id(IdKind::Application, rng::bytes()?),
        slug: new.slug.as_str().to_owned(),
        name: new.name,
        settings: new.settings,
        created_at: t.0,
        updated_at: t.0,
    };
    if let Err(e) = db::insert_app(&ctx.db, &app, owned_by(&ctx.caller)).await {
        if db::is_unique_violation(&e) {
            return Err(ApiError::Conflict { field: "slug", message: "is already taken".into() }.into());
        }
        return Err(e.into());
    }
    signing_keys::ensure(ctx.env, &app.id).await?;
    Ok(respond::json(201, &app)?)
}

pub fn get(app: &Application) -> Outcome {
    Ok(respond::json(200, app)?)
}

pub async fn update(req: Request, ctx: &Ctx<'_>, mut app: Application) -> Outcome {
    let patch = ApplicationPatch::from_json(&body::json(req).await?)?;
    if let Some(name) = patch.name {
        app.name = name;
    }
    if let Some(settings) = patch.settings {
        app.settings = settings;
    }
    app.updated_at = now().0;
    db::update_app(&ctx.db, &app).await?;
    Command::ApplicationChanged { application: app.clone() }.send(ctx.env, &app.id).await?;
    Ok(respond::json(200, &app)?)
}

/// Deletes the rows first, then tombstones the object: from that moment the
/// subdomain answers `unknown_application` from every isolate.
pub async fn delete(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    if app.is_dashboard() {
        return Err(ApiError::Forbidden("the dashboard application cannot be deleted").into());
    }
    db::delete_app(&ctx.db, &app.id).await?;
    Command::Tombstone.send(ctx.env, &app.id).await?;
    signing_keys::forget(ctx.env, &app.id).await?;
    Ok(respond::no_content()?)
}


//! `/applications` and `/applications/{id}`.

use super::{body, signing_keys, Ctx, Outcome};
use crate::tenant_command::Command;
use crate::{db, now, respond, rng};
use aero2_core::application::{Application, ApplicationPatch, NewApplication};
use super::auth::Caller;
use aero2_core::error::ApiError;
use crate::fail::ApiResult;
use crate::teams;
use aero2_core::application::DASHBOARD_APP_ID;
use aero2_core::dashboard::Permission;
use aero2_core::ids::{is_id, new_id, IdKind};
use serde_json::json;
use worker::Request;

/// What the caller may act on: everything (the operator), its own
/// application (a key), the applications of a Dashboard user's teams.
pub async fn list(ctx: &Ctx<'_>) -> Outcome {
    let all = db::list_apps(&ctx.db).await?;
    let apps: Vec<Application> = match &ctx.caller {
        Caller::User { user_id, .. } if !ctx.caller.sees_everything() => {
            let mine = teams::apps_of_user(&ctx.db, user_id).await?;
            all.into_iter().filter(|a| mine.iter().any(|(id, _)| *id == a.id)).collect()
        }
        _ => all.into_iter().filter(|a| ctx.caller.may_act_on(&a.id, None)).collect(),
    };
    Ok(respond::json(200, &json!({ "applications": apps }))?)
}

/// The team a new application goes to: `team_id` if the body names one
/// (one the caller's role there lets them create in), else a Dashboard
/// user's personal team; the operator's may have none.
async fn team_for_new(ctx: &Ctx<'_>, named: Option<String>) -> ApiResult<Option<String>> {
    let not_theirs = || ApiError::invalid("team_id", "is not a team of yours");
    match (&ctx.caller, named) {
        (Caller::User { user_id, .. }, named) if !ctx.caller.sees_everything() => {
            let team = match named {
                Some(t) => t,
                None => teams::personal_of(&ctx.db, user_id).await?.map(|t| t.id).ok_or_else(|| ApiError::invalid("team_id", "is required (you have no personal team)"))?,
            };
            if !is_id(IdKind::Organization, &team) {
                return Err(not_theirs().into());
            }
            match teams::role_in(&ctx.db, &team, user_id).await? {
                None => Err(not_theirs().into()),
                Some(role) if !role.allows(Permission::CreateApplications) => {
                    Err(ApiError::Forbidden("your role in this team does not let you create applications").into())
                }
                Some(_) => Ok(Some(team)),
            }
        }
        (_, Some(team)) => {
            let exists = is_id(IdKind::Organization, &team) && crate::organizations::by_id(&ctx.db, DASHBOARD_APP_ID, &team).await?.is_some();
            if exists { Ok(Some(team)) } else { Err(ApiError::invalid("team_id", "is not a team").into()) }
        }
        (_, None) => Ok(None),
    }
}

/// Who may is decided before (`Caller::may`); the application belongs to
/// a team (`team_for_new`).
pub async fn create(req: Request, ctx: &Ctx<'_>) -> Outcome {
    let mut body = body::json(req).await?;
    let named = match body.as_object_mut().and_then(|o| o.remove("team_id")) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(t)) => Some(t),
        Some(_) => return Err(ApiError::invalid("team_id", "must be a team id").into()),
    };
    let new = NewApplication::from_json(&body)?;
    let team = team_for_new(ctx, named).await?;
    let t = now();
    let app = Application {
        id: new_id(IdKind::Application, rng::bytes()?),
        slug: new.slug.as_str().to_owned(),
        name: new.name,
        settings: new.settings,
        created_at: t.0,
        updated_at: t.0,
    };
    if let Err(e) = db::insert_app(&ctx.db, &app, team.as_deref()).await {
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


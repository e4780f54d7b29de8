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
use serde_json::{json, Value};
use worker::Request;

/// What the caller may act on: everything (the operator), its own
/// application (a key), the applications of a Dashboard user's teams.
pub async fn list(ctx: &Ctx<'_>) -> Outcome {
    let all = db::list_apps(&ctx.db).await?;
    let owned = teams::all_apps(&ctx.db).await?;
    let team_of = |id: &str| owned.iter().find(|(a, _)| a == id).map(|(_, t)| t.as_str());
    let apps: Vec<Value> = match &ctx.caller {
        Caller::User { user_id, .. } if !ctx.caller.sees_everything() => {
            let mine = teams::apps_of_user(&ctx.db, user_id).await?;
            all.iter().filter(|a| mine.iter().any(|(id, _)| *id == a.id)).map(|a| shown(a, team_of(&a.id))).collect()
        }
        _ => all.iter().filter(|a| ctx.caller.may_act_on(&a.id, None)).map(|a| shown(a, team_of(&a.id))).collect(),
    };
    Ok(respond::json(200, &json!({ "applications": apps }))?)
}

/// An application as the API shows it: its record and `team_id`, the
/// Developer Team that owns it (`null` for the operator's).
fn shown(app: &Application, team: Option<&str>) -> Value {
    let mut v = serde_json::to_value(app).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        // Where its keys live is the signing keys' list's to show.
        m.remove("signer");
        m.insert("team_id".into(), team.map_or(Value::Null, |t| Value::String(t.to_owned())));
    }
    v
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
    let id = new_id(IdKind::Application, rng::bytes()?);
    // Its keys go to the signer shard its id hashes to, and stay there.
    let signer = aero2_core::signer_shards::Placement::new_application(&id, crate::forward::signer_shards(ctx.env)?);
    let app = Application {
        id,
        slug: new.slug.as_str().to_owned(),
        name: new.name,
        settings: new.settings,
        created_at: t.0,
        updated_at: t.0,
        signer,
        tenant_shards: 1,
    };
    if let Err(e) = db::insert_app(&ctx.db, &app, team.as_deref()).await {
        if db::is_unique_violation(&e) {
            return Err(ApiError::Conflict { field: "slug", message: "is already taken".into() }.into());
        }
        return Err(e.into());
    }
    signing_keys::ensure(ctx.env, &app).await?;
    Ok(respond::json(201, &shown(&app, team.as_deref()))?)
}

pub async fn get(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    Ok(respond::json(200, &shown(app, teams::of_app(&ctx.db, &app.id).await?.as_deref()))?)
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
    // The row as stored: what this request did not change (where its keys
    // live) may have changed since it was read.
    let app = db::app_by_id(&ctx.db, &app.id).await?.unwrap_or(app);
    Command::ApplicationChanged { application: Box::new(app.clone()) }.send(ctx.env, &app).await?;
    // The front Worker answering through this isolate drops its copy at once
    // (its CORS for the public documents it answers itself follows the new
    // settings); other isolates' copies live at most 30 s.
    let resp = respond::json(200, &shown(&app, teams::of_app(&ctx.db, &app.id).await?.as_deref()))?;
    Ok(crate::forward::forgetting(resp, &app.id)?)
}

/// Deletes the rows first, then tombstones the object: from that moment the
/// subdomain answers `unknown_application` from every isolate.
pub async fn delete(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    if app.is_dashboard() {
        return Err(ApiError::Forbidden("the dashboard application cannot be deleted").into());
    }
    db::delete_app(&ctx.db, &app.id).await?;
    Command::Tombstone.send(ctx.env, app).await?;
    signing_keys::forget(ctx.env, app).await?;
    Ok(crate::forward::forgetting(respond::no_content()?, &app.id)?)
}


//! `/applications/{id}/apis`: the APIs (resource servers) an application
//! protects, and the permissions they define (`aero2_core::rbac`).

use super::{body, Ctx, Outcome};
use crate::fail::ApiResult;
use crate::tenant_command::Command;
use crate::{db, directory, now, respond, rng};
use aero2_core::application::Application;
use aero2_core::dashboard::MANAGEMENT_API;
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, new_id, IdKind};
use aero2_core::rbac::{Api, NewApi, Served, MAX_APIS};
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let apis = directory::list_apis(&ctx.db, &app.id).await?;
    Ok(respond::json(200, &json!({ "apis": apis }))?)
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let platform = crate::forward::platform_domain(ctx.env)?;
    let domains: Vec<String> = db::list_domains(&ctx.db, &app.id).await?.into_iter().map(|d| d.hostname).collect();
    let new = NewApi::from_json(&body::json(req).await?, Served { platform_domain: &platform, custom_domains: &domains })?;
    if directory::list_apis(&ctx.db, &app.id).await?.len() >= MAX_APIS {
        return Err(ApiError::InvalidBody(format!("an application may define at most {MAX_APIS} APIs")).into());
    }
    let api = new.into_api(new_id(IdKind::Api, rng::bytes()?), now().0);
    if let Err(e) = directory::insert_api(&ctx.db, &app.id, &api).await {
        if db::is_unique_violation(&e) {
            return Err(ApiError::Conflict { field: "identifier", message: "is already an API of this application".into() }.into());
        }
        return Err(e.into());
    }
    Command::ApisChanged.send(ctx.env, app).await?;
    Ok(respond::json(201, &api)?)
}

/// The API `id` of this application; junk ids never reach D1.
async fn load(ctx: &Ctx<'_>, app: &Application, id: &str) -> ApiResult<Api> {
    if !is_id(IdKind::Api, id) {
        return Err(ApiError::NotFound.into());
    }
    Ok(directory::api(&ctx.db, &app.id, id).await?.ok_or(ApiError::NotFound)?)
}

pub async fn get(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    Ok(respond::json(200, &load(ctx, app, id).await?)?)
}

/// The management API is the platform's own: its permissions mean what
/// `aero2_core::dashboard` says, so it is not changed or deleted here.
fn changeable(app: &Application, api: &Api) -> ApiResult<()> {
    if app.is_dashboard() && api.identifier == MANAGEMENT_API {
        return Err(ApiError::Forbidden("the management API is the platform's own; its permissions are defined by Aero2").into());
    }
    Ok(())
}

pub async fn update(req: Request, ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    let api = load(ctx, app, id).await?;
    changeable(app, &api)?;
    let updated = api.patched(&body::json(req).await?, now().0)?;
    directory::update_api(&ctx.db, &app.id, &updated).await?;
    Command::ApisChanged.send(ctx.env, app).await?;
    Ok(respond::json(200, &updated)?)
}

pub async fn delete(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    changeable(app, &load(ctx, app, id).await?)?;
    directory::delete_api(&ctx.db, &app.id, id).await?;
    Command::ApisChanged.send(ctx.env, app).await?;
    Ok(respond::no_content()?)
}

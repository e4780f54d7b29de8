//! `/applications/{id}/idps`: an application's upstream identity providers.
//! An OIDC (or Google) provider's discovery document is fetched and checked
//! at creation; a provider that cannot be reached, or whose document is
//! inconsistent, is refused with 400 and nothing stored. The client secret
//! is sealed at rest and never returned. Providers declared in deployment
//! configuration are listed (`"source": "static"`) but not editable here.

use super::{body, Ctx, Outcome};
use crate::upstream::{self, Upstream};
use crate::tenant_command::Command;
use crate::{idps, now, respond, rng};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, new_id, IdKind};
use aero2_core::rp::config::{Idp, IdpPatch, IdpSource, NewIdp, Resolution};
use aero2_core::rp::discovery::{discovery_url, endpoints_from};
use serde_json::Value;
use worker::Request;

/// The provider as shown: its fields, no secret, and the callback URL to
/// register with the provider.
fn shown(ctx: &Ctx<'_>, req_host: Option<&str>, app: &Application, idp: &Idp) -> worker::Result<Value> {
    let mut v = serde_json::to_value(idp)?;
    if let (Some(obj), Some(issuer)) = (v.as_object_mut(), super::issuer_of(ctx, req_host, app)?) {
        obj.insert("redirect_uri".into(), format!("{issuer}{}{}", aero2_core::routes::rp::CALLBACK_PREFIX, idp.slug).into());
        obj.insert("client_secret_set".into(), true.into());
    }
    Ok(v)
}

fn host_of(req: &Request) -> Option<String> {
    req.headers().get("host").ok().flatten()
}

pub async fn list(req: &Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let host = host_of(req);
    let list = idps::list(&ctx.db, ctx.env, &app.id, &app.slug).await?;
    let shown: Vec<Value> = list.iter().map(|i| shown(ctx, host.as_deref(), app, i)).collect::<worker::Result<_>>()?;
    Ok(respond::json(200, &serde_json::json!({ "idps": shown }))?)
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let host = host_of(&req);
    let reach = idps::reach(ctx.env);
    let new = NewIdp::from_json(&body::json(req).await?, reach)?;
    let endpoints = match &new.source {
        Resolution::Known(e) => e.clone(),
        Resolution::Discover { issuer, auth } => {
            let doc = match upstream::get_json(ctx.env, &discovery_url(issuer), &[]).await? {
                Ok(d) => d,
                Err(e) => return Err(ApiError::invalid("issuer", unreachable(&e)).into()),
            };
            match endpoints_from(&doc, issuer, *auth, reach) {
                Ok(e) => e,
                Err(reason) => return Err(ApiError::invalid("issuer", format!("inconsistent discovery document: {reason}")).into()),
            }
        }
    };
    if idps::list(&ctx.db, ctx.env, &app.id, &app.slug).await?.iter().any(|i| i.slug == new.slug) {
        return Err(taken().into());
    }
    let (idp, secret) = new.into_idp(new_id(IdKind::IdentityProvider, rng::bytes()?), app.id.clone(), endpoints, IdpSource::Api, now().0);
    if !idps::insert(&ctx.db, ctx.env, &idp, &secret).await? {
        return Err(taken().into());
    }
    Command::IdpsChanged.send(ctx.env, app).await?;
    Ok(respond::json(201, &shown(ctx, host.as_deref(), app, &idp)?)?)
}

fn taken() -> ApiError {
    ApiError::Conflict { field: "slug", message: "this application already has a provider with this slug".into() }
}

fn unreachable(e: &Upstream) -> String {
    match e {
        Upstream::Timeout => "discovery failed: the issuer did not answer in time".into(),
        Upstream::Unreachable => "discovery failed: the issuer could not be reached".into(),
        Upstream::Status(s, _) => format!("discovery failed: the issuer answered HTTP {s}"),
        Upstream::NotJson => "discovery failed: the discovery document is not JSON".into(),
    }
}

async fn load(ctx: &Ctx<'_>, app: &Application, id: &str) -> worker::Result<Option<Idp>> {
    if !(is_id(IdKind::IdentityProvider, id) || id.starts_with("idp_static_")) {
        return Ok(None);
    }
    Ok(idps::list(&ctx.db, ctx.env, &app.id, &app.slug).await?.into_iter().find(|i| i.id == id))
}

pub async fn get(req: &Request, ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    match load(ctx, app, id).await? {
        Some(i) => Ok(respond::json(200, &shown(ctx, host_of(req).as_deref(), app, &i)?)?),
        None => Err(ApiError::NotFound.into()),
    }
}

fn read_only() -> ApiError {
    ApiError::Conflict { field: "source", message: "this provider is set in deployment configuration (AERO2_STATIC_IDPS)".into() }
}

pub async fn update(req: Request, ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    let host = host_of(&req);
    let Some(idp) = load(ctx, app, id).await? else { return Err(ApiError::NotFound.into()) };
    if idp.source == IdpSource::Static {
        return Err(read_only().into());
    }
    let patch = IdpPatch::from_json(&body::json(req).await?)?;
    let updated = patch.apply(&idp, now().0)?;
    idps::update(&ctx.db, ctx.env, &updated, patch.client_secret.as_ref()).await?;
    Command::IdpsChanged.send(ctx.env, app).await?;
    Ok(respond::json(200, &shown(ctx, host.as_deref(), app, &updated)?)?)
}

/// Deletes the provider and unlinks every identity made through it.
pub async fn delete(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    let Some(idp) = load(ctx, app, id).await? else { return Err(ApiError::NotFound.into()) };
    if idp.source == IdpSource::Static {
        return Err(read_only().into());
    }
    idps::delete(&ctx.db, &app.id, &idp.id).await?;
    Command::IdpsChanged.send(ctx.env, app).await?;
    Ok(respond::no_content()?)
}

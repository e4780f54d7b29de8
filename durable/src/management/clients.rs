//! `/applications/{id}/clients`: OAuth client registration (RFC 7591-style
//! fields). A confidential client's secret is shown once, at creation or
//! rotation, and stored as SHA-256. Every change tells the application's
//! `TenantApp` to drop its cached copy.

use super::{body, Ctx, Outcome};
use crate::tenant_command::Command;
use crate::{directory, now, respond, rng};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::oauth::client::{is_client_id, mint_client_secret, new_client_id, Client, ClientPatch, ClientType, GrantType, NewClient};
use aero2_core::rbac::parse_client_grants;
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let clients = directory::list_clients(&ctx.db, &app.id).await?;
    Ok(respond::json(200, &json!({ "clients": clients }))?)
}

/// The secret of a confidential client is in this response and, until the
/// next rotation, nowhere else.
pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let new = NewClient::from_json(&body::json(req).await?)?;
    let minted = match new.client_type {
        ClientType::Confidential => Some(mint_client_secret(rng::bytes()?)),
        ClientType::Public => None,
    };
    let hash = minted.as_ref().map(|(_, hash)| hash.clone());
    let client = new.into_client(new_client_id(rng::bytes()?), app.id.clone(), hash, now());
    directory::insert_client(&ctx.db, &client).await?;
    Command::ClientsChanged.send(ctx.env, app).await?;
    let mut shown = serde_json::to_value(&client)?;
    if let (Some(obj), Some((secret, _))) = (shown.as_object_mut(), &minted) {
        obj.insert("client_secret".into(), secret.secret().into());
    }
    Ok(respond::json(201, &shown)?)
}

/// The client `client_id` of this application; junk ids never reach D1.
async fn load(ctx: &Ctx<'_>, app: &Application, client_id: &str) -> worker::Result<Option<Client>> {
    if !is_client_id(client_id) {
        return Ok(None);
    }
    directory::client(&ctx.db, &app.id, client_id).await
}

/// [`load`], for a change: the Dashboard web app's own client is the
/// platform's (its bootstrap writes it), so no change is taken.
async fn load_changeable(ctx: &Ctx<'_>, app: &Application, client_id: &str) -> crate::fail::ApiResult<Client> {
    let Some(client) = load(ctx, app, client_id).await? else {
        return Err(ApiError::NotFound.into());
    };
    if client.client_id == aero2_core::dashboard::WEB_APP_CLIENT_ID {
        return Err(web_app_client_refusal().into());
    }
    Ok(client)
}

fn web_app_client_refusal() -> ApiError {
    ApiError::Conflict { field: "client_id", message: "is the Dashboard's own client, kept by the platform (only \"disabled\" may change)".into() }
}

pub async fn get(ctx: &Ctx<'_>, app: &Application, client_id: &str) -> Outcome {
    match load(ctx, app, client_id).await? {
        Some(c) => Ok(respond::json(200, &c)?),
        None => Err(ApiError::NotFound.into()),
    }
}

pub async fn update(req: Request, ctx: &Ctx<'_>, app: &Application, client_id: &str) -> Outcome {
    let Some(client) = load(ctx, app, client_id).await? else {
        return Err(ApiError::NotFound.into());
    };
    let body = body::json(req).await?;
    // The platform's own client may only be switched off and on (an
    // emergency stop for the Dashboard's sign-in); the rest is its bootstrap's.
    let only_disabled = body.as_object().is_some_and(|o| o.len() == 1 && o.get("disabled").is_some_and(serde_json::Value::is_boolean));
    if client.client_id == aero2_core::dashboard::WEB_APP_CLIENT_ID && !only_disabled {
        return Err(web_app_client_refusal().into());
    }
    let updated = ClientPatch::from_json(&body).and_then(|p| p.apply(&client, now()))?;
    directory::update_client(&ctx.db, &updated).await?;
    Command::ClientsChanged.send(ctx.env, app).await?;
    Ok(respond::json(200, &updated)?)
}

pub async fn delete(ctx: &Ctx<'_>, app: &Application, client_id: &str) -> Outcome {
    load_changeable(ctx, app, client_id).await?;
    directory::delete_client(&ctx.db, &app.id, client_id).await?;
    Command::ClientsChanged.send(ctx.env, app).await?;
    Ok(respond::no_content()?)
}

/// A new secret replaces the old one at once: the old one stops working
/// with no overlap (rotate for a leak; plan deployments around it).
pub async fn rotate_secret(ctx: &Ctx<'_>, app: &Application, client_id: &str) -> Outcome {
    let client = load_changeable(ctx, app, client_id).await?;
    if client.is_public() {
        return Err(ApiError::invalid("token_endpoint_auth_method", "is none: a public client has no secret to rotate").into());
    }
    let (secret, hash) = mint_client_secret(rng::bytes()?);
    directory::set_client_secret(&ctx.db, &app.id, client_id, &hash, now()).await?;
    Command::ClientsChanged.send(ctx.env, app).await?;
    Ok(respond::json(200, &json!({ "client_id": client.client_id, "client_secret": secret.secret() }))?)
}

/// `GET …/clients/{client_id}/grants`: what the client may get for itself.
pub async fn grants(ctx: &Ctx<'_>, app: &Application, client_id: &str) -> Outcome {
    let Some(client) = load(ctx, app, client_id).await? else {
        return Err(ApiError::NotFound.into());
    };
    let grants = directory::client_grants(&ctx.db, &app.id, &client.client_id).await?;
    Ok(respond::json(200, &json!({ "grants": grants }))?)
}

/// `PUT …/clients/{client_id}/grants`: replaces them. Only a confidential
/// client allowed `client_credentials` acts for itself.
pub async fn set_grants(req: Request, ctx: &Ctx<'_>, app: &Application, client_id: &str) -> Outcome {
    let client = load_changeable(ctx, app, client_id).await?;
    let apis = directory::list_apis(&ctx.db, &app.id).await?;
    let grants = parse_client_grants(&body::json(req).await?, &apis)?;
    if !grants.is_empty() && (client.is_public() || !client.allows_grant(GrantType::ClientCredentials)) {
        return Err(ApiError::invalid("grants", "only a confidential client with the client_credentials grant type gets tokens for itself").into());
    }
    directory::set_client_grants(&ctx.db, &app.id, &client.client_id, &grants).await?;
    Ok(respond::json(200, &json!({ "grants": grants }))?)
}

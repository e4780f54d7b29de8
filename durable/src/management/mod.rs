//! The management API, served by the Dashboard application's `TenantApp`.
//!
//! Routes, in the order they are matched (all JSON, all under `/api/v1`):
//!
//! | method | path | who |
//! |---|---|---|
//! | GET, POST | `/applications` | POST: operator only; GET lists what the caller may see |
//! | GET, PATCH, DELETE | `/applications/{id}` | operator, or that application's `sk_live_` key |
//! | GET, POST | `/applications/{id}/keys` | same |
//! | DELETE | `/applications/{id}/keys/{key_id}` | same (revokes) |
//! | GET, POST | `/applications/{id}/domains` | same |
//! | DELETE | `/applications/{id}/domains/{hostname}` | same |
//! | POST | `/applications/{id}/domains/{hostname}/verify` | operator only |
//! | GET, POST | `/applications/{id}/clients` | same as keys |
//! | GET, PATCH, DELETE | `/applications/{id}/clients/{client_id}` | same |
//! | POST | `/applications/{id}/clients/{client_id}/secret` | same (rotates) |
//! | GET, POST | `/applications/{id}/users` | same |
//! | GET | `/applications/{id}/users/{user_id}` | same |
//! | POST | `/applications/{id}/signing-keys/rotate` | same |
//! | GET, POST | `/applications/{id}/idps` | same |
//! | GET, PATCH, DELETE | `/applications/{id}/idps/{idp_id}` | same |
//!
//! An application the caller may not act on is answered exactly like one
//! that does not exist (404), so keys reveal nothing about other tenants.

mod applications;
pub(crate) mod auth;
mod body;
mod clients;
mod domains;
mod idps;
mod invitations;
mod keys;
mod signing_keys;
mod users;

use crate::{db, respond};
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, IdKind};
use auth::Caller;
use worker::{D1Database, Env, Method, Request, Response, Result};

/// What a handler needs besides the request.
pub(crate) struct Ctx<'a> {
    pub env: &'a Env,
    pub db: D1Database,
    pub caller: Caller,
}

pub async fn handle(req: Request, env: &Env) -> Result<Response> {
    let db = db::database(env)?;
    let caller = match auth::authenticate(&req, env, &db).await? {
        Ok(c) => c,
        Err(e) => return respond::error(&e),
    };
    let ctx = Ctx { env, db, caller };
    match route(req, &ctx).await? {
        Ok(resp) => Ok(resp),
        Err(e) => respond::error(&e),
    }
}

/// `Ok(Err(_))` is the caller's fault (an API error); `Err(_)` is ours.
pub(crate) type Outcome = Result<std::result::Result<Response, ApiError>>;

async fn route(req: Request, ctx: &Ctx<'_>) -> Outcome {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches("/api/v1").split('/').filter(|s| !s.is_empty()).collect();
    let method = req.method();
    match segments.as_slice() {
        ["applications"] => match method {
            Method::Get => applications::list(ctx).await,
            Method::Post => applications::create(req, ctx).await,
            _ => Ok(Err(ApiError::MethodNotAllowed)),
        },
        ["applications", id, rest @ ..] => {
            let app = match load_app(ctx, id).await? {
                Ok(app) => app,
                Err(e) => return Ok(Err(e)),
            };
            match (rest, method) {
                ([], Method::Get) => applications::get(&app),
                ([], Method::Patch) => applications::update(req, ctx, app).await,
                ([], Method::Delete) => applications::delete(ctx, &app).await,
                (["keys"], Method::Get) => keys::list(ctx, &app).await,
                (["keys"], Method::Post) => keys::create(req, ctx, &app).await,
                (["keys", key_id], Method::Delete) => keys::revoke(ctx, &app, key_id).await,
                (["domains"], Method::Get) => domains::list(ctx, &app).await,
                (["domains"], Method::Post) => domains::create(req, ctx, &app).await,
                (["domains", host], Method::Delete) => domains::remove(ctx, &app, host).await,
                (["domains", host, "verify"], Method::Post) => domains::verify(ctx, &app, host).await,
                (["clients"], Method::Get) => clients::list(ctx, &app).await,
                (["clients"], Method::Post) => clients::create(req, ctx, &app).await,
                (["clients", client_id], Method::Get) => clients::get(ctx, &app, client_id).await,
                (["clients", client_id], Method::Patch) => clients::update(req, ctx, &app, client_id).await,
                (["clients", client_id], Method::Delete) => clients::delete(ctx, &app, client_id).await,
                (["clients", client_id, "secret"], Method::Post) => clients::rotate_secret(ctx, &app, client_id).await,
                (["users"], Method::Get) => users::list(ctx, &app).await,
                (["users"], Method::Post) => users::create(req, ctx, &app).await,
                (["users", user_id], Method::Get) => users::get(ctx, &app, user_id).await,
                (["users", user_id], Method::Patch) => users::update(req, ctx, &app, user_id).await,
                (["users", user_id, "unlock"], Method::Post) => users::unlock(ctx, &app, user_id).await,
                (["invitations"], Method::Get) => invitations::list(ctx, &app).await,
                (["invitations"], Method::Post) => invitations::create(req, ctx, &app).await,
                (["invitations", email], Method::Delete) => invitations::delete(ctx, &app, email).await,
                (["outbox"], Method::Get) => {
                    let mail = crate::mailer::outbox(ctx.env, &ctx.db, &app.id, crate::now()).await?;
                    Ok(Ok(respond::json(200, &serde_json::json!({ "messages": mail }))?))
                }
                (["signing-keys", "rotate"], Method::Post) => signing_keys::rotate(req, ctx, &app).await,
                (["idps"], Method::Get) => idps::list(&req, ctx, &app).await,
                (["idps"], Method::Post) => idps::create(req, ctx, &app).await,
                (["idps", idp_id], Method::Get) => idps::get(&req, ctx, &app, idp_id).await,
                (["idps", idp_id], Method::Patch) => idps::update(req, ctx, &app, idp_id).await,
                (["idps", idp_id], Method::Delete) => idps::delete(ctx, &app, idp_id).await,
                (
                    [] | ["keys"] | ["keys", _] | ["domains"] | ["domains", _] | ["domains", _, "verify"] | ["clients"]
                    | ["clients", _] | ["clients", _, "secret"] | ["users"] | ["users", _] | ["users", _, "unlock"] | ["invitations"] | ["invitations", _] | ["outbox"]
                    | ["signing-keys", "rotate"] | ["idps"] | ["idps", _],
                    _,
                ) => Ok(Err(ApiError::MethodNotAllowed)),
                _ => Ok(Err(ApiError::NotFound)),
            }
        }
        _ => Ok(Err(ApiError::NotFound)),
    }
}

/// The application `id` names, if the caller may act on it. Otherwise 404,
/// whether or not it exists.
async fn load_app(ctx: &Ctx<'_>, id: &str) -> Result<std::result::Result<aero2_core::application::Application, ApiError>> {
    if !is_id(IdKind::Application, id) || !ctx.caller.may_act_on(id) {
        return Ok(Err(ApiError::NotFound));
    }
    Ok(db::app_by_id(&ctx.db, id).await?.ok_or(ApiError::NotFound))
}

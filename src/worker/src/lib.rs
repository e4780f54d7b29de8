//! Aero2's front Worker: stateless.
//!
//! For every request, in order:
//! 1. resolve the `Host` header to an application (`<slug>.<PLATFORM_DOMAIN>`
//!    or a verified custom domain), cached in the isolate for a short time;
//!    unknown hosts get 404 `unknown_application`;
//! 2. answer CORS preflights from the application's allowed origins
//!    (fail-closed);
//! 3. forward the request, with the resolved application attached, to that
//!    application's `TenantApp` Durable Object;
//! 4. add security headers (and CORS headers for an allowed origin) to
//!    whatever comes back.
//!
//! No business logic lives here.

mod resolve;
mod shape;

use aero2_core::error::ApiError;
use aero2_core::host::is_local_domain;
use aero2_durable::forward::{self, APPLICATION_HEADER};
use aero2_durable::respond;
pub use aero2_durable::{jwks_signer::JwksSigner, tenant_app::TenantApp};
use worker::{event, Context, Env, Method, Request, Response, Result};

const PLATFORM_DOMAIN_VAR: &str = "PLATFORM_DOMAIN";

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let platform = env.var(PLATFORM_DOMAIN_VAR)?.to_string();
    let origin = req.headers().get("origin")?;
    let (resp, allowed_origins) = match serve(req, &env, &platform).await {
        Ok(r) => r,
        Err(e) => (respond::internal("front worker", &e)?, Vec::new()),
    };
    shape::finish(resp, is_local_domain(&platform), origin.as_deref(), &allowed_origins)
}

/// The response, and the allowed origins of the application it came from
/// (empty when none was resolved).
async fn serve(req: Request, env: &Env, platform: &str) -> Result<(Response, Vec<String>)> {
    let host = match req.headers().get("host")? {
        Some(h) => h,
        None => req.url()?.host_str().unwrap_or_default().to_owned(),
    };
    let Some((app, custom_domain)) = resolve::application(env, &host, platform).await? else {
        return Ok((respond::error(&ApiError::UnknownApplication)?, Vec::new()));
    };
    let allowed = app.settings.allowed_origins.clone();
    if req.method() == Method::Options && req.headers().has("access-control-request-method")? {
        return Ok((shape::preflight(req.headers().get("origin")?.as_deref(), &allowed)?, allowed));
    }
    let mut inner = req.clone_mut()?;
    let names: Vec<String> = inner.headers().keys().filter(|n| forward::is_reserved_header(n)).collect();
    for name in names {
        inner.headers_mut()?.delete(&name)?;
    }
    inner.headers_mut()?.set(APPLICATION_HEADER, &serde_json::to_string(&app)?)?;
    if let Some(hostname) = custom_domain {
        inner.headers_mut()?.set(forward::CUSTOM_DOMAIN_HEADER, &hostname)?;
    }
    let resp = forward::tenant_stub(env, &app.id)?.fetch_with_request(inner).await?;
    if resp.headers().has(forward::TOMBSTONE_HEADER)? {
        resolve::forget(&app.id);
    }
    Ok((resp, allowed))
}

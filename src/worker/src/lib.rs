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

mod edge;
mod resolve;
mod reuse;
mod shape;

use aero2_core::application::{Application, DASHBOARD_APP_ID};
use aero2_core::dashboard;
use aero2_core::error::ApiError;
use aero2_core::host::{is_local_domain, issuer_for};
use aero2_core::time::UnixMillis;
use aero2_durable::forward::{self, APPLICATION_HEADER};
use aero2_durable::respond;
pub use aero2_durable::{jwks_signer::JwksSigner, tenant_app::TenantApp};
use aero2_durable::tenant_app::HEALTH_PATH;
use worker::js_sys::Uint8Array;
use worker::{event, Context, Env, Request, Response, Result};

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// What `serve` answers: a response to finish (made here, or the
/// object's), or a public document finished already (`edge`), to stamp
/// and mark for the entry to give again until `until` (`reuse`).
enum Served {
    Answer(Response, Vec<String>),
    Forwarded(worker::web_sys::Response, Vec<String>),
    Finished { done: shape::Finished, allowed: Vec<String>, until: UnixMillis, app_id: String },
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<worker::web_sys::Response> {
    let platform = forward::platform_domain(&env)?;
    let origin = req.headers().get("origin")?;
    // HEAD runs as GET wherever GET is served (`aero2_core::routes`); its
    // answer is that one without the body (RFC 9110 §9.3.2).
    // Read once: each read of the request is a call across the wasm
    // boundary (`crate::headers` in aero2_durable).
    let method = req.inner().method();
    let head = method == "HEAD";
    let request_id = match req.headers().get("cf-ray")? {
        Some(ray) => ray,
        None => local_request_id()?,
    };
    // The applications whose copies this request dropped (`forget`).
    let mut forgotten = Vec::new();
    let (resp, allowed_origins) = match serve(req, &method, &env, &platform, &request_id, &mut forgotten).await {
        Ok(Served::Answer(resp, allowed)) => (resp.into(), allowed),
        Ok(Served::Forwarded(resp, allowed)) => (resp, allowed),
        Ok(Served::Finished { done, allowed, until, app_id }) => {
            let resp = done.answer(origin.as_deref(), &allowed, head, &request_id)?;
            if aero2_core::cors::answer_reusable_for(origin.as_deref(), &allowed) {
                reuse::mark(&resp, until, &app_id)?;
            }
            return Ok(resp);
        }
        Err(e) => (respond::internal("front worker", &e)?.into(), Vec::new()),
    };
    let resp = shape::finish(&resp, is_local_domain(&platform), origin.as_deref(), &allowed_origins, head, &request_id)?;
    reuse::forgotten(&resp, &forgotten)?;
    Ok(resp)
}

/// A request id where Cloudflare gave none (local runs): a random prefix
/// drawn once per isolate and a counter, unique without a call to the
/// runtime's CSPRNG per request. It names a request in the audit log; it
/// is no secret.
fn local_request_id() -> Result<String> {
    thread_local! {
        static PREFIX: std::cell::OnceCell<String> = const { std::cell::OnceCell::new() };
        static COUNT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let prefix = match PREFIX.with(|p| p.get().cloned()) {
        Some(p) => p,
        None => {
            let p = aero2_core::encoding::hex(&aero2_durable::rng::bytes::<8>()?);
            PREFIX.with(|c| c.get_or_init(|| p.clone()).clone())
        }
    };
    let n = COUNT.with(|c| {
        c.set(c.get().wrapping_add(1));
        c.get()
    });
    Ok(format!("{prefix}{n:016x}"))
}

/// Request bodies Aero2 accepts: forms and JSON documents, never uploads.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole body, bounded. Read here, chunk by chunk as it arrives, and
/// abandoned the moment it passes the limit: a body without a
/// `Content-Length` (chunked) is never buffered past it, and an object
/// that answers early never leaves a stream half-read.
async fn read_body(req: &Request, method: &str) -> Result<std::result::Result<Vec<u8>, ApiError>> {
    use worker::js_sys::{Reflect, Uint8Array};
    use worker::wasm_bindgen::JsCast;
    use worker::wasm_bindgen_futures::JsFuture;
    let declared = req.headers().get("content-length")?.and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Ok(Err(ApiError::PayloadTooLarge));
    }
    if matches!(method, "GET" | "HEAD") {
        return Ok(Ok(Vec::new()));
    }
    let Some(stream) = req.inner().body() else { return Ok(Ok(Vec::new())) };
    // A declared length within the limit is all the runtime delivers: one
    // read of the whole body (one promise, not one per chunk and one more
    // for the end).
    if declared.is_some() {
        let bytes = Uint8Array::new(&JsFuture::from(req.inner().array_buffer()?).await?);
        // Checked before it is copied into the wasm memory (which never
        // shrinks), whatever the runtime delivered.
        if usize::try_from(bytes.length()).unwrap_or(usize::MAX) > MAX_BODY_BYTES {
            return Ok(Err(ApiError::PayloadTooLarge));
        }
        return Ok(Ok(bytes.to_vec()));
    }
    let reader: worker::web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if Reflect::get(&chunk, &"done".into())?.as_bool().unwrap_or(true) {
            return Ok(Ok(body));
        }
        let bytes = Reflect::get(&chunk, &"value".into())?.dyn_into::<Uint8Array>()?.to_vec();
        if body.len() + bytes.len() > MAX_BODY_BYTES {
            // The rest is never read; the runtime discards it.
            reader.release_lock();
            return Ok(Err(ApiError::PayloadTooLarge));
        }
        body.extend_from_slice(&bytes);
    }
}

/// The web app's file for the request (`index.html` for a page path: the
/// binding's single-page-application fallback), with its caching rule
/// (`aero2_core::dashboard::web_app_file`).
async fn web_app(req: Request, env: &Env) -> Result<Response> {
    let path = req.path();
    let resp = env.assets(WEB_APP_ASSETS)?.fetch_request(req).await?;
    let status = resp.status_code();
    let content_type = resp.headers().get("content-type")?.unwrap_or_default();
    let cache_control = match dashboard::web_app_file(&path, status, &content_type) {
        dashboard::WebAppFile::Serve(c) => c,
        dashboard::WebAppFile::Missing => return respond::error(&ApiError::NotFound),
    };
    let headers = forward::copy_without_reserved(resp.headers())?;
    headers.set("cache-control", cache_control)?;
    if dashboard::web_app_inline_styles(&path) {
        headers.set(forward::INLINE_STYLES_HEADER, "1")?;
    }
    let (_, body) = resp.into_parts();
    Ok(worker::ResponseBuilder::new().with_status(status).with_headers(headers).body(body))
}

/// The OpenAPI document (`aero2_core::openapi`), built once per isolate:
/// it changes only with the deployment.
fn api_description(env: &Env, platform: &str) -> Result<Response> {
    thread_local! {
        static DOCUMENT: std::cell::OnceCell<String> = const { std::cell::OnceCell::new() };
    }
    let configured = env.var(dashboard::WEB_APP_ORIGIN_VAR).ok().map(|v| v.to_string());
    let origin = dashboard::web_app_origin(configured.as_deref(), platform).unwrap_or_default();
    let body = DOCUMENT.with(|d| d.get_or_init(|| aero2_core::openapi::document(&origin, platform).to_string()).clone());
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "public, max-age=300")?;
    Ok(worker::ResponseBuilder::new().with_status(200).with_headers(headers).fixed(body.into_bytes()))
}

/// Drops everything this isolate (and this location's Cache API) holds of
/// an application, and has the entry drop its answers for it (`reuse`).
async fn forget(app_id: &str, platform: &str, forgotten: &mut Vec<String>) {
    resolve::forget(app_id);
    edge::forget(app_id, platform).await;
    forgotten.push(app_id.to_owned());
}

/// The static-assets binding holding the built web app (`ui/dashboard/dist`).
const WEB_APP_ASSETS: &str = "ASSETS";

/// The response, and the allowed origins of the application it came from
/// (empty when none was resolved). The applications whose copies it
/// dropped are added to `forgotten`.
async fn serve(req: Request, method: &str, env: &Env, platform: &str, request_id: &str, forgotten: &mut Vec<String>) -> Result<Served> {
    let host = match req.headers().get("host")? {
        Some(h) => h,
        None => req.url()?.host_str().unwrap_or_default().to_owned(),
    };
    let Some(resolve::Found { resolved, custom_domain, until: resolved_until }) = resolve::application(env, &host, platform).await? else {
        return Ok(Served::Answer(respond::error(&ApiError::UnknownApplication)?, Vec::new()));
    };
    let app = &resolved.app;
    let allowed = app.settings.allowed_origins.clone();
    // The path the worker crate read with the request (no call).
    let path = req.path();
    if method == "OPTIONS" && req.headers().has("access-control-request-method")? {
        return Ok(Served::Answer(shape::preflight(req.headers().get("origin")?.as_deref(), &allowed)?, allowed));
    }
    // Liveness for anyone, answered here: no object, storage or signer is
    // touched, nothing internal is shown. The operator's credential gets
    // the object's detailed view.
    if path == HEALTH_PATH && matches!(method, "GET" | "HEAD") && !req.headers().has("authorization")? {
        return Ok(Served::Answer(respond::json(200, &serde_json::json!({ "status": "ok" }))?, allowed));
    }
    // Public documents, from this isolate's caches (`edge`).
    if let Some(endpoint) = aero2_core::routes::op::at_edge(method, &path) {
        if let Some(issuer) = issuer_for(&host, platform) {
            let (done, until) = edge::answer(env, endpoint, app, &issuer, platform).await?;
            // Good as long as both copies it comes from.
            let until = until.min(resolved_until);
            return Ok(Served::Finished { done, allowed, until, app_id: app.id.clone() });
        }
    }
    // The Dashboard's web app and the API's description: on its own host
    // only (never on an application's host or a custom domain).
    if app.id == DASHBOARD_APP_ID && custom_domain.is_none() {
        match dashboard::static_answer(method, &path) {
            Some(dashboard::Static::WebApp) => return Ok(Served::Answer(web_app(req, env).await?, allowed)),
            Some(dashboard::Static::ApiDescription) => return Ok(Served::Answer(api_description(env, platform)?, allowed)),
            None => {}
        }
    }
    let body = match read_body(&req, method).await? {
        Ok(body) => body,
        Err(e) => return Ok(Served::Answer(respond::error(&e)?, allowed)),
    };
    // Which of the application's objects holds what the request names
    // (`aero2_core::tenant_shards`). A shard past the count this isolate
    // cached is checked against D1 (the count may have been raised a
    // moment ago); one the application does not have goes home, where the
    // credential is unknown: no request makes an object the application
    // does not have.
    let mut shard = aero2_core::tenant_shards::route(
        app.tenant_shards,
        &aero2_core::tenant_shards::Request {
            method,
            path: &path,
            authorization: req.headers().get("authorization")?.as_deref(),
            body: &body,
            spread: aero2_core::tenant_shards::spread_of(request_id),
        },
    );
    let known = app.tenant_shards;
    let app_id = app.id.clone();
    let mut resolved = resolved;
    if shard >= known {
        match resolve::reload(env, &host, platform).await? {
            Some(found) if found.resolved.app.id == app_id => {
                resolved = found.resolved;
                // The record read afresh may differ from the one the
                // entry's kept answers were made from.
                forgotten.push(app_id.clone());
            }
            _ => {}
        }
        if shard >= resolved.app.tenant_shards {
            shard = 0;
        }
    }
    let app = &resolved.app;
    let headers = forward::copy_without_reserved(req.headers())?;
    forward::mark_shard(&headers, shard)?;
    headers.set(APPLICATION_HEADER, &resolved.forwarded)?;
    headers.set(forward::REQUEST_ID_HEADER, request_id)?;
    if let Some(issuer) = issuer_for(&host, platform) {
        headers.set(forward::ISSUER_HEADER, &issuer)?;
    }
    if let Some(hostname) = custom_domain {
        headers.set(forward::CUSTOM_DOMAIN_HEADER, &hostname)?;
    }
    // Built from web-sys: `worker::RequestInit` takes a `worker::Method`,
    // which turns any method it does not know into GET. The object must see
    // the method as sent to answer it (405 with the path's `Allow`).
    let init = worker::web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(&headers.0);
    init.set_redirect(worker::web_sys::RequestRedirect::Manual);
    if !body.is_empty() {
        init.set_body(&Uint8Array::from(body.as_slice()));
    }
    let inner = worker::web_sys::Request::new_with_str_and_init(&req.inner().url(), &init)?;
    let resp = forward::tenant_stub(env, &app.id, shard)?.fetch(&inner).await?;
    let signals = resp.headers();
    if signals.has(forward::TOMBSTONE_HEADER)? {
        forget(&app.id, platform, forgotten).await;
    }
    // A change of another application (its keys rotated, or it deleted)
    // through the management API.
    if let Some(changed) = signals.get(forward::FORGET_HEADER)? {
        forget(&changed, platform, forgotten).await;
    }
    // The object knew a newer record than this isolate's cached one (its
    // settings changed): cache that one, and shape this answer by it.
    if let Some(fresh) = signals.get(APPLICATION_HEADER)?.and_then(|j| serde_json::from_str::<Application>(&j).ok()) {
        if fresh.id == app.id {
            let allowed = fresh.settings.allowed_origins.clone();
            resolve::refresh(fresh)?;
            // What the entry kept was made from the old record.
            forgotten.push(app.id.clone());
            return Ok(Served::Forwarded(resp, allowed));
        }
    }
    Ok(Served::Forwarded(resp, allowed))
}

//! Response encoding shared by the Worker and the objects.

use crate::headers::Fixed;
use aero2_core::error::ApiError;
use serde::Serialize;
use worker::{Headers, Response, Result};

/// 200 with a public JSON document (`body`, JSON text) that clients and
/// HTTP caches may keep `max_age` seconds: the provider metadata and the
/// JWKS.
pub fn public_json(body: &str, max_age: u32) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", &aero2_core::oauth::discovery::public_cache_control(max_age))?;
    Ok(Response::from_bytes(body.as_bytes().to_vec())?.with_headers(headers))
}

/// A JSON response with `status`. API responses are never cached: they
/// carry credentials or per-caller data.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    thread_local! {
        static HEADERS: Fixed = const { Fixed::new(&[("content-type", "application/json"), ("cache-control", "no-store")]) };
    }
    let headers = HEADERS.with(Fixed::copy)?;
    Ok(Response::from_json(body)?.with_status(status).with_headers(headers))
}

/// 204 with no body.
/// `resp` read whole: the same answer again, and its body as JSON (`None`
/// when there is none, or it is not JSON).
pub async fn with_json_body(mut resp: Response) -> Result<(Response, Option<serde_json::Value>)> {
    let status = resp.status_code();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await?;
    let json = serde_json::from_slice(&bytes).ok();
    let again = if bytes.is_empty() { Response::empty()? } else { Response::from_bytes(bytes)? };
    Ok((again.with_status(status).with_headers(headers), json))
}

pub fn no_content() -> Result<Response> {
    thread_local! {
        static HEADERS: Fixed = const { Fixed::new(&[("cache-control", "no-store")]) };
    }
    Ok(Response::empty()?.with_status(204).with_headers(HEADERS.with(Fixed::copy)?))
}

/// The error's status and JSON body. A 401 carries the `WWW-Authenticate`
/// challenge RFC 9110 §11.6.1 requires.
pub fn error(e: &ApiError) -> Result<Response> {
    let mut resp = json(e.status(), &e.body())?;
    if matches!(e, ApiError::Unauthorized) {
        resp.headers_mut().set("www-authenticate", "Bearer realm=\"aero2\"")?;
    }
    if let ApiError::RateLimited { retry_after_secs, .. } = e {
        resp.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
    }
    Ok(resp)
}

/// 405 with the resource's own methods (RFC 9110 §15.5.6), from its route
/// table (`aero2_core::routes`).
pub fn wrong_method(allow: &str) -> Result<Response> {
    let mut resp = error(&ApiError::MethodNotAllowed)?;
    resp.headers_mut().set("allow", allow)?;
    Ok(resp)
}

/// What a route table says about a request: the endpoint, or the 404 or
/// 405 to send instead.
pub fn routed<'p, E: Copy>(
    table: &'static [aero2_core::routes::Row<E>],
    req: &worker::Request,
    path: &'p str,
) -> Result<std::result::Result<aero2_core::routes::Found<'p, E>, Response>> {
    use aero2_core::routes::{route, Routed};
    // The method as sent: `worker::Method` reads any unknown one as GET.
    Ok(match route(table, &req.inner().method(), path) {
        Routed::Found(found) => Ok(found),
        Routed::WrongMethod { allow } => Err(wrong_method(&allow)?),
        Routed::NotFound => Err(error(&ApiError::NotFound)?),
    })
}

/// Logs an internal failure (no secrets are ever in these messages) and
/// returns the opaque 500 the caller sees.
pub fn internal(context: &str, e: &worker::Error) -> Result<Response> {
    worker::console_error!("{context}: {e}");
    error(&ApiError::Internal)
}

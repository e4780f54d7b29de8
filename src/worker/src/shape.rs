//! What every response leaving Aero2 looks like: security headers, CORS for
//! an allowed origin only, and no internal headers.

use aero2_core::cors::{origin_allowed, ALLOWED_HEADERS, ALLOWED_METHODS, PREFLIGHT_MAX_AGE};
use aero2_core::error::ApiError;
use aero2_core::headers::{csp_source_of, security_headers};
use aero2_durable::{forward, respond};
use worker::{Headers, Response, ResponseBuilder, Result};

/// Answers a CORS preflight (Fetch standard §3.2.2). A disallowed origin
/// gets 403 and no CORS headers, so the browser blocks the real request.
pub fn preflight(origin: Option<&str>, allowed: &[String]) -> Result<Response> {
    let Some(origin) = origin.filter(|o| origin_allowed(o, allowed)) else {
        return respond::error(&ApiError::Forbidden("origin not allowed"));
    };
    let headers = Headers::new();
    headers.set("access-control-allow-origin", origin)?;
    headers.set("access-control-allow-credentials", "true")?;
    headers.set("access-control-allow-methods", ALLOWED_METHODS)?;
    headers.set("access-control-allow-headers", ALLOWED_HEADERS)?;
    headers.set("access-control-max-age", PREFLIGHT_MAX_AGE)?;
    headers.set("vary", "Origin")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

/// Rebuilds the response with our headers (responses from a stub have
/// immutable headers, so they are copied). The answer to a `HEAD` request
/// keeps them and drops the body (RFC 9110 §9.3.2).
/// `request_id` goes back as `x-request-id` (the audit log records it).
pub fn finish(resp: Response, local: bool, origin: Option<&str>, allowed: &[String], head: bool, request_id: &str) -> Result<Response> {
    let status = resp.status_code();
    // Only an origin derived from a registered redirect URI, set by our own
    // object (inbound x-aero2-* headers never reach it).
    let redirect_source = resp.headers().get(forward::FORM_ACTION_HEADER)?.and_then(|v| csp_source_of(&v));
    let inline_styles = resp.headers().has(forward::INLINE_STYLES_HEADER)?;
    let headers = forward::copy_without_reserved(resp.headers())?;
    for (name, value) in security_headers(local, redirect_source.as_deref(), inline_styles) {
        headers.set(name, &value)?;
    }
    headers.set("x-request-id", request_id)?;
    if let Some(origin) = origin.filter(|o| origin_allowed(o, allowed)) {
        headers.set("access-control-allow-origin", origin)?;
        headers.set("access-control-allow-credentials", "true")?;
        headers.append("vary", "Origin")?;
    }
    let builder = ResponseBuilder::new().with_status(status).with_headers(headers);
    if head {
        return Ok(builder.empty());
    }
    let (_, body) = resp.into_parts();
    Ok(builder.body(body))
}

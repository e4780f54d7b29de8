//! What every response leaving Aero2 looks like: security headers, CORS for
//! an allowed origin only, and no internal headers.

use aero2_core::cors::{origin_allowed, ALLOWED_HEADERS, ALLOWED_METHODS, PREFLIGHT_MAX_AGE};
use aero2_core::error::ApiError;
use aero2_core::headers::{csp_source_of, security_headers};
use aero2_durable::{forward, respond};
use worker::{js_sys, web_sys, Headers, Response, ResponseBuilder, Result};

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
    stamp(&headers.0, origin, allowed, request_id)?;
    let builder = ResponseBuilder::new().with_status(status).with_headers(headers);
    if head {
        return Ok(builder.empty());
    }
    let (_, body) = resp.into_parts();
    Ok(builder.body(body))
}

/// What differs between two answers of the same finished response: the
/// request id, and CORS for an allowed origin.
fn stamp(headers: &web_sys::Headers, origin: Option<&str>, allowed: &[String], request_id: &str) -> Result<()> {
    headers.set("x-request-id", request_id)?;
    if let Some(origin) = origin.filter(|o| origin_allowed(o, allowed)) {
        headers.set("access-control-allow-origin", origin)?;
        headers.set("access-control-allow-credentials", "true")?;
        headers.append("vary", "Origin")?;
    }
    Ok(())
}

/// A 200 answer finished once ([`finish`] without a request id or CORS),
/// kept as JavaScript objects: the public documents (`crate::edge`).
/// Answering from it costs a handful of calls across the wasm boundary
/// instead of one per header (`bench/profile.mjs`: the glue of those calls
/// is most of such a request's CPU).
#[derive(Clone)]
pub struct Finished {
    body: js_sys::Uint8Array,
    headers: web_sys::Headers,
}

impl Finished {
    pub fn new(resp: Response, local: bool) -> Result<Self> {
        let resp = finish(resp, local, None, &[], false, "")?;
        let headers = web_sys::Headers::new_with_headers(&resp.headers().0)?;
        let (_, body) = resp.into_parts();
        let bytes = match body {
            worker::ResponseBody::Body(bytes) => bytes,
            _ => Vec::new(),
        };
        Ok(Self { body: js_sys::Uint8Array::from(bytes.as_slice()), headers })
    }

    /// The answer, stamped for this request (without the body for `HEAD`).
    pub fn answer(&self, origin: Option<&str>, allowed: &[String], head: bool, request_id: &str) -> Result<web_sys::Response> {
        let headers = web_sys::Headers::new_with_headers(&self.headers)?;
        stamp(&headers, origin, allowed, request_id)?;
        let init = web_sys::ResponseInit::new();
        init.set_status(200);
        init.set_headers(&headers);
        let resp = if head {
            web_sys::Response::new_with_opt_str_and_init(None, &init)?
        } else {
            web_sys::Response::new_with_opt_buffer_source_and_init(Some(&self.body), &init)?
        };
        Ok(resp)
    }
}

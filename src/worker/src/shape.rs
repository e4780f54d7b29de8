//! What every response leaving Aero2 looks like: security headers, CORS for
//! an allowed origin only, and no internal headers.

use aero2_core::cors::{origin_allowed, ALLOWED_HEADERS, ALLOWED_METHODS, PREFLIGHT_MAX_AGE};
use aero2_core::error::ApiError;
use aero2_core::headers::{are_common, csp_source_of, security_headers};
use aero2_durable::headers::{set_all, Pairs};
use aero2_durable::{forward, respond};
use worker::{js_sys, web_sys, Headers, Response, Result};

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
/// Built on web-sys's types, not the worker crate's: its conversions of a
/// response read and write fields this does not need, each a call across
/// the wasm boundary (`aero2_durable::headers`).
pub fn finish(resp: &web_sys::Response, local: bool, origin: Option<&str>, allowed: &[String], head: bool, request_id: &str) -> Result<web_sys::Response> {
    let source = Headers(resp.headers());
    // Only an origin derived from a registered redirect URI, set by our own
    // object (inbound x-aero2-* headers never reach it).
    let redirect_source = source.get(forward::FORM_ACTION_HEADER)?.and_then(|v| csp_source_of(&v));
    let inline_styles = source.has(forward::INLINE_STYLES_HEADER)?;
    let headers = forward::copy_without_reserved(&source)?;
    if are_common(redirect_source.as_deref(), inline_styles) {
        // Every answer but a few pages': the same list, kept per isolate
        // (one for each value of `local`).
        thread_local! {
            static COMMON: [std::cell::OnceCell<Pairs>; 2] = const { [std::cell::OnceCell::new(), std::cell::OnceCell::new()] };
        }
        COMMON.with(|[remote, on_local]| {
            let kept = if local { on_local } else { remote };
            set_all(&headers, kept.get_or_init(|| pairs_of(local, None, false)))
        })?;
    } else {
        set_all(&headers, &pairs_of(local, redirect_source.as_deref(), inline_styles))?;
    }
    stamp(&headers.0, origin, allowed, request_id)?;
    let init = web_sys::ResponseInit::new();
    init.set_status(resp.status());
    init.set_headers(&headers.0);
    let body = if head { None } else { resp.body() };
    Ok(web_sys::Response::new_with_opt_readable_stream_and_init(body.as_ref(), &init)?)
}

/// The security headers (`aero2_core::headers::security_headers`) as one
/// list to set in one call.
fn pairs_of(local: bool, redirect_source: Option<&str>, inline_styles: bool) -> Pairs {
    let list = security_headers(local, redirect_source, inline_styles);
    Pairs::new(list.iter().map(|(name, value)| (*name, value.as_ref())))
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
        let (builder, body) = resp.into_parts();
        let bytes = match body {
            worker::ResponseBody::Body(bytes) => bytes,
            _ => Vec::new(),
        };
        // Finished without its body (as for HEAD): the headers are kept.
        let finished = finish(&builder.empty().into(), local, None, &[], true, "")?;
        let headers = web_sys::Headers::new_with_headers(&finished.headers())?;
        Ok(Self { body: js_sys::Uint8Array::from(bytes.as_slice()), headers })
    }

    /// The answer, stamped for this request (without the body for `HEAD`).
    /// It depends on the method, the `Origin` and what the host resolves to
    /// only: the Worker's entry gives it again to a request equal in those
    /// (`keyOf` in `src/worker/js/entry.mjs`), so a new input here must be
    /// added there.
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

//! HTTP to upstream identity providers: every call bounded by a timeout
//! (`AERO2_UPSTREAM_TIMEOUT_MS`, default 10 s), every answer read as JSON
//! of bounded size, redirects never followed (a 3xx is the provider's
//! answer, and a failure: a redirect could lead to an address the
//! configuration checks never saw, `aero2_core::rp::config::Reach`), and
//! nothing of what is sent (codes, secrets, tokens) ever logged. What
//! is fetched is kept in the object's `op::caches`.

use aero2_core::jose::jwk::PublicJwk;
use aero2_core::time::UnixMillis;
use serde_json::Value;
use aero2_core::cache::TtlCache;
use std::cell::RefCell;
use worker::{AbortSignal, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

pub const TIMEOUT_VAR: &str = "AERO2_UPSTREAM_TIMEOUT_MS";
const DEFAULT_TIMEOUT_MS: u32 = 10_000;
const MAX_BODY_BYTES: usize = 256 * 1024;
/// GitHub's API refuses requests without one.
const USER_AGENT: &str = "Aero2";

/// Why an upstream call gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    Timeout,
    /// Could not connect, or the connection broke.
    Unreachable,
    /// Answered, with this status (the JSON body if it had one).
    Status(u16, Option<Value>),
    /// Answered 2xx with something that is not JSON (or too large).
    NotJson,
}

fn timeout_ms(env: &Env) -> u32 {
    env.var(TIMEOUT_VAR).ok().and_then(|v| v.to_string().parse().ok()).filter(|ms| *ms > 0).unwrap_or(DEFAULT_TIMEOUT_MS)
}

/// Sends a request and reads a JSON answer. `Ok(Err(_))` is the upstream's
/// failure; `Err(_)` is ours. A connection that breaks before any answer
/// (typically a pooled keep-alive connection the server had already
/// closed) is tried once more: for the token endpoint that is safe, since
/// a code the first attempt did use is refused the second time.
pub async fn json(env: &Env, method: Method, url: &str, headers: &[(&str, &str)], form: Option<String>) -> worker::Result<Result<Value, Upstream>> {
    match send(env, method.clone(), url, headers, form.clone()).await? {
        Err(Upstream::Unreachable) => send(env, method, url, headers, form).await,
        other => Ok(other),
    }
}

/// Like [`json`], tried exactly once: for calls that must not be repeated
/// (a text message sent twice costs twice).
pub async fn json_once(env: &Env, method: Method, url: &str, headers: &[(&str, &str)], form: Option<String>) -> worker::Result<Result<Value, Upstream>> {
    send(env, method, url, headers, form).await
}

async fn send(env: &Env, method: Method, url: &str, headers: &[(&str, &str)], form: Option<String>) -> worker::Result<Result<Value, Upstream>> {
    let h = Headers::new();
    h.set("accept", "application/json")?;
    h.set("user-agent", USER_AGENT)?;
    for (k, v) in headers {
        h.set(k, v)?;
    }
    if form.is_some() {
        h.set("content-type", "application/x-www-form-urlencoded")?;
    }
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(h).with_body(form.map(Into::into)).with_redirect(RequestRedirect::Manual);
    let Ok(req) = Request::new_with_init(url, &init) else { return Ok(Err(Upstream::Unreachable)) };
    let signal = AbortSignal::from(worker::web_sys::AbortSignal::timeout_with_u32(timeout_ms(env)));
    let mut resp = match Fetch::Request(req).send_with_signal(&signal).await {
        Ok(r) => r,
        Err(_) if signal.aborted() => return Ok(Err(Upstream::Timeout)),
        Err(_) => return Ok(Err(Upstream::Unreachable)),
    };
    let bytes = match resp.bytes().await {
        Ok(b) => b,
        Err(_) if signal.aborted() => return Ok(Err(Upstream::Timeout)),
        Err(_) => return Ok(Err(Upstream::Unreachable)),
    };
    let parsed = (bytes.len() <= MAX_BODY_BYTES).then(|| serde_json::from_slice::<Value>(&bytes).ok()).flatten();
    let status = resp.status_code();
    Ok(match (status, parsed) {
        (200..=299, Some(v)) => Ok(v),
        (200..=299, None) => Err(Upstream::NotJson),
        (s, v) => Err(Upstream::Status(s, v)),
    })
}

pub async fn get_json(env: &Env, url: &str, headers: &[(&str, &str)]) -> worker::Result<Result<Value, Upstream>> {
    json(env, Method::Get, url, headers, None).await
}

/// A provider's keys: each parsed, with the JWK as published. Kept in
/// `op::caches` (ten minutes), asked again for an unknown `kid`.
pub type UpstreamKeys = Vec<(PublicJwk, Value)>;

/// The signing keys at `uri`, parsed leniently: a key we cannot use (an
/// encryption key, another curve) is skipped, not fatal. `refresh` asks
/// for a fresh copy (an unknown `kid`): at most once per callback, and a
/// callback needs a state minted by a sign-in this object started.
pub async fn jwks(env: &Env, cache: &RefCell<TtlCache<String, UpstreamKeys>>, uri: &str, now: UnixMillis, refresh: bool) -> worker::Result<Result<UpstreamKeys, Upstream>> {
    if !refresh {
        if let Some(keys) = cache.borrow_mut().get(&uri.to_owned(), now) {
            return Ok(Ok(keys));
        }
    }
    let since = cache.borrow().epoch();
    let doc = match get_json(env, uri, &[]).await? {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let keys: UpstreamKeys = doc
        .get("keys")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|k| PublicJwk::from_json(k).ok().map(|p| (p, k.clone()))).collect())
        .unwrap_or_default();
    cache.borrow_mut().insert_since(uri.to_owned(), keys.clone(), now, since);
    Ok(Ok(keys))
}

/// A discovery document, cached (static OIDC providers resolve lazily).
pub async fn discovery(env: &Env, cache: &RefCell<TtlCache<String, Value>>, url: &str, now: UnixMillis) -> worker::Result<Result<Value, Upstream>> {
    if let Some(doc) = cache.borrow_mut().get(&url.to_owned(), now) {
        return Ok(Ok(doc));
    }
    let since = cache.borrow().epoch();
    let doc = match get_json(env, url, &[]).await? {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    cache.borrow_mut().insert_since(url.to_owned(), doc.clone(), now, since);
    Ok(Ok(doc))
}

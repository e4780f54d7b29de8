//! Rate limits and sign-in lockout, applied inside the application's
//! object. Every function here is synchronous (memory or SQL, no await): a
//! check and its count are one step of the object's single-threaded event loop,
//! so limits are exact and cannot be raced past, and they fail closed (an
//! unknown client IP shares one bucket; a storage error refuses the request).

use super::{store, Op};
use aero2_core::lockout::Attempt;
use aero2_core::rate_limit::{Class, Counter, Verdict};
use worker::{Request, Result};

/// The client's IP as Cloudflare reports it (`CF-Connecting-IP` is set by
/// the edge and cannot be forged through it).
pub fn client_ip(req: &Request) -> Result<Option<String>> {
    req.headers().get("cf-connecting-ip")
}

/// Counts one request of `class` for `subject` (IP, identifier, client):
/// in memory for the classes kept there while the table has room, else in
/// storage.
pub fn hit(op: &Op<'_>, class: Class, subject: Option<&str>) -> Result<Verdict> {
    let key = class.key(subject.map(bounded));
    let limit = op.app.rate_limit_per_object(class);
    let mut memory = op.caches.counters.borrow_mut();
    if class.in_memory() && memory.holds(&key) {
        if let Some(verdict) = memory.hit(&key, op.now, limit, Counter::default()) {
            return Ok(verdict);
        }
    }
    let mut counter = store::counter(&op.sql, &key)?;
    // A key new to memory starts from what storage counted for it while the
    // table was full; a full table leaves the count to storage.
    if class.in_memory() {
        if let Some(verdict) = memory.hit(&key, op.now, limit, counter) {
            return Ok(verdict);
        }
    }
    let verdict = counter.hit(op.now, limit);
    if verdict == Verdict::Allowed {
        store::put_counter(&op.sql, &key, &counter, counter.expires_at(limit))?;
    }
    Ok(verdict)
}

/// Counts a sign-in attempt for `identifier` before its password is
/// checked; `Locked` means refuse without checking, and the flag says
/// this very attempt locked it.
pub fn begin_sign_in(op: &Op<'_>, identifier: &str) -> Result<(Attempt, bool)> {
    let policy = op.app.settings.lockout_policy();
    let id = bounded(identifier);
    let mut lockout = store::lockout(&op.sql, id)?;
    let was_locked = lockout.locked(op.now).is_some();
    let attempt = lockout.begin_attempt(op.now, &policy);
    store::put_lockout(&op.sql, id, &lockout, lockout.expires_at(&policy))?;
    let locks_now = !was_locked && matches!(attempt, Attempt::Locked { .. });
    Ok((attempt, locks_now))
}

/// The password was right: the identifier's history is cleared.
pub fn sign_in_succeeded(op: &Op<'_>, identifier: &str) -> Result<()> {
    store::delete_lockout(&op.sql, bounded(identifier))
}

/// Keys never exceed an email's maximum length, whatever was typed.
fn bounded(s: &str) -> &str {
    match s.char_indices().nth(254) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// A JSON 429 for the OAuth endpoints, with `Retry-After` (RFC 6585 §4).
pub fn too_many_json(retry_after_secs: i64) -> Result<worker::Response> {
    let body = serde_json::json!({ "error": "temporarily_unavailable", "error_description": "rate limit exceeded" });
    let mut resp = super::oauth_json(429, &body)?;
    resp.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
    Ok(resp)
}

/// Whole seconds (at least one, rounded up) from `now` until a lock ends:
/// `Retry-After`.
pub fn retry_after_secs(until: aero2_core::time::UnixMillis, now: aero2_core::time::UnixMillis) -> i64 {
    (until.0 - now.0 + 999).div_euclid(1000).max(1)
}

/// "N minutes" (at least one, rounded up) until a limit lets go.
pub fn wait_phrase(retry_after_secs: i64) -> String {
    let minutes = (retry_after_secs + 59).div_euclid(60).max(1);
    format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
}

/// The page for a browser that hit a limit (RFC 6585 §4), with
/// `Retry-After`.
pub fn too_many_page(retry_after_secs: i64) -> Result<worker::Response> {
    let message = format!("Too many sign-in attempts from your network. Try again in {}.", wait_phrase(retry_after_secs));
    let mut resp = crate::pages::error_page("Too many requests", &message, 429)?;
    resp.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
    Ok(resp)
}

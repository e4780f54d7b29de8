//! The metadata document and the JWKS, answered by the front Worker itself
//! (`aero2_core::routes::op::at_edge`): with no Durable Object hop when
//! warm.
//!
//! Measured with `scripts/bench.sh` (CPU per request of the workerd
//! process, c=1, on this machine): through the application's object they
//! cost ~1,050 µs against a floor of ~390 µs for any Worker → object
//! request; answered here from the isolate's memory they cost what a plain
//! Worker does (bench/README.md has the current figures).
//!
//! - The metadata document depends only on the issuer: built once per
//!   issuer per isolate.
//! - The JWKS is the signer's answer for the application, kept
//!   [`EDGE_JWKS_TTL_MS`] in the isolate's memory and in the Workers Cache
//!   API (shared by the isolates of a location, so a new isolate does not
//!   ask the signer either). A rotation or deletion answered through this
//!   isolate drops both at once ([`forget`]); elsewhere a copy is at most
//!   [`EDGE_JWKS_TTL_MS`] old, well inside the hour a new key is published
//!   before it signs (`docs/signing.md`).

use aero2_core::application::Application;
use aero2_core::cache::TtlCache;
use aero2_core::oauth::discovery::{self, EDGE_JWKS_TTL_MS, JWKS_MAX_AGE_SECONDS, METADATA_MAX_AGE_SECONDS};
use aero2_core::routes::op::Endpoint;
use aero2_core::time::UnixMillis;
use crate::shape::Finished;
use aero2_core::host::is_local_domain;
use aero2_durable::respond::public_json;
use aero2_durable::forward::FETCHED_AT_HEADER;
use aero2_durable::{now, signer_call};
use std::cell::RefCell;
use worker::{Cache, Env, Result};

const CAPACITY: usize = 1_024;
/// A metadata document never changes within a deployment; the bound keeps
/// an isolate serving many issuers from holding them all.
const METADATA_TTL_MS: i64 = 3_600_000;

thread_local! {
    static METADATA: RefCell<TtlCache<String, Finished>> = RefCell::new(TtlCache::new(METADATA_TTL_MS, CAPACITY));
    static JWKS: RefCell<TtlCache<String, Finished>> = RefCell::new(TtlCache::new(EDGE_JWKS_TTL_MS, CAPACITY));
}

/// The answer to `endpoint` (one of `at_edge`'s) for the application
/// `app_id` at `issuer`, finished (security headers set) but for the
/// request's own stamp (`Finished::answer`), and when this isolate's copy
/// of it expires.
pub async fn answer(env: &Env, endpoint: Endpoint, app: &Application, issuer: &str, platform: &str) -> Result<(Finished, UnixMillis)> {
    let local = is_local_domain(platform);
    match endpoint {
        Endpoint::Jwks => jwks(env, app, platform, local).await,
        _ => {
            let t = now();
            if let Some(kept) = METADATA.with(|c| c.borrow_mut().get_until(&issuer.to_owned(), t)) {
                return Ok(kept);
            }
            let body = discovery::metadata(issuer).to_string();
            let done = Finished::new(public_json(&body, METADATA_MAX_AGE_SECONDS)?, local)?;
            Ok(METADATA.with(|c| {
                let mut c = c.borrow_mut();
                c.insert(issuer.to_owned(), done.clone(), t);
                (done, c.expiry(t))
            }))
        }
    }
}

/// Drops this isolate's and this location's copies of the application's
/// JWKS (its keys were rotated, or it was deleted).
pub async fn forget(app_id: &str, platform: &str) {
    JWKS.with(|c| c.borrow_mut().remove(&app_id.to_owned()));
    // The change it follows is made: a Cache API failure must not turn its
    // answer into an error (the copy there expires within 30 s anyway).
    let _ = Cache::default().delete(cache_key(platform, app_id), true).await;
}

/// The application's JWKS, finished: the isolate's copy, else the
/// location's (Cache API), else the signer's (then kept in both): every
/// shard's its placement publishes (two during a move).
async fn jwks(env: &Env, app: &Application, platform: &str, local: bool) -> Result<(Finished, UnixMillis)> {
    let app_id = app.id.as_str();
    let t = now();
    if let Some(kept) = JWKS.with(|c| c.borrow_mut().get_until(&app_id.to_owned(), t)) {
        return Ok(kept);
    }
    // A rotation or deletion answered while the copy is fetched drops it:
    // the fetched copy is then kept by nobody (`TtlCache::insert_since`).
    let since = JWKS.with(|c| c.borrow().epoch());
    let cache = Cache::default();
    let key = cache_key(platform, app_id);
    if let Ok(Some(mut cached)) = cache.get(key.as_str(), true).await {
        let fetched = cached.headers().get(FETCHED_AT_HEADER)?.and_then(|v| v.parse::<i64>().ok());
        // Fetched before now (a copy claiming a later time is not trusted
        // to last), and less than the time-to-live ago.
        if let Some(fetched) = fetched.filter(|f| *f <= t.0 && t.0.saturating_sub(*f) < EDGE_JWKS_TTL_MS) {
            let done = Finished::new(public_json(&cached.text().await?, JWKS_MAX_AGE_SECONDS)?, local)?;
            let until = JWKS.with(|c| c.borrow_mut().insert_since(app_id.to_owned(), done.clone(), UnixMillis(fetched), since));
            return Ok((done, until.unwrap_or(t)));
        }
    }
    let body = serde_json::to_string(&signer_call::published_jwks(env, &app.signer, t, app_id).await?)?;
    let done = Finished::new(public_json(&body, JWKS_MAX_AGE_SECONDS)?, local)?;
    let until = JWKS.with(|c| c.borrow_mut().insert_since(app_id.to_owned(), done.clone(), t, since));
    // Not kept here (a drop overtook it): not kept for the location either.
    if until.is_some() {
        let mut copy = public_json(&body, u32::try_from(EDGE_JWKS_TTL_MS / 1000).unwrap_or(30))?;
        // When it was fetched, so another isolate keeps it only for what is
        // left of its time.
        copy.headers_mut().set(FETCHED_AT_HEADER, &t.0.to_string())?;
        // Kept for the location's other isolates if the Cache API takes it;
        // the answer does not depend on it.
        let _ = cache.put(key.as_str(), copy).await;
        // A drop while it was put deleted the location's copy before this
        // one landed: delete this one too.
        if JWKS.with(|c| c.borrow().epoch()) != since {
            let _ = cache.delete(key.as_str(), true).await;
        }
    }
    Ok((done, until.unwrap_or(t)))
}


/// Where the Cache API keeps an application's JWKS: a URL of the
/// platform's zone that no route serves.
fn cache_key(platform: &str, app_id: &str) -> String {
    format!("https://{platform}/.aero2-cache/jwks/{app_id}")
}

//! Host → application, with a bounded per-isolate cache.
//!
//! Entries live at most [`CACHE_TTL_MS`]; a deleted application is dropped
//! sooner, as soon as its tombstoned object says so. Unknown hosts are not
//! cached, so a new application answers at once.

use aero2_core::application::Application;
use aero2_core::cache::TtlCache;
use aero2_core::host::{resolve_host, HostTarget};
use aero2_core::time::UnixMillis;
use aero2_durable::{db, now};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use worker::{Env, Result};

/// A resolved application, with the JSON text forwarded to its object
/// (serialized once per resolution, not once per request: ~5% of the
/// front Worker's CPU on a token request, `bench/profile.mjs`).
pub struct Resolved {
    pub app: Application,
    pub forwarded: String,
}

impl Resolved {
    fn of(app: Application) -> Result<Rc<Self>> {
        let forwarded = serde_json::to_string(&app)?;
        Ok(Rc::new(Self { app, forwarded }))
    }
}

const CACHE_TTL_MS: i64 = 30_000;
const CACHE_CAPACITY: usize = 1_024;

thread_local! {
    static CACHE: RefCell<TtlCache<String, Rc<Resolved>>> = RefCell::new(TtlCache::new(CACHE_TTL_MS, CACHE_CAPACITY));
    static BOOTSTRAPPED: Cell<bool> = const { Cell::new(false) };
}

/// An application found for a host.
pub struct Found {
    pub resolved: Rc<Resolved>,
    /// The custom domain it was reached through (`None` for a platform
    /// subdomain).
    pub custom_domain: Option<String>,
    /// When this isolate's copy expires: what is answered from it without
    /// asking again holds no longer (`crate::reuse`).
    pub until: UnixMillis,
}

/// The application served at `host`, if any.
pub async fn application(env: &Env, host: &str, platform: &str) -> Result<Option<Found>> {
    resolved(env, host, platform, false).await
}

/// [`application`] read from D1 whatever this isolate cached (and cached
/// afresh): for a request that names something the cached copy may be
/// too old to know, such as a tenant shard raised a moment ago.
pub async fn reload(env: &Env, host: &str, platform: &str) -> Result<Option<Found>> {
    resolved(env, host, platform, true).await
}

async fn resolved(env: &Env, host: &str, platform: &str, reload: bool) -> Result<Option<Found>> {
    let target = resolve_host(host, platform);
    let key = match &target {
        HostTarget::Subdomain(slug) => slug.as_str().to_owned(),
        HostTarget::Custom(hostname) => hostname.clone(),
        HostTarget::None => return Ok(None),
    };
    let custom_domain = match &target {
        HostTarget::Custom(hostname) => Some(hostname.clone()),
        _ => None,
    };
    let t = now();
    if let Some((resolved, until)) = CACHE.with(|c| c.borrow_mut().get_until(&key, t)).filter(|_| !reload) {
        return Ok(Some(Found { resolved, custom_domain, until }));
    }
    let since = CACHE.with(|c| c.borrow().epoch());
    let db = db::database(env)?;
    // Only the Dashboard's host needs the Dashboard to exist: an
    // application's first request in a fresh isolate makes no D1 write.
    if matches!(&target, HostTarget::Subdomain(slug) if slug.as_str() == aero2_core::application::DASHBOARD_SLUG) {
        bootstrap(env, &db, platform).await?;
    }
    let found = match &target {
        HostTarget::Subdomain(slug) => db::app_by_slug(&db, slug.as_str()).await?,
        HostTarget::Custom(hostname) => db::app_by_custom_domain(&db, hostname).await?,
        HostTarget::None => None,
    };
    let Some(app) = found else { return Ok(None) };
    let resolved = Resolved::of(app)?;
    // Not kept if the application was dropped or changed while it was
    // read; then this answer is good for this request only.
    let until = CACHE.with(|c| c.borrow_mut().insert_since(key, resolved.clone(), t, since)).unwrap_or(t);
    Ok(Some(Found { resolved, custom_domain, until }))
}

/// Replaces every cached host's copy of a changed application (the entries
/// keep their age).
pub fn refresh(app: Application) -> Result<()> {
    let resolved = Resolved::of(app)?;
    CACHE.with(|c| c.borrow_mut().replace_where(|r| r.app.id == resolved.app.id, &resolved));
    Ok(())
}

/// Drops every cached host of a deleted application.
pub fn forget(app_id: &str) {
    CACHE.with(|c| c.borrow_mut().remove_where(|r| r.app.id == app_id));
}

/// The Dashboard application exists from an isolate's first request to the
/// Dashboard's host on (idempotent insert).
async fn bootstrap(env: &Env, db: &worker::D1Database, platform: &str) -> Result<()> {
    if !BOOTSTRAPPED.with(Cell::get) {
        let configured = env.var(aero2_core::dashboard::WEB_APP_ORIGIN_VAR).ok().map(|v| v.to_string());
        let origin = aero2_core::dashboard::web_app_origin(configured.as_deref(), platform);
        aero2_durable::directory::ensure_dashboard(db, now(), origin.as_deref()).await?;
        BOOTSTRAPPED.with(|b| b.set(true));
    }
    Ok(())
}

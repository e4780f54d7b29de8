//! `TenantApp`: one Durable Object per application, named by its id.
//!
//! It serves every request the front Worker resolves to its application and
//! owns the state that must be exact or single-use: sessions, one-time
//! codes, rate-limit counters (its own SQLite storage). It handles one
//! request at a time, so those rules need no locks and cannot race.
//!
//! Lifecycle: live → tombstoned. Deleting the application tombstones its
//! object: storage is wiped and every later request answers
//! `unknown_application`, so the subdomain stops resolving at once even where
//! a front Worker isolate still caches the old resolution.

use crate::forward::{self, INTERNAL_HEADER};
use crate::{management, now, respond, schema};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::time::UnixMillis;
use serde::Deserialize;
use serde_json::json;
use std::cell::Cell;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorageValue, State};

/// Storage schema, one entry per version. Later versions append; never edit
/// a shipped one.
const MIGRATIONS: &[&[&str]] = &[&[
    // Browser sessions at this application's hosted pages.
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL, idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL, user_agent TEXT, ip TEXT)",
    "CREATE INDEX sessions_user ON sessions (user_id)",
    // Single-use values (authorization codes, upstream state, reset tokens),
    // keyed by the SHA-256 of the value so storage never holds it.
    "CREATE TABLE single_use (
        kind TEXT NOT NULL, key_hash TEXT NOT NULL, payload TEXT NOT NULL,
        expires_at INTEGER NOT NULL, PRIMARY KEY (kind, key_hash))",
    // Fixed-window counters for rate limits and lockout.
    "CREATE TABLE counters (
        bucket TEXT PRIMARY KEY, count INTEGER NOT NULL, window_start INTEGER NOT NULL,
        expires_at INTEGER NOT NULL)",
]];

pub const HEALTH_PATH: &str = "/.well-known/aero2-health";
const TOMBSTONE: &str = "tombstone";

#[durable_object]
pub struct TenantApp {
    state: State,
    env: Env,
    schema_version: Cell<usize>,
}

impl DurableObject for TenantApp {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, schema_version: Cell::new(0) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.handle(req).await {
            Ok(resp) => Ok(resp),
            Err(e) => respond::internal("TenantApp", &e),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.ensure_schema()?;
        let sql = self.state.storage().sql();
        let t = now().0;
        sql.exec(
            "DELETE FROM sessions WHERE idle_expires_at <= ?1 OR absolute_expires_at <= ?1",
            vec![SqlStorageValue::from(t)],
        )?;
        sql.exec("DELETE FROM single_use WHERE expires_at <= ?1", vec![SqlStorageValue::from(t)])?;
        sql.exec("DELETE FROM counters WHERE expires_at <= ?1", vec![SqlStorageValue::from(t)])?;
        if let Some(next) = self.next_expiry()? {
            self.state.storage().set_alarm(worker::ScheduledTime::new(js_date(next))).await?;
        }
        Response::empty()
    }
}

fn js_date(at: UnixMillis) -> worker::js_sys::Date {
    #[allow(clippy::cast_precision_loss)]
    worker::js_sys::Date::new(&worker::wasm_bindgen::JsValue::from_f64(at.0 as f64))
}

#[derive(Deserialize)]
struct NextExpiry {
    next: Option<i64>,
}

impl TenantApp {
    async fn handle(&self, req: Request) -> Result<Response> {
        self.ensure_schema()?;
        let sql = self.state.storage().sql();
        if req.headers().get(INTERNAL_HEADER)?.as_deref() == Some(TOMBSTONE) {
            return self.tombstone().await;
        }
        if schema::meta_get(&sql, "deleted")?.is_some() {
            let mut resp = respond::error(&ApiError::UnknownApplication)?;
            resp.headers_mut().set(forward::TOMBSTONE_HEADER, "1")?;
            return Ok(resp);
        }
        let Some(app) = forward::application_of(&req) else {
            return respond::error(&ApiError::UnknownApplication);
        };
        match schema::meta_get(&sql, "app_id")? {
            None => schema::meta_set(&sql, "app_id", &app.id)?,
            Some(id) if id == app.id => {}
            Some(_) => return Err(worker::Error::RustError("request routed to another application's object".into())),
        }
        let path = req.path();
        if path == HEALTH_PATH {
            return match req.method() {
                Method::Get => self.health(&app).await,
                _ => respond::error(&ApiError::MethodNotAllowed),
            };
        }
        if app.is_dashboard() && (path == "/api/v1" || path.starts_with("/api/v1/")) {
            return management::handle(req, &self.env).await;
        }
        respond::error(&ApiError::NotFound)
    }

    fn ensure_schema(&self) -> Result<()> {
        if self.schema_version.get() == 0 {
            self.schema_version.set(schema::migrate(&self.state.storage().sql(), MIGRATIONS)?);
        }
        Ok(())
    }

    /// Proves the path front Worker → this object → its storage → the
    /// signer: counts the check in storage and reports who answered.
    async fn health(&self, app: &Application) -> Result<Response> {
        let sql = self.state.storage().sql();
        let checks = schema::meta_get(&sql, "health_checks")?.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1;
        schema::meta_set(&sql, "health_checks", &checks.to_string())?;
        let mut signer = forward::signer_stub(&self.env)?.fetch_with_str("https://jwks-signer.internal/health").await?;
        let signer: serde_json::Value = signer.json().await?;
        respond::json(
            200,
            &json!({
                "status": "ok",
                "application": { "id": app.id, "slug": app.slug },
                "durable_object": {
                    "class": "TenantApp",
                    "id": self.state.id().to_string(),
                    "schema_version": self.schema_version.get(),
                    "storage": { "reachable": true, "health_checks": checks },
                },
                "jwks_signer": signer,
            }),
        )
    }

    /// Wipes this application's state and marks the object deleted.
    async fn tombstone(&self) -> Result<Response> {
        let storage = self.state.storage();
        storage.delete_alarm().await?;
        storage.delete_all().await?;
        self.schema_version.set(0);
        self.ensure_schema()?;
        schema::meta_set(&storage.sql(), "deleted", &now().0.to_string())?;
        respond::no_content()
    }

    fn next_expiry(&self) -> Result<Option<UnixMillis>> {
        let rows: Vec<NextExpiry> = self
            .state
            .storage()
            .sql()
            .exec(
                "SELECT MIN(t) AS next FROM (
                    SELECT MIN(MIN(idle_expires_at, absolute_expires_at)) AS t FROM sessions
                    UNION ALL SELECT MIN(expires_at) FROM single_use
                    UNION ALL SELECT MIN(expires_at) FROM counters)",
                None,
            )?
            .to_array()?;
        Ok(rows.into_iter().next().and_then(|r| r.next).map(UnixMillis))
    }
}

/// Asks an application's object to tombstone itself (after its D1 rows are
/// gone). Called by the management API on delete.
pub async fn tombstone_application(env: &Env, app_id: &str) -> Result<()> {
    let headers = worker::Headers::new();
    headers.set(INTERNAL_HEADER, TOMBSTONE)?;
    let mut init = worker::RequestInit::new();
    init.with_method(Method::Post).with_headers(headers);
    let req = Request::new_with_init("https://tenant-app.internal/_tombstone", &init)?;
    let resp = forward::tenant_stub(env, app_id)?.fetch_with_request(req).await?;
    if resp.status_code() == 204 {
        Ok(())
    } else {
        Err(worker::Error::RustError(format!("tombstone answered {}", resp.status_code())))
    }
}

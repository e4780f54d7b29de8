//! `TenantApp`: one Durable Object per application, named by its id.
//!
//! It serves every request the front Worker resolves to its application and
//! owns the state that must be exact or single-use: sessions, one-time
//! codes, rate-limit counters (its own SQLite storage). It handles one
//! request at a time, so those rules need no locks and cannot race.
//!
//! ```text
//! live ──(application deleted)──► tombstoned: storage wiped, every request
//!                                 answers unknown_application
//! ```
//! The object also keeps the application's verified custom domains, synced
//! by the management API, and refuses a request that came through any other
//! custom domain. Both make deletions take effect at once, even where a
//! front Worker isolate still caches an old resolution: the answer carries
//! `TOMBSTONE_HEADER`, and the Worker drops its cache entries.

use crate::sql::Statements;
use crate::forward::{self, APPLICATION_HEADER, CUSTOM_DOMAIN_HEADER, INTERNAL_HEADER, TOMBSTONE_HEADER};
use crate::schema::{self, SchemaGuard};
use crate::tenant_command::Command;
use crate::{management, now, op, respond};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::routes::{self, op::Endpoint as OpEndpoint, Surface};
use serde::Deserialize;
use serde_json::json;
use std::cell::RefCell;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorageValue, State,
};

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
    // Verified custom domains of this application (copy of D1's, synced).
    "CREATE TABLE custom_domains (hostname TEXT PRIMARY KEY)",
], op::store::MIGRATION_V2, op::store::MIGRATION_V3, op::store::MIGRATION_V4, op::store::MIGRATION_V5, crate::audit::MIGRATION_V6, op::store::MIGRATION_V7, op::store::MIGRATION_V8, op::store::MIGRATION_V9];

pub use aero2_core::routes::op::HEALTH_PATH;
/// Where the last record `ApplicationChanged` sent is kept.
const APPLICATION_KEY: &str = "application";
#[durable_object]
pub struct TenantApp {
    state: State,
    /// The object's SQL storage, taken once: each `state.storage().sql()`
    /// is two calls across the wasm boundary (`crate::headers`).
    sql: worker::SqlStorage,
    env: Env,
    schema: SchemaGuard,
    identity: RefCell<Option<Identity>>,
    /// Everything kept in memory between requests (`op::caches`), changed
    /// through commands.
    caches: op::caches::Caches,
    /// Requests from the front Worker this instance served (not the
    /// internal commands), for the operator's health check.
    served: std::cell::Cell<u64>,
    /// The last application header's text, and the record parsed from it.
    last_forwarded: RefCell<Option<(String, Application)>>,
    /// Which of its application's tenant shards this object is, once
    /// known (`aero2_core::tenant_shards`, `forward::SHARD_HEADER`).
    shard: std::cell::Cell<Option<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    /// Never served a request yet.
    Unbound,
    Live(String),
    Deleted,
}

impl DurableObject for TenantApp {
    fn new(state: State, env: Env) -> Self {
        Self { sql: state.storage().sql(), state, env, schema: SchemaGuard::default(), identity: RefCell::default(), caches: op::caches::Caches::default(), served: std::cell::Cell::default(), last_forwarded: RefCell::default(), shard: std::cell::Cell::default() }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.handle(req).await {
            Ok(resp) => Ok(resp),
            Err(e) => respond::internal("TenantApp", &e),
        }
    }

    /// Sweeps whatever has expired, delivers the mail that is due, and
    /// re-arms for whatever comes next.
    async fn alarm(&self) -> Result<Response> {
        let sql = self.sql()?;
        let t = now();
        for sweep in op::store::SWEEPS {
            sql.run(sweep, vec![SqlStorageValue::from(t.0)])?;
        }
        if let Identity::Live(app_id) = self.identity(&sql)? {
            crate::mailer::deliver_due(&self.env, &sql, &app_id, t).await?;
            op::grants::deliver_due(&self.env, &sql, &app_id, t).await?;
            // The audit log is the home object's alone (an alarm may be
            // this instance's first event: the shard is read from storage).
            if self.known_shard(&sql)?.unwrap_or(0) == 0 {
                crate::audit::on_alarm(&self.env, &self.state.storage(), &app_id, t).await?;
            }
        }
        schema::arm_alarm(&self.state.storage(), op::store::NEXT_EXPIRY, vec![]).await?;
        Response::empty()
    }
}

impl TenantApp {
    /// Decode, load, dispatch.
    async fn handle(&self, mut req: Request) -> Result<Response> {
        let sql = self.sql()?;
        self.bind_shard(&sql, &req)?;
        if req.headers().has(INTERNAL_HEADER)? {
            return self.command(forward::internal_json(&mut req).await?).await;
        }
        self.served.set(self.served.get() + 1);
        if self.identity(&sql)? == Identity::Deleted {
            return gone();
        }
        let Some(app) = self.forwarded_application(&req)? else {
            return respond::error(&ApiError::UnknownApplication);
        };
        if let Some(host) = req.headers().get(CUSTOM_DOMAIN_HEADER)? {
            if sql.count("SELECT COUNT(*) AS n FROM custom_domains WHERE hostname = ?1", vec![host.into()])? == 0 {
                return gone();
            }
        }
        match self.identity(&sql)? {
            Identity::Unbound => {
                schema::meta_set(&sql, "app_id", &app.id)?;
                *self.identity.borrow_mut() = Some(Identity::Live(app.id.clone()));
            }
            Identity::Live(id) if id == app.id => {}
            _ => return Err(worker::Error::RustError("request routed to another application's object".into())),
        }
        let (app, newer) = self.freshest(app);
        let mut resp = self.serve(req, &app).await?;
        if newer {
            // The Worker forwarded a copy older than one this object was
            // told about: act on the newer one, and hand it to the Worker.
            resp.headers_mut().set(APPLICATION_HEADER, &serde_json::to_string(&app)?)?;
        }
        Ok(resp)
    }

    /// The application the front Worker resolved, or `None` if the header is
    /// missing or malformed (a request that did not come through the
    /// Worker). Parsed only when its text differs from the last one's: it
    /// is the same on nearly every request, and parsing it cost ~5% of this
    /// object's CPU on a token request (`bench/profile.mjs`).
    fn forwarded_application(&self, req: &Request) -> Result<Option<Application>> {
        let Some(raw) = req.headers().get(APPLICATION_HEADER)? else { return Ok(None) };
        if let Some((last, app)) = self.last_forwarded.borrow().as_ref() {
            if *last == raw {
                return Ok(Some(app.clone()));
            }
        }
        let Ok(app) = serde_json::from_str::<Application>(&raw) else { return Ok(None) };
        *self.last_forwarded.borrow_mut() = Some((raw, app.clone()));
        Ok(Some(app))
    }

    /// The application record to act on, and whether it is newer than the
    /// one forwarded (`Application::known_is_newer`).
    fn freshest(&self, forwarded: Application) -> (Application, bool) {
        let mut known = self.caches.application.borrow_mut();
        match known.as_ref() {
            Some(k) if Application::known_is_newer(Some(k), &forwarded) => (k.clone(), true),
            // Kept only when it differs (no copy per request).
            Some(k) if k.id == forwarded.id && k.updated_at == forwarded.updated_at => (forwarded, false),
            _ => {
                *known = Some(forwarded.clone());
                (forwarded, false)
            }
        }
    }

    /// Routes by surface (`aero2_core::routes`): each table gives the
    /// endpoint, or the 404 or 405 to answer.
    async fn serve(&self, req: Request, app: &Application) -> Result<Response> {
        let path = req.path();
        match Surface::of(&path) {
            Surface::Management if app.is_dashboard() => {
                let op = self.op(&req, app)?;
                management::handle(req, &self.env, &op).await
            }
            // Other applications have no management API.
            Surface::Management => respond::error(&ApiError::NotFound),
            Surface::Account => match respond::routed(routes::account::TABLE, &req, &path)? {
                Ok(found) => {
                    let op = self.op(&req, app)?;
                    op::serve_account(req, &op, &found).await
                }
                Err(resp) => Ok(resp),
            },
            Surface::Rp => match respond::routed(routes::rp::TABLE, &req, &path)? {
                Ok(found) => {
                    let op = self.op(&req, app)?;
                    op::serve_rp(req, &op, &found).await
                }
                Err(resp) => Ok(resp),
            },
            Surface::Op => match respond::routed(routes::op::TABLE, &req, &path)? {
                Ok(found) if found.endpoint == OpEndpoint::Health => {
                    if management::auth::is_operator(&req, &self.env)? {
                        self.health(app).await
                    } else {
                        respond::error(&ApiError::Unauthorized)
                    }
                }
                Ok(found) => {
                    let op = self.op(&req, app)?;
                    op::serve(req, &op, found.endpoint).await
                }
                Err(resp) => Ok(resp),
            },
        }
    }

    /// What the OP's handlers need, for a request to `app`.
    fn op<'a>(&'a self, req: &Request, app: &'a Application) -> Result<op::Op<'a>> {
        let Some(issuer) = req.headers().get(forward::ISSUER_HEADER)? else {
            return Err(worker::Error::RustError("the front Worker sent no issuer".into()));
        };
        let platform = forward::platform_domain(&self.env)?;
        Ok(op::Op {
            env: &self.env,
            sql: self.sql.clone(),
            storage: self.state.storage(),
            app,
            issuer,
            secure_cookies: !aero2_core::host::is_local_domain(&platform),
            caches: &self.caches,
            now: now(),
            shard: self.shard.get().unwrap_or(0),
        })
    }

    /// Learns which shard this object is from the first request that
    /// says (kept in storage), and refuses a request meant for another:
    /// each shard's grants are its own.
    fn bind_shard(&self, sql: &worker::SqlStorage, req: &Request) -> Result<()> {
        let Some(said) = forward::shard_of(req)? else {
            return Err(worker::Error::RustError("a request named no valid tenant shard".into()));
        };
        match self.known_shard(sql)? {
            Some(k) if k == said => {}
            Some(k) => return Err(worker::Error::RustError(format!("a request for tenant shard {said} reached shard {k}"))),
            None => schema::meta_set(sql, "shard", &said.to_string())?,
        }
        self.shard.set(Some(said));
        Ok(())
    }

    /// The shard this object was bound to, if any (memory, else storage).
    fn known_shard(&self, sql: &worker::SqlStorage) -> Result<Option<u8>> {
        Ok(match self.shard.get() {
            Some(k) => Some(k),
            None => schema::meta_get(sql, "shard")?.and_then(|v| v.parse::<u8>().ok()),
        })
    }

    /// Who this object is, read from storage once per instance: every
    /// request checks it, and it changes only through `tombstone`.
    fn identity(&self, sql: &worker::SqlStorage) -> Result<Identity> {
        if let Some(known) = self.identity.borrow().clone() {
            return Ok(known);
        }
        let id = if schema::meta_get(sql, "deleted")?.is_some() {
            Identity::Deleted
        } else {
            schema::meta_get(sql, "app_id")?.map_or(Identity::Unbound, Identity::Live)
        };
        // The last record the management API sent, if any (`ApplicationChanged`).
        if let Some(stored) = schema::meta_get(sql, APPLICATION_KEY)?.and_then(|j| serde_json::from_str(&j).ok()) {
            *self.caches.application.borrow_mut() = Some(stored);
        }
        *self.identity.borrow_mut() = Some(id.clone());
        Ok(id)
    }

    fn sql(&self) -> Result<worker::SqlStorage> {
        self.schema.ensure(&self.sql, MIGRATIONS)?;
        Ok(self.sql.clone())
    }

    /// The operator's view (anonymous checks are answered by the front
    /// Worker and never reach an object): proves the path front Worker →
    /// this object → its storage → the signer, and shows what an operator
    /// needs to act on — the mailer's configuration, mail waiting, and how
    /// often this object asked the signer for keys.
    async fn health(&self, app: &Application) -> Result<Response> {
        #[derive(Deserialize)]
        struct Queued {
            n: i64,
            failing: i64,
        }
        let sql = self.sql()?;
        let checks = schema::meta_get(&sql, "health_checks")?.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1;
        schema::meta_set(&sql, "health_checks", &checks.to_string())?;
        let signer = crate::signer_call::health(&self.env, app.signer.signing_shard(now()), &app.id).await?;
        let queued: Option<Queued> = sql.first("SELECT COUNT(*) AS n, COALESCE(SUM(failures > 0), 0) AS failing FROM mail_queue", None)?;
        let (pending, failing) = queued.map_or((0, 0), |q| (q.n, q.failing));
        let mailer = match crate::mailer::transport(&self.env) {
            Ok(t) => json!({ "ready": true, "transport": format!("{t:?}").to_lowercase() }),
            Err(problem) => json!({ "ready": false, "problem": problem }),
        };
        respond::json(
            200,
            &json!({
                "status": "ok",
                "application": { "id": app.id, "slug": app.slug },
                "durable_object": {
                    "class": "TenantApp",
                    "id": self.state.id().to_string(),
                    "schema_version": self.schema.version(),
                    "storage": { "reachable": true, "health_checks": checks },
                    "requests_since_start": self.served.get(),
                },
                "jwks_signer": signer,
                "key_cache": { "signer_fetches": self.caches.keys.borrow().signer_fetches() },
                "mailer": mailer,
                "mail_queue": { "pending": pending, "failing": failing },
            }),
        )
    }

    /// A command of the management API (`tenant_command`): its storage
    /// side here, its memory side in `Caches::on`.
    async fn command(&self, command: Command) -> Result<Response> {
        let sql = self.sql()?;
        match &command {
            Command::Tombstone => return self.tombstone().await,
            Command::SyncDomains { verified } => self.sync_domains(verified)?,
            Command::ApplicationChanged { application } => {
                // Two changes' commands may arrive out of order: keep the newer.
                self.identity(&sql)?;
                if Application::known_is_newer(self.caches.application.borrow().as_ref(), application) {
                    return respond::no_content();
                }
                schema::meta_set(&sql, APPLICATION_KEY, &serde_json::to_string(application)?)?;
            }
            Command::Unlock { identifier } => op::store::delete_lockout(&sql, identifier)?,
            Command::FactorsReset { user_id } => forget_second_factors(&sql, user_id)?,
            Command::UserDisabled { user_id } | Command::EndSessions { user_id } => end_sessions(&sql, user_id)?,
            Command::UserSessions { user_id } => {
                return respond::json(200, &op::sessions_json(&sql, user_id, now(), None)?);
            }
            Command::UserDeleted { user_id } => {
                end_sessions(&sql, user_id)?;
                forget_second_factors(&sql, user_id)?;
            }
            Command::PutCode { code_hash, grant, expires_at } => {
                op::grants::keep_code(&sql, &self.state.storage(), code_hash, grant, *expires_at).await?;
            }
            Command::RevokeGrants { of } => op::grants::revoke_here(&sql, of, now())?,
            Command::TokenStatus { jti } => return respond::json(200, &op::grants::local_status(&sql, jti)?),
            Command::ClientsChanged | Command::KeysChanged | Command::UsersChanged | Command::IdpsChanged | Command::ApisChanged => {}
            Command::Audit { app_id, event } => {
                if self.writes_log_of(&sql, app_id)? {
                    crate::audit::record(&self.env, &self.state.storage(), app_id, (**event).clone(), now()).await?;
                }
            }
            Command::AuditState { app_id } => {
                self.writes_log_of(&sql, app_id)?;
                return respond::json(200, &crate::audit::report_state(&sql, app_id)?);
            }
            Command::Mail { mail } => crate::mailer::queue(&sql, &self.state.storage(), mail, now()).await?,
            Command::AuditCheckpoint { app_id } => {
                let made = if self.writes_log_of(&sql, app_id)? {
                    crate::audit::checkpoint(&self.env, &self.state.storage(), app_id, now()).await?
                } else {
                    None
                };
                return respond::json(200, &made);
            }
        }
        self.caches.on(&command);
        respond::no_content()
    }

    /// Whether this object keeps `app_id`'s audit log: it is that
    /// application's (bound now if it never served a request yet), and
    /// not deleted.
    fn writes_log_of(&self, sql: &worker::SqlStorage, app_id: &str) -> Result<bool> {
        match self.identity(sql)? {
            Identity::Deleted => Ok(false),
            Identity::Live(id) if id == app_id => Ok(true),
            Identity::Live(id) => Err(worker::Error::RustError(format!("the object of {id} was asked to write the log of {app_id}"))),
            Identity::Unbound => {
                schema::meta_set(sql, "app_id", app_id)?;
                *self.identity.borrow_mut() = Some(Identity::Live(app_id.to_owned()));
                Ok(true)
            }
        }
    }

    /// Wipes this application's state and marks the object deleted.
    async fn tombstone(&self) -> Result<Response> {
        let storage = self.state.storage();
        storage.delete_alarm().await?;
        storage.delete_all().await?;
        self.schema.reset();
        schema::meta_set(&self.sql()?, "deleted", &now().0.to_string())?;
        *self.identity.borrow_mut() = Some(Identity::Deleted);
        self.caches.reset();
        respond::no_content()
    }

    fn sync_domains(&self, verified: &[String]) -> Result<()> {
        let sql = self.sql()?;
        sql.run("DELETE FROM custom_domains", None)?;
        for hostname in verified {
            sql.run("INSERT INTO custom_domains (hostname) VALUES (?1)", vec![hostname.as_str().into()])?;
        }
        Ok(())
    }
}

/// The answer of an application that no longer exists (or no longer owns
/// the custom domain used), marked so the front Worker forgets it.
fn gone() -> Result<Response> {
    let mut resp = respond::error(&ApiError::UnknownApplication)?;
    resp.headers_mut().set(TOMBSTONE_HEADER, "1")?;
    Ok(resp)
}

/// Ends every session and grant of the user (with their refresh tokens and
/// the access tokens bound to them).
fn end_sessions(sql: &worker::SqlStorage, user_id: &str) -> Result<()> {
    op::store::revoke_user_grants(sql, user_id, now())?;
    op::store::delete_user_sessions(sql, user_id)
}

/// Lifts the user's second-factor lockout and forgets their remembered
/// browsers.
fn forget_second_factors(sql: &worker::SqlStorage, user_id: &str) -> Result<()> {
    op::store::delete_lockout(sql, &format!("mfa:{user_id}"))?;
    op::store::forget_devices(sql, user_id)
}

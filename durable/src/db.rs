//! Every D1 query Aero2 makes. Each tenant-scoped statement filters by
//! `app_id`; values are always bound, never formatted into SQL.

use aero2_core::api_key::ApiKeyKind;
use aero2_core::application::{Application, ApplicationSettings};
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, Result};

pub const BINDING: &str = "DB";

/// A bound boolean, stored as 0 or 1.
pub(crate) fn flag(b: bool) -> JsValue {
    int(i64::from(b))
}

pub fn database(env: &Env) -> Result<D1Database> {
    env.d1(BINDING)
}

/// A bound text value.
pub(crate) fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// A bound integer (milliseconds and counters stay far below 2^53).
pub(crate) fn int(v: i64) -> JsValue {
    // Millisecond timestamps and counters stay far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    JsValue::from_f64(v as f64)
}

pub(crate) fn stmt(db: &D1Database, sql: &str, args: &[JsValue]) -> Result<D1PreparedStatement> {
    db.prepare(sql).bind(args)
}

/// True when a D1 error is a UNIQUE violation (a lost race on a name).
#[must_use]
pub fn is_unique_violation(e: &worker::Error) -> bool {
    e.to_string().contains("UNIQUE constraint failed")
}

/// The outcome of a write that may collide with a UNIQUE constraint:
/// `true` if it happened, `false` if the value was taken (nothing written),
/// any other error as it is.
pub fn unless_taken<T>(result: Result<T>) -> Result<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- applications

#[derive(Deserialize)]
struct ApplicationRow {
    id: String,
    slug: String,
    name: String,
    settings: String,
    created_at: i64,
    updated_at: i64,
    signer: Option<String>,
    tenant_shards: i64,
}

impl ApplicationRow {
    fn into_application(self) -> Application {
        // Settings are written only by this code from a validated struct; a
        // row that fails to parse falls back to the safest settings (no
        // cross-origin access) rather than failing every request.
        let settings: ApplicationSettings = serde_json::from_str(&self.settings).unwrap_or_default();
        // Written only by this code; NULL (never placed elsewhere) is shard 0.
        let signer = self.signer.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
        Application {
            id: self.id,
            slug: self.slug,
            name: self.name,
            settings,
            created_at: self.created_at,
            updated_at: self.updated_at,
            signer,
            // Written only by `update_app_tenant_shards`, within range.
            tenant_shards: u8::try_from(self.tenant_shards).unwrap_or(1).clamp(1, aero2_core::tenant_shards::MAX_SHARDS),
        }
    }
}

const APP_COLUMNS: &str = "id, slug, name, settings, created_at, updated_at, signer, tenant_shards";

async fn first_app(query: D1PreparedStatement) -> Result<Option<Application>> {
    Ok(query.first::<ApplicationRow>(None).await?.map(ApplicationRow::into_application))
}

pub async fn app_by_id(db: &D1Database, id: &str) -> Result<Option<Application>> {
    first_app(stmt(db, &format!("SELECT {APP_COLUMNS} FROM applications WHERE id = ?1"), &[text(id)])?).await
}

pub async fn app_by_slug(db: &D1Database, slug: &str) -> Result<Option<Application>> {
    first_app(stmt(db, &format!("SELECT {APP_COLUMNS} FROM applications WHERE slug = ?1"), &[text(slug)])?)
        .await
}

/// The application a verified custom domain belongs to.
pub async fn app_by_custom_domain(db: &D1Database, hostname: &str) -> Result<Option<Application>> {
    first_app(stmt(
        db,
        "SELECT a.id, a.slug, a.name, a.settings, a.created_at, a.updated_at, a.signer, a.tenant_shards \
         FROM custom_domains d JOIN applications a ON a.id = d.app_id \
         WHERE d.hostname = ?1 AND d.verified = 1",
        &[text(hostname)],
    )?)
    .await
}

pub async fn list_apps(db: &D1Database) -> Result<Vec<Application>> {
    let rows = db
        .prepare(format!("SELECT {APP_COLUMNS} FROM applications ORDER BY created_at, id"))
        .all()
        .await?
        .results::<ApplicationRow>()?;
    Ok(rows.into_iter().map(ApplicationRow::into_application).collect())
}

/// Inserts `app`, owned by the Developer Team `team` if given, in one
/// batch. Fails with a unique violation when the slug is taken.
pub async fn insert_app(db: &D1Database, app: &Application, team: Option<&str>) -> Result<()> {
    let settings = serde_json::to_string(&app.settings)?;
    let mut batch = vec![stmt(
        db,
        "INSERT INTO applications (id, slug, name, settings, created_at, updated_at, signer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[text(&app.id), text(&app.slug), text(&app.name), text(&settings), int(app.created_at), int(app.updated_at), text(&placement_json(app)?)],
    )?];
    if let Some(team) = team {
        batch.push(stmt(
            db,
            "INSERT INTO application_teams (app_id, team_id, created_at) VALUES (?1, ?2, ?3)",
            &[text(&app.id), text(team), int(app.created_at)],
        )?);
    }
    db.batch(batch).await?;
    Ok(())
}

fn placement_json(app: &Application) -> Result<String> {
    Ok(serde_json::to_string(&app.signer)?)
}

/// Records where the application's keys are (a move between signer
/// shards), with its new `updated_at`, if the row is still `was` (nothing
/// changed it meanwhile). Whether it was written.
pub async fn update_app_signer(db: &D1Database, app: &Application, was: &Application) -> Result<bool> {
    let result = stmt(
        db,
        "UPDATE applications SET signer = ?2, updated_at = ?3 WHERE id = ?1 AND updated_at = ?4 AND COALESCE(signer, ?6) = ?5",
        &[
            text(&app.id),
            text(&placement_json(app)?),
            int(app.updated_at),
            int(was.updated_at),
            text(&placement_json(was)?),
            text(&serde_json::to_string(&aero2_core::signer_shards::Placement::default())?),
        ],
    )?
    .run()
    .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// Records the application's new tenant shard count, with its new
/// `updated_at`, if the row is still `was` (nothing changed it meanwhile:
/// two raises, or a settings change, at once). Whether it was written.
pub async fn update_app_tenant_shards(db: &D1Database, app: &Application, was: &Application) -> Result<bool> {
    let result = stmt(
        db,
        "UPDATE applications SET tenant_shards = ?2, updated_at = ?3 WHERE id = ?1 AND tenant_shards = ?4 AND updated_at = ?5",
        &[text(&app.id), int(i64::from(app.tenant_shards)), int(app.updated_at), int(i64::from(was.tenant_shards)), int(was.updated_at)],
    )?
    .run()
    .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

pub async fn update_app(db: &D1Database, app: &Application) -> Result<()> {
    let settings = serde_json::to_string(&app.settings)?;
    stmt(
        db,
        "UPDATE applications SET name = ?2, settings = ?3, updated_at = ?4 WHERE id = ?1",
        &[text(&app.id), text(&app.name), text(&settings), int(app.updated_at)],
    )?
    .run()
    .await?;
    Ok(())
}

/// Removes an application and every row scoped to it, in one batch (D1 runs
/// a batch as a single transaction).
pub async fn delete_app(db: &D1Database, app_id: &str) -> Result<()> {
    let id = [text(app_id)];
    db.batch(vec![
        stmt(db, "DELETE FROM api_keys WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM custom_domains WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM user_identities WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM identity_providers WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM users WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM oauth_clients WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM invitations WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM apis WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM role_permissions WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM user_roles WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM client_grants WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM roles WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM organization_member_roles WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM organization_members WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM organizations WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM organization_invitations WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM organization_domains WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM organization_departures WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM mail_outbox WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM application_teams WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM audit_log WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM audit_checkpoints WHERE app_id = ?1", &id)?,
        stmt(db, "DELETE FROM applications WHERE id = ?1", &id)?,
    ])
    .await?;
    Ok(())
}

// ------------------------------------------------------------------- api keys

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub app_id: String,
    pub kind: String,
    pub name: String,
    pub prefix: String,
    #[serde(skip_serializing)]
    pub secret_hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const KEY_COLUMNS: &str = "id, app_id, kind, name, prefix, secret_hash, created_at, last_used_at, revoked_at";

pub async fn insert_key(db: &D1Database, key: &ApiKeyRow) -> Result<()> {
    stmt(
        db,
        "INSERT INTO api_keys (id, app_id, kind, name, prefix, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            text(&key.id),
            text(&key.app_id),
            text(&key.kind),
            text(&key.name),
            text(&key.prefix),
            text(&key.secret_hash),
            int(key.created_at),
        ],
    )?
    .run()
    .await?;
    Ok(())
}

pub async fn list_keys(db: &D1Database, app_id: &str) -> Result<Vec<ApiKeyRow>> {
    stmt(db, &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE app_id = ?1 ORDER BY created_at, id"), &[text(app_id)])?
        .all()
        .await?
        .results()
}

pub async fn key_by_id(db: &D1Database, app_id: &str, key_id: &str) -> Result<Option<ApiKeyRow>> {
    stmt(db, &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE app_id = ?1 AND id = ?2"), &[text(app_id), text(key_id)])?
        .first(None)
        .await
}

/// Unrevoked keys of `kind` whose public prefix is `prefix`, across all
/// applications: the key itself tells us its application.
pub async fn active_keys_by_prefix(db: &D1Database, kind: ApiKeyKind, prefix: &str) -> Result<Vec<ApiKeyRow>> {
    stmt(
        db,
        &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE prefix = ?1 AND kind = ?2 AND revoked_at IS NULL"),
        &[text(prefix), text(kind.as_str())],
    )?
    .all()
    .await?
    .results()
}

pub async fn revoke_key(db: &D1Database, app_id: &str, key_id: &str, now: UnixMillis) -> Result<()> {
    stmt(
        db,
        "UPDATE api_keys SET revoked_at = ?3 WHERE app_id = ?1 AND id = ?2 AND revoked_at IS NULL",
        &[text(app_id), text(key_id), int(now.0)],
    )?
    .run()
    .await?;
    Ok(())
}

/// Records use, at most once a minute per key to keep reads cheap.
pub async fn touch_key(db: &D1Database, app_id: &str, key_id: &str, now: UnixMillis) -> Result<()> {
    stmt(
        db,
        "UPDATE api_keys SET last_used_at = ?3 WHERE app_id = ?1 AND id = ?2 \
         AND (last_used_at IS NULL OR last_used_at < ?3 - 60000)",
        &[text(app_id), text(key_id), int(now.0)],
    )?
    .run()
    .await?;
    Ok(())
}

// ------------------------------------------------------------- custom domains

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainRow {
    pub hostname: String,
    #[serde(skip_serializing)]
    pub app_id: String,
    #[serde(with = "bool_as_int")]
    pub verified: bool,
    pub created_at: i64,
    pub verified_at: Option<i64>,
}

/// SQLite's 0/1, as D1 returns them, read and written as booleans (the
/// API shows booleans).
pub mod bool_as_int {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*v)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(i64::deserialize(d)? != 0)
    }
}

const DOMAIN_COLUMNS: &str = "hostname, app_id, verified, created_at, verified_at";

pub async fn insert_domain(db: &D1Database, app_id: &str, hostname: &str, now: UnixMillis) -> Result<()> {
    stmt(
        db,
        "INSERT INTO custom_domains (hostname, app_id, verified, created_at) VALUES (?1, ?2, 0, ?3)",
        &[text(hostname), text(app_id), int(now.0)],
    )?
    .run()
    .await?;
    Ok(())
}

pub async fn list_domains(db: &D1Database, app_id: &str) -> Result<Vec<DomainRow>> {
    stmt(db, &format!("SELECT {DOMAIN_COLUMNS} FROM custom_domains WHERE app_id = ?1 ORDER BY hostname"), &[text(app_id)])?
        .all()
        .await?
        .results()
}

pub async fn domain(db: &D1Database, app_id: &str, hostname: &str) -> Result<Option<DomainRow>> {
    stmt(
        db,
        &format!("SELECT {DOMAIN_COLUMNS} FROM custom_domains WHERE app_id = ?1 AND hostname = ?2"),
        &[text(app_id), text(hostname)],
    )?
    .first(None)
    .await
}

pub async fn verify_domain(db: &D1Database, app_id: &str, hostname: &str, now: UnixMillis) -> Result<()> {
    stmt(
        db,
        "UPDATE custom_domains SET verified = 1, verified_at = COALESCE(verified_at, ?3) WHERE app_id = ?1 AND hostname = ?2",
        &[text(app_id), text(hostname), int(now.0)],
    )?
    .run()
    .await?;
    Ok(())
}

pub async fn delete_domain(db: &D1Database, app_id: &str, hostname: &str) -> Result<()> {
    stmt(db, "DELETE FROM custom_domains WHERE app_id = ?1 AND hostname = ?2", &[text(app_id), text(hostname)])?
        .run()
        .await?;
    Ok(())
}

//! The OP state a `TenantApp` owns, in its SQLite storage: pending
//! authorization requests, sessions, consents, codes, grants, refresh
//! tokens and revoked access tokens. Every function is synchronous SQL with
//! no await inside, so each one is atomic: a code is redeemed once, a
//! refresh token rotates once, whatever arrives concurrently.
//!
//! Secrets (session cookies, codes, refresh tokens) are stored as SHA-256
//! digests: a copy of this storage reveals no usable credential.

use crate::sql::Statements;
use aero2_core::oauth::grant::{AuthContext, CodeGrant, CodeRecord, GrantRecord, NewRefresh, RefreshRecord, Write};
use aero2_core::oauth::scope::Scope;
use aero2_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue as V};

/// Storage schema version 2 (appended to TenantApp's migrations).
pub const MIGRATION_V2: &[&str] = &[
    "CREATE TABLE pending_requests (id TEXT PRIMARY KEY, request TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    "CREATE TABLE consents (
        user_id TEXT NOT NULL, client_id TEXT NOT NULL, scope TEXT NOT NULL, granted_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, client_id))",
    "CREATE TABLE grants (
        id TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id TEXT NOT NULL, scope TEXT NOT NULL,
        auth_time INTEGER NOT NULL, nonce TEXT, session_id TEXT, created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, revoked_at INTEGER)",
    "CREATE INDEX grants_user ON grants (user_id)",
    "CREATE TABLE auth_codes (
        code_hash TEXT PRIMARY KEY, grant_json TEXT NOT NULL, expires_at INTEGER NOT NULL,
        redeemed_at INTEGER, grant_id TEXT)",
    "CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, rotated_at INTEGER)",
    "CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id)",
    // Access tokens bound to a grant, so revoking the grant revokes them.
    "CREATE TABLE access_tokens (jti TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    "CREATE TABLE revoked_access_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
];

/// Storage schema version 3: sign-in lockout per identifier.
pub const MIGRATION_V3: &[&str] = &[
    "CREATE TABLE lockouts (identifier TEXT PRIMARY KEY, state TEXT NOT NULL, expires_at INTEGER NOT NULL)",
];

/// Storage schema version 4: how each session was authenticated (`amr`,
/// carried by its grants); refresh rotation's bookkeeping (the successor a
/// token was rotated to, whether a retry replaced it, the access token
/// issued with it); and mail waiting for delivery by the alarm.
pub const MIGRATION_V4: &[&str] = &[
    "ALTER TABLE sessions ADD COLUMN amr TEXT",
    "ALTER TABLE grants ADD COLUMN amr TEXT",
    "ALTER TABLE refresh_tokens ADD COLUMN successor TEXT",
    "ALTER TABLE refresh_tokens ADD COLUMN replaced_at INTEGER",
    "ALTER TABLE refresh_tokens ADD COLUMN access_jti TEXT",
    // A message holds a single-use link until delivered (seconds, usually):
    // the only place storage holds a usable secret, and only that long.
    "CREATE TABLE mail_queue (
        id TEXT PRIMARY KEY, mail TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL)",
];

/// Storage schema version 5: the API a grant's access tokens are for
/// (RFC 8707 `resource`, by identifier).
pub const MIGRATION_V5: &[&str] = &["ALTER TABLE grants ADD COLUMN resource TEXT"];

/// Storage schema version 7: browsers a user asked not to be asked for a
/// second factor on again (`settings.mfa_remember_days`), by the digest of
/// their cookie.
pub const MIGRATION_V7: &[&str] = &[
    "CREATE TABLE remembered_devices (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    "CREATE INDEX remembered_devices_user ON remembered_devices (user_id)",
];

/// Storage schema version 8: the organization a grant's tokens are
/// issued in (`aero2_core::organization`), by id.
pub const MIGRATION_V8: &[&str] = &["ALTER TABLE grants ADD COLUMN organization TEXT"];

/// Storage schema version 9: revocations the home object owes other
/// tenant shards (`op::grants::revoke`), kept until each shard took them.
pub const MIGRATION_V9: &[&str] = &[
    "CREATE TABLE shard_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, shard INTEGER NOT NULL, command TEXT NOT NULL, next_attempt_at INTEGER NOT NULL)",
];

/// Deletes everything past its expiry (run by the alarm).
pub const SWEEPS: &[&str] = &[
    "DELETE FROM sessions WHERE idle_expires_at <= ?1 OR absolute_expires_at <= ?1",
    "DELETE FROM single_use WHERE expires_at <= ?1",
    "DELETE FROM counters WHERE expires_at <= ?1",
    "DELETE FROM pending_requests WHERE expires_at <= ?1",
    "DELETE FROM auth_codes WHERE expires_at <= ?1",
    "DELETE FROM refresh_tokens WHERE expires_at <= ?1",
    "DELETE FROM grants WHERE expires_at <= ?1",
    "DELETE FROM access_tokens WHERE expires_at <= ?1",
    "DELETE FROM revoked_access_tokens WHERE expires_at <= ?1",
    "DELETE FROM lockouts WHERE expires_at <= ?1",
    "DELETE FROM remembered_devices WHERE expires_at <= ?1",
];

/// The earliest time anything above expires or is due. One SELECT of
/// scalar subqueries: SQLite in a Durable Object allows few terms in a
/// compound SELECT, and this list grows.
pub const NEXT_EXPIRY: &str = "SELECT NULLIF(MIN(
    COALESCE((SELECT MIN(MIN(idle_expires_at, absolute_expires_at)) FROM sessions), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM single_use), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM counters), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM pending_requests), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM auth_codes), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM refresh_tokens), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM grants), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM access_tokens), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM revoked_access_tokens), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM lockouts), 9223372036854775807),
    COALESCE((SELECT MIN(expires_at) FROM remembered_devices), 9223372036854775807),
    COALESCE((SELECT MIN(next_attempt_at) FROM mail_queue), 9223372036854775807),
    COALESCE((SELECT MIN(next_attempt_at) FROM audit_queue), 9223372036854775807),
    COALESCE((SELECT MIN(next_sweep_at) FROM audit_state), 9223372036854775807),
    COALESCE((SELECT MIN(next_checkpoint_at) FROM audit_state), 9223372036854775807),
    COALESCE((SELECT MIN(next_attempt_at) FROM shard_outbox), 9223372036854775807)
), 9223372036854775807) AS next";

fn t(at: UnixMillis) -> V {
    V::from(at.0)
}

// ------------------------------------------------------------ pending requests

#[derive(Deserialize)]
struct Text {
    value: String,
}

pub fn put_pending(sql: &SqlStorage, id: &str, request_json: &str, expires_at: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT INTO pending_requests (id, request, expires_at) VALUES (?1, ?2, ?3)",
        vec![id.into(), request_json.into(), t(expires_at)],
    )?;
    Ok(())
}

pub fn pending(sql: &SqlStorage, id: &str, now: UnixMillis) -> Result<Option<String>> {
    Ok(sql.first::<Text>("SELECT request AS value FROM pending_requests WHERE id = ?1 AND expires_at > ?2",
        vec![id.into(), t(now)],
    )?
    .map(|r| r.value))
}

pub fn delete_pending(sql: &SqlStorage, id: &str) -> Result<()> {
    sql.run("DELETE FROM pending_requests WHERE id = ?1", vec![id.into()])?;
    Ok(())
}

// ------------------------------------------------------------------- sessions

#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    /// How the user authenticated (a JSON array, `aero2_core::amr`).
    pub amr: Option<String>,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a str,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub amr: &'a str,
}

pub fn create_session(sql: &SqlStorage, s: &NewSession<'_>, now: UnixMillis, idle_ms: i64, absolute_ms: i64) -> Result<()> {
    sql.run(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, user_agent, ip, amr)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8)",
        vec![
            s.id_hash.into(),
            s.user_id.into(),
            t(now),
            t(now.plus_millis(idle_ms)),
            t(now.plus_millis(absolute_ms)),
            s.user_agent.map(|u| u.chars().take(512).collect::<String>()).into(),
            s.ip.into(),
            s.amr.into(),
        ],
    )?;
    Ok(())
}

/// The live session with this id digest, its idle expiry pushed forward.
pub fn touch_session(sql: &SqlStorage, id_hash: &str, now: UnixMillis, idle_ms: i64) -> Result<Option<Session>> {
    let found: Option<Session> = sql.first("SELECT id, user_id, created_at, amr FROM sessions
         WHERE id = ?1 AND idle_expires_at > ?2 AND absolute_expires_at > ?2",
        vec![id_hash.into(), t(now)],
    )?;
    if found.is_some() {
        sql.run(
            "UPDATE sessions SET last_seen_at = ?2, idle_expires_at = MIN(absolute_expires_at, ?3) WHERE id = ?1",
            vec![id_hash.into(), t(now), t(now.plus_millis(idle_ms))],
        )?;
    }
    Ok(found)
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A user's live sessions, most recently used first.
pub fn user_sessions(sql: &SqlStorage, user_id: &str, now: UnixMillis) -> Result<Vec<SessionRow>> {
    sql.rows(
        "SELECT id, created_at, last_seen_at, user_agent, ip FROM sessions
         WHERE user_id = ?1 AND idle_expires_at > ?2 AND absolute_expires_at > ?2 ORDER BY last_seen_at DESC",
        vec![user_id.into(), t(now)],
    )
}

/// Ends one session and every grant issued through it (by its `sid`) that
/// this object holds (`op::session::end` ends them in every shard).
pub fn end_session(sql: &SqlStorage, id_hash: &str, sid: &str, now: UnixMillis) -> Result<()> {
    sql.run("DELETE FROM sessions WHERE id = ?1", vec![id_hash.into()])?;
    revoke_session_grants(sql, sid, now)
}

/// Revokes every grant made through the session `sid`, with its refresh
/// tokens.
pub fn revoke_session_grants(sql: &SqlStorage, sid: &str, now: UnixMillis) -> Result<()> {
    sql.run(
        "DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE session_id = ?1)",
        vec![sid.into()],
    )?;
    sql.run("UPDATE grants SET revoked_at = COALESCE(revoked_at, ?2) WHERE session_id = ?1", vec![sid.into(), t(now)])?;
    Ok(())
}

/// The grant an access token was issued under, if it is bound to one.
pub fn access_token_grant(sql: &SqlStorage, jti: &str) -> Result<Option<String>> {
    Ok(sql.first::<Text>("SELECT grant_id AS value FROM access_tokens WHERE jti = ?1", vec![jti.into()])?.map(|r| r.value))
}

pub fn delete_user_sessions(sql: &SqlStorage, user_id: &str) -> Result<()> {
    sql.run("DELETE FROM sessions WHERE user_id = ?1", vec![user_id.into()])?;
    forget_devices(sql, user_id)
}

// --------------------------------------------------------- remembered devices

/// Remembers the browser whose cookie has this digest for `user_id`.
pub fn remember_device(sql: &SqlStorage, token_hash: &str, user_id: &str, expires_at: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT OR REPLACE INTO remembered_devices (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        vec![token_hash.into(), user_id.into(), t(expires_at)],
    )?;
    Ok(())
}

/// Whether the browser whose cookie has this digest is remembered for
/// `user_id` (and not expired).
pub fn device_remembered(sql: &SqlStorage, token_hash: &str, user_id: &str, now: UnixMillis) -> Result<bool> {
    Ok(sql.first::<Text>("SELECT user_id AS value FROM remembered_devices WHERE token_hash = ?1 AND user_id = ?2 AND expires_at > ?3",
        vec![token_hash.into(), user_id.into(), t(now)],
    )?
    .is_some())
}

/// Forgets every browser remembered for `user_id` (a factor removed or
/// reset, a new password, sessions ended, the user disabled).
pub fn forget_devices(sql: &SqlStorage, user_id: &str) -> Result<()> {
    sql.run("DELETE FROM remembered_devices WHERE user_id = ?1", vec![user_id.into()])?;
    Ok(())
}

// ------------------------------------------------------------------- consents

#[derive(Deserialize)]
pub struct Consent {
    pub scope: String,
    pub granted_at: i64,
}

pub fn consent(sql: &SqlStorage, user_id: &str, client_id: &str) -> Result<Option<Consent>> {
    sql.first("SELECT scope, granted_at FROM consents WHERE user_id = ?1 AND client_id = ?2",
        vec![user_id.into(), client_id.into()],
    )
}

pub fn put_consent(sql: &SqlStorage, user_id: &str, client_id: &str, scope: &str, now: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at",
        vec![user_id.into(), client_id.into(), scope.into(), t(now)],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------- codes

pub fn put_code(sql: &SqlStorage, code_hash: &str, grant: &CodeGrant, expires_at: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT INTO auth_codes (code_hash, grant_json, expires_at) VALUES (?1, ?2, ?3)",
        vec![code_hash.into(), serde_json::to_string(grant)?.into(), t(expires_at)],
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct CodeRow {
    grant_json: String,
    expires_at: i64,
    redeemed_at: Option<i64>,
    grant_id: Option<String>,
}

/// A code by its digest (one that cannot be read counts as absent).
pub fn code(sql: &SqlStorage, code_hash: &str) -> Result<Option<CodeRecord>> {
    let row: Option<CodeRow> = sql.first("SELECT grant_json, expires_at, redeemed_at, grant_id FROM auth_codes WHERE code_hash = ?1",
        vec![code_hash.into()],
    )?;
    Ok(row.and_then(|r| {
        Some(CodeRecord {
            grant: serde_json::from_str(&r.grant_json).ok()?,
            expires_at: UnixMillis(r.expires_at),
            redeemed_at: r.redeemed_at.map(UnixMillis),
            grant_id: r.grant_id,
        })
    }))
}

// --------------------------------------------------------------------- grants

#[derive(Deserialize)]
struct GrantRow {
    id: String,
    client_id: String,
    user_id: String,
    scope: String,
    auth_time: i64,
    nonce: Option<String>,
    session_id: Option<String>,
    expires_at: i64,
    revoked_at: Option<i64>,
    /// The session's `amr` when the grant was made (a JSON array).
    amr: Option<String>,
    resource: Option<String>,
    organization: Option<String>,
}

/// A grant by id (one whose scope cannot be read counts as absent).
pub fn grant(sql: &SqlStorage, id: &str) -> Result<Option<GrantRecord>> {
    let row: Option<GrantRow> = sql.first("SELECT id, client_id, user_id, scope, auth_time, nonce, session_id, expires_at, revoked_at, amr, resource, organization FROM grants WHERE id = ?1",
        vec![id.into()],
    )?;
    Ok(row.and_then(|g| {
        Some(GrantRecord {
            scope: Scope::parse(&g.scope).ok()?,
            auth: {
                let amr = aero2_core::amr::from_stored(g.amr.as_deref());
                AuthContext { auth_time: g.auth_time, acr: aero2_core::mfa::acr_of(&amr), amr, sid: g.session_id }
            },
            id: g.id,
            client_id: g.client_id,
            user_id: g.user_id,
            nonce: g.nonce,
            resource: g.resource,
            organization: g.organization,
            expires_at: UnixMillis(g.expires_at),
            revoked_at: g.revoked_at.map(UnixMillis),
        })
    }))
}

/// Revokes a grant and with it every refresh and access token it issued.
pub fn revoke_grant(sql: &SqlStorage, id: &str, now: UnixMillis) -> Result<()> {
    sql.run("UPDATE grants SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1", vec![id.into(), t(now)])?;
    sql.run("DELETE FROM refresh_tokens WHERE grant_id = ?1", vec![id.into()])?;
    Ok(())
}

/// Revokes every grant of a user but `keep` (the caller's own).
pub fn revoke_user_grants_except(sql: &SqlStorage, user_id: &str, keep: Option<&str>, now: UnixMillis) -> Result<()> {
    let keep: V = keep.into();
    sql.run(
        "DELETE FROM refresh_tokens WHERE grant_id IN
         (SELECT id FROM grants WHERE user_id = ?1 AND (?2 IS NULL OR id != ?2))",
        vec![user_id.into(), keep.clone()],
    )?;
    sql.run(
        "UPDATE grants SET revoked_at = COALESCE(revoked_at, ?3) WHERE user_id = ?1 AND (?2 IS NULL OR id != ?2)",
        vec![user_id.into(), keep, t(now)],
    )?;
    Ok(())
}

/// Revokes every grant of a user (sign-out of everything, account disabled).
pub fn revoke_user_grants(sql: &SqlStorage, user_id: &str, now: UnixMillis) -> Result<()> {
    revoke_user_grants_except(sql, user_id, None, now)
}

// ------------------------------------------------------------- refresh tokens

#[derive(Deserialize)]
struct RefreshRow {
    grant_id: String,
    expires_at: i64,
    rotated_at: Option<i64>,
    successor: Option<String>,
    replaced_at: Option<i64>,
}

/// A refresh token by its digest.
pub fn refresh(sql: &SqlStorage, token_hash: &str) -> Result<Option<RefreshRecord>> {
    let row: Option<RefreshRow> = sql.first("SELECT grant_id, expires_at, rotated_at, successor, replaced_at FROM refresh_tokens WHERE token_hash = ?1",
        vec![token_hash.into()],
    )?;
    Ok(row.map(|r| RefreshRecord {
        grant_id: r.grant_id,
        expires_at: UnixMillis(r.expires_at),
        rotated_at: r.rotated_at.map(UnixMillis),
        successor: r.successor,
        replaced_at: r.replaced_at.map(UnixMillis),
    }))
}

/// What the refresh grant decides over (`aero2_core::oauth::grant::rotate`):
/// the token, its successor, its grant — read in one synchronous step.
pub struct RefreshRecords {
    pub token: Option<RefreshRecord>,
    pub successor: Option<RefreshRecord>,
    pub grant: Option<GrantRecord>,
}

pub fn refresh_records(sql: &SqlStorage, token_hash: &str) -> Result<RefreshRecords> {
    let token = refresh(sql, token_hash)?;
    let successor = match token.as_ref().and_then(|t| t.successor.as_deref()) {
        Some(next) => refresh(sql, next)?,
        None => None,
    };
    let grant = match &token {
        Some(t) => grant(sql, &t.grant_id)?,
        None => None,
    };
    Ok(RefreshRecords { token, successor, grant })
}

// ------------------------------------------------------------------- writes

/// Applies a grant decision's writes (`aero2_core::oauth::grant::Write`),
/// all of them, with no await: callers decide and apply in one step.
pub fn apply(sql: &SqlStorage, writes: &[Write], now: UnixMillis) -> Result<()> {
    for w in writes {
        match w {
            Write::RedeemCode { code_hash, grant_id } => {
                sql.run(
                    "UPDATE auth_codes SET redeemed_at = ?2, grant_id = ?3 WHERE code_hash = ?1 AND redeemed_at IS NULL",
                    vec![code_hash.as_str().into(), t(now), grant_id.as_str().into()],
                )?;
            }
            Write::CreateGrant(g) => {
                sql.run(
                    "INSERT INTO grants (id, client_id, user_id, scope, auth_time, nonce, session_id, created_at, expires_at, amr, resource, organization)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    vec![
                        g.id.as_str().into(),
                        g.client_id.as_str().into(),
                        g.user_id.as_str().into(),
                        g.scope.to_string().into(),
                        V::from(g.auth.auth_time),
                        g.nonce.clone().into(),
                        g.auth.sid.clone().into(),
                        t(now),
                        t(g.expires_at),
                        aero2_core::amr::to_stored(&g.auth.amr).into(),
                        g.resource.clone().into(),
                        g.organization.clone().into(),
                    ],
                )?;
            }
            Write::SwitchOrganization { grant_id, organization } => {
                sql.run("UPDATE grants SET organization = ?2 WHERE id = ?1", vec![grant_id.as_str().into(), organization.as_str().into()])?;
            }
            Write::RevokeGrant { grant_id } => revoke_grant(sql, grant_id, now)?,
            Write::PutRefresh(n) => put_refresh(sql, n, now)?,
            Write::RotateRefresh { from, replaces, to } => {
                if let Some(old) = replaces {
                    #[derive(Deserialize)]
                    struct Issued {
                        access_jti: Option<String>,
                    }
                    let issued: Option<Issued> =
                        sql.first("SELECT access_jti FROM refresh_tokens WHERE token_hash = ?1", vec![old.as_str().into()])?;
                    if let Some(jti) = issued.and_then(|i| i.access_jti) {
                        revoke_access_token(sql, &jti, now.plus_secs(aero2_core::oauth::lifetimes::ACCESS_TOKEN_TTL_SECS))?;
                    }
                    sql.run("UPDATE refresh_tokens SET replaced_at = ?2 WHERE token_hash = ?1", vec![old.as_str().into(), t(now)])?;
                }
                sql.run(
                    "UPDATE refresh_tokens SET rotated_at = COALESCE(rotated_at, ?2), successor = ?3 WHERE token_hash = ?1",
                    vec![from.as_str().into(), t(now), to.token_hash.as_str().into()],
                )?;
                put_refresh(sql, to, now)?;
            }
            Write::BindAccessToken { jti, grant_id, expires_at } => {
                sql.run(
                    "INSERT INTO access_tokens (jti, grant_id, expires_at) VALUES (?1, ?2, ?3)",
                    vec![jti.as_str().into(), grant_id.as_str().into(), t(*expires_at)],
                )?;
            }
        }
    }
    Ok(())
}

fn put_refresh(sql: &SqlStorage, r: &NewRefresh, now: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at, access_jti) VALUES (?1, ?2, ?3, ?4, ?5)",
        vec![r.token_hash.as_str().into(), r.grant_id.as_str().into(), t(now), t(r.expires_at), r.access_jti.as_str().into()],
    )?;
    Ok(())
}

// -------------------------------------------------------------- access tokens

pub fn revoke_access_token(sql: &SqlStorage, jti: &str, expires_at: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?1, ?2)",
        vec![jti.into(), t(expires_at)],
    )?;
    Ok(())
}

/// Whether an access token still stands: not revoked itself, and its grant
/// (if any) not revoked.
pub fn access_token_live(sql: &SqlStorage, jti: &str) -> Result<bool> {
    let revoked = sql.count("SELECT (SELECT COUNT(*) FROM revoked_access_tokens WHERE jti = ?1)
              + (SELECT COUNT(*) FROM access_tokens a JOIN grants g ON g.id = a.grant_id
                 WHERE a.jti = ?1 AND g.revoked_at IS NOT NULL) AS n",
        vec![jti.into()],
    )?;
    Ok(revoked == 0)
}

// ----------------------------------------------------------- limits, lockout

#[derive(Deserialize)]
struct CounterRow {
    count: i64,
    window_start: i64,
}

pub fn counter(sql: &SqlStorage, bucket: &str) -> Result<aero2_core::rate_limit::Counter> {
    Ok(sql.first::<CounterRow>("SELECT count, window_start FROM counters WHERE bucket = ?1", vec![bucket.into()])?
        .map(|r| aero2_core::rate_limit::Counter {
            count: u32::try_from(r.count).unwrap_or(u32::MAX),
            window_start: UnixMillis(r.window_start),
        })
        .unwrap_or_default())
}

pub fn put_counter(sql: &SqlStorage, bucket: &str, c: &aero2_core::rate_limit::Counter, expires_at: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT INTO counters (bucket, count, window_start, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (bucket) DO UPDATE SET count = excluded.count, window_start = excluded.window_start,
         expires_at = excluded.expires_at",
        vec![bucket.into(), V::from(i64::from(c.count)), t(c.window_start), t(expires_at)],
    )?;
    Ok(())
}

pub fn lockout(sql: &SqlStorage, identifier: &str) -> Result<aero2_core::lockout::Lockout> {
    Ok(sql.first::<Text>("SELECT state AS value FROM lockouts WHERE identifier = ?1", vec![identifier.into()])?
        .and_then(|r| serde_json::from_str(&r.value).ok())
        .unwrap_or_default())
}

pub fn put_lockout(sql: &SqlStorage, identifier: &str, l: &aero2_core::lockout::Lockout, expires_at: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT INTO lockouts (identifier, state, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (identifier) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at",
        vec![identifier.into(), serde_json::to_string(l)?.into(), t(expires_at)],
    )?;
    Ok(())
}

pub fn delete_lockout(sql: &SqlStorage, identifier: &str) -> Result<()> {
    sql.run("DELETE FROM lockouts WHERE identifier = ?1", vec![identifier.into()])?;
    Ok(())
}

// ------------------------------------------------------- single-use tokens

/// Stores a single-use token (by digest) with its payload.
pub fn put_single_use(sql: &SqlStorage, kind: &str, key_hash: &str, payload: &str, expires_at: UnixMillis) -> Result<()> {
    sql.run(
        "INSERT INTO single_use (kind, key_hash, payload, expires_at) VALUES (?1, ?2, ?3, ?4)",
        vec![kind.into(), key_hash.into(), payload.into(), t(expires_at)],
    )?;
    Ok(())
}

/// The payload of a live token, without using it up.
pub fn peek_single_use(sql: &SqlStorage, kind: &str, key_hash: &str, now: UnixMillis) -> Result<Option<String>> {
    Ok(sql.first::<Text>("SELECT payload AS value FROM single_use WHERE kind = ?1 AND key_hash = ?2 AND expires_at > ?3",
        vec![kind.into(), key_hash.into(), t(now)],
    )?
    .map(|r| r.value))
}

/// Uses a token up: its payload, once; `None` ever after. Read and delete
/// happen with no await between, so two requests cannot both use it.
pub fn take_single_use(sql: &SqlStorage, kind: &str, key_hash: &str, now: UnixMillis) -> Result<Option<String>> {
    let payload = peek_single_use(sql, kind, key_hash, now)?;
    sql.run("DELETE FROM single_use WHERE kind = ?1 AND key_hash = ?2", vec![kind.into(), key_hash.into()])?;
    Ok(payload)
}

// ---------------------------------------------------------------- mail queue

/// Queues a message (JSON) for delivery by the alarm, due at once.
pub fn queue_mail(sql: &SqlStorage, id: &str, mail_json: &str, now: UnixMillis) -> Result<()> {
    sql.run("INSERT INTO mail_queue (id, mail, next_attempt_at) VALUES (?1, ?2, ?3)", vec![id.into(), mail_json.into(), t(now)])?;
    Ok(())
}

#[derive(Deserialize)]
pub struct QueuedMail {
    pub id: String,
    pub mail: String,
    pub failures: i64,
}

/// Messages due for delivery at `now`, in the order they were queued.
pub fn due_mail(sql: &SqlStorage, now: UnixMillis) -> Result<Vec<QueuedMail>> {
    sql.rows("SELECT id, mail, failures FROM mail_queue WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, rowid", vec![t(now)])
}

pub fn mail_sent(sql: &SqlStorage, id: &str) -> Result<()> {
    sql.run("DELETE FROM mail_queue WHERE id = ?1", vec![id.into()])?;
    Ok(())
}

/// Records a failed delivery: tried again at `retry_at`, or dropped.
pub fn mail_failed(sql: &SqlStorage, id: &str, failures: i64, retry_at: Option<UnixMillis>) -> Result<()> {
    match retry_at {
        Some(at) => {
            sql.run(
                "UPDATE mail_queue SET failures = ?2, next_attempt_at = ?3 WHERE id = ?1",
                vec![id.into(), V::from(failures), t(at)],
            )?;
            Ok(())
        }
        None => mail_sent(sql, id),
    }
}

// ------------------------------------------------------------- shard outbox

/// Records a command owed to tenant shard `shard`; its id.
pub fn owe_shard(sql: &SqlStorage, shard: u8, command: &str, next_attempt_at: UnixMillis) -> Result<i64> {
    let row: Option<Id> = sql.first("INSERT INTO shard_outbox (shard, command, next_attempt_at) VALUES (?1, ?2, ?3) RETURNING id",
        vec![V::from(i64::from(shard)), command.into(), t(next_attempt_at)],
    )?;
    row.map(|r| r.id).ok_or_else(|| worker::Error::RustError("shard_outbox insert returned no id".into()))
}

/// The owed command `id` was taken.
pub fn paid_shard(sql: &SqlStorage, id: i64) -> Result<()> {
    sql.run("DELETE FROM shard_outbox WHERE id = ?1", vec![V::from(id)])?;
    Ok(())
}

#[derive(Deserialize)]
struct Id {
    id: i64,
}

#[derive(Deserialize)]
pub struct Owed {
    pub id: i64,
    pub shard: i64,
    pub command: String,
}

/// The owed commands due at `now`, oldest first, each pushed back to
/// `retry_at` in the same step (so two alarms never send one twice at once).
pub fn owed_shards(sql: &SqlStorage, now: UnixMillis, retry_at: UnixMillis) -> Result<Vec<Owed>> {
    let due: Vec<Owed> = sql
        .rows("SELECT id, shard, command FROM shard_outbox WHERE next_attempt_at <= ?1 ORDER BY id LIMIT 100", vec![t(now)])?;
    for o in &due {
        sql.run("UPDATE shard_outbox SET next_attempt_at = ?2 WHERE id = ?1", vec![V::from(o.id), t(retry_at)])?;
    }
    Ok(due)
}

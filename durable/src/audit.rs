//! The writing side of an application's audit log (`aero2_core::audit`
//! decides the chain): only the application's `TenantApp` appends, so the
//! numbering and the hash chain have one writer.
//!
//! An entry is first appended to the object's own storage (`audit_queue`)
//! together with the new head, in one synchronous step: whatever runs
//! concurrently sees one order. It is then copied to D1 (`audit_log`),
//! where the management API queries it; a copy that fails stays queued and
//! the alarm retries it. The alarm also deletes what is older than the
//! application's retention (remembering the last deleted entry as the
//! chain's anchor) and, at most hourly when the log grew, signs a
//! checkpoint of the head with the application's key.
//!
//! Object storage (schema v6): `audit_queue (seq, entry, next_attempt_at)`
//! and one row of `audit_state` (head, anchor, latest checkpoint, when the
//! next sweep and checkpoint are due).

use crate::sql::Statements;
use crate::db::{int, text};
use crate::signer_call::ToSign;
use crate::{db, schema};
use aero2_core::audit::{self, Entry, Event, Link};
use aero2_core::jose::alg::Alg;
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{Env, Request, Result, SqlStorage, SqlStorageValue as V, Storage};

/// Storage schema version 6 (appended to TenantApp's migrations).
pub const MIGRATION_V6: &[&str] = &[
    "CREATE TABLE audit_queue (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, next_attempt_at INTEGER NOT NULL)",
    "CREATE TABLE audit_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        head_seq INTEGER NOT NULL, head_hash TEXT NOT NULL,
        anchor_seq INTEGER NOT NULL, anchor_hash TEXT NOT NULL,
        checkpoint_seq INTEGER, checkpoint_hash TEXT,
        next_sweep_at INTEGER, next_checkpoint_at INTEGER)",
];

const RETRY_AFTER_MS: i64 = 30_000;
const DAY_MS: i64 = 86_400_000;
/// How long a "day" of retention lasts, for tests on a local platform
/// only (ignored anywhere else); sweeps (every quarter day) and
/// checkpoints (every 24th of a day) scale with it.
pub const DAY_VAR: &str = "AERO2_AUDIT_DAY_MS";

fn day_ms(env: &Env) -> i64 {
    let platform = crate::forward::platform_domain(env).unwrap_or_default();
    if !aero2_core::host::is_local_domain(&platform) {
        return DAY_MS;
    }
    env.var(DAY_VAR).ok().and_then(|v| v.to_string().parse::<i64>().ok()).filter(|d| *d > 0).unwrap_or(DAY_MS)
}
/// Entries copied to D1 in one batch.
const FLUSH_BATCH: usize = 50;

/// Where a request came from, for its events: IP, user agent, request id.
/// Read before a handler takes the request (`Origin::of`), or at once
/// (`from_request`).
pub struct Origin {
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
}

impl Origin {
    pub fn of(req: &Request) -> Result<Origin> {
        let h = req.headers();
        Ok(Origin { ip: h.get("cf-connecting-ip")?, user_agent: h.get("user-agent")?, request_id: h.get(crate::forward::REQUEST_ID_HEADER)? })
    }

    #[must_use]
    pub fn stamp(self, event: Event) -> Event {
        event.from_request(self.ip, self.user_agent, self.request_id)
    }
}

/// `event`, stamped with where `req` came from.
pub fn from_request(event: Event, req: &Request) -> Result<Event> {
    Ok(Origin::of(req)?.stamp(event))
}

#[derive(Deserialize)]
struct StateRow {
    head_seq: i64,
    head_hash: String,
    anchor_seq: i64,
    anchor_hash: String,
    checkpoint_seq: Option<i64>,
    checkpoint_hash: Option<String>,
}

/// The chain's ends as this object keeps them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub head: Link,
    pub anchor: Link,
    pub checkpoint: Option<Link>,
}

fn seq(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn sq(n: u64) -> V {
    V::from(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The head, anchor and latest checkpoint (the genesis for a new log).
pub fn state(sql: &SqlStorage, app_id: &str) -> Result<State> {
    let row: Option<StateRow> =
        sql.first("SELECT head_seq, head_hash, anchor_seq, anchor_hash, checkpoint_seq, checkpoint_hash FROM audit_state WHERE id = 1", None)?;
    Ok(match row {
        Some(r) => State {
            head: Link { seq: seq(r.head_seq), hash: r.head_hash },
            anchor: Link { seq: seq(r.anchor_seq), hash: r.anchor_hash },
            checkpoint: r.checkpoint_seq.zip(r.checkpoint_hash).map(|(s, hash)| Link { seq: seq(s), hash }),
        },
        None => State { head: audit::genesis(app_id), anchor: audit::genesis(app_id), checkpoint: None },
    })
}

/// Appends `event` to the log (synchronous: the number and the chain are
/// decided here), then copies what is queued to D1.
pub async fn record(env: &Env, storage: &Storage, app_id: &str, event: Event, now: UnixMillis) -> Result<()> {
    let sql = storage.sql();
    let day = day_ms(env);
    append(&sql, app_id, event, now, day)?;
    // The earliest thing this append can have made due: the copy's retry,
    // or a first checkpoint (a sweep comes later still). Moving the alarm
    // earlier only, on this hot path, instead of recomputing every expiry.
    schema::arm_alarm_by(storage, now.plus_millis(RETRY_AFTER_MS.min(day / 24))).await?;
    flush(env, &sql, app_id, now).await
}

fn append(sql: &SqlStorage, app_id: &str, event: Event, now: UnixMillis, day: i64) -> Result<Entry> {
    let s = state(sql, app_id)?;
    let entry = audit::append(&s.head, app_id, now.0, event);
    sql.run(
        "INSERT INTO audit_queue (seq, entry, next_attempt_at) VALUES (?1, ?2, ?3)",
        vec![sq(entry.seq), serde_json::to_string(&entry)?.into(), V::from(now.0 + RETRY_AFTER_MS)],
    )?;
    sql.run(
        "INSERT INTO audit_state (id, head_seq, head_hash, anchor_seq, anchor_hash, next_sweep_at, next_checkpoint_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash,
           next_sweep_at = COALESCE(audit_state.next_sweep_at, excluded.next_sweep_at),
           next_checkpoint_at = COALESCE(audit_state.next_checkpoint_at, excluded.next_checkpoint_at)",
        vec![
            sq(entry.seq),
            entry.hash.clone().into(),
            sq(s.anchor.seq),
            s.anchor.hash.into(),
            V::from(now.0 + day / 4),
            V::from(now.0 + day / 24),
        ],
    )?;
    Ok(entry)
}

#[derive(Deserialize)]
struct Queued {
    entry: String,
}

/// Copies queued entries to D1, oldest first; what fails waits for the
/// alarm. Copies are idempotent (`INSERT OR IGNORE` on the number).
pub async fn flush(env: &Env, sql: &SqlStorage, app_id: &str, now: UnixMillis) -> Result<()> {
    loop {
        let queued: Vec<Queued> =
            sql.rows("SELECT entry FROM audit_queue ORDER BY seq LIMIT ?1", vec![V::from(i64::try_from(FLUSH_BATCH).unwrap_or(50))])?;
        if queued.is_empty() {
            return Ok(());
        }
        let entries: Vec<Entry> = queued.iter().filter_map(|q| serde_json::from_str(&q.entry).ok()).collect();
        let last = entries.iter().map(|e| e.seq).max().unwrap_or(0);
        let d1 = db::database(env)?;
        let mut batch = Vec::with_capacity(entries.len());
        for e in entries.iter().filter(|e| e.app_id == app_id) {
            batch.push(insert(&d1, e)?);
        }
        if let Err(err) = d1.batch(batch).await {
            worker::console_error!("audit log of {app_id}: copying to D1 failed ({err}); the alarm retries");
            sql.run("UPDATE audit_queue SET next_attempt_at = ?1", vec![V::from(now.0 + RETRY_AFTER_MS)])?;
            return Ok(());
        }
        sql.run("DELETE FROM audit_queue WHERE seq <= ?1", vec![sq(last)])?;
        if queued.len() < FLUSH_BATCH {
            return Ok(());
        }
    }
}

fn insert(d1: &worker::D1Database, e: &Entry) -> Result<worker::D1PreparedStatement> {
    let opt = |v: &Option<String>| v.as_deref().map_or(worker::wasm_bindgen::JsValue::NULL, text);
    d1.prepare(
        "INSERT OR IGNORE INTO audit_log (app_id, seq, at, type, actor, user_id, resource, ip, user_agent, request_id, detail, prev_hash, hash, org_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .bind(&[
        text(&e.app_id),
        int(i64::try_from(e.seq).unwrap_or(i64::MAX)),
        int(e.at),
        text(&e.event.kind),
        text(&e.event.actor),
        opt(&e.event.user_id),
        opt(&e.event.resource),
        opt(&e.event.ip),
        opt(&e.event.user_agent),
        opt(&e.event.request_id),
        text(&e.event.detail.to_string()),
        text(&e.prev_hash),
        text(&e.hash),
        opt(&e.event.org_id),
    ])
}

#[derive(Deserialize)]
struct Due {
    next_sweep_at: Option<i64>,
    next_checkpoint_at: Option<i64>,
}

/// The alarm's part: copy what is queued, sweep past the retention, sign a
/// checkpoint when one is due.
pub async fn on_alarm(env: &Env, storage: &Storage, app_id: &str, now: UnixMillis) -> Result<()> {
    let sql = storage.sql();
    flush(env, &sql, app_id, now).await?;
    let Some(due) = sql.first::<Due>("SELECT next_sweep_at, next_checkpoint_at FROM audit_state WHERE id = 1", None)? else { return Ok(()) };
    if due.next_sweep_at.is_some_and(|t| t <= now.0) {
        sweep(env, &sql, app_id, now).await?;
        sql.run("UPDATE audit_state SET next_sweep_at = ?1 WHERE id = 1", vec![V::from(now.0 + day_ms(env) / 4)])?;
    }
    if due.next_checkpoint_at.is_some_and(|t| t <= now.0) {
        checkpoint(env, storage, app_id, now).await?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct SeqHash {
    seq: i64,
    hash: String,
}

/// Deletes entries older than the application's retention. The anchor
/// moves to the last one deleted first, so verification starts after it.
async fn sweep(env: &Env, sql: &SqlStorage, app_id: &str, now: UnixMillis) -> Result<()> {
    let d1 = db::database(env)?;
    let Some(app) = db::app_by_id(&d1, app_id).await? else { return Ok(()) };
    let cutoff = now.0 - app.settings.audit_retention_days() * day_ms(env);
    let last: Option<SeqHash> = d1
        .prepare("SELECT seq, hash FROM audit_log WHERE app_id = ?1 AND at < ?2 ORDER BY seq DESC LIMIT 1")
        .bind(&[text(app_id), int(cutoff)])?
        .first(None)
        .await?;
    let Some(last) = last else { return Ok(()) };
    let anchor = state(sql, app_id)?.anchor;
    if seq(last.seq) <= anchor.seq {
        return Ok(());
    }
    sql.run("UPDATE audit_state SET anchor_seq = ?1, anchor_hash = ?2 WHERE id = 1", vec![V::from(last.seq), last.hash.into()])?;
    d1.prepare("DELETE FROM audit_log WHERE app_id = ?1 AND seq <= ?2").bind(&[text(app_id), int(last.seq)])?.run().await?;
    Ok(())
}

/// A signed statement of the chain's head, as published.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: String,
    pub at: i64,
    /// A JWS (ES256 or RS256 by the application's current key, `typ`
    /// `aero2-audit-checkpoint+jwt`) over `{app_id, seq, hash, iat}`:
    /// anyone with the application's JWKS can check it.
    pub jws: String,
}

/// Signs and publishes a checkpoint of the head now (`None` for an empty
/// log). Unless one is asked for, the next is due in an hour if the log
/// grows.
pub async fn checkpoint(env: &Env, storage: &Storage, app_id: &str, now: UnixMillis) -> Result<Option<Checkpoint>> {
    let sql = storage.sql();
    flush(env, &sql, app_id, now).await?;
    let head = state(&sql, app_id)?.head;
    sql.run("UPDATE audit_state SET next_checkpoint_at = NULL WHERE id = 1", None)?;
    if head.seq == 0 {
        return Ok(None);
    }
    let claims = json!({ "app_id": app_id, "seq": head.seq, "hash": head.hash, "iat": now.as_secs() });
    let batch = vec![ToSign { alg: Alg::ES256, typ: Some("aero2-audit-checkpoint+jwt".into()), claims, at_hash_of: None }];
    // Where its keys are: read from D1 (a checkpoint is at most hourly). A
    // deleted application's log gets none (its keys are gone).
    let Some(app) = db::app_by_id(&db::database(env)?, app_id).await? else { return Ok(None) };
    let placement = app.signer;
    let jws = crate::op::signer::sign(env, &placement, now, app_id, batch).await?.into_iter().next().unwrap_or_default();
    let cp = Checkpoint { seq: head.seq, hash: head.hash.clone(), at: now.0, jws };
    db::database(env)?
        .prepare("INSERT OR REPLACE INTO audit_checkpoints (app_id, seq, hash, at, jws) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(&[text(app_id), int(i64::try_from(cp.seq).unwrap_or(i64::MAX)), text(&cp.hash), int(cp.at), text(&cp.jws)])?
        .run()
        .await?;
    sql.run("UPDATE audit_state SET checkpoint_seq = ?1, checkpoint_hash = ?2 WHERE id = 1", vec![sq(head.seq), head.hash.into()])?;
    Ok(Some(cp))
}

/// What the management API's `verify` needs from the writer.
pub fn report_state(sql: &SqlStorage, app_id: &str) -> Result<Value> {
    Ok(serde_json::to_value(state(sql, app_id)?)?)
}

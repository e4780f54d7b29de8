//! Versioned SQLite schemas for the Durable Objects.
//!
//! Each object keeps `schema_version` in its `meta` table and applies the
//! migrations after it, in order, on first use after start. `sql.exec` is
//! synchronous and nothing awaits between the statements, so the runtime
//! commits a migration and its version bump atomically (implicit
//! transaction of one event turn); a failed statement rolls all of it back.

use crate::sql::Statements;
use aero2_core::time::UnixMillis;
use std::cell::Cell;
use worker::{Result, SqlStorage, SqlStorageValue, Storage};

pub const META_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

#[derive(serde::Deserialize)]
struct MetaValue {
    value: String,
}

pub fn meta_get(sql: &SqlStorage, key: &str) -> Result<Option<String>> {
    let row: Option<MetaValue> = sql.first("SELECT value FROM meta WHERE key = ?", vec![key.into()])?;
    Ok(row.map(|r| r.value))
}

pub fn meta_set(sql: &SqlStorage, key: &str, value: &str) -> Result<()> {
    sql.run(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![SqlStorageValue::from(key), SqlStorageValue::from(value)],
    )?;
    Ok(())
}

/// Brings the schema to `migrations.len()` and returns that version.
pub fn migrate(sql: &SqlStorage, migrations: &[&[&str]]) -> Result<usize> {
    sql.run(META_TABLE, None)?;
    let current: usize =
        meta_get(sql, "schema_version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    for (i, statements) in migrations.iter().enumerate().skip(current) {
        for stmt in *statements {
            sql.run(stmt, None)?;
        }
        meta_set(sql, "schema_version", &(i + 1).to_string())?;
    }
    Ok(migrations.len().max(current))
}

/// The schema version an object instance has brought its storage to; 0
/// until the first event migrates it.
#[derive(Default)]
pub struct SchemaGuard {
    version: Cell<usize>,
}

impl SchemaGuard {
    pub fn ensure(&self, sql: &SqlStorage, migrations: &[&[&str]]) -> Result<()> {
        if self.version.get() == 0 {
            self.version.set(migrate(sql, migrations)?);
        }
        Ok(())
    }

    pub fn version(&self) -> usize {
        self.version.get()
    }

    /// Forget the version (storage was wiped); the next `ensure` re-creates.
    pub fn reset(&self) {
        self.version.set(0);
    }
}

#[derive(serde::Deserialize)]
pub struct NextAt {
    pub next: Option<i64>,
}

/// Arms the object's alarm for the earliest time `query` (a
/// `SELECT … AS next`) returns, if any.
pub async fn arm_alarm(storage: &Storage, query: &str, args: Vec<SqlStorageValue>) -> Result<()> {
    let row: Option<NextAt> = storage.sql().first(query, args)?;
    if let Some(at) = row.and_then(|r| r.next).map(UnixMillis) {
        set_alarm_at(storage, at).await?;
    }
    Ok(())
}

pub async fn set_alarm_at(storage: &Storage, at: UnixMillis) -> Result<()> {
    #[allow(clippy::cast_precision_loss)]
    let date = worker::js_sys::Date::new(&worker::wasm_bindgen::JsValue::from_f64(at.0 as f64));
    storage.set_alarm(worker::ScheduledTime::new(date)).await
}

/// Makes sure the alarm fires no later than `at` (something expires then).
pub async fn arm_alarm_by(storage: &Storage, at: UnixMillis) -> Result<()> {
    match storage.get_alarm().await? {
        Some(current) if current <= at.0 => Ok(()),
        _ => set_alarm_at(storage, at).await,
    }
}

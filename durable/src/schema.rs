//! Versioned SQLite schemas for the Durable Objects.
//!
//! Each object keeps `schema_version` in its `meta` table and applies the
//! migrations after it, in order, on first use after start. `sql.exec` is
//! synchronous and nothing awaits between the statements, so the runtime
//! commits a migration and its version bump atomically (implicit
//! transaction of one event turn); a failed statement rolls all of it back.

use worker::{Result, SqlStorage, SqlStorageValue};

pub const META_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

#[derive(serde::Deserialize)]
struct MetaValue {
    value: String,
}

pub fn meta_get(sql: &SqlStorage, key: &str) -> Result<Option<String>> {
    let rows: Vec<MetaValue> =
        sql.exec("SELECT value FROM meta WHERE key = ?", vec![key.into()])?.to_array()?;
    Ok(rows.into_iter().next().map(|r| r.value))
}

pub fn meta_set(sql: &SqlStorage, key: &str, value: &str) -> Result<()> {
    sql.exec(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![SqlStorageValue::from(key), SqlStorageValue::from(value)],
    )?;
    Ok(())
}

/// Brings the schema to `migrations.len()` and returns that version.
pub fn migrate(sql: &SqlStorage, migrations: &[&[&str]]) -> Result<usize> {
    sql.exec(META_TABLE, None)?;
    let current: usize =
        meta_get(sql, "schema_version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    for (i, statements) in migrations.iter().enumerate().skip(current) {
        for stmt in *statements {
            sql.exec(stmt, None)?;
        }
        meta_set(sql, "schema_version", &(i + 1).to_string())?;
    }
    Ok(migrations.len().max(current))
}

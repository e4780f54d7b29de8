//! Reading an application's audit log from D1 (written by its `TenantApp`,
//! `crate::audit`): for the management API (`management::audit`) and for
//! an organization's admins, who read the entries naming their
//! organization (`op::org_admin`).

use crate::db::{int, text};
use aero2_core::audit::{Entry, Event, Filter};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, Result};

#[derive(Deserialize)]
struct Row {
    app_id: String,
    seq: i64,
    at: i64,
    #[serde(rename = "type")]
    kind: String,
    actor: String,
    user_id: Option<String>,
    resource: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
    org_id: Option<String>,
}

impl Row {
    /// The entry as written; a detail that is not JSON any more is kept as
    /// its text (verification then finds the change).
    fn into_entry(self) -> Entry {
        let detail = serde_json::from_str(&self.detail).unwrap_or(Value::String(self.detail));
        Entry {
            app_id: self.app_id,
            seq: u64::try_from(self.seq).unwrap_or(0),
            at: self.at,
            event: Event {
                kind: self.kind,
                actor: self.actor,
                user_id: self.user_id,
                resource: self.resource,
                ip: self.ip,
                user_agent: self.user_agent,
                request_id: self.request_id,
                detail,
                org_id: self.org_id,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

const COLUMNS: &str = "app_id, seq, at, type, actor, user_id, resource, ip, user_agent, request_id, detail, prev_hash, hash, org_id";

/// The entries of `app_id` matching `f`: newest first before the cursor,
/// or oldest first after it.
pub async fn read(db: &D1Database, app_id: &str, f: &Filter, oldest_first: bool) -> Result<Vec<Entry>> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE app_id = ?1");
    let mut args: Vec<JsValue> = vec![text(app_id)];
    let mut and = |clause: &str, v: JsValue, args: &mut Vec<JsValue>| {
        args.push(v);
        sql.push_str(&format!(" AND {clause} ?{}", args.len()));
    };
    if let Some(k) = &f.kind {
        and("type =", text(k), &mut args);
    }
    if let Some(a) = &f.actor {
        and("actor =", text(a), &mut args);
    }
    if let Some(u) = &f.user_id {
        and("user_id =", text(u), &mut args);
    }
    if let Some(o) = &f.org_id {
        and("org_id =", text(o), &mut args);
    }
    if let Some(s) = f.since {
        and("at >=", int(s), &mut args);
    }
    if let Some(u) = f.until {
        and("at <", int(u), &mut args);
    }
    if let Some(c) = f.cursor {
        and(if oldest_first { "seq >" } else { "seq <" }, int(i64::try_from(c).unwrap_or(i64::MAX)), &mut args);
    }
    let order = if oldest_first { "ASC" } else { "DESC" };
    let limit = f.limit + 1;
    sql.push_str(&format!(" ORDER BY seq {order} LIMIT {limit}"));
    let rows: Vec<Row> = db.prepare(&sql).bind(&args)?.all().await?.results()?;
    Ok(rows.into_iter().map(Row::into_entry).collect())
}

pub fn entry_json(e: &Entry) -> Value {
    json!({
        "seq": e.seq, "at": e.at, "type": e.event.kind, "actor": e.event.actor, "user_id": e.event.user_id,
        "resource": e.event.resource, "ip": e.event.ip, "user_agent": e.event.user_agent, "request_id": e.event.request_id,
        "org_id": e.event.org_id, "detail": e.event.detail, "prev_hash": e.prev_hash, "hash": e.hash,
    })
}


/// One page, newest first: `{"entries", "next_cursor"}`.
pub async fn page(db: &D1Database, app_id: &str, f: &Filter) -> Result<Value> {
    let mut entries = read(db, app_id, f, false).await?;
    let next = aero2_core::paging::cut(&mut entries, f.limit, |e| e.seq.to_string());
    Ok(json!({ "entries": entries.iter().map(entry_json).collect::<Vec<_>>(), "next_cursor": next }))
}

//! Sending email. One interface, chosen by the `MAILER` variable
//! (`aero2_core::mail::transport` decides what a deployment may use):
//!
//! - `outbox` (the default, local platforms only): messages go to D1's
//!   `mail_outbox`, which the operator reads at
//!   `GET /api/v1/applications/{id}/outbox`, and are purged after a day
//!   (`AERO2_OUTBOX_RETENTION_MS`). Nothing leaves the machine. A
//!   deployment on a public domain refuses it: flows that would send a link
//!   answer 503, and the operator's health view says why.
//! - `http`: a JSON `POST` to `MAILER_URL` with `Authorization: Bearer
//!   MAILER_API_KEY` and `{from, to, subject, text}` — the request shape of
//!   Resend's `/emails` API (`MAILER_URL=https://api.resend.com/emails`),
//!   which other providers' HTTP APIs accept or adapt to. `MAILER_FROM` is
//!   the sender.
//!
//! Requests never send mail themselves: [`queue`] stores the message in the
//! application's object and arms its alarm, which calls [`deliver_due`]
//! after the response has gone. Message bodies carry single-use links; they
//! are never logged, and the queue holds one only until it is delivered.

use crate::db::{int, text};
use crate::forward::PLATFORM_DOMAIN_VAR;
use crate::op::store;
use crate::{db, rng, schema};
use aero2_core::encoding::hex;
use aero2_core::mail::Transport;
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{D1Database, Env, Fetch, Headers, Method, Request, RequestInit, Result, SqlStorage, Storage};

pub const OUTBOX_RETENTION_VAR: &str = "AERO2_OUTBOX_RETENTION_MS";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// What the message is for (`password_reset`, `email_verification`, …).
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub created_at: i64,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.is_empty())
}

/// How long the outbox keeps a message (`aero2_core::mail::outbox_retention_ms`).
fn retention_ms(env: &Env) -> i64 {
    aero2_core::mail::outbox_retention_ms(var(env, OUTBOX_RETENTION_VAR).as_deref())
}

/// How this deployment sends mail, or what is wrong with its configuration.
pub fn transport(env: &Env) -> std::result::Result<Transport, String> {
    let platform = var(env, PLATFORM_DOMAIN_VAR).unwrap_or_default();
    aero2_core::mail::transport(var(env, "MAILER").as_deref(), aero2_core::host::is_local_domain(&platform))
}

/// Queues `mail` in the object's storage for its alarm to deliver.
pub async fn queue(sql: &SqlStorage, storage: &Storage, mail: &Mail, now: UnixMillis) -> Result<()> {
    let id = format!("msg_{}", hex(&rng::bytes::<16>()?));
    store::queue_mail(sql, &id, &serde_json::to_string(mail)?, now)?;
    schema::arm_alarm_by(storage, now).await
}

/// Delivers every queued message that is due (run by the alarm). A failed
/// delivery is tried again later (`aero2_core::mail::retry_at`), then
/// dropped; the log names the message, never its contents.
pub async fn deliver_due(env: &Env, sql: &SqlStorage, app_id: &str, now: UnixMillis) -> Result<()> {
    let due = store::due_mail(sql, now)?;
    if due.is_empty() {
        return Ok(());
    }
    let db = db::database(env)?;
    for queued in due {
        let Ok(mail) = serde_json::from_str::<Mail>(&queued.mail) else {
            store::mail_sent(sql, &queued.id)?;
            continue;
        };
        match send(env, &db, app_id, &queued.id, &mail, now).await {
            Ok(()) => store::mail_sent(sql, &queued.id)?,
            Err(e) => {
                let failures = queued.failures.saturating_add(1);
                let retry = aero2_core::mail::retry_at(u32::try_from(failures).unwrap_or(u32::MAX), now);
                worker::console_error!("mail {} ({}) of {app_id}: attempt {failures} failed ({e}); {}", queued.id, mail.kind, if retry.is_some() { "will retry" } else { "dropped" });
                store::mail_failed(sql, &queued.id, failures, retry)?;
            }
        }
    }
    Ok(())
}

async fn send(env: &Env, db: &D1Database, app_id: &str, id: &str, mail: &Mail, now: UnixMillis) -> Result<()> {
    match transport(env) {
        Ok(Transport::Outbox) => to_outbox(env, db, app_id, id, mail, now).await,
        Ok(Transport::Http) => to_http(env, mail).await,
        Err(problem) => Err(worker::Error::RustError(problem)),
    }
}

/// Stores the message and purges what is older than the retention, in one
/// batch. The id is the queue's, so a retried delivery stores it once.
/// (Also where local text messages go: `crate::sms`.)
pub async fn to_outbox(env: &Env, db: &D1Database, app_id: &str, id: &str, mail: &Mail, now: UnixMillis) -> Result<()> {
    let purge = db::stmt(db, "DELETE FROM mail_outbox WHERE created_at < ?1", &[int(now.0 - retention_ms(env))])?;
    let insert = db::stmt(
        db,
        "INSERT OR IGNORE INTO mail_outbox (id, app_id, recipient, subject, body, kind, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[text(id), text(app_id), text(&mail.recipient), text(&mail.subject), text(&mail.body), text(&mail.kind), int(now.0)],
    )?;
    db.batch(vec![purge, insert]).await?;
    Ok(())
}

async fn to_http(env: &Env, mail: &Mail) -> Result<()> {
    let url = var(env, "MAILER_URL").ok_or_else(|| worker::Error::RustError("MAILER_URL is not set".into()))?;
    let from = var(env, "MAILER_FROM").unwrap_or_else(|| "Aero2 <no-reply@localhost>".into());
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    if let Ok(key) = env.secret("MAILER_API_KEY") {
        headers.set("authorization", &format!("Bearer {key}"))?;
    }
    let body = json!({ "from": from, "to": [mail.recipient], "subject": mail.subject, "text": mail.body }).to_string();
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let resp = Fetch::Request(Request::new_with_init(&url, &init)?).send().await?;
    if (200..300).contains(&resp.status_code()) {
        Ok(())
    } else {
        Err(worker::Error::RustError(format!("mail provider answered {}", resp.status_code())))
    }
}

/// The outbox of `app_id`, within the retention.
pub async fn outbox(env: &Env, db: &D1Database, app_id: &str, now: UnixMillis) -> Result<Vec<OutboxEntry>> {
    db.prepare(
        "SELECT id, recipient, subject, body, kind, created_at FROM mail_outbox WHERE app_id = ?1 AND created_at >= ?2
         ORDER BY created_at, id",
    )
    .bind(&[text(app_id), int(now.0 - retention_ms(env))])?
    .all()
    .await?
    .results()
}

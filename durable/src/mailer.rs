//! Sending email. One interface, chosen by the `MAILER` variable:
//!
//! - `outbox` (the default, for local runs): messages go to D1's
//!   `mail_outbox`, which the operator reads at
//!   `GET /api/v1/applications/{id}/outbox`. Nothing leaves the machine.
//! - `http`: a JSON `POST` to `MAILER_URL` with `Authorization: Bearer
//!   MAILER_API_KEY` and `{from, to, subject, text}` — the request shape of
//!   Resend's `/emails` API (`MAILER_URL=https://api.resend.com/emails`),
//!   which other providers' HTTP APIs accept or adapt to. `MAILER_FROM` is
//!   the sender.
//!
//! Message bodies carry single-use links; they are never logged.

use crate::db::{int, text};
use crate::rng;
use aero2_core::encoding::hex;
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{D1Database, Env, Fetch, Headers, Method, Request, RequestInit, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// What the message is for (`password_reset`, `email_verification`).
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

pub async fn send(env: &Env, db: &D1Database, app_id: &str, mail: &Mail, now: UnixMillis) -> Result<()> {
    match var(env, "MAILER").as_deref() {
        None | Some("outbox") => to_outbox(db, app_id, mail, now).await,
        Some("http") => to_http(env, mail).await,
        Some(other) => Err(worker::Error::RustError(format!("unknown MAILER '{other}'"))),
    }
}

async fn to_outbox(db: &D1Database, app_id: &str, mail: &Mail, now: UnixMillis) -> Result<()> {
    db.prepare("INSERT INTO mail_outbox (id, app_id, recipient, subject, body, kind, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(&[
            text(&format!("msg_{}", hex(&rng::bytes::<16>()?))),
            text(app_id),
            text(&mail.recipient),
            text(&mail.subject),
            text(&mail.body),
            text(&mail.kind),
            int(now.0),
        ])?
        .run()
        .await?;
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

pub async fn outbox(db: &D1Database, app_id: &str) -> Result<Vec<OutboxEntry>> {
    db.prepare("SELECT id, recipient, subject, body, kind, created_at FROM mail_outbox WHERE app_id = ?1 ORDER BY created_at, id")
        .bind(&[text(app_id)])?
        .all()
        .await?
        .results()
}

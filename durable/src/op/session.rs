//! The browser session at an application's hosted pages: a random cookie
//! (`aero2_session`, HttpOnly, SameSite=Lax, Secure off localhost) whose
//! SHA-256 is the session's key in the object's storage, with idle and
//! absolute expiry (`lifetimes`).

use crate::tenant_command::GrantsOf;
use super::{store, Op};
use crate::{pages, rng};
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::oauth::authorize::SessionInfo;
use aero2_core::oauth::grant::AuthContext;
use aero2_core::oauth::lifetimes::{SESSION_ABSOLUTE_MS, SESSION_IDLE_MS};
use worker::{Request, Result};

pub const COOKIE: &str = "aero2_session";

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Current {
    pub id_hash: String,
    pub user_id: String,
    /// When the user signed in (OIDC `auth_time`), in seconds.
    pub auth_time_secs: i64,
    /// How they signed in (`aero2_core::amr`), as stored (a JSON array).
    pub amr: Option<String>,
}

impl Current {
    /// How this session's user authenticated, for what it issues.
    pub fn auth(&self) -> AuthContext {
        let amr = aero2_core::amr::from_stored(self.amr.as_deref());
        AuthContext { auth_time: self.auth_time_secs, acr: aero2_core::mfa::acr_of(&amr), amr, sid: Some(self.sid()) }
    }

    pub fn info(&self) -> SessionInfo {
        let amr = aero2_core::amr::from_stored(self.amr.as_deref());
        SessionInfo { user_id: self.user_id.clone(), auth_time_secs: self.auth_time_secs, mfa: aero2_core::mfa::acr_of(&amr).is_some() }
    }

    /// The `sid` claim: names the session without revealing its key.
    pub fn sid(&self) -> String {
        sid_of(&self.id_hash)
    }
}

/// The public id (`sid`) of the session stored under `id_hash`.
pub fn sid_of(id_hash: &str) -> String {
    sha256_hex(format!("sid:{id_hash}").as_bytes()).chars().take(32).collect()
}

/// The user's live sessions as the account and management APIs show
/// them (`{"sessions": [...]}`, newest use first); `current` marks the
/// caller's own.
pub fn sessions_json(sql: &worker::SqlStorage, user_id: &str, now: aero2_core::time::UnixMillis, current: Option<&str>) -> Result<serde_json::Value> {
    let list: Vec<serde_json::Value> = store::user_sessions(sql, user_id, now)?
        .into_iter()
        .map(|s| {
            let sid = sid_of(&s.id);
            serde_json::json!({
                "id": sid,
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "user_agent": s.user_agent,
                "ip": s.ip,
                "current": current == Some(sid.as_str()),
            })
        })
        .collect();
    Ok(serde_json::json!({ "sessions": list }))
}

pub fn current(req: &Request, op: &Op<'_>) -> Result<Option<Current>> {
    let Some(token) = pages::cookie_value(req, COOKIE)? else {
        return Ok(None);
    };
    let id_hash = sha256_hex(token.as_bytes());
    Ok(store::touch_session(&op.sql, &id_hash, op.now, SESSION_IDLE_MS)?.map(|s| Current {
        id_hash,
        user_id: s.user_id,
        auth_time_secs: s.created_at.div_euclid(1000),
        amr: s.amr,
    }))
}

/// Starts a session for `user_id`, who authenticated by `amr`; returns it
/// and its `Set-Cookie` value.
pub fn start(req: &Request, op: &Op<'_>, user_id: &str, amr: &[String]) -> Result<(Current, String)> {
    let token = hex(&rng::bytes::<32>()?);
    let id_hash = sha256_hex(token.as_bytes());
    let user_agent = req.headers().get("user-agent")?;
    let ip = req.headers().get("cf-connecting-ip")?;
    let amr = aero2_core::amr::to_stored(amr);
    let new = store::NewSession { id_hash: &id_hash, user_id, user_agent: user_agent.as_deref(), ip: ip.as_deref(), amr: &amr };
    store::create_session(&op.sql, &new, op.now, SESSION_IDLE_MS, SESSION_ABSOLUTE_MS)?;
    let cookie = pages::session_cookie(&token, op.secure_cookies, SESSION_ABSOLUTE_MS.div_euclid(1000));
    Ok((Current { id_hash, user_id: user_id.to_owned(), auth_time_secs: op.now.as_secs(), amr: Some(amr) }, cookie))
}

/// Ends every session of `user_id` but `keep_sid`, and every grant but
/// `keep_grant`, with the refresh and access tokens they issued, and
/// forgets the browsers remembered for a second factor. `None` for both
/// signs the user out everywhere.
pub async fn end_all_but(op: &Op<'_>, user_id: &str, keep_sid: Option<&str>, keep_grant: Option<&str>) -> Result<()> {
    match keep_sid {
        // Every grant goes below; the sessions go in one statement.
        None => store::delete_user_sessions(&op.sql, user_id)?,
        Some(keep) => {
            for s in store::user_sessions(&op.sql, user_id, op.now)? {
                let sid = sid_of(&s.id);
                if sid != keep {
                    store::end_session(&op.sql, &s.id, &sid, op.now)?;
                }
            }
            store::forget_devices(&op.sql, user_id)?;
        }
    }
    super::grants::revoke(op, GrantsOf::User { user_id: user_id.to_owned(), keep: keep_grant.map(str::to_owned) }).await
}

/// Ends one session, and every grant made through it in every shard.
pub async fn end(op: &Op<'_>, id_hash: &str, sid: &str) -> Result<()> {
    store::end_session(&op.sql, id_hash, sid, op.now)?;
    super::grants::revoke(op, GrantsOf::Session { sid: sid.to_owned() }).await
}

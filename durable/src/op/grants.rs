//! An application's grants across its tenant shards
//! (`aero2_core::tenant_shards`): the home object issues codes into the
//! shard each grant is placed in, asks a token's shard whether it stands,
//! and has every shard revoke what a user's or a session's end revokes.
//! With one shard each of these is the local storage call it always was.

use super::{store, Op};
use crate::schema;
use crate::tenant_command::{Command, GrantsOf};
use aero2_core::oauth::grant::CodeGrant;
use aero2_core::tenant_shards;
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use worker::{Result, SqlStorage, Storage};

/// Keeps an authorization code (by its digest) in shard `shard`.
pub async fn put_code(op: &Op<'_>, shard: u8, code_hash: String, grant: CodeGrant, expires_at: UnixMillis) -> Result<()> {
    if shard == op.shard {
        keep_code(&op.sql, &op.storage, &code_hash, &grant, expires_at).await
    } else {
        Command::PutCode { code_hash, grant: Box::new(grant), expires_at }.send_to(op.env, &op.app.id, shard).await
    }
}

/// Stores a code here, and makes sure the alarm sweeps it once expired.
pub async fn keep_code(sql: &SqlStorage, storage: &Storage, code_hash: &str, grant: &CodeGrant, expires_at: UnixMillis) -> Result<()> {
    store::put_code(sql, code_hash, grant, expires_at)?;
    schema::arm_alarm_by(storage, expires_at).await
}

/// Whether an access token stands, and the grant it was issued under.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TokenStatus {
    pub live: bool,
    pub grant_id: Option<String>,
    /// The `sid` of the session the grant was made in.
    pub sid: Option<String>,
}

/// The status of access token `jti` as its own shard knows it (this
/// object's storage, or one call to the shard the `jti` names). A `jti`
/// naming no possible shard stands nowhere.
pub async fn token_status(op: &Op<'_>, jti: &str) -> Result<TokenStatus> {
    match tenant_shards::of(jti, "") {
        Some(shard) if shard == op.shard => local_status(&op.sql, jti),
        Some(shard) => {
            Ok(serde_json::from_value(Command::TokenStatus { jti: jti.to_owned() }.ask(op.env, &op.app.id, shard).await?)?)
        }
        _ => Ok(TokenStatus::default()),
    }
}

/// Whether access token `jti` stands: [`token_status`]'s `live`, with one
/// query when this object is its shard (UserInfo's hot path).
pub async fn token_live(op: &Op<'_>, jti: &str) -> Result<bool> {
    if tenant_shards::of(jti, "") == Some(op.shard) {
        return store::access_token_live(&op.sql, jti);
    }
    Ok(token_status(op, jti).await?.live)
}

/// [`TokenStatus`] from this object's storage.
pub fn local_status(sql: &SqlStorage, jti: &str) -> Result<TokenStatus> {
    let grant_id = store::access_token_grant(sql, jti)?;
    let sid = match &grant_id {
        Some(g) => store::grant(sql, g)?.and_then(|g| g.auth.sid),
        None => None,
    };
    Ok(TokenStatus { live: store::access_token_live(sql, jti)?, grant_id, sid })
}

/// Revokes `of` here, at once, and in every other shard. What each other
/// shard owes is written here in the same step (`shard_outbox`), then
/// sent; a shard that could not be reached is retried by the alarm until
/// it answers, so no failure leaves a grant standing there (a retry of the
/// request could not: the session that named the grants is gone).
pub async fn revoke(op: &Op<'_>, of: GrantsOf) -> Result<()> {
    revoke_here(&op.sql, &of, op.now)?;
    let others: Vec<u8> = other_shards(op).collect();
    if others.is_empty() {
        return Ok(());
    }
    let command = serde_json::to_string(&Command::RevokeGrants { of })?;
    let owed: Vec<i64> = others.iter().map(|shard| store::owe_shard(&op.sql, *shard, &command, op.now.plus_millis(OUTBOX_RETRY_MS))).collect::<Result<_>>()?;
    schema::arm_alarm_by(&op.storage, op.now.plus_millis(OUTBOX_RETRY_MS)).await?;
    let sent = owed.iter().zip(&others).map(|(id, shard)| deliver(op.env, &op.sql, &op.app.id, *id, *shard, &command));
    futures_util::future::join_all(sent).await;
    Ok(())
}

/// How long a revocation a shard did not take waits before it is sent
/// again.
const OUTBOX_RETRY_MS: i64 = 5_000;

/// Sends one owed command; forgets it once the shard took it. A failure
/// leaves it for the alarm (logged, never secret: the command names a
/// user or session id).
async fn deliver(env: &worker::Env, sql: &SqlStorage, app_id: &str, id: i64, shard: u8, command: &str) {
    match Command::send_text(env, app_id, shard, command).await.and_then(|()| store::paid_shard(sql, id)) {
        Ok(()) => {}
        Err(e) => worker::console_error!("revocation for tenant shard {shard} of {app_id} not delivered yet: {e}"),
    }
}

/// The alarm's part: sends again what shards still owe, and pushes the
/// next attempt of each back.
pub async fn deliver_due(env: &worker::Env, sql: &SqlStorage, app_id: &str, now: UnixMillis) -> Result<()> {
    for owed in store::owed_shards(sql, now, now.plus_millis(OUTBOX_RETRY_MS))? {
        let Ok(shard) = u8::try_from(owed.shard) else { continue };
        deliver(env, sql, app_id, owed.id, shard, &owed.command).await;
    }
    Ok(())
}

/// The application's tenant shards but this object's, as this object
/// knows their number.
pub fn other_shards(op: &Op<'_>) -> impl Iterator<Item = u8> + Clone {
    let (count, this) = (op.app.tenant_shards, op.shard);
    (0..count).filter(move |s| *s != this)
}

/// Revokes `of` in this object's storage.
pub fn revoke_here(sql: &SqlStorage, of: &GrantsOf, now: UnixMillis) -> Result<()> {
    match of {
        GrantsOf::User { user_id, keep } => store::revoke_user_grants_except(sql, user_id, keep.as_deref(), now),
        GrantsOf::Session { sid } => store::revoke_session_grants(sql, sid, now),
    }
}

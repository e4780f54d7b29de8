//! `refresh_token` (RFC 6749 §6) with rotation and reuse detection
//! (RFC 9700 §4.14.2, `aero2_core::oauth::refresh`): every use returns a
//! new refresh token; presenting one that was already rotated revokes the
//! whole family (the grant), unless it is a retry within the application's
//! leeway while its successor is unused. A narrower `scope` may be asked
//! for; a wider one is `invalid_scope`. The family never outlives the grant.
//!
//! Decide, sign, then decide again and persist in one step: nothing is
//! written before the tokens are signed, so a failure on the way leaves
//! the token as it was, and a rotation another request made meanwhile is
//! seen before anything is stored.

use super::{store, tokens, Op};
use aero2_core::encoding::sha256_hex;
use aero2_core::oauth::client::Client;
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::refresh::{decide, Rotation};
use aero2_core::oauth::scope::Scope;
use serde_json::Value;
use worker::Result;

fn invalid<T>(msg: &str) -> Result<std::result::Result<T, OAuthError>> {
    Ok(Err(OAuthError::InvalidGrant(msg.into())))
}

pub async fn exchange(
    op: &Op<'_>,
    client: &Client,
    refresh_token: &str,
    scope: Option<&Scope>,
) -> Result<std::result::Result<Value, OAuthError>> {
    let token_hash = sha256_hex(refresh_token.as_bytes());
    let grant = match rotatable(op, client, &token_hash)? {
        Ok((g, _)) => g,
        Err(e) => return Ok(Err(e)),
    };
    let Ok(granted) = Scope::parse(&grant.scope) else {
        return invalid("refresh token is invalid");
    };
    let narrowed = match scope {
        Some(s) if !s.is_subset_of(&granted) => {
            return Ok(Err(OAuthError::InvalidScope("scope exceeds the original grant".into())));
        }
        Some(s) => s.clone(),
        None => granted,
    };
    let user = super::users::user(op, &grant.user_id).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        store::revoke_grant(&op.sql, &grant.id, op.now)?;
        return invalid("the user can no longer sign in");
    };
    let issue = tokens::UserIssue { client, user: &user, scope: &narrowed, grant: &grant, refresh: true };
    let minted = tokens::mint_for_user(op, &issue).await?;
    // Awaits above let other requests run: decide again, then store.
    let row = match rotatable(op, client, &token_hash)? {
        Ok((_, row)) => row,
        Err(e) => return Ok(Err(e)),
    };
    let Some(next) = minted.refresh() else {
        return Err(worker::Error::RustError("a refresh grant minted no refresh token".into()));
    };
    store::rotate_refresh(&op.sql, (&token_hash, &row), &next, op.now)?;
    minted.bind(op)?;
    Ok(Ok(minted.body))
}

/// The grant `token_hash` may rotate under now (and the token's row), or
/// why not. Reuse revokes the family here. Synchronous: what it reads is
/// what the caller writes.
fn rotatable(op: &Op<'_>, client: &Client, token_hash: &str) -> Result<std::result::Result<(store::Grant, store::RefreshRow), OAuthError>> {
    let Some(row) = store::refresh(&op.sql, token_hash)? else {
        return invalid("refresh token is invalid");
    };
    let Some(grant) = store::grant(&op.sql, &row.grant_id)? else {
        return invalid("refresh token is invalid");
    };
    if grant.client_id != client.client_id {
        return invalid("refresh token was issued to another client");
    }
    match decide(&store::presented_refresh(&op.sql, &row)?, op.now, op.app.settings.refresh_reuse_leeway_ms()) {
        Rotation::Reuse => {
            store::revoke_grant(&op.sql, &grant.id, op.now)?;
            return invalid("refresh token was already used; the token family is revoked");
        }
        Rotation::Expired => return invalid("refresh token is revoked or expired"),
        Rotation::Rotate | Rotation::Replace => {}
    }
    if grant.revoked_at.is_some() || grant.expires_at <= op.now.0 {
        return invalid("refresh token is revoked or expired");
    }
    Ok(Ok((grant, row)))
}

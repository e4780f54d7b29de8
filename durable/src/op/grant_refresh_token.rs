//! `refresh_token` (RFC 6749 §6) with rotation and reuse detection
//! (RFC 9700 §4.14.2): every use returns a new refresh token; presenting one
//! that was already rotated revokes the whole family (the grant), since a
//! copy of it is in someone else's hands. A narrower `scope` may be asked
//! for; a wider one is `invalid_scope`. The family never outlives the grant.

use super::{store, tokens, Op};
use aero2_core::encoding::sha256_hex;
use aero2_core::oauth::client::Client;
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::scope::Scope;
use serde_json::Value;
use worker::Result;

fn invalid(msg: &str) -> Result<std::result::Result<Value, OAuthError>> {
    Ok(Err(OAuthError::InvalidGrant(msg.into())))
}

pub async fn exchange(
    op: &Op<'_>,
    client: &Client,
    refresh_token: &str,
    scope: Option<&Scope>,
) -> Result<std::result::Result<Value, OAuthError>> {
    let token_hash = sha256_hex(refresh_token.as_bytes());
    let Some(row) = store::refresh(&op.sql, &token_hash)? else {
        return invalid("refresh token is invalid");
    };
    let Some(grant) = store::grant(&op.sql, &row.grant_id)? else {
        return invalid("refresh token is invalid");
    };
    if grant.client_id != client.client_id {
        return invalid("refresh token was issued to another client");
    }
    if row.rotated_at.is_some() {
        store::revoke_grant(&op.sql, &grant.id, op.now)?;
        return invalid("refresh token was already used; the token family is revoked");
    }
    if grant.revoked_at.is_some() || row.expires_at <= op.now.0 || grant.expires_at <= op.now.0 {
        return invalid("refresh token is revoked or expired");
    }
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
    store::mark_rotated(&op.sql, &token_hash, op.now)?;

    let user = super::users::user(op, &grant.user_id).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        store::revoke_grant(&op.sql, &grant.id, op.now)?;
        return invalid("the user can no longer sign in");
    };
    let issue = tokens::UserIssue {
        client,
        user: &user,
        scope: &narrowed,
        grant: &grant,
        refresh_expires_at: Some(grant.expires_at),
    };
    Ok(Ok(tokens::issue_for_user(op, &issue).await?))
}

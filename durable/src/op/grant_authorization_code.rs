//! `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §2.1.1).
//!
//! In order: the code exists and is unexpired; if it was redeemed before,
//! the grant it produced is revoked (RFC 6749 §4.1.2) and the request fails;
//! it was issued to this client, for this exact redirect_uri, and the PKCE
//! verifier matches. Only then is it marked redeemed — all without an await,
//! so it happens once — and nothing changes for a request that fails a check.

use super::{store, tokens, Op};
use crate::rng;
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::oauth::client::{Client, GrantType};
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::lifetimes::REFRESH_FAMILY_TTL_MS;
use aero2_core::oauth::pkce::{check_redemption, CodeChallenge, CodeVerifier};
use aero2_core::oauth::scope::Scope;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::Result;

/// What a code stands for, stored (by the code's digest) until redeemed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Scope,
    pub user_id: String,
    pub auth_time: i64,
    pub nonce: Option<String>,
    pub code_challenge: Option<CodeChallenge>,
    pub session_id: Option<String>,
}

fn invalid(msg: &str) -> Result<std::result::Result<Value, OAuthError>> {
    Ok(Err(OAuthError::InvalidGrant(msg.into())))
}

pub async fn exchange(
    op: &Op<'_>,
    client: &Client,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&CodeVerifier>,
) -> Result<std::result::Result<Value, OAuthError>> {
    let code_hash = sha256_hex(code.as_bytes());
    let Some(row) = store::code(&op.sql, &code_hash)? else {
        return invalid("authorization code is invalid");
    };
    if row.redeemed_at.is_some() {
        if let Some(grant_id) = &row.grant_id {
            store::revoke_grant(&op.sql, grant_id, op.now)?;
        }
        return invalid("authorization code was already used; tokens it issued are revoked");
    }
    if row.expires_at <= op.now.0 {
        return invalid("authorization code expired");
    }
    let Ok(cg) = serde_json::from_str::<CodeGrant>(&row.grant_json) else {
        return invalid("authorization code is invalid");
    };
    if cg.client_id != client.client_id {
        return invalid("authorization code was issued to another client");
    }
    if cg.redirect_uri != redirect_uri {
        return invalid("redirect_uri does not match the authorization request");
    }
    if let Err(e) = check_redemption(cg.code_challenge.as_ref(), verifier) {
        return Ok(Err(e));
    }
    let grant = store::Grant {
        id: format!("gr_{}", hex(&rng::bytes::<16>()?)),
        client_id: client.client_id.clone(),
        user_id: cg.user_id.clone(),
        scope: cg.scope.to_string(),
        auth_time: cg.auth_time,
        nonce: cg.nonce.clone(),
        session_id: cg.session_id.clone(),
        expires_at: op.now.plus_millis(REFRESH_FAMILY_TTL_MS).0,
        revoked_at: None,
    };
    store::mark_code_redeemed(&op.sql, &code_hash, &grant.id, op.now)?;
    store::create_grant(&op.sql, &grant, op.now)?;

    let user = super::users::user(op, &cg.user_id).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        store::revoke_grant(&op.sql, &grant.id, op.now)?;
        return invalid("the user can no longer sign in");
    };
    let refresh = cg.scope.contains("offline_access") && client.allows_grant(GrantType::RefreshToken);
    let issue = tokens::UserIssue {
        client,
        user: &user,
        scope: &cg.scope,
        grant: &grant,
        refresh_expires_at: refresh.then_some(grant.expires_at),
    };
    Ok(Ok(tokens::issue_for_user(op, &issue).await?))
}

//! `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §2.1.1).
//!
//! In order: the code exists and is unexpired; if it was redeemed before,
//! the grant it produced is revoked (RFC 6749 §4.1.2) and the request fails;
//! it was issued to this client, for this exact redirect_uri, and the PKCE
//! verifier matches. Then the tokens are signed, and only then, after the
//! same checks once more with no await before the writes, is the code
//! marked redeemed and the grant stored: a failure on the way leaves the
//! code unused, and a concurrent redemption is seen before anything is
//! written.

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
    /// The session's `amr` (a JSON array).
    #[serde(default)]
    pub amr: Option<String>,
}

fn invalid<T>(msg: &str) -> Result<std::result::Result<T, OAuthError>> {
    Ok(Err(OAuthError::InvalidGrant(msg.into())))
}

/// What the token request presents besides the code.
struct Presented<'a> {
    client: &'a Client,
    redirect_uri: &'a str,
    verifier: Option<&'a CodeVerifier>,
}

pub async fn exchange(
    op: &Op<'_>,
    client: &Client,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&CodeVerifier>,
) -> Result<std::result::Result<Value, OAuthError>> {
    let code_hash = sha256_hex(code.as_bytes());
    let presented = Presented { client, redirect_uri, verifier };
    let cg = match redeemable(op, &code_hash, &presented)? {
        Ok(cg) => cg,
        Err(e) => return Ok(Err(e)),
    };
    let user = super::users::user(op, &cg.user_id).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        return invalid("the user can no longer sign in");
    };
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
        amr: cg.amr.clone(),
    };
    let refresh = cg.scope.contains("offline_access") && client.allows_grant(GrantType::RefreshToken);
    let issue = tokens::UserIssue { client, user: &user, scope: &cg.scope, grant: &grant, refresh };
    let minted = tokens::mint_for_user(op, &issue).await?;
    // Awaits above let other requests run: check again, then store.
    if let Err(e) = redeemable(op, &code_hash, &presented)? {
        return Ok(Err(e));
    }
    store::mark_code_redeemed(&op.sql, &code_hash, &grant.id, op.now)?;
    store::create_grant(&op.sql, &grant, op.now)?;
    minted.bind(op)?;
    if let Some(r) = minted.refresh() {
        store::put_refresh(&op.sql, &r, op.now)?;
    }
    Ok(Ok(minted.body))
}

/// The code's grant if this request may redeem it now; a second redemption
/// revokes what the first one issued. Synchronous.
fn redeemable(op: &Op<'_>, code_hash: &str, p: &Presented<'_>) -> Result<std::result::Result<CodeGrant, OAuthError>> {
    let Some(row) = store::code(&op.sql, code_hash)? else {
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
    if cg.client_id != p.client.client_id {
        return invalid("authorization code was issued to another client");
    }
    if cg.redirect_uri != p.redirect_uri {
        return invalid("redirect_uri does not match the authorization request");
    }
    if let Err(e) = check_redemption(cg.code_challenge.as_ref(), p.verifier) {
        return Ok(Err(e));
    }
    Ok(Ok(cg))
}

//! Token revocation (RFC 7009). The client authenticates; a refresh token
//! revokes its whole grant (and the access tokens bound to it); an access
//! token is revoked on its own. Tokens that are invalid, unknown, already
//! revoked or another client's get the same 200 and change nothing (§2.2),
//! so the endpoint reveals nothing about tokens the client does not hold.

use super::{clients, oauth_json, signer, store, token_answer, Op};
use crate::fail::TokenResult;
use aero2_core::encoding::sha256_hex;
use aero2_core::jose::jws;
use aero2_core::jose::validate::{validate_access_token, DEFAULT_LEEWAY_SECS};
use aero2_core::oauth::client::Client;
use aero2_core::oauth::grant;
use aero2_core::time::UnixMillis;
use serde_json::json;
use worker::{Request, Response, Result};

pub async fn handle(req: Request, op: &Op<'_>) -> Result<Response> {
    token_answer(op, "revocation", serve(req, op).await)
}

async fn serve(mut req: Request, op: &Op<'_>) -> TokenResult<Response> {
    let (params, client) = clients::authenticated_form(&mut req, op).await?;
    let token = params.require("token")?.to_owned();
    // token_type_hint is only a hint (§2.1): both kinds are tried.
    if !revoke_refresh(op, &client, &token)? {
        revoke_access(op, &client, &token).await?;
    }
    Ok(oauth_json(200, &json!({}))?)
}

/// Whether `token` was a refresh token (then its writes are applied).
fn revoke_refresh(op: &Op<'_>, client: &Client, token: &str) -> Result<bool> {
    let r = store::refresh_records(&op.sql, &sha256_hex(token.as_bytes()))?;
    let Some(writes) = grant::revoke_refresh(r.token.as_ref(), r.grant.as_ref(), &client.client_id, op.now) else {
        return Ok(false);
    };
    store::apply(&op.sql, &writes, op.now)?;
    Ok(true)
}

async fn revoke_access(op: &Op<'_>, client: &Client, token: &str) -> Result<()> {
    let Ok(parsed) = jws::parse(token) else { return Ok(()) };
    if !signer::verify(op.env, op.app, &op.caches.keys, &parsed, op.now).await? {
        return Ok(());
    }
    let Ok(claims) = validate_access_token(&parsed.claims, &parsed.header, &op.issuer, op.now, DEFAULT_LEEWAY_SECS) else {
        return Ok(());
    };
    if claims.client_id == client.client_id {
        store::revoke_access_token(&op.sql, &claims.jti, UnixMillis(claims.exp.saturating_mul(1000)))?;
    }
    Ok(())
}

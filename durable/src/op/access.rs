//! Checking one of our own access tokens: signature by a published key of
//! this application, RFC 9068 claims (`typ`, `iss`, `exp`, …), that
//! neither the token nor its grant was revoked, and that the client it was
//! issued to still exists and is enabled.

use super::{clients, signer, Op};
use aero2_core::jose::claims::AccessTokenClaims;
use aero2_core::jose::jws;
use aero2_core::jose::validate::{validate_access_token, DEFAULT_LEEWAY_SECS};
use aero2_core::oauth::error::OAuthError;
use worker::Result;

fn invalid() -> OAuthError {
    OAuthError::InvalidToken("the access token is invalid, expired or revoked".into())
}

pub async fn verify(op: &Op<'_>, token: &str) -> Result<std::result::Result<AccessTokenClaims, OAuthError>> {
    let Ok(parsed) = jws::parse(token) else {
        return Ok(Err(invalid()));
    };
    if !signer::verify(op.env, op.app, &op.caches.keys, &parsed, op.now).await? {
        return Ok(Err(invalid()));
    }
    let Ok(claims) = validate_access_token(&parsed.claims, &parsed.header, &op.issuer, op.now, DEFAULT_LEEWAY_SECS) else {
        return Ok(Err(invalid()));
    };
    // Asked of the shard that issued it (`op::grants`): another object's
    // storage never heard of its revocation.
    if !super::grants::token_live(op, &claims.jti).await? {
        return Ok(Err(invalid()));
    }
    if clients::find(op, &claims.client_id).await?.is_none() {
        return Ok(Err(invalid()));
    }
    Ok(Ok(claims))
}

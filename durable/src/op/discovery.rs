//! Provider metadata and the JWKS. Both are public and cacheable. The
//! front Worker answers `GET` of both itself from its caches
//! (`aero2_core::routes::op::at_edge`); these answer a request that reaches
//! the object all the same (a Worker without an issuer for the host).

use super::{signer, Op};
use aero2_core::oauth::discovery;
use worker::{Headers, Response, Result};

fn cacheable_json(body: &serde_json::Value, max_age: u32) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", &discovery::public_cache_control(max_age))?;
    Ok(Response::from_json(body)?.with_headers(headers))
}

pub fn metadata(op: &Op<'_>) -> Result<Response> {
    cacheable_json(&discovery::metadata(&op.issuer), discovery::METADATA_MAX_AGE_SECONDS)
}

/// Public keys only: pending (published ahead of use), active, and retired
/// keys whose tokens may still be live. Five minutes of caching, well under
/// the hour a new key is published before it signs.
pub async fn jwks(op: &Op<'_>) -> Result<Response> {
    let jwks = signer::cached_jwks(op.env, op.app, &op.caches.keys, op.now).await?;
    cacheable_json(&serde_json::to_value(&jwks)?, discovery::JWKS_MAX_AGE_SECONDS)
}

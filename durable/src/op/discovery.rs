//! Provider metadata and the JWKS. Both are public and cacheable.

use super::{signer, Op};
use aero2_core::oauth::discovery;
use worker::{Headers, Response, Result};

fn cacheable_json(body: &serde_json::Value, max_age: u32) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", &format!("public, max-age={max_age}"))?;
    Ok(Response::from_json(body)?.with_headers(headers))
}

pub fn metadata(op: &Op<'_>) -> Result<Response> {
    cacheable_json(&discovery::metadata(&op.issuer), 3_600)
}

/// Public keys only: pending (published ahead of use), active, and retired
/// keys whose tokens may still be live. Five minutes of caching, well under
/// the hour a new key is published before it signs.
pub async fn jwks(op: &Op<'_>) -> Result<Response> {
    let jwks = signer::cached_jwks(op.env, &op.app.id, &op.caches.keys, op.now).await?;
    cacheable_json(&serde_json::to_value(&jwks)?, 300)
}

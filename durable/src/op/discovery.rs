//! Provider metadata and the JWKS. Both are public and cacheable. The
//! front Worker answers `GET` of both itself from its caches
//! (`aero2_core::routes::op::at_edge`); these answer a request that reaches
//! the object all the same (a Worker without an issuer for the host).

use super::{signer, Op};
use crate::respond::public_json;
use aero2_core::oauth::discovery;
use worker::{Response, Result};

pub fn metadata(op: &Op<'_>) -> Result<Response> {
    public_json(&discovery::metadata(&op.issuer).to_string(), discovery::METADATA_MAX_AGE_SECONDS)
}

/// Public keys only: pending (published ahead of use), active, and retired
/// keys whose tokens may still be live. Five minutes of caching, well under
/// the hour a new key is published before it signs.
pub async fn jwks(op: &Op<'_>) -> Result<Response> {
    let jwks = signer::cached_jwks(op.env, op.app, &op.caches.keys, op.now).await?;
    public_json(&serde_json::to_string(&jwks)?, discovery::JWKS_MAX_AGE_SECONDS)
}

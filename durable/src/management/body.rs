//! Reading a JSON request body, bounded in size.

use aero2_core::error::ApiError;
use serde_json::Value;
use worker::{Request, Result};

const MAX_BODY_BYTES: usize = 64 * 1024;

pub async fn json(mut req: Request) -> Result<std::result::Result<Value, ApiError>> {
    let declared = req.headers().get("content-length")?.and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Ok(Err(ApiError::PayloadTooLarge));
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Ok(Err(ApiError::PayloadTooLarge));
    }
    if bytes.is_empty() {
        return Ok(Err(ApiError::InvalidBody("a JSON body is required".into())));
    }
    Ok(serde_json::from_slice(&bytes).map_err(|_| ApiError::InvalidBody("body must be valid JSON".into())))
}

//! Reading a request: its JSON body, bounded in size, and its query.

use crate::fail::ApiResult;
use aero2_core::error::ApiError;
use serde_json::Value;
use worker::Request;

const MAX_BODY_BYTES: usize = 64 * 1024;

/// The query's pairs, decoded, in order.
pub fn query(req: &Request) -> worker::Result<Vec<(String, String)>> {
    Ok(req.url()?.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
}

pub async fn json(req: Request) -> ApiResult<Value> {
    Ok(optional_json(req).await?.ok_or_else(|| ApiError::InvalidBody("a JSON body is required".into()))?)
}

/// For endpoints whose body may be left out: an empty body is `None`.
pub async fn optional_json(mut req: Request) -> ApiResult<Option<Value>> {
    let declared = req.headers().get("content-length")?.and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::PayloadTooLarge.into());
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge.into());
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    Ok(serde_json::from_slice(&bytes).map(Some).map_err(|_| ApiError::InvalidBody("body must be valid JSON".into()))?)
}

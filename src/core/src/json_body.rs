//! Shared rules for the management API's JSON bodies, parsed by hand so
//! every rejection names its field.

use crate::error::ApiError;
use serde_json::{Map, Value};

/// Longest display name (applications, clients, keys, users).
pub const MAX_NAME_CHARS: usize = 100;

pub fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::InvalidBody("body must be a JSON object".into()))
}

/// Refuses a body with members the endpoint does not take, naming one.
pub fn reject_unknown(obj: &Map<String, Value>, known: &[&str]) -> Result<(), ApiError> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::InvalidBody(format!("unknown field '{}'", truncate(k, 64)))),
        None => Ok(()),
    }
}

/// At most `max` characters of `s`, for echoing input in an error safely.
#[must_use]
pub fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A display name: a string, trimmed, 1 to 100 characters, no control
/// characters. Absent is an error only when `required`.
pub fn name(field: &'static str, v: Option<&Value>, required: bool) -> Result<Option<String>, ApiError> {
    let Some(v) = v else {
        return if required { Err(ApiError::invalid(field, "is required")) } else { Ok(None) };
    };
    let s = v.as_str().ok_or_else(|| ApiError::invalid(field, "must be a string"))?.trim();
    if s.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if s.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_NAME_CHARS} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, "must not contain control characters"));
    }
    Ok(Some(s.to_owned()))
}

//! What every paged list of the management API shares: its `limit`, and
//! the answer to a query parameter it does not know.

use crate::error::ApiError;
use crate::json_body::truncate;

/// `limit`: an integer from 1 to `max`.
///
/// # Errors
/// 400 naming `limit`.
pub fn limit(v: &str, max: usize) -> Result<usize, ApiError> {
    v.parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| ApiError::invalid("limit", format!("must be an integer from 1 to {max}")))
}

/// The refusal of a parameter the list does not take.
#[must_use]
pub fn unknown(name: &str) -> ApiError {
    ApiError::invalid("query", format!("unknown parameter {}", truncate(name, 40)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_whole_numbers_in_range() {
        assert_eq!(limit("1", 200).unwrap(), 1);
        assert_eq!(limit("200", 200).unwrap(), 200);
        for bad in ["0", "201", "-1", "1.5", "", "ten"] {
            assert!(matches!(limit(bad, 200), Err(ApiError::InvalidField { field: "limit", .. })), "{bad}");
        }
        assert!(matches!(unknown("sort"), ApiError::InvalidField { field: "query", .. }));
    }
}

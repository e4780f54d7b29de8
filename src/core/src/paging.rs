//! What every paged list of the management API shares: its `limit`, the
//! answer to a query parameter it does not know, and where a page ends.

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

/// A page read with one row more than `limit` (to learn whether more
/// follow) cut back to `limit`; the cursor of its last row when more follow.
pub fn cut<T>(rows: &mut Vec<T>, limit: usize, cursor: impl Fn(&T) -> String) -> Option<String> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    rows.last().filter(|_| more).map(cursor)
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

    #[test]
    fn a_page_read_one_long_is_cut_and_names_where_it_ended() {
        let mut more = vec![1, 2, 3];
        assert_eq!(cut(&mut more, 2, i32::to_string).as_deref(), Some("2"));
        assert_eq!(more, [1, 2]);
        let mut last = vec![1, 2];
        assert_eq!(cut(&mut last, 2, i32::to_string), None);
        assert_eq!(last, [1, 2]);
        assert_eq!(cut(&mut Vec::<i32>::new(), 2, i32::to_string), None);
    }
}

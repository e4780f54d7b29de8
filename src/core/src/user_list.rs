//! One page of an application's users, for the management API and the
//! Dashboard: oldest first, optionally only those whose email contains a
//! search string, continued after the last user of the previous page. The
//! cursor names that user's place (creation time and id), not the user, so
//! a page goes on where it was even if that user has since been deleted.

use crate::error::ApiError;
use crate::ids::{is_id, IdKind};

pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;
/// A search longer than any address is a mistake, not a search.
const MAX_SEARCH: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Lower-cased; matches anywhere in the email.
    pub email: Option<String>,
    /// The page starts after this place (creation time, user id).
    pub after: Option<Cursor>,
    pub limit: usize,
}

/// Where a page ends: `<created_at>.<user id>` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub user_id: String,
}

impl Cursor {
    #[must_use]
    pub fn of(created_at: i64, user_id: &str) -> Cursor {
        Cursor { created_at, user_id: user_id.to_owned() }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Cursor> {
        let (at, id) = s.split_once('.')?;
        let created_at = at.parse::<i64>().ok().filter(|n| *n >= 0 && at.bytes().all(|b| b.is_ascii_digit()))?;
        is_id(IdKind::User, id).then(|| Cursor { created_at, user_id: id.to_owned() })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.created_at, self.user_id)
    }
}

impl Query {
    /// From the query's pairs: `email` (a part of the address), `after`
    /// (a previous page's `next_after`), `limit` (1 to 200, default 50).
    ///
    /// # Errors
    /// 400 naming the parameter.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Query, ApiError> {
        let mut q = Query { email: None, after: None, limit: DEFAULT_PAGE };
        for (k, v) in pairs {
            match k.as_str() {
                "email" => {
                    let s = v.trim().to_lowercase();
                    if s.chars().count() > MAX_SEARCH || s.chars().any(char::is_control) {
                        return Err(ApiError::invalid("email", format!("must be at most {MAX_SEARCH} printable characters")));
                    }
                    q.email = (!s.is_empty()).then_some(s);
                }
                "after" => {
                    q.after = Some(Cursor::parse(v).ok_or_else(|| ApiError::invalid("after", "must be a previous page's next_after"))?);
                }
                "limit" => q.limit = crate::paging::limit(v, MAX_PAGE)?,
                other => return Err(crate::paging::unknown(other)),
            }
        }
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_query_is_read_or_refused_by_name() {
        assert_eq!(Query::from_query(&[]).unwrap(), Query { email: None, after: None, limit: 50 });
        let q = Query::from_query(&pairs(&[("email", " Ann@Example "), ("limit", "2"), ("after", "17.usr_0123456789abcdef0123456789abcdef")])).unwrap();
        assert_eq!(q.after, Some(Cursor::of(17, "usr_0123456789abcdef0123456789abcdef")));
        assert_eq!(q.after.map(|c| c.to_string()).as_deref(), Some("17.usr_0123456789abcdef0123456789abcdef"));
        assert_eq!(q.email.as_deref(), Some("ann@example"));
        assert_eq!(q.limit, 2);
        assert_eq!(Query::from_query(&pairs(&[("email", "")])).unwrap().email, None);
        for (k, v, field) in [
            ("limit", "0", "limit"),
            ("limit", "201", "limit"),
            ("after", "usr_0123456789abcdef0123456789abcdef", "after"),
            ("after", "-1.usr_0123456789abcdef0123456789abcdef", "after"),
            ("after", "1.rol_0123456789abcdef0123456789abcdef", "after"),
            ("sort", "x", "query"),
        ] {
            match Query::from_query(&pairs(&[(k, v)])) {
                Err(ApiError::InvalidField { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
    }
}

//! Sign-in by email without a password: one mail carries a 6-digit code
//! and a link, both for the same pending sign-in, both single-use within
//! 10 minutes, both good only in the browser that asked (a cookie whose
//! digest the pending sign-in keeps). The link's GET only shows a button;
//! the POST from that browser signs in, so a mail scanner that fetches
//! links uses nothing up. Wrong codes are counted: the fifth ends the
//! pending sign-in.

use crate::encoding::sha256_hex;
use crate::secret::constant_time_eq;
pub use crate::one_time_code::code;

pub const TTL_MS: i64 = 10 * 60_000;
pub use crate::one_time_code::MAX_ATTEMPTS;

/// What is stored for `code` of the pending sign-in `handle`.
#[must_use]
pub fn code_digest(handle: &str, code: &str) -> String {
    crate::one_time_code::digest("email", handle, code)
}

/// Whether `typed` is the code whose digest is `stored`.
#[must_use]
pub fn code_matches(handle: &str, typed: &str, stored: &str) -> bool {
    crate::one_time_code::matches("email", handle, typed, stored)
}

/// The digest of the browser's cookie that a pending sign-in keeps.
#[must_use]
pub fn browser_digest(cookie: &str) -> String {
    sha256_hex(format!("aero2-email-browser:{cookie}").as_bytes())
}

/// Whether the request's cookie is the browser that asked.
#[must_use]
pub fn same_browser(cookie: Option<&str>, stored: &str) -> bool {
    cookie.is_some_and(|c| !c.is_empty() && constant_time_eq(browser_digest(c).as_bytes(), stored.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_bound_to_their_sign_in() {
        let stored = code_digest("h1", "123456");
        assert!(code_matches("h1", "123 456", &stored) && code_matches("h1", "123-456", &stored));
        assert!(!code_matches("h2", "123456", &stored), "bound to its sign-in");
        assert!(!code_matches("h1", "123457", &stored));
        assert!(!stored.contains("123456"));
    }

    #[test]
    fn only_the_browser_that_asked_counts() {
        let stored = browser_digest("nonce-1");
        assert!(same_browser(Some("nonce-1"), &stored));
        assert!(!same_browser(Some("nonce-2"), &stored));
        assert!(!same_browser(None, &stored) && !same_browser(Some(""), &browser_digest("")));
    }
}

//! Sign-in by email without a password: one mail carries a 6-digit code
//! and a link, both for the same pending sign-in, both single-use within
//! 10 minutes, both good only in the browser that asked (a cookie whose
//! digest the pending sign-in keeps). The link's GET only shows a button;
//! the POST from that browser signs in, so a mail scanner that fetches
//! links uses nothing up. Wrong codes are counted: the fifth ends the
//! pending sign-in.

use crate::encoding::sha256_hex;
use crate::secret::constant_time_eq;

pub const CODE_DIGITS: usize = 6;
pub const TTL_MS: i64 = 10 * 60_000;
/// Wrong codes a pending sign-in takes before it ends.
pub const MAX_ATTEMPTS: u32 = 5;

/// A 6-digit code from 8 random bytes (the modulo bias is below 2^-40).
#[must_use]
pub fn code(entropy: &[u8; 8]) -> String {
    format!("{:06}", u64::from_be_bytes(*entropy) % 1_000_000)
}

/// What is stored for `code` of the pending sign-in `handle` (never the
/// code itself).
#[must_use]
pub fn code_digest(handle: &str, code: &str) -> String {
    let typed: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    sha256_hex(format!("aero2-email-code:{handle}:{typed}").as_bytes())
}

/// Whether `typed` is the code whose digest is `stored`.
#[must_use]
pub fn code_matches(handle: &str, typed: &str, stored: &str) -> bool {
    constant_time_eq(code_digest(handle, typed).as_bytes(), stored.as_bytes())
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
    fn codes_are_six_digits_and_typed_loosely() {
        assert_eq!(code(&[0; 8]), "000000");
        assert_eq!(code(&[0, 0, 0, 0, 0, 0, 0x03, 0xe7]), "000999");
        assert_eq!(code(&[0xff; 8]).len(), CODE_DIGITS);
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

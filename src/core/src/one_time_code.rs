//! Short numeric codes sent to a person (by email, by SMS): six digits
//! from random bytes, stored only as a digest bound to what they are for
//! (`purpose`) and to the one pending operation (`handle`), so a code is
//! worth nothing anywhere else. Typed loosely: spaces and dashes are
//! ignored.

use crate::encoding::sha256_hex;
use crate::secret::constant_time_eq;

pub const DIGITS: usize = 6;
/// Wrong codes a pending operation takes before it ends.
pub const MAX_ATTEMPTS: u32 = 5;

/// A 6-digit code from 8 random bytes (the modulo bias is below 2^-40).
#[must_use]
pub fn code(entropy: &[u8; 8]) -> String {
    format!("{:06}", u64::from_be_bytes(*entropy) % 1_000_000)
}

/// What is stored for `code` (never the code itself).
#[must_use]
pub fn digest(purpose: &str, handle: &str, code: &str) -> String {
    let typed: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    sha256_hex(format!("aero2-code:{purpose}:{handle}:{typed}").as_bytes())
}

/// Whether `typed` is the code whose digest is `stored`.
#[must_use]
pub fn matches(purpose: &str, handle: &str, typed: &str, stored: &str) -> bool {
    constant_time_eq(digest(purpose, handle, typed).as_bytes(), stored.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_bound_to_their_purpose_and_typed_loosely() {
        assert_eq!(code(&[0; 8]), "000000");
        assert_eq!(code(&[0, 0, 0, 0, 0, 0, 0x03, 0xe7]), "000999");
        assert_eq!(code(&[0xff; 8]).len(), DIGITS);
        let stored = digest("email", "h1", "123456");
        assert!(matches("email", "h1", "123 456", &stored) && matches("email", "h1", "123-456", &stored));
        assert!(!matches("email", "h2", "123456", &stored), "bound to its operation");
        assert!(!matches("sms", "h1", "123456", &stored), "bound to its purpose");
        assert!(!matches("email", "h1", "123457", &stored));
        assert!(!stored.contains("123456"));
    }
}

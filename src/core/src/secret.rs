//! Secret values: redacted in `Debug`, read deliberately through `.secret()`,
//! compared in constant time. Modelled on oauth2-rs `new_secret_type!`.

use std::fmt;

/// A secret string (an API key, the operator credential). No `Clone`,
/// no `Display`: copying or printing one has to be spelled out.
pub struct SecretString(String);

impl SecretString {
    #[must_use]
    pub fn new(value: String) -> Self {
        Self(value)
    }

    #[must_use]
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

/// Equality whose running time depends only on the lengths, not on where the
/// inputs first differ. Callers compare fixed-length digests, so the length
/// check leaks nothing secret.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let s = SecretString::new("sk_live_abcdef".into());
        assert_eq!(format!("{s:?}"), "SecretString([redacted])");
        assert_eq!(s.secret(), "sk_live_abcdef");
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}

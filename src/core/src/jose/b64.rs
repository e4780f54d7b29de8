//! base64url without padding, the encoding of every JOSE segment and key
//! member (RFC 7515 §2 "Base64url Encoding", Appendix C).
//!
//! Decoding is strict: padding, the standard alphabet (`+`, `/`), whitespace
//! and non-canonical trailing bits are all rejected. Exactly one encoding per
//! byte string means a token cannot be re-spelled into a different string
//! that still verifies, so byte-equality checks on tokens stay meaningful.

use crate::jose::JoseError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

#[must_use]
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `URL_SAFE_NO_PAD` already requires no padding and canonical trailing bits;
/// this wrapper only maps the error into ours.
pub fn decode(text: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| JoseError::Malformed("invalid base64url"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length_mod_three() {
        for len in 0..=9u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(97).wrapping_add(251)).collect();
            let text = encode(&bytes);
            assert!(!text.contains('='), "{text}");
            assert_eq!(decode(&text).unwrap(), bytes);
        }
    }

    #[test]
    fn uses_the_url_safe_alphabet() {
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
        // RFC 7515 Appendix C's example octets.
        assert_eq!(encode([3, 236, 255, 224, 193]), "A-z_4ME");
    }

    #[test]
    fn empty_is_empty() {
        assert_eq!(encode([]), "");
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn rejects_padding_standard_alphabet_and_whitespace() {
        let bad = JoseError::Malformed("invalid base64url");
        for text in ["QQ==", "QQ=", "A-z_4ME=", "+/8", "Q Q", "QQ\n", "QQ.", "Zm9v\u{e9}"] {
            assert_eq!(decode(text), Err(bad.clone()), "{text:?}");
        }
    }

    #[test]
    fn rejects_impossible_lengths_and_non_canonical_trailing_bits() {
        // A single leftover character cannot encode a whole byte.
        assert!(decode("Q").is_err());
        assert!(decode("QUJDR").is_err());
        // "QQ" is 0x41; "QR" decodes to the same byte with a stray set bit.
        assert_eq!(decode("QQ").unwrap(), b"A".to_vec());
        assert!(decode("QR").is_err());
        assert_eq!(decode("QUI").unwrap(), b"AB".to_vec());
        assert!(decode("QUJ").is_err());
    }
}

//! The JWS algorithms Aero2 signs with (RFC 7518 §3.1).
//!
//! RS256 because OIDC Core §15.1 makes it mandatory to offer; ES256 because
//! it is small and fast. Nothing else is accepted when parsing, `none` above
//! all (RFC 8725 §3.1): an algorithm we never issue can only be an attack.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). WebCrypto
    /// `RSASSA-PKCS1-v1_5` / `SHA-256`; the signature is as long as the modulus.
    RS256,
    /// ECDSA on P-256 with SHA-256 (RFC 7518 §3.4). The JWS signature is the
    /// raw 64-byte `r || s`, not DER, which is exactly what WebCrypto's
    /// `ECDSA` sign returns and verify takes.
    ES256,
}

impl Alg {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::ES256 => "ES256",
        }
    }

    /// Case-sensitive, as JOSE names are (RFC 7515 §4.1.1).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "RS256" => Some(Alg::RS256),
            "ES256" => Some(Alg::ES256),
            _ => None,
        }
    }

    /// Output length in bytes of the hash the algorithm signs with; OIDC's
    /// `at_hash` keeps its left half (OIDC Core §3.1.3.6).
    #[must_use]
    pub fn hash_len(self) -> usize {
        match self {
            Alg::RS256 | Alg::ES256 => 32,
        }
    }

    /// The fixed signature length, where the algorithm has one: ES256's
    /// `r || s` is always 64 bytes (RFC 7518 §3.4); RS256's depends on the key.
    #[must_use]
    pub fn signature_len(self) -> Option<usize> {
        match self {
            Alg::RS256 => None,
            Alg::ES256 => Some(64),
        }
    }

    /// The JWK `kty` of keys that sign with this algorithm (RFC 7518 §6.1).
    #[must_use]
    pub fn kty(self) -> &'static str {
        match self {
            Alg::RS256 => "RSA",
            Alg::ES256 => "EC",
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_and_serde() {
        for alg in [Alg::RS256, Alg::ES256] {
            assert_eq!(Alg::parse(alg.as_str()), Some(alg));
            let json = serde_json::to_string(&alg).unwrap();
            assert_eq!(json, format!("\"{alg}\""));
            assert_eq!(serde_json::from_str::<Alg>(&json).unwrap(), alg);
        }
    }

    #[test]
    fn refuses_none_and_everything_we_do_not_issue() {
        for name in ["none", "None", "HS256", "rs256", "es256", "PS256", "ES384", "EdDSA", ""] {
            assert_eq!(Alg::parse(name), None, "{name}");
            assert!(serde_json::from_str::<Alg>(&format!("\"{name}\"")).is_err(), "{name}");
        }
    }

    #[test]
    fn sizes_match_rfc_7518() {
        assert_eq!(Alg::RS256.hash_len(), 32);
        assert_eq!(Alg::ES256.hash_len(), 32);
        assert_eq!(Alg::ES256.signature_len(), Some(64));
        assert_eq!(Alg::RS256.signature_len(), None);
        assert_eq!(Alg::RS256.kty(), "RSA");
        assert_eq!(Alg::ES256.kty(), "EC");
    }
}

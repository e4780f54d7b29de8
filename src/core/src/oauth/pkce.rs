//! PKCE (RFC 7636), S256 only.
//!
//! Rules enforced:
//! - `code_challenge` is required when the client requires PKCE (every public
//!   client does; RFC 9700 §2.1.1), and optional but checked otherwise.
//! - `code_challenge_method` must be `S256`. An absent method means `plain`
//!   (RFC 7636 §4.3), and `plain` is refused: it protects nothing once the
//!   authorization request leaks (RFC 9700 §2.1.1).
//! - `code_challenge_method` without `code_challenge` is malformed.
//! - A challenge is 43 characters of base64url, the length of an unpadded
//!   SHA-256 digest (RFC 7636 §4.2).
//! - A verifier is 43 to 128 characters of `[A-Z a-z 0-9 - . _ ~]`
//!   (RFC 7636 §4.1); a malformed one is `invalid_request`, a wrong one
//!   `invalid_grant` (§4.6).
//! - A code issued with a challenge needs a verifier to redeem it, and one
//!   issued without a challenge must not be redeemed with a verifier: that
//!   would be a PKCE downgrade (RFC 9700 §2.1.1).

use super::error::OAuthError;
use crate::secret::constant_time_eq;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

pub const S256: &str = "S256";
const CHALLENGE_LEN: usize = 43;

/// A well-formed S256 code challenge, kept with the authorization request
/// until the code is redeemed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CodeChallenge(String);

impl CodeChallenge {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CodeChallenge {
    type Error = OAuthError;
    fn try_from(s: String) -> Result<Self, OAuthError> {
        let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if s.len() != CHALLENGE_LEN || !s.bytes().all(base64url) {
            return Err(OAuthError::InvalidRequest(
                "code_challenge must be 43 characters of base64url (an S256 digest)".into(),
            ));
        }
        Ok(Self(s))
    }
}

impl From<CodeChallenge> for String {
    fn from(c: CodeChallenge) -> Self {
        c.0
    }
}

/// A well-formed code verifier. Not `Clone`, and redacted in `Debug`: it is
/// the proof of possession for one code.
pub struct CodeVerifier(String);

impl CodeVerifier {
    pub fn parse(s: &str) -> Result<Self, OAuthError> {
        let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        if !(43..=128).contains(&s.len()) || !s.bytes().all(unreserved) {
            return Err(OAuthError::InvalidRequest(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~".into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

/// Checks the PKCE parameters of an authorization request.
pub fn check_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
    required: bool,
) -> Result<Option<CodeChallenge>, OAuthError> {
    let Some(challenge) = challenge else {
        if method.is_some() {
            return Err(OAuthError::InvalidRequest("code_challenge_method given without code_challenge".into()));
        }
        if required {
            return Err(OAuthError::InvalidRequest("code_challenge required".into()));
        }
        return Ok(None);
    };
    if method != Some(S256) {
        // RFC 7636 §4.4.1 names the description for an unsupported method.
        return Err(OAuthError::InvalidRequest(
            "transform algorithm not supported: code_challenge_method must be S256".into(),
        ));
    }
    CodeChallenge::try_from(challenge.to_owned()).map(Some)
}

/// Whether `verifier` hashes to `challenge` (RFC 7636 §4.6).
#[must_use]
pub fn verify(verifier: &CodeVerifier, challenge: &CodeChallenge) -> bool {
    constant_time_eq(s256_challenge(&verifier.0).as_bytes(), challenge.0.as_bytes())
}

/// `BASE64URL(SHA256(verifier))`, the S256 `code_challenge` (RFC 7636 §4.2);
/// also what the Relying Party sends upstream.
#[must_use]
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The PKCE check at code redemption, given what the code was issued with.
pub fn check_redemption(issued_with: Option<&CodeChallenge>, verifier: Option<&CodeVerifier>) -> Result<(), OAuthError> {
    match (issued_with, verifier) {
        (None, None) => Ok(()),
        (Some(c), Some(v)) if verify(v, c) => Ok(()),
        (Some(_), Some(_)) => Err(OAuthError::InvalidGrant("code_verifier does not match code_challenge".into())),
        (Some(_), None) => Err(OAuthError::InvalidGrant("code_verifier required".into())),
        (None, Some(_)) => Err(OAuthError::InvalidGrant(
            "code_verifier given for a code issued without code_challenge".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn challenge() -> CodeChallenge {
        check_challenge(Some(CHALLENGE), Some("S256"), true).unwrap().unwrap()
    }

    #[test]
    fn rfc7636_appendix_b_vector_verifies() {
        let v = CodeVerifier::parse(VERIFIER).unwrap();
        assert!(verify(&v, &challenge()));
        let other = CodeVerifier::parse(&"a".repeat(43)).unwrap();
        assert!(!verify(&other, &challenge()));
    }

    #[test]
    fn challenge_rules() {
        let err = |c: Option<&str>, m: Option<&str>, req| check_challenge(c, m, req).unwrap_err().code();
        assert_eq!(err(None, None, true), "invalid_request");
        assert_eq!(check_challenge(None, None, true).unwrap_err().description(), "code_challenge required");
        assert_eq!(check_challenge(None, None, false).unwrap(), None);
        assert_eq!(err(None, Some("S256"), false), "invalid_request");
        assert_eq!(err(Some(CHALLENGE), None, false), "invalid_request");
        assert_eq!(err(Some(CHALLENGE), Some("plain"), false), "invalid_request");
        assert_eq!(err(Some(CHALLENGE), Some("s256"), false), "invalid_request");
        assert_eq!(err(Some(&CHALLENGE[..42]), Some("S256"), false), "invalid_request");
        assert_eq!(err(Some(&format!("{CHALLENGE}A")), Some("S256"), false), "invalid_request");
        assert_eq!(err(Some(&format!("{}=", &CHALLENGE[..42])), Some("S256"), false), "invalid_request");
        assert_eq!(err(Some(&CHALLENGE.replace('-', "+")), Some("S256"), false), "invalid_request");
        assert_eq!(challenge().as_str(), CHALLENGE);
    }

    #[test]
    fn verifier_shape() {
        assert!(CodeVerifier::parse(&"~".repeat(43)).is_ok());
        assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
        for bad in ["a".repeat(42), "a".repeat(129), format!("{}+", "a".repeat(42)), format!("{} ", "a".repeat(43))] {
            assert_eq!(CodeVerifier::parse(&bad).unwrap_err().code(), "invalid_request", "{bad}");
        }
        assert_eq!(format!("{:?}", CodeVerifier::parse(VERIFIER).unwrap()), "CodeVerifier([redacted])");
    }

    #[test]
    fn redemption_refuses_mismatch_and_downgrade() {
        let c = challenge();
        let good = CodeVerifier::parse(VERIFIER).unwrap();
        let bad = CodeVerifier::parse(&"b".repeat(43)).unwrap();
        assert!(check_redemption(Some(&c), Some(&good)).is_ok());
        assert!(check_redemption(None, None).is_ok());
        assert_eq!(check_redemption(Some(&c), Some(&bad)).unwrap_err().code(), "invalid_grant");
        assert_eq!(check_redemption(Some(&c), None).unwrap_err().code(), "invalid_grant");
        assert_eq!(check_redemption(None, Some(&good)).unwrap_err().code(), "invalid_grant");
    }

    #[test]
    fn stored_challenges_are_revalidated() {
        let json = serde_json::to_string(&challenge()).unwrap();
        assert_eq!(json, format!("\"{CHALLENGE}\""));
        assert_eq!(serde_json::from_str::<CodeChallenge>(&json).unwrap(), challenge());
        assert!(serde_json::from_str::<CodeChallenge>("\"short\"").is_err());
    }
}

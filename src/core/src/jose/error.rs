//! The one error type of [`crate::jose`].
//!
//! Every variant is the presenter's fault: a token or key that is malformed,
//! forged, stale or meant for someone else. The variants are precise so logs
//! say what was wrong; a protocol response maps them all to the one RFC code
//! its endpoint has (`invalid_token`, RFC 6750 §3.1; `invalid_request` for an
//! `id_token_hint`), because telling an attacker *which* check failed helps
//! only the attacker.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoseError {
    /// Not a compact JWS, not base64url, not JSON, or a JOSE member of the
    /// wrong type. The text names what was wrong, for logs.
    Malformed(&'static str),
    /// Longer than [`crate::jose::jws::MAX_TOKEN_LEN`].
    TooLarge,
    /// `alg` is `none`, unknown, or does not fit the key (RFC 8725 §3.1:
    /// only the algorithms we issue are accepted); or an unknown key type.
    UnsupportedAlg,
    /// The header has `crit`: we understand no extension, so RFC 7515
    /// §4.1.11 requires rejecting it.
    UnsupportedCritical,
    /// No `kid`: every key we publish has one, so its absence means the
    /// token is not ours.
    MissingKid,
    /// The signature does not verify under the key `kid` names.
    BadSignature,
    /// `exp` is past, beyond the leeway (RFC 7519 §4.1.4).
    Expired,
    /// `nbf` or `iat` is in the future, beyond the leeway (RFC 7519 §4.1.5).
    NotYetValid,
    /// `iss` is not this issuer (RFC 9068 §4, OIDC Core §3.1.3.7 step 2).
    WrongIssuer,
    /// `aud` does not name the expected audience.
    WrongAudience,
    /// The header `typ` is not the one this kind of token carries
    /// (RFC 9068 §2.1, RFC 8725 §3.11).
    WrongType,
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// A claim is present with the wrong JSON type or an invalid value.
    InvalidClaim(&'static str),
}

impl fmt::Display for JoseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoseError::Malformed(what) => write!(f, "malformed JOSE object: {what}"),
            JoseError::TooLarge => f.write_str("token too large"),
            JoseError::UnsupportedAlg => f.write_str("unsupported algorithm or key type"),
            JoseError::UnsupportedCritical => f.write_str("unsupported critical header parameter"),
            JoseError::MissingKid => f.write_str("header has no kid"),
            JoseError::BadSignature => f.write_str("signature does not verify"),
            JoseError::Expired => f.write_str("token expired"),
            JoseError::NotYetValid => f.write_str("token not yet valid"),
            JoseError::WrongIssuer => f.write_str("wrong issuer"),
            JoseError::WrongAudience => f.write_str("wrong audience"),
            JoseError::WrongType => f.write_str("wrong token type"),
            JoseError::MissingClaim(c) => write!(f, "missing claim '{c}'"),
            JoseError::InvalidClaim(c) => write!(f, "invalid claim '{c}'"),
        }
    }
}

impl std::error::Error for JoseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_claim_for_logs() {
        assert_eq!(JoseError::MissingClaim("exp").to_string(), "missing claim 'exp'");
        assert_eq!(JoseError::Malformed("three segments").to_string(), "malformed JOSE object: three segments");
    }
}

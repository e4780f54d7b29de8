//! JOSE: base64url, JWS compact serialization, JWK, and the claims of the
//! tokens Aero2 issues (RFC 7515, RFC 7517, RFC 7518, RFC 7519, RFC 7638,
//! RFC 9068, OIDC Core).
//!
//! Signing itself happens outside the core: in the Worker through WebCrypto
//! (`crypto.subtle`), which is asynchronous and whose private keys never
//! leave the JwksSigner. The core builds what gets signed, assembles and
//! parses tokens, and checks claims; [`jws::Signer`] and [`jws::Verifier`]
//! are the seam, implemented with the RustCrypto crates in native tests.
//!
//! | file        | concern                                              |
//! |-------------|------------------------------------------------------|
//! | `b64`       | strict base64url without padding (RFC 7515 §2)       |
//! | `alg`       | RS256 and ES256, nothing else (RFC 7518 §3)          |
//! | `jwk`       | public JWKs, the JWKS, RFC 7638 thumbprints as `kid` |
//! | `jws`       | signing input, assembly, parsing, signer/verifier    |
//! | `claims`    | access-token (RFC 9068) and ID-token claims, at_hash |
//! | `validate`  | checking access tokens and `id_token_hint`s          |
//! | `kid_gate`  | when an unknown `kid` may cause a key-set fetch      |
//! | `error`     | [`JoseError`]                                        |

pub mod alg;
pub mod b64;
pub mod claims;
pub mod error;
pub mod jwk;
pub mod jws;
pub mod kid_gate;
pub mod validate;

#[cfg(test)]
pub(crate) mod test_keys;

pub use alg::Alg;
pub use error::JoseError;

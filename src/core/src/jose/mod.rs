//! JOSE: base64url, JWS compact serialization, JWK, and the claims of the
//! tokens Aero2 issues (RFC 7515, RFC 7517, RFC 7519, RFC 9068, OIDC Core).
//! Signing itself happens outside the core (WebCrypto in the Worker).

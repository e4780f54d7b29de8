//! How long each artifact lives. Short codes (RFC 6749 §4.1.2 recommends at
//! most 10 minutes), hour-long tokens, refresh families bounded absolutely.

/// Authorization codes: long enough for a redirect and a back-channel call.
pub const CODE_TTL_MS: i64 = 60_000;
/// A pending authorization request while the user signs in or consents.
pub const PENDING_REQUEST_TTL_MS: i64 = 600_000;
/// Access tokens and ID tokens, in seconds (`expires_in`).
pub const ACCESS_TOKEN_TTL_SECS: i64 = 3_600;
pub const ID_TOKEN_TTL_SECS: i64 = 3_600;
/// A refresh token is valid until used (then rotated) or until this much
/// time after the grant began: rotation never extends a family's life.
pub const REFRESH_FAMILY_TTL_MS: i64 = 30 * 86_400_000;
/// Browser sessions: idle timeout and absolute lifetime.
pub const SESSION_IDLE_MS: i64 = 86_400_000;
pub const SESSION_ABSOLUTE_MS: i64 = 14 * 86_400_000;

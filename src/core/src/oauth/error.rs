//! OAuth 2.0 and OpenID Connect protocol errors, one variant per registered
//! `error` code. Each carries a description written for the client developer;
//! nothing internal (storage, stack, key material) ever goes into one.
//!
//! Who is at fault follows the code: `server_error` and
//! `temporarily_unavailable` are ours, and their descriptions stay generic;
//! every other code puts the fault on the client or the user.

use serde_json::{json, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// `invalid_request`: missing, repeated or malformed parameter
    /// (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1).
    InvalidRequest(String),
    /// `invalid_client`: client authentication failed (RFC 6749 §5.2).
    InvalidClient(String),
    /// `invalid_grant`: code or refresh token invalid, expired, revoked, or
    /// issued to another client or redirect URI (RFC 6749 §5.2).
    InvalidGrant(String),
    /// `unauthorized_client`: the client may not use this grant or response
    /// type (RFC 6749 §4.1.2.1, §5.2).
    UnauthorizedClient(String),
    /// `unsupported_grant_type` (RFC 6749 §5.2).
    UnsupportedGrantType(String),
    /// `invalid_scope`: unknown, malformed or not allowed (RFC 6749 §3.3,
    /// §4.1.2.1, §5.2).
    InvalidScope(String),
    /// `access_denied`: the user or the server refused (RFC 6749 §4.1.2.1).
    AccessDenied(String),
    /// `unsupported_response_type` (RFC 6749 §4.1.2.1).
    UnsupportedResponseType(String),
    /// `server_error`: our fault (RFC 6749 §4.1.2.1).
    ServerError(String),
    /// `temporarily_unavailable`: overloaded or in maintenance
    /// (RFC 6749 §4.1.2.1).
    TemporarilyUnavailable(String),
    /// `login_required`: `prompt=none` but the user must sign in
    /// (OIDC Core §3.1.2.6).
    LoginRequired(String),
    /// `consent_required`: `prompt=none` but consent is missing
    /// (OIDC Core §3.1.2.6).
    ConsentRequired(String),
    /// `interaction_required`: `prompt=none` but some other page is needed
    /// (OIDC Core §3.1.2.6).
    InteractionRequired(String),
    /// `account_selection_required` (OIDC Core §3.1.2.6).
    AccountSelectionRequired(String),
    /// `request_not_supported`: the `request` parameter (OIDC Core §6.1,
    /// §3.1.2.6).
    RequestNotSupported(String),
    /// `request_uri_not_supported`: the `request_uri` parameter
    /// (OIDC Core §6.2, §3.1.2.6).
    RequestUriNotSupported(String),
    /// `invalid_token`: the access token is expired, revoked or malformed
    /// (RFC 6750 §3.1).
    InvalidToken(String),
    /// `insufficient_scope`: the token lacks the scope the resource needs
    /// (RFC 6750 §3.1).
    InsufficientScope(String),
    /// `unsupported_token_type`: revocation of this token type is not
    /// supported (RFC 7009 §2.2.1).
    UnsupportedTokenType(String),
    /// `insufficient_user_authentication`: the user signed in too long ago
    /// (or not strongly enough) for this request (RFC 9470 §3).
    InsufficientUserAuthentication(String),
    /// `invalid_target`: the `resource` (or `audience`) is malformed,
    /// unknown, or not one this client may get a token for (RFC 8707 §2).
    InvalidTarget(String),
}

impl OAuthError {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            OAuthError::InvalidRequest(d) => ("invalid_request", d),
            OAuthError::InvalidClient(d) => ("invalid_client", d),
            OAuthError::InvalidGrant(d) => ("invalid_grant", d),
            OAuthError::UnauthorizedClient(d) => ("unauthorized_client", d),
            OAuthError::UnsupportedGrantType(d) => ("unsupported_grant_type", d),
            OAuthError::InvalidScope(d) => ("invalid_scope", d),
            OAuthError::AccessDenied(d) => ("access_denied", d),
            OAuthError::UnsupportedResponseType(d) => ("unsupported_response_type", d),
            OAuthError::ServerError(d) => ("server_error", d),
            OAuthError::TemporarilyUnavailable(d) => ("temporarily_unavailable", d),
            OAuthError::LoginRequired(d) => ("login_required", d),
            OAuthError::ConsentRequired(d) => ("consent_required", d),
            OAuthError::InteractionRequired(d) => ("interaction_required", d),
            OAuthError::AccountSelectionRequired(d) => ("account_selection_required", d),
            OAuthError::RequestNotSupported(d) => ("request_not_supported", d),
            OAuthError::RequestUriNotSupported(d) => ("request_uri_not_supported", d),
            OAuthError::InvalidToken(d) => ("invalid_token", d),
            OAuthError::InsufficientScope(d) => ("insufficient_scope", d),
            OAuthError::UnsupportedTokenType(d) => ("unsupported_token_type", d),
            OAuthError::InsufficientUserAuthentication(d) => ("insufficient_user_authentication", d),
            OAuthError::InvalidTarget(d) => ("invalid_target", d),
        }
    }

    /// The registered `error` code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.parts().0
    }

    #[must_use]
    pub fn description(&self) -> &str {
        self.parts().1
    }

    /// The description as it may appear on the wire: RFC 6749 §4.1.2.1 and
    /// §5.2 limit `error_description` to %x20-21 / %x23-5B / %x5D-7E, so any
    /// other character (quote, backslash, non-ASCII) becomes a space.
    #[must_use]
    pub fn wire_description(&self) -> String {
        self.description()
            .chars()
            .map(|c| match c {
                ' '..='~' if c != '"' && c != '\\' => c,
                _ => ' ',
            })
            .collect()
    }

    /// Status for a token, introspection or revocation endpoint response
    /// (RFC 6749 §5.2: 400 unless the client failed to authenticate).
    #[must_use]
    pub fn token_endpoint_status(&self) -> u16 {
        match self {
            OAuthError::InvalidClient(_) => 401,
            OAuthError::ServerError(_) => 500,
            OAuthError::TemporarilyUnavailable(_) => 503,
            _ => 400,
        }
    }

    /// Status for a protected resource such as UserInfo (RFC 6750 §3.1).
    #[must_use]
    pub fn bearer_status(&self) -> u16 {
        match self {
            OAuthError::InvalidToken(_) | OAuthError::InsufficientUserAuthentication(_) => 401,
            OAuthError::InsufficientScope(_) => 403,
            OAuthError::ServerError(_) => 500,
            OAuthError::TemporarilyUnavailable(_) => 503,
            _ => 400,
        }
    }

    /// The JSON error body (RFC 6749 §5.2).
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({ "error": self.code(), "error_description": self.wire_description() })
    }
}

/// A `WWW-Authenticate: Bearer` challenge (RFC 6750 §3): the realm, the
/// error code and description when a token was presented (none without
/// one, §3.1), the `scope` the resource needs (§3), and RFC 9470's
/// `max_age` when the user must have signed in more recently.
#[must_use]
pub fn bearer_challenge(realm: &str, error: Option<&OAuthError>, scope: Option<&str>, max_age: Option<i64>) -> String {
    let mut c = format!("Bearer realm=\"{realm}\"");
    if let Some(e) = error {
        c.push_str(&format!(", error=\"{}\", error_description=\"{}\"", e.code(), e.wire_description()));
    }
    if let Some(s) = scope {
        c.push_str(&format!(", scope=\"{s}\""));
    }
    if let Some(m) = max_age {
        c.push_str(&format!(", max_age=\"{m}\""));
    }
    c
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for OAuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_registered_code() {
        let d = String::new;
        let cases = [
            (OAuthError::InvalidRequest(d()), "invalid_request", 400, 400),
            (OAuthError::InvalidClient(d()), "invalid_client", 401, 400),
            (OAuthError::InvalidGrant(d()), "invalid_grant", 400, 400),
            (OAuthError::UnauthorizedClient(d()), "unauthorized_client", 400, 400),
            (OAuthError::UnsupportedGrantType(d()), "unsupported_grant_type", 400, 400),
            (OAuthError::InvalidScope(d()), "invalid_scope", 400, 400),
            (OAuthError::AccessDenied(d()), "access_denied", 400, 400),
            (OAuthError::UnsupportedResponseType(d()), "unsupported_response_type", 400, 400),
            (OAuthError::ServerError(d()), "server_error", 500, 500),
            (OAuthError::TemporarilyUnavailable(d()), "temporarily_unavailable", 503, 503),
            (OAuthError::LoginRequired(d()), "login_required", 400, 400),
            (OAuthError::ConsentRequired(d()), "consent_required", 400, 400),
            (OAuthError::InteractionRequired(d()), "interaction_required", 400, 400),
            (OAuthError::AccountSelectionRequired(d()), "account_selection_required", 400, 400),
            (OAuthError::RequestNotSupported(d()), "request_not_supported", 400, 400),
            (OAuthError::RequestUriNotSupported(d()), "request_uri_not_supported", 400, 400),
            (OAuthError::InvalidToken(d()), "invalid_token", 400, 401),
            (OAuthError::InsufficientScope(d()), "insufficient_scope", 400, 403),
            (OAuthError::UnsupportedTokenType(d()), "unsupported_token_type", 400, 400),
            (OAuthError::InsufficientUserAuthentication(d()), "insufficient_user_authentication", 400, 401),
            (OAuthError::InvalidTarget(d()), "invalid_target", 400, 400),
        ];
        for (e, code, token_status, bearer_status) in cases {
            assert_eq!(e.code(), code);
            assert_eq!(e.token_endpoint_status(), token_status, "{code}");
            assert_eq!(e.bearer_status(), bearer_status, "{code}");
        }
    }

    #[test]
    fn bearer_challenges_carry_what_the_client_must_do() {
        let realm = "https://app.example";
        assert_eq!(bearer_challenge(realm, None, None, None), "Bearer realm=\"https://app.example\"");
        let e = OAuthError::InsufficientScope("needs \"account\"".into());
        assert_eq!(
            bearer_challenge(realm, Some(&e), Some("account"), None),
            "Bearer realm=\"https://app.example\", error=\"insufficient_scope\", error_description=\"needs  account \", scope=\"account\""
        );
        let e = OAuthError::InsufficientUserAuthentication("sign in again".into());
        assert!(bearer_challenge(realm, Some(&e), None, Some(300)).ends_with("error=\"insufficient_user_authentication\", error_description=\"sign in again\", max_age=\"300\""));
    }

    #[test]
    fn json_body_has_code_and_description() {
        let e = OAuthError::InvalidGrant("authorization code expired".into());
        assert_eq!(
            e.to_json(),
            json!({"error": "invalid_grant", "error_description": "authorization code expired"})
        );
        assert_eq!(e.description(), "authorization code expired");
        assert_eq!(e.to_string(), "invalid_grant: authorization code expired");
    }

    #[test]
    fn wire_description_keeps_to_the_allowed_characters() {
        let e = OAuthError::InvalidRequest("bad \"x\\y\" é\n".into());
        assert_eq!(e.wire_description(), "bad  x y    ");
    }
}

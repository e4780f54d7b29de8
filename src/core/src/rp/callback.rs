//! The callback from an upstream provider, and what each way it can fail
//! means for the client whose authorization request it continues.

use crate::oauth::error::OAuthError;
use crate::oauth::params::Params;
use crate::rp::config::Idp;
use serde::{Deserialize, Serialize};

/// How long a sign-in at a provider may take, from redirect to callback.
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;

/// What `/rp/authorize` stores under the SHA-256 of `state` (single use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpstream {
    /// The provider the flow was started for; a callback at another is refused.
    pub idp_id: String,
    /// The pending authorization request the sign-in continues.
    pub request: String,
    pub code_verifier: String,
    pub nonce: String,
    /// SHA-256 of the browser-binding cookie set with the redirect.
    pub browser: String,
    pub redirect_uri: String,
}

/// A sign-in at a provider that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The user declined at the provider (`error=access_denied`).
    Denied,
    /// The provider answered the authorization request with another error.
    UpstreamError,
    /// RFC 9207: the response's `iss` is missing or not the provider's.
    IssuerMismatch,
    /// No `code` in a success response.
    NoCode,
    /// The token endpoint refused the code, or answered garbage.
    ExchangeFailed,
    /// The ID token failed validation (signature, `iss`, `aud`, `exp`, `nonce`).
    InvalidIdToken,
    /// The profile could not be fetched or read.
    ProfileFailed,
    /// The provider did not answer in time.
    Timeout,
}

impl Failure {
    /// The error the client gets (RFC 6749 §4.1.2.1). The user's refusal
    /// is `access_denied`; a provider too slow is `temporarily_unavailable`;
    /// anything else went wrong on the server side of the client's request.
    #[must_use]
    pub fn oauth_error(&self, idp: &Idp) -> OAuthError {
        let name = &idp.display_name;
        match self {
            Failure::Denied => OAuthError::AccessDenied(format!("the user did not allow sign-in with {name}")),
            Failure::Timeout => OAuthError::TemporarilyUnavailable(format!("{name} did not answer in time")),
            other => OAuthError::ServerError(format!("sign-in with {name} failed: {}", other.reason())),
        }
    }

    /// For the log (no upstream text, no tokens).
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            Failure::Denied => "denied at provider",
            Failure::UpstreamError => "provider returned an error",
            Failure::IssuerMismatch => "authorization response iss mismatch",
            Failure::NoCode => "no code in callback",
            Failure::ExchangeFailed => "code exchange failed",
            Failure::InvalidIdToken => "invalid ID token",
            Failure::ProfileFailed => "profile fetch failed",
            Failure::Timeout => "provider timed out",
        }
    }
}

/// Reads the provider's authorization response (RFC 6749 §4.1.2, §4.1.2.1;
/// RFC 9207 §2.4): the code, or the failure it reports. `issuer` is the
/// provider's when it is an OpenID Provider.
pub fn authorization_response(params: &Params, idp: &Idp) -> Result<String, Failure> {
    let get = |k: &str| params.get(k).ok().flatten();
    // RFC 9207 §2.4: for an OpenID Provider, iss if present must match,
    // and must be present if the provider advertises it. A plain OAuth2
    // provider has no issuer of record to compare with.
    let expected = idp.endpoints.issuer.as_deref();
    match (get("iss"), expected) {
        (Some(iss), Some(exp)) if iss != exp => return Err(Failure::IssuerMismatch),
        (None, Some(_)) if idp.endpoints.authorization_response_iss_parameter_supported => return Err(Failure::IssuerMismatch),
        _ => {}
    }
    match get("error") {
        Some("access_denied") => return Err(Failure::Denied),
        Some(_) => return Err(Failure::UpstreamError),
        None => {}
    }
    get("code").filter(|c| !c.is_empty() && c.len() <= 4096).map(str::to_owned).ok_or(Failure::NoCode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rp::config::{Endpoints, IdpKind, IdpSource, UpstreamAuth};

    fn idp(issuer: Option<&str>, iss_param: bool) -> Idp {
        Idp {
            id: "idp_1".into(),
            app_id: "app_1".into(),
            slug: "corp".into(),
            kind: IdpKind::Oidc,
            display_name: "Corp".into(),
            client_id: "c".into(),
            scopes: vec!["openid".into()],
            enabled: true,
            endpoints: Endpoints {
                issuer: issuer.map(str::to_owned),
                authorization_endpoint: "https://up.example/auth".into(),
                token_endpoint: "https://up.example/token".into(),
                userinfo_endpoint: None,
                jwks_uri: None,
                emails_endpoint: None,
                token_endpoint_auth_method: UpstreamAuth::ClientSecretBasic,
                authorization_response_iss_parameter_supported: iss_param,
            },
            claims: None,
            source: IdpSource::Api,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn params(q: &str) -> Params {
        Params::parse(q.as_bytes()).unwrap()
    }

    #[test]
    fn code_or_the_failure_reported() {
        let p = idp(Some("https://up.example"), true);
        assert_eq!(authorization_response(&params("code=abc&iss=https%3A%2F%2Fup.example"), &p), Ok("abc".into()));
        assert_eq!(authorization_response(&params("code=abc"), &p), Err(Failure::IssuerMismatch));
        assert_eq!(authorization_response(&params("code=abc&iss=https%3A%2F%2Fevil.example"), &p), Err(Failure::IssuerMismatch));
        assert_eq!(authorization_response(&params("error=access_denied&iss=https%3A%2F%2Fup.example"), &p), Err(Failure::Denied));
        assert_eq!(authorization_response(&params("error=server_error&iss=https%3A%2F%2Fup.example"), &p), Err(Failure::UpstreamError));
        assert_eq!(authorization_response(&params("iss=https%3A%2F%2Fup.example"), &p), Err(Failure::NoCode));
        let github = idp(None, false);
        assert_eq!(authorization_response(&params("code=abc"), &github), Ok("abc".into()));
        assert_eq!(authorization_response(&params("code=abc&iss=x"), &github), Ok("abc".into()));
    }

    #[test]
    fn failures_map_to_the_clients_error_codes() {
        let p = idp(None, false);
        assert_eq!(Failure::Denied.oauth_error(&p).code(), "access_denied");
        assert_eq!(Failure::Timeout.oauth_error(&p).code(), "temporarily_unavailable");
        assert_eq!(Failure::InvalidIdToken.oauth_error(&p).code(), "server_error");
    }
}

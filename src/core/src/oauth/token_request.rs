//! Token endpoint requests (RFC 6749 §4.1.3, §4.4.2, §6): the grant and the
//! parameters each grant takes. Client authentication is separate
//! ([`super::client_auth`]); whether the code, refresh token or verifier is
//! right is the caller's check against storage.
//!
//! Rules enforced:
//! - `grant_type` is required (`invalid_request`); anything but the three
//!   grants below is `unsupported_grant_type` (RFC 6749 §5.2), including
//!   `password` (RFC 9700 §2.4) and grants not implemented yet.
//! - Each grant's required parameters must be present (`invalid_request`
//!   naming the parameter) and none may repeat (RFC 6749 §3.2).
//! - `redirect_uri` is required with a code, since every authorization
//!   request carries one; the caller compares it with the stored
//!   [`super::authorize::AuthorizationRequest::redirect_uri`] as exact
//!   strings (RFC 6749 §4.1.3).
//! - A malformed `code_verifier` is `invalid_request`; a wrong one is
//!   `invalid_grant`, decided at redemption ([`super::pkce::check_redemption`]).
//! - `resource` (RFC 8707) or `audience` names at most one API
//!   (`invalid_target`); whether it is the right one is the grant's check.
//! - The client must be registered for the grant, and `client_credentials`
//!   needs a confidential client (RFC 6749 §4.4): `unauthorized_client`.

use super::client::{Client, GrantType};
use super::error::OAuthError;
use super::params::Params;
use super::pkce::CodeVerifier;
use super::resource;
use super::scope::Scope;
use crate::secret::SecretString;

/// A parsed token request. Codes and refresh tokens are credentials, so they
/// are held as [`SecretString`].
#[derive(Debug)]
pub enum TokenRequest {
    /// RFC 6749 §4.1.3 with RFC 7636 §4.5.
    AuthorizationCode { code: SecretString, redirect_uri: String, code_verifier: Option<CodeVerifier>, resource: Option<String> },
    /// RFC 6749 §6; `scope` may only narrow the original grant.
    /// `organization` (an id or a slug) switches the grant's organization.
    RefreshToken { refresh_token: SecretString, scope: Option<Scope>, resource: Option<String>, organization: Option<String> },
    /// RFC 6749 §4.4.2.
    ClientCredentials { scope: Option<Scope>, resource: Option<String> },
}

fn optional_scope(params: &Params) -> Result<Option<Scope>, OAuthError> {
    params.get("scope")?.map(Scope::parse).transpose()
}

impl TokenRequest {
    pub fn parse(params: &Params) -> Result<Self, OAuthError> {
        let grant_type = params
            .get("grant_type")?
            .ok_or_else(|| OAuthError::InvalidRequest("parameter 'grant_type' is required".into()))?;
        match GrantType::parse(grant_type) {
            Some(GrantType::AuthorizationCode) => Ok(TokenRequest::AuthorizationCode {
                code: SecretString::new(params.require("code")?.to_owned()),
                redirect_uri: params.require("redirect_uri")?.to_owned(),
                code_verifier: params.get("code_verifier")?.map(CodeVerifier::parse).transpose()?,
                resource: resource::requested(params)?,
            }),
            Some(GrantType::RefreshToken) => Ok(TokenRequest::RefreshToken {
                refresh_token: SecretString::new(params.require("refresh_token")?.to_owned()),
                scope: optional_scope(params)?,
                resource: resource::requested(params)?,
                organization: match params.get("organization")? {
                    Some(o) if !crate::organization::is_reference(o) => {
                        return Err(OAuthError::InvalidRequest("organization must be an organization's id or slug".into()))
                    }
                    o => o.map(str::to_owned),
                },
            }),
            Some(GrantType::ClientCredentials) => {
                Ok(TokenRequest::ClientCredentials { scope: optional_scope(params)?, resource: resource::requested(params)? })
            }
            None => Err(OAuthError::UnsupportedGrantType("grant_type is not supported".into())),
        }
    }

    #[must_use]
    pub fn grant_type(&self) -> GrantType {
        match self {
            TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
            TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
        }
    }
}

/// Whether `client` may use the grant of `request`.
pub fn check_grant_allowed(client: &Client, request: &TokenRequest) -> Result<(), OAuthError> {
    let grant = request.grant_type();
    if !client.allows_grant(grant) {
        return Err(OAuthError::UnauthorizedClient(format!("client may not use the {} grant", grant.as_str())));
    }
    if grant == GrantType::ClientCredentials && client.is_public() {
        return Err(OAuthError::UnauthorizedClient("client_credentials requires a confidential client".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::client::{ClientType, TokenEndpointAuthMethod};

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn parse(body: &str) -> Result<TokenRequest, OAuthError> {
        TokenRequest::parse(&Params::parse(body.as_bytes()).unwrap())
    }

    fn client(client_type: ClientType, grants: &[GrantType]) -> Client {
        Client { client_type, ..Client::for_tests(TokenEndpointAuthMethod::ClientSecretBasic, grants) }
    }

    #[test]
    fn parses_each_grant() {
        let body = format!("grant_type=authorization_code&code=c1&redirect_uri=https%3A%2F%2Fa.example%2Fcb&code_verifier={VERIFIER}");
        match parse(&body).unwrap() {
            TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier, .. } => {
                assert_eq!(code.secret(), "c1");
                assert_eq!(redirect_uri, "https://a.example/cb");
                assert_eq!(code_verifier.unwrap().secret(), VERIFIER);
            }
            other => panic!("{other:?}"),
        }
        match parse("grant_type=authorization_code&code=c1&redirect_uri=x").unwrap() {
            TokenRequest::AuthorizationCode { code_verifier, .. } => assert!(code_verifier.is_none()),
            other => panic!("{other:?}"),
        }
        match parse("grant_type=refresh_token&refresh_token=r1&scope=openid+email").unwrap() {
            TokenRequest::RefreshToken { refresh_token, scope, .. } => {
                assert_eq!(refresh_token.secret(), "r1");
                assert_eq!(scope.unwrap().to_string(), "openid email");
            }
            other => panic!("{other:?}"),
        }
        let cc = parse("grant_type=client_credentials").unwrap();
        assert!(matches!(cc, TokenRequest::ClientCredentials { scope: None, resource: None }));
        assert_eq!(cc.grant_type(), GrantType::ClientCredentials);
        let for_api = parse("grant_type=client_credentials&audience=https%3A%2F%2Fapi.example").unwrap();
        assert!(matches!(for_api, TokenRequest::ClientCredentials { resource: Some(r), .. } if r == "https://api.example"));
        match parse("grant_type=refresh_token&refresh_token=r1&resource=urn%3Ainvoices").unwrap() {
            TokenRequest::RefreshToken { resource, .. } => assert_eq!(resource.as_deref(), Some("urn:invoices")),
            other => panic!("{other:?}"),
        }
        let two = parse("grant_type=client_credentials&resource=urn%3Aa&resource=urn%3Ab").unwrap_err();
        assert_eq!(two.code(), "invalid_target");
    }

    #[test]
    fn each_rejection_has_its_code() {
        let cases = [
            ("", "invalid_request"),
            ("grant_type=", "invalid_request"),
            ("grant_type=authorization_code&grant_type=refresh_token", "invalid_request"),
            ("grant_type=password&username=a&password=b", "unsupported_grant_type"),
            ("grant_type=implicit", "unsupported_grant_type"),
            ("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code", "unsupported_grant_type"),
            ("grant_type=AUTHORIZATION_CODE", "unsupported_grant_type"),
            ("grant_type=authorization_code&redirect_uri=x", "invalid_request"),
            ("grant_type=authorization_code&code=c", "invalid_request"),
            ("grant_type=authorization_code&code=c&code=d&redirect_uri=x", "invalid_request"),
            ("grant_type=authorization_code&code=c&redirect_uri=x&code_verifier=short", "invalid_request"),
            ("grant_type=refresh_token", "invalid_request"),
            ("grant_type=refresh_token&refresh_token=r&scope=a%5Cb", "invalid_scope"),
            ("grant_type=client_credentials&scope=a%22b", "invalid_scope"),
        ];
        for (body, code) in cases {
            assert_eq!(parse(body).unwrap_err().code(), code, "{body}");
        }
        assert_eq!(
            parse("grant_type=authorization_code&code=c").unwrap_err().description(),
            "parameter 'redirect_uri' is required"
        );
    }

    #[test]
    fn secrets_do_not_leak_through_debug() {
        let r = parse("grant_type=refresh_token&refresh_token=very-secret").unwrap();
        assert!(!format!("{r:?}").contains("very-secret"));
    }

    #[test]
    fn grants_must_be_registered() {
        let code_client = client(ClientType::Confidential, &[GrantType::AuthorizationCode]);
        let code = parse("grant_type=authorization_code&code=c&redirect_uri=x").unwrap();
        let refresh = parse("grant_type=refresh_token&refresh_token=r").unwrap();
        let cc = parse("grant_type=client_credentials").unwrap();
        assert!(check_grant_allowed(&code_client, &code).is_ok());
        assert_eq!(check_grant_allowed(&code_client, &refresh).unwrap_err().code(), "unauthorized_client");
        assert_eq!(check_grant_allowed(&code_client, &cc).unwrap_err().code(), "unauthorized_client");
        let machine = client(ClientType::Confidential, &[GrantType::ClientCredentials]);
        assert!(check_grant_allowed(&machine, &cc).is_ok());
        // A public client registered with the grant (only possible by hand) is still refused.
        let public = client(ClientType::Public, &[GrantType::ClientCredentials]);
        assert_eq!(check_grant_allowed(&public, &cc).unwrap_err().code(), "unauthorized_client");
    }
}

//! Client authentication at the token, introspection and revocation
//! endpoints (RFC 6749 §2.3).
//!
//! Rules enforced:
//! - `client_secret_basic`: `Authorization: Basic base64(id ":" secret)`,
//!   where id and secret are each form-urlencoded first (RFC 6749 §2.3.1),
//!   so they are form-decoded after the split. The scheme name is
//!   case-insensitive (RFC 7617 §2).
//! - `client_secret_post`: `client_id` and `client_secret` in the body.
//! - `none`: `client_id` alone, for public clients (RFC 6749 §2.1, §3.2.1).
//! - One method per request (RFC 6749 §2.3): Basic together with a body
//!   secret is `invalid_request`. A body `client_id` beside Basic is
//!   tolerated only when it names the same client.
//! - The method used must be the one registered; a wrong secret, a wrong
//!   method or an unknown client all read as the same `invalid_client`
//!   (RFC 6749 §5.2), so a caller learns nothing about which it was.

use super::client::{verify_client_secret, Client, TokenEndpointAuthMethod};
use super::error::OAuthError;
use super::params::{decode_component, Params};
use crate::secret::SecretString;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The client a request claims to be, and how it proved it.
#[derive(Debug)]
pub struct PresentedClient {
    pub client_id: String,
    pub method: TokenEndpointAuthMethod,
    pub secret: Option<SecretString>,
}

fn malformed_basic() -> OAuthError {
    OAuthError::InvalidRequest("malformed Basic authorization header".into())
}

/// The one error for every authentication failure, including a `client_id`
/// that names no client: callers answer an unknown client with this too.
#[must_use]
pub fn client_authentication_failed() -> OAuthError {
    OAuthError::InvalidClient("client authentication failed".into())
}

fn parse_basic(header: &str) -> Result<(String, SecretString), OAuthError> {
    let (scheme, credentials) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::InvalidClient("unsupported authorization scheme; use Basic".into()));
    }
    let decoded = STANDARD.decode(credentials.trim()).map_err(|_| malformed_basic())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed_basic())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed_basic)?;
    let id = decode_component(id.as_bytes()).map_err(|_| malformed_basic())?;
    let secret = decode_component(secret.as_bytes()).map_err(|_| malformed_basic())?;
    if id.is_empty() || secret.is_empty() {
        return Err(malformed_basic());
    }
    Ok((id, SecretString::new(secret)))
}

/// Reads the client's credentials from the `Authorization` header value
/// and the form body.
pub fn extract_client(authorization: Option<&str>, body: &Params) -> Result<PresentedClient, OAuthError> {
    // RFC 7521/7523 assertions are not offered; naming them explicitly beats
    // silently treating the request as a public client's.
    if body.has("client_assertion") || body.has("client_assertion_type") {
        return Err(OAuthError::InvalidClient("client assertions are not supported".into()));
    }
    let body_id = body.get("client_id")?;
    let body_secret = body.get("client_secret")?;
    if let Some(header) = authorization {
        let (client_id, secret) = parse_basic(header)?;
        if body_secret.is_some() {
            return Err(OAuthError::InvalidRequest("use only one client authentication method".into()));
        }
        if body_id.is_some_and(|id| id != client_id) {
            return Err(OAuthError::InvalidRequest("client_id in the body differs from the Basic credentials".into()));
        }
        return Ok(PresentedClient {
            client_id,
            method: TokenEndpointAuthMethod::ClientSecretBasic,
            secret: Some(secret),
        });
    }
    match (body_id, body_secret) {
        (Some(id), Some(secret)) => Ok(PresentedClient {
            client_id: id.to_owned(),
            method: TokenEndpointAuthMethod::ClientSecretPost,
            secret: Some(SecretString::new(secret.to_owned())),
        }),
        (Some(id), None) => Ok(PresentedClient {
            client_id: id.to_owned(),
            method: TokenEndpointAuthMethod::None,
            secret: None,
        }),
        (None, Some(_)) => Err(OAuthError::InvalidRequest("client_secret given without client_id".into())),
        (None, None) => Err(OAuthError::InvalidClient("client authentication is required".into())),
    }
}

/// Checks presented credentials against the client they name.
pub fn authenticate(presented: &PresentedClient, client: &Client) -> Result<(), OAuthError> {
    if presented.client_id != client.client_id || presented.method != client.token_endpoint_auth_method {
        return Err(client_authentication_failed());
    }
    match (presented.method, &presented.secret, &client.secret_hash) {
        (TokenEndpointAuthMethod::None, None, _) => Ok(()),
        (TokenEndpointAuthMethod::ClientSecretBasic | TokenEndpointAuthMethod::ClientSecretPost, Some(s), Some(h))
            if verify_client_secret(s.secret(), h) =>
        {
            Ok(())
        }
        _ => Err(client_authentication_failed()),
    }
}

/// The `WWW-Authenticate` value for a 401 `invalid_client` response to a
/// client that tried Basic (RFC 6749 §5.2, RFC 7617 §2).
#[must_use]
pub fn www_authenticate_basic(realm: &str) -> String {
    let mut value = String::from("Basic realm=\"");
    for c in realm.chars().filter(|c| !c.is_control()) {
        // RFC 9110 §5.6.4: inside a quoted-string, '"' and '\' are escaped.
        if c == '"' || c == '\\' {
            value.push('\\');
        }
        value.push(c);
    }
    value.push('"');
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::client::{mint_client_secret, ClientType, GrantType};
    use crate::oauth::params::encode_component;
    use crate::oauth::scope::Scope;

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{}:{}", encode_component(id), encode_component(secret))))
    }

    fn body(s: &str) -> Params {
        Params::parse(s.as_bytes()).unwrap()
    }

    fn client(method: TokenEndpointAuthMethod, hash: Option<String>) -> Client {
        Client {
            client_type: if hash.is_some() { ClientType::Confidential } else { ClientType::Public },
            secret_hash: hash,
            redirect_uris: vec!["https://a.example/cb".into()],
            scopes: Scope::parse("openid").unwrap(),
            ..Client::for_tests(method, &[GrantType::AuthorizationCode])
        }
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let p = extract_client(Some(&basic("cl a:1", "s%e+c:ret/é")), &body("grant_type=x")).unwrap();
        assert_eq!(p.client_id, "cl a:1");
        assert_eq!(p.method, TokenEndpointAuthMethod::ClientSecretBasic);
        assert_eq!(p.secret.unwrap().secret(), "s%e+c:ret/é");
        // A literal '+' in the encoded form is a space (RFC 6749 Appendix B).
        let raw = format!("bAsIc {}", STANDARD.encode("a+b:c"));
        assert_eq!(extract_client(Some(&raw), &Params::default()).unwrap().client_id, "a b");
    }

    #[test]
    fn body_methods() {
        let post = extract_client(None, &body("client_id=cl_a&client_secret=s")).unwrap();
        assert_eq!((post.client_id.as_str(), post.method), ("cl_a", TokenEndpointAuthMethod::ClientSecretPost));
        let none = extract_client(None, &body("client_id=cl_a&client_secret=")).unwrap();
        assert_eq!(none.method, TokenEndpointAuthMethod::None);
        assert!(none.secret.is_none());
        let same_id = extract_client(Some(&basic("cl_a", "s")), &body("client_id=cl_a")).unwrap();
        assert_eq!(same_id.method, TokenEndpointAuthMethod::ClientSecretBasic);
    }

    #[test]
    fn extraction_errors() {
        let cases: [(Option<String>, &str, &str); 12] = [
            (Some(basic("cl_a", "s")), "client_secret=s", "invalid_request"),
            (Some(basic("cl_a", "s")), "client_id=cl_b", "invalid_request"),
            (Some("Basic !!!".into()), "", "invalid_request"),
            (Some(format!("Basic {}", STANDARD.encode("nocolon"))), "", "invalid_request"),
            (Some(format!("Basic {}", STANDARD.encode(":s"))), "", "invalid_request"),
            (Some(format!("Basic {}", STANDARD.encode("a:"))), "", "invalid_request"),
            (Some(format!("Basic {}", STANDARD.encode("a%zz:s"))), "", "invalid_request"),
            (Some(format!("Basic {}", STANDARD.encode([0x61, 0x3a, 0xff]))), "", "invalid_request"),
            (Some("Bearer abc".into()), "", "invalid_client"),
            (None, "client_secret=s", "invalid_request"),
            (None, "", "invalid_client"),
            (None, "client_id=cl_a&client_assertion_type=x&client_assertion=y", "invalid_client"),
        ];
        for (header, b, code) in cases {
            assert_eq!(extract_client(header.as_deref(), &body(b)).unwrap_err().code(), code, "{header:?} {b}");
        }
        let dup = body("client_id=a&client_id=b");
        assert_eq!(extract_client(None, &dup).unwrap_err().code(), "invalid_request");
    }

    #[test]
    fn authentication_needs_the_registered_method_and_secret() {
        let (secret, hash) = mint_client_secret([1; 32]);
        let basic_client = client(TokenEndpointAuthMethod::ClientSecretBasic, Some(hash.clone()));
        let ok = extract_client(Some(&basic("cl_a", secret.secret())), &Params::default()).unwrap();
        assert!(authenticate(&ok, &basic_client).is_ok());

        let post = extract_client(None, &body(&format!("client_id=cl_a&client_secret={}", secret.secret()))).unwrap();
        let failures = [
            (extract_client(Some(&basic("cl_a", "cs_wrong")), &Params::default()).unwrap(), &basic_client),
            (extract_client(Some(&basic("cl_b", secret.secret())), &Params::default()).unwrap(), &basic_client),
            (post, &basic_client),
            (extract_client(None, &body("client_id=cl_a")).unwrap(), &basic_client),
        ];
        for (presented, c) in &failures {
            let e = authenticate(presented, c).unwrap_err();
            assert_eq!((e.code(), e.description()), ("invalid_client", "client authentication failed"));
        }

        let public = client(TokenEndpointAuthMethod::None, None);
        assert!(authenticate(&extract_client(None, &body("client_id=cl_a")).unwrap(), &public).is_ok());
        let with_secret = extract_client(Some(&basic("cl_a", "x")), &Params::default()).unwrap();
        assert_eq!(authenticate(&with_secret, &public).unwrap_err().code(), "invalid_client");
        let no_hash = client(TokenEndpointAuthMethod::ClientSecretBasic, None);
        assert_eq!(authenticate(&ok, &no_hash).unwrap_err().code(), "invalid_client");
    }

    #[test]
    fn www_authenticate_quotes_the_realm() {
        assert_eq!(www_authenticate_basic("myapp"), "Basic realm=\"myapp\"");
        assert_eq!(www_authenticate_basic("a\"b\\c\n"), "Basic realm=\"a\\\"b\\\\c\"");
    }
}

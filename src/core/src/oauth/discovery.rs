//! Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 (one
//! document serves both). It lists exactly what is implemented; nothing
//! advertised is missing, nothing implemented is left out.

use serde_json::{json, Value};

/// Paths relative to the issuer.
pub const AUTHORIZE_PATH: &str = "/oauth2/authorize";
pub const TOKEN_PATH: &str = "/oauth2/token";
pub const USERINFO_PATH: &str = "/oauth2/userinfo";
pub const REVOKE_PATH: &str = "/oauth2/revoke";
pub const INTROSPECT_PATH: &str = "/oauth2/introspect";
pub const LOGOUT_PATH: &str = "/oauth2/logout";
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
pub const OAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";

/// How long clients and HTTP caches may keep the metadata document: it
/// changes only with a deployment.
pub const METADATA_MAX_AGE_SECONDS: u32 = 3_600;
/// How long clients and HTTP caches may keep the JWKS: well under the hour
/// a new key is published before it signs (`docs/signing.md`).
pub const JWKS_MAX_AGE_SECONDS: u32 = 300;
/// How long the front Worker serves an application's JWKS from its own
/// caches (the isolate's memory, then the Cache API) before asking the
/// signer again. A rotation answered through an isolate drops its copy at
/// once; any other isolate's copy is at most this old.
pub const EDGE_JWKS_TTL_MS: i64 = 30_000;

/// `Cache-Control` of a public document clients may keep `max_age` seconds.
#[must_use]
pub fn public_cache_control(max_age: u32) -> String {
    format!("public, max-age={max_age}")
}

/// The metadata document for `issuer`.
#[must_use]
pub fn metadata(issuer: &str) -> Value {
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "userinfo_endpoint": format!("{issuer}{USERINFO_PATH}"),
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "revocation_endpoint": format!("{issuer}{REVOKE_PATH}"),
        "introspection_endpoint": format!("{issuer}{INTROSPECT_PATH}"),
        "end_session_endpoint": format!("{issuer}{LOGOUT_PATH}"),
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": crate::mfa::ACR_VALUES,
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid",
            "name", "picture", "updated_at", "email", "email_verified"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "prompt_values_supported": ["none", "login", "consent", "select_account", "create"],
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_hang_off_the_issuer() {
        let m = metadata("http://myapp.localhost:8787");
        assert_eq!(m["issuer"], "http://myapp.localhost:8787");
        assert_eq!(m["token_endpoint"], "http://myapp.localhost:8787/oauth2/token");
        assert_eq!(m["jwks_uri"], "http://myapp.localhost:8787/.well-known/jwks.json");
    }

    #[test]
    fn only_what_the_baseline_allows() {
        let m = metadata("https://a.example");
        assert_eq!(m["response_types_supported"], json!(["code"]));
        assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
        let grants = m["grant_types_supported"].as_array().unwrap();
        assert!(!grants.iter().any(|g| g == "password" || g == "implicit"));
        // RS256 must be supported for ID tokens (OIDC Core §15.1).
        assert!(m["id_token_signing_alg_values_supported"].as_array().unwrap().iter().any(|a| a == "RS256"));
    }
}

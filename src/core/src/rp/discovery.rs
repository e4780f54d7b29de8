//! Checking an upstream OpenID Provider's discovery document (OpenID
//! Connect Discovery 1.0 §3, §4.3) before we rely on it.

use crate::rp::config::{check_endpoint_url, Endpoints, Reach, UpstreamAuth};
use serde_json::{Map, Value};

/// The endpoints of `issuer`, from its discovery document `doc`. Refused
/// (with the reason) when the document is not for that issuer, lacks an
/// endpoint we need, names one that is not a valid https URL, cannot do
/// the code flow, or signs ID tokens only with algorithms we cannot check.
pub fn endpoints_from(doc: &Value, issuer: &str, auth: Option<UpstreamAuth>, reach: Reach) -> Result<Endpoints, String> {
    let obj = doc.as_object().ok_or("the discovery document is not a JSON object")?;
    // §4.3: "The issuer value returned MUST be identical to the Issuer URL
    // that was used as the prefix to /.well-known/openid-configuration".
    match obj.get("issuer").and_then(Value::as_str) {
        Some(i) if i == issuer => {}
        Some(_) => return Err("the discovery document names a different issuer".into()),
        None => return Err("the discovery document has no issuer".into()),
    }
    let url = |key: &str, required: bool| -> Result<Option<String>, String> {
        match obj.get(key) {
            None | Some(Value::Null) if !required => Ok(None),
            None | Some(Value::Null) => Err(format!("the discovery document has no {key}")),
            Some(Value::String(s)) => check_endpoint_url(s, reach).map(|()| Some(s.clone())).map_err(|m| format!("{key} {m}")),
            Some(_) => Err(format!("{key} is not a string")),
        }
    };
    let authorization_endpoint = url("authorization_endpoint", true)?.unwrap_or_default();
    let token_endpoint = url("token_endpoint", true)?.unwrap_or_default();
    let jwks_uri = url("jwks_uri", true)?;
    let userinfo_endpoint = url("userinfo_endpoint", false)?;
    if !string_list(obj, "response_types_supported").is_some_and(|l| l.contains(&"code")) {
        return Err("the provider does not support the authorization code flow (response_types_supported)".into());
    }
    // Absent means RS256 only (Discovery §3 requires the member; RS256 is
    // the default of id_token_signed_response_alg).
    let algs = string_list(obj, "id_token_signing_alg_values_supported").unwrap_or_else(|| vec!["RS256"]);
    if !algs.iter().any(|a| matches!(*a, "RS256" | "ES256")) {
        return Err("the provider signs ID tokens with no algorithm we accept (RS256, ES256)".into());
    }
    // Absent means client_secret_basic (Discovery §3).
    let methods = string_list(obj, "token_endpoint_auth_methods_supported").unwrap_or_else(|| vec!["client_secret_basic"]);
    let supports = |m: UpstreamAuth| {
        methods.contains(&match m {
            UpstreamAuth::ClientSecretBasic => "client_secret_basic",
            UpstreamAuth::ClientSecretPost => "client_secret_post",
        })
    };
    let token_endpoint_auth_method = match auth {
        Some(m) if supports(m) => m,
        Some(_) => return Err("the provider does not support the requested token_endpoint_auth_method".into()),
        None if supports(UpstreamAuth::ClientSecretBasic) => UpstreamAuth::ClientSecretBasic,
        None if supports(UpstreamAuth::ClientSecretPost) => UpstreamAuth::ClientSecretPost,
        None => return Err("the provider supports neither client_secret_basic nor client_secret_post".into()),
    };
    Ok(Endpoints {
        issuer: Some(issuer.to_owned()),
        authorization_endpoint,
        token_endpoint,
        userinfo_endpoint,
        jwks_uri,
        emails_endpoint: None,
        token_endpoint_auth_method,
        authorization_response_iss_parameter_supported: obj
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Where the discovery document of `issuer` is (§4.1: a path component is
/// kept, a trailing slash is not doubled).
#[must_use]
pub fn discovery_url(issuer: &str) -> String {
    format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))
}

fn string_list<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<Vec<&'a str>> {
    obj.get(key)?.as_array().map(|a| a.iter().filter_map(Value::as_str).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "issuer": "https://id.example.com",
            "authorization_endpoint": "https://id.example.com/auth",
            "token_endpoint": "https://id.example.com/token",
            "userinfo_endpoint": "https://id.example.com/me",
            "jwks_uri": "https://id.example.com/jwks",
            "response_types_supported": ["code", "id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "authorization_response_iss_parameter_supported": true
        })
    }

    #[test]
    fn a_consistent_document_gives_endpoints() {
        let e = endpoints_from(&doc(), "https://id.example.com", None, Reach::Public).unwrap();
        assert_eq!(e.token_endpoint, "https://id.example.com/token");
        assert_eq!(e.jwks_uri.as_deref(), Some("https://id.example.com/jwks"));
        assert_eq!(e.token_endpoint_auth_method, UpstreamAuth::ClientSecretPost);
        assert!(e.authorization_response_iss_parameter_supported);
    }

    #[test]
    fn inconsistent_documents_are_refused() {
        assert!(endpoints_from(&doc(), "https://other.example.com", None, Reach::Public).unwrap_err().contains("different issuer"));
        let mut d = doc();
        d["jwks_uri"] = json!("http://id.example.com/jwks");
        assert!(endpoints_from(&d, "https://id.example.com", None, Reach::Public).unwrap_err().contains("jwks_uri"));
        let mut d = doc();
        d.as_object_mut().unwrap().remove("token_endpoint");
        assert!(endpoints_from(&d, "https://id.example.com", None, Reach::Public).is_err());
        let mut d = doc();
        d["response_types_supported"] = json!(["id_token"]);
        assert!(endpoints_from(&d, "https://id.example.com", None, Reach::Public).is_err());
        let mut d = doc();
        d["id_token_signing_alg_values_supported"] = json!(["HS256"]);
        assert!(endpoints_from(&d, "https://id.example.com", None, Reach::Public).is_err());
        assert!(endpoints_from(&doc(), "https://id.example.com", Some(UpstreamAuth::ClientSecretBasic), Reach::Public).is_err());
        assert!(endpoints_from(&json!([]), "https://id.example.com", None, Reach::Public).is_err());
    }

    #[test]
    fn discovery_url_keeps_the_path() {
        assert_eq!(discovery_url("https://a.example/tenant/"), "https://a.example/tenant/.well-known/openid-configuration");
    }
}

//! The claims of the tokens Aero2 issues, and the JSON they sign into.
//!
//! JSON is built by hand rather than by `#[derive(Serialize)]`: it cannot
//! fail that way (no `unwrap` on an impossible error), optional claims are
//! simply left out, and an ID token's profile claims can never overwrite a
//! protocol claim such as `sub` or `aud`, which `#[serde(flatten)]` would
//! silently allow.

use crate::jose::{b64, Alg};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `typ` header of a JWT access token (RFC 9068 §2.1). It is what stops
/// an access token being accepted as an ID token and vice versa.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// `aud`: one string or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    #[must_use]
    pub fn contains(&self, audience: &str) -> bool {
        self.iter().any(|a| a == audience)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let slice = match self {
            Audience::One(one) => std::slice::from_ref(one),
            Audience::Many(many) => many.as_slice(),
        };
        slice.iter().map(String::as_str)
    }

    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Audience::One(one) => Value::from(one.as_str()),
            Audience::Many(many) => Value::from(many.clone()),
        }
    }
}

/// A JWT access token's claims (RFC 9068 §2.2). Times are NumericDate:
/// whole seconds since the epoch (RFC 7519 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// The user, or the client itself for client credentials (§2.2).
    pub sub: String,
    /// The resource server(s) the token is for (RFC 9068 §3).
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    pub nbf: Option<i64>,
    pub jti: String,
    pub client_id: String,
    /// Space-delimited (RFC 9068 §2.2.3, RFC 8693 §4.2); absent when the
    /// grant carried no scope.
    pub scope: Option<String>,
    /// §2.2.1: present when the token was issued after a user authenticated.
    pub auth_time: Option<i64>,
    pub acr: Option<String>,
    pub amr: Option<Vec<String>>,
    /// The organization it was issued in (`crate::organization`).
    pub org_id: Option<String>,
}

impl AccessTokenClaims {
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut c = Map::new();
        c.insert("iss".into(), self.iss.as_str().into());
        c.insert("sub".into(), self.sub.as_str().into());
        c.insert("aud".into(), self.aud.to_json());
        c.insert("exp".into(), self.exp.into());
        c.insert("iat".into(), self.iat.into());
        put(&mut c, "nbf", self.nbf);
        c.insert("jti".into(), self.jti.as_str().into());
        c.insert("client_id".into(), self.client_id.as_str().into());
        put(&mut c, "scope", self.scope.as_deref());
        put(&mut c, "auth_time", self.auth_time);
        put(&mut c, "acr", self.acr.as_deref());
        put(&mut c, "amr", self.amr.clone());
        put(&mut c, "org_id", self.org_id.as_deref());
        Value::Object(c)
    }

    /// The granted scopes, one by one.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split(' ').filter(|s| !s.is_empty())
    }

    /// RFC 9068 §4: a resource server MUST check that `aud` names it.
    pub fn check_audience(&self, expected: &str) -> Result<(), crate::jose::JoseError> {
        if self.aud.contains(expected) {
            Ok(())
        } else {
            Err(crate::jose::JoseError::WrongAudience)
        }
    }
}

/// Protocol claims of an ID token; profile claims may not reuse these names.
const ID_TOKEN_PROTOCOL_CLAIMS: [&str; 15] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "c_hash",
    "sid",
    "nbf",
    "jti",
];

/// An ID token's claims (OIDC Core §2, §3.1.3.6). Standard profile claims
/// (`name`, `email`, `email_verified`, `picture`, … OIDC Core §5.1) go in
/// `profile` and appear at the top level of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    /// The client_id of the relying party: we issue single-audience ID tokens.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// Always sent: it costs nothing and makes `max_age` checkable (§2).
    pub auth_time: i64,
    /// Echoed from the authorization request when it had one (§3.1.2.1).
    pub nonce: Option<String>,
    pub acr: Option<String>,
    /// Omitted when empty.
    pub amr: Vec<String>,
    /// OIDC Core §2: needed only when `aud` has several values, which ours
    /// never does, but some deployments want it set to the client anyway.
    pub azp: Option<String>,
    /// With an access token from the authorization endpoint (§3.1.3.6 /
    /// §3.3.2.11); see [`at_hash`].
    pub at_hash: Option<String>,
    /// The OP session (Front-/Back-Channel Logout 1.0 §2 / §3).
    pub sid: Option<String>,
    pub profile: Map<String, Value>,
}

impl IdTokenClaims {
    /// Profile entries named like a protocol claim are dropped, so a user
    /// attribute can never forge `sub`, `aud` or `nonce`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut c: Map<String, Value> = self
            .profile
            .iter()
            .filter(|(k, _)| !ID_TOKEN_PROTOCOL_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        c.insert("iss".into(), self.iss.as_str().into());
        c.insert("sub".into(), self.sub.as_str().into());
        c.insert("aud".into(), self.aud.as_str().into());
        c.insert("exp".into(), self.exp.into());
        c.insert("iat".into(), self.iat.into());
        c.insert("auth_time".into(), self.auth_time.into());
        put(&mut c, "nonce", self.nonce.as_deref());
        put(&mut c, "acr", self.acr.as_deref());
        if !self.amr.is_empty() {
            c.insert("amr".into(), self.amr.clone().into());
        }
        put(&mut c, "azp", self.azp.as_deref());
        put(&mut c, "at_hash", self.at_hash.as_deref());
        put(&mut c, "sid", self.sid.as_deref());
        Value::Object(c)
    }
}

fn put<T: Into<Value>>(claims: &mut Map<String, Value>, name: &str, value: Option<T>) {
    if let Some(v) = value {
        claims.insert(name.to_owned(), v.into());
    }
}

/// OIDC Core §3.1.3.6: hash the ASCII access token with the hash of the ID
/// token's `alg`, keep the left-most half, base64url it. SHA-256 and 16
/// bytes for both RS256 and ES256.
#[must_use]
pub fn at_hash(alg: Alg, access_token: &str) -> String {
    let digest = match alg {
        Alg::RS256 | Alg::ES256 => Sha256::digest(access_token.as_bytes()),
    };
    b64::encode(digest.get(..alg.hash_len() / 2).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn access_claims() -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "https://myapp.aero2.dev".into(),
            sub: "usr_1".into(),
            aud: Audience::One("https://api.example.com".into()),
            exp: 1_700_000_600,
            iat: 1_700_000_000,
            nbf: None,
            jti: "jti_1".into(),
            client_id: "cli_1".into(),
            scope: Some("openid profile".into()),
            auth_time: None,
            acr: None,
            amr: None,
            org_id: None,
        }
    }

    #[test]
    fn access_token_json_leaves_out_what_is_absent() {
        assert_eq!(
            access_claims().to_json(),
            json!({
                "iss": "https://myapp.aero2.dev", "sub": "usr_1", "aud": "https://api.example.com",
                "exp": 1_700_000_600, "iat": 1_700_000_000, "jti": "jti_1", "client_id": "cli_1",
                "scope": "openid profile"
            })
        );
        let full = AccessTokenClaims {
            aud: Audience::Many(vec!["a".into(), "b".into()]),
            nbf: Some(1),
            scope: None,
            auth_time: Some(2),
            acr: Some("urn:x".into()),
            amr: Some(vec!["pwd".into(), "mfa".into()]),
            ..access_claims()
        };
        let json = full.to_json();
        assert_eq!(json["aud"], json!(["a", "b"]));
        assert_eq!((json["nbf"].clone(), json["auth_time"].clone()), (json!(1), json!(2)));
        assert_eq!((json["acr"].clone(), json["amr"].clone()), (json!("urn:x"), json!(["pwd", "mfa"])));
        assert!(json.get("scope").is_none());
    }

    #[test]
    fn audiences_and_scopes_read_both_ways() {
        let one = Audience::One("a".into());
        let many = Audience::Many(vec!["a".into(), "b".into()]);
        assert!(one.contains("a") && !one.contains("b"));
        assert!(many.contains("b") && !many.contains("c"));
        assert_eq!(many.iter().collect::<Vec<_>>(), ["a", "b"]);
        let at = AccessTokenClaims { scope: Some(" openid  email ".into()), ..access_claims() };
        assert_eq!(at.scopes().collect::<Vec<_>>(), ["openid", "email"]);
        assert_eq!(AccessTokenClaims { scope: None, ..access_claims() }.scopes().count(), 0);
        assert_eq!(at.check_audience("https://api.example.com"), Ok(()));
        assert_eq!(at.check_audience("https://other.example.com"), Err(crate::jose::JoseError::WrongAudience));
    }

    #[test]
    fn id_token_json_merges_profile_but_never_over_protocol_claims() {
        let mut profile = Map::new();
        profile.insert("name".into(), json!("Ada"));
        profile.insert("email".into(), json!("ada@example.com"));
        profile.insert("email_verified".into(), json!(true));
        profile.insert("sub".into(), json!("usr_admin"));
        profile.insert("nonce".into(), json!("forged"));
        let id = IdTokenClaims {
            iss: "https://myapp.aero2.dev".into(),
            sub: "usr_1".into(),
            aud: "cli_1".into(),
            exp: 1_700_000_600,
            iat: 1_700_000_000,
            auth_time: 1_699_999_990,
            nonce: None,
            acr: None,
            amr: vec![],
            azp: None,
            at_hash: None,
            sid: Some("sid_1".into()),
            profile,
        };
        assert_eq!(
            id.to_json(),
            json!({
                "iss": "https://myapp.aero2.dev", "sub": "usr_1", "aud": "cli_1", "exp": 1_700_000_600,
                "iat": 1_700_000_000, "auth_time": 1_699_999_990, "sid": "sid_1",
                "name": "Ada", "email": "ada@example.com", "email_verified": true
            })
        );
        let more = IdTokenClaims {
            nonce: Some("n-0S6_WzA2Mj".into()),
            acr: Some("1".into()),
            amr: vec!["pwd".into()],
            azp: Some("cli_1".into()),
            at_hash: Some("77QmUPtjPfzWtF2AnpK9RQ".into()),
            ..id
        };
        let json = more.to_json();
        assert_eq!(json["nonce"], "n-0S6_WzA2Mj");
        assert_eq!(json["amr"], json!(["pwd"]));
        assert_eq!((json["acr"].as_str(), json["azp"].as_str()), (Some("1"), Some("cli_1")));
        assert_eq!(json["at_hash"], "77QmUPtjPfzWtF2AnpK9RQ");
    }

    #[test]
    fn at_hash_matches_the_oidc_core_example() {
        // OIDC Core Appendix A.3: the access token and the at_hash of the
        // example ID token issued with it (RS256).
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(at_hash(Alg::RS256, token), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(at_hash(Alg::ES256, token), "77QmUPtjPfzWtF2AnpK9RQ");
    }

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        let token = "ya29.an-access-token";
        let digest = Sha256::digest(token.as_bytes());
        let expected = b64::encode(&digest[..16]);
        assert_eq!(at_hash(Alg::ES256, token), expected);
        assert_eq!(expected.len(), 22);
    }
}

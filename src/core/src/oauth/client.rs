//! Registered OAuth clients: the stored model, the management API's request
//! bodies that create and change one, client ids and client secrets.
//!
//! Registration follows RFC 7591's vocabulary (§2: `token_endpoint_auth_method`,
//! `grant_types`, `redirect_uris`) and RFC 9700's restrictions: no implicit
//! or password grant (§2.1.2, §2.4), PKCE required for public clients and
//! never weakened to `plain` (§2.1.1). Bodies are parsed by hand, as in
//! [`crate::application`], so every rejection names its field.
//!
//! A client secret is `cs_` and 64 hex characters (256 random bits). Only its
//! SHA-256 is stored: with that much entropy a salted slow hash adds nothing.

use super::redirect_uri::{find_registered, validate_redirect_uri, RedirectUriError};
use super::scope::{Scope, ACCOUNT, EMAIL, KNOWN_SCOPES, OFFLINE_ACCESS, OPENID, PROFILE};
use crate::encoding::{hex, sha256_hex};
use crate::error::ApiError;
use crate::jose::alg::Alg;
use crate::json_body::{self, object, reject_unknown, truncate};
use crate::secret::{constant_time_eq, SecretString};
use crate::organization::Usage;
use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const MAX_URIS: usize = 20;
const CLIENT_ID_PREFIX: &str = "cl_";
const CLIENT_SECRET_PREFIX: &str = "cs_";
const DEFAULT_SCOPES: &[&str] = &[OPENID, PROFILE, EMAIL, OFFLINE_ACCESS];

/// RFC 6749 §2.1: whether the client can keep a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    Confidential,
    Public,
}

/// How the client authenticates at the token endpoint (RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    None,
}

impl TokenEndpointAuthMethod {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TokenEndpointAuthMethod::ClientSecretBasic => "client_secret_basic",
            TokenEndpointAuthMethod::ClientSecretPost => "client_secret_post",
            TokenEndpointAuthMethod::None => "none",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client_secret_basic" => Some(TokenEndpointAuthMethod::ClientSecretBasic),
            "client_secret_post" => Some(TokenEndpointAuthMethod::ClientSecretPost),
            "none" => Some(TokenEndpointAuthMethod::None),
            _ => None,
        }
    }
}

/// Grants Aero2 issues tokens for (RFC 7591 §2 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "authorization_code" => Some(GrantType::AuthorizationCode),
            "refresh_token" => Some(GrantType::RefreshToken),
            "client_credentials" => Some(GrantType::ClientCredentials),
            _ => None,
        }
    }
}

/// A registered client as stored and as the management API returns it.
/// `secret_hash` is never serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub client_id: String,
    pub app_id: String,
    pub name: String,
    pub client_type: ClientType,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    #[serde(skip_serializing, default)]
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    /// The scopes this client may request.
    pub scopes: Scope,
    pub first_party: bool,
    pub require_pkce: bool,
    /// RFC 7591 §2 / OIDC Registration §2: RS256 unless the client asks for
    /// ES256 (smaller, and much cheaper to sign).
    #[serde(default = "default_id_token_alg")]
    pub id_token_signed_response_alg: Alg,
    /// A disabled client is treated everywhere as if it did not exist:
    /// it cannot authenticate or start sign-ins, and the tokens it holds
    /// are refused while it stays disabled.
    #[serde(default)]
    pub disabled: bool,
    /// Whether it signs users in to organizations (`crate::organization`).
    #[serde(default)]
    pub organization_usage: Usage,
    pub created_at: i64,
    pub updated_at: i64,
}

fn default_id_token_alg() -> Alg {
    Alg::RS256
}

#[cfg(test)]
impl Client {
    /// A client for unit tests: its type follows `method`; no redirect
    /// URIs, no scopes; tests override what they exercise.
    pub(crate) fn for_tests(method: TokenEndpointAuthMethod, grant_types: &[GrantType]) -> Client {
        Client {
            client_id: "cl_a".into(),
            app_id: "app_1".into(),
            name: "x".into(),
            client_type: if method == TokenEndpointAuthMethod::None { ClientType::Public } else { ClientType::Confidential },
            token_endpoint_auth_method: method,
            secret_hash: None,
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            grant_types: grant_types.to_vec(),
            scopes: Scope::default(),
            first_party: false,
            require_pkce: true,
            id_token_signed_response_alg: Alg::RS256,
            disabled: false,
            organization_usage: Usage::None,
            created_at: 0,
            updated_at: 0,
        }
    }
}

impl Client {
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.client_type == ClientType::Public
    }

    /// Public clients always need PKCE, whatever the stored flag says.
    #[must_use]
    pub fn requires_pkce(&self) -> bool {
        self.require_pkce || self.is_public()
    }

    #[must_use]
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    #[must_use]
    pub fn registered_redirect_uri(&self, presented: &str) -> Option<&str> {
        find_registered(&self.redirect_uris, presented)
    }

    #[must_use]
    pub fn registered_post_logout_redirect_uri(&self, presented: &str) -> Option<&str> {
        find_registered(&self.post_logout_redirect_uris, presented)
    }
}

/// A new client id, `cl_` and 32 hex characters.
#[must_use]
pub fn new_client_id(entropy: [u8; 16]) -> String {
    format!("{CLIENT_ID_PREFIX}{}", hex(&entropy))
}

/// Whether `s` has the shape of a client id; checked before any lookup.
#[must_use]
pub fn is_client_id(s: &str) -> bool {
    s.strip_prefix(CLIENT_ID_PREFIX).is_some_and(|rest| {
        rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }) || s == crate::application::DASHBOARD_WEB_APP_CLIENT_ID
}

/// Mints a client secret: the secret, shown once, and the hash to store.
#[must_use]
pub fn mint_client_secret(entropy: [u8; 32]) -> (SecretString, String) {
    let secret = format!("{CLIENT_SECRET_PREFIX}{}", hex(&entropy));
    let hash = sha256_hex(secret.as_bytes());
    (SecretString::new(secret), hash)
}

/// Whether `presented` is the secret whose hash was stored.
#[must_use]
pub fn verify_client_secret(presented: &str, stored_hash: &str) -> bool {
    constant_time_eq(sha256_hex(presented.as_bytes()).as_bytes(), stored_hash.as_bytes())
}

/// A validated registration request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub name: String,
    pub client_type: ClientType,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Scope,
    pub first_party: bool,
    pub require_pkce: bool,
    pub id_token_signed_response_alg: Alg,
    pub organization_usage: Usage,
}

/// A validated update. Only these fields may change: the auth method, and so
/// the client type, is fixed at creation because secrets and issued tokens
/// depend on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub scopes: Option<Scope>,
    pub first_party: Option<bool>,
    pub require_pkce: Option<bool>,
    pub id_token_signed_response_alg: Option<Alg>,
    pub disabled: Option<bool>,
    pub organization_usage: Option<Usage>,
}

const IMMUTABLE_FIELDS: &[&str] = &["client_id", "app_id", "client_type", "token_endpoint_auth_method", "grant_types"];

fn parse_id_token_alg(v: &Value) -> Result<Alg, ApiError> {
    v.as_str()
        .and_then(Alg::parse)
        .ok_or_else(|| ApiError::invalid("id_token_signed_response_alg", "must be \"RS256\" or \"ES256\""))
}

fn parse_bool(field: &'static str, v: &Value) -> Result<bool, ApiError> {
    v.as_bool().ok_or_else(|| ApiError::invalid(field, "must be true or false"))
}

fn parse_auth_method(v: &Value) -> Result<TokenEndpointAuthMethod, ApiError> {
    let field = "token_endpoint_auth_method";
    let s = v.as_str().ok_or_else(|| ApiError::invalid(field, "must be a string"))?;
    TokenEndpointAuthMethod::parse(s).ok_or_else(|| {
        ApiError::invalid(field, "must be \"client_secret_basic\", \"client_secret_post\" or \"none\"")
    })
}

fn parse_grant_types(v: &Value, client_type: ClientType) -> Result<Vec<GrantType>, ApiError> {
    let field = "grant_types";
    let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of strings"))?;
    let mut grants = Vec::new();
    for g in list {
        let s = g.as_str().ok_or_else(|| ApiError::invalid(field, "must contain only strings"))?;
        let grant = match s {
            // RFC 9700 §2.1.2 and §2.4: these must not be used.
            "implicit" | "password" => return Err(ApiError::invalid(field, format!("'{s}' is not supported"))),
            _ => GrantType::parse(s)
                .ok_or_else(|| ApiError::invalid(field, format!("unknown grant type '{}'", truncate(s, 64))))?,
        };
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    if grants.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if client_type == ClientType::Public && grants.contains(&GrantType::ClientCredentials) {
        return Err(ApiError::invalid(field, "client_credentials needs a confidential client"));
    }
    if grants.contains(&GrantType::RefreshToken) && !grants.contains(&GrantType::AuthorizationCode) {
        return Err(ApiError::invalid(field, "refresh_token needs authorization_code"));
    }
    Ok(grants)
}

fn parse_uris(field: &'static str, v: &Value) -> Result<Vec<String>, ApiError> {
    let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of URIs"))?;
    if list.len() > MAX_URIS {
        return Err(ApiError::invalid(field, format!("may list at most {MAX_URIS} URIs")));
    }
    let mut uris: Vec<String> = Vec::new();
    for u in list {
        let s = u.as_str().ok_or_else(|| ApiError::invalid(field, "must contain only strings"))?;
        validate_redirect_uri(s).map_err(|e: RedirectUriError| {
            ApiError::invalid(field, format!("entry '{}' {}", truncate(s, 100), e.message()))
        })?;
        if !uris.iter().any(|x| x == s) {
            uris.push(s.to_owned());
        }
    }
    Ok(uris)
}

fn parse_scopes(v: &Value) -> Result<Scope, ApiError> {
    let field = "scopes";
    let scope = match v {
        Value::String(s) => Scope::parse(s),
        Value::Array(items) => {
            let mut tokens = Vec::new();
            for t in items {
                tokens.push(t.as_str().ok_or_else(|| ApiError::invalid(field, "must contain only strings"))?);
            }
            Scope::parse(&tokens.join(" "))
        }
        _ => return Err(ApiError::invalid(field, "must be a space-separated string or an array of strings")),
    }
    .map_err(|e| ApiError::invalid(field, e.description().to_owned()))?;
    if let Some(unknown) = scope.iter().find(|t| !KNOWN_SCOPES.contains(t)) {
        return Err(ApiError::invalid(
            field,
            format!("unknown scope '{}'; known scopes are {}", truncate(unknown, 64), KNOWN_SCOPES.join(", ")),
        ));
    }
    if scope.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    Ok(scope)
}

/// Cross-field rules shared by creation and update.
struct Rules<'a> {
    client_type: ClientType,
    grants: &'a [GrantType],
    redirect_uris: &'a [String],
    require_pkce: bool,
    scopes: &'a Scope,
    first_party: bool,
}

fn check_client_rules(r: &Rules<'_>) -> Result<(), ApiError> {
    let authorization_code = r.grants.contains(&GrantType::AuthorizationCode);
    if authorization_code && r.redirect_uris.is_empty() {
        return Err(ApiError::invalid("redirect_uris", "is required for the authorization_code grant"));
    }
    if !authorization_code && !r.redirect_uris.is_empty() {
        return Err(ApiError::invalid("redirect_uris", "is only used by the authorization_code grant"));
    }
    if r.client_type == ClientType::Public && !r.require_pkce {
        return Err(ApiError::invalid("require_pkce", "cannot be false for a public client (RFC 9700 §2.1.1)"));
    }
    // The account API changes who owns the account (its address, its
    // password): only the operator's own applications may act there.
    if r.scopes.contains(ACCOUNT) && !r.first_party {
        return Err(ApiError::invalid("scopes", "'account' is only for first-party clients (first_party: true)"));
    }
    Ok(())
}

impl NewClient {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(
            obj,
            &[
                "name", "token_endpoint_auth_method", "redirect_uris", "post_logout_redirect_uris", "grant_types",
                "scopes", "first_party", "require_pkce", "id_token_signed_response_alg", "organization_usage",
            ],
        )?;
        let name = json_body::name("name", obj.get("name"), true)?.unwrap_or_default();
        let token_endpoint_auth_method = obj
            .get("token_endpoint_auth_method")
            .map(parse_auth_method)
            .transpose()?
            .unwrap_or(TokenEndpointAuthMethod::ClientSecretBasic);
        let client_type = match token_endpoint_auth_method {
            TokenEndpointAuthMethod::None => ClientType::Public,
            _ => ClientType::Confidential,
        };
        let grant_types = match obj.get("grant_types") {
            Some(v) => parse_grant_types(v, client_type)?,
            None => vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        };
        let redirect_uris = obj.get("redirect_uris").map(|v| parse_uris("redirect_uris", v)).transpose()?;
        let post_logout_redirect_uris = obj
            .get("post_logout_redirect_uris")
            .map(|v| parse_uris("post_logout_redirect_uris", v))
            .transpose()?
            .unwrap_or_default();
        let scopes = obj.get("scopes").map(parse_scopes).transpose()?.unwrap_or_else(|| Scope::from_known(DEFAULT_SCOPES));
        let first_party = obj.get("first_party").map(|v| parse_bool("first_party", v)).transpose()?.unwrap_or(false);
        let require_pkce = obj.get("require_pkce").map(|v| parse_bool("require_pkce", v)).transpose()?.unwrap_or(true);
        let id_token_signed_response_alg =
            obj.get("id_token_signed_response_alg").map(parse_id_token_alg).transpose()?.unwrap_or(Alg::RS256);
        let organization_usage = obj.get("organization_usage").map(Usage::from_json).transpose()?.unwrap_or_default();
        let redirect_uris = redirect_uris.unwrap_or_default();
        check_client_rules(&Rules {
            client_type,
            grants: &grant_types,
            redirect_uris: &redirect_uris,
            require_pkce,
            scopes: &scopes,
            first_party,
        })?;
        Ok(Self {
            name,
            client_type,
            token_endpoint_auth_method,
            redirect_uris,
            post_logout_redirect_uris,
            grant_types,
            scopes,
            first_party,
            require_pkce,
            id_token_signed_response_alg,
            organization_usage,
        })
    }

    /// The stored client. `secret_hash` comes from [`mint_client_secret`]
    /// for a confidential client and is `None` for a public one.
    #[must_use]
    pub fn into_client(self, client_id: String, app_id: String, secret_hash: Option<String>, now: UnixMillis) -> Client {
        Client {
            client_id,
            app_id,
            name: self.name,
            client_type: self.client_type,
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            secret_hash,
            redirect_uris: self.redirect_uris,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            grant_types: self.grant_types,
            scopes: self.scopes,
            first_party: self.first_party,
            require_pkce: self.require_pkce,
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            disabled: false,
            organization_usage: self.organization_usage,
            created_at: now.0,
            updated_at: now.0,
        }
    }
}

impl ClientPatch {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        if let Some(field) = IMMUTABLE_FIELDS.iter().find(|f| obj.contains_key(**f)) {
            return Err(ApiError::invalid(field, "cannot be changed"));
        }
        reject_unknown(
            obj,
            &[
                "name", "redirect_uris", "post_logout_redirect_uris", "scopes", "first_party", "require_pkce",
                "id_token_signed_response_alg", "disabled", "organization_usage",
            ],
        )?;
        let patch = Self {
            name: json_body::name("name", obj.get("name"), false)?,
            redirect_uris: obj.get("redirect_uris").map(|v| parse_uris("redirect_uris", v)).transpose()?,
            post_logout_redirect_uris: obj
                .get("post_logout_redirect_uris")
                .map(|v| parse_uris("post_logout_redirect_uris", v))
                .transpose()?,
            scopes: obj.get("scopes").map(parse_scopes).transpose()?,
            first_party: obj.get("first_party").map(|v| parse_bool("first_party", v)).transpose()?,
            require_pkce: obj.get("require_pkce").map(|v| parse_bool("require_pkce", v)).transpose()?,
            id_token_signed_response_alg: obj.get("id_token_signed_response_alg").map(parse_id_token_alg).transpose()?,
            disabled: obj.get("disabled").map(|v| parse_bool("disabled", v)).transpose()?,
            organization_usage: obj.get("organization_usage").map(Usage::from_json).transpose()?,
        };
        if patch == Self::default() {
            return Err(ApiError::InvalidBody("nothing to update".into()));
        }
        Ok(patch)
    }

    /// The client with this patch applied, after the rules that depend on
    /// the client as a whole.
    pub fn apply(self, client: &Client, now: UnixMillis) -> Result<Client, ApiError> {
        let mut next = client.clone();
        if let Some(name) = self.name {
            next.name = name;
        }
        if let Some(uris) = self.redirect_uris {
            next.redirect_uris = uris;
        }
        if let Some(uris) = self.post_logout_redirect_uris {
            next.post_logout_redirect_uris = uris;
        }
        if let Some(scopes) = self.scopes {
            next.scopes = scopes;
        }
        if let Some(first_party) = self.first_party {
            next.first_party = first_party;
        }
        if let Some(require_pkce) = self.require_pkce {
            next.require_pkce = require_pkce;
        }
        if let Some(alg) = self.id_token_signed_response_alg {
            next.id_token_signed_response_alg = alg;
        }
        if let Some(disabled) = self.disabled {
            next.disabled = disabled;
        }
        if let Some(usage) = self.organization_usage {
            next.organization_usage = usage;
        }
        check_client_rules(&Rules {
            client_type: next.client_type,
            grants: &next.grant_types,
            redirect_uris: &next.redirect_uris,
            require_pkce: next.require_pkce,
            scopes: &next.scopes,
            first_party: next.first_party,
        })?;
        next.updated_at = now.0;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CB: &str = "https://app.example.com/cb";

    fn field_of(e: ApiError) -> Option<&'static str> {
        e.body().field
    }

    fn client(body: Value) -> Client {
        NewClient::from_json(&body).unwrap().into_client("cl_1".into(), "app_1".into(), None, UnixMillis(5))
    }

    #[test]
    fn id_tokens_default_to_rs256_and_may_ask_for_es256() {
        let base = json!({"name": "x", "redirect_uris": [CB]});
        assert_eq!(NewClient::from_json(&base).unwrap().id_token_signed_response_alg, Alg::RS256);
        let mut es = base.clone();
        es["id_token_signed_response_alg"] = json!("ES256");
        assert_eq!(NewClient::from_json(&es).unwrap().id_token_signed_response_alg, Alg::ES256);
        es["id_token_signed_response_alg"] = json!("none");
        assert_eq!(field_of(NewClient::from_json(&es).unwrap_err()), Some("id_token_signed_response_alg"));
        let patch = ClientPatch::from_json(&json!({"id_token_signed_response_alg": "ES256"})).unwrap();
        let c = NewClient::from_json(&base).unwrap().into_client("cl_x".into(), "app_x".into(), None, UnixMillis(1));
        assert_eq!(patch.apply(&c, UnixMillis(2)).unwrap().id_token_signed_response_alg, Alg::ES256);
    }

    #[test]
    fn the_account_scope_is_for_first_party_clients_only() {
        let third = json!({"name": "x", "redirect_uris": [CB], "scopes": "openid account"});
        assert_eq!(field_of(NewClient::from_json(&third).unwrap_err()), Some("scopes"));
        let mut first = third.clone();
        first["first_party"] = json!(true);
        let c = client(first);
        assert!(c.scopes.contains(ACCOUNT));
        // Neither can a patch make a client third-party while it keeps the scope.
        let demote = ClientPatch::from_json(&json!({"first_party": false})).unwrap();
        assert_eq!(field_of(demote.apply(&c, UnixMillis(9)).unwrap_err()), Some("scopes"));
        let both = ClientPatch::from_json(&json!({"first_party": false, "scopes": "openid"})).unwrap();
        assert!(!both.apply(&c, UnixMillis(9)).unwrap().first_party);
    }

    #[test]
    fn clients_can_be_disabled_and_enabled() {
        let c = client(json!({"name": "x", "redirect_uris": [CB]}));
        assert!(!c.disabled);
        let off = ClientPatch::from_json(&json!({"disabled": true})).unwrap().apply(&c, UnixMillis(9)).unwrap();
        assert!(off.disabled);
        assert_eq!(field_of(ClientPatch::from_json(&json!({"disabled": "yes"})).unwrap_err()), Some("disabled"));
    }

    #[test]
    fn defaults_make_a_confidential_code_client() {
        let c = NewClient::from_json(&json!({"name": " Web ", "redirect_uris": [CB, CB]})).unwrap();
        assert_eq!(c.name, "Web");
        assert_eq!(c.client_type, ClientType::Confidential);
        assert_eq!(c.token_endpoint_auth_method, TokenEndpointAuthMethod::ClientSecretBasic);
        assert_eq!(c.grant_types, [GrantType::AuthorizationCode, GrantType::RefreshToken]);
        assert_eq!(c.redirect_uris, [CB]);
        assert_eq!(c.scopes.to_string(), "openid profile email offline_access");
        assert!(!c.first_party && c.require_pkce);
    }

    #[test]
    fn auth_method_none_makes_a_public_client() {
        let c = client(json!({"name": "SPA", "token_endpoint_auth_method": "none", "redirect_uris": [CB],
            "scopes": ["openid", "email"]}));
        assert!(c.is_public() && c.requires_pkce());
        assert_eq!(c.scopes.to_string(), "openid email");
        assert_eq!((c.created_at, c.updated_at), (5, 5));
    }

    #[test]
    fn machine_clients_need_no_redirect_uri() {
        let c = client(json!({"name": "Cron", "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_post"}));
        assert!(c.allows_grant(GrantType::ClientCredentials));
        assert!(!c.allows_grant(GrantType::AuthorizationCode));
        assert!(c.redirect_uris.is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (json!({"redirect_uris": [CB]}), Some("name")),
            (json!({"name": "", "redirect_uris": [CB]}), Some("name")),
            (json!({"name": 3, "redirect_uris": [CB]}), Some("name")),
            (json!({"name": "x"}), Some("redirect_uris")),
            (json!({"name": "x", "redirect_uris": []}), Some("redirect_uris")),
            (json!({"name": "x", "redirect_uris": CB}), Some("redirect_uris")),
            (json!({"name": "x", "redirect_uris": ["http://app.example.com/cb"]}), Some("redirect_uris")),
            (json!({"name": "x", "redirect_uris": ["https://app.example.com/cb#f"]}), Some("redirect_uris")),
            (json!({"name": "x", "redirect_uris": vec![CB; 21]}), Some("redirect_uris")),
            (json!({"name": "x", "redirect_uris": [CB], "post_logout_redirect_uris": ["javascript:x"]}),
                Some("post_logout_redirect_uris")),
            (json!({"name": "x", "redirect_uris": [CB], "token_endpoint_auth_method": "private_key_jwt"}),
                Some("token_endpoint_auth_method")),
            (json!({"name": "x", "redirect_uris": [CB], "grant_types": ["implicit"]}), Some("grant_types")),
            (json!({"name": "x", "redirect_uris": [CB], "grant_types": ["password"]}), Some("grant_types")),
            (json!({"name": "x", "redirect_uris": [CB], "grant_types": []}), Some("grant_types")),
            (json!({"name": "x", "redirect_uris": [CB], "grant_types": ["refresh_token"]}), Some("grant_types")),
            (json!({"name": "x", "redirect_uris": [CB], "grant_types": ["authorization_code", "client_credentials"],
                "token_endpoint_auth_method": "none"}), Some("grant_types")),
            (json!({"name": "x", "grant_types": ["client_credentials"], "redirect_uris": [CB]}), Some("redirect_uris")),
            (json!({"name": "x", "redirect_uris": [CB], "scopes": "openid admin"}), Some("scopes")),
            (json!({"name": "x", "redirect_uris": [CB], "scopes": "open\\id"}), Some("scopes")),
            (json!({"name": "x", "redirect_uris": [CB], "scopes": ""}), Some("scopes")),
            (json!({"name": "x", "redirect_uris": [CB], "scopes": 1}), Some("scopes")),
            (json!({"name": "x", "redirect_uris": [CB], "first_party": "yes"}), Some("first_party")),
            (json!({"name": "x", "redirect_uris": [CB], "token_endpoint_auth_method": "none", "require_pkce": false}),
                Some("require_pkce")),
            (json!({"name": "x", "redirect_uris": [CB], "client_secret": "s"}), None),
            (json!([]), None),
        ];
        for (body, field) in cases {
            let e = NewClient::from_json(&body).unwrap_err();
            assert_eq!(e.status(), 400, "{body}");
            assert_eq!(field_of(e), field, "{body}");
        }
    }

    #[test]
    fn confidential_clients_may_relax_pkce() {
        let c = client(json!({"name": "x", "redirect_uris": [CB], "require_pkce": false}));
        assert!(!c.requires_pkce());
    }

    #[test]
    fn patches_refuse_immutable_fields_and_empty_bodies() {
        for f in IMMUTABLE_FIELDS {
            assert_eq!(field_of(ClientPatch::from_json(&json!({ *f: "x" })).unwrap_err()), Some(*f));
        }
        assert!(matches!(ClientPatch::from_json(&json!({})), Err(ApiError::InvalidBody(_))));
        assert!(matches!(ClientPatch::from_json(&json!({"bogus": 1})), Err(ApiError::InvalidBody(_))));
        assert_eq!(field_of(ClientPatch::from_json(&json!({"scopes": "admin"})).unwrap_err()), Some("scopes"));
    }

    #[test]
    fn patches_apply_with_whole_client_rules() {
        let public = client(json!({"name": "SPA", "token_endpoint_auth_method": "none", "redirect_uris": [CB]}));
        let relax = ClientPatch::from_json(&json!({"require_pkce": false})).unwrap();
        assert_eq!(field_of(relax.apply(&public, UnixMillis(9)).unwrap_err()), Some("require_pkce"));
        let empty = ClientPatch::from_json(&json!({"redirect_uris": []})).unwrap();
        assert_eq!(field_of(empty.apply(&public, UnixMillis(9)).unwrap_err()), Some("redirect_uris"));
        let rename = ClientPatch::from_json(&json!({"name": "New", "first_party": true})).unwrap();
        let next = rename.apply(&public, UnixMillis(9)).unwrap();
        assert_eq!((next.name.as_str(), next.first_party, next.created_at, next.updated_at), ("New", true, 5, 9));
    }

    #[test]
    fn secrets_verify_only_against_their_hash() {
        let (secret, hash) = mint_client_secret([0xab; 32]);
        assert_eq!(secret.secret(), format!("cs_{}", "ab".repeat(32)));
        assert_eq!(hash, sha256_hex(secret.secret().as_bytes()));
        assert!(verify_client_secret(secret.secret(), &hash));
        assert!(!verify_client_secret("cs_wrong", &hash));
        assert!(!verify_client_secret(secret.secret(), ""));
        assert_eq!(format!("{secret:?}"), "SecretString([redacted])");
    }

    #[test]
    fn client_ids_have_a_checkable_shape() {
        let id = new_client_id([0x0f; 16]);
        assert_eq!(id, format!("cl_{}", "0f".repeat(16)));
        assert!(is_client_id(&id));
        assert!(!is_client_id("cl_"));
        assert!(!is_client_id(&id.to_uppercase()));
        assert!(!is_client_id(&format!("{id}0")));
    }

    #[test]
    fn serialization_uses_rfc7591_names_and_hides_the_hash() {
        let mut c = client(json!({"name": "x", "redirect_uris": [CB], "token_endpoint_auth_method": "client_secret_post"}));
        c.secret_hash = Some("h".into());
        let v = serde_json::to_value(&c).unwrap();
        assert!(v.get("secret_hash").is_none());
        assert_eq!(v["token_endpoint_auth_method"], "client_secret_post");
        assert_eq!(v["client_type"], "confidential");
        assert_eq!(v["grant_types"], json!(["authorization_code", "refresh_token"]));
        assert_eq!(v["scopes"], "openid profile email offline_access");
        let back: Client = serde_json::from_value(v).unwrap();
        assert_eq!(back.secret_hash, None);
        assert_eq!(back.redirect_uris, c.redirect_uris);
    }

    #[test]
    fn registered_uris_are_found_with_the_loopback_rule() {
        let c = client(json!({"name": "CLI", "token_endpoint_auth_method": "none",
            "redirect_uris": ["http://127.0.0.1/cb"], "post_logout_redirect_uris": [CB]}));
        assert_eq!(c.registered_redirect_uri("http://127.0.0.1:4000/cb"), Some("http://127.0.0.1/cb"));
        assert_eq!(c.registered_redirect_uri("http://127.0.0.1:4000/other"), None);
        assert_eq!(c.registered_post_logout_redirect_uri(CB), Some(CB));
    }
}

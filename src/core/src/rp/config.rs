//! An application's upstream identity providers: what the management API
//! takes, what is stored, and what deployment configuration may declare.
//!
//! | type | endpoints come from | profile from |
//! |---|---|---|
//! | `github` | github.com, or `enterprise_url` (GitHub Enterprise Server) | `GET /user`, `GET /user/emails` |
//! | `google` | Google's discovery document (`issuer` may be overridden) | the ID token (+ UserInfo) |
//! | `oidc` | the `issuer`'s discovery document, fetched at creation | the ID token (+ UserInfo) |
//! | `oauth2` | given explicitly | UserInfo, through a claim mapping |
//!
//! The client secret is taken here and handed on once; it is sealed before
//! it is stored and never part of [`Idp`]'s JSON.

use crate::error::ApiError;
use crate::json_body::{self, object, reject_unknown, truncate};
use crate::oauth::redirect_uri::{is_loopback_host, split_uri};
use crate::secret::SecretString;
use crate::slug::Slug;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const GITHUB_WEB: &str = "https://github.com";
pub const GITHUB_API: &str = "https://api.github.com";
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const MAX_URL_LEN: usize = 2048;
const MAX_CLIENT_ID_LEN: usize = 512;
const MAX_SECRET_LEN: usize = 1024;
const MAX_SCOPES: usize = 30;
const MAX_CLAIM_PATH_LEN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdpKind {
    Github,
    Google,
    Oidc,
    Oauth2,
}

impl IdpKind {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "github" => Some(Self::Github),
            "google" => Some(Self::Google),
            "oidc" => Some(Self::Oidc),
            "oauth2" => Some(Self::Oauth2),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Github => "github",
            Self::Google => "google",
            Self::Oidc => "oidc",
            Self::Oauth2 => "oauth2",
        }
    }

    /// Whether sign-in ends with an ID token to validate (OpenID Connect).
    #[must_use]
    pub fn is_oidc(self) -> bool {
        matches!(self, Self::Google | Self::Oidc)
    }

    fn default_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Github => &["read:user", "user:email"],
            Self::Google | Self::Oidc => &["openid", "email", "profile"],
            Self::Oauth2 => &[],
        }
    }

    fn default_display_name(self) -> Option<&'static str> {
        match self {
            Self::Github => Some("GitHub"),
            Self::Google => Some("Google"),
            Self::Oidc | Self::Oauth2 => None,
        }
    }
}

/// How we authenticate at the upstream token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamAuth {
    ClientSecretBasic,
    ClientSecretPost,
}

impl UpstreamAuth {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_post" => Some(Self::ClientSecretPost),
            _ => None,
        }
    }
}

/// Where a provider's endpoints are, resolved once (at creation for the
/// API's providers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// OIDC providers: the `iss` their ID tokens carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// GitHub: the address list with each address's verified flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails_endpoint: Option<String>,
    pub token_endpoint_auth_method: UpstreamAuth,
    /// RFC 9207: the provider puts `iss` in its authorization responses,
    /// so one without it (or with another) is refused.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

impl Endpoints {
    /// A static OIDC provider's endpoints before its discovery document is
    /// fetched (on first use, then cached): only the issuer is known.
    #[must_use]
    pub fn undiscovered(issuer: &str, auth: Option<UpstreamAuth>) -> Self {
        Endpoints {
            issuer: Some(issuer.to_owned()),
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            userinfo_endpoint: None,
            jwks_uri: None,
            emails_endpoint: None,
            token_endpoint_auth_method: auth.unwrap_or(UpstreamAuth::ClientSecretBasic),
            authorization_response_iss_parameter_supported: false,
        }
    }

    /// Whether the endpoints still have to be discovered.
    #[must_use]
    pub fn is_undiscovered(&self) -> bool {
        self.authorization_endpoint.is_empty()
    }
}

/// Where each profile field is in a plain OAuth2 provider's UserInfo JSON:
/// a member name, or a dotted path into nested objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimMapping {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<String>,
    pub name: Option<String>,
    pub picture: Option<String>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            subject: "sub".into(),
            email: Some("email".into()),
            email_verified: Some("email_verified".into()),
            name: Some("name".into()),
            picture: Some("picture".into()),
        }
    }
}

/// Where a provider's configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdpSource {
    /// The management API (D1); editable.
    Api,
    /// Deployment configuration (`AERO2_STATIC_IDPS`); read-only.
    Static,
}

/// A configured provider, as stored and as the API shows it (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Idp {
    pub id: String,
    pub app_id: String,
    /// The path segment in `/rp/authorize/{slug}` and `/rp/callback/{slug}`.
    pub slug: String,
    #[serde(rename = "type")]
    pub kind: IdpKind,
    pub display_name: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub enabled: bool,
    pub endpoints: Endpoints,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<ClaimMapping>,
    pub source: IdpSource,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Idp {
    /// The `scope` parameter sent upstream (GitHub separates with spaces
    /// too; RFC 6749 §3.3).
    #[must_use]
    pub fn scope_param(&self) -> String {
        self.scopes.join(" ")
    }
}

/// A provider as the management API creates it, before its endpoints are
/// resolved (an OIDC issuer's discovery document is fetched by the caller).
#[derive(Debug)]
pub struct NewIdp {
    pub kind: IdpKind,
    pub slug: String,
    pub display_name: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub scopes: Vec<String>,
    pub enabled: bool,
    pub source: Resolution,
    pub claims: Option<ClaimMapping>,
}

/// How a new provider's endpoints are found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Fetch `{issuer}/.well-known/openid-configuration` and check it
    /// ([`crate::rp::discovery::endpoints_from`]); an explicit auth method
    /// overrides the one chosen from the document.
    Discover { issuer: String, auth: Option<UpstreamAuth> },
    /// Known without fetching anything.
    Known(Endpoints),
}

const NEW_FIELDS: &[&str] = &[
    "type",
    "slug",
    "display_name",
    "client_id",
    "client_secret",
    "scopes",
    "enabled",
    "issuer",
    "enterprise_url",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "token_endpoint_auth_method",
    "claims",
];

impl NewIdp {
    /// `reach`: which upstream URLs this deployment may call.
    pub fn from_json(body: &Value, reach: Reach) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, NEW_FIELDS)?;
        let kind = obj
            .get("type")
            .ok_or_else(|| ApiError::invalid("type", "is required"))?
            .as_str()
            .and_then(IdpKind::parse)
            .ok_or_else(|| ApiError::invalid("type", "must be \"github\", \"google\", \"oidc\" or \"oauth2\""))?;
        let only_for = |field: &'static str, allowed: &[IdpKind]| -> Result<(), ApiError> {
            if obj.contains_key(field) && !allowed.contains(&kind) {
                return Err(ApiError::invalid(field, format!("does not apply to type {}", kind.as_str())));
            }
            Ok(())
        };
        only_for("issuer", &[IdpKind::Google, IdpKind::Oidc])?;
        only_for("enterprise_url", &[IdpKind::Github])?;
        for f in ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "claims"] {
            only_for(f, &[IdpKind::Oauth2])?;
        }
        only_for("token_endpoint_auth_method", &[IdpKind::Oidc, IdpKind::Oauth2])?;
        let slug = match obj.get("slug") {
            Some(v) => {
                let s = v.as_str().ok_or_else(|| ApiError::invalid("slug", "must be a string"))?;
                Slug::parse(s).map_err(|e| ApiError::invalid("slug", e.message()))?.as_str().to_owned()
            }
            None => kind.as_str().to_owned(),
        };
        let display_name = match json_body::name("display_name", obj.get("display_name"), false)? {
            Some(n) => n,
            None => kind
                .default_display_name()
                .ok_or_else(|| ApiError::invalid("display_name", "is required for this type"))?
                .to_owned(),
        };
        let client_id = required_text(obj, "client_id", MAX_CLIENT_ID_LEN)?;
        let client_secret = SecretString::new(required_text(obj, "client_secret", MAX_SECRET_LEN)?);
        let scopes = match obj.get("scopes") {
            Some(v) => parse_scopes(v)?,
            None => kind.default_scopes().iter().map(|s| (*s).to_owned()).collect(),
        };
        if kind.is_oidc() && !scopes.iter().any(|s| s == "openid") {
            return Err(ApiError::invalid("scopes", "must include openid for an OpenID Connect provider"));
        }
        let enabled = optional_bool(obj, "enabled")?.unwrap_or(true);
        let auth = obj
            .get("token_endpoint_auth_method")
            .map(|v| {
                v.as_str().and_then(UpstreamAuth::parse).ok_or_else(|| {
                    ApiError::invalid("token_endpoint_auth_method", "must be \"client_secret_basic\" or \"client_secret_post\"")
                })
            })
            .transpose()?;
        let (source, claims) = match kind {
            IdpKind::Github => {
                let (web, api) = match obj.get("enterprise_url") {
                    Some(v) => {
                        let base = endpoint_url("enterprise_url", v, reach)?;
                        let base = base.trim_end_matches('/').to_owned();
                        (base.clone(), format!("{base}/api/v3"))
                    }
                    None => (GITHUB_WEB.to_owned(), GITHUB_API.to_owned()),
                };
                (Resolution::Known(github_endpoints(&web, &api)), None)
            }
            IdpKind::Google => {
                let issuer = match obj.get("issuer") {
                    Some(v) => endpoint_url("issuer", v, reach)?,
                    None => GOOGLE_ISSUER.to_owned(),
                };
                (Resolution::Discover { issuer, auth: None }, None)
            }
            IdpKind::Oidc => {
                let issuer = endpoint_url("issuer", obj.get("issuer").ok_or_else(|| ApiError::invalid("issuer", "is required"))?, reach)?;
                (Resolution::Discover { issuer, auth }, None)
            }
            IdpKind::Oauth2 => {
                let required = |field: &'static str| -> Result<String, ApiError> {
                    endpoint_url(field, obj.get(field).ok_or_else(|| ApiError::invalid(field, "is required"))?, reach)
                };
                let endpoints = Endpoints {
                    issuer: None,
                    authorization_endpoint: required("authorization_endpoint")?,
                    token_endpoint: required("token_endpoint")?,
                    userinfo_endpoint: Some(required("userinfo_endpoint")?),
                    jwks_uri: None,
                    emails_endpoint: None,
                    token_endpoint_auth_method: auth.unwrap_or(UpstreamAuth::ClientSecretBasic),
                    authorization_response_iss_parameter_supported: false,
                };
                let claims = obj.get("claims").map(parse_claims).transpose()?.unwrap_or_default();
                (Resolution::Known(endpoints), Some(claims))
            }
        };
        Ok(Self { kind, slug, display_name, client_id, client_secret, scopes, enabled, source, claims })
    }

    /// The stored provider, once its endpoints are known.
    #[must_use]
    pub fn into_idp(self, id: String, app_id: String, endpoints: Endpoints, source: IdpSource, now_ms: i64) -> (Idp, SecretString) {
        let idp = Idp {
            id,
            app_id,
            slug: self.slug,
            kind: self.kind,
            display_name: self.display_name,
            client_id: self.client_id,
            scopes: self.scopes,
            enabled: self.enabled,
            endpoints,
            claims: self.claims,
            source,
            created_at: now_ms,
            updated_at: now_ms,
        };
        (idp, self.client_secret)
    }
}

fn github_endpoints(web: &str, api: &str) -> Endpoints {
    Endpoints {
        issuer: None,
        authorization_endpoint: format!("{web}/login/oauth/authorize"),
        token_endpoint: format!("{web}/login/oauth/access_token"),
        userinfo_endpoint: Some(format!("{api}/user")),
        jwks_uri: None,
        emails_endpoint: Some(format!("{api}/user/emails")),
        // GitHub documents the secret in the form body.
        token_endpoint_auth_method: UpstreamAuth::ClientSecretPost,
        authorization_response_iss_parameter_supported: false,
    }
}

/// What may change after creation: the display name, scopes, enabled flag,
/// client id and secret. Endpoints are fixed; a new issuer is a new
/// provider.
#[derive(Debug, Default)]
pub struct IdpPatch {
    pub display_name: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub scopes: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

impl IdpPatch {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        for fixed in ["type", "slug", "issuer", "enterprise_url", "authorization_endpoint", "token_endpoint", "userinfo_endpoint"] {
            if obj.contains_key(fixed) {
                return Err(ApiError::invalid(fixed, "cannot be changed; create another provider"));
            }
        }
        reject_unknown(obj, &["display_name", "client_id", "client_secret", "scopes", "enabled"])?;
        let patch = Self {
            display_name: json_body::name("display_name", obj.get("display_name"), false)?,
            client_id: obj.get("client_id").map(|_| required_text(obj, "client_id", MAX_CLIENT_ID_LEN)).transpose()?,
            client_secret: obj
                .get("client_secret")
                .map(|_| required_text(obj, "client_secret", MAX_SECRET_LEN).map(SecretString::new))
                .transpose()?,
            scopes: obj.get("scopes").map(parse_scopes).transpose()?,
            enabled: optional_bool(obj, "enabled")?,
        };
        if patch.display_name.is_none()
            && patch.client_id.is_none()
            && patch.client_secret.is_none()
            && patch.scopes.is_none()
            && patch.enabled.is_none()
        {
            return Err(ApiError::InvalidBody("nothing to update".into()));
        }
        Ok(patch)
    }

    /// The provider after the patch (the secret is the caller's to store).
    pub fn apply(&self, idp: &Idp, now_ms: i64) -> Result<Idp, ApiError> {
        let mut next = idp.clone();
        if let Some(n) = &self.display_name {
            next.display_name.clone_from(n);
        }
        if let Some(c) = &self.client_id {
            next.client_id.clone_from(c);
        }
        if let Some(s) = &self.scopes {
            if next.kind.is_oidc() && !s.iter().any(|x| x == "openid") {
                return Err(ApiError::invalid("scopes", "must include openid for an OpenID Connect provider"));
            }
            next.scopes.clone_from(s);
        }
        if let Some(e) = self.enabled {
            next.enabled = e;
        }
        next.updated_at = now_ms;
        Ok(next)
    }
}

fn required_text(obj: &Map<String, Value>, field: &'static str, max: usize) -> Result<String, ApiError> {
    let s = obj
        .get(field)
        .ok_or_else(|| ApiError::invalid(field, "is required"))?
        .as_str()
        .ok_or_else(|| ApiError::invalid(field, "must be a string"))?;
    if s.is_empty() || s.len() > max {
        return Err(ApiError::invalid(field, format!("must be 1 to {max} bytes")));
    }
    if s.chars().any(|c| c.is_control() || c == ' ') {
        return Err(ApiError::invalid(field, "must not contain spaces or control characters"));
    }
    Ok(s.to_owned())
}

fn optional_bool(obj: &Map<String, Value>, field: &'static str) -> Result<Option<bool>, ApiError> {
    obj.get(field).map(|v| v.as_bool().ok_or_else(|| ApiError::invalid(field, "must be true or false"))).transpose()
}

/// Scopes as an array of strings or one space-separated string, each an
/// RFC 6749 §3.3 scope token.
fn parse_scopes(v: &Value) -> Result<Vec<String>, ApiError> {
    let items: Vec<&str> = match v {
        Value::String(s) => s.split(' ').filter(|t| !t.is_empty()).collect(),
        Value::Array(a) => a.iter().map(|x| x.as_str().ok_or_else(|| ApiError::invalid("scopes", "must contain only strings"))).collect::<Result<_, _>>()?,
        _ => return Err(ApiError::invalid("scopes", "must be an array of strings or a space-separated string")),
    };
    if items.len() > MAX_SCOPES {
        return Err(ApiError::invalid("scopes", format!("may list at most {MAX_SCOPES}")));
    }
    let mut out: Vec<String> = Vec::new();
    for s in items {
        let ok = !s.is_empty() && s.len() <= 256 && s.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if !ok {
            return Err(ApiError::invalid("scopes", format!("'{}' is not a valid scope token", truncate(s, 64))));
        }
        if !out.iter().any(|x| x == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

fn parse_claims(v: &Value) -> Result<ClaimMapping, ApiError> {
    let obj = v.as_object().ok_or_else(|| ApiError::invalid("claims", "must be an object"))?;
    reject_unknown(obj, &["subject", "email", "email_verified", "name", "picture"])?;
    let d = ClaimMapping::default();
    let path = |key: &str, default: Option<String>| -> Result<Option<String>, ApiError> {
        match obj.get(key) {
            None => Ok(default),
            Some(Value::Null) => Ok(None),
            Some(Value::String(p)) if valid_claim_path(p) => Ok(Some(p.clone())),
            Some(_) => Err(ApiError::invalid("claims", format!("{key} must be a member name or dotted path"))),
        }
    };
    Ok(ClaimMapping {
        subject: path("subject", Some(d.subject))?.ok_or_else(|| ApiError::invalid("claims", "subject cannot be null"))?,
        email: path("email", d.email)?,
        email_verified: path("email_verified", d.email_verified)?,
        name: path("name", d.name)?,
        picture: path("picture", d.picture)?,
    })
}

fn valid_claim_path(p: &str) -> bool {
    !p.is_empty() && p.len() <= MAX_CLAIM_PATH_LEN && p.split('.').all(|seg| !seg.is_empty() && !seg.chars().any(char::is_control))
}

/// Where Aero2 may send requests to an upstream provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A public deployment: `https` to a host name only. No IP literal (an
    /// operator's or attacker's way to point us at a private network) and
    /// no loopback name.
    Public,
    /// A local platform domain (development, tests): also plain `http`,
    /// to loopback hosts only.
    Local,
}

impl Reach {
    #[must_use]
    pub fn for_platform(platform_is_local: bool) -> Self {
        if platform_is_local {
            Reach::Local
        } else {
            Reach::Public
        }
    }
}

/// An IP address written as the host, in any form a URL parser reads as
/// one: `[v6]`, or a last label that is a number (WHATWG URL reads
/// `127.1`, `0x7f.1` and `2130706433` as IPv4 addresses).
fn is_ip_literal(host: &str) -> bool {
    if host.starts_with('[') {
        return true;
    }
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or_default();
    !last.is_empty() && (last.bytes().all(|b| b.is_ascii_digit()) || last.to_ascii_lowercase().starts_with("0x"))
}

/// An endpoint or issuer URL (see [`check_endpoint_url`]).
pub fn endpoint_url(field: &'static str, v: &Value, reach: Reach) -> Result<String, ApiError> {
    let s = v.as_str().ok_or_else(|| ApiError::invalid(field, "must be a string"))?;
    check_endpoint_url(s, reach).map_err(|m| ApiError::invalid(field, m))?;
    Ok(s.to_owned())
}

/// An absolute URL with no userinfo and no fragment, that `reach` allows
/// (see [`Reach`]); the reason when it is not.
pub fn check_endpoint_url(s: &str, reach: Reach) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > MAX_URL_LEN {
        return Err("must be a URL of at most 2048 characters");
    }
    let uri = split_uri(s).map_err(|_| "must be an absolute URL")?;
    let Some(authority) = uri.authority else { return Err("must be an absolute URL") };
    if authority.host.is_empty() {
        return Err("must name a host");
    }
    if authority.userinfo.is_some() {
        return Err("must not contain user information");
    }
    if uri.fragment.is_some() {
        return Err("must not contain a fragment");
    }
    let host = authority.host.to_ascii_lowercase();
    let loopback = is_loopback_host(host.trim_end_matches('.'));
    match (reach, uri.scheme) {
        (Reach::Local, "https") => Ok(()),
        (Reach::Local, "http") if loopback => Ok(()),
        (Reach::Local, "http") => Err("must use https (http only on loopback hosts)"),
        (Reach::Public, "https") if is_ip_literal(&host) => Err("must name a host, not an IP address"),
        (Reach::Public, "https") if loopback => Err("must not be a loopback host"),
        (Reach::Public, "https") => Ok(()),
        _ => Err("must be an https URL"),
    }
}

/// One provider declared in deployment configuration (`AERO2_STATIC_IDPS`,
/// a JSON array). The same fields as the API takes, plus the application
/// it belongs to and the name of the Worker secret holding its client
/// secret (never the secret itself).
#[derive(Debug)]
pub struct StaticIdp {
    pub application: String,
    pub new: NewIdp,
}

/// Parses `AERO2_STATIC_IDPS`. `secret_of` reads a Worker secret by name.
pub fn parse_static(json: &str, reach: Reach, secret_of: impl Fn(&str) -> Option<String>) -> Result<Vec<StaticIdp>, String> {
    let list: Vec<Value> = serde_json::from_str(json).map_err(|_| "AERO2_STATIC_IDPS must be a JSON array".to_owned())?;
    let mut out = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let at = |m: String| format!("AERO2_STATIC_IDPS[{i}]: {m}");
        let mut obj = entry.as_object().cloned().ok_or_else(|| at("must be an object".into()))?;
        let application = match obj.remove("application") {
            Some(Value::String(s)) => s,
            _ => return Err(at("application (a slug) is required".into())),
        };
        let var = match obj.remove("client_secret_var") {
            Some(Value::String(s)) if !s.is_empty() => s,
            _ => return Err(at("client_secret_var (the name of a Worker secret) is required".into())),
        };
        let secret = secret_of(&var).ok_or_else(|| at(format!("secret {var} is not set")))?;
        obj.insert("client_secret".into(), Value::String(secret));
        let new = NewIdp::from_json(&Value::Object(obj), reach).map_err(|e| at(e.body().error_description))?;
        out.push(StaticIdp { application, new });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: ApiError) -> &'static str {
        match e {
            ApiError::InvalidField { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn github_defaults_and_enterprise_url() {
        let n = NewIdp::from_json(&json!({"type": "github", "client_id": "Iv1.abc", "client_secret": "s3cret"}), Reach::Local).unwrap();
        assert_eq!(n.slug, "github");
        assert_eq!(n.display_name, "GitHub");
        assert_eq!(n.scopes, vec!["read:user", "user:email"]);
        let Resolution::Known(e) = &n.source else { panic!() };
        assert_eq!(e.authorization_endpoint, "https://github.com/login/oauth/authorize");
        assert_eq!(e.emails_endpoint.as_deref(), Some("https://api.github.com/user/emails"));
        let n = NewIdp::from_json(&json!({"type": "github", "client_id": "a", "client_secret": "b", "enterprise_url": "https://ghe.example.com/"}), Reach::Local).unwrap();
        let Resolution::Known(e) = &n.source else { panic!() };
        assert_eq!(e.token_endpoint, "https://ghe.example.com/login/oauth/access_token");
        assert_eq!(e.userinfo_endpoint.as_deref(), Some("https://ghe.example.com/api/v3/user"));
    }

    #[test]
    fn oidc_needs_an_issuer_and_openid() {
        let e = NewIdp::from_json(&json!({"type": "oidc", "display_name": "Corp", "client_id": "a", "client_secret": "b"}), Reach::Local).unwrap_err();
        assert_eq!(field_of(e), "issuer");
        let e = NewIdp::from_json(&json!({"type": "oidc", "client_id": "a", "client_secret": "b", "issuer": "https://id.example.com"}), Reach::Local).unwrap_err();
        assert_eq!(field_of(e), "display_name");
        let e = NewIdp::from_json(&json!({"type": "oidc", "display_name": "Corp", "client_id": "a", "client_secret": "b", "issuer": "https://id.example.com", "scopes": "email"}), Reach::Local).unwrap_err();
        assert_eq!(field_of(e), "scopes");
        let n = NewIdp::from_json(&json!({"type": "oidc", "slug": "corp", "display_name": "Corp", "client_id": "a", "client_secret": "b", "issuer": "http://127.0.0.1:9000"}), Reach::Local).unwrap();
        assert_eq!(n.source, Resolution::Discover { issuer: "http://127.0.0.1:9000".into(), auth: None });
    }

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        for bad in ["http://id.example.com", "ftp://x.example.com", "https://u:p@x.example.com", "https://x.example.com/#f", "/relative", "https://"] {
            let e = NewIdp::from_json(&json!({"type": "oidc", "display_name": "C", "client_id": "a", "client_secret": "b", "issuer": bad}), Reach::Local).unwrap_err();
            assert_eq!(field_of(e), "issuer", "{bad}");
        }
        assert!(check_endpoint_url("http://localhost:8080/x", Reach::Local).is_ok());
        assert!(check_endpoint_url("https://login.example.com/oauth2/v1/authorize?x=1", Reach::Local).is_ok());
    }

    #[test]
    fn a_public_deployment_calls_named_https_hosts_only() {
        for bad in [
            "http://idp.example.com/x",
            "http://127.0.0.1:9000",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://127.1/x",
            "https://2130706433/x",
            "https://0x7f.1/x",
            "https://[::1]/x",
            "https://[2001:db8::1]/x",
            "https://localhost/x",
            "https://idp.localhost/x",
            "https://LOCALHOST./x",
        ] {
            assert!(check_endpoint_url(bad, Reach::Public).is_err(), "{bad}");
        }
        for good in ["https://idp.example.com/authorize", "https://login.microsoftonline.com/x/v2.0", "https://a1.example/x"] {
            assert_eq!(check_endpoint_url(good, Reach::Public), Ok(()), "{good}");
        }
        // Locally, loopback over http is how development and tests run.
        assert_eq!(check_endpoint_url("http://127.0.0.1:9000", Reach::Local), Ok(()));
        assert!(check_endpoint_url("http://10.1.2.3/x", Reach::Local).is_err());
    }

    #[test]
    fn oauth2_takes_endpoints_and_a_claim_mapping() {
        let base = json!({
            "type": "oauth2", "slug": "acme", "display_name": "Acme", "client_id": "a", "client_secret": "b",
            "authorization_endpoint": "https://acme.example/authorize", "token_endpoint": "https://acme.example/token",
            "userinfo_endpoint": "https://acme.example/me", "claims": {"subject": "id", "email": "contact.mail", "email_verified": null}
        });
        let n = NewIdp::from_json(&base, Reach::Local).unwrap();
        let c = n.claims.unwrap();
        assert_eq!(c.subject, "id");
        assert_eq!(c.email.as_deref(), Some("contact.mail"));
        assert_eq!(c.email_verified, None);
        assert_eq!(c.name.as_deref(), Some("name"));
        let mut missing = base.clone();
        missing.as_object_mut().unwrap().remove("token_endpoint");
        assert_eq!(field_of(NewIdp::from_json(&missing, Reach::Local).unwrap_err()), "token_endpoint");
        let e = NewIdp::from_json(&json!({"type": "github", "client_id": "a", "client_secret": "b", "issuer": "https://x.example"}), Reach::Local).unwrap_err();
        assert_eq!(field_of(e), "issuer");
    }

    #[test]
    fn required_fields_and_unknown_ones() {
        assert_eq!(field_of(NewIdp::from_json(&json!({"type": "github", "client_secret": "b"}), Reach::Local).unwrap_err()), "client_id");
        assert_eq!(field_of(NewIdp::from_json(&json!({"type": "github", "client_id": "a"}), Reach::Local).unwrap_err()), "client_secret");
        assert_eq!(field_of(NewIdp::from_json(&json!({"type": "saml", "client_id": "a"}), Reach::Local).unwrap_err()), "type");
        assert!(matches!(NewIdp::from_json(&json!({"type": "github", "x": 1}), Reach::Local), Err(ApiError::InvalidBody(_))));
        assert_eq!(field_of(NewIdp::from_json(&json!({"type": "github", "slug": "Bad Slug", "client_id": "a", "client_secret": "b"}), Reach::Local).unwrap_err()), "slug");
    }

    #[test]
    fn patch_keeps_endpoints_fixed() {
        let e = IdpPatch::from_json(&json!({"issuer": "https://other.example"})).unwrap_err();
        assert_eq!(field_of(e), "issuer");
        assert!(IdpPatch::from_json(&json!({})).is_err());
        let p = IdpPatch::from_json(&json!({"enabled": false, "scopes": ["email"]})).unwrap();
        let n = NewIdp::from_json(&json!({"type": "github", "client_id": "a", "client_secret": "b"}), Reach::Local).unwrap();
        let Resolution::Known(e) = n.source.clone() else { panic!() };
        let (idp, _) = n.into_idp("idp_1".into(), "app_1".into(), e, IdpSource::Api, 1);
        let next = p.apply(&idp, 2).unwrap();
        assert!(!next.enabled);
        assert_eq!(next.scopes, vec!["email"]);
        assert_eq!(next.updated_at, 2);
    }

    #[test]
    fn static_config_names_its_secret() {
        let json = r#"[{"application": "shop", "type": "github", "client_id": "a", "client_secret_var": "GH_SECRET"}]"#;
        let list = parse_static(json, Reach::Local, |n| (n == "GH_SECRET").then(|| "s".to_owned())).unwrap();
        assert_eq!(list[0].application, "shop");
        assert_eq!(list[0].new.client_secret.secret(), "s");
        assert!(parse_static(json, Reach::Local, |_| None).unwrap_err().contains("GH_SECRET is not set"));
        assert!(parse_static("{}", Reach::Local, |_| None).is_err());
    }
}

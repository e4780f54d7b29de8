//! Role-based access control: the APIs (resource servers) an application
//! protects with Aero2, the permissions they define, and roles that bundle
//! permissions for users.
//!
//! An API is named by its `identifier`, an absolute URI that becomes the
//! `aud` of access tokens issued for it (RFC 8707 `resource`); its
//! permissions are the scopes a client may ask for it (`read:invoices`).
//! Two switches decide what a token for it carries: `enforce_rbac` (the
//! granted scope is what was asked intersected with what the user's roles
//! allow) and `permissions_claim` (a `permissions` array in the token).
//!
//! What an identifier may not be, so that a token for a developer's API is
//! never mistaken for one of Aero2's own: a URL on the platform's domain or
//! on one of the application's custom domains (its issuer, its account
//! API). What a permission may not be: one of the scopes Aero2 gives
//! meaning to (`openid`, `profile`, `email`, `offline_access`, `account`).

use crate::error::ApiError;
use crate::json_body::{name, object, reject_unknown, truncate};
use crate::jose::alg::Alg;
use crate::oauth::scope::USER_SCOPES;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// APIs per application.
pub const MAX_APIS: usize = 50;
/// Permissions per API.
pub const MAX_PERMISSIONS: usize = 100;
const MAX_IDENTIFIER_CHARS: usize = 600;
const MAX_PERMISSION_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 500;
/// Identifiers of the platform's own APIs (`crate::dashboard`).
const RESERVED_URN_PREFIX: &str = "urn:aero2:";
const DEFAULT_TOKEN_LIFETIME_SECS: u32 = 3_600;
const MIN_TOKEN_LIFETIME_SECS: u32 = 60;
const MAX_TOKEN_LIFETIME_SECS: u32 = 86_400;

/// A permission an API defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub value: String,
    #[serde(default)]
    pub description: String,
}

/// An API of an application, as stored and as the management API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Api {
    pub id: String,
    pub identifier: String,
    pub name: String,
    /// Shown flat beside the fields above.
    #[serde(flatten)]
    pub settings: ApiSettings,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Where an application is served, for the identifier rule above.
#[derive(Debug, Clone, Copy)]
pub struct Served<'a> {
    pub platform_domain: &'a str,
    pub custom_domains: &'a [String],
}

/// A new API from a management-API body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApi {
    pub identifier: String,
    pub name: String,
    pub settings: ApiSettings,
}

/// What may change after creation (the identifier may not: tokens carry it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSettings {
    pub permissions: Vec<Permission>,
    pub token_lifetime_seconds: u32,
    pub signing_alg: Alg,
    pub enforce_rbac: bool,
    pub permissions_claim: bool,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            permissions: Vec::new(),
            token_lifetime_seconds: DEFAULT_TOKEN_LIFETIME_SECS,
            signing_alg: Alg::ES256,
            enforce_rbac: false,
            permissions_claim: false,
        }
    }
}

const SETTINGS: &[&str] = &["permissions", "token_lifetime_seconds", "signing_alg", "enforce_rbac", "permissions_claim"];

impl NewApi {
    /// # Errors
    /// 400 naming the field.
    pub fn from_json(body: &Value, served: Served<'_>) -> Result<Self, ApiError> {
        let obj = object(body)?;
        let mut known = vec!["identifier", "name"];
        known.extend_from_slice(SETTINGS);
        reject_unknown(obj, &known)?;
        let raw = obj.get("identifier").ok_or_else(|| ApiError::invalid("identifier", "is required"))?;
        let identifier = parse_identifier(raw.as_str().ok_or_else(|| ApiError::invalid("identifier", "must be a string"))?, served)?;
        let name = name("name", obj.get("name"), true)?.unwrap_or_default();
        let settings = apply_settings(obj, ApiSettings::default())?;
        Ok(NewApi { identifier, name, settings })
    }

    #[must_use]
    pub fn into_api(self, id: String, now_ms: i64) -> Api {
        Api { id, identifier: self.identifier, name: self.name, settings: self.settings, created_at: now_ms, updated_at: now_ms }
    }
}

impl Api {
    /// This API changed by a PATCH body (`name` and the settings; a body
    /// naming `identifier` is refused: it is immutable).
    ///
    /// # Errors
    /// 400 naming the field.
    pub fn patched(&self, body: &Value, now_ms: i64) -> Result<Api, ApiError> {
        let obj = object(body)?;
        if obj.contains_key("identifier") {
            return Err(ApiError::invalid("identifier", "cannot change: access tokens carry it as their audience"));
        }
        let mut known = vec!["name"];
        known.extend_from_slice(SETTINGS);
        reject_unknown(obj, &known)?;
        Ok(Api {
            name: name("name", obj.get("name"), false)?.unwrap_or_else(|| self.name.clone()),
            settings: apply_settings(obj, self.settings.clone())?,
            updated_at: now_ms,
            ..self.clone()
        })
    }
}

fn apply_settings(obj: &Map<String, Value>, mut s: ApiSettings) -> Result<ApiSettings, ApiError> {
    if let Some(v) = obj.get("permissions") {
        s.permissions = parse_permissions(v)?;
    }
    if let Some(v) = obj.get("token_lifetime_seconds") {
        s.token_lifetime_seconds = v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (MIN_TOKEN_LIFETIME_SECS..=MAX_TOKEN_LIFETIME_SECS).contains(n))
            .ok_or_else(|| {
                ApiError::invalid("token_lifetime_seconds", format!("must be an integer from {MIN_TOKEN_LIFETIME_SECS} to {MAX_TOKEN_LIFETIME_SECS}"))
            })?;
    }
    if let Some(v) = obj.get("signing_alg") {
        s.signing_alg = match v.as_str() {
            Some("ES256") => Alg::ES256,
            Some("RS256") => Alg::RS256,
            _ => return Err(ApiError::invalid("signing_alg", "must be \"ES256\" or \"RS256\"")),
        };
    }
    for (field, slot) in [("enforce_rbac", &mut s.enforce_rbac), ("permissions_claim", &mut s.permissions_claim)] {
        if let Some(v) = obj.get(field) {
            *slot = v.as_bool().ok_or_else(|| ApiError::invalid(field, "must be true or false"))?;
        }
    }
    Ok(s)
}

/// An absolute URI (a scheme, then no whitespace, no fragment), not on a
/// host that serves Aero2 itself.
fn parse_identifier(raw: &str, served: Served<'_>) -> Result<String, ApiError> {
    let bad = |m: &str| Err(ApiError::invalid("identifier", m.to_owned()));
    if raw.is_empty() || raw.chars().count() > MAX_IDENTIFIER_CHARS {
        return bad(&format!("must be 1 to {MAX_IDENTIFIER_CHARS} characters"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) || raw.contains('#') {
        return bad("must be an absolute URI without spaces or a fragment");
    }
    let Some((scheme, rest)) = raw.split_once(':') else {
        return bad("must be an absolute URI (such as https://api.example.com/invoices)");
    };
    let scheme_ok = scheme.len() >= 2
        && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() {
        return bad("must be an absolute URI (such as https://api.example.com/invoices)");
    }
    if raw.to_ascii_lowercase().starts_with(RESERVED_URN_PREFIX) {
        return bad("must not be in the urn:aero2: namespace, which names the platform's own APIs");
    }
    if let Some(authority) = rest.strip_prefix("//") {
        let host = authority.split(['/', '?']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host = host.split(':').next().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return bad("must name a host after \"//\"");
        }
        let platform = served.platform_domain.to_ascii_lowercase();
        let ours = host == platform
            || host.ends_with(&format!(".{platform}"))
            || served.custom_domains.iter().any(|d| d.eq_ignore_ascii_case(&host));
        if ours {
            return bad("must not be on a host that serves Aero2 (an issuer, the account API): tokens for it would carry our own audience");
        }
    }
    Ok(raw.to_owned())
}

/// A description (of a permission, of a role): a string of at most 500
/// characters, no control characters. `Err` says which rule it breaks.
fn description(v: &Value) -> Result<String, String> {
    let d = v.as_str().ok_or_else(|| "must be a string".to_owned())?;
    if d.chars().count() > MAX_DESCRIPTION_CHARS || d.chars().any(char::is_control) {
        return Err(format!("must be at most {MAX_DESCRIPTION_CHARS} characters, no control characters"));
    }
    Ok(d.to_owned())
}

fn parse_permissions(v: &Value) -> Result<Vec<Permission>, ApiError> {
    let field = "permissions";
    let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of {\"value\", \"description\"?}"))?;
    if list.len() > MAX_PERMISSIONS {
        return Err(ApiError::invalid(field, format!("must have at most {MAX_PERMISSIONS} entries")));
    }
    let mut out: Vec<Permission> = Vec::with_capacity(list.len());
    for item in list {
        let obj = item.as_object().ok_or_else(|| ApiError::invalid(field, "each entry must be an object {\"value\", \"description\"?}"))?;
        reject_unknown(obj, &["value", "description"])?;
        let value = obj.get("value").and_then(Value::as_str).ok_or_else(|| ApiError::invalid(field, "each entry needs a \"value\" string"))?;
        let well_formed = !value.is_empty()
            && value.chars().count() <= MAX_PERMISSION_CHARS
            && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-' | '/' | '*'));
        if !well_formed {
            return Err(ApiError::invalid(field, format!("a value must be 1 to {MAX_PERMISSION_CHARS} characters of letters, digits and : . _ - / *")));
        }
        if USER_SCOPES.contains(&value) {
            return Err(ApiError::invalid(field, format!("\"{value}\" is a scope Aero2 defines itself")));
        }
        if out.iter().any(|p| p.value == value) {
            return Err(ApiError::invalid(field, format!("\"{value}\" is listed twice")));
        }
        let description = match obj.get("description") {
            None => String::new(),
            Some(d) => description(d).map_err(|m| ApiError::invalid(field, format!("a description {m}")))?,
        };
        out.push(Permission { value: value.to_owned(), description });
    }
    Ok(out)
}

// ---------------------------------------------------------------------- roles

/// What a role may let its holders do in an organization where it is one
/// of their organization roles (`crate::organization::admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrgPermission {
    /// See the members and the pending invitations.
    ReadMembers,
    /// Invite people (and revoke invitations).
    InviteMembers,
    /// Change members' roles and remove members.
    ManageMembers,
    /// Read the organization's slice of the audit log.
    ReadAudit,
}

impl OrgPermission {
    pub const ALL: [OrgPermission; 4] = [OrgPermission::ReadMembers, OrgPermission::InviteMembers, OrgPermission::ManageMembers, OrgPermission::ReadAudit];

    #[must_use]
    pub fn value(self) -> &'static str {
        match self {
            OrgPermission::ReadMembers => "org:members:read",
            OrgPermission::InviteMembers => "org:members:invite",
            OrgPermission::ManageMembers => "org:members:manage",
            OrgPermission::ReadAudit => "org:audit:read",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<OrgPermission> {
        OrgPermission::ALL.into_iter().find(|p| p.value() == s)
    }
}

/// A role's `organization_permissions`: known values, each once.
///
/// # Errors
/// 400 naming `organization_permissions`.
pub fn parse_org_permissions(v: &Value) -> Result<Vec<String>, ApiError> {
    let field = "organization_permissions";
    let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array"))?;
    let mut out: Vec<String> = Vec::new();
    for item in list {
        let s = item.as_str().ok_or_else(|| ApiError::invalid(field, "must contain only strings"))?;
        if OrgPermission::parse(s).is_none() {
            let known: Vec<&str> = OrgPermission::ALL.iter().map(|p| p.value()).collect();
            return Err(ApiError::invalid(field, format!("unknown permission '{}'; known: {}", truncate(s, 64), known.join(", "))));
        }
        if !out.iter().any(|x| x == s) {
            out.push(s.to_owned());
        }
    }
    out.sort();
    Ok(out)
}



/// Roles per application.
pub const MAX_ROLES: usize = 200;
/// Permissions per role.
pub const MAX_ROLE_PERMISSIONS: usize = 500;

/// A role: a name and a set of permissions drawn from the application's
/// APIs, assigned to users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub description: String,
    /// What it lets its holders do in an organization where it is one of
    /// their organization roles (`crate::organization::admin`).
    #[serde(default, deserialize_with = "list_or_json")]
    pub organization_permissions: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A list stored as JSON text in a column, or given as a JSON array.
fn list_or_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(l) => l,
        Either::Text(t) => serde_json::from_str(&t).unwrap_or_default(),
    })
}

/// One permission of a role: a permission `value` of the API `api_id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    pub api_id: String,
    pub value: String,
}

/// The application's API `id`, or a 400 on `field`.
fn api_of<'a>(apis: &'a [Api], id: &str, field: &'static str) -> Result<&'a Api, ApiError> {
    apis.iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::invalid(field, format!("no API {} in this application", crate::json_body::truncate(id, 64))))
}

/// `value` is a permission `api` defines, or a 400 on `field`.
fn defined(api: &Api, value: &str, field: &'static str) -> Result<(), ApiError> {
    if api.settings.permissions.iter().any(|p| p.value == value) {
        return Ok(());
    }
    Err(ApiError::invalid(field, format!("the API {} defines no permission {}", api.identifier, crate::json_body::truncate(value, 100))))
}

/// What a confidential client may get for itself with `client_credentials`
/// from one API: some of the permissions it defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientGrant {
    pub api_id: String,
    pub permissions: Vec<String>,
}

/// `{"grants": [{"api_id", "permissions": [...]}, …]}`: the whole set of a
/// client's grants (a PUT replaces it; `[]` takes them all away). One entry
/// per API, each permission defined by that API.
///
/// # Errors
/// 400 naming `grants`.
pub fn parse_client_grants(body: &Value, apis: &[Api]) -> Result<Vec<ClientGrant>, ApiError> {
    let field = "grants";
    let obj = object(body)?;
    reject_unknown(obj, &[field])?;
    let list = obj
        .get(field)
        .and_then(Value::as_array)
        .filter(|l| l.len() <= MAX_APIS)
        .ok_or_else(|| ApiError::invalid(field, "must be an array of {\"api_id\", \"permissions\": [...]}, one per API"))?;
    let mut out: Vec<ClientGrant> = Vec::with_capacity(list.len());
    for item in list {
        let o = item.as_object().ok_or_else(|| ApiError::invalid(field, "each entry must be an object {\"api_id\", \"permissions\"}"))?;
        reject_unknown(o, &["api_id", "permissions"])?;
        let api_id = o.get("api_id").and_then(Value::as_str).ok_or_else(|| ApiError::invalid(field, "each entry needs an \"api_id\""))?;
        let api = api_of(apis, api_id, field)?;
        if out.iter().any(|g| g.api_id == api_id) {
            return Err(ApiError::invalid(field, format!("the API {} is listed twice", api.identifier)));
        }
        let values = o.get("permissions").and_then(Value::as_array).ok_or_else(|| ApiError::invalid(field, "each entry needs a \"permissions\" array"))?;
        let mut permissions: Vec<String> = Vec::with_capacity(values.len());
        for v in values {
            let v = v.as_str().ok_or_else(|| ApiError::invalid(field, "permissions must be strings"))?;
            defined(api, v, field)?;
            if !permissions.iter().any(|p| p == v) {
                permissions.push(v.to_owned());
            }
        }
        out.push(ClientGrant { api_id: api_id.to_owned(), permissions });
    }
    Ok(out)
}

/// Roles per user.
pub const MAX_USER_ROLES: usize = 50;

/// `{"roles": ["rol_…", …]}` (to assign to a user, or to take away), each
/// one of the application's `known` roles.
///
/// # Errors
/// 400 naming `roles`.
pub fn parse_role_ids(body: &Value, known: &[Role]) -> Result<Vec<String>, ApiError> {
    let field = "roles";
    let obj = object(body)?;
    reject_unknown(obj, &[field])?;
    let list = obj
        .get(field)
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty() && l.len() <= MAX_USER_ROLES)
        .ok_or_else(|| ApiError::invalid(field, format!("must be an array of 1 to {MAX_USER_ROLES} role ids")))?;
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        let id = item.as_str().ok_or_else(|| ApiError::invalid(field, "each entry must be a role id"))?;
        if !known.iter().any(|r| r.id == id) {
            return Err(ApiError::invalid(field, format!("no role {} in this application", crate::json_body::truncate(id, 64))));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

/// A role's name and description from a POST or PATCH body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub organization_permissions: Option<Vec<String>>,
}

impl RoleFields {
    /// `required`: a new role needs its name.
    ///
    /// # Errors
    /// 400 naming the field.
    pub fn from_json(body: &Value, required: bool) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, &["name", "description", "organization_permissions"])?;
        let name = name("name", obj.get("name"), required)?;
        let description = obj.get("description").map(description).transpose().map_err(|m| ApiError::invalid("description", m))?;
        let organization_permissions = obj.get("organization_permissions").map(parse_org_permissions).transpose()?;
        Ok(RoleFields { name, description, organization_permissions })
    }
}

/// `{"permissions": [{"api_id", "value"}, …]}` (to add to a role, or to
/// remove from it), each checked against the application's APIs: the API
/// exists and defines the permission.
///
/// # Errors
/// 400 naming `permissions`.
pub fn parse_grants(body: &Value, apis: &[Api]) -> Result<Vec<Grant>, ApiError> {
    let field = "permissions";
    let obj = object(body)?;
    reject_unknown(obj, &[field])?;
    let list = obj
        .get(field)
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::invalid(field, "must be a non-empty array of {\"api_id\", \"value\"}"))?;
    if list.len() > MAX_ROLE_PERMISSIONS {
        return Err(ApiError::invalid(field, format!("must have at most {MAX_ROLE_PERMISSIONS} entries")));
    }
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let o = item.as_object().ok_or_else(|| ApiError::invalid(field, "each entry must be an object {\"api_id\", \"value\"}"))?;
        reject_unknown(o, &["api_id", "value"])?;
        let (Some(api_id), Some(value)) = (o.get("api_id").and_then(Value::as_str), o.get("value").and_then(Value::as_str)) else {
            return Err(ApiError::invalid(field, "each entry needs \"api_id\" and \"value\" strings"));
        };
        defined(api_of(apis, api_id, field)?, value, field)?;
        let g = Grant { api_id: api_id.to_owned(), value: value.to_owned() };
        if !out.contains(&g) {
            out.push(g);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SERVED: Served<'static> = Served { platform_domain: "aero2.example", custom_domains: &[] };

    fn field_of(e: ApiError) -> Option<&'static str> {
        e.body().field
    }

    #[test]
    fn an_api_parses_with_defaults() {
        let api = NewApi::from_json(&json!({"identifier": "https://api.example.com/invoices", "name": "Invoices"}), SERVED).unwrap();
        assert_eq!(api.identifier, "https://api.example.com/invoices");
        assert_eq!(api.settings, ApiSettings::default());
        let full = NewApi::from_json(
            &json!({
                "identifier": "urn:acme:invoices", "name": "Invoices",
                "permissions": [{"value": "read:invoices", "description": "Read"}, {"value": "write:invoices"}],
                "token_lifetime_seconds": 600, "signing_alg": "RS256", "enforce_rbac": true, "permissions_claim": true
            }),
            SERVED,
        )
        .unwrap();
        assert_eq!(full.settings.permissions.len(), 2);
        assert_eq!(full.settings.signing_alg, Alg::RS256);
        assert!(full.settings.enforce_rbac && full.settings.permissions_claim);
    }

    #[test]
    fn identifiers_are_absolute_uris_off_our_own_hosts() {
        let custom = ["auth.acme.com".to_owned()];
        let served = Served { platform_domain: "aero2.example", custom_domains: &custom };
        for bad in [
            "invoices",
            "https://",
            "https://api.example.com/a b",
            "https://api.example.com/#frag",
            "1http://x",
            "https://myapp.aero2.example/account",
            "https://aero2.example",
            "https://AUTH.acme.com/x",
            "https://user@myapp.aero2.example:443/",
            "urn:aero2:management-api",
            "URN:Aero2:anything",
        ] {
            let e = NewApi::from_json(&json!({"identifier": bad, "name": "x"}), served).unwrap_err();
            assert_eq!(field_of(e), Some("identifier"), "{bad}");
        }
        for good in ["https://api.example.com", "urn:acme:api", "https://aero2.example.evil.com/"] {
            assert!(NewApi::from_json(&json!({"identifier": good, "name": "x"}), served).is_ok(), "{good}");
        }
    }

    #[test]
    fn permissions_are_checked_and_bounded() {
        let with = |p: Value| NewApi::from_json(&json!({"identifier": "urn:a", "name": "x", "permissions": p}), SERVED);
        for bad in [
            json!("read"),
            json!([{"value": ""}]),
            json!([{"value": "read invoices"}]),
            json!([{"value": "openid"}]),
            json!([{"value": "account"}]),
            json!([{"value": "a"}, {"value": "a"}]),
            json!([{"value": "a", "extra": 1}]),
            json!([{"value": "a", "description": 3}]),
        ] {
            assert!(with(bad.clone()).is_err(), "{bad}");
        }
        let many: Vec<Value> = (0..=MAX_PERMISSIONS).map(|i| json!({"value": format!("p{i}")})).collect();
        assert_eq!(field_of(with(Value::Array(many)).unwrap_err()), Some("permissions"));
    }

    #[test]
    fn role_permissions_must_be_defined_by_an_api_of_the_application() {
        let api = NewApi::from_json(&json!({"identifier": "urn:a", "name": "A", "permissions": [{"value": "read"}, {"value": "write"}]}), SERVED)
            .unwrap()
            .into_api("api_1".into(), 1);
        let apis = [api];
        let ok = parse_grants(&json!({"permissions": [{"api_id": "api_1", "value": "read"}, {"api_id": "api_1", "value": "read"}]}), &apis).unwrap();
        assert_eq!(ok, vec![Grant { api_id: "api_1".into(), value: "read".into() }], "duplicates fold");
        for bad in [
            json!({"permissions": []}),
            json!({"permissions": [{"api_id": "api_2", "value": "read"}]}),
            json!({"permissions": [{"api_id": "api_1", "value": "delete"}]}),
            json!({"permissions": [{"api_id": "api_1"}]}),
            json!({"permissions": [{"api_id": "api_1", "value": "read", "x": 1}]}),
            json!({"perms": []}),
        ] {
            assert!(parse_grants(&bad, &apis).is_err(), "{bad}");
        }
        assert_eq!(RoleFields::from_json(&json!({"name": " Admin ", "description": "All"}), true).unwrap().name.as_deref(), Some("Admin"));
        assert_eq!(field_of(RoleFields::from_json(&json!({"description": "x"}), true).unwrap_err()), Some("name"));
        assert!(RoleFields::from_json(&json!({"description": "x"}), false).is_ok(), "a PATCH may leave the name");
        let known = [Role { id: "rol_1".into(), name: "a".into(), description: String::new(), organization_permissions: vec![], created_at: 0, updated_at: 0 }];
        assert_eq!(parse_role_ids(&json!({"roles": ["rol_1", "rol_1"]}), &known).unwrap(), vec!["rol_1".to_owned()]);
        for bad in [json!({"roles": []}), json!({"roles": ["rol_2"]}), json!({"roles": [1]}), json!({"roles": "rol_1"})] {
            assert_eq!(field_of(parse_role_ids(&bad, &known).unwrap_err()), Some("roles"), "{bad}");
        }
    }

    #[test]
    fn client_grants_name_each_api_once_with_its_own_permissions() {
        let api = NewApi::from_json(&json!({"identifier": "urn:a", "name": "A", "permissions": [{"value": "read"}, {"value": "write"}]}), SERVED)
            .unwrap()
            .into_api("api_1".into(), 1);
        let apis = [api];
        let ok = parse_client_grants(&json!({"grants": [{"api_id": "api_1", "permissions": ["read", "read"]}]}), &apis).unwrap();
        assert_eq!(ok, vec![ClientGrant { api_id: "api_1".into(), permissions: vec!["read".into()] }]);
        assert_eq!(parse_client_grants(&json!({"grants": []}), &apis).unwrap(), vec![], "a PUT of nothing takes every grant away");
        for bad in [
            json!({"grants": [{"api_id": "api_2", "permissions": []}]}),
            json!({"grants": [{"api_id": "api_1", "permissions": ["delete"]}]}),
            json!({"grants": [{"api_id": "api_1", "permissions": []}, {"api_id": "api_1", "permissions": []}]}),
            json!({"grants": [{"api_id": "api_1"}]}),
            json!({"grants": {}}),
        ] {
            assert_eq!(field_of(parse_client_grants(&bad, &apis).unwrap_err()), Some("grants"), "{bad}");
        }
    }

    #[test]
    fn a_patch_changes_settings_never_the_identifier() {
        let api = NewApi::from_json(&json!({"identifier": "urn:a", "name": "A"}), SERVED).unwrap().into_api("api_1".into(), 1);
        let p = api.patched(&json!({"name": "B", "enforce_rbac": true, "permissions": [{"value": "x"}]}), 2).unwrap();
        assert_eq!((p.name.as_str(), p.settings.enforce_rbac, p.settings.permissions.len(), p.updated_at, p.identifier.as_str()), ("B", true, 1, 2, "urn:a"));
        assert_eq!(field_of(api.patched(&json!({"identifier": "urn:b"}), 2).unwrap_err()), Some("identifier"));
        assert_eq!(field_of(api.patched(&json!({"token_lifetime_seconds": 10}), 2).unwrap_err()), Some("token_lifetime_seconds"));
        assert!(api.patched(&json!({"nope": 1}), 2).is_err());
    }
}

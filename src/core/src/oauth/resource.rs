//! Access tokens for an application's own APIs (RFC 8707 resource
//! indicators, with `audience` accepted as Auth0 clients send it).
//!
//! A request names at most one API, by its identifier. Its scope is then
//! two parts: the scopes Aero2 defines (`openid`, `profile`, …), held to
//! what the client may ask as always, and permissions, which must be ones
//! the API defines. What a token carries is decided here, from plain data:
//!
//! | token | `aud` | permission scopes | `permissions` claim |
//! |---|---|---|---|
//! | a user's, no API | the issuer (and the account API with `account`) | none allowed | no |
//! | a user's, for an API | the identifier (and the issuer with `openid`, for UserInfo) | asked ∩ the user's roles when `enforce_rbac`, else asked | the user's permissions for the API, when `permissions_claim` |
//! | a client's own (`client_credentials`) | the identifier | asked (or all) ∩ the client's grant | the granted ones, when `permissions_claim` |
//!
//! The user's permissions are read when a token is issued, refreshed or
//! introspected, never cached: a role change reaches the next refresh and
//! every introspection at once. Tokens stay small: a `permissions` list
//! that would push the token past [`ACCESS_TOKEN_BUDGET`] bytes is left
//! out, and [`PERMISSIONS_POINTER_CLAIM`] names the introspection endpoint
//! that lists them instead.

use super::error::OAuthError;
use super::params::Params;
use super::scope::{Scope, ACCOUNT, KNOWN_SCOPES, OPENID, USER_SCOPES};
use crate::jose::alg::Alg;
use crate::jose::claims::Audience;
use crate::rbac::{Api, ClientGrant};
use serde_json::{Map, Value};

/// The most bytes an access token may take before its `permissions` list
/// is left out (a common header-size limit is 8 KiB for all headers).
pub const ACCESS_TOKEN_BUDGET: usize = 4096;

/// The claim that replaces a `permissions` list too long for the budget:
/// the introspection endpoint, which lists them.
pub const PERMISSIONS_POINTER_CLAIM: &str = "permissions_introspection";

/// Room kept for the JWS header (`alg`, `typ`, `kid`), base64url-encoded.
const HEADER_ALLOWANCE: usize = 128;

/// The API a request names with `resource` (RFC 8707 §2) or `audience`;
/// `None` when it names none. The value is checked, not looked up.
///
/// # Errors
/// `invalid_target` for more than one API or a value that is not an
/// absolute URI without a fragment; `invalid_request` for a repeated
/// `audience`.
pub fn requested(params: &Params) -> Result<Option<String>, OAuthError> {
    let mut resources = params.all("resource");
    resources.dedup();
    if resources.len() > 1 {
        return Err(OAuthError::InvalidTarget("ask for one resource per request".into()));
    }
    let resource = resources.first().copied();
    let audience = params.get("audience")?;
    let target = match (resource, audience) {
        (Some(r), Some(a)) if r != a => {
            return Err(OAuthError::InvalidTarget("resource and audience name different APIs".into()));
        }
        (r, a) => r.or(a),
    };
    if let Some(t) = target {
        if !is_absolute_uri(t) {
            return Err(OAuthError::InvalidTarget("resource must be an absolute URI without a fragment".into()));
        }
    }
    Ok(target.map(str::to_owned))
}

/// RFC 3986 §4.3: a scheme, `:`, a non-empty rest; no fragment (RFC 8707
/// §2); no whitespace.
fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok && !rest.is_empty() && !s.contains('#') && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The application's API with this identifier.
///
/// # Errors
/// `invalid_target` when there is none.
pub fn find<'a>(apis: &'a [Api], identifier: &str) -> Result<&'a Api, OAuthError> {
    apis.iter()
        .find(|a| a.identifier == identifier)
        .ok_or_else(|| OAuthError::InvalidTarget("no API of this application has that identifier".into()))
}

/// A token request's `resource`, if any, must be the one the code or the
/// grant was for (RFC 8707 §2.2: it may only narrow, and a grant here has
/// one API or none).
///
/// # Errors
/// `invalid_target`.
pub fn check_same(asked: Option<&str>, granted: Option<&str>) -> Result<(), OAuthError> {
    match asked {
        Some(a) if Some(a) != granted => Err(OAuthError::InvalidTarget("resource is not the one this grant was made for".into())),
        _ => Ok(()),
    }
}

fn defines(api: &Api, value: &str) -> bool {
    api.settings.permissions.iter().any(|p| p.value == value)
}

/// Checks a user-bound request's scope: Aero2's scopes within
/// `client_scopes`; any other token a permission `api` defines.
///
/// # Errors
/// `invalid_scope` naming what is wrong.
pub fn check_scope(scope: &Scope, client_scopes: &Scope, api: Option<&Api>) -> Result<(), OAuthError> {
    for token in scope.iter() {
        let allowed = if KNOWN_SCOPES.contains(&token) {
            client_scopes.contains(token)
        } else {
            api.is_some_and(|a| defines(a, token))
        };
        if !allowed {
            let why = match api {
                Some(a) if !KNOWN_SCOPES.contains(&token) => format!("the API {} defines no permission {token}", a.identifier),
                _ => "scope includes values this client may not request".to_owned(),
            };
            return Err(OAuthError::InvalidScope(why));
        }
    }
    if api.is_some() && scope.contains(ACCOUNT) {
        return Err(OAuthError::InvalidScope("the account scope is for the account API: ask for it without a resource".into()));
    }
    Ok(())
}

/// What an access token carries besides who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The granted scope (the token response's `scope`).
    pub scope: Scope,
    /// `Some` when the API asks for a `permissions` claim.
    pub permissions: Option<Vec<String>>,
    /// The API's identifier, lifetime and algorithm; `None` for Aero2's
    /// own audience.
    pub api: Option<ApiTarget>,
}

/// How a token for an API is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTarget {
    pub identifier: String,
    pub lifetime_secs: i64,
    pub alg: Alg,
}

impl ApiTarget {
    fn of(api: &Api) -> Self {
        ApiTarget {
            identifier: api.identifier.clone(),
            lifetime_secs: i64::from(api.settings.token_lifetime_seconds),
            alg: api.settings.signing_alg,
        }
    }
}

/// `held`, kept to what `api` defines, in the API's order.
fn defined_of(api: &Api, held: &[String]) -> Vec<String> {
    api.settings.permissions.iter().filter(|p| held.contains(&p.value)).map(|p| p.value.clone()).collect()
}

/// What a user's token carries for `scope` (what the user consented to),
/// given the API (if any) and the user's permissions for it now (from
/// their roles).
#[must_use]
pub fn for_user(scope: &Scope, api: Option<&Api>, user_permissions: &[String]) -> Access {
    let Some(api) = api else {
        return Access { scope: scope.clone(), permissions: None, api: None };
    };
    let held = defined_of(api, user_permissions);
    let granted = scope.retain(|t| KNOWN_SCOPES.contains(&t) || (defines(api, t) && (!api.settings.enforce_rbac || held.iter().any(|h| h == t))));
    Access {
        scope: granted,
        permissions: api.settings.permissions_claim.then_some(held),
        api: Some(ApiTarget::of(api)),
    }
}

/// What a client's own token (`client_credentials`) carries for `api`:
/// the asked permissions, or all its grant allows when none are asked.
///
/// # Errors
/// `invalid_target` without a grant for the API; `invalid_scope` for a
/// user scope or a permission beyond the grant.
pub fn for_client(requested: Option<&Scope>, api: &Api, grant: Option<&ClientGrant>) -> Result<Access, OAuthError> {
    let Some(grant) = grant.filter(|g| g.api_id == api.id) else {
        return Err(OAuthError::InvalidTarget("this client has no grant for that API".into()));
    };
    let allowed = defined_of(api, &grant.permissions);
    let scope = match requested {
        None => Scope::from_known(&allowed.iter().map(String::as_str).collect::<Vec<_>>()),
        Some(s) => {
            if s.iter().any(|t| USER_SCOPES.contains(&t)) {
                return Err(OAuthError::InvalidScope("user scopes cannot be granted to a client acting for itself".into()));
            }
            if let Some(t) = s.iter().find(|t| !allowed.iter().any(|a| a == t)) {
                return Err(OAuthError::InvalidScope(format!("the client's grant for this API does not include {t}")));
            }
            s.clone()
        }
    };
    let permissions = api.settings.permissions_claim.then(|| scope.iter().map(str::to_owned).collect());
    Ok(Access { scope, permissions, api: Some(ApiTarget::of(api)) })
}

/// What a client's token issued for `scope` carries now (introspection):
/// its scope kept to the client's current grant for `api`.
#[must_use]
pub fn for_client_now(scope: &Scope, api: &Api, grant: Option<&ClientGrant>) -> Access {
    let allowed = grant.filter(|g| g.api_id == api.id).map(|g| defined_of(api, &g.permissions)).unwrap_or_default();
    let scope = scope.retain(|t| allowed.iter().any(|a| a == t));
    let permissions = api.settings.permissions_claim.then(|| scope.iter().map(str::to_owned).collect());
    Access { scope, permissions, api: Some(ApiTarget::of(api)) }
}

/// The `aud` of an access token: the API's identifier (with the issuer
/// when `openid` was granted, so the same token reads UserInfo), else
/// Aero2's own audience `default`.
#[must_use]
pub fn audience(access: &Access, issuer: &str, default: Audience) -> Audience {
    match &access.api {
        Some(t) if access.scope.contains(OPENID) => Audience::Many(vec![t.identifier.clone(), issuer.to_owned()]),
        Some(t) => Audience::One(t.identifier.clone()),
        None => default,
    }
}

/// Adds `permissions` to an access token's `claims`, or, when the list
/// would make the signed token longer than [`ACCESS_TOKEN_BUDGET`], the
/// pointer to `introspection_endpoint` instead.
pub fn add_permissions(claims: &mut Map<String, Value>, permissions: Option<&[String]>, alg: Alg, introspection_endpoint: &str) {
    let Some(permissions) = permissions else { return };
    claims.insert("permissions".into(), Value::from(permissions.to_vec()));
    if estimated_jws_len(&Value::Object(claims.clone()), alg) > ACCESS_TOKEN_BUDGET {
        claims.remove("permissions");
        claims.insert(PERMISSIONS_POINTER_CLAIM.into(), introspection_endpoint.into());
    }
}

/// The length of a compact JWS over `claims`: header allowance, payload
/// and signature, each base64url-encoded.
fn estimated_jws_len(claims: &Value, alg: Alg) -> usize {
    let b64 = |n: usize| n.div_ceil(3) * 4;
    let signature = match alg {
        Alg::ES256 => 64,
        Alg::RS256 => 512,
    };
    HEADER_ALLOWANCE + 1 + b64(claims.to_string().len()) + 1 + b64(signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbac::{ApiSettings, Permission};

    const ISS: &str = "https://acme.example";

    fn api(enforce: bool, claim: bool) -> Api {
        Api {
            id: "api_1".into(),
            identifier: "https://api.example/invoices".into(),
            name: "Invoices".into(),
            settings: ApiSettings {
                permissions: ["read:invoices", "write:invoices", "delete:invoices"]
                    .iter()
                    .map(|v| Permission { value: (*v).into(), description: String::new() })
                    .collect(),
                token_lifetime_seconds: 600,
                signing_alg: Alg::RS256,
                enforce_rbac: enforce,
                permissions_claim: claim,
            },
            created_at: 0,
            updated_at: 0,
        }
    }

    fn params(q: &str) -> Params {
        Params::parse(q.as_bytes()).unwrap()
    }

    fn scope(s: &str) -> Scope {
        Scope::parse(s).unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_request_names_one_api_by_resource_or_audience() {
        let id = "https%3A%2F%2Fapi.example%2Finvoices";
        assert_eq!(requested(&params("a=1")).unwrap(), None);
        assert_eq!(requested(&params(&format!("resource={id}"))).unwrap().as_deref(), Some("https://api.example/invoices"));
        assert_eq!(requested(&params(&format!("audience={id}"))).unwrap().as_deref(), Some("https://api.example/invoices"));
        assert_eq!(requested(&params(&format!("resource={id}&audience={id}&resource={id}"))).unwrap().as_deref(), Some("https://api.example/invoices"));
        let code = |q: &str| requested(&params(q)).unwrap_err().code();
        assert_eq!(code(&format!("resource={id}&resource=https%3A%2F%2Fother.example")), "invalid_target");
        assert_eq!(code(&format!("resource={id}&audience=https%3A%2F%2Fother.example")), "invalid_target");
        assert_eq!(code("resource=invoices"), "invalid_target");
        assert_eq!(code("resource=https%3A%2F%2Fapi.example%2F%23frag"), "invalid_target");
        assert_eq!(code("resource=1http%3A%2F%2Fa"), "invalid_target");
        assert_eq!(code("audience=a%3Ab&audience=a%3Ac"), "invalid_request");
        let apis = [api(false, false)];
        assert_eq!(find(&apis, "https://api.example/invoices").unwrap().id, "api_1");
        assert_eq!(find(&apis, "https://api.example/invoices/").unwrap_err().code(), "invalid_target");
    }

    #[test]
    fn a_token_request_may_only_repeat_the_granted_resource() {
        assert!(check_same(None, Some("urn:a")).is_ok());
        assert!(check_same(Some("urn:a"), Some("urn:a")).is_ok());
        assert_eq!(check_same(Some("urn:b"), Some("urn:a")).unwrap_err().code(), "invalid_target");
        assert_eq!(check_same(Some("urn:a"), None).unwrap_err().code(), "invalid_target");
    }

    #[test]
    fn permissions_are_asked_only_of_the_api_that_defines_them() {
        let client = scope("openid profile email offline_access");
        let a = api(true, true);
        assert!(check_scope(&scope("openid read:invoices"), &client, Some(&a)).is_ok());
        assert!(check_scope(&scope("openid"), &client, None).is_ok());
        let err = |s: &str, api: Option<&Api>| check_scope(&scope(s), &client, api).unwrap_err();
        assert_eq!(err("openid read:invoices", None).code(), "invalid_scope");
        assert!(err("read:orders", Some(&a)).description().contains("defines no permission read:orders"));
        // Aero2's scopes stay held to the client's, and `account` has its own audience.
        assert_eq!(err("openid account", Some(&a)).code(), "invalid_scope");
        let first_party = scope("openid account");
        assert!(check_scope(&scope("openid account"), &first_party, None).is_ok());
        assert!(check_scope(&scope("openid account"), &first_party, Some(&a)).unwrap_err().description().contains("account API"));
    }

    #[test]
    fn rbac_cuts_the_scope_to_what_the_users_roles_allow() {
        let asked = scope("openid read:invoices write:invoices");
        let held = strings(&["write:invoices", "read:invoices", "read:orders"]);
        let enforced = for_user(&asked, Some(&api(true, true)), &strings(&["read:invoices"]));
        assert_eq!(enforced.scope, scope("openid read:invoices"));
        assert_eq!(enforced.permissions, Some(strings(&["read:invoices"])));
        let t = enforced.api.clone().unwrap();
        assert_eq!((t.identifier.as_str(), t.lifetime_secs, t.alg), ("https://api.example/invoices", 600, Alg::RS256));
        // The claim lists what the roles give for this API only, in the API's order.
        let all = for_user(&asked, Some(&api(true, true)), &held);
        assert_eq!(all.permissions, Some(strings(&["read:invoices", "write:invoices"])));
        // Without enforcement the scope is what was asked; without the switch, no claim.
        let open = for_user(&asked, Some(&api(false, false)), &[]);
        assert_eq!((open.scope, open.permissions), (asked.clone(), None));
        // No roles at all: only Aero2's scopes are left.
        assert_eq!(for_user(&asked, Some(&api(true, false)), &[]).scope, scope("openid"));
        // No API: today's token.
        let plain = for_user(&scope("openid email"), None, &held);
        assert_eq!((plain.scope, plain.permissions, plain.api), (scope("openid email"), None, None));
    }

    #[test]
    fn a_client_gets_what_its_grant_allows() {
        let a = api(false, true);
        let grant = ClientGrant { api_id: "api_1".into(), permissions: strings(&["read:invoices", "write:invoices", "gone:perm"]) };
        let all = for_client(None, &a, Some(&grant)).unwrap();
        assert_eq!(all.scope, scope("read:invoices write:invoices"));
        assert_eq!(all.permissions, Some(strings(&["read:invoices", "write:invoices"])));
        assert_eq!(for_client(Some(&scope("write:invoices")), &a, Some(&grant)).unwrap().scope, scope("write:invoices"));
        let code = |s: &str, g: Option<&ClientGrant>| for_client(Some(&scope(s)), &a, g).unwrap_err().code();
        assert_eq!(code("delete:invoices", Some(&grant)), "invalid_scope");
        assert_eq!(code("gone:perm", Some(&grant)), "invalid_scope");
        assert_eq!(code("openid", Some(&grant)), "invalid_scope");
        assert_eq!(code("read:invoices", None), "invalid_target");
        let other = ClientGrant { api_id: "api_2".into(), ..grant.clone() };
        assert_eq!(code("read:invoices", Some(&other)), "invalid_target");
        // Introspection: what the grant still allows of what was issued.
        let narrowed = ClientGrant { permissions: strings(&["write:invoices"]), ..grant.clone() };
        let now = for_client_now(&scope("read:invoices write:invoices"), &a, Some(&narrowed));
        assert_eq!((now.scope, now.permissions), (scope("write:invoices"), Some(strings(&["write:invoices"]))));
        assert!(for_client_now(&scope("read:invoices"), &a, None).scope.is_empty());
    }

    #[test]
    fn the_audience_is_the_api_and_the_issuer_only_with_openid() {
        let default = || Audience::One(ISS.into());
        let a = api(false, false);
        let with_openid = for_user(&scope("openid read:invoices"), Some(&a), &[]);
        assert_eq!(audience(&with_openid, ISS, default()), Audience::Many(vec![a.identifier.clone(), ISS.into()]));
        let without = for_user(&scope("read:invoices"), Some(&a), &[]);
        assert_eq!(audience(&without, ISS, default()), Audience::One(a.identifier.clone()));
        assert_eq!(audience(&for_user(&scope("openid"), None, &[]), ISS, default()), default());
    }

    #[test]
    fn a_permissions_list_past_the_budget_becomes_a_pointer() {
        let introspect = "https://acme.example/oauth2/introspect";
        let mut small = Map::new();
        small.insert("sub".into(), "u1".into());
        add_permissions(&mut small, Some(&strings(&["read:invoices"])), Alg::ES256, introspect);
        assert_eq!(small["permissions"], serde_json::json!(["read:invoices"]));
        assert!(!small.contains_key(PERMISSIONS_POINTER_CLAIM));

        let many: Vec<String> = (0..100).map(|i| format!("permission:number-{i:03}-with-a-long-name")).collect();
        let mut big = small.clone();
        add_permissions(&mut big, Some(&many), Alg::RS256, introspect);
        assert!(!big.contains_key("permissions"));
        assert_eq!(big[PERMISSIONS_POINTER_CLAIM], introspect);
        // Just under and just over: the estimate is what decides.
        let fits = |n: usize, alg: Alg| {
            let mut c = Map::new();
            add_permissions(&mut c, Some(&many[..n]), alg, introspect);
            c.contains_key("permissions")
        };
        let es_max = (0..=100).take_while(|&n| fits(n, Alg::ES256)).last().unwrap();
        let rs_max = (0..=100).take_while(|&n| fits(n, Alg::RS256)).last().unwrap();
        assert!(rs_max < es_max && es_max < 100, "{rs_max} {es_max}");
        let mut c = Map::new();
        add_permissions(&mut c, Some(&many[..es_max]), Alg::ES256, introspect);
        assert!(estimated_jws_len(&Value::Object(c), Alg::ES256) <= ACCESS_TOKEN_BUDGET);
        // No switch, no claim.
        let mut none = Map::new();
        add_permissions(&mut none, None, Alg::ES256, introspect);
        assert!(none.is_empty());
    }
}

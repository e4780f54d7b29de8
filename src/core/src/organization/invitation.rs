//! Invitations to an organization: an address, the organization roles the
//! invitee will hold, and a single-use link that expires. The link proves
//! the address: accepting it adds the membership to the account with that
//! address (marking the address confirmed), or creates that account. It
//! never signs in an account that already has credentials: its owner signs
//! in as usual (their second factor included) and comes back.
//!
//! `return_to` is where the browser goes once the invitee is a member,
//! with `iss` and `organization` added (as in OIDC Core §4, third-party
//! initiated login): the application then starts its sign-in in that
//! organization. It must be on the origin of one of the application's
//! registered redirect URIs, so an invitation is never an open redirect.

use super::parse_member_roles;
use crate::cors::validate_origin;
use crate::error::ApiError;
use crate::json_body::{object, reject_unknown};
use crate::password::normalize_email;
use crate::rbac::Role;
use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Days an invitation link works, unless the request says otherwise.
pub const DEFAULT_TTL_DAYS: u32 = 7;
pub const MAX_TTL_DAYS: u32 = 30;
const DAY_MS: i64 = 86_400_000;
const MAX_RETURN_TO_CHARS: usize = 2_000;
/// The hosted page an invitation's link opens (`?token=`), on the
/// application's host.
pub const PAGE: &str = "/invitation";
/// The outbox's name for an invitation mail.
pub const MAIL_KIND: &str = "organization_invitation";
/// The prefix of an invitation token (`oin_` + 64 hex digits).
pub const TOKEN_PREFIX: &str = "oin_";

/// A checked invitation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub email: String,
    pub roles: Vec<String>,
    pub ttl_days: u32,
    pub return_to: Option<String>,
}

impl NewInvitation {
    /// `{"email", "roles"?, "expires_in_days"?, "return_to"?}`. `known`:
    /// the application's roles; `redirect_uris`: every client's
    /// registered redirect URIs (`return_to` must share an origin with one).
    ///
    /// # Errors
    /// 400 naming the field.
    pub fn from_json(body: &Value, known: &[Role], redirect_uris: &[String]) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, &["email", "roles", "expires_in_days", "return_to"])?;
        let email = normalize_email(obj.get("email").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("email", "is required"))?)?;
        let roles = parse_member_roles(obj.get("roles"), known)?;
        let ttl_days = match obj.get("expires_in_days") {
            None => DEFAULT_TTL_DAYS,
            Some(v) => v
                .as_u64()
                .filter(|d| (1..=u64::from(MAX_TTL_DAYS)).contains(d))
                .and_then(|d| u32::try_from(d).ok())
                .ok_or_else(|| ApiError::invalid("expires_in_days", format!("must be an integer from 1 to {MAX_TTL_DAYS}")))?,
        };
        let return_to = match obj.get("return_to") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let url = v.as_str().ok_or_else(|| ApiError::invalid("return_to", "must be a URL"))?;
                Some(check_return_to(url, redirect_uris)?)
            }
        };
        Ok(NewInvitation { email, roles, ttl_days, return_to })
    }

    #[must_use]
    pub fn expires_at(&self, now: UnixMillis) -> UnixMillis {
        now.plus_millis(i64::from(self.ttl_days) * DAY_MS)
    }
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    validate_origin(&format!("{scheme}://{}", rest.get(..end)?)).ok()
}

fn check_return_to(url: &str, redirect_uris: &[String]) -> Result<String, ApiError> {
    let field = "return_to";
    let clean = url.chars().count() <= MAX_RETURN_TO_CHARS
        && !url.contains('#')
        && url.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
    let origin = origin_of(url).filter(|_| clean).ok_or_else(|| ApiError::invalid(field, "must be an absolute https URL without a fragment"))?;
    if !redirect_uris.iter().filter_map(|r| origin_of(r)).any(|o| o == origin) {
        return Err(ApiError::invalid(field, "must be on the origin of one of the application's registered redirect URIs"));
    }
    Ok(url.to_owned())
}

/// Where an accepted invitation sends the browser: `return_to` with `iss`
/// and `organization` added.
#[must_use]
pub fn continue_to(return_to: &str, issuer: &str, org_id: &str) -> String {
    let sep = if return_to.contains('?') { '&' } else { '?' };
    format!("{return_to}{sep}{}", crate::oauth::params::form_urlencode(&[("iss", issuer), ("organization", org_id)]))
}

/// An invitation as stored and as the management API shows it (never its
/// token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub email: String,
    /// Role ids the invitee will hold.
    pub roles: Vec<String>,
    /// Who invited: `operator`, `key:<id>`, `user:<id>`.
    pub inviter: String,
    pub return_to: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub accepted_by: Option<String>,
    pub revoked_at: Option<i64>,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl Invitation {
    #[must_use]
    pub fn status(&self, now: UnixMillis) -> Status {
        match (self.accepted_at, self.revoked_at) {
            (Some(_), _) => Status::Accepted,
            (None, Some(_)) => Status::Revoked,
            (None, None) if self.expires_at <= now.0 => Status::Expired,
            (None, None) => Status::Pending,
        }
    }

    /// The JSON the API shows: the record and its `status` now.
    #[must_use]
    pub fn shown(&self, now: UnixMillis) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("status".into(), serde_json::to_value(self.status(now)).unwrap_or(Value::Null));
        }
        v
    }
}

/// Who invited through an organization's self-service (a member of the
/// application, not its developers): `member:<user id>`.
#[must_use]
pub fn member_inviter(user_id: &str) -> String {
    format!("member:{user_id}")
}

/// Whether an invitation by `inviter` lets its invitee make an account
/// where sign-up is invite-only: one from the application's developers
/// (the operator, its key, a developer's token), not one from a member of
/// the application (an organization's admin) nor, on the Dashboard, from
/// a developer inviting to their team: there only the operator's count.
#[must_use]
pub fn opens_invite_only_signup(inviter: &str, on_dashboard: bool) -> bool {
    if on_dashboard {
        return inviter == "operator";
    }
    inviter == "operator" || inviter.starts_with("key:") || inviter.starts_with("user:")
}

/// The invitation mail for the link with `token` on `issuer`: subject and
/// text.
#[must_use]
pub fn mail(app_name: &str, org_name: &str, issuer: &str, token: &str, ttl_days: u32) -> (String, String) {
    let link = format!("{issuer}{PAGE}?token={token}");
    let days = if ttl_days == 1 { "1 day".to_owned() } else { format!("{ttl_days} days") };
    (
        format!("You are invited to join {org_name} on {app_name}"),
        format!(
            "You have been invited to join {org_name} on {app_name}.\n\nAccept the invitation (the link works once, within {days}):\n{link}\n\n\
             If you did not expect this, ignore this email: nothing happens unless you accept.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn role(id: &str) -> Role {
        Role { id: id.into(), name: id.into(), description: String::new(), organization_permissions: vec![], created_at: 0, updated_at: 0 }
    }

    const REDIRECTS: &[&str] = &["https://app.acme.test/callback", "http://localhost:3000/cb"];

    fn parse(body: Value) -> Result<NewInvitation, ApiError> {
        let uris: Vec<String> = REDIRECTS.iter().map(|s| (*s).to_owned()).collect();
        NewInvitation::from_json(&body, &[role("rol_admin")], &uris)
    }

    #[test]
    fn an_invitation_names_an_address_roles_a_lifetime_and_where_to_go() {
        let i = parse(json!({"email": " Ada@Example.COM ", "roles": ["rol_admin"], "expires_in_days": 2, "return_to": "https://app.acme.test/welcome?x=1"})).unwrap();
        assert_eq!((i.email.as_str(), i.roles.clone(), i.ttl_days), ("ada@example.com", vec!["rol_admin".to_owned()], 2));
        assert_eq!(i.expires_at(UnixMillis(0)), UnixMillis(2 * DAY_MS));
        let plain = parse(json!({"email": "ada@example.com"})).unwrap();
        assert_eq!((plain.ttl_days, plain.return_to, plain.roles.len()), (DEFAULT_TTL_DAYS, None, 0));
        assert!(parse(json!({"email": "bob@example.com", "return_to": "http://localhost:3000/after"})).is_ok());
        for (body, field) in [
            (json!({}), "email"),
            (json!({"email": "not an address"}), "email"),
            (json!({"email": "a@example.com", "roles": ["rol_other"]}), "roles"),
            (json!({"email": "a@example.com", "expires_in_days": 0}), "expires_in_days"),
            (json!({"email": "a@example.com", "expires_in_days": 31}), "expires_in_days"),
            (json!({"email": "a@example.com", "return_to": "https://evil.test/"}), "return_to"),
            (json!({"email": "a@example.com", "return_to": "https://app.acme.test.evil.test/"}), "return_to"),
            (json!({"email": "a@example.com", "return_to": "http://app.acme.test/"}), "return_to"),
            (json!({"email": "a@example.com", "return_to": "https://app.acme.test/#x"}), "return_to"),
            (json!({"email": "a@example.com", "return_to": "javascript:alert(1)//https://app.acme.test/"}), "return_to"),
            (json!({"email": "a@example.com", "return_to": "https://app.acme.test/\"onmouseover=x"}), "return_to"),
        ] {
            match parse(body.clone()) {
                Err(ApiError::InvalidField { field: f, .. }) => assert_eq!(f, field, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_way_back_names_the_issuer_and_the_organization() {
        assert_eq!(continue_to("https://app.acme.test/welcome", "https://acme.aero2.dev", "org_1"), "https://app.acme.test/welcome?iss=https%3A%2F%2Facme.aero2.dev&organization=org_1");
        assert!(continue_to("https://app.acme.test/w?a=1", "https://i", "org_1").starts_with("https://app.acme.test/w?a=1&iss="));
    }

    #[test]
    fn who_may_open_invite_only_sign_up() {
        assert!(opens_invite_only_signup("operator", false) && opens_invite_only_signup("key:key_1", false) && opens_invite_only_signup("user:usr_dev", false));
        assert!(!opens_invite_only_signup(&member_inviter("usr_1"), false), "an organization's admin is not the application's developer");
        assert!(opens_invite_only_signup("operator", true) && !opens_invite_only_signup("user:usr_dev", true));
    }

    #[test]
    fn status_follows_the_record() {
        let i = Invitation {
            id: "inv_1".into(),
            org_id: "org_1".into(),
            email: "a@example.com".into(),
            roles: vec![],
            inviter: "operator".into(),
            return_to: None,
            created_at: 0,
            expires_at: 10,
            accepted_at: None,
            accepted_by: None,
            revoked_at: None,
        };
        assert_eq!(i.status(UnixMillis(5)), Status::Pending);
        assert_eq!(i.status(UnixMillis(10)), Status::Expired);
        assert_eq!(Invitation { revoked_at: Some(3), ..i.clone() }.status(UnixMillis(5)), Status::Revoked);
        assert_eq!(Invitation { accepted_at: Some(3), ..i.clone() }.status(UnixMillis(50)), Status::Accepted);
        assert_eq!(i.shown(UnixMillis(5))["status"], "pending");
        let (subject, body) = mail("Acme Notes", "Globex", "https://x", "t", 7);
        assert!(subject.contains("Globex") && body.contains("https://x/invitation?token=t") && body.contains("7 days"));
    }
}

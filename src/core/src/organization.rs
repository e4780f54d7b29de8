//! Organizations: groups of an application's users (a B2B application's
//! customers), each with members who hold organization roles, drawn from
//! the application's roles.
//!
//! An organization is named by its id (`org_…`) or its slug, unique in its
//! application. A client says whether it uses organizations
//! ([`Usage`]); a sign-in for one names it with `organization`, or the
//! user picks one ([`choose`]). Tokens issued in an organization carry
//! `org_id`, `org_slug` and the user's organization roles ([`claims`]),
//! and their permissions are what the user's application roles and their
//! roles in that organization grant together.
//!
//! Membership is read at every refresh and every introspection: a member
//! removed from an organization loses it at the next refresh, and their
//! access tokens for it are inactive at once.

pub mod admin;
pub mod domain;
pub mod invitation;

use crate::branding::Branding;
use crate::error::ApiError;
use crate::ids::{is_id, IdKind};
use crate::json_body::{name, object, reject_unknown, truncate};
use crate::oauth::error::OAuthError;
use crate::slug::Slug;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Organizations per application.
pub const MAX_ORGANIZATIONS: usize = 10_000;
/// Members per organization, unless it sets fewer (`max_members`).
pub const MAX_MEMBERS: u32 = 10_000;
/// Organizations one user may belong to in an application.
pub const MAX_MEMBERSHIPS: usize = 100;
/// Organization roles one member may hold.
pub const MAX_MEMBER_ROLES: usize = 20;
/// The largest `metadata` object, as compact JSON.
pub const MAX_METADATA_BYTES: usize = 4_096;

/// An organization, as stored and as the management API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// A JSON object for the developer's own use (plan, CRM id, …).
    pub metadata: Value,
    pub branding: Branding,
    /// At most this many members (`None`: [`MAX_MEMBERS`]).
    pub max_members: Option<u32>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Organization {
    /// How many members it may have.
    #[must_use]
    pub fn member_limit(&self) -> u32 {
        self.max_members.unwrap_or(MAX_MEMBERS).min(MAX_MEMBERS)
    }
}

/// The fields of a creation or an update, each checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationFields {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub metadata: Option<Value>,
    pub branding: Option<Branding>,
    /// `Some(None)`: back to the platform's limit.
    pub max_members: Option<Option<u32>>,
}

impl OrganizationFields {
    /// `required`: a new organization needs its name and slug.
    ///
    /// # Errors
    /// 400 naming the field.
    pub fn from_json(body: &Value, required: bool) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, &["slug", "name", "metadata", "branding", "max_members"])?;
        let slug = match obj.get("slug") {
            None if required => return Err(ApiError::invalid("slug", "is required")),
            None => None,
            Some(v) => Some(parse_slug(v)?),
        };
        Ok(OrganizationFields {
            slug,
            name: name("name", obj.get("name"), required)?,
            metadata: obj.get("metadata").map(parse_metadata).transpose()?,
            branding: obj.get("branding").map(|v| crate::branding::parse(v, "branding")).transpose()?,
            max_members: obj.get("max_members").map(parse_max_members).transpose()?,
        })
    }

    /// A new organization `id` from checked creation fields.
    #[must_use]
    pub fn into_organization(self, id: String, now_ms: i64) -> Organization {
        Organization {
            id,
            slug: self.slug.unwrap_or_default(),
            name: self.name.unwrap_or_default(),
            metadata: self.metadata.unwrap_or_else(|| Value::Object(Map::new())),
            branding: self.branding.unwrap_or_default(),
            max_members: self.max_members.flatten(),
            created_at: now_ms,
            updated_at: now_ms,
        }
    }

    /// `org` with these fields changed.
    #[must_use]
    pub fn apply(self, org: Organization, now_ms: i64) -> Organization {
        Organization {
            slug: self.slug.unwrap_or(org.slug),
            name: self.name.unwrap_or(org.name),
            metadata: self.metadata.unwrap_or(org.metadata),
            branding: self.branding.unwrap_or(org.branding),
            max_members: self.max_members.unwrap_or(org.max_members),
            updated_at: now_ms,
            ..org
        }
    }
}

/// A slug: one lower-case DNS-style label, 3 to 63 characters.
fn parse_slug(v: &Value) -> Result<String, ApiError> {
    let s = v.as_str().ok_or_else(|| ApiError::invalid("slug", "must be a string"))?;
    Slug::parse_label(s).map(|s| s.as_str().to_owned()).map_err(|e| ApiError::invalid("slug", e.message()))
}

fn parse_metadata(v: &Value) -> Result<Value, ApiError> {
    if !v.is_object() {
        return Err(ApiError::invalid("metadata", "must be a JSON object"));
    }
    if v.to_string().len() > MAX_METADATA_BYTES {
        return Err(ApiError::invalid("metadata", format!("must be at most {MAX_METADATA_BYTES} bytes as JSON")));
    }
    Ok(v.clone())
}

fn parse_max_members(v: &Value) -> Result<Option<u32>, ApiError> {
    if v.is_null() {
        return Ok(None);
    }
    v.as_u64()
        .filter(|n| (1..=u64::from(MAX_MEMBERS)).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| ApiError::invalid("max_members", format!("must be null or an integer from 1 to {MAX_MEMBERS}")))
}

/// Organizations in one page of the list, by default and at most.
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

/// One page of the organizations list: those whose slug sorts after
/// `after`, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub after: Option<String>,
    pub limit: usize,
}

impl Page {
    /// From the query's pairs: `after` (a slug), `limit` (1 to 200).
    ///
    /// # Errors
    /// 400 naming the parameter.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Page, ApiError> {
        let mut page = Page { after: None, limit: DEFAULT_PAGE };
        for (k, v) in pairs {
            match k.as_str() {
                "after" => {
                    page.after = Some(Slug::parse_label(v).map_err(|_| ApiError::invalid("after", "must be an organization slug"))?.as_str().to_owned());
                }
                "limit" => page.limit = crate::paging::limit(v, MAX_PAGE)?,
                other => return Err(crate::paging::unknown(other)),
            }
        }
        Ok(page)
    }
}

/// Whether `s` could name an organization: its id or a slug. Checked
/// before any lookup, so junk never reaches the database.
#[must_use]
pub fn is_reference(s: &str) -> bool {
    is_id(IdKind::Organization, s) || Slug::parse_label(s).is_ok()
}

/// `{"roles": ["rol_…", …]}`: the organization roles a member holds, each
/// one of the application's roles (`known`); the list replaces what the
/// member had. An absent body member is no roles.
///
/// # Errors
/// 400 naming `roles`.
pub fn parse_member_roles(v: Option<&Value>, known: &[crate::rbac::Role]) -> Result<Vec<String>, ApiError> {
    let field = "roles";
    let Some(v) = v else { return Ok(Vec::new()) };
    let list = v.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of role ids"))?;
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        let id = item.as_str().ok_or_else(|| ApiError::invalid(field, "must contain only role ids"))?;
        if !known.iter().any(|r| r.id == id) {
            return Err(ApiError::invalid(field, format!("'{}' is not a role of this application", truncate(id, 64))));
        }
        if !out.iter().any(|x| x == id) {
            out.push(id.to_owned());
        }
    }
    if out.len() > MAX_MEMBER_ROLES {
        return Err(ApiError::invalid(field, format!("a member may hold at most {MAX_MEMBER_ROLES} organization roles")));
    }
    Ok(out)
}

/// Whether a client signs users in to organizations (its
/// `organization_usage`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// Tokens never carry an organization; `organization` is refused.
    #[default]
    None,
    /// A sign-in may name one; without it, tokens carry none.
    Allowed,
    /// Every token carries one: named, the user's only one, or picked.
    Required,
}

impl Usage {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::None => "none",
            Usage::Allowed => "allowed",
            Usage::Required => "required",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Usage> {
        [Usage::None, Usage::Allowed, Usage::Required].into_iter().find(|u| u.as_str() == s)
    }

    /// The client's `organization_usage` from a management body.
    ///
    /// # Errors
    /// 400 naming the field.
    pub fn from_json(v: &Value) -> Result<Usage, ApiError> {
        v.as_str()
            .and_then(Usage::parse)
            .ok_or_else(|| ApiError::invalid("organization_usage", "must be \"none\", \"allowed\" or \"required\""))
    }

    /// Whether a request (authorization or refresh) may name an
    /// organization for this client.
    ///
    /// # Errors
    /// `invalid_request` for a client that does not use organizations.
    pub fn admits(self, named: bool) -> Result<(), OAuthError> {
        if named && self == Usage::None {
            return Err(OAuthError::InvalidRequest("this client does not sign in to organizations".into()));
        }
        Ok(())
    }
}

/// Which organization a sign-in ends in, once the user is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// No organization: the tokens carry none.
    Without,
    /// This one (an id).
    In(String),
    /// The user belongs to several: the hosted pages show a picker.
    Pick,
    /// Back to the client with this error.
    Refuse(OAuthError),
}

/// Decides the organization of a sign-in for `usage`: `requested` is the
/// organization the request named (an id, already found in the
/// application), `member_of` the ids of the user's organizations,
/// `suggested` those their confirmed address's domain offers them
/// (`domain::Policy::Suggest`) that they are not in yet: joining one takes
/// their choice on the picker.
#[must_use]
pub fn choose(usage: Usage, requested: Option<&str>, member_of: &[String], suggested: &[String]) -> Choice {
    if let Some(org) = requested {
        return if member_of.iter().any(|m| m == org) {
            Choice::In(org.to_owned())
        } else if suggested.iter().any(|s| s == org) {
            Choice::Pick
        } else {
            Choice::Refuse(OAuthError::AccessDenied("the user is not a member of this organization".into()))
        };
    }
    match (usage, member_of, suggested) {
        (Usage::None | Usage::Allowed, _, _) => Choice::Without,
        (Usage::Required, [], []) => Choice::Refuse(OAuthError::AccessDenied("the user is not a member of any organization".into())),
        (Usage::Required, [only], []) => Choice::In(only.clone()),
        (Usage::Required, _, _) => Choice::Pick,
    }
}

/// The organization a token is issued in, and the member's roles there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOrganization {
    pub id: String,
    pub slug: String,
    /// Role names, sorted.
    pub roles: Vec<String>,
    /// For token templates (`crate::custom_claims::OrganizationView`).
    pub name: String,
    pub metadata: Value,
}

impl TokenOrganization {
    /// The organization as token templates see it.
    #[must_use]
    pub fn view(&self) -> crate::custom_claims::OrganizationView<'_> {
        crate::custom_claims::OrganizationView { id: &self.id, slug: &self.slug, name: &self.name, roles: &self.roles, metadata: &self.metadata }
    }
}

/// Adds `org_id` and `org_slug` (and, for an access token, `org_roles`)
/// to a token's claims.
pub fn claims(claims: &mut Map<String, Value>, org: &TokenOrganization, access_token: bool) {
    claims.insert("org_id".into(), org.id.clone().into());
    claims.insert("org_slug".into(), org.slug.clone().into());
    if access_token {
        claims.insert("org_roles".into(), org.roles.clone().into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn org_id(c: char) -> String {
        format!("org_{}", c.to_string().repeat(32))
    }

    #[test]
    fn a_new_organization_needs_a_name_and_a_slug_and_takes_only_known_fields() {
        let f = OrganizationFields::from_json(&json!({"slug": "acme", "name": "Acme Inc."}), true).unwrap();
        let org = f.into_organization(org_id('a'), 5);
        assert_eq!((org.slug.as_str(), org.name.as_str(), org.metadata.clone(), org.member_limit()), ("acme", "Acme Inc.", json!({}), MAX_MEMBERS));
        for (body, field) in [
            (json!({"name": "A"}), "slug"),
            (json!({"slug": "acme"}), "name"),
            (json!({"slug": "Acme", "name": "A"}), "slug"),
            (json!({"slug": "ac", "name": "A"}), "slug"),
            (json!({"slug": "org_x", "name": "A"}), "slug"),
            (json!({"slug": "acme", "name": "A", "metadata": []}), "metadata"),
            (json!({"slug": "acme", "name": "A", "metadata": {"k": "x".repeat(MAX_METADATA_BYTES)}}), "metadata"),
            (json!({"slug": "acme", "name": "A", "branding": {"logo_url": "http://x/l.png"}}), "branding"),
            (json!({"slug": "acme", "name": "A", "branding": {"logo_url": "https://x/a\"onerror=\"x"}}), "branding"),
            (json!({"slug": "acme", "name": "A", "branding": {"primary_color": "red"}}), "branding"),
            (json!({"slug": "acme", "name": "A", "branding": {"font": "x"}}), "branding"),
            (json!({"slug": "acme", "name": "A", "max_members": 0}), "max_members"),
            (json!({"slug": "acme", "name": "A", "max_members": MAX_MEMBERS + 1}), "max_members"),
        ] {
            match OrganizationFields::from_json(&body, true) {
                Err(ApiError::InvalidField { field: f, .. }) => assert_eq!(f, field, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(OrganizationFields::from_json(&json!({"slug": "acme", "name": "A", "owner": 1}), true), Err(ApiError::InvalidBody(_))));
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let org = OrganizationFields::from_json(&json!({"slug": "acme", "name": "Acme", "max_members": 5}), true).unwrap().into_organization(org_id('a'), 1);
        let patch = OrganizationFields::from_json(&json!({"branding": {"logo_url": "https://cdn.acme.test/l.png", "primary_color": "#AA00ff"}, "max_members": null}), false).unwrap();
        let after = patch.apply(org.clone(), 9);
        assert_eq!((after.slug.as_str(), after.name.as_str(), after.created_at, after.updated_at), ("acme", "Acme", 1, 9));
        assert_eq!(after.branding.primary_color.as_deref(), Some("#aa00ff"));
        assert_eq!(after.max_members, None);
        let same = OrganizationFields::from_json(&json!({}), false).unwrap().apply(org.clone(), 9);
        assert_eq!(same.max_members, Some(5));
    }

    #[test]
    fn pages_are_checked() {
        let q = |s: &[(&str, &str)]| Page::from_query(&s.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>());
        assert_eq!(q(&[]).unwrap(), Page { after: None, limit: DEFAULT_PAGE });
        assert_eq!(q(&[("after", "acme"), ("limit", "2")]).unwrap(), Page { after: Some("acme".into()), limit: 2 });
        for bad in [("limit", "0"), ("limit", "201"), ("after", "A B"), ("sort", "x")] {
            assert!(q(&[bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn references_are_ids_or_slugs() {
        assert!(is_reference(&org_id('b')) && is_reference("acme-inc"));
        assert!(!is_reference("Acme") && !is_reference("org_1") && !is_reference("a' OR 1=1"));
    }

    #[test]
    fn the_organization_of_a_sign_in() {
        let (a, b) = (org_id('a'), org_id('b'));
        let both = vec![a.clone(), b.clone()];
        let (only_a, only_b) = (std::slice::from_ref(&a), std::slice::from_ref(&b));
        assert_eq!(choose(Usage::Allowed, Some(&a), &both, &[]), Choice::In(a.clone()));
        assert!(matches!(choose(Usage::Required, Some(&a), only_b, &[]), Choice::Refuse(OAuthError::AccessDenied(_))));
        assert_eq!(choose(Usage::Allowed, None, &both, &[]), Choice::Without);
        assert_eq!(choose(Usage::None, None, &both, &[]), Choice::Without);
        assert_eq!(choose(Usage::Required, None, only_b, &[]), Choice::In(b.clone()));
        assert_eq!(choose(Usage::Required, None, &both, &[]), Choice::Pick);
        assert!(matches!(choose(Usage::Required, None, &[], &[]), Choice::Refuse(OAuthError::AccessDenied(_))));
        // A suggested organization is joined only by choosing it.
        assert_eq!(choose(Usage::Required, None, &[], only_a), Choice::Pick);
        assert_eq!(choose(Usage::Required, None, only_b, only_a), Choice::Pick);
        assert_eq!(choose(Usage::Allowed, Some(&a), only_b, only_a), Choice::Pick);
        assert_eq!(choose(Usage::Allowed, None, only_b, only_a), Choice::Without);
        assert!(Usage::None.admits(true).is_err() && Usage::None.admits(false).is_ok() && Usage::Allowed.admits(true).is_ok());
    }

    #[test]
    fn member_roles_are_the_applications_and_bounded() {
        let role = |id: &str| crate::rbac::Role { id: id.into(), name: id.into(), description: String::new(), organization_permissions: vec![], created_at: 0, updated_at: 0 };
        let known = vec![role("rol_a"), role("rol_b")];
        assert_eq!(parse_member_roles(Some(&json!(["rol_a", "rol_a", "rol_b"])), &known).unwrap(), vec!["rol_a", "rol_b"]);
        assert!(parse_member_roles(Some(&json!(["rol_c"])), &known).is_err());
        assert!(parse_member_roles(Some(&json!("rol_a")), &known).is_err());
        assert!(parse_member_roles(None, &known).unwrap().is_empty());
    }

    #[test]
    fn tokens_carry_the_organization() {
        let mut m = Map::new();
        let org = TokenOrganization { id: org_id('a'), slug: "acme".into(), roles: vec!["admin".into()], name: "Acme".into(), metadata: json!({}) };
        claims(&mut m, &org, false);
        assert!(m.get("org_roles").is_none() && m["org_slug"] == "acme");
        claims(&mut m, &org, true);
        assert_eq!(m["org_roles"], json!(["admin"]));
    }
}

//! The platform protects its own management API with Aero2's RBAC
//! (dogfooding). The Dashboard application defines an API, the management
//! API ([`MANAGEMENT_API`]), with the permissions below, and three roles
//! that bundle them; a developer who signs up on the Dashboard's hosted
//! pages gets [`DEFAULT_ROLE`]. An access token the Dashboard application
//! issued for the management API is a credential there, beside the
//! operator's and `sk_live_` keys, and may do what its permissions allow,
//! on the applications of its user's Developer Teams, as far as their
//! role in the team allows ([`TeamRole`]).
//!
//! | role | permissions | may |
//! |---|---|---|
//! | `member` | `read:applications` | read their teams' applications |
//! | `developer` | + `write:applications`, `create:applications`, `delete:applications` | create applications (in a team), change and delete them |
//! | `operator` | + `operate:platform` | everything the operator credential may: every application, domain verification |
//!
//! Who may call an endpoint is decided here, for every kind of caller:
//! [`Caller::may`] (the endpoint's permission), [`Caller::may_act_on`]
//! (the application) and [`Caller::team_allows`] (the team role).

use crate::routes::management::Endpoint;

/// The management API's identifier: the `resource` a Dashboard client asks
/// for, and the `aud` of the tokens it gets.
pub const MANAGEMENT_API: &str = "urn:aero2:management-api";
pub const MANAGEMENT_API_NAME: &str = "Aero2 management API";
/// How long a management-API token lives: short, since it can change
/// applications.
pub const MANAGEMENT_TOKEN_LIFETIME_SECS: u32 = 900;

/// What a management-API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    ReadApplications,
    WriteApplications,
    CreateApplications,
    DeleteApplications,
    OperatePlatform,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Permission::ReadApplications,
        Permission::WriteApplications,
        Permission::CreateApplications,
        Permission::DeleteApplications,
        Permission::OperatePlatform,
    ];

    /// The scope token.
    #[must_use]
    pub fn value(self) -> &'static str {
        match self {
            Permission::ReadApplications => "read:applications",
            Permission::WriteApplications => "write:applications",
            Permission::CreateApplications => "create:applications",
            Permission::DeleteApplications => "delete:applications",
            Permission::OperatePlatform => "operate:platform",
        }
    }

    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Permission::ReadApplications => "Read the applications you own and everything in them",
            Permission::WriteApplications => "Change the applications you own: settings, clients, users, keys, domains, providers, APIs, roles",
            Permission::CreateApplications => "Create applications (you own them)",
            Permission::DeleteApplications => "Delete the applications you own",
            Permission::OperatePlatform => "Act on every application as the platform's operator",
        }
    }

    /// Why a caller without this permission is refused (403).
    #[must_use]
    pub fn refusal(self) -> &'static str {
        match self {
            Permission::ReadApplications => "this credential may not read applications (it needs read:applications)",
            Permission::WriteApplications => "this credential may not change applications (it needs write:applications)",
            Permission::CreateApplications => {
                "only the operator, or a Dashboard user whose roles give create:applications, may create applications"
            }
            Permission::DeleteApplications => "this credential may not delete applications (it needs delete:applications)",
            Permission::OperatePlatform => "only the operator may do this (operate:platform)",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.value() == value)
    }
}

/// One of the Dashboard's roles.
#[derive(Debug, Clone, Copy)]
pub struct RoleDef {
    pub name: &'static str,
    pub description: &'static str,
    pub permissions: &'static [Permission],
}

use Permission as P;

pub const ROLES: &[RoleDef] = &[
    RoleDef { name: "member", description: "Reads the applications they own", permissions: &[P::ReadApplications] },
    RoleDef {
        name: "developer",
        description: "Creates, manages and deletes their own applications",
        permissions: &[P::ReadApplications, P::WriteApplications, P::CreateApplications, P::DeleteApplications],
    },
    RoleDef {
        name: "operator",
        description: "Operates the platform: every application",
        permissions: &[P::ReadApplications, P::WriteApplications, P::CreateApplications, P::DeleteApplications, P::OperatePlatform],
    },
];

/// The role a Dashboard user gets when their account is created.
pub const DEFAULT_ROLE: &str = "developer";

/// A developer's role in a team. Teams are organizations of the Dashboard
/// application, and own applications; these are their organization roles
/// (application roles of the Dashboard, created with it). A token's
/// permissions (above) are then cut to what the role allows with the
/// team's applications ([`TeamRole::allows`]).
///
/// | role | applications of the team | the team |
/// |---|---|---|
/// | `team_viewer` | read | |
/// | `team_developer` | + change, create | |
/// | `team_admin` | + delete, API keys | invite, change roles, remove members (not owners) |
/// | `team_owner` | + delete | + owners, transfer ownership |
///
/// A team keeps at least one owner: the last one cannot leave, be removed
/// or be demoted ([`member_change`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TeamRole {
    Viewer,
    Developer,
    Admin,
    Owner,
}

impl TeamRole {
    pub const ALL: [TeamRole; 4] = [TeamRole::Owner, TeamRole::Admin, TeamRole::Developer, TeamRole::Viewer];

    /// The Dashboard role's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            TeamRole::Owner => "team_owner",
            TeamRole::Admin => "team_admin",
            TeamRole::Developer => "team_developer",
            TeamRole::Viewer => "team_viewer",
        }
    }

    /// As the teams API names it (`owner`, …).
    #[must_use]
    pub fn short(self) -> &'static str {
        self.name().trim_start_matches("team_")
    }

    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            TeamRole::Owner => "Owns the team: everything an admin may, and its owners",
            TeamRole::Admin => "Manages the team's applications and its members",
            TeamRole::Developer => "Creates and changes the team's applications",
            TeamRole::Viewer => "Reads the team's applications",
        }
    }

    /// From the teams API's `role` (`owner`, …).
    #[must_use]
    pub fn parse_short(s: &str) -> Option<TeamRole> {
        TeamRole::ALL.into_iter().find(|r| r.short() == s)
    }

    /// The strongest team role among a member's role names.
    pub fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<TeamRole> {
        names.into_iter().filter_map(|n| TeamRole::ALL.into_iter().find(|r| r.name() == n)).max()
    }

    /// What this role lets a token do with the team's applications.
    #[must_use]
    pub fn allows(self, p: Permission) -> bool {
        match p {
            P::ReadApplications => true,
            P::WriteApplications | P::CreateApplications => self >= TeamRole::Developer,
            P::DeleteApplications => self >= TeamRole::Admin,
            P::OperatePlatform => false,
        }
    }

    /// Whether this role may call `endpoint` on the team's applications:
    /// what its permission needs, and admin for what outlives a member's
    /// place in the team (the application's `sk_live_` keys, which act
    /// without any team role) and for what cannot be undone (deleting a
    /// user: a developer may disable one).
    #[must_use]
    pub fn may(self, endpoint: Endpoint) -> bool {
        let admins_only = matches!(endpoint, Endpoint::CreateKey | Endpoint::RevokeKey | Endpoint::DeleteUser);
        self.allows(needs(endpoint)) && (!admins_only || self >= TeamRole::Admin)
    }
}

/// Why a change of a team's members is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamRefusal {
    /// Only owners and admins manage members.
    NotAManager,
    /// Admins neither touch owners nor make them.
    OwnersAreTheOwners,
    /// The team would have no owner left.
    LastOwner,
}

impl TeamRefusal {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            TeamRefusal::NotAManager => "only the team's owners and admins manage its members",
            TeamRefusal::OwnersAreTheOwners => "only an owner may change, remove or make an owner",
            TeamRefusal::LastOwner => "a team keeps at least one owner: make someone else owner first",
        }
    }
}

/// Whether `actor` (their role; `None` for the operator, who may do
/// anything but leave a team ownerless) may move a member from `current`
/// to `next` (`None`: out of the team). `is_self`: the member is the
/// actor (leaving, or changing their own role); `owners`: how many owners
/// the team has now.
///
/// # Errors
/// The [`TeamRefusal`].
pub fn member_change(actor: Option<TeamRole>, is_self: bool, current: TeamRole, next: Option<TeamRole>, owners: usize) -> Result<(), TeamRefusal> {
    let loses_owner = current == TeamRole::Owner && next != Some(TeamRole::Owner);
    if loses_owner && owners <= 1 {
        return Err(TeamRefusal::LastOwner);
    }
    let leaving = is_self && next.is_none();
    match actor {
        None => Ok(()),
        Some(_) if leaving => Ok(()),
        Some(TeamRole::Owner) => Ok(()),
        Some(TeamRole::Admin) if current == TeamRole::Owner || next == Some(TeamRole::Owner) => Err(TeamRefusal::OwnersAreTheOwners),
        Some(TeamRole::Admin) => Ok(()),
        Some(_) => Err(TeamRefusal::NotAManager),
    }
}

/// The permission an endpoint needs.
#[must_use]
pub fn needs(endpoint: Endpoint) -> Permission {
    use Endpoint as E;
    match endpoint {
        E::ListApplications
        | E::GetApplication
        | E::ListKeys
        | E::ListDomains
        | E::ListClients
        | E::GetClient
        | E::ListUsers
        | E::GetUser
        | E::ListInvitations
        | E::Outbox
        | E::ListSigningKeys
        | E::TenantShards
        | E::ListIdps
        | E::GetIdp
        | E::ListApis
        | E::GetApi
        | E::ListRoles
        | E::GetRole
        | E::RolePermissions
        | E::UserRoles
        | E::ClientGrants
        | E::Audit
        | E::AuditExport
        | E::AuditVerify
        | E::Checkpoints
        | E::UserFactors
        | E::UserSessions
        | E::UserIdentities
        | E::ListOrganizations
        | E::GetOrganization
        | E::ListMembers
        | E::GetMember
        | E::UserOrganizations
        | E::ListOrgInvitations
        | E::ListOrgDomains
        | E::GetOrgDomain
        | E::ListTeams
        | E::GetTeam
        | E::TeamApplications
        | E::TeamMembers
        | E::TeamInvitations => P::ReadApplications,
        E::CreateApplication => P::CreateApplications,
        E::DeleteApplication => P::DeleteApplications,
        // Proving a domain is the operator's (locally; DNS in production).
        E::VerifyDomain | E::VerifyOrgDomain => P::OperatePlatform,
        // Where keys live is the deployment's concern (`signer_shards`).
        E::MoveSigningKeys => P::OperatePlatform,
        // So is how many objects an application's state is spread over.
        E::SetTenantShards => P::OperatePlatform,
        // Changes nothing, but is how templates are written: with them.
        E::PreviewTokenClaims
        | E::UpdateApplication
        | E::CreateKey
        | E::RevokeKey
        | E::AddDomain
        | E::RemoveDomain
        | E::CreateClient
        | E::UpdateClient
        | E::DeleteClient
        | E::RotateClientSecret
        | E::CreateUser
        | E::UpdateUser
        | E::DeleteUser
        | E::UnlockUser
        | E::Invite
        | E::RevokeInvitation
        | E::RotateSigningKeys
        | E::CreateIdp
        | E::UpdateIdp
        | E::DeleteIdp
        | E::CreateApi
        | E::UpdateApi
        | E::DeleteApi
        | E::CreateRole
        | E::UpdateRole
        | E::DeleteRole
        | E::GrantRolePermissions
        | E::RevokeRolePermissions
        | E::AssignUserRoles
        | E::UnassignUserRoles
        | E::SetClientGrants
        | E::Checkpoint
        | E::ResetUserFactors
        | E::EndUserSessions
        | E::CreateOrganization
        | E::UpdateOrganization
        | E::DeleteOrganization
        | E::AddMember
        | E::UpdateMember
        | E::RemoveMember
        | E::CreateOrgInvitation
        | E::RevokeOrgInvitation
        | E::AddOrgDomain
        | E::UpdateOrgDomain
        | E::RemoveOrgDomain
        | E::CreateTeam
        | E::UpdateTeamMember
        | E::RemoveTeamMember
        | E::InviteToTeam
        | E::RevokeTeamInvitation
        | E::TransferTeam => P::WriteApplications,
    }
}

/// Who is calling the management API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The operator credential (`AERO2_BOOTSTRAP_SECRET`).
    Operator,
    /// One application, through one of its `sk_live_` keys.
    Application { app_id: String, key_id: String },
    /// A Dashboard user, through an access token for [`MANAGEMENT_API`],
    /// with the permissions that token was granted and their roles still
    /// allow.
    User { user_id: String, permissions: Vec<Permission> },
}

impl Caller {
    fn has(&self, p: Permission) -> bool {
        matches!(self, Caller::User { permissions, .. } if permissions.contains(&p))
    }

    /// Whether the caller acts on every application (no owner check).
    #[must_use]
    pub fn sees_everything(&self) -> bool {
        matches!(self, Caller::Operator) || self.has(P::OperatePlatform)
    }

    /// Whether the caller may call `endpoint` at all. A key is its
    /// application's: it may not create applications or verify domains.
    #[must_use]
    pub fn may(&self, endpoint: Endpoint) -> bool {
        let need = needs(endpoint);
        match self {
            Caller::Operator => true,
            Caller::Application { .. } => !matches!(need, P::CreateApplications | P::OperatePlatform),
            Caller::User { .. } => self.has(need),
        }
    }

    /// Whether the caller sees the application `app_id` at all: a key its
    /// own, a Dashboard user those of the teams they belong to (`team`:
    /// their role in the team that owns it, if any).
    #[must_use]
    pub fn may_act_on(&self, app_id: &str, team: Option<TeamRole>) -> bool {
        if self.sees_everything() {
            return true;
        }
        match self {
            Caller::Application { app_id: own, .. } => own == app_id,
            Caller::User { .. } => team.is_some(),
            Caller::Operator => true,
        }
    }

    /// Whether the caller's role in the application's team allows what
    /// `endpoint` needs (checked after [`Self::may_act_on`]).
    #[must_use]
    pub fn team_allows(&self, team: Option<TeamRole>, endpoint: Endpoint) -> bool {
        match self {
            Caller::User { .. } if !self.sees_everything() => team.is_some_and(|t| t.may(endpoint)),
            _ => true,
        }
    }

    /// Who did it, for the record: `operator`, `key:<id>`, `user:<id>`.
    #[must_use]
    pub fn actor(&self) -> String {
        match self {
            Caller::Operator => "operator".into(),
            Caller::Application { key_id, .. } => format!("key:{key_id}"),
            Caller::User { user_id, .. } => format!("user:{user_id}"),
        }
    }
}

/// The permissions a management-API token carries in `scope`, kept to
/// what the user's roles allow now (`held`): a role taken away takes
/// effect at the next request, whatever the token says.
#[must_use]
pub fn effective_permissions<'a>(scope: impl Iterator<Item = &'a str>, held: &[String]) -> Vec<Permission> {
    let mut out: Vec<Permission> = scope.filter(|s| held.iter().any(|h| h == s)).filter_map(Permission::parse).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The Dashboard's web app (`ui/dashboard`): a public client of the
/// Dashboard application, kept by the platform (every isolate's bootstrap
/// writes it), that signs developers in with the authorization code flow
/// and PKCE and asks for the management API.
pub use crate::application::DASHBOARD_WEB_APP_CLIENT_ID as WEB_APP_CLIENT_ID;
/// Where the web app receives the authorization response (below its origin).
pub const WEB_APP_CALLBACK_PATH: &str = "/callback";
/// The Worker variable naming the web app's origin when it is not
/// `https://dashboard.<PLATFORM_DOMAIN>` (a local port, e.g.
/// `http://dashboard.localhost:8787`).
pub const WEB_APP_ORIGIN_VAR: &str = "DASHBOARD_ORIGIN";

/// The interactive reference of the API (Scalar, reading
/// `crate::openapi::PATH`): one of the web app's static files.
pub const API_REFERENCE_PATH: &str = "/api/reference";

/// What the front Worker answers itself on the Dashboard's own host,
/// without a Durable Object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Static {
    /// The OpenAPI document (`crate::openapi::document`).
    ApiDescription,
    /// One of the web app's files, or its `index.html` (see [`web_app_file`]).
    WebApp,
}

/// What, if anything, the front Worker serves itself for a request on the
/// Dashboard's host. The OpenAPI document at `crate::openapi::PATH`; the
/// web app's static files for a `GET` or `HEAD` whose path no route table
/// serves (the hosted pages, the OP's endpoints, `/account` and `/api/v1`
/// keep theirs), and not under `/.well-known/` (a client probing for a
/// document gets the object's 404, not a page). A path that is no file
/// gets the app's `index.html` (its own router draws the page).
#[must_use]
pub fn static_answer(method: &str, path: &str) -> Option<Static> {
    use crate::routes::{op, route, Routed, Surface};
    if !matches!(method, "GET" | "HEAD") {
        return None;
    }
    if path == crate::openapi::PATH {
        return Some(Static::ApiDescription);
    }
    let web_app = !path.starts_with("/.well-known/")
        && Surface::of(path) == Surface::Op
        && matches!(route(op::TABLE, "GET", path), Routed::NotFound);
    web_app.then_some(Static::WebApp)
}

/// Whether the web app's file at `path` may use inline styles: only the
/// API reference, whose bundled viewer injects its stylesheet (it runs no
/// inline script, and the page shows nothing but our own document).
#[must_use]
pub fn web_app_inline_styles(path: &str) -> bool {
    path == API_REFERENCE_PATH
}

/// What the Worker does with the static-assets binding's answer for `path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebAppFile {
    /// Pass it on with this `Cache-Control`.
    Serve(&'static str),
    /// 404: a build file that is not there (never `index.html` in its place).
    Missing,
}

/// The build's content-hashed files (under `/assets/`) never change, so
/// browsers keep them a year; one that is missing (a browser holding
/// another deployment's `index.html`) is 404, never the HTML fallback, or
/// HTML would be kept a year under a script's name. Anything else
/// (`index.html`, which names the current files) is revalidated.
#[must_use]
pub fn web_app_file(path: &str, status: u16, content_type: &str) -> WebAppFile {
    if !path.starts_with("/assets/") {
        return WebAppFile::Serve("no-cache");
    }
    let file = status == 304 || (status == 200 && !content_type.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if file {
        WebAppFile::Serve("public, max-age=31536000, immutable")
    } else {
        WebAppFile::Missing
    }
}

/// The web app's origin: the variable if set, else the Dashboard's
/// subdomain of the platform. `None` when neither is a valid origin.
#[must_use]
pub fn web_app_origin(configured: Option<&str>, platform_domain: &str) -> Option<String> {
    let origin = match configured.map(str::trim).filter(|s| !s.is_empty()) {
        Some(o) => o.trim_end_matches('/').to_owned(),
        None => crate::host::issuer_for(&format!("{}.{platform_domain}", crate::application::DASHBOARD_SLUG), platform_domain)?,
    };
    crate::oauth::redirect_uri::validate_redirect_uri(&format!("{origin}{WEB_APP_CALLBACK_PATH}")).ok()?;
    Some(origin)
}

/// The web app's client record for `origin`: public (no secret; PKCE),
/// first-party (no consent screen), code and refresh grants, the sign-in
/// scopes and every management permission (what a token gets is cut to
/// its user's roles).
#[must_use]
pub fn web_app_client(origin: &str, now: crate::time::UnixMillis) -> crate::oauth::client::Client {
    use crate::oauth::client::{Client, ClientType, GrantType, TokenEndpointAuthMethod};
    use crate::oauth::scope::{Scope, EMAIL, OFFLINE_ACCESS, OPENID, PROFILE};
    let mut scopes = vec![OPENID, PROFILE, EMAIL, OFFLINE_ACCESS];
    scopes.extend(Permission::ALL.iter().map(|p| p.value()));
    Client {
        client_id: WEB_APP_CLIENT_ID.into(),
        app_id: crate::application::DASHBOARD_APP_ID.into(),
        name: "Aero2 Dashboard (web app)".into(),
        client_type: ClientType::Public,
        token_endpoint_auth_method: TokenEndpointAuthMethod::None,
        secret_hash: None,
        redirect_uris: vec![format!("{origin}{WEB_APP_CALLBACK_PATH}")],
        post_logout_redirect_uris: vec![format!("{origin}/")],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: Scope::from_known(&scopes),
        first_party: true,
        require_pkce: true,
        id_token_signed_response_alg: crate::jose::alg::Alg::ES256,
        disabled: false,
        organization_usage: crate::organization::Usage::None,
        created_at: now.0,
        updated_at: now.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_web_app_gets_only_paths_no_route_serves() {
        for path in ["/", "/callback", "/apps/app_1/users", "/assets/index-abc.js", "/favicon.svg"] {
            assert_eq!(static_answer("GET", path), Some(Static::WebApp), "{path}");
            assert_eq!(static_answer("HEAD", path), Some(Static::WebApp), "{path}");
            assert_eq!(static_answer("POST", path), None, "{path}");
        }
        for path in ["/login", "/signup", "/oauth2/authorize", "/oauth2/token", "/.well-known/openid-configuration", "/.well-known/oauth-protected-resource", "/api/v1/applications", "/api/v1/nope", "/account/profile", "/rp/callback/github", "/ui/hosted.css", "/security"] {
            assert_eq!(static_answer("GET", path), None, "{path}");
        }
        assert_eq!(static_answer("GET", crate::openapi::PATH), Some(Static::ApiDescription));
        assert_eq!(static_answer("HEAD", crate::openapi::PATH), Some(Static::ApiDescription));
        assert_eq!(static_answer("POST", crate::openapi::PATH), None);
        assert_eq!(static_answer("GET", API_REFERENCE_PATH), Some(Static::WebApp));
        assert!(web_app_inline_styles(API_REFERENCE_PATH) && !web_app_inline_styles("/") && !web_app_inline_styles("/api/reference/x"));
        let year = WebAppFile::Serve("public, max-age=31536000, immutable");
        assert_eq!(web_app_file("/assets/index-abc.js", 200, "text/javascript"), year);
        assert_eq!(web_app_file("/assets/index-abc.js", 304, ""), year);
        assert_eq!(web_app_file("/assets/gone-abc.js", 200, "text/html; charset=utf-8"), WebAppFile::Missing, "the SPA fallback");
        assert_eq!(web_app_file("/assets/gone-abc.js", 404, "text/plain"), WebAppFile::Missing);
        assert_eq!(web_app_file("/", 200, "text/html"), WebAppFile::Serve("no-cache"));
        assert_eq!(web_app_file("/apps/app_1", 200, "text/html"), WebAppFile::Serve("no-cache"));
    }

    #[test]
    fn the_web_app_client_is_public_and_bound_to_its_origin() {
        assert_eq!(web_app_origin(None, "aero2.dev").as_deref(), Some("https://dashboard.aero2.dev"));
        assert_eq!(web_app_origin(Some("http://dashboard.localhost:8787/"), "localhost").as_deref(), Some("http://dashboard.localhost:8787"));
        assert_eq!(web_app_origin(Some("http://dashboard.example.com"), "example.com"), None, "http only on loopback");
        let c = web_app_client("https://dashboard.aero2.dev", crate::time::UnixMillis(1));
        assert_eq!(c.redirect_uris, vec!["https://dashboard.aero2.dev/callback".to_owned()]);
        assert_eq!(c.post_logout_redirect_uris, vec!["https://dashboard.aero2.dev/".to_owned()]);
        assert!(c.secret_hash.is_none() && c.require_pkce && c.first_party);
        assert!(c.scopes.contains("operate:platform") && c.scopes.contains("offline_access"));
    }
    use crate::routes::management::TABLE;

    fn user(perms: &[Permission]) -> Caller {
        Caller::User { user_id: "usr_dev".into(), permissions: perms.to_vec() }
    }

    #[test]
    fn every_endpoint_needs_a_permission_and_reads_need_only_read() {
        for row in TABLE {
            for (method, endpoint) in row.methods {
                let need = needs(*endpoint);
                if matches!(method, crate::routes::Method::Get) {
                    assert_eq!(need, P::ReadApplications, "{} {:?}", row.path, endpoint);
                } else {
                    assert_ne!(need, P::ReadApplications, "a write needs more than read: {} {:?}", row.path, endpoint);
                }
            }
        }
    }

    #[test]
    fn each_role_holds_what_the_table_says() {
        let role = |n: &str| ROLES.iter().find(|r| r.name == n).unwrap();
        assert_eq!(role("member").permissions, &[P::ReadApplications]);
        assert!(!role("developer").permissions.contains(&P::OperatePlatform));
        assert_eq!(role("operator").permissions, &Permission::ALL);
        assert!(ROLES.iter().any(|r| r.name == DEFAULT_ROLE));
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.value()), Some(p));
        }
    }

    #[test]
    fn a_developer_acts_only_on_what_they_own_and_what_their_permissions_allow() {
        let dev = user(&[P::ReadApplications, P::WriteApplications, P::CreateApplications, P::DeleteApplications]);
        assert!(dev.may(Endpoint::CreateApplication) && dev.may(Endpoint::CreateClient) && dev.may(Endpoint::DeleteApplication));
        assert!(!dev.may(Endpoint::VerifyDomain), "proving a domain is the operator's");
        assert!(dev.may_act_on("app_1", Some(TeamRole::Viewer)));
        assert!(!dev.may_act_on("app_1", None), "an application of no team of theirs, or of none, is not theirs");
        assert!(!dev.sees_everything());
        // The team role cuts what the token may do with the team's applications.
        assert!(dev.team_allows(Some(TeamRole::Viewer), Endpoint::ListClients));
        assert!(!dev.team_allows(Some(TeamRole::Viewer), Endpoint::CreateClient));
        assert!(dev.team_allows(Some(TeamRole::Developer), Endpoint::CreateClient));
        assert!(!dev.team_allows(Some(TeamRole::Developer), Endpoint::DeleteApplication));
        assert!(dev.team_allows(Some(TeamRole::Admin), Endpoint::DeleteApplication));
        // Keys act without a team role, so outlive a member: admins only.
        assert!(!dev.team_allows(Some(TeamRole::Developer), Endpoint::CreateKey) && dev.team_allows(Some(TeamRole::Admin), Endpoint::CreateKey));
        assert!(!dev.team_allows(Some(TeamRole::Developer), Endpoint::DeleteUser) && dev.team_allows(Some(TeamRole::Admin), Endpoint::DeleteUser), "deleting a user cannot be undone");
        assert!(dev.team_allows(Some(TeamRole::Developer), Endpoint::UpdateUser), "a developer disables");
        assert!(dev.team_allows(Some(TeamRole::Developer), Endpoint::ListKeys));

        let member = user(&[P::ReadApplications]);
        assert!(member.may(Endpoint::ListClients) && !member.may(Endpoint::CreateClient) && !member.may(Endpoint::CreateApplication));
        let nobody = user(&[]);
        assert!(!nobody.may(Endpoint::ListApplications));

        let op = user(&Permission::ALL);
        assert!(op.sees_everything() && op.may_act_on("app_1", None) && op.may(Endpoint::VerifyDomain) && op.team_allows(None, Endpoint::DeleteApplication));
    }

    #[test]
    fn keys_and_the_operator_keep_what_they_had() {
        let key = Caller::Application { app_id: "app_1".into(), key_id: "key_1".into() };
        assert!(key.may(Endpoint::DeleteApplication) && key.may(Endpoint::CreateClient));
        assert!(!key.may(Endpoint::CreateApplication) && !key.may(Endpoint::VerifyDomain));
        assert!(key.may_act_on("app_1", None) && !key.may_act_on("app_2", None));
        assert!(Caller::Operator.may(Endpoint::VerifyDomain) && Caller::Operator.may_act_on("app_2", None));
        assert_eq!((Caller::Operator.actor(), key.actor(), user(&[]).actor()), ("operator".into(), "key:key_1".into(), "user:usr_dev".into()));
    }

    #[test]
    fn team_roles_rank_and_a_team_keeps_an_owner() {
        use TeamRole as T;
        assert_eq!(TeamRole::of(["developer", "team_viewer", "team_admin"]), Some(T::Admin));
        assert_eq!(TeamRole::of(["developer"]), None);
        assert_eq!((T::Owner.short(), TeamRole::parse_short("viewer")), ("owner", Some(T::Viewer)));
        assert!(!T::Viewer.allows(P::WriteApplications) && T::Developer.allows(P::CreateApplications) && !T::Owner.allows(P::OperatePlatform));
        // Owners do anything, admins anything but owners, others nothing; anyone leaves.
        assert_eq!(member_change(Some(T::Owner), false, T::Admin, Some(T::Owner), 1), Ok(()));
        assert_eq!(member_change(Some(T::Admin), false, T::Developer, Some(T::Viewer), 1), Ok(()));
        assert_eq!(member_change(Some(T::Admin), false, T::Owner, None, 2), Err(TeamRefusal::OwnersAreTheOwners));
        assert_eq!(member_change(Some(T::Admin), false, T::Viewer, Some(T::Owner), 1), Err(TeamRefusal::OwnersAreTheOwners));
        assert_eq!(member_change(Some(T::Developer), false, T::Viewer, None, 1), Err(TeamRefusal::NotAManager));
        assert_eq!(member_change(Some(T::Viewer), true, T::Viewer, None, 1), Ok(()));
        // The last owner stays, whoever asks.
        assert_eq!(member_change(Some(T::Owner), true, T::Owner, None, 1), Err(TeamRefusal::LastOwner));
        assert_eq!(member_change(None, false, T::Owner, Some(T::Admin), 1), Err(TeamRefusal::LastOwner));
        assert_eq!(member_change(Some(T::Owner), true, T::Owner, None, 2), Ok(()));
    }

    #[test]
    fn a_tokens_permissions_are_cut_to_what_the_roles_allow_now() {
        let held = vec!["read:applications".to_owned(), "write:applications".to_owned(), "read:invoices".to_owned()];
        let scope = ["openid", "read:applications", "write:applications", "delete:applications"];
        assert_eq!(effective_permissions(scope.into_iter(), &held), vec![P::ReadApplications, P::WriteApplications]);
        assert!(effective_permissions(scope.into_iter(), &[]).is_empty());
    }
}

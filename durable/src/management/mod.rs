//! The management API, served by the Dashboard application's `TenantApp`.
//!
//! Callers (`auth`, `aero2_core::dashboard::Caller`): the operator
//! credential, an application's `sk_live_` key, or a Dashboard user's
//! access token for the management API. Before anything else, the caller
//! must hold the endpoint's permission (`aero2_core::dashboard::needs`:
//! reads need `read:applications`, and so on; a key is its application's
//! and may not create applications or verify domains), then may act only
//! on applications it may see (its own for a key, those of its user's
//! Developer Teams for a Dashboard token, within their team role; all for
//! the operator and `operate:platform`).
//!
//! Routes (all JSON, all under `/api/v1`; the table itself is
//! `aero2_core::routes::management`, this is who may call each):
//!
//! | method | path | who |
//! |---|---|---|
//! | GET, POST | `/applications` | POST: operator, or a Dashboard user with `create:applications` (in a team of theirs); GET lists what the caller may see |
//! | GET, PATCH, DELETE | `/applications/{id}` | operator, that application's `sk_live_` key, or a token of its team's members |
//! | GET, POST | `/applications/{id}/keys` | same |
//! | DELETE | `/applications/{id}/keys/{key_id}` | same (revokes) |
//! | GET, POST | `/applications/{id}/domains` | same |
//! | DELETE | `/applications/{id}/domains/{hostname}` | same |
//! | POST | `/applications/{id}/domains/{hostname}/verify` | operator only |
//! | GET, POST | `/applications/{id}/clients` | same as keys |
//! | GET, PATCH, DELETE | `/applications/{id}/clients/{client_id}` | same |
//! | POST | `/applications/{id}/clients/{client_id}/secret` | same (rotates) |
//! | GET, PUT | `/applications/{id}/clients/{client_id}/grants` | same (PUT replaces) |
//! | GET, POST | `/applications/{id}/users` | same |
//! | GET | `/applications/{id}/users/{user_id}` | same |
//! | POST | `/applications/{id}/signing-keys/rotate` | same |
//! | GET, POST | `/applications/{id}/idps` | same |
//! | GET, PATCH, DELETE | `/applications/{id}/idps/{idp_id}` | same |
//! | GET, POST | `/applications/{id}/apis` | same |
//! | GET, PATCH, DELETE | `/applications/{id}/apis/{api_id}` | same |
//! | GET, POST | `/applications/{id}/roles` | same |
//! | GET, PATCH, DELETE | `/applications/{id}/roles/{role_id}` | same |
//! | GET, POST, DELETE | `/applications/{id}/roles/{role_id}/permissions` | same (POST adds, DELETE removes) |
//! | GET, POST, DELETE | `/applications/{id}/users/{user_id}/roles` | same (POST assigns, DELETE takes away) |
//!
//! | … | `/applications/{id}/organizations…` | same (see `organizations`) |
//! | GET, POST | `/teams` | Dashboard users (`teams`): their teams; the operator sees all |
//! | … | `/teams/{team_id}…` | its members, as their team role allows |
//!
//! An application the caller may not act on is answered exactly like one
//! that does not exist (404), so keys reveal nothing about other tenants.

mod apis;
mod applications;
mod audit;
pub(crate) mod auth;
mod body;
mod clients;
mod domains;
mod idps;
mod invitations;
mod keys;
mod organizations;
mod roles;
mod signing_keys;
mod teams;
mod tenant_shards;
mod token_claims;
mod users;

use crate::fail::{answer_api, ApiResult};
use crate::{db, respond};
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, IdKind};
use aero2_core::application::Application;
use aero2_core::dashboard::needs;
use aero2_core::routes::management::Endpoint;
use auth::Caller;
use crate::op::Op;
use worker::{D1Database, Env, Request, Response, Result};

/// What a handler needs besides the request.
pub(crate) struct Ctx<'a> {
    pub env: &'a Env,
    pub db: D1Database,
    pub caller: Caller,
}

/// `op`: the Dashboard application's, whose tokens are credentials here.
pub async fn handle(req: Request, env: &Env, op: &Op<'_>) -> Result<Response> {
    answer_api("management API", serve(req, env, op).await)
}

/// Authenticates the caller, then routes.
async fn serve(req: Request, env: &Env, op: &Op<'_>) -> Outcome {
    let db = db::database(env)?;
    let caller = auth::authenticate(&req, env, &db, op).await?;
    route(req, &Ctx { env, db, caller }).await
}

/// A handler's answer (`crate::fail`): a refusal is the caller's (an API
/// error), an internal failure is ours.
pub(crate) type Outcome = ApiResult;

/// Checks the caller may call the endpoint, runs it, and records a change
/// in the audit log of the application it changed (`audit::record_change`,
/// with the resource as it was before, read through its own GET).
async fn route(req: Request, ctx: &Ctx<'_>) -> Outcome {
    use aero2_core::routes::management::TABLE;
    let path = req.path();
    let found = match respond::routed(TABLE, &req, &path)? {
        Ok(found) => found,
        Err(resp) => return Ok(resp),
    };
    let endpoint = found.endpoint;
    if !ctx.caller.may(endpoint) {
        return Err(ApiError::Forbidden(needs(endpoint).refusal()).into());
    }
    let app = if endpoint.names_application() { Some(load_app(ctx, found.param(0), endpoint).await?) } else { None };
    let Some(kind) = aero2_core::audit::management_type(endpoint) else {
        return dispatch(req, ctx, endpoint, app, [found.param(1), found.param(2)], found.param(0)).await;
    };
    let before = match &app {
        Some(app) if aero2_core::audit::reads_before(endpoint) => read_before(&req, &path, ctx, app).await?,
        _ => None,
    };
    let origin = crate::audit::Origin::of(&req)?;
    let app_id = app.as_ref().map(|a| a.id.clone());
    let below = path.split('/').skip(5).collect::<Vec<_>>().join("/");
    let segment = |n: usize| path.split('/').nth(n);
    let team = endpoint.is_team();
    let user_id = match (segment(5), segment(7)) {
        (Some("members"), _) if team => Some(found.param(1)),
        (Some("users"), _) => Some(found.param(1)),
        (Some("organizations"), Some("members")) => Some(found.param(2)),
        _ => None,
    }
    .filter(|id| !id.is_empty())
    .map(str::to_owned);
    // A team is an organization of the Dashboard: its events go to the
    // Dashboard's log, with the team on each.
    let org_id = if team { Some(found.param(0)) } else { (segment(5) == Some("organizations")).then(|| found.param(1)) }
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let below = if team { path.trim_start_matches("/api/v1/").to_owned() } else { below };
    let resp = dispatch(req, ctx, endpoint, app, [found.param(1), found.param(2)], found.param(0)).await?;
    if !(200..300).contains(&resp.status_code()) {
        return Ok(resp);
    }
    let change = audit::Change {
        endpoint,
        kind,
        app_id: app_id.as_deref(),
        resource: if below.is_empty() { "application".to_owned() } else { below },
        user_id: user_id.as_deref(),
        org_id: org_id.as_deref(),
        before,
    };
    Ok(audit::record_change(ctx, origin, change, resp).await?)
}

/// The resource a change on `path` of `app` is about to act on, as the
/// path's own GET shows it (`None` where the path has no GET, or it
/// answers anything but 200). The caller and the application were checked
/// already: the GET runs its handler only.
async fn read_before(req: &Request, path: &str, ctx: &Ctx<'_>, app: &Application) -> Result<Option<serde_json::Value>> {
    let aero2_core::routes::Routed::Found(found) = aero2_core::routes::route(aero2_core::routes::management::TABLE, "GET", path) else {
        return Ok(None);
    };
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Get).with_headers(worker::Headers::new());
    let get = Request::new_with_init(req.url()?.as_str(), &init)?;
    let Ok(resp) = dispatch(get, ctx, found.endpoint, Some(app.clone()), [found.param(1), found.param(2)], found.param(0)).await else { return Ok(None) };
    if resp.status_code() != 200 {
        return Ok(None);
    }
    Ok(respond::with_json_body(resp).await?.1)
}

/// `ids`: the path's parameters after the application's id (for a team's
/// path, after the team's, which is `id_of_team`).
async fn dispatch(req: Request, ctx: &Ctx<'_>, endpoint: Endpoint, app: Option<Application>, ids: [&str; 2], id_of_team: &str) -> Outcome {
    let [id, sub] = ids;
    use Endpoint as E;
    let Some(app) = app else {
        return match endpoint {
            E::CreateApplication => applications::create(req, ctx).await,
            E::ListTeams => teams::list(ctx).await,
            E::CreateTeam => teams::create(req, ctx).await,
            E::GetTeam => teams::get(ctx, id_of_team).await,
            E::TeamApplications => teams::applications(ctx, id_of_team).await,
            E::TeamMembers => teams::members(ctx, id_of_team).await,
            E::UpdateTeamMember => teams::update_member(req, ctx, id_of_team, id).await,
            E::RemoveTeamMember => teams::remove_member(ctx, id_of_team, id).await,
            E::TeamInvitations => teams::invitations(ctx, id_of_team).await,
            E::InviteToTeam => teams::invite(req, ctx, id_of_team).await,
            E::RevokeTeamInvitation => teams::revoke_invitation(ctx, id_of_team, id).await,
            E::TransferTeam => teams::transfer(req, ctx, id_of_team).await,
            _ => applications::list(ctx).await,
        };
    };
    match endpoint {
        E::ListApplications | E::CreateApplication => Err(ApiError::NotFound.into()),
        E::ListTeams
        | E::CreateTeam
        | E::GetTeam
        | E::TeamApplications
        | E::TeamMembers
        | E::UpdateTeamMember
        | E::RemoveTeamMember
        | E::TeamInvitations
        | E::InviteToTeam
        | E::RevokeTeamInvitation
        | E::TransferTeam => Err(ApiError::NotFound.into()),
        E::GetApplication => applications::get(ctx, &app).await,
        E::UpdateApplication => applications::update(req, ctx, app).await,
        E::DeleteApplication => applications::delete(ctx, &app).await,
        E::ListKeys => keys::list(ctx, &app).await,
        E::CreateKey => keys::create(req, ctx, &app).await,
        E::RevokeKey => keys::revoke(ctx, &app, id).await,
        E::ListDomains => domains::list(ctx, &app).await,
        E::AddDomain => domains::create(req, ctx, &app).await,
        E::RemoveDomain => domains::remove(ctx, &app, id).await,
        E::VerifyDomain => domains::verify(ctx, &app, id).await,
        E::ListClients => clients::list(ctx, &app).await,
        E::CreateClient => clients::create(req, ctx, &app).await,
        E::GetClient => clients::get(ctx, &app, id).await,
        E::UpdateClient => clients::update(req, ctx, &app, id).await,
        E::DeleteClient => clients::delete(ctx, &app, id).await,
        E::RotateClientSecret => clients::rotate_secret(ctx, &app, id).await,
        E::ListUsers => users::list(&req, ctx, &app).await,
        E::CreateUser => users::create(req, ctx, &app).await,
        E::GetUser => users::get(ctx, &app, id).await,
        E::UpdateUser => users::update(req, ctx, &app, id).await,
        E::DeleteUser => users::delete(ctx, &app, id).await,
        E::UnlockUser => users::unlock(ctx, &app, id).await,
        E::ListInvitations => invitations::list(ctx, &app).await,
        E::Invite => invitations::create(req, ctx, &app).await,
        E::RevokeInvitation => invitations::delete(ctx, &app, id).await,
        E::Outbox => {
            let mail = crate::mailer::outbox(ctx.env, &ctx.db, &app.id, crate::now()).await?;
            Ok(respond::json(200, &serde_json::json!({ "messages": mail }))?)
        }
        E::RotateSigningKeys => signing_keys::rotate(req, ctx, &app).await,
        E::MoveSigningKeys => signing_keys::move_to(req, ctx, &app).await,
        E::TenantShards => tenant_shards::get(&app),
        E::SetTenantShards => tenant_shards::set(req, ctx, &app).await,
        E::ListSigningKeys => signing_keys::list(ctx, &app).await,
        E::PreviewTokenClaims => token_claims::preview(req, ctx, &app).await,
        E::ListIdps => idps::list(&req, ctx, &app).await,
        E::CreateIdp => idps::create(req, ctx, &app).await,
        E::GetIdp => idps::get(&req, ctx, &app, id).await,
        E::UpdateIdp => idps::update(req, ctx, &app, id).await,
        E::DeleteIdp => idps::delete(ctx, &app, id).await,
        E::ListApis => apis::list(ctx, &app).await,
        E::CreateApi => apis::create(req, ctx, &app).await,
        E::GetApi => apis::get(ctx, &app, id).await,
        E::UpdateApi => apis::update(req, ctx, &app, id).await,
        E::DeleteApi => apis::delete(ctx, &app, id).await,
        E::ListRoles => roles::list(ctx, &app).await,
        E::CreateRole => roles::create(req, ctx, &app).await,
        E::GetRole => roles::get(ctx, &app, id).await,
        E::UpdateRole => roles::update(req, ctx, &app, id).await,
        E::DeleteRole => roles::delete(ctx, &app, id).await,
        E::RolePermissions => roles::permissions(ctx, &app, id).await,
        E::GrantRolePermissions => roles::grant(req, ctx, &app, id).await,
        E::RevokeRolePermissions => roles::revoke(req, ctx, &app, id).await,
        E::UserRoles => roles::of_user(ctx, &app, id).await,
        E::AssignUserRoles => roles::assign(req, ctx, &app, id).await,
        E::UnassignUserRoles => roles::unassign(req, ctx, &app, id).await,
        E::ClientGrants => clients::grants(ctx, &app, id).await,
        E::SetClientGrants => clients::set_grants(req, ctx, &app, id).await,
        E::UserFactors => users::factors(ctx, &app, id).await,
        E::ResetUserFactors => users::reset_factors(ctx, &app, id).await,
        E::UserSessions => users::sessions(ctx, &app, id).await,
        E::EndUserSessions => users::end_sessions(ctx, &app, id).await,
        E::UserIdentities => users::identities(ctx, &app, id).await,
        E::Audit => audit::list(&req, ctx, &app).await,
        E::AuditExport => audit::export(&req, ctx, &app).await,
        E::AuditVerify => audit::verify(ctx, &app).await,
        E::Checkpoints => audit::checkpoints(ctx, &app).await,
        E::Checkpoint => audit::checkpoint(ctx, &app).await,
        E::ListOrganizations => organizations::list(&req, ctx, &app).await,
        E::CreateOrganization => organizations::create(req, ctx, &app).await,
        E::GetOrganization => organizations::get(ctx, &app, id).await,
        E::UpdateOrganization => organizations::update(req, ctx, &app, id).await,
        E::DeleteOrganization => organizations::delete(ctx, &app, id).await,
        E::ListMembers => organizations::members(ctx, &app, id).await,
        E::AddMember => organizations::add(req, ctx, &app, id).await,
        E::GetMember => organizations::member(ctx, &app, id, sub).await,
        E::UpdateMember => organizations::update_member(req, ctx, &app, id, sub).await,
        E::RemoveMember => organizations::remove_member(ctx, &app, id, sub).await,
        E::UserOrganizations => organizations::of_user(ctx, &app, id).await,
        E::ListOrgInvitations => organizations::invitations(ctx, &app, id).await,
        E::CreateOrgInvitation => organizations::invite(req, ctx, &app, id).await,
        E::RevokeOrgInvitation => organizations::revoke_invitation(ctx, &app, id, sub).await,
        E::ListOrgDomains => organizations::domains(ctx, &app, id).await,
        E::AddOrgDomain => organizations::add_domain(req, ctx, &app, id).await,
        E::GetOrgDomain => organizations::get_domain(ctx, &app, id, sub).await,
        E::UpdateOrgDomain => organizations::update_domain(req, ctx, &app, id, sub).await,
        E::RemoveOrgDomain => organizations::remove_domain(ctx, &app, id, sub).await,
        E::VerifyOrgDomain => organizations::verify_domain(ctx, &app, id, sub).await,
    }
}

/// The issuer of `app` on the platform's domain, as seen from a request to
/// the dashboard host `req_host` (the same scheme and port).
pub(crate) fn issuer_of(ctx: &Ctx<'_>, req_host: Option<&str>, app: &Application) -> Result<Option<String>> {
    let platform = crate::forward::platform_domain(ctx.env)?;
    let host = req_host.map(|h| match h.split_once('.') {
        Some((_, rest)) => format!("{}.{rest}", app.slug),
        None => h.to_owned(),
    });
    Ok(host.and_then(|h| aero2_core::host::issuer_for(&h, &platform)))
}

/// The application `id` names, if the caller may act on it: 404 whether
/// or not it exists otherwise; 403 when a Dashboard user's role in the
/// application's team does not allow what `endpoint` needs.
async fn load_app(ctx: &Ctx<'_>, id: &str, endpoint: Endpoint) -> ApiResult<aero2_core::application::Application> {
    if !is_id(IdKind::Application, id) {
        return Err(ApiError::NotFound.into());
    }
    let team = match &ctx.caller {
        Caller::User { user_id, .. } if !ctx.caller.sees_everything() => crate::teams::role_for_app(&ctx.db, id, user_id).await?,
        _ => None,
    };
    if !ctx.caller.may_act_on(id, team) {
        return Err(ApiError::NotFound.into());
    }
    let app = db::app_by_id(&ctx.db, id).await?.ok_or(ApiError::NotFound)?;
    if !ctx.caller.team_allows(team, endpoint) {
        return Err(ApiError::Forbidden("your role in the team that owns this application does not allow this").into());
    }
    Ok(app)
}

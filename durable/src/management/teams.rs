//! `/teams…`: Developer Teams (`aero2_core::dashboard::TeamRole`), the
//! organizations of the Dashboard application that own applications. A
//! developer sees the teams they belong to; owners and admins manage the
//! members and invite teammates (the invitation's page is the Dashboard's
//! `/invitation`); the last owner stays; the operator acts on every team
//! as an owner would, and an application's key on none.

use super::{body, Ctx, Outcome};
use crate::fail::ApiResult;
use crate::organizations as orgs;
use crate::tenant_command::Command;
use crate::{db, now, respond, rng, teams};
use aero2_core::application::DASHBOARD_APP_ID;
use aero2_core::dashboard::{member_change, Caller, TeamRole};
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, new_id, IdKind};
use aero2_core::json_body::{object, reject_unknown};
use aero2_core::organization::invitation::NewInvitation;
use aero2_core::organization::{Organization, OrganizationFields};
use serde_json::{json, Value};
use worker::Request;

/// Who acts on a team: a member (their role), or the platform's operator.
#[derive(Clone, Copy)]
enum Actor<'a> {
    Member { user_id: &'a str, role: TeamRole },
    Operator,
}

impl Actor<'_> {
    fn role(self) -> Option<TeamRole> {
        match self {
            Actor::Member { role, .. } => Some(role),
            Actor::Operator => None,
        }
    }

    fn is(self, user_id: &str) -> bool {
        matches!(self, Actor::Member { user_id: me, .. } if me == user_id)
    }

    /// Owners and admins (and the operator) manage members and invitations.
    fn manages(self) -> ApiResult<()> {
        match self.role() {
            Some(TeamRole::Viewer | TeamRole::Developer) => Err(ApiError::Forbidden("only the team's owners and admins manage its members").into()),
            _ => Ok(()),
        }
    }
}

/// The team `team_id` and who acts on it; 404 for a team the caller is
/// not in (or a key, which has no teams).
async fn team<'a>(ctx: &'a Ctx<'_>, team_id: &str) -> ApiResult<(Organization, Actor<'a>)> {
    let found = if is_id(IdKind::Organization, team_id) { orgs::by_id(&ctx.db, DASHBOARD_APP_ID, team_id).await? } else { None };
    let team = found.ok_or(ApiError::NotFound)?;
    let actor = match &ctx.caller {
        _ if ctx.caller.sees_everything() => Actor::Operator,
        Caller::User { user_id, .. } => match teams::role_in(&ctx.db, &team.id, user_id).await? {
            Some(role) => Actor::Member { user_id, role },
            None => return Err(ApiError::NotFound.into()),
        },
        _ => return Err(ApiError::NotFound.into()),
    };
    Ok((team, actor))
}

fn personal(team: &Organization) -> bool {
    team.metadata.get("personal_of").is_some()
}

fn team_json(team: &Organization, role: Option<TeamRole>) -> Value {
    json!({
        "id": team.id, "slug": team.slug, "name": team.name, "personal": personal(team),
        "role": role.map(TeamRole::short), "created_at": team.created_at,
    })
}

/// The caller's teams, with their role in each (the operator: every team).
pub async fn list(ctx: &Ctx<'_>) -> Outcome {
    let mut out = Vec::new();
    match &ctx.caller {
        _ if ctx.caller.sees_everything() => {
            for t in orgs::list(&ctx.db, DASHBOARD_APP_ID, None, aero2_core::organization::MAX_ORGANIZATIONS).await? {
                out.push(team_json(&t, None));
            }
        }
        Caller::User { user_id, .. } => {
            for t in teams::of_user(&ctx.db, user_id).await? {
                out.push(team_json(&t, teams::role_in(&ctx.db, &t.id, user_id).await?));
            }
        }
        _ => {}
    }
    Ok(respond::json(200, &json!({ "teams": out }))?)
}

/// `{"slug", "name"}`: a new team, owned by the developer who makes it.
pub async fn create(req: Request, ctx: &Ctx<'_>) -> Outcome {
    let Caller::User { user_id, .. } = &ctx.caller else {
        return Err(ApiError::Forbidden("teams are made by developers, with their own token").into());
    };
    let b = body::json(req).await?;
    reject_unknown(object(&b)?, &["slug", "name"])?;
    let fields = OrganizationFields::from_json(&b, true)?;
    let team = fields.into_organization(new_id(IdKind::Organization, rng::bytes()?), now().0);
    match orgs::insert(&ctx.db, DASHBOARD_APP_ID, &team).await {
        Err(e) if db::is_unique_violation(&e) => return Err(ApiError::Conflict { field: "slug", message: "is already a team's".into() }.into()),
        Err(e) => return Err(e.into()),
        Ok(false) => return Err(ApiError::InvalidBody("the platform has as many teams as it may".into()).into()),
        Ok(true) => {}
    }
    if !matches!(orgs::add_member(&ctx.db, DASHBOARD_APP_ID, &team, user_id, &[], now()).await?, Ok(())) {
        return Err(ApiError::invalid("slug", "you belong to as many teams as you may").into());
    }
    teams::set_role(&ctx.db, &team.id, user_id, TeamRole::Owner).await?;
    Ok(respond::json(201, &team_json(&team, Some(TeamRole::Owner)))?)
}

pub async fn get(ctx: &Ctx<'_>, team_id: &str) -> Outcome {
    let (t, actor) = team(ctx, team_id).await?;
    Ok(respond::json(200, &team_json(&t, actor.role()))?)
}

/// The team's applications.
pub async fn applications(ctx: &Ctx<'_>, team_id: &str) -> Outcome {
    let (t, _) = team(ctx, team_id).await?;
    let mut apps = Vec::new();
    for id in teams::apps_of(&ctx.db, &t.id).await? {
        if let Some(app) = db::app_by_id(&ctx.db, &id).await? {
            apps.push(app);
        }
    }
    Ok(respond::json(200, &json!({ "applications": apps }))?)
}

fn member_json(m: &orgs::Member, role: Option<TeamRole>) -> Value {
    json!({ "user_id": m.user_id, "email": m.email, "name": m.name, "role": role.map(TeamRole::short), "joined_at": m.joined_at })
}

pub async fn members(ctx: &Ctx<'_>, team_id: &str) -> Outcome {
    let (t, _) = team(ctx, team_id).await?;
    let list: Vec<Value> = teams::members(&ctx.db, &t.id).await?.iter().map(|(m, r)| member_json(m, *r)).collect();
    Ok(respond::json(200, &json!({ "members": list }))?)
}

/// The member `user_id` of the team, their role, and how many owners it has.
async fn target(ctx: &Ctx<'_>, t: &Organization, user_id: &str) -> ApiResult<(orgs::Member, TeamRole, usize)> {
    let all = teams::members(&ctx.db, &t.id).await?;
    let owners = all.iter().filter(|(_, r)| *r == Some(TeamRole::Owner)).count();
    let (m, role) = all.into_iter().find(|(m, _)| m.user_id == user_id).ok_or(ApiError::NotFound)?;
    Ok((m, role.unwrap_or(TeamRole::Viewer), owners))
}

fn role_of(body: &Value) -> ApiResult<TeamRole> {
    let obj = object(body)?;
    reject_unknown(obj, &["role"])?;
    let role = obj.get("role").and_then(Value::as_str).and_then(TeamRole::parse_short);
    Ok(role.ok_or_else(|| ApiError::invalid("role", "must be \"owner\", \"admin\", \"developer\" or \"viewer\""))?)
}

/// `{"role"}`: changes a member's role (`aero2_core::dashboard::member_change`).
pub async fn update_member(req: Request, ctx: &Ctx<'_>, team_id: &str, user_id: &str) -> Outcome {
    let (t, actor) = team(ctx, team_id).await?;
    let next = role_of(&body::json(req).await?)?;
    let (m, current, owners) = target(ctx, &t, user_id).await?;
    member_change(actor.role(), actor.is(user_id), current, Some(next), owners).map_err(|r| ApiError::Forbidden(r.message()))?;
    teams::set_role(&ctx.db, &t.id, user_id, next).await?;
    keep_an_owner(ctx, &t, user_id, current).await?;
    Ok(respond::json(200, &member_json(&m, Some(next)))?)
}

/// Two owners demoting or removing each other at once both pass
/// `member_change`; whoever finds the team without an owner afterwards
/// puts `user_id` back as its owner and is refused.
async fn keep_an_owner(ctx: &Ctx<'_>, t: &Organization, user_id: &str, was: TeamRole) -> ApiResult<()> {
    if was != TeamRole::Owner || teams::members(&ctx.db, &t.id).await?.iter().any(|(_, r)| *r == Some(TeamRole::Owner)) {
        return Ok(());
    }
    let _ = orgs::add_member(&ctx.db, DASHBOARD_APP_ID, t, user_id, &[], now()).await?;
    teams::set_role(&ctx.db, &t.id, user_id, TeamRole::Owner).await?;
    Err(ApiError::Forbidden(aero2_core::dashboard::TeamRefusal::LastOwner.message()).into())
}

/// Removes a member, or the caller leaves; never the last owner.
pub async fn remove_member(ctx: &Ctx<'_>, team_id: &str, user_id: &str) -> Outcome {
    let (t, actor) = team(ctx, team_id).await?;
    let (_, current, owners) = target(ctx, &t, user_id).await?;
    member_change(actor.role(), actor.is(user_id), current, None, owners).map_err(|r| ApiError::Forbidden(r.message()))?;
    orgs::remove_member(&ctx.db, DASHBOARD_APP_ID, &t.id, user_id, now()).await?;
    keep_an_owner(ctx, &t, user_id, current).await?;
    Ok(respond::no_content()?)
}

/// `{"user_id"}`: the member becomes an owner; an owner who asks stays, as an admin.
pub async fn transfer(req: Request, ctx: &Ctx<'_>, team_id: &str) -> Outcome {
    let (t, actor) = team(ctx, team_id).await?;
    if !matches!(actor.role(), None | Some(TeamRole::Owner)) {
        return Err(ApiError::Forbidden("only an owner may transfer the team").into());
    }
    let b = body::json(req).await?;
    let obj = object(&b)?;
    reject_unknown(obj, &["user_id"])?;
    let to = obj.get("user_id").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("user_id", "is required"))?;
    if actor.is(to) {
        return Err(ApiError::invalid("user_id", "is you: name the member who takes over").into());
    }
    let Ok((m, _, _)) = target(ctx, &t, to).await else { return Err(ApiError::invalid("user_id", "is not a member of this team").into()) };
    teams::set_role(&ctx.db, &t.id, to, TeamRole::Owner).await?;
    if let Actor::Member { user_id, .. } = actor {
        teams::set_role(&ctx.db, &t.id, user_id, TeamRole::Admin).await?;
    }
    Ok(respond::json(200, &member_json(&m, Some(TeamRole::Owner)))?)
}

pub async fn invitations(ctx: &Ctx<'_>, team_id: &str) -> Outcome {
    let (t, actor) = team(ctx, team_id).await?;
    actor.manages()?;
    let n = now();
    let list: Vec<Value> = orgs::invitations(&ctx.db, DASHBOARD_APP_ID, &t.id).await?.iter().map(|i| i.shown(n)).collect();
    Ok(respond::json(200, &json!({ "invitations": list }))?)
}

/// `{"email", "role"?, "expires_in_days"?}` (role `developer` unless
/// said): mails a teammate the Dashboard's invitation link.
pub async fn invite(req: Request, ctx: &Ctx<'_>, team_id: &str) -> Outcome {
    let (t, actor) = team(ctx, team_id).await?;
    actor.manages()?;
    let host = req.headers().get("host")?;
    let mut b = body::json(req).await?;
    let obj = b.as_object_mut().ok_or_else(|| ApiError::InvalidBody("body must be a JSON object".into()))?;
    let role = match obj.remove("role") {
        None => TeamRole::Developer,
        Some(v) => v.as_str().and_then(TeamRole::parse_short).ok_or_else(|| ApiError::invalid("role", "must be \"owner\", \"admin\", \"developer\" or \"viewer\""))?,
    };
    if role == TeamRole::Owner && actor.role() == Some(TeamRole::Admin) {
        return Err(ApiError::Forbidden("only an owner may make an owner").into());
    }
    reject_unknown(obj, &["email", "expires_in_days"])?;
    let Some(role_id) = teams::role_id(&ctx.db, role).await? else { return Err(crate::fail::Fail::Internal("team role missing".into())) };
    obj.insert("roles".into(), json!([role_id]));
    let known = crate::directory::list_roles(&ctx.db, DASHBOARD_APP_ID).await?;
    let new = NewInvitation::from_json(&b, &known, &[])?;
    if crate::mailer::transport(ctx.env).is_err() {
        return Err(ApiError::Unavailable("this deployment cannot send email right now, so it cannot invite anyone").into());
    }
    let Some(dashboard) = db::app_by_id(&ctx.db, DASHBOARD_APP_ID).await? else { return Err(ApiError::NotFound.into()) };
    let Some(issuer) = super::issuer_of(ctx, host.as_deref(), &dashboard)? else {
        return Err(crate::fail::Fail::Internal("no issuer for the invitation link".into()));
    };
    let inviting = orgs::Inviting { app_id: DASHBOARD_APP_ID, app_name: &dashboard.name, issuer: &issuer, org: &t, new: &new, inviter: &ctx.caller.actor() };
    let Some((i, mail)) = orgs::create_invitation(&ctx.db, &inviting, now()).await? else {
        return Err(ApiError::Conflict { field: "email", message: "has a pending invitation to this team".into() }.into());
    };
    Command::Mail { mail }.send_to(ctx.env, DASHBOARD_APP_ID, 0).await?;
    let mut shown = i.shown(now());
    if let Value::Object(m) = &mut shown {
        m.insert("role".into(), role.short().into());
    }
    Ok(respond::json(201, &shown)?)
}

pub async fn revoke_invitation(ctx: &Ctx<'_>, team_id: &str, id: &str) -> Outcome {
    let (t, actor) = team(ctx, team_id).await?;
    actor.manages()?;
    let found = if is_id(IdKind::Invitation, id) { orgs::invitation(&ctx.db, DASHBOARD_APP_ID, id).await? } else { None };
    let Some(i) = found.filter(|i| i.org_id == t.id) else { return Err(ApiError::NotFound.into()) };
    if !orgs::revoke_invitation(&ctx.db, DASHBOARD_APP_ID, &i.id, now()).await? {
        return Err(ApiError::Conflict { field: "invitation", message: "is no longer pending".into() }.into());
    }
    Ok(respond::no_content()?)
}

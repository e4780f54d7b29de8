//! `/applications/{id}/organizations`: an application's organizations,
//! their members and invitations (`aero2_core::organization`), and
//! `/users/{user_id}/organizations`: the ones a user belongs to.
//!
//! A member's organization roles are the application's roles. Removing a
//! member takes the organization from their tokens at the next refresh,
//! and at once from introspection.

use super::{body, Ctx, Outcome};
use crate::fail::ApiResult;
use crate::organizations::{self as orgs, NotAdded};
use crate::{db, directory, now, respond, rng};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, new_id, IdKind};
use aero2_core::json_body::{object, reject_unknown};
use crate::fail::Fail;
use crate::tenant_command::Command;
use aero2_core::encoding::hex;
use aero2_core::organization::domain::{self, OrgDomain};
use aero2_core::organization::invitation::NewInvitation;
use aero2_core::organization::{parse_member_roles, Organization, OrganizationFields, Page, MAX_MEMBERSHIPS, MAX_ORGANIZATIONS};
use serde_json::json;
use worker::Request;

fn slug_taken() -> ApiError {
    ApiError::Conflict { field: "slug", message: "is already an organization of this application".into() }
}

pub async fn list(req: &Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let page = Page::from_query(&body::query(req)?)?;
    let mut list = orgs::list(&ctx.db, &app.id, page.after.as_deref(), page.limit).await?;
    let next = aero2_core::paging::cut(&mut list, page.limit, |o| o.slug.clone());
    Ok(respond::json(200, &json!({ "organizations": list, "next_after": next }))?)
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let fields = OrganizationFields::from_json(&body::json(req).await?, true)?;
    let org = fields.into_organization(new_id(IdKind::Organization, rng::bytes()?), now().0);
    match orgs::insert(&ctx.db, &app.id, &org).await {
        Err(e) if db::is_unique_violation(&e) => Err(slug_taken().into()),
        Err(e) => Err(e.into()),
        Ok(false) => Err(ApiError::InvalidBody(format!("an application may have at most {MAX_ORGANIZATIONS} organizations")).into()),
        Ok(true) => Ok(respond::json(201, &org)?),
    }
}

/// The organization `id` of this application; junk ids never reach D1.
pub(crate) async fn load(ctx: &Ctx<'_>, app: &Application, id: &str) -> ApiResult<Organization> {
    if !is_id(IdKind::Organization, id) {
        return Err(ApiError::NotFound.into());
    }
    Ok(orgs::by_id(&ctx.db, &app.id, id).await?.ok_or(ApiError::NotFound)?)
}

pub async fn get(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    Ok(respond::json(200, &load(ctx, app, id).await?)?)
}

pub async fn update(req: Request, ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    let org = load(ctx, app, id).await?;
    let fields = OrganizationFields::from_json(&body::json(req).await?, false)?;
    let updated = fields.apply(org, now().0);
    match orgs::update(&ctx.db, &app.id, &updated).await {
        Err(e) if db::is_unique_violation(&e) => Err(slug_taken().into()),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(respond::json(200, &updated)?),
    }
}

pub async fn delete(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    load(ctx, app, id).await?;
    orgs::delete(&ctx.db, &app.id, id).await?;
    Ok(respond::no_content()?)
}

// -------------------------------------------------------------------- members

pub async fn members(ctx: &Ctx<'_>, app: &Application, org_id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    let members = orgs::members(&ctx.db, &app.id, org_id).await?;
    Ok(respond::json(200, &json!({ "members": members }))?)
}

/// The member `user_id` of `org_id`, as the API shows them.
async fn member_of(ctx: &Ctx<'_>, app: &Application, org_id: &str, user_id: &str) -> ApiResult<orgs::Member> {
    if !is_id(IdKind::User, user_id) {
        return Err(ApiError::NotFound.into());
    }
    Ok(orgs::member(&ctx.db, &app.id, org_id, user_id).await?.ok_or(ApiError::NotFound)?)
}

pub async fn member(ctx: &Ctx<'_>, app: &Application, org_id: &str, user_id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    Ok(respond::json(200, &member_of(ctx, app, org_id, user_id).await?)?)
}

/// `{"user_id", "roles"?}`: adds one of the application's users.
pub async fn add(req: Request, ctx: &Ctx<'_>, app: &Application, org_id: &str) -> Outcome {
    let org = load(ctx, app, org_id).await?;
    let body = body::json(req).await?;
    let obj = object(&body)?;
    reject_unknown(obj, &["user_id", "roles"])?;
    let user_id = obj.get("user_id").and_then(|v| v.as_str()).ok_or_else(|| ApiError::invalid("user_id", "is required"))?;
    if !is_id(IdKind::User, user_id) || directory::user_by_id(&ctx.db, &app.id, user_id).await?.is_none() {
        return Err(ApiError::invalid("user_id", "is not a user of this application").into());
    }
    let known = directory::list_roles(&ctx.db, &app.id).await?;
    let roles = parse_member_roles(obj.get("roles"), &known)?;
    match orgs::add_member(&ctx.db, &app.id, &org, user_id, &roles, now()).await? {
        Ok(()) => Ok(respond::json(201, &member_of(ctx, app, org_id, user_id).await?)?),
        Err(NotAdded::AlreadyMember) => Err(ApiError::Conflict { field: "user_id", message: "is already a member of this organization".into() }.into()),
        Err(NotAdded::Full) => Err(ApiError::invalid("user_id", format!("the organization has its maximum of {} members", org.member_limit())).into()),
        Err(NotAdded::TooManyMemberships) => {
            Err(ApiError::invalid("user_id", format!("the user belongs to {MAX_MEMBERSHIPS} organizations already")).into())
        }
    }
}

/// `{"roles": […]}`: replaces the member's organization roles.
pub async fn update_member(req: Request, ctx: &Ctx<'_>, app: &Application, org_id: &str, user_id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    member_of(ctx, app, org_id, user_id).await?;
    let body = body::json(req).await?;
    let obj = object(&body)?;
    reject_unknown(obj, &["roles"])?;
    let Some(roles) = obj.get("roles") else { return Err(ApiError::invalid("roles", "is required").into()) };
    let known = directory::list_roles(&ctx.db, &app.id).await?;
    let roles = parse_member_roles(Some(roles), &known)?;
    orgs::set_member_roles(&ctx.db, &app.id, org_id, user_id, &roles).await?;
    Ok(respond::json(200, &member_of(ctx, app, org_id, user_id).await?)?)
}

pub async fn remove_member(ctx: &Ctx<'_>, app: &Application, org_id: &str, user_id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    member_of(ctx, app, org_id, user_id).await?;
    orgs::remove_member(&ctx.db, &app.id, org_id, user_id, now()).await?;
    Ok(respond::no_content()?)
}

/// The organizations a user of the application belongs to.
pub async fn of_user(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    if !is_id(IdKind::User, user_id) || directory::user_by_id(&ctx.db, &app.id, user_id).await?.is_none() {
        return Err(ApiError::NotFound.into());
    }
    let list = orgs::organizations_of(&ctx.db, &app.id, user_id).await?;
    Ok(respond::json(200, &json!({ "organizations": list }))?)
}

// ---------------------------------------------------------------- invitations

pub async fn invitations(ctx: &Ctx<'_>, app: &Application, org_id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    let t = now();
    let list: Vec<serde_json::Value> = orgs::invitations(&ctx.db, &app.id, org_id).await?.iter().map(|i| i.shown(t)).collect();
    Ok(respond::json(200, &json!({ "invitations": list }))?)
}

/// `{"email", "roles"?, "expires_in_days"?, "return_to"?}`: stores the
/// invitation (the digest of its token) and mails the link from the
/// application's own object. The token is in the mail only.
pub async fn invite(req: Request, ctx: &Ctx<'_>, app: &Application, org_id: &str) -> Outcome {
    let org = load(ctx, app, org_id).await?;
    let host = req.headers().get("host")?;
    let body = body::json(req).await?;
    let known = directory::list_roles(&ctx.db, &app.id).await?;
    let redirects = directory::redirect_uris(&ctx.db, &app.id).await?;
    let new = NewInvitation::from_json(&body, &known, &redirects)?;
    if crate::mailer::transport(ctx.env).is_err() {
        return Err(ApiError::Unavailable("this deployment cannot send email right now, so it cannot invite anyone").into());
    }
    let Some(issuer) = super::issuer_of(ctx, host.as_deref(), app)? else {
        return Err(Fail::Internal("no issuer for the invitation link".into()));
    };
    let t = now();
    let inviting = orgs::Inviting { app_id: &app.id, app_name: &app.name, issuer: &issuer, org: &org, new: &new, inviter: &ctx.caller.actor() };
    let Some((invitation, mail)) = orgs::create_invitation(&ctx.db, &inviting, t).await? else {
        return Err(ApiError::Conflict { field: "email", message: "has a pending invitation to this organization".into() }.into());
    };
    Command::Mail { mail }.send(ctx.env, app).await?;
    Ok(respond::json(201, &invitation.shown(t))?)
}

pub async fn revoke_invitation(ctx: &Ctx<'_>, app: &Application, org_id: &str, id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    let found = if is_id(IdKind::Invitation, id) { orgs::invitation(&ctx.db, &app.id, id).await? } else { None };
    let Some(found) = found.filter(|i| i.org_id == org_id) else { return Err(ApiError::NotFound.into()) };
    if !orgs::revoke_invitation(&ctx.db, &app.id, &found.id, now()).await? {
        return Err(ApiError::Conflict { field: "invitation", message: "is no longer pending".into() }.into());
    }
    Ok(respond::no_content()?)
}

// -------------------------------------------------------------------- domains

pub async fn domains(ctx: &Ctx<'_>, app: &Application, org_id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    let list: Vec<serde_json::Value> = orgs::domains(&ctx.db, &app.id, org_id).await?.iter().map(OrgDomain::shown).collect();
    Ok(respond::json(200, &json!({ "domains": list }))?)
}

/// `{"domain", "enrolment"?}`: the claim, with the TXT record to publish.
pub async fn add_domain(req: Request, ctx: &Ctx<'_>, app: &Application, org_id: &str) -> Outcome {
    load(ctx, app, org_id).await?;
    let (domain, enrolment) = domain::parse_new(&body::json(req).await?)?;
    let claim = OrgDomain { domain, org_id: org_id.to_owned(), enrolment, verification_token: hex(&rng::bytes::<16>()?), verified_at: None, created_at: now().0 };
    match orgs::insert_domain(&ctx.db, &app.id, &claim).await {
        Err(e) if db::is_unique_violation(&e) => Err(ApiError::Conflict { field: "domain", message: "is claimed by an organization of this application".into() }.into()),
        Err(e) => Err(e.into()),
        Ok(false) => Err(ApiError::invalid("domain", format!("an organization may claim at most {} domains", domain::MAX_DOMAINS)).into()),
        Ok(true) => Ok(respond::json(201, &claim.shown())?),
    }
}

/// The claim on `domain` by `org_id`; another organization's is not found.
async fn claim(ctx: &Ctx<'_>, app: &Application, org_id: &str, domain: &str) -> ApiResult<OrgDomain> {
    load(ctx, app, org_id).await?;
    let Ok(domain) = aero2_core::host::validate_hostname(domain) else { return Err(ApiError::NotFound.into()) };
    Ok(orgs::domain(&ctx.db, &app.id, &domain).await?.filter(|d| d.org_id == org_id).ok_or(ApiError::NotFound)?)
}

pub async fn get_domain(ctx: &Ctx<'_>, app: &Application, org_id: &str, domain: &str) -> Outcome {
    Ok(respond::json(200, &claim(ctx, app, org_id, domain).await?.shown())?)
}

pub async fn update_domain(req: Request, ctx: &Ctx<'_>, app: &Application, org_id: &str, domain: &str) -> Outcome {
    let d = claim(ctx, app, org_id, domain).await?;
    let enrolment = domain::parse_patch(&body::json(req).await?)?;
    orgs::set_enrolment(&ctx.db, &app.id, &d.domain, enrolment).await?;
    Ok(respond::json(200, &OrgDomain { enrolment, ..d }.shown())?)
}

pub async fn remove_domain(ctx: &Ctx<'_>, app: &Application, org_id: &str, domain: &str) -> Outcome {
    let d = claim(ctx, app, org_id, domain).await?;
    orgs::delete_domain(&ctx.db, &app.id, &d.domain).await?;
    Ok(respond::no_content()?)
}

/// The operator saw the TXT record (locally: says so).
pub async fn verify_domain(ctx: &Ctx<'_>, app: &Application, org_id: &str, domain: &str) -> Outcome {
    let d = claim(ctx, app, org_id, domain).await?;
    orgs::verify_domain(&ctx.db, &app.id, &d.domain, now()).await?;
    Ok(respond::json(200, &claim(ctx, app, org_id, &d.domain).await?.shown())?)
}

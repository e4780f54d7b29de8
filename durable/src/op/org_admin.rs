//! `/account/organizations/…`: an organization's own admins manage their
//! people with their own token (`aero2_core::organization::admin` has the
//! rules). The account API authenticated the caller; here the token must
//! have been issued in the organization of the path, the caller must still
//! be a member, and their organization roles (read now) must hold the
//! endpoint's permission. Nobody gives, takes or removes more than they
//! hold themselves. Every change is audited with the organization. The
//! Dashboard's organizations (Developer Teams) are not served here.

use super::account_token::{authenticate, body, Caller, NEEDS};
use super::bearer::{self, refuse, BearerResult};
use super::Op;
use crate::organizations::{self as orgs, Member};
use crate::{audit_log, db, directory, respond};
use aero2_core::audit::{Event, Filter, MAX_PAGE};
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, IdKind};
use aero2_core::json_body::{object, reject_unknown};
use aero2_core::oauth::error::OAuthError;
use aero2_core::organization::admin::{needs, Privileges};
use aero2_core::organization::invitation::{self, NewInvitation};
use aero2_core::organization::{parse_member_roles, Organization};
use aero2_core::routes::account::Endpoint;
use serde_json::{json, Value};
use worker::{D1Database, Request, Response};

/// Serves `endpoint`; `params`: the organization's id, then a member's or
/// an invitation's.
pub async fn handle(req: Request, op: &Op<'_>, endpoint: Endpoint, params: [&str; 2]) -> worker::Result<Response> {
    bearer::answer(op, "organization admin", serve(req, op, endpoint, params).await)
}

async fn serve(mut req: Request, op: &Op<'_>, endpoint: Endpoint, params: [&str; 2]) -> BearerResult<Response> {
    let caller = &authenticate(&mut req, op).await?;
    let db = db::database(op.env)?;
    if endpoint == Endpoint::MyOrganizations {
        return Ok(respond::json(200, &mine(op, &db, &caller.user.id).await?)?);
    }
    let [org_id, sub] = params;
    // The Dashboard's organizations are Developer Teams, managed through
    // the management API's `/teams`, whose rules (a team keeps an owner)
    // this surface does not know.
    if op.app.id == aero2_core::application::DASHBOARD_APP_ID {
        return Err(ApiError::NotFound.into());
    }
    let org = if is_id(IdKind::Organization, org_id) { orgs::by_id(&db, &op.app.id, org_id).await? } else { None };
    let Some(org) = org else { return Err(ApiError::NotFound.into()) };
    if caller.org_id.as_deref() != Some(org.id.as_str()) {
        return Err(refuse(OAuthError::InsufficientScope("this token was not issued in this organization: switch to it first".into()), NEEDS));
    }
    let Some((_, held)) = orgs::held_in(&db, &op.app.id, &org.id, &caller.user.id).await? else {
        return Err(ApiError::Forbidden("you are no longer a member of this organization").into());
    };
    let leaving = endpoint == Endpoint::OrgRemoveMember && sub == caller.user.id;
    if let Some(p) = needs(endpoint).filter(|_| !leaving) {
        if !held.has(p) {
            return Err(ApiError::Forbidden("your roles in this organization do not allow this").into());
        }
    }
    let ctx = Admin { op, db, org, caller, held };
    let answer = match endpoint {
        Endpoint::OrgMembers => json!({ "members": orgs::members(&ctx.db, &op.app.id, &ctx.org.id).await? }),
        Endpoint::OrgUpdateMember => {
            let b = body(&mut req).await?;
            ctx.update_member(&req, sub, &b).await?
        }
        Endpoint::OrgRemoveMember => ctx.remove_member(&req, sub).await?,
        Endpoint::OrgInvitations => {
            let list: Vec<Value> = orgs::invitations(&ctx.db, &op.app.id, &ctx.org.id).await?.iter().map(|i| i.shown(op.now)).collect();
            json!({ "invitations": list })
        }
        Endpoint::OrgInvite => {
            let b = body(&mut req).await?;
            ctx.invite(&req, &b).await?
        }
        Endpoint::OrgRevokeInvitation => ctx.revoke_invitation(&req, sub).await?,
        Endpoint::OrgAudit => ctx.audit_slice(&req).await?,
        _ => return Err(ApiError::NotFound.into()),
    };
    Ok(match answer {
        Value::Null => respond::no_content()?,
        body => respond::json(if endpoint == Endpoint::OrgInvite { 201 } else { 200 }, &body)?,
    })
}

/// The caller's organizations, with their roles and organization
/// permissions in each.
async fn mine(op: &Op<'_>, db: &D1Database, user_id: &str) -> BearerResult<Value> {
    let mut out = Vec::new();
    for org in orgs::organizations_of(db, &op.app.id, user_id).await? {
        let Some((member, held)) = orgs::held_in(db, &op.app.id, &org.id, user_id).await? else { continue };
        out.push(json!({ "id": org.id, "slug": org.slug, "name": org.name, "roles": member.roles, "permissions": held.org }));
    }
    Ok(json!({ "organizations": out }))
}

struct Admin<'a> {
    op: &'a Op<'a>,
    db: D1Database,
    org: Organization,
    caller: &'a Caller,
    held: Privileges,
}

impl Admin<'_> {
    /// The rule of giving and taking: the caller holds everything `roles` grant.
    async fn may_handle(&self, roles: &[String]) -> BearerResult<()> {
        if self.held.covers(&orgs::privileges_of(&self.db, &self.op.app.id, roles).await?) {
            return Ok(());
        }
        Err(ApiError::Forbidden("you may give, take or remove only roles whose every permission you hold in this organization").into())
    }

    async fn member(&self, user_id: &str) -> BearerResult<Member> {
        let found = if is_id(IdKind::User, user_id) { orgs::member(&self.db, &self.op.app.id, &self.org.id, user_id).await? } else { None };
        Ok(found.ok_or(ApiError::NotFound)?)
    }

    async fn record(&self, req: &Request, endpoint: Endpoint, resource: String, user: Option<&str>, detail: Value) -> worker::Result<()> {
        let Some(kind) = aero2_core::audit::account_type(endpoint) else { return Ok(()) };
        let mut event = Event::new(kind, &format!("user:{}", self.caller.user.id)).organization(&self.org.id).resource(resource).with("via", "organization_admin").with("after", detail);
        if let Some(u) = user {
            event = event.user(u);
        }
        super::audit(self.op, req, event).await
    }

    /// `{"roles"}`: replaces a member's organization roles, when the caller
    /// could give both the old and the new ones.
    async fn update_member(&self, req: &Request, user_id: &str, body: &Value) -> BearerResult<Value> {
        let target = self.member(user_id).await?;
        let obj = object(body)?;
        reject_unknown(obj, &["roles"])?;
        let Some(roles) = obj.get("roles") else { return Err(ApiError::invalid("roles", "is required").into()) };
        let known = directory::list_roles(&self.db, &self.op.app.id).await?;
        let roles = parse_member_roles(Some(roles), &known)?;
        let current: Vec<String> = target.roles.iter().map(|r| r.id.clone()).collect();
        self.may_handle(&current).await?;
        self.may_handle(&roles).await?;
        orgs::set_member_roles(&self.db, &self.op.app.id, &self.org.id, user_id, &roles).await?;
        let after = serde_json::to_value(self.member(user_id).await?)?;
        self.record(req, Endpoint::OrgUpdateMember, format!("organizations/{}/members/{user_id}", self.org.id), Some(user_id), after.clone()).await?;
        Ok(after)
    }

    /// Removes a member the caller could have given all their roles to, or
    /// the caller themself (leaving).
    async fn remove_member(&self, req: &Request, user_id: &str) -> BearerResult<Value> {
        let target = self.member(user_id).await?;
        if user_id != self.caller.user.id {
            let current: Vec<String> = target.roles.iter().map(|r| r.id.clone()).collect();
            self.may_handle(&current).await?;
        }
        orgs::remove_member(&self.db, &self.op.app.id, &self.org.id, user_id, self.op.now).await?;
        self.record(req, Endpoint::OrgRemoveMember, format!("organizations/{}/members/{user_id}", self.org.id), Some(user_id), Value::Null).await?;
        Ok(Value::Null)
    }

    /// Invites with roles the caller could give; the mail goes out from
    /// this object.
    async fn invite(&self, req: &Request, body: &Value) -> BearerResult<Value> {
        let known = directory::list_roles(&self.db, &self.op.app.id).await?;
        let redirects = directory::redirect_uris(&self.db, &self.op.app.id).await?;
        let new = NewInvitation::from_json(body, &known, &redirects)?;
        self.may_handle(&new.roles).await?;
        if let Some(e) = super::mail_unavailable(self.op) {
            return Err(e.into());
        }
        let inviter = invitation::member_inviter(&self.caller.user.id);
        let (app, issuer) = (&self.op.app, &self.op.issuer);
        let inviting = orgs::Inviting { app_id: &app.id, app_name: &app.name, issuer, org: &self.org, new: &new, inviter: &inviter };
        let Some((i, mail)) = orgs::create_invitation(&self.db, &inviting, self.op.now).await? else {
            return Err(ApiError::Conflict { field: "email", message: "has a pending invitation to this organization".into() }.into());
        };
        super::send_mail(self.op, &mail).await?;
        let shown = i.shown(self.op.now);
        self.record(req, Endpoint::OrgInvite, format!("organizations/{}/invitations/{}", self.org.id, i.id), None, shown.clone()).await?;
        Ok(shown)
    }

    async fn revoke_invitation(&self, req: &Request, id: &str) -> BearerResult<Value> {
        let found = if is_id(IdKind::Invitation, id) { orgs::invitation(&self.db, &self.op.app.id, id).await? } else { None };
        let Some(i) = found.filter(|i| i.org_id == self.org.id) else { return Err(ApiError::NotFound.into()) };
        if !orgs::revoke_invitation(&self.db, &self.op.app.id, &i.id, self.op.now).await? {
            return Err(ApiError::Conflict { field: "invitation", message: "is no longer pending".into() }.into());
        }
        self.record(req, Endpoint::OrgRevokeInvitation, format!("organizations/{}/invitations/{}", self.org.id, i.id), None, Value::Null).await?;
        Ok(Value::Null)
    }

    /// The entries of the application's log that name this organization.
    async fn audit_slice(&self, req: &Request) -> BearerResult<Value> {
        let pairs: Vec<(String, String)> = req.url()?.query_pairs().filter(|(k, _)| k != "org_id").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let filter = Filter { org_id: Some(self.org.id.clone()), ..Filter::from_query(&pairs, MAX_PAGE)? };
        Ok(audit_log::page(&self.db, &self.op.app.id, &filter).await?)
    }
}

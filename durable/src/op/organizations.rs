//! What the OP reads of organizations (`aero2_core::organization`
//! decides): the organization a request names, the user's memberships
//! and what their verified domains offer them (joined at sign-in, or
//! suggested on the picker), and what a token issued in an organization
//! carries of it now. Read from
//! D1 every time, so a removed member loses the organization at the next
//! refresh and at once at introspection.

use super::Op;
use crate::{db, organizations};
use aero2_core::oauth::error::OAuthError;
use crate::directory::User;
use aero2_core::organization::domain::{self, Policy};
use aero2_core::organization::{Organization, TokenOrganization};
use worker::Result;

/// The application's organization `reference` names (an id or a slug).
pub async fn find(op: &Op<'_>, reference: &str) -> Result<Option<Organization>> {
    organizations::by_reference(&db::database(op.env)?, &op.app.id, reference).await
}

/// The organizations the user belongs to, by slug.
pub async fn of_user(op: &Op<'_>, user_id: &str) -> Result<Vec<Organization>> {
    organizations::organizations_of(&db::database(op.env)?, &op.app.id, user_id).await
}

/// What a token for `user_id` in `org_id` (a grant's organization, if it
/// has one) carries of it; `invalid_grant` when the user is no longer a
/// member or the organization is gone.
pub async fn for_token(op: &Op<'_>, user_id: &str, org_id: Option<&str>) -> Result<std::result::Result<Option<TokenOrganization>, OAuthError>> {
    let Some(org_id) = org_id else { return Ok(Ok(None)) };
    Ok(match organizations::for_token(&db::database(op.env)?, &op.app.id, org_id, user_id).await? {
        Some(org) => Ok(Some(org)),
        None => Err(OAuthError::InvalidGrant("the user is no longer a member of the organization".into())),
    })
}

/// The organization whose verified domain offers itself to `user` (their
/// confirmed address is at it) with `policy`, if any, unless they were
/// removed from it or left.
async fn by_domain(op: &Op<'_>, user: &User, policy: Policy) -> Result<Option<Organization>> {
    let Some(domain) = domain::of_confirmed_address(user.email.as_deref(), user.email_verified) else { return Ok(None) };
    let db = db::database(op.env)?;
    let Some(d) = organizations::enrolling(&db, &op.app.id, &domain).await?.filter(|d| d.enrolment == policy) else { return Ok(None) };
    // Someone removed from the organization (or who left) is not brought
    // back by its domain: only the API or an invitation adds them again.
    if organizations::departed(&db, &op.app.id, &d.org_id, &user.id).await? {
        return Ok(None);
    }
    organizations::by_id(&db, &op.app.id, &d.org_id).await
}

/// At sign-in: a user whose confirmed address is at a verified domain with
/// automatic enrolment becomes a member of its organization (audited; a
/// full organization is left as it is).
pub async fn enrol_by_domain(op: &Op<'_>, req: &worker::Request, user: &User) -> Result<()> {
    let Some(org) = by_domain(op, user, Policy::Automatic).await? else { return Ok(()) };
    if organizations::add_member(&db::database(op.env)?, &op.app.id, &org, &user.id, &[], op.now).await?.is_ok() {
        let event = aero2_core::audit::Event::new("organization.member_added", "system")
            .user(&user.id)
            .organization(&org.id)
            .resource(format!("organizations/{}/members/{}", org.id, user.id))
            .with("via", "verified_domain");
        super::audit(op, req, event).await?;
    }
    Ok(())
}

/// The organizations a user may sign in to: theirs, and the one their
/// confirmed address's verified domain suggests (if they are not in it).
pub struct Offered {
    pub member_of: Vec<Organization>,
    pub suggested: Vec<Organization>,
}

pub async fn offered(op: &Op<'_>, user_id: &str) -> Result<Offered> {
    let member_of = of_user(op, user_id).await?;
    let suggested = match super::users::user(op, user_id).await? {
        Some(user) => by_domain(op, &user, Policy::Suggest).await?.filter(|o| !member_of.iter().any(|m| m.id == o.id)).into_iter().collect(),
        None => Vec::new(),
    };
    Ok(Offered { member_of, suggested })
}

/// Joins the suggested organization `org_id` the user chose on the picker
/// (audited); `false` if it is not suggested to them.
pub async fn join_suggested(op: &Op<'_>, req: &worker::Request, user_id: &str, org_id: &str) -> Result<bool> {
    let Some(org) = offered(op, user_id).await?.suggested.into_iter().find(|o| o.id == org_id) else { return Ok(false) };
    if organizations::add_member(&db::database(op.env)?, &op.app.id, &org, user_id, &[], op.now).await?.is_err() {
        return Ok(false);
    }
    let event = aero2_core::audit::Event::new("organization.member_added", &format!("user:{user_id}"))
        .user(user_id)
        .organization(&org.id)
        .resource(format!("organizations/{}/members/{user_id}", org.id))
        .with("via", "suggested_domain");
    super::audit(op, req, event).await?;
    Ok(true)
}

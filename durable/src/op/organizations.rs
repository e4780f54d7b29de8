//! What the OP reads of organizations (`aero2_core::organization`
//! decides): the organization a request names, the user's memberships,
//! and what a token issued in an organization carries of it now. Read from
//! D1 every time, so a removed member loses the organization at the next
//! refresh and at once at introspection.

use super::Op;
use crate::{db, organizations};
use aero2_core::oauth::error::OAuthError;
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

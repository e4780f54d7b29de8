//! What the OP reads to decide what a token for one of the application's
//! APIs carries (`aero2_core::oauth::resource` decides): the APIs, cached
//! (`Command::ApisChanged` drops the copy); the user's permissions from
//! their roles and a client's grants, read from D1 every time, so a role,
//! permission or grant change reaches the next token and every
//! introspection at once.

use super::Op;
use crate::{db, directory};
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::resource::{self, Access};
use aero2_core::oauth::scope::Scope;
use aero2_core::rbac::Api;
use worker::Result;

/// The application's APIs.
pub async fn apis(op: &Op<'_>) -> Result<Vec<Api>> {
    if let Some(list) = op.caches.apis.borrow_mut().get(&(), op.now) {
        return Ok(list);
    }
    let since = op.caches.apis.borrow().epoch();
    let list = directory::list_apis(&db::database(op.env)?, &op.app.id).await?;
    op.caches.apis.borrow_mut().insert_since((), list.clone(), op.now, since);
    Ok(list)
}

/// The API `identifier` names, or `invalid_target` (it was deleted since
/// the grant was made, or never existed).
pub async fn api(op: &Op<'_>, identifier: &str) -> Result<std::result::Result<Api, OAuthError>> {
    Ok(resource::find(&apis(op).await?, identifier).cloned())
}

/// The user's permissions for `api` now: their roles', and in the
/// organization `org_id`, their organization roles' too.
pub async fn user_permissions(op: &Op<'_>, user_id: &str, api: &Api, org_id: Option<&str>) -> Result<Vec<String>> {
    directory::user_permissions(&db::database(op.env)?, &op.app.id, user_id, &api.id, org_id).await
}

/// What a token for `user_id` under `scope` (what they consented to), in
/// the organization `org_id` if any, carries now, for the API
/// `identifier` or for Aero2's own audience.
pub async fn for_user(op: &Op<'_>, user_id: &str, scope: &Scope, identifier: Option<&str>, org_id: Option<&str>) -> Result<std::result::Result<Access, OAuthError>> {
    let Some(identifier) = identifier else {
        return Ok(Ok(resource::for_user(scope, None, &[])));
    };
    let api = match api(op, identifier).await? {
        Ok(api) => api,
        Err(e) => return Ok(Err(e)),
    };
    let held = user_permissions(op, user_id, &api, org_id).await?;
    Ok(Ok(resource::for_user(scope, Some(&api), &held)))
}

/// The client's grant for `api`, if any.
pub async fn client_grant(op: &Op<'_>, client_id: &str, api: &Api) -> Result<Option<aero2_core::rbac::ClientGrant>> {
    let grants = directory::client_grants(&db::database(op.env)?, &op.app.id, client_id).await?;
    Ok(grants.into_iter().find(|g| g.api_id == api.id))
}

/// The names of the user's roles (the `roles` claim of ID tokens).
pub async fn role_names(op: &Op<'_>, user_id: &str) -> Result<Vec<String>> {
    let roles = directory::user_roles(&db::database(op.env)?, &op.app.id, user_id).await?;
    Ok(roles.into_iter().map(|r| r.name).collect())
}

//! `refresh_token` (RFC 6749 §6) with rotation and reuse detection
//! (RFC 9700 §4.14.2), decided by `aero2_core::oauth::grant::rotate`:
//! every use returns a new refresh token; presenting one that was already
//! rotated revokes the whole family (the grant), unless it is a retry within
//! the application's leeway while its successor is unused. A narrower
//! `scope` may be asked for; a wider one is `invalid_scope`.
//!
//! Decide, sign, then decide again and apply the writes in one step:
//! nothing is written before the tokens are signed, so a failure on the way
//! leaves the token as it was, and a rotation another request made
//! meanwhile is seen before anything is stored.

use super::grant_authorization_code::reject;
use super::{organizations, resources, store, tokens, Op};
use aero2_core::encoding::sha256_hex;
use aero2_core::oauth::client::Client;
use aero2_core::oauth::grant::{rotate, RefreshRequest, Rejection, Rotating};
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::scope::Scope;
use worker::Request;
use serde_json::Value;
use crate::fail::{Fail, TokenResult};

pub async fn exchange(
    req: &Request,
    op: &Op<'_>,
    client: &Client,
    refresh_token: &str,
    scope: Option<&Scope>,
    resource: Option<&str>,
    organization: Option<&str>,
) -> TokenResult<Value> {
    client.organization_usage.admits(organization.is_some())?;
    // The organization to switch to, found by its id or slug; whether the
    // user belongs to it is checked below, as for the grant's own.
    let switch_to = match organization {
        Some(reference) => match organizations::find(op, reference).await? {
            Some(org) => Some(org.id),
            None => return Err(OAuthError::InvalidRequest("no such organization".into()).into()),
        },
        None => None,
    };
    let token_hash = sha256_hex(refresh_token.as_bytes());
    let leeway_ms = op.app.settings.refresh_reuse_leeway_ms();
    let request = RefreshRequest { client_id: &client.client_id, scope, leeway_ms, resource, organization: switch_to.as_deref() };
    let decide = || -> worker::Result<std::result::Result<Rotating, Rejection>> {
        let r = store::refresh_records(&op.sql, &token_hash)?;
        Ok(rotate(&token_hash, r.token.as_ref(), r.successor.as_ref(), r.grant.as_ref(), &request, op.now))
    };
    let rotating = match decide()? {
        Ok(r) => r,
        Err(rejection) => return reject(req, op, client, rejection).await,
    };
    let user = super::users::user(op, &rotating.grant.user_id).await?.filter(|u| !u.disabled);
    let issue = match rotating.issue(user.is_some()) {
        Ok(issue) => issue,
        Err(rejection) => return reject(req, op, client, rejection).await,
    };
    let Some(user) = user else { return Err(Fail::Internal("an active user without a record".into())) };
    // What the user's roles allow now: a role taken away since the last
    // refresh is gone from this token.
    // A member removed from the grant's organization (or the one asked for)
    // gets no token in it; the refresh token stays as it was, so the client
    // may switch to another organization with it.
    let org = match organizations::for_token(op, &user.id, issue.grant.organization.as_deref()).await? {
        Ok(org) => org,
        Err(e) => return Err(e.into()),
    };
    let access = resources::for_user(op, &user.id, &issue.scope, issue.grant.resource.as_deref(), issue.grant.organization.as_deref()).await??;
    let minted = tokens::mint_for_user(op, client, &user, &issue, &access, org.as_ref()).await?;
    // Awaits above let other requests run: decide again, and store what
    // this decision says (a rotation made meanwhile makes this one replace
    // its successor).
    let last = match decide()?.and_then(|r| r.issue(true)) {
        Ok(last) => last,
        Err(rejection) => return reject(req, op, client, rejection).await,
    };
    store::apply(&op.sql, &last.writes(&minted.ids, op.now), op.now)?;
    Ok(minted.body)
}

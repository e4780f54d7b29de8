//! `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §2.1.1),
//! decided by `aero2_core::oauth::grant` (`redeem`, `issue_for_code`): read
//! the code, decide, read the user, sign, then read and decide again and
//! apply the writes with no await in between. A failure on the way leaves
//! the code unused; a concurrent redemption is seen before anything is
//! written, and revokes what the first one issued.

use super::{organizations, resources, store, tokens, Op};
use crate::rng;
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::oauth::client::{Client, GrantType};
use aero2_core::audit::Event;
use aero2_core::oauth::grant::{issue_for_code, redeem, CodeRedemption, Rejection, Write};
use worker::Request;
use aero2_core::oauth::pkce::CodeVerifier;
use serde_json::Value;
use crate::fail::{Fail, TokenResult};

pub async fn exchange(
    req: &Request,
    op: &Op<'_>,
    client: &Client,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&CodeVerifier>,
    resource: Option<&str>,
) -> TokenResult<Value> {
    let code_hash = sha256_hex(code.as_bytes());
    let presented = CodeRedemption { client_id: &client.client_id, redirect_uri, verifier, resource };
    let decide = || -> worker::Result<std::result::Result<_, Rejection>> {
        Ok(redeem(store::code(&op.sql, &code_hash)?.as_ref(), &presented, op.now).cloned())
    };
    let cg = match decide()? {
        Ok(cg) => cg,
        Err(rejection) => return reject(req, op, client, rejection).await,
    };
    let user = super::users::user(op, &cg.user_id).await?;
    let active = user.as_ref().is_some_and(|u| !u.disabled);
    let grant_id = format!("gr_{}", hex(&rng::bytes::<16>()?));
    let may_refresh = client.allows_grant(GrantType::RefreshToken);
    let (issue, user) = match (issue_for_code(&code_hash, &cg, active, grant_id, may_refresh, op.now), user) {
        (Ok(issue), Some(user)) => (issue, user),
        (Err(rejection), _) => return reject(req, op, client, rejection).await,
        (Ok(_), None) => return Err(Fail::Internal("an active user without a record".into())),
    };
    // Still a member of the organization the user signed in to.
    let org = match organizations::for_token(op, &user.id, issue.grant.organization.as_deref()).await? {
        Ok(org) => org,
        Err(e) => return Err(e.into()),
    };
    let access = resources::for_user(op, &user.id, &issue.scope, issue.grant.resource.as_deref(), issue.grant.organization.as_deref()).await??;
    let minted = tokens::mint_for_user(op, client, &user, &issue, &access, org.as_ref()).await?;
    // Awaits above let other requests run: decide again, then store.
    if let Err(rejection) = decide()? {
        return reject(req, op, client, rejection).await;
    }
    store::apply(&op.sql, &issue.writes(&minted.ids, op.now), op.now)?;
    Ok(minted.body)
}

/// Applies a rejection's writes (a replayed code revokes its grant); a
/// replay goes to the audit log.
pub async fn reject<T>(req: &Request, op: &Op<'_>, client: &Client, rejection: Rejection) -> TokenResult<T> {
    store::apply(&op.sql, &rejection.writes, op.now)?;
    if rejection.replayed {
        let grant = rejection.writes.iter().find_map(|w| match w {
            Write::RevokeGrant { grant_id } => Some(grant_id.clone()),
            _ => None,
        });
        let user = match &grant {
            Some(id) => store::grant(&op.sql, id)?.map(|g| g.user_id),
            None => None,
        };
        let mut event = Event::new("token.reuse_detected", &format!("client:{}", client.client_id))
            .with("grant_id", grant)
            .with("error", rejection.error.description().to_owned());
        if let Some(u) = &user {
            event = event.user(u);
        }
        super::audit(op, req, event).await?;
    }
    Err(rejection.error.into())
}

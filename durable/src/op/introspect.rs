//! Token introspection (RFC 7662). Only authenticated confidential clients
//! may ask (§2.1: the endpoint must be protected); a public client is
//! `invalid_client`. Access tokens of the application are described to any
//! of its confidential clients (resource servers are clients too); refresh
//! tokens only to the client they were issued to. Everything else is
//! `{"active": false}` (§2.2), with nothing else said.
//!
//! A token for one of the application's APIs is described as it stands
//! now: its `scope` and `permissions` are what the user's roles (or the
//! client's grant) allow at this moment, so a role taken away shows here
//! at once, and this is where a token too large for its `permissions` list
//! sends resource servers (`permissions_introspection`).

use super::{access, clients, oauth_json, organizations, resources, store, token_answer, Op};
use crate::fail::{Fail, TokenResult};
use aero2_core::encoding::sha256_hex;
use aero2_core::oauth::client::Client;
use aero2_core::oauth::grant::introspect_refresh;
use aero2_core::oauth::resource;
use aero2_core::oauth::scope::Scope;
use aero2_core::oauth::client_auth::client_authentication_failed;
use serde_json::{json, Value};
use worker::{Request, Response, Result};

pub async fn handle(req: Request, op: &Op<'_>) -> Result<Response> {
    token_answer(op, "introspection", serve(req, op).await)
}

async fn serve(mut req: Request, op: &Op<'_>) -> TokenResult<Response> {
    let (params, client) = clients::authenticated_form(&mut req, op).await?;
    if client.is_public() {
        return Err(Fail::refused_because(client_authentication_failed(), format!("public client {} may not introspect", client.client_id)));
    }
    let token = params.require("token")?.to_owned();
    let answer = match describe_refresh(op, &client, &token).await? {
        Some(v) => v,
        None => describe_access(op, &token).await?.unwrap_or_else(|| json!({ "active": false })),
    };
    Ok(oauth_json(200, &answer)?)
}

async fn describe_refresh(op: &Op<'_>, client: &Client, token: &str) -> Result<Option<Value>> {
    let r = store::refresh_records(&op.sql, &sha256_hex(token.as_bytes()))?;
    let Some(found) = introspect_refresh(r.token.as_ref(), r.grant.as_ref(), &client.client_id, op.now) else {
        return Ok(None);
    };
    let Some(g) = found else {
        return Ok(Some(json!({ "active": false })));
    };
    // What the next refresh would grant: the user's roles now, in the
    // organization they still belong to.
    let Ok(org) = organizations::for_token(op, &g.user_id, g.organization.as_deref()).await? else {
        return Ok(Some(json!({ "active": false })));
    };
    let Ok(access) = resources::for_user(op, &g.user_id, &g.scope, g.resource.as_deref(), g.organization.as_deref()).await? else {
        return Ok(Some(json!({ "active": false })));
    };
    let mut v = json!({
        "active": true,
        "token_type": "refresh_token",
        "client_id": g.client_id,
        "sub": g.user_id,
        "scope": access.scope.to_string(),
        "exp": g.expires_at.as_secs(),
        "iss": op.issuer,
    });
    if let (Some(api), Value::Object(m)) = (&access.api, &mut v) {
        m.insert("aud".into(), api.identifier.clone().into());
    }
    Ok(Some(with_permissions(with_organization(v, org.as_ref()), access.permissions)))
}

/// An access token as it stands now: signature, expiry, revocation, its
/// user; for a token of one of the application's APIs, the scope and
/// permissions that the user's roles (or the client's grant) allow now,
/// which may be fewer than the token lists.
async fn describe_access(op: &Op<'_>, token: &str) -> Result<Option<Value>> {
    let Ok(claims) = access::verify(op, token).await? else {
        return Ok(None);
    };
    let for_client = claims.sub == claims.client_id;
    if !for_client {
        let user = super::users::user(op, &claims.sub).await?;
        if user.is_none_or(|u| u.disabled) {
            return Ok(None);
        }
    }
    // Issued in an organization the user has left since: inactive at once.
    let Ok(org) = organizations::for_token(op, &claims.sub, claims.org_id.as_deref()).await? else {
        return Ok(None);
    };
    let scope = Scope::parse(claims.scope.as_deref().unwrap_or_default()).unwrap_or_default();
    let apis = resources::apis(op).await?;
    let api = apis.iter().find(|a| claims.aud.contains(&a.identifier));
    let access = match api {
        None => None,
        Some(api) if for_client => Some(resource::for_client_now(&scope, api, resources::client_grant(op, &claims.client_id, api).await?.as_ref())),
        Some(api) => Some(resource::for_user(&scope, Some(api), &resources::user_permissions(op, &claims.sub, api, claims.org_id.as_deref()).await?)),
    };
    let scope = access.as_ref().map_or(scope, |a| a.scope.clone());
    let mut v = json!({
        "active": true,
        "token_type": "Bearer",
        "client_id": claims.client_id,
        "sub": claims.sub,
        "exp": claims.exp,
        "iat": claims.iat,
        "iss": claims.iss,
        "aud": claims.aud.to_json(),
        "jti": claims.jti,
    });
    if let (false, Value::Object(m)) = (scope.is_empty(), &mut v) {
        m.insert("scope".into(), scope.to_string().into());
    }
    Ok(Some(with_permissions(with_organization(v, org.as_ref()), access.and_then(|a| a.permissions))))
}

/// `org_id`, `org_slug` and `org_roles` as they stand now.
fn with_organization(mut v: Value, org: Option<&aero2_core::organization::TokenOrganization>) -> Value {
    if let (Some(org), Value::Object(m)) = (org, &mut v) {
        aero2_core::organization::claims(m, org, true);
    }
    v
}

fn with_permissions(mut v: Value, permissions: Option<Vec<String>>) -> Value {
    if let (Some(p), Value::Object(m)) = (permissions, &mut v) {
        m.insert("permissions".into(), p.into());
    }
    v
}

//! Token introspection (RFC 7662). Only authenticated confidential clients
//! may ask (§2.1: the endpoint must be protected); a public client is
//! `invalid_client`. Access tokens of the application are described to any
//! of its confidential clients (resource servers are clients too); refresh
//! tokens only to the client they were issued to. Everything else is
//! `{"active": false}` (§2.2), with nothing else said.

use super::{access, clients, oauth_json, store, token_answer, Op};
use crate::fail::{Fail, TokenResult};
use aero2_core::encoding::sha256_hex;
use aero2_core::oauth::client::Client;
use aero2_core::oauth::grant::introspect_refresh;
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
    let answer = match describe_refresh(op, &client, &token)? {
        Some(v) => v,
        None => describe_access(op, &token).await?.unwrap_or_else(|| json!({ "active": false })),
    };
    Ok(oauth_json(200, &answer)?)
}

fn describe_refresh(op: &Op<'_>, client: &Client, token: &str) -> Result<Option<Value>> {
    let r = store::refresh_records(&op.sql, &sha256_hex(token.as_bytes()))?;
    let Some(found) = introspect_refresh(r.token.as_ref(), r.grant.as_ref(), &client.client_id, op.now) else {
        return Ok(None);
    };
    let Some(g) = found else {
        return Ok(Some(json!({ "active": false })));
    };
    Ok(Some(json!({
        "active": true,
        "token_type": "refresh_token",
        "client_id": g.client_id,
        "sub": g.user_id,
        "scope": g.scope.to_string(),
        "exp": g.expires_at.as_secs(),
        "iss": op.issuer,
    })))
}

async fn describe_access(op: &Op<'_>, token: &str) -> Result<Option<Value>> {
    let Ok(claims) = access::verify(op, token).await? else {
        return Ok(None);
    };
    if claims.sub != claims.client_id {
        let user = super::users::user(op, &claims.sub).await?;
        if user.is_none_or(|u| u.disabled) {
            return Ok(None);
        }
    }
    let mut v = serde_json::Map::new();
    let described = json!({
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
    if let Value::Object(fields) = described {
        v.extend(fields);
    }
    if let Some(scope) = claims.scope {
        v.insert("scope".into(), scope.into());
    }
    Ok(Some(Value::Object(v)))
}

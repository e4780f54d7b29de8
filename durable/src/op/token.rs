//! The token endpoint (RFC 6749 §3.2): authenticate the client (§2.3),
//! parse the grant, check the client may use it, run the grant.

use super::{clients, limits, grant_authorization_code, grant_client_credentials, grant_refresh_token, oauth_error, oauth_json, Op};
use aero2_core::oauth::token_request::{check_grant_allowed, TokenRequest};
use aero2_core::rate_limit::{Class, Verdict};
use worker::{Request, Response, Result};

pub async fn handle(mut req: Request, op: &Op<'_>) -> Result<Response> {
    // Per IP before authentication (secret guessing), per client after.
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::TokenPerIp, limits::client_ip(&req)?.as_deref())? {
        return limits::too_many_json(retry_after_secs);
    }
    let (params, client) = match clients::authenticated_form(&mut req, op).await? {
        Ok(authenticated) => authenticated,
        Err(e) => return oauth_error(op, &e),
    };
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::TokenPerClient, Some(&client.client_id))? {
        return limits::too_many_json(retry_after_secs);
    }
    let request = match TokenRequest::parse(&params).and_then(|r| check_grant_allowed(&client, &r).map(|()| r)) {
        Ok(r) => r,
        Err(e) => return oauth_error(op, &e),
    };
    let outcome = match request {
        TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier } => {
            grant_authorization_code::exchange(op, &client, code.secret(), &redirect_uri, code_verifier.as_ref()).await?
        }
        TokenRequest::RefreshToken { refresh_token, scope } => {
            grant_refresh_token::exchange(op, &client, refresh_token.secret(), scope.as_ref()).await?
        }
        TokenRequest::ClientCredentials { scope } => grant_client_credentials::exchange(op, &client, scope.as_ref()).await?,
    };
    match outcome {
        Ok(body) => oauth_json(200, &body),
        Err(e) => oauth_error(op, &e),
    }
}

//! The token endpoint (RFC 6749 §3.2): authenticate the client (§2.3),
//! parse the grant, check the client may use it, run the grant.

use super::{clients, limits, grant_authorization_code, grant_client_credentials, grant_refresh_token, oauth_json, token_answer, Op};
use crate::fail::TokenResult;
use aero2_core::oauth::token_request::{check_grant_allowed, TokenRequest};
use aero2_core::rate_limit::{Class, Verdict};
use worker::{Request, Response, Result};

pub async fn handle(req: Request, op: &Op<'_>) -> Result<Response> {
    token_answer(op, "token endpoint", serve(req, op).await)
}

async fn serve(mut req: Request, op: &Op<'_>) -> TokenResult<Response> {
    // Per IP before authentication (secret guessing), per client after.
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::TokenPerIp, limits::client_ip(&req)?.as_deref())? {
        return Ok(limits::too_many_json(retry_after_secs)?);
    }
    let (params, client) = clients::authenticated_form(&mut req, op).await?;
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::TokenPerClient, Some(&client.client_id))? {
        return Ok(limits::too_many_json(retry_after_secs)?);
    }
    let request = TokenRequest::parse(&params)?;
    check_grant_allowed(&client, &request)?;
    let body = match request {
        TokenRequest::AuthorizationCode { code, redirect_uri, code_verifier, resource } => {
            let verifier = code_verifier.as_ref();
            grant_authorization_code::exchange(&req, op, &client, code.secret(), &redirect_uri, verifier, resource.as_deref()).await?
        }
        TokenRequest::RefreshToken { refresh_token, scope, resource, organization } => {
            grant_refresh_token::exchange(&req, op, &client, refresh_token.secret(), scope.as_ref(), resource.as_deref(), organization.as_deref()).await?
        }
        TokenRequest::ClientCredentials { scope, resource } => {
            grant_client_credentials::exchange(op, &client, scope.as_ref(), resource.as_deref()).await?
        }
    };
    Ok(oauth_json(200, &body)?)
}

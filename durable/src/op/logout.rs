//! RP-Initiated Logout 1.0. `id_token_hint` must be an ID token we issued
//! (signature checked; expiry not, §2); `post_logout_redirect_uri` must be
//! registered, exactly, for the client the hint or `client_id` names, or the
//! user sees an error page: never an open redirect. The browser session
//! ends either way it is valid.

use super::session;
use super::{clients, form, query, signer, store, Op};
use crate::pages;
use aero2_core::jose::jws;
use aero2_core::jose::validate::validate_id_token_hint;
use aero2_core::oauth::params::{append_query, Params};
use worker::{Method, Request, Response, Result};

pub async fn handle(mut req: Request, op: &Op<'_>) -> Result<Response> {
    let params = if req.method() == Method::Post { form(&mut req).await? } else { query(&req)? };
    let Ok(params) = params else {
        return pages::error_page("Sign-out failed", "The sign-out request is malformed.", 400);
    };
    let redirect = match target(op, &params).await? {
        Ok(r) => r,
        Err(msg) => return pages::error_page("Sign-out failed", msg, 400),
    };
    if let Some(current) = session::current(&req, op)? {
        store::delete_session(&op.sql, &current.id_hash)?;
    }
    let mut resp = match redirect {
        Some(uri) => {
            let state = params.get("state").ok().flatten();
            super::see_other(&match state {
                Some(s) => append_query(&uri, &[("state", s)]),
                None => uri,
            })?
        }
        None => pages::signed_out_page(&op.app.name, None)?,
    };
    resp.headers_mut().append("set-cookie", &pages::clear_session_cookie(op.secure_cookies))?;
    Ok(resp)
}

/// Where to send the browser afterwards, if anywhere; or why the request
/// is refused.
async fn target(op: &Op<'_>, params: &Params) -> Result<std::result::Result<Option<String>, &'static str>> {
    let hinted = match params.get("id_token_hint").ok().flatten() {
        Some(hint) => {
            let Ok(parsed) = jws::parse(hint) else { return Ok(Err("The id_token_hint is not a valid ID token.")) };
            if !signer::verify(op.env, &op.app.id, op.keys, &parsed, op.now).await? {
                return Ok(Err("The id_token_hint was not issued here."));
            }
            match validate_id_token_hint(&parsed.claims, &parsed.header, &op.issuer, op.now) {
                Ok(h) => Some(h.client_id),
                Err(_) => return Ok(Err("The id_token_hint was not issued here.")),
            }
        }
        None => None,
    };
    let named = params.get("client_id").ok().flatten().map(str::to_owned);
    let client_id = match (hinted, named) {
        (Some(h), Some(n)) if h != n => return Ok(Err("client_id does not match the id_token_hint.")),
        (h, n) => h.or(n),
    };
    let Some(uri) = params.get("post_logout_redirect_uri").ok().flatten() else {
        return Ok(Ok(None));
    };
    let Some(client_id) = client_id else {
        return Ok(Err("A post_logout_redirect_uri needs an id_token_hint or client_id."));
    };
    let client = clients::find(op, &client_id).await?;
    match client.as_ref().and_then(|c| c.registered_post_logout_redirect_uri(uri)) {
        Some(registered) => Ok(Ok(Some(registered.to_owned()))),
        None => Ok(Err("The post_logout_redirect_uri is not registered for this client.")),
    }
}

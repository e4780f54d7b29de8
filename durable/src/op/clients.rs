//! Finding and authenticating the OAuth client a request names.

use super::Op;
use crate::{db, directory};
use aero2_core::oauth::client::Client;
use aero2_core::oauth::client_auth::{authenticate, client_authentication_failed, extract_client};
use aero2_core::oauth::params::Params;
use crate::fail::{Fail, TokenResult};
use worker::{Request, Result};

/// The application's client `client_id`, from the object's cache or D1.
/// A disabled client is found nowhere: it cannot authenticate, start a
/// sign-in, or have its tokens accepted.
pub async fn find(op: &Op<'_>, client_id: &str) -> Result<Option<Client>> {
    if let Some(c) = op.caches.clients.borrow_mut().get(&client_id.to_owned(), op.now) {
        return Ok(Some(c).filter(|c| !c.disabled));
    }
    if !aero2_core::oauth::client::is_client_id(client_id) {
        return Ok(None);
    }
    let since = op.caches.clients.borrow().epoch();
    let found = directory::client(&db::database(op.env)?, &op.app.id, client_id).await?;
    if let Some(c) = &found {
        op.caches.clients.borrow_mut().insert_since(client_id.to_owned(), c.clone(), op.now, since);
    }
    Ok(found.filter(|c| !c.disabled))
}

/// Authenticates the client of a token, revocation or introspection request
/// (RFC 6749 §2.3). Every failure, an unknown client included, is the same
/// `invalid_client`.
/// What went wrong is logged, never sent.
async fn authenticated(req: &Request, op: &Op<'_>, body: &Params) -> TokenResult<Client> {
    let authorization = req.headers().get("authorization")?;
    let presented = extract_client(authorization.as_deref(), body)?;
    let Some(client) = find(op, &presented.client_id).await? else {
        let detail = format!("no enabled client {}", presented.client_id);
        return Err(Fail::refused_because(client_authentication_failed(), detail));
    };
    authenticate(&presented, &client).map_err(|e| Fail::refused_because(e, format!("client {} did not authenticate", client.client_id)))?;
    Ok(client)
}

/// The form body of a client-authenticated request (token, revocation,
/// introspection) and the client it authenticates.
pub async fn authenticated_form(req: &mut Request, op: &Op<'_>) -> TokenResult<(Params, Client)> {
    let params = super::form(req).await??;
    let client = authenticated(req, op, &params).await?;
    Ok((params, client))
}

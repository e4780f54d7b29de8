//! RP-Initiated Logout 1.0. `id_token_hint` must be an ID token we issued
//! (signature checked; expiry not, §2); `post_logout_redirect_uri` must be
//! registered, exactly, for the client the hint or `client_id` names, or the
//! user sees an error page: never an open redirect.
//!
//! A browser session is ended only when the request shows the user wants
//! it (§2: without a valid hint the OP asks): a valid hint naming the
//! signed-in user, or the confirmation form's POST with its CSRF token.
//! Anything else (a bare GET any page can trigger with an `<img>`) shows
//! that form. Ending the session revokes the grants issued through it,
//! with their refresh and access tokens.

use super::with_csrf;
use super::session;
use super::{clients, signer, Op};
use crate::pages::{self, PageError, PageResult};
use aero2_core::jose::jws;
use aero2_core::jose::validate::validate_id_token_hint;
use aero2_core::oauth::params::{append_query, Params};
use aero2_core::routes::op::Via;
use worker::{Request, Response, Result};

/// Where the request may lead, once checked.
struct Target {
    /// The registered URI to send the browser to afterwards.
    redirect: Option<String>,
    /// The client, from the hint or `client_id`.
    client_id: Option<String>,
    /// The user a valid `id_token_hint` names.
    hinted_user: Option<String>,
}

pub async fn handle(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("logout", serve(req, op, via).await)
}

async fn serve(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let posted = via == Via::Form;
    let params = super::params(&mut req, via).await?.map_err(|_| refused("The sign-out request is malformed."))?;
    let target = target(op, &params).await?;
    let state = params.get("state").ok().flatten();
    let current = session::current(&req, op)?;
    if let Some(s) = &current {
        let confirmed = posted && pages::csrf_ok(&req, params.get("csrf_token").ok().flatten().unwrap_or_default())?;
        let hinted = target.hinted_user.as_deref() == Some(s.user_id.as_str());
        if !confirmed && !hinted {
            return Ok(ask(op, &target, state)?);
        }
        super::session::end(op, &s.id_hash, &s.sid()).await?;
        super::audit(op, &req, super::by_user("signout", &s.user_id).resource(format!("sessions/{}", s.sid()))).await?;
    }
    let mut resp = match target.redirect {
        Some(uri) => super::see_other(&match state {
            Some(s) => append_query(&uri, &[("state", s)]),
            None => uri,
        })?,
        None => pages::signed_out_page(&op.app.name, None)?,
    };
    resp.headers_mut().append("set-cookie", &pages::clear_session_cookie(op.secure_cookies))?;
    Ok(resp)
}

/// The confirmation form: the same request, posted by the user's click.
fn ask(op: &Op<'_>, target: &Target, state: Option<&str>) -> Result<Response> {
    let mut fields: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = &target.client_id {
        fields.push(("client_id", c));
    }
    if let Some(r) = &target.redirect {
        fields.push(("post_logout_redirect_uri", r));
    }
    if let Some(s) = state {
        fields.push(("state", s));
    }
    let title = format!("Sign out of {}?", op.app.name);
    let c = pages::Confirm {
        app_name: &op.app.name,
        title: &title,
        message: "You will be signed out of this application on this browser.",
        action: "/oauth2/logout",
        fields: &fields,
        button: "Sign out",
    };
    let mut page = with_csrf(op, |csrf| pages::confirm_page(&c, csrf))?;
    // The form's answer redirects to the client: its CSP `form-action`
    // must admit that origin (see `interaction::may_redirect_to_client`).
    if let Some(r) = &target.redirect {
        page.headers_mut().set(crate::forward::FORM_ACTION_HEADER, r)?;
    }
    Ok(page)
}

/// Checks the hint, the client and the redirect URI; or says why the
/// request is refused.
fn refused(why: &'static str) -> PageError {
    PageError::new("Sign-out failed", why, 400)
}

async fn target(op: &Op<'_>, params: &Params) -> PageResult<Target> {
    let hint = match params.get("id_token_hint").ok().flatten() {
        Some(hint) => {
            let Ok(parsed) = jws::parse(hint) else { return Err(refused("The id_token_hint is not a valid ID token.").into()) };
            if !signer::verify(op.env, op.app, &op.caches.keys, &parsed, op.now).await? {
                return Err(refused("The id_token_hint was not issued here.").into());
            }
            match validate_id_token_hint(&parsed.claims, &parsed.header, &op.issuer, op.now) {
                Ok(h) => Some(h),
                Err(_) => return Err(refused("The id_token_hint was not issued here.").into()),
            }
        }
        None => None,
    };
    let named = params.get("client_id").ok().flatten().map(str::to_owned);
    let client_id = match (hint.as_ref().map(|h| h.client_id.clone()), named) {
        (Some(h), Some(n)) if h != n => return Err(refused("client_id does not match the id_token_hint.").into()),
        (h, n) => h.or(n),
    };
    let hinted_user = hint.map(|h| h.sub);
    let Some(uri) = params.get("post_logout_redirect_uri").ok().flatten() else {
        return Ok(Target { redirect: None, client_id, hinted_user });
    };
    let Some(id) = client_id.clone() else {
        return Err(refused("A post_logout_redirect_uri needs an id_token_hint or client_id.").into());
    };
    let client = clients::find(op, &id).await?;
    match client.as_ref().and_then(|c| c.registered_post_logout_redirect_uri(uri)) {
        Some(registered) => Ok(Target { redirect: Some(registered.to_owned()), client_id, hinted_user }),
        None => Err(refused("The post_logout_redirect_uri is not registered for this client.").into()),
    }
}

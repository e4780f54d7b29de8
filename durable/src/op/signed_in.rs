//! The last step of every sign-in, once every factor the application asks
//! for is proven (`signin::finish`, or `second_factor` after its code):
//! the session starts with how the user proved who they are, the sign-in
//! is audited, and the pending authorization request resumes. Its own
//! module so that `signin` and `second_factor` both reach it without
//! reaching each other. A sign-in for one of Aero2's own pages (no client:
//! `AuthorizationRequest::hosted_page`) starts the session and goes back
//! to that page. Verified domains with automatic enrolment take effect
//! here, for every way of signing in.

use super::{authorize, clients, session, store, Op};
use crate::directory::User;
use crate::pages;
use aero2_core::oauth::authorize::AuthorizationRequest;
use worker::{Request, Response, Result};

pub const EXPIRED: &str = "This sign-in request has expired or was already used. Go back to the application and start again.";

/// Every check passed: the session starts (with how the user proved who
/// they are) and the pending request `id` resumes.
pub async fn complete(req: &Request, op: &Op<'_>, id: &str, request: &AuthorizationRequest, user: &User, amr: &[String]) -> Result<Response> {
    // A confirmed address at a verified domain with automatic enrolment:
    // a member from this sign-in on.
    super::organizations::enrol_by_domain(op, req, user).await?;
    if let Some(path) = request.hosted_page() {
        // A sign-in for one of our own pages (the security page): no
        // client, no code; the browser goes back to the page.
        let (_, cookie) = session::start(req, op, &user.id, amr)?;
        store::delete_pending(&op.sql, id)?;
        super::audit(op, req, super::by_user("signin.succeeded", &user.id).with("amr", amr.to_vec()).with("page", path)).await?;
        let mut resp = super::see_other(path)?;
        resp.headers_mut().append("set-cookie", &cookie)?;
        return Ok(resp);
    }
    let Some(client) = clients::find(op, &request.client_id).await? else {
        return pages::error_page("Sign-in expired", EXPIRED, 400);
    };
    let (current, cookie) = session::start(req, op, &user.id, amr)?;
    store::delete_pending(&op.sql, id)?;
    let event = super::by_user("signin.succeeded", &user.id).with("amr", amr.to_vec()).with("client_id", client.client_id.clone());
    super::audit(op, req, event).await?;
    authorize::proceed(req, op, request, &client, Some(current), Some(cookie)).await
}

//! The hosted pages a user meets mid-flow: sign-in, sign-up, the
//! organization picker and consent.
//! Each form is CSRF-protected (a SameSite=Strict cookie matched against a
//! hidden field) and names the pending authorization request it continues.
//! A failed sign-in says only "invalid email or password", and an unknown
//! email costs the same password-hashing work as a wrong password.

use super::authorize::{self, pending};
use super::session;
use super::signin::{self, login_form, signup_open, EXPIRED};
use super::{clients, limits, may_redirect_to_client, see_other, store, verification, with_csrf, Op};
use aero2_core::lockout::Attempt;
use aero2_core::rate_limit::{Class, Verdict};
use aero2_core::signup::{Flow, Refusal, SignupMode};
use crate::pages::{self, PageError, PageResult};
use crate::{db, directory, password};
use aero2_core::oauth::authorize::AuthorizationRequest;
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::params::Params;
use aero2_core::password::{normalize_email, NewUser};
use aero2_core::routes::op::Via;
use worker::{Request, Response, Result};


/// Which hosted page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    SignIn,
    SignUp,
    Consent,
    Organization,
}

/// A page shown (`Via::Query`) or submitted (`Via::Form`).
pub async fn handle(req: Request, op: &Op<'_>, page: Page, via: Via) -> Result<Response> {
    pages::answer("hosted page", serve(req, op, page, via).await)
}

async fn serve(mut req: Request, op: &Op<'_>, page: Page, via: Via) -> PageResult {
    let params = super::params(&mut req, via).await?.map_err(|e| PageError::new("Invalid request", e.description(), 400))?;
    let (id, request) = pending_of(op, &params)?.ok_or_else(|| PageError::new("Sign-in expired", EXPIRED, 400))?;
    if via == Via::Query {
        let shown = match page {
            Page::SignUp if !signup_open(op) => return Err(PageError::new("Sign-up is closed", Refusal::Closed.message(), 403).into()),
            Page::SignUp => with_csrf(op, |csrf| pages::signup_page(&op.app.name, &id, csrf, None, None, 200))?,
            Page::Consent => consent_form(&req, op, &id, &request).await?,
            Page::Organization => organization_form(&req, op, &id).await?,
            Page::SignIn => login_form(op, &id, request.login_hint.as_deref(), None, 200).await?,
        };
        return may_redirect_to_client(shown, &request);
    }
    let token = params.get("csrf_token").ok().flatten().unwrap_or_default();
    if !pages::csrf_ok(&req, token)? {
        return Err(PageError::new("Please try again", "Your form expired. Go back, reload the page and try again.", 403).into());
    }
    let answer = match page {
        Page::SignUp => sign_up(&req, op, &params, &id, &request).await?,
        Page::Consent => consent_decision(&req, op, &params, &id, &request).await?,
        Page::Organization => organization_choice(&req, op, &params, &id, &request).await?,
        Page::SignIn => sign_in(&req, op, &params, &id, &request).await?,
    };
    may_redirect_to_client(answer, &request)
}

fn pending_of(op: &Op<'_>, params: &Params) -> Result<Option<(String, AuthorizationRequest)>> {
    let Some(id) = params.get("request").ok().flatten() else { return Ok(None) };
    Ok(pending(op, id)?.map(|r| (id.to_owned(), r)))
}

/// In order, all before any await: the per-IP and per-identifier rate
/// limits, then the identifier's lockout (which counts this attempt). Only
/// then the user lookup and password check, which take the same time for an
/// unknown email. A success gives the attempt back.
async fn sign_in(req: &Request, op: &Op<'_>, params: &Params, id: &str, request: &AuthorizationRequest) -> Result<Response> {
    if let Some(response) = params.get("passkey").ok().flatten().filter(|p| !p.is_empty()) {
        return passkey_sign_in(req, op, response, id, request).await;
    }
    if params.get("email_signin").ok().flatten().is_some() {
        return super::email_signin::send(req, op, id, params).await;
    }
    if params.get("email_code").ok().flatten().is_some() {
        return super::email_signin::check_code(req, op, id, request, params).await;
    }
    let email = params.get("email").ok().flatten().unwrap_or_default();
    let given = params.get("password").ok().flatten().unwrap_or_default();
    let normalized = normalize_email(email).ok();
    // Unknown and malformed identifiers are limited and locked like real ones.
    let identifier = normalized.clone().unwrap_or_else(|| email.trim().to_lowercase());
    let ip = limits::client_ip(req)?;
    for (class, subject) in [(Class::SignInPerIp, ip.as_deref()), (Class::SignInPerIdentifier, Some(identifier.as_str()))] {
        if let Verdict::Limited { retry_after_secs } = limits::hit(op, class, subject)? {
            return too_many(op, id, email, retry_after_secs).await;
        }
    }
    if let (Attempt::Locked { until }, locks_now) = limits::begin_sign_in(op, &identifier)? {
        super::audit(op, req, super::signin_failed(Some(&identifier), None, "locked")).await?;
        if locks_now {
            let event = aero2_core::audit::Event::new("user.locked", "system").with("email", identifier.clone()).with("until", until.0);
            super::audit(op, req, event).await?;
        }
        return too_many(op, id, email, limits::retry_after_secs(until, op.now)).await;
    }
    let user = match &normalized {
        Some(e) => directory::user_by_email(&db::database(op.env)?, &op.app.id, e).await?,
        None => None,
    };
    let ok = password::verify_password(given, user.as_ref().and_then(|u| u.password_hash.as_deref())).await?;
    let reason = match &user {
        None => "unknown_user",
        Some(_) if !ok => "wrong_password",
        Some(u) if u.disabled => "user_disabled",
        Some(_) => "",
    };
    let known = user.as_ref().map(|u| u.id.clone());
    match user.filter(|u| ok && !u.disabled) {
        Some(user) => {
            limits::sign_in_succeeded(op, &identifier)?;
            signin::finish(req, op, id, request, &user, &aero2_core::amr::password()).await
        }
        None => {
            super::audit(op, req, super::signin_failed(Some(&identifier), known.as_deref(), reason)).await?;
            login_form(op, id, Some(email), Some("Invalid email or password."), 401).await
        }
    }
}



/// "Sign in with a passkey": the per-IP limit, then the assertion for
/// this pending request (a discoverable credential, user verification
/// required: `amr` `hwk`, `user`, `mfa`).
async fn passkey_sign_in(req: &Request, op: &Op<'_>, response: &str, id: &str, request: &AuthorizationRequest) -> Result<Response> {
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::SignInPerIp, limits::client_ip(req)?.as_deref())? {
        return too_many(op, id, "", retry_after_secs).await;
    }
    if !op.app.settings.passkey_sign_in() {
        return login_form(op, id, None, Some("Passkeys do not sign in to this application."), 403).await;
    }
    match super::passkeys::authenticate(op, super::passkeys::Purpose::SignIn, id, None, response).await? {
        Ok((user, amr)) => signin::finish(req, op, id, request, &user, &amr).await,
        Err(refusal) => {
            super::audit(op, req, super::signin_failed(None, None, refusal.reason()).with("method", "passkey")).await?;
            login_form(op, id, None, Some(&super::passkeys::sentence(refusal)), 401).await
        }
    }
}

/// 429 with `Retry-After` (RFC 6585 §4): a rate limit or a locked account,
/// worded the same so neither reveals whether the account exists.
async fn too_many(op: &Op<'_>, id: &str, email: &str, retry_after_secs: i64) -> Result<Response> {
    let message = format!("Too many attempts. Try again in {}.", limits::wait_phrase(retry_after_secs));
    let mut resp = login_form(op, id, Some(email), Some(&message), 429).await?;
    resp.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
    Ok(resp)
}

/// The hosted sign-up. In order: the per-IP limit, the form, the policy
/// (refusals create nothing), then the password hash, which every path
/// pays so timing says nothing. An address that has an account gets the
/// "check your email" page a new one gets when it must be proven, and its
/// owner a mail; a new one follows the application's flow
/// (`aero2_core::signup::Flow`).
async fn sign_up(req: &Request, op: &Op<'_>, params: &Params, id: &str, request: &AuthorizationRequest) -> Result<Response> {
    let email = params.get("email").ok().flatten().unwrap_or_default();
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::SignUpPerIp, limits::client_ip(req)?.as_deref())? {
        let message = "Too many accounts created from here. Try again later.";
        let mut resp = with_csrf(op, |csrf| pages::signup_page(&op.app.name, id, csrf, Some(email), Some(message), 429))?;
        resp.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
        return Ok(resp);
    }
    let name = params.get("name").ok().flatten().unwrap_or_default();
    let body = serde_json::json!({
        "email": email,
        "password": params.get("password").ok().flatten().unwrap_or_default(),
        "name": (!name.is_empty()).then_some(name),
    });
    let new = match NewUser::from_json(&body) {
        Ok(n) => n,
        Err(e) => {
            let msg = e.body().error_description;
            return with_csrf(op, |csrf| pages::signup_page(&op.app.name, id, csrf, Some(email), Some(&msg), 400));
        }
    };
    let policy = op.app.settings.signup.clone().unwrap_or_default();
    let db = db::database(op.env)?;
    let invited = policy.mode == SignupMode::InviteOnly && directory::invitation(&db, &op.app.id, &new.email).await?.is_some();
    if let Err(refusal) = policy.check(&new.email, invited) {
        return with_csrf(op, |csrf| pages::signup_page(&op.app.name, id, csrf, Some(email), Some(refusal.message()), 403));
    }
    let flow = op.app.settings.signup_flow();
    if flow != (Flow::AtOnce { verify: false }) {
        if let Some(page) = super::mail_unavailable_page(op)? {
            return Ok(page);
        }
    }
    let password_hash = password::hash_password(new.password.secret()).await?;
    if directory::user_by_email(&db, &op.app.id, &new.email).await?.is_some() {
        verification::tell_owner(req, op, &new.email, "create an account").await?;
        return verification::check_email(&new.email);
    }
    if flow == Flow::ProveFirst {
        let pending = verification::PendingSignup { email: new.email.clone(), name: new.name, password_hash };
        verification::send_signup_link(req, op, &pending).await?;
        return verification::check_email(&pending.email);
    }
    let account = directory::PasswordAccount { email: &new.email, email_verified: false, name: new.name.as_deref(), password_hash: &password_hash , metadata: None };
    let Some(user) = directory::insert_password_user(&db, &op.app.id, &account, op.now).await? else {
        // Taken between the lookup and now: the same answer as above.
        verification::tell_owner(req, op, &new.email, "create an account").await?;
        return verification::check_email(&new.email);
    };
    if flow == (Flow::AtOnce { verify: true }) {
        verification::send_link(req, op, &user).await?;
    }
    super::audit(op, req, super::by_user("signup", &user.id).with("method", "password")).await?;
    signin::finish(req, op, id, request, &user, &aero2_core::amr::password()).await
}

async fn consent_form(req: &Request, op: &Op<'_>, id: &str, request: &AuthorizationRequest) -> PageResult {
    if session::current(req, op)?.is_none() {
        return Ok(see_other(&format!("/login?request={id}"))?);
    }
    let Some(client) = clients::find(op, &request.client_id).await? else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let api = match &request.resource {
        Some(identifier) => super::resources::api(op, identifier).await?.ok(),
        None => None,
    };
    Ok(with_csrf(op, |csrf| pages::consent_page(&op.app.name, &client.name, &request.scope, api.as_ref(), id, csrf))?)
}

async fn consent_decision(req: &Request, op: &Op<'_>, params: &Params, id: &str, request: &AuthorizationRequest) -> PageResult {
    let Some(current) = session::current(req, op)? else {
        return Ok(see_other(&format!("/login?request={id}"))?);
    };
    let Some(client) = clients::find(op, &request.client_id).await? else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    store::delete_pending(&op.sql, id)?;
    if params.get("decision").ok().flatten() != Some("allow") {
        let denied = OAuthError::AccessDenied("the user denied the request".into());
        let location = aero2_core::oauth::authorize::error_location(&request.redirect_uri, &denied, request.state.as_deref(), &op.issuer);
        return Ok(super::see_other(&location)?);
    }
    store::put_consent(&op.sql, &current.user_id, &client.client_id, &request.scope.to_string(), op.now)?;
    Ok(authorize::proceed(req, op, request, &client, Some(current), None).await?)
}

/// The organizations the signed-in user belongs to, one button each.
async fn organization_form(req: &Request, op: &Op<'_>, id: &str) -> PageResult {
    let Some(current) = session::current(req, op)? else {
        return Ok(see_other(&format!("/login?request={id}"))?);
    };
    let offered = super::organizations::offered(op, &current.user_id).await?;
    let choice = |o: &aero2_core::organization::Organization, join: bool| pages::OrgChoice { id: o.id.clone(), name: o.name.clone(), slug: o.slug.clone(), join };
    let choices: Vec<pages::OrgChoice> = offered.member_of.iter().map(|o| choice(o, false)).chain(offered.suggested.iter().map(|o| choice(o, true))).collect();
    Ok(with_csrf(op, |csrf| pages::organization_page(&op.app.name, &choices, id, csrf))?)
}

/// The organization picked: the request goes on in it (`authorize::proceed`
/// checks again that the user belongs to it).
async fn organization_choice(req: &Request, op: &Op<'_>, params: &Params, id: &str, request: &AuthorizationRequest) -> PageResult {
    let Some(current) = session::current(req, op)? else {
        return Ok(see_other(&format!("/login?request={id}"))?);
    };
    let Some(client) = clients::find(op, &request.client_id).await? else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    // A client that does not use organizations gets none, whatever is posted.
    if let Err(e) = client.organization_usage.admits(true) {
        return Err(PageError::new("Sign-in cannot continue", e.description(), 400).into());
    }
    let picked = params.get("organization").ok().flatten().filter(|o| aero2_core::ids::is_id(aero2_core::ids::IdKind::Organization, o));
    let Some(picked) = picked else { return organization_form(req, op, id).await };
    // One their verified domain suggests: choosing it joins it.
    super::organizations::join_suggested(op, req, &current.user_id, picked).await?;
    store::delete_pending(&op.sql, id)?;
    let request = AuthorizationRequest { organization: Some(picked.to_owned()), ..request.clone() };
    Ok(authorize::proceed(req, op, &request, &client, Some(current), None).await?)
}

//! Sign-in by email instead of the password (`aero2_core::email_signin`):
//! "Email me a code" on the sign-in page mails a 6-digit code and a link
//! (`/email-link`) for the pending request, and sets a cookie naming this
//! browser. The code (typed on the "check your email" page) or the link's
//! button (its GET shows only the button) signs in once, within 10
//! minutes, from that browser only; a mail scanner that fetches the link
//! uses nothing up. The page is the same whether or not the address has
//! an account; mail is within the per-address and per-IP mail limits.
//! `amr` `["otp"]` (RFC 8176: a one-time password).

use super::signin::{self, login_form, EXPIRED};
use super::{authorize, limits, may_redirect_to_client, store, users, verification, with_csrf, Op};
use crate::directory;
use crate::mailer::Mail;
use crate::pages::{self, PageError, PageResult};
use crate::{db, rng};
use aero2_core::email_signin::{self as rules, MAX_ATTEMPTS, TTL_MS};
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::lockout::Attempt;
use aero2_core::oauth::authorize::AuthorizationRequest;
use aero2_core::oauth::params::Params;
use aero2_core::password::normalize_email;
use aero2_core::rate_limit::{Class, Verdict};
use aero2_core::routes::op::Via;
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use worker::{Request, Response, Result};

/// A pending sign-in by email, by the digest of its handle.
const PENDING: &str = "email_signin";
/// Its link, by the digest of the link's token (the payload: the handle).
const LINK: &str = "email_signin_link";
const COOKIE: &str = "aero2_email_signin";

#[derive(Serialize, Deserialize)]
struct Pending {
    request: String,
    user_id: String,
    /// The address (normalized): wrong codes count toward its sign-in
    /// lockout, as wrong passwords do.
    #[serde(default)]
    email: String,
    /// `rules::code_digest` of the code.
    code: String,
    /// `rules::browser_digest` of the cookie.
    browser: String,
    attempts: u32,
    expires_at: UnixMillis,
}

fn enabled(op: &Op<'_>) -> bool {
    op.app.settings.email_sign_in.unwrap_or(true)
}


/// "Email me a code" (`POST /login` with `email_signin`).
pub async fn send(req: &Request, op: &Op<'_>, id: &str, params: &Params) -> Result<Response> {
    if !enabled(op) {
        return login_form(op, id, None, Some("This application does not sign in by email."), 403).await;
    }
    if let Some(page) = super::mail_unavailable_page(op)? {
        return Ok(page);
    }
    let typed = params.get("email").ok().flatten().unwrap_or_default();
    let Ok(email) = normalize_email(typed) else {
        return login_form(op, id, Some(typed), Some("Enter a valid email address."), 400).await;
    };
    let handle = hex(&rng::bytes::<32>()?);
    let nonce = hex(&rng::bytes::<32>()?);
    // Over the mail limits, or for an address with no account, nothing is
    // sent and the page is the same.
    if !verification::mail_limited(op, limits::client_ip(req)?.as_deref(), &email)? {
        if let Some(user) = directory::user_by_email(&db::database(op.env)?, &op.app.id, &email).await?.filter(|u| !u.disabled) {
            let code = rules::code(&rng::bytes::<8>()?);
            let expires_at = op.now.plus_millis(TTL_MS);
            let pending = Pending {
                request: id.to_owned(),
                user_id: user.id.clone(),
                email: email.clone(),
                code: rules::code_digest(&handle, &code),
                browser: rules::browser_digest(&nonce),
                attempts: 0,
                expires_at,
            };
            store::put_single_use(&op.sql, PENDING, &sha256_hex(handle.as_bytes()), &serde_json::to_string(&pending)?, expires_at)?;
            let token = super::mint_link_token(op, "esi", LINK, &handle, TTL_MS).await?;
            let app = &op.app.name;
            let link = format!("{}/email-link?token={token}", op.issuer);
            let mail = Mail {
                recipient: email.clone(),
                subject: format!("Your sign-in code for {app}"),
                body: format!(
                    "Your code to sign in to {app}: {code}\n\nOr open this link in the browser where you asked for it:\n{link}\n\n\
                     Both work once, within 10 minutes. If you did not ask for this, ignore this email: nobody can use it from another browser.\n"
                ),
                kind: "email_signin".into(),
            };
            super::send_mail(op, &mail).await?;
            super::audit(op, req, super::by_user("signin.email_sent", &user.id)).await?;
        }
    }
    let mut page = with_csrf(op, |csrf| pages::email_code_page(&op.app.name, id, &handle, &email, csrf, None, 200))?;
    page.headers_mut().append("set-cookie", &pages::cookie(COOKIE, &nonce, "/", "Strict", TTL_MS / 1000, op.secure_cookies))?;
    Ok(page)
}

/// Why a code or link does not sign in.
enum Refused {
    Expired,
    Locked,
    OtherBrowser,
    WrongCode { left: u32 },
}

impl Refused {
    fn message(&self) -> String {
        match self {
            Refused::Expired => "This code has expired, was used, or had too many wrong tries. Ask for a new one.".to_owned(),
            Refused::OtherBrowser => "Use the code or link in the browser where you asked for it.".to_owned(),
            Refused::Locked => "Too many attempts. Try again later.".to_owned(),
            Refused::WrongCode { left } => format!("That code is not right ({left} tries left)."),
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Refused::Expired => "email_code_expired",
            Refused::OtherBrowser => "other_browser",
            Refused::Locked => "locked",
            Refused::WrongCode { .. } => "wrong_email_code",
        }
    }
}

/// The pending sign-in `handle` for this browser, if it is live.
fn pending(req: &Request, op: &Op<'_>, handle: &str) -> Result<std::result::Result<Pending, Refused>> {
    let Some(p) = store::peek_single_use(&op.sql, PENDING, &sha256_hex(handle.as_bytes()), op.now)?.and_then(|p| serde_json::from_str::<Pending>(&p).ok()) else {
        return Ok(Err(Refused::Expired));
    };
    if !rules::same_browser(pages::cookie_value(req, COOKIE)?.as_deref(), &p.browser) {
        return Ok(Err(Refused::OtherBrowser));
    }
    Ok(Ok(p))
}

/// The code from the "check your email" page (`POST /login` with
/// `email_code`).
pub async fn check_code(req: &Request, op: &Op<'_>, id: &str, request: &AuthorizationRequest, params: &Params) -> Result<Response> {
    let handle = params.get("handle").ok().flatten().unwrap_or_default().to_owned();
    let typed = params.get("email_code").ok().flatten().unwrap_or_default();
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::SignInPerIp, limits::client_ip(req)?.as_deref())? {
        let mut page = with_csrf(op, |csrf| pages::email_code_page(&op.app.name, id, &handle, "your address", csrf, Some("Too many attempts. Wait a moment."), 429))?;
        page.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
        return Ok(page);
    }
    let outcome = match pending(req, op, &handle)? {
        Ok(p) if p.request != id => Err(Refused::Expired),
        // Every try counts toward the address's lockout, shared with its
        // password: codes cannot be guessed faster than passwords.
        Ok(p) if matches!(limits::begin_sign_in(op, &p.email)?.0, Attempt::Locked { .. }) => Err(Refused::Locked),
        Ok(p) if rules::code_matches(&handle, typed, &p.code) => {
            limits::sign_in_succeeded(op, &p.email)?;
            Ok(p)
        }
        Ok(mut p) => {
            // A wrong code counts; the last allowed one ends the sign-in.
            let key = sha256_hex(handle.as_bytes());
            store::take_single_use(&op.sql, PENDING, &key, op.now)?;
            p.attempts += 1;
            if p.attempts < MAX_ATTEMPTS {
                store::put_single_use(&op.sql, PENDING, &key, &serde_json::to_string(&p)?, p.expires_at)?;
            }
            Err(Refused::WrongCode { left: MAX_ATTEMPTS.saturating_sub(p.attempts) })
        }
        Err(r) => Err(r),
    };
    match outcome {
        Ok(p) => finish(req, op, &handle, &p, request).await,
        Err(refused) => {
            super::audit(op, req, super::signin_failed(None, None, refused.reason()).with("method", "email")).await?;
            let status = match refused {
                Refused::Expired => 400,
                Refused::Locked => 429,
                _ => 401,
            };
            with_csrf(op, |csrf| pages::email_code_page(&op.app.name, id, &handle, "your address", csrf, Some(&refused.message()), status))
        }
    }
}

/// Used up here, before any await: the code and the link work once.
async fn finish(req: &Request, op: &Op<'_>, handle: &str, p: &Pending, request: &AuthorizationRequest) -> Result<Response> {
    store::take_single_use(&op.sql, PENDING, &sha256_hex(handle.as_bytes()), op.now)?;
    let Some(mut user) = users::user(op, &p.user_id).await?.filter(|u| !u.disabled) else {
        return pages::error_page("Sign-in expired", EXPIRED, 400);
    };
    // The code or link came through the mailbox: the address is proven
    // (so an application that requires confirmed addresses lets it in).
    if !user.email_verified && user.email.as_deref() == Some(p.email.as_str()) {
        directory::set_email_verified(&db::database(op.env)?, &op.app.id, &user.id, &p.email, op.now).await?;
        super::users::changed(op).await;
        super::audit(op, req, super::by_user("email.verified", &user.id).with("email", p.email.clone()).with("by", "email_signin")).await?;
        user.email_verified = true;
    }
    signin::finish(req, op, &p.request, request, &user, &["otp".to_owned()]).await
}

/// `GET /email-link?token=…` shows a button; `POST /email-link` (the
/// button, from the browser that asked) signs in.
pub async fn link(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("email link", serve_link(req, op, via).await)
}

async fn serve_link(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let params = super::page_params(&mut req, via).await?;
    let token = params.get("token").ok().flatten().unwrap_or_default().to_owned();
    let key = sha256_hex(token.as_bytes());
    let expired = || PageError::new("Link expired", "This link has expired or was already used. Ask for a new code on the sign-in page.", 400);
    let Some(handle) = store::peek_single_use(&op.sql, LINK, &key, op.now)?.and_then(|h| serde_json::from_str::<String>(&h).ok()) else {
        return Err(expired().into());
    };
    let Some(p) = store::peek_single_use(&op.sql, PENDING, &sha256_hex(handle.as_bytes()), op.now)?.and_then(|p| serde_json::from_str::<Pending>(&p).ok()) else {
        return Err(expired().into());
    };
    let Some(request) = authorize::pending(op, &p.request)? else { return Err(expired().into()) };
    if via == Via::Query {
        let message = format!("Sign in to your {} account in this browser.", op.app.name);
        let fields = [("token", token.as_str())];
        let c = pages::Confirm { app_name: &op.app.name, title: "Sign in", message: &message, action: "/email-link", fields: &fields, button: "Sign in" };
        return may_redirect_to_client(with_csrf(op, |csrf| pages::confirm_page(&c, csrf))?, &request);
    }
    if !pages::csrf_ok(&req, params.get("csrf_token").ok().flatten().unwrap_or_default())? {
        return Err(PageError::new("Please try again", "Your form expired. Open the link from your email again.", 403).into());
    }
    match pending(&req, op, &handle)? {
        Ok(p) => {
            store::take_single_use(&op.sql, LINK, &key, op.now)?;
            Ok(finish(&req, op, &handle, &p, &request).await?)
        }
        Err(refused) => {
            super::audit(op, &req, super::signin_failed(None, Some(&p.user_id), refused.reason()).with("method", "email_link")).await?;
            Err(PageError::new("Open the link where you asked for it", refused.message(), 401).into())
        }
    }
}

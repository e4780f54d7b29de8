//! Password reset, and taking an account back after its address changed.
//!
//! `/forgot` takes an address and always answers the same page, whether or
//! not an account has it: the mail is queued and sent after the response,
//! so not even timing tells. The link carries a single-use token (32 random
//! bytes, stored as its SHA-256, valid 30 minutes) for the address it was
//! sent to: once the account has another address, it stops working.
//!
//! When an account's address changes, the old address gets a link too
//! (valid 7 days) that gives the account back: it restores that address.
//!
//! `/reset` completes either: it sets a new password and, as a completed
//! reset proves the account's mailbox, marks the address verified, ends
//! every session, grant and token of the user, lifts any sign-in lockout,
//! and unlinks identity providers that never proved an address (an account
//! pre-claimed through a provider loses its way in).

use super::with_csrf;
use super::{limits, session, store, Op};
use crate::mailer::Mail;
use crate::pages::{self, PageError, PageResult};
use crate::{db, directory, idps, password};
use aero2_core::encoding::sha256_hex;
use aero2_core::password::{check_password, normalize_email};
use aero2_core::rate_limit::{Class, Verdict};
use serde::{Deserialize, Serialize};
use aero2_core::routes::op::Via;
use worker::{Request, Response, Result};

const RESET: &str = "password_reset";
const UNDO: &str = "email_change_undo";
const RESET_TTL_MS: i64 = 30 * 60_000;
const UNDO_TTL_MS: i64 = 7 * 86_400_000;
const EXPIRED: &str = "This link has expired or was already used. Ask for a new one from the sign-in page.";

#[derive(Serialize, Deserialize)]
struct ResetGrant {
    user_id: String,
    email: String,
}

#[derive(Serialize, Deserialize)]
struct UndoGrant {
    user_id: String,
    old_email: String,
    new_email: String,
}

/// What a live `/reset` link is for.
enum Link {
    Reset(ResetGrant),
    Undo(UndoGrant),
}

/// `/forgot`: the page asking for an address, and its submission.
pub async fn forgot(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("forgot", serve_forgot(req, op, via).await)
}

async fn serve_forgot(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let params = super::page_params(&mut req, via).await?;
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    match via {
        Via::Query => Ok(with_csrf(op, |csrf| pages::forgot_page(&op.app.name, &get("request"), csrf, None, 200))?),
        Via::Form if !pages::csrf_ok(&req, &get("csrf_token"))? => form_expired(),
        Via::Form => Ok(send_link(&req, op, &get("email"), &get("request")).await?),
    }
}

/// `/reset?token=…`: the new-password page of a live link, and its
/// submission.
pub async fn reset(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("reset", serve_reset(req, op, via).await)
}

async fn serve_reset(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let params = super::page_params(&mut req, via).await?;
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    match via {
        Via::Query => match live(op, &get("token"))? {
            Some(link) => Ok(with_csrf(op, |csrf| pages::reset_page(&form_for(op, &link, &get("token")), csrf, None, 200))?),
            None => Err(PageError::new("Link expired", EXPIRED, 400).into()),
        },
        Via::Form if !pages::csrf_ok(&req, &get("csrf_token"))? => form_expired(),
        Via::Form => set_password(&req, op, &get("token"), &get("password")).await,
    }
}

fn form_expired() -> PageResult {
    Err(PageError::new("Please try again", "Your form expired. Go back, reload the page and try again.", 403).into())
}

fn live(op: &Op<'_>, token: &str) -> Result<Option<Link>> {
    let key = sha256_hex(token.as_bytes());
    if let Some(g) = store::peek_single_use(&op.sql, RESET, &key, op.now)?.and_then(|p| serde_json::from_str(&p).ok()) {
        return Ok(Some(Link::Reset(g)));
    }
    Ok(store::peek_single_use(&op.sql, UNDO, &key, op.now)?.and_then(|p| serde_json::from_str(&p).ok()).map(Link::Undo))
}

/// Uses the token up (before any await: it works once).
fn take(op: &Op<'_>, token: &str) -> Result<Option<Link>> {
    let key = sha256_hex(token.as_bytes());
    if let Some(p) = store::take_single_use(&op.sql, RESET, &key, op.now)? {
        return Ok(serde_json::from_str(&p).ok().map(Link::Reset));
    }
    Ok(store::take_single_use(&op.sql, UNDO, &key, op.now)?.and_then(|p| serde_json::from_str(&p).ok()).map(Link::Undo))
}

fn form_for<'a>(op: &'a Op<'_>, link: &Link, token: &'a str) -> pages::ResetForm<'a> {
    let (heading, intro) = match link {
        Link::Reset(_) => ("Choose a new password", "You will be signed out everywhere else."),
        Link::Undo(_) => ("Take your account back", "This gives your account back the address this email came to, signs out everyone else, and sets a new password."),
    };
    pages::ResetForm { app_name: &op.app.name, heading, intro, token }
}

async fn send_link(req: &Request, op: &Op<'_>, email: &str, request: &str) -> Result<Response> {
    if let Some(page) = super::mail_unavailable_page(op)? {
        return Ok(page);
    }
    let normalized = normalize_email(email).ok();
    let identifier = normalized.clone().unwrap_or_else(|| email.trim().to_lowercase());
    let ip = limits::client_ip(req)?;
    for (class, subject) in [(Class::MailPerIp, ip.as_deref()), (Class::MailPerIdentifier, Some(identifier.as_str()))] {
        if let Verdict::Limited { retry_after_secs } = limits::hit(op, class, subject)? {
            let mut resp = with_csrf(op, |csrf| {
                pages::forgot_page(&op.app.name, request, csrf, Some("Too many requests. Try again later."), 429)
            })?;
            resp.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
            return Ok(resp);
        }
    }
    let db = db::database(op.env)?;
    let user = match &normalized {
        Some(e) => directory::user_by_email(&db, &op.app.id, e).await?,
        None => None,
    };
    if let Some((user, email)) = user.filter(|u| !u.disabled).and_then(|u| u.email.clone().map(|e| (u, e))) {
        let grant = ResetGrant { user_id: user.id, email: email.clone() };
        let token = super::mint_link_token(op, "rst", RESET, &grant, RESET_TTL_MS).await?;
        let mail = Mail {
            recipient: email,
            subject: format!("Reset your {} password", op.app.name),
            body: format!(
                "Someone asked to reset the password of your {} account.\n\n\
                 Choose a new one here (the link works once, within 30 minutes):\n{}/reset?token={token}\n\n\
                 If it was not you, ignore this email: your password stays as it is.\n",
                op.app.name, op.issuer
            ),
            kind: RESET.into(),
        };
        super::send_mail(op, &mail).await?;
    }
    pages::notice_page(
        "Check your email",
        "If an account uses that address, we sent it a link to choose a new password. The link works once, within 30 minutes.",
    )
}

/// Mails the account's old address the link that gives the account back.
pub async fn send_undo_link(op: &Op<'_>, user_id: &str, old_email: &str, new_email: &str) -> Result<()> {
    let grant = UndoGrant { user_id: user_id.to_owned(), old_email: old_email.to_owned(), new_email: new_email.to_owned() };
    let token = super::mint_link_token(op, "und", UNDO, &grant, UNDO_TTL_MS).await?;
    let mail = Mail {
        recipient: old_email.to_owned(),
        subject: format!("The email of your {} account was changed", op.app.name),
        body: format!(
            "The email address of your {app} account was changed to {new_email}.\n\n\
             If you did this, there is nothing to do. If you did not, take your account back: this link restores \
             this address, lets you choose a new password and signs out everyone else (it works once, within 7 days):\n\
             {issuer}/reset?token={token}\n",
            app = op.app.name,
            issuer = op.issuer
        ),
        kind: "email_changed".into(),
    };
    super::send_mail(op, &mail).await
}

async fn set_password(req: &Request, op: &Op<'_>, token: &str, new_password: &str) -> PageResult {
    let Some(link) = live(op, token)? else {
        return Err(PageError::new("Link expired", EXPIRED, 400).into());
    };
    if let Err(e) = check_password(new_password) {
        let msg = e.body().error_description;
        return Ok(with_csrf(op, |csrf| pages::reset_page(&form_for(op, &link, token), csrf, Some(&msg), 400))?);
    }
    let Some(link) = take(op, token)? else {
        return Err(PageError::new("Link expired", EXPIRED, 400).into());
    };
    let db = db::database(op.env)?;
    let (user_id, email, done, kind) = match link {
        Link::Reset(g) => {
            // A link for an address the account no longer uses is void.
            let current = directory::user_by_id(&db, &op.app.id, &g.user_id).await?.and_then(|u| u.email);
            if current.as_deref() != Some(g.email.as_str()) {
                return Err(PageError::new("Link expired", EXPIRED, 400).into());
            }
            (g.user_id, g.email, ("Password changed", "Sign in with your new password. You have been signed out everywhere else."), "password.reset")
        }
        Link::Undo(g) => {
            if !directory::change_email(&db, &op.app.id, &g.user_id, &g.old_email, op.now).await? {
                return Err(PageError::new("Address in use", "Another account uses this address now; the change cannot be undone.", 409).into());
            }
            (g.user_id, g.old_email, ("Account recovered", "Your account has its address back. Sign in with your new password."), "email.change_undone")
        }
    };
    session::end_all_but(op, &user_id, None, None).await?;
    store::delete_lockout(&op.sql, &email)?;
    let hash = password::hash_password(new_password).await?;
    directory::set_password(&db, &op.app.id, &user_id, &hash, op.now).await?;
    directory::set_email_verified(&db, &op.app.id, &user_id, &email, op.now).await?;
    idps::unlink_unverified(&db, &op.app.id, &user_id).await?;
    // After the writes: no shard reads the old record back in meanwhile.
    super::users::changed(op).await;
    super::audit(op, req, super::by_user(kind, &user_id).with("email", email.clone())).await?;
    Ok(pages::notice_page(done.0, done.1)?)
}

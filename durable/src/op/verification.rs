//! Links that prove an address (`/verify`): confirming an account's
//! address, finishing a sign-up that had to prove its address first, and
//! moving an account to a new address. Each is single-use, 24 hours, stored
//! as its SHA-256. The link's GET only shows a button; the POST acts, so a
//! mail scanner that fetches links uses none of them up (and confirms
//! nothing someone else started).
//!
//! With verification `required`, a user whose address is unconfirmed cannot
//! sign in: the attempt sends a fresh link instead (rate-limited per
//! address), which is how a lost link is re-sent.

use super::with_csrf;
use super::{limits, session, store, Op};
use crate::directory::{self, User};
use crate::mailer::Mail;
use crate::pages::{self, PageError, PageResult};
use crate::db;
use aero2_core::encoding::sha256_hex;
use aero2_core::rate_limit::{Class, Verdict};
use aero2_core::signup::SignupMode;
use serde::{Deserialize, Serialize};
use aero2_core::routes::op::Via;
use worker::{Request, Response, Result};

const VERIFY: &str = "email_verification";
const SIGNUP: &str = "signup";
pub const EMAIL_CHANGE: &str = "email_change";
const TTL_MS: i64 = 24 * 3_600_000;
const EXPIRED: &str = "This link has expired or was already used. Start again from the application.";

/// An existing account's address to confirm.
#[derive(Serialize, Deserialize)]
struct VerifyGrant {
    user_id: String,
    email: String,
}

/// A sign-up waiting for its address to be proven: nothing exists until
/// the link is used (`aero2_core::signup::Flow::ProveFirst`).
#[derive(Serialize, Deserialize)]
pub struct PendingSignup {
    pub email: String,
    pub name: Option<String>,
    pub password_hash: String,
}

/// A requested change of address, applied when the new address's link is
/// used. The caller's own grant and session stay; every other one ends.
#[derive(Serialize, Deserialize)]
pub struct EmailChange {
    pub user_id: String,
    pub email: String,
    pub old_email: Option<String>,
    pub keep_grant: Option<String>,
    pub keep_sid: Option<String>,
}

/// Mints a `kind` link for `payload` and mails it to `recipient`.
async fn mail_link(op: &Op<'_>, kind: &str, payload: &impl Serialize, recipient: &str, subject: String, text: impl FnOnce(&str) -> String) -> Result<()> {
    let token = super::mint_link_token(op, "vfy", kind, payload, TTL_MS).await?;
    let link = format!("{}/verify?token={token}", op.issuer);
    let mail = Mail { recipient: recipient.to_owned(), subject, body: text(&link), kind: if kind == EMAIL_CHANGE { EMAIL_CHANGE } else { VERIFY }.into() };
    super::send_mail(op, &mail).await
}

/// Whether mail to `address` from a request by `ip` is over the limits
/// (per address and per IP). Over them, the mail is silently not sent and
/// the page stays the same: nobody learns anything, and nobody can use us
/// to flood an inbox.
pub fn mail_limited(op: &Op<'_>, ip: Option<&str>, address: &str) -> Result<bool> {
    for (class, subject) in [(Class::MailPerIp, ip), (Class::MailPerIdentifier, Some(address))] {
        if matches!(limits::hit(op, class, subject)?, Verdict::Limited { .. }) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Mails `user` a confirmation link, unless this address had too many lately.
pub async fn send_link(req: &Request, op: &Op<'_>, user: &User) -> Result<()> {
    let Some(email) = user.email.clone() else { return Ok(()) };
    if mail_limited(op, limits::client_ip(req)?.as_deref(), &email)? {
        return Ok(());
    }
    let grant = VerifyGrant { user_id: user.id.clone(), email: email.clone() };
    let app = op.app.name.clone();
    mail_link(op, VERIFY, &grant, &email, format!("Confirm your email for {app}"), |link| {
        format!("Confirm this address for your {app} account (the link works once, within 24 hours):\n{link}\n\nIf you did not create an account, ignore this email.\n")
    })
    .await
}

/// Mails the link that finishes a sign-up (within the mail limits).
pub async fn send_signup_link(req: &Request, op: &Op<'_>, pending: &PendingSignup) -> Result<()> {
    if mail_limited(op, limits::client_ip(req)?.as_deref(), &pending.email)? {
        return Ok(());
    }
    let app = op.app.name.clone();
    mail_link(op, SIGNUP, pending, &pending.email, format!("Confirm your email for {app}"), |link| {
        format!(
            "Finish creating your {app} account by confirming this address (the link works once, within 24 hours):\n{link}\n\n\
             If you did not sign up, ignore this email: no account is created.\n"
        )
    })
    .await
}

/// Mails the new address the link that moves the account to it.
pub async fn send_change_link(op: &Op<'_>, change: &EmailChange) -> Result<()> {
    let app = op.app.name.clone();
    mail_link(op, EMAIL_CHANGE, change, &change.email, format!("Confirm your new email for {app}"), |link| {
        format!(
            "Confirm this as the new address of your {app} account (the link works once, within 24 hours):\n{link}\n\n\
             If you did not ask for this, ignore this email.\n"
        )
    })
    .await
}

/// Tells the owner of `email` that someone tried to use it (a sign-up, or
/// another account's change of address): the mail an attacker would have
/// learned from "this address is taken", sent where only its owner reads it.
pub async fn tell_owner(req: &Request, op: &Op<'_>, email: &str, attempted: &str) -> Result<()> {
    if super::mail_unavailable(op).is_some() || mail_limited(op, limits::client_ip(req)?.as_deref(), email)? {
        return Ok(());
    }
    let app = &op.app.name;
    let mail = Mail {
        recipient: email.to_owned(),
        subject: format!("Someone tried to use your email at {app}"),
        body: format!(
            "Someone (perhaps you) tried to {attempted} with this address at {app}. It already belongs to your account, \
             which is unchanged.\n\nIf it was you, sign in with this address (or reset your password from the sign-in page). \
             If it was not, you need not do anything.\n"
        ),
        kind: "address_in_use".into(),
    };
    super::send_mail(op, &mail).await
}

/// The page a sign-up that must prove its address ends on, whether or not
/// the address already had an account.
pub fn check_email(email: &str) -> Result<Response> {
    pages::notice_page("Check your email", &format!("We sent a link to {email}. Open it to finish creating your account."))
}

/// The page a user sees instead of being signed in while their address is
/// unconfirmed (and verification is required).
pub fn confirm_first(email: &str) -> Result<Response> {
    let resp = pages::notice_page(
        "Confirm your email",
        &format!("We sent a link to {email}. Open it to confirm your address, then sign in."),
    )?;
    Ok(resp.with_status(403))
}

/// `GET /verify?token=…` shows what the link does and a button; `POST
/// /verify` (the button) does it.
pub async fn handle(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("verify", serve(req, op, via).await)
}

async fn serve(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let params = super::page_params(&mut req, via).await?;
    let token = params.get("token").ok().flatten().unwrap_or_default().to_owned();
    let key = sha256_hex(token.as_bytes());
    if via == Via::Query {
        return show(op, &token, &key);
    }
    if !pages::csrf_ok(&req, params.get("csrf_token").ok().flatten().unwrap_or_default())? {
        return Err(PageError::new("Please try again", "Your form expired. Open the link from your email again.", 403).into());
    }
    // Used up here, before any await: a link works once.
    for kind in [VERIFY, SIGNUP, EMAIL_CHANGE] {
        if let Some(payload) = store::take_single_use(&op.sql, kind, &key, op.now)? {
            return match kind {
                VERIFY => verify(&req, op, &payload).await,
                SIGNUP => finish_signup(&req, op, &payload).await,
                _ => change(&req, op, &payload).await,
            };
        }
    }
    Err(PageError::new("Link expired", EXPIRED, 400).into())
}

fn show(op: &Op<'_>, token: &str, key: &str) -> PageResult {
    let live = |kind| store::peek_single_use(&op.sql, kind, key, op.now);
    let (title, message, button) = if let Some(g) = live(VERIFY)?.and_then(|p| serde_json::from_str::<VerifyGrant>(&p).ok()) {
        ("Confirm your email", format!("Confirm {} as the address of your {} account.", g.email, op.app.name), "Confirm")
    } else if let Some(p) = live(SIGNUP)?.and_then(|p| serde_json::from_str::<PendingSignup>(&p).ok()) {
        ("Finish creating your account", format!("Create your {} account for {}.", op.app.name, p.email), "Create account")
    } else if let Some(c) = live(EMAIL_CHANGE)?.and_then(|p| serde_json::from_str::<EmailChange>(&p).ok()) {
        ("Confirm your new email", format!("Use {} for your {} account from now on.", c.email, op.app.name), "Use this address")
    } else {
        return Err(PageError::new("Link expired", EXPIRED, 400).into());
    };
    let fields = [("token", token)];
    let c = pages::Confirm { app_name: &op.app.name, title, message: &message, action: "/verify", fields: &fields, button };
    Ok(with_csrf(op, |csrf| pages::confirm_page(&c, csrf))?)
}

async fn verify(req: &Request, op: &Op<'_>, payload: &str) -> PageResult {
    let Ok(grant) = serde_json::from_str::<VerifyGrant>(payload) else {
        return Err(PageError::new("Link expired", EXPIRED, 400).into());
    };
    directory::set_email_verified(&db::database(op.env)?, &op.app.id, &grant.user_id, &grant.email, op.now).await?;
    super::users::changed(op).await;
    super::audit(op, req, super::by_user("email.verified", &grant.user_id).with("email", grant.email.clone())).await?;
    Ok(pages::notice_page("Email confirmed", "Thank you: your address is confirmed. You can close this page and sign in.")?)
}

/// The address is proven: the account exists from now on, verified.
async fn finish_signup(req: &Request, op: &Op<'_>, payload: &str) -> PageResult {
    let Ok(p) = serde_json::from_str::<PendingSignup>(payload) else {
        return Err(PageError::new("Link expired", EXPIRED, 400).into());
    };
    let db = db::database(op.env)?;
    // The policy may have changed since (an invitation withdrawn, a domain
    // dropped): it is checked again now.
    let policy = op.app.settings.signup.clone().unwrap_or_default();
    let invited = policy.mode == SignupMode::InviteOnly && directory::invitation(&db, &op.app.id, &p.email).await?.is_some();
    if let Err(refusal) = policy.check(&p.email, invited) {
        return Err(PageError::new("Sign-up closed", refusal.message(), 403).into());
    }
    let account = directory::PasswordAccount { email: &p.email, email_verified: true, name: p.name.as_deref(), password_hash: &p.password_hash , metadata: None };
    let Some(user) = directory::insert_password_user(&db, &op.app.id, &account, op.now).await? else {
        return Err(PageError::new("Address in use", "An account already uses this address. Sign in, or reset its password.", 409).into());
    };
    super::audit(op, req, super::by_user("signup", &user.id).with("method", "password").with("email_proven", true)).await?;
    if invited {
        directory::accept_invitation(&db, &op.app.id, &p.email, op.now).await?;
    }
    Ok(pages::notice_page("Account created", &format!("Your account for {} is ready. Go back to {} and sign in.", p.email, op.app.name))?)
}

/// Moves the account to its new address, ends every other session and
/// grant, and tells the old address how to undo it.
async fn change(req: &Request, op: &Op<'_>, payload: &str) -> PageResult {
    let Ok(c) = serde_json::from_str::<EmailChange>(payload) else {
        return Err(PageError::new("Link expired", EXPIRED, 400).into());
    };
    if !directory::change_email(&db::database(op.env)?, &op.app.id, &c.user_id, &c.email, op.now).await? {
        return Err(PageError::new("Address in use", "Another account already uses this address.", 409).into());
    }
    super::users::changed(op).await;
    session::end_all_but(op, &c.user_id, c.keep_sid.as_deref(), c.keep_grant.as_deref()).await?;
    let event = super::by_user("email.changed", &c.user_id).with("from", c.old_email.clone()).with("to", c.email.clone());
    super::audit(op, req, event).await?;
    if let Some(old) = &c.old_email {
        super::recovery::send_undo_link(op, &c.user_id, old, &c.email).await?;
    }
    Ok(pages::notice_page("Email changed", "Your account now uses this address. Sign in with it from now on.")?)
}

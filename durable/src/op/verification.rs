//! Email verification. On sign-up (unless the application turned it off) a
//! single-use link (24 hours, stored as its SHA-256) confirms the address.
//! With verification `required`, a user whose address is unconfirmed cannot
//! sign in: the attempt sends a fresh link instead (rate-limited per
//! address), which is how a lost link is re-sent.

use super::{limits, query, store, Op};
use crate::directory::{self, User};
use crate::mailer::{self, Mail};
use crate::{db, pages};
use aero2_core::application::EmailVerification;
use aero2_core::encoding::sha256_hex;
use aero2_core::rate_limit::{Class, Verdict};
use serde::{Deserialize, Serialize};
use worker::{Request, Response, Result};

const KIND: &str = "email_verification";
const TTL_MS: i64 = 24 * 3_600_000;

#[derive(Serialize, Deserialize)]
struct VerifyGrant {
    user_id: String,
    email: String,
}

pub fn mode(op: &Op<'_>) -> EmailVerification {
    op.app.settings.email_verification.unwrap_or_default()
}

/// Mails `user` a confirmation link, unless this address had too many lately.
pub async fn send_link(req: &Request, op: &Op<'_>, user: &User) -> Result<()> {
    let Some(email) = user.email.clone() else { return Ok(()) };
    let ip = limits::client_ip(req)?;
    for (class, subject) in [(Class::MailPerIp, ip.as_deref()), (Class::MailPerIdentifier, Some(email.as_str()))] {
        if matches!(limits::hit(op, class, subject)?, Verdict::Limited { .. }) {
            return Ok(());
        }
    }
    let grant = VerifyGrant { user_id: user.id.clone(), email: email.clone() };
    let token = super::mint_link_token(op, "vfy", KIND, &grant, TTL_MS).await?;
    let mail = Mail {
        recipient: email,
        subject: format!("Confirm your email for {}", op.app.name),
        body: format!(
            "Confirm this address for your {} account (the link works once, within 24 hours):\n{}/verify?token={token}\n\n\
             If you did not create an account, ignore this email.\n",
            op.app.name, op.issuer
        ),
        kind: KIND.into(),
    };
    mailer::send(op.env, &db::database(op.env)?, &op.app.id, &mail, op.now).await
}

/// `GET /verify?token=…`: confirms the address the link was sent to, if it
/// is still the user's.
pub async fn handle(req: Request, op: &Op<'_>) -> Result<Response> {
    let token = query(&req)?.ok().and_then(|p| p.get("token").ok().flatten().map(str::to_owned)).unwrap_or_default();
    let key = sha256_hex(token.as_bytes());
    if let Some(change) = store::take_single_use(&op.sql, super::account::EMAIL_CHANGE, &key, op.now)?
        .and_then(|g| serde_json::from_str::<super::account::EmailChange>(&g).ok())
    {
        let db = db::database(op.env)?;
        if !directory::change_email(&db, &op.app.id, &change.user_id, &change.email, op.now).await? {
            return pages::error_page("Address in use", "Another account already uses this address.", 409);
        }
        op.users.borrow_mut().clear();
        return pages::notice_page("Email changed", "Your account now uses this address. Sign in with it from now on.");
    }
    let grant = store::take_single_use(&op.sql, KIND, &key, op.now)?.and_then(|g| serde_json::from_str::<VerifyGrant>(&g).ok());
    let Some(grant) = grant else {
        return pages::error_page("Link expired", "This confirmation link has expired or was already used. Sign in to get a new one.", 400);
    };
    directory::set_email_verified(&db::database(op.env)?, &op.app.id, &grant.user_id, &grant.email, op.now).await?;
    op.users.borrow_mut().clear();
    pages::notice_page("Email confirmed", "Thank you: your address is confirmed. You can close this page and sign in.")
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

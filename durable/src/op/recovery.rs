//! Password reset. `/forgot` takes an address and always answers the same
//! page, whether or not an account has it (the mail is the only difference,
//! and only its owner sees it). The link carries a single-use token (32
//! random bytes, stored as its SHA-256, valid 30 minutes). `/reset` sets a
//! new password; completing it ends the user's sessions, grants and refresh
//! tokens everywhere, and lifts any sign-in lockout.

use super::interaction::with_csrf;
use super::{form, limits, query, store, Op};
use crate::mailer::{self, Mail};
use crate::{db, directory, pages, password};
use aero2_core::encoding::sha256_hex;
use aero2_core::password::{check_password, normalize_email};
use aero2_core::rate_limit::{Class, Verdict};
use serde::{Deserialize, Serialize};
use worker::{Method, Request, Response, Result};

const KIND: &str = "password_reset";
const TTL_MS: i64 = 30 * 60_000;
const EXPIRED: &str = "This reset link has expired or was already used. Ask for a new one from the sign-in page.";

#[derive(Serialize, Deserialize)]
struct ResetGrant {
    user_id: String,
    email: String,
}

pub async fn handle(mut req: Request, op: &Op<'_>) -> Result<Response> {
    let path = req.path();
    let params = if req.method() == Method::Post { form(&mut req).await? } else { query(&req)? };
    let Ok(params) = params else {
        return pages::error_page("Invalid request", "The request is malformed.", 400);
    };
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    if req.method() == Method::Get {
        return match path.as_str() {
            "/reset" if live(op, &get("token"))?.is_some() => {
                with_csrf(op, |csrf| pages::reset_page(&op.app.name, &get("token"), csrf, None, 200))
            }
            "/reset" => pages::error_page("Link expired", EXPIRED, 400),
            _ => with_csrf(op, |csrf| pages::forgot_page(&op.app.name, &get("request"), csrf, None, 200)),
        };
    }
    if !pages::csrf_ok(&req, &get("csrf_token"))? {
        return pages::error_page("Please try again", "Your form expired. Go back, reload the page and try again.", 403);
    }
    match path.as_str() {
        "/reset" => reset(op, &get("token"), &get("password")).await,
        _ => forgot(&req, op, &get("email"), &get("request")).await,
    }
}

fn live(op: &Op<'_>, token: &str) -> Result<Option<String>> {
    store::peek_single_use(&op.sql, KIND, &sha256_hex(token.as_bytes()), op.now)
}

async fn forgot(req: &Request, op: &Op<'_>, email: &str, request: &str) -> Result<Response> {
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
        let token = super::mint_link_token(op, "rst", KIND, &grant, TTL_MS).await?;
        let mail = Mail {
            recipient: email,
            subject: format!("Reset your {} password", op.app.name),
            body: format!(
                "Someone asked to reset the password of your {} account.\n\n\
                 Choose a new one here (the link works once, within 30 minutes):\n{}/reset?token={token}\n\n\
                 If it was not you, ignore this email: your password stays as it is.\n",
                op.app.name, op.issuer
            ),
            kind: KIND.into(),
        };
        mailer::send(op.env, &db, &op.app.id, &mail, op.now).await?;
    }
    pages::notice_page(
        "Check your email",
        "If an account uses that address, we sent it a link to choose a new password. The link works once, within 30 minutes.",
    )
}

async fn reset(op: &Op<'_>, token: &str, new_password: &str) -> Result<Response> {
    if live(op, token)?.is_none() {
        return pages::error_page("Link expired", EXPIRED, 400);
    }
    if let Err(e) = check_password(new_password) {
        let msg = e.body().error_description;
        return with_csrf(op, |csrf| pages::reset_page(&op.app.name, token, csrf, Some(&msg), 400));
    }
    // Used up here, before any await: the link works once.
    let Some(grant) = store::take_single_use(&op.sql, KIND, &sha256_hex(token.as_bytes()), op.now)? else {
        return pages::error_page("Link expired", EXPIRED, 400);
    };
    let Ok(grant) = serde_json::from_str::<ResetGrant>(&grant) else {
        return pages::error_page("Link expired", EXPIRED, 400);
    };
    store::revoke_user_grants(&op.sql, &grant.user_id, op.now)?;
    store::delete_user_sessions(&op.sql, &grant.user_id)?;
    store::delete_lockout(&op.sql, &grant.email)?;
    op.users.borrow_mut().clear();
    let hash = password::hash_password(new_password).await?;
    directory::set_password(&db::database(op.env)?, &op.app.id, &grant.user_id, &hash, op.now).await?;
    pages::notice_page("Password changed", "Sign in with your new password. You have been signed out everywhere else.")
}

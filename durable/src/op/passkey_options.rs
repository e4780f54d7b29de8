//! `POST /passkeys/options`: the options of a passkey ceremony, for the
//! hosted pages' script (`/ui/passkey.js`). The form carries the page's
//! CSRF token and what the ceremony is for: `purpose=sign_in` with the
//! pending `request` (a passkey alone, where the application allows it),
//! or `purpose=second_factor` with the sign-in's `ticket` (one of the
//! user's passkeys, or a new one where the sign-in is adding a factor),
//! or `purpose=register`: a new passkey for the signed-in user of the
//! security page (a recent sign-in).
//! Each call costs a sign-in attempt of the caller's address.

use super::passkeys::{self, Purpose};
use super::signin::EXPIRED;
use super::{authorize, limits, oauth_json, second_factor, Op};
use crate::pages;
use aero2_core::rate_limit::{Class, Verdict};
use serde_json::json;
use worker::{Request, Response, Result};

fn refuse(status: u16, error: &str, description: &str) -> Result<Response> {
    oauth_json(status, &json!({ "error": error, "error_description": description }))
}

pub async fn handle(mut req: Request, op: &Op<'_>) -> Result<Response> {
    let params = match super::form(&mut req).await? {
        Ok(p) => p,
        Err(e) => return refuse(400, "invalid_request", e.description()),
    };
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    if !pages::csrf_ok(&req, &get("csrf_token"))? {
        return refuse(403, "invalid_request", "The form expired. Reload the page and try again.");
    }
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::SignInPerIp, limits::client_ip(&req)?.as_deref())? {
        return limits::too_many_json(retry_after_secs);
    }
    let options = match get("purpose").as_str() {
        "sign_in" if !op.app.settings.passkey_sign_in() => return refuse(403, "access_denied", "Passkeys do not sign in to this application."),
        "sign_in" => {
            let id = get("request");
            if authorize::pending(op, &id)?.is_none() {
                return refuse(400, "invalid_request", EXPIRED);
            }
            passkeys::request_options(op, Purpose::SignIn, &id, None).await?
        }
        "second_factor" => match second_factor::passkey_options(op, &get("ticket")).await? {
            Some(options) => options,
            None => return refuse(400, "invalid_request", EXPIRED),
        },
        "register" => match super::security::passkey_options(&req, op).await? {
            Some(options) => options,
            None => return refuse(401, "login_required", "Sign in again to add a passkey."),
        },
        _ => return refuse(400, "invalid_request", "purpose must be sign_in, second_factor or register"),
    };
    oauth_json(200, &options)
}

//! `/account/factors…` and `/account/recovery-codes`: the signed-in user's
//! second factors (`aero2_core::mfa`). Adding, removing and regenerating
//! need presence, like an address change (a sign-in within
//! `recent_sign_in_seconds`, or the current password in the body); every
//! change is mailed to the user. The caller's checks are `account`'s.
//!
//! | method | path | |
//! |---|---|---|
//! | GET | `/account/factors` | the factors, the recovery codes left, the application's policy |
//! | POST | `/account/factors/totp` | starts an enrolment: the secret, its `otpauth://` URI and QR code (SVG); 403 when the policy is `off` |
//! | POST | `/account/factors/{id}/confirm` | `{"code"}`: the first valid code confirms it; the first factor also returns ten recovery codes, shown once |
//! | DELETE | `/account/factors/{id}` | 409 for the last one under `required` |
//! | POST | `/account/recovery-codes` | ten new codes, the old ones void |

use super::bearer::BearerResult;
use super::{limits, sms_codes, Op};
use crate::directory::User;
use crate::{db, factors};
use aero2_core::error::ApiError;
use aero2_core::lockout::Attempt;
use aero2_core::mfa::{self, Check, Kind, Policy};
use serde_json::{json, Value};

/// The second-factor lockout's key for `user_id` (codes count like
/// passwords: the application's lockout policy).
pub fn lockout_key(user_id: &str) -> String {
    format!("mfa:{user_id}")
}

pub async fn list(op: &Op<'_>, user: &User) -> BearerResult<Value> {
    let d1 = db::database(op.env)?;
    let list = factors::list(&d1, &op.app.id, &user.id).await?;
    let left = factors::recovery_codes_left(&d1, &op.app.id, &user.id).await?;
    Ok(json!({ "factors": list, "recovery_codes_left": left, "policy": op.app.settings.mfa.unwrap_or_default() }))
}

pub async fn add_totp(op: &Op<'_>, user: &User) -> BearerResult<Value> {
    if !op.app.settings.may_add(Kind::Totp) {
        return Err(ApiError::Forbidden("this application does not offer authenticator apps").into());
    }
    let secret = crate::rng::bytes::<{ mfa::SECRET_BYTES }>()?;
    let factor = factors::add_totp(&db::database(op.env)?, op.env, &op.app.id, &user.id, &secret, op.now).await?;
    let uri = mfa::otpauth_uri(&op.app.name, user.email.as_deref().unwrap_or(&user.id), &secret);
    Ok(json!({
        "id": factor.id, "kind": "totp", "confirmed_at": null, "secret": mfa::base32(&secret),
        "otpauth_uri": uri, "qr_svg": mfa::qr_svg(&uri),
    }))
}

/// Starts a phone enrolment: the number is checked and a code texted to
/// it (`sms_codes`); the first right code confirms it.
pub async fn add_sms(op: &Op<'_>, user: &User, body: &Value) -> BearerResult<Value> {
    if !op.app.settings.may_add(Kind::Sms) {
        return Err(ApiError::Forbidden("this application does not offer codes by text message").into());
    }
    let typed = body.get("phone").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("phone", "is required"))?;
    let phone = sms_codes::allowed(op, typed).map_err(not_sent)?;
    let factor = factors::add_sms(&db::database(op.env)?, &op.app.id, &user.id, phone.as_str(), op.now).await?;
    if let Err(r) = sms_codes::send(op, &factor.id, &factor.id, &phone).await? {
        factors::remove(&db::database(op.env)?, &op.app.id, &user.id, &factor.id).await?;
        return Err(not_sent(r).into());
    }
    Ok(json!({ "id": factor.id, "kind": "sms", "phone": phone.masked(), "confirmed_at": null }))
}

/// A text that was not sent, as the API says it.
pub fn not_sent(r: sms_codes::NotSent) -> ApiError {
    match r {
        sms_codes::NotSent::Number(_) => ApiError::invalid("phone", r.message()),
        sms_codes::NotSent::Limited { retry_after_secs } => ApiError::RateLimited { what: r.message(), retry_after_secs },
        sms_codes::NotSent::NoProvider | sms_codes::NotSent::ProviderFailed => ApiError::Unavailable(r.message()),
    }
}

/// The first valid code confirms an enrolment. Wrong codes count toward
/// the second-factor lockout.
pub async fn confirm(op: &Op<'_>, user: &User, id: &str, body: &Value) -> BearerResult<Value> {
    let code = body.get("code").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("code", "is required"))?;
    let d1 = db::database(op.env)?;
    let factor = owned(op, user, id).await?;
    if factor.confirmed() {
        return Err(ApiError::Conflict { field: "id", message: "this factor is confirmed already".into() }.into());
    }
    if let (Attempt::Locked { .. }, _) = limits::begin_sign_in(op, &lockout_key(&user.id))? {
        return Err(ApiError::Forbidden("too many wrong codes; try again later").into());
    }
    if factor.kind == "sms" {
        return confirm_sms(op, user, id, code).await;
    }
    let secret = factors::secret(&d1, op.env, &op.app.id, id).await?;
    let Check::Accepted { step } = mfa::check(&secret, code, op.now, factor.last_step) else {
        return Err(ApiError::invalid("code", "is not the authenticator's current code").into());
    };
    if !factors::use_step(&d1, &op.app.id, id, step, op.now).await? {
        return Err(ApiError::invalid("code", "was used already; wait for the next one").into());
    }
    limits::sign_in_succeeded(op, &lockout_key(&user.id))?;
    let mut answer = serde_json::Map::new();
    answer.insert("id".into(), id.into());
    answer.insert("kind".into(), factor.kind.clone().into());
    answer.insert("confirmed_at".into(), op.now.0.into());
    if let Some(codes) = added(op, user, "An authenticator app was added as a second factor").await? {
        answer.insert("recovery_codes".into(), json!(codes));
    }
    Ok(Value::Object(answer))
}

async fn confirm_sms(op: &Op<'_>, user: &User, id: &str, code: &str) -> BearerResult<Value> {
    match sms_codes::check(op, id, code)? {
        sms_codes::Checked::Accepted { factor_id } if factor_id == id => {}
        sms_codes::Checked::Wrong { .. } => return Err(ApiError::invalid("code", "is not the code we texted").into()),
        _ => return Err(ApiError::invalid("code", "has expired or was used; add the phone again for a new one").into()),
    }
    factors::sms_used(&db::database(op.env)?, &op.app.id, id, op.now).await?;
    limits::sign_in_succeeded(op, &lockout_key(&user.id))?;
    let mut answer = json!({ "id": id, "kind": "sms", "confirmed_at": op.now.0 });
    if let (Some(codes), Some(obj)) = (added(op, user, "A phone number was added as a second factor").await?, answer.as_object_mut()) {
        obj.insert("recovery_codes".into(), json!(codes));
    }
    Ok(answer)
}

/// After a factor was added (`what`, for the mail): the user is told, and
/// a user without recovery codes gets ten (returned, to be shown once).
pub async fn added(op: &Op<'_>, user: &User, what: &str) -> worker::Result<Option<Vec<String>>> {
    let codes = if factors::recovery_codes_left(&db::database(op.env)?, &op.app.id, &user.id).await? == 0 {
        Some(new_recovery_codes(op, user).await?)
    } else {
        None
    };
    tell(op, user, "A second factor was added to your account", what).await?;
    Ok(codes)
}

pub async fn remove(op: &Op<'_>, user: &User, id: &str) -> BearerResult<Value> {
    let d1 = db::database(op.env)?;
    let factor = owned(op, user, id).await?;
    let confirmed = factors::confirmed_count(&d1, &op.app.id, &user.id).await?;
    if factor.confirmed() && confirmed == 1 && op.app.settings.mfa == Some(Policy::Required) {
        return Err(ApiError::Conflict { field: "id", message: "this application requires a second factor: add another one first".into() }.into());
    }
    factors::remove(&d1, &op.app.id, &user.id, id).await?;
    // A browser remembered after this factor must not skip the next one.
    super::store::forget_devices(&op.sql, &user.id)?;
    if factor.confirmed() {
        let what = match factor.kind.as_str() {
            "passkey" => "A passkey was removed from your second factors",
            "sms" => "A phone number was removed from your second factors",
            _ => "An authenticator app was removed from your second factors",
        };
        tell(op, user, "A second factor was removed from your account", what).await?;
    }
    Ok(Value::Null)
}

pub async fn regenerate(op: &Op<'_>, user: &User) -> BearerResult<Value> {
    let d1 = db::database(op.env)?;
    if factors::confirmed_count(&d1, &op.app.id, &user.id).await? == 0 {
        return Err(ApiError::Conflict { field: "recovery_codes", message: "add a second factor first".into() }.into());
    }
    let codes = new_recovery_codes(op, user).await?;
    tell(op, user, "New recovery codes for your account", "New recovery codes were made; the old ones no longer work").await?;
    Ok(json!({ "recovery_codes": codes }))
}

/// The user's factor `id`, or 404.
async fn owned(op: &Op<'_>, user: &User, id: &str) -> BearerResult<factors::Factor> {
    if !aero2_core::ids::is_id(aero2_core::ids::IdKind::Factor, id) {
        return Err(ApiError::NotFound.into());
    }
    Ok(factors::get(&db::database(op.env)?, &op.app.id, &user.id, id).await?.ok_or(ApiError::NotFound)?)
}

/// Ten fresh recovery codes (the old ones void); returned once, stored as
/// digests.
pub async fn new_recovery_codes(op: &Op<'_>, user: &User) -> worker::Result<Vec<String>> {
    let codes = mfa::recovery_codes(&crate::rng::bytes()?);
    let digests: Vec<String> = codes.iter().map(|c| mfa::recovery_digest(c)).collect();
    factors::set_recovery_codes(&db::database(op.env)?, &op.app.id, &user.id, &digests, op.now).await?;
    Ok(codes)
}

/// Mails the user about a change to their factors (skipped where this
/// deployment cannot send mail, or the user has no address).
pub async fn tell(op: &Op<'_>, user: &User, subject: &str, what: &str) -> worker::Result<()> {
    let (Some(email), None) = (user.email.as_deref(), crate::mailer::transport(op.env).err()) else { return Ok(()) };
    let app = &op.app.name;
    let mail = crate::mailer::Mail {
        recipient: email.to_owned(),
        subject: format!("{subject} at {app}"),
        body: format!("{what} at {app}.\n\nIf this was not you, sign in, change your password and review your second factors, or contact {app}.\n"),
        kind: "factor_changed".into(),
    };
    super::send_mail(op, &mail).await
}

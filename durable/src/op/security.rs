//! `/security`: the signed-in user's second factors on the hosted pages —
//! list, add an authenticator app or a passkey, remove, make new recovery
//! codes — the same rules as the account API (`account_factors`), for
//! users of applications that do not build their own screens.
//!
//! The page needs the session cookie. Without one (or with a sign-in
//! older than `recent_sign_in_seconds` for a change), the user signs in
//! first through the usual pages (`AuthorizationRequest::for_hosted_page`)
//! and comes back here. Every form is CSRF-bound; every change is audited
//! as the account API's are, and mailed to the user.

use super::account_factors::{self, added};
use super::bearer::{BearerResult, Refusal as BearerRefusal};
use super::passkeys;
use super::session::{self, Current};
use super::{limits, users, with_csrf, Op};
use aero2_core::rate_limit::{Class, Verdict};
use crate::directory::User;
use crate::fail::Fail;
use crate::pages::{self, PageError, PageResult, SecurityPage, SecurityView};
use crate::{db, factors};
use aero2_core::error::ApiError;
use aero2_core::mfa::Kind;
use aero2_core::oauth::authorize::AuthorizationRequest;
use aero2_core::routes::account::Endpoint as Account;
use aero2_core::routes::op::Via;
use serde_json::{json, Value};
use worker::{Request, Response, Result};

pub const PATH: &str = "/security";

pub async fn handle(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("security page", serve(req, op, via).await)
}

/// The signed-in user, if the session is there and theirs is usable.
async fn signed_in(req: &Request, op: &Op<'_>) -> Result<Option<(Current, User)>> {
    let Some(current) = session::current(req, op)? else { return Ok(None) };
    Ok(users::user(op, &current.user_id).await?.filter(|u| !u.disabled).map(|u| (current, u)))
}

fn recent(op: &Op<'_>, current: &Current) -> bool {
    op.now.as_secs() - current.auth_time_secs <= op.app.settings.recent_sign_in_secs()
}

/// Sign in (again), then come back here. Each parks a request, so it
/// counts as an authorization request of the caller's address.
async fn sign_in_first(req: &Request, op: &Op<'_>) -> PageResult {
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::AuthorizePerIp, limits::client_ip(req)?.as_deref())? {
        return Ok(limits::too_many_page(retry_after_secs)?);
    }
    let request = AuthorizationRequest::for_hosted_page(PATH, op.now);
    let id = super::authorize::park(op, &request).await?;
    Ok(super::see_other(&format!("/login?request={id}"))?)
}

async fn serve(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let params = super::page_params(&mut req, via).await?;
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    let Some((current, user)) = signed_in(&req, op).await? else { return sign_in_first(&req, op).await };
    if via == Via::Query {
        return Ok(show(op, &user, &SecurityView::Overview, None, None, 200).await?);
    }
    if !pages::csrf_ok(&req, &get("csrf_token"))? {
        return Err(PageError::new("Please try again", "Your form expired. Go back, reload the page and try again.", 403).into());
    }
    // Every change needs a recent sign-in, as the account API's do.
    if !recent(op, &current) {
        return sign_in_first(&req, op).await;
    }
    let passkey = get("passkey");
    let action = if passkey.is_empty() { get("action") } else { "add_passkey".to_owned() };
    let (endpoint, factor) = match action.as_str() {
        "add_totp" => (Account::AddTotp, None),
        "confirm" => (Account::ConfirmFactor, Some(get("factor"))),
        "add_sms" => (Account::AddSms, None),
        "remove" => (Account::RemoveFactor, Some(get("factor"))),
        "recovery_codes" => (Account::RecoveryCodes, None),
        "add_passkey" => (Account::ConfirmFactor, None),
        _ => return Ok(show(op, &user, &SecurityView::Overview, None, Some("Choose what to change."), 400).await?),
    };
    let done = match action.as_str() {
        "add_totp" => account_factors::add_totp(op, &user).await,
        "confirm" => account_factors::confirm(op, &user, factor.as_deref().unwrap_or_default(), &json!({ "code": get("code") })).await,
        "add_sms" => account_factors::add_sms(op, &user, &json!({ "phone": get("phone") })).await,
        "remove" => account_factors::remove(op, &user, factor.as_deref().unwrap_or_default()).await,
        "recovery_codes" => account_factors::regenerate(op, &user).await,
        _ => add_passkey(op, &current, &user, &passkey).await,
    };
    let answer = match done {
        Ok(answer) => answer,
        Err(Fail::Refused { error: BearerRefusal::Api(e), .. }) => {
            let view = match (action.as_str(), factor.as_deref()) {
                ("confirm", Some(id)) => return pending_view(op, &user, id, Some(&refusal_message(&e)), e.status()).await,
                _ => SecurityView::Overview,
            };
            return Ok(show(op, &user, &view, None, Some(&refusal_message(&e)), e.status()).await?);
        }
        Err(Fail::Refused { .. }) => return Err(PageError::new("Please try again", "Sign in again to change your second factors.", 401).into()),
        Err(Fail::Internal(detail)) => return Err(Fail::Internal(detail)),
    };
    let id = answer.get("id").and_then(Value::as_str).map(str::to_owned).or(factor);
    if let Some(kind) = aero2_core::audit::account_type(endpoint) {
        let mut event = super::by_user(kind, &user.id).with("via", "security_page");
        if let Some(id) = id.as_deref().filter(|_| !matches!(endpoint, Account::AddTotp | Account::AddSms | Account::RecoveryCodes)) {
            event = event.resource(format!("factors/{id}"));
        }
        if let Some(k) = answer.get("kind").and_then(Value::as_str) {
            event = event.with("kind", k);
        }
        super::audit(op, &req, event).await?;
    }
    let codes: Option<Vec<String>> = answer.get("recovery_codes").and_then(|c| serde_json::from_value(c.clone()).ok());
    Ok(match (action.as_str(), codes) {
        (_, Some(codes)) => show(op, &user, &SecurityView::RecoveryCodes(&codes), Some(notice(&action)), None, 200).await?,
        ("add_totp" | "add_sms", None) => pending_view(op, &user, id.as_deref().unwrap_or_default(), None, 200).await?,
        (_, None) => show(op, &user, &SecurityView::Overview, Some(notice(&action)), None, 200).await?,
    })
}

fn notice(action: &str) -> &'static str {
    match action {
        "remove" => "The second factor was removed.",
        "recovery_codes" => "New recovery codes were made; the old ones no longer work.",
        "add_passkey" => "The passkey was added.",
        "confirm" => "The second factor was added.",
        _ => "The authenticator app was added.",
    }
}

fn refusal_message(e: &ApiError) -> String {
    let text = match e {
        ApiError::InvalidField { message, .. } | ApiError::Conflict { message, .. } => message.clone(),
        ApiError::NotFound => "That second factor is not yours, or was removed already.".to_owned(),
        other => other.body().error_description,
    };
    pages::sentence(&text)
}

/// The factor being added: an authenticator app's QR code (again), or
/// the form for the code texted to a new phone; with `error`.
async fn pending_view(op: &Op<'_>, user: &User, factor_id: &str, error: Option<&str>, status: u16) -> PageResult {
    let d1 = db::database(op.env)?;
    let Some(f) = factors::get(&d1, &op.app.id, &user.id, factor_id).await?.filter(|f| !f.confirmed()) else {
        return Ok(show(op, user, &SecurityView::Overview, None, error, status).await?);
    };
    if f.kind == "sms" {
        let phone = factors::sms_phone(&d1, &op.app.id, &user.id, &f.id).await?.and_then(|p| aero2_core::sms::Phone::parse(&p).ok()).map(|p| p.masked()).unwrap_or_default();
        return Ok(show(op, user, &SecurityView::ConfirmSms { factor_id: &f.id, phone: &phone }, None, error, status).await?);
    }
    let secret = factors::secret(&d1, op.env, &op.app.id, &f.id).await?;
    let uri = aero2_core::mfa::otpauth_uri(&op.app.name, user.email.as_deref().unwrap_or(&user.id), &secret);
    let (qr, key) = (aero2_core::mfa::qr_svg(&uri), aero2_core::mfa::base32(&secret));
    Ok(show(op, user, &SecurityView::AddTotp { factor_id: &f.id, qr_svg: &qr, secret: &key }, None, error, status).await?)
}

async fn show(op: &Op<'_>, user: &User, view: &SecurityView<'_>, notice: Option<&str>, error: Option<&str>, status: u16) -> Result<Response> {
    let d1 = db::database(op.env)?;
    let listed: Vec<(String, String)> = factors::list(&d1, &op.app.id, &user.id).await?.into_iter().filter(factors::Factor::confirmed).map(|f| (f.id, f.kind)).collect();
    let left = factors::recovery_codes_left(&d1, &op.app.id, &user.id).await?;
    let may = |kind| op.app.settings.may_add(kind);
    let sms = may(Kind::Sms) && crate::sms::configured(op.env) && op.app.settings.sms_countries.as_ref().is_some_and(|c| !c.is_empty());
    with_csrf(op, |csrf| {
        let page = SecurityPage { app_name: &op.app.name, csrf, factors: &listed, recovery_codes_left: left, totp: may(Kind::Totp), passkey: may(Kind::Passkey), sms, notice, error };
        pages::security_page(&page, view, status)
    })
}

/// A new passkey from the page's "Add a passkey" ceremony (bound to this
/// session).
async fn add_passkey(op: &Op<'_>, current: &Current, user: &User, response: &str) -> BearerResult<Value> {
    if !op.app.settings.may_add(Kind::Passkey) {
        return Err(ApiError::Forbidden("this application does not offer passkeys").into());
    }
    let factor = match passkeys::register(op, &current.sid(), user, response).await? {
        Ok(f) => f,
        Err(refusal) => return Err(ApiError::invalid("passkey", passkeys::sentence(refusal)).into()),
    };
    let codes = added(op, user, "A passkey was added as a second factor").await?;
    Ok(json!({ "id": factor.id, "kind": "passkey", "recovery_codes": codes }))
}

/// Options for "Add a passkey" (`/passkeys/options`, `purpose=register`):
/// `None` unless the session's sign-in is recent and factors may be added.
pub async fn passkey_options(req: &Request, op: &Op<'_>) -> Result<Option<Value>> {
    let Some((current, user)) = signed_in(req, op).await? else { return Ok(None) };
    if !recent(op, &current) || !op.app.settings.may_add(Kind::Passkey) {
        return Ok(None);
    }
    Ok(Some(passkeys::creation_options(op, &current.sid(), &user).await?))
}

//! The second step of a sign-in (`/mfa`), between the first factor and
//! the session (`signin::finish` → [`begin`] → `signin::complete`).
//!
//! When the user has a confirmed factor, or the application requires one
//! (`aero2_core::mfa::next_step`), the first factor's result is parked as a
//! single-use ticket (10 minutes, by its digest) and the page asks for a
//! code or one of their passkeys — or, for a user who has none under
//! `required`, shows a new authenticator's QR code and asks for its first
//! code, or makes a passkey instead. A right code ends the ticket and
//! completes the sign-in with `amr` + `otp` (a passkey: `hwk`), `mfa` (and
//! `acr` `urn:aero2:acr:mfa`). Wrong codes count toward a second-factor
//! lockout (the application's lockout policy, per user); a code is
//! accepted once; a recovery code works once and is mailed about.

use super::account_factors::{lockout_key, new_recovery_codes, tell};
use super::passkeys::{self, Purpose};
use super::signed_in::{complete, EXPIRED};
use super::{authorize, limits, sms_codes, store, with_csrf, Op};
use crate::directory::User;
use crate::pages::{self, PageError, PageResult, SecondFactorForm};
use crate::{db, factors, rng};
use aero2_core::audit::Event;
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::lockout::Attempt;
use aero2_core::mfa::{self, Check, Kind, Step};
use aero2_core::routes::op::Via;
use aero2_core::sms::Phone;
use aero2_core::webauthn::Refusal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Request, Response, Result};

const TICKET: &str = "mfa";
const CONTINUE: &str = "mfa_continue";
const TICKET_TTL_MS: i64 = 10 * 60_000;

/// A sign-in waiting for its second factor.
#[derive(Serialize, Deserialize)]
struct Ticket {
    /// The pending authorization request.
    request: String,
    user_id: String,
    /// How the first factor was proven.
    amr: Vec<String>,
    /// The authenticator app being added (a first factor, and apps are
    /// offered).
    enrol: Option<String>,
    /// The sign-in is adding a first factor (an app, or a passkey).
    #[serde(default)]
    adding: bool,
}

impl Ticket {
    fn adding(&self) -> bool {
        self.adding || self.enrol.is_some()
    }
}

/// What the page shows: a challenge with what it offers, or a first
/// factor to add (with a new authenticator app's secret where apps are
/// offered).
enum Mode<'a> {
    Challenge(&'a Offers),
    Adding(Option<&'a [u8]>),
}

/// After the first factor: `Some(page)` when a second step is needed.
pub async fn begin(req: &Request, op: &Op<'_>, request_id: &str, user: &User, amr: &[String]) -> Result<Option<Response>> {
    if amr.iter().any(|a| a == "mfa") {
        return Ok(None);
    }
    let confirmed = confirmed_factors(op, user).await?;
    let step = mfa::next_step(op.app.settings.mfa.unwrap_or_default(), confirmed);
    if step == Step::Challenge && remembered(req, op, request_id, user)? {
        super::audit(op, req, super::by_user("signin.second_factor_remembered", &user.id)).await?;
        return Ok(None);
    }
    ask(req, op, request_id, user, amr, step).await
}

const DEVICE_COOKIE: &str = "aero2_device";

/// Whether this browser was remembered for `user` after a second factor
/// (`settings.mfa_remember_days`); never for `prompt=login`, which asks
/// for every factor again.
fn remembered(req: &Request, op: &Op<'_>, request_id: &str, user: &User) -> Result<bool> {
    if op.app.settings.mfa_remember_days.is_none() || authorize::pending(op, request_id)?.is_none_or(|r| r.prompt.login) {
        return Ok(false);
    }
    let Some(token) = pages::cookie_value(req, DEVICE_COOKIE)? else { return Ok(false) };
    store::device_remembered(&op.sql, &sha256_hex(token.as_bytes()), &user.id, op.now)
}

/// Remembers this browser for `user` (the box was ticked): the cookie to set.
fn remember(op: &Op<'_>, user: &User) -> Result<Option<String>> {
    let Some(days) = op.app.settings.mfa_remember_days else { return Ok(None) };
    let token = hex(&rng::bytes::<32>()?);
    let ttl_secs = i64::from(days) * 86_400;
    store::remember_device(&op.sql, &sha256_hex(token.as_bytes()), &user.id, op.now.plus_millis(ttl_secs * 1000))?;
    Ok(Some(pages::cookie(DEVICE_COOKIE, &token, "/", "Lax", ttl_secs, op.secure_cookies)))
}

/// A signed-in user whose client asked for a second factor (`acr_values`)
/// the session has not proven: `None` when the application offers none.
pub async fn step_up(req: &Request, op: &Op<'_>, request_id: &str, user: &User, amr: &[String]) -> Result<Option<Response>> {
    let confirmed = confirmed_factors(op, user).await?;
    match mfa::step_up(op.app.settings.mfa.unwrap_or_default(), confirmed) {
        Some(step) => ask(req, op, request_id, user, amr, step).await,
        None => Ok(None),
    }
}

async fn confirmed_factors(op: &Op<'_>, user: &User) -> Result<usize> {
    factors::confirmed_count(&db::database(op.env)?, &op.app.id, &user.id).await
}

/// Parks the sign-in as a ticket and shows the page `step` needs.
async fn ask(req: &Request, op: &Op<'_>, request_id: &str, user: &User, amr: &[String], step: Step) -> Result<Option<Response>> {
    let d1 = db::database(op.env)?;
    let may = |kind| op.app.settings.may_add(kind);
    let enrol = match step {
        Step::Done => return Ok(None),
        Step::Challenge => None,
        // Only apps and passkeys can be added in the middle of a sign-in.
        Step::Enrol if !may(Kind::Totp) && !may(Kind::Passkey) => {
            let why = "This application requires a second factor, and none can be added here. Contact the application.";
            return Ok(Some(pages::error_page("Two-step verification unavailable", why, 403)?));
        }
        Step::Enrol if !may(Kind::Totp) => None,
        Step::Enrol => {
            let secret = rng::bytes::<{ mfa::SECRET_BYTES }>()?;
            Some((factors::add_totp(&d1, op.env, &op.app.id, &user.id, &secret, op.now).await?.id, secret))
        }
    };
    let ticket = hex(&rng::bytes::<32>()?);
    let adding = step == Step::Enrol;
    let parked = Ticket { request: request_id.to_owned(), user_id: user.id.clone(), amr: amr.to_vec(), enrol: enrol.as_ref().map(|(id, _)| id.clone()), adding };
    store::put_single_use(&op.sql, TICKET, &sha256_hex(ticket.as_bytes()), &serde_json::to_string(&parked)?, op.now.plus_millis(TICKET_TTL_MS))?;
    crate::schema::arm_alarm_by(&op.storage, op.now.plus_millis(TICKET_TTL_MS)).await?;
    super::audit(op, req, super::by_user("signin.second_factor_asked", &user.id).with("enrol", adding)).await?;
    if adding {
        return Ok(Some(page(op, &ticket, user, &Mode::Adding(enrol.as_ref().map(|(_, s)| s.as_slice())), None, 200)?));
    }
    Ok(Some(page(op, &ticket, user, &Mode::Challenge(&offers(op, user).await?), None, 200)?))
}

/// What the challenge offers besides a code from an app: the user's
/// passkeys (for the host in use) and their phone (a texted code).
#[derive(Default)]
struct Offers {
    passkeys: bool,
    phone: Option<(String, Phone)>,
    notice: Option<String>,
}

async fn offers(op: &Op<'_>, user: &User) -> Result<Offers> {
    let d1 = db::database(op.env)?;
    let passkeys = match aero2_core::webauthn::rp_of_issuer(&op.issuer) {
        Some((rp_id, _)) => !factors::passkeys_of(&d1, &op.app.id, &user.id, &rp_id).await?.is_empty(),
        None => false,
    };
    let mut phone = None;
    if let Some(f) = factors::list(&d1, &op.app.id, &user.id).await?.into_iter().find(|f| f.kind == "sms" && f.confirmed()) {
        phone = factors::sms_phone(&d1, &op.app.id, &user.id, &f.id).await?.and_then(|p| Phone::parse(&p).ok()).map(|p| (f.id, p));
    }
    Ok(Offers { passkeys, phone, notice: None })
}

/// The options of a passkey ceremony for the sign-in `ticket` (from
/// `/passkeys/options`): a new passkey when the sign-in is adding a
/// factor, else one of the user's. `None` when the ticket is not live.
pub async fn passkey_options(op: &Op<'_>, ticket: &str) -> Result<Option<Value>> {
    let key = sha256_hex(ticket.as_bytes());
    let Some(parked) = store::peek_single_use(&op.sql, TICKET, &key, op.now)?.and_then(|p| serde_json::from_str::<Ticket>(&p).ok()) else {
        return Ok(None);
    };
    let Some(user) = super::users::user(op, &parked.user_id).await?.filter(|u| !u.disabled) else { return Ok(None) };
    Ok(match parked.adding() {
        true if !op.app.settings.may_add(Kind::Passkey) => None,
        true => Some(passkeys::creation_options(op, &key, &user).await?),
        false => Some(passkeys::request_options(op, Purpose::SecondFactor, &key, Some(&user)).await?),
    })
}

#[allow(clippy::too_many_arguments)]
fn page(op: &Op<'_>, ticket: &str, user: &User, mode: &Mode<'_>, error: Option<&str>, status: u16) -> Result<Response> {
    let with_passkey = op.app.settings.may_add(Kind::Passkey);
    match mode {
        Mode::Challenge(offers) => {
            let phone = offers.phone.as_ref().map(|(_, p)| p.masked());
            let form = SecondFactorForm::Challenge {
                passkeys: offers.passkeys,
                phone: phone.as_deref(),
                notice: offers.notice.as_deref(),
                remember_days: op.app.settings.mfa_remember_days,
            };
            with_csrf(op, |csrf| pages::second_factor_page(&op.app.name, ticket, csrf, &form, error, status))
        }
        Mode::Adding(Some(secret)) => {
            let uri = mfa::otpauth_uri(&op.app.name, user.email.as_deref().unwrap_or(&user.id), secret);
            let (qr, key) = (mfa::qr_svg(&uri), mfa::base32(secret));
            let form = SecondFactorForm::Enrol { totp: Some((&qr, &key)), passkey: with_passkey };
            with_csrf(op, |csrf| pages::second_factor_page(&op.app.name, ticket, csrf, &form, error, status))
        }
        Mode::Adding(None) => {
            let form = SecondFactorForm::Enrol { totp: None, passkey: with_passkey };
            with_csrf(op, |csrf| pages::second_factor_page(&op.app.name, ticket, csrf, &form, error, status))
        }
    }
}

pub async fn handle(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("second factor", serve(req, op, via).await)
}

async fn serve(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let params = super::page_params(&mut req, via).await?;
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    if via == Via::Form && !pages::csrf_ok(&req, &get("csrf_token"))? {
        return Err(PageError::new("Please try again", "Your form expired. Go back to the application and sign in again.", 403).into());
    }
    if via == Via::Form && !get("continue").is_empty() {
        return resume(&req, op, &get("continue")).await;
    }
    if via == Via::Query && !get("request").is_empty() && get("ticket").is_empty() {
        return begin_step_up(&req, op, &get("request")).await;
    }
    let ticket = get("ticket");
    let key = sha256_hex(ticket.as_bytes());
    let Some(parked) = store::peek_single_use(&op.sql, TICKET, &key, op.now)?.and_then(|p| serde_json::from_str::<Ticket>(&p).ok()) else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let Some(user) = super::users::user(op, &parked.user_id).await?.filter(|u| !u.disabled) else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let d1 = db::database(op.env)?;
    let enrol_secret = match &parked.enrol {
        Some(id) => Some(factors::secret(&d1, op.env, &op.app.id, id).await?),
        None => None,
    };
    let mut offers = if parked.adding() { Offers::default() } else { offers(op, &user).await? };
    if !parked.adding() && via == Via::Form && !get("send_sms").is_empty() {
        return text_a_code(&req, op, &key, &ticket, &user, &mut offers).await;
    }
    let mode = if parked.adding() { Mode::Adding(enrol_secret.as_deref()) } else { Mode::Challenge(&offers) };
    if via == Via::Query {
        return Ok(page(op, &ticket, &user, &mode, None, 200)?);
    }
    let again = |error: &str, status: u16| page(op, &ticket, &user, &mode, Some(error), status);
    if let (Attempt::Locked { until }, _) = limits::begin_sign_in(op, &lockout_key(&user.id))? {
        super::audit(op, &req, failed(&user, "locked")).await?;
        let wait = limits::retry_after_secs(until, op.now);
        let mut resp = again(&format!("Too many wrong codes. Try again in {}.", limits::wait_phrase(wait)), 429)?;
        resp.headers_mut().set("retry-after", &wait.to_string())?;
        return Ok(resp);
    }
    let passkey = get("passkey");
    let verdict = match (&parked.enrol, get("recovery_code")) {
        _ if parked.adding() && !passkey.is_empty() && !op.app.settings.may_add(Kind::Passkey) => Verdict::Failed("This application does not offer passkeys."),
        (unconfirmed, _) if parked.adding() && !passkey.is_empty() => match passkeys::register(op, &key, &user, &passkey).await? {
            Ok(_) => {
                // The passkey is the new factor: the authenticator offered
                // beside it is dropped unconfirmed.
                if let Some(id) = unconfirmed {
                    factors::remove(&d1, &op.app.id, &user.id, id).await?;
                }
                Verdict::Enrolled("passkey")
            }
            Err(refusal) => Verdict::Refused(refusal),
        },
        (None, _) if parked.adding() => Verdict::Failed("Add a passkey to continue."),
        (None, _) if !passkey.is_empty() => match passkeys::authenticate(op, Purpose::SecondFactor, &key, Some(&user.id), &passkey).await? {
            Ok(_) => Verdict::Passed("hwk"),
            Err(refusal) => Verdict::Refused(refusal),
        },
        (None, rc) if !rc.trim().is_empty() => {
            if factors::use_recovery_code(&d1, &op.app.id, &user.id, &mfa::recovery_digest(&rc), op.now).await? {
                let left = factors::recovery_codes_left(&d1, &op.app.id, &user.id).await?;
                super::audit(op, &req, super::by_user("recovery_code.used", &user.id).with("left", left)).await?;
                tell(op, &user, "A recovery code was used", "One of your recovery codes was used to sign in").await?;
                Verdict::Passed("otp")
            } else {
                Verdict::Failed("That recovery code is not right, or was used already.")
            }
        }
        (None, _) => check_factors(op, &user, &key, &get("code")).await?,
        (Some(id), _) => {
            let secret = enrol_secret.clone().unwrap_or_default();
            match mfa::check(&secret, &get("code"), op.now, None) {
                Check::Accepted { step } if factors::use_step(&d1, &op.app.id, id, step, op.now).await? => Verdict::Enrolled("totp"),
                _ => Verdict::Failed("That code is not right. Check the time on your device, and enter the code shown now."),
            }
        }
    };
    match verdict {
        Verdict::Failed(why) => {
            super::audit(op, &req, failed(&user, if parked.adding() { "wrong_enrolment_code" } else { "wrong_second_factor" })).await?;
            Ok(again(why, 401)?)
        }
        Verdict::Refused(refusal) => {
            super::audit(op, &req, failed(&user, refusal.reason()).with("method", "passkey")).await?;
            Ok(again(&passkeys::sentence(refusal), 401)?)
        }
        Verdict::Replayed => {
            super::audit(op, &req, failed(&user, "code_reused")).await?;
            Ok(again("That code was used already. Wait for the next one.", 401)?)
        }
        Verdict::Passed(method) => {
            limits::sign_in_succeeded(op, &lockout_key(&user.id))?;
            store::take_single_use(&op.sql, TICKET, &key, op.now)?;
            let amr = mfa::with_second_factor(&parked.amr, method);
            let device = if get("remember") == "1" { remember(op, &user)? } else { None };
            let mut resp = finish(&req, op, &parked.request, &user, &amr).await?;
            if let Some(cookie) = device {
                super::audit(op, &req, super::by_user("device.remembered", &user.id)).await?;
                resp.headers_mut().append("set-cookie", &cookie)?;
            }
            Ok(resp)
        }
        Verdict::Enrolled(kind) => {
            limits::sign_in_succeeded(op, &lockout_key(&user.id))?;
            store::take_single_use(&op.sql, TICKET, &key, op.now)?;
            super::audit(op, &req, super::by_user("factor.added", &user.id).with("kind", kind).with("during_sign_in", true)).await?;
            let what = if kind == "passkey" { "A passkey was added as a second factor" } else { "An authenticator app was added as a second factor" };
            tell(op, &user, "A second factor was added to your account", what).await?;
            let codes = new_recovery_codes(op, &user).await?;
            // The codes are shown once; the button finishes the sign-in.
            let next = hex(&rng::bytes::<32>()?);
            let method = if kind == "passkey" { "hwk" } else { "otp" };
            let done = Ticket { enrol: None, adding: false, amr: mfa::with_second_factor(&parked.amr, method), ..parked };
            store::put_single_use(&op.sql, CONTINUE, &sha256_hex(next.as_bytes()), &serde_json::to_string(&done)?, op.now.plus_millis(TICKET_TTL_MS))?;
            Ok(with_csrf(op, |csrf| pages::recovery_codes_page(&op.app.name, &next, csrf, &codes))?)
        }
    }
}

enum Verdict {
    /// A second factor proven, by this `amr` method.
    Passed(&'static str),
    /// A factor of this kind added (and proven).
    Enrolled(&'static str),
    Replayed,
    Failed(&'static str),
    Refused(Refusal),
}

/// "Text me a code": a code for this sign-in to the user's phone, within
/// the application's SMS limits and budget.
async fn text_a_code(req: &Request, op: &Op<'_>, key: &str, ticket: &str, user: &User, offers: &mut Offers) -> PageResult {
    let Some((factor_id, phone)) = offers.phone.clone() else {
        return Ok(page(op, ticket, user, &Mode::Challenge(offers), Some("There is no phone number on this account."), 400)?);
    };
    match sms_codes::send(op, key, &factor_id, &phone).await? {
        Ok(()) => {
            super::audit(op, req, super::by_user("sms.sent", &user.id).resource(format!("factors/{factor_id}"))).await?;
            offers.notice = Some(format!("We texted a code to {}. Enter it below.", phone.masked()));
            Ok(page(op, ticket, user, &Mode::Challenge(offers), None, 200)?)
        }
        Err(not_sent) => {
            super::audit(op, req, super::by_user("sms.not_sent", &user.id).with("reason", not_sent.reason())).await?;
            let (status, wait) = match not_sent {
                sms_codes::NotSent::Limited { retry_after_secs } => (429, Some(retry_after_secs)),
                _ => (503, None),
            };
            let mut resp = page(op, ticket, user, &Mode::Challenge(offers), Some(&pages::sentence(not_sent.message())), status)?;
            if let Some(w) = wait {
                resp.headers_mut().set("retry-after", &w.to_string())?;
            }
            Ok(resp)
        }
    }
}

/// A code against each of the user's confirmed authenticator apps (the
/// step it matched is used up: a replay of it fails), then against a code
/// texted for this sign-in (`ticket_key`).
async fn check_factors(op: &Op<'_>, user: &User, ticket_key: &str, code: &str) -> Result<Verdict> {
    let d1 = db::database(op.env)?;
    let mut replayed = false;
    for f in factors::list(&d1, &op.app.id, &user.id).await?.into_iter().filter(|f| f.confirmed() && f.kind == "totp") {
        let secret = factors::secret(&d1, op.env, &op.app.id, &f.id).await?;
        match mfa::check(&secret, code, op.now, f.last_step) {
            Check::Accepted { step } if factors::use_step(&d1, &op.app.id, &f.id, step, op.now).await? => return Ok(Verdict::Passed("otp")),
            Check::Accepted { .. } | Check::Replayed => replayed = true,
            Check::Wrong => {}
        }
    }
    if replayed {
        return Ok(Verdict::Replayed);
    }
    Ok(match sms_codes::check(op, ticket_key, code)? {
        sms_codes::Checked::Accepted { factor_id } => {
            factors::sms_used(&d1, &op.app.id, &factor_id, op.now).await?;
            Verdict::Passed("sms")
        }
        _ => Verdict::Failed("That code is not right."),
    })
}

fn failed(user: &User, reason: &str) -> Event {
    super::signin_failed(user.email.as_deref(), Some(&user.id), reason).with("step", "second_factor")
}

/// `/mfa?request=…` from the authorization endpoint: the signed-in user's
/// client asked for a second factor (`acr_values`) the session has not
/// proven. Without a session, sign in first; where the application offers
/// no second factor, `access_denied` goes back to the client.
async fn begin_step_up(req: &Request, op: &Op<'_>, request_id: &str) -> PageResult {
    let Some(request) = authorize::pending(op, request_id)? else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let Some(current) = super::session::current(req, op)? else {
        return Ok(super::see_other(&format!("/login?request={request_id}"))?);
    };
    let Some(user) = super::users::user(op, &current.user_id).await?.filter(|u| !u.disabled) else {
        return Ok(super::see_other(&format!("/login?request={request_id}"))?);
    };
    // Adding a first factor binds the account to whoever holds the new
    // authenticator: only a recent sign-in may do it, not an old session
    // (a stolen cookie). Sign in again, then come back here.
    let recent = op.now.as_secs() - current.auth_time_secs <= op.app.settings.recent_sign_in_secs();
    if !recent && confirmed_factors(op, &user).await? == 0 {
        return Ok(super::see_other(&format!("/login?request={request_id}"))?);
    }
    match step_up(req, op, request_id, &user, &current.auth().amr).await? {
        Some(page) => Ok(page),
        None => {
            store::delete_pending(&op.sql, request_id)?;
            let refused = aero2_core::oauth::error::OAuthError::AccessDenied("this application does not offer the second factor the client asked for".into());
            let location = aero2_core::oauth::authorize::error_location(&request.redirect_uri, &refused, request.state.as_deref(), &op.issuer);
            Ok(super::see_other(&location)?)
        }
    }
}

/// The recovery codes were shown: finish the sign-in.
async fn resume(req: &Request, op: &Op<'_>, token: &str) -> PageResult {
    let Some(parked) = store::take_single_use(&op.sql, CONTINUE, &sha256_hex(token.as_bytes()), op.now)?.and_then(|p| serde_json::from_str::<Ticket>(&p).ok()) else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let Some(user) = super::users::user(op, &parked.user_id).await?.filter(|u| !u.disabled) else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    // The ticket's `amr` already has the factor added.
    finish(req, op, &parked.request, &user, &parked.amr).await
}

async fn finish(req: &Request, op: &Op<'_>, request_id: &str, user: &User, amr: &[String]) -> PageResult {
    let Some(request) = authorize::pending(op, request_id)? else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    Ok(complete(req, op, request_id, &request, user, amr).await?)
}

//! The signed-in user's own account (`/account/…`), authorized by an access
//! token issued for it (RFC 6750 Bearer): the `account` scope and the
//! account API's audience, from a first-party client that still exists and
//! is enabled (`aero2_core::account::check_account_token`). Any other token
//! of the application is refused with `insufficient_scope`.
//!
//! | method | path | |
//! |---|---|---|
//! | GET, PATCH | `/account/profile` | name, picture |
//! | POST | `/account/email` | needs presence (the current password, or a recent sign-in); mails a confirmation link to the new address, which applies the change, ends every other session and grant, and tells the old address how to undo it |
//! | POST | `/account/password` | needs the current password (counted by the lockout); ends every other session and grant |
//! | GET, DELETE | `/account/sessions` | list (user agent, IP, times; `current`), or end all others |
//! | DELETE | `/account/sessions/{sid}` | end one, and the grants issued through it |
//! | GET | `/account/identities` | the identity providers linked to the account |
//! | DELETE | `/account/identities/{id}` | unlink one; 409 if it is the last way to sign in |

use super::account_token::{authenticate, body, Caller};
use super::bearer::{self, refuse, BearerResult, Challenge};
use super::session::sid_of;
use super::{account_factors, limits, session, store, verification, Op};
use crate::directory::{self, User};
use crate::{db, password, respond};
use aero2_core::account::{parse_email_change, presence, PasswordChange, Presence, ProfilePatch};
use aero2_core::error::ApiError;
use aero2_core::lockout::Attempt;
use aero2_core::oauth::error::OAuthError;
use serde_json::{json, Value};
use aero2_core::routes::account::Endpoint;
use worker::{Request, Response, Result};

/// Serves `endpoint`; `param` is the path's `{sid}` or `{id}`.
pub async fn handle(req: Request, op: &Op<'_>, endpoint: Endpoint, param: &str) -> Result<Response> {
    bearer::answer(op, "account API", serve(req, op, endpoint, param).await)
}

async fn serve(mut req: Request, op: &Op<'_>, endpoint: Endpoint, param: &str) -> BearerResult<Response> {
    let caller = authenticate(&mut req, op).await?;
    let user_id = caller.user.id.clone();
    let answer = match endpoint {
        Endpoint::Profile => profile_json(&caller.user),
        Endpoint::UpdateProfile => update_profile(&mut req, op, caller.user).await?,
        Endpoint::ChangeEmail => change_email(&mut req, op, &caller).await?,
        Endpoint::ChangePassword => change_password(&mut req, op, &caller).await?,
        Endpoint::Sessions => sessions(op, &caller)?,
        Endpoint::EndOtherSessions => {
            end_others(op, &caller).await?;
            Value::Null
        }
        Endpoint::EndSession => end_one(op, &caller, param).await?,
        Endpoint::Identities => identities(op, &caller.user).await?,
        Endpoint::Unlink => unlink(op, &caller.user, param).await?,
        Endpoint::Factors => account_factors::list(op, &caller.user).await?,
        Endpoint::AddTotp => {
            prove_presence(op, &caller, &optional_body(&mut req).await?, "adding a second factor").await?;
            account_factors::add_totp(op, &caller.user).await?
        }
        Endpoint::AddSms => {
            let body = optional_body(&mut req).await?;
            prove_presence(op, &caller, &body, "adding a second factor").await?;
            account_factors::add_sms(op, &caller.user, &body).await?
        }
        Endpoint::ConfirmFactor => account_factors::confirm(op, &caller.user, param, &body(&mut req).await?).await?,
        Endpoint::RemoveFactor => {
            prove_presence(op, &caller, &optional_body(&mut req).await?, "removing a second factor").await?;
            account_factors::remove(op, &caller.user, param).await?
        }
        Endpoint::RecoveryCodes => {
            prove_presence(op, &caller, &optional_body(&mut req).await?, "making new recovery codes").await?;
            account_factors::regenerate(op, &caller.user).await?
        }
        // Served by `org_admin` (`op::serve_account`).
        Endpoint::MyOrganizations
        | Endpoint::OrgMembers
        | Endpoint::OrgUpdateMember
        | Endpoint::OrgRemoveMember
        | Endpoint::OrgInvitations
        | Endpoint::OrgInvite
        | Endpoint::OrgRevokeInvitation
        | Endpoint::OrgAudit => return Err(ApiError::NotFound.into()),
    };
    if let Some(kind) = aero2_core::audit::account_type(endpoint) {
        let mut event = super::by_user(kind, &user_id);
        let collection = match endpoint {
            Endpoint::Unlink => "identities",
            Endpoint::ConfirmFactor | Endpoint::RemoveFactor => "factors",
            _ => "sessions",
        };
        if !param.is_empty() {
            event = event.resource(format!("{collection}/{param}"));
        }
        super::audit(op, &req, event).await?;
    }
    Ok(match answer {
        Value::Null => respond::no_content()?,
        body => respond::json(200, &body)?,
    })
}

fn profile_json(u: &User) -> Value {
    json!({ "sub": u.id, "email": u.email, "email_verified": u.email_verified, "name": u.name, "picture": u.picture })
}


/// A JSON body that may be absent (`{}`).
async fn optional_body(req: &mut Request) -> BearerResult<Value> {
    let bytes = req.bytes().await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    Ok(serde_json::from_slice(&bytes).map_err(|_| ApiError::InvalidBody("body must be valid JSON".into()))?)
}

/// A sensitive change needs the user present: a sign-in within
/// `recent_sign_in_seconds`, or the current password (`current_password`
/// in `body`, checked by the lockout).
async fn prove_presence(op: &Op<'_>, caller: &Caller, body: &Value, what: &str) -> BearerResult<()> {
    let given = match body.get("current_password") {
        None => None,
        Some(v) => Some(v.as_str().ok_or_else(|| ApiError::invalid("current_password", "must be a string"))?),
    };
    let max_age = op.app.settings.recent_sign_in_secs();
    match presence(caller.auth_time, op.now, max_age, given.is_some()) {
        Presence::Proven => Ok(()),
        Presence::CheckPassword => check_current_password(op, &caller.user, given.unwrap_or_default()).await,
        Presence::Required => {
            let e = OAuthError::InsufficientUserAuthentication(format!("{what} needs the current password or a sign-in within the last {max_age} seconds"));
            Err(refuse(e, Challenge { scope: None, max_age: Some(max_age) }))
        }
    }
}

async fn update_profile(req: &mut Request, op: &Op<'_>, mut user: User) -> BearerResult<Value> {
    let patch = ProfilePatch::from_json(&body(req).await?)?;
    if let Some(name) = patch.name {
        user.name = Some(name);
    }
    if let Some(picture) = patch.picture {
        user.picture = picture;
    }
    user.updated_at = op.now.0;
    directory::update_profile(&db::database(op.env)?, &user).await?;
    super::users::changed(op).await;
    Ok(profile_json(&user))
}

/// Mails a confirmation link to the new address; nothing changes until it
/// is used (then `/verify` moves the account to it). The caller proves
/// presence first. An address another account has gets the same answer,
/// and its owner a mail instead of a link.
async fn change_email(req: &mut Request, op: &Op<'_>, caller: &Caller) -> BearerResult<Value> {
    let change = parse_email_change(&body(req).await?)?;
    if let Some(e) = super::mail_unavailable(op) {
        return Err(e.into());
    }
    let max_age = op.app.settings.recent_sign_in_secs();
    match presence(caller.auth_time, op.now, max_age, change.current_password.is_some()) {
        Presence::Proven => {}
        Presence::CheckPassword => {
            check_current_password(op, &caller.user, change.current_password.as_ref().map(|p| p.secret()).unwrap_or_default()).await?;
        }
        Presence::Required => {
            let e = OAuthError::InsufficientUserAuthentication(format!(
                "changing the address needs the current password or a sign-in within the last {max_age} seconds"
            ));
            return Err(refuse(e, Challenge { scope: None, max_age: Some(max_age) }));
        }
    }
    if caller.user.email.as_deref() == Some(change.email.as_str()) {
        return Err(ApiError::invalid("email", "is already the account's address").into());
    }
    if matches!(limits::hit(op, aero2_core::rate_limit::Class::MailPerIdentifier, Some(&caller.user.id))?, aero2_core::rate_limit::Verdict::Limited { .. }) {
        return Err(ApiError::Forbidden("too many address changes; try again later").into());
    }
    if directory::user_by_email(&db::database(op.env)?, &op.app.id, &change.email).await?.is_some() {
        verification::tell_owner(req, op, &change.email, "move another account to this address").await?;
    } else {
        let pending = verification::EmailChange {
            user_id: caller.user.id.clone(),
            email: change.email.clone(),
            old_email: caller.user.email.clone(),
            keep_grant: caller.grant_id.clone(),
            keep_sid: current_sid(caller),
        };
        verification::send_change_link(op, &pending).await?;
    }
    Ok(json!({ "pending_email": change.email }))
}

/// The caller's current password, checked under the sign-in lockout.
async fn check_current_password(op: &Op<'_>, user: &User, given: &str) -> BearerResult<()> {
    let identifier = user.email.clone().unwrap_or_else(|| user.id.clone());
    if let (Attempt::Locked { .. }, _) = limits::begin_sign_in(op, &identifier)? {
        return Err(ApiError::Forbidden("too many wrong passwords; try again later").into());
    }
    if !password::verify_password(given, user.password_hash.as_deref()).await? {
        return Err(ApiError::Forbidden("the current password is wrong").into());
    }
    limits::sign_in_succeeded(op, &identifier)?;
    Ok(())
}

async fn change_password(req: &mut Request, op: &Op<'_>, caller: &Caller) -> BearerResult<Value> {
    let change = PasswordChange::from_json(&body(req).await?)?;
    check_current_password(op, &caller.user, change.current.secret()).await?;
    let hash = password::hash_password(change.new.secret()).await?;
    directory::set_password(&db::database(op.env)?, &op.app.id, &caller.user.id, &hash, op.now).await?;
    super::users::changed(op).await;
    end_others(op, caller).await?;
    Ok(Value::Null)
}

/// The session a caller's token came from, by its public `sid`.
fn current_sid(caller: &Caller) -> Option<String> {
    caller.sid.clone()
}

fn sessions(op: &Op<'_>, caller: &Caller) -> Result<Value> {
    let current = current_sid(caller);
    session::sessions_json(&op.sql, &caller.user.id, op.now, current.as_deref())
}

/// The user's linked identities, with the provider each belongs to.
async fn identities(op: &Op<'_>, user: &User) -> Result<Value> {
    let providers = super::providers::all(op).await?;
    let list: Vec<Value> = crate::idps::identities_of(&db::database(op.env)?, &op.app.id, &user.id)
        .await?
        .iter()
        .map(|i| crate::idps::identity_json(i, &providers))
        .collect();
    Ok(json!({ "identities": list, "has_password": user.password_hash.is_some() }))
}

/// Unlinks one identity, unless nothing else would let the user sign in.
async fn unlink(op: &Op<'_>, user: &User, id: &str) -> BearerResult<Value> {
    if !aero2_core::ids::is_id(aero2_core::ids::IdKind::Identity, id) {
        return Err(ApiError::NotFound.into());
    }
    match crate::idps::unlink(&db::database(op.env)?, &op.app.id, &user.id, id).await? {
        None => Err(ApiError::NotFound.into()),
        Some(true) => Ok(Value::Null),
        Some(false) => Err(ApiError::Conflict {
            field: "id",
            message: "this is the account's last way to sign in; set a password or link another provider first".into(),
        }
        .into()),
    }
}

async fn end_one(op: &Op<'_>, caller: &Caller, sid: &str) -> BearerResult<Value> {
    let Some(row) = store::user_sessions(&op.sql, &caller.user.id, op.now)?.into_iter().find(|s| sid_of(&s.id) == sid) else {
        return Err(ApiError::NotFound.into());
    };
    session::end(op, &row.id, sid).await?;
    Ok(Value::Null)
}

/// Ends every session and grant of the user except the caller's own.
async fn end_others(op: &Op<'_>, caller: &Caller) -> Result<()> {
    let current = current_sid(caller);
    session::end_all_but(op, &caller.user.id, current.as_deref(), caller.grant_id.as_deref()).await
}

//! The signed-in user's own account (`/account/…`), authorized by one of
//! their access tokens (RFC 6750 Bearer; a client's own token is refused):
//!
//! | method | path | |
//! |---|---|---|
//! | GET, PATCH | `/account/profile` | name, picture |
//! | POST | `/account/email` | mails a confirmation link to the new address; the change applies when it is opened |
//! | POST | `/account/password` | needs the current password (counted by the lockout); ends every other session and grant |
//! | GET, DELETE | `/account/sessions` | list (user agent, IP, times; `current`), or end all others |
//! | DELETE | `/account/sessions/{sid}` | end one, and the grants issued through it |
//! | GET | `/account/identities` | the identity providers linked to the account |
//! | DELETE | `/account/identities/{id}` | unlink one; 409 if it is the last way to sign in |

use super::userinfo::{bearer_error, bearer_token};
use super::session::sid_of;
use super::{access, limits, store, Op};
use crate::directory::{self, User};
use crate::mailer::{self, Mail};
use crate::{db, password, respond};
use aero2_core::account::{parse_email_change, PasswordChange, ProfilePatch};
use aero2_core::error::ApiError;
use aero2_core::lockout::Attempt;
use aero2_core::oauth::error::OAuthError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{Method, Request, Response, Result};

pub const EMAIL_CHANGE: &str = "email_change";
const EMAIL_CHANGE_TTL_MS: i64 = 24 * 3_600_000;

#[derive(Serialize, Deserialize)]
pub struct EmailChange {
    pub user_id: String,
    pub email: String,
}

/// Who is calling: the user, and the grant their token belongs to.
struct Caller {
    user: User,
    grant_id: Option<String>,
}

pub async fn handle(mut req: Request, op: &Op<'_>) -> Result<Response> {
    let caller = match authenticate(&mut req, op).await? {
        Ok(c) => c,
        Err(resp) => return Ok(resp),
    };
    let path = req.path();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let outcome = match (segments.as_slice(), req.method()) {
        (["account", "profile"], Method::Get) => Ok(profile_json(&caller.user)),
        (["account", "profile"], Method::Patch) => update_profile(&mut req, op, caller.user).await?,
        (["account", "email"], Method::Post) => change_email(&mut req, op, &caller.user).await?,
        (["account", "password"], Method::Post) => change_password(&mut req, op, &caller).await?,
        (["account", "sessions"], Method::Get) => Ok(sessions(op, &caller)?),
        (["account", "sessions"], Method::Delete) => {
            end_others(op, &caller)?;
            Ok(Value::Null)
        }
        (["account", "sessions", sid], Method::Delete) => end_one(op, &caller, sid)?,
        (["account", "identities"], Method::Get) => Ok(identities(op, &caller.user).await?),
        (["account", "identities", id], Method::Delete) => unlink(op, &caller.user, id).await?,
        (["account", "profile" | "email" | "password" | "sessions" | "identities"] | ["account", "sessions" | "identities", _], _) => {
            Err(ApiError::MethodNotAllowed)
        }
        _ => Err(ApiError::NotFound),
    };
    match outcome {
        Ok(Value::Null) => respond::no_content(),
        Ok(body) => respond::json(200, &body),
        Err(e) => respond::error(&e),
    }
}

async fn authenticate(req: &mut Request, op: &Op<'_>) -> Result<std::result::Result<Caller, Response>> {
    let token = match bearer_token(req).await? {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(Err(bearer_error(op, None)?)),
        Err(e) => return Ok(Err(bearer_error(op, Some(&e))?)),
    };
    let claims = match access::verify(op, &token).await? {
        Ok(c) => c,
        Err(e) => return Ok(Err(bearer_error(op, Some(&e))?)),
    };
    if claims.sub == claims.client_id {
        let e = OAuthError::InsufficientScope("a client's own token has no account".into());
        return Ok(Err(bearer_error(op, Some(&e))?));
    }
    let Some(user) = super::users::user(op, &claims.sub).await?.filter(|u| !u.disabled) else {
        return Ok(Err(bearer_error(op, Some(&OAuthError::InvalidToken("the user no longer exists".into())))?));
    };
    Ok(Ok(Caller { user, grant_id: store::access_token_grant(&op.sql, &claims.jti)? }))
}

fn profile_json(u: &User) -> Value {
    json!({ "sub": u.id, "email": u.email, "email_verified": u.email_verified, "name": u.name, "picture": u.picture })
}

async fn body(req: &mut Request) -> Result<std::result::Result<Value, ApiError>> {
    let bytes = req.bytes().await?;
    Ok(serde_json::from_slice(&bytes).map_err(|_| ApiError::InvalidBody("body must be valid JSON".into())))
}

async fn update_profile(req: &mut Request, op: &Op<'_>, mut user: User) -> Result<std::result::Result<Value, ApiError>> {
    let patch = match body(req).await?.and_then(|b| ProfilePatch::from_json(&b)) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(name) = patch.name {
        user.name = Some(name);
    }
    if let Some(picture) = patch.picture {
        user.picture = picture;
    }
    user.updated_at = op.now.0;
    directory::update_profile(&db::database(op.env)?, &user).await?;
    op.users.borrow_mut().clear();
    Ok(Ok(profile_json(&user)))
}

/// Mails a confirmation link to the new address; nothing changes until it
/// is opened (then `/verify` moves the account to it).
async fn change_email(req: &mut Request, op: &Op<'_>, user: &User) -> Result<std::result::Result<Value, ApiError>> {
    let email = match body(req).await?.and_then(|b| parse_email_change(&b)) {
        Ok(e) => e,
        Err(e) => return Ok(Err(e)),
    };
    if matches!(limits::hit(op, aero2_core::rate_limit::Class::MailPerIdentifier, Some(&user.id))?, aero2_core::rate_limit::Verdict::Limited { .. }) {
        return Ok(Err(ApiError::Forbidden("too many address changes; try again later")));
    }
    let grant = EmailChange { user_id: user.id.clone(), email: email.clone() };
    let token = super::mint_link_token(op, "vfy", EMAIL_CHANGE, &grant, EMAIL_CHANGE_TTL_MS).await?;
    let mail = Mail {
        recipient: email.clone(),
        subject: format!("Confirm your new email for {}", op.app.name),
        body: format!(
            "Confirm this as the new address of your {} account (the link works once, within 24 hours):\n{}/verify?token={token}\n\n\
             If you did not ask for this, ignore this email.\n",
            op.app.name, op.issuer
        ),
        kind: EMAIL_CHANGE.into(),
    };
    mailer::send(op.env, &db::database(op.env)?, &op.app.id, &mail, op.now).await?;
    Ok(Ok(json!({ "pending_email": email })))
}

async fn change_password(req: &mut Request, op: &Op<'_>, caller: &Caller) -> Result<std::result::Result<Value, ApiError>> {
    let change = match body(req).await?.and_then(|b| PasswordChange::from_json(&b)) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let identifier = caller.user.email.clone().unwrap_or_else(|| caller.user.id.clone());
    if let Attempt::Locked { .. } = limits::begin_sign_in(op, &identifier)? {
        return Ok(Err(ApiError::Forbidden("too many wrong passwords; try again later")));
    }
    if !password::verify_password(change.current.secret(), caller.user.password_hash.as_deref()).await? {
        return Ok(Err(ApiError::Forbidden("the current password is wrong")));
    }
    limits::sign_in_succeeded(op, &identifier)?;
    let hash = password::hash_password(change.new.secret()).await?;
    directory::set_password(&db::database(op.env)?, &op.app.id, &caller.user.id, &hash, op.now).await?;
    op.users.borrow_mut().clear();
    end_others(op, caller)?;
    Ok(Ok(Value::Null))
}

/// The session a caller's token came from, by its public `sid`.
fn current_sid(op: &Op<'_>, caller: &Caller) -> Result<Option<String>> {
    Ok(match &caller.grant_id {
        Some(g) => store::grant(&op.sql, g)?.and_then(|g| g.session_id),
        None => None,
    })
}

fn sessions(op: &Op<'_>, caller: &Caller) -> Result<Value> {
    let current = current_sid(op, caller)?;
    let list: Vec<Value> = store::user_sessions(&op.sql, &caller.user.id, op.now)?
        .into_iter()
        .map(|s| {
            let sid = sid_of(&s.id);
            json!({
                "id": sid,
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "user_agent": s.user_agent,
                "ip": s.ip,
                "current": current.as_deref() == Some(sid.as_str()),
            })
        })
        .collect();
    Ok(json!({ "sessions": list }))
}

/// The user's linked identities, with the provider each belongs to.
async fn identities(op: &Op<'_>, user: &User) -> Result<Value> {
    let providers = super::rp::all(op).await?;
    let list: Vec<Value> = crate::idps::identities_of(&db::database(op.env)?, &op.app.id, &user.id)
        .await?
        .into_iter()
        .map(|i| {
            let idp = providers.iter().find(|p| p.id == i.idp_id);
            json!({
                "id": i.id,
                "provider": idp.map(|p| p.slug.clone()),
                "provider_name": idp.map(|p| p.display_name.clone()),
                "subject": i.subject,
                "email": i.email,
                "linked_at": i.created_at,
                "last_login_at": i.last_login_at,
            })
        })
        .collect();
    Ok(json!({ "identities": list, "has_password": user.password_hash.is_some() }))
}

/// Unlinks one identity, unless nothing else would let the user sign in.
async fn unlink(op: &Op<'_>, user: &User, id: &str) -> Result<std::result::Result<Value, ApiError>> {
    if !aero2_core::ids::is_id(aero2_core::ids::IdKind::Identity, id) {
        return Ok(Err(ApiError::NotFound));
    }
    Ok(match crate::idps::unlink(&db::database(op.env)?, &op.app.id, &user.id, id).await? {
        None => Err(ApiError::NotFound),
        Some(true) => Ok(Value::Null),
        Some(false) => Err(ApiError::Conflict {
            field: "id",
            message: "this is the account's last way to sign in; set a password or link another provider first".into(),
        }),
    })
}

fn end_one(op: &Op<'_>, caller: &Caller, sid: &str) -> Result<std::result::Result<Value, ApiError>> {
    let Some(row) = store::user_sessions(&op.sql, &caller.user.id, op.now)?.into_iter().find(|s| sid_of(&s.id) == sid) else {
        return Ok(Err(ApiError::NotFound));
    };
    store::end_session(&op.sql, &row.id, sid, op.now)?;
    Ok(Ok(Value::Null))
}

/// Ends every session and grant of the user except the caller's own.
fn end_others(op: &Op<'_>, caller: &Caller) -> Result<()> {
    let current = current_sid(op, caller)?;
    for s in store::user_sessions(&op.sql, &caller.user.id, op.now)? {
        let sid = sid_of(&s.id);
        if current.as_deref() != Some(sid.as_str()) {
            store::end_session(&op.sql, &s.id, &sid, op.now)?;
        }
    }
    store::revoke_user_grants_except(&op.sql, &caller.user.id, caller.grant_id.as_deref(), op.now)
}

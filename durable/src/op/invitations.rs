//! `/invitation`: accepting an invitation to an organization
//! (`aero2_core::organization::invitation`). The link's GET only shows a
//! page; its POST acts. The link proves the address:
//!
//! - an account with that address, its address confirmed, becomes a
//!   member, then signs in as usual, its second factor included: the link
//!   alone never signs in an account that has credentials. An account
//!   whose address was never confirmed does not join (it may be someone
//!   else's, made with this address): its owner takes it over with a
//!   password reset first;
//! - no account: the page asks for a password (and a name), creates the
//!   account with its address confirmed, makes it a member and signs it
//!   in, within the application's sign-up policy (where sign-up is
//!   invite-only, only an invitation from the application's developers
//!   opens it: `opens_invite_only_signup`).
//!
//! Either way the browser ends at `/invitation?done=<id>`, which sends it
//! on to the invitation's `return_to` (with `iss` and `organization`), or
//! says the user joined. Accepting uses the invitation up in one
//! conditional statement: one request wins.

use super::{authorize, limits, see_other, signin, with_csrf, Op};
use crate::directory::{self, PasswordAccount, User};
use crate::organizations::{self as orgs, NotAdded};
use crate::pages::{self, PageError, PageResult};
use crate::{db, password};
use aero2_core::encoding::sha256_hex;
use aero2_core::ids::{is_id, IdKind};
use aero2_core::oauth::authorize::AuthorizationRequest;
use aero2_core::oauth::params::Params;
use aero2_core::organization::invitation::{continue_to, opens_invite_only_signup, Invitation, Status, TOKEN_PREFIX};
use aero2_core::organization::Organization;
use aero2_core::password::NewUser;
use aero2_core::rate_limit::{Class, Verdict};
use aero2_core::routes::op::Via;
use worker::{D1Database, Request, Response, Result};

use aero2_core::organization::invitation::PAGE as PATH;
const GONE: &str = "This invitation link has expired, was used already or was withdrawn. Ask whoever invited you for a new one.";

pub async fn handle(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("invitation", serve(req, op, via).await)
}

async fn serve(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    let params = super::page_params(&mut req, via).await?;
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    let db = db::database(op.env)?;
    if via == Via::Query && !get("done").is_empty() {
        return done(&req, op, &db, &get("done")).await;
    }
    let (invitation, org) = pending(op, &db, &get("token")).await?;
    let user = directory::user_by_email(&db, &op.app.id, &invitation.email).await?;
    if via == Via::Query {
        return Ok(match &user {
            Some(_) => with_csrf(op, |csrf| {
                let title = format!("Join {}", org.name);
                let message = format!("You are invited to join {} on {} as {}.", org.name, op.app.name, invitation.email);
                let token = get("token");
                let fields = [("token", token.as_str())];
                pages::confirm_page(&pages::Confirm { app_name: &op.app.name, title: &title, message: &message, action: PATH, fields: &fields, button: "Accept invitation" }, csrf)
            })?,
            None => new_account_form(op, &org, &invitation, &get("token"), "", None, 200)?,
        });
    }
    if !pages::csrf_ok(&req, &get("csrf_token"))? {
        return Err(PageError::new("Please try again", "Your form expired. Go back, reload the page and try again.", 403).into());
    }
    match user {
        Some(user) => join_existing(&req, op, &db, &invitation, &org, &user).await,
        None => join_new(&req, op, &db, &invitation, &org, &params).await,
    }
}

/// The pending invitation a link's token names, with its organization;
/// anything else is the same error page.
async fn pending(op: &Op<'_>, db: &D1Database, token: &str) -> PageResult<(Invitation, Organization)> {
    let shaped = token.strip_prefix(TOKEN_PREFIX).is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let gone = || PageError::new("Invitation unavailable", GONE, 400);
    if !shaped {
        return Err(gone().into());
    }
    let invitation = orgs::invitation_by_token(db, &op.app.id, &sha256_hex(token.as_bytes())).await?.filter(|i| i.status(op.now) == Status::Pending);
    let Some(invitation) = invitation else { return Err(gone().into()) };
    let Some(org) = orgs::by_id(db, &op.app.id, &invitation.org_id).await? else { return Err(gone().into()) };
    Ok((invitation, org))
}

fn new_account_form(op: &Op<'_>, org: &Organization, i: &Invitation, token: &str, name: &str, error: Option<&str>, status: u16) -> Result<Response> {
    with_csrf(op, |csrf| pages::invitation_page(&pages::InvitationForm { app_name: &op.app.name, org_name: &org.name, email: &i.email, name, token, csrf }, error, status))
}

/// Uses the invitation up (one request wins, and only while it is still
/// pending: a revocation or expiry meanwhile stops it here), then adds the
/// membership; an organization that is full gives the invitation back.
async fn accept_and_add(op: &Op<'_>, db: &D1Database, i: &Invitation, org: &Organization, user: &User) -> PageResult<()> {
    if !orgs::accept_invitation(db, &op.app.id, &i.id, &user.id, op.now).await? {
        return Err(PageError::new("Invitation unavailable", GONE, 400).into());
    }
    let refusal = match orgs::add_member(db, &op.app.id, org, &user.id, &i.roles, op.now).await? {
        Ok(()) | Err(NotAdded::AlreadyMember) => return Ok(()),
        Err(NotAdded::Full) => PageError::new("Organization full", format!("{} has as many members as it may. Ask whoever invited you.", org.name), 409),
        Err(NotAdded::TooManyMemberships) => PageError::new("Too many organizations", "Your account belongs to as many organizations as it may.", 409),
    };
    orgs::unaccept_invitation(db, &op.app.id, &i.id, &user.id).await?;
    Err(refusal.into())
}

async fn audit_accepted(req: &Request, op: &Op<'_>, i: &Invitation, user: &User) -> Result<()> {
    let event = super::by_user("organization.invitation_accepted", &user.id)
        .organization(&i.org_id)
        .resource(format!("organizations/{}/invitations/{}", i.org_id, i.id))
        .with("roles", i.roles.clone());
    super::audit(op, req, event).await
}

/// An account with the invited address: member now, then signed in as
/// usual (or already) and sent on.
async fn join_existing(req: &Request, op: &Op<'_>, db: &D1Database, i: &Invitation, org: &Organization, user: &User) -> PageResult {
    if user.disabled {
        return Err(PageError::new("Account disabled", "This account is disabled.", 403).into());
    }
    // An account whose address nobody ever proved may have been made by
    // someone else with this address, waiting for an invitation: it does
    // not join. Its owner takes it over first (a password reset proves the
    // address and signs everyone else out), then opens the link again.
    if !user.email_verified {
        return Err(PageError::new(
            "Confirm your account first",
            "An account with this address exists but its address was never confirmed. Use \"Forgot your password?\" on the sign-in page to take it over, then open this invitation link again.",
            409,
        )
        .into());
    }
    accept_and_add(op, db, i, org, user).await?;
    audit_accepted(req, op, i, user).await?;
    let signed_in_as_them = super::session::current(req, op)?.is_some_and(|s| s.user_id == user.id);
    if signed_in_as_them {
        return Ok(see_other(&done_path(i))?);
    }
    // Their usual sign-in, then back to `done`.
    let request = AuthorizationRequest { login_hint: Some(i.email.clone()), ..AuthorizationRequest::for_hosted_page(done_path(i), op.now) };
    let id = authorize::park(op, &request).await?;
    Ok(see_other(&format!("/login?request={id}"))?)
}

/// No account yet: one is made with the address confirmed, within the
/// application's sign-up policy (an invitation counts as one for
/// invite-only sign-up), then signed in.
async fn join_new(req: &Request, op: &Op<'_>, db: &D1Database, i: &Invitation, org: &Organization, params: &Params) -> PageResult {
    let get = |name: &str| params.get(name).ok().flatten().unwrap_or_default().to_owned();
    let (token, name) = (get("token"), get("name"));
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::SignUpPerIp, limits::client_ip(req)?.as_deref())? {
        let mut resp = new_account_form(op, org, i, &token, &name, Some("Too many accounts created from here. Try again later."), 429)?;
        resp.headers_mut().set("retry-after", &retry_after_secs.to_string())?;
        return Ok(resp);
    }
    let policy = op.app.settings.signup.clone().unwrap_or_default();
    let invited = opens_invite_only_signup(&i.inviter, op.app.id == aero2_core::application::DASHBOARD_APP_ID);
    if let Err(refusal) = policy.check(&i.email, invited) {
        return Err(PageError::new("Sign-up is closed", refusal.message(), 403).into());
    }
    let body = serde_json::json!({ "email": i.email, "password": get("password"), "name": (!name.is_empty()).then_some(&name) });
    let new = match NewUser::from_json(&body) {
        Ok(n) => n,
        Err(e) => return Ok(new_account_form(op, org, i, &token, &name, Some(&e.body().error_description), 400)?),
    };
    let hash = password::hash_password(new.password.secret()).await?;
    let account = PasswordAccount { email: &new.email, email_verified: true, name: new.name.as_deref(), password_hash: &hash , metadata: None };
    let Some(user) = directory::insert_password_user(db, &op.app.id, &account, op.now).await? else {
        // Made meanwhile (another tab): this link now joins that account.
        return Err(PageError::new("Please try again", "An account with this address exists now. Open the invitation link again.", 409).into());
    };
    accept_and_add(op, db, i, org, &user).await?;
    super::audit(op, req, super::by_user("signup", &user.id).with("method", "invitation").organization(&i.org_id)).await?;
    audit_accepted(req, op, i, &user).await?;
    let request = AuthorizationRequest::for_hosted_page(done_path(i), op.now);
    let id = authorize::park(op, &request).await?;
    Ok(signin::finish(req, op, &id, &request, &user, &aero2_core::amr::password()).await?)
}

fn done_path(i: &Invitation) -> String {
    format!("{PATH}?done={}", i.id)
}

/// Where an accepted invitation leads its own user: `return_to`, or a
/// page saying they joined.
async fn done(req: &Request, op: &Op<'_>, db: &D1Database, id: &str) -> PageResult {
    let gone = || PageError::new("Invitation unavailable", GONE, 400);
    let Some(current) = super::session::current(req, op)? else { return Err(gone().into()) };
    let found = if is_id(IdKind::Invitation, id) { orgs::invitation(db, &op.app.id, id).await? } else { None };
    let Some(i) = found.filter(|i| i.accepted_by.as_deref() == Some(current.user_id.as_str())) else { return Err(gone().into()) };
    let Some(org) = orgs::by_id(db, &op.app.id, &i.org_id).await? else { return Err(gone().into()) };
    match &i.return_to {
        Some(to) => Ok(see_other(&continue_to(to, &op.issuer, &org.id))?),
        None => Ok(pages::notice_page(&format!("You joined {}", org.name), &format!("You are now a member of {} on {}.", org.name, op.app.name))?),
    }
}

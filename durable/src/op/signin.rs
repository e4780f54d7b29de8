//! Where every sign-in ends, whatever proved the user: a password, an
//! upstream identity provider (and, later, the methods MFA and magic links
//! add, each a caller of [`finish`], never a copy of it). And the sign-in
//! page, which every way in falls back to with its reason.
//!
//! ```text
//!  password ─┐
//!  provider ─┼─► finish(user, amr) ─► address gate ─► second factor ─► complete: session(amr) ─► resume the request
//!  sign-up ──┘                         │ (verification     │ (enrolled, or required)
//!                                      │  required)        └─► /mfa (`second_factor`) ─► complete(amr + otp, mfa)
//!                                      └─► mail a link / refuse: no address
//! ```

use super::{providers, verification, with_csrf, Op};
use crate::directory::User;
use crate::pages;
use aero2_core::application::AddressGate;
use aero2_core::oauth::authorize::AuthorizationRequest;
use aero2_core::rp::linking::Refusal;
use worker::{Request, Response, Result};

pub use super::signed_in::{complete, EXPIRED};

/// `user` proved who they are by `amr`: apply the application's
/// verification policy, start their session and resume the pending
/// authorization request `id`.
pub async fn finish(req: &Request, op: &Op<'_>, id: &str, request: &AuthorizationRequest, user: &User, amr: &[String]) -> Result<Response> {
    match op.app.settings.address_gate(user.email.is_some(), user.email_verified) {
        AddressGate::Proceed => {}
        AddressGate::ConfirmFirst => {
            verification::send_link(req, op, user).await?;
            return verification::confirm_first(user.email.as_deref().unwrap_or_default());
        }
        AddressGate::NoAddress => return login_form(op, id, None, Some(Refusal::NoVerifiedEmail.message()), 403).await,
    }
    if let Some(page) = super::second_factor::begin(req, op, id, user, amr).await? {
        return Ok(page);
    }
    complete(req, op, id, request, user, amr).await
}

/// The sign-in page for pending request `id`, with the application's
/// enabled identity providers offered next to the password form.
pub async fn login_form(op: &Op<'_>, id: &str, email: Option<&str>, error: Option<&str>, status: u16) -> Result<Response> {
    let providers: Vec<(String, String)> = providers::enabled(op).await?.into_iter().map(|i| (i.slug, i.display_name)).collect();
    // A request that names an organization: the page wears its branding.
    let organization = match super::authorize::pending(op, id)?.and_then(|r| r.organization) {
        Some(org_id) => super::organizations::find(op, &org_id).await?,
        None => None,
    };
    with_csrf(op, |csrf| {
        let form = pages::LoginForm {
            app_name: &op.app.name,
            request: id,
            csrf,
            email,
            error,
            signup_open: signup_open(op),
            providers: &providers,
            passkeys: op.app.settings.passkey_sign_in(),
            email_codes: op.app.settings.email_sign_in.unwrap_or(true),
            organization: organization.as_ref(),
        };
        pages::login_page(&form, status)
    })
}

/// Whether the application lets people sign up on the hosted page at all.
pub fn signup_open(op: &Op<'_>) -> bool {
    op.app.settings.signup_offered()
}

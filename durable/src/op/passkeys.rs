//! Passkey ceremonies for the hosted pages (`aero2_core::webauthn` checks
//! every rule; this file keeps challenges, reads and writes credentials,
//! and verifies the signature with WebCrypto).
//!
//! A ceremony starts with options for the browser and a challenge kept
//! single-use in the application's object (5 minutes), bound to what it is
//! for: a passwordless sign-in (the pending authorization request), a
//! second factor or an enrolment (the sign-in's ticket), or adding a
//! passkey to a signed-in account. The response is accepted only for that
//! same purpose and binding, once. The RP ID and origin are those of the
//! host in use (the issuer), so a credential made on one application's
//! host, or on a custom domain, is good there only.

use super::{store, users, Op};
use crate::directory::User;
use crate::factors::{self, Factor};
use crate::{db, rng, webcrypto};
use aero2_core::encoding::sha256_hex;
use aero2_core::webauthn::{self, Expect, Refusal, Stored, UserEntity, UserVerification};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::Result;

const CEREMONY: &str = "webauthn";

/// What a ceremony's response may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A passkey alone signs in (binding: the pending request).
    SignIn,
    /// A passkey as the second step of a sign-in (binding: the ticket).
    SecondFactor,
    /// A new passkey for a user (binding: the ticket or the session).
    Register,
}

#[derive(Serialize, Deserialize)]
struct Ceremony {
    purpose: Purpose,
    binding: String,
    /// The user it is for; `None` for a passwordless sign-in.
    user_id: Option<String>,
    user_verification: UserVerification,
}

/// What a checked response gave.
pub type Outcome<T> = std::result::Result<T, Refusal>;

/// The RP ID and origin of the host in use.
fn rp(op: &Op<'_>) -> Result<(String, String)> {
    webauthn::rp_of_issuer(&op.issuer).ok_or_else(|| worker::Error::RustError("the issuer names no host".into()))
}

/// The user verification a second factor or a new passkey asks for.
pub fn policy(op: &Op<'_>) -> UserVerification {
    op.app.settings.passkey_user_verification.unwrap_or_default()
}

async fn keep(op: &Op<'_>, challenge: &[u8], ceremony: &Ceremony) -> Result<()> {
    let expires = op.now.plus_millis(webauthn::TIMEOUT_MS);
    store::put_single_use(&op.sql, CEREMONY, &sha256_hex(challenge), &serde_json::to_string(ceremony)?, expires)?;
    crate::schema::arm_alarm_by(&op.storage, expires).await
}

/// Options to make a new passkey for `user` (their passkeys on this host
/// excluded).
pub async fn creation_options(op: &Op<'_>, binding: &str, user: &User) -> Result<Value> {
    let (rp_id, _) = rp(op)?;
    let challenge = rng::bytes::<{ webauthn::CHALLENGE_BYTES }>()?;
    let existing = factors::passkeys_of(&db::database(op.env)?, &op.app.id, &user.id, &rp_id).await?;
    let exclude: Vec<_> = existing.iter().filter_map(factors::Passkey::descriptor).collect();
    let name = user.email.as_deref().unwrap_or(&user.id);
    let entity = UserEntity { handle: user.id.as_bytes(), name, display_name: user.name.as_deref().unwrap_or(name) };
    let uv = policy(op);
    let ceremony = Ceremony { purpose: Purpose::Register, binding: binding.to_owned(), user_id: Some(user.id.clone()), user_verification: uv };
    keep(op, &challenge, &ceremony).await?;
    Ok(json!({ "mode": "create", "publicKey": webauthn::creation_options(&rp_id, &op.app.name, &entity, &challenge, &exclude, uv) }))
}

/// Options to use a passkey: `user`'s on this host, or (no user) any
/// discoverable one, with user verification required.
pub async fn request_options(op: &Op<'_>, purpose: Purpose, binding: &str, user: Option<&User>) -> Result<Value> {
    let (rp_id, _) = rp(op)?;
    let challenge = rng::bytes::<{ webauthn::CHALLENGE_BYTES }>()?;
    let allow = match user {
        Some(u) => factors::passkeys_of(&db::database(op.env)?, &op.app.id, &u.id, &rp_id).await?.iter().filter_map(factors::Passkey::descriptor).collect(),
        None => Vec::new(),
    };
    let uv = if user.is_none() { UserVerification::Required } else { policy(op) };
    let ceremony = Ceremony { purpose, binding: binding.to_owned(), user_id: user.map(|u| u.id.clone()), user_verification: uv };
    keep(op, &challenge, &ceremony).await?;
    Ok(json!({ "mode": "get", "publicKey": webauthn::request_options(&rp_id, &challenge, &allow, uv) }))
}

/// The ceremony a response answers, used up, if it was started for this
/// purpose, binding and user.
fn take(op: &Op<'_>, client_data_json: &[u8], purpose: Purpose, binding: &str, user_id: Option<&str>) -> Result<Outcome<(Vec<u8>, Ceremony)>> {
    let Ok(challenge) = webauthn::client_challenge(client_data_json) else { return Ok(Err(Refusal::NoCeremony)) };
    let Some(kept) = store::take_single_use(&op.sql, CEREMONY, &sha256_hex(&challenge), op.now)? else { return Ok(Err(Refusal::NoCeremony)) };
    let Ok(ceremony) = serde_json::from_str::<Ceremony>(&kept) else { return Ok(Err(Refusal::NoCeremony)) };
    if ceremony.purpose != purpose || ceremony.binding != binding || ceremony.user_id.as_deref() != user_id {
        return Ok(Err(Refusal::NoCeremony));
    }
    Ok(Ok((challenge, ceremony)))
}

/// Checks a registration response (`RegistrationResponseJSON`) and stores
/// the new passkey for `user`.
pub async fn register(op: &Op<'_>, binding: &str, user: &User, response: &str) -> Result<Outcome<Factor>> {
    let parsed = match webauthn::parse_registration(response) {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    let (challenge, ceremony) = match take(op, &parsed.client_data_json, Purpose::Register, binding, Some(&user.id))? {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let (rp_id, origin) = rp(op)?;
    let expect = Expect { challenge: &challenge, origin: &origin, rp_id: &rp_id, user_verification: ceremony.user_verification };
    let credential = match webauthn::registration(&expect, &parsed) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    // A key WebCrypto will not import (a point off the curve) could never
    // verify: refuse it now rather than at the first sign-in.
    if webcrypto::import_passkey(&credential.public_key).await.is_err() {
        return Ok(Err(Refusal::UnsupportedAlgorithm));
    }
    let added = factors::add_passkey(&db::database(op.env)?, &op.app.id, &user.id, &rp_id, &credential, op.now).await?;
    Ok(added.ok_or(Refusal::AlreadyRegistered))
}

/// Checks an assertion (`AuthenticationResponseJSON`) for `purpose` and
/// `binding`; `user_id` is the user it must belong to (`None`: whoever the
/// discoverable credential names). The user and the `amr` it proves.
pub async fn authenticate(op: &Op<'_>, purpose: Purpose, binding: &str, user_id: Option<&str>, response: &str) -> Result<Outcome<(User, Vec<String>)>> {
    let parsed = match webauthn::parse_assertion(response) {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    let (challenge, ceremony) = match take(op, &parsed.client_data_json, purpose, binding, user_id)? {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let (rp_id, origin) = rp(op)?;
    let d1 = db::database(op.env)?;
    let found = factors::passkey_by_credential(&d1, &op.app.id, &rp_id, &parsed.raw_id).await?;
    let Some(passkey) = found.filter(|p| user_id.is_none_or(|u| u == p.user_id)) else { return Ok(Err(Refusal::UnknownCredential)) };
    let Some(public_key) = passkey.public_key() else { return Ok(Err(Refusal::UnknownCredential)) };
    // Without a user to expect, the discoverable credential must say whose
    // it is (§7.2 step 6).
    if user_id.is_none() && parsed.user_handle.is_none() {
        return Ok(Err(Refusal::UserHandleMismatch));
    }
    let stored = Stored { public_key: &public_key, sign_count: u32::try_from(passkey.sign_count).unwrap_or(u32::MAX), user_handle: passkey.user_id.as_bytes() };
    let expect = Expect { challenge: &challenge, origin: &origin, rp_id: &rp_id, user_verification: ceremony.user_verification };
    let asserted = match webauthn::assertion(&expect, &stored, &parsed) {
        Ok(a) => a,
        Err(r) => return Ok(Err(r)),
    };
    if !webcrypto::verify_passkey(&asserted.check).await? {
        return Ok(Err(Refusal::BadSignature));
    }
    if !factors::use_passkey(&d1, &op.app.id, &passkey.id, asserted.sign_count, asserted.backed_up, op.now).await? {
        return Ok(Err(Refusal::CounterRegressed));
    }
    let Some(user) = users::user(op, &passkey.user_id).await?.filter(|u| !u.disabled) else { return Ok(Err(Refusal::UserDisabled)) };
    Ok(Ok((user, webauthn::amr(asserted.user_verified))))
}

/// A refusal as a sentence for a page.
#[must_use]
pub fn sentence(refusal: Refusal) -> String {
    crate::pages::sentence(refusal.message())
}

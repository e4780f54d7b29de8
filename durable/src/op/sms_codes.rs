//! Second-factor codes by text message (`aero2_core::sms` decides): the
//! toll-fraud checks — the application's countries, then the limits per
//! number, per number range and the daily budget, all counted in this
//! object in one synchronous step before anything is sent (exact however
//! many requests arrive at once) — then the code, kept as a digest for 5
//! minutes, bound to what it is for (`handle`: an enrolment's factor id or
//! a sign-in's ticket), then the provider.

use super::{limits, store, Op};
use crate::{rng, sms};
use aero2_core::encoding::sha256_hex;
use aero2_core::one_time_code::{self, MAX_ATTEMPTS};
use aero2_core::rate_limit::{Class, Verdict};
use aero2_core::sms::{Phone, Refusal as NumberRefusal, TTL_MS};
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use worker::Result;

const PENDING: &str = "sms_code";
const PURPOSE: &str = "sms";

#[derive(Serialize, Deserialize)]
struct Pending {
    factor_id: String,
    code: String,
    attempts: u32,
    expires_at: UnixMillis,
}

/// Why no code was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSent {
    /// This deployment has no SMS provider.
    NoProvider,
    Number(NumberRefusal),
    /// A limit or the daily budget.
    Limited { retry_after_secs: i64 },
    /// The provider did not take the message.
    ProviderFailed,
}

impl NotSent {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            NotSent::NoProvider => "this application cannot send text messages right now",
            NotSent::Number(r) => r.message(),
            NotSent::Limited { .. } => "too many text messages were sent; try again later",
            NotSent::ProviderFailed => "the text message could not be sent; try again later",
        }
    }

    /// A short code for the audit log.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            NotSent::NoProvider => "no_provider",
            NotSent::Number(NumberRefusal::NotE164) => "not_e164",
            NotSent::Number(NumberRefusal::CountryNotAllowed) => "country_not_allowed",
            NotSent::Limited { .. } => "limited",
            NotSent::ProviderFailed => "provider_failed",
        }
    }
}

/// The number, if the application may text it.
pub fn allowed(op: &Op<'_>, typed: &str) -> std::result::Result<Phone, NotSent> {
    aero2_core::sms::check(typed, op.app.settings.sms_countries.as_deref().unwrap_or_default()).map_err(NotSent::Number)
}

/// Texts a new code for `handle` (replacing an earlier one) to `phone`.
pub async fn send(op: &Op<'_>, handle: &str, factor_id: &str, phone: &Phone) -> Result<std::result::Result<(), NotSent>> {
    if !sms::configured(op.env) {
        return Ok(Err(NotSent::NoProvider));
    }
    if let Err(refused) = allowed(op, phone.as_str()) {
        return Ok(Err(refused));
    }
    // Counted together, before any await: exact under concurrency. The
    // budget last, so that a refusal by the others spends none of it.
    let checks = [(Class::SmsPerNumber, phone.as_str()), (Class::SmsPerPrefix, phone.prefix()), (Class::SmsPerDay, "application")];
    for (class, subject) in checks {
        if let Verdict::Limited { retry_after_secs } = limits::hit(op, class, Some(subject))? {
            return Ok(Err(NotSent::Limited { retry_after_secs }));
        }
    }
    let code = one_time_code::code(&rng::bytes::<8>()?);
    let key = sha256_hex(handle.as_bytes());
    let expires_at = op.now.plus_millis(TTL_MS);
    let pending = Pending { factor_id: factor_id.to_owned(), code: one_time_code::digest(PURPOSE, handle, &code), attempts: 0, expires_at };
    store::take_single_use(&op.sql, PENDING, &key, op.now)?;
    store::put_single_use(&op.sql, PENDING, &key, &serde_json::to_string(&pending)?, expires_at)?;
    crate::schema::arm_alarm_by(&op.storage, expires_at).await?;
    if sms::send(op.env, &op.app.id, phone, &aero2_core::sms::message(&op.app.name, &code), op.now).await?.is_err() {
        store::take_single_use(&op.sql, PENDING, &key, op.now)?;
        return Ok(Err(NotSent::ProviderFailed));
    }
    Ok(Ok(()))
}

/// What a typed code was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Right: the code is used up; it was sent for this factor.
    Accepted { factor_id: String },
    Wrong { left: u32 },
    /// None was sent for `handle`, or it expired, was used or had too
    /// many wrong tries.
    NoCode,
}

/// Checks `typed` against the code texted for `handle`. A wrong code
/// counts; the fifth ends it.
pub fn check(op: &Op<'_>, handle: &str, typed: &str) -> Result<Checked> {
    let key = sha256_hex(handle.as_bytes());
    let Some(mut p) = store::take_single_use(&op.sql, PENDING, &key, op.now)?.and_then(|p| serde_json::from_str::<Pending>(&p).ok()) else {
        return Ok(Checked::NoCode);
    };
    if one_time_code::matches(PURPOSE, handle, typed, &p.code) {
        return Ok(Checked::Accepted { factor_id: p.factor_id });
    }
    p.attempts += 1;
    if p.attempts < MAX_ATTEMPTS {
        store::put_single_use(&op.sql, PENDING, &key, &serde_json::to_string(&p)?, p.expires_at)?;
    }
    Ok(Checked::Wrong { left: MAX_ATTEMPTS.saturating_sub(p.attempts) })
}

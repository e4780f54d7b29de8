//! Text messages through a provider that speaks Twilio's Messages API
//! (`POST {AERO2_SMS_URL}/2010-04-01/Accounts/{sid}/Messages.json`, HTTP
//! Basic with the account SID and auth token, a form with `To`, `From`,
//! `Body`; 201 with the message as JSON). Configured for the deployment:
//! `AERO2_TWILIO_ACCOUNT_SID`, the secret `AERO2_TWILIO_AUTH_TOKEN`,
//! `AERO2_SMS_FROM`, and `AERO2_SMS_URL` (default Twilio's API; tests
//! point it at a local stand-in). A message is sent once, never retried:
//! each costs money. Nothing of it (number, code) is logged.
//!
//! Locally, without a provider, `SMS=outbox` keeps texts in the mail
//! outbox (`kind: "sms"`, the number as recipient) for the developer to
//! read; refused on a public platform domain, as `MAILER=outbox` is.

use crate::upstream::{self, Upstream};
use aero2_core::oauth::params::form_urlencode;
use aero2_core::sms::{twilio_form, Phone};
use base64::Engine as _;
use aero2_core::time::UnixMillis;
use worker::{Env, Method, Result};

const URL_VAR: &str = "AERO2_SMS_URL";
const SID_VAR: &str = "AERO2_TWILIO_ACCOUNT_SID";
const TOKEN_VAR: &str = "AERO2_TWILIO_AUTH_TOKEN";
const FROM_VAR: &str = "AERO2_SMS_FROM";
const TWILIO: &str = "https://api.twilio.com";

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).or_else(|| env.secret(name).ok().map(|v| v.to_string())).filter(|v| !v.is_empty())
}

struct Provider {
    url: String,
    sid: String,
    token: String,
    from: String,
}

fn provider(env: &Env) -> Option<Provider> {
    Some(Provider { url: var(env, URL_VAR).unwrap_or_else(|| TWILIO.to_owned()), sid: var(env, SID_VAR)?, token: var(env, TOKEN_VAR)?, from: var(env, FROM_VAR)? })
}

/// The local outbox, where the platform is local and `SMS=outbox`.
fn outbox(env: &Env) -> bool {
    let platform = var(env, crate::forward::PLATFORM_DOMAIN_VAR).unwrap_or_default();
    var(env, "SMS").as_deref() == Some("outbox") && aero2_core::host::is_local_domain(&platform)
}

/// Whether this deployment can send text messages.
#[must_use]
pub fn configured(env: &Env) -> bool {
    provider(env).is_some() || outbox(env)
}

/// Sends `body` to `to` for application `app_id`: `Ok(Err(_))` when the
/// provider did not take it.
pub async fn send(env: &Env, app_id: &str, to: &Phone, body: &str, now: UnixMillis) -> Result<std::result::Result<(), Upstream>> {
    let Some(p) = provider(env) else {
        if !outbox(env) {
            return Ok(Err(Upstream::Unreachable));
        }
        let id = format!("sms_{}", aero2_core::encoding::hex(&crate::rng::bytes::<16>()?));
        let text = crate::mailer::Mail { recipient: to.as_str().to_owned(), subject: "Text message".into(), body: body.to_owned(), kind: "sms".into() };
        crate::mailer::to_outbox(env, &crate::db::database(env)?, app_id, &id, &text, now).await?;
        return Ok(Ok(()));
    };
    let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", p.url.trim_end_matches('/'), aero2_core::oauth::params::encode_component(&p.sid));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", p.sid, p.token));
    let auth = format!("Basic {basic}");
    let form = twilio_form(to, &p.from, body);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(upstream::json_once(env, Method::Post, &url, &[("authorization", &auth)], Some(form_urlencode(&pairs))).await?.map(|_| ()))
}

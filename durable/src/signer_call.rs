//! What the rest of Aero2 asks the `JwksSigner`, as one typed message:
//! [`SignerCall::send`] on the calling side, `JwksSigner::call` (one
//! `match`) on the receiving one. The signer is reachable only through its
//! Durable Object binding; nothing a client sends can address it.
//!
//! Each call goes to one shard (`aero2_core::signer_shards`): the
//! application's [`Placement`] says which one signs and which ones'
//! keys are published ([`published_jwks`]).

use aero2_core::jose::alg::Alg;
use aero2_core::jose::jwk::Jwks;
use aero2_core::signer_shards::Placement;
use aero2_core::time::UnixMillis;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Env, Result};

#[derive(Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum SignerCall {
    /// Sign a batch of tokens with the application's active keys →
    /// [`SignResponse`].
    Sign { app_id: String, tokens: Vec<ToSign> },
    /// The application's public keys → [`Jwks`].
    Jwks { app_id: String },
    /// The application's keys, as the management API shows them (no key
    /// material) → `{"keys": [...]}`.
    Keys { app_id: String },
    /// Generate the application's keys if it has none yet.
    Ensure { app_id: String },
    /// Rotate now, the new keys becoming active after `activate_after_ms`
    /// → the JWKS afterwards.
    Rotate { app_id: String, activate_after_ms: i64 },
    /// Delete every key of a deleted application, and never make one for
    /// it again.
    Forget { app_id: String },
    /// The application's keys are moving here: publish new keys now, to
    /// sign from `activates_at`.
    MoveIn { app_id: String, activates_at: UnixMillis },
    /// The application's keys are moving to another shard: from `at` on,
    /// retire the keys here and never make new ones.
    HandOver { app_id: String, at: UnixMillis },
    /// The signer's view for the operator's health check, with how often
    /// this instance was called for the application.
    Health { app_id: String },
}

/// One token to sign. `at_hash_of` names an earlier token of the same
/// batch whose `at_hash` (OIDC Core §3.1.3.6) goes into these claims, so an
/// access token and its ID token cost one round trip.
#[derive(Serialize, Deserialize)]
pub struct ToSign {
    pub alg: Alg,
    pub typ: Option<String>,
    pub claims: Value,
    pub at_hash_of: Option<usize>,
}

#[derive(Serialize, Deserialize)]
pub struct Signed {
    pub token: String,
    pub kid: String,
}

#[derive(Serialize, Deserialize)]
pub struct SignResponse {
    pub tokens: Vec<Signed>,
}

impl SignerCall {
    /// Sends the call to shard `shard`; the signer answers 200 with JSON
    /// or 204.
    async fn send(&self, env: &Env, shard: u32) -> Result<String> {
        use worker::wasm_bindgen::JsValue;
        use worker::wasm_bindgen_futures::JsFuture;
        use worker::web_sys;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&serde_json::to_string(self)?));
        let req = web_sys::Request::new_with_str_and_init("https://jwks-signer.internal/call", &init)?;
        let resp = crate::forward::signer_stub(env, shard)?.fetch(&req).await?;
        let text = JsFuture::from(resp.text()?).await?.as_string().unwrap_or_default();
        match resp.status() {
            200 | 204 => Ok(text),
            status => Err(worker::Error::RustError(format!("signer call {} answered {status}", self.name()))),
        }
    }

    async fn answer<T: DeserializeOwned>(&self, env: &Env, shard: u32) -> Result<T> {
        Ok(serde_json::from_str(&self.send(env, shard).await?)?)
    }

    /// The application the call is about.
    #[must_use]
    pub fn app_id(&self) -> &str {
        match self {
            SignerCall::Sign { app_id, .. }
            | SignerCall::Jwks { app_id }
            | SignerCall::Keys { app_id }
            | SignerCall::Ensure { app_id }
            | SignerCall::Rotate { app_id, .. }
            | SignerCall::Forget { app_id }
            | SignerCall::MoveIn { app_id, .. }
            | SignerCall::HandOver { app_id, .. }
            | SignerCall::Health { app_id } => app_id,
        }
    }

    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            SignerCall::Sign { .. } => "sign",
            SignerCall::Jwks { .. } => "jwks",
            SignerCall::Keys { .. } => "keys",
            SignerCall::Ensure { .. } => "ensure",
            SignerCall::Rotate { .. } => "rotate",
            SignerCall::Forget { .. } => "forget",
            SignerCall::MoveIn { .. } => "move_in",
            SignerCall::HandOver { .. } => "hand_over",
            SignerCall::Health { .. } => "health",
        }
    }
}

/// The signed tokens, in the order given, by the shard signing at `now`.
pub async fn sign(env: &Env, placement: &Placement, now: UnixMillis, app_id: &str, tokens: Vec<ToSign>) -> Result<SignResponse> {
    SignerCall::Sign { app_id: app_id.to_owned(), tokens }.answer(env, placement.signing_shard(now)).await
}

/// Every published key of the application: those of each shard its
/// placement publishes at `now` (two during a move), the signing one's
/// first.
pub async fn published_jwks(env: &Env, placement: &Placement, now: UnixMillis, app_id: &str) -> Result<Jwks> {
    let mut all = Jwks { keys: Vec::new() };
    for shard in placement.published_shards(now) {
        let part: Jwks = SignerCall::Jwks { app_id: app_id.to_owned() }.answer(env, shard).await?;
        let new: Vec<_> = part.keys.into_iter().filter(|k| all.find(&k.kid).is_none()).collect();
        all.keys.extend(new);
    }
    Ok(all)
}

/// `{"keys": [{"kid", "alg", "status", "created_at", "activates_at", "expires_at"}]}`
/// of one shard.
pub async fn keys(env: &Env, shard: u32, app_id: &str) -> Result<Value> {
    SignerCall::Keys { app_id: app_id.to_owned() }.answer(env, shard).await
}

pub async fn ensure(env: &Env, shard: u32, app_id: &str) -> Result<()> {
    SignerCall::Ensure { app_id: app_id.to_owned() }.send(env, shard).await.map(drop)
}

/// The shard's JWKS after the rotation.
pub async fn rotate(env: &Env, shard: u32, app_id: &str, activate_after_ms: i64) -> Result<Value> {
    SignerCall::Rotate { app_id: app_id.to_owned(), activate_after_ms }.answer(env, shard).await
}

pub async fn forget(env: &Env, shard: u32, app_id: &str) -> Result<()> {
    SignerCall::Forget { app_id: app_id.to_owned() }.send(env, shard).await.map(drop)
}

pub async fn move_in(env: &Env, shard: u32, app_id: &str, activates_at: UnixMillis) -> Result<()> {
    SignerCall::MoveIn { app_id: app_id.to_owned(), activates_at }.send(env, shard).await.map(drop)
}

pub async fn hand_over(env: &Env, shard: u32, app_id: &str, at: UnixMillis) -> Result<()> {
    SignerCall::HandOver { app_id: app_id.to_owned(), at }.send(env, shard).await.map(drop)
}

pub async fn health(env: &Env, shard: u32, app_id: &str) -> Result<Value> {
    SignerCall::Health { app_id: app_id.to_owned() }.answer(env, shard).await
}

//! Who is calling the management API (`aero2_core::dashboard::Caller`):
//! the operator (credential from configuration, `AERO2_BOOTSTRAP_SECRET`),
//! one application through one of its `sk_live_` keys, or a Dashboard user
//! through an access token the Dashboard application issued for the
//! management API. Publishable keys grant no access here.
//!
//! Credentials compare SHA-256 digests in constant time; a revoked key, an
//! unknown key and a malformed one are indistinguishable (401). A token is
//! checked like any of the Dashboard's access tokens (`op::access::verify`:
//! signature, `iss`, `exp`, revocation, client), then for its audience, its
//! user (still enabled) and the permissions that user's roles give now.

use crate::db;
use aero2_core::api_key::{ApiKeyKind, PresentedApiKey};
use aero2_core::encoding::sha256_hex;
use crate::fail::ApiResult;
use aero2_core::error::ApiError;
use aero2_core::secret::{constant_time_eq, SecretString};
use crate::op::{access, resources, Op};
use aero2_core::dashboard::{effective_permissions, MANAGEMENT_API};
pub use aero2_core::dashboard::Caller;
use worker::{D1Database, Env, Request, Result};

pub const OPERATOR_SECRET_VAR: &str = "AERO2_BOOTSTRAP_SECRET";
/// Shorter operator secrets are refused: they could be guessed.
const MIN_OPERATOR_SECRET_LEN: usize = 32;

fn bearer(req: &Request) -> Result<Option<SecretString>> {
    let Some(value) = req.headers().get("authorization")? else {
        return Ok(None);
    };
    // RFC 6750 §2.1: the scheme is case-insensitive.
    let Some((scheme, token)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(SecretString::new(token.trim().to_owned())))
}

fn operator_secret(env: &Env) -> Option<SecretString> {
    let s = env.secret(OPERATOR_SECRET_VAR).ok()?.to_string();
    if s.len() < MIN_OPERATOR_SECRET_LEN {
        worker::console_warn!("{OPERATOR_SECRET_VAR} is unset or shorter than {MIN_OPERATOR_SECRET_LEN} characters; operator access is disabled");
        return None;
    }
    Some(SecretString::new(s))
}

/// Whether the request carries the operator credential (no D1 needed).
pub fn is_operator(req: &Request, env: &Env) -> Result<bool> {
    let (Some(token), Some(expected)) = (bearer(req)?, operator_secret(env)) else { return Ok(false) };
    let presented = sha256_hex(token.secret().as_bytes());
    Ok(constant_time_eq(presented.as_bytes(), sha256_hex(expected.secret().as_bytes()).as_bytes()))
}

/// Who is calling, or 401 (with `WWW-Authenticate`, from `respond::error`).
/// `op` is the Dashboard application's (which serves the management API).
pub async fn authenticate(req: &Request, env: &Env, db: &D1Database, op: &Op<'_>) -> ApiResult<Caller> {
    let Some(token) = bearer(req)? else {
        return Err(ApiError::Unauthorized.into());
    };
    if let Some(key) = PresentedApiKey::parse(token.secret()) {
        if key.kind != ApiKeyKind::Secret {
            return Err(ApiError::Unauthorized.into());
        }
        for row in db::active_keys_by_prefix(db, key.kind, &key.public_prefix).await? {
            if key.matches(&row.secret_hash) {
                db::touch_key(db, &row.app_id, &row.id, crate::now()).await?;
                return Ok(Caller::Application { app_id: row.app_id, key_id: row.id });
            }
        }
        return Err(ApiError::Unauthorized.into());
    }
    if is_operator(req, env)? {
        return Ok(Caller::Operator);
    }
    match dashboard_user(op, token.secret()).await? {
        Some(caller) => Ok(caller),
        None => Err(ApiError::Unauthorized.into()),
    }
}

/// A Dashboard user's access token for the management API, if `token` is
/// one that is valid now.
async fn dashboard_user(op: &Op<'_>, token: &str) -> Result<Option<Caller>> {
    let Ok(claims) = access::verify(op, token).await? else { return Ok(None) };
    // A token for the management API, of a user (a client acting for
    // itself owns nothing).
    if !claims.aud.contains(MANAGEMENT_API) || claims.sub == claims.client_id {
        return Ok(None);
    }
    if crate::op::users::user(op, &claims.sub).await?.is_none_or(|u| u.disabled) {
        return Ok(None);
    }
    let Ok(api) = resources::api(op, MANAGEMENT_API).await? else { return Ok(None) };
    let held = resources::user_permissions(op, &claims.sub, &api, None).await?;
    let permissions = effective_permissions(claims.scopes(), &held);
    Ok(Some(Caller::User { user_id: claims.sub, permissions }))
}

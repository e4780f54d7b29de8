//! Who is calling the management API: the operator (credential from
//! configuration, `AERO2_BOOTSTRAP_SECRET`) or one application, through one
//! of its `sk_live_` keys. Publishable keys grant no access here.
//!
//! Both checks compare SHA-256 digests in constant time; a revoked key, an
//! unknown key and a malformed one are indistinguishable (401).

use crate::db;
use aero2_core::api_key::{ApiKeyKind, PresentedApiKey};
use aero2_core::encoding::sha256_hex;
use crate::fail::ApiResult;
use aero2_core::error::ApiError;
use aero2_core::secret::{constant_time_eq, SecretString};
use worker::{D1Database, Env, Request, Result};

pub const OPERATOR_SECRET_VAR: &str = "AERO2_BOOTSTRAP_SECRET";
/// Shorter operator secrets are refused: they could be guessed.
const MIN_OPERATOR_SECRET_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Operator,
    Application { app_id: String, key_id: String },
}

impl Caller {
    pub fn may_act_on(&self, app_id: &str) -> bool {
        match self {
            Caller::Operator => true,
            Caller::Application { app_id: own, .. } => own == app_id,
        }
    }

    pub fn is_operator(&self) -> bool {
        matches!(self, Caller::Operator)
    }
}

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
pub async fn authenticate(req: &Request, env: &Env, db: &D1Database) -> ApiResult<Caller> {
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
    Err(ApiError::Unauthorized.into())
}

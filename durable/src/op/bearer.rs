//! The bearer-protected surface (UserInfo, `/account`): how a request
//! presents its access token (RFC 6750 §2.1, §2.2, never both ways), who
//! it is for, and how a refusal is answered: with a `WWW-Authenticate:
//! Bearer` challenge carrying the RFC 6750 §3.1 error code, the scope the
//! resource needs and how recent a sign-in must be (RFC 9470 §3), or — for
//! what is wrong with an accepted request — a JSON API error.

use super::{access, form, oauth_json, Op};
use crate::fail::Fail;
use aero2_core::error::ApiError;
use aero2_core::jose::claims::AccessTokenClaims;
use aero2_core::oauth::error::{bearer_challenge, OAuthError};
use worker::{Method, Request, Response, Result};

/// What a resource's challenge adds: the scope it needs (RFC 6750 §3),
/// how recent a sign-in must be (RFC 9470 §3).
#[derive(Debug, Default, Clone, Copy)]
pub struct Challenge {
    pub scope: Option<&'static str>,
    pub max_age: Option<i64>,
}

/// Why a bearer-protected request is refused.
#[derive(Debug)]
pub enum Refusal {
    /// The token (none presented: `error` is `None`) does not do.
    Token { error: Option<OAuthError>, challenge: Challenge },
    /// The token does; the request itself is wrong.
    Api(ApiError),
}

impl From<ApiError> for Fail<Refusal> {
    fn from(e: ApiError) -> Self {
        Fail::Refused { error: Refusal::Api(e), detail: None }
    }
}

/// The answer of a bearer-protected handler.
pub type BearerResult<T> = std::result::Result<T, Fail<Refusal>>;

/// A token refusal with `challenge`.
pub fn refuse(error: OAuthError, challenge: Challenge) -> Fail<Refusal> {
    Fail::Refused { error: Refusal::Token { error: Some(error), challenge }, detail: None }
}

/// The one place a [`BearerResult`] becomes a response.
pub fn answer(op: &Op<'_>, context: &str, result: BearerResult<Response>) -> Result<Response> {
    result.or_else(|fail| {
        fail.answer(context, |r| match r {
            Refusal::Token { error, challenge } => bearer_error(op, error.as_ref(), challenge),
            Refusal::Api(e) => crate::respond::error(e),
        })
    })
}

/// A 401/400/403 with the Bearer challenge. Without any token, the
/// challenge carries no error code (RFC 6750 §3.1).
fn bearer_error(op: &Op<'_>, e: Option<&OAuthError>, extra: &Challenge) -> Result<Response> {
    let challenge = bearer_challenge(&op.issuer, e, extra.scope, extra.max_age);
    let mut resp = match e {
        // The challenge names no error; the body says what is missing,
        // in the platform's error shape.
        None => oauth_json(401, &serde_json::json!({ "error": "unauthorized", "error_description": "a bearer access token is required" }))?,
        Some(e) => oauth_json(e.bearer_status(), &e.to_json())?,
    };
    resp.headers_mut().set("www-authenticate", &challenge)?;
    Ok(resp)
}

/// The token a request presents, if any.
async fn presented(req: &mut Request) -> Result<std::result::Result<Option<String>, OAuthError>> {
    let header = req.headers().get("authorization")?.and_then(|h| {
        let (scheme, token) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
    });
    let is_form = req.headers().get("content-type")?.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let body = if req.method() == Method::Post && is_form {
        match form(req).await?.and_then(|p| p.get("access_token").map(|t| t.map(str::to_owned))) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        }
    } else {
        None
    };
    Ok(match (header, body) {
        (Some(_), Some(_)) => Err(OAuthError::InvalidRequest("use one way to present the token".into())),
        (h, b) => Ok(h.or(b).filter(|t| !t.is_empty())),
    })
}

/// The claims of the access token the request presents, checked
/// (`access::verify`), or the refusal with `challenge`.
pub async fn claims(req: &mut Request, op: &Op<'_>, challenge: Challenge) -> BearerResult<AccessTokenClaims> {
    let token = match presented(req).await? {
        Ok(Some(t)) => t,
        Ok(None) => return Err(Fail::Refused { error: Refusal::Token { error: None, challenge }, detail: None }),
        Err(e) => return Err(refuse(e, challenge)),
    };
    access::verify(op, &token).await?.map_err(|e| refuse(e, challenge))
}

//! UserInfo (OIDC Core §5.3), GET and POST. The access token comes in the
//! `Authorization: Bearer` header or, for POST, the form body (RFC 6750
//! §2.1, §2.2), never both. Failures carry a `WWW-Authenticate: Bearer`
//! challenge with the RFC 6750 §3.1 error code.

use super::{access, form, oauth_json, tokens, Op};
use aero2_core::oauth::error::{bearer_challenge, OAuthError};
use aero2_core::oauth::scope::Scope;
use serde_json::Value;
use worker::{Method, Request, Response, Result};

/// What a resource's challenge adds: the scope it needs (RFC 6750 §3),
/// how recent a sign-in must be (RFC 9470 §3).
#[derive(Debug, Default, Clone, Copy)]
pub struct Challenge {
    pub scope: Option<&'static str>,
    pub max_age: Option<i64>,
}

/// A 401/400/403 with the Bearer challenge. Without any token, the
/// challenge carries no error code (RFC 6750 §3.1).
pub fn bearer_error(op: &Op<'_>, e: Option<&OAuthError>, extra: &Challenge) -> Result<Response> {
    let challenge = bearer_challenge(&op.issuer, e, extra.scope, extra.max_age);
    let (status, body) = match e {
        None => (401, Value::Null),
        Some(e) => (e.bearer_status(), e.to_json()),
    };
    let mut resp = oauth_json(status, &body)?;
    resp.headers_mut().set("www-authenticate", &challenge)?;
    Ok(resp)
}

/// The token a request presents, if any.
pub async fn bearer_token(req: &mut Request) -> Result<std::result::Result<Option<String>, OAuthError>> {
    let header = req.headers().get("authorization")?.and_then(|h| {
        let (scheme, token) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
    });
    let is_form = req.headers().get("content-type")?.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let body = if req.method() == Method::Post && is_form {
        match form(req).await? {
            Ok(p) => match p.get("access_token") {
                Ok(t) => t.map(str::to_owned),
                Err(e) => return Ok(Err(e)),
            },
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

/// UserInfo needs the `openid` scope.
const NEEDS: Challenge = Challenge { scope: Some("openid"), max_age: None };

pub async fn handle(mut req: Request, op: &Op<'_>) -> Result<Response> {
    let token = match bearer_token(&mut req).await? {
        Ok(Some(t)) => t,
        Ok(None) => return bearer_error(op, None, &NEEDS),
        Err(e) => return bearer_error(op, Some(&e), &NEEDS),
    };
    let claims = match access::verify(op, &token).await? {
        Ok(c) => c,
        Err(e) => return bearer_error(op, Some(&e), &NEEDS),
    };
    let scope = Scope::parse(claims.scope.as_deref().unwrap_or_default()).unwrap_or_else(|_| Scope::from_known(&[]));
    if !scope.contains("openid") {
        return bearer_error(op, Some(&OAuthError::InsufficientScope("the token was not granted the openid scope".into())), &NEEDS);
    }
    let user = super::users::user(op, &claims.sub).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        return bearer_error(op, Some(&OAuthError::InvalidToken("the user no longer exists".into())), &NEEDS);
    };
    let mut body = tokens::profile_claims(&user, &scope);
    body.insert("sub".into(), user.id.clone().into());
    oauth_json(200, &Value::Object(body))
}

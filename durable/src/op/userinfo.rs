//! UserInfo (OIDC Core §5.3), GET and POST; the token and the refusals
//! are the bearer surface's (`bearer`).

use super::bearer::{self, refuse, BearerResult, Challenge};
use super::{oauth_json, tokens, Op};
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::scope::Scope;
use serde_json::Value;
use worker::{Request, Response, Result};

/// UserInfo needs the `openid` scope.
const NEEDS: Challenge = Challenge { scope: Some("openid"), max_age: None };

pub async fn handle(req: Request, op: &Op<'_>) -> Result<Response> {
    bearer::answer(op, "userinfo", serve(req, op).await)
}

async fn serve(mut req: Request, op: &Op<'_>) -> BearerResult<Response> {
    let claims = bearer::claims(&mut req, op, NEEDS).await?;
    // A token for one of the application's APIs names the issuer too when
    // it was granted `openid`; one that does not is not for UserInfo.
    if !claims.aud.contains(&op.issuer) {
        return Err(refuse(OAuthError::InvalidToken("the access token is not for this issuer's UserInfo".into()), NEEDS));
    }
    let scope = Scope::parse(claims.scope.as_deref().unwrap_or_default()).unwrap_or_else(|_| Scope::from_known(&[]));
    if !scope.contains("openid") {
        return Err(refuse(OAuthError::InsufficientScope("the token was not granted the openid scope".into()), NEEDS));
    }
    let user = super::users::user(op, &claims.sub).await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        return Err(refuse(OAuthError::InvalidToken("the user no longer exists".into()), NEEDS));
    };
    let mut body = tokens::profile_claims(&user, &scope);
    body.insert("sub".into(), user.id.clone().into());
    Ok(oauth_json(200, &Value::Object(body))?)
}

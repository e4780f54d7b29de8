//! Who calls the account API (`/account/…`, the organization admin's
//! `/account/organizations/…` included): a user's access token issued for
//! it (`aero2_core::account::check_account_token`), read once here for
//! `account` and `org_admin`.

use super::bearer::{self, refuse, BearerResult, Challenge};
use super::{clients, Op};
use crate::directory::User;
use aero2_core::account::check_account_token;
use aero2_core::error::ApiError;
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::scope::ACCOUNT;
use serde_json::Value;
use worker::Request;

/// Who is calling: the user, the grant their token belongs to, when they
/// signed in (the token's `auth_time`) and the organization it was issued
/// in (`org_id`).
pub struct Caller {
    pub user: User,
    pub grant_id: Option<String>,
    /// The `sid` of the session that grant was made in.
    pub sid: Option<String>,
    pub auth_time: Option<i64>,
    pub org_id: Option<String>,
}

/// Every account route needs a token with the `account` scope.
pub const NEEDS: Challenge = Challenge { scope: Some(ACCOUNT), max_age: None };

pub async fn authenticate(req: &mut Request, op: &Op<'_>) -> BearerResult<Caller> {
    let claims = bearer::claims(req, op, NEEDS).await?;
    let client = clients::find(op, &claims.client_id).await?;
    check_account_token(&claims, client.as_ref(), &op.issuer).map_err(|e| refuse(e, NEEDS))?;
    let Some(user) = super::users::user(op, &claims.sub).await?.filter(|u| !u.disabled) else {
        return Err(refuse(OAuthError::InvalidToken("the user no longer exists".into()), NEEDS));
    };
    // Where the token's grant is (`op::grants`): asked again here, once
    // per account request, rather than threaded through the check.
    let status = super::grants::token_status(op, &claims.jti).await?;
    Ok(Caller { user, grant_id: status.grant_id, sid: status.sid, auth_time: claims.auth_time, org_id: claims.org_id })
}


/// The request's JSON body.
pub async fn body(req: &mut Request) -> BearerResult<Value> {
    let bytes = req.bytes().await?;
    Ok(serde_json::from_slice(&bytes).map_err(|_| ApiError::InvalidBody("body must be valid JSON".into()))?)
}

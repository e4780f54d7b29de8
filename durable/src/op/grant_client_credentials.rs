//! `client_credentials` (RFC 6749 §4.4). Confidential clients only (checked
//! by `check_grant_allowed`). The token is the client's own: no user, so no
//! user scopes (`openid`, `offline_access`, `profile`, `email`, `account`).

use super::{tokens, Op};
use aero2_core::oauth::client::Client;
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::scope::{Scope, USER_SCOPES};
use serde_json::Value;
use crate::fail::TokenResult;

pub async fn exchange(op: &Op<'_>, client: &Client, scope: Option<&Scope>) -> TokenResult<Value> {
    let granted = match scope {
        None => Scope::from_known(&[]),
        Some(s) if s.iter().any(|t| USER_SCOPES.contains(&t)) => {
            return Err(OAuthError::InvalidScope("user scopes cannot be granted to a client acting for itself".into()).into());
        }
        Some(s) if !s.is_subset_of(&client.scopes) => {
            return Err(OAuthError::InvalidScope("scope exceeds what the client may request".into()).into());
        }
        Some(s) => s.clone(),
    };
    Ok(tokens::issue_for_client(op, client, &granted).await?)
}

//! `client_credentials` (RFC 6749 §4.4). Confidential clients only (checked
//! by `check_grant_allowed`). The token is the client's own: no user, so no
//! user scopes (`openid`, `offline_access`, `profile`, `email`, `account`).
//! With `resource` (or `audience`) naming one of the application's APIs,
//! the client gets what its grant for that API allows
//! (`aero2_core::oauth::resource::for_client`).

use super::{resources, tokens, Op};
use crate::fail::TokenResult;
use aero2_core::oauth::client::Client;
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::resource::{self, Access};
use aero2_core::oauth::scope::{Scope, USER_SCOPES};
use serde_json::Value;

pub async fn exchange(op: &Op<'_>, client: &Client, scope: Option<&Scope>, target: Option<&str>) -> TokenResult<Value> {
    let access = match target {
        Some(identifier) => {
            let api = resources::api(op, identifier).await??;
            let grant = resources::client_grant(op, &client.client_id, &api).await?;
            resource::for_client(scope, &api, grant.as_ref())?
        }
        None => Access { scope: own_scope(client, scope)?, permissions: None, api: None },
    };
    Ok(tokens::issue_for_client(op, client, &access).await?)
}

/// Without an API: scopes the client is registered for, none of them a
/// user's.
fn own_scope(client: &Client, scope: Option<&Scope>) -> Result<Scope, OAuthError> {
    match scope {
        None => Ok(Scope::from_known(&[])),
        Some(s) if s.iter().any(|t| USER_SCOPES.contains(&t)) => {
            Err(OAuthError::InvalidScope("user scopes cannot be granted to a client acting for itself".into()))
        }
        Some(s) if !s.is_subset_of(&client.scopes) => Err(OAuthError::InvalidScope("scope exceeds what the client may request".into())),
        Some(s) => Ok(s.clone()),
    }
}

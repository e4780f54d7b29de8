//! The signed-in user's own account API (`/account/…` on the application's
//! host): who may call it, request bodies and their rules.
//!
//! Only a token issued for it is accepted ([`check_account_token`]): a
//! user's access token carrying the `account` scope and the account API's
//! audience, issued to a first-party client that still exists and is
//! enabled. An application's other tokens (a third-party client's, a
//! first-party one without the scope) are refused with
//! `insufficient_scope`, so a client the user signed in to with `openid`
//! cannot change the account's address or password.
//!
//! A change of address also needs presence ([`presence`]): the current
//! password, or a sign-in no older than the application's
//! `recent_sign_in_seconds` (RFC 9470 `max_age`).

use crate::error::ApiError;
use crate::jose::claims::AccessTokenClaims;
use crate::json_body::{self, object, reject_unknown};
use crate::oauth::client::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::scope::{account_audience, ACCOUNT};
use crate::password::{check_password, normalize_email};
use crate::secret::SecretString;
use crate::time::UnixMillis;
use serde_json::Value;

/// Whether `claims` (already verified: signature, expiry, revocation) may
/// call the account API. `client` is the token's client as it stands now
/// (`None`: deleted or disabled).
pub fn check_account_token(claims: &AccessTokenClaims, client: Option<&Client>, issuer: &str) -> Result<(), OAuthError> {
    let Some(client) = client.filter(|c| !c.disabled) else {
        return Err(OAuthError::InvalidToken("the client this token was issued to no longer exists or is disabled".into()));
    };
    let issued_for_it = claims.scopes().any(|s| s == ACCOUNT) && claims.aud.contains(&account_audience(issuer));
    if claims.sub == claims.client_id || !issued_for_it || !client.first_party {
        return Err(OAuthError::InsufficientScope(
            "the account API takes only a user's token with the account scope, issued to a first-party client".into(),
        ));
    }
    Ok(())
}

/// How the caller shows they are present for a sensitive change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// A recent enough sign-in.
    Proven,
    /// The current password was given: check it.
    CheckPassword,
    /// Neither: sign in again (RFC 9470 `insufficient_user_authentication`).
    Required,
}

/// `auth_time` is the token's (seconds); `max_age_secs` the application's
/// `recent_sign_in_seconds`.
#[must_use]
pub fn presence(auth_time: Option<i64>, now: UnixMillis, max_age_secs: i64, password_given: bool) -> Presence {
    if password_given {
        return Presence::CheckPassword;
    }
    match auth_time {
        Some(t) if now.as_secs().saturating_sub(t) <= max_age_secs => Presence::Proven,
        _ => Presence::Required,
    }
}

const MAX_PICTURE_LEN: usize = 2_000;

/// `{"name"?, "picture"?}`; `picture: null` removes it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub picture: Option<Option<String>>,
}

/// A picture is an https URL without spaces (it is shown in other sites'
/// pages, so never `javascript:`, `data:` or plain http).
pub fn check_picture(url: &str) -> Result<String, ApiError> {
    let ok = url.len() <= MAX_PICTURE_LEN
        && url.strip_prefix("https://").is_some_and(|rest| rest.split('/').next().is_some_and(|h| !h.is_empty()))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if ok {
        Ok(url.to_owned())
    } else {
        Err(ApiError::invalid("picture", "must be an https URL of at most 2000 characters"))
    }
}

impl ProfilePatch {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        for locked in ["email", "email_verified", "sub", "password"] {
            if obj.contains_key(locked) {
                return Err(ApiError::invalid(locked, "cannot be changed here"));
            }
        }
        reject_unknown(obj, &["name", "picture"])?;
        let picture = match obj.get("picture") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => Some(Some(check_picture(v.as_str().ok_or_else(|| ApiError::invalid("picture", "must be a string"))?)?)),
        };
        let patch = Self { name: json_body::name("name", obj.get("name"), false)?, picture };
        if patch == Self::default() {
            return Err(ApiError::InvalidBody("nothing to update: give name or picture".into()));
        }
        Ok(patch)
    }
}

/// `{"current_password", "new_password"}`.
#[derive(Debug)]
pub struct PasswordChange {
    pub current: SecretString,
    pub new: SecretString,
}

impl PasswordChange {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let obj = object(body)?;
        reject_unknown(obj, &["current_password", "new_password"])?;
        let get = |f: &'static str| -> Result<String, ApiError> {
            Ok(obj.get(f).ok_or_else(|| ApiError::invalid(f, "is required"))?.as_str().ok_or_else(|| ApiError::invalid(f, "must be a string"))?.to_owned())
        };
        let current = get("current_password")?;
        let new = get("new_password")?;
        check_password(&new).map_err(|_| ApiError::invalid("new_password", "must be 8 to 256 bytes long"))?;
        Ok(Self { current: SecretString::new(current), new: SecretString::new(new) })
    }
}

/// `{"email", "current_password"?}`: the new address, confirmed by a link
/// sent to it; the password, if the caller proves presence that way.
#[derive(Debug)]
pub struct EmailChange {
    pub email: String,
    pub current_password: Option<SecretString>,
}

pub fn parse_email_change(body: &Value) -> Result<EmailChange, ApiError> {
    let obj = object(body)?;
    reject_unknown(obj, &["email", "current_password"])?;
    let raw = obj.get("email").ok_or_else(|| ApiError::invalid("email", "is required"))?.as_str().ok_or_else(|| ApiError::invalid("email", "must be a string"))?;
    let current_password = match obj.get("current_password") {
        None => None,
        Some(Value::String(p)) => Some(SecretString::new(p.clone())),
        Some(_) => return Err(ApiError::invalid("current_password", "must be a string")),
    };
    Ok(EmailChange { email: normalize_email(raw)?, current_password })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn profile_patches() {
        let p = ProfilePatch::from_json(&json!({"name": "Ada", "picture": "https://cdn.example/a.png"})).unwrap();
        assert_eq!((p.name.as_deref(), p.picture), (Some("Ada"), Some(Some("https://cdn.example/a.png".into()))));
        assert_eq!(ProfilePatch::from_json(&json!({"picture": null})).unwrap().picture, Some(None));
        for (bad, field) in [
            (json!({"picture": "javascript:alert(1)"}), Some("picture")),
            (json!({"picture": "http://cdn.example/a.png"}), Some("picture")),
            (json!({"picture": "https://"}), Some("picture")),
            (json!({"email": "x@y.example"}), Some("email")),
            (json!({}), None),
        ] {
            assert_eq!(ProfilePatch::from_json(&bad).unwrap_err().body().field, field, "{bad}");
        }
    }

    #[test]
    fn presence_is_a_recent_sign_in_or_the_password() {
        let now = UnixMillis(1_700_000_300_000);
        assert_eq!(presence(Some(1_700_000_000), now, 300, false), Presence::Proven);
        assert_eq!(presence(Some(1_699_999_999), now, 300, false), Presence::Required);
        assert_eq!(presence(None, now, 300, false), Presence::Required);
        assert_eq!(presence(Some(1_700_000_000), now, 300, true), Presence::CheckPassword, "a given password is always checked");
        let c = parse_email_change(&json!({"email": "New@Example.com", "current_password": "pw"})).unwrap();
        assert_eq!((c.email.as_str(), c.current_password.is_some()), ("new@example.com", true));
        assert_eq!(parse_email_change(&json!({"email": "a@b.example", "current_password": 1})).unwrap_err().body().field, Some("current_password"));
    }

    #[test]
    fn the_account_api_takes_only_tokens_issued_for_it() {
        use crate::jose::claims::Audience;
        use crate::oauth::client::{GrantType, TokenEndpointAuthMethod};
        let iss = "https://app.example";
        let first = Client { first_party: true, ..Client::for_tests(TokenEndpointAuthMethod::ClientSecretBasic, &[GrantType::AuthorizationCode]) };
        let claims = AccessTokenClaims {
            iss: iss.into(),
            sub: "usr_1".into(),
            aud: Audience::Many(vec![iss.into(), account_audience(iss)]),
            exp: 0,
            iat: 0,
            nbf: None,
            jti: "j".into(),
            client_id: first.client_id.clone(),
            scope: Some("openid account".into()),
            auth_time: None,
            acr: None,
            amr: None,
            org_id: None,
        };
        assert_eq!(check_account_token(&claims, Some(&first), iss), Ok(()));
        let code = |c: &AccessTokenClaims, client: Option<&Client>| check_account_token(c, client, iss).map_err(|e| e.code());
        assert_eq!(code(&AccessTokenClaims { scope: Some("openid".into()), ..claims.clone() }, Some(&first)), Err("insufficient_scope"));
        assert_eq!(code(&AccessTokenClaims { aud: Audience::One(iss.into()), ..claims.clone() }, Some(&first)), Err("insufficient_scope"));
        assert_eq!(code(&AccessTokenClaims { sub: first.client_id.clone(), ..claims.clone() }, Some(&first)), Err("insufficient_scope"));
        let third = Client { first_party: false, ..first.clone() };
        assert_eq!(code(&claims, Some(&third)), Err("insufficient_scope"));
        assert_eq!(code(&claims, None), Err("invalid_token"));
        assert_eq!(code(&claims, Some(&Client { disabled: true, ..first })), Err("invalid_token"));
    }

    #[test]
    fn password_changes_need_both_and_a_valid_new_one() {
        assert!(PasswordChange::from_json(&json!({"current_password": "x", "new_password": "long enough"})).is_ok());
        assert_eq!(PasswordChange::from_json(&json!({"new_password": "long enough"})).unwrap_err().body().field, Some("current_password"));
        assert_eq!(PasswordChange::from_json(&json!({"current_password": "x", "new_password": "short"})).unwrap_err().body().field, Some("new_password"));
    }
}

//! The signed-in user's own account API (`/account/…` on the application's
//! host, bearer access token of that user): request bodies and their rules.

use crate::error::ApiError;
use crate::json_body::{self, object, reject_unknown};
use crate::password::{check_password, normalize_email};
use crate::secret::SecretString;
use serde_json::Value;

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

/// `{"email"}`: the new address, confirmed by a link sent to it.
pub fn parse_email_change(body: &Value) -> Result<String, ApiError> {
    let obj = object(body)?;
    reject_unknown(obj, &["email"])?;
    let raw = obj.get("email").ok_or_else(|| ApiError::invalid("email", "is required"))?.as_str().ok_or_else(|| ApiError::invalid("email", "must be a string"))?;
    normalize_email(raw)
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
    fn password_changes_need_both_and_a_valid_new_one() {
        assert!(PasswordChange::from_json(&json!({"current_password": "x", "new_password": "long enough"})).is_ok());
        assert_eq!(PasswordChange::from_json(&json!({"new_password": "long enough"})).unwrap_err().body().field, Some("current_password"));
        assert_eq!(PasswordChange::from_json(&json!({"current_password": "x", "new_password": "short"})).unwrap_err().body().field, Some("new_password"));
    }
}

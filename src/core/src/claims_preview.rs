//! A preview of an application's custom claims (`POST
//! …/token-claims/preview`): the request, and the answer.

use crate::custom_claims::{parse, render, TokenClaims};
use crate::error::ApiError;
use serde_json::Value;

/// A preview's request (`POST …/token-claims/preview`): whose tokens, in
/// which organization, with which scope, under which templates (the
/// application's own when `token_claims` is left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub user_id: String,
    pub org_id: Option<String>,
    pub scope: crate::oauth::scope::Scope,
    pub token_claims: Option<TokenClaims>,
}

/// The scope a preview assumes when the request names none.
pub const PREVIEW_SCOPE: &str = "openid profile email";

impl Preview {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        use crate::ids::{is_id, IdKind};
        let obj = crate::json_body::object(body)?;
        crate::json_body::reject_unknown(obj, &["user_id", "org_id", "scope", "token_claims"])?;
        let user_id = obj
            .get("user_id")
            .and_then(Value::as_str)
            .filter(|id| is_id(IdKind::User, id))
            .ok_or_else(|| ApiError::invalid("user_id", "must be the id of one of the application's users (usr_…)"))?;
        let org_id = match obj.get("org_id").filter(|v| !v.is_null()) {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .filter(|id| is_id(IdKind::Organization, id))
                    .ok_or_else(|| ApiError::invalid("org_id", "must be the id of one of the application's organizations (org_…)"))?,
            ),
        };
        let scope = match obj.get("scope").filter(|v| !v.is_null()) {
            None => PREVIEW_SCOPE,
            Some(v) => v.as_str().filter(|s| s.len() <= 1000).ok_or_else(|| ApiError::invalid("scope", "must be a space-delimited string of scopes"))?,
        };
        let scope = crate::oauth::scope::Scope::parse(scope).map_err(|_| ApiError::invalid("scope", "must be a space-delimited string of scopes"))?;
        let token_claims = obj.get("token_claims").filter(|v| !v.is_null()).map(|v| parse(v, "token_claims")).transpose()?;
        Ok(Self { user_id: user_id.to_owned(), org_id: org_id.map(str::to_owned), scope, token_claims })
    }

    /// The answer: what each token would get, and what was left out.
    #[must_use]
    pub fn answer(&self, templates: &TokenClaims, context: &Value) -> Value {
        let (id, access) = (render(&templates.id_token, context), render(&templates.access_token, context));
        serde_json::json!({
            "user_id": self.user_id,
            "org_id": self.org_id,
            "scope": self.scope.to_string(),
            "id_token": id.claims,
            "access_token": access.claims,
            "omitted": { "id_token": id.omitted, "access_token": access.omitted },
        })
    }
}


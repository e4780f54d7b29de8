//! Who may create an account on an application's hosted sign-up page.
//! Users the operator creates through the management API are not subject
//! to it.
//!
//! | mode | rule |
//! |---|---|
//! | `open` (default) | anyone |
//! | `invite_only` | only an address the operator invited |
//! | `disabled` | nobody; the sign-up page is closed |
//!
//! `allowed_domains`, when not empty, further restricts `open` and
//! `invite_only` to addresses in those domains (exact domain match).
//!
//! When the address decides who may sign up (invitations, a domain list)
//! or the application requires verified addresses, a sign-up creates
//! nothing: the form's answer is a mail to the address, and its link
//! creates the account ([`Flow::ProveFirst`]). So typing someone's address
//! gives no session, code or token, and uses no invitation up; and the
//! answer for an address that already has an account is the same page
//! (its owner gets a mail instead).

use crate::error::ApiError;
use crate::host::validate_hostname;
use crate::json_body::{object, reject_unknown, truncate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupMode {
    #[default]
    Open,
    InviteOnly,
    Disabled,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupPolicy {
    #[serde(default)]
    pub mode: SignupMode,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_domains: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Closed,
    NotInvited,
    DomainNotAllowed,
}

impl Refusal {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Closed => "Sign-up is closed for this application.",
            Refusal::NotInvited => "Sign-up is by invitation only, and this address has no invitation.",
            Refusal::DomainNotAllowed => "Sign-up is limited to addresses of certain domains.",
        }
    }
}

/// What a hosted sign-up does with an address the policy admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Create the account and sign it in now; `verify`: mail it a link that
    /// confirms the address.
    AtOnce { verify: bool },
    /// Create nothing yet: mail a link that creates the account, its
    /// address verified, when it is opened.
    ProveFirst,
}

impl SignupPolicy {
    /// Whether the address decides who may sign up (invitations or a
    /// domain list), so it must be proven before anything exists.
    #[must_use]
    pub fn restricted(&self) -> bool {
        self.mode == SignupMode::InviteOnly || !self.allowed_domains.is_empty()
    }

    /// Whether `email` (normalized) may sign up; `invited` says whether the
    /// operator invited it.
    pub fn check(&self, email: &str, invited: bool) -> Result<(), Refusal> {
        if self.mode == SignupMode::Disabled {
            return Err(Refusal::Closed);
        }
        if !self.allowed_domains.is_empty() {
            let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
            if !self.allowed_domains.iter().any(|d| d == domain) {
                return Err(Refusal::DomainNotAllowed);
            }
        }
        if self.mode == SignupMode::InviteOnly && !invited {
            return Err(Refusal::NotInvited);
        }
        Ok(())
    }

    pub fn from_json(v: &Value) -> Result<Self, ApiError> {
        let obj = object(v).map_err(|_| ApiError::invalid("settings.signup", "must be an object"))?;
        reject_unknown(obj, &["mode", "allowed_domains"])?;
        let mode = match obj.get("mode").map(|m| m.as_str()) {
            None => SignupMode::Open,
            Some(Some("open")) => SignupMode::Open,
            Some(Some("invite_only")) => SignupMode::InviteOnly,
            Some(Some("disabled")) => SignupMode::Disabled,
            Some(_) => {
                return Err(ApiError::invalid("settings.signup.mode", "must be \"open\", \"invite_only\" or \"disabled\""))
            }
        };
        let mut allowed_domains = Vec::new();
        if let Some(list) = obj.get("allowed_domains") {
            let field = "settings.signup.allowed_domains";
            let list = list.as_array().ok_or_else(|| ApiError::invalid(field, "must be an array of domains"))?;
            if list.len() > 100 {
                return Err(ApiError::invalid(field, "may list at most 100 domains"));
            }
            for d in list {
                let s = d.as_str().ok_or_else(|| ApiError::invalid(field, "must contain only strings"))?;
                let domain = validate_hostname(s)
                    .map_err(|e| ApiError::invalid(field, format!("entry '{}' {}", truncate(s, 100), e.message())))?;
                if !allowed_domains.contains(&domain) {
                    allowed_domains.push(domain);
                }
            }
        }
        Ok(Self { mode, allowed_domains })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_mode_and_the_domain_list() {
        let open = SignupPolicy::default();
        assert_eq!(open.check("a@x.example", false), Ok(()));
        let closed = SignupPolicy { mode: SignupMode::Disabled, ..Default::default() };
        assert_eq!(closed.check("a@x.example", true), Err(Refusal::Closed));
        let invite = SignupPolicy { mode: SignupMode::InviteOnly, ..Default::default() };
        assert_eq!(invite.check("a@x.example", false), Err(Refusal::NotInvited));
        assert_eq!(invite.check("a@x.example", true), Ok(()));
        let domains = SignupPolicy { allowed_domains: vec!["corp.example".into()], ..Default::default() };
        assert_eq!(domains.check("a@corp.example", false), Ok(()));
        assert_eq!(domains.check("a@evil-corp.example", false), Err(Refusal::DomainNotAllowed));
        assert_eq!(domains.check("a@sub.corp.example", false), Err(Refusal::DomainNotAllowed));
    }

    #[test]
    fn settings_are_validated() {
        let p = SignupPolicy::from_json(&json!({"mode": "invite_only", "allowed_domains": ["Corp.Example"]})).unwrap();
        assert_eq!((p.mode, p.allowed_domains), (SignupMode::InviteOnly, vec!["corp.example".to_owned()]));
        for (bad, field) in [
            (json!({"mode": "sometimes"}), "settings.signup.mode"),
            (json!({"allowed_domains": ["not a domain"]}), "settings.signup.allowed_domains"),
            (json!([]), "settings.signup"),
        ] {
            assert_eq!(SignupPolicy::from_json(&bad).unwrap_err().body().field, Some(field));
        }
    }
}

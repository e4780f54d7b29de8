//! Scope: a set of scope tokens, written space-delimited (RFC 6749 §3.3).
//!
//! `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`: printable ASCII except
//! space, `"` and `\`. Runs of spaces between tokens are tolerated, since
//! clients that join with a trailing space are common and the meaning is
//! unambiguous; any other character fails with `invalid_scope`. Order is
//! kept and repeats are dropped, so `to_string()` is stable for storage.

use super::error::OAuthError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Marks an OpenID Connect request (OIDC Core §3.1.2.1).
pub const OPENID: &str = "openid";
/// Profile claims (OIDC Core §5.4).
pub const PROFILE: &str = "profile";
/// `email` and `email_verified` (OIDC Core §5.4).
pub const EMAIL: &str = "email";
/// Asks for a refresh token usable without the user present (OIDC Core §11).
pub const OFFLINE_ACCESS: &str = "offline_access";

/// The user's own account API (`/account/…`): only first-party clients may
/// be allowed it, and a token granted it names the account API in its
/// audience ([`account_audience`]).
pub const ACCOUNT: &str = "account";

/// Every scope token Aero2 understands; clients may be allowed only these.
pub const KNOWN_SCOPES: &[&str] = &[OPENID, PROFILE, EMAIL, OFFLINE_ACCESS, ACCOUNT];

/// Scopes that stand for a user: never granted to a client acting for
/// itself (`client_credentials`).
pub const USER_SCOPES: &[&str] = &[OPENID, PROFILE, EMAIL, OFFLINE_ACCESS, ACCOUNT];

/// The audience of the account API at `issuer` (RFC 8707 style: the
/// resource's URI).
#[must_use]
pub fn account_audience(issuer: &str) -> String {
    format!("{issuer}/account")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scope(Vec<String>);

fn is_scope_token_char(b: u8) -> bool {
    b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)
}

impl Scope {
    pub fn parse(s: &str) -> Result<Self, OAuthError> {
        let mut scope = Scope::default();
        for token in s.split(' ').filter(|t| !t.is_empty()) {
            if !token.bytes().all(is_scope_token_char) {
                return Err(OAuthError::InvalidScope(
                    "scope must be space-separated tokens of printable ASCII other than '\"' and '\\'".into(),
                ));
            }
            scope.insert(token);
        }
        Ok(scope)
    }

    /// A scope from tokens already known to be well formed (constants).
    #[must_use]
    pub fn from_known(tokens: &[&str]) -> Self {
        let mut scope = Scope::default();
        for t in tokens {
            scope.insert(t);
        }
        scope
    }

    fn insert(&mut self, token: &str) {
        if !self.contains(token) {
            self.0.push(token.to_owned());
        }
    }

    #[must_use]
    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    #[must_use]
    pub fn is_subset_of(&self, other: &Scope) -> bool {
        self.0.iter().all(|t| other.contains(t))
    }

    /// The tokens of `self` also in `other`, in `self`'s order.
    #[must_use]
    pub fn intersect(&self, other: &Scope) -> Scope {
        Scope(self.0.iter().filter(|t| other.contains(t)).cloned().collect())
    }

    /// The tokens of `self` for which `keep` holds, in order.
    #[must_use]
    pub fn retain(&self, keep: impl Fn(&str) -> bool) -> Scope {
        Scope(self.0.iter().filter(|t| keep(t)).cloned().collect())
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

impl TryFrom<String> for Scope {
    type Error = OAuthError;
    fn try_from(s: String) -> Result<Self, OAuthError> {
        Scope::parse(&s)
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> Self {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(s: &str) -> Scope {
        Scope::parse(s).unwrap()
    }

    #[test]
    fn parses_in_order_without_repeats() {
        let s = scope("openid  email openid profile ");
        assert_eq!(s.iter().collect::<Vec<_>>(), ["openid", "email", "profile"]);
        assert_eq!(s.to_string(), "openid email profile");
        assert_eq!(s.len(), 3);
        assert!(scope("").is_empty());
        assert_eq!(scope("a:b/c!~[]").to_string(), "a:b/c!~[]");
    }

    #[test]
    fn rejects_characters_outside_scope_token() {
        for bad in ["openid\temail", "open\"id", "open\\id", "op\u{e9}n", "a\nb", "a\u{7f}"] {
            assert_eq!(Scope::parse(bad).unwrap_err().code(), "invalid_scope", "{bad:?}");
        }
    }

    #[test]
    fn set_operations() {
        let allowed = Scope::from_known(KNOWN_SCOPES);
        assert!(scope("email openid").is_subset_of(&allowed));
        assert!(!scope("openid admin").is_subset_of(&allowed));
        assert!(Scope::default().is_subset_of(&allowed));
        assert_eq!(scope("admin email openid").intersect(&allowed).to_string(), "email openid");
        assert!(allowed.contains(OFFLINE_ACCESS));
        assert!(!allowed.contains("openid profile"));
    }

    #[test]
    fn serializes_as_the_space_delimited_string() {
        let s = scope("openid profile");
        assert_eq!(serde_json::to_value(&s).unwrap(), serde_json::json!("openid profile"));
        assert_eq!(serde_json::from_str::<Scope>("\"openid profile\"").unwrap(), s);
        assert!(serde_json::from_str::<Scope>("\"a\\\\b\"").is_err());
    }
}

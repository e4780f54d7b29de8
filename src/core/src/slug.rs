//! Application slugs: the `<slug>` of `<slug>.<platform domain>`.
//!
//! A slug is one DNS label (RFC 1035 §2.3.1, lower case only), 3 to 63
//! characters, not a punycode label (`xn--`, which could spoof another name),
//! and not one of the names the platform keeps for itself.

use std::fmt;

/// Names applications may not take: the dashboard's own, infrastructure
/// hosts, and names users would mistake for the platform.
pub const RESERVED_SLUGS: &[&str] = &[
    "dashboard", "www", "api", "app", "apps", "admin", "auth", "login", "logout", "signin",
    "signup", "account", "accounts", "id", "identity", "oauth", "oauth2", "oidc", "sso",
    "static", "assets", "cdn", "mail", "email", "smtp", "status", "docs", "help", "support",
    "blog", "platform", "system", "internal", "root", "localhost", "aero2", "console",
    "billing", "security", "well-known",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugError {
    Length,
    Characters,
    Hyphen,
    Punycode,
    Reserved,
}

impl SlugError {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            SlugError::Length => "must be 3 to 63 characters",
            SlugError::Characters => "may contain only lowercase letters a-z, digits and '-'",
            SlugError::Hyphen => "may not start or end with '-'",
            SlugError::Punycode => "may not start with 'xn--'",
            SlugError::Reserved => "is reserved",
        }
    }
}

impl Slug {
    /// Validates a slug chosen for a new application.
    pub fn parse(s: &str) -> Result<Self, SlugError> {
        let slug = Self::parse_label(s)?;
        if RESERVED_SLUGS.contains(&s) {
            return Err(SlugError::Reserved);
        }
        Ok(slug)
    }

    /// Validates a label seen in a `Host` header. Reserved names pass: the
    /// dashboard is reached through its reserved slug.
    pub fn parse_label(s: &str) -> Result<Self, SlugError> {
        if !(3..=63).contains(&s.len()) {
            return Err(SlugError::Length);
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(SlugError::Characters);
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(SlugError::Hyphen);
        }
        if s.starts_with("xn--") {
            return Err(SlugError::Punycode);
        }
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels() {
        for ok in ["myapp", "my-app", "a1b", "abc-123-def", &"a".repeat(63)] {
            assert_eq!(Slug::parse(ok).map(|s| s.as_str().to_owned()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn rejects_each_rule_with_its_reason() {
        assert_eq!(Slug::parse("ab"), Err(SlugError::Length));
        assert_eq!(Slug::parse(&"a".repeat(64)), Err(SlugError::Length));
        assert_eq!(Slug::parse("MyApp"), Err(SlugError::Characters));
        assert_eq!(Slug::parse("my_app"), Err(SlugError::Characters));
        assert_eq!(Slug::parse("my.app"), Err(SlugError::Characters));
        assert_eq!(Slug::parse("-app"), Err(SlugError::Hyphen));
        assert_eq!(Slug::parse("app-"), Err(SlugError::Hyphen));
        assert_eq!(Slug::parse("xn--80ak6aa92e"), Err(SlugError::Punycode));
        assert_eq!(Slug::parse("dashboard"), Err(SlugError::Reserved));
        assert_eq!(Slug::parse("www"), Err(SlugError::Reserved));
    }

    #[test]
    fn reserved_labels_still_route() {
        assert!(Slug::parse_label("dashboard").is_ok());
    }
}

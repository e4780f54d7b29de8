//! Opaque identifiers: a readable type prefix and 128 random bits.

use crate::encoding::hex;

/// Identifier kinds stored in D1. The prefix tells an operator reading a log
/// line what kind of thing an id names (`app_…`, `key_…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Application,
    ApiKey,
    User,
    /// An upstream identity provider of an application.
    IdentityProvider,
    /// A link between a provider's subject and a user.
    Identity,
    /// An API (resource server) of an application.
    Api,
    /// A role of an application.
    Role,
    /// A user's second factor.
    Factor,
    /// An organization of an application.
    Organization,
    /// An invitation to an organization.
    Invitation,
}

impl IdKind {
    fn prefix(self) -> &'static str {
        match self {
            IdKind::Application => "app_",
            IdKind::ApiKey => "key_",
            IdKind::User => "usr_",
            IdKind::IdentityProvider => "idp_",
            IdKind::Identity => "idn_",
            IdKind::Api => "api_",
            IdKind::Role => "rol_",
            IdKind::Factor => "mfa_",
            IdKind::Organization => "org_",
            IdKind::Invitation => "inv_",
        }
    }
}

/// A new id of `kind` from 16 bytes of caller-supplied entropy.
#[must_use]
pub fn new_id(kind: IdKind, entropy: [u8; 16]) -> String {
    format!("{}{}", kind.prefix(), hex(&entropy))
}

/// Whether `s` has the shape of an id of `kind`. Checked before any lookup so
/// junk never reaches a query.
#[must_use]
pub fn is_id(kind: IdKind, s: &str) -> bool {
    s.strip_prefix(kind.prefix()).is_some_and(|rest| {
        rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }) || (kind == IdKind::Application && s == crate::application::DASHBOARD_APP_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_kind_and_128_bits() {
        let id = new_id(IdKind::Application, [0xab; 16]);
        assert_eq!(id, format!("app_{}", "ab".repeat(16)));
        assert!(is_id(IdKind::Application, &id));
        assert!(!is_id(IdKind::ApiKey, &id));
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert!(!is_id(IdKind::ApiKey, "key_"));
        assert!(!is_id(IdKind::ApiKey, &format!("key_{}", "AB".repeat(16))));
        assert!(!is_id(IdKind::ApiKey, &format!("key_{}'", "ab".repeat(16))));
        assert!(is_id(IdKind::Application, "app_dashboard"));
        assert!(!is_id(IdKind::User, "app_dashboard"));
    }
}

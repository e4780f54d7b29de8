//! Which local account a federated sign-in lands in.
//!
//! | # | situation | outcome |
//! |---|---|---|
//! | 1 | (provider, subject) already linked | that user (refused if disabled) |
//! | 2 | an account has the address, the provider asserts it verified, the application's policy is `verified_email`, and the local address is verified too | link, then that user |
//! | 3 | an account has the address the provider verified, any other case | refused: sign in another way (nothing linked) |
//! | 4 | no account has a verified upstream address (or the provider vouches for none) | create one, if the sign-up policy admits it; its address only if verified |
//!
//! An address the provider does not vouch for takes no part: it neither
//! joins nor blocks an account (so a sign-in through a provider cannot ask
//! whether an address is registered), and never becomes the new account's
//! address (`profile::Profile::verified_email`).
//!
//! Rule 2 needs the *local* address verified as well: otherwise whoever
//! registered the address with a password, without ever proving they own
//! it, would share the account with its real owner (pre-account-takeover).
//! Restricted sign-up (invitations, domains) admits only a verified address.

use crate::signup::{Refusal as SignupRefusal, SignupMode, SignupPolicy};
use serde::{Deserialize, Serialize};

/// When a federated sign-in may join an existing account by email.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPolicy {
    /// Both sides have verified the address (the default).
    #[default]
    VerifiedEmail,
    /// Never: each provider identity is its own account unless the user
    /// links it themselves.
    Never,
}

impl LinkPolicy {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verified_email" => Some(Self::VerifiedEmail),
            "never" => Some(Self::Never),
            _ => None,
        }
    }
}

/// What linking needs to know of a local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAccount {
    pub user_id: String,
    pub email_verified: bool,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    SignIn { user_id: String },
    Link { user_id: String },
    Create,
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Disabled,
    /// The address belongs to an account this sign-in may not join.
    EmailTaken,
    SignUp(SignupRefusal),
    /// Restricted sign-up, and the provider vouches for no address.
    NoVerifiedEmail,
}

impl Refusal {
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Disabled => "This account is disabled.",
            Refusal::EmailTaken => {
                "An account with this email address already exists. Sign in with your password (or the provider you used before)."
            }
            Refusal::SignUp(r) => r.message(),
            Refusal::NoVerifiedEmail => "Sign-up needs a verified email address, and the provider did not confirm one.",
        }
    }
}

/// The facts of one federated sign-in.
pub struct Situation<'a> {
    pub by_identity: Option<LocalAccount>,
    pub by_email: Option<LocalAccount>,
    pub email: Option<&'a str>,
    pub email_verified: bool,
    pub policy: LinkPolicy,
    pub signup: &'a SignupPolicy,
    /// Whether the operator invited `email`.
    pub invited: bool,
}

#[must_use]
pub fn decide(s: &Situation<'_>) -> Outcome {
    if let Some(a) = &s.by_identity {
        return if a.disabled { Outcome::Refused(Refusal::Disabled) } else { Outcome::SignIn { user_id: a.user_id.clone() } };
    }
    if let Some(a) = s.by_email.as_ref().filter(|_| s.email_verified) {
        if a.disabled {
            return Outcome::Refused(Refusal::Disabled);
        }
        if s.email_verified && s.policy == LinkPolicy::VerifiedEmail && a.email_verified {
            return Outcome::Link { user_id: a.user_id.clone() };
        }
        return Outcome::Refused(Refusal::EmailTaken);
    }
    if s.signup.mode == SignupMode::Disabled {
        return Outcome::Refused(Refusal::SignUp(SignupRefusal::Closed));
    }
    if s.signup.restricted() {
        let Some(email) = s.email.filter(|_| s.email_verified) else {
            return Outcome::Refused(Refusal::NoVerifiedEmail);
        };
        if let Err(r) = s.signup.check(email, s.invited) {
            return Outcome::Refused(Refusal::SignUp(r));
        }
    }
    Outcome::Create
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(verified: bool, disabled: bool) -> Option<LocalAccount> {
        Some(LocalAccount { user_id: "usr_1".into(), email_verified: verified, disabled })
    }

    fn situation(signup: &SignupPolicy) -> Situation<'_> {
        Situation {
            by_identity: None,
            by_email: None,
            email: Some("ada@example.com"),
            email_verified: true,
            policy: LinkPolicy::VerifiedEmail,
            signup,
            invited: false,
        }
    }

    #[test]
    fn a_linked_identity_signs_in_unless_disabled() {
        let open = SignupPolicy::default();
        let s = Situation { by_identity: account(false, false), by_email: account(true, true), ..situation(&open) };
        assert_eq!(decide(&s), Outcome::SignIn { user_id: "usr_1".into() });
        let s = Situation { by_identity: account(false, true), ..situation(&open) };
        assert_eq!(decide(&s), Outcome::Refused(Refusal::Disabled));
    }

    #[test]
    fn links_by_email_only_when_both_sides_verified_and_policy_allows() {
        let open = SignupPolicy::default();
        let s = Situation { by_email: account(true, false), ..situation(&open) };
        assert_eq!(decide(&s), Outcome::Link { user_id: "usr_1".into() });
        let s = Situation { by_email: account(true, false), email_verified: false, ..situation(&open) };
        assert_eq!(decide(&s), Outcome::Create, "an unverified upstream address neither joins nor blocks");
        let s = Situation { by_email: account(false, false), ..situation(&open) };
        assert_eq!(decide(&s), Outcome::Refused(Refusal::EmailTaken));
        let s = Situation { by_email: account(true, false), policy: LinkPolicy::Never, ..situation(&open) };
        assert_eq!(decide(&s), Outcome::Refused(Refusal::EmailTaken));
        let s = Situation { by_email: account(true, true), ..situation(&open) };
        assert_eq!(decide(&s), Outcome::Refused(Refusal::Disabled));
    }

    #[test]
    fn new_accounts_follow_the_signup_policy() {
        let open = SignupPolicy::default();
        assert_eq!(decide(&Situation { email: None, email_verified: false, ..situation(&open) }), Outcome::Create);
        let closed = SignupPolicy { mode: SignupMode::Disabled, allowed_domains: vec![] };
        assert_eq!(decide(&situation(&closed)), Outcome::Refused(Refusal::SignUp(SignupRefusal::Closed)));
        let invite = SignupPolicy { mode: SignupMode::InviteOnly, allowed_domains: vec![] };
        assert_eq!(decide(&situation(&invite)), Outcome::Refused(Refusal::SignUp(SignupRefusal::NotInvited)));
        assert_eq!(decide(&Situation { invited: true, ..situation(&invite) }), Outcome::Create);
        assert_eq!(decide(&Situation { invited: true, email_verified: false, ..situation(&invite) }), Outcome::Refused(Refusal::NoVerifiedEmail));
        let domains = SignupPolicy { mode: SignupMode::Open, allowed_domains: vec!["corp.example".into()] };
        assert_eq!(decide(&situation(&domains)), Outcome::Refused(Refusal::SignUp(SignupRefusal::DomainNotAllowed)));
    }
}

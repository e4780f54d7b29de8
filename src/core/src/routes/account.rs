//! The signed-in user's own account, `/account/…` (bearer token with the
//! `account` scope; the rules are in `crate::account`).

use super::{Method, Row};

pub const ROOT: &str = "/account";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Profile,
    UpdateProfile,
    ChangeEmail,
    ChangePassword,
    Sessions,
    EndOtherSessions,
    /// `{sid}`
    EndSession,
    Identities,
    /// `{identity id}`
    Unlink,
    Factors,
    AddTotp,
    /// A phone for codes by text message.
    AddSms,
    /// `{factor id}`
    ConfirmFactor,
    /// `{factor id}`
    RemoveFactor,
    RecoveryCodes,
}

use Endpoint as E;
use Method::{Delete, Get, Patch, Post};

pub static TABLE: &[Row<Endpoint>] = &[
    Row { path: "/account/profile", methods: &[(Get, E::Profile), (Patch, E::UpdateProfile)] },
    Row { path: "/account/email", methods: &[(Post, E::ChangeEmail)] },
    Row { path: "/account/password", methods: &[(Post, E::ChangePassword)] },
    Row { path: "/account/sessions", methods: &[(Get, E::Sessions), (Delete, E::EndOtherSessions)] },
    Row { path: "/account/sessions/{}", methods: &[(Delete, E::EndSession)] },
    Row { path: "/account/identities", methods: &[(Get, E::Identities)] },
    Row { path: "/account/identities/{}", methods: &[(Delete, E::Unlink)] },
    Row { path: "/account/factors", methods: &[(Get, E::Factors)] },
    Row { path: "/account/factors/totp", methods: &[(Post, E::AddTotp)] },
    Row { path: "/account/factors/sms", methods: &[(Post, E::AddSms)] },
    Row { path: "/account/factors/{}", methods: &[(Delete, E::RemoveFactor)] },
    Row { path: "/account/factors/{}/confirm", methods: &[(Post, E::ConfirmFactor)] },
    Row { path: "/account/recovery-codes", methods: &[(Post, E::RecoveryCodes)] },
];

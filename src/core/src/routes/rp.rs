//! Sign-in through an upstream identity provider, `/rp/…` (the rules are in
//! `crate::rp`).

use super::{Method, Row};

pub const ROOT: &str = "/rp";
/// The provider's redirect URI is this, the issuer before, the slug after
/// (and the browser-binding cookie is scoped to it).
pub const CALLBACK_PREFIX: &str = "/rp/callback/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `{idp slug}`: from the sign-in page to the provider.
    Authorize,
    /// `{idp slug}`: the provider's answer.
    Callback,
}

pub static TABLE: &[Row<Endpoint>] = &[
    Row { path: "/rp/authorize/{}", methods: &[(Method::Get, Endpoint::Authorize)] },
    Row { path: "/rp/callback/{}", methods: &[(Method::Get, Endpoint::Callback)] },
];

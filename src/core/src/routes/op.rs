//! The OP's endpoints and hosted pages, served on every application's host.

use super::{Method, Row};
use crate::oauth::discovery::{
    AUTHORIZE_PATH, INTROSPECT_PATH, JWKS_PATH, LOGOUT_PATH, OAUTH_METADATA_PATH, OPENID_CONFIGURATION_PATH, REVOKE_PATH,
    TOKEN_PATH, USERINFO_PATH,
};

/// Where a request's parameters come from: the query (`GET`, and a hosted
/// page shown) or a form body (`POST`, and a hosted page submitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Query,
    Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// OIDC Discovery 1.0 and RFC 8414 metadata (one document).
    Metadata,
    Jwks,
    /// OIDC Core §3.1.2.1: `GET` and `POST` both.
    Authorize(Via),
    Token,
    /// OIDC Core §5.3.1: `GET` and `POST` both.
    UserInfo(Via),
    Revoke,
    Introspect,
    /// RP-initiated logout: the request (`GET`) or its confirmation form.
    Logout(Via),
    SignIn(Via),
    SignUp(Via),
    Consent(Via),
    /// The organization picker, when a client requires one and the user
    /// belongs to several.
    Organization(Via),
    /// An invitation to an organization: its page (`GET`), accepting it.
    Invitation(Via),
    /// The second factor of a sign-in: a code, or adding a factor.
    SecondFactor(Via),
    /// A sign-in link from an email: its button (`GET`), the sign-in (`POST`).
    EmailLink(Via),
    /// The signed-in user's second factors (list, add, remove).
    Security(Via),
    Forgot(Via),
    Reset(Via),
    Verify(Via),
    Stylesheet,
    /// An organization's colour as the hosted pages' accent (`?c=rrggbb`).
    BrandStylesheet,
    /// The hosted pages' script (passkey ceremonies).
    Script,
    /// A passkey ceremony's options, for the hosted pages' script.
    PasskeyOptions,
    /// The object's health, for the operator (anonymous checks are
    /// answered by the front Worker).
    Health,
}

/// The endpoint of a request the front Worker answers itself, with no
/// Durable Object hop: the metadata document and the JWKS, public and
/// cacheable, which depend only on the issuer and the application's key
/// set (`oauth::discovery::EDGE_JWKS_TTL_MS`). Any other method on their
/// paths goes on to the object, which answers 405 with `Allow`.
#[must_use]
pub fn at_edge(method: &str, path: &str) -> Option<Endpoint> {
    match super::route(TABLE, method, path) {
        super::Routed::Found(found) if matches!(found.endpoint, E::Metadata | E::Jwks) => Some(found.endpoint),
        _ => None,
    }
}

pub const HEALTH_PATH: &str = "/.well-known/aero2-health";
pub const STYLESHEET_PATH: &str = "/ui/hosted.css";
pub const BRAND_STYLESHEET_PATH: &str = "/ui/brand.css";
pub const SCRIPT_PATH: &str = "/ui/passkey.js";

use Endpoint as E;
use Method::{Get, Post};
use Via::{Form, Query};

/// A page shown with `GET` and submitted with `POST`.
macro_rules! page {
    ($path:expr, $e:ident) => {
        Row { path: $path, methods: &[(Get, E::$e(Query)), (Post, E::$e(Form))] }
    };
}

pub static TABLE: &[Row<Endpoint>] = &[
    Row { path: OPENID_CONFIGURATION_PATH, methods: &[(Get, E::Metadata)] },
    Row { path: OAUTH_METADATA_PATH, methods: &[(Get, E::Metadata)] },
    Row { path: JWKS_PATH, methods: &[(Get, E::Jwks)] },
    page!(AUTHORIZE_PATH, Authorize),
    Row { path: TOKEN_PATH, methods: &[(Post, E::Token)] },
    page!(USERINFO_PATH, UserInfo),
    Row { path: REVOKE_PATH, methods: &[(Post, E::Revoke)] },
    Row { path: INTROSPECT_PATH, methods: &[(Post, E::Introspect)] },
    page!(LOGOUT_PATH, Logout),
    page!("/login", SignIn),
    page!("/signup", SignUp),
    page!("/consent", Consent),
    page!("/organization", Organization),
    page!("/invitation", Invitation),
    page!("/mfa", SecondFactor),
    page!("/security", Security),
    page!("/email-link", EmailLink),
    page!("/forgot", Forgot),
    page!("/reset", Reset),
    page!("/verify", Verify),
    Row { path: "/passkeys/options", methods: &[(Post, E::PasskeyOptions)] },
    Row { path: STYLESHEET_PATH, methods: &[(Get, E::Stylesheet)] },
    Row { path: BRAND_STYLESHEET_PATH, methods: &[(Get, E::BrandStylesheet)] },
    Row { path: SCRIPT_PATH, methods: &[(Get, E::Script)] },
    Row { path: HEALTH_PATH, methods: &[(Get, E::Health)] },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_public_documents_are_answered_at_the_edge() {
        for path in [OPENID_CONFIGURATION_PATH, OAUTH_METADATA_PATH] {
            assert_eq!(at_edge("GET", path), Some(E::Metadata));
            assert_eq!(at_edge("HEAD", path), Some(E::Metadata));
        }
        assert_eq!(at_edge("GET", JWKS_PATH), Some(E::Jwks));
        // Other methods reach the object, which answers 405 with `Allow`.
        assert_eq!(at_edge("POST", JWKS_PATH), None);
        assert_eq!(at_edge("OPTIONS", OPENID_CONFIGURATION_PATH), None);
        for path in [TOKEN_PATH, USERINFO_PATH, AUTHORIZE_PATH, HEALTH_PATH, "/.well-known/jwks.json/x", "/nope"] {
            assert_eq!(at_edge("GET", path), None, "{path}");
        }
    }
}

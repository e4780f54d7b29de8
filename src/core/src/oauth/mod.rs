//! OAuth 2.0 / OpenID Connect request rules (RFC 6749, RFC 7636, RFC 9700,
//! OpenID Connect Core 1.0). Pure: no I/O, no clock, no randomness.
//!
//! | file            | concern                                                 |
//! |-----------------|---------------------------------------------------------|
//! | `error`         | [`error::OAuthError`], one variant per RFC error code    |
//! | `params`        | form/query decoding, repeated parameters, encoding      |
//! | `scope`         | scope-token sets (RFC 6749 §3.3)                        |
//! | `pkce`          | S256 challenges and verifiers (RFC 7636, RFC 9700)      |
//! | `redirect_uri`  | what may be registered, exact matching (RFC 8252)       |
//! | `client`        | the registered client, its registration, secrets        |
//! | `client_auth`   | client authentication at the token endpoint (§2.3)      |
//! | `authorize`     | the authorization request pipeline and login decisions  |
//! | `token_request` | token request parsing and grant permission              |
//! | `refresh`       | refresh rotation, reuse detection and the retry leeway  |
//! | `grant`         | code and refresh grants, revocation, introspection, as decisions over records with the writes they make |
//! | `resource`      | tokens for the application's APIs (RFC 8707): audience, permissions, RBAC |
//! | `discovery`     | provider metadata (OIDC Discovery §3, RFC 8414)          |
//! | `lifetimes`     | how long codes, tokens, families and sessions live      |

pub mod authorize;
pub mod client;
pub mod client_auth;
pub mod discovery;
pub mod error;
pub mod grant;
pub mod lifetimes;
pub mod params;
pub mod pkce;
pub mod redirect_uri;
pub mod refresh;
pub mod resource;
pub mod scope;
pub mod token_request;

//! Aero2's protocol and platform core.
//!
//! The contract, as in quinn-proto: this crate does no I/O, reads no clock and
//! draws no randomness of its own. Time arrives as a [`time::UnixMillis`]
//! parameter and entropy as byte arrays, so every rule here is testable
//! natively with a fixed clock and fixed bytes. It never depends on `worker`,
//! `js-sys` or `wasm-bindgen` (CI checks this with `cargo tree`).

pub mod account;
pub mod amr;
pub mod api_key;
pub mod application;
pub mod audit;
pub mod branding;
pub mod cache;
pub mod claims_preview;
pub mod cors;
pub mod custom_claims;
pub mod dashboard;
pub mod email_signin;
pub mod encoding;
pub mod error;
pub mod headers;
pub mod host;
pub mod html;
pub mod ids;
pub mod jose;
pub mod lockout;
pub mod json_body;
pub mod mail;
pub mod mfa;
pub mod oauth;
pub mod openapi;
pub mod paging;
pub mod one_time_code;
pub mod organization;
pub mod password;
pub mod rate_limit;
pub mod rbac;
pub mod routes;
pub mod rp;
pub mod secret;
pub mod signer_shards;
pub mod signing_keys;
pub mod signup;
pub mod slug;
pub mod tenant_shards;
pub mod sms;
pub mod time;
pub mod user_list;
pub mod webauthn;

//! Aero2's Durable Object classes and the I/O shells around the core.
//!
//! - [`tenant_app::TenantApp`]: one per application (`id_from_name(app_id)`),
//!   owning sessions, codes, counters; serves the application's requests.
//! - [`jwks_signer::JwksSigner`]: the singleton that holds signing keys and
//!   signs.
//!
//! Both ship in the same wasm module as the front Worker, which links this
//! crate. `forward` defines the contract between the front Worker and
//! `TenantApp`; `db` holds every D1 query, each filtered by `app_id`.

pub mod audit;
pub mod audit_log;
pub mod db;
pub mod directory;
pub mod factors;
pub mod fail;
pub mod forward;
pub mod headers;
pub mod idps;
pub mod jwks_signer;
pub mod mailer;
mod management;
pub mod op;
pub mod organizations;
pub mod pages;
pub mod password;
pub mod respond;
pub mod rng;
mod schema;
pub mod sql;
pub mod sms;
pub mod signer_call;
pub mod teams;
pub mod tenant_app;
pub mod tenant_command;
pub mod upstream;
pub mod webcrypto;

/// The current time as the core takes it.
#[must_use]
pub fn now() -> aero2_core::time::UnixMillis {
    // `Date.now()` is an integral number of milliseconds well inside i64;
    // read without making a `Date` (one call across the wasm boundary,
    // not two).
    #[allow(clippy::cast_possible_truncation)]
    let ms = worker::js_sys::Date::now() as i64;
    aero2_core::time::UnixMillis(ms)
}

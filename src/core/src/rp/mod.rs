//! The Relying Party: signing users in through an application's upstream
//! identity providers (GitHub, Google, any OpenID Connect or OAuth2
//! provider). The rules live here; `durable/src/op/rp.rs` does the I/O.
//!
//! ```text
//! /login ─► /rp/authorize/{idp} ──302──► provider ──302──► /rp/callback/{idp}
//!           state, nonce, PKCE S256        (user signs in)    state consumed once,
//!           stored single-use (10 min)                        code exchanged, ID token
//!           + a browser-binding cookie                        or profile checked,
//!                                                             account found/linked/created,
//!                                                             the client's request resumed
//! ```

pub mod callback;
pub mod config;
pub mod discovery;
pub mod linking;
pub mod profile;

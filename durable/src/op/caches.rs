//! What a `TenantApp` keeps in memory between requests, in one place. Each
//! cache is a core `TtlCache` (bounded in size and age) or a structure with
//! its own rule (the signing-key gate, the in-memory rate-limit counts).
//! Whatever changes a record tells the object through a
//! `tenant_command::Command`, and [`Caches::on`] drops or replaces what it
//! held at once; the ages below are only backstops. A record read from D1
//! is kept only if nothing was dropped while it was read
//! (`TtlCache::insert_since`): other requests run while one waits on D1,
//! and a client disabled meanwhile must not come back from a read begun
//! before.
//!
//! | cache | holds | age | changed by |
//! |---|---|---|---|
//! | `application` | the newest record of the application | – | `ApplicationChanged`; a newer forwarded copy |
//! | `clients` | OAuth clients by id | 60 s | `ClientsChanged` |
//! | `users` | users by id (hot paths: refresh, UserInfo) | 60 s | `UsersChanged`, `UserDisabled`, the object's own account changes |
//! | `idps` | the provider list | 60 s | `IdpsChanged` |
//! | `apis` | the application's APIs (resource servers) | 60 s | `ApisChanged` |
//! | `upstream_jwks`, `upstream_discovery` | providers' keys and discovery documents | 10 min, 1 h | an unknown `kid` refetches |
//! | `keys` | the application's public keys (`op::signer`) | the kid gate's | `KeysChanged` |
//! | `counters` | rate-limit counts kept in memory | their window | – |

use crate::directory::User;
use crate::tenant_command::Command;
use crate::upstream::UpstreamKeys;
use aero2_core::application::Application;
use aero2_core::cache::TtlCache;
use aero2_core::oauth::client::Client;
use aero2_core::rate_limit::MemoryCounters;
use aero2_core::rbac::Api;
use aero2_core::rp::config::Idp;
use serde_json::Value;
use std::cell::RefCell;

const CLIENTS_TTL_MS: i64 = 60_000;
const USERS_TTL_MS: i64 = 60_000;
const IDPS_TTL_MS: i64 = 60_000;
const APIS_TTL_MS: i64 = 60_000;
const UPSTREAM_JWKS_TTL_MS: i64 = 10 * 60_000;
const UPSTREAM_DISCOVERY_TTL_MS: i64 = 60 * 60_000;

/// Each in its own cell, so a handler holding one never blocks another.
pub struct Caches {
    pub application: RefCell<Option<Application>>,
    pub clients: RefCell<TtlCache<String, Client>>,
    pub users: RefCell<TtlCache<String, User>>,
    pub idps: RefCell<TtlCache<(), Vec<Idp>>>,
    pub apis: RefCell<TtlCache<(), Vec<Api>>>,
    pub upstream_jwks: RefCell<TtlCache<String, UpstreamKeys>>,
    pub upstream_discovery: RefCell<TtlCache<String, Value>>,
    pub keys: RefCell<super::signer::KeyCache>,
    pub counters: RefCell<MemoryCounters>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            application: RefCell::default(),
            clients: RefCell::new(TtlCache::new(CLIENTS_TTL_MS, 1_000)),
            users: RefCell::new(TtlCache::new(USERS_TTL_MS, 10_000)),
            idps: RefCell::new(TtlCache::new(IDPS_TTL_MS, 1)),
            apis: RefCell::new(TtlCache::new(APIS_TTL_MS, 1)),
            upstream_jwks: RefCell::new(TtlCache::new(UPSTREAM_JWKS_TTL_MS, 64)),
            upstream_discovery: RefCell::new(TtlCache::new(UPSTREAM_DISCOVERY_TTL_MS, 64)),
            keys: RefCell::default(),
            counters: RefCell::default(),
        }
    }
}

impl Caches {
    /// What a command changes in memory (`TenantApp::command` applies its
    /// storage side).
    pub fn on(&self, command: &Command) {
        match command {
            Command::Tombstone => *self.application.borrow_mut() = None,
            Command::ApplicationChanged { application } => *self.application.borrow_mut() = Some((**application).clone()),
            Command::ClientsChanged => self.clients.borrow_mut().clear(),
            Command::KeysChanged => self.keys.borrow_mut().forget(),
            Command::UsersChanged | Command::UserDisabled { .. } | Command::UserDeleted { .. } => self.users.borrow_mut().clear(),
            Command::IdpsChanged => self.idps.borrow_mut().clear(),
            Command::ApisChanged => self.apis.borrow_mut().clear(),
            Command::SyncDomains { .. } | Command::Unlock { .. } | Command::FactorsReset { .. } | Command::EndSessions { .. } | Command::UserSessions { .. } | Command::Audit { .. } | Command::AuditState { .. } | Command::AuditCheckpoint { .. } | Command::Mail { .. } | Command::PutCode { .. } | Command::RevokeGrants { .. } | Command::TokenStatus { .. } => {}
        }
    }

    /// Forgets everything (the application was deleted).
    pub fn reset(&self) {
        *self.application.borrow_mut() = None;
        self.clients.borrow_mut().clear();
        self.users.borrow_mut().clear();
        self.idps.borrow_mut().clear();
        self.apis.borrow_mut().clear();
        self.upstream_jwks.borrow_mut().clear();
        self.upstream_discovery.borrow_mut().clear();
        self.keys.borrow_mut().forget();
        *self.counters.borrow_mut() = MemoryCounters::default();
    }
}

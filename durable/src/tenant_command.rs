//! What the management API tells an application's `TenantApp` objects
//! when D1 changed under them, and what those objects ask each other, as
//! one typed message: [`Command::send`] on the sending side,
//! `TenantApp::command` (one `match`) on the receiving one. The request
//! carries [`INTERNAL_HEADER`], which the front Worker strips from
//! everything clients send, so only our own code can issue a command.
//!
//! An application may keep its grants in several objects, its tenant
//! shards (`aero2_core::tenant_shards`). [`Command::reach`] says which of
//! them a command concerns: the home object, or every shard.

use crate::forward::{self, INTERNAL_HEADER};
use aero2_core::application::Application;
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use worker::{Env, Method, Request, RequestInit, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// The application was deleted (its D1 rows are gone): wipe its state
    /// and answer `unknown_application` from now on.
    Tombstone,
    /// The application's verified custom domains are now these.
    SyncDomains { verified: Vec<String> },
    /// The application's record changed (name, settings): the object acts on
    /// this copy from now on, whatever older copy a front Worker still
    /// forwards from its cache (and tells that Worker, see `TenantApp`).
    ApplicationChanged { application: Box<Application> },
    /// Its OAuth clients changed: a deleted client or a rotated secret is
    /// never served from the cache.
    ClientsChanged,
    /// Its signing keys changed (rotation): keys are fetched afresh.
    KeysChanged,
    /// Users changed (edited, enabled): no cached copy outlives the change.
    UsersChanged,
    /// Its identity providers changed: the sign-in page and callbacks never
    /// use a deleted or disabled one.
    IdpsChanged,
    /// Its APIs changed: tokens are never issued for a deleted API or with
    /// an API's old settings.
    ApisChanged,
    /// The operator lifts the sign-in lockout of `identifier`.
    Unlock { identifier: String },
    /// The operator removed the user's second factors: lift the
    /// second-factor lockout and forget the browsers remembered for them.
    FactorsReset { user_id: String },
    /// The user was disabled: end their sessions, grants, refresh tokens
    /// and the access tokens bound to those grants.
    UserDisabled { user_id: String },
    /// The user was deleted: all of [`Command::UserDisabled`] and
    /// [`Command::FactorsReset`], so nothing of theirs stays in the object.
    UserDeleted { user_id: String },
    /// The operator signs the user out everywhere: their sessions and
    /// grants end, as for [`Command::UserDisabled`], and the user stays.
    EndSessions { user_id: String },
    /// Answer the user's live sessions (JSON `{"sessions": [...]}`).
    UserSessions { user_id: String },
    /// Append `event` to the application's audit log (the object is its
    /// only writer); answered once the entry is in D1 or queued for it.
    Audit { app_id: String, event: Box<aero2_core::audit::Event> },
    /// Answer the log's head, anchor and latest checkpoint (JSON).
    AuditState { app_id: String },
    /// Sign a checkpoint of the log's head now; answer it (JSON, `null`
    /// for an empty log).
    AuditCheckpoint { app_id: String },
    /// Queue `mail` for the object's alarm to deliver (a management change
    /// that mails someone, such as an invitation).
    Mail { mail: crate::mailer::Mail },
    /// Keep the authorization code with this digest, issued by the home
    /// object, for the shard it was placed in.
    PutCode { code_hash: String, grant: Box<aero2_core::oauth::grant::CodeGrant>, expires_at: UnixMillis },
    /// Revoke the grants (with their refresh and access tokens) the home
    /// object ended: a user's, or one session's.
    RevokeGrants { of: GrantsOf },
    /// Answer whether the access token `jti` still stands, and its grant
    /// (JSON, `op::grants::TokenStatus`): asked by another shard that
    /// checks a token issued here.
    TokenStatus { jti: String },
}

/// Which grants [`Command::RevokeGrants`] revokes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantsOf {
    /// Every grant of the user but `keep`.
    User { user_id: String, keep: Option<String> },
    /// Every grant made through the session with this `sid`.
    Session { sid: String },
}

/// Which of an application's objects a command concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The home object (shard 0): sessions, lockouts, the audit log, mail.
    Home,
    /// Every shard: what each caches, what each holds of a user's grants,
    /// and the application's end.
    EveryShard,
    /// The one shard the sender names ([`Command::send_to`]): what one
    /// shard asks or tells another (`op::grants`).
    Named,
}

impl Command {
    /// Which of the application's objects the command concerns.
    #[must_use]
    pub fn reach(&self) -> Reach {
        match self {
            Command::Tombstone
            | Command::SyncDomains { .. }
            | Command::ApplicationChanged { .. }
            | Command::ClientsChanged
            | Command::KeysChanged
            | Command::UsersChanged
            | Command::IdpsChanged
            | Command::ApisChanged
            | Command::UserDisabled { .. }
            | Command::UserDeleted { .. }
            | Command::EndSessions { .. } => Reach::EveryShard,
            Command::Unlock { .. }
            | Command::FactorsReset { .. }
            | Command::UserSessions { .. }
            | Command::Audit { .. }
            | Command::AuditState { .. }
            | Command::AuditCheckpoint { .. }
            | Command::Mail { .. } => Reach::Home,
            Command::PutCode { .. } | Command::RevokeGrants { .. } | Command::TokenStatus { .. } => Reach::Named,
        }
    }

    async fn fetch(&self, env: &Env, app_id: &str, shard: u8) -> Result<worker::Response> {
        post(env, app_id, shard, serde_json::to_string(self)?).await
    }

    /// Sends the command to the objects of `app` it reaches
    /// ([`Command::reach`]), every shard at once; each answers 204 when
    /// done.
    pub async fn send(&self, env: &Env, app: &Application) -> Result<()> {
        match self.reach() {
            Reach::Home => self.send_to(env, &app.id, 0).await,
            Reach::EveryShard => {
                let all = (0..app.tenant_shards.max(1)).map(|shard| self.send_to(env, &app.id, shard));
                futures_util::future::try_join_all(all).await.map(drop)
            }
            Reach::Named => Err(worker::Error::RustError(format!("command {self:?} goes to a named shard (send_to)"))),
        }
    }

    /// Sends the command to one object: shard `shard` of `app_id`.
    pub async fn send_to(&self, env: &Env, app_id: &str, shard: u8) -> Result<()> {
        match self.fetch(env, app_id, shard).await?.status_code() {
            204 => Ok(()),
            s => Err(worker::Error::RustError(format!("command {self:?} answered {s}"))),
        }
    }

    /// Sends a command kept serialized (`op::grants`' outbox) to shard
    /// `shard` of `app_id`; it answers 204 when done.
    pub async fn send_text(env: &Env, app_id: &str, shard: u8, command: &str) -> Result<()> {
        match post(env, app_id, shard, command.to_owned()).await?.status_code() {
            204 => Ok(()),
            s => Err(worker::Error::RustError(format!("command {command} answered {s}"))),
        }
    }

    /// Sends a command that answers 200 with JSON to shard `shard` of
    /// `app_id`; returns that JSON.
    pub async fn ask(&self, env: &Env, app_id: &str, shard: u8) -> Result<serde_json::Value> {
        let mut resp = self.fetch(env, app_id, shard).await?;
        match resp.status_code() {
            200 => Ok(serde_json::from_str(&resp.text().await?)?),
            s => Err(worker::Error::RustError(format!("command {self:?} answered {s}"))),
        }
    }
}

/// Posts a serialized command to shard `shard` of `app_id`.
async fn post(env: &Env, app_id: &str, shard: u8, command: String) -> Result<worker::Response> {
    let headers = worker::Headers::new();
    headers.set(INTERNAL_HEADER, "command")?;
    forward::mark_shard(&headers, shard)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(command.into()));
    let req = Request::new_with_init("https://tenant-app.internal/_internal", &init)?;
    Ok(forward::tenant_stub(env, app_id, shard)?.fetch(req.inner()).await?.into())
}

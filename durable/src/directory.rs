//! D1 access for an application's OAuth clients, users and APIs. Every query is
//! filtered by `app_id`; values are bound, never formatted into SQL.

use crate::{password, rng};
use aero2_core::custom_claims::JsonText;
use aero2_core::application::{DASHBOARD_APP_ID, DASHBOARD_NAME, DASHBOARD_SLUG};
use aero2_core::dashboard;
use aero2_core::ids::{new_id, IdKind};
use aero2_core::jose::alg::Alg;
use aero2_core::oauth::client::{Client, ClientType, GrantType, TokenEndpointAuthMethod};
use aero2_core::password::NewUser;
use aero2_core::rbac::{Api, ApiSettings, ClientGrant, Grant, Role};
use aero2_core::oauth::scope::Scope;
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use crate::db::{flag, int, text};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, Result};

// -------------------------------------------------------------------- clients

#[derive(Deserialize)]
struct ClientRow {
    client_id: String,
    app_id: String,
    name: String,
    client_type: String,
    token_endpoint_auth_method: String,
    secret_hash: Option<String>,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    grant_types: String,
    scopes: String,
    first_party: i64,
    require_pkce: i64,
    created_at: i64,
    updated_at: i64,
    id_token_signed_response_alg: String,
    disabled: i64,
    organization_usage: String,
}

impl ClientRow {
    /// A row this code wrote; anything unreadable is treated as no client.
    fn into_client(self) -> Option<Client> {
        let grants: Vec<String> = serde_json::from_str(&self.grant_types).ok()?;
        Some(Client {
            client_id: self.client_id,
            app_id: self.app_id,
            name: self.name,
            client_type: if self.client_type == "public" { ClientType::Public } else { ClientType::Confidential },
            token_endpoint_auth_method: TokenEndpointAuthMethod::parse(&self.token_endpoint_auth_method)?,
            secret_hash: self.secret_hash,
            redirect_uris: serde_json::from_str(&self.redirect_uris).ok()?,
            post_logout_redirect_uris: serde_json::from_str(&self.post_logout_redirect_uris).ok()?,
            grant_types: grants.iter().map(|g| GrantType::parse(g)).collect::<Option<Vec<_>>>()?,
            scopes: Scope::parse(&self.scopes).ok()?,
            first_party: self.first_party != 0,
            require_pkce: self.require_pkce != 0,
            id_token_signed_response_alg: Alg::parse(&self.id_token_signed_response_alg)?,
            disabled: self.disabled != 0,
            organization_usage: aero2_core::organization::Usage::parse(&self.organization_usage)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const CLIENT_COLUMNS: &str = "client_id, app_id, name, client_type, token_endpoint_auth_method, secret_hash, \
    redirect_uris, post_logout_redirect_uris, grant_types, scopes, first_party, require_pkce, created_at, updated_at, \
    id_token_signed_response_alg, disabled, organization_usage";

fn client_args(c: &Client) -> Result<Vec<JsValue>> {
    let grants: Vec<&str> = c.grant_types.iter().map(|g| g.as_str()).collect();
    Ok(vec![
        text(&c.client_id),
        text(&c.app_id),
        text(&c.name),
        text(if c.client_type == ClientType::Public { "public" } else { "confidential" }),
        text(c.token_endpoint_auth_method.as_str()),
        c.secret_hash.as_deref().map_or(JsValue::NULL, text),
        text(&serde_json::to_string(&c.redirect_uris)?),
        text(&serde_json::to_string(&c.post_logout_redirect_uris)?),
        text(&serde_json::to_string(&grants)?),
        text(&c.scopes.to_string()),
        flag(c.first_party),
        flag(c.require_pkce),
        int(c.created_at),
        int(c.updated_at),
        text(c.id_token_signed_response_alg.as_str()),
        flag(c.disabled),
        text(c.organization_usage.as_str()),
    ])
}

pub async fn insert_client(db: &D1Database, c: &Client) -> Result<()> {
    db.prepare(format!(
        "INSERT INTO oauth_clients ({CLIENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    ))
    .bind(&client_args(c)?)?
    .run()
    .await?;
    Ok(())
}

/// Rewrites the mutable fields (never the id, application, type or method).
pub async fn update_client(db: &D1Database, c: &Client) -> Result<()> {
    db.prepare(
        "UPDATE oauth_clients SET name = ?3, redirect_uris = ?7, post_logout_redirect_uris = ?8, grant_types = ?9, \
         scopes = ?10, first_party = ?11, require_pkce = ?12, updated_at = ?14, id_token_signed_response_alg = ?15, \
         disabled = ?16, organization_usage = ?17 \
         WHERE client_id = ?1 AND app_id = ?2",
    )
    .bind(&client_args(c)?)?
    .run()
    .await?;
    Ok(())
}

pub async fn client(db: &D1Database, app_id: &str, client_id: &str) -> Result<Option<Client>> {
    let row: Option<ClientRow> = db
        .prepare(format!("SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE app_id = ?1 AND client_id = ?2"))
        .bind(&[text(app_id), text(client_id)])?
        .first(None)
        .await?;
    Ok(row.and_then(ClientRow::into_client))
}

/// Every redirect URI the application's clients registered.
pub async fn redirect_uris(db: &D1Database, app_id: &str) -> Result<Vec<String>> {
    Ok(list_clients(db, app_id).await?.into_iter().flat_map(|c| c.redirect_uris).collect())
}

pub async fn list_clients(db: &D1Database, app_id: &str) -> Result<Vec<Client>> {
    let rows: Vec<ClientRow> = db
        .prepare(format!("SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE app_id = ?1 ORDER BY created_at, client_id"))
        .bind(&[text(app_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().filter_map(ClientRow::into_client).collect())
}

/// Deletes the client and its grants.
pub async fn delete_client(db: &D1Database, app_id: &str, client_id: &str) -> Result<()> {
    let args = [text(app_id), text(client_id)];
    db.batch(vec![
        db.prepare("DELETE FROM client_grants WHERE app_id = ?1 AND client_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM oauth_clients WHERE app_id = ?1 AND client_id = ?2").bind(&args)?,
    ])
    .await?;
    Ok(())
}

pub async fn set_client_secret(db: &D1Database, app_id: &str, client_id: &str, secret_hash: &str, now: UnixMillis) -> Result<()> {
    db.prepare("UPDATE oauth_clients SET secret_hash = ?3, updated_at = ?4 WHERE app_id = ?1 AND client_id = ?2")
        .bind(&[text(app_id), text(client_id), text(secret_hash), int(now.0)])?
        .run()
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------- users

/// A user of one application. The password hash is never serialized.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub app_id: String,
    pub email: Option<String>,
    #[serde(with = "crate::db::bool_as_int")]
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    #[serde(skip_serializing, default)]
    pub password_hash: Option<String>,
    #[serde(with = "crate::db::bool_as_int")]
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// The application's own data about the user (its JSON text, shown as
    /// the object): set through the management API, carried by token
    /// templates.
    #[serde(default = "JsonText::empty_object")]
    pub metadata: JsonText,
}

impl User {
    /// The user as token templates see them (`aero2_core::custom_claims`).
    #[must_use]
    pub fn view(&self) -> aero2_core::custom_claims::UserView<'_> {
        aero2_core::custom_claims::UserView {
            id: &self.id,
            email: self.email.as_deref(),
            email_verified: self.email_verified,
            name: self.name.as_deref(),
            picture: self.picture.as_deref(),
            metadata: &self.metadata,
        }
    }
}

const USER_COLUMNS: &str =
    "id, app_id, email, email_verified, name, picture, password_hash, disabled, created_at, updated_at, metadata";

pub async fn insert_user(db: &D1Database, u: &User) -> Result<()> {
    let mut batch = vec![insert_user_statement(db, u)?];
    batch.extend(new_user_statements(db, u)?);
    db.batch(batch).await?;
    Ok(())
}

/// What a new user gets with their account, for the batch that inserts
/// it: the application's default roles and, on the Dashboard, a personal
/// Developer Team they own.
pub fn new_user_statements(db: &D1Database, u: &User) -> Result<Vec<worker::D1PreparedStatement>> {
    let mut out = vec![default_roles_statement(db, u)?];
    if u.app_id == DASHBOARD_APP_ID {
        let team = new_id(IdKind::Organization, rng::bytes()?);
        out.extend(crate::teams::personal_team_statements(db, &u.id, &team, UnixMillis(u.created_at))?);
    }
    Ok(out)
}

/// Gives a new user the application's `settings.default_roles` (those of
/// its roles with these names), read in the same statement: for the batch
/// that inserts the user.
fn default_roles_statement(db: &D1Database, u: &User) -> Result<worker::D1PreparedStatement> {
    db.prepare(
        "INSERT OR IGNORE INTO user_roles (app_id, user_id, role_id, created_at) \
         SELECT r.app_id, ?2, r.id, ?3 FROM roles r WHERE r.app_id = ?1 AND r.name IN \
         (SELECT j.value FROM applications a, json_each(a.settings, '$.default_roles') j WHERE a.id = ?1)",
    )
    .bind(&[text(&u.app_id), text(&u.id), int(u.created_at)])
}

/// The INSERT of `u`, for a batch.
pub fn insert_user_statement(db: &D1Database, u: &User) -> Result<worker::D1PreparedStatement> {
    db.prepare(format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")).bind(&[
        text(&u.id),
        text(&u.app_id),
        u.email.as_deref().map_or(JsValue::NULL, text),
        flag(u.email_verified),
        u.name.as_deref().map_or(JsValue::NULL, text),
        u.picture.as_deref().map_or(JsValue::NULL, text),
        u.password_hash.as_deref().map_or(JsValue::NULL, text),
        flag(u.disabled),
        int(u.created_at),
        int(u.updated_at),
        text(u.metadata.as_str()),
    ])
}

pub async fn user_by_id(db: &D1Database, app_id: &str, id: &str) -> Result<Option<User>> {
    db.prepare(format!("SELECT {USER_COLUMNS} FROM users WHERE app_id = ?1 AND id = ?2"))
        .bind(&[text(app_id), text(id)])?
        .first(None)
        .await
}

pub async fn user_by_email(db: &D1Database, app_id: &str, email: &str) -> Result<Option<User>> {
    db.prepare(format!("SELECT {USER_COLUMNS} FROM users WHERE app_id = ?1 AND email = ?2"))
        .bind(&[text(app_id), text(email)])?
        .first(None)
        .await
}

/// Rewrites a user's name and disabled flag.
pub async fn update_user(db: &D1Database, u: &User) -> Result<()> {
    db.prepare("UPDATE users SET name = ?3, disabled = ?4, updated_at = ?5, metadata = ?6 WHERE app_id = ?1 AND id = ?2")
        .bind(&[
            text(&u.app_id),
            text(&u.id),
            u.name.as_deref().map_or(JsValue::NULL, text),
            flag(u.disabled),
            int(u.updated_at),
            text(u.metadata.as_str()),
        ])?
        .run()
        .await?;
    Ok(())
}

/// Replaces a user's password hash.
pub async fn set_password(db: &D1Database, app_id: &str, user_id: &str, password_hash: &str, now: UnixMillis) -> Result<()> {
    db.prepare("UPDATE users SET password_hash = ?3, updated_at = ?4 WHERE app_id = ?1 AND id = ?2")
        .bind(&[text(app_id), text(user_id), text(password_hash), int(now.0)])?
        .run()
        .await?;
    Ok(())
}

/// Marks `email` confirmed, if it is still the user's address.
pub async fn set_email_verified(db: &D1Database, app_id: &str, user_id: &str, email: &str, now: UnixMillis) -> Result<()> {
    db.prepare("UPDATE users SET email_verified = 1, updated_at = ?4 WHERE app_id = ?1 AND id = ?2 AND email = ?3")
        .bind(&[text(app_id), text(user_id), text(email), int(now.0)])?
        .run()
        .await?;
    Ok(())
}

/// Rewrites a user's name and picture.
pub async fn update_profile(db: &D1Database, u: &User) -> Result<()> {
    db.prepare("UPDATE users SET name = ?3, picture = ?4, updated_at = ?5 WHERE app_id = ?1 AND id = ?2")
        .bind(&[
            text(&u.app_id),
            text(&u.id),
            u.name.as_deref().map_or(JsValue::NULL, text),
            u.picture.as_deref().map_or(JsValue::NULL, text),
            int(u.updated_at),
        ])?
        .run()
        .await?;
    Ok(())
}

/// Moves a user to a confirmed new address; `false` if another account of
/// the application has it.
pub async fn change_email(db: &D1Database, app_id: &str, user_id: &str, email: &str, now: UnixMillis) -> Result<bool> {
    let result = db
        .prepare("UPDATE users SET email = ?3, email_verified = 1, updated_at = ?4 WHERE app_id = ?1 AND id = ?2")
        .bind(&[text(app_id), text(user_id), text(email), int(now.0)])?
        .run()
        .await;
    crate::db::unless_taken(result)
}

/// One page of users (one more than `limit` when there are more), oldest
/// first.
pub async fn list_users(db: &D1Database, app_id: &str, q: &aero2_core::user_list::Query) -> Result<Vec<User>> {
    let limit = i64::try_from(q.limit + 1).unwrap_or(i64::MAX);
    db.prepare(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE app_id = ?1 \
         AND (?2 IS NULL OR instr(lower(coalesce(email, '')), ?2) > 0) \
         AND (?3 IS NULL OR (created_at, id) > (?3, ?4)) \
         ORDER BY created_at, id LIMIT ?5"
    ))
    .bind(&[
        text(app_id),
        q.email.as_deref().map_or(JsValue::NULL, text),
        q.after.as_ref().map_or(JsValue::NULL, |c| int(c.created_at)),
        q.after.as_ref().map_or(JsValue::NULL, |c| text(&c.user_id)),
        int(limit),
    ])?
    .all()
    .await?
    .results()
}

/// Deletes a user and every row that is only theirs, in one batch, and
/// revokes the pending invitations they sent as an organization's admin.
pub async fn delete_user(db: &D1Database, app_id: &str, user_id: &str, now: UnixMillis) -> Result<()> {
    let args = [text(app_id), text(user_id)];
    let mut batch = vec![db
        .prepare(
            "UPDATE organization_invitations SET revoked_at = ?3 \
             WHERE app_id = ?1 AND inviter = 'member:' || ?2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(&[text(app_id), text(user_id), int(now.0)])?];
    for table in [
        "user_identities",
        "user_roles",
        "mfa_factors",
        "recovery_codes",
        "passkeys",
        "sms_factors",
        "organization_member_roles",
        "organization_members",
        "organization_departures",
    ] {
        batch.push(db.prepare(format!("DELETE FROM {table} WHERE app_id = ?1 AND user_id = ?2")).bind(&args)?);
    }
    batch.push(db.prepare("DELETE FROM users WHERE app_id = ?1 AND id = ?2").bind(&args)?);
    db.batch(batch).await?;
    Ok(())
}

/// Creates a user with a password; `None` if the email is taken in this
/// application (the same email in another application is another user).
/// The password is hashed here (PBKDF2, see `crate::password`), before the
/// insert that may find the email taken: a duplicate costs the same time as
/// a success, so timing does not reveal who has an account.
pub async fn create_user(db: &D1Database, app_id: &str, new: NewUser, now: UnixMillis) -> Result<Option<User>> {
    let hash = password::hash_password(new.password.secret()).await?;
    let account = PasswordAccount {
        email: &new.email,
        email_verified: new.email_verified,
        name: new.name.as_deref(),
        password_hash: &hash,
        metadata: new.metadata.as_ref(),
    };
    insert_password_user(db, app_id, &account, now).await
}

/// What a new password account is made of (its password already hashed).
pub struct PasswordAccount<'a> {
    pub email: &'a str,
    pub email_verified: bool,
    pub name: Option<&'a str>,
    pub password_hash: &'a str,
    /// Only the management API gives one (`None`: `{}`).
    pub metadata: Option<&'a JsonText>,
}

/// Inserts a new password account; `None` if the email is taken.
pub async fn insert_password_user(db: &D1Database, app_id: &str, a: &PasswordAccount<'_>, now: UnixMillis) -> Result<Option<User>> {
    let user = User {
        id: new_id(IdKind::User, rng::bytes()?),
        app_id: app_id.to_owned(),
        email: Some(a.email.to_owned()),
        email_verified: a.email_verified,
        name: a.name.map(str::to_owned),
        picture: None,
        password_hash: Some(a.password_hash.to_owned()),
        disabled: false,
        created_at: now.0,
        updated_at: now.0,
        metadata: a.metadata.cloned().unwrap_or_else(JsonText::empty_object),
    };
    Ok(crate::db::unless_taken(insert_user(db, &user).await)?.then_some(user))
}

// ---------------------------------------------------------------- invitations

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    pub email: String,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
}

/// Invites `email` (normalized); inviting twice is not an error.
pub async fn invite(db: &D1Database, app_id: &str, email: &str, now: UnixMillis) -> Result<()> {
    db.prepare("INSERT OR IGNORE INTO invitations (app_id, email, created_at) VALUES (?1, ?2, ?3)")
        .bind(&[text(app_id), text(email), int(now.0)])?
        .run()
        .await?;
    Ok(())
}

pub async fn invitation(db: &D1Database, app_id: &str, email: &str) -> Result<Option<Invitation>> {
    db.prepare("SELECT email, created_at, accepted_at FROM invitations WHERE app_id = ?1 AND email = ?2")
        .bind(&[text(app_id), text(email)])?
        .first(None)
        .await
}

pub async fn list_invitations(db: &D1Database, app_id: &str) -> Result<Vec<Invitation>> {
    db.prepare("SELECT email, created_at, accepted_at FROM invitations WHERE app_id = ?1 ORDER BY created_at, email")
        .bind(&[text(app_id)])?
        .all()
        .await?
        .results()
}

pub async fn delete_invitation(db: &D1Database, app_id: &str, email: &str) -> Result<()> {
    db.prepare("DELETE FROM invitations WHERE app_id = ?1 AND email = ?2").bind(&[text(app_id), text(email)])?.run().await?;
    Ok(())
}

pub async fn accept_invitation(db: &D1Database, app_id: &str, email: &str, now: UnixMillis) -> Result<()> {
    db.prepare("UPDATE invitations SET accepted_at = ?3 WHERE app_id = ?1 AND email = ?2 AND accepted_at IS NULL")
        .bind(&[text(app_id), text(email), int(now.0)])?
        .run()
        .await?;
    Ok(())
}

// ----------------------------------------------------------------------- apis

#[derive(Deserialize)]
struct ApiRow {
    id: String,
    identifier: String,
    name: String,
    permissions: String,
    token_lifetime_seconds: i64,
    signing_alg: String,
    enforce_rbac: i64,
    permissions_claim: i64,
    created_at: i64,
    updated_at: i64,
}

impl ApiRow {
    /// A row this code wrote; anything unreadable is treated as no API.
    fn into_api(self) -> Option<Api> {
        Some(Api {
            id: self.id,
            identifier: self.identifier,
            name: self.name,
            settings: ApiSettings {
                permissions: serde_json::from_str(&self.permissions).ok()?,
                token_lifetime_seconds: u32::try_from(self.token_lifetime_seconds).ok()?,
                signing_alg: Alg::parse(&self.signing_alg)?,
                enforce_rbac: self.enforce_rbac != 0,
                permissions_claim: self.permissions_claim != 0,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const API_COLUMNS: &str =
    "id, app_id, identifier, name, permissions, token_lifetime_seconds, signing_alg, enforce_rbac, permissions_claim, created_at, updated_at";

fn api_args(app_id: &str, a: &Api) -> Result<[JsValue; 11]> {
    Ok([
        text(&a.id),
        text(app_id),
        text(&a.identifier),
        text(&a.name),
        text(&serde_json::to_string(&a.settings.permissions)?),
        int(i64::from(a.settings.token_lifetime_seconds)),
        text(a.settings.signing_alg.as_str()),
        flag(a.settings.enforce_rbac),
        flag(a.settings.permissions_claim),
        int(a.created_at),
        int(a.updated_at),
    ])
}

/// Fails with a unique violation (`db::is_unique_violation`) when the
/// application has an API with this identifier already.
pub async fn insert_api(db: &D1Database, app_id: &str, a: &Api) -> Result<()> {
    insert_api_statement(db, app_id, a, false)?.run().await?;
    Ok(())
}

/// The INSERT of `a` (`or_ignore`: leave an API with its identifier as it is).
pub fn insert_api_statement(db: &D1Database, app_id: &str, a: &Api, or_ignore: bool) -> Result<worker::D1PreparedStatement> {
    let verb = if or_ignore { "INSERT OR IGNORE" } else { "INSERT" };
    db.prepare(format!("{verb} INTO apis ({API_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")).bind(&api_args(app_id, a)?)
}

/// Creates the Dashboard application if it does not exist, with what the
/// platform's own RBAC needs (`aero2_core::dashboard`): the management API,
/// the roles and their permissions, `developer` for every new user. One
/// batch, idempotent: what exists is left as it is, what is missing (a
/// deleted role, a permission taken out of one) comes back.
pub async fn ensure_dashboard(db: &D1Database, now: UnixMillis, web_app_origin: Option<&str>) -> Result<()> {
    let app = text(DASHBOARD_APP_ID);
    let settings = serde_json::json!({ "default_roles": [dashboard::DEFAULT_ROLE] }).to_string();
    let mut batch = vec![db
        .prepare(
            "INSERT OR IGNORE INTO applications (id, slug, name, settings, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?5, ?4, ?4)",
        )
        .bind(&[app.clone(), text(DASHBOARD_SLUG), text(DASHBOARD_NAME), int(now.0), text(&settings)])?];
    let api = management_api(rng::bytes()?, now);
    batch.push(insert_api_statement(db, DASHBOARD_APP_ID, &api, true)?);
    for team_role in dashboard::TeamRole::ALL {
        let id = new_id(IdKind::Role, rng::bytes()?);
        batch.push(
            db.prepare("INSERT OR IGNORE INTO roles (id, app_id, name, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")
                .bind(&[text(&id), app.clone(), text(team_role.name()), text(team_role.description()), int(now.0)])?,
        );
    }
    for role in dashboard::ROLES {
        let id = new_id(IdKind::Role, rng::bytes()?);
        batch.push(
            db.prepare("INSERT OR IGNORE INTO roles (id, app_id, name, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")
                .bind(&[text(&id), app.clone(), text(role.name), text(role.description), int(now.0)])?,
        );
        for p in role.permissions {
            batch.push(
                db.prepare(
                    "INSERT OR IGNORE INTO role_permissions (app_id, role_id, api_id, value) \
                     SELECT r.app_id, r.id, a.id, ?4 FROM roles r JOIN apis a ON a.app_id = r.app_id \
                     WHERE r.app_id = ?1 AND r.name = ?2 AND a.identifier = ?3",
                )
                .bind(&[app.clone(), text(role.name), text(dashboard::MANAGEMENT_API), text(p.value())])?,
            );
        }
    }
    // The web app's client is the platform's: written at every bootstrap,
    // so its redirect URI follows the configured origin. Only `disabled`
    // is the operator's (an emergency stop), kept as it is.
    if let Some(origin) = web_app_origin {
        let client = dashboard::web_app_client(origin, now);
        batch.push(
            db.prepare(format!(
                "INSERT INTO oauth_clients ({CLIENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) \
                 ON CONFLICT (client_id) DO UPDATE SET name = ?3, client_type = ?4, token_endpoint_auth_method = ?5, secret_hash = ?6, \
                 redirect_uris = ?7, post_logout_redirect_uris = ?8, grant_types = ?9, scopes = ?10, first_party = ?11, \
                 require_pkce = ?12, updated_at = ?14, id_token_signed_response_alg = ?15, organization_usage = ?17 \
                 WHERE oauth_clients.app_id = ?2"
            ))
            .bind(&client_args(&client)?)?,
        );
    }
    db.batch(batch).await?;
    Ok(())
}

/// The Dashboard's management API (`aero2_core::dashboard`), as the
/// bootstrap stores it: RBAC enforced, permissions in the token.
pub fn management_api(id_bytes: [u8; 16], now: UnixMillis) -> Api {
    use aero2_core::dashboard::{Permission as P, MANAGEMENT_API, MANAGEMENT_API_NAME, MANAGEMENT_TOKEN_LIFETIME_SECS};
    use aero2_core::rbac::Permission;
    Api {
        id: new_id(IdKind::Api, id_bytes),
        identifier: MANAGEMENT_API.into(),
        name: MANAGEMENT_API_NAME.into(),
        settings: ApiSettings {
            permissions: P::ALL.iter().map(|p| Permission { value: p.value().into(), description: p.description().into() }).collect(),
            token_lifetime_seconds: MANAGEMENT_TOKEN_LIFETIME_SECS,
            signing_alg: Alg::ES256,
            enforce_rbac: true,
            permissions_claim: true,
        },
        created_at: now.0,
        updated_at: now.0,
    }
}

/// Rewrites the mutable fields (never the id, application or identifier).
pub async fn update_api(db: &D1Database, app_id: &str, a: &Api) -> Result<()> {
    db.prepare(
        "UPDATE apis SET name = ?4, permissions = ?5, token_lifetime_seconds = ?6, signing_alg = ?7, enforce_rbac = ?8, \
         permissions_claim = ?9, updated_at = ?11 WHERE id = ?1 AND app_id = ?2",
    )
    .bind(&api_args(app_id, a)?)?
    .run()
    .await?;
    Ok(())
}

pub async fn api(db: &D1Database, app_id: &str, id: &str) -> Result<Option<Api>> {
    let row: Option<ApiRow> = db
        .prepare(format!("SELECT {API_COLUMNS} FROM apis WHERE app_id = ?1 AND id = ?2"))
        .bind(&[text(app_id), text(id)])?
        .first(None)
        .await?;
    Ok(row.and_then(ApiRow::into_api))
}

pub async fn list_apis(db: &D1Database, app_id: &str) -> Result<Vec<Api>> {
    let rows: Vec<ApiRow> = db
        .prepare(format!("SELECT {API_COLUMNS} FROM apis WHERE app_id = ?1 ORDER BY created_at, id"))
        .bind(&[text(app_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().filter_map(ApiRow::into_api).collect())
}

/// Deletes the API, every role's permissions from it and every client's
/// grant of it.
pub async fn delete_api(db: &D1Database, app_id: &str, id: &str) -> Result<()> {
    let args = [text(app_id), text(id)];
    db.batch(vec![
        db.prepare("DELETE FROM client_grants WHERE app_id = ?1 AND api_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM role_permissions WHERE app_id = ?1 AND api_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM apis WHERE app_id = ?1 AND id = ?2").bind(&args)?,
    ])
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------- roles

const ROLE_COLUMNS: &str = "id, name, description, org_permissions AS organization_permissions, created_at, updated_at";

/// Fails with a unique violation when the application has a role of this name.
pub async fn insert_role(db: &D1Database, app_id: &str, r: &Role) -> Result<()> {
    db.prepare("INSERT INTO roles (id, app_id, name, description, created_at, updated_at, org_permissions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(&[text(&r.id), text(app_id), text(&r.name), text(&r.description), int(r.created_at), int(r.updated_at), text(&serde_json::to_string(&r.organization_permissions)?)])?
        .run()
        .await?;
    Ok(())
}

/// Fails with a unique violation when another role has the new name.
pub async fn update_role(db: &D1Database, app_id: &str, r: &Role) -> Result<()> {
    db.prepare("UPDATE roles SET name = ?3, description = ?4, updated_at = ?5, org_permissions = ?6 WHERE app_id = ?1 AND id = ?2")
        .bind(&[text(app_id), text(&r.id), text(&r.name), text(&r.description), int(r.updated_at), text(&serde_json::to_string(&r.organization_permissions)?)])?
        .run()
        .await?;
    Ok(())
}

pub async fn role(db: &D1Database, app_id: &str, id: &str) -> Result<Option<Role>> {
    db.prepare(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE app_id = ?1 AND id = ?2"))
        .bind(&[text(app_id), text(id)])?
        .first(None)
        .await
}

pub async fn list_roles(db: &D1Database, app_id: &str) -> Result<Vec<Role>> {
    db.prepare(format!("SELECT {ROLE_COLUMNS} FROM roles WHERE app_id = ?1 ORDER BY created_at, id"))
        .bind(&[text(app_id)])?
        .all()
        .await?
        .results()
}

/// Deletes the role, what it grants, and its assignments.
pub async fn delete_role(db: &D1Database, app_id: &str, id: &str) -> Result<()> {
    let args = [text(app_id), text(id)];
    db.batch(vec![
        db.prepare("DELETE FROM user_roles WHERE app_id = ?1 AND role_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM organization_member_roles WHERE app_id = ?1 AND role_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM role_permissions WHERE app_id = ?1 AND role_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM roles WHERE app_id = ?1 AND id = ?2").bind(&args)?,
    ])
    .await?;
    Ok(())
}

/// What the role grants, in a stable order.
pub async fn role_permissions(db: &D1Database, app_id: &str, role_id: &str) -> Result<Vec<Grant>> {
    db.prepare("SELECT api_id, value FROM role_permissions WHERE app_id = ?1 AND role_id = ?2 ORDER BY api_id, value")
        .bind(&[text(app_id), text(role_id)])?
        .all()
        .await?
        .results()
}

/// Adds `grants` to the role (those it has already are left as they are).
pub async fn add_role_permissions(db: &D1Database, app_id: &str, role_id: &str, grants: &[Grant]) -> Result<()> {
    let rows = grants.iter().map(|g| vec![text(app_id), text(role_id), text(&g.api_id), text(&g.value)]);
    each(db, Vec::new(), "INSERT OR IGNORE INTO role_permissions (app_id, role_id, api_id, value) VALUES (?1, ?2, ?3, ?4)", rows).await
}

/// Runs `first`, then `sql` once per row of arguments, in one batch.
async fn each(db: &D1Database, first: Vec<worker::D1PreparedStatement>, sql: &str, rows: impl Iterator<Item = Vec<JsValue>>) -> Result<()> {
    let mut batch = first;
    for args in rows {
        batch.push(db.prepare(sql).bind(&args)?);
    }
    db.batch(batch).await?;
    Ok(())
}

#[derive(Deserialize)]
struct ClientGrantRow {
    api_id: String,
    permissions: String,
}

/// A client's grants, by API id.
pub async fn client_grants(db: &D1Database, app_id: &str, client_id: &str) -> Result<Vec<ClientGrant>> {
    let rows: Vec<ClientGrantRow> = db
        .prepare("SELECT api_id, permissions FROM client_grants WHERE app_id = ?1 AND client_id = ?2 ORDER BY api_id")
        .bind(&[text(app_id), text(client_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some(ClientGrant { api_id: r.api_id, permissions: serde_json::from_str(&r.permissions).ok()? }))
        .collect())
}

/// Replaces a client's grants with `grants`, in one batch.
pub async fn set_client_grants(db: &D1Database, app_id: &str, client_id: &str, grants: &[ClientGrant]) -> Result<()> {
    let clear = db.prepare("DELETE FROM client_grants WHERE app_id = ?1 AND client_id = ?2").bind(&[text(app_id), text(client_id)])?;
    let mut rows = Vec::with_capacity(grants.len());
    for g in grants {
        rows.push(vec![text(app_id), text(client_id), text(&g.api_id), text(&serde_json::to_string(&g.permissions)?)]);
    }
    let insert = "INSERT INTO client_grants (app_id, client_id, api_id, permissions) VALUES (?1, ?2, ?3, ?4)";
    each(db, vec![clear], insert, rows.into_iter()).await
}

/// The roles of a user, by name.
pub async fn user_roles(db: &D1Database, app_id: &str, user_id: &str) -> Result<Vec<Role>> {
    db.prepare(
        "SELECT r.id, r.name, r.description, r.org_permissions AS organization_permissions, r.created_at, r.updated_at FROM user_roles u \
         JOIN roles r ON r.app_id = u.app_id AND r.id = u.role_id WHERE u.app_id = ?1 AND u.user_id = ?2 ORDER BY r.name",
    )
    .bind(&[text(app_id), text(user_id)])?
    .all()
    .await?
    .results()
}

#[derive(Deserialize)]
struct Value1 {
    value: String,
}

/// The permissions a user holds for the API `api_id` through their roles,
/// and, in the organization `org_id`, through their roles there too (read
/// afresh for every token: a role change reaches the next one).
pub async fn user_permissions(db: &D1Database, app_id: &str, user_id: &str, api_id: &str, org_id: Option<&str>) -> Result<Vec<String>> {
    let rows: Vec<Value1> = db
        .prepare(
            "SELECT DISTINCT p.value FROM role_permissions p WHERE p.app_id = ?1 AND p.api_id = ?3 AND p.role_id IN ( \
               SELECT role_id FROM user_roles WHERE app_id = ?1 AND user_id = ?2 \
               UNION SELECT role_id FROM organization_member_roles WHERE app_id = ?1 AND user_id = ?2 AND org_id = ?4) \
             ORDER BY p.value",
        )
        .bind(&[text(app_id), text(user_id), text(api_id), org_id.map_or(JsValue::NULL, text)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| r.value).collect())
}

/// Assigns `role_ids` (ones the user has already are left as they are).
pub async fn assign_roles(db: &D1Database, app_id: &str, user_id: &str, role_ids: &[String], now: UnixMillis) -> Result<()> {
    let rows = role_ids.iter().map(|r| vec![text(app_id), text(user_id), text(r), int(now.0)]);
    each(db, Vec::new(), "INSERT OR IGNORE INTO user_roles (app_id, user_id, role_id, created_at) VALUES (?1, ?2, ?3, ?4)", rows).await
}

pub async fn unassign_roles(db: &D1Database, app_id: &str, user_id: &str, role_ids: &[String]) -> Result<()> {
    let rows = role_ids.iter().map(|r| vec![text(app_id), text(user_id), text(r)]);
    each(db, Vec::new(), "DELETE FROM user_roles WHERE app_id = ?1 AND user_id = ?2 AND role_id = ?3", rows).await
}

pub async fn remove_role_permissions(db: &D1Database, app_id: &str, role_id: &str, grants: &[Grant]) -> Result<()> {
    let rows = grants.iter().map(|g| vec![text(app_id), text(role_id), text(&g.api_id), text(&g.value)]);
    each(db, Vec::new(), "DELETE FROM role_permissions WHERE app_id = ?1 AND role_id = ?2 AND api_id = ?3 AND value = ?4", rows).await
}

//! An application's upstream identity providers and its users' linked
//! identities, in D1; plus the providers declared in deployment
//! configuration (`AERO2_STATIC_IDPS`). Client secrets are sealed with
//! AES-256-GCM under `AERO2_KEY_ENCRYPTION_KEY`, the application and
//! provider ids bound in as associated data, so a ciphertext copied to
//! another row or application does not open.

use crate::db::{flag, int, stmt, text};
use crate::jwks_signer::key_encryption_key;
use crate::webcrypto;
use aero2_core::rp::config::{parse_static, ClaimMapping, Endpoints, Idp, IdpKind, IdpSource, Reach, Resolution};
use aero2_core::secret::SecretString;
use aero2_core::time::UnixMillis;
use base64::Engine;
use serde::{Deserialize, Serialize};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, Env, Result};

/// Deployment configuration: a JSON array of providers (see
/// `aero2_core::rp::config::parse_static`).
pub const STATIC_IDPS_VAR: &str = "AERO2_STATIC_IDPS";

#[derive(Deserialize)]
struct IdpRow {
    id: String,
    app_id: String,
    slug: String,
    r#type: String,
    display_name: String,
    client_id: String,
    scopes: String,
    enabled: i64,
    endpoints: String,
    claims: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl IdpRow {
    fn into_idp(self) -> Option<Idp> {
        Some(Idp {
            id: self.id,
            app_id: self.app_id,
            slug: self.slug,
            kind: IdpKind::parse(&self.r#type)?,
            display_name: self.display_name,
            client_id: self.client_id,
            scopes: serde_json::from_str(&self.scopes).ok()?,
            enabled: self.enabled != 0,
            endpoints: serde_json::from_str::<Endpoints>(&self.endpoints).ok()?,
            claims: match self.claims {
                Some(c) => Some(serde_json::from_str::<ClaimMapping>(&c).ok()?),
                None => None,
            },
            source: IdpSource::Api,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "id, app_id, slug, type, display_name, client_id, scopes, enabled, endpoints, claims, created_at, updated_at";

/// Which upstream URLs this deployment may call: its platform domain says
/// whether it is local (`Reach`).
pub fn reach(env: &Env) -> Reach {
    let platform = crate::forward::platform_domain(env).unwrap_or_default();
    Reach::for_platform(aero2_core::host::is_local_domain(&platform))
}

fn aad(app_id: &str, idp_id: &str) -> String {
    format!("aero2:idp-secret:{app_id}:{idp_id}")
}

async fn seal(env: &Env, idp: &Idp, secret: &SecretString) -> Result<String> {
    let iv = crate::rng::bytes::<12>()?;
    let sealed = webcrypto::seal(&key_encryption_key(env).await?, iv, aad(&idp.app_id, &idp.id).as_bytes(), secret.secret().as_bytes()).await?;
    Ok(base64::engine::general_purpose::STANDARD.encode(sealed))
}

pub async fn insert(db: &D1Database, env: &Env, idp: &Idp, secret: &SecretString) -> Result<bool> {
    let sealed = seal(env, idp, secret).await?;
    let result = db
        .prepare(format!("INSERT INTO identity_providers ({COLUMNS}, client_secret_enc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"))
        .bind(&row_args(idp, Some(sealed))?)?
        .run()
        .await;
    crate::db::unless_taken(result)
}

fn row_args(idp: &Idp, sealed: Option<String>) -> Result<Vec<JsValue>> {
    let mut args = vec![
        text(&idp.id),
        text(&idp.app_id),
        text(&idp.slug),
        text(idp.kind.as_str()),
        text(&idp.display_name),
        text(&idp.client_id),
        text(&serde_json::to_string(&idp.scopes)?),
        flag(idp.enabled),
        text(&serde_json::to_string(&idp.endpoints)?),
        match &idp.claims {
            Some(c) => text(&serde_json::to_string(c)?),
            None => JsValue::NULL,
        },
        int(idp.created_at),
        int(idp.updated_at),
    ];
    if let Some(s) = sealed {
        args.push(text(&s));
    }
    Ok(args)
}

/// Rewrites the mutable fields, and the secret when a new one is given.
pub async fn update(db: &D1Database, env: &Env, idp: &Idp, secret: Option<&SecretString>) -> Result<()> {
    let sql = "UPDATE identity_providers SET display_name = ?5, client_id = ?6, scopes = ?7, enabled = ?8, updated_at = ?12 \
               WHERE app_id = ?2 AND id = ?1";
    let mut statements = vec![stmt(db, sql, &row_args(idp, None)?)?];
    if let Some(s) = secret {
        let sealed = seal(env, idp, s).await?;
        statements.push(stmt(
            db,
            "UPDATE identity_providers SET client_secret_enc = ?3 WHERE app_id = ?1 AND id = ?2",
            &[text(&idp.app_id), text(&idp.id), text(&sealed)],
        )?);
    }
    db.batch(statements).await?;
    Ok(())
}

/// Removes a provider and every identity linked through it.
pub async fn delete(db: &D1Database, app_id: &str, idp_id: &str) -> Result<()> {
    let args = [text(app_id), text(idp_id)];
    db.batch(vec![
        stmt(db, "DELETE FROM user_identities WHERE app_id = ?1 AND idp_id = ?2", &args)?,
        stmt(db, "DELETE FROM identity_providers WHERE app_id = ?1 AND id = ?2", &args)?,
    ])
    .await?;
    Ok(())
}

/// The application's providers: those of the API, then the static ones.
pub async fn list(db: &D1Database, env: &Env, app_id: &str, app_slug: &str) -> Result<Vec<Idp>> {
    let rows: Vec<IdpRow> = db
        .prepare(format!("SELECT {COLUMNS} FROM identity_providers WHERE app_id = ?1 ORDER BY created_at, id"))
        .bind(&[text(app_id)])?
        .all()
        .await?
        .results()?;
    let mut out: Vec<Idp> = rows.into_iter().filter_map(IdpRow::into_idp).collect();
    for s in static_for(env, app_id, app_slug) {
        if !out.iter().any(|i| i.slug == s.slug) {
            out.push(s);
        }
    }
    Ok(out)
}

/// The client secret of `idp`, opened (API) or read from its Worker
/// secret (static).
pub async fn client_secret(db: &D1Database, env: &Env, idp: &Idp, app_slug: &str) -> Result<SecretString> {
    if idp.source == IdpSource::Static {
        let list = static_entries(env).unwrap_or_default();
        return list
            .into_iter()
            .find(|(app, new)| (app == &idp.app_id || app == app_slug) && new.slug == idp.slug)
            .map(|(_, n)| n.client_secret)
            .ok_or_else(|| worker::Error::RustError("static provider has no secret".into()));
    }
    #[derive(Deserialize)]
    struct Sealed {
        client_secret_enc: String,
    }
    let row: Option<Sealed> = db
        .prepare("SELECT client_secret_enc FROM identity_providers WHERE app_id = ?1 AND id = ?2")
        .bind(&[text(&idp.app_id), text(&idp.id)])?
        .first(None)
        .await?;
    let sealed = row.ok_or_else(|| worker::Error::RustError("provider is gone".into()))?.client_secret_enc;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|_| worker::Error::RustError("sealed secret is not base64".into()))?;
    let plain = webcrypto::open(&key_encryption_key(env).await?, aad(&idp.app_id, &idp.id).as_bytes(), &bytes).await?;
    String::from_utf8(plain).map(SecretString::new).map_err(|_| worker::Error::RustError("sealed secret is not UTF-8".into()))
}

/// Static providers as (application id or slug, provider). A broken
/// configuration is logged once per call and serves no provider.
fn static_entries(env: &Env) -> Option<Vec<(String, aero2_core::rp::config::NewIdp)>> {
    let raw = env.var(STATIC_IDPS_VAR).ok()?.to_string();
    if raw.trim().is_empty() {
        return None;
    }
    match parse_static(&raw, reach(env), |name| env.secret(name).ok().map(|s| s.to_string())) {
        Ok(list) => Some(list.into_iter().map(|s| (s.application, s.new)).collect()),
        Err(e) => {
            worker::console_error!("{e}");
            None
        }
    }
}

/// The static providers of one application. Their endpoints must be known
/// without fetching (github, oauth2, or an OIDC provider whose discovery
/// the Relying Party resolves on first use); the id is derived from the slug.
fn static_for(env: &Env, app_id: &str, app_slug: &str) -> Vec<Idp> {
    static_entries(env)
        .unwrap_or_default()
        .into_iter()
        .filter(|(app, _)| app == app_id || app == app_slug)
        .map(|(_, new)| {
            let endpoints = match &new.source {
                Resolution::Known(e) => e.clone(),
                Resolution::Discover { issuer, auth } => Endpoints::undiscovered(issuer, *auth),
            };
            let id = format!("idp_static_{}", new.slug);
            new.into_idp(id, app_id.to_owned(), endpoints, IdpSource::Static, 0).0
        })
        .collect()
}

// ---------------------------------------------------------------- identities

/// A provider subject linked to a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub idp_id: String,
    pub subject: String,
    pub user_id: String,
    /// The provider's address for the user, whether or not it vouched for it.
    pub email: Option<String>,
    /// Whether it did, when last seen.
    #[serde(with = "crate::db::bool_as_int")]
    pub email_verified: bool,
    pub created_at: i64,
    pub last_login_at: i64,
}

const IDENTITY_COLUMNS: &str = "id, idp_id, subject, user_id, email, email_verified, created_at, last_login_at";

pub async fn identity(db: &D1Database, app_id: &str, idp_id: &str, subject: &str) -> Result<Option<Identity>> {
    db.prepare(format!("SELECT {IDENTITY_COLUMNS} FROM user_identities WHERE app_id = ?1 AND idp_id = ?2 AND subject = ?3"))
        .bind(&[text(app_id), text(idp_id), text(subject)])?
        .first(None)
        .await
}

/// An identity as the account API and the management API show it, with
/// the provider it belongs to (from `providers`, the application's).
pub fn identity_json(i: &Identity, providers: &[Idp]) -> serde_json::Value {
    let idp = providers.iter().find(|p| p.id == i.idp_id);
    serde_json::json!({
        "id": i.id,
        "provider": idp.map(|p| p.slug.clone()),
        "provider_name": idp.map(|p| p.display_name.clone()),
        "subject": i.subject,
        "email": i.email,
        "email_verified": i.email_verified,
        "linked_at": i.created_at,
        "last_login_at": i.last_login_at,
    })
}

pub async fn identities_of(db: &D1Database, app_id: &str, user_id: &str) -> Result<Vec<Identity>> {
    db.prepare(format!("SELECT {IDENTITY_COLUMNS} FROM user_identities WHERE app_id = ?1 AND user_id = ?2 ORDER BY created_at, id"))
        .bind(&[text(app_id), text(user_id)])?
        .all()
        .await?
        .results()
}

fn identity_insert(db: &D1Database, app_id: &str, i: &Identity) -> Result<worker::D1PreparedStatement> {
    stmt(
        db,
        &format!("INSERT INTO user_identities (app_id, {IDENTITY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        &[
            text(app_id),
            text(&i.id),
            text(&i.idp_id),
            text(&i.subject),
            text(&i.user_id),
            i.email.as_deref().map_or(JsValue::NULL, text),
            flag(i.email_verified),
            int(i.created_at),
            int(i.last_login_at),
        ],
    )
}

/// Links `i` to its (existing) user; `false` if the subject is linked
/// already (a concurrent sign-in won).
pub async fn link(db: &D1Database, app_id: &str, i: &Identity) -> Result<bool> {
    crate::db::unless_taken(identity_insert(db, app_id, i)?.run().await)
}

/// Creates `user` and links `i` to it in one transaction; `false` (and
/// nothing written) if the address or the subject is taken meanwhile.
pub async fn create_linked_user(db: &D1Database, user: &crate::directory::User, i: &Identity) -> Result<bool> {
    let mut batch = vec![crate::directory::insert_user_statement(db, user)?, identity_insert(db, &user.app_id, i)?];
    batch.extend(crate::directory::new_user_statements(db, user)?);
    crate::db::unless_taken(db.batch(batch).await)
}

/// Records a sign-in through an identity, with what the provider says of
/// the address now.
pub async fn touch(db: &D1Database, app_id: &str, identity_id: &str, email: Option<&str>, email_verified: bool, now: UnixMillis) -> Result<()> {
    db.prepare("UPDATE user_identities SET last_login_at = ?3, email = ?4, email_verified = ?5 WHERE app_id = ?1 AND id = ?2")
        .bind(&[text(app_id), text(identity_id), int(now.0), email.map_or(JsValue::NULL, text), flag(email_verified)])?
        .run()
        .await?;
    Ok(())
}

/// Unlinks the user's identities whose provider never vouched for an
/// address: after a password reset (proof of the account's own mailbox),
/// a link made without that proof no longer opens the account.
pub async fn unlink_unverified(db: &D1Database, app_id: &str, user_id: &str) -> Result<u32> {
    let result = db
        .prepare("DELETE FROM user_identities WHERE app_id = ?1 AND user_id = ?2 AND email_verified = 0")
        .bind(&[text(app_id), text(user_id)])?
        .run()
        .await?;
    let removed = result.meta()?.and_then(|m| m.changes).unwrap_or(0);
    if removed > 0 {
        worker::console_log!("app {app_id}: a password reset of {user_id} unlinked {removed} identity(ies) that never proved an address");
    }
    Ok(u32::try_from(removed).unwrap_or(u32::MAX))
}

/// Unlinks an identity of `user_id`, unless it is the user's last way to
/// sign in (no password and no other identity). `None`: no such identity.
/// Checked and deleted in one statement, so two concurrent unlinks cannot
/// both pass the check.
pub async fn unlink(db: &D1Database, app_id: &str, user_id: &str, identity_id: &str) -> Result<Option<bool>> {
    if !identities_of(db, app_id, user_id).await?.iter().any(|i| i.id == identity_id) {
        return Ok(None);
    }
    let result = db
        .prepare(
            "DELETE FROM user_identities WHERE app_id = ?1 AND user_id = ?2 AND id = ?3 AND (
                EXISTS (SELECT 1 FROM users WHERE app_id = ?1 AND id = ?2 AND password_hash IS NOT NULL)
                OR (SELECT COUNT(*) FROM user_identities WHERE app_id = ?1 AND user_id = ?2) > 1)",
        )
        .bind(&[text(app_id), text(user_id), text(identity_id)])?
        .run()
        .await?;
    let changed = result.meta()?.and_then(|m| m.changes).unwrap_or(0);
    Ok(Some(changed > 0))
}

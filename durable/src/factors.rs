//! Users' second factors and recovery codes in D1 (`aero2_core::mfa`
//! decides): TOTP authenticators (`mfa_factors`) and passkeys (`passkeys`,
//! checked by `aero2_core::webauthn`), listed together with one kind of
//! id. TOTP secrets are sealed with the key-encryption key, bound to
//! the application and the factor (a ciphertext copied to another row does
//! not open); recovery codes are stored as digests. A code is used at most
//! once: accepting one moves `last_step` forward only if no other request
//! already has (a conditional UPDATE), and a recovery code is marked used
//! the same way.

use crate::db::{flag, int, text};
use crate::jwks_signer::key_encryption_key;
use crate::webcrypto;
use aero2_core::ids::{new_id, IdKind};
use aero2_core::time::UnixMillis;
use aero2_core::webauthn::{NewCredential, PublicKey};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, Result};

/// A factor as the account and management APIs show it (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Factor {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub confirmed_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    #[serde(skip_serializing)]
    pub last_step: Option<i64>,
}

impl Factor {
    #[must_use]
    pub fn confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

/// Both kinds of factor as one relation (`?1` the application, `?2` the
/// user); a passkey is confirmed when it is made.
const ALL_FACTORS: &str = "SELECT id, user_id, kind, confirmed_at, last_used_at, created_at, last_step FROM mfa_factors \
     WHERE app_id = ?1 AND user_id = ?2 \
     UNION ALL SELECT id, user_id, 'passkey', created_at, last_used_at, created_at, NULL FROM passkeys WHERE app_id = ?1 AND user_id = ?2 \
     UNION ALL SELECT id, user_id, 'sms', confirmed_at, last_used_at, created_at, NULL FROM sms_factors WHERE app_id = ?1 AND user_id = ?2";

fn aad(app_id: &str, factor_id: &str) -> String {
    format!("aero2:mfa-secret:{app_id}:{factor_id}")
}

/// The user's factors, confirmed or waiting for their first code.
pub async fn list(db: &D1Database, app_id: &str, user_id: &str) -> Result<Vec<Factor>> {
    db.prepare(format!("SELECT * FROM ({ALL_FACTORS}) ORDER BY created_at, id"))
        .bind(&[text(app_id), text(user_id)])?
        .all()
        .await?
        .results()
}

/// How many confirmed factors the user has (one COUNT: every sign-in asks).
pub async fn confirmed_count(db: &D1Database, app_id: &str, user_id: &str) -> Result<usize> {
    let row: Option<Count> = db
        .prepare(
            "SELECT (SELECT COUNT(*) FROM mfa_factors WHERE app_id = ?1 AND user_id = ?2 AND confirmed_at IS NOT NULL) \
             + (SELECT COUNT(*) FROM passkeys WHERE app_id = ?1 AND user_id = ?2) \
             + (SELECT COUNT(*) FROM sms_factors WHERE app_id = ?1 AND user_id = ?2 AND confirmed_at IS NOT NULL) AS n",
        )
        .bind(&[text(app_id), text(user_id)])?
        .first(None)
        .await?;
    Ok(row.map_or(0, |c| usize::try_from(c.n).unwrap_or(0)))
}

/// The user's factor `id`, if it is theirs.
pub async fn get(db: &D1Database, app_id: &str, user_id: &str, id: &str) -> Result<Option<Factor>> {
    db.prepare(format!("SELECT * FROM ({ALL_FACTORS}) WHERE id = ?3"))
        .bind(&[text(app_id), text(user_id), text(id)])?
        .first(None)
        .await
}

/// Stores a new, unconfirmed TOTP factor (dropping any earlier enrolment
/// the user never confirmed).
pub async fn add_totp(db: &D1Database, env: &Env, app_id: &str, user_id: &str, secret: &[u8], now: UnixMillis) -> Result<Factor> {
    let id = new_id(IdKind::Factor, crate::rng::bytes()?);
    let sealed = webcrypto::seal(&key_encryption_key(env).await?, crate::rng::bytes()?, aad(app_id, &id).as_bytes(), secret).await?;
    let sealed = base64::engine::general_purpose::STANDARD.encode(sealed);
    db.batch(vec![
        db.prepare("DELETE FROM mfa_factors WHERE app_id = ?1 AND user_id = ?2 AND confirmed_at IS NULL").bind(&[text(app_id), text(user_id)])?,
        db.prepare("INSERT INTO mfa_factors (id, app_id, user_id, kind, secret, created_at) VALUES (?1, ?2, ?3, 'totp', ?4, ?5)")
            .bind(&[text(&id), text(app_id), text(user_id), text(&sealed), int(now.0)])?,
    ])
    .await?;
    Ok(Factor { id, user_id: user_id.to_owned(), kind: "totp".into(), confirmed_at: None, last_used_at: None, created_at: now.0, last_step: None })
}

#[derive(Deserialize)]
struct Sealed {
    secret: String,
}

/// The TOTP secret of factor `id`.
pub async fn secret(db: &D1Database, env: &Env, app_id: &str, id: &str) -> Result<Vec<u8>> {
    let row: Option<Sealed> = db.prepare("SELECT secret FROM mfa_factors WHERE app_id = ?1 AND id = ?2").bind(&[text(app_id), text(id)])?.first(None).await?;
    let sealed = row.ok_or_else(|| worker::Error::RustError("factor is gone".into()))?.secret;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|_| worker::Error::RustError("sealed factor secret is not base64".into()))?;
    webcrypto::open(&key_encryption_key(env).await?, aad(app_id, id).as_bytes(), &bytes).await
}

/// Records that a code for `step` was accepted (and confirms the factor
/// if it was waiting), unless another request already used this step or
/// a later one: `false` then.
pub async fn use_step(db: &D1Database, app_id: &str, id: &str, step: i64, now: UnixMillis) -> Result<bool> {
    let result = db
        .prepare(
            "UPDATE mfa_factors SET last_step = ?3, last_used_at = ?4, confirmed_at = COALESCE(confirmed_at, ?4) \
             WHERE app_id = ?1 AND id = ?2 AND (last_step IS NULL OR last_step < ?3)",
        )
        .bind(&[text(app_id), text(id), int(step), int(now.0)])?
        .run()
        .await?;
    changed(&result)
}

fn changed(result: &worker::D1Result) -> Result<bool> {
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// Removes the user's factor `id` (of either kind); with it the recovery
/// codes when no confirmed factor is left. `false` if there was no such
/// factor.
pub async fn remove(db: &D1Database, app_id: &str, user_id: &str, id: &str) -> Result<bool> {
    let args = [text(app_id), text(user_id), text(id)];
    let results = db
        .batch(vec![
            db.prepare("DELETE FROM mfa_factors WHERE app_id = ?1 AND user_id = ?2 AND id = ?3").bind(&args)?,
            db.prepare("DELETE FROM passkeys WHERE app_id = ?1 AND user_id = ?2 AND id = ?3").bind(&args)?,
            db.prepare("DELETE FROM sms_factors WHERE app_id = ?1 AND user_id = ?2 AND id = ?3").bind(&args)?,
            db.prepare(
                "DELETE FROM recovery_codes WHERE app_id = ?1 AND user_id = ?2 AND NOT EXISTS \
                 (SELECT 1 FROM mfa_factors WHERE app_id = ?1 AND user_id = ?2 AND confirmed_at IS NOT NULL) \
                 AND NOT EXISTS (SELECT 1 FROM passkeys WHERE app_id = ?1 AND user_id = ?2) \
                 AND NOT EXISTS (SELECT 1 FROM sms_factors WHERE app_id = ?1 AND user_id = ?2 AND confirmed_at IS NOT NULL)",
            )
            .bind(args.get(..2).unwrap_or_default())?,
        ])
        .await?;
    let mut removed = false;
    for r in results.iter().take(3) {
        removed |= changed(r)?;
    }
    Ok(removed)
}

/// Removes every factor and recovery code of the user (the operator's reset).
pub async fn remove_all(db: &D1Database, app_id: &str, user_id: &str) -> Result<()> {
    let args = [text(app_id), text(user_id)];
    db.batch(vec![
        db.prepare("DELETE FROM mfa_factors WHERE app_id = ?1 AND user_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM passkeys WHERE app_id = ?1 AND user_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM sms_factors WHERE app_id = ?1 AND user_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM recovery_codes WHERE app_id = ?1 AND user_id = ?2").bind(&args)?,
    ])
    .await?;
    Ok(())
}

/// Replaces the user's recovery codes with these digests.
pub async fn set_recovery_codes(db: &D1Database, app_id: &str, user_id: &str, digests: &[String], now: UnixMillis) -> Result<()> {
    let mut batch = vec![db.prepare("DELETE FROM recovery_codes WHERE app_id = ?1 AND user_id = ?2").bind(&[text(app_id), text(user_id)])?];
    for d in digests {
        batch.push(
            db.prepare("INSERT INTO recovery_codes (app_id, user_id, digest, created_at) VALUES (?1, ?2, ?3, ?4)")
                .bind(&[text(app_id), text(user_id), text(d), int(now.0)])?,
        );
    }
    db.batch(batch).await?;
    Ok(())
}

/// Uses the recovery code with this digest: `true` if it was the user's
/// and unused (it is used now).
pub async fn use_recovery_code(db: &D1Database, app_id: &str, user_id: &str, digest: &str, now: UnixMillis) -> Result<bool> {
    let result = db
        .prepare("UPDATE recovery_codes SET used_at = ?4 WHERE app_id = ?1 AND user_id = ?2 AND digest = ?3 AND used_at IS NULL")
        .bind(&[text(app_id), text(user_id), text(digest), int(now.0)])?
        .run()
        .await?;
    changed(&result)
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// Unused recovery codes the user has left.
pub async fn recovery_codes_left(db: &D1Database, app_id: &str, user_id: &str) -> Result<i64> {
    let row: Option<Count> = db
        .prepare("SELECT COUNT(*) AS n FROM recovery_codes WHERE app_id = ?1 AND user_id = ?2 AND used_at IS NULL")
        .bind(&[text(app_id), text(user_id)])?
        .first(None)
        .await?;
    Ok(row.map_or(0, |c| c.n))
}

// ---------------------------------------------------------------- passkeys

/// A stored passkey (public material only).
#[derive(Debug, Clone, Deserialize)]
pub struct Passkey {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub rp_id: String,
    public_key: String,
    pub sign_count: i64,
    transports: String,
}

impl Passkey {
    /// The key as the core checks it; `None` for a row that does not read.
    #[must_use]
    pub fn public_key(&self) -> Option<PublicKey> {
        serde_json::from_str(&self.public_key).ok()
    }

    /// The credential ID and transports, as options list them.
    #[must_use]
    pub fn descriptor(&self) -> Option<(Vec<u8>, Vec<String>)> {
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&self.credential_id).ok()?;
        Some((id, serde_json::from_str(&self.transports).unwrap_or_default()))
    }
}

const PASSKEY_COLUMNS: &str = "id, user_id, credential_id, rp_id, public_key, sign_count, transports";

/// The user's passkeys for `rp_id` (the host in use).
pub async fn passkeys_of(db: &D1Database, app_id: &str, user_id: &str, rp_id: &str) -> Result<Vec<Passkey>> {
    db.prepare(format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE app_id = ?1 AND user_id = ?2 AND rp_id = ?3 ORDER BY created_at"))
        .bind(&[text(app_id), text(user_id), text(rp_id)])?
        .all()
        .await?
        .results()
}

/// The passkey with this credential ID in this application, for `rp_id`.
pub async fn passkey_by_credential(db: &D1Database, app_id: &str, rp_id: &str, credential_id: &[u8]) -> Result<Option<Passkey>> {
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(credential_id);
    db.prepare(format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE app_id = ?1 AND credential_id = ?2 AND rp_id = ?3"))
        .bind(&[text(app_id), text(&encoded), text(rp_id)])?
        .first(None)
        .await
}

/// Stores a checked new credential for the user: `None` when the
/// credential is registered already (in this application).
pub async fn add_passkey(db: &D1Database, app_id: &str, user_id: &str, rp_id: &str, c: &NewCredential, now: UnixMillis) -> Result<Option<Factor>> {
    let id = new_id(IdKind::Factor, crate::rng::bytes()?);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let inserted = crate::db::unless_taken(
        db.prepare(
            "INSERT INTO passkeys (id, app_id, user_id, credential_id, rp_id, public_key, sign_count, transports, user_verified, \
             backup_eligible, backed_up, aaguid, attestation_format, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )
        .bind(&[
            text(&id),
            text(app_id),
            text(user_id),
            text(&b64.encode(&c.credential_id)),
            text(rp_id),
            text(&serde_json::to_string(&c.public_key)?),
            int(i64::from(c.sign_count)),
            text(&serde_json::to_string(&c.transports)?),
            flag(c.user_verified),
            flag(c.backup_eligible),
            flag(c.backed_up),
            text(&aero2_core::encoding::hex(&c.aaguid)),
            text(&c.format),
            int(now.0),
        ])?
        .run()
        .await,
    )?;
    Ok(inserted.then(|| Factor { id, user_id: user_id.to_owned(), kind: "passkey".into(), confirmed_at: Some(now.0), last_used_at: None, created_at: now.0, last_step: None }))
}

/// Records a verified assertion: the counter moves to `count` unless
/// another request already moved it as far (`false` then: the same
/// counter twice is a cloned authenticator or a replay).
pub async fn use_passkey(db: &D1Database, app_id: &str, id: &str, count: u32, backed_up: bool, now: UnixMillis) -> Result<bool> {
    let result = db
        .prepare(
            "UPDATE passkeys SET sign_count = ?3, last_used_at = ?4, backed_up = ?5 \
             WHERE app_id = ?1 AND id = ?2 AND (sign_count < ?3 OR (sign_count = 0 AND ?3 = 0))",
        )
        .bind(&[text(app_id), text(id), int(i64::from(count)), int(now.0), flag(backed_up)])?
        .run()
        .await?;
    changed(&result)
}

// ---------------------------------------------------------------- phones

#[derive(Deserialize)]
struct PhoneRow {
    phone: String,
}

/// Stores a new, unconfirmed phone factor (dropping any earlier phone
/// enrolment the user never confirmed).
pub async fn add_sms(db: &D1Database, app_id: &str, user_id: &str, phone: &str, now: UnixMillis) -> Result<Factor> {
    let id = new_id(IdKind::Factor, crate::rng::bytes()?);
    db.batch(vec![
        db.prepare("DELETE FROM sms_factors WHERE app_id = ?1 AND user_id = ?2 AND confirmed_at IS NULL").bind(&[text(app_id), text(user_id)])?,
        db.prepare("INSERT INTO sms_factors (id, app_id, user_id, phone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(&[text(&id), text(app_id), text(user_id), text(phone), int(now.0)])?,
    ])
    .await?;
    Ok(Factor { id, user_id: user_id.to_owned(), kind: "sms".into(), confirmed_at: None, last_used_at: None, created_at: now.0, last_step: None })
}

/// The number of the user's phone factor `id`.
pub async fn sms_phone(db: &D1Database, app_id: &str, user_id: &str, id: &str) -> Result<Option<String>> {
    let row: Option<PhoneRow> = db
        .prepare("SELECT phone FROM sms_factors WHERE app_id = ?1 AND user_id = ?2 AND id = ?3")
        .bind(&[text(app_id), text(user_id), text(id)])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.phone))
}

/// Records a right code for phone factor `id` (confirming it if new).
pub async fn sms_used(db: &D1Database, app_id: &str, id: &str, now: UnixMillis) -> Result<()> {
    db.prepare("UPDATE sms_factors SET last_used_at = ?3, confirmed_at = COALESCE(confirmed_at, ?3) WHERE app_id = ?1 AND id = ?2")
        .bind(&[text(app_id), text(id), int(now.0)])?
        .run()
        .await?;
    Ok(())
}

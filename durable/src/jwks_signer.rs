//! `JwksSigner`: the Durable Object that is the one authority for signing
//! keys: a singleton by default, or one of `JWKS_SIGNER_SHARDS` shards,
//! each the only authority for the applications placed on it
//! (`aero2_core::signer_shards`). It holds each application's key set (RS256 and ES256),
//! private keys sealed at rest with AES-256-GCM under the Worker secret
//! `AERO2_KEY_ENCRYPTION_KEY`, and signs tokens through WebCrypto. Private
//! keys never leave it, sealed or not. The lifecycle (pending → active →
//! retired → deleted) is the core's `signing_keys::plan`; this object
//! stores records, runs the plan on use and on its alarm, and signs.
//!
//! Internal API: the typed calls of `crate::signer_call::SignerCall`
//! (sign, jwks, ensure, rotate, forget, health), received by
//! `JwksSigner::call`.

use crate::sql::Statements;
use crate::schema::{self, SchemaGuard};
use crate::signer_call::{SignResponse, Signed, SignerCall, ToSign};
use crate::webcrypto::{self, CryptoKey};
use crate::{forward, now, respond, rng};
use aero2_core::error::ApiError;
use aero2_core::jose::alg::Alg;
use aero2_core::jose::claims::at_hash;
use aero2_core::jose::jwk::{Jwks, PublicJwk};
use aero2_core::jose::jws::{self, Header};
use aero2_core::signing_keys::{self, KeyPolicy, KeyRecord, KeyStatus, Step};
use aero2_core::time::UnixMillis;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorageValue, State};

const MIGRATIONS: &[&[&str]] = &[&[
    "CREATE TABLE signing_keys (
        app_id TEXT NOT NULL, kid TEXT NOT NULL, alg TEXT NOT NULL CHECK (alg IN ('RS256', 'ES256')),
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
        public_jwk TEXT NOT NULL, private_key_enc TEXT NOT NULL, created_at INTEGER NOT NULL,
        activates_at INTEGER NOT NULL, retired_at INTEGER, expires_at INTEGER,
        PRIMARY KEY (app_id, kid))",
    "CREATE INDEX signing_keys_expiry ON signing_keys (expires_at)",
], &[
    // Applications whose keys moved to another shard
    // (`aero2_core::signer_shards`): from `at`, their keys here retire and
    // none is made again.
    "CREATE TABLE handovers (app_id TEXT PRIMARY KEY, at INTEGER NOT NULL)",
]];

pub const KEY_ENCRYPTION_KEY_VAR: &str = "AERO2_KEY_ENCRYPTION_KEY";

/// Rotation every 90 days; a new key is published an hour before it signs
/// (JWKS responses are cacheable for 5 minutes); a retired key stays
/// published two hours, twice the longest token lifetime.
pub const POLICY: KeyPolicy = KeyPolicy {
    publish_lead_ms: 3_600_000,
    rotation_period_ms: 90 * 86_400_000,
    retire_grace_ms: 7_200_000,
};

#[durable_object]
pub struct JwksSigner {
    state: State,
    /// The object's SQL storage, taken once (`TenantApp`'s says why).
    sql: worker::SqlStorage,
    env: Env,
    schema: SchemaGuard,
    /// Imported private keys by (application, kid); importing costs more
    /// than signing. Keyed by both so no application can ever be served
    /// another's key, whatever its kids are.
    signing: RefCell<HashMap<(String, String), CryptoKey>>,
    sealing: RefCell<Option<CryptoKey>>,
    /// Each application's key records as last read, valid until the next
    /// lifecycle event: signing reads no storage on the hot path.
    apps: RefCell<HashMap<String, AppKeys>>,
    /// Calls received since this instance started, by application and
    /// kind, for the operator's health check (one entry per application
    /// and kind this instance served; a deleted application's go).
    calls: RefCell<HashMap<(String, &'static str), u64>>,
}

#[derive(Clone)]
struct AppKeys {
    records: Vec<KeyRecord>,
    jwks: Jwks,
    next_event: Option<UnixMillis>,
    /// Set when the keys moved to another shard (none is made here again).
    handed_over: Option<UnixMillis>,
}

#[derive(Deserialize)]
struct Row {
    kid: String,
    alg: String,
    status: String,
    public_jwk: String,
    created_at: i64,
    activates_at: i64,
    expires_at: Option<i64>,
}

impl Row {
    fn record(&self) -> Option<KeyRecord> {
        let status = match self.status.as_str() {
            "pending" => KeyStatus::Pending,
            "active" => KeyStatus::Active,
            "retired" => KeyStatus::Retired,
            _ => return None,
        };
        Some(KeyRecord {
            kid: self.kid.clone(),
            alg: Alg::parse(&self.alg)?,
            status,
            created_at: UnixMillis(self.created_at),
            activates_at: UnixMillis(self.activates_at),
            expires_at: self.expires_at.map(UnixMillis),
        })
    }
}

/// The sealed private key, base64 (SQLite hands BLOBs back as byte arrays,
/// which serde's `Vec<u8>` does not take; text is simpler all round).
#[derive(Deserialize)]
struct Sealed {
    private_key_enc: String,
}

#[derive(Deserialize)]
struct AppOnly {
    app_id: String,
}

/// A batch to sign for one application.
struct SignRequest {
    app_id: String,
    tokens: Vec<ToSign>,
}

impl DurableObject for JwksSigner {
    fn new(state: State, env: Env) -> Self {
        Self {
            sql: state.storage().sql(),
            state,
            env,
            schema: SchemaGuard::default(),
            signing: RefCell::default(),
            sealing: RefCell::default(),
            apps: RefCell::default(),
            calls: RefCell::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.handle(req).await {
            Ok(resp) => Ok(resp),
            Err(e) => respond::internal("JwksSigner", &e),
        }
    }

    /// Brings every application's keys up to date, then re-arms.
    async fn alarm(&self) -> Result<Response> {
        let apps: Vec<AppOnly> = self.sql()?.rows("SELECT DISTINCT app_id FROM signing_keys", None)?;
        // (An application handed over keeps its row in `handovers`, so that
        // nothing is generated for it here again; its keys are in
        // `signing_keys` until they expire.)
        for app in apps {
            self.maintain(&app.app_id).await?;
        }
        self.arm().await?;
        Response::empty()
    }
}

impl JwksSigner {
    async fn handle(&self, mut req: Request) -> Result<Response> {
        self.sql()?;
        if (req.method(), req.path().as_str()) != (Method::Post, "/call") {
            return respond::error(&ApiError::NotFound);
        }
        let call: SignerCall = forward::internal_json(&mut req).await?;
        self.call(call).await
    }

    /// The one receiving end of [`SignerCall`].
    async fn call(&self, call: SignerCall) -> Result<Response> {
        *self.calls.borrow_mut().entry((call.app_id().to_owned(), call.name())).or_default() += 1;
        match call {
            SignerCall::Sign { app_id, tokens } => respond::json(200, &self.sign(SignRequest { app_id, tokens }).await?),
            SignerCall::Jwks { app_id } => respond::json(200, &self.jwks(&app_id).await?),
            SignerCall::Keys { app_id } => {
                let keys: Vec<Value> = self.maintain(&app_id).await?.records.iter().map(KeyRecord::shown).collect();
                respond::json(200, &json!({ "keys": keys }))
            }
            SignerCall::Ensure { app_id } => {
                self.maintain(&app_id).await?;
                respond::no_content()
            }
            SignerCall::Rotate { app_id, activate_after_ms } => {
                self.maintain(&app_id).await?;
                let steps = signing_keys::rotate(&self.records(&app_id)?, now(), activate_after_ms);
                self.apply(&app_id, steps).await?;
                self.arm().await?;
                self.apps.borrow_mut().remove(&app_id);
                respond::json(200, &self.jwks(&app_id).await?)
            }
            SignerCall::MoveIn { app_id, activates_at } => {
                // Moving back to a shard it once left: it is this shard's again.
                self.sql()?.run("DELETE FROM handovers WHERE app_id = ?1", vec![app_id.clone().into()])?;
                self.apps.borrow_mut().remove(&app_id);
                let t = now();
                let steps = signing_keys::rotate(&self.records(&app_id)?, t, activates_at.0.saturating_sub(t.0).max(0));
                self.apply(&app_id, steps).await?;
                self.arm().await?;
                self.apps.borrow_mut().remove(&app_id);
                respond::no_content()
            }
            SignerCall::HandOver { app_id, at } => {
                self.sql()?.run(
                    "INSERT INTO handovers (app_id, at) VALUES (?1, ?2) ON CONFLICT (app_id) DO UPDATE SET at = excluded.at",
                    vec![app_id.clone().into(), SqlStorageValue::from(at.0)],
                )?;
                self.apps.borrow_mut().remove(&app_id);
                self.arm().await?;
                respond::no_content()
            }
            SignerCall::Forget { app_id } => {
                // Handed over to nowhere: a late call naming the deleted
                // application (a front Worker's resolution still cached
                // elsewhere) finds no key and makes none.
                self.sql()?.run(
                    "INSERT INTO handovers (app_id, at) VALUES (?1, ?2) ON CONFLICT (app_id) DO UPDATE SET at = excluded.at",
                    vec![app_id.clone().into(), SqlStorageValue::from(now().0)],
                )?;
                self.sql()?.run("DELETE FROM signing_keys WHERE app_id = ?1", vec![app_id.clone().into()])?;
                self.apps.borrow_mut().remove(&app_id);
                self.signing.borrow_mut().retain(|(app, _), _| app != &app_id);
                self.calls.borrow_mut().retain(|(app, _), _| app != &app_id);
                respond::no_content()
            }
            SignerCall::Health { app_id } => {
                let keys = self.sql()?.count("SELECT COUNT(*) AS n FROM signing_keys", None)?;
                respond::json(
                    200,
                    &json!({
                        "class": "JwksSigner",
                        "id": self.state.id().to_string(),
                        "schema_version": self.schema.version(),
                        "keys": keys,
                        "calls_since_start": self.calls.borrow().iter()
                            .filter(|((app, _), _)| *app == app_id)
                            .map(|((_, kind), n)| ((*kind).to_owned(), json!(n)))
                            .collect::<serde_json::Map<String, Value>>(),
                    }),
                )
            }
        }
    }

    fn sql(&self) -> Result<worker::SqlStorage> {
        self.schema.ensure(&self.sql, MIGRATIONS)?;
        Ok(self.sql.clone())
    }

    fn rows(&self, app_id: &str) -> Result<Vec<Row>> {
        self.sql()?
            .rows(
                "SELECT kid, alg, status, public_jwk, created_at, activates_at, expires_at
                 FROM signing_keys WHERE app_id = ?1 ORDER BY created_at, kid",
                vec![app_id.into()],
            )
    }

    fn records(&self, app_id: &str) -> Result<Vec<KeyRecord>> {
        Ok(self.rows(app_id)?.iter().filter_map(Row::record).collect())
    }

    /// Runs the lifecycle plan for one application at `now`.
    /// Runs the lifecycle plan for one application when something is due
    /// (or nothing is known yet), and returns its current keys.
    async fn maintain(&self, app_id: &str) -> Result<AppKeys> {
        let t = now();
        if let Some(k) = self.apps.borrow().get(app_id) {
            if k.next_event.is_none_or(|at| t < at) && (!k.records.is_empty() || k.handed_over.is_some()) {
                return Ok(k.clone());
            }
        }
        let records = self.records(app_id)?;
        let handed_over = self.handover(app_id)?;
        let steps = match handed_over {
            Some(at) => signing_keys::plan_handing_over(&records, t, at, &POLICY),
            None => signing_keys::plan(&records, t, &POLICY),
        };
        if !steps.is_empty() {
            self.apply(app_id, steps).await?;
            self.arm().await?;
        }
        self.reload(app_id, handed_over)
    }

    /// When the application's keys here are handed over to another shard.
    fn handover(&self, app_id: &str) -> Result<Option<UnixMillis>> {
        #[derive(Deserialize)]
        struct At {
            at: i64,
        }
        let row: Option<At> = self.sql()?.first("SELECT at FROM handovers WHERE app_id = ?1", vec![app_id.into()])?;
        Ok(row.map(|r| UnixMillis(r.at)))
    }

    /// Reads one application's keys from storage into the cache, with its
    /// handover time (`handover`, read by the caller).
    fn reload(&self, app_id: &str, handed_over: Option<UnixMillis>) -> Result<AppKeys> {
        let rows = self.rows(app_id)?;
        let records: Vec<KeyRecord> = rows.iter().filter_map(Row::record).collect();
        let keys = rows
            .iter()
            .filter_map(|r| serde_json::from_str::<Value>(&r.public_jwk).ok())
            .filter_map(|v| PublicJwk::from_json(&v).ok())
            .collect();
        // A handover still ahead is an event of its own.
        let handover_event = handed_over.filter(|at| records.iter().any(|k| k.status != KeyStatus::Retired) && now() < *at);
        let next_event = [signing_keys::next_event(&records, &POLICY), handover_event].into_iter().flatten().min();
        let k = AppKeys { next_event, records, jwks: Jwks { keys }, handed_over };
        self.apps.borrow_mut().insert(app_id.to_owned(), k.clone());
        Ok(k)
    }

    async fn apply(&self, app_id: &str, steps: Vec<Step>) -> Result<()> {
        let sql = self.sql()?;
        let t = now();
        for step in steps {
            match step {
                Step::Generate { alg, activates_at } => self.generate(app_id, alg, activates_at, t).await?,
                Step::Promote { kid } => {
                    sql.run(
                        "UPDATE signing_keys SET status = 'active' WHERE app_id = ?1 AND kid = ?2",
                        vec![app_id.into(), kid.into()],
                    )?;
                }
                Step::Retire { kid, expires_at } => {
                    sql.run(
                        "UPDATE signing_keys SET status = 'retired', retired_at = ?3, expires_at = ?4 WHERE app_id = ?1 AND kid = ?2",
                        vec![app_id.into(), kid.into(), SqlStorageValue::from(t.0), SqlStorageValue::from(expires_at.0)],
                    )?;
                }
                Step::Delete { kid } => {
                    sql.run("DELETE FROM signing_keys WHERE app_id = ?1 AND kid = ?2", vec![app_id.into(), kid.clone().into()])?;
                    self.signing.borrow_mut().remove(&(app_id.to_owned(), kid));
                }
            }
        }
        Ok(())
    }

    async fn generate(&self, app_id: &str, alg: Alg, activates_at: UnixMillis, t: UnixMillis) -> Result<()> {
        let (private, public) = webcrypto::generate_signing_key(alg).await?;
        let jwk = PublicJwk::from_json(&public).map_err(|e| worker::Error::RustError(format!("exported JWK: {e}")))?;
        let sealed = webcrypto::seal(&self.sealing_key().await?, rng::bytes()?, aad(app_id, &jwk.kid).as_bytes(), private.to_string().as_bytes()).await?;
        // Key generation awaited WebCrypto, and other requests may have run
        // meanwhile (only storage awaits hold input gates). Decide the status
        // and check for a twin with no await between, so each application
        // has one active and at most one pending key per algorithm. A key
        // made while another is active always starts pending: the plan
        // promotes it (retiring the old one) when its time comes.
        let sql = self.sql()?;
        let count = |status: KeyStatus| -> Result<i64> {
            sql.count(
                "SELECT COUNT(*) AS n FROM signing_keys WHERE app_id = ?1 AND alg = ?2 AND status = ?3",
                vec![app_id.into(), alg.as_str().into(), status.as_str().into()],
            )
        };
        let status = if count(KeyStatus::Active)? > 0 || activates_at > t { KeyStatus::Pending } else { KeyStatus::Active };
        if count(status)? > 0 {
            return Ok(());
        }
        sql.run(
            "INSERT INTO signing_keys (app_id, kid, alg, status, public_jwk, private_key_enc, created_at, activates_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            vec![
                app_id.into(),
                jwk.kid.clone().into(),
                alg.as_str().into(),
                status.as_str().into(),
                jwk.to_json().to_string().into(),
                base64::engine::general_purpose::STANDARD.encode(sealed).into(),
                SqlStorageValue::from(t.0),
                SqlStorageValue::from(activates_at.0),
            ],
        )?;
        Ok(())
    }

    /// Every published key: pending, active, and retired ones still within
    /// their grace.
    async fn jwks(&self, app_id: &str) -> Result<Jwks> {
        Ok(self.maintain(app_id).await?.jwks)
    }

    async fn sign(&self, r: SignRequest) -> Result<SignResponse> {
        let records = self.maintain(&r.app_id).await?.records;
        let mut out: Vec<Signed> = Vec::with_capacity(r.tokens.len());
        for mut t in r.tokens {
            let Some(active) = signing_keys::signing_key(&records, t.alg) else {
                return Err(worker::Error::RustError(format!("no active {} key", t.alg.as_str())));
            };
            if let Some(i) = t.at_hash_of {
                let earlier = out.get(i).ok_or_else(|| worker::Error::RustError("at_hash_of out of range".into()))?;
                if let Some(obj) = t.claims.as_object_mut() {
                    obj.insert("at_hash".into(), at_hash(t.alg, &earlier.token).into());
                }
            }
            let key = self.private_key(&r.app_id, &active.kid, t.alg).await?;
            let input = jws::signing_input(&Header::new(t.alg, &active.kid, t.typ.as_deref()), &t.claims);
            let signature = webcrypto::sign(t.alg, &key, input.as_bytes()).await?;
            out.push(Signed { token: jws::assemble(&input, &signature), kid: active.kid.clone() });
        }
        Ok(SignResponse { tokens: out })
    }

    async fn private_key(&self, app_id: &str, kid: &str, alg: Alg) -> Result<CryptoKey> {
        let cache_key = (app_id.to_owned(), kid.to_owned());
        if let Some(k) = self.signing.borrow().get(&cache_key) {
            return Ok(k.clone());
        }
        let sealed: Sealed = self
            .sql()?
            .first("SELECT private_key_enc FROM signing_keys WHERE app_id = ?1 AND kid = ?2", vec![app_id.into(), kid.into()])?
            .ok_or_else(|| worker::Error::RustError("signing key vanished".into()))?;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(sealed.private_key_enc)
            .map_err(|_| worker::Error::RustError("sealed key is not base64".into()))?;
        let plain = webcrypto::open(&self.sealing_key().await?, aad(app_id, kid).as_bytes(), &sealed).await?;
        let jwk: Value = serde_json::from_slice(&plain)?;
        let key = webcrypto::import_signing_key(alg, &jwk).await?;
        // Kept only if the key is still stored: a deletion handled while it
        // was opened must not leave a private key in memory.
        if self.sql()?.count("SELECT COUNT(*) AS n FROM signing_keys WHERE app_id = ?1 AND kid = ?2", vec![app_id.into(), kid.into()])? > 0 {
            self.signing.borrow_mut().insert(cache_key, key.clone());
        }
        Ok(key)
    }

    async fn sealing_key(&self) -> Result<CryptoKey> {
        if let Some(k) = self.sealing.borrow().as_ref() {
            return Ok(k.clone());
        }
        let key = key_encryption_key(&self.env).await?;
        *self.sealing.borrow_mut() = Some(key.clone());
        Ok(key)
    }

    /// Alarm at the earliest lifecycle event of any application.
    async fn arm(&self) -> Result<()> {
        let all: Vec<Row> = self
            .sql()?
            .rows("SELECT kid, alg, status, public_jwk, created_at, activates_at, expires_at FROM signing_keys", None)?;
        let records: Vec<KeyRecord> = all.iter().filter_map(Row::record).collect();
        #[derive(Deserialize)]
        struct At {
            at: Option<i64>,
        }
        // The next handover of an application that still has keys not retired.
        let handover: Option<At> = self.sql()?.first(
            "SELECT MIN(h.at) AS at FROM handovers h WHERE h.at > ?1 AND EXISTS
             (SELECT 1 FROM signing_keys k WHERE k.app_id = h.app_id AND k.status != 'retired')",
            vec![SqlStorageValue::from(now().0)],
        )?;
        let handover = handover.and_then(|h| h.at).map(UnixMillis);
        if let Some(at) = [signing_keys::next_event(&records, &POLICY), handover].into_iter().flatten().min() {
            schema::set_alarm_at(&self.state.storage(), at).await?;
        }
        Ok(())
    }
}

/// The AES-256-GCM key that seals secrets at rest (signing keys here,
/// upstream client secrets in `idps`), from `AERO2_KEY_ENCRYPTION_KEY`.
pub async fn key_encryption_key(env: &Env) -> Result<CryptoKey> {
    let secret = env
        .secret(KEY_ENCRYPTION_KEY_VAR)
        .map_err(|_| worker::Error::RustError(format!("{KEY_ENCRYPTION_KEY_VAR} is not configured")))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.to_string().trim())
        .map_err(|_| worker::Error::RustError(format!("{KEY_ENCRYPTION_KEY_VAR} is not base64")))?;
    webcrypto::import_aes_key(&raw).await
}

/// Binds a sealed key to its application and kid: a ciphertext copied to
/// another row does not open.
fn aad(app_id: &str, kid: &str) -> String {
    format!("aero2:signing-key:{app_id}:{kid}")
}

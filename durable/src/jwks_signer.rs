//! `JwksSigner`: the singleton Durable Object that is the one authority for
//! signing keys. It holds per-application key sets (private keys encrypted
//! at rest), and its alarm drives the key lifecycle:
//!
//! ```text
//! pending ──activates_at──► active ──rotation──► retired ──expires_at──► deleted
//! (published, not signing)  (signs)   (published until every token it signed expired)
//! ```

use crate::schema::{self, SchemaGuard};
use crate::{now, respond};
use serde::Deserialize;
use serde_json::json;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorageValue, State};

const MIGRATIONS: &[&[&str]] = &[&[
    "CREATE TABLE signing_keys (
        app_id TEXT NOT NULL, kid TEXT NOT NULL, alg TEXT NOT NULL CHECK (alg IN ('RS256', 'ES256')),
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
        public_jwk TEXT NOT NULL, private_key_enc BLOB NOT NULL, created_at INTEGER NOT NULL,
        activates_at INTEGER NOT NULL, retired_at INTEGER, expires_at INTEGER,
        PRIMARY KEY (app_id, kid))",
    "CREATE INDEX signing_keys_expiry ON signing_keys (expires_at)",
]];

#[durable_object]
pub struct JwksSigner {
    state: State,
    #[allow(dead_code)]
    env: Env,
    schema: SchemaGuard,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

impl DurableObject for JwksSigner {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, schema: SchemaGuard::default() }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.handle(req).await {
            Ok(resp) => Ok(resp),
            Err(e) => respond::internal("JwksSigner", &e),
        }
    }

    /// Deletes retired keys once every token they signed has expired, then
    /// re-arms for the next expiry.
    async fn alarm(&self) -> Result<Response> {
        self.sql()?.exec(
            "DELETE FROM signing_keys WHERE status = 'retired' AND expires_at <= ?1",
            vec![SqlStorageValue::from(now().0)],
        )?;
        schema::arm_alarm(
            &self.state.storage(),
            "SELECT MIN(expires_at) AS next FROM signing_keys WHERE status = 'retired'",
            vec![],
        )
        .await?;
        Response::empty()
    }
}

impl JwksSigner {
    async fn handle(&self, req: Request) -> Result<Response> {
        let sql = self.sql()?;
        match (req.method(), req.path().as_str()) {
            (Method::Get, "/health") => {
                let keys: Vec<Count> =
                    sql.exec("SELECT COUNT(*) AS n FROM signing_keys", None)?.to_array()?;
                respond::json(
                    200,
                    &json!({
                        "class": "JwksSigner",
                        "id": self.state.id().to_string(),
                        "schema_version": self.schema.version(),
                        "keys": keys.into_iter().next().map_or(0, |c| c.n),
                    }),
                )
            }
            _ => respond::error(&aero2_core::error::ApiError::NotFound),
        }
    }

    fn sql(&self) -> Result<worker::SqlStorage> {
        let sql = self.state.storage().sql();
        self.schema.ensure(&sql, MIGRATIONS)?;
        Ok(sql)
    }
}

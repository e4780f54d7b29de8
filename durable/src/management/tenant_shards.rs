//! `/applications/{id}/tenant-shards`: how many `TenantApp` objects hold
//! the application's grants (`aero2_core::tenant_shards`). Raising it is
//! the operator's, and the count only grows:
//!
//! 1. every shard of the new count learns the custom domains it answers on
//!    (a new shard may serve a request as soon as step 2 is done);
//! 2. the count is written to D1, only if nothing changed the application
//!    meanwhile (else 409, and the new shards serve nothing yet);
//! 3. every shard learns the record; the home object places new grants
//!    among all of them from then on (a front Worker that resolves the
//!    application from D1 before that forwards the new record itself).
//!
//! Setting the count it has does steps 1 and 3 again: the repair of a
//! raise that failed after step 2.

use super::{body, domains, Ctx, Outcome};
use crate::tenant_command::Command;
use crate::{db, now, respond};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::json_body::reject_unknown;
use aero2_core::tenant_shards::{check_growth, Refused, MAX_SHARDS};
use serde_json::{json, Value};
use worker::Request;

const SHARDS: &str = "shards";

fn shown(app: &Application) -> Value {
    json!({ "shards": app.tenant_shards, "max": MAX_SHARDS })
}

pub fn get(app: &Application) -> Outcome {
    Ok(respond::json(200, &shown(app))?)
}

pub async fn set(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let body = body::json(req).await?;
    let obj = body.as_object().ok_or_else(|| ApiError::InvalidBody("body must be a JSON object".into()))?;
    reject_unknown(obj, &[SHARDS])?;
    let wanted = obj.get(SHARDS).and_then(Value::as_i64).unwrap_or(0);
    let shards = check_growth(app.tenant_shards, wanted).map_err(|refused| match refused {
        Refused::OutOfRange => ApiError::invalid(SHARDS, format!("must be a whole number from 1 to {MAX_SHARDS}")),
        Refused::Shrinks { current } => ApiError::Conflict {
            field: SHARDS,
            message: format!("cannot be lowered below {current}: grants live in every shard until they expire"),
        },
    })?;
    let mut grown = app.clone();
    grown.tenant_shards = shards;
    domains::sync(ctx, &grown).await?;
    if shards != app.tenant_shards {
        grown.updated_at = now().0.max(app.updated_at + 1);
        if !db::update_app_tenant_shards(&ctx.db, &grown, app).await? {
            return Err(ApiError::Conflict { field: SHARDS, message: "the application changed meanwhile; try again".into() }.into());
        }
    }
    let stored = db::app_by_id(&ctx.db, &app.id).await?.unwrap_or(grown);
    Command::ApplicationChanged { application: Box::new(stored.clone()) }.send(ctx.env, &stored).await?;
    Ok(crate::forward::forgetting(respond::json(200, &shown(&stored))?, &app.id)?)
}

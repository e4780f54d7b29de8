//! `/applications/{id}/audit…`: reading an application's audit log
//! (newest first, filtered, paged), exporting it as NDJSON, verifying its
//! hash chain, and its signed checkpoints; and recording every change the
//! management API makes ([`record_change`]), in the log of the application
//! it changed. The log itself is written by that application's `TenantApp`
//! (`crate::audit`), reached through `Command::Audit`.

use super::{body, Ctx, Outcome};
use crate::db::text;
use crate::{audit_log, respond};
use crate::tenant_command::Command;
use aero2_core::application::{Application, DASHBOARD_APP_ID};
use aero2_core::audit::{self, Event, Filter, Link, Verifier, MAX_PAGE};
use aero2_core::error::ApiError;
use aero2_core::routes::management::Endpoint;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Request, Response, Result};

/// Entries in one export response; a `Link: rel="next"` leads on.
const EXPORT_PAGE: usize = 5_000;
/// Entries read from D1 at a time while verifying.
const VERIFY_PAGE: usize = 1_000;

fn filter(req: &Request, max: usize) -> Result<std::result::Result<Filter, ApiError>> {
    Ok(Filter::from_query(&body::query(req)?, max))
}

/// `GET …/audit`: newest first; `next_cursor` pages on.
pub async fn list(req: &Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let f = filter(req, MAX_PAGE)??;
    Ok(respond::json(200, &audit_log::page(&ctx.db, &app.id, &f).await?)?)
}

/// `GET …/audit/export`: NDJSON, oldest first, the same filters; `cursor`
/// is the last number already exported.
pub async fn export(req: &Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let mut f = filter(req, EXPORT_PAGE)??;
    if !req.url()?.query_pairs().any(|(k, _)| k == "limit") {
        f.limit = EXPORT_PAGE;
    }
    let mut entries = audit_log::read(&ctx.db, &app.id, &f, true).await?;
    let next = aero2_core::paging::cut(&mut entries, f.limit, |e| e.seq.to_string());
    let mut ndjson = String::new();
    for e in &entries {
        ndjson.push_str(&audit_log::entry_json(e).to_string());
        ndjson.push('\n');
    }
    let mut resp = Response::ok(ndjson)?;
    let headers = resp.headers_mut();
    headers.set("content-type", "application/x-ndjson")?;
    headers.set("cache-control", "no-store")?;
    if let Some(cursor) = next {
        let mut url = req.url()?;
        let kept: Vec<(String, String)> = url.query_pairs().filter(|(k, _)| k != "cursor").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        url.query_pairs_mut().clear().extend_pairs(kept).append_pair("cursor", &cursor);
        headers.set("link", &format!("<{}{}>; rel=\"next\"", url.path(), url.query().map(|q| format!("?{q}")).unwrap_or_default()))?;
    }
    Ok(resp)
}

#[derive(Deserialize)]
struct WriterState {
    head: Link,
    anchor: Link,
    checkpoint: Option<Link>,
}

/// `GET …/audit/verify`: recomputes the chain from the writer's anchor to
/// its head and reports the first broken link.
pub async fn verify(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let state: WriterState = serde_json::from_value(Command::AuditState { app_id: app.id.clone() }.ask(ctx.env, &app.id, 0).await?)?;
    let mut v = Verifier::new(&app.id, &state.anchor, state.checkpoint.as_ref());
    loop {
        let page = Filter { cursor: Some(v.last().seq), limit: VERIFY_PAGE, ..Filter::default() };
        let entries = audit_log::read(&ctx.db, &app.id, &page, true).await?;
        let n = entries.len();
        if entries.iter().take(VERIFY_PAGE).any(|e| !v.feed(e)) || n <= VERIFY_PAGE {
            break;
        }
    }
    let report = v.finish(&state.head);
    Ok(respond::json(
        200,
        &json!({
            "ok": report.ok, "checked": report.checked, "first_broken": report.first_broken,
            "head": state.head, "anchor": state.anchor, "checkpoint": state.checkpoint,
        }),
    )?)
}

#[derive(Deserialize, serde::Serialize)]
struct CheckpointRow {
    seq: i64,
    hash: String,
    at: i64,
    jws: String,
}

/// `GET …/audit/checkpoints`: the signed checkpoints, newest first.
pub async fn checkpoints(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let rows: Vec<CheckpointRow> = ctx
        .db
        .prepare("SELECT seq, hash, at, jws FROM audit_checkpoints WHERE app_id = ?1 ORDER BY seq DESC LIMIT 100")
        .bind(&[text(&app.id)])?
        .all()
        .await?
        .results()?;
    Ok(respond::json(200, &json!({ "checkpoints": rows }))?)
}

/// `POST …/audit/checkpoints`: sign one of the head now (404 for an empty log).
pub async fn checkpoint(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let made = Command::AuditCheckpoint { app_id: app.id.clone() }.ask(ctx.env, &app.id, 0).await?;
    if made.is_null() {
        return Err(ApiError::NotFound.into());
    }
    Ok(respond::json(201, &made)?)
}

/// What a change acted on, for its entry.
pub struct Change<'a> {
    pub endpoint: Endpoint,
    pub kind: &'static str,
    /// The application in the path (`None` for a new one).
    pub app_id: Option<&'a str>,
    /// The path below `/applications/{id}/`, e.g. `clients/cl_…`.
    pub resource: String,
    pub user_id: Option<&'a str>,
    /// The organization in the path (`None` for a new one: its id).
    pub org_id: Option<&'a str>,
    pub before: Option<Value>,
}

/// Records a change the management API made (its answer `resp`, 2xx), in
/// the log of the application it changed; a new application's log starts
/// with its creation, a deleted one's ends in the Dashboard's log. Returns
/// the answer as it was.
pub async fn record_change(ctx: &Ctx<'_>, origin: crate::audit::Origin, change: Change<'_>, resp: Response) -> Result<Response> {
    let (resp, after) = respond::with_json_body(resp).await?;
    // What a creation made: named by its id (a client by `client_id`, a
    // domain by its hostname).
    let created = after
        .as_ref()
        .and_then(|a| ["id", "client_id", "hostname", "user_id", "domain"].iter().find_map(|k| a.get(*k).and_then(Value::as_str)))
        .map(str::to_owned);
    let log = match (change.endpoint, change.app_id) {
        (Endpoint::DeleteApplication, _) => Some(DASHBOARD_APP_ID.to_owned()),
        (Endpoint::CreateApplication, _) => created.clone(),
        (e, None) if e.is_team() => Some(DASHBOARD_APP_ID.to_owned()),
        (_, Some(id)) => Some(id.to_owned()),
        (_, None) => None,
    };
    let Some(log) = log else { return Ok(resp) };
    let resource = match change.endpoint {
        Endpoint::CreateApplication | Endpoint::DeleteApplication => format!("applications/{}", created.as_deref().or(change.app_id).unwrap_or_default()),
        _ if !audit::reads_before(change.endpoint) && change.endpoint != Endpoint::Checkpoint => match &created {
            Some(id) => format!("{}/{id}", change.resource),
            None => change.resource,
        },
        _ => change.resource,
    };
    let kind = audit::refine(change.kind, change.before.as_ref(), after.as_ref());
    let mut event = origin
        .stamp(Event::new(kind, &ctx.caller.actor()))
        .resource(resource)
        .with("before", change.before.as_ref().map_or(Value::Null, audit::redacted))
        .with("after", after.as_ref().map_or(Value::Null, |a| audit::kept_answer(change.endpoint, a)));
    let created_user =
        matches!(change.endpoint, Endpoint::CreateUser | Endpoint::AddMember | Endpoint::PreviewTokenClaims).then_some(created.as_deref()).flatten();
    if let Some(u) = change.user_id.or(created_user) {
        event = event.user(u);
    }
    let created_org = matches!(change.endpoint, Endpoint::CreateOrganization | Endpoint::CreateTeam).then_some(created.as_deref()).flatten();
    if let Some(o) = change.org_id.or(created_org) {
        event = event.organization(o);
    }
    Command::Audit { app_id: log.clone(), event: Box::new(event) }.send_to(ctx.env, &log, 0).await?;
    Ok(resp)
}

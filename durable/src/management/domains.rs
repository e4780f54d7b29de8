//! `/applications/{id}/domains`: custom domains.
//!
//! A domain serves its application only once verified. Locally the operator
//! marks it verified (`POST …/verify`); in production that call is made when
//! Cloudflare for SaaS reports the custom hostname active (see README).

use super::{body, Ctx, Outcome};
use crate::fail::Fail;
use crate::tenant_command::Command;
use crate::{db, now, respond};
use aero2_core::application::{parse_new_domain, Application};
use aero2_core::error::ApiError;
use aero2_core::host::validate_hostname;
use serde_json::json;
use worker::Request;

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let platform = crate::forward::platform_domain(ctx.env)?;
    let domains = db::list_domains(&ctx.db, &app.id).await?;
    let shown = domains.iter().map(|d| shown(d, app, &platform)).collect::<worker::Result<Vec<_>>>()?;
    Ok(respond::json(200, &json!({ "domains": shown }))?)
}

/// A domain with the DNS record that points it at the application
/// (`aero2_core::host::custom_domain_records`).
fn shown(d: &db::DomainRow, app: &Application, platform: &str) -> worker::Result<serde_json::Value> {
    let mut v = serde_json::to_value(d)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("dns_records".into(), aero2_core::host::custom_domain_records(&d.hostname, &app.slug, platform));
    }
    Ok(v)
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let platform = crate::forward::platform_domain(ctx.env)?;
    let hostname = parse_new_domain(&body::json(req).await?, &platform)?;
    if let Err(e) = db::insert_domain(&ctx.db, &app.id, &hostname, now()).await {
        if db::is_unique_violation(&e) {
            return Err(ApiError::Conflict { field: "hostname", message: "is already registered".into() }.into());
        }
        return Err(e.into());
    }
    match db::domain(&ctx.db, &app.id, &hostname).await? {
        Some(d) => Ok(respond::json(201, &shown(&d, app, &platform)?)?),
        None => Err(Fail::Internal("inserted domain not found".into())),
    }
}

pub async fn verify(ctx: &Ctx<'_>, app: &Application, host: &str) -> Outcome {
    let Some(hostname) = known(ctx, app, host).await? else {
        return Err(ApiError::NotFound.into());
    };
    db::verify_domain(&ctx.db, &app.id, &hostname, now()).await?;
    sync(ctx, app).await?;
    let platform = crate::forward::platform_domain(ctx.env)?;
    match db::domain(&ctx.db, &app.id, &hostname).await? {
        Some(d) => Ok(respond::json(200, &shown(&d, app, &platform)?)?),
        None => Err(ApiError::NotFound.into()),
    }
}

pub async fn remove(ctx: &Ctx<'_>, app: &Application, host: &str) -> Outcome {
    let Some(hostname) = known(ctx, app, host).await? else {
        return Err(ApiError::NotFound.into());
    };
    db::delete_domain(&ctx.db, &app.id, &hostname).await?;
    sync(ctx, app).await?;
    // The front Worker answering through this isolate stops serving the
    // domain's public documents at once.
    Ok(crate::forward::forgetting(respond::no_content()?, &app.id)?)
}

/// Hands the application's object its verified domains, so a removed one
/// stops serving at once rather than when front Worker caches expire.
pub async fn sync(ctx: &Ctx<'_>, app: &Application) -> worker::Result<()> {
    let verified = db::list_domains(&ctx.db, &app.id).await?.into_iter().filter(|d| d.verified).map(|d| d.hostname);
    Command::SyncDomains { verified: verified.collect() }.send(ctx.env, app).await
}

/// The canonical hostname if `host` is one of this application's domains.
async fn known(ctx: &Ctx<'_>, app: &Application, host: &str) -> worker::Result<Option<String>> {
    let Ok(hostname) = validate_hostname(host) else {
        return Ok(None);
    };
    Ok(db::domain(&ctx.db, &app.id, &hostname).await?.map(|d| d.hostname))
}

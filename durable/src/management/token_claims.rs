//! `POST /applications/{id}/token-claims/preview`: what the application's
//! token templates (or the request's own, before they are saved) add to a
//! user's ID token and access token (`aero2_core::custom_claims`). Changes
//! nothing; who looked is in the audit log.

use super::{body, Ctx, Outcome};
use crate::{directory, organizations, respond};
use aero2_core::application::Application;
use aero2_core::claims_preview::Preview;
use aero2_core::custom_claims::context;
use aero2_core::error::ApiError;
use aero2_core::organization::TokenOrganization;

pub async fn preview(req: worker::Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let p = Preview::from_json(&body::json(req).await?)?;
    let Some(user) = directory::user_by_id(&ctx.db, &app.id, &p.user_id).await? else {
        return Err(ApiError::invalid("user_id", "is not a user of this application").into());
    };
    let org = match &p.org_id {
        None => None,
        Some(org_id) => match organizations::for_token(&ctx.db, &app.id, org_id, &user.id).await? {
            Some(org) => Some(org),
            None => return Err(ApiError::invalid("org_id", "is not an organization of this application that the user belongs to").into()),
        },
    };
    let templates = p.token_claims.clone().or_else(|| app.settings.token_claims()).unwrap_or_default();
    let context = context(Some(user.view()), |s| p.scope.contains(s), app.view(), org.as_ref().map(TokenOrganization::view));
    Ok(respond::json(200, &p.answer(&templates, &context))?)
}

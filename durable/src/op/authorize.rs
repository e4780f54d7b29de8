//! The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2), GET and
//! POST. Checks run in the core (`validate_authorization_request`): until
//! the client and its redirect URI are trusted, errors are shown as a page,
//! never redirected. Then `decide` says what the user still has to do; the
//! request waits in storage (10 minutes) while they sign in or consent, and
//! `proceed` picks it up again afterwards.

use aero2_core::oauth::grant::CodeGrant;
use super::session::{self, Current};
use super::{clients, limits, organizations, resources, see_other, store, Op};
use crate::pages::{self, PageError, PageResult};
use crate::{rng, schema};
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::oauth::authorize::{
    decide, error_location, requested_client_id, success_location, validate_authorization_request, AuthorizationRequest,
    AuthorizeRejection, Decision, SessionState,
};
use aero2_core::oauth::client::Client;
use aero2_core::oauth::error::OAuthError;
use aero2_core::organization::{choose, Choice, Usage};
use aero2_core::oauth::lifetimes::PENDING_REQUEST_TTL_MS;
use aero2_core::oauth::scope::Scope;
use aero2_core::rate_limit::{Class, Verdict};
use aero2_core::routes::op::Via;
use worker::{Request, Response, Result};

pub async fn handle(req: Request, op: &Op<'_>, via: Via) -> Result<Response> {
    pages::answer("authorize", serve(req, op, via).await)
}

async fn serve(mut req: Request, op: &Op<'_>, via: Via) -> PageResult {
    // Each request may park state for minutes: counted per IP first.
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::AuthorizePerIp, limits::client_ip(&req)?.as_deref())? {
        return Ok(limits::too_many_page(retry_after_secs)?);
    }
    let params = super::params(&mut req, via).await?.map_err(|e| PageError::new("Invalid request", e.description(), 400))?;
    let client = match requested_client_id(&params) {
        Ok(id) => clients::find(op, id).await?,
        Err(rejection) => return reject(op, &rejection),
    };
    // The APIs matter only to a request that names one (RFC 8707).
    let apis = if params.has("resource") || params.has("audience") { resources::apis(op).await? } else { Vec::new() };
    let mut request = match validate_authorization_request(&params, client.as_ref(), &apis, op.now) {
        Ok(request) => request,
        Err(rejection) => return reject(op, &rejection),
    };
    // The organization named by id or slug: from here on, by its id.
    if let Some(reference) = request.organization.take() {
        let Some(org) = organizations::find(op, &reference).await? else {
            let unknown = OAuthError::InvalidRequest("no such organization".into());
            return Ok(see_other(&error_location(&request.redirect_uri, &unknown, request.state.as_deref(), &op.issuer))?);
        };
        request.organization = Some(org.id);
    }
    let client = client.ok_or_else(|| PageError::new("Unknown application", "This sign-in link names no registered client.", 400))?;
    Ok(proceed(&req, op, &request, &client, session::current(&req, op)?, None).await?)
}

/// A refused request goes back to the client when its redirect URI can be
/// trusted (RFC 6749 §4.1.2.1), else it is an error page (§3.1.2.4).
fn reject(op: &Op<'_>, rejection: &AuthorizeRejection) -> PageResult {
    match rejection.location(&op.issuer) {
        Some(location) => Ok(see_other(&location)?),
        None => Err(PageError::new("Sign-in cannot continue", rejection.error().description(), 400).into()),
    }
}

/// Takes a checked request as far as it can go for this browser: to the
/// login or consent page, or back to the client with a code or an error.
/// `set_cookie` is a cookie to set on the way (a session just started).
pub async fn proceed(
    _req: &Request,
    op: &Op<'_>,
    request: &AuthorizationRequest,
    client: &Client,
    session: Option<Current>,
    set_cookie: Option<String>,
) -> Result<Response> {
    let info = session.as_ref().map(Current::info);
    let consent_at = match &session {
        Some(s) => consent_covering(op, &s.user_id, client, &request.scope)?,
        None => None,
    };
    let state = SessionState {
        session: info.as_ref(),
        now: op.now,
        consent_granted_at_secs: consent_at,
        first_party: client.first_party,
        mfa_max_age_secs: op.app.settings.mfa_max_age_seconds.map(i64::from),
    };
    let mut decision = decide(request, &state);
    // Signed in: which organization (named, the only one, or picked).
    let in_org;
    let request = match (&decision, &session) {
        (Decision::NeedConsent | Decision::Issue, Some(s)) => match organization(op, request, client, &s.user_id).await? {
            Choice::Without => request,
            Choice::In(org) => {
                in_org = AuthorizationRequest { organization: Some(org), ..request.clone() };
                &in_org
            }
            Choice::Pick if request.prompt.none => {
                decision = Decision::Error(OAuthError::InteractionRequired("the user must choose an organization".into()));
                request
            }
            Choice::Pick => {
                let mut resp = see_other(&format!("/organization?request={}", park(op, request).await?))?;
                if let Some(cookie) = set_cookie {
                    resp.headers_mut().append("set-cookie", &cookie)?;
                }
                return Ok(resp);
            }
            Choice::Refuse(e) => {
                decision = Decision::Error(e);
                request
            }
        },
        _ => request,
    };
    let mut resp = match decision {
        // prompt=create starts on the sign-up page (which links to sign-in);
        // where sign-up is closed, on the sign-in page.
        Decision::NeedLogin if request.prompt.create && op.app.settings.signup_offered() => see_other(&format!("/signup?request={}", park(op, request).await?))?,
        Decision::NeedLogin => see_other(&format!("/login?request={}", park(op, request).await?))?,
        Decision::NeedConsent => see_other(&format!("/consent?request={}", park(op, request).await?))?,
        Decision::NeedSecondFactor => see_other(&format!("/mfa?request={}", park(op, request).await?))?,
        Decision::Error(e) => see_other(&error_location(&request.redirect_uri, &e, request.state.as_deref(), &op.issuer))?,
        Decision::Issue => match session {
            Some(s) => see_other(&success_location(request, &issue_code(op, request, &s).await?, &op.issuer))?,
            None => pages::error_page("Sign-in cannot continue", "Please sign in again.", 400)?,
        },
    };
    if let Some(cookie) = set_cookie {
        resp.headers_mut().append("set-cookie", &cookie)?;
    }
    Ok(resp)
}

/// The organization this sign-in ends in (`aero2_core::organization::choose`):
/// memberships are read only for a client that uses organizations or a
/// request that names one.
async fn organization(op: &Op<'_>, request: &AuthorizationRequest, client: &Client, user_id: &str) -> Result<Choice> {
    if client.organization_usage == Usage::None && request.organization.is_none() {
        return Ok(Choice::Without);
    }
    let offered = organizations::offered(op, user_id).await?;
    let ids = |list: Vec<aero2_core::organization::Organization>| list.into_iter().map(|o| o.id).collect::<Vec<_>>();
    Ok(choose(client.organization_usage, request.organization.as_deref(), &ids(offered.member_of), &ids(offered.suggested)))
}

/// When the user last consented to everything `scope` asks of `client`.
fn consent_covering(op: &Op<'_>, user_id: &str, client: &Client, scope: &Scope) -> Result<Option<i64>> {
    Ok(store::consent(&op.sql, user_id, &client.client_id)?.and_then(|c| {
        let granted = Scope::parse(&c.scope).ok()?;
        scope.is_subset_of(&granted).then(|| c.granted_at.div_euclid(1000))
    }))
}

/// Stores the request while the user is away; returns its id.
pub async fn park(op: &Op<'_>, request: &AuthorizationRequest) -> Result<String> {
    let id = hex(&rng::bytes::<16>()?);
    let expires = op.now.plus_millis(PENDING_REQUEST_TTL_MS);
    store::put_pending(&op.sql, &id, &serde_json::to_string(request)?, expires)?;
    schema::arm_alarm_by(&op.storage, expires).await?;
    Ok(id)
}

/// The pending request `id`, if it has not expired.
pub fn pending(op: &Op<'_>, id: &str) -> Result<Option<AuthorizationRequest>> {
    Ok(store::pending(&op.sql, id, op.now)?.and_then(|json| serde_json::from_str(&json).ok()))
}

/// A new code, kept by the tenant shard its grant is placed in
/// (`op::grants::put_code`), which it names.
async fn issue_code(op: &Op<'_>, request: &AuthorizationRequest, s: &Current) -> Result<String> {
    let random = rng::bytes::<32>()?;
    let [pick] = rng::bytes::<1>()?;
    let shard = aero2_core::tenant_shards::place(op.app.tenant_shards, pick);
    let code = aero2_core::tenant_shards::tagged(aero2_core::tenant_shards::CODE_PREFIX, shard, &hex(&random));
    let grant = CodeGrant::new(request, &s.user_id, &s.auth());
    let expires = op.now.plus_millis(op.app.settings.code_ttl_ms());
    super::grants::put_code(op, shard, sha256_hex(code.as_bytes()), grant, expires).await?;
    Ok(code)
}

//! The Relying Party routes (`aero2_core::rp` has the rules):
//!
//! - `GET /rp/authorize/{idp}?request=…` — from the sign-in page: stores
//!   `state` (single use, 10 minutes) with the PKCE verifier, the `nonce`
//!   and the pending authorization request, binds it to this browser with
//!   the `aero2_rp` cookie, and redirects to the provider.
//! - `GET /rp/callback/{idp}` — consumes the state once, exchanges the
//!   code, validates the ID token (OIDC) or fetches the profile (OAuth2,
//!   GitHub), finds, links or creates the local user, and resumes the
//!   client's authorization request with a new session.
//!
//! Before the state is known, a failure is an error page; after, the
//! client's request is known and it gets an OAuth error at its registered
//! redirect URI. Nothing is created or linked on any failure.

use super::authorize::pending;
use super::{limits, providers, query, see_other, signin, store, Op};
use crate::directory::{self, User};
use crate::idps::{self, Identity};
use crate::upstream::{self, Upstream};
use crate::pages::{self, PageError, PageResult};
use crate::{db, rng, webcrypto};
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::ids::{new_id, IdKind};
use aero2_core::jose::alg::Alg;
use aero2_core::jose::{b64, jws, validate};
use aero2_core::oauth::authorize::{error_location, AuthorizationRequest};
use aero2_core::oauth::params::{append_query, encode_component, form_urlencode};
use aero2_core::oauth::pkce::s256_challenge;
use base64::Engine;
use aero2_core::rp::callback::{authorization_response, Failure, PendingUpstream, STATE_TTL_MS};
use aero2_core::rp::config::{Idp, IdpKind, UpstreamAuth, GOOGLE_ISSUER};
use aero2_core::rp::linking::{self, LocalAccount, Outcome, Situation};
use aero2_core::rp::{discovery, profile};
use aero2_core::rate_limit::{Class, Verdict};
use aero2_core::secret::SecretString;
use serde_json::Value;
use crate::fail::{Fail, UpstreamResult};
use aero2_core::routes::rp::{Endpoint, CALLBACK_PREFIX};
use worker::{Method, Request, Response, Result};

pub const BROWSER_COOKIE: &str = "aero2_rp";
const STATE_KIND: &str = "rp_state";
pub const STATE_TTL_VAR: &str = "AERO2_RP_STATE_TTL_MS";
const EXPIRED: &str = "This sign-in has expired or was already used. Go back to the application and start again.";

/// Serves `endpoint` for the provider named `slug`.
pub async fn handle(req: Request, op: &Op<'_>, endpoint: Endpoint, slug: &str) -> Result<Response> {
    let answer = match endpoint {
        Endpoint::Authorize => authorize(&req, op, slug).await,
        Endpoint::Callback => callback(&req, op, slug).await,
    };
    pages::answer("rp", answer)
}

async fn find(op: &Op<'_>, slug: &str) -> Result<Option<Idp>> {
    Ok(providers::all(op).await?.into_iter().find(|i| i.slug == slug))
}

/// The provider with its endpoints known: a static OIDC provider fetches
/// (and caches) its discovery document here.
async fn resolved(op: &Op<'_>, idp: Idp) -> UpstreamResult<Idp> {
    if !idp.endpoints.is_undiscovered() {
        return Ok(idp);
    }
    let Some(issuer) = idp.endpoints.issuer.clone() else { return Err(Failure::UpstreamError.into()) };
    let doc = match upstream::discovery(op.env, &op.caches.upstream_discovery, &discovery::discovery_url(&issuer), op.now).await? {
        Ok(d) => d,
        Err(e) => return Err(failure_of(&e, Failure::UpstreamError).into()),
    };
    match discovery::endpoints_from(&doc, &issuer, Some(idp.endpoints.token_endpoint_auth_method), idps::reach(op.env)) {
        Ok(endpoints) => Ok(Idp { endpoints, ..idp }),
        Err(reason) => {
            worker::console_error!("static provider {}: {reason}", idp.slug);
            Err(Failure::UpstreamError.into())
        }
    }
}

fn failure_of(e: &Upstream, otherwise: Failure) -> Failure {
    match e {
        Upstream::Timeout => Failure::Timeout,
        _ => otherwise,
    }
}

async fn authorize(req: &Request, op: &Op<'_>, slug: &str) -> PageResult {
    // Each redirect stores a state for minutes: counted per IP first.
    if let Verdict::Limited { retry_after_secs } = limits::hit(op, Class::RpAuthorizePerIp, limits::client_ip(req)?.as_deref())? {
        return Ok(limits::too_many_page(retry_after_secs)?);
    }
    let params = query(req)?.ok();
    let request_id = params.as_ref().and_then(|p| p.get("request").ok().flatten()).unwrap_or_default().to_owned();
    let Some(request) = pending(op, &request_id)? else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let Some(idp) = find(op, slug).await?.filter(|i| i.enabled) else {
        return Err(PageError::new("Unknown sign-in method", "This application offers no such sign-in method.", 404).into());
    };
    let idp = resolved(op, idp).await.map_err(|f| f.map(|f| PageError::new("Sign-in unavailable", unavailable(&f), 502)))?;
    let verifier = b64::encode(rng::bytes::<32>()?);
    let challenge = s256_challenge(&verifier);
    let state = b64::encode(rng::bytes::<32>()?);
    let nonce = b64::encode(rng::bytes::<16>()?);
    // One binding value per browser, reused by concurrent flows in tabs.
    let browser = match pages::cookie_value(req, BROWSER_COOKIE)? {
        Some(b) if b.len() == 64 && b.bytes().all(|c| c.is_ascii_hexdigit()) => b,
        _ => hex(&rng::bytes::<32>()?),
    };
    let redirect_uri = format!("{}{CALLBACK_PREFIX}{}", op.issuer, idp.slug);
    let stored = PendingUpstream {
        idp_id: idp.id.clone(),
        request: request_id,
        code_verifier: verifier,
        nonce,
        browser: sha256_hex(browser.as_bytes()),
        redirect_uri,
    };
    let expires = op.now.plus_millis(state_ttl_ms(op));
    store::put_single_use(&op.sql, STATE_KIND, &sha256_hex(state.as_bytes()), &serde_json::to_string(&stored)?, expires)?;
    crate::schema::arm_alarm_by(&op.storage, expires).await?;
    let scope = idp.scope_param();
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", idp.client_id.as_str()),
        ("redirect_uri", stored.redirect_uri.as_str()),
        ("scope", scope.as_str()),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if idp.kind.is_oidc() {
        q.push(("nonce", stored.nonce.as_str()));
        if let Some(hint) = &request.login_hint {
            q.push(("login_hint", hint.as_str()));
        }
    }
    let location = append_query(&idp.endpoints.authorization_endpoint, &q);
    let mut resp = see_other(&location)?;
    let cookie = crate::pages::cookie(BROWSER_COOKIE, &browser, CALLBACK_PREFIX, "Lax", STATE_TTL_MS / 1000, op.secure_cookies);
    resp.headers_mut().append("set-cookie", &cookie)?;
    Ok(resp)
}

/// How long a user has at the provider: `AERO2_RP_STATE_TTL_MS` if set
/// (1 s to the default), else 10 minutes.
fn state_ttl_ms(op: &Op<'_>) -> i64 {
    op.env
        .var(STATE_TTL_VAR)
        .ok()
        .and_then(|v| v.to_string().parse::<i64>().ok())
        .map_or(STATE_TTL_MS, |ms| ms.clamp(1000, STATE_TTL_MS))
}

fn unavailable(f: &Failure) -> String {
    match f {
        Failure::Timeout => "The identity provider did not answer in time. Try again later.".into(),
        _ => "The identity provider cannot be reached right now. Try again later or sign in another way.".into(),
    }
}

async fn callback(req: &Request, op: &Op<'_>, slug: &str) -> PageResult {
    let Ok(params) = query(req)? else {
        return Err(PageError::new("Invalid request", "The sign-in response could not be read.", 400).into());
    };
    let Some(state) = params.get("state").ok().flatten().filter(|s| !s.is_empty()) else {
        return Err(PageError::new("Invalid request", "The sign-in response has no state.", 400).into());
    };
    // Used up here, whatever happens next: a state works once.
    let taken = store::take_single_use(&op.sql, STATE_KIND, &sha256_hex(state.as_bytes()), op.now)?;
    let Some(stored) = taken.and_then(|p| serde_json::from_str::<PendingUpstream>(&p).ok()) else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let Some(idp) = find(op, slug).await?.filter(|i| i.id == stored.idp_id && i.enabled) else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let browser = pages::cookie_value(req, BROWSER_COOKIE)?.unwrap_or_default();
    if !aero2_core::secret::constant_time_eq(sha256_hex(browser.as_bytes()).as_bytes(), stored.browser.as_bytes()) {
        return Err(PageError::new("Sign-in expired", "This sign-in was started in another browser. Start again here.", 400).into());
    }
    let Some(request) = pending(op, &stored.request)? else {
        return Err(PageError::new("Sign-in expired", EXPIRED, 400).into());
    };
    let idp = match resolved(op, idp.clone()).await {
        Ok(i) => i,
        Err(f) => return Ok(fail(op, &stored, &request, &idp, f)?),
    };
    let profile = match federated(op, &params, &idp, &stored).await {
        Ok(p) => p,
        Err(f) => return Ok(fail(op, &stored, &request, &idp, f)?),
    };
    Ok(sign_in(req, op, &idp, &stored, &request, &profile).await?)
}

/// The provider's answer → its profile.
async fn federated(op: &Op<'_>, params: &aero2_core::oauth::params::Params, idp: &Idp, stored: &PendingUpstream) -> UpstreamResult<profile::Profile> {
    let code = authorization_response(params, idp)?;
    federate(op, idp, stored, &code).await
}

/// The one place the provider's failure is answered: it ends the client's
/// request, back to its redirect URI with the OAuth error (RFC 6749
/// §4.1.2.1), `state` and `iss`; what went wrong is logged. A failure of
/// ours is the opaque 500.
fn fail(op: &Op<'_>, stored: &PendingUpstream, request: &AuthorizationRequest, idp: &Idp, f: Fail<Failure>) -> Result<Response> {
    let context = format!("rp {}", idp.slug);
    f.answer(&context, |f| {
        worker::console_warn!("rp {}: {}", idp.slug, f.reason());
        store::delete_pending(&op.sql, &stored.request)?;
        see_other(&error_location(&request.redirect_uri, &f.oauth_error(idp), request.state.as_deref(), &op.issuer))
    })
}

/// Code → tokens → profile.
async fn federate(op: &Op<'_>, idp: &Idp, stored: &PendingUpstream, code: &str) -> UpstreamResult<profile::Profile> {
    let secret = idps::client_secret(&db::database(op.env)?, op.env, idp, &op.app.slug).await?;
    let tokens = exchange(op, idp, &secret, code, stored).await?;
    let Some(access_token) = tokens.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()) else {
        return Err(Failure::ExchangeFailed.into());
    };
    let bearer = format!("Bearer {access_token}");
    match idp.kind {
        IdpKind::Google | IdpKind::Oidc => {
            let Some(id_token) = tokens.get("id_token").and_then(Value::as_str) else {
                return Err(Failure::InvalidIdToken.into());
            };
            let claims = verify_id_token(op, idp, id_token, &stored.nonce).await?;
            let userinfo = match &idp.endpoints.userinfo_endpoint {
                Some(url) => match upstream::get_json(op.env, url, &[("authorization", &bearer)]).await? {
                    Ok(v) => Some(v),
                    Err(e) => return Err(failure_of(&e, Failure::ProfileFailed).into()),
                },
                None => None,
            };
            let Some(claims) = claims.as_object() else { return Err(Failure::InvalidIdToken.into()) };
            Ok(profile::from_oidc(claims, userinfo.as_ref()).map_err(|_| Failure::ProfileFailed)?)
        }
        IdpKind::Github => {
            let user_url = idp.endpoints.userinfo_endpoint.clone().unwrap_or_default();
            let headers = [("authorization", bearer.as_str()), ("accept", "application/vnd.github+json")];
            let user = match upstream::get_json(op.env, &user_url, &headers).await? {
                Ok(v) => v,
                Err(e) => return Err(failure_of(&e, Failure::ProfileFailed).into()),
            };
            // Without the user:email scope this is 404; the profile then
            // has no verified address, which is not a failure.
            let emails = match &idp.endpoints.emails_endpoint {
                Some(url) => match upstream::get_json(op.env, url, &headers).await? {
                    Ok(v) => Some(v),
                    Err(Upstream::Timeout) => return Err(Failure::Timeout.into()),
                    Err(_) => None,
                },
                None => None,
            };
            Ok(profile::from_github(&user, emails.as_ref()).map_err(|_| Failure::ProfileFailed)?)
        }
        IdpKind::Oauth2 => {
            let url = idp.endpoints.userinfo_endpoint.clone().unwrap_or_default();
            let info = match upstream::get_json(op.env, &url, &[("authorization", &bearer)]).await? {
                Ok(v) => v,
                Err(e) => return Err(failure_of(&e, Failure::ProfileFailed).into()),
            };
            let mapping = idp.claims.clone().unwrap_or_default();
            Ok(profile::from_mapping(&info, &mapping).map_err(|_| Failure::ProfileFailed)?)
        }
    }
}

/// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5), client authentication per
/// §2.3.1. GitHub answers a refused code with 200 and an `error` member,
/// so an `error` member is a failure whatever the status.
async fn exchange(op: &Op<'_>, idp: &Idp, secret: &SecretString, code: &str, stored: &PendingUpstream) -> UpstreamResult<Value> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", stored.redirect_uri.as_str()),
        ("code_verifier", stored.code_verifier.as_str()),
    ];
    let mut headers: Vec<(&str, String)> = Vec::new();
    match idp.endpoints.token_endpoint_auth_method {
        UpstreamAuth::ClientSecretPost => {
            form.push(("client_id", idp.client_id.as_str()));
            form.push(("client_secret", secret.secret()));
        }
        UpstreamAuth::ClientSecretBasic => {
            let pair = format!("{}:{}", encode_component(&idp.client_id), encode_component(secret.secret()));
            headers.push(("authorization", format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))));
        }
    }
    let body = form_urlencode(&form);
    let header_refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match upstream::json(op.env, Method::Post, &idp.endpoints.token_endpoint, &header_refs, Some(body)).await? {
        Ok(v) if v.get("error").is_some() => Err(Failure::ExchangeFailed.into()),
        Ok(v) => Ok(v),
        Err(e) => Err(failure_of(&e, Failure::ExchangeFailed).into()),
    }
}

/// OIDC Core §3.1.3.7: the signature through the provider's JWKS (cached;
/// an unknown `kid` fetches it again), then the claims.
async fn verify_id_token(op: &Op<'_>, idp: &Idp, token: &str, nonce: &str) -> UpstreamResult<Value> {
    let Ok(parsed) = jws::parse_foreign(token) else { return Err(Failure::InvalidIdToken.into()) };
    let Some(jwks_uri) = idp.endpoints.jwks_uri.as_deref() else { return Err(Failure::InvalidIdToken.into()) };
    let mut refreshed = false;
    let jwk = loop {
        let keys = match upstream::jwks(op.env, &op.caches.upstream_jwks, jwks_uri, op.now, refreshed).await? {
            Ok(k) => k,
            Err(e) => return Err(failure_of(&e, Failure::InvalidIdToken).into()),
        };
        let candidates: Vec<&(aero2_core::jose::jwk::PublicJwk, Value)> = keys
            .iter()
            .filter(|(k, _)| k.alg() == parsed.header.alg && (parsed.header.kid.is_empty() || k.kid == parsed.header.kid))
            .collect();
        match candidates.as_slice() {
            [(_, raw)] => break raw.clone(),
            _ if !refreshed => refreshed = true,
            _ => return Err(Failure::InvalidIdToken.into()),
        }
    };
    let key = match webcrypto::import_verifying_key(parsed.header.alg, &public_only(&jwk, parsed.header.alg)).await {
        Ok(k) => k,
        Err(_) => return Err(Failure::InvalidIdToken.into()),
    };
    if !webcrypto::verify(parsed.header.alg, &key, &parsed.signature, &parsed.signing_input).await? {
        return Err(Failure::InvalidIdToken.into());
    }
    let expected = idp.endpoints.issuer.clone().unwrap_or_default();
    let mut issuers = vec![expected.as_str()];
    // Google's tokens may name it without the scheme (its documentation).
    if idp.kind == IdpKind::Google && expected == GOOGLE_ISSUER {
        issuers.push("accounts.google.com");
    }
    match validate::validate_upstream_id_token(&parsed.claims, &issuers, &idp.client_id, nonce, op.now, validate::DEFAULT_LEEWAY_SECS) {
        Ok(_) => Ok(parsed.claims),
        Err(e) => {
            worker::console_warn!("rp {}: ID token refused: {e}", idp.slug);
            Err(Failure::InvalidIdToken.into())
        }
    }
}

/// The members WebCrypto needs to import a public key, and nothing else
/// (a provider's `key_ops` or `use` could make the import refuse).
fn public_only(jwk: &Value, alg: Alg) -> Value {
    let pick = |names: &[&str]| {
        let mut m = serde_json::Map::new();
        for n in names {
            if let Some(v) = jwk.get(*n) {
                m.insert((*n).to_owned(), v.clone());
            }
        }
        m.insert("alg".into(), alg.as_str().into());
        Value::Object(m)
    };
    match alg {
        Alg::RS256 => pick(&["kty", "n", "e"]),
        Alg::ES256 => pick(&["kty", "crv", "x", "y"]),
    }
}

/// Finds, links or creates the local account, then signs the browser in
/// and resumes the client's request.
async fn sign_in(
    req: &Request,
    op: &Op<'_>,
    idp: &Idp,
    stored: &PendingUpstream,
    request: &AuthorizationRequest,
    p: &profile::Profile,
) -> Result<Response> {
    let db = db::database(op.env)?;
    let linked = idps::identity(&db, &op.app.id, &idp.id, &p.subject).await?;
    let by_identity = match &linked {
        Some(i) => directory::user_by_id(&db, &op.app.id, &i.user_id).await?,
        None => None,
    };
    // An address the provider does not vouch for is never looked up: it
    // neither joins, nor blocks, nor reveals an account.
    let by_email = match (&by_identity, p.verified_email()) {
        (None, Some(e)) => directory::user_by_email(&db, &op.app.id, e).await?,
        _ => None,
    };
    let signup = op.app.settings.signup.clone().unwrap_or_default();
    let invited = match p.verified_email() {
        Some(e) if signup.mode == aero2_core::signup::SignupMode::InviteOnly => directory::invitation(&db, &op.app.id, e).await?.is_some(),
        _ => false,
    };
    let account = |u: &User| LocalAccount { user_id: u.id.clone(), email_verified: u.email_verified, disabled: u.disabled };
    let situation = Situation {
        by_identity: by_identity.as_ref().map(account),
        by_email: by_email.as_ref().map(account),
        email: p.email.as_deref(),
        email_verified: p.email_verified,
        policy: op.app.settings.idp_linking.unwrap_or_default(),
        signup: &signup,
        invited,
    };
    let new_identity = |user_id: &str| -> Result<Identity> {
        Ok(Identity {
            id: new_id(IdKind::Identity, rng::bytes()?),
            idp_id: idp.id.clone(),
            subject: p.subject.clone(),
            user_id: user_id.to_owned(),
            email: p.email.clone(),
            email_verified: p.email_verified,
            created_at: op.now.0,
            last_login_at: op.now.0,
        })
    };
    let user = match linking::decide(&situation) {
        Outcome::SignIn { .. } => {
            let (Some(i), Some(u)) = (linked, by_identity) else { return refuse(op, stored, linking::Refusal::Disabled).await };
            idps::touch(&db, &op.app.id, &i.id, p.email.as_deref(), p.email_verified, op.now).await?;
            u
        }
        Outcome::Link { .. } => {
            let Some(u) = by_email else { return refuse(op, stored, linking::Refusal::EmailTaken).await };
            if !idps::link(&db, &op.app.id, &new_identity(&u.id)?).await? {
                return pages::error_page("Please try again", "This sign-in happened twice at once. Start again.", 409);
            }
            super::audit(op, req, super::by_user("identity.linked", &u.id).with("idp", idp.slug.clone()).with("email", p.email.clone())).await?;
            u
        }
        Outcome::Create => {
            // Only an address the provider vouches for becomes the
            // account's; any other stays on the identity.
            let email = p.verified_email().map(str::to_owned);
            let user = User {
                id: new_id(IdKind::User, rng::bytes()?),
                app_id: op.app.id.clone(),
                email_verified: email.is_some(),
                email,
                name: p.name.clone(),
                picture: p.picture.clone(),
                password_hash: None,
                disabled: false,
                created_at: op.now.0,
                updated_at: op.now.0,
                metadata: aero2_core::custom_claims::JsonText::empty_object(),
            };
            if !idps::create_linked_user(&db, &user, &new_identity(&user.id)?).await? {
                return refuse(op, stored, linking::Refusal::EmailTaken).await;
            }
            if invited {
                if let Some(e) = p.verified_email() {
                    directory::accept_invitation(&db, &op.app.id, e, op.now).await?;
                }
            }
            super::audit(op, req, super::by_user("signup", &user.id).with("method", "federated").with("idp", idp.slug.clone())).await?;
            user
        }
        Outcome::Refused(r) => return refuse(op, stored, r).await,
    };
    signin::finish(req, op, &stored.request, request, &user, &p.amr).await
}

/// Back to the sign-in page, which says why; the client's request is
/// still pending, so the user can choose another way in.
async fn refuse(op: &Op<'_>, stored: &PendingUpstream, r: linking::Refusal) -> Result<Response> {
    let status = match r {
        linking::Refusal::EmailTaken => 409,
        _ => 403,
    };
    signin::login_form(op, &stored.request, None, Some(r.message()), status).await
}

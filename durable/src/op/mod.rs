//! The OpenID Provider, served by each application's `TenantApp`. The
//! route tables are `aero2_core::routes::{op, account, rp}`; [`serve`] is
//! the one `match` from an endpoint to its handler:
//!
//! | path | file |
//! |---|---|
//! | `/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server`, `/.well-known/jwks.json` | `discovery` |
//! | `/oauth2/authorize` | `authorize` |
//! | `/login`, `/signup`, `/consent`, `/organization`, `/ui/hosted.css` | `interaction` (every sign-in ends in `signin::finish`) |
//! | `/oauth2/token` | `token` (grants in `grant_*`) |
//! | `/oauth2/userinfo` | `userinfo` |
//! | `/oauth2/revoke` | `revoke` |
//! | `/oauth2/introspect` | `introspect` |
//! | `/oauth2/logout` | `logout` |
//! | `/rp/authorize/{idp}`, `/rp/callback/{idp}` | `rp` (upstream identity providers; their list in `providers`) |
//! | `/forgot`, `/reset` | `recovery` |
//! | `/verify` | `verification` |
//! | `/email-link` | `email_signin` (a code or link by email instead of the password) |
//! | `/security` | `security` (the user's second factors; rules in `account_factors`) |
//! | `/passkeys/options`, `/ui/passkey.js` | `passkey_options` (ceremonies in `passkeys`) |
//! | `/account/…` | `account` |
//!
//! Rules live in `aero2_core::oauth` and `aero2_core::jose`; these files
//! decode the request, read records, ask the core, persist through `store`
//! (the grants' writes through `store::apply`), and encode.

pub(crate) mod access;
mod account;
mod account_token;
mod account_factors;
mod second_factor;
mod passkey_options;
mod passkeys;
mod authorize;
mod bearer;
pub mod caches;
mod clients;
mod discovery;
mod email_signin;
mod grant_authorization_code;
pub mod grants;
mod grant_client_credentials;
mod grant_refresh_token;
mod interaction;
mod invitations;
mod introspect;
pub mod limits;
mod logout;
mod org_admin;
mod organizations;
mod providers;
mod recovery;
pub(crate) mod resources;
mod revoke;
mod security;
pub mod rp;
mod session;
mod signed_in;
mod signin;
mod sms_codes;
pub mod signer;
pub mod store;
pub use session::sessions_json;
mod token;
mod tokens;
mod userinfo;
mod verification;
pub mod users;

use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::routes::op::{Endpoint, Via};
use aero2_core::routes::Found;
use aero2_core::oauth::error::OAuthError;
use aero2_core::oauth::params::Params;
use aero2_core::time::UnixMillis;
use serde_json::Value;
use worker::{Env, Headers, Request, Response, Result, SqlStorage, Storage};

/// Everything an OP handler needs besides the request.
pub struct Op<'a> {
    pub env: &'a Env,
    pub sql: SqlStorage,
    pub storage: Storage,
    pub app: &'a Application,
    pub issuer: String,
    /// Cookies get `Secure` everywhere but on localhost.
    pub secure_cookies: bool,
    /// What the object keeps in memory between requests.
    pub caches: &'a caches::Caches,
    pub now: UnixMillis,
    /// Which of the application's tenant shards this object is
    /// (`aero2_core::tenant_shards`; 0, the home object, unless the
    /// application has several).
    pub shard: u8,
}

/// Records an authentication event in the application's audit log, with
/// where the request came from.
/// The home object is the log's one writer: another shard hands the
/// event to it.
pub async fn audit(op: &Op<'_>, req: &Request, event: aero2_core::audit::Event) -> Result<()> {
    let event = crate::audit::from_request(event, req)?;
    if op.shard == 0 {
        crate::audit::record(op.env, &op.storage, &op.app.id, event, op.now).await
    } else {
        crate::tenant_command::Command::Audit { app_id: op.app.id.clone(), event: Box::new(event) }.send_to(op.env, &op.app.id, 0).await
    }
}

/// A failed sign-in for the log, at either step: who tried (the address
/// typed, cut to its key's length), which account it names if any, why.
pub fn signin_failed(email: Option<&str>, user_id: Option<&str>, reason: &str) -> aero2_core::audit::Event {
    let mut e = aero2_core::audit::Event::new("signin.failed", "anonymous").with("reason", reason);
    if let Some(email) = email {
        e = e.with("email", email.chars().take(254).collect::<String>());
    }
    if let Some(u) = user_id {
        e = e.user(u);
    }
    e
}

/// An event about `user_id`, done by that user.
pub fn by_user(kind: &str, user_id: &str) -> aero2_core::audit::Event {
    aero2_core::audit::Event::new(kind, &format!("user:{user_id}")).user(user_id)
}

/// Serves an OP endpoint or hosted page (`aero2_core::routes::op`).
pub async fn serve(req: Request, op: &Op<'_>, endpoint: Endpoint) -> Result<Response> {
    match endpoint {
        Endpoint::Metadata => discovery::metadata(op),
        Endpoint::Jwks => discovery::jwks(op).await,
        Endpoint::Authorize(via) => authorize::handle(req, op, via).await,
        Endpoint::Token => token::handle(req, op).await,
        Endpoint::UserInfo(_) => userinfo::handle(req, op).await,
        Endpoint::Revoke => revoke::handle(req, op).await,
        Endpoint::Introspect => introspect::handle(req, op).await,
        Endpoint::Logout(via) => logout::handle(req, op, via).await,
        Endpoint::SignIn(via) => interaction::handle(req, op, interaction::Page::SignIn, via).await,
        Endpoint::SignUp(via) => interaction::handle(req, op, interaction::Page::SignUp, via).await,
        Endpoint::Consent(via) => interaction::handle(req, op, interaction::Page::Consent, via).await,
        Endpoint::Invitation(via) => invitations::handle(req, op, via).await,
        Endpoint::Organization(via) => interaction::handle(req, op, interaction::Page::Organization, via).await,
        Endpoint::SecondFactor(via) => second_factor::handle(req, op, via).await,
        Endpoint::Security(via) => security::handle(req, op, via).await,
        Endpoint::EmailLink(via) => email_signin::link(req, op, via).await,
        Endpoint::Forgot(via) => recovery::forgot(req, op, via).await,
        Endpoint::Reset(via) => recovery::reset(req, op, via).await,
        Endpoint::Verify(via) => verification::handle(req, op, via).await,
        Endpoint::Stylesheet => crate::pages::stylesheet(),
        Endpoint::BrandStylesheet => crate::pages::brand_stylesheet(&req, op.app),
        Endpoint::Script => crate::pages::script(),
        Endpoint::PasskeyOptions => passkey_options::handle(req, op).await,
        // Answered by the object itself (`TenantApp::health`).
        Endpoint::Health => crate::respond::error(&ApiError::NotFound),
    }
}

/// Serves `/account/…` (`aero2_core::routes::account`).
pub async fn serve_account(req: Request, op: &Op<'_>, found: &Found<'_, aero2_core::routes::account::Endpoint>) -> Result<Response> {
    if found.endpoint.is_organization() {
        return org_admin::handle(req, op, found.endpoint, [found.param(0), found.param(1)]).await;
    }
    account::handle(req, op, found.endpoint, found.param(0)).await
}

/// Serves `/rp/…` (`aero2_core::routes::rp`).
pub async fn serve_rp(req: Request, op: &Op<'_>, found: &Found<'_, aero2_core::routes::rp::Endpoint>) -> Result<Response> {
    rp::handle(req, op, found.endpoint, found.param(0)).await
}

/// The parameters of a page or endpoint that takes them both ways.
pub async fn params(req: &mut Request, via: Via) -> Result<std::result::Result<Params, OAuthError>> {
    match via {
        Via::Query => query(req),
        Via::Form => form(req).await,
    }
}

/// The parameters of a hosted page that shows only the generic
/// "malformed" error page for a request it cannot read.
pub async fn page_params(req: &mut Request, via: Via) -> crate::pages::PageResult<Params> {
    Ok(params(req, via).await?.map_err(|_| crate::pages::PageError::new("Invalid request", "The request is malformed.", 400))?)
}

/// A JSON answer from a token-type endpoint: never cached (RFC 6749 §5.1).
pub fn oauth_json(status: u16, body: &Value) -> Result<Response> {
    thread_local! {
        static HEADERS: crate::headers::Fixed = const {
            crate::headers::Fixed::new(&[("content-type", "application/json"), ("cache-control", "no-store"), ("pragma", "no-cache")])
        };
    }
    let headers = HEADERS.with(crate::headers::Fixed::copy)?;
    Ok(Response::from_json(body)?.with_status(status).with_headers(headers))
}

/// The one place a token, revocation or introspection answer becomes a
/// response (`crate::fail::TokenResult`).
pub fn token_answer(op: &Op<'_>, context: &str, result: crate::fail::TokenResult<Response>) -> Result<Response> {
    result.or_else(|fail| fail.answer(context, |e| oauth_error(op, e)))
}

/// An error from the token, revocation or introspection endpoint (RFC 6749
/// §5.2). A 401 carries the `WWW-Authenticate` challenge for the client
/// authentication scheme we accept.
pub fn oauth_error(op: &Op<'_>, e: &OAuthError) -> Result<Response> {
    let status = e.token_endpoint_status();
    let mut resp = oauth_json(status, &e.to_json())?;
    if status == 401 {
        let challenge = aero2_core::oauth::client_auth::www_authenticate_basic(&op.issuer);
        resp.headers_mut().set("www-authenticate", &challenge)?;
    }
    Ok(resp)
}

/// The body of a form POST, decoded per RFC 6749 Appendix B. A body that is
/// not a valid form is `invalid_request`; so is any other content type.
pub async fn form(req: &mut Request) -> Result<std::result::Result<Params, OAuthError>> {
    let ct = req.headers().get("content-type")?.unwrap_or_default();
    let media = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if media != "application/x-www-form-urlencoded" {
        return Ok(Err(OAuthError::InvalidRequest("content type must be application/x-www-form-urlencoded".into())));
    }
    let bytes = req.bytes().await?;
    Ok(Params::parse(&bytes))
}

/// The query string of a request as parameters.
pub fn query(req: &Request) -> Result<std::result::Result<Params, OAuthError>> {
    let url = req.url()?;
    Ok(Params::parse(url.query().unwrap_or_default().as_bytes()))
}

/// Renders a form with a fresh CSRF token and sets its cookie.
pub fn with_csrf(op: &Op<'_>, render: impl FnOnce(&str) -> Result<Response>) -> Result<Response> {
    let csrf = crate::pages::new_csrf_token()?;
    let mut resp = render(&csrf)?;
    resp.headers_mut().append("set-cookie", &crate::pages::csrf_cookie(&csrf, op.secure_cookies))?;
    Ok(resp)
}

/// Browsers apply the CSP `form-action` of the page holding a form to every
/// redirect its submission follows (CSP3 §6.3.1.1), and these forms end in
/// a redirect to the client. So a form page admits exactly the redirect URI
/// of the request it continues (set by the front Worker from this header).
pub fn may_redirect_to_client(mut page: Response, request: &aero2_core::oauth::authorize::AuthorizationRequest) -> crate::pages::PageResult {
    if page.headers().get("content-type")?.is_some_and(|c| c.starts_with("text/html")) {
        page.headers_mut().set(crate::forward::FORM_ACTION_HEADER, &request.redirect_uri)?;
    }
    Ok(page)
}

/// A 303 to `location` (RFC 9110 §15.4.4: the browser follows with GET).
pub fn see_other(location: &str) -> Result<Response> {
    let headers = Headers::new();
    headers.set("location", location)?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::empty()?.with_status(303).with_headers(headers))
}

/// Mints a single-use link token (`prefix` + 32 random bytes) for `kind`,
/// stores its SHA-256 with `payload` until `ttl_ms` from now, and makes
/// sure the object's alarm sweeps it afterwards. Returns the token.
pub async fn mint_link_token(op: &Op<'_>, prefix: &str, kind: &str, payload: &impl serde::Serialize, ttl_ms: i64) -> Result<String> {
    let token = format!("{prefix}_{}", aero2_core::encoding::hex(&crate::rng::bytes::<32>()?));
    let expires = op.now.plus_millis(ttl_ms);
    let key = aero2_core::encoding::sha256_hex(token.as_bytes());
    store::put_single_use(&op.sql, kind, &key, &serde_json::to_string(payload)?, expires)?;
    crate::schema::arm_alarm_by(&op.storage, expires).await?;
    Ok(token)
}

/// Queues `mail` for delivery after this response (`crate::mailer`).
pub async fn send_mail(op: &Op<'_>, mail: &crate::mailer::Mail) -> Result<()> {
    crate::mailer::queue(&op.sql, &op.storage, mail, op.now).await
}

/// Why mail cannot be sent from this deployment, if it cannot (logged).
/// Every flow that mails a link checks this before it changes anything.
pub fn mail_unavailable(op: &Op<'_>) -> Option<ApiError> {
    let problem = crate::mailer::transport(op.env).err()?;
    worker::console_error!("mail is not configured: {problem}");
    Some(ApiError::Unavailable("this application cannot send email right now; tell its operator"))
}

/// [`mail_unavailable`] as a hosted page.
pub fn mail_unavailable_page(op: &Op<'_>) -> Result<Option<Response>> {
    match mail_unavailable(op) {
        Some(_) => Ok(Some(crate::pages::error_page(
            "Email unavailable",
            "This application cannot send email right now, so this step cannot continue. Please tell the application's owner.",
            503,
        )?)),
        None => Ok(None),
    }
}

//! The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): checking
//! the request, then deciding what the user must do before a code is issued.
//!
//! Until the client and its redirect URI are trusted, an error is shown to
//! the user and never redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.11: an open
//! redirector). After that, errors go back to the client's redirect URI with
//! `state` and `iss` (RFC 9207 §2). The checks run in the order of the
//! `CHECKS` table; the first failure wins.
//!
//! ```text
//!            +-- no session / prompt=login / max_age passed --> NeedLogin
//!  decide ---+-- no covering consent / prompt=consent --------> NeedConsent
//!            +-- otherwise -----------------------------------> Issue
//!  (with prompt=none, NeedLogin and NeedConsent become login_required and
//!   consent_required errors, OIDC Core §3.1.2.6)
//! ```
//!
//! `prompt=login`, `prompt=select_account`, `max_age` and `prompt=consent`
//! are satisfied by a sign-in or consent given after the request arrived
//! (`requested_at`), so returning from the login page does not loop.

use super::client::{Client, GrantType};
use super::error::OAuthError;
use super::params::{append_query, Params};
use super::pkce::{check_challenge, CodeChallenge};
use super::resource;
use super::scope::Scope;
use crate::rbac::Api;
use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};

/// Longest `state`, `nonce`, `login_hint` or `ui_locales` we keep: they are
/// stored while the user signs in.
pub const MAX_PASSTHROUGH_LEN: usize = 2048;

/// How the response reaches the client. Only `query` is offered: `fragment`
/// belongs to the implicit flow (RFC 9700 §2.1.2) and `form_post` is not
/// implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    Query,
}

/// The `prompt` values (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    pub select_account: bool,
    /// Initiating User Registration via OpenID Connect 1.0 §4: show the
    /// sign-up page first (a signed-in user signs in again, like `login`).
    pub create: bool,
}

impl Prompt {
    pub fn parse(s: &str) -> Result<Self, OAuthError> {
        let mut p = Prompt::default();
        for value in s.split(' ').filter(|v| !v.is_empty()) {
            match value {
                "none" => p.none = true,
                "login" => p.login = true,
                "consent" => p.consent = true,
                "select_account" => p.select_account = true,
                "create" => p.create = true,
                _ => return Err(OAuthError::InvalidRequest("unsupported prompt value".into())),
            }
        }
        if p.none && (p.login || p.consent || p.select_account || p.create) {
            return Err(OAuthError::InvalidRequest("prompt=none must not be combined with other values".into()));
        }
        Ok(p)
    }
}

/// A checked authorization request, kept while the user signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    /// As presented (a loopback port may differ from the registration); the
    /// token request must repeat exactly this (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    pub scope: Scope,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<CodeChallenge>,
    pub prompt: Prompt,
    /// Seconds; when present the ID token must carry `auth_time`
    /// (OIDC Core §2).
    pub max_age: Option<u64>,
    pub login_hint: Option<String>,
    pub ui_locales: Option<String>,
    pub requested_at: UnixMillis,
    /// The identifier of the API the tokens are for (RFC 8707 `resource`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The `acr_values` Aero2 knows, as asked (OIDC Core §3.1.2.1); asking
    /// for `urn:aero2:acr:mfa` is a step-up: a second factor is required.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acr_values: Vec<String>,
    /// The organization to sign in to: as the request named it (an id or
    /// a slug) until the shell finds it, then its id; or the one the user
    /// picked (`crate::organization`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

impl AuthorizationRequest {
    /// A sign-in for one of Aero2's own hosted pages (`path`, such as the
    /// security page) rather than for a client: no client, no code; once
    /// the user is signed in, the browser goes back to `path`.
    #[must_use]
    pub fn for_hosted_page(path: impl Into<String>, now: UnixMillis) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: String::new(),
            redirect_uri: path.into(),
            scope: Scope::default(),
            state: None,
            nonce: None,
            code_challenge: None,
            prompt: Prompt::default(),
            max_age: None,
            login_hint: None,
            ui_locales: None,
            requested_at: now,
            resource: None,
            acr_values: Vec::new(),
            organization: None,
        }
    }

    /// The hosted page a sign-in resumes ([`Self::for_hosted_page`]); `None`
    /// for a client's request (every client has an id).
    #[must_use]
    pub fn hosted_page(&self) -> Option<&str> {
        (self.client_id.is_empty() && self.redirect_uri.starts_with('/') && !self.redirect_uri.starts_with("//")).then_some(self.redirect_uri.as_str())
    }

    /// Whether the client asked for a second factor (step-up).
    #[must_use]
    pub fn wants_mfa(&self) -> bool {
        self.acr_values.iter().any(|a| a == crate::mfa::ACR_MFA)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeRejection {
    /// The client or redirect URI is not trusted: tell the user, do not
    /// redirect.
    ShowErrorPage(OAuthError),
    /// Send the error to the client's redirect URI.
    Redirect { redirect_uri: String, error: OAuthError, state: Option<String>, response_mode: ResponseMode },
}

impl AuthorizeRejection {
    #[must_use]
    pub fn error(&self) -> &OAuthError {
        match self {
            AuthorizeRejection::ShowErrorPage(e) | AuthorizeRejection::Redirect { error: e, .. } => e,
        }
    }

    /// Where to send the browser, for a redirect; `None` for an error page.
    #[must_use]
    pub fn location(&self, issuer: &str) -> Option<String> {
        match self {
            AuthorizeRejection::ShowErrorPage(_) => None,
            AuthorizeRejection::Redirect { redirect_uri, error, state, .. } => {
                Some(error_location(redirect_uri, error, state.as_deref(), issuer))
            }
        }
    }
}

/// The error response URI (RFC 6749 §4.1.2.1, RFC 9207 §2).
#[must_use]
pub fn error_location(redirect_uri: &str, error: &OAuthError, state: Option<&str>, issuer: &str) -> String {
    let description = error.wire_description();
    let mut pairs = vec![("error", error.code()), ("error_description", description.as_str())];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", issuer));
    append_query(redirect_uri, &pairs)
}

/// The success response URI (RFC 6749 §4.1.2, RFC 9207 §2).
#[must_use]
pub fn success_location(request: &AuthorizationRequest, code: &str, issuer: &str) -> String {
    let mut pairs = vec![("code", code)];
    if let Some(s) = request.state.as_deref() {
        pairs.push(("state", s));
    }
    pairs.push(("iss", issuer));
    append_query(&request.redirect_uri, &pairs)
}

/// The `client_id` to look up before [`validate_authorization_request`].
pub fn requested_client_id(params: &Params) -> Result<&str, AuthorizeRejection> {
    params
        .get("client_id")
        .map_err(AuthorizeRejection::ShowErrorPage)?
        .ok_or_else(|| AuthorizeRejection::ShowErrorPage(OAuthError::InvalidRequest("client_id is required".into())))
}

struct Ctx<'a> {
    params: &'a Params,
    client: &'a Client,
    apis: &'a [Api],
}

#[derive(Default)]
struct Draft {
    resource: Option<String>,
    acr_values: Vec<String>,
    scope: Scope,
    nonce: Option<String>,
    code_challenge: Option<CodeChallenge>,
    prompt: Prompt,
    max_age: Option<u64>,
    login_hint: Option<String>,
    ui_locales: Option<String>,
    organization: Option<String>,
}

type Check = fn(&Ctx<'_>, &mut Draft) -> Result<(), OAuthError>;

/// The checks made once the redirect URI is trusted, in order.
const CHECKS: &[Check] = &[
    check_response_mode,
    check_no_request_object,
    check_response_type,
    check_client_grant,
    check_resource,
    check_scope,
    check_prompt,
    check_max_age,
    check_acr_values,
    check_pkce,
    check_organization,
    copy_passthrough,
];

fn check_response_mode(ctx: &Ctx<'_>, _: &mut Draft) -> Result<(), OAuthError> {
    match ctx.params.get("response_mode")? {
        None | Some("query") => Ok(()),
        Some(_) => Err(OAuthError::InvalidRequest("response_mode must be query".into())),
    }
}

/// OIDC Core §6: request objects are optional; we say so with the codes of
/// §3.1.2.6 rather than ignore parameters that may carry the real request.
fn check_no_request_object(ctx: &Ctx<'_>, _: &mut Draft) -> Result<(), OAuthError> {
    if ctx.params.has("request") {
        return Err(OAuthError::RequestNotSupported("the request parameter is not supported".into()));
    }
    if ctx.params.has("request_uri") {
        return Err(OAuthError::RequestUriNotSupported("the request_uri parameter is not supported".into()));
    }
    Ok(())
}

fn check_response_type(ctx: &Ctx<'_>, _: &mut Draft) -> Result<(), OAuthError> {
    match ctx.params.get("response_type")? {
        None => Err(OAuthError::InvalidRequest("response_type is required".into())),
        Some("code") => Ok(()),
        Some(_) => Err(OAuthError::UnsupportedResponseType("response_type must be code".into())),
    }
}

fn check_client_grant(ctx: &Ctx<'_>, _: &mut Draft) -> Result<(), OAuthError> {
    if ctx.client.allows_grant(GrantType::AuthorizationCode) {
        Ok(())
    } else {
        Err(OAuthError::UnauthorizedClient("client may not use the authorization_code grant".into()))
    }
}

/// RFC 8707 §2: the API the tokens are for, one of the application's.
fn check_resource(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    draft.resource = match resource::requested(ctx.params)? {
        Some(id) => Some(resource::find(ctx.apis, &id)?.identifier.clone()),
        None => None,
    };
    Ok(())
}

/// RFC 6749 §3.3: with no default scope configured, an absent scope fails.
/// Aero2's scopes are held to the client's, permissions to the API's.
fn check_scope(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    let scope = Scope::parse(ctx.params.get("scope")?.unwrap_or_default())?;
    if scope.is_empty() {
        return Err(OAuthError::InvalidScope("scope is required".into()));
    }
    let api = match &draft.resource {
        Some(id) => Some(resource::find(ctx.apis, id)?),
        None => None,
    };
    resource::check_scope(&scope, &ctx.client.scopes, api)?;
    // Registration already keeps `account` to first-party clients; this
    // holds even for a row written by other means.
    if scope.contains(super::scope::ACCOUNT) && !ctx.client.first_party {
        return Err(OAuthError::InvalidScope("the account scope is for first-party clients only".into()));
    }
    draft.scope = scope;
    Ok(())
}

/// `acr_values` are voluntary (OIDC Core §3.1.2.1): values Aero2 does not
/// know are ignored; the one it knows, `urn:aero2:acr:mfa`, is honoured.
fn check_acr_values(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    if let Some(v) = bounded(ctx.params, "acr_values")? {
        draft.acr_values = v.split(' ').filter(|a| crate::mfa::ACR_VALUES.contains(a)).map(str::to_owned).collect();
        draft.acr_values.dedup();
    }
    Ok(())
}

fn check_prompt(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    draft.prompt = ctx.params.get("prompt")?.map(Prompt::parse).transpose()?.unwrap_or_default();
    Ok(())
}

fn check_max_age(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    if let Some(s) = ctx.params.get("max_age")? {
        let valid = !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
        let n = s.parse::<u64>().ok().filter(|_| valid);
        draft.max_age = Some(n.ok_or_else(|| OAuthError::InvalidRequest("max_age must be a non-negative integer".into()))?);
    }
    Ok(())
}

fn check_pkce(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    let challenge = ctx.params.get("code_challenge")?;
    let method = ctx.params.get("code_challenge_method")?;
    draft.code_challenge = check_challenge(challenge, method, ctx.client.requires_pkce())?;
    Ok(())
}

/// `organization`: an id or a slug, for a client that uses organizations.
fn check_organization(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    draft.organization = organization(ctx.params, ctx.client)?;
    Ok(())
}

/// The `organization` a request (authorization or refresh) names, checked
/// for its shape and against the client's `organization_usage`.
///
/// # Errors
/// `invalid_request`.
pub fn organization(params: &Params, client: &Client) -> Result<Option<String>, OAuthError> {
    let named = params.get("organization")?;
    client.organization_usage.admits(named.is_some())?;
    match named {
        Some(v) if !crate::organization::is_reference(v) => {
            Err(OAuthError::InvalidRequest("organization must be an organization's id or slug".into()))
        }
        v => Ok(v.map(str::to_owned)),
    }
}

fn bounded(params: &Params, name: &str) -> Result<Option<String>, OAuthError> {
    match params.get(name)? {
        Some(v) if v.len() > MAX_PASSTHROUGH_LEN => {
            Err(OAuthError::InvalidRequest(format!("{name} is longer than {MAX_PASSTHROUGH_LEN} bytes")))
        }
        v => Ok(v.map(str::to_owned)),
    }
}

fn copy_passthrough(ctx: &Ctx<'_>, draft: &mut Draft) -> Result<(), OAuthError> {
    draft.nonce = bounded(ctx.params, "nonce")?;
    draft.login_hint = bounded(ctx.params, "login_hint")?;
    draft.ui_locales = bounded(ctx.params, "ui_locales")?;
    Ok(())
}

/// Checks an authorization request. `client` is the lookup result for
/// [`requested_client_id`]; `apis` are the application's (for
/// `resource`); `now` becomes `requested_at`.
pub fn validate_authorization_request(
    params: &Params,
    client: Option<&Client>,
    apis: &[Api],
    now: UnixMillis,
) -> Result<AuthorizationRequest, AuthorizeRejection> {
    let page = AuthorizeRejection::ShowErrorPage;
    let client_id = requested_client_id(params)?;
    let client = client
        .filter(|c| c.client_id == client_id)
        .ok_or_else(|| page(OAuthError::InvalidClient("unknown client".into())))?;
    let redirect_uri = params
        .get("redirect_uri")
        .map_err(page)?
        .ok_or_else(|| page(OAuthError::InvalidRequest("redirect_uri is required".into())))?;
    if client.registered_redirect_uri(redirect_uri).is_none() {
        return Err(page(OAuthError::InvalidRequest("redirect_uri is not registered for this client".into())));
    }

    let redirect = |error: OAuthError, state: Option<String>| AuthorizeRejection::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        error,
        state,
        response_mode: ResponseMode::Query,
    };
    let state = bounded(params, "state").map_err(|e| redirect(e, None))?;
    let ctx = Ctx { params, client, apis };
    let mut draft = Draft::default();
    for check in CHECKS {
        check(&ctx, &mut draft).map_err(|e| redirect(e, state.clone()))?;
    }
    Ok(AuthorizationRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope: draft.scope,
        state,
        nonce: draft.nonce,
        code_challenge: draft.code_challenge,
        prompt: draft.prompt,
        max_age: draft.max_age,
        login_hint: draft.login_hint,
        ui_locales: draft.ui_locales,
        requested_at: now,
        resource: draft.resource,
        acr_values: draft.acr_values,
        organization: draft.organization,
    })
}

/// The signed-in user, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user_id: String,
    pub auth_time_secs: i64,
    /// The session's sign-in proved a second factor (`acr` mfa).
    #[serde(default)]
    pub mfa: bool,
}

/// What [`decide`] needs to know besides the request.
#[derive(Debug, Clone, Copy)]
pub struct SessionState<'a> {
    pub session: Option<&'a SessionInfo>,
    pub now: UnixMillis,
    /// When the user last granted consent covering every requested scope;
    /// `None` if no such consent exists.
    pub consent_granted_at_secs: Option<i64>,
    /// First-party clients are the operator's own: consent is implied.
    pub first_party: bool,
    /// How long a second factor satisfies a step-up (`acr_values`), in
    /// seconds since the sign-in that proved it; `None`: as long as the
    /// session lives. A raised assurance decays.
    pub mfa_max_age_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    NeedLogin,
    /// Signed in, but the client asked for a second factor this session
    /// has not proven (step-up).
    NeedSecondFactor,
    NeedConsent,
    Issue,
    Error(OAuthError),
}

/// What must happen before a code can be issued (OIDC Core §3.1.2.1,
/// §3.1.2.3, §3.1.2.4).
#[must_use]
pub fn decide(request: &AuthorizationRequest, state: &SessionState<'_>) -> Decision {
    let started = request.requested_at.as_secs();
    let needs_login = match state.session {
        None => true,
        Some(s) => {
            let fresh = s.auth_time_secs >= started;
            let forced = request.prompt.login || request.prompt.select_account || request.prompt.create;
            let too_old = request.max_age.is_some_and(|max| {
                let max = i64::try_from(max).unwrap_or(i64::MAX);
                state.now.as_secs().saturating_sub(s.auth_time_secs) > max
            });
            !fresh && (forced || too_old)
        }
    };
    if needs_login {
        return if request.prompt.none {
            Decision::Error(OAuthError::LoginRequired("the user must sign in".into()))
        } else {
            Decision::NeedLogin
        };
    }
    let mfa_holds = state.session.is_some_and(|s| {
        s.mfa && state.mfa_max_age_secs.is_none_or(|max| state.now.as_secs().saturating_sub(s.auth_time_secs) <= max)
    });
    if request.wants_mfa() && !mfa_holds {
        return if request.prompt.none {
            Decision::Error(OAuthError::InteractionRequired("the user must prove a second factor".into()))
        } else {
            Decision::NeedSecondFactor
        };
    }
    let needs_consent = !state.first_party
        && match state.consent_granted_at_secs {
            None => true,
            Some(at) => request.prompt.consent && at < started,
        };
    if needs_consent {
        return if request.prompt.none {
            Decision::Error(OAuthError::ConsentRequired("the user must consent".into()))
        } else {
            Decision::NeedConsent
        };
    }
    Decision::Issue
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::client::{ClientType, TokenEndpointAuthMethod};

    const CB: &str = "https://app.example.com/cb?x=1";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const NOW: UnixMillis = UnixMillis(1_700_000_000_000);

    fn client() -> Client {
        Client {
            name: "App".into(),
            redirect_uris: vec![CB.into(), "http://127.0.0.1/cb".into()],
            scopes: Scope::parse("openid profile email").unwrap(),
            ..Client::for_tests(TokenEndpointAuthMethod::None, &[GrantType::AuthorizationCode, GrantType::RefreshToken])
        }
    }

    fn base() -> Vec<(&'static str, String)> {
        vec![
            ("client_id", "cl_a".into()),
            ("redirect_uri", CB.into()),
            ("response_type", "code".into()),
            ("scope", "openid email".into()),
            ("state", "st".into()),
            ("code_challenge", CHALLENGE.into()),
            ("code_challenge_method", "S256".into()),
        ]
    }

    fn with(changes: &[(&'static str, &str)]) -> Params {
        let mut pairs: Vec<(String, String)> = base().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        for (k, v) in changes {
            pairs.retain(|(n, _)| n != k);
            if !v.is_empty() {
                pairs.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        Params::from_pairs(pairs)
    }

    fn run(params: &Params, c: &Client) -> Result<AuthorizationRequest, AuthorizeRejection> {
        validate_authorization_request(params, Some(c), &[], NOW)
    }

    #[test]
    fn an_organization_is_named_only_to_a_client_that_uses_them() {
        let refused = run(&with(&[("organization", "acme")]), &client()).unwrap_err();
        assert!(matches!(refused, AuthorizeRejection::Redirect { error: OAuthError::InvalidRequest(_), .. }), "{refused:?}");
        let allowed = Client { organization_usage: crate::organization::Usage::Allowed, ..client() };
        assert_eq!(run(&with(&[("organization", "acme")]), &allowed).unwrap().organization.as_deref(), Some("acme"));
        assert_eq!(run(&with(&[]), &allowed).unwrap().organization, None);
        let junk = run(&with(&[("organization", "ACME inc")]), &allowed).unwrap_err();
        assert!(matches!(junk, AuthorizeRejection::Redirect { error: OAuthError::InvalidRequest(_), .. }));
    }

    #[test]
    fn a_resource_names_one_of_the_applications_apis() {
        let api = crate::rbac::Api {
            id: "api_1".into(),
            identifier: "https://api.example/invoices".into(),
            name: "Invoices".into(),
            settings: crate::rbac::ApiSettings {
                permissions: vec![crate::rbac::Permission { value: "read:invoices".into(), description: String::new() }],
                ..crate::rbac::ApiSettings::default()
            },
            created_at: 0,
            updated_at: 0,
        };
        let apis = [api];
        let target = "https://api.example/invoices";
        let ok = validate_authorization_request(&with(&[("resource", target), ("scope", "openid read:invoices")]), Some(&client()), &apis, NOW).unwrap();
        assert_eq!((ok.resource.as_deref(), ok.scope.to_string().as_str()), (Some(target), "openid read:invoices"));
        let stored: AuthorizationRequest = serde_json::from_str(&serde_json::to_string(&ok).unwrap()).unwrap();
        assert_eq!(stored, ok);
        // Earlier stored requests have no resource.
        let mut old = serde_json::to_value(run(&with(&[]), &client()).unwrap()).unwrap();
        old.as_object_mut().unwrap().remove("resource");
        assert_eq!(serde_json::from_value::<AuthorizationRequest>(old).unwrap().resource, None);
        let code = |changes: &[(&'static str, &str)]| {
            let r = validate_authorization_request(&with(changes), Some(&client()), &apis, NOW).unwrap_err();
            assert!(matches!(r, AuthorizeRejection::Redirect { .. }), "{r:?}");
            r.error().code()
        };
        assert_eq!(code(&[("resource", "https://api.example/orders")]), "invalid_target");
        assert_eq!(code(&[("audience", "not a uri")]), "invalid_target");
        assert_eq!(code(&[("scope", "openid read:invoices")]), "invalid_scope");
        assert_eq!(code(&[("resource", target), ("scope", "openid write:invoices")]), "invalid_scope");
    }

    #[test]
    fn a_valid_request_is_kept_whole() {
        let p = with(&[("nonce", "n1"), ("prompt", "login consent"), ("max_age", "300"), ("login_hint", "a@b.c"),
            ("ui_locales", "fr en")]);
        let r = run(&p, &client()).unwrap();
        assert_eq!((r.client_id.as_str(), r.redirect_uri.as_str()), ("cl_a", CB));
        assert_eq!(r.scope.to_string(), "openid email");
        assert_eq!((r.state.as_deref(), r.nonce.as_deref()), (Some("st"), Some("n1")));
        assert_eq!(r.code_challenge.as_ref().map(CodeChallenge::as_str), Some(CHALLENGE));
        assert_eq!(r.prompt, Prompt { login: true, consent: true, ..Prompt::default() });
        assert_eq!(r.max_age, Some(300));
        assert_eq!((r.login_hint.as_deref(), r.ui_locales.as_deref()), (Some("a@b.c"), Some("fr en")));
        assert_eq!(r.requested_at, NOW);
        let stored: AuthorizationRequest = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(stored, r);
    }

    #[test]
    fn untrusted_client_or_redirect_uri_shows_an_error_page() {
        let other = Client { client_id: "cl_b".into(), ..client() };
        let cases: Vec<(Params, Option<&Client>, &str)> = vec![
            (with(&[("client_id", "")]), None, "invalid_request"),
            (Params::from_pairs(vec![("client_id".into(), "a".into()), ("client_id".into(), "b".into())]), None,
                "invalid_request"),
            (with(&[]), None, "invalid_client"),
            (with(&[]), Some(&other), "invalid_client"),
            (with(&[("redirect_uri", "")]), Some(&other), "invalid_client"),
            (with(&[("redirect_uri", "")]), None, "invalid_client"),
        ];
        for (p, c, code) in cases {
            let r = validate_authorization_request(&p, c, &[], NOW).unwrap_err();
            assert!(matches!(&r, AuthorizeRejection::ShowErrorPage(e) if e.code() == code), "{r:?}");
            assert_eq!(r.location("https://issuer"), None);
        }
        let c = client();
        for uri in ["", "https://app.example.com/cb", "https://app.example.com/cb?x=1&y=2", "https://evil.example/cb",
            "http://localhost/cb"] {
            let r = run(&with(&[("redirect_uri", uri), ("response_type", "token")]), &c).unwrap_err();
            assert!(matches!(&r, AuthorizeRejection::ShowErrorPage(e) if e.code() == "invalid_request"), "{uri}");
        }
        let mut dup = base();
        dup.push(("redirect_uri", CB.into()));
        let dup = Params::from_pairs(dup.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        assert!(matches!(run(&dup, &c), Err(AuthorizeRejection::ShowErrorPage(_))));
    }

    #[test]
    fn later_errors_redirect_with_state() {
        let c = client();
        let no_code = Client { grant_types: vec![GrantType::ClientCredentials], ..client() };
        let cases: Vec<(Params, &Client, &str)> = vec![
            (with(&[("response_mode", "fragment")]), &c, "invalid_request"),
            (with(&[("response_mode", "form_post")]), &c, "invalid_request"),
            (with(&[("request", "eyJ.x.y")]), &c, "request_not_supported"),
            (with(&[("request_uri", "urn:x")]), &c, "request_uri_not_supported"),
            (with(&[("response_type", "")]), &c, "invalid_request"),
            (with(&[("response_type", "token")]), &c, "unsupported_response_type"),
            (with(&[("response_type", "code id_token")]), &c, "unsupported_response_type"),
            (with(&[]), &no_code, "unauthorized_client"),
            (with(&[("scope", "")]), &c, "invalid_scope"),
            (with(&[("scope", "openid offline_access")]), &c, "invalid_scope"),
            (with(&[("scope", "open\\id")]), &c, "invalid_scope"),
            (with(&[("prompt", "sometimes")]), &c, "invalid_request"),
            (with(&[("prompt", "none login")]), &c, "invalid_request"),
            (with(&[("max_age", "-1")]), &c, "invalid_request"),
            (with(&[("max_age", "1.5")]), &c, "invalid_request"),
            (with(&[("max_age", "99999999999")]), &c, "invalid_request"),
            (with(&[("code_challenge", "")]), &c, "invalid_request"),
            (with(&[("code_challenge_method", "plain")]), &c, "invalid_request"),
            (with(&[("code_challenge_method", "")]), &c, "invalid_request"),
            (with(&[("code_challenge", "short")]), &c, "invalid_request"),
            (with(&[("nonce", &"n".repeat(2049))]), &c, "invalid_request"),
        ];
        for (p, c, code) in cases {
            match run(&p, c).unwrap_err() {
                AuthorizeRejection::Redirect { redirect_uri, error, state, response_mode } => {
                    assert_eq!(error.code(), code, "{p:?}");
                    assert_eq!((redirect_uri.as_str(), state.as_deref(), response_mode), (CB, Some("st"), ResponseMode::Query));
                }
                other => panic!("expected a redirect for {p:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_bad_state_is_not_echoed() {
        let mut repeated: Vec<(String, String)> = base().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        repeated.push(("state".into(), "other".into()));
        for p in [with(&[("state", &"s".repeat(2049))]), Params::from_pairs(repeated)] {
            match run(&p, &client()).unwrap_err() {
                AuthorizeRejection::Redirect { error, state, .. } => {
                    assert_eq!((error.code(), state), ("invalid_request", None));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn pkce_is_optional_only_for_relaxed_confidential_clients() {
        let relaxed = Client {
            client_type: ClientType::Confidential,
            token_endpoint_auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
            require_pkce: false,
            ..client()
        };
        let p = with(&[("code_challenge", ""), ("code_challenge_method", "")]);
        assert_eq!(run(&p, &relaxed).unwrap().code_challenge, None);
        let public_flag_off = Client { require_pkce: false, ..client() };
        assert_eq!(run(&p, &public_flag_off).unwrap_err().error().code(), "invalid_request");
        // Even when optional, a challenge that is sent must be S256.
        let plain = with(&[("code_challenge_method", "plain")]);
        assert_eq!(run(&plain, &relaxed).unwrap_err().error().code(), "invalid_request");
    }

    #[test]
    fn loopback_redirects_keep_the_presented_port() {
        let r = run(&with(&[("redirect_uri", "http://127.0.0.1:49152/cb")]), &client()).unwrap();
        assert_eq!(r.redirect_uri, "http://127.0.0.1:49152/cb");
    }

    #[test]
    fn locations_carry_state_and_iss() {
        let r = run(&with(&[("state", "a b&c")]), &client()).unwrap();
        assert_eq!(
            success_location(&r, "code123", "https://myapp.aero2.dev"),
            "https://app.example.com/cb?x=1&code=code123&state=a+b%26c&iss=https%3A%2F%2Fmyapp.aero2.dev"
        );
        let e = run(&with(&[("response_type", "token"), ("state", "")]), &client()).unwrap_err();
        assert_eq!(
            e.location("https://i.example").unwrap(),
            "https://app.example.com/cb?x=1&error=unsupported_response_type\
             &error_description=response_type+must+be+code&iss=https%3A%2F%2Fi.example"
        );
    }

    fn request(prompt: &str, max_age: Option<u64>) -> AuthorizationRequest {
        let mut r = run(&with(&[("prompt", prompt)]), &client()).unwrap();
        r.max_age = max_age;
        r
    }

    fn state(session: Option<&SessionInfo>, now_secs: i64, consent: Option<i64>, first_party: bool) -> SessionState<'_> {
        SessionState { session, now: UnixMillis(now_secs * 1000), consent_granted_at_secs: consent, first_party, mfa_max_age_secs: None }
    }

    #[test]
    fn decide_follows_prompt_and_max_age() {
        let t0 = NOW.as_secs();
        let old = SessionInfo { user_id: "usr_1".into(), auth_time_secs: t0 - 1000, mfa: false };
        let fresh = SessionInfo { user_id: "usr_1".into(), auth_time_secs: t0 + 5, mfa: false };
        let code = |d: Decision| match d {
            Decision::Error(e) => e.code().to_owned(),
            other => format!("{other:?}"),
        };
        let cases = [
            (request("", None), state(None, t0, None, false), "NeedLogin"),
            (request("none", None), state(None, t0, None, false), "login_required"),
            (request("", None), state(Some(&old), t0, Some(t0 - 10), false), "Issue"),
            (request("", None), state(Some(&old), t0, None, false), "NeedConsent"),
            (request("none", None), state(Some(&old), t0, None, false), "consent_required"),
            (request("", None), state(Some(&old), t0, None, true), "Issue"),
            (request("login", None), state(Some(&old), t0, Some(t0 - 10), false), "NeedLogin"),
            (request("login", None), state(Some(&fresh), t0 + 6, Some(t0 - 10), false), "Issue"),
            (request("select_account", None), state(Some(&old), t0, Some(t0 - 10), false), "NeedLogin"),
            (request("create", None), state(Some(&old), t0, Some(t0 - 10), false), "NeedLogin"),
            (request("", Some(999)), state(Some(&old), t0, Some(t0 - 10), false), "NeedLogin"),
            (request("", Some(1000)), state(Some(&old), t0, Some(t0 - 10), false), "Issue"),
            (request("none", Some(60)), state(Some(&old), t0, Some(t0 - 10), false), "login_required"),
            (request("", Some(0)), state(Some(&fresh), t0 + 30, Some(t0 - 10), false), "Issue"),
            (request("consent", None), state(Some(&old), t0, Some(t0 - 10), false), "NeedConsent"),
            (request("consent", None), state(Some(&old), t0 + 9, Some(t0 + 8), false), "Issue"),
            (request("consent", None), state(Some(&old), t0, Some(t0 - 10), true), "Issue"),
        ];
        for (i, (r, s, want)) in cases.iter().enumerate() {
            assert_eq!(code(decide(r, s)), *want, "case {i}");
        }
        // Step-up: acr_values asking for a second factor the session lacks.
        let stepped = SessionInfo { mfa: true, ..old.clone() };
        let up = |prompt: &str| AuthorizationRequest { acr_values: vec![crate::mfa::ACR_MFA.into()], ..request(prompt, None) };
        assert_eq!(code(decide(&up(""), &state(Some(&old), t0, Some(t0 - 10), true))), "NeedSecondFactor");
        assert_eq!(code(decide(&up("none"), &state(Some(&old), t0, Some(t0 - 10), true))), "interaction_required");
        assert_eq!(code(decide(&up(""), &state(Some(&stepped), t0, Some(t0 - 10), true))), "Issue");
        assert_eq!(code(decide(&up(""), &state(None, t0, None, true))), "NeedLogin", "sign in first, then step up");
        // The second factor decays: older than the application's window, asked again.
        let window = |max: i64| SessionState { mfa_max_age_secs: Some(max), ..state(Some(&stepped), t0, Some(t0 - 10), true) };
        assert_eq!(code(decide(&up(""), &window(1000))), "Issue", "proved 1000 s ago, within 1000 s");
        assert_eq!(code(decide(&up(""), &window(999))), "NeedSecondFactor");
        assert_eq!(code(decide(&request("", None), &window(1))), "Issue", "only a step-up asks for it");
    }

    #[test]
    fn only_known_acr_values_are_kept() {
        let r = run(&with(&[("acr_values", "urn:other:gold urn:aero2:acr:mfa urn:aero2:acr:mfa")]), &client()).unwrap();
        assert_eq!(r.acr_values, vec![crate::mfa::ACR_MFA.to_owned()]);
        assert!(r.wants_mfa());
        let plain = run(&with(&[("acr_values", "urn:other:gold")]), &client()).unwrap();
        assert!(plain.acr_values.is_empty() && !plain.wants_mfa());
    }

    #[test]
    fn only_our_own_requests_resume_a_hosted_page() {
        let own = AuthorizationRequest::for_hosted_page("/security", NOW);
        assert_eq!(own.hosted_page(), Some("/security"));
        let client = run(&with(&[]), &client()).unwrap();
        assert_eq!(client.hosted_page(), None, "a client's request always names its client");
        let elsewhere = AuthorizationRequest { redirect_uri: "//evil.example/x".into(), ..own.clone() };
        assert_eq!(elsewhere.hosted_page(), None, "never another host");
        let absolute = AuthorizationRequest { redirect_uri: "https://evil.example/".into(), ..own };
        assert_eq!(absolute.hosted_page(), None);
    }
}

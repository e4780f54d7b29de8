//! The OpenID Provider, driven by a real third-party client library (the
//! `openidconnect` crate): discovery, code + PKCE with the hosted sign-in,
//! refresh with rotation and reuse detection, UserInfo, client credentials,
//! introspection, revocation and RP-initiated logout.

use crate::Test;
use aero2_tests::browser::{hidden_field, query_param, Browser};
use aero2_tests::{oidc_http, unique, Client, OPERATOR};
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreTokenResponse};
use openidconnect::{
    AccessToken, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RefreshToken, RevocationUrl, Scope,
    TokenIntrospectionResponse, TokenResponse,
};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("discovery_and_jwks", discovery_and_jwks),
        ("warm_discovery_and_jwks_reach_no_object", warm_discovery_and_jwks_reach_no_object),
        ("code_flow_with_pkce_refresh_and_userinfo", code_flow_with_pkce_refresh_and_userinfo),
        ("client_credentials_introspection_and_revocation", client_credentials_introspection_and_revocation),
        ("rp_initiated_logout", rp_initiated_logout),
        ("consent_is_asked_once_for_third_party_clients", consent_is_asked_once_for_third_party_clients),
        ("es256_id_tokens_for_clients_that_ask", es256_id_tokens_for_clients_that_ask),
        ("rotated_keys_are_published_before_they_sign", rotated_keys_are_published_before_they_sign),
    ]
}

pub const REDIRECT: &str = "http://127.0.0.1:47001/callback";
pub const POST_LOGOUT: &str = "http://127.0.0.1:47001/signed-out";
pub const PASSWORD: &str = "correct horse battery staple";

/// An application with a first-party confidential client, a public client
/// and one user, provisioned through the management API only.
#[derive(Clone)]
pub struct Setup {
    pub slug: String,
    pub app_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub public_client_id: String,
    pub email: String,
    pub user_id: String,
}

pub fn provision(c: &Client, first_party: bool) -> Setup {
    let slug = unique("oidc");
    let app = c.create_app(&slug);
    let app_id = app["id"].as_str().unwrap().to_owned();
    let clients = format!("/applications/{app_id}/clients");
    let conf = c.api(
        "POST",
        &clients,
        OPERATOR,
        Some(&json!({
            "name": "Web app",
            "token_endpoint_auth_method": "client_secret_basic",
            "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": [POST_LOGOUT],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            // The account API's scope is for first-party clients only.
            "scopes": if first_party { "openid profile email offline_access account" } else { "openid profile email offline_access" },
            "first_party": first_party,
        })),
    );
    conf.assert_status(201);
    let conf = conf.json();
    let public = c.api(
        "POST",
        &clients,
        OPERATOR,
        Some(&json!({
            "name": "SPA",
            "token_endpoint_auth_method": "none",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "first_party": first_party,
        })),
    );
    public.assert_status(201);
    let email = format!("{}@example.com", unique("user"));
    let user = c.api(
        "POST",
        &format!("/applications/{app_id}/users"),
        OPERATOR,
        Some(&json!({"email": email, "password": PASSWORD, "name": "Ada Lovelace"})),
    );
    user.assert_status(201);
    Setup {
        slug,
        app_id,
        client_id: conf["client_id"].as_str().unwrap().to_owned(),
        client_secret: conf["client_secret"].as_str().unwrap().to_owned(),
        public_client_id: public.json()["client_id"].as_str().unwrap().to_owned(),
        email,
        user_id: user.json()["id"].as_str().unwrap().to_owned(),
    }
}

pub fn issuer(c: &Client, slug: &str) -> String {
    c.url(slug, "")
}

/// Authorization, introspection and revocation URLs set; token and
/// UserInfo URLs as discovered.
type Oidc = openidconnect::core::CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointSet,
    openidconnect::EndpointSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

pub fn oidc_client(c: &Client, s: &Setup) -> Oidc {
    let http = oidc_http(c);
    let metadata = CoreProviderMetadata::discover(&IssuerUrl::new(issuer(c, &s.slug)).unwrap(), &http).expect("discovery");
    CoreClient::from_provider_metadata(metadata, ClientId::new(s.client_id.clone()), Some(ClientSecret::new(s.client_secret.clone())))
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
        .set_revocation_url(RevocationUrl::new(format!("{}/oauth2/revoke", issuer(c, &s.slug))).unwrap())
        .set_introspection_url(IntrospectionUrl::new(format!("{}/oauth2/introspect", issuer(c, &s.slug))).unwrap())
}

/// Path and query of an absolute URL on `slug`'s host.
fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    after_scheme.find('/').map(|i| after_scheme[i..].to_owned()).unwrap_or_else(|| "/".into())
}

/// Follows an authorization request through sign-in (and consent, if
/// asked) like a browser; returns the final redirect to the client.
pub fn sign_in(c: &Client, b: &mut Browser, slug: &str, authorize_url: &str, email: &str, password: &str) -> String {
    let r = b.get(c, slug, &path_of(authorize_url));
    assert_eq!(r.status, 303, "authorize: {}", r.body);
    let mut location = r.header("location").unwrap().to_owned();
    if location.starts_with("/login") {
        let page = b.get(c, slug, &location);
        page.assert_status(200);
        let csrf = hidden_field(&page.body, "csrf_token").expect("csrf_token field");
        let request = hidden_field(&page.body, "request").expect("request field");
        let r = b.post_form(c, slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", email), ("password", password)]);
        assert_eq!(r.status, 303, "login: {}", r.body);
        location = r.header("location").unwrap().to_owned();
    }
    if location.starts_with("/consent") {
        let page = b.get(c, slug, &location);
        page.assert_status(200);
        let csrf = hidden_field(&page.body, "csrf_token").expect("csrf_token field");
        let request = hidden_field(&page.body, "request").expect("request field");
        let r = b.post_form(c, slug, "/consent", &[("request", &request), ("csrf_token", &csrf), ("decision", "allow")]);
        assert_eq!(r.status, 303, "consent: {}", r.body);
        location = r.header("location").unwrap().to_owned();
    }
    location
}

/// A complete code flow for `s`'s confidential client; returns the tokens
/// and the nonce used.
pub fn code_flow(c: &Client, s: &Setup, client: &Oidc, b: &mut Browser) -> (CoreTokenResponse, Nonce) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(openidconnect::core::CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let back = sign_in(c, b, &s.slug, url.as_str(), &s.email, PASSWORD);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some(state.secret().as_str()));
    assert_eq!(query_param(&back, "iss"), Some(issuer(c, &s.slug)), "RFC 9207 iss");
    let code = query_param(&back, "code").expect("code");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request(&oidc_http(c))
        .expect("token exchange");
    (tokens, nonce)
}

fn discovery_and_jwks(c: &Client) {
    let s = provision(c, true);
    let iss = issuer(c, &s.slug);
    let http = oidc_http(c);
    let m = CoreProviderMetadata::discover(&IssuerUrl::new(iss.clone()).unwrap(), &http).expect("discovery");
    assert_eq!(m.issuer().as_str(), iss);
    assert_eq!(m.token_endpoint().unwrap().as_str(), format!("{iss}/oauth2/token"));
    let doc = c.get(&s.slug, "/.well-known/openid-configuration");
    assert!(doc.header("cache-control").unwrap_or_default().starts_with("public"));
    let rfc8414 = c.get(&s.slug, "/.well-known/oauth-authorization-server").json();
    assert_eq!(rfc8414, doc.json());
    assert_eq!(rfc8414["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(rfc8414["response_types_supported"], json!(["code"]));
    assert_eq!(rfc8414["authorization_response_iss_parameter_supported"], true);
    // Every endpoint it names answers (nothing advertised is missing).
    for key in ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "revocation_endpoint", "introspection_endpoint", "end_session_endpoint"] {
        let url = rfc8414[key].as_str().unwrap();
        assert!(url.starts_with(&iss), "{key}");
        let r = c.send_url("GET", url, &[], None);
        assert_ne!(r.status, 404, "{key} is advertised but missing");
    }
    let jwks = c.get(&s.slug, "/.well-known/jwks.json");
    jwks.assert_status(200);
    let keys = jwks.json()["keys"].as_array().unwrap().clone();
    let algs: Vec<&str> = keys.iter().filter_map(|k| k["alg"].as_str()).collect();
    assert!(algs.contains(&"RS256") && algs.contains(&"ES256"), "{algs:?}");
    for k in &keys {
        assert_eq!(k["use"], "sig");
        assert!(k["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(k.get(private).is_none(), "private member {private} published");
        }
    }
    // Keys are per application.
    let other = provision(c, true);
    let other_keys = c.get(&other.slug, "/.well-known/jwks.json").json();
    let kids = |v: &Value| v["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert!(kids(&other_keys).iter().all(|k| !kids(&jwks.json()).contains(k)));
}

/// The front Worker answers both documents from its caches: once warm,
/// neither the signer nor the application's object is asked again (the
/// object's count of requests served and the signer's count of calls for
/// the application stay put), and a rotation answered through the Worker is
/// seen at once.
fn warm_discovery_and_jwks_reach_no_object(c: &Client) {
    let s = provision(c, true);
    let signer_calls = |kind: &str| c.health(&s.slug).json()["jwks_signer"]["calls_since_start"][kind].as_u64().unwrap_or(0);
    let object_requests = || c.health(&s.slug).json()["durable_object"]["requests_since_start"].as_u64().unwrap();
    let warm = c.get(&s.slug, "/.well-known/jwks.json");
    warm.assert_status(200);
    assert_eq!(warm.header("cache-control"), Some("public, max-age=300"));
    c.get(&s.slug, "/.well-known/openid-configuration").assert_status(200);
    let (jwks_before, requests_before) = (signer_calls("jwks"), object_requests());
    for _ in 0..5 {
        assert_eq!(c.get(&s.slug, "/.well-known/jwks.json").json(), warm.json());
        c.get(&s.slug, "/.well-known/openid-configuration").assert_status(200);
        c.send("HEAD", &s.slug, "/.well-known/jwks.json", &[], None).assert_status(200);
    }
    assert_eq!(signer_calls("jwks"), jwks_before, "warm JWKS answers asked the signer");
    // One more request (the health check reading the count), none for the
    // fifteen documents. (`signer_calls` read the health in between.)
    assert_eq!(object_requests(), requests_before + 2, "warm documents reached the object");
    // Answered from the isolate's finished copy, each answer is still its
    // own: a request id of its own, the security headers, CORS for an
    // allowed origin only, no body for HEAD.
    let (a, b) = (c.get(&s.slug, "/.well-known/openid-configuration"), c.get(&s.slug, "/.well-known/openid-configuration"));
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    for r in [&a, &warm] {
        assert!(r.header("content-security-policy").is_some_and(|v| v.contains("default-src 'none'")));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let head = c.send("HEAD", &s.slug, "/.well-known/openid-configuration", &[], None);
    head.assert_status(200);
    assert!(head.body.is_empty() && head.header("x-request-id").is_some() && head.header("content-security-policy").is_some());
    // The same request for each answer below, asked before the change
    // and after it: an answer kept from before must not be given again.
    let spa = "https://spa.example";
    let from_spa = |path: &str| c.send("GET", &s.slug, path, &[("origin", spa)], None);
    for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration"] {
        for _ in 0..2 {
            let before = from_spa(path);
            before.assert_status(200);
            assert_eq!(before.header("access-control-allow-origin"), None, "{spa} is not allowed yet");
        }
    }
    let patch = json!({"settings": {"allowed_origins": [spa]}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&patch)).assert_status(200);
    for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration"] {
        for _ in 0..2 {
            let allowed = from_spa(path);
            assert_eq!(allowed.header("access-control-allow-origin"), Some(spa), "{path}");
            assert!(allowed.header("vary").is_some_and(|v| v.contains("Origin")));
        }
    }
    // And an origin no longer allowed loses CORS at once.
    let removed = json!({"settings": {"allowed_origins": []}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&removed)).assert_status(200);
    for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration"] {
        assert_eq!(from_spa(path).header("access-control-allow-origin"), None, "{path}");
    }
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&patch)).assert_status(200);
    let other = c.send("GET", &s.slug, "/.well-known/openid-configuration", &[("origin", "https://evil.example")], None);
    other.assert_status(200);
    assert_eq!(other.header("access-control-allow-origin"), None);
    // Another method still reaches the object, which names the allowed one.
    let post = c.send("POST", &s.slug, "/.well-known/jwks.json", &[], None);
    post.assert_status(405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    // A rotation answered through this Worker drops its copy at once (as
    // the settings change above did: one fetch each).
    let before = c.get(&s.slug, "/.well-known/jwks.json").json();
    let before_rotation = signer_calls("jwks");
    assert_eq!(before_rotation, jwks_before + 3, "each of the three settings changes, followed by a JWKS request, dropped the copy once");
    let r = c.api("POST", &format!("/applications/{}/signing-keys/rotate", s.app_id), OPERATOR, None);
    r.assert_status(200);
    assert_ne!(r.json(), before);
    assert_eq!(c.get(&s.slug, "/.well-known/jwks.json").json(), r.json());
    assert_eq!(signer_calls("jwks"), before_rotation + 1);
    // The Worker's own marks never leave it.
    for r in [c.get(&s.slug, "/.well-known/jwks.json"), c.send("HEAD", &s.slug, "/.well-known/openid-configuration", &[], None)] {
        assert!(r.headers.iter().all(|(n, _)| !n.to_ascii_lowercase().starts_with("x-aero2")), "{:?}", r.headers);
    }
}

fn code_flow_with_pkce_refresh_and_userinfo(c: &Client) {
    let s = provision(c, true);
    let client = oidc_client(c, &s);
    let mut b = Browser::new();
    let (tokens, nonce) = code_flow(c, &s, &client, &mut b);
    assert!(b.cookie(&format!("{}.localhost", s.slug), "aero2_session").is_some() || b.cookie(&s.slug, "aero2_session").is_some());
    let http = oidc_http(c);

    // The ID token verifies with the library's own checks (signature via
    // JWKS, iss, aud, exp, nonce, at_hash).
    let id_token = tokens.id_token().expect("id_token");
    let claims = id_token.claims(&client.id_token_verifier(), &nonce).expect("valid ID token");
    assert_eq!(claims.subject().as_str(), s.user_id);
    assert_eq!(claims.email().map(|e| e.as_str()), Some(s.email.as_str()));
    assert!(claims.auth_time().is_some());
    let at_hash = claims.access_token_hash().expect("at_hash");
    let expected = openidconnect::AccessTokenHash::from_token(tokens.access_token(), id_token.signing_alg().unwrap(), id_token.signing_key(&client.id_token_verifier()).unwrap()).unwrap();
    assert_eq!(at_hash, &expected);
    assert_eq!(tokens.token_type().as_ref(), "bearer");
    assert!(tokens.expires_in().is_some());

    // The access token is an RFC 9068 JWT.
    let at = tokens.access_token().secret();
    let header: Value = serde_json::from_slice(&b64(at.split('.').next().unwrap())).unwrap();
    assert_eq!(header["typ"], "at+jwt");
    let payload: Value = serde_json::from_slice(&b64(at.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(payload["client_id"], s.client_id.as_str());
    assert_eq!(payload["iss"], issuer(c, &s.slug));
    assert!(payload["scope"].as_str().unwrap().contains("openid"));

    let info: openidconnect::core::CoreUserInfoClaims =
        client.user_info(tokens.access_token().clone(), None).unwrap().request(&http).expect("userinfo");
    assert_eq!(info.subject().as_str(), s.user_id);
    assert_eq!(info.email().map(|e| e.as_str()), Some(s.email.as_str()));
    assert_eq!(info.name().and_then(|n| n.get(None)).map(|n| n.as_str()), Some("Ada Lovelace"));
    // POST works too, with the token in the form body.
    let posted = c.send("POST", &s.slug, "/oauth2/userinfo", &[("content-type", "application/x-www-form-urlencoded")], Some(&format!("access_token={at}")));
    posted.assert_status(200);
    assert_eq!(posted.json()["sub"], s.user_id.as_str());
    // A token whose signature was verified once is remembered by its
    // signed part and signature together: the same claims under another
    // signature, or other claims under its signature, are refused.
    {
        use base64::Engine;
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = at.split('.').collect();
        let mut sig = b64url.decode(parts[2]).unwrap();
        sig[10] ^= 1;
        let other_signature = format!("{}.{}.{}", parts[0], parts[1], b64url.encode(&sig));
        let mut claims: Value = serde_json::from_slice(&b64url.decode(parts[1]).unwrap()).unwrap();
        claims["sub"] = json!("someone-else");
        let other_claims = format!("{}.{}.{}", parts[0], b64url.encode(claims.to_string()), parts[2]);
        for forged in [&other_signature, &other_claims] {
            let r = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {forged}"))], None);
            r.assert_error(401, "invalid_token");
        }
        let again = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {at}"))], None);
        again.assert_status(200);
    }

    // Refresh rotates; once the new token is used, the old one is someone
    // else's copy and revokes the family (a retry before that is the
    // leeway's, in `hardening`).
    let rt1 = tokens.refresh_token().expect("refresh_token (offline_access)").clone();
    let refreshed = client.exchange_refresh_token(&rt1).unwrap().request(&http).expect("refresh");
    let rt2 = refreshed.refresh_token().expect("rotated refresh token").clone();
    assert_ne!(rt1.secret(), rt2.secret());
    assert!(refreshed.id_token().is_some());
    let refreshed = client.exchange_refresh_token(&rt2).unwrap().request(&http).expect("refresh again");
    let rt3 = refreshed.refresh_token().expect("rotated again").clone();
    let reuse = client.exchange_refresh_token(&rt1).unwrap().request(&http);
    assert_token_error(reuse, "invalid_grant");
    let after = client.exchange_refresh_token(&rt3).unwrap().request(&http);
    assert_token_error(after, "invalid_grant");
    // …and the access tokens of the family stop working.
    let r = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {}", refreshed.access_token().secret()))], None);
    r.assert_error(401, "invalid_token");
    assert!(r.header("www-authenticate").unwrap().contains("invalid_token"));

    // A narrower scope on refresh is allowed, a wider one is not.
    let (tokens, _) = code_flow(c, &s, &client, &mut Browser::new());
    let rt = tokens.refresh_token().unwrap().clone();
    let narrowed = client.exchange_refresh_token(&rt).unwrap().add_scope(Scope::new("openid".into())).request(&http).expect("narrow");
    assert_eq!(narrowed.scopes().map(|s| s.len()), Some(1));
    let rt = narrowed.refresh_token().unwrap().clone();
    let wider = client.exchange_refresh_token(&rt).unwrap().add_scope(Scope::new("admin".into())).request(&http);
    assert_token_error(wider, "invalid_scope");
}

fn client_credentials_introspection_and_revocation(c: &Client) {
    let s = provision(c, true);
    let client = oidc_client(c, &s);
    let http = oidc_http(c);
    let tokens = client.exchange_client_credentials().unwrap().request(&http).expect("client_credentials");
    assert!(tokens.refresh_token().is_none(), "no refresh token for client credentials (RFC 6749 §4.4.3)");
    let at = tokens.access_token().clone();
    let intro = client.introspect(&at).request(&http).expect("introspect");
    assert!(intro.active());
    assert_eq!(intro.client_id().map(|c| c.as_str()), Some(s.client_id.as_str()));
    assert_eq!(intro.sub(), Some(s.client_id.as_str()));
    // openidconnect refuses revocation over http (local issuers are http),
    // so revocation goes over the RFC 7009 wire format directly.
    revoke(c, &s, at.secret()).assert_status(200);
    assert!(!client.introspect(&at).request(&http).expect("introspect").active());
    // Garbage and unknown tokens: inactive, and revocation still answers 200.
    let junk = AccessToken::new("not-a-token".into());
    assert!(!client.introspect(&junk).request(&http).unwrap().active());
    revoke(c, &s, junk.secret()).assert_status(200);
    // Refresh tokens are revoked with their grant.
    let (user_tokens, _) = code_flow(c, &s, &client, &mut Browser::new());
    let rt: RefreshToken = user_tokens.refresh_token().unwrap().clone();
    let rt_as_at = AccessToken::new(rt.secret().clone());
    assert!(client.introspect(&rt_as_at).request(&http).unwrap().active());
    revoke(c, &s, rt.secret()).assert_status(200);
    assert!(!client.introspect(&rt_as_at).request(&http).unwrap().active());
    assert_token_error(client.exchange_refresh_token(&rt).unwrap().request(&http), "invalid_grant");
    let r = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {}", user_tokens.access_token().secret()))], None);
    r.assert_error(401, "invalid_token");
}

pub fn revoke(c: &Client, s: &Setup, token: &str) -> aero2_tests::Resp {
    // client_secret_basic, as registered.
    let auth = aero2_tests::basic_auth(&s.client_id, &s.client_secret);
    let body = aero2_tests::browser::form_encode(&[("token", token)]);
    c.send("POST", &s.slug, "/oauth2/revoke", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(&body))
}


fn rp_initiated_logout(c: &Client) {
    let s = provision(c, true);
    let client = oidc_client(c, &s);
    let mut b = Browser::new();
    let (tokens, _) = code_flow(c, &s, &client, &mut b);
    let hint = tokens.id_token().unwrap().to_string();
    // Signed in: prompt=none succeeds silently.
    let silent = format!("/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&prompt=none&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", s.client_id, enc(REDIRECT));
    let r = b.get(c, &s.slug, &silent);
    assert!(query_param(r.header("location").unwrap(), "code").is_some(), "{:?}", r.header("location"));
    // An unregistered post_logout_redirect_uri is refused, never followed.
    let bad = b.get(c, &s.slug, &format!("/oauth2/logout?id_token_hint={hint}&post_logout_redirect_uri={}", enc("https://evil.example/")));
    assert_eq!(bad.status, 400);
    assert!(bad.header("location").is_none());
    let bye = b.get(c, &s.slug, &format!("/oauth2/logout?id_token_hint={hint}&post_logout_redirect_uri={}&state=xyz", enc(POST_LOGOUT)));
    assert_eq!(bye.status, 303, "{}", bye.body);
    assert_eq!(bye.header("location"), Some(format!("{POST_LOGOUT}?state=xyz").as_str()));
    // The session is gone: prompt=none now answers login_required.
    let r = b.get(c, &s.slug, &silent);
    let loc = r.header("location").unwrap();
    assert_eq!(query_param(loc, "error").as_deref(), Some("login_required"), "{loc}");
    // A forged hint is refused.
    let forged = format!("{}x", &hint[..hint.len() - 2]);
    assert_eq!(b.get(c, &s.slug, &format!("/oauth2/logout?id_token_hint={forged}&post_logout_redirect_uri={}", enc(POST_LOGOUT))).status, 400);
}

fn es256_id_tokens_for_clients_that_ask(c: &Client) {
    let mut s = provision(c, true);
    let r = c.api(
        "POST",
        &format!("/applications/{}/clients", s.app_id),
        OPERATOR,
        Some(&json!({"name": "ES client", "redirect_uris": [REDIRECT], "first_party": true, "id_token_signed_response_alg": "ES256"})),
    );
    r.assert_status(201);
    assert_eq!(r.json()["id_token_signed_response_alg"], "ES256");
    s.client_id = r.json()["client_id"].as_str().unwrap().to_owned();
    s.client_secret = r.json()["client_secret"].as_str().unwrap().to_owned();
    let client = oidc_client(c, &s);
    let (tokens, nonce) = code_flow(c, &s, &client, &mut Browser::new());
    let id_token = tokens.id_token().unwrap();
    assert_eq!(*id_token.signing_alg().unwrap(), openidconnect::core::CoreJwsSigningAlgorithm::EcdsaP256Sha256);
    let verifier = client.id_token_verifier().set_allowed_algs(vec![openidconnect::core::CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    let claims = id_token.claims(&verifier, &nonce).expect("ES256 ID token verifies");
    assert_eq!(claims.subject().as_str(), s.user_id);
    // The default client still gets RS256, which every OIDC client accepts.
    let default = provision(c, true);
    let (tokens, _) = code_flow(c, &default, &oidc_client(c, &default), &mut Browser::new());
    assert_eq!(*tokens.id_token().unwrap().signing_alg().unwrap(), openidconnect::core::CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256);
}

/// The `kid` in a JWT's header.
fn kid_of(jwt: &str) -> String {
    let header: Value = serde_json::from_slice(&b64(jwt.split('.').next().unwrap())).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

fn jwks_kids(c: &Client, slug: &str) -> Vec<String> {
    let jwks = c.get(slug, "/.well-known/jwks.json").json();
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

fn rotated_keys_are_published_before_they_sign(c: &Client) {
    let s = provision(c, true);
    let client = oidc_client(c, &s);
    let http = oidc_http(c);
    let old = client.exchange_client_credentials().unwrap().request(&http).unwrap();
    let old_kid = kid_of(old.access_token().secret());
    assert_eq!(jwks_kids(c, &s.slug).len(), 2, "one RS256 and one ES256 key");
    let r = c.api("POST", &format!("/applications/{}/signing-keys/rotate", s.app_id), OPERATOR, Some(&json!({"activate_after_seconds": 2})));
    r.assert_status(200);
    // Published at once (the tenant's cache is dropped on rotation)…
    let during = jwks_kids(c, &s.slug);
    assert_eq!(during.len(), 4, "{during:?}");
    // …but not signing yet: tokens still carry the old kid.
    let t = client.exchange_client_credentials().unwrap().request(&http).unwrap();
    assert_eq!(kid_of(t.access_token().secret()), old_kid);
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let t = client.exchange_client_credentials().unwrap().request(&http).unwrap();
    let new_kid = kid_of(t.access_token().secret());
    assert_ne!(new_kid, old_kid, "the new key signs once its lead has passed");
    assert!(during.contains(&new_kid));
    // The old key stays published while tokens it signed may be live, and
    // those tokens still verify.
    assert!(jwks_kids(c, &s.slug).contains(&old_kid));
    assert!(client.introspect(old.access_token()).request(&http).unwrap().active());
}

fn consent_is_asked_once_for_third_party_clients(c: &Client) {
    let s = provision(c, false);
    let client = oidc_client(c, &s);
    let mut b = Browser::new();
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(openidconnect::core::CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let r = b.get(c, &s.slug, &path_of(url.as_str()));
    let login = b.get(c, &s.slug, r.header("location").unwrap());
    let csrf = hidden_field(&login.body, "csrf_token").unwrap();
    let request = hidden_field(&login.body, "request").unwrap();
    let r = b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &s.email), ("password", PASSWORD)]);
    let consent = r.header("location").unwrap().to_owned();
    assert!(consent.starts_with("/consent"), "third-party clients ask for consent: {consent}");
    let page = b.get(c, &s.slug, &consent);
    assert!(page.body.contains("Web app"), "consent names the client");
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let request = hidden_field(&page.body, "request").unwrap();
    // Deny: back to the client with access_denied.
    let denied = b.post_form(c, &s.slug, "/consent", &[("request", &request), ("csrf_token", &csrf), ("decision", "deny")]);
    assert_eq!(query_param(denied.header("location").unwrap(), "error").as_deref(), Some("access_denied"));
    // Browsers check where a form's submission ends up against the form
    // page's form-action: the consent page admits exactly this request's
    // client origin; other pages stay 'self' only.
    let page_csp = page.header("content-security-policy").unwrap();
    assert!(page_csp.contains("form-action 'self' http://127.0.0.1:47001;"), "{page_csp}");
    let plain = c.get(&s.slug, "/login?request=nope");
    assert!(plain.header("content-security-policy").unwrap().contains("form-action 'self';"));
    // Allow once; the next request goes straight back with a code.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(openidconnect::core::CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let back = sign_in(c, &mut b, &s.slug, url.as_str(), &s.email, PASSWORD);
    assert!(query_param(&back, "code").is_some());
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(openidconnect::core::CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let r = b.get(c, &s.slug, &path_of(url.as_str()));
    assert!(query_param(r.header("location").unwrap(), "code").is_some(), "consent remembered");
}

pub fn enc(s: &str) -> String {
    aero2_tests::browser::form_encode(&[("x", s)])[2..].to_owned()
}

pub fn b64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for ch in s.bytes() {
        let v = A.iter().position(|&a| a == ch).expect("base64url") as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

#[track_caller]
pub fn assert_token_error<T: std::fmt::Debug>(
    r: Result<T, openidconnect::RequestTokenError<std::io::Error, openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>>>,
    code: &str,
) {
    match r {
        Err(openidconnect::RequestTokenError::ServerResponse(e)) => assert_eq!(e.error().as_ref(), code, "{e:?}"),
        other => panic!("expected {code}, got {other:?}"),
    }
}

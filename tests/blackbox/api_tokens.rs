//! Access tokens for an application's own APIs (RFC 8707 `resource`, and
//! `audience` as Auth0 clients send it): a code flow driven by the
//! `openidconnect` crate ending in a token whose `aud`, `scope`,
//! `permissions`, lifetime and algorithm are the API's, verified with the
//! `jsonwebtoken` crate against the published keys; RBAC cutting a scope;
//! a role change reaching introspection and the next refresh at once;
//! client grants for `client_credentials`; the size budget; and APIs that
//! never answer for another application.

use crate::oidc::{assert_token_error, b64, enc, issuer, oidc_client, provision, sign_in, Setup, PASSWORD, REDIRECT};
use crate::Test;
use aero2_tests::browser::{query_param, Browser};
use aero2_tests::{basic_auth, oidc_http, unique, Client, Resp, OPERATOR};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, Scope, TokenResponse,
};
use serde_json::{json, Value};
use std::time::Instant;

pub fn tests() -> Vec<Test> {
    vec![
        ("a_code_flow_for_an_api_carries_its_audience_scope_and_permissions", a_code_flow_for_an_api_carries_its_audience_scope_and_permissions),
        ("a_role_change_reaches_introspection_and_the_next_refresh_at_once", a_role_change_reaches_introspection_and_the_next_refresh_at_once),
        ("wrong_resources_are_invalid_target", wrong_resources_are_invalid_target),
        ("machine_tokens_for_an_api_follow_the_client_grant", machine_tokens_for_an_api_follow_the_client_grant),
        ("permissions_past_the_budget_point_to_introspection", permissions_past_the_budget_point_to_introspection),
    ]
}

const PERMS: &[&str] = &["read:invoices", "write:invoices", "delete:invoices"];

/// An API of `s`'s application; returns (id, identifier).
fn api(c: &Client, s: &Setup, settings: Value) -> (String, String) {
    let identifier = format!("https://api.example.com/{}", unique("invoices"));
    let mut body = json!({
        "identifier": identifier,
        "name": "Invoices",
        "permissions": PERMS.iter().map(|p| json!({"value": p, "description": format!("{p} of the company")})).collect::<Vec<_>>(),
    });
    if let (Some(b), Some(extra)) = (body.as_object_mut(), settings.as_object()) {
        b.extend(extra.clone());
    }
    let r = c.api("POST", &format!("/applications/{}/apis", s.app_id), OPERATOR, Some(&body));
    r.assert_status(201);
    (r.json()["id"].as_str().unwrap().to_owned(), identifier)
}

/// A role granting `values` of the API, assigned to `s`'s user; its id.
fn role_for_user(c: &Client, s: &Setup, api_id: &str, name: &str, values: &[&str]) -> String {
    let r = c.api("POST", &format!("/applications/{}/roles", s.app_id), OPERATOR, Some(&json!({"name": name})));
    r.assert_status(201);
    let role = r.json()["id"].as_str().unwrap().to_owned();
    let grants: Vec<Value> = values.iter().map(|v| json!({"api_id": api_id, "value": v})).collect();
    c.api("POST", &format!("/applications/{}/roles/{role}/permissions", s.app_id), OPERATOR, Some(&json!({"permissions": grants}))).assert_status(200);
    c.api("POST", &format!("/applications/{}/users/{}/roles", s.app_id, s.user_id), OPERATOR, Some(&json!({"roles": [role]}))).assert_status(200);
    role
}

fn claims(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let header = serde_json::from_slice(&b64(parts.next().unwrap())).unwrap();
    let payload = serde_json::from_slice(&b64(parts.next().unwrap())).unwrap();
    (header, payload)
}

/// Verifies an access token the way a resource server would, with the
/// `jsonwebtoken` crate: signature by a published key, `iss`, `exp`, and
/// `aud` containing the API's identifier. Returns its claims.
fn verify_for_api(c: &Client, s: &Setup, token: &str, identifier: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(c.get(&s.slug, "/.well-known/jwks.json").json()).unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).expect("the token's key is published");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[identifier]);
    validation.set_issuer(&[issuer(c, &s.slug)]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = jsonwebtoken::decode::<Value>(token, &key, &validation).expect("a valid token for the API");
    // A resource server for another API refuses it.
    validation.set_audience(&["https://api.example.com/someone-else"]);
    assert!(jsonwebtoken::decode::<Value>(token, &key, &validation).is_err(), "aud is checked");
    data.claims
}

fn introspect(c: &Client, s: &Setup, token: &str) -> Value {
    let auth = basic_auth(&s.client_id, &s.client_secret);
    let r = c.send(
        "POST",
        &s.slug,
        "/oauth2/introspect",
        &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)],
        Some(&format!("token={}", enc(token))),
    );
    r.assert_status(200);
    r.json()
}

fn token_request(c: &Client, s: &Setup, body: &str) -> Resp {
    let auth = basic_auth(&s.client_id, &s.client_secret);
    c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(body))
}

/// A code flow for `scope` and `resource`; returns the token response as
/// the library parsed it.
fn code_flow(c: &Client, s: &Setup, scope: &str, resource: &str) -> (openidconnect::core::CoreTokenResponse, Nonce) {
    let client = oidc_client(c, s);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client.authorize_url(openidconnect::core::CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for sc in scope.split(' ').filter(|t| *t != "openid") {
        req = req.add_scope(Scope::new(sc.into()));
    }
    let (url, _, nonce) = req.add_extra_param("resource", resource).set_pkce_challenge(challenge).url();
    let back = sign_in(c, &mut Browser::new(), &s.slug, url.as_str(), &s.email, PASSWORD);
    assert!(back.starts_with(REDIRECT), "{back}");
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("a code: {back}"));
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        // RFC 8707 §2.2: the token request may name the resource again.
        .add_extra_param("resource", resource)
        .request(&oidc_http(c))
        .expect("token exchange");
    (tokens, nonce)
}

fn a_code_flow_for_an_api_carries_its_audience_scope_and_permissions(c: &Client) {
    let s = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"roles_in_id_token": true}}))).assert_status(200);
    let (api_id, identifier) =
        api(c, &s, json!({"enforce_rbac": true, "permissions_claim": true, "token_lifetime_seconds": 600, "signing_alg": "RS256"}));
    role_for_user(c, &s, &api_id, "reader", &["read:invoices"]);

    let (tokens, nonce) = code_flow(c, &s, "openid email offline_access read:invoices write:invoices", &identifier);
    // RBAC cut write:invoices: the user's roles do not allow it.
    let granted: Vec<String> = tokens.scopes().unwrap().iter().map(|s| s.to_string()).collect();
    assert_eq!(granted, ["openid", "email", "offline_access", "read:invoices"]);
    assert_eq!(tokens.expires_in().map(|d| d.as_secs()), Some(600), "the API's lifetime");

    let at = tokens.access_token().secret();
    let verified = verify_for_api(c, &s, at, &identifier);
    let (header, _) = claims(at);
    assert_eq!((header["alg"].as_str(), header["typ"].as_str()), (Some("RS256"), Some("at+jwt")));
    assert_eq!(verified["aud"], json!([identifier, issuer(c, &s.slug)]), "with openid, UserInfo's audience too");
    assert_eq!(verified["scope"], "openid email offline_access read:invoices");
    assert_eq!(verified["permissions"], json!(["read:invoices"]));
    assert_eq!(verified["exp"].as_i64().unwrap() - verified["iat"].as_i64().unwrap(), 600);
    assert_eq!(verified["sub"], s.user_id.as_str());

    // The ID token verifies with the library's checks and names the roles.
    let client = oidc_client(c, &s);
    let id_token = tokens.id_token().expect("id_token");
    id_token.claims(&client.id_token_verifier(), &nonce).expect("valid ID token");
    let (_, id_claims) = claims(&id_token.to_string());
    assert_eq!(id_claims["roles"], json!(["reader"]));
    assert_eq!(id_claims["aud"], s.client_id.as_str());

    // The same token reads UserInfo (it names the issuer); introspection
    // describes it with its permissions.
    let info = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {at}"))], None);
    info.assert_status(200);
    assert_eq!(info.json()["sub"], s.user_id.as_str());
    let described = introspect(c, &s, at);
    assert_eq!((described["active"].as_bool(), described["permissions"].clone()), (Some(true), json!(["read:invoices"])));

    // The client has no grant for the API: it gets no token of its own for it.
    let raw = token_request(c, &s, &format!("grant_type=client_credentials&resource={}", enc(&identifier)));
    raw.assert_error(400, "invalid_target");
    assert!(raw.json()["error_description"].as_str().unwrap().contains("no grant"));
}

fn a_role_change_reaches_introspection_and_the_next_refresh_at_once(c: &Client) {
    let s = provision(c, true);
    let (api_id, identifier) = api(c, &s, json!({"enforce_rbac": true, "permissions_claim": true}));
    let role = role_for_user(c, &s, &api_id, "reader", &["read:invoices"]);
    let (tokens, _) = code_flow(c, &s, "openid offline_access read:invoices write:invoices", &identifier);
    let at = tokens.access_token().secret().clone();
    assert_eq!(claims(&at).1["permissions"], json!(["read:invoices"]));
    let client = oidc_client(c, &s);
    let http = oidc_http(c);

    // The role gains a permission: introspection lists it at once; the
    // issued token's scope stays what it was; the next refresh has it.
    let role_perms = format!("/applications/{}/roles/{role}/permissions", s.app_id);
    c.api("POST", &role_perms, OPERATOR, Some(&json!({"permissions": [{"api_id": api_id, "value": "write:invoices"}]}))).assert_status(200);
    let d = introspect(c, &s, &at);
    assert_eq!((d["scope"].as_str(), d["permissions"].clone()), (Some("openid offline_access read:invoices"), json!(["read:invoices", "write:invoices"])));
    let rt = tokens.refresh_token().unwrap().clone();
    let wider = client.exchange_refresh_token(&rt).unwrap().request(&http).expect("refresh");
    assert_eq!(claims(wider.access_token().secret()).1["scope"], "openid offline_access read:invoices write:invoices");

    // The role is taken away: measured from the management API's answer to
    // introspection showing it, then the next refresh.
    let roles_path = format!("/applications/{}/users/{}/roles", s.app_id, s.user_id);
    c.api("DELETE", &roles_path, OPERATOR, Some(&json!({"roles": [role]}))).assert_status(200);
    let answered = Instant::now();
    let d = introspect(c, &s, wider.access_token().secret());
    let seen_after = answered.elapsed();
    assert_eq!((d["active"].as_bool(), d["scope"].as_str(), d["permissions"].clone()), (Some(true), Some("openid offline_access"), json!([])));
    let rt = wider.refresh_token().unwrap().clone();
    let refresh_started = Instant::now();
    let narrowed = client.exchange_refresh_token(&rt).unwrap().request(&http).expect("refresh");
    let refreshed_after = refresh_started.elapsed() + seen_after;
    let (_, p) = claims(narrowed.access_token().secret());
    assert_eq!((p["scope"].as_str(), p["permissions"].clone()), (Some("openid offline_access"), json!([])));
    // The refresh token itself is described with what it would grant now.
    let rt = narrowed.refresh_token().unwrap().clone();
    let d = introspect(c, &s, rt.secret());
    assert_eq!((d["token_type"].as_str(), d["scope"].as_str(), d["aud"].as_str()), (Some("refresh_token"), Some("openid offline_access"), Some(identifier.as_str())));
    eprintln!(
        "role removal: first introspection after the DELETE answered showed it ({} ms for that request); the first refresh after it issued without the permission ({} ms after the DELETE)",
        seen_after.as_millis(),
        refreshed_after.as_millis()
    );

    // Given back: the consented scope returns at the next refresh.
    c.api("POST", &roles_path, OPERATOR, Some(&json!({"roles": [role]}))).assert_status(200);
    let back = client.exchange_refresh_token(&rt).unwrap().request(&http).expect("refresh");
    assert_eq!(claims(back.access_token().secret()).1["scope"], "openid offline_access read:invoices write:invoices");
    // A refresh naming another resource is refused, and changes nothing.
    let rt = back.refresh_token().unwrap().clone();
    let other = token_request(c, &s, &format!("grant_type=refresh_token&refresh_token={}&resource={}", enc(rt.secret()), enc("https://api.example.com/other")));
    other.assert_error(400, "invalid_target");
    client.exchange_refresh_token(&rt).unwrap().request(&http).expect("the refresh token is still good");
}

fn wrong_resources_are_invalid_target(c: &Client) {
    let s = provision(c, true);
    let (_, identifier) = api(c, &s, json!({}));
    let other = provision(c, true);
    let (_, foreign) = api(c, &other, json!({}));
    let authorize = |resource: &str, scope: &str| {
        let q = format!(
            "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&resource={}&state=st&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            s.client_id,
            enc(REDIRECT),
            enc(scope),
            enc(resource)
        );
        let r = c.get(&s.slug, &q);
        assert_eq!(r.status, 303, "{}", r.body);
        let location = r.header("location").unwrap().to_owned();
        (query_param(&location, "error"), query_param(&location, "state"))
    };
    // Another application's API is unknown here, like one that never existed.
    assert_eq!(authorize(&foreign, "openid"), (Some("invalid_target".into()), Some("st".into())));
    assert_eq!(authorize("https://api.example.com/nothing", "openid").0.as_deref(), Some("invalid_target"));
    assert_eq!(authorize("not-a-uri", "openid").0.as_deref(), Some("invalid_target"));
    // Permissions are asked of the API that defines them; the account scope never with an API.
    assert_eq!(authorize(&identifier, "openid read:orders").0.as_deref(), Some("invalid_scope"));
    assert_eq!(authorize(&identifier, "openid account").0.as_deref(), Some("invalid_scope"));
    assert_eq!(authorize(&identifier, "openid read:invoices").0, None, "a good request goes on to sign-in");

    // A code for one API cannot be redeemed for another.
    let client = oidc_client(c, &s);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(openidconnect::core::CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_extra_param("audience", &identifier)
        .set_pkce_challenge(challenge)
        .url();
    let back = sign_in(c, &mut Browser::new(), &s.slug, url.as_str(), &s.email, PASSWORD);
    let code = query_param(&back, "code").unwrap();
    let wrong = client.exchange_code(AuthorizationCode::new(code.clone())).unwrap().set_pkce_verifier(copy_of(&verifier)).add_extra_param("resource", &foreign).request(&oidc_http(c));
    assert_token_error(wrong, "invalid_target");
    // …and the refusal did not use the code up.
    let ok = client.exchange_code(AuthorizationCode::new(code)).unwrap().set_pkce_verifier(verifier).request(&oidc_http(c)).expect("redeem");
    assert_eq!(claims(ok.access_token().secret()).1["aud"], json!([identifier, issuer(c, &s.slug)]));
}

/// A second copy of a PKCE verifier (the library's type is not `Clone`).
fn copy_of(v: &openidconnect::PkceCodeVerifier) -> openidconnect::PkceCodeVerifier {
    openidconnect::PkceCodeVerifier::new(v.secret().clone())
}

fn machine_tokens_for_an_api_follow_the_client_grant(c: &Client) {
    let s = provision(c, true);
    let (api_id, identifier) = api(c, &s, json!({"permissions_claim": true, "token_lifetime_seconds": 300}));
    let (_, ungranted) = api(c, &s, json!({}));
    let grants = format!("/applications/{}/clients/{}/grants", s.app_id, s.client_id);
    c.api("PUT", &grants, OPERATOR, Some(&json!({"grants": [{"api_id": api_id, "permissions": ["read:invoices", "write:invoices"]}]}))).assert_status(200);

    // `audience`, as Auth0 clients send it; no scope means all the grant allows.
    let all = token_request(c, &s, &format!("grant_type=client_credentials&audience={}", enc(&identifier)));
    all.assert_status(200);
    let body = all.json();
    assert_eq!((body["scope"].as_str(), body["expires_in"].as_i64()), (Some("read:invoices write:invoices"), Some(300)));
    let token = body["access_token"].as_str().unwrap();
    let verified = verify_for_api(c, &s, token, &identifier);
    assert_eq!((verified["sub"].as_str(), verified["aud"].clone()), (Some(s.client_id.as_str()), json!(identifier)));
    assert_eq!(verified["permissions"], json!(["read:invoices", "write:invoices"]));
    // It is the API's alone: UserInfo refuses it.
    let info = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {token}"))], None);
    info.assert_error(401, "invalid_token");
    // A narrower scope; nothing beyond the grant; no user scopes.
    let one = token_request(c, &s, &format!("grant_type=client_credentials&resource={}&scope=write%3Ainvoices", enc(&identifier)));
    assert_eq!(one.json()["scope"], "write:invoices");
    token_request(c, &s, &format!("grant_type=client_credentials&resource={}&scope=delete%3Ainvoices", enc(&identifier))).assert_error(400, "invalid_scope");
    token_request(c, &s, &format!("grant_type=client_credentials&resource={}&scope=openid", enc(&identifier))).assert_error(400, "invalid_scope");
    token_request(c, &s, &format!("grant_type=client_credentials&resource={}", enc(&ungranted))).assert_error(400, "invalid_target");
    token_request(c, &s, "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com%2Fnone").assert_error(400, "invalid_target");
    token_request(c, &s, &format!("grant_type=client_credentials&resource={}&resource=urn%3Aother", enc(&identifier))).assert_error(400, "invalid_target");

    // The grant narrowed: introspection says so at once; the next token too.
    c.api("PUT", &grants, OPERATOR, Some(&json!({"grants": [{"api_id": api_id, "permissions": ["write:invoices"]}]}))).assert_status(200);
    let d = introspect(c, &s, token);
    assert_eq!((d["active"].as_bool(), d["scope"].as_str(), d["permissions"].clone()), (Some(true), Some("write:invoices"), json!(["write:invoices"])));
    let now = token_request(c, &s, &format!("grant_type=client_credentials&audience={}", enc(&identifier)));
    assert_eq!(now.json()["scope"], "write:invoices");
    // An API that goes: no more tokens for it.
    c.api("DELETE", &format!("/applications/{}/apis/{api_id}", s.app_id), OPERATOR, None).assert_status(204);
    token_request(c, &s, &format!("grant_type=client_credentials&audience={}", enc(&identifier))).assert_error(400, "invalid_target");
}

fn permissions_past_the_budget_point_to_introspection(c: &Client) {
    let s = provision(c, true);
    let many: Vec<String> = (0..100).map(|i| format!("invoices:permission-number-{i:03}-of-a-large-api")).collect();
    let identifier = format!("https://api.example.com/{}", unique("large"));
    let r = c.api(
        "POST",
        &format!("/applications/{}/apis", s.app_id),
        OPERATOR,
        Some(&json!({"identifier": identifier, "name": "Large", "permissions_claim": true, "permissions": many.iter().map(|p| json!({"value": p})).collect::<Vec<_>>()})),
    );
    r.assert_status(201);
    let api_id = r.json()["id"].as_str().unwrap().to_owned();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    role_for_user(c, &s, &api_id, "everything", &refs);
    let (tokens, _) = code_flow(c, &s, "openid", &identifier);
    let at = tokens.access_token().secret();
    assert!(at.len() <= 4096, "the token stays within the budget: {} bytes", at.len());
    let (_, p) = claims(at);
    assert!(p.get("permissions").is_none());
    assert_eq!(p["permissions_introspection"], format!("{}/oauth2/introspect", issuer(c, &s.slug)));
    let d = introspect(c, &s, at);
    assert_eq!(d["permissions"].as_array().unwrap().len(), 100, "introspection lists them all");
}

//! The Relying Party: sign-in through upstream identity providers. The
//! OpenID Connect upstream is panva's oidc-provider from npm
//! (`tests/upstream/oidc-idp.mjs`); GitHub and Google are a local server
//! speaking their wire formats (`tests/upstream/social.mjs`). The client at
//! the end of every flow is the `openidconnect` crate, which checks the
//! Aero2 ID token it gets.

use crate::oidc::{issuer, oidc_client, provision, Setup, PASSWORD, REDIRECT};
use crate::Test;
use aero2_tests::browser::{authority, query_param, Browser};
use aero2_tests::{oidc_http, unique, Client, Resp, OPERATOR};
use openidconnect::core::CoreTokenResponse;
use openidconnect::{AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, Scope, TokenResponse};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// Where the upstreams listen, set by `main` before the Worker starts.
pub struct Upstreams {
    /// oidc-provider's issuer.
    pub oidc: String,
    /// The GitHub/Google stand-in's base URL.
    pub social: String,
}

pub static UPSTREAMS: OnceLock<Upstreams> = OnceLock::new();
/// The application the static (deployment-configured) provider belongs to.
pub const STATIC_APP: &str = "rp-static";
pub const STATIC_SECRET: &str = "static-github-secret-9f3a";

fn up() -> &'static Upstreams {
    UPSTREAMS.get().expect("upstreams started")
}

pub fn tests() -> Vec<Test> {
    vec![
        ("oidc_upstream_signs_in_and_finds_the_same_user_again", oidc_upstream_signs_in_and_finds_the_same_user_again),
        ("github_sign_in_uses_the_verified_primary_email", github_sign_in_uses_the_verified_primary_email),
        ("google_sign_in_refreshes_keys_on_unknown_kid", google_sign_in_refreshes_keys_on_unknown_kid),
        ("links_by_email_only_when_both_sides_verified", links_by_email_only_when_both_sides_verified),
        ("upstream_failures_return_oauth_errors_and_create_nothing", upstream_failures_return_oauth_errors_and_create_nothing),
        ("state_is_single_use_and_bound_to_the_browser", state_is_single_use_and_bound_to_the_browser),
        ("providers_states_and_identities_are_per_application", providers_states_and_identities_are_per_application),
        ("idp_configuration_is_validated_and_secrets_never_returned", idp_configuration_is_validated_and_secrets_never_returned),
        ("users_list_and_unlink_identities_but_keep_a_way_in", users_list_and_unlink_identities_but_keep_a_way_in),
        ("signup_policy_applies_to_federated_accounts", signup_policy_applies_to_federated_accounts),
        ("static_providers_from_deployment_configuration", static_providers_from_deployment_configuration),
        ("an_expired_state_is_refused", an_expired_state_is_refused),
        ("oauth2_provider_profile_through_a_claim_mapping", oauth2_provider_profile_through_a_claim_mapping),
        ("an_unverified_upstream_address_claims_no_account", an_unverified_upstream_address_claims_no_account),
        ("a_reset_unlinks_identities_that_never_proved_the_address", a_reset_unlinks_identities_that_never_proved_the_address),
        ("amr_says_how_the_user_signed_in", amr_says_how_the_user_signed_in),
        ("upstream_redirects_are_not_followed", upstream_redirects_are_not_followed),
        ("the_provider_redirect_is_rate_limited", the_provider_redirect_is_rate_limited),
        ("a_developer_signs_up_on_the_dashboard_with_github", a_developer_signs_up_on_the_dashboard_with_github),
    ]
}

// ------------------------------------------------------------------ helpers

fn idps_path(app_id: &str) -> String {
    format!("/applications/{app_id}/idps")
}

fn add_idp(c: &Client, app_id: &str, body: Value) -> Value {
    let r = c.api("POST", &idps_path(app_id), OPERATOR, Some(&body));
    assert_eq!(r.status, 201, "create idp: {}", r.body);
    r.json()
}

/// Registers a client at the social stand-in; returns (client_id, secret).
fn script(user: Value, extra: Value) -> (String, String) {
    let id = unique("cid");
    let secret = unique("secret");
    let mut body = json!({"client_id": id, "client_secret": secret, "user": user});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let c = Client::new(0);
    let r = c.send_url("POST", &format!("{}/_test/clients", up().social), &[("content-type", "application/json")], Some(body.to_string().as_bytes()));
    assert_eq!(r.status, 204, "script: {}", r.body);
    (id, secret)
}

fn github_idp(c: &Client, s: &Setup, user: Value, emails: Option<Value>, extra: Value) -> Value {
    let mut x = extra;
    if let Some(e) = emails {
        x["emails"] = e;
    }
    let (id, secret) = script(user, x);
    add_idp(
        c,
        &s.app_id,
        json!({"type": "github", "client_id": id, "client_secret": secret, "enterprise_url": format!("{}/github", up().social)}),
    )
}

fn google_idp(c: &Client, s: &Setup, user: Value, extra: Value) -> Value {
    let (id, secret) = script(user, extra);
    add_idp(c, &s.app_id, json!({"type": "google", "client_id": id, "client_secret": secret, "issuer": format!("{}/google", up().social)}))
}

/// Registers a client at oidc-provider (RFC 7591) for `slug`'s callback
/// and creates the `corp` provider; returns the provider JSON.
fn oidc_idp(c: &Client, s: &Setup, idp_slug: &str) -> Value {
    let redirect = format!("{}/rp/callback/{idp_slug}", issuer(c, &s.slug));
    let reg = Client::new(0).send_url(
        "POST",
        &format!("{}/reg", up().oidc),
        &[("content-type", "application/json")],
        Some(json!({"redirect_uris": [redirect], "grant_types": ["authorization_code"], "response_types": ["code"]}).to_string().as_bytes()),
    );
    assert_eq!(reg.status, 201, "registration at oidc-provider: {}", reg.body);
    let reg = reg.json();
    add_idp(
        c,
        &s.app_id,
        json!({
            "type": "oidc", "slug": idp_slug, "display_name": "Corp SSO", "issuer": up().oidc,
            "client_id": reg["client_id"], "client_secret": reg["client_secret"],
        }),
    )
}

fn upstream_account(sub: &str, email: &str, verified: bool) {
    let body = json!({"sub": sub, "email": email, "email_verified": verified, "name": "Upstream Person"});
    let r = Client::new(0).send_url("POST", &format!("{}/_test/accounts", up().oidc), &[("content-type", "application/json")], Some(body.to_string().as_bytes()));
    assert_eq!(r.status, 204);
}

/// A started authorization request at `s`'s application.
struct Started {
    request: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: openidconnect::PkceCodeVerifier,
}

fn start(c: &Client, s: &Setup, b: &mut Browser) -> Started {
    let client = oidc_client(c, s);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(openidconnect::core::CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_scope(Scope::new("account".into()))
        .set_pkce_challenge(challenge)
        .url();
    let r = b.get_url(c, url.as_str());
    assert_eq!(r.status, 303, "authorize: {}", r.body);
    let location = r.header("location").unwrap().to_owned();
    assert!(location.starts_with("/login?request="), "{location}");
    let request = query_param(&location, "request").unwrap();
    Started { request, state, nonce, verifier }
}

/// From the sign-in page's provider link through the upstream and back:
/// the response of Aero2's callback. `login` fills oidc-provider's form.
fn through(c: &Client, s: &Setup, b: &mut Browser, st: &Started, idp: &str, login: &str) -> Resp {
    let page = b.get(c, &s.slug, &format!("/login?request={}", st.request));
    assert!(page.body.contains(&format!("/rp/authorize/{idp}?request={}", st.request)), "sign-in page offers {idp}");
    let r = b.get(c, &s.slug, &format!("/rp/authorize/{idp}?request={}", st.request));
    assert_eq!(r.status, 303, "rp authorize: {}", r.body);
    let mut next = r.header("location").unwrap().to_owned();
    let ours = authority(&issuer(c, &s.slug));
    for _ in 0..12 {
        if authority(&next) == ours {
            return b.get_url(c, &next);
        }
        let r = b.get_url(c, &next);
        match r.status {
            301..=303 | 307 => {
                let loc = r.header("location").unwrap();
                next = if loc.starts_with('/') { format!("http://{}{loc}", authority(&next)) } else { loc.to_owned() };
            }
            200 if r.body.contains("<form") => {
                let action = attr_after(&r.body, "<form", "action").unwrap_or_default();
                let mut fields: Vec<(String, String)> = hidden_inputs(&r.body);
                if r.body.contains("name=\"login\"") {
                    fields.push(("login".into(), login.into()));
                    fields.push(("password".into(), "any-password".into()));
                }
                let url = if action.starts_with('/') { format!("http://{}{action}", authority(&next)) } else { action };
                let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let r = b.post_form_url(c, &url, &refs);
                assert!(matches!(r.status, 302 | 303), "upstream form: {} {}", r.status, r.body);
                let loc = r.header("location").unwrap();
                next = if loc.starts_with('/') { format!("http://{}{loc}", authority(&url)) } else { loc.to_owned() };
            }
            _ => panic!("upstream answered {}: {}", r.status, r.body),
        }
    }
    panic!("no callback after 12 steps")
}

fn attr_after(html: &str, tag: &str, attr: &str) -> Option<String> {
    let at = html.find(tag)?;
    let rest = &html[at..];
    let key = format!("{attr}=\"");
    let v = rest.find(&key)? + key.len();
    Some(rest[v..v + rest[v..].find('"')?].replace("&amp;", "&"))
}

fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input")
        .skip(1)
        .filter(|t| t.contains("type=\"hidden\""))
        .filter_map(|t| {
            let tag = &t[..t.find('>')?];
            let name = attr_after(tag, "", "name")?;
            let value = attr_after(tag, "", "value").unwrap_or_default();
            Some((name, value))
        })
        .collect()
}

/// The client's half: the redirect carries a code, which the
/// `openidconnect` crate exchanges and whose ID token it verifies.
fn finish(c: &Client, s: &Setup, st: Started, back: &Resp) -> (CoreTokenResponse, String) {
    assert_eq!(back.status, 303, "callback: {}", back.body);
    let location = back.header("location").unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query_param(location, "state").as_deref(), Some(st.state.secret().as_str()));
    assert_eq!(query_param(location, "iss"), Some(issuer(c, &s.slug)));
    let code = query_param(location, "code").unwrap_or_else(|| panic!("no code: {location}"));
    let client = oidc_client(c, s);
    let tokens = client.exchange_code(AuthorizationCode::new(code)).unwrap().set_pkce_verifier(st.verifier).request(&oidc_http(c)).expect("token exchange");
    let claims = tokens.id_token().expect("ID token").claims(&client.id_token_verifier(), &st.nonce).expect("valid Aero2 ID token");
    let sub = claims.subject().to_string();
    (tokens, sub)
}

/// The client is sent back with `error` (and its `state` and our `iss`).
fn assert_client_error(c: &Client, s: &Setup, st: &Started, back: &Resp, code: &str) {
    assert_eq!(back.status, 303, "callback: {}", back.body);
    let location = back.header("location").unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query_param(location, "error").as_deref(), Some(code), "{location}");
    assert_eq!(query_param(location, "state").as_deref(), Some(st.state.secret().as_str()));
    assert_eq!(query_param(location, "iss"), Some(issuer(c, &s.slug)));
    assert!(query_param(location, "code").is_none());
}

fn users(c: &Client, s: &Setup) -> Vec<Value> {
    let r = c.api("GET", &format!("/applications/{}/users", s.app_id), OPERATOR, None);
    r.assert_status(200);
    r.json()["users"].as_array().unwrap().clone()
}

fn user(c: &Client, s: &Setup, id: &str) -> Value {
    let r = c.api("GET", &format!("/applications/{}/users/{id}", s.app_id), OPERATOR, None);
    r.assert_status(200);
    r.json()
}

fn identities(c: &Client, s: &Setup, token: &str) -> Vec<Value> {
    let r = c.send("GET", &s.slug, "/account/identities", &[("authorization", &format!("Bearer {token}"))], None);
    r.assert_status(200);
    r.json()["identities"].as_array().unwrap().clone()
}

// -------------------------------------------------------------------- tests

fn oidc_upstream_signs_in_and_finds_the_same_user_again(c: &Client) {
    let s = provision(c, true);
    let idp = oidc_idp(c, &s, "corp");
    assert!(idp.get("client_secret").is_none());
    assert_eq!(idp["redirect_uri"], format!("{}/rp/callback/corp", issuer(c, &s.slug)));
    let sub = unique("emp");
    let email = format!("{sub}@corp.example");
    upstream_account(&sub, &email, true);
    let before = users(c, &s).len();

    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "corp", &sub);
    let (tokens, local_sub) = finish(c, &s, st, &back);
    assert_eq!(users(c, &s).len(), before + 1, "one local user created");
    let u = user(c, &s, &local_sub);
    assert_eq!(u["email"], email);
    assert_eq!(u["email_verified"], true);
    assert_eq!(u["name"], "Upstream Person");
    let ids = identities(c, &s, tokens.access_token().secret());
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0]["provider"], "corp");
    assert_eq!(ids[0]["subject"], sub.as_str());

    // A second sign-in, in a fresh browser, lands in the same account.
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "corp", &sub);
    let (_, again) = finish(c, &s, st, &back);
    assert_eq!(again, local_sub);
    assert_eq!(users(c, &s).len(), before + 1);
}

fn github_sign_in_uses_the_verified_primary_email(c: &Client) {
    let s = provision(c, true);
    let gh_id = 9_000_000 + (unique("n").len() as u64);
    let email = format!("{}@users.example", unique("octo"));
    github_idp(
        c,
        &s,
        json!({"login": "octocat", "id": gh_id, "name": null, "email": "public@elsewhere.example", "avatar_url": "https://avatars.example.com/u/1"}),
        Some(json!([
            {"email": "old@elsewhere.example", "primary": false, "verified": true, "visibility": null},
            {"email": email, "primary": true, "verified": true, "visibility": "private"}
        ])),
        json!({}),
    );
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "github", "");
    let (tokens, sub) = finish(c, &s, st, &back);
    let u = user(c, &s, &sub);
    assert_eq!(u["email"], email);
    assert_eq!(u["email_verified"], true);
    assert_eq!(u["name"], "octocat", "login stands in for a missing name");
    assert_eq!(u["picture"], "https://avatars.example.com/u/1");
    // The Aero2 ID token carries the profile for the client.
    let userinfo = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {}", tokens.access_token().secret()))], None);
    userinfo.assert_status(200);
    assert_eq!(userinfo.json()["email"], email);
    assert_eq!(identities(c, &s, tokens.access_token().secret())[0]["subject"], gh_id.to_string());
}

fn google_sign_in_refreshes_keys_on_unknown_kid(c: &Client) {
    let s = provision(c, true);
    let gsub = unique("g");
    google_idp(c, &s, json!({"sub": gsub, "email": format!("{gsub}@gmail.example"), "email_verified": true, "name": "G User"}), json!({}));
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "google", "");
    let (_, first) = finish(c, &s, st, &back);
    // Google rolls its key; Aero2 still holds the old JWKS and must fetch
    // it again when the new kid appears.
    let r = Client::new(0).send_url("POST", &format!("{}/_test/google/rotate", up().social), &[], None);
    assert_eq!(r.status, 204);
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "google", "");
    let (_, second) = finish(c, &s, st, &back);
    assert_eq!(first, second);
}

fn links_by_email_only_when_both_sides_verified(c: &Client) {
    let s = provision(c, true);
    // A local account whose address the operator vouches for.
    let email = format!("{}@example.com", unique("linked"));
    let local = c.api("POST", &format!("/applications/{}/users", s.app_id), OPERATOR, Some(&json!({"email": email, "password": PASSWORD, "email_verified": true})));
    local.assert_status(201);
    let local_id = local.json()["id"].as_str().unwrap().to_owned();

    // 1. The upstream does not vouch for the address: not linked, and the
    // address takes no part (it neither joins nor blocks, nor says it is
    // registered): a separate account without it.
    let (id, secret) = script(json!({"sub": unique("u"), "email": email, "email_verified": false}), json!({}));
    add_idp(c, &s.app_id, json!({"type": "google", "slug": "unverified", "display_name": "Unverified", "client_id": id, "client_secret": secret, "issuer": format!("{}/google", up().social)}));
    let count = users(c, &s).len();
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "unverified", "");
    let (_, separate) = finish(c, &s, st, &back);
    assert_ne!(separate, local_id, "not linked");
    assert!(user(c, &s, &separate)["email"].is_null());
    assert_eq!(users(c, &s).len(), count + 1);

    // 2. The application's policy forbids linking: refused as well.
    let s2 = provision(c, true);
    let p2 = c.api("PATCH", &format!("/applications/{}", s2.app_id), OPERATOR, Some(&json!({"settings": {"idp_linking": "never"}})));
    p2.assert_status(200);
    let l2 = c.api("POST", &format!("/applications/{}/users", s2.app_id), OPERATOR, Some(&json!({"email": email, "password": PASSWORD, "email_verified": true})));
    l2.assert_status(201);
    let (id2, secret2) = script(json!({"sub": unique("u"), "email": email, "email_verified": true}), json!({}));
    add_idp(c, &s2.app_id, json!({"type": "google", "client_id": id2, "client_secret": secret2, "issuer": format!("{}/google", up().social)}));
    let mut b = Browser::new();
    let st = start(c, &s2, &mut b);
    let back = through(c, &s2, &mut b, &st, "google", "");
    assert_eq!(back.status, 409, "policy never: {}", back.body);

    // 3. Both verified and the default policy: linked to the existing
    // account, no new user.
    let s3 = provision(c, true);
    let l3 = c.api("POST", &format!("/applications/{}/users", s3.app_id), OPERATOR, Some(&json!({"email": email, "password": PASSWORD, "email_verified": true})));
    l3.assert_status(201);
    let l3_id = l3.json()["id"].as_str().unwrap().to_owned();
    let (id3, secret3) = script(json!({"sub": unique("u"), "email": email, "email_verified": true}), json!({}));
    add_idp(c, &s3.app_id, json!({"type": "google", "client_id": id3, "client_secret": secret3, "issuer": format!("{}/google", up().social)}));
    let count3 = users(c, &s3).len();
    let mut b = Browser::new();
    let st = start(c, &s3, &mut b);
    let back = through(c, &s3, &mut b, &st, "google", "");
    let (tokens, sub) = finish(c, &s3, st, &back);
    assert_eq!(sub, l3_id, "linked to the existing account");
    assert_eq!(users(c, &s3).len(), count3);
    let linked = crate::audit::log(c, &s3.app_id, "?type=identity.linked");
    assert_eq!((linked.len(), linked[0]["user_id"].as_str(), linked[0]["detail"]["idp"].as_str()), (1, Some(l3_id.as_str()), Some("google")));
    let federated = crate::audit::log(c, &s3.app_id, "?type=signin.succeeded");
    assert_eq!(federated.len(), 1);
    assert_ne!(federated[0]["detail"]["amr"], json!(["pwd"]), "a federated sign-in says so");
    assert_eq!(identities(c, &s3, tokens.access_token().secret()).len(), 1);

    // 4. A local account whose address was never verified is not joined,
    // even when the upstream vouches (pre-account-takeover).
    let s4 = provision(c, true);
    let l4 = c.api("POST", &format!("/applications/{}/users", s4.app_id), OPERATOR, Some(&json!({"email": email, "password": PASSWORD})));
    l4.assert_status(201);
    let (id4, secret4) = script(json!({"sub": unique("u"), "email": email, "email_verified": true}), json!({}));
    add_idp(c, &s4.app_id, json!({"type": "google", "client_id": id4, "client_secret": secret4, "issuer": format!("{}/google", up().social)}));
    let mut b = Browser::new();
    let st = start(c, &s4, &mut b);
    let back = through(c, &s4, &mut b, &st, "google", "");
    assert_eq!(back.status, 409, "unverified local account: {}", back.body);
    // The first application's account was left alone by the refusal.
    assert_eq!(user(c, &s, &local_id)["email_verified"], true);
}

fn upstream_failures_return_oauth_errors_and_create_nothing(c: &Client) {
    let s = provision(c, true);
    let user = json!({"sub": unique("f"), "email": format!("{}@example.org", unique("f")), "email_verified": true});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("denied", json!({"deny": true}), "access_denied"),
        ("wrongaud", json!({"id_token": {"aud": "someone-else"}}), "server_error"),
        ("wrongiss", json!({"id_token": {"iss": "https://evil.example"}}), "server_error"),
        ("badnonce", json!({"id_token": {"nonce": "replayed"}}), "server_error"),
        ("expired", json!({"id_token": {"exp_offset": -3600}}), "server_error"),
        ("forged", json!({"id_token": {"unpublished_key": true}}), "server_error"),
        ("slow", json!({"token_delay_ms": 6000}), "temporarily_unavailable"),
    ];
    let before = users(c, &s).len();
    for (slug, extra, expected) in cases {
        let (id, secret) = script(user.clone(), extra);
        add_idp(c, &s.app_id, json!({"type": "google", "slug": slug, "display_name": slug, "client_id": id, "client_secret": secret, "issuer": format!("{}/google", up().social)}));
        let mut b = Browser::new();
        let st = start(c, &s, &mut b);
        let back = through(c, &s, &mut b, &st, slug, "");
        assert_client_error(c, &s, &st, &back, expected);
    }
    // A failed code exchange: the provider refuses the secret we hold.
    let (id, _) = script(user.clone(), json!({}));
    github_with(c, &s, "badsecret", &id, "not-the-secret");
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "badsecret", "");
    assert_client_error(c, &s, &st, &back, "server_error");
    assert_eq!(users(c, &s).len(), before, "no failure created a user");
}

fn github_with(c: &Client, s: &Setup, slug: &str, id: &str, secret: &str) {
    add_idp(
        c,
        &s.app_id,
        json!({"type": "github", "slug": slug, "display_name": slug, "client_id": id, "client_secret": secret, "enterprise_url": format!("{}/github", up().social)}),
    );
}

fn state_is_single_use_and_bound_to_the_browser(c: &Client) {
    let s = provision(c, true);
    let (id, secret) = script(json!({"login": "x", "id": 4242}), json!({}));
    github_with(c, &s, "github", &id, &secret);
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let r = b.get(c, &s.slug, &format!("/rp/authorize/github?request={}", st.request));
    let upstream = r.header("location").unwrap().to_owned();
    assert!(upstream.contains("code_challenge_method=S256") && upstream.contains("code_challenge="));
    let cookie = r.headers.iter().find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("aero2_rp=")).map(|(_, v)| v.clone()).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let back = Client::new(0).send_url("GET", &upstream, &[], None);
    let callback = back.header("location").unwrap().to_owned();
    // Another browser (no binding cookie) cannot use the callback.
    let stranger = c.send_url("GET", &callback, &[], None);
    assert_eq!(stranger.status, 400, "{}", stranger.body);
    // The state was used up by that attempt: the right browser is refused too.
    let reused = b.get_url(c, &callback);
    assert_eq!(reused.status, 400);
    assert!(reused.body.contains("expired or was already used"));
    // A fresh flow succeeds once, and its callback replayed fails.
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "github", "");
    let replay_url = {
        let r = b.get(c, &s.slug, &format!("/rp/authorize/github?request={}", st.request));
        r.status
    };
    assert_eq!(replay_url, 400, "the pending request is finished once signed in");
    let (_, _) = finish(c, &s, st, &back);
    // Unknown and missing state.
    let unknown = b.get(c, &s.slug, "/rp/callback/github?code=abc&state=nonexistent");
    assert_eq!(unknown.status, 400);
    let missing = b.get(c, &s.slug, "/rp/callback/github?code=abc");
    assert_eq!(missing.status, 400);
}

fn providers_states_and_identities_are_per_application(c: &Client) {
    let a = provision(c, true);
    let bapp = provision(c, true);
    let gh = 7_000_000 + unique("n").len() as u64;
    let (id, secret) = script(json!({"login": "iso", "id": gh}), json!({"emails": [{"email": format!("{}@iso.example", unique("i")), "primary": true, "verified": true}]}));
    github_with(c, &a, "github", &id, &secret);
    // B has no such provider: its sign-in page offers none, and the route is 404.
    let mut br = Browser::new();
    let stb = start(c, &bapp, &mut br);
    let page = br.get(c, &bapp.slug, &format!("/login?request={}", stb.request));
    assert!(!page.body.contains("/rp/authorize/"), "B offers no provider");
    let r = br.get(c, &bapp.slug, &format!("/rp/authorize/github?request={}", stb.request));
    assert_eq!(r.status, 404);
    // A's state does not work at B's callback, even with A's browser cookie.
    let mut ba = Browser::new();
    let sta = start(c, &a, &mut ba);
    let r = ba.get(c, &a.slug, &format!("/rp/authorize/github?request={}", sta.request));
    let upstream = r.header("location").unwrap().to_owned();
    let back = Client::new(0).send_url("GET", &upstream, &[], None);
    let callback = back.header("location").unwrap().to_owned();
    let at_b = callback.replace(&format!("{}.localhost", a.slug), &format!("{}.localhost", bapp.slug));
    let cookie = format!("aero2_rp={}", ba.cookie(&a.slug, "aero2_rp").unwrap());
    let r = c.send_url("GET", &at_b, &[("cookie", &cookie)], None);
    assert_eq!(r.status, 400, "{}", r.body);
    // The same upstream identity at two applications is two unrelated users.
    let back = b_flow(c, &a, "github");
    let (_, sub_a) = back;
    github_with(c, &bapp, "github", &id, &secret);
    let (_, sub_b) = b_flow(c, &bapp, "github");
    assert_ne!(sub_a, sub_b);
    // B's own key sees none of A's providers.
    let key = c.create_key(&bapp.app_id, "sk")["key"].as_str().unwrap().to_owned();
    let r = c.api("GET", &idps_path(&a.app_id), &key, None);
    assert_eq!(r.status, 404);
}

fn b_flow(c: &Client, s: &Setup, idp: &str) -> (CoreTokenResponse, String) {
    let mut b = Browser::new();
    let st = start(c, s, &mut b);
    let back = through(c, s, &mut b, &st, idp, "");
    finish(c, s, st, &back)
}

fn idp_configuration_is_validated_and_secrets_never_returned(c: &Client) {
    let s = provision(c, true);
    let path = idps_path(&s.app_id);
    let bad = |body: Value, field: &str| {
        let r = c.api("POST", &path, OPERATOR, Some(&body));
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.json()["field"], field, "{}", r.body);
    };
    bad(json!({"type": "oidc", "display_name": "X", "client_id": "a", "client_secret": "b", "issuer": "http://idp.example.com"}), "issuer");
    bad(json!({"type": "oidc", "display_name": "X", "client_id": "a", "client_secret": "b"}), "issuer");
    bad(json!({"type": "github", "client_secret": "b"}), "client_id");
    bad(json!({"type": "oauth2", "display_name": "X", "client_id": "a", "client_secret": "b", "authorization_endpoint": "https://x.example/a"}), "token_endpoint");
    // Unreachable: nothing listens on port 9 of loopback.
    bad(json!({"type": "oidc", "display_name": "X", "client_id": "a", "client_secret": "b", "issuer": "http://127.0.0.1:9"}), "issuer");
    // Inconsistent: the document at this address names another issuer.
    bad(json!({"type": "oidc", "display_name": "X", "client_id": "a", "client_secret": "b", "issuer": format!("{}/google/", up().social)}), "issuer");
    assert_eq!(c.api("GET", &path, OPERATOR, None).json()["idps"], json!([]), "nothing stored by refusals");

    let secret = unique("very-secret");
    let made = add_idp(c, &s.app_id, json!({"type": "github", "client_id": "gh-app", "client_secret": secret}));
    let dup = c.api("POST", &path, OPERATOR, Some(&json!({"type": "github", "client_id": "x", "client_secret": "y"})));
    assert_eq!(dup.status, 409);
    let id = made["id"].as_str().unwrap();
    for r in [c.api("GET", &path, OPERATOR, None), c.api("GET", &format!("{path}/{id}"), OPERATOR, None)] {
        r.assert_status(200);
        assert!(!r.body.contains(&secret), "secret returned: {}", r.body);
    }
    // Patch: enable/disable and rotate the secret; endpoints are fixed.
    let p = c.api("PATCH", &format!("{path}/{id}"), OPERATOR, Some(&json!({"enabled": false, "client_secret": "rotated"})));
    p.assert_status(200);
    assert_eq!(p.json()["enabled"], false);
    assert!(!p.body.contains("rotated"));
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let page = b.get(c, &s.slug, &format!("/login?request={}", st.request));
    assert!(!page.body.contains("/rp/authorize/github"), "a disabled provider is not offered");
    assert_eq!(b.get(c, &s.slug, &format!("/rp/authorize/github?request={}", st.request)).status, 404);
    let fixed = c.api("PATCH", &format!("{path}/{id}"), OPERATOR, Some(&json!({"issuer": "https://x.example"})));
    assert_eq!(fixed.status, 400);
    // At rest the secret is sealed: the local D1 file never holds it.
    let d1 = crate::scratch_root().join("shared");
    assert!(!dir_contains(&d1, secret.as_bytes()), "plaintext client secret found in local storage");
    let del = c.api("DELETE", &format!("{path}/{id}"), OPERATOR, None);
    assert_eq!(del.status, 204);
    assert_eq!(c.api("GET", &format!("{path}/{id}"), OPERATOR, None).status, 404);
}

fn dir_contains(dir: &std::path::Path, needle: &[u8]) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            return dir_contains(&p, needle);
        }
        std::fs::read(&p).map(|bytes| bytes.windows(needle.len()).any(|w| w == needle)).unwrap_or(false)
    })
}

fn users_list_and_unlink_identities_but_keep_a_way_in(c: &Client) {
    let s = provision(c, true);
    let (id, secret) = script(json!({"login": "solo", "id": 31337}), json!({}));
    github_with(c, &s, "github", &id, &secret);
    let (tokens, _) = b_flow(c, &s, "github");
    let token = tokens.access_token().secret().clone();
    let list = identities(c, &s, &token);
    assert_eq!(list.len(), 1);
    let identity = list[0]["id"].as_str().unwrap().to_owned();
    // No password and no other identity: unlinking would lock the user out.
    let r = c.send("DELETE", &s.slug, &format!("/account/identities/{identity}"), &[("authorization", &format!("Bearer {token}"))], None);
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(identities(c, &s, &token).len(), 1);
    let unknown = c.send("DELETE", &s.slug, "/account/identities/idn_00000000000000000000000000000000", &[("authorization", &format!("Bearer {token}"))], None);
    assert_eq!(unknown.status, 404);

    // A user with a password may unlink the provider they linked.
    let email = format!("{}@example.com", unique("pw"));
    c.api("POST", &format!("/applications/{}/users", s.app_id), OPERATOR, Some(&json!({"email": email, "password": PASSWORD, "email_verified": true}))).assert_status(201);
    let (id2, secret2) = script(json!({"sub": unique("g"), "email": email, "email_verified": true}), json!({}));
    add_idp(c, &s.app_id, json!({"type": "google", "client_id": id2, "client_secret": secret2, "issuer": format!("{}/google", up().social)}));
    let (tokens, _) = b_flow(c, &s, "google");
    let token = tokens.access_token().secret().clone();
    let list = identities(c, &s, &token);
    assert_eq!(list.len(), 1);
    let r = c.send("DELETE", &s.slug, &format!("/account/identities/{}", list[0]["id"].as_str().unwrap()), &[("authorization", &format!("Bearer {token}"))], None);
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(identities(c, &s, &token).is_empty());
    let none = c.send("GET", &s.slug, "/account/identities", &[], None);
    assert_eq!(none.status, 401);
}

/// An application made by the test itself, given a first-party
/// confidential client for the code flow.
fn with_web_client(c: &Client, slug: String, app_id: String) -> Setup {
    let client = c.api(
        "POST",
        &format!("/applications/{app_id}/clients"),
        OPERATOR,
        Some(&json!({"name": "Web", "redirect_uris": [REDIRECT], "grant_types": ["authorization_code"], "first_party": true, "scopes": "openid profile email offline_access account"})),
    );
    client.assert_status(201);
    let client = client.json();
    Setup {
        slug,
        app_id,
        client_id: client["client_id"].as_str().unwrap().to_owned(),
        client_secret: client["client_secret"].as_str().unwrap().to_owned(),
        public_client_id: String::new(),
        email: String::new(),
        user_id: String::new(),
    }
}

/// The Dashboard is an application like any other: the GitHub provider
/// its operator configures signs a new developer up, who gets the
/// developer role and a personal team like one who signed up with a
/// password.
fn a_developer_signs_up_on_the_dashboard_with_github(c: &Client) {
    let s = with_web_client(c, "dashboard".into(), "app_dashboard".into());
    let login = unique("devcat");
    let email = format!("{login}@users.example");
    let (id, secret) = script(
        json!({"login": login, "id": 7_700_000 + login.len(), "name": "Dev Cat"}),
        json!({"emails": [{"email": email, "primary": true, "verified": true, "visibility": null}]}),
    );
    // Its own slug: the shared Dashboard may be given other providers by other tests.
    let slug = unique("gh");
    github_with(c, &s, &slug, &id, &secret);
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, &slug, "");
    let (_, sub) = finish(c, &s, st, &back);
    let dev = |path: &str| c.api("GET", &format!("/applications/app_dashboard/users/{sub}{path}"), OPERATOR, None).json();
    assert_eq!(dev("")["email"], email);
    let roles: Vec<Value> = dev("/roles")["roles"].as_array().unwrap().iter().map(|r| r["name"].clone()).collect();
    assert_eq!(roles, [json!("developer")]);
    let teams = dev("/organizations");
    assert_eq!(teams["organizations"].as_array().map(Vec::len), Some(1), "a personal team: {teams}");
    let ids = dev("/identities");
    assert_eq!((ids["identities"][0]["provider"].as_str(), ids["has_password"].as_bool()), (Some(slug.as_str()), Some(false)), "{ids}");
}

fn signup_policy_applies_to_federated_accounts(c: &Client) {
    let slug = unique("rpclosed");
    let app = c.api("POST", "/applications", OPERATOR, Some(&json!({"slug": slug, "name": "Closed", "settings": {"signup": {"mode": "disabled"}}})));
    app.assert_status(201);
    let app_id = app.json()["id"].as_str().unwrap().to_owned();
    let s = with_web_client(c, slug, app_id);
    let (id, secret) = script(json!({"login": "newcomer", "id": 5150}), json!({}));
    github_with(c, &s, "github", &id, &secret);
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "github", "");
    assert_eq!(back.status, 403, "{}", back.body);
    assert!(back.body.contains("Sign-up is closed"));
    assert!(users(c, &s).is_empty());
}

fn static_providers_from_deployment_configuration(c: &Client) {
    let app = c.create_app(STATIC_APP);
    let app_id = app["id"].as_str().unwrap().to_owned();
    let list = c.api("GET", &idps_path(&app_id), OPERATOR, None);
    list.assert_status(200);
    let idps = list.json()["idps"].as_array().unwrap().clone();
    assert_eq!(idps.len(), 1, "{}", list.body);
    assert_eq!(idps[0]["source"], "static");
    assert!(!list.body.contains(STATIC_SECRET));
    let id = idps[0]["id"].as_str().unwrap();
    let r = c.api("PATCH", &format!("{}/{id}", idps_path(&app_id)), OPERATOR, Some(&json!({"enabled": false})));
    assert_eq!(r.status, 409);
    assert_eq!(c.api("DELETE", &format!("{}/{id}", idps_path(&app_id)), OPERATOR, None).status, 409);
    let s = with_web_client(c, STATIC_APP.into(), app_id);
    let (_, sub) = b_flow(c, &s, "github");
    assert!(sub.starts_with("usr_"));
}

/// Scripts the static provider's client at the social stand-in (called
/// by `main` once the stand-in is up).
pub fn script_static_client(social_base: &str) -> String {
    let client_id = "static-github-client";
    let body = json!({"client_id": client_id, "client_secret": STATIC_SECRET, "user": {"login": "static", "id": 777}});
    let r = Client::new(0).send_url("POST", &format!("{social_base}/_test/clients"), &[("content-type", "application/json")], Some(body.to_string().as_bytes()));
    assert_eq!(r.status, 204);
    json!([{
        "application": STATIC_APP, "type": "github", "client_id": client_id,
        "client_secret_var": "AERO2_TEST_STATIC_GITHUB_SECRET", "enterprise_url": format!("{social_base}/github"),
    }])
    .to_string()
}

/// On a server of its own whose states live one second, so expiry is
/// observable without waiting ten minutes.
fn an_expired_state_is_refused(_shared: &Client) {
    let server = aero2_tests::Server::start_with(&crate::scratch_dir("rp-expiry"), &[("AERO2_RP_STATE_TTL_MS", "1000")]);
    let c = server.client();
    let s = provision(&c, true);
    let (id, secret) = script(json!({"login": "late", "id": 8080}), json!({}));
    github_with(&c, &s, "github", &id, &secret);
    let mut b = Browser::new();
    let st = start(&c, &s, &mut b);
    let r = b.get(&c, &s.slug, &format!("/rp/authorize/github?request={}", st.request));
    let upstream = r.header("location").unwrap().to_owned();
    let back = Client::new(0).send_url("GET", &upstream, &[], None);
    let callback = back.header("location").unwrap().to_owned();
    let before = users(&c, &s).len();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let late = b.get_url(&c, &callback);
    assert_eq!(late.status, 400, "{}", late.body);
    assert!(late.body.contains("expired or was already used"));
    assert_eq!(users(&c, &s).len(), before, "nothing created");
}

/// A plain OAuth2 provider `slug` on the stand-in's GitHub-shaped
/// endpoints, configured by hand, with its profile at `userinfo`.
fn github_shaped_oauth2(c: &Client, s: &Setup, slug: &str, userinfo: &str, claims: Value, client: (&str, &str)) {
    let gh = format!("{}/github", up().social);
    add_idp(
        c,
        &s.app_id,
        json!({
            "type": "oauth2", "slug": slug, "display_name": slug,
            "authorization_endpoint": format!("{gh}/login/oauth/authorize"),
            "token_endpoint": format!("{gh}/login/oauth/access_token"),
            "userinfo_endpoint": userinfo,
            "token_endpoint_auth_method": "client_secret_post",
            "claims": claims,
            "client_id": client.0, "client_secret": client.1,
        }),
    );
}

/// A plain OAuth2 provider (here the GitHub-shaped endpoints, configured by
/// hand): the profile comes from its UserInfo through the claim mapping,
/// and an address it cannot vouch for stays on the identity, unverified.
fn oauth2_provider_profile_through_a_claim_mapping(c: &Client) {
    let s = provision(c, true);
    let gh = format!("{}/github", up().social);
    let email = format!("{}@mapped.example", unique("m"));
    let (id, secret) = script(json!({"login": "mapped-login", "id": 6060, "email": email, "avatar_url": "https://img.example/a.png"}), json!({}));
    let claims = json!({"subject": "id", "email": "email", "email_verified": null, "name": "login", "picture": "avatar_url"});
    github_shaped_oauth2(c, &s, "acme", &format!("{gh}/api/v3/user"), claims, (&id, &secret));
    let (tokens, sub) = b_flow(c, &s, "acme");
    let u = user(c, &s, &sub);
    assert!(u["email"].is_null(), "no mapping for email_verified: never trusted, kept on the identity only");
    assert_eq!(u["email_verified"], false);
    let ids = identities(c, &s, tokens.access_token().secret());
    assert_eq!((ids[0]["email"].as_str(), ids[0]["email_verified"].as_bool()), (Some(email.as_str()), Some(false)));
    assert_eq!(u["name"], "mapped-login");
    assert_eq!(u["picture"], "https://img.example/a.png");
}

/// Pre-claiming: an identity provider that does not vouch for an address
/// cannot make it the address of a local account, so the real owner signs
/// up, resets and links as if the provider had never named it.
fn an_unverified_upstream_address_claims_no_account(c: &Client) {
    let s = provision(c, true);
    let victim = format!("{}@example.com", unique("victim"));
    let gsub = unique("g");
    google_idp(c, &s, json!({"sub": gsub, "email": victim, "email_verified": false, "name": "Not The Owner"}), json!({}));
    let (tokens, squatter) = b_flow(c, &s, "google");
    let u = user(c, &s, &squatter);
    assert!(u["email"].is_null(), "an unverified upstream address became the account's: {u}");
    // The provider's claim is kept apart, on the identity, as unverified.
    let ids = identities(c, &s, tokens.access_token().secret());
    assert_eq!((ids[0]["email"].as_str(), ids[0]["email_verified"].as_bool()), (Some(victim.as_str()), Some(false)));
    // The real owner signs up with the address: an account of their own.
    let r = crate::signup::sign_up_with(c, &s, &victim, "the owner's password");
    assert_eq!(r.status, 303, "{}", r.body);
    let owner = users(c, &s).into_iter().find(|u| u["email"] == victim.as_str()).expect("the owner's account");
    assert_ne!(owner["id"], squatter.as_str());
    // The provider still signs into the squatter's own account, never the owner's.
    let (_, again) = b_flow(c, &s, "google");
    assert_eq!(again, squatter);
}

/// Whoever proves they hold the account's mailbox (a completed reset)
/// removes the provider links that never proved an address.
fn a_reset_unlinks_identities_that_never_proved_the_address(c: &Client) {
    let s = provision(c, true);
    let gh_id = 6_000_000 + unique("n").len() as u64;
    let unproven = format!("{}@elsewhere.example", unique("e"));
    let (id, secret) = script(json!({"login": "unproven", "id": gh_id}), json!({"emails": [{"email": unproven, "primary": true, "verified": false, "visibility": null}]}));
    github_with(c, &s, "github", &id, &secret);
    let (tokens, sub) = b_flow(c, &s, "github");
    assert!(user(c, &s, &sub)["email"].is_null());
    // The account gets an address, confirmed by its link.
    let owned = format!("{}@example.com", unique("owned"));
    let at = tokens.access_token().secret();
    let r = c.send("POST", &s.slug, "/account/email", &[("authorization", &format!("Bearer {at}")), ("content-type", "application/json")], Some(&json!({"email": owned}).to_string()));
    r.assert_status(200);
    let link = aero2_tests::link_in(c.mail_to(&s.app_id, &owned, "email_change", 1)[0]["body"].as_str().unwrap(), "/verify?token=").unwrap();
    crate::security::confirm(c, &s.slug, &link).assert_status(200);
    assert_eq!(user(c, &s, &sub)["email"], owned.as_str());
    // The mailbox's holder resets the password.
    crate::recovery::ask_reset(c, &s, &owned).assert_status(200);
    let token = crate::recovery::token_in(c.mail_to(&s.app_id, &owned, "password_reset", 1)[0]["body"].as_str().unwrap());
    crate::recovery::reset(c, &s, &token, "a brand new passphrase").assert_status(200);
    let before = users(c, &s).len();
    let (_, again) = b_flow(c, &s, "github");
    assert_ne!(again, sub, "the unproven provider link no longer opens the account");
    assert_eq!(users(c, &s).len(), before + 1);
}

/// The payload of a JWT.
fn payload(jwt: &str) -> Value {
    crate::security::jwt_claims(jwt)
}

fn amr_says_how_the_user_signed_in(c: &Client) {
    let s = provision(c, true);
    let (tokens, _) = crate::oidc::code_flow(c, &s, &oidc_client(c, &s), &mut Browser::new());
    assert_eq!(payload(&tokens.id_token().unwrap().to_string())["amr"], json!(["pwd"]));
    let gsub = unique("g");
    google_idp(c, &s, json!({"sub": gsub, "email": format!("{gsub}@gmail.example"), "email_verified": true, "name": "G"}), json!({}));
    let (tokens, _) = b_flow(c, &s, "google");
    assert_eq!(payload(&tokens.id_token().unwrap().to_string())["amr"], json!(["fed"]), "a federated sign-in is not a password");
    let rt = tokens.refresh_token().expect("offline_access").secret().clone();
    let r = crate::security::token_request(c, &s, &s.client_id, &s.client_secret, &[("grant_type", "refresh_token"), ("refresh_token", &rt)]);
    r.assert_status(200);
    assert_eq!(payload(r.json()["id_token"].as_str().unwrap())["amr"], json!(["fed"]), "refresh carries it forward");
}

fn upstream_redirects_are_not_followed(c: &Client) {
    let s = provision(c, true);
    let gh = format!("{}/github", up().social);
    let (id, secret) = script(json!({"login": "bounced", "id": 4040}), json!({}));
    let bounce = format!("{}/_test/redirect?to={}", up().social, crate::oidc::enc(&format!("{gh}/api/v3/user")));
    github_shaped_oauth2(c, &s, "bounce", &bounce, json!({"subject": "id", "name": "login"}), (&id, &secret));
    let before = users(c, &s).len();
    let mut b = Browser::new();
    let st = start(c, &s, &mut b);
    let back = through(c, &s, &mut b, &st, "bounce", "");
    assert_client_error(c, &s, &st, &back, "server_error");
    assert_eq!(users(c, &s).len(), before, "nothing created from a redirected answer");
}

fn the_provider_redirect_is_rate_limited(c: &Client) {
    let s = provision(c, true);
    let p = json!({"settings": {"rate_limits": {"rp_authorize_per_ip": {"max": 2, "window_seconds": 60}}}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&p)).assert_status(200);
    let (id, secret) = script(json!({"login": "limited", "id": 2929}), json!({}));
    github_with(c, &s, "github", &id, &secret);
    let mut b = Browser::new();
    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            let st = start(c, &s, &mut b);
            b.get(c, &s.slug, &format!("/rp/authorize/github?request={}", st.request)).status
        })
        .collect();
    assert_eq!(statuses, vec![303, 303, 429]);
}

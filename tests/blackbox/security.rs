//! The outside review's findings, each as an attacker would try it:
//! takeover through the account API, restricted sign-up bypassed on the
//! hosted form, accounts pre-claimed through an identity provider, and
//! unauthenticated traffic driving the shared signer. Each test asserts
//! what exists afterwards, not only the status.

use crate::oidc::{issuer, provision, sign_in, Setup, PASSWORD, REDIRECT};
use crate::signup::{sign_up_with, user_count, with_signup};
use crate::Test;
use aero2_tests::browser::{hidden_field, query_param, Browser};
use aero2_tests::{link_in, unique, Client, Resp, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("account_api_takes_only_tokens_issued_for_it", account_api_takes_only_tokens_issued_for_it),
        ("email_change_needs_presence_and_the_old_address_can_undo_it", email_change_needs_presence_and_the_old_address_can_undo_it),
        ("registered_addresses_are_not_revealed", registered_addresses_are_not_revealed),
        ("restricted_sign_up_creates_nothing_until_the_address_is_proven", restricted_sign_up_creates_nothing_until_the_address_is_proven),
        ("unknown_kids_do_not_drive_the_signer", unknown_kids_do_not_drive_the_signer),
        ("health_shows_internals_to_the_operator_only", health_shows_internals_to_the_operator_only),
    ]
}

/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A client registered through the management API: (client_id, secret).
pub fn register_client(c: &Client, s: &Setup, body: Value) -> (String, String) {
    let r = c.api("POST", &format!("/applications/{}/clients", s.app_id), OPERATOR, Some(&body));
    r.assert_status(201);
    let j = r.json();
    (j["client_id"].as_str().unwrap().to_owned(), j["client_secret"].as_str().unwrap_or_default().to_owned())
}

/// A token request, the client authenticated with Basic.
pub fn token_request(c: &Client, s: &Setup, client_id: &str, secret: &str, form: &[(&str, &str)]) -> Resp {
    let auth = aero2_tests::basic_auth(client_id, secret);
    let body = aero2_tests::browser::form_encode(form);
    c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(&body))
}

/// The authorization request (path and query) for `client_id` with `scope`.
pub fn authorize_path(client_id: &str, scope: &str) -> String {
    format!(
        "/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope={}&state=st&code_challenge={CHALLENGE}&code_challenge_method=S256",
        crate::oidc::enc(REDIRECT),
        crate::oidc::enc(scope)
    )
}

/// The same as an absolute URL.
pub fn authorize_url(c: &Client, s: &Setup, client_id: &str, scope: &str) -> String {
    format!("{}{}", issuer(c, &s.slug), authorize_path(client_id, scope))
}

/// The code flow for a confidential client, signing in as `s`'s user in
/// browser `b`: the token response.
pub fn tokens(c: &Client, s: &Setup, b: &mut Browser, client: (&str, &str), scope: &str) -> Value {
    let back = sign_in(c, b, &s.slug, &authorize_url(c, s, client.0, scope), &s.email, PASSWORD);
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code: {back}"));
    let r = token_request(c, s, client.0, client.1, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)]);
    r.assert_status(200);
    r.json()
}

/// A call to the account API with a bearer token.
pub fn account(c: &Client, s: &Setup, method: &str, path: &str, token: &str, body: Option<Value>) -> Resp {
    let auth = format!("Bearer {token}");
    let text = body.map(|b| b.to_string());
    let mut headers = vec![("authorization", auth.as_str())];
    if text.is_some() {
        headers.push(("content-type", "application/json"));
    }
    c.send(method, &s.slug, path, &headers, text.as_deref())
}

/// The decoded payload of a JWT.
pub fn jwt_claims(jwt: &str) -> Value {
    serde_json::from_slice(&crate::oidc::b64(jwt.split('.').nth(1).unwrap())).unwrap()
}

/// The user as the management API shows it.
pub fn user_json(c: &Client, s: &Setup, user_id: &str) -> Value {
    let r = c.api("GET", &format!("/applications/{}/users/{user_id}", s.app_id), OPERATOR, None);
    r.assert_status(200);
    r.json()
}

/// Opens a confirmation link like a person would: the GET shows a page
/// (mail scanners that fetch links use nothing up), its button POSTs.
pub fn confirm(c: &Client, slug: &str, link: &str) -> Resp {
    let mut b = Browser::new();
    let page = b.get(c, slug, link);
    if page.status != 200 {
        return page;
    }
    // A page without the button is the final answer (an expired link).
    let (Some(token), Some(csrf)) = (hidden_field(&page.body, "token"), hidden_field(&page.body, "csrf_token")) else {
        return page;
    };
    b.post_form(c, slug, "/verify", &[("token", &token), ("csrf_token", &csrf)])
}

/// `prompt=none` in browser `b`: "code" while its session lives, else the
/// error code.
pub fn silent(c: &Client, s: &Setup, b: &mut Browser) -> String {
    let r = b.get(c, &s.slug, &format!("{}&prompt=none", authorize_path(&s.client_id, "openid")));
    let loc = r.header("location").unwrap_or_default().to_owned();
    query_param(&loc, "error").or_else(|| query_param(&loc, "code").map(|_| "code".to_owned())).unwrap_or_else(|| format!("{}: {}", r.status, r.body))
}

fn challenge(r: &Resp) -> String {
    r.header("www-authenticate").unwrap_or_default().to_owned()
}

fn account_api_takes_only_tokens_issued_for_it(c: &Client) {
    let s = provision(c, true);
    let attacker = format!("{}@attacker.example", unique("evil"));
    // A third-party client of the same application, signed into by the
    // user with nothing but `openid` (what the review did).
    let third = register_client(c, &s, json!({"name": "Other app", "redirect_uris": [REDIRECT], "first_party": false, "scopes": "openid email"}));
    let t = tokens(c, &s, &mut Browser::new(), (&third.0, &third.1), "openid");
    let at = t["access_token"].as_str().unwrap();
    let r = account(c, &s, "POST", "/account/email", at, Some(json!({"email": attacker})));
    r.assert_error(403, "insufficient_scope");
    let ch = challenge(&r);
    assert!(ch.starts_with("Bearer ") && ch.contains("error=\"insufficient_scope\"") && ch.contains("scope=\"account\""), "{ch}");
    account(c, &s, "GET", "/account/profile", at, None).assert_error(403, "insufficient_scope");
    account(c, &s, "GET", "/account/sessions", at, None).assert_error(403, "insufficient_scope");
    assert_eq!(user_json(c, &s, &s.user_id)["email"], s.email.as_str(), "nothing changed");
    // The account scope is first-party only: at registration, on update,
    // and at the authorization endpoint.
    let r = c.api("POST", &format!("/applications/{}/clients", s.app_id), OPERATOR, Some(&json!({"name": "x", "redirect_uris": [REDIRECT], "scopes": "openid account"})));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "scopes");
    let r = c.api("PATCH", &format!("/applications/{}/clients/{}", s.app_id, third.0), OPERATOR, Some(&json!({"scopes": "openid account"})));
    r.assert_error(400, "invalid_request");
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &authorize_path(&third.0, "openid account"));
    assert_eq!(query_param(r.header("location").unwrap_or_default(), "error").as_deref(), Some("invalid_scope"), "{}", r.body);
    // A first-party token without the scope is refused too.
    let first = (s.client_id.as_str(), s.client_secret.as_str());
    let plain = tokens(c, &s, &mut Browser::new(), first, "openid profile");
    account(c, &s, "GET", "/account/profile", plain["access_token"].as_str().unwrap(), None).assert_error(403, "insufficient_scope");
    // With it, the token's audience names the account API.
    let full = tokens(c, &s, &mut Browser::new(), first, "openid account");
    let claims = jwt_claims(full["access_token"].as_str().unwrap());
    let aud: Vec<&str> = claims["aud"].as_array().expect("aud is a list").iter().filter_map(Value::as_str).collect();
    assert!(aud.contains(&format!("{}/account", issuer(c, &s.slug)).as_str()), "{claims}");
    assert!(claims["scope"].as_str().unwrap().split(' ').any(|t| t == "account"));
    let full_at = full["access_token"].as_str().unwrap().to_owned();
    account(c, &s, "GET", "/account/profile", &full_at, None).assert_status(200);
    // A client acting for itself never gets it.
    token_request(c, &s, first.0, first.1, &[("grant_type", "client_credentials"), ("scope", "account")]).assert_error(400, "invalid_scope");
    // A disabled client's tokens stop working, and so does the client.
    let clients = format!("/applications/{}/clients/{}", s.app_id, s.client_id);
    let r = c.api("PATCH", &clients, OPERATOR, Some(&json!({"disabled": true})));
    r.assert_status(200);
    assert_eq!(r.json()["disabled"], true);
    let r = account(c, &s, "GET", "/account/profile", &full_at, None);
    r.assert_error(401, "invalid_token");
    assert!(challenge(&r).contains("error=\"invalid_token\""));
    token_request(c, &s, first.0, first.1, &[("grant_type", "client_credentials")]).assert_error(401, "invalid_client");
    c.api("PATCH", &clients, OPERATOR, Some(&json!({"disabled": false}))).assert_status(200);
    account(c, &s, "GET", "/account/profile", &full_at, None).assert_status(200);
    // A deleted client's tokens stop working at once.
    assert_eq!(c.api("DELETE", &clients, OPERATOR, None).status, 204);
    account(c, &s, "GET", "/account/profile", &full_at, None).assert_error(401, "invalid_token");
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {full_at}"))], None).assert_error(401, "invalid_token");
}

fn email_change_needs_presence_and_the_old_address_can_undo_it(c: &Client) {
    // Right after signing in, presence is proven by the sign-in itself.
    let fresh = provision(c, true);
    let first = (fresh.client_id.as_str(), fresh.client_secret.as_str());
    let t = tokens(c, &fresh, &mut Browser::new(), first, "openid account");
    let r = account(c, &fresh, "POST", "/account/email", t["access_token"].as_str().unwrap(), Some(json!({"email": format!("{}@example.com", unique("n"))})));
    r.assert_status(200);

    let s = provision(c, true);
    let settings = json!({"settings": {"recent_sign_in_seconds": 1}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&settings)).assert_status(200);
    let first = (s.client_id.as_str(), s.client_secret.as_str());
    let mut mine = Browser::new();
    let t = tokens(c, &s, &mut mine, first, "openid offline_access account");
    let at = t["access_token"].as_str().unwrap().to_owned();
    let mut elsewhere = Browser::new();
    let other = tokens(c, &s, &mut elsewhere, first, "openid offline_access account");
    // A reset link for the old address, asked for before the change.
    crate::recovery::ask_reset(c, &s, &s.email).assert_status(200);
    let reset_mail = c.mail_to(&s.app_id, &s.email, "password_reset", 1);
    let old_reset = crate::recovery::token_in(reset_mail[0]["body"].as_str().unwrap());
    // auth_time has whole seconds: after 2.1 s the sign-in is at least 2 s old.
    std::thread::sleep(std::time::Duration::from_millis(2_100));

    let new_email = format!("{}@example.com", unique("moved"));
    let r = account(c, &s, "POST", "/account/email", &at, Some(json!({"email": new_email})));
    r.assert_error(401, "insufficient_user_authentication");
    let ch = challenge(&r);
    assert!(ch.contains("error=\"insufficient_user_authentication\"") && ch.contains("max_age=\"1\""), "RFC 9470: {ch}");
    account(c, &s, "POST", "/account/email", &at, Some(json!({"email": new_email, "current_password": "not it"}))).assert_error(403, "forbidden");
    let r = account(c, &s, "POST", "/account/email", &at, Some(json!({"email": new_email, "current_password": PASSWORD})));
    r.assert_status(200);
    assert_eq!(r.json()["pending_email"], new_email.as_str());
    let mail = c.mail_to(&s.app_id, &new_email, "email_change", 1);
    let link = link_in(mail[0]["body"].as_str().unwrap(), "/verify?token=").unwrap();
    assert_eq!(c.get(&s.slug, &link).status, 200, "the GET only shows the button");
    let done = confirm(c, &s.slug, &link);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Email changed"));
    assert_eq!(user_json(c, &s, &s.user_id)["email"], new_email.as_str());

    // The caller's own token and session go on; every other ends.
    account(c, &s, "GET", "/account/profile", &at, None).assert_status(200);
    account(c, &s, "GET", "/account/profile", other["access_token"].as_str().unwrap(), None).assert_error(401, "invalid_token");
    let r = token_request(c, &s, first.0, first.1, &[("grant_type", "refresh_token"), ("refresh_token", other["refresh_token"].as_str().unwrap())]);
    r.assert_error(400, "invalid_grant");
    assert_eq!(silent(c, &s, &mut elsewhere), "login_required");
    assert_eq!(silent(c, &s, &mut mine), "code");
    // The reset link sent to the old address no longer works.
    assert_eq!(crate::recovery::reset(c, &s, &old_reset, "a brand new passphrase").status, 400);

    // The old address is told, and its link gives the account back.
    let told = c.mail_to(&s.app_id, &s.email, "email_changed", 1);
    let body = told[0]["body"].as_str().unwrap();
    assert!(body.contains(&new_email), "{body}");
    let undo = crate::recovery::token_in(body);
    let r = crate::recovery::reset(c, &s, &undo, "the owner's own passphrase");
    assert_eq!(r.status, 200, "{}", r.body);
    let u = user_json(c, &s, &s.user_id);
    assert_eq!((u["email"].as_str(), u["email_verified"].as_bool()), (Some(s.email.as_str()), Some(true)));
    account(c, &s, "GET", "/account/profile", &at, None).assert_error(401, "invalid_token");
    assert_eq!(silent(c, &s, &mut mine), "login_required", "undoing signs out everywhere");
    assert_eq!(crate::recovery::sign_in(c, &s, "the owner's own passphrase"), 303);
    assert_eq!(crate::recovery::reset(c, &s, &undo, "once more").status, 400, "the undo link works once");
}

fn registered_addresses_are_not_revealed(c: &Client) {
    // Sign-up that must prove the address: the same page for a taken
    // address as for a new one; the owner is told by mail instead.
    let s = provision(c, true);
    let settings = json!({"settings": {"email_verification": "required"}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&settings)).assert_status(200);
    let fresh = format!("{}@example.com", unique("fresh"));
    let new = sign_up_with(c, &s, &fresh, "a long enough password");
    let taken = sign_up_with(c, &s, &s.email, "a long enough password");
    assert_eq!((new.status, taken.status), (200, 200), "{}", taken.body);
    assert_eq!(new.body.replace(&fresh, "ADDRESS"), taken.body.replace(&s.email, "ADDRESS"));
    for r in [&new, &taken] {
        assert!(r.header("location").is_none());
        assert!(!r.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.starts_with("aero2_session=")));
    }
    let told = c.mail_to(&s.app_id, &s.email, "address_in_use", 1);
    assert!(link_in(told[0]["body"].as_str().unwrap(), "/verify?token=").is_none());
    assert_eq!(user_count(c, &s), 1);
    // With verification optional, a taken address is not "already exists"
    // either.
    let open = provision(c, true);
    let r = sign_up_with(c, &open, &open.email, "a long enough password");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Check your email") && !r.body.contains("already"));
    c.mail_to(&open.app_id, &open.email, "address_in_use", 1);

    // Moving an account to another account's address: the same answer as
    // for a free address, and no confirmation link exists anywhere.
    let first = (open.client_id.as_str(), open.client_secret.as_str());
    let at = tokens(c, &open, &mut Browser::new(), first, "openid account")["access_token"].as_str().unwrap().to_owned();
    let owner = format!("{}@example.com", unique("owner"));
    c.api("POST", &format!("/applications/{}/users", open.app_id), OPERATOR, Some(&json!({"email": owner, "password": "another password"}))).assert_status(201);
    let r = account(c, &open, "POST", "/account/email", &at, Some(json!({"email": owner})));
    r.assert_status(200);
    assert_eq!(r.json(), json!({"pending_email": owner}));
    let told = c.mail_to(&open.app_id, &owner, "address_in_use", 1);
    assert!(link_in(told[0]["body"].as_str().unwrap(), "/verify?token=").is_none());
    assert!(c.outbox(&open.app_id).iter().all(|m| m["kind"] != "email_change"));
}

fn restricted_sign_up_creates_nothing_until_the_address_is_proven(c: &Client) {
    let s = with_signup(c, json!({"mode": "open", "allowed_domains": ["corp.example"]}));
    let email = format!("{}@corp.example", unique("anyone"));
    // The attacker types an address at the allowed domain: no account, no
    // session, no code.
    let r = sign_up_with(c, &s, &email, "the attacker's password");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Check your email"));
    assert!(r.header("location").is_none(), "not sent back to the client with a code");
    assert!(!r.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.starts_with("aero2_session=")));
    assert_eq!(user_count(c, &s), 1, "nothing created");
    // The real owner signs up too, and proves the address.
    sign_up_with(c, &s, &email, "the owner's password").assert_status(200);
    let links: Vec<String> = c.mail_to(&s.app_id, &email, "email_verification", 2).iter().map(|m| link_in(m["body"].as_str().unwrap(), "/verify?token=").unwrap()).collect();
    let done = confirm(c, &s.slug, &links[1]);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(user_count(c, &s), 2);
    assert_eq!(crate::signup::sign_in_as(c, &s, &email, "the owner's password").status, 303);
    assert_eq!(crate::signup::sign_in_as(c, &s, &email, "the attacker's password").status, 401);
    // The other link cannot take the address over any more.
    assert_eq!(confirm(c, &s.slug, &links[0]).status, 409);
    assert_eq!(crate::signup::sign_in_as(c, &s, &email, "the attacker's password").status, 401);
    assert_eq!(user_count(c, &s), 2);

    // Invite-only: squatting an invited address neither creates the
    // account nor uses the invitation up.
    let s = with_signup(c, json!({"mode": "invite_only"}));
    let invited = format!("{}@example.com", unique("invited"));
    let invitations = format!("/applications/{}/invitations", s.app_id);
    c.api("POST", &invitations, OPERATOR, Some(&json!({"email": invited}))).assert_status(201);
    sign_up_with(c, &s, &invited, "the squatter's password").assert_status(200);
    assert_eq!(user_count(c, &s), 1);
    assert!(c.api("GET", &invitations, OPERATOR, None).json()["invitations"][0]["accepted_at"].is_null());
    let link = link_in(c.mail_to(&s.app_id, &invited, "email_verification", 1)[0]["body"].as_str().unwrap(), "/verify?token=").unwrap();
    confirm(c, &s.slug, &link).assert_status(200);
    assert_eq!(user_count(c, &s), 2);
    assert!(c.api("GET", &invitations, OPERATOR, None).json()["invitations"][0]["accepted_at"].is_i64());
    // The policy is checked again when the link is used: an invitation
    // withdrawn meanwhile admits nobody.
    let withdrawn = format!("{}@example.com", unique("withdrawn"));
    c.api("POST", &invitations, OPERATOR, Some(&json!({"email": withdrawn}))).assert_status(201);
    sign_up_with(c, &s, &withdrawn, "a long enough password").assert_status(200);
    let link = link_in(c.mail_to(&s.app_id, &withdrawn, "email_verification", 1)[0]["body"].as_str().unwrap(), "/verify?token=").unwrap();
    assert_eq!(c.api("DELETE", &format!("{invitations}/{withdrawn}"), OPERATOR, None).status, 204);
    assert_eq!(confirm(c, &s.slug, &link).status, 403);
    assert_eq!(user_count(c, &s), 2);
}

/// A JWT that looks like one of ours but names a key nobody has.
fn unknown_kid_token(iss: &str) -> String {
    let enc = |v: &Value| b64url(v.to_string().as_bytes());
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": unique("kid")});
    let claims = json!({"iss": iss, "sub": "usr_x", "aud": iss, "exp": 4_000_000_000u64, "iat": 1_700_000_000u64, "jti": unique("j"), "client_id": "cl_x", "scope": "openid account"});
    format!("{}.{}.{}", enc(&header), enc(&claims), b64url(&[7u8; 64]))
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8) | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The operator's view of an application's health.
fn operator_health(c: &Client, slug: &str) -> Value {
    let r = c.send("GET", slug, "/.well-known/aero2-health", &[("authorization", &format!("Bearer {OPERATOR}"))], None);
    r.assert_status(200);
    r.json()
}

fn unknown_kids_do_not_drive_the_signer(c: &Client) {
    let s = provision(c, true);
    let iss = issuer(c, &s.slug);
    // Warm the object's key cache with one real verification.
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {}", unknown_kid_token(&iss)))], None);
    let before = operator_health(c, &s.slug)["key_cache"]["signer_fetches"].as_u64().expect("signer_fetches");
    let basic = aero2_tests::basic_auth(&s.client_id, &s.client_secret);
    for _ in 0..8 {
        let bearer = format!("Bearer {}", unknown_kid_token(&iss));
        c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &bearer)], None).assert_error(401, "invalid_token");
        c.send("GET", &s.slug, "/account/profile", &[("authorization", &bearer)], None).assert_error(401, "invalid_token");
        let form = format!("token={}", unknown_kid_token(&iss));
        let headers = [("content-type", "application/x-www-form-urlencoded"), ("authorization", basic.as_str())];
        c.send("POST", &s.slug, "/oauth2/revoke", &headers, Some(&form)).assert_status(200);
        assert_eq!(c.send("POST", &s.slug, "/oauth2/introspect", &headers, Some(&form)).json()["active"], false);
        let hint = format!("/oauth2/logout?id_token_hint={}", unknown_kid_token(&iss));
        assert_eq!(c.get(&s.slug, &hint).status, 400);
    }
    let after = operator_health(c, &s.slug)["key_cache"]["signer_fetches"].as_u64().unwrap();
    assert!(after - before <= 1, "40 requests with unknown kids made {} signer fetches", after - before);
}

fn health_shows_internals_to_the_operator_only(c: &Client) {
    let s = provision(c, true);
    let anonymous = c.get(&s.slug, "/.well-known/aero2-health");
    anonymous.assert_status(200);
    assert_eq!(anonymous.json(), json!({"status": "ok"}));
    let checks = |h: &Value| h["durable_object"]["storage"]["health_checks"].as_u64().expect("health_checks");
    let first = checks(&operator_health(c, &s.slug));
    for _ in 0..3 {
        assert_eq!(c.get(&s.slug, "/.well-known/aero2-health").json(), json!({"status": "ok"}));
    }
    let h = operator_health(c, &s.slug);
    assert_eq!(checks(&h), first + 1, "anonymous checks touched no storage");
    assert_eq!(h["application"]["slug"], s.slug.as_str());
    assert!(h["jwks_signer"]["keys"].is_u64());
    // An application's own key, or anything else, is not the operator.
    let sk = c.create_key(&s.app_id, "sk")["key"].as_str().unwrap().to_owned();
    for credential in [sk.as_str(), "aero2_op_guess"] {
        let r = c.send("GET", &s.slug, "/.well-known/aero2-health", &[("authorization", &format!("Bearer {credential}"))], None);
        r.assert_error(401, "unauthorized");
        assert!(r.json().get("durable_object").is_none());
    }
}

//! The sign-up policy on the hosted pages: open, invite-only, restricted to
//! listed domains, or disabled. Refused sign-ups create nothing; where the
//! address decides (invitations, domains) or must be verified, nothing
//! exists until its link is used.

use crate::oidc::{enc, provision, Setup, REDIRECT};
use crate::Test;
use aero2_tests::browser::{hidden_field, Browser};
use aero2_tests::{link_in, unique, Client, Resp, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("open_sign_up_creates_the_account_once", open_sign_up_creates_the_account_once),
        ("disabled_sign_up_is_closed", disabled_sign_up_is_closed),
        ("settings_changes_take_effect_at_once", settings_changes_take_effect_at_once),
        ("invite_only_needs_an_invitation", invite_only_needs_an_invitation),
        ("sign_up_can_be_limited_to_domains", sign_up_can_be_limited_to_domains),
        ("optional_verification_confirms_the_address_once", optional_verification_confirms_the_address_once),
        ("required_verification_blocks_sign_in_until_confirmed", required_verification_blocks_sign_in_until_confirmed),
    ]
}

pub fn with_signup(c: &Client, policy: Value) -> Setup {
    let s = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"signup": policy}}))).assert_status(200);
    s
}

/// Starts a sign-in and returns the browser at the login page's HTML.
fn login_page(c: &Client, s: &Setup, b: &mut Browser) -> Resp {
    let path = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        s.client_id,
        enc(REDIRECT)
    );
    let r = b.get(c, &s.slug, &path);
    b.get(c, &s.slug, r.header("location").expect("to /login"))
}

fn sign_up(c: &Client, s: &Setup, email: &str) -> Resp {
    sign_up_with(c, s, email, "a long enough password")
}

/// The hosted sign-up form, filled in and sent from a fresh browser.
pub fn sign_up_with(c: &Client, s: &Setup, email: &str, password: &str) -> Resp {
    let mut b = Browser::new();
    let login = login_page(c, s, &mut b);
    let request = hidden_field(&login.body, "request").unwrap();
    let page = b.get(c, &s.slug, &format!("/signup?request={request}"));
    page.assert_status(200);
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    b.post_form(c, &s.slug, "/signup", &[("request", &request), ("csrf_token", &csrf), ("email", email), ("password", password), ("name", "New Person")])
}

pub fn user_count(c: &Client, s: &Setup) -> usize {
    c.api("GET", &format!("/applications/{}/users", s.app_id), OPERATOR, None).json()["users"].as_array().unwrap().len()
}

fn open_sign_up_creates_the_account_once(c: &Client) {
    let s = provision(c, true);
    let email = format!("{}@example.com", unique("new"));
    let r = sign_up(c, &s, &email);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").unwrap().starts_with(REDIRECT), "signed in and back to the client");
    assert_eq!(user_count(c, &s), 2);
    // Again: the same "check your email" whatever the case, and the owner
    // hears of it; nothing new exists.
    let again = sign_up(c, &s, &email.to_uppercase());
    assert_eq!(again.status, 200);
    assert!(again.body.contains("Check your email"));
    c.mail_to(&s.app_id, &email, "address_in_use", 1);
    assert_eq!(user_count(c, &s), 2);
}

fn disabled_sign_up_is_closed(c: &Client) {
    let s = with_signup(c, json!({"mode": "disabled"}));
    let mut b = Browser::new();
    let login = login_page(c, &s, &mut b);
    assert!(!login.body.contains("/signup"), "no sign-up link on the login page");
    let request = hidden_field(&login.body, "request").unwrap();
    assert_eq!(b.get(c, &s.slug, &format!("/signup?request={request}")).status, 403);
    let csrf = hidden_field(&login.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/signup", &[("request", &request), ("csrf_token", &csrf), ("email", "x@example.com"), ("password", "a long enough password")]);
    assert_eq!(r.status, 403);
    assert_eq!(user_count(c, &s), 1, "nothing created");
}

/// A PATCH reaches the application's object as a command: the very next
/// request acts on the new settings, though the front Worker still holds
/// the old record in its cache (for 30 s); that first answer also hands
/// the Worker the new record, so CORS follows at once too.
fn settings_changes_take_effect_at_once(c: &Client) {
    let s = provision(c, true);
    let origin = "https://spa.example.com";
    let mut b = Browser::new();
    let login = login_page(c, &s, &mut b);
    let request = hidden_field(&login.body, "request").unwrap();
    assert_eq!(b.get(c, &s.slug, &format!("/signup?request={request}")).status, 200, "open by default");
    let before = c.send("GET", &s.slug, "/.well-known/openid-configuration", &[("origin", origin)], None);
    assert_eq!(before.header("access-control-allow-origin"), None);
    let patch = json!({"settings": {"signup": {"mode": "disabled"}, "allowed_origins": [origin]}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&patch)).assert_status(200);
    assert_eq!(b.get(c, &s.slug, &format!("/signup?request={request}")).status, 403, "closed at once");
    let after = c.send("GET", &s.slug, "/.well-known/openid-configuration", &[("origin", origin)], None);
    assert_eq!(after.header("access-control-allow-origin"), Some(origin));
    assert_eq!(after.header("x-aero2-application"), None, "the record never leaves the platform");
    let preflight = c.send("OPTIONS", &s.slug, "/oauth2/token", &[("origin", origin), ("access-control-request-method", "POST")], None);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(origin), "the Worker's cache has the new record");
}

fn invite_only_needs_an_invitation(c: &Client) {
    let s = with_signup(c, json!({"mode": "invite_only"}));
    let email = format!("{}@example.com", unique("guest"));
    let r = sign_up(c, &s, &email);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("invitation"));
    assert_eq!(user_count(c, &s), 1);

    let invitations = format!("/applications/{}/invitations", s.app_id);
    c.api("POST", &invitations, OPERATOR, Some(&json!({"email": "not an email"}))).assert_error(400, "invalid_request");
    let inv = c.api("POST", &invitations, OPERATOR, Some(&json!({"email": email.to_uppercase()})));
    inv.assert_status(201);
    assert_eq!(inv.json()["email"], email.as_str());
    assert!(inv.json()["accepted_at"].is_null());
    // The invited address signs up by its link.
    assert_eq!(sign_up(c, &s, &email).status, 200);
    let links = verification_links(c, &s, &email, 1);
    assert_eq!(crate::security::confirm(c, &s.slug, &links[0]).status, 200);
    assert_eq!(user_count(c, &s), 2);
    let listed = c.api("GET", &invitations, OPERATOR, None).json();
    assert!(listed["invitations"][0]["accepted_at"].as_i64().is_some());
    // Invitations are per application.
    let other = provision(c, true);
    let other_sk = c.create_key(&other.app_id, "sk")["key"].as_str().unwrap().to_owned();
    c.api("GET", &invitations, &other_sk, None).assert_error(404, "not_found");
    assert_eq!(c.api("DELETE", &format!("{invitations}/{email}"), OPERATOR, None).status, 204);
    c.api("DELETE", &format!("{invitations}/{email}"), OPERATOR, None).assert_error(404, "not_found");
}

fn sign_up_can_be_limited_to_domains(c: &Client) {
    let s = with_signup(c, json!({"mode": "open", "allowed_domains": ["corp.example"]}));
    let r = sign_up(c, &s, &format!("{}@gmail.example", unique("out")));
    assert_eq!(r.status, 403);
    assert!(r.body.contains("domains"));
    let inside = format!("{}@corp.example", unique("in"));
    assert_eq!(sign_up(c, &s, &inside).status, 200, "a link to prove the address, nothing else yet");
    assert_eq!(user_count(c, &s), 1);
    let links = verification_links(c, &s, &inside, 1);
    assert_eq!(crate::security::confirm(c, &s.slug, &links[0]).status, 200);
    assert_eq!(user_count(c, &s), 2);
    let bad = json!({"settings": {"signup": {"mode": "open", "allowed_domains": ["not a domain"]}}});
    let r = c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&bad));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "settings.signup.allowed_domains");
}

/// The confirmation links mailed to `email`, oldest first, once there are `n`.
fn verification_links(c: &Client, s: &Setup, email: &str, n: usize) -> Vec<String> {
    c.mail_to(&s.app_id, email, "email_verification", n)
        .iter()
        .map(|m| link_in(m["body"].as_str().unwrap(), "/verify?token=").unwrap())
        .collect()
}

fn user_json(c: &Client, s: &Setup, email: &str) -> Value {
    let users = c.api("GET", &format!("/applications/{}/users", s.app_id), OPERATOR, None).json();
    users["users"].as_array().unwrap().iter().find(|u| u["email"] == email).cloned().expect("user")
}

pub fn sign_in_as(c: &Client, s: &Setup, email: &str, password: &str) -> Resp {
    let mut b = Browser::new();
    let login = login_page(c, s, &mut b);
    let request = hidden_field(&login.body, "request").unwrap();
    let csrf = hidden_field(&login.body, "csrf_token").unwrap();
    b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", email), ("password", password)])
}

fn optional_verification_confirms_the_address_once(c: &Client) {
    let s = provision(c, true);
    let email = format!("{}@example.com", unique("verify"));
    assert_eq!(sign_up(c, &s, &email).status, 303, "optional: signed in at once");
    assert_eq!(user_json(c, &s, &email)["email_verified"], false);
    let links = verification_links(c, &s, &email, 1);
    assert_eq!(links.len(), 1);
    // A scanner's GET uses nothing up; the button does.
    assert_eq!(c.get(&s.slug, &links[0]).status, 200);
    assert_eq!(user_json(c, &s, &email)["email_verified"], false);
    let ok = crate::security::confirm(c, &s.slug, &links[0]);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Email confirmed"));
    assert_eq!(user_json(c, &s, &email)["email_verified"], true);
    assert_eq!(crate::security::confirm(c, &s.slug, &links[0]).status, 400, "a link works once");
    assert_eq!(c.get(&s.slug, "/verify?token=vfy_garbage").status, 400);
}

fn required_verification_blocks_sign_in_until_confirmed(c: &Client) {
    let s = provision(c, true);
    let settings = json!({"settings": {"email_verification": "required"}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&settings)).assert_status(200);
    // Sign-up creates nothing and signs nobody in until the link is used.
    let email = format!("{}@example.com", unique("strict"));
    let r = sign_up(c, &s, &email);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Check your email") && r.header("location").is_none());
    assert_eq!(sign_in_as(c, &s, &email, "a long enough password").status, 401, "no account yet");
    let links = verification_links(c, &s, &email, 1);
    assert_eq!(crate::security::confirm(c, &s.slug, &links[0]).status, 200);
    assert_eq!(user_json(c, &s, &email)["email_verified"], true);
    assert_eq!(sign_in_as(c, &s, &email, "a long enough password").status, 303);
    // An account whose address is unconfirmed (made by the operator):
    // signing in re-sends the link instead of signing in.
    let unconfirmed = format!("{}@example.com", unique("unconfirmed"));
    c.api("POST", &format!("/applications/{}/users", s.app_id), OPERATOR, Some(&json!({"email": unconfirmed, "password": "a long enough password"}))).assert_status(201);
    let r = sign_in_as(c, &s, &unconfirmed, "a long enough password");
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Confirm your email"));
    let links = verification_links(c, &s, &unconfirmed, 1);
    assert_eq!(crate::security::confirm(c, &s.slug, &links[0]).status, 200);
    assert_eq!(sign_in_as(c, &s, &unconfirmed, "a long enough password").status, 303);
    // The wrong password is still just wrong (nothing about verification).
    assert_eq!(sign_in_as(c, &s, &unconfirmed, "not the password").status, 401);
    let bad = json!({"settings": {"email_verification": "sometimes"}});
    let r = c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&bad));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "settings.email_verification");
}

//! Second factors: TOTP enrolled through the account API and used at
//! sign-in, with codes computed here (HMAC-SHA-1 per RFC 6238, not the
//! server's code), including drift and replay; recovery codes used once;
//! an application that requires a factor enrolling users on the hosted
//! pages; tokens saying `amr` and `acr`; the second-factor lockout; the
//! operator's reset; and applications that never see each other's factors.

use crate::oidc::{b64, provision, Setup, PASSWORD, REDIRECT};
use crate::security::{account, authorize_path, token_request, tokens};
use crate::Test;
use aero2_tests::browser::{hidden_field, query_param, Browser};
use aero2_tests::{Client, Resp, OPERATOR};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("totp_is_enrolled_then_asked_at_every_sign_in", totp_is_enrolled_then_asked_at_every_sign_in),
        ("an_application_can_require_a_second_factor", an_application_can_require_a_second_factor),
        ("second_factor_codes_are_locked_out_and_kept_to_their_application", second_factor_codes_are_locked_out_and_kept_to_their_application),
        ("a_client_can_ask_for_a_second_factor", a_client_can_ask_for_a_second_factor),
        ("a_remembered_browser_skips_the_second_step_until_it_must_not", a_remembered_browser_skips_the_second_step_until_it_must_not),
    ]
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn base32_decode(s: &str) -> Vec<u8> {
    let (mut out, mut buf, mut bits) = (Vec::new(), 0u32, 0u32);
    for ch in s.bytes() {
        let v = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".iter().position(|&a| a == ch).expect("base32") as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

/// The TOTP code (RFC 6238, SHA-1, 6 digits, 30 s) of `secret` at `step`.
fn totp(secret: &[u8], step: u64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&step.to_be_bytes());
    let d = mac.finalize().into_bytes();
    let o = (d[19] & 0x0f) as usize;
    let n = u32::from_be_bytes([d[o] & 0x7f, d[o + 1], d[o + 2], d[o + 3]]);
    format!("{:06}", n % 1_000_000)
}

/// The current TOTP code of a base32 key.
pub(crate) fn totp_now(key: &str) -> String {
    totp(&base32_decode(key), step_now())
}

fn step_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 30
}

pub(crate) fn account_token(c: &Client, s: &Setup) -> String {
    tokens(c, s, &mut Browser::new(), (&s.client_id, &s.client_secret), "openid account")["access_token"].as_str().unwrap().to_owned()
}

/// Adds and confirms an authenticator through the account API; returns
/// its secret, the step its confirming code used, and the recovery codes.
fn enrol(c: &Client, s: &Setup, at: &str) -> (Vec<u8>, u64, Vec<String>) {
    let r = account(c, s, "POST", "/account/factors/totp", at, None);
    r.assert_status(200);
    let f = r.json();
    assert!(f["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/"));
    assert!(f["qr_svg"].as_str().unwrap().contains("<svg"));
    let secret = base32_decode(f["secret"].as_str().unwrap());
    let id = f["id"].as_str().unwrap();
    let wrong = account(c, s, "POST", &format!("/account/factors/{id}/confirm"), at, Some(json!({"code": "000000"})));
    wrong.assert_error(400, "invalid_request");
    assert_eq!(wrong.json()["field"], "code");
    let step = step_now();
    let ok = account(c, s, "POST", &format!("/account/factors/{id}/confirm"), at, Some(json!({"code": totp(&secret, step)})));
    ok.assert_status(200);
    let codes: Vec<String> = ok.json()["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10);
    account(c, s, "POST", &format!("/account/factors/{id}/confirm"), at, Some(json!({"code": totp(&secret, step + 1)}))).assert_error(409, "conflict");
    (secret, step, codes)
}

/// A sign-in that stops at the second step: the page, its ticket and CSRF
/// token, and the browser.
pub(crate) fn password_step(c: &Client, s: &Setup, email: &str) -> (Browser, Resp, String, String) {
    password_step_for(c, s, email, "openid")
}

fn password_step_for(c: &Client, s: &Setup, email: &str, scope: &str) -> (Browser, Resp, String, String) {
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &authorize_path(&s.client_id, scope));
    let login = r.header("location").unwrap().to_owned();
    let page = b.get(c, &s.slug, &login);
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", email), ("password", PASSWORD)]);
    assert_eq!(r.status, 200, "the password is not enough: {}", r.body);
    let ticket = hidden_field(&r.body, "ticket").expect("the second-factor page");
    let csrf = hidden_field(&r.body, "csrf_token").unwrap();
    (b, r, ticket, csrf)
}

/// Posts the second-step form; like a browser, the next post uses the
/// CSRF token of the page this one answered with.
pub(crate) fn second_step(c: &Client, s: &Setup, b: &mut Browser, ticket: &str, csrf: &mut String, field: &str, value: &str) -> Resp {
    let r = b.post_form(c, &s.slug, "/mfa", &[("ticket", ticket), ("csrf_token", csrf.as_str()), (field, value)]);
    if let Some(fresh) = hidden_field(&r.body, "csrf_token") {
        *csrf = fresh;
    }
    r
}

/// The tokens the code in a final redirect gets.
pub(crate) fn redeem(c: &Client, s: &Setup, location: &str) -> Value {
    assert!(location.starts_with(REDIRECT), "{location}");
    let code = query_param(location, "code").unwrap();
    let r = token_request(c, s, &s.client_id, &s.client_secret, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)]);
    r.assert_status(200);
    r.json()
}

pub(crate) fn claims(jwt: &str) -> Value {
    serde_json::from_slice(&b64(jwt.split('.').nth(1).unwrap())).unwrap()
}

fn audit(c: &Client, s: &Setup, kind: &str) -> Vec<Value> {
    crate::audit::log(c, &s.app_id, &format!("?type={kind}"))
}

fn totp_is_enrolled_then_asked_at_every_sign_in(c: &Client) {
    let s = provision(c, true);
    let at = account_token(c, &s);
    let (secret, used, recovery) = enrol(c, &s, &at);
    let listed = account(c, &s, "GET", "/account/factors", &at, None).json();
    assert_eq!((listed["factors"].as_array().unwrap().len(), listed["recovery_codes_left"].as_i64()), (1, Some(10)));
    assert!(listed["factors"][0]["confirmed_at"].is_i64());
    assert!(!listed.to_string().contains("secret"), "the secret is shown once");

    // The password alone is not enough now.
    let (mut b, _, ticket, mut csrf) = password_step(c, &s, &s.email);
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", "123456");
    assert_eq!(r.status, 401);
    assert!(r.body.contains("not right"));
    // The code that confirmed the factor was used: a replay.
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, used));
    assert_eq!(r.status, 401);
    assert!(r.body.contains("used already"), "{}", r.body);
    // The next step's code (one step of drift) passes.
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, used + 1));
    assert_eq!(r.status, 303, "{}", r.body);
    let t = redeem(c, &s, r.header("location").unwrap());
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], "urn:aero2:acr:mfa");
    assert_eq!(claims(t["access_token"].as_str().unwrap())["acr"], "urn:aero2:acr:mfa");
    // The ticket is used up.
    let again = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, used + 2));
    assert_eq!(again.status, 400);

    // A recovery code works once, typed loosely.
    let (mut b, _, ticket, mut csrf) = password_step(c, &s, &s.email);
    let loose = recovery[0].to_uppercase().replace('-', " ");
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "recovery_code", &loose);
    assert_eq!(r.status, 303, "{}", r.body);
    let (mut b, _, ticket, mut csrf) = password_step(c, &s, &s.email);
    assert_eq!(second_step(c, &s, &mut b, &ticket, &mut csrf, "recovery_code", &recovery[0]).status, 401);
    assert_eq!(account(c, &s, "GET", "/account/factors", &at, None).json()["recovery_codes_left"], 9);

    // Audited and mailed.
    assert_eq!(audit(c, &s, "factor.added").len(), 1);
    assert_eq!(audit(c, &s, "recovery_code.used").len(), 1);
    let reasons: Vec<String> = audit(c, &s, "signin.failed").iter().map(|e| e["detail"]["reason"].as_str().unwrap().to_owned()).collect();
    assert_eq!(reasons, ["wrong_second_factor", "code_reused", "wrong_second_factor"]);
    let mails = c.mail_to(&s.app_id, &s.email, "factor_changed", 2);
    assert!(mails.iter().any(|m| m["subject"].as_str().unwrap().contains("recovery code")));

    // New recovery codes void the old ones; removing the factor ends the step.
    let fresh = account(c, &s, "POST", "/account/recovery-codes", &at, None);
    fresh.assert_status(200);
    assert_eq!(fresh.json()["recovery_codes"].as_array().unwrap().len(), 10);
    let (mut b, _, ticket, mut csrf) = password_step(c, &s, &s.email);
    assert_eq!(second_step(c, &s, &mut b, &ticket, &mut csrf, "recovery_code", &recovery[1]).status, 401, "an old code");
    let factor = listed["factors"][0]["id"].as_str().unwrap();
    account(c, &s, "DELETE", &format!("/account/factors/{factor}"), &at, None).assert_status(204);
    assert_eq!(account(c, &s, "GET", "/account/factors", &at, None).json()["recovery_codes_left"], 0);
    tokens(c, &s, &mut Browser::new(), (&s.client_id, &s.client_secret), "openid");
}

fn an_application_can_require_a_second_factor(c: &Client) {
    let s = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"mfa": "required"}}))).assert_status(200);
    // No factor yet: the hosted page shows a new authenticator.
    let (mut b, page, ticket, mut csrf) = password_step(c, &s, &s.email);
    assert!(page.body.contains("<svg") && page.body.contains("Set up two-step verification"));
    let key = page.body.split("<code>").nth(1).unwrap().split("</code>").next().unwrap();
    let secret = base32_decode(key);
    assert_eq!(second_step(c, &s, &mut b, &ticket, &mut csrf, "code", "999999").status, 401);
    let shown = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, step_now()));
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body.matches("<li>").count(), 10, "the recovery codes, once");
    let next = hidden_field(&shown.body, "continue").unwrap();
    let csrf = hidden_field(&shown.body, "csrf_token").unwrap();
    let done = b.post_form(c, &s.slug, "/mfa", &[("continue", &next), ("csrf_token", &csrf)]);
    assert_eq!(done.status, 303, "{}", done.body);
    let t = redeem(c, &s, done.header("location").unwrap());
    assert_eq!(claims(t["id_token"].as_str().unwrap())["amr"], json!(["pwd", "otp", "mfa"]));
    // The continue button works once.
    assert_eq!(b.post_form(c, &s.slug, "/mfa", &[("continue", &next), ("csrf_token", &csrf)]).status, 400);

    // The last factor cannot be removed while the application requires one.
    let (mut b, _, ticket, mut csrf) = password_step_for(c, &s, &s.email, "openid account");
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, step_now() + 1));
    assert_eq!(r.status, 303, "{}", r.body);
    let at = redeem(c, &s, r.header("location").unwrap())["access_token"].as_str().unwrap().to_owned();
    let factor = account(c, &s, "GET", "/account/factors", &at, None).json()["factors"][0]["id"].as_str().unwrap().to_owned();
    account(c, &s, "DELETE", &format!("/account/factors/{factor}"), &at, None).assert_error(409, "conflict");
    let listed = c.api("GET", &format!("/applications/{}/users/{}/factors", s.app_id, s.user_id), OPERATOR, None).json();
    assert_eq!(listed["factors"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(key), "never the secret");

    // The operator's reset: the next sign-in enrols again.
    c.api("DELETE", &format!("/applications/{}/users/{}/factors", s.app_id, s.user_id), OPERATOR, None).assert_status(204);
    assert_eq!(audit(c, &s, "user.factors_reset").len(), 1);
    let (_, page, _, _) = password_step(c, &s, &s.email);
    assert!(page.body.contains("Set up two-step verification"));
}

fn second_factor_codes_are_locked_out_and_kept_to_their_application(c: &Client) {
    let s = provision(c, true);
    let at = account_token(c, &s);
    let (secret, _, _) = enrol(c, &s, &at);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"lockout": {"max_failures": 2, "window_seconds": 600, "lock_seconds": 60}}}))).assert_status(200);
    let (mut b, _, ticket, mut csrf) = password_step(c, &s, &s.email);
    for _ in 0..2 {
        assert_eq!(second_step(c, &s, &mut b, &ticket, &mut csrf, "code", "111111").status, 401);
    }
    let locked = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, step_now() + 1));
    assert_eq!(locked.status, 429, "even the right code waits: {}", locked.body);
    assert!(locked.header("retry-after").is_some());

    // Another application: its key and its users see nothing of these factors.
    let other = provision(c, true);
    let factor = account(c, &s, "GET", "/account/factors", &at, None).json()["factors"][0]["id"].as_str().unwrap().to_owned();
    let other_at = account_token(c, &other);
    account(c, &other, "DELETE", &format!("/account/factors/{factor}"), &other_at, None).assert_error(404, "not_found");
    let other_key = c.create_key(&other.app_id, "sk")["key"].as_str().unwrap().to_owned();
    c.api("GET", &format!("/applications/{}/users/{}/factors", s.app_id, s.user_id), &other_key, None).assert_error(404, "not_found");
    c.api("GET", &format!("/applications/{}/users/{}/factors", other.app_id, s.user_id), &other_key, None).assert_error(404, "not_found");
    assert_eq!(account(c, &s, "GET", "/account/factors", &at, None).json()["factors"].as_array().unwrap().len(), 1);

    // An application that offers none: nothing can be added.
    let off = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", off.app_id), OPERATOR, Some(&json!({"settings": {"mfa": "off"}}))).assert_status(200);
    let off_at = account_token(c, &off);
    account(c, &off, "POST", "/account/factors/totp", &off_at, None).assert_error(403, "forbidden");
}

/// The authorization request of `s`'s client with `extra` query parameters.
fn authorize_with(s: &Setup, extra: &str) -> String {
    format!("{}{extra}", authorize_path(&s.client_id, "openid"))
}

fn a_client_can_ask_for_a_second_factor(c: &Client) {
    let s = provision(c, true);
    let discovery = c.get(&s.slug, "/.well-known/openid-configuration").json();
    assert_eq!(discovery["acr_values_supported"], json!(["urn:aero2:acr:mfa"]));
    // A browser signed in with the password alone, before any factor.
    let mut b = Browser::new();
    let plain = tokens(c, &s, &mut b, (&s.client_id, &s.client_secret), "openid account");
    assert!(claims(plain["id_token"].as_str().unwrap()).get("acr").is_none());
    let step_up = "&acr_values=urn%3Aaero2%3Aacr%3Amfa";

    // No factor yet, optional policy: the step-up adds one.
    let r = b.get(c, &s.slug, &authorize_with(&s, step_up));
    assert_eq!(r.status, 303);
    let to = r.header("location").unwrap().to_owned();
    assert!(to.starts_with("/mfa?request="), "{to}");
    let page = b.get(c, &s.slug, &to);
    assert!(page.body.contains("Set up two-step verification"), "{}", page.body);
    let key = page.body.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    let secret = base32_decode(&key);
    let ticket = hidden_field(&page.body, "ticket").unwrap();
    let mut csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let step = step_now();
    let shown = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, step));
    assert_eq!(shown.status, 200, "{}", shown.body);
    let next = hidden_field(&shown.body, "continue").unwrap();
    let done = b.post_form(c, &s.slug, "/mfa", &[("continue", &next), ("csrf_token", &csrf)]);
    let t = redeem(c, &s, done.header("location").unwrap());
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!((id["acr"].as_str(), id["amr"].clone()), (Some("urn:aero2:acr:mfa"), json!(["pwd", "otp", "mfa"])));

    // The stepped-up session satisfies the next request at once.
    let again = b.get(c, &s.slug, &authorize_with(&s, step_up));
    assert!(query_param(again.header("location").unwrap(), "code").is_some(), "no second prompt");

    // …for as long as the application says: then the code is asked again.
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"mfa_max_age_seconds": 1}}))).assert_status(200);
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    assert!(query_param(b.get(c, &s.slug, &authorize_with(&s, "")).header("location").unwrap(), "code").is_some(), "only a step-up asks");
    let decayed = b.get(c, &s.slug, &authorize_with(&s, step_up));
    let to = decayed.header("location").unwrap().to_owned();
    assert!(to.starts_with("/mfa?request="), "{to}");
    let page = b.get(c, &s.slug, &to);
    assert!(page.body.contains("Two-step verification"), "a code, not a new authenticator");
    let (ticket, mut csrf) = (hidden_field(&page.body, "ticket").unwrap(), hidden_field(&page.body, "csrf_token").unwrap());
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &totp(&secret, step_now() + 1));
    assert_eq!(r.status, 303, "{}", r.body);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {}}))).assert_status(200);

    // A session without it: asked for a code (the factor exists now).
    let mut fresh = Browser::new();
    let first = fresh.get(c, &s.slug, &authorize_with(&s, ""));
    let login = first.header("location").unwrap().to_owned();
    let form = fresh.get(c, &s.slug, &login);
    let (request, login_csrf) = (hidden_field(&form.body, "request").unwrap(), hidden_field(&form.body, "csrf_token").unwrap());
    let r = fresh.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &login_csrf), ("email", &s.email), ("password", PASSWORD)]);
    assert!(r.body.contains("Two-step verification"), "an enrolled user is always asked");

    // A silent request (prompt=none) is answered from the stepped-up session.
    let silent = b.get(c, &s.slug, &format!("{}&prompt=none", authorize_with(&s, step_up)));
    assert!(query_param(silent.header("location").unwrap(), "code").is_some(), "already stepped up: silent works");

    // An application that offers no second factor refuses the step-up.
    let off = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", off.app_id), OPERATOR, Some(&json!({"settings": {"mfa": "off"}}))).assert_status(200);
    let mut b3 = Browser::new();
    tokens(c, &off, &mut b3, (&off.client_id, &off.client_secret), "openid");
    let none = b3.get(c, &off.slug, &format!("{}&prompt=none", authorize_with(&off, step_up)));
    assert_eq!(query_param(none.header("location").unwrap(), "error").as_deref(), Some("interaction_required"));
    let r = b3.get(c, &off.slug, &authorize_with(&off, step_up));
    let to = r.header("location").unwrap().to_owned();
    let refused = b3.get(c, &off.slug, &to);
    assert_eq!(refused.status, 303);
    assert_eq!(query_param(refused.header("location").unwrap(), "error").as_deref(), Some("access_denied"));

    // An old session may not add a first factor: sign in again first.
    let stale = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", stale.app_id), OPERATOR, Some(&json!({"settings": {"recent_sign_in_seconds": 1}}))).assert_status(200);
    let mut b4 = Browser::new();
    tokens(c, &stale, &mut b4, (&stale.client_id, &stale.client_secret), "openid");
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    let r = b4.get(c, &stale.slug, &authorize_with(&stale, step_up));
    let to = r.header("location").unwrap().to_owned();
    let back = b4.get(c, &stale.slug, &to);
    assert_eq!(back.status, 303);
    assert!(back.header("location").unwrap().starts_with("/login?request="), "{:?}", back.header("location"));
}

/// A sign-in in browser `b` (its session cookie dropped first): where the
/// password leads (the `/mfa` page, or straight back to the client).
fn sign_in_again(c: &Client, s: &Setup, b: &mut Browser, extra: &str) -> Resp {
    b.set_cookie(&s.slug, "aero2_session", "ended");
    let r = b.get(c, &s.slug, &authorize_with(s, extra));
    let login = r.header("location").unwrap().to_owned();
    let form = b.get(c, &s.slug, &login);
    let (request, csrf) = (hidden_field(&form.body, "request").unwrap(), hidden_field(&form.body, "csrf_token").unwrap());
    b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &s.email), ("password", PASSWORD)])
}

fn a_remembered_browser_skips_the_second_step_until_it_must_not(c: &Client) {
    let s = provision(c, true);
    let at = account_token(c, &s);
    let (secret, used, recovery) = enrol(c, &s, &at);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"mfa_remember_days": 30}}))).assert_status(200);

    // The box is offered; ticked, the browser is remembered for 30 days.
    let (mut b, page, ticket, csrf) = password_step(c, &s, &s.email);
    assert!(page.body.contains("Don't ask again on this device for 30 days"), "{}", page.body);
    let r = b.post_form(c, &s.slug, "/mfa", &[("ticket", &ticket), ("csrf_token", &csrf), ("code", &totp(&secret, used + 1)), ("remember", "1")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let device = r.headers.iter().find(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.starts_with("aero2_device=")).map(|(_, v)| v.clone()).unwrap();
    assert!(device.contains("HttpOnly") && device.contains("Max-Age=2592000"), "{device}");

    // The next sign-in in that browser: the password is enough, and the
    // tokens say so (no mfa).
    let r = sign_in_again(c, &s, &mut b, "");
    assert_eq!(r.status, 303, "{}", r.body);
    let t = redeem(c, &s, r.header("location").unwrap());
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!((id["amr"].clone(), id.get("acr")), (json!(["pwd"]), None));
    assert_eq!(audit(c, &s, "signin.second_factor_remembered").len(), 1);

    // A step-up still asks; so does prompt=login; so does another browser.
    let r = b.get(c, &s.slug, &authorize_with(&s, "&acr_values=urn%3Aaero2%3Aacr%3Amfa"));
    assert!(r.header("location").unwrap().starts_with("/mfa?request="), "{:?}", r.header("location"));
    let r = sign_in_again(c, &s, &mut b, "&prompt=login");
    assert!(r.body.contains("Two-step verification"), "prompt=login asks every factor");
    let (mut other, _, ticket, mut csrf) = password_step(c, &s, &s.email);

    // max_age: an old sign-in signs in again, and the second factor with it.
    let r = second_step(c, &s, &mut other, &ticket, &mut csrf, "recovery_code", &recovery[0]);
    assert_eq!(r.status, 303, "{}", r.body);
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    let r = other.get(c, &s.slug, &authorize_with(&s, "&max_age=1"));
    let login = r.header("location").unwrap().to_owned();
    assert!(login.starts_with("/login?request="), "{login}");
    let form = other.get(c, &s.slug, &login);
    let (request, login_csrf) = (hidden_field(&form.body, "request").unwrap(), hidden_field(&form.body, "csrf_token").unwrap());
    let r = other.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &login_csrf), ("email", &s.email), ("password", PASSWORD)]);
    assert!(r.body.contains("Two-step verification"), "max_age re-asks the second factor where no browser is remembered");

    // Ending the user's other sessions forgets remembered browsers too.
    account(c, &s, "DELETE", "/account/sessions", &at, None).assert_status(204);
    let r = sign_in_again(c, &s, &mut b, "");
    assert!(r.body.contains("Two-step verification"), "forgotten: {}", r.body);
}

//! The user's own account API (`/account/…`, a bearer access token issued
//! for it): profile, email change confirmed by a link to the new address,
//! password change that ends every other session, and session listing and
//! ending. Who may call it at all is in `security`.

use crate::oidc::{enc, provision, Setup, PASSWORD, REDIRECT};
use crate::security::{account as call, confirm, tokens};
use crate::Test;
use aero2_tests::browser::{query_param, Browser};
use aero2_tests::{link_in, unique, Client, OPERATOR};
use serde_json::json;

pub fn tests() -> Vec<Test> {
    vec![
        ("profile_is_the_users_own", profile_is_the_users_own),
        ("sessions_are_listed_and_ended", sessions_are_listed_and_ended),
        ("password_change_needs_the_current_one_and_ends_other_sessions", password_change_needs_the_current_one_and_ends_other_sessions),
        ("email_change_waits_for_the_new_address", email_change_waits_for_the_new_address),
    ]
}

/// A signed-in browser and an account-API token issued through its session.
fn signed_in(c: &Client, s: &Setup) -> (Browser, String) {
    let mut b = Browser::new();
    let t = tokens(c, s, &mut b, (&s.client_id, &s.client_secret), "openid profile email offline_access account");
    (b, t["access_token"].as_str().unwrap().to_owned())
}

fn silent(c: &Client, s: &Setup, b: &mut Browser) -> Option<String> {
    let path = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&prompt=none&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        s.client_id,
        enc(REDIRECT)
    );
    let r = b.get(c, &s.slug, &path);
    let loc = r.header("location").unwrap_or_default().to_owned();
    query_param(&loc, "error").or_else(|| query_param(&loc, "code").map(|_| "code".to_owned()))
}

fn profile_is_the_users_own(c: &Client) {
    let s = provision(c, true);
    let (_, at) = signed_in(c, &s);
    let p = call(c, &s, "GET", "/account/profile", &at, None);
    p.assert_status(200);
    assert_eq!((p.json()["sub"].as_str(), p.json()["email"].as_str()), (Some(s.user_id.as_str()), Some(s.email.as_str())));
    let r = call(c, &s, "PATCH", "/account/profile", &at, Some(json!({"name": "Ada King", "picture": "https://cdn.example/ada.png"})));
    r.assert_status(200);
    let info = call(c, &s, "GET", "/oauth2/userinfo", &at, None).json();
    assert_eq!((info["name"].as_str(), info["picture"].as_str()), (Some("Ada King"), Some("https://cdn.example/ada.png")));
    for (body, field) in [
        (json!({"picture": "javascript:alert(1)"}), "picture"),
        (json!({"email": "x@example.com"}), "email"),
        (json!({"name": ""}), "name"),
    ] {
        let r = call(c, &s, "PATCH", "/account/profile", &at, Some(body));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], field);
    }
    // Who may call: the user only, of this application only.
    let none = c.send("GET", &s.slug, "/account/profile", &[], None);
    assert_eq!(none.status, 401);
    assert!(none.header("www-authenticate").unwrap().starts_with("Bearer"));
    let cc = aero2_tests::basic_auth(&s.client_id, &s.client_secret);
    let client_token = c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &cc)], Some("grant_type=client_credentials")).json();
    call(c, &s, "GET", "/account/profile", client_token["access_token"].as_str().unwrap(), None).assert_error(403, "insufficient_scope");
    let other = provision(c, true);
    call(c, &other, "GET", "/account/profile", &at, None).assert_error(401, "invalid_token");
    call(c, &s, "PUT", "/account/profile", &at, None).assert_error(405, "method_not_allowed");
}

fn sessions_are_listed_and_ended(c: &Client) {
    let s = provision(c, true);
    let (mut first, at) = signed_in(c, &s);
    let (mut second, _) = signed_in(c, &s);
    let list = call(c, &s, "GET", "/account/sessions", &at, None).json();
    let sessions = list["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{list}");
    assert_eq!(sessions.iter().filter(|x| x["current"] == true).count(), 1);
    assert!(sessions.iter().all(|x| x["user_agent"].as_str().is_some() && x["last_seen_at"].as_i64().is_some()));
    let other = sessions.iter().find(|x| x["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    call(c, &s, "DELETE", "/account/sessions/0123456789abcdef0123456789abcdef", &at, None).assert_error(404, "not_found");
    assert_eq!(call(c, &s, "DELETE", &format!("/account/sessions/{other}"), &at, None).status, 204);
    assert_eq!(silent(c, &s, &mut second).as_deref(), Some("login_required"), "the ended session");
    assert_eq!(silent(c, &s, &mut first).as_deref(), Some("code"), "the caller's session lives on");
    assert_eq!(call(c, &s, "GET", "/account/sessions", &at, None).json()["sessions"].as_array().unwrap().len(), 1);
}

fn password_change_needs_the_current_one_and_ends_other_sessions(c: &Client) {
    let s = provision(c, true);
    let (_, at) = signed_in(c, &s);
    let (mut other, other_at) = signed_in(c, &s);
    let change = |current: &str, new: &str| call(c, &s, "POST", "/account/password", &at, Some(json!({"current_password": current, "new_password": new})));
    change("not it", "a new long password").assert_error(403, "forbidden");
    let r = change(PASSWORD, "short");
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "new_password");
    assert_eq!(change(PASSWORD, "a new long password").status, 204);
    // Recorded once, by the user (the refused attempt changed nothing).
    let changed = crate::audit::log(c, &s.app_id, "?type=password.changed");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["actor"], format!("user:{}", s.user_id));
    // Everything else is signed out; the caller's own token still works.
    assert_eq!(silent(c, &s, &mut other).as_deref(), Some("login_required"));
    call(c, &s, "GET", "/oauth2/userinfo", &other_at, None).assert_error(401, "invalid_token");
    call(c, &s, "GET", "/oauth2/userinfo", &at, None).assert_status(200);
    let mut fresh = Browser::new();
    let url = format!("{}/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", crate::oidc::issuer(c, &s.slug), s.client_id, enc(REDIRECT));
    let back = crate::oidc::sign_in(c, &mut fresh, &s.slug, &url, &s.email, "a new long password");
    assert!(query_param(&back, "code").is_some(), "the new password signs in");
}

fn email_change_waits_for_the_new_address(c: &Client) {
    let s = provision(c, true);
    let (_, at) = signed_in(c, &s);
    let new_email = format!("{}@example.com", unique("moved"));
    let r = call(c, &s, "POST", "/account/email", &at, Some(json!({"email": new_email.to_uppercase()})));
    r.assert_status(200);
    assert_eq!(r.json()["pending_email"], new_email.as_str());
    assert_eq!(call(c, &s, "GET", "/account/profile", &at, None).json()["email"], s.email.as_str(), "nothing changes yet");
    let msg = c.mail_to(&s.app_id, &new_email, "email_change", 1).remove(0);
    let link = link_in(msg["body"].as_str().unwrap(), "/verify?token=").unwrap();
    let done = confirm(c, &s.slug, &link);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Email changed"));
    let profile = call(c, &s, "GET", "/account/profile", &at, None).json();
    assert_eq!((profile["email"].as_str(), profile["email_verified"].as_bool()), (Some(new_email.as_str()), Some(true)));
    assert_eq!(confirm(c, &s.slug, &link).status, 400, "once");
    // An address another account has cannot be taken over: its owner is
    // told, and no link exists that could move this account there.
    let taken = format!("{}@example.com", unique("taken"));
    c.api("POST", &format!("/applications/{}/users", s.app_id), OPERATOR, Some(&json!({"email": taken, "password": "another password"}))).assert_status(201);
    call(c, &s, "POST", "/account/email", &at, Some(json!({"email": taken}))).assert_status(200);
    let told = c.mail_to(&s.app_id, &taken, "address_in_use", 1);
    assert!(link_in(told[0]["body"].as_str().unwrap(), "/verify?token=").is_none());
    assert_eq!(call(c, &s, "GET", "/account/profile", &at, None).json()["email"], new_email.as_str());
    // Its own address is no change at all.
    let r = call(c, &s, "POST", "/account/email", &at, Some(json!({"email": new_email})));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "email");
}

//! Sign-in by email instead of the password: the code and the link one
//! mail carries, each working once, only in the browser that asked; a
//! "scanner" that fetches the link (GET, even a POST without the page's
//! token) uses nothing up; wrong codes end the pending sign-in; an
//! address without an account gets the same page and no mail.

use crate::mfa::{claims, redeem};
use crate::oidc::{provision, Setup};
use crate::security::authorize_path;
use crate::Test;
use aero2_tests::browser::{hidden_field, Browser};
use aero2_tests::{link_in, Client, Resp, OPERATOR};
use serde_json::json;

pub fn tests() -> Vec<Test> {
    vec![
        ("a_code_by_email_signs_in_once_in_the_browser_that_asked", a_code_by_email_signs_in_once_in_the_browser_that_asked),
        ("an_email_link_survives_scanners_and_other_browsers", an_email_link_survives_scanners_and_other_browsers),
    ]
}

/// A sign-in page, then "Email me a code" for `email`: the browser, the
/// answer ("check your email"), the request and the code form's handle
/// and CSRF token.
fn ask(c: &Client, s: &Setup, email: &str) -> (Browser, Resp, String, String, String) {
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &authorize_path(&s.client_id, "openid"));
    let page = b.get(c, &s.slug, r.header("location").unwrap());
    assert!(page.body.contains("Email me a code"), "offered");
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let sent = b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email_signin", "1"), ("email", email)]);
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("Check your email"));
    let handle = hidden_field(&sent.body, "handle").unwrap();
    let csrf = hidden_field(&sent.body, "csrf_token").unwrap();
    (b, sent, request, handle, csrf)
}

/// The code and link of the `n`th sign-in mail to the user.
fn mail(c: &Client, s: &Setup, n: usize) -> (String, String) {
    let mails = c.mail_to(&s.app_id, &s.email, "email_signin", n);
    let body = mails[n - 1]["body"].as_str().unwrap().to_owned();
    let code = body.split(": ").nth(1).unwrap().chars().take(6).collect::<String>();
    assert!(code.chars().all(|ch| ch.is_ascii_digit()), "{body}");
    let link = link_in(&body, "http://").unwrap();
    assert!(link.contains("/email-link?token="), "{link}");
    (code, link)
}

fn post_code(c: &Client, s: &Setup, b: &mut Browser, request: &str, handle: &str, csrf: &mut String, code: &str) -> Resp {
    let r = b.post_form(c, &s.slug, "/login", &[("request", request), ("csrf_token", csrf.as_str()), ("handle", handle), ("email_code", code)]);
    if let Some(fresh) = hidden_field(&r.body, "csrf_token") {
        *csrf = fresh;
    }
    r
}

fn a_code_by_email_signs_in_once_in_the_browser_that_asked(c: &Client) {
    let s = provision(c, true);
    let (mut b, _, request, handle, mut csrf) = ask(c, &s, &s.email.to_uppercase());
    let (code, _) = mail(c, &s, 1);

    // Another browser with the handle and the code: not this one's.
    let mut other = Browser::new();
    let page = other.get(c, &s.slug, &format!("/login?request={request}"));
    let mut other_csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = post_code(c, &s, &mut other, &request, &handle, &mut other_csrf, &code);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("browser where you asked"), "{}", r.body);

    // A wrong code counts; the right one signs in, once.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = post_code(c, &s, &mut b, &request, &handle, &mut csrf, wrong);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("4 tries left"), "{}", r.body);
    let r = post_code(c, &s, &mut b, &request, &handle, &mut csrf, &format!("{} {}", &code[..3], &code[3..]));
    assert_eq!(r.status, 303, "{}", r.body);
    let t = redeem(c, &s, r.header("location").unwrap());
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!((id["sub"].as_str(), id["amr"].clone()), (Some(s.user_id.as_str()), json!(["otp"])));
    let (mut b2, _, request2, _, mut csrf2) = ask(c, &s, &s.email);
    let again = post_code(c, &s, &mut b2, &request2, &handle, &mut csrf2, &code);
    assert_eq!(again.status, 400, "used up");

    // Five wrong codes end a pending sign-in: then even the right one fails.
    let (mut b3, _, request3, handle3, mut csrf3) = ask(c, &s, &s.email);
    let (code3, _) = mail(c, &s, 3);
    for _ in 0..5 {
        let w = if code3 == "000000" { "111111" } else { "000000" };
        post_code(c, &s, &mut b3, &request3, &handle3, &mut csrf3, w);
    }
    assert_eq!(post_code(c, &s, &mut b3, &request3, &handle3, &mut csrf3, &code3).status, 400);

    // An address without an account: the same page, and no mail.
    let before = c.outbox(&s.app_id).len();
    let (_, page, _, _, _) = ask(c, &s, "nobody-here@example.com");
    assert!(page.body.contains("nobody-here@example.com"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(c.outbox(&s.app_id).len(), before);

    let reasons: Vec<String> = crate::audit::log(c, &s.app_id, "?type=signin.failed").iter().filter_map(|e| e["detail"]["reason"].as_str().map(str::to_owned)).collect();
    assert!(reasons.contains(&"other_browser".to_owned()) && reasons.contains(&"wrong_email_code".to_owned()), "{reasons:?}");

    // An application can turn it off.
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"email_sign_in": false}}))).assert_status(200);
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &authorize_path(&s.client_id, "openid"));
    let page = b.get(c, &s.slug, r.header("location").unwrap());
    assert!(!page.body.contains("Email me a code"));
    let (request, csrf) = (hidden_field(&page.body, "request").unwrap(), hidden_field(&page.body, "csrf_token").unwrap());
    let r = b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email_signin", "1"), ("email", &s.email)]);
    assert_eq!(r.status, 403);
}

fn an_email_link_survives_scanners_and_other_browsers(c: &Client) {
    let s = provision(c, true);
    // The link proves the address: even where confirmed addresses are
    // required, this unconfirmed user gets in (and is confirmed).
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"email_verification": "required"}}))).assert_status(200);
    let user = format!("/applications/{}/users/{}", s.app_id, s.user_id);
    assert_eq!(c.api("GET", &user, OPERATOR, None).json()["email_verified"], false);
    let (mut b, _, _, _, _) = ask(c, &s, &s.email);
    let (_, link) = mail(c, &s, 1);
    let path = link.split_once(&format!("{}", c.port())).unwrap().1.to_owned();

    // A mail scanner fetches the link, even posts its form without the page's token.
    let mut scanner = Browser::new();
    let shown = scanner.get(c, &s.slug, &path);
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("Sign in"));
    let token = hidden_field(&shown.body, "token").unwrap();
    assert_eq!(scanner.post_form(c, &s.slug, "/email-link", &[("token", &token), ("csrf_token", "guess")]).status, 403);
    // Another browser, with the page's own token: not the browser that asked.
    let scanner_csrf = hidden_field(&shown.body, "csrf_token").unwrap();
    let r = scanner.post_form(c, &s.slug, "/email-link", &[("token", &token), ("csrf_token", &scanner_csrf)]);
    assert_eq!(r.status, 401, "{}", r.body);

    // The browser that asked: still usable, once.
    let page = b.get(c, &s.slug, &path);
    assert_eq!(page.status, 200);
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/email-link", &[("token", &token), ("csrf_token", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let t = redeem(c, &s, r.header("location").unwrap());
    assert_eq!(claims(t["id_token"].as_str().unwrap())["amr"], json!(["otp"]));
    assert_eq!(c.api("GET", &user, OPERATOR, None).json()["email_verified"], true);
    assert_eq!(b.get(c, &s.slug, &path).status, 400, "used up");

    // Wrong codes count toward the address's lockout, as wrong passwords do.
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"lockout": {"max_failures": 2, "window_seconds": 600, "lock_seconds": 60}}}))).assert_status(200);
    let (mut b, _, request, handle, mut csrf) = ask(c, &s, &s.email);
    let (code, _) = mail(c, &s, 2);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..2 {
        post_code(c, &s, &mut b, &request, &handle, &mut csrf, wrong);
    }
    let locked = post_code(c, &s, &mut b, &request, &handle, &mut csrf, &code);
    assert_eq!(locked.status, 429, "{}", locked.body);
}

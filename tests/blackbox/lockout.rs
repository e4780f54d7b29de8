//! Sign-in lockout and rate limits, counted inside the application's
//! object: exact under concurrency, fail-closed, and the same for accounts
//! that do not exist.

use crate::oidc::{enc, provision, Setup, PASSWORD, REDIRECT};
use crate::Test;
use aero2_tests::browser::{hidden_field, Browser};
use aero2_tests::{unique, Client, Resp, OPERATOR};
use serde_json::json;
use std::sync::Barrier;

pub fn tests() -> Vec<Test> {
    vec![
        ("lockout_is_exact_and_expires", lockout_is_exact_and_expires),
        ("unknown_emails_lock_the_same_way", unknown_emails_lock_the_same_way),
        ("the_operator_can_unlock", the_operator_can_unlock),
        ("concurrent_wrong_passwords_are_counted_exactly", concurrent_wrong_passwords_are_counted_exactly),
        ("sign_in_is_rate_limited_per_ip", sign_in_is_rate_limited_per_ip),
        ("disabling_a_user_ends_everything_at_once", disabling_a_user_ends_everything_at_once),
        ("token_requests_are_limited_per_client", token_requests_are_limited_per_client),
    ]
}

/// A login form ready to post: the browser (with its CSRF cookie), the
/// pending request id and the form's CSRF token.
pub(crate) struct Form {
    browser: Browser,
    request: String,
    csrf: String,
}

pub(crate) fn login_form(c: &Client, s: &Setup) -> Form {
    let mut browser = Browser::new();
    let path = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        s.client_id,
        enc(REDIRECT)
    );
    let r = browser.get(c, &s.slug, &path);
    let page = browser.get(c, &s.slug, r.header("location").expect("redirect to login"));
    Form {
        request: hidden_field(&page.body, "request").unwrap(),
        csrf: hidden_field(&page.body, "csrf_token").unwrap(),
        browser,
    }
}

pub(crate) fn attempt(c: &Client, s: &Setup, f: &Form, email: &str, password: &str) -> Resp {
    let mut b = f.browser.clone();
    b.post_form(c, &s.slug, "/login", &[("request", &f.request), ("csrf_token", &f.csrf), ("email", email), ("password", password)])
}

fn with_lockout(c: &Client, max_failures: u32, lock_seconds: u32) -> Setup {
    let s = provision(c, true);
    let settings = json!({"settings": {"lockout": {"max_failures": max_failures, "window_seconds": 600, "lock_seconds": lock_seconds}}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&settings)).assert_status(200);
    s
}

#[track_caller]
fn assert_too_many(r: &Resp) {
    assert_eq!(r.status, 429, "{}", r.body);
    let after: i64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!(after >= 1, "{after}");
    assert!(r.body.contains("Too many attempts"), "{}", r.body);
}

fn lockout_is_exact_and_expires(c: &Client) {
    let s = with_lockout(c, 3, 2);
    let f = login_form(c, &s);
    for _ in 0..3 {
        assert_eq!(attempt(c, &s, &f, &s.email, "wrong password!").status, 401);
    }
    // Locked: even the right password is refused, without being checked.
    assert_too_many(&attempt(c, &s, &f, &s.email, PASSWORD));
    std::thread::sleep(std::time::Duration::from_millis(2_300));
    assert_eq!(attempt(c, &s, &f, &s.email, PASSWORD).status, 303, "the lock expired");
}

fn unknown_emails_lock_the_same_way(c: &Client) {
    let s = with_lockout(c, 3, 60);
    let f = login_form(c, &s);
    let ghost = format!("{}@example.com", unique("ghost"));
    let known: Vec<u16> = (0..4).map(|_| attempt(c, &s, &f, &s.email, "wrong password!").status).collect();
    let unknown: Vec<u16> = (0..4).map(|_| attempt(c, &s, &f, &ghost, "wrong password!").status).collect();
    assert_eq!(known, vec![401, 401, 401, 429]);
    assert_eq!(unknown, known, "a lock says nothing about whether the account exists");
}

fn the_operator_can_unlock(c: &Client) {
    let s = with_lockout(c, 3, 3_600);
    let f = login_form(c, &s);
    for _ in 0..3 {
        attempt(c, &s, &f, &s.email, "wrong password!");
    }
    assert_too_many(&attempt(c, &s, &f, &s.email, PASSWORD));
    let unlock = format!("/applications/{}/users/{}/unlock", s.app_id, s.user_id);
    assert_eq!(c.api("POST", &unlock, OPERATOR, None).status, 204);
    assert_eq!(attempt(c, &s, &f, &s.email, PASSWORD).status, 303);
    // Another application's key cannot unlock here.
    let other = provision(c, true);
    let other_sk = c.create_key(&other.app_id, "sk")["key"].as_str().unwrap().to_owned();
    c.api("POST", &unlock, &other_sk, None).assert_error(404, "not_found");
}

/// Runs `request` on `n` threads released at once; the statuses they got.
pub(crate) fn burst(n: usize, request: impl Fn() -> u16 + Sync) -> Vec<u16> {
    let barrier = Barrier::new(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    request()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn concurrent_wrong_passwords_are_counted_exactly(c: &Client) {
    const N: usize = 200;
    let s = provision(c, true); // default policy: 5 failures lock
    let f = login_form(c, &s);
    let statuses = burst(N, || attempt(c, &s, &f, &s.email, "wrong password!").status);
    let refused = statuses.iter().filter(|s| **s == 429).count();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!((checked, refused), (5, N - 5), "statuses: {statuses:?}");
    // Exactly locked: the right password is refused now.
    assert_too_many(&attempt(c, &s, &f, &s.email, PASSWORD));
}

fn sign_in_is_rate_limited_per_ip(c: &Client) {
    let s = provision(c, true);
    let f = login_form(c, &s);
    // 60 sign-ins a minute per IP, whatever the emails (default limit).
    for i in 0..60 {
        let r = attempt(c, &s, &f, &format!("nobody{i}@example.com"), "wrong password!");
        assert_eq!(r.status, 401, "attempt {i}: {}", r.body);
    }
    let r = attempt(c, &s, &f, &s.email, PASSWORD);
    assert_too_many(&r);
    assert!(r.header("retry-after").unwrap().parse::<i64>().unwrap() <= 60);
}

fn disabling_a_user_ends_everything_at_once(c: &Client) {
    use openidconnect::OAuth2TokenResponse;
    let s = provision(c, true);
    let client = crate::oidc::oidc_client(c, &s);
    let mut b = Browser::new();
    let (tokens, _) = crate::oidc::code_flow(c, &s, &client, &mut b);
    let at = tokens.access_token().secret().clone();
    let rt = tokens.refresh_token().unwrap().clone();
    let bearer = format!("Bearer {at}");
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &bearer)], None).assert_status(200);
    let user = format!("/applications/{}/users/{}", s.app_id, s.user_id);

    let r = c.api("PATCH", &user, OPERATOR, Some(&json!({"disabled": true})));
    r.assert_status(200);
    assert_eq!(r.json()["disabled"], true);
    // Tokens and refresh token: dead at once.
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &bearer)], None).assert_error(401, "invalid_token");
    crate::oidc::assert_token_error(client.exchange_refresh_token(&rt).unwrap().request(&aero2_tests::oidc_http(c)), "invalid_grant");
    // The browser session too: prompt=none now needs a login.
    let silent = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&prompt=none&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        s.client_id,
        enc(REDIRECT)
    );
    let r = b.get(c, &s.slug, &silent);
    let loc = r.header("location").unwrap_or_default().to_owned();
    assert_eq!(aero2_tests::browser::query_param(&loc, "error").as_deref(), Some("login_required"), "{loc}");
    // And the password no longer signs in (with the same answer as a wrong one).
    let f = login_form(c, &s);
    assert_eq!(attempt(c, &s, &f, &s.email, PASSWORD).status, 401);

    // Enabled again: the user signs in; old tokens stay dead.
    c.api("PATCH", &user, OPERATOR, Some(&json!({"disabled": false}))).assert_status(200);
    assert_eq!(attempt(c, &s, &f, &s.email, PASSWORD).status, 303);
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &bearer)], None).assert_error(401, "invalid_token");
    // Bad patches change nothing.
    c.api("PATCH", &user, OPERATOR, Some(&json!({"email": "new@example.com"}))).assert_error(400, "invalid_request");
    c.api("PATCH", &user, OPERATOR, Some(&json!({"disabled": "yes"}))).assert_error(400, "invalid_request");
    assert_eq!(c.api("GET", &user, OPERATOR, None).json()["disabled"], false);
}

fn token_requests_are_limited_per_client(c: &Client) {
    let s = provision(c, true);
    let limits = json!({"settings": {"rate_limits": {"token_per_client": {"max": 2, "window_seconds": 60}}}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&limits)).assert_status(200);
    let token = |client_id: &str, secret: &str| {
        c.send(
            "POST",
            &s.slug,
            "/oauth2/token",
            &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &aero2_tests::basic_auth(client_id, secret))],
            Some("grant_type=client_credentials"),
        )
    };
    token(&s.client_id, &s.client_secret).assert_status(200);
    token(&s.client_id, &s.client_secret).assert_status(200);
    let r = token(&s.client_id, &s.client_secret);
    r.assert_error(429, "temporarily_unavailable");
    assert!(r.header("retry-after").unwrap().parse::<i64>().unwrap() <= 60);
    assert_eq!(r.header("cache-control"), Some("no-store"));

    // Token limits are counted in the object's memory: a burst is still
    // counted exactly, and the limit is per client (a fresh client of the
    // same application has its own budget of 2).
    const N: usize = 40;
    let other = c.api(
        "POST",
        &format!("/applications/{}/clients", s.app_id),
        OPERATOR,
        Some(&json!({"name": "burst", "token_endpoint_auth_method": "client_secret_basic", "grant_types": ["client_credentials"], "scopes": "openid"})),
    );
    other.assert_status(201);
    let (id, secret) = (other.json()["client_id"].as_str().unwrap().to_owned(), other.json()["client_secret"].as_str().unwrap().to_owned());
    let statuses = burst(N, || token(&id, &secret).status);
    let issued = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((issued, refused), (2, N - 2), "statuses: {statuses:?}");
    // Unknown limit names are refused.
    let bad = json!({"settings": {"rate_limits": {"per_moon_phase": {"max": 1, "window_seconds": 1}}}});
    let r = c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&bad));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "settings.rate_limits");
}

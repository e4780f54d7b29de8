//! Every rejection the OP must make, with the exact error code and status a
//! client sees, and proof that the rejected request changed nothing. Then
//! isolation: a token, code, client or session of one application is
//! worthless at another.

use crate::oidc::{enc, issuer, provision, sign_in, Setup, PASSWORD, REDIRECT};
use crate::Test;
use aero2_tests::browser::{query_param, Browser};
use aero2_tests::{Client, Resp};

pub fn tests() -> Vec<Test> {
    vec![
        ("authorize_rejections", authorize_rejections),
        ("code_redemption_rejections", code_redemption_rejections),
        ("a_reused_code_revokes_what_it_issued", a_reused_code_revokes_what_it_issued),
        ("an_expired_code_is_refused", an_expired_code_is_refused),
        ("client_authentication_rejections", client_authentication_rejections),
        ("garbage_at_every_endpoint", garbage_at_every_endpoint),
        ("wrong_password_and_unknown_user_look_the_same", wrong_password_and_unknown_user_look_the_same),
        ("nothing_crosses_applications", nothing_crosses_applications),
    ]
}

/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn authorize_path(client_id: &str, extra: &str) -> String {
    format!("/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20offline_access&state=st8{extra}", enc(REDIRECT))
}

fn pkce() -> String {
    format!("&code_challenge={CHALLENGE}&code_challenge_method=S256")
}

/// Signs in and returns a fresh code for `client_id` (PKCE with VERIFIER).
fn code_for(c: &Client, s: &Setup, client_id: &str, b: &mut Browser) -> String {
    let url = format!("{}{}", issuer(c, &s.slug), authorize_path(client_id, &pkce()));
    let back = sign_in(c, b, &s.slug, &url, &s.email, PASSWORD);
    query_param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"))
}

fn token(c: &Client, slug: &str, auth: Option<(&str, &str)>, form: &str) -> Resp {
    let basic = auth.map(|(id, secret)| aero2_tests::basic_auth(id, secret));
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    if let Some(b) = basic.as_deref() {
        headers.push(("authorization", b));
    }
    c.send("POST", slug, "/oauth2/token", &headers, Some(form))
}


fn code_form(code: &str, verifier: &str) -> String {
    format!("grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={verifier}", enc(REDIRECT))
}

#[track_caller]
fn assert_token_error(r: &Resp, status: u16, code: &str) {
    r.assert_error(status, code);
    assert_eq!(r.header("cache-control"), Some("no-store"), "token responses are never cached");
}

/// Where an authorization request sent the browser, and the error there.
fn redirect_error(r: &Resp) -> (String, Option<String>) {
    let loc = r.header("location").unwrap_or_default().to_owned();
    let err = query_param(&loc, "error");
    (loc, err)
}

fn authorize_rejections(c: &Client) {
    let s = provision(c, true);
    let mut b = Browser::new();
    // Unknown client and unregistered redirect_uri: an error page, never a redirect.
    for path in [
        authorize_path("cl_00000000000000000000000000000000", &pkce()),
        authorize_path("garbage", &pkce()),
        format!("/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid{}", s.client_id, enc("https://evil.example/cb"), pkce()),
        format!("/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid{}", s.client_id, enc(&format!("{REDIRECT}/extra")), pkce()),
        format!("/oauth2/authorize?response_type=code&client_id={}&scope=openid{}", s.client_id, pkce()),
    ] {
        let r = b.get(c, &s.slug, &path);
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(r.header("location").is_none(), "{path} redirected");
        assert!(r.header("content-type").unwrap_or_default().starts_with("text/html"));
    }
    // After the redirect URI is trusted: back to the client, with state and iss.
    let cases = [
        (authorize_path(&s.public_client_id, ""), "invalid_request"),
        (authorize_path(&s.client_id, ""), "invalid_request"),
        (authorize_path(&s.public_client_id, &format!("&code_challenge={VERIFIER}&code_challenge_method=plain")), "invalid_request"),
        (authorize_path(&s.public_client_id, &format!("&code_challenge={CHALLENGE}")), "invalid_request"),
        (authorize_path(&s.client_id, &pkce()).replace("response_type=code", "response_type=token"), "unsupported_response_type"),
        (authorize_path(&s.client_id, &format!("{}&scope=admin", pkce())), "invalid_request"),
        (authorize_path(&s.client_id, &pkce()).replace("scope=openid%20offline_access", "scope=openid%20admin"), "invalid_scope"),
        (authorize_path(&s.client_id, &format!("{}&prompt=none", pkce())), "login_required"),
        (authorize_path(&s.client_id, &format!("{}&prompt=none%20login", pkce())), "invalid_request"),
        (authorize_path(&s.client_id, &format!("{}&request=eyJ", pkce())), "request_not_supported"),
    ];
    for (path, expected) in cases {
        let r = b.get(c, &s.slug, &path);
        assert_eq!(r.status, 303, "{path}: {}", r.body);
        let (loc, err) = redirect_error(&r);
        assert!(loc.starts_with(REDIRECT), "{loc}");
        assert_eq!(err.as_deref(), Some(expected), "{path} → {loc}");
        assert_eq!(query_param(&loc, "state").as_deref(), Some("st8"));
        assert_eq!(query_param(&loc, "iss"), Some(issuer(c, &s.slug)));
    }
}

fn code_redemption_rejections(c: &Client) {
    let s = provision(c, true);
    let mut b = Browser::new();
    let auth = Some((s.client_id.as_str(), s.client_secret.as_str()));
    let code = code_for(c, &s, &s.client_id, &mut b);
    // Wrong verifier, missing verifier, wrong redirect_uri: invalid_grant,
    // and the code still works afterwards (nothing changed).
    let wrong = "x".repeat(43);
    assert_token_error(&token(c, &s.slug, auth, &code_form(&code, &wrong)), 400, "invalid_grant");
    let no_verifier = format!("grant_type=authorization_code&code={code}&redirect_uri={}", enc(REDIRECT));
    assert_token_error(&token(c, &s.slug, auth, &no_verifier), 400, "invalid_grant");
    let other_uri = format!("grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={VERIFIER}", enc("http://127.0.0.1:47001/other"));
    assert_token_error(&token(c, &s.slug, auth, &other_uri), 400, "invalid_grant");
    assert_token_error(&token(c, &s.slug, auth, &code_form("ac_nonsense", VERIFIER)), 400, "invalid_grant");
    // The public client cannot redeem the confidential client's code.
    let public = format!("{}&client_id={}", code_form(&code, VERIFIER), s.public_client_id);
    assert_token_error(&token(c, &s.slug, None, &public), 400, "invalid_grant");
    let ok = token(c, &s.slug, auth, &code_form(&code, VERIFIER));
    ok.assert_status(200);
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    // A public client redeems with its id and verifier only.
    let code = code_for(c, &s, &s.public_client_id, &mut b);
    let r = token(c, &s.slug, None, &format!("{}&client_id={}", code_form(&code, VERIFIER), s.public_client_id));
    r.assert_status(200);
    assert!(r.json()["access_token"].is_string());
}

fn a_reused_code_revokes_what_it_issued(c: &Client) {
    let s = provision(c, true);
    let auth = Some((s.client_id.as_str(), s.client_secret.as_str()));
    let code = code_for(c, &s, &s.client_id, &mut Browser::new());
    let first = token(c, &s.slug, auth, &code_form(&code, VERIFIER));
    first.assert_status(200);
    let at = first.json()["access_token"].as_str().unwrap().to_owned();
    let rt = first.json()["refresh_token"].as_str().unwrap().to_owned();
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {at}"))], None).assert_status(200);
    assert_token_error(&token(c, &s.slug, auth, &code_form(&code, VERIFIER)), 400, "invalid_grant");
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {at}"))], None).assert_error(401, "invalid_token");
    assert_token_error(&token(c, &s.slug, auth, &format!("grant_type=refresh_token&refresh_token={rt}")), 400, "invalid_grant");
}

fn an_expired_code_is_refused(c: &Client) {
    let s = provision(c, true);
    // Before the application's host is first resolved, so no cache holds
    // the old settings.
    let patch = serde_json::json!({"settings": {"authorization_code_ttl_seconds": 5}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), aero2_tests::OPERATOR, Some(&patch)).assert_status(200);
    let auth = Some((s.client_id.as_str(), s.client_secret.as_str()));
    let code = code_for(c, &s, &s.client_id, &mut Browser::new());
    std::thread::sleep(std::time::Duration::from_millis(6_000));
    // By now the object's alarm has usually swept the code away; either way
    // the answer is invalid_grant (RFC 6749 §5.2).
    let r = token(c, &s.slug, auth, &code_form(&code, VERIFIER));
    assert_token_error(&r, 400, "invalid_grant");
}

fn client_authentication_rejections(c: &Client) {
    let s = provision(c, true);
    let cc = "grant_type=client_credentials";
    for auth in [
        (s.client_id.as_str(), "wrong-secret"),
        ("cl_00000000000000000000000000000000", s.client_secret.as_str()),
        (s.public_client_id.as_str(), "anything"),
    ] {
        let r = token(c, &s.slug, Some(auth), cc);
        assert_token_error(&r, 401, "invalid_client");
        assert!(r.header("www-authenticate").unwrap_or_default().starts_with("Basic"), "{:?}", r.headers);
    }
    // The registered method is the only one accepted: secret in the body
    // for a client_secret_basic client is refused.
    let post = format!("{cc}&client_id={}&client_secret={}", s.client_id, s.client_secret);
    assert_token_error(&token(c, &s.slug, None, &post), 401, "invalid_client");
    // Two methods at once is a malformed request (RFC 6749 §2.3).
    let both = format!("{cc}&client_id={}&client_secret={}", s.client_id, s.client_secret);
    assert_token_error(&token(c, &s.slug, Some((&s.client_id, &s.client_secret)), &both), 400, "invalid_request");
    // Public clients may not use client_credentials.
    let r = token(c, &s.slug, None, &format!("{cc}&client_id={}", s.public_client_id));
    assert_token_error(&r, 400, "unauthorized_client");
    // Introspection needs a confidential client.
    let r = c.send("POST", &s.slug, "/oauth2/introspect", &[("content-type", "application/x-www-form-urlencoded")], Some(&format!("token=x&client_id={}", s.public_client_id)));
    r.assert_error(401, "invalid_client");
}

fn garbage_at_every_endpoint(c: &Client) {
    let s = provision(c, true);
    let auth = Some((s.client_id.as_str(), s.client_secret.as_str()));
    let json = c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/json")], Some("{\"grant_type\":\"client_credentials\"}"));
    assert_token_error(&json, 400, "invalid_request");
    assert_token_error(&token(c, &s.slug, auth, ""), 400, "invalid_request");
    assert_token_error(&token(c, &s.slug, auth, "grant_type=password&username=a&password=b"), 400, "unsupported_grant_type");
    assert_token_error(&token(c, &s.slug, auth, "grant_type=implicit"), 400, "unsupported_grant_type");
    assert_token_error(&token(c, &s.slug, auth, "grant_type=client_credentials&grant_type=client_credentials"), 400, "invalid_request");
    assert_token_error(&token(c, &s.slug, auth, "grant_type=authorization_code"), 400, "invalid_request");
    assert_token_error(&token(c, &s.slug, auth, "grant_type=%ZZ"), 400, "invalid_request");
    assert_token_error(&token(c, &s.slug, auth, "grant_type=client_credentials&scope=openid"), 400, "invalid_scope");
    c.send("GET", &s.slug, "/oauth2/token", &[], None).assert_error(405, "method_not_allowed");

    let none = c.send("GET", &s.slug, "/oauth2/userinfo", &[], None);
    none.assert_error(401, "unauthorized");
    assert_eq!(none.header("cache-control"), Some("no-store"));
    let challenge = none.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("Bearer") && !challenge.contains("error="), "{challenge}");
    for bad in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."] {
        let r = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {bad}"))], None);
        r.assert_error(401, "invalid_token");
        assert!(r.header("www-authenticate").unwrap().contains("error=\"invalid_token\""));
    }
    // A client_credentials token has no openid scope: insufficient_scope.
    let cc = token(c, &s.slug, auth, "grant_type=client_credentials").json();
    let r = c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {}", cc["access_token"].as_str().unwrap()))], None);
    r.assert_error(403, "insufficient_scope");
    let r = c.send("POST", &s.slug, "/oauth2/revoke", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &aero2_tests::basic_auth(&s.client_id, &s.client_secret))], Some(""));
    assert_token_error(&r, 400, "invalid_request");
    // Expired or unknown sign-in request ids.
    let r = c.get(&s.slug, "/login?request=0123456789abcdef0123456789abcdef");
    assert_eq!(r.status, 400);
    let r = c.send("POST", &s.slug, "/login", &[("content-type", "application/x-www-form-urlencoded")], Some("request=nope&email=a&password=b"));
    assert_eq!(r.status, 400);
}

fn wrong_password_and_unknown_user_look_the_same(c: &Client) {
    let s = provision(c, true);
    let mut answers = Vec::new();
    for (email, password) in [(s.email.as_str(), "wrong password!"), ("nobody@example.com", PASSWORD)] {
        let mut b = Browser::new();
        let r = b.get(c, &s.slug, &authorize_path(&s.client_id, &pkce()));
        let page = b.get(c, &s.slug, r.header("location").unwrap());
        let csrf = aero2_tests::browser::hidden_field(&page.body, "csrf_token").unwrap();
        let request = aero2_tests::browser::hidden_field(&page.body, "request").unwrap();
        // Without the CSRF cookie the form is refused outright.
        let mut stranger = Browser::new();
        let r = stranger.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", email), ("password", password)]);
        assert_eq!(r.status, 403);
        let r = b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", email), ("password", password)]);
        assert!(b.cookie(&s.slug, "aero2_session").is_none());
        answers.push((r.status, r.body.contains("Invalid email or password")));
    }
    assert_eq!(answers, vec![(401, true), (401, true)]);
}

fn nothing_crosses_applications(c: &Client) {
    let a = provision(c, true);
    let b_app = provision(c, true);
    let a_auth = Some((a.client_id.as_str(), a.client_secret.as_str()));
    let b_auth = Some((b_app.client_id.as_str(), b_app.client_secret.as_str()));
    let mut browser = Browser::new();
    let code = code_for(c, &a, &a.client_id, &mut browser);
    // A's client does not exist at B.
    assert_token_error(&token(c, &b_app.slug, a_auth, "grant_type=client_credentials"), 401, "invalid_client");
    // A's code is unknown at B, even to B's own client.
    assert_token_error(&token(c, &b_app.slug, b_auth, &code_form(&code, VERIFIER)), 400, "invalid_grant");
    let tokens = token(c, &a.slug, a_auth, &code_form(&code, VERIFIER)).json();
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    // A's access token: valid at A, not at B (other keys, other issuer).
    c.send("GET", &a.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {at}"))], None).assert_status(200);
    c.send("GET", &b_app.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {at}"))], None).assert_error(401, "invalid_token");
    assert_token_error(&token(c, &b_app.slug, b_auth, &format!("grant_type=refresh_token&refresh_token={rt}")), 400, "invalid_grant");
    let intro = c.send(
        "POST",
        &b_app.slug,
        "/oauth2/introspect",
        &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &aero2_tests::basic_auth(&b_app.client_id, &b_app.client_secret))],
        Some(&format!("token={at}")),
    );
    assert_eq!(intro.json(), serde_json::json!({"active": false}));
    // A's session cookie means nothing at B.
    let session = browser.cookie(&a.slug, "aero2_session").expect("session at A");
    let mut at_b = Browser::new();
    at_b.set_cookie(&b_app.slug, "aero2_session", &session);
    let r = at_b.get(c, &b_app.slug, &authorize_path(&b_app.client_id, &format!("{}&prompt=none", pkce())));
    assert_eq!(redirect_error(&r).1.as_deref(), Some("login_required"));
    // A's user cannot sign in at B.
    let mut stranger = Browser::new();
    let r = stranger.get(c, &b_app.slug, &authorize_path(&b_app.client_id, &pkce()));
    let page = stranger.get(c, &b_app.slug, r.header("location").unwrap());
    let csrf = aero2_tests::browser::hidden_field(&page.body, "csrf_token").unwrap();
    let request = aero2_tests::browser::hidden_field(&page.body, "request").unwrap();
    let r = stranger.post_form(c, &b_app.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &a.email), ("password", PASSWORD)]);
    assert_eq!(r.status, 401);
}

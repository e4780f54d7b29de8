//! Password reset through the mailer: the same answer for every address,
//! a link that works once, and a completed reset that signs the user out
//! everywhere and lifts a lockout. The HTTP mailer is checked against a
//! local server speaking the provider's wire format.

use crate::oidc::{code_flow, enc, oidc_client, provision, Setup, PASSWORD, REDIRECT};
use crate::{scratch_dir, Test};
use aero2_tests::browser::{hidden_field, query_param, Browser};
use aero2_tests::{oidc_http, unique, Client, Resp, Server, OPERATOR};
use openidconnect::OAuth2TokenResponse;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

pub fn tests() -> Vec<Test> {
    vec![
        ("reset_works_once_and_signs_out_everywhere", reset_works_once_and_signs_out_everywhere),
        ("reset_lifts_a_lockout", reset_lifts_a_lockout),
        ("reset_mail_is_rate_limited_per_address", reset_mail_is_rate_limited_per_address),
        ("the_http_mailer_speaks_the_provider_format", the_http_mailer_speaks_the_provider_format),
    ]
}

const NEW_PASSWORD: &str = "a brand new passphrase";

pub fn ask_reset(c: &Client, s: &Setup, email: &str) -> Resp {
    let mut b = Browser::new();
    let page = b.get(c, &s.slug, "/forgot?request=none");
    page.assert_status(200);
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    b.post_form(c, &s.slug, "/forgot", &[("request", "none"), ("csrf_token", &csrf), ("email", email)])
}

/// The outbox once it holds `n` messages.
fn outbox(c: &Client, s: &Setup, n: usize) -> Vec<Value> {
    c.wait_for_mail(&s.app_id, |m| m.len() >= n)
}

pub fn token_in(body: &str) -> String {
    let at = body.find("/reset?token=").expect("reset link in the mail") + "/reset?token=".len();
    body[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

pub fn reset(c: &Client, s: &Setup, token: &str, password: &str) -> Resp {
    let mut b = Browser::new();
    let page = b.get(c, &s.slug, &format!("/reset?token={token}"));
    if page.status != 200 {
        return page;
    }
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    b.post_form(c, &s.slug, "/reset", &[("token", token), ("csrf_token", &csrf), ("password", password)])
}

pub fn sign_in(c: &Client, s: &Setup, password: &str) -> u16 {
    let mut b = Browser::new();
    let path = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        s.client_id,
        enc(REDIRECT)
    );
    let r = b.get(c, &s.slug, &path);
    let page = b.get(c, &s.slug, r.header("location").unwrap());
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &s.email), ("password", password)]).status
}

fn reset_works_once_and_signs_out_everywhere(c: &Client) {
    let s = provision(c, true);
    let client = oidc_client(c, &s);
    let mut b = Browser::new();
    let (tokens, _) = code_flow(c, &s, &client, &mut b);

    // The unknown address first: mail is delivered in the order it was
    // queued, so once the known address's message is out, anything the
    // first request had queued would be out too.
    let unknown = ask_reset(c, &s, &format!("{}@example.com", unique("nobody")));
    let known = ask_reset(c, &s, &s.email);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body), "the same answer either way");
    assert!(known.body.contains("Check your email"));
    let mail = outbox(c, &s, 1);
    assert_eq!(mail.len(), 1, "only the real account got mail: {mail:?}");
    assert_eq!((mail[0]["recipient"].as_str(), mail[0]["kind"].as_str()), (Some(s.email.as_str()), Some("password_reset")));
    let token = token_in(mail[0]["body"].as_str().unwrap());

    // A weak password is refused and the link still works.
    assert_eq!(reset(c, &s, &token, "short").status, 400);
    let done = reset(c, &s, &token, NEW_PASSWORD);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Password changed"));
    // Once only.
    assert_eq!(reset(c, &s, &token, "another new passphrase").status, 400);

    // Everything the user held elsewhere is gone.
    let bearer = format!("Bearer {}", tokens.access_token().secret());
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &bearer)], None).assert_error(401, "invalid_token");
    let rt = tokens.refresh_token().unwrap();
    crate::oidc::assert_token_error(client.exchange_refresh_token(rt).unwrap().request(&oidc_http(c)), "invalid_grant");
    let silent = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&prompt=none&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        s.client_id,
        enc(REDIRECT)
    );
    let r = b.get(c, &s.slug, &silent);
    assert_eq!(query_param(r.header("location").unwrap(), "error").as_deref(), Some("login_required"));
    assert_eq!(sign_in(c, &s, PASSWORD), 401, "the old password is gone");
    assert_eq!(sign_in(c, &s, NEW_PASSWORD), 303);
    // Garbage tokens get the same expired page.
    assert_eq!(reset(c, &s, "rst_nonsense", NEW_PASSWORD).status, 400);
}

fn reset_lifts_a_lockout(c: &Client) {
    let s = provision(c, true);
    let settings = json!({"settings": {"lockout": {"max_failures": 2, "window_seconds": 600, "lock_seconds": 3600}}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&settings)).assert_status(200);
    assert_eq!(sign_in(c, &s, "wrong password!"), 401);
    assert_eq!(sign_in(c, &s, "wrong password!"), 401);
    assert_eq!(sign_in(c, &s, PASSWORD), 429, "locked");
    ask_reset(c, &s, &s.email).assert_status(200);
    let token = token_in(outbox(c, &s, 1)[0]["body"].as_str().unwrap());
    reset(c, &s, &token, NEW_PASSWORD).assert_status(200);
    assert_eq!(sign_in(c, &s, NEW_PASSWORD), 303, "a reset unlocks");
}

fn reset_mail_is_rate_limited_per_address(c: &Client) {
    let s = provision(c, true);
    for _ in 0..3 {
        ask_reset(c, &s, &s.email).assert_status(200);
    }
    let r = ask_reset(c, &s, &s.email);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    // A later message to someone else: once it is out, so is anything the
    // refused request could have queued.
    let other = format!("{}@example.com", unique("other"));
    c.api("POST", &format!("/applications/{}/users", s.app_id), OPERATOR, Some(&json!({"email": other, "password": "another password"}))).assert_status(201);
    ask_reset(c, &s, &other).assert_status(200);
    let mail = c.mail_to(&s.app_id, &other, "password_reset", 1);
    assert!(!mail.is_empty());
    assert_eq!(c.outbox(&s.app_id).iter().filter(|m| m["recipient"] == s.email.as_str()).count(), 3, "no mail beyond the limit");
}

/// One HTTP request as a provider would receive it: request line, headers, body.
fn capture_one(listener: TcpListener) -> (String, Vec<(String, String)>, String) {
    let (stream, _) = listener.accept().expect("mailer connects");
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end().to_owned();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len: usize = headers.iter().find(|(k, _)| k == "content-length").map(|(_, v)| v.parse().unwrap()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    let mut out = stream;
    out.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{\"id\":\"msg_1\"}\n").unwrap();
    (line, headers, String::from_utf8(body).unwrap())
}

fn the_http_mailer_speaks_the_provider_format(_shared: &Client) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/emails", listener.local_addr().unwrap().port());
    let server = Server::start_with(
        &scratch_dir("mailer"),
        &[("MAILER", "http"), ("MAILER_URL", &url), ("MAILER_FROM", "Acme <auth@acme.example>"), ("MAILER_API_KEY", "re_test_key")],
    );
    let c = server.client();
    let s = provision(&c, true);
    // The provider has not even accepted the connection yet: the page
    // answers without waiting for the mail (and so takes the same time
    // whether or not the address has an account).
    ask_reset(&c, &s, &s.email).assert_status(200);
    let (line, headers, body) = capture_one(listener);
    assert!(line.starts_with("POST /emails "), "{line}");
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(header("authorization"), Some("Bearer re_test_key"));
    assert!(header("content-type").unwrap_or_default().starts_with("application/json"));
    let mail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(mail["from"], "Acme <auth@acme.example>");
    assert_eq!(mail["to"], json!([s.email]));
    assert!(mail["subject"].as_str().unwrap().contains("Reset"));
    assert!(mail["text"].as_str().unwrap().contains("/reset?token=rst_"));
    // Nothing went to the local outbox.
    assert_eq!(c.api("GET", &format!("/applications/{}/outbox", s.app_id), OPERATOR, None).json()["messages"], json!([]));
}

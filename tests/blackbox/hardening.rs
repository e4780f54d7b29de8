//! Hardening from the same review: sign-out that a cross-site request
//! cannot trigger, request bodies cut off while they stream in, refresh
//! rotation that survives a lost answer and concurrent retries, rate
//! limits on the endpoints that park state, and what a public (non-local)
//! deployment refuses: the local outbox mailer, upstream URLs that are
//! plain http, loopback or IP literals. The outbox's retention is checked
//! on a server of its own.

use crate::oidc::{enc, provision, Setup, POST_LOGOUT};
use crate::security::{authorize_path, silent, token_request, tokens};
use crate::{scratch_dir, Test};
use aero2_tests::browser::{hidden_field, Browser};
use aero2_tests::{raw_send, unique, Client, Resp, Server, OPERATOR};
use serde_json::{json, Value};
use std::io::Read;
use std::time::{Duration, Instant};

pub fn tests() -> Vec<Test> {
    vec![
        ("sign_out_asks_without_a_valid_hint_and_ends_what_the_session_issued", sign_out_asks_without_a_valid_hint_and_ends_what_the_session_issued),
        ("request_bodies_are_cut_off_at_the_limit_while_streaming", request_bodies_are_cut_off_at_the_limit_while_streaming),
        ("a_lost_refresh_answer_does_not_sign_the_user_out", a_lost_refresh_answer_does_not_sign_the_user_out),
        ("concurrent_refreshes_leave_exactly_one_live_successor", concurrent_refreshes_leave_exactly_one_live_successor),
        ("a_failure_while_signing_changes_nothing", a_failure_while_signing_changes_nothing),
        ("the_authorization_endpoint_is_rate_limited", the_authorization_endpoint_is_rate_limited),
        ("a_public_deployment_refuses_what_is_only_safe_locally", a_public_deployment_refuses_what_is_only_safe_locally),
        ("the_outbox_keeps_mail_for_a_limited_time", the_outbox_keeps_mail_for_a_limited_time),
    ]
}

fn patch_settings(c: &Client, s: &Setup, settings: Value) {
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({ "settings": settings }))).assert_status(200);
}

fn sign_out_asks_without_a_valid_hint_and_ends_what_the_session_issued(c: &Client) {
    let s = provision(c, true);
    let mut b = Browser::new();
    let t = tokens(c, &s, &mut b, (&s.client_id, &s.client_secret), "openid offline_access");
    // A cross-site GET (an <img> on any page) signs nobody out.
    let r = b.get(c, &s.slug, "/oauth2/logout");
    r.assert_status(200);
    assert!(r.body.contains("Sign out"), "{}", r.body);
    assert_eq!(silent(c, &s, &mut b), "code");
    // Neither does a POST without the confirmation form's token.
    b.post_form(c, &s.slug, "/oauth2/logout", &[("client_id", &s.client_id)]).assert_status(200);
    assert_eq!(silent(c, &s, &mut b), "code");
    let page = b.get(c, &s.slug, &format!("/oauth2/logout?client_id={}&post_logout_redirect_uri={}&state=xyz", s.client_id, enc(POST_LOGOUT)));
    page.assert_status(200);
    assert!(page.header("location").is_none());
    assert_eq!(silent(c, &s, &mut b), "code");
    // The user confirms (the form's answer may lead to the client's origin).
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("form-action 'self' http://127.0.0.1:47001"), "{csp}");
    let field = |name: &str| hidden_field(&page.body, name).unwrap_or_else(|| panic!("{name} on the confirmation page"));
    let fields = [("csrf_token", field("csrf_token")), ("client_id", field("client_id")), ("post_logout_redirect_uri", field("post_logout_redirect_uri")), ("state", field("state"))];
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bye = b.post_form(c, &s.slug, "/oauth2/logout", &refs);
    assert_eq!(bye.status, 303, "{}", bye.body);
    assert_eq!(bye.header("location"), Some(format!("{POST_LOGOUT}?state=xyz").as_str()));
    assert_eq!(silent(c, &s, &mut b), "login_required");
    // What the session issued ends with it.
    let r = token_request(c, &s, &s.client_id, &s.client_secret, &[("grant_type", "refresh_token"), ("refresh_token", t["refresh_token"].as_str().unwrap())]);
    r.assert_error(400, "invalid_grant");
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &bearer)], None).assert_error(401, "invalid_token");
}

/// The status line of whatever the server answers on `stream`, waiting
/// at most `secs` seconds.
fn status_line(stream: &mut std::net::TcpStream, secs: u64) -> String {
    stream.set_read_timeout(Some(Duration::from_secs(secs))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&got).lines().next().unwrap_or("(no answer)").to_owned()
}

/// On a server of its own: `wrangler dev`'s local proxy keeps one
/// connection to the runtime, and a client that abandons a request body
/// (as this test must) leaves it broken for whichever request comes next,
/// an artifact of the local proxy that other tests must not meet.
fn request_bodies_are_cut_off_at_the_limit_while_streaming(_shared: &Client) {
    let server = Server::start(&scratch_dir("bodies"));
    let c = server.client();
    let s = provision(&c, true);
    // 96 KiB in 1 KiB chunks, with no Content-Length and no final chunk:
    // a Worker that waited for the whole body would never answer.
    let head = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked",
        c.authority(&s.slug)
    );
    let chunk = format!("400\r\n{}\r\n", "a".repeat(1024));
    let mut endless = raw_send(c.port(), &head, chunk.repeat(96).as_bytes());
    let line = status_line(&mut endless, 20);
    assert!(line.starts_with("HTTP/1.1 413"), "{line}");
    // A body within the limit, chunked the same way, is read as usual
    // (while the abandoned one is still open, see above).
    let small = "grant_type=client_credentials";
    let head = format!("{head}\r\nAuthorization: {}", aero2_tests::basic_auth(&s.client_id, &s.client_secret));
    let mut ok = raw_send(c.port(), &head, format!("{:x}\r\n{small}\r\n0\r\n\r\n", small.len()).as_bytes());
    let line = status_line(&mut ok, 20);
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    drop(endless);
}

fn refresh(c: &Client, s: &Setup, rt: &str) -> Resp {
    token_request(c, s, &s.client_id, &s.client_secret, &[("grant_type", "refresh_token"), ("refresh_token", rt)])
}

pub fn introspect_active(c: &Client, s: &Setup, token: &str) -> bool {
    let auth = aero2_tests::basic_auth(&s.client_id, &s.client_secret);
    let body = aero2_tests::browser::form_encode(&[("token", token)]);
    let r = c.send("POST", &s.slug, "/oauth2/introspect", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(&body));
    r.json()["active"] == true
}

/// Sends a refresh and never reads the answer: the connection is dropped
/// once the object has rotated the token (seen through introspection).
fn refresh_and_drop(c: &Client, s: &Setup, rt: &str) {
    let body = aero2_tests::browser::form_encode(&[("grant_type", "refresh_token"), ("refresh_token", rt)]);
    let head = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {}\r\nContent-Length: {}",
        c.authority(&s.slug),
        aero2_tests::basic_auth(&s.client_id, &s.client_secret),
        body.len()
    );
    let stream = raw_send(c.port(), &head, body.as_bytes());
    let deadline = Instant::now() + Duration::from_secs(15);
    while introspect_active(c, s, rt) {
        assert!(Instant::now() < deadline, "the dropped refresh never rotated the token");
        std::thread::sleep(Duration::from_millis(50));
    }
    stream.shutdown(std::net::Shutdown::Both).ok();
    drop(stream);
}

fn a_lost_refresh_answer_does_not_sign_the_user_out(c: &Client) {
    let s = provision(c, true);
    patch_settings(c, &s, json!({"refresh_token_reuse_leeway_seconds": 30}));
    let t = tokens(c, &s, &mut Browser::new(), (&s.client_id, &s.client_secret), "openid offline_access");
    let rt0 = t["refresh_token"].as_str().unwrap().to_owned();
    refresh_and_drop(c, &s, &rt0);
    // The client retries with the token it still holds: a valid successor.
    let r = refresh(c, &s, &rt0);
    r.assert_status(200);
    let rt1 = r.json()["refresh_token"].as_str().unwrap().to_owned();
    let r = refresh(c, &s, &rt1);
    r.assert_status(200);
    let rt2 = r.json()["refresh_token"].as_str().unwrap().to_owned();
    // Presented again while its successor is unused: a new successor
    // replaces it. Once that one was used, the old token is someone else's
    // copy: reuse detection revokes the family.
    let rt3 = refresh(c, &s, &rt2).json()["refresh_token"].as_str().unwrap().to_owned();
    let again = refresh(c, &s, &rt2);
    again.assert_status(200);
    let rt3b = again.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt3, rt3b);
    let r = refresh(c, &s, &rt3b);
    r.assert_status(200);
    let rt4 = r.json()["refresh_token"].as_str().unwrap().to_owned();
    refresh(c, &s, &rt2).assert_error(400, "invalid_grant");
    refresh(c, &s, &rt4).assert_error(400, "invalid_grant");
    // The replaced successor stops working, and whoever presents it holds
    // a copy the client never had: the family is revoked too.
    let t = tokens(c, &s, &mut Browser::new(), (&s.client_id, &s.client_secret), "openid offline_access");
    let x0 = t["refresh_token"].as_str().unwrap().to_owned();
    let x1 = refresh(c, &s, &x0).json()["refresh_token"].as_str().unwrap().to_owned();
    let x1b = refresh(c, &s, &x0).json()["refresh_token"].as_str().unwrap().to_owned();
    refresh(c, &s, &x1).assert_error(400, "invalid_grant");
    refresh(c, &s, &x1b).assert_error(400, "invalid_grant");

    // With the leeway turned off, the retry is reuse, as before.
    let strict = provision(c, true);
    patch_settings(c, &strict, json!({"refresh_token_reuse_leeway_seconds": 0}));
    let t = tokens(c, &strict, &mut Browser::new(), (&strict.client_id, &strict.client_secret), "openid offline_access");
    let rt = t["refresh_token"].as_str().unwrap();
    refresh_and_drop(c, &strict, rt);
    refresh(c, &strict, rt).assert_error(400, "invalid_grant");
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    c.send("GET", &strict.slug, "/oauth2/userinfo", &[("authorization", &bearer)], None).assert_error(401, "invalid_token");
    let r = c.api("PATCH", &format!("/applications/{}", strict.app_id), OPERATOR, Some(&json!({"settings": {"refresh_token_reuse_leeway_seconds": 3601}})));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "settings.refresh_token_reuse_leeway_seconds");
}

/// `n` refreshes of the same token at once.
fn burst(c: &Client, s: &Setup, rt: &str, n: usize) -> Vec<Resp> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n).map(|_| scope.spawn(|| refresh(c, s, rt))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn concurrent_refreshes_leave_exactly_one_live_successor(c: &Client) {
    let s = provision(c, true);
    patch_settings(c, &s, json!({"refresh_token_reuse_leeway_seconds": 30}));
    let t = tokens(c, &s, &mut Browser::new(), (&s.client_id, &s.client_secret), "openid offline_access");
    let answers = burst(c, &s, t["refresh_token"].as_str().unwrap(), 8);
    assert!(answers.iter().all(|r| r.status == 200), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    let successors: Vec<String> = answers.iter().map(|r| r.json()["refresh_token"].as_str().unwrap().to_owned()).collect();
    let live = successors.iter().filter(|rt| introspect_active(c, &s, rt)).count();
    assert_eq!(live, 1, "one successor stands, the others were replaced");

    let strict = provision(c, true);
    patch_settings(c, &strict, json!({"refresh_token_reuse_leeway_seconds": 0}));
    let t = tokens(c, &strict, &mut Browser::new(), (&strict.client_id, &strict.client_secret), "openid offline_access");
    let answers = burst(c, &strict, t["refresh_token"].as_str().unwrap(), 8);
    let ok: Vec<&Resp> = answers.iter().filter(|r| r.status == 200).collect();
    assert!(ok.len() <= 1, "at most one rotation");
    assert!(answers.iter().filter(|r| r.status != 200).all(|r| r.error() == "invalid_grant"));
    for r in ok {
        refresh(c, &strict, r.json()["refresh_token"].as_str().unwrap()).assert_error(400, "invalid_grant");
    }
}

/// On a server of its own, restarted with the wrong key-encryption key:
/// the signer cannot open its sealed keys, so signing fails. A code and a
/// refresh token presented then must still work once signing works again
/// (nothing was marked used), not be taken for reuse.
fn a_failure_while_signing_changes_nothing(_shared: &Client) {
    let mut server = Server::start(&scratch_dir("signing-failure"));
    let c = server.client();
    let s = provision(&c, true);
    let client = (s.client_id.as_str(), s.client_secret.as_str());
    let t = tokens(&c, &s, &mut Browser::new(), client, "openid offline_access");
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    let mut b = Browser::new();
    let mut code_for = |c: &Client| {
        let back = crate::oidc::sign_in(c, &mut b, &s.slug, &crate::security::authorize_url(c, &s, &s.client_id, "openid"), &s.email, crate::oidc::PASSWORD);
        aero2_tests::browser::query_param(&back, "code").expect("code")
    };
    let code = code_for(&c);
    let exchange = |c: &Client, code: &str| {
        token_request(c, &s, client.0, client.1, &[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", crate::oidc::REDIRECT), ("code_verifier", crate::security::VERIFIER)])
    };

    server.restart_with(&[("AERO2_KEY_ENCRYPTION_KEY", "d3Jvbmcta2V5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=")]);
    let c = server.client();
    assert_eq!(refresh(&c, &s, &rt).status, 500, "signing fails");
    assert_eq!(exchange(&c, &code).status, 500);

    server.restart_with(&[]);
    let c = server.client();
    let r = refresh(&c, &s, &rt);
    r.assert_status(200);
    refresh(&c, &s, r.json()["refresh_token"].as_str().unwrap()).assert_status(200);
    exchange(&c, &code).assert_status(200);
}

fn the_authorization_endpoint_is_rate_limited(c: &Client) {
    let s = provision(c, true);
    patch_settings(c, &s, json!({"rate_limits": {"authorize_per_ip": {"max": 3, "window_seconds": 60}}}));
    for _ in 0..3 {
        assert_eq!(c.get(&s.slug, &authorize_path(&s.client_id, "openid")).status, 303);
    }
    let r = c.get(&s.slug, &authorize_path(&s.client_id, "openid"));
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.header("retry-after").is_some_and(|v| v.parse::<u64>().is_ok()));
    // Per application: another one is not affected.
    let other = provision(c, true);
    assert_eq!(c.get(&other.slug, &authorize_path(&other.client_id, "openid")).status, 303);
}

fn a_public_deployment_refuses_what_is_only_safe_locally(_shared: &Client) {
    let server = Server::start_with(&scratch_dir("public"), &[("PLATFORM_DOMAIN", "aero2.test"), ("MAILER", "outbox")]);
    let c = server.client();
    let slug = unique("pub");
    let app = c.create_app(&slug);
    let app_id = app["id"].as_str().unwrap().to_owned();
    let email = format!("{}@example.com", unique("u"));
    c.api("POST", &format!("/applications/{app_id}/users"), OPERATOR, Some(&json!({"email": email, "password": "a long enough password"}))).assert_status(201);
    // The local outbox is no way to deliver mail to real people.
    let mut b = Browser::new();
    let page = b.get(&c, &slug, "/forgot?request=none");
    page.assert_status(200);
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(&c, &slug, "/forgot", &[("request", "none"), ("csrf_token", &csrf), ("email", &email)]);
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("cannot send email"), "{}", r.body);
    let health = c.send("GET", &slug, "/.well-known/aero2-health", &[("authorization", &format!("Bearer {OPERATOR}"))], None);
    health.assert_status(200);
    let mailer = &health.json()["mailer"];
    assert_eq!(mailer["ready"], false, "{mailer}");
    assert!(mailer["problem"].as_str().unwrap_or_default().contains("MAILER=outbox"), "{mailer}");
    assert_eq!(c.outbox(&app_id), Vec::<Value>::new(), "nothing queued or stored");
    // Upstream identity providers: https with a host name, nothing else.
    let idps = format!("/applications/{app_id}/idps");
    for (url, why) in [
        ("http://idp.example/authorize", "plain http"),
        ("https://10.1.2.3/authorize", "an IP literal"),
        ("https://[2001:db8::1]/authorize", "an IPv6 literal"),
        ("https://127.0.0.1/authorize", "loopback"),
        ("https://localhost/authorize", "loopback by name"),
    ] {
        let body = json!({
            "type": "oauth2", "slug": unique("o"), "display_name": "X", "client_id": "a", "client_secret": "b",
            "authorization_endpoint": url, "token_endpoint": "https://idp.example/token", "userinfo_endpoint": "https://idp.example/me",
            "claims": {"subject": "id"},
        });
        let r = c.api("POST", &idps, OPERATOR, Some(&body));
        assert_eq!(r.status, 400, "{why}: {}", r.body);
        assert_eq!(r.json()["field"], "authorization_endpoint", "{why}");
    }
    let r = c.api("POST", &idps, OPERATOR, Some(&json!({"type": "oidc", "slug": "corp", "display_name": "X", "client_id": "a", "client_secret": "b", "issuer": "http://127.0.0.1:9"})));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "issuer");
    let ok = json!({
        "type": "oauth2", "slug": "fine", "display_name": "X", "client_id": "a", "client_secret": "b",
        "authorization_endpoint": "https://idp.example/authorize", "token_endpoint": "https://idp.example/token",
        "userinfo_endpoint": "https://idp.example/me", "claims": {"subject": "id"},
    });
    c.api("POST", &idps, OPERATOR, Some(&ok)).assert_status(201);
}

fn the_outbox_keeps_mail_for_a_limited_time(_shared: &Client) {
    let server = Server::start_with(&scratch_dir("retention"), &[("AERO2_OUTBOX_RETENTION_MS", "1000")]);
    let c = server.client();
    let s = provision(&c, true);
    crate::recovery::ask_reset(&c, &s, &s.email).assert_status(200);
    let first = c.mail_to(&s.app_id, &s.email, "password_reset", 1)[0]["id"].as_str().unwrap().to_owned();
    std::thread::sleep(Duration::from_millis(1_500));
    crate::recovery::ask_reset(&c, &s, &s.email).assert_status(200);
    let mail = c.wait_for_mail(&s.app_id, |m| m.iter().any(|x| x["id"] != first.as_str()));
    assert_eq!(mail.len(), 1, "the day-old (here: second-old) message is gone: {mail:?}");
    assert_ne!(mail[0]["id"], first.as_str());

    // Locally, without an SMS provider, texts go to the same outbox
    // (`SMS=outbox` in wrangler.toml), where a developer reads the code.
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"sms_countries": ["1"]}}))).assert_status(200);
    let at = crate::mfa::account_token(&c, &s);
    let r = crate::security::account(&c, &s, "POST", "/account/factors/sms", &at, Some(json!({"phone": "+15557654321"})));
    r.assert_status(200);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let text = c.mail_to(&s.app_id, "+15557654321", "sms", 1)[0]["body"].as_str().unwrap().to_owned();
    let code: String = text.chars().take(6).collect();
    crate::security::account(&c, &s, "POST", &format!("/account/factors/{id}/confirm"), &at, Some(json!({"code": code}))).assert_status(200);
}

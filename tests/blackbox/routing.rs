//! Routing, as RFC 9110 wants it: `HEAD` is answered wherever `GET` is
//! (same status and headers, no body), a method a path does not take gets
//! 405 with that path's own `Allow` list, and a path that does not exist
//! gets 404 whatever the method.

use crate::oidc::provision;
use crate::Test;
use aero2_tests::{raw_send, Client, OPERATOR};
use std::io::Read;
use std::time::Duration;

pub fn tests() -> Vec<Test> {
    vec![
        ("head_is_answered_wherever_get_is", head_is_answered_wherever_get_is),
        ("a_wrong_method_gets_the_paths_own_allow_list", a_wrong_method_gets_the_paths_own_allow_list),
    ]
}

/// The whole answer to a raw `HEAD` (the connection closed after it): the
/// status line, the headers, and whatever came after them.
fn raw_head(c: &Client, host: &str, path: &str, extra: &str) -> (String, String, Vec<u8>) {
    let head = format!("HEAD {path} HTTP/1.1\r\nHost: {}\r\nConnection: close{extra}", c.authority(host));
    let mut s = raw_send(c.port(), &head, b"");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let end = got.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete header block");
    let text = String::from_utf8_lossy(&got[..end]).to_string();
    let (line, headers) = text.split_once("\r\n").unwrap_or((&text, ""));
    (line.to_owned(), headers.to_ascii_lowercase(), got[end + 4..].to_vec())
}

fn head_is_answered_wherever_get_is(c: &Client) {
    let s = provision(c, true);
    let app = format!("/api/v1/applications/{}", s.app_id);
    let bearer = format!("Bearer {OPERATOR}");
    let cases: [(&str, &str, bool); 8] = [
        (&s.slug, "/.well-known/openid-configuration", false),
        (&s.slug, "/.well-known/oauth-authorization-server", false),
        (&s.slug, "/.well-known/jwks.json", false),
        (&s.slug, "/ui/hosted.css", false),
        // A page that answers GET with an error answers HEAD the same way.
        (&s.slug, "/login", false),
        (&s.slug, "/.well-known/aero2-health", false),
        ("dashboard", &app, true),
        ("dashboard", "/api/v1/applications", true),
    ];
    for (host, path, operator) in cases {
        let headers: Vec<(&str, &str)> = if operator { vec![("authorization", bearer.as_str())] } else { vec![] };
        let extra = if operator { format!("\r\nAuthorization: {bearer}") } else { String::new() };
        let get = c.send("GET", host, path, &headers, None);
        assert!(!get.body.is_empty(), "GET {path} has a body");
        let (line, head_headers, body) = raw_head(c, host, path, &extra);
        assert!(line.starts_with(&format!("HTTP/1.1 {} ", get.status)), "HEAD {path}: {line}, GET was {}", get.status);
        assert!(body.is_empty(), "HEAD {path} sent a body: {}", String::from_utf8_lossy(&body));
        for name in ["content-type", "cache-control"] {
            let want = get.header(name).map(|v| format!("{name}: {}", v.to_ascii_lowercase()));
            assert_eq!(
                want.as_ref().map(|w| head_headers.lines().any(|l| l.trim() == w.as_str())),
                want.as_ref().map(|_| true),
                "HEAD {path}: {name} as for GET ({want:?}) in\n{head_headers}"
            );
        }
    }
    // Where GET is not served, neither is HEAD.
    let r = c.send("HEAD", &s.slug, "/oauth2/token", &[], None);
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

fn a_wrong_method_gets_the_paths_own_allow_list(c: &Client) {
    let s = provision(c, true);
    let app = format!("/api/v1/applications/{}", s.app_id);
    let cases: Vec<(&str, &str, String, &str)> = vec![
        ("GET", &s.slug, "/oauth2/token".into(), "POST"),
        ("GET", &s.slug, "/oauth2/revoke".into(), "POST"),
        ("PUT", &s.slug, "/oauth2/introspect".into(), "POST"),
        ("DELETE", &s.slug, "/oauth2/userinfo".into(), "GET, HEAD, POST"),
        ("POST", &s.slug, "/.well-known/jwks.json".into(), "GET, HEAD"),
        ("POST", &s.slug, "/.well-known/openid-configuration".into(), "GET, HEAD"),
        ("PATCH", &s.slug, "/login".into(), "GET, HEAD, POST"),
        ("PUT", &s.slug, "/account/profile".into(), "GET, HEAD, PATCH"),
        ("GET", &s.slug, "/account/password".into(), "POST"),
        ("GET", &s.slug, "/account/sessions/sid_x".into(), "DELETE"),
        ("POST", &s.slug, "/rp/callback/github".into(), "GET, HEAD"),
        // A method the runtime knows (WebDAV) but no table names: not run as
        // GET, answered with the path's list.
        ("PROPFIND", &s.slug, "/.well-known/jwks.json".into(), "GET, HEAD"),
        ("DELETE", "dashboard", "/api/v1/applications".into(), "GET, HEAD, POST"),
        ("PUT", "dashboard", app.clone(), "GET, HEAD, PATCH, DELETE"),
        ("GET", "dashboard", format!("{app}/clients/c_x/secret"), "POST"),
        ("GET", "dashboard", format!("{app}/signing-keys/rotate"), "POST"),
        ("POST", "dashboard", format!("{app}/users/u_x"), "GET, HEAD, PATCH, DELETE"),
    ];
    let auth = format!("Bearer {OPERATOR}");
    for (method, host, path, allow) in &cases {
        let r = c.send(method, host, path, &[("authorization", &auth)], Some(""));
        r.assert_error(405, "method_not_allowed");
        assert_eq!(r.header("allow"), Some(*allow), "{method} {path}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{method} {path}");
    }
    for (method, host, path) in [
        ("GET", s.slug.as_str(), "/oauth2/nowhere"),
        ("DELETE", s.slug.as_str(), "/oauth2/token/x"),
        ("GET", s.slug.as_str(), "/rp/authorize/a/b"),
        ("GET", s.slug.as_str(), "/account/nowhere"),
        ("GET", s.slug.as_str(), "/api/v1/applications"),
        ("PUT", "dashboard", "/api/v1/nowhere"),
    ] {
        c.send(method, host, path, &[("authorization", &auth)], Some("")).assert_error(404, "not_found");
    }
}

//! Routing, the forward path to each application's `TenantApp`, security
//! headers and CORS.

use crate::Test;
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("two_applications_answer_from_two_objects", two_applications_answer_from_two_objects),
        ("unknown_hosts_get_unknown_application", unknown_hosts_get_unknown_application),
        ("security_headers_on_every_response", security_headers_on_every_response),
        ("cors_is_fail_closed", cors_is_fail_closed),
        ("spoofed_internal_headers_change_nothing", spoofed_internal_headers_change_nothing),
        ("unknown_paths_and_management_elsewhere_are_404", unknown_paths_and_management_elsewhere_are_404),
    ]
}

fn health(c: &Client, host: &str) -> serde_json::Value {
    let r = c.health(host);
    r.assert_status(200);
    r.json()
}

fn two_applications_answer_from_two_objects(c: &Client) {
    let (a_slug, b_slug) = (unique("alpha"), unique("beta"));
    let a = c.create_app(&a_slug);
    let b = c.create_app(&b_slug);
    let ha = health(c, &a_slug);
    let hb = health(c, &b_slug);
    let hd = health(c, "dashboard");
    assert_eq!(ha["application"]["id"], a["id"]);
    assert_eq!(ha["application"]["slug"], a_slug.as_str());
    assert_eq!(hb["application"]["id"], b["id"]);
    assert_eq!(hd["application"]["id"], "app_dashboard");
    let ids = [&ha, &hb, &hd].map(|h| h["durable_object"]["id"].as_str().unwrap().to_owned());
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "distinct objects: {ids:?}");
    assert_eq!(ha["durable_object"]["class"], "TenantApp");
    // Every object migrates its own storage to the same, current schema.
    assert!(ha["durable_object"]["schema_version"].as_u64().is_some_and(|v| v >= 1));
    assert_eq!(ha["durable_object"]["schema_version"], hb["durable_object"]["schema_version"]);
    assert_eq!(ha["durable_object"]["storage"]["reachable"], true);
    // Each object counts in its own storage.
    assert_eq!(ha["durable_object"]["storage"]["health_checks"], 1);
    assert_eq!(health(c, &a_slug)["durable_object"]["storage"]["health_checks"], 2);
    assert_eq!(health(c, &b_slug)["durable_object"]["storage"]["health_checks"], 2);
    // One JwksSigner per shard (three on this server, `signer_shards`):
    // the same object exactly when the two applications share a shard.
    assert_eq!(ha["jwks_signer"]["class"], "JwksSigner");
    let shard = |app: &Value| {
        let path = format!("/applications/{}/signing-keys", app["id"].as_str().unwrap());
        c.api("GET", &path, OPERATOR, None).json()["signer"]["shard"].as_u64().unwrap()
    };
    assert_eq!(ha["jwks_signer"]["id"] == hb["jwks_signer"]["id"], shard(&a) == shard(&b));
    // Same object again for the same application.
    assert_eq!(health(c, &a_slug)["durable_object"]["id"], ha["durable_object"]["id"]);
}

fn unknown_hosts_get_unknown_application(c: &Client) {
    for host in [unique("nosuch").as_str(), "127.0.0.1", "localhost", "a.b.localhost", "ab", "x_y", "auth.unregistered.test"] {
        c.get(host, "/.well-known/aero2-health").assert_error(404, "unknown_application");
    }
}

fn security_headers_on_every_response(c: &Client) {
    let slug = unique("headers");
    let app = c.create_app(&slug);
    let id = app["id"].as_str().unwrap();
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let responses = [
        c.get(&slug, "/.well-known/aero2-health"),
        c.get(&slug, "/nothing-here"),
        c.get(&unique("nosuch"), "/"),
        c.api("GET", "/applications", "wrong", None),
        c.api("GET", "/applications", OPERATOR, None),
        // The token endpoint's answers, and management answers whose object
        // signals the front Worker (a settings change tells it to forget
        // the application; a deletion, that it is gone).
        c.send("POST", &slug, "/oauth2/token", &form, Some("grant_type=client_credentials")),
        c.api("PATCH", &format!("/applications/{id}"), OPERATOR, Some(&json!({"settings": {"allowed_origins": ["https://h.example.com"]}}))),
        c.get(&slug, "/.well-known/openid-configuration"),
        c.get(&slug, "/.well-known/openid-configuration"),
        c.api("DELETE", &format!("/applications/{id}"), OPERATOR, None),
        c.get(&slug, "/.well-known/aero2-health"),
        // Answered from the Worker's memory a moment ago: gone with it.
        c.get(&slug, "/.well-known/openid-configuration"),
    ];
    for r in &responses {
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "csp: {csp}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        // HSTS would pin localhost to HTTPS for every local server.
        assert_eq!(r.header("strict-transport-security"), None);
        assert!(r.headers.iter().all(|(n, _)| !n.to_ascii_lowercase().starts_with("x-aero2")), "{:?}", r.headers);
    }
    assert_eq!(responses[4].header("cache-control"), Some("no-store"));
    let token = &responses[5];
    token.assert_error(401, "invalid_client");
    assert_eq!((token.header("cache-control"), token.header("pragma")), (Some("no-store"), Some("no-cache")));
    assert!(token.header("www-authenticate").is_some_and(|v| v.starts_with("Basic")));
    responses[6].assert_status(200);
    responses[8].assert_status(200);
    assert_ne!(responses[7].header("x-request-id"), responses[8].header("x-request-id"));
    responses[9].assert_status(204);
    responses[10].assert_error(404, "unknown_application");
    responses[11].assert_error(404, "unknown_application");
}

fn cors_is_fail_closed(c: &Client) {
    let slug = unique("cors");
    let r = c.api(
        "POST",
        "/applications",
        OPERATOR,
        Some(&json!({"slug": slug, "name": "CORS", "settings": {"allowed_origins": ["https://app.example.com"]}})),
    );
    r.assert_status(201);
    let path = "/.well-known/aero2-health";
    let preflight = |origin: &str| {
        c.send("OPTIONS", &slug, path, &[("origin", origin), ("access-control-request-method", "GET")], None)
    };
    let ok = preflight("https://app.example.com");
    ok.assert_status(204);
    assert_eq!(ok.header("access-control-allow-origin"), Some("https://app.example.com"));
    assert_eq!(ok.header("access-control-allow-credentials"), Some("true"));
    assert!(ok.header("access-control-allow-methods").unwrap_or_default().contains("GET"));
    for bad in ["https://evil.example.com", "https://app.example.com.evil.test", "null", "http://app.example.com"] {
        let r = preflight(bad);
        r.assert_error(403, "forbidden");
        assert_eq!(r.header("access-control-allow-origin"), None, "{bad}");
    }
    let simple = c.send("GET", &slug, path, &[("origin", "https://app.example.com")], None);
    assert_eq!(simple.header("access-control-allow-origin"), Some("https://app.example.com"));
    assert!(simple.header("vary").unwrap_or_default().contains("Origin"));
    let foreign = c.send("GET", &slug, path, &[("origin", "https://evil.example.com")], None);
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    // An application with no allowed origins admits none, and never "*".
    let other = unique("nocors");
    c.create_app(&other);
    let r = c.send("OPTIONS", &other, path, &[("origin", "https://app.example.com"), ("access-control-request-method", "GET")], None);
    r.assert_error(403, "forbidden");
    assert_eq!(r.header("access-control-allow-origin"), None);
}

fn spoofed_internal_headers_change_nothing(c: &Client) {
    let (a_slug, b_slug) = (unique("victim"), unique("other"));
    let a = c.create_app(&a_slug);
    let b = c.create_app(&b_slug);
    let forged = json!({"id": b["id"], "slug": b_slug, "name": "x", "settings": {}, "created_at": 0, "updated_at": 0}).to_string();
    let op = format!("Bearer {OPERATOR}");
    let r = c.send("GET", &a_slug, "/.well-known/aero2-health", &[("x-aero2-application", &forged), ("authorization", &op)], None);
    r.assert_status(200);
    assert_eq!(r.json()["application"]["id"], a["id"]);
    // A forged internal operation is stripped before the object sees it.
    c.send("POST", &a_slug, "/_internal", &[("x-aero2-internal", "tombstone")], None).assert_error(404, "not_found");
    health_ok(c, &a_slug);
    // A forged dashboard identity does not open the management API elsewhere.
    let dash = json!({"id": "app_dashboard", "slug": "dashboard", "name": "x", "settings": {}, "created_at": 0, "updated_at": 0}).to_string();
    let auth = format!("Bearer {OPERATOR}");
    c.send("GET", &a_slug, "/api/v1/applications", &[("x-aero2-application", &dash), ("authorization", &auth)], None)
        .assert_error(404, "not_found");
}

fn health_ok(c: &Client, slug: &str) {
    c.health(slug).assert_status(200);
}

fn unknown_paths_and_management_elsewhere_are_404(c: &Client) {
    let slug = unique("paths");
    c.create_app(&slug);
    c.get(&slug, "/no/such/path").assert_error(404, "not_found");
    let auth = format!("Bearer {OPERATOR}");
    c.send("GET", &slug, "/api/v1/applications", &[("authorization", &auth)], None).assert_error(404, "not_found");
    c.send("POST", &slug, "/.well-known/aero2-health", &[], Some("")).assert_error(405, "method_not_allowed");
}

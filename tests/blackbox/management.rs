//! The management API: applications and API keys, every error case with
//! its exact status and code, and keys that never cross tenants.

use crate::Test;
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("application_lifecycle", application_lifecycle),
        ("deleting_an_application_stops_it_at_once", deleting_an_application_stops_it_at_once),
        ("bad_application_input_names_the_field", bad_application_input_names_the_field),
        ("bad_updates_change_nothing", bad_updates_change_nothing),
        ("missing_or_wrong_credentials_get_401", missing_or_wrong_credentials_get_401),
        ("api_key_lifecycle", api_key_lifecycle),
        ("keys_of_one_application_never_reach_another", keys_of_one_application_never_reach_another),
        ("dashboard_is_bootstrapped_and_undeletable", dashboard_is_bootstrapped_and_undeletable),
        ("unknown_routes_and_methods", unknown_routes_and_methods),
    ]
}

fn app_path(app: &Value) -> String {
    format!("/applications/{}", app["id"].as_str().unwrap())
}

fn application_lifecycle(c: &Client) {
    let slug = unique("life");
    let r = c.api("POST", "/applications", OPERATOR, Some(&json!({"slug": slug, "name": "Life Cycle"})));
    r.assert_status(201);
    let app = r.json();
    assert!(app["id"].as_str().unwrap().starts_with("app_"));
    assert_eq!((app["slug"].as_str(), app["name"].as_str()), (Some(slug.as_str()), Some("Life Cycle")));
    assert_eq!(app["settings"], json!({"allowed_origins": []}));
    let path = app_path(&app);

    let got = c.api("GET", &path, OPERATOR, None);
    got.assert_status(200);
    assert_eq!(got.json(), app);
    let list = c.api("GET", "/applications", OPERATOR, None).json();
    assert!(list["applications"].as_array().unwrap().iter().any(|a| a["id"] == app["id"]));

    let patched = c.api(
        "PATCH",
        &path,
        OPERATOR,
        Some(&json!({"name": "Renamed", "settings": {"allowed_origins": ["https://a.example.com"]}})),
    );
    patched.assert_status(200);
    let patched = patched.json();
    assert_eq!(patched["name"], "Renamed");
    assert_eq!(patched["slug"], slug.as_str());
    assert_eq!(patched["settings"]["allowed_origins"], json!(["https://a.example.com"]));
    assert_eq!(c.api("GET", &path, OPERATOR, None).json(), patched);

    let r = c.api("DELETE", &path, OPERATOR, None);
    assert_eq!(r.status, 204);
    c.api("GET", &path, OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &path, OPERATOR, None).assert_error(404, "not_found");
    // The slug is free again, for a new application with a new id.
    let again = c.create_app(&slug);
    assert_ne!(again["id"], app["id"]);
}

fn deleting_an_application_stops_it_at_once(c: &Client) {
    let slug = unique("doomed");
    let app = c.create_app(&slug);
    let key = c.create_key(app["id"].as_str().unwrap(), "sk");
    let sk = key["key"].as_str().unwrap();
    // Warm the front Worker's caches of this host: its resolution, and the
    // public documents it answers itself.
    c.get(&slug, "/.well-known/aero2-health").assert_status(200);
    c.get(&slug, "/.well-known/openid-configuration").assert_status(200);
    c.get(&slug, "/.well-known/jwks.json").assert_status(200);
    c.api("GET", &app_path(&app), sk, None).assert_status(200);
    assert_eq!(c.api("DELETE", &app_path(&app), OPERATOR, None).status, 204);
    // Before anything reaches its object: the deletion's answer told the
    // front Worker to forget it.
    c.get(&slug, "/.well-known/openid-configuration").assert_error(404, "unknown_application");
    c.get(&slug, "/.well-known/jwks.json").assert_error(404, "unknown_application");
    c.health(&slug).assert_error(404, "unknown_application");
    // Its keys went with it.
    c.api("GET", &app_path(&app), sk, None).assert_error(401, "unauthorized");
    // A new application under the same slug gets a fresh object.
    let fresh = c.create_app(&slug);
    let h = c.health(&slug);
    h.assert_status(200);
    assert_eq!(h.json()["application"]["id"], fresh["id"]);
    assert_eq!(h.json()["durable_object"]["storage"]["health_checks"], 1);
}

fn bad_application_input_names_the_field(c: &Client) {
    let taken = unique("taken");
    c.create_app(&taken);
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (json!({"name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": 42, "name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": "ab", "name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": "Upper", "name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": "-lead", "name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": "xn--punycode", "name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": "dashboard", "name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": "www", "name": "x"}), 400, "invalid_request", Some("slug")),
        (json!({"slug": taken, "name": "x"}), 409, "conflict", Some("slug")),
        (json!({"slug": unique("noname")}), 400, "invalid_request", Some("name")),
        (json!({"slug": unique("blank"), "name": "   "}), 400, "invalid_request", Some("name")),
        (json!({"slug": unique("ctl"), "name": "a\nb"}), 400, "invalid_request", Some("name")),
        (json!({"slug": unique("wild"), "name": "x", "settings": {"allowed_origins": ["*"]}}), 400, "invalid_request", Some("settings.allowed_origins")),
        (json!({"slug": unique("http"), "name": "x", "settings": {"allowed_origins": ["http://example.com"]}}), 400, "invalid_request", Some("settings.allowed_origins")),
        (json!({"slug": unique("set"), "name": "x", "settings": {"colour": "red"}}), 400, "invalid_request", None),
        (json!({"slug": unique("extra"), "name": "x", "owner": "me"}), 400, "invalid_request", None),
        (json!(["not", "an", "object"]), 400, "invalid_request", None),
    ];
    for (body, status, code, field) in cases {
        let r = c.api("POST", "/applications", OPERATOR, Some(&body));
        r.assert_error(status, code);
        assert_eq!(r.json()["field"].as_str(), field, "{body}");
    }
    let auth = format!("Bearer {OPERATOR}");
    for raw in ["{not json", ""] {
        let r = c.send("POST", "dashboard", "/api/v1/applications", &[("authorization", &auth), ("content-type", "application/json")], Some(raw));
        r.assert_error(400, "invalid_request");
    }
    let huge = json!({"slug": unique("huge"), "name": "x".repeat(70 * 1024)});
    c.api("POST", "/applications", OPERATOR, Some(&huge)).assert_error(413, "payload_too_large");
    // None of the rejected slugs exists.
    let list = c.api("GET", "/applications", OPERATOR, None).json();
    assert_eq!(list["applications"].as_array().unwrap().iter().filter(|a| a["slug"] == taken.as_str()).count(), 1);
}

fn bad_updates_change_nothing(c: &Client) {
    let app = c.create_app(&unique("stable"));
    let path = app_path(&app);
    let r = c.api("PATCH", &path, OPERATOR, Some(&json!({"slug": unique("moved")})));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "slug");
    c.api("PATCH", &path, OPERATOR, Some(&json!({}))).assert_error(400, "invalid_request");
    c.api("PATCH", &path, OPERATOR, Some(&json!({"name": "ok", "settings": {"allowed_origins": ["ftp://x"]}})))
        .assert_error(400, "invalid_request");
    assert_eq!(c.api("GET", &path, OPERATOR, None).json(), app);
    let missing = format!("/applications/app_{}", "0".repeat(32));
    c.api("PATCH", &missing, OPERATOR, Some(&json!({"name": "x"}))).assert_error(404, "not_found");
    c.api("GET", "/applications/not-an-id", OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", "/applications/app_'%20OR%201=1", OPERATOR, None).assert_error(404, "not_found");
}

fn missing_or_wrong_credentials_get_401(c: &Client) {
    let app = c.create_app(&unique("creds"));
    let id = app["id"].as_str().unwrap();
    let pk = c.create_key(id, "pk")["key"].as_str().unwrap().to_owned();
    let sk = c.create_key(id, "sk");
    let revoked = sk["key"].as_str().unwrap().to_owned();
    assert_eq!(c.api("DELETE", &format!("/applications/{id}/keys/{}", sk["id"].as_str().unwrap()), OPERATOR, None).status, 204);
    let no_auth = c.send("GET", "dashboard", "/api/v1/applications", &[], None);
    no_auth.assert_error(401, "unauthorized");
    assert!(no_auth.header("www-authenticate").unwrap_or_default().starts_with("Bearer"));
    let unknown_sk = format!("sk_live_{}", "ab".repeat(24));
    for key in [
        "wrong-operator-secret",
        &format!("{OPERATOR}x"),
        &OPERATOR[..OPERATOR.len() - 1],
        pk.as_str(),
        revoked.as_str(),
        unknown_sk.as_str(),
        "sk_live_short",
    ] {
        let r = c.api("GET", "/applications", key, None);
        r.assert_error(401, "unauthorized");
        assert!(r.header("www-authenticate").is_some());
    }
    let basic = format!("Basic {OPERATOR}");
    c.send("GET", "dashboard", "/api/v1/applications", &[("authorization", &basic)], None).assert_error(401, "unauthorized");
    // Scheme is case-insensitive (RFC 6750 §2.1 / RFC 9110 §11.1).
    let lower = format!("bearer {OPERATOR}");
    c.send("GET", "dashboard", "/api/v1/applications", &[("authorization", &lower)], None).assert_status(200);
}

fn api_key_lifecycle(c: &Client) {
    let app = c.create_app(&unique("keys"));
    let id = app["id"].as_str().unwrap();
    let keys_path = format!("/applications/{id}/keys");
    let r = c.api("POST", &keys_path, OPERATOR, Some(&json!({"kind": "sk", "name": "backend"})));
    r.assert_status(201);
    let sk = r.json();
    let secret = sk["key"].as_str().unwrap();
    assert!(secret.starts_with("sk_live_") && secret.len() == 8 + 48, "{secret}");
    assert!(secret.starts_with(sk["prefix"].as_str().unwrap()));
    assert_eq!((sk["kind"].as_str(), sk["name"].as_str()), (Some("sk"), Some("backend")));
    assert!(sk.get("secret_hash").is_none());
    let pk = c.create_key(id, "pk");
    assert!(pk["key"].as_str().unwrap().starts_with("pk_live_"));

    // The secret key works, and its use is recorded.
    c.api("GET", &app_path(&app), secret, None).assert_status(200);
    let listed = c.api("GET", &keys_path, secret, None).json();
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert!(k.get("key").is_none() && k.get("secret_hash").is_none(), "secret shown again: {k}");
        assert!(!listed.to_string().contains(secret));
    }
    let listed_sk = keys.iter().find(|k| k["id"] == sk["id"]).unwrap();
    assert!(listed_sk["last_used_at"].as_i64().is_some());
    assert!(listed_sk["revoked_at"].is_null());

    // Revocation is immediate.
    let sk_path = format!("{keys_path}/{}", sk["id"].as_str().unwrap());
    assert_eq!(c.api("DELETE", &sk_path, OPERATOR, None).status, 204);
    c.api("GET", &app_path(&app), secret, None).assert_error(401, "unauthorized");
    let after = c.api("GET", &keys_path, OPERATOR, None).json();
    let revoked = after["keys"].as_array().unwrap().iter().find(|k| k["id"] == sk["id"]).unwrap().clone();
    assert!(revoked["revoked_at"].as_i64().is_some());
    assert_eq!(c.api("DELETE", &sk_path, OPERATOR, None).status, 204, "revoking twice is idempotent");

    for (body, field) in [(json!({}), "kind"), (json!({"kind": "live"}), "kind"), (json!({"kind": "sk", "name": 3}), "name")] {
        let r = c.api("POST", &keys_path, OPERATOR, Some(&body));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], field);
    }
    c.api("DELETE", &format!("{keys_path}/key_{}", "0".repeat(32)), OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &format!("{keys_path}/garbage"), OPERATOR, None).assert_error(404, "not_found");
    assert_eq!(c.api("GET", &keys_path, OPERATOR, None).json()["keys"].as_array().unwrap().len(), 2);
}

fn keys_of_one_application_never_reach_another(c: &Client) {
    let a = c.create_app(&unique("tenant-a"));
    let b = c.create_app(&unique("tenant-b"));
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let a_sk = c.create_key(a_id, "sk")["key"].as_str().unwrap().to_owned();
    let b_key = c.create_key(b_id, "sk");

    let visible = c.api("GET", "/applications", &a_sk, None).json();
    assert_eq!(visible["applications"], json!([a]));
    c.api("GET", &format!("/applications/{a_id}"), &a_sk, None).assert_status(200);

    // B is answered exactly like an application that does not exist.
    let missing = format!("app_{}", "f".repeat(32));
    let as_b = c.api("GET", &format!("/applications/{b_id}"), &a_sk, None);
    let as_missing = c.api("GET", &format!("/applications/{missing}"), &a_sk, None);
    as_b.assert_error(404, "not_found");
    assert_eq!(as_b.body, as_missing.body);
    for (method, path, body) in [
        ("PATCH", format!("/applications/{b_id}"), Some(json!({"name": "pwned"}))),
        ("DELETE", format!("/applications/{b_id}"), None),
        ("GET", format!("/applications/{b_id}/keys"), None),
        ("POST", format!("/applications/{b_id}/keys"), Some(json!({"kind": "sk"}))),
        ("DELETE", format!("/applications/{b_id}/keys/{}", b_key["id"].as_str().unwrap()), None),
        ("GET", format!("/applications/{b_id}/domains"), None),
        ("POST", format!("/applications/{b_id}/domains"), Some(json!({"hostname": "b.example.test"}))),
    ] {
        c.api(method, &path, &a_sk, body.as_ref()).assert_error(404, "not_found");
    }
    // Nothing changed at B: name, keys, and B's key still works.
    assert_eq!(c.api("GET", &format!("/applications/{b_id}"), OPERATOR, None).json(), b);
    assert_eq!(c.api("GET", &format!("/applications/{b_id}/keys"), OPERATOR, None).json()["keys"].as_array().unwrap().len(), 1);
    c.api("GET", &format!("/applications/{b_id}"), b_key["key"].as_str().unwrap(), None).assert_status(200);
    // Only the operator creates applications.
    c.api("POST", "/applications", &a_sk, Some(&json!({"slug": unique("sneaky"), "name": "x"})))
        .assert_error(403, "forbidden");
}

fn dashboard_is_bootstrapped_and_undeletable(c: &Client) {
    let d = c.api("GET", "/applications/app_dashboard", OPERATOR, None);
    d.assert_status(200);
    assert_eq!(d.json()["slug"], "dashboard");
    c.api("DELETE", "/applications/app_dashboard", OPERATOR, None).assert_error(403, "forbidden");
    c.api("GET", "/applications/app_dashboard", OPERATOR, None).assert_status(200);
    // Its own record can change: the object serving the request is the one
    // told about the change (a command to itself, answered while it waits).
    let name = d.json()["name"].clone();
    let same = c.api("PATCH", "/applications/app_dashboard", OPERATOR, Some(&json!({ "name": name })));
    same.assert_status(200);
    assert_eq!(same.json()["name"], name);
    c.api("GET", "/applications/app_dashboard", OPERATOR, None).assert_status(200);
}

fn unknown_routes_and_methods(c: &Client) {
    c.api("PUT", "/applications", OPERATOR, Some(&json!({}))).assert_error(405, "method_not_allowed");
    c.api("GET", "/nothing", OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", "/applications/app_dashboard/nothing", OPERATOR, None).assert_error(404, "not_found");
    c.api("PUT", "/applications/app_dashboard/keys", OPERATOR, Some(&json!({}))).assert_error(405, "method_not_allowed");
}

//! The SDKs under `packages/` against this instance, with real tokens and
//! no mock of Aero2: `@aero2/node` (verification, key rotation, Express
//! middleware, the typed management client) and `@aero2/hono` (the
//! middleware and guards in a real Hono app). Each package's own
//! `node --test` suite provisions what it needs through the management API.
//! And the examples (`examples/react-spa` on `@aero2/react` and
//! `@aero2/sdk-js`, `examples/hono-api` on `@aero2/hono`) in Chromium.

use crate::Test;
use aero2_tests::{free_port, repo_root, unique, Client, OPERATOR};
use serde_json::json;
use std::process::Command;

pub fn tests() -> Vec<Test> {
    vec![
        ("aero2_node_against_a_live_instance", aero2_node_against_a_live_instance),
        ("aero2_hono_against_a_live_instance", aero2_hono_against_a_live_instance),
        ("the_example_spa_and_api_in_chromium", the_example_spa_and_api_in_chromium),
    ]
}

/// Runs `packages/<package>`'s tests (built by scripts/build.sh).
fn package_tests(c: &Client, package: &str) {
    let root = repo_root();
    let dir = root.join("packages").join(package);
    let out = Command::new(root.join("node_modules/.bin/node"))
        .args(["--test", "--test-reporter=spec"])
        .arg(dir.join("test/live.test.mjs"))
        .current_dir(&dir)
        .env("AERO2_PORT", c.port().to_string())
        .env("AERO2_OPERATOR", OPERATOR)
        .env("NO_COLOR", "1")
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "@aero2/{package}:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("fail 0") && !stdout.contains("pass 0"), "{stdout}");
}

fn aero2_node_against_a_live_instance(c: &Client) {
    package_tests(c, "node");
}

fn aero2_hono_against_a_live_instance(c: &Client) {
    package_tests(c, "hono");
}

/// An application as the examples' README sets it up (an API with
/// permissions, a reader role, a public client for the SPA, an
/// organization), then tests/ui/examples.mjs drives the SPA in Chromium.
fn the_example_spa_and_api_in_chromium(c: &Client) {
    let (spa_port, api_port) = (free_port(), free_port());
    let spa = format!("http://127.0.0.1:{spa_port}");
    let slug = unique("notes");
    let app = c.create_app(&slug);
    let app_id = app["id"].as_str().unwrap();
    let path = |p: &str| format!("/applications/{app_id}{p}");
    let call = |method: &str, p: &str, body: serde_json::Value, status: u16| {
        let r = c.api(method, &path(p), OPERATOR, Some(&body));
        r.assert_status(status);
        r.json()
    };
    call("PATCH", "", json!({"settings": {"allowed_origins": [spa]}}), 200);
    let audience = format!("https://api.example.com/{}", unique("notes"));
    let api = call(
        "POST",
        "/apis",
        json!({"identifier": audience, "name": "Notes", "enforce_rbac": true, "permissions_claim": true,
            "permissions": [{"value": "read:notes"}, {"value": "write:notes"}]}),
        201,
    );
    let role = call("POST", "/roles", json!({"name": "reader"}), 201);
    let role_id = role["id"].as_str().unwrap();
    call("POST", &format!("/roles/{role_id}/permissions"), json!({"permissions": [{"api_id": api["id"], "value": "read:notes"}]}), 200);
    let email = format!("{}@example.com", unique("ada"));
    let password = "correct horse battery staple";
    let user = call("POST", "/users", json!({"email": email, "password": password, "name": "Ada Lovelace"}), 201);
    let user_id = user["id"].as_str().unwrap();
    call("POST", &format!("/users/{user_id}/roles"), json!({"roles": [role_id]}), 200);
    let client = call(
        "POST",
        "/clients",
        json!({"name": "Notes SPA", "token_endpoint_auth_method": "none", "redirect_uris": [format!("{spa}/callback")],
            "post_logout_redirect_uris": [format!("{spa}/")], "grant_types": ["authorization_code", "refresh_token"],
            "organization_usage": "allowed", "first_party": true}),
        201,
    );
    let org = call("POST", "/organizations", json!({"slug": "acme", "name": "Acme"}), 201);
    call("POST", &format!("/organizations/{}/members", org["id"].as_str().unwrap()), json!({"user_id": user_id}), 201);

    let example = json!({
        "issuer": format!("http://{slug}.localhost:{}", c.port()), "clientId": client["client_id"], "audience": audience,
        "email": email, "password": password, "organization": "acme", "spaPort": spa_port, "apiPort": api_port,
    });
    let root = repo_root();
    let out = Command::new(root.join("node_modules/.bin/node"))
        .arg(root.join("tests/ui/examples.mjs"))
        .current_dir(&root)
        .env("AERO2_EXAMPLE", example.to_string())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("examples: ok"), "the examples in Chromium:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
}

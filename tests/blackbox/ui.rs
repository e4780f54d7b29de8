//! The hosted pages in a real browser: headless Chromium (Debian's, driven
//! by playwright-core from tests/ui/signin.mjs) signs in through the login
//! and consent pages under the production CSP and lands on the client; and
//! (tests/ui/passkey.mjs) makes a passkey with Chromium's virtual
//! authenticator, then signs in with it alone; and
//! (tests/ui/organization.mjs) picks an organization on the picker,
//! checked with axe-core; and (tests/ui/dashboard.mjs) the Dashboard web
//! app end to end: a new developer signs up, builds an application and
//! signs a user in on its hosted page.

use crate::oidc::{provision, PASSWORD};
use crate::Test;
use aero2_tests::{free_port, repo_root, Client, OPERATOR};
use serde_json::json;
use std::process::Command;

pub fn tests() -> Vec<Test> {
    vec![
        ("sign_in_and_consent_in_chromium", sign_in_and_consent_in_chromium),
        ("passkeys_in_chromium_with_its_virtual_authenticator", passkeys_in_chromium_with_its_virtual_authenticator),
        ("the_organization_picker_in_chromium", the_organization_picker_in_chromium),
        ("the_dashboard_web_app_in_chromium", the_dashboard_web_app_in_chromium),
    ]
}

fn sign_in_and_consent_in_chromium(c: &Client) {
    let s = provision(c, false);
    run_script(c, &s, "tests/ui/signin.mjs", &json!({}), &[]);
}

fn the_organization_picker_in_chromium(c: &Client) {
    let s = provision(c, true);
    let org = |slug: &str| {
        let r = c.api("POST", &format!("/applications/{}/organizations", s.app_id), OPERATOR, Some(&json!({"slug": slug, "name": format!("{slug} Inc.")})));
        r.assert_status(201);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        c.api("POST", &format!("/applications/{}/organizations/{id}/members", s.app_id), OPERATOR, Some(&json!({"user_id": s.user_id}))).assert_status(201);
        id
    };
    let (_acme, globex) = (org("acme"), org("globex"));
    let (out, client_id, redirect) = run_script(c, &s, "tests/ui/organization.mjs", &json!({"organization_usage": "required", "first_party": true}), &[("AERO2_ORG", &globex)]);
    let result: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let form = [("grant_type", "authorization_code"), ("code", result["code"].as_str().unwrap()), ("redirect_uri", &redirect), ("client_id", &client_id), ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")];
    let r = c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded")], Some(&aero2_tests::browser::form_encode(&form)));
    r.assert_status(200);
    let at = r.json()["access_token"].as_str().unwrap().to_owned();
    let claims: serde_json::Value = serde_json::from_slice(&crate::oidc::b64(at.split('.').nth(1).unwrap())).unwrap();
    assert_eq!((claims["org_id"].as_str(), claims["org_slug"].as_str()), (Some(globex.as_str()), Some("globex")));
}

fn passkeys_in_chromium_with_its_virtual_authenticator(c: &Client) {
    let s = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"mfa": "required"}}))).assert_status(200);
    let (out, client_id, redirect) = run_script(c, &s, "tests/ui/passkey.mjs", &json!({}), &[]);
    let result: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let code = result["codes"].as_array().unwrap().last().unwrap().as_str().unwrap();
    // The last sign-in used the passkey alone: the tokens say so.
    let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", &redirect), ("client_id", &client_id), ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")];
    let body = aero2_tests::browser::form_encode(&form);
    let r = c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded")], Some(&body));
    r.assert_status(200);
    let id_token = r.json()["id_token"].as_str().unwrap().to_owned();
    let claims: serde_json::Value = serde_json::from_slice(&crate::oidc::b64(id_token.split('.').nth(1).unwrap())).unwrap();
    assert_eq!((claims["amr"].clone(), claims["sub"].as_str()), (json!(["hwk", "user", "mfa"]), Some(s.user_id.as_str())));
}

/// tests/ui/dashboard.mjs drives the Dashboard from sign-up to branding
/// (axe-core on every page; screenshots in target/ui-artifacts/dashboard);
/// what it did is then read back through the operator's API.
fn the_dashboard_web_app_in_chromium(c: &Client) {
    let root = repo_root();
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let port = c.url("x", "").rsplit(':').next().unwrap().to_owned();
    let artifacts = root.join("target/ui-artifacts/dashboard");
    let out = Command::new(root.join("node_modules/.bin/node"))
        .arg(root.join("tests/ui/dashboard.mjs"))
        .env("AERO2_PORT", port)
        .env("AERO2_REDIRECT", &redirect)
        .env("AERO2_ARTIFACTS", &artifacts)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "the Dashboard in Chromium:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let app = result["app_id"].as_str().unwrap();
    // The developer's application, in their personal team.
    let got = c.api("GET", &format!("/applications/{app}"), OPERATOR, None);
    got.assert_status(200);
    assert_eq!(got.json()["slug"], result["slug"]);
    assert!(got.json()["team_id"].as_str().is_some_and(|t| t.starts_with("org_")), "{}", got.body);
    assert!(got.json()["settings"]["branding"]["primary_color"] == "#0f766e", "{}", got.body);
    // The user and the client it made, the key it revoked.
    let user = c.api("GET", &format!("/applications/{app}/users/{}", result["user_id"].as_str().unwrap()), OPERATOR, None);
    user.assert_status(200);
    assert!(user.json()["email"].as_str().unwrap().starts_with("ada-"));
    c.api("GET", &format!("/applications/{app}/clients/{}", result["client_id"].as_str().unwrap()), OPERATOR, None).assert_status(200);
    let keys = c.api("GET", &format!("/applications/{app}/keys"), OPERATOR, None).json();
    assert!(keys["keys"].as_array().unwrap().iter().all(|k| !k["revoked_at"].is_null()), "{keys}");
    for shot in ["overview-light.png", "overview-dark.png", "audit-dark.png", "users-phone-dark.png", "hosted-sign-in-branded.png"] {
        assert!(artifacts.join(shot).is_file(), "screenshot {shot}");
    }
}

/// Runs a browser script against `s` with a public client (with the
/// fields `client` adds) whose redirect URI the script serves, and `vars`
/// in its environment; its output, the client and the redirect URI.
fn run_script(c: &Client, s: &crate::oidc::Setup, script: &str, client: &serde_json::Value, vars: &[(&str, &str)]) -> (String, String, String) {
    // A client whose redirect URI the script serves (a real, free port).
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mut body = json!({"name": "Browser app", "token_endpoint_auth_method": "none", "redirect_uris": [redirect]});
    if let (Some(b), Some(extra)) = (body.as_object_mut(), client.as_object()) {
        b.extend(extra.clone());
    }
    let client = c.api("POST", &format!("/applications/{}/clients", s.app_id), OPERATOR, Some(&body));
    client.assert_status(201);
    let client_id = client.json()["client_id"].as_str().unwrap().to_owned();
    let root = repo_root();
    let port = c.url("x", "").rsplit(':').next().unwrap().to_owned();
    let mut command = Command::new(root.join("node_modules/.bin/node"));
    command.envs(vars.iter().copied());
    let out = command
        .arg(root.join(script))
        .env("AERO2_PORT", port)
        .env("AERO2_SLUG", &s.slug)
        .env("AERO2_CLIENT_ID", &client_id)
        .env("AERO2_EMAIL", &s.email)
        .env("AERO2_PASSWORD", PASSWORD)
        .env("AERO2_REDIRECT", &redirect)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "browser test failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("\"ok\":true"), "{stdout}");
    (stdout, client_id, redirect)
}

//! The hosted pages in a real browser: headless Chromium (Debian's, driven
//! by playwright-core from tests/ui/signin.mjs) signs in through the login
//! and consent pages under the production CSP and lands on the client.

use crate::oidc::{provision, PASSWORD};
use crate::Test;
use aero2_tests::{free_port, repo_root, Client, OPERATOR};
use serde_json::json;
use std::process::Command;

pub fn tests() -> Vec<Test> {
    vec![("sign_in_and_consent_in_chromium", sign_in_and_consent_in_chromium)]
}

fn sign_in_and_consent_in_chromium(c: &Client) {
    let s = provision(c, false);
    // A client whose redirect URI the script serves (a real, free port).
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let client = c.api(
        "POST",
        &format!("/applications/{}/clients", s.app_id),
        OPERATOR,
        Some(&json!({"name": "Browser app", "token_endpoint_auth_method": "none", "redirect_uris": [redirect]})),
    );
    client.assert_status(201);
    let client_id = client.json()["client_id"].as_str().unwrap().to_owned();
    let root = repo_root();
    let port = c.url("x", "").rsplit(':').next().unwrap().to_owned();
    let out = Command::new(root.join("node_modules/.bin/node"))
        .arg(root.join("tests/ui/signin.mjs"))
        .env("AERO2_PORT", port)
        .env("AERO2_SLUG", &s.slug)
        .env("AERO2_CLIENT_ID", &client_id)
        .env("AERO2_EMAIL", &s.email)
        .env("AERO2_PASSWORD", PASSWORD)
        .env("AERO2_REDIRECT", &redirect)
        .output()
        .expect("run node tests/ui/signin.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "browser test failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("\"ok\":true"), "{stdout}");
}

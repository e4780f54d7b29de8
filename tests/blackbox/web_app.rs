//! The Dashboard's web app and what it needs of the API: its static files
//! on the dashboard host only (SPA fallback, caching, CSP), its own public
//! client (bootstrapped, bound to the configured origin, not changeable),
//! `prompt=create`, users paged and searched and deleted, signing keys
//! listed, custom domains with their DNS record, and an application's
//! branding on its hosted pages.

use crate::hardening::introspect_active;
use crate::oidc::{code_flow, enc, oidc_client, provision};
use crate::security::CHALLENGE;
use aero2_tests::browser::Browser;
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<crate::Test> {
    vec![
        ("the_web_app_is_served_on_the_dashboard_host_only", the_web_app_is_served_on_the_dashboard_host_only),
        ("the_web_app_client_is_the_platforms_and_bound_to_its_origin", the_web_app_client_is_the_platforms_and_bound_to_its_origin),
        ("users_are_paged_and_searched", users_are_paged_and_searched),
        ("deleting_a_user_ends_everything_of_theirs", deleting_a_user_ends_everything_of_theirs),
        ("a_users_sessions_and_identities_are_seen_and_ended", a_users_sessions_and_identities_are_seen_and_ended),
        ("signing_keys_are_listed_without_key_material", signing_keys_are_listed_without_key_material),
        ("custom_domains_name_the_record_to_add", custom_domains_name_the_record_to_add),
        ("an_applications_branding_reaches_its_hosted_pages", an_applications_branding_reaches_its_hosted_pages),
    ]
}

const DASHBOARD: &str = "dashboard";

fn the_web_app_is_served_on_the_dashboard_host_only(c: &Client) {
    let index = c.get(DASHBOARD, "/");
    index.assert_status(200);
    assert!(index.header("content-type").unwrap().starts_with("text/html"));
    assert!(index.body.contains("<div id=\"root\">"), "{}", index.body);
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    let csp = index.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe"), "{csp}");
    // Any page path is the app's index (its router draws the page).
    let page = c.get(DASHBOARD, "/apps/app_0123/users");
    page.assert_status(200);
    assert_eq!(page.body, index.body);
    // The hashed files: cached a year.
    let script = index.body.split("src=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
    assert!(script.starts_with("/assets/"), "{script}");
    let js = c.get(DASHBOARD, &script);
    js.assert_status(200);
    assert!(js.header("content-type").unwrap().contains("javascript"));
    assert_eq!(js.header("cache-control"), Some("public, max-age=31536000, immutable"));
    // A build file that is not there is 404, never the page under its name;
    // nor is a document a client probes for under /.well-known/.
    let missing = c.get(DASHBOARD, "/assets/index-0000000000.js");
    missing.assert_error(404, "not_found");
    assert_ne!(missing.header("cache-control"), Some("public, max-age=31536000, immutable"));
    let probe = c.get(DASHBOARD, "/.well-known/oauth-protected-resource");
    assert!(probe.status == 404 && !probe.body.contains("<div id=\"root\">"), "{}", probe.body);
    let head = c.send("HEAD", DASHBOARD, &script, &[], None);
    head.assert_status(200);
    assert!(head.body.is_empty());
    // Routes keep their owners: the hosted pages, the OP, the API.
    let login = c.get(DASHBOARD, "/login");
    assert!(login.body.contains("/ui/hosted.css") && !login.body.contains("<div id=\"root\">"), "the hosted page: {}", login.body);
    c.get(DASHBOARD, "/.well-known/openid-configuration").assert_status(200);
    c.get(DASHBOARD, "/api/v1/applications").assert_error(401, "unauthorized");
    c.get(DASHBOARD, "/api/v1/nothing-here").assert_error(401, "unauthorized");
    // Only GET and HEAD reach the files.
    assert_ne!(c.send("POST", DASHBOARD, "/", &[("content-type", "application/json")], Some("{}")).status, 200);
    // An application's host never serves them.
    let slug = unique("webapp");
    c.create_app(&slug);
    for path in ["/", "/apps/x", script.as_str(), "/favicon.svg"] {
        let r = c.get(&slug, path);
        assert_eq!(r.status, 404, "{slug}{path}: {}", r.body);
        assert!(!r.body.contains("<div id=\"root\">"));
    }
}

fn the_web_app_client_is_the_platforms_and_bound_to_its_origin(c: &Client) {
    let callback = format!("{}/callback", c.url(DASHBOARD, ""));
    let authorize = |redirect: &str, extra: &str| {
        format!(
            "/oauth2/authorize?response_type=code&client_id=aero2-dashboard&redirect_uri={}&scope=openid%20read:applications&resource=urn%3Aaero2%3Amanagement-api&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
            enc(redirect)
        )
    };
    let r = Browser::new().get(c, DASHBOARD, &authorize(&callback, ""));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").unwrap().starts_with("/login?request="));
    // prompt=create starts on the sign-up page.
    let r = Browser::new().get(c, DASHBOARD, &authorize(&callback, "&prompt=create"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").unwrap().starts_with("/signup?request="), "{:?}", r.header("location"));
    let meta = c.get(DASHBOARD, "/.well-known/openid-configuration").json();
    assert!(meta["prompt_values_supported"].as_array().unwrap().contains(&json!("create")));
    let r = Browser::new().get(c, DASHBOARD, &authorize(&callback, "&prompt=none%20create"));
    assert!(r.header("location").is_some_and(|l| l.starts_with(&callback) && l.contains("error=invalid_request")), "{:?}", r.header("location"));
    // Its redirect URI is the configured origin's, exactly.
    for other in ["http://evil.localhost:1/callback", &format!("{}/other", c.url(DASHBOARD, ""))] {
        let r = Browser::new().get(c, DASHBOARD, &authorize(other, ""));
        assert_eq!(r.status, 400, "{other}: {}", r.body);
    }
    // The record is public, first-party, PKCE; the operator cannot change it.
    let path = "/applications/app_dashboard/clients/aero2-dashboard";
    let record = c.api("GET", path, OPERATOR, None).json();
    assert_eq!((record["client_type"].as_str(), record["redirect_uris"].clone()), (Some("public"), json!([callback])));
    c.api("PATCH", path, OPERATOR, Some(&json!({"redirect_uris": ["https://evil.example/cb"]}))).assert_error(409, "conflict");
    c.api("DELETE", path, OPERATOR, None).assert_error(409, "conflict");
    c.api("PATCH", path, OPERATOR, Some(&json!({"disabled": true, "name": "x"}))).assert_error(409, "conflict");
    // Only the emergency stop is the operator's (exercised as a no-op: other
    // tests sign in through this client meanwhile).
    c.api("PATCH", path, OPERATOR, Some(&json!({"disabled": false}))).assert_status(200);
    c.api("POST", &format!("{path}/secret"), OPERATOR, None).assert_error(409, "conflict");
    // It is the Dashboard's only: another application does not know it.
    let slug = unique("webapp");
    let app = c.create_app(&slug);
    c.api("GET", &format!("/applications/{}/clients/aero2-dashboard", app["id"].as_str().unwrap()), OPERATOR, None).assert_status(404);
    let r = Browser::new().get(c, &slug, &authorize(&format!("{}/callback", c.url(&slug, "")), ""));
    assert_eq!(r.status, 400, "{}", r.body);
}

fn users_are_paged_and_searched(c: &Client) {
    let app = c.create_app(&unique("paging"))["id"].as_str().unwrap().to_owned();
    let users = format!("/applications/{app}/users");
    let mut made = Vec::new();
    for i in 0..5 {
        let who = if i % 2 == 0 { "Ann" } else { "bob" };
        let r = c.api("POST", &users, OPERATOR, Some(&json!({"email": format!("{who}{i}@paging.example"), "password": "a long enough password"})));
        r.assert_status(201);
        made.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    // Oldest first, two at a time, to the end.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let q = after.as_ref().map_or("?limit=2".to_owned(), |a| format!("?limit=2&after={a}"));
        let page = c.api("GET", &format!("{users}{q}"), OPERATOR, None).json();
        let ids: Vec<String> = page["users"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect();
        assert!(ids.len() <= 2);
        seen.extend(ids);
        match page["next_after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, made);
    // Search: part of the address, any case.
    let found = c.api("GET", &format!("{users}?email=ANN"), OPERATOR, None).json();
    let emails: Vec<&str> = found["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["ann0@paging.example", "ann2@paging.example", "ann4@paging.example"]);
    assert_eq!(found["next_after"], Value::Null);
    // Bad parameters are refused by name.
    for (q, field) in [("limit=0", "limit"), ("limit=201", "limit"), ("after=junk", "after"), ("after=-5.junk", "after"), ("order=desc", "query")] {
        let r = c.api("GET", &format!("{users}?{q}"), OPERATOR, None);
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], field, "{q}");
    }
    // A page goes on where it was when the user it ended at is deleted.
    let first = c.api("GET", &format!("{users}?limit=2"), OPERATOR, None).json();
    let cursor = first["next_after"].as_str().unwrap().to_owned();
    c.api("DELETE", &format!("{users}/{}", made[1]), OPERATOR, None).assert_status(204);
    let next = c.api("GET", &format!("{users}?limit=2&after={cursor}"), OPERATOR, None).json();
    let ids: Vec<&str> = next["users"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [made[2].as_str(), made[3].as_str()]);
    // A cursor carries no user of another application into it.
    let other = c.create_app(&unique("paging"))["id"].as_str().unwrap().to_owned();
    let page = c.api("GET", &format!("/applications/{other}/users?after={cursor}"), OPERATOR, None).json();
    assert_eq!(page["users"], json!([]));
    c.api("GET", &format!("/applications/{other}/users?after={}", made[0]), OPERATOR, None).assert_error(400, "invalid_request");
}

fn deleting_a_user_ends_everything_of_theirs(c: &Client) {
    let s = provision(c, true);
    let client = oidc_client(c, &s);
    let (tokens, _) = code_flow(c, &s, &client, &mut Browser::new());
    let access = openidconnect::OAuth2TokenResponse::access_token(&tokens).secret().clone();
    assert!(introspect_active(c, &s, &access));
    let base = format!("/applications/{}/users/{}", s.app_id, s.user_id);
    let role = c.api("POST", &format!("/applications/{}/roles", s.app_id), OPERATOR, Some(&json!({"name": "staff"}))).json();
    c.api("POST", &format!("{base}/roles"), OPERATOR, Some(&json!({"roles": [role["id"]]}))).assert_status(200);
    let org = c.api("POST", &format!("/applications/{}/organizations", s.app_id), OPERATOR, Some(&json!({"slug": "acme", "name": "Acme"}))).json();
    let org_id = org["id"].as_str().unwrap();
    c.api("POST", &format!("/applications/{}/organizations/{org_id}/members", s.app_id), OPERATOR, Some(&json!({"user_id": s.user_id}))).assert_status(201);
    // Another application cannot touch them.
    let other = c.create_app(&unique("other"))["id"].as_str().unwrap().to_owned();
    c.api("DELETE", &format!("/applications/{other}/users/{}", s.user_id), OPERATOR, None).assert_status(404);

    c.api("DELETE", &base, OPERATOR, None).assert_status(204);
    c.api("GET", &base, OPERATOR, None).assert_status(404);
    c.api("DELETE", &base, OPERATOR, None).assert_status(404);
    assert!(!introspect_active(c, &s, &access), "their tokens end at once");
    let members = c.api("GET", &format!("/applications/{}/organizations/{org_id}/members", s.app_id), OPERATOR, None).json();
    assert_eq!(members["members"], json!([]));
    assert_ne!(crate::recovery::sign_in(c, &s, crate::oidc::PASSWORD), 303, "no sign-in");
    // The address is free again; the log keeps the deletion.
    c.api("POST", &format!("/applications/{}/users", s.app_id), OPERATOR, Some(&json!({"email": s.email, "password": "another long password"}))).assert_status(201);
    let log = c.api("GET", &format!("/applications/{}/audit?type=user.deleted", s.app_id), OPERATOR, None).json();
    assert_eq!(log["entries"][0]["resource"], json!(format!("users/{}", s.user_id)), "{log}");
    // A Dashboard developer is disabled, never deleted (their teams).
    let dev = c.api("POST", "/applications/app_dashboard/users", OPERATOR, Some(&json!({"email": format!("{}@example.com", unique("dev")), "password": "a long enough password"})));
    dev.assert_status(201);
    c.api("DELETE", &format!("/applications/app_dashboard/users/{}", dev.json()["id"].as_str().unwrap()), OPERATOR, None).assert_error(409, "conflict");
}

fn a_users_sessions_and_identities_are_seen_and_ended(c: &Client) {
    let s = provision(c, true);
    let client = oidc_client(c, &s);
    let (tokens, _) = code_flow(c, &s, &client, &mut Browser::new());
    let access = openidconnect::OAuth2TokenResponse::access_token(&tokens).secret().clone();
    let base = format!("/applications/{}/users/{}", s.app_id, s.user_id);
    let sessions = c.api("GET", &format!("{base}/sessions"), OPERATOR, None);
    sessions.assert_status(200);
    let list = sessions.json()["sessions"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(list[0]["id"].as_str().is_some_and(|id| id.len() == 32) && list[0]["created_at"].as_i64().is_some(), "{list:?}");
    assert_eq!(list[0]["current"], false);
    // Read-only for another application, even as the operator.
    let other = c.create_app(&unique("other"))["id"].as_str().unwrap().to_owned();
    c.api("GET", &format!("/applications/{other}/users/{}/sessions", s.user_id), OPERATOR, None).assert_status(404);
    c.api("DELETE", &format!("/applications/{other}/users/{}/sessions", s.user_id), OPERATOR, None).assert_status(404);
    assert!(introspect_active(c, &s, &access));
    // Signed out everywhere: the tokens end at once, the account stays.
    c.api("DELETE", &format!("{base}/sessions"), OPERATOR, None).assert_status(204);
    assert!(!introspect_active(c, &s, &access));
    assert_eq!(c.api("GET", &format!("{base}/sessions"), OPERATOR, None).json()["sessions"], json!([]));
    c.api("GET", &base, OPERATOR, None).assert_status(200);
    let log = c.api("GET", &format!("/applications/{}/audit?type=user.sessions_ended", s.app_id), OPERATOR, None).json();
    assert_eq!(log["entries"].as_array().unwrap().len(), 1, "{log}");
    // A password user with no upstream account linked.
    let ids = c.api("GET", &format!("{base}/identities"), OPERATOR, None).json();
    assert_eq!(ids, json!({"identities": [], "has_password": true}));
}

fn signing_keys_are_listed_without_key_material(c: &Client) {
    let app = c.create_app(&unique("keys"));
    let id = app["id"].as_str().unwrap();
    let list = |key: &str| c.api("GET", &format!("/applications/{id}/signing-keys"), key, None);
    let keys = list(OPERATOR).json();
    let keys = keys["keys"].as_array().unwrap().clone();
    let algs: Vec<&str> = keys.iter().filter(|k| k["status"] == "active").map(|k| k["alg"].as_str().unwrap()).collect();
    assert!(algs.contains(&"RS256") && algs.contains(&"ES256"), "{keys:?}");
    for k in &keys {
        let fields: Vec<&String> = k.as_object().unwrap().keys().collect();
        // kid, alg, status, three times, and the signer shard holding it.
        assert_eq!(fields.len(), 7, "{k}");
        assert!(k.get("d").is_none() && k.get("private_key").is_none() && k.get("public_jwk").is_none());
    }
    c.api("POST", &format!("/applications/{id}/signing-keys/rotate"), OPERATOR, None).assert_status(200);
    let after = list(OPERATOR).json();
    assert_eq!(after["keys"].as_array().unwrap().iter().filter(|k| k["status"] == "pending").count(), 2, "{after}");
    // An application's own key reads its own; another's key gets nothing.
    let sk = c.create_key(id, "sk")["key"].as_str().unwrap().to_owned();
    list(&sk).assert_status(200);
    let other = c.create_app(&unique("keys"));
    let other_sk = c.create_key(other["id"].as_str().unwrap(), "sk")["key"].as_str().unwrap().to_owned();
    assert!(matches!(list(&other_sk).status, 403 | 404));
}

fn custom_domains_name_the_record_to_add(c: &Client) {
    let slug = unique("dns");
    let app = c.create_app(&slug);
    let id = app["id"].as_str().unwrap();
    let host = format!("{}.example.com", unique("auth"));
    let added = c.api("POST", &format!("/applications/{id}/domains"), OPERATOR, Some(&json!({"hostname": host})));
    added.assert_status(201);
    let record = json!([{"type": "CNAME", "name": host, "value": format!("{slug}.localhost")}]);
    assert_eq!(added.json()["dns_records"], record);
    let list = c.api("GET", &format!("/applications/{id}/domains"), OPERATOR, None).json();
    assert_eq!(list["domains"][0]["dns_records"], record);
}

fn an_applications_branding_reaches_its_hosted_pages(c: &Client) {
    let s = provision(c, false);
    let app = format!("/applications/{}", s.app_id);
    let css = c.get(&s.slug, "/ui/brand.css");
    css.assert_status(200);
    assert_eq!((css.body.as_str(), css.header("cache-control")), ("", Some("no-cache")), "nothing for an unbranded application");
    let branding = json!({"logo_url": "https://cdn.example.com/logo.svg", "primary_color": "#0F766E"});
    let r = c.api("PATCH", &app, OPERATOR, Some(&json!({"settings": {"branding": branding}})));
    r.assert_status(200);
    assert_eq!(r.json()["settings"]["branding"], json!({"logo_url": "https://cdn.example.com/logo.svg", "primary_color": "#0f766e"}));
    let css = c.get(&s.slug, "/ui/brand.css");
    assert!(css.body.contains("--brand:#0f766e;--brand-text:#ffffff"), "{}", css.body);
    assert!(css.body.contains(".app-logo{display:block;background-image:url(\"https://cdn.example.com/logo.svg\")}"), "{}", css.body);
    let etag = css.header("etag").unwrap().to_owned();
    c.send("GET", &s.slug, "/ui/brand.css", &[("if-none-match", &etag)], None).assert_status(304);
    // Every hosted page links it; an organization's colour still overrides.
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &format!("/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256", s.client_id, enc(crate::oidc::REDIRECT)));
    let login = b.get(c, &s.slug, r.header("location").unwrap());
    assert!(login.body.contains("<link rel=\"stylesheet\" href=\"/ui/brand.css\">") && login.body.contains("class=\"app-logo\""));
    // Another application's pages are not branded by it.
    let other = unique("plain");
    c.create_app(&other);
    assert_eq!(c.get(&other, "/ui/brand.css").body, "");
    // Refused with the field named; nothing changed.
    for bad in [json!({"logo_url": "http://cdn.example.com/l.png"}), json!({"primary_color": "teal"}), json!({"logo_url": "https://x.example/a\")b"}), json!({"font": "x"})] {
        let r = c.api("PATCH", &app, OPERATOR, Some(&json!({"settings": {"branding": bad}})));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], "settings.branding", "{bad}");
    }
    assert!(c.get(&s.slug, "/ui/brand.css").body.contains("#0f766e"));
}

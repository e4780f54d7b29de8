//! Custom claims (`settings.token_claims`): templates over the user's
//! metadata, the application and the organization put claims in real ID
//! tokens and access tokens (code flow, refresh, client credentials); the
//! profile follows the scope; reserved names, unknown references and
//! oversized values are refused; the preview shows what a user's tokens
//! would carry and is kept to its application.

use crate::oidc::{provision, Setup};
use crate::security::{jwt_claims, token_request, tokens};
use crate::Test;
use aero2_tests::browser::Browser;
use aero2_tests::{Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("templates_put_claims_in_tokens_as_the_scope_allows", templates_put_claims_in_tokens_as_the_scope_allows),
        ("reserved_names_bad_references_and_oversized_data_are_refused", reserved_names_bad_references_and_oversized_data_are_refused),
        ("the_preview_shows_a_users_claims_in_its_own_application_only", the_preview_shows_a_users_claims_in_its_own_application_only),
    ]
}

fn settings(c: &Client, s: &Setup, settings: Value) -> aero2_tests::Resp {
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({ "settings": settings })))
}

fn set_metadata(c: &Client, s: &Setup, metadata: Value) -> aero2_tests::Resp {
    c.api("PATCH", &format!("/applications/{}/users/{}", s.app_id, s.user_id), OPERATOR, Some(&json!({ "metadata": metadata })))
}

fn templates() -> Value {
    json!({
        "metadata": { "region": "eu" },
        "token_claims": {
            "id_token": {
                "tier": "{{user.metadata.plan}}",
                "mail": "{{user.email}}",
                "who": "{{user.name}}",
                "https://shop.example/region": "{{application.metadata.region}}",
                "workspace": "{{organization.slug}}"
            },
            "access_token": {
                "seats": "{{user.metadata.seats}}",
                "label": "{{application.slug}}:{{user.metadata.plan}}",
                "flags": "{{user.metadata.flags}}",
                "static": { "v": 1, "list": ["a", "{{user.id}}"] }
            }
        }
    })
}

fn templates_put_claims_in_tokens_as_the_scope_allows(c: &Client) {
    let s = provision(c, true);
    let user = set_metadata(c, &s, json!({ "plan": "pro", "seats": 5, "flags": { "beta": true } }));
    user.assert_status(200);
    assert_eq!(user.json()["metadata"]["plan"], "pro", "the user shows their metadata");
    settings(c, &s, templates()).assert_status(200);

    let mut b = Browser::new();
    let t = tokens(c, &s, &mut b, (&s.client_id, &s.client_secret), "openid profile email offline_access");
    let id = jwt_claims(t["id_token"].as_str().unwrap());
    assert_eq!((id["tier"].clone(), id["mail"].clone(), id["who"].clone()), (json!("pro"), json!(s.email), json!("Ada Lovelace")));
    assert_eq!(id["https://shop.example/region"], "eu");
    assert!(id.get("workspace").is_none(), "not issued in an organization: left out");
    assert_eq!((id["sub"].as_str(), id["email_verified"].clone()), (Some(s.user_id.as_str()), json!(false)), "protocol claims untouched");
    let at = jwt_claims(t["access_token"].as_str().unwrap());
    assert_eq!(at["seats"], 5, "a whole reference keeps its type");
    assert_eq!(at["label"], format!("{}:pro", s.slug));
    assert_eq!(at["flags"], json!({ "beta": true }));
    assert_eq!(at["static"], json!({ "v": 1, "list": ["a", s.user_id] }));
    assert!(at.get("tier").is_none(), "each token its own template");

    // A refresh renders the templates again: changed metadata shows.
    set_metadata(c, &s, json!({ "plan": "enterprise", "seats": 50 })).assert_status(200);
    let r = token_request(c, &s, &s.client_id, &s.client_secret, &[("grant_type", "refresh_token"), ("refresh_token", t["refresh_token"].as_str().unwrap())]);
    r.assert_status(200);
    let id = jwt_claims(r.json()["id_token"].as_str().unwrap());
    let at = jwt_claims(r.json()["access_token"].as_str().unwrap());
    assert_eq!((id["tier"].clone(), at["seats"].clone(), at.get("flags")), (json!("enterprise"), json!(50), None));

    // Without `email` and `profile`, a template releases neither.
    let mut b = Browser::new();
    let t = tokens(c, &s, &mut b, (&s.client_id, &s.client_secret), "openid");
    let id = jwt_claims(t["id_token"].as_str().unwrap());
    assert!(id.get("mail").is_none() && id.get("who").is_none(), "{id}");
    assert_eq!(id["tier"], "enterprise");

    // A machine's token has no user: only what does not name one.
    let r = token_request(c, &s, &s.client_id, &s.client_secret, &[("grant_type", "client_credentials")]);
    r.assert_status(200);
    let at = jwt_claims(r.json()["access_token"].as_str().unwrap());
    assert_eq!((at["label"].clone(), at.get("seats")), (json!(format!("{}:", s.slug)), None));
    assert_eq!(at["static"], json!({ "v": 1, "list": ["a"] }));

    // A third-party client's tokens carry none of it.
    let third = provision(c, false);
    set_metadata(c, &third, json!({ "plan": "pro" })).assert_status(200);
    settings(c, &third, templates()).assert_status(200);
    let mut b = Browser::new();
    let t = tokens(c, &third, &mut b, (&third.client_id, &third.client_secret), "openid profile email");
    let (id, at) = (jwt_claims(t["id_token"].as_str().unwrap()), jwt_claims(t["access_token"].as_str().unwrap()));
    assert!(id.get("tier").is_none() && at.get("static").is_none() && at.get("label").is_none(), "{id} {at}");
}

fn reserved_names_bad_references_and_oversized_data_are_refused(c: &Client) {
    let s = provision(c, false);
    for (template, why) in [
        (json!({ "id_token": { "email_verified": true } }), "reserved"),
        (json!({ "access_token": { "sub": "admin" } }), "reserved"),
        (json!({ "access_token": { "permissions": ["*"] } }), "reserved"),
        (json!({ "access_token": { "Permissions_Introspection": "https://evil.example" } }), "reserved"),
        (json!({ "access_token": { "x": "{{user.password_hash}}" } }), "user"),
        (json!({ "access_token": { "x": "{{env.SECRET}}" } }), "starts with"),
        (json!({ "refresh_token": {} }), "unknown member"),
    ] {
        let r = settings(c, &s, json!({ "token_claims": template }));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], "settings.token_claims");
        assert!(r.json()["error_description"].as_str().unwrap().contains(why), "{}", r.body);
    }
    let mut deep = json!(1);
    for _ in 0..9 {
        deep = json!({ "a": deep });
    }
    set_metadata(c, &s, deep).assert_error(400, "invalid_request");
    let big = json!({ "blob": "x".repeat(4100) });
    set_metadata(c, &s, big.clone()).assert_error(400, "invalid_request");
    settings(c, &s, json!({ "metadata": big })).assert_error(400, "invalid_request");
    set_metadata(c, &s, json!(["not", "an", "object"])).assert_error(400, "invalid_request");
    // Nothing changed: the settings are as they were.
    let app = c.api("GET", &format!("/applications/{}", s.app_id), OPERATOR, None).json();
    assert!(app["settings"].get("token_claims").is_none(), "{app}");
}

fn the_preview_shows_a_users_claims_in_its_own_application_only(c: &Client) {
    let s = provision(c, false);
    set_metadata(c, &s, json!({ "plan": "pro", "seats": 5, "big": "y".repeat(3000) })).assert_status(200);
    settings(c, &s, templates()).assert_status(200);
    let preview = |app: &str, body: Value| c.api("POST", &format!("/applications/{app}/token-claims/preview"), OPERATOR, Some(&body));

    let r = preview(&s.app_id, json!({ "user_id": s.user_id }));
    r.assert_status(200);
    let p = r.json();
    assert_eq!(p["scope"], "openid profile email");
    assert_eq!((p["id_token"]["tier"].clone(), p["id_token"]["mail"].clone()), (json!("pro"), json!(s.email)));
    assert_eq!(p["access_token"]["seats"], 5);
    assert_eq!(p["omitted"], json!({ "id_token": [], "access_token": [] }));

    // An organization the user belongs to; the scope; a template not saved yet.
    let org = c.api("POST", &format!("/applications/{}/organizations", s.app_id), OPERATOR, Some(&json!({ "slug": "acme", "name": "Acme" })));
    org.assert_status(201);
    let org_id = org.json()["id"].as_str().unwrap().to_owned();
    preview(&s.app_id, json!({ "user_id": s.user_id, "org_id": org_id })).assert_error(400, "invalid_request");
    c.api("POST", &format!("/applications/{}/organizations/{org_id}/members", s.app_id), OPERATOR, Some(&json!({ "user_id": s.user_id })))
        .assert_status(201);
    let p = preview(&s.app_id, json!({ "user_id": s.user_id, "org_id": org_id, "scope": "openid" })).json();
    assert_eq!(p["id_token"]["workspace"], "acme");
    assert!(p["id_token"].get("mail").is_none(), "{p}");
    let unsaved = json!({ "access_token": { "a": "{{user.metadata.big}}", "b": "{{user.metadata.big}}", "org": "{{organization.name}}" } });
    let p = preview(&s.app_id, json!({ "user_id": s.user_id, "org_id": org_id, "token_claims": unsaved })).json();
    assert_eq!((p["access_token"]["org"].clone(), p["omitted"]["access_token"].clone()), (json!("Acme"), json!(["b"])), "{p}");
    assert!(p["id_token"].as_object().unwrap().is_empty(), "the body's templates replace the saved ones");
    preview(&s.app_id, json!({ "user_id": s.user_id, "token_claims": { "id_token": { "aud": "x" } } })).assert_error(400, "invalid_request");

    // Another application's user, or a made-up one: refused, nothing shown.
    let other = provision(c, false);
    for body in [json!({ "user_id": other.user_id }), json!({ "user_id": "usr_00000000000000000000000000000000" }), json!({ "user_id": "x" })] {
        let r = preview(&s.app_id, body);
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], "user_id");
    }
    // An sk_live_ key of the other application sees nothing of this one.
    let key = c.create_key(&other.app_id, "sk");
    let r = c.api("POST", &format!("/applications/{}/token-claims/preview", s.app_id), key["key"].as_str().unwrap(), Some(&json!({ "user_id": s.user_id })));
    assert_eq!(r.status, 404, "{}", r.body);
    // Who looked is kept, under the user, without the claims shown.
    let log = c.api("GET", &format!("/applications/{}/audit?type=token_claims.previewed&user_id={}", s.app_id, s.user_id), OPERATOR, None).json();
    let entries = log["entries"].as_array().unwrap();
    assert!(entries.len() >= 3, "{log}");
    assert!(entries.iter().all(|e| e["detail"]["after"].get("id_token").is_none() && e["detail"]["after"]["user_id"] == s.user_id.as_str()), "{log}");
}

//! APIs (resource servers) and their permissions through the management
//! API: the exact shape, every validation error naming its field, the
//! identifier rules (absolute, unique, immutable, never on a host that
//! serves Aero2), the limits, and applications that never see each
//! other's APIs.

use crate::Test;
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("an_api_is_created_read_changed_and_deleted", an_api_is_created_read_changed_and_deleted),
        ("bad_apis_name_the_field", bad_apis_name_the_field),
        ("apis_of_one_application_never_reach_another", apis_of_one_application_never_reach_another),
    ]
}

const API_FIELDS: &[&str] = &[
    "id", "identifier", "name", "permissions", "token_lifetime_seconds", "signing_alg", "enforce_rbac", "permissions_claim",
    "created_at", "updated_at",
];

fn new_app(c: &Client) -> String {
    c.create_app(&unique("rbac"))["id"].as_str().unwrap().to_owned()
}

fn apis(app_id: &str) -> String {
    format!("/applications/{app_id}/apis")
}

fn create(c: &Client, app_id: &str, body: &Value) -> Value {
    let r = c.api("POST", &apis(app_id), OPERATOR, Some(body));
    r.assert_status(201);
    r.json()
}

fn an_api_is_created_read_changed_and_deleted(c: &Client) {
    let app = new_app(c);
    let identifier = format!("https://api.example.com/{}", unique("inv"));
    let api = create(
        c,
        &app,
        &json!({"identifier": identifier, "name": "Invoices", "permissions": [{"value": "read:invoices", "description": "Read"}, {"value": "write:invoices"}]}),
    );
    let mut keys: Vec<&str> = api.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = API_FIELDS.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want);
    assert!(api["id"].as_str().unwrap().starts_with("api_"));
    assert_eq!(api["permissions"], json!([{"value": "read:invoices", "description": "Read"}, {"value": "write:invoices", "description": ""}]));
    assert_eq!((api["token_lifetime_seconds"].as_u64(), api["signing_alg"].as_str()), (Some(3600), Some("ES256")));
    assert_eq!((api["enforce_rbac"].as_bool(), api["permissions_claim"].as_bool()), (Some(false), Some(false)));
    let id = api["id"].as_str().unwrap();
    let one = format!("{}/{id}", apis(&app));

    c.api("GET", &one, OPERATOR, None).assert_status(200);
    assert_eq!(c.api("GET", &apis(&app), OPERATOR, None).json()["apis"].as_array().unwrap().len(), 1);
    let dup = c.api("POST", &apis(&app), OPERATOR, Some(&json!({"identifier": identifier, "name": "Again"})));
    dup.assert_error(409, "conflict");
    assert_eq!(dup.json()["field"], "identifier");

    let patched = c.api("PATCH", &one, OPERATOR, Some(&json!({"name": "Billing", "enforce_rbac": true, "permissions_claim": true, "signing_alg": "RS256", "token_lifetime_seconds": 600, "permissions": [{"value": "read:invoices"}]})));
    patched.assert_status(200);
    let p = patched.json();
    assert_eq!((p["name"].as_str(), p["enforce_rbac"].as_bool(), p["signing_alg"].as_str(), p["token_lifetime_seconds"].as_u64()), (Some("Billing"), Some(true), Some("RS256"), Some(600)));
    assert_eq!(p["identifier"], json!(identifier));
    assert_eq!(c.api("GET", &one, OPERATOR, None).json(), p, "stored as answered");
    let immutable = c.api("PATCH", &one, OPERATOR, Some(&json!({"identifier": "https://api.example.com/other"})));
    immutable.assert_error(400, "invalid_request");
    assert_eq!(immutable.json()["field"], "identifier");

    // An application's key manages its own APIs.
    let sk = c.create_key(&app, "sk")["key"].as_str().unwrap().to_owned();
    c.api("GET", &one, &sk, None).assert_status(200);
    c.api("DELETE", &one, &sk, None).assert_status(204);
    c.api("GET", &one, OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &one, OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", &format!("{}/not-an-id", apis(&app)), OPERATOR, None).assert_error(404, "not_found");
}

fn bad_apis_name_the_field(c: &Client) {
    let app = new_app(c);
    let slug = c.api("GET", &format!("/applications/{app}"), OPERATOR, None).json()["slug"].as_str().unwrap().to_owned();
    c.api("POST", &format!("/applications/{app}/domains"), OPERATOR, Some(&json!({"hostname": format!("{slug}.example.com")}))).assert_status(201);
    let too_many: Vec<Value> = (0..=100).map(|i| json!({"value": format!("p{i}")})).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"name": "x"}), "identifier"),
        (json!({"identifier": "invoices", "name": "x"}), "identifier"),
        (json!({"identifier": "https://api.example.com/a b", "name": "x"}), "identifier"),
        (json!({"identifier": format!("http://{slug}.localhost:8787/account"), "name": "x"}), "identifier"),
        (json!({"identifier": format!("https://{slug}.example.com/"), "name": "x"}), "identifier"),
        (json!({"identifier": "urn:a"}), "name"),
        (json!({"identifier": "urn:a", "name": "x", "permissions": [{"value": "openid"}]}), "permissions"),
        (json!({"identifier": "urn:a", "name": "x", "permissions": [{"value": "a b"}]}), "permissions"),
        (json!({"identifier": "urn:a", "name": "x", "permissions": too_many}), "permissions"),
        (json!({"identifier": "urn:a", "name": "x", "token_lifetime_seconds": 59}), "token_lifetime_seconds"),
        (json!({"identifier": "urn:a", "name": "x", "signing_alg": "HS256"}), "signing_alg"),
        (json!({"identifier": "urn:a", "name": "x", "enforce_rbac": "yes"}), "enforce_rbac"),
    ];
    for (body, field) in cases {
        let r = c.api("POST", &apis(&app), OPERATOR, Some(&body));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], field, "{body}");
    }
    c.api("POST", &apis(&app), OPERATOR, Some(&json!({"identifier": "urn:a", "name": "x", "extra": 1}))).assert_error(400, "invalid_request");
    assert_eq!(c.api("GET", &apis(&app), OPERATOR, None).json()["apis"], json!([]), "nothing was created");
}

fn apis_of_one_application_never_reach_another(c: &Client) {
    let (a, b) = (new_app(c), new_app(c));
    let api = create(c, &a, &json!({"identifier": "https://api.example.com/shared", "name": "A's"}));
    let id = api["id"].as_str().unwrap();
    // The same identifier is free in another application.
    create(c, &b, &json!({"identifier": "https://api.example.com/shared", "name": "B's"}));
    let b_key = c.create_key(&b, "sk")["key"].as_str().unwrap().to_owned();
    for method in ["GET", "PATCH", "DELETE"] {
        let body = (method == "PATCH").then(|| json!({"name": "stolen"}));
        // Through B's own path, and through A's path with B's key.
        c.api(method, &format!("{}/{id}", apis(&b)), &b_key, body.as_ref()).assert_error(404, "not_found");
        c.api(method, &format!("{}/{id}", apis(&a)), &b_key, body.as_ref()).assert_error(404, "not_found");
    }
    c.api("GET", &apis(&a), &b_key, None).assert_error(404, "not_found");
    assert_eq!(c.api("GET", &format!("{}/{id}", apis(&a)), OPERATOR, None).json()["name"], "A's", "unchanged");
    // Deleting an application deletes its APIs.
    c.api("DELETE", &format!("/applications/{a}"), OPERATOR, None).assert_status(204);
    c.api("GET", &format!("{}/{id}", apis(&a)), OPERATOR, None).assert_error(404, "not_found");
}

//! OAuth clients and signing keys through the management API: registration
//! with its exact response shape and every validation error, secrets shown
//! once and rotated, update and deletion, tenants that never see each
//! other's clients, and the signing-key lifecycle (generated at application
//! creation, rotated on demand, forgotten at deletion).

use crate::{scratch_dir, Test};
use aero2_tests::{unique, Client, Server, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("registration_returns_the_client_and_its_secret_once", registration_returns_the_client_and_its_secret_once),
        ("bad_registrations_name_the_field", bad_registrations_name_the_field),
        ("secret_rotation_replaces_the_old_secret", secret_rotation_replaces_the_old_secret),
        ("get_update_and_delete", get_update_and_delete),
        ("clients_of_one_application_never_reach_another", clients_of_one_application_never_reach_another),
        ("rotation_publishes_one_pending_key_per_algorithm", rotation_publishes_one_pending_key_per_algorithm),
        ("keys_follow_the_application_lifecycle", keys_follow_the_application_lifecycle),
    ]
}

const CB: &str = "https://app.example.com/callback";

/// Every member of a client as the API shows it; never a secret or hash.
const CLIENT_FIELDS: &[&str] = &[
    "client_id", "app_id", "name", "client_type", "token_endpoint_auth_method", "redirect_uris",
    "post_logout_redirect_uris", "grant_types", "scopes", "first_party", "require_pkce", "id_token_signed_response_alg", "disabled", "organization_usage",
    "created_at", "updated_at",
];

fn clients_path(app_id: &str) -> String {
    format!("/applications/{app_id}/clients")
}

fn new_app(c: &Client, prefix: &str) -> String {
    c.create_app(&unique(prefix))["id"].as_str().unwrap().to_owned()
}

fn register(c: &Client, app_id: &str, body: &Value) -> Value {
    let r = c.api("POST", &clients_path(app_id), OPERATOR, Some(body));
    r.assert_status(201);
    r.json()
}

#[track_caller]
fn assert_fields(client: &Value, with_secret: bool) {
    let mut keys: Vec<&str> = client.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = CLIENT_FIELDS.to_vec();
    if with_secret {
        expected.push("client_secret");
    }
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected, "{client}");
}

fn registration_returns_the_client_and_its_secret_once(c: &Client) {
    let app_id = new_app(c, "reg");
    let basic = register(
        c,
        &app_id,
        &json!({
            "name": "Web app", "token_endpoint_auth_method": "client_secret_basic",
            "redirect_uris": [CB, CB], "post_logout_redirect_uris": ["https://app.example.com/"],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "scopes": "openid profile email offline_access", "first_party": true,
        }),
    );
    assert_fields(&basic, true);
    let id = basic["client_id"].as_str().unwrap();
    assert!(id.starts_with("cl_") && id.len() == 35, "{id}");
    let secret = basic["client_secret"].as_str().unwrap();
    assert!(secret.starts_with("cs_") && secret.len() == 67, "{secret}");
    assert_eq!(basic["app_id"], app_id.as_str());
    assert_eq!(basic["client_type"], "confidential");
    assert_eq!(basic["redirect_uris"], json!([CB]), "duplicates collapse");
    assert_eq!(basic["grant_types"], json!(["authorization_code", "refresh_token", "client_credentials"]));
    assert_eq!(basic["scopes"], "openid profile email offline_access");
    assert_eq!((basic["first_party"].as_bool(), basic["require_pkce"].as_bool()), (Some(true), Some(true)));
    assert_eq!(basic["created_at"], basic["updated_at"]);

    let post = register(
        c,
        &app_id,
        &json!({"name": "Cron", "token_endpoint_auth_method": "client_secret_post", "grant_types": ["client_credentials"], "scopes": ["openid"]}),
    );
    assert_fields(&post, true);
    assert_eq!((post["client_type"].as_str(), post["redirect_uris"].clone()), (Some("confidential"), json!([])));
    assert_eq!(post["scopes"], "openid");
    assert_ne!(post["client_secret"], basic["client_secret"]);

    let public = register(c, &app_id, &json!({"name": "SPA", "token_endpoint_auth_method": "none", "redirect_uris": ["http://localhost:3000/cb"]}));
    assert_fields(&public, false);
    assert_eq!(public["client_type"], "public");
    assert_eq!(public["grant_types"], json!(["authorization_code", "refresh_token"]), "defaults");
    assert_eq!(public["scopes"], "openid profile email offline_access");
    assert_eq!((public["first_party"].as_bool(), public["require_pkce"].as_bool()), (Some(false), Some(true)));

    // Listing and reading show the same clients without any secret.
    let listed = c.api("GET", &clients_path(&app_id), OPERATOR, None);
    listed.assert_status(200);
    let listed = listed.json();
    let all = listed["clients"].as_array().unwrap();
    assert_eq!(all.len(), 3);
    for (shown, created) in all.iter().zip([&basic, &post, &public]) {
        assert_fields(shown, false);
        let mut expected = created.clone();
        expected.as_object_mut().unwrap().remove("client_secret");
        assert_eq!(shown, &expected);
    }
    let got = c.api("GET", &format!("{}/{id}", clients_path(&app_id)), OPERATOR, None).json();
    assert_fields(&got, false);
    for body in [listed.to_string(), got.to_string()] {
        assert!(!body.contains(secret) && !body.contains("secret_hash"), "{body}");
    }
}

fn bad_registrations_name_the_field(c: &Client) {
    let app_id = new_app(c, "badreg");
    let path = clients_path(&app_id);
    let ok = || json!({"name": "x", "redirect_uris": [CB]});
    let with = |k: &str, v: Value| {
        let mut b = ok();
        b[k] = v;
        b
    };
    let public = |extra: Value| {
        let mut b = json!({"name": "x", "token_endpoint_auth_method": "none", "redirect_uris": [CB]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (json!({"redirect_uris": [CB]}), Some("name")),
        (with("name", json!("   ")), Some("name")),
        (with("name", json!(7)), Some("name")),
        (with("name", json!("x".repeat(101))), Some("name")),
        (with("token_endpoint_auth_method", json!("private_key_jwt")), Some("token_endpoint_auth_method")),
        (json!({"name": "x"}), Some("redirect_uris")),
        (with("redirect_uris", json!([])), Some("redirect_uris")),
        (with("redirect_uris", json!(CB)), Some("redirect_uris")),
        (with("redirect_uris", json!(["http://app.example.com/cb"])), Some("redirect_uris")),
        (with("redirect_uris", json!(["https://app.example.com/cb#frag"])), Some("redirect_uris")),
        (with("redirect_uris", json!(["https://user@app.example.com/cb"])), Some("redirect_uris")),
        (with("redirect_uris", json!(["/relative"])), Some("redirect_uris")),
        (with("redirect_uris", json!(vec![CB; 21])), Some("redirect_uris")),
        (with("post_logout_redirect_uris", json!(["javascript:alert(1)"])), Some("post_logout_redirect_uris")),
        (with("grant_types", json!(["implicit"])), Some("grant_types")),
        (with("grant_types", json!(["password"])), Some("grant_types")),
        (with("grant_types", json!(["device_code"])), Some("grant_types")),
        (with("grant_types", json!([])), Some("grant_types")),
        (with("grant_types", json!(["refresh_token"])), Some("grant_types")),
        (json!({"name": "x", "grant_types": ["client_credentials"], "redirect_uris": [CB]}), Some("redirect_uris")),
        (public(json!({"grant_types": ["client_credentials"]})), Some("grant_types")),
        (public(json!({"require_pkce": false})), Some("require_pkce")),
        (with("scopes", json!("openid admin")), Some("scopes")),
        (with("scopes", json!("")), Some("scopes")),
        (with("scopes", json!(5)), Some("scopes")),
        (with("first_party", json!("yes")), Some("first_party")),
        (with("require_pkce", json!(1)), Some("require_pkce")),
        (with("client_secret", json!("chosen-by-me")), None),
        (json!(["not", "an", "object"]), None),
    ];
    for (body, field) in cases {
        let r = c.api("POST", &path, OPERATOR, Some(&body));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"].as_str(), field, "{body}");
    }
    let auth = format!("Bearer {OPERATOR}");
    let raw = c.send("POST", "dashboard", &format!("/api/v1{path}"), &[("authorization", &auth)], Some("{oops"));
    raw.assert_error(400, "invalid_request");
    let huge = json!({"name": "x", "redirect_uris": [CB], "scopes": "openid ".repeat(12_000)});
    c.api("POST", &path, OPERATOR, Some(&huge)).assert_error(413, "payload_too_large");
    // None of them was stored.
    assert_eq!(c.api("GET", &path, OPERATOR, None).json()["clients"], json!([]));
}

/// A `client_credentials` request, the client authenticated in the body
/// (`client_secret_post`; ids and secrets need no form escaping).
fn token_with(c: &Client, slug: &str, client_id: &str, secret: &str) -> aero2_tests::Resp {
    let form = format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
    c.send("POST", slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded")], Some(&form))
}

fn secret_rotation_replaces_the_old_secret(c: &Client) {
    let slug = unique("rot");
    let app_id = c.create_app(&slug)["id"].as_str().unwrap().to_owned();
    let client = register(
        c,
        &app_id,
        &json!({"name": "M2M", "token_endpoint_auth_method": "client_secret_post", "grant_types": ["client_credentials"], "scopes": "openid"}),
    );
    let id = client["client_id"].as_str().unwrap();
    let old = client["client_secret"].as_str().unwrap();
    token_with(c, &slug, id, old).assert_status(200);

    let secret_path = format!("{}/{id}/secret", clients_path(&app_id));
    let r = c.api("POST", &secret_path, OPERATOR, None);
    r.assert_status(200);
    let rotated = r.json();
    assert_eq!(rotated["client_id"], id);
    let new = rotated["client_secret"].as_str().unwrap();
    assert!(new.starts_with("cs_") && new != old);

    // The old secret stops working at once; the new one works; neither is
    // ever shown again.
    token_with(c, &slug, id, old).assert_error(401, "invalid_client");
    token_with(c, &slug, id, new).assert_status(200);
    let listed = c.api("GET", &clients_path(&app_id), OPERATOR, None).body;
    assert!(!listed.contains(old) && !listed.contains(new), "{listed}");
    let after = c.api("GET", &format!("{}/{id}", clients_path(&app_id)), OPERATOR, None).json();
    assert!(after["updated_at"].as_i64().unwrap() >= client["updated_at"].as_i64().unwrap());

    // Public clients have no secret to rotate.
    let public = register(c, &app_id, &json!({"name": "SPA", "token_endpoint_auth_method": "none", "redirect_uris": [CB]}));
    let r = c.api("POST", &format!("{}/{}/secret", clients_path(&app_id), public["client_id"].as_str().unwrap()), OPERATOR, None);
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "token_endpoint_auth_method");
    c.api("GET", &secret_path, OPERATOR, None).assert_error(405, "method_not_allowed");
    let missing = format!("{}/cl_{}/secret", clients_path(&app_id), "0".repeat(32));
    c.api("POST", &missing, OPERATOR, None).assert_error(404, "not_found");
}

fn get_update_and_delete(c: &Client) {
    let app_id = new_app(c, "upd");
    let sk = c.create_key(&app_id, "sk")["key"].as_str().unwrap().to_owned();
    let created = register(c, &app_id, &json!({"name": "Web", "redirect_uris": [CB]}));
    let path = format!("{}/{}", clients_path(&app_id), created["client_id"].as_str().unwrap());

    // The application's own sk_live_ key manages its clients.
    let r = c.api("PATCH", &path, &sk, Some(&json!({"name": "Web v2", "redirect_uris": [CB, "https://app.example.com/cb2"], "first_party": true, "scopes": "openid email"})));
    r.assert_status(200);
    let updated = r.json();
    assert_fields(&updated, false);
    assert_eq!(updated["name"], "Web v2");
    assert_eq!(updated["redirect_uris"], json!([CB, "https://app.example.com/cb2"]));
    assert_eq!((updated["first_party"].as_bool(), updated["scopes"].as_str()), (Some(true), Some("openid email")));
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(c.api("GET", &path, &sk, None).json(), updated);

    for (body, field) in [
        (json!({"client_type": "public"}), Some("client_type")),
        (json!({"token_endpoint_auth_method": "none"}), Some("token_endpoint_auth_method")),
        (json!({"grant_types": ["client_credentials"]}), Some("grant_types")),
        (json!({"client_id": "cl_x"}), Some("client_id")),
        (json!({"redirect_uris": []}), Some("redirect_uris")),
        (json!({"redirect_uris": ["http://evil.example.com/"]}), Some("redirect_uris")),
        (json!({"name": ""}), Some("name")),
        (json!({"scopes": "openid root"}), Some("scopes")),
        (json!({}), None),
        (json!({"colour": "red"}), None),
    ] {
        let r = c.api("PATCH", &path, &sk, Some(&body));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"].as_str(), field, "{body}");
    }
    assert_eq!(c.api("GET", &path, &sk, None).json(), updated, "rejected patches change nothing");

    assert_eq!(c.api("DELETE", &path, &sk, None).status, 204);
    c.api("GET", &path, &sk, None).assert_error(404, "not_found");
    c.api("PATCH", &path, &sk, Some(&json!({"name": "x"}))).assert_error(404, "not_found");
    c.api("DELETE", &path, &sk, None).assert_error(404, "not_found");
    assert_eq!(c.api("GET", &clients_path(&app_id), &sk, None).json()["clients"], json!([]));
    c.api("GET", &format!("{}/not-a-client", clients_path(&app_id)), &sk, None).assert_error(404, "not_found");
    c.api("PUT", &path, &sk, Some(&json!({}))).assert_error(405, "method_not_allowed");
    c.api("DELETE", &clients_path(&app_id), &sk, None).assert_error(405, "method_not_allowed");
}

fn clients_of_one_application_never_reach_another(c: &Client) {
    let a = new_app(c, "cl-a");
    let b = new_app(c, "cl-b");
    let a_sk = c.create_key(&a, "sk")["key"].as_str().unwrap().to_owned();
    let b_client = register(c, &b, &json!({"name": "B", "redirect_uris": [CB]}));
    let b_id = b_client["client_id"].as_str().unwrap();
    let a_client = register(c, &a, &json!({"name": "A", "redirect_uris": [CB]}));
    let a_id = a_client["client_id"].as_str().unwrap();

    for (method, path, body) in [
        ("GET", clients_path(&b), None),
        ("POST", clients_path(&b), Some(json!({"name": "x", "redirect_uris": [CB]}))),
        ("GET", format!("{}/{b_id}", clients_path(&b)), None),
        ("PATCH", format!("{}/{b_id}", clients_path(&b)), Some(json!({"name": "pwned"}))),
        ("DELETE", format!("{}/{b_id}", clients_path(&b)), None),
        ("POST", format!("{}/{b_id}/secret", clients_path(&b)), None),
        // B's client through A's path: still unknown.
        ("GET", format!("{}/{b_id}", clients_path(&a)), None),
        ("PATCH", format!("{}/{b_id}", clients_path(&a)), Some(json!({"name": "pwned"}))),
        ("DELETE", format!("{}/{b_id}", clients_path(&a)), None),
        ("POST", format!("{}/{b_id}/secret", clients_path(&a)), None),
        ("POST", format!("/applications/{b}/signing-keys/rotate"), None),
    ] {
        c.api(method, &path, &a_sk, body.as_ref()).assert_error(404, "not_found");
    }
    // Same through the operator, who may see both: B's client is not A's.
    c.api("GET", &format!("{}/{b_id}", clients_path(&a)), OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", &format!("{}/{a_id}", clients_path(&a)), &a_sk, None).assert_status(200);
    let b_list = c.api("GET", &clients_path(&b), OPERATOR, None).json();
    let mut expected = b_client.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(b_list["clients"], json!([expected]), "B unchanged");
}

fn kids_by_alg(jwks: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["alg"].as_str().unwrap().to_owned(), k["kid"].as_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

#[track_caller]
fn assert_public_only(jwks: &Value) {
    for k in jwks["keys"].as_array().unwrap() {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(k.get(private).is_none(), "private member {private} in {k}");
        }
    }
}

fn rotation_publishes_one_pending_key_per_algorithm(c: &Client) {
    let slug = unique("rotkeys");
    let app_id = c.create_app(&slug)["id"].as_str().unwrap().to_owned();
    let before = c.get(&slug, "/.well-known/jwks.json").json();
    assert_eq!(kids_by_alg(&before).iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["ES256", "RS256"]);

    let rotate = format!("/applications/{app_id}/signing-keys/rotate");
    let r = c.api("POST", &rotate, OPERATOR, None);
    r.assert_status(200);
    let after = r.json();
    assert_public_only(&after);
    let kids = kids_by_alg(&after);
    assert_eq!(kids.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["ES256", "ES256", "RS256", "RS256"]);
    for old in kids_by_alg(&before) {
        assert!(kids.contains(&old), "current keys stay published: {old:?}");
    }
    let mut unique_kids: Vec<&String> = kids.iter().map(|(_, k)| k).collect();
    unique_kids.dedup();
    assert_eq!(unique_kids.len(), 4);
    // Published right away at the application's JWKS endpoint.
    assert_eq!(kids_by_alg(&c.get(&slug, "/.well-known/jwks.json").json()), kids);

    // A second rotation while keys are pending adds nothing; an explicit
    // lead time is accepted.
    let again = c.api("POST", &rotate, OPERATOR, Some(&json!({"activate_after_seconds": 60})));
    again.assert_status(200);
    assert_eq!(kids_by_alg(&again.json()), kids);

    for (body, field) in [
        (json!({"activate_after_seconds": -1}), Some("activate_after_seconds")),
        (json!({"activate_after_seconds": 604_801}), Some("activate_after_seconds")),
        (json!({"activate_after_seconds": 1.5}), Some("activate_after_seconds")),
        (json!({"activate_after_seconds": "60"}), Some("activate_after_seconds")),
        (json!({"activate_after": 60}), None),
        (json!([60]), None),
    ] {
        let r = c.api("POST", &rotate, OPERATOR, Some(&body));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"].as_str(), field, "{body}");
    }
    c.api("GET", &rotate, OPERATOR, None).assert_error(405, "method_not_allowed");
    let sk = c.create_key(&app_id, "sk")["key"].as_str().unwrap().to_owned();
    c.api("POST", &rotate, &sk, Some(&json!({"activate_after_seconds": 0}))).assert_status(200);
}

/// Counts every key the signer holds, so this runs on a server of its own.
fn keys_follow_the_application_lifecycle(_shared: &Client) {
    let server = Server::start(&scratch_dir("signing-keys"));
    let c = server.client();
    let held = || c.health("dashboard").json()["jwks_signer"]["keys"].as_i64().unwrap();
    assert_eq!(held(), 0);

    let app = c.create_app("keyed");
    assert_eq!(held(), 2, "one RS256 and one ES256 key generated at creation");
    let id = app["id"].as_str().unwrap();
    let jwks = c.get("keyed", "/.well-known/jwks.json").json();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2, "and they are what the JWKS serves");
    assert_eq!(held(), 2);

    c.api("POST", &format!("/applications/{id}/signing-keys/rotate"), OPERATOR, None).assert_status(200);
    assert_eq!(held(), 4);

    assert_eq!(c.api("DELETE", &format!("/applications/{id}"), OPERATOR, None).status, 204);
    assert_eq!(held(), 0, "a deleted application's keys are forgotten");
}

//! Users through the management API: one pool per application, emails
//! canonical and unique within it, NIST SP 800-63B length rules for
//! passwords, and no password hash in any response.

use crate::Test;
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("creation_returns_the_user_without_secrets", creation_returns_the_user_without_secrets),
        ("bad_users_name_the_field", bad_users_name_the_field),
        ("emails_are_unique_per_application", emails_are_unique_per_application),
        ("users_of_one_application_never_reach_another", users_of_one_application_never_reach_another),
    ]
}

const PASSWORD: &str = "correct horse battery staple";
const USER_FIELDS: &[&str] =
    &["id", "app_id", "email", "email_verified", "name", "picture", "disabled", "created_at", "updated_at", "metadata"];

fn users_path(app_id: &str) -> String {
    format!("/applications/{app_id}/users")
}

fn new_app(c: &Client, prefix: &str) -> String {
    c.create_app(&unique(prefix))["id"].as_str().unwrap().to_owned()
}

#[track_caller]
fn assert_no_secrets(body: &str) {
    for leak in ["password", "pbkdf2", PASSWORD] {
        assert!(!body.contains(leak), "{leak} in {body}");
    }
}

fn creation_returns_the_user_without_secrets(c: &Client) {
    let app_id = new_app(c, "users");
    let local = unique("ada");
    let r = c.api(
        "POST",
        &users_path(&app_id),
        OPERATOR,
        Some(&json!({"email": format!("  {}@Example.COM ", local.to_uppercase()), "password": PASSWORD, "name": " Ada Lovelace "})),
    );
    r.assert_status(201);
    assert_no_secrets(&r.body);
    let user = r.json();
    let mut keys: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = USER_FIELDS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected, "{user}");
    let id = user["id"].as_str().unwrap();
    assert!(id.starts_with("usr_") && id.len() == 36, "{id}");
    assert_eq!(user["app_id"], app_id.as_str());
    assert_eq!(user["email"], format!("{local}@example.com"), "trimmed and lower-cased");
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!((user["email_verified"].as_bool(), user["disabled"].as_bool()), (Some(false), Some(false)));
    assert!(user["picture"].is_null());

    // No name is fine; the password is taken as given, spaces included.
    let r = c.api("POST", &users_path(&app_id), OPERATOR, Some(&json!({"email": format!("{}@example.com", unique("bob")), "password": "  pass  "})));
    r.assert_status(201);
    let bob = r.json();
    assert!(bob["name"].is_null());

    let got = c.api("GET", &format!("{}/{id}", users_path(&app_id)), OPERATOR, None);
    got.assert_status(200);
    assert_no_secrets(&got.body);
    assert_eq!(got.json(), user);
    let listed = c.api("GET", &users_path(&app_id), OPERATOR, None);
    listed.assert_status(200);
    assert_no_secrets(&listed.body);
    assert_eq!(listed.json(), json!({"users": [user, bob], "next_after": null}));
}

fn bad_users_name_the_field(c: &Client) {
    let app_id = new_app(c, "badusers");
    let path = users_path(&app_id);
    let email = || format!("{}@example.com", unique("u"));
    let cases: Vec<(Value, Option<&str>)> = vec![
        (json!({"password": PASSWORD}), Some("email")),
        (json!({"email": 5, "password": PASSWORD}), Some("email")),
        (json!({"email": "", "password": PASSWORD}), Some("email")),
        (json!({"email": "ada", "password": PASSWORD}), Some("email")),
        (json!({"email": "@example.com", "password": PASSWORD}), Some("email")),
        (json!({"email": "ada@", "password": PASSWORD}), Some("email")),
        (json!({"email": "ada@@example.com", "password": PASSWORD}), Some("email")),
        (json!({"email": "a da@example.com", "password": PASSWORD}), Some("email")),
        (json!({"email": "ada@localhost", "password": PASSWORD}), Some("email")),
        (json!({"email": "ada@exa_mple.com", "password": PASSWORD}), Some("email")),
        (json!({"email": format!("{}@example.com", "a".repeat(65)), "password": PASSWORD}), Some("email")),
        (json!({"email": email()}), Some("password")),
        (json!({"email": email(), "password": "1234567"}), Some("password")),
        (json!({"email": email(), "password": ""}), Some("password")),
        (json!({"email": email(), "password": 12_345_678}), Some("password")),
        (json!({"email": email(), "password": "x".repeat(257)}), Some("password")),
        (json!({"email": email(), "password": PASSWORD, "name": ""}), Some("name")),
        (json!({"email": email(), "password": PASSWORD, "name": "x".repeat(101)}), Some("name")),
        (json!({"email": email(), "password": PASSWORD, "name": 3}), Some("name")),
        (json!({"email": email(), "password": PASSWORD, "email_verified": "yes"}), Some("email_verified")),
        (json!({"email": email(), "password": PASSWORD, "password_hash": "$pbkdf2-sha256$i=1$AA$AA"}), None),
        (json!("ada@example.com"), None),
    ];
    for (body, field) in cases {
        let r = c.api("POST", &path, OPERATOR, Some(&body));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"].as_str(), field, "{body}");
        assert!(!r.body.contains("pbkdf2") && !r.body.contains(PASSWORD), "{}", r.body);
    }
    // Eight characters is enough; 256 bytes is not too many.
    c.api("POST", &path, OPERATOR, Some(&json!({"email": email(), "password": "12345678"}))).assert_status(201);
    c.api("POST", &path, OPERATOR, Some(&json!({"email": email(), "password": "é".repeat(128)}))).assert_status(201);
    assert_eq!(c.api("GET", &path, OPERATOR, None).json()["users"].as_array().unwrap().len(), 2);
}

fn emails_are_unique_per_application(c: &Client) {
    let a = new_app(c, "pool-a");
    let b = new_app(c, "pool-b");
    let email = format!("{}@example.com", unique("same"));
    let first = c.api("POST", &users_path(&a), OPERATOR, Some(&json!({"email": email, "password": PASSWORD})));
    first.assert_status(201);
    for again in [email.clone(), email.to_uppercase(), format!(" {email}")] {
        let r = c.api("POST", &users_path(&a), OPERATOR, Some(&json!({"email": again, "password": "another password"})));
        r.assert_error(409, "conflict");
        assert_eq!(r.json()["field"], "email");
    }
    // Another application's pool is another set of people.
    let other = c.api("POST", &users_path(&b), OPERATOR, Some(&json!({"email": email, "password": PASSWORD})));
    other.assert_status(201);
    assert_ne!(other.json()["id"], first.json()["id"]);
    assert_eq!(c.api("GET", &users_path(&a), OPERATOR, None).json()["users"].as_array().unwrap().len(), 1);
    assert_eq!(c.api("GET", &users_path(&b), OPERATOR, None).json()["users"].as_array().unwrap().len(), 1);
}

fn users_of_one_application_never_reach_another(c: &Client) {
    let a = new_app(c, "usr-a");
    let b = new_app(c, "usr-b");
    let a_sk = c.create_key(&a, "sk")["key"].as_str().unwrap().to_owned();
    let email = format!("{}@example.com", unique("own"));
    let mine = c.api("POST", &users_path(&a), &a_sk, Some(&json!({"email": email, "password": PASSWORD})));
    mine.assert_status(201);
    let mine = mine.json();
    let theirs = c.api("POST", &users_path(&b), OPERATOR, Some(&json!({"email": email, "password": PASSWORD}))).json();
    let theirs_id = theirs["id"].as_str().unwrap();

    let missing = format!("{}/usr_{}", users_path(&a), "0".repeat(32));
    let as_b = c.api("GET", &format!("{}/{theirs_id}", users_path(&b)), &a_sk, None);
    as_b.assert_error(404, "not_found");
    assert_eq!(as_b.body, c.api("GET", &missing, &a_sk, None).body, "indistinguishable from missing");
    c.api("GET", &users_path(&b), &a_sk, None).assert_error(404, "not_found");
    c.api("POST", &users_path(&b), &a_sk, Some(&json!({"email": format!("{}@example.com", unique("x")), "password": PASSWORD})))
        .assert_error(404, "not_found");
    // B's user through A's path, even as the operator.
    c.api("GET", &format!("{}/{theirs_id}", users_path(&a)), OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", &format!("{}/not-a-user", users_path(&a)), &a_sk, None).assert_error(404, "not_found");
    c.api("GET", &format!("{}/{}", users_path(&a), mine["id"].as_str().unwrap()), &a_sk, None).assert_status(200);
    assert_eq!(c.api("GET", &users_path(&b), OPERATOR, None).json()["users"], json!([theirs]));
    // B's user cannot be deleted through A's path, even by the operator.
    c.api("DELETE", &format!("{}/{theirs_id}", users_path(&a)), OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &format!("{}/{theirs_id}", users_path(&b)), &a_sk, None).assert_error(404, "not_found");
    c.api("GET", &format!("{}/{theirs_id}", users_path(&b)), OPERATOR, None).assert_status(200);
    c.api("PUT", &users_path(&b), OPERATOR, Some(&json!({}))).assert_error(405, "method_not_allowed");
}

//! APIs (resource servers) and their permissions through the management
//! API: the exact shape, every validation error naming its field, the
//! identifier rules (absolute, unique, immutable, never on a host that
//! serves Aero2), the limits; roles and the permissions they grant, only
//! ever ones the application's own APIs define; and applications that
//! never see each other's APIs or roles.

use crate::Test;
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("an_api_is_created_read_changed_and_deleted", an_api_is_created_read_changed_and_deleted),
        ("bad_apis_name_the_field", bad_apis_name_the_field),
        ("apis_of_one_application_never_reach_another", apis_of_one_application_never_reach_another),
        ("roles_grant_permissions_the_applications_apis_define", roles_grant_permissions_the_applications_apis_define),
        ("roles_of_one_application_never_reach_another", roles_of_one_application_never_reach_another),
        ("users_are_given_and_lose_roles", users_are_given_and_lose_roles),
        ("machine_clients_are_granted_permissions_of_an_api", machine_clients_are_granted_permissions_of_an_api),
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

fn roles(app_id: &str) -> String {
    format!("/applications/{app_id}/roles")
}

fn grant_list(api_id: &str, values: &[&str]) -> Value {
    json!({ "permissions": values.iter().map(|v| json!({"api_id": api_id, "value": v})).collect::<Vec<_>>() })
}

fn roles_grant_permissions_the_applications_apis_define(c: &Client) {
    let app = new_app(c);
    let perms = json!([{"value": "read:invoices"}, {"value": "write:invoices"}]);
    let api = create(c, &app, &json!({"identifier": "https://api.example.com/invoices", "name": "Invoices", "permissions": perms}));
    let api_id = api["id"].as_str().unwrap();
    let r = c.api("POST", &roles(&app), OPERATOR, Some(&json!({"name": "billing", "description": "Invoices"})));
    r.assert_status(201);
    let role = r.json();
    let mut keys: Vec<&str> = role.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "description", "id", "name", "organization_permissions", "updated_at"]);
    let id = role["id"].as_str().unwrap();
    assert_eq!(role["organization_permissions"], json!([]));
    assert!(id.starts_with("rol_"));
    let one = format!("{}/{id}", roles(&app));
    let taken = c.api("POST", &roles(&app), OPERATOR, Some(&json!({"name": "billing"})));
    taken.assert_error(409, "conflict");
    assert_eq!(taken.json()["field"], "name");
    c.api("POST", &roles(&app), OPERATOR, Some(&json!({"description": "no name"}))).assert_error(400, "invalid_request");

    let renamed = c.api("PATCH", &one, OPERATOR, Some(&json!({"name": "billing-admin"})));
    renamed.assert_status(200);
    assert_eq!((renamed.json()["name"].as_str(), renamed.json()["description"].as_str()), (Some("billing-admin"), Some("Invoices")));
    assert_eq!(c.api("GET", &roles(&app), OPERATOR, None).json()["roles"].as_array().unwrap().len(), 1);

    let perms_path = format!("{one}/permissions");
    assert_eq!(c.api("GET", &perms_path, OPERATOR, None).json()["permissions"], json!([]));
    let granted = c.api("POST", &perms_path, OPERATOR, Some(&grant_list(api_id, &["read:invoices", "write:invoices"])));
    granted.assert_status(200);
    assert_eq!(granted.json()["permissions"].as_array().unwrap().len(), 2);
    // Granting again changes nothing; what no API defines is refused.
    c.api("POST", &perms_path, OPERATOR, Some(&grant_list(api_id, &["read:invoices"]))).assert_status(200);
    for bad in [grant_list(api_id, &["delete:invoices"]), grant_list("api_00000000000000000000000000000000", &["read:invoices"]), json!({"permissions": []})] {
        let r = c.api("POST", &perms_path, OPERATOR, Some(&bad));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], "permissions", "{bad}");
    }
    let left = c.api("DELETE", &perms_path, OPERATOR, Some(&grant_list(api_id, &["write:invoices"])));
    left.assert_status(200);
    assert_eq!(left.json()["permissions"], json!([{"api_id": api_id, "value": "read:invoices"}]));
    assert_eq!(c.api("GET", &perms_path, OPERATOR, None).json(), left.json(), "stored as answered");

    // An API that goes takes its permissions out of every role.
    c.api("DELETE", &format!("{}/{api_id}", apis(&app)), OPERATOR, None).assert_status(204);
    assert_eq!(c.api("GET", &perms_path, OPERATOR, None).json()["permissions"], json!([]));
    c.api("DELETE", &one, OPERATOR, None).assert_status(204);
    c.api("GET", &one, OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", &perms_path, OPERATOR, None).assert_error(404, "not_found");
}

fn roles_of_one_application_never_reach_another(c: &Client) {
    let (a, b) = (new_app(c), new_app(c));
    let api_a = create(c, &a, &json!({"identifier": "urn:a", "name": "A", "permissions": [{"value": "read"}]}));
    let role = c.api("POST", &roles(&a), OPERATOR, Some(&json!({"name": "reader"}))).json();
    let id = role["id"].as_str().unwrap();
    // The same name is free in another application.
    let role_b = c.api("POST", &roles(&b), OPERATOR, Some(&json!({"name": "reader"})));
    role_b.assert_status(201);
    // B's role cannot be given A's API's permissions.
    let b_perms = format!("{}/{}/permissions", roles(&b), role_b.json()["id"].as_str().unwrap());
    c.api("POST", &b_perms, OPERATOR, Some(&grant_list(api_a["id"].as_str().unwrap(), &["read"]))).assert_error(400, "invalid_request");
    let b_key = c.create_key(&b, "sk")["key"].as_str().unwrap().to_owned();
    for (method, path) in [("GET", format!("{}/{id}", roles(&b))), ("GET", format!("{}/{id}", roles(&a))), ("DELETE", format!("{}/{id}", roles(&a))), ("GET", format!("{}/{id}/permissions", roles(&a)))] {
        c.api(method, &path, &b_key, None).assert_error(404, "not_found");
    }
    assert_eq!(c.api("GET", &format!("{}/{id}", roles(&a)), OPERATOR, None).json()["name"], "reader");
}

fn new_user(c: &Client, app_id: &str) -> String {
    let email = format!("{}@example.com", unique("member"));
    let r = c.api("POST", &format!("/applications/{app_id}/users"), OPERATOR, Some(&json!({"email": email, "password": "a long enough password"})));
    r.assert_status(201);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn users_are_given_and_lose_roles(c: &Client) {
    let (app, other) = (new_app(c), new_app(c));
    let user = new_user(c, &app);
    let reader = c.api("POST", &roles(&app), OPERATOR, Some(&json!({"name": "reader"}))).json()["id"].as_str().unwrap().to_owned();
    let writer = c.api("POST", &roles(&app), OPERATOR, Some(&json!({"name": "writer"}))).json()["id"].as_str().unwrap().to_owned();
    let path = format!("/applications/{app}/users/{user}/roles");
    assert_eq!(c.api("GET", &path, OPERATOR, None).json()["roles"], json!([]));
    let given = c.api("POST", &path, OPERATOR, Some(&json!({"roles": [writer, reader, reader]})));
    given.assert_status(200);
    let body = given.json();
    let names: Vec<&str> = body["roles"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["reader", "writer"], "each once, by name");
    // Roles of another application, or none at all, are refused.
    let foreign = c.api("POST", &roles(&other), OPERATOR, Some(&json!({"name": "reader"}))).json()["id"].as_str().unwrap().to_owned();
    for bad in [json!({"roles": [foreign]}), json!({"roles": []}), json!({"roles": "rol_x"})] {
        let r = c.api("POST", &path, OPERATOR, Some(&bad));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], "roles", "{bad}");
    }
    // A user of another application, or no user, is not found.
    let stranger = new_user(c, &other);
    c.api("POST", &format!("/applications/{app}/users/{stranger}/roles"), OPERATOR, Some(&json!({"roles": [reader]}))).assert_error(404, "not_found");
    c.api("GET", &format!("/applications/{app}/users/usr_00000000000000000000000000000000/roles"), OPERATOR, None).assert_error(404, "not_found");
    let other_key = c.create_key(&other, "sk")["key"].as_str().unwrap().to_owned();
    c.api("GET", &path, &other_key, None).assert_error(404, "not_found");

    let taken = c.api("DELETE", &path, OPERATOR, Some(&json!({"roles": [writer]})));
    taken.assert_status(200);
    assert_eq!(taken.json()["roles"].as_array().unwrap().len(), 1);
    // A role that is deleted is gone from its users.
    c.api("DELETE", &format!("{}/{reader}", roles(&app)), OPERATOR, None).assert_status(204);
    assert_eq!(c.api("GET", &path, OPERATOR, None).json()["roles"], json!([]));
}

fn new_client(c: &Client, app_id: &str, auth: &str, grant_types: &Value) -> String {
    let mut body = json!({"name": "svc", "token_endpoint_auth_method": auth, "grant_types": grant_types});
    if grant_types.as_array().unwrap().contains(&json!("authorization_code")) {
        body["redirect_uris"] = json!(["https://app.example.com/cb"]);
    }
    let r = c.api("POST", &format!("/applications/{app_id}/clients"), OPERATOR, Some(&body));
    r.assert_status(201);
    r.json()["client_id"].as_str().unwrap().to_owned()
}

fn machine_clients_are_granted_permissions_of_an_api(c: &Client) {
    let (app, other) = (new_app(c), new_app(c));
    let api = create(c, &app, &json!({"identifier": "urn:billing", "name": "Billing", "permissions": [{"value": "read"}, {"value": "write"}]}));
    let api_id = api["id"].as_str().unwrap();
    let svc = new_client(c, &app, "client_secret_basic", &json!(["client_credentials"]));
    let path = format!("/applications/{app}/clients/{svc}/grants");
    assert_eq!(c.api("GET", &path, OPERATOR, None).json()["grants"], json!([]));
    let set = c.api("PUT", &path, OPERATOR, Some(&json!({"grants": [{"api_id": api_id, "permissions": ["read"]}]})));
    set.assert_status(200);
    assert_eq!(set.json()["grants"], json!([{"api_id": api_id, "permissions": ["read"]}]));
    assert_eq!(c.api("GET", &path, OPERATOR, None).json(), set.json(), "stored as answered");
    for bad in [
        json!({"grants": [{"api_id": api_id, "permissions": ["delete"]}]}),
        json!({"grants": [{"api_id": "api_00000000000000000000000000000000", "permissions": []}]}),
        json!({"grants": [{"api_id": api_id, "permissions": []}, {"api_id": api_id, "permissions": ["read"]}]}),
    ] {
        let r = c.api("PUT", &path, OPERATOR, Some(&bad));
        r.assert_error(400, "invalid_request");
        assert_eq!(r.json()["field"], "grants", "{bad}");
    }
    // A client that never acts for itself gets no grants.
    let spa = new_client(c, &app, "none", &json!(["authorization_code"]));
    let r = c.api("PUT", &format!("/applications/{app}/clients/{spa}/grants"), OPERATOR, Some(&json!({"grants": [{"api_id": api_id, "permissions": ["read"]}]})));
    r.assert_error(400, "invalid_request");
    // Another application's client or key sees nothing.
    let other_key = c.create_key(&other, "sk")["key"].as_str().unwrap().to_owned();
    c.api("GET", &path, &other_key, None).assert_error(404, "not_found");
    c.api("GET", &format!("/applications/{other}/clients/{svc}/grants"), OPERATOR, None).assert_error(404, "not_found");
    // Grants go with their API.
    c.api("DELETE", &format!("{}/{api_id}", apis(&app)), OPERATOR, None).assert_status(204);
    assert_eq!(c.api("GET", &path, OPERATOR, None).json()["grants"], json!([]));
}

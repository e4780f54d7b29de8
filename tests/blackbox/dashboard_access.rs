//! The platform protects its management API with its own RBAC: a
//! developer who signs up on the Dashboard's hosted pages gets the
//! `developer` role, asks the Dashboard application for a token for the
//! management API (`resource=urn:aero2:management-api`), and with it
//! creates and manages applications they own — never another's. What the
//! token may do follows the permissions their roles give now; the
//! operator credential makes a Dashboard user an operator.

use crate::oidc::{b64, enc, issuer, REDIRECT};
use crate::Test;
use aero2_tests::browser::{hidden_field, query_param, Browser};
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("a_developer_signs_up_and_manages_their_own_applications", a_developer_signs_up_and_manages_their_own_applications),
        ("roles_decide_what_a_dashboard_token_may_do_at_once", roles_decide_what_a_dashboard_token_may_do_at_once),
        ("only_the_dashboards_tokens_for_the_management_api_are_accepted", only_the_dashboards_tokens_for_the_management_api_are_accepted),
    ]
}

const DASHBOARD: &str = "dashboard";
const MANAGEMENT_API: &str = "urn:aero2:management-api";
pub const ALL: &str = "openid offline_access read:applications write:applications create:applications delete:applications operate:platform";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const PASSWORD: &str = "a long enough password";

/// A public client of the Dashboard application (what the Dashboard SPA
/// is), created by the operator.
pub fn dashboard_client(c: &Client) -> String {
    let r = c.api(
        "POST",
        "/applications/app_dashboard/clients",
        OPERATOR,
        Some(&json!({"name": unique("dashboard-spa"), "token_endpoint_auth_method": "none", "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"], "first_party": true})),
    );
    r.assert_status(201);
    r.json()["client_id"].as_str().unwrap().to_owned()
}

pub struct Developer {
    pub email: String,
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub fn authorize_query(client_id: &str, scope: &str) -> String {
    format!(
        "/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope={}&resource={}&state=st&code_challenge={CHALLENGE}&code_challenge_method=S256",
        enc(REDIRECT),
        enc(scope),
        enc(MANAGEMENT_API)
    )
}

pub fn redeem(c: &Client, client_id: &str, location: &str) -> Value {
    let code = query_param(location, "code").unwrap_or_else(|| panic!("a code: {location}"));
    let body = format!("grant_type=authorization_code&code={code}&redirect_uri={}&client_id={client_id}&code_verifier={VERIFIER}", enc(REDIRECT));
    let r = c.send("POST", DASHBOARD, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded")], Some(&body));
    r.assert_status(200);
    r.json()
}

/// Signs up on the Dashboard's hosted pages and gets a token for the
/// management API.
pub fn sign_up(c: &Client, client_id: &str) -> Developer {
    let email = format!("{}@example.com", unique("dev"));
    let mut b = Browser::new();
    let r = b.get(c, DASHBOARD, &authorize_query(client_id, ALL));
    assert_eq!(r.status, 303, "{}", r.body);
    let login = r.header("location").unwrap().to_owned();
    let request = query_param(&format!("http://x{login}"), "request").unwrap();
    let page = b.get(c, DASHBOARD, &format!("/signup?request={request}"));
    page.assert_status(200);
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, DASHBOARD, "/signup", &[("request", &request), ("csrf_token", &csrf), ("email", &email), ("password", PASSWORD), ("name", "Dev")]);
    assert_eq!(r.status, 303, "signed up and back to the client: {}", r.body);
    developer(email, &redeem(c, client_id, r.header("location").unwrap()))
}

/// The developer signed in as `email`, from their token response.
fn developer(email: String, tokens: &Value) -> Developer {
    let at = tokens["access_token"].as_str().unwrap().to_owned();
    Developer {
        email,
        user_id: payload(&at)["sub"].as_str().unwrap().to_owned(),
        access_token: at,
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// A developer the operator makes (no sign-up: the Dashboard's per-address
/// sign-up budget is shared by every test), signed in on the hosted pages,
/// with a token for the management API.
pub fn made_by_the_operator(c: &Client, client_id: &str) -> Developer {
    let email = format!("{}@example.com", unique("dev"));
    let r = c.api("POST", "/applications/app_dashboard/users", OPERATOR, Some(&json!({"email": email, "password": PASSWORD, "name": "Dev"})));
    r.assert_status(201);
    let mut b = Browser::new();
    let url = format!("{}{}", c.url(DASHBOARD, ""), authorize_query(client_id, ALL));
    let back = crate::oidc::sign_in(c, &mut b, DASHBOARD, &url, &email, PASSWORD);
    developer(email, &redeem(c, client_id, &back))
}

fn payload(jwt: &str) -> Value {
    serde_json::from_slice(&b64(jwt.split('.').nth(1).unwrap())).unwrap()
}

fn refresh(c: &Client, client_id: &str, d: &mut Developer) -> Value {
    let body = format!("grant_type=refresh_token&refresh_token={}&client_id={client_id}", d.refresh_token);
    let r = c.send("POST", DASHBOARD, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded")], Some(&body));
    r.assert_status(200);
    let tokens = r.json();
    d.access_token = tokens["access_token"].as_str().unwrap().to_owned();
    d.refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    tokens
}

fn role_id(c: &Client, name: &str) -> String {
    let roles = c.api("GET", "/applications/app_dashboard/roles", OPERATOR, None).json();
    roles["roles"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

fn dashboard_roles(d: &Developer) -> String {
    format!("/applications/app_dashboard/users/{}/roles", d.user_id)
}

fn a_developer_signs_up_and_manages_their_own_applications(c: &Client) {
    let client_id = dashboard_client(c);
    let d = sign_up(c, &client_id);
    let me = d.access_token.as_str();
    // The developer role, cut by RBAC to what it gives: no operate:platform.
    let claims = payload(me);
    assert_eq!(claims["aud"], json!([MANAGEMENT_API, issuer(c, DASHBOARD)]));
    assert_eq!(claims["scope"], "openid offline_access read:applications write:applications create:applications delete:applications");
    let roles = c.api("GET", &dashboard_roles(&d), OPERATOR, None).json();
    assert_eq!(roles["roles"][0]["name"], "developer", "{roles}");

    // Owns nothing yet, sees nothing (not even the Dashboard).
    assert_eq!(c.api("GET", "/applications", me, None).json()["applications"], json!([]));
    let theirs = c.create_app(&unique("other"))["id"].as_str().unwrap().to_owned();
    let slug = unique("mine");
    let created = c.api("POST", "/applications", me, Some(&json!({"slug": slug, "name": "Mine"})));
    created.assert_status(201);
    let mine = created.json()["id"].as_str().unwrap().to_owned();
    let listed = c.api("GET", "/applications", me, None).json();
    assert_eq!(listed["applications"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect::<Vec<_>>(), [mine.as_str()]);

    // Manages it: a client, a user, an API, settings, a key.
    c.api("POST", &format!("/applications/{mine}/clients"), me, Some(&json!({"name": "Web", "token_endpoint_auth_method": "none", "redirect_uris": [REDIRECT]}))).assert_status(201);
    c.api("POST", &format!("/applications/{mine}/users"), me, Some(&json!({"email": "u@example.com", "password": PASSWORD}))).assert_status(201);
    c.api("POST", &format!("/applications/{mine}/apis"), me, Some(&json!({"identifier": "https://api.example.com/mine", "name": "Mine"}))).assert_status(201);
    c.api("PATCH", &format!("/applications/{mine}"), me, Some(&json!({"name": "Renamed"}))).assert_status(200);
    c.api("POST", &format!("/applications/{mine}/keys"), me, Some(&json!({"kind": "sk"}))).assert_status(201);
    c.api("POST", &format!("/applications/{mine}/domains"), me, Some(&json!({"hostname": format!("{}.example.org", unique("d"))}))).assert_status(201);

    // Another's application, and the Dashboard itself, do not exist for them.
    for (method, path) in [
        ("GET", format!("/applications/{theirs}")),
        ("DELETE", format!("/applications/{theirs}")),
        ("GET", format!("/applications/{theirs}/users")),
        ("GET", "/applications/app_dashboard".to_owned()),
        ("POST", dashboard_roles(&d)),
    ] {
        let body = (method == "POST").then(|| json!({"roles": [role_id(c, "operator")]}));
        c.api(method, &path, me, body.as_ref()).assert_error(404, "not_found");
    }
    // Proving a domain is the operator's.
    c.api("POST", &format!("/applications/{mine}/domains/x.example.org/verify"), me, None).assert_error(403, "forbidden");

    // Deletes their own.
    c.api("DELETE", &format!("/applications/{mine}"), me, None).assert_status(204);
    assert_eq!(c.api("GET", "/applications", me, None).json()["applications"], json!([]));
}

fn roles_decide_what_a_dashboard_token_may_do_at_once(c: &Client) {
    let client_id = dashboard_client(c);
    let mut d = sign_up(c, &client_id);
    let mine = c.api("POST", "/applications", &d.access_token, Some(&json!({"slug": unique("mine"), "name": "Mine"}))).json()["id"].as_str().unwrap().to_owned();
    let someone_elses = c.create_app(&unique("theirs"))["id"].as_str().unwrap().to_owned();

    // Made a member: the same token can still read, but no longer write,
    // from the very next request.
    let roles = dashboard_roles(&d);
    c.api("POST", &roles, OPERATOR, Some(&json!({"roles": [role_id(c, "member")]}))).assert_status(200);
    c.api("DELETE", &roles, OPERATOR, Some(&json!({"roles": [role_id(c, "developer")]}))).assert_status(200);
    c.api("GET", &format!("/applications/{mine}"), &d.access_token, None).assert_status(200);
    let refused = c.api("POST", &format!("/applications/{mine}/clients"), &d.access_token, Some(&json!({"name": "x", "token_endpoint_auth_method": "none", "redirect_uris": [REDIRECT]})));
    refused.assert_error(403, "forbidden");
    assert!(refused.json()["error_description"].as_str().unwrap().contains("write:applications"));
    c.api("POST", "/applications", &d.access_token, Some(&json!({"slug": unique("more"), "name": "More"}))).assert_error(403, "forbidden");
    // The next refresh issues a token that says so.
    assert_eq!(refresh(c, &client_id, &mut d)["scope"], "openid offline_access read:applications");

    // The bootstrap admin: the operator credential makes them an operator;
    // the next refresh gives operate:platform, and every application opens.
    c.api("POST", &roles, OPERATOR, Some(&json!({"roles": [role_id(c, "operator")]}))).assert_status(200);
    let tokens = refresh(c, &client_id, &mut d);
    assert!(tokens["scope"].as_str().unwrap().ends_with("operate:platform"), "{tokens}");
    c.api("GET", &format!("/applications/{someone_elses}"), &d.access_token, None).assert_status(200);
    let all = c.api("GET", "/applications", &d.access_token, None).json();
    assert!(all["applications"].as_array().unwrap().iter().any(|a| a["id"] == "app_dashboard"));
    // The management API itself is the platform's: not changed, not deleted.
    let apis = c.api("GET", "/applications/app_dashboard/apis", &d.access_token, None).json();
    let api = apis["apis"].as_array().unwrap().iter().find(|a| a["identifier"] == MANAGEMENT_API).unwrap().clone();
    assert_eq!((api["enforce_rbac"].as_bool(), api["permissions"].as_array().unwrap().len()), (Some(true), 5));
    let one = format!("/applications/app_dashboard/apis/{}", api["id"].as_str().unwrap());
    c.api("PATCH", &one, OPERATOR, Some(&json!({"enforce_rbac": false}))).assert_error(403, "forbidden");
    c.api("DELETE", &one, OPERATOR, None).assert_error(403, "forbidden");

    // A disabled Dashboard user's token stops working at once.
    c.api("PATCH", &format!("/applications/app_dashboard/users/{}", d.user_id), OPERATOR, Some(&json!({"disabled": true}))).assert_status(200);
    c.api("GET", "/applications", &d.access_token, None).assert_error(401, "unauthorized");
}

fn only_the_dashboards_tokens_for_the_management_api_are_accepted(c: &Client) {
    let client_id = dashboard_client(c);
    let d = sign_up(c, &client_id);
    // The same user's Dashboard token without the resource: not for this API.
    let mut b = Browser::new();
    let q = authorize_query(&client_id, "openid").replace(&format!("&resource={}", enc(MANAGEMENT_API)), "");
    let r = b.get(c, DASHBOARD, &q);
    let login = r.header("location").unwrap().to_owned();
    let request = query_param(&format!("http://x{login}"), "request").unwrap();
    let page = b.get(c, DASHBOARD, &login);
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, DASHBOARD, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &d.email), ("password", PASSWORD)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let plain = redeem(c, &client_id, r.header("location").unwrap())["access_token"].as_str().unwrap().to_owned();
    assert_eq!(payload(&plain)["aud"], json!(issuer(c, DASHBOARD)));
    c.api("GET", "/applications", &plain, None).assert_error(401, "unauthorized");

    // Another application's token, even one naming an API there: its
    // issuer and keys are not the Dashboard's.
    let other = c.create_app(&unique("elsewhere"));
    let other_id = other["id"].as_str().unwrap();
    let api = c.api("POST", &format!("/applications/{other_id}/apis"), OPERATOR, Some(&json!({"identifier": "https://api.example.com/elsewhere", "name": "E", "permissions": [{"value": "read:applications"}]})));
    api.assert_status(201);
    let svc = c.api("POST", &format!("/applications/{other_id}/clients"), OPERATOR, Some(&json!({"name": "svc", "token_endpoint_auth_method": "client_secret_post", "grant_types": ["client_credentials"]}))).json();
    let (svc_id, svc_secret) = (svc["client_id"].as_str().unwrap(), svc["client_secret"].as_str().unwrap());
    c.api("PUT", &format!("/applications/{other_id}/clients/{svc_id}/grants"), OPERATOR, Some(&json!({"grants": [{"api_id": api.json()["id"], "permissions": ["read:applications"]}]}))).assert_status(200);
    let body = format!("grant_type=client_credentials&client_id={svc_id}&client_secret={svc_secret}&audience={}", enc("https://api.example.com/elsewhere"));
    let foreign = c.send("POST", other["slug"].as_str().unwrap(), "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded")], Some(&body));
    foreign.assert_status(200);
    c.api("GET", "/applications", foreign.json()["access_token"].as_str().unwrap(), None).assert_error(401, "unauthorized");
    // Nobody names the platform's API elsewhere.
    c.api("POST", &format!("/applications/{other_id}/apis"), OPERATOR, Some(&json!({"identifier": MANAGEMENT_API, "name": "Fake"}))).assert_error(400, "invalid_request");
    // A revoked token is refused.
    let revoke = format!("token={}&client_id={client_id}", d.access_token);
    c.send("POST", DASHBOARD, "/oauth2/revoke", &[("content-type", "application/x-www-form-urlencoded")], Some(&revoke)).assert_status(200);
    c.api("GET", "/applications", &d.access_token, None).assert_error(401, "unauthorized");
    // Garbage is 401, like a wrong key.
    c.api("GET", "/applications", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", None).assert_error(401, "unauthorized");
}

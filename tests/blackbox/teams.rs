//! Developer Teams: a developer who signs up on the Dashboard gets a
//! personal team; their applications belong to a team; they invite a
//! teammate by email, who accepts on the Dashboard's hosted page and
//! manages the team's applications as far as their team role allows;
//! owners transfer the team and leave, the last owner cannot; a developer
//! of one team gets 404 on another team's applications.

use crate::dashboard_access::{authorize_query, dashboard_client, redeem, sign_up, Developer, ALL, PASSWORD};
use crate::oidc::REDIRECT;
use crate::Test;
use aero2_tests::browser::{hidden_field, Browser};
use aero2_tests::{link_in, unique, Client, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("a_developer_gets_a_personal_team_and_a_teammate_manages_its_applications", a_developer_gets_a_personal_team_and_a_teammate_manages_its_applications),
        ("a_team_keeps_an_owner_and_only_managers_manage", a_team_keeps_an_owner_and_only_managers_manage),
    ]
}

const DASHBOARD: &str = "dashboard";

fn teams_of(c: &Client, token: &str) -> Vec<Value> {
    let r = c.api("GET", "/teams", token, None);
    r.assert_status(200);
    r.json()["teams"].as_array().unwrap().clone()
}

fn personal_team(c: &Client, d: &Developer) -> String {
    let teams = teams_of(c, &d.access_token);
    let t = teams.iter().find(|t| t["personal"] == true).unwrap_or_else(|| panic!("a personal team: {teams:?}"));
    assert_eq!(t["role"], "owner");
    t["id"].as_str().unwrap().to_owned()
}

/// Invites `email` to `team` with `role`; the teammate accepts on the
/// Dashboard's page (signing up) and gets a management-API token.
fn invite_and_join(c: &Client, client_id: &str, inviter: &str, team: &str, role: &str) -> Developer {
    let email = format!("{}@example.com", unique("mate"));
    let r = c.api("POST", &format!("/teams/{team}/invitations"), inviter, Some(&json!({"email": email, "role": role})));
    r.assert_status(201);
    assert_eq!((r.json()["role"].as_str(), r.json()["status"].as_str()), (Some(role), Some("pending")));
    let mail = c.mail_to("app_dashboard", &email, "organization_invitation", 1);
    let link = link_in(mail[0]["body"].as_str().unwrap(), "/invitation?token=").expect("the link");
    let mut b = Browser::new();
    let page = b.get(c, DASHBOARD, &link);
    page.assert_status(200);
    let (token, csrf) = (hidden_field(&page.body, "token").unwrap(), hidden_field(&page.body, "csrf_token").unwrap());
    let r = b.post_form(c, DASHBOARD, "/invitation", &[("token", &token), ("csrf_token", &csrf), ("password", PASSWORD), ("name", "Mate")]);
    assert_eq!(r.status, 303, "{}", r.body);
    b.get(c, DASHBOARD, r.header("location").unwrap()).assert_status(200);
    // Signed in on the Dashboard: its sign-in for the management API is one redirect.
    let r = b.get(c, DASHBOARD, &authorize_query(client_id, ALL));
    assert_eq!(r.status, 303, "{}", r.body);
    let tokens = redeem(c, client_id, r.header("location").unwrap());
    let at = tokens["access_token"].as_str().unwrap().to_owned();
    let claims: Value = serde_json::from_slice(&crate::oidc::b64(at.split('.').nth(1).unwrap())).unwrap();
    Developer { email, user_id: claims["sub"].as_str().unwrap().to_owned(), access_token: at, refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned() }
}

/// An account-API token of `d` from a first-party Dashboard client that
/// signs in to organizations, issued in `team`.
fn account_token_in_team(c: &Client, d: &Developer, team: &str) -> String {
    let r = c.api(
        "POST",
        "/applications/app_dashboard/clients",
        OPERATOR,
        Some(&json!({"name": unique("dash-account"), "redirect_uris": [REDIRECT], "grant_types": ["authorization_code"],
            "scopes": "openid account", "first_party": true, "organization_usage": "allowed"})),
    );
    r.assert_status(201);
    let (id, secret) = (r.json()["client_id"].as_str().unwrap().to_owned(), r.json()["client_secret"].as_str().unwrap().to_owned());
    let url = format!(
        "{}/oauth2/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20account&organization={team}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        crate::oidc::issuer(c, DASHBOARD),
        crate::oidc::enc(REDIRECT)
    );
    let back = crate::oidc::sign_in(c, &mut Browser::new(), DASHBOARD, &url, &d.email, PASSWORD);
    let code = aero2_tests::browser::query_param(&back, "code").unwrap_or_else(|| panic!("{back}"));
    let body = aero2_tests::browser::form_encode(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")]);
    let auth = aero2_tests::basic_auth(&id, &secret);
    let r = c.send("POST", DASHBOARD, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(&body));
    r.assert_status(200);
    r.json()["access_token"].as_str().unwrap().to_owned()
}

fn new_client(c: &Client, app: &str, token: &str) -> aero2_tests::Resp {
    c.api("POST", &format!("/applications/{app}/clients"), token, Some(&json!({"name": "Web", "token_endpoint_auth_method": "none", "redirect_uris": [REDIRECT]})))
}

fn a_developer_gets_a_personal_team_and_a_teammate_manages_its_applications(c: &Client) {
    let client_id = dashboard_client(c);
    let ada = sign_up(c, &client_id);
    let team = personal_team(c, &ada);
    let a = ada.access_token.as_str();
    // A new application goes to the personal team.
    let created = c.api("POST", "/applications", a, Some(&json!({"slug": unique("teamapp"), "name": "Team app"})));
    created.assert_status(201);
    let app = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["team_id"], json!(team));
    let listed = c.api("GET", &format!("/teams/{team}/applications"), a, None).json();
    assert_eq!(listed["applications"][0]["id"], json!(app));
    assert_eq!(c.api("GET", &format!("/applications/{app}"), a, None).json()["team_id"], json!(team));
    let all = c.api("GET", "/applications", a, None).json();
    assert_eq!((all["applications"][0]["id"].clone(), all["applications"][0]["team_id"].clone()), (json!(app), json!(team)));

    // A teammate joins as a developer: they manage the application but may not delete it.
    let bob = invite_and_join(c, &client_id, a, &team, "developer");
    let b = bob.access_token.as_str();
    let their_teams = teams_of(c, b);
    assert_eq!(their_teams.len(), 2, "their own personal team, and Ada's: {their_teams:?}");
    assert!(their_teams.iter().any(|t| t["id"] == json!(team) && t["role"] == "developer"));
    assert!(c.api("GET", "/applications", b, None).json()["applications"].as_array().unwrap().iter().any(|x| x["id"] == json!(app)));
    new_client(c, &app, b).assert_status(201);
    c.api("PATCH", &format!("/applications/{app}"), b, Some(&json!({"name": "Renamed by Bob"}))).assert_status(200);
    c.api("DELETE", &format!("/applications/{app}"), b, None).assert_error(403, "forbidden");
    // Keys act without a team role and outlive a membership: admins' only.
    c.api("POST", &format!("/applications/{app}/keys"), b, Some(&json!({"kind": "sk"}))).assert_error(403, "forbidden");
    c.api("GET", &format!("/applications/{app}/keys"), b, None).assert_status(200);
    let members = c.api("GET", &format!("/teams/{team}/members"), b, None).json();
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
    // A developer does not manage the team.
    c.api("POST", &format!("/teams/{team}/invitations"), b, Some(&json!({"email": "x@example.com"}))).assert_error(403, "forbidden");

    // Made a viewer: reads, no longer writes, at once.
    let r = c.api("PATCH", &format!("/teams/{team}/members/{}", bob.user_id), a, Some(&json!({"role": "viewer"})));
    r.assert_status(200);
    assert_eq!(r.json()["role"], "viewer");
    c.api("GET", &format!("/applications/{app}"), b, None).assert_status(200);
    new_client(c, &app, b).assert_error(403, "forbidden");
    // Nor may a viewer create in the team.
    c.api("POST", "/applications", b, Some(&json!({"slug": unique("nope"), "name": "x", "team_id": team}))).assert_error(403, "forbidden");

    // A developer of another team gets 404 on this team and its applications.
    let carol = sign_up(c, &client_id);
    let k = carol.access_token.as_str();
    for path in [format!("/applications/{app}"), format!("/applications/{app}/clients"), format!("/teams/{team}"), format!("/teams/{team}/members")] {
        c.api("GET", &path, k, None).assert_error(404, "not_found");
    }
    let r = c.api("POST", "/applications", k, Some(&json!({"slug": unique("intrude"), "name": "x", "team_id": team})));
    r.assert_error(400, "invalid_request");
    assert_eq!(r.json()["field"], "team_id");
    // The operator sees every team.
    assert!(teams_of(c, OPERATOR).iter().any(|t| t["id"] == json!(team)));

    // Ownership moves to Bob; Ada stays as an admin, then leaves; the application goes with the team.
    c.api("PATCH", &format!("/teams/{team}/members/{}", bob.user_id), a, Some(&json!({"role": "developer"}))).assert_status(200);
    c.api("POST", &format!("/teams/{team}/transfer"), a, Some(&json!({"user_id": bob.user_id}))).assert_status(200);
    let roles: Vec<(String, String)> = c.api("GET", &format!("/teams/{team}/members"), b, None).json()["members"].as_array().unwrap().iter().map(|m| (m["user_id"].as_str().unwrap().to_owned(), m["role"].as_str().unwrap().to_owned())).collect();
    assert!(roles.contains(&(bob.user_id.clone(), "owner".into())) && roles.contains(&(ada.user_id.clone(), "admin".into())), "{roles:?}");
    c.api("DELETE", &format!("/teams/{team}/members/{}", ada.user_id), a, None).assert_status(204);
    c.api("GET", &format!("/applications/{app}"), a, None).assert_error(404, "not_found");
    c.api("DELETE", &format!("/applications/{app}"), b, None).assert_status(204);

    // Every team change is in the Dashboard's log, with the team on it.
    let log = crate::audit::log(c, "app_dashboard", &format!("?org_id={team}&limit=200"));
    let kinds: Vec<&str> = log.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for k in ["team.member_removed", "team.ownership_transferred", "team.member_updated", "team.invitation_created", "organization.invitation_accepted"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
}

fn a_team_keeps_an_owner_and_only_managers_manage(c: &Client) {
    let client_id = dashboard_client(c);
    let ada = sign_up(c, &client_id);
    let a = ada.access_token.as_str();
    // A team of their own making.
    let slug = unique("crew");
    let r = c.api("POST", "/teams", a, Some(&json!({"slug": slug, "name": "Crew"})));
    r.assert_status(201);
    assert_eq!((r.json()["role"].as_str(), r.json()["personal"].as_bool()), (Some("owner"), Some(false)));
    let team = r.json()["id"].as_str().unwrap().to_owned();
    c.api("POST", "/teams", a, Some(&json!({"slug": slug, "name": "Again"}))).assert_error(409, "conflict");
    // The last owner may not leave, be demoted, or be removed; not through
    // the organizations' self-service either (teams are served by /teams only).
    c.api("DELETE", &format!("/teams/{team}/members/{}", ada.user_id), a, None).assert_error(403, "forbidden");
    let self_service = account_token_in_team(c, &ada, &team);
    let r = c.send("DELETE", DASHBOARD, &format!("/account/organizations/{team}/members/{}", ada.user_id), &[("authorization", &format!("Bearer {self_service}"))], None);
    r.assert_error(404, "not_found");
    assert_eq!(teams_of(c, a).iter().filter(|t| t["id"] == json!(team)).count(), 1, "still a member");
    c.api("PATCH", &format!("/teams/{team}/members/{}", ada.user_id), a, Some(&json!({"role": "admin"}))).assert_error(403, "forbidden");
    c.api("DELETE", &format!("/teams/{team}/members/{}", ada.user_id), OPERATOR, None).assert_error(403, "forbidden");
    // An admin manages people but not owners.
    let bob = invite_and_join(c, &client_id, a, &team, "admin");
    let b = bob.access_token.as_str();
    c.api("POST", &format!("/teams/{team}/invitations"), b, Some(&json!({"email": "boss@example.com", "role": "owner"}))).assert_error(403, "forbidden");
    c.api("PATCH", &format!("/teams/{team}/members/{}", ada.user_id), b, Some(&json!({"role": "viewer"}))).assert_error(403, "forbidden");
    c.api("POST", &format!("/teams/{team}/transfer"), b, Some(&json!({"user_id": bob.user_id}))).assert_error(403, "forbidden");
    let inv = c.api("POST", &format!("/teams/{team}/invitations"), b, Some(&json!({"email": format!("{}@example.com", unique("v")), "role": "viewer"})));
    inv.assert_status(201);
    let listed = c.api("GET", &format!("/teams/{team}/invitations"), b, None).json();
    assert_eq!(listed["invitations"].as_array().unwrap().len(), 2);
    c.api("DELETE", &format!("/teams/{team}/invitations/{}", inv.json()["id"].as_str().unwrap()), b, None).assert_status(204);
    c.api("PATCH", &format!("/teams/{team}/members/{}", bob.user_id), b, Some(&json!({"role": "chief"}))).assert_error(400, "invalid_request");
    // With a second owner, the first may leave.
    c.api("PATCH", &format!("/teams/{team}/members/{}", bob.user_id), a, Some(&json!({"role": "owner"}))).assert_status(200);
    c.api("DELETE", &format!("/teams/{team}/members/{}", ada.user_id), a, None).assert_status(204);
    c.api("GET", &format!("/teams/{team}"), a, None).assert_error(404, "not_found");
    // An application's key has no teams; the operator's applications belong to none.
    let created = c.create_app(&unique("keyed"));
    assert_eq!(created["team_id"], Value::Null);
    let app = created["id"].as_str().unwrap().to_owned();
    let sk = c.create_key(&app, "sk")["key"].as_str().unwrap().to_owned();
    assert_eq!(teams_of(c, &sk), Vec::<Value>::new());
    c.api("GET", &format!("/teams/{team}"), &sk, None).assert_error(404, "not_found");
}

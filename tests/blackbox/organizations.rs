//! Organizations through the management API (shape, field errors,
//! limits, members and their organization roles, the audit trail with the
//! organization on each entry) and in the protocol: `organization` on the
//! authorization request, the client's `organization_usage`, the picker,
//! `org_id`/`org_slug`/`org_roles` in tokens (checked by the openidconnect
//! crate), permissions from organization roles, switching with a refresh
//! token, and a removed member losing the organization at the next refresh
//! and at once at introspection. Nothing of one application's
//! organizations is visible from another.

use crate::oidc::{enc, issuer, oidc_client, provision, sign_in, Setup, PASSWORD, REDIRECT};
use crate::security::{authorize_path, jwt_claims, register_client, token_request, VERIFIER};
use crate::Test;
use aero2_tests::browser::{hidden_field, query_param, Browser};
use aero2_tests::{link_in, oidc_http, unique, Client, Resp, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("organizations_are_created_read_changed_and_deleted", organizations_are_created_read_changed_and_deleted),
        ("members_hold_organization_roles_within_limits", members_hold_organization_roles_within_limits),
        ("organizations_of_one_application_are_invisible_from_another", organizations_of_one_application_are_invisible_from_another),
        ("tokens_carry_the_organization_the_user_signed_in_to", tokens_carry_the_organization_the_user_signed_in_to),
        ("a_refresh_switches_organization_and_a_removed_member_loses_it", a_refresh_switches_organization_and_a_removed_member_loses_it),
        ("a_client_that_requires_an_organization_picks_or_refuses", a_client_that_requires_an_organization_picks_or_refuses),
        ("an_invitation_signs_a_new_person_up_into_the_organization", an_invitation_signs_a_new_person_up_into_the_organization),
        ("an_invitation_adds_an_existing_account_which_then_signs_in", an_invitation_adds_an_existing_account_which_then_signs_in),
        ("invitations_are_single_use_revocable_and_kept_to_their_application", invitations_are_single_use_revocable_and_kept_to_their_application),
        ("a_verified_domain_enrols_confirmed_addresses_only", a_verified_domain_enrols_confirmed_addresses_only),
        ("a_suggesting_domain_offers_its_organization_on_the_picker", a_suggesting_domain_offers_its_organization_on_the_picker),
        ("an_organization_admin_manages_their_people_with_their_own_token", an_organization_admin_manages_their_people_with_their_own_token),
        ("a_sign_in_to_an_organization_wears_its_branding", a_sign_in_to_an_organization_wears_its_branding),
    ]
}

const ORG_FIELDS: &[&str] = &["id", "slug", "name", "metadata", "branding", "max_members", "created_at", "updated_at"];

fn orgs(app_id: &str) -> String {
    format!("/applications/{app_id}/organizations")
}

fn create_org(c: &Client, app_id: &str, slug: &str) -> Value {
    let r = c.api("POST", &orgs(app_id), OPERATOR, Some(&json!({"slug": slug, "name": format!("{slug} Inc.")})));
    r.assert_status(201);
    r.json()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn add_member(c: &Client, app_id: &str, org_id: &str, user_id: &str, roles: &[&str]) -> Resp {
    c.api("POST", &format!("{}/{org_id}/members", orgs(app_id)), OPERATOR, Some(&json!({"user_id": user_id, "roles": roles})))
}

fn new_user(c: &Client, app_id: &str) -> String {
    let r = c.api("POST", &format!("/applications/{app_id}/users"), OPERATOR, Some(&json!({"email": format!("{}@example.com", unique("m")), "password": PASSWORD})));
    r.assert_status(201);
    id(&r.json())
}

fn new_role(c: &Client, app_id: &str, name: &str) -> String {
    let r = c.api("POST", &format!("/applications/{app_id}/roles"), OPERATOR, Some(&json!({"name": name})));
    r.assert_status(201);
    id(&r.json())
}

#[track_caller]
fn field_error(r: &Resp, status: u16, field: &str) {
    r.assert_status(status);
    assert_eq!(r.json()["field"], field, "{}", r.body);
}

fn organizations_are_created_read_changed_and_deleted(c: &Client) {
    let app = c.create_app(&unique("orgs"))["id"].as_str().unwrap().to_owned();
    let acme = create_org(c, &app, "acme");
    let mut keys: Vec<&str> = acme.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = ORG_FIELDS.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want);
    assert!(acme["id"].as_str().unwrap().starts_with("org_"));
    assert_eq!((acme["metadata"].clone(), acme["branding"].clone(), acme["max_members"].clone()), (json!({}), json!({"logo_url": null, "primary_color": null}), Value::Null));
    let one = format!("{}/{}", orgs(&app), id(&acme));
    assert_eq!(c.api("GET", &one, OPERATOR, None).json(), acme, "stored as answered");

    field_error(&c.api("POST", &orgs(&app), OPERATOR, Some(&json!({"slug": "acme", "name": "Again"}))), 409, "slug");
    for (body, field) in [
        (json!({"name": "No slug"}), "slug"),
        (json!({"slug": "Bad Slug", "name": "x"}), "slug"),
        (json!({"slug": "okay", "name": ""}), "name"),
        (json!({"slug": "okay", "name": "x", "metadata": "plan=pro"}), "metadata"),
        (json!({"slug": "okay", "name": "x", "branding": {"logo_url": "javascript:alert(1)"}}), "branding"),
        (json!({"slug": "okay", "name": "x", "branding": {"primary_color": "blue"}}), "branding"),
        (json!({"slug": "okay", "name": "x", "max_members": 0}), "max_members"),
    ] {
        field_error(&c.api("POST", &orgs(&app), OPERATOR, Some(&body)), 400, field);
    }
    c.api("POST", &orgs(&app), OPERATOR, Some(&json!({"slug": "okay", "name": "x", "owner": "me"}))).assert_error(400, "invalid_request");

    let patched = c.api(
        "PATCH",
        &one,
        OPERATOR,
        Some(&json!({"name": "Acme Corporation", "metadata": {"plan": "enterprise"}, "branding": {"logo_url": "https://cdn.acme.test/logo.png", "primary_color": "#C0FFEE"}, "max_members": 25})),
    );
    patched.assert_status(200);
    let p = patched.json();
    assert_eq!((p["slug"].as_str(), p["name"].as_str(), p["max_members"].as_u64()), (Some("acme"), Some("Acme Corporation"), Some(25)));
    assert_eq!(p["branding"], json!({"logo_url": "https://cdn.acme.test/logo.png", "primary_color": "#c0ffee"}));
    assert_eq!(p["metadata"], json!({"plan": "enterprise"}));

    // Paging by slug.
    for slug in ["beta", "gamma"] {
        create_org(c, &app, slug);
    }
    let first = c.api("GET", &format!("{}?limit=2", orgs(&app)), OPERATOR, None).json();
    let slugs = |v: &Value| v["organizations"].as_array().unwrap().iter().map(|o| o["slug"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(slugs(&first), ["acme", "beta"]);
    assert_eq!(first["next_after"], "beta");
    let rest = c.api("GET", &format!("{}?limit=2&after=beta", orgs(&app)), OPERATOR, None).json();
    assert_eq!((slugs(&rest), rest["next_after"].clone()), (vec!["gamma".to_owned()], Value::Null));
    field_error(&c.api("GET", &format!("{}?limit=0", orgs(&app)), OPERATOR, None), 400, "limit");

    // The application's key manages its organizations; each change is
    // audited with the organization on the entry.
    let sk = c.create_key(&app, "sk")["key"].as_str().unwrap().to_owned();
    c.api("DELETE", &one, &sk, None).assert_status(204);
    c.api("GET", &one, OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", &format!("{}/org_{}", orgs(&app), "0".repeat(32)), OPERATOR, None).assert_error(404, "not_found");
    c.api("GET", &format!("{}/not-an-id", orgs(&app)), OPERATOR, None).assert_error(404, "not_found");
    let trail = crate::audit::log(c, &app, &format!("?org_id={}", id(&acme)));
    let kinds: Vec<&str> = trail.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["organization.deleted", "organization.updated", "organization.created"], "newest first");
    assert!(trail.iter().all(|e| e["org_id"] == acme["id"]));
    assert_eq!(trail[1]["detail"]["before"]["name"], "acme Inc.");
    assert_eq!(trail[0]["actor"].as_str().unwrap(), format!("key:{}", c.api("GET", &format!("/applications/{app}/keys"), OPERATOR, None).json()["keys"][0]["id"].as_str().unwrap()));
    let verified = c.api("GET", &format!("/applications/{app}/audit/verify"), OPERATOR, None).json();
    assert_eq!(verified["ok"], true, "entries naming an organization chain like the rest: {verified}");
}

fn members_hold_organization_roles_within_limits(c: &Client) {
    let app = c.create_app(&unique("orgm"))["id"].as_str().unwrap().to_owned();
    let org = id(&create_org(c, &app, "acme"));
    let (admin, viewer) = (new_role(c, &app, "admin"), new_role(c, &app, "viewer"));
    let (ada, bob) = (new_user(c, &app), new_user(c, &app));
    let members = format!("{}/{org}/members", orgs(&app));

    let added = add_member(c, &app, &org, &ada, &[&admin, &admin]);
    added.assert_status(201);
    let m = added.json();
    assert_eq!((m["user_id"].as_str(), m["roles"].clone()), (Some(ada.as_str()), json!([{"id": admin, "name": "admin"}])));
    assert!(m["email"].as_str().unwrap().ends_with("@example.com") && m["joined_at"].as_i64().unwrap() > 0);
    field_error(&add_member(c, &app, &org, &ada, &[]), 409, "user_id");
    field_error(&add_member(c, &app, &org, &format!("usr_{}", "0".repeat(32)), &[]), 400, "user_id");
    field_error(&add_member(c, &app, &org, &bob, &["rol_nope"]), 400, "roles");
    // A role or a user of another application is not one of this one's.
    let other = c.create_app(&unique("orgm"))["id"].as_str().unwrap().to_owned();
    field_error(&add_member(c, &app, &org, &bob, &[&new_role(c, &other, "admin")]), 400, "roles");
    field_error(&add_member(c, &app, &org, &new_user(c, &other), &[]), 400, "user_id");

    // The organization's own limit.
    c.api("PATCH", &format!("{}/{org}", orgs(&app)), OPERATOR, Some(&json!({"max_members": 1}))).assert_status(200);
    let full = add_member(c, &app, &org, &bob, &[]);
    field_error(&full, 400, "user_id");
    assert!(full.json()["error_description"].as_str().unwrap().contains("maximum of 1"));
    c.api("PATCH", &format!("{}/{org}", orgs(&app)), OPERATOR, Some(&json!({"max_members": null}))).assert_status(200);
    add_member(c, &app, &org, &bob, &[&viewer]).assert_status(201);
    let list = c.api("GET", &members, OPERATOR, None).json();
    assert_eq!(list["members"].as_array().unwrap().len(), 2);

    // Roles replaced; the user's organizations; a deleted role leaves.
    let one = format!("{members}/{bob}");
    let r = c.api("PATCH", &one, OPERATOR, Some(&json!({"roles": [admin, viewer]})));
    r.assert_status(200);
    assert_eq!(r.json()["roles"].as_array().unwrap().len(), 2);
    field_error(&c.api("PATCH", &one, OPERATOR, Some(&json!({}))), 400, "roles");
    let of_bob = c.api("GET", &format!("/applications/{app}/users/{bob}/organizations"), OPERATOR, None).json();
    assert_eq!(of_bob["organizations"][0]["id"], json!(org));
    c.api("DELETE", &format!("/applications/{app}/roles/{viewer}"), OPERATOR, None).assert_status(204);
    assert_eq!(c.api("GET", &one, OPERATOR, None).json()["roles"], json!([{"id": admin, "name": "admin"}]));

    c.api("DELETE", &one, OPERATOR, None).assert_status(204);
    c.api("GET", &one, OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &one, OPERATOR, None).assert_error(404, "not_found");
    let of_bob = c.api("GET", &format!("/applications/{app}/users/{bob}/organizations"), OPERATOR, None).json();
    assert_eq!(of_bob["organizations"], json!([]));

    let trail = crate::audit::log(c, &app, &format!("?org_id={org}&user_id={bob}"));
    let kinds: Vec<&str> = trail.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["organization.member_removed", "organization.member_updated", "organization.member_added"]);
    assert_eq!(trail[2]["resource"].as_str().unwrap(), format!("organizations/{org}/members/{bob}"));
}

fn organizations_of_one_application_are_invisible_from_another(c: &Client) {
    let a = provision(c, true);
    let b = provision(c, true);
    let org = id(&create_org(c, &a.app_id, "shared-name"));
    add_member(c, &a.app_id, &org, &a.user_id, &[]).assert_status(201);
    // The same slug is free in another application.
    let b_org = id(&create_org(c, &b.app_id, "shared-name"));
    let b_key = c.create_key(&b.app_id, "sk")["key"].as_str().unwrap().to_owned();
    for path in [
        format!("/applications/{}/organizations/{org}", b.app_id),
        format!("/applications/{}/organizations/{org}/members", b.app_id),
        format!("/applications/{}/organizations/{org}/members/{}", b.app_id, a.user_id),
        format!("/applications/{}/organizations/{org}", a.app_id),
        format!("/applications/{}/users/{}/organizations", b.app_id, a.user_id),
    ] {
        c.api("GET", &path, &b_key, None).assert_error(404, "not_found");
    }
    add_member(c, &b.app_id, &org, &b.user_id, &[]).assert_error(404, "not_found");
    let listed = c.api("GET", &orgs(&b.app_id), &b_key, None).json();
    assert_eq!(listed["organizations"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), vec![b_org.clone()]);

    // A sign-in on B naming A's organization (by id) finds none.
    let client = client_with_usage(c, &b, "allowed");
    let mut browser = Browser::new();
    let r = browser.get(c, &b.slug, &format!("{}&organization={org}", authorize_path(&client.0, "openid")));
    assert_eq!(r.status, 303);
    let back = r.header("location").unwrap();
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query_param(back, "error").as_deref(), Some("invalid_request"));
}

/// A confidential client of `s` with `organization_usage`.
fn client_with_usage(c: &Client, s: &Setup, usage: &str) -> (String, String) {
    register_client(
        c,
        s,
        json!({
            "name": "B2B app",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "scopes": "openid profile email offline_access",
            "first_party": true,
            "organization_usage": usage,
        }),
    )
}

/// Signs `s`'s user in with `extra` on the authorization request; the
/// final redirect.
fn authorize(c: &Client, s: &Setup, b: &mut Browser, client_id: &str, scope: &str, extra: &str) -> String {
    let url = format!("{}{}{extra}", issuer(c, &s.slug), authorize_path(client_id, scope));
    sign_in(c, b, &s.slug, &url, &s.email, PASSWORD)
}

fn redeem(c: &Client, s: &Setup, client: &(String, String), back: &str) -> Value {
    let code = query_param(back, "code").unwrap_or_else(|| panic!("no code: {back}"));
    let r = token_request(c, s, &client.0, &client.1, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)]);
    r.assert_status(200);
    r.json()
}

fn introspect(c: &Client, s: &Setup, client: &(String, String), token: &str) -> Value {
    let auth = aero2_tests::basic_auth(&client.0, &client.1);
    let body = aero2_tests::browser::form_encode(&[("token", token)]);
    let r = c.send("POST", &s.slug, "/oauth2/introspect", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(&body));
    r.assert_status(200);
    r.json()
}

fn tokens_carry_the_organization_the_user_signed_in_to(c: &Client) {
    use openidconnect::core::CoreAuthenticationFlow;
    use openidconnect::{AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, TokenResponse};

    let s = provision(c, true);
    let org = create_org(c, &s.app_id, "acme");
    let org_id = id(&org);
    // An API whose permissions the organization's admin role grants.
    let identifier = format!("https://api.example.com/{}", unique("reports"));
    let api = c.api(
        "POST",
        &format!("/applications/{}/apis", s.app_id),
        OPERATOR,
        Some(&json!({"identifier": identifier, "name": "Reports", "permissions": [{"value": "read:reports"}, {"value": "export:reports"}], "enforce_rbac": true, "permissions_claim": true})),
    );
    api.assert_status(201);
    let api_id = id(&api.json());
    let admin = new_role(c, &s.app_id, "org-admin");
    c.api("POST", &format!("/applications/{}/roles/{admin}/permissions", s.app_id), OPERATOR, Some(&json!({"permissions": [{"api_id": api_id, "value": "export:reports"}]}))).assert_status(200);
    let reader = new_role(c, &s.app_id, "reader");
    c.api("POST", &format!("/applications/{}/roles/{reader}/permissions", s.app_id), OPERATOR, Some(&json!({"permissions": [{"api_id": api_id, "value": "read:reports"}]}))).assert_status(200);
    c.api("POST", &format!("/applications/{}/users/{}/roles", s.app_id, s.user_id), OPERATOR, Some(&json!({"roles": [reader]}))).assert_status(200);
    add_member(c, &s.app_id, &org_id, &s.user_id, &[&admin]).assert_status(201);

    // The provisioned client does not use organizations: naming one is refused.
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &format!("{}&organization=acme", authorize_path(&s.client_id, "openid")));
    let refused = r.header("location").unwrap().to_owned();
    assert_eq!(query_param(&refused, "error").as_deref(), Some("invalid_request"), "{refused}");
    assert!(query_param(&refused, "error_description").unwrap().contains("organizations"));

    // With organizations allowed, a real client library signs in to one by slug.
    c.api("PATCH", &format!("/applications/{}/clients/{}", s.app_id, s.client_id), OPERATOR, Some(&json!({"organization_usage": "allowed"}))).assert_status(200);
    field_error(&c.api("PATCH", &format!("/applications/{}/clients/{}", s.app_id, s.client_id), OPERATOR, Some(&json!({"organization_usage": "sometimes"}))), 400, "organization_usage");
    let client = oidc_client(c, &s);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _state, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(openidconnect::Scope::new("offline_access".into()))
        .add_extra_param("organization", "acme")
        .add_extra_param("resource", identifier.clone())
        .add_scope(openidconnect::Scope::new("read:reports".into()))
        .add_scope(openidconnect::Scope::new("export:reports".into()))
        .set_pkce_challenge(challenge)
        .url();
    let back = sign_in(c, &mut b, &s.slug, url.as_str(), &s.email, PASSWORD);
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("{back}"));
    let tokens = client.exchange_code(AuthorizationCode::new(code)).unwrap().set_pkce_verifier(verifier).request(&oidc_http(c)).expect("token exchange");
    let id_token = tokens.id_token().expect("id token");
    id_token.claims(&client.id_token_verifier(), &nonce).expect("the library verifies the ID token");
    let idc = jwt_claims(&id_token.to_string());
    assert_eq!((idc["org_id"].as_str(), idc["org_slug"].as_str()), (Some(org_id.as_str()), Some("acme")));
    let at = jwt_claims(tokens.access_token().secret());
    assert_eq!((at["org_id"].as_str(), at["org_slug"].as_str(), at["org_roles"].clone()), (Some(org_id.as_str()), Some("acme"), json!(["org-admin"])));
    assert!(at["aud"].as_array().unwrap().contains(&json!(identifier)), "{}", at["aud"]);
    let mut held: Vec<&str> = at["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    held.sort_unstable();
    assert_eq!(held, ["export:reports", "read:reports"], "the application role's and the organization role's");

    // Without the organization, only the application role's permission.
    let mut plain = Browser::new();
    let url = format!("{}{}&resource={}", issuer(c, &s.slug), authorize_path(&s.client_id, "openid read:reports export:reports"), enc(&identifier));
    let back = sign_in(c, &mut plain, &s.slug, &url, &s.email, PASSWORD);
    let at = jwt_claims(redeem(c, &s, &(s.client_id.clone(), s.client_secret.clone()), &back)["access_token"].as_str().unwrap());
    assert!(at.get("org_id").is_none());
    assert_eq!(at["permissions"], json!(["read:reports"]));

    // A user outside the organization: access_denied, back at the client.
    let beta = id(&create_org(c, &s.app_id, "beta"));
    let back = authorize(c, &s, &mut plain, &s.client_id, "openid", &format!("&organization={beta}"));
    assert_eq!(query_param(&back, "error").as_deref(), Some("access_denied"), "{back}");
    let back = authorize(c, &s, &mut plain, &s.client_id, "openid", "&organization=no-such-org");
    assert_eq!(query_param(&back, "error").as_deref(), Some("invalid_request"), "{back}");
    let back = authorize(c, &s, &mut plain, &s.client_id, "openid", "&organization=Not%20A%20Slug");
    assert_eq!(query_param(&back, "error").as_deref(), Some("invalid_request"), "{back}");
}

fn a_refresh_switches_organization_and_a_removed_member_loses_it(c: &Client) {
    let s = provision(c, true);
    let client = client_with_usage(c, &s, "allowed");
    let (acme, beta) = (id(&create_org(c, &s.app_id, "acme")), id(&create_org(c, &s.app_id, "beta")));
    let gamma = id(&create_org(c, &s.app_id, "gamma"));
    let admin = new_role(c, &s.app_id, "admin");
    add_member(c, &s.app_id, &acme, &s.user_id, &[&admin]).assert_status(201);
    add_member(c, &s.app_id, &beta, &s.user_id, &[]).assert_status(201);
    let mut b = Browser::new();
    let back = authorize(c, &s, &mut b, &client.0, "openid offline_access", "&organization=acme");
    let t = redeem(c, &s, &client, &back);
    assert_eq!(jwt_claims(t["access_token"].as_str().unwrap())["org_id"], json!(acme));
    let refresh = |rt: &str, extra: &[(&str, &str)]| {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", rt)];
        form.extend_from_slice(extra);
        token_request(c, &s, &client.0, &client.1, &form)
    };

    // Switch to beta by slug: no redirect, a new token in beta.
    let r = refresh(t["refresh_token"].as_str().unwrap(), &[("organization", "beta")]);
    r.assert_status(200);
    let t2 = r.json();
    let at2 = jwt_claims(t2["access_token"].as_str().unwrap());
    assert_eq!((at2["org_id"].as_str(), at2["org_slug"].as_str(), at2["org_roles"].clone()), (Some(beta.as_str()), Some("beta"), json!([])));
    assert_eq!(jwt_claims(t2["id_token"].as_str().unwrap())["org_slug"], "beta");
    // The family stays in beta.
    let r = refresh(t2["refresh_token"].as_str().unwrap(), &[]);
    r.assert_status(200);
    let t3 = r.json();
    assert_eq!(jwt_claims(t3["access_token"].as_str().unwrap())["org_id"], json!(beta));

    // An organization the user is not in: refused, nothing used up.
    let rt3 = t3["refresh_token"].as_str().unwrap().to_owned();
    let r = refresh(&rt3, &[("organization", &gamma)]);
    r.assert_error(400, "invalid_grant");
    let r = refresh(&rt3, &[("organization", "no-such-org")]);
    r.assert_error(400, "invalid_request");
    let r = refresh(&rt3, &[("organization", "acme")]);
    r.assert_status(200);
    let t4 = r.json();
    let at4 = t4["access_token"].as_str().unwrap().to_owned();
    assert_eq!(jwt_claims(&at4)["org_roles"], json!(["admin"]));
    let described = introspect(c, &s, &client, &at4);
    assert_eq!((described["active"].as_bool(), described["org_id"].as_str(), described["org_roles"].clone()), (Some(true), Some(acme.as_str()), json!(["admin"])));

    // Removed from acme: the access token is inactive at once, the next
    // refresh in acme is refused, and beta is still reachable.
    c.api("DELETE", &format!("{}/{acme}/members/{}", orgs(&s.app_id), s.user_id), OPERATOR, None).assert_status(204);
    assert_eq!(introspect(c, &s, &client, &at4), json!({"active": false}));
    let rt4 = t4["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(introspect(c, &s, &client, &rt4), json!({"active": false}));
    refresh(&rt4, &[]).assert_error(400, "invalid_grant");
    let r = refresh(&rt4, &[("organization", &beta)]);
    r.assert_status(200);
    assert_eq!(jwt_claims(r.json()["access_token"].as_str().unwrap())["org_id"], json!(beta));

    // A client that does not use organizations may not switch.
    let none = client_with_usage(c, &s, "none");
    let back = authorize(c, &s, &mut b, &none.0, "openid offline_access", "");
    let plain = redeem(c, &s, &none, &back);
    let r = token_request(c, &s, &none.0, &none.1, &[("grant_type", "refresh_token"), ("refresh_token", plain["refresh_token"].as_str().unwrap()), ("organization", "beta")]);
    r.assert_error(400, "invalid_request");
}

fn a_client_that_requires_an_organization_picks_or_refuses(c: &Client) {
    let s = provision(c, true);
    let client = client_with_usage(c, &s, "required");
    // In no organization: refused after signing in.
    let mut b = Browser::new();
    let back = authorize(c, &s, &mut b, &client.0, "openid", "");
    assert_eq!(query_param(&back, "error").as_deref(), Some("access_denied"), "{back}");

    // In one: that one, without a question.
    let (acme, beta) = (id(&create_org(c, &s.app_id, "acme")), id(&create_org(c, &s.app_id, "beta")));
    add_member(c, &s.app_id, &acme, &s.user_id, &[]).assert_status(201);
    let back = authorize(c, &s, &mut b, &client.0, "openid", "");
    assert_eq!(jwt_claims(redeem(c, &s, &client, &back)["access_token"].as_str().unwrap())["org_id"], json!(acme));

    // In two: the picker, listing both; the pick ends in a code.
    add_member(c, &s.app_id, &beta, &s.user_id, &[]).assert_status(201);
    let r = b.get(c, &s.slug, &authorize_path(&client.0, "openid"));
    assert_eq!(r.status, 303);
    let picker = r.header("location").unwrap().to_owned();
    assert!(picker.starts_with("/organization?request="), "{picker}");
    let page = b.get(c, &s.slug, &picker);
    page.assert_status(200);
    assert!(page.body.contains("acme Inc.") && page.body.contains("beta Inc."), "{}", page.body);
    assert!(page.body.contains(&format!("value=\"{beta}\"")));
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    // A forged pick of an organization the user is not in is refused.
    let gamma = id(&create_org(c, &s.app_id, "gamma"));
    let forged = b.post_form(c, &s.slug, "/organization", &[("request", &request), ("csrf_token", &csrf), ("organization", &gamma)]);
    assert_eq!(query_param(forged.header("location").unwrap(), "error").as_deref(), Some("access_denied"));
    // Again, and pick beta.
    let r = b.get(c, &s.slug, &authorize_path(&client.0, "openid"));
    let page = b.get(c, &s.slug, r.header("location").unwrap());
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let no_csrf = b.post_form(c, &s.slug, "/organization", &[("request", &request), ("csrf_token", "forged"), ("organization", &beta)]);
    no_csrf.assert_status(403);
    let r = b.post_form(c, &s.slug, "/organization", &[("request", &request), ("csrf_token", &csrf), ("organization", &beta)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let back = r.header("location").unwrap().to_owned();
    let t = redeem(c, &s, &client, &back);
    assert_eq!(jwt_claims(t["access_token"].as_str().unwrap())["org_slug"], "beta");
    // A client that does not use organizations gets none, whatever is posted
    // to the picker (here with a request parked for consent).
    let (third, _) = register_client(c, &s, json!({"name": "Third party", "redirect_uris": [REDIRECT], "scopes": "openid", "first_party": false}));
    let r = b.get(c, &s.slug, &authorize_path(&third, "openid"));
    let consent = r.header("location").unwrap().to_owned();
    assert!(consent.starts_with("/consent?request="), "{consent}");
    let page = b.get(c, &s.slug, &consent);
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/organization", &[("request", &request), ("csrf_token", &csrf), ("organization", &beta)]);
    r.assert_status(400);
    // Naming one skips the picker; prompt=none cannot show it.
    let back = authorize(c, &s, &mut b, &client.0, "openid", "&organization=acme");
    assert!(query_param(&back, "code").is_some(), "{back}");
    let r = b.get(c, &s.slug, &format!("{}&prompt=none", authorize_path(&client.0, "openid")));
    assert_eq!(query_param(r.header("location").unwrap(), "error").as_deref(), Some("interaction_required"));
}

const WELCOME: &str = "http://127.0.0.1:47001/welcome";

fn invite(c: &Client, app_id: &str, org_id: &str, body: Value) -> Resp {
    c.api("POST", &format!("{}/{org_id}/invitations", orgs(app_id)), OPERATOR, Some(&body))
}

/// The link of the one invitation mailed to `email`.
fn invitation_link(c: &Client, app_id: &str, email: &str) -> String {
    let mail = c.mail_to(app_id, email, "organization_invitation", 1);
    assert_eq!(mail.len(), 1, "{mail:#?}");
    assert!(mail[0]["subject"].as_str().unwrap().starts_with("You are invited to join"));
    let link = link_in(mail[0]["body"].as_str().unwrap(), "/invitation?token=").expect("the link");
    assert!(link.starts_with("/invitation?token=oin_"), "{link}");
    link
}

fn an_invitation_signs_a_new_person_up_into_the_organization(c: &Client) {
    let s = provision(c, true);
    // Sign-up is by invitation only: the developer's invitation opens it.
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"signup": {"mode": "invite_only"}}}))).assert_status(200);
    let org = id(&create_org(c, &s.app_id, "acme"));
    let admin = new_role(c, &s.app_id, "admin");
    let email = format!("{}@example.com", unique("invitee"));
    let r = invite(c, &s.app_id, &org, json!({"email": email.to_uppercase(), "roles": [admin], "expires_in_days": 3, "return_to": WELCOME}));
    r.assert_status(201);
    assert!(!r.body.contains("oin_"), "the token is in the mail only: {}", r.body);
    let shown = r.json();
    assert_eq!((shown["email"].as_str(), shown["status"].as_str(), shown["roles"].clone()), (Some(email.as_str()), Some("pending"), json!([admin])));
    assert!(shown["id"].as_str().unwrap().starts_with("inv_"));
    assert_eq!(shown["inviter"], "operator");
    field_error(&invite(c, &s.app_id, &org, json!({"email": email})), 409, "email");
    field_error(&invite(c, &s.app_id, &org, json!({"email": "x@example.com", "return_to": "https://evil.test/"})), 400, "return_to");
    field_error(&invite(c, &s.app_id, &org, json!({"email": "x@example.com", "roles": ["rol_nope"]})), 400, "roles");

    let link = invitation_link(c, &s.app_id, &email);
    let mut b = Browser::new();
    let page = b.get(c, &s.slug, &link);
    page.assert_status(200);
    assert!(page.body.contains("Join acme Inc.") && page.body.contains("autocomplete=\"new-password\""), "{}", page.body);
    let token = hidden_field(&page.body, "token").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    // A weak password is refused on the page, nothing made.
    let weak = b.post_form(c, &s.slug, "/invitation", &[("token", &token), ("csrf_token", &csrf), ("password", "short"), ("name", "Grace")]);
    weak.assert_status(400);
    assert!(weak.body.contains("role=\"alert\""));
    let csrf = hidden_field(&weak.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/invitation", &[("token", &token), ("csrf_token", &csrf), ("password", PASSWORD), ("name", "Grace Hopper")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let done = r.header("location").unwrap().to_owned();
    assert_eq!(done, format!("/invitation?done={}", shown["id"].as_str().unwrap()));
    let r = b.get(c, &s.slug, &done);
    assert_eq!(r.status, 303);
    let back = r.header("location").unwrap();
    assert!(back.starts_with(&format!("{WELCOME}?iss=")), "{back}");
    assert_eq!(query_param(back, "organization"), Some(org.clone()));
    assert_eq!(query_param(back, "iss"), Some(issuer(c, &s.slug)));

    // The account exists, its address confirmed, a member with the role.
    let users = c.api("GET", &format!("/applications/{}/users", s.app_id), OPERATOR, None).json();
    let user = users["users"].as_array().unwrap().iter().find(|u| u["email"] == json!(email)).expect("the new account").clone();
    assert_eq!((user["email_verified"].as_bool(), user["name"].as_str()), (Some(true), Some("Grace Hopper")));
    let member = c.api("GET", &format!("{}/{org}/members/{}", orgs(&s.app_id), id(&user)), OPERATOR, None);
    member.assert_status(200);
    assert_eq!(member.json()["roles"], json!([{"id": admin, "name": "admin"}]));
    let listed = c.api("GET", &format!("{}/{org}/invitations", orgs(&s.app_id)), OPERATOR, None).json();
    assert_eq!((listed["invitations"][0]["status"].as_str(), listed["invitations"][0]["accepted_by"].as_str()), (Some("accepted"), Some(id(&user).as_str())));
    let accepted = crate::audit::log(c, &s.app_id, "?type=organization.invitation_accepted");
    assert_eq!((accepted[0]["org_id"].as_str(), accepted[0]["user_id"].as_str()), (Some(org.as_str()), Some(id(&user).as_str())));

    // Signed in: the application's sign-in in that organization is one redirect.
    let client = client_with_usage(c, &s, "allowed");
    let r = b.get(c, &s.slug, &format!("{}&organization={org}", authorize_path(&client.0, "openid")));
    let back = r.header("location").unwrap().to_owned();
    assert_eq!(jwt_claims(redeem(c, &s, &client, &back)["access_token"].as_str().unwrap())["org_roles"], json!(["admin"]));
    // The link is used up.
    let again = Browser::new().get(c, &s.slug, &link);
    again.assert_status(400);
    assert!(again.body.contains("Invitation unavailable"));
}

fn an_invitation_adds_an_existing_account_which_then_signs_in(c: &Client) {
    let s = provision(c, true);
    let org = id(&create_org(c, &s.app_id, "acme"));
    // An account nobody confirmed (maybe a squatter's, made in advance with
    // the invitee's address) does not join through the link.
    invite(c, &s.app_id, &org, json!({"email": s.email})).assert_status(201);
    let link = invitation_link(c, &s.app_id, &s.email);
    let mut b = Browser::new();
    let page = b.get(c, &s.slug, &link);
    let (token, csrf) = (hidden_field(&page.body, "token").unwrap(), hidden_field(&page.body, "csrf_token").unwrap());
    let refused = b.post_form(c, &s.slug, "/invitation", &[("token", &token), ("csrf_token", &csrf)]);
    refused.assert_status(409);
    assert!(refused.body.contains("Forgot your password?"), "{}", refused.body);
    assert!(!is_member(c, &s.app_id, &org, &s.user_id));
    assert_eq!(c.api("GET", &format!("/applications/{}/users/{}", s.app_id, s.user_id), OPERATOR, None).json()["email_verified"], false, "nothing confirmed");

    // An account whose address is confirmed joins, then signs in as usual.
    let (user, email) = user_at(c, &s.app_id, "example.com", true);
    invite(c, &s.app_id, &org, json!({"email": email})).assert_status(201);
    let link = invitation_link(c, &s.app_id, &email);
    let mut b = Browser::new();
    let page = b.get(c, &s.slug, &link);
    page.assert_status(200);
    assert!(!page.body.contains("password"), "no password asked of an existing account");
    assert!(page.body.contains("Accept invitation"));
    let token = hidden_field(&page.body, "token").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    b.post_form(c, &s.slug, "/invitation", &[("token", &token), ("csrf_token", "wrong")]).assert_status(403);
    let r = b.post_form(c, &s.slug, "/invitation", &[("token", &token), ("csrf_token", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    // A member now, but the link did not sign them in: their usual sign-in.
    assert!(is_member(c, &s.app_id, &org, &user));
    let login = r.header("location").unwrap().to_owned();
    assert!(login.starts_with("/login?request="), "{login}");
    let page = b.get(c, &s.slug, &login);
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &email), ("password", PASSWORD)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let done = r.header("location").unwrap().to_owned();
    assert!(done.starts_with("/invitation?done=inv_"), "{done}");
    let r = b.get(c, &s.slug, &done);
    r.assert_status(200);
    assert!(r.body.contains("You joined acme Inc."), "{}", r.body);
    // Another browser (not signed in as them) learns nothing from `done`.
    Browser::new().get(c, &s.slug, &done).assert_status(400);
}

fn invitations_are_single_use_revocable_and_kept_to_their_application(c: &Client) {
    let s = provision(c, true);
    let other = provision(c, true);
    let org = id(&create_org(c, &s.app_id, "acme"));
    let email = format!("{}@example.com", unique("revoked"));
    let inv = invite(c, &s.app_id, &org, json!({"email": email}));
    inv.assert_status(201);
    let inv_id = id(&inv.json());
    let link = invitation_link(c, &s.app_id, &email);
    // Another application's host does not know the token.
    Browser::new().get(c, &other.slug, &link).assert_status(400);
    c.api("GET", &format!("{}/{org}/invitations", orgs(&other.app_id)), OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &format!("{}/{org}/invitations/{inv_id}", orgs(&other.app_id)), OPERATOR, None).assert_error(404, "not_found");
    // Revoked: the link stops working, and a second revocation conflicts.
    let one = format!("{}/{org}/invitations/{inv_id}", orgs(&s.app_id));
    c.api("DELETE", &one, OPERATOR, None).assert_status(204);
    c.api("DELETE", &one, OPERATOR, None).assert_error(409, "conflict");
    Browser::new().get(c, &s.slug, &link).assert_status(400);
    let listed = c.api("GET", &format!("{}/{org}/invitations", orgs(&s.app_id)), OPERATOR, None).json();
    assert_eq!(listed["invitations"][0]["status"], "revoked");
    // A forged token and junk are the same page.
    Browser::new().get(c, &s.slug, &format!("/invitation?token=oin_{}", "0".repeat(64))).assert_status(400);
    Browser::new().get(c, &s.slug, "/invitation?token=%27%20OR%201=1").assert_status(400);
    // Once revoked, the address may be invited again; both are audited with the organization.
    invite(c, &s.app_id, &org, json!({"email": email})).assert_status(201);
    let kinds: Vec<String> = crate::audit::log(c, &s.app_id, &format!("?org_id={org}")).iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["organization.invitation_created", "organization.invitation_revoked", "organization.invitation_created", "organization.created"]);
}

fn user_at(c: &Client, app_id: &str, domain: &str, confirmed: bool) -> (String, String) {
    let email = format!("{}@{domain}", unique("staff"));
    let r = c.api("POST", &format!("/applications/{app_id}/users"), OPERATOR, Some(&json!({"email": email, "password": PASSWORD, "email_verified": confirmed})));
    r.assert_status(201);
    (id(&r.json()), email)
}

/// Signs in `email` through `client` (no organization named); the final redirect.
fn sign_in_as(c: &Client, s: &Setup, client_id: &str, email: &str) -> (Browser, String) {
    let mut b = Browser::new();
    let url = format!("{}{}", issuer(c, &s.slug), authorize_path(client_id, "openid"));
    let back = sign_in(c, &mut b, &s.slug, &url, email, PASSWORD);
    (b, back)
}

fn is_member(c: &Client, app_id: &str, org_id: &str, user_id: &str) -> bool {
    c.api("GET", &format!("{}/{org_id}/members/{user_id}", orgs(app_id)), OPERATOR, None).status == 200
}

fn a_verified_domain_enrols_confirmed_addresses_only(c: &Client) {
    let s = provision(c, true);
    let client = client_with_usage(c, &s, "allowed");
    let (acme, beta) = (id(&create_org(c, &s.app_id, "acme")), id(&create_org(c, &s.app_id, "beta")));
    let domain = format!("{}.test", unique("acme"));
    let domains = format!("{}/{acme}/domains", orgs(&s.app_id));
    let r = c.api("POST", &domains, OPERATOR, Some(&json!({"domain": domain.to_uppercase(), "enrolment": "automatic"})));
    r.assert_status(201);
    let claim = r.json();
    assert_eq!((claim["domain"].as_str(), claim["verified"].as_bool(), claim["enrolment"].as_str()), (Some(domain.as_str()), Some(false), Some("automatic")));
    assert_eq!(claim["dns_record"]["type"], "TXT");
    assert_eq!(claim["dns_record"]["name"].as_str().unwrap(), format!("_aero2-verification.{domain}"));
    assert!(claim["dns_record"]["value"].as_str().unwrap().starts_with("aero2-verification="));
    // One organization per domain in an application; junk names the field.
    field_error(&c.api("POST", &format!("{}/{beta}/domains", orgs(&s.app_id)), OPERATOR, Some(&json!({"domain": domain}))), 409, "domain");
    field_error(&c.api("POST", &domains, OPERATOR, Some(&json!({"domain": "not a domain"}))), 400, "domain");
    field_error(&c.api("POST", &domains, OPERATOR, Some(&json!({"domain": "x.test", "enrolment": "always"}))), 400, "enrolment");
    c.api("GET", &format!("{}/{beta}/domains/{domain}", orgs(&s.app_id)), OPERATOR, None).assert_error(404, "not_found");

    // Unverified, it enrols nobody.
    let (early, early_email) = user_at(c, &s.app_id, &domain, true);
    sign_in_as(c, &s, &client.0, &early_email);
    assert!(!is_member(c, &s.app_id, &acme, &early));

    // Only the operator proves a domain: the application's own key may not.
    let sk = c.create_key(&s.app_id, "sk")["key"].as_str().unwrap().to_owned();
    let verify = format!("{domains}/{domain}/verify");
    c.api("POST", &verify, &sk, None).assert_error(403, "forbidden");
    let r = c.api("POST", &verify, OPERATOR, None);
    r.assert_status(200);
    assert_eq!(r.json()["verified"], true);

    // Verified: a confirmed address joins at sign-in (and its token is in acme);
    // an unconfirmed one does not.
    let (confirmed, confirmed_email) = user_at(c, &s.app_id, &domain, true);
    let (unconfirmed, unconfirmed_email) = user_at(c, &s.app_id, &domain, false);
    let (_, back) = sign_in_as(c, &s, &client.0, &confirmed_email);
    assert!(query_param(&back, "code").is_some(), "{back}");
    assert!(is_member(c, &s.app_id, &acme, &confirmed));
    sign_in_as(c, &s, &client.0, &unconfirmed_email);
    assert!(!is_member(c, &s.app_id, &acme, &unconfirmed), "an unproven address enrols nobody");
    let joined = crate::audit::log(c, &s.app_id, &format!("?type=organization.member_added&user_id={confirmed}"));
    assert_eq!((joined[0]["actor"].as_str(), joined[0]["org_id"].as_str(), joined[0]["detail"]["via"].as_str()), (Some("system"), Some(acme.as_str()), Some("verified_domain")));
    let mut b = Browser::new();
    let url = format!("{}{}&organization=acme", issuer(c, &s.slug), authorize_path(&client.0, "openid"));
    let back = sign_in(c, &mut b, &s.slug, &url, &confirmed_email, PASSWORD);
    assert_eq!(jwt_claims(redeem(c, &s, &client, &back)["access_token"].as_str().unwrap())["org_slug"], "acme");
    // Removed, they are not brought back by the domain at their next sign-in.
    c.api("DELETE", &format!("{}/{acme}/members/{confirmed}", orgs(&s.app_id)), OPERATOR, None).assert_status(204);
    sign_in_as(c, &s, &client.0, &confirmed_email);
    assert!(!is_member(c, &s.app_id, &acme, &confirmed), "a removed member stays removed");
    // The API adds them back explicitly.
    add_member(c, &s.app_id, &acme, &confirmed, &[]).assert_status(201);

    // The policy changes; removing the claim frees the domain for another organization.
    let r = c.api("PATCH", &format!("{domains}/{domain}"), OPERATOR, Some(&json!({"enrolment": "none"})));
    r.assert_status(200);
    assert_eq!(r.json()["enrolment"], "none");
    let (later, later_email) = user_at(c, &s.app_id, &domain, true);
    sign_in_as(c, &s, &client.0, &later_email);
    assert!(!is_member(c, &s.app_id, &acme, &later));
    c.api("DELETE", &format!("{domains}/{domain}"), OPERATOR, None).assert_status(204);
    c.api("POST", &format!("{}/{beta}/domains", orgs(&s.app_id)), OPERATOR, Some(&json!({"domain": domain}))).assert_status(201);
    // Another application may claim the same domain for its own organization.
    let other = provision(c, true);
    let theirs = id(&create_org(c, &other.app_id, "acme"));
    c.api("POST", &format!("{}/{theirs}/domains", orgs(&other.app_id)), OPERATOR, Some(&json!({"domain": domain}))).assert_status(201);
    let kinds: Vec<String> = crate::audit::log(c, &s.app_id, &format!("?org_id={acme}&type=organization.domain_verified")).iter().map(|e| e["resource"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, [format!("organizations/{acme}/domains/{domain}/verify")]);
}

fn a_suggesting_domain_offers_its_organization_on_the_picker(c: &Client) {
    let s = provision(c, true);
    let client = client_with_usage(c, &s, "required");
    let globex = id(&create_org(c, &s.app_id, "globex"));
    let domain = format!("{}.test", unique("globex"));
    let claims = format!("{}/{globex}/domains", orgs(&s.app_id));
    c.api("POST", &claims, OPERATOR, Some(&json!({"domain": domain, "enrolment": "suggest"}))).assert_status(201);
    c.api("POST", &format!("{claims}/{domain}/verify"), OPERATOR, None).assert_status(200);
    let (user, email) = user_at(c, &s.app_id, &domain, true);
    // In no organization, but one is suggested: the picker, not a refusal.
    let mut b = Browser::new();
    let url = format!("{}{}", issuer(c, &s.slug), authorize_path(&client.0, "openid"));
    let picker = sign_in(c, &mut b, &s.slug, &url, &email, PASSWORD);
    assert!(picker.starts_with("/organization?request="), "{picker}");
    assert!(!is_member(c, &s.app_id, &globex, &user), "suggested, not joined");
    let page = b.get(c, &s.slug, &picker);
    assert!(page.body.contains("Join globex Inc."), "{}", page.body);
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/organization", &[("request", &request), ("csrf_token", &csrf), ("organization", &globex)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let back = r.header("location").unwrap().to_owned();
    assert_eq!(jwt_claims(redeem(c, &s, &client, &back)["access_token"].as_str().unwrap())["org_id"], json!(globex));
    assert!(is_member(c, &s.app_id, &globex, &user));
    // An unconfirmed address at the domain is offered nothing.
    let (_, unconfirmed) = user_at(c, &s.app_id, &domain, false);
    let (_, back) = sign_in_as(c, &s, &client.0, &unconfirmed);
    assert_eq!(query_param(&back, "error").as_deref(), Some("access_denied"), "{back}");
}

/// An account-API token of `email` issued in `organization` (or none) by
/// `s`'s first-party client.
fn account_token_in(c: &Client, s: &Setup, email: &str, organization: Option<&str>) -> String {
    let extra = organization.map(|o| format!("&organization={o}")).unwrap_or_default();
    let url = format!("{}{}{extra}", issuer(c, &s.slug), authorize_path(&s.client_id, "openid account"));
    let back = sign_in(c, &mut Browser::new(), &s.slug, &url, email, PASSWORD);
    redeem(c, s, &(s.client_id.clone(), s.client_secret.clone()), &back)["access_token"].as_str().unwrap().to_owned()
}

fn self_service(c: &Client, s: &Setup, method: &str, path: &str, token: &str, body: Option<Value>) -> Resp {
    crate::security::account(c, s, method, &format!("/account/organizations{path}"), token, body)
}

fn role_with(c: &Client, app_id: &str, name: &str, org_permissions: &[&str], api_id: &str, api_permissions: &[&str]) -> String {
    let r = c.api("POST", &format!("/applications/{app_id}/roles"), OPERATOR, Some(&json!({"name": name, "organization_permissions": org_permissions})));
    r.assert_status(201);
    assert_eq!(r.json()["organization_permissions"], json!(org_permissions.iter().copied().collect::<std::collections::BTreeSet<_>>()));
    let role = id(&r.json());
    if !api_permissions.is_empty() {
        let grants: Vec<Value> = api_permissions.iter().map(|p| json!({"api_id": api_id, "value": p})).collect();
        c.api("POST", &format!("/applications/{app_id}/roles/{role}/permissions"), OPERATOR, Some(&json!({"permissions": grants}))).assert_status(200);
    }
    role
}

fn an_organization_admin_manages_their_people_with_their_own_token(c: &Client) {
    let s = provision(c, true);
    c.api("PATCH", &format!("/applications/{}/clients/{}", s.app_id, s.client_id), OPERATOR, Some(&json!({"organization_usage": "allowed"}))).assert_status(200);
    let api = c.api("POST", &format!("/applications/{}/apis", s.app_id), OPERATOR, Some(&json!({"identifier": format!("https://api.example.com/{}", unique("b2b")), "name": "B2B", "permissions": [{"value": "read:reports"}, {"value": "pay:invoices"}]})));
    api.assert_status(201);
    let api_id = id(&api.json());
    field_error(&c.api("POST", &format!("/applications/{}/roles", s.app_id), OPERATOR, Some(&json!({"name": "x", "organization_permissions": ["org:everything"]}))), 400, "organization_permissions");
    let admin = role_with(c, &s.app_id, "org-admin", &["org:members:read", "org:members:invite", "org:members:manage", "org:audit:read"], &api_id, &["read:reports"]);
    let member = role_with(c, &s.app_id, "member", &[], &api_id, &["read:reports"]);
    let billing = role_with(c, &s.app_id, "billing", &[], &api_id, &["pay:invoices"]);
    let acme = id(&create_org(c, &s.app_id, "acme"));
    let other = id(&create_org(c, &s.app_id, "other"));
    let (bob, carol) = (new_user(c, &s.app_id), new_user(c, &s.app_id));
    add_member(c, &s.app_id, &acme, &s.user_id, &[&admin]).assert_status(201);
    add_member(c, &s.app_id, &other, &s.user_id, &[&admin]).assert_status(201);
    add_member(c, &s.app_id, &acme, &bob, &[&member]).assert_status(201);
    add_member(c, &s.app_id, &acme, &carol, &[&billing]).assert_status(201);
    let at = account_token_in(c, &s, &s.email, Some("acme"));

    let mine = self_service(c, &s, "GET", "", &at, None);
    mine.assert_status(200);
    let acme_entry = mine.json()["organizations"].as_array().unwrap().iter().find(|o| o["id"] == json!(acme)).unwrap().clone();
    assert_eq!(acme_entry["permissions"], json!(["org:audit:read", "org:members:invite", "org:members:manage", "org:members:read"]));
    assert_eq!(acme_entry["roles"], json!([{"id": admin, "name": "org-admin"}]));
    let listed = self_service(c, &s, "GET", &format!("/{acme}/members"), &at, None);
    listed.assert_status(200);
    assert_eq!(listed.json()["members"].as_array().unwrap().len(), 3);

    // Giving and taking within what the admin holds.
    let r = self_service(c, &s, "PATCH", &format!("/{acme}/members/{bob}"), &at, Some(json!({"roles": [admin]})));
    r.assert_status(200);
    assert_eq!(r.json()["roles"], json!([{"id": admin, "name": "org-admin"}]));
    self_service(c, &s, "PATCH", &format!("/{acme}/members/{bob}"), &at, Some(json!({"roles": [billing]}))).assert_error(403, "forbidden");
    self_service(c, &s, "PATCH", &format!("/{acme}/members/{carol}"), &at, Some(json!({"roles": [member]}))).assert_error(403, "forbidden");
    self_service(c, &s, "DELETE", &format!("/{acme}/members/{carol}"), &at, None).assert_error(403, "forbidden");
    self_service(c, &s, "PATCH", &format!("/{acme}/members/{bob}"), &at, Some(json!({"roles": [member]}))).assert_status(200);
    self_service(c, &s, "DELETE", &format!("/{acme}/members/usr_{}", "0".repeat(32)), &at, None).assert_error(404, "not_found");

    // Inviting, through the outbox; not with a role the admin cannot give.
    let email = format!("{}@example.com", unique("invited"));
    self_service(c, &s, "POST", &format!("/{acme}/invitations"), &at, Some(json!({"email": email, "roles": [billing]}))).assert_error(403, "forbidden");
    let inv = self_service(c, &s, "POST", &format!("/{acme}/invitations"), &at, Some(json!({"email": email, "roles": [member]})));
    inv.assert_status(201);
    let inv = inv.json();
    invitation_link(c, &s.app_id, &email);
    assert_eq!(self_service(c, &s, "GET", &format!("/{acme}/invitations"), &at, None).json()["invitations"][0]["id"], inv["id"]);
    assert_eq!(inv["inviter"].as_str().unwrap(), format!("member:{}", s.user_id));
    // Where sign-up is invite-only, an organization admin's invitation does
    // not open it (only the application's developers' do).
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"signup": {"mode": "invite_only"}}}))).assert_status(200);
    let link = link_in(c.mail_to(&s.app_id, &email, "organization_invitation", 1)[0]["body"].as_str().unwrap(), "/invitation?token=").unwrap();
    let mut nb = Browser::new();
    let page = nb.get(c, &s.slug, &link);
    let (token, csrf) = (hidden_field(&page.body, "token").unwrap(), hidden_field(&page.body, "csrf_token").unwrap());
    nb.post_form(c, &s.slug, "/invitation", &[("token", &token), ("csrf_token", &csrf), ("password", PASSWORD)]).assert_status(403);
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {}}))).assert_status(200);
    self_service(c, &s, "DELETE", &format!("/{acme}/invitations/{}", inv["id"].as_str().unwrap()), &at, None).assert_status(204);
    self_service(c, &s, "DELETE", &format!("/{acme}/members/{bob}"), &at, None).assert_status(204);

    // The organization's slice of the log: its entries only, the admin's among them.
    let slice = self_service(c, &s, "GET", &format!("/{acme}/audit?org_id={other}&limit=200"), &at, None);
    slice.assert_status(200);
    let entries = slice.json()["entries"].as_array().unwrap().clone();
    assert!(entries.iter().all(|e| e["org_id"] == json!(acme)), "{entries:#?}");
    let kinds: Vec<&str> = entries.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for k in ["organization.member_removed", "organization.invitation_revoked", "organization.invitation_created", "organization.member_updated", "organization.created"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let removed = entries.iter().find(|e| e["type"] == "organization.member_removed").unwrap();
    assert_eq!((removed["actor"].as_str().unwrap(), removed["detail"]["via"].as_str()), (format!("user:{}", s.user_id).as_str(), Some("organization_admin")));
    // Each organization's admin sees theirs: nothing of `other` in acme's slice, and the other way.
    let theirs = account_token_in(c, &s, &s.email, Some("other"));
    let other_slice = self_service(c, &s, "GET", &format!("/{other}/audit"), &theirs, None).json();
    assert!(other_slice["entries"].as_array().unwrap().iter().all(|e| e["org_id"] == json!(other)));

    // A token of another organization, or of none, does not act here.
    self_service(c, &s, "GET", &format!("/{acme}/members"), &theirs, None).assert_error(403, "insufficient_scope");
    let plain = account_token_in(c, &s, &s.email, None);
    self_service(c, &s, "GET", &format!("/{acme}/members"), &plain, None).assert_error(403, "insufficient_scope");
    self_service(c, &s, "GET", "/org_nope/members", &at, None).assert_error(404, "not_found");

    // A member without permissions reads nothing, but may leave.
    let carol_email = c.api("GET", &format!("/applications/{}/users/{carol}", s.app_id), OPERATOR, None).json()["email"].as_str().unwrap().to_owned();
    let ct = account_token_in(c, &s, &carol_email, Some("acme"));
    self_service(c, &s, "GET", &format!("/{acme}/members"), &ct, None).assert_error(403, "forbidden");
    self_service(c, &s, "GET", &format!("/{acme}/audit"), &ct, None).assert_error(403, "forbidden");
    self_service(c, &s, "DELETE", &format!("/{acme}/members/{carol}"), &ct, None).assert_status(204);
    self_service(c, &s, "GET", &format!("/{acme}/members"), &ct, None).assert_error(403, "forbidden");

    // Demoted by the developer: the admin's power ends at once.
    c.api("PATCH", &format!("{}/{acme}/members/{}", orgs(&s.app_id), s.user_id), OPERATOR, Some(&json!({"roles": [member]}))).assert_status(200);
    self_service(c, &s, "GET", &format!("/{acme}/members"), &at, None).assert_error(403, "forbidden");
}

fn a_sign_in_to_an_organization_wears_its_branding(c: &Client) {
    let s = provision(c, true);
    let client = client_with_usage(c, &s, "allowed");
    let org = id(&create_org(c, &s.app_id, "acme"));
    c.api("PATCH", &format!("{}/{org}", orgs(&s.app_id)), OPERATOR, Some(&json!({"branding": {"logo_url": "https://cdn.acme.test/logo.png", "primary_color": "#1A4D2E"}}))).assert_status(200);
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &format!("{}&organization=acme", authorize_path(&client.0, "openid")));
    let page = b.get(c, &s.slug, r.header("location").unwrap());
    page.assert_status(200);
    assert!(page.body.contains("<img class=\"org-logo\" src=\"https://cdn.acme.test/logo.png\" alt=\"acme Inc.\">"), "{}", page.body);
    assert!(page.body.contains("<link rel=\"stylesheet\" href=\"/ui/brand.css?c=1a4d2e\">"));
    assert!(page.body.contains("Signing in to <strong>acme Inc.</strong>"));
    // Without the organization, the application's own look.
    let r = b.get(c, &s.slug, &authorize_path(&client.0, "openid"));
    let plain = b.get(c, &s.slug, r.header("location").unwrap());
    assert!(!plain.body.contains("org-logo") && !plain.body.contains("brand.css?c="));
    assert!(plain.body.contains("<link rel=\"stylesheet\" href=\"/ui/brand.css\">"), "the application's own branding");
    let css = c.get(&s.slug, "/ui/brand.css?c=1a4d2e");
    css.assert_status(200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.body.contains("--brand:#1a4d2e;--brand-text:#ffffff"), "{}", css.body);
    c.get(&s.slug, "/ui/brand.css?c=red").assert_status(404);
    c.get(&s.slug, "/ui/brand.css?c=1a4d2e;}*{display:none").assert_status(404);
}

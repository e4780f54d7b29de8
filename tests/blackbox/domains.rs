//! Custom domains: an application answers on a verified domain of its own,
//! nowhere else, and stops the moment the domain is removed.

use crate::Test;
use aero2_tests::{unique, Client, OPERATOR};
use serde_json::json;

pub fn tests() -> Vec<Test> {
    vec![
        ("custom_domain_lifecycle", custom_domain_lifecycle),
        ("custom_domain_errors", custom_domain_errors),
    ]
}


fn custom_domain_lifecycle(c: &Client) {
    let slug = unique("custom");
    let app = c.create_app(&slug);
    let id = app["id"].as_str().unwrap();
    let host = format!("auth.{}.example.test", unique("brand"));
    let domains = format!("/applications/{id}/domains");

    let r = c.api("POST", &domains, OPERATOR, Some(&json!({"hostname": host.to_uppercase()})));
    r.assert_status(201);
    assert_eq!((r.json()["hostname"].as_str(), r.json()["verified"].as_bool()), (Some(host.as_str()), Some(false)));
    // Unverified: not served.
    c.health(&host).assert_error(404, "unknown_application");

    let v = c.api("POST", &format!("{domains}/{host}/verify"), OPERATOR, None);
    v.assert_status(200);
    assert_eq!(v.json()["verified"], true);
    let via_domain = c.health(&host);
    via_domain.assert_status(200);
    let via_sub = c.health(&slug).json();
    assert_eq!(via_domain.json()["application"]["id"], app["id"]);
    assert_eq!(via_domain.json()["durable_object"]["id"], via_sub["durable_object"]["id"]);
    let listed = c.api("GET", &domains, OPERATOR, None).json();
    assert_eq!(listed["domains"][0]["hostname"], host.as_str());
    assert_eq!(listed["domains"][0]["verified"], true);

    // Removal takes effect at once, though the host was just resolved.
    assert_eq!(c.api("DELETE", &format!("{domains}/{host}"), OPERATOR, None).status, 204);
    c.health(&host).assert_error(404, "unknown_application");
    c.health(&slug).assert_status(200);
    assert_eq!(c.api("GET", &domains, OPERATOR, None).json()["domains"], json!([]));
}

fn custom_domain_errors(c: &Client) {
    let a = c.create_app(&unique("dom-a"));
    let b = c.create_app(&unique("dom-b"));
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let a_domains = format!("/applications/{a_id}/domains");
    for (body, status, code) in [
        (json!({}), 400, "invalid_request"),
        (json!({"hostname": "no_underscores.example.test"}), 400, "invalid_request"),
        (json!({"hostname": "singlelabel"}), 400, "invalid_request"),
        (json!({"hostname": "10.0.0.1"}), 400, "invalid_request"),
        (json!({"hostname": "other.localhost"}), 400, "invalid_request"),
        (json!({"hostname": 7}), 400, "invalid_request"),
    ] {
        let r = c.api("POST", &a_domains, OPERATOR, Some(&body));
        r.assert_error(status, code);
        if body.get("hostname").is_some() || body == json!({}) {
            assert_eq!(r.json()["field"], "hostname", "{body}");
        }
    }
    let host = format!("login.{}.example.test", unique("shared"));
    c.api("POST", &a_domains, OPERATOR, Some(&json!({"hostname": host}))).assert_status(201);
    let r = c.api("POST", &format!("/applications/{b_id}/domains"), OPERATOR, Some(&json!({"hostname": host})));
    r.assert_error(409, "conflict");
    assert_eq!(r.json()["field"], "hostname");

    // An application's own key may add domains but not vouch for them.
    let a_sk = c.create_key(a_id, "sk")["key"].as_str().unwrap().to_owned();
    c.api("POST", &format!("{a_domains}/{host}/verify"), &a_sk, None).assert_error(403, "forbidden");
    c.health(&host).assert_error(404, "unknown_application");
    // Domains of another application are not there for A's key, nor via A's path.
    c.api("POST", &format!("/applications/{b_id}/domains/{host}/verify"), OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &format!("/applications/{b_id}/domains/{host}"), OPERATOR, None).assert_error(404, "not_found");
    c.api("POST", &format!("{a_domains}/unknown.example.test/verify"), OPERATOR, None).assert_error(404, "not_found");
    c.api("DELETE", &format!("{a_domains}/not%20a%20host"), OPERATOR, None).assert_error(404, "not_found");
    assert_eq!(c.api("GET", &a_domains, OPERATOR, None).json()["domains"][0]["verified"], false);
}

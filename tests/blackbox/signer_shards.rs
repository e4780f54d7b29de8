//! The signer sharded by application (`JWKS_SIGNER_SHARDS`, 3 on the
//! shared server): applications spread over the shards, and an
//! application's keys move between shards as a rotation, with nothing
//! signed by either shard ever refused while the move runs.

use crate::oidc::{provision, Setup};
use crate::Test;
use aero2_tests::{basic_auth, Client, OPERATOR};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// The shards of the shared server (`main.rs`).
const SHARDS: u64 = 3;

pub fn tests() -> Vec<Test> {
    vec![
        ("applications_spread_over_the_shards", applications_spread_over_the_shards),
        ("keys_move_between_shards_as_a_rotation", keys_move_between_shards_as_a_rotation),
        ("a_move_is_the_operators_and_refused_when_it_cannot_be", a_move_is_the_operators_and_refused_when_it_cannot_be),
    ]
}

fn keys_of(c: &Client, app_id: &str) -> Value {
    let r = c.api("GET", &format!("/applications/{app_id}/signing-keys"), OPERATOR, None);
    r.assert_status(200);
    r.json()
}

fn kid_of(jwt: &str) -> String {
    use base64::Engine;
    let header = jwt.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

fn machine_token(c: &Client, s: &Setup) -> String {
    let auth = basic_auth(&s.client_id, &s.client_secret);
    let r = c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some("grant_type=client_credentials"));
    r.assert_status(200);
    r.json()["access_token"].as_str().unwrap().to_owned()
}

pub fn introspected_active(c: &Client, s: &Setup, token: &str) -> bool {
    let auth = basic_auth(&s.client_id, &s.client_secret);
    let r = c.send("POST", &s.slug, "/oauth2/introspect", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(&format!("token={token}")));
    r.assert_status(200);
    r.json()["active"] == json!(true)
}

fn jwks_kids(c: &Client, slug: &str) -> BTreeSet<String> {
    c.get(slug, "/.well-known/jwks.json").json()["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

fn kids(keys: &Value, shard: u64, status: &str) -> BTreeSet<String> {
    keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["shard"] == json!(shard) && k["status"] == json!(status))
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

fn applications_spread_over_the_shards(c: &Client) {
    let mut seen = BTreeSet::new();
    let mut signers = BTreeSet::new();
    for _ in 0..12 {
        let s = provision(c, true);
        let keys = keys_of(c, &s.app_id);
        let shard = keys["signer"]["shard"].as_u64().unwrap();
        assert!(shard < SHARDS);
        assert_eq!(keys["signer"]["shards"], json!(SHARDS));
        assert_eq!(keys["signer"]["moving"], Value::Null);
        // One RS256 and one ES256 key, active, all on its shard.
        assert_eq!(kids(&keys, shard, "active").len(), 2, "{keys}");
        assert!(keys["keys"].as_array().unwrap().iter().all(|k| k["shard"] == json!(shard)));
        // Its tokens verify (the tenant reads the shard's keys), and the
        // signer object it reports is that shard's.
        let token = machine_token(c, &s);
        assert!(introspected_active(c, &s, &token));
        assert!(kids(&keys, shard, "active").contains(&kid_of(&token)));
        signers.insert((shard, c.health(&s.slug).json()["jwks_signer"]["id"].as_str().unwrap().to_owned()));
        seen.insert(shard);
        // The application's own view never names where its keys are.
        assert!(c.api("GET", &format!("/applications/{}", s.app_id), OPERATOR, None).json().get("signer").is_none());
    }
    // Twelve random ids over three shards: more than one (all on one is
    // 3 × (1/3)^12, about 6 in a million).
    assert!(seen.len() > 1, "{seen:?}");
    // One object per shard: as many distinct objects as shards seen.
    let objects: BTreeSet<&String> = signers.iter().map(|(_, id)| id).collect();
    assert_eq!(objects.len(), seen.len(), "{signers:?}");
}

fn keys_move_between_shards_as_a_rotation(c: &Client) {
    let s = provision(c, true);
    // A neighbour, whatever its shard: untouched by the move.
    let neighbour = provision(c, true);
    let neighbour_jwks = jwks_kids(c, &neighbour.slug);
    let before = keys_of(c, &s.app_id);
    let from = before["signer"]["shard"].as_u64().unwrap();
    let to = (from + 1) % SHARDS;
    let old_active = kids(&before, from, "active");
    let early = machine_token(c, &s);
    assert!(old_active.contains(&kid_of(&early)));
    // Warm the front Worker's copy of the JWKS: the move must drop it.
    assert_eq!(jwks_kids(c, &s.slug), old_active);

    let moved = c.api("POST", &format!("/applications/{}/signing-keys/move", s.app_id), OPERATOR, Some(&json!({"shard": to, "activate_after_seconds": 4})));
    moved.assert_status(200);
    let moved = moved.json();
    assert_eq!(moved["signer"]["shard"], json!(to));
    assert_eq!(moved["signer"]["moving"]["from"], json!(from));
    let switch_at = moved["signer"]["moving"]["switch_at"].as_i64().unwrap();
    assert_eq!(moved["signer"]["moving"]["until"].as_i64().unwrap() - switch_at, 7_200_000, "the old keys stay published two hours");
    // The new shard's keys are published at once, not signing yet; the old
    // shard's still sign.
    let new_pending = kids(&moved, to, "pending");
    assert_eq!(new_pending.len(), 2, "{moved}");
    assert_eq!(kids(&moved, from, "active"), old_active);
    let published = jwks_kids(c, &s.slug);
    assert_eq!(published, old_active.union(&new_pending).cloned().collect(), "both shards' keys are published during the move");
    let during = machine_token(c, &s);
    assert!(old_active.contains(&kid_of(&during)), "the old shard signs until the switch");
    // Rotations wait for the switch (the old shard is handing over).
    let rotate = c.api("POST", &format!("/applications/{}/signing-keys/rotate", s.app_id), OPERATOR, None);
    rotate.assert_error(409, "conflict");
    assert_eq!(rotate.json()["field"], json!("signing_keys"));
    // So does another move.
    c.api("POST", &format!("/applications/{}/signing-keys/move", s.app_id), OPERATOR, Some(&json!({"shard": from}))).assert_error(409, "conflict");

    // After the switch: the new shard signs; the old keys retire but stay
    // published, so tokens they signed still verify.
    let wait = u64::try_from(switch_at - now_ms() + 300).unwrap_or(0);
    std::thread::sleep(Duration::from_millis(wait));
    let late = machine_token(c, &s);
    assert!(new_pending.contains(&kid_of(&late)), "the new shard signs after the switch");
    for token in [&early, &during, &late] {
        assert!(introspected_active(c, &s, token), "a token of either shard verifies");
    }
    let after = keys_of(c, &s.app_id);
    assert_eq!(kids(&after, to, "active"), new_pending);
    assert_eq!(kids(&after, from, "retired"), old_active, "{after}");
    assert!(kids(&after, from, "active").is_empty());
    assert_eq!(jwks_kids(c, &s.slug), old_active.union(&new_pending).cloned().collect());
    assert_eq!(jwks_kids(c, &neighbour.slug), neighbour_jwks, "another application's keys did not move");
    // From the switch on, the new shard rotates like any other.
    let rotated = c.api("POST", &format!("/applications/{}/signing-keys/rotate", s.app_id), OPERATOR, None);
    rotated.assert_status(200);
    assert_eq!(kids(&keys_of(c, &s.app_id), to, "pending").len(), 2, "the rotation's keys are the new shard's");
    // Deleted, its documents are gone at once, and no shard makes keys for
    // it again (a late request names it to no avail).
    assert_eq!(c.api("DELETE", &format!("/applications/{}", s.app_id), OPERATOR, None).status, 204);
    c.get(&s.slug, "/.well-known/jwks.json").assert_error(404, "unknown_application");
}

fn a_move_is_the_operators_and_refused_when_it_cannot_be(c: &Client) {
    let s = provision(c, true);
    let path = format!("/applications/{}/signing-keys/move", s.app_id);
    let shard = keys_of(c, &s.app_id)["signer"]["shard"].as_u64().unwrap();
    let other = (shard + 1) % SHARDS;
    // An application's own key may not move it.
    let key = c.create_key(&s.app_id, "sk");
    c.api("POST", &path, key["key"].as_str().unwrap(), Some(&json!({"shard": other}))).assert_error(403, "forbidden");
    let refused = |body: Value, status: u16, code: &str| {
        let r = c.api("POST", &path, OPERATOR, Some(&body));
        r.assert_error(status, code);
        assert_eq!(r.json()["field"], json!("shard"), "{body}");
    };
    refused(json!({"shard": shard}), 409, "conflict");
    refused(json!({"shard": SHARDS}), 400, "invalid_request");
    refused(json!({"shard": -1}), 400, "invalid_request");
    refused(json!({"shard": "1"}), 400, "invalid_request");
    refused(json!({}), 400, "invalid_request");
    c.api("POST", &path, OPERATOR, Some(&json!({"shard": other, "activate_after_seconds": 604_801}))).assert_error(400, "invalid_request");
    c.api("POST", &path, OPERATOR, Some(&json!({"shard": other, "colour": "red"}))).assert_error(400, "invalid_request");
    // Nothing changed by any of them.
    let keys = keys_of(c, &s.app_id);
    assert_eq!(keys["signer"], json!({"shard": shard, "shards": SHARDS, "moving": null}));
}

fn now_ms() -> i64 {
    i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

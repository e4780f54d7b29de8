//! An application's grants spread over several `TenantApp` objects
//! (`PUT …/tenant-shards`, here 3): each code, refresh token and access
//! token names its shard and is served there, so single use, rotation,
//! reuse detection and revocation stay exact; what must be counted once
//! (sign-in lockout) stays in the home object; a user's end reaches every
//! shard; the token endpoint's limits add up to no more than the setting.

use crate::lockout::{attempt, burst, login_form};
use crate::oidc::{enc, provision, revoke, sign_in, Setup, PASSWORD, REDIRECT};
use crate::signer_shards::introspected_active;
use crate::Test;
use aero2_tests::browser::{query_param, Browser};
use aero2_tests::{basic_auth, Client, Resp, OPERATOR};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const SHARDS: u8 = 3;
/// RFC 7636 Appendix B's verifier, and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub fn tests() -> Vec<Test> {
    vec![
        ("grants_spread_over_shards_and_stay_single_use", grants_spread_over_shards_and_stay_single_use),
        ("refresh_families_rotate_and_detect_reuse_in_their_shard", refresh_families_rotate_and_detect_reuse_in_their_shard),
        ("tokens_are_checked_and_revoked_where_they_were_issued", tokens_are_checked_and_revoked_where_they_were_issued),
        ("a_users_end_reaches_every_shard", a_users_end_reaches_every_shard),
        ("lockout_and_token_limits_stay_exact_over_shards", lockout_and_token_limits_stay_exact_over_shards),
        ("the_count_is_the_operators_and_only_grows", the_count_is_the_operators_and_only_grows),
    ]
}

fn shards_path(s: &Setup) -> String {
    format!("/applications/{}/tenant-shards", s.app_id)
}

/// A fresh application with three tenant shards.
fn sharded(c: &Client) -> Setup {
    let s = provision(c, true);
    let r = c.api("PUT", &shards_path(&s), OPERATOR, Some(&json!({"shards": SHARDS})));
    r.assert_status(200);
    assert_eq!(r.json(), json!({"shards": SHARDS, "max": 16}));
    s
}

/// The shard a credential names: `<prefix><shard>.<random>`, or none
/// (shard 0).
fn shard_of(credential: &str, prefix: &str) -> u8 {
    let rest = credential.strip_prefix(prefix).unwrap_or_else(|| panic!("{credential} lacks {prefix}"));
    rest.split_once('.').map_or(0, |(n, _)| n.parse().unwrap())
}

fn jti_shard(jwt: &str) -> u8 {
    let payload: Value = serde_json::from_slice(&crate::oidc::b64(jwt.split('.').nth(1).unwrap())).unwrap();
    shard_of(payload["jti"].as_str().unwrap(), "")
}

/// A new authorization code through the browser's session (signing in
/// on the first call).
fn new_code(c: &Client, s: &Setup, b: &mut Browser) -> String {
    let url = c.url(
        &s.slug,
        &format!(
            "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&code_challenge={CHALLENGE}&code_challenge_method=S256",
            s.client_id,
            enc(REDIRECT),
            enc("openid profile email offline_access account"),
        ),
    );
    let back = sign_in(c, b, &s.slug, &url, &s.email, PASSWORD);
    query_param(&back, "code").unwrap_or_else(|| panic!("no code: {back}"))
}

fn token(c: &Client, s: &Setup, body: &str) -> Resp {
    let auth = basic_auth(&s.client_id, &s.client_secret);
    c.send("POST", &s.slug, "/oauth2/token", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(body))
}

fn exchange(c: &Client, s: &Setup, code: &str) -> Resp {
    token(c, s, &format!("grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={VERIFIER}", enc(code), enc(REDIRECT)))
}

fn refresh(c: &Client, s: &Setup, rt: &str) -> Resp {
    token(c, s, &format!("grant_type=refresh_token&refresh_token={}", enc(rt)))
}

fn userinfo(c: &Client, s: &Setup, at: &str) -> Resp {
    c.send("GET", &s.slug, "/oauth2/userinfo", &[("authorization", &format!("Bearer {at}"))], None)
}

/// Codes of the session, by shard, until every shard has one.
fn codes_on_every_shard(c: &Client, s: &Setup, b: &mut Browser) -> BTreeMap<u8, Vec<String>> {
    let mut by_shard: BTreeMap<u8, Vec<String>> = BTreeMap::new();
    // Uniform placement: missing one of three shards in 40 codes is
    // 3 × (2/3)^40, about 2 in ten million.
    for _ in 0..40 {
        let code = new_code(c, s, b);
        by_shard.entry(shard_of(&code, "ac_")).or_default().push(code);
        if by_shard.len() == usize::from(SHARDS) && by_shard.values().all(|v| v.len() >= 2) {
            break;
        }
    }
    assert_eq!(by_shard.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2], "{by_shard:?}");
    by_shard
}

fn grants_spread_over_shards_and_stay_single_use(c: &Client) {
    let s = sharded(c);
    let mut b = Browser::new();
    let codes = codes_on_every_shard(c, &s, &mut b);
    for (shard, list) in &codes {
        // Redeemed where it was issued: everything issued from it names
        // the same shard, and works.
        let t = exchange(c, &s, &list[0]);
        t.assert_status(200);
        let t = t.json();
        let (at, rt) = (t["access_token"].as_str().unwrap(), t["refresh_token"].as_str().unwrap());
        assert_eq!(jti_shard(at), *shard);
        assert_eq!(shard_of(rt, "rt_"), *shard);
        let info = userinfo(c, &s, at);
        info.assert_status(200);
        assert_eq!(info.json()["sub"], s.user_id.as_str());
        // Once only: the replay is refused and revokes what it issued.
        let replay = exchange(c, &s, &list[0]);
        replay.assert_error(400, "invalid_grant");
        userinfo(c, &s, at).assert_error(401, "invalid_token");
        refresh(c, &s, rt).assert_error(400, "invalid_grant");
    }
    // Single use under concurrency, on a shard other than home: of twelve
    // redemptions at once, exactly one gets tokens.
    let code = codes[&2][1].clone();
    let statuses = burst(12, || exchange(c, &s, &code).status);
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 11, "{statuses:?}");
    // The replays reached the home object's audit log from shard 2.
    let replays = crate::audit::log(c, &s.app_id, "?type=token.reuse_detected&limit=200");
    assert!(replays.len() >= 3, "one per shard above at least: {replays:#?}");
    // A code naming a shard is not known in another: the same random part
    // under another shard's tag is refused, and changes nothing.
    let fresh = codes[&1][1].clone();
    let moved = fresh.replacen("ac_1.", "ac_2.", 1);
    exchange(c, &s, &moved).assert_error(400, "invalid_grant");
    exchange(c, &s, &fresh.replacen("ac_1.", "ac_", 1)).assert_error(400, "invalid_grant");
    // A shard the application does not have (the front Worker sends it
    // home rather than make an object for it), or none that can exist.
    exchange(c, &s, &fresh.replacen("ac_1.", "ac_9.", 1)).assert_error(400, "invalid_grant");
    exchange(c, &s, &fresh.replacen("ac_1.", "ac_99.", 1)).assert_error(400, "invalid_grant");
    exchange(c, &s, &fresh).assert_status(200);
}

fn refresh_families_rotate_and_detect_reuse_in_their_shard(c: &Client) {
    let s = sharded(c);
    let mut b = Browser::new();
    let codes = codes_on_every_shard(c, &s, &mut b);
    for (shard, list) in &codes {
        let t = exchange(c, &s, &list[0]).json();
        let rt1 = t["refresh_token"].as_str().unwrap().to_owned();
        let t2 = refresh(c, &s, &rt1);
        t2.assert_status(200);
        let rt2 = t2.json()["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(rt1, rt2);
        assert_eq!(shard_of(&rt2, "rt_"), *shard, "the family stays in its shard");
        let t3 = refresh(c, &s, &rt2);
        t3.assert_status(200);
        let t3 = t3.json();
        let (rt3, at3) = (t3["refresh_token"].as_str().unwrap().to_owned(), t3["access_token"].as_str().unwrap().to_owned());
        assert_eq!(jti_shard(&at3), *shard);
        userinfo(c, &s, &at3).assert_status(200);
        // The first token again: someone else's copy. The family ends.
        refresh(c, &s, &rt1).assert_error(400, "invalid_grant");
        refresh(c, &s, &rt3).assert_error(400, "invalid_grant");
        userinfo(c, &s, &at3).assert_error(401, "invalid_token");
    }
    // Another family, in another shard, is untouched by those.
    let other = exchange(c, &s, &codes[&1][1]).json();
    refresh(c, &s, other["refresh_token"].as_str().unwrap()).assert_status(200);
}

fn tokens_are_checked_and_revoked_where_they_were_issued(c: &Client) {
    let s = sharded(c);
    // Machine tokens are spread over every shard, and each is introspected
    // and revoked in its own.
    let mut machine: BTreeMap<u8, String> = BTreeMap::new();
    for _ in 0..40 {
        let r = token(c, &s, "grant_type=client_credentials");
        r.assert_status(200);
        let at = r.json()["access_token"].as_str().unwrap().to_owned();
        machine.insert(jti_shard(&at), at);
        if machine.len() == usize::from(SHARDS) {
            break;
        }
    }
    assert_eq!(machine.len(), usize::from(SHARDS), "{:?}", machine.keys());
    for at in machine.values() {
        assert!(introspected_active(c, &s, at));
    }
    revoke(c, &s, &machine[&1]).assert_status(200);
    assert!(!introspected_active(c, &s, &machine[&1]));
    assert!(introspected_active(c, &s, &machine[&0]) && introspected_active(c, &s, &machine[&2]));

    // A user's token from a shard other than home calls the account API,
    // which the home object serves: it asks the token's shard.
    let mut b = Browser::new();
    let codes = codes_on_every_shard(c, &s, &mut b);
    let t = exchange(c, &s, &codes[&2][0]).json();
    let (at, rt) = (t["access_token"].as_str().unwrap().to_owned(), t["refresh_token"].as_str().unwrap().to_owned());
    let account = |at: &str| c.send("GET", &s.slug, "/account/sessions", &[("authorization", &format!("Bearer {at}"))], None);
    let sessions = account(&at);
    sessions.assert_status(200);
    // It knows which session the token came from (its grant is in shard 2).
    let list = sessions.json()["sessions"].as_array().unwrap().clone();
    assert_eq!(list.iter().filter(|x| x["current"] == json!(true)).count(), 1, "{list:?}");
    assert!(introspected_active(c, &s, &rt));
    // Revoked in shard 2: refused by the home object at once.
    revoke(c, &s, &at).assert_status(200);
    account(&at).assert_error(401, "invalid_token");
    userinfo(c, &s, &at).assert_error(401, "invalid_token");
    // An empty second `token` is no second token, for the route as for the
    // endpoint (RFC 7009 §2.1): the revocation reaches the token's shard.
    let auth = basic_auth(&s.client_id, &s.client_secret);
    let body = format!("token={}&token=", enc(&rt));
    c.send("POST", &s.slug, "/oauth2/revoke", &[("content-type", "application/x-www-form-urlencoded"), ("authorization", &auth)], Some(&body)).assert_status(200);
    assert!(!introspected_active(c, &s, &rt));
    refresh(c, &s, &rt).assert_error(400, "invalid_grant");
}

fn a_users_end_reaches_every_shard(c: &Client) {
    let s = sharded(c);
    let mut b = Browser::new();
    let codes = codes_on_every_shard(c, &s, &mut b);
    // Two grants of the session in each shard.
    let issued: Vec<Value> = codes.values().map(|l| exchange(c, &s, &l[0]).json()).collect();
    let second: Vec<Value> = codes.values().map(|l| exchange(c, &s, &l[1]).json()).collect();
    // The user signs out everywhere else with shard 1's token: every grant
    // but that token's own ends, in every shard.
    let kept = &issued[1];
    let at1 = kept["access_token"].as_str().unwrap();
    c.send("DELETE", &s.slug, "/account/sessions", &[("authorization", &format!("Bearer {at1}"))], None).assert_status(204);
    userinfo(c, &s, at1).assert_status(200);
    for t in [&issued[0], &issued[2], &second[0], &second[1], &second[2]] {
        userinfo(c, &s, t["access_token"].as_str().unwrap()).assert_error(401, "invalid_token");
        refresh(c, &s, t["refresh_token"].as_str().unwrap()).assert_error(400, "invalid_grant");
    }
    let kept = refresh(c, &s, kept["refresh_token"].as_str().unwrap());
    kept.assert_status(200);
    let kept = kept.json();
    // The operator ends every session of the user: that grant ends too.
    c.api("DELETE", &format!("/applications/{}/users/{}/sessions", s.app_id, s.user_id), OPERATOR, None).assert_status(204);
    let at = kept["access_token"].as_str().unwrap();
    userinfo(c, &s, at).assert_error(401, "invalid_token");
    refresh(c, &s, kept["refresh_token"].as_str().unwrap()).assert_error(400, "invalid_grant");
    // A disabled user's tokens stop in every shard too, at once.
    let mut b = Browser::new();
    let codes = codes_on_every_shard(c, &s, &mut b);
    let issued: Vec<Value> = codes.values().map(|l| exchange(c, &s, &l[0]).json()).collect();
    c.api("PATCH", &format!("/applications/{}/users/{}", s.app_id, s.user_id), OPERATOR, Some(&json!({"disabled": true}))).assert_status(200);
    for t in &issued {
        userinfo(c, &s, t["access_token"].as_str().unwrap()).assert_error(401, "invalid_token");
        refresh(c, &s, t["refresh_token"].as_str().unwrap()).assert_error(400, "invalid_grant");
    }
}

fn lockout_and_token_limits_stay_exact_over_shards(c: &Client) {
    // Sign-in lockout is the home object's, whatever the shards: of 60
    // wrong passwords at once, exactly 5 are checked.
    let s = sharded(c);
    let f = login_form(c, &s);
    let statuses = burst(60, || attempt(c, &s, &f, &s.email, "wrong password!").status);
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 55), "{statuses:?}");
    assert_eq!(attempt(c, &s, &f, &s.email, PASSWORD).status, 429);

    // The token endpoint's per-client limit is split over the shards:
    // 9 a minute is 3 in each; 40 requests at once never get more than 9.
    let s = sharded(c);
    let limits = json!({"settings": {"rate_limits": {"token_per_client": {"max": 9, "window_seconds": 60}}}});
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&limits)).assert_status(200);
    let statuses = burst(40, || token(c, &s, "grant_type=client_credentials").status);
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!((3..=9).contains(&ok), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 40 - ok, "{statuses:?}");
    // Spent: more requests, one by one, never pass the nine.
    let more = (0..12).filter(|_| token(c, &s, "grant_type=client_credentials").status == 200).count();
    assert!(ok + more <= 9, "{ok} + {more}");
}

fn the_count_is_the_operators_and_only_grows(c: &Client) {
    let s = provision(c, true);
    let path = shards_path(&s);
    let get = || c.api("GET", &path, OPERATOR, None).json();
    assert_eq!(get(), json!({"shards": 1, "max": 16}));
    // Tokens of the application's single object keep working after it grows.
    let mut b = Browser::new();
    let before = exchange(c, &s, &new_code(c, &s, &mut b)).json();
    let rt = before["refresh_token"].as_str().unwrap();
    assert_eq!(shard_of(rt, "rt_"), 0);
    assert!(!rt.contains('.'), "one shard: credentials as they always were");

    // Only the operator raises it; a key of the application cannot.
    let sk = c.create_key(&s.app_id, "sk")["key"].as_str().unwrap().to_owned();
    c.api("GET", &path, &sk, None).assert_status(200);
    c.api("PUT", &path, &sk, Some(&json!({"shards": 2}))).assert_error(403, "forbidden");
    // Another application's key sees nothing of it.
    let other = provision(c, true);
    let other_sk = c.create_key(&other.app_id, "sk")["key"].as_str().unwrap().to_owned();
    c.api("GET", &path, &other_sk, None).assert_error(404, "not_found");
    for bad in [json!({"shards": 0}), json!({"shards": 17}), json!({"shards": "2"}), json!({}), json!({"shards": 2, "more": 1}), json!([2])] {
        let r = c.api("PUT", &path, OPERATOR, Some(&bad));
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    assert_eq!(get()["shards"], 1, "nothing changed");

    c.api("PUT", &path, OPERATOR, Some(&json!({"shards": 2}))).assert_status(200);
    c.api("PUT", &path, OPERATOR, Some(&json!({"shards": 2}))).assert_status(200);
    c.api("PUT", &path, OPERATOR, Some(&json!({"shards": 1}))).assert_error(409, "conflict");
    assert_eq!(get()["shards"], 2);
    // The old family still rotates, in the home object.
    let next = refresh(c, &s, rt);
    next.assert_status(200);
    assert_eq!(shard_of(next.json()["refresh_token"].as_str().unwrap(), "rt_"), 0);
    // The change is in the audit log.
    // Both answered requests are in the audit log, with the count before
    // and after (newest first); the refused one is not.
    let changes = crate::audit::log(c, &s.app_id, "?type=tenant_shards.changed");
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert_eq!((&changes[1]["detail"]["before"]["shards"], &changes[1]["detail"]["after"]["shards"]), (&json!(1), &json!(2)), "{changes:#?}");
    // New codes reach both shards.
    let placed: BTreeSet<u8> = (0..30).map(|_| shard_of(&new_code(c, &s, &mut b), "ac_")).collect();
    assert_eq!(placed, BTreeSet::from([0, 1]));
}

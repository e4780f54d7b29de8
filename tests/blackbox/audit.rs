//! The audit log: every management change and authentication event once,
//! with the right actor, secrets redacted; filters, paging, NDJSON export;
//! the hash chain verified, signed checkpoints checkable with the
//! application's keys; and — on a server of its own, whose local D1 file
//! is edited while it is down — an edited entry, a deleted one and deleted
//! newest entries all caught, and retention sweeping old entries without
//! breaking the chain. Applications never see each other's logs.

use crate::dashboard_access::{dashboard_client, sign_up};
use crate::oidc::{code_flow, oidc_client, provision, Setup};
use crate::signup::{sign_in_as, sign_up_with};
use crate::{scratch_dir, Test};
use aero2_tests::browser::Browser;
use aero2_tests::{oidc_http, unique, Client, Server, OPERATOR};
use openidconnect::OAuth2TokenResponse;
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("every_change_and_sign_in_is_recorded_once_with_its_actor", every_change_and_sign_in_is_recorded_once_with_its_actor),
        ("the_log_is_filtered_paged_exported_and_kept_to_its_application", the_log_is_filtered_paged_exported_and_kept_to_its_application),
        ("an_intact_log_verifies_and_its_checkpoints_are_signed", an_intact_log_verifies_and_its_checkpoints_are_signed),
        ("edits_and_deletions_in_the_database_are_caught", edits_and_deletions_in_the_database_are_caught),
    ]
}

/// The entries of `app_id`'s log matching `query` (`?type=…`), newest first.
pub fn log(c: &Client, app_id: &str, query: &str) -> Vec<Value> {
    let r = c.api("GET", &format!("/applications/{app_id}/audit{query}"), OPERATOR, None);
    r.assert_status(200);
    r.json()["entries"].as_array().unwrap().clone()
}

/// The one entry of `kind` (fails unless there is exactly one).
#[track_caller]
fn only(c: &Client, app_id: &str, kind: &str) -> Value {
    let found = log(c, app_id, &format!("?type={kind}&limit=200"));
    assert_eq!(found.len(), 1, "{kind}: {found:#?}");
    found[0].clone()
}

fn client_body() -> Value {
    json!({"name": "Web", "token_endpoint_auth_method": "client_secret_basic", "redirect_uris": ["https://app.example.com/cb"]})
}

fn every_change_and_sign_in_is_recorded_once_with_its_actor(c: &Client) {
    let s = provision(c, true);
    let app = s.app_id.as_str();
    // A change by the operator: the new client, its secret redacted.
    let created = c.api("POST", &format!("/applications/{app}/clients"), OPERATOR, Some(&client_body())).json();
    let cid = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    let e = log(c, app, "?type=client.created").into_iter().find(|e| e["resource"] == format!("clients/{cid}")).unwrap();
    assert_eq!((e["actor"].as_str(), e["detail"]["before"].clone()), (Some("operator"), Value::Null));
    assert_eq!(e["detail"]["after"]["client_secret"], "[redacted]");
    assert!(!e.to_string().contains(secret), "no secret in the log");
    assert_eq!(e["request_id"].as_str().map(str::len), Some(32), "the request id it was answered with");

    // By a key: before and after.
    let key = c.create_key(app, "sk");
    let sk = key["key"].as_str().unwrap();
    let r = c.api("PATCH", &format!("/applications/{app}/clients/{cid}"), sk, Some(&json!({"name": "Renamed"})));
    r.assert_status(200);
    let e = only(c, app, "client.updated");
    assert_eq!(e["actor"], format!("key:{}", key["id"].as_str().unwrap()));
    assert_eq!((e["detail"]["before"]["name"].as_str(), e["detail"]["after"]["name"].as_str()), (Some("Web"), Some("Renamed")));
    assert_eq!(e["request_id"].as_str(), r.header("x-request-id"));
    let api_key = only(c, app, "api_key.created");
    assert_eq!(api_key["detail"]["after"]["key"], "[redacted]");
    assert!(!api_key.to_string().contains(sk));

    // Sign-ins: a success, a failure with its reason, a sign-up.
    let oidc = oidc_client(c, &s);
    let (tokens, _) = code_flow(c, &s, &oidc, &mut Browser::new());
    let ok = only(c, app, "signin.succeeded");
    assert_eq!((ok["actor"].as_str(), ok["user_id"].as_str()), (Some(format!("user:{}", s.user_id).as_str()), Some(s.user_id.as_str())));
    assert_eq!(ok["detail"]["amr"], json!(["pwd"]));
    assert_eq!(sign_in_as(c, &s, &s.email, "not the password").status, 401);
    let failed = only(c, app, "signin.failed");
    assert_eq!((failed["actor"].as_str(), failed["detail"]["reason"].as_str(), failed["user_id"].as_str()), (Some("anonymous"), Some("wrong_password"), Some(s.user_id.as_str())));
    let newcomer = format!("{}@example.com", unique("new"));
    assert_eq!(sign_up_with(c, &s, &newcomer, "another long password").status, 303);
    let signup = only(c, app, "signup");
    assert_eq!(signup["detail"]["method"], "password");

    // A refresh token replayed: the reuse is recorded, once.
    let http = oidc_http(c);
    let rt = tokens.refresh_token().unwrap().clone();
    let next = oidc.exchange_refresh_token(&rt).unwrap().request(&http).expect("refresh");
    oidc.exchange_refresh_token(next.refresh_token().unwrap()).unwrap().request(&http).expect("refresh again");
    assert!(oidc.exchange_refresh_token(&rt).unwrap().request(&http).is_err());
    let reuse = only(c, app, "token.reuse_detected");
    assert_eq!((reuse["actor"].as_str(), reuse["user_id"].as_str()), (Some(format!("client:{}", s.client_id).as_str()), Some(s.user_id.as_str())));

    // Lockout: the failure that locks is followed by one user.locked.
    c.api("PATCH", &format!("/applications/{app}"), OPERATOR, Some(&json!({"settings": {"lockout": {"max_failures": 2, "window_seconds": 600, "lock_seconds": 60}}}))).assert_status(200);
    for _ in 0..2 {
        assert_eq!(sign_in_as(c, &s, &newcomer, "wrong").status, 401);
    }
    assert_eq!(sign_in_as(c, &s, &newcomer, "wrong").status, 429, "the attempt past the limit locks");
    assert_eq!(sign_in_as(c, &s, &newcomer, "wrong").status, 429);
    assert_eq!(only(c, app, "user.locked")["detail"]["email"], newcomer.as_str(), "said once, when it locked");
    let reasons: Vec<String> = log(c, app, "?type=signin.failed").iter().map(|e| e["detail"]["reason"].as_str().unwrap().to_owned()).collect();
    assert_eq!(reasons, ["locked", "locked", "wrong_password", "wrong_password", "wrong_password"], "newest first");

    // Disabling a user is said as such.
    c.api("PATCH", &format!("/applications/{app}/users/{}", s.user_id), OPERATOR, Some(&json!({"disabled": true}))).assert_status(200);
    assert_eq!(only(c, app, "user.disabled")["user_id"], s.user_id.as_str());

    // A Dashboard user's change: actor user:…, in the log of the
    // application they created (which starts with its creation).
    let dev = sign_up(c, &dashboard_client(c));
    let mine = c.api("POST", "/applications", &dev.access_token, Some(&json!({"slug": unique("audited"), "name": "A"}))).json()["id"].as_str().unwrap().to_owned();
    c.api("POST", &format!("/applications/{mine}/clients"), &dev.access_token, Some(&client_body())).assert_status(201);
    let theirs = log(c, &mine, "");
    let kinds: Vec<&str> = theirs.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["client.created", "application.created"]);
    assert!(theirs.iter().all(|e| e["actor"] == format!("user:{}", dev.user_id)));
    assert_eq!(theirs[1]["seq"], 1);
    // Its deletion goes to the Dashboard's log.
    c.api("DELETE", &format!("/applications/{mine}"), &dev.access_token, None).assert_status(204);
    let gone = log(c, "app_dashboard", "?type=application.deleted&limit=200");
    assert!(gone.iter().any(|e| e["resource"] == format!("applications/{mine}") && e["actor"] == format!("user:{}", dev.user_id)));
}

fn the_log_is_filtered_paged_exported_and_kept_to_its_application(c: &Client) {
    let s: Setup = provision(c, true);
    let app = s.app_id.as_str();
    for _ in 0..3 {
        c.api("POST", &format!("/applications/{app}/clients"), OPERATOR, Some(&client_body())).assert_status(201);
    }
    let all = log(c, app, "?limit=200");
    let total = all.len();
    assert!(total >= 6, "two clients and a user from provisioning, three more: {total}");
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=total as u64).rev().collect::<Vec<_>>(), "numbered from 1, newest first, no gaps");
    // Paging with the cursor.
    let first = c.api("GET", &format!("/applications/{app}/audit?limit=2"), OPERATOR, None).json();
    assert_eq!(first["entries"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = log(c, app, &format!("?limit=2&cursor={cursor}"));
    assert_eq!(second[0]["seq"].as_u64().unwrap(), seqs[2]);
    // Filters.
    assert_eq!(log(c, app, "?type=client.created").len(), 5);
    assert_eq!(log(c, app, "?type=user.created")[0]["user_id"], s.user_id.as_str(), "the user it created");
    assert_eq!(log(c, app, &format!("?user_id={}", s.user_id)).len(), 1);
    assert_eq!(log(c, app, "?actor=operator&limit=200").len(), total);
    let later = all[0]["at"].as_i64().unwrap() + 1;
    assert!(log(c, app, &format!("?since={later}")).is_empty());
    assert_eq!(log(c, app, &format!("?until={later}&limit=200")).len(), total);
    for bad in ["?limit=0", "?limit=500", "?since=yesterday", "?colour=blue"] {
        c.api("GET", &format!("/applications/{app}/audit{bad}"), OPERATOR, None).assert_error(400, "invalid_request");
    }
    // Export: NDJSON, oldest first, paged by Link.
    let r = c.api("GET", &format!("/applications/{app}/audit/export?limit=4"), OPERATOR, None);
    r.assert_status(200);
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<Value> = r.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let next = r.header("link").unwrap();
    assert!(next.contains("cursor=4") && next.ends_with("rel=\"next\""), "{next}");
    let rest = c.api("GET", &format!("/applications/{app}/audit/export?cursor=4"), OPERATOR, None);
    assert_eq!(rest.body.lines().count(), total - 4);
    assert!(rest.header("link").is_none());

    // Another application's key sees none of it; its own log has none of it.
    let other = c.create_app(&unique("elsewhere"))["id"].as_str().unwrap().to_owned();
    let other_key = c.create_key(&other, "sk")["key"].as_str().unwrap().to_owned();
    for path in ["audit", "audit/export", "audit/verify", "audit/checkpoints"] {
        c.api("GET", &format!("/applications/{app}/{path}"), &other_key, None).assert_error(404, "not_found");
    }
    let own = c.api("GET", &format!("/applications/{other}/audit?limit=200"), &other_key, None).json();
    assert!(own["entries"].as_array().unwrap().iter().all(|e| !e.to_string().contains(app)));
}

fn an_intact_log_verifies_and_its_checkpoints_are_signed(c: &Client) {
    let s = provision(c, true);
    let app = s.app_id.as_str();
    let v = c.api("GET", &format!("/applications/{app}/audit/verify"), OPERATOR, None).json();
    assert_eq!((v["ok"].as_bool(), v["first_broken"].clone()), (Some(true), Value::Null), "{v}");
    let total = log(c, app, "?limit=200").len() as u64;
    assert_eq!((v["checked"].as_u64(), v["head"]["seq"].as_u64(), v["anchor"]["seq"].as_u64()), (Some(total), Some(total), Some(0)));

    let r = c.api("POST", &format!("/applications/{app}/audit/checkpoints"), OPERATOR, None);
    r.assert_status(201);
    let cp = r.json();
    // The checkpoint's own request is an entry too, after the head it signed.
    assert_eq!(cp["seq"].as_u64(), Some(total));
    let jws = cp["jws"].as_str().unwrap();
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(c.get(&s.slug, "/.well-known/jwks.json").json()).unwrap();
    let header = jsonwebtoken::decode_header(jws).unwrap();
    assert_eq!(header.typ.as_deref(), Some("aero2-audit-checkpoint+jwt"));
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_required_spec_claims::<&str>(&[]);
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(jws, &key, &validation).expect("signed by the application's key").claims;
    assert_eq!((claims["app_id"].as_str(), claims["seq"].as_u64(), claims["hash"].as_str()), (Some(app), Some(total), cp["hash"].as_str()));
    let listed = c.api("GET", &format!("/applications/{app}/audit/checkpoints"), OPERATOR, None).json();
    assert_eq!(listed["checkpoints"][0]["jws"], jws);
    let after = c.api("GET", &format!("/applications/{app}/audit/verify"), OPERATOR, None).json();
    assert_eq!((after["ok"].as_bool(), after["checkpoint"]["seq"].as_u64()), (Some(true), Some(total)));
    // Each entry names the one before it.
    let entries = log(c, app, "?limit=200");
    assert_eq!(entries[0]["type"], "audit.checkpoint");
    assert!(entries.windows(2).all(|w| w[0]["prev_hash"] == w[1]["hash"]));
}

fn edits_and_deletions_in_the_database_are_caught(_: &Client) {
    // A "day" of retention is 4 s on this server.
    let mut server = Server::start_with(&scratch_dir("audit"), &[("AERO2_AUDIT_DAY_MS", "4000")]);
    let c = server.client();
    let app = |slug: &str| c.create_app(&unique(slug))["id"].as_str().unwrap().to_owned();
    let (edited, truncated, holed, swept) = (app("edited"), app("truncated"), app("holed"), app("swept"));
    for id in [&edited, &truncated, &holed] {
        for _ in 0..4 {
            c.api("POST", &format!("/applications/{id}/clients"), OPERATOR, Some(&client_body())).assert_status(201);
        }
    }
    let verify = |c: &Client, id: &str| c.api("GET", &format!("/applications/{id}/audit/verify"), OPERATOR, None).json();
    for id in [&edited, &truncated, &holed] {
        assert_eq!(verify(&c, id)["ok"], true);
    }

    // Retention: one day kept; what is older goes, and the chain still verifies.
    c.api("PATCH", &format!("/applications/{swept}"), OPERATOR, Some(&json!({"settings": {"audit_retention_days": 1}}))).assert_status(200);
    c.api("POST", &format!("/applications/{swept}/clients"), OPERATOR, Some(&client_body())).assert_status(201);
    std::thread::sleep(std::time::Duration::from_millis(5_000));
    // A fresh connection: the runtime closes keep-alive connections idle
    // about this long, and a POST sent on one it is closing fails (ureq
    // retries only idempotent requests on a stale connection).
    let c = server.client();
    c.api("POST", &format!("/applications/{swept}/clients"), OPERATOR, Some(&client_body())).assert_status(201);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let kept = loop {
        let kept = log(&c, &swept, "?limit=200");
        if kept.len() == 1 || std::time::Instant::now() > deadline {
            break kept;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    assert_eq!(kept.len(), 1, "only the newest entry is younger than a day: {kept:#?}");
    let v = verify(&c, &swept);
    assert_eq!((v["ok"].as_bool(), v["anchor"]["seq"].as_u64(), v["checked"].as_u64()), (Some(true), Some(3), Some(1)), "{v}");

    // Someone with the database file: an entry changed, the newest two
    // deleted, one deleted in the middle.
    server.edit_d1_offline(&format!(
        "UPDATE audit_log SET actor = 'nobody' WHERE app_id = '{edited}' AND seq = 2; \
         DELETE FROM audit_log WHERE app_id = '{truncated}' AND seq >= 4; \
         DELETE FROM audit_log WHERE app_id = '{holed}' AND seq = 3;"
    ));
    let c = server.client();
    let broken = |id: &str| {
        let v = verify(&c, id);
        assert_eq!(v["ok"], false, "{v}");
        (v["first_broken"]["seq"].as_u64().unwrap(), v["first_broken"]["reason"].as_str().unwrap().to_owned())
    };
    let (seq, why) = broken(&edited);
    assert_eq!(seq, 2);
    assert!(why.contains("changed"), "{why}");
    let (seq, why) = broken(&truncated);
    assert_eq!(seq, 4);
    assert!(why.contains("4 to 5 are missing"), "{why}");
    let (seq, why) = broken(&holed);
    assert_eq!(seq, 3);
    assert!(why.contains("missing"), "{why}");
    // The intact one still verifies.
    assert_eq!(verify(&c, &swept)["ok"], true);
}

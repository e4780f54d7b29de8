//! The OpenAPI document (`aero2_core::openapi`) as served: on the
//! Dashboard's host only; valid by Redocly's strict rules (examples checked
//! against their schemas); drawn by the API reference in Chromium; every
//! request example in it accepted by a live instance; and schemathesis
//! (PyPI) fuzzing a fresh instance from it finds no server error and no
//! answer that does not match the document.

use crate::dashboard_access::{dashboard_client, made_by_the_operator};
use crate::oidc::{provision, PASSWORD};
use crate::security::{account, tokens};
use crate::{scratch_dir, Test};
use aero2_tests::browser::Browser;
use aero2_tests::{repo_root, Client, Server, OPERATOR};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

pub fn tests() -> Vec<Test> {
    vec![
        ("the_document_is_served_on_the_dashboard_host_only", the_document_is_served_on_the_dashboard_host_only),
        ("the_document_passes_redocly_lint", the_document_passes_redocly_lint),
        ("the_api_reference_in_chromium", the_api_reference_in_chromium),
        ("every_request_example_is_accepted", every_request_example_is_accepted),
        ("schemathesis_finds_no_server_error_and_no_undocumented_answer", schemathesis_finds_no_server_error_and_no_undocumented_answer),
    ]
}

const PATH: &str = "/api/v1/openapi.json";

fn document(c: &Client) -> Value {
    let r = c.get("dashboard", PATH);
    r.assert_status(200);
    r.json()
}

/// The document as a file under target/openapi, for the tools that read one.
fn document_file(c: &Client, name: &str) -> std::path::PathBuf {
    let dir = repo_root().join("target/openapi");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_string_pretty(&document(c)).unwrap()).unwrap();
    file
}

fn the_document_is_served_on_the_dashboard_host_only(c: &Client) {
    let r = c.get("dashboard", PATH);
    r.assert_status(200);
    assert!(r.header("content-type").is_some_and(|t| t.starts_with("application/json")));
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    assert!(r.header("content-security-policy").is_some(), "the usual headers");
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], format!("http://dashboard.localhost:{}", c.port()));
    assert_eq!(doc["servers"][1]["url"], format!("http://{{application}}.localhost:{}", c.port()));
    for (path, method) in [("/api/v1/applications", "post"), ("/oauth2/token", "post"), ("/account/profile", "get"), ("/rp/callback/{idp}", "get")] {
        assert!(doc["paths"][path][method]["operationId"].is_string(), "{method} {path}");
    }
    let head = c.send("HEAD", "dashboard", PATH, &[], None);
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    // Not a resource of the management API: no other method, and not on
    // an application's host.
    let post = c.send("POST", "dashboard", PATH, &[("content-type", "application/json"), ("authorization", &format!("Bearer {OPERATOR}"))], Some("{}"));
    post.assert_error(404, "not_found");
    let app = c.create_app(&aero2_tests::unique("oas"));
    assert_eq!(c.get(app["slug"].as_str().unwrap(), PATH).status, 404);
}

fn node() -> Command {
    Command::new(repo_root().join("node_modules/.bin/node"))
}

fn run(mut cmd: Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{what} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn the_document_passes_redocly_lint(c: &Client) {
    let file = document_file(c, "openapi.json");
    let root = repo_root();
    let mut cmd = node();
    cmd.arg(root.join("node_modules/@redocly/cli/bin/cli.js"))
        .args(["lint", "--format", "stylish", "--max-problems", "500", "--config"])
        .arg(root.join("tests/openapi/redocly.yaml"))
        .arg(&file)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .env("NO_COLOR", "1");
    let out = run(cmd, "redocly lint");
    assert!(!out.contains(" warning "), "warnings:\n{out}");
}

fn the_api_reference_in_chromium(c: &Client) {
    let root = repo_root();
    let mut cmd = node();
    cmd.arg(root.join("tests/ui/api-reference.mjs"))
        .env("AERO2_PORT", c.port().to_string())
        .env("AERO2_ARTIFACTS", root.join("target/ui-artifacts/api-reference"));
    let out = run(cmd, "the API reference in Chromium");
    assert!(out.contains("api reference: ok"), "{out}");
}

/// One operation of the document with a JSON request example.
struct Example {
    path: String,
    method: String,
    body: Value,
    /// The first 2xx the document names.
    status: u16,
}

fn examples(doc: &Value, prefix: &str) -> Vec<Example> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with(prefix) {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let Some(body) = op["requestBody"]["content"]["application/json"].get("example") else { continue };
            let status = op["responses"].as_object().unwrap().keys().filter_map(|s| s.parse::<u16>().ok()).find(|s| (200..300).contains(s));
            out.push(Example { path: path.clone(), method: method.to_uppercase(), body: body.clone(), status: status.unwrap_or(200) });
        }
    }
    // Creating before changing, changing before taking away.
    let rank = |m: &str| ["POST", "PUT", "PATCH", "DELETE"].iter().position(|x| *x == m).unwrap_or(9);
    out.sort_by_key(|e| rank(&e.method));
    out
}

/// `{name}` → the captured value, in a path or anywhere in a body.
fn fill(text: &str, ids: &BTreeMap<String, String>) -> Option<String> {
    let mut out = text.to_owned();
    for (name, value) in ids {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    // A placeholder still there (`{` lowercase-or-underscore `}`): not yet known.
    let unknown = out.match_indices('{').any(|(i, _)| {
        let rest = &out[i + 1..];
        rest.find('}').is_some_and(|j| j > 0 && rest[..j].bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    });
    (!unknown).then_some(out)
}

/// The item path below a create's collection (`…/clients` →
/// `…/clients/{client_id}`, and `…/factors/totp` → `…/factors/{factor_id}`
/// for a kind of item made at a path of its own), if `e` is a create.
fn item_of<'d>(doc: &'d Value, e: &Example) -> Option<&'d String> {
    if e.method != "POST" {
        return None;
    }
    let below = |collection: &str| {
        doc["paths"].as_object().unwrap().keys().find(|p| {
            p.strip_prefix(collection).is_some_and(|rest| rest.starts_with("/{") && rest.ends_with('}') && rest.matches('/').count() == 1)
        })
    };
    let parent = e.path.rsplit_once('/').filter(|(_, last)| !last.starts_with('{')).map(|(parent, _)| parent);
    below(&e.path).or_else(|| parent.and_then(below))
}

/// Sends every example whose placeholders are known: first the creates,
/// over and over until none is left or none can be sent (a create's
/// answer supplies the id of the item path below it), then the rest in
/// the same way. Returns what could never be sent.
fn send_all(doc: &Value, list: Vec<Example>, ids: &mut BTreeMap<String, String>, send: impl Fn(&str, &str, &str) -> aero2_tests::Resp) -> Vec<String> {
    let (creates, rest): (Vec<Example>, Vec<Example>) = list.into_iter().partition(|e| item_of(doc, e).is_some());
    let mut unsent = Vec::new();
    for mut left in [creates, rest] {
        loop {
            let before = left.len();
            let mut still = Vec::new();
            for e in left {
                let (Some(path), Some(body)) = (fill(&e.path, ids), fill(&e.body.to_string(), ids)) else {
                    still.push(e);
                    continue;
                };
                let r = send(&e.method, &path, &body);
                assert_eq!(r.status, e.status, "{} {} with its example {body}: {}", e.method, e.path, r.body);
                // A password change: `{password}` is the new one from now on.
                if let Some(new) = e.body["new_password"].as_str().filter(|_| ids.contains_key("password")) {
                    ids.insert("password".to_owned(), new.to_owned());
                }
                if let (Some(item), Ok(made)) = (item_of(doc, &e), serde_json::from_str::<Value>(&r.body)) {
                    let name = item.rsplit('/').next().unwrap().trim_matches(|c| c == '{' || c == '}').to_owned();
                    let id = [name.as_str(), "id", "hostname", "domain"].iter().find_map(|k| made[*k].as_str().map(str::to_owned));
                    if let Some(id) = id {
                        ids.entry(name).or_insert(id);
                    }
                }
            }
            if still.is_empty() || still.len() == before {
                unsent.extend(still.into_iter().map(|e| format!("{} {} {}", e.method, e.path, e.body)));
                break;
            }
            left = still;
        }
    }
    unsent
}

/// Examples the runner does not send, and why. Anything else with an
/// example must be sent and accepted.
const NOT_SENT: &[(&str, &str, &str)] = &[
    ("PATCH", "/api/v1/teams/{team_id}/members/{user_id}", "needs a second member, who joins by a mailed link (tests/blackbox/teams.rs)"),
    ("POST", "/api/v1/teams/{team_id}/transfer", "needs a second member, who joins by a mailed link (tests/blackbox/teams.rs)"),
    ("POST", "/account/factors/{factor_id}/confirm", "needs the authenticator's current code (tests/blackbox/mfa.rs)"),
    ("POST", "/account/recovery-codes", "needs a confirmed second factor (tests/blackbox/mfa.rs)"),
    ("PATCH", "/account/organizations/{org_id}/members/{user_id}", "needs an organization the user administers (tests/blackbox/organizations.rs)"),
    ("POST", "/account/organizations/{org_id}/invitations", "needs an organization the user administers (tests/blackbox/organizations.rs)"),
    ("POST", "/api/v1/applications/{application_id}/signing-keys/move", "makes the rotation example wait hours (409) (tests/blackbox/signer_shards.rs)"),
];

fn without_not_sent(list: Vec<Example>) -> Vec<Example> {
    list.into_iter().filter(|e| !NOT_SENT.iter().any(|(m, p, _)| *m == e.method && *p == e.path)).collect()
}

fn every_request_example_is_accepted(c: &Client) {
    let doc = document(c);
    let json_headers = |token: &str| vec![("authorization".to_owned(), format!("Bearer {token}")), ("content-type".to_owned(), "application/json".to_owned())];
    let send_as = |token: String| {
        let headers = json_headers(&token);
        move |method: &str, path: &str, body: &str| {
            let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            c.send(method, "dashboard", path, &h, Some(body))
        }
    };
    // The management API's applications, as the operator.
    let mut ids = BTreeMap::new();
    let applications = examples(&doc, "/api/v1/applications");
    assert!(applications.len() > 25, "only {} examples", applications.len());
    let unsent = send_all(&doc, without_not_sent(applications), &mut ids, send_as(OPERATOR.to_owned()));
    assert!(unsent.is_empty(), "examples whose ids nothing made: {unsent:#?}\nmade: {ids:#?}");
    // Developer Teams, as a developer (the operator may not own a team).
    let developer = made_by_the_operator(c, &dashboard_client(c));
    let mut ids = BTreeMap::new();
    let unsent = send_all(&doc, without_not_sent(examples(&doc, "/api/v1/teams")), &mut ids, send_as(developer.access_token.clone()));
    assert!(unsent.is_empty(), "team examples whose ids nothing made: {unsent:#?}\nmade: {ids:#?}");
    for (method, path, _) in NOT_SENT {
        assert!(doc["paths"][*path][method.to_lowercase()]["requestBody"].is_object(), "{method} {path} is no longer an example to skip");
    }
    // The account API, as a signed-in user with an account token.
    let s = provision(c, true);
    // Phones of the example's country may be texted (none by default).
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&serde_json::json!({"settings": {"sms_countries": ["1"]}}))).assert_status(200);
    let mut b = Browser::new();
    let t = tokens(c, &s, &mut b, (&s.client_id, &s.client_secret), "openid profile email offline_access account");
    let token = t["access_token"].as_str().unwrap().to_owned();
    let mut ids = BTreeMap::from([("password".to_owned(), PASSWORD.to_owned())]);
    let account_examples = without_not_sent(examples(&doc, "/account/"));
    assert!(!account_examples.is_empty());
    let unsent = send_all(&doc, account_examples, &mut ids, |method, path, body| {
        account(c, &s, method, path, &token, Some(serde_json::from_str(body).unwrap()))
    });
    assert!(unsent.is_empty(), "account examples whose ids nothing made: {unsent:#?}");
}

/// A fresh instance of its own (the fuzzer signs in wrongly, creates and
/// deletes at random: nothing another test relies on may be near it).
fn schemathesis_finds_no_server_error_and_no_undocumented_answer(_shared: &Client) {
    let server = Server::start(&scratch_dir("schemathesis"));
    let c = server.client();
    let file = document_file(&c, "openapi-fuzzed.json");
    let root = repo_root();
    let report = root.join("target/openapi/schemathesis");
    let _ = std::fs::remove_dir_all(&report);
    let mut cmd = Command::new(root.join("target/venv/bin/schemathesis"));
    cmd.arg("run")
        .arg(&file)
        .args(["--url", &format!("http://127.0.0.1:{}", c.port())])
        .args(["-H", &format!("Host: dashboard.localhost:{}", c.port())])
        .args(["-H", &format!("Authorization: Bearer {OPERATOR}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "6",
            "--workers",
            "2",
            "--seed",
            "20261128",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
        ])
        .arg(&report)
        .current_dir(root.join("target/openapi"))
        .env("NO_COLOR", "1");
    let out = cmd.output().expect("run schemathesis (scripts/setup.sh installs it in target/venv)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{}\n{}\n--- server log ---\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr),
        server.log_tail()
    );
    println!("{}", stdout.lines().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n"));
}

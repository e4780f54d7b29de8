use super::*;
use crate::routes::{route, Routed};
use std::collections::BTreeSet;

fn doc() -> Value {
    document("https://dashboard.example.com", "example.com")
}

/// Every operation: path, method and the operation object.
fn operations(doc: &Value) -> Vec<(String, String, Map<String, Value>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            out.push((path.clone(), method.clone(), op.as_object().cloned().unwrap_or_default()));
        }
    }
    out
}

#[test]
fn every_route_is_described_and_nothing_else() {
    let doc = doc();
    let ops = operations(&doc);
    let missing: Vec<String> = ops
        .iter()
        .filter(|(_, _, op)| op.get("description").and_then(Value::as_str) == Some(MISSING))
        .map(|(p, m, _)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(missing.is_empty(), "no description for {} operations: {missing:#?}", missing.len());
    // Both ways: each operation of the document is routed with its
    // method, and the tables have exactly as many operations.
    for (path, method, _) in &ops {
        let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        let found = match routes::Surface::of(&concrete) {
            routes::Surface::Management => matches!(route(routes::management::TABLE, &method.to_uppercase(), &concrete), Routed::Found(_)),
            routes::Surface::Account => matches!(route(routes::account::TABLE, &method.to_uppercase(), &concrete), Routed::Found(_)),
            routes::Surface::Rp => matches!(route(routes::rp::TABLE, &method.to_uppercase(), &concrete), Routed::Found(_)),
            routes::Surface::Op => matches!(route(routes::op::TABLE, &method.to_uppercase(), &concrete), Routed::Found(_)),
        };
        assert!(found, "{method} {path} is in the document but not routed");
    }
    let in_tables = routes::management::TABLE.iter().map(|r| r.methods.len()).sum::<usize>()
        + routes::account::TABLE.iter().map(|r| r.methods.len()).sum::<usize>()
        + routes::op::TABLE.iter().map(|r| r.methods.len()).sum::<usize>()
        + routes::rp::TABLE.iter().map(|r| r.methods.len()).sum::<usize>();
    assert_eq!(ops.len(), in_tables);
    // One path per row: the operations of a row name its parameters alike.
    let rows = routes::management::TABLE.len() + routes::account::TABLE.len() + routes::op::TABLE.len() + routes::rp::TABLE.len();
    assert_eq!(doc["paths"].as_object().map_or(0, Map::len), rows, "a row's operations name their parameters differently");
}

#[test]
fn path_parameters_are_named_once_each() {
    for (path, method, op) in operations(&doc()) {
        assert!(!path.contains("{?}"), "{method} {path}: fewer names than parameters");
        let in_path: BTreeSet<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        let declared: Vec<&str> = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(declared.len(), in_path.len(), "{method} {path}: {declared:?}");
        assert_eq!(declared.iter().copied().collect::<BTreeSet<_>>(), in_path, "{method} {path}");
    }
}

#[test]
fn operation_ids_are_unique_and_every_operation_succeeds_somehow() {
    let mut seen = BTreeSet::new();
    for (path, method, op) in operations(&doc()) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        assert!(seen.insert(id.clone()), "{id} twice");
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        assert!(
            responses.keys().any(|s| s.starts_with('2') || s.starts_with('3')),
            "{method} {path}: no success answer"
        );
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path}: no summary");
    }
}

#[test]
fn every_json_body_has_an_example() {
    for (path, method, op) in operations(&doc()) {
        let Some(json_body) = op.get("requestBody").and_then(|b| b["content"].get("application/json")) else { continue };
        assert!(json_body.get("example").is_some(), "{method} {path}: a JSON body without an example");
    }
}

#[test]
fn every_reference_is_defined_and_every_schema_used() {
    let doc = doc();
    let text = doc.to_string();
    let mut used = BTreeSet::new();
    for piece in text.split("\"$ref\":\"#/components/").skip(1) {
        let target = piece.split('"').next().unwrap_or_default();
        let (kind, name) = target.split_once('/').unwrap_or_default();
        assert!(doc["components"][kind].get(name).is_some(), "#/components/{target} is not defined");
        used.insert(target.to_owned());
    }
    for name in doc["components"]["schemas"].as_object().into_iter().flatten().map(|(k, _)| k) {
        assert!(used.contains(&format!("schemas/{name}")), "schema {name} is never used");
    }
}

#[test]
fn the_servers_follow_the_deployment() {
    let d = document("http://dashboard.localhost:8787", "localhost");
    assert_eq!(d["servers"][0]["url"], "http://dashboard.localhost:8787");
    assert_eq!(d["servers"][1]["url"], "http://{application}.localhost:8787");
    assert_eq!(doc()["servers"][1]["url"], "https://{application}.example.com");
    assert_eq!(d["openapi"], "3.1.0");
}

#[test]
fn operation_ids_read_well() {
    assert_eq!(operation_id("", "ListApplications"), "listApplications");
    assert_eq!(operation_id("", "Authorize(Query)"), "authorize");
    assert_eq!(operation_id("", "Authorize(Form)"), "authorizePost");
    assert_eq!(operation_id("account", "Profile"), "accountProfile");
}

/// `packages/node` generates its typed management client from this
/// document; the copy it carries must be the current one.
#[test]
fn the_packaged_document_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../packages/node/openapi.json");
    let want = serde_json::to_string_pretty(&doc()).unwrap_or_default() + "\n";
    if std::env::var_os("AERO2_WRITE_OPENAPI").is_some() {
        std::fs::write(path, &want).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let got = std::fs::read_to_string(path).unwrap_or_default();
    assert!(got == want, "packages/node/openapi.json is stale: run `AERO2_WRITE_OPENAPI=1 cargo test -p aero2-core openapi`");
}

//! The route tables against what the project documents: the discovery
//! document, `docs/op-api.md` and the README's API tables. A documented
//! path that is not routed, a method documented but not taken (or taken
//! but not documented), and a route no document mentions all fail here.

use super::{account, management, op, route, rp, Method, Routed, Row, Surface};
use std::collections::{BTreeMap, BTreeSet};

const OP_API: &str = include_str!("../../../../docs/op-api.md");
const README: &str = include_str!("../../../../README.md");

/// The methods each surface's table takes at `path` (without the implied
/// `HEAD`), or `None` if no row matches.
fn allowed(path: &str) -> Option<BTreeSet<&'static str>> {
    fn of<E: Copy>(table: &'static [Row<E>], path: &str) -> Option<BTreeSet<&'static str>> {
        match route(table, "OPTIONS", path) {
            Routed::NotFound => None,
            Routed::WrongMethod { allow } => {
                Some(allow.split(", ").filter(|m| *m != "HEAD").map(|m| Method::parse(m).map_or("?", Method::as_str)).collect())
            }
            Routed::Found(_) => Some(BTreeSet::from(["OPTIONS"])),
        }
    }
    match Surface::of(path) {
        Surface::Management => of(management::TABLE, path),
        Surface::Account => of(account::TABLE, path),
        Surface::Rp => of(rp::TABLE, path),
        Surface::Op => of(op::TABLE, path),
    }
}

/// Every `| … | … |` row of `doc` that has a cell of methods and a cell
/// of backticked paths: each path (its `{placeholders}` made concrete)
/// with the methods the row names.
fn rows(doc: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let is_methods = |c: &&&str| !c.is_empty() && c.split(", ").all(|m| Method::parse(m).is_some());
        let Some(methods) = cells.iter().find(is_methods) else { continue };
        let Some(paths) = cells.iter().find(|c| c.starts_with("`/")) else { continue };
        let methods: Vec<String> = methods.split(", ").map(str::to_owned).collect();
        for path in paths.split(", ").map(|p| p.trim_matches('`')) {
            out.push((concrete(path), methods.clone()));
        }
    }
    out
}

/// `{anything}` → `x`.
fn concrete(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') && s.ends_with('}') { "x" } else { s }).collect::<Vec<_>>().join("/")
}

fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let mut all: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, methods) in rows(OP_API).into_iter().chain(rows(README)) {
        all.entry(path).or_default().extend(methods);
    }
    all
}

#[test]
fn the_documents_name_what_is_routed_exactly() {
    let docs = documented();
    assert!(docs.len() > 40, "the parser found only {} paths", docs.len());
    for (path, methods) in &docs {
        let Some(taken) = allowed(path) else { panic!("documented but not routed: {path}") };
        let taken: BTreeSet<String> = taken.into_iter().map(str::to_owned).collect();
        assert_eq!(&taken, methods, "{path}: the table takes {taken:?}, the documents say {methods:?}");
    }
}

#[test]
fn every_route_is_documented() {
    let docs = documented();
    let tables: [(&str, Vec<&str>); 4] = [
        ("op", op::TABLE.iter().map(|r| r.path).collect()),
        ("account", account::TABLE.iter().map(|r| r.path).collect()),
        ("rp", rp::TABLE.iter().map(|r| r.path).collect()),
        ("management", management::TABLE.iter().map(|r| r.path).collect()),
    ];
    for (surface, paths) in tables {
        for pattern in paths {
            let path = pattern.replace("{}", "x");
            assert!(docs.contains_key(&path), "{surface} route {pattern} is in no document");
        }
    }
}

#[test]
fn every_endpoint_in_the_discovery_document_is_routed() {
    let issuer = "https://app.example";
    let doc = crate::oauth::discovery::metadata(issuer);
    let mut seen = 0;
    for (key, value) in doc.as_object().into_iter().flatten() {
        let Some(url) = value.as_str() else { continue };
        if key == "issuer" {
            continue;
        }
        let Some(path) = url.strip_prefix(issuer) else { continue };
        let Some(taken) = allowed(path) else { panic!("{key} = {url} is not routed") };
        let wants = if key == "token_endpoint" || key.starts_with("revocation") || key.starts_with("introspection") { "POST" } else { "GET" };
        assert!(taken.contains(wants), "{key}: {path} takes {taken:?}, not {wants}");
        seen += 1;
    }
    assert_eq!(seen, 7, "authorization, token, userinfo, jwks, revocation, introspection, end_session, and nothing missed");
}

#[test]
fn head_is_answered_wherever_get_is() {
    fn check<E: Copy>(table: &'static [Row<E>]) {
        for row in table {
            let path = row.path.replace("{}", "x");
            let has_get = row.methods.iter().any(|(m, _)| *m == Method::Get);
            match route(table, "HEAD", &path) {
                Routed::Found(f) => assert!(has_get && f.head && f.method == Method::Get, "{path}"),
                Routed::WrongMethod { allow } => assert!(!has_get && !allow.contains("HEAD"), "{path}"),
                Routed::NotFound => panic!("{path}"),
            }
        }
    }
    check(op::TABLE);
    check(account::TABLE);
    check(rp::TABLE);
    check(management::TABLE);
}

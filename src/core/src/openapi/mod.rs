//! The OpenAPI 3.1 description of everything Aero2 serves: the management
//! API, the account API, the OP's endpoints and hosted pages, and upstream
//! sign-in. Served at [`PATH`] on the Dashboard's host.
//!
//! The document is built from the route tables themselves
//! (`crate::routes`): every row's every method becomes one operation, its
//! path the row's pattern with the parameters named. What each operation
//! takes and answers is written beside it, in one `describe` per surface,
//! each an exhaustive `match` on that surface's `Endpoint`: a route added to
//! a table without a description does not compile, and the document cannot
//! name a route that no table has. The tests below check the rest (every
//! parameter named, every `$ref` defined, operation ids unique).

mod access;
mod account;
mod management;
mod op;
mod schemas;
mod shapes;

use crate::routes::{self, Method, Row};
use serde_json::{json, Map, Value};

/// The description of `Op::missing`.
const MISSING: &str = "x-aero2-missing";

/// Where the document is served (on the Dashboard's host).
pub const PATH: &str = "/api/v1/openapi.json";

/// The document, for a deployment whose Dashboard answers at
/// `dashboard_origin` and whose applications live under `platform_domain`.
#[must_use]
pub fn document(dashboard_origin: &str, platform_domain: &str) -> Value {
    let mut paths = Map::new();
    add(&mut paths, routes::management::TABLE, "", &["management"], management::describe);
    add(&mut paths, routes::account::TABLE, "account", &["account"], account::describe);
    add(&mut paths, routes::op::TABLE, "", &[], op::describe);
    add(&mut paths, routes::rp::TABLE, "rp", &[], op::describe_rp);
    let text = Value::Object(paths.clone()).to_string();
    // An application's host: the Dashboard's scheme and port, its own name.
    let (scheme, rest) = dashboard_origin.split_once("://").unwrap_or(("https", dashboard_origin));
    let port = rest.rsplit_once(':').map(|(_, p)| format!(":{p}")).unwrap_or_default();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Aero2",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Multi-tenant authentication and authorization: the management API, the account API and the OpenID Provider.",
            "description": INTRODUCTION,
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" },
        },
        "servers": [
            { "url": dashboard_origin, "description": "The Dashboard's host: the management API (and the Dashboard application's own OP endpoints)." },
            {
                "url": format!("{scheme}://{{application}}.{platform_domain}{port}"),
                "description": "An application's host: its OP endpoints, hosted pages and account API.",
                "variables": { "application": { "default": "myapp", "description": "The application's slug." } },
            },
        ],
        "tags": schemas::tags(),
        "paths": paths,
        "components": {
            "schemas": schemas::all(),
            "securitySchemes": schemas::security_schemes(),
            "responses": schemas::responses(&text),
        },
    })
}

const INTRODUCTION: &str = "\
Aero2 serves many applications from one deployment. Each application has its own host \
(`<slug>.<platform>` or a verified custom domain) with its own OpenID Provider, hosted sign-in \
pages and account API; the management API is served on the Dashboard's host.\n\n\
Errors are JSON `{\"error\", \"error_description\", \"field\"?}` with the status that fits \
(OAuth endpoints use the error codes of RFC 6749 and RFC 6750). Lists that page take `limit` \
and `after`, and answer `next_after` while more remain.";

/// Every row of `table` as operations under `paths`. `prefix` goes before
/// each derived operation id (`account` → `accountProfile`); `security` is
/// who may call an operation that does not say (`Op::security`).
fn add<E: Copy + std::fmt::Debug>(
    paths: &mut Map<String, Value>,
    table: &'static [Row<E>],
    prefix: &str,
    security: &[&str],
    describe: fn(E) -> Op,
) {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for row in table {
        for (method, endpoint) in row.methods {
            let op = describe(*endpoint);
            let path = named(row.path, op.params);
            let mut v = op.v;
            // One endpoint on two paths (the two metadata documents): the
            // second's id names its path.
            let mut id = operation_id(prefix, &format!("{endpoint:?}"));
            let n = seen.entry(id.clone()).or_default();
            *n += 1;
            if *n > 1 {
                id.push_str(&operation_id("At", &row.path.replace(['/', '.', '-'], " ").split_whitespace().map(capitalised).collect::<String>()));
            }
            v.insert("operationId".into(), Value::String(id));
            if !v.contains_key("security") {
                v.insert("security".into(), Value::Array(security.iter().map(|s| json!({ *s: [] })).collect()));
            }
            let params: Vec<Value> = op
                .params
                .iter()
                .map(|p| {
                    json!({ "name": p.0, "in": "path", "required": true, "description": p.1, "schema": { "type": "string", "minLength": 1 } })
                })
                .chain(op.query)
                .collect();
            if !params.is_empty() {
                v.insert("parameters".into(), Value::Array(params));
            }
            let item = paths.entry(path).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(method_key(*method).into(), Value::Object(v));
            }
        }
    }
}

fn method_key(m: Method) -> &'static str {
    match m {
        Method::Get => "get",
        Method::Head => "head",
        Method::Post => "post",
        Method::Put => "put",
        Method::Patch => "patch",
        Method::Delete => "delete",
        Method::Options => "options",
    }
}

/// `ListApplications` → `listApplications`; `Authorize(Query)` →
/// `authorize`, `Authorize(Form)` → `authorizePost`; with a prefix,
/// `account` + `Profile` → `accountProfile`.
fn operation_id(prefix: &str, debug: &str) -> String {
    let (name, via) = match debug.split_once('(') {
        Some((name, via)) => (name, via.trim_end_matches(')')),
        None => (debug, ""),
    };
    let suffix = if via == "Form" { "Post" } else { "" };
    let mut id = String::from(prefix);
    for (i, c) in name.chars().enumerate() {
        if i == 0 && prefix.is_empty() {
            id.extend(c.to_lowercase());
        } else {
            id.push(c);
        }
    }
    id + suffix
}

/// `word` with its first letter in capitals.
fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// `pattern`'s `{}`s replaced by the parameters' names, in order.
fn named(pattern: &str, params: &[(&str, &str)]) -> String {
    let mut names = params.iter();
    pattern
        .split('/')
        .map(|s| if s == "{}" { names.next().map_or_else(|| "{?}".to_owned(), |p| format!("{{{}}}", p.0)) } else { s.to_owned() })
        .collect::<Vec<_>>()
        .join("/")
}

/// One operation, as it will appear in the document (without its id and
/// path parameters, which `add` supplies).
pub struct Op {
    v: Map<String, Value>,
    /// The path parameters in the order the pattern's `{}`s take them:
    /// name and description.
    params: &'static [(&'static str, &'static str)],
    query: Vec<Value>,
}

/// A `$ref` to a schema of `components.schemas`.
#[must_use]
pub fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// An array of `items`.
#[must_use]
pub fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// An object answered by a list endpoint: `{key: [items]}` (with
/// `next_after` when it pages).
#[must_use]
pub fn list(key: &str, items: Value, pages: bool) -> Value {
    let mut props = Map::new();
    props.insert(key.into(), array(items));
    if pages {
        props.insert(
            "next_after".into(),
            json!({ "type": ["string", "null"], "description": "Pass as `after` for the next page; absent or null on the last." }),
        );
    }
    json!({ "type": "object", "required": [key], "properties": props })
}

impl Op {
    /// An operation of `tag`, summarised in one line.
    #[must_use]
    pub fn new(tag: &str, summary: &str) -> Self {
        let mut v = Map::new();
        v.insert("tags".into(), json!([tag]));
        v.insert("summary".into(), Value::String(summary.into()));
        v.insert("responses".into(), Value::Object(Map::new()));
        Op { v, params: &[], query: Vec::new() }
    }

    /// Longer prose (Markdown): rules, who may call it, what it changes.
    #[must_use]
    pub fn describe(mut self, text: &str) -> Self {
        self.v.insert("description".into(), Value::String(text.into()));
        self
    }

    /// The path parameters, in order: name and description.
    #[must_use]
    pub fn params(mut self, params: &'static [(&'static str, &'static str)]) -> Self {
        self.params = params;
        self
    }

    /// A query parameter.
    #[must_use]
    pub fn query(mut self, name: &str, schema: Value, description: &str) -> Self {
        self.query.push(json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema }));
        self
    }

    /// A required query parameter.
    #[must_use]
    pub fn query_required(mut self, name: &str, schema: Value, description: &str) -> Self {
        self.query.push(json!({ "name": name, "in": "query", "required": true, "description": description, "schema": schema }));
        self
    }

    /// A JSON request body, with an example that the test suite sends to a
    /// live instance (`tests/blackbox/openapi.rs`).
    #[must_use]
    pub fn json_body(mut self, schema: Value, example: Value) -> Self {
        self.v.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": schema, "example": example } } }),
        );
        self
    }

    /// A form request body (`application/x-www-form-urlencoded`).
    #[must_use]
    pub fn form_body(mut self, schema: Value) -> Self {
        self.v.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/x-www-form-urlencoded": { "schema": schema } } }),
        );
        self
    }

    /// The request body may be left out (`json_body` and `form_body`
    /// make it required).
    #[must_use]
    pub fn optional_body(mut self) -> Self {
        if let Some(Value::Object(body)) = self.v.get_mut("requestBody") {
            body.insert("required".into(), Value::Bool(false));
        }
        self
    }

    fn response(mut self, status: &str, value: Value) -> Self {
        if let Some(Value::Object(r)) = self.v.get_mut("responses") {
            r.insert(status.into(), value);
        }
        self
    }

    /// A JSON answer with `status`.
    #[must_use]
    pub fn ok(self, status: u16, description: &str, schema: Value) -> Self {
        self.response(&status.to_string(), json!({ "description": description, "content": { "application/json": { "schema": schema } } }))
    }

    /// An answer with no body (204).
    #[must_use]
    pub fn no_content(self, description: &str) -> Self {
        self.response("204", json!({ "description": description }))
    }

    /// An answer of another media type (an HTML page, a stylesheet).
    #[must_use]
    pub fn media(self, status: u16, description: &str, media_type: &str) -> Self {
        self.response(&status.to_string(), json!({ "description": description, "content": { media_type: { "schema": { "type": "string" } } } }))
    }

    /// A redirect (`Location` says where).
    #[must_use]
    pub fn redirect(self, status: u16, description: &str) -> Self {
        self.response(
            &status.to_string(),
            json!({ "description": description, "headers": { "Location": { "required": true, "schema": { "type": "string", "format": "uri-reference" } } } }),
        )
    }

    /// The errors it may answer, each with the shared error shape
    /// (`components.responses`).
    #[must_use]
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        for s in statuses {
            self = self.response(&s.to_string(), json!({ "$ref": format!("#/components/responses/E{s}") }));
        }
        self
    }

    /// An endpoint no description was written for: the tests fail on it.
    #[must_use]
    pub fn missing() -> Self {
        Op::new("Missing", "no description").describe(MISSING)
    }

    /// Who may call it (`components.securitySchemes`, any one of them);
    /// `&[]` for anyone.
    #[must_use]
    pub fn security(mut self, schemes: &[&str]) -> Self {
        let any: Vec<Value> = schemes.iter().map(|s| json!({ *s: [] })).collect();
        self.v.insert("security".into(), Value::Array(any));
        self
    }
}

#[cfg(test)]
mod tests;

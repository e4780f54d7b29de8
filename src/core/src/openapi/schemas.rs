//! What the surfaces share: tags, the error shape and its responses, the
//! ways to authenticate, and every resource schema (each surface's file
//! contributes its own through `schemas()`).

use serde_json::{json, Map, Value};

pub(super) fn tags() -> Value {
    json!([
        { "name": "Applications", "description": "Applications, their settings, API keys and custom domains." },
        { "name": "Clients", "description": "OAuth clients of an application, their secrets and the API permissions granted to machine clients." },
        { "name": "Users", "description": "An application's users: accounts, sessions, identities, second factors, invitations and mail." },
        { "name": "Identity providers", "description": "Upstream providers users sign in with (GitHub, Google, any OpenID Connect or OAuth 2.0 provider)." },
        { "name": "Access control", "description": "APIs (resource servers), their permissions, roles, and the roles users hold." },
        { "name": "Organizations", "description": "An application's organizations: members and their roles, invitations, verified domains." },
        { "name": "Signing keys", "description": "The keys an application's tokens are signed with." },
        { "name": "Audit log", "description": "Every change, chained by hash so that edits and deletions are caught." },
        { "name": "Teams", "description": "Developer teams on the Dashboard: who may act on which applications." },
        { "name": "Account", "description": "The signed-in user's own account, on the application's host, with an access token carrying the `account` scope." },
        { "name": "OpenID Provider", "description": "OAuth 2.0 and OpenID Connect endpoints of an application (RFC 6749, 7009, 7636, 7662, 8414, 9700; OIDC Core, Discovery, RP-Initiated Logout)." },
        { "name": "Hosted pages", "description": "The sign-in, sign-up, consent and account-recovery pages an application's users see (HTML forms)." },
        { "name": "Upstream sign-in", "description": "Sign-in through an upstream identity provider: Aero2 as the relying party." },
        { "name": "Missing", "description": "Endpoints without a description: none in a released document." }
    ])
}

/// The statuses `Op::errors` may name, each a response of the shared
/// error shape.
pub(super) const ERROR_STATUSES: [(u16, &str); 10] = [
    (400, "The request is malformed: a field is missing or not allowed (`field` names it), or the body is not the JSON the endpoint takes."),
    (401, "No credential, or not one accepted here (`WWW-Authenticate` says which)."),
    (403, "The credential is valid but may not do this (a permission, scope or role is missing)."),
    (404, "No such resource, or one the caller may not know exists."),
    (405, "The path exists but not with this method (`Allow` lists the methods)."),
    (409, "The value of `field` is taken, or the resource's state forbids the change."),
    (413, "The body is larger than 64 KiB."),
    (429, "A rate limit was reached (`Retry-After` gives the seconds to wait)."),
    (500, "Our fault; details go to the operator's log, never to the caller."),
    (503, "The deployment cannot do this now (its configuration is at fault, e.g. no way to send mail)."),
];

/// The error responses `paths` (the operations' JSON) refers to.
pub(super) fn responses(paths: &str) -> Value {
    let mut out = Map::new();
    for (status, description) in ERROR_STATUSES.into_iter().filter(|(s, _)| paths.contains(&format!("#/components/responses/E{s}\""))) {
        out.insert(
            format!("E{status}"),
            json!({ "description": description, "content": { "application/json": { "schema": super::schema("Error") } } }),
        );
    }
    Value::Object(out)
}

pub(super) fn security_schemes() -> Value {
    json!({
        "management": {
            "type": "http",
            "scheme": "bearer",
            "description": "The management API's callers: the operator credential (`AERO2_BOOTSTRAP_SECRET`), an application's `sk_live_` key (that application only), or a Dashboard user's access token for the management API (the applications of their Developer Teams, as their team role allows)."
        },
        "account": {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from the application's own OP carrying the `account` scope (the signed-in user's own account only)."
        },
        "accessToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token issued by the application's OP (RFC 6750)."
        },
        "clientSecretBasic": {
            "type": "http",
            "scheme": "basic",
            "description": "A confidential client's id and secret (RFC 6749 §2.3.1); `client_secret_post` in the form is accepted too."
        }
    })
}

/// Every schema of `components.schemas`.
pub(super) fn all() -> Value {
    let mut out = Map::new();
    out.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": { "type": "string", "description": "A code: `invalid_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `rate_limited`…, or an OAuth error code on the OP's endpoints (RFC 6749 §5.2)." },
                "error_description": { "type": "string", "description": "For people, never for branching." },
                "field": { "type": "string", "description": "The request field at fault." }
            }
        }),
    );
    for (name, schema) in super::management::schemas().into_iter().chain(super::access::schemas()).chain(super::account::schemas()).chain(super::op::schemas()) {
        out.insert(name.into(), schema);
    }
    Value::Object(out)
}

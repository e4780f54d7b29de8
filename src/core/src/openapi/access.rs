//! The management API's access control (APIs, permissions, roles, the
//! roles users hold, client grants), organizations and the audit log.

use super::shapes::{email_schema, hostname_schema, millis, millis_or_null, name_schema, NO_CONTROL, READ, WRITE};
use super::{array, list, schema, Op};
use crate::routes::management::Endpoint;
use serde_json::{json, Value};

// ------------------------------------------------------------ path parameters

const APP_ID: (&str, &str) = ("application_id", "The application's id (`app_…`).");
const APP: &[(&str, &str)] = &[APP_ID];
const APP_API: &[(&str, &str)] = &[APP_ID, ("api_id", "The API's id (`api_…`).")];
const APP_ROLE: &[(&str, &str)] = &[APP_ID, ("role_id", "The role's id (`rol_…`).")];
const APP_USER: &[(&str, &str)] = &[APP_ID, ("user_id", "The user's id (`usr_…`).")];
const APP_CLIENT: &[(&str, &str)] = &[APP_ID, ("client_id", "The client's id (`cl_…`, or `aero2-dashboard` on the Dashboard).")];
const ORG_ID: (&str, &str) = ("org_id", "The organization's id (`org_…`).");
const APP_ORG: &[(&str, &str)] = &[APP_ID, ORG_ID];
const APP_ORG_MEMBER: &[(&str, &str)] = &[APP_ID, ORG_ID, ("user_id", "The member's user id (`usr_…`).")];
const APP_ORG_INVITATION: &[(&str, &str)] = &[APP_ID, ORG_ID, ("invitation_id", "The invitation's id (`inv_…`).")];
const APP_ORG_DOMAIN: &[(&str, &str)] = &[
    APP_ID,
    ORG_ID,
    ("domain", "The claimed domain, as listed (upper case and a trailing dot are read as the listed name); another organization's claim is not found."),
];

// ------------------------------------------------------------ who may call

const OPERATE: &str = "Needs `operate:platform`: only the operator (or a Dashboard token with `operate:platform`); an `sk_live_` key or any other token gets 403.";

const ACCESS: &str = "Access control";
const ORGS: &str = "Organizations";
const AUDIT: &str = "Audit log";

// ------------------------------------------------------------ request shapes



/// `rbac::description`: at most 500 characters, no control characters.
fn description_schema(description: &str) -> Value {
    json!({ "type": "string", "maxLength": 500, "pattern": NO_CONTROL, "description": description })
}


/// An organization slug (`slug::Slug::parse_label`).
fn slug_schema(description: &str) -> Value {
    json!({
        "type": "string",
        "minLength": 3,
        "maxLength": 63,
        "pattern": "^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
        "not": { "pattern": "^xn--" },
        "description": description,
    })
}

fn org_permission_schema() -> Value {
    let values: Vec<&str> = crate::rbac::OrgPermission::ALL.iter().map(|p| p.value()).collect();
    json!({ "type": "string", "enum": values })
}

fn enrolment_schema(description: &str) -> Value {
    json!({ "type": "string", "enum": ["none", "suggest", "automatic"], "description": description })
}

/// What `rbac::parse_permissions` takes: the permissions an API defines.
fn permission_definitions_schema(description: &str) -> Value {
    json!({
        "type": "array",
        "maxItems": crate::rbac::MAX_PERMISSIONS,
        "description": description,
        "items": {
            "type": "object",
            "required": ["value"],
            "additionalProperties": false,
            "properties": {
                "value": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9:._/*-]{1,100}$",
                    "not": { "enum": crate::oauth::scope::USER_SCOPES },
                    "description": "The scope a client asks for: 1 to 100 letters, digits and `: . _ - / *`; not one of the scopes Aero2 defines itself (`openid`, `profile`, `email`, `offline_access`, `account`); each value once.",
                },
                "description": description_schema("For people (consent screens, the Dashboard); empty when left out."),
            },
        },
    })
}

/// The settings of an API (`rbac::ApiSettings`), as a POST or PATCH body
/// takes them.
fn api_settings_properties() -> Vec<(&'static str, Value)> {
    vec![
        ("permissions", permission_definitions_schema("The permissions (scopes) the API defines, at most 100; replaces the whole list.")),
        (
            "token_lifetime_seconds",
            json!({ "type": "integer", "minimum": 60, "maximum": 86_400, "default": 3_600, "description": "How long an access token for this API lives, in seconds." }),
        ),
        ("signing_alg", json!({ "type": "string", "enum": ["ES256", "RS256"], "default": "ES256", "description": "The algorithm its access tokens are signed with." })),
        (
            "enforce_rbac",
            json!({ "type": "boolean", "default": false, "description": "Grant a user only the asked permissions their roles (application and organization) allow." }),
        ),
        ("permissions_claim", json!({ "type": "boolean", "default": false, "description": "Put a `permissions` array in its access tokens." })),
    ]
}

fn object_with(required: &[&str], props: Vec<(&'static str, Value)>) -> Value {
    let mut map = serde_json::Map::new();
    for (k, v) in props {
        map.insert(k.into(), v);
    }
    json!({ "type": "object", "required": required, "additionalProperties": false, "properties": map })
}

/// `host::validate_hostname`, read in lower case, a trailing dot dropped.
fn domain_schema(description: &str) -> Value {
    hostname_schema(description)
}


/// `branding::parse`: each member a string or null; unknown members 400.
fn branding_body_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Shown by the hosted pages when a user signs in to the organization. Replaces the whole object.",
        "properties": {
            "logo_url": {
                "type": ["string", "null"],
                "maxLength": 2000,
                "pattern": "^https://[!#-&(-.0-;=?-\\[\\]-_a-~][!#-&(-;=?-\\[\\]-_a-~]*$",
                "description": "An `https:` URL of an image: at most 2000 printable ASCII characters, no spaces, quotes, `<`, `>`, `\\` or backquotes.",
            },
            "primary_color": { "type": ["string", "null"], "pattern": "^#[0-9A-Fa-f]{6}$", "description": "`#rrggbb` (stored in lower case)." },
        },
    })
}

fn member_roles_schema(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "description": description })
}

/// A text filter of the audit log (`audit::Filter`).
fn filter_text() -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_CONTROL })
}

fn non_negative() -> Value {
    json!({ "type": "integer", "minimum": 0, "maximum": i64::MAX })
}

/// The filters `GET …/audit` and `GET …/audit/export` share.
fn audit_filters(op: Op) -> Op {
    op.query("type", filter_text(), "Only entries of this type (`client.created`, `signin.failed`, …).")
        .query("actor", filter_text(), "Only entries by this actor (`operator`, `key:<id>`, `user:<id>`, `anonymous`, `system`).")
        .query("user_id", filter_text(), "Only entries about this user.")
        .query("org_id", filter_text(), "Only entries about this organization.")
        .query("since", non_negative(), "Only entries written at or after this time (milliseconds since the epoch).")
        .query("until", non_negative(), "Only entries written before this time (milliseconds since the epoch).")
}

// ------------------------------------------------------------ the operations

/// `None` for an endpoint described in `management`.
pub(super) fn describe(e: Endpoint) -> Option<Op> {
    use Endpoint as E;
    Some(match e {
        // ---------------------------------------------------- APIs
        E::ListApis => Op::new(ACCESS, "List APIs")
            .describe(&format!("The APIs (resource servers) the application protects, oldest first; not paged (at most 50). {READ}"))
            .params(APP)
            .ok(200, "The APIs.", list("apis", schema("Api"), false))
            .errors(&[401, 403, 404]),
        E::CreateApi => Op::new(ACCESS, "Create an API")
            .describe(&format!(
                "Registers an API (a resource server). Its `identifier` is the `resource` clients ask for (RFC 8707) and the `aud` of the access tokens issued for it; \
                 it cannot change later. It must be an absolute URI (a scheme, no spaces, no fragment), not in the `urn:aero2:` namespace, \
                 and not on a host that serves Aero2 (the platform's domain and its subdomains, the application's custom domains): 400.\n\n\
                 An identifier the application has already is 409; an application has at most 50 APIs (400 past that). Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                object_with(
                    &["identifier", "name"],
                    [
                        vec![
                            (
                                "identifier",
                                json!({
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": 600,
                                    "pattern": "^[A-Za-z][A-Za-z0-9+.-]+:[^\\s#\\u0000-\\u001f\\u007f-\\u009f]+$",
                                    "not": { "pattern": "^[Uu][Rr][Nn]:[Aa][Ee][Rr][Oo]2:" },
                                    "description": "An absolute URI of at most 600 characters (`https://api.example.com/invoices`, `urn:acme:invoices`); see above.",
                                }),
                            ),
                            ("name", name_schema("The display name: 1 to 100 characters (trimmed), no control characters.")),
                        ],
                        api_settings_properties(),
                    ]
                    .concat(),
                ),
                json!({
                    "identifier": "https://api.example.com/invoices",
                    "name": "Invoices API",
                    "permissions": [
                        { "value": "read:invoices", "description": "Read invoices" },
                        { "value": "write:invoices", "description": "Create and change invoices" },
                    ],
                    "token_lifetime_seconds": 3600,
                    "signing_alg": "ES256",
                    "enforce_rbac": true,
                    "permissions_claim": true,
                }),
            )
            .ok(201, "The new API.", schema("Api"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::GetApi => Op::new(ACCESS, "Get an API").describe(READ).params(APP_API).ok(200, "The API.", schema("Api")).errors(&[401, 403, 404]),
        E::UpdateApi => Op::new(ACCESS, "Update an API")
            .describe(&format!(
                "Changes the given members; the rest stay. `identifier` cannot change (400: tokens carry it as their audience); unknown members are refused (400). \
                 `permissions` replaces the whole list: a permission taken out of it stays in the roles and client grants that hold it \
                 (take it out of them first).\n\n\
                 On the Dashboard application, the management API (`urn:aero2:management-api`) is the platform's own and cannot be changed (403).\n\n{WRITE}"
            ))
            .params(APP_API)
            .json_body(
                object_with(&[], [vec![("name", name_schema("The display name."))], api_settings_properties()].concat()),
                json!({
                    "name": "Invoices",
                    "permissions": [
                        { "value": "read:invoices", "description": "Read invoices" },
                        { "value": "write:invoices", "description": "Create and change invoices" },
                        { "value": "delete:invoices", "description": "Delete invoices" },
                    ],
                    "token_lifetime_seconds": 900,
                }),
            )
            .ok(200, "The API as it is now.", schema("Api"))
            .errors(&[400, 401, 403, 404, 413]),
        E::DeleteApi => Op::new(ACCESS, "Delete an API")
            .describe(&format!(
                "Deletes the API, its permissions from every role and every client's grant of it. Tokens already issued for it stay valid until they expire. \
                 The Dashboard's management API cannot be deleted (403).\n\n{WRITE}"
            ))
            .params(APP_API)
            .no_content("Deleted.")
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- roles
        E::ListRoles => Op::new(ACCESS, "List roles")
            .describe(&format!("The application's roles, oldest first; not paged (at most 200). {READ}"))
            .params(APP)
            .ok(200, "The roles.", list("roles", schema("Role"), false))
            .errors(&[401, 403, 404]),
        E::CreateRole => Op::new(ACCESS, "Create a role")
            .describe(&format!(
                "Creates a role: a name, and what it lets its holders do. API permissions are added with `POST …/roles/{{role_id}}/permissions`; \
                 `organization_permissions` is what it lets a member do in an organization where it is one of their organization roles. \
                 A name the application has already is 409; an application has at most 200 roles (400 past that). Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                object_with(
                    &["name"],
                    vec![
                        ("name", name_schema("1 to 100 characters (trimmed), no control characters; unique in the application.")),
                        ("description", description_schema("At most 500 characters (default empty).")),
                        (
                            "organization_permissions",
                            json!({ "type": "array", "items": org_permission_schema(), "description": "Each at most once (repeats are folded); default none." }),
                        ),
                    ],
                ),
                json!({
                    "name": "billing-admin",
                    "description": "Manages invoices and the organization's members",
                    "organization_permissions": ["org:members:read", "org:members:invite"],
                }),
            )
            .ok(201, "The new role.", schema("Role"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::GetRole => Op::new(ACCESS, "Get a role").describe(READ).params(APP_ROLE).ok(200, "The role.", schema("Role")).errors(&[401, 403, 404]),
        E::UpdateRole => Op::new(ACCESS, "Update a role")
            .describe(&format!(
                "Changes the given members; the rest stay (`organization_permissions` replaces the list). A name another role has is 409. \
                 Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP_ROLE)
            .json_body(
                object_with(
                    &[],
                    vec![
                        ("name", name_schema("1 to 100 characters (trimmed), no control characters; unique in the application.")),
                        ("description", description_schema("At most 500 characters.")),
                        ("organization_permissions", json!({ "type": "array", "items": org_permission_schema(), "description": "Replaces the list." })),
                    ],
                ),
                json!({
                    "description": "Manages invoices and the organization's members",
                    "organization_permissions": ["org:members:read", "org:members:invite", "org:members:manage"],
                }),
            )
            .ok(200, "The role as it is now.", schema("Role"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::DeleteRole => Op::new(ACCESS, "Delete a role")
            .describe(&format!(
                "Deletes the role with what it grants; the users and organization members who held it lose it (their tokens at the next refresh, introspection at once).\n\n{WRITE}"
            ))
            .params(APP_ROLE)
            .no_content("Deleted.")
            .errors(&[401, 403, 404]),
        E::RolePermissions => Op::new(ACCESS, "List a role's permissions")
            .describe(&format!("The API permissions the role grants, by API id then value. {READ}"))
            .params(APP_ROLE)
            .ok(200, "The permissions.", list("permissions", schema("RolePermission"), false))
            .errors(&[401, 403, 404]),
        E::GrantRolePermissions => Op::new(ACCESS, "Add permissions to a role")
            .describe(&format!(
                "Adds API permissions to the role; those it grants already are no error. Each must be defined by one of the application's APIs (400 naming `permissions` otherwise). \
                 A role grants at most 500 permissions (400 past that).\n\n{WRITE}"
            ))
            .params(APP_ROLE)
            .json_body(
                grants_body(),
                json!({ "permissions": [
                    { "api_id": "{api_id}", "value": "read:invoices" },
                    { "api_id": "{api_id}", "value": "write:invoices" },
                ] }),
            )
            .ok(200, "Every permission the role grants now.", list("permissions", schema("RolePermission"), false))
            .errors(&[400, 401, 403, 404, 413]),
        E::RevokeRolePermissions => Op::new(ACCESS, "Remove permissions from a role")
            .describe(&format!(
                "Removes API permissions from the role (a JSON body with `DELETE`); those it does not grant are ignored, but each must still be defined by one of the application's APIs (400).\n\n{WRITE}"
            ))
            .params(APP_ROLE)
            .json_body(grants_body(), json!({ "permissions": [{ "api_id": "{api_id}", "value": "write:invoices" }] }))
            .ok(200, "Every permission the role grants now.", list("permissions", schema("RolePermission"), false))
            .errors(&[400, 401, 403, 404, 413]),

        // ---------------------------------------------------- user roles
        E::UserRoles => Op::new(ACCESS, "List a user's roles")
            .describe(&format!("The application roles the user holds, by name (organization roles are listed with the organization's members). {READ}"))
            .params(APP_USER)
            .ok(200, "The roles.", list("roles", schema("Role"), false))
            .errors(&[401, 403, 404]),
        E::AssignUserRoles => Op::new(ACCESS, "Assign roles to a user")
            .describe(&format!(
                "Gives the user roles of the application; roles they hold already are no error. An unknown role is 400; a user holds at most 50 roles (400 past that). \
                 Their tokens get the new permissions at the next refresh, introspection at once.\n\n{WRITE}"
            ))
            .params(APP_USER)
            .json_body(role_ids_body(), json!({ "roles": ["{role_id}"] }))
            .ok(200, "Every role the user holds now.", list("roles", schema("Role"), false))
            .errors(&[400, 401, 403, 404, 413]),
        E::UnassignUserRoles => Op::new(ACCESS, "Take roles from a user")
            .describe(&format!(
                "Takes roles away from the user (a JSON body with `DELETE`); roles they do not hold are ignored, but each must be a role of the application (400).\n\n{WRITE}"
            ))
            .params(APP_USER)
            .json_body(role_ids_body(), json!({ "roles": ["{role_id}"] }))
            .ok(200, "Every role the user holds now.", list("roles", schema("Role"), false))
            .errors(&[400, 401, 403, 404, 413]),

        // ---------------------------------------------------- client grants
        E::ClientGrants => Op::new("Clients", "List a client's grants")
            .describe(&format!("The API permissions the client may get for itself with `client_credentials`, one entry per API, by API id. {READ}"))
            .params(APP_CLIENT)
            .ok(200, "The grants.", list("grants", schema("ClientGrant"), false))
            .errors(&[401, 403, 404]),
        E::SetClientGrants => Op::new("Clients", "Replace a client's grants")
            .describe(&format!(
                "Replaces the whole set of the client's grants (`[]` takes them all away), e.g. \
                 `{{\"grants\": [{{\"api_id\": \"api_…\", \"permissions\": [\"read:invoices\"]}}]}}`. One entry per API of the application, each permission defined by that API (400 naming `grants` otherwise). \
                 Only a confidential client with the `client_credentials` grant type may hold any (400). The Dashboard's own client is 409.\n\n{WRITE}"
            ))
            .params(APP_CLIENT)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["grants"],
                    "additionalProperties": false,
                    "properties": {
                        "grants": {
                            "type": "array",
                            "maxItems": crate::rbac::MAX_APIS,
                            "items": {
                                "type": "object",
                                "required": ["api_id", "permissions"],
                                "additionalProperties": false,
                                "properties": {
                                    "api_id": { "type": "string", "description": "One of the application's APIs (`api_…`), at most once." },
                                    "permissions": { "type": "array", "items": { "type": "string" }, "description": "Permissions that API defines (repeats are folded)." },
                                },
                            },
                        },
                    },
                }),
                json!({ "grants": [] }),
            )
            .ok(200, "The client's grants now.", list("grants", schema("ClientGrant"), false))
            .errors(&[400, 401, 403, 404, 409, 413]),

        // ---------------------------------------------------- audit log
        E::Audit => audit_filters(Op::new(AUDIT, "Read the audit log"))
            .describe(&format!(
                "One page of the application's audit log, newest first, filtered. Pass the answer's `next_cursor` as `cursor` for the next page; it is `null` on the last. \
                 An unknown query parameter is 400. {READ}"
            ))
            .params(APP)
            .query("cursor", non_negative(), "Only entries numbered below this (a previous page's `next_cursor`).")
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }), "How many entries, 1 to 200 (default 50).")
            .ok(
                200,
                "One page of entries.",
                json!({
                    "type": "object",
                    "required": ["entries", "next_cursor"],
                    "properties": {
                        "entries": array(schema("AuditEvent")),
                        "next_cursor": { "type": ["string", "null"], "description": "The `seq` of the page's last entry (as a string) while more follow: pass it as `cursor`; null on the last page." },
                    },
                }),
            )
            .errors(&[400, 401, 403, 404]),
        E::AuditExport => audit_filters(Op::new(AUDIT, "Export the audit log"))
            .describe(&format!(
                "The log as NDJSON (`application/x-ndjson`): one entry per line, oldest first, each the object `GET …/audit` lists; the same filters. \
                 At most `limit` entries (default and most 5000); while more remain, a `Link: <…>; rel=\"next\"` header gives the URL of the next part \
                 (the same query with `cursor` set). An unknown query parameter is 400. {READ}"
            ))
            .params(APP)
            .query("cursor", non_negative(), "Only entries numbered above this: the last `seq` already exported.")
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 5000, "default": 5000 }), "How many entries, 1 to 5000 (default 5000).")
            .media(200, "The entries, one JSON object (an `AuditEvent`) per line; empty when none match.", "application/x-ndjson")
            .errors(&[400, 401, 403, 404]),
        E::AuditVerify => Op::new(AUDIT, "Verify the audit log")
            .describe(&format!(
                "Recomputes the hash chain from its anchor (the genesis, or the last entry retention deleted) to the head its writer recorded, \
                 checks the latest signed checkpoint is on it, and reports the first broken link: an entry edited, missing or moved, or the newest ones deleted. {READ}"
            ))
            .params(APP)
            .ok(
                200,
                "The verdict.",
                json!({
                    "type": "object",
                    "required": ["ok", "checked", "first_broken", "head", "anchor", "checkpoint"],
                    "properties": {
                        "ok": { "type": "boolean", "description": "Whether the whole chain verifies." },
                        "checked": { "type": "integer", "minimum": 0, "description": "Entries checked." },
                        "first_broken": {
                            "oneOf": [
                                {
                                    "type": "object",
                                    "required": ["seq", "reason"],
                                    "properties": { "seq": { "type": "integer", "minimum": 0 }, "reason": { "type": "string" } },
                                },
                                { "type": "null" },
                            ],
                            "description": "Where the chain breaks, and why; null when `ok`.",
                        },
                        "head": { "allOf": [schema("AuditLink")], "description": "The last entry, as its writer recorded it." },
                        "anchor": { "allOf": [schema("AuditLink")], "description": "Where the chain starts: the genesis (`seq` 0) or the last entry retention deleted." },
                        "checkpoint": { "oneOf": [schema("AuditLink"), { "type": "null" }], "description": "The latest signed checkpoint; null before the first." },
                    },
                }),
            )
            .errors(&[401, 403, 404]),
        E::Checkpoints => Op::new(AUDIT, "List signed checkpoints")
            .describe(&format!(
                "The latest 100 signed checkpoints of the chain's head, newest first. One is made at most hourly while the log grows, or on demand (`POST`). {READ}"
            ))
            .params(APP)
            .ok(200, "The checkpoints.", list("checkpoints", schema("AuditCheckpoint"), false))
            .errors(&[401, 403, 404]),
        E::Checkpoint => Op::new(AUDIT, "Sign a checkpoint now")
            .describe(&format!("Signs a checkpoint of the chain's head now and publishes it. An empty log has nothing to sign (404). {WRITE}"))
            .params(APP)
            .ok(201, "The new checkpoint.", schema("AuditCheckpoint"))
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- organizations
        E::ListOrganizations => Op::new(ORGS, "List organizations")
            .describe(&format!(
                "One page of the application's organizations, by slug. Pass the answer's `next_after` as `after` for the next page; it is `null` on the last. \
                 An unknown query parameter is 400. {READ}"
            ))
            .params(APP)
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }), "How many organizations, 1 to 200 (default 50).")
            .query("after", slug_schema("A slug"), "A previous page's `next_after` (a slug): the page starts after it.")
            .ok(200, "One page of organizations.", list("organizations", schema("Organization"), true))
            .errors(&[400, 401, 403, 404]),
        E::CreateOrganization => Op::new(ORGS, "Create an organization")
            .describe(&format!(
                "Creates an organization. A slug the application has already is 409; an application has at most 10,000 organizations (400 past that). \
                 Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                object_with(&["slug", "name"], org_fields(true)),
                json!({
                    "slug": "acme-corp",
                    "name": "Acme Corp",
                    "metadata": { "plan": "enterprise" },
                    "branding": { "logo_url": "https://cdn.example.com/acme-logo.png", "primary_color": "#c0ffee" },
                    "max_members": 500,
                }),
            )
            .ok(201, "The new organization.", schema("Organization"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::GetOrganization => Op::new(ORGS, "Get an organization")
            .describe(READ)
            .params(APP_ORG)
            .ok(200, "The organization.", schema("Organization"))
            .errors(&[401, 403, 404]),
        E::UpdateOrganization => Op::new(ORGS, "Update an organization")
            .describe(&format!(
                "Changes the given members; the rest stay (`metadata` and `branding` are replaced whole; `max_members: null` goes back to the platform's limit). \
                 A slug another organization has is 409. Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP_ORG)
            .json_body(object_with(&[], org_fields(false)), json!({ "name": "Acme Corporation", "max_members": null }))
            .ok(200, "The organization as it is now.", schema("Organization"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::DeleteOrganization => Op::new(ORGS, "Delete an organization")
            .describe(&format!(
                "Deletes the organization with its memberships, invitations and domain claims; its members' tokens lose it at the next refresh, introspection at once.\n\n{WRITE}"
            ))
            .params(APP_ORG)
            .no_content("Deleted.")
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- members
        E::ListMembers => Op::new(ORGS, "List members")
            .describe(&format!("The organization's members with their organization roles, in the order they joined; not paged. {READ}"))
            .params(APP_ORG)
            .ok(200, "The members.", list("members", schema("OrganizationMember"), false))
            .errors(&[401, 403, 404]),
        E::AddMember => Op::new(ORGS, "Add a member")
            .describe(&format!(
                "Makes one of the application's users a member, with organization roles (roles of the application, at most 20). \
                 A user who is a member already is 409; an unknown user or role, an organization at its `max_members`, or a user in 100 organizations already is 400. \
                 Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP_ORG)
            .json_body(
                object_with(
                    &["user_id"],
                    vec![
                        ("user_id", json!({ "type": "string", "description": "A user of the application (`usr_…`)." })),
                        ("roles", member_roles_schema("Role ids of the application (repeats are folded; at most 20); default none.")),
                    ],
                ),
                json!({ "user_id": "{user_id}", "roles": ["{role_id}"] }),
            )
            .ok(201, "The new member.", schema("OrganizationMember"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::GetMember => Op::new(ORGS, "Get a member")
            .describe(READ)
            .params(APP_ORG_MEMBER)
            .ok(200, "The member.", schema("OrganizationMember"))
            .errors(&[401, 403, 404]),
        E::UpdateMember => Op::new(ORGS, "Change a member's roles")
            .describe(&format!(
                "Replaces the member's organization roles (roles of the application, at most 20; `[]` takes them all). Their tokens get the change at the next refresh, introspection at once.\n\n{WRITE}"
            ))
            .params(APP_ORG_MEMBER)
            .json_body(
                object_with(&["roles"], vec![("roles", member_roles_schema("Role ids of the application (repeats are folded; at most 20)."))]),
                json!({ "roles": ["{role_id}"] }),
            )
            .ok(200, "The member as they are now.", schema("OrganizationMember"))
            .errors(&[400, 401, 403, 404, 413]),
        E::RemoveMember => Op::new(ORGS, "Remove a member")
            .describe(&format!(
                "Removes the member. Their tokens lose the organization at the next refresh, introspection at once; the organization's verified domains no longer enrol them (only the API or an invitation adds them again).\n\n{WRITE}"
            ))
            .params(APP_ORG_MEMBER)
            .no_content("Removed.")
            .errors(&[401, 403, 404]),
        E::UserOrganizations => Op::new(ORGS, "List a user's organizations")
            .describe(&format!("The organizations the user belongs to, by slug; not paged (at most 100). {READ}"))
            .params(APP_USER)
            .ok(200, "The organizations.", list("organizations", schema("Organization"), false))
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- invitations
        E::ListOrgInvitations => Op::new(ORGS, "List invitations")
            .describe(&format!("Every invitation to the organization, newest first, with its `status` now (never its token). {READ}"))
            .params(APP_ORG)
            .ok(200, "The invitations.", list("invitations", schema("OrganizationInvitation"), false))
            .errors(&[401, 403, 404]),
        E::CreateOrgInvitation => Op::new(ORGS, "Invite someone")
            .describe(&format!(
                "Mails a single-use link (from the application's own host) that makes the invitee a member with `roles`: it creates their account, \
                 or adds the existing account with that address if that address is confirmed (its owner then signs in as usual). The link is in the mail only. \
                 A pending invitation for the address is 409; a deployment that cannot send mail answers 503. Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP_ORG)
            .json_body(
                object_with(
                    &["email"],
                    vec![
                        ("email", email_schema("The invitee's address; read trimmed and in lower case.")),
                        ("roles", member_roles_schema("The organization roles they will hold: role ids of the application (repeats are folded; at most 20); default none.")),
                        ("expires_in_days", json!({ "type": "integer", "minimum": 1, "maximum": 30, "default": 7, "description": "How long the link works." })),
                        (
                            "return_to",
                            json!({
                                "type": ["string", "null"],
                                "maxLength": 2000,
                                "pattern": "^https?://[!$-&(-;=?-\\[\\]-_a-~]+$",
                                "description": "Where the browser goes once the invitee is a member (with `iss` and `organization` added): an absolute URL without a fragment, \
                                                on the origin of one of the application's registered redirect URIs (400 otherwise; `http` only on a local host).",
                            }),
                        ),
                    ],
                ),
                json!({ "email": "grace.hopper@example.com", "roles": ["{role_id}"], "expires_in_days": 14, "return_to": "https://app.example.com/welcome" }),
            )
            .ok(201, "The invitation, pending.", schema("OrganizationInvitation"))
            .errors(&[400, 401, 403, 404, 409, 413, 503]),
        E::RevokeOrgInvitation => Op::new(ORGS, "Revoke an invitation")
            .describe(&format!("Revokes a pending invitation: its link stops working. One no longer pending (accepted, revoked or expired) is 409.\n\n{WRITE}"))
            .params(APP_ORG_INVITATION)
            .no_content("Revoked.")
            .errors(&[401, 403, 404, 409]),

        // ---------------------------------------------------- domains
        E::ListOrgDomains => Op::new(ORGS, "List domains")
            .describe(&format!("The domains the organization claims, by name, each with the TXT record that proves it. {READ}"))
            .params(APP_ORG)
            .ok(200, "The domains.", list("domains", schema("OrganizationDomain"), false))
            .errors(&[401, 403, 404]),
        E::AddOrgDomain => Op::new(ORGS, "Claim a domain")
            .describe(&format!(
                "Claims a domain for the organization, unverified: publish the answer's `dns_record` (TXT), then the operator marks it verified \
                 (`POST …/domains/{{domain}}/verify`). `enrolment` says what a verified domain does for users whose *confirmed* address is at it. \
                 A domain claimed by an organization of the application is 409; an organization claims at most 20 (400 past that). Unknown members are refused (400).\n\n{WRITE}"
            ))
            .params(APP_ORG)
            .json_body(
                object_with(
                    &["domain"],
                    vec![
                        ("domain", domain_schema("A domain name of at least two labels; stored in lower case without a trailing dot.")),
                        (
                            "enrolment",
                            enrolment_schema("`none` (default): only proven; `suggest`: offered on the organization picker, choosing it joins; `automatic`: members at their next sign-in."),
                        ),
                    ],
                ),
                json!({ "domain": "acme-corp.com", "enrolment": "suggest" }),
            )
            .ok(201, "The claim, unverified, with the TXT record to publish.", schema("OrganizationDomain"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::GetOrgDomain => Op::new(ORGS, "Get a domain")
            .describe(READ)
            .params(APP_ORG_DOMAIN)
            .ok(200, "The claim.", schema("OrganizationDomain"))
            .errors(&[401, 403, 404]),
        E::UpdateOrgDomain => Op::new(ORGS, "Change a domain's enrolment")
            .describe(&format!("Changes what the domain does for users whose confirmed address is at it. Unknown members are refused (400).\n\n{WRITE}"))
            .params(APP_ORG_DOMAIN)
            .json_body(object_with(&["enrolment"], vec![("enrolment", enrolment_schema("`none`, `suggest` or `automatic`."))]), json!({ "enrolment": "automatic" }))
            .ok(200, "The claim as it is now.", schema("OrganizationDomain"))
            .errors(&[400, 401, 403, 404, 413]),
        E::RemoveOrgDomain => Op::new(ORGS, "Remove a domain")
            .describe(&format!("Drops the claim; the domain enrols nobody from now on (members stay members).\n\n{WRITE}"))
            .params(APP_ORG_DOMAIN)
            .no_content("Removed.")
            .errors(&[401, 403, 404]),
        E::VerifyOrgDomain => Op::new(ORGS, "Mark a domain verified")
            .describe(&format!(
                "Marks the claim verified, once the TXT record `_aero2-verification.<domain>` holding `aero2-verification=<token>` is seen \
                 (in production the operator checks DNS first; locally, by hand). Verifying a verified domain is no error (its `verified_at` stays).\n\n{OPERATE}"
            ))
            .params(APP_ORG_DOMAIN)
            .ok(200, "The claim, verified.", schema("OrganizationDomain"))
            .errors(&[401, 403, 404]),

        _ => return None,
    })
}

/// `{"permissions": [{"api_id", "value"}]}` (`rbac::parse_grants`).
fn grants_body() -> Value {
    json!({
        "type": "object",
        "required": ["permissions"],
        "additionalProperties": false,
        "properties": {
            "permissions": {
                "type": "array",
                "minItems": 1,
                "maxItems": crate::rbac::MAX_ROLE_PERMISSIONS,
                "items": {
                    "type": "object",
                    "required": ["api_id", "value"],
                    "additionalProperties": false,
                    "properties": {
                        "api_id": { "type": "string", "description": "One of the application's APIs (`api_…`)." },
                        "value": { "type": "string", "description": "A permission that API defines." },
                    },
                },
            },
        },
    })
}

/// `{"roles": ["rol_…"]}` (`rbac::parse_role_ids`).
fn role_ids_body() -> Value {
    json!({
        "type": "object",
        "required": ["roles"],
        "additionalProperties": false,
        "properties": {
            "roles": {
                "type": "array",
                "minItems": 1,
                "maxItems": crate::rbac::MAX_USER_ROLES,
                "items": { "type": "string" },
                "description": "Role ids of the application (`rol_…`); repeats are folded.",
            },
        },
    })
}

/// The members `organization::OrganizationFields` takes.
fn org_fields(creating: bool) -> Vec<(&'static str, Value)> {
    let slug = if creating {
        "The organization's handle, unique in the application: 3 to 63 lower-case letters, digits and `-` (not first or last), not `xn--…`. A sign-in may name the organization by it."
    } else {
        "A new slug, unique in the application (see creation)."
    };
    vec![
        ("slug", slug_schema(slug)),
        ("name", name_schema("The display name: 1 to 100 characters (trimmed), no control characters.")),
        (
            "metadata",
            json!({ "type": "object", "description": "A JSON object for your own use (plan, CRM id, …), at most 4096 bytes as compact JSON; default `{}`." }),
        ),
        ("branding", branding_body_schema()),
        (
            "max_members",
            json!({ "type": ["integer", "null"], "minimum": 1, "maximum": crate::organization::MAX_MEMBERS, "description": "At most this many members; null (the default) is the platform's limit, 10,000." }),
        ),
    ]
}

// ------------------------------------------------------------ the resources

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("Api", api()),
        ("Permission", permission()),
        ("Role", role()),
        ("RolePermission", role_permission()),
        ("ClientGrant", client_grant()),
        ("Organization", organization()),
        ("OrganizationMember", organization_member()),
        ("OrganizationInvitation", organization_invitation()),
        ("OrganizationDomain", organization_domain()),
        ("AuditEvent", audit_event()),
        ("AuditLink", audit_link()),
        ("AuditCheckpoint", audit_checkpoint()),
    ]
}


fn api() -> Value {
    json!({
        "type": "object",
        "description": "An API (resource server) the application protects.",
        "required": ["id", "identifier", "name", "permissions", "token_lifetime_seconds", "signing_alg", "enforce_rbac", "permissions_claim", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string", "description": "`api_…`." },
            "identifier": { "type": "string", "description": "The `resource` clients ask for and the `aud` of its access tokens; never changes." },
            "name": { "type": "string" },
            "permissions": array(schema("Permission")),
            "token_lifetime_seconds": { "type": "integer", "description": "How long its access tokens live, in seconds (60 to 86,400)." },
            "signing_alg": { "type": "string", "enum": ["ES256", "RS256"] },
            "enforce_rbac": { "type": "boolean", "description": "Whether a user gets only the permissions their roles allow." },
            "permissions_claim": { "type": "boolean", "description": "Whether its access tokens carry a `permissions` array." },
            "created_at": millis("When it was created"),
            "updated_at": millis("When it last changed"),
        },
    })
}

fn permission() -> Value {
    json!({
        "type": "object",
        "description": "A permission (scope) an API defines.",
        "required": ["value", "description"],
        "properties": {
            "value": { "type": "string", "description": "`read:invoices`." },
            "description": { "type": "string", "description": "Empty when none was given." },
        },
    })
}

fn role() -> Value {
    json!({
        "type": "object",
        "description": "A role of the application: held by users (application roles) and by organization members (organization roles).",
        "required": ["id", "name", "description", "organization_permissions", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string", "description": "`rol_…`." },
            "name": { "type": "string" },
            "description": { "type": "string", "description": "Empty when none was given." },
            "organization_permissions": {
                "type": "array",
                "items": { "type": "string" },
                "description": "What it lets a member do in an organization where it is one of their roles: `org:members:read`, `org:members:invite`, `org:members:manage`, `org:audit:read`; sorted.",
            },
            "created_at": millis("When it was created"),
            "updated_at": millis("When it last changed"),
        },
    })
}

fn role_permission() -> Value {
    json!({
        "type": "object",
        "description": "A permission a role grants: one value of one API.",
        "required": ["api_id", "value"],
        "properties": {
            "api_id": { "type": "string", "description": "`api_…`." },
            "value": { "type": "string" },
        },
    })
}

fn client_grant() -> Value {
    json!({
        "type": "object",
        "description": "What a confidential client may get for itself (`client_credentials`) from one API.",
        "required": ["api_id", "permissions"],
        "properties": {
            "api_id": { "type": "string", "description": "`api_…`." },
            "permissions": { "type": "array", "items": { "type": "string" } },
        },
    })
}

fn organization() -> Value {
    json!({
        "type": "object",
        "description": "An organization of the application (on the Dashboard application, a Developer Team).",
        "required": ["id", "slug", "name", "metadata", "branding", "max_members", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string", "description": "`org_…`." },
            "slug": { "type": "string", "description": "Unique in the application." },
            "name": { "type": "string" },
            "metadata": { "type": "object", "description": "Yours: whatever object was given (`{}` by default)." },
            "branding": {
                "type": "object",
                "required": ["logo_url", "primary_color"],
                "properties": {
                    "logo_url": { "type": ["string", "null"], "description": "An `https:` URL of an image." },
                    "primary_color": { "type": ["string", "null"], "description": "`#rrggbb`, lower case." },
                },
            },
            "max_members": { "type": ["integer", "null"], "description": "Its own member limit; null for the platform's (10,000)." },
            "created_at": millis("When it was created"),
            "updated_at": millis("When it last changed"),
        },
    })
}

fn organization_member() -> Value {
    json!({
        "type": "object",
        "description": "A member of an organization, with their organization roles.",
        "required": ["user_id", "email", "name", "roles", "joined_at"],
        "properties": {
            "user_id": { "type": "string", "description": "`usr_…`." },
            "email": { "type": ["string", "null"] },
            "name": { "type": ["string", "null"] },
            "roles": {
                "type": "array",
                "description": "Their organization roles, by name.",
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": { "id": { "type": "string", "description": "`rol_…`." }, "name": { "type": "string" } },
                },
            },
            "joined_at": millis("When they became a member"),
        },
    })
}

fn organization_invitation() -> Value {
    json!({
        "type": "object",
        "description": "An invitation to an organization, or to a team (a team is an organization of the Dashboard); never its token, which is in the mail only.",
        "required": ["id", "org_id", "email", "roles", "inviter", "return_to", "created_at", "expires_at", "accepted_at", "accepted_by", "revoked_at", "status"],
        "properties": {
            "id": { "type": "string", "description": "`inv_…`." },
            "org_id": { "type": "string" },
            "email": { "type": "string", "description": "The invitee's address, in lower case." },
            "roles": { "type": "array", "items": { "type": "string" }, "description": "The role ids the invitee will hold." },
            "inviter": { "type": "string", "description": "Who invited: `operator`, `key:<id>`, `user:<id>` (a Dashboard user), `member:<id>` (an organization admin)." },
            "return_to": { "type": ["string", "null"], "description": "Where the browser goes once the invitee is a member." },
            "created_at": millis("When it was made"),
            "expires_at": millis("When the link stops working"),
            "accepted_at": millis_or_null("When it was accepted"),
            "accepted_by": { "type": ["string", "null"], "description": "The user who accepted it." },
            "revoked_at": millis_or_null("When it was revoked"),
            "status": { "type": "string", "enum": ["pending", "accepted", "revoked", "expired"], "description": "Where it stands now." },
        },
    })
}

fn organization_domain() -> Value {
    json!({
        "type": "object",
        "description": "A domain an organization claims.",
        "required": ["domain", "org_id", "enrolment", "verified_at", "created_at", "verified", "dns_record"],
        "properties": {
            "domain": { "type": "string", "description": "Lower case." },
            "org_id": { "type": "string" },
            "enrolment": { "type": "string", "enum": ["none", "suggest", "automatic"], "description": "What the verified domain does for users whose confirmed address is at it." },
            "verified": { "type": "boolean" },
            "verified_at": millis_or_null("When it was marked verified"),
            "created_at": millis("When it was claimed"),
            "dns_record": {
                "type": "object",
                "description": "The TXT record that proves the claim.",
                "required": ["type", "name", "value"],
                "properties": {
                    "type": { "type": "string", "enum": ["TXT"] },
                    "name": { "type": "string", "description": "`_aero2-verification.<domain>`." },
                    "value": { "type": "string", "description": "`aero2-verification=<token>`." },
                },
            },
        },
    })
}

fn nullable_text(description: &str) -> Value {
    json!({ "type": ["string", "null"], "description": description })
}

fn audit_event() -> Value {
    json!({
        "type": "object",
        "description": "An entry of the audit log, chained to the one before by `prev_hash`.",
        "required": ["seq", "at", "type", "actor", "user_id", "resource", "ip", "user_agent", "request_id", "org_id", "detail", "prev_hash", "hash"],
        "properties": {
            "seq": { "type": "integer", "minimum": 1, "description": "Its number in the application's log: 1, 2, …" },
            "at": millis("When it was written"),
            "type": { "type": "string", "description": "`client.created`, `signin.failed`, `organization.member_added`, …" },
            "actor": { "type": "string", "description": "`operator`, `key:<id>`, `user:<id>`, `anonymous` or `system`." },
            "user_id": nullable_text("The user it concerns."),
            "resource": nullable_text("What it acted on, as a path below the application (`clients/cl_…`)."),
            "ip": nullable_text("The caller's address."),
            "user_agent": nullable_text("The caller's user agent (at most 256 characters)."),
            "request_id": nullable_text("The request's id."),
            "org_id": nullable_text("The organization it concerns."),
            "detail": { "description": "Anything else: `before` and `after` of a change (secrets redacted), a `reason`, … An object (its text, should it no longer be JSON)." },
            "prev_hash": { "type": "string", "description": "The previous entry's `hash` (hex SHA-256)." },
            "hash": { "type": "string", "description": "SHA-256 (hex) over `prev_hash` and the entry's canonical form." },
        },
    })
}

fn audit_link() -> Value {
    json!({
        "type": "object",
        "description": "A position in the audit chain: an entry's number and hash (`seq` 0: the genesis).",
        "required": ["seq", "hash"],
        "properties": { "seq": { "type": "integer", "minimum": 0 }, "hash": { "type": "string" } },
    })
}

fn audit_checkpoint() -> Value {
    json!({
        "type": "object",
        "description": "A signed statement of the chain's head.",
        "required": ["seq", "hash", "at", "jws"],
        "properties": {
            "seq": { "type": "integer", "minimum": 1, "description": "The head's number." },
            "hash": { "type": "string", "description": "The head's hash." },
            "at": millis("When it was signed"),
            "jws": { "type": "string", "description": "A compact JWS (`typ` `aero2-audit-checkpoint+jwt`, by the application's current signing key) over `{app_id, seq, hash, iat}`: anyone with the application's JWKS can check it." },
        },
    })
}

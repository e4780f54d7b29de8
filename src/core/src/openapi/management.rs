//! The management API (`/api/v1/…`, on the Dashboard's host): applications
//! and what hangs off them directly (keys, domains, clients, users,
//! identity providers, signing keys) and Developer Teams. APIs, roles,
//! organizations and the audit log are in `access`.

use super::shapes::{email_schema, hostname_schema, millis, millis_or_null, name_schema, LABEL, LAST_LABEL, READ, WRITE};
use super::{access, array, list, schema, Op};
use crate::routes::management::Endpoint;
use serde_json::{json, Value};

pub(super) fn describe(e: Endpoint) -> Op {
    own(e).or_else(|| access::describe(e)).unwrap_or_else(Op::missing)
}

// ------------------------------------------------------------ path parameters

const APP: &[(&str, &str)] = &[("application_id", "The application's id (`app_…`).")];
const APP_KEY: &[(&str, &str)] = &[("application_id", "The application's id (`app_…`)."), ("key_id", "The API key's id (`key_…`).")];
const APP_HOST: &[(&str, &str)] = &[
    ("application_id", "The application's id (`app_…`)."),
    ("hostname", "The custom domain, as listed (upper case and a trailing dot are read as the listed name)."),
];
const APP_CLIENT: &[(&str, &str)] =
    &[("application_id", "The application's id (`app_…`)."), ("client_id", "The client's id (`cl_…`, or `aero2-dashboard` on the Dashboard).")];
const APP_USER: &[(&str, &str)] = &[("application_id", "The application's id (`app_…`)."), ("user_id", "The user's id (`usr_…`).")];
const APP_INVITATION: &[(&str, &str)] = &[
    ("application_id", "The application's id (`app_…`)."),
    ("email", "The invited address itself (an invitation to sign up has no other id), with `@` as it is: the path is not percent-decoded, so `%40` finds nothing."),
];
const APP_IDP: &[(&str, &str)] =
    &[("application_id", "The application's id (`app_…`)."), ("idp_id", "The provider's id (`idp_…`, or `idp_static_…` for one from deployment configuration).")];
const TEAM: &[(&str, &str)] = &[("team_id", "The team's id (`org_…`: a team is an organization of the Dashboard application).")];
const TEAM_MEMBER: &[(&str, &str)] =
    &[("team_id", "The team's id (`org_…`)."), ("user_id", "The member's Dashboard user id (`usr_…`).")];
const TEAM_INVITATION: &[(&str, &str)] = &[("team_id", "The team's id (`org_…`)."), ("invitation_id", "The invitation's id (`inv_…`).")];

// ------------------------------------------------------------ who may call

const ADMIN_WRITE: &str = "Needs `write:applications`, and in a team at least `admin`: the operator, the application's `sk_live_` key, or a Dashboard token of an `admin` or `owner` of the team that owns it.";
const TEAM_READ: &str = "Needs `read:applications`. A Dashboard token of one of the team's members (any role); the operator (and a token with `operate:platform`) on every team, as an owner would. An `sk_live_` key has no teams: 404.";
const TEAM_MANAGE: &str = "Needs `write:applications`. The team's `owner`s and `admin`s (a `developer` or `viewer` gets 403), and the operator (and a token with `operate:platform`) on every team. An `sk_live_` key has no teams: 404.";

// ------------------------------------------------------------ request shapes






/// `cors::validate_origin`: `scheme://host[:port]`, no path; `https`, or
/// `http` on a local host.
fn origin_pattern() -> String {
    format!(
        "^(?:https?://(?:localhost|127\\.0\\.0\\.1|(?:{LABEL}\\.)*{LABEL}\\.localhost)|https://(?:{LABEL}\\.)+{LAST_LABEL}\\.?)(?::[0-9]{{1,5}})?$"
    )
}

/// `oauth::redirect_uri::validate_redirect_uri`, as a pattern: `https`,
/// `http` on a loopback host, or a reverse-domain private-use scheme; no
/// fragment, no userinfo. (`.`/`..` segments are refused too.)
const REDIRECT_URI_PATTERN: &str = r"^(?:https://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[0-9]{1,5})?(?:[/?][A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?|http://(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.localhost|127\.0\.0\.1|\[::1\])(?::[0-9]{1,5})?(?:[/?][A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?|[a-z][a-z0-9+-]*(?:\.[a-z0-9+-]+)+:[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)$";

fn uris_schema(description: &str) -> Value {
    json!({
        "type": "array",
        "maxItems": 20,
        "items": { "type": "string", "minLength": 1, "maxLength": 2000, "pattern": REDIRECT_URI_PATTERN },
        "description": description,
    })
}

/// An application slug (`slug::Slug::parse`): one DNS label, 3 to 63
/// characters, not `xn--…`, not reserved.
fn app_slug_schema() -> Value {
    json!({
        "type": "string",
        "minLength": 3,
        "maxLength": 63,
        "pattern": "^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
        "not": { "anyOf": [{ "pattern": "^xn--" }, { "enum": crate::slug::RESERVED_SLUGS }] },
        "description": "The application's host label: `<slug>.<platform domain>`. 3 to 63 characters: lower-case letters, digits and `-` (not first or last), not `xn--…`, not a reserved name (`dashboard`, `www`, `api`, `auth`, `login`, …). Unique on the platform; cannot be changed later.",
    })
}

/// A team slug (`slug::Slug::parse_label`: reserved names allowed).
fn team_slug_schema() -> Value {
    json!({
        "type": "string",
        "minLength": 3,
        "maxLength": 63,
        "pattern": "^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
        "not": { "pattern": "^xn--" },
        "description": "3 to 63 characters: lower-case letters, digits and `-` (not first or last), not `xn--…`. Unique among the platform's teams.",
    })
}

fn team_role_schema(description: &str) -> Value {
    json!({ "type": "string", "enum": ["owner", "admin", "developer", "viewer"], "description": description })
}

/// Printable ASCII without spaces, `"` and `\` (RFC 6749 §3.3).
const SCOPE_TOKEN: &str = "[!#-\\[\\]-~]";

// ------------------------------------------------------------ the operations

fn own(e: Endpoint) -> Option<Op> {
    use Endpoint as E;
    Some(match e {
        // ---------------------------------------------------- applications
        E::ListApplications => Op::new("Applications", "List applications")
            .describe(
                "The applications the caller may see: every one for the operator (and a Dashboard token with `operate:platform`), its own for an `sk_live_` key, those of the caller's Developer Teams for a Dashboard token. Needs `read:applications`. Oldest first; not paged.",
            )
            .ok(200, "The applications.", list("applications", schema("Application"), false))
            .errors(&[401, 403]),
        E::CreateApplication => Op::new("Applications", "Create an application")
            .describe(
                "Creates an application, its signing keys and its host `<slug>.<platform domain>`.\n\n\
                 Who may: the operator, or a Dashboard token with `create:applications` (never an `sk_live_` key: 403). \
                 `team_id` names the Developer Team that owns it: for a Dashboard user one of their teams where their role is at least `developer` \
                 (their personal team when left out; 403 where their role does not allow it, 400 for a team that is not theirs); \
                 for the operator (and a token with `operate:platform`) any existing team, or none (`team_id` is then `null`).\n\n\
                 Unknown members are refused (400). A taken slug is 409.",
            )
            .json_body(
                json!({
                    "type": "object",
                    "required": ["slug", "name"],
                    "additionalProperties": false,
                    "properties": {
                        "slug": app_slug_schema(),
                        "name": name_schema("The display name: 1 to 100 characters (trimmed), no control characters."),
                        "settings": schema("ApplicationSettings"),
                        "team_id": { "type": ["string", "null"], "pattern": "^org_[0-9a-f]{32}$", "description": "The Developer Team that will own it (see above)." },
                    },
                }),
                json!({
                    "slug": "acme-example",
                    "name": "Acme Example",
                    "settings": { "allowed_origins": ["https://app.example.com"], "email_verification": "optional" },
                }),
            )
            .ok(201, "The new application.", schema("Application"))
            .errors(&[400, 401, 403, 409, 413]),
        E::GetApplication => Op::new("Applications", "Get an application")
            .describe(READ)
            .params(APP)
            .ok(200, "The application.", schema("Application"))
            .errors(&[401, 403, 404]),
        E::UpdateApplication => Op::new("Applications", "Update an application")
            .describe(&format!(
                "Renames the application or replaces its settings. Give `name`, `settings` or both; the slug cannot change (400).\n\n\
                 **`settings` replaces the whole settings object**: a member left out goes back to its default (read the application first and send it back changed). \
                 The change takes effect with the next request on the application's host.\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                json!({
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": false,
                    "properties": {
                        "name": name_schema("The display name: 1 to 100 characters (trimmed), no control characters."),
                        "settings": schema("ApplicationSettings"),
                    },
                }),
                json!({
                    "name": "Acme Example (production)",
                    "settings": {
                        "allowed_origins": ["https://app.example.com", "https://admin.example.com"],
                        "authorization_code_ttl_seconds": 60,
                        "lockout": { "max_failures": 5, "window_seconds": 900, "lock_seconds": 300 },
                        "signup": { "mode": "open" },
                        "email_verification": "optional",
                        "rate_limits": { "sign_in_per_ip": { "max": 100, "window_seconds": 60 } },
                        "mfa": "optional",
                        "mfa_factors": ["totp", "passkey"],
                        "audit_retention_days": 30,
                        "branding": { "logo_url": "https://cdn.example.com/logo.svg", "primary_color": "#1a2b3c" },
                    },
                }),
            )
            .ok(200, "The application as it is now.", schema("Application"))
            .errors(&[400, 401, 403, 404, 413]),
        E::DeleteApplication => Op::new("Applications", "Delete an application")
            .describe(
                "Deletes the application and everything in it; its host answers `unknown_application` at once. Cannot be undone. \
                 The Dashboard application cannot be deleted (403).\n\n\
                 Needs `delete:applications`: the operator, the application's `sk_live_` key, or a Dashboard token of an `admin` or `owner` of the team that owns it.",
            )
            .params(APP)
            .no_content("Deleted.")
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- API keys
        E::ListKeys => Op::new("Applications", "List API keys")
            .describe(&format!("Every key of the application, revoked ones included (never the key itself). {READ}"))
            .params(APP)
            .ok(200, "The keys, oldest first.", list("keys", schema("ApiKey"), false))
            .errors(&[401, 403, 404]),
        E::CreateKey => Op::new("Applications", "Create an API key")
            .describe(&format!(
                "Mints a key: `sk` (`sk_live_…`, a credential for this application's management API) or `pk` (`pk_live_…`, publishable; grants nothing here). \
                 The full key is in this answer only; only a hash is kept.\n\n{ADMIN_WRITE}"
            ))
            .params(APP)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["kind"],
                    "additionalProperties": false,
                    "properties": {
                        "kind": { "type": "string", "enum": ["pk", "sk"], "description": "`sk`: secret; `pk`: publishable." },
                        "name": name_schema("A label (default `default`)."),
                    },
                }),
                json!({ "kind": "sk", "name": "CI deploys" }),
            )
            .ok(
                201,
                "The key, with the full `key` shown this once.",
                json!({
                    "allOf": [
                        schema("ApiKey"),
                        { "type": "object", "required": ["key"], "properties": { "key": { "type": "string", "description": "The whole key (`sk_live_…` or `pk_live_…`): store it now, it is never shown again." } } },
                    ],
                }),
            )
            .errors(&[400, 401, 403, 404, 413]),
        E::RevokeKey => Op::new("Applications", "Revoke an API key")
            .describe(&format!("Revokes the key at once; revoking a revoked key is no error. The key stays listed with `revoked_at`. {ADMIN_WRITE}"))
            .params(APP_KEY)
            .no_content("Revoked.")
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- custom domains
        E::ListDomains => Op::new("Applications", "List custom domains")
            .describe(&format!("The application's custom domains, each with the DNS record that points it at the application. {READ}"))
            .params(APP)
            .ok(200, "The domains, by hostname.", list("domains", schema("CustomDomain"), false))
            .errors(&[401, 403, 404]),
        E::AddDomain => Op::new("Applications", "Add a custom domain")
            .describe(&format!(
                "Registers a hostname for the application, unverified: it serves the application only once verified \
                 (`POST …/domains/{{hostname}}/verify`, the operator's). Point it at the application with the `dns_records` of the answer. \
                 A name under the platform's domain is refused (400); a hostname registered anywhere on the platform is 409.\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["hostname"],
                    "additionalProperties": false,
                    "properties": { "hostname": hostname_schema("A hostname of at least two labels, outside the platform's domain; stored in lower case without a trailing dot.") },
                }),
                json!({ "hostname": "login.acme-example.com" }),
            )
            .ok(201, "The domain, unverified.", schema("CustomDomain"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::RemoveDomain => Op::new("Applications", "Remove a custom domain")
            .describe(&format!("Removes the domain; it stops serving the application at once. {WRITE}"))
            .params(APP_HOST)
            .no_content("Removed.")
            .errors(&[401, 403, 404]),
        E::VerifyDomain => Op::new("Applications", "Mark a custom domain verified")
            .describe(
                "Marks the domain verified: it serves the application from now on. In production this is called when Cloudflare for SaaS reports the custom hostname active; locally, by hand.\n\n\
                 Only the operator (or a Dashboard token with `operate:platform`): an `sk_live_` key or another token gets 403.",
            )
            .params(APP_HOST)
            .ok(200, "The domain, verified.", schema("CustomDomain"))
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- clients
        E::ListClients => Op::new("Clients", "List clients")
            .describe(&format!("The application's OAuth clients (never a secret). {READ}"))
            .params(APP)
            .ok(200, "The clients, oldest first.", list("clients", schema("Client"), false))
            .errors(&[401, 403, 404]),
        E::CreateClient => Op::new("Clients", "Create a client")
            .describe(&format!(
                "Registers an OAuth client (RFC 7591 vocabulary). `token_endpoint_auth_method` fixes its type for good: `none` makes a public client (no secret, PKCE always), \
                 the others a confidential one, whose `client_secret` is in this answer only.\n\n\
                 Rules (400 naming the field): `redirect_uris` is required with the `authorization_code` grant and refused without it; \
                 `refresh_token` needs `authorization_code`; `client_credentials` needs a confidential client; a public client cannot set `require_pkce: false`; \
                 the `account` scope needs `first_party: true`; no `implicit` or `password` grant.\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(new_client_body(), json!({
                "name": "Acme web app",
                "token_endpoint_auth_method": "client_secret_basic",
                "redirect_uris": ["https://app.example.com/callback"],
                "post_logout_redirect_uris": ["https://app.example.com/"],
                "grant_types": ["authorization_code", "refresh_token"],
                "scopes": ["openid", "profile", "email", "offline_access"],
                "require_pkce": true,
                "id_token_signed_response_alg": "RS256",
                "organization_usage": "none",
            }))
            .ok(
                201,
                "The client; a confidential one with its `client_secret`, shown this once.",
                json!({
                    "allOf": [
                        schema("Client"),
                        { "type": "object", "properties": { "client_secret": { "type": "string", "description": "`cs_` and 64 hex digits: only for a confidential client; store it now, it is never shown again." } } },
                    ],
                }),
            )
            .errors(&[400, 401, 403, 404, 413]),
        E::GetClient => Op::new("Clients", "Get a client")
            .describe(READ)
            .params(APP_CLIENT)
            .ok(200, "The client.", schema("Client"))
            .errors(&[401, 403, 404]),
        E::UpdateClient => Op::new("Clients", "Update a client")
            .describe(&format!(
                "Changes the given members; the rest stay. `client_id`, `client_type`, `token_endpoint_auth_method` and `grant_types` cannot change (400). \
                 The client as changed must keep the creation rules (e.g. redirect URIs while it has the `authorization_code` grant), else 400. \
                 `disabled: true` makes the client unusable at once (its sign-ins, authentication and tokens are refused) until set back.\n\n\
                 The Dashboard's own client (`aero2-dashboard`) takes only `{{\"disabled\": …}}` alone; anything else is 409.\n\n{WRITE}"
            ))
            .params(APP_CLIENT)
            .json_body(
                json!({
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": false,
                    "properties": {
                        "name": name_schema("The display name."),
                        "redirect_uris": uris_schema("Replaces the list (see creation)."),
                        "post_logout_redirect_uris": uris_schema("Replaces the list."),
                        "scopes": client_scopes_schema(),
                        "first_party": { "type": "boolean" },
                        "require_pkce": { "type": "boolean", "description": "Cannot be false for a public client." },
                        "id_token_signed_response_alg": { "type": "string", "enum": ["RS256", "ES256"] },
                        "disabled": { "type": "boolean" },
                        "organization_usage": { "type": "string", "enum": ["none", "allowed", "required"] },
                    },
                }),
                json!({
                    "name": "Acme web app (production)",
                    "redirect_uris": ["https://app.example.com/callback", "https://app.example.com/auth/callback"],
                }),
            )
            .ok(200, "The client as it is now.", schema("Client"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::DeleteClient => Op::new("Clients", "Delete a client")
            .describe(&format!("Deletes the client; its tokens stop working. The Dashboard's own client cannot be deleted (409). {WRITE}"))
            .params(APP_CLIENT)
            .no_content("Deleted.")
            .errors(&[401, 403, 404, 409]),
        E::RotateClientSecret => Op::new("Clients", "Rotate a client's secret")
            .describe(&format!(
                "Replaces a confidential client's secret; the old one stops working at once (no overlap). A public client has none (400); \
                 the Dashboard's own client is 409.\n\n{WRITE}"
            ))
            .params(APP_CLIENT)
            .ok(
                200,
                "The new secret, shown this once.",
                json!({
                    "type": "object",
                    "required": ["client_id", "client_secret"],
                    "properties": {
                        "client_id": { "type": "string" },
                        "client_secret": { "type": "string", "description": "`cs_` and 64 hex digits." },
                    },
                }),
            )
            .errors(&[400, 401, 403, 404, 409]),

        // ---------------------------------------------------- users
        E::ListUsers => Op::new("Users", "List users")
            .describe(&format!(
                "One page of the application's users, oldest first. Pass the answer's `next_after` as `after` for the next page; it is `null` on the last. \
                 An unknown query parameter is 400. {READ}"
            ))
            .params(APP)
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }), "How many users, 1 to 200 (default 50).")
            .query(
                "after",
                json!({ "type": "string", "pattern": "^[0-9]{1,18}\\.usr_[0-9a-f]{32}$" }),
                "A previous page's `next_after` (`<created_at>.<user id>`): the page starts after that place.",
            )
            .query(
                "email",
                json!({ "type": "string", "maxLength": 254, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$" }),
                "Only users whose address contains this (case-insensitive; trimmed; empty means all).",
            )
            .ok(200, "One page of users.", list("users", schema("User"), true))
            .errors(&[400, 401, 403, 404]),
        E::CreateUser => Op::new("Users", "Create a user")
            .describe(&format!(
                "Creates a password account (the sign-up policy does not apply). It gets the application's default roles \
                 (and, on the Dashboard, a personal team). An address already registered in the application is 409.\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["email", "password"],
                    "additionalProperties": false,
                    "properties": {
                        "email": email_schema("The sign-in address; stored trimmed and in lower case."),
                        "password": { "type": "string", "minLength": 8, "maxLength": 256, "description": "At least 8 characters and at most 256 bytes (UTF-8); nothing is trimmed." },
                        "name": {
                            "anyOf": [name_schema("1 to 100 characters (trimmed), no control characters."), { "type": "null" }],
                            "description": "The display name; null is the same as leaving it out.",
                        },
                        "email_verified": { "type": "boolean", "default": false, "description": "Whether the address counts as confirmed." },
                        "metadata": metadata_schema("The application's own data about the user, for token templates (`{{user.metadata.…}}`)."),
                    },
                }),
                json!({ "email": "ada.lovelace@example.com", "password": "correct horse battery staple", "name": "Ada Lovelace", "email_verified": true, "metadata": { "plan": "pro" } }),
            )
            .ok(201, "The new user.", schema("User"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::GetUser => Op::new("Users", "Get a user")
            .describe(READ)
            .params(APP_USER)
            .ok(200, "The user.", schema("User"))
            .errors(&[401, 403, 404]),
        E::UpdateUser => Op::new("Users", "Update a user")
            .describe(&format!(
                "Renames, disables or enables a user, or replaces their `metadata`. Disabling ends every session, grant and refresh token of the user at once; \
                 enabling only lets them sign in again. `email` and `password` cannot be changed here (400).\n\n{WRITE}"
            ))
            .params(APP_USER)
            .json_body(
                json!({
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": false,
                    "properties": {
                        "name": name_schema("The display name."),
                        "disabled": { "type": "boolean" },
                        "metadata": metadata_schema("Replaces the user's metadata as a whole."),
                    },
                }),
                json!({ "name": "Ada King", "metadata": { "plan": "enterprise", "seats": 25 } }),
            )
            .ok(200, "The user as they are now.", schema("User"))
            .errors(&[400, 401, 403, 404, 413]),
        E::DeleteUser => Op::new("Users", "Delete a user")
            .describe(&format!(
                "Deletes the account and what is only its (identities, second factors, roles, memberships); its sessions and tokens end at once; \
                 the audit log keeps its history. A Dashboard developer (a user of the Dashboard application) cannot be deleted: disable them (409).\n\n{ADMIN_WRITE}"
            ))
            .params(APP_USER)
            .no_content("Deleted.")
            .errors(&[401, 403, 404, 409]),
        E::UnlockUser => Op::new("Users", "Unlock a user")
            .describe(&format!("Lifts a sign-in lockout of the user's address at once. A user who is not locked out is no error. {WRITE}"))
            .params(APP_USER)
            .no_content("Unlocked.")
            .errors(&[401, 403, 404]),
        E::UserFactors => Op::new("Users", "List a user's second factors")
            .describe(&format!("The user's second factors (never their secrets) and how many unused recovery codes they have. {READ}"))
            .params(APP_USER)
            .ok(
                200,
                "The factors, oldest first.",
                json!({
                    "type": "object",
                    "required": ["factors", "recovery_codes_left"],
                    "properties": {
                        "factors": array(schema("UserFactor")),
                        "recovery_codes_left": { "type": "integer", "minimum": 0 },
                    },
                }),
            )
            .errors(&[401, 403, 404]),
        E::ResetUserFactors => Op::new("Users", "Remove a user's second factors")
            .describe(&format!(
                "Removes every second factor and recovery code of the user (a lost phone) and lifts their second-factor lockout; \
                 where the application requires a second factor, their next sign-in asks them to add one. {WRITE}"
            ))
            .params(APP_USER)
            .no_content("Removed.")
            .errors(&[401, 403, 404]),
        E::UserSessions => Op::new("Users", "List a user's sessions")
            .describe(&format!("The user's live sessions (signed-in browsers), most recently used first. {READ}"))
            .params(APP_USER)
            .ok(200, "The sessions.", list("sessions", schema("UserSession"), false))
            .errors(&[401, 403, 404]),
        E::EndUserSessions => Op::new("Users", "Sign a user out everywhere")
            .describe(&format!("Ends every session, grant and refresh token of the user (and the access tokens bound to them) at once. {WRITE}"))
            .params(APP_USER)
            .no_content("Signed out.")
            .errors(&[401, 403, 404]),
        E::UserIdentities => Op::new("Users", "List a user's linked identities")
            .describe(&format!("The upstream identities linked to the user (never their tokens), and whether the account has a password. {READ}"))
            .params(APP_USER)
            .ok(
                200,
                "The identities, oldest first.",
                json!({
                    "type": "object",
                    "required": ["identities", "has_password"],
                    "properties": {
                        "identities": array(schema("UserIdentity")),
                        "has_password": { "type": "boolean" },
                    },
                }),
            )
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- sign-up invitations, mail
        E::ListInvitations => Op::new("Users", "List sign-up invitations")
            .describe(&format!("The addresses invited to sign up (what `settings.signup.mode: invite_only` admits). {READ}"))
            .params(APP)
            .ok(200, "The invitations.", list("invitations", schema("SignupInvitation"), false))
            .errors(&[401, 403, 404]),
        E::Invite => Op::new("Users", "Invite an address to sign up")
            .describe(&format!(
                "Lets the address sign up on the hosted page where sign-up is invite-only. No mail is sent. \
                 Inviting an address twice is no error: the existing invitation is answered.\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["email"],
                    "additionalProperties": false,
                    "properties": { "email": email_schema("The address; stored trimmed and in lower case.") },
                }),
                json!({ "email": "grace.hopper@example.com" }),
            )
            .ok(201, "The invitation (new, or the one that was there).", schema("SignupInvitation"))
            .errors(&[400, 401, 403, 404, 413]),
        E::RevokeInvitation => Op::new("Users", "Revoke a sign-up invitation")
            .describe(&format!("Removes the invitation of the address. {WRITE}"))
            .params(APP_INVITATION)
            .no_content("Revoked.")
            .errors(&[401, 403, 404]),
        E::Outbox => Op::new("Users", "Read the mail outbox")
            .describe(&format!(
                "The mail the application sent, where the deployment's mailer is the local outbox (`MAILER=outbox`, local platforms only; \
                 elsewhere the list stays empty): messages of the retention window (a day by default), oldest first. \
                 Bodies carry single-use links. {READ}"
            ))
            .params(APP)
            .ok(200, "The messages.", list("messages", schema("OutboxMessage"), false))
            .errors(&[401, 403, 404]),

        // ---------------------------------------------------- signing keys
        E::ListSigningKeys => Op::new("Signing keys", "List signing keys")
            .describe(&format!(
                "Every signing key of the application (no key material): `pending` (published, not yet signing), `active`, `retired` \
                 (still published until the tokens it signed expire), with the signer shard holding each; during a move between \
                 shards, both shards' keys. {READ}"
            ))
            .params(APP)
            .ok(200, "The keys, and which signer shard holds them.", schema("SigningKeys"))
            .errors(&[401, 403, 404]),
        E::PreviewTokenClaims => Op::new("Applications", "Preview custom claims")
            .describe(&format!(
                "What the application's token templates (`settings.token_claims`), or the ones in the request before they are saved, \
                 add to a user's ID token and access token: for the user, in an organization they belong to (`org_id`), with a scope \
                 (default `openid profile email`). Only the custom claims are shown; a value that would take a token past the size \
                 limit is named in `omitted`. Changes nothing; the preview is kept in the audit log (`token_claims.previewed`). \
                 A user or organization of another application is 400.\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["user_id"],
                    "additionalProperties": false,
                    "properties": {
                        "user_id": { "type": "string", "description": "The user (`usr_…`)." },
                        "org_id": { "type": ["string", "null"], "description": "An organization the user belongs to (`org_…`)." },
                        "scope": { "type": ["string", "null"], "maxLength": 1000, "description": "The token's scope (default `openid profile email`)." },
                        "token_claims": schema("TokenClaims"),
                    },
                }),
                json!({
                    "user_id": "{user_id}",
                    "token_claims": { "access_token": { "plan": "{{user.metadata.plan}}", "tenant": "{{application.slug}}" } },
                }),
            )
            .ok(200, "The claims each token would get.", schema("TokenClaimsPreview"))
            .errors(&[400, 401, 403, 404, 413]),
        E::MoveSigningKeys => Op::new("Signing keys", "Move signing keys to another signer shard")
                .describe(
                    "Moves the application's keys to another `JwksSigner` shard (a deployment has `JWKS_SIGNER_SHARDS`, default 1), as a \
                     rotation: the new shard makes new keys, published at once and signing after `activate_after_seconds` (default 3600); \
                     until then the old shard signs, and its keys stay published two hours more. A move while one is under way is 409, \
                     as is a move to the shard it is on; a shard past the last is 400. A rotation waits for the switch (409 until then); \
                     after it, the new shard rotates as usual.\n\n\
                     Only the operator (or a Dashboard token with `operate:platform`): an `sk_live_` key or another token gets 403.",
                )
                .params(APP)
                .json_body(
                    json!({
                        "type": "object",
                        "required": ["shard"],
                        "additionalProperties": false,
                        "properties": {
                            "shard": { "type": "integer", "minimum": 0, "maximum": 63, "description": "The shard to move to (0 to `JWKS_SIGNER_SHARDS` − 1)." },
                            "activate_after_seconds": { "type": "integer", "minimum": 0, "maximum": 604_800, "default": 3600, "description": "Seconds until the new shard's keys sign (at most a week)." },
                        },
                    }),
                    json!({ "shard": 1, "activate_after_seconds": 3600 }),
                )
                .ok(200, "The keys afterwards, and the move.", schema("SigningKeys"))
                .errors(&[400, 401, 403, 404, 409, 413]),
        E::TenantShards => Op::new("Applications", "Tenant shards")
            .describe(&format!(
                "How many `TenantApp` objects hold the application's OAuth grants (codes, grants, refresh-token families and the \
                 access tokens they issued), and the most it may have. One by default: the application's one object. {READ}"
            ))
            .params(APP)
            .ok(200, "The number of tenant shards.", schema("TenantShards"))
            .errors(&[401, 403, 404]),
        E::SetTenantShards => Op::new("Applications", "Raise tenant shards")
            .describe(
                "Spreads the application's grants over `shards` objects, for an application whose token traffic is more than one \
                 object serves. New grants are placed at random among them; each code, refresh token and access token names its \
                 shard, and every request that redeems or checks one is served there, so single use, rotation and reuse detection \
                 stay one object's decisions. Pages, sessions, sign-in lockouts and the audit log stay in the home object. The token \
                 endpoint's rate limits are split evenly over the shards (together never more than the setting). The number only \
                 grows: lower than now is 409; outside 1 to 16 is 400. Setting the current number changes nothing.\n\n\
                 Only the operator (or a Dashboard token with `operate:platform`): an `sk_live_` key or another token gets 403.",
            )
            .params(APP)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["shards"],
                    "additionalProperties": false,
                    "properties": {
                        "shards": { "type": "integer", "minimum": 1, "maximum": 16, "description": "The new number of tenant shards (not fewer than now)." },
                    },
                }),
                json!({ "shards": 4 }),
            )
            .ok(200, "The number of tenant shards now.", schema("TenantShards"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::RotateSigningKeys => {
            let op = Op::new("Signing keys", "Rotate signing keys")
                .describe(&format!(
                    "Makes new keys (one per algorithm), published at once and signing after `activate_after_seconds` \
                     (default 3600, so relying parties' JWKS caches hold them first; 0 for an emergency such as a suspected compromise). \
                     The body may be left out. While the keys move to another signer shard, 409 until the move's switch \
                     (`signer.moving.switch_at` in the list).\n\n{WRITE}"
                ))
                .params(APP)
                .json_body(
                    json!({
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "activate_after_seconds": { "type": "integer", "minimum": 0, "maximum": 604_800, "default": 3600, "description": "Seconds until the new keys sign (at most a week)." },
                        },
                    }),
                    json!({ "activate_after_seconds": 3600 }),
                )
                .ok(200, "The application's JWKS after the rotation.", schema("SigningJwks"))
                .errors(&[400, 401, 403, 404, 409, 413]);
            op.optional_body()
        }

        // ---------------------------------------------------- identity providers
        E::ListIdps => Op::new("Identity providers", "List identity providers")
            .describe(&format!(
                "The application's upstream providers: those made here (`source: api`) and those declared in deployment configuration \
                 (`source: static`, read-only). Never a client secret. {READ}"
            ))
            .params(APP)
            .ok(200, "The providers.", list("idps", schema("IdentityProvider"), false))
            .errors(&[401, 403, 404]),
        E::CreateIdp => Op::new("Identity providers", "Create an identity provider")
            .describe(&format!(
                "Adds an upstream provider. `github` and `oauth2` need nothing fetched; for `google` and `oidc` the issuer's discovery document is fetched and checked now, \
                 and a provider that cannot be reached or whose document is inconsistent is refused (400, nothing stored). \
                 Members that do not apply to the `type` are refused (400). The client secret is sealed at rest and never shown. \
                 A slug the application already has is 409. Register the answer's `redirect_uri` with the provider.\n\n{WRITE}"
            ))
            .params(APP)
            .json_body(
                new_idp_body(),
                json!({
                    "type": "github",
                    "slug": "github",
                    "display_name": "GitHub",
                    "client_id": "Iv1.0123456789abcdef",
                    "client_secret": "0123456789abcdef0123456789abcdef01234567",
                    "scopes": ["read:user", "user:email"],
                    "enabled": true,
                }),
            )
            .ok(201, "The provider.", schema("IdentityProvider"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::GetIdp => Op::new("Identity providers", "Get an identity provider")
            .describe(READ)
            .params(APP_IDP)
            .ok(200, "The provider.", schema("IdentityProvider"))
            .errors(&[401, 403, 404]),
        E::UpdateIdp => Op::new("Identity providers", "Update an identity provider")
            .describe(&format!(
                "Changes the display name, client id, client secret, scopes or enabled flag; endpoints, type and slug are fixed (400: create another provider). \
                 An OpenID Connect provider's scopes must keep `openid` (400). A provider from deployment configuration is read-only (409).\n\n{WRITE}"
            ))
            .params(APP_IDP)
            .json_body(
                json!({
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": false,
                    "properties": {
                        "display_name": name_schema("Shown on the sign-in page."),
                        "client_id": idp_text_schema(512, "The client id at the provider."),
                        "client_secret": idp_text_schema(1024, "A new client secret (sealed; never shown)."),
                        "scopes": idp_scopes_schema(),
                        "enabled": { "type": "boolean" },
                    },
                }),
                json!({ "display_name": "Sign in with GitHub", "scopes": ["read:user", "user:email"] }),
            )
            .ok(200, "The provider as it is now.", schema("IdentityProvider"))
            .errors(&[400, 401, 403, 404, 409, 413]),
        E::DeleteIdp => Op::new("Identity providers", "Delete an identity provider")
            .describe(&format!(
                "Deletes the provider and unlinks every identity made through it. A provider from deployment configuration is read-only (409). {WRITE}"
            ))
            .params(APP_IDP)
            .no_content("Deleted.")
            .errors(&[401, 403, 404, 409]),

        // ---------------------------------------------------- teams
        E::ListTeams => Op::new("Teams", "List teams")
            .describe(
                "A Dashboard token: the teams its user belongs to, with their `role` in each. The operator (and a token with `operate:platform`): every team, \
                 `role` null. An `sk_live_` key: none. Needs `read:applications`.",
            )
            .ok(200, "The teams.", list("teams", schema("Team"), false))
            .errors(&[401, 403]),
        E::CreateTeam => Op::new("Teams", "Create a team")
            .describe(
                "Makes a Developer Team owned by the caller. **Only with a Dashboard user's token** (needs `write:applications`): \
                 the operator credential and `sk_live_` keys get 403, since a team needs a user as its owner. A taken slug is 409; \
                 400 when the platform or the user has as many teams as allowed.",
            )
            .json_body(
                json!({
                    "type": "object",
                    "required": ["slug", "name"],
                    "additionalProperties": false,
                    "properties": {
                        "slug": team_slug_schema(),
                        "name": name_schema("The team's name."),
                    },
                }),
                json!({ "slug": "acme-platform-team", "name": "Acme platform team" }),
            )
            .ok(201, "The team, with the caller as `owner`.", schema("Team"))
            .errors(&[400, 401, 403, 409, 413]),
        E::GetTeam => Op::new("Teams", "Get a team")
            .describe(TEAM_READ)
            .params(TEAM)
            .ok(200, "The team, with the caller's `role` (null for the operator).", schema("Team"))
            .errors(&[401, 403, 404]),
        E::TeamApplications => Op::new("Teams", "List a team's applications")
            .describe(TEAM_READ)
            .params(TEAM)
            .ok(200, "The team's applications, in the order they joined it (without `team_id`).", list("applications", schema("Application"), false))
            .errors(&[401, 403, 404]),
        E::TeamMembers => Op::new("Teams", "List a team's members")
            .describe(TEAM_READ)
            .params(TEAM)
            .ok(200, "The members.", list("members", schema("TeamMember"), false))
            .errors(&[401, 403, 404]),
        E::UpdateTeamMember => Op::new("Teams", "Change a member's role")
            .describe(&format!(
                "Gives the member another team role. Admins neither change owners nor make them (403); only an owner makes an owner. \
                 A team keeps at least one owner: the last one cannot be demoted (403). The operator may make any change but that. \
                 {TEAM_MANAGE}"
            ))
            .params(TEAM_MEMBER)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["role"],
                    "additionalProperties": false,
                    "properties": { "role": team_role_schema("The new team role.") },
                }),
                json!({ "role": "admin" }),
            )
            .ok(200, "The member with their new role.", schema("TeamMember"))
            .errors(&[400, 401, 403, 404, 413]),
        E::RemoveTeamMember => Op::new("Teams", "Remove a member, or leave")
            .describe(
                "Removes the member from the team, or, with the caller's own id, leaves it (any member whose token has `write:applications` may leave). \
                 Otherwise only the team's `owner`s and `admin`s remove members (a `developer` or `viewer` gets 403), and admins do not remove owners (403); \
                 the last owner cannot leave or be removed (403), not even by the operator, who may remove anyone else. \
                 Needs `write:applications`. An `sk_live_` key has no teams: 404.",
            )
            .params(TEAM_MEMBER)
            .no_content("Removed.")
            .errors(&[401, 403, 404]),
        E::TeamInvitations => Op::new("Teams", "List a team's invitations")
            .describe(&format!("Every invitation to the team, with its `status` now. {TEAM_MANAGE}"))
            .params(TEAM)
            .ok(200, "The invitations.", list("invitations", schema("OrganizationInvitation"), false))
            .errors(&[401, 403, 404]),
        E::InviteToTeam => Op::new("Teams", "Invite to a team")
            .describe(&format!(
                "Mails the address a single-use link to the Dashboard's invitation page; accepting it makes the invitee a member with `role`. \
                 Only an owner (or the operator) invites an owner (403 for an admin). An address with a pending invitation to the team is 409; \
                 a deployment that cannot send mail answers 503. {TEAM_MANAGE}"
            ))
            .params(TEAM)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["email"],
                    "additionalProperties": false,
                    "properties": {
                        "email": email_schema("The invitee's address."),
                        "role": team_role_schema("Their role once they accept (default `developer`)."),
                        "expires_in_days": { "type": "integer", "minimum": 1, "maximum": 30, "default": 7, "description": "How long the link works." },
                    },
                }),
                json!({ "email": "new.teammate@example.com", "role": "developer", "expires_in_days": 7 }),
            )
            .ok(
                201,
                "The invitation, `pending`, with its `role` (the link itself is only in the mail).",
                json!({
                    "allOf": [
                        schema("OrganizationInvitation"),
                        { "type": "object", "required": ["role"], "properties": { "role": team_role_schema("The role the invitee will have.") } },
                    ],
                }),
            )
            .errors(&[400, 401, 403, 404, 409, 413, 503]),
        E::RevokeTeamInvitation => Op::new("Teams", "Revoke a team invitation")
            .describe(&format!("Revokes a pending invitation; one no longer pending is 409. {TEAM_MANAGE}"))
            .params(TEAM_INVITATION)
            .no_content("Revoked.")
            .errors(&[401, 403, 404, 409]),
        E::TransferTeam => Op::new("Teams", "Transfer a team")
            .describe(
                "Makes the member `user_id` an owner; the owner who asks stays, as an admin. `user_id` must be another member (400). \
                 Only an owner (403 otherwise), or the operator (and a token with `operate:platform`; then nobody is demoted). \
                 Needs `write:applications`. An `sk_live_` key has no teams: 404.",
            )
            .params(TEAM)
            .json_body(
                json!({
                    "type": "object",
                    "required": ["user_id"],
                    "additionalProperties": false,
                    "properties": { "user_id": { "type": "string", "description": "The Dashboard user id (`usr_…`) of the member who becomes owner." } },
                }),
                json!({ "user_id": "{user_id}" }),
            )
            .ok(200, "The new owner.", schema("TeamMember"))
            .errors(&[400, 401, 403, 404, 413]),

        _ => return None,
    })
}


// ------------------------------------------------------------ client bodies

fn client_scopes_schema() -> Value {
    let known = ["openid", "profile", "email", "offline_access", "account"];
    let token = known.join("|");
    json!({
        "description": "The scopes the client may request, of `openid`, `profile`, `email`, `offline_access`, `account` (the last for first-party clients only); not empty. An array, or one space-separated string.",
        "anyOf": [
            { "type": "array", "minItems": 1, "items": { "type": "string", "enum": known } },
            { "type": "string", "pattern": format!("^ *(?:{token})(?: +(?:{token}))* *$") },
        ],
    })
}

/// The cross-field rules (`check_client_rules`) are in the operation's
/// description, not here: Redocly's example check reads `if`/`then`
/// subschemas as closed objects.
fn new_client_body() -> Value {
    json!({
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "properties": {
            "name": name_schema("The display name (shown on the consent page)."),
            "token_endpoint_auth_method": {
                "type": "string",
                "enum": ["client_secret_basic", "client_secret_post", "none"],
                "default": "client_secret_basic",
                "description": "`none`: a public client (no secret); otherwise confidential. Fixed at creation.",
            },
            "redirect_uris": uris_schema("At most 20, exact-match: `https`; `http` only on `localhost`, `*.localhost`, `127.0.0.1`, `[::1]`; or a reverse-domain private-use scheme (`com.example.app:/cb`). No fragment, no userinfo, no `.`/`..` segments, scheme and host in lower case, at most 2000 characters."),
            "post_logout_redirect_uris": uris_schema("Where RP-Initiated Logout may return (same rules)."),
            "grant_types": {
                "type": "array",
                "minItems": 1,
                "items": { "type": "string", "enum": ["authorization_code", "refresh_token", "client_credentials"] },
                "default": ["authorization_code", "refresh_token"],
                "description": "Fixed at creation.",
            },
            "scopes": client_scopes_schema(),
            "first_party": { "type": "boolean", "default": false, "description": "The platform's own application: skips consent, may have the `account` scope." },
            "require_pkce": { "type": "boolean", "default": true, "description": "Always true for a public client." },
            "id_token_signed_response_alg": { "type": "string", "enum": ["RS256", "ES256"], "default": "RS256" },
            "organization_usage": {
                "type": "string",
                "enum": ["none", "allowed", "required"],
                "default": "none",
                "description": "Whether its sign-ins are to an organization: never, when asked, always.",
            },
        },
    })
}

// ------------------------------------------------------------ provider bodies

/// `rp::config::required_text`: 1 to `max` bytes, no spaces or control
/// characters.
fn idp_text_schema(max: u32, description: &str) -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "pattern": "^[^ \\u0000-\\u001f\\u007f-\\u009f]+$",
        "description": format!("{description} 1 to {max} bytes, no spaces or control characters."),
    })
}

fn idp_scopes_schema() -> Value {
    json!({
        "description": "The scopes asked of the provider (at most 30 tokens of printable ASCII, no `\"` or `\\`): an array, or one space-separated string. An OpenID Connect provider's (`google`, `oidc`) must include `openid`.",
        "anyOf": [
            { "type": "array", "maxItems": 30, "items": { "type": "string", "minLength": 1, "maxLength": 256, "pattern": format!("^{SCOPE_TOKEN}+$") } },
            { "type": "string", "pattern": "^[ !#-\\[\\]-~]*$" },
        ],
    })
}

/// The scopes of an OpenID Connect provider: `openid` among them.
fn oidc_scopes_schema() -> Value {
    json!({
        "allOf": [
            idp_scopes_schema(),
            { "anyOf": [{ "type": "array", "contains": { "const": "openid" } }, { "type": "string", "pattern": "(?:^| )openid(?: |$)" }] },
        ],
    })
}

fn endpoint_schema(description: &str) -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": 2048,
        "pattern": "^https?://[^/?#@\\s]+(?:[/?][^#\\s]*)?$",
        "description": format!("{description} An absolute `https` URL (plain `http` only to a loopback host on a local platform; on a public one no IP address or loopback host), no userinfo, no fragment, at most 2048 characters."),
    })
}

/// One `type` of provider: its own members, and which are required.
fn idp_variant(kind: &str, required: &[&str], mut own: serde_json::Map<String, Value>, display_name: &str, scopes: Value) -> Value {
    own.insert("type".into(), json!({ "const": kind }));
    own.insert(
        "slug".into(),
        json!({
            "allOf": [app_slug_schema()],
            "description": format!("The path segment of `/rp/authorize/{{slug}}` and `/rp/callback/{{slug}}` (default `{kind}`): an application slug's rules; unique in the application."),
        }),
    );
    own.insert("display_name".into(), name_schema(display_name));
    own.insert("client_id".into(), idp_text_schema(512, "The client id at the provider."));
    own.insert("client_secret".into(), idp_text_schema(1024, "The client secret at the provider (sealed; never shown)."));
    own.insert("scopes".into(), scopes);
    own.insert("enabled".into(), json!({ "type": "boolean", "default": true }));
    let mut req = vec!["type", "client_id", "client_secret"];
    req.extend_from_slice(required);
    json!({ "type": "object", "title": kind, "required": req, "additionalProperties": false, "properties": own })
}

fn new_idp_body() -> Value {
    let auth = json!({
        "type": "string",
        "enum": ["client_secret_basic", "client_secret_post"],
        "description": "How Aero2 authenticates at the provider's token endpoint (an `oidc` provider's default comes from its discovery document; `oauth2`: `client_secret_basic`).",
    });
    let claim = |d: &str| json!({ "type": ["string", "null"], "maxLength": 128, "pattern": "^[^.\\u0000-\\u001f\\u007f-\\u009f]+(?:\\.[^.\\u0000-\\u001f\\u007f-\\u009f]+)*$", "description": d });
    let fields = |pairs: Vec<(&str, Value)>| pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<serde_json::Map<String, Value>>();
    let github = idp_variant(
        "github",
        &[],
        fields(vec![("enterprise_url", endpoint_schema("GitHub Enterprise Server's base URL (default github.com)."))]),
        "Shown on the sign-in page (default `GitHub`).",
        json!({ "allOf": [idp_scopes_schema()], "default": ["read:user", "user:email"] }),
    );
    let google = idp_variant(
        "google",
        &[],
        fields(vec![("issuer", endpoint_schema("Another issuer than `https://accounts.google.com`."))]),
        "Shown on the sign-in page (default `Google`).",
        json!({ "allOf": [oidc_scopes_schema()], "default": ["openid", "email", "profile"] }),
    );
    let oidc = idp_variant(
        "oidc",
        &["issuer", "display_name"],
        fields(vec![
            ("issuer", endpoint_schema("The issuer: its `/.well-known/openid-configuration` is fetched now.")),
            ("token_endpoint_auth_method", auth.clone()),
        ]),
        "Shown on the sign-in page (required).",
        json!({ "allOf": [oidc_scopes_schema()], "default": ["openid", "email", "profile"] }),
    );
    let subject = json!({
        "type": "string",
        "maxLength": 128,
        "pattern": "^[^.\\u0000-\\u001f\\u007f-\\u009f]+(?:\\.[^.\\u0000-\\u001f\\u007f-\\u009f]+)*$",
        "description": "Where the subject is (default `sub`).",
    });
    let oauth2 = idp_variant(
        "oauth2",
        &["display_name", "authorization_endpoint", "token_endpoint", "userinfo_endpoint"],
        fields(vec![
            ("authorization_endpoint", endpoint_schema("The authorization endpoint.")),
            ("token_endpoint", endpoint_schema("The token endpoint.")),
            ("userinfo_endpoint", endpoint_schema("Where the profile is read (JSON), with the access token.")),
            ("token_endpoint_auth_method", auth),
            (
                "claims",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "description": "Where each profile field is in the UserInfo JSON: a member name or a dotted path (at most 128 characters); null for none. Defaults: `sub`, `email`, `email_verified`, `name`, `picture`.",
                    "properties": {
                        "subject": subject,
                        "email": claim("Default `email`."),
                        "email_verified": claim("Default `email_verified`."),
                        "name": claim("Default `name`."),
                        "picture": claim("Default `picture`."),
                    },
                }),
            ),
        ]),
        "Shown on the sign-in page (required).",
        json!({ "allOf": [idp_scopes_schema()], "default": [] }),
    );
    json!({ "oneOf": [github, google, oidc, oauth2] })
}

// ------------------------------------------------------------ schemas

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("Application", application()),
        ("ApplicationSettings", application_settings()),
        ("ApiKey", api_key()),
        ("CustomDomain", custom_domain()),
        ("Client", client()),
        ("User", user()),
        ("TokenClaims", token_claims()),
        ("TokenClaimsPreview", token_claims_preview()),
        ("UserFactor", user_factor()),
        ("UserSession", user_session()),
        ("UserIdentity", user_identity()),
        ("SignupInvitation", signup_invitation()),
        ("OutboxMessage", outbox_message()),
        ("SigningKey", signing_key()),
        ("SigningKeys", signing_keys()),
        ("SigningJwks", signing_jwks()),
        ("TenantShards", tenant_shards()),
        ("IdentityProvider", identity_provider()),
        ("Team", team()),
        ("TeamMember", team_member()),
    ]
}




fn application() -> Value {
    json!({
        "type": "object",
        "description": "An application: its own host, OP, users and settings.",
        "required": ["id", "slug", "name", "settings", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string", "description": "`app_` and 32 hex digits (`app_dashboard` for the Dashboard)." },
            "slug": { "type": "string", "description": "Its host label: `<slug>.<platform domain>`." },
            "name": { "type": "string" },
            "settings": schema("ApplicationSettings"),
            "created_at": millis("Creation time."),
            "updated_at": millis("Last change."),
            "team_id": {
                "type": ["string", "null"],
                "description": "The Developer Team that owns it; null for one of the operator's that no team owns. In every answer of `/applications…`; absent from a team's list of applications.",
            },
        },
    })
}

fn application_settings() -> Value {
    let seconds = |min: u32, max: u32, d: &str| json!({ "type": "integer", "minimum": min, "maximum": max, "description": d });
    let policy = |values: &[&str], d: &str| json!({ "type": "string", "enum": values, "description": d });
    let limit = json!({
        "type": "object",
        "required": ["max", "window_seconds"],
        "properties": {
            "max": { "type": "integer", "minimum": 1, "maximum": 1_000_000 },
            "window_seconds": { "type": "integer", "minimum": 1, "maximum": 86_400 },
        },
    });
    let limit_names: Vec<&str> = crate::rate_limit::Class::ALL.iter().map(|c| c.setting_name()).collect();
    json!({
        "type": "object",
        "description": "Per-application settings. Every member is optional and has a default; an answer omits a member that was never set (except `allowed_origins`, always there). \
                        Unknown members are refused (400). When sent in an update, this object **replaces** the stored one as a whole.",
        "properties": {
            "allowed_origins": {
                "type": "array",
                "maxItems": 50,
                "items": { "type": "string", "pattern": origin_pattern() },
                "description": "Exact origins allowed to call the application cross-origin (CORS): `scheme://host[:port]`, no path or wildcard; `https`, or `http` for `localhost`, `127.0.0.1`, `*.localhost`; a port from 1 to 65535. At most 50; duplicates dropped, host lower-cased. Default none.",
            },
            "authorization_code_ttl_seconds": seconds(5, 600, "Lifetime of authorization codes (default 60)."),
            "lockout": {
                "type": "object",
                "required": ["max_failures", "window_seconds", "lock_seconds"],
                "description": "Sign-in lockout: after `max_failures` failures within `window_seconds`, the address is locked for `lock_seconds`, doubling on repeat up to a day. Default 5 in 900 s lock 300 s.",
                "properties": {
                    "max_failures": seconds(1, 100, "Failures that lock."),
                    "window_seconds": seconds(60, 86_400, "The window they are counted in."),
                    "lock_seconds": seconds(1, 86_400, "The first lock's length."),
                },
            },
            "signup": {
                "type": "object",
                "description": "Who may sign up on the hosted pages (users created through this API are not subject to it). Default: anyone.",
                "properties": {
                    "mode": policy(&["open", "invite_only", "disabled"], "`open` (default): anyone; `invite_only`: invited addresses only (`…/invitations`); `disabled`: nobody."),
                    "allowed_domains": {
                        "type": "array",
                        "maxItems": 100,
                        "items": hostname_schema("An address domain (exact match)."),
                        "description": "When not empty, only addresses of these domains may sign up. Omitted from answers when empty.",
                    },
                },
            },
            "email_verification": policy(&["off", "optional", "required"], "`off`: no verification mail; `optional` (default): mailed at sign-up, nothing waits; `required`: no sign-in until confirmed."),
            "rate_limits": {
                "type": "object",
                "description": "Overrides of the default rate limits, by name, each `{max, window_seconds}`.",
                "propertyNames": { "enum": limit_names },
                "additionalProperties": limit,
            },
            "idp_linking": policy(&["verified_email", "never"], "When a sign-in through an identity provider joins an existing account by address: `verified_email` (default: both sides verified it) or `never`."),
            "recent_sign_in_seconds": seconds(1, 3600, "How recent a sign-in proves presence for a sensitive account change without the password (default 300)."),
            "refresh_token_reuse_leeway_seconds": seconds(0, 300, "How long a rotated refresh token may be presented again for a fresh successor while its successor is unused (default 10; 0 turns it off)."),
            "roles_in_id_token": { "type": "boolean", "description": "Whether ID tokens carry the user's `roles` (default false)." },
            "default_roles": {
                "type": "array",
                "maxItems": 10,
                "items": name_schema("A role name."),
                "description": "Role names every new user gets; names of no role are skipped. Duplicates dropped.",
            },
            "mfa": policy(&["off", "optional", "required"], "Second factors: `off` (none can be added), `optional` (default), `required` (every user must have one)."),
            "mfa_max_age_seconds": seconds(1, 2_592_000, "How long a second factor satisfies a step-up after the sign-in that proved it (default: the session's life)."),
            "sms_countries": {
                "type": "array",
                "maxItems": 300,
                "items": { "type": "string", "pattern": "^[1-9][0-9]{0,2}$" },
                "description": "Country calling codes (`1`, `44`, …) second-factor codes may be texted to. Default none: no text is sent.",
            },
            "email_sign_in": { "type": "boolean", "description": "Whether the sign-in page offers a code and link by email (default true)." },
            "mfa_factors": {
                "type": "array",
                "items": { "type": "string", "enum": ["totp", "passkey", "sms"] },
                "description": "The kinds of second factor users may add (default all). Duplicates dropped.",
            },
            "passkey_sign_in": { "type": "boolean", "description": "Whether a passkey alone signs a user in (default true)." },
            "passkey_user_verification": policy(&["required", "preferred", "discouraged"], "User verification asked of passkeys (default `preferred`)."),
            "mfa_remember_days": seconds(1, 90, "For how many days a browser may be remembered after a second factor (default: never)."),
            "audit_retention_days": seconds(1, 3650, "How many days audit entries are kept (default 30)."),
            "metadata": metadata_schema("The application's own data, for token templates (`{{application.metadata.…}}`)."),
            "token_claims": schema("TokenClaims"),
            "branding": {
                "type": ["object", "null"],
                "description": "The hosted pages' logo and button colour (served as `/ui/brand.css`). null is the same as leaving it out. Unknown members are refused (400).",
                "properties": {
                    "logo_url": {
                        "type": ["string", "null"],
                        "maxLength": 2000,
                        "pattern": "^https://[!#-&(-.0-;=?-\\[\\]-_a-~][!#-&(-;=?-\\[\\]-_a-~]*$",
                        "description": "An `https:` URL of an image: printable ASCII without quotes, `<`, `>`, `\\` or backquote; at most 2000 characters.",
                    },
                    "primary_color": { "type": ["string", "null"], "pattern": "^#[0-9A-Fa-f]{6}$", "description": "`#rrggbb` (stored in lower case)." },
                },
            },
        },
    })
}

fn api_key() -> Value {
    json!({
        "type": "object",
        "description": "An API key (never the key itself, except once at creation).",
        "required": ["id", "app_id", "kind", "name", "prefix", "created_at", "last_used_at", "revoked_at"],
        "properties": {
            "id": { "type": "string", "description": "`key_` and 32 hex digits." },
            "app_id": { "type": "string" },
            "kind": { "type": "string", "enum": ["pk", "sk"], "description": "`sk`: secret (`sk_live_…`); `pk`: publishable (`pk_live_…`)." },
            "name": { "type": "string" },
            "prefix": { "type": "string", "description": "The key's first characters, to recognise it." },
            "created_at": millis("Creation time."),
            "last_used_at": millis_or_null("Last authentication with it; null if never."),
            "revoked_at": millis_or_null("When it was revoked; null while valid."),
        },
    })
}

fn custom_domain() -> Value {
    json!({
        "type": "object",
        "required": ["hostname", "verified", "created_at", "verified_at", "dns_records"],
        "properties": {
            "hostname": { "type": "string" },
            "verified": { "type": "boolean", "description": "Whether it serves the application." },
            "created_at": millis("When it was added."),
            "verified_at": millis_or_null("When it was verified; null until then."),
            "dns_records": {
                "type": "array",
                "description": "The DNS records that point it at the application.",
                "items": {
                    "type": "object",
                    "required": ["type", "name", "value"],
                    "properties": {
                        "type": { "type": "string", "description": "`CNAME`." },
                        "name": { "type": "string" },
                        "value": { "type": "string", "description": "The application's platform host, `<slug>.<platform domain>`." },
                    },
                },
            },
        },
    })
}

fn client() -> Value {
    json!({
        "type": "object",
        "description": "An OAuth client (never its secret).",
        "required": [
            "client_id", "app_id", "name", "client_type", "token_endpoint_auth_method", "redirect_uris", "post_logout_redirect_uris",
            "grant_types", "scopes", "first_party", "require_pkce", "id_token_signed_response_alg", "disabled", "organization_usage",
            "created_at", "updated_at",
        ],
        "properties": {
            "client_id": { "type": "string", "description": "`cl_` and 32 hex digits (`aero2-dashboard` for the Dashboard's web app)." },
            "app_id": { "type": "string" },
            "name": { "type": "string" },
            "client_type": { "type": "string", "enum": ["confidential", "public"] },
            "token_endpoint_auth_method": { "type": "string", "enum": ["client_secret_basic", "client_secret_post", "none"] },
            "redirect_uris": { "type": "array", "items": { "type": "string" } },
            "post_logout_redirect_uris": { "type": "array", "items": { "type": "string" } },
            "grant_types": { "type": "array", "items": { "type": "string", "enum": ["authorization_code", "refresh_token", "client_credentials"] } },
            "scopes": { "type": "string", "description": "The scopes it may request, space-separated." },
            "first_party": { "type": "boolean" },
            "require_pkce": { "type": "boolean", "description": "PKCE is required of public clients whatever this says." },
            "id_token_signed_response_alg": { "type": "string", "enum": ["RS256", "ES256"] },
            "disabled": { "type": "boolean" },
            "organization_usage": { "type": "string", "enum": ["none", "allowed", "required"] },
            "created_at": millis("Creation time."),
            "updated_at": millis("Last change."),
        },
    })
}

fn user() -> Value {
    json!({
        "type": "object",
        "description": "A user of the application (never their password).",
        "required": ["id", "app_id", "email", "email_verified", "name", "picture", "disabled", "created_at", "updated_at", "metadata"],
        "properties": {
            "id": { "type": "string", "description": "`usr_` and 32 hex digits." },
            "app_id": { "type": "string" },
            "email": { "type": ["string", "null"], "description": "In lower case; null for an account without one (e.g. from a provider that gave none)." },
            "email_verified": { "type": "boolean" },
            "name": { "type": ["string", "null"] },
            "picture": { "type": ["string", "null"], "description": "A picture URL (from an identity provider)." },
            "disabled": { "type": "boolean", "description": "A disabled user cannot sign in; their tokens are refused." },
            "created_at": millis("Creation time."),
            "updated_at": millis("Last change."),
            "metadata": { "type": "object", "description": "The application's own data about the user (`{}` when none)." },
        },
    })
}

fn token_claims_preview() -> Value {
    json!({
        "type": "object",
        "required": ["user_id", "org_id", "scope", "id_token", "access_token", "omitted"],
        "properties": {
            "user_id": { "type": "string" },
            "org_id": { "type": ["string", "null"] },
            "scope": { "type": "string" },
            "id_token": { "type": "object", "description": "The custom claims the ID token would carry." },
            "access_token": { "type": "object", "description": "The custom claims the access token would carry." },
            "omitted": {
                "type": "object",
                "required": ["id_token", "access_token"],
                "properties": {
                    "id_token": { "type": "array", "items": { "type": "string" } },
                    "access_token": { "type": "array", "items": { "type": "string" } },
                },
                "description": "Claims left out for size.",
            },
        },
    })
}

/// A JSON object of at most 4 KB (`aero2_core::custom_claims::parse_metadata`).
fn metadata_schema(description: &str) -> Value {
    json!({ "type": "object", "description": format!("{description} A JSON object of at most 4096 bytes.") })
}

fn token_claims() -> Value {
    let template = json!({
        "type": "object",
        "maxProperties": 20,
        "propertyNames": { "pattern": "^[A-Za-z0-9_.:/-]{1,64}$" },
        "description": "Claim names (not a protocol or standard profile claim: `sub`, `email`, `permissions`, `org_id`, … are reserved) to values: JSON kept as is, \
                        except strings, where `{{path}}` refers to `user.id`, `user.email`/`user.email_verified` (with the `email` scope), \
                        `user.name`/`user.picture` (with `profile`), `user.metadata.…`, `application.id`/`slug`/`name`/`metadata.…`, \
                        and `organization.id`/`slug`/`name`/`roles`/`metadata.…` (a token issued in an organization). \
                        A string that is one reference becomes the value there (left out when there is none); references in other text are replaced by their text. \
                        At most 2048 bytes as JSON.",
    });
    json!({
        "type": "object",
        "description": "Custom claims of the tokens of the application's first-party clients. A rendered value that would take a token's custom claims past 4096 bytes is left out (the preview says which).",
        "properties": { "id_token": template.clone(), "access_token": template },
    })
}

fn user_factor() -> Value {
    json!({
        "type": "object",
        "description": "A second factor (never its secret).",
        "required": ["id", "user_id", "kind", "confirmed_at", "last_used_at", "created_at"],
        "properties": {
            "id": { "type": "string" },
            "user_id": { "type": "string" },
            "kind": { "type": "string", "enum": ["totp", "passkey", "sms"], "description": "`totp` (an authenticator app), `passkey` or `sms`." },
            "confirmed_at": millis_or_null("When its first code was accepted; null while enrolment is unfinished (a passkey is confirmed when made)."),
            "last_used_at": millis_or_null("Last use; null if never."),
            "created_at": millis("When it was added."),
        },
    })
}

fn user_session() -> Value {
    json!({
        "type": "object",
        "description": "A signed-in browser.",
        "required": ["id", "created_at", "last_seen_at", "user_agent", "ip", "current"],
        "properties": {
            "id": { "type": "string", "description": "The session id (`sid` of its tokens)." },
            "created_at": millis("Sign-in time."),
            "last_seen_at": millis("Last request."),
            "user_agent": { "type": ["string", "null"] },
            "ip": { "type": ["string", "null"] },
            "current": { "type": "boolean", "description": "Always false here (no session is the caller's)." },
        },
    })
}

fn user_identity() -> Value {
    json!({
        "type": "object",
        "description": "A provider's subject linked to the user.",
        "required": ["id", "provider", "provider_name", "subject", "email", "email_verified", "linked_at", "last_login_at"],
        "properties": {
            "id": { "type": "string", "description": "`idn_` and 32 hex digits." },
            "provider": { "type": ["string", "null"], "description": "The provider's slug; null if it is gone." },
            "provider_name": { "type": ["string", "null"], "description": "Its display name; null if it is gone." },
            "subject": { "type": "string", "description": "The user's id at the provider." },
            "email": { "type": ["string", "null"], "description": "The provider's address for the user." },
            "email_verified": { "type": "boolean", "description": "Whether the provider vouched for it, when last seen." },
            "linked_at": millis("When it was linked."),
            "last_login_at": millis("Last sign-in through it."),
        },
    })
}

fn signup_invitation() -> Value {
    json!({
        "type": "object",
        "description": "An address invited to sign up.",
        "required": ["email", "created_at", "accepted_at"],
        "properties": {
            "email": { "type": "string" },
            "created_at": millis("When it was invited."),
            "accepted_at": millis_or_null("When it signed up; null until then."),
        },
    })
}

fn outbox_message() -> Value {
    json!({
        "type": "object",
        "description": "A message in the local outbox.",
        "required": ["id", "recipient", "subject", "body", "kind", "created_at"],
        "properties": {
            "id": { "type": "string" },
            "recipient": { "type": "string" },
            "subject": { "type": "string" },
            "body": { "type": "string", "description": "Plain text (may hold a single-use link)." },
            "kind": { "type": "string", "description": "What it is for: `password_reset`, `email_verification`, `email_signin`, `organization_invitation`, …" },
            "created_at": millis("When it was sent."),
        },
    })
}

fn signing_key() -> Value {
    json!({
        "type": "object",
        "description": "A signing key (no key material).",
        "required": ["kid", "alg", "status", "created_at", "activates_at", "expires_at"],
        "properties": {
            "kid": { "type": "string", "description": "Its RFC 7638 thumbprint." },
            "alg": { "type": "string", "enum": ["RS256", "ES256"] },
            "status": { "type": "string", "enum": ["pending", "active", "retired"] },
            "created_at": millis("When it was made."),
            "activates_at": millis("When it signs (or began to)."),
            "expires_at": millis_or_null("When a retired key stops being published; null otherwise."),
            "shard": { "type": "integer", "minimum": 0, "description": "The signer shard holding it." },
        },
    })
}

fn tenant_shards() -> Value {
    json!({
        "type": "object",
        "required": ["shards", "max"],
        "properties": {
            "shards": { "type": "integer", "minimum": 1, "maximum": 16, "description": "How many `TenantApp` objects hold the application's grants." },
            "max": { "type": "integer", "description": "The most it may have (16)." },
        },
    })
}

fn signing_keys() -> Value {
    json!({
        "type": "object",
        "required": ["keys", "signer"],
        "properties": {
            "keys": array(schema("SigningKey")),
            "signer": {
                "type": "object",
                "description": "Where the keys live: the shard, and a move under way (`moving`, null when none).",
                "required": ["shard", "shards", "moving"],
                "properties": {
                    "shard": { "type": "integer", "minimum": 0, "description": "The shard holding its keys (after a move, the new one)." },
                    "shards": { "type": "integer", "minimum": 1, "description": "How many shards the deployment has." },
                    "moving": {
                        "type": ["object", "null"],
                        "required": ["from", "switch_at", "until"],
                        "properties": {
                            "from": { "type": "integer", "minimum": 0, "description": "The shard it is leaving." },
                            "switch_at": millis("When the new shard's keys sign, and the old one's retire."),
                            "until": millis("When the old shard's keys leave the JWKS."),
                        },
                    },
                },
            },
        },
    })
}

fn signing_jwks() -> Value {
    json!({
        "type": "object",
        "description": "The application's public keys (RFC 7517 JWK Set), as its `/.well-known/jwks.json` serves them.",
        "required": ["keys"],
        "properties": {
            "keys": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kty", "use", "alg", "kid"],
                    "properties": {
                        "kty": { "type": "string", "enum": ["RSA", "EC"] },
                        "use": { "type": "string", "const": "sig" },
                        "alg": { "type": "string", "enum": ["RS256", "ES256"] },
                        "kid": { "type": "string" },
                        "n": { "type": "string", "description": "RSA modulus (base64url)." },
                        "e": { "type": "string", "description": "RSA exponent (base64url)." },
                        "crv": { "type": "string", "const": "P-256" },
                        "x": { "type": "string" },
                        "y": { "type": "string" },
                    },
                },
            },
        },
    })
}

fn identity_provider() -> Value {
    let url = json!({ "type": "string" });
    json!({
        "type": "object",
        "description": "An upstream identity provider (never its client secret).",
        "required": ["id", "app_id", "slug", "type", "display_name", "client_id", "scopes", "enabled", "endpoints", "source", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string", "description": "`idp_` and 32 hex digits, or `idp_static_…` for one from deployment configuration." },
            "app_id": { "type": "string" },
            "slug": { "type": "string" },
            "type": { "type": "string", "enum": ["github", "google", "oidc", "oauth2"] },
            "display_name": { "type": "string" },
            "client_id": { "type": "string" },
            "scopes": { "type": "array", "items": { "type": "string" } },
            "enabled": { "type": "boolean" },
            "endpoints": {
                "type": "object",
                "description": "Where the provider's endpoints are, resolved at creation (a static `oidc` provider's are empty strings until first used).",
                "required": ["authorization_endpoint", "token_endpoint", "token_endpoint_auth_method", "authorization_response_iss_parameter_supported"],
                "properties": {
                    "issuer": { "type": "string", "description": "OpenID Connect providers: the `iss` of their ID tokens." },
                    "authorization_endpoint": url.clone(),
                    "token_endpoint": url.clone(),
                    "userinfo_endpoint": url.clone(),
                    "jwks_uri": url.clone(),
                    "emails_endpoint": { "type": "string", "description": "GitHub: the address list." },
                    "token_endpoint_auth_method": { "type": "string", "enum": ["client_secret_basic", "client_secret_post"] },
                    "authorization_response_iss_parameter_supported": { "type": "boolean", "description": "RFC 9207: its authorization responses carry `iss`." },
                },
            },
            "claims": {
                "type": "object",
                "description": "`oauth2` providers: where each profile field is in the UserInfo JSON (null: not read).",
                "required": ["subject", "email", "email_verified", "name", "picture"],
                "properties": {
                    "subject": { "type": "string" },
                    "email": { "type": ["string", "null"] },
                    "email_verified": { "type": ["string", "null"] },
                    "name": { "type": ["string", "null"] },
                    "picture": { "type": ["string", "null"] },
                },
            },
            "source": { "type": "string", "enum": ["api", "static"], "description": "`static`: from deployment configuration (`AERO2_STATIC_IDPS`), read-only." },
            "created_at": millis("Creation time."),
            "updated_at": millis("Last change."),
            "redirect_uri": { "type": "string", "description": "The callback URL to register with the provider (`<issuer>/rp/callback/<slug>`)." },
            "client_secret_set": { "type": "boolean", "description": "Always true: a secret is set (it is never shown)." },
        },
    })
}

fn team() -> Value {
    json!({
        "type": "object",
        "description": "A Developer Team: developers who share applications.",
        "required": ["id", "slug", "name", "personal", "role", "created_at"],
        "properties": {
            "id": { "type": "string", "description": "`org_` and 32 hex digits." },
            "slug": { "type": "string" },
            "name": { "type": "string" },
            "personal": { "type": "boolean", "description": "A developer's personal team, made with their account." },
            "role": {
                "type": ["string", "null"],
                "enum": ["owner", "admin", "developer", "viewer", null],
                "description": "The caller's role in it; null for the operator (and a token with `operate:platform`).",
            },
            "created_at": millis("Creation time."),
        },
    })
}

fn team_member() -> Value {
    json!({
        "type": "object",
        "required": ["user_id", "email", "name", "role", "joined_at"],
        "properties": {
            "user_id": { "type": "string", "description": "Their Dashboard user id." },
            "email": { "type": ["string", "null"] },
            "name": { "type": ["string", "null"] },
            "role": {
                "type": ["string", "null"],
                "enum": ["owner", "admin", "developer", "viewer", null],
                "description": "Their team role (null if they hold none, which acts as `viewer`).",
            },
            "joined_at": millis("When they joined."),
        },
    })
}


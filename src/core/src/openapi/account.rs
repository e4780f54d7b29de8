//! The account API (`/account/…`, on an application's host).

use super::shapes::{email_schema, name_schema};
use super::{array, schema, Op};
use crate::routes::account::Endpoint;
use serde_json::{json, Value};

// ------------------------------------------------------------ path parameters

const SESSION: &[(&str, &str)] = &[("sid", "The session's public id (its `id` in `GET /account/sessions`: 32 hex digits).")];
const IDENTITY: &[(&str, &str)] = &[("identity_id", "The linked identity's id (`idn_…`).")];
const FACTOR: &[(&str, &str)] = &[("factor_id", "The second factor's id (`mfa_…`).")];
const ORG: &[(&str, &str)] = &[("org_id", "The organization's id (`org_…`).")];
const ORG_MEMBER: &[(&str, &str)] = &[
    ("org_id", "The organization's id (`org_…`)."),
    ("user_id", "The member's user id (`usr_…`); the caller's own to leave."),
];
const ORG_INVITATION: &[(&str, &str)] =
    &[("org_id", "The organization's id (`org_…`)."), ("invitation_id", "The invitation's id (`inv_…`).")];

// ------------------------------------------------------------ shared prose

/// Who may call any account route.
const TOKEN: &str = "Takes only a user's access token with the `account` scope and the account API's audience (`<issuer>/account`), issued to an enabled first-party client; any other token of the application is 403 `insufficient_scope`. The token goes in the `Authorization: Bearer` header (or, on a `POST` with a form body, as `access_token`, never both ways: 400).";

/// What a sensitive change needs.
const PRESENCE: &str = "Needs presence: a sign-in within the application's `recent_sign_in_seconds` (default 300; the token's `auth_time`), or the current password as `current_password` in the JSON body. Without either: 401 `insufficient_user_authentication` with `max_age` in `WWW-Authenticate`; a wrong password is 403, and counts toward the sign-in lockout (403 while locked).";

/// What the organization self-service routes need besides the token.
const ORG_ADMIN: &str = "The token must have been issued in this organization (its `org_id` claim; another organization's token is 403 `insufficient_scope`), and the caller must still be a member (403 otherwise). Their organization roles are read at each request; an admin may give, take or remove only roles whose every permission (API and organization) they hold there themselves (403 otherwise). Not served on the Dashboard (404: Developer Teams are managed through `/api/v1/teams`). Changes are audited with the organization, actor `user:<id>`, `via: organization_admin`.";

// ------------------------------------------------------------ request shapes




fn current_password() -> Value {
    json!({ "type": "string", "description": "The account's current password, to prove presence (checked under the sign-in lockout)." })
}

/// A JSON object whose one member may be `current_password` (the body of
/// a change that needs presence).
fn presence_body() -> Value {
    json!({
        "type": "object",
        "properties": { "current_password": current_password() },
        "description": "May be empty (`{}`, or no body at all) when the sign-in is recent; other members are ignored.",
    })
}

fn role_ids(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string", "description": "A role id (`rol_…`) of the application." }, "description": description })
}

// ------------------------------------------------------------ answers

/// A bearer refusal: 401 with its challenge (`unauthorized` when no
/// token was presented).
fn unauthorized(o: Op, presence: bool) -> Op {
    let text = if presence {
        "No token (the challenge then names no error, RFC 6750 §3.1, and the body's `error` is `unauthorized`); or one that is invalid, expired, revoked, or of a deleted or disabled client or user (`invalid_token`); or the change needs presence (`insufficient_user_authentication`, with `max_age` in the challenge). `WWW-Authenticate: Bearer` says which, with `scope=\"account\"`."
    } else {
        "No token (the challenge then names no error, RFC 6750 §3.1, and the body's `error` is `unauthorized`), or one that is invalid, expired, revoked, or of a deleted or disabled client or user (`invalid_token`). `WWW-Authenticate: Bearer` says which, with `scope=\"account\"`."
    };
    o.ok(401, text, schema("Error"))
}

/// An account operation: the shared refusals of the token.
fn account(summary: &str, description: &str, presence: bool) -> Op {
    unauthorized(Op::new("Account", summary).describe(description), presence)
}

pub(super) fn describe(e: Endpoint) -> Op {
    use Endpoint as E;
    match e {
        // ---------------------------------------------------- profile
        E::Profile => account("Get the profile", &format!("The signed-in user's own profile. {TOKEN}"), false)
            .ok(200, "The profile.", schema("AccountProfile"))
            .errors(&[403]),
        E::UpdateProfile => account(
            "Update the profile",
            &format!(
                "Changes `name` and `picture` (at least one; `picture: null` removes it). The address, `email_verified`, `sub` and the password cannot be changed here (400 naming the field; `/account/email` and `/account/password` change them). Unknown members are 400. {TOKEN}"
            ),
            false,
        )
        .json_body(
            json!({
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "properties": {
                    "name": name_schema("The user's name: 1 to 100 characters once trimmed, no control characters."),
                    "picture": {
                        "type": ["string", "null"],
                        "maxLength": 2000,
                        "pattern": "^https://[^/\\s\\u0000-\\u001f\\u007f-\\u009f\"<>][^\\s\\u0000-\\u001f\\u007f-\\u009f\"<>]*$",
                        "description": "An `https` URL of at most 2000 characters, without spaces, control characters, `\"`, `<` or `>`; `null` removes the picture.",
                    },
                },
            }),
            json!({ "name": "Ada Lovelace", "picture": "https://cdn.example.com/ada.png" }),
        )
        .ok(200, "The profile as it is now.", schema("AccountProfile"))
        .errors(&[400, 403, 413]),
        E::ChangeEmail => account(
            "Change the email address",
            &format!(
                "Mails a confirmation link (24 hours, single use) to the new address; nothing changes until it is opened (`/verify`), which moves the account, ends every other session and grant, and mails the old address a link that undoes it. An address another account has gets the same answer (and its owner a mail instead of a link). The address already the account's is 400; more than the per-account mail limit is 403. {PRESENCE} A deployment that cannot send mail answers 503. {TOKEN}"
            ),
            true,
        )
        .json_body(
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["email"],
                "properties": {
                    "email": email_schema("The new address; read trimmed and in lower case."),
                    "current_password": current_password(),
                },
            }),
            json!({ "email": "ada.new@example.com", "current_password": "{password}" }),
        )
        .ok(
            200,
            "The link was mailed (or the owner of a taken address was told).",
            json!({
                "type": "object",
                "required": ["pending_email"],
                "properties": { "pending_email": { "type": "string", "description": "The new address, as it will be stored (lower case), until the link is opened." } },
            }),
        )
        .errors(&[400, 403, 413, 503]),
        E::ChangePassword => account(
            "Change the password",
            &format!(
                "Needs the current password (checked under the sign-in lockout: a wrong one is 403, and 403 while locked). The new one: at least 8 characters, at most 256 bytes. Ends every other session and grant of the user (the caller's own stays). {TOKEN}"
            ),
            false,
        )
        .json_body(
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["current_password", "new_password"],
                "properties": {
                    "current_password": { "type": "string", "description": "The current password." },
                    "new_password": { "type": "string", "minLength": 8, "maxLength": 256, "description": "At least 8 characters (code points), at most 256 bytes; no other rule." },
                },
            }),
            json!({ "current_password": "{password}", "new_password": "a brand new long passphrase" }),
        )
        .no_content("Changed; every other session and grant ended.")
        .errors(&[400, 403, 413]),

        // ---------------------------------------------------- sessions
        E::Sessions => account("List sessions", &format!("The user's live browser sessions at the application's hosted pages, newest use first; `current` marks the one the caller's token came from. {TOKEN}"), false)
            .ok(200, "The sessions.", json!({ "type": "object", "required": ["sessions"], "properties": { "sessions": array(schema("AccountSession")) } }))
            .errors(&[403]),
        E::EndOtherSessions => account("End the other sessions", &format!("Ends every session and grant of the user except the caller's own (their refresh and access tokens stop working at once). {TOKEN}"), false)
            .no_content("Ended.")
            .errors(&[403]),
        E::EndSession => account("End a session", &format!("Ends one of the user's sessions (the caller's own too) and the grants issued through it. {TOKEN}"), false)
            .params(SESSION)
            .no_content("Ended.")
            .errors(&[403, 404]),

        // ---------------------------------------------------- identities
        E::Identities => account("List linked identities", &format!("The upstream identity providers linked to the account (`email` and `email_verified` as the provider last said), and whether the account has a password. {TOKEN}"), false)
            .ok(
                200,
                "The identities.",
                json!({
                    "type": "object",
                    "required": ["identities", "has_password"],
                    "properties": {
                        "identities": array(schema("AccountIdentity")),
                        "has_password": { "type": "boolean", "description": "Whether the account can sign in with a password." },
                    },
                }),
            )
            .errors(&[403]),
        E::Unlink => account("Unlink an identity", &format!("Unlinks one upstream identity. The account's last way to sign in (no password, no other identity) is 409. {TOKEN}"), false)
            .params(IDENTITY)
            .no_content("Unlinked.")
            .errors(&[403, 404, 409]),

        // ---------------------------------------------------- second factors
        E::Factors => account("List second factors", &format!("The user's second factors (authenticator apps, passkeys, phones; never a secret), confirmed or waiting for their first code, the recovery codes left and the application's policy. {TOKEN}"), false)
            .ok(
                200,
                "The factors.",
                json!({
                    "type": "object",
                    "required": ["factors", "recovery_codes_left", "policy"],
                    "properties": {
                        "factors": array(schema("AccountFactor")),
                        "recovery_codes_left": { "type": "integer", "minimum": 0, "description": "Unused recovery codes." },
                        "policy": { "type": "string", "enum": ["off", "optional", "required"], "description": "The application's `settings.mfa`: `off` (none may be added), `optional`, `required` (every user must have one)." },
                    },
                }),
            )
            .errors(&[403]),
        E::AddTotp => account(
            "Add an authenticator app",
            &format!(
                "Starts an enrolment: a new secret, its `otpauth://` URI and its QR code (SVG). The factor counts once its first code is confirmed (`POST /account/factors/{{factor_id}}/confirm`). 403 where the application offers no authenticator apps (`mfa: off`, or not in `mfa_factors`). The body is optional. {PRESENCE} {TOKEN}"
            ),
            true,
        )
        .json_body(presence_body(), json!({ "current_password": "{password}" }))
        .optional_body()
        .ok(200, "The enrolment, waiting for its first code.", schema("AccountTotpEnrolment"))
        .errors(&[400, 403, 413]),
        E::AddSms => account(
            "Add a phone for text-message codes",
            &format!(
                "Checks the number and texts it a 6-digit code (5 minutes); the phone counts once that code is confirmed (`POST /account/factors/{{factor_id}}/confirm`). The number must be E.164 (`+` and 8 to 15 digits; spaces, dashes, dots and parentheses are dropped) and in one of the application's `settings.sms_countries` (none by default): 400 on `phone` otherwise. 403 where the application offers no text messages; 429 with `Retry-After` past the per-number, per-range or daily limits; 503 without an SMS provider (or when it refused the message). {PRESENCE} {TOKEN}"
            ),
            true,
        )
        .json_body(
            json!({
                "type": "object",
                "required": ["phone"],
                "properties": {
                    "phone": {
                        "type": "string",
                        "pattern": "^[ .()\\-]*\\+[ .()\\-]*[1-9](?:[ .()\\-]*[0-9]){7,14}[ .()\\-]*$",
                        "description": "An international number: `+`, the country code, then 8 to 15 digits in all (spaces, dashes, dots and parentheses allowed).",
                    },
                    "current_password": current_password(),
                },
            }),
            json!({ "phone": "+14155550123" }),
        )
        .ok(200, "The phone, waiting for the code just texted to it.", schema("AccountSmsEnrolment"))
        .errors(&[400, 403, 413, 429, 503]),
        E::ConfirmFactor => account(
            "Confirm a second factor",
            &format!(
                "The first valid code confirms an enrolment: the authenticator's current code, or the code texted to the phone. A wrong or reused code is 400 on `code`, and counts toward the second-factor lockout (403 while locked); a factor confirmed already is 409. With the user's first factor, ten recovery codes are made and returned once. The user is mailed. {TOKEN}"
            ),
            false,
        )
        .params(FACTOR)
        .json_body(
            json!({
                "type": "object",
                "required": ["code"],
                "properties": { "code": { "type": "string", "description": "The 6-digit code shown by the authenticator app, or texted to the phone." } },
            }),
            json!({ "code": "123456" }),
        )
        .ok(200, "Confirmed.", schema("AccountFactorConfirmation"))
        .errors(&[400, 403, 404, 409, 413]),
        E::RemoveFactor => account(
            "Remove a second factor",
            &format!(
                "Removes a factor (confirmed or not) and forgets the browsers remembered for the second step. The last confirmed factor where the application's `mfa` is `required` is 409. The user is mailed. {PRESENCE} {TOKEN}"
            ),
            true,
        )
        .params(FACTOR)
        .json_body(presence_body(), json!({ "current_password": "{password}" }))
        .optional_body()
        .no_content("Removed.")
        .errors(&[400, 403, 404, 409, 413]),
        E::RecoveryCodes => account(
            "Make new recovery codes",
            &format!(
                "Ten new recovery codes, shown once; the old ones stop working. 409 without a confirmed second factor. The user is mailed. {PRESENCE} {TOKEN}"
            ),
            true,
        )
        .json_body(presence_body(), json!({ "current_password": "{password}" }))
        .optional_body()
        .ok(200, "The new codes.", schema("AccountRecoveryCodes"))
        .errors(&[400, 403, 409, 413]),

        // ---------------------------------------------------- organizations
        E::MyOrganizations => account(
            "List my organizations",
            &format!("The organizations the user belongs to, with their organization roles and the organization permissions those roles grant there. Any account token (no organization needed). {TOKEN}"),
            false,
        )
        .ok(200, "The organizations.", json!({ "type": "object", "required": ["organizations"], "properties": { "organizations": array(schema("AccountOrganization")) } }))
        .errors(&[403]),
        E::OrgMembers => account("List an organization's members", &format!("Needs `org:members:read` in the organization. Oldest member first; not paged. {ORG_ADMIN} {TOKEN}"), false)
            .params(ORG)
            .ok(200, "The members.", json!({ "type": "object", "required": ["members"], "properties": { "members": array(schema("AccountOrgMember")) } }))
            .errors(&[403, 404]),
        E::OrgUpdateMember => account(
            "Change a member's roles",
            &format!("Needs `org:members:manage`. Replaces the member's organization roles (`[]` takes them all); the caller must be able to give both the old and the new roles. Unknown role ids are 400. {ORG_ADMIN} {TOKEN}"),
            false,
        )
        .params(ORG_MEMBER)
        .json_body(
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["roles"],
                "properties": { "roles": role_ids("The member's organization roles from now on: at most 20 distinct role ids of the application (repeats count once).") },
            }),
            json!({ "roles": ["{role_id}"] }),
        )
        .ok(200, "The member as they are now.", schema("AccountOrgMember"))
        .errors(&[400, 403, 404, 413]),
        E::OrgRemoveMember => account(
            "Remove a member, or leave",
            &format!("Removes a member from the organization: `org:members:manage` and the power to give all their roles; or the caller themself (`user_id` their own): leaving needs no permission. {ORG_ADMIN} {TOKEN}"),
            false,
        )
        .params(ORG_MEMBER)
        .no_content("Removed.")
        .errors(&[403, 404]),
        E::OrgInvitations => account("List an organization's invitations", &format!("Needs `org:members:read`. Every invitation of the organization with its status now; not paged. {ORG_ADMIN} {TOKEN}"), false)
            .params(ORG)
            .ok(200, "The invitations.", json!({ "type": "object", "required": ["invitations"], "properties": { "invitations": array(schema("AccountOrgInvitation")) } }))
            .errors(&[403, 404]),
        E::OrgInvite => account(
            "Invite to an organization",
            &format!(
                "Needs `org:members:invite`, and the power to give every role named. Mails the address a single-use link to `/invitation` (as an invitation from the management API, but one that does not open invite-only sign-up). An address with a pending invitation to this organization is 409; a deployment that cannot send mail answers 503. {ORG_ADMIN} {TOKEN}"
            ),
            false,
        )
        .params(ORG)
        .json_body(
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["email"],
                "properties": {
                    "email": email_schema("The invitee's address; read trimmed and in lower case."),
                    "roles": role_ids("The organization roles the invitee will hold: at most 20 distinct role ids of the application. Default none."),
                    "expires_in_days": { "type": "integer", "minimum": 1, "maximum": 30, "description": "How long the link works, in days. Default 7." },
                    "return_to": {
                        "type": ["string", "null"],
                        "maxLength": 2000,
                        "description": "Where the browser goes once the invitee is a member (with `iss` and `organization` added): an absolute `https` URL without a fragment (`http` on a local host), on the origin of one of the application's registered redirect URIs.",
                    },
                },
            }),
            json!({ "email": "new.member@example.com", "expires_in_days": 7 }),
        )
        .ok(201, "Invited; the link was mailed.", schema("AccountOrgInvitation"))
        .errors(&[400, 403, 404, 409, 413, 503]),
        E::OrgRevokeInvitation => account("Revoke an invitation", &format!("Needs `org:members:invite`. An invitation no longer pending (accepted, revoked, expired) is 409. {ORG_ADMIN} {TOKEN}"), false)
            .params(ORG_INVITATION)
            .no_content("Revoked.")
            .errors(&[403, 404, 409]),
        E::OrgAudit => account(
            "Read an organization's audit log",
            &format!("Needs `org:audit:read`. The entries of the application's audit log that name this organization, newest first. An unknown query parameter is 400 (`org_id` is ignored: always this organization). {ORG_ADMIN} {TOKEN}"),
            false,
        )
        .params(ORG)
        .query("type", json!({ "type": "string", "minLength": 1, "maxLength": 200 }), "Only entries of this type (`organization.member_added`, `signin.succeeded`, …).")
        .query("actor", json!({ "type": "string", "minLength": 1, "maxLength": 200 }), "Only entries by this actor (`operator`, `key:<id>`, `user:<id>`, `anonymous`, `system`).")
        .query("user_id", json!({ "type": "string", "minLength": 1, "maxLength": 200 }), "Only entries about this user.")
        .query("since", json!({ "type": "integer", "minimum": 0 }), "Only entries at or after this time (milliseconds since the epoch).")
        .query("until", json!({ "type": "integer", "minimum": 0 }), "Only entries before this time (milliseconds since the epoch).")
        .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200 }), "Entries per page (default 50).")
        .query("cursor", json!({ "type": "integer", "minimum": 0 }), "The previous page's `next_cursor`: entries before it.")
        .ok(
            200,
            "One page of entries.",
            json!({
                "type": "object",
                "required": ["entries", "next_cursor"],
                "properties": {
                    "entries": array(schema("AccountAuditEntry")),
                    "next_cursor": { "type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last." },
                },
            }),
        )
        .errors(&[400, 403, 404]),
    }
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let role = json!({
        "type": "object",
        "required": ["id", "name"],
        "properties": { "id": { "type": "string", "description": "The role's id (`rol_…`)." }, "name": { "type": "string" } },
    });
    vec![
        (
            "AccountProfile",
            json!({
                "type": "object",
                "description": "The signed-in user's profile.",
                "required": ["sub", "email", "email_verified", "name", "picture"],
                "properties": {
                    "sub": { "type": "string", "description": "The user's id (`usr_…`), as in their tokens." },
                    "email": { "type": ["string", "null"], "description": "The account's address; null for an account made through a provider that vouched for none." },
                    "email_verified": { "type": "boolean" },
                    "name": { "type": ["string", "null"] },
                    "picture": { "type": ["string", "null"], "description": "An https URL." },
                },
            }),
        ),
        (
            "AccountSession",
            json!({
                "type": "object",
                "description": "A browser session at the application's hosted pages.",
                "required": ["id", "created_at", "last_seen_at", "user_agent", "ip", "current"],
                "properties": {
                    "id": { "type": "string", "description": "The session's public id (32 hex digits; never its cookie)." },
                    "created_at": { "type": "integer", "description": "When it started (the sign-in), in milliseconds since the epoch." },
                    "last_seen_at": { "type": "integer", "description": "Its last use, in milliseconds since the epoch." },
                    "user_agent": { "type": ["string", "null"] },
                    "ip": { "type": ["string", "null"] },
                    "current": { "type": "boolean", "description": "Whether the caller's token came from this session." },
                },
            }),
        ),
        (
            "AccountIdentity",
            json!({
                "type": "object",
                "description": "An upstream identity linked to the account.",
                "required": ["id", "provider", "provider_name", "subject", "email", "email_verified", "linked_at", "last_login_at"],
                "properties": {
                    "id": { "type": "string", "description": "`idn_…`." },
                    "provider": { "type": ["string", "null"], "description": "The provider's slug; null if it no longer exists." },
                    "provider_name": { "type": ["string", "null"], "description": "The provider's display name; null if it no longer exists." },
                    "subject": { "type": "string", "description": "The user's id at the provider." },
                    "email": { "type": ["string", "null"], "description": "The provider's address for the user, whether or not it vouched for it." },
                    "email_verified": { "type": "boolean", "description": "Whether the provider vouched for `email`, when last seen." },
                    "linked_at": { "type": "integer", "description": "Milliseconds since the epoch." },
                    "last_login_at": { "type": "integer", "description": "Milliseconds since the epoch." },
                },
            }),
        ),
        (
            "AccountFactor",
            json!({
                "type": "object",
                "description": "A second factor (never its secret).",
                "required": ["id", "user_id", "kind", "confirmed_at", "last_used_at", "created_at"],
                "properties": {
                    "id": { "type": "string", "description": "`mfa_…`." },
                    "user_id": { "type": "string" },
                    "kind": { "type": "string", "enum": ["totp", "passkey", "sms"] },
                    "confirmed_at": { "type": ["integer", "null"], "description": "When its first code confirmed it (milliseconds since the epoch); null while waiting for it. A passkey is confirmed when made." },
                    "last_used_at": { "type": ["integer", "null"], "description": "Milliseconds since the epoch; null if never used." },
                    "created_at": { "type": "integer", "description": "Milliseconds since the epoch." },
                },
            }),
        ),
        (
            "AccountTotpEnrolment",
            json!({
                "type": "object",
                "description": "An authenticator app waiting for its first code.",
                "required": ["id", "kind", "confirmed_at", "secret", "otpauth_uri", "qr_svg"],
                "properties": {
                    "id": { "type": "string", "description": "The factor's id (`mfa_…`), to confirm it." },
                    "kind": { "type": "string", "enum": ["totp"] },
                    "confirmed_at": { "type": "null" },
                    "secret": { "type": "string", "description": "The shared secret in base32, for typing into the app." },
                    "otpauth_uri": { "type": "string", "description": "The `otpauth://totp/…` URI the QR code holds." },
                    "qr_svg": { "type": "string", "description": "The QR code of `otpauth_uri`, as an SVG document." },
                },
            }),
        ),
        (
            "AccountSmsEnrolment",
            json!({
                "type": "object",
                "description": "A phone waiting for the code texted to it.",
                "required": ["id", "kind", "phone", "confirmed_at"],
                "properties": {
                    "id": { "type": "string", "description": "The factor's id (`mfa_…`), to confirm it." },
                    "kind": { "type": "string", "enum": ["sms"] },
                    "phone": { "type": "string", "description": "The number masked: the country code's first digit and the last two digits only." },
                    "confirmed_at": { "type": "null" },
                },
            }),
        ),
        (
            "AccountFactorConfirmation",
            json!({
                "type": "object",
                "description": "A factor just confirmed.",
                "required": ["id", "kind", "confirmed_at"],
                "properties": {
                    "id": { "type": "string" },
                    "kind": { "type": "string", "enum": ["totp", "sms"] },
                    "confirmed_at": { "type": "integer", "description": "Milliseconds since the epoch." },
                    "recovery_codes": { "type": "array", "items": { "type": "string" }, "description": "Ten recovery codes, only when the user had none (their first factor): shown once, never again." },
                },
            }),
        ),
        (
            "AccountRecoveryCodes",
            json!({
                "type": "object",
                "required": ["recovery_codes"],
                "properties": {
                    "recovery_codes": { "type": "array", "items": { "type": "string" }, "description": "Ten new codes (`xxxxx-xxxxx`), each good once; shown once, never again." },
                },
            }),
        ),
        (
            "AccountOrganization",
            json!({
                "type": "object",
                "description": "An organization the user belongs to.",
                "required": ["id", "slug", "name", "roles", "permissions"],
                "properties": {
                    "id": { "type": "string", "description": "`org_…`." },
                    "slug": { "type": "string" },
                    "name": { "type": "string" },
                    "roles": { "type": "array", "items": role.clone(), "description": "The user's organization roles there." },
                    "permissions": { "type": "array", "items": { "type": "string" }, "description": "The organization permissions those roles grant (`org:members:read`, `org:members:manage`, `org:members:invite`, `org:audit:read`)." },
                },
            }),
        ),
        (
            "AccountOrgMember",
            json!({
                "type": "object",
                "description": "A member of an organization.",
                "required": ["user_id", "email", "name", "roles", "joined_at"],
                "properties": {
                    "user_id": { "type": "string", "description": "`usr_…`." },
                    "email": { "type": ["string", "null"] },
                    "name": { "type": ["string", "null"] },
                    "roles": { "type": "array", "items": role, "description": "Their organization roles." },
                    "joined_at": { "type": "integer", "description": "Milliseconds since the epoch." },
                },
            }),
        ),
        (
            "AccountOrgInvitation",
            json!({
                "type": "object",
                "description": "An invitation to an organization (never its token).",
                "required": ["id", "org_id", "email", "roles", "inviter", "return_to", "created_at", "expires_at", "accepted_at", "accepted_by", "revoked_at", "status"],
                "properties": {
                    "id": { "type": "string", "description": "`inv_…`." },
                    "org_id": { "type": "string" },
                    "email": { "type": "string" },
                    "roles": { "type": "array", "items": { "type": "string" }, "description": "Role ids the invitee will hold." },
                    "inviter": { "type": "string", "description": "Who invited: `operator`, `key:<id>`, `user:<id>` (the application's developers), `member:<user id>` (through this self-service)." },
                    "return_to": { "type": ["string", "null"] },
                    "created_at": { "type": "integer", "description": "Milliseconds since the epoch." },
                    "expires_at": { "type": "integer", "description": "Milliseconds since the epoch." },
                    "accepted_at": { "type": ["integer", "null"], "description": "Milliseconds since the epoch." },
                    "accepted_by": { "type": ["string", "null"], "description": "The user who accepted it." },
                    "revoked_at": { "type": ["integer", "null"], "description": "Milliseconds since the epoch." },
                    "status": { "type": "string", "enum": ["pending", "accepted", "revoked", "expired"], "description": "Where it stands now." },
                },
            }),
        ),
        (
            "AccountAuditEntry",
            json!({
                "type": "object",
                "description": "An entry of the application's audit log.",
                "required": ["seq", "at", "type", "actor", "user_id", "resource", "ip", "user_agent", "request_id", "org_id", "detail", "prev_hash", "hash"],
                "properties": {
                    "seq": { "type": "integer", "minimum": 0, "description": "Its number in the application's log." },
                    "at": { "type": "integer", "description": "Milliseconds since the epoch." },
                    "type": { "type": "string" },
                    "actor": { "type": "string" },
                    "user_id": { "type": ["string", "null"] },
                    "resource": { "type": ["string", "null"] },
                    "ip": { "type": ["string", "null"] },
                    "user_agent": { "type": ["string", "null"] },
                    "request_id": { "type": ["string", "null"] },
                    "org_id": { "type": ["string", "null"] },
                    "detail": { "description": "Anything else about the event (secrets redacted): any JSON value." },
                    "prev_hash": { "type": "string" },
                    "hash": { "type": "string", "description": "SHA-256 over `prev_hash` and the entry's canonical JSON." },
                },
            }),
        ),
    ]
}

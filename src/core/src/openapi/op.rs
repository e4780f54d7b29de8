//! The OP's endpoints and hosted pages, and upstream sign-in (`/rp/…`), on
//! an application's host.

use super::{array, schema, Op};
use crate::routes::op::Via;
use crate::routes::{op::Endpoint, rp};
use serde_json::{json, Map, Value};

const OP: &str = "OpenID Provider";
const PAGES: &str = "Hosted pages";
const UPSTREAM: &str = "Upstream sign-in";

const HTML: &str = "text/html";

/// The front Worker's answer for a host that names no application.
const NO_APP: &str = "Any path answers 404 `unknown_application` (JSON) on a host that names no application.";

/// What every hosted form needs.
const CSRF: &str = "Every form is CSRF-protected: `csrf_token` must equal the `aero2_csrf` cookie the page set (SameSite=Strict), else the error page with 403.";

// ------------------------------------------------------------ parameter shapes

/// The `description` a parameter's schema carries (it becomes the
/// parameter's).
fn description_of(s: &Value) -> String {
    s.get("description").and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn text(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

/// A form body: `properties` as (name, schema), `required` by name.
fn form(properties: &[(&str, Value)], required: &[&str]) -> Value {
    let mut props = Map::new();
    for (name, s) in properties {
        props.insert((*name).into(), s.clone());
    }
    let mut schema = json!({ "type": "object", "properties": props });
    if let (false, Value::Object(m)) = (required.is_empty(), &mut schema) {
        m.insert("required".into(), json!(required));
    }
    schema
}

fn csrf_token() -> Value {
    text("The value of the `aero2_csrf` cookie, as the page embedded it.")
}

fn pending_request() -> Value {
    text("The pending authorization request the page continues (the id in the page's own `?request=`).")
}

fn client_id() -> Value {
    text("The client's id (`client_secret_post` and public clients; with Basic, if given, it must name the same client).")
}

fn client_secret() -> Value {
    text("The client's secret (`client_secret_post`); never together with Basic.")
}

fn resource() -> Value {
    json!({ "type": "string", "description": "RFC 8707: the identifier of one of the application's APIs (an absolute URI without a fragment); at most one." })
}

fn audience() -> Value {
    json!({ "type": "string", "description": "The same as `resource` (either may be used; both must then name the same API)." })
}

fn scope(description: &str) -> Value {
    json!({ "type": "string", "pattern": "^[ !#-\\[\\]-~]*$", "description": description })
}

/// The parameters of an authorization request, as (name, schema,
/// required): the query of `GET`, the form of `POST`.
fn authorize_params() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("response_type", json!({ "type": "string", "enum": ["code"], "description": "Only `code` (anything else goes back as `unsupported_response_type`)." }), true),
        ("client_id", text("A client of the application (an unknown or disabled client is the error page)."), true),
        ("redirect_uri", text("Exactly one of the client's registered redirect URIs (for a loopback URI the port may differ); anything else is the error page, never a redirect."), true),
        ("scope", scope("Space-separated: `openid`, `profile`, `email`, `offline_access`, `account` (first-party clients only), within the client's registered scopes; with `resource`, that API's permissions. Required (`invalid_scope` otherwise)."), true),
        ("state", json!({ "type": "string", "maxLength": 2048, "description": "Returned as is with the code or the error." }), false),
        ("nonce", json!({ "type": "string", "maxLength": 2048, "description": "Copied into the ID token." }), false),
        ("code_challenge", json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{43}$", "description": "PKCE (RFC 7636): BASE64URL(SHA-256(code_verifier)), 43 characters. Required for public clients and clients with `require_pkce`." }), false),
        ("code_challenge_method", json!({ "type": "string", "enum": ["S256"], "description": "Only `S256`; required with `code_challenge`." }), false),
        ("prompt", json!({ "type": "string", "pattern": "^ *(?:none(?: +none)*|(?:login|consent|select_account|create)(?: +(?:login|consent|select_account|create))*)? *$", "description": "Space-separated `login`, `consent`, `select_account`, `create` (the sign-up page first), or `none` alone (`login_required`, `consent_required`, `interaction_required` instead of a page)." }), false),
        ("max_age", json!({ "type": "integer", "minimum": 0, "maximum": 9_999_999_999_u64, "description": "Seconds: an older sign-in signs in again." }), false),
        ("login_hint", json!({ "type": "string", "maxLength": 2048, "description": "Fills the sign-in page's address; passed on to an upstream OpenID provider." }), false),
        ("ui_locales", json!({ "type": "string", "maxLength": 2048, "description": "Kept with the request." }), false),
        ("acr_values", json!({ "type": "string", "maxLength": 2048, "description": "`urn:aero2:acr:mfa` asks for a second factor (step-up); other values are ignored." }), false),
        ("resource", resource(), false),
        ("audience", audience(), false),
        ("organization", text("An organization's id (`org_…`) or slug to sign in to, for a client whose `organization_usage` is not `none`."), false),
        ("response_mode", json!({ "type": "string", "enum": ["query"], "description": "Only `query`." }), false),
    ]
}

const AUTHORIZE: &str = "The authorization code flow (RFC 6749 §4.1, OIDC Core §3.1.2) with PKCE `S256`. Until `client_id` and `redirect_uri` are trusted (an enabled client of the application, a registered redirect URI) a refusal is an HTML error page with 400, never a redirect. After that, every answer is a 303 with `Location`: to the sign-in page (`/login?request=…`, or `/signup` with `prompt=create`), the consent page (third-party clients), the organization picker, the second-factor page (`acr_values=urn:aero2:acr:mfa`), or back to the redirect URI with `code`, `state` and `iss` (RFC 9207), or with `error`, `error_description`, `state` and `iss` (`invalid_request`, `invalid_scope`, `invalid_target`, `unsupported_response_type`, `unauthorized_client`, `request_not_supported`, `request_uri_not_supported`, `login_required`, `consent_required`, `interaction_required`, `access_denied`). A request waits 10 minutes for the user. Rate-limited per IP (an HTML page with 429 and `Retry-After`). No 2xx answer: the browser is always sent on.";

fn authorize(via: Via) -> Op {
    let mut o = Op::new(OP, if via == Via::Query { "Start a sign-in" } else { "Start a sign-in (form post)" });
    match via {
        Via::Query => {
            o = o.describe(AUTHORIZE);
            for (name, s, required) in authorize_params() {
                let description = description_of(&s);
                o = if required { o.query_required(name, s, &description) } else { o.query(name, s, &description) };
            }
        }
        Via::Form => {
            o = o.describe(&format!("The same request as `GET`, its parameters in a form body (OIDC Core §3.1.2.1). {AUTHORIZE}"));
            let params = authorize_params();
            let required: Vec<&str> = params.iter().filter(|p| p.2).map(|p| p.0).collect();
            let props: Vec<(&str, Value)> = params.into_iter().map(|p| (p.0, p.1)).collect();
            o = o.form_body(form(&props, &required)).errors(&[413]);
        }
    }
    o.redirect(303, "Where the browser goes next: a hosted page, or the client's redirect URI with a code or an error.")
        .media(400, "An HTML error page: the request cannot be trusted (unknown client, unregistered or missing redirect URI, malformed request).", HTML)
        .media(429, "An HTML page: too many authorization requests from this address (`Retry-After`).", HTML)
}

// ------------------------------------------------------------ the token endpoint

fn token_body() -> Value {
    let auth = || [("client_id", client_id()), ("client_secret", client_secret())];
    let branch = |grant: &str, props: Vec<(&str, Value)>, required: &[&str]| {
        let mut all: Vec<(&str, Value)> = vec![("grant_type", json!({ "type": "string", "enum": [grant] }))];
        all.extend(props);
        all.extend(auth());
        form(&all, required)
    };
    json!({
        "oneOf": [
            branch(
                "authorization_code",
                vec![
                    ("code", text("The code from the redirect (single use, short-lived).")),
                    ("redirect_uri", text("The `redirect_uri` of the authorization request, exactly.")),
                    ("code_verifier", json!({ "type": "string", "pattern": "^[A-Za-z0-9._~-]{43,128}$", "description": "PKCE: the verifier of the request's `code_challenge` (required when it had one)." })),
                    ("resource", resource()),
                    ("audience", audience()),
                ],
                &["grant_type", "code", "redirect_uri"],
            ),
            branch(
                "refresh_token",
                vec![
                    ("refresh_token", text("The refresh token; every use returns a new one (the old one is void; reusing it revokes the grant).")),
                    ("scope", scope("A narrower scope than the grant's; a wider one is `invalid_scope`.")),
                    ("resource", resource()),
                    ("audience", audience()),
                    ("organization", text("An organization's id or slug to switch the grant to (the user must belong to it).")),
                ],
                &["grant_type", "refresh_token"],
            ),
            branch(
                "client_credentials",
                vec![
                    ("scope", scope("Scopes the client is registered for (no user scopes); with `resource`, permissions of its grant for that API.")),
                    ("resource", resource()),
                    ("audience", audience()),
                ],
                &["grant_type"],
            ),
        ],
    })
}

// ------------------------------------------------------------ hosted pages

/// A hosted page: `GET` shows it (`query`: its parameters), `POST`
/// submits its form (`fields`, `required`); the statuses each answers
/// with an HTML page, besides 200.
struct Page {
    summary_get: &'static str,
    summary_post: &'static str,
    describe_get: String,
    describe_post: String,
    query: Vec<(&'static str, Value, bool)>,
    fields: Vec<(&'static str, Value)>,
    required: &'static [&'static str],
    get_statuses: &'static [(u16, &'static str)],
    post_statuses: &'static [(u16, &'static str)],
    /// Whether `GET` (`.0`) and `POST` (`.1`) may redirect (303).
    redirects: (bool, bool),
}

impl Page {
    fn op(self, via: Via) -> Op {
        let (summary, text, statuses, redirects) = match via {
            Via::Query => (self.summary_get, self.describe_get, self.get_statuses, self.redirects.0),
            Via::Form => (self.summary_post, self.describe_post, self.post_statuses, self.redirects.1),
        };
        let mut o = Op::new(PAGES, summary).describe(&text);
        match via {
            Via::Query => {
                for (name, s, required) in self.query {
                    let description = description_of(&s);
                    o = if required { o.query_required(name, s, &description) } else { o.query(name, s, &description) };
                }
            }
            Via::Form => o = o.form_body(form(&self.fields, self.required)).errors(&[413]),
        }
        if redirects {
            o = o.redirect(303, "On to the next step (`Location`: a hosted page, or the client's redirect URI).");
        }
        for (status, description) in statuses {
            o = o.media(*status, description, HTML);
        }
        o
    }
}

const SHOWN: (u16, &str) = (200, "The page.");
const MALFORMED_OR_EXPIRED: (u16, &str) = (400, "The error page: the request is malformed, or names no live pending request (expired, used).");
const FORM_EXPIRED: (u16, &str) = (403, "The error page: the CSRF token does not match its cookie.");

fn page(e: Endpoint) -> Option<Page> {
    let request = || ("request", json!({ "type": "string", "description": "The pending authorization request's id (from the authorization endpoint's redirect)." }), true);
    Some(match e {
        Endpoint::SignIn(_) => Page {
            summary_get: "Sign-in page",
            summary_post: "Sign in",
            describe_get: "The hosted sign-in form for a pending authorization request: email and password, the application's identity providers (`/rp/authorize/{idp}`), a passkey, and a code by email, as the application's settings offer them. Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!(
                "Signs in, one way per post: `email` and `password`; or `passkey` (a WebAuthn assertion from a `sign_in` ceremony of this request, `/passkeys/options`); or `email_signin=1` with `email` (mails a 6-digit code and a link, then shows the \"check your email\" page whatever the address); or `email_code` with its `handle` (from the browser that asked). A success starts the session (`aero2_session` cookie) and goes on: 303 to the client or the next page, or the second-factor page (200). A wrong password (the same words for an unknown address) is the form again with 401; sign-in limits per IP and per address and the account lockout answer 429 with `Retry-After`. {CSRF}"
            ),
            query: vec![request()],
            fields: vec![
                ("request", pending_request()),
                ("csrf_token", csrf_token()),
                ("email", text("The address.")),
                ("password", text("The password.")),
                ("passkey", text("A WebAuthn assertion (JSON) instead of the address and password.")),
                ("email_signin", json!({ "type": "string", "enum": ["1"], "description": "Mail a code and a link to `email` instead." })),
                ("email_code", text("The 6-digit code from that mail.")),
                ("handle", text("The code's handle, from the \"check your email\" page.")),
            ],
            required: &["request", "csrf_token"],
            get_statuses: &[SHOWN, MALFORMED_OR_EXPIRED],
            post_statuses: &[
                (200, "A page: \"check your email\" with the form for the mailed code (a code was asked for), or the second-factor step."),
                (400, "The error page (malformed, expired request), or the form again (an invalid address, an expired email code)."),
                (401, "The form again: wrong address or password, passkey or email code."),
                (403, "The error page (CSRF token), or the form or a notice: passkeys or email codes do not sign in here, the address must be confirmed first (a link was mailed), no second factor can be added where one is required."),
                (429, "The form again: too many attempts (`Retry-After`)."),
                (503, "The error page: this deployment cannot send mail (an email code was asked for)."),
            ],
            redirects: (false, true),
        },
        Endpoint::SignUp(_) => Page {
            summary_get: "Sign-up page",
            summary_post: "Sign up",
            describe_get: "The hosted sign-up form for a pending authorization request; 403 where sign-up is `disabled`. Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!(
                "Creates an account within the application's sign-up policy (`settings.signup`: open, invite-only, by domain; 403 otherwise), then follows its flow: signed in at once (303 on), or a \"check your email\" page (200) when the address must be proven first. An address that has an account gets the same \"check your email\" page, and its owner a mail. Rate-limited per IP (429). {CSRF}"
            ),
            query: vec![request()],
            fields: vec![
                ("request", pending_request()),
                ("csrf_token", csrf_token()),
                ("email", text("The address.")),
                ("password", json!({ "type": "string", "minLength": 8, "description": "At least 8 characters, at most 256 bytes." })),
                ("name", json!({ "type": "string", "maxLength": 100, "description": "The user's name (optional)." })),
            ],
            required: &["request", "csrf_token"],
            get_statuses: &[SHOWN, MALFORMED_OR_EXPIRED, (403, "The error page: sign-up is closed.")],
            post_statuses: &[
                (200, "A page: \"check your email\", or the second-factor step."),
                (400, "The error page (malformed, expired request), or the form again (invalid address, password or name)."),
                (403, "The error page (CSRF token), or the form again: the sign-up policy refuses the address; or a notice that the address must be confirmed first."),
                (429, "The form again: too many accounts created from this address (`Retry-After`)."),
                (503, "The error page: this deployment cannot send mail, and the sign-up needs a link."),
            ],
            redirects: (false, true),
        },
        Endpoint::Consent(_) => Page {
            summary_get: "Consent page",
            summary_post: "Allow or deny",
            describe_get: "What a third-party client asks for, for the signed-in user to allow or deny; without a session, 303 to the sign-in page. Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!("`decision=allow` records the consent and goes on (303); anything else sends `access_denied` to the client (303). Without a session, 303 to the sign-in page. {CSRF}"),
            query: vec![request()],
            fields: vec![
                ("request", pending_request()),
                ("csrf_token", csrf_token()),
                ("decision", json!({ "type": "string", "enum": ["allow", "deny"], "description": "`allow`; anything else denies." })),
            ],
            required: &["request", "csrf_token"],
            get_statuses: &[SHOWN, MALFORMED_OR_EXPIRED],
            post_statuses: &[(400, "The error page: malformed or expired request, or its client is gone."), FORM_EXPIRED],
            redirects: (true, true),
        },
        Endpoint::Organization(_) => Page {
            summary_get: "Organization picker",
            summary_post: "Pick an organization",
            describe_get: "For a client with `organization_usage: required` and a user in several organizations (or suggested one by a verified domain): one button each. Without a session, 303 to the sign-in page. Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!("The sign-in goes on in the organization picked (303); choosing a suggested one joins it. Without a valid `organization`, the picker again (200). {CSRF}"),
            query: vec![request()],
            fields: vec![
                ("request", pending_request()),
                ("csrf_token", csrf_token()),
                ("organization", json!({ "type": "string", "description": "The organization's id (`org_…`)." })),
            ],
            required: &["request", "csrf_token"],
            get_statuses: &[SHOWN, MALFORMED_OR_EXPIRED],
            post_statuses: &[
                (200, "The picker again: no organization was picked."),
                (400, "The error page: malformed or expired request, or a client that does not use organizations."),
                FORM_EXPIRED,
            ],
            redirects: (true, true),
        },
        Endpoint::Invitation(_) => Page {
            summary_get: "Invitation page",
            summary_post: "Accept an invitation",
            describe_get: "The page of an organization invitation's mailed link (`?token=oin_…`): a button for an account that exists, or a form asking a new account's password and name. `?done=<invitation id>` (after accepting, signed in) sends the browser on to the invitation's `return_to` (with `iss` and `organization`), or says the user joined.".into(),
            describe_post: format!(
                "Accepts: an existing account with the invited, confirmed address becomes a member and then signs in as usual (303); an account whose address was never confirmed does not join (409). Without an account, one is made with the address confirmed, within the sign-up policy (403), a member at once, and signed in. A full organization or an account in too many is 409. Rate-limited per IP for new accounts (429). {CSRF}"
            ),
            query: vec![
                ("token", json!({ "type": "string", "pattern": "^oin_[0-9a-fA-F]{64}$", "description": "The invitation link's token." }), false),
                ("done", json!({ "type": "string", "description": "An accepted invitation's id (`inv_…`): continue to where it leads." }), false),
            ],
            fields: vec![
                ("token", json!({ "type": "string", "description": "The invitation link's token (`oin_…`)." })),
                ("csrf_token", csrf_token()),
                ("password", json!({ "type": "string", "description": "A new account's password: at least 8 characters, at most 256 bytes." })),
                ("name", json!({ "type": "string", "maxLength": 100, "description": "A new account's name (optional)." })),
            ],
            required: &["token", "csrf_token"],
            get_statuses: &[(200, "The page: the button, the new account's form, or \"you joined\"."), (400, "The error page: the link expired, was used or withdrawn.")],
            post_statuses: &[
                (200, "A page: the second-factor step of the new account's sign-in."),
                (400, "The error page (the link expired, was used or withdrawn), or the form again (an invalid password or name)."),
                (403, "The error page: CSRF token, sign-up closed, account disabled, or no second factor can be added where one is required."),
                (409, "The error page: the organization is full, the account is in too many, its address was never confirmed, or it was made meanwhile."),
                (429, "The form again: too many accounts created from this address (`Retry-After`)."),
            ],
            redirects: (true, true),
        },
        Endpoint::SecondFactor(_) => Page {
            summary_get: "Second-factor page",
            summary_post: "Prove or add a second factor",
            describe_get: "The second step of a sign-in (`?ticket=…`): a code from an authenticator app or a text message, a passkey, or a recovery code; or, where the application requires a factor the user lacks, adding one (an authenticator's QR code, or a passkey). `?request=…` is where the authorization endpoint sends a signed-in user whose client asked for a second factor (step-up): without a session (or, to add a first factor, without a recent sign-in) 303 to the sign-in page; where the application offers no second factor, `access_denied` to the client (303).".into(),
            describe_post: format!(
                "With the `ticket`: `code` (6 digits), `recovery_code`, or `passkey` (an assertion, or a new credential when adding a factor), optionally `remember=1` (the browser skips this step for `mfa_remember_days`); `send_sms=1` texts a code to the user's phone. A success goes on (303); after adding a factor, the page of new recovery codes (200), whose button posts `continue`. A wrong code is the page again with 401 and counts toward the second-factor lockout (429 with `Retry-After`). {CSRF}"
            ),
            query: vec![
                ("ticket", json!({ "type": "string", "description": "The sign-in's second-step ticket." }), false),
                ("request", json!({ "type": "string", "description": "A pending authorization request asking for a second factor (step-up)." }), false),
            ],
            fields: vec![
                ("ticket", json!({ "type": "string", "description": "The sign-in's second-step ticket." })),
                ("csrf_token", csrf_token()),
                ("code", json!({ "type": "string", "description": "A 6-digit code from the authenticator app or the text message." })),
                ("recovery_code", json!({ "type": "string", "description": "One of the user's recovery codes." })),
                ("passkey", json!({ "type": "string", "description": "A WebAuthn response (JSON) for a `second_factor` ceremony of this ticket." })),
                ("send_sms", json!({ "type": "string", "description": "Any value: text a code to the user's phone." })),
                ("remember", json!({ "type": "string", "enum": ["1"], "description": "Remember this browser." })),
                ("continue", json!({ "type": "string", "description": "From the recovery codes page: finish the sign-in." })),
            ],
            required: &["csrf_token"],
            get_statuses: &[
                SHOWN,
                (400, "The error page: malformed, or the ticket or request expired."),
                (403, "The error page: a factor is required and none can be added here."),
            ],
            post_statuses: &[
                (200, "A page: the step again (a code was texted), or the new recovery codes."),
                (400, "The error page (the ticket expired), or the step again (no phone to text)."),
                (401, "The step again: a wrong, reused or expired code or passkey."),
                FORM_EXPIRED,
                (429, "The step again: too many wrong codes, or texts past the limits (`Retry-After`)."),
                (503, "The step again: the text message could not be sent."),
            ],
            redirects: (true, true),
        },
        Endpoint::Security(_) => Page {
            summary_get: "Security page",
            summary_post: "Change second factors",
            describe_get: "The signed-in user's second factors on a hosted page: the list, adding an authenticator app, a phone or a passkey, removing one, new recovery codes. Without a session, 303 to the sign-in page, and back here after (rate-limited like authorization requests: 429).".into(),
            describe_post: format!(
                "`action`: `add_totp` (then `confirm` with `factor` and `code`), `add_sms` with `phone` (then `confirm`), `remove` with `factor`, `recovery_codes`; or `passkey` from a `register` ceremony. The account API's rules, answered as the page again with the API's status (400, 403, 404, 409, 429, 503) and its reason; audited with `via: security_page`, mailed to the user. A change needs a sign-in within `recent_sign_in_seconds` (else 303 to sign in again). {CSRF}"
            ),
            query: vec![],
            fields: vec![
                ("csrf_token", csrf_token()),
                ("action", json!({ "type": "string", "enum": ["add_totp", "add_sms", "confirm", "remove", "recovery_codes"], "description": "What to change (anything else: the page again with 400)." })),
                ("factor", json!({ "type": "string", "description": "The factor (`mfa_…`) to confirm or remove." })),
                ("code", json!({ "type": "string", "description": "The new factor's first code (`confirm`)." })),
                ("phone", json!({ "type": "string", "description": "An international number (`add_sms`)." })),
                ("passkey", json!({ "type": "string", "description": "A WebAuthn registration response (JSON): adds a passkey." })),
            ],
            required: &["csrf_token"],
            get_statuses: &[SHOWN, (400, "The error page: the request is malformed."), (429, "An HTML page: too many sign-in requests from this address (`Retry-After`).")],
            post_statuses: &[
                (200, "The page, with what changed (a QR code, new recovery codes, a notice)."),
                (400, "The page again: no action, a wrong code, an invalid number; or the error page (malformed)."),
                (401, "The error page: sign in again."),
                (403, "The error page (CSRF token), or the page again: the application does not offer that factor, or too many wrong codes."),
                (404, "The page again: no such factor of the user."),
                (409, "The page again: the last factor where one is required, or confirmed already, or no factor for recovery codes."),
                (429, "The page again: texts past the limits; or too many sign-in requests (`Retry-After`)."),
                (503, "The page again: no text message could be sent."),
            ],
            redirects: (true, true),
        },
        Endpoint::EmailLink(_) => Page {
            summary_get: "Sign-in link page",
            summary_post: "Sign in by email link",
            describe_get: "The link of a sign-in by email (`?token=esi_…`): shows only a \"Sign in\" button, so a mail scanner's fetch uses nothing up. Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!(
                "Signs in, once, within 10 minutes, only from the browser that asked for the code (its `aero2_email_signin` cookie; another browser is 401). The address counts as confirmed. Then as any sign-in: 303 on, or the second-factor page (200). {CSRF}"
            ),
            query: vec![("token", json!({ "type": "string", "description": "The link's token." }), true)],
            fields: vec![("token", json!({ "type": "string", "description": "The link's token." })), ("csrf_token", csrf_token())],
            required: &["token", "csrf_token"],
            get_statuses: &[SHOWN, (400, "The error page: the link expired or was used.")],
            post_statuses: &[
                (200, "A page: the second-factor step."),
                (400, "The error page: the link expired or was used."),
                (401, "The error page: open the link in the browser where the code was asked for."),
                (403, "The error page (CSRF token), or a notice: no second factor can be added where one is required."),
            ],
            redirects: (false, true),
        },
        Endpoint::Forgot(_) => Page {
            summary_get: "Forgotten password page",
            summary_post: "Ask for a reset link",
            describe_get: "Asks for the account's address. Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!(
                "Mails a single-use link (30 minutes) to `/reset` when an enabled account uses the address; the answer is the same \"check your email\" page (200) whatever the address. Rate-limited per IP and per address (the form again with 429 and `Retry-After`); 503 where this deployment cannot send mail. {CSRF}"
            ),
            query: vec![("request", json!({ "type": "string", "description": "A pending authorization request to return to (optional)." }), false)],
            fields: vec![
                ("csrf_token", csrf_token()),
                ("email", text("The account's address.")),
                ("request", json!({ "type": "string", "description": "A pending authorization request (optional)." })),
            ],
            required: &["csrf_token"],
            get_statuses: &[SHOWN, (400, "The error page: the request is malformed.")],
            post_statuses: &[
                (200, "The \"check your email\" page."),
                (400, "The error page: the request is malformed."),
                FORM_EXPIRED,
                (429, "The form again: too many requests (`Retry-After`)."),
                (503, "The error page: this deployment cannot send mail."),
            ],
            redirects: (false, false),
        },
        Endpoint::Reset(_) => Page {
            summary_get: "New password page",
            summary_post: "Set a new password",
            describe_get: "The form of a live reset link (`?token=rst_…`), or of the link an old address gets after an email change (`und_…`: takes the account back). Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!(
                "Uses the link up and sets the password (at least 8 characters, at most 256 bytes), confirms the address, ends every session and grant, and lifts the sign-in lockout; an undo link also gives the account its old address back (409 if another account took it). {CSRF}"
            ),
            query: vec![("token", json!({ "type": "string", "description": "The link's token." }), true)],
            fields: vec![
                ("token", json!({ "type": "string", "description": "The link's token." })),
                ("csrf_token", csrf_token()),
                ("password", json!({ "type": "string", "minLength": 8, "description": "The new password." })),
            ],
            required: &["token", "csrf_token", "password"],
            get_statuses: &[SHOWN, (400, "The error page: the link expired or was used.")],
            post_statuses: &[
                (200, "A notice: the password was changed (or the account recovered)."),
                (400, "The error page (the link expired or was used), or the form again (the password is too short or too long)."),
                FORM_EXPIRED,
                (409, "The error page: another account uses the old address now."),
            ],
            redirects: (false, false),
        },
        Endpoint::Verify(_) => Page {
            summary_get: "Confirmation link page",
            summary_post: "Confirm",
            describe_get: "A mailed confirmation link (`?token=…`): says what it does (confirm an address, finish a sign-up that had to prove its address, move an account to a new address) and shows a button. Sets the `aero2_csrf` cookie.".into(),
            describe_post: format!(
                "Does it, once: confirms the address, creates the account (within the sign-up policy as it is now: 403), or moves the account to the new address (ending every other session and grant, and mailing the old address an undo link). An address another account has meanwhile is 409. {CSRF}"
            ),
            query: vec![("token", json!({ "type": "string", "description": "The link's token." }), true)],
            fields: vec![("token", json!({ "type": "string", "description": "The link's token." })), ("csrf_token", csrf_token())],
            required: &["token", "csrf_token"],
            get_statuses: &[SHOWN, (400, "The error page: the link expired or was used.")],
            post_statuses: &[
                (200, "A notice: done."),
                (400, "The error page: the link expired or was used."),
                (403, "The error page: the CSRF token does not match, or sign-up is closed for the address."),
                (409, "The error page: another account uses the address."),
            ],
            redirects: (false, false),
        },
        _ => return None,
    })
}

// ------------------------------------------------------------ the operations

pub(super) fn describe(e: Endpoint) -> Op {
    match e {
        Endpoint::SignIn(via)
        | Endpoint::SignUp(via)
        | Endpoint::Consent(via)
        | Endpoint::Organization(via)
        | Endpoint::Invitation(via)
        | Endpoint::SecondFactor(via)
        | Endpoint::Security(via)
        | Endpoint::EmailLink(via)
        | Endpoint::Forgot(via)
        | Endpoint::Reset(via)
        | Endpoint::Verify(via) => page(e).map_or_else(Op::missing, |p| p.op(via)),
        Endpoint::Metadata => Op::new(OP, "Provider metadata")
            .describe(&format!(
                "OpenID Connect Discovery 1.0 and RFC 8414 authorization server metadata: one document, served at both well-known paths. It lists exactly what is implemented. Public; `Cache-Control: public, max-age=3600`. {NO_APP}"
            ))
            .ok(200, "The metadata.", schema("ProviderMetadata"))
            .errors(&[404]),
        Endpoint::Jwks => Op::new(OP, "Signing keys (JWKS)")
            .describe(&format!(
                "The application's public signing keys (RFC 7517): keys published ahead of use, the active ones, and retired keys whose tokens may still be live. A key's `kid` is its RFC 7638 thumbprint. Public; `Cache-Control: public, max-age=300`. {NO_APP}"
            ))
            .ok(200, "The key set.", schema("JsonWebKeySet"))
            .errors(&[404]),
        Endpoint::Authorize(via) => authorize(via),
        Endpoint::Token => Op::new(OP, "Get tokens")
            .describe(
                "The token endpoint (RFC 6749 §3.2). Grants: `authorization_code` (with the PKCE `code_verifier`; a code works once, and a replayed one revokes what it issued), `refresh_token` (rotated on every use: the answer carries a new one; reuse of a rotated one revokes the grant, except a retry within the application's leeway), `client_credentials` (confidential clients only; the client's own token, no user scopes, no ID token, no refresh token). `resource`/`audience` (RFC 8707): for a code or refresh token only the grant's own API, for `client_credentials` an API the client has a grant for (`invalid_target` otherwise).\n\n\
                 Client authentication (RFC 6749 §2.3), the method the client registered: `client_secret_basic` (HTTP Basic, id and secret form-urlencoded), `client_secret_post` (`client_id` and `client_secret` in the form), or, for a public client (`none`), `client_id` alone in the form and no `Authorization` header. Every failure is the same 401 `invalid_client` (with `WWW-Authenticate: Basic`).\n\n\
                 Errors are RFC 6749 §5.2 JSON (`invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_target`); every answer has `Cache-Control: no-store`. Rate-limited per IP and per client: 429 `temporarily_unavailable` with `Retry-After`.",
            )
            .security(&["clientSecretBasic"])
            .form_body(token_body())
            .ok(200, "The tokens (`Cache-Control: no-store`).", schema("TokenResponse"))
            .errors(&[400, 401, 413, 429]),
        Endpoint::UserInfo(via) => {
            let o = Op::new(OP, if via == Via::Query { "UserInfo" } else { "UserInfo (form post)" })
                .describe(&format!(
                    "OIDC Core §5.3: the claims of the token's user that its scope releases: `sub`; `name`, `picture`, `updated_at` with `profile`; `email`, `email_verified` with `email`. Needs an access token of this application whose `aud` includes the issuer and whose scope has `openid` (403 `insufficient_scope` otherwise; a token for an API only is 401 `invalid_token`), presented in the `Authorization: Bearer` header{} (RFC 6750). Every answer has `Cache-Control: no-store`.",
                    if via == Via::Form { " or as `access_token` in a form body, never both ways (400)" } else { "" }
                ))
                .security(&["accessToken"])
                .ok(200, "The claims.", schema("UserInfo"))
                .ok(401, "No token (the challenge then names no error, RFC 6750 §3.1, and the body's `error` is `unauthorized`), or one that is invalid, expired, revoked, or not for this issuer (`invalid_token`); `WWW-Authenticate: Bearer` says which, with `scope=\"openid\"`.", schema("Error"))
                .errors(&[403]);
            match via {
                Via::Query => o,
                Via::Form => o
                    .form_body(form(&[("access_token", text("The access token, when it is not in the `Authorization` header."))], &[]))
                    .optional_body()
                    .errors(&[400, 413]),
            }
        }
        Endpoint::Revoke => Op::new(OP, "Revoke a token")
            .describe(
                "RFC 7009. The client authenticates as at the token endpoint (a public client sends its `client_id` alone). A refresh token revokes its whole grant (and the access tokens bound to it); an access token is revoked on its own. A token that is invalid, unknown, already revoked or another client's gets the same 200 and changes nothing. `token_type_hint` is only a hint: both kinds are tried. Errors are RFC 6749 §5.2 JSON (`invalid_request` without `token`, 401 `invalid_client`); `Cache-Control: no-store`.",
            )
            .security(&["clientSecretBasic"])
            .form_body(form(
                &[
                    ("token", text("The access or refresh token.")),
                    ("token_type_hint", json!({ "type": "string", "description": "`access_token` or `refresh_token`: a hint only." })),
                    ("client_id", client_id()),
                    ("client_secret", client_secret()),
                ],
                &["token"],
            ))
            .ok(200, "Done, or nothing to do: the body is the empty object `{}`.", json!({ "type": "object", "description": "Always `{}`." }))
            .errors(&[400, 401, 413]),
        Endpoint::Introspect => Op::new(OP, "Introspect a token")
            .describe(
                "RFC 7662. Only confidential clients (`client_secret_basic` or `client_secret_post`; a public client is 401 `invalid_client`). Access tokens of the application are described to any of its confidential clients (resource servers are clients too); refresh tokens only to the client they were issued to. A token for one of the application's APIs is described as it stands now: its `scope` and `permissions` are what the user's roles (or the client's grant) allow at this moment. Anything else is `{\"active\": false}`. `Cache-Control: no-store`.",
            )
            .security(&["clientSecretBasic"])
            .form_body(form(
                &[
                    ("token", text("The access or refresh token.")),
                    ("token_type_hint", json!({ "type": "string", "description": "Ignored: both kinds are tried." })),
                    ("client_id", client_id()),
                    ("client_secret", client_secret()),
                ],
                &["token"],
            ))
            .ok(200, "The token's description.", schema("IntrospectionResponse"))
            .errors(&[400, 401, 413]),
        Endpoint::Logout(via) => {
            let fields = [
                ("id_token_hint", text("An ID token this application issued (signature checked, expiry not).")),
                ("post_logout_redirect_uri", text("Where to go afterwards: exactly one of the client's registered `post_logout_redirect_uris`; needs `id_token_hint` or `client_id`.")),
                ("state", text("Returned on the redirect.")),
                ("client_id", text("The client, when there is no hint (it must match the hint's otherwise).")),
            ];
            let mut o = Op::new(OP, if via == Via::Query { "Sign out" } else { "Sign out (confirmed)" });
            let rules = "RP-Initiated Logout 1.0. The session ends only when the request shows the user wants it: a valid `id_token_hint` naming the signed-in user, or the confirmation form's `POST` with its CSRF token (`csrf_token` equal to the `aero2_csrf` cookie). Anything else with a session shows that confirmation form (200). Ending it revokes the grants issued through it, with their tokens, and clears the session cookie. Then 303 to the registered `post_logout_redirect_uri` (with `state`), or the signed-out page (200). An invalid hint, a mismatched `client_id` or an unregistered redirect URI is an HTML error page with 400: never an open redirect.";
            match via {
                Via::Query => {
                    o = o.describe(rules);
                    for (name, s) in fields {
                        let description = description_of(&s);
                        o = o.query(name, s, &description);
                    }
                }
                Via::Form => {
                    let mut all: Vec<(&str, Value)> = fields.to_vec();
                    all.push(("csrf_token", csrf_token()));
                    o = o.describe(&format!("The confirmation form's post (or any form post of the same fields). {rules}")).form_body(form(&all, &[])).errors(&[413]);
                }
            }
            o.media(200, "The confirmation form, or the signed-out page.", HTML)
                .redirect(303, "Signed out: on to the registered `post_logout_redirect_uri`.")
                .media(400, "The error page: the hint, client or redirect URI is not acceptable, or the request is malformed.", HTML)
        }
        Endpoint::PasskeyOptions => Op::new(PAGES, "Passkey ceremony options")
            .describe(
                "For the hosted pages' script: the options of a passkey ceremony (WebAuthn Level 3 JSON), with a challenge kept single-use for 5 minutes and bound to its purpose and request, ticket or session. `purpose=sign_in` with the pending `request` (where passkeys sign in: 403 `access_denied` otherwise), `purpose=second_factor` with the sign-in's `ticket`, or `purpose=register` from the security page with a recent session (401 `login_required` otherwise). Errors are JSON `{\"error\", \"error_description\"}`: 400 `invalid_request` (unknown purpose, expired request or ticket, a body that is not a form), 403 for a CSRF token that does not match the `aero2_csrf` cookie. Each call counts toward the per-IP sign-in limit (429 with `Retry-After`). `Cache-Control: no-store`."
            )
            .form_body(form(
                &[
                    ("csrf_token", csrf_token()),
                    ("purpose", json!({ "type": "string", "enum": ["sign_in", "second_factor", "register"] })),
                    ("request", text("The pending authorization request (`sign_in`).")),
                    ("ticket", text("The sign-in's second-step ticket (`second_factor`).")),
                ],
                &["csrf_token", "purpose"],
            ))
            .ok(200, "The ceremony's options (`Cache-Control: no-store`).", schema("PasskeyOptions"))
            .errors(&[400, 401, 403, 413, 429]),
        Endpoint::Stylesheet => Op::new(PAGES, "Hosted pages' stylesheet")
            .describe(&format!("The hosted pages' stylesheet; `Cache-Control: public, max-age=3600`. {NO_APP}"))
            .media(200, "The stylesheet.", "text/css")
            .errors(&[404]),
        Endpoint::BrandStylesheet => Op::new(PAGES, "Branding stylesheet")
            .describe(
                "Without a query: the application's own branding (`settings.branding`: its colour as the accent, its logo above every form), linked by every hosted page; empty for an application without any; `Cache-Control: no-cache` with an `ETag` (`If-None-Match` gets 304). With `c`: an organization's colour as the accent (text on it black or white, whichever contrasts more); `Cache-Control: public, max-age=86400`; anything but a colour is 404 (JSON).",
            )
            .query("c", json!({ "type": "string", "pattern": "^#*[0-9A-Fa-f]{6}$" }), "A colour as six hex digits (`rrggbb`; leading `#` ignored).")
            .media(200, "The stylesheet (possibly empty).", "text/css")
            .media(304, "Not modified (the `ETag` matched): no body.", "text/css")
            .errors(&[404]),
        Endpoint::Script => Op::new(PAGES, "Hosted pages' script")
            .describe(&format!(
                "The hosted pages' one script: runs passkey ceremonies (`navigator.credentials`) for forms marked `data-passkey`. `Content-Type: text/javascript`; `Cache-Control: public, max-age=3600`. {NO_APP}"
            ))
            .media(200, "The script.", "text/javascript")
            .errors(&[404]),
        Endpoint::Health => Op::new(OP, "Health")
            .describe(
                "Liveness. Without an `Authorization` header, the front Worker answers `{\"status\": \"ok\"}` itself (no object, storage or signer touched). With the operator credential (`Authorization: Bearer` and `AERO2_BOOTSTRAP_SECRET`), the application's object answers its detailed view: the object, its storage, the signer, the mailer's configuration, mail waiting, how often it fetched keys. Any other credential is 401.",
            )
            .ok(200, "Up: `{\"status\": \"ok\"}`, or the operator's detailed view.", schema("HealthStatus"))
            .errors(&[401]),
    }
}

const IDP: &[(&str, &str)] = &[("idp", "The identity provider's slug (as the sign-in page's buttons name it).")];

pub(super) fn describe_rp(e: rp::Endpoint) -> Op {
    match e {
        rp::Endpoint::Authorize => Op::new(UPSTREAM, "Sign in with a provider")
            .describe(
                "From the sign-in page's provider button: stores a single-use `state` (10 minutes) with a PKCE verifier, a `nonce` and the pending authorization request, binds it to this browser (the `aero2_rp` cookie, scoped to `/rp/callback/`), and sends the browser to the provider (303). Before the pending request is known, a failure is an HTML error page. Rate-limited per IP (429 with `Retry-After`). No 2xx answer: the browser is always sent on or shown an error.",
            )
            .params(IDP)
            .query_required("request", json!({ "type": "string" }), "The pending authorization request's id.")
            .redirect(303, "To the provider's authorization endpoint.")
            .media(400, "The error page: no live pending request.", HTML)
            .media(404, "The error page: the application offers no such enabled provider.", HTML)
            .media(429, "An HTML page: too many sign-ins through providers from this address (`Retry-After`).", HTML)
            .media(502, "The error page: the provider's discovery document cannot be fetched or read (or timed out).", HTML),
        rp::Endpoint::Callback => Op::new(UPSTREAM, "Provider callback")
            .describe(
                "The provider's answer (this URL is the redirect URI registered there): uses the `state` up, checks it was started in this browser, exchanges the code (with PKCE), validates the ID token (OpenID providers) or fetches the profile (OAuth 2.0, GitHub), then finds, links or creates the user by the application's `idp_linking` policy and signs in as usual. Before the state is known a failure is an HTML error page (400); after, the client's request is known and a provider failure goes back to its redirect URI as an OAuth error (303: `access_denied`, `server_error`, `temporarily_unavailable`). A refusal to link or create (an address taken, sign-up closed, an unverified address) is the sign-in page again with the reason (409 or 403), the client's request still pending.",
            )
            .params(IDP)
            .query("code", json!({ "type": "string", "maxLength": 4096 }), "The provider's authorization code.")
            .query("state", json!({ "type": "string" }), "The state Aero2 sent.")
            .query("error", json!({ "type": "string" }), "The provider's error (`access_denied`, …).")
            .query("error_description", json!({ "type": "string" }), "The provider's words for it (logged, not shown).")
            .query("iss", json!({ "type": "string" }), "RFC 9207: must be the provider's issuer when given (and present where it advertises it).")
            .redirect(303, "Signed in and on (to the client or the next page), or the provider's failure at the client's redirect URI.")
            .media(200, "A page: the second-factor step.", HTML)
            .media(400, "The error page: no state, an expired or used one, one from another browser.", HTML)
            .media(403, "The sign-in page again (linking or sign-up refused), or a notice that the address must be confirmed first.", HTML)
            .media(409, "The sign-in page again: the address belongs to another account that may not be linked; or the same sign-in ran twice at once.", HTML),
    }
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let strings = || json!({ "type": "array", "items": { "type": "string" } });
    let url = |d: &str| json!({ "type": "string", "format": "uri", "description": d });
    let metadata_required = [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
        "scopes_supported",
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
        "acr_values_supported",
        "claims_supported",
        "claims_parameter_supported",
        "request_parameter_supported",
        "request_uri_parameter_supported",
        "require_request_uri_registration",
        "prompt_values_supported",
        "authorization_response_iss_parameter_supported",
        "frontchannel_logout_supported",
        "backchannel_logout_supported",
    ];
    vec![
        (
            "ProviderMetadata",
            json!({
                "type": "object",
                "description": "OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 metadata.",
                "required": metadata_required,
                "properties": {
                    "issuer": url("The issuer: the application's host (`https://<slug>.<platform>` or its custom domain)."),
                    "authorization_endpoint": url("`<issuer>/oauth2/authorize`."),
                    "token_endpoint": url("`<issuer>/oauth2/token`."),
                    "userinfo_endpoint": url("`<issuer>/oauth2/userinfo`."),
                    "jwks_uri": url("`<issuer>/.well-known/jwks.json`."),
                    "revocation_endpoint": url("`<issuer>/oauth2/revoke`."),
                    "introspection_endpoint": url("`<issuer>/oauth2/introspect`."),
                    "end_session_endpoint": url("`<issuer>/oauth2/logout`."),
                    "scopes_supported": strings(),
                    "response_types_supported": strings(),
                    "response_modes_supported": strings(),
                    "grant_types_supported": strings(),
                    "subject_types_supported": strings(),
                    "id_token_signing_alg_values_supported": strings(),
                    "token_endpoint_auth_methods_supported": strings(),
                    "revocation_endpoint_auth_methods_supported": strings(),
                    "introspection_endpoint_auth_methods_supported": strings(),
                    "code_challenge_methods_supported": strings(),
                    "acr_values_supported": strings(),
                    "claims_supported": strings(),
                    "claims_parameter_supported": { "type": "boolean" },
                    "request_parameter_supported": { "type": "boolean" },
                    "request_uri_parameter_supported": { "type": "boolean" },
                    "require_request_uri_registration": { "type": "boolean" },
                    "prompt_values_supported": strings(),
                    "authorization_response_iss_parameter_supported": { "type": "boolean" },
                    "frontchannel_logout_supported": { "type": "boolean" },
                    "backchannel_logout_supported": { "type": "boolean" },
                },
            }),
        ),
        (
            "JsonWebKeySet",
            json!({
                "type": "object",
                "description": "A JWK Set (RFC 7517 §5): public keys only.",
                "required": ["keys"],
                "properties": { "keys": array(schema("JsonWebKey")) },
            }),
        ),
        (
            "JsonWebKey",
            json!({
                "type": "object",
                "description": "A public signing key: RSA (`n`, `e`; RS256) or P-256 (`crv`, `x`, `y`; ES256).",
                "required": ["kty", "use", "alg", "kid"],
                "properties": {
                    "kty": { "type": "string", "enum": ["RSA", "EC"] },
                    "use": { "type": "string", "enum": ["sig"] },
                    "alg": { "type": "string", "enum": ["RS256", "ES256"] },
                    "kid": { "type": "string", "description": "The key's RFC 7638 thumbprint." },
                    "n": { "type": "string", "description": "RSA modulus (base64url)." },
                    "e": { "type": "string", "description": "RSA exponent (base64url)." },
                    "crv": { "type": "string", "enum": ["P-256"] },
                    "x": { "type": "string", "description": "EC x coordinate (base64url)." },
                    "y": { "type": "string", "description": "EC y coordinate (base64url)." },
                },
            }),
        ),
        (
            "TokenResponse",
            json!({
                "type": "object",
                "description": "RFC 6749 §5.1.",
                "required": ["access_token", "token_type", "expires_in"],
                "properties": {
                    "access_token": { "type": "string", "description": "A JWT (RFC 9068), ES256 unless the API asks for RS256." },
                    "token_type": { "type": "string", "enum": ["Bearer"] },
                    "expires_in": { "type": "integer", "description": "The access token's lifetime in seconds." },
                    "scope": { "type": "string", "description": "The scope granted: always for a user's grant; for `client_credentials` only when not empty." },
                    "id_token": { "type": "string", "description": "With `openid` (never for `client_credentials`): the ID token, RS256 unless the client registered ES256." },
                    "refresh_token": { "type": "string", "description": "When the grant allows one (`offline_access` and a client registered for `refresh_token`); a new one on every refresh." },
                },
            }),
        ),
        (
            "IntrospectionResponse",
            json!({
                "type": "object",
                "description": "RFC 7662 §2.2. An inactive token is `{\"active\": false}` and nothing else.",
                "required": ["active"],
                "properties": {
                    "active": { "type": "boolean" },
                    "token_type": { "type": "string", "enum": ["Bearer", "refresh_token"] },
                    "client_id": { "type": "string" },
                    "sub": { "type": "string", "description": "The user, or the client itself for a `client_credentials` token." },
                    "scope": { "type": "string", "description": "As it stands now (absent when empty for an access token)." },
                    "exp": { "type": "integer", "description": "Seconds since the epoch." },
                    "iat": { "type": "integer", "description": "Seconds since the epoch (access tokens)." },
                    "iss": { "type": "string" },
                    "aud": { "type": ["string", "array"], "items": { "type": "string" }, "description": "The audience: one value or several (access tokens); the API's identifier (refresh tokens for an API)." },
                    "jti": { "type": "string", "description": "Access tokens." },
                    "permissions": { "type": "array", "items": { "type": "string" }, "description": "For a token of one of the application's APIs: the permissions the user's roles (or the client's grant) allow now." },
                    "org_id": { "type": "string", "description": "The organization the token was issued in." },
                    "org_slug": { "type": "string" },
                    "org_roles": { "type": "array", "items": { "type": "string" }, "description": "The member's role names there now." },
                },
            }),
        ),
        (
            "UserInfo",
            json!({
                "type": "object",
                "description": "OIDC Core §5.3.2: the claims the token's scope releases.",
                "required": ["sub"],
                "properties": {
                    "sub": { "type": "string", "description": "The user's id (`usr_…`)." },
                    "name": { "type": "string", "description": "With `profile`, when set." },
                    "picture": { "type": "string", "description": "With `profile`, when set." },
                    "updated_at": { "type": "integer", "description": "With `profile`: seconds since the epoch." },
                    "email": { "type": "string", "description": "With `email`, when the account has an address." },
                    "email_verified": { "type": "boolean", "description": "With `email`, when the account has an address." },
                },
            }),
        ),
        (
            "PasskeyOptions",
            json!({
                "type": "object",
                "description": "A passkey ceremony for `navigator.credentials`: `create` (a new passkey) with `PublicKeyCredentialCreationOptionsJSON`, or `get` (use one) with `PublicKeyCredentialRequestOptionsJSON` (WebAuthn Level 3).",
                "required": ["mode", "publicKey"],
                "properties": {
                    "mode": { "type": "string", "enum": ["create", "get"] },
                    "publicKey": {
                        "type": "object",
                        "required": ["challenge", "timeout"],
                        "properties": {
                            "challenge": { "type": "string", "description": "base64url; single use, 5 minutes." },
                            "timeout": { "type": "integer", "description": "Milliseconds." },
                            "rp": { "type": "object", "description": "`create`: the relying party (`id`: the host in use, `name`)." },
                            "user": { "type": "object", "description": "`create`: `id` (base64url), `name`, `displayName`." },
                            "pubKeyCredParams": { "type": "array", "items": { "type": "object" }, "description": "`create`." },
                            "excludeCredentials": { "type": "array", "items": { "type": "object" }, "description": "`create`: the user's passkeys on this host." },
                            "authenticatorSelection": { "type": "object", "description": "`create`: a discoverable credential, and the user verification asked." },
                            "attestation": { "type": "string", "description": "`create`: `none`." },
                            "rpId": { "type": "string", "description": "`get`: the host in use." },
                            "allowCredentials": { "type": "array", "items": { "type": "object" }, "description": "`get`: the user's passkeys (empty for a passwordless sign-in: any discoverable one)." },
                            "userVerification": { "type": "string", "enum": ["required", "preferred", "discouraged"], "description": "`get`." },
                        },
                    },
                },
            }),
        ),
        (
            "HealthStatus",
            json!({
                "type": "object",
                "description": "`{\"status\": \"ok\"}`; the operator's view adds the rest.",
                "required": ["status"],
                "properties": {
                    "status": { "type": "string", "enum": ["ok"] },
                    "application": {
                        "type": "object",
                        "properties": { "id": { "type": "string" }, "slug": { "type": "string" } },
                    },
                    "durable_object": {
                        "type": "object",
                        "description": "The application's object: `class`, `id`, `schema_version`, `storage` (`reachable`, `health_checks`: how many times it was asked), `requests_since_start` (requests this instance served; discovery and the JWKS are answered by the front Worker and never counted).",
                        "properties": {
                            "class": { "type": "string" },
                            "id": { "type": "string" },
                            "schema_version": { "type": "integer" },
                            "storage": { "type": "object", "properties": { "reachable": { "type": "boolean" }, "health_checks": { "type": "integer" } } },
                            "requests_since_start": { "type": "integer" },
                        },
                    },
                    "jwks_signer": {
                        "type": "object",
                        "description": "The signer: `class`, `id`, `schema_version`, `keys` (how many it holds), `calls_since_start` (calls for this application since the instance started, by kind: `sign`, `jwks`, …).",
                        "properties": {
                            "class": { "type": "string" },
                            "id": { "type": "string" },
                            "schema_version": { "type": "integer" },
                            "keys": { "type": "integer" },
                            "calls_since_start": { "type": "object", "additionalProperties": { "type": "integer" } },
                        },
                    },
                    "key_cache": { "type": "object", "properties": { "signer_fetches": { "type": "integer", "description": "How often this object asked the signer for keys." } } },
                    "mailer": {
                        "type": "object",
                        "description": "`ready` with its `transport`, or not with the `problem`.",
                        "properties": { "ready": { "type": "boolean" }, "transport": { "type": "string" }, "problem": { "type": "string" } },
                    },
                    "mail_queue": {
                        "type": "object",
                        "properties": { "pending": { "type": "integer" }, "failing": { "type": "integer" } },
                    },
                },
            }),
        ),
    ]
}

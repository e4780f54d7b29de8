//! The hosted pages (templates in `ui/`, compiled in), their CSRF tokens
//! and cookies. Pages are never cached; every value is HTML-escaped.

use crate::fail::Fail;
use crate::rng;
use aero2_core::encoding::hex;
use aero2_core::html::{alert, escape, fill, link, list_items};
use aero2_core::oauth::scope::{Scope, EMAIL, OFFLINE_ACCESS, OPENID, PROFILE};
use aero2_core::rbac::Api;
use aero2_core::secret::constant_time_eq;
use worker::{Headers, Request, Response, Result};

const LOGIN: &str = include_str!("../../ui/login.html");
const SIGNUP: &str = include_str!("../../ui/signup.html");
const CONSENT: &str = include_str!("../../ui/consent.html");
const ORGANIZATION: &str = include_str!("../../ui/organization.html");
const INVITATION: &str = include_str!("../../ui/invitation.html");
const ERROR: &str = include_str!("../../ui/error.html");
const SIGNED_OUT: &str = include_str!("../../ui/signed-out.html");
const CSS: &str = include_str!("../../ui/hosted.css");
const FORGOT: &str = include_str!("../../ui/forgot.html");
const RESET: &str = include_str!("../../ui/reset.html");
const NOTICE: &str = include_str!("../../ui/notice.html");
const CONFIRM: &str = include_str!("../../ui/confirm.html");
const MFA: &str = include_str!("../../ui/mfa.html");
const RECOVERY_CODES: &str = include_str!("../../ui/recovery-codes.html");
const EMAIL_CODE: &str = include_str!("../../ui/email-code.html");
const SECURITY: &str = include_str!("../../ui/security.html");
const PASSKEY_JS: &str = include_str!("../../ui/passkey.js");

pub const CSRF_COOKIE: &str = "aero2_csrf";
pub const SESSION_COOKIE: &str = "aero2_session";

fn html(body: String, status: u16) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}

/// What the sign-in page shows.
pub struct LoginForm<'a> {
    pub app_name: &'a str,
    /// The pending authorization request it continues.
    pub request: &'a str,
    pub csrf: &'a str,
    /// Refills the field after a failed attempt.
    pub email: Option<&'a str>,
    /// Why the last attempt failed, in the alert box.
    pub error: Option<&'a str>,
    /// Offers the sign-up link (not when sign-up is `disabled`).
    pub signup_open: bool,
    /// Enabled identity providers as (slug, display name).
    pub providers: &'a [(String, String)],
    /// Offers "Sign in with a passkey".
    pub passkeys: bool,
    /// Offers a code and link by email instead of the password.
    pub email_codes: bool,
    /// The organization being signed in to, with its branding.
    pub organization: Option<&'a aero2_core::organization::Organization>,
}

/// What a page signing in to an organization adds: its colour (a
/// stylesheet, as the CSP allows no inline style) in the head, its logo
/// and name above the form.
fn branding(org: Option<&aero2_core::organization::Organization>) -> (String, String) {
    let Some(org) = org else { return (String::new(), String::new()) };
    let head = org
        .branding
        .primary_color
        .as_deref()
        .map(|c| format!("<link rel=\"stylesheet\" href=\"{}?c={}\">", aero2_core::routes::op::BRAND_STYLESHEET_PATH, escape(c.trim_start_matches('#'))))
        .unwrap_or_default();
    let logo = org.branding.logo_url.as_deref().map(|u| format!("<img class=\"org-logo\" src=\"{}\" alt=\"{}\">", escape(u), escape(&org.name))).unwrap_or_default();
    (head, format!("{logo}<p class=\"org\">Signing in to <strong>{}</strong></p>", escape(&org.name)))
}

/// `/ui/brand.css`: the application's own branding
/// (`aero2_core::branding::page_stylesheet`; every hosted page links it,
/// so it is empty for an application without any), revalidated on every
/// use through its `ETag` so a change shows at the next page.
/// `/ui/brand.css?c=rrggbb`: an organization's colour
/// (`aero2_core::branding::accent_stylesheet`; 404 for anything else),
/// which depends on the query only: cached a day.
pub fn brand_stylesheet(req: &Request, app: &aero2_core::application::Application) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/css; charset=utf-8")?;
    let colour = req.url()?.query_pairs().find(|(k, _)| k == "c").map(|(_, v)| v.into_owned());
    let Some(colour) = colour else {
        let css = app.settings.branding.as_ref().and_then(aero2_core::branding::page_stylesheet).unwrap_or_default();
        let etag = format!("\"{}\"", &aero2_core::encoding::sha256_hex(css.as_bytes())[..32]);
        headers.set("cache-control", "no-cache")?;
        headers.set("etag", &etag)?;
        // Weak comparison (RFC 9110 §13.1.2): a proxy that compressed it
        // sends back W/"…".
        if req.headers().get("if-none-match")?.is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag)) {
            return Ok(Response::empty()?.with_status(304).with_headers(headers));
        }
        return Ok(Response::ok(css)?.with_headers(headers));
    };
    let Some(css) = aero2_core::branding::accent_stylesheet(&colour) else {
        return crate::respond::error(&aero2_core::error::ApiError::NotFound);
    };
    headers.set("cache-control", "public, max-age=86400")?;
    Ok(Response::ok(css)?.with_headers(headers))
}

/// "Check your email": the form for the code a sign-in by email sent.
pub fn email_code_page(app_name: &str, request: &str, handle: &str, email: &str, csrf: &str, error: Option<&str>, status: u16) -> Result<Response> {
    let values = [("app_name", app_name), ("request", request), ("handle", handle), ("email", email), ("csrf_token", csrf)];
    html(fill(EMAIL_CODE, &values, &[("error_html", &alert(error))]), status)
}

/// A passkey button in its own form: `/ui/passkey.js` shows it where the
/// browser has WebAuthn, runs the ceremony `purpose` names, and posts the
/// response to `action` in the `passkey` field with `fields`.
fn passkey_form(action: &str, purpose: &str, fields: &[(&str, &str)], label: &str) -> String {
    let hidden: String = fields.iter().map(|(n, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(n), escape(v))).collect();
    format!(
        "<form method=\"post\" action=\"{}\" class=\"passkey\" data-passkey=\"{}\" hidden>{hidden}<input type=\"hidden\" name=\"passkey\" value=\"\">\
         <button type=\"submit\" class=\"secondary\">{}</button><p class=\"error\" role=\"alert\" hidden></p></form>\
         <script src=\"/ui/passkey.js\" defer></script>",
        escape(action),
        escape(purpose),
        escape(label)
    )
}

pub fn login_page(f: &LoginForm<'_>, status: u16) -> Result<Response> {
    let request = escape(f.request);
    let signup = if f.signup_open {
        format!("<p class=\"alt\">No account? <a href=\"/signup?request={request}\">Create one</a></p>")
    } else {
        String::new()
    };
    let providers = if f.providers.is_empty() {
        String::new()
    } else {
        let buttons: String = f
            .providers
            .iter()
            .map(|(slug, name)| {
                format!(
                    "<a class=\"provider\" href=\"/rp/authorize/{}?request={request}\">Continue with {}</a>",
                    escape(slug),
                    escape(name)
                )
            })
            .collect();
        format!("<div class=\"providers\" aria-label=\"Other ways to sign in\"><p class=\"divider\">or</p>{buttons}</div>")
    };
    let passkey = if f.passkeys {
        passkey_form("/login", "sign_in", &[("request", f.request), ("csrf_token", f.csrf)], "Sign in with a passkey")
    } else {
        String::new()
    };
    let values = [("app_name", f.app_name), ("request", f.request), ("csrf_token", f.csrf), ("email", f.email.unwrap_or_default())];
    let email_code = if f.email_codes {
        fill(
            "<details class=\"alt\"><summary>Email me a sign-in code instead</summary><form method=\"post\" action=\"/login\">\
             <input type=\"hidden\" name=\"request\" value=\"{{request}}\"><input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\">\
             <input type=\"hidden\" name=\"email_signin\" value=\"1\"><label for=\"signin_email\">Email</label>\
             <input id=\"signin_email\" name=\"email\" type=\"email\" autocomplete=\"email\" required>\
             <button type=\"submit\" class=\"secondary\">Email me a code</button></form></details>",
            &[("request", f.request), ("csrf_token", f.csrf)],
            &[],
        )
    } else {
        String::new()
    };
    let error = alert(f.error);
    let passkey = format!("{passkey}{email_code}");
    let (brand_head, org) = branding(f.organization);
    let slots = [
        ("error_html", error.as_str()),
        ("signup_html", &signup),
        ("providers_html", &providers),
        ("passkey_html", &passkey),
        ("brand_head_html", &brand_head),
        ("org_html", &org),
    ];
    html(fill(LOGIN, &values, &slots), status)
}

/// Sign-up form; the same slots as sign-in.
pub fn signup_page(app_name: &str, request: &str, csrf: &str, email: Option<&str>, error: Option<&str>, status: u16) -> Result<Response> {
    form_page(SIGNUP, app_name, request, csrf, email, error, status)
}

fn form_page(template: &str, app_name: &str, request: &str, csrf: &str, email: Option<&str>, error: Option<&str>, status: u16) -> Result<Response> {
    let values = [("app_name", app_name), ("request", request), ("csrf_token", csrf), ("email", email.unwrap_or_default())];
    html(fill(template, &values, &[("error_html", &alert(error))]), status)
}

/// What each scope means to a person.
fn scope_words(scope: &str, api: Option<&Api>) -> String {
    match scope {
        OPENID => "Sign you in".into(),
        PROFILE => "See your name and picture".into(),
        EMAIL => "See your email address".into(),
        OFFLINE_ACCESS => "Stay signed in (refresh tokens)".into(),
        other => {
            let permission = api.and_then(|a| a.settings.permissions.iter().find(|p| p.value == other).map(|p| (a, p)));
            match permission {
                Some((a, p)) if !p.description.is_empty() => format!("{} ({}, “{other}”)", p.description, a.name),
                Some((a, _)) => format!("Use the “{other}” permission of {}", a.name),
                None => format!("Use the “{other}” permission"),
            }
        }
    }
}

/// Asks the user to allow `client_name` the `scopes`; permissions are
/// described by the `api` they belong to.
pub fn consent_page(app_name: &str, client_name: &str, scopes: &Scope, api: Option<&Api>, request: &str, csrf: &str) -> Result<Response> {
    let words: Vec<String> = scopes.iter().map(|s| scope_words(s, api)).collect();
    let list = list_items(words.iter().map(String::as_str));
    let values = [("app_name", app_name), ("client_name", client_name), ("request", request), ("csrf_token", csrf)];
    html(fill(CONSENT, &values, &[("scopes_html", &list)]), 200)
}

/// One organization on the picker.
pub struct OrgChoice {
    pub id: String,
    pub name: String,
    pub slug: String,
    /// Not a member yet: a verified domain suggests it; choosing it joins.
    pub join: bool,
}

/// The organization picker: one button per organization the user belongs
/// to or is offered.
pub fn organization_page(app_name: &str, organizations: &[OrgChoice], request: &str, csrf: &str) -> Result<Response> {
    let items: String = organizations
        .iter()
        .map(|o| {
            let name = if o.join { format!("Join {}", o.name) } else { o.name.clone() };
            format!(
                "<li><button type=\"submit\" name=\"organization\" value=\"{}\">{}<span class=\"slug\">{}</span></button></li>",
                escape(&o.id),
                escape(&name),
                escape(&o.slug)
            )
        })
        .collect();
    let values = [("app_name", app_name), ("request", request), ("csrf_token", csrf)];
    html(fill(ORGANIZATION, &values, &[("organizations_html", &items)]), 200)
}

/// What the invitation page for a new account shows.
pub struct InvitationForm<'a> {
    pub app_name: &'a str,
    pub org_name: &'a str,
    /// The invited address (fixed: the link proves it).
    pub email: &'a str,
    pub name: &'a str,
    /// The link's token.
    pub token: &'a str,
    pub csrf: &'a str,
}

/// Asks a new invitee for a password (and a name).
pub fn invitation_page(f: &InvitationForm<'_>, error: Option<&str>, status: u16) -> Result<Response> {
    let values = [("app_name", f.app_name), ("org_name", f.org_name), ("email", f.email), ("name", f.name), ("token", f.token), ("csrf_token", f.csrf)];
    html(fill(INVITATION, &values, &[("error_html", &alert(error))]), status)
}

/// Asks for the address to send a reset link to.
pub fn forgot_page(app_name: &str, request: &str, csrf: &str, error: Option<&str>, status: u16) -> Result<Response> {
    let values = [("app_name", app_name), ("request", request), ("csrf_token", csrf)];
    html(fill(FORGOT, &values, &[("error_html", &alert(error))]), status)
}

/// What the new-password page says: a reset, or taking an account back.
pub struct ResetForm<'a> {
    pub app_name: &'a str,
    pub heading: &'a str,
    pub intro: &'a str,
    /// The single-use token from the link.
    pub token: &'a str,
}

/// Asks for a new password.
pub fn reset_page(f: &ResetForm<'_>, csrf: &str, error: Option<&str>, status: u16) -> Result<Response> {
    let values = [("app_name", f.app_name), ("heading", f.heading), ("intro", f.intro), ("token", f.token), ("csrf_token", csrf)];
    html(fill(RESET, &values, &[("error_html", &alert(error))]), status)
}

/// A page whose one button posts `fields` to `action`: what a link or a
/// cross-site request opens, so that only a person's click acts (mail
/// scanners fetch links; an `<img>` can point anywhere).
pub struct Confirm<'a> {
    pub app_name: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub action: &'a str,
    pub fields: &'a [(&'a str, &'a str)],
    pub button: &'a str,
}

pub fn confirm_page(c: &Confirm<'_>, csrf: &str) -> Result<Response> {
    let fields: String = c
        .fields
        .iter()
        .map(|(name, value)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(name), escape(value)))
        .collect();
    let values = [("app_name", c.app_name), ("title", c.title), ("message", c.message), ("action", c.action), ("button", c.button), ("csrf_token", csrf)];
    html(fill(CONFIRM, &values, &[("fields_html", &fields)]), 200)
}

/// A plain message (not an error).
/// What the second-factor page asks for.
pub enum SecondFactorForm<'a> {
    /// A code from one of the user's factors, or a recovery code; with
    /// `passkeys`, one of the user's passkeys too; with `phone` (masked),
    /// a button that texts a code there; `notice` says one was sent.
    /// With `remember_days`, a box to skip this step on this browser.
    Challenge { passkeys: bool, phone: Option<&'a str>, notice: Option<&'a str>, remember_days: Option<u32> },
    /// A first factor to add: a new authenticator app's QR code (an SVG
    /// document) and secret, for its first code, and/or a passkey.
    Enrol { totp: Option<(&'a str, &'a str)>, passkey: bool },
}

/// The second step of a sign-in (`/mfa`).
pub fn second_factor_page(app_name: &str, ticket: &str, csrf: &str, form: &SecondFactorForm<'_>, error: Option<&str>, status: u16) -> Result<Response> {
    let passkey = |label: &str| passkey_form("/mfa", "second_factor", &[("ticket", ticket), ("csrf_token", csrf)], label);
    let (heading, intro, enrol, recovery) = match form {
        SecondFactorForm::Challenge { passkeys, phone, notice, .. } => (
            "Two-step verification",
            match phone {
                Some(_) => format!("Enter the code your authenticator app shows for {}, or have one texted to you.", escape(app_name)),
                None => format!("Enter the code your authenticator app shows for {}.", escape(app_name)),
            },
            {
                let mut extra = notice.map(|n| format!("<p class=\"notice\" role=\"status\">{}</p>", escape(n))).unwrap_or_default();
                if let Some(p) = phone {
                    extra.push_str(&fill(
                        "<form method=\"post\" action=\"/mfa\"><input type=\"hidden\" name=\"ticket\" value=\"{{ticket}}\">\
                         <input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\"><input type=\"hidden\" name=\"send_sms\" value=\"1\">\
                         <button type=\"submit\" class=\"secondary\">Text a code to {{phone}}</button></form>",
                        &[("ticket", ticket), ("csrf_token", csrf), ("phone", p)],
                        &[],
                    ));
                }
                if *passkeys {
                    extra.push_str(&passkey("Use a passkey"));
                }
                extra
            },
            fill(
                "<details class=\"alt\"><summary>Use a recovery code</summary><form method=\"post\" action=\"/mfa\">\
                 <input type=\"hidden\" name=\"ticket\" value=\"{{ticket}}\"><input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\">\
                 <label for=\"recovery_code\">Recovery code</label><input id=\"recovery_code\" name=\"recovery_code\" type=\"text\" autocomplete=\"off\">\
                 <button type=\"submit\">Use it</button></form></details>",
                &[("ticket", ticket), ("csrf_token", csrf)],
                &[],
            ),
        ),
        SecondFactorForm::Enrol { totp: Some((qr_svg, secret)), passkey: with_passkey } => {
            // The SVG goes in as an element: drop its XML declaration.
            let svg = qr_svg.find("<svg").map_or("", |i| qr_svg.get(i..).unwrap_or_default());
            (
                "Set up two-step verification",
                format!("{} asks for a second step when you sign in. Scan this code with an authenticator app, then enter the code it shows.", escape(app_name)),
                format!(
                    "{}<figure class=\"qr\" role=\"img\" aria-label=\"QR code for your authenticator app\">{svg}</figure><p class=\"hint\">Or enter this key: <code>{}</code></p>",
                    if *with_passkey { passkey("Add a passkey instead") } else { String::new() },
                    escape(secret)
                ),
                String::new(),
            )
        }
        SecondFactorForm::Enrol { totp: None, .. } => (
            "Set up two-step verification",
            format!("{} asks for a second step when you sign in. Add a passkey to continue.", escape(app_name)),
            passkey("Add a passkey"),
            String::new(),
        ),
    };
    let remember = match form {
        SecondFactorForm::Challenge { remember_days: Some(days), .. } => format!(
            "<p class=\"check\"><input id=\"remember\" name=\"remember\" type=\"checkbox\" value=\"1\"><label for=\"remember\">Don't ask again on this device for {days} days</label></p>"
        ),
        _ => String::new(),
    };
    let code_form = match form {
        SecondFactorForm::Enrol { totp: None, .. } => String::new(),
        _ => fill(
            "<form method=\"post\" action=\"/mfa\"><input type=\"hidden\" name=\"ticket\" value=\"{{ticket}}\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\"><label for=\"code\">{{label}}</label>\
             <input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" maxlength=\"8\" autocomplete=\"one-time-code\" autofocus>\
             {{remember_html}}<button type=\"submit\">Verify</button></form>",
            &[("ticket", ticket), ("csrf_token", csrf), ("label", "Code from your authenticator app")],
            &[("remember_html", &remember)],
        ),
    };
    let values = [("app_name", app_name), ("heading", heading), ("ticket", ticket), ("csrf_token", csrf)];
    let intro = intro.as_str();
    let slots = [("intro", intro), ("error_html", &alert(error)), ("enrol_html", &enrol), ("code_form_html", &code_form), ("recovery_html", &recovery)];
    html(fill(MFA, &values, &slots), status)
}

/// What the security page shows besides the list.
pub enum SecurityView<'a> {
    /// The factors, and ways to add one.
    Overview,
    /// A new authenticator app: its QR code and key, and the form for its
    /// first code.
    AddTotp { factor_id: &'a str, qr_svg: &'a str, secret: &'a str },
    /// A new phone: the form for the code texted to it.
    ConfirmSms { factor_id: &'a str, phone: &'a str },
    /// New recovery codes, shown once.
    RecoveryCodes(&'a [String]),
}

/// What the security page lists: (factor id, kind, when last used).
pub struct SecurityPage<'a> {
    pub app_name: &'a str,
    pub csrf: &'a str,
    pub factors: &'a [(String, String)],
    pub recovery_codes_left: i64,
    /// Which kinds of factor may be added: an authenticator app, a
    /// passkey, a phone (that one also needs a provider and countries).
    pub totp: bool,
    pub passkey: bool,
    pub sms: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

fn security_form(csrf: &str, fields: &[(&str, &str)], label: &str, class: &str) -> String {
    let hidden: String = fields.iter().map(|(n, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(n), escape(v))).collect();
    format!(
        "<form method=\"post\" action=\"/security\"><input type=\"hidden\" name=\"csrf_token\" value=\"{}\">{hidden}<button type=\"submit\" class=\"{}\">{}</button></form>",
        escape(csrf),
        escape(class),
        escape(label)
    )
}

/// `/security`: the signed-in user's second factors, with a button to
/// remove each, and ways to add an authenticator app or a passkey.
pub fn security_page(p: &SecurityPage<'_>, view: &SecurityView<'_>, status: u16) -> Result<Response> {
    let csrf = p.csrf;
    let mut body = p.notice.map(|n| format!("<p class=\"notice\" role=\"status\">{}</p>", escape(n))).unwrap_or_default();
    match view {
        SecurityView::AddTotp { factor_id, qr_svg, secret } => {
            let svg = qr_svg.find("<svg").map_or("", |i| qr_svg.get(i..).unwrap_or_default());
            body.push_str(&format!(
                "<h2>Add an authenticator app</h2><p>Scan this code with an authenticator app, then enter the code it shows.</p>\
                 <figure class=\"qr\" role=\"img\" aria-label=\"QR code for your authenticator app\">{svg}</figure><p class=\"hint\">Or enter this key: <code>{}</code></p>\
                 <form method=\"post\" action=\"/security\"><input type=\"hidden\" name=\"csrf_token\" value=\"{}\"><input type=\"hidden\" name=\"action\" value=\"confirm\">\
                 <input type=\"hidden\" name=\"factor\" value=\"{}\"><label for=\"code\">Code from your authenticator app</label>\
                 <input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" maxlength=\"8\" autocomplete=\"one-time-code\" autofocus>\
                 <button type=\"submit\">Verify</button></form>",
                escape(secret),
                escape(csrf),
                escape(factor_id)
            ));
        }
        SecurityView::ConfirmSms { factor_id, phone } => {
            body.push_str(&fill(
                "<h2>Add a phone number</h2><p>We texted a code to {{phone}}. Enter it to add the number.</p>\
                 <form method=\"post\" action=\"/security\"><input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\">\
                 <input type=\"hidden\" name=\"action\" value=\"confirm\"><input type=\"hidden\" name=\"factor\" value=\"{{factor}}\">\
                 <label for=\"code\">Code from the text message</label>\
                 <input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9 -]*\" maxlength=\"8\" autocomplete=\"one-time-code\" autofocus>\
                 <button type=\"submit\">Verify</button></form>",
                &[("phone", phone), ("csrf_token", csrf), ("factor", factor_id)],
                &[],
            ));
        }
        SecurityView::RecoveryCodes(codes) => {
            body.push_str(&format!(
                "<h2>Your recovery codes</h2><p>If you lose your second factors, each of these codes signs you in once. They are shown only now: keep them somewhere safe.</p>\
                 <ul class=\"codes\" aria-label=\"Recovery codes\">{}</ul><p class=\"alt\"><a href=\"/security\">I saved them</a></p>",
                list_items(codes.iter().map(String::as_str))
            ));
        }
        SecurityView::Overview => {
            body.push_str("<h2>Second factors</h2>");
            if p.factors.is_empty() {
                body.push_str("<p>No second factor yet.</p>");
            } else {
                body.push_str("<ul class=\"factors\">");
                for (id, kind) in p.factors {
                    let name = match kind.as_str() {
                        "passkey" => "Passkey",
                        "sms" => "Phone (text messages)",
                        _ => "Authenticator app",
                    };
                    let remove = security_form(csrf, &[("action", "remove"), ("factor", id)], &format!("Remove {}", name.to_lowercase()), "secondary");
                    body.push_str(&format!("<li><span>{name}</span>{remove}</li>"));
                }
                body.push_str("</ul>");
            }
            {
                if p.totp {
                    body.push_str(&security_form(csrf, &[("action", "add_totp")], "Add an authenticator app", "secondary"));
                }
                if p.passkey {
                    body.push_str(&passkey_form("/security", "register", &[("csrf_token", csrf)], "Add a passkey"));
                }
                if p.sms {
                    body.push_str(&fill(
                        "<form method=\"post\" action=\"/security\"><input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\">\
                         <input type=\"hidden\" name=\"action\" value=\"add_sms\"><label for=\"phone\">Phone number, with its country code</label>\
                         <input id=\"phone\" name=\"phone\" type=\"tel\" autocomplete=\"tel\" placeholder=\"+1 555 123 4567\" required>\
                         <button type=\"submit\" class=\"secondary\">Add a phone number</button></form>",
                        &[("csrf_token", csrf)],
                        &[],
                    ));
                }
            }
            if !p.factors.is_empty() {
                body.push_str(&format!("<h2>Recovery codes</h2><p>{} unused.</p>", p.recovery_codes_left));
                body.push_str(&security_form(csrf, &[("action", "recovery_codes")], "Make new recovery codes", "secondary"));
            }
        }
    }
    html(fill(SECURITY, &[("app_name", p.app_name)], &[("error_html", &alert(p.error)), ("body_html", &body)]), status)
}

/// The recovery codes of a new second factor, shown once, and the button
/// that finishes the sign-in.
pub fn recovery_codes_page(app_name: &str, ticket: &str, csrf: &str, codes: &[String]) -> Result<Response> {
    let list = list_items(codes.iter().map(String::as_str));
    html(fill(RECOVERY_CODES, &[("app_name", app_name), ("ticket", ticket), ("csrf_token", csrf)], &[("codes_html", &list)]), 200)
}

pub fn notice_page(title: &str, message: &str) -> Result<Response> {
    html(fill(NOTICE, &[("title", title), ("message", message)], &[]), 200)
}

pub fn error_page(title: &str, message: &str, status: u16) -> Result<Response> {
    html(fill(ERROR, &[("title", title), ("message", message)], &[]), status)
}

/// A hosted page's refusal, shown as an error page.
#[derive(Debug)]
pub struct PageError {
    pub title: &'static str,
    pub message: String,
    pub status: u16,
}

impl PageError {
    pub fn new(title: &'static str, message: impl Into<String>, status: u16) -> Self {
        PageError { title, message: message.into(), status }
    }
}

impl From<PageError> for Fail<PageError> {
    fn from(error: PageError) -> Self {
        Fail::Refused { error, detail: None }
    }
}

/// What a hosted page answers.
pub type PageResult<T = Response> = std::result::Result<T, Fail<PageError>>;

/// The one place a [`PageResult`] becomes a response.
pub fn answer(context: &str, result: PageResult) -> Result<Response> {
    result.or_else(|fail| fail.answer(context, |e| error_page(e.title, &e.message, e.status)))
}

/// After logout. `return_to` (a registered URI) becomes a link back, unless
/// it is not something a browser navigates to.
pub fn signed_out_page(app_name: &str, return_to: Option<&str>) -> Result<Response> {
    let back = return_to.and_then(|uri| link(uri, "Return to the application")).unwrap_or_default();
    html(fill(SIGNED_OUT, &[("app_name", app_name)], &[("return_html", &back)]), 200)
}

/// The hosted pages' one script (passkey ceremonies).
pub fn script() -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/javascript; charset=utf-8")?;
    headers.set("cache-control", "public, max-age=3600")?;
    Ok(Response::ok(PASSKEY_JS)?.with_headers(headers))
}

pub fn stylesheet() -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/css; charset=utf-8")?;
    headers.set("cache-control", "public, max-age=3600")?;
    Ok(Response::ok(CSS)?.with_headers(headers))
}

pub fn new_csrf_token() -> Result<String> {
    Ok(hex(&rng::bytes::<32>()?))
}

/// Every cookie we set: `HttpOnly` (no script reads them), and `Secure`
/// everywhere but on localhost.
pub fn cookie(name: &str, value: &str, path: &str, same_site: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{secure}")
}

/// The CSRF cookie: readable only by our own pages' form posts.
pub fn csrf_cookie(token: &str, secure: bool) -> String {
    cookie(CSRF_COOKIE, token, "/", "Strict", 3600, secure)
}

/// Lax, so the session survives the top-level redirect back from a client.
pub fn session_cookie(token: &str, secure: bool, max_age_secs: i64) -> String {
    cookie(SESSION_COOKIE, token, "/", "Lax", max_age_secs, secure)
}

pub fn clear_session_cookie(secure: bool) -> String {
    cookie(SESSION_COOKIE, "", "/", "Lax", 0, secure)
}

/// A message as a sentence on a page: its first letter capital, a full
/// stop at the end.
#[must_use]
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let s = chars.next().map(|c| format!("{}{}", c.to_uppercase(), chars.as_str())).unwrap_or_default();
    if s.is_empty() || s.ends_with('.') { s } else { format!("{s}.") }
}

/// The value of cookie `name` in the request's `Cookie` header: the first
/// non-empty one, names and values trimmed and a value's surrounding double
/// quotes dropped (RFC 6265 §4.1.1, §5.2); pairs without `=` are skipped.
pub fn cookie_value(req: &Request, name: &str) -> Result<Option<String>> {
    let Some(header) = req.headers().get("cookie")? else { return Ok(None) };
    Ok(header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(v);
        (k.trim() == name && !v.is_empty()).then(|| v.to_owned())
    }))
}

/// Double-submit check: the form's token equals the cookie's.
pub fn csrf_ok(req: &Request, form_token: &str) -> Result<bool> {
    let Some(cookie) = cookie_value(req, CSRF_COOKIE)? else { return Ok(false) };
    Ok(!form_token.is_empty() && constant_time_eq(cookie.as_bytes(), form_token.as_bytes()))
}

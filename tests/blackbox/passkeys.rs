//! Passkeys (WebAuthn) on the hosted pages, driven by the software
//! authenticator of `aero2_tests::webauthn` through `/passkeys/options`
//! and the pages' forms, as `/ui/passkey.js` drives a browser's: made at
//! sign-in where a factor is required, used as a second factor and alone
//! (passwordless), with each algorithm; refused when replayed, cloned
//! (counter), presented at another origin, without user verification,
//! or at another application.

use crate::mfa::{claims, password_step, redeem, second_step, totp_now};
use crate::oidc::{provision, Setup, PASSWORD};
use crate::security::authorize_path;
use crate::Test;
use aero2_tests::browser::{hidden_field, Browser};
use aero2_tests::webauthn::{Alg, Authenticator};
use aero2_tests::{Client, Resp, OPERATOR};
use serde_json::{json, Value};

pub fn tests() -> Vec<Test> {
    vec![
        ("a_passkey_is_made_at_sign_in_then_used_as_a_second_factor_and_alone", a_passkey_is_made_at_sign_in_then_used_as_a_second_factor_and_alone),
        ("passkeys_are_refused_when_replayed_cloned_elsewhere_or_unverified", passkeys_are_refused_when_replayed_cloned_elsewhere_or_unverified),
        ("the_security_page_adds_and_removes_factors", the_security_page_adds_and_removes_factors),
        ("an_application_chooses_the_factors_it_offers", an_application_chooses_the_factors_it_offers),
        ("a_passkey_belongs_to_the_host_it_was_made_on", a_passkey_belongs_to_the_host_it_was_made_on),
    ]
}

fn origin(c: &Client, s: &Setup) -> String {
    c.url(&s.slug, "")
}

/// `POST /passkeys/options` with the page's own fields.
fn options(c: &Client, s: &Setup, b: &mut Browser, fields: &[(&str, &str)]) -> Resp {
    b.post_form(c, &s.slug, "/passkeys/options", fields)
}

/// A fresh sign-in page: the browser, the pending request and the CSRF token.
fn login_page(c: &Client, s: &Setup) -> (Browser, Resp, String, String) {
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, &authorize_path(&s.client_id, "openid"));
    let page = b.get(c, &s.slug, r.header("location").unwrap());
    let request = hidden_field(&page.body, "request").unwrap();
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    (b, page, request, csrf)
}

/// "Sign in with a passkey": options for the pending request, the
/// authenticator's answer, and the form post.
fn passkey_sign_in(c: &Client, s: &Setup, a: &mut Authenticator) -> Resp {
    let (mut b, page, request, csrf) = login_page(c, s);
    assert!(page.body.contains("data-passkey=\"sign_in\""), "the page offers it");
    let o = options(c, s, &mut b, &[("csrf_token", &csrf), ("purpose", "sign_in"), ("request", &request)]);
    o.assert_status(200);
    assert_eq!(o.header("cache-control"), Some("no-store"));
    let o = o.json();
    assert_eq!(o["publicKey"]["userVerification"], "required");
    assert_eq!(o["publicKey"]["allowCredentials"], json!([]), "discoverable: the authenticator says whose it is");
    let response = a.get(&o, &origin(c, s));
    b.post_form(c, &s.slug, "/login", &[("csrf_token", &csrf), ("request", &request), ("passkey", &response)])
}

/// Under `mfa: required`, a user without a factor makes a passkey on the
/// hosted page instead of an authenticator app; the sign-in finishes.
fn enrol_passkey(c: &Client, s: &Setup, alg: Alg) -> Authenticator {
    let (mut b, page, ticket, mut csrf) = password_step(c, s, &s.email);
    assert!(page.body.contains("Add a passkey instead"), "{}", page.body);
    let o = options(c, s, &mut b, &[("csrf_token", &csrf), ("purpose", "second_factor"), ("ticket", &ticket)]);
    o.assert_status(200);
    let o = o.json();
    let rp_id = if s.slug.contains('.') { s.slug.clone() } else { format!("{}.localhost", s.slug) };
    assert_eq!((o["publicKey"]["rp"]["id"].as_str(), o["publicKey"]["attestation"].as_str()), (Some(rp_id.as_str()), Some("none")));
    let mut a = Authenticator::new(alg);
    let response = a.create(&o, &origin(c, s));
    let shown = second_step(c, s, &mut b, &ticket, &mut csrf, "passkey", &response);
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body.matches("<li>").count(), 10, "the recovery codes, once");
    let next = hidden_field(&shown.body, "continue").unwrap();
    let done = b.post_form(c, &s.slug, "/mfa", &[("continue", &next), ("csrf_token", &csrf)]);
    assert_eq!(done.status, 303, "{}", done.body);
    let t = redeem(c, s, done.header("location").unwrap());
    assert_eq!(claims(t["id_token"].as_str().unwrap())["amr"], json!(["pwd", "hwk", "mfa"]));
    a
}

/// A password sign-in whose second step is the passkey.
fn second_factor(c: &Client, s: &Setup, a: &mut Authenticator) -> Resp {
    let (mut b, page, ticket, mut csrf) = password_step(c, s, &s.email);
    assert!(page.body.contains("Use a passkey"), "{}", page.body);
    let o = options(c, s, &mut b, &[("csrf_token", &csrf), ("purpose", "second_factor"), ("ticket", &ticket)]).json();
    let allowed: Vec<&str> = o["publicKey"]["allowCredentials"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(allowed.len(), 1, "the user's passkey only: {o}");
    let response = a.get(&o, &origin(c, s));
    second_step(c, s, &mut b, &ticket, &mut csrf, "passkey", &response)
}

fn require_mfa(c: &Client, s: &Setup, extra: Value) {
    let mut settings = json!({"mfa": "required"});
    if let (Some(m), Some(e)) = (settings.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({ "settings": settings }))).assert_status(200);
}

fn failures(c: &Client, s: &Setup) -> Vec<String> {
    // The log lists the newest first.
    let mut reasons: Vec<String> = crate::audit::log(c, &s.app_id, "?type=signin.failed").iter().filter_map(|e| e["detail"]["reason"].as_str().map(str::to_owned)).collect();
    reasons.reverse();
    reasons
}

fn a_passkey_is_made_at_sign_in_then_used_as_a_second_factor_and_alone(c: &Client) {
    for alg in [Alg::Es256, Alg::EdDsa, Alg::Rs256] {
        let s = provision(c, true);
        require_mfa(c, &s, json!({}));
        let mut a = enrol_passkey(c, &s, alg);
        let listed = c.api("GET", &format!("/applications/{}/users/{}/factors", s.app_id, s.user_id), OPERATOR, None).json();
        assert_eq!(listed["factors"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["passkey"], "{alg:?}: the authenticator app offered beside it is gone");

        // The password asks for it next time.
        let r = second_factor(c, &s, &mut a);
        assert_eq!(r.status, 303, "{alg:?}: {}", r.body);
        let t = redeem(c, &s, r.header("location").unwrap());
        let id = claims(t["id_token"].as_str().unwrap());
        assert_eq!((id["amr"].clone(), id["acr"].as_str()), (json!(["pwd", "hwk", "mfa"]), Some("urn:aero2:acr:mfa")));

        // …and it signs in alone: verified by the device, it is two factors.
        let r = passkey_sign_in(c, &s, &mut a);
        assert_eq!(r.status, 303, "{alg:?}: {}", r.body);
        let t = redeem(c, &s, r.header("location").unwrap());
        let id = claims(t["id_token"].as_str().unwrap());
        assert_eq!((id["amr"].clone(), id["acr"].as_str(), id["sub"].as_str()), (json!(["hwk", "user", "mfa"]), Some("urn:aero2:acr:mfa"), Some(s.user_id.as_str())));
        let added = crate::audit::log(c, &s.app_id, "?type=factor.added");
        assert_eq!(added[0]["detail"]["kind"], "passkey");
        c.mail_to(&s.app_id, &s.email, "factor_changed", 1);
    }
}

fn passkeys_are_refused_when_replayed_cloned_elsewhere_or_unverified(c: &Client) {
    let s = provision(c, true);
    require_mfa(c, &s, json!({}));
    let mut a = enrol_passkey(c, &s, Alg::Es256);

    // A response is good for its own ceremony, once.
    let (mut b, _, request, csrf) = login_page(c, &s);
    let o = options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "sign_in"), ("request", &request)]).json();
    let response = a.get(&o, &origin(c, &s));
    let first = b.post_form(c, &s.slug, "/login", &[("csrf_token", &csrf), ("request", &request), ("passkey", &response)]);
    assert_eq!(first.status, 303, "{}", first.body);
    let last_accepted = a.counter;
    let (mut b, _, request, csrf) = login_page(c, &s);
    let replay = b.post_form(c, &s.slug, "/login", &[("csrf_token", &csrf), ("request", &request), ("passkey", &response)]);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("expired or was used"), "{}", replay.body);

    // A second-factor ceremony does not sign in alone, and the reverse.
    let (mut pb, _, ticket, mut pcsrf) = password_step(c, &s, &s.email);
    let o = options(c, &s, &mut pb, &[("csrf_token", &pcsrf), ("purpose", "second_factor"), ("ticket", &ticket)]).json();
    let for_mfa = a.get(&o, &origin(c, &s));
    let (mut b, _, request, csrf) = login_page(c, &s);
    assert_eq!(b.post_form(c, &s.slug, "/login", &[("csrf_token", &csrf), ("request", &request), ("passkey", &for_mfa)]).status, 401);

    // Another origin (a phishing site relaying the challenge) is refused.
    let o = options(c, &s, &mut pb, &[("csrf_token", &pcsrf), ("purpose", "second_factor"), ("ticket", &ticket)]).json();
    let phished = a.get(&o, "http://evil.localhost:8787");
    let r = second_step(c, &s, &mut pb, &ticket, &mut pcsrf, "passkey", &phished);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("different site"), "{}", r.body);

    // A copy of the authenticator that signs with a counter the server saw
    // already (a clone) is refused.
    let ahead = a.counter;
    a.counter = last_accepted;
    a.frozen = true;
    let o = options(c, &s, &mut pb, &[("csrf_token", &pcsrf), ("purpose", "second_factor"), ("ticket", &ticket)]).json();
    let cloned = a.get(&o, &origin(c, &s));
    let r = second_step(c, &s, &mut pb, &ticket, &mut pcsrf, "passkey", &cloned);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("copied"), "{}", r.body);
    (a.frozen, a.counter) = (false, ahead);

    // Without user verification a passkey does not sign in alone.
    a.verifies_user = false;
    let r = passkey_sign_in(c, &s, &mut a);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("PIN or biometrics"), "{}", r.body);
    a.verifies_user = true;

    // A tampered signature never verifies.
    let (mut b, _, request, csrf) = login_page(c, &s);
    let o = options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "sign_in"), ("request", &request)]).json();
    let mut forged: Value = serde_json::from_str(&a.get(&o, &origin(c, &s))).unwrap();
    // One character inside r: the DER still parses, the signature is wrong.
    let mut sig: Vec<char> = forged["response"]["signature"].as_str().unwrap().chars().collect();
    sig[20] = if sig[20] == 'A' { 'B' } else { 'A' };
    forged["response"]["signature"] = json!(sig.into_iter().collect::<String>());
    let r = b.post_form(c, &s.slug, "/login", &[("csrf_token", &csrf), ("request", &request), ("passkey", &forged.to_string())]);
    assert_eq!(r.status, 401, "{}", r.body);

    assert_eq!(
        failures(c, &s),
        ["no_ceremony", "no_ceremony", "origin_mismatch", "counter_regressed", "user_not_verified", "bad_signature"],
        "every refusal is audited with its reason"
    );

    // The passkey belongs to its application: another one does not know it.
    let other = provision(c, true);
    let r = passkey_sign_in(c, &other, &mut a);
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("not registered"), "{}", r.body);

    // An application can turn passwordless passkeys off.
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"mfa": "required", "passkey_sign_in": false}}))).assert_status(200);
    let (mut b, page, request, csrf) = login_page(c, &s);
    assert!(!page.body.contains("data-passkey"), "not offered");
    options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "sign_in"), ("request", &request)]).assert_error(403, "access_denied");
    // The options need the page's CSRF token.
    options(c, &s, &mut b, &[("csrf_token", "forged"), ("purpose", "second_factor"), ("ticket", "x")]).assert_error(403, "invalid_request");
    // Still a second factor.
    let r = second_factor(c, &s, &mut a);
    assert_eq!(r.status, 303, "{}", r.body);
}

/// Posts a security-page form; the next post uses the CSRF token of the
/// page this one answered with.
fn security_post(c: &Client, s: &Setup, b: &mut Browser, csrf: &mut String, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    let r = b.post_form(c, &s.slug, "/security", &all);
    if let Some(fresh) = hidden_field(&r.body, "csrf_token") {
        *csrf = fresh;
    }
    r
}

fn the_security_page_adds_and_removes_factors(c: &Client) {
    let s = provision(c, true);
    // Not signed in: the page sends the user to sign in, then back.
    let mut b = Browser::new();
    let r = b.get(c, &s.slug, "/security");
    assert_eq!(r.status, 303);
    let login = r.header("location").unwrap().to_owned();
    assert!(login.starts_with("/login?request="), "{login}");
    let page = b.get(c, &s.slug, &login);
    let (request, csrf) = (hidden_field(&page.body, "request").unwrap(), hidden_field(&page.body, "csrf_token").unwrap());
    let r = b.post_form(c, &s.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &s.email), ("password", PASSWORD)]);
    assert_eq!((r.status, r.header("location")), (303, Some("/security")), "{}", r.body);
    let page = b.get(c, &s.slug, "/security");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No second factor yet"), "{}", page.body);
    let mut csrf = hidden_field(&page.body, "csrf_token").unwrap();

    // An authenticator app: its QR code, then its first code.
    let r = security_post(c, &s, &mut b, &mut csrf, &[("action", "add_totp")]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<svg"));
    let key = r.body.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    let factor = hidden_field(&r.body, "factor").unwrap();
    let wrong = security_post(c, &s, &mut b, &mut csrf, &[("action", "confirm"), ("factor", &factor), ("code", "000000")]);
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("current code") && wrong.body.contains("<svg"), "asked again: {}", wrong.body);
    let r = security_post(c, &s, &mut b, &mut csrf, &[("action", "confirm"), ("factor", &factor), ("code", &totp_now(&key))]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.matches("<li>").count(), 10, "the recovery codes, once");
    assert!(r.body.contains("href=\"/security\""), "a link back to the page");
    let page = b.get(c, &s.slug, "/security");
    assert!(page.body.contains("Remove authenticator app") && page.body.contains("10 unused"), "{}", page.body);
    csrf = hidden_field(&page.body, "csrf_token").unwrap();

    // A passkey, from the page's own ceremony.
    let o = options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "register")]);
    o.assert_status(200);
    let mut a = Authenticator::new(Alg::EdDsa);
    let response = a.create(&o.json(), &origin(c, &s));
    let r = security_post(c, &s, &mut b, &mut csrf, &[("passkey", &response)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("The passkey was added") && r.body.contains("Remove passkey") && r.body.contains("Remove authenticator app"), "{}", r.body);
    let added = crate::audit::log(c, &s.app_id, "?type=factor.added");
    assert_eq!(added.len(), 2);
    assert!(added.iter().all(|e| e["detail"]["via"] == "security_page"), "{added:?}");
    c.mail_to(&s.app_id, &s.email, "factor_changed", 2);

    // The passkey answers the second step of the next sign-in.
    let r = second_factor(c, &s, &mut a);
    assert_eq!(r.status, 303, "{}", r.body);

    // Another user's factor is not found; the user's own is removed.
    let other = provision(c, true);
    let r = security_post(c, &s, &mut b, &mut csrf, &[("action", "remove"), ("factor", "mfa_0123456789abcdef0123456789abcdef")]);
    assert_eq!(r.status, 404);
    let r = security_post(c, &s, &mut b, &mut csrf, &[("action", "remove"), ("factor", &factor)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("was removed") && !r.body.contains("Remove authenticator app"), "{}", r.body);
    let r = b.get(c, &other.slug, "/security");
    assert_eq!(r.status, 303, "a session at one application is nothing at another");

    // A stale sign-in may look, not change: it signs in again first.
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({"settings": {"recent_sign_in_seconds": 1}}))).assert_status(200);
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    let page = b.get(c, &s.slug, "/security");
    assert_eq!(page.status, 200);
    csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = security_post(c, &s, &mut b, &mut csrf, &[("action", "recovery_codes")]);
    assert_eq!(r.status, 303);
    assert!(r.header("location").unwrap().starts_with("/login?request="));
    options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "register")]).assert_error(401, "login_required");
    // The page's forms need its CSRF token.
    let forged = b.post_form(c, &s.slug, "/security", &[("csrf_token", "forged"), ("action", "add_totp")]);
    assert_eq!(forged.status, 403);

    // Each visit without a session parks a sign-in: it counts as an
    // authorization request of the address.
    let fresh = provision(c, true);
    c.api("PATCH", &format!("/applications/{}", fresh.app_id), OPERATOR, Some(&json!({"settings": {"rate_limits": {"authorize_per_ip": {"max": 1, "window_seconds": 3600}}}}))).assert_status(200);
    assert_eq!(Browser::new().get(c, &fresh.slug, "/security").status, 303);
    let limited = Browser::new().get(c, &fresh.slug, "/security");
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
}

fn an_application_chooses_the_factors_it_offers(c: &Client) {
    // Passkeys only, required: the sign-in asks for a passkey, no app.
    let s = provision(c, true);
    require_mfa(c, &s, json!({"mfa_factors": ["passkey"]}));
    let (mut b, page, ticket, mut csrf) = password_step(c, &s, &s.email);
    assert!(page.body.contains("Add a passkey to continue") && !page.body.contains("<svg") && !page.body.contains("name=\"code\""), "{}", page.body);
    let typed = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", "123456");
    assert_eq!(typed.status, 401, "no app to type a code from");
    let o = options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "second_factor"), ("ticket", &ticket)]).json();
    let mut a = Authenticator::new(Alg::Es256);
    let shown = second_step(c, &s, &mut b, &ticket, &mut csrf, "passkey", &a.create(&o, &origin(c, &s)));
    assert_eq!(shown.status, 200, "{}", shown.body);
    let listed = c.api("GET", &format!("/applications/{}/users/{}/factors", s.app_id, s.user_id), OPERATOR, None).json();
    assert_eq!(listed["factors"].as_array().unwrap().len(), 1, "no app left behind: {listed}");
    // The security page offers passkeys only.
    let (mut b, _, request, csrf) = login_page(c, &s);
    let o = options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "sign_in"), ("request", &request)]).json();
    let r = b.post_form(c, &s.slug, "/login", &[("csrf_token", &csrf), ("request", &request), ("passkey", &a.get(&o, &origin(c, &s)))]);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(c, &s.slug, "/security");
    assert!(page.body.contains("Add a passkey") && !page.body.contains("Add an authenticator app"), "{}", page.body);
    let csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let r = b.post_form(c, &s.slug, "/security", &[("csrf_token", &csrf), ("action", "add_totp")]);
    assert_eq!(r.status, 403, "{}", r.body);

    // Apps only: passkeys neither sign in alone nor are added, but a
    // passkey the user has keeps working as their factor.
    require_mfa(c, &s, json!({"mfa_factors": ["totp"]}));
    let (mut b, page, _, csrf) = login_page(c, &s);
    assert!(!page.body.contains("data-passkey"), "no passwordless passkeys");
    let request = hidden_field(&page.body, "request").unwrap();
    options(c, &s, &mut b, &[("csrf_token", &csrf), ("purpose", "sign_in"), ("request", &request)]).assert_error(403, "access_denied");
    let r = second_factor(c, &s, &mut a);
    assert_eq!(r.status, 303, "an existing passkey still answers: {}", r.body);

    // Texts only, required, and a user without a factor: nothing can be
    // added in the middle of a sign-in, so the sign-in stops there.
    let t = provision(c, true);
    require_mfa(c, &t, json!({"mfa_factors": ["sms"]}));
    let mut b = Browser::new();
    let r = b.get(c, &t.slug, &authorize_path(&t.client_id, "openid"));
    let page = b.get(c, &t.slug, r.header("location").unwrap());
    let (request, csrf) = (hidden_field(&page.body, "request").unwrap(), hidden_field(&page.body, "csrf_token").unwrap());
    let r = b.post_form(c, &t.slug, "/login", &[("request", &request), ("csrf_token", &csrf), ("email", &t.email), ("password", PASSWORD)]);
    assert_eq!(r.status, 403, "{}", r.body);
    c.api("PATCH", &format!("/applications/{}", t.app_id), OPERATOR, Some(&json!({"settings": {"mfa_factors": ["webauthn"]}}))).assert_error(400, "invalid_request");
}

fn a_passkey_belongs_to_the_host_it_was_made_on(c: &Client) {
    let sub = provision(c, true);
    require_mfa(c, &sub, json!({"passkey_user_verification": "required"}));
    let host = format!("auth.{}.example.test", sub.slug);
    let domains = format!("/applications/{}/domains", sub.app_id);
    c.api("POST", &domains, OPERATOR, Some(&json!({"hostname": host}))).assert_status(201);
    c.api("POST", &format!("{domains}/{host}/verify"), OPERATOR, None).assert_status(200);
    // The same application, reached on its custom domain.
    let custom = Setup { slug: host.clone(), ..sub.clone() };
    let (mut b, _, ticket, csrf) = password_step(c, &custom, &custom.email);
    let o = options(c, &custom, &mut b, &[("csrf_token", &csrf), ("purpose", "second_factor"), ("ticket", &ticket)]).json();
    assert_eq!(o["publicKey"]["rp"]["id"].as_str(), Some(host.as_str()), "the RP ID is the host in use");
    assert_eq!(o["publicKey"]["authenticatorSelection"]["userVerification"], "required");
    drop(b);
    let mut a = enrol_passkey(c, &custom, Alg::Es256);

    // Its own host: good. The subdomain: a different RP ID, not offered,
    // not accepted.
    assert_eq!(second_factor(c, &custom, &mut a).status, 303);
    let (_, page, _, _) = password_step(c, &sub, &sub.email);
    assert!(!page.body.contains("Use a passkey"), "not offered on another host");
    let r = passkey_sign_in(c, &sub, &mut a);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("not registered"), "{}", r.body);

    // User verification as the application requires it.
    a.verifies_user = false;
    let (mut b, _, ticket, mut csrf) = password_step(c, &custom, &custom.email);
    let o = options(c, &custom, &mut b, &[("csrf_token", &csrf), ("purpose", "second_factor"), ("ticket", &ticket)]).json();
    let r = second_step(c, &custom, &mut b, &ticket, &mut csrf, "passkey", &a.get(&o, &origin(c, &custom)));
    assert_eq!(r.status, 401);
    assert!(r.body.contains("PIN or biometrics"), "{}", r.body);
}

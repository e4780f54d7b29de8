//! Second-factor codes by text message, through a local stand-in that
//! speaks Twilio's Messages API (`tests/upstream/twilio.mjs`): a phone
//! added through the account API and on the security page, texted a code
//! at sign-in; and the toll-fraud defences — countries, limits per number
//! and per number range, the daily budget — exact when many requests
//! arrive at once.

use crate::mfa::{account_token, claims, password_step, redeem, second_step};
use crate::oidc::{provision, Setup};
use crate::security::account;
use crate::Test;
use aero2_tests::browser::hidden_field;
use aero2_tests::{Client, OPERATOR};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The stand-in's base URL (set by the harness).
pub static TWILIO: OnceLock<String> = OnceLock::new();

pub fn tests() -> Vec<Test> {
    vec![
        ("a_phone_is_added_then_texted_a_code_at_sign_in", a_phone_is_added_then_texted_a_code_at_sign_in),
        ("sms_limits_and_the_daily_budget_hold_under_concurrency", sms_limits_and_the_daily_budget_hold_under_concurrency),
    ]
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A number no other test of this run uses: `+1` and a range of its own
/// (the last four digits vary with `last`).
fn number_range() -> String {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as u64 % 100_000;
    format!("+1{:03}{:05}", 200 + NEXT.fetch_add(1, Ordering::Relaxed) % 700, seed)
}

fn number(range: &str, last: u32) -> String {
    format!("{range}{last:04}")
}

/// What the stand-in received for `to`.
fn texts(c: &Client, to: &str) -> Vec<Value> {
    let url = format!("{}/_test/messages?to={}", TWILIO.get().unwrap(), to.replace('+', "%2B"));
    c.send_url("GET", &url, &[], None).json()["messages"].as_array().unwrap().clone()
}

fn last_code(c: &Client, to: &str) -> String {
    let all = texts(c, to);
    let body = all.last().unwrap_or_else(|| panic!("no text to {to}"))["body"].as_str().unwrap().to_owned();
    body.chars().take(6).collect()
}

fn settings(c: &Client, s: &Setup, settings: Value) {
    c.api("PATCH", &format!("/applications/{}", s.app_id), OPERATOR, Some(&json!({ "settings": settings }))).assert_status(200);
}

fn add_phone(c: &Client, s: &Setup, at: &str, phone: &str) -> aero2_tests::Resp {
    account(c, s, "POST", "/account/factors/sms", at, Some(json!({ "phone": phone })))
}

fn a_phone_is_added_then_texted_a_code_at_sign_in(c: &Client) {
    let s = provision(c, true);
    let at = account_token(c, &s);
    let phone = number(&number_range(), 1234);
    // No countries listed: nothing is texted anywhere.
    add_phone(c, &s, &at, &phone).assert_error(400, "invalid_request");
    settings(c, &s, json!({"sms_countries": ["1"]}));
    let r = add_phone(c, &s, &at, "+44 7700 900123");
    r.assert_error(400, "invalid_request");
    assert!(r.json()["error_description"].as_str().unwrap().contains("country"));
    add_phone(c, &s, &at, "555 123").assert_error(400, "invalid_request");

    let spaced = format!("{} {} {}", &phone[..2], &phone[2..5], &phone[5..]);
    let r = add_phone(c, &s, &at, &spaced);
    r.assert_status(200);
    let f = r.json();
    assert_eq!(f["kind"], "sms");
    assert!(!f["phone"].as_str().unwrap().contains(&phone[4..10]), "masked: {f}");
    let id = f["id"].as_str().unwrap().to_owned();
    let sent = texts(c, &phone);
    assert_eq!(sent.len(), 1);
    assert!(sent[0]["body"].as_str().unwrap().contains("verification code"), "{sent:?}");
    let code = last_code(c, &phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    account(c, &s, "POST", &format!("/account/factors/{id}/confirm"), &at, Some(json!({"code": wrong}))).assert_error(400, "invalid_request");
    let ok = account(c, &s, "POST", &format!("/account/factors/{id}/confirm"), &at, Some(json!({"code": code})));
    ok.assert_status(200);
    assert_eq!(ok.json()["recovery_codes"].as_array().unwrap().len(), 10);

    // The next sign-in: the password, then a texted code.
    let (mut b, page, ticket, mut csrf) = password_step(c, &s, &s.email);
    assert!(page.body.contains("Text a code to"), "{}", page.body);
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "send_sms", "1");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("We texted a code"), "{}", r.body);
    let code = last_code(c, &phone);
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &code);
    assert_eq!(r.status, 303, "{}", r.body);
    let t = redeem(c, &s, r.header("location").unwrap());
    assert_eq!(claims(t["id_token"].as_str().unwrap())["amr"], json!(["pwd", "sms", "mfa"]));
    assert_eq!(texts(c, &phone).len(), 2);

    // A provider that refuses: 503, and no phone is left half-added.
    let refused = add_phone(c, &s, &at, &number(&number_range(), 0));
    refused.assert_error(503, "temporarily_unavailable");
    let kinds: Vec<Value> = account(c, &s, "GET", "/account/factors", &at, None).json()["factors"].as_array().unwrap().iter().map(|f| f["kind"].clone()).collect();
    assert_eq!(kinds, [json!("sms")]);
    let events: Vec<String> = crate::audit::log(c, &s.app_id, "?type=sms.sent").iter().map(|e| e["type"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(events.len(), 1, "the sign-in's text is audited");

    // The security page adds a phone the same way.
    let (mut b, page, ticket, mut csrf) = password_step(c, &s, &s.email);
    drop(page);
    let r = second_step(c, &s, &mut b, &ticket, &mut csrf, "send_sms", "1");
    let r2 = second_step(c, &s, &mut b, &ticket, &mut csrf, "code", &last_code(c, &phone));
    assert_eq!((r.status, r2.status), (200, 303));
    let page = b.get(c, &s.slug, "/security");
    assert!(page.body.contains("Add a phone number"), "{}", page.body);
    let mut csrf = hidden_field(&page.body, "csrf_token").unwrap();
    let second = number(&number_range(), 4321);
    let r = b.post_form(c, &s.slug, "/security", &[("csrf_token", &csrf), ("action", "add_sms"), ("phone", &second)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("We texted a code"), "{}", r.body);
    csrf = hidden_field(&r.body, "csrf_token").unwrap();
    let factor = hidden_field(&r.body, "factor").unwrap();
    let r = b.post_form(c, &s.slug, "/security", &[("csrf_token", &csrf), ("action", "confirm"), ("factor", &factor), ("code", &last_code(c, &second))]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.matches("Remove phone").count(), 2, "{}", r.body);
}

fn sms_limits_and_the_daily_budget_hold_under_concurrency(c: &Client) {
    let s = provision(c, true);
    let at = account_token(c, &s);
    let wide = json!({"max": 1000, "window_seconds": 3600});
    settings(c, &s, json!({"sms_countries": ["1"], "rate_limits": {"sms_per_day": {"max": 5, "window_seconds": 86400}, "sms_per_number": wide, "sms_per_prefix": wide}}));
    // Twelve at once, each to its own number: the budget lets exactly five through.
    let numbers: Vec<String> = (0..12).map(|_| number(&number_range(), 1111)).collect();
    let answers: Vec<(u16, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = numbers.iter().map(|n| scope.spawn(|| {
            let r = add_phone(c, &s, &at, n);
            (r.status, r.header("retry-after").map(str::to_owned))
        })).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|(st, _)| *st == 200).count(), 5, "{answers:?}");
    assert!(answers.iter().filter(|(st, _)| *st != 200).all(|(st, wait)| *st == 429 && wait.is_some()), "{answers:?}");
    let delivered: usize = numbers.iter().map(|n| texts(c, n).len()).sum();
    assert_eq!(delivered, 5, "the provider got exactly the budget");

    // Per number, and per range of numbers (the last four digits differ).
    settings(c, &s, json!({"sms_countries": ["1"], "rate_limits": {"sms_per_number": {"max": 2, "window_seconds": 3600}, "sms_per_prefix": {"max": 3, "window_seconds": 3600}}}));
    let one = number(&number_range(), 2222);
    add_phone(c, &s, &at, &one).assert_status(200);
    add_phone(c, &s, &at, &one).assert_status(200);
    add_phone(c, &s, &at, &one).assert_error(429, "rate_limited");
    let range = number_range();
    for last in 1..=3 {
        add_phone(c, &s, &at, &number(&range, last)).assert_status(200);
    }
    add_phone(c, &s, &at, &number(&range, 4)).assert_error(429, "rate_limited");
    assert!(texts(c, &number(&range, 4)).is_empty());
}

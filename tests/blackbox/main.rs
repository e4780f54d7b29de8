//! Aero2's black-box tests: real HTTP against the Worker on workerd (via
//! `wrangler dev`) with real local D1 and Durable Objects. One binary, one
//! module per feature, every test independent of order (unique slugs).
//!
//! One shared server serves most tests; tests that restart the runtime
//! start servers of their own.

mod account;
mod api_tokens;
mod audit;
mod clients;
mod custom_claims;
mod dashboard_access;
mod domains;
mod email_signin;
mod hardening;
mod lockout;
mod management;
mod mfa;
mod oidc;
mod oidc_errors;
mod openapi;
mod organizations;
mod passkeys;
mod persistence;
mod rbac;
mod platform;
mod recovery;
mod routing;
mod rp;
mod sdks;
mod security;
mod signer_shards;
mod signup;
mod sms;
mod teams;
mod tenant_shards;
mod ui;
mod users;
mod web_app;

use aero2_tests::{Client, Server, Upstream};
use libtest_mimic::{Arguments, Trial};
use std::path::PathBuf;

pub type Test = (&'static str, fn(&Client));

/// This run's scratch directory (each server's state under it).
pub fn scratch_root() -> PathBuf {
    std::env::temp_dir().join(format!("aero2-tests-{}", std::process::id()))
}

/// A fresh directory for this run's local state.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aero2-tests-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn main() {
    let args = Arguments::from_args();
    let tests: Vec<(&str, Vec<Test>)> = vec![
        ("platform", platform::tests()),
        ("management", management::tests()),
        ("domains", domains::tests()),
        ("clients", clients::tests()),
        ("users", users::tests()),
        ("oidc", oidc::tests()),
        ("oidc_errors", oidc_errors::tests()),
        ("lockout", lockout::tests()),
        ("signup", signup::tests()),
        ("recovery", recovery::tests()),
        ("account", account::tests()),
        ("rp", rp::tests()),
        ("rbac", rbac::tests()),
        ("organizations", organizations::tests()),
        ("api_tokens", api_tokens::tests()),
        ("custom_claims", custom_claims::tests()),
        ("dashboard_access", dashboard_access::tests()),
        ("teams", teams::tests()),
        ("audit", audit::tests()),
        ("signer_shards", signer_shards::tests()),
        ("tenant_shards", tenant_shards::tests()),
        ("mfa", mfa::tests()),
        ("passkeys", passkeys::tests()),
        ("email_signin", email_signin::tests()),
        ("sms", sms::tests()),
        ("routing", routing::tests()),
        ("security", security::tests()),
        ("hardening", hardening::tests()),
        ("persistence", persistence::tests()),
        ("web_app", web_app::tests()),
        ("openapi", openapi::tests()),
        ("sdks", sdks::tests()),
        ("ui", ui::tests()),
    ];
    // The upstream identity providers first: the Worker's static provider
    // configuration names one of them.
    let upstreams = if args.list { None } else { Some((Upstream::start("oidc-idp.mjs"), Upstream::start("social.mjs"), Upstream::start("twilio.mjs"))) };
    let server = upstreams.as_ref().map(|(oidc, social, twilio)| {
        let _ = sms::TWILIO.set(twilio.base());
        let str_of = |k: &str| twilio.info[k].as_str().unwrap_or_default().to_owned();
        let (sid, token, from) = (str_of("account_sid"), str_of("auth_token"), str_of("from"));
        let _ = rp::UPSTREAMS.set(rp::Upstreams { oidc: oidc.info["issuer"].as_str().unwrap_or_default().to_owned(), social: social.base() });
        let static_idps = rp::script_static_client(&social.base());
        Server::start_with(
            &scratch_dir("shared"),
            &[
                ("AERO2_UPSTREAM_TIMEOUT_MS", "2000"),
                // Every test's applications spread over three signer shards
                // (`signer_shards`); a deployment's default is one.
                ("JWKS_SIGNER_SHARDS", "3"),
                ("AERO2_STATIC_IDPS", &static_idps),
                ("AERO2_TEST_STATIC_GITHUB_SECRET", rp::STATIC_SECRET),
                ("AERO2_SMS_URL", &twilio.base()),
                ("AERO2_TWILIO_ACCOUNT_SID", &sid),
                ("AERO2_TWILIO_AUTH_TOKEN", &token),
                ("AERO2_SMS_FROM", &from),
            ],
        )
    });
    let client = server.as_ref().map(Server::client);
    let trials = tests
        .into_iter()
        .flat_map(|(module, list)| list.into_iter().map(move |(name, f)| (module, name, f)))
        .map(|(module, name, f)| {
            let client = client.clone();
            Trial::test(format!("{module}::{name}"), move || {
                let client = client.ok_or("no server")?;
                f(&client);
                Ok(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.has_failed() {
        if let Some(s) = &server {
            eprintln!("--- wrangler dev log (tail) ---\n{}", s.log_tail());
        }
    }
    drop(server);
    drop(upstreams);
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("aero2-tests-{}", std::process::id())));
    conclusion.exit();
}

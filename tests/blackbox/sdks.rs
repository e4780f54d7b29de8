//! The SDKs under `packages/` against this instance, with real tokens and
//! no mock of Aero2: `@aero2/node` (verification, key rotation, Express
//! middleware, the typed management client) and `@aero2/hono` (the
//! middleware and guards in a real Hono app). Each package's own
//! `node --test` suite provisions what it needs through the management API.

use crate::Test;
use aero2_tests::{repo_root, Client, OPERATOR};
use std::process::Command;

pub fn tests() -> Vec<Test> {
    vec![("aero2_node_against_a_live_instance", aero2_node_against_a_live_instance), ("aero2_hono_against_a_live_instance", aero2_hono_against_a_live_instance)]
}

/// Runs `packages/<package>`'s tests (built by scripts/build.sh).
fn package_tests(c: &Client, package: &str) {
    let root = repo_root();
    let dir = root.join("packages").join(package);
    let out = Command::new(root.join("node_modules/.bin/node"))
        .args(["--test", "--test-reporter=spec"])
        .arg(dir.join("test/live.test.mjs"))
        .current_dir(&dir)
        .env("AERO2_PORT", c.port().to_string())
        .env("AERO2_OPERATOR", OPERATOR)
        .env("NO_COLOR", "1")
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "@aero2/{package}:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("fail 0") && !stdout.contains("pass 0"), "{stdout}");
}

fn aero2_node_against_a_live_instance(c: &Client) {
    package_tests(c, "node");
}

fn aero2_hono_against_a_live_instance(c: &Client) {
    package_tests(c, "hono");
}

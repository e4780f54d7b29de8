//! Password hashing in the Worker: PBKDF2-HMAC-SHA256 through WebCrypto
//! (native BoringSSL inside workerd), 16-byte random salt, 32-byte output,
//! stored in the PHC-style form of `aero2_core::password::PasswordHash`.
//!
//! [`ITERATIONS`] is 100,000 because Cloudflare's production runtime refuses
//! more ("Pbkdf2 failed: iteration counts above 100000 are not supported").
//! Local workerd (`wrangler dev`) has no such cap, so a higher count would
//! pass every local test and break every sign-in once deployed. One hash
//! costs ~10 ms of CPU on this machine; see docs/passwords.md for the
//! measurements, and for argon2id compiled to wasm as the alternative.
//!
//! A sign-in for an unknown user derives a hash all the same, against a
//! fixed dummy salt at the same cost, so the response time does not tell
//! who has an account (as Rauthy's `login_delay` intends).

use crate::{rng, webcrypto};
use aero2_core::password::PasswordHash;
use worker::{Error, Result};

/// The most PBKDF2 iterations Cloudflare's WebCrypto accepts.
pub const ITERATIONS: u32 = 100_000;
const SALT_BYTES: usize = 16;
/// The salt an unknown user's attempt is derived with; what it derives is
/// thrown away, so a fixed value is as good as a random one.
const DUMMY_SALT: [u8; SALT_BYTES] = [0x5a; SALT_BYTES];

/// A new stored hash of `password` (already checked against the policy).
pub async fn hash_password(password: &str) -> Result<String> {
    let salt = rng::bytes::<SALT_BYTES>()?;
    let hash = webcrypto::pbkdf2_sha256(password.as_bytes(), &salt, ITERATIONS).await?;
    Ok(PasswordHash { iterations: ITERATIONS, salt: salt.to_vec(), hash }.encode())
}

/// Whether `password` matches `stored`. With no stored hash (an unknown
/// user, or an account without a password) the same work is done and the
/// answer is no.
pub async fn verify_password(password: &str, stored: Option<&str>) -> Result<bool> {
    let parsed = stored.and_then(PasswordHash::parse);
    let (salt, iterations) = match &parsed {
        Some(p) => (p.salt.as_slice(), p.iterations),
        None => (DUMMY_SALT.as_slice(), ITERATIONS),
    };
    if iterations > ITERATIONS {
        // Fail loudly (a 500 and a log line) rather than as a wrong
        // password: the runtime would refuse this derivation every time.
        return Err(Error::RustError(format!(
            "stored password hash needs {iterations} PBKDF2 iterations; the runtime allows {ITERATIONS}"
        )));
    }
    let derived = webcrypto::pbkdf2_sha256(password.as_bytes(), salt, iterations).await?;
    Ok(parsed.is_some_and(|p| p.matches(&derived)))
}

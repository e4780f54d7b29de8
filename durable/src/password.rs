//! Password hashing in the Worker: PBKDF2-HMAC-SHA256 through WebCrypto at
//! 100,000 iterations, the most workerd's WebCrypto accepts (it refuses
//! higher counts). Argon2id compiled to wasm would cost tens of
//! milliseconds of CPU per sign-in at OWASP's parameters; see
//! docs/passwords.md for the measurements behind this choice.
//!
//! A sign-in for an unknown user derives a hash all the same, against a
//! fixed dummy, so the response time does not tell who has an account.

use crate::{rng, webcrypto};
use aero2_core::password::PasswordHash;
use worker::Result;

pub const ITERATIONS: u32 = 100_000;

pub async fn hash_password(password: &str) -> Result<String> {
    let salt = rng::bytes::<16>()?;
    let hash = webcrypto::pbkdf2_sha256(password.as_bytes(), &salt, ITERATIONS).await?;
    Ok(PasswordHash { iterations: ITERATIONS, salt: salt.to_vec(), hash }.encode())
}

/// Whether `password` matches `stored`. With no stored hash (unknown user,
/// or an account without a password) the same work is done and the answer
/// is no.
pub async fn verify_password(password: &str, stored: Option<&str>) -> Result<bool> {
    let parsed = stored.and_then(PasswordHash::parse);
    let (salt, iterations) = match &parsed {
        Some(p) => (p.salt.clone(), p.iterations),
        None => (vec![0x5a; 16], ITERATIONS),
    };
    let derived = webcrypto::pbkdf2_sha256(password.as_bytes(), &salt, iterations).await?;
    Ok(parsed.is_some_and(|p| p.matches(&derived)))
}

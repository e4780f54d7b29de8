//! The OP's side of the JwksSigner: signing batches of tokens, and
//! verifying our own tokens with the public keys, cached in the object.
//! When to ask the signer for them again (a stale set, an unknown `kid`)
//! is `aero2_core::jose::kid_gate`: made-up kids cannot drive the signer.

use crate::signer_call::{self, ToSign};
use crate::webcrypto::{self, CryptoKey};
use aero2_core::jose::jwk::Jwks;
use aero2_core::jose::kid_gate::{KidGate, Lookup};
use aero2_core::application::Application;
use aero2_core::jose::jws::ParsedJws;
use aero2_core::signer_shards::Placement;
use aero2_core::time::UnixMillis;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use worker::{Env, Result};

/// Verification keys of one application, by kid, and the tokens whose
/// signature they verified.
#[derive(Default)]
pub struct KeyCache {
    gate: KidGate,
    jwks: Jwks,
    imported: HashMap<String, CryptoKey>,
    /// SHA-256 of each signed part and signature that verified: a client
    /// presents its access token many times, and the signature check was
    /// most of a UserInfo request's own work. Only a signature that
    /// verified is kept; a new key set forgets them all, and the claims,
    /// expiry, revocation and client are checked on every use.
    verified: HashSet<[u8; 32]>,
    /// Counts the key sets this cache has held: a verification that awaited
    /// WebCrypto remembers its result only if the set it began with is
    /// still the one held.
    generation: u64,
}

/// Verified signatures kept per object: more are forgotten at once (each
/// is verified again at its next use). At 32 bytes each plus the set's
/// own, about 150 KiB at most per object, many of which share an isolate.
const KEPT_VERIFIED: usize = 4_096;

/// What [`KeyCache::verified`] keeps of a token: its signed part and its
/// signature (the signed part is base64url and a dot, never a NUL).
fn verified_digest(jws: &ParsedJws) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(&jws.signing_input);
    h.update([0u8]);
    h.update(&jws.signature);
    h.finalize().into()
}

impl KeyCache {
    /// How many times this object has fetched the key set (health view).
    pub fn signer_fetches(&self) -> u64 {
        self.gate.fetches()
    }

    /// Forgets the keys and what they verified (they changed, or the
    /// application was deleted); a verification under way keeps its
    /// result to itself.
    pub fn forget(&mut self) {
        let generation = self.generation.wrapping_add(1);
        *self = KeyCache { generation, ..KeyCache::default() };
    }

    /// Takes a new key set: what the old one verified is forgotten (a new
    /// set, not a cleared one, gives its memory back).
    fn take(&mut self, jwks: Jwks) {
        self.imported.retain(|k, _| jwks.find(k).is_some());
        self.verified = HashSet::new();
        self.generation = self.generation.wrapping_add(1);
        self.jwks = jwks;
    }
}

/// The tokens signed by the shard that signs for the application now.
pub async fn sign(env: &Env, placement: &Placement, now: UnixMillis, app_id: &str, tokens: Vec<ToSign>) -> Result<Vec<String>> {
    Ok(signer_call::sign(env, placement, now, app_id, tokens).await?.tokens.into_iter().map(|s| s.token).collect())
}

/// Reads the key set again. If the keys changed while it was on its way
/// (`KeyCache::forget`), what came may predate the change: it is read once
/// more, and if they changed during that read too, what came is used for
/// this request but counts as stale (the next use reads it again).
async fn refresh(env: &Env, app: &Application, cache: &RefCell<KeyCache>, now: UnixMillis) -> Result<()> {
    for last in [false, true] {
        let generation = cache.borrow().generation;
        let fresh = signer_call::published_jwks(env, &app.signer, now, &app.id).await?;
        let mut c = cache.borrow_mut();
        let unchanged = c.generation == generation;
        if unchanged || last {
            c.take(fresh);
            if unchanged {
                c.gate.fetched(now);
            }
            break;
        }
    }
    Ok(())
}

/// Asks the gate about `kid` and fetches if it says so.
async fn look_up(env: &Env, app: &Application, cache: &RefCell<KeyCache>, kid: &str, now: UnixMillis) -> Result<()> {
    let lookup = {
        let mut c = cache.borrow_mut();
        let known = c.jwks.find(kid).is_some();
        c.gate.decide(kid, known, now)
    };
    if lookup == Lookup::Fetch {
        refresh(env, app, cache, now).await?;
        let mut c = cache.borrow_mut();
        if c.jwks.find(kid).is_none() {
            c.gate.missed(kid, now);
        }
    }
    Ok(())
}

/// The published keys, from this object's cache (at most a minute old, and
/// dropped at once when the management API rotates keys).
pub async fn cached_jwks(env: &Env, app: &Application, cache: &RefCell<KeyCache>, now: UnixMillis) -> Result<Jwks> {
    // No kid: only a stale set is fetched.
    look_up(env, app, cache, "", now).await?;
    Ok(cache.borrow().jwks.clone())
}

/// Whether `jws` carries a valid signature by one of the application's keys.
pub async fn verify(env: &Env, app: &Application, cache: &RefCell<KeyCache>, jws: &ParsedJws, now: UnixMillis) -> Result<bool> {
    let kid = jws.header.kid.as_str();
    look_up(env, app, cache, kid, now).await?;
    let Some(jwk) = cache.borrow().jwks.find(kid).cloned() else {
        return Ok(false);
    };
    if jwk.alg() != jws.header.alg {
        return Ok(false);
    }
    let digest = verified_digest(jws);
    let generation = {
        let c = cache.borrow();
        if c.verified.contains(&digest) {
            return Ok(true);
        }
        c.generation
    };
    let existing = cache.borrow().imported.get(kid).cloned();
    let key = match existing {
        Some(k) => k,
        None => {
            let k = webcrypto::import_verifying_key(jwk.alg(), &jwk.to_json()).await?;
            let mut c = cache.borrow_mut();
            if c.generation == generation {
                c.imported.insert(kid.to_owned(), k.clone());
            }
            k
        }
    };
    let valid = webcrypto::verify(jws.header.alg, &key, &jws.signature, &jws.signing_input).await?;
    let mut c = cache.borrow_mut();
    if valid && c.generation == generation {
        if c.verified.len() >= KEPT_VERIFIED {
            c.verified = HashSet::new();
        }
        c.verified.insert(digest);
    }
    Ok(valid)
}

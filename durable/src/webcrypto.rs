//! WebCrypto (`crypto.subtle`) from Rust. Inside workerd this is native
//! BoringSSL: an ES256 signature costs ~50 µs and RS256 ~0.7 ms, against
//! ~1 ms and ~11.5 ms for the RustCrypto crates compiled to wasm (measured on
//! this machine; see DESIGN.md). Everything here is a thin call through
//! `js_sys::Reflect`, so no web-sys feature set has to match ours.

use aero2_core::jose::alg::Alg;
use aero2_core::webauthn::{CoseAlg, PublicKey, SignatureCheck};
use serde_json::Value;
use worker::js_sys::{self, Array, Function, Object, Promise, Reflect, Uint8Array, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Error, Result};

/// An imported key, opaque to Rust.
#[derive(Clone)]
pub struct CryptoKey(JsValue);

fn js_err(context: &str) -> impl Fn(JsValue) -> Error + '_ {
    move |e| Error::RustError(format!("{context}: {}", js_sys::JSON::stringify(&e).map(String::from).unwrap_or_default()))
}

/// `crypto.subtle`, looked up once per isolate: a signature is on every
/// token request, and each lookup is a call across the wasm boundary
/// (`crate::headers` says why those count).
fn subtle() -> Result<JsValue> {
    thread_local! {
        static SUBTLE: std::cell::OnceCell<JsValue> = const { std::cell::OnceCell::new() };
    }
    if let Some(subtle) = SUBTLE.with(|s| s.get().cloned()) {
        return Ok(subtle);
    }
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(js_err("crypto"))?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(js_err("crypto.subtle"))?;
    SUBTLE.with(|s| {
        let _ = s.set(subtle.clone());
    });
    Ok(subtle)
}

async fn call(method: &str, args: &[JsValue]) -> Result<JsValue> {
    let subtle = subtle()?;
    let f: Function = Reflect::get(&subtle, &method.into()).map_err(js_err(method))?.unchecked_into();
    let result = match args {
        [a] => f.call1(&subtle, a),
        [a, b] => f.call2(&subtle, a, b),
        [a, b, c] => f.call3(&subtle, a, b, c),
        _ => f.apply(&subtle, &args.iter().collect::<Array>()),
    };
    let promise: Promise = result.map_err(js_err(method))?.dyn_into().map_err(js_err(method))?;
    JsFuture::from(promise).await.map_err(js_err(method))
}

fn obj(pairs: &[(&str, JsValue)]) -> Result<JsValue> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).map_err(js_err("object"))?;
    }
    Ok(o.into())
}

fn usages(list: &[&str]) -> JsValue {
    list.iter().map(|u| JsValue::from_str(u)).collect::<Array>().into()
}

fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

fn to_vec(buffer: &JsValue) -> Vec<u8> {
    Uint8Array::new(buffer).to_vec()
}

fn to_json(v: &JsValue) -> Result<Value> {
    let s: String = JSON::stringify(v).map_err(js_err("JSON.stringify"))?.into();
    Ok(serde_json::from_str(&s)?)
}

fn from_json(v: &Value) -> Result<JsValue> {
    JSON::parse(&v.to_string()).map_err(js_err("JSON.parse"))
}

/// The algorithm object for generating and importing a signing key.
fn key_algorithm(alg: Alg) -> Result<JsValue> {
    match alg {
        Alg::ES256 => obj(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]),
        Alg::RS256 => obj(&[
            ("name", "RSASSA-PKCS1-v1_5".into()),
            ("modulusLength", 2048.into()),
            ("publicExponent", bytes(&[1, 0, 1])),
            ("hash", "SHA-256".into()),
        ]),
    }
}

/// Built once per isolate and algorithm (WebCrypto only reads it).
fn sign_algorithm(alg: Alg) -> Result<JsValue> {
    thread_local! {
        static BUILT: std::cell::RefCell<Vec<(Alg, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if let Some(built) = BUILT.with(|b| b.borrow().iter().find(|(a, _)| *a == alg).map(|(_, v)| v.clone())) {
        return Ok(built);
    }
    let built = match alg {
        Alg::ES256 => obj(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())])?,
        Alg::RS256 => obj(&[("name", "RSASSA-PKCS1-v1_5".into())])?,
    };
    BUILT.with(|b| b.borrow_mut().push((alg, built.clone())));
    Ok(built)
}

/// A fresh key pair, exported as JWKs: (private, public).
pub async fn generate_signing_key(alg: Alg) -> Result<(Value, Value)> {
    let pair = call("generateKey", &[key_algorithm(alg)?, true.into(), usages(&["sign", "verify"])]).await?;
    let private = Reflect::get(&pair, &"privateKey".into()).map_err(js_err("privateKey"))?;
    let public = Reflect::get(&pair, &"publicKey".into()).map_err(js_err("publicKey"))?;
    let private = to_json(&call("exportKey", &["jwk".into(), private]).await?)?;
    let public = to_json(&call("exportKey", &["jwk".into(), public]).await?)?;
    Ok((private, public))
}

/// Imports a private JWK for signing (non-extractable once imported).
pub async fn import_signing_key(alg: Alg, private_jwk: &Value) -> Result<CryptoKey> {
    let key = call("importKey", &["jwk".into(), from_json(private_jwk)?, key_algorithm(alg)?, false.into(), usages(&["sign"])]).await?;
    Ok(CryptoKey(key))
}

/// Imports a public JWK for verification.
pub async fn import_verifying_key(alg: Alg, public_jwk: &Value) -> Result<CryptoKey> {
    let key = call("importKey", &["jwk".into(), from_json(public_jwk)?, key_algorithm(alg)?, false.into(), usages(&["verify"])]).await?;
    Ok(CryptoKey(key))
}

/// A JWS signature: PKCS#1 v1.5 for RS256, raw r‖s (RFC 7518 §3.4) for ES256,
/// which is WebCrypto's ECDSA output format as it stands.
pub async fn sign(alg: Alg, key: &CryptoKey, data: &[u8]) -> Result<Vec<u8>> {
    Ok(to_vec(&call("sign", &[sign_algorithm(alg)?, key.0.clone(), bytes(data)]).await?))
}

pub async fn verify(alg: Alg, key: &CryptoKey, signature: &[u8], data: &[u8]) -> Result<bool> {
    Ok(call("verify", &[sign_algorithm(alg)?, key.0.clone(), bytes(signature), bytes(data)]).await?.is_truthy())
}

/// WebAuthn's three algorithms, for importing a credential's key and for
/// verifying with it.
fn passkey_algorithms(alg: CoseAlg) -> Result<(JsValue, JsValue)> {
    Ok(match alg {
        CoseAlg::Es256 => (obj(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())])?, obj(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())])?),
        CoseAlg::Rs256 => (obj(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", "SHA-256".into())])?, obj(&[("name", "RSASSA-PKCS1-v1_5".into())])?),
        CoseAlg::EdDsa => (obj(&[("name", "Ed25519".into())])?, obj(&[("name", "Ed25519".into())])?),
    })
}

/// Imports a passkey's public key: an error for a key WebCrypto does not
/// take (a point off the curve), which refuses the registration.
pub async fn import_passkey(key: &PublicKey) -> Result<CryptoKey> {
    let (import, _) = passkey_algorithms(key.alg)?;
    Ok(CryptoKey(call("importKey", &["jwk".into(), from_json(&key.jwk)?, import, false.into(), usages(&["verify"])]).await?))
}

/// Verifies the one signature of an assertion (`aero2_core::webauthn`);
/// a key that does not import verifies nothing.
pub async fn verify_passkey(check: &SignatureCheck) -> Result<bool> {
    let Ok(key) = import_passkey(&check.public_key).await else { return Ok(false) };
    let (_, algorithm) = passkey_algorithms(check.public_key.alg)?;
    Ok(call("verify", &[algorithm, key.0, bytes(&check.signature), bytes(&check.message)]).await?.is_truthy())
}

/// AES-256-GCM key for sealing private keys at rest.
pub async fn import_aes_key(raw: &[u8]) -> Result<CryptoKey> {
    if raw.len() != 32 {
        return Err(Error::RustError("AES-256 key must be 32 bytes".into()));
    }
    let key = call("importKey", &["raw".into(), bytes(raw), obj(&[("name", "AES-GCM".into())])?, false.into(), usages(&["encrypt", "decrypt"])]).await?;
    Ok(CryptoKey(key))
}

fn gcm(iv: &[u8], aad: &[u8]) -> Result<JsValue> {
    obj(&[("name", "AES-GCM".into()), ("iv", bytes(iv)), ("additionalData", bytes(aad)), ("tagLength", 128.into())])
}

/// Seals `plaintext`: returns iv (12 bytes) ‖ ciphertext ‖ tag. `aad` binds
/// the ciphertext to its context (which application and key it belongs to).
pub async fn seal(key: &CryptoKey, iv: [u8; 12], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let ct = to_vec(&call("encrypt", &[gcm(&iv, aad)?, key.0.clone(), bytes(plaintext)]).await?);
    let mut out = iv.to_vec();
    out.extend_from_slice(&ct);
    Ok(out)
}

pub async fn open(key: &CryptoKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    let (iv, ct) = sealed.split_at_checked(12).ok_or_else(|| Error::RustError("sealed value too short".into()))?;
    Ok(to_vec(&call("decrypt", &[gcm(iv, aad)?, key.0.clone(), bytes(ct)]).await?))
}

/// PBKDF2-HMAC-SHA256, 32 bytes out.
pub async fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> Result<Vec<u8>> {
    let base = call("importKey", &["raw".into(), bytes(password), "PBKDF2".into(), false.into(), usages(&["deriveBits"])]).await?;
    let params = obj(&[("name", "PBKDF2".into()), ("hash", "SHA-256".into()), ("salt", bytes(salt)), ("iterations", iterations.into())])?;
    Ok(to_vec(&call("deriveBits", &[params, base, 256.into()]).await?))
}

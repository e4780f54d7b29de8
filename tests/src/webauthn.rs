//! A software authenticator for the black-box tests: it answers the
//! options `/passkeys/options` returns the way a platform authenticator
//! does (WebAuthn Level 2 §6: authenticator data, a COSE key, a `none`
//! attestation in CBOR, signatures over `authenticatorData ‖
//! SHA-256(clientDataJSON)`), with RustCrypto keys. It is written from the
//! specification, independently of the server's code.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ciborium::Value as Cbor;
use p256::ecdsa::signature::Signer as _;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

/// TEST KEY ONLY (made once with `openssl genpkey -algorithm RSA
/// -pkeyopt rsa_keygen_bits:2048`): key generation is slow in a debug build.
const RSA_PKCS8_PEM: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC8f5vKsL4Fx5yZ\n\
Lvbap7Q+R5H+Z0m9/CcPVvqXZkGX2uklX2AA9zae4eOIHSsdZt72Sc8poJ7Dw7Ef\n\
C9KizwD5iTDMoZdljb9ymLnAtmF8V2eM7vKhGGUdl4jLr7loRIRJbgz/T6VrUbKl\n\
E0YGBXw78rg5BamIINGDM+IMW1Jpz4zCiMaKV1HwjT0BvQ+asKtE2qpwlvlskBrv\n\
XaXGdtI6meM6g2reTwOZpmF0CxosiZiOonV0vCeCN9WCa/kwYhMKjL9rLJd0yrk0\n\
ARfOEUDPQpl8O9BdbpMkx11cFGvRrTEowpbtqZTJU129Xp7Cku7PJZJtbcnj1Vhh\n\
AmA+PaizAgMBAAECggEADxWVJYS8SCEfroB8H6ZQ/bTjgXzJgWsWwxr+RbRYpmrN\n\
woBd4eXmmJNSDnfrFdjAGexxKA8i9V6JI4diLUYseUuZvJ5ny6gqvGRtZPcTWQxz\n\
jGsovmyB1vrj5wziZO4queeVIa9BeROaHKysq1mwBeoYBPQni2245mt1+PAr6ayf\n\
lHGRquN82WgL6DUTUCKkVqhFnO0I5K2dZAuQ9dAxhoPOTgrjP0sosvtNQus4uBvz\n\
Vjtq7ZyORdVHsXIXGlDi5r6XkvRwnD4AOWHhs1EY39g6D+EqCI9CEHoqUH9MfwU3\n\
/GRAvznW6uTgLwuJVgOzJGoUF+wLNG76v2fQqa0BjQKBgQDjhzzyea3rP7IK3vY4\n\
VhXe5gSpGlo+35c8Ny1Dlct5UJiJ01qLZrhkmeQwFpRI+Oi/2e2TiAHvLbtJ67Gg\n\
mMGJRFzfQXNQE5YClQt3gVZFLnxN/avbi+4FHoDy5i0RN+mWbMFv2W2yia6mA0ne\n\
BPcqL/Q6R54/MDESGkZvIvAlRQKBgQDUFhGphs5diyc7M+L0yiKMdaaR9dMCLGUo\n\
ipmGzkd1lOIw3wK8XJltnigmwwt+t0TP6R6OD/7hmDyGkw2YJsWZ4Eck1zRh09aB\n\
fl8hq0RI4KQ6WxavP7Uxj6XtwnxhZPyX5dmbeYqJ+7Ss/euiOuKpTi0+X9e8d701\n\
if7WNgtJlwKBgQC0rGo4PWleujieK0inmaxKUKr4wSVSceg896+o0GU/00EdiMiI\n\
k6vursklanibrZPc7KecFE885zqmy1NErKhaYP/ChM2Vk8f2CvaNEhY4X15z6/Cx\n\
KN98DynkN+UnnBePzJKaR7S1JmGaEFhyxcyjIms0cDR4BsOglV7C16KMZQKBgBu2\n\
1pAEoarvqCzAVwQN9f3M0ft42B4Mlxt5IR7Qjd37mqMwQTdEEniUlkKackIYyNEy\n\
cV+3D2ODdUVQqhIb3u6AtEtII/w0pm89iEjqDH5JfKxzgr9b392eG9y58W74t1lS\n\
G+GJPGVTkwSYGdaVQ1FEef0QoSxrqTn50mdDoK35AoGAPA9IiRuyLALGbSs2jydY\n\
IaJneAyXCqnBYBEovi0yTGl94TXQXNgtViBOhx1GcTISbKw9/PKajHs75X38Zg8x\n\
7CyAcN3fVDjvzIHAhtpxWjz/Qs0EeMsQH95xi3DRxfI8sm7NvrJ5Ncb1NyvJ+wJd\n\
NmNSrUd5yTbIU2HIiY8M1KU=\n\
-----END PRIVATE KEY-----\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Es256,
    EdDsa,
    Rs256,
}

impl Alg {
    fn cose(self) -> i64 {
        match self {
            Alg::Es256 => -7,
            Alg::EdDsa => -8,
            Alg::Rs256 => -257,
        }
    }
}

enum Key {
    Ec(p256::ecdsa::SigningKey),
    Ed(ed25519_dalek::SigningKey),
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>, rsa::RsaPublicKey),
}

static SEED: AtomicU64 = AtomicU64::new(1);

/// 32 bytes no other authenticator of this run has.
fn fresh() -> [u8; 32] {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let n = SEED.fetch_add(1, Ordering::Relaxed);
    Sha256::digest(format!("{nanos}:{n}:{}", std::process::id())).into()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).expect("base64url")
}

fn int(i: i64) -> Cbor {
    Cbor::Integer(i.into())
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).expect("CBOR");
    out
}

/// One credential on one authenticator.
pub struct Authenticator {
    key: Key,
    pub alg: Alg,
    pub credential_id: Vec<u8>,
    /// The signature counter; each assertion adds one unless `frozen`.
    pub counter: u32,
    pub frozen: bool,
    /// Whether it verifies the user (PIN or biometric): the UV flag.
    pub verifies_user: bool,
    user_handle: Vec<u8>,
}

impl Authenticator {
    pub fn new(alg: Alg) -> Self {
        let seed = fresh();
        let key = match alg {
            Alg::Es256 => Key::Ec(p256::ecdsa::SigningKey::from_bytes(&seed.into()).expect("a P-256 scalar")),
            Alg::EdDsa => Key::Ed(ed25519_dalek::SigningKey::from_bytes(&seed)),
            Alg::Rs256 => {
                let private = rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PKCS8_PEM).expect("the test RSA key");
                let public = private.to_public_key();
                Key::Rsa(Box::new(rsa::pkcs1v15::SigningKey::<Sha256>::new(private)), public)
            }
        };
        Authenticator { key, alg, credential_id: fresh()[..16].to_vec(), counter: 0, frozen: false, verifies_user: true, user_handle: Vec::new() }
    }

    fn cose_key(&self) -> Cbor {
        Cbor::Map(match &self.key {
            Key::Ec(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                vec![
                    (int(1), int(2)),
                    (int(3), int(-7)),
                    (int(-1), int(1)),
                    (int(-2), Cbor::Bytes(point.x().expect("x").to_vec())),
                    (int(-3), Cbor::Bytes(point.y().expect("y").to_vec())),
                ]
            }
            Key::Ed(k) => vec![(int(1), int(1)), (int(3), int(-8)), (int(-1), int(6)), (int(-2), Cbor::Bytes(k.verifying_key().to_bytes().to_vec()))],
            Key::Rsa(_, public) => {
                vec![(int(1), int(3)), (int(3), int(-257)), (int(-1), Cbor::Bytes(public.n().to_bytes_be())), (int(-2), Cbor::Bytes(public.e().to_bytes_be()))]
            }
        })
    }

    /// ECDSA as authenticators send it: ASN.1 DER (§6.5.5).
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.key {
            Key::Ec(k) => {
                let s: p256::ecdsa::Signature = k.sign(message);
                s.to_der().as_bytes().to_vec()
            }
            Key::Ed(k) => ed25519_dalek::Signer::sign(k, message).to_bytes().to_vec(),
            Key::Rsa(k, _) => {
                let s: rsa::pkcs1v15::Signature = k.sign(message);
                Box::<[u8]>::from(s).into_vec()
            }
        }
    }

    fn auth_data(&self, rp_id: &str, attested: bool) -> Vec<u8> {
        let mut flags = 0x01 | 0x08; // UP, BE
        if self.verifies_user {
            flags |= 0x04;
        }
        if attested {
            flags |= 0x40;
        }
        let mut out = Sha256::digest(rp_id.as_bytes()).to_vec();
        out.push(flags);
        out.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            out.extend_from_slice(&[0; 16]);
            out.extend_from_slice(&u16::try_from(self.credential_id.len()).expect("short id").to_be_bytes());
            out.extend_from_slice(&self.credential_id);
            out.extend_from_slice(&cbor(&self.cose_key()));
        }
        out
    }

    /// `navigator.credentials.create` at `origin`, given the server's
    /// answer (`{"mode": "create", "publicKey": …}`): the response JSON.
    pub fn create(&mut self, options: &Value, origin: &str) -> String {
        let o = &options["publicKey"];
        assert_eq!(options["mode"], "create", "{options}");
        let offered: Vec<i64> = o["pubKeyCredParams"].as_array().expect("params").iter().map(|p| p["alg"].as_i64().expect("alg")).collect();
        assert!(offered.contains(&self.alg.cose()), "{offered:?}");
        assert!(!o["excludeCredentials"].as_array().expect("exclude").iter().any(|c| c["id"] == b64(&self.credential_id)), "excluded");
        self.user_handle = unb64(o["user"]["id"].as_str().expect("user.id"));
        let rp_id = o["rp"]["id"].as_str().expect("rp.id");
        let client_data = json!({"type": "webauthn.create", "challenge": o["challenge"], "origin": origin, "crossOrigin": false}).to_string();
        let object = Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(self.auth_data(rp_id, true))),
        ]);
        let id = b64(&self.credential_id);
        json!({"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": {}, "response": {
            "clientDataJSON": b64(client_data.as_bytes()), "attestationObject": b64(&cbor(&object)), "transports": ["internal"]}})
        .to_string()
    }

    /// `navigator.credentials.get` at `origin`, given the server's answer
    /// (`{"mode": "get", "publicKey": …}`): the response JSON.
    pub fn get(&mut self, options: &Value, origin: &str) -> String {
        let o = &options["publicKey"];
        assert_eq!(options["mode"], "get", "{options}");
        let allowed = o["allowCredentials"].as_array().expect("allowCredentials");
        assert!(allowed.is_empty() || allowed.iter().any(|c| c["id"] == b64(&self.credential_id)), "not an allowed credential");
        let rp_id = o["rpId"].as_str().expect("rpId");
        self.assert_with(o["challenge"].as_str().expect("challenge"), rp_id, origin)
    }

    /// An assertion for any challenge, RP ID and origin (for the tests
    /// that present the wrong ones).
    pub fn assert_with(&mut self, challenge: &str, rp_id: &str, origin: &str) -> String {
        if !self.frozen {
            self.counter += 1;
        }
        let client_data = json!({"type": "webauthn.get", "challenge": challenge, "origin": origin, "crossOrigin": false}).to_string();
        let data = self.auth_data(rp_id, false);
        let mut message = data.clone();
        message.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
        let id = b64(&self.credential_id);
        json!({"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": {}, "response": {
            "clientDataJSON": b64(client_data.as_bytes()), "authenticatorData": b64(&data), "signature": b64(&self.sign(&message)),
            "userHandle": b64(&self.user_handle)}})
        .to_string()
    }
}

//! Passkeys: the relying party's side of WebAuthn Level 2 (W3C, §7.1
//! "Registering a New Credential" and §7.2 "Verifying an Authentication
//! Assertion"). Everything here is pure: the shell keeps the challenge
//! (single-use, in the application's object), looks the credential up,
//! and verifies the one signature this module describes
//! ([`SignatureCheck`]) with WebCrypto.
//!
//! ```text
//!  options ─► browser: navigator.credentials.create/get ─► response JSON
//!    │                                                        │
//!    └─ challenge kept single-use ◄── client_challenge() ─────┤
//!                                     registration() / assertion() (every check but the signature)
//!                                     └─► SignatureCheck ─► WebCrypto verify ─► counter moves forward
//! ```
//!
//! Decisions:
//! - Algorithms: ES256 (-7), EdDSA (-8, Ed25519) and RS256 (-257, 2048
//!   bits or more). Anything else is refused at registration.
//! - Attestation: we ask for `none` and make no claim about the
//!   authenticator's make. A statement that comes anyway (`packed` from a
//!   security key) is not verified and counts for nothing; its format is
//!   kept for the record.
//! - The signature counter must move forward whenever either side is not
//!   zero (§6.1.1); a counter that did not is refused as a possible clone.
//! - The credential is bound to the RP ID (the host it was made on) and the
//!   origin; a credential made on another application's host does not
//!   verify here (its `rpIdHash` and origin differ, and the credential is
//!   looked up in this application only).

use crate::secret::constant_time_eq;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ciborium::Value as Cbor;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Bytes of a ceremony's challenge (§13.4.3 asks for at least 16).
pub const CHALLENGE_BYTES: usize = 32;
/// How long the browser may take (and the challenge lives), in ms.
pub const TIMEOUT_MS: i64 = 300_000;
/// §5.8.3: a credential ID is at most 1023 bytes.
pub const MAX_CREDENTIAL_ID: usize = 1023;
const MIN_RSA_MODULUS_BYTES: usize = 256;

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_BE: u8 = 0x08;
const FLAG_BS: u8 = 0x10;
const FLAG_AT: u8 = 0x40;

/// A credential's signature algorithm (COSE, RFC 9053).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CoseAlg {
    #[serde(rename = "ES256")]
    Es256,
    #[serde(rename = "EdDSA")]
    EdDsa,
    #[serde(rename = "RS256")]
    Rs256,
}

impl CoseAlg {
    /// In the order the creation options list them (preferred first).
    pub const ALL: [CoseAlg; 3] = [CoseAlg::Es256, CoseAlg::EdDsa, CoseAlg::Rs256];

    #[must_use]
    pub fn id(self) -> i64 {
        match self {
            CoseAlg::Es256 => -7,
            CoseAlg::EdDsa => -8,
            CoseAlg::Rs256 => -257,
        }
    }

    #[must_use]
    pub fn from_id(id: i64) -> Option<CoseAlg> {
        CoseAlg::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// Whether the authenticator must verify the user (PIN, biometrics), as
/// WebAuthn spells it (§5.8.6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserVerification {
    Required,
    #[default]
    Preferred,
    Discouraged,
}

impl UserVerification {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            UserVerification::Required => "required",
            UserVerification::Preferred => "preferred",
            UserVerification::Discouraged => "discouraged",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<UserVerification> {
        [UserVerification::Required, UserVerification::Preferred, UserVerification::Discouraged].into_iter().find(|u| u.as_str() == s)
    }
}

/// A credential's public key: its algorithm and the JWK WebCrypto imports
/// (public material; stored as it is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicKey {
    pub alg: CoseAlg,
    pub jwk: Value,
}

/// Why a ceremony's response is refused. Nothing is changed by a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Malformed(&'static str),
    WrongType,
    ChallengeMismatch,
    OriginMismatch,
    CrossOrigin,
    RpIdMismatch,
    UserNotPresent,
    UserNotVerified,
    UnsupportedAlgorithm,
    CredentialMismatch,
    UserHandleMismatch,
    /// The counter did not move forward: a cloned authenticator, maybe.
    CounterRegressed,
    BadSignature,
    /// No such credential here (or not the expected user's).
    UnknownCredential,
    /// The credential is registered already.
    AlreadyRegistered,
    /// The ceremony expired, was used, or belongs to another sign-in.
    NoCeremony,
    /// The passkey's user cannot sign in (disabled).
    UserDisabled,
}

impl Refusal {
    /// A short code for the audit log.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Malformed(_) => "malformed",
            Refusal::WrongType => "wrong_type",
            Refusal::ChallengeMismatch => "challenge_mismatch",
            Refusal::OriginMismatch => "origin_mismatch",
            Refusal::CrossOrigin => "cross_origin",
            Refusal::RpIdMismatch => "rp_id_mismatch",
            Refusal::UserNotPresent => "user_not_present",
            Refusal::UserNotVerified => "user_not_verified",
            Refusal::UnsupportedAlgorithm => "unsupported_algorithm",
            Refusal::CredentialMismatch => "credential_mismatch",
            Refusal::UserHandleMismatch => "user_handle_mismatch",
            Refusal::CounterRegressed => "counter_regressed",
            Refusal::BadSignature => "bad_signature",
            Refusal::UnknownCredential => "unknown_credential",
            Refusal::AlreadyRegistered => "already_registered",
            Refusal::NoCeremony => "no_ceremony",
            Refusal::UserDisabled => "user_disabled",
        }
    }

    /// What the page or API says.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Malformed(what) => what,
            Refusal::WrongType | Refusal::ChallengeMismatch => "the passkey answered a different request; try again",
            Refusal::OriginMismatch | Refusal::CrossOrigin | Refusal::RpIdMismatch => "the passkey was used for a different site",
            Refusal::UserNotPresent => "the authenticator did not confirm you were present",
            Refusal::UserNotVerified => "the authenticator did not verify you (PIN or biometrics are required)",
            Refusal::UnsupportedAlgorithm => "this authenticator's key type is not supported (ES256, EdDSA or RS256 of 2048 bits or more)",
            Refusal::CredentialMismatch => "the passkey's response does not match the credential it names",
            Refusal::UserHandleMismatch => "the passkey belongs to a different account",
            Refusal::CounterRegressed => "this authenticator's signature counter went backwards; it may have been copied",
            Refusal::BadSignature => "the passkey's signature does not verify",
            Refusal::UnknownCredential => "this passkey is not registered for this account here",
            Refusal::AlreadyRegistered => "this passkey is registered already",
            Refusal::NoCeremony => "the passkey request expired or was used; try again",
            Refusal::UserDisabled => "this account cannot sign in",
        }
    }
}

/// What a response must answer: the ceremony's challenge, at this origin,
/// for this RP ID, with user verification as the policy says.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    pub challenge: &'a [u8],
    /// `https://host` (or the local `http://host:port`).
    pub origin: &'a str,
    pub rp_id: &'a str,
    pub user_verification: UserVerification,
}

/// A new credential, checked (§7.1); the shell stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCredential {
    pub credential_id: Vec<u8>,
    pub public_key: PublicKey,
    pub sign_count: u32,
    pub user_verified: bool,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub aaguid: [u8; 16],
    /// The attestation format sent (its statement is not verified).
    pub format: String,
    pub transports: Vec<String>,
}

/// What the shell knows of a stored credential.
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    pub public_key: &'a PublicKey,
    pub sign_count: u32,
    /// The `user.id` it was made with.
    pub user_handle: &'a [u8],
}

/// One signature for the shell to verify with WebCrypto: `signature` is in
/// the form WebCrypto takes (raw r‖s for ES256).
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureCheck {
    pub public_key: PublicKey,
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
}

/// An assertion that passed every check but its signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub check: SignatureCheck,
    /// The counter to store once the signature verified.
    pub sign_count: u32,
    pub user_verified: bool,
    pub backed_up: bool,
}

/// A registration response (`RegistrationResponseJSON`, WebAuthn L3 §5.1).
#[derive(Debug, Clone)]
pub struct RegistrationResponse {
    pub raw_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub attestation_object: Vec<u8>,
    pub transports: Vec<String>,
}

/// An authentication response (`AuthenticationResponseJSON`).
#[derive(Debug, Clone)]
pub struct AssertionResponse {
    pub raw_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub authenticator_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Option<Vec<u8>>,
}

fn b64(v: Option<&Value>, what: &'static str) -> Result<Vec<u8>, Refusal> {
    let s = v.and_then(Value::as_str).ok_or(Refusal::Malformed(what))?;
    // Browsers' toJSON() writes base64url without padding; accept padding too.
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).map_err(|_| Refusal::Malformed(what))
}

/// `id`, `rawId` and `type` of a response: `rawId` (and `id`, its
/// base64url) name the credential.
fn credential_id(v: &Value) -> Result<Vec<u8>, Refusal> {
    if v.get("type").and_then(Value::as_str) != Some("public-key") {
        return Err(Refusal::Malformed("the response is not a public-key credential"));
    }
    let raw = b64(v.get("rawId"), "rawId must be base64url")?;
    let id = b64(v.get("id"), "id must be base64url")?;
    if raw != id || raw.is_empty() || raw.len() > MAX_CREDENTIAL_ID {
        return Err(Refusal::Malformed("id and rawId must name the same credential (1 to 1023 bytes)"));
    }
    Ok(raw)
}

/// Reads a registration response as browsers serialise it.
pub fn parse_registration(text: &str) -> Result<RegistrationResponse, Refusal> {
    let v: Value = serde_json::from_str(text).map_err(|_| Refusal::Malformed("the passkey response is not JSON"))?;
    let raw_id = credential_id(&v)?;
    let r = v.get("response").ok_or(Refusal::Malformed("response is missing"))?;
    let transports = r
        .get("transports")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).filter(|t| t.len() <= 16 && t.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')).take(8).map(str::to_owned).collect())
        .unwrap_or_default();
    Ok(RegistrationResponse {
        raw_id,
        client_data_json: b64(r.get("clientDataJSON"), "clientDataJSON must be base64url")?,
        attestation_object: b64(r.get("attestationObject"), "attestationObject must be base64url")?,
        transports,
    })
}

/// Reads an authentication response as browsers serialise it.
pub fn parse_assertion(text: &str) -> Result<AssertionResponse, Refusal> {
    let v: Value = serde_json::from_str(text).map_err(|_| Refusal::Malformed("the passkey response is not JSON"))?;
    let raw_id = credential_id(&v)?;
    let r = v.get("response").ok_or(Refusal::Malformed("response is missing"))?;
    let user_handle = match r.get("userHandle") {
        None | Some(Value::Null) => None,
        Some(h) => Some(b64(Some(h), "userHandle must be base64url")?).filter(|h| !h.is_empty()),
    };
    Ok(AssertionResponse {
        raw_id,
        client_data_json: b64(r.get("clientDataJSON"), "clientDataJSON must be base64url")?,
        authenticator_data: b64(r.get("authenticatorData"), "authenticatorData must be base64url")?,
        signature: b64(r.get("signature"), "signature must be base64url")?,
        user_handle,
    })
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
}

fn client_data(json: &[u8]) -> Result<ClientData, Refusal> {
    serde_json::from_slice(json).map_err(|_| Refusal::Malformed("clientDataJSON is not the client data WebAuthn defines"))
}

/// The challenge a response answers (to find the ceremony it belongs to).
pub fn client_challenge(client_data_json: &[u8]) -> Result<Vec<u8>, Refusal> {
    URL_SAFE_NO_PAD.decode(client_data(client_data_json)?.challenge).map_err(|_| Refusal::Malformed("the challenge is not base64url"))
}

/// §7.1 steps 7–10 and §7.2 steps 10–13.
fn check_client_data(json: &[u8], kind: &str, expect: &Expect<'_>) -> Result<(), Refusal> {
    let c = client_data(json)?;
    if c.kind != kind {
        return Err(Refusal::WrongType);
    }
    let challenge = URL_SAFE_NO_PAD.decode(&c.challenge).map_err(|_| Refusal::ChallengeMismatch)?;
    if !constant_time_eq(&challenge, expect.challenge) {
        return Err(Refusal::ChallengeMismatch);
    }
    if c.origin != expect.origin {
        return Err(Refusal::OriginMismatch);
    }
    if c.cross_origin == Some(true) {
        return Err(Refusal::CrossOrigin);
    }
    Ok(())
}

/// Authenticator data (§6.1).
#[derive(Debug, Clone, PartialEq)]
struct AuthData {
    rp_id_hash: [u8; 32],
    flags: u8,
    sign_count: u32,
    attested: Option<Attested>,
}

#[derive(Debug, Clone, PartialEq)]
struct Attested {
    aaguid: [u8; 16],
    credential_id: Vec<u8>,
    public_key: Result<PublicKey, Refusal>,
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], Refusal> {
    let (head, rest) = bytes.split_at_checked(n).ok_or(Refusal::Malformed("authenticator data is truncated"))?;
    *bytes = rest;
    Ok(head)
}

fn auth_data(bytes: &[u8]) -> Result<AuthData, Refusal> {
    let mut rest = bytes;
    let rp_id_hash: [u8; 32] = take(&mut rest, 32)?.try_into().map_err(|_| Refusal::Malformed("rpIdHash"))?;
    let flags = *take(&mut rest, 1)?.first().ok_or(Refusal::Malformed("flags"))?;
    let count: [u8; 4] = take(&mut rest, 4)?.try_into().map_err(|_| Refusal::Malformed("signCount"))?;
    let attested = if flags & FLAG_AT != 0 {
        let aaguid: [u8; 16] = take(&mut rest, 16)?.try_into().map_err(|_| Refusal::Malformed("aaguid"))?;
        let len = take(&mut rest, 2)?;
        let len = usize::from(u16::from_be_bytes([len.first().copied().unwrap_or(0), len.get(1).copied().unwrap_or(0)]));
        if len > MAX_CREDENTIAL_ID {
            return Err(Refusal::Malformed("the credential ID is longer than 1023 bytes"));
        }
        let credential_id = take(&mut rest, len)?.to_vec();
        // The COSE key is the next CBOR item; extensions may follow it.
        let key: Cbor = ciborium::de::from_reader(&mut rest).map_err(|_| Refusal::Malformed("the credential public key is not CBOR"))?;
        Some(Attested { aaguid, credential_id, public_key: cose_key(&key) })
    } else {
        None
    };
    Ok(AuthData { rp_id_hash, flags, sign_count: u32::from_be_bytes(count), attested })
}

fn int_key(map: &[(Cbor, Cbor)], key: i64) -> Option<&Cbor> {
    map.iter().find(|(k, _)| k.as_integer().and_then(|i| i64::try_from(i).ok()) == Some(key)).map(|(_, v)| v)
}

fn int_of(v: Option<&Cbor>) -> Option<i64> {
    v.and_then(Cbor::as_integer).and_then(|i| i64::try_from(i).ok())
}

fn bytes_of(v: Option<&Cbor>, len: Option<usize>) -> Result<String, Refusal> {
    let b = v.and_then(Cbor::as_bytes).ok_or(Refusal::UnsupportedAlgorithm)?;
    if len.is_some_and(|n| b.len() != n) || b.is_empty() {
        return Err(Refusal::UnsupportedAlgorithm);
    }
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// A COSE_Key (RFC 9052 §7, RFC 9053 §2) as a JWK: EC2 P-256 with ES256,
/// OKP Ed25519 with EdDSA, RSA (2048 bits or more) with RS256.
fn cose_key(key: &Cbor) -> Result<PublicKey, Refusal> {
    let map = key.as_map().ok_or(Refusal::UnsupportedAlgorithm)?;
    let alg = int_of(int_key(map, 3)).and_then(CoseAlg::from_id).ok_or(Refusal::UnsupportedAlgorithm)?;
    let kty = int_of(int_key(map, 1));
    let jwk = match (alg, kty) {
        (CoseAlg::Es256, Some(2)) if int_of(int_key(map, -1)) == Some(1) => {
            json!({"kty": "EC", "crv": "P-256", "x": bytes_of(int_key(map, -2), Some(32))?, "y": bytes_of(int_key(map, -3), Some(32))?})
        }
        (CoseAlg::EdDsa, Some(1)) if int_of(int_key(map, -1)) == Some(6) => {
            json!({"kty": "OKP", "crv": "Ed25519", "x": bytes_of(int_key(map, -2), Some(32))?})
        }
        (CoseAlg::Rs256, Some(3)) => {
            let n = int_key(map, -1).and_then(Cbor::as_bytes).ok_or(Refusal::UnsupportedAlgorithm)?;
            let significant = n.iter().skip_while(|b| **b == 0).count();
            if significant < MIN_RSA_MODULUS_BYTES {
                return Err(Refusal::UnsupportedAlgorithm);
            }
            json!({"kty": "RSA", "n": bytes_of(int_key(map, -1), None)?, "e": bytes_of(int_key(map, -2), None)?})
        }
        _ => return Err(Refusal::UnsupportedAlgorithm),
    };
    Ok(PublicKey { alg, jwk })
}

fn text_key<'a>(map: &'a [(Cbor, Cbor)], key: &str) -> Option<&'a Cbor> {
    map.iter().find(|(k, _)| k.as_text() == Some(key)).map(|(_, v)| v)
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// §7.1 steps 13–16 and §7.2 steps 14–18: the RP ID, presence,
/// verification as the policy says, and backup flags that agree.
fn check_flags(data: &AuthData, expect: &Expect<'_>) -> Result<(), Refusal> {
    if !constant_time_eq(&data.rp_id_hash, &sha256(expect.rp_id.as_bytes())) {
        return Err(Refusal::RpIdMismatch);
    }
    if data.flags & FLAG_UP == 0 {
        return Err(Refusal::UserNotPresent);
    }
    if expect.user_verification == UserVerification::Required && data.flags & FLAG_UV == 0 {
        return Err(Refusal::UserNotVerified);
    }
    if data.flags & FLAG_BE == 0 && data.flags & FLAG_BS != 0 {
        return Err(Refusal::Malformed("the authenticator says it is backed up but not backup-eligible"));
    }
    Ok(())
}

/// Every check of §7.1 for a registration response. Step 23 (the
/// credential is not registered already) is the shell's unique key.
pub fn registration(expect: &Expect<'_>, response: &RegistrationResponse) -> Result<NewCredential, Refusal> {
    check_client_data(&response.client_data_json, "webauthn.create", expect)?;
    let object: Cbor = ciborium::de::from_reader(response.attestation_object.as_slice()).map_err(|_| Refusal::Malformed("attestationObject is not CBOR"))?;
    let map = object.as_map().ok_or(Refusal::Malformed("attestationObject is not a map"))?;
    let format = text_key(map, "fmt").and_then(Cbor::as_text).ok_or(Refusal::Malformed("attestationObject has no fmt"))?;
    if format.is_empty() || format.len() > 32 {
        return Err(Refusal::Malformed("attestationObject's fmt is not a format name"));
    }
    let raw = text_key(map, "authData").and_then(Cbor::as_bytes).ok_or(Refusal::Malformed("attestationObject has no authData"))?;
    let data = auth_data(raw)?;
    check_flags(&data, expect)?;
    let attested = data.attested.ok_or(Refusal::Malformed("the authenticator data carries no credential"))?;
    if attested.credential_id != response.raw_id {
        return Err(Refusal::CredentialMismatch);
    }
    Ok(NewCredential {
        credential_id: attested.credential_id,
        public_key: attested.public_key?,
        sign_count: data.sign_count,
        user_verified: data.flags & FLAG_UV != 0,
        backup_eligible: data.flags & FLAG_BE != 0,
        backed_up: data.flags & FLAG_BS != 0,
        aaguid: attested.aaguid,
        format: format.to_owned(),
        transports: response.transports.clone(),
    })
}

/// Every check of §7.2 for an assertion but the signature, which the
/// returned [`SignatureCheck`] describes. The caller found `stored` by the
/// response's credential ID in this application (and, for a second factor,
/// among this user's credentials).
pub fn assertion(expect: &Expect<'_>, stored: &Stored<'_>, response: &AssertionResponse) -> Result<Assertion, Refusal> {
    if response.user_handle.as_deref().is_some_and(|h| !constant_time_eq(h, stored.user_handle)) {
        return Err(Refusal::UserHandleMismatch);
    }
    check_client_data(&response.client_data_json, "webauthn.get", expect)?;
    let data = auth_data(&response.authenticator_data)?;
    check_flags(&data, expect)?;
    if !counter_moves_forward(stored.sign_count, data.sign_count) {
        return Err(Refusal::CounterRegressed);
    }
    let signature = match stored.public_key.alg {
        CoseAlg::Es256 => der_to_raw_p256(&response.signature).ok_or(Refusal::BadSignature)?.to_vec(),
        CoseAlg::EdDsa | CoseAlg::Rs256 => response.signature.clone(),
    };
    let mut message = response.authenticator_data.clone();
    message.extend_from_slice(&sha256(&response.client_data_json));
    Ok(Assertion {
        check: SignatureCheck { public_key: stored.public_key.clone(), message, signature },
        sign_count: data.sign_count,
        user_verified: data.flags & FLAG_UV != 0,
        backed_up: data.flags & FLAG_BS != 0,
    })
}

/// §6.1.1: when either counter is not zero, the new one must be greater.
#[must_use]
pub fn counter_moves_forward(stored: u32, presented: u32) -> bool {
    (stored == 0 && presented == 0) || presented > stored
}

/// An ASN.1 DER ECDSA signature (what authenticators send, §6.5.5) as the
/// raw r‖s WebCrypto verifies.
#[must_use]
pub fn der_to_raw_p256(der: &[u8]) -> Option<[u8; 64]> {
    fn integer(rest: &mut &[u8]) -> Option<[u8; 32]> {
        let (&tag, r) = rest.split_first()?;
        let (&len, r) = r.split_first()?;
        if tag != 0x02 || len == 0 || len > 33 {
            return None;
        }
        let (value, r) = r.split_at_checked(usize::from(len))?;
        *rest = r;
        // Positive and minimally encoded: a leading zero only before a
        // byte whose high bit is set.
        let value = match value {
            [0, tail @ ..] if tail.first().is_some_and(|b| b & 0x80 != 0) => tail,
            [0, _, ..] => return None,
            [first, ..] if first & 0x80 != 0 => return None,
            v => v,
        };
        if value.len() > 32 {
            return None;
        }
        let mut out = [0u8; 32];
        out.get_mut(32 - value.len()..)?.copy_from_slice(value);
        Some(out)
    }
    let (&tag, rest) = der.split_first()?;
    let (&len, mut rest) = rest.split_first()?;
    if tag != 0x30 || usize::from(len) != rest.len() {
        return None;
    }
    let r = integer(&mut rest)?;
    let s = integer(&mut rest)?;
    if !rest.is_empty() {
        return None;
    }
    let mut raw = [0u8; 64];
    raw.get_mut(..32)?.copy_from_slice(&r);
    raw.get_mut(32..)?.copy_from_slice(&s);
    Some(raw)
}

/// The account a credential is made for (`PublicKeyCredentialUserEntity`).
#[derive(Debug, Clone, Copy)]
pub struct UserEntity<'a> {
    /// The user handle: opaque, never personal data (§14.6.1).
    pub handle: &'a [u8],
    pub name: &'a str,
    pub display_name: &'a str,
}

/// `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.4): a
/// discoverable credential, `none` attestation, our three algorithms, and
/// the user's existing credentials excluded (no second copy on one
/// authenticator).
#[must_use]
pub fn creation_options(rp_id: &str, rp_name: &str, user: &UserEntity<'_>, challenge: &[u8], exclude: &[(Vec<u8>, Vec<String>)], uv: UserVerification) -> Value {
    json!({
        "rp": {"id": rp_id, "name": rp_name},
        "user": {"id": URL_SAFE_NO_PAD.encode(user.handle), "name": user.name, "displayName": user.display_name},
        "challenge": URL_SAFE_NO_PAD.encode(challenge),
        "pubKeyCredParams": CoseAlg::ALL.iter().map(|a| json!({"type": "public-key", "alg": a.id()})).collect::<Vec<_>>(),
        "timeout": TIMEOUT_MS,
        "excludeCredentials": descriptors(exclude),
        "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true, "userVerification": uv.as_str()},
        "attestation": "none",
    })
}

/// `PublicKeyCredentialRequestOptionsJSON`: with `allow` empty, any
/// discoverable credential for the RP ID (a passwordless sign-in).
#[must_use]
pub fn request_options(rp_id: &str, challenge: &[u8], allow: &[(Vec<u8>, Vec<String>)], uv: UserVerification) -> Value {
    json!({
        "challenge": URL_SAFE_NO_PAD.encode(challenge),
        "timeout": TIMEOUT_MS,
        "rpId": rp_id,
        "allowCredentials": descriptors(allow),
        "userVerification": uv.as_str(),
    })
}

fn descriptors(list: &[(Vec<u8>, Vec<String>)]) -> Vec<Value> {
    list.iter()
        .map(|(id, transports)| {
            if transports.is_empty() {
                json!({"type": "public-key", "id": URL_SAFE_NO_PAD.encode(id)})
            } else {
                json!({"type": "public-key", "id": URL_SAFE_NO_PAD.encode(id), "transports": transports})
            }
        })
        .collect()
}

/// The `amr` of a passkey (RFC 8176): `hwk` (a key held by the device)
/// and `user` (the presence test every assertion carries); with user
/// verification the device also checked a PIN or a biometric, two
/// factors in one (`mfa`), as NIST SP 800-63B counts a multi-factor
/// cryptographic authenticator.
#[must_use]
pub fn amr(user_verified: bool) -> Vec<String> {
    let mut amr = vec!["hwk".to_owned(), "user".to_owned()];
    if user_verified {
        amr.push("mfa".to_owned());
    }
    amr
}

/// The RP ID and origin of an issuer (`https://host[:port]`): the host,
/// and the scheme-host-port the browser reports.
#[must_use]
pub fn rp_of_issuer(issuer: &str) -> Option<(String, String)> {
    let (scheme, rest) = issuer.split_once("://")?;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit_once(':').map_or(authority, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { authority });
    if host.is_empty() || !(scheme == "https" || scheme == "http") {
        return None;
    }
    Some((host.to_ascii_lowercase(), format!("{scheme}://{}", authority.to_ascii_lowercase())))
}

#[cfg(test)]
mod tests;

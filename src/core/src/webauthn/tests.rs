//! A software authenticator (RustCrypto keys, CBOR written with ciborium)
//! drives both ceremonies; the signature the module describes is then
//! verified with RustCrypto from the stored JWK, as WebCrypto does in the
//! Worker.

use super::*;
use crate::jose::jwk::PublicKey as Jwk;
use crate::jose::jws::Signer;
use crate::jose::test_keys;
use p256::ecdsa::signature::Verifier as _;

const ORIGIN: &str = "https://myapp.aero2.dev";
const RP_ID: &str = "myapp.aero2.dev";
const CHALLENGE: [u8; 32] = [7; 32];

enum Key {
    Ec(test_keys::EcKey),
    Rsa(test_keys::RsaKey),
    Ed(ed25519_dalek::SigningKey),
}

fn int(i: i64) -> Cbor {
    Cbor::Integer(i.into())
}

fn bytes(b: Vec<u8>) -> Cbor {
    Cbor::Bytes(b)
}

fn d(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

impl Key {
    fn cose(&self) -> Cbor {
        Cbor::Map(match self {
            Key::Ec(k) => {
                let Jwk::EcP256 { x, y } = k.jwk().key else { unreachable!() };
                vec![(int(1), int(2)), (int(3), int(-7)), (int(-1), int(1)), (int(-2), bytes(d(&x))), (int(-3), bytes(d(&y)))]
            }
            Key::Rsa(k) => {
                let Jwk::Rsa { n, e } = k.jwk().key else { unreachable!() };
                vec![(int(1), int(3)), (int(3), int(-257)), (int(-1), bytes(d(&n))), (int(-2), bytes(d(&e)))]
            }
            Key::Ed(k) => vec![(int(1), int(1)), (int(3), int(-8)), (int(-1), int(6)), (int(-2), bytes(k.verifying_key().to_bytes().to_vec()))],
        })
    }

    /// As an authenticator signs: ASN.1 DER for ECDSA (§6.5.5).
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Key::Ec(k) => p256::ecdsa::Signature::from_slice(&k.sign(message)).unwrap().to_der().as_bytes().to_vec(),
            Key::Rsa(k) => k.sign(message),
            Key::Ed(k) => ed25519_dalek::Signer::sign(k, message).to_bytes().to_vec(),
        }
    }
}

fn ed() -> Key {
    Key::Ed(ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
}

/// What WebCrypto does with a [`SignatureCheck`], done with RustCrypto.
fn verifies(check: &SignatureCheck) -> bool {
    let j = &check.public_key.jwk;
    let member = |name: &str| d(j[name].as_str().unwrap());
    match check.public_key.alg {
        CoseAlg::Es256 => {
            let point = p256::EncodedPoint::from_affine_coordinates(member("x").as_slice().into(), member("y").as_slice().into(), false);
            let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point).unwrap();
            p256::ecdsa::Signature::from_slice(&check.signature).is_ok_and(|s| key.verify(&check.message, &s).is_ok())
        }
        CoseAlg::Rs256 => {
            let key = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(&member("n")), rsa::BigUint::from_bytes_be(&member("e"))).unwrap();
            let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
            rsa::pkcs1v15::Signature::try_from(check.signature.as_slice()).is_ok_and(|s| key.verify(&check.message, &s).is_ok())
        }
        CoseAlg::EdDsa => {
            let key = ed25519_dalek::VerifyingKey::from_bytes(&member("x").try_into().unwrap()).unwrap();
            ed25519_dalek::Signature::from_slice(&check.signature).is_ok_and(|s| key.verify_strict(&check.message, &s).is_ok())
        }
    }
}

struct Authenticator {
    key: Key,
    id: Vec<u8>,
    count: u32,
    flags: u8,
    rp_id: String,
    handle: Vec<u8>,
}

fn authenticator(key: Key) -> Authenticator {
    Authenticator { key, id: vec![0xc0, 0xde, 1, 2, 3], count: 0, flags: FLAG_UP | FLAG_UV | FLAG_BE, rp_id: RP_ID.into(), handle: b"usr_1".to_vec() }
}

fn client_data_json(kind: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
    json!({"type": kind, "challenge": URL_SAFE_NO_PAD.encode(challenge), "origin": origin, "crossOrigin": false}).to_string().into_bytes()
}

impl Authenticator {
    fn auth_data(&self, attested: bool) -> Vec<u8> {
        let mut out = sha256(self.rp_id.as_bytes()).to_vec();
        out.push(self.flags | if attested { FLAG_AT } else { 0 });
        out.extend_from_slice(&self.count.to_be_bytes());
        if attested {
            out.extend_from_slice(&[0xaa; 16]);
            out.extend_from_slice(&u16::try_from(self.id.len()).unwrap().to_be_bytes());
            out.extend_from_slice(&self.id);
            ciborium::ser::into_writer(&self.key.cose(), &mut out).unwrap();
        }
        out
    }

    fn create(&self, challenge: &[u8], origin: &str) -> RegistrationResponse {
        self.create_with(client_data_json("webauthn.create", challenge, origin), "none")
    }

    fn create_with(&self, client_data_json: Vec<u8>, fmt: &str) -> RegistrationResponse {
        let object = Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text(fmt.into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), bytes(self.auth_data(true))),
        ]);
        let mut attestation_object = Vec::new();
        ciborium::ser::into_writer(&object, &mut attestation_object).unwrap();
        RegistrationResponse { raw_id: self.id.clone(), client_data_json, attestation_object, transports: vec!["internal".into()] }
    }

    fn get(&mut self, challenge: &[u8], origin: &str) -> AssertionResponse {
        self.count += 1;
        self.get_with(client_data_json("webauthn.get", challenge, origin))
    }

    fn get_with(&self, client_data_json: Vec<u8>) -> AssertionResponse {
        let authenticator_data = self.auth_data(false);
        let mut message = authenticator_data.clone();
        message.extend_from_slice(&sha256(&client_data_json));
        AssertionResponse {
            raw_id: self.id.clone(),
            signature: self.key.sign(&message),
            client_data_json,
            authenticator_data,
            user_handle: Some(self.handle.clone()),
        }
    }
}

fn expect(uv: UserVerification) -> Expect<'static> {
    Expect { challenge: &CHALLENGE, origin: ORIGIN, rp_id: RP_ID, user_verification: uv }
}

#[test]
fn each_algorithm_registers_and_signs_in() {
    for key in [Key::Ec(test_keys::ec()), Key::Rsa(test_keys::rsa()), ed()] {
        let mut a = authenticator(key);
        let new = registration(&expect(UserVerification::Required), &a.create(&CHALLENGE, ORIGIN)).unwrap();
        assert_eq!(new.credential_id, a.id);
        assert!(new.user_verified && new.backup_eligible && !new.backed_up);
        assert_eq!((new.format.as_str(), new.aaguid, new.transports.clone()), ("none", [0xaa; 16], vec!["internal".to_owned()]));
        let stored = Stored { public_key: &new.public_key, sign_count: new.sign_count, user_handle: b"usr_1" };
        let asserted = assertion(&expect(UserVerification::Required), &stored, &a.get(&CHALLENGE, ORIGIN)).unwrap();
        assert_eq!(asserted.sign_count, 1);
        assert!(asserted.user_verified);
        assert!(verifies(&asserted.check), "{:?}", new.public_key.alg);
        let mut forged = asserted.check.clone();
        if let Some(last) = forged.message.last_mut() {
            *last ^= 1;
        }
        assert!(!verifies(&forged), "a changed message must not verify ({:?})", new.public_key.alg);
    }
}

#[test]
fn registration_is_refused_for_the_wrong_request_site_or_user() {
    let a = authenticator(Key::Ec(test_keys::ec()));
    let e = expect(UserVerification::Preferred);
    let refused = |r: RegistrationResponse| registration(&e, &r).unwrap_err();
    assert_eq!(refused(a.create(&[8; 32], ORIGIN)), Refusal::ChallengeMismatch);
    assert_eq!(refused(a.create(&CHALLENGE, "https://evil.example")), Refusal::OriginMismatch);
    assert_eq!(refused(a.create(&CHALLENGE, "http://myapp.aero2.dev")), Refusal::OriginMismatch);
    assert_eq!(refused(a.create_with(client_data_json("webauthn.get", &CHALLENGE, ORIGIN), "none")), Refusal::WrongType);
    let cross = json!({"type": "webauthn.create", "challenge": URL_SAFE_NO_PAD.encode(CHALLENGE), "origin": ORIGIN, "crossOrigin": true});
    assert_eq!(refused(a.create_with(cross.to_string().into_bytes(), "none")), Refusal::CrossOrigin);
    let other_rp = Authenticator { rp_id: "other.aero2.dev".into(), ..authenticator(Key::Ec(test_keys::ec())) };
    assert_eq!(refused(other_rp.create(&CHALLENGE, ORIGIN)), Refusal::RpIdMismatch);
    let absent = Authenticator { flags: FLAG_UV, ..authenticator(Key::Ec(test_keys::ec())) };
    assert_eq!(refused(absent.create(&CHALLENGE, ORIGIN)), Refusal::UserNotPresent);
    let odd = Authenticator { flags: FLAG_UP | FLAG_BS, ..authenticator(Key::Ec(test_keys::ec())) };
    assert!(matches!(refused(odd.create(&CHALLENGE, ORIGIN)), Refusal::Malformed(_)));
    let mut renamed = a.create(&CHALLENGE, ORIGIN);
    renamed.raw_id = vec![1, 2, 3];
    assert_eq!(refused(renamed), Refusal::CredentialMismatch);
    let mut garbage = a.create(&CHALLENGE, ORIGIN);
    garbage.attestation_object = b"not cbor at all".to_vec();
    assert!(matches!(refused(garbage), Refusal::Malformed(_)));
}

#[test]
fn user_verification_is_enforced_only_where_the_policy_requires_it() {
    let a = Authenticator { flags: FLAG_UP, ..authenticator(ed()) };
    assert_eq!(registration(&expect(UserVerification::Required), &a.create(&CHALLENGE, ORIGIN)).unwrap_err(), Refusal::UserNotVerified);
    let new = registration(&expect(UserVerification::Preferred), &a.create(&CHALLENGE, ORIGIN)).unwrap();
    assert!(!new.user_verified);
    assert_eq!(amr(new.user_verified), ["hwk", "user"]);
    assert_eq!(amr(true), ["hwk", "user", "mfa"]);
}

#[test]
fn an_attestation_statement_is_kept_as_a_name_and_not_trusted() {
    let a = authenticator(Key::Ec(test_keys::ec()));
    let new = registration(&expect(UserVerification::Preferred), &a.create_with(client_data_json("webauthn.create", &CHALLENGE, ORIGIN), "packed")).unwrap();
    assert_eq!(new.format, "packed");
}

#[test]
fn unsupported_keys_are_refused() {
    // ES384 (-35) and a 1024-bit RSA modulus.
    for cose in [
        Cbor::Map(vec![(int(1), int(2)), (int(3), int(-35)), (int(-1), int(2)), (int(-2), bytes(vec![1; 48])), (int(-3), bytes(vec![2; 48]))]),
        Cbor::Map(vec![(int(1), int(3)), (int(3), int(-257)), (int(-1), bytes(vec![0xc1; 128])), (int(-2), bytes(vec![1, 0, 1]))]),
        Cbor::Map(vec![(int(1), int(2)), (int(3), int(-7)), (int(-1), int(1)), (int(-2), bytes(vec![1; 31])), (int(-3), bytes(vec![2; 32]))]),
        Cbor::Map(vec![(int(1), int(1)), (int(3), int(-7)), (int(-1), int(6)), (int(-2), bytes(vec![1; 32]))]),
    ] {
        assert_eq!(cose_key(&cose), Err(Refusal::UnsupportedAlgorithm), "{cose:?}");
    }
}

#[test]
fn extensions_after_the_key_do_not_confuse_the_parser() {
    let a = authenticator(ed());
    let mut data = a.auth_data(true);
    if let Some(flags) = data.get_mut(32) {
        *flags |= 0x80;
    }
    ciborium::ser::into_writer(&Cbor::Map(vec![(Cbor::Text("credProtect".into()), int(2))]), &mut data).unwrap();
    let parsed = auth_data(&data).unwrap();
    assert_eq!(parsed.attested.unwrap().public_key.unwrap().alg, CoseAlg::EdDsa);
    assert!(matches!(auth_data(&data[..40]), Err(Refusal::Malformed(_))));
}

#[test]
fn assertions_are_refused_for_the_wrong_request_user_or_counter() {
    let mut a = authenticator(Key::Ec(test_keys::ec()));
    let new = registration(&expect(UserVerification::Preferred), &a.create(&CHALLENGE, ORIGIN)).unwrap();
    let e = expect(UserVerification::Required);
    let stored = Stored { public_key: &new.public_key, sign_count: 5, user_handle: b"usr_1" };
    a.count = 5;
    assert_eq!(assertion(&e, &stored, &a.get_with(client_data_json("webauthn.get", &CHALLENGE, ORIGIN))).unwrap_err(), Refusal::CounterRegressed);
    let ok = assertion(&e, &stored, &a.get(&CHALLENGE, ORIGIN)).unwrap();
    assert_eq!(ok.sign_count, 6);
    assert!(verifies(&ok.check));
    let someone_else = Stored { user_handle: b"usr_2", ..stored };
    assert_eq!(assertion(&e, &someone_else, &a.get(&CHALLENGE, ORIGIN)).unwrap_err(), Refusal::UserHandleMismatch);
    assert_eq!(assertion(&e, &stored, &a.get(&CHALLENGE, "https://other.aero2.dev")).unwrap_err(), Refusal::OriginMismatch);
    assert_eq!(assertion(&e, &stored, &a.get(&[1; 32], ORIGIN)).unwrap_err(), Refusal::ChallengeMismatch);
    let create = a.get_with(client_data_json("webauthn.create", &CHALLENGE, ORIGIN));
    assert_eq!(assertion(&e, &stored, &create).unwrap_err(), Refusal::WrongType);
    a.flags = FLAG_UP;
    assert_eq!(assertion(&e, &stored, &a.get(&CHALLENGE, ORIGIN)).unwrap_err(), Refusal::UserNotVerified);
    // Counters that both stay at zero (synced passkeys) are fine.
    assert!(counter_moves_forward(0, 0) && counter_moves_forward(0, 1) && !counter_moves_forward(3, 0) && !counter_moves_forward(3, 3));
}

#[test]
fn der_signatures_become_raw_and_malformed_ones_do_not() {
    // r with a leading zero byte (high bit set), s short.
    let mut der = vec![0x30, 0x00, 0x02, 33, 0x00];
    der.extend_from_slice(&[0x80; 32]);
    der.extend_from_slice(&[0x02, 2, 0x01, 0x02]);
    der[1] = u8::try_from(der.len() - 2).unwrap();
    let raw = der_to_raw_p256(&der).unwrap();
    assert_eq!(&raw[..32], &[0x80; 32]);
    assert_eq!(&raw[62..], &[1, 2]);
    assert!(raw[32..62].iter().all(|b| *b == 0));
    let mut trailing = der.clone();
    trailing.push(0);
    assert_eq!(der_to_raw_p256(&trailing), None);
    assert_eq!(der_to_raw_p256(&[0x30, 0x02, 0x02, 0x00]), None);
    assert_eq!(der_to_raw_p256(&[]), None);
}

#[test]
fn responses_parse_as_browsers_send_them() {
    let id = URL_SAFE_NO_PAD.encode([1, 2, 3]);
    let text = json!({"id": id, "rawId": id, "type": "public-key", "response": {
        "clientDataJSON": "e30", "attestationObject": "oA", "transports": ["usb", "internal", "NOT OK"]}});
    let r = parse_registration(&text.to_string()).unwrap();
    assert_eq!((r.raw_id, r.transports), (vec![1, 2, 3], vec!["usb".to_owned(), "internal".to_owned()]));
    let renamed = json!({"id": "AQ", "rawId": id, "type": "public-key", "response": {"clientDataJSON": "e30", "attestationObject": "oA"}});
    assert!(matches!(parse_registration(&renamed.to_string()), Err(Refusal::Malformed(_))));
    let a = json!({"id": id, "rawId": id, "type": "public-key", "response": {
        "clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA", "userHandle": null}});
    assert_eq!(parse_assertion(&a.to_string()).unwrap().user_handle, None);
    assert!(parse_assertion("{").is_err());
    assert!(parse_assertion(&json!({"id": id, "rawId": id, "type": "password"}).to_string()).is_err());
}

#[test]
fn options_name_the_site_the_user_and_our_algorithms() {
    let user = UserEntity { handle: b"usr_1", name: "ada@example.com", display_name: "Ada" };
    let o = creation_options(RP_ID, "My App", &user, &CHALLENGE, &[(vec![1], vec!["usb".into()])], UserVerification::Required);
    assert_eq!(o["rp"]["id"], RP_ID);
    assert_eq!(o["user"]["id"], URL_SAFE_NO_PAD.encode(b"usr_1"));
    assert_eq!(o["pubKeyCredParams"].as_array().unwrap().iter().map(|p| p["alg"].as_i64().unwrap()).collect::<Vec<_>>(), [-7, -8, -257]);
    assert_eq!(o["excludeCredentials"][0]["id"], "AQ");
    assert_eq!((o["attestation"].as_str(), o["authenticatorSelection"]["residentKey"].as_str()), (Some("none"), Some("required")));
    let r = request_options(RP_ID, &CHALLENGE, &[], UserVerification::Preferred);
    assert_eq!((r["rpId"].as_str(), r["allowCredentials"].as_array().map(Vec::len)), (Some(RP_ID), Some(0)));
    assert_eq!(client_challenge(&client_data_json("webauthn.get", &CHALLENGE, ORIGIN)).unwrap(), CHALLENGE);
}

#[test]
fn the_rp_id_is_the_issuers_host() {
    assert_eq!(rp_of_issuer("https://myapp.aero2.dev"), Some((RP_ID.to_owned(), ORIGIN.to_owned())));
    assert_eq!(rp_of_issuer("http://myapp.localhost:8787"), Some(("myapp.localhost".to_owned(), "http://myapp.localhost:8787".to_owned())));
    assert_eq!(rp_of_issuer("https://auth.example.com:8443"), Some(("auth.example.com".to_owned(), "https://auth.example.com:8443".to_owned())));
    assert_eq!(rp_of_issuer("ftp://x"), None);
}

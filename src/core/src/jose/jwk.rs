//! Public JSON Web Keys and the JWKS document (RFC 7517, RFC 7518 §6).
//!
//! Only public keys exist here: the types have no field for `d` or the other
//! private members, so serializing one cannot leak a private key, and parsing
//! refuses any JWK that carries them (a private key in a JWKS is a leak to be
//! noticed, not a key to be quietly trimmed). Private keys live in the
//! JwksSigner as WebCrypto keys and never cross into the core.
//!
//! A key's `kid` is its RFC 7638 thumbprint: derived from the key itself, so
//! it needs no storage, cannot collide between different keys, and is the
//! same wherever it is computed.

use crate::jose::{b64, Alg, JoseError};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// RFC 7518 §3.3: RSA keys of 2048 bits or larger MUST be used.
const MIN_RSA_MODULUS_BYTES: usize = 256;
/// RFC 7518 §6.2.1.2: P-256 coordinates are exactly 32 bytes.
const P256_COORDINATE_BYTES: usize = 32;
/// Private members of RSA (RFC 7518 §6.3.2), EC (§6.2.2) and symmetric
/// (§6.4.1) keys.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The key material, as the base64url members the JWK carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RFC 7518 §6.3.1: modulus and exponent, minimal big-endian octets.
    Rsa { n: String, e: String },
    /// RFC 7518 §6.2.1 with `crv: "P-256"`: the affine coordinates.
    EcP256 { x: String, y: String },
}

impl PublicKey {
    /// From the big-endian modulus and exponent. Leading zero octets are
    /// dropped, as RFC 7518 §6.3.1.1 requires the minimal form.
    pub fn rsa(n: &[u8], e: &[u8]) -> Result<Self, JoseError> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        check_rsa(n, e)?;
        Ok(PublicKey::Rsa { n: b64::encode(n), e: b64::encode(e) })
    }

    /// From the 32-byte affine coordinates (as `EncodedPoint::x()`/`y()` or
    /// WebCrypto's JWK export give them).
    pub fn ec_p256(x: &[u8], y: &[u8]) -> Result<Self, JoseError> {
        check_p256(x, y)?;
        Ok(PublicKey::EcP256 { x: b64::encode(x), y: b64::encode(y) })
    }

    /// The one algorithm each key type signs with here.
    #[must_use]
    pub fn alg(&self) -> Alg {
        match self {
            PublicKey::Rsa { .. } => Alg::RS256,
            PublicKey::EcP256 { .. } => Alg::ES256,
        }
    }

    /// RFC 7638 §3: SHA-256 over the required members only, in lexicographic
    /// order, no whitespace; base64url. `Value::String`'s `Display` does the
    /// JSON string escaping, so even a hand-built key hashes a valid object.
    #[must_use]
    pub fn thumbprint(&self) -> String {
        let json = match self {
            PublicKey::Rsa { n, e } => {
                format!(r#"{{"e":{},"kty":"RSA","n":{}}}"#, Value::from(e.as_str()), Value::from(n.as_str()))
            }
            PublicKey::EcP256 { x, y } => format!(
                r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#,
                Value::from(x.as_str()),
                Value::from(y.as_str())
            ),
        };
        b64::encode(Sha256::digest(json.as_bytes()))
    }
}

/// A public signing key as published in the JWKS: `use: "sig"`, its `alg`
/// (RFC 7517 §4.2, §4.4) and a `kid`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Value")]
pub struct PublicJwk {
    pub kid: String,
    pub key: PublicKey,
}

impl PublicJwk {
    /// A JWK whose `kid` is the key's RFC 7638 thumbprint.
    #[must_use]
    pub fn new(key: PublicKey) -> Self {
        Self { kid: key.thumbprint(), key }
    }

    #[must_use]
    pub fn alg(&self) -> Alg {
        self.key.alg()
    }

    /// Parses one JWK, e.g. WebCrypto's `exportKey("jwk", publicKey)` or an
    /// entry of a JWKS. Members we do not use (`ext`, `key_ops`, `x5c`, …)
    /// are ignored (RFC 7517 §4); private members are refused; a missing
    /// `kid` becomes the thumbprint.
    pub fn from_json(jwk: &Value) -> Result<Self, JoseError> {
        let obj = jwk.as_object().ok_or(JoseError::Malformed("JWK is not a JSON object"))?;
        if PRIVATE_MEMBERS.iter().any(|m| obj.contains_key(*m)) {
            return Err(JoseError::Malformed("JWK carries private key material"));
        }
        let key = match member(obj, "kty")?.ok_or(JoseError::Malformed("JWK has no kty"))? {
            "RSA" => {
                let n = required_b64(obj, "n")?;
                let e = required_b64(obj, "e")?;
                if n.first() == Some(&0) || e.first() == Some(&0) {
                    return Err(JoseError::Malformed("RSA JWK member is not minimal (RFC 7518 §6.3.1)"));
                }
                PublicKey::rsa(&n, &e)?
            }
            "EC" => {
                if member(obj, "crv")? != Some("P-256") {
                    return Err(JoseError::UnsupportedAlg);
                }
                PublicKey::ec_p256(&required_b64(obj, "x")?, &required_b64(obj, "y")?)?
            }
            _ => return Err(JoseError::UnsupportedAlg),
        };
        if let Some(alg) = member(obj, "alg")? {
            if Alg::parse(alg) != Some(key.alg()) {
                return Err(JoseError::UnsupportedAlg);
            }
        }
        if member(obj, "use")?.is_some_and(|u| u != "sig") {
            return Err(JoseError::Malformed("JWK use is not sig"));
        }
        let kid = match member(obj, "kid")? {
            Some(kid) if !kid.is_empty() => kid.to_owned(),
            Some(_) => return Err(JoseError::Malformed("JWK kid is empty")),
            None => key.thumbprint(),
        };
        Ok(Self { kid, key })
    }

    /// The JSON object published in the JWKS.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("kty".into(), self.alg().kty().into());
        obj.insert("use".into(), "sig".into());
        obj.insert("alg".into(), self.alg().as_str().into());
        obj.insert("kid".into(), self.kid.clone().into());
        match &self.key {
            PublicKey::Rsa { n, e } => {
                obj.insert("n".into(), n.clone().into());
                obj.insert("e".into(), e.clone().into());
            }
            PublicKey::EcP256 { x, y } => {
                obj.insert("crv".into(), "P-256".into());
                obj.insert("x".into(), x.clone().into());
                obj.insert("y".into(), y.clone().into());
            }
        }
        Value::Object(obj)
    }
}

impl TryFrom<Value> for PublicJwk {
    type Error = JoseError;
    fn try_from(jwk: Value) -> Result<Self, JoseError> {
        Self::from_json(&jwk)
    }
}

impl Serialize for PublicJwk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = self.to_json();
        let mut map = serializer.serialize_map(json.as_object().map(Map::len))?;
        for (k, v) in json.as_object().into_iter().flatten() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// RFC 7638 thumbprint of a JWK's key: what we use as its `kid`.
#[must_use]
pub fn thumbprint(jwk: &PublicJwk) -> String {
    jwk.key.thumbprint()
}

/// The JWK Set served at `jwks_uri` (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<PublicJwk>,
}

impl Jwks {
    #[must_use]
    pub fn find(&self, kid: &str) -> Option<&PublicJwk> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

fn check_rsa(n: &[u8], e: &[u8]) -> Result<(), JoseError> {
    if n.len() < MIN_RSA_MODULUS_BYTES {
        return Err(JoseError::Malformed("RSA modulus shorter than 2048 bits"));
    }
    if e.is_empty() {
        return Err(JoseError::Malformed("RSA exponent is empty"));
    }
    Ok(())
}

fn check_p256(x: &[u8], y: &[u8]) -> Result<(), JoseError> {
    if x.len() != P256_COORDINATE_BYTES || y.len() != P256_COORDINATE_BYTES {
        return Err(JoseError::Malformed("P-256 coordinate is not 32 bytes"));
    }
    Ok(())
}

fn member<'a>(obj: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>, JoseError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JoseError::Malformed("JWK member is not a string")),
    }
}

fn required_b64(obj: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, JoseError> {
    b64::decode(member(obj, name)?.ok_or(JoseError::Malformed("JWK lacks a key member"))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::test_keys;
    use serde_json::json;

    /// RFC 7638 §3.1.
    const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    const RFC7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    fn rfc7638_jwk() -> Value {
        json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"})
    }

    #[test]
    fn rfc_7638_thumbprint_vector() {
        let jwk = PublicJwk::from_json(&rfc7638_jwk()).unwrap();
        assert_eq!(jwk.kid, "2011-04-29");
        assert_eq!(thumbprint(&jwk), RFC7638_THUMBPRINT);
        // The same key built from raw octets, with a stray leading zero that
        // must be stripped before hashing.
        let mut n = vec![0u8];
        n.extend(b64::decode(RFC7638_N).unwrap());
        let key = PublicKey::rsa(&n, &[0, 1, 0, 1]).unwrap();
        assert_eq!(PublicJwk::new(key).kid, RFC7638_THUMBPRINT);
    }

    #[test]
    fn thumbprints_agree_with_jsonwebtoken() {
        for jwk in [test_keys::rsa().jwk(), test_keys::ec().jwk()] {
            let theirs: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.to_json()).unwrap();
            assert_eq!(theirs.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256).unwrap(), jwk.kid);
        }
    }

    #[test]
    fn serializes_exactly_the_public_members() {
        let rsa = serde_json::to_value(test_keys::rsa().jwk()).unwrap();
        let mut keys: Vec<&str> = rsa.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(
            (rsa["kty"].as_str(), rsa["alg"].as_str(), rsa["use"].as_str()),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );

        let ec = serde_json::to_value(test_keys::ec().jwk()).unwrap();
        let mut keys: Vec<&str> = ec.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["alg", "crv", "kid", "kty", "use", "x", "y"]);
        assert_eq!((ec["crv"].as_str(), ec["alg"].as_str()), (Some("P-256"), Some("ES256")));
    }

    #[test]
    fn refuses_any_private_member() {
        for member in PRIVATE_MEMBERS {
            let mut rsa = rfc7638_jwk();
            rsa[member] = json!("AQAB");
            assert_eq!(
                PublicJwk::from_json(&rsa),
                Err(JoseError::Malformed("JWK carries private key material")),
                "{member}"
            );
            assert!(serde_json::from_value::<PublicJwk>(rsa).is_err(), "{member}");
        }
        let mut ec = test_keys::ec().jwk().to_json();
        ec["d"] = json!("AQAB");
        assert!(serde_json::from_value::<PublicJwk>(ec.clone()).is_err());
        assert!(serde_json::from_value::<Jwks>(json!({"keys": [ec]})).is_err());
    }

    #[test]
    fn jwks_round_trips_and_finds_by_kid() {
        let jwks = Jwks { keys: vec![test_keys::rsa().jwk(), test_keys::ec().jwk()] };
        let text = serde_json::to_string(&jwks).unwrap();
        assert!(!text.contains("\"d\""));
        let back: Jwks = serde_json::from_str(&text).unwrap();
        assert_eq!(back, jwks);
        assert_eq!(back.find(&test_keys::ec().kid).map(PublicJwk::alg), Some(Alg::ES256));
        assert!(back.find("nope").is_none());
    }

    #[test]
    fn accepts_webcrypto_exports_and_defaults_kid_to_thumbprint() {
        let mut export = test_keys::ec().jwk().to_json();
        let obj = export.as_object_mut().unwrap();
        obj.remove("kid");
        obj.remove("use");
        obj.insert("ext".into(), json!(true));
        obj.insert("key_ops".into(), json!(["verify"]));
        let jwk = PublicJwk::from_json(&export).unwrap();
        assert_eq!(jwk.kid, jwk.key.thumbprint());
        assert_eq!(jwk, test_keys::ec().jwk());
    }

    #[test]
    fn rejects_keys_we_cannot_use() {
        let ec = test_keys::ec().jwk().to_json();
        let with = |base: &Value, k: &str, v: Value| {
            let mut j = base.clone();
            j[k] = v;
            PublicJwk::from_json(&j)
        };
        let unsupported = Err(JoseError::UnsupportedAlg);
        assert_eq!(with(&ec, "crv", json!("P-384")), unsupported);
        assert_eq!(with(&ec, "kty", json!("OKP")), unsupported);
        assert_eq!(with(&ec, "alg", json!("RS256")), unsupported);
        assert_eq!(with(&rfc7638_jwk(), "alg", json!("none")), unsupported);
        assert_eq!(with(&ec, "use", json!("enc")), Err(JoseError::Malformed("JWK use is not sig")));
        assert_eq!(with(&ec, "kid", json!("")), Err(JoseError::Malformed("JWK kid is empty")));
        assert_eq!(with(&ec, "kid", json!(7)), Err(JoseError::Malformed("JWK member is not a string")));
        assert_eq!(
            with(&ec, "x", json!(b64::encode([1u8; 31]))),
            Err(JoseError::Malformed("P-256 coordinate is not 32 bytes"))
        );
        assert_eq!(with(&ec, "y", json!("not base64!")), Err(JoseError::Malformed("invalid base64url")));
        assert_eq!(
            with(&rfc7638_jwk(), "n", json!(b64::encode([0xffu8; 255]))),
            Err(JoseError::Malformed("RSA modulus shorter than 2048 bits"))
        );
        assert_eq!(
            with(&rfc7638_jwk(), "e", json!("AAEAAQ")),
            Err(JoseError::Malformed("RSA JWK member is not minimal (RFC 7518 §6.3.1)"))
        );
        assert_eq!(PublicJwk::from_json(&json!([])), Err(JoseError::Malformed("JWK is not a JSON object")));
        assert_eq!(PublicJwk::from_json(&json!({"n": "AQAB"})), Err(JoseError::Malformed("JWK has no kty")));
        assert_eq!(PublicKey::rsa(&[0xff; 256], &[0, 0]), Err(JoseError::Malformed("RSA exponent is empty")));
    }
}

//! JWS Compact Serialization (RFC 7515 §3.1, §7.1), without the signing.
//!
//! In the Worker, signatures are made and checked by WebCrypto, which is
//! asynchronous and outside the core. So the core splits the work around it:
//!
//! ```text
//! issue:   signing_input(header, claims) ─► subtle.sign ─► assemble(input, sig)
//! accept:  parse(token) ─► subtle.verify(signing_input, signature) ─► claims::validate_*
//! ```
//!
//! [`Signer`] and [`Verifier`] are the same two steps as synchronous traits,
//! for native tests and tools (implemented there with the RustCrypto crates).
//!
//! `parse` checks everything that does not need the key: shape, size, and a
//! header we would have written ourselves (RFC 8725 §3.1, §3.11).

use crate::jose::{b64, Alg, JoseError};
use serde_json::{Map, Value};

/// Upper bound on a token we will even look at. Our own tokens are well
/// under 4 KiB; the bound keeps a hostile header from costing real CPU.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The protected header. Only the members we write and accept exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub alg: Alg,
    pub kid: String,
    /// RFC 7515 §4.1.9; `at+jwt` for access tokens (RFC 9068 §2.1).
    pub typ: Option<String>,
}

impl Header {
    #[must_use]
    pub fn new(alg: Alg, kid: &str, typ: Option<&str>) -> Self {
        Self { alg, kid: kid.to_owned(), typ: typ.map(str::to_owned) }
    }

    /// Members always in the order `alg`, `kid`, `typ`, so the same header
    /// always encodes to the same bytes. Built by hand because it cannot
    /// fail this way; `Value`'s `Display` escapes the strings.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut json = format!(r#"{{"alg":"{}","kid":{}"#, self.alg.as_str(), Value::from(self.kid.as_str()));
        if let Some(typ) = &self.typ {
            json.push_str(",\"typ\":");
            json.push_str(&Value::from(typ.as_str()).to_string());
        }
        json.push('}');
        json
    }

    /// Whether `typ` names `media_type`. RFC 7515 §4.1.9: media types compare
    /// case-insensitively and the `application/` prefix may be left off.
    #[must_use]
    pub fn typ_is(&self, media_type: &str) -> bool {
        self.typ.as_deref().is_some_and(|typ| {
            let typ = strip_prefix_ignore_case(typ, "application/").unwrap_or(typ);
            typ.eq_ignore_ascii_case(media_type)
        })
    }

    fn from_json(bytes: &[u8], require_kid: bool) -> Result<Self, JoseError> {
        // A duplicated member keeps its last value, one of the two choices
        // RFC 7515 §4 allows.
        let value: Value = serde_json::from_slice(bytes).map_err(|_| JoseError::Malformed("header is not JSON"))?;
        let obj = value.as_object().ok_or(JoseError::Malformed("header is not a JSON object"))?;
        let alg = header_str(obj, "alg")?.ok_or(JoseError::Malformed("header has no alg"))?;
        // `none` and everything else we never issue (RFC 8725 §3.1).
        let alg = Alg::parse(alg).ok_or(JoseError::UnsupportedAlg)?;
        if obj.contains_key("crit") {
            return Err(JoseError::UnsupportedCritical);
        }
        let kid = match header_str(obj, "kid")? {
            Some(kid) if !kid.is_empty() => kid.to_owned(),
            None if !require_kid => String::new(),
            _ => return Err(JoseError::MissingKid),
        };
        let typ = header_str(obj, "typ")?.map(str::to_owned);
        Ok(Self { alg, kid, typ })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| s.get(prefix.len()..)).flatten()
}

fn header_str<'a>(obj: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>, JoseError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JoseError::Malformed("header member is not a string")),
    }
}

/// `BASE64URL(header) || '.' || BASE64URL(claims)`: the bytes to sign
/// (RFC 7515 §5.1 step 6).
#[must_use]
pub fn signing_input(header: &Header, claims: &Value) -> String {
    format!("{}.{}", b64::encode(header.to_json()), b64::encode(claims.to_string()))
}

/// Appends the signature: the compact serialization (RFC 7515 §7.1). For
/// ES256, `signature` is the raw 64-byte `r || s` WebCrypto returns.
#[must_use]
pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", b64::encode(signature))
}

/// A token that is well formed and has an acceptable header, but whose
/// signature has NOT been checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedJws {
    pub header: Header,
    /// Always a JSON object.
    pub claims: Value,
    pub signature: Vec<u8>,
    /// The first two segments as they appeared, what the signature covers.
    pub signing_input: Vec<u8>,
}

impl ParsedJws {
    pub fn verify_with(&self, verifier: &(impl Verifier + ?Sized)) -> Result<(), JoseError> {
        if verifier.verify(self.header.alg, &self.header.kid, &self.signing_input, &self.signature) {
            Ok(())
        } else {
            Err(JoseError::BadSignature)
        }
    }
}

/// Splits and decodes a compact JWS (RFC 7515 §5.2 steps 1–7). The claims
/// are returned as JSON; checking them is [`crate::jose::validate`]'s job.
pub fn parse(token: &str) -> Result<ParsedJws, JoseError> {
    parse_inner(token, true)
}

/// [`parse`] for a token another issuer signed (an upstream identity
/// provider's ID token): the same checks, except that `kid` may be absent
/// (OIDC Core §10.1 lets an issuer with one key leave it out); it is then
/// empty, and the verifier picks the key by algorithm.
pub fn parse_foreign(token: &str) -> Result<ParsedJws, JoseError> {
    parse_inner(token, false)
}

fn parse_inner(token: &str, require_kid: bool) -> Result<ParsedJws, JoseError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JoseError::TooLarge);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        // Five segments would be a JWE (RFC 7516 §7.1); we issue none.
        return Err(JoseError::Malformed("not three dot-separated segments"));
    };
    let header = Header::from_json(&b64::decode(header)?, require_kid)?;
    let claims: Value =
        serde_json::from_slice(&b64::decode(payload)?).map_err(|_| JoseError::Malformed("claims are not JSON"))?;
    if !claims.is_object() {
        return Err(JoseError::Malformed("claims are not a JSON object"));
    }
    let signature = b64::decode(signature)?;
    if signature.is_empty() {
        return Err(JoseError::Malformed("signature is empty"));
    }
    if header.alg.signature_len().is_some_and(|len| len != signature.len()) {
        return Err(JoseError::Malformed("signature length does not fit alg"));
    }
    // The split guarantees at least one '.', so the last one ends the input.
    let end = token.rfind('.').unwrap_or(0);
    let signing_input = token.as_bytes().get(..end).unwrap_or_default().to_vec();
    Ok(ParsedJws { header, claims, signature, signing_input })
}

/// Checks a signature with the key `kid` names. `false` for an unknown
/// `kid` or an `alg` that key does not use, as well as for a bad signature.
pub trait Verifier {
    fn verify(&self, alg: Alg, kid: &str, signing_input: &[u8], signature: &[u8]) -> bool;
}

/// Signs with one key. Native only: the Worker signs through WebCrypto.
pub trait Signer {
    fn alg(&self) -> Alg;
    fn kid(&self) -> &str;
    fn sign(&self, signing_input: &[u8]) -> Vec<u8>;
}

/// Header from the signer, signing input, signature, compact token.
#[must_use]
pub fn sign_with(signer: &(impl Signer + ?Sized), typ: Option<&str>, claims: &Value) -> String {
    let input = signing_input(&Header::new(signer.alg(), signer.kid(), typ), claims);
    let signature = signer.sign(input.as_bytes());
    assemble(&input, &signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::test_keys::{self, JwksVerifier};
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    use serde_json::json;

    fn claims() -> Value {
        json!({"iss": "https://myapp.aero2.dev", "sub": "usr_1", "aud": "cli_1", "exp": 4_102_444_800_i64, "n": "é\"\\"})
    }

    fn raw(header: &str, payload: &str, signature: &[u8]) -> String {
        format!("{}.{}.{}", b64::encode(header), b64::encode(payload), b64::encode(signature))
    }

    #[test]
    fn header_encodes_in_a_stable_order_and_escapes() {
        assert_eq!(
            Header::new(Alg::ES256, "k1", Some("at+jwt")).to_json(),
            r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#
        );
        assert_eq!(Header::new(Alg::RS256, "k1", None).to_json(), r#"{"alg":"RS256","kid":"k1"}"#);
        let odd = Header::new(Alg::RS256, "a\"b\\c", Some("x\ny"));
        assert_eq!(Header::from_json(odd.to_json().as_bytes(), true).unwrap(), odd);
    }

    #[test]
    fn signing_input_is_the_two_encoded_segments() {
        let header = Header::new(Alg::ES256, "k1", None);
        let input = signing_input(&header, &json!({"a": 1}));
        assert_eq!(input, format!("{}.{}", b64::encode(r#"{"alg":"ES256","kid":"k1"}"#), b64::encode(r#"{"a":1}"#)));
        assert_eq!(assemble(&input, &[0xfb, 0xff]), format!("{input}.-_8"));
    }

    #[test]
    fn typ_compares_as_a_media_type() {
        let h = |t: &str| Header::new(Alg::ES256, "k", Some(t));
        assert!(h("at+jwt").typ_is("at+jwt"));
        assert!(h("AT+JWT").typ_is("at+jwt"));
        assert!(h("application/at+jwt").typ_is("at+jwt"));
        assert!(h("Application/At+Jwt").typ_is("at+jwt"));
        assert!(!h("JWT").typ_is("at+jwt"));
        assert!(!h("application/").typ_is("at+jwt"));
        assert!(!Header::new(Alg::ES256, "k", None).typ_is("at+jwt"));
    }

    #[test]
    fn our_tokens_parse_and_verify_with_our_keys() {
        let verifier = JwksVerifier::both();
        for signer in [&test_keys::rsa() as &dyn Signer, &test_keys::ec()] {
            let token = sign_with(signer, Some("at+jwt"), &claims());
            let parsed = parse(&token).unwrap();
            assert_eq!(parsed.header, Header::new(signer.alg(), signer.kid(), Some("at+jwt")));
            assert_eq!(parsed.claims, claims());
            assert_eq!(parsed.verify_with(&verifier), Ok(()));
            assert_eq!(token.rsplit_once('.').unwrap().0.as_bytes(), parsed.signing_input.as_slice());
        }
    }

    fn jsonwebtoken_validation(alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        // Deterministic tests: jsonwebtoken would read the system clock.
        v.validate_exp = false;
        v.required_spec_claims.clear();
        v.set_audience(&["cli_1"]);
        v.set_issuer(&["https://myapp.aero2.dev"]);
        v
    }

    #[test]
    fn jsonwebtoken_verifies_what_we_assemble() {
        let rsa = test_keys::rsa();
        let ec = test_keys::ec();
        let cases: [(&dyn Signer, DecodingKey, Algorithm); 2] =
            [(&rsa, rsa.decoding_key(), Algorithm::RS256), (&ec, ec.decoding_key(), Algorithm::ES256)];
        for (signer, key, alg) in cases {
            let token = sign_with(signer, Some("at+jwt"), &claims());
            let data = jsonwebtoken::decode::<Value>(&token, &key, &jsonwebtoken_validation(alg)).unwrap();
            assert_eq!(data.claims, claims());
            assert_eq!(data.header.kid.as_deref(), Some(signer.kid()));
            assert_eq!(data.header.typ.as_deref(), Some("at+jwt"));
        }
    }

    #[test]
    fn we_verify_what_jsonwebtoken_signs() {
        let rsa = test_keys::rsa();
        let ec = test_keys::ec();
        let verifier = JwksVerifier::both();
        for (kid, key, alg) in
            [(&rsa.kid, rsa.encoding_key(), Algorithm::RS256), (&ec.kid, ec.encoding_key(), Algorithm::ES256)]
        {
            let mut header = jsonwebtoken::Header::new(alg);
            header.kid = Some(kid.clone());
            let token = jsonwebtoken::encode(&header, &claims(), &key).unwrap();
            let parsed = parse(&token).unwrap();
            assert_eq!(parsed.header.typ.as_deref(), Some("JWT"));
            assert_eq!(parsed.claims, claims());
            assert_eq!(parsed.verify_with(&verifier), Ok(()));
        }
    }

    #[test]
    fn tampering_or_the_wrong_key_fails_verification() {
        let ec = test_keys::ec();
        let verifier = JwksVerifier::both();
        let token = sign_with(&ec, None, &claims());
        let (input, sig) = token.rsplit_once('.').unwrap();
        let forged = assemble(
            &signing_input(&Header::new(Alg::ES256, &ec.kid, None), &json!({"sub": "admin"})),
            &b64::decode(sig).unwrap(),
        );
        assert_eq!(parse(&forged).unwrap().verify_with(&verifier), Err(JoseError::BadSignature));

        // A kid we do not publish, and a kid whose key uses the other alg.
        let unknown =
            assemble(&signing_input(&Header::new(Alg::ES256, "other", None), &claims()), &b64::decode(sig).unwrap());
        assert_eq!(parse(&unknown).unwrap().verify_with(&verifier), Err(JoseError::BadSignature));
        let rsa_kid = test_keys::rsa().kid;
        let cross =
            assemble(&signing_input(&Header::new(Alg::ES256, &rsa_kid, None), &claims()), &ec.sign(input.as_bytes()));
        assert_eq!(parse(&cross).unwrap().verify_with(&verifier), Err(JoseError::BadSignature));
    }

    #[test]
    fn each_malformation_has_its_error() {
        let sig64 = [7u8; 64];
        let ok_header = r#"{"alg":"ES256","kid":"k"}"#;
        let cases: Vec<(String, JoseError)> = vec![
            ("a.b".into(), JoseError::Malformed("not three dot-separated segments")),
            ("a.b.c.d".into(), JoseError::Malformed("not three dot-separated segments")),
            ("a.b.c.d.e".into(), JoseError::Malformed("not three dot-separated segments")),
            ("x".repeat(MAX_TOKEN_LEN + 1), JoseError::TooLarge),
            (format!("eyJ=.{}", b64::encode("{}")), JoseError::Malformed("not three dot-separated segments")),
            (format!("e+J.{}.{}", b64::encode("{}"), b64::encode(sig64)), JoseError::Malformed("invalid base64url")),
            (raw("not json", "{}", &sig64), JoseError::Malformed("header is not JSON")),
            (raw("[]", "{}", &sig64), JoseError::Malformed("header is not a JSON object")),
            (raw(r#"{"kid":"k"}"#, "{}", &sig64), JoseError::Malformed("header has no alg")),
            (raw(r#"{"alg":256,"kid":"k"}"#, "{}", &sig64), JoseError::Malformed("header member is not a string")),
            (raw(r#"{"alg":"none","kid":"k"}"#, "{}", &sig64), JoseError::UnsupportedAlg),
            (raw(r#"{"alg":"HS256","kid":"k"}"#, "{}", &sig64), JoseError::UnsupportedAlg),
            (raw(r#"{"alg":"es256","kid":"k"}"#, "{}", &sig64), JoseError::UnsupportedAlg),
            (raw(r#"{"alg":"ES256","kid":"k","crit":["exp"]}"#, "{}", &sig64), JoseError::UnsupportedCritical),
            (raw(r#"{"alg":"ES256"}"#, "{}", &sig64), JoseError::MissingKid),
            (raw(r#"{"alg":"ES256","kid":""}"#, "{}", &sig64), JoseError::MissingKid),
            (
                raw(r#"{"alg":"ES256","kid":"k","typ":1}"#, "{}", &sig64),
                JoseError::Malformed("header member is not a string"),
            ),
            (raw(ok_header, "nope", &sig64), JoseError::Malformed("claims are not JSON")),
            (raw(ok_header, "[1]", &sig64), JoseError::Malformed("claims are not a JSON object")),
            (raw(ok_header, "\"sub\"", &sig64), JoseError::Malformed("claims are not a JSON object")),
            (raw(ok_header, "{}", &[]), JoseError::Malformed("signature is empty")),
            (raw(ok_header, "{}", &[7u8; 63]), JoseError::Malformed("signature length does not fit alg")),
            (
                format!("{}.{}.{}=", b64::encode(ok_header), b64::encode("{}"), b64::encode([7u8; 64])),
                JoseError::Malformed("invalid base64url"),
            ),
        ];
        for (token, want) in cases {
            assert_eq!(parse(&token), Err(want.clone()), "{want:?}: {token:.80}");
        }
        assert!(parse(&raw(ok_header, "{}", &sig64)).is_ok());
        assert!(parse(&raw(r#"{"alg":"RS256","kid":"k"}"#, "{}", &[1u8; 256])).is_ok());
    }

    #[test]
    fn the_size_bound_is_inclusive() {
        let header = b64::encode(r#"{"alg":"ES256","kid":"k"}"#);
        let sig = b64::encode([7u8; 64]);
        let token_with =
            |pad: usize| format!("{header}.{}.{sig}", b64::encode(format!(r#"{{"p":"{}"}}"#, "x".repeat(pad))));
        let mut pad = (MAX_TOKEN_LEN - header.len() - sig.len()) * 3 / 4 - 16;
        while token_with(pad + 1).len() <= MAX_TOKEN_LEN {
            pad += 1;
        }
        let largest = token_with(pad);
        assert!(largest.len() > MAX_TOKEN_LEN - 4, "{}", largest.len());
        assert!(parse(&largest).is_ok());
        assert_eq!(parse(&token_with(pad + 1)), Err(JoseError::TooLarge));
    }
}

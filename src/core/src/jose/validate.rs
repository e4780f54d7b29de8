//! Checking the claims of tokens we issued, once their signature verified.
//!
//! Access tokens (RFC 9068 §4), in this order, each failure its own error:
//!
//! | step | check                                              | error                 |
//! |------|----------------------------------------------------|-----------------------|
//! | 1    | header `typ` is `at+jwt` (§2.1)                    | `WrongType`           |
//! | 2    | `iss` is this issuer                               | `WrongIssuer`         |
//! | 3    | required claims present, every claim well typed    | `Missing`/`InvalidClaim` |
//! | 4    | `exp` not past, beyond leeway (RFC 7519 §4.1.4)    | `Expired`             |
//! | 5    | `nbf`, `iat` not in the future, beyond leeway      | `NotYetValid`         |
//!
//! The audience is the resource server's to check, with
//! [`AccessTokenClaims::check_audience`].
//!
//! An `id_token_hint` (RP-Initiated Logout 1.0 §2) gets the same issuer and
//! type checks but not expiry: the spec asks the OP to accept an expired ID
//! token as a hint, since the RP often logs out long after it was issued.

use crate::jose::claims::{AccessTokenClaims, Audience, ACCESS_TOKEN_TYP};
use crate::jose::jws::Header;
use crate::jose::JoseError;
use crate::time::UnixMillis;
use serde_json::{Map, Value};

/// Clock skew tolerated between isolates, for callers without a reason to
/// pick another (RFC 7519 §4.1.4: "a few minutes" at most).
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

pub fn validate_access_token(
    claims: &Value,
    header: &Header,
    expected_issuer: &str,
    now: UnixMillis,
    leeway_secs: i64,
) -> Result<AccessTokenClaims, JoseError> {
    // RFC 9068 §4: "application/at+jwt" is the same type (RFC 7515 §4.1.9).
    if !header.typ_is(ACCESS_TOKEN_TYP) {
        return Err(JoseError::WrongType);
    }
    let c = object(claims)?;
    check_issuer(c, expected_issuer)?;
    let at = AccessTokenClaims {
        iss: expected_issuer.to_owned(),
        sub: required_str(c, "sub")?,
        aud: audience(c)?,
        exp: required_time(c, "exp")?,
        iat: required_time(c, "iat")?,
        nbf: optional_time(c, "nbf")?,
        jti: required_str(c, "jti")?,
        client_id: required_str(c, "client_id")?,
        scope: optional_str(c, "scope")?,
        auth_time: optional_time(c, "auth_time")?,
        acr: optional_str(c, "acr")?,
        amr: optional_str_array(c, "amr")?,
        org_id: optional_str(c, "org_id")?,
    };
    let leeway_ms = leeway_secs.max(0).saturating_mul(1000);
    if now.0 >= secs_to_ms(at.exp).saturating_add(leeway_ms) {
        return Err(JoseError::Expired);
    }
    check_not_in_future(now, leeway_ms, at.nbf)?;
    check_not_in_future(now, leeway_ms, Some(at.iat))?;
    Ok(at)
}

/// What the logout endpoint needs from an `id_token_hint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenHint {
    pub sub: String,
    /// The RP the ID token was issued to: its `azp`, else its one `aud`.
    pub client_id: String,
    pub sid: Option<String>,
}

/// Checks an `id_token_hint` whose signature verified. Expiry is NOT
/// enforced (RP-Initiated Logout 1.0 §2); an `iat` or `nbf` in the future
/// still is, with [`DEFAULT_LEEWAY_SECS`], since we would never have issued it.
pub fn validate_id_token_hint(
    claims: &Value,
    header: &Header,
    expected_issuer: &str,
    now: UnixMillis,
) -> Result<IdTokenHint, JoseError> {
    // An access token is not an ID token (RFC 9068 §2.1, RFC 8725 §3.11):
    // ours carry no `typ` or `JWT`, access tokens carry `at+jwt`.
    if header.typ.is_some() && !header.typ_is("jwt") {
        return Err(JoseError::WrongType);
    }
    let c = object(claims)?;
    check_issuer(c, expected_issuer)?;
    let sub = required_str(c, "sub")?;
    let aud = audience(c)?;
    let azp = optional_str(c, "azp")?;
    let sid = optional_str(c, "sid")?;
    let leeway_ms = DEFAULT_LEEWAY_SECS.saturating_mul(1000);
    check_not_in_future(now, leeway_ms, optional_time(c, "nbf")?)?;
    check_not_in_future(now, leeway_ms, optional_time(c, "iat")?)?;
    // OIDC Core §2: `azp` names the party the token was issued to and must
    // be one of the audiences; without it, the audience must be one party.
    let client_id = match (azp, aud) {
        (Some(azp), aud) if aud.contains(&azp) => azp,
        (Some(_), _) => return Err(JoseError::WrongAudience),
        (None, Audience::One(one)) => one,
        (None, Audience::Many(many)) => match <[String; 1]>::try_from(many) {
            Ok([one]) => one,
            Err(_) => return Err(JoseError::MissingClaim("azp")),
        },
    };
    Ok(IdTokenHint { sub, client_id, sid })
}

/// Checks an upstream provider's ID token whose signature verified, per
/// OIDC Core §3.1.3.7: `iss` is one of `issuers` (exactly), `aud` names
/// `client_id` and, if it names others too, `azp` is `client_id`; `exp` not
/// past and `iat` not in the future (beyond the leeway); `nonce` is the one
/// we sent (§3.1.3.7 step 11, required since we always send one); `sub` a
/// non-empty string of at most 255 characters (§2). Returns the claims.
pub fn validate_upstream_id_token<'a>(
    claims: &'a Value,
    issuers: &[&str],
    client_id: &str,
    nonce: &str,
    now: UnixMillis,
    leeway_secs: i64,
) -> Result<&'a Map<String, Value>, JoseError> {
    let c = object(claims)?;
    let iss = required_str(c, "iss")?;
    if !issuers.contains(&iss.as_str()) {
        return Err(JoseError::WrongIssuer);
    }
    let sub = required_str(c, "sub")?;
    if sub.chars().count() > 255 {
        return Err(JoseError::InvalidClaim("sub"));
    }
    let aud = audience(c)?;
    if !aud.contains(client_id) {
        return Err(JoseError::WrongAudience);
    }
    let azp = optional_str(c, "azp")?;
    if azp.as_deref().is_some_and(|a| a != client_id) || (aud.iter().count() > 1 && azp.is_none()) {
        return Err(JoseError::WrongAudience);
    }
    let exp = required_time(c, "exp")?;
    let iat = required_time(c, "iat")?;
    let leeway_ms = leeway_secs.max(0).saturating_mul(1000);
    if now.0 >= secs_to_ms(exp).saturating_add(leeway_ms) {
        return Err(JoseError::Expired);
    }
    check_not_in_future(now, leeway_ms, Some(iat))?;
    check_not_in_future(now, leeway_ms, optional_time(c, "nbf")?)?;
    match optional_str(c, "nonce")? {
        Some(n) if crate::secret::constant_time_eq(n.as_bytes(), nonce.as_bytes()) => Ok(c),
        Some(_) => Err(JoseError::InvalidClaim("nonce")),
        None => Err(JoseError::MissingClaim("nonce")),
    }
}

fn object(claims: &Value) -> Result<&Map<String, Value>, JoseError> {
    claims.as_object().ok_or(JoseError::Malformed("claims are not a JSON object"))
}

fn check_issuer(c: &Map<String, Value>, expected: &str) -> Result<(), JoseError> {
    // Exact string comparison, no normalisation (OIDC Core §3.1.3.7 step 2).
    if required_str(c, "iss")? == expected {
        Ok(())
    } else {
        Err(JoseError::WrongIssuer)
    }
}

fn check_not_in_future(now: UnixMillis, leeway_ms: i64, at: Option<i64>) -> Result<(), JoseError> {
    match at {
        Some(secs) if secs_to_ms(secs) > now.0.saturating_add(leeway_ms) => Err(JoseError::NotYetValid),
        _ => Ok(()),
    }
}

fn secs_to_ms(secs: i64) -> i64 {
    secs.saturating_mul(1000)
}

fn required_str(c: &Map<String, Value>, name: &'static str) -> Result<String, JoseError> {
    optional_str(c, name)?.ok_or(JoseError::MissingClaim(name))
}

/// Present means a non-empty string: an empty `sub` or `client_id` names
/// no one and must not match anything.
fn optional_str(c: &Map<String, Value>, name: &'static str) -> Result<Option<String>, JoseError> {
    match c.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(JoseError::InvalidClaim(name)),
    }
}

fn optional_str_array(c: &Map<String, Value>, name: &'static str) -> Result<Option<Vec<String>>, JoseError> {
    let Some(v) = c.get(name) else { return Ok(None) };
    let items = v.as_array().ok_or(JoseError::InvalidClaim(name))?;
    items
        .iter()
        .map(|i| i.as_str().map(str::to_owned).ok_or(JoseError::InvalidClaim(name)))
        .collect::<Result<_, _>>()
        .map(Some)
}

fn audience(c: &Map<String, Value>) -> Result<Audience, JoseError> {
    match c.get("aud") {
        None => Err(JoseError::MissingClaim("aud")),
        Some(Value::String(s)) if !s.is_empty() => Ok(Audience::One(s.clone())),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().filter(|s| !s.is_empty()).map(str::to_owned).ok_or(JoseError::InvalidClaim("aud")))
            .collect::<Result<_, _>>()
            .map(Audience::Many),
        Some(_) => Err(JoseError::InvalidClaim("aud")),
    }
}

fn required_time(c: &Map<String, Value>, name: &'static str) -> Result<i64, JoseError> {
    optional_time(c, name)?.ok_or(JoseError::MissingClaim(name))
}

/// NumericDate (RFC 7519 §2) may be fractional; we keep whole seconds.
fn optional_time(c: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, JoseError> {
    let Some(v) = c.get(name) else { return Ok(None) };
    let secs = v.as_i64().or_else(|| v.as_f64().map(|f| f.floor() as i64)).ok_or(JoseError::InvalidClaim(name))?;
    Ok(Some(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::claims::IdTokenClaims;
    use crate::jose::jws::{self, Signer};
    use crate::jose::test_keys::{self, JwksVerifier};
    use crate::jose::Alg;
    use serde_json::json;

    const ISS: &str = "https://myapp.aero2.dev";
    /// 2023-11-14T22:13:20Z, in whole seconds and as the core's clock value.
    const NOW_SECS: i64 = 1_700_000_000;
    const NOW: UnixMillis = UnixMillis(NOW_SECS * 1000);
    const LEEWAY: i64 = 30;

    #[test]
    fn upstream_id_tokens_are_checked_per_oidc_core_3_1_3_7() {
        let good = json!({"iss": "https://up.example", "sub": "u1", "aud": "cid", "exp": NOW_SECS + 60, "iat": NOW_SECS, "nonce": "n1"});
        let check = |c: &Value| validate_upstream_id_token(c, &["https://up.example"], "cid", "n1", NOW, LEEWAY).map(|_| ());
        assert_eq!(check(&good), Ok(()));
        let with = |k: &str, v: Value| {
            let mut c = good.clone();
            c[k] = v;
            c
        };
        assert_eq!(check(&with("iss", json!("https://evil.example"))), Err(JoseError::WrongIssuer));
        assert_eq!(check(&with("aud", json!("other"))), Err(JoseError::WrongAudience));
        assert_eq!(check(&with("aud", json!(["cid", "other"]))), Err(JoseError::WrongAudience));
        let mut many = with("aud", json!(["cid", "other"]));
        many["azp"] = json!("cid");
        assert_eq!(check(&many), Ok(()));
        assert_eq!(check(&with("azp", json!("other"))), Err(JoseError::WrongAudience));
        assert_eq!(check(&with("exp", json!(NOW_SECS - LEEWAY - 1))), Err(JoseError::Expired));
        assert_eq!(check(&with("iat", json!(NOW_SECS + LEEWAY + 5))), Err(JoseError::NotYetValid));
        assert_eq!(check(&with("nonce", json!("n2"))), Err(JoseError::InvalidClaim("nonce")));
        let mut no_nonce = good.clone();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(check(&no_nonce), Err(JoseError::MissingClaim("nonce")));
        assert_eq!(check(&with("sub", json!(""))), Err(JoseError::InvalidClaim("sub")));
        assert_eq!(check(&with("sub", json!("x".repeat(256)))), Err(JoseError::InvalidClaim("sub")));
    }

    fn at_header() -> Header {
        Header::new(Alg::ES256, "k", Some(ACCESS_TOKEN_TYP))
    }

    fn at_claims() -> Value {
        json!({
            "iss": ISS, "sub": "usr_1", "aud": "https://api.example.com", "exp": NOW_SECS + 600,
            "iat": NOW_SECS, "jti": "jti_1", "client_id": "cli_1", "scope": "openid email"
        })
    }

    fn with(base: Value, name: &str, value: Value) -> Value {
        let mut c = base;
        c[name] = value;
        c
    }

    fn without(base: Value, name: &str) -> Value {
        let mut c = base;
        c.as_object_mut().unwrap().remove(name);
        c
    }

    fn check(claims: &Value) -> Result<AccessTokenClaims, JoseError> {
        validate_access_token(claims, &at_header(), ISS, NOW, LEEWAY)
    }

    #[test]
    fn a_good_access_token_validates_whole() {
        let at = check(&at_claims()).unwrap();
        assert_eq!(at.to_json(), at_claims());
        assert_eq!(at.scopes().collect::<Vec<_>>(), ["openid", "email"]);
        let full = with(
            with(with(with(at_claims(), "nbf", json!(NOW_SECS)), "auth_time", json!(NOW_SECS - 5)), "acr", json!("1")),
            "amr",
            json!(["pwd"]),
        );
        let at = check(&with(full.clone(), "aud", json!(["a", "b"]))).unwrap();
        assert_eq!(at.aud, Audience::Many(vec!["a".into(), "b".into()]));
        assert_eq!((at.nbf, at.auth_time, at.acr.as_deref()), (Some(NOW_SECS), Some(NOW_SECS - 5), Some("1")));
        assert_eq!(at.amr, Some(vec!["pwd".to_owned()]));
        assert_eq!(check(&without(at_claims(), "scope")).unwrap().scope, None);
    }

    #[test]
    fn the_header_must_say_at_jwt() {
        for typ in [None, Some("JWT"), Some("jwt"), Some("at+jwe"), Some("application/jwt")] {
            let header = Header::new(Alg::ES256, "k", typ);
            assert_eq!(
                validate_access_token(&at_claims(), &header, ISS, NOW, LEEWAY),
                Err(JoseError::WrongType),
                "{typ:?}"
            );
        }
        for typ in ["at+jwt", "AT+JWT", "application/at+jwt"] {
            let header = Header::new(Alg::RS256, "k", Some(typ));
            assert!(validate_access_token(&at_claims(), &header, ISS, NOW, LEEWAY).is_ok(), "{typ}");
        }
    }

    #[test]
    fn the_issuer_must_match_exactly() {
        assert_eq!(check(&without(at_claims(), "iss")), Err(JoseError::MissingClaim("iss")));
        assert_eq!(check(&with(at_claims(), "iss", json!(7))), Err(JoseError::InvalidClaim("iss")));
        for other in
            ["https://other.aero2.dev", "https://myapp.aero2.dev/", "https://MYAPP.aero2.dev", "http://myapp.aero2.dev"]
        {
            assert_eq!(check(&with(at_claims(), "iss", json!(other))), Err(JoseError::WrongIssuer), "{other}");
        }
    }

    #[test]
    fn each_required_claim_is_named_when_missing() {
        for name in ["sub", "aud", "exp", "iat", "jti", "client_id"] {
            assert_eq!(check(&without(at_claims(), name)), Err(JoseError::MissingClaim(name)), "{name}");
        }
        assert_eq!(check(&json!([])), Err(JoseError::Malformed("claims are not a JSON object")));
    }

    #[test]
    fn each_mistyped_claim_is_named() {
        let cases = [
            ("sub", json!(1)),
            ("sub", json!("")),
            ("aud", json!(5)),
            ("aud", json!("")),
            ("aud", json!([])),
            ("aud", json!(["a", 1])),
            ("aud", json!(["a", ""])),
            ("exp", json!("soon")),
            ("iat", json!(null)),
            ("nbf", json!(true)),
            ("jti", json!(["j"])),
            ("client_id", json!({})),
            ("scope", json!(["openid"])),
            ("auth_time", json!("yesterday")),
            ("acr", json!(1)),
            ("amr", json!("pwd")),
            ("amr", json!(["pwd", 2])),
        ];
        for (name, value) in cases {
            assert_eq!(
                check(&with(at_claims(), name, value.clone())),
                Err(JoseError::InvalidClaim(name)),
                "{name}: {value}"
            );
        }
    }

    #[test]
    fn expiry_honours_the_leeway_to_the_millisecond() {
        let exp = |secs: i64| with(at_claims(), "exp", json!(secs));
        // Valid while now < exp + leeway (RFC 7519 §4.1.4).
        assert!(check(&exp(NOW_SECS - LEEWAY + 1)).is_ok());
        assert_eq!(check(&exp(NOW_SECS - LEEWAY)), Err(JoseError::Expired));
        let one_ms_before = UnixMillis((NOW_SECS + LEEWAY) * 1000 - 1);
        assert!(validate_access_token(&exp(NOW_SECS), &at_header(), ISS, one_ms_before, LEEWAY).is_ok());
        assert_eq!(validate_access_token(&exp(NOW_SECS), &at_header(), ISS, NOW, 0), Err(JoseError::Expired));
        // A negative leeway is no leeway, not a shorter lifetime.
        assert!(validate_access_token(&exp(NOW_SECS + 1), &at_header(), ISS, NOW, -100).is_ok());
        // Fractional NumericDates count whole seconds.
        assert!(check(&with(at_claims(), "exp", json!(NOW_SECS as f64 + 600.5))).is_ok());
        assert_eq!(check(&exp(i64::MIN)), Err(JoseError::Expired));
    }

    #[test]
    fn nbf_and_iat_may_not_be_in_the_future() {
        for name in ["nbf", "iat"] {
            assert!(check(&with(at_claims(), name, json!(NOW_SECS + LEEWAY))).is_ok(), "{name}");
            assert_eq!(
                check(&with(at_claims(), name, json!(NOW_SECS + LEEWAY + 1))),
                Err(JoseError::NotYetValid),
                "{name}"
            );
        }
    }

    #[test]
    fn a_signed_access_token_survives_the_whole_path() {
        let ec = test_keys::ec();
        let token = jws::sign_with(&ec, Some(ACCESS_TOKEN_TYP), &at_claims());
        let parsed = jws::parse(&token).unwrap();
        parsed.verify_with(&JwksVerifier::both()).unwrap();
        let at = validate_access_token(&parsed.claims, &parsed.header, ISS, NOW, LEEWAY).unwrap();
        assert_eq!(at.client_id, "cli_1");
        assert_eq!(at.check_audience("https://api.example.com"), Ok(()));
    }

    fn id_claims() -> IdTokenClaims {
        IdTokenClaims {
            iss: ISS.into(),
            sub: "usr_1".into(),
            aud: "cli_1".into(),
            exp: NOW_SECS - 86_400 + 600,
            iat: NOW_SECS - 86_400,
            auth_time: NOW_SECS - 86_400,
            nonce: Some("n".into()),
            acr: None,
            amr: vec!["pwd".into()],
            azp: None,
            at_hash: None,
            sid: Some("sid_1".into()),
            profile: Map::new(),
        }
    }

    fn hint(claims: &Value, typ: Option<&str>) -> Result<IdTokenHint, JoseError> {
        validate_id_token_hint(claims, &Header::new(Alg::RS256, "k", typ), ISS, NOW)
    }

    #[test]
    fn an_expired_id_token_is_a_good_hint() {
        let rsa = test_keys::rsa();
        let token = jws::sign_with(&rsa, Some("JWT"), &id_claims().to_json());
        let parsed = jws::parse(&token).unwrap();
        parsed.verify_with(&JwksVerifier::both()).unwrap();
        assert_eq!(rsa.alg(), parsed.header.alg);
        let want = IdTokenHint { sub: "usr_1".into(), client_id: "cli_1".into(), sid: Some("sid_1".into()) };
        assert_eq!(validate_id_token_hint(&parsed.claims, &parsed.header, ISS, NOW), Ok(want.clone()));
        assert_eq!(hint(&id_claims().to_json(), None), Ok(want));
        let no_sid = hint(&without(id_claims().to_json(), "sid"), Some("jwt")).unwrap();
        assert_eq!(no_sid.sid, None);
    }

    #[test]
    fn an_access_token_is_not_an_id_token_hint() {
        assert_eq!(hint(&id_claims().to_json(), Some(ACCESS_TOKEN_TYP)), Err(JoseError::WrongType));
        assert_eq!(hint(&id_claims().to_json(), Some("application/at+jwt")), Err(JoseError::WrongType));
        assert_eq!(hint(&id_claims().to_json(), Some("logout+jwt")), Err(JoseError::WrongType));
    }

    #[test]
    fn a_hint_still_needs_our_issuer_a_subject_and_one_client() {
        let id = id_claims().to_json();
        assert_eq!(hint(&with(id.clone(), "iss", json!("https://evil.example")), None), Err(JoseError::WrongIssuer));
        assert_eq!(hint(&without(id.clone(), "iss"), None), Err(JoseError::MissingClaim("iss")));
        assert_eq!(hint(&without(id.clone(), "sub"), None), Err(JoseError::MissingClaim("sub")));
        assert_eq!(hint(&without(id.clone(), "aud"), None), Err(JoseError::MissingClaim("aud")));
        assert_eq!(hint(&with(id.clone(), "sid", json!(1)), None), Err(JoseError::InvalidClaim("sid")));
        assert_eq!(hint(&json!("x"), None), Err(JoseError::Malformed("claims are not a JSON object")));

        let many = with(id.clone(), "aud", json!(["cli_1", "cli_2"]));
        assert_eq!(hint(&many, None), Err(JoseError::MissingClaim("azp")));
        assert_eq!(hint(&with(many.clone(), "azp", json!("cli_2")), None).unwrap().client_id, "cli_2");
        assert_eq!(hint(&with(many, "azp", json!("cli_3")), None), Err(JoseError::WrongAudience));
        assert_eq!(hint(&with(id.clone(), "aud", json!(["cli_9"])), None).unwrap().client_id, "cli_9");
        assert_eq!(hint(&with(id.clone(), "azp", json!("cli_1")), None).unwrap().client_id, "cli_1");

        let future = NOW_SECS + DEFAULT_LEEWAY_SECS + 1;
        assert_eq!(hint(&with(id.clone(), "iat", json!(future)), None), Err(JoseError::NotYetValid));
        assert_eq!(hint(&with(id.clone(), "nbf", json!(future)), None), Err(JoseError::NotYetValid));
        assert!(hint(&with(id, "iat", json!(NOW_SECS + DEFAULT_LEEWAY_SECS)), None).is_ok());
    }
}

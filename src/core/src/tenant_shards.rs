//! Which of an application's `TenantApp` objects serves a request.
//!
//! One object per application is a ceiling for that application (a Durable
//! Object runs one request at a time). An application may therefore keep
//! its OAuth grants — authorization codes, grants, refresh-token families
//! and the records of the access tokens they issued — in `N` objects, its
//! *tenant shards* (an operator's setting, [`MAX_SHARDS`] at most):
//!
//! ```text
//!   shard 0, the home object (named by the application id): every page,
//!     session, sign-in, lockout, rate limit but the token endpoint's,
//!     consent, mail queue, the audit log — and a share of the grants
//!   shard k > 0 (named "<application id>:k"): a share of the grants
//! ```
//!
//! A grant is placed at random when its authorization code is issued, and
//! everything issued from it stays in that shard: the code, its refresh
//! tokens (the whole rotation family) and its access tokens. Each carries
//! its shard ([`tagged`]), so the front Worker sends the token endpoint,
//! UserInfo, introspection and revocation to the one object that knows the
//! credential ([`route`]) and single use, rotation and reuse detection stay
//! decisions of one object. `client_credentials` keeps no state and is
//! spread over every shard.
//!
//! The shard count only grows ([`check_growth`]): every credential's shard
//! exists for as long as the credential does, so routing never depends on
//! the count, only on the credential.

use crate::jose::b64;
use crate::oauth::discovery::{INTROSPECT_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH};
use crate::oauth::params::parse_form;

/// The most shards an application may have.
pub const MAX_SHARDS: u8 = 16;

/// The prefix of authorization codes.
pub const CODE_PREFIX: &str = "ac_";
/// The prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "rt_";

/// The name of shard `shard`'s object. Shard 0 keeps the name an
/// application's single object always had: its id.
#[must_use]
pub fn object_name(app_id: &str, shard: u8) -> String {
    if shard == 0 {
        app_id.to_owned()
    } else {
        format!("{app_id}:{shard}")
    }
}

/// A credential of shard `shard`: `prefix`, then `<shard>.` unless the
/// shard is 0 (so every credential issued before sharding, and every one of
/// an application with one shard, reads as shard 0), then `random`.
#[must_use]
pub fn tagged(prefix: &str, shard: u8, random: &str) -> String {
    if shard == 0 {
        format!("{prefix}{random}")
    } else {
        format!("{prefix}{shard}.{random}")
    }
}

/// The shard a credential made by [`tagged`] names, or `None` when it
/// names one that cannot exist (not a number, or past [`MAX_SHARDS`]).
#[must_use]
pub fn of(credential: &str, prefix: &str) -> Option<u8> {
    let rest = credential.strip_prefix(prefix).unwrap_or(credential);
    match rest.split_once('.') {
        None => Some(0),
        Some((shard, _)) => shard.parse::<u8>().ok().filter(|s| (1..MAX_SHARDS).contains(s)),
    }
}

/// The shard a JWT access token's `jti` names, read without checking its
/// signature: this is only where to send it, and the object it goes to
/// checks the token. `None` for what is not a JWT with a string `jti`.
#[must_use]
pub fn of_jwt(token: &str) -> Option<u8> {
    #[derive(serde::Deserialize)]
    struct Jti<'a> {
        #[serde(borrow)]
        jti: Option<std::borrow::Cow<'a, str>>,
    }
    let mut segments = token.split('.');
    let payload = b64::decode(segments.nth(1)?).ok()?;
    let claims: Jti<'_> = serde_json::from_slice(&payload).ok()?;
    of(&claims.jti?, "")
}

/// Where a new grant goes: one of `shards`, from a random byte.
#[must_use]
pub fn place(shards: u8, random: u8) -> u8 {
    random % shards.clamp(1, MAX_SHARDS)
}

/// What the front Worker knows of a request when it routes it.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
    /// A number that differs from request to request (the request id's
    /// hash), spreading requests that carry no credential.
    pub spread: u64,
}

/// The shard that serves `req` for an application with `shards` shards.
///
/// The token endpoint goes to the shard of the code or refresh token it
/// redeems (`client_credentials` to any of `shards`); UserInfo,
/// introspection and revocation to the shard of the token they name;
/// everything else home. The credential alone decides, not `shards`: a
/// front Worker's copy of the application may be up to a resolution's
/// lifetime older than a raised count, and the home object places grants
/// in the new shards at once. A credential naming a shard the application
/// never had reaches an object that knows nothing, and is refused as any
/// unknown credential is ([`MAX_SHARDS`] bounds those objects).
#[must_use]
pub fn route(shards: u8, req: &Request<'_>) -> u8 {
    if req.method != "POST" && req.method != "GET" {
        return 0;
    }
    let form = || if req.method == "POST" { parse_form(req.body).unwrap_or_default() } else { Vec::new() };
    // Read as the handler reads it (`oauth::params::Params::get`): empty
    // values count for nothing, and a repeated parameter is refused where
    // it is served — home.
    let param = |pairs: &[(String, String)], name: &str| -> Option<String> {
        let mut values = pairs.iter().filter(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.clone());
        let first = values.next();
        if values.next().is_some() { None } else { first }
    };
    let shard = match req.path {
        TOKEN_PATH if req.method == "POST" => {
            let pairs = form();
            match param(&pairs, "grant_type").as_deref() {
                Some("authorization_code") => param(&pairs, "code").and_then(|c| of(&c, CODE_PREFIX)),
                Some("refresh_token") => param(&pairs, "refresh_token").and_then(|t| of(&t, REFRESH_PREFIX)),
                Some("client_credentials") => u8::try_from(req.spread % u64::from(shards.clamp(1, MAX_SHARDS))).ok(),
                _ => None,
            }
        }
        INTROSPECT_PATH | REVOKE_PATH if req.method == "POST" => param(&form(), "token").and_then(|t| of_token(&t)),
        USERINFO_PATH => match req.authorization.and_then(bearer) {
            Some(token) => of_jwt(token),
            None => param(&form(), "access_token").and_then(|t| of_jwt(&t)),
        },
        _ => None,
    };
    shard.unwrap_or(0)
}

/// [`Request::spread`] of a request id (FNV-1a: cheap, and request ids
/// differ in their last characters).
#[must_use]
pub fn spread_of(request_id: &str) -> u64 {
    request_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The shard of a token named to introspection or revocation: a refresh
/// token, or a JWT access token.
#[must_use]
pub fn of_token(token: &str) -> Option<u8> {
    if token.starts_with(REFRESH_PREFIX) {
        of(token, REFRESH_PREFIX)
    } else {
        of_jwt(token)
    }
}

fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Why a new shard count is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not from 1 to [`MAX_SHARDS`].
    OutOfRange,
    /// Fewer than now: grants in the shards dropped could no longer be
    /// reached.
    Shrinks { current: u8 },
}

/// Checks a change of the shard count from `current` to `wanted`.
///
/// # Errors
/// [`Refused`] when `wanted` is out of range or smaller than `current`.
pub fn check_growth(current: u8, wanted: i64) -> Result<u8, Refused> {
    let wanted = u8::try_from(wanted).ok().filter(|n| (1..=MAX_SHARDS).contains(n)).ok_or(Refused::OutOfRange)?;
    if wanted < current {
        return Err(Refused::Shrinks { current });
    }
    Ok(wanted)
}

/// The default shard count, for `serde(default)`.
#[must_use]
pub fn one() -> u8 {
    1
}

/// Whether `n` is the default, for `serde(skip_serializing_if)`.
#[must_use]
#[allow(clippy::trivially_copy_pass_by_ref)]
pub fn is_one(n: &u8) -> bool {
    *n == 1
}

/// A token endpoint rate limit's share in each of `shards` objects: the
/// token endpoint runs in all of them, each counts exactly what it serves,
/// and the shares add up to no more than the limit — unless the limit is
/// below the number of shards, when each still allows one.
#[must_use]
pub fn share(max: u32, shards: u8) -> u32 {
    (max / u32::from(shards.max(1))).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::params::form_urlencode;

    fn jwt(claims: &str) -> String {
        format!("eyJhbGciOiJFUzI1NiJ9.{}.c2ln", crate::jose::b64::encode(claims.as_bytes()))
    }

    fn post<'a>(path: &'a str, body: &'a [u8]) -> Request<'a> {
        Request { method: "POST", path, authorization: None, body, spread: 7 }
    }

    #[test]
    fn names_keep_the_single_objects_name_for_shard_zero() {
        assert_eq!(object_name("app_1", 0), "app_1");
        assert_eq!(object_name("app_1", 3), "app_1:3");
    }

    #[test]
    fn tags_round_trip_and_untagged_credentials_are_home() {
        assert_eq!(tagged(CODE_PREFIX, 0, "ab12"), "ac_ab12");
        assert_eq!(tagged(CODE_PREFIX, 5, "ab12"), "ac_5.ab12");
        for shard in 0..MAX_SHARDS {
            assert_eq!(of(&tagged(REFRESH_PREFIX, shard, "ff00"), REFRESH_PREFIX), Some(shard));
            assert_eq!(of(&tagged("", shard, "ff00"), ""), Some(shard));
        }
        assert_eq!(of("rt_ff00", REFRESH_PREFIX), Some(0));
        assert_eq!(of("rt_16.ff00", REFRESH_PREFIX), None);
        assert_eq!(of("rt_0.ff00", REFRESH_PREFIX), None, "shard 0 is never tagged");
        assert_eq!(of("rt_x.ff00", REFRESH_PREFIX), None);
        assert_eq!(of("rt_-1.ff00", REFRESH_PREFIX), None);
    }

    #[test]
    fn jwt_shard_is_its_jti_s() {
        assert_eq!(of_jwt(&jwt(r#"{"jti":"3.abcd","sub":"u"}"#)), Some(3));
        assert_eq!(of_jwt(&jwt(r#"{"jti":"abcd"}"#)), Some(0));
        assert_eq!(of_jwt(&jwt(r#"{"jti":7}"#)), None);
        assert_eq!(of_jwt(&jwt(r#"{"sub":"u"}"#)), None);
        assert_eq!(of_jwt("not-a-jwt"), None);
        assert_eq!(of_jwt("a.!!!.c"), None);
    }

    #[test]
    fn placement_covers_every_shard_and_only_those() {
        let placed: std::collections::BTreeSet<u8> = (0..=255).map(|r| place(3, r)).collect();
        assert_eq!(placed.into_iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!((0..=255).all(|r| place(1, r) == 0));
        assert!((0..=255).all(|r| place(0, r) == 0));
    }

    #[test]
    fn token_requests_go_to_their_credential_s_shard() {
        let code = form_urlencode(&[("grant_type", "authorization_code"), ("code", "ac_2.abcd"), ("redirect_uri", "x")]);
        assert_eq!(route(3, &post(TOKEN_PATH, code.as_bytes())), 2);
        let refresh = form_urlencode(&[("grant_type", "refresh_token"), ("refresh_token", "rt_1.abcd")]);
        assert_eq!(route(3, &post(TOKEN_PATH, refresh.as_bytes())), 1);
        let cc = form_urlencode(&[("grant_type", "client_credentials")]);
        let spread: std::collections::BTreeSet<u8> =
            (0..9).map(|s| route(3, &Request { spread: s, ..post(TOKEN_PATH, cc.as_bytes()) })).collect();
        assert_eq!(spread.len(), 3, "client_credentials is spread over every shard");
        // A copy of the application from before its count was raised still
        // sends a credential to its shard.
        assert_eq!(route(1, &post(TOKEN_PATH, code.as_bytes())), 2);
        assert_eq!(route(1, &post(TOKEN_PATH, cc.as_bytes())), 0);
    }

    #[test]
    fn an_impossible_shard_or_a_doubtful_request_goes_home() {
        let past = form_urlencode(&[("grant_type", "authorization_code"), ("code", "ac_16.abcd")]);
        assert_eq!(route(3, &post(TOKEN_PATH, past.as_bytes())), 0);
        let twice = form_urlencode(&[("grant_type", "refresh_token"), ("refresh_token", "rt_1.a"), ("refresh_token", "rt_2.b")]);
        assert_eq!(route(3, &post(TOKEN_PATH, twice.as_bytes())), 0);
        // An empty copy is no copy, for the handler as for the route.
        let empty = form_urlencode(&[("token", "rt_2.ab"), ("token", "")]);
        assert_eq!(route(3, &post(REVOKE_PATH, empty.as_bytes())), 2);
        assert_eq!(route(3, &post(TOKEN_PATH, b"%zz")), 0);
        assert_eq!(route(3, &post("/oauth2/authorize", b"code=ac_2.x")), 0);
        assert_eq!(route(3, &Request { method: "PUT", ..post(TOKEN_PATH, b"grant_type=refresh_token&refresh_token=rt_1.a") }), 0);
    }

    #[test]
    fn bearer_requests_go_to_their_token_s_shard() {
        let token = jwt(r#"{"jti":"2.abcd"}"#);
        let header = format!("Bearer {token}");
        let get = Request { method: "GET", path: USERINFO_PATH, authorization: Some(&header), body: b"", spread: 0 };
        assert_eq!(route(3, &get), 2);
        let body = form_urlencode(&[("access_token", &token)]);
        assert_eq!(route(3, &post(USERINFO_PATH, body.as_bytes())), 2);
        let introspect = form_urlencode(&[("token", &token), ("token_type_hint", "access_token")]);
        assert_eq!(route(3, &post(INTROSPECT_PATH, introspect.as_bytes())), 2);
        let revoke = form_urlencode(&[("token", "rt_1.ab")]);
        assert_eq!(route(3, &post(REVOKE_PATH, revoke.as_bytes())), 1);
    }

    #[test]
    fn consecutive_request_ids_spread_over_every_shard() {
        let ids = (1..=30u64).map(|n| format!("5f3a9c0d1e2b4a67{n:016x}"));
        let shards: std::collections::BTreeSet<u64> = ids.map(|id| spread_of(&id) % 3).collect();
        assert_eq!(shards.len(), 3);
    }

    #[test]
    fn the_count_only_grows_within_range() {
        assert_eq!(check_growth(1, 3), Ok(3));
        assert_eq!(check_growth(3, 3), Ok(3));
        assert_eq!(check_growth(3, 2), Err(Refused::Shrinks { current: 3 }));
        assert_eq!(check_growth(1, 0), Err(Refused::OutOfRange));
        assert_eq!(check_growth(1, 17), Err(Refused::OutOfRange));
        assert_eq!(check_growth(1, -1), Err(Refused::OutOfRange));
    }

    #[test]
    fn shares_never_add_up_past_the_limit() {
        for shards in 1..=MAX_SHARDS {
            for max in [1, 5, 100, 6_000] {
                let each = share(max, shards);
                assert!(each >= 1);
                assert!(each * u32::from(shards) <= max.max(u32::from(shards)));
            }
        }
        assert_eq!(share(6_000, 1), 6_000);
        assert_eq!(share(6_000, 4), 1_500);
    }
}

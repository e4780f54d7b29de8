//! Each rule with a fixed clock, then whole flows in memory (authorize →
//! code → token → refresh → reuse → revoke) through [`Pair`]: an
//! authorization server's shell in a few lines, applying every decision's
//! writes the way the Durable Object does.

use super::*;
use crate::oauth::pkce::s256_challenge;
use std::collections::{BTreeMap, BTreeSet};
use crate::oauth::lifetimes::ACCESS_TOKEN_TTL_SECS;

const T0: UnixMillis = UnixMillis(1_700_000_000_000);
const CLIENT: &str = "cl_web";
const REDIRECT: &str = "https://app.example/cb";
const LEEWAY: i64 = 10_000;
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn scope(s: &str) -> Scope {
    Scope::parse(s).unwrap()
}

fn auth() -> AuthContext {
    AuthContext { auth_time: T0.as_secs(), amr: vec!["pwd".into()], acr: None, sid: Some("sid_1".into()) }
}

fn request(scope_str: &str) -> AuthorizationRequest {
    AuthorizationRequest {
        client_id: CLIENT.into(),
        redirect_uri: REDIRECT.into(),
        scope: scope(scope_str),
        state: Some("st".into()),
        nonce: Some("n-0S6_WzA2Mj".into()),
        code_challenge: Some(CodeChallenge::try_from(s256_challenge(VERIFIER)).unwrap()),
        prompt: Default::default(),
        max_age: None,
        login_hint: None,
        ui_locales: None,
        requested_at: T0,
        resource: None,
        acr_values: Vec::new(),
        organization: None,
    }
}

/// What a client holds after a token response.
#[derive(Debug, Clone)]
struct Tokens {
    access_jti: String,
    refresh: Option<String>,
}

/// Another request, run at an await of this one.
type Meanwhile = Box<dyn FnOnce(&mut Pair)>;

/// The authorization server's state and its shell, in memory.
#[derive(Default)]
struct Pair {
    now: UnixMillis,
    codes: BTreeMap<String, CodeRecord>,
    grants: BTreeMap<String, GrantRecord>,
    refresh: BTreeMap<String, RefreshRecord>,
    /// Refresh digest → the access token issued beside it.
    issued_with: BTreeMap<String, String>,
    access: BTreeMap<String, String>,
    revoked_access: BTreeSet<String>,
    disabled: BTreeSet<String>,
    ids: u32,
    /// Runs between the first decision and the second (another request
    /// that got in while this one awaited the signer).
    meanwhile: Option<Meanwhile>,
}

impl Pair {
    fn new() -> Self {
        Pair { now: T0, ..Pair::default() }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.ids += 1;
        format!("{prefix}_{}", self.ids)
    }

    fn apply(&mut self, writes: Vec<Write>) {
        let now = self.now;
        for w in writes {
            match w {
                Write::RedeemCode { code_hash, grant_id } => {
                    let code = self.codes.get_mut(&code_hash).unwrap();
                    if code.redeemed_at.is_none() {
                        code.redeemed_at = Some(now);
                        code.grant_id = Some(grant_id);
                    }
                }
                Write::CreateGrant(g) => {
                    self.grants.insert(g.id.clone(), g);
                }
                Write::RevokeGrant { grant_id } => {
                    if let Some(g) = self.grants.get_mut(&grant_id) {
                        g.revoked_at.get_or_insert(now);
                    }
                    self.refresh.retain(|_, r| r.grant_id != grant_id);
                }
                Write::PutRefresh(n) => self.put_refresh(n),
                Write::SwitchOrganization { grant_id, organization } => {
                    self.grants.get_mut(&grant_id).unwrap().organization = Some(organization);
                }
                Write::RotateRefresh { from, replaces, to } => {
                    if let Some(old) = replaces {
                        if let Some(jti) = self.issued_with.get(&old) {
                            self.revoked_access.insert(jti.clone());
                        }
                        self.refresh.get_mut(&old).unwrap().replaced_at = Some(now);
                    }
                    let presented = self.refresh.get_mut(&from).unwrap();
                    presented.rotated_at.get_or_insert(now);
                    presented.successor = Some(to.token_hash.clone());
                    self.put_refresh(to);
                }
                Write::BindAccessToken { jti, grant_id, .. } => {
                    self.access.insert(jti, grant_id);
                }
            }
        }
    }

    fn put_refresh(&mut self, n: NewRefresh) {
        self.issued_with.insert(n.token_hash.clone(), n.access_jti);
        let record = RefreshRecord { grant_id: n.grant_id, expires_at: n.expires_at, rotated_at: None, successor: None, replaced_at: None };
        self.refresh.insert(n.token_hash, record);
    }

    fn authorize(&mut self, scope_str: &str, user: &str) -> String {
        let code = self.id("ac");
        let record = CodeRecord {
            grant: CodeGrant::new(&request(scope_str), user, &auth()),
            expires_at: self.now.plus_millis(60_000),
            redeemed_at: None,
            grant_id: None,
        };
        self.codes.insert(code.clone(), record);
        code
    }

    /// Signing: the ids the shell mints for what it issues.
    fn sign(&mut self, issue: &Issue) -> (Tokens, Minted) {
        let access_jti = self.id("jti");
        let refresh = issue.refresh.then(|| self.id("rt"));
        (Tokens { access_jti: access_jti.clone(), refresh: refresh.clone() }, Minted { access_jti, access_ttl_secs: ACCESS_TOKEN_TTL_SECS, refresh_hash: refresh })
    }

    fn meanwhile(&mut self) {
        if let Some(f) = self.meanwhile.take() {
            f(self);
        }
    }

    /// The token endpoint with `grant_type=authorization_code`.
    fn redeem(&mut self, code: &str, verifier: &str) -> Result<Tokens, OAuthError> {
        let verifier = CodeVerifier::parse(verifier).unwrap();
        let r = CodeRedemption { client_id: CLIENT, redirect_uri: REDIRECT, verifier: Some(&verifier), resource: None };
        let cg = match redeem(self.codes.get(code), &r, self.now) {
            Ok(cg) => cg.clone(),
            Err(rej) => return Err(self.reject(rej)),
        };
        let grant_id = self.id("gr");
        let issue = match issue_for_code(code, &cg, !self.disabled.contains(&cg.user_id), grant_id, true, self.now) {
            Ok(i) => i,
            Err(rej) => return Err(self.reject(rej)),
        };
        let (tokens, minted) = self.sign(&issue);
        self.meanwhile();
        if let Err(rej) = redeem(self.codes.get(code), &r, self.now) {
            return Err(self.reject(rej));
        }
        self.apply(issue.writes(&minted, self.now));
        Ok(tokens)
    }

    /// The token endpoint with `grant_type=refresh_token`.
    fn refresh(&mut self, rt: &str, narrower: Option<&str>) -> Result<Tokens, OAuthError> {
        let narrower = narrower.map(scope);
        let r = RefreshRequest { client_id: CLIENT, scope: narrower.as_ref(), leeway_ms: LEEWAY, resource: None, organization: None };
        let rotating = match self.decide_rotation(rt, &r) {
            Ok(rot) => rot,
            Err(rej) => return Err(self.reject(rej)),
        };
        let active = !self.disabled.contains(&rotating.grant.user_id);
        let issue = match rotating.issue(active) {
            Ok(i) => i,
            Err(rej) => return Err(self.reject(rej)),
        };
        let (tokens, minted) = self.sign(&issue);
        self.meanwhile();
        // The writes are the second decision's: a rotation made meanwhile
        // turns this one into a replacement.
        let last = match self.decide_rotation(rt, &r).and_then(|rot| rot.issue(true)) {
            Ok(last) => last,
            Err(rej) => return Err(self.reject(rej)),
        };
        assert_eq!((&last.grant, &last.scope), (&issue.grant, &issue.scope), "what was signed");
        self.apply(last.writes(&minted, self.now));
        Ok(tokens)
    }

    fn decide_rotation(&self, rt: &str, r: &RefreshRequest<'_>) -> Result<Rotating, Rejection> {
        let token = self.refresh.get(rt);
        let successor = token.and_then(|t| t.successor.as_ref()).and_then(|s| self.refresh.get(s));
        let grant = token.and_then(|t| self.grants.get(&t.grant_id));
        rotate(rt, token, successor, grant, r, self.now)
    }

    fn revoke(&mut self, token: &str, client_id: &str) {
        let record = self.refresh.get(token);
        let grant = record.and_then(|t| self.grants.get(&t.grant_id));
        if let Some(writes) = revoke_refresh(record, grant, client_id, self.now) {
            self.apply(writes);
        }
    }

    fn reject(&mut self, rej: Rejection) -> OAuthError {
        self.apply(rej.writes);
        rej.error
    }

    fn access_live(&self, jti: &str) -> bool {
        !self.revoked_access.contains(jti) && self.access.get(jti).and_then(|g| self.grants.get(g)).is_some_and(|g| g.revoked_at.is_none())
    }

    fn grant_of(&self, t: &Tokens) -> &GrantRecord {
        &self.grants[&self.access[&t.access_jti]]
    }
}

fn is_invalid_grant(r: &Result<Tokens, OAuthError>) -> bool {
    matches!(r, Err(OAuthError::InvalidGrant(_)))
}

// --------------------------------------------------------------- whole flows

#[test]
fn authorize_code_token_refresh_reuse_revoke() {
    let mut p = Pair::new();
    let code = p.authorize("openid offline_access", "u_1");
    let first = p.redeem(&code, VERIFIER).unwrap();
    let grant = p.grant_of(&first).clone();
    assert_eq!(grant.auth, auth(), "the session's authentication reaches the grant");
    assert_eq!(grant.user_id, "u_1");
    let rt1 = first.refresh.clone().unwrap();

    // A rotation: a new refresh token under the same grant.
    p.now = p.now.plus_millis(60_000);
    let second = p.refresh(&rt1, None).unwrap();
    let rt2 = second.refresh.clone().unwrap();
    assert_eq!(p.grant_of(&second).id, grant.id);
    assert!(p.access_live(&first.access_jti) && p.access_live(&second.access_jti));

    // rt2 is used, so rt1 showing up again is theft: the family goes.
    let third = p.refresh(&rt2, None).unwrap();
    assert!(is_invalid_grant(&p.refresh(&rt1, None)));
    for t in [&first, &second, &third] {
        assert!(!p.access_live(&t.access_jti), "every access token of the family is revoked");
    }
    assert!(is_invalid_grant(&p.refresh(third.refresh.as_ref().unwrap(), None)), "the newest refresh token too");
}

#[test]
fn a_code_works_once_and_its_replay_revokes_what_it_issued() {
    let mut p = Pair::new();
    let code = p.authorize("openid offline_access", "u_1");
    let tokens = p.redeem(&code, VERIFIER).unwrap();
    assert!(is_invalid_grant(&p.redeem(&code, VERIFIER)));
    assert!(!p.access_live(&tokens.access_jti));
    assert!(is_invalid_grant(&p.refresh(tokens.refresh.as_ref().unwrap(), None)));
}

#[test]
fn a_redemption_that_lost_the_race_writes_nothing_and_revokes_the_winner() {
    let mut p = Pair::new();
    let code = p.authorize("openid offline_access", "u_1");
    let code2 = code.clone();
    // Another request redeems the same code while this one signs.
    p.meanwhile = Some(Box::new(move |p: &mut Pair| {
        p.redeem(&code2, VERIFIER).unwrap();
    }));
    assert!(is_invalid_grant(&p.redeem(&code, VERIFIER)));
    assert_eq!(p.grants.len(), 1, "only the winner's grant was created");
    assert!(p.grants.values().all(|g| g.revoked_at.is_some()), "and the replay revoked it");
}

#[test]
fn a_lost_answer_is_retried_within_the_leeway_and_theft_is_still_caught() {
    let mut p = Pair::new();
    let code = p.authorize("offline_access", "u_1");
    let rt1 = p.redeem(&code, VERIFIER).unwrap().refresh.unwrap();
    let lost = p.refresh(&rt1, None).unwrap();
    // The answer never arrived; the client retries with rt1.
    p.now = p.now.plus_millis(LEEWAY - 1);
    let retry = p.refresh(&rt1, None).unwrap();
    assert!(!p.access_live(&lost.access_jti), "the unused successor's access token is revoked");
    assert!(p.access_live(&retry.access_jti));
    // Whoever holds the lost successor is a thief now.
    assert!(is_invalid_grant(&p.refresh(lost.refresh.as_ref().unwrap(), None)));
    assert!(!p.access_live(&retry.access_jti), "and the family is gone");
}

#[test]
fn a_rotation_that_lost_the_race_changes_nothing() {
    let mut p = Pair::new();
    let code = p.authorize("offline_access", "u_1");
    let rt1 = p.redeem(&code, VERIFIER).unwrap().refresh.unwrap();
    let winner = rt1.clone();
    p.meanwhile = Some(Box::new(move |p: &mut Pair| {
        let next = p.refresh(&winner, None).unwrap();
        // …and its successor is used at once: rt1 is no retry any more.
        p.refresh(next.refresh.as_ref().unwrap(), None).unwrap();
    }));
    assert!(is_invalid_grant(&p.refresh(&rt1, None)));
    assert!(p.refresh.is_empty(), "the second decision saw the reuse and revoked the family");
}

#[test]
fn concurrent_rotations_leave_exactly_one_live_successor() {
    let mut p = Pair::new();
    let code = p.authorize("offline_access", "u_1");
    let rt1 = p.redeem(&code, VERIFIER).unwrap().refresh.unwrap();
    let same = rt1.clone();
    let other = std::rc::Rc::new(std::cell::RefCell::new(None));
    let seen = other.clone();
    // A second copy of the same request (a client retrying at once) rotates
    // rt1 while this one signs.
    p.meanwhile = Some(Box::new(move |p: &mut Pair| {
        *seen.borrow_mut() = Some(p.refresh(&same, None).unwrap());
    }));
    let mine = p.refresh(&rt1, None).unwrap();
    let theirs = other.borrow_mut().take().unwrap();
    let live: Vec<&String> = p.refresh.iter().filter(|(_, r)| r.is_current(p.now)).map(|(h, _)| h).collect();
    assert_eq!(live, vec![mine.refresh.as_ref().unwrap()], "the later rotation replaced the earlier one's successor");
    assert!(!p.access_live(&theirs.access_jti) && p.access_live(&mine.access_jti));
}

#[test]
fn revocation_ends_the_family_for_its_own_client_only() {
    let mut p = Pair::new();
    let code = p.authorize("offline_access", "u_1");
    let t = p.redeem(&code, VERIFIER).unwrap();
    let rt = t.refresh.clone().unwrap();
    p.revoke(&rt, "cl_other");
    assert!(p.access_live(&t.access_jti), "another client's revocation changes nothing");
    p.revoke(&rt, CLIENT);
    assert!(!p.access_live(&t.access_jti));
    assert!(is_invalid_grant(&p.refresh(&rt, None)));
}

#[test]
fn a_disabled_user_loses_the_grant_at_the_next_refresh() {
    let mut p = Pair::new();
    let code = p.authorize("offline_access", "u_1");
    let t = p.redeem(&code, VERIFIER).unwrap();
    p.disabled.insert("u_1".into());
    assert!(is_invalid_grant(&p.refresh(t.refresh.as_ref().unwrap(), None)));
    assert!(!p.access_live(&t.access_jti), "the grant was revoked");
    let code = p.authorize("offline_access", "u_1");
    assert!(is_invalid_grant(&p.redeem(&code, VERIFIER)));
    assert_eq!(p.codes[&code].redeemed_at, None, "a refused code is not used up");
}

// ----------------------------------------------------------- single decisions

fn code_record() -> CodeRecord {
    CodeRecord { grant: CodeGrant::new(&request("openid"), "u_1", &auth()), expires_at: T0.plus_millis(60_000), redeemed_at: None, grant_id: None }
}

#[test]
fn a_code_is_checked_for_client_redirect_expiry_and_pkce() {
    let v = CodeVerifier::parse(VERIFIER).unwrap();
    let wrong = CodeVerifier::parse(&"a".repeat(43)).unwrap();
    let ok = CodeRedemption { client_id: CLIENT, redirect_uri: REDIRECT, verifier: Some(&v), resource: None };
    let code = code_record();
    assert!(redeem(Some(&code), &ok, T0).is_ok());
    let refused = |c: Option<&CodeRecord>, r: CodeRedemption<'_>, now| redeem(c, &r, now).unwrap_err();
    assert_eq!(refused(None, ok, T0), invalid("authorization code is invalid"));
    assert_eq!(refused(Some(&code), ok, T0.plus_millis(60_000)), invalid("authorization code expired"));
    assert_eq!(refused(Some(&code), CodeRedemption { client_id: "cl_other", ..ok }, T0), invalid("authorization code was issued to another client"));
    assert_eq!(
        refused(Some(&code), CodeRedemption { redirect_uri: "https://app.example/cb2", ..ok }, T0),
        invalid("redirect_uri does not match the authorization request")
    );
    assert!(matches!(refused(Some(&code), CodeRedemption { verifier: Some(&wrong), ..ok }, T0).error, OAuthError::InvalidGrant(_)));
    assert!(matches!(refused(Some(&code), CodeRedemption { verifier: None, ..ok }, T0).error, OAuthError::InvalidRequest(_) | OAuthError::InvalidGrant(_)));
    // RFC 8707 §2.2: the token request may repeat the code's resource, nothing else.
    let target_error = |r: Rejection| (r.error.code(), r.writes.len());
    assert_eq!(target_error(refused(Some(&code), CodeRedemption { resource: Some("https://api.example"), ..ok }, T0)), ("invalid_target", 0));
    let for_api = CodeRecord { grant: CodeGrant { resource: Some("https://api.example".into()), ..code.grant.clone() }, ..code.clone() };
    assert!(redeem(Some(&for_api), &CodeRedemption { resource: Some("https://api.example"), ..ok }, T0).is_ok());
    assert_eq!(
        issue_for_code("h", &for_api.grant, true, "gr_9".into(), true, T0).unwrap().grant.resource.as_deref(),
        Some("https://api.example")
    );
    let used = CodeRecord { redeemed_at: Some(T0), grant_id: Some("gr_1".into()), ..code.clone() };
    assert_eq!(refused(Some(&used), ok, T0).writes, vec![Write::RevokeGrant { grant_id: "gr_1".into() }]);
    assert!(refused(Some(&used), ok, T0).replayed, "a replayed code is audited as such");
    assert!(!refused(Some(&code), CodeRedemption { client_id: "cl_other", ..ok }, T0).replayed);
    // Revoking because the user is gone is not a replay.
    let rotating = rotate("h", Some(&refresh_record()), None, Some(&grant_record()), &RefreshRequest { client_id: CLIENT, scope: None, leeway_ms: LEEWAY, resource: None, organization: None }, T0).unwrap();
    let gone = rotating.issue(false).unwrap_err();
    assert!(!gone.replayed && !gone.writes.is_empty());
    let reused = RefreshRecord { rotated_at: Some(T0), successor: Some("s".into()), ..refresh_record() };
    let r = rotate("h", Some(&reused), None, Some(&grant_record()), &RefreshRequest { client_id: CLIENT, scope: None, leeway_ms: 0, resource: None, organization: None }, T0.plus_millis(60_000));
    assert!(r.unwrap_err().replayed, "a rotated refresh token presented again");
}

#[test]
fn refresh_tokens_come_with_offline_access_for_clients_that_may_refresh() {
    let mut cg = code_record().grant;
    assert!(!issue_for_code("h", &cg, true, "gr_1".into(), true, T0).unwrap().refresh);
    cg.scope = scope("openid offline_access");
    assert!(issue_for_code("h", &cg, true, "gr_1".into(), true, T0).unwrap().refresh);
    assert!(!issue_for_code("h", &cg, true, "gr_1".into(), false, T0).unwrap().refresh);
    let issue = issue_for_code("h", &cg, true, "gr_1".into(), true, T0).unwrap();
    assert_eq!(issue.grant.expires_at, T0.plus_millis(REFRESH_FAMILY_TTL_MS), "the family lives as long as the grant");
    let writes = issue.writes(&Minted { access_jti: "j".into(), access_ttl_secs: 600, refresh_hash: Some("r".into()) }, T0);
    assert!(matches!(&writes[..], [Write::RedeemCode { .. }, Write::CreateGrant(_), Write::BindAccessToken { .. }, Write::PutRefresh(n)] if n.expires_at == issue.grant.expires_at));
    // The access token is bound for as long as it was signed to live (an API sets its own lifetime).
    assert!(matches!(&writes[2], Write::BindAccessToken { expires_at, .. } if *expires_at == T0.plus_secs(600)));
}

fn grant_record() -> GrantRecord {
    GrantRecord {
        id: "gr_1".into(),
        client_id: CLIENT.into(),
        user_id: "u_1".into(),
        scope: scope("openid email offline_access"),
        auth: auth(),
        nonce: None,
        resource: None,
        organization: None,
        expires_at: T0.plus_millis(REFRESH_FAMILY_TTL_MS),
        revoked_at: None,
    }
}

fn refresh_record() -> RefreshRecord {
    RefreshRecord { grant_id: "gr_1".into(), expires_at: T0.plus_millis(REFRESH_FAMILY_TTL_MS), rotated_at: None, successor: None, replaced_at: None }
}

#[test]
fn a_refresh_may_narrow_the_scope_never_widen_it() {
    let (g, t) = (grant_record(), refresh_record());
    let narrower = scope("openid");
    let wider = scope("openid profile");
    let ask = |s: Option<&Scope>| rotate("h", Some(&t), None, Some(&g), &RefreshRequest { client_id: CLIENT, scope: s, leeway_ms: LEEWAY, resource: None, organization: None }, T0);
    assert_eq!(ask(None).unwrap().scope, g.scope);
    assert_eq!(ask(Some(&narrower)).unwrap().scope, narrower);
    assert!(matches!(ask(Some(&wider)).unwrap_err().error, OAuthError::InvalidScope(_)));
    // RFC 8707 §2.2: a resource, if repeated, must be the grant's own.
    let for_api = GrantRecord { resource: Some("https://api.example".into()), ..g.clone() };
    let target = |g: &GrantRecord, r: Option<&str>| {
        rotate("h", Some(&t), None, Some(g), &RefreshRequest { client_id: CLIENT, scope: None, leeway_ms: LEEWAY, resource: r, organization: None }, T0)
    };
    assert!(target(&for_api, Some("https://api.example")).is_ok());
    assert!(target(&for_api, None).is_ok());
    let refused = target(&for_api, Some("https://other.example")).unwrap_err();
    assert_eq!((refused.error.code(), refused.writes.len()), ("invalid_target", 0));
    assert_eq!(target(&g, Some("https://api.example")).unwrap_err().error.code(), "invalid_target");
}

#[test]
fn a_refresh_token_of_another_client_or_a_dead_grant_is_refused_without_revoking() {
    let (g, t) = (grant_record(), refresh_record());
    let r = RefreshRequest { client_id: CLIENT, scope: None, leeway_ms: LEEWAY, resource: None, organization: None };
    let other = rotate("h", Some(&t), None, Some(&g), &RefreshRequest { client_id: "cl_other", ..r }, T0).unwrap_err();
    assert_eq!(other, invalid("refresh token was issued to another client"));
    let revoked = GrantRecord { revoked_at: Some(T0), ..g.clone() };
    assert_eq!(rotate("h", Some(&t), None, Some(&revoked), &r, T0).unwrap_err(), invalid("refresh token is revoked or expired"));
    let foreign = GrantRecord { id: "gr_2".into(), ..g };
    assert_eq!(rotate("h", Some(&t), None, Some(&foreign), &r, T0).unwrap_err(), invalid("refresh token is invalid"), "a grant that is not the token's");
}

#[test]
fn introspection_and_revocation_see_only_current_refresh_tokens() {
    let (g, t) = (grant_record(), refresh_record());
    assert_eq!(introspect_refresh(Some(&t), Some(&g), CLIENT, T0), Some(Some(&g)));
    assert_eq!(introspect_refresh(Some(&t), Some(&g), "cl_other", T0), Some(None));
    let rotated = RefreshRecord { rotated_at: Some(T0), ..t.clone() };
    assert_eq!(introspect_refresh(Some(&rotated), Some(&g), CLIENT, T0), None);
    assert_eq!(revoke_refresh(Some(&rotated), Some(&g), CLIENT, T0), None, "then it is tried as an access token");
    assert_eq!(revoke_refresh(Some(&t), Some(&g), "cl_other", T0), Some(vec![]));
    assert_eq!(revoke_refresh(Some(&t), Some(&g), CLIENT, T0), Some(vec![Write::RevokeGrant { grant_id: "gr_1".into() }]));
}

#[test]
fn a_refresh_switches_the_organization_and_says_so_only_when_it_changes() {
    let g = GrantRecord { organization: Some("org_a".into()), ..grant_record() };
    let t = refresh_record();
    let minted = Minted { access_jti: "j".into(), access_ttl_secs: 600, refresh_hash: Some("r2".into()) };
    let ask = |org: Option<&str>| {
        rotate("h", Some(&t), None, Some(&g), &RefreshRequest { client_id: CLIENT, scope: None, leeway_ms: LEEWAY, resource: None, organization: org }, T0)
            .unwrap()
            .issue(true)
            .unwrap()
    };
    let switched = ask(Some("org_b"));
    assert_eq!(switched.grant.organization.as_deref(), Some("org_b"));
    let writes = switched.writes(&minted, T0);
    assert!(writes.contains(&Write::SwitchOrganization { grant_id: "gr_1".into(), organization: "org_b".into() }));
    for same in [None, Some("org_a")] {
        let issue = ask(same);
        assert_eq!(issue.grant.organization.as_deref(), Some("org_a"));
        assert!(!issue.writes(&minted, T0).iter().any(|w| matches!(w, Write::SwitchOrganization { .. })));
    }
}

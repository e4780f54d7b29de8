//! The grants that turn a code or a refresh token into tokens (RFC 6749
//! §4.1.3 and §6), decided over plain records. Each decision returns what
//! to issue and the writes that make it live, or the rejection and the
//! writes it entails (a replayed code or refresh token revokes its grant).
//!
//! The shell's part, the same for both grants:
//!
//! ```text
//!  read records ─► decide ─┬─ Rejection ─► apply its writes, answer the error
//!                          └─ go on ─► read the user, mint ids, sign (awaits)
//!                                        │
//!  read records again ─► decide again ─┬─ Rejection ─► apply its writes, answer
//!   (no await from here to the writes) └─ Issue::writes ─► apply, answer tokens
//! ```
//!
//! Nothing is written before the tokens are signed, so a failure on the
//! way changes nothing, and whatever another request did meanwhile (a
//! second redemption, a rotation) is seen by the second decision.
//!
//! Codes (RFC 6749 §4.1.2, RFC 7636 §4.6, RFC 9700 §2.1.1): the code
//! exists and is unexpired; a redeemed code revokes the grant it produced;
//! it was issued to this client for this exact `redirect_uri`; the PKCE
//! verifier matches. Refresh tokens: rotation with reuse detection
//! (`super::refresh`), the requested scope within the grant's, the grant
//! alive; a user who can no longer sign in loses the grant.

use super::authorize::AuthorizationRequest;
use super::error::OAuthError;
use super::lifetimes::REFRESH_FAMILY_TTL_MS;
use super::pkce::{check_redemption, CodeChallenge, CodeVerifier};
use super::refresh::{decide, Presented, Rotation};
use super::resource::check_same;
use super::scope::Scope;
use crate::time::UnixMillis;
use serde::{Deserialize, Serialize};

/// How the user authenticated: carried from the session to the code, the
/// grant and every token issued under it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthContext {
    /// Seconds since the epoch (OIDC Core §2 `auth_time`).
    pub auth_time: i64,
    /// RFC 8176 values (`pwd`, `fed`, …).
    pub amr: Vec<String>,
    pub acr: Option<String>,
    /// The session (`sid`, OIDC Front-/Back-Channel Logout).
    pub sid: Option<String>,
}

/// What a code stands for, stored (by the code's digest) until redeemed.
/// The field names are the stored format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Scope,
    pub user_id: String,
    pub auth_time: i64,
    pub nonce: Option<String>,
    pub code_challenge: Option<CodeChallenge>,
    pub session_id: Option<String>,
    /// `amr` as a JSON array (`crate::amr::to_stored`).
    #[serde(default)]
    pub amr: Option<String>,
    /// The API the tokens are for (RFC 8707), by identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The organization the user signed in to, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

impl CodeGrant {
    /// The code an authorization request earns for a signed-in user.
    #[must_use]
    pub fn new(request: &AuthorizationRequest, user_id: &str, auth: &AuthContext) -> Self {
        CodeGrant {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            scope: request.scope.clone(),
            user_id: user_id.to_owned(),
            auth_time: auth.auth_time,
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            session_id: auth.sid.clone(),
            amr: Some(crate::amr::to_stored(&auth.amr)),
            resource: request.resource.clone(),
            organization: request.organization.clone(),
        }
    }

    #[must_use]
    pub fn auth(&self) -> AuthContext {
        let amr = crate::amr::from_stored(self.amr.as_deref());
        AuthContext { auth_time: self.auth_time, acr: crate::mfa::acr_of(&amr), amr, sid: self.session_id.clone() }
    }
}

/// A stored code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub grant: CodeGrant,
    pub expires_at: UnixMillis,
    pub redeemed_at: Option<UnixMillis>,
    /// The grant its redemption produced.
    pub grant_id: Option<String>,
}

/// A grant: what a user allowed a client, and every token issued under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: Scope,
    pub auth: AuthContext,
    pub nonce: Option<String>,
    /// The API its access tokens are for (RFC 8707), by identifier.
    pub resource: Option<String>,
    /// The organization its tokens are issued in, by id; a refresh may
    /// switch it.
    pub organization: Option<String>,
    /// Also the end of its refresh-token family.
    pub expires_at: UnixMillis,
    pub revoked_at: Option<UnixMillis>,
}

impl GrantRecord {
    #[must_use]
    pub fn is_live(&self, now: UnixMillis) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A stored refresh token (by its digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub grant_id: String,
    pub expires_at: UnixMillis,
    pub rotated_at: Option<UnixMillis>,
    /// The digest of the token its rotation issued.
    pub successor: Option<String>,
    /// Set when a retry replaced it before it was ever presented.
    pub replaced_at: Option<UnixMillis>,
}

impl RefreshRecord {
    /// What rotation needs to know of this token, given its successor's
    /// record (`None` if it has none, or if that one is gone: revoked with
    /// its family, which counts as used).
    #[must_use]
    pub fn presented(&self, successor: Option<&RefreshRecord>) -> Presented {
        let successor_used = self.successor.is_some() && successor.is_none_or(|s| s.rotated_at.is_some() || s.replaced_at.is_some());
        Presented { rotated_at: self.rotated_at, replaced: self.replaced_at.is_some(), successor_used, expires_at: self.expires_at }
    }

    /// Live for revocation and introspection: never rotated or replaced,
    /// unexpired.
    #[must_use]
    pub fn is_current(&self, now: UnixMillis) -> bool {
        self.rotated_at.is_none() && self.replaced_at.is_none() && self.expires_at > now
    }
}

/// A refresh token to store, with the access token issued beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefresh {
    pub token_hash: String,
    pub grant_id: String,
    pub expires_at: UnixMillis,
    pub access_jti: String,
}

/// A change the shell applies, all of a decision's in one synchronous step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// The code is used up, and produced `grant_id`.
    RedeemCode { code_hash: String, grant_id: String },
    CreateGrant(GrantRecord),
    /// Revokes the grant and every token it issued.
    RevokeGrant { grant_id: String },
    PutRefresh(NewRefresh),
    /// `from` is rotated to `to`. On a retry, `replaces` is the successor an
    /// earlier rotation issued and nobody used: it is marked replaced and
    /// the access token issued with it revoked.
    RotateRefresh { from: String, replaces: Option<String>, to: NewRefresh },
    /// Binds an access token to its grant, so revoking the grant revokes it.
    BindAccessToken { jti: String, grant_id: String, expires_at: UnixMillis },
    /// The grant's tokens are issued in another organization from now on.
    SwitchOrganization { grant_id: String, organization: String },
}

/// A refusal (`invalid_grant`, `invalid_scope`) and what it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub error: OAuthError,
    pub writes: Vec<Write>,
    /// A used code or rotated refresh token came back: someone else may
    /// hold a copy (the audit log says so).
    pub replayed: bool,
}

fn refused(error: OAuthError) -> Rejection {
    Rejection { error, writes: Vec::new(), replayed: false }
}

fn invalid(msg: &str) -> Rejection {
    refused(OAuthError::InvalidGrant(msg.into()))
}

fn revoking(grant_id: &str, msg: &str) -> Rejection {
    Rejection { error: OAuthError::InvalidGrant(msg.into()), writes: vec![Write::RevokeGrant { grant_id: grant_id.to_owned() }], replayed: false }
}

fn replayed(grant_id: &str, msg: &str) -> Rejection {
    Rejection { replayed: true, ..revoking(grant_id, msg) }
}

/// What the signed tokens were: the shell mints these ids and signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minted {
    pub access_jti: String,
    /// The access token's lifetime (an API sets its own).
    pub access_ttl_secs: i64,
    /// The digest of the refresh token, if one was minted.
    pub refresh_hash: Option<String>,
}

/// How an issue came about: which writes make it live.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Code { code_hash: String },
    Refresh { from: String, replaces: Option<String>, switched: bool },
}

/// Tokens to issue: under `grant`, for `scope`, with a refresh token or
/// not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub grant: GrantRecord,
    pub scope: Scope,
    pub refresh: bool,
    source: Source,
}

impl Issue {
    /// The writes that make the signed tokens live.
    #[must_use]
    pub fn writes(&self, minted: &Minted, now: UnixMillis) -> Vec<Write> {
        let grant_id = self.grant.id.clone();
        let next = minted.refresh_hash.as_ref().filter(|_| self.refresh).map(|hash| NewRefresh {
            token_hash: hash.clone(),
            grant_id: grant_id.clone(),
            expires_at: self.grant.expires_at,
            access_jti: minted.access_jti.clone(),
        });
        let bind = Write::BindAccessToken {
            jti: minted.access_jti.clone(),
            grant_id: grant_id.clone(),
            expires_at: now.plus_secs(minted.access_ttl_secs),
        };
        match &self.source {
            Source::Code { code_hash } => {
                let mut w = vec![Write::RedeemCode { code_hash: code_hash.clone(), grant_id }, Write::CreateGrant(self.grant.clone()), bind];
                w.extend(next.map(Write::PutRefresh));
                w
            }
            Source::Refresh { from, replaces, switched } => {
                let mut w = Vec::new();
                if let (true, Some(org)) = (switched, &self.grant.organization) {
                    w.push(Write::SwitchOrganization { grant_id: grant_id.clone(), organization: org.clone() });
                }
                w.extend(next.map(|to| Write::RotateRefresh { from: from.clone(), replaces: replaces.clone(), to }));
                w.push(bind);
                w
            }
        }
    }
}

// ---------------------------------------------------------------------- codes

/// What the token request presents with the code.
#[derive(Debug, Clone, Copy)]
pub struct CodeRedemption<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub verifier: Option<&'a CodeVerifier>,
    /// RFC 8707 `resource` on the token request, if any.
    pub resource: Option<&'a str>,
}

/// Whether this request may redeem the code now. A second redemption
/// revokes what the first one issued.
///
/// # Errors
/// `invalid_grant` (or PKCE's `invalid_grant`) with its writes.
pub fn redeem<'c>(code: Option<&'c CodeRecord>, r: &CodeRedemption<'_>, now: UnixMillis) -> Result<&'c CodeGrant, Rejection> {
    let Some(code) = code else { return Err(invalid("authorization code is invalid")) };
    if code.redeemed_at.is_some() {
        let msg = "authorization code was already used; tokens it issued are revoked";
        return Err(match &code.grant_id {
            Some(grant_id) => replayed(grant_id, msg),
            None => invalid(msg),
        });
    }
    if code.expires_at <= now {
        return Err(invalid("authorization code expired"));
    }
    let cg = &code.grant;
    if cg.client_id != r.client_id {
        return Err(invalid("authorization code was issued to another client"));
    }
    if cg.redirect_uri != r.redirect_uri {
        return Err(invalid("redirect_uri does not match the authorization request"));
    }
    check_redemption(cg.code_challenge.as_ref(), r.verifier).map_err(refused)?;
    check_same(r.resource, cg.resource.as_deref()).map_err(refused)?;
    Ok(cg)
}

/// What a redeemable code issues: a new grant `grant_id` for the code's
/// user (if they can still sign in), with a refresh token when
/// `offline_access` was granted and the client may refresh.
///
/// # Errors
/// `invalid_grant` when the user is disabled or gone.
pub fn issue_for_code(
    code_hash: &str,
    cg: &CodeGrant,
    user_active: bool,
    grant_id: String,
    client_may_refresh: bool,
    now: UnixMillis,
) -> Result<Issue, Rejection> {
    if !user_active {
        return Err(invalid("the user can no longer sign in"));
    }
    let grant = GrantRecord {
        id: grant_id,
        client_id: cg.client_id.clone(),
        user_id: cg.user_id.clone(),
        scope: cg.scope.clone(),
        auth: cg.auth(),
        nonce: cg.nonce.clone(),
        resource: cg.resource.clone(),
        organization: cg.organization.clone(),
        expires_at: now.plus_millis(REFRESH_FAMILY_TTL_MS),
        revoked_at: None,
    };
    Ok(Issue {
        refresh: cg.scope.contains("offline_access") && client_may_refresh,
        scope: cg.scope.clone(),
        grant,
        source: Source::Code { code_hash: code_hash.to_owned() },
    })
}

// ------------------------------------------------------------- refresh tokens

/// What the token request presents with the refresh token.
#[derive(Debug, Clone, Copy)]
pub struct RefreshRequest<'a> {
    pub client_id: &'a str,
    /// A narrower scope, if asked for (RFC 6749 §6).
    pub scope: Option<&'a Scope>,
    /// The application's retry leeway (`super::refresh`).
    pub leeway_ms: i64,
    /// RFC 8707 `resource`, if any: only the grant's own.
    pub resource: Option<&'a str>,
    /// The organization to switch to, by id (the shell found it and checked
    /// the user is a member).
    pub organization: Option<&'a str>,
}

/// A refresh token that may rotate: the grant, the scope to issue, and
/// what the rotation replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotating {
    pub grant: GrantRecord,
    pub scope: Scope,
    token_hash: String,
    replaces: Option<String>,
    switched: bool,
}

/// Whether the token `token_hash` (its record, its successor's, its
/// grant's) may rotate now. Reuse revokes the family.
///
/// # Errors
/// `invalid_grant` or `invalid_scope`, with the revocation on reuse.
pub fn rotate(
    token_hash: &str,
    token: Option<&RefreshRecord>,
    successor: Option<&RefreshRecord>,
    grant: Option<&GrantRecord>,
    r: &RefreshRequest<'_>,
    now: UnixMillis,
) -> Result<Rotating, Rejection> {
    let (Some(token), Some(grant)) = (token, grant.filter(|g| token.is_some_and(|t| t.grant_id == g.id))) else {
        return Err(invalid("refresh token is invalid"));
    };
    if grant.client_id != r.client_id {
        return Err(invalid("refresh token was issued to another client"));
    }
    let replaces = match decide(&token.presented(successor), now, r.leeway_ms) {
        Rotation::Reuse => return Err(replayed(&grant.id, "refresh token was already used; the token family is revoked")),
        Rotation::Expired => return Err(invalid("refresh token is revoked or expired")),
        Rotation::Rotate => None,
        Rotation::Replace => token.successor.clone(),
    };
    if !grant.is_live(now) {
        return Err(invalid("refresh token is revoked or expired"));
    }
    check_same(r.resource, grant.resource.as_deref()).map_err(refused)?;
    let scope = match r.scope {
        Some(s) if !s.is_subset_of(&grant.scope) => {
            return Err(refused(OAuthError::InvalidScope("scope exceeds the original grant".into())));
        }
        Some(s) => s.clone(),
        None => grant.scope.clone(),
    };
    let mut grant = grant.clone();
    let switched = r.organization.is_some_and(|o| grant.organization.as_deref() != Some(o));
    if switched {
        grant.organization = r.organization.map(str::to_owned);
    }
    Ok(Rotating { grant, scope, token_hash: token_hash.to_owned(), replaces, switched })
}

impl Rotating {
    /// What the rotation issues: new tokens under the same grant, if the
    /// user can still sign in; otherwise the grant goes.
    ///
    /// # Errors
    /// `invalid_grant`, revoking the grant, when the user is disabled or gone.
    pub fn issue(self, user_active: bool) -> Result<Issue, Rejection> {
        if !user_active {
            return Err(revoking(&self.grant.id, "the user can no longer sign in"));
        }
        Ok(Issue {
            grant: self.grant,
            scope: self.scope,
            refresh: true,
            source: Source::Refresh { from: self.token_hash, replaces: self.replaces, switched: self.switched },
        })
    }
}

// ---------------------------------------------- revocation and introspection

/// RFC 7009 §2.1 for a token that may be a refresh token: `None` if it is
/// not a current one (try it as an access token); otherwise the writes —
/// its whole grant is revoked, but only when it was issued to this client
/// (another client's token is answered the same, with nothing changed).
#[must_use]
pub fn revoke_refresh(token: Option<&RefreshRecord>, grant: Option<&GrantRecord>, client_id: &str, now: UnixMillis) -> Option<Vec<Write>> {
    let token = token.filter(|t| t.is_current(now))?;
    Some(match grant.filter(|g| g.id == token.grant_id && g.client_id == client_id) {
        Some(g) => vec![Write::RevokeGrant { grant_id: g.id.clone() }],
        None => Vec::new(),
    })
}

/// RFC 7662 §2.2 for a token that may be a refresh token: `None` if it is
/// not a current one; `Some(None)` if inactive for this client (revoked,
/// expired, or another client's); `Some(Some(grant))` if active.
#[must_use]
pub fn introspect_refresh<'g>(
    token: Option<&RefreshRecord>,
    grant: Option<&'g GrantRecord>,
    client_id: &str,
    now: UnixMillis,
) -> Option<Option<&'g GrantRecord>> {
    let token = token.filter(|t| t.is_current(now))?;
    Some(grant.filter(|g| g.id == token.grant_id && g.client_id == client_id && g.is_live(now)))
}

#[cfg(test)]
mod tests;

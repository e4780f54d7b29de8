//! Minting the token response: a JWT access token (RFC 9068), an ID token
//! when `openid` was granted (OIDC Core §3.1.3.3), and a refresh token when
//! the grant allows one. Signed in one JwksSigner round trip.
//!
//! Minting writes nothing: a grant signs first and then, in one step with
//! no await, re-checks what it decided and stores what the tokens need
//! ([`Minted`]). A failure while signing changes nothing, so the client's
//! retry is an ordinary request, never mistaken for reuse.

use super::{resources, signer, Op};
use crate::directory::User;
use crate::signer_call::ToSign;
use crate::rng;
use aero2_core::custom_claims;
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::jose::alg::Alg;
use aero2_core::jose::claims::{AccessTokenClaims, Audience, IdTokenClaims, ACCESS_TOKEN_TYP};
use aero2_core::oauth::client::Client;
use aero2_core::oauth::grant::{self, GrantRecord, Issue};
use aero2_core::oauth::lifetimes::{ACCESS_TOKEN_TTL_SECS, ID_TOKEN_TTL_SECS};
use aero2_core::oauth::discovery::INTROSPECT_PATH;
use aero2_core::oauth::resource::{self, Access};
use aero2_core::oauth::scope::{account_audience, Scope, ACCOUNT};
use aero2_core::organization::{self, TokenOrganization};
use aero2_core::tenant_shards;
use serde_json::{Map, Value};
use worker::Result;

/// Access tokens are ES256 (fast to sign and verify) unless an API asks
/// for RS256. ID tokens use the client's registered
/// `id_token_signed_response_alg`: RS256, the algorithm every OIDC client
/// accepts (OIDC Core §15.1), unless it asked for ES256.
const ACCESS_TOKEN_ALG: Alg = Alg::ES256;

/// Signed tokens that are not live yet: the grant decision's
/// `Issue::writes` over [`Minted::ids`] make them so.
pub struct Minted {
    /// The token response, refresh token included.
    pub body: Value,
    pub ids: grant::Minted,
}

/// Aero2's own `aud`: the issuer, and the account API when the token may
/// call it.
fn own_audience(issuer: &str, scope: &Scope) -> Audience {
    if scope.contains(ACCOUNT) {
        Audience::Many(vec![issuer.to_owned(), account_audience(issuer)])
    } else {
        Audience::One(issuer.to_owned())
    }
}

/// An access token to sign: its claims (with `permissions` or the pointer
/// to introspection), algorithm and lifetime.
struct AccessToken {
    claims: Value,
    alg: Alg,
    ttl_secs: i64,
}

/// `extra` adds the organization's and the application's custom claims
/// before the permissions, so the token's size budget counts them.
fn access_token(
    op: &Op<'_>,
    client: &Client,
    sub: &str,
    access: &Access,
    jti: &str,
    grant: Option<&GrantRecord>,
    extra: impl FnOnce(&mut Map<String, Value>),
) -> AccessToken {
    let iat = op.now.as_secs();
    let ttl_secs = access.api.as_ref().map_or(ACCESS_TOKEN_TTL_SECS, |a| a.lifetime_secs);
    let alg = access.api.as_ref().map_or(ACCESS_TOKEN_ALG, |a| a.alg);
    let scope = &access.scope;
    let amr = grant.map(|g| g.auth.amr.clone()).filter(|a| !a.is_empty());
    let claims = AccessTokenClaims {
        iss: op.issuer.clone(),
        sub: sub.to_owned(),
        aud: resource::audience(access, &op.issuer, own_audience(&op.issuer, scope)),
        exp: iat + ttl_secs,
        iat,
        nbf: None,
        jti: jti.to_owned(),
        client_id: client.client_id.clone(),
        scope: (!scope.is_empty()).then(|| scope.to_string()),
        auth_time: grant.map(|g| g.auth.auth_time),
        acr: grant.and_then(|g| g.auth.acr.clone()),
        amr,
        org_id: None,
    };
    let mut claims = match claims.to_json() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    extra(&mut claims);
    let introspection = format!("{}{INTROSPECT_PATH}", op.issuer);
    resource::add_permissions(&mut claims, access.permissions.as_deref(), alg, &introspection);
    AccessToken { claims: Value::Object(claims), alg, ttl_secs }
}

/// The application's custom-claims templates, for the tokens of its
/// first-party clients only: a third-party client gets the protocol's
/// claims and the profile its consented scope releases, never the
/// application's own data about the user.
fn templates_for(op: &Op<'_>, client: &Client) -> Option<custom_claims::TokenClaims> {
    client.first_party.then(|| op.app.settings.token_claims()).flatten()
}

fn to_sign(at: &AccessToken) -> ToSign {
    ToSign { alg: at.alg, typ: Some(ACCESS_TOKEN_TYP.into()), claims: at.claims.clone(), at_hash_of: None }
}

/// A new access token's `jti`, naming the shard that knows whether it
/// stands (`aero2_core::tenant_shards`).
fn new_jti(op: &Op<'_>) -> Result<String> {
    Ok(tenant_shards::tagged("", op.shard, &hex(&rng::bytes::<16>()?)))
}

/// The standard claims a scope releases (OIDC Core §5.4).
pub fn profile_claims(user: &User, scope: &Scope) -> Map<String, Value> {
    let mut m = Map::new();
    if scope.contains("profile") {
        if let Some(n) = &user.name {
            m.insert("name".into(), n.clone().into());
        }
        if let Some(p) = &user.picture {
            m.insert("picture".into(), p.clone().into());
        }
        m.insert("updated_at".into(), (user.updated_at.div_euclid(1000)).into());
    }
    if scope.contains("email") {
        if let Some(e) = &user.email {
            m.insert("email".into(), e.clone().into());
            m.insert("email_verified".into(), user.email_verified.into());
        }
    }
    m
}

/// Signs the tokens of a user-bound issuance (a grant decision's `Issue`)
/// for `client` and `user`, carrying `access` (what the API and the user's
/// roles allow now, `op::resources`); stores nothing.
/// `org`: the organization the grant is in, as the token carries it.
pub async fn mint_for_user(op: &Op<'_>, client: &Client, user: &User, issue: &Issue, access: &Access, org: Option<&TokenOrganization>) -> Result<Minted> {
    let (g, scope) = (&issue.grant, &access.scope);
    let jti = new_jti(op)?;
    let templates = templates_for(op, client);
    let context = templates.as_ref().map(|_| custom_claims::context(Some(user.view()), |s| scope.contains(s), op.app.view(), org.map(TokenOrganization::view)));
    let at = access_token(op, client, &user.id, access, &jti, Some(g), |claims| {
        if let Some(org) = org {
            organization::claims(claims, org, true);
        }
        if let (Some(t), Some(ctx)) = (&templates, &context) {
            custom_claims::apply(claims, &t.access_token, ctx);
        }
    });
    let mut batch = vec![to_sign(&at)];
    if scope.contains("openid") {
        let iat = op.now.as_secs();
        let mut profile = profile_claims(user, scope);
        if op.app.settings.roles_in_id_token == Some(true) {
            profile.insert("roles".into(), resources::role_names(op, &user.id).await?.into());
        }
        let id = IdTokenClaims {
            iss: op.issuer.clone(),
            sub: user.id.clone(),
            aud: client.client_id.clone(),
            exp: iat + ID_TOKEN_TTL_SECS,
            iat,
            auth_time: g.auth.auth_time,
            nonce: g.nonce.clone(),
            acr: g.auth.acr.clone(),
            amr: g.auth.amr.clone(),
            azp: Some(client.client_id.clone()),
            at_hash: None,
            sid: g.auth.sid.clone(),
            profile,
        };
        let alg = client.id_token_signed_response_alg;
        let mut claims = id.to_json();
        if let (Some(org), Value::Object(m)) = (org, &mut claims) {
            organization::claims(m, org, false);
        }
        if let (Some(t), Some(ctx), Value::Object(m)) = (&templates, &context, &mut claims) {
            custom_claims::apply(m, &t.id_token, ctx);
        }
        batch.push(ToSign { alg, typ: Some("JWT".into()), claims, at_hash_of: Some(0) });
    }
    let mut signed = signer::sign(op.env, &op.app.signer, op.now, &op.app.id, batch).await?.into_iter();
    let access_token = signed.next().unwrap_or_default();
    let mut body = Map::new();
    body.insert("access_token".into(), access_token.into());
    body.insert("token_type".into(), "Bearer".into());
    body.insert("expires_in".into(), at.ttl_secs.into());
    body.insert("scope".into(), scope.to_string().into());
    if let Some(id_token) = signed.next() {
        body.insert("id_token".into(), id_token.into());
    }
    let refresh_hash = if issue.refresh {
        // Of this shard, as its whole family (`aero2_core::tenant_shards`).
        let refresh = tenant_shards::tagged(tenant_shards::REFRESH_PREFIX, op.shard, &hex(&rng::bytes::<32>()?));
        let hash = sha256_hex(refresh.as_bytes());
        body.insert("refresh_token".into(), refresh.into());
        Some(hash)
    } else {
        None
    };
    Ok(Minted { body: Value::Object(body), ids: grant::Minted { access_jti: jti, access_ttl_secs: at.ttl_secs, refresh_hash } })
}

/// client_credentials: the client acts for itself, `sub` is its id
/// (RFC 9068 §2.2), no ID token, no refresh token (RFC 6749 §4.4.3).
pub async fn issue_for_client(op: &Op<'_>, client: &Client, access: &Access) -> Result<Value> {
    let jti = new_jti(op)?;
    // No user: the templates' `user` references are left out.
    let templates = templates_for(op, client);
    let at = access_token(op, client, &client.client_id, access, &jti, None, |claims| {
        if let Some(t) = &templates {
            custom_claims::apply(claims, &t.access_token, &custom_claims::context(None, |s| access.scope.contains(s), op.app.view(), None));
        }
    });
    let access_token = signer::sign(op.env, &op.app.signer, op.now, &op.app.id, vec![to_sign(&at)]).await?.into_iter().next().unwrap_or_default();
    let mut body = Map::new();
    body.insert("access_token".into(), access_token.into());
    body.insert("token_type".into(), "Bearer".into());
    body.insert("expires_in".into(), at.ttl_secs.into());
    if !access.scope.is_empty() {
        body.insert("scope".into(), access.scope.to_string().into());
    }
    Ok(Value::Object(body))
}

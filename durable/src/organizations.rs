//! Organizations and their members in D1 (`aero2_core::organization`
//! decides). Every query is filtered by `app_id`; values are bound.
//!
//! Limits hold under concurrency: a new organization or membership is
//! inserted by one statement whose `WHERE` counts what exists, so two
//! requests racing for the last place cannot both win.

use crate::db::{int, text};
use crate::rng;
use aero2_core::encoding::{hex, sha256_hex};
use aero2_core::ids::{new_id, IdKind};
use aero2_core::organization::admin::Privileges;
use aero2_core::organization::invitation::{self, NewInvitation, TOKEN_PREFIX};
use crate::mailer::Mail;
use aero2_core::rbac::Grant;
use aero2_core::organization::domain::{OrgDomain, Policy, MAX_DOMAINS};
use aero2_core::organization::invitation::Invitation;
use aero2_core::branding::Branding;
use aero2_core::organization::{Organization, TokenOrganization, MAX_MEMBERSHIPS, MAX_ORGANIZATIONS};
use aero2_core::time::UnixMillis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, Result};

#[derive(Deserialize)]
struct OrgRow {
    id: String,
    slug: String,
    name: String,
    metadata: String,
    branding: String,
    max_members: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl OrgRow {
    fn into_org(self) -> Organization {
        Organization {
            id: self.id,
            slug: self.slug,
            name: self.name,
            metadata: serde_json::from_str(&self.metadata).unwrap_or(Value::Object(serde_json::Map::new())),
            branding: serde_json::from_str::<Branding>(&self.branding).unwrap_or_default(),
            max_members: self.max_members.and_then(|n| u32::try_from(n).ok()),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const ORG_COLUMNS: &str = "id, slug, name, metadata, branding, max_members, created_at, updated_at";

fn org_args(app_id: &str, o: &Organization) -> Result<Vec<JsValue>> {
    Ok(vec![
        text(app_id),
        text(&o.id),
        text(&o.slug),
        text(&o.name),
        text(&o.metadata.to_string()),
        text(&serde_json::to_string(&o.branding)?),
        o.max_members.map_or(JsValue::NULL, |n| int(i64::from(n))),
        int(o.created_at),
        int(o.updated_at),
    ])
}

/// Inserts `o` unless the application has [`MAX_ORGANIZATIONS`] already
/// (`false`). A slug taken in the application is a unique violation.
pub async fn insert(db: &D1Database, app_id: &str, o: &Organization) -> Result<bool> {
    let mut args = org_args(app_id, o)?;
    args.push(int(i64::try_from(MAX_ORGANIZATIONS).unwrap_or(i64::MAX)));
    let r = db
        .prepare(format!(
            "INSERT INTO organizations (app_id, {ORG_COLUMNS}) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 \
             WHERE (SELECT COUNT(*) FROM organizations WHERE app_id = ?1) < ?10"
        ))
        .bind(&args)?
        .run()
        .await?;
    Ok(r.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

pub async fn update(db: &D1Database, app_id: &str, o: &Organization) -> Result<()> {
    db.prepare(
        "UPDATE organizations SET slug = ?3, name = ?4, metadata = ?5, branding = ?6, max_members = ?7, updated_at = ?9 \
         WHERE app_id = ?1 AND id = ?2",
    )
    .bind(&org_args(app_id, o)?)?
    .run()
    .await?;
    Ok(())
}

/// Deletes the organization with its memberships, invitations and domains.
pub async fn delete(db: &D1Database, app_id: &str, id: &str) -> Result<()> {
    let args = [text(app_id), text(id)];
    db.batch(vec![
        db.prepare("DELETE FROM organization_invitations WHERE app_id = ?1 AND org_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM organization_domains WHERE app_id = ?1 AND org_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM organization_departures WHERE app_id = ?1 AND org_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM organization_member_roles WHERE app_id = ?1 AND org_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM organization_members WHERE app_id = ?1 AND org_id = ?2").bind(&args)?,
        db.prepare("DELETE FROM organizations WHERE app_id = ?1 AND id = ?2").bind(&args)?,
    ])
    .await?;
    Ok(())
}

pub async fn by_id(db: &D1Database, app_id: &str, id: &str) -> Result<Option<Organization>> {
    let row: Option<OrgRow> = db
        .prepare(format!("SELECT {ORG_COLUMNS} FROM organizations WHERE app_id = ?1 AND id = ?2"))
        .bind(&[text(app_id), text(id)])?
        .first(None)
        .await?;
    Ok(row.map(OrgRow::into_org))
}

/// The organization `reference` names: its id or its slug.
pub async fn by_reference(db: &D1Database, app_id: &str, reference: &str) -> Result<Option<Organization>> {
    let row: Option<OrgRow> = db
        .prepare(format!("SELECT {ORG_COLUMNS} FROM organizations WHERE app_id = ?1 AND (id = ?2 OR slug = ?2)"))
        .bind(&[text(app_id), text(reference)])?
        .first(None)
        .await?;
    Ok(row.map(OrgRow::into_org))
}

/// One page of the application's organizations by slug, after `after`
/// (a slug), with one more than `limit` to tell whether more follow.
pub async fn list(db: &D1Database, app_id: &str, after: Option<&str>, limit: usize) -> Result<Vec<Organization>> {
    let rows: Vec<OrgRow> = db
        .prepare(format!("SELECT {ORG_COLUMNS} FROM organizations WHERE app_id = ?1 AND slug > ?2 ORDER BY slug LIMIT ?3"))
        .bind(&[text(app_id), text(after.unwrap_or("")), int(i64::try_from(limit + 1).unwrap_or(i64::MAX))])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(OrgRow::into_org).collect())
}

// -------------------------------------------------------------------- members

/// A member as the management API shows them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// Their organization roles.
    pub roles: Vec<MemberRole>,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRole {
    pub id: String,
    pub name: String,
}

#[derive(Deserialize)]
struct MemberRow {
    user_id: String,
    email: Option<String>,
    name: Option<String>,
    created_at: i64,
}

#[derive(Deserialize)]
struct MemberRoleRow {
    user_id: String,
    id: String,
    name: String,
}

/// The members of `org_id` (or the one `user_id`), with their roles.
async fn members_where(db: &D1Database, app_id: &str, org_id: &str, user_id: Option<&str>) -> Result<Vec<Member>> {
    let args = [text(app_id), text(org_id), user_id.map_or(JsValue::NULL, text)];
    let people: Vec<MemberRow> = db
        .prepare(
            "SELECT m.user_id, u.email, u.name, m.created_at FROM organization_members m \
             JOIN users u ON u.app_id = m.app_id AND u.id = m.user_id \
             WHERE m.app_id = ?1 AND m.org_id = ?2 AND (?3 IS NULL OR m.user_id = ?3) ORDER BY m.created_at, m.user_id",
        )
        .bind(&args)?
        .all()
        .await?
        .results()?;
    let roles: Vec<MemberRoleRow> = db
        .prepare(
            "SELECT mr.user_id, r.id, r.name FROM organization_member_roles mr \
             JOIN roles r ON r.app_id = mr.app_id AND r.id = mr.role_id \
             WHERE mr.app_id = ?1 AND mr.org_id = ?2 AND (?3 IS NULL OR mr.user_id = ?3) ORDER BY r.name",
        )
        .bind(&args)?
        .all()
        .await?
        .results()?;
    Ok(people
        .into_iter()
        .map(|p| Member {
            roles: roles.iter().filter(|r| r.user_id == p.user_id).map(|r| MemberRole { id: r.id.clone(), name: r.name.clone() }).collect(),
            user_id: p.user_id,
            email: p.email,
            name: p.name,
            joined_at: p.created_at,
        })
        .collect())
}

pub async fn members(db: &D1Database, app_id: &str, org_id: &str) -> Result<Vec<Member>> {
    members_where(db, app_id, org_id, None).await
}

pub async fn member(db: &D1Database, app_id: &str, org_id: &str, user_id: &str) -> Result<Option<Member>> {
    Ok(members_where(db, app_id, org_id, Some(user_id)).await?.into_iter().next())
}

/// Why a membership was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAdded {
    AlreadyMember,
    /// The organization has as many members as it may.
    Full,
    /// The user belongs to [`MAX_MEMBERSHIPS`] organizations already.
    TooManyMemberships,
}

/// Adds `user_id` to `org` with `role_ids`, within the organization's
/// member limit and the user's membership limit (one statement decides).
pub async fn add_member(db: &D1Database, app_id: &str, org: &Organization, user_id: &str, role_ids: &[String], now: UnixMillis) -> Result<std::result::Result<(), NotAdded>> {
    if is_member(db, app_id, &org.id, user_id).await? {
        return Ok(Err(NotAdded::AlreadyMember));
    }
    let r = db
        .prepare(
            "INSERT OR IGNORE INTO organization_members (app_id, org_id, user_id, created_at) SELECT ?1, ?2, ?3, ?4 \
             WHERE (SELECT COUNT(*) FROM organization_members WHERE app_id = ?1 AND org_id = ?2) < ?5 \
             AND (SELECT COUNT(*) FROM organization_members WHERE app_id = ?1 AND user_id = ?3) < ?6",
        )
        .bind(&[
            text(app_id),
            text(&org.id),
            text(user_id),
            int(now.0),
            int(i64::from(org.member_limit())),
            int(i64::try_from(MAX_MEMBERSHIPS).unwrap_or(i64::MAX)),
        ])?
        .run()
        .await?;
    if r.meta()?.and_then(|m| m.changes).unwrap_or(0) == 0 {
        if is_member(db, app_id, &org.id, user_id).await? {
            return Ok(Err(NotAdded::AlreadyMember));
        }
        let memberships = organizations_of(db, app_id, user_id).await?.len();
        return Ok(Err(if memberships >= MAX_MEMBERSHIPS { NotAdded::TooManyMemberships } else { NotAdded::Full }));
    }
    set_member_roles(db, app_id, &org.id, user_id, role_ids).await?;
    db.prepare("DELETE FROM organization_departures WHERE app_id = ?1 AND org_id = ?2 AND user_id = ?3")
        .bind(&[text(app_id), text(&org.id), text(user_id)])?
        .run()
        .await?;
    Ok(Ok(()))
}

pub async fn is_member(db: &D1Database, app_id: &str, org_id: &str, user_id: &str) -> Result<bool> {
    let row: Option<Value> = db
        .prepare("SELECT 1 AS one FROM organization_members WHERE app_id = ?1 AND org_id = ?2 AND user_id = ?3")
        .bind(&[text(app_id), text(org_id), text(user_id)])?
        .first(None)
        .await?;
    Ok(row.is_some())
}

/// Replaces the member's organization roles.
pub async fn set_member_roles(db: &D1Database, app_id: &str, org_id: &str, user_id: &str, role_ids: &[String]) -> Result<()> {
    let base = [text(app_id), text(org_id), text(user_id)];
    let mut batch = vec![db.prepare("DELETE FROM organization_member_roles WHERE app_id = ?1 AND org_id = ?2 AND user_id = ?3").bind(&base)?];
    for role in role_ids {
        batch.push(
            // Only while still a member: a removal racing this leaves no roles behind.
            db.prepare(
                "INSERT OR IGNORE INTO organization_member_roles (app_id, org_id, user_id, role_id) SELECT ?1, ?2, ?3, ?4 \
                 WHERE EXISTS (SELECT 1 FROM organization_members WHERE app_id = ?1 AND org_id = ?2 AND user_id = ?3)",
            )
            .bind(&[text(app_id), text(org_id), text(user_id), text(role)])?,
        );
    }
    db.batch(batch).await?;
    Ok(())
}

/// Removes the member, and remembers they left: the organization's
/// verified domains no longer enrol or suggest them ([`departed`]).
pub async fn remove_member(db: &D1Database, app_id: &str, org_id: &str, user_id: &str, now: UnixMillis) -> Result<()> {
    let args = [text(app_id), text(org_id), text(user_id)];
    db.batch(vec![
        db.prepare("DELETE FROM organization_member_roles WHERE app_id = ?1 AND org_id = ?2 AND user_id = ?3").bind(&args)?,
        db.prepare("DELETE FROM organization_members WHERE app_id = ?1 AND org_id = ?2 AND user_id = ?3").bind(&args)?,
        db.prepare("INSERT OR REPLACE INTO organization_departures (app_id, org_id, user_id, created_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&[text(app_id), text(org_id), text(user_id), int(now.0)])?,
    ])
    .await?;
    Ok(())
}

/// Whether `user_id` was removed from (or left) `org_id` and was not
/// added back since.
pub async fn departed(db: &D1Database, app_id: &str, org_id: &str, user_id: &str) -> Result<bool> {
    let row: Option<Value> = db
        .prepare("SELECT 1 AS one FROM organization_departures WHERE app_id = ?1 AND org_id = ?2 AND user_id = ?3")
        .bind(&[text(app_id), text(org_id), text(user_id)])?
        .first(None)
        .await?;
    Ok(row.is_some())
}

/// The organizations `user_id` belongs to, by slug.
pub async fn organizations_of(db: &D1Database, app_id: &str, user_id: &str) -> Result<Vec<Organization>> {
    let rows: Vec<OrgRow> = db
        .prepare(format!(
            "SELECT {} FROM organizations o JOIN organization_members m ON m.app_id = o.app_id AND m.org_id = o.id \
             WHERE o.app_id = ?1 AND m.user_id = ?2 ORDER BY o.slug",
            ORG_COLUMNS.split(", ").map(|c| format!("o.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(&[text(app_id), text(user_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(OrgRow::into_org).collect())
}

/// What a token issued to `user_id` in `org_id` carries of it now; `None`
/// when the organization is gone or the user is no longer a member.
pub async fn for_token(db: &D1Database, app_id: &str, org_id: &str, user_id: &str) -> Result<Option<TokenOrganization>> {
    let Some(org) = by_id(db, app_id, org_id).await? else { return Ok(None) };
    let Some(member) = member(db, app_id, org_id, user_id).await? else { return Ok(None) };
    let mut roles: Vec<String> = member.roles.into_iter().map(|r| r.name).collect();
    roles.sort();
    Ok(Some(TokenOrganization { id: org.id, slug: org.slug, roles, name: org.name, metadata: org.metadata }))
}

// ---------------------------------------------------------------- invitations

#[derive(Deserialize)]
struct InvitationRow {
    id: String,
    org_id: String,
    email: String,
    roles: String,
    inviter: String,
    return_to: Option<String>,
    created_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
    accepted_by: Option<String>,
    revoked_at: Option<i64>,
}

impl InvitationRow {
    fn into_invitation(self) -> Invitation {
        Invitation {
            id: self.id,
            org_id: self.org_id,
            email: self.email,
            roles: serde_json::from_str(&self.roles).unwrap_or_default(),
            inviter: self.inviter,
            return_to: self.return_to,
            created_at: self.created_at,
            expires_at: self.expires_at,
            accepted_at: self.accepted_at,
            accepted_by: self.accepted_by,
            revoked_at: self.revoked_at,
        }
    }
}

const INVITATION_COLUMNS: &str = "id, org_id, email, roles, inviter, return_to, created_at, expires_at, accepted_at, accepted_by, revoked_at";

/// Stores a pending invitation (only the digest of its token). An expired
/// pending one for the same address and organization is revoked first; a
/// live one makes this a unique violation.
pub async fn insert_invitation(db: &D1Database, app_id: &str, i: &Invitation, token_hash: &str) -> Result<()> {
    db.batch(vec![
        db.prepare(
            "UPDATE organization_invitations SET revoked_at = ?4 WHERE app_id = ?1 AND org_id = ?2 AND email = ?3 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= ?4",
        )
        .bind(&[text(app_id), text(&i.org_id), text(&i.email), int(i.created_at)])?,
        db.prepare(format!(
            "INSERT INTO organization_invitations (app_id, token_hash, {INVITATION_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, NULL)"
        ))
        .bind(&[
            text(app_id),
            text(token_hash),
            text(&i.id),
            text(&i.org_id),
            text(&i.email),
            text(&serde_json::to_string(&i.roles)?),
            text(&i.inviter),
            i.return_to.as_deref().map_or(JsValue::NULL, text),
            int(i.created_at),
            int(i.expires_at),
        ])?,
    ])
    .await?;
    Ok(())
}

/// The organization's invitations, newest first.
pub async fn invitations(db: &D1Database, app_id: &str, org_id: &str) -> Result<Vec<Invitation>> {
    let rows: Vec<InvitationRow> = db
        .prepare(format!("SELECT {INVITATION_COLUMNS} FROM organization_invitations WHERE app_id = ?1 AND org_id = ?2 ORDER BY created_at DESC, id"))
        .bind(&[text(app_id), text(org_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(InvitationRow::into_invitation).collect())
}

pub async fn invitation(db: &D1Database, app_id: &str, id: &str) -> Result<Option<Invitation>> {
    let row: Option<InvitationRow> = db
        .prepare(format!("SELECT {INVITATION_COLUMNS} FROM organization_invitations WHERE app_id = ?1 AND id = ?2"))
        .bind(&[text(app_id), text(id)])?
        .first(None)
        .await?;
    Ok(row.map(InvitationRow::into_invitation))
}

/// The invitation whose link carries the token with this digest, in this
/// application only.
pub async fn invitation_by_token(db: &D1Database, app_id: &str, token_hash: &str) -> Result<Option<Invitation>> {
    let row: Option<InvitationRow> = db
        .prepare(format!("SELECT {INVITATION_COLUMNS} FROM organization_invitations WHERE app_id = ?1 AND token_hash = ?2"))
        .bind(&[text(app_id), text(token_hash)])?
        .first(None)
        .await?;
    Ok(row.map(InvitationRow::into_invitation))
}

/// Revokes a pending invitation; `false` if it was not pending.
pub async fn revoke_invitation(db: &D1Database, app_id: &str, id: &str, now: UnixMillis) -> Result<bool> {
    let r = db
        .prepare("UPDATE organization_invitations SET revoked_at = ?3 WHERE app_id = ?1 AND id = ?2 AND accepted_at IS NULL AND revoked_at IS NULL")
        .bind(&[text(app_id), text(id), int(now.0)])?
        .run()
        .await?;
    Ok(r.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// Gives back an invitation `user_id` used up but could not join with (the
/// organization was full): it is pending again.
pub async fn unaccept_invitation(db: &D1Database, app_id: &str, id: &str, user_id: &str) -> Result<()> {
    db.prepare("UPDATE organization_invitations SET accepted_at = NULL, accepted_by = NULL WHERE app_id = ?1 AND id = ?2 AND accepted_by = ?3")
        .bind(&[text(app_id), text(id), text(user_id)])?
        .run()
        .await?;
    Ok(())
}

/// Uses the invitation up for `user_id`: `true` for exactly one request,
/// while it is pending and unexpired.
pub async fn accept_invitation(db: &D1Database, app_id: &str, id: &str, user_id: &str, now: UnixMillis) -> Result<bool> {
    let r = db
        .prepare(
            "UPDATE organization_invitations SET accepted_at = ?4, accepted_by = ?3 WHERE app_id = ?1 AND id = ?2 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?4",
        )
        .bind(&[text(app_id), text(id), text(user_id), int(now.0)])?
        .run()
        .await?;
    Ok(r.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

// -------------------------------------------------------------------- domains

#[derive(Deserialize)]
struct DomainRow {
    domain: String,
    org_id: String,
    enrolment: String,
    verification_token: String,
    verified_at: Option<i64>,
    created_at: i64,
}

impl DomainRow {
    fn into_domain(self) -> OrgDomain {
        OrgDomain {
            domain: self.domain,
            org_id: self.org_id,
            enrolment: serde_json::from_value(Value::String(self.enrolment)).unwrap_or_default(),
            verification_token: self.verification_token,
            verified_at: self.verified_at,
            created_at: self.created_at,
        }
    }
}

const DOMAIN_COLUMNS: &str = "domain, org_id, enrolment, verification_token, verified_at, created_at";

fn policy_text(p: Policy) -> String {
    serde_json::to_value(p).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Claims `d.domain` for its organization unless the organization has
/// [`MAX_DOMAINS`] already (`false`); a domain claimed in the application
/// already is a unique violation.
pub async fn insert_domain(db: &D1Database, app_id: &str, d: &OrgDomain) -> Result<bool> {
    let r = db
        .prepare(format!(
            "INSERT INTO organization_domains (app_id, {DOMAIN_COLUMNS}) SELECT ?1, ?2, ?3, ?4, ?5, NULL, ?6 \
             WHERE (SELECT COUNT(*) FROM organization_domains WHERE app_id = ?1 AND org_id = ?3) < ?7"
        ))
        .bind(&[
            text(app_id),
            text(&d.domain),
            text(&d.org_id),
            text(&policy_text(d.enrolment)),
            text(&d.verification_token),
            int(d.created_at),
            int(i64::try_from(MAX_DOMAINS).unwrap_or(i64::MAX)),
        ])?
        .run()
        .await?;
    Ok(r.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

pub async fn domains(db: &D1Database, app_id: &str, org_id: &str) -> Result<Vec<OrgDomain>> {
    let rows: Vec<DomainRow> = db
        .prepare(format!("SELECT {DOMAIN_COLUMNS} FROM organization_domains WHERE app_id = ?1 AND org_id = ?2 ORDER BY domain"))
        .bind(&[text(app_id), text(org_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(DomainRow::into_domain).collect())
}

/// The claim on `domain` in the application, whichever organization made it.
pub async fn domain(db: &D1Database, app_id: &str, domain: &str) -> Result<Option<OrgDomain>> {
    let row: Option<DomainRow> = db
        .prepare(format!("SELECT {DOMAIN_COLUMNS} FROM organization_domains WHERE app_id = ?1 AND domain = ?2"))
        .bind(&[text(app_id), text(domain)])?
        .first(None)
        .await?;
    Ok(row.map(DomainRow::into_domain))
}

pub async fn set_enrolment(db: &D1Database, app_id: &str, domain: &str, policy: Policy) -> Result<()> {
    db.prepare("UPDATE organization_domains SET enrolment = ?3 WHERE app_id = ?1 AND domain = ?2")
        .bind(&[text(app_id), text(domain), text(&policy_text(policy))])?
        .run()
        .await?;
    Ok(())
}

pub async fn verify_domain(db: &D1Database, app_id: &str, domain: &str, now: UnixMillis) -> Result<()> {
    db.prepare("UPDATE organization_domains SET verified_at = COALESCE(verified_at, ?3) WHERE app_id = ?1 AND domain = ?2")
        .bind(&[text(app_id), text(domain), int(now.0)])?
        .run()
        .await?;
    Ok(())
}

pub async fn delete_domain(db: &D1Database, app_id: &str, domain: &str) -> Result<()> {
    db.prepare("DELETE FROM organization_domains WHERE app_id = ?1 AND domain = ?2").bind(&[text(app_id), text(domain)])?.run().await?;
    Ok(())
}

/// The verified claim that enrols people whose confirmed address is at
/// `domain`, if any (its policy is not `none`).
pub async fn enrolling(db: &D1Database, app_id: &str, domain: &str) -> Result<Option<OrgDomain>> {
    Ok(self::domain(db, app_id, domain).await?.filter(|d| d.verified_at.is_some() && d.enrolment != Policy::None))
}

/// Who invites whom where: what [`create_invitation`] needs.
pub struct Inviting<'a> {
    pub app_id: &'a str,
    pub app_name: &'a str,
    /// The application's issuer: the link's host.
    pub issuer: &'a str,
    pub org: &'a Organization,
    pub new: &'a NewInvitation,
    /// `operator`, `key:<id>`, `user:<id>`, `member:<id>`.
    pub inviter: &'a str,
}

/// A new invitation, stored with the digest of its token, and the mail
/// carrying its link: the token leaves in the mail only. The caller
/// delivers the mail. `None` if one is pending for that address already.
pub async fn create_invitation(db: &D1Database, w: &Inviting<'_>, now: UnixMillis) -> Result<Option<(Invitation, Mail)>> {
    let new = w.new;
    let token = format!("{TOKEN_PREFIX}{}", hex(&rng::bytes::<32>()?));
    let invitation = Invitation {
        id: new_id(IdKind::Invitation, rng::bytes()?),
        org_id: w.org.id.clone(),
        email: new.email.clone(),
        roles: new.roles.clone(),
        inviter: w.inviter.to_owned(),
        return_to: new.return_to.clone(),
        created_at: now.0,
        expires_at: new.expires_at(now).0,
        accepted_at: None,
        accepted_by: None,
        revoked_at: None,
    };
    match insert_invitation(db, w.app_id, &invitation, &sha256_hex(token.as_bytes())).await {
        Err(e) if crate::db::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
        Ok(()) => {
            let (subject, body) = invitation::mail(w.app_name, &w.org.name, w.issuer, &token, new.ttl_days);
            let mail = Mail { recipient: invitation.email.clone(), subject, body, kind: invitation::MAIL_KIND.into() };
            Ok(Some((invitation, mail)))
        }
    }
}

// ------------------------------------------------------------------ privileges

#[derive(Deserialize)]
struct GrantRow {
    api_id: String,
    value: String,
}

#[derive(Deserialize)]
struct OrgPermsRow {
    org_permissions: String,
}

/// What the roles `role_ids` grant together: `api` roles' API permissions
/// and `org` roles' organization permissions.
async fn grants_of(db: &D1Database, app_id: &str, api: &[String], org: &[String]) -> Result<Privileges> {
    let mut p = Privileges::default();
    let grants: Vec<GrantRow> = db
        .prepare("SELECT DISTINCT api_id, value FROM role_permissions WHERE app_id = ?1 AND role_id IN (SELECT value FROM json_each(?2))")
        .bind(&[text(app_id), text(&serde_json::to_string(api)?)])?
        .all()
        .await?
        .results()?;
    let perms: Vec<OrgPermsRow> = db
        .prepare("SELECT org_permissions FROM roles WHERE app_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
        .bind(&[text(app_id), text(&serde_json::to_string(org)?)])?
        .all()
        .await?
        .results()?;
    p.add(
        grants.into_iter().map(|g| Grant { api_id: g.api_id, value: g.value }),
        perms.into_iter().flat_map(|r| serde_json::from_str::<Vec<String>>(&r.org_permissions).unwrap_or_default()),
    );
    Ok(p)
}

/// Everything the roles `role_ids` grant (for giving or taking them).
pub async fn privileges_of(db: &D1Database, app_id: &str, role_ids: &[String]) -> Result<Privileges> {
    grants_of(db, app_id, role_ids, role_ids).await
}

/// What `user_id` holds in `org_id`: API permissions from their
/// application roles and organization roles (as their tokens there do),
/// organization permissions from their organization roles only.
pub async fn held_in(db: &D1Database, app_id: &str, org_id: &str, user_id: &str) -> Result<Option<(Member, Privileges)>> {
    let Some(member) = member(db, app_id, org_id, user_id).await? else { return Ok(None) };
    let org_roles: Vec<String> = member.roles.iter().map(|r| r.id.clone()).collect();
    #[derive(Deserialize)]
    struct RoleId {
        role_id: String,
    }
    let app_roles: Vec<RoleId> = db
        .prepare("SELECT role_id FROM user_roles WHERE app_id = ?1 AND user_id = ?2")
        .bind(&[text(app_id), text(user_id)])?
        .all()
        .await?
        .results()?;
    let app_roles: Vec<String> = app_roles.into_iter().map(|r| r.role_id).collect();
    let api_roles: Vec<String> = org_roles.iter().chain(app_roles.iter()).cloned().collect();
    let held = grants_of(db, app_id, &api_roles, &org_roles).await?;
    Ok(Some((member, held)))
}

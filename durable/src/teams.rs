//! Developer Teams in D1: organizations of the Dashboard application
//! (`crate::organizations`) that own applications (`application_teams`),
//! each member holding one team role (`aero2_core::dashboard::TeamRole`,
//! a Dashboard role given as their organization role).

use crate::db::{int, text};
use crate::organizations as orgs;
use aero2_core::application::DASHBOARD_APP_ID;
use aero2_core::dashboard::TeamRole;
use aero2_core::organization::Organization;
use aero2_core::time::UnixMillis;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, Result};

#[derive(Deserialize)]
struct Name {
    name: String,
}

#[derive(Deserialize)]
struct AppTeam {
    app_id: String,
    team_id: String,
}

/// The team that owns `app_id`, if any (the operator's applications have none).
pub async fn of_app(db: &D1Database, app_id: &str) -> Result<Option<String>> {
    let row: Option<AppTeam> = db.prepare("SELECT app_id, team_id FROM application_teams WHERE app_id = ?1").bind(&[text(app_id)])?.first(None).await?;
    Ok(row.map(|r| r.team_id))
}

/// Every application's team, as (application, team).
pub async fn all_apps(db: &D1Database) -> Result<Vec<(String, String)>> {
    let rows: Vec<AppTeam> = db.prepare("SELECT app_id, team_id FROM application_teams").all().await?.results()?;
    Ok(rows.into_iter().map(|r| (r.app_id, r.team_id)).collect())
}

/// `user_id`'s role in `team_id`, if they are a member.
pub async fn role_in(db: &D1Database, team_id: &str, user_id: &str) -> Result<Option<TeamRole>> {
    let names: Vec<Name> = db
        .prepare(
            "SELECT r.name FROM organization_member_roles mr JOIN roles r ON r.app_id = mr.app_id AND r.id = mr.role_id \
             WHERE mr.app_id = ?1 AND mr.org_id = ?2 AND mr.user_id = ?3",
        )
        .bind(&[text(DASHBOARD_APP_ID), text(team_id), text(user_id)])?
        .all()
        .await?
        .results()?;
    Ok(TeamRole::of(names.iter().map(|n| n.name.as_str())))
}

/// `user_id`'s role in the team that owns `app_id`.
pub async fn role_for_app(db: &D1Database, app_id: &str, user_id: &str) -> Result<Option<TeamRole>> {
    match of_app(db, app_id).await? {
        Some(team) => role_in(db, &team, user_id).await,
        None => Ok(None),
    }
}

/// The applications of the teams `user_id` belongs to, with their team.
pub async fn apps_of_user(db: &D1Database, user_id: &str) -> Result<Vec<(String, String)>> {
    let rows: Vec<AppTeam> = db
        .prepare(
            "SELECT t.app_id, t.team_id FROM application_teams t \
             JOIN organization_members m ON m.app_id = ?1 AND m.org_id = t.team_id WHERE m.user_id = ?2",
        )
        .bind(&[text(DASHBOARD_APP_ID), text(user_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| (r.app_id, r.team_id)).collect())
}

/// The ids of `team_id`'s applications.
pub async fn apps_of(db: &D1Database, team_id: &str) -> Result<Vec<String>> {
    let rows: Vec<AppTeam> = db
        .prepare("SELECT app_id, team_id FROM application_teams WHERE team_id = ?1 ORDER BY created_at, app_id")
        .bind(&[text(team_id)])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| r.app_id).collect())
}

/// Gives `user_id` the one team role `role` in `team_id`.
pub async fn set_role(db: &D1Database, team_id: &str, user_id: &str, role: TeamRole) -> Result<()> {
    let Some(id) = role_id(db, role).await? else { return Err(worker::Error::RustError(format!("the Dashboard has no role {}", role.name()))) };
    orgs::set_member_roles(db, DASHBOARD_APP_ID, team_id, user_id, &[id]).await
}

/// The Dashboard role's id for `role`.
pub async fn role_id(db: &D1Database, role: TeamRole) -> Result<Option<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let row: Option<Id> = db.prepare("SELECT id FROM roles WHERE app_id = ?1 AND name = ?2").bind(&[text(DASHBOARD_APP_ID), text(role.name())])?.first(None).await?;
    Ok(row.map(|r| r.id))
}

/// The members of `team_id` with their team role.
pub async fn members(db: &D1Database, team_id: &str) -> Result<Vec<(orgs::Member, Option<TeamRole>)>> {
    Ok(orgs::members(db, DASHBOARD_APP_ID, team_id)
        .await?
        .into_iter()
        .map(|m| {
            let role = TeamRole::of(m.roles.iter().map(|r| r.name.as_str()));
            (m, role)
        })
        .collect())
}

/// The teams `user_id` belongs to.
pub async fn of_user(db: &D1Database, user_id: &str) -> Result<Vec<Organization>> {
    orgs::organizations_of(db, DASHBOARD_APP_ID, user_id).await
}

/// The statements that give a new Dashboard user their personal team,
/// owned by them (in the batch that creates the user).
pub fn personal_team_statements(db: &D1Database, user_id: &str, team_id: &str, now: UnixMillis) -> Result<Vec<D1PreparedStatement>> {
    let slug = format!("personal-{}", user_id.trim_start_matches("usr_"));
    let metadata = serde_json::json!({ "personal_of": user_id }).to_string();
    Ok(vec![
        db.prepare(
            "INSERT INTO organizations (app_id, id, slug, name, metadata, branding, max_members, created_at, updated_at) \
             VALUES (?1, ?2, ?3, 'Personal', ?4, '{}', NULL, ?5, ?5)",
        )
        .bind(&[text(DASHBOARD_APP_ID), text(team_id), text(&slug), text(&metadata), int(now.0)])?,
        db.prepare("INSERT INTO organization_members (app_id, org_id, user_id, created_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&[text(DASHBOARD_APP_ID), text(team_id), text(user_id), int(now.0)])?,
        db.prepare(
            "INSERT INTO organization_member_roles (app_id, org_id, user_id, role_id) \
             SELECT ?1, ?2, ?3, r.id FROM roles r WHERE r.app_id = ?1 AND r.name = ?4",
        )
        .bind(&[text(DASHBOARD_APP_ID), text(team_id), text(user_id), text(TeamRole::Owner.name())])?,
    ])
}

/// `user_id`'s personal team, if they have one.
pub async fn personal_of(db: &D1Database, user_id: &str) -> Result<Option<Organization>> {
    Ok(of_user(db, user_id).await?.into_iter().find(|t| t.metadata.get("personal_of").and_then(|v| v.as_str()) == Some(user_id)))
}

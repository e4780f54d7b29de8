//! `/applications/{id}/roles`: roles, the permissions of the application's
//! APIs each one grants, and `/users/{user_id}/roles`: who has them
//! (`aero2_core::rbac`).

use super::{body, Ctx, Outcome};
use crate::fail::ApiResult;
use crate::{db, directory, now, respond, rng};
use aero2_core::application::Application;
use aero2_core::error::ApiError;
use aero2_core::ids::{is_id, new_id, IdKind};
use aero2_core::rbac::{parse_grants, parse_role_ids, Role, RoleFields, MAX_ROLES, MAX_ROLE_PERMISSIONS, MAX_USER_ROLES};
use serde_json::json;
use worker::Request;

fn name_taken() -> ApiError {
    ApiError::Conflict { field: "name", message: "is already a role of this application".into() }
}

pub async fn list(ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let roles = directory::list_roles(&ctx.db, &app.id).await?;
    Ok(respond::json(200, &json!({ "roles": roles }))?)
}

pub async fn create(req: Request, ctx: &Ctx<'_>, app: &Application) -> Outcome {
    let fields = RoleFields::from_json(&body::json(req).await?, true)?;
    if directory::list_roles(&ctx.db, &app.id).await?.len() >= MAX_ROLES {
        return Err(ApiError::InvalidBody(format!("an application may define at most {MAX_ROLES} roles")).into());
    }
    let t = now().0;
    let role = Role {
        id: new_id(IdKind::Role, rng::bytes()?),
        name: fields.name.unwrap_or_default(),
        description: fields.description.unwrap_or_default(),
        organization_permissions: fields.organization_permissions.unwrap_or_default(),
        created_at: t,
        updated_at: t,
    };
    match directory::insert_role(&ctx.db, &app.id, &role).await {
        Err(e) if db::is_unique_violation(&e) => Err(name_taken().into()),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(respond::json(201, &role)?),
    }
}

/// The role `id` of this application; junk ids never reach D1.
async fn load(ctx: &Ctx<'_>, app: &Application, id: &str) -> ApiResult<Role> {
    if !is_id(IdKind::Role, id) {
        return Err(ApiError::NotFound.into());
    }
    Ok(directory::role(&ctx.db, &app.id, id).await?.ok_or(ApiError::NotFound)?)
}

pub async fn get(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    Ok(respond::json(200, &load(ctx, app, id).await?)?)
}

pub async fn update(req: Request, ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    let role = load(ctx, app, id).await?;
    let fields = RoleFields::from_json(&body::json(req).await?, false)?;
    let updated = Role {
        name: fields.name.unwrap_or(role.name),
        description: fields.description.unwrap_or(role.description),
        organization_permissions: fields.organization_permissions.unwrap_or(role.organization_permissions),
        updated_at: now().0,
        ..role
    };
    match directory::update_role(&ctx.db, &app.id, &updated).await {
        Err(e) if db::is_unique_violation(&e) => Err(name_taken().into()),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(respond::json(200, &updated)?),
    }
}

pub async fn delete(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    load(ctx, app, id).await?;
    directory::delete_role(&ctx.db, &app.id, id).await?;
    Ok(respond::no_content()?)
}

pub async fn permissions(ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    load(ctx, app, id).await?;
    let granted = directory::role_permissions(&ctx.db, &app.id, id).await?;
    Ok(respond::json(200, &json!({ "permissions": granted }))?)
}

/// Adds permissions (each defined by one of the application's APIs).
pub async fn grant(req: Request, ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    load(ctx, app, id).await?;
    let apis = directory::list_apis(&ctx.db, &app.id).await?;
    let grants = parse_grants(&body::json(req).await?, &apis)?;
    let mut all = directory::role_permissions(&ctx.db, &app.id, id).await?;
    all.extend(grants.iter().cloned());
    all.sort();
    all.dedup();
    if all.len() > MAX_ROLE_PERMISSIONS {
        return Err(ApiError::invalid("permissions", format!("a role may grant at most {MAX_ROLE_PERMISSIONS} permissions")).into());
    }
    directory::add_role_permissions(&ctx.db, &app.id, id, &grants).await?;
    Ok(respond::json(200, &json!({ "permissions": all }))?)
}

/// Removes permissions; ones the role does not grant are ignored.
pub async fn revoke(req: Request, ctx: &Ctx<'_>, app: &Application, id: &str) -> Outcome {
    load(ctx, app, id).await?;
    let apis = directory::list_apis(&ctx.db, &app.id).await?;
    let grants = parse_grants(&body::json(req).await?, &apis)?;
    directory::remove_role_permissions(&ctx.db, &app.id, id, &grants).await?;
    let left = directory::role_permissions(&ctx.db, &app.id, id).await?;
    Ok(respond::json(200, &json!({ "permissions": left }))?)
}

/// The user `user_id` of this application must exist.
async fn user_exists(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> ApiResult<()> {
    if !is_id(IdKind::User, user_id) || directory::user_by_id(&ctx.db, &app.id, user_id).await?.is_none() {
        return Err(ApiError::NotFound.into());
    }
    Ok(())
}

pub async fn of_user(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    user_exists(ctx, app, user_id).await?;
    roles_of(ctx, app, user_id).await
}

/// The answer of every `/users/{user_id}/roles` call: the roles held now.
async fn roles_of(ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    let roles = directory::user_roles(&ctx.db, &app.id, user_id).await?;
    Ok(respond::json(200, &json!({ "roles": roles }))?)
}

/// Assigns roles (each one of the application's) to the user.
pub async fn assign(req: Request, ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    user_exists(ctx, app, user_id).await?;
    let known = directory::list_roles(&ctx.db, &app.id).await?;
    let ids = parse_role_ids(&body::json(req).await?, &known)?;
    let mut held: Vec<String> = directory::user_roles(&ctx.db, &app.id, user_id).await?.into_iter().map(|r| r.id).collect();
    held.extend(ids.iter().cloned());
    held.sort();
    held.dedup();
    if held.len() > MAX_USER_ROLES {
        return Err(ApiError::invalid("roles", format!("a user may have at most {MAX_USER_ROLES} roles")).into());
    }
    directory::assign_roles(&ctx.db, &app.id, user_id, &ids, now()).await?;
    roles_of(ctx, app, user_id).await
}

/// Takes roles away; ones the user does not have are ignored.
pub async fn unassign(req: Request, ctx: &Ctx<'_>, app: &Application, user_id: &str) -> Outcome {
    user_exists(ctx, app, user_id).await?;
    let known = directory::list_roles(&ctx.db, &app.id).await?;
    let ids = parse_role_ids(&body::json(req).await?, &known)?;
    directory::unassign_roles(&ctx.db, &app.id, user_id, &ids).await?;
    roles_of(ctx, app, user_id).await
}

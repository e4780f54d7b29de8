//! The application's users as the OP reads them on hot paths (refresh,
//! UserInfo, introspection): from D1, cached in the object for at most a
//! minute (`op::caches`). Whatever changes a user (disable, profile, password) calls
//! `tenant_command::Command::UsersChanged`, which drops the cache at once; the minute
//! is only a backstop.

use super::Op;
use crate::directory::{self, User};
use crate::db;
use worker::Result;

/// The user `id` of this application, if any.
pub async fn user(op: &Op<'_>, id: &str) -> Result<Option<User>> {
    if let Some(u) = op.caches.users.borrow_mut().get(&id.to_owned(), op.now) {
        return Ok(Some(u));
    }
    let since = op.caches.users.borrow().epoch();
    let found = directory::user_by_id(&db::database(op.env)?, &op.app.id, id).await?;
    // A user not found was not cached either (`UserDeleted` drops the copy).
    if let Some(u) = &found {
        op.caches.users.borrow_mut().insert_since(id.to_owned(), u.clone(), op.now, since);
    }
    Ok(found)
}

/// Drops the cached copy of user `id` (changed by this object).
pub fn forget(op: &Op<'_>, id: &str) {
    op.caches.users.borrow_mut().remove(&id.to_owned());
}

/// A user changed here (profile, address, password): this object's copies
/// go at once, and every other tenant shard is told, as the management API
/// tells all of them (`Command::UsersChanged`). Telling them is best
/// effort, never a reason to stop what follows (ending sessions, the
/// undo mail): a shard that was not reached drops its copy within the
/// cache's minute.
pub async fn changed(op: &Op<'_>) {
    op.caches.users.borrow_mut().clear();
    let others = super::grants::other_shards(op);
    let command = crate::tenant_command::Command::UsersChanged;
    for (shard, sent) in others.clone().zip(futures_util::future::join_all(others.map(|shard| command.send_to(op.env, &op.app.id, shard))).await) {
        if let Err(e) = sent {
            worker::console_error!("tenant shard {shard} of {} not told a user changed: {e}", op.app.id);
        }
    }
}

//! The application's users as the OP reads them on hot paths (refresh,
//! UserInfo, introspection): from D1, cached in the object for at most a
//! minute. Whatever changes a user (disable, profile, password) calls
//! `tenant_command::Command::UsersChanged`, which drops the cache at once; the minute
//! is only a backstop.

use super::Op;
use crate::directory::{self, User};
use crate::db;
use aero2_core::time::UnixMillis;
use std::collections::HashMap;
use worker::Result;

const TTL_MS: i64 = 60_000;
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct UserCache {
    entries: HashMap<String, (UnixMillis, User)>,
}

impl UserCache {
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// The user `id` of this application, if any.
pub async fn user(op: &Op<'_>, id: &str) -> Result<Option<User>> {
    if let Some((at, u)) = op.users.borrow().entries.get(id) {
        if op.now.0 - at.0 < TTL_MS {
            return Ok(Some(u.clone()));
        }
    }
    let found = directory::user_by_id(&db::database(op.env)?, &op.app.id, id).await?;
    let mut cache = op.users.borrow_mut();
    if cache.entries.len() >= CAPACITY {
        cache.entries.clear();
    }
    match &found {
        Some(u) => cache.entries.insert(id.to_owned(), (op.now, u.clone())),
        None => cache.entries.remove(id),
    };
    Ok(found)
}

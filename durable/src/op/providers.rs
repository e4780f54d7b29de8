//! The application's upstream identity providers (its API's and the
//! deployment's static ones), as the Relying Party, the sign-in page and
//! the account API need them: read from D1 once, kept in the object until
//! the management API says they changed (`idps_changed`) or a minute passes.

use super::Op;
use crate::{db, idps};
use aero2_core::rp::config::Idp;
use worker::Result;

/// Every provider of the application, enabled or not.
pub async fn all(op: &Op<'_>) -> Result<Vec<Idp>> {
    if let Some(list) = op.caches.idps.borrow_mut().get(&(), op.now) {
        return Ok(list);
    }
    let since = op.caches.idps.borrow().epoch();
    let list = idps::list(&db::database(op.env)?, op.env, &op.app.id, &op.app.slug).await?;
    op.caches.idps.borrow_mut().insert_since((), list.clone(), op.now, since);
    Ok(list)
}

/// The enabled ones, which the sign-in page offers.
pub async fn enabled(op: &Op<'_>) -> Result<Vec<Idp>> {
    Ok(all(op).await?.into_iter().filter(|i| i.enabled).collect())
}

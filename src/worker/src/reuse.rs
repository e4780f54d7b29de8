//! What the front Worker's JavaScript entry (`src/worker/js/entry.mjs`)
//! answers by itself, without entering the wasm.
//!
//! The public documents (`crate::edge`) are the same answer for the same
//! request until a cached copy they come from expires or is dropped. The
//! wasm marks such an answer with [`REUSE_HEADER`] (until when, for which
//! application), for no origin or an allowed one only
//! (`aero2_core::cors::answer_reusable_for`); the entry keeps it and gives
//! it again to a request with the same method, URL without its query,
//! `Host` and `Origin` (all the answer depends on: `Finished::answer`),
//! with a request id of its own. Whatever drops an application's copies
//! here ([`crate::forget`], a settings change, a record read afresh) is
//! passed on with [`FORGET_HEADER`], and the entry drops its answers for
//! it at once, and keeps none the wasm made while a drop went by.
//!
//! Which answers may be kept, until when, and when they are dropped is
//! decided here; what they depend on (the entry's key) and how many are
//! kept, in the entry.
//!
//! Measured with `scripts/bench.sh` (CPU µs per request of the workerd
//! process, c=1 / c=32): answered from the wasm's caches, discovery cost
//! 150 / 57 against 77 / 37 for a JavaScript Worker answering `ok`, most of
//! it entering the wasm (the request's conversion, the header reads, the
//! glue); given again by the entry, 90 / 43, against 80 / 40 for a
//! JavaScript Worker giving the same answer (bench/README.md).

use aero2_core::time::UnixMillis;
pub use aero2_durable::forward::{FORGET_HEADER, REUSE_HEADER};
use worker::{web_sys, Result};

/// Marks `resp` (finished, for this request) as the answer to give again
/// to the same request until `until`, for the application `app_id`.
pub fn mark(resp: &web_sys::Response, until: UnixMillis, app_id: &str) -> Result<()> {
    resp.headers().set(REUSE_HEADER, &format!("{} {app_id}", until.0))?;
    Ok(())
}

/// Tells the entry to drop what it keeps of each application in `app_ids`.
pub fn forgotten(resp: &web_sys::Response, app_ids: &[String]) -> Result<()> {
    let headers = resp.headers();
    for id in app_ids {
        headers.append(FORGET_HEADER, id)?;
    }
    Ok(())
}

//! The runtime's floor for a Worker written in Rust with the worker crate,
//! as Aero2 is: the routes of `bench/floor-worker.mjs`, written the way the
//! worker crate's documentation writes them, with no Aero2 code. Served
//! beside Aero2 in the same workerd process (`bench/serve-aero2.mjs`), it
//! measures what entering the wasm costs a request of each shape before
//! any work is done: the difference between this floor and the JavaScript
//! one is the stack's, the difference between Aero2 and this floor is
//! Aero2's own work.
//!
//!   GET /        answered by the Worker
//!   GET /do      Worker → one SQLite-backed Durable Object → "ok"
//!   GET /do-do   Worker → object → a second object → "ok"

use worker::{durable_object, event, Context, DurableObject, Env, Request, Response, Result, State};

const BINDING: &str = "HOP";

#[durable_object]
pub struct Hop {
    env: Env,
}

impl DurableObject for Hop {
    fn new(_state: State, env: Env) -> Self {
        Self { env }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.url()?.query_pairs().any(|(k, _)| k == "next") {
            return self.env.durable_object(BINDING)?.id_from_name("second")?.get_stub()?.fetch_with_str("http://hop/").await;
        }
        Response::ok("ok")
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let hop = |url: &'static str| async move { env.durable_object(BINDING)?.id_from_name("first")?.get_stub()?.fetch_with_str(url).await };
    match req.path().as_str() {
        "/do" => hop("http://hop/").await,
        "/do-do" => hop("http://hop/?next").await,
        _ => Response::ok("ok"),
    }
}

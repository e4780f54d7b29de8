//! The runtime's floor for a Worker written in Rust, as Aero2 is: the
//! routes of `bench/floor-worker.mjs`, with no Aero2 code. Served beside
//! Aero2 in the same workerd process (`bench/serve-aero2.mjs`), it
//! measures what entering the wasm costs a request of each shape before
//! any work is done: the difference between this floor and the JavaScript
//! one is the stack's, the difference between Aero2 and this floor is
//! Aero2's own work.
//!
//!   GET /        answered by the Worker
//!   GET /do      Worker → one SQLite-backed Durable Object → "ok"
//!   GET /do-do   Worker → object → a second object → "ok"
//!
//! By default the entry points are the worker crate's, written the way its
//! documentation writes them. With the feature `raw` they are written by
//! hand against wasm-bindgen and web-sys (no request or answer converted
//! to the crate's types): what is left then is wasm-bindgen's and the
//! runtime's.

const BINDING: &str = "HOP";

#[cfg(not(feature = "raw"))]
mod with_the_crate {
    use super::BINDING;
    use worker::{durable_object, event, Context, DurableObject, Env, Request, Response, Result, State};

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
}

#[cfg(feature = "raw")]
mod raw {
    use super::BINDING;
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::{future_to_promise, JsFuture};
    use js_sys::{Promise, Reflect};
    use worker::web_sys::{Request, Response};
    use worker::worker_sys::DurableObjectNamespace;

    // The worker crate's start-up exports, which worker-build's module calls.
    use worker as _;

    async fn hop(env: &JsValue, name: &str, url: &str) -> Result<Response, JsValue> {
        let ns: DurableObjectNamespace = Reflect::get(env, &JsValue::from_str(BINDING))?.unchecked_into();
        let stub = ns.get(&ns.id_from_name(name)?)?;
        Ok(JsFuture::from(stub.fetch_with_str(url)?).await?.unchecked_into())
    }

    fn ok() -> Result<Response, JsValue> {
        Response::new_with_opt_str(Some("ok"))
    }

    #[wasm_bindgen]
    pub struct Hop {
        env: JsValue,
    }

    #[wasm_bindgen]
    impl Hop {
        #[wasm_bindgen(constructor)]
        #[must_use]
        pub fn new(_state: JsValue, env: JsValue) -> Hop {
            Hop { env }
        }

        pub fn fetch(&self, req: &Request) -> Promise {
            let env = self.env.clone();
            let next = req.url().ends_with("?next");
            future_to_promise(async move {
                if next {
                    hop(&env, "second", "http://hop/").await.map(Into::into)
                } else {
                    ok().map(Into::into)
                }
            })
        }
    }

    #[wasm_bindgen]
    pub async fn fetch(req: Request, env: JsValue, _ctx: JsValue) -> Result<Response, JsValue> {
        let url = req.url();
        match url.splitn(4, '/').nth(3).unwrap_or_default() {
            "do" => hop(&env, "first", "http://hop/").await,
            "do-do" => hop(&env, "first", "http://hop/?next").await,
            _ => ok(),
        }
    }
}

//! The contract between the front Worker and `TenantApp`.
//!
//! The front Worker resolves the host to an [`Application`] and passes it in
//! [`APPLICATION_HEADER`]. Every header only Aero2 may set is removed first
//! ([`RESERVED_HEADERS`]), so only the Worker itself can set these; a
//! request carrying [`INTERNAL_HEADER`] therefore comes from our own code.

use worker::{Env, Request, Result};

/// The platform's parent domain (`<slug>.<PLATFORM_DOMAIN>`), a Worker var.
pub const PLATFORM_DOMAIN_VAR: &str = "PLATFORM_DOMAIN";

/// A Worker variable (`None` when unset), read once per isolate: a
/// deployment's variables do not change under a running isolate, and the
/// hot path needs some on every request (each read is a property lookup
/// and a string across the wasm boundary).
fn isolate_var(env: &Env, name: &'static str) -> Option<String> {
    thread_local! {
        static VARS: std::cell::RefCell<std::collections::HashMap<&'static str, Option<String>>> = std::cell::RefCell::default();
    }
    if let Some(known) = VARS.with(|v| v.borrow().get(name).cloned()) {
        return known;
    }
    let value = env.var(name).ok().map(|v| v.to_string());
    VARS.with(|v| v.borrow_mut().insert(name, value.clone()));
    value
}

/// [`PLATFORM_DOMAIN_VAR`] (`isolate_var`): every request needs it.
pub fn platform_domain(env: &Env) -> Result<String> {
    isolate_var(env, PLATFORM_DOMAIN_VAR).ok_or_else(|| worker::Error::RustError(format!("{PLATFORM_DOMAIN_VAR} is not configured")))
}
/// Declares each header only Aero2 itself may set, and
/// [`RESERVED_HEADERS`] listing every one of them: a reserved header cannot
/// be declared and left off the list the front Worker strips.
macro_rules! reserved_headers {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $($(#[$doc])* pub const $name: &str = $value;)*
        /// Every header only Aero2 itself may set. The front Worker deletes
        /// these from whatever a client sends, and from whatever leaves.
        pub const RESERVED_HEADERS: &[&str] = &[$($name),*];
    };
}

reserved_headers! {
    /// The application the request is for (its record as JSON, as the
    /// front Worker resolved it from the host); on an answer, a newer record
    /// the object holds, for the Worker to keep.
    APPLICATION_HEADER = "x-aero2-application";
    /// A command from Aero2's own code to an object (`crate::tenant_command`),
    /// never a client's request.
    INTERNAL_HEADER = "x-aero2-internal";
    /// The issuer identifier for this request's host (`aero2_core::host::issuer_for`).
    ISSUER_HEADER = "x-aero2-issuer";
    /// Set when the request came through a custom domain (its hostname), so
    /// the object can check the domain is still one of its own.
    CUSTOM_DOMAIN_HEADER = "x-aero2-custom-domain";
    /// Set by a tombstoned `TenantApp` on its answers, so the front Worker drops
    /// its cached resolution at once. Stripped before the response leaves.
    TOMBSTONE_HEADER = "x-aero2-tombstone";
    /// Set by the management API on the answer of a change the front Worker
    /// caches the effects of (the application deleted or changed, its keys
    /// rotated or moved, a custom domain removed): the value is the
    /// application's id, and the Worker drops its resolution and JWKS at once.
    /// The front Worker passes the same to its JavaScript entry (a list of
    /// ids, `aero2_worker::reuse`), which strips it before the response leaves.
    FORGET_HEADER = "x-aero2-forget";
    /// Set by the front Worker on an answer its JavaScript entry may give
    /// again, unchanged but for the request id, to the same request
    /// (`aero2_worker::reuse`): until when, and for which application. The
    /// entry strips it before the response leaves.
    REUSE_HEADER = "x-aero2-reuse";
    /// Set by the OP on a redirect to a client (the client URL): the front
    /// Worker lets `form-action` reach that one origin on that one response.
    FORM_ACTION_HEADER = "x-aero2-form-action";
    /// The request's id (Cloudflare's `cf-ray`, else one the front Worker
    /// draws), for the audit log; the Worker returns it as `x-request-id`.
    REQUEST_ID_HEADER = "x-aero2-request-id";
    /// Set on a web-app file whose page may use inline styles
    /// (`aero2_core::dashboard::web_app_inline_styles`); the front Worker's
    /// policy then admits them. Stripped before the response leaves.
    INLINE_STYLES_HEADER = "x-aero2-inline-styles";
    /// Which of the application's tenant shards the request is for
    /// (`aero2_core::tenant_shards`); absent for shard 0, the home object.
    SHARD_HEADER = "x-aero2-shard";
    /// When the front Worker's Cache API copy of a JWKS was fetched from the
    /// signer (that copy only; an answer is rebuilt without it).
    FETCHED_AT_HEADER = "x-aero2-fetched-at";
}

pub const TENANT_APP_BINDING: &str = "TENANT_APP";
pub const JWKS_SIGNER_BINDING: &str = "JWKS_SIGNER";

/// A native copy of `headers` without any of [`RESERVED_HEADERS`], in one
/// call across the wasm boundary (`crate::headers`).
pub fn copy_without_reserved(headers: &worker::Headers) -> Result<worker::Headers> {
    thread_local! {
        static RESERVED: crate::headers::Names = crate::headers::Names::new(RESERVED_HEADERS);
    }
    RESERVED.with(|names| crate::headers::copy_without(headers, names))
}

/// The stub of an application's `TenantApp` shard `shard`
/// (`aero2_core::tenant_shards::object_name`: shard 0 is named by the
/// application id alone). Whoever calls it tells the object its shard
/// with [`SHARD_HEADER`] ([`mark_shard`]).
pub fn tenant_stub(env: &Env, app_id: &str, shard: u8) -> Result<Object> {
    Object::named(env, TENANT_APP_BINDING, &aero2_core::tenant_shards::object_name(app_id, shard), None)
}

/// A Durable Object's stub, on worker-sys's types. The hot path names an
/// object on every request; through the worker crate that is ~20 calls
/// across the wasm boundary (the binding's type checked, the name hashed
/// into an id, the request and the answer converted), each through
/// wasm-bindgen's glue (`crate::headers` says why those count). Here the
/// binding and the name's id are kept per isolate and the request and the
/// answer pass as they are: three calls.
pub struct Object(worker::worker_sys::DurableObject);

impl Object {
    /// The object named `name` in namespace `binding`, created at
    /// `location_hint` if it does not exist yet.
    fn named(env: &Env, binding: &'static str, name: &str, location_hint: Option<&str>) -> Result<Self> {
        use worker::wasm_bindgen::{JsCast, JsValue};
        use worker::worker_sys::{DurableObjectId, DurableObjectNamespace};
        /// Names whose ids are kept per binding: more are forgotten at once
        /// (an id is the name's hash, made again at the cost of one call).
        const KEPT_IDS: usize = 4096;
        /// A namespace binding and the ids of the names used with it.
        struct Bound {
            binding: &'static str,
            ns: DurableObjectNamespace,
            ids: std::collections::HashMap<String, DurableObjectId>,
        }
        thread_local! {
            static BOUND: std::cell::RefCell<Vec<Bound>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        // Everything is used in place: cloning a JavaScript value is itself
        // a call across the boundary.
        BOUND.with(|bound| {
            let mut bound = bound.borrow_mut();
            if !bound.iter().any(|b| b.binding == binding) {
                let ns = env.durable_object(binding)?.as_ref().clone().unchecked_into();
                bound.push(Bound { binding, ns, ids: std::collections::HashMap::new() });
            }
            let Some(b) = bound.iter_mut().find(|b| b.binding == binding) else {
                return Err(worker::Error::RustError(format!("no binding {binding}")));
            };
            if !b.ids.contains_key(name) {
                let id = b.ns.id_from_name(name)?;
                if b.ids.len() >= KEPT_IDS {
                    // A new map gives the memory back; `clear` keeps it.
                    b.ids = std::collections::HashMap::new();
                }
                b.ids.insert(name.to_owned(), id);
            }
            let Some(id) = b.ids.get(name) else {
                return Err(worker::Error::RustError(format!("no id for {name}")));
            };
            let stub = match location_hint {
                Some(hint) => {
                    let options = worker::js_sys::Object::new();
                    worker::js_sys::Reflect::set(&options, &JsValue::from_str("locationHint"), &JsValue::from_str(hint))?;
                    b.ns.get_with_options(id, &options)?
                }
                None => b.ns.get(id)?,
            };
            Ok(Self(stub))
        })
    }

    /// Sends `req` to the object; its answer.
    pub async fn fetch(&self, req: &worker::web_sys::Request) -> Result<worker::web_sys::Response> {
        use worker::wasm_bindgen::JsCast;
        let answer = worker::wasm_bindgen_futures::JsFuture::from(self.0.fetch_with_request(req)?).await?;
        Ok(answer.dyn_into()?)
    }
}

/// Tells the object a request goes to which shard it is (nothing for the
/// home object).
pub fn mark_shard(headers: &worker::Headers, shard: u8) -> Result<()> {
    if shard != 0 {
        headers.set(SHARD_HEADER, &shard.to_string())?;
    }
    Ok(())
}

/// The shard a request to a `TenantApp` names ([`mark_shard`]); `None`
/// when the header is not a shard number.
pub fn shard_of(req: &Request) -> Result<Option<u8>> {
    Ok(match req.headers().get(SHARD_HEADER)? {
        None => Some(0),
        Some(v) => v.parse::<u8>().ok().filter(|s| *s < aero2_core::tenant_shards::MAX_SHARDS),
    })
}

/// The stub of signer shard `shard` (`aero2_core::signer_shards`). With
/// `JWKS_SIGNER_LOCATION_HINT` set (a Durable Object location hint such
/// as `enam` or `weur`), a shard not yet created is created there: beside
/// the tenants it serves (`bench/latency-model.mjs`). It does not move an
/// object that exists.
pub fn signer_stub(env: &Env, shard: u32) -> Result<Object> {
    // Read once per isolate (`isolate_var`): every sign request names a stub.
    let hint = isolate_var(env, SIGNER_LOCATION_HINT_VAR).filter(|v| !v.trim().is_empty());
    Object::named(env, JWKS_SIGNER_BINDING, &aero2_core::signer_shards::object_name(shard), hint.as_deref().map(str::trim))
}

/// Where new signer shards are created (`signer_stub`).
pub const SIGNER_LOCATION_HINT_VAR: &str = "JWKS_SIGNER_LOCATION_HINT";

/// How many signer shards this deployment has (`JWKS_SIGNER_SHARDS`,
/// default 1). A value out of range fails what needs it, loudly.
pub fn signer_shards(env: &Env) -> Result<u32> {
    use aero2_core::signer_shards::{parse_shards, SHARDS_VAR};
    parse_shards(isolate_var(env, SHARDS_VAR).as_deref()).map_err(worker::Error::RustError)
}

/// The JSON body of an internal request (between our own Worker and
/// objects). Parsed by serde_json from the text: the worker crate's
/// `Request::json` goes through a JS object and `serde_wasm_bindgen`, ~40 µs
/// more per signing request (`bench/profile.mjs`).
pub async fn internal_json<T: serde::de::DeserializeOwned>(req: &mut Request) -> Result<T> {
    Ok(serde_json::from_str(&req.text().await?)?)
}

/// `resp`, marked so the front Worker forgets what it caches of `app_id`
/// ([`FORGET_HEADER`]).
pub fn forgetting(mut resp: worker::Response, app_id: &str) -> Result<worker::Response> {
    resp.headers_mut().set(FORGET_HEADER, app_id)?;
    Ok(resp)
}


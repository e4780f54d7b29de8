//! The contract between the front Worker and `TenantApp`.
//!
//! The front Worker resolves the host to an [`Application`] and passes it in
//! [`APPLICATION_HEADER`]. Every header only Aero2 may set is removed first
//! ([`RESERVED_HEADERS`]), so only the Worker itself can set these; a
//! request carrying [`INTERNAL_HEADER`] therefore comes from our own code.

use worker::{Env, ObjectNamespace, Request, Result, Stub};

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
pub const APPLICATION_HEADER: &str = "x-aero2-application";
pub const INTERNAL_HEADER: &str = "x-aero2-internal";
/// The issuer identifier for this request's host (`aero2_core::host::issuer_for`).
pub const ISSUER_HEADER: &str = "x-aero2-issuer";
/// Set when the request came through a custom domain (its hostname), so
/// the object can check the domain is still one of its own.
pub const CUSTOM_DOMAIN_HEADER: &str = "x-aero2-custom-domain";
/// Set by the OP on a redirect to a client (the client URL): the front
/// Worker lets `form-action` reach that one origin on that one response.
pub const FORM_ACTION_HEADER: &str = "x-aero2-form-action";
/// Set by a tombstoned `TenantApp` on its answers, so the front Worker drops
/// its cached resolution at once. Stripped before the response leaves.
pub const TOMBSTONE_HEADER: &str = "x-aero2-tombstone";
/// Set by the management API on the answer of a change the front Worker
/// caches the effects of (the application deleted or changed, its keys
/// rotated or moved, a custom domain removed): the value is the
/// application's id, and the Worker drops its resolution and JWKS at once.
/// Stripped before the response leaves.
pub const FORGET_HEADER: &str = "x-aero2-forget";
/// The request's id (Cloudflare's `cf-ray`, else one the front Worker
/// draws), for the audit log; the Worker returns it as `x-request-id`.
pub const REQUEST_ID_HEADER: &str = "x-aero2-request-id";
/// Which of the application's tenant shards the request is for
/// (`aero2_core::tenant_shards`); absent for shard 0, the home object.
pub const SHARD_HEADER: &str = "x-aero2-shard";
pub const TENANT_APP_BINDING: &str = "TENANT_APP";
pub const JWKS_SIGNER_BINDING: &str = "JWKS_SIGNER";

/// Set on a web-app file whose page may use inline styles
/// (`aero2_core::dashboard::web_app_inline_styles`); the front Worker's
/// policy then admits them. Stripped before the response leaves.
pub const INLINE_STYLES_HEADER: &str = "x-aero2-inline-styles";

/// Every header only Aero2 itself may set. The front Worker deletes these
/// from whatever a client sends, and from whatever leaves.
pub const RESERVED_HEADERS: &[&str] = &[
    APPLICATION_HEADER,
    INTERNAL_HEADER,
    ISSUER_HEADER,
    CUSTOM_DOMAIN_HEADER,
    TOMBSTONE_HEADER,
    FORGET_HEADER,
    FORM_ACTION_HEADER,
    REQUEST_ID_HEADER,
    INLINE_STYLES_HEADER,
    SHARD_HEADER,
];

/// A native copy of `headers` (one call into the runtime, not one per
/// header) without any of [`RESERVED_HEADERS`].
pub fn copy_without_reserved(headers: &worker::Headers) -> Result<worker::Headers> {
    let copy = worker::Headers(worker::web_sys::Headers::new_with_headers(&headers.0)?);
    for name in RESERVED_HEADERS {
        copy.delete(name)?;
    }
    Ok(copy)
}

/// The stub of an application's `TenantApp` shard `shard`
/// (`aero2_core::tenant_shards::object_name`: shard 0 is named by the
/// application id alone). Whoever calls it tells the object its shard
/// with [`SHARD_HEADER`] ([`mark_shard`]).
pub fn tenant_stub(env: &Env, app_id: &str, shard: u8) -> Result<Stub> {
    let ns: ObjectNamespace = env.durable_object(TENANT_APP_BINDING)?;
    ns.id_from_name(&aero2_core::tenant_shards::object_name(app_id, shard))?.get_stub()
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
pub fn signer_stub(env: &Env, shard: u32) -> Result<Stub> {
    let ns: ObjectNamespace = env.durable_object(JWKS_SIGNER_BINDING)?;
    let id = ns.id_from_name(&aero2_core::signer_shards::object_name(shard))?;
    // Read once per isolate (`isolate_var`): every sign request names a stub.
    match isolate_var(env, SIGNER_LOCATION_HINT_VAR).filter(|v| !v.trim().is_empty()) {
        Some(hint) => id.get_stub_with_location_hint(hint.trim()),
        None => id.get_stub(),
    }
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


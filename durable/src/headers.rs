//! Header lists applied in one call across the wasm boundary
//! (`durable/js/headers.js`) instead of one call per header: a call from
//! Rust to a JavaScript built-in costs more in wasm-bindgen's generated
//! glue than in the built-in (`node bench/profile.mjs --crossings` counts
//! them per request). The lists are built once per isolate, as JavaScript
//! arrays; which headers they hold is decided where they are built.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::{js_sys, web_sys, Headers, Result};

#[wasm_bindgen(module = "/js/headers.js")]
extern "C" {
    #[wasm_bindgen(js_name = copyWithout, catch)]
    fn copy_without_js(headers: &web_sys::Headers, names: &js_sys::Array) -> std::result::Result<web_sys::Headers, JsValue>;
    #[wasm_bindgen(js_name = setAll, catch)]
    fn set_all_js(headers: &web_sys::Headers, pairs: &js_sys::Array) -> std::result::Result<(), JsValue>;
}

/// Header names, as a JavaScript array.
pub struct Names(js_sys::Array);

impl Names {
    #[must_use]
    pub fn new(names: &[&str]) -> Self {
        Self(names.iter().map(|n| JsValue::from_str(n)).collect())
    }
}

/// Header names and values, as a JavaScript array of `[name, value]`.
pub struct Pairs(js_sys::Array);

impl Pairs {
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(name, value)| -> JsValue { [JsValue::from_str(name), JsValue::from_str(value)].into_iter().collect::<js_sys::Array>().into() })
                .collect(),
        )
    }
}

/// A native copy of `headers` without any of `names`.
pub fn copy_without(headers: &Headers, names: &Names) -> Result<Headers> {
    Ok(Headers(copy_without_js(&headers.0, &names.0)?))
}

/// Sets every pair of `pairs` on `headers` (replacing what was there).
pub fn set_all(headers: &Headers, pairs: &Pairs) -> Result<()> {
    Ok(set_all_js(&headers.0, &pairs.0)?)
}

/// A native copy of `template`: a fixed set of headers in one call.
pub fn copy(template: &Headers) -> Result<Headers> {
    Ok(Headers(web_sys::Headers::new_with_headers(&template.0)?))
}

/// A fixed set of headers, built on first use in an isolate and then
/// copied in one call per response.
pub struct Fixed {
    pairs: &'static [(&'static str, &'static str)],
    built: std::cell::OnceCell<Headers>,
}

impl Fixed {
    #[must_use]
    pub const fn new(pairs: &'static [(&'static str, &'static str)]) -> Self {
        Self { pairs, built: std::cell::OnceCell::new() }
    }

    /// A fresh, mutable copy of the set.
    pub fn copy(&self) -> Result<Headers> {
        if let Some(built) = self.built.get() {
            return copy(built);
        }
        let built = Headers::new();
        for (name, value) in self.pairs {
            built.set(name, value)?;
        }
        let fresh = copy(&built)?;
        let _ = self.built.set(built);
        Ok(fresh)
    }
}

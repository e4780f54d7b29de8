//! Statements on an object's SQLite storage, one call across the wasm
//! boundary each (`durable/js/sql.js`): the bindings go as one JSON array,
//! the rows come back as one JSON text, parsed here with serde_json.
//! Through the worker crate, every binding and every field of every row
//! is a call of its own into wasm-bindgen's glue: a refresh made 384 calls
//! from the wasm, 156 of them reading two rows; 203 now (`node
//! bench/profile.mjs --only refresh_token --crossings`). Its CPU did not
//! move (SQLite's `exec` itself is 15% of its profile): one statement, one
//! call is kept for the one place it gives every statement.
//!
//! The values are those the worker crate would bind: text, numbers (an
//! integer only within JavaScript's safe range, refused beyond it rather
//! than rounded), booleans, null. A statement with a blob binding goes
//! through the worker crate as before; a blob column cannot be read here
//! (its row fails to parse: blobs are kept as base64 text).

use serde::de::DeserializeOwned;
use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::{Result, SqlStorage, SqlStorageValue as V};

#[wasm_bindgen(module = "/js/sql.js")]
extern "C" {
    #[wasm_bindgen(js_name = rows, catch)]
    fn rows_js(sql: &JsValue, query: &str, args: &str) -> std::result::Result<String, JsValue>;
    #[wasm_bindgen(js_name = run, catch)]
    fn run_js(sql: &JsValue, query: &str, args: &str) -> std::result::Result<(), JsValue>;
}

/// The largest integer JavaScript holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Bindings without a blob, written as a JSON array as they are (no copy
/// of their text).
struct Bindings<'a>(&'a [V]);

impl Serialize for Bindings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for a in self.0 {
            match a {
                V::Null => seq.serialize_element(&())?,
                V::Boolean(b) => seq.serialize_element(b)?,
                V::Integer(i) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(i) => seq.serialize_element(i)?,
                V::Integer(i) => return Err(S::Error::custom(format!("SQL binding {i} is outside JavaScript's safe integer range"))),
                // serde_json would write a non-finite number as null.
                V::Float(f) if f.is_finite() => seq.serialize_element(f)?,
                V::Float(_) => return Err(S::Error::custom("SQL binding is not a finite number")),
                V::String(s) => seq.serialize_element(s)?,
                V::Blob(_) => return Err(S::Error::custom("a blob binding is not expressible in JSON")),
            }
        }
        seq.end()
    }
}

/// The bindings as a JSON array, or `None` if one is a blob (not
/// expressible in JSON).
fn args_json(args: &[V]) -> Result<Option<String>> {
    if args.iter().any(|a| matches!(a, V::Blob(_))) {
        return Ok(None);
    }
    Ok(Some(serde_json::to_string(&Bindings(args))?))
}

/// One call across the boundary per statement (see the module's comment).
pub trait Statements {
    /// The rows of `query`, each parsed as a `T` (its columns by name).
    fn rows<T: DeserializeOwned>(&self, query: &str, args: impl Into<Option<Vec<V>>>) -> Result<Vec<T>>;

    /// The first row of `query`, if any.
    fn first<T: DeserializeOwned>(&self, query: &str, args: impl Into<Option<Vec<V>>>) -> Result<Option<T>> {
        Ok(self.rows(query, args)?.into_iter().next())
    }

    /// The number `query` counts: its first row's column `n` (a
    /// `SELECT COUNT(*) AS n …`), 0 if it returns no row.
    fn count(&self, query: &str, args: impl Into<Option<Vec<V>>>) -> Result<i64> {
        #[derive(serde::Deserialize)]
        struct Count {
            n: i64,
        }
        Ok(self.first::<Count>(query, args)?.map_or(0, |c| c.n))
    }

    /// Runs `query` (a write, or schema): its rows, if any, are not read.
    fn run(&self, query: &str, args: impl Into<Option<Vec<V>>>) -> Result<()>;
}

impl Statements for SqlStorage {
    fn rows<T: DeserializeOwned>(&self, query: &str, args: impl Into<Option<Vec<V>>>) -> Result<Vec<T>> {
        let args = args.into().unwrap_or_default();
        match args_json(&args)? {
            Some(json) => Ok(serde_json::from_str(&rows_js(self.as_ref(), query, &json)?)?),
            None => self.exec(query, args)?.to_array(),
        }
    }

    fn run(&self, query: &str, args: impl Into<Option<Vec<V>>>) -> Result<()> {
        let args = args.into().unwrap_or_default();
        match args_json(&args)? {
            Some(json) => Ok(run_js(self.as_ref(), query, &json)?),
            None => self.exec(query, args).map(drop),
        }
    }
}

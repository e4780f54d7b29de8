// Header work done in one call across the wasm boundary instead of one call
// per header. Every call from Rust to a JavaScript built-in goes through
// wasm-bindgen's generated glue, and the glue, not the work, was most of a
// request's CPU (`node bench/profile.mjs --crossings`). What to strip and
// what to set is decided in Rust (`aero2_durable::headers`); these
// functions only apply it.

/** A copy of `headers` without any of the header names in `names`. */
export function copyWithout(headers, names) {
  const copy = new Headers(headers);
  for (const name of names) copy.delete(name);
  return copy;
}

/** Sets `pairs` (an array of `[name, value]`) on `headers`. */
export function setAll(headers, pairs) {
  for (const [name, value] of pairs) headers.set(name, value);
}

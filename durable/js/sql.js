// A statement on a Durable Object's SQLite storage in one call across the
// wasm boundary. Through the worker crate, each binding and each field of
// each row read is a call of its own into wasm-bindgen's glue: reading a
// grant row took 52 (`node bench/profile.mjs --only refresh_token
// --crossings`). Here the bindings come in as one JSON array and the rows
// go back as one JSON text; which statement runs, and what its rows mean,
// is decided in Rust (`aero2_durable::sql`, which says what it measured).

/** The rows of `query` (bindings: `args`, a JSON array), as JSON text. */
export function rows(sql, query, args) {
  return JSON.stringify(sql.exec(query, ...JSON.parse(args)).toArray());
}

/** Runs `query` (bindings: `args`, a JSON array); its rows are not read. */
export function run(sql, query, args) {
  sql.exec(query, ...JSON.parse(args));
}

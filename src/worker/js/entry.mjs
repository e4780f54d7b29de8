// The front Worker's entry: the Worker worker-build made (./index.js and its
// wasm), and the answers the wasm marked as reusable, given again from this
// isolate's memory without entering the wasm.
//
// Which answers may be reused, until when, and when they are dropped is
// decided in Rust (`aero2_worker::reuse`, which says what it measured). This
// keeps what it is told to, for a request equal in all such an answer
// depends on (method, URL without its query, `Host`, `Origin`:
// `Finished::answer` in src/worker/src/shape.rs), and stamps each answer it
// gives again with the request's own id.
import Aero2 from "./index.js";

export * from "./index.js";

// As `aero2_durable::forward` names them (REUSE_HEADER, FORGET_HEADER).
/** On an answer to keep: "<until, Unix ms> <application id>". */
const REUSE = "x-aero2-reuse";
/** On any answer: the applications whose kept answers to drop (a list). */
const FORGET = "x-aero2-forget";
/** At most this many answers are kept; the oldest kept goes first. */
const CAPACITY = 512;

/** Request key → { until, app, status, headers, body }. */
const kept = new Map();
/**
 * How many times answers were dropped: an answer the wasm made while a drop
 * went by may come from what was dropped, and is not kept.
 */
let drops = 0;

export default {
  async fetch(request, env, ctx) {
    const key = keyOf(request);
    const answer = key === undefined ? undefined : kept.get(key);
    if (answer !== undefined) {
      if (Date.now() < answer.until) return again(answer, request);
      kept.delete(key);
    }
    // The wasm's entry point, made only when it is needed: a kept answer
    // does not pay for it (`bench/profile.mjs --only discovery`).
    const before = drops;
    return settle(key, await new Aero2(ctx, env).fetch(request), before);
  },
};

/** What a reusable answer depends on; none for a method that changes state. */
function keyOf(request) {
  const { method, headers, url } = request;
  if (method !== "GET" && method !== "HEAD") return undefined;
  const query = url.indexOf("?");
  return JSON.stringify([method, query < 0 ? url : url.slice(0, query), headers.get("host"), headers.get("origin")]);
}

/**
 * Acts on the wasm's marks, and strips them: the answer as it leaves.
 * `before`: the count of drops when the wasm was asked.
 */
async function settle(key, resp, before) {
  const headers = resp.headers;
  const forget = headers.get(FORGET);
  const reuse = headers.get(REUSE);
  if (forget === null && reuse === null) return resp;
  if (forget !== null) {
    headers.delete(FORGET);
    const apps = new Set(forget.split(",").map((id) => id.trim()));
    for (const [k, answer] of kept) if (apps.has(answer.app)) kept.delete(k);
    drops += 1;
  }
  if (reuse === null) return resp;
  headers.delete(REUSE);
  const [until, app] = reuse.split(" ");
  const body = resp.body === null ? null : await resp.arrayBuffer();
  // Kept only if good beyond now (the wasm says "until now" of an answer
  // made from a copy it could not keep), and no drop went by.
  if (key !== undefined && app && Number(until) > Date.now() && drops === before) {
    kept.delete(key);
    kept.set(key, { until: Number(until), app, status: resp.status, headers: new Headers(headers), body });
    while (kept.size > CAPACITY) kept.delete(kept.keys().next().value);
  }
  return new Response(body, { status: resp.status, headers });
}

/** A kept answer, with this request's id (set on the answer's own copy of the headers). */
function again(answer, request) {
  const resp = new Response(answer.body, { status: answer.status, headers: answer.headers });
  resp.headers.set("x-request-id", request.headers.get("cf-ray") ?? localRequestId());
  return resp;
}

// Where Cloudflare gave no `cf-ray` (local runs): a random prefix drawn
// once per isolate and a counter, as the wasm draws its own
// (`local_request_id` in src/worker/src/lib.rs; the prefixes differ).
let prefix;
let count = 0;
function localRequestId() {
  prefix ??= Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  count += 1;
  return prefix + count.toString(16).padStart(16, "0");
}

// The Worker's JavaScript entry (entry.mjs) against a stand-in for the wasm
// Worker (its ./index.js): what it keeps, for which requests, until when,
// and what it drops. Run: node --test src/worker/js/entry.test.mjs
// (scripts/test.sh). The black-box tests check the same through the real
// Worker (oidc::warm_discovery_and_jwks_reach_no_object).
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, beforeEach, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = mkdtempSync(path.join(os.tmpdir(), "aero2-entry-"));
after(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "entry.mjs"), path.join(dir, "entry.mjs"));
// The stand-in: answers what the test scripts in globalThis.wasm, and counts
// the requests that reach it.
writeFileSync(
  path.join(dir, "index.js"),
  `export class TenantApp {}
export default class Worker {
  constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  async fetch(request) { globalThis.wasm.calls += 1; return globalThis.wasm.answer(request); }
}`,
);
const entry = await import(pathToFileURL(path.join(dir, "entry.mjs")).href);
const Worker = entry.default;

let now = 1_000_000;
Date.now = () => now;

/** An answer as the wasm makes it, marked as the wasm marks it. */
function answer(body, { until, app = "app_1", forget, id = "wasm-1" } = {}) {
  const headers = new Headers({ "content-type": "application/json", "x-request-id": id, "x-content-type-options": "nosniff" });
  if (until !== undefined) headers.set("x-aero2-reuse", `${until} ${app}`);
  if (forget !== undefined) headers.set("x-aero2-forget", forget);
  return new Response(body, { headers });
}

function get(url, headers = {}, method = "GET") {
  return Worker.fetch(new Request(url, { method, headers: { host: new URL(url).host, ...headers } }), {}, {});
}

const DISCOVERY = "http://myapp.localhost/.well-known/openid-configuration";

beforeEach(() => {
  now += 1_000_000;
  globalThis.wasm = { calls: 0, answer: () => answer("doc", { until: now + 30_000 }) };
});

test("the Durable Object classes are still exported", () => {
  assert.equal(typeof entry.TenantApp, "function");
});

test("a marked answer is given again to the same request, with a request id of its own and no marks", async () => {
  const first = await get(DISCOVERY);
  const again = await get(DISCOVERY);
  assert.equal(wasm.calls, 1);
  assert.equal(await first.text(), "doc");
  assert.equal(await again.text(), "doc");
  for (const r of [first, again]) {
    assert.equal(r.headers.get("x-aero2-reuse"), null);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
  }
  assert.equal(first.headers.get("x-request-id"), "wasm-1");
  assert.match(again.headers.get("x-request-id"), /^[0-9a-f]{32}$/);
  const third = await get(DISCOVERY);
  assert.notEqual(third.headers.get("x-request-id"), again.headers.get("x-request-id"));
  assert.equal((await get(DISCOVERY, { "cf-ray": "8f1e-LHR" })).headers.get("x-request-id"), "8f1e-LHR");
});

test("the key is the method, the URL without its query, Host and Origin", async () => {
  const url = "http://keyed.localhost/.well-known/jwks.json";
  await get(url);
  await get(`${url}?v=2`);
  assert.equal(wasm.calls, 1, "the query is not part of the answer");
  await get(url, { origin: "https://spa.example" });
  await get(url, { host: "other.localhost" });
  await get(url, {}, "HEAD");
  assert.equal(wasm.calls, 4, "another origin, host or method reaches the wasm");
});

test("an unmarked answer, or one to a method that changes state, is never kept", async () => {
  wasm.answer = () => answer("live");
  await get("http://plain.localhost/.well-known/aero2-health");
  await get("http://plain.localhost/.well-known/aero2-health");
  assert.equal(wasm.calls, 2);
  wasm.answer = () => answer("doc", { until: now + 30_000 });
  await get("http://post.localhost/x", {}, "POST");
  await get("http://post.localhost/x", {}, "POST");
  assert.equal(wasm.calls, 4);
});

test("an answer is kept until the time the wasm gave, not after", async () => {
  const url = "http://expiring.localhost/.well-known/jwks.json";
  wasm.answer = () => answer("keys", { until: now + 10 });
  await get(url);
  now += 9;
  await get(url);
  assert.equal(wasm.calls, 1);
  now += 1;
  await get(url);
  assert.equal(wasm.calls, 2);
});

test("an answer good until now only (made from a copy the wasm could not keep) takes no room", async () => {
  for (let i = 0; i < 512; i++) await get(`http://room-${i}.localhost/.well-known/jwks.json`);
  wasm.answer = () => answer("keys", { until: now });
  const url = "http://until-now.localhost/.well-known/jwks.json";
  assert.equal(await (await get(url)).text(), "keys");
  const calls = wasm.calls;
  await get("http://room-0.localhost/.well-known/jwks.json");
  assert.equal(wasm.calls, calls, "the oldest kept answer was not pushed out");
  await get(url);
  assert.equal(wasm.calls, calls + 1);
});

test("a forget on any answer drops every kept answer of the applications it names", async () => {
  const a = "http://a.localhost/.well-known/jwks.json";
  const b = "http://b.localhost/.well-known/jwks.json";
  wasm.answer = (r) => answer("keys", { until: now + 30_000, app: new URL(r.url).host === "a.localhost" ? "app_a" : "app_b" });
  await get(a);
  await get(b);
  wasm.answer = () => answer("changed", { forget: "app_x, app_a" });
  const change = await Worker.fetch(new Request("http://dashboard.localhost/api/v1/applications/app_a", { method: "PATCH" }), {}, {});
  assert.equal(change.headers.get("x-aero2-forget"), null, "the mark never leaves");
  wasm.answer = () => answer("new keys", { until: now + 30_000, app: "app_a" });
  assert.equal(await (await get(a)).text(), "new keys");
  assert.equal(wasm.calls, 4);
  await get(b);
  assert.equal(wasm.calls, 4, "another application's answer stays");
});

test("an answer the wasm made while a forget went by is not kept", async () => {
  const url = "http://racing.localhost/.well-known/jwks.json";
  let release;
  wasm.answer = () => new Promise((resolve) => (release = () => resolve(answer("old keys", { until: now + 30_000, app: "app_r" }))));
  const slow = get(url);
  await new Promise((r) => setImmediate(r));
  wasm.answer = () => answer("rotated", { forget: "app_r" });
  await Worker.fetch(new Request("http://dashboard.localhost/rotate", { method: "POST" }), {}, {});
  release();
  assert.equal(await (await slow).text(), "old keys", "given to the request it was made for");
  wasm.answer = () => answer("new keys", { until: now + 30_000, app: "app_r" });
  assert.equal(await (await get(url)).text(), "new keys");
});

test("at most 512 answers are kept, the oldest going first", async () => {
  for (let i = 0; i < 513; i++) await get(`http://many-${i}.localhost/.well-known/jwks.json`);
  const calls = wasm.calls;
  await get("http://many-512.localhost/.well-known/jwks.json");
  assert.equal(wasm.calls, calls, "the newest is kept");
  await get("http://many-0.localhost/.well-known/jwks.json");
  assert.equal(wasm.calls, calls + 1, "the oldest was dropped");
});

test("HEAD answers are kept without a body", async () => {
  const url = "http://head.localhost/.well-known/openid-configuration";
  wasm.answer = () => new Response(null, { headers: { "x-aero2-reuse": `${now + 30_000} app_h` } });
  const first = await get(url, {}, "HEAD");
  const again = await get(url, {}, "HEAD");
  assert.equal(wasm.calls, 1);
  assert.equal(first.body, null);
  assert.equal(again.body, null);
});

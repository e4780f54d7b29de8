// Aero2 benchmark: the built Worker on workerd (Miniflare's Node API, no
// wrangler) against panva's oidc-provider, same workloads, interleaved.
// See bench/README.md. Usage:
//
//   node bench/run.mjs [--requests N] [--seconds S] [--warmup N] [--rounds R]
//                      [--concurrency 1,32] [--only discovery,jwks,...]
//                      [--build DIR] [--aero2-socket direct|entry] [--out FILE]
//
// Every option can also be given as BENCH_<NAME> in the environment
// (BENCH_REQUESTS=500 …). Writes the table to bench/results/latest.md and the
// raw figures to bench/results/latest.json.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApplication, createClient, createUser, operatorApi, REDIRECT_URI, refreshChains, sameWork } from "./lib/aero2-app.mjs";
import { FlowError, formFiller, signIn } from "./lib/flows.mjs";
import { basicAuth, CookieJar, form, PER_ANSWER_HEADERS, request, target } from "./lib/http.mjs";
import { quantile, runLoad } from "./lib/load.mjs";
import { clockTicks, cpuMicros } from "./lib/proc.mjs";
import { measureColdStart } from "./cold-start.mjs";
import { AERO2_FILES } from "./serve-aero2.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");

// ---------------------------------------------------------------- options

const WORKLOADS = ["floor", "floor_do", "floor_do_do", "floor_rust", "floor_rust_do", "floor_rust_do_do", "floor_rust_raw", "floor_rust_raw_do", "floor_rust_raw_do_do", "floor_do_do_refresh", "floor_token", "floor_userinfo", "floor_refresh", "floor_discovery", "floor_jwks", "health", "discovery", "jwks", "client_credentials", "refresh_token", "userinfo", "sign_in", "sign_in_locked", "cold_start"];

function options() {
  const args = process.argv.slice(2);
  const get = (name, def) => {
    const i = args.indexOf(`--${name}`);
    if (i >= 0 && i + 1 < args.length) return args[i + 1];
    const env = process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`];
    return env !== undefined && env !== "" ? env : def;
  };
  if (args.includes("--help") || args.includes("-h")) {
    console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(0, 11).join("\n"));
    process.exit(0);
  }
  const num = (name, def, min, max) => {
    const v = Number(get(name, def));
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return v;
  };
  const o = {
    requests: Math.round(num("requests", 3000, 1, 1_000_000)),
    seconds: num("seconds", 8, 0.1, 600),
    warmup: Math.round(num("warmup", 200, 0, 100_000)),
    warmupSeconds: num("warmup-seconds", 2, 0, 60),
    rounds: Math.round(num("rounds", 2, 1, 20)),
    concurrency: String(get("concurrency", "1,32")).split(",").map((s) => Math.round(Number(s.trim()))),
    only: String(get("only", WORKLOADS.join(","))).split(",").map((s) => s.trim()).filter(Boolean),
    build: path.resolve(get("build", path.join(ROOT, "build"))),
    aero2Socket: String(get("aero2-socket", "direct")),
    out: path.resolve(get("out", path.join(HERE, "results", "latest.md"))),
  };
  if (!["direct", "entry"].includes(o.aero2Socket)) throw new Error("--aero2-socket: direct or entry");
  for (const c of o.concurrency) if (!(c >= 1 && c <= 256)) throw new Error("--concurrency: numbers from 1 to 256");
  for (const w of o.only) if (!WORKLOADS.includes(w)) throw new Error(`--only: unknown workload ${w} (${WORKLOADS.join(", ")})`);
  return o;
}

// ---------------------------------------------------------------- servers

const children = [];

/** Starts `node bench/<script>` and waits for its JSON "ready" line. */
function startServer(name, script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(HERE, script), ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    });
    const entry = { name, child, extraPids: [] };
    children.push(entry);
    let stderr = "";
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`${name}: not ready after 90 s\n${stderr.slice(-2000)}`)), 90_000);
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-8000);
    });
    child.stdout.on("data", (d) => {
      stdout += d;
      const nl = stdout.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const info = JSON.parse(stdout.slice(0, nl));
        if (info.workerdPid) entry.extraPids.push(info.workerdPid);
        resolve({ ...info, helperPid: child.pid, stderr: () => stderr });
      } catch (e) {
        reject(new Error(`${name}: bad ready line ${stdout.slice(0, nl)}: ${e}`));
      }
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      entry.exited = true;
      reject(new Error(`${name} exited (${code ?? sig}) before it was ready\n${stderr.slice(-2000)}`));
    });
  });
}

function alive(pid, comm) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return comm ? stat.includes(`(${comm})`) : true;
  } catch {
    return false;
  }
}

let stopping;
/** Stops every server this run started: SIGTERM, then SIGKILL by pid after 5 s. */
function stopServers() {
  stopping ??= (async () => {
    for (const e of children) {
      if (!e.exited) {
        try {
          e.child.kill("SIGTERM");
        } catch {}
      }
    }
    const until = Date.now() + 5000;
    while (Date.now() < until && children.some((e) => !e.exited || e.extraPids.some((p) => alive(p, "workerd")))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    killRemaining();
  })();
  return stopping;
}

function killRemaining() {
  for (const e of children) {
    if (!e.exited) {
      try {
        e.child.kill("SIGKILL");
      } catch {}
    }
    for (const p of e.extraPids) {
      if (alive(p, "workerd")) {
        try {
          process.kill(p, "SIGKILL");
        } catch {}
      }
    }
  }
}

process.on("exit", killRemaining);
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    interrupted = true;
    console.error(`\nbench: ${sig}, stopping servers`);
    stopServers().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- setup

const NOT_IMPLEMENTED = Symbol("not implemented");

class Unavailable extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // NOT_IMPLEMENTED or "failed"
  }
}

/** Turns a failed setup step into "not implemented" (404/405/501) or a failure. */
function unavailable(step, res) {
  const ni = [404, 405, 501].includes(res.status) && !/unknown_application/.test(res.body);
  return new Unavailable(ni ? NOT_IMPLEMENTED : "failed", `${step} → ${res.status} ${String(res.body).slice(0, 200)}`);
}

function fromFlow(e) {
  if (e instanceof FlowError) return unavailable(e.step, { status: e.status, body: e.message });
  return new Unavailable("failed", String(e.message || e));
}

async function setupAero2(info) {
  const app = target(`bench.localhost:${info.port}`, info.port);
  const s = {
    name: "Aero2",
    tgt: app,
    floorPorts: info.floorPorts,
    pid: info.workerdPid,
    helperPid: info.helperPid,
    paths: {
      health: "/.well-known/aero2-health",
      discovery: "/.well-known/openid-configuration",
      jwks: "/.well-known/jwks.json",
      token: "/oauth2/token",
      userinfo: "/oauth2/userinfo",
      authorize: "/oauth2/authorize",
    },
    scope: "openid profile email offline_access",
    ccBody: { grant_type: "client_credentials" },
    refreshExtra: {},
    userinfoExtra: {},
  };
  const api = operatorApi(info.port, info.operatorSecret, unavailable);
  s.api = api;
  // The platform part exists today: failing here is a real failure.
  s.appId = await createApplication(api);
  try {
    s.client = await createClient(api, s.appId);
  } catch (e) {
    s.clientError = e instanceof Unavailable ? e : new Unavailable("failed", String(e.message || e));
  }
  try {
    s.user = await createUser(api, s.appId);
  } catch (e) {
    s.userError = e instanceof Unavailable ? e : new Unavailable("failed", String(e.message || e));
  }
  s.jar = new CookieJar();
  return s;
}

function setupBaseline(info) {
  return {
    name: "oidc-provider",
    tgt: target(`127.0.0.1:${info.port}`, info.port),
    pid: info.pid,
    paths: {
      discovery: "/.well-known/openid-configuration",
      jwks: "/jwks",
      token: "/token",
      userinfo: "/me",
      authorize: "/auth",
    },
    scope: "openid profile email offline_access",
    ccBody: { grant_type: "client_credentials" },
    // Refresh chains are for the JWT resource; UserInfo needs the usual
    // opaque access token (no resource).
    // oidc-provider drops offline_access unless prompt=consent is asked for.
    refreshExtra: { resource: info.resource, prompt: "consent" },
    userinfoExtra: {},
    client: { id: info.client_id, secret: info.client_secret },
    user: { login: info.account, email: "bench@example.com", password: "any" },
    jar: new CookieJar(),
  };
}

/**
 * Takes endpoint paths from the discovery document when there is one (the
 * defaults above are the documented ones); we always connect to 127.0.0.1.
 */
async function discover(s) {
  const res = await request(s.tgt, { path: s.paths.discovery });
  if (res.status !== 200) return;
  let doc;
  try {
    doc = JSON.parse(res.body);
  } catch {
    return;
  }
  for (const [key, field] of [
    ["jwks", "jwks_uri"],
    ["token", "token_endpoint"],
    ["userinfo", "userinfo_endpoint"],
    ["authorize", "authorization_endpoint"],
  ]) {
    if (typeof doc[field] !== "string") continue;
    try {
      s.paths[key] = new URL(doc[field]).pathname;
    } catch {}
  }
}

function needClient(s) {
  if (s.clientError) throw s.clientError;
  if (!s.client) throw new Unavailable("failed", "no client");
}
function needUser(s) {
  needClient(s);
  if (s.userError) throw s.userError;
}

function signInWith(s, extra) {
  return signIn({
    tgt: s.tgt,
    authorizePath: s.paths.authorize,
    tokenPath: s.paths.token,
    clientId: s.client.id,
    clientSecret: s.client.secret,
    redirectUri: REDIRECT_URI,
    scope: s.scope,
    extra,
    jar: s.jar,
    fill: formFiller(s.user),
  });
}

/** A GET workload; a probe request first, so a missing route reads "not implemented". */
async function getWorkload(s, p, headers = {}) {
  const probe = await request(s.tgt, { path: p, headers });
  if ([404, 405, 501].includes(probe.status)) throw unavailable(`GET ${p}`, probe);
  return { probe, make: () => ({ path: p, headers }) };
}

/** "JWT ES256 (at+jwt)" or "opaque", for the notes: what each side issues. */
function tokenShape(t) {
  const parts = t.split(".");
  if (parts.length !== 3) return `opaque (${t.length} chars)`;
  try {
    const h = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    return `JWT ${h.alg}${h.typ ? ` (typ ${h.typ})` : ""}`;
  } catch {
    return "opaque";
  }
}

/** A login form's CSRF pair (cookie value = hidden field) and a fresh pending authorization request. */
async function pendingRequest(s) {
  const q = new URLSearchParams({
    response_type: "code", client_id: s.client.id, redirect_uri: REDIRECT_URI, scope: "openid",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256",
  });
  const res = await request(s.tgt, { path: `${s.paths.authorize}?${q}` });
  const loc = res.headers.location ?? "";
  const id = new URL(loc, s.tgt.origin).searchParams.get("request");
  if (res.status !== 303 || !id) throw unavailable(`GET ${s.paths.authorize}`, res);
  return id;
}

async function csrfPair(s, requestId) {
  const page = await request(s.tgt, { path: `/login?request=${requestId}` });
  const token = /name="csrf_token" value="([0-9a-f]+)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !token) throw unavailable("GET /login", page);
  return token;
}

function loginSpec(s, csrf, requestId, email, password) {
  return {
    method: "POST",
    path: "/login",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `aero2_csrf=${csrf}` },
    body: form({ request: requestId, csrf_token: csrf, email, password }),
  };
}

/**
 * A floor workload: bench/floor-worker.mjs in Aero2's workerd process, or
 * the same routes in Rust (`which`: floor_rust with the worker crate's entry
 * points, floor_rust_raw with hand-written ones; bench/floor-rust).
 */
function floorWorkload(p, which = "floor") {
  return async (s) => {
    const port = s.floorPorts?.[which];
    if (!port) throw new Unavailable("failed", `the Aero2 server reported no ${which} Worker${which === "floor" ? "" : " (its build under build/: scripts/bench.sh makes it)"}`);
    const tgt = target(`floor.localhost:${port}`, port);
    const probe = await request(tgt, { path: p });
    if (probe.status !== 200 || probe.body !== "ok") throw new Unavailable("failed", `GET ${p} → ${probe.status} ${probe.body.slice(0, 200)}`);
    return { probe, tgt, make: () => ({ path: p }), check: (res) => res.status === 200 && res.body === "ok" };
  };
}

/**
 * A floor workload giving Aero2's own answer at `p` (its headers and body,
 * copied once) from a JavaScript Worker: what the runtime charges for the
 * answer itself, with no Aero2 code.
 */
function sameAnswerWorkload(which) {
  return async (s) => {
    const port = s.floorPorts?.floor;
    if (!port) throw new Unavailable("failed", "the Aero2 server reported no floor Worker");
    const original = await request(s.tgt, { path: s.paths[which] });
    if (original.status !== 200) throw unavailable(`GET ${s.paths[which]}`, original);
    // Everything Aero2 sent but what the connection, the clock and the
    // request make: the floor Worker sets its own request id.
    const headers = Object.entries(original.headers).filter(([k]) => !PER_ANSWER_HEADERS.has(k.toLowerCase()));
    const tgt = target(`floor.localhost:${port}`, port);
    const p = `/answer/${which}`;
    const put = await request(tgt, { method: "PUT", path: p, headers: { "content-type": "application/json" }, body: JSON.stringify({ headers, body: original.body }) });
    if (put.status !== 204) throw new Unavailable("failed", `PUT ${p} → ${put.status} ${put.body.slice(0, 200)}`);
    const probe = await request(tgt, { path: p });
    if (probe.status !== 200 || probe.body !== original.body) throw new Unavailable("failed", `GET ${p} → ${probe.status}, not the answer it was given`);
    return { probe, tgt, make: () => ({ path: p }), check: (res) => res.status === 200 && res.body === original.body };
  };
}

/**
 * A floor workload doing Aero2's work for `kind` (`token`:
 * `client_credentials`; `userinfo`; `refresh`: `refresh_token`, one chain
 * per load worker) in JavaScript, in the same shape (`sameWork` in
 * bench/lib/aero2-app.mjs).
 */
function sameWorkWorkload(kind) {
  return async (s, cfg) => {
    needClient(s);
    const port = s.floorPorts?.floor;
    if (!port) throw new Unavailable("failed", "the Aero2 server reported no floor Worker");
    let accessToken;
    if (kind !== "token") {
      needUser(s);
      try {
        accessToken = (await signInWith(s, s.userinfoExtra)).access_token;
      } catch (e) {
        throw fromFlow(e);
      }
    }
    const tgt = target(`floor.localhost:${port}`, port);
    // A refresh chain per load worker (0 …), and the last for the probe.
    const probeAt = Math.max(...cfg.concurrency);
    let w;
    try {
      w = await sameWork({ app: s.tgt, floor: tgt, api: s.api, appId: s.appId, client: s.client, paths: s.paths, kind, accessToken, chains: probeAt + 1 });
    } catch (e) {
      throw e instanceof Unavailable ? e : new Unavailable("failed", String(e.message || e));
    }
    const spec = w.make(probeAt);
    const probe = await request(tgt, spec);
    if (!w.check(probe, probeAt)) throw new Unavailable("failed", `${spec.method ?? "GET"} ${spec.path} → ${probe.status} ${probe.body.slice(0, 200)}`);
    return { probe, tgt, make: w.make, check: w.check };
  };
}

const WORKLOAD_DEFS = {
  floor: {
    label: "runtime floor: a JS Worker answering `ok` (no Aero2 code)",
    aero2Only: true,
    prepare: floorWorkload("/"),
  },
  floor_do: {
    label: "runtime floor: JS Worker → Durable Object (the shape of UserInfo)",
    aero2Only: true,
    prepare: floorWorkload("/do"),
  },
  floor_do_do: {
    label: "runtime floor: JS Worker → object → object (the shape of a token request)",
    aero2Only: true,
    prepare: floorWorkload("/do-do"),
  },
  floor_rust: {
    label: "Rust floor: a Rust Worker (the worker crate, as Aero2) answering `ok`",
    aero2Only: true,
    prepare: floorWorkload("/", "floor_rust"),
  },
  floor_rust_do: {
    label: "Rust floor: Rust Worker → Rust Durable Object",
    aero2Only: true,
    prepare: floorWorkload("/do", "floor_rust"),
  },
  floor_rust_do_do: {
    label: "Rust floor: Rust Worker → object → object",
    aero2Only: true,
    prepare: floorWorkload("/do-do", "floor_rust"),
  },
  floor_rust_raw: {
    label: "Rust floor, hand-written entry points (wasm-bindgen, no worker crate macros) answering `ok`",
    aero2Only: true,
    prepare: floorWorkload("/", "floor_rust_raw"),
  },
  floor_rust_raw_do: {
    label: "Rust floor, hand-written entry points: Worker → object",
    aero2Only: true,
    prepare: floorWorkload("/do", "floor_rust_raw"),
  },
  floor_rust_raw_do_do: {
    label: "Rust floor, hand-written entry points: Worker → object → object",
    aero2Only: true,
    prepare: floorWorkload("/do-do", "floor_rust_raw"),
  },
  floor_do_do_refresh: {
    label: "runtime floor of a refresh: JS Worker → object running a refresh's SQLite statements (4 reads, 3 writes) → object",
    aero2Only: true,
    prepare: floorWorkload("/do-do-refresh"),
  },
  floor_token: {
    label: "runtime floor of a token: a JS Worker → object → object doing `client_credentials`'s work (limits, form, secret's SHA-256, claims, ES256 signature, JSON)",
    aero2Only: true,
    prepare: sameWorkWorkload("token"),
  },
  floor_userinfo: {
    label: "runtime floor of UserInfo: a JS Worker → object doing UserInfo's work (token parsed, signature checked once, revocation in SQLite, claims)",
    aero2Only: true,
    prepare: sameWorkWorkload("userinfo"),
  },
  floor_refresh: {
    label: "runtime floor of a refresh: a JS Worker → object → object doing `refresh_token`'s work (the token and grant read twice, two ES256 signatures, three writes, JSON)",
    aero2Only: true,
    prepare: sameWorkWorkload("refresh"),
  },
  floor_discovery: {
    label: "runtime floor: a JS Worker giving Aero2's discovery answer (its headers and body, no Aero2 code)",
    aero2Only: true,
    prepare: sameAnswerWorkload("discovery"),
  },
  floor_jwks: {
    label: "runtime floor: a JS Worker giving Aero2's JWKS answer (its headers and body, no Aero2 code)",
    aero2Only: true,
    prepare: sameAnswerWorkload("jwks"),
  },
  health: {
    label: "platform: the front Worker alone (anonymous `GET /.well-known/aero2-health`)",
    aero2Only: true,
    floor: "floor",
    prepare: (s) => getWorkload(s, s.paths.health),
  },
  discovery: {
    label: "discovery `GET /.well-known/openid-configuration`",
    floor: "floor",
    sameAnswer: "floor_discovery",
    warmInJs: true,
    target: 1.2,
    prepare: (s) => getWorkload(s, s.paths.discovery),
  },
  sign_in: {
    label: "password sign-in `POST /login` (PBKDF2 100k, session, code; 64 users in turn)",
    aero2Only: true,
    async prepare(s) {
      needUser(s);
      // Many people signing in, not one account 32 times at once (in-flight
      // attempts of one account count toward its lockout until they succeed).
      const users = [];
      for (let i = 0; i < 64; i++) {
        const u = { email: `bench-${i}@example.com`, password: s.user.password, name: `Bench ${i}` };
        await s.api("POST", `/applications/${s.appId}/users`, u);
        users.push(u);
      }
      let turn = 0;
      const next = () => users[turn++ % users.length];
      // Each success consumes its pending authorization request: a pool,
      // topped up before each cell (a sign-in costs ~14 ms of CPU, so a cell
      // of warm-up plus 8 s uses well under 1,200).
      const pool = [];
      const refill = async () => {
        while (pool.length < 1200) pool.push(...(await Promise.all(Array.from({ length: 40 }, () => pendingRequest(s)))));
      };
      await refill();
      const csrf = await csrfPair(s, pool[0]);
      const probe = await request(s.tgt, loginSpec(s, csrf, pool.pop(), s.user.email, s.user.password));
      if (probe.status !== 303) throw unavailable("POST /login", probe);
      return {
        probe,
        refill,
        make: () => {
          const u = next();
          return loginSpec(s, csrf, pool.pop() ?? "exhausted", u.email, u.password);
        },
        check: (res) => res.status === 303 && (res.headers.location ?? "").startsWith(REDIRECT_URI),
      };
    },
  },
  sign_in_locked: {
    label: "sign-in refused by lockout (rate limits + lockout check, no hash)",
    aero2Only: true,
    async prepare(s) {
      needUser(s);
      const id = await pendingRequest(s);
      const csrf = await csrfPair(s, id);
      const who = `locked-${Date.now()}@example.com`;
      for (let i = 0; i < 6; i++) await request(s.tgt, loginSpec(s, csrf, id, who, "wrong password"));
      const spec = loginSpec(s, csrf, id, who, "wrong password");
      const probe = await request(s.tgt, spec);
      if (probe.status !== 429) throw unavailable("POST /login (locked)", probe);
      return { probe, make: () => spec, check: (res) => res.status === 429 };
    },
  },
  jwks: { label: "JWKS `GET` (jwks_uri)", floor: "floor", sameAnswer: "floor_jwks", warmInJs: true, target: 1.2, prepare: (s) => getWorkload(s, s.paths.jwks) },
  client_credentials: {
    floor: "floor_do_do",
    // The same shape doing the same work in JavaScript (no Aero2 code).
    sameWork: "floor_token",
    target: 1.5,
    label: "token: `client_credentials`",
    token: true,
    async prepare(s) {
      needClient(s);
      const spec = {
        method: "POST",
        path: s.paths.token,
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(s.client.id, s.client.secret) },
        body: form(s.ccBody),
      };
      const probe = await request(s.tgt, spec);
      if ([404, 405, 501].includes(probe.status)) throw unavailable(`POST ${s.paths.token}`, probe);
      const notes = new Set();
      return {
        probe,
        make: () => spec,
        notes,
        check: (res) => {
          const at = res.status === 200 ? JSON.parse(res.body).access_token : undefined;
          if (typeof at !== "string") return false;
          if (!notes.size) notes.add(`access_token: ${tokenShape(at)}`);
          return true;
        },
      };
    },
  },
  refresh_token: {
    floor: "floor_do_do",
    // The same shape with the refresh's storage (no Aero2 code).
    storageFloor: "floor_do_do_refresh",
    sameWork: "floor_refresh",
    target: 2,
    label: "token: `refresh_token` (rotated, each used once)",
    token: true,
    async prepare(s, cfg) {
      needUser(s);
      const chains = [];
      const n = Math.max(...cfg.concurrency);
      try {
        for (let i = 0; i < n; i++) {
          const t = await signInWith(s, s.refreshExtra);
          if (!t.refresh_token) throw new Unavailable("failed", `no refresh_token in the authorization_code response: ${JSON.stringify(t).slice(0, 200)}`);
          chains.push(t.refresh_token);
        }
      } catch (e) {
        throw e instanceof Unavailable ? e : fromFlow(e);
      }
      const notes = new Set();
      let shapeNoted = false;
      return {
        notes,
        ...refreshChains({
          chains,
          tokenPath: s.paths.token,
          authorization: basicAuth(s.client.id, s.client.secret),
          seen: (res, body) => {
            if (res.status === 200 && typeof body?.refresh_token !== "string") notes.add("a 200 answer without a new refresh_token ended its chain (no rotation)");
            if (res.status !== 200) notes.add(`a failed refresh ended its chain (${res.status})`);
            if (!shapeNoted && res.status === 200 && typeof body?.access_token === "string") {
              shapeNoted = true;
              notes.add(`access_token: ${tokenShape(body.access_token)}${body.id_token ? ", with id_token" : ""}`);
            }
          },
        }),
      };
    },
  },
  userinfo: {
    floor: "floor_do",
    sameWork: "floor_userinfo",
    target: 1.5,
    label: "UserInfo `GET` (bearer access token)",
    async prepare(s) {
      needUser(s);
      let t;
      try {
        t = await signInWith(s, s.userinfoExtra);
      } catch (e) {
        throw fromFlow(e);
      }
      const w = await getWorkload(s, s.paths.userinfo, { authorization: `Bearer ${t.access_token}` });
      return { ...w, check: (res) => res.status === 200 && typeof JSON.parse(res.body).sub === "string" };
    },
  },
};

// ---------------------------------------------------------------- measuring

function newAgg() {
  return { requests: 0, ok: 0, errors: 0, elapsedMs: 0, cpuUs: 0, helperCpuUs: 0, clientCpuUs: 0, lat: [], byStatus: {}, firstError: undefined };
}

async function measure(s, impl, c, maxRequests, maxMs, agg) {
  const cpu0 = cpuMicros(s.pid);
  const h0 = s.helperPid ? cpuMicros(s.helperPid) : 0;
  const c0 = process.cpuUsage();
  const r = await runLoad({ tgt: impl.tgt ?? s.tgt, concurrency: c, maxRequests, maxMs, make: impl.make, check: impl.check });
  const cpu1 = cpuMicros(s.pid);
  const h1 = s.helperPid ? cpuMicros(s.helperPid) : 0;
  const c1 = process.cpuUsage(c0);
  if (!agg) return r;
  agg.clientCpuUs += c1.user + c1.system;
  agg.requests += r.requests;
  agg.ok += r.ok;
  agg.errors += r.errors;
  agg.elapsedMs += r.elapsedMs;
  agg.cpuUs += cpu1 - cpu0;
  agg.helperCpuUs += h1 - h0;
  agg.lat.push(r.latencies);
  for (const [k, v] of Object.entries(r.byStatus)) agg.byStatus[k] = (agg.byStatus[k] ?? 0) + v;
  agg.firstError ??= r.firstError;
  return r;
}

function summarize(agg) {
  const all = new Float64Array(agg.lat.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of agg.lat) {
    all.set(a, o);
    o += a.length;
  }
  all.sort();
  return {
    requests: agg.requests,
    ok: agg.ok,
    errors: agg.errors,
    byStatus: agg.byStatus,
    firstError: agg.firstError,
    seconds: agg.elapsedMs / 1000,
    rps: agg.requests / (agg.elapsedMs / 1000),
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    cpuUsPerReq: agg.requests ? agg.cpuUs / agg.requests : NaN,
    helperCpuUsPerReq: agg.requests ? agg.helperCpuUs / agg.requests : NaN,
    clientCpuUsPerReq: agg.requests ? agg.clientCpuUs / agg.requests : NaN,
  };
}

// ---------------------------------------------------------------- report

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const fmtMs = (n) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : "–");
const fmtRatio = (n) => (Number.isFinite(n) && n > 0 ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)}×` : "–");

function cell(r, f) {
  if (!r) return "—";
  if (r.unavailable) return r.unavailable.kind === NOT_IMPLEMENTED ? "not implemented" : "setup failed";
  return f(r);
}

function render(cfg, results, meta) {
  const L = [];
  L.push(`# Aero2 benchmark — ${meta.date}`);
  L.push("");
  L.push(
    `Aero2: built Worker on workerd ${meta.workerd} via Miniflare ${meta.miniflare} (no wrangler), build ${meta.build}. ` +
      `Baseline: oidc-provider ${meta.oidcProvider} on Node ${process.versions.node} (storage: in-process Maps). ` +
      `Machine: ${meta.cpus} CPUs, load average ${meta.loadavg} at start. ` +
      `Per cell: warm-up ${cfg.warmup} requests (≤ ${cfg.warmupSeconds} s), then ${cfg.requests} requests or ${cfg.seconds} s, whichever first, ` +
      `in ${cfg.rounds} rounds alternating Aero2 and baseline. CPU = utime+stime of the server process (/proc/<pid>/stat, ${meta.clk} ticks/s) ÷ requests.`,
  );
  L.push("");
  L.push(
    "| workload | c | Aero2 req/s | base req/s | req/s ratio | Aero2 p50 / p99 ms | base p50 / p99 ms | Aero2 CPU µs/req | ÷ floor of its shape | base CPU µs/req | CPU ratio | errors Aero2 / base |",
  );
  L.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  const floorOf = (row) => {
    const key = WORKLOAD_DEFS[row.key]?.floor;
    const f = key && results.find((r) => r.key === key && r.c === row.c)?.aero2;
    return f && !f.unavailable ? f : null;
  };
  const notes = [];
  for (const row of results) {
    const a = row.aero2;
    const b = row.baseline;
    const ok = (r) => r && !r.unavailable;
    const rps = ok(a) && ok(b) ? a.rps / b.rps : NaN;
    const cpu = ok(a) && ok(b) ? a.cpuUsPerReq / b.cpuUsPerReq : NaN;
    const errs = (r) =>
      !r
        ? "—"
        : r.unavailable
          ? "–"
          : `${r.errors}${r.errors ? ` (${Object.entries(r.byStatus).map(([k, v]) => `${k}:${v}`).join(" ")})` : ""}` +
            (r.warmup?.errors ? ` +${r.warmup.errors} in warm-up` : "");
    L.push(
      `| ${row.label} | ${row.c} | ${cell(a, (r) => fmtInt(r.rps))} | ${cell(b, (r) => fmtInt(r.rps))} | ${fmtRatio(rps)} | ` +
        `${cell(a, (r) => `${fmtMs(r.p50)} / ${fmtMs(r.p99)}`)} | ${cell(b, (r) => `${fmtMs(r.p50)} / ${fmtMs(r.p99)}`)} | ` +
        `${cell(a, (r) => fmtInt(r.cpuUsPerReq))} | ${ok(a) && floorOf(row) ? fmtRatio(a.cpuUsPerReq / floorOf(row).cpuUsPerReq) : "–"} | ` +
        `${cell(b, (r) => fmtInt(r.cpuUsPerReq))} | ${fmtRatio(cpu)} | ${errs(a)} / ${errs(b)} |`,
    );
    for (const [who, r] of [["Aero2", a], ["baseline", b]]) {
      if (!r) continue;
      if (r.unavailable) notes.push(`${row.key} ${who}: ${r.unavailable.kind === NOT_IMPLEMENTED ? "not implemented" : "setup failed"}: ${r.unavailable.message}`);
      else if (r.errors) notes.push(`${row.key} c=${row.c} ${who}: ${r.errors} errors, first: ${r.firstError}`);
      if (r.warmup?.errors) notes.push(`${row.key} c=${row.c} ${who}: ${r.warmup.errors} errors in warm-up, first: ${r.warmup.firstError}`);
      if (r.notes?.length) notes.push(`${row.key} ${who}: ${r.notes.join("; ")}`);
    }
  }
  // The targets of the performance issue, each against the runtime's floor
  // of the row's shape (same process, same run).
  L.push("");
  L.push(
    "Targets: CPU per request at most 1.5× the floor of its shape for token and UserInfo rows (2× for refresh_token), 1.2× the plain Worker's for discovery and JWKS; " +
      "p99 at c=32 at most 2× the floor's; client_credentials cheaper than the baseline at c=1.",
  );
  L.push("");
  const mark = (v) => (v ? "met" : "NOT met");
  for (const row of results) {
    const def = WORKLOAD_DEFS[row.key];
    const a = row.aero2;
    const f = floorOf(row);
    if (!def?.target || !a || a.unavailable || !f) continue;
    const ratio = a.cpuUsPerReq / f.cpuUsPerReq;
    let line = `- ${row.key} c=${row.c}: CPU ${fmtRatio(ratio)} the floor (${mark(ratio <= def.target)} ≤ ${def.target}×)`;
    if (row.c === 32) line += `, p99 ${fmtMs(a.p99)} ms against the floor's ${fmtMs(f.p99)} ms (${mark(a.p99 <= 2 * f.p99)} ≤ 2×)`;
    // The same shape in Rust with the worker crate: what the stack costs
    // before any work; what Aero2 spends above it is its own work.
    const rustOf = (variant) => {
      const r = results.find((x) => x.key === def.floor.replace(/^floor/, variant) && x.c === row.c)?.aero2;
      return r && !r.unavailable ? r : null;
    };
    // Answered warm by the Worker's JavaScript entry (src/worker/js/entry.mjs):
    // the wasm is not entered, so no Rust floor applies.
    if (def.warmInJs) line += "; answered warm by the JavaScript entry, without entering the wasm";
    const rust = !def.warmInJs && rustOf("floor_rust");
    if (rust) {
      line += `; ${fmtRatio(a.cpuUsPerReq / rust.cpuUsPerReq)} the Rust floor of its shape (${fmtInt(rust.cpuUsPerReq)} µs, itself ${fmtRatio(rust.cpuUsPerReq / f.cpuUsPerReq)} the JS floor): ${fmtInt(a.cpuUsPerReq - rust.cpuUsPerReq)} µs of Aero2's own work`;
    }
    const raw = !def.warmInJs && rustOf("floor_rust_raw");
    if (raw) line += `; with hand-written entry points the Rust floor is ${fmtInt(raw.cpuUsPerReq)} µs (${fmtRatio(raw.cpuUsPerReq / f.cpuUsPerReq)} the JS floor)`;
    const stored = def.storageFloor && results.find((r) => r.key === def.storageFloor && r.c === row.c)?.aero2;
    if (stored && !stored.unavailable) {
      line += `; ${fmtRatio(a.cpuUsPerReq / stored.cpuUsPerReq)} a JS Worker → object → object running the same SQLite statements (${fmtInt(stored.cpuUsPerReq)} µs, the statements ${fmtInt(stored.cpuUsPerReq - f.cpuUsPerReq)} µs)`;
    }
    const work = def.sameWork && results.find((r) => r.key === def.sameWork && r.c === row.c)?.aero2;
    if (work && !work.unavailable) {
      line += `; ${fmtRatio(a.cpuUsPerReq / work.cpuUsPerReq)} a JS Worker doing the same work in the same shape (${fmtInt(work.cpuUsPerReq)} µs, itself ${fmtRatio(work.cpuUsPerReq / f.cpuUsPerReq)} the JS floor: ${mark(work.cpuUsPerReq / f.cpuUsPerReq <= def.target)} ≤ ${def.target}×`;
      if (row.c === 32) line += `; its p99 ${fmtMs(work.p99)} ms, ${mark(work.p99 <= 2 * f.p99)} ≤ 2× the floor's`;
      line += ")";
    }
    const same = def.sameAnswer && results.find((r) => r.key === def.sameAnswer && r.c === row.c)?.aero2;
    if (same && !same.unavailable) line += `; ${fmtRatio(a.cpuUsPerReq / same.cpuUsPerReq)} a JS Worker giving the same answer (${fmtInt(same.cpuUsPerReq)} µs)`;
    if (row.key === "client_credentials" && row.baseline && !row.baseline.unavailable) {
      const vs = a.cpuUsPerReq / row.baseline.cpuUsPerReq;
      line += `; CPU ${fmtRatio(vs)} the baseline's${row.c === 1 ? ` (${mark(vs < 1)} < 1×)` : ""}`;
    }
    if (a.errors) line += `, ${a.errors} Aero2 errors`;
    L.push(line);
  }
  const helper = results.filter((r) => r.aero2 && !r.aero2.unavailable).map((r) => r.aero2.helperCpuUsPerReq);
  if (helper.length) {
    notes.push(
      `Miniflare's Node process (not counted above) used at most ${fmtInt(Math.max(...helper))} µs CPU per request in any Aero2 cell: workerd serves the socket itself.`,
    );
  }
  if (notes.length) {
    L.push("");
    L.push("Notes:");
    L.push("");
    for (const n of new Set(notes)) L.push(`- ${n}`);
  }
  L.push("");
  return L.join("\n");
}

function renderColdStart(cold) {
  if (cold.error) return `\n## Cold start\n\nNot measured: ${cold.error}\n`;
  const m = cold.median;
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const L = ["", "## Cold start", ""];
  L.push(
    `The Worker: wasm ${kib(cold.size.wasmRaw)} raw, ${kib(cold.size.wasmGzip)} gzip (level 9); JS glue ${kib(cold.size.jsRaw)}. ` +
      `Median of ${cold.runs.length} fresh workerd processes on one provisioned state, client-side ms:`,
  );
  L.push("");
  L.push("| step | ms |");
  L.push("|---|---:|");
  L.push(`| process start to ready (workerd reads the config, compiles the wasm) | ${fmtMs(m.readyMs)} |`);
  L.push(`| first request: front Worker, host resolved from D1 | ${fmtMs(m.firstMs)} |`);
  L.push(`| discovery (front Worker, built once) | ${fmtMs(m.discoveryMs)} |`);
  L.push(`| first token: TenantApp and JwksSigner instantiated, keys imported | ${fmtMs(m.firstTokenMs)} |`);
  L.push(`| the same token request, warm | ${fmtMs(m.warmTokenMs)} |`);
  L.push("");
  return L.join("\n");
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const cfg = options();
  for (const f of AERO2_FILES) {
    if (!existsSync(path.join(cfg.build, f))) throw new Error(`${path.join(cfg.build, f)} is missing: run scripts/build.sh first`);
  }
  const wasm = statSync(path.join(cfg.build, "index_bg.wasm"));
  let rev = "";
  try {
    rev = execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    // Marked when tracked files differ from the commit.
    if (execFileSync("git", ["-C", ROOT, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim()) rev += "+worktree";
  } catch {}
  const meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    workerd: versionOf("workerd"),
    miniflare: versionOf("miniflare"),
    oidcProvider: versionOf("oidc-provider"),
    build: `${rev ? `${rev}, ` : ""}wasm ${(wasm.size / 1024).toFixed(0)} KiB built ${wasm.mtime.toISOString().replace(/\.\d+Z$/, "Z")}`,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(" "),
    clk: clockTicks(),
  };
  const log = (...a) => console.error("bench:", ...a);

  log("starting Aero2 (Miniflare/workerd) and oidc-provider");
  const [aInfo, bInfo] = await Promise.all([
    startServer("aero2", "serve-aero2.mjs", ["--build", cfg.build, "--socket", cfg.aero2Socket]),
    startServer("baseline", "serve-baseline.mjs", ["--redirect-uri", REDIRECT_URI]),
  ]);
  log(`Aero2 on 127.0.0.1:${aInfo.port} (workerd pid ${aInfo.workerdPid}), oidc-provider on 127.0.0.1:${bInfo.port} (pid ${bInfo.pid})`);
  const servers = { aero2: await setupAero2(aInfo), baseline: setupBaseline(bInfo) };
  await discover(servers.aero2);
  await discover(servers.baseline);
  if (servers.aero2.clientError) log(`Aero2 client provisioning: ${servers.aero2.clientError.message}`);
  if (servers.aero2.userError) log(`Aero2 user provisioning: ${servers.aero2.userError.message}`);

  // The runtime's own warm-up (its HTTP path, JIT) before any cell: without
  // it the first cells of a run, the floor's, paid for it.
  for (const port of Object.values(servers.aero2.floorPorts)) {
    const floorTgt = target(`floor.localhost:${port}`, port);
    for (const p of ["/", "/do", "/do-do"]) await runLoad({ tgt: floorTgt, concurrency: 1, maxRequests: 1000, maxMs: 3000, make: () => ({ path: p }) });
  }
  await runLoad({ tgt: servers.aero2.tgt, concurrency: 1, maxRequests: 1000, maxMs: 3000, make: () => ({ path: servers.aero2.paths.discovery }) });
  const results = [];
  let order = 0;
  for (const key of WORKLOADS.filter((w) => cfg.only.includes(w) && WORKLOAD_DEFS[w])) {
    const def = WORKLOAD_DEFS[key];
    const impls = {};
    for (const who of ["aero2", "baseline"]) {
      if (who === "baseline" && def.aero2Only) continue;
      try {
        impls[who] = await def.prepare(servers[who], cfg);
      } catch (e) {
        impls[who] = { unavailable: e instanceof Unavailable ? e : new Unavailable("failed", String(e.stack || e)) };
      }
    }
    for (const c of cfg.concurrency) {
      const row = { key, label: def.label, c };
      const live = Object.keys(impls).filter((w) => !impls[w].unavailable);
      for (const w of Object.keys(impls)) if (impls[w].unavailable) row[w] = { unavailable: impls[w].unavailable };
      const aggs = Object.fromEntries(live.map((w) => [w, newAgg()]));
      // Warm-up, then rounds alternating which server goes first.
      const warm = {};
      // Workloads that consume state (a pending request per sign-in) top it up
      // here, outside the measured window.
      for (const w of live) if (impls[w].refill) await impls[w].refill();
      for (const w of live) warm[w] = await measure(servers[w], impls[w], c, cfg.warmup, cfg.warmupSeconds * 1000, null);
      const perRound = Math.max(1, Math.ceil(cfg.requests / cfg.rounds));
      for (let r = 0; r < cfg.rounds; r++) {
        const seq = order++ % 2 === 0 ? live : [...live].reverse();
        for (const w of seq) {
          const left = cfg.requests - aggs[w].requests;
          if (left <= 0) continue;
          await measure(servers[w], impls[w], c, Math.min(perRound, left), (cfg.seconds * 1000) / cfg.rounds, aggs[w]);
        }
      }
      for (const w of live) {
        row[w] = summarize(aggs[w]);
        row[w].warmup = { requests: warm[w].requests, errors: warm[w].errors, firstError: warm[w].firstError };
        if (impls[w].notes?.size) row[w].notes = [...impls[w].notes];
      }
      results.push(row);
      const brief = (r) =>
        !r ? "—" : r.unavailable ? (r.unavailable.kind === NOT_IMPLEMENTED ? "not implemented" : "setup failed") : `${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.p50)} p99 ${fmtMs(r.p99)} ms, ${fmtInt(r.cpuUsPerReq)} µs CPU/req, ${r.errors} errors`;
      log(`${key} c=${c}: Aero2 ${brief(row.aero2)} | baseline ${brief(row.baseline)}`);
    }
  }

  // Cold start, on fresh processes of their own, with nothing else running.
  let cold = null;
  if (cfg.only.includes("cold_start")) {
    await stopServers();
    log("cold start: 3 fresh workerd processes");
    try {
      cold = await measureColdStart({ buildDir: cfg.build, runs: 3 });
    } catch (e) {
      cold = { error: String(e.message || e) };
      log(`cold start failed: ${cold.error}`);
    }
  }
  let md = render(cfg, results, meta);
  if (cold) md += renderColdStart(cold);
  mkdirSync(path.dirname(cfg.out), { recursive: true });
  writeFileSync(cfg.out, md);
  const json = results.map((r) => ({
    ...r,
    aero2: r.aero2?.unavailable ? { unavailable: r.aero2.unavailable.message, kind: String(r.aero2.unavailable.kind.description ?? r.aero2.unavailable.kind) } : r.aero2,
    baseline: r.baseline?.unavailable ? { unavailable: r.baseline.unavailable.message } : r.baseline,
  }));
  const jsonFile = cfg.out.replace(/\.md$/, "") + ".json";
  writeFileSync(jsonFile, JSON.stringify({ meta, config: cfg, results: json, coldStart: cold }, null, 2));
  // The production latency model, from this run's figures.
  if (cfg.only.includes("client_credentials")) {
    md += "\n" + execFileSync(process.execPath, [path.join(HERE, "latency-model.mjs"), "--results", jsonFile], { encoding: "utf8" });
    writeFileSync(cfg.out, md);
  }
  console.log(md);
  log(`written to ${path.relative(process.cwd(), cfg.out)}`);
}

try {
  await main();
  await stopServers();
  process.exit(0);
} catch (e) {
  if (interrupted) await new Promise(() => {}); // the signal handler exits
  console.error(`bench: ${e.stack || e}`);
  await stopServers();
  process.exit(1);
}

// Where the CPU of one workload goes inside workerd: serves a build with the
// V8 inspector on, provisions the benchmark application as bench/run.mjs does,
// samples the isolate's CPU profile (Chrome DevTools Protocol, `Profiler`)
// while a fixed number of requests run, and prints self time per function.
//
//   node bench/profile.mjs [--build DIR] [--only client_credentials|refresh_token|userinfo|discovery|jwks|health]
//                          [--requests N] [--concurrency C] [--top N] [--crossings] [--against rust|rust_raw|js|js_work]
//
// With --against it then profiles, in the same workerd process, the floor of
// the workload's shape (bench/floor-rust with the worker crate's entry
// points, or with hand-written ones, or bench/floor-worker.mjs): the same
// number of requests of the floor's route (`/` for discovery, JWKS and
// health, `/do` for UserInfo, `/do-do` for a token request, and against the
// JavaScript floor `/do-do-refresh` for a refresh: its SQLite statements
// too), and prints what Aero2 spends above it, by kind and by function.
// That difference is Aero2's own work, and the table says what it is made
// of. `--against js_work` profiles instead the same shape doing the same
// work in JavaScript (`/work/token` for `client_credentials`,
// `/work/userinfo` for UserInfo, `/work/refresh` for a refresh): the
// difference is then what Aero2's being Rust compiled to wasm costs over
// JavaScript for the same request.
//
// With --crossings it counts instead the calls from the wasm to JavaScript
// (wasm-bindgen's imports) per request, by import and by the Aero2
// function making them, on an instrumented copy of the build (the copy
// wraps each import with a counter; nothing is sampled).
//
// Function names of the wasm appear only in a build that keeps its name
// section (`worker-build --profiling`, see bench/README.md). Figures are
// sampled (every 50 µs) and cover JavaScript and wasm on the isolate's thread;
// time in workerd's C++ outside V8 (HTTP parsing, SQLite, the Durable Object
// transport) shows as "(program)".
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApplication, createClient, createUser, operatorApi, REDIRECT_URI, refreshChains, sameWork } from "./lib/aero2-app.mjs";
import { formFiller, signIn } from "./lib/flows.mjs";
import { basicAuth, CookieJar, form, target } from "./lib/http.mjs";
import { runLoad } from "./lib/load.mjs";
import { cpuMicros, freePort } from "./lib/proc.mjs";
import { AERO2_FILES, startAero2 } from "./serve-aero2.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const only = arg("--only", "client_credentials");
const requests = Number(arg("--requests", "2000"));
const concurrency = Number(arg("--concurrency", "1"));
const top = Number(arg("--top", "40"));
const crossings = process.argv.includes("--crossings");
// The floor to profile beside Aero2: its worker's name in serve-aero2.mjs.
const FLOORS = { rust: "floor_rust", rust_raw: "floor_rust_raw", js: "floor", js_work: "floor" };
const against = arg("--against");
if (against !== undefined && !FLOORS[against]) throw new Error(`--against ${against}: not one of ${Object.keys(FLOORS).join(", ")}`);
if (against && crossings) throw new Error("--against profiles; --crossings counts calls: one or the other");
if (against === "js_work" && !["client_credentials", "userinfo", "refresh_token"].includes(only)) throw new Error("--against js_work: for --only client_credentials, userinfo or refresh_token");
let buildDir = path.resolve(arg("--build", path.join(ROOT, "build")));

// The build with every wasm import wrapped by a counter: per import, and
// per the innermost Aero2 function on the stack and the one calling it.
function instrumented(dir) {
  const out = mkdtempSync(path.join(os.tmpdir(), "aero2-crossings-"));
  process.on("exit", () => rmSync(out, { recursive: true, force: true }));
  for (const f of AERO2_FILES) cpSync(path.join(dir, f), path.join(out, f));
  const js = readFileSync(path.join(out, "index.js"), "utf8");
  const instance = /new WebAssembly\.Instance\((\w+),(\w+)\(\)\)/g;
  if (!instance.test(js)) throw new Error("--crossings: no WebAssembly.Instance(…) in index.js to instrument");
  const counter = `function __aero2Crossings(imports) {
    const glue = Object.values(imports).find((m) => m && typeof m === "object" && Object.keys(m).some((k) => k.startsWith("__wbg_")));
    for (const name of Object.keys(glue)) {
      const f = glue[name];
      if (typeof f !== "function") continue;
      const short = name.replace(/_[0-9a-f]{16}$/, "");
      glue[name] = function (...args) {
        const c = globalThis.__aero2Crossings;
        if (c) {
          c.total++;
          c.byImport[short] = (c.byImport[short] ?? 0) + 1;
          const at = (new Error().stack.match(/<?aero2_(worker|durable|core)::[^\\s(]*/g) ?? ["(the worker crate or wasm-bindgen, outside Aero2's functions)"])
            .slice(0, 2).map((n) => n.replace(/::h[0-9a-f]{16}/g, "")).join(" < ");
          c.byCaller[at] = (c.byCaller[at] ?? 0) + 1;
          c.byCallerImport[at + " · " + short] = (c.byCallerImport[at + " · " + short] ?? 0) + 1;
        }
        return f.apply(this, args);
      };
    }
    return imports;
  }\n`;
  writeFileSync(path.join(out, "index.js"), counter + js.replace(instance, "new WebAssembly.Instance($1,__aero2Crossings($2()))"));
  return out;
}
if (crossings) {
  Error.stackTraceLimit = 100;
  buildDir = instrumented(buildDir);
}

/** A minimal CDP session over the inspector's WebSocket, to the isolate of the Worker `worker`. */
async function inspect(port, worker) {
  let targets;
  for (let i = 0; i < 50 && !targets?.length; i++) {
    try {
      targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const t = targets?.find((x) => x.id === `core:user:${worker}`);
  if (!t) throw new Error(`no inspector target for the Worker ${worker}`);
  const ws = new WebSocket(t.webSocketDebuggerUrl ?? `ws://127.0.0.1:${port}/${t.id}`);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const pending = new Map();
  const contexts = [];
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.method === "Runtime.executionContextCreated") contexts.push(msg.params.context.id);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result);
    }
  };
  return {
    send(method, params = {}) {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    /** Evaluates `expression` in the Worker's isolate; its JSON value. */
    async evaluate(expression) {
      if (!contexts.length) {
        await this.send("Runtime.enable");
        for (let i = 0; i < 50 && !contexts.length; i++) await new Promise((r) => setTimeout(r, 20));
      }
      const out = await this.send("Runtime.evaluate", { expression, returnByValue: true, contextId: contexts[0] });
      return out.result.value;
    },
    close: () => ws.close(),
  };
}

const inspectorPort = await freePort();
// The Rust floors only when one is profiled: each is another wasm compiled at start.
const server = await startAero2({ buildDir, inspectorPort, rustFloorsDir: against && !against.startsWith("js") ? path.join(ROOT, "build") : null });
try {
  const port = server.port;
  const app = target(`bench.localhost:${port}`, port);
  // The benchmark's application, client and user, as bench/run.mjs makes them.
  const api = operatorApi(port, server.operatorSecret);
  const appId = await createApplication(api);
  const client = await createClient(api, appId);
  const authorization = basicAuth(client.id, client.secret);
  const cc = {
    method: "POST",
    path: "/oauth2/token",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization },
    body: form({ grant_type: "client_credentials" }),
  };
  // What each worker sends next (null when it has no more), and whether an
  // answer counts (default: a 2xx status).
  let make = () => cc;
  let check;
  // The user's access tokens at Aero2, one per worker (UserInfo, a refresh).
  let accessTokens = [];
  if (only === "refresh_token" || only === "userinfo") {
    // A user signed in through the authorization code flow, as bench/run.mjs
    // does: one refresh chain per worker (each token is used once), or one
    // access token per worker for UserInfo.
    const user = await createUser(api, appId);
    const jar = new CookieJar();
    const tokens = [];
    for (let i = 0; i < concurrency; i++) {
      tokens.push(
        await signIn({
          tgt: app,
          authorizePath: "/oauth2/authorize",
          tokenPath: "/oauth2/token",
          clientId: client.id,
          clientSecret: client.secret,
          redirectUri: REDIRECT_URI,
          scope: "openid profile email offline_access",
          jar,
          fill: formFiller(user),
        }),
      );
    }
    accessTokens = tokens.map((t) => t.access_token);
    if (only === "userinfo") {
      make = (i) => ({ method: "GET", path: "/oauth2/userinfo", headers: { authorization: `Bearer ${tokens[i].access_token}` } });
    } else {
      ({ make, check } = refreshChains({ chains: tokens.map((t) => t.refresh_token), tokenPath: "/oauth2/token", authorization }));
    }
  } else if (only !== "client_credentials") {
    const paths = { discovery: "/.well-known/openid-configuration", jwks: "/.well-known/jwks.json", health: "/.well-known/aero2-health" };
    if (!paths[only]) throw new Error(`--only ${only}: not one of client_credentials, refresh_token, userinfo, ${Object.keys(paths).join(", ")}`);
    const spec = { method: "GET", path: paths[only] };
    make = () => spec;
  }
  const load = (n) => runLoad({ tgt: app, concurrency, maxRequests: n, maxMs: 60_000, make, check });
  await load(500);
  const cdp = await inspect(inspectorPort, "aero2");
  if (crossings) {
    await cdp.evaluate("globalThis.__aero2Crossings = { total: 0, byImport: {}, byCaller: {}, byCallerImport: {} }, 1");
    const r = await load(requests);
    const c = JSON.parse(await cdp.evaluate("JSON.stringify(globalThis.__aero2Crossings)"));
    cdp.close();
    const per = (n) => (n / r.requests).toFixed(1);
    console.log(`${only} c=${concurrency}: ${r.requests} requests (${r.errors} errors), ${per(c.total)} calls from the wasm to JavaScript per request`);
    for (const [title, counts] of [["import", c.byImport], ["Aero2 function (< its caller)", c.byCaller], ["Aero2 function · import", c.byCallerImport]]) {
      console.log(`\n| calls/req | ${title} |\n|---:|---|`);
      for (const [k, n] of Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${per(n)} | \`${k}\` |`);
    }
    process.exit(0);
  }
  const aero2 = await sampled(cdp, () => load(requests));
  cdp.close();
  report(`${only} c=${concurrency}`, aero2);
  if (against) {
    // The floor of the workload's shape, as bench/run.mjs compares them.
    // A refresh against the JavaScript floor: the same shape running the
    // same SQLite statements (bench/floor-worker.mjs).
    const worker = FLOORS[against];
    const fport = server.floorPorts[worker];
    if (!fport) throw new Error(`--against ${against}: no ${worker} Worker served${against.startsWith("js") ? "" : " (scripts/bench.sh builds it under build/)"}`);
    const ftgt = target(`floor.localhost:${fport}`, fport);
    const spec = {
      path: against === "js" && only === "refresh_token" ? "/do-do-refresh" : ({ discovery: "/", jwks: "/", health: "/", userinfo: "/do" }[only] ?? "/do-do"),
    };
    let floorMake = () => spec;
    let floorCheck = (res) => res.status === 200 && res.body === "ok";
    if (against === "js_work") {
      const paths = { token: "/oauth2/token", userinfo: "/oauth2/userinfo", discovery: "/.well-known/openid-configuration" };
      const kind = { userinfo: "userinfo", refresh_token: "refresh" }[only] ?? "token";
      ({ make: floorMake, check: floorCheck } = await sameWork({ app, floor: ftgt, api, appId, client, paths, kind, accessToken: accessTokens[0], chains: concurrency }));
    }
    const first = floorMake(0);
    const route = `${first.method ?? "GET"} ${first.path}`;
    const floorLoad = (n) => runLoad({ tgt: ftgt, concurrency, maxRequests: n, maxMs: 60_000, make: floorMake, check: floorCheck });
    await floorLoad(500);
    const fcdp = await inspect(inspectorPort, worker);
    const floor = await sampled(fcdp, () => floorLoad(requests));
    fcdp.close();
    report(`\n${worker} ${route} c=${concurrency}`, floor);
    difference(`${only} above ${worker} ${route}`, aero2, floor);
  }
} finally {
  await server.stop();
}

/** Samples `cdp`'s isolate while `run` loads it: self and inclusive time per function, and workerd's CPU. */
async function sampled(cdp, run) {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  const cpu0 = cpuMicros(server.workerdPid);
  const r = await run();
  const cpuUs = cpuMicros(server.workerdPid) - cpu0;
  const { profile } = await cdp.send("Profiler.stop");
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const nameOf = (id) => {
    const f = byId.get(id).callFrame;
    return `${f.functionName || "(anonymous)"} ${f.url ? path.basename(f.url) : ""}`.trim();
  };
  const dt = profile.timeDeltas;
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = dt[i + 1] ?? 0;
    total += us;
    const name = nameOf(id);
    self.set(name, (self.get(name) ?? 0) + us);
  });
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  profile.samples.forEach((id, i) => {
    const us = dt[i + 1] ?? 0;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const name = nameOf(cur);
      if (seen.has(name)) continue;
      seen.add(name);
      incl.set(name, (incl.get(name) ?? 0) + us);
    }
  });
  const idle = self.get("(idle)") ?? 0;
  return { requests: r.requests, errors: r.errors, cpuUs, total, busy: total - idle, self, incl };
}

/** Self time by who spends it: the question "ours or the runtime's?". */
function kind(name) {
  if (/\.wasm-[0-9a-f]+$/.test(name)) {
    if (/^(wasm_bindgen|js_sys|web_sys|worker_sys|worker::|<worker|<js_sys|<wasm_bindgen|__wbg|__externref)/.test(name)) return "wasm-bindgen glue and the worker crate (in wasm)";
    if (/^<?aero2_bench_floor/.test(name)) return "the floor's own Rust";
    if (/^<?aero2_/.test(name)) return "Aero2's Rust";
    return "library Rust (serde, allocator, crypto, core)";
  }
  if (/ index\.js$/.test(name) || /^(wasm-to-js|js-to-wasm)/.test(name) || name === "(anonymous)") return "wasm-bindgen glue (JS side, and the calls across)";
  if (/ floor-worker\.mjs$/.test(name)) return "the floor's own JavaScript";
  if (/ entry\.mjs$/.test(name)) return "Aero2's JavaScript entry (src/worker/js/entry.mjs)";
  if (name === "(program)") return "(program): workerd's C++ outside V8 (HTTP, sockets, SQLite, object transport)";
  if (name === "(garbage collector)") return "(garbage collector)";
  if (name === "(idle)" || name === "(root)") return null;
  return "runtime built-ins called (Request, Response, Headers, fetch, crypto, TextDecoder…)";
}

/** µs per request of each kind of self time. */
function byKind(p) {
  const kinds = new Map();
  for (const [name, us] of p.self) {
    const k = kind(name);
    if (k) kinds.set(k, (kinds.get(k) ?? 0) + us / p.requests);
  }
  return kinds;
}

function report(title, p) {
  console.log(`${title}: ${p.requests} requests (${p.errors} errors), workerd CPU ${Math.round(p.cpuUs / p.requests)} µs/req (with the profiler on)`);
  console.log(`sampled ${Math.round(p.total / 1000)} ms, of which not idle ${Math.round(p.busy / p.requests)} µs/req`);
  console.log("\n| self µs/req | % of busy | spent by |\n|---:|---:|---|");
  for (const [k, us] of [...byKind(p).entries()].sort((a, b) => b[1] - a[1])) {
    console.log(`| ${us.toFixed(1)} | ${((100 * us * p.requests) / p.busy).toFixed(1)} | ${k} |`);
  }
  console.log("\n| self µs/req | % of busy | function |\n|---:|---:|---|");
  const rows = [...p.self.entries()].filter(([n]) => n !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of rows) console.log(`| ${(us / p.requests).toFixed(1)} | ${((100 * us) / p.busy).toFixed(1)} | \`${name}\` |`);
  console.log("\n| inclusive µs/req | function |\n|---:|---|");
  const inclRows = [...p.incl.entries()].filter(([n]) => !/^\((root|idle|program|garbage collector)\)/.test(n)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of inclRows) console.log(`| ${(us / p.requests).toFixed(1)} | \`${name.slice(0, 160)}\` |`);
}

/**
 * What `a` spends per request above `b`, by kind and by function. Names are
 * compared without what differs between two builds of the same code: the
 * wasm module's name and hash, a Rust symbol's hash, a glue import's hash.
 */
function difference(title, a, b) {
  const same = (name) => name.replace(/ \S+\.wasm-[0-9a-f]+$/, " (wasm)").replace(/::h[0-9a-f]{16}/g, "").replace(/_[0-9a-f]{16}( index\.js)$/, "$1");
  const per = (p) => {
    const m = new Map();
    for (const [name, us] of p.self) if (name !== "(idle)" && name !== "(root)") m.set(same(name), (m.get(same(name)) ?? 0) + us / p.requests);
    return m;
  };
  const [ma, mb] = [per(a), per(b)];
  const ka = byKind(a);
  const kb = byKind(b);
  const busyA = a.busy / a.requests;
  const busyB = b.busy / b.requests;
  console.log(`\n${title}: workerd CPU ${Math.round(a.cpuUs / a.requests - b.cpuUs / b.requests)} µs/req more, sampled busy time ${Math.round(busyA - busyB)} µs/req more`);
  console.log("\n| more µs/req | Aero2 | floor | spent by |\n|---:|---:|---:|---|");
  const kinds = [...new Set([...ka.keys(), ...kb.keys()])].map((k) => [k, ka.get(k) ?? 0, kb.get(k) ?? 0]);
  for (const [k, x, y] of kinds.sort((p, q) => q[1] - q[2] - (p[1] - p[2]))) {
    console.log(`| ${(x - y).toFixed(1)} | ${x.toFixed(1)} | ${y.toFixed(1)} | ${k} |`);
  }
  console.log("\n| more µs/req | Aero2 | floor | function (self time) |\n|---:|---:|---:|---|");
  const names = [...new Set([...ma.keys(), ...mb.keys()])];
  const delta = (n) => (ma.get(n) ?? 0) - (mb.get(n) ?? 0);
  for (const n of names.sort((x, y) => Math.abs(delta(y)) - Math.abs(delta(x))).slice(0, top)) {
    console.log(`| ${delta(n).toFixed(1)} | ${(ma.get(n) ?? 0).toFixed(1)} | ${(mb.get(n) ?? 0).toFixed(1)} | \`${n.slice(0, 160)}\` |`);
  }
}

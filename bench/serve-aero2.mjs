// Serves the built Aero2 Worker with Miniflare's Node API (workerd underneath),
// without wrangler. Run as its own process by bench/run.mjs:
//
//   node bench/serve-aero2.mjs [--build DIR] [--socket direct|entry]
//
// It copies the build to a temporary directory (another build may rewrite
// build/ meanwhile), starts workerd on 127.0.0.1:<free port> with D1 `DB`
// (migrations applied in order), the `TENANT_APP` and `JWKS_SIGNER` SQLite
// Durable Objects and throwaway state, then prints one JSON line on stdout:
//   {"ready":true,"port":N,"floorPorts":{"floor":F,…},"workerdPid":P,"operatorSecret":"…"}
// F serves bench/floor-worker.mjs (the runtime's floor) in the same workerd;
// `floorPorts` has it as `floor`, and the same floor written in Rust
// (bench/floor-rust, built by scripts/bench.sh) as `floor_rust` (the worker
// crate's entry points, as Aero2) and `floor_rust_raw` (hand-written ones),
// each when build/floor-rust/ and build/floor-rust-raw/ hold its build.
// It exits, removing its state, on SIGTERM/SIGINT or when stdin closes (the
// runner went away); Miniflare kills workerd on the way out.
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { findWorkerdPid, freePort } from "./lib/proc.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Splits a migration file into statements (`;` at end of line, outside BEGIN…END). */
export function splitSql(sql) {
  const lines = sql.split("\n").filter((l) => !/^\s*--/.test(l));
  const out = [];
  let cur = [];
  let depth = 0;
  for (const line of lines) {
    cur.push(line);
    const code = line.replace(/--.*$/, "");
    if (/\bBEGIN\b/i.test(code) && !/\bBEGIN\s+(TRANSACTION|IMMEDIATE|EXCLUSIVE|DEFERRED)\b/i.test(code)) depth++;
    if (/\bEND\s*;\s*$/i.test(code) && depth > 0) depth--;
    if (depth === 0 && /;\s*$/.test(code)) {
      const stmt = cur.join("\n").trim();
      if (stmt && stmt !== ";") out.push(stmt);
      cur = [];
    }
  }
  const tail = cur.join("\n").trim();
  if (tail) out.push(tail);
  return out;
}

/** The Rust floors: their name in `floorPorts`, their build under build/. */
const RUST_FLOORS = [
  ["floor_rust", "floor-rust"],
  ["floor_rust_raw", "floor-rust-raw"],
];

/**
 * Aero2's build, as scripts/build.sh writes it: the Worker's entry
 * (src/worker/js/entry.mjs), the wasm-bindgen glue it imports, the wasm.
 */
export const AERO2_FILES = ["entry.mjs", "index.js", "index_bg.wasm"];

/**
 * A worker-build output's modules, listed explicitly: `entry` first (the
 * main module), the wasm-bindgen glue and the wasm as a CompiledWasm module
 * (what `import … from "./index_bg.wasm"` expects).
 */
function wasmModules(dir, entry = "index.js") {
  const entries = entry === "index.js" ? ["index.js"] : [entry, "index.js"];
  return {
    modulesRoot: dir,
    modules: [
      ...entries.map((f) => ({ type: "ESModule", path: path.join(dir, f) })),
      { type: "CompiledWasm", path: path.join(dir, "index_bg.wasm") },
    ],
  };
}

/**
 * socket: "direct" (default) serves the Worker on a workerd socket bound to it
 * directly, as a bare `workerd serve` config would; "entry" goes through
 * Miniflare's entry Worker first (what `wrangler dev` and `mf.ready` use), one
 * more hop inside the same process.
 */
/**
 * `keep`: a directory of the caller's (created if missing, never removed
 * here) holding the state and the secrets, so that a later start with the
 * same `keep` serves the same applications from a fresh workerd process:
 * how bench/cold-start.mjs measures a fresh isolate.
 */
export async function startAero2({
  buildDir = path.join(ROOT, "build"),
  migrationsDir = path.join(ROOT, "migrations"),
  socket = "direct",
  inspectorPort,
  keep,
  rustFloorsDir = path.join(ROOT, "build"),
} = {}) {
  if (!["direct", "entry"].includes(socket)) throw new Error(`socket must be "direct" or "entry", not ${socket}`);
  const work = keep ?? mkdtempSync(path.join(tmpdir(), "aero2-bench-"));
  mkdirSync(work, { recursive: true });
  const secretsFile = path.join(work, "secrets.json");
  const restarted = keep !== undefined && existsSync(secretsFile);
  // Miniflare exits the process itself on SIGTERM/SIGINT (after killing
  // workerd), so the state directory is removed on "exit", synchronously.
  const removeWork = () => {
    if (!keep) rmSync(work, { recursive: true, force: true });
  };
  process.on("exit", removeWork);
  const build = path.join(work, "build");
  // Copy the pair, and again if the build changed while copying.
  const files = AERO2_FILES;
  const stamp = () => files.map((f) => statSync(path.join(buildDir, f)).mtimeMs).join();
  for (let attempt = 0; ; attempt++) {
    const before = stamp();
    for (const f of files) cpSync(path.join(buildDir, f), path.join(build, f));
    if (stamp() === before) break;
    if (attempt >= 5) throw new Error(`${buildDir} keeps changing; try again when the build is done`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const state = path.join(work, "state");
  const entryPort = await freePort();
  const directPort = await freePort();
  const floorPort = await freePort();
  // The Rust floors whose build is there, copied like Aero2's.
  // `rustFloorsDir: null` leaves them out (the cold start, and the profiler
  // unless it profiles one: each would be another wasm compiled at start).
  const rustFloors = (rustFloorsDir ? RUST_FLOORS : []).filter(([, dir]) => existsSync(path.join(rustFloorsDir, dir, "index.js")));
  for (const [, dir] of rustFloors) {
    for (const f of ["index.js", "index_bg.wasm"]) cpSync(path.join(rustFloorsDir, dir, f), path.join(work, dir, f));
  }
  const { operatorSecret, kek } = restarted
    ? JSON.parse(readFileSync(secretsFile, "utf8"))
    : { operatorSecret: `aero2_op_bench_${randomBytes(24).toString("hex")}`, kek: randomBytes(32).toString("base64") };
  if (keep) writeFileSync(secretsFile, JSON.stringify({ operatorSecret, kek }));
  const compatibilityDate =
    /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8"))?.[1] ?? "2026-10-01";

  // Miniflare 5 takes a new option shape; convertV4MiniflareOptions accepts the
  // documented (v4) one, as wrangler itself does.
  const mf = new Miniflare(convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: entryPort,
    log: new Log(LogLevel.NONE),
    cf: false,
    ...(inspectorPort ? { inspectorPort } : {}),
    resourcePersistencePath: state,
    workers: [
      {
        name: "aero2",
        ...wasmModules(build, "entry.mjs"),
        compatibilityDate,
        bindings: {
          PLATFORM_DOMAIN: "localhost",
          AERO2_BOOTSTRAP_SECRET: operatorSecret,
          AERO2_KEY_ENCRYPTION_KEY: kek,
        },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: directPort }],
        d1Databases: { DB: "aero2-bench" },
        durableObjects: {
          TENANT_APP: { className: "TenantApp", useSQLite: true },
          JWKS_SIGNER: { className: "JwksSigner", useSQLite: true },
        },
      },
      {
        // The runtime's floor (bench/floor-worker.mjs), in the same process.
        name: "floor",
        modules: [{ type: "ESModule", path: path.join(ROOT, "bench", "floor-worker.mjs") }],
        compatibilityDate,
        unsafeDirectSockets: [{ host: "127.0.0.1", port: floorPort }],
        durableObjects: { HOP: { className: "Hop", useSQLite: true } },
      },
      // The same floor in Rust (bench/floor-rust), as many as are built.
      ...(await Promise.all(
        rustFloors.map(async ([name, dir]) => ({
          name,
          ...wasmModules(path.join(work, dir)),
          compatibilityDate,
          unsafeDirectSockets: [{ host: "127.0.0.1", port: await freePort() }],
          durableObjects: { HOP: { className: "Hop", useSQLite: true } },
        })),
      )),
    ],
  }));
  try {
    await mf.ready;
    const db = await mf.getD1Database("DB");
    const migrations = restarted ? [] : readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")).sort();
    for (const f of migrations) {
      const stmts = splitSql(readFileSync(path.join(migrationsDir, f), "utf8"));
      if (stmts.length) await db.batch(stmts.map((s) => db.prepare(s)));
    }
  } catch (e) {
    await mf.dispose().catch(() => {});
    removeWork();
    throw e;
  }
  const workerdPid = findWorkerdPid(process.pid);
  let stopped = false;
  const port = socket === "direct" ? Number(new URL(await mf.unsafeGetDirectURL("aero2")).port) : Number(new URL(await mf.ready).port);
  const floor = Number(new URL(await mf.unsafeGetDirectURL("floor")).port);
  const floorPorts = { floor };
  for (const [name] of rustFloors) floorPorts[name] = Number(new URL(await mf.unsafeGetDirectURL(name)).port);
  return {
    port,
    floorPorts,
    socket,
    workerdPid,
    operatorSecret,
    async stop() {
      if (stopped) return;
      stopped = true;
      await mf.dispose().catch(() => {});
      removeWork();
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const buildDir = arg("--build") ? path.resolve(arg("--build")) : undefined;
  const socket = arg("--socket") ?? "direct";
  let server;
  const quit = async (code = 0) => {
    if (server) await server.stop();
    process.exit(code);
  };
  process.on("SIGTERM", () => quit(0));
  process.on("SIGINT", () => quit(0));
  process.stdin.on("end", () => quit(0));
  process.stdin.on("error", () => quit(0));
  process.stdin.resume();
  try {
    server = await startAero2({ buildDir, socket });
    process.stdout.write(
      JSON.stringify({ ready: true, port: server.port, floorPorts: server.floorPorts, socket: server.socket, workerdPid: server.workerdPid, operatorSecret: server.operatorSecret }) + "\n",
    );
  } catch (e) {
    process.stderr.write(`serve-aero2: ${e.stack || e}\n`);
    await quit(1);
  }
}

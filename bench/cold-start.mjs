// Cold start: what the first requests of a fresh workerd process cost, and
// how big the Worker is. Used by bench/run.mjs (workload `cold_start`);
// alone: node bench/cold-start.mjs [--build DIR] [--runs N].
//
// One state directory is provisioned once (an application with a
// confidential client), then served by N fresh workerd processes in turn.
// For each: the time from starting the process to its socket being ready
// (workerd reading the config and compiling the wasm), then, in order, the
// first requests of that isolate, timed at the client:
//   1. GET /.well-known/aero2-health      the front Worker's first request (the
//      wasm instance's first call, the host resolved from D1)
//   2. GET /.well-known/openid-configuration   answered by the front Worker
//   3. POST /oauth2/token client_credentials   the application's TenantApp and
//      the JwksSigner instantiated (schema checks, the sealing key and the
//      signing key imported, the client read from D1)
//   4. the same token request again        warm, for comparison
import { gzipSync } from "node:zlib";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { basicAuth, request, target } from "./lib/http.mjs";
import { startAero2 } from "./serve-aero2.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Raw and gzip (level 9) size of the Worker's wasm, in bytes. */
export function wasmSize(buildDir) {
  const wasm = readFileSync(path.join(buildDir, "index_bg.wasm"));
  const js = readFileSync(path.join(buildDir, "index.js"));
  return { wasmRaw: wasm.length, wasmGzip: gzipSync(wasm, { level: 9 }).length, jsRaw: js.length };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

async function provision(server) {
  const dash = target(`dashboard.localhost:${server.port}`, server.port);
  const api = async (p, body) => {
    const res = await request(dash, {
      method: "POST",
      path: `/api/v1${p}`,
      headers: { authorization: `Bearer ${server.operatorSecret}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`cold start: POST /api/v1${p} answered ${res.status}: ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body);
  };
  const app = await api("/applications", { slug: "cold", name: "Cold start" });
  const client = await api(`/applications/${app.id}/clients`, {
    name: "cold",
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["client_credentials"],
    first_party: true,
  });
  return { id: client.client_id, secret: client.client_secret };
}

/**
 * Measures `runs` fresh processes. Resolves to
 * { runs: [{ readyMs, firstMs, discoveryMs, firstTokenMs, warmTokenMs }], median: {...}, size }.
 */
export async function measureColdStart({ buildDir = path.join(ROOT, "build"), runs = 3 } = {}) {
  const keep = mkdtempSync(path.join(tmpdir(), "aero2-cold-"));
  try {
    const first = await startAero2({ buildDir, keep, rustFloorsDir: null });
    let client;
    try {
      client = await provision(first);
    } finally {
      await first.stop();
    }
    const out = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const server = await startAero2({ buildDir, keep, rustFloorsDir: null });
      const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
      try {
        const app = target(`cold.localhost:${server.port}`, server.port);
        const ok = (res, what) => {
          if (res.status !== 200) throw new Error(`cold start: ${what} answered ${res.status}: ${res.body.slice(0, 200)}`);
          return res.ms;
        };
        const token = () =>
          request(app, {
            method: "POST",
            path: "/oauth2/token",
            headers: { authorization: basicAuth(client.id, client.secret), "content-type": "application/x-www-form-urlencoded" },
            body: "grant_type=client_credentials",
          });
        const firstMs = ok(await request(app, { path: "/.well-known/aero2-health" }), "health");
        const discoveryMs = ok(await request(app, { path: "/.well-known/openid-configuration" }), "discovery");
        const firstTokenMs = ok(await token(), "first token");
        const warmTokenMs = ok(await token(), "warm token");
        out.push({ readyMs, firstMs, discoveryMs, firstTokenMs, warmTokenMs });
      } finally {
        await server.stop();
      }
    }
    const keys = ["readyMs", "firstMs", "discoveryMs", "firstTokenMs", "warmTokenMs"];
    return { runs: out, median: Object.fromEntries(keys.map((k) => [k, median(out.map((r) => r[k]))])), size: wasmSize(buildDir) };
  } finally {
    rmSync(keep, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const r = await measureColdStart({ buildDir: path.resolve(arg("--build", path.join(ROOT, "build"))), runs: Number(arg("--runs", "3")) });
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}

// A production latency model of the token endpoint: which signer layout
// to run. Takes the CPU each hop costs (measured here by bench/run.mjs and
// bench/profile.mjs, scaled to a production core) and assumed round-trip
// times between a user's edge location, the application's TenantApp and
// the signer, and prints the token endpoint's latency (median-ish, no
// tail) for three layouts:
//
//   singleton   one JwksSigner for every application, wherever it was
//               first created (the design's default)
//   sharded     JWKS_SIGNER_SHARDS objects; each shard is placed where it
//               was first created, so the tenant → signer trip is the same
//               as the singleton's, but the queue is N times shorter
//   beside      the signer shard placed in the tenants' region
//               (a `locationHint` on the stub): the trip becomes local
//
// Queueing at the signer is M/D/1: a sign request keeps the object's one
// thread busy `signerBusyUs`; at a rate λ over N shards each runs at
// ρ = λ·s/N and a request waits ρ·s / (2(1 − ρ)) on average.
//
//   node bench/latency-model.mjs [--results bench/results/latest.json]
//        [--speedup 2.5] [--rates 100,1000,5000,20000]
//        [--rtt-edge-tenant 5,60,150] [--rtt-tenant-signer-far 90]
//        [--rtt-tenant-signer-near 3] [--shards 4] [--signer-busy-us 150]
//
// Without --results (or when the file lacks the rows), the CPU figures are
// the defaults below, measured on this 2-core machine on 2026-11-28.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const get = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const list = (name, dflt) => String(get(name, dflt)).split(",").map(Number);

// CPU µs per token request on this machine (c=1), by hop, from
// bench/profile.mjs on client_credentials: the front Worker, the tenant
// object and the signer object's own handler (the rest is the runtime's
// transport, counted in the total).
const DEFAULT_TOTAL_US = 2565;
const SHARE = { front: 0.43, tenant: 0.2, signer: 0.14, transport: 0.23 };

function measuredTotal() {
  const file = path.resolve(get("results", path.join(ROOT, "bench", "results", "latest.json")));
  if (!existsSync(file)) return { total: DEFAULT_TOTAL_US, from: "default (no results file)" };
  try {
    const raw = JSON.parse(readFileSync(file, "utf8"));
    const rows = raw.results ?? raw.rows ?? [];
    const row = rows.find((r) => r.key === "client_credentials" && r.c === 1);
    const us = row?.aero2?.cpuUsPerReq;
    if (Number.isFinite(us)) return { total: us, from: path.relative(ROOT, file) };
  } catch {
    // fall through to the default
  }
  return { total: DEFAULT_TOTAL_US, from: "default (no client_credentials row)" };
}

const speedup = Number(get("speedup", 2.5)); // a production core against one of these
const rates = list("rates", "100,1000,5000,20000");
const edgeTenant = list("rtt-edge-tenant", "5,60,150");
const far = Number(get("rtt-tenant-signer-far", 90));
const near = Number(get("rtt-tenant-signer-near", 3));
const shards = Number(get("shards", 4));
const { total, from } = measuredTotal();
const cpuMs = (share) => (total * share) / speedup / 1000;
const signerBusyUs = Number(get("signer-busy-us", (total * SHARE.signer) / speedup));
const s = signerBusyUs / 1e6; // seconds of the signer's thread per sign request

/** Mean wait in an M/D/1 queue at utilisation ρ (Infinity when saturated). */
const wait = (rate, n) => {
  const rho = (rate * s) / n;
  return rho >= 1 ? Infinity : ((rho * s) / (2 * (1 - rho))) * 1000;
};

function latency(rttEdgeTenant, rttTenantSigner, rate, n) {
  const cpu = cpuMs(SHARE.front) + cpuMs(SHARE.tenant) + cpuMs(SHARE.signer) + cpuMs(SHARE.transport);
  return rttEdgeTenant + rttTenantSigner + cpu + wait(rate, n);
}

const fmt = (ms) => (Number.isFinite(ms) ? ms.toFixed(1) : "saturated");
const out = [];
out.push(`# Token endpoint latency model`);
out.push("");
out.push(
  `CPU per token request ${Math.round(total)} µs here (${from}), ÷ ${speedup} for a production core; ` +
    `the signer's thread busy ${Math.round(signerBusyUs)} µs per sign request, so one signer object saturates at ` +
    `${Math.round(1e6 / signerBusyUs).toLocaleString("en-US")} sign requests/s. Tenant → signer round trip: ${far} ms when the signer is ` +
    `elsewhere, ${near} ms beside the tenants. Latency = edge → tenant RTT + tenant → signer RTT + CPU + queueing (ms, mean; ` +
    `client → edge not counted).`,
);
out.push("");
out.push(`| edge → tenant RTT | token rate /s | singleton | sharded (${shards}) | beside the tenants (1) | beside the tenants (${shards}) |`);
out.push("|---:|---:|---:|---:|---:|---:|");
for (const e of edgeTenant) {
  for (const r of rates) {
    out.push(`| ${e} ms | ${r.toLocaleString("en-US")} | ${fmt(latency(e, far, r, 1))} | ${fmt(latency(e, far, r, shards))} | ${fmt(latency(e, near, r, 1))} | ${fmt(latency(e, near, r, shards))} |`);
  }
}
out.push("");
// The shards a rate needs to keep each below ρ = 0.5 (mean wait under half
// a service time): signer shards for the deployment's token rate, and
// tenant shards for one application's (its TenantApp's thread is busy
// `tenantBusyUs` per token request; Cloudflare's guidance of about 1,000
// requests/s per object bounds it too).
const tenantBusyUs = Number(get("tenant-busy-us", (total * SHARE.tenant) / speedup));
const t = tenantBusyUs / 1e6;
const needed = (rate, busy) => Math.max(1, Math.ceil((rate * busy) / 0.5));
out.push(
  `One tenant object's thread is busy ${Math.round(tenantBusyUs)} µs per token request: one application's tenant shards ` +
    `(\`PUT …/tenant-shards\`) are the larger of ρ ≤ 0.5 and 1,000 requests/s per object.`,
);
out.push("");
out.push("| token rate /s | signer shards (deployment) for ρ ≤ 0.5 | tenant shards (one application) |");
out.push("|---:|---:|---:|");
for (const r of [...rates, 50_000]) {
  const n = Math.max(needed(r, t), Math.ceil(r / 1000));
  out.push(`| ${r.toLocaleString("en-US")} | ${needed(r, s)} | ${n > 16 ? `${n} (past the 16 allowed)` : n} |`);
}
console.log(out.join("\n"));

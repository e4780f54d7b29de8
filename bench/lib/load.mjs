// Closed-loop load: `concurrency` workers, each sending its next request when
// the previous answer is in, over keep-alive connections (one per worker),
// until `maxRequests` requests in total or `maxMs` have passed.
import http from "node:http";
import { request } from "./http.mjs";

/**
 * w: { tgt, concurrency, maxRequests, maxMs,
 *      make(worker) → request options, or null when this worker has no more work,
 *      check(res, worker) → true if the answer counts as a success (called for
 *        every answer, whatever its status; default: a 2xx status) }
 * Resolves to { requests, ok, errors, byStatus, firstError, elapsedMs, latencies }.
 */
export async function runLoad(w) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: w.concurrency, maxFreeSockets: w.concurrency });
  const latencies = new Float64Array(w.maxRequests);
  let issued = 0;
  let done = 0;
  let ok = 0;
  const byStatus = {};
  let firstError;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(w.maxMs * 1e6));
  async function worker(i) {
    while (issued < w.maxRequests && process.hrtime.bigint() < deadline) {
      const spec = w.make(i);
      if (!spec) return;
      issued++;
      const res = await request(w.tgt, { ...spec, agent });
      latencies[done++] = res.ms;
      let good = false;
      try {
        good = w.check ? w.check(res, i) === true : res.status >= 200 && res.status < 300;
      } catch {
        good = false;
      }
      if (good) ok++;
      else {
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        firstError ??= `${res.status} ${String(res.body).slice(0, 200)}`;
      }
    }
  }
  await Promise.all(Array.from({ length: w.concurrency }, (_, i) => worker(i)));
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  agent.destroy();
  return { requests: done, ok, errors: done - ok, byStatus, firstError, elapsedMs, latencies: latencies.slice(0, done) };
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx];
}

// Process helpers for the benchmark: free ports, CPU time from /proc, and
// finding the workerd process Miniflare starts.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import net from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let ticks;
/** Clock ticks per second (`getconf CLK_TCK`), usually 100. */
export function clockTicks() {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid) {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = raw.lastIndexOf(")");
  return { comm: raw.slice(raw.indexOf("(") + 1, close), rest: raw.slice(close + 2).split(" ") };
}

/**
 * CPU time (user + system) a process has used so far, in microseconds.
 * utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks;
 * the threads of the process are included.
 */
export function cpuMicros(pid) {
  const { rest } = statFields(pid);
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1e6) / clockTicks();
}

/** The pids of all descendants of `pid` with their command names. */
export function descendants(pid) {
  const all = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    let kids = [];
    try {
      // Children of every thread of p.
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const text = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (text) kids.push(...text.split(/\s+/).map(Number));
      }
    } catch {
      kids = [];
    }
    for (const k of kids) {
      let comm = "?";
      try {
        comm = statFields(k).comm;
      } catch {
        continue;
      }
      all.push({ pid: k, comm });
      queue.push(k);
    }
  }
  return all;
}

/** The workerd process started (directly or not) by this Node process. */
export function findWorkerdPid(parent = process.pid) {
  const found = descendants(parent).filter((d) => d.comm === "workerd");
  if (found.length === 0) throw new Error("no workerd child process found");
  if (found.length > 1) {
    throw new Error(`several workerd processes: ${found.map((f) => f.pid).join(", ")}`);
  }
  return found[0].pid;
}

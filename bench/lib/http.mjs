// A small HTTP/1.1 client on node:http for the benchmark: keep-alive, an
// explicit Host header per request (fetch/undici forbid setting it), a
// timeout on every request, and a cookie jar for the sign-in flows.
import http from "node:http";

/**
 * A server to talk to: every connection goes to 127.0.0.1:`port`, every
 * request carries `Host: <host>`.
 */
export function target(host, port) {
  return { host, port, origin: `http://${host}` };
}

/**
 * One request. Resolves to { status, headers, body, ms } and never rejects on
 * an HTTP status; network errors and timeouts resolve to status 0 with the
 * error message as body.
 */
export function request(tgt, { method = "GET", path = "/", headers = {}, body, agent, timeoutMs = 10_000 }) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const done = (status, hdrs, text) =>
      resolve({ status, headers: hdrs, body: text, ms: Number(process.hrtime.bigint() - start) / 1e6 });
    const h = { host: tgt.host, ...headers };
    let payload;
    if (body !== undefined) {
      payload = typeof body === "string" ? Buffer.from(body) : body;
      h["content-length"] = String(payload.length);
    }
    const req = http.request({ host: "127.0.0.1", port: tgt.port, method, path, headers: h, agent: agent ?? false });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (e) => done(0, {}, String(e.message || e)));
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", (e) => done(0, {}, String(e.message || e)));
      res.on("end", () => done(res.statusCode, res.headers, Buffer.concat(chunks).toString("utf8")));
    });
    req.end(payload);
  });
}

export function form(fields) {
  return new URLSearchParams(fields).toString();
}

/**
 * Headers of an answer that the connection, the clock and the request make,
 * not the server's answer itself: what a floor giving Aero2's answer again
 * does not copy.
 */
export const PER_ANSWER_HEADERS = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding", "x-request-id"]);

export function basicAuth(id, secret) {
  // RFC 6749 §2.3.1: form-urlencode both parts before base64.
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}`;
}

/** Cookies by name, from Set-Cookie headers; enough for one host. */
export class CookieJar {
  #cookies = new Map();
  take(headers) {
    const set = headers["set-cookie"];
    if (!set) return;
    for (const line of [].concat(set)) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-)/i.test(a)) ||
        attrs.some((a) => /^\s*expires\s*=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now());
      if (expired || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  has(name) {
    return this.#cookies.has(name);
  }
  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

const decodeEntities = (s) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (m, e) => {
    const l = e.toLowerCase();
    if (l === "amp") return "&";
    if (l === "lt") return "<";
    if (l === "gt") return ">";
    if (l === "quot") return '"';
    if (l === "apos" || l === "#39") return "'";
    if (l.startsWith("#x")) return String.fromCodePoint(parseInt(l.slice(2), 16));
    if (l.startsWith("#")) return String.fromCodePoint(parseInt(l.slice(1), 10));
    return m;
  });

function attr(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3]) : undefined;
}

/**
 * The first POST form of an HTML page: its action and its named inputs and
 * buttons (name → value; buttons listed separately, as only one is sent).
 */
export function parseForm(html) {
  const open = /<form\b[^>]*>/i.exec(html);
  if (!open) return undefined;
  const end = html.indexOf("</form>", open.index);
  const inner = html.slice(open.index, end < 0 ? undefined : end);
  const fields = {};
  for (const m of inner.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], "name");
    if (name) fields[name] = attr(m[0], "value") ?? "";
  }
  const buttons = [];
  for (const m of inner.matchAll(/<button\b[^>]*>/gi)) {
    const name = attr(m[0], "name");
    if (name) buttons.push({ name, value: attr(m[0], "value") ?? "" });
  }
  return { action: attr(open[0], "action"), method: (attr(open[0], "method") ?? "get").toUpperCase(), fields, buttons };
}

// The runtime's own floor on this machine, served beside Aero2 in the same
// workerd process (bench/serve-aero2.mjs) so the benchmark can report what
// any Worker pays before its own code runs: no Aero2 code, no wasm.
//
//   GET /        answered by the Worker
//   GET /do      Worker → one SQLite-backed Durable Object → "ok"
//   GET /do-do   Worker → object → a second object → "ok"
//   PUT /answer/<name>   keeps an answer (JSON: {headers, body}) in memory
//   GET /answer/<name>   repeats it, as a JavaScript Worker would give the
//                        same answer: its headers and body, a request id
//                        of its own (bench/run.mjs copies Aero2's discovery
//                        document and JWKS here: what the runtime charges
//                        for the answer itself)
//
// Aero2's token endpoint has the shape of /do-do (front Worker → TenantApp →
// JwksSigner); its discovery document, the shape of /do.
export class Hop {
  constructor(ctx, env) {
    this.env = env;
  }
  async fetch(req) {
    if (new URL(req.url).searchParams.has("next")) {
      return this.env.HOP.get(this.env.HOP.idFromName("second")).fetch("http://hop/");
    }
    return new Response("ok");
  }
}

const answers = new Map();
let served = 0;

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    if (pathname.startsWith("/answer/")) {
      if (req.method === "PUT") {
        const { headers, body } = await req.json();
        answers.set(pathname, { headers: new Headers(headers), body: new TextEncoder().encode(body) });
        return new Response(null, { status: 204 });
      }
      const kept = answers.get(pathname);
      if (!kept) return new Response("no such answer", { status: 404 });
      const headers = new Headers(kept.headers);
      headers.set("x-request-id", `floor${++served}`);
      return new Response(kept.body, { headers });
    }
    if (pathname === "/do") return env.HOP.get(env.HOP.idFromName("first")).fetch("http://hop/");
    if (pathname === "/do-do") return env.HOP.get(env.HOP.idFromName("first")).fetch("http://hop/?next");
    return new Response("ok");
  },
};

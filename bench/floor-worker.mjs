// The runtime's own floor on this machine, served beside Aero2 in the same
// workerd process (bench/serve-aero2.mjs) so the benchmark can report what
// any Worker pays before its own code runs: no Aero2 code, no wasm.
//
//   GET /        answered by the Worker
//   GET /do      Worker → one SQLite-backed Durable Object → "ok"
//   GET /do-do   Worker → object → a second object → "ok"
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

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    if (pathname === "/do") return env.HOP.get(env.HOP.idFromName("first")).fetch("http://hop/");
    if (pathname === "/do-do") return env.HOP.get(env.HOP.idFromName("first")).fetch("http://hop/?next");
    return new Response("ok");
  },
};

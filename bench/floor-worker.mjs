// The runtime's own floor on this machine, served beside Aero2 in the same
// workerd process (bench/serve-aero2.mjs) so the benchmark can report what
// any Worker pays before its own code runs: no Aero2 code, no wasm.
//
//   GET /        answered by the Worker
//   GET /do      Worker → one SQLite-backed Durable Object → "ok"
//   GET /do-do   Worker → object → a second object → "ok"
//   GET /do-do-refresh   as /do-do, the first object running on its SQLite
//                storage the statements a refresh runs in Aero2's
//                TenantApp (durable/src/op/store.rs), in the same order:
//                the token and its grant read, the second object awaited
//                (Aero2's signer), the two read again, then the token
//                marked rotated, its successor and the access token's id
//                written. What the runtime charges for the refresh's
//                storage, with no Aero2 code.
//   PUT /answer/<name>   keeps an answer (JSON: {headers, body}) in memory
//   GET /answer/<name>   repeats it, as a JavaScript Worker would give the
//                        same answer: its headers and body, a request id
//                        of its own (bench/run.mjs copies Aero2's discovery
//                        document and JWKS here: what the runtime charges
//                        for the answer itself)
//
// Aero2's token endpoint has the shape of /do-do (front Worker → TenantApp →
// JwksSigner); UserInfo, the shape of /do. Discovery and the JWKS are
// answered by the front Worker: the shape of /.

// The tables and statements of a refresh, as Aero2's TenantApp has them.
const REFRESH_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id TEXT NOT NULL, scope TEXT NOT NULL,
    auth_time INTEGER, nonce TEXT, session_id TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    revoked_at INTEGER, amr TEXT, resource TEXT, organization TEXT)`,
  "CREATE INDEX IF NOT EXISTS grants_user ON grants (user_id)",
  `CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    rotated_at INTEGER, successor TEXT, replaced_at INTEGER, access_jti TEXT)`,
  "CREATE INDEX IF NOT EXISTS refresh_tokens_grant ON refresh_tokens (grant_id)",
  "CREATE TABLE IF NOT EXISTS access_tokens (jti TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_at INTEGER NOT NULL)",
];
const READ_TOKEN = "SELECT grant_id, expires_at, rotated_at, successor, replaced_at FROM refresh_tokens WHERE token_hash = ?1";
const READ_GRANT =
  "SELECT id, client_id, user_id, scope, auth_time, nonce, session_id, expires_at, revoked_at, amr, resource, organization FROM grants WHERE id = ?1";
const ROTATE = "UPDATE refresh_tokens SET rotated_at = COALESCE(rotated_at, ?2), successor = ?3 WHERE token_hash = ?1";
const PUT_TOKEN = "INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at, access_jti) VALUES (?1, ?2, ?3, ?4, ?5)";
const BIND_ACCESS = "INSERT INTO access_tokens (jti, grant_id, expires_at) VALUES (?1, ?2, ?3)";
const DAY = 86_400_000;
/** A new value the size of Aero2's digests and ids (64 hex digits). */
const digest = () => (crypto.randomUUID() + crypto.randomUUID()).replaceAll("-", "");

export class Hop {
  constructor(ctx, env) {
    this.env = env;
    this.sql = ctx.storage.sql;
  }
  /**
   * A refresh's reads: the token and its grant, as Aero2 reads them before
   * the signer's await and again after it.
   */
  read() {
    const now = Date.now();
    if (!this.token) {
      for (const s of REFRESH_SCHEMA) this.sql.exec(s);
      this.sql.exec("INSERT OR IGNORE INTO grants (id, client_id, user_id, scope, created_at, expires_at) VALUES ('grant', 'client', 'user', 'openid offline_access', ?1, ?2)", now, now + 30 * DAY);
      this.token = digest();
      this.sql.exec(PUT_TOKEN, this.token, "grant", now, now + 30 * DAY, digest());
    }
    const [token] = this.sql.exec(READ_TOKEN, this.token).toArray();
    const [grant] = this.sql.exec(READ_GRANT, token.grant_id).toArray();
    if (!grant || token.rotated_at !== null) {
      // Start a new chain on the next request rather than fail them all.
      this.token = undefined;
      throw new Error("the refresh floor's chain is broken");
    }
  }
  /** A refresh's writes: the token rotated, its successor and the access token's id. */
  rotate() {
    const now = Date.now();
    const next = digest();
    const jti = digest();
    this.sql.exec(ROTATE, this.token, now, next);
    this.sql.exec(PUT_TOKEN, next, "grant", now, now + 30 * DAY, jti);
    this.sql.exec(BIND_ACCESS, jti, "grant", now + 3_600_000);
    this.token = next;
  }
  async fetch(req) {
    const { searchParams } = new URL(req.url);
    const refresh = searchParams.has("refresh");
    if (refresh) this.read();
    if (searchParams.has("next")) {
      const answer = await this.env.HOP.get(this.env.HOP.idFromName("second")).fetch("http://hop/");
      if (!refresh) return answer;
      // After the await, as Aero2: read again, then write.
      this.read();
      this.rotate();
      return answer;
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
    // Its own object: the others keep no tables.
    if (pathname === "/do-do-refresh") return env.HOP.get(env.HOP.idFromName("refresh")).fetch("http://hop/?refresh&next");
    return new Response("ok");
  },
};

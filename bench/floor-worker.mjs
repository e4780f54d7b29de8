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
//   POST /work/token     Aero2's `client_credentials` done in JavaScript, in
//                        the same shape and with the same runtime calls: the
//                        Worker copies the request's headers without the
//                        reserved ones, adds the application's record, the
//                        issuer and a request id, and builds the object's
//                        request with the body; the first object compares
//                        the record with the last one, counts the per-IP and
//                        per-client limits in memory, reads the form and the
//                        Basic credentials, checks the secret's SHA-256
//                        against the client's (kept in memory, as Aero2's
//                        object caches it), draws a jti and builds the
//                        claims, asks the second object (Aero2's signer) to
//                        sign them with a JSON request, and answers the
//                        token as JSON with `no-store`; the Worker sets
//                        Aero2's security headers on the answer.
//   GET /work/userinfo   Aero2's UserInfo the same way: the bearer token
//                        parsed, its signature verified once and remembered
//                        (Aero2's object keeps its SHA-256), its claims
//                        checked, its revocation asked of SQLite with
//                        Aero2's statement, the client and the user found in
//                        memory, the user's claims answered.
//   POST /work/refresh   Aero2's `refresh_token` the same way: the client
//                        authenticated as above, the presented token's
//                        SHA-256 looked up with its grant (the refresh
//                        floor's statements and tables), the user found in
//                        memory, an access token and an ID token (its
//                        `at_hash` made by the signer) signed in one call, the
//                        two read again, the token rotated and its successor
//                        and the access token's id written, the four tokens
//                        answered.
//   PUT /work/setup      (JSON: {application, issuer, security, client,
//                        user?, chains?}) what those need: the application's
//                        record as Aero2's Worker forwards it, the issuer,
//                        Aero2's security headers, the client's id and
//                        secret, and for UserInfo and a refresh the user's
//                        claims (the answer is then an access token for
//                        that user, and `chains` refresh tokens, each with
//                        its grant stored as Aero2 stores one).
//                        bench/run.mjs gives it Aero2's own, so these two
//                        rows are what the runtime charges for a token
//                        request's and a UserInfo's work in this design,
//                        whatever the language.
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


// ---------------------------------------------------------- the same work

// Aero2's reserved headers (durable/src/forward.rs), which its Worker
// deletes from every request and every answer.
const RESERVED = [
  "x-aero2-application", "x-aero2-internal", "x-aero2-issuer", "x-aero2-custom-domain", "x-aero2-tombstone", "x-aero2-forget",
  "x-aero2-reuse", "x-aero2-form-action", "x-aero2-request-id", "x-aero2-inline-styles", "x-aero2-shard", "x-aero2-fetched-at",
];
// Aero2's revocation check of an access token (durable/src/op/store.rs).
const TOKEN_LIVE = `SELECT (SELECT COUNT(*) FROM revoked_access_tokens WHERE jti = ?1)
  + (SELECT COUNT(*) FROM access_tokens a JOIN grants g ON g.id = a.grant_id
     WHERE a.jti = ?1 AND g.revoked_at IS NOT NULL) AS n`;
const ACCESS_TOKEN_TTL_SECS = 3600;
const ES256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// The runtime's own base64 and hex when it has them (`Uint8Array`'s
// `toBase64`, `fromBase64`, `toHex`), else plain loops: the floor should
// cost what idiomatic JavaScript costs, no more.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const native = typeof Uint8Array.prototype.toBase64 === "function" && typeof Uint8Array.fromBase64 === "function" && typeof Uint8Array.prototype.toHex === "function";
function binary(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
const base64url = native
  ? (bytes) => bytes.toBase64({ alphabet: "base64url", omitPadding: true })
  : (bytes) => btoa(binary(bytes)).replace(/[+/=]/g, (c) => (c === "+" ? "-" : c === "/" ? "_" : ""));
const fromBase64url = native
  ? (s) => Uint8Array.fromBase64(s, { alphabet: "base64url" })
  : (s) => {
      const bin = atob(s.replace(/[-_]/g, (c) => (c === "-" ? "+" : "/")));
      const out = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    };
const hex = native
  ? (buffer) => new Uint8Array(buffer).toHex()
  : (buffer) => {
      const b = new Uint8Array(buffer);
      let s = "";
      for (let i = 0; i < b.length; i++) s += HEX[b[i]];
      return s;
    };
const sha256hex = async (text) => hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
// The objects' ids, kept per isolate as Aero2's Worker keeps them
// (durable/src/forward.rs); the empty floors above name theirs on every
// request, as a Worker written plainly does.
const ids = new Map();
function stub(env, name) {
  let id = ids.get(name);
  if (!id) ids.set(name, (id = env.HOP.idFromName(name)));
  return env.HOP.get(id);
}
const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" } });
/** A fixed-window counter kept in memory, as Aero2's token limits are. */
function allowed(counters, key, now, max = 1_000_000, windowMs = 60_000) {
  let c = counters.get(key);
  if (!c || now - c.start >= windowMs) counters.set(key, (c = { start: now, count: 0 }));
  return ++c.count <= max;
}

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
  /** The application's record as forwarded: parsed only when it differs from the last one, as Aero2's object does. */
  application(req) {
    const raw = req.headers.get("x-aero2-application");
    if (raw !== this.lastRaw) {
      this.lastRaw = raw;
      this.app = JSON.parse(raw);
    }
    return this.app;
  }
  /** The tenant object's part of `PUT /work/setup`. */
  async setup(req) {
    const given = await req.json();
    const { client, user } = given;
    this.issuer = req.headers.get("x-aero2-issuer");
    this.clients = new Map([[client.id, { id: client.id, secretHash: await sha256hex(client.secret) }]]);
    this.counters = new Map();
    this.verified = new Set();
    const { jwk } = await (await this.signer({ call: "jwks" })).json();
    this.verifyKey = await crypto.subtle.importKey("jwk", jwk, ES256, false, ["verify"]);
    this.kid = jwk.kid;
    if (!user) return json(200, {});
    this.users = new Map([[user.sub, user]]);
    for (const s of REFRESH_SCHEMA) this.sql.exec(s);
    this.sql.exec("CREATE TABLE IF NOT EXISTS revoked_access_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
    const now = Date.now();
    const jti = digest();
    this.sql.exec("INSERT OR IGNORE INTO grants (id, client_id, user_id, scope, created_at, expires_at) VALUES ('work', ?1, ?2, 'openid profile email', ?3, ?4)", client.id, user.sub, now, now + DAY);
    this.sql.exec("INSERT INTO access_tokens (jti, grant_id, expires_at) VALUES (?1, 'work', ?2)", jti, now + DAY);
    const iat = Math.floor(now / 1000);
    const claims = { iss: this.issuer, sub: user.sub, aud: [this.issuer], exp: iat + ACCESS_TOKEN_TTL_SECS, iat, jti, client_id: client.id, scope: "openid profile email" };
    const signed = await (await this.signer({ call: "sign", tokens: [{ alg: "ES256", typ: "at+jwt", claims, at_hash_of: null }] })).json();
    const refreshTokens = [];
    for (let i = 0; i < (given.chains ?? 0); i++) {
      const token = `rt_${digest()}`;
      const grant = `grant${i}`;
      this.sql.exec(
        "INSERT OR REPLACE INTO grants (id, client_id, user_id, scope, auth_time, nonce, session_id, created_at, expires_at, amr) VALUES (?1, ?2, ?3, 'openid profile email offline_access', ?4, ?5, ?6, ?7, ?8, '[\"pwd\"]')",
        grant, client.id, user.sub, iat, digest().slice(0, 22), digest(), now, now + 30 * DAY,
      );
      this.sql.exec(PUT_TOKEN, await sha256hex(token), grant, now, now + 30 * DAY, digest());
      refreshTokens.push(token);
    }
    return json(200, { access_token: signed.tokens[0].token, refresh_tokens: refreshTokens });
  }
  /** A call to the second object (Aero2's signer): a JSON request. */
  signer(call) {
    const req = new Request("https://signer/sign", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(call) });
    return stub(this.env, "signer").fetch(req);
  }
  /**
   * What every token request does first (durable/src/op/token.rs): the
   * limits, the form, the client's Basic credentials checked; the form and
   * the client's id, or the answer that refuses it.
   */
  async authenticated(req, now) {
    if (!allowed(this.counters, `ip:${req.headers.get("cf-connecting-ip") ?? ""}`, now)) return { refused: json(429, { error: "slow_down" }) };
    const params = new URLSearchParams(await req.text());
    const basic = req.headers.get("authorization") ?? "";
    const [id, secret] = atob(basic.slice("Basic ".length)).split(":").map(decodeURIComponent);
    const client = this.clients.get(id);
    if (!client || (await sha256hex(secret ?? "")) !== client.secretHash) return { refused: json(401, { error: "invalid_client" }) };
    if (!allowed(this.counters, `client:${id}`, now)) return { refused: json(429, { error: "slow_down" }) };
    return { params, id };
  }
  /** `refresh_token`, as Aero2's object serves it (durable/src/op/grant_refresh_token.rs, tokens.rs). */
  async refreshGrant(req) {
    this.application(req);
    const now = Date.now();
    const { refused, params, id } = await this.authenticated(req, now);
    if (refused) return refused;
    if (params.get("grant_type") !== "refresh_token") return json(400, { error: "unsupported_grant_type" });
    const hash = await sha256hex(params.get("refresh_token") ?? "");
    const decide = () => {
      const [token] = this.sql.exec(READ_TOKEN, hash).toArray();
      const grant = token && this.sql.exec(READ_GRANT, token.grant_id).toArray()[0];
      const live = grant && token.rotated_at === null && token.expires_at > Date.now() && grant.revoked_at === null && grant.client_id === id;
      return live ? grant : undefined;
    };
    const grant = decide();
    if (!grant) return json(400, { error: "invalid_grant" });
    const user = this.users.get(grant.user_id);
    if (!user) return json(400, { error: "invalid_grant" });
    const iat = Math.floor(now / 1000);
    const jti = base64url(crypto.getRandomValues(new Uint8Array(16)));
    const amr = JSON.parse(grant.amr);
    const access = { iss: this.issuer, sub: user.sub, aud: [this.issuer], exp: iat + ACCESS_TOKEN_TTL_SECS, iat, jti, client_id: id, scope: grant.scope, auth_time: grant.auth_time, amr };
    const { sub, ...profile } = user;
    const idToken = { iss: this.issuer, sub, aud: id, exp: iat + ACCESS_TOKEN_TTL_SECS, iat, auth_time: grant.auth_time, nonce: grant.nonce, amr, azp: id, sid: grant.session_id, ...profile };
    const tokens = [
      { alg: "ES256", typ: "at+jwt", claims: access, at_hash_of: null },
      { alg: "ES256", typ: "JWT", claims: idToken, at_hash_of: 0 },
    ];
    const signed = await (await this.signer({ call: "sign", app_id: this.app.id, tokens })).json();
    const refresh = `rt_${hex(crypto.getRandomValues(new Uint8Array(32)))}`;
    const next = await sha256hex(refresh);
    // The awaits let other requests run: decide again, then write.
    if (!decide()) return json(400, { error: "invalid_grant" });
    this.sql.exec(ROTATE, hash, now, next);
    this.sql.exec(PUT_TOKEN, next, grant.id, now, now + 30 * DAY, jti);
    this.sql.exec(BIND_ACCESS, jti, grant.id, now + ACCESS_TOKEN_TTL_SECS * 1000);
    return json(200, {
      access_token: signed.tokens[0].token,
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_TTL_SECS,
      scope: grant.scope,
      id_token: signed.tokens[1].token,
      refresh_token: refresh,
    });
  }
  /** `client_credentials`, as Aero2's object serves it (durable/src/op/token.rs). */
  async clientCredentials(req) {
    const app = this.application(req);
    const now = Date.now();
    const { refused, params, id } = await this.authenticated(req, now);
    if (refused) return refused;
    if (params.get("grant_type") !== "client_credentials") return json(400, { error: "unsupported_grant_type" });
    const iat = Math.floor(now / 1000);
    const jti = base64url(crypto.getRandomValues(new Uint8Array(16)));
    const claims = { iss: this.issuer, sub: id, aud: [this.issuer], exp: iat + ACCESS_TOKEN_TTL_SECS, iat, jti, client_id: id };
    const signed = await (await this.signer({ call: "sign", app_id: app.id, tokens: [{ alg: "ES256", typ: "at+jwt", claims, at_hash_of: null }] })).json();
    return json(200, { access_token: signed.tokens[0].token, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECS });
  }
  /** UserInfo, as Aero2's object serves it (durable/src/op/userinfo.rs, access.rs). */
  async userinfo(req) {
    this.application(req);
    const refuse = () => new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"', "cache-control": "no-store" } });
    const auth = req.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ")) return refuse();
    const token = auth.slice("Bearer ".length);
    const [h, p, sig] = token.split(".");
    const header = JSON.parse(decoder.decode(fromBase64url(h)));
    const claims = JSON.parse(decoder.decode(fromBase64url(p)));
    if (header.alg !== "ES256" || header.kid !== this.kid) return refuse();
    // Remembered by the token itself (Aero2 keeps its SHA-256, to bound
    // the memory; this floor spares itself the digest).
    if (!this.verified.has(token)) {
      if (!(await crypto.subtle.verify(ES256, this.verifyKey, fromBase64url(sig), encoder.encode(`${h}.${p}`)))) return refuse();
      this.verified.add(token);
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== this.issuer || !(claims.exp > now) || !claims.aud.includes(this.issuer) || !claims.scope.split(" ").includes("openid")) return refuse();
    const [{ n }] = this.sql.exec(TOKEN_LIVE, claims.jti).toArray();
    if (n !== 0 || !this.clients.has(claims.client_id)) return refuse();
    const user = this.users.get(claims.sub);
    if (!user) return refuse();
    return json(200, user);
  }
  /** The signer's part: a batch of claims signed with its ES256 key, made on first use; or its public key. */
  async sign(req) {
    const call = JSON.parse(await req.text());
    if (!this.keys) {
      this.keys = await crypto.subtle.generateKey(ES256, true, ["sign", "verify"]);
      this.signingKid = digest().slice(0, 16);
    }
    if (call.call === "jwks") {
      const jwk = await crypto.subtle.exportKey("jwk", this.keys.publicKey);
      return json(200, { jwk: { ...jwk, kid: this.signingKid } });
    }
    const tokens = [];
    for (const t of call.tokens) {
      if (t.at_hash_of !== null) {
        // OIDC Core §3.1.3.6: the left half of the access token's SHA-256.
        const d = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(tokens[t.at_hash_of].token)));
        t.claims.at_hash = base64url(d.subarray(0, 16));
      }
      const input = `${base64url(encoder.encode(JSON.stringify({ alg: t.alg, typ: t.typ, kid: this.signingKid })))}.${base64url(encoder.encode(JSON.stringify(t.claims)))}`;
      const signature = await crypto.subtle.sign(ES256, this.keys.privateKey, encoder.encode(input));
      tokens.push({ token: `${input}.${base64url(new Uint8Array(signature))}`, kid: this.signingKid });
    }
    return new Response(JSON.stringify({ tokens }), { headers: { "content-type": "application/json" } });
  }
  async fetch(req) {
    const { pathname, searchParams } = new URL(req.url);
    if (pathname === "/sign") return this.sign(req);
    if (pathname === "/work/token") return this.clientCredentials(req);
    if (pathname === "/work/userinfo") return this.userinfo(req);
    if (pathname === "/work/refresh") return this.refreshGrant(req);
    if (pathname === "/work/setup") return this.setup(req);
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
/** What `PUT /work/setup` gave the Worker: the record it forwards, the issuer, the security headers. */
let work;

/**
 * The Worker's part of `/work/*`, as Aero2's front Worker does it
 * (src/worker/src/lib.rs, shape.rs): the request forwarded to the tenant
 * object without the reserved headers and with what it resolved, the answer
 * given back with the security headers and the request id.
 */
async function forward(req, env, url) {
  const id = `floor${++served}`;
  const headers = new Headers(req.headers);
  for (const name of RESERVED) headers.delete(name);
  headers.set("x-aero2-application", work.application);
  headers.set("x-aero2-issuer", work.issuer);
  headers.set("x-aero2-request-id", id);
  const inner = new Request(`https://tenant${url.pathname}`, { method: req.method, headers, body: req.body });
  const answer = await stub(env, "tenant").fetch(inner);
  const out = new Headers(answer.headers);
  for (const name of RESERVED) out.delete(name);
  for (const [name, value] of work.security) out.set(name, value);
  out.set("x-request-id", id);
  return new Response(answer.body, { status: answer.status, headers: out });
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const { pathname } = url;
    if (pathname.startsWith("/work/")) {
      if (pathname === "/work/setup") {
        const given = await req.json();
        work = { application: given.application, issuer: given.issuer, security: given.security };
        return forward(new Request(req.url, { method: "PUT", body: JSON.stringify(given) }), env, url);
      }
      if (!work) return new Response("PUT /work/setup first", { status: 409 });
      return forward(req, env, url);
    }
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

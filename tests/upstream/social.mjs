// A local stand-in for GitHub and Google, speaking their wire formats
// (paths, parameters, status codes and JSON shapes as they document them),
// for the Relying Party tests. Nothing leaves 127.0.0.1.
//
//   GitHub (as GitHub Enterprise Server at <base>/github):
//     GET  /github/login/oauth/authorize        → 302 redirect_uri?code&state | ?error=access_denied…
//     POST /github/login/oauth/access_token     → 200 {access_token, token_type, scope}
//                                                  or 200 {error: "bad_verification_code", …}
//     GET  /github/api/v3/user, /user/emails    (User-Agent required, as on GitHub)
//   Google (issuer <base>/google):
//     GET  /google/.well-known/openid-configuration
//     GET  /google/o/oauth2/v2/auth             → 302 redirect_uri?state&code&scope&authuser&prompt
//     POST /google/token                        → {access_token, expires_in, scope, token_type, id_token}
//                                                  or 400 {error: "invalid_grant", …}
//     GET  /google/oauth2/v3/certs, /google/v1/userinfo
//
// Each test scripts its own client: POST /_test/clients {client_id,
// client_secret, user, emails?, deny?, token_delay_ms?, id_token?: {aud,
// iss, exp_offset, nonce, unpublished_key}}. The user signs in at once
// (there is no upstream page to click through). POST /_test/google/rotate
// replaces Google's signing key. GET /_test/redirect?to=URL answers 302 to
// URL (an upstream that redirects, which Aero2 must not follow).
//
// Prints {"ready":true,"port":N} when listening; exits on SIGTERM or when
// stdin closes.
import http from "node:http";
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";

const clients = new Map();
const codes = new Map();
const tokens = new Map();
const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(10).toString("hex");
  return { privateKey, kid, jwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } };
};
let googleKey = newKey();

const server = http.createServer(handle);
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = server.address().port;
const base = `http://127.0.0.1:${port}`;
const googleIssuer = `${base}/google`;

const b64u = (b) => Buffer.from(b).toString("base64url");
const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
};
const redirect = (res, uri, params) => {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  res.writeHead(302, { location: u.toString() }).end();
};
const readBody = (req) => new Promise((resolve) => { let b = ""; req.on("data", (c) => (b += c)); req.on("end", () => resolve(b)); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function signJwt(key, claims) {
  const header = b64u(JSON.stringify({ alg: "RS256", kid: key.kid, typ: "JWT" }));
  const payload = b64u(JSON.stringify(claims));
  const s = createSign("RSA-SHA256");
  s.update(`${header}.${payload}`);
  return `${header}.${payload}.${b64u(s.sign(key.privateKey))}`;
}

function clientAuth(req, form) {
  const h = req.headers.authorization || "";
  if (h.startsWith("Basic ")) {
    const [id, secret] = Buffer.from(h.slice(6), "base64").toString().split(":").map(decodeURIComponent);
    return { id, secret };
  }
  return { id: form.get("client_id"), secret: form.get("client_secret") };
}

function authorize(res, q) {
  const c = clients.get(q.get("client_id"));
  if (!c || !q.get("redirect_uri")) return json(res, 400, { error: "invalid_client" });
  const state = q.get("state") ?? undefined;
  if (c.deny) {
    return redirect(res, q.get("redirect_uri"), {
      error: "access_denied",
      error_description: "The user has denied your application access.",
      error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
      state,
    });
  }
  const code = randomBytes(10).toString("hex");
  codes.set(code, { client: c, redirect_uri: q.get("redirect_uri"), nonce: q.get("nonce"), challenge: q.get("code_challenge"), method: q.get("code_challenge_method") });
  return code;
}

function redeem(req, form) {
  const { id, secret } = clientAuth(req, form);
  const c = clients.get(id);
  const code = codes.get(form.get("code"));
  codes.delete(form.get("code"));
  if (!c || c.client_secret !== secret) return { error: "invalid_client" };
  if (!code || code.client !== c || code.redirect_uri !== form.get("redirect_uri")) return { error: "invalid_grant" };
  if (code.challenge) {
    const v = form.get("code_verifier") || "";
    if (code.method !== "S256" || b64u(createHash("sha256").update(v).digest()) !== code.challenge) return { error: "invalid_grant" };
  }
  const access_token = randomBytes(16).toString("hex");
  tokens.set(access_token, c);
  return { c, code, access_token };
}

function bearer(req) {
  const h = req.headers.authorization || "";
  const t = h.replace(/^(Bearer|token) /i, "");
  return tokens.get(t);
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  const p = url.pathname;
  try {
    if (req.method === "POST" && p === "/_test/clients") {
      const c = JSON.parse(await readBody(req));
      clients.set(c.client_id, c);
      return res.writeHead(204).end();
    }
    if (p === "/_test/redirect") {
      return res.writeHead(302, { location: url.searchParams.get("to") }).end();
    }
    if (req.method === "POST" && p === "/_test/google/rotate") {
      googleKey = newKey();
      return res.writeHead(204).end();
    }
    // ------------------------------------------------------------ GitHub
    if (p === "/github/login/oauth/authorize") {
      const code = authorize(res, url.searchParams);
      if (typeof code === "string") redirect(res, url.searchParams.get("redirect_uri"), { code, state: url.searchParams.get("state") ?? undefined });
      return;
    }
    if (req.method === "POST" && p === "/github/login/oauth/access_token") {
      const form = new URLSearchParams(await readBody(req));
      const r = redeem(req, form);
      if (r.c?.token_delay_ms) await sleep(r.c.token_delay_ms);
      if (r.error) {
        return json(res, 200, {
          error: "bad_verification_code",
          error_description: "The code passed is incorrect or expired.",
          error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
        });
      }
      return json(res, 200, { access_token: `gho_${r.access_token}`, token_type: "bearer", scope: "read:user,user:email" });
    }
    if (p === "/github/api/v3/user" || p === "/github/api/v3/user/emails") {
      if (!req.headers["user-agent"]) {
        return json(res, 403, { message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header." });
      }
      const c = tokens.get((req.headers.authorization || "").replace(/^(Bearer|token) gho_/i, ""));
      if (!c) return json(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
      if (p.endsWith("/emails")) {
        if (!c.emails) return json(res, 404, { message: "Not Found" });
        return json(res, 200, c.emails);
      }
      return json(res, 200, { login: c.user.login, id: c.user.id, node_id: "MDQ6VXNlcjE=", avatar_url: c.user.avatar_url ?? null, name: c.user.name ?? null, email: c.user.email ?? null, type: "User", site_admin: false });
    }
    // ------------------------------------------------------------ Google
    if (p === "/google/.well-known/openid-configuration") {
      return json(res, 200, {
        issuer: googleIssuer,
        authorization_endpoint: `${base}/google/o/oauth2/v2/auth`,
        token_endpoint: `${base}/google/token`,
        userinfo_endpoint: `${base}/google/v1/userinfo`,
        revocation_endpoint: `${base}/google/revoke`,
        jwks_uri: `${base}/google/oauth2/v3/certs`,
        response_types_supported: ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid", "email", "profile"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
        claims_supported: ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
        code_challenge_methods_supported: ["plain", "S256"],
        grant_types_supported: ["authorization_code", "refresh_token"],
      }, { "cache-control": "public, max-age=3600" });
    }
    if (p === "/google/oauth2/v3/certs") return json(res, 200, { keys: [googleKey.jwk] });
    if (p === "/google/o/oauth2/v2/auth") {
      const code = authorize(res, url.searchParams);
      if (typeof code === "string") {
        redirect(res, url.searchParams.get("redirect_uri"), { state: url.searchParams.get("state") ?? undefined, code, scope: url.searchParams.get("scope"), authuser: "0", prompt: "consent" });
      }
      return;
    }
    if (req.method === "POST" && p === "/google/token") {
      const form = new URLSearchParams(await readBody(req));
      const r = redeem(req, form);
      if (r.c?.token_delay_ms) await sleep(r.c.token_delay_ms);
      if (r.error) return json(res, r.error === "invalid_client" ? 401 : 400, { error: r.error, error_description: r.error === "invalid_client" ? "Unauthorized" : "Bad Request" });
      const { c, code, access_token } = r;
      const t = c.id_token || {};
      const now = Math.floor(Date.now() / 1000);
      const key = t.unpublished_key ? newKey() : googleKey;
      const id_token = signJwt(key, {
        iss: t.iss ?? googleIssuer,
        azp: c.client_id,
        aud: t.aud ?? c.client_id,
        sub: c.user.sub,
        email: c.user.email,
        email_verified: c.user.email_verified,
        at_hash: b64u(createHash("sha256").update(access_token).digest().subarray(0, 16)),
        nonce: t.nonce ?? code.nonce,
        name: c.user.name,
        picture: c.user.picture,
        iat: now,
        exp: now + (t.exp_offset ?? 3599),
      });
      return json(res, 200, { access_token, expires_in: 3599, scope: "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile", token_type: "Bearer", id_token });
    }
    if (p === "/google/v1/userinfo") {
      const c = bearer(req);
      if (!c) return json(res, 401, { error: "invalid_request", error_description: "Invalid Credentials" });
      return json(res, 200, { sub: c.user.sub, name: c.user.name, picture: c.user.picture, email: c.user.email, email_verified: c.user.email_verified });
    }
    json(res, 404, { message: "Not Found" });
  } catch (e) {
    process.stderr.write(`social: ${e.stack || e}\n`);
    json(res, 500, { error: "server_error" });
  }
}

process.stdout.write(JSON.stringify({ ready: true, port }) + "\n");
const quit = () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500); };
process.on("SIGTERM", quit);
process.on("SIGINT", quit);
process.stdin.on("end", quit);
process.stdin.resume();

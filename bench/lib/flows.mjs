// The authorization code flow with PKCE, driven over HTTP like a browser:
// follow redirects, keep cookies, fill and post the sign-in (and, if shown,
// consent) forms, then exchange the code at the token endpoint.
import { createHash, randomBytes } from "node:crypto";
import { basicAuth, CookieJar, form, parseForm, request } from "./http.mjs";

export class FlowError extends Error {
  constructor(step, res) {
    super(`${step} → ${res.status} ${String(res.body).slice(0, 300)}`);
    this.step = step;
    this.status = res.status;
  }
}

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/**
 * Runs one sign-in. `o`:
 *   tgt, authorizePath, tokenPath, clientId, clientSecret, redirectUri, scope,
 *   extra (more authorize parameters), jar (CookieJar, kept across sign-ins
 *   so later ones reuse the session), fill(formInfo, pagePath) → fields to post.
 * Resolves to the token response (parsed JSON).
 */
export async function signIn(o) {
  const jar = o.jar ?? new CookieJar();
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash("sha256").update(verifier).digest());
  const state = b64url(randomBytes(12));
  const nonce = b64url(randomBytes(12));
  const params = new URLSearchParams({
    response_type: "code",
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    scope: o.scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...(o.extra ?? {}),
  });
  let next = { method: "GET", path: `${o.authorizePath}?${params}` };
  let code;
  for (let step = 0; step < 12 && code === undefined; step++) {
    const headers = {};
    if (jar.header()) headers.cookie = jar.header();
    if (next.body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const label = `${next.method} ${next.path.split("?")[0]}`;
    const res = await request(o.tgt, { ...next, headers });
    jar.take(res.headers);
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      const loc = res.headers.location;
      if (loc.startsWith(o.redirectUri)) {
        const q = new URL(loc).searchParams;
        if (q.get("error")) throw new FlowError(`${label} (redirect with error)`, { status: res.status, body: loc });
        if (q.get("state") !== state) throw new FlowError(`${label} (state mismatch)`, { status: res.status, body: loc });
        code = q.get("code");
        break;
      }
      const u = new URL(loc, o.tgt.origin);
      next = { method: "GET", path: u.pathname + u.search };
      continue;
    }
    if (res.status === 200 && /<form/i.test(res.body)) {
      const f = parseForm(res.body);
      const fields = o.fill(f, next.path);
      const action = new URL(f.action || next.path, new URL(next.path, o.tgt.origin));
      next = { method: "POST", path: action.pathname + action.search, body: form(fields) };
      continue;
    }
    throw new FlowError(label, res);
  }
  if (!code) throw new FlowError("authorization (no code after 12 steps)", { status: 0, body: "" });
  const res = await request(o.tgt, {
    method: "POST",
    path: o.tokenPath,
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(o.clientId, o.clientSecret) },
    body: form({ grant_type: "authorization_code", code, redirect_uri: o.redirectUri, code_verifier: verifier }),
  });
  if (res.status !== 200) throw new FlowError(`POST ${o.tokenPath} (authorization_code)`, res);
  return JSON.parse(res.body);
}

/**
 * Fills a sign-in or consent form: Aero2's (`email`, `password`, hidden
 * `csrf_token` and `request`; consent `decision=allow`) and oidc-provider's
 * development interactions (`login`, `password`, hidden `prompt`).
 */
export const formFiller = (user) => (f, pagePath) => {
  const out = { ...f.fields };
  if ("email" in out) out.email = user.email;
  if ("password" in out) out.password = user.password;
  if ("login" in out) out.login = user.login;
  if (f.buttons.some((b) => b.name === "decision") || /\/consent\b/.test(pagePath)) out.decision = "allow";
  return out;
};

// The benchmark's application on Aero2, provisioned as a developer would
// (the management API, docs/op-api.md), and the refresh chains the token
// workloads run: one definition for bench/run.mjs and bench/profile.mjs, so
// the profiler measures what the benchmark measures.
import { randomBytes } from "node:crypto";
import { basicAuth, form, PER_ANSWER_HEADERS, request, target } from "./http.mjs";

/** Where the sign-ins redirect to: never contacted, the code is read from the `Location` header. */
export const REDIRECT_URI = "http://127.0.0.1:9/cb";

/**
 * The management API of the Aero2 server on `port`, with the operator's
 * credential: `api(method, path, body)` resolves to the parsed JSON answer
 * and throws `fail(step, res)` on any other status than 2xx.
 */
export function operatorApi(port, operatorSecret, fail = (step, res) => new Error(`${step} → ${res.status} ${res.body}`)) {
  const dash = target(`dashboard.localhost:${port}`, port);
  return async (method, p, body) => {
    const res = await request(dash, {
      method,
      path: `/api/v1${p}`,
      headers: { authorization: `Bearer ${operatorSecret}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status < 200 || res.status >= 300) throw fail(`${method} /api/v1${p.replace(/app_[0-9a-f]+/, "{id}")}`, res);
    return JSON.parse(res.body);
  };
}

/**
 * The application `bench` (host `bench.localhost`); its id. A load test
 * comes from one IP: the per-IP and per-client limits are raised (the
 * defaults would refuse it within seconds; the check still runs).
 */
export async function createApplication(api) {
  const high = { max: 1000000, window_seconds: 60 };
  const rate_limits = Object.fromEntries(
    ["sign_in_per_ip", "sign_in_per_identifier", "token_per_client", "token_per_ip", "authorize_per_ip"].map((k) => [k, high]),
  );
  return (await api("POST", "/applications", { slug: "bench", name: "Benchmark", settings: { rate_limits } })).id;
}

/** The confidential client with the three grants: `{ id, secret }`. */
export async function createClient(api, appId) {
  const client = await api("POST", `/applications/${appId}/clients`, {
    name: "bench",
    token_endpoint_auth_method: "client_secret_basic",
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [],
    grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    scopes: "openid profile email offline_access",
    first_party: true,
    // The baseline signs ID tokens with its ES256 key; ask Aero2 for the same
    // (the default, RS256, costs ~0.7 ms more per response that has one).
    id_token_signed_response_alg: "ES256",
    require_pkce: true,
  });
  if (!client.client_id || !client.client_secret) throw new Error(`client response lacks client_id/client_secret: ${JSON.stringify(client).slice(0, 200)}`);
  return { id: client.client_id, secret: client.client_secret };
}

/** A user with email and password: `{ email, password, name }`. */
export async function createUser(api, appId) {
  const user = { email: "bench@example.com", password: `Bench-${randomBytes(12).toString("base64url")}`, name: "Bench User" };
  await api("POST", `/applications/${appId}/users`, user);
  return user;
}

/**
 * Refresh chains, one per load worker: `chains[i]` is worker i's refresh
 * token. Each is used once; the chain continues with the token the answer
 * returns, and a failure, or an answer without one, ends it. `make` and
 * `check` are for bench/lib/load.mjs; `check` passes each answer, parsed,
 * to `seen(res, body)` (for notes) and counts a 200 with an access token.
 */
export function refreshChains({ chains, tokenPath, authorization, seen = () => {} }) {
  return {
    make: (i) =>
      chains[i] === undefined
        ? null
        : {
            method: "POST",
            path: tokenPath,
            headers: { "content-type": "application/x-www-form-urlencoded", authorization },
            body: form({ grant_type: "refresh_token", refresh_token: chains[i] }),
          },
    check: (res, i) => {
      let body;
      try {
        body = JSON.parse(res.body);
      } catch {}
      chains[i] = res.status === 200 && typeof body?.refresh_token === "string" ? body.refresh_token : undefined;
      seen(res, body);
      return res.status === 200 && typeof body?.access_token === "string";
    },
  };
}

/**
 * Sets up bench/floor-worker.mjs's `/work/token` (`kind` "token", Aero2's
 * `client_credentials`), `/work/userinfo` (`kind` "userinfo") or
 * `/work/refresh` (`kind` "refresh", `chains` refresh tokens) with Aero2's
 * own: the application's record (its management view, as large as what the
 * Worker forwards), the issuer, the security headers of Aero2's answer to
 * the same request, the client, and for the last two the user's claims
 * from Aero2's UserInfo (given the user's `accessToken` at Aero2). `app` and
 * `floor` are the two targets, `api` the operator's (operatorApi).
 * Resolves to `{ make, check }` for bench/lib/load.mjs.
 */
export async function sameWork({ app, floor, api, appId, client, paths, kind, accessToken, chains = 0 }) {
  const fail = (step, res) => new Error(`${step} → ${res.status} ${String(res.body).slice(0, 200)}`);
  const cc = {
    method: "POST",
    path: paths.token,
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(client.id, client.secret) },
    body: form({ grant_type: "client_credentials" }),
  };
  const original = await request(app, cc);
  if (original.status !== 200) throw fail(`POST ${paths.token}`, original);
  // Everything Aero2 sent but what the connection, the clock, the request
  // and the object make: the floor's object sets its own three.
  const own = new Set(["content-type", "cache-control", "pragma"]);
  const security = Object.entries(original.headers).filter(([k]) => !PER_ANSWER_HEADERS.has(k.toLowerCase()) && !own.has(k.toLowerCase()));
  const application = JSON.stringify(await api("GET", `/applications/${appId}`));
  const discovery = await request(app, { path: paths.discovery });
  if (discovery.status !== 200) throw fail(`GET ${paths.discovery}`, discovery);
  let user;
  if (kind !== "token") {
    const res = await request(app, { path: paths.userinfo, headers: { authorization: `Bearer ${accessToken}` } });
    if (res.status !== 200) throw fail(`GET ${paths.userinfo}`, res);
    user = JSON.parse(res.body);
  }
  const given = { application, issuer: JSON.parse(discovery.body).issuer, security, client, user, chains: kind === "refresh" ? chains : 0 };
  const put = await request(floor, { method: "PUT", path: "/work/setup", headers: { "content-type": "application/json" }, body: JSON.stringify(given) });
  if (put.status !== 200) throw fail("PUT /work/setup", put);
  if (kind === "refresh") {
    const authorization = basicAuth(client.id, client.secret);
    return refreshChains({ chains: JSON.parse(put.body).refresh_tokens, tokenPath: "/work/refresh", authorization });
  }
  const spec =
    kind === "userinfo" ? { path: "/work/userinfo", headers: { authorization: `Bearer ${JSON.parse(put.body).access_token}` } } : { ...cc, path: "/work/token" };
  const field = kind === "userinfo" ? "sub" : "access_token";
  const check = (res) => {
    try {
      return res.status === 200 && typeof JSON.parse(res.body)[field] === "string";
    } catch {
      return false;
    }
  };
  return { make: () => spec, check };
}

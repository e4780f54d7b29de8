// The baseline: panva's oidc-provider (npm) on 127.0.0.1:<free port>, set up
// to do what the benchmark asks of Aero2. Run as its own process by
// bench/run.mjs (its CPU time is read from /proc/<pid>/stat):
//
//   node bench/serve-baseline.mjs
//
// - ES256 signing key generated at start (ID tokens and JWT access tokens);
// - one confidential client (client_secret_basic) with authorization_code,
//   refresh_token and client_credentials, PKCE S256 required;
// - JWT access tokens (RFC 9068 style) for the resource `urn:aero2-bench:api`:
//   client_credentials gets it by default, refresh_token uses the resource
//   granted at sign-in; flows without a resource get the usual opaque access
//   token for UserInfo;
// - refresh token rotation on every use;
// - a static account, accepted by the built-in development interactions
//   (`/interaction/:uid`) without a password; consent is skipped for the
//   benchmark client, as Aero2 skips it for a first-party client.
// - storage in plain in-process Maps (bench/lib/baseline-adapter.mjs): no
//   database, cheaper than any real store, and without the size limit of the
//   bundled development adapter.
//
// It prints one JSON line on stdout when listening:
//   {"ready":true,"port":N,"pid":P,"issuer":…,"client_id":…,"client_secret":…,"resource":…,"account":…}
// and exits on SIGTERM/SIGINT or when stdin closes.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Provider from "oidc-provider";
import { BenchAdapter } from "./lib/baseline-adapter.mjs";
import { freePort } from "./lib/proc.mjs";

export const RESOURCE = "urn:aero2-bench:api";
const ACCOUNT = { sub: "bench-user", email: "bench@example.com", name: "Bench User" };

export async function startBaseline({ redirectUri = "http://127.0.0.1:9/cb" } = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), alg: "ES256", use: "sig" };
  const client = {
    client_id: "bench",
    client_secret: randomBytes(32).toString("base64url"),
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    response_types: ["code"],
    redirect_uris: [redirectUri],
    id_token_signed_response_alg: "ES256",
    scope: "openid offline_access profile email",
  };

  const provider = new Provider(issuer, {
    adapter: BenchAdapter,
    clients: [client],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    scopes: ["openid", "offline_access", "profile", "email"],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // client_credentials without a `resource` parameter gets the API.
        defaultResource: (ctx, _client, oneOf) =>
          oneOf ?? (ctx.oidc.params?.grant_type === "client_credentials" ? RESOURCE : undefined),
        // refresh_token keeps issuing for the resource granted at sign-in.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== RESOURCE) throw new Provider.errors.InvalidTarget();
          return {
            scope: "api:read",
            audience: RESOURCE,
            accessTokenTTL: 3600,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    // Skip consent for the benchmark client (a "first-party" client): grant
    // what it asks for, once signed in.
    async loadExistingGrant(ctx) {
      const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) {
        const grant = await ctx.oidc.provider.Grant.find(existing);
        if (grant) return grant;
      }
      if (ctx.oidc.client.clientId !== client.client_id || !ctx.oidc.session.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.client_id, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid offline_access profile email");
      grant.addResourceScope(RESOURCE, "api:read");
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, id) {
      if (id !== ACCOUNT.sub) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: ACCOUNT.email, email_verified: true, name: ACCOUNT.name };
        },
      };
    },
  });
  // Errors are counted by the runner; keep the console quiet under load.
  provider.on("server_error", () => {});

  const server = http.createServer(provider.callback());
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    port,
    pid: process.pid,
    issuer,
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uri: redirectUri,
    resource: RESOURCE,
    account: ACCOUNT.sub,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--redirect-uri");
  let server;
  const quit = async (code = 0) => {
    if (server) await server.stop();
    process.exit(code);
  };
  process.on("SIGTERM", () => quit(0));
  process.on("SIGINT", () => quit(0));
  process.stdin.on("end", () => quit(0));
  process.stdin.on("error", () => quit(0));
  process.stdin.resume();
  try {
    server = await startBaseline(i > 0 ? { redirectUri: process.argv[i + 1] } : {});
    const { stop: _stop, ...info } = server;
    process.stdout.write(JSON.stringify({ ready: true, ...info }) + "\n");
  } catch (e) {
    process.stderr.write(`serve-baseline: ${e.stack || e}\n`);
    await quit(1);
  }
}

// The upstream OpenID Provider of the Relying Party tests: panva's
// oidc-provider (npm, a certified OP) on 127.0.0.1:<free port>, unmodified
// except for its account store and test controls:
//
// - dynamic client registration (RFC 7591) is open, so each test registers
//   its own client with Aero2's callback URL as redirect_uri;
// - accounts are registered by the test: POST /_test/accounts
//   {"sub", "email", "email_verified", "name"}; the built-in development
//   sign-in form (`login`, `password`) accepts any password for them;
// - consent is granted automatically (the test is about Aero2, not the
//   upstream's consent screen);
// - PKCE S256 required, ID tokens RS256, iss in authorization responses.
//
// Prints {"ready":true,"port":N,"issuer":…} when listening; exits on
// SIGTERM or when stdin closes.
import http from "node:http";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import Provider from "oidc-provider";

const accounts = new Map();

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = server.address().port;
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "picture"] },
  scopes: ["openid", "email", "profile", "offline_access"],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
  },
  clientDefaults: { grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "client_secret_basic" },
  async loadExistingGrant(ctx) {
    if (!ctx.oidc.session?.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
  async findAccount(_ctx, id) {
    const a = accounts.get(id);
    if (!a) return undefined;
    return { accountId: id, async claims() { return { ...a }; } };
  },
});
provider.on("server_error", (_ctx, err) => process.stderr.write(`oidc-idp: ${err.stack || err}\n`));
provider.on("grant.error", (_ctx, err) => process.stderr.write(`oidc-idp grant.error: ${err.message} ${err.error_description ?? ""}\n`));
const callback = provider.callback();

server.on("request", (req, res) => {
  if (req.method === "POST" && req.url === "/_test/accounts") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      try {
        const a = JSON.parse(body);
        accounts.set(a.sub, a);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
    return;
  }
  callback(req, res);
});

process.stdout.write(JSON.stringify({ ready: true, port, issuer }) + "\n");
const quit = () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500); };
process.on("SIGTERM", quit);
process.on("SIGINT", quit);
process.stdin.on("end", quit);
process.stdin.resume();

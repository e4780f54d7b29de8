// A local stand-in for Twilio's Messages API, speaking its wire format,
// for the SMS tests. Nothing leaves 127.0.0.1.
//
//   POST /2010-04-01/Accounts/{AccountSid}/Messages.json
//     HTTP Basic AccountSid:AuthToken; form To, From, Body
//     → 201 {sid, account_sid, to, from, body, status: "queued", …}
//     → 401 {code: 20003, message: "Authenticate", status: 401} on bad credentials
//     → 400 {code: 21211, message: "The 'To' number … is not a valid phone number.", status: 400}
//       for a To that is not E.164, and for numbers ending in 0000 (to test
//       a provider that refuses)
//
// Test-only: GET /_test/messages?to=+1555… lists what was "sent" to that
// number (all messages without `to`).
//
// Prints {"ready":true,"port":N,"account_sid":…,"auth_token":…,"from":…}
// when listening; exits on SIGTERM or when stdin closes.
import http from "node:http";
import { randomBytes } from "node:crypto";

const ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);
const AUTH_TOKEN = randomBytes(16).toString("hex");
const FROM = "+15005550006";
const messages = [];

const json = (res, status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "GET" && url.pathname === "/_test/messages") {
    const to = url.searchParams.get("to");
    return json(res, 200, { messages: messages.filter((m) => !to || m.to === to) });
  }
  const m = url.pathname.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/);
  if (req.method !== "POST" || !m) return json(res, 404, { code: 20404, message: "The requested resource was not found", status: 404 });
  let raw = "";
  req.on("data", (d) => { raw += d; });
  req.on("end", () => {
    const auth = req.headers.authorization ?? "";
    const [sid, token] = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString().split(":");
    if (sid !== ACCOUNT_SID || token !== AUTH_TOKEN || decodeURIComponent(m[1]) !== ACCOUNT_SID) {
      return json(res, 401, { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 });
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return json(res, 400, { code: 20001, message: "Content-Type must be form-urlencoded", status: 400 });
    }
    const form = new URLSearchParams(raw);
    const to = form.get("To") ?? "";
    if (!/^\+[1-9]\d{7,14}$/.test(to) || to.endsWith("0000")) {
      return json(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, more_info: "https://www.twilio.com/docs/errors/21211", status: 400 });
    }
    const msg = {
      sid: "SM" + randomBytes(16).toString("hex"), account_sid: ACCOUNT_SID, to, from: form.get("From"), body: form.get("Body"),
      status: "queued", num_segments: "1", direction: "outbound-api", api_version: "2010-04-01", date_created: new Date().toUTCString(),
    };
    messages.push(msg);
    json(res, 201, msg);
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ ready: true, port, account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN, from: FROM }) + "\n");
});
const quit = () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500); };
process.on("SIGTERM", quit);
process.on("SIGINT", quit);
process.stdin.on("end", quit);
process.stdin.resume();

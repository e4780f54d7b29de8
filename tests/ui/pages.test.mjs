// The hosted-page templates (ui/) in real headless Chromium, without the OP:
// a small Node server fills them as durable/src/pages.rs does (escape every
// value, single pass, raw slots only for fragments built from escaped parts)
// and serves them under the production CSP. Checks: no CSP violation or
// console error, the form fields and their autocomplete tokens, no
// horizontal scroll at 375px, WCAG contrast in light and dark, hostile
// values staying text. It also records how Chromium applies CSP
// `form-action` to a redirect answering a form post: the premise of
// durable/src/op/interaction.rs (`may_redirect_to_client`).
//
// Run: scripts/test-ui.sh (node --test). CHROMIUM overrides /usr/bin/chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
  + "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const LAUNCH_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run',
  '--disable-component-update', '--disable-sync'];

const root = new URL('../../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');
const T = Object.fromEntries(['login', 'signup', 'consent', 'error', 'signed-out', 'confirm', 'mfa', 'recovery-codes', 'security', 'email-code', 'organization', 'invitation'].map((n) => [n, read(`ui/${n}.html`)]));
const CSS = read('ui/hosted.css');
const PASSKEY_JS = read('ui/passkey.js');

// --- rendering: the same rules as aero2_core::html and durable/src/pages.rs

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
function fill(template, values, raw = {}) {
  return template.replace(/\{\{([^}]*)\}\}/g, (_, name) => {
    const k = name.trim();
    if (Object.hasOwn(values, k)) return escape(values[k]);
    return Object.hasOwn(raw, k) ? raw[k] : '';
  });
}
const alert = (m) => (m == null ? '' : `<p class="error" role="alert">${escape(m)}</p>`);
const WORDS = { openid: 'Sign you in', profile: 'See your name and picture', email: 'See your email address',
  offline_access: 'Stay signed in (refresh tokens)' };
const scopeWords = (s) => WORDS[s] ?? `Use the “${s}” permission`;

const REQUEST = 'req_0123456789abcdef';
const CSRF = 'a'.repeat(64);
const HOSTILE = `"><script>alert(1)</script><img src=x onerror="alert(2)"><svg onload=alert(3)>'`;

function render(name, v = {}) {
  const app = v.app ?? 'Acme Notes';
  switch (name) {
    case 'login':
    case 'signup':
      return fill(T[name], { app_name: app, request: v.request ?? REQUEST, csrf_token: CSRF, email: v.email ?? '' },
        {
          error_html: alert(v.error),
          // As pages.rs `branding`: an organization's colour, logo and name.
          brand_head_html: v.org?.colour ? `<link rel="stylesheet" href="/ui/brand.css?c=${escape(v.org.colour)}">` : '',
          org_html: v.org ? `${v.org.logo ? `<img class="org-logo" src="${escape(v.org.logo)}" alt="${escape(v.org.name)}">` : ''}<p class="org">Signing in to <strong>${escape(v.org.name)}</strong></p>` : '',
          // As pages.rs: the sign-up link unless the application's sign-up is closed.
          signup_html: `<p class="alt">No account? <a href="/signup?request=${escape(v.request ?? REQUEST)}">Create one</a></p>`,
          // As pages.rs: the passkey button (shown by /ui/passkey.js) and the email code form.
          passkey_html: name !== 'login' ? '' : `<form method="post" action="/login" class="passkey" data-passkey="sign_in" hidden><input type="hidden" name="request" value="${escape(v.request ?? REQUEST)}">`
            + `<input type="hidden" name="csrf_token" value="${CSRF}"><input type="hidden" name="passkey" value=""><button type="submit" class="secondary">Sign in with a passkey</button>`
            + '<p class="error" role="alert" hidden></p></form><script src="/ui/passkey.js" defer></script>'
            + `<details class="alt"><summary>Email me a sign-in code instead</summary><form method="post" action="/login"><input type="hidden" name="request" value="${escape(v.request ?? REQUEST)}">`
            + `<input type="hidden" name="csrf_token" value="${CSRF}"><input type="hidden" name="email_signin" value="1"><label for="signin_email">Email</label>`
            + '<input id="signin_email" name="email" type="email" autocomplete="email" required><button type="submit" class="secondary">Email me a code</button></form></details>',
        });
    case 'consent':
      return fill(T.consent, { app_name: app, client_name: v.client ?? 'Acme Mobile', request: REQUEST, csrf_token: CSRF },
        { scopes_html: (v.scopes ?? []).map((s) => `<li>${escape(scopeWords(s))}</li>`).join('') });
    case 'organization':
      // As pages.rs `organization_page`: one button per organization.
      return fill(T.organization, { app_name: app, request: REQUEST, csrf_token: CSRF }, {
        // A suggested organization (a verified domain offers it) reads "Join …".
        organizations_html: (v.orgs ?? [['org_1', 'Acme Inc.', 'acme'], ['org_2', 'Globex', 'globex', true]]).map(([id, n, slug, join]) =>
          `<li><button type="submit" name="organization" value="${escape(id)}">${escape(join ? `Join ${n}` : n)}<span class="slug">${escape(slug)}</span></button></li>`).join(''),
      });
    case 'invitation':
      // As pages.rs `invitation_page`.
      return fill(T.invitation, { app_name: app, org_name: v.org ?? 'Globex', email: v.email ?? 'grace@example.com', name: v.name ?? '', token: v.token ?? 'oin_0123', csrf_token: CSRF },
        { error_html: alert(v.error) });
    case 'error':
      return fill(T.error, { title: v.title, message: v.message });
    case 'signed-out':
      return fill(T['signed-out'], { app_name: app }, {
        return_html: v.returnTo ? `<p class="alt"><a href="${escape(v.returnTo)}">Return to the application</a></p>` : '',
      });
    case 'confirm':
      // As pages.rs `confirm_page`: hidden fields built from escaped parts.
      return fill(T.confirm, { app_name: app, title: v.title ?? 'Confirm your new email', message: v.message ?? 'Use ada@example.com for your Acme Notes account from now on.',
        action: v.action ?? '/verify', button: v.button ?? 'Use this address', csrf_token: CSRF }, {
        fields_html: Object.entries(v.fields ?? { token: 'vfy_0123' }).map(([k, x]) => `<input type="hidden" name="${escape(k)}" value="${escape(x)}">`).join(''),
      });
    case 'mfa': {
      // As pages.rs `second_factor_page`.
      const qr = '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="200" height="200" viewBox="0 0 29 29" shape-rendering="crispEdges">'
        + '<path fill="#ffffff" d="M0 0h29v29H0z"/><path fill="#000000" d="M4 4h7v1H4zM18 4h7v1h-7zM4 10h7v1H4z"/></svg>';
      const enrol = v.enrol
        ? `<figure class="qr" role="img" aria-label="QR code for your authenticator app">${qr}</figure><p class="hint">Or enter this key: <code>${escape(v.key ?? 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')}</code></p>`
        : '';
      const recovery = v.enrol ? '' : `<details class="alt"><summary>Use a recovery code</summary><form method="post" action="/mfa">`
        + `<input type="hidden" name="ticket" value="${escape(v.ticket ?? 't1')}"><input type="hidden" name="csrf_token" value="${CSRF}">`
        + '<label for="recovery_code">Recovery code</label><input id="recovery_code" name="recovery_code" type="text" autocomplete="off">'
        + '<button type="submit">Use it</button></form></details>';
      const remember = v.remember ? `<p class="check"><input id="remember" name="remember" type="checkbox" value="1"><label for="remember">Don't ask again on this device for ${v.remember} days</label></p>` : '';
      const codeForm = `<form method="post" action="/mfa"><input type="hidden" name="ticket" value="${escape(v.ticket ?? 't1')}">`
        + `<input type="hidden" name="csrf_token" value="${CSRF}"><label for="code">Code from your authenticator app</label>`
        + '<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autocomplete="one-time-code" autofocus>'
        + `${remember}<button type="submit">Verify</button></form>`;
      return fill(T.mfa, { app_name: app, heading: v.enrol ? 'Set up two-step verification' : 'Two-step verification', ticket: v.ticket ?? 't1', csrf_token: CSRF },
        { intro: escape(`Enter the code your authenticator app shows for ${app}.`), error_html: alert(v.error), enrol_html: enrol, recovery_html: recovery,
          code_form_html: codeForm });
    }
    case 'security': {
      // As pages.rs `security_page` (the overview).
      const hidden = (f) => Object.entries(f).map(([k, x]) => `<input type="hidden" name="${escape(k)}" value="${escape(x)}">`).join('');
      const form = (f, label) => `<form method="post" action="/security"><input type="hidden" name="csrf_token" value="${CSRF}">${hidden(f)}<button type="submit" class="secondary">${escape(label)}</button></form>`;
      const factors = (v.factors ?? [['mfa_1', 'totp'], ['mfa_2', 'passkey']]).map(([id, kind]) => {
        const name = kind === 'passkey' ? 'Passkey' : 'Authenticator app';
        return `<li><span>${name}</span>${form({ action: 'remove', factor: id }, `Remove ${name.toLowerCase()}`)}</li>`;
      }).join('');
      const passkey = `<form method="post" action="/security" class="passkey" data-passkey="register" hidden>${hidden({ csrf_token: CSRF })}<input type="hidden" name="passkey" value="">`
        + '<button type="submit" class="secondary">Add a passkey</button><p class="error" role="alert" hidden></p></form><script src="/ui/passkey.js" defer></script>';
      const body = `${v.notice ? `<p class="notice" role="status">${escape(v.notice)}</p>` : ''}<h2>Second factors</h2><ul class="factors">${factors}</ul>`
        + form({ action: 'add_totp' }, 'Add an authenticator app') + passkey
        + `<h2>Recovery codes</h2><p>${escape(String(v.left ?? 9))} unused.</p>` + form({ action: 'recovery_codes' }, 'Make new recovery codes');
      return fill(T.security, { app_name: app }, { error_html: alert(v.error), body_html: body });
    }
    case 'email-code':
      return fill(T['email-code'], { app_name: app, request: v.request ?? REQUEST, handle: v.handle ?? 'h'.repeat(64), email: v.email ?? 'ada@example.com', csrf_token: CSRF },
        { error_html: alert(v.error) });
    case 'recovery-codes':
      return fill(T['recovery-codes'], { app_name: app, ticket: 't2', csrf_token: CSRF },
        { codes_html: (v.codes ?? ['k3m9q-ab2cd', 'zz7wq-p0pp1', 'aaaaa-bbbbb', 'ccccc-ddddd', 'eeeee-fffff', 'ggggg-hhhhh', 'iiiii-jjjjj', 'kkkkk-lllll', 'mmmmm-nnnnn', 'ooooo-ppppp']).map((c) => `<li>${escape(c)}</li>`).join('') });
    default:
      throw new Error(name);
  }
}

const PAGES = {
  '/login': () => render('login'),
  '/login-error': () => render('login', { email: 'ada@example.com', error: 'Invalid email or password.' }),
  '/login-org': () => render('login', { org: { name: 'Globex', colour: '1a4d2e', logo: 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%2210%22 height=%2210%22/%3E' } }),
  '/signup': () => render('signup'),
  '/signup-error': () => render('signup', { email: 'ada@example.com', error: 'password must be at least 8 characters' }),
  '/consent': () => render('consent', { scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'] }),
  '/organization': () => render('organization'),
  '/invitation': () => render('invitation'),
  '/invitation-error': () => render('invitation', { name: 'Grace', error: 'password must be at least 8 characters' }),
  '/error': () => render('error', { title: 'Sign-in expired', message: 'This sign-in request has expired. Go back to the application and start again.' }),
  '/signed-out': () => render('signed-out'),
  '/signed-out-return': () => render('signed-out', { returnTo: 'https://notes.example.com/bye?a=1&b=2' }),
  '/confirm': () => render('confirm'),
  '/mfa': () => render('mfa'),
  '/mfa-error': () => render('mfa', { error: 'That code is not right.' }),
  '/mfa-enrol': () => render('mfa', { enrol: true }),
  '/mfa-remember': () => render('mfa', { remember: 30 }),
  '/recovery-codes': () => render('recovery-codes'),
  '/security': () => render('security', { notice: 'The passkey was added.' }),
  '/email-code': () => render('email-code'),
  '/email-code-error': () => render('email-code', { error: 'That code is not right (4 tries left).' }),
  '/security-error': () => render('security', { error: 'That second factor is not yours, or was removed already.' }),
  '/confirm-logout': () => render('confirm', { title: 'Sign out of Acme Notes?', message: 'You will be signed out of this application on this browser.',
    action: '/oauth2/logout', button: 'Sign out', fields: { client_id: 'cl_1', post_logout_redirect_uri: 'https://notes.example.com/bye', state: 'xyz' } }),
};
// Hostile values, served without CSP so that escaping alone must hold.
const XSS = {
  '/xss/login': () => render('login', { app: HOSTILE, email: HOSTILE, error: HOSTILE, request: HOSTILE, org: { name: HOSTILE, logo: `https://x.test/"><script>alert(5)</script>`, colour: HOSTILE } }),
  '/xss/signup': () => render('signup', { app: HOSTILE, email: HOSTILE, error: HOSTILE }),
  '/xss/consent': () => render('consent', { app: HOSTILE, client: HOSTILE, scopes: ['openid', 'x<b>y'] }),
  '/xss/invitation': () => render('invitation', { app: HOSTILE, org: HOSTILE, email: HOSTILE, name: HOSTILE, token: HOSTILE, error: HOSTILE }),
  '/xss/organization': () => render('organization', { app: HOSTILE, orgs: [[HOSTILE, HOSTILE, HOSTILE]] }),
  '/xss/error': () => render('error', { title: HOSTILE, message: HOSTILE }),
  '/xss/signed-out': () => render('signed-out', { app: HOSTILE, returnTo: `https://x.example/"><script>alert(4)</script>` }),
  '/xss/mfa': () => render('mfa', { app: HOSTILE, error: HOSTILE, ticket: HOSTILE }),
  '/xss/mfa-enrol': () => render('mfa', { app: HOSTILE, enrol: true, key: HOSTILE }),
  '/xss/recovery-codes': () => render('recovery-codes', { app: HOSTILE, codes: [HOSTILE] }),
  '/xss/email-code': () => render('email-code', { app: HOSTILE, email: HOSTILE, error: HOSTILE, handle: HOSTILE, request: HOSTILE }),
  '/xss/security': () => render('security', { app: HOSTILE, error: HOSTILE, notice: HOSTILE, factors: [[HOSTILE, 'totp']] }),
  '/xss/confirm': () => render('confirm', { app: HOSTILE, title: HOSTILE, message: HOSTILE, button: HOSTILE, fields: { state: HOSTILE } }),
};

// --- servers: the OP's pages on one loopback origin, a "client" on another

const security = (csp) => ({ 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
const widened = (origin) => CSP.replace("form-action 'self'", `form-action 'self' ${origin}`);
let op; let client; let OP; let CLIENT; let browser;
const clientHits = [];

// How a form post may end at the client, under the page's `form-action`.
// `page`: the CSP of the page holding the form; `answer`: the POST's answer.
const FORM_ACTION_CASES = {
  'A 303 to client, page form-action self': { page: () => CSP, answer: (res, to) => see(res, 303, to(), CSP) },
  'B 303 to client carrying widened CSP': { page: () => CSP, answer: (res, to) => see(res, 303, to(), widened(CLIENT)) },
  'C page form-action self + client origin, 303': { page: () => widened(CLIENT), answer: (res, to) => see(res, 303, to(), CSP) },
  'D 307 to client, page form-action self': { page: () => CSP, answer: (res, to) => see(res, 307, to(), CSP) },
  'E 303 same-origin, then 302 to client': { page: () => CSP, answer: (res, to, c) => see(res, 303, `/fa/bounce?c=${c}`, CSP) },
  'F 200 page with meta refresh to client': {
    page: () => CSP,
    answer: (res, to) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...security(CSP) })
      .end(`<!doctype html><meta http-equiv="refresh" content="0;url=${escape(to())}"><a href="${escape(to())}">Continue</a>`),
  },
};
// What Chromium does (asserted, so a browser change fails loudly).
const EXPECTED = { A: 'blocked', B: 'blocked', C: 'followed', D: 'blocked', E: 'blocked', F: 'followed' };
const caseKey = (name) => Object.keys(FORM_ACTION_CASES).find((k) => k.startsWith(`${name} `));

function see(res, status, location, csp) {
  res.writeHead(status, { location, 'cache-control': 'no-store', ...security(csp) }).end();
}

function html(res, body, csp = CSP, status = 200) {
  const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
  res.writeHead(status, csp ? { ...headers, ...security(csp) } : headers).end(body);
}

function opHandler(req, res) {
  const url = new URL(req.url, OP);
  const c = url.searchParams.get('c');
  const to = () => `${CLIENT}/cb?c=${c}`;
  if (url.pathname === '/ui/hosted.css') {
    return res.writeHead(200, { 'content-type': 'text/css', 'cache-control': 'public, max-age=3600', ...security(CSP) }).end(CSS);
  }
  if (url.pathname === '/ui/brand.css' && /^[0-9a-f]{6}$/.test(c ?? '')) {
    // As aero2_core::organization::accent_stylesheet for this dark colour.
    const rule = `:root{--brand:#${c};--brand-text:#ffffff}`;
    return res.writeHead(200, { 'content-type': 'text/css', ...security(CSP) }).end(`${rule}\n@media (prefers-color-scheme: dark){${rule}}\n`);
  }
  if (url.pathname === '/ui/brand.css' && c === null) {
    // An application without branding: durable/src/pages.rs answers empty.
    return res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache', ...security(CSP) }).end('');
  }
  if (url.pathname === '/ui/passkey.js') {
    return res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'public, max-age=3600', ...security(CSP) }).end(PASSKEY_JS);
  }
  if (url.pathname === '/favicon.ico') return res.writeHead(204).end();
  if (PAGES[url.pathname]) return html(res, PAGES[url.pathname]());
  if (XSS[url.pathname]) return html(res, XSS[url.pathname](), null);
  const fa = FORM_ACTION_CASES[caseKey(c)];
  if (url.pathname === '/fa/page' && fa) {
    return html(res, `<!doctype html><title>fa</title><form method="post" action="/fa/submit?c=${c}">`
      + '<input name="x" value="1"><button type="submit">Go</button></form>', fa.page());
  }
  if (url.pathname === '/fa/submit' && req.method === 'POST' && fa) { req.resume(); return fa.answer(res, to, c); }
  if (url.pathname === '/fa/bounce') return see(res, 302, to(), CSP);
  return res.writeHead(404, security(CSP)).end();
}

const listen = (server) => new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${server.address().port}`)));

before(async () => {
  op = createServer(opHandler);
  client = createServer((req, res) => { clientHits.push(req.url); res.writeHead(200, { 'content-type': 'text/html' }).end('<p>client</p>'); });
  OP = await listen(op);
  CLIENT = await listen(client);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: LAUNCH_ARGS });
});

after(async () => {
  await browser?.close();
  op?.close();
  client?.close();
});

// --- helpers

/** Opens `path` at 375px and collects every console message, failed request and page error. */
async function open(path, { colorScheme = 'light', width = 375 } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 740 }, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => problems.push(`console ${m.type()}: ${m.text()}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  const resp = await page.goto(OP + path);
  assert.equal(resp.status(), 200, path);
  return { page, problems, close: () => context.close() };
}

/** WCAG 2.x contrast of every text-bearing element and of field borders. */
function contrastReport() {
  const rgb = (c) => { const m = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0]; return { v: m.slice(0, 3), a: m.length > 3 ? m[3] : 1 }; };
  const lum = ([r, g, b]) => [r, g, b].map((x) => { const s = x / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; })
    .reduce((acc, x, i) => acc + x * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0) return c.v; }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) || el.matches('input:not([type=hidden])');
    if (own && el.getClientRects().length) {
      out.push({ what: `${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim().slice(0, 24)}"`, kind: 'text',
        ratio: ratio(rgb(getComputedStyle(el).color).v, background(el)) });
    }
    if (el.matches('input:not([type=hidden])')) {
      out.push({ what: `border of input[name=${el.name}]`, kind: 'border',
        ratio: ratio(rgb(getComputedStyle(el).borderTopColor).v, background(el.parentElement)) });
    }
  }
  return out;
}

async function fields(page, forms = 'form') {
  return page.$$eval(`${forms} input, ${forms} button`, (els) => els.map((e) => ({
    tag: e.tagName.toLowerCase(), name: e.name, type: e.type, value: e.value, autocomplete: e.getAttribute('autocomplete'),
    required: e.required ?? false, labelled: e.type === 'hidden' || e.tagName === 'BUTTON' || e.labels.length === 1,
  })));
}

// --- tests

test('the CSP under test is the one the front Worker sets (src/core/src/headers.rs)', () => {
  const src = read('src/core/src/headers.rs');
  const literal = src.match(/CONTENT_SECURITY_POLICY: &str = "([\s\S]*?)";/)?.[1];
  assert.equal(literal?.replace(/\\\n\s*/g, ''), CSP);
});

for (const colorScheme of ['light', 'dark']) {
  test(`every page renders under the CSP at 375px with readable contrast (${colorScheme})`, async () => {
    for (const path of Object.keys(PAGES)) {
      const { page, problems, close } = await open(path, { colorScheme });
      try {
        assert.deepEqual(problems, [], `${path}: console, CSP or network problems`);
        assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.card')).borderRadius), '12px',
          `${path}: stylesheet applied`);
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${path}: horizontal scroll at 375px`);
        for (const c of await page.evaluate(contrastReport)) {
          assert.ok(c.ratio >= (c.kind === 'text' ? 4.5 : 3), `${path}: ${c.what} contrast ${c.ratio.toFixed(2)}`);
        }
      } finally {
        await close();
      }
    }
  });
}

test('narrowest phones (320px) do not scroll sideways either', async () => {
  for (const path of ['/login-error', '/signup', '/consent']) {
    const { page, close } = await open(path, { width: 320 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), path);
    await close();
  }
});

test('sign-in form: fields, autocomplete, labels, sign-up link keeps the request', async () => {
  const { page, close } = await open('/login');
  try {
    assert.equal(await page.title(), 'Sign in · Acme Notes');
    assert.match(await page.textContent('main'), /Acme Notes/);
    assert.deepEqual(await page.$eval('form', (f) => [f.method, new URL(f.action).pathname]), ['post', '/login']);
    assert.deepEqual(await fields(page, 'main > form:not([data-passkey])'), [
      { tag: 'input', name: 'request', type: 'hidden', value: REQUEST, autocomplete: null, required: false, labelled: true },
      { tag: 'input', name: 'csrf_token', type: 'hidden', value: CSRF, autocomplete: null, required: false, labelled: true },
      { tag: 'input', name: 'email', type: 'email', value: '', autocomplete: 'email', required: true, labelled: true },
      { tag: 'input', name: 'password', type: 'password', value: '', autocomplete: 'current-password', required: true, labelled: true },
      { tag: 'button', name: '', type: 'submit', value: '', autocomplete: null, required: false, labelled: true },
    ]);
    // The passkey button appears (the script runs under the CSP: Chromium has WebAuthn).
    await page.waitForSelector('form[data-passkey="sign_in"]:not([hidden])');
    assert.ok(await page.locator('form[data-passkey] button').isVisible());
    // The email code form, behind a disclosure, with a labelled address field.
    const emailForm = await fields(page, 'details form');
    assert.deepEqual(emailForm.filter((f) => f.type !== 'hidden').map((f) => [f.name, f.autocomplete, f.labelled]),
      [['email', 'email', true], ['', null, true]]);
    assert.equal(await page.getAttribute('a[href^="/signup"]', 'href'), `/signup?request=${REQUEST}`);
    assert.equal(await page.locator('[role=alert]:not([hidden])').count(), 0, 'no error box without an error');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.name), 'email', 'keyboard reaches the email field first');
  } finally {
    await close();
  }
});

test('sign-in after a failure: the error is announced and the email kept', async () => {
  const { page, close } = await open('/login-error');
  try {
    assert.equal(await page.textContent('[role=alert]'), 'Invalid email or password.');
    assert.equal(await page.inputValue('input[name=email]'), 'ada@example.com');
  } finally {
    await close();
  }
});

test('sign-up form: name, email and a new password', async () => {
  const { page, close } = await open('/signup');
  try {
    assert.deepEqual(await page.$eval('form', (f) => [f.method, new URL(f.action).pathname]), ['post', '/signup']);
    const named = Object.fromEntries((await fields(page)).filter((f) => f.name).map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(named), ['request', 'csrf_token', 'name', 'email', 'password']);
    assert.equal(named.name.autocomplete, 'name');
    assert.equal(named.email.autocomplete, 'email');
    assert.equal(named.password.autocomplete, 'new-password');
    assert.ok(Object.values(named).every((f) => f.labelled), 'every visible field has a label');
    assert.equal(await page.getAttribute('a[href^="/login"]', 'href'), `/login?request=${REQUEST}`);
  } finally {
    await close();
  }
});

test('consent: scopes in words, Allow and Deny as decision buttons', async () => {
  const { page, close } = await open('/consent');
  try {
    assert.deepEqual(await page.$$eval('.scopes li', (li) => li.map((l) => l.textContent)), [
      'Sign you in', 'See your name and picture', 'See your email address', 'Stay signed in (refresh tokens)',
      'Use the “notes:read” permission']);
    assert.match(await page.textContent('h1'), /^Acme Mobile wants to/);
    assert.deepEqual(await page.$$eval('button[name=decision]', (b) => b.map((x) => [x.type, x.value, x.textContent])),
      [['submit', 'deny', 'Deny'], ['submit', 'allow', 'Allow']]);
    assert.deepEqual(await page.$$eval('input[type=hidden]', (i) => i.map((x) => x.name)), ['request', 'csrf_token']);
  } finally {
    await close();
  }
});

test('invitation: the address fixed for password managers, a new password, a name', async () => {
  const { page, close } = await open('/invitation');
  try {
    assert.equal(await page.title(), 'Join Globex · Acme Notes');
    assert.deepEqual(await page.$eval('form', (f) => [f.method, new URL(f.action).pathname]), ['post', '/invitation']);
    const named = Object.fromEntries((await fields(page)).filter((f) => f.name).map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(named), ['token', 'csrf_token', 'email', 'name', 'password']);
    assert.deepEqual([named.email.autocomplete, named.email.value], ['username', 'grace@example.com']);
    assert.equal(await page.$eval('#email', (e) => e.readOnly), true);
    assert.deepEqual([named.password.autocomplete, named.password.required], ['new-password', true]);
    assert.ok(Object.values(named).every((f) => f.labelled), 'every visible field has a label');
  } finally {
    await close();
  }
});

test('a sign-in to an organization wears its colour, logo and name', async () => {
  const { page, close } = await open('/login-org');
  try {
    assert.equal(await page.textContent('.org'), 'Signing in to Globex');
    assert.equal(await page.getAttribute('.org-logo', 'alt'), 'Globex');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('main > form button[type=submit]')).backgroundColor), 'rgb(26, 77, 46)');
  } finally {
    await close();
  }
});

test('organization picker: one labelled button per organization, keyboard first', async () => {
  const { page, close } = await open('/organization');
  try {
    assert.equal(await page.title(), 'Choose an organization · Acme Notes');
    assert.deepEqual(await page.$eval('form', (f) => [f.method, new URL(f.action).pathname]), ['post', '/organization']);
    assert.deepEqual(await page.$$eval('button[name=organization]', (b) => b.map((x) => [x.type, x.value, x.textContent])),
      [['submit', 'org_1', 'Acme Inc.acme'], ['submit', 'org_2', 'Join Globexglobex']]);
    assert.deepEqual(await page.$$eval('input[type=hidden]', (i) => i.map((x) => x.name)), ['request', 'csrf_token']);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'org_1');
  } finally {
    await close();
  }
});

test('confirmation pages: one button posts what the link or request carried', async () => {
  let p = await open('/confirm');
  try {
    assert.equal(await p.page.title(), 'Confirm your new email · Acme Notes');
    assert.deepEqual(await p.page.$eval('form', (f) => [f.method, new URL(f.action).pathname]), ['post', '/verify']);
    assert.deepEqual(await fields(p.page), [
      { tag: 'input', name: 'token', type: 'hidden', value: 'vfy_0123', autocomplete: null, required: false, labelled: true },
      { tag: 'input', name: 'csrf_token', type: 'hidden', value: CSRF, autocomplete: null, required: false, labelled: true },
      { tag: 'button', name: '', type: 'submit', value: '', autocomplete: null, required: false, labelled: true },
    ]);
    assert.equal(await p.page.textContent('button'), 'Use this address');
    await p.page.keyboard.press('Tab');
    assert.equal(await p.page.evaluate(() => document.activeElement.tagName), 'BUTTON', 'the keyboard reaches the button first');
  } finally {
    await p.close();
  }
  p = await open('/confirm-logout');
  try {
    assert.deepEqual(await p.page.$$eval('input[type=hidden]', (i) => i.map((x) => [x.name, x.value])),
      [['client_id', 'cl_1'], ['post_logout_redirect_uri', 'https://notes.example.com/bye'], ['state', 'xyz'], ['csrf_token', CSRF]]);
    assert.equal(await p.page.textContent('h1'), 'Sign out of Acme Notes?');
  } finally {
    await p.close();
  }
});

test('second factor: a one-time-code field, a recovery code behind a disclosure, the QR code white in dark mode', async () => {
  let p = await open('/mfa');
  try {
    const code = await p.page.$eval('#code', (e) => [e.name, e.getAttribute('autocomplete'), e.inputMode, e.labels.length]);
    assert.deepEqual(code, ['code', 'one-time-code', 'numeric', 1]);
    assert.equal(await p.page.isVisible('#recovery_code'), false, 'the recovery code waits behind its summary');
    await p.page.click('summary');
    assert.equal(await p.page.isVisible('#recovery_code'), true);
    assert.deepEqual(await p.page.$$eval('input[name=ticket]', (i) => i.map((x) => x.value)), ['t1', 't1']);
  } finally {
    await p.close();
  }
  p = await open('/mfa-enrol', { colorScheme: 'dark' });
  try {
    assert.equal(await p.page.$eval('figure.qr', (f) => getComputedStyle(f).backgroundColor), 'rgb(255, 255, 255)');
    assert.equal(await p.page.$eval('figure.qr', (f) => f.getAttribute('aria-label')), 'QR code for your authenticator app');
    assert.equal(await p.page.textContent('code'), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(await p.page.$('#recovery_code'), null, 'no recovery code before there is a factor');
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
  p = await open('/recovery-codes');
  try {
    assert.equal(await p.page.$$eval('.codes li', (l) => l.length), 10);
    assert.deepEqual(await p.page.$$eval('input[type=hidden]', (i) => i.map((x) => x.name)), ['continue', 'csrf_token']);
  } finally {
    await p.close();
  }
});

test('error and signed-out pages', async () => {
  let p = await open('/error');
  assert.equal(await p.page.title(), 'Sign-in expired');
  assert.equal(await p.page.textContent('h1'), 'Sign-in expired');
  assert.match(await p.page.textContent('[role=alert]'), /start again/);
  await p.close();
  p = await open('/signed-out');
  assert.match(await p.page.textContent('main'), /signed out[\s\S]*Acme Notes/);
  assert.equal(await p.page.locator('a').count(), 0);
  await p.close();
  p = await open('/signed-out-return');
  assert.equal(await p.page.getAttribute('a', 'href'), 'https://notes.example.com/bye?a=1&b=2');
  assert.equal(await p.page.textContent('a'), 'Return to the application');
  await p.close();
});

test('hostile app name, email, error, title and message stay text (no CSP to help)', async () => {
  for (const path of Object.keys(XSS)) {
    const { page, problems, close } = await open(path);
    try {
      await page.waitForTimeout(50);
      assert.deepEqual(problems.filter((p) => p.startsWith('dialog') || p.startsWith('page error')), [], path);
      // The one SVG a page may hold is the QR code pages.rs puts in its
      // figure; the one script, the hosted pages' own passkey script; the
      // one image, an organization's logo.
      assert.equal(await page.locator('script:not([src="/ui/passkey.js"]), img:not(.org-logo), svg:not(figure.qr > svg)').count(), 0, `${path}: injected elements`);
      assert.ok((await page.locator('img.org-logo').count()) <= 1, `${path}: one logo at most`);
      assert.ok((await page.textContent('body')).includes('<script>alert(1)</script>'), path);
      if (path === '/xss/login') {
        assert.equal(await page.inputValue('input[name=email]'), HOSTILE);
        assert.equal(await page.textContent('[role=alert]'), HOSTILE);
        assert.equal(await page.inputValue('input[name=request]'), HOSTILE);
      }
    } finally {
      await close();
    }
  }
});

test('stylesheet is served as cacheable text/css', async () => {
  const res = await fetch(`${OP}/ui/hosted.css`);
  assert.equal(res.headers.get('content-type'), 'text/css');
  assert.doesNotMatch(await res.text(), /@import|url\(|https?:/, 'no external assets');
});

// The finding behind `may_redirect_to_client`: Chromium checks a form
// submission's whole redirect chain against the `form-action` of the page
// that held the form. A CSP on the redirect response itself changes nothing.
test('form-action governs redirects after a form post (Chromium)', async (t) => {
  const results = {};
  for (const [name] of Object.entries(FORM_ACTION_CASES)) {
    const c = name.split(' ')[0];
    const context = await browser.newContext();
    const page = await context.newPage();
    const never = () => new Promise(() => {});
    const refused = page.waitForEvent('console', { predicate: (m) => /Content Security Policy/.test(m.text()), timeout: 0 })
      .then((m) => `blocked: ${m.text().trim()}`, never);
    const landed = page.waitForURL((u) => u.href.startsWith(CLIENT), { timeout: 0 }).then(() => 'followed', never);
    const neither = new Promise((ok) => { setTimeout(ok, 5000, 'neither').unref(); });
    await page.goto(`${OP}/fa/page?c=${c}`);
    await page.click('button');
    const outcome = await Promise.race([refused, landed, neither]);
    results[c] = outcome.split(':')[0];
    assert.equal(clientHits.includes(`/cb?c=${c}`), results[c] === 'followed', `${name}: client saw the request iff followed`);
    t.diagnostic(`${name}: ${outcome}`);
    await context.close();
  }
  assert.deepEqual(results, EXPECTED);
});

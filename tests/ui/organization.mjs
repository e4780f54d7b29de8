// The organization picker in real headless Chromium against the running
// OP: a user in two organizations signs in through a client that requires
// one, picks one on the picker (checked with axe-core: no serious or
// critical violation, under the production CSP), and lands on the client
// with a code. Run by the black-box suite (tests/blackbox/ui.rs), which
// provisions the application, the organizations and the client.
import { callbackServer, env, openPage } from './browser.mjs';
import { readFileSync } from 'node:fs';

const port = env('AERO2_PORT');
const slug = env('AERO2_SLUG');
const clientId = env('AERO2_CLIENT_ID');
const email = env('AERO2_EMAIL');
const password = env('AERO2_PASSWORD');
const redirect = env('AERO2_REDIRECT');
const pick = env('AERO2_ORG');
const shots = process.env.AERO2_SCREENSHOTS;
const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

const issuer = `http://${slug}.localhost:${port}`;
const authorize = `${issuer}/oauth2/authorize?` + new URLSearchParams({
  response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'openid', state: 'org-state',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
});

const client = await callbackServer(redirect);

const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

/// axe-core's serious and critical violations on the current page (run
/// through the DevTools protocol, which the page's CSP does not govern).
async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

let code = null;
const { browser, page } = await openPage(problems);
try {
  await page.goto(authorize);
  const pw = 'main > form:not([data-passkey])';
  await page.fill(`${pw} input[name=email]`, email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/organization'), page.click(`${pw} button[type=submit]`)]);
  check((await page.textContent('h1')) === 'Choose an organization', 'the picker');
  const choices = await page.$$eval('button[name=organization]', (b) => b.map((x) => x.value));
  check(choices.length === 2 && choices.includes(pick), `two organizations offered: ${choices}`);
  check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scroll at 375px');
  for (const v of await axe(page)) problems.push(`axe: ${v}`);
  if (shots) await page.screenshot({ path: `${shots}/organization-picker.png`, fullPage: true });
  // The keyboard reaches the choices; the chosen one ends at the client.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement?.name) === 'organization', 'the first choice takes the focus');
  await Promise.all([page.waitForURL((u) => u.href.startsWith(redirect)), page.click(`button[value="${pick}"]`)]);
  const back = client.landed.at(-1) ?? new URL(page.url());
  code = back.searchParams.get('code');
  check(/^ac_[0-9a-f]{64}$/.test(code ?? ''), `a code: ${back.href}`);
  check(back.searchParams.get('state') === 'org-state', 'state returned');
} catch (e) {
  problems.push(`error: ${e.message.split('\n')[0]}`);
} finally {
  await browser.close();
  client.close();
}

const result = { ok: problems.length === 0, problems, code };
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);

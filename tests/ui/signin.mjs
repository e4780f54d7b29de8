// Drives Aero2's hosted pages in real headless Chromium (Debian's, through
// playwright-core): a wrong password, then sign-in, then consent, ending at
// the client's redirect URI with a code. Fails on any CSP violation, a
// horizontal scroll at phone width, or a missing form field. Run by the
// black-box suite (tests/blackbox/ui.rs), which provisions the application
// and passes its coordinates in the environment.
import { callbackServer, env, openPage } from './browser.mjs';
import { writeFileSync } from 'node:fs';

const port = env('AERO2_PORT');
const slug = env('AERO2_SLUG');
const clientId = env('AERO2_CLIENT_ID');
const email = env('AERO2_EMAIL');
const password = env('AERO2_PASSWORD');
const redirect = env('AERO2_REDIRECT');
const shots = process.env.AERO2_SCREENSHOTS;

const issuer = `http://${slug}.localhost:${port}`;
const state = 'ui-state-123';
const authorize = `${issuer}/oauth2/authorize?` + new URLSearchParams({
  response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'openid profile email',
  state, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
});

const client = await callbackServer(redirect);

const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

const { browser, context, page } = await openPage(problems);
try {

  await page.goto(authorize);
  check(new URL(page.url()).pathname === '/login', `expected /login, at ${page.url()}`);
  check((await page.textContent('h1'))?.includes('Sign in'), 'login heading');
  // The password form (the page also has a passkey form and an email-code form).
  const pw = 'main > form:not([data-passkey])';
  check(await page.locator(`${pw} input[name=email][autocomplete~=email]`).count() === 1, 'email field with autocomplete');
  check(await page.locator('input[name=password][autocomplete=current-password]').count() === 1, 'password field');
  check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scroll at 375px');
  check(await page.evaluate(() => getComputedStyle(document.querySelector('button')).borderRadius !== '0px'), 'stylesheet applied (CSP allows it)');
  if (shots) await page.screenshot({ path: `${shots}/login.png`, fullPage: true });

  await page.fill(`${pw} input[name=email]`, email);
  await page.fill('input[name=password]', 'not the password');
  await page.click(`${pw} button[type=submit]`);
  check((await page.textContent('[role=alert]'))?.includes('Invalid email or password'), 'wrong password message');
  check(await page.inputValue(`${pw} input[name=email]`) === email, 'email kept after a failed attempt');

  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/consent' || u.href.startsWith(redirect)), page.click(`${pw} button[type=submit]`)]);
  if (new URL(page.url()).pathname === '/consent') {
    check((await page.textContent('.scopes'))?.includes('email address'), 'consent lists scopes in words');
    if (shots) await page.screenshot({ path: `${shots}/consent.png`, fullPage: true });
    await Promise.all([page.waitForURL((u) => u.href.startsWith(redirect)), page.click('button[value=allow]')]);
  }
  const back = client.landed.at(-1) ?? new URL(page.url());
  check(back.href.startsWith(redirect), `ended at ${back.href}`);
  check(back.searchParams.get('state') === state, 'state returned');
  check(back.searchParams.get('iss') === issuer, 'iss returned (RFC 9207)');
  check(/^ac_[0-9a-f]{64}$/.test(back.searchParams.get('code') ?? ''), 'code returned');
  const cookies = await context.cookies(issuer);
  const session = cookies.find((c) => c.name === 'aero2_session');
  check(session?.httpOnly && session?.sameSite === 'Lax', 'session cookie HttpOnly, SameSite=Lax');
} catch (e) {
  problems.push(`error: ${e.message.split('\n')[0]}`);
} finally {
  await browser.close();
  client.close();
}

const result = { ok: problems.length === 0, problems };
if (process.env.AERO2_RESULT) writeFileSync(process.env.AERO2_RESULT, JSON.stringify(result));
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);

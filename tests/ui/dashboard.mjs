// The Dashboard web app end to end in real headless Chromium against the
// running Worker (tests/blackbox/ui.rs starts it): a new developer signs up
// through the Dashboard's own hosted pages, creates an application, a
// client and a user; signs that user in on the application's hosted page
// through a test client; sees the sign-in in the audit log; rotates the
// signing keys and makes and revokes an API key; changes the branding and
// sees it on the hosted page. Every page is checked with axe-core (no
// serious or critical violation), under the production CSP, with no
// console error; screenshots in light and dark, desktop and phone width go
// to AERO2_ARTIFACTS. Prints {"ok": true, ...} last.
import { callbackServer, env, openPage } from './browser.mjs';
import { readFileSync, mkdirSync } from 'node:fs';

const port = env('AERO2_PORT');
const redirect = env('AERO2_REDIRECT');
const artifacts = env('AERO2_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

const dashboard = `http://dashboard.localhost:${port}`;
const stamp = Date.now().toString(36);
const developer = { email: `dev-${stamp}@example.com`, password: 'a long enough password', name: 'Dana Developer' };
const slug = `shop-${stamp}`;
const user = { email: `ada-${stamp}@example.com`, password: 'correct horse battery staple' };
const brand = '#0f766e';

const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };
const axed = [];

async function axe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    problems.push(`axe on ${name}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  }
  axed.push(name);
}

const client = await callbackServer(redirect);
const { browser, page } = await openPage(problems);
const context = page.context();
await page.setViewportSize({ width: 1280, height: 860 });
// Script errors and server failures are problems; a 4xx the test provokes
// (a taken slug) is logged by Chromium as a failed load and is not.
page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`); });
page.on('response', (r) => { if (r.status() >= 500) problems.push(`${r.status()} from ${r.url()}`); });
const nav = (label) => page.getByRole('navigation', { name: 'Application' }).getByRole('link', { name: label, exact: true }).click();
const heading = (text) => page.getByRole('heading', { level: 1, name: text }).waitFor();

const result = { ok: false };
try {
  // A clock the test can move (the token's renewal), running in real time.
  await page.clock.install();
  // 1. Sign up on the Dashboard's own hosted pages (prompt=create).
  await page.goto(dashboard);
  await heading('Aero2 Dashboard');
  await axe(page, 'welcome');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.waitForURL((u) => u.pathname === '/signup');
  await page.fill('input[name=name]', developer.name);
  await page.fill('input[name=email]', developer.email);
  await page.fill('input[name=password]', developer.password);
  await page.click('main > form button[type=submit]');
  await heading('Applications');
  check(new URL(page.url()).pathname === '/', `back on the Dashboard: ${page.url()}`);
  await page.getByText('No applications yet').waitFor();
  await axe(page, 'applications (empty)');
  // The keyboard: the first Tab reaches "Skip to content", which moves
  // the focus to the page's content; the next ones walk the header.
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement?.textContent)) === 'Skip to content', 'the skip link comes first');
  await page.keyboard.press('Enter');
  check((await page.evaluate(() => document.activeElement?.id)) === 'main', 'the skip link moves the focus to the content');
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement?.textContent)) === 'New application', `then the page's first control: ${await page.evaluate(() => document.activeElement?.outerHTML)}`);

  // 2. An application, with the slug checked as typed.
  await page.getByRole('button', { name: 'New application' }).click();
  await page.getByLabel('Name').fill('Shop');
  await page.getByLabel('Slug').fill('x');
  await page.getByText('At least 3 characters.').waitFor();
  check(await page.getByRole('button', { name: 'Create application' }).isDisabled(), 'a bad slug cannot be sent');
  await page.getByLabel('Slug').fill('dashboard');
  await page.getByRole('button', { name: 'Create application' }).click();
  await page.locator('.field-error', { hasText: /reserved|taken/ }).waitFor();
  await axe(page, 'applications (field error)');
  await page.getByLabel('Slug').fill(slug);
  await page.getByRole('button', { name: 'Create application' }).click();
  await heading('Shop');
  const appId = new URL(page.url()).pathname.split('/')[2];
  check(/^app_[0-9a-f]{32}$/.test(appId), `an application id in the URL: ${page.url()}`);
  check((await page.locator('.copy-value code').first().textContent()) === `http://${slug}.localhost:${port}`, 'the issuer is shown');
  await axe(page, 'overview');

  // 3. A public client for the test app, its redirect URI checked by field.
  await nav('Clients');
  await heading('Clients');
  await page.getByRole('button', { name: 'New client' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Storefront');
  await page.getByLabel('Redirect URI 1', { exact: true }).fill('http://shop.example.com/cb');
  await page.getByText('Use https (http only for localhost).').waitFor();
  await page.getByLabel('Redirect URI 1', { exact: true }).fill(redirect);
  await axe(page, 'new client');
  await page.getByRole('button', { name: 'Create client' }).click();
  await heading('Storefront');
  const clientId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await axe(page, 'client');

  // 4. A user.
  await nav('Users');
  await heading('Users');
  await page.getByText('No users yet').waitFor();
  await page.getByRole('button', { name: 'New user' }).click();
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('heading', { name: 'Profile' }).waitFor();
  const userId = new URL(page.url()).pathname.split('/').pop();
  await axe(page, 'user');
  await nav('Users');
  await page.getByLabel('Search by email').fill(`ada-${stamp}`);
  await page.getByRole('link', { name: user.email }).waitFor();
  await page.getByLabel('Search by email').fill('nobody-has-this');
  await page.getByText(/No user.s email contains/).waitFor();

  // 5. That user signs in on the application's hosted page (another tab).
  const authorize = (state, prompt = '') => `http://${slug}.localhost:${port}/oauth2/authorize?` + new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'openid email', state, ...(prompt ? { prompt } : {}),
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  });
  const app = await context.newPage();
  await app.goto(authorize('s1'));
  const pw = 'main > form:not([data-passkey])';
  await app.fill(`${pw} input[name=email]`, user.email);
  await app.fill(`${pw} input[name=password]`, user.password);
  await Promise.all([app.waitForURL((u) => u.href.startsWith(redirect)), app.click(`${pw} button[type=submit]`)]);
  check(/^ac_/.test(client.landed.at(-1)?.searchParams.get('code') ?? ''), 'the test client got a code');

  // 6. The sign-in is in the audit log, and the chain verifies.
  await nav('Audit log');
  await heading('Audit log');
  await page.getByText(/Chain verified/).waitFor();
  await page.getByLabel('Type').fill('signin.succeeded');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const row = page.locator('tbody tr', { hasText: 'signin.succeeded' }).first();
  await row.waitFor();
  await row.getByRole('button', { name: /Details/ }).click();
  await page.locator('.audit-detail', { hasText: userId }).waitFor();
  await axe(page, 'audit log');

  // 6b. A reload (tokens were in memory) signs in again through the OP's
  // session, on the same page; the user's session shows there, and ends.
  await page.goto(`${dashboard}/apps/${appId}/users/${userId}`);
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  check(new URL(page.url()).pathname === `/apps/${appId}/users/${userId}`, `back on the page after the reload: ${page.url()}`);
  const sessions = page.locator('section', { has: page.getByRole('heading', { name: 'Sessions' }) });
  await sessions.locator('tbody tr').first().waitFor();
  await page.getByText('No identity provider account is linked.').waitFor();
  await axe(page, 'user (sessions)');
  await sessions.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('Not signed in anywhere.').waitFor();

  // 6c. Close to its expiry, the access token is renewed with the
  // rotating refresh token before the next call.
  const refreshed = page.waitForRequest((r) => r.url().endsWith('/oauth2/token') && (r.postData() ?? '').includes('grant_type=refresh_token'));
  await page.clock.fastForward('14:30');
  await nav('Signing keys');
  await refreshed;

  // 7. Signing keys rotate; an API key is shown once, then revoked.
  await heading('Signing keys');
  // The table loads after the heading shows: count its rows once they are
  // there, or the old list would pass for the new one.
  await page.locator('tbody tr').first().waitFor();
  const before = await page.locator('tbody tr').count();
  await page.getByRole('button', { name: 'Rotate now' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
  await page.getByText(/Rotated: the new keys are published/).waitFor();
  // One new key per algorithm (RS256, ES256), published and pending.
  await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length >= n + 2, before);
  check((await page.locator('.badge.pending').count()) === 2, `the new keys (RS256 and ES256) are pending: ${await page.locator('.badge.pending').count()}`);
  await axe(page, 'signing keys');
  await nav('API keys');
  await heading('API keys');
  await page.getByLabel('Name').fill('backend');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = await page.locator('.secret-once code').textContent();
  check(/^sk_live_/.test(secret ?? ''), `an sk_live_ key shown once: ${secret}`);
  await axe(page, 'API keys');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByText(/^revoked /).waitFor();
  result.revokedKeyPrefix = secret?.slice(0, 16);

  // 8. Branding: previewed live, then used by the hosted page.
  await nav('Branding');
  await heading('Branding');
  await page.getByLabel('Use a brand colour on buttons').check();
  await page.getByLabel('Hex').fill(brand);
  const previewColour = await page.getByTestId('hosted-preview').evaluate((el) =>
    getComputedStyle(el.shadowRoot.querySelector('button')).backgroundColor);
  check(previewColour === 'rgb(15, 118, 110)', `the preview shows the colour: ${previewColour}`);
  await axe(page, 'branding');
  await page.getByRole('button', { name: 'Save branding' }).click();
  await page.getByText(/Saved\. The hosted pages use it/).waitFor();
  await app.goto(authorize('s2', 'login'));
  const hostedColour = await app.locator(`${pw} button[type=submit]`).evaluate((b) => getComputedStyle(b).backgroundColor);
  check(hostedColour === 'rgb(15, 118, 110)', `the hosted page wears the colour: ${hostedColour}`);
  await app.screenshot({ path: `${artifacts}/hosted-sign-in-branded.png` });
  await app.close();

  // 9. Every other page draws and passes axe.
  for (const [label, title] of [['Settings', 'Settings'], ['APIs & roles', 'APIs & roles'], ['Organizations', 'Organizations'],
    ['Identity providers', 'Identity providers'], ['Custom domains', 'Custom domains'], ['Mail outbox', 'Mail outbox']]) {
    await nav(label);
    await heading(title);
    await page.waitForFunction(() => !document.querySelector('.loading'));
    await axe(page, label);
  }
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('heading', { name: 'Members' }).waitFor();
  await axe(page, 'team');
  // A new team, selected once made (it owns nothing yet).
  await page.getByRole('link', { name: 'New team' }).click();
  await heading('New team');
  await axe(page, 'new team');
  await page.getByLabel('Team name').fill('Platform crew');
  await page.getByLabel('Team slug').fill(`crew-${stamp}`);
  await page.getByRole('button', { name: 'Create team' }).click();
  await heading('Applications');
  await page.getByText('No applications yet').waitFor();
  check((await page.locator('#team option:checked').textContent()) === 'Platform crew', 'the new team is selected');

  // 10. Screenshots: light and dark, desktop and phone; axe in dark too.
  await page.goto(`${dashboard}/apps/${appId}`);
  await heading('Shop');
  await page.screenshot({ path: `${artifacts}/overview-light.png`, fullPage: true });
  await page.getByRole('button', { name: /Theme: system/ }).click();
  check((await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 'the toggle picks dark');
  await page.screenshot({ path: `${artifacts}/overview-dark.png`, fullPage: true });
  await axe(page, 'overview (dark)');
  await page.goto(`${dashboard}/apps/${appId}/audit`);
  await heading('Audit log');
  await page.getByText(/Chain verified/).waitFor();
  await page.screenshot({ path: `${artifacts}/audit-dark.png` });
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${dashboard}/apps/${appId}/users`);
  await heading('Users');
  await page.getByRole('link', { name: user.email }).waitFor();
  check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scroll at 375px');
  await axe(page, 'users (phone, dark)');
  await page.screenshot({ path: `${artifacts}/users-phone-dark.png`, fullPage: true });

  // 11. Sign out ends the session at the OP: the welcome page, and a
  // sign-in asks for the password again.
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.locator('.user-menu summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading('Aero2 Dashboard');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/login');

  Object.assign(result, { ok: problems.length === 0, app_id: appId, client_id: clientId, user_id: userId, developer: developer.email, slug, axed });
} catch (e) {
  problems.push(`failed: ${e.stack ?? e}`);
  await page.screenshot({ path: `${artifacts}/failure.png`, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  client.close();
}
if (problems.length) {
  console.log(problems.join('\n'));
  result.ok = false;
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);

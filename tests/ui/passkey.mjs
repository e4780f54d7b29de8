// Passkeys on Aero2's hosted pages in real headless Chromium, with the
// browser's own virtual authenticator (the DevTools WebAuthn domain): the
// application requires a second factor, so after the password the user
// makes a passkey ("Add a passkey instead"), saves the recovery codes and
// lands on the client; then, in a fresh session, "Sign in with a passkey"
// signs in with no password at all. Fails on any CSP violation or page
// error. Run by the black-box suite (tests/blackbox/ui.rs), which
// provisions the application and passes its coordinates in the environment.
import { callbackServer, env, openPage } from './browser.mjs';

const port = env('AERO2_PORT');
const slug = env('AERO2_SLUG');
const clientId = env('AERO2_CLIENT_ID');
const email = env('AERO2_EMAIL');
const password = env('AERO2_PASSWORD');
const redirect = env('AERO2_REDIRECT');

const issuer = `http://${slug}.localhost:${port}`;
const authorize = `${issuer}/oauth2/authorize?` + new URLSearchParams({
  response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'openid',
  state: 'passkey-state', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
});

const client = await callbackServer(redirect);
const { landed } = client;

const problems = [];
let step = 'start';
const check = (ok, what) => { if (!ok) problems.push(what); };
const atClient = (u) => u.href.startsWith(redirect);
// Until the client's callback, allowing the consent page if it comes.
const toClient = async (page, click) => {
  await Promise.all([page.waitForURL((u) => atClient(u) || u.pathname === '/consent'), click()]);
  if (new URL(page.url()).pathname === '/consent') {
    await Promise.all([page.waitForURL(atClient), page.click('button[value=allow]')]);
  }
};

const { browser, context, page } = await openPage(problems);
try {

  // A platform authenticator that verifies the user (like Touch ID).
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });

  // Password, then the required second factor: a new passkey.
  await page.goto(authorize);
  await page.fill('main > form:not([data-passkey]) input[name=email]', email);
  await page.fill('input[name=password]', password);
  step = 'password';
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"]:not([data-passkey]) button[type=submit]')]);
  check((await page.textContent('h1'))?.includes('Set up two-step verification'), `enrolment page, got ${await page.textContent('h1')}`);
  const add = page.locator('form[data-passkey] button');
  check(await add.isVisible(), 'the passkey button is shown where WebAuthn is');
  step = 'make a passkey';
  await Promise.all([page.waitForSelector('ul.codes'), add.click()]);
  check((await page.locator('ul.codes li').count()) === 10, 'ten recovery codes');
  step = 'recovery codes saved';
  await toClient(page, () => page.click('button[type=submit]'));
  check(landed.at(-1)?.searchParams.get('code')?.startsWith('ac_'), 'a code after enrolling');

  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  check(credentials.length === 1 && credentials[0].isResidentCredential, `one discoverable credential, got ${JSON.stringify(credentials.map((c) => c.rpId))}`);
  check(credentials[0]?.rpId === `${slug}.localhost`, `RP ID is the application's host, got ${credentials[0]?.rpId}`);

  // A new session: no password at all.
  await context.clearCookies();
  await page.goto(authorize);
  const passkey = page.locator('form[data-passkey="sign_in"] button');
  check(await passkey.isVisible(), 'Sign in with a passkey');
  step = 'sign in with the passkey';
  await toClient(page, () => passkey.click());
  check(landed.at(-1)?.searchParams.get('code')?.startsWith('ac_'), 'a code from the passkey alone');
  const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  check(after.credentials[0]?.signCount >= 1, 'the authenticator signed');
} catch (e) {
  const seen = await page.evaluate(() => `${location.pathname} | ${document.querySelector('h1')?.textContent} | ${[...document.querySelectorAll('[role=alert]')].map((a) => a.textContent).join(' / ')}`).catch(() => '?');
  problems.push(`error at "${step}": ${e.message.split('\n')[0]} (page: ${seen})`);
} finally {
  await browser.close();
  client.close();
}

const result = { ok: problems.length === 0, problems, codes: landed.map((u) => u.searchParams.get('code')) };
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);

// What the Chromium scripts run by the black-box suite share: their
// environment, and a page in Debian's headless Chromium at phone width
// that records every CSP violation and page error in `problems`.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';

export const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`missing ${k}`); return v; };

export async function openPage(problems) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { browser, context, page };
}

// The client application: a real server on the redirect URI's port that
// records every URL it receives there (redirected navigations are not
// interceptable). `landed` holds them, oldest first.
export async function callbackServer(redirect) {
  const landed = [];
  const target = new URL(redirect);
  const server = createServer((req, res) => {
    const u = new URL(req.url, target.origin);
    if (u.pathname === target.pathname) landed.push(u);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>client callback</p>');
  });
  await new Promise((ok) => server.listen(Number(target.port), '127.0.0.1', ok));
  return { landed, close: () => server.close() };
}

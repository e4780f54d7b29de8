// What the Chromium scripts run by the black-box suite share: their
// environment, and a page in Debian's headless Chromium at phone width
// that records every CSP violation and page error in `problems`.
import { chromium } from 'playwright-core';

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

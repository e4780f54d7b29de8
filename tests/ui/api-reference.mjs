// The API reference on the Dashboard's host, in Debian's headless
// Chromium: Scalar draws our OpenAPI document under the page's CSP (inline
// styles only, no inline script, nothing fetched from elsewhere), every
// tag's section is there, an operation opens, and axe finds no serious or
// critical violation.
// Env: AERO2_PORT; AERO2_ARTIFACTS (screenshots).
import { readFileSync, mkdirSync } from 'node:fs';
import { env, openPage } from './browser.mjs';

const port = env('AERO2_PORT');
const artifacts = process.env.AERO2_ARTIFACTS || 'target/ui-artifacts/api-reference';
mkdirSync(artifacts, { recursive: true });
const origin = `http://dashboard.localhost:${port}`;
const problems = [];
const { browser, context, page } = await openPage(problems);
await page.setViewportSize({ width: 1280, height: 900 });
const foreign = [];
page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url()); });
page.on('console', (m) => { if (m.type() === 'error' && !/Content Security Policy/.test(m.text())) problems.push(`console error: ${m.text()}`); });

try {
  const resp = await page.goto(`${origin}/api/reference`);
  if (resp.status() !== 200) throw new Error(`reference page: ${resp.status()}`);
  const doc = await page.evaluate(() => fetch('/api/v1/openapi.json').then((r) => r.json()));
  // Scalar renders each tag as a section; wait for the first and the last.
  const tags = doc.tags.map((t) => t.name).filter((n) => n !== 'Missing');
  await page.getByRole('heading', { name: tags[0], exact: true }).first().waitFor({ timeout: 30000 });
  await page.getByRole('heading', { name: doc.info.title }).first().waitFor();
  const text = await page.locator('body').innerText();
  for (const t of tags) if (!text.includes(t)) problems.push(`tag ${t} not shown`);
  // One operation's summary, from the document, is on the page.
  const create = doc.paths['/api/v1/applications'].post.summary;
  if (!text.includes(create)) problems.push(`operation "${create}" not shown`);
  await page.screenshot({ path: `${artifacts}/reference.png` });

  await page.evaluate(readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8'));
  const axe = await page.evaluate(async () => (await globalThis.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`));
  for (const v of axe) problems.push(`axe: ${v}`);
  if (foreign.length) problems.push(`requests leaving the deployment: ${[...new Set(foreign)].join(', ')}`);
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('api reference: ok');

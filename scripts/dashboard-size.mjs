// The Dashboard's first load: the JavaScript and CSS its built index.html
// loads (ui/dashboard/dist), gzip-compressed as served. Prints the figures
// and fails past the budget (200 KB of JavaScript, gzip).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGET_JS_GZIP = 200 * 1024;
const dist = new URL('../ui/dashboard/dist/', import.meta.url).pathname;
const index = readFileSync(join(dist, 'index.html'), 'utf8');
const files = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
if (!files.some((f) => f.endsWith('.js'))) throw new Error('index.html loads no script: build ui/dashboard first');
let js = 0;
let css = 0;
for (const f of files) {
  const size = gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  if (f.endsWith('.js')) js += size;
  else css += size;
  console.log(`  ${f}: ${(size / 1024).toFixed(1)} KB gzip`);
}
console.log(`Dashboard first load: ${(js / 1024).toFixed(1)} KB of JavaScript, ${(css / 1024).toFixed(1)} KB of CSS (gzip); budget ${BUDGET_JS_GZIP / 1024} KB of JavaScript`);
if (js > BUDGET_JS_GZIP) {
  console.error('over budget');
  process.exit(1);
}

// The examples, end to end in Debian's headless Chromium: the React SPA
// (examples/react-spa, on @aero2/react and @aero2/sdk-js) signs a user in
// on the application's hosted page, calls the Hono API (examples/hono-api,
// on @aero2/hono) with the user's token, is refused what the user's roles
// do not allow, switches to an organization, survives a reload (a silent
// sign-in), and signs out.
// Env: AERO2_EXAMPLE (JSON: issuer, clientId, audience, email, password,
// organization, spaPort, apiPort).
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { serve } from '@hono/node-server'
import { env, openPage } from './browser.mjs'
import { createApp } from '../../examples/hono-api/app.mjs'

const x = JSON.parse(env('AERO2_EXAMPLE'))
const spa = `http://127.0.0.1:${x.spaPort}`
const api = `http://127.0.0.1:${x.apiPort}`
const dist = new URL('../../examples/react-spa/dist/', import.meta.url).pathname
const problems = []
const check = (ok, what) => { if (!ok) problems.push(what) }

// The SPA's files (index.html for any page path), and its configuration.
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' }
const files = createServer(async (req, res) => {
  const path = new URL(req.url, spa).pathname
  if (path === '/config.json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: x.issuer, clientId: x.clientId, api, audience: x.audience, organization: x.organization }))
    return
  }
  const file = extname(path) ? join(dist, path) : join(dist, 'index.html')
  const body = await readFile(file).catch(() => null)
  if (body === null) res.writeHead(404).end()
  else res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body)
})
await new Promise((ok) => files.listen(x.spaPort, '127.0.0.1', ok))
// The API: *.localhost (the issuer's JWKS) resolved to loopback for Node.
const { Agent, setGlobalDispatcher } = await import('undici')
setGlobalDispatcher(new Agent({ connect: { lookup: (h, o, cb) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) } }))
const apiServer = serve({ fetch: createApp({ issuer: x.issuer, audience: x.audience, allowedOrigin: spa }).fetch, port: x.apiPort, hostname: '127.0.0.1' })

const { browser, page } = await openPage(problems)
await page.setViewportSize({ width: 1024, height: 768 })
page.on('console', (m) => { if (m.type() === 'error' && !/status of 40[134]/.test(m.text())) problems.push(`console error: ${m.text()}`) })
// Only the API's refusals (401/403 the test provokes) may fail.
page.on('response', (r) => { if (r.status() >= 400 && !r.url().startsWith(`${api}/api/`)) problems.push(`${r.status()} from ${r.url()}`) })
const answer = async () => JSON.parse((await page.getByTestId('answer').textContent()).replace(/^\d+ /, ''))
const status = async () => Number((await page.getByTestId('answer').textContent()).split(' ')[0])
try {
  await page.goto(spa)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((u) => u.href.startsWith(`${x.issuer}/login`))
  await page.fill('input[name=email]', x.email)
  await page.fill('input[name=password]', x.password)
  await page.click('main form button[type=submit]')
  await page.getByTestId('user').waitFor()
  check((await page.getByTestId('user').textContent()) === 'Ada Lovelace', 'the user is shown')
  check(new URL(page.url()).pathname === '/', `back where the sign-in started: ${page.url()}`)

  await page.getByRole('button', { name: 'Load notes' }).click()
  await page.getByTestId('answer').waitFor()
  let a = await answer()
  check((await status()) === 200 && a.organization === null && JSON.stringify(a.permissions) === '["read:notes"]', `the API read the token: ${JSON.stringify(a)}`)
  await page.getByRole('button', { name: 'Add a note' }).click()
  await page.waitForFunction(() => document.querySelector('[data-testid=answer]').textContent.startsWith('403'))
  check((await answer()).error === 'insufficient_scope', 'the role does not give write:notes')

  await page.getByRole('button', { name: `Switch to ${x.organization}` }).click()
  await page.waitForFunction((slug) => document.querySelector('[data-testid=organization]')?.textContent === `Organization: ${slug}`, x.organization)
  await page.getByRole('button', { name: 'Load notes' }).click()
  await page.waitForFunction(() => document.querySelector('[data-testid=answer]')?.textContent.includes('organization'))
  a = await answer()
  check(a.organization === x.organization, `the token is the organization's: ${JSON.stringify(a)}`)

  // A reload: tokens were in memory only; the session comes back silently.
  await page.reload()
  await page.getByTestId('user').waitFor()
  check(!page.url().includes('/login'), 'no sign-in page on reload')

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('button', { name: 'Sign in' }).waitFor()
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((u) => u.href.startsWith(`${x.issuer}/login`))
  check(true, 'signed out at Aero2 too: the next sign-in asks for the password')
} catch (e) {
  problems.push(`failed: ${e.stack ?? e}`)
  await page.screenshot({ path: 'target/ui-artifacts/examples-failure.png' }).catch(() => {})
} finally {
  await browser.close()
  files.close()
  apiServer.close()
}
if (problems.length) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log('examples: ok')

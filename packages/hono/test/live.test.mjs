// @aero2/hono against a running Aero2 (no mock): real tokens from the
// instance, a real Hono app (its in-process fetch, as on Workers).
// Run by the black-box suite with AERO2_PORT and AERO2_OPERATOR.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, setGlobalDispatcher } from 'undici'
import { Hono } from 'hono'
import { aero2, requirePermissions, requireScopes, requireOrganization } from '@aero2/hono'
import { createManagementClient } from '@aero2/node/management'

const port = process.env.AERO2_PORT
const loopback = (host, opts, cb) => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))
setGlobalDispatcher(new Agent({ connect: { lookup: loopback } }))
const api = createManagementClient({ baseUrl: `http://dashboard.localhost:${port}`, credential: process.env.AERO2_OPERATOR })
const unique = (p) => `${p}-${Math.random().toString(36).slice(2, 10)}`
async function ok(call) {
  const { data, error, response } = await call
  assert.ok(response.ok, `${response.status} ${JSON.stringify(error)}`)
  return data
}

let issuer, audience, token
before(async () => {
  const app = await ok(api.POST('/api/v1/applications', { body: { slug: unique('hono'), name: 'Hono test' } }))
  issuer = `http://${app.slug}.localhost:${port}`
  audience = `https://api.example.com/${unique('notes')}`
  const path = { application_id: app.id }
  const created = await ok(api.POST('/api/v1/applications/{application_id}/apis', {
    params: { path },
    body: { identifier: audience, name: 'Notes', permissions: [{ value: 'read:notes' }, { value: 'write:notes' }] },
  }))
  const client = await ok(api.POST('/api/v1/applications/{application_id}/clients', {
    params: { path },
    body: { name: 'Worker', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] },
  }))
  await ok(api.PUT('/api/v1/applications/{application_id}/clients/{client_id}/grants', {
    params: { path: { ...path, client_id: client.client_id } },
    body: { grants: [{ api_id: created.id, permissions: ['read:notes'] }] },
  }))
  const res = await fetch(`${issuer}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience }),
  })
  assert.equal(res.status, 200)
  token = (await res.json()).access_token
})

function app() {
  const app = new Hono()
  app.use('/api/*', aero2({ issuer, audience }))
  app.get('/api/notes', requirePermissions('read:notes'), (c) => c.json({ sub: c.get('auth').subject, scopes: [...c.get('auth').scopes] }))
  app.post('/api/notes', requirePermissions('write:notes'), (c) => c.json({ ok: true }))
  app.get('/api/admin', requireScopes('admin'), (c) => c.json({ ok: true }))
  app.get('/api/org', requireOrganization(), (c) => c.json({ ok: true }))
  app.get('/public', (c) => c.text('hello'))
  return app
}

test('c.get("auth") holds the verified token; guards check permissions', async () => {
  const a = app()
  const bearer = { authorization: `Bearer ${token}` }
  const r = await a.request('/api/notes', { headers: bearer })
  assert.equal(r.status, 200)
  const body = await r.json()
  assert.deepEqual(body.scopes, ['read:notes'])
  assert.ok(body.sub)
  const w = await a.request('/api/notes', { method: 'POST', headers: bearer })
  assert.equal(w.status, 403)
  assert.match(w.headers.get('www-authenticate'), /insufficient_scope/)
  assert.equal((await a.request('/api/admin', { headers: bearer })).status, 403)
  const o = await a.request('/api/org', { headers: bearer })
  assert.equal(o.status, 403)
  assert.equal((await o.json()).error, 'forbidden')
  assert.equal(await (await a.request('/public')).text(), 'hello', 'outside the middleware: untouched')
})

test('no token, a forged one, or one for another API: 401 with the challenge', async () => {
  const a = app()
  const none = await a.request('/api/notes')
  assert.equal(none.status, 401)
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"')
  assert.equal(none.headers.get('cache-control'), 'no-store')
  const forged = await a.request('/api/notes', { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } })
  assert.equal(forged.status, 401)
  assert.match(forged.headers.get('www-authenticate'), /error="invalid_token"/)
  const other = new Hono()
  other.use('*', aero2({ issuer, audience: 'https://api.example.com/else' }))
  other.get('/', (c) => c.text('no'))
  assert.equal((await other.request('/', { headers: { authorization: `Bearer ${token}` } })).status, 401)
  const optional = new Hono()
  optional.use('*', aero2({ issuer, audience, optional: true }))
  optional.get('/', (c) => c.json({ signedIn: Boolean(c.get('auth')) }))
  assert.deepEqual(await (await optional.request('/')).json(), { signedIn: false })
})

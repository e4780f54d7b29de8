// @aero2/node against a running Aero2 (no mock): the black-box suite
// starts the instance and runs this with AERO2_PORT and AERO2_OPERATOR.
// Everything is provisioned through the package's own typed management
// client; tokens come from the instance's token endpoint.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Agent, setGlobalDispatcher } from 'undici'
import express from 'express'
import { createVerifier, requireAuth } from '@aero2/node'
import { createManagementClient } from '@aero2/node/management'

const port = process.env.AERO2_PORT
const operator = process.env.AERO2_OPERATOR
// *.localhost goes to the instance on loopback (Node's resolver knows no subdomains of localhost).
const loopback = (host, opts, cb) => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))
setGlobalDispatcher(new Agent({ connect: { lookup: loopback } }))

const unique = (p) => `${p}-${Math.random().toString(36).slice(2, 10)}`
const api = createManagementClient({ baseUrl: `http://dashboard.localhost:${port}`, credential: operator })

/** The answer's data, or a failed assertion naming the status and error. */
async function ok(call) {
  const { data, error, response } = await call
  assert.ok(response.ok, `${response.status} ${JSON.stringify(error)}`)
  return data
}

/** An application with an API and a machine client granted read:invoices. */
async function provision() {
  const app = await ok(api.POST('/api/v1/applications', { body: { slug: unique('sdk'), name: 'SDK test' } }))
  const issuer = `http://${app.slug}.localhost:${port}`
  const audience = `https://api.example.com/${unique('invoices')}`
  const path = { application_id: app.id }
  const apiRecord = await ok(api.POST('/api/v1/applications/{application_id}/apis', {
    params: { path },
    body: { identifier: audience, name: 'Invoices', permissions_claim: true, permissions: [{ value: 'read:invoices' }, { value: 'write:invoices' }] },
  }))
  const client = await ok(api.POST('/api/v1/applications/{application_id}/clients', {
    params: { path },
    body: { name: 'Billing job', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] },
  }))
  await ok(api.PUT('/api/v1/applications/{application_id}/clients/{client_id}/grants', {
    params: { path: { ...path, client_id: client.client_id } },
    body: { grants: [{ api_id: apiRecord.id, permissions: ['read:invoices'] }] },
  }))
  const token = async () => {
    const res = await fetch(`${issuer}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience }),
    })
    assert.equal(res.status, 200)
    return (await res.json()).access_token
  }
  return { app, issuer, audience, client, token }
}

let a, b
before(async () => {
  ;[a, b] = await Promise.all([provision(), provision()])
})

test('a machine token for the API is verified, with what it grants', async () => {
  const verifier = createVerifier({ issuer: a.issuer, audience: a.audience })
  const auth = await verifier.verify(await a.token())
  assert.equal(auth.subject, a.client.client_id)
  assert.ok(auth.isMachine)
  assert.deepEqual(auth.claims.permissions, ['read:invoices'])
  assert.ok(auth.hasPermission('read:invoices'))
  assert.ok(!auth.hasPermission('write:invoices'))
  assert.equal(auth.organization, null)
  const again = await verifier.verifyHeader(`Bearer ${auth.token}`)
  assert.equal(again.claims.jti, auth.claims.jti)
})

test('tokens of another API, another application, or tampered with are refused', async () => {
  const verifier = createVerifier({ issuer: a.issuer, audience: a.audience })
  const refused = async (token, why) => {
    await assert.rejects(verifier.verify(token), (e) => e.name === 'AuthError' && e.status === 401 && e.code === 'invalid_token' && why.test(e.message))
  }
  await refused(await b.token(), /iss|key/)
  const otherAudience = createVerifier({ issuer: a.issuer, audience: 'https://api.example.com/other' })
  await assert.rejects(otherAudience.verify(await a.token()), (e) => e.code === 'invalid_token' && /aud/.test(e.message))
  const [h, p, s] = (await a.token()).split('.')
  const claims = JSON.parse(Buffer.from(p, 'base64url'))
  claims.permissions = ['read:invoices', 'write:invoices']
  await refused(`${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`, /signature/)
  await assert.rejects(verifier.verifyHeader(undefined), (e) => e.status === 401 && e.code === 'invalid_request')
  await assert.rejects(verifier.verifyHeader('Basic abc'), (e) => e.status === 400)
})

test('a key rotation is followed without a restart', async () => {
  let fetches = 0
  const counting = (...args) => { fetches += 1; return fetch(...args) }
  const verifier = createVerifier({ issuer: a.issuer, audience: a.audience, fetch: counting, jwksCooldownSeconds: 1 })
  const before = await verifier.verify(await a.token())
  await ok(api.POST('/api/v1/applications/{application_id}/signing-keys/rotate', {
    params: { path: { application_id: a.app.id } },
    body: { activate_after_seconds: 0 },
  }))
  await new Promise((r) => setTimeout(r, 1100))
  const token = await a.token()
  const kid = (t) => JSON.parse(Buffer.from(t.split('.')[0], 'base64url')).kid
  assert.notEqual(kid(token), kid(before.token), 'signed by the new key')
  await verifier.verify(token)
  await verifier.verify(token)
  assert.equal(fetches, 2, 'the key set was fetched once more, for the unknown key only')
})

test('Express middleware answers as RFC 6750 says', async () => {
  const verifier = createVerifier({ issuer: a.issuer, audience: a.audience })
  const app = express()
  app.get('/invoices', requireAuth(verifier, { permissions: ['read:invoices'] }), (req, res) => res.json({ sub: req.auth.subject }))
  app.post('/invoices', requireAuth(verifier, { permissions: ['write:invoices'] }), (_req, res) => res.json({ ok: true }))
  app.get('/org', requireAuth(verifier, { organization: true }), (_req, res) => res.json({ ok: true }))
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  after(() => server.close())
  const base = `http://127.0.0.1:${server.address().port}`
  const token = await a.token()
  const call = (method, path, headers = {}) => fetch(`${base}${path}`, { method, headers })

  const good = await call('GET', '/invoices', { authorization: `Bearer ${token}` })
  assert.equal(good.status, 200)
  assert.deepEqual(await good.json(), { sub: a.client.client_id })

  const none = await call('GET', '/invoices')
  assert.equal(none.status, 401)
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"', 'no error code without a token (RFC 6750 §3.1)')
  assert.equal((await none.json()).error, 'unauthorized')

  const forged = await call('GET', '/invoices', { authorization: `Bearer ${token.slice(0, -4)}AAAA` })
  assert.equal(forged.status, 401)
  assert.match(forged.headers.get('www-authenticate'), /error="invalid_token"/)

  const write = await call('POST', '/invoices', { authorization: `Bearer ${token}` })
  assert.equal(write.status, 403)
  assert.match(write.headers.get('www-authenticate'), /error="insufficient_scope".*scope="write:invoices"/)

  const org = await call('GET', '/org', { authorization: `Bearer ${token}` })
  assert.equal(org.status, 403)
  assert.equal((await org.json()).error, 'forbidden')
})

test('the typed management client reads and writes, and reports errors', async () => {
  const path = { application_id: a.app.id }
  const email = `${unique('ada')}@example.com`
  const user = await ok(api.POST('/api/v1/applications/{application_id}/users', {
    params: { path },
    body: { email, password: 'correct horse battery staple', metadata: { plan: 'pro' } },
  }))
  assert.deepEqual(user.metadata, { plan: 'pro' })
  const page = await ok(api.GET('/api/v1/applications/{application_id}/users', { params: { path, query: { email: email.slice(0, 8), limit: 10 } } }))
  assert.deepEqual(page.users.map((u) => u.id), [user.id])
  const { error, response } = await api.GET('/api/v1/applications/{application_id}/users/{user_id}', {
    params: { path: { application_id: b.app.id, user_id: user.id } },
  })
  assert.equal(response.status, 404, 'another application: as if it did not exist')
  assert.equal(error.error, 'not_found')
  const key = createManagementClient({ baseUrl: `http://dashboard.localhost:${port}`, credential: 'sk_live_wrong' })
  assert.equal((await key.GET('/api/v1/applications')).response.status, 401)
})

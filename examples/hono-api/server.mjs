// node server.mjs  (AERO2_ISSUER, AERO2_AUDIENCE, ALLOWED_ORIGIN, PORT)
import { serve } from '@hono/node-server'
import { Agent, setGlobalDispatcher } from 'undici'
import { createApp } from './app.mjs'

const env = (k, d) => process.env[k] ?? d ?? (() => { throw new Error(`set ${k}`) })()
const issuer = env('AERO2_ISSUER')
// A local Aero2 (http://myapp.localhost:8787): Node's resolver knows no
// subdomains of localhost, so send them to loopback (production issuers
// resolve as usual).
if (new URL(issuer).hostname.endsWith('.localhost')) {
  const loopback = (_host, opts, cb) => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))
  setGlobalDispatcher(new Agent({ connect: { lookup: loopback } }))
}
const app = createApp({ issuer, audience: env('AERO2_AUDIENCE'), allowedOrigin: env('ALLOWED_ORIGIN', 'http://localhost:5173') })
const port = Number(env('PORT', '8788'))
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(`notes API on http://127.0.0.1:${port}`))

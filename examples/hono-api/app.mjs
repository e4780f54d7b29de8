// The API: notes, readable with `read:notes`, writable with `write:notes`,
// kept per organization when the token is issued in one. The same app
// serves on Cloudflare Workers (`export default createApp(env)`).
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { aero2, requirePermissions } from '@aero2/hono'

export function createApp({ issuer, audience, allowedOrigin }) {
  const notes = new Map()
  const app = new Hono()
  app.use('/api/*', cors({ origin: allowedOrigin, allowHeaders: ['authorization', 'content-type'], allowMethods: ['GET', 'POST'] }))
  app.use('/api/*', aero2({ issuer, audience }))
  const key = (auth) => auth.organization?.id ?? auth.subject
  app.get('/api/notes', requirePermissions('read:notes'), (c) => {
    const auth = c.get('auth')
    return c.json({ user: auth.subject, organization: auth.organization?.slug ?? null, permissions: auth.claims.permissions ?? [], notes: notes.get(key(auth)) ?? [] })
  })
  app.post('/api/notes', requirePermissions('write:notes'), (c) => {
    const auth = c.get('auth')
    const list = notes.get(key(auth)) ?? []
    list.push({ at: Date.now(), by: auth.subject })
    notes.set(key(auth), list)
    return c.json({ ok: true, count: list.length }, 201)
  })
  return app
}

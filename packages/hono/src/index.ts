// @aero2/hono: Aero2 access tokens in Hono (Cloudflare Workers, Node,
// Deno, Bun).
//
//     const app = new Hono<Aero2Env>()
//     app.use('/api/*', aero2({ issuer: 'https://myapp.example.com', audience: 'https://api.example.com' }))
//     app.get('/api/invoices', requirePermissions('read:invoices'), (c) => c.json({ user: c.get('auth').subject }))

import { AuthError, check, createVerifier, type Auth, type Requirements, type Verifier, type VerifierOptions } from '@aero2/node'
import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'

export type { Auth, Requirements, VerifierOptions } from '@aero2/node'
export { AuthError } from '@aero2/node'

/** The variables the middleware sets: `c.get('auth')`. */
export type Aero2Env = { Variables: { auth: Auth } }

export interface Aero2Options extends VerifierOptions {
  /** The realm named in `WWW-Authenticate` (default `api`). */
  realm?: string
  /** Let requests without a token through (`c.get('auth')` is then unset). */
  optional?: boolean
}

function refuse(c: Context, e: AuthError, realm: string): Response {
  return c.json(e.body(), e.status, { 'www-authenticate': e.challenge(realm), 'cache-control': 'no-store' })
}

/**
 * Verifies the bearer token of every request it sees and sets
 * `c.get('auth')`; refuses with 400/401 (RFC 6750) otherwise. One verifier
 * per middleware: its key set is cached across requests (in a Worker,
 * across the requests an isolate serves).
 */
export function aero2(options: Aero2Options | { verifier: Verifier; realm?: string; optional?: boolean }): MiddlewareHandler<Aero2Env> {
  const verifier = 'verifier' in options ? options.verifier : createVerifier(options)
  const realm = options.realm ?? 'api'
  return createMiddleware<Aero2Env>(async (c, next) => {
    const header = c.req.header('authorization')
    if (!header && options.optional) return next()
    try {
      c.set('auth', await verifier.verifyHeader(header))
    } catch (e) {
      if (e instanceof AuthError) return refuse(c, e, realm)
      throw e
    }
    return next()
  })
}

/** A guard: the request's token must meet `requirements` (403 otherwise). */
export function requireAuth(requirements: Requirements = {}, realm = 'api'): MiddlewareHandler<Aero2Env> {
  return createMiddleware<Aero2Env>(async (c, next) => {
    const auth = c.get('auth')
    if (!auth) return refuse(c, new AuthError(401, 'invalid_request', 'an access token is required'), realm)
    try {
      check(auth, requirements)
    } catch (e) {
      if (e instanceof AuthError) return refuse(c, e, realm)
      throw e
    }
    return next()
  })
}

/** Every one of these scopes. */
export const requireScopes = (...scopes: string[]) => requireAuth({ scopes })
/** Every one of these permissions of your API. */
export const requirePermissions = (...permissions: string[]) => requireAuth({ permissions })
/** Issued in an organization (any, or this id or slug), optionally with one of these roles. */
export const requireOrganization = (organization: true | string = true, roles?: string[]) =>
  requireAuth({ organization, organizationRoles: roles })

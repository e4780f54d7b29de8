// @aero2/node: protect an API with Aero2.
//
// Access tokens are JWTs (RFC 9068) signed by the application's keys. A
// verifier checks the signature against the application's JWKS (fetched
// once, cached, fetched again when a token names a key it does not know:
// key rotation needs nothing from you), `typ` `at+jwt`, `iss`, `aud`,
// `exp`/`nbf`, and hands back what the token grants: scopes, permissions,
// the organization. Runs wherever `fetch` and WebCrypto do (Node 20+,
// Workers, Deno, Bun).

import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose'

export interface VerifierOptions {
  /** The application's issuer: `https://myapp.example.com` (no trailing slash). */
  issuer: string
  /** Your API's identifier (its `aud`), or several. */
  audience: string | string[]
  /** Default: `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string
  /** Seconds of clock skew tolerated on `exp`/`nbf` (default 5). */
  clockTolerance?: number
  /** How the JWKS is fetched (default: the global `fetch`). */
  fetch?: typeof fetch
  /**
   * A token naming a key the cached JWKS lacks fetches it again, at most
   * once in this many seconds (default 30). Aero2 publishes new keys an
   * hour before they sign, so only an immediate rotation relies on this.
   */
  jwksCooldownSeconds?: number
}

/** The claims of an Aero2 access token. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string
  client_id: string
  scope?: string
  /** With the API's `permissions_claim`: the user's permissions for it. */
  permissions?: string[]
  /** Set instead of `permissions` when the list was too long for the token. */
  permissions_introspection?: string
  org_id?: string
  org_slug?: string
  org_roles?: string[]
  auth_time?: number
  acr?: string
  amr?: string[]
  [claim: string]: unknown
}

/** A verified token and what it allows. */
export interface Auth {
  token: string
  claims: AccessTokenClaims
  /** `sub`: the user, or the client itself for a machine token. */
  subject: string
  /** Whether the token was issued to a client for itself (`client_credentials`). */
  isMachine: boolean
  scopes: ReadonlySet<string>
  /** The organization the token was issued in, if any. */
  organization: { id: string; slug?: string; roles: string[] } | null
  hasScope(scope: string): boolean
  /** A permission of your API: in `permissions` when the token carries them, else in `scope`. */
  hasPermission(permission: string): boolean
}

/** Why a request is refused, as RFC 6750 says to answer it. */
export class AuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly code: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'forbidden',
    description: string,
    /** For `insufficient_scope`: the scopes that would do. */
    readonly scope?: string,
  ) {
    super(description)
    this.name = 'AuthError'
  }

  /** The `WWW-Authenticate` value for this refusal. */
  challenge(realm = 'api'): string {
    const parts = [`realm="${realm}"`]
    // RFC 6750 §3.1: no error code when no token was presented at all.
    if (!(this.status === 401 && this.code === 'invalid_request')) {
      parts.push(`error="${this.code === 'forbidden' ? 'insufficient_scope' : this.code}"`)
      parts.push(`error_description="${this.message.replace(/["\\]/g, '')}"`)
    }
    if (this.scope) parts.push(`scope="${this.scope}"`)
    return `Bearer ${parts.join(', ')}`
  }

  /** The JSON body to answer with. */
  body(): { error: string; error_description: string } {
    return { error: this.status === 401 && this.code === 'invalid_request' ? 'unauthorized' : this.code, error_description: this.message }
  }
}

export interface Verifier {
  verify(token: string): Promise<Auth>
  /** Reads `Authorization: Bearer …` (exactly one token) and verifies it. */
  verifyHeader(authorization: string | null | undefined): Promise<Auth>
}

export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = options.issuer.replace(/\/+$/, '')
  const jwksUri = new URL(options.jwksUri ?? `${issuer}/.well-known/jwks.json`)
  const jwks = createRemoteJWKSet(jwksUri, {
    cacheMaxAge: 10 * 60 * 1000,
    cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  })
  const verify = async (token: string): Promise<Auth> => {
    try {
      const { payload } = await jwtVerify<AccessTokenClaims>(token, jwks, {
        issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
        clockTolerance: options.clockTolerance ?? 5,
        requiredClaims: ['sub', 'exp', 'iat', 'client_id'],
      })
      return toAuth(token, payload)
    } catch (e) {
      if (e instanceof errors.JOSEError) throw new AuthError(401, 'invalid_token', describe(e))
      throw e
    }
  }
  return {
    verify,
    async verifyHeader(authorization) {
      return verify(bearer(authorization))
    },
  }
}

/** The token of an `Authorization: Bearer` header. */
export function bearer(authorization: string | null | undefined): string {
  if (!authorization) throw new AuthError(401, 'invalid_request', 'an access token is required')
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim())
  if (!m) throw new AuthError(400, 'invalid_request', 'the Authorization header must be "Bearer <token>"')
  return m[1]
}

function describe(e: InstanceType<typeof errors.JOSEError>): string {
  if (e instanceof errors.JWTExpired) return 'the token has expired'
  if (e instanceof errors.JWTClaimValidationFailed) return `the token's ${e.claim} is not accepted here`
  if (e instanceof errors.JWKSNoMatchingKey) return 'the token is not signed by a key of this issuer'
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid'
  return 'the token is invalid'
}

function toAuth(token: string, claims: AccessTokenClaims): Auth {
  const scopes = new Set((claims.scope ?? '').split(' ').filter(Boolean))
  const permissions = Array.isArray(claims.permissions) ? new Set(claims.permissions) : null
  return {
    token,
    claims,
    subject: claims.sub,
    isMachine: claims.sub === claims.client_id,
    scopes,
    organization: typeof claims.org_id === 'string' ? { id: claims.org_id, slug: claims.org_slug, roles: claims.org_roles ?? [] } : null,
    hasScope: (s) => scopes.has(s),
    hasPermission: (p) => (permissions ? permissions.has(p) : scopes.has(p)),
  }
}

/** What a route requires of a verified token. */
export interface Requirements {
  /** Every one of these scopes. */
  scopes?: string[]
  /** Every one of these permissions of your API. */
  permissions?: string[]
  /** Issued in an organization (`true`), or in this one (its id or slug). */
  organization?: true | string
  /** The organization roles, at least one of them. */
  organizationRoles?: string[]
}

/** Throws the `AuthError` for the first requirement `auth` does not meet. */
export function check(auth: Auth, req: Requirements): void {
  const missingScope = req.scopes?.find((s) => !auth.hasScope(s))
  if (missingScope) throw new AuthError(403, 'insufficient_scope', `the token lacks the scope ${missingScope}`, req.scopes?.join(' '))
  const missingPermission = req.permissions?.find((p) => !auth.hasPermission(p))
  if (missingPermission) throw new AuthError(403, 'insufficient_scope', `the token lacks the permission ${missingPermission}`, req.permissions?.join(' '))
  if (req.organization !== undefined) {
    const org = auth.organization
    if (!org) throw new AuthError(403, 'forbidden', 'the token was not issued in an organization')
    if (req.organization !== true && req.organization !== org.id && req.organization !== org.slug) {
      throw new AuthError(403, 'forbidden', 'the token was issued in another organization')
    }
    if (req.organizationRoles && !req.organizationRoles.some((r) => org.roles.includes(r))) {
      throw new AuthError(403, 'forbidden', `the member needs one of the roles ${req.organizationRoles.join(', ')}`)
    }
  }
}

// Express-style middleware (Express, Connect, Fastify's middie, node:http).

interface Request {
  headers: Record<string, string | string[] | undefined>
  auth?: Auth
}
interface Response {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body?: string): unknown
}

/**
 * Middleware that verifies the request's bearer token, checks `req`'s
 * requirements, sets `req.auth`, and otherwise answers 400/401/403 with
 * RFC 6750's `WWW-Authenticate` and a JSON body.
 */
export function requireAuth(verifier: Verifier, requirements: Requirements = {}, realm = 'api') {
  return (req: Request, res: Response, next: (err?: unknown) => void): void => {
    const header = req.headers.authorization
    verifier
      .verifyHeader(Array.isArray(header) ? undefined : header)
      .then((auth) => {
        check(auth, requirements)
        req.auth = auth
        next()
      })
      .catch((e: unknown) => {
        if (!(e instanceof AuthError)) return next(e)
        res.statusCode = e.status
        res.setHeader('www-authenticate', e.challenge(realm))
        res.setHeader('content-type', 'application/json')
        res.setHeader('cache-control', 'no-store')
        res.end(JSON.stringify(e.body()))
      })
  }
}

// Sign-in with Aero2 itself (the Dashboard is an application of the
// platform): authorization code + PKCE as a public client, with
// oauth4webapi. Tokens live in memory only; a reload signs in again
// through the OP's session (one redirect, no password). Only the PKCE
// verifier and state survive the redirect, in sessionStorage.
import * as oauth from 'oauth4webapi'

export const CLIENT_ID = 'aero2-dashboard'
export const MANAGEMENT_API = 'urn:aero2:management-api'
export const SCOPE =
  'openid profile email offline_access read:applications write:applications create:applications delete:applications operate:platform'
export const CALLBACK_PATH = '/callback'

const PENDING = 'aero2.pending'
// A hint (never a token) that this tab was signed in: a reload then
// goes straight back through the OP instead of showing the welcome page.
const SIGNED_IN_HINT = 'aero2.signed_in'
// Renew this long before the access token expires.
const RENEW_EARLY_MS = 60_000

export interface Session {
  accessToken: string
  expiresAt: number
  refreshToken?: string
  idToken?: string
  user: { sub: string; email?: string; name?: string }
  scope: string[]
}

const client: oauth.Client = { client_id: CLIENT_ID, id_token_signed_response_alg: 'ES256' }
const clientAuth = oauth.None()

let server: Promise<oauth.AuthorizationServer> | undefined
let session: Session | undefined
let renewing: Promise<Session> | undefined
const listeners = new Set<() => void>()

function issuer(): URL {
  return new URL(window.location.origin)
}

function authorizationServer(): Promise<oauth.AuthorizationServer> {
  server ??= (async () => {
    const iss = issuer()
    const allowInsecure = iss.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}
    const res = await oauth.discoveryRequest(iss, allowInsecure)
    return oauth.processDiscoveryResponse(iss, res)
  })()
  return server
}

function options(): oauth.TokenEndpointRequestOptions {
  return issuer().protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}
}

function redirectUri(): string {
  return `${window.location.origin}${CALLBACK_PATH}`
}

export function currentSession(): Session | undefined {
  return session
}

/** Whether the signed-in developer is the platform's operator (their token carries `operate:platform`). */
export function isOperator(): boolean {
  return session?.scope.includes('operate:platform') ?? false
}

export function onSessionChange(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

function setSession(next: Session | undefined) {
  session = next
  if (next) sessionStorage.setItem(SIGNED_IN_HINT, '1')
  else sessionStorage.removeItem(SIGNED_IN_HINT)
  listeners.forEach((fn) => fn())
}

export function wasSignedIn(): boolean {
  return sessionStorage.getItem(SIGNED_IN_HINT) === '1'
}

/** Sends the browser to the hosted sign-in page (or sign-up). */
export async function signIn(opts: { returnTo?: string; signUp?: boolean } = {}): Promise<void> {
  const as = await authorizationServer()
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const returnTo = safeReturnTo(opts.returnTo ?? window.location.pathname + window.location.search)
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }))
  const url = new URL(as.authorization_endpoint!)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', CLIENT_ID)
  url.searchParams.set('redirect_uri', redirectUri())
  url.searchParams.set('scope', SCOPE)
  url.searchParams.set('resource', MANAGEMENT_API)
  url.searchParams.set('state', state)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  if (opts.signUp) url.searchParams.set('prompt', 'create')
  window.location.assign(url.href)
}

/** Only a path of this app: never another origin, never the callback. */
export function safeReturnTo(path: string): string {
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\') || path.startsWith(CALLBACK_PATH)) return '/'
  return path
}

export class SignInError extends Error {}

/** Completes the sign-in on the callback page; answers where to go next. */
export async function completeSignIn(callbackUrl: URL): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as
    | { verifier: string; state: string; returnTo: string }
    | null
  sessionStorage.removeItem(PENDING)
  if (!pending) throw new SignInError('This sign-in was not started here (or was already completed). Sign in again.')
  const as = await authorizationServer()
  let params: URLSearchParams
  try {
    params = oauth.validateAuthResponse(as, client, callbackUrl, pending.state)
  } catch (e) {
    if (e instanceof oauth.AuthorizationResponseError) {
      throw new SignInError(e.error_description ?? e.error)
    }
    throw e
  }
  const res = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri(), pending.verifier, options())
  const result = await oauth.processAuthorizationCodeResponse(as, client, res)
  setSession(toSession(result))
  return safeReturnTo(pending.returnTo)
}

function toSession(result: oauth.TokenEndpointResponse, previous?: Session): Session {
  const claims = oauth.getValidatedIdTokenClaims(result)
  const user = claims
    ? { sub: claims.sub, email: claims.email as string | undefined, name: claims.name as string | undefined }
    : previous?.user ?? { sub: '' }
  return {
    accessToken: result.access_token,
    expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
    refreshToken: result.refresh_token ?? previous?.refreshToken,
    idToken: result.id_token ?? previous?.idToken,
    user,
    scope: (result.scope ?? previous?.scope.join(' ') ?? '').split(' ').filter(Boolean),
  }
}

/**
 * A current access token: renewed with the (rotating) refresh token when
 * close to expiry or when `force` is set (the API said 401). One renewal
 * at a time, so a rotated refresh token is never presented twice.
 */
export async function accessToken(force = false): Promise<string> {
  const s = session
  if (!s) throw new SignInError('Not signed in')
  if (!force && s.expiresAt - Date.now() > RENEW_EARLY_MS) return s.accessToken
  renewing ??= renew(s).finally(() => {
    renewing = undefined
  })
  return (await renewing).accessToken
}

async function renew(s: Session): Promise<Session> {
  if (!s.refreshToken) {
    setSession(undefined)
    throw new SignInError('Your session ended. Sign in again.')
  }
  const as = await authorizationServer()
  try {
    const res = await oauth.refreshTokenGrantRequest(as, client, clientAuth, s.refreshToken, options())
    const result = await oauth.processRefreshTokenResponse(as, client, res)
    const next = toSession(result, s)
    setSession(next)
    return next
  } catch (e) {
    // invalid_grant: the family was revoked (sign-out elsewhere, reuse,
    // a disabled account). Start over.
    setSession(undefined)
    throw new SignInError(e instanceof oauth.ResponseBodyError ? (e.error_description ?? e.error) : 'Your session ended. Sign in again.')
  }
}

/** Signs out at the OP (ends the session there) and comes back to /. */
export async function signOut(): Promise<void> {
  const s = session
  const as = await authorizationServer()
  if (s?.refreshToken && as.revocation_endpoint) {
    await oauth.revocationRequest(as, client, clientAuth, s.refreshToken, options()).catch(() => undefined)
  }
  setSession(undefined)
  if (!as.end_session_endpoint) {
    window.location.assign('/')
    return
  }
  const url = new URL(as.end_session_endpoint)
  url.searchParams.set('client_id', CLIENT_ID)
  url.searchParams.set('post_logout_redirect_uri', `${window.location.origin}/`)
  if (s?.idToken) url.searchParams.set('id_token_hint', s.idToken)
  window.location.assign(url.href)
}

/** For tests: a session without the browser dance. */
export function setSessionForTests(s: Session | undefined) {
  setSession(s)
}

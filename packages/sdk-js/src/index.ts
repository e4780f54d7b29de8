// @aero2/sdk-js: sign users in with Aero2 from a browser app.
//
// The authorization code flow with PKCE (RFC 7636, RFC 9700) as a public
// client, on oauth4webapi. Tokens live in memory only (never in storage a
// script injected into the page could read back later); what must survive
// the redirect (the PKCE verifier, state and nonce) waits in
// sessionStorage, and is used once. A reload signs in again silently
// through the hosted pages' session (`restore()`).

import * as oauth from 'oauth4webapi'

export interface Aero2Options {
  /** The application's issuer: `https://myapp.example.com`. */
  issuer: string
  /** A public client of the application (`token_endpoint_auth_method: none`). */
  clientId: string
  /** Registered on the client; where the hosted pages send the user back. */
  redirectUri: string
  /** Default `openid profile email offline_access`. */
  scope?: string
  /** Your API's identifier (RFC 8707): access tokens are for it. */
  resource?: string
  /** Registered on the client; where sign-out ends. */
  postLogoutRedirectUri?: string
  /** Renew this long before the access token expires (default 60 s). */
  renewEarlySeconds?: number
  /** Where the redirect's state waits (default `sessionStorage`). */
  storage?: Storage
  /** How the browser is sent to Aero2 (default `location.assign`). */
  navigate?: (url: string) => void
}

/** The signed-in user: the ID token's claims. */
export interface User {
  sub: string
  email?: string
  email_verified?: boolean
  name?: string
  picture?: string
  /** The organization the session's tokens are issued in. */
  org_id?: string
  org_slug?: string
  [claim: string]: unknown
}

export interface Session {
  accessToken: string
  /** Milliseconds since the epoch. */
  expiresAt: number
  scope: string[]
  user: User
  idToken?: string
  refreshToken?: string
}

export interface SignInOptions {
  /** Where to go after the callback (a path of this app; default: here). */
  returnTo?: string
  /** `none` (silent: fails with `login_required` rather than show a page), `login`, `create` (the sign-up page), `consent`. */
  prompt?: 'none' | 'login' | 'create' | 'consent'
  /** An organization (id or slug) to sign in to; `null` for none. */
  organization?: string | null
  loginHint?: string
}

/** A sign-in that did not complete: `code` is the OAuth error (`login_required`, `access_denied`, `invalid_grant`, …). */
export class Aero2Error extends Error {
  constructor(
    readonly code: string,
    description?: string,
  ) {
    super(description ?? code)
    this.name = 'Aero2Error'
  }
}

const PENDING = 'aero2.pending'
const SIGNED_IN = 'aero2.signed_in'

interface Pending {
  verifier: string
  state: string
  nonce: string
  returnTo: string
  silent: boolean
}

export class Aero2Client {
  readonly options: Required<Pick<Aero2Options, 'issuer' | 'clientId' | 'redirectUri' | 'scope'>> & Aero2Options
  #server?: Promise<oauth.AuthorizationServer>
  #session: Session | null = null
  #renewing?: Promise<Session>
  #listeners = new Set<() => void>()
  readonly #client: oauth.Client
  readonly #auth = oauth.None()

  constructor(options: Aero2Options) {
    this.options = { scope: 'openid profile email offline_access', ...options, issuer: options.issuer.replace(/\/+$/, '') }
    this.#client = { client_id: options.clientId }
  }

  get session(): Session | null {
    return this.#session
  }

  get user(): User | null {
    return this.#session?.user ?? null
  }

  /** The organization the tokens are issued in, or `null`. */
  get organization(): { id: string; slug?: string } | null {
    const u = this.#session?.user
    return u?.org_id ? { id: u.org_id, slug: u.org_slug } : null
  }

  get isSignedIn(): boolean {
    return this.#session !== null
  }

  /** Called whenever the session changes; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  #storage(): Storage {
    return this.options.storage ?? sessionStorage
  }

  #insecure(): Record<symbol, boolean> {
    // A local issuer (http://myapp.localhost) is allowed; anything else must be https.
    return new URL(this.options.issuer).protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}
  }

  #as(): Promise<oauth.AuthorizationServer> {
    this.#server ??= (async () => {
      const iss = new URL(this.options.issuer)
      return oauth.processDiscoveryResponse(iss, await oauth.discoveryRequest(iss, this.#insecure()))
    })().catch((e: unknown) => {
      this.#server = undefined
      throw e
    })
    return this.#server
  }

  #set(next: Session | null): void {
    this.#session = next
    if (next) this.#storage().setItem(SIGNED_IN, '1')
    else this.#storage().removeItem(SIGNED_IN)
    this.#listeners.forEach((l) => l())
  }

  /** Sends the browser to Aero2's hosted sign-in page. */
  async signIn(opts: SignInOptions = {}): Promise<void> {
    const as = await this.#as()
    const verifier = oauth.generateRandomCodeVerifier()
    const pending: Pending = {
      verifier,
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      returnTo: safeReturnTo(opts.returnTo ?? location.pathname + location.search + location.hash, this.options.redirectUri),
      silent: opts.prompt === 'none',
    }
    this.#storage().setItem(PENDING, JSON.stringify(pending))
    const url = new URL(as.authorization_endpoint!)
    const p = url.searchParams
    p.set('response_type', 'code')
    p.set('client_id', this.options.clientId)
    p.set('redirect_uri', this.options.redirectUri)
    p.set('scope', this.options.scope)
    p.set('state', pending.state)
    p.set('nonce', pending.nonce)
    p.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
    p.set('code_challenge_method', 'S256')
    if (this.options.resource) p.set('resource', this.options.resource)
    if (opts.prompt) p.set('prompt', opts.prompt)
    if (opts.organization) p.set('organization', opts.organization)
    if (opts.loginHint) p.set('login_hint', opts.loginHint)
    ;(this.options.navigate ?? ((u: string) => location.assign(u)))(url.href)
  }

  /** Whether this tab signed in before (a reload then restores the session silently). */
  get wasSignedIn(): boolean {
    return this.#storage().getItem(SIGNED_IN) === '1'
  }

  /** Signs in again without a page, through the hosted pages' session. */
  restore(returnTo?: string): Promise<void> {
    return this.signIn({ prompt: 'none', returnTo, organization: null })
  }

  /** Whether `url` is the answer to a sign-in this tab started. */
  isCallback(url: string | URL = location.href): boolean {
    const u = new URL(url)
    const back = new URL(this.options.redirectUri)
    return u.origin === back.origin && u.pathname === back.pathname && u.searchParams.has('state') && this.#storage().getItem(PENDING) !== null
  }

  /**
   * Completes the sign-in on the redirect URI: checks `state`, redeems the
   * code with the PKCE verifier, validates the ID token (signature by the
   * issuer's keys, `iss`, `aud`, `nonce`, expiry). Resolves to the path to
   * go back to; a refused or failed sign-in rejects with an `Aero2Error`.
   */
  async handleCallback(url: string | URL = location.href): Promise<{ returnTo: string }> {
    const pending = JSON.parse(this.#storage().getItem(PENDING) ?? 'null') as Pending | null
    this.#storage().removeItem(PENDING)
    if (!pending) throw new Aero2Error('invalid_request', 'no sign-in was started in this tab (or it was already completed)')
    const as = await this.#as()
    let params: URLSearchParams
    try {
      params = oauth.validateAuthResponse(as, this.#client, new URL(url), pending.state)
    } catch (e) {
      if (pending.silent) this.#set(null)
      if (e instanceof oauth.AuthorizationResponseError) throw new Aero2Error(e.error, e.error_description)
      throw new Aero2Error('invalid_request', e instanceof Error ? e.message : String(e))
    }
    try {
      const res = await oauth.authorizationCodeGrantRequest(as, this.#client, this.#auth, params, this.options.redirectUri, pending.verifier, this.#insecure())
      const result = await oauth.processAuthorizationCodeResponse(as, this.#client, res, { expectedNonce: pending.nonce, requireIdToken: true })
      this.#set(toSession(result, null))
    } catch (e) {
      throw asError(e)
    }
    return { returnTo: pending.returnTo }
  }

  /**
   * A current access token: renewed with the rotating refresh token when
   * it is about to expire (or `forceRefresh`). One renewal at a time, so a
   * rotated refresh token is never presented twice; a renewal whose
   * answer was lost on the network is retried once with the same token
   * (Aero2 answers such a retry within its leeway with a fresh successor).
   */
  async getAccessToken(opts: { forceRefresh?: boolean } = {}): Promise<string> {
    const s = this.#session
    if (!s) throw new Aero2Error('login_required', 'not signed in')
    const early = (this.options.renewEarlySeconds ?? 60) * 1000
    if (!opts.forceRefresh && s.expiresAt - Date.now() > early) return s.accessToken
    this.#renewing ??= this.#renew(s).finally(() => {
      this.#renewing = undefined
    })
    return (await this.#renewing).accessToken
  }

  async #renew(s: Session): Promise<Session> {
    if (!s.refreshToken) {
      this.#set(null)
      throw new Aero2Error('login_required', 'the session ended')
    }
    const as = await this.#as()
    const attempt = async () => {
      const res = await oauth.refreshTokenGrantRequest(as, this.#client, this.#auth, s.refreshToken!, this.#insecure())
      return oauth.processRefreshTokenResponse(as, this.#client, res)
    }
    try {
      let result: oauth.TokenEndpointResponse
      try {
        result = await attempt()
      } catch (e) {
        if (!(e instanceof TypeError)) throw e
        await new Promise((r) => setTimeout(r, 300))
        result = await attempt()
      }
      const next = toSession(result, s)
      this.#set(next)
      return next
    } catch (e) {
      // invalid_grant: the grant ended (signed out elsewhere, a reused
      // token, a disabled account). Start over.
      this.#set(null)
      throw asError(e)
    }
  }

  /**
   * `fetch` with `Authorization: Bearer <access token>`; a 401 renews the
   * token and tries once more.
   */
  async fetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const send = async (token: string) => {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${token}`)
      return fetch(input, { ...init, headers })
    }
    const res = await send(await this.getAccessToken())
    if (res.status !== 401 || !this.#session?.refreshToken) return res
    return send(await this.getAccessToken({ forceRefresh: true }))
  }

  /** The user's claims from UserInfo (what the scope releases, fresh). */
  async fetchUser(): Promise<User> {
    const as = await this.#as()
    const s = this.#session
    if (!s) throw new Aero2Error('login_required', 'not signed in')
    const res = await oauth.userInfoRequest(as, this.#client, await this.getAccessToken(), this.#insecure())
    return (await oauth.processUserInfoResponse(as, this.#client, s.user.sub, res)) as User
  }

  /**
   * Tokens for another organization (or none): a new authorization,
   * silent when the user is a member (the hosted picker or sign-in page
   * otherwise).
   */
  switchOrganization(organization: string | null, returnTo?: string): Promise<void> {
    return this.signIn({ organization, returnTo, prompt: organization ? undefined : 'none' })
  }

  /** Revokes the refresh token and ends the session at Aero2 (RP-initiated logout). */
  async signOut(opts: { returnTo?: string } = {}): Promise<void> {
    const s = this.#session
    const as = await this.#as()
    if (s?.refreshToken && as.revocation_endpoint) {
      await oauth.revocationRequest(as, this.#client, this.#auth, s.refreshToken, this.#insecure()).catch(() => undefined)
    }
    this.#set(null)
    const navigate = this.options.navigate ?? ((u: string) => location.assign(u))
    if (!as.end_session_endpoint) return
    const url = new URL(as.end_session_endpoint)
    url.searchParams.set('client_id', this.options.clientId)
    const back = opts.returnTo ?? this.options.postLogoutRedirectUri
    if (back) url.searchParams.set('post_logout_redirect_uri', back)
    if (s?.idToken) url.searchParams.set('id_token_hint', s.idToken)
    navigate(url.href)
  }
}

export function createAero2(options: Aero2Options): Aero2Client {
  return new Aero2Client(options)
}

/** A path of this app to return to: never another origin, never the callback itself. */
export function safeReturnTo(path: string, redirectUri?: string): string {
  const callback = redirectUri ? new URL(redirectUri).pathname : undefined
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/'
  if (callback && path.split(/[?#]/)[0] === callback) return '/'
  return path
}

function toSession(result: oauth.TokenEndpointResponse, previous: Session | null): Session {
  const claims = oauth.getValidatedIdTokenClaims(result) as User | undefined
  return {
    accessToken: result.access_token,
    expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
    scope: (result.scope ?? previous?.scope.join(' ') ?? '').split(' ').filter(Boolean),
    user: claims ? { ...claims } : (previous?.user ?? { sub: '' }),
    idToken: result.id_token ?? previous?.idToken,
    refreshToken: result.refresh_token ?? previous?.refreshToken,
  }
}

function asError(e: unknown): Aero2Error {
  if (e instanceof oauth.ResponseBodyError) return new Aero2Error(e.error, e.error_description)
  if (e instanceof oauth.AuthorizationResponseError) return new Aero2Error(e.error, e.error_description)
  if (e instanceof Aero2Error) return e
  return new Aero2Error('server_error', e instanceof Error ? e.message : String(e))
}

// @aero2/react: Aero2 sign-in for React apps, on @aero2/sdk-js.
//
//     const aero2 = createAero2({ issuer, clientId, redirectUri: `${location.origin}/callback` })
//     <Aero2Provider client={aero2}><App /></Aero2Provider>

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react'
import { Aero2Client, Aero2Error, type SignInOptions, type User } from '@aero2/sdk-js'

export { Aero2Client, Aero2Error, createAero2, type Aero2Options, type SignInOptions, type User, type Session } from '@aero2/sdk-js'

interface State {
  client: Aero2Client
  /** The callback or a silent restore is still running. */
  isLoading: boolean
  /** Why the last sign-in failed (`access_denied`, …), if it did. */
  error: Aero2Error | null
}

const Context = createContext<State | null>(null)

export interface Aero2ProviderProps {
  client: Aero2Client
  children?: ReactNode
  /**
   * Where the app goes after the callback (default: `history.replaceState`
   * to the path the sign-in started from). Pass your router's navigate.
   */
  onRedirect?: (returnTo: string) => void
  /** Restore a session silently after a reload (default true). */
  restore?: boolean
}

/**
 * Completes a sign-in when the page is the redirect URI, restores the
 * session after a reload (silently, through the hosted pages' session),
 * and gives the hooks below their client.
 */
export function Aero2Provider({ client, children, onRedirect, restore = true }: Aero2ProviderProps) {
  const [isLoading, setLoading] = useState(() => client.isCallback() || (restore && !client.isSignedIn && client.wasSignedIn))
  const [error, setError] = useState<Aero2Error | null>(null)
  const started = useRef(false)
  useEffect(() => {
    if (started.current) return
    started.current = true
    if (client.isCallback()) {
      client
        .handleCallback()
        .then(({ returnTo }) => (onRedirect ? onRedirect(returnTo) : history.replaceState(null, '', returnTo)))
        .catch((e: unknown) => {
          // A silent restore that found no session is no error: signed out.
          if (!(e instanceof Aero2Error && e.code === 'login_required')) setError(e instanceof Aero2Error ? e : new Aero2Error('server_error', String(e)))
          history.replaceState(null, '', '/')
        })
        .finally(() => setLoading(false))
    } else if (restore && !client.isSignedIn && client.wasSignedIn) {
      client.restore().catch(() => setLoading(false))
    }
  }, [client, onRedirect, restore])
  const value = useMemo(() => ({ client, isLoading, error }), [client, isLoading, error])
  return <Context.Provider value={value}>{children}</Context.Provider>
}

function useAero2State(): State {
  const s = useContext(Context)
  if (!s) throw new Error('@aero2/react: wrap the app in <Aero2Provider>')
  return s
}

function useSession() {
  const { client } = useAero2State()
  return useSyncExternalStore(
    (l) => client.subscribe(l),
    () => client.session,
    () => null,
  )
}

export interface Auth {
  isLoading: boolean
  isSignedIn: boolean
  user: User | null
  error: Aero2Error | null
  signIn: (opts?: SignInOptions) => Promise<void>
  signUp: (opts?: Omit<SignInOptions, 'prompt'>) => Promise<void>
  signOut: (opts?: { returnTo?: string }) => Promise<void>
  getAccessToken: (opts?: { forceRefresh?: boolean }) => Promise<string>
  /** `fetch` with the access token (renewed and retried once on 401). */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  client: Aero2Client
}

export function useAuth(): Auth {
  const { client, isLoading, error } = useAero2State()
  const session = useSession()
  return {
    isLoading,
    isSignedIn: session !== null,
    user: session?.user ?? null,
    error,
    signIn: (opts) => client.signIn(opts),
    signUp: (opts) => client.signIn({ ...opts, prompt: 'create' }),
    signOut: (opts) => client.signOut(opts),
    getAccessToken: (opts) => client.getAccessToken(opts),
    fetch: (input, init) => client.fetch(input, init),
    client,
  }
}

/** The signed-in user (the ID token's claims), or `null`. */
export function useUser(): User | null {
  return useSession()?.user ?? null
}

/** The organization the session is in, and a way to change it. */
export function useOrganization(): {
  organization: { id: string; slug?: string } | null
  switchOrganization: (organization: string | null) => Promise<void>
} {
  const { client } = useAero2State()
  const user = useSession()?.user
  const organization = user?.org_id ? { id: user.org_id, slug: user.org_slug } : null
  const switchOrganization = useCallback((o: string | null) => client.switchOrganization(o), [client])
  return { organization, switchOrganization }
}

/** Renders its children only while signed in (and nothing while loading). */
export function SignedIn({ children }: { children?: ReactNode }) {
  const { isLoading, isSignedIn } = useAuth()
  return !isLoading && isSignedIn ? <>{children}</> : null
}

/** Renders its children only while signed out (and nothing while loading). */
export function SignedOut({ children }: { children?: ReactNode }) {
  const { isLoading, isSignedIn } = useAuth()
  return !isLoading && !isSignedIn ? <>{children}</> : null
}

/**
 * A guard for a route: its children once signed in; otherwise sends the
 * user to sign in (coming back here), showing `fallback` meanwhile.
 */
export function RequireAuth({ children, fallback = null, signIn }: { children?: ReactNode; fallback?: ReactNode; signIn?: SignInOptions }) {
  const { isLoading, isSignedIn, error, client } = useAuth()
  useEffect(() => {
    if (!isLoading && !isSignedIn && !error) void client.signIn(signIn)
  }, [isLoading, isSignedIn, error, client, signIn])
  return isSignedIn ? <>{children}</> : <>{fallback}</>
}

import { useEffect, useState, useSyncExternalStore } from 'react'
import { completeSignIn, currentSession, onSessionChange, signIn, signOut, wasSignedIn, CALLBACK_PATH } from './auth'
import { Layout } from './Layout'
import { Loading, ErrorBox } from './ui'
import { navigate, useLocation } from './router'

function useSession() {
  return useSyncExternalStore(onSessionChange, currentSession, currentSession)
}

/** Signs in (or completes a sign-in), then draws the Dashboard. */
export function App() {
  const session = useSession()
  const { path } = useLocation()
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (session || path !== CALLBACK_PATH) return
    completeSignIn(new URL(window.location.href)).then(
      (to) => navigate(to, { replace: true }),
      (e: Error) => setError(e.message),
    )
  }, [session, path])

  useEffect(() => {
    // Reloaded while signed in: tokens were in memory only; the OP's
    // session signs in again without a password.
    if (!session && path !== CALLBACK_PATH && wasSignedIn()) void signIn()
  }, [session, path])

  if (session) return <Layout session={session} onSignOut={() => void signOut()} />
  if (path === CALLBACK_PATH) {
    return (
      <main className="welcome">
        {error ? (
          <>
            <ErrorBox error={error} />
            <button type="button" className="button" onClick={() => void signIn({ returnTo: '/' })}>
              Sign in again
            </button>
          </>
        ) : (
          <Loading label="Signing you in…" />
        )}
      </main>
    )
  }
  if (wasSignedIn()) return <main className="welcome"><Loading label="Signing you in…" /></main>
  return <Welcome />
}

function Welcome() {
  return (
    <main className="welcome">
      <div className="welcome-card">
        <div className="brand-mark" aria-hidden="true">A2</div>
        <h1>Aero2 Dashboard</h1>
        <p>Sign-in, tokens and user management for your applications.</p>
        <div className="actions">
          <button type="button" className="button" onClick={() => void signIn()}>
            Sign in
          </button>
          <button type="button" className="button secondary" onClick={() => void signIn({ signUp: true })}>
            Create an account
          </button>
        </div>
      </div>
    </main>
  )
}

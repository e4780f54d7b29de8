import { useState } from 'react'
import { RequireAuth, SignedIn, SignedOut, useAuth, useOrganization, useUser } from '@aero2/react'

export function App({ config }) {
  const { isLoading, error, signIn, signUp } = useAuth()
  if (isLoading) return <main><p>Signing in…</p></main>
  return (
    <main>
      <h1>Notes</h1>
      {error && <p role="alert">Sign-in failed: {error.message}</p>}
      <SignedOut>
        <p>Sign in to read your notes.</p>
        <button onClick={() => signIn()}>Sign in</button> <button onClick={() => signUp()}>Create an account</button>
      </SignedOut>
      <SignedIn>
        <Account />
        <Notes api={config.api} />
        <Organization slug={config.organization} />
      </SignedIn>
      {location.pathname === '/private' && (
        <RequireAuth fallback={<p>Taking you to sign in…</p>}>
          <p>A page only signed-in users see.</p>
        </RequireAuth>
      )}
    </main>
  )
}

function Account() {
  const user = useUser()
  const { signOut } = useAuth()
  return (
    <section>
      <p>
        Signed in as <strong data-testid="user">{user.name ?? user.email}</strong>
      </p>
      <button onClick={() => signOut()}>Sign out</button>
    </section>
  )
}

function Notes({ api }) {
  const { fetch } = useAuth()
  const [answer, setAnswer] = useState(null)
  const call = async (method) => {
    const res = await fetch(`${api}/api/notes`, { method })
    setAnswer({ status: res.status, body: await res.json() })
  }
  return (
    <section>
      <button onClick={() => call('GET')}>Load notes</button> <button onClick={() => call('POST')}>Add a note</button>
      {answer && (
        <pre data-testid="answer">
          {answer.status} {JSON.stringify(answer.body)}
        </pre>
      )}
    </section>
  )
}

function Organization({ slug }) {
  const { organization, switchOrganization } = useOrganization()
  return (
    <section>
      <p data-testid="organization">Organization: {organization?.slug ?? 'none'}</p>
      {slug && organization?.slug !== slug && <button onClick={() => switchOrganization(slug)}>Switch to {slug}</button>}
    </section>
  )
}

import { useState } from 'react'
import { post } from '../api'
import { useTitle } from '../router'
import type { Application, SigningKey } from '../types'
import { ConfirmButton, Field, Load, Notice, PageHeader, useResource, when, Head } from '../ui'

export function SigningKeys({ app }: { app: Application }) {
  useTitle(`Signing keys · ${app.name}`)
  const keys = useResource<{ keys: SigningKey[] }>(`/applications/${app.id}/signing-keys`)
  const [now, setNow] = useState(false)
  const [done, setDone] = useState<string | null>(null)
  return (
    <>
      <PageHeader
        title="Signing keys"
        description="Tokens are signed with these (RS256 and ES256). They rotate every 90 days on their own; a new key is published before it signs, an old one stays published until its tokens expire."
      >
        <ConfirmButton
          label="Rotate now"
          className="button"
          title="Rotate the signing keys?"
          confirmLabel="Rotate"
          onConfirm={async () => {
            await post(`/applications/${app.id}/signing-keys/rotate`, { activate_after_seconds: now ? 0 : 3600 })
            setDone(now ? 'Rotated: the new keys sign from now on.' : 'Rotated: the new keys are published and sign in an hour.')
            keys.reload()
          }}
        >
          <Field
            label="Sign with the new keys at once (a suspected compromise)"
            type="checkbox"
            checked={now}
            onChange={(e) => setNow(e.target.checked)}
            hint="Otherwise they sign after an hour, once relying parties' key caches hold them."
          />
        </ConfirmButton>
      </PageHeader>
      {done && <Notice tone="success">{done}</Notice>}
      <Load r={keys}>
        {({ keys: list }) => (
          <table className="table">
            <Head cols={['Key id', 'Algorithm', 'Status', 'Created', 'Signs from', 'Published until']} />
            <tbody>
              {list.map((k) => (
                <tr key={k.kid}>
                  <td>
                    <code>{k.kid}</code>
                  </td>
                  <td>{k.alg}</td>
                  <td>
                    <span className={`badge ${k.status}`}>{k.status}</span>
                  </td>
                  <td>{when(k.created_at)}</td>
                  <td>{when(k.activates_at)}</td>
                  <td>{k.expires_at ? when(k.expires_at) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </>
  )
}

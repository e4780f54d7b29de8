import { useState } from 'react'
import { del, post } from '../api'
import { useTitle } from '../router'
import type { Application, ApiKey } from '../types'
import { ConfirmButton, Empty, Field, FormError, Load, PageHeader, SecretOnce, Select, useResource, useSubmit, when, Head } from '../ui'

export function ApiKeys({ app }: { app: Application }) {
  useTitle(`API keys · ${app.name}`)
  const keys = useResource<{ keys: ApiKey[] }>(`/applications/${app.id}/keys`)
  const [shown, setShown] = useState<ApiKey | null>(null)
  const [kind, setKind] = useState<'pk' | 'sk'>('sk')
  const [name, setName] = useState('')
  const submit = useSubmit(async () => {
    const key = await post<ApiKey>(`/applications/${app.id}/keys`, { kind, ...(name ? { name } : {}) })
    setShown(key)
    setName('')
    keys.reload()
  })
  return (
    <>
      <PageHeader
        title="API keys"
        description="pk_live_ keys identify this application in public code; sk_live_ keys manage it from your servers (never ship them to a browser)."
      />
      {shown?.key && <SecretOnce title={`New ${shown.kind === 'sk' ? 'secret' : 'publishable'} key`} value={shown.key} onDone={() => setShown(null)} />}
      <form className="card form inline" onSubmit={submit.onSubmit} aria-label="New API key">
        <Select label="Kind" value={kind} onChange={(e) => setKind(e.target.value as 'pk' | 'sk')} error={submit.fieldError('kind')}>
          <option value="sk">Secret (sk_live_)</option>
          <option value="pk">Publishable (pk_live_)</option>
        </Select>
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} error={submit.fieldError('name')} placeholder="backend" />
        <FormError message={submit.formError} />
        <div className="actions">
          <button type="submit" className="button" disabled={submit.busy}>
            {submit.busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
      <Load r={keys}>
        {({ keys: list }) =>
          list.length === 0 ? (
            <Empty title="No API keys" />
          ) : (
            <table className="table">
              <Head cols={['Name', 'Key', 'Created', 'Last used', '']} />
              <tbody>
                {list.map((k) => (
                  <tr key={k.id} className={k.revoked_at ? 'muted' : undefined}>
                    <td>{k.name || '—'}</td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>{when(k.created_at)}</td>
                    <td>{when(k.last_used_at)}</td>
                    <td>
                      {k.revoked_at ? (
                        `revoked ${when(k.revoked_at)}`
                      ) : (
                        <ConfirmButton
                          label="Revoke"
                          className="button small danger"
                          title={`Revoke ${k.name || k.prefix}?`}
                          confirmLabel="Revoke"
                          onConfirm={async () => {
                            await del(`/applications/${app.id}/keys/${k.id}`)
                            keys.reload()
                          }}
                        >
                          <p>Anything using this key stops working at once.</p>
                        </ConfirmButton>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
    </>
  )
}

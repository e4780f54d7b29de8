import { useState } from 'react'
import { del, patch, post } from '../api'
import { Link, navigate, useTitle } from '../router'
import type { Application, Client } from '../types'
import {
  ConfirmButton,
  CopyValue,
  Empty,
  Field,
  FormError,
  Load,
  PageHeader,
  SecretOnce,
  Section,
  Select,
  useResource,
  useSubmit,
  when, Head } from '../ui'

/** Why a redirect URI would be refused, or null (RFC 9700 §2.1; RFC 8252). */
export function redirectUriProblem(uri: string): string | null {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    return 'Must be an absolute URI, such as https://app.example.com/callback.'
  }
  if (u.hash) return 'Must not have a fragment (#…).'
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) || u.hostname.endsWith('.localhost')
  if (u.protocol === 'http:' && !loopback) return 'Use https (http only for localhost).'
  if (u.protocol !== 'https:' && u.protocol !== 'http:' && !/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(u.protocol))
    return 'Use https, or a reverse-domain scheme such as com.example.app: for a native app.'
  return null
}

export function UriListEditor({
  label,
  uris,
  onChange,
  error,
}: {
  label: string
  uris: string[]
  onChange: (next: string[]) => void
  error?: string
}) {
  return (
    <fieldset className="uri-list">
      <legend>{label}</legend>
      {uris.map((uri, i) => {
        const problem = uri ? redirectUriProblem(uri) : null
        return (
          <div key={i} className="uri-row">
            <Field
              label={`${label} ${i + 1}`}
              value={uri}
              type="url"
              placeholder="https://app.example.com/callback"
              onChange={(e) => onChange(uris.map((u, j) => (j === i ? e.target.value : u)))}
              error={problem ?? undefined}
              spellCheck={false}
            />
            <button
              type="button"
              className="button small secondary"
              aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}
              onClick={() => onChange(uris.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        )
      })}
      {error && <p className="field-error">{error}</p>}
      <button type="button" className="button small secondary" onClick={() => onChange([...uris, ''])}>
        Add {label.toLowerCase()}
      </button>
    </fieldset>
  )
}

export function Clients({ app, selected }: { app: Application; selected?: string }) {
  useTitle(`Clients · ${app.name}`)
  const clients = useResource<{ clients: Client[] }>(`/applications/${app.id}/clients`)
  const [creating, setCreating] = useState(false)
  const [secret, setSecret] = useState<{ id: string; value: string } | null>(null)
  if (selected) {
    return (
      <ClientDetail
        app={app}
        clientId={selected}
        secret={secret?.id === selected ? secret.value : undefined}
        onSecret={(value) => setSecret({ id: selected, value })}
        clearSecret={() => setSecret(null)}
      />
    )
  }
  return (
    <>
      <PageHeader title="Clients" description="The apps and services that sign users in or get tokens from this application.">
        {!creating && (
          <button type="button" className="button" onClick={() => setCreating(true)}>
            New client
          </button>
        )}
      </PageHeader>
      {creating && (
        <CreateClient
          app={app}
          onCancel={() => setCreating(false)}
          onCreated={(c) => {
            if (c.client_secret) setSecret({ id: c.client_id, value: c.client_secret })
            navigate(`/apps/${app.id}/clients/${c.client_id}`)
          }}
        />
      )}
      <Load r={clients}>
        {({ clients: list }) =>
          list.length === 0 ? (
            <Empty title="No clients yet">
              <p>Create one for each app that signs users in: a single-page or native app is public, a server is confidential.</p>
            </Empty>
          ) : (
            <table className="table">
              <Head cols={['Name', 'Client id', 'Type', 'Status']} />
              <tbody>
                {list.map((c) => (
                  <tr key={c.client_id}>
                    <td>
                      <Link href={`/apps/${app.id}/clients/${c.client_id}`}>{c.name}</Link>
                    </td>
                    <td>
                      <code>{c.client_id}</code>
                    </td>
                    <td>{c.client_type}</td>
                    <td>{c.disabled ? 'disabled' : 'active'}</td>
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

function CreateClient({ app, onCancel, onCreated }: { app: Application; onCancel: () => void; onCreated: (c: Client) => void }) {
  const [name, setName] = useState('')
  const [kind, setKind] = useState<'public' | 'confidential' | 'machine'>('public')
  const [uris, setUris] = useState<string[]>([''])
  const [logoutUris, setLogoutUris] = useState<string[]>([])
  const [firstParty, setFirstParty] = useState(true)
  const submit = useSubmit(async () => {
    const body: Record<string, unknown> = {
      name,
      token_endpoint_auth_method: kind === 'public' ? 'none' : 'client_secret_basic',
      first_party: firstParty,
    }
    if (kind === 'machine') {
      body.grant_types = ['client_credentials']
      body.redirect_uris = []
    } else {
      body.redirect_uris = uris.filter(Boolean)
      body.post_logout_redirect_uris = logoutUris.filter(Boolean)
      body.grant_types = ['authorization_code', 'refresh_token']
      body.scopes = 'openid profile email offline_access'
    }
    onCreated(await post<Client>(`/applications/${app.id}/clients`, body))
  })
  const invalid = kind !== 'machine' && (uris.filter(Boolean).length === 0 || [...uris, ...logoutUris].some((u) => u && redirectUriProblem(u)))
  return (
    <form className="card form" onSubmit={submit.onSubmit} aria-label="New client">
      <Field label="Name" value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} error={submit.fieldError('name')} />
      <Select label="Kind" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} error={submit.fieldError('token_endpoint_auth_method')}>
        <option value="public">Single-page or native app (public, PKCE)</option>
        <option value="confidential">Web server app (confidential, with a secret)</option>
        <option value="machine">Machine to machine (client credentials)</option>
      </Select>
      {kind !== 'machine' && (
        <>
          <UriListEditor label="Redirect URI" uris={uris} onChange={setUris} error={submit.fieldError('redirect_uris')} />
          <UriListEditor
            label="Post-logout redirect URI"
            uris={logoutUris}
            onChange={setLogoutUris}
            error={submit.fieldError('post_logout_redirect_uris')}
          />
          <Field
            label="First-party (no consent screen)"
            type="checkbox"
            checked={firstParty}
            onChange={(e) => setFirstParty(e.target.checked)}
            error={submit.fieldError('first_party')}
          />
        </>
      )}
      <FormError message={submit.formError} />
      <div className="actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button" disabled={submit.busy || !name || invalid}>
          {submit.busy ? 'Creating…' : 'Create client'}
        </button>
      </div>
    </form>
  )
}

function ClientDetail({
  app,
  clientId,
  secret,
  onSecret,
  clearSecret,
}: {
  app: Application
  clientId: string
  secret?: string
  onSecret: (s: string) => void
  clearSecret: () => void
}) {
  const r = useResource<Client>(`/applications/${app.id}/clients/${clientId}`)
  return (
    <Load r={r}>
      {(c) => (
        <>
          <PageHeader title={c.name} description={`${c.client_type} client, created ${when(c.created_at)}`}>
            <Link href={`/apps/${app.id}/clients`} className="button secondary">
              All clients
            </Link>
          </PageHeader>
          {secret && <SecretOnce title="Client secret" value={secret} onDone={clearSecret} />}
          <Section title="Credentials">
            <CopyValue value={c.client_id} label="client id" />
            {c.client_type === 'confidential' && (
              <ConfirmButton
                label="Rotate secret"
                title="Rotate the client secret?"
                confirmLabel="Rotate"
                className="button secondary"
                onConfirm={async () => {
                  const res = await post<{ client_secret: string }>(`/applications/${app.id}/clients/${c.client_id}/secret`)
                  onSecret(res.client_secret)
                }}
              >
                <p>The current secret stops working at once; the new one is shown once.</p>
              </ConfirmButton>
            )}
          </Section>
          {c.grant_types.includes('authorization_code') && <EditUris app={app} client={c} onSaved={r.reload} />}
          <Section title="Status">
            <p>{c.disabled ? 'Disabled: it cannot sign anyone in and its tokens are refused.' : 'Active.'}</p>
            <div className="actions start">
              <button
                type="button"
                className="button secondary"
                onClick={async () => {
                  await patch(`/applications/${app.id}/clients/${c.client_id}`, { disabled: !c.disabled })
                  r.reload()
                }}
              >
                {c.disabled ? 'Enable' : 'Disable'}
              </button>
              <ConfirmButton
                label="Delete client"
                title={`Delete ${c.name}?`}
                confirmLabel="Delete"
                onConfirm={async () => {
                  await del(`/applications/${app.id}/clients/${c.client_id}`)
                  navigate(`/apps/${app.id}/clients`)
                }}
              >
                <p>Its tokens stop working and it can no longer sign anyone in.</p>
              </ConfirmButton>
            </div>
          </Section>
        </>
      )}
    </Load>
  )
}

function EditUris({ app, client, onSaved }: { app: Application; client: Client; onSaved: () => void }) {
  const [uris, setUris] = useState(client.redirect_uris)
  const [logout, setLogout] = useState(client.post_logout_redirect_uris)
  const [saved, setSaved] = useState(false)
  const submit = useSubmit(async () => {
    await patch(`/applications/${app.id}/clients/${client.client_id}`, {
      redirect_uris: uris.filter(Boolean),
      post_logout_redirect_uris: logout.filter(Boolean),
    })
    setSaved(true)
    onSaved()
  })
  const invalid = [...uris, ...logout].some((u) => u && redirectUriProblem(u))
  return (
    <Section title="Redirect URIs">
      <form className="form" onSubmit={submit.onSubmit} onChange={() => setSaved(false)}>
        <UriListEditor label="Redirect URI" uris={uris} onChange={setUris} error={submit.fieldError('redirect_uris')} />
        <UriListEditor label="Post-logout redirect URI" uris={logout} onChange={setLogout} error={submit.fieldError('post_logout_redirect_uris')} />
        <FormError message={submit.formError} />
        <div className="actions start">
          <button type="submit" className="button" disabled={submit.busy || invalid}>
            {submit.busy ? 'Saving…' : 'Save'}
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
      </form>
    </Section>
  )
}

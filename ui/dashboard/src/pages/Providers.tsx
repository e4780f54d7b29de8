import { useState } from 'react'
import { del, patch, post } from '../api'
import { issuerOf } from '../platform'
import { useTitle } from '../router'
import type { Application } from '../types'
import { ConfirmButton, CopyValue, Empty, Field, FormError, Load, PageHeader, Section, Select, useResource, useSubmit } from '../ui'

interface Idp {
  id: string
  type: 'github' | 'google' | 'oidc' | 'oauth2'
  slug: string
  display_name: string
  client_id: string
  enabled: boolean
  redirect_uri: string
  source?: string
}

type Kind = Idp['type']
const FIELDS: Record<Kind, [string, string, string?][]> = {
  github: [
    ['client_id', 'Client id'],
    ['client_secret', 'Client secret', 'password'],
    ['enterprise_url', 'GitHub Enterprise Server URL (optional)', 'url'],
  ],
  google: [
    ['client_id', 'Client id'],
    ['client_secret', 'Client secret', 'password'],
  ],
  oidc: [
    ['slug', 'Slug (in the callback URL)'],
    ['display_name', 'Button label'],
    ['issuer', 'Issuer', 'url'],
    ['client_id', 'Client id'],
    ['client_secret', 'Client secret', 'password'],
  ],
  oauth2: [
    ['slug', 'Slug (in the callback URL)'],
    ['display_name', 'Button label'],
    ['authorization_endpoint', 'Authorization endpoint', 'url'],
    ['token_endpoint', 'Token endpoint', 'url'],
    ['userinfo_endpoint', 'Profile (userinfo) endpoint', 'url'],
    ['claims.subject', 'Profile field with the user id'],
    ['claims.email', 'Profile field with the email (optional)'],
    ['claims.email_verified', 'Profile field saying the email is verified (optional)'],
    ['client_id', 'Client id'],
    ['client_secret', 'Client secret', 'password'],
  ],
}

export function Providers({ app }: { app: Application }) {
  useTitle(`Identity providers · ${app.name}`)
  const idps = useResource<{ idps: Idp[] }>(`/applications/${app.id}/idps`)
  return (
    <>
      <PageHeader title="Identity providers" description="Let users sign in with GitHub, Google or any OpenID Connect or OAuth 2 provider." />
      <CreateProvider app={app} onCreated={idps.reload} />
      <Load r={idps}>
        {({ idps: list }) =>
          list.length === 0 ? (
            <Empty title="No providers: users sign in with email and password" />
          ) : (
            list.map((idp) => (
              <Section key={idp.id} title={idp.display_name} actions={<span className={`badge ${idp.enabled ? 'active' : 'pending'}`}>{idp.enabled ? 'enabled' : 'disabled'}</span>}>
                <p>Register this callback URL at the provider:</p>
                <CopyValue value={idp.redirect_uri} label="callback URL" />
                <p>
                  Type {idp.type}, client id <code>{idp.client_id}</code>
                  {idp.source === 'static' && ' (configured by the operator)'}
                </p>
                {idp.source !== 'static' && (
                  <div className="actions start">
                    <button
                      type="button"
                      className="button secondary"
                      onClick={async () => {
                        await patch(`/applications/${app.id}/idps/${idp.id}`, { enabled: !idp.enabled })
                        idps.reload()
                      }}
                    >
                      {idp.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <ConfirmButton
                      label="Delete provider"
                      title={`Delete ${idp.display_name}?`}
                      confirmLabel="Delete"
                      onConfirm={async () => {
                        await del(`/applications/${app.id}/idps/${idp.id}`)
                        idps.reload()
                      }}
                    >
                      <p>Accounts linked through it lose that way to sign in.</p>
                    </ConfirmButton>
                  </div>
                )}
              </Section>
            ))
          )
        }
      </Load>
    </>
  )
}

function CreateProvider({ app, onCreated }: { app: Application; onCreated: () => void }) {
  const [kind, setKind] = useState<Kind>('github')
  const [values, setValues] = useState<Record<string, string>>({})
  const submit = useSubmit(async () => {
    const body: Record<string, unknown> = { type: kind }
    const claims: Record<string, string> = {}
    for (const [name] of FIELDS[kind]) {
      const v = values[name]?.trim()
      if (!v) continue
      if (name.startsWith('claims.')) claims[name.slice(7)] = v
      else body[name] = v
    }
    if (Object.keys(claims).length) body.claims = claims
    await post(`/applications/${app.id}/idps`, body)
    setValues({})
    onCreated()
  })
  const slug = kind === 'github' || kind === 'google' ? kind : values.slug || '<slug>'
  return (
    <Section title="Add a provider">
      <form className="form" onSubmit={submit.onSubmit} aria-label="Add a provider">
        <Select
          label="Provider"
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as Kind)
            submit.setError(null)
          }}
        >
          <option value="github">GitHub</option>
          <option value="google">Google</option>
          <option value="oidc">OpenID Connect</option>
          <option value="oauth2">OAuth 2 (with a profile endpoint)</option>
        </Select>
        <p>Callback URL to register at the provider:</p>
        <CopyValue value={`${issuerOf(app)}/rp/callback/${slug}`} label="callback URL" />
        {FIELDS[kind].map(([name, label, type]) => (
          <Field
            key={kind + name}
            label={label}
            type={type ?? 'text'}
            value={values[name] ?? ''}
            autoComplete="off"
            onChange={(e) => setValues({ ...values, [name]: e.target.value })}
            error={submit.fieldError(name) ?? (name.startsWith('claims.') ? submit.fieldError('claims') : undefined)}
          />
        ))}
        <FormError message={submit.formError} />
        <button type="submit" className="button" disabled={submit.busy}>
          {submit.busy ? 'Checking…' : 'Add provider'}
        </button>
      </form>
    </Section>
  )
}

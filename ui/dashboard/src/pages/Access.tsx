import { useState } from 'react'
import { del, patch, post } from '../api'
import { useTitle } from '../router'
import type { Application, Role } from '../types'
import { ConfirmButton, Empty, Field, FormError, Load, PageHeader, Section, Select, TextArea, useResource, useSubmit } from '../ui'

interface Permission {
  value: string
  description?: string
}
interface Api {
  id: string
  identifier: string
  name: string
  permissions: Permission[]
  token_lifetime_seconds: number
  signing_alg: string
  enforce_rbac: boolean
  permissions_claim: boolean
}
interface Granted {
  api_id: string
  value: string
}

const ORG_PERMISSIONS = ['org:members:read', 'org:members:invite', 'org:members:manage', 'org:audit:read']

/** `read:invoices Read invoices` per line → permissions. */
function parsePermissions(text: string): Permission[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [value, ...rest] = l.split(/\s+/)
      return rest.length ? { value, description: rest.join(' ') } : { value }
    })
}

export function Access({ app }: { app: Application }) {
  useTitle(`APIs & roles · ${app.name}`)
  const apis = useResource<{ apis: Api[] }>(`/applications/${app.id}/apis`)
  const roles = useResource<{ roles: Role[] }>(`/applications/${app.id}/roles`)
  return (
    <>
      <PageHeader title="APIs & roles" description="The APIs your tokens are for, the permissions they define, and the roles that bundle permissions for users." />
      <Section title="APIs">
        <CreateApi app={app} onCreated={apis.reload} />
        <Load r={apis}>
          {({ apis: list }) =>
            list.length === 0 ? <Empty title="No APIs yet" /> : list.map((api) => <ApiCard key={api.id} app={app} api={api} onChanged={apis.reload} />)
          }
        </Load>
      </Section>
      <Section title="Roles">
        <CreateRole app={app} onCreated={roles.reload} />
        <Load r={roles}>
          {({ roles: list }) =>
            list.length === 0 ? (
              <Empty title="No roles yet" />
            ) : (
              list.map((role) => <RoleCard key={role.id} app={app} role={role} apis={apis.data?.apis ?? []} onChanged={roles.reload} />)
            )
          }
        </Load>
      </Section>
    </>
  )
}

function CreateApi({ app, onCreated }: { app: Application; onCreated: () => void }) {
  const [identifier, setIdentifier] = useState('')
  const [name, setName] = useState('')
  const [perms, setPerms] = useState('')
  const submit = useSubmit(async () => {
    await post(`/applications/${app.id}/apis`, { identifier, name, permissions: parsePermissions(perms) })
    setIdentifier('')
    setName('')
    setPerms('')
    onCreated()
  })
  return (
    <details className="create">
      <summary>New API</summary>
      <form className="form" onSubmit={submit.onSubmit} aria-label="New API">
        <Field label="Identifier" value={identifier} required placeholder="https://api.example.com" onChange={(e) => setIdentifier(e.target.value)} error={submit.fieldError('identifier')} hint="The tokens' audience (aud); cannot be changed." />
        <Field label="Name" value={name} required onChange={(e) => setName(e.target.value)} error={submit.fieldError('name')} />
        <TextArea label="Permissions (one per line: value, then a description)" rows={3} value={perms} placeholder="read:invoices Read invoices" onChange={(e) => setPerms(e.target.value)} error={submit.fieldError('permissions')} />
        <FormError message={submit.formError} />
        <button type="submit" className="button" disabled={submit.busy}>
          Create API
        </button>
      </form>
    </details>
  )
}

function ApiCard({ app, api, onChanged }: { app: Application; api: Api; onChanged: () => void }) {
  const [perms, setPerms] = useState(api.permissions.map((p) => (p.description ? `${p.value} ${p.description}` : p.value)).join('\n'))
  const [lifetime, setLifetime] = useState(String(api.token_lifetime_seconds))
  const [rbac, setRbac] = useState(api.enforce_rbac)
  const [claim, setClaim] = useState(api.permissions_claim)
  const [saved, setSaved] = useState(false)
  const submit = useSubmit(async () => {
    await patch(`/applications/${app.id}/apis/${api.id}`, {
      permissions: parsePermissions(perms),
      token_lifetime_seconds: Number(lifetime),
      enforce_rbac: rbac,
      permissions_claim: claim,
    })
    setSaved(true)
    onChanged()
  })
  return (
    <article className="sub-card" aria-label={api.name}>
      <h3>
        {api.name} <code>{api.identifier}</code>
      </h3>
      <form className="form" onSubmit={submit.onSubmit} onChange={() => setSaved(false)}>
        <TextArea label={`Permissions of ${api.name}`} rows={Math.max(2, api.permissions.length)} value={perms} onChange={(e) => setPerms(e.target.value)} error={submit.fieldError('permissions')} />
        <Field label="Access-token lifetime (seconds)" type="number" min={60} max={86400} value={lifetime} onChange={(e) => setLifetime(e.target.value)} error={submit.fieldError('token_lifetime_seconds')} />
        <Field label="Enforce roles (a user gets only the permissions their roles hold)" type="checkbox" checked={rbac} onChange={(e) => setRbac(e.target.checked)} />
        <Field label="Put permissions in the token (permissions claim)" type="checkbox" checked={claim} onChange={(e) => setClaim(e.target.checked)} />
        <FormError message={submit.formError} />
        <div className="actions start">
          <button type="submit" className="button" disabled={submit.busy}>
            Save
          </button>
          <ConfirmButton
            label="Delete API"
            title={`Delete ${api.name}?`}
            confirmLabel="Delete"
            onConfirm={async () => {
              await del(`/applications/${app.id}/apis/${api.id}`)
              onChanged()
            }}
          >
            <p>Its permissions are taken out of every role.</p>
          </ConfirmButton>
          {saved && <span role="status">Saved.</span>}
        </div>
      </form>
    </article>
  )
}

function CreateRole({ app, onCreated }: { app: Application; onCreated: () => void }) {
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const submit = useSubmit(async () => {
    await post(`/applications/${app.id}/roles`, { name, ...(description ? { description } : {}) })
    setName('')
    setDescription('')
    onCreated()
  })
  return (
    <details className="create">
      <summary>New role</summary>
      <form className="form" onSubmit={submit.onSubmit} aria-label="New role">
        <Field label="Role name" value={name} required onChange={(e) => setName(e.target.value)} error={submit.fieldError('name')} />
        <Field label="Description" value={description} onChange={(e) => setDescription(e.target.value)} error={submit.fieldError('description')} />
        <FormError message={submit.formError} />
        <button type="submit" className="button" disabled={submit.busy}>
          Create role
        </button>
      </form>
    </details>
  )
}

function RoleCard({ app, role, apis, onChanged }: { app: Application; role: Role; apis: Api[]; onChanged: () => void }) {
  const base = `/applications/${app.id}/roles/${role.id}`
  const granted = useResource<{ permissions: Granted[] }>(`${base}/permissions`)
  const [pick, setPick] = useState('')
  const add = useSubmit(async () => {
    const [api_id, value] = pick.split('\u0000')
    await post(`${base}/permissions`, { permissions: [{ api_id, value }] })
    setPick('')
    granted.reload()
  })
  const toggleOrg = async (p: string, on: boolean) => {
    const now = new Set(role.organization_permissions ?? [])
    if (on) now.add(p)
    else now.delete(p)
    await patch(base, { organization_permissions: [...now] })
    onChanged()
  }
  const apiName = (id: string) => apis.find((a) => a.id === id)?.name ?? id
  return (
    <article className="sub-card" aria-label={`Role ${role.name}`}>
      <h3>{role.name}</h3>
      {role.description && <p>{role.description}</p>}
      <Load r={granted}>
        {({ permissions }) => (
          <>
            {permissions.length === 0 ? (
              <p>No API permissions.</p>
            ) : (
              <ul className="chips">
                {permissions.map((p) => (
                  <li key={p.api_id + p.value} className="chip">
                    {p.value} <span className="muted">({apiName(p.api_id)})</span>
                    <button
                      type="button"
                      aria-label={`Remove ${p.value} from ${role.name}`}
                      onClick={async () => {
                        await del(`${base}/permissions`, { permissions: [p] })
                        granted.reload()
                      }}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <form className="inline-form" onSubmit={add.onSubmit}>
              <Select label={`Add a permission to ${role.name}`} value={pick} onChange={(e) => setPick(e.target.value)}>
                <option value="">Choose…</option>
                {apis.flatMap((a) =>
                  a.permissions
                    .filter((p) => !permissions.some((g) => g.api_id === a.id && g.value === p.value))
                    .map((p) => (
                      <option key={a.id + p.value} value={`${a.id}\u0000${p.value}`}>
                        {p.value} ({a.name})
                      </option>
                    )),
                )}
              </Select>
              <button type="submit" className="button small" disabled={!pick || add.busy}>
                Add
              </button>
              <FormError message={add.error?.message} />
            </form>
          </>
        )}
      </Load>
      <fieldset className="org-perms">
        <legend>In an organization, holders may</legend>
        {ORG_PERMISSIONS.map((p) => (
          <Field key={p} label={p} type="checkbox" checked={(role.organization_permissions ?? []).includes(p)} onChange={(e) => void toggleOrg(p, e.target.checked)} />
        ))}
      </fieldset>
      <ConfirmButton
        label="Delete role"
        title={`Delete ${role.name}?`}
        confirmLabel="Delete"
        onConfirm={async () => {
          await del(base)
          onChanged()
        }}
      >
        <p>Users holding it lose its permissions at once.</p>
      </ConfirmButton>
    </article>
  )
}

import { useEffect, useState } from 'react'
import { del, enc, patch, post } from '../api'
import { Link, navigate, useTitle } from '../router'
import type { Application, Role, User } from '../types'
import {
  ConfirmButton,
  Empty,
  Field,
  FormError,
  Load,
  Notice,
  PageHeader,
  Section,
  useResource,
  useSubmit,
  when, Head, useCursors } from '../ui'

const PAGE = 25

export function Users({ app }: { app: Application }) {
  useTitle(`Users · ${app.name}`)
  const [search, setSearch] = useState('')
  const [query, setQuery] = useState('')
  const pages = useCursors()
  const after = pages.cursor
  useEffect(() => {
    const t = setTimeout(() => {
      setQuery(search.trim())
      pages.reset()
    }, 250)
    return () => clearTimeout(t)
  }, [search])
  const params = new URLSearchParams({ limit: String(PAGE) })
  if (query) params.set('email', query)
  if (after) params.set('after', after)
  const users = useResource<{ users: User[]; next_after: string | null }>(`/applications/${app.id}/users?${params}`)
  const [creating, setCreating] = useState(false)
  return (
    <>
      <PageHeader title="Users" description="The people who sign in to this application.">
        {!creating && (
          <button type="button" className="button" onClick={() => setCreating(true)}>
            New user
          </button>
        )}
      </PageHeader>
      {creating && <CreateUser app={app} onCancel={() => setCreating(false)} />}
      <div className="toolbar" role="search">
        <Field label="Search by email" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="ada@example.com" />
      </div>
      <Load r={users}>
        {({ users: list, next_after }) => (
          <>
            {list.length === 0 ? (
              <Empty title={query ? `No user's email contains “${query}”` : 'No users yet'} />
            ) : (
              <table className="table">
                <Head cols={['Email', 'Name', 'Status', 'Created']} />
                <tbody>
                  {list.map((u) => (
                    <tr key={u.id}>
                      <td>
                        <Link href={`/apps/${app.id}/users/${u.id}`}>{u.email ?? u.id}</Link>
                      </td>
                      <td>{u.name ?? '—'}</td>
                      <td>{u.disabled ? 'disabled' : u.email_verified ? 'verified' : 'unverified'}</td>
                      <td>{when(u.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {pages.pager(next_after)}
          </>
        )}
      </Load>
    </>
  )
}

function CreateUser({ app, onCancel }: { app: Application; onCancel: () => void }) {
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [verified, setVerified] = useState(false)
  const submit = useSubmit(async () => {
    const u = await post<User>(`/applications/${app.id}/users`, { email, password, ...(name ? { name } : {}), email_verified: verified })
    navigate(`/apps/${app.id}/users/${u.id}`)
  })
  return (
    <form className="card form" onSubmit={submit.onSubmit} aria-label="New user">
      <Field label="Email" type="email" value={email} required onChange={(e) => setEmail(e.target.value)} error={submit.fieldError('email')} autoComplete="off" />
      <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} error={submit.fieldError('name')} autoComplete="off" />
      <Field
        label="Password"
        type="password"
        value={password}
        required
        onChange={(e) => setPassword(e.target.value)}
        error={submit.fieldError('password')}
        autoComplete="new-password"
        hint="At least 8 characters; common and breached passwords are refused."
      />
      <Field label="Email address already verified" type="checkbox" checked={verified} onChange={(e) => setVerified(e.target.checked)} />
      <FormError message={submit.formError} />
      <div className="actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button" disabled={submit.busy}>
          {submit.busy ? 'Creating…' : 'Create user'}
        </button>
      </div>
    </form>
  )
}

export function UserDetail({ app, userId }: { app: Application; userId: string }) {
  const base = `/applications/${app.id}/users/${enc(userId)}`
  const r = useResource<User>(base)
  const [notice, setNotice] = useState<string | null>(null)
  useTitle(`User · ${app.name}`)
  return (
    <Load r={r}>
      {(u) => (
        <>
          <PageHeader title={u.name ?? u.email ?? u.id} description={u.email ?? undefined}>
            <Link href={`/apps/${app.id}/users`} className="button secondary">
              All users
            </Link>
          </PageHeader>
          {notice && <Notice tone="success">{notice}</Notice>}
          <Section title="Profile">
            <dl className="details">
              <dt>User id</dt>
              <dd>
                <code>{u.id}</code>
              </dd>
              <dt>Email</dt>
              <dd>
                {u.email ?? '—'} {u.email && (u.email_verified ? '(verified)' : '(not verified)')}
              </dd>
              <dt>Status</dt>
              <dd>{u.disabled ? 'Disabled' : 'Active'}</dd>
              <dt>Created</dt>
              <dd>{when(u.created_at)}</dd>
            </dl>
            <div className="actions start">
              <button
                type="button"
                className="button secondary"
                onClick={async () => {
                  await patch(base, { disabled: !u.disabled })
                  setNotice(u.disabled ? 'Enabled.' : 'Disabled: every session and token of this user has ended.')
                  r.reload()
                }}
              >
                {u.disabled ? 'Enable' : 'Disable'}
              </button>
              <button
                type="button"
                className="button secondary"
                onClick={async () => {
                  await post(`${base}/unlock`)
                  setNotice('Unlocked: they can sign in again now.')
                }}
              >
                Unlock
              </button>
              <ConfirmButton
                label="Delete user"
                title={`Delete ${u.email ?? u.id}?`}
                confirmLabel="Delete"
                onConfirm={async () => {
                  await del(base)
                  navigate(`/apps/${app.id}/users`)
                }}
              >
                <p>Their account, identities, second factors, roles and memberships are removed; their sessions end at once.</p>
              </ConfirmButton>
            </div>
          </Section>
          <UserSessions base={base} />
          <UserIdentities base={base} />
          <UserRoles app={app} base={base} />
          <UserOrganizations base={base} app={app} />
          <UserFactors base={base} />
        </>
      )}
    </Load>
  )
}

function UserRoles({ app, base }: { app: Application; base: string }) {
  const held = useResource<{ roles: Role[] }>(`${base}/roles`)
  const all = useResource<{ roles: Role[] }>(`/applications/${app.id}/roles`)
  const [pick, setPick] = useState('')
  const submit = useSubmit(async () => {
    await post(`${base}/roles`, { roles: [pick] })
    setPick('')
    held.reload()
  })
  return (
    <Section title="Roles">
      <Load r={held}>
        {({ roles }) => (
          <>
            {roles.length === 0 ? (
              <p>No roles.</p>
            ) : (
              <ul className="chips">
                {roles.map((role) => (
                  <li key={role.id} className="chip">
                    {role.name}
                    <button
                      type="button"
                      aria-label={`Take away ${role.name}`}
                      onClick={async () => {
                        await del(`${base}/roles`, { roles: [role.id] })
                        held.reload()
                      }}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {all.data && all.data.roles.some((x) => !roles.some((h) => h.id === x.id)) && (
              <form className="inline-form" onSubmit={submit.onSubmit}>
                <label htmlFor="assign-role">Assign a role</label>
                <select id="assign-role" value={pick} onChange={(e) => setPick(e.target.value)}>
                  <option value="">Choose…</option>
                  {all.data.roles
                    .filter((x) => !roles.some((h) => h.id === x.id))
                    .map((x) => (
                      <option key={x.id} value={x.id}>
                        {x.name}
                      </option>
                    ))}
                </select>
                <button type="submit" className="button small" disabled={!pick || submit.busy}>
                  Assign
                </button>
                <FormError message={submit.error?.message} />
              </form>
            )}
          </>
        )}
      </Load>
    </Section>
  )
}

function UserOrganizations({ base, app }: { base: string; app: Application }) {
  const r = useResource<{ organizations: { id: string; slug: string; name: string }[] }>(`${base}/organizations`)
  return (
    <Section title="Organizations">
      <Load r={r}>
        {({ organizations }) =>
          organizations.length === 0 ? (
            <p>Not a member of any organization.</p>
          ) : (
            <ul>
              {organizations.map((o) => (
                <li key={o.id}>
                  <Link href={`/apps/${app.id}/organizations/${o.id}`}>{o.name}</Link> <code>{o.slug}</code>
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </Section>
  )
}

function UserFactors({ base }: { base: string }) {
  const r = useResource<{ factors: { id: string; kind: string; label?: string; created_at?: number }[]; recovery_codes_left: number }>(`${base}/factors`)
  return (
    <Section title="Second factors">
      <Load r={r}>
        {({ factors, recovery_codes_left }) => (
          <>
            {factors.length === 0 ? (
              <p>None.</p>
            ) : (
              <ul>
                {factors.map((f) => (
                  <li key={f.id}>
                    {f.kind}
                    {f.label ? ` · ${f.label}` : ''}
                  </li>
                ))}
              </ul>
            )}
            <p>Recovery codes left: {recovery_codes_left}</p>
            {factors.length > 0 && (
              <ConfirmButton
                label="Remove all second factors"
                title="Remove every second factor?"
                confirmLabel="Remove"
                onConfirm={async () => {
                  await del(`${base}/factors`)
                  r.reload()
                }}
              >
                <p>For a lost phone: they set up a new one at their next sign-in if the application requires it.</p>
              </ConfirmButton>
            )}
          </>
        )}
      </Load>
    </Section>
  )
}

function UserSessions({ base }: { base: string }) {
  const r = useResource<{ sessions: { id: string; created_at: number; last_seen_at: number; user_agent: string | null; ip: string | null }[] }>(`${base}/sessions`)
  return (
    <Section title="Sessions">
      <Load r={r}>
        {({ sessions }) =>
          sessions.length === 0 ? (
            <p>Not signed in anywhere.</p>
          ) : (
            <>
              <table className="table">
                <Head cols={['Browser', 'IP address', 'Signed in', 'Last seen']} />
                <tbody>
                  {sessions.map((s) => (
                    <tr key={s.id}>
                      <td>{s.user_agent ?? '—'}</td>
                      <td>{s.ip ?? '—'}</td>
                      <td>{when(s.created_at)}</td>
                      <td>{when(s.last_seen_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <ConfirmButton
                label="Sign out everywhere"
                title="Sign this user out everywhere?"
                confirmLabel="Sign out"
                onConfirm={async () => {
                  await del(`${base}/sessions`)
                  r.reload()
                }}
              >
                <p>Every session ends and every token issued through them stops working at once. The account stays.</p>
              </ConfirmButton>
            </>
          )
        }
      </Load>
    </Section>
  )
}

function UserIdentities({ base }: { base: string }) {
  const r = useResource<{
    identities: { id: string; provider: string | null; provider_name: string | null; subject: string; email: string | null; linked_at: number; last_login_at: number }[]
    has_password: boolean
  }>(`${base}/identities`)
  return (
    <Section title="Linked identities">
      <Load r={r}>
        {({ identities, has_password }) => (
          <>
            <p>{has_password ? 'Signs in with a password.' : 'Has no password.'}</p>
            {identities.length === 0 ? (
              <p>No identity provider account is linked.</p>
            ) : (
              <ul className="plain-list">
                {identities.map((i) => (
                  <li key={i.id}>
                    <strong>{i.provider_name ?? i.provider ?? 'A removed provider'}</strong> · <code>{i.subject}</code>
                    {i.email ? ` · ${i.email}` : ''} · linked {when(i.linked_at)}, last used {when(i.last_login_at)}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Load>
    </Section>
  )
}

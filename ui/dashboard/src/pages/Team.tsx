import { useState } from 'react'
import { del, patch, post } from '../api'
import { slugProblem } from '../platform'
import { useTitle } from '../router'
import type { Team } from '../types'
import { Field, FormError, Load, PageHeader, Section, Select, useResource, useSubmit, when, Head } from '../ui'

interface TeamMember {
  user_id: string
  email: string | null
  name: string | null
  role: Team['role']
  joined_at: number
}

const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const

export function TeamPage({ teamId }: { teamId: string }) {
  const team = useResource<Team>(`/teams/${teamId}`)
  useTitle(team.data ? `Team ${team.data.name}` : 'Team')
  const members = useResource<{ members: TeamMember[] }>(`/teams/${teamId}/members`)
  const manages = team.data?.role === 'owner' || team.data?.role === 'admin'
  return (
    <Load r={team}>
      {(t) => (
        <>
          <PageHeader title={t.name} description={`Your role: ${t.role ?? 'operator'}${t.personal ? ' · your personal team' : ''}`} />
          <Section title="Members">
            <Load r={members}>
              {({ members: list }) => (
                <table className="table">
                  <Head cols={['Member', 'Role', 'Joined', '']} />
                  <tbody>
                    {list.map((m) => (
                      <tr key={m.user_id}>
                        <td>{m.email ?? m.user_id}</td>
                        <td>
                          {manages ? (
                            <select
                              aria-label={`Role of ${m.email ?? m.user_id}`}
                              value={m.role ?? ''}
                              onChange={async (e) => {
                                await patch(`/teams/${teamId}/members/${m.user_id}`, { role: e.target.value })
                                members.reload()
                              }}
                            >
                              {ROLES.map((r) => (
                                <option key={r} value={r}>
                                  {r}
                                </option>
                              ))}
                            </select>
                          ) : (
                            m.role
                          )}
                        </td>
                        <td>{when(m.joined_at)}</td>
                        <td>
                          {manages && (
                            <button
                              type="button"
                              className="button small danger"
                              onClick={async () => {
                                await del(`/teams/${teamId}/members/${m.user_id}`)
                                members.reload()
                              }}
                            >
                              Remove
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Load>
          </Section>
          {manages && <Invite teamId={teamId} />}
        </>
      )}
    </Load>
  )
}

function Invite({ teamId }: { teamId: string }) {
  const invitations = useResource<{ invitations: { id: string; email: string; status: string; expires_at: number }[] }>(`/teams/${teamId}/invitations`)
  const [email, setEmail] = useState('')
  const [role, setRole] = useState('developer')
  const submit = useSubmit(async () => {
    await post(`/teams/${teamId}/invitations`, { email, role })
    setEmail('')
    invitations.reload()
  })
  return (
    <Section title="Invite a teammate">
      <form className="inline-form" onSubmit={submit.onSubmit} aria-label="Invite a teammate">
        <Field label="Teammate's email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={submit.fieldError('email')} />
        <Select label="Team role" value={role} onChange={(e) => setRole(e.target.value)} error={submit.fieldError('role')}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </Select>
        <button type="submit" className="button small" disabled={!email || submit.busy}>
          Invite
        </button>
        <FormError message={submit.formError} />
      </form>
      <Load r={invitations}>
        {({ invitations: list }) => (
          <ul className="plain-list">
            {list.map((i) => (
              <li key={i.id}>
                {i.email} · {i.status} · expires {when(i.expires_at)}
                {i.status === 'pending' && (
                  <button
                    type="button"
                    className="button small secondary"
                    onClick={async () => {
                      await del(`/teams/${teamId}/invitations/${i.id}`)
                      invitations.reload()
                    }}
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Load>
    </Section>
  )
}

/** A new Developer Team, owned by its maker. */
export function NewTeam({ onCreated }: { onCreated: (id: string) => void }) {
  useTitle('New team')
  const [name, setName] = useState('')
  const [slug, setSlug] = useState('')
  const problem = slug ? slugProblem(slug) : null
  const submit = useSubmit(async () => {
    const team = await post<Team>('/teams', { name, slug })
    onCreated(team.id)
  })
  return (
    <>
      <PageHeader title="New team" description="A team owns applications; its members manage them by their role." />
      <form className="card form" onSubmit={submit.onSubmit} aria-label="New team">
        <Field label="Team name" value={name} required onChange={(e) => setName(e.target.value)} error={submit.fieldError('name')} />
        <Field label="Team slug" value={slug} required onChange={(e) => setSlug(e.target.value.toLowerCase())} error={problem ?? submit.fieldError('slug')} spellCheck={false} />
        <FormError message={submit.formError} />
        <div className="actions">
          <button type="submit" className="button" disabled={submit.busy || !name || !slug || !!problem}>
            Create team
          </button>
        </div>
      </form>
    </>
  )
}

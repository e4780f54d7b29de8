import { useState } from 'react'
import { del, patch, post } from '../api'
import { Link, navigate, useTitle } from '../router'
import { isOperator } from '../auth'
import type { Application, Role } from '../types'
import { ConfirmButton, CopyValue, Empty, Field, FormError, Load, PageHeader, Section, Select, useResource, useSubmit, when, Head, useCursors } from '../ui'

interface Organization {
  id: string
  slug: string
  name: string
  branding?: { logo_url?: string | null; primary_color?: string | null }
  max_members?: number | null
  created_at: number
}
interface Member {
  user_id: string
  email: string | null
  name: string | null
  roles: { id: string; name: string }[]
  joined_at: number
}
interface Invitation {
  id: string
  email: string
  status: string
  expires_at: number
}
interface OrgDomain {
  domain: string
  verified: boolean
  enrolment: string
  dns_record?: { type: string; name: string; value: string }
}

export function Organizations({ app, selected }: { app: Application; selected?: string }) {
  useTitle(`Organizations · ${app.name}`)
  const pages = useCursors()
  const params = new URLSearchParams({ limit: '50' })
  if (pages.cursor) params.set('after', pages.cursor)
  const orgs = useResource<{ organizations: Organization[]; next_after: string | null }>(selected ? null : `/applications/${app.id}/organizations?${params}`)
  const [slug, setSlug] = useState('')
  const [name, setName] = useState('')
  const submit = useSubmit(async () => {
    const org = await post<Organization>(`/applications/${app.id}/organizations`, { slug, name })
    navigate(`/apps/${app.id}/organizations/${org.id}`)
  })
  if (selected) return <OrganizationDetail app={app} orgId={selected} />
  return (
    <>
      <PageHeader title="Organizations" description="Group your users by customer: members, their roles, invitations and verified domains." />
      <form className="card form inline" onSubmit={submit.onSubmit} aria-label="New organization">
        <Field label="Organization name" value={name} required onChange={(e) => setName(e.target.value)} error={submit.fieldError('name')} />
        <Field label="Organization slug" value={slug} required onChange={(e) => setSlug(e.target.value.toLowerCase())} error={submit.fieldError('slug')} spellCheck={false} />
        <FormError message={submit.formError} />
        <div className="actions">
          <button type="submit" className="button" disabled={submit.busy}>
            Create organization
          </button>
        </div>
      </form>
      <Load r={orgs}>
        {({ organizations, next_after }) => (
          <>
            {organizations.length === 0 ? (
              <Empty title="No organizations yet" />
            ) : (
              <table className="table">
                <Head cols={['Name', 'Slug', 'Created']} />
                <tbody>
                  {organizations.map((o) => (
                    <tr key={o.id}>
                      <td>
                        <Link href={`/apps/${app.id}/organizations/${o.id}`}>{o.name}</Link>
                      </td>
                      <td>
                        <code>{o.slug}</code>
                      </td>
                      <td>{when(o.created_at)}</td>
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

function OrganizationDetail({ app, orgId }: { app: Application; orgId: string }) {
  const base = `/applications/${app.id}/organizations/${orgId}`
  const org = useResource<Organization>(base)
  const roles = useResource<{ roles: Role[] }>(`/applications/${app.id}/roles`)
  return (
    <Load r={org}>
      {(o) => (
        <>
          <PageHeader title={o.name} description={`Slug ${o.slug}`}>
            <Link href={`/apps/${app.id}/organizations`} className="button secondary">
              All organizations
            </Link>
          </PageHeader>
          <Members base={base} roles={roles.data?.roles ?? []} />
          <Invitations base={base} roles={roles.data?.roles ?? []} />
          <OrgDomains base={base} />
          <Section title="Danger zone">
            <ConfirmButton
              label="Delete organization"
              title={`Delete ${o.name}?`}
              confirmLabel="Delete"
              typeToConfirm={o.slug}
              onConfirm={async () => {
                await del(base)
                navigate(`/apps/${app.id}/organizations`)
              }}
            >
              <p>Its memberships end; the users keep their accounts.</p>
            </ConfirmButton>
          </Section>
        </>
      )}
    </Load>
  )
}

function Members({ base, roles }: { base: string; roles: Role[] }) {
  const members = useResource<{ members: Member[] }>(`${base}/members`)
  const [userId, setUserId] = useState('')
  const [role, setRole] = useState('')
  const submit = useSubmit(async () => {
    await post(`${base}/members`, { user_id: userId, ...(role ? { roles: [role] } : {}) })
    setUserId('')
    members.reload()
  })
  return (
    <Section title="Members">
      <Load r={members}>
        {({ members: list }) =>
          list.length === 0 ? (
            <p>No members yet.</p>
          ) : (
            <table className="table">
              <Head cols={['Member', 'Roles', 'Joined', '']} />
              <tbody>
                {list.map((m) => (
                  <tr key={m.user_id}>
                    <td>{m.email ?? m.user_id}</td>
                    <td>
                      <select
                        aria-label={`Role of ${m.email ?? m.user_id}`}
                        value={m.roles[0]?.id ?? ''}
                        onChange={async (e) => {
                          await patch(`${base}/members/${m.user_id}`, { roles: e.target.value ? [e.target.value] : [] })
                          members.reload()
                        }}
                      >
                        {roleOptions(roles)}
                      </select>
                      {m.roles.length > 1 && <span className="muted"> +{m.roles.length - 1}</span>}
                    </td>
                    <td>{when(m.joined_at)}</td>
                    <td>
                      <button
                        type="button"
                        className="button small danger"
                        aria-label={`Remove ${m.email ?? m.user_id}`}
                        onClick={async () => {
                          await del(`${base}/members/${m.user_id}`)
                          members.reload()
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
      <form className="inline-form" onSubmit={submit.onSubmit} aria-label="Add a member">
        <Field label="User id" value={userId} placeholder="usr_…" onChange={(e) => setUserId(e.target.value)} error={submit.fieldError('user_id')} />
        <RoleSelect label="Role" roles={roles} value={role} onChange={setRole} />
        <button type="submit" className="button small" disabled={!userId || submit.busy}>
          Add member
        </button>
        <FormError message={submit.formError} />
      </form>
    </Section>
  )
}

function Invitations({ base, roles }: { base: string; roles: Role[] }) {
  const invitations = useResource<{ invitations: Invitation[] }>(`${base}/invitations`)
  const [email, setEmail] = useState('')
  const [role, setRole] = useState('')
  const submit = useSubmit(async () => {
    await post(`${base}/invitations`, { email, ...(role ? { roles: [role] } : {}) })
    setEmail('')
    invitations.reload()
  })
  return (
    <Section title="Invitations">
      <form className="inline-form" onSubmit={submit.onSubmit} aria-label="Invite by email">
        <Field label="Email to invite" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={submit.fieldError('email')} />
        <RoleSelect label="Invitation role" roles={roles} value={role} onChange={setRole} />
        <button type="submit" className="button small" disabled={!email || submit.busy}>
          Send invitation
        </button>
        <FormError message={submit.formError} />
      </form>
      <Load r={invitations}>
        {({ invitations: list }) =>
          list.length === 0 ? (
            <p>No invitations.</p>
          ) : (
            <ul className="plain-list">
              {list.map((i) => (
                <li key={i.id}>
                  {i.email} · <span className={`badge ${i.status}`}>{i.status}</span> · expires {when(i.expires_at)}{' '}
                  {i.status === 'pending' && (
                    <button
                      type="button"
                      className="button small secondary"
                      onClick={async () => {
                        await del(`${base}/invitations/${i.id}`)
                        invitations.reload()
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </Section>
  )
}

function OrgDomains({ base }: { base: string }) {
  const domains = useResource<{ domains: OrgDomain[] }>(`${base}/domains`)
  const [domain, setDomain] = useState('')
  const [enrolment, setEnrolment] = useState('none')
  const submit = useSubmit(async () => {
    await post(`${base}/domains`, { domain, enrolment })
    setDomain('')
    domains.reload()
  })
  return (
    <Section title="Verified domains">
      <form className="inline-form" onSubmit={submit.onSubmit} aria-label="Add a domain">
        <Field label="Email domain" value={domain} placeholder="acme.com" onChange={(e) => setDomain(e.target.value.toLowerCase())} error={submit.fieldError('domain')} />
        <Select label="Enrolment" value={enrolment} onChange={(e) => setEnrolment(e.target.value)} error={submit.fieldError('enrolment')}>
          <option value="none">None</option>
          <option value="suggest">Suggest joining</option>
          <option value="automatic">Join automatically</option>
        </Select>
        <button type="submit" className="button small" disabled={!domain || submit.busy}>
          Add domain
        </button>
        <FormError message={submit.formError} />
      </form>
      <Load r={domains}>
        {({ domains: list }) =>
          list.length === 0 ? (
            <p>No domains.</p>
          ) : (
            list.map((d) => (
              <div key={d.domain} className="sub-card">
                <p>
                  <strong>{d.domain}</strong> · <span className={`badge ${d.verified ? 'active' : 'pending'}`}>{d.verified ? 'verified' : 'not verified'}</span> · enrolment {d.enrolment}
                </p>
                {!d.verified && d.dns_record && (
                  <>
                    <p>Publish this {d.dns_record.type} record to prove the domain:</p>
                    <CopyValue value={d.dns_record.name} label="record name" />
                    <CopyValue value={d.dns_record.value} label="record value" />
                  </>
                )}
                {!d.verified && isOperator() && (
                  <button
                    type="button"
                    className="button small secondary"
                    onClick={async () => {
                      await post(`${base}/domains/${encodeURIComponent(d.domain)}/verify`)
                      domains.reload()
                    }}
                  >
                    Mark {d.domain} verified (operator)
                  </button>
                )}{' '}
                <button
                  type="button"
                  className="button small danger"
                  onClick={async () => {
                    await del(`${base}/domains/${encodeURIComponent(d.domain)}`)
                    domains.reload()
                  }}
                >
                  Remove {d.domain}
                </button>
              </div>
            ))
          )
        }
      </Load>
    </Section>
  )
}

/** The application's roles to pick one from, "No role" first. */
function roleOptions(roles: Role[]) {
  return (
    <>
      <option value="">No role</option>
      {roles.map((r) => (
        <option key={r.id} value={r.id}>
          {r.name}
        </option>
      ))}
    </>
  )
}

function RoleSelect({ label, roles, value, onChange }: { label: string; roles: Role[]; value: string; onChange: (id: string) => void }) {
  return (
    <Select label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {roleOptions(roles)}
    </Select>
  )
}

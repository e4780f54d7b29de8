import { useState } from 'react'
import { post } from '../api'
import { issuerOf, slugProblem } from '../platform'
import { Link, navigate, useTitle } from '../router'
import type { Application, Team } from '../types'
import { Empty, Field, FormError, Load, Loading, PageHeader, useResource, useSubmit } from '../ui'

export function Applications({ team, teamsLoading }: { team?: Team; teamsLoading: boolean }) {
  useTitle('Applications')
  const apps = useResource<{ applications: Application[] }>('/applications')
  const [creating, setCreating] = useState(false)
  if (teamsLoading && !team) return <Loading />
  const mayCreate = !team || team.role !== 'viewer'
  return (
    <>
      <PageHeader title="Applications" description={team ? `In ${team.name}` : undefined}>
        {mayCreate && !creating && (
          <button type="button" className="button" onClick={() => setCreating(true)}>
            New application
          </button>
        )}
      </PageHeader>
      {creating && <CreateApplication team={team} onCancel={() => setCreating(false)} />}
      <Load r={apps}>
        {({ applications }) => {
          const mine = applications.filter((a) => a.team_id === (team?.id ?? null))
          const others = applications.filter((a) => a.team_id !== (team?.id ?? null) && a.team_id === null)
          return (
            <>
              {mine.length === 0 ? (
                <Empty title="No applications yet">
                  <p>An application has its own users, sign-in pages and tokens, at its own subdomain.</p>
                </Empty>
              ) : (
                <AppGrid apps={mine} />
              )}
              {others.length > 0 && (
                <>
                  <h2 className="subhead">Platform applications (operator)</h2>
                  <AppGrid apps={others} />
                </>
              )}
            </>
          )
        }}
      </Load>
    </>
  )
}

function AppGrid({ apps }: { apps: Application[] }) {
  return (
    <ul className="app-grid">
      {apps.map((a) => (
        <li key={a.id} className="app-card">
          <Link href={`/apps/${a.id}`}>
            <span className="app-name">{a.name}</span>
            <span className="app-host">{issuerOf(a).replace(/^https?:\/\//, '')}</span>
          </Link>
        </li>
      ))}
    </ul>
  )
}

function CreateApplication({ team, onCancel }: { team?: Team; onCancel: () => void }) {
  const [name, setName] = useState('')
  const [slug, setSlug] = useState('')
  const [slugEdited, setSlugEdited] = useState(false)
  const problem = slug ? slugProblem(slug) : null
  const submit = useSubmit(async () => {
    const app = await post<Application>('/applications', { slug, name, ...(team ? { team_id: team.id } : {}) })
    navigate(`/apps/${app.id}`)
  })
  const suggest = (n: string) =>
    n
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
  return (
    <form className="card form" onSubmit={submit.onSubmit} aria-label="New application">
      <Field
        label="Name"
        value={name}
        required
        maxLength={100}
        onChange={(e) => {
          setName(e.target.value)
          if (!slugEdited) setSlug(suggest(e.target.value))
        }}
        error={submit.fieldError('name')}
      />
      <Field
        label="Slug"
        value={slug}
        required
        onChange={(e) => {
          setSlugEdited(true)
          setSlug(e.target.value.toLowerCase())
        }}
        error={problem ?? submit.fieldError('slug')}
        hint={slug && !problem ? `Served at ${issuerOf({ slug })}` : 'Its subdomain; cannot be changed later.'}
        spellCheck={false}
        autoComplete="off"
      />
      <FormError message={submit.formError} />
      <div className="actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button" disabled={submit.busy || !!problem || !slug || !name}>
          {submit.busy ? 'Creating…' : 'Create application'}
        </button>
      </div>
    </form>
  )
}

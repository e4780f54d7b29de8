import type React from 'react'
import { useState } from 'react'
import { useTitle } from '../router'
import type { AuditEntry, Application } from '../types'
import { Empty, Field, Load, PageHeader, useResource, when, Head, useCursors } from '../ui'

interface Verify {
  ok: boolean
  checked: number
  first_broken: { seq: number; reason: string } | null
}

export function AuditLog({ app }: { app: Application }) {
  useTitle(`Audit log · ${app.name}`)
  const [type, setType] = useState('')
  const [actor, setActor] = useState('')
  const [userId, setUserId] = useState('')
  const [since, setSince] = useState('')
  const [until, setUntil] = useState('')
  const [applied, setApplied] = useState<Record<string, string>>({})
  const pages = useCursors()
  const [open, setOpen] = useState<number | null>(null)
  const params = new URLSearchParams({ limit: '50', ...applied })
  if (pages.cursor) params.set('cursor', pages.cursor)
  const page = useResource<{ entries: AuditEntry[]; next_cursor: string | null }>(`/applications/${app.id}/audit?${params}`)
  const verify = useResource<Verify>(`/applications/${app.id}/audit/verify`)
  const apply = (e: React.FormEvent) => {
    e.preventDefault()
    const f: Record<string, string> = {}
    if (type.trim()) f.type = type.trim()
    if (actor.trim()) f.actor = actor.trim()
    if (userId.trim()) f.user_id = userId.trim()
    if (since) f.since = String(new Date(since).getTime())
    if (until) f.until = String(new Date(until).getTime())
    setApplied(f)
    pages.reset()
  }
  return (
    <>
      <PageHeader title="Audit log" description="Every sign-in and change, newest first, in a hash chain that shows any edit or gap." />
      <div role="status" aria-live="polite" className="chain-status">
        {verify.data ? (
          verify.data.ok ? (
            <span className="badge active">Chain verified: {verify.data.checked} entries intact</span>
          ) : (
            <span className="badge danger">
              Chain broken at entry {verify.data.first_broken?.seq}: {verify.data.first_broken?.reason}
            </span>
          )
        ) : verify.error ? (
          <span className="badge danger">Could not verify: {verify.error.message}</span>
        ) : (
          <span>Verifying the chain…</span>
        )}
      </div>
      <form className="card filters" onSubmit={apply} aria-label="Filters">
        <Field label="Type" value={type} onChange={(e) => setType(e.target.value)} placeholder="signin.succeeded" list="audit-types" />
        <datalist id="audit-types">
          {['signin.succeeded', 'signin.failed', 'signup', 'user.created', 'user.updated', 'user.deleted', 'client.created', 'application.updated', 'api_key.created', 'api_key.revoked', 'signing_keys.rotated', 'token.reuse_detected'].map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <Field label="Actor" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="user:usr_… or key:…" />
        <Field label="User id" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="usr_…" />
        <Field label="Since" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
        <Field label="Until" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
        <div className="actions">
          <button type="submit" className="button">
            Apply filters
          </button>
        </div>
      </form>
      <Load r={page}>
        {({ entries, next_cursor }) => (
          <>
            {entries.length === 0 ? (
              <Empty title="No entries match" />
            ) : (
              <table className="table audit">
                <Head cols={['#', 'When', 'Event', 'Actor', '']} />
                <tbody>
                  {entries.map((e) => (
                    <AuditRow key={e.seq} entry={e} open={open === e.seq} toggle={() => setOpen(open === e.seq ? null : e.seq)} />
                  ))}
                </tbody>
              </table>
            )}
            {pages.pager(next_cursor, ['Newer', 'Older'])}
          </>
        )}
      </Load>
    </>
  )
}

function AuditRow({ entry, open, toggle }: { entry: AuditEntry; open: boolean; toggle: () => void }) {
  const detail = (entry.detail ?? {}) as Record<string, unknown>
  return (
    <>
      <tr>
        <td>{entry.seq}</td>
        <td>{when(entry.at)}</td>
        <td>
          <code>{entry.type}</code>
        </td>
        <td>{entry.actor}</td>
        <td>
          <button type="button" className="button small secondary" aria-expanded={open} onClick={toggle}>
            {open ? 'Hide' : 'Details'}
            <span className="visually-hidden"> of entry {entry.seq}</span>
          </button>
        </td>
      </tr>
      {open && (
        <tr className="audit-detail">
          <td colSpan={5}>
            <dl className="details">
              {entry.user_id && (
                <>
                  <dt>User</dt>
                  <dd>
                    <code>{entry.user_id}</code>
                  </dd>
                </>
              )}
              {entry.ip && (
                <>
                  <dt>IP address</dt>
                  <dd>{entry.ip}</dd>
                </>
              )}
              {entry.request_id && (
                <>
                  <dt>Request id</dt>
                  <dd>
                    <code>{entry.request_id}</code>
                  </dd>
                </>
              )}
              <dt>Hash</dt>
              <dd>
                <code>{entry.hash}</code>
              </dd>
            </dl>
            {'before' in detail || 'after' in detail ? (
              <Diff before={detail.before} after={detail.after} />
            ) : (
              <pre className="json">{JSON.stringify(detail, null, 2)}</pre>
            )}
          </td>
        </tr>
      )}
    </>
  )
}

type Flat = Record<string, string>
function flatten(v: unknown, prefix = '', out: Flat = {}): Flat {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out)
  } else if (prefix || v !== undefined) {
    out[prefix || '(value)'] = JSON.stringify(v)
  }
  return out
}

/** Before and after, field by field: what changed, was added or removed. */
export function Diff({ before, after }: { before: unknown; after: unknown }) {
  const a = flatten(before)
  const b = flatten(after)
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
  const changed = keys.filter((k) => a[k] !== b[k])
  if (changed.length === 0) return <p>No field changed.</p>
  return (
    <table className="table diff">
      <caption>Changes</caption>
      <Head cols={['Field', 'Before', 'After']} />
      <tbody>
        {changed.map((k) => (
          <tr key={k}>
            <th scope="row">
              <code>{k}</code>
            </th>
            <td className="removed">{a[k] ?? '—'}</td>
            <td className="added">{b[k] ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}


import { useState } from 'react'
import { del, post } from '../api'
import { isOperator } from '../auth'
import { useTitle } from '../router'
import type { Application } from '../types'
import { ConfirmButton, CopyValue, Empty, Field, FormError, Load, PageHeader, Section, useResource, useSubmit, when, Head } from '../ui'

interface Domain {
  hostname: string
  verified: boolean
  created_at: number
  verified_at: number | null
  dns_records: { type: string; name: string; value: string }[]
}

export function Domains({ app }: { app: Application }) {
  useTitle(`Custom domains · ${app.name}`)
  const domains = useResource<{ domains: Domain[] }>(`/applications/${app.id}/domains`)
  const [hostname, setHostname] = useState('')
  const submit = useSubmit(async () => {
    await post(`/applications/${app.id}/domains`, { hostname })
    setHostname('')
    domains.reload()
  })
  return (
    <>
      <PageHeader title="Custom domains" description="Serve this application's sign-in pages and tokens from your own domain." />
      <form className="card form inline" onSubmit={submit.onSubmit} aria-label="Add a domain">
        <Field label="Hostname" value={hostname} required placeholder="auth.example.com" onChange={(e) => setHostname(e.target.value.toLowerCase())} error={submit.fieldError('hostname')} spellCheck={false} />
        <FormError message={submit.formError} />
        <div className="actions">
          <button type="submit" className="button" disabled={submit.busy || !hostname}>
            Add domain
          </button>
        </div>
      </form>
      <Load r={domains}>
        {({ domains: list }) =>
          list.length === 0 ? (
            <Empty title="No custom domains" />
          ) : (
            list.map((d) => (
              <Section
                key={d.hostname}
                title={d.hostname}
                actions={<span className={`badge ${d.verified ? 'active' : 'pending'}`}>{d.verified ? `verified ${when(d.verified_at)}` : 'waiting for DNS'}</span>}
              >
                {!d.verified && <p>Add this record at your DNS provider; the domain serves once the platform sees it.</p>}
                {!d.verified && isOperator() && (
                  <button
                    type="button"
                    className="button secondary"
                    onClick={async () => {
                      await post(`/applications/${app.id}/domains/${encodeURIComponent(d.hostname)}/verify`)
                      domains.reload()
                    }}
                  >
                    Mark verified (operator)
                  </button>
                )}
                <table className="table">
                  <Head cols={['Type', 'Name', 'Value']} />
                  <tbody>
                    {d.dns_records.map((r) => (
                      <tr key={r.type + r.name}>
                        <td>{r.type}</td>
                        <td>
                          <CopyValue value={r.name} label={`${r.type} name`} />
                        </td>
                        <td>
                          <CopyValue value={r.value} label={`${r.type} value`} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <ConfirmButton
                  label="Remove domain"
                  title={`Remove ${d.hostname}?`}
                  confirmLabel="Remove"
                  onConfirm={async () => {
                    await del(`/applications/${app.id}/domains/${encodeURIComponent(d.hostname)}`)
                    domains.reload()
                  }}
                >
                  <p>It stops serving at once.</p>
                </ConfirmButton>
              </Section>
            ))
          )
        }
      </Load>
    </>
  )
}


import { useState } from 'react'
import { patch } from '../api'
import { useTitle } from '../router'
import type { Application, Settings } from '../types'
import { Field, FormError, Notice, PageHeader, Section, Select, TextArea, useSubmit, Head } from '../ui'

// The rate limits an application may override (aero2_core::rate_limit),
// with what each counts.
const RATE_LIMITS: [string, string][] = [
  ['sign_in_per_ip', 'Sign-in attempts per IP address'],
  ['sign_in_per_identifier', 'Sign-in attempts per account'],
  ['sign_up_per_ip', 'Sign-ups per IP address'],
  ['authorize_per_ip', 'Authorization requests per IP address'],
  ['token_per_client', 'Token requests per client'],
  ['token_per_ip', 'Token requests per IP address'],
  ['mail_per_identifier', 'Mails per address'],
  ['mail_per_ip', 'Mails per IP address'],
  ['rp_authorize_per_ip', 'Provider sign-ins per IP address'],
  ['sms_per_number', 'Texts per phone number'],
  ['sms_per_prefix', 'Texts per number prefix'],
  ['sms_per_day', 'Texts per day'],
]

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s))
const str = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n))

/** Saves `settings` whole (PATCH replaces the object), dropping empty members. */
export async function saveSettings(app: Application, settings: Settings) {
  const clean = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined && v !== null))
  await patch(`/applications/${app.id}`, { settings: clean })
}

export function SettingsPage({ app, onSaved }: { app: Application; onSaved: () => void }) {
  useTitle(`Settings · ${app.name}`)
  const s = app.settings
  const [signupMode, setSignupMode] = useState(s.signup?.mode ?? 'open')
  const [domains, setDomains] = useState((s.signup?.allowed_domains ?? []).join('\n'))
  const [verification, setVerification] = useState(s.email_verification ?? 'optional')
  const [lockout, setLockout] = useState({
    max_failures: str(s.lockout?.max_failures),
    window_seconds: str(s.lockout?.window_seconds),
    lock_seconds: str(s.lockout?.lock_seconds),
  })
  const [limits, setLimits] = useState<Record<string, { max: string; window_seconds: string }>>(() =>
    Object.fromEntries(
      RATE_LIMITS.map(([name]) => {
        const l = (s.rate_limits as Record<string, { max: number; window_seconds: number }> | null | undefined)?.[name]
        return [name, { max: str(l?.max), window_seconds: str(l?.window_seconds) }]
      }),
    ),
  )
  const [codeTtl, setCodeTtl] = useState(str(s.authorization_code_ttl_seconds))
  const [leeway, setLeeway] = useState(str(s.refresh_token_reuse_leeway_seconds))
  const [recent, setRecent] = useState(str(s.recent_sign_in_seconds))
  const [mfa, setMfa] = useState((s.mfa as string | undefined) ?? 'optional')
  const [remember, setRemember] = useState(str(s.mfa_remember_days as number | undefined))
  const [origins, setOrigins] = useState((s.allowed_origins ?? []).join('\n'))
  const [retention, setRetention] = useState(str(s.audit_retention_days as number | undefined))
  const [saved, setSaved] = useState(false)

  const submit = useSubmit(async () => {
    setSaved(false)
    const lines = (t: string) => t.split('\n').map((x) => x.trim()).filter(Boolean)
    const lock = lockout.max_failures || lockout.window_seconds || lockout.lock_seconds
    const overrides = Object.fromEntries(
      Object.entries(limits)
        .filter(([, l]) => l.max !== '' || l.window_seconds !== '')
        .map(([name, l]) => [name, { max: num(l.max), window_seconds: num(l.window_seconds) }]),
    )
    await saveSettings(app, {
      ...s,
      signup: { mode: signupMode, ...(lines(domains).length ? { allowed_domains: lines(domains) } : {}) },
      email_verification: verification,
      lockout: lock
        ? { max_failures: num(lockout.max_failures)!, window_seconds: num(lockout.window_seconds)!, lock_seconds: num(lockout.lock_seconds)! }
        : undefined,
      rate_limits: Object.keys(overrides).length ? overrides : undefined,
      authorization_code_ttl_seconds: num(codeTtl),
      refresh_token_reuse_leeway_seconds: num(leeway),
      recent_sign_in_seconds: num(recent),
      mfa,
      mfa_remember_days: num(remember),
      allowed_origins: lines(origins),
      audit_retention_days: num(retention),
    })
    setSaved(true)
    onSaved()
  })
  const err = (name: string) => submit.fieldError(`settings.${name}`) ?? submit.fieldError(name)

  return (
    <form onSubmit={submit.onSubmit} aria-label="Settings">
      <PageHeader title="Settings" description="Changes apply from the next request.">
        <button type="submit" className="button" disabled={submit.busy}>
          {submit.busy ? 'Saving…' : 'Save settings'}
        </button>
      </PageHeader>
      {saved && <Notice tone="success">Saved.</Notice>}
      <FormError message={submit.formError ?? (submit.error && !saved ? submit.error.message : undefined)} />
      <Section title="Sign-up">
        <Select label="Who may sign up" value={signupMode} onChange={(e) => setSignupMode(e.target.value)} error={err('signup')}>
          <option value="open">Anyone</option>
          <option value="invite_only">Invited addresses only</option>
          <option value="disabled">Nobody (accounts are created by you)</option>
        </Select>
        <TextArea
          label="Only these email domains (one per line; empty for any)"
          value={domains}
          rows={3}
          onChange={(e) => setDomains(e.target.value)}
          error={err('signup.allowed_domains')}
        />
        <Select label="Email verification" value={verification} onChange={(e) => setVerification(e.target.value)} error={err('email_verification')}>
          <option value="off">Off: no confirmation mail</option>
          <option value="optional">Optional: a link is sent, sign-in does not wait</option>
          <option value="required">Required: no sign-in until the address is confirmed</option>
        </Select>
      </Section>
      <Section title="Lockout">
        <p className="hint">Defaults: 5 failures in 15 minutes lock the account for 5 minutes, doubling on repeat.</p>
        <div className="grid-3">
          <Field label="Failures" type="number" min={1} value={lockout.max_failures} onChange={(e) => setLockout({ ...lockout, max_failures: e.target.value })} error={err('lockout') ?? err('lockout.max_failures')} />
          <Field label="Within (seconds)" type="number" min={1} value={lockout.window_seconds} onChange={(e) => setLockout({ ...lockout, window_seconds: e.target.value })} error={err('lockout.window_seconds')} />
          <Field label="Lock for (seconds)" type="number" min={1} value={lockout.lock_seconds} onChange={(e) => setLockout({ ...lockout, lock_seconds: e.target.value })} error={err('lockout.lock_seconds')} />
        </div>
      </Section>
      <Section title="Tokens and sessions">
        <div className="grid-3">
          <Field label="Authorization code lifetime (seconds)" type="number" placeholder="60" value={codeTtl} onChange={(e) => setCodeTtl(e.target.value)} error={err('authorization_code_ttl_seconds')} />
          <Field label="Refresh-token retry leeway (seconds)" type="number" placeholder="10" value={leeway} onChange={(e) => setLeeway(e.target.value)} error={err('refresh_token_reuse_leeway_seconds')} />
          <Field label="Recent sign-in window (seconds)" type="number" placeholder="300" value={recent} onChange={(e) => setRecent(e.target.value)} error={err('recent_sign_in_seconds')} />
        </div>
        <p className="hint">Access-token lifetimes are set per API (APIs &amp; roles).</p>
      </Section>
      <Section title="Second factors">
        <Select label="Policy" value={mfa} onChange={(e) => setMfa(e.target.value)} error={err('mfa')}>
          <option value="off">Off</option>
          <option value="optional">Optional: users may add one</option>
          <option value="required">Required for everyone</option>
        </Select>
        <Field label="Remember a browser for (days; empty for never)" type="number" min={1} max={90} value={remember} onChange={(e) => setRemember(e.target.value)} error={err('mfa_remember_days')} />
      </Section>
      <Section title="Rate limits">
        <p className="hint">Empty fields keep the default.</p>
        <table className="table">
          <Head cols={['Limit', 'At most', 'Per (seconds)']} />
          <tbody>
            {RATE_LIMITS.map(([name, label]) => (
              <tr key={name}>
                <th scope="row">{label}</th>
                <td>
                  <input
                    type="number"
                    min={1}
                    aria-label={`${label}: at most`}
                    value={limits[name].max}
                    onChange={(e) => setLimits({ ...limits, [name]: { ...limits[name], max: e.target.value } })}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    min={1}
                    aria-label={`${label}: per seconds`}
                    value={limits[name].window_seconds}
                    onChange={(e) => setLimits({ ...limits, [name]: { ...limits[name], window_seconds: e.target.value } })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {err('rate_limits') && <p className="field-error">{err('rate_limits')}</p>}
      </Section>
      <Section title="Cross-origin requests and the audit log">
        <TextArea
          label="Allowed origins (one per line)"
          rows={3}
          value={origins}
          onChange={(e) => setOrigins(e.target.value)}
          error={err('allowed_origins')}
          hint="Browser apps on these origins may call this application's endpoints (CORS)."
        />
        <Field label="Keep audit entries (days)" type="number" placeholder="30" value={retention} onChange={(e) => setRetention(e.target.value)} error={err('audit_retention_days')} />
      </Section>
    </form>
  )
}

import { useEffect, useState, type ReactNode } from 'react'
import type { Session } from './auth'
import { Link, match, navigate, useLocation } from './router'
import { applyTheme, storedTheme, type Theme } from './theme'
import { Load, useResource } from './ui'
import type { Application, Team } from './types'
import { Applications } from './pages/Applications'
import { Overview } from './pages/Overview'
import { Clients } from './pages/Clients'
import { Users, UserDetail } from './pages/Users'
import { ApiKeys } from './pages/ApiKeys'
import { SigningKeys } from './pages/SigningKeys'
import { SettingsPage } from './pages/Settings'
import { BrandingPage } from './pages/Branding'
import { AuditLog } from './pages/Audit'
import { Access } from './pages/Access'
import { Organizations } from './pages/Organizations'
import { Providers } from './pages/Providers'
import { Domains } from './pages/Domains'
import { NewTeam, TeamPage } from './pages/Team'
import { Outbox } from './pages/Outbox'

const TEAM_KEY = 'aero2.team'

export const APP_SECTIONS: { path: string; label: string }[] = [
  { path: '', label: 'Overview' },
  { path: '/clients', label: 'Clients' },
  { path: '/users', label: 'Users' },
  { path: '/access', label: 'APIs & roles' },
  { path: '/organizations', label: 'Organizations' },
  { path: '/providers', label: 'Identity providers' },
  { path: '/domains', label: 'Custom domains' },
  { path: '/keys', label: 'API keys' },
  { path: '/signing-keys', label: 'Signing keys' },
  { path: '/settings', label: 'Settings' },
  { path: '/branding', label: 'Branding' },
  { path: '/audit', label: 'Audit log' },
  { path: '/outbox', label: 'Mail outbox' },
]

export function Layout({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { path } = useLocation()
  const teams = useResource<{ teams: Team[] }>('/teams')
  const [teamId, setTeamId] = useState<string | null>(() => localStorage.getItem(TEAM_KEY))
  const list = teams.data?.teams ?? []
  const team = list.find((t) => t.id === teamId) ?? list.find((t) => t.personal) ?? list[0]
  useEffect(() => {
    if (team) localStorage.setItem(TEAM_KEY, team.id)
  }, [team])
  const appMatch = match('/apps/:id', path.split('/').slice(0, 3).join('/'))
  const appId = appMatch?.id

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">A2</span>
          <span>Aero2</span>
        </Link>
        {list.length > 0 && (
          <div className="team-switcher">
            <label htmlFor="team">Team</label>
            <select
              id="team"
              value={team?.id ?? ''}
              onChange={(e) => {
                setTeamId(e.target.value)
                navigate('/')
              }}
            >
              {list.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.personal ? `${t.name} (personal)` : t.name}
                </option>
              ))}
            </select>
            {team && (
              <Link href={`/teams/${team.id}`} className="button small secondary">
                Members
              </Link>
            )}
            <Link href="/teams/new" className="button small secondary">
              New team
            </Link>
          </div>
        )}
        <div className="topbar-end">
          <ThemeToggle />
          <details className="user-menu">
            <summary>
              <span className="avatar" aria-hidden="true">
                {(session.user.name ?? session.user.email ?? '?').slice(0, 1).toUpperCase()}
              </span>
              <span className="user-email">{session.user.email ?? session.user.sub}</span>
            </summary>
            <div className="menu">
              <a href="/security">Account security</a>
              <button type="button" onClick={onSignOut}>
                Sign out
              </button>
            </div>
          </details>
        </div>
      </header>
      <div className={appId ? 'body with-nav' : 'body'}>
        {appId && <AppNav appId={appId} path={path} />}
        <main id="main" tabIndex={-1}>
          <Page
            path={path}
            team={team}
            teamsLoading={teams.loading}
            onTeamCreated={(id) => {
              setTeamId(id)
              teams.reload()
              navigate('/')
            }}
          />
        </main>
      </div>
    </div>
  )
}

function AppNav({ appId, path }: { appId: string; path: string }) {
  const app = useResource<Application>(`/applications/${appId}`)
  const base = `/apps/${appId}`
  return (
    <nav className="app-nav" aria-label="Application">
      <p className="app-nav-title">{app.data?.name ?? '…'}</p>
      <ul>
        {APP_SECTIONS.map((s) => {
          const href = base + s.path
          const current = s.path === '' ? path === base : path === href || path.startsWith(href + '/')
          return (
            <li key={s.path}>
              <Link href={href} aria-current={current ? 'page' : undefined}>
                {s.label}
              </Link>
            </li>
          )
        })}
      </ul>
    </nav>
  )
}

function Page({ path, team, teamsLoading, onTeamCreated }: { path: string; team?: Team; teamsLoading: boolean; onTeamCreated: (id: string) => void }): ReactNode {
  let m: Record<string, string> | null
  if (path === '/' || path === '') return <Applications team={team} teamsLoading={teamsLoading} />
  if (path === '/teams/new') return <NewTeam onCreated={onTeamCreated} />
  if ((m = match('/teams/:team', path))) return <TeamPage teamId={m.team} />
  if ((m = match('/apps/:id', path))) return <WithApp id={m.id}>{(a) => <Overview app={a} />}</WithApp>
  if ((m = match('/apps/:id/clients', path))) return <WithApp id={m.id}>{(a) => <Clients app={a} />}</WithApp>
  if ((m = match('/apps/:id/clients/:client', path)))
    return <WithApp id={m.id}>{(a) => <Clients app={a} selected={m!.client} />}</WithApp>
  if ((m = match('/apps/:id/users', path))) return <WithApp id={m.id}>{(a) => <Users app={a} />}</WithApp>
  if ((m = match('/apps/:id/users/:user', path)))
    return <WithApp id={m.id}>{(a) => <UserDetail app={a} userId={m!.user} />}</WithApp>
  if ((m = match('/apps/:id/access', path))) return <WithApp id={m.id}>{(a) => <Access app={a} />}</WithApp>
  if ((m = match('/apps/:id/organizations', path))) return <WithApp id={m.id}>{(a) => <Organizations app={a} />}</WithApp>
  if ((m = match('/apps/:id/organizations/:org', path)))
    return <WithApp id={m.id}>{(a) => <Organizations app={a} selected={m!.org} />}</WithApp>
  if ((m = match('/apps/:id/providers', path))) return <WithApp id={m.id}>{(a) => <Providers app={a} />}</WithApp>
  if ((m = match('/apps/:id/domains', path))) return <WithApp id={m.id}>{(a) => <Domains app={a} />}</WithApp>
  if ((m = match('/apps/:id/keys', path))) return <WithApp id={m.id}>{(a) => <ApiKeys app={a} />}</WithApp>
  if ((m = match('/apps/:id/signing-keys', path))) return <WithApp id={m.id}>{(a) => <SigningKeys app={a} />}</WithApp>
  if ((m = match('/apps/:id/settings', path))) return <WithApp id={m.id}>{(a, reload) => <SettingsPage app={a} onSaved={reload} />}</WithApp>
  if ((m = match('/apps/:id/branding', path))) return <WithApp id={m.id}>{(a, reload) => <BrandingPage app={a} onSaved={reload} />}</WithApp>
  if ((m = match('/apps/:id/audit', path))) return <WithApp id={m.id}>{(a) => <AuditLog app={a} />}</WithApp>
  if ((m = match('/apps/:id/outbox', path))) return <WithApp id={m.id}>{(a) => <Outbox app={a} />}</WithApp>
  return (
    <div className="empty">
      <h1>Page not found</h1>
      <p>
        <Link href="/">Back to your applications</Link>
      </p>
    </div>
  )
}

function WithApp({ id, children }: { id: string; children: (app: Application, reload: () => void) => ReactNode }) {
  const r = useResource<Application>(`/applications/${id}`)
  return <Load r={r}>{(app) => children(app, r.reload)}</Load>
}

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme)
  const next: Record<Theme, Theme> = { system: 'dark', dark: 'light', light: 'system' }
  const label: Record<Theme, string> = { system: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' }
  return (
    <button
      type="button"
      className="button small secondary theme-toggle"
      onClick={() => {
        const t = next[theme]
        applyTheme(t)
        setTheme(t)
      }}
      aria-label={`${label[theme]} (change)`}
    >
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} <span className="theme-name">{theme}</span>
    </button>
  )
}

import { useState } from 'react'
import { del } from '../api'
import { issuerOf } from '../platform'
import { navigate, useTitle } from '../router'
import type { Application } from '../types'
import { ConfirmButton, CopyButton, CopyValue, PageHeader, Section, when, Head } from '../ui'

const ENDPOINTS: [string, string][] = [
  ['Discovery', '/.well-known/openid-configuration'],
  ['Authorization', '/oauth2/authorize'],
  ['Token', '/oauth2/token'],
  ['UserInfo', '/oauth2/userinfo'],
  ['JWKS', '/.well-known/jwks.json'],
  ['Revocation', '/oauth2/revoke'],
  ['Introspection', '/oauth2/introspect'],
  ['Sign-out', '/oauth2/logout'],
]

export function Overview({ app }: { app: Application }) {
  useTitle(app.name)
  const issuer = issuerOf(app)
  return (
    <>
      <PageHeader title={app.name} description={`Created ${when(app.created_at)}`} />
      <Section title="Issuer">
        <CopyValue value={issuer} label="issuer" />
        <dl className="details">
          <dt>Application id</dt>
          <dd>
            <code>{app.id}</code>
          </dd>
          <dt>Hosted sign-in</dt>
          <dd>
            <a href={`${issuer}/login`}>{issuer}/login</a> (reached through a client's authorization request)
          </dd>
        </dl>
      </Section>
      <Section title="Endpoints">
        <table className="table">
          <Head cols={['Endpoint', 'URL', '']} />
          <tbody>
            {ENDPOINTS.map(([name, path]) => (
              <tr key={path}>
                <td>{name}</td>
                <td>
                  <code>{issuer + path}</code>
                </td>
                <td>
                  <CopyButton value={issuer + path} label={`Copy ${name} URL`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <QuickStarts issuer={issuer} />
      <Section title="Danger zone">
        <p>Deleting the application removes its users, clients, keys and settings, and its subdomain stops answering at once.</p>
        <ConfirmButton
          label="Delete application"
          title={`Delete ${app.name}?`}
          confirmLabel="Delete for good"
          typeToConfirm={app.slug}
          onConfirm={async () => {
            await del(`/applications/${app.id}`)
            navigate('/')
          }}
        >
          <p>This cannot be undone. Every user of {app.name} loses their account.</p>
        </ConfirmButton>
      </Section>
    </>
  )
}

function QuickStarts({ issuer }: { issuer: string }) {
  const samples: Record<string, { title: string; code: string }> = {
    spa: {
      title: 'Single-page app (oauth4webapi)',
      code: `import * as oauth from 'oauth4webapi'

const issuer = new URL('${issuer}')
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer))
const client = { client_id: '<your public client id>' }

// Sign in: PKCE, then send the browser to the hosted page.
const verifier = oauth.generateRandomCodeVerifier()
sessionStorage.setItem('pkce', verifier)
const url = new URL(as.authorization_endpoint)
url.search = new URLSearchParams({
  client_id: client.client_id, response_type: 'code', scope: 'openid profile email offline_access',
  redirect_uri: location.origin + '/callback',
  code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
}).toString()
location.assign(url)

// On /callback: exchange the code.
const params = oauth.validateAuthResponse(as, client, new URL(location.href))
const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params,
  location.origin + '/callback', sessionStorage.getItem('pkce'))
const tokens = await oauth.processAuthorizationCodeResponse(as, client, res)`,
    },
    hono: {
      title: 'API with Node or Hono (jose)',
      code: `import { Hono } from 'hono'
import { createRemoteJWKSet, jwtVerify } from 'jose'

const ISSUER = '${issuer}'
const jwks = createRemoteJWKSet(new URL(ISSUER + '/.well-known/jwks.json'))
const app = new Hono()

app.use('/api/*', async (c, next) => {
  const token = c.req.header('authorization')?.replace(/^Bearer /, '')
  if (!token) return c.json({ error: 'unauthorized' }, 401)
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: 'https://api.example.com', // your API's identifier
      typ: 'at+jwt',
    })
    c.set('auth', payload)
  } catch {
    return c.json({ error: 'invalid_token' }, 401)
  }
  await next()
})`,
    },
    node: {
      title: 'Server-side web app (openid-client)',
      code: `import * as client from 'openid-client'

const config = await client.discovery(new URL('${issuer}'), '<client id>', '<client secret>')

// Sign in
const verifier = client.randomPKCECodeVerifier()
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: 'https://app.example.com/callback',
  scope: 'openid profile email',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
})
// ... redirect to url, then on the callback:
const tokens = await client.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: verifier })
console.log(tokens.claims())`,
    },
  }
  const [tab, setTab] = useState<keyof typeof samples>('spa')
  return (
    <Section title="Quick start">
      <div role="tablist" aria-label="Quick starts" className="tabs">
        {Object.entries(samples).map(([key, s]) => (
          <button
            key={key}
            type="button"
            role="tab"
            id={`tab-${key}`}
            aria-selected={tab === key}
            aria-controls={`panel-${key}`}
            className={tab === key ? 'tab active' : 'tab'}
            onClick={() => setTab(key as keyof typeof samples)}
          >
            {s.title}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="code-block">
        <CopyButton value={samples[tab].code} label="Copy code" />
        <pre tabIndex={0}>
          <code>{samples[tab].code}</code>
        </pre>
      </div>
    </Section>
  )
}

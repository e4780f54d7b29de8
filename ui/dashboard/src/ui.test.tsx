import { describe, expect, it } from 'vitest'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { ApiError, api, setTransportForTests } from './api'
import { Field, useSubmit } from './ui'
import { slugProblem } from './platform'
import { redirectUriProblem } from './pages/Clients'
import { Diff } from './pages/Audit'
import { readableOn } from './pages/Branding'
import { safeReturnTo } from './auth'
import { match } from './router'

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

describe('the API client', () => {
  it('sends the token, and keeps the field of an error', async () => {
    const seen: Request[] = []
    setTransportForTests(
      async (input, init) => {
        seen.push(new Request(new URL(String(input), 'http://dashboard.test'), init))
        return json(400, { error: 'invalid_request', error_description: 'slug is reserved', field: 'slug' })
      },
      async () => 'at-1',
    )
    const err = (await api('POST', '/applications', { slug: 'dashboard' }).catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect([err.status, err.code, err.field, err.description]).toEqual([400, 'invalid_request', 'slug', 'slug is reserved'])
    expect(seen[0].headers.get('authorization')).toBe('Bearer at-1')
    expect(new URL(seen[0].url).pathname).toBe('/api/v1/applications')
  })

  it('renews the token once on 401, then retries', async () => {
    const tokens: (boolean | undefined)[] = []
    let calls = 0
    setTransportForTests(
      async () => (++calls === 1 ? json(401, { error: 'unauthorized' }) : json(200, { ok: true })),
      async (force) => {
        tokens.push(force)
        return force ? 'fresh' : 'stale'
      },
    )
    expect(await api('GET', '/teams')).toEqual({ ok: true })
    expect(tokens).toEqual([false, true])
  })
})

describe('a form field', () => {
  it('shows the error next to the field and marks it invalid', () => {
    render(<Field label="Slug" value="x" onChange={() => {}} error="slug is reserved" hint="Its subdomain" />)
    const input = screen.getByLabelText('Slug')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent)
    expect(described).toEqual(['Its subdomain', 'slug is reserved'])
  })

  it('gets the API error for its own field from a submission', async () => {
    function Form() {
      const submit = useSubmit(async () => {
        throw new ApiError(409, 'conflict', 'slug is taken', 'slug')
      })
      return (
        <form onSubmit={submit.onSubmit}>
          <Field label="Name" error={submit.fieldError('name')} />
          <Field label="Slug" error={submit.fieldError('slug')} />
          <button type="submit">Create</button>
        </form>
      )
    }
    render(<Form />)
    await userEvent.click(screen.getByRole('button', { name: 'Create' }))
    await waitFor(() => expect(screen.getByText('slug is taken')).toBeTruthy())
    expect(screen.getByLabelText('Slug').getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull()
  })
})

describe('checks made as the developer types', () => {
  it('slugs are DNS labels', () => {
    expect(slugProblem('my-app')).toBeNull()
    expect(slugProblem('ab')).toMatch(/3 characters/)
    expect(slugProblem('My_App')).toMatch(/lower-case/)
    expect(slugProblem('-app')).toMatch(/hyphen/)
    expect(slugProblem('a'.repeat(64))).toMatch(/63/)
  })

  it('redirect URIs follow RFC 9700 and RFC 8252', () => {
    expect(redirectUriProblem('https://app.example.com/cb')).toBeNull()
    expect(redirectUriProblem('http://localhost:3000/cb')).toBeNull()
    expect(redirectUriProblem('http://127.0.0.1:9/cb')).toBeNull()
    expect(redirectUriProblem('com.example.app:/oauth')).toBeNull()
    expect(redirectUriProblem('http://app.example.com/cb')).toMatch(/https/)
    expect(redirectUriProblem('https://app.example.com/cb#x')).toMatch(/fragment/)
    expect(redirectUriProblem('/cb')).toMatch(/absolute/)
  })

  it('a return path never leaves the app', () => {
    expect(safeReturnTo('/apps/x')).toBe('/apps/x')
    for (const bad of ['https://evil.example/', '//evil.example', '/\\evil.example', '/callback?code=x', 'javascript:alert(1)']) {
      expect(safeReturnTo(bad)).toBe('/')
    }
  })

  it('brand text is black or white, whichever reads', () => {
    expect(readableOn('#0f766e')).toBe('#ffffff')
    expect(readableOn('#c0ffee')).toBe('#000000')
  })
})

describe('the router', () => {
  it('takes ids as they are, and nothing that could leave the resource', () => {
    expect(match('/apps/:id/users/:user', '/apps/app_1/users/usr_2')).toEqual({ id: 'app_1', user: 'usr_2' })
    expect(match('/apps/:id', '/apps/app_1/')).toEqual({ id: 'app_1' })
    for (const bad of ['/apps/x%2F..%2F..%2Fapp_2/organizations/o', '/apps/../organizations/o', '/apps/./organizations/o', '/apps/a?b/organizations/o', '/apps//organizations/o']) {
      expect(match('/apps/:id/organizations/:org', bad)).toBeNull()
    }
  })
})

describe('the audit diff', () => {
  it('shows only what changed, field by field', () => {
    render(<Diff before={{ name: 'Old', settings: { mfa: 'off', signup: { mode: 'open' } } }} after={{ name: 'New', settings: { mfa: 'off', signup: { mode: 'open' }, lockout: 5 } }} />)
    const rows = screen.getAllByRole('row').slice(1).map((r) => r.textContent)
    expect(rows).toEqual(['name"Old""New"', 'settings.lockout—5'])
  })

  it('says so when nothing changed', () => {
    render(<Diff before={{ a: 1 }} after={{ a: 1 }} />)
    expect(screen.getByText('No field changed.')).toBeTruthy()
  })
})


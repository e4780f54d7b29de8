import { describe, expect, it } from 'vitest'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { setTransportForTests } from '../api'
import { Applications } from './Applications'
import type { Team } from '../types'

const team: Team = { id: 'org_1', slug: 'personal', name: 'Dana', personal: true, role: 'owner' }

function server(routes: Record<string, (body: unknown) => [number, unknown]>) {
  const calls: { method: string; path: string; body: unknown }[] = []
  setTransportForTests(
    async (input, init) => {
      const path = String(input).replace('/api/v1', '')
      const method = init?.method ?? 'GET'
      const body = init?.body ? JSON.parse(String(init.body)) : undefined
      calls.push({ method, path, body })
      const handler = routes[`${method} ${path}`]
      const [status, out] = handler ? handler(body) : [404, { error: 'not_found' }]
      return new Response(JSON.stringify(out), { status, headers: { 'content-type': 'application/json' } })
    },
    async () => 'token',
  )
  return calls
}

describe('the applications page', () => {
  it('shows the empty state, then the team’s applications only', async () => {
    server({
      'GET /applications': () => [200, { applications: [] }],
    })
    render(<Applications team={team} teamsLoading={false} />)
    await waitFor(() => expect(screen.getByText('No applications yet')).toBeTruthy())
  })

  it('lists the selected team’s applications', async () => {
    server({
      'GET /applications': () => [
        200,
        {
          applications: [
            { id: 'app_1', slug: 'shop', name: 'Shop', team_id: 'org_1', settings: {}, created_at: 1, updated_at: 1 },
            { id: 'app_2', slug: 'other', name: 'Other team', team_id: 'org_2', settings: {}, created_at: 1, updated_at: 1 },
          ],
        },
      ],
    })
    render(<Applications team={team} teamsLoading={false} />)
    await waitFor(() => expect(screen.getByRole('link', { name: /Shop/ })).toBeTruthy())
    expect(screen.queryByText('Other team')).toBeNull()
  })

  it('creates in the team, with the server’s field error shown at the field', async () => {
    const calls = server({
      'GET /applications': () => [200, { applications: [] }],
      'POST /applications': () => [409, { error: 'conflict', error_description: 'slug is taken', field: 'slug' }],
    })
    render(<Applications team={team} teamsLoading={false} />)
    await userEvent.click(await screen.findByRole('button', { name: 'New application' }))
    await userEvent.type(screen.getByLabelText('Name'), 'My Shop')
    expect((screen.getByLabelText('Slug') as HTMLInputElement).value).toBe('my-shop')
    await userEvent.click(screen.getByRole('button', { name: 'Create application' }))
    await waitFor(() => expect(screen.getByText('slug is taken')).toBeTruthy())
    expect(screen.getByLabelText('Slug').getAttribute('aria-invalid')).toBe('true')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ slug: 'my-shop', name: 'My Shop', team_id: 'org_1' })
  })

  it('refuses a bad slug before sending it', async () => {
    const calls = server({ 'GET /applications': () => [200, { applications: [] }] })
    render(<Applications team={team} teamsLoading={false} />)
    await userEvent.click(await screen.findByRole('button', { name: 'New application' }))
    await userEvent.type(screen.getByLabelText('Name'), 'x')
    expect(screen.getByText('At least 3 characters.')).toBeTruthy()
    expect((screen.getByRole('button', { name: 'Create application' }) as HTMLButtonElement).disabled).toBe(true)
    expect(calls.filter((c) => c.method === 'POST')).toEqual([])
  })

  it('hides creation from a viewer', async () => {
    server({ 'GET /applications': () => [200, { applications: [] }] })
    render(<Applications team={{ ...team, role: 'viewer' }} teamsLoading={false} />)
    await waitFor(() => expect(screen.getByText('No applications yet')).toBeTruthy())
    expect(screen.queryByRole('button', { name: 'New application' })).toBeNull()
  })
})

// The management API (/api/v1 on this host), called with the developer's
// own access token: nothing else. Errors keep the API's `field`, so forms
// show them next to the input they concern.
import { accessToken } from './auth'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly field?: string,
  ) {
    super(description || code)
  }
}

type Fetch = typeof fetch
let fetcher: Fetch = (...args) => fetch(...args)
let tokenSource: (force?: boolean) => Promise<string> = accessToken

/** For component tests: a fake network and token. */
export function setTransportForTests(f: Fetch, token: (force?: boolean) => Promise<string>) {
  fetcher = f
  tokenSource = token
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const send = async (force: boolean) => {
    const headers: Record<string, string> = { authorization: `Bearer ${await tokenSource(force)}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    return fetcher(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  }
  let res = await send(false)
  // An expired or revoked token: renew once (rotating the refresh token).
  if (res.status === 401) res = await send(true)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let json: Record<string, unknown> = {}
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    // Not JSON (a proxy's error page): keep the status.
  }
  if (!res.ok) {
    throw new ApiError(
      res.status,
      String(json.error ?? 'error'),
      String(json.error_description ?? `The server answered ${res.status}`),
      typeof json.field === 'string' ? json.field : undefined,
    )
  }
  return json as T
}

export const get = <T>(path: string) => api<T>('GET', path)
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {})
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body)
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body)
export const del = <T>(path: string, body?: unknown) => api<T>('DELETE', path, body)

export const enc = encodeURIComponent

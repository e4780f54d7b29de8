// A typed client of Aero2's management API, generated from the OpenAPI
// document every deployment serves at /api/v1/openapi.json (this package
// carries the one it was built from, openapi.json).

import createClient, { type Client } from 'openapi-fetch'
import type { paths } from './generated/management-api.js'

export type { paths, components, operations } from './generated/management-api.js'

export interface ManagementOptions {
  /** The Dashboard's origin: `https://dashboard.example.com`. */
  baseUrl: string
  /**
   * The operator credential, an application's `sk_live_` key, or a
   * Dashboard user's access token for the management API (a function is
   * called for every request, so a token can be renewed).
   */
  credential: string | (() => string | Promise<string>)
  fetch?: typeof fetch
}

export type ManagementClient = Client<paths>

/**
 * The management API, typed: paths, parameters, bodies and answers as the
 * OpenAPI document says.
 *
 *     const api = createManagementClient({ baseUrl, credential: process.env.AERO2_KEY! })
 *     const { data, error } = await api.GET('/api/v1/applications/{application_id}/users', {
 *       params: { path: { application_id: appId }, query: { email: 'ada' } },
 *     })
 */
export function createManagementClient(options: ManagementOptions): ManagementClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: options.fetch })
  client.use({
    async onRequest({ request }) {
      const credential = typeof options.credential === 'function' ? await options.credential() : options.credential
      request.headers.set('authorization', `Bearer ${credential}`)
      return request
    },
  })
  return client
}
